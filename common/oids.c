/* oids.c - see oids.h. */
#include <string.h>

#include "oids.h"

gss_OID_desc oid_spnego = {OID_SPNEGO_LEN, OID_SPNEGO_DER};
gss_OID_desc oid_krb5 = {OID_KRB5_LEN, OID_KRB5_DER};
gss_OID_desc oid_ms_krb5 = {OID_MS_KRB5_LEN, OID_MS_KRB5_DER};
gss_OID_desc oid_ntlmssp = {OID_NTLMSSP_LEN, OID_NTLMSSP_DER};

bool oid_equal(gss_const_OID a, gss_const_OID b)
{
    if (a == GSS_C_NO_OID || b == GSS_C_NO_OID)
        return a == b;
    return a->length == b->length && memcmp(a->elements, b->elements, a->length) == 0;
}

bool oid_is_krb5(gss_const_OID oid)
{
    return oid_equal(oid, &oid_krb5) || oid_equal(oid, &oid_ms_krb5);
}
