#!/bin/sh
# make-seeds.sh OUT SRCDIR BUILDDIR SHARED
#
# Seed corpora of the fuzz targets, one directory per target under OUT:
#   - captured tokens from SHARED (../shared/interop: Windows Kerberos and
#     SPNEGO tokens as they are, the NTLM vectors decoded from the base64
#     in ntlm/README.md); missing SHARED only costs those seeds;
#   - mech/negotiate.conf from the source tree;
#   - small seeds of our own (BUILDDIR/tests/fuzz/seed-handmade);
#   - packed contexts and PAC logon infos made here and now
#     (BUILDDIR/tests/fuzz/seed-live).
# Nothing is written outside OUT.  Prints one summary line.
set -eu

out=$1 srcdir=$2 builddir=$3 shared=$4
targets="channel_bindings auth_identity import_context utf pac_logon_info
ntlm_authenticate spnego_init krb5_ap_req der policy token_compat"

rm -rf "$out"
for t in $targets; do mkdir -p "$out/$t"; done

kerberos=$shared/interop/windows-kerberos
spnego=$shared/interop/spnego
ntlm=$shared/interop/ntlm/README.md
if [ -d "$shared/interop" ]; then
    for f in "$kerberos"/*-kerberos-data; do
        [ -f "$f" ] || continue
        cp "$f" "$out/krb5_ap_req/" && cp "$f" "$out/der/"
    done
    for f in "$kerberos"/*-spnego-data "$spnego"/windows-*; do
        [ -f "$f" ] || continue
        cp "$f" "$out/spnego_init/" && cp "$f" "$out/der/"
    done
    if [ -f "$ntlm" ]; then
        # Lines "NEGOTIATE|CHALLENGE|AUTHENTICATE <base64>", in order.
        n=0
        grep -E '^(NEGOTIATE|CHALLENGE|AUTHENTICATE) +[A-Za-z0-9+/=]+$' "$ntlm" |
            while read -r kind b64; do
                n=$((n + 1))
                printf '%s\n' "$b64" | base64 -d >"$out/ntlm_authenticate/vector-$n-$kind"
            done
    fi
else
    echo "make-seeds: $shared/interop not found: no captured tokens among the seeds" >&2
fi
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
if [ -d "$kerberos" ]; then
    "$builddir/tests/fuzz/seed-live" "$out" "$kerberos" >/dev/null
    # Made-up logon infos (resource groups, odd SIDs), when that program is built.
    if [ -x "$builddir/tests/pac-seeds" ]; then
        "$builddir/tests/pac-seeds" "$out/pac_logon_info" "$kerberos" >/dev/null ||
            echo "make-seeds: tests/pac-seeds failed; its seeds are missing" >&2
    fi
else
    "$builddir/tests/fuzz/seed-live" "$out" >/dev/null
fi

summary=
for t in $targets; do
    summary="$summary $t=$(find "$out/$t" -type f | wc -l)"
done
echo "make-seeds: seeds per target:$summary"
