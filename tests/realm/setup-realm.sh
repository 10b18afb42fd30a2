#!/bin/bash
# setup-realm.sh DIR
#
# Builds a private Kerberos realm (GSS-SSPI.TEST) and an NTLM user file in DIR,
# starts a krb5kdc on a free loopback port, and writes DIR/env: `export VAR=value`
# lines that point MIT krb5 and gss-ntlmssp at all of it.  Stop the KDC with
# stop-realm.sh DIR.  See DESIGN.md section 8.
set -euo pipefail
# The realm's own tools (kdb5_util, kadmin.local, krb5kdc) never need the
# GSS module under test, and must not load a sanitized build of it into
# programs built without the sanitizer runtime (make check-asan).
unset GSS_MECH_CONFIG

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)

REALM=GSS-SSPI.TEST
HOST=server.gss-sspi.test
OTHER_HOST=other.gss-sspi.test
RC4_HOST=rc4.gss-sspi.test
NTLM_DOMAIN=GSSSSPI

# Locate a tool: honour the override variable, else PATH, else /usr/sbin.
find_tool() {
    local override=$1 name=$2
    if [ -n "$override" ]; then
        echo "$override"
    elif command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
    elif [ -x "/usr/sbin/$name" ]; then
        echo "/usr/sbin/$name"
    else
        echo "setup-realm: $name not found (install krb5-kdc / krb5-admin-server)" >&2
        return 1
    fi
}
krb5kdc=$(find_tool "${KRB5KDC:-}" krb5kdc)
kdb5_util=$(find_tool "${KDB5_UTIL:-}" kdb5_util)
kadmin_local=$(find_tool "${KADMIN_LOCAL:-}" kadmin.local)

# Quote a value for a POSIX shell (single quotes; ' becomes '\'').
shquote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Sockets listening on port $1 (TCP or UDP, any address), one per line.  Empty
# without ss; then only the kinit probe below guards against clashes.
port_users() {
    if command -v ss >/dev/null 2>&1; then
        ss -Hlntup "sport = :$1" 2>/dev/null || true
    fi
}

# Is our KDC (pid $2) the only listener on port $1, on both TCP and UDP?
# (Trivially yes without ss.)
port_is_ours() {
    local users
    users=$(port_users "$1")
    [ -z "$users" ] && return 0
    [ "$(printf '%s\n' "$users" | grep -c "pid=$2,")" -eq 2 ] &&
        [ "$(printf '%s\n' "$users" | wc -l)" -eq 2 ]
}

# Writes krb5.conf-style config. $1 = file, $2 = enctype list for requests,
# $3 = permitted enctypes, $4 = KDC port.
write_krb5_conf() {
    cat >"$1" <<EOF
[libdefaults]
    default_realm = $REALM
    # No DNS here: without these each new context can stall on a lookup.
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    # Clients ask for AES by default, but RC4 stays usable (keys exist, the
    # acceptor permits it) for tests that use krb5-rc4.conf or an RC4 keytab.
    # allow_rc4: Debian 12 (1.20.1-2+deb12u4, CVE-2025-3576) refuses RC4
    # session keys without it, in the KDC and in the AS client.
    allow_weak_crypto = true
    allow_rc4 = true
    default_tkt_enctypes = $2
    default_tgs_enctypes = $2
    permitted_enctypes = $3

[realms]
    $REALM = {
        kdc = 127.0.0.1:$4
    }

[domain_realm]
    .gss-sspi.test = $REALM
    gss-sspi.test = $REALM
EOF
}

# Writes kdc.conf for port $1.  kdc_listen (1.20+) restricts the KDC to
# loopback; kdc_ports is the fallback older KDCs understand.
write_kdc_conf() {
    cat >"$dir/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$1
    kdc_tcp_listen = 127.0.0.1:$1
    kdc_ports = $1
    kdc_tcp_ports = $1

[realms]
    $REALM = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        master_key_type = aes256-cts
        supported_enctypes = aes256-cts:normal aes128-cts:normal arcfour-hmac:normal
        max_life = 24h
        max_renewable_life = 7d
        $([ "$KDB" = ldap ] && echo "database_module = ldap")
    }

