/* oids.c - the mechanism OIDs libgss-sspi speaks (DESIGN section 2). */
#include <string.h>

#include "internal.h"

gss_OID_desc oid_spnego = {6, "\x2b\x06\x01\x05\x05\x02"};
gss_OID_desc oid_krb5 = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
gss_OID_desc oid_ms_krb5 = {9, "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"};
gss_OID_desc oid_ntlmssp = {10, "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

bool oid_equal(gss_const_OID a, gss_const_OID b)
{
    if (a == GSS_C_NO_OID || b == GSS_C_NO_OID)
        return a == b;
    return a->length == b->length && memcmp(a->elements, b->elements, a->length) == 0;
}
