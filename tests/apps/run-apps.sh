#!/usr/bin/env bash
# run-apps.sh BUILDDIR - make interop-apps: real servers, started for real on
# loopback, with the gss-sspi-negotiate module loaded through GSS_MECH_CONFIG
# (the host's /etc untouched), and real clients:
#
#   Apache httpd + mod_auth_gssapi   curl --negotiate (SPNEGO/Kerberos),
#                                    Samba's ntlm_auth over HTTP (NTLMv2, NTLMv1)
#   OpenSSH sshd                     ssh -o GSSAPIAuthentication=yes
#   gssproxy in front of Apache      both interposers loaded, in both orders
#
# under the policies allow / audit / deny / ntlm_v1 deny / channel_bindings
# require / malformed.  Each cell asserts the HTTP status or the login result
# and the module's audit line.  Prints "N passed, N failed, N skipped".
# Servers need root (Apache switches to nobody, sshd's privilege separation);
# without root, or without a package, the cells are skipped with the reason
# (failed when INTEROP_NO_SKIP=1, as in CI).  See tests/apps/README.md.
set -uo pipefail

build=$(cd "${1:?usage: run-apps.sh BUILDDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
module="$build/mech/.libs/gss-sspi-negotiate.so"
ntlm_http="/usr/bin/python3 $here/ntlm-http.py"

passed=0 failed=0 skipped=0
result() { # STATUS NAME [DETAIL]
    printf '%-4s %s%s\n' "$1" "$2" "${3:+ ($3)}"
    case $1 in PASS) passed=$((passed + 1)) ;; FAIL) failed=$((failed + 1)) ;; *) skipped=$((skipped + 1)) ;; esac
}
summary() { echo "$passed passed, $failed failed, $skipped skipped"; }

