#!/bin/bash
# adapter.sh - what libgss-sspi costs over raw GSS calls for the same server
# work (bench/adapter.c), in instructions (callgrind), side by side in one
# process per mechanism: whole operations (accept + release + delete, as a
# sequential server and with contexts alive) and messages (seal, unseal,
# sign, verify at 64 B, 1 KiB, 64 KiB, 1 MiB), Kerberos and NTLM.  Budget:
# 1.03 for whole operations and for messages of 1 KiB and more.  Then, for
# information, the same natively in CPU time (user and kernel) for the
# whole operations and the 1 MiB messages: what instructions do not show
# (page faults, file reads, memory traffic).  Runs in a realm
# (tests/with-realm); prints the report lines of bench/report.awk.
#
#   bench/adapter.sh        (part of make bench)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# The system's mechanisms only (gss-ntlmssp), whatever /etc/gss holds.
mech_config "$work/mech.conf" without

for mech in krb5 ntlm; do
    echo "bench: libgss-sspi and raw GSS, $mech, under callgrind" >&2
    rm -f "$work"/cg.out*
    GSS_MECH_CONFIG="$work/mech.conf" bench_callgrind "$work/cg.out" \
        "$top_builddir/bench/bench-adapter" $mech >"$work/log" 2>&1 || {
        cat "$work/log" >&2
        exit 1
    }
    bench_dumps "$work/cg.out"
    # The same natively, CPU time (kernel too: page faults, file reads).
    echo "bench: libgss-sspi and raw GSS, $mech, CPU time" >&2
    GSS_MECH_CONFIG="$work/mech.conf" "$top_builddir/libtool" --mode=execute \
        "$top_builddir/bench/bench-adapter" $mech cpu || exit 1
done
