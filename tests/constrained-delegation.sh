#!/bin/sh
# constrained-delegation.sh - tests/test_delegation again, in a realm whose
# database is MIT's LDAP KDB module over a private slapd on loopback
# (tests/realm/setup-realm.sh with GSS_SSPI_REALM_KDB=ldap).  There
# HTTP/server may delegate to HTTP/other (krbAllowedToDelegateTo), so
# protocol transition followed by constrained delegation (S4U2Self, then
# S4U2Proxy) reaches the back end as the user, and any other target is
# refused; likewise from a client's plain (forwardable, not delegated)
# service ticket, the front end having its client keytab; with the default
# DB2 database (make check's other run) every S4U2Proxy is refused.
#
# Environment: top_srcdir, top_builddir (set by "make check").
# Exit status: 0 pass, 1 fail, 77 skipped (no slapd / krb5-kdc-ldap).

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PATH=$PATH:/usr/sbin
for tool in slapd ldapadd ldapmodify kdb5_ldap_util; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found (apt-get install slapd ldap-utils krb5-kdc-ldap)"
        echo "0 passed, 0 failed, 1 skipped"
        exit 77
    fi
done
out=$(GSS_SSPI_REALM_KDB=ldap "$top_srcdir/tests/with-realm" \
    "$top_builddir/tests/test_delegation" 2>&1)
rc=$?
printf '%s\n' "$out"
checks=$(printf '%s\n' "$out" | sed -n 's/^[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)$/\1 \2 \3/p')
set -- $checks
if [ "$rc" -eq 0 ] && [ -n "$checks" ]; then
    echo "$(($1 - $2 - $3)) passed, $(($2 + $3)) failed (LDAP KDB)"
    exit 0
fi
echo "${1:-0} checks, exit status $rc: 0 passed, 1 failed (LDAP KDB)"
exit 1
