#!/bin/bash
# ntlmv1.sh - a real NTLMv1 client against a plain GSS acceptor with the
# interposer loaded: refused by default, accepted only when the policy says
# ntlm_v1 = allow.
#
# The client is Heimdal's NTLM initiator (it sends NTLMv1 only: the NTLM2
# session response, a 24-byte NT response), built here from gss_client.c
# against Heimdal (package heimdal-multidev) and run in its own process.
# gss-ntlmssp is put in domain mode (NETBIOS_DOMAIN_NAME), where it takes
# NTLMv1 whatever LM_COMPAT_LEVEL says: the refusal must be the module's own.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
withrealm="$top_srcdir/tests/with-realm"

if ! pkg-config --exists heimdal-gssapi 2>/dev/null; then
    echo "SKIP: Heimdal's GSS-API is not installed (apt-get install heimdal-multidev)"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-ntlmv1.XXXXXX")
trap 'rm -rf "$work"' EXIT
client="$work/heimdal-gss-client"
# shellcheck disable=SC2046
if ! ${CC:-cc} -std=gnu11 -Wall -I"$here/../../common" -o "$client" "$here/gss_client.c" \
    $(pkg-config --cflags heimdal-gssapi) $(pkg-config --libs heimdal-gssapi) 2>"$work/cc.log"; then
    cat "$work/cc.log"
    echo "FAIL: cannot build the Heimdal client"
    exit 1
fi
mech_config "$work/mech.conf" with

pass=0
fail=0
# Heimdal takes the NTLM domain from the target host's second label and its
# credentials from NTLM_USER_FILE (the realm's DOMAIN:user:password file).
run() { # policy-settings, expected result (ok|refused), label, v1 policy in the audit line
    printf 'audit_syslog = no\naudit_file = %s/audit.log\n%s\n' "$work" "$1" >"$work/policy.conf"
    : >"$work/audit.log"
    local line
    line=$(GSS_MECH_CONFIG="$work/mech.conf" GSS_SSPI_NEGOTIATE_CONF="$work/policy.conf" \
        NETBIOS_DOMAIN_NAME=GSSSSPI "$withrealm" \
        "$top_builddir/tests/mech/gss-acceptor" --cred ntlm -- \
        env -u GSS_MECH_CONFIG "$client" --mech ntlm HTTP@server.gsssspi.test 2>"$work/err" |
        grep '^accept:')
    local audit
    audit=$(cat "$work/audit.log")
    case "$2:$line" in
    ok:"accept: result=ok "*"ntlm=1"*)
        if [[ $audit == *"result=success package=NTLM form=raw"*"ntlm=v1"*"ntlm_v1_policy=$4"* ]]; then
            echo "PASS: $3: $line"
            pass=$((pass + 1))
            return
        fi
        ;;
    refused:"accept: result=refused "*)
        # The refused AUTHENTICATE names its client (Heimdal: the host's second label).
        if [[ $audit == *"result=denied package=NTLM form=raw client=\"GSSSSPI\\\\alice\""*"ntlm=v1"*"ntlm_v1_policy=$4"*"NTLMv1"* ]]; then
            echo "PASS: $3: $line"
            pass=$((pass + 1))
            return
        fi
        ;;
    esac
    echo "FAIL: $3: expected $2"
    echo "    acceptor: $line"
    echo "    audit:    $audit"
    sed 's/^/    stderr:   /' "$work/err"
    fail=$((fail + 1))
}
run "" refused "NTLMv1 by default" deny
run "ntlm_v1 = deny" refused "NTLMv1 with ntlm_v1 = deny" deny
run "ntlm_v1 = allow" ok "NTLMv1 with ntlm_v1 = allow" allow
run "ntlm_v1 = audit" ok "NTLMv1 with ntlm_v1 = audit" audit

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
