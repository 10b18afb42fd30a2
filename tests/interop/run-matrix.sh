#!/bin/bash
# run-matrix.sh [BINDIR]
#
# The interoperability matrix (issue #5): real, independent client
# implementations against our SSPI server (interop-server), and our SSPI
# client against a raw MIT acceptor (gss-server), all on loopback inside a
# private realm.  The clients of issue #8 (curl --ntlm, Java JGSS,
# python3-ntlm-auth, impacket, Samba's ntlm_auth forced to NTLMv1) meet our
# acceptor twice: without and with the gss-sspi-negotiate module (loaded
# through GSS_MECH_CONFIG, its audit line checked).  Prints one table row per
# cell and ends with the plain line `N passed, N failed, N skipped`; exits 1
# if any cell failed.
#
# BINDIR holds the built programs (default: this directory, i.e. an in-tree
# build; `make interop` passes it).  A cell whose client is not installed
# says SKIP with the reason.  Environment: GSS_SSPI_TEST_DATA (the captured
# Windows tokens and their keys; default tests/data of the source tree),
# INTEROP_KEEP=1 keeps the work directory (logs) even when everything passed,
# INTEROP_NO_SKIP=1 (for CI) makes any skipped cell fail the run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
bin=$(cd "${1:-$here}" && pwd)
# The module and the demo server, from the same build as BINDIR.
top_builddir=$(cd "$bin/../.." && pwd)
data=${GSS_SSPI_TEST_DATA:-$srcdir/tests/data}
work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-interop.XXXXXX")
mkdir -p "$work/logs" "$work/bin"

passed=0 failed=0 skipped=0
port_main='' port_ntlmv1='' port_gss='' port_replay=''
# shellcheck disable=SC2034 # read through ${!v} in acceptor
port_main_mod='' port_ntlmv1_mod='' port_demo='' port_demo_mod='' port_cbreq_mod=''
server_pids=()
wine_started=

# Everything we started, and only that, is stopped on the way out.
cleanup() {
    local rc=$?
    for pid in "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    if [ -n "$wine_started" ]; then
        WINEPREFIX="$work/wine" "$(command -v wineserver || echo /usr/lib/wine/wineserver)" -k \
            2>/dev/null || true
    fi
    "$srcdir/tests/realm/stop-realm.sh" "$work/realm" 2>/dev/null || true
    if [ "$failed" -eq 0 ] && [ "$rc" -eq 0 ] && [ -z "${INTEROP_KEEP:-}" ]; then
        rm -rf "$work"
    else
        echo "run-matrix: logs kept in $work/logs" >&2
    fi
}
trap cleanup EXIT

# ---- prerequisites: each missing one becomes a SKIP reason ------------------
declare -A missing=()
have() { command -v "$1" >/dev/null 2>&1; }
[ -x "$bin/sspi-client.exe" ] || missing[wine]="no sspi-client.exe (install gcc-mingw-w64-x86-64, then make interop)"
have wine || missing[wine]="Wine not installed (apt-get install wine64 wine)"
have ntlm_auth || missing[wine]="Samba's ntlm_auth not installed: Wine's NTLM needs it (apt-get install winbind)"
have ntlm_auth || missing[samba]="Samba's ntlm_auth not installed (apt-get install winbind)"
[ -x "$bin/gss-client-heimdal" ] || missing[heimdal]="no Heimdal client (apt-get install heimdal-multidev, then make interop)"
[ -d "$data/windows-kerberos" ] || missing[data]="no Windows tokens at $data"
python=/usr/bin/python3 # the system python, where the Debian modules live
have curl || missing[curl]="curl not installed (apt-get install curl)"
[ -x "$top_builddir/tools/sspi-demo-server" ] || missing[demo]="no tools/sspi-demo-server (make)"
{ have javac && have java; } || missing[java]="no JDK (apt-get install openjdk-17-jdk-headless)"
"$python" -c 'import ntlm_auth' 2>/dev/null ||
    missing[ntlm_auth_py]="python3-ntlm-auth not installed (apt-get install python3-ntlm-auth)"
"$python" -c 'import impacket' 2>/dev/null ||
    missing[impacket]="impacket not installed (apt-get install python3-impacket)"