# What each group of cells needs; a reason when it is missing.
declare -A missing=()
[ "$(id -u)" -eq 0 ] || missing[all]="servers need root (Apache's User switch, sshd privilege separation)"
[ -f "$module" ] || missing[all]="module not built ($module)"
command -v curl >/dev/null || missing[apache]="curl not installed"
[ -x /usr/sbin/apache2 ] || missing[apache]="apache2 not installed (apt-get install apache2)"
[ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
    missing[apache]="mod_auth_gssapi not installed (apt-get install libapache2-mod-auth-gssapi)"
command -v ntlm_auth >/dev/null || missing[ntlm]="Samba's ntlm_auth not installed (apt-get install winbind)"
[ -x /usr/sbin/sshd ] || missing[sshd]="sshd not installed (apt-get install openssh-server)"
command -v ssh >/dev/null || missing[sshd]="ssh not installed (apt-get install openssh-client)"
[ -x /usr/sbin/gssproxy ] || missing[gssproxy]="gssproxy not installed (apt-get install gssproxy)"
proxymech=/usr/lib/x86_64-linux-gnu/gssproxy/proxymech.so
[ -f "$proxymech" ] || missing[gssproxy]="gssproxy's interposer $proxymech not found"
ntlmssp=$(grep -h '^[^#]*1\.3\.6\.1\.4\.1\.311\.2\.2\.10' /etc/gss/mech.d/*.conf 2>/dev/null | head -n 1)
[ -n "$ntlmssp" ] || missing[ntlm]="gss-ntlmssp not registered in /etc/gss/mech.d"

# Reason a group's cells cannot run (empty when they can).
why_not() {
    local g
    for g in all "$@"; do
        if [ -n "${missing[$g]:-}" ]; then
            echo "${missing[$g]}"
            return
        fi
    done
}
skip_cell() { # NAME REASON
    if [ "${INTEROP_NO_SKIP:-}" = 1 ]; then result FAIL "$1" "$2"; else result SKIP "$1" "$2"; fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-apps.XXXXXX")
chmod 755 "$work" # Apache's workers (nobody) read their files below it
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$work/apache/httpd.pid" ] && kill "$(cat "$work/apache/httpd.pid")" 2>/dev/null
    "$top_srcdir/tests/realm/stop-realm.sh" "$work/realm" >/dev/null 2>&1 || true
    if [ "$failed" -eq 0 ] && [ -z "${INTEROP_APPS_KEEP:-}" ]; then rm -rf "$work"; else echo "interop-apps: work kept in $work" >&2; fi
}
trap cleanup EXIT

if [ -n "$(why_not)" ]; then
    for g in Apache sshd gssproxy; do skip_cell "$g cells" "$(why_not)"; done
    summary
    [ "$failed" -eq 0 ]
    exit
fi

realm="$work/realm"
if ! "$top_srcdir/tests/realm/setup-realm.sh" "$realm" >"$work/realm.log" 2>&1; then
    cat "$work/realm.log" >&2
    result FAIL "private realm" "setup-realm.sh failed"
    summary
    exit 1
fi
mkdir -p "$realm/rcache"

# Waits (5 s at most) until something listens on port $1.
wait_listening() {
    for _ in $(seq 50); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    return 1
}

free_port() {
    local port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
    echo "$port"
}

# ---- the module, its policies, the audit -------------------------------------------------
# GSS_MECH_CONFIG for the servers: gss-ntlmssp's line and ours (as
# /etc/gss/mech.d would hold them), and with gssproxy's interposer first or last.
ours="gss-sspi-negotiate 2.25.90609452979841741294370483809392673506.1 $module <interposer>"
proxy_line="gssproxy_v1 2.16.840.1.113730.3.8.15.1 $proxymech <interposer>"
printf '%s\n%s\n' "$ntlmssp" "$ours" >"$work/mech.conf"
printf '%s\n' "$ntlmssp" >"$work/mech-no-module.conf"
printf '%s\n%s\n%s\n' "$ntlmssp" "$ours" "$proxy_line" >"$work/mech-ours-first.conf"
printf '%s\n%s\n%s\n' "$ntlmssp" "$proxy_line" "$ours" >"$work/mech-proxy-first.conf"

# The policy file: "key = value" lines, then the audit to a file the
# server's user can write (the module cannot create it in a root-owned dir).
audit="$work/audit.log"
: >"$audit"
chown nobody:nogroup "$audit"
policy() { # LINES (\n-separated)
    local file="audit_file = $audit"
    [[ $1 == *audit_file* ]] && file=""
    printf '%b\naudit_syslog = no\n%s\n' "$1" "$file" >"$work/negotiate.conf"
}

audit_mark=0
mark_audit() { audit_mark=$(wc -l <"$audit"); }
new_audit() { tail -n +"$((audit_mark + 1))" "$audit"; }

# cell NAME WANT GOT AUDIT_REGEX: passes when GOT is WANT and the audit
# lines written since mark_audit match AUDIT_REGEX (grep -E).
cell() {
    local name=$1 want=$2 got=$3 pattern=$4 lines
    lines=$(new_audit)
    if [ "$got" != "$want" ]; then
        result FAIL "$name" "got $got, want $want; audit: ${lines:-none}"
    elif ! grep -qE -- "$pattern" <<<"$lines"; then
        result FAIL "$name" "$got, but no audit line matching $pattern; audit: ${lines:-none}"
    else
        result PASS "$name" "$got; $(grep -oE -- "(event=policy )?result=[a-z]+( package=[^ ]+ form=[^ ]+)?" <<<"$lines" | head -n 1)"
    fi
}

client_env=(env KRB5_CONFIG="$realm/krb5.conf" KRB5CCNAME="FILE:$realm/alice.ccache")
host=server.gss-sspi.test

# ---- Apache httpd + mod_auth_gssapi ---------------------------------------------------------
# The recipe of the administrator's guide: the keytab and NTLM users in the
# server's environment (KRB5_KTNAME, NTLM_USER_FILE: gss-ntlmssp 1.2.0 builds
# no acceptor credential from GssapiCredStore), files readable by its User.
apache="$work/apache"
mkdir -p "$apache/htdocs" "$apache/rcache"
echo hello >"$apache/htdocs/index.html"
cp "$realm/http.keytab" "$apache/http.keytab"
cp "$realm/ntlm-users" "$apache/ntlm-users"
chown -R nobody:nogroup "$apache"
http_port=$(free_port)
cat >"$apache/httpd.conf" <<EOF
ServerRoot $apache
ServerName $host
Listen 127.0.0.1:$http_port
PidFile $apache/httpd.pid
ErrorLog $apache/error.log
LogLevel warn auth_gssapi:debug
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule auth_gssapi_module /usr/lib/apache2/modules/mod_auth_gssapi.so
User nobody
Group nogroup
LogFormat "%u %>s %r" who
CustomLog $apache/access.log who
DocumentRoot $apache/htdocs
KeepAlive On
<Location />
    AuthType GSSAPI
    AuthName "gss-sspi"
    # NTLM takes two legs on one connection
    GssapiConnectionBound On
    GssapiAllowedMech krb5
    GssapiAllowedMech ntlmssp
    Require valid-user
</Location>
EOF

apache_env=(env -i PATH="$PATH" KRB5_CONFIG="$realm/krb5.conf" KRB5RCACHEDIR="$apache/rcache"
    NTLM_USER_FILE="$apache/ntlm-users" NETBIOS_COMPUTER_NAME=SERVER
    GSS_SSPI_NEGOTIATE_CONF="$work/negotiate.conf")
# The keytab, for an Apache without gssproxy.
own_keytab=(KRB5_KTNAME="FILE:$apache/http.keytab")

apache_stop() {
    local pid
    [ -f "$apache/httpd.pid" ] || return 0
    pid=$(cat "$apache/httpd.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$apache/httpd.pid"
}
# apache_start MECH_CONF [ENV...]: a full start (the module is read once per process).
apache_start() {
    local conf=$1
    shift
    apache_stop
    "${apache_env[@]}" GSS_MECH_CONFIG="$conf" "$@" /usr/sbin/apache2 -f "$apache/${httpd_conf:-httpd.conf}" -k start &&
        wait_listening "$http_port"
}

curl_status() {
    "${client_env[@]}" curl -s -o /dev/null -w '%{http_code}' --negotiate -u : \
        --resolve "$host:$http_port:127.0.0.1" "http://$host:$http_port/index.html"
}
: >"$work/smb.conf"                                              # ntlm_auth: no host configuration
printf '[global]\nclient ntlmv2 auth = no\n' >"$work/smb-v1.conf" # ...and NTLMv1
ntlm_status() { # PASSWORD SMB_CONF
    $ntlm_http "http://127.0.0.1:$http_port/index.html" alice GSSSSPI "$1" "$2" 2>>"$work/ntlm-http.log"
}

kerberos_ok='result=success package=Kerberos form=SPNEGO client="alice@GSS-SSPI.TEST"'
ntlm_client='client="GSSSSPI\\\\alice"'

# apache_cells POLICY_NAME POLICY MECH_CONF KERBEROS_WANT KERBEROS_AUDIT NTLM_WANT NTLM_AUDIT [ENV...]
apache_cells() {
    local name=$1 lines=$2 conf=$3 k_want=$4 k_audit=$5 n_want=$6 n_audit=$7
    shift 7
    policy "$lines"
    if ! apache_start "$conf" "$@"; then
        result FAIL "Apache, $name: start" "$(tail -n 3 "$apache/error.log" 2>/dev/null)"
        return
    fi
    mark_audit
    cell "Apache, $name: curl --negotiate (SPNEGO/Kerberos)" "$k_want" "$(curl_status)" "$k_audit"
    if [ -n "$(why_not ntlm)" ]; then
        skip_cell "Apache, $name: ntlm_auth NTLMv2" "$(why_not ntlm)"
        return
    fi
    mark_audit
    cell "Apache, $name: ntlm_auth NTLMv2 over HTTP" "$n_want" "$(ntlm_status Alice-Pass1 "$work/smb.conf")" "$n_audit"
}

if [ -n "$(why_not apache)" ]; then
    skip_cell "Apache cells" "$(why_not apache)"
else
    apache_cells "ntlm = allow" "ntlm = allow" "$work/mech.conf" \
        200 "$kerberos_ok service=\"HTTP/$host@GSS-SSPI.TEST\".* cb=none .*ntlm_policy=-" \
        200 "result=success package=NTLM form=raw $ntlm_client .*ntlm=v2 .*ntlm_policy=allow" \
        "${own_keytab[@]}"
    if [ -z "$(why_not ntlm)" ]; then
        mark_audit
        cell "Apache, ntlm = allow: ntlm_auth NTLMv1 refused by default (ntlm_v1 = deny)" 401 \
            "$(ntlm_status Alice-Pass1 "$work/smb-v1.conf")" \
            "result=denied package=NTLM form=raw $ntlm_client .*ntlm=v1 .*ntlm_v1_policy=deny reason=\"NTLMv1"
        mark_audit
        cell "Apache, ntlm = allow: ntlm_auth NTLMv2, wrong password" 401 \
            "$(ntlm_status Wrong-Pass "$work/smb.conf")" "result=failure package=NTLM form=raw"
    fi
    apache_cells "ntlm = audit" "ntlm = audit" "$work/mech.conf" \
        200 "$kerberos_ok" \
        200 "result=success package=NTLM form=raw $ntlm_client .*ntlm_policy=audit" \
        "${own_keytab[@]}"
    apache_cells "ntlm = deny" "ntlm = deny" "$work/mech.conf" \
        200 "$kerberos_ok" \
        401 "result=denied package=NTLM form=raw .*ntlm_policy=deny" "${own_keytab[@]}"
    refusal='forbidden by local security policy (NTLM authentication is refused by policy (ntlm = deny))'
    if grep -qF "$refusal" "$apache/error.log"; then
        result PASS "Apache, ntlm = deny: its error log gives the module's reason" "$refusal"
    else
        result FAIL "Apache, ntlm = deny: its error log gives the module's reason" "not in $apache/error.log"
    fi
    policy "ntlm = allow\nntlm_v1 = deny"
    if [ -z "$(why_not ntlm)" ] && apache_start "$work/mech.conf" "${own_keytab[@]}"; then
        mark_audit
        cell "Apache, ntlm_v1 = deny: ntlm_auth NTLMv1" 401 "$(ntlm_status Alice-Pass1 "$work/smb-v1.conf")" \
            "result=denied package=NTLM form=raw $ntlm_client .*ntlm=v1 .*ntlm_v1_policy=deny reason=\"NTLMv1 or LM response refused by policy \(ntlm_v1 = deny\)"
        mark_audit
        cell "Apache, ntlm_v1 = deny: ntlm_auth NTLMv2 still accepted" 200 \
            "$(ntlm_status Alice-Pass1 "$work/smb.conf")" "result=success package=NTLM .*ntlm=v2"
    else
        skip_cell "Apache, ntlm_v1 = deny" "${missing[ntlm]:-Apache did not start}"
    fi
    # ntlm_v1 = audit lets NTLMv1 through the module, marked in its line
    # (ntlm_v1_policy=audit); gss-ntlmssp itself still refuses it at its
    # default LM_COMPAT_LEVEL (3), and takes it at 2.
    policy "ntlm = allow\nntlm_v1 = audit"
    for level in default 2; do
        level_env=()
        want=401 pattern="result=failure package=NTLM form=raw $ntlm_client .*ntlm=v1 .*ntlm_v1_policy=audit reason=\".*NTLM version 1 not allowed"
        if [ "$level" != default ]; then
            level_env=(LM_COMPAT_LEVEL="$level")
            want=200 pattern="result=success package=NTLM form=raw $ntlm_client .*ntlm=v1 .*ntlm_v1_policy=audit"
        fi
        if [ -z "$(why_not ntlm)" ] && apache_start "$work/mech.conf" "${own_keytab[@]}" "${level_env[@]}"; then
            mark_audit
            cell "Apache, ntlm_v1 = audit, LM_COMPAT_LEVEL $level: ntlm_auth NTLMv1" "$want" \
                "$(ntlm_status Alice-Pass1 "$work/smb-v1.conf")" "$pattern"
        else
            skip_cell "Apache, ntlm_v1 = audit, LM_COMPAT_LEVEL $level" "${missing[ntlm]:-Apache did not start}"
        fi
    done
    # mod_auth_gssapi 1.6.4 passes no channel bindings: require locks every client out.
    apache_cells "channel_bindings = require" "channel_bindings = require" "$work/mech.conf" \
        401 "result=denied package=Kerberos form=SPNEGO client=\"alice@GSS-SSPI.TEST\" .*cb=none .*reason=\"channel bindings required by policy" \
        401 "result=denied package=NTLM form=raw $ntlm_client .*cb=none .*reason=\"channel bindings required by policy" \
        "${own_keytab[@]}"
    # GssapiCredStore instead of KRB5_KTNAME: Kerberos works, but gss-ntlmssp
    # 1.2.0 builds no acceptor credential from a credential store, so every
    # NTLM client fails, module or not.
    sed "s|^    Require valid-user|    GssapiCredStore keytab:$apache/http.keytab\n&|" \
        "$apache/httpd.conf" >"$apache/httpd-credstore.conf"
    httpd_conf=httpd-credstore.conf apache_cells "GssapiCredStore, ntlm = allow" "ntlm = allow" \
        "$work/mech.conf" 200 "$kerberos_ok" 401 \
        "result=failure package=NTLM form=raw .*reason=\"Invalid credential was supplied; Not a server credential type"
    # ...and without the module (no audit then: Apache's error log says it).
    : >"$apache/error.log"
    if [ -z "$(why_not ntlm)" ] && httpd_conf=httpd-credstore.conf apache_start "$work/mech-no-module.conf"; then
        got=$(ntlm_status Alice-Pass1 "$work/smb.conf")
        if [ "$got" = 401 ] && grep -q "Not a server credential type" "$apache/error.log"; then
            result PASS "Apache without the module, GssapiCredStore: ntlm_auth NTLMv2 fails" "$got"
        else
            result FAIL "Apache without the module, GssapiCredStore: ntlm_auth NTLMv2 fails" \
                "$got; $(grep -c . "$apache/error.log") error log lines"
        fi
    else
        skip_cell "Apache without the module, GssapiCredStore" "${missing[ntlm]:-Apache did not start}"
    fi
    # An audit file the server's user cannot write gets no line; the
    # authentication itself is not affected.
    policy "ntlm = allow\naudit_file = $work/root-only/audit.log"
    mkdir -p "$work/root-only"
    chmod 700 "$work/root-only"
    if apache_start "$work/mech.conf" "${own_keytab[@]}"; then
        mark_audit
        got=$(curl_status)
        lines=$(cat "$work/root-only/audit.log" 2>/dev/null)
        if [ "$got" = 200 ] && [ -z "$lines" ]; then
            result PASS "Apache, audit_file not writable by its User: accepted, no line written" "$got"
        else
            result FAIL "Apache, audit_file not writable by its User: accepted, no line written" \
                "$got; ${lines:-no line}"
        fi
    else
        result FAIL "Apache, unwritable audit_file: start" "$(tail -n 3 "$apache/error.log")"
    fi
    # A malformed policy fails closed, and the fixed file is taken without a restart.
    # The file and line are in their own audit line (event=policy), written
    # when the module reads the file; the refusal itself says only "invalid".
    policy "ntlm = perhaps"
    mark_audit
    if apache_start "$work/mech.conf" "${own_keytab[@]}"; then
        cell "Apache, malformed policy: curl --negotiate refused (fails closed)" 401 "$(curl_status)" \
            "result=denied package=- form=SPNEGO .*reason=\"the gss-sspi negotiate policy file is invalid"
        cell "Apache, malformed policy: the audit names file and line" 401 401 \
            "prog=\"apache2\" event=policy result=denied reason=\"$work/negotiate.conf:1: \\\\\"perhaps\\\\\" is not a value of ntlm"
        if grep -qF "the gss-sspi negotiate policy file is invalid: $work/negotiate.conf:1: \"perhaps\" is not a value of ntlm" \
            "$apache/error.log"; then
            result PASS "Apache, malformed policy: its error log names file and line" "gss_display_status"
        else
            result FAIL "Apache, malformed policy: its error log names file and line" "not in $apache/error.log"
        fi
        sleep 1.1 # the module looks at the file at most once a second
        policy "ntlm = allow"
        mark_audit
        cell "Apache, malformed policy fixed: accepted without a restart" 200 "$(curl_status)" "$kerberos_ok"
    else
        result FAIL "Apache, malformed policy: start" "$(tail -n 3 "$apache/error.log")"
    fi
    apache_stop
fi

# ---- gssproxy in front of Apache -----------------------------------------------------------
# gssproxy holds the keytab (Apache gets none); Apache sets GSS_USE_PROXY.
# Both interposers are loaded; each order is tried.
if [ -n "$(why_not apache gssproxy)" ]; then
    skip_cell "gssproxy cells" "$(why_not apache gssproxy)"
else
    gp="$work/gssproxy"
    mkdir -p "$gp"
    # Apache starts as root and its first GSS call comes before the switch to
    # nobody: gssproxy closes the socket on a uid it has no service for, and
    # the client dies of SIGPIPE.  So a service for each uid.
    cat >"$gp/gssproxy.conf" <<EOF
[gssproxy]
  debug_level = 1
[service/apache]
  mechs = krb5
  socket = $gp/apache.sock
  cred_store = keytab:$realm/http.keytab
  cred_usage = accept
  euid = $(id -u nobody)
[service/apache-startup]
  mechs = krb5
  socket = $gp/apache.sock
  cred_store = keytab:$realm/http.keytab
  cred_usage = accept
  euid = 0
EOF
    env -i PATH="$PATH" KRB5_CONFIG="$realm/krb5.conf" KRB5RCACHEDIR="$realm/rcache" \
        /usr/sbin/gssproxy -i -c "$gp/gssproxy.conf" -s "$gp/default.sock" >"$gp/gssproxy.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do [ -S "$gp/apache.sock" ] && break; sleep 0.1; done
    proxied() { grep -c 'GSSX_ACCEPT_SEC_CONTEXT) for service "apache"' "$gp/gssproxy.log"; }
    # ORDER INTERPOSE_KERBEROS CURL_WANT CURL_AUDIT PROXIED: the first
    # interposer of a mechanism wins.  "auto" leaves Kerberos to gssproxy;
    # "yes" with ours first takes it away from gssproxy, and this Apache
    # has no keytab of its own.
    # NTLM does not go through gssproxy (it proxies krb5 only): Apache's own
    # NTLM_USER_FILE serves it, and the module's NTLM policy holds.
    ntlm_denied="401|result=denied package=NTLM form=raw .*ntlm_policy=deny"
    ntlm_audited="200|result=success package=NTLM form=raw $ntlm_client .*ntlm_policy=audit"
    for case in "ours-first|auto|200|$kerberos_ok|yes|deny|$ntlm_denied" \
        "proxy-first|auto|200|$kerberos_ok|yes|audit|$ntlm_audited" \
        "proxy-first|yes|200|$kerberos_ok|yes|deny|$ntlm_denied" \
        "ours-first|yes|401|result=failure package=- form=SPNEGO .*An unsupported mechanism was requested|no|deny|$ntlm_denied"; do
        IFS='|' read -r order ik k_want k_audit want_proxied ntlm n_want n_audit <<<"$case"
        before=$(proxied)
        apache_cells "gssproxy, $order, interpose_kerberos = $ik, ntlm = $ntlm" \
            "ntlm = $ntlm\ninterpose_kerberos = $ik" "$work/mech-$order.conf" \
            "$k_want" "$k_audit" "$n_want" "$n_audit" \
            GSS_USE_PROXY=yes GSSPROXY_SOCKET="$gp/apache.sock"
        got_proxied=no
        [ "$(proxied)" -gt "$before" ] && got_proxied=yes
        mark_audit
        cell "gssproxy, $order, interpose_kerberos = $ik: Kerberos accepted inside gssproxy" \
            "$want_proxied" "$got_proxied" ""
    done
    apache_stop
fi

# ---- OpenSSH sshd ----------------------------------------------------------------------------
# alice logs in as root: k5login_directory in sshd's own krb5.conf (the
# host's /root untouched).  GSSAPIStrictAcceptorCheck no: any key of the
# keytab (host/server.gss-sspi.test here).
if [ -n "$(why_not sshd)" ]; then
    skip_cell "sshd cells" "$(why_not sshd)"
else
    sshd_dir="$work/sshd"
    mkdir -p "$sshd_dir/k5login"
    chmod 700 "$sshd_dir"
    echo "alice@GSS-SSPI.TEST" >"$sshd_dir/k5login/root"
    sed "s|^\[libdefaults\]|[libdefaults]\n    k5login_directory = $sshd_dir/k5login|" \
        "$realm/krb5.conf" >"$sshd_dir/krb5.conf"
    ssh-keygen -q -t ed25519 -N '' -f "$sshd_dir/host_ed25519"
    ssh_port=$(free_port)
    cat >"$sshd_dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $sshd_dir/host_ed25519
PidFile $sshd_dir/sshd.pid
UsePAM no
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication no
AuthorizedKeysFile none
GSSAPIAuthentication yes
GSSAPIStrictAcceptorCheck no
EOF
    # sshd's privilege separation directory (openssh-server's tmpfiles entry)
    [ -d /run/sshd ] || install -d -m 755 /run/sshd
    sshd_pid=
    sshd_start() {
        sshd_stop
        env -i PATH="$PATH" KRB5_CONFIG="$sshd_dir/krb5.conf" KRB5_KTNAME="FILE:$realm/http.keytab" \
            KRB5RCACHEDIR="$realm/rcache" GSS_MECH_CONFIG="$work/mech.conf" \
            GSS_SSPI_NEGOTIATE_CONF="$work/negotiate.conf" \
            /usr/sbin/sshd -D -e -f "$sshd_dir/sshd_config" -p "$ssh_port" >>"$sshd_dir/sshd.log" 2>&1 &
        sshd_pid=$!
        pids+=("$sshd_pid")
        wait_listening "$ssh_port"
    }
    sshd_stop() {
        [ -n "$sshd_pid" ] || return 0
        kill "$sshd_pid" 2>/dev/null
        wait "$sshd_pid" 2>/dev/null
        sshd_pid=
    }
    ssh_login() {
        "${client_env[@]}" timeout 30 ssh -F /dev/null -p "$ssh_port" -o BatchMode=yes \
            -o GSSAPIAuthentication=yes -o PreferredAuthentications=gssapi-with-mic \
            -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
            -o GSSAPIServerIdentity="$host" root@127.0.0.1 'echo logged-in' 2>>"$sshd_dir/ssh.log" ||
            echo refused
    }
    sshd_ok='prog="sshd" result=success package=Kerberos form=raw client="alice@GSS-SSPI.TEST" service="host/server.gss-sspi.test@GSS-SSPI.TEST"'
    for case in "ntlm = deny|logged-in|$sshd_ok" \
        "channel_bindings = require|refused|prog=\"sshd\" result=denied package=Kerberos form=raw client=\"alice@GSS-SSPI.TEST\" .*cb=none .*reason=\"channel bindings required by policy" \
        "ntlm = perhaps|refused|prog=\"sshd\" event=policy result=denied reason=\"$work/negotiate.conf:1: "; do
        IFS='|' read -r lines want pattern <<<"$case"
        policy "$lines"
        if ! sshd_start; then
            result FAIL "sshd, $lines: start" "$(tail -n 3 "$sshd_dir/sshd.log")"
            continue
        fi
        mark_audit
        cell "sshd, $lines: ssh -o GSSAPIAuthentication=yes" "$want" "$(ssh_login)" "$pattern"
    done
    sshd_stop
fi

summary
[ "$failed" -eq 0 ]
