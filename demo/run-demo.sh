#!/usr/bin/env bash
# run-demo.sh - sets everything up and shows a Unix HTTP server, written
# against the Windows SSPI, authenticating clients the way IIS does:
# a private Kerberos realm (real krb5kdc on loopback), NTLM users, the
# sspi-demo-server, and clients: our SSPI client (Kerberos, SPNEGO, NTLM,
# explicit and logged-on credentials) and curl --negotiate (MIT GSS-API).
# The server loads the gss-sspi-negotiate module (through GSS_MECH_CONFIG,
# as /etc/gss/mech.d would) with an "audit NTLM" policy: its audit lines,
# what an administrator reads before switching NTLM off, end the demo.
#
#   demo/run-demo.sh              installs what the demo needs, builds, runs
#                                 the programs of this tree
#   demo/run-demo.sh --installed  runs the installed programs and module (the
#                                 Debian packages, or make install) as they are
#                                 registered in /etc/gss/mech.d; installs and
#                                 builds nothing (the realm still comes from
#                                 tests/realm: krb5-kdc, krb5-admin-server,
#                                 krb5-user, curl, iproute2 must be there)
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
installed=no
case "${1:-}" in
--installed) installed=yes ;;
"") "$top/bootstrap.sh" --demo ;;
*)
    echo "usage: $0 [--installed]" >&2
    exit 2
    ;;
esac
if [ "$installed" = yes ]; then
    server_bin=$(command -v sspi-demo-server) || { echo "demo: sspi-demo-server is not installed" >&2; exit 1; }
    client=$(command -v sspi-demo-client) || { echo "demo: sspi-demo-client is not installed" >&2; exit 1; }
else
    server_bin="$top/tools/sspi-demo-server"
    client="$top/tools/sspi-demo-client"
fi

dir="$(mktemp -d /tmp/gss-sspi-demo.XXXXXX)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    "$top/tests/realm/stop-realm.sh" "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT

echo "== creating a private realm in $dir"
"$top/tests/realm/setup-realm.sh" "$dir" >/dev/null
# shellcheck disable=SC1091
. "$dir/env"
echo "   realm $GSS_SSPI_TEST_REALM, KDC on 127.0.0.1:$GSS_SSPI_TEST_KDC_PORT," \
     "service $GSS_SSPI_TEST_SPN, users alice and bob"

# The Negotiate module: this tree's, for this server process only
# (gss-ntlmssp's line and ours), or the installed one as /etc/gss/mech.d
# registers it for every process.  A policy that lets NTLM through but
# audits it.
mech_env=()
if [ "$installed" = yes ]; then
    grep -qs '^gss-sspi-negotiate ' /etc/gss/mech.d/*.conf ||
        { echo "demo: gss-sspi-negotiate is not registered in /etc/gss/mech.d" >&2; exit 1; }
else
    {
        grep -h '^[^#]*1\.3\.6\.1\.4\.1\.311\.2\.2\.10' /etc/gss/mech.d/*.conf | head -n 1
        printf 'gss-sspi-negotiate 2.25.90609452979841741294370483809392673506.1 %s <interposer>\n' \
            "$top/mech/.libs/gss-sspi-negotiate.so"
    } >"$dir/mech.conf"
    mech_env=(GSS_MECH_CONFIG="$dir/mech.conf")
fi
printf 'ntlm = audit\naudit_syslog = no\naudit_file = %s\n' "$dir/audit.log" >"$dir/negotiate.conf"

port=$(( 20000 + RANDOM % 30000 ))
while ss -Htln "sport = :$port" | grep -q .; do port=$(( port + 1 )); done
env "${mech_env[@]}" GSS_SSPI_NEGOTIATE_CONF="$dir/negotiate.conf" \
    "$server_bin" --port "$port" >"$dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
    grep -q listening "$dir/server.log" 2>/dev/null && break
    sleep 0.1
done
echo "== sspi-demo-server on http://127.0.0.1:$port/ (SSPI package Negotiate," \
     "gss-sspi-negotiate module: ntlm = audit)"

passed=0 failed=0
run() {
    local what="$1"; shift
    echo "-- $what"
    if "$@" 2>&1 | sed 's/^/   /'; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
spn="$GSS_SSPI_TEST_SPN"
run "SSPI client, Negotiate, logged-on Kerberos credentials (SPNEGO/Kerberos)" \
    "$client" --port "$port" --target "$spn" --package Negotiate
run "SSPI client, Kerberos package (raw Kerberos under HTTP Negotiate)" \
    "$client" --port "$port" --target "$spn" --package Kerberos
run "SSPI client, NTLM package, explicit credentials GSSSSPI\\bob (HTTP NTLM)" \
    "$client" --port "$port" --target "$spn" --package NTLM \
    --user bob --domain "$GSS_SSPI_TEST_NTLM_DOMAIN" --password "$GSS_SSPI_TEST_PASSWORD2"
run "SSPI client, Kerberos package, explicit credentials bob@$GSS_SSPI_TEST_REALM" \
    "$client" --port "$port" --target "$spn" --package Kerberos \
    --user bob --domain "$GSS_SSPI_TEST_REALM" --password "$GSS_SSPI_TEST_PASSWORD2"
if command -v curl >/dev/null; then
    run "curl --negotiate (MIT GSS-API, SPNEGO/Kerberos)" \
        curl -sS --fail --negotiate -u : "http://$GSS_SSPI_TEST_HOST:$port/" \
        --resolve "$GSS_SSPI_TEST_HOST:$port:127.0.0.1"
fi
echo "-- a wrong NTLM password is refused (expected to fail)"
if "$client" --port "$port" --target "$spn" --package NTLM --user bob \
    --domain "$GSS_SSPI_TEST_NTLM_DOMAIN" --password wrong 2>&1 | sed 's/^/   /'; then
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
echo "== server log"
sed 's/^/   /' "$dir/server.log"
echo "== gss-sspi-negotiate audit log (one line per accepted context)"
sed 's/^/   /' "$dir/audit.log"
# Every context the server accepted or refused left an audit line.
audited=$(wc -l <"$dir/audit.log")
if [ "$audited" -ge 6 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "demo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