[logging]
    kdc = FILE:$dir/kdc.log
EOF
    if [ "$KDB" = ldap ]; then
        ldap_kdc_conf >>"$dir/kdc.conf"
    fi
}

aes='aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96'

# Our own environment only: nothing the caller set may leak in.
unset KRB5_TRACE KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME
export KRB5_CONFIG="$dir/krb5.conf"
export KRB5_KDC_PROFILE="$dir/kdc.conf"
export KRB5RCACHEDIR="$dir/rcache"
mkdir -p "$KRB5RCACHEDIR"

# The database: DB2 files (default), or MIT's LDAP module over a private slapd
# (GSS_SSPI_REALM_KDB=ldap), which can hold constrained-delegation lists.
KDB=${GSS_SSPI_REALM_KDB:-db2}
if [ "$KDB" = ldap ]; then
    # shellcheck source=tests/realm/ldap-kdb.sh
    . "$here/ldap-kdb.sh"
    ldap_start
fi

# The port is only known once the KDC runs, but the database does not depend
# on it: write provisional configs, build the database, then pick the port.
write_krb5_conf "$KRB5_CONFIG" "$aes" "$aes arcfour-hmac" 88
write_kdc_conf 88

if [ "$KDB" = ldap ]; then
    ldap_create_kdb
else
    "$kdb5_util" create -s -r "$REALM" -P "master-$RANDOM$RANDOM" >"$dir/setup.log" 2>&1
fi

kadmin() {
    # kadmin.local -q exits 0 even when the command fails, so treat anything
    # on stderr other than the harmless policy notice as an error.
    local err
    err=$("$kadmin_local" -r "$REALM" -q "$1" 2>&1 >>"$dir/setup.log") || true
    err=$(printf '%s\n' "$err" | grep -v -e '^No policy specified' -e '^$' || true)
    if [ -n "$err" ]; then
        echo "setup-realm: kadmin.local -q '$1': $err" >&2
        return 1
    fi
}

# Keep only the ENCTYPE entries of KEYTAB (ktutil, since ktadd -norandkey
# refuses -e).  Slots are deleted from the highest down so numbers stay valid.
keytab_keep_enctype() {
    local keytab=$1 enctype=$2 slots cmds
    slots=$(printf 'rkt %s\nlist -e\n' "$keytab" | ktutil |
        awk -v e="($enctype)" '$1 ~ /^[0-9]+$/ && $NF != e { print $1 }' | sort -rn)
    cmds="rkt $keytab"$'\n'
    for s in $slots; do cmds+="delent $s"$'\n'; done
    cmds+="wkt $keytab.new"$'\n'
    rm -f "$keytab.new"
    printf '%s' "$cmds" | ktutil >>"$dir/setup.log" 2>&1
    mv "$keytab.new" "$keytab"
}

kadmin "addprinc -pw Alice-Pass1 alice"
kadmin "addprinc -pw Bob-Pass2 bob"
# MIT's LDAP module puts the name in the entry's DN and refuses non-ASCII
# ("Invalid DN syntax"): an LDAP realm has no jürgen.
if [ "$KDB" != ldap ]; then
    kadmin "addprinc -pw Jürgen-Pass3 jürgen"
fi
kadmin "addprinc -randkey HTTP/$HOST"
kadmin "addprinc -randkey host/$HOST"
kadmin "addprinc -randkey HTTP/$OTHER_HOST"
# The front end of tests/test_delegation may vouch for users (protocol
# transition gives it forwardable evidence tickets); whether it may then
# delegate to HTTP/$OTHER_HOST is the KDC's constrained-delegation policy.
kadmin "modprinc +ok_to_auth_as_delegate HTTP/$HOST"
if [ "$KDB" = ldap ]; then
    ldap_allow_delegation "HTTP/$HOST@$REALM" "HTTP/$OTHER_HOST@$REALM"