# ---- the realm and the servers ---------------------------------------------
"$srcdir/tests/realm/setup-realm.sh" "$work/realm" >"$work/logs/realm.log" 2>&1
# shellcheck source=/dev/null
. "$work/realm/env"
spn=$GSS_SSPI_TEST_SPN
host_service=${spn/\//@}
krb_user=$GSS_SSPI_TEST_USER@$GSS_SSPI_TEST_REALM
ntlm_domain=$GSS_SSPI_TEST_NTLM_DOMAIN
ntlm_user="$ntlm_domain\\$GSS_SSPI_TEST_USER"
ntlm_user_pattern="$ntlm_domain\\\\$GSS_SSPI_TEST_USER" # a literal backslash in [[ == ]]
user=$GSS_SSPI_TEST_USER
password=$GSS_SSPI_TEST_PASSWORD
: >"$work/smb.conf" # ntlm_auth reads no host configuration

# start_server NAME PROGRAM [ENV=VALUE...]: runs PROGRAM in the background
# with the extra environment, waits for its port, sets port_NAME.
start_server() {
    local name=$1 program=$2
    shift 2
    env "$@" "$bin/$program" --port-file "$work/$name.port" >"$work/logs/server-$name.log" 2>&1 &
    server_pids+=($!)
    for _ in $(seq 1 100); do
        [ -s "$work/$name.port" ] && break
        sleep 0.05
    done
    if [ ! -s "$work/$name.port" ]; then
        echo "run-matrix: $program ($name) did not start; see $work/logs/server-$name.log" >&2
        exit 1
    fi
    printf -v "port_$name" '%s' "$(cat "$work/$name.port")"
}

# The GSS mechanism configuration of our acceptors: gss-ntlmssp alone, or
# with the gss-sspi-negotiate interposer (tests/mech/lib.sh), whatever
# /etc/gss/mech.d holds.  The module's policy: NTLM audited (accepted and
# logged), NTLMv1 denied, its audit lines in a file per server.
module=${GSS_SSPI_NEGOTIATE_MODULE:-$top_builddir/mech/.libs/gss-sspi-negotiate.so}
# shellcheck source-path=SCRIPTDIR source=../mech/lib.sh
. "$srcdir/tests/mech/lib.sh"
mech_config "$work/mech-without.conf" without
mech_config "$work/mech-with.conf" with
without_module=(GSS_MECH_CONFIG="$work/mech-without.conf")
with_module() { # NAME [POLICY-LINE...]: sets with_module_env, the environment of a server with the module
    printf '%s\n' 'ntlm = audit' 'ntlm_v1 = deny' 'audit_syslog = no' "audit_file = $work/audit-$1.log" \
        "${@:2}" >"$work/policy-$1.conf"
    : >"$work/audit-$1.log"
    with_module_env=(GSS_MECH_CONFIG="$work/mech-with.conf"
        GSS_SSPI_NEGOTIATE_CONF="$work/policy-$1.conf")
}

start_server main interop-server "${without_module[@]}"
with_module main
start_server main_mod interop-server "${with_module_env[@]}"
# The module's own channel-binding policy (IIS's tokenChecking=Require for
# every GSS application), the application's left at Allow.
with_module cbreq 'channel_bindings = require'
start_server cbreq_mod interop-server "${with_module_env[@]}"
# Heimdal's NTLM client sends NTLMv1 (with extended session security) and
# names the server's domain: this acceptor is a domain member that allows it,
# as an administrator who lets such clients in would configure gss-ntlmssp.
# With the module, ntlm_v1 = deny must refuse what gss-ntlmssp would admit.
ntlmv1_env=(LM_COMPAT_LEVEL=2 NETBIOS_DOMAIN_NAME="$ntlm_domain")
start_server ntlmv1 interop-server "${ntlmv1_env[@]}" "${without_module[@]}"
with_module ntlmv1
start_server ntlmv1_mod interop-server "${ntlmv1_env[@]}" "${with_module_env[@]}"
start_server gss gss-server
if [ -z "${missing[data]:-}" ]; then
    mkdir -p "$work/replay"
    "$bin/interop-replay" --setup "$work/replay" --keys "$data/windows-kerberos"
    start_server replay interop-server KRB5_CONFIG="$work/replay/krb5.conf" \
        KRB5_KTNAME="FILE:$work/replay/windows.keytab" KRB5RCACHETYPE=none
fi

# The demo HTTP server (the HTTP cells), without and with the module.  It
# takes a port number: a free one, then wait for its "listening" line; a
# port taken in between makes it exit, and the next attempt takes another.
start_demo() { # NAME [ENV=VALUE...]
    local name=$1 port pid log="$work/logs/server-$1.log"
    shift
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 30000))
        while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
        env "$@" "$top_builddir/tools/sspi-demo-server" --port "$port" >"$log" 2>&1 &
        pid=$!
        server_pids+=("$pid")
        for _ in $(seq 1 100); do
            grep -q listening "$log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        if grep -q listening "$log"; then
            printf -v "port_$name" '%s' "$port"
            return
        fi
    done
    missing[demo]="sspi-demo-server did not start (see $log)"
}
if [ -z "${missing[demo]:-}" ]; then
    start_demo demo "${without_module[@]}"
    with_module demo
    start_demo demo_mod "${with_module_env[@]}"
fi

# Java: the clients are compiled here, once per run.  JGSS takes its
# credential from the JAAS entry its initiators use, Krb5LoginModule reading
# the realm's ccache; the JDK's resolver reads a hosts file for the service
# name (no DNS here).
if [ -z "${missing[java]:-}" ]; then
    mkdir -p "$work/java"
    javac -d "$work/java" "$here/java/InteropClient.java" "$here/java/HttpFetch.java" \
        >"$work/logs/javac.log" 2>&1 || missing[java]="javac failed (see $work/logs/javac.log)"
    cat >"$work/java/jaas.conf" <<EOF
com.sun.security.jgss.krb5.initiate {
    com.sun.security.auth.module.Krb5LoginModule required
        useTicketCache=true ticketCache="$GSS_SSPI_TEST_DIR/alice.ccache"
        principal="$GSS_SSPI_TEST_USER@$GSS_SSPI_TEST_REALM" doNotPrompt=true;
};
EOF
    echo "127.0.0.1 $GSS_SSPI_TEST_HOST" >"$work/java/hosts"
fi

