#!/bin/bash
# transparency.sh - libgss-sspi's integration suite, run twice: without the
# interposer and with it loaded (GSS_MECH_CONFIG, allow-all policy).  The
# same checks must fail or pass, and the audit file must show that the
# module saw every form (so it really was loaded).  Then a plain GSS
# acceptor (no libgss-sspi) with plain GSS clients, with and without it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
withrealm="$top_srcdir/tests/with-realm"

if [ ! -f "$module" ]; then
    echo "transparency: $module not built" >&2
    exit 99
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-transparency.XXXXXX")
trap 'rm -rf "$work"' EXIT
mech_config "$work/with.conf" with
mech_config "$work/without.conf" without
cat >"$work/allow-all.conf" <<CONF
ntlm = allow
ntlm_v1 = allow
channel_bindings = allow
audit_syslog = no
audit_file = $work/audit.log
CONF

pass=0
fail=0
for prog in test_handshake test_packages test_errors test_channel_bindings test_messages \
    test_export test_dispatch test_windows_tokens test_identity test_inspect \
    test_windows_semantics test_delegation; do
    exe="$top_builddir/tests/$prog"
    [ -x "$exe" ] || continue
    GSS_MECH_CONFIG="$work/without.conf" "$withrealm" "$exe" >"$work/$prog.without" 2>&1
    rc_without=$?
    GSS_MECH_CONFIG="$work/with.conf" GSS_SSPI_NEGOTIATE_CONF="$work/allow-all.conf" \
        "$withrealm" "$exe" >"$work/$prog.with" 2>&1
    rc_with=$?
    summary=$(grep -E '^[0-9]+%: Checks' "$work/$prog.with" | tail -n 1)
    if [ "$rc_with" = "$rc_without" ] &&
        [ "$(failures_of "$work/$prog.with")" = "$(failures_of "$work/$prog.without")" ]; then
        echo "PASS: $prog: same results with the interposer ($summary)"
        pass=$((pass + 1))
    else
        echo "FAIL: $prog: exit $rc_without without, $rc_with with the interposer"
        diff <(failures_of "$work/$prog.without") <(failures_of "$work/$prog.with") | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done

# The module was there: it audited every form the suite uses.
for form in 'package=Kerberos form=raw' 'package=Kerberos form=SPNEGO' \
    'package=NTLM form=raw' 'package=NTLM form=SPNEGO'; do
    if grep -q "result=success $form " "$work/audit.log" 2>/dev/null; then
        echo "PASS: audit: the module accepted $form"
        pass=$((pass + 1))
    else
        echo "FAIL: audit: no accepted context with $form in the audit file"
        fail=$((fail + 1))
    fi
done

# A plain GSS acceptor and plain GSS clients (no libgss-sspi at all).
plain() { # name, client args...
    local name=$1
    shift
    local out_with out_without
    out_without=$(GSS_MECH_CONFIG="$work/without.conf" "$withrealm" \
        "$top_builddir/tests/mech/gss-acceptor" -- "$top_builddir/tests/mech/gss-client" "$@" 2>&1 |
        grep '^accept:')
    out_with=$(GSS_MECH_CONFIG="$work/with.conf" GSS_SSPI_NEGOTIATE_CONF="$work/allow-all.conf" \
        "$withrealm" \
        "$top_builddir/tests/mech/gss-acceptor" -- "$top_builddir/tests/mech/gss-client" "$@" 2>&1 |
        grep '^accept:')
    # The interposer adds what it knows (package=...); the rest is the same.
    if [ "${out_with%% package=*}" = "${out_without%% package=*}" ] &&
        [ "${out_with#accept: result=ok}" != "$out_with" ]; then
        echo "PASS: plain GSS $name: $out_with"
        pass=$((pass + 1))
    else
        echo "FAIL: plain GSS $name:"
        echo "    without: $out_without"
        echo "    with:    $out_with"
        fail=$((fail + 1))
    fi
}
plain krb5 --mech krb5 HTTP@server.gss-sspi.test
plain spnego-krb5 --mech spnego HTTP@server.gss-sspi.test
plain ntlm --mech ntlm --user 'GSSSSPI\bob' --password Bob-Pass2 HTTP@server.gss-sspi.test

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