fi
# A service with only an RC4 key: the KDC picks the ticket enctype from the
# service's keys, not the client's request, so this is the only way to get
# RC4-encrypted tickets (krb5-rc4.conf alone only makes the session key RC4).
kadmin "addprinc -randkey -e arcfour-hmac:normal HTTP/$RC4_HOST"

# ktadd rekeys: extracting to http-oldkvno.keytab first and http.keytab second
# leaves the old keytab with only the previous kvno of the HTTP key.
kadmin "ktadd -k $dir/http-oldkvno.keytab HTTP/$HOST"
kadmin "ktadd -k $dir/http.keytab HTTP/$HOST host/$HOST"
# Same key and kvno as http.keytab, RC4 entry only.
kadmin "ktadd -k $dir/http-rc4.keytab -norandkey HTTP/$HOST"
keytab_keep_enctype "$dir/http-rc4.keytab" arcfour-hmac
kadmin "ktadd -k $dir/other.keytab HTTP/$OTHER_HOST"
kadmin "ktadd -k $dir/rc4-only.keytab -norandkey HTTP/$RC4_HOST"

# The negative tests rely on these kvno relations; fail here, not there.
kt_entries() { # KEYTAB PRINCIPAL -> "kvno enctype" lines
    klist -k -e "$1" | awk -v p="$2@$REALM" '$2 == p { print $1, $3 }'
}
cur=$(kt_entries "$dir/http.keytab" "HTTP/$HOST" | awk 'NR == 1 { print $1 }')
old=$(kt_entries "$dir/http-oldkvno.keytab" "HTTP/$HOST" | awk '{ print $1 }' | sort -u)
rc4=$(kt_entries "$dir/http-rc4.keytab" "HTTP/$HOST" | sed 's/DEPRECATED://')
if [ -z "$cur" ] || [ -z "$old" ] || [ "$old" = "$cur" ] ||
    [ "$rc4" != "$cur (arcfour-hmac)" ]; then
    echo "setup-realm: unexpected keytabs (kvno $cur, old $old, rc4 $rc4)" >&2
    exit 1
fi

# NTLM users for gss-ntlmssp (DOMAIN:user:password).
printf '%s\n' "$NTLM_DOMAIN:alice:Alice-Pass1" "$NTLM_DOMAIN:bob:Bob-Pass2" \
    "$NTLM_DOMAIN:jürgen:Jürgen-Pass3" >"$dir/ntlm-users"

# Start the KDC on a random free port.  krb5kdc sets SO_REUSEADDR, so a
# second KDC on a taken port binds anyway and the kernel then splits requests
# between them: check the port is unused before, and ours alone after.
kdc_up=
for attempt in $(seq 1 20); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    [ -z "$(port_users "$port")" ] || continue
    write_krb5_conf "$KRB5_CONFIG" "$aes" "$aes arcfour-hmac" "$port"
    write_kdc_conf "$port"
    "$krb5kdc" -n -r "$REALM" -P "$dir/kdc.pid" >>"$dir/kdc.out" 2>&1 </dev/null &
    kdc_pid=$!
    # krb5kdc -P writes the same pid later; write it now so stop-realm.sh
    # finds the KDC even if we fail before that.
    echo "$kdc_pid" >"$dir/kdc.pid"
    # Poll with kinit: success proves the KDC is bound and answering.
    for _ in $(seq 1 50); do
        kill -0 "$kdc_pid" 2>/dev/null || break
        if printf '%s\n' Alice-Pass1 |
            KRB5CCNAME="FILE:$dir/alice.ccache" kinit alice >>"$dir/setup.log" 2>&1; then
            kdc_up=1
            break
        fi
        sleep 0.1
    done
    if [ -n "$kdc_up" ] && port_is_ours "$port" "$kdc_pid"; then
        break
    fi
    kdc_up=
    kill "$kdc_pid" 2>/dev/null || true
    wait "$kdc_pid" 2>/dev/null || true
    rm -f "$dir/alice.ccache"
    echo "setup-realm: KDC attempt $attempt on port $port failed" >>"$dir/setup.log"