# python3-ntlm-auth computes the NT hash with hashlib's MD4, which OpenSSL 3
# keeps in its legacy provider: its users load that provider, so do we.
printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' 'providers = provider_sect' \
    '[provider_sect]' 'default = default_sect' 'legacy = legacy_sect' '[default_sect]' \
    'activate = 1' '[legacy_sect]' 'activate = 1' >"$work/openssl-legacy.cnf"
OPENSSL_CONF="$work/openssl-legacy.cnf" "$python" -c 'import hashlib; hashlib.new("md4")' \
    2>/dev/null || missing[ntlm_auth_py]="OpenSSL's legacy provider (MD4) cannot be loaded"

# The HTTP cells need their client and the demo server.
missing[curl_http]=${missing[curl]:-${missing[demo]:-}}
missing[java_http]=${missing[java]:-${missing[demo]:-}}

# Wine: one prefix per run, booted once.  Its NTLM runs `ntlm_auth` from
# PATH: a wrapper points that at our empty smb.conf.
if [ -z "${missing[wine]:-}" ]; then
    printf '#!/bin/sh\nexec %s --configfile=%s "$@"\n' "$(command -v ntlm_auth)" \
        "$work/smb.conf" >"$work/bin/ntlm_auth"
    chmod +x "$work/bin/ntlm_auth"
    export WINEPREFIX="$work/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
    wine_started=1
    if ! timeout 300 wine wineboot -i >"$work/logs/wineboot.log" 2>&1; then
        missing[wine]="wineboot failed (see $work/logs/wineboot.log)"
    fi
fi

# ---- cells ------------------------------------------------------------------
declare -a rows=() notes=()
declare -A note_ids=()
n_cells=0

