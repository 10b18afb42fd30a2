#!/bin/bash
# module.sh - what the gss-sspi-negotiate module costs a plain GSS server
# (bench/module.c): its whole operation per connection (accept + release +
# delete) without the module, with it and no audit line, and with it and
# its audit line to syslog (the default policy), side by side in one run.
#   - instructions (callgrind): Kerberos as a sequential server and with
#     contexts alive, budget 1.03 with the audit; SPNEGO/Kerberos for
#     information;
#   - CPU time, user and kernel (the audit datagram is a system call
#     callgrind cannot see): the median operation of each run, in rounds
#     alternating the three configurations, the least disturbed round of
#     each; shown next to the budget, not judged (times on a shared machine
#     are not stable figures).
# Runs in a realm (tests/with-realm); prints report lines (report.awk).
#
#   bench/module.sh         (part of make bench)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
n=20          # connections per callgrind run
cpu_n=500     # connections per CPU-time run
rounds=9
mech_config "$work/with.conf" with
mech_config "$work/without.conf" without
: >"$work/audit.conf" # the default policy: audit to syslog
echo "audit_syslog = no" >"$work/quiet.conf"

# config name -> mech config, policy
config() {
    case $1 in
    without) echo "$work/without.conf $work/audit.conf" ;;
    quiet) echo "$work/with.conf $work/quiet.conf" ;;
    audit) echo "$work/with.conf $work/audit.conf" ;;
    esac
}

# run CONFIG callgrind|cpu N MECH PATTERN: the instructions of the N
# operations, or "median-ns user-us kernel-us" (see module.c).  The program
# plays the syslog daemon.
run() {
    local cfg
    read -r -a cfg <<<"$(config "$1")"
    shift
    rm -f "$work"/cg.out*
    local runner=("$top_builddir/libtool" --mode=execute)
    [ "$1" = callgrind ] && runner=(bench_callgrind "$work/cg.out")
    GSS_MECH_CONFIG="${cfg[0]}" GSS_SSPI_NEGOTIATE_CONF="${cfg[1]}" \
        GSS_SSPI_NEGOTIATE_SYSLOG="$work/syslog.sock" \
        "${runner[@]}" "$top_builddir/bench/bench-module" "$@" >"$work/log" 2>&1 || {
        cat "$work/log" >&2
        return 1
    }
    grep -h "^bench:" "$work/log" >&2
    if [ "$1" = callgrind ]; then
        bench_dumps "$work/cg.out" | cut -d';' -f6
    else
        awk '/^cpu:/ { print $2, $3, $4 }' "$work/log"
    fi
}

figure() { # budget, what, measured side, its total, baseline side, its total, n, unit
    echo "$1;$2;measured;$3;$7;$4;$8"
    echo "$1;$2;baseline;$5;$7;$6;$8"
}

for pattern in sequential alive; do
    without=$(run without callgrind $n krb5 $pattern) || exit 1
    quiet=$(run quiet callgrind $n krb5 $pattern) || exit 1
    audit=$(run audit callgrind $n krb5 $pattern) || exit 1
    what="module: Kerberos accept + release + delete, sequential server"
    [ $pattern = alive ] && what="module: Kerberos accept + release + delete, contexts alive"
    figure "=1.03" "$what, audit to syslog" "with the module" "$audit" \
        "without" "$without" $n instructions
    figure "-" "$what, no audit line" "with the module" "$quiet" \
        "without" "$without" $n instructions
    figure "-" "$what, the audit line alone" "with audit" "$audit" \
        "without audit" "$quiet" $n instructions
done
without=$(run without callgrind $n spnego sequential) || exit 1
audit=$(run audit callgrind $n spnego sequential) || exit 1
figure "-" "module: SPNEGO/Kerberos accept + release + delete, sequential server, audit to syslog" \
    "with the module" "$audit" "without" "$without" $n instructions

# CPU time: the three configurations in turn, each round; the least
# disturbed round (smallest median) of each counts.
declare -A best
for ((r = 0; r < rounds; r++)); do
    for c in without quiet audit; do
        read -r median user sys <<<"$(run $c cpu $cpu_n krb5 sequential)" || exit 1
        if [ -z "${best[$c]:-}" ] || [ "$median" -lt "${best[$c]}" ]; then
            best[$c]=$median
        fi
        echo "bench: CPU round $r, $c: median $median ns per operation;" \
            "all $cpu_n: user $user us, kernel $sys us" >&2
    done
done
what="module: Kerberos accept + release + delete, sequential server, CPU time user + kernel"
figure "~1.03" "$what, audit to syslog" "with the module" "${best[audit]}" \
    "without" "${best[without]}" 1 "ns (median)"
figure "-" "$what, the audit line alone" "with audit" "${best[audit]}" \
    "without audit" "${best[quiet]}" 1 "ns (median)"