done
if [ -z "$kdc_up" ]; then
    echo "setup-realm: could not start krb5kdc (see $dir/kdc.out, $dir/kdc.log, $dir/setup.log)" >&2
    exit 1
fi

# The RC4 variant: identical except that RC4 is the only enctype asked for
# and permitted.
write_krb5_conf "$dir/krb5-rc4.conf" arcfour-hmac arcfour-hmac "$port"

# Put a service ticket in alice's cache too, so the skewed copy needs no KDC.
# +1 h: far beyond the 5 min clock skew allowed, well within the 24 h tickets.
KRB5CCNAME="FILE:$dir/alice.ccache" kvno "HTTP/$HOST@$REALM" >>"$dir/setup.log" 2>&1
perl "$here/ccache-skew.pl" "$dir/alice.ccache" "$dir/alice-skewed.ccache" 3600

# A forwardable TGT: a client that delegates (tests/test_delegation.c).
printf '%s\n' Alice-Pass1 |
    KRB5CCNAME="FILE:$dir/alice-forwardable.ccache" kinit -f alice >>"$dir/setup.log" 2>&1

# krb5-rc4.conf permits only RC4, so alice.ccache (AES session keys) is useless
# under it; this cache has an RC4 TGT session key.
printf '%s\n' Alice-Pass1 | KRB5_CONFIG="$dir/krb5-rc4.conf" \
    KRB5CCNAME="FILE:$dir/alice-rc4.ccache" kinit alice >>"$dir/setup.log" 2>&1

{
    for kv in \
        "KRB5_CONFIG=$dir/krb5.conf" \
        "KRB5_KDC_PROFILE=$dir/kdc.conf" \
        "KRB5_KTNAME=FILE:$dir/http.keytab" \
        "KRB5CCNAME=FILE:$dir/alice.ccache" \
        "KRB5RCACHEDIR=$dir/rcache" \
        "NTLM_USER_FILE=$dir/ntlm-users" \
        "NETBIOS_COMPUTER_NAME=SERVER" \
        "GSS_SSPI_TEST_DIR=$dir" \
        "GSS_SSPI_TEST_REALM=$REALM" \
        "GSS_SSPI_TEST_HOST=$HOST" \
        "GSS_SSPI_TEST_SPN=HTTP/$HOST" \
        "GSS_SSPI_TEST_USER=alice" \
        "GSS_SSPI_TEST_PASSWORD=Alice-Pass1" \
        "GSS_SSPI_TEST_USER2=bob" \
        "GSS_SSPI_TEST_PASSWORD2=Bob-Pass2" \
        "GSS_SSPI_TEST_NTLM_DOMAIN=$NTLM_DOMAIN" \
        "GSS_SSPI_TEST_KEYTAB_RC4=FILE:$dir/http-rc4.keytab" \
        "GSS_SSPI_TEST_KEYTAB_OLDKVNO=FILE:$dir/http-oldkvno.keytab" \
        "GSS_SSPI_TEST_KEYTAB_OTHER=FILE:$dir/other.keytab" \
        "GSS_SSPI_TEST_CCACHE_SKEWED=FILE:$dir/alice-skewed.ccache" \
        "GSS_SSPI_TEST_KRB5_CONFIG_RC4=$dir/krb5-rc4.conf" \
        "GSS_SSPI_TEST_CCACHE_RC4=FILE:$dir/alice-rc4.ccache" \
        "GSS_SSPI_TEST_CCACHE_FORWARDABLE=FILE:$dir/alice-forwardable.ccache" \
        "GSS_SSPI_TEST_SPN_OTHER=HTTP/$OTHER_HOST" \
        "GSS_SSPI_TEST_SPN_RC4=HTTP/$RC4_HOST" \
        "GSS_SSPI_TEST_KEYTAB_RC4ONLY=FILE:$dir/rc4-only.keytab" \
        "GSS_SSPI_TEST_KDB=$KDB" \
        "GSS_SSPI_TEST_KDC_PORT=$port"; do
        printf 'export %s=%s\n' "${kv%%=*}" "$(shquote "${kv#*=}")"
    done
} >"$dir/env"