# note TEXT: sets note_id to TEXT's footnote number (numbered in order of
# first use; not in a subshell, so that the list survives).
note_id=
note() {
    if [ -z "${note_ids[$1]:-}" ]; then
        notes+=("$1")
        note_ids[$1]=${#notes[@]}
    fi
    note_id=${note_ids[$1]}
}

# The module column of the next cells, and the audit file they are checked
# against (see acceptor below): "no" and none by default.
cell_module=no cell_audit=

# cell CLIENT PACKAGE CREDS FORM CB NEEDS EXPECT NOTE -- COMMAND...
#   NEEDS   a key of `missing` (or -): the cell skips when it is missing.
#   EXPECT  key=pattern;... checked against the RESULT line (bash patterns);
#           audit=pattern checks the module's audit lines of the cell.
#   NOTE    footnote for the Messages column (or -).
cell() {
    local client=$1 package=$2 creds=$3 form=$4 cb=$5 needs=$6 expect=$7 note_text=$8
    shift 9
    n_cells=$((n_cells + 1))
    local id log line verdict why="" status="-" negotiated="-" name="-" messages="-"
    local module=$cell_module audited=0
    id=$(printf '%02d' "$n_cells")
    log="$work/logs/$id.log"
    if [ "$needs" != - ] && [ -n "${missing[$needs]:-}" ]; then
        skipped=$((skipped + 1))
        rows+=("| $id | $client | $package | $creds | $form | $cb | $module | - | - | - | - | SKIP: ${missing[$needs]} |")
        return
    fi
    [ -z "$cell_audit" ] || audited=$(wc -l <"$cell_audit")
    printf '$ %s\n' "$*" >"$log"
    timeout 120 "$@" >>"$log" 2>&1 || true
    line=$(grep -m1 '^RESULT ' "$log" || true)
    declare -A r=()
    local kv
    set -f
    for kv in ${line#RESULT }; do
        r[${kv%%=*}]=${kv#*=}
    done
    set +f
    # The audit lines the module wrote for this cell (cells run one by one).
    if [ -n "$cell_audit" ]; then
        r[audit]=$(tail -n "+$((audited + 1))" "$cell_audit" | tr '\n' ' ')
        printf 'audit: %s\n' "${r[audit]}" >>"$log"
        module+=": audit $(sed -n 's/.* result=\([^ ]*\).*/\1/p' <<<"${r[audit]}")"
    fi
    if [ -z "$line" ]; then
        why="no RESULT line"
    else
        local check key pattern
        local -a checks
        IFS=';' read -r -a checks <<<"$expect"
        for check in "${checks[@]}"; do
            key=${check%%=*} pattern=${check#*=}
            # shellcheck disable=SC2053 # the expectation is a pattern
            [[ "${r[$key]:-}" == $pattern ]] || why+="$key=${r[$key]:-} (want $pattern); "
        done
    fi
    status=${r[status]:--}
    if [ "${r[package]:--}" != - ]; then
        negotiated="${r[package]} (${r[form]:--})"
    fi
    # The server's verdict on the bindings, where there were any.
    if [ "$cb" != none ] && [ "${r[cb]:--}" != - ]; then
        cb+=" -> ${r[cb]}"
    fi
    # What the AUTHENTICATE carried, where the client program could tell.
    if [[ "${r[client_package]:-}" == NTLMv* ]]; then
        form+=", ${r[client_package]}"
    fi
    name=${r[user]:--}
    messages=${r[messages]:--}
    if [ "$note_text" != - ]; then
        note "$note_text"
        messages+=" [$note_id]"
    fi
    if [ -z "$why" ]; then
        verdict=PASS
        passed=$((passed + 1))
    else
        verdict="FAIL: $why(log $log)"
        failed=$((failed + 1))
    fi
    rows+=("| $id | $client | $package | $creds | $form | $cb | $module | $status | $negotiated | $name | $messages | $verdict |")
}

ok_krb="status=SEC_E_OK;package=Kerberos;user=$krb_user"
ok_ntlm="status=SEC_E_OK;package=NTLM;user=$ntlm_user_pattern"
all_msgs="messages=8/8"
wine_krb_note="Wine 8's Kerberos EncryptMessage/MakeSignature do not follow the Windows buffer layouts (DESIGN.md section 8): the handshake is the test"
samba_note="ntlm_auth's helper protocol has no signing or sealing"
replay_note="captured tokens: no session to exchange messages in"
heimdal_ntlm_note="Heimdal 7.8's NTLM client derives its NTLMv1 session key without the extended-session-security key exchange of MS-NLMP 3.4.5.1 (KXKEY), so its signing and sealing keys differ from any MS-NLMP acceptor's: the handshake is the test"
cb=tls-server-end-point:interop-test
other_cb=tls-server-end-point:someone-else

# The clients, as command prefixes.
wine_client=(wine "$bin/sspi-client.exe" --target "$spn")
wine_ntlm=(env "PATH=$work/bin:$PATH" "${wine_client[@]}")
heimdal=("$bin/gss-client-heimdal")
mit=("$bin/gss-client-mit" --target "$host_service" --port "$port_main")
samba=("$bin/ntlm-auth-client" --user "$user" --domain "$ntlm_domain" --password "$password"
    --configfile "$work/smb.conf" --port "$port_main")
ours=("$bin/sspi-client" --port "$port_gss" --target "$spn")
replay=("$bin/interop-replay" --port "$port_replay" --token)
krb_id=(--user "$user" --domain "$GSS_SSPI_TEST_REALM" --password "$password")
ntlm_id=(--user "$user" --domain "$ntlm_domain" --password "$password")

# -- A Windows-API program (secur32) under Wine: Wine's Kerberos, and Samba's
#    NTLM code behind Wine's NTLM.  Wine's Negotiate sends raw tokens.
W="Wine (secur32)"
cell "$W" Kerberos "logged-on (ccache)" "raw Kerberos" none wine "$ok_krb;form=raw;messages=n/a" "$wine_krb_note" -- \
    "${wine_client[@]}" --port "$port_main" --package Kerberos --hello package=Kerberos --no-messages
cell "$W" Kerberos explicit "raw Kerberos" none wine "$ok_krb;form=raw;messages=n/a" "$wine_krb_note" -- \
    "${wine_client[@]}" --port "$port_main" --package Kerberos --hello package=Kerberos --no-messages "${krb_id[@]}"
cell "$W" Negotiate "logged-on (ccache)" "raw Kerberos" none wine "$ok_krb;form=raw;messages=n/a" "$wine_krb_note" -- \
    "${wine_client[@]}" --port "$port_main" --package Negotiate --no-messages
cell "$W" Negotiate "explicit (realm)" "raw Kerberos" none wine "$ok_krb;form=raw;messages=n/a" "$wine_krb_note" -- \
    "${wine_client[@]}" --port "$port_main" --package Negotiate --no-messages "${krb_id[@]}"
cell "$W" Negotiate "explicit (NTLM domain)" "raw NTLMSSP" none wine "$ok_ntlm;form=raw;$all_msgs" - -- \
    "${wine_ntlm[@]}" --port "$port_main" --package Negotiate "${ntlm_id[@]}"
cell "$W" NTLM explicit "raw NTLMSSP" none wine "$ok_ntlm;form=raw;$all_msgs" - -- \
    "${wine_ntlm[@]}" --port "$port_main" --package NTLM --hello package=NTLM "${ntlm_id[@]}"
cell "$W" "NTLM to Negotiate" explicit "raw NTLMSSP" none wine "$ok_ntlm;form=raw;$all_msgs" - -- \
    "${wine_ntlm[@]}" --port "$port_main" --package NTLM --hello package=Negotiate "${ntlm_id[@]}"

# -- Heimdal's GSS-API, in its own process.
H="Heimdal GSS-API"
cell "$H" Kerberos ccache "raw Kerberos" none heimdal "$ok_krb;form=raw;$all_msgs" - -- \
    "${heimdal[@]}" --port "$port_main" --target "$host_service" --mech krb5
cell "$H" SPNEGO ccache "SPNEGO/Kerberos" none heimdal "$ok_krb;form=spnego;$all_msgs" - -- \
    "${heimdal[@]}" --port "$port_main" --target "$host_service" --mech spnego
# Heimdal's NTLM takes its user from NTLM_USER_FILE, matched against the
# domain it reads from the target host's second label.
ntlm_target="HTTP@server.${ntlm_domain,,}.test"
cell "$H" NTLM NTLM_USER_FILE "raw NTLMSSP (NTLMv1)" none heimdal "$ok_ntlm;form=raw;messages=n/a" "$heimdal_ntlm_note" -- \
    "${heimdal[@]}" --port "$port_ntlmv1" --target "$ntlm_target" --mech ntlm --hello package=NTLM \
    --no-messages
# With no Kerberos ticket, Heimdal's SPNEGO falls back to NTLM.
cell "$H" SPNEGO "NTLM_USER_FILE, no TGT" "SPNEGO/NTLM (NTLMv1)" none heimdal "$ok_ntlm;form=spnego;messages=n/a" "$heimdal_ntlm_note" -- \
    env KRB5CCNAME="FILE:$work/no-such.ccache" "${heimdal[@]}" --port "$port_ntlmv1" \
    --target "$ntlm_target" --mech spnego --no-messages

# -- Samba's NTLM client (ntlm_auth): NTLMv2; the Messages note tells why n/a.
S="Samba ntlm_auth"
cell "$S" NTLM explicit "raw NTLMSSP" none samba "$ok_ntlm;form=raw;client_package=NTLMv2*;messages=n/a" "$samba_note" -- \
    "${samba[@]}" --hello package=NTLM
cell "$S" "NTLM to Negotiate" explicit "raw NTLMSSP" none samba "$ok_ntlm;form=raw;client_package=NTLMv2*;messages=n/a" "$samba_note" -- \
    "${samba[@]}"
cell "$S" "SPNEGO (gss-spnego-client)" explicit "SPNEGO/NTLM" none samba "$ok_ntlm;form=spnego;client_package=NTLMv2*;client_status=AF;messages=n/a" "$samba_note" -- \
    "${samba[@]}" --protocol gss-spnego-client

# -- MIT's GSS-API client with channel bindings: match, mismatch, none (the
#    default Allow policy), none under the Require policy.
mit_forms=(
    "Kerberos|ccache|raw Kerberos|krb5|-|$ok_krb;form=raw"
    "SPNEGO|ccache|SPNEGO/Kerberos|spnego|-|$ok_krb;form=spnego"
    "NTLM|explicit|raw NTLMSSP|ntlm|-|$ok_ntlm;form=raw"
    "SPNEGO|explicit (NTLM only)|SPNEGO/NTLM|spnego|ntlm|$ok_ntlm;form=spnego"
)
for f in "${mit_forms[@]}"; do
    IFS='|' read -r pkg creds form mech cred_mech ok <<<"$f"
    args=(--mech "$mech")
    [ "$cred_mech" = - ] || args+=(--cred-mech "$cred_mech")
    [ "$creds" = ccache ] || args+=(--user "$ntlm_user" --password "$password")
    cell "MIT GSS-API" "$pkg" "$creds" "$form" match - "$ok;cb=matched;$all_msgs" - -- \
        "${mit[@]}" "${args[@]}" --hello "cb=$cb" --cb "$cb"
    cell "MIT GSS-API" "$pkg" "$creds" "$form" mismatch - "status=SEC_E_BAD_BINDINGS;messages=n/a" - -- \
        "${mit[@]}" "${args[@]}" --hello "cb=$cb" --cb "$other_cb"
    cell "MIT GSS-API" "$pkg" "$creds" "$form" "none (Allow)" - "$ok;cb=absent;$all_msgs" - -- \
        "${mit[@]}" "${args[@]}" --hello "cb=$cb"
    cell "MIT GSS-API" "$pkg" "$creds" "$form" "none (Require)" - "status=SEC_E_BAD_BINDINGS;messages=n/a" - -- \
        "${mit[@]}" "${args[@]}" --hello "cb=$cb" --hello cb_policy=require
done

# -- Real Windows tokens, replayed (Kerberos into a server holding the
#    Windows service keys; the NTLM NEGOTIATE into the main server).
for t in rc4 aes128 aes256; do
    cell "Windows (captured)" Negotiate "$t ticket" "raw Kerberos" none data "status=SEC_E_OK;package=Kerberos;form=raw;user=user.test@DOMAIN.COM;client_status=AP-REP" "$replay_note" -- \
        "${replay[@]}" "$data/windows-kerberos/$t-kerberos-data"
    cell "Windows (captured)" Negotiate "$t ticket" "SPNEGO/Kerberos" none data "status=SEC_E_OK;package=Kerberos;form=spnego;user=user.test@DOMAIN.COM;client_status=NegTokenResp(accept-completed,MS-KRB5,AP-REP*)" "$replay_note" -- \
        "${replay[@]}" "$data/windows-kerberos/$t-spnego-data"
done
cell "Windows 10 (captured)" Negotiate "NEGOTIATE only" "SPNEGO/NTLM" none data "status=SEC_I_CONTINUE_NEEDED;package=NTLM;form=spnego;client_status=NegTokenResp(accept-incomplete,NTLMSSP,CHALLENGE*)" "$replay_note" -- \
    "$bin/interop-replay" --port "$port_main" --token "$data/spnego/windows10-spnego-ntlm-negotiate"

# -- Our SSPI client (libgss-sspi) against a raw MIT GSS acceptor.
O="libgss-sspi client, MIT acceptor"
cell "$O" Kerberos "logged-on (ccache)" "raw Kerberos" none - "$ok_krb;form=raw;$all_msgs" - -- \
    "${ours[@]}" --package Kerberos
cell "$O" Negotiate "logged-on (ccache)" "SPNEGO/Kerberos" none - "$ok_krb;form=spnego;$all_msgs" - -- \
    "${ours[@]}" --package Negotiate
cell "$O" NTLM explicit "raw NTLMSSP" none - "$ok_ntlm;form=raw;$all_msgs" - -- \
    "${ours[@]}" --package NTLM "${ntlm_id[@]}"
cell "$O" Negotiate "explicit (NTLM domain)" "SPNEGO/NTLM" none - "$ok_ntlm;form=spnego;$all_msgs" - -- \
    "${ours[@]}" --package Negotiate "${ntlm_id[@]}"
cell "$O" Kerberos "logged-on (ccache)" "raw Kerberos" match - "$ok_krb;form=raw;cb=matched;$all_msgs" - -- \
    "${ours[@]}" --package Kerberos --cb "$cb" --hello "cb=$cb"
cell "$O" NTLM explicit "raw NTLMSSP" match - "$ok_ntlm;form=raw;cb=matched;$all_msgs" - -- \
    "${ours[@]}" --package NTLM "${ntlm_id[@]}" --cb "$cb" --hello "cb=$cb"

# -- Issue #8: clients users reach for, outside the first matrix.  Each one
#    against our acceptor twice: without the module, then with it (the
#    Module column; its audit line for the cell is checked too).
# acceptor SERVER without|with: sets port to that server's (main, ntlmv1 or
# demo), the next cells' Module column and audit file, and audit_ok, the
# expectation that the module logged the context as accepted.
# The token-compatibility layer (issue #8, common/token_compat.c) is what
# makes curl's, Java's and impacket's first tokens acceptable to gss-ntlmssp
# 1.2.0 and MIT; with the module loaded its audit line names the rule.
port='' audit_ok='' audit_failed='' audit_caller_cb=''
acceptor() {
    local v=port_$1
    cell_module=no cell_audit='' audit_ok='' audit_failed='' audit_caller_cb=''
    if [ "$2" = with ]; then
        v+=_mod
        cell_module=yes cell_audit="$work/audit-$1.log"
        audit_ok=";audit=*result=success*"
        audit_failed=";audit=*result=failure*"
        # Channel-binding Require set by the application (GssSspiSetCredentialsPolicy),
        # the module's own policy Allow: the module refuses and audits it.
        audit_caller_cb=";audit=*result=failure*cb=absent*cb_policy=require(caller)*"
    fi
    port=${!v}
}
msgs_http="HTTP: the demo server answers a page; no message protection"
# Short-lived JVMs: C1 only, serial GC, no perf data (less CPU per cell).
java_jgss=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData
    "-Djava.security.krb5.conf=$KRB5_CONFIG"
    "-Djava.security.auth.login.config=$work/java/jaas.conf"
    -Djavax.security.auth.useSubjectCredsOnly=false -cp "$work/java")
for m in without with; do
    # curl 7.88's own NTLM: a 32-byte NEGOTIATE (no Version), then an
    # AUTHENTICATE flagged NEGOTIATE_VERSION with its payload at offset 64.
    # Java's HttpURLConnection NTLM sends the same NEGOTIATE.
    acceptor demo "$m"
    url="http://$GSS_SSPI_TEST_HOST:$port/"
    curl=(curl -sS --max-time 60 -w '\nHTTP %{http_code}\n' --resolve "$GSS_SSPI_TEST_HOST:$port:127.0.0.1")
    expect="$ok_ntlm;form=raw;client_status=HTTP-200$audit_ok${cell_audit:+;audit=*compat=ntlm-*}"
    expect_note=$msgs_http
    cell "curl --ntlm" "NTLM (HTTP)" "explicit" "raw NTLMSSP" none curl_http "$expect" "$expect_note" -- \
        "$python" "$here/http_client.py" -- "${curl[@]}" --ntlm -u "$ntlm_user:$password" "$url"
    expect="$ok_ntlm;form=raw;client_status=HTTP-200$audit_ok${cell_audit:+;audit=*compat=ntlm-negotiate-no-version*}"
    expect_note=$msgs_http
    cell "Java 17 HttpURLConnection" "NTLM (HTTP)" "Authenticator" "raw NTLMSSP" none java_http "$expect" "$expect_note" -- \
        "$python" "$here/http_client.py" -- "${java_jgss[@]}" "-Djdk.net.hosts.file=$work/java/hosts" \
        -Dhttp.auth.preference=NTLM HttpFetch "$url" "$ntlm_user" "$password"
    cell "Java 17 HttpURLConnection" "Negotiate (HTTP)" "JAAS (ccache)" "SPNEGO/Kerberos" none java_http "$ok_krb;form=spnego;client_status=HTTP-200$audit_ok" "$msgs_http" -- \
        "$python" "$here/http_client.py" -- "${java_jgss[@]}" "-Djdk.net.hosts.file=$work/java/hosts" \
        -Dhttp.auth.preference=SPNEGO HttpFetch "$url"
done

# Java's JGSS (pure-Java Kerberos and SPNEGO), TGT from the realm's ccache
# through JAAS (jaas.conf above).  Its channel bindings without addresses
# hash the address type as 255, where MIT and Windows put GSS_C_AF_NULLADDR
# = 0: a client defect, answered with SEC_E_BAD_BINDINGS as Windows would;
# the same bindings with a server-side type of 255 match, so nothing else
# differs.
java_client=("${java_jgss[@]}" InteropClient --target "$host_service")
java_cb_note="JDK 17 client defect: org.ietf.jgss.ChannelBinding without addresses hashes the address types as 255; MIT and Windows hash GSS_C_AF_NULLADDR as 0, so no Windows or MIT acceptor matches them"
java_cb255_note="the server's bindings given address type 255 (cb_addrtype=255): then Java's match, so the address type is the only difference"
J="Java 17 JGSS"
for m in without with; do
    acceptor main "$m"
    cell "$J" Kerberos "JAAS (ccache)" "raw Kerberos" none java "$ok_krb;form=raw;$all_msgs$audit_ok" - -- \
        "${java_client[@]}" --port "$port" --mech krb5
    cell "$J" SPNEGO "JAAS (ccache)" "SPNEGO/Kerberos" none java "$ok_krb;form=spnego;$all_msgs$audit_ok" - -- \
        "${java_client[@]}" --port "$port" --mech spnego
    cell "$J" SPNEGO "JAAS (ccache)" "SPNEGO/Kerberos" "match (app data)" java "status=SEC_E_BAD_BINDINGS;messages=n/a$audit_failed" "$java_cb_note" -- \
        "${java_client[@]}" --port "$port" --mech spnego --cb "$cb" --hello "cb=$cb"
    cell "$J" SPNEGO "JAAS (ccache)" "SPNEGO/Kerberos" "match, server type 255" java "$ok_krb;form=spnego;cb=matched;$all_msgs$audit_ok" "$java_cb255_note" -- \
        "${java_client[@]}" --port "$port" --mech spnego --cb "$cb" --hello "cb=$cb" --hello cb_addrtype=255
done

# python3-ntlm-auth (requests-ntlm, pywinrm): NTLMv2; a MIC only when the
# CHALLENGE carries a timestamp, which gss-ntlmssp 1.2.0 sends only to a
# client that sets NTLMSSP_REQUEST_TARGET.  Sealing and signing both ways.
py_ntlm=(env "OPENSSL_CONF=$work/openssl-legacy.cnf" "$python" "$here/ntlm_auth_py_client.py"
    --user "$user" --domain "$ntlm_domain" --password "$password")
py_nomic_note="python3-ntlm-auth 1.4.0 does not set NTLMSSP_REQUEST_TARGET; gss-ntlmssp 1.2.0 then sends no TargetInfo, so the client has no server timestamp and sends no MIC (the next rows set the flag)"
P="python3-ntlm-auth"
for m in without with; do
    acceptor main "$m"
    cell "$P" NTLM explicit "raw NTLMSSP" none ntlm_auth_py "$ok_ntlm;form=raw;client_package=NTLMv2;$all_msgs$audit_ok" "$py_nomic_note" -- \
        "${py_ntlm[@]}" --port "$port"
    cell "$P" NTLM "explicit, REQUEST_TARGET" "raw NTLMSSP" match ntlm_auth_py "$ok_ntlm;form=raw;cb=matched;client_package=NTLMv2+MIC;$all_msgs$audit_ok" - -- \
        "${py_ntlm[@]}" --port "$port" --request-target --cb "$cb" --hello "cb=$cb"
    cell "$P" NTLM "explicit, REQUEST_TARGET" "raw NTLMSSP" mismatch ntlm_auth_py "status=SEC_E_BAD_BINDINGS;client_package=NTLMv2+MIC;messages=n/a$audit_failed" - -- \
        "${py_ntlm[@]}" --port "$port" --request-target --cb "$other_cb" --hello "cb=$cb"
    # Require set by the application through the library, the module's own
    # policy Allow: the library hands its requirement to the module, which
    # refuses the client and audits result=failure, cb_policy=require(caller).
    cell "$P" NTLM "explicit, REQUEST_TARGET" "raw NTLMSSP" "none (Require)" ntlm_auth_py "status=SEC_E_BAD_BINDINGS;client_package=NTLMv2+MIC;messages=n/a$audit_caller_cb" - -- \
        "${py_ntlm[@]}" --port "$port" --request-target --hello "cb=$cb" --hello cb_policy=require
done

# The module's `channel_bindings = require` (the application asks nothing):
# a client whose bindings matched passes; one without bindings, or without
# a GSS checksum at all (impacket), is refused by the module, which logs it
# as denied.
acceptor cbreq with
cell "$P" NTLM "explicit, REQUEST_TARGET" "raw NTLMSSP" "match (module Require)" ntlm_auth_py "$ok_ntlm;form=raw;cb=matched;client_package=NTLMv2+MIC;$all_msgs$audit_ok" - -- \
    "${py_ntlm[@]}" --port "$port" --request-target --cb "$cb" --hello "cb=$cb"
cell "$P" NTLM "explicit, REQUEST_TARGET" "raw NTLMSSP" "none (module Require)" ntlm_auth_py "status=SEC_E_BAD_BINDINGS;messages=n/a;audit=*result=denied*cb=absent*channel_bindings*" - -- \
    "${py_ntlm[@]}" --port "$port" --request-target --hello "cb=$cb"

# impacket: NTLM (a 32-byte NEGOTIATE without Version) raw and in SPNEGO,
# with messages; Kerberos as its LDAP/MSSQL code sends it (the AP-REQ bare
# in SPNEGO's mechToken) and as its SMB code does (with the RFC 2743
# header), both without an authenticator checksum: no GSS flags, no
# channel bindings, so channel-binding Require refuses them.
impacket=("$python" "$here/impacket_client.py")
imp_ntlm=("${impacket[@]}" --user "$user" --domain "$ntlm_domain" --password "$password")
imp_krb=("${impacket[@]}" --mech spnego-krb5 --user "$user" --realm "$GSS_SSPI_TEST_REALM"
    --spn "$spn" --ccache "$GSS_SSPI_TEST_DIR/alice.ccache")
imp_krb_note="impacket builds Kerberos GSS messages only inside its SMB3/DCE-RPC code: the handshake is the test"
I="impacket 0.10"
# impacket's LDAP code sends a bare AP-REQ as SPNEGO's mechToken (MS-KRB5
# listed first); the rule krb5-bare-ap-req frames it with the krb5 OID, as
# Windows does.  Neither form carries an authenticator checksum, so Require
# refuses both.
for m in without with; do
    acceptor main "$m"
    imp_compat=${cell_audit:+;audit=*compat=ntlm-negotiate-no-version*}
    imp_ldap_ok="$ok_krb;form=spnego;messages=n/a$audit_ok${cell_audit:+;audit=*compat=krb5-bare-ap-req*}"
    expect="$ok_ntlm;form=raw;client_package=NTLMv2;$all_msgs$audit_ok$imp_compat" expect_note=-
    cell "$I" NTLM explicit "raw NTLMSSP" none impacket "$expect" "$expect_note" -- \
        "${imp_ntlm[@]}" --port "$port" --mech ntlm
    expect="$ok_ntlm;form=spnego;client_package=NTLMv2;$all_msgs$audit_ok$imp_compat" expect_note=-
    cell "$I" SPNEGO explicit "SPNEGO/NTLM" none impacket "$expect" "$expect_note" -- \
        "${imp_ntlm[@]}" --port "$port" --mech spnego-ntlm
    cell "$I" "SPNEGO (LDAP code)" "ccache ticket" "SPNEGO/bare AP-REQ, no checksum" none impacket "$imp_ldap_ok" "$imp_krb_note" -- \
        "${imp_krb[@]}" --port "$port" --form ldap
    cell "$I" "SPNEGO (SMB code)" "ccache ticket" "SPNEGO/Kerberos, no checksum" none impacket "$ok_krb;form=spnego;messages=n/a$audit_ok" "$imp_krb_note" -- \
        "${imp_krb[@]}" --port "$port" --form smb
    cell "$I" "SPNEGO (LDAP code)" "ccache ticket" "SPNEGO/bare AP-REQ, no checksum" "none (Require)" impacket "status=SEC_E_BAD_BINDINGS;messages=n/a$audit_caller_cb" - -- \
        "${imp_krb[@]}" --port "$port" --form ldap --hello "cb=$cb" --hello cb_policy=require
    cell "$I" "SPNEGO (SMB code)" "ccache ticket" "SPNEGO/Kerberos, no checksum" "none (Require)" impacket "status=SEC_E_BAD_BINDINGS;messages=n/a$audit_caller_cb" - -- \
        "${imp_krb[@]}" --port "$port" --form smb --hello "cb=$cb" --hello cb_policy=require
done
acceptor cbreq with
cell "$I" "SPNEGO (SMB code)" "ccache ticket" "SPNEGO/Kerberos, no checksum" "none (module Require)" impacket "status=SEC_E_BAD_BINDINGS;messages=n/a;audit=*result=denied*package=Kerberos*cb=absent*" - -- \
    "${imp_krb[@]}" --port "$port" --form smb --hello "cb=$cb"

# Samba's ntlm_auth with `client ntlmv2 auth = no`: NTLMv1 (NTLM2 session
# response).  gss-ntlmssp in domain mode admits it; the module's
# ntlm_v1 = deny refuses it and says so in the audit line.
printf '[global]\n\tclient ntlmv2 auth = no\n\tclient lanman auth = no\n' >"$work/smb-ntlmv1.conf"
samba_v1=("$bin/ntlm-auth-client" --user "$user" --domain "$ntlm_domain" --password "$password"
    --configfile "$work/smb-ntlmv1.conf")
acceptor ntlmv1 without
cell "$S (client ntlmv2 auth = no)" "NTLM to Negotiate" explicit "raw NTLMSSP" none samba "$ok_ntlm;form=raw;client_package=NTLMv1;messages=n/a" "$samba_note" -- \
    "${samba_v1[@]}" --port "$port"
acceptor ntlmv1 with
cell "$S (client ntlmv2 auth = no)" "NTLM to Negotiate" explicit "raw NTLMSSP" none samba "status=SEC_E_LOGON_DENIED;client_package=NTLMv1;messages=n/a;audit=*result=denied*package=NTLM*ntlm=v1*NTLMv1*" "$samba_note" -- \
    "${samba_v1[@]}" --port "$port"
acceptor main without

# ---- the matrix ----------------------------------------------------------------
echo "| # | Client | Package | Credentials | Token form | Channel bindings | Module | SEC status | Negotiated | Client name | Messages | Result |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
for i in "${!notes[@]}"; do
    echo "[$((i + 1))] ${notes[$i]}"
done
echo "Messages k/n: n = 2 x 4 test messages (1, 13, 1000, 20000 bytes), each sealed by the client and opened"
echo "by the server, then sealed by the server and opened by the client; the same with signatures."
echo
echo "$passed passed, $failed failed, $skipped skipped"
# CI installs every client, so there a skip is a failure of the setup.
if [ -n "${INTEROP_NO_SKIP:-}" ] && [ "$skipped" -gt 0 ]; then
    echo "run-matrix: INTEROP_NO_SKIP is set and $skipped cells skipped" >&2
    exit 1
fi
[ "$failed" -eq 0 ]
