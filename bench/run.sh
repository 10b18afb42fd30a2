#!/bin/bash
# run.sh - what the interposer costs a Kerberos acceptor: the same program
# (bench/krb5_accept.c) under callgrind without and with gss-sspi-negotiate,
# side by side in one run, counting only the instructions spent inside
# gss_accept_sec_context (callgrind --toggle-collect).  Instruction counts,
# not times: stable on a shared machine.  The budget is 3% (raw Kerberos);
# SPNEGO/Kerberos is printed for information.
#
#   bench/run.sh [ITERATIONS]       (make bench)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/..}"
: "${top_builddir:=$here/..}"
. "$top_srcdir/tests/mech/lib.sh"
n=${1:-20}
command -v valgrind >/dev/null || { echo "bench: valgrind is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mech_config "$work/with.conf" with
mech_config "$work/without.conf" without
# The default policy, audited to syslog as in production; and the same
# without the audit line, to tell the pass-through's cost from the audit's.
: >"$work/policy.conf"
echo "audit_syslog = no" >"$work/no-audit.conf"

# The bench program plays the syslog daemon on this socket, as production
# has one (without a daemon, every line would cost a failed connect).
instructions() { # mech-config, mech [, policy]
    GSS_MECH_CONFIG="$1" GSS_SSPI_NEGOTIATE_CONF="${3:-$work/policy.conf}" \
        GSS_SSPI_NEGOTIATE_SYSLOG="$work/syslog.sock" \
        "$top_srcdir/tests/with-realm" \
        "$top_builddir/libtool" --mode=execute valgrind --tool=callgrind \
        --callgrind-out-file="$work/cg.out" --toggle-collect='gss_accept_sec_context' \
        "$top_builddir/bench/bench-krb5-accept" "$n" "$2" >"$work/log" 2>&1 || {
        cat "$work/log" >&2
        return 1
    }
    grep -h "^bench:" "$work/log" >&2
    awk '/^summary:/ { print $2 }' "$work/cg.out"
}

status=0
without=$(instructions "$work/without.conf" krb5) || exit 1
quiet=$(instructions "$work/with.conf" krb5 "$work/no-audit.conf") || exit 1
echo "bench: krb5 accept without the audit line: ratio" \
    "$(awk -v a="$quiet" -v b="$without" 'BEGIN { printf "%.4f", a / b }')"
for mech in krb5 spnego; do
    without=$(instructions "$work/without.conf" $mech) || exit 1
    with=$(instructions "$work/with.conf" $mech) || exit 1
    ratio=$(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.4f", a / b }')
    per_without=$((without / n))
    per_with=$((with / n))
    echo "bench: $mech accept, $n contexts: $per_without instructions each without the" \
        "interposer, $per_with with it: ratio $ratio"
    if [ $mech = krb5 ] && awk -v r="$ratio" 'BEGIN { exit !(r > 1.03) }'; then
        echo "bench: over the 3% budget"
        status=1
    fi
done
exit $status
