#!/bin/bash
# adapter.sh - what libgss-sspi costs over raw GSS for the same work, in
# instructions (callgrind), side by side in one run: a Kerberos accept
# (AcceptSecurityContext vs gss_accept_sec_context) and sealing 1 KiB
# (EncryptMessage vs gss_wrap_iov).  Ratios, never times; nothing asserted.
#
#   bench/adapter.sh [N]        (make bench-adapter)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/..}"
: "${top_builddir:=$here/..}"
n=${1:-20}
command -v valgrind >/dev/null || { echo "bench: valgrind is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

count() { # mode, function to count
    "$top_srcdir/tests/with-realm" "$top_builddir/libtool" --mode=execute \
        valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
        --toggle-collect="$2" "$top_builddir/bench/bench-adapter" "$1" "$n" \
        >"$work/log" 2>&1 || { cat "$work/log" >&2; return 1; }
    awk '/^summary:/ { print $2 }' "$work/cg.out"
}

report() { # label, adapter count, raw count
    awk -v l="$1" -v a="$2" -v r="$3" -v n="$n" 'BEGIN {
        printf "bench: %s: %d instructions each through libgss-sspi, %d raw GSS: ratio %.4f\n",
            l, a / n, r / n, a / r }'
}

a=$(count accept AcceptSecurityContext) || exit 1
r=$(count raw-accept gss_accept_sec_context) || exit 1
report "Kerberos accept" "$a" "$r"
a=$(count seal EncryptMessage) || exit 1
r=$(count raw-seal gss_wrap_iov) || exit 1
report "seal 1 KiB" "$a" "$r"
