#!/bin/sh
# make-seeds.sh OUT SRCDIR BUILDDIR
#
# Makes the seed corpora of the fuzz targets, one directory per target
# under OUT (make fuzz-seeds: OUT is tests/fuzz/seeds of the source tree,
# and the result is committed: every machine fuzzes the same seeds, so a
# regression run is the same everywhere).  From:
#   - the project's test data (SRCDIR/tests/data): the captured Windows
#     Kerberos and SPNEGO tokens as they are, the NTLM vectors decoded from
#     the base64 lines of ntlm/README.md;
#   - mech/negotiate.conf;
#   - small seeds of our own (BUILDDIR/tests/fuzz/seed-handmade);
#   - packed contexts and PAC logon infos made by a live run
#     (BUILDDIR/tests/fuzz/seed-live, BUILDDIR/tests/pac-seeds).
# Nothing is written outside OUT.  Prints one summary line.
set -eu

out=$1 srcdir=$2 builddir=$3
targets="channel_bindings auth_identity import_context utf pac_logon_info
ntlm_authenticate spnego_init krb5_ap_req der policy token_compat"
data=$srcdir/tests/data
kerberos=$data/windows-kerberos
spnego=$data/spnego
ntlm=$data/ntlm/README.md
[ -d "$kerberos" ] && [ -d "$spnego" ] && [ -f "$ntlm" ] ||
    { echo "make-seeds: the test data is missing in $data" >&2; exit 1; }

rm -rf "$out"
for t in $targets; do mkdir -p "$out/$t"; done

for f in "$kerberos"/*-kerberos-data; do
    cp "$f" "$out/krb5_ap_req/" && cp "$f" "$out/der/"
done
for f in "$kerberos"/*-spnego-data "$spnego"/windows*; do
    cp "$f" "$out/spnego_init/" && cp "$f" "$out/der/"
done
# Lines "NEGOTIATE|CHALLENGE|AUTHENTICATE <base64>", in order.
n=0
grep -E '^(NEGOTIATE|CHALLENGE|AUTHENTICATE) +[A-Za-z0-9+/=]+$' "$ntlm" |
    while read -r kind b64; do
        n=$((n + 1))
        printf '%s\n' "$b64" | base64 -d >"$out/ntlm_authenticate/vector-$n-$kind"
    done
cp "$srcdir/mech/negotiate.conf" "$out/policy/negotiate.conf"
# token_compat: byte 0 is the layer's state (see tests/fuzz/token_compat.c),
# then curl's captured NTLM messages, and every NTLM and SPNEGO seed above.
for state in 0 3 7; do
    for f in "$srcdir"/tests/data/compat/*.bin "$out"/ntlm_authenticate/* "$out"/spnego_init/*; do
        [ -f "$f" ] || continue
        { printf "\\$(printf %03o "$state")"; cat "$f"; } >"$out/token_compat/$state-$(basename "$f")"
    done
done

"$builddir/tests/fuzz/seed-handmade" "$out"
"$builddir/tests/fuzz/seed-live" "$out" "$kerberos" >/dev/null
# Made-up logon infos (resource groups, odd SIDs).
"$builddir/tests/pac-seeds" "$out/pac_logon_info" "$kerberos" >/dev/null

summary=
for t in $targets; do
    summary="$summary $t=$(find "$out/$t" -type f | wc -l)"
done
echo "make-seeds: seeds per target:$summary"
