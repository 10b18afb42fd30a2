# ldap-kdb.sh - sourced by setup-realm.sh when GSS_SSPI_REALM_KDB=ldap: the
# realm's database in MIT's LDAP KDB module (krb5-kdc-ldap) over a private
# slapd on a free loopback port, so that the KDC knows constrained-delegation
# lists (krbAllowedToDelegateTo), which the default DB2 database cannot hold.
# Uses $dir, $REALM and port_users from setup-realm.sh.

ldap_base="dc=gss-sspi,dc=test"
ldap_admin="cn=admin,$ldap_base"
ldap_password="ldap-$RANDOM$RANDOM"
ldap_container="cn=krbcontainer,$ldap_base"
ldap_port=
ldap_url=

PATH=$PATH:/usr/sbin
for tool in slapd ldapadd ldapmodify kdb5_ldap_util; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "setup-realm: $tool not found (apt-get install slapd ldap-utils krb5-kdc-ldap)" >&2
        exit 77
    fi
done

# The [dbmodules] section of kdc.conf.
ldap_kdc_conf() {
    cat <<EOF
[dbmodules]
    ldap = {
        db_library = kldap
        ldap_servers = $ldap_url
        ldap_kerberos_container_dn = $ldap_container
        ldap_kdc_dn = $ldap_admin
        ldap_kadmind_dn = $ldap_admin
        ldap_service_password_file = $dir/ldap.stash
    }
EOF
}

# slapd with the Kerberos schema, an empty tree, our admin; started on a free
# port, its pid in $dir/slapd.pid (stop-realm.sh stops it).
ldap_start() {
    mkdir -p "$dir/ldap-db"
    zcat /usr/share/doc/krb5-kdc-ldap/kerberos.schema.gz >"$dir/kerberos.schema"
    cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include $dir/kerberos.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $dir/slapd.pid
database mdb
maxsize 104857600
suffix "$ldap_base"
rootdn "$ldap_admin"
rootpw $ldap_password
directory $dir/ldap-db
EOF
    local attempt entry
    entry=$(printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: gss-sspi\ndc: gss-sspi\n' \
        "$ldap_base")
    for attempt in $(seq 1 20); do
        ldap_port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
        [ -z "$(port_users "$ldap_port")" ] || continue
        ldap_url="ldap://127.0.0.1:$ldap_port"
        slapd -f "$dir/slapd.conf" -h "$ldap_url/" >>"$dir/slapd.log" 2>&1 || continue
        for _ in $(seq 1 50); do
            if printf '%s\n' "$entry" | ldapadd -x -H "$ldap_url" -D "$ldap_admin" \
                -w "$ldap_password" >>"$dir/setup.log" 2>&1; then
                return 0
            fi
            sleep 0.1
        done
        [ -s "$dir/slapd.pid" ] && kill "$(cat "$dir/slapd.pid")" 2>/dev/null
        echo "setup-realm: slapd attempt $attempt on port $ldap_port failed" >>"$dir/setup.log"
    done
    echo "setup-realm: could not start slapd (see $dir/slapd.log)" >&2
    exit 1
}

# The realm in LDAP, and the password file the KDC binds with.
ldap_create_kdb() {
    kdb5_ldap_util -D "$ldap_admin" -w "$ldap_password" -H "$ldap_url" create \
        -subtrees "$ldap_base" -r "$REALM" -s -P "master-$RANDOM$RANDOM" >>"$dir/setup.log" 2>&1
    printf '%s\n%s\n' "$ldap_password" "$ldap_password" |
        kdb5_ldap_util -D "$ldap_admin" -w "$ldap_password" -H "$ldap_url" stashsrvpw \
            -f "$dir/ldap.stash" "$ldap_admin" >>"$dir/setup.log" 2>&1
}

# ldap_allow_delegation SERVICE TARGET: SERVICE may get tickets to TARGET on
# users' behalf (S4U2Proxy, traditional constrained delegation).
ldap_allow_delegation() {
    printf 'dn: krbPrincipalName=%s,cn=%s,%s\nchangetype: modify\nadd: krbAllowedToDelegateTo\nkrbAllowedToDelegateTo: %s\n' \
        "$1" "$REALM" "$ldap_container" "$2" |
        ldapmodify -x -H "$ldap_url" -D "$ldap_admin" -w "$ldap_password" >>"$dir/setup.log" 2>&1
}
