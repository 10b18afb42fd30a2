/*
 * oids.h - the mechanism OIDs every part of gss-sspi speaks (DESIGN
 * section 2): the library, the module and the tools read them from here.
 */
#ifndef GSS_SSPI_COMMON_OIDS_H
#define GSS_SSPI_COMMON_OIDS_H

#include <stdbool.h>

#include <gssapi/gssapi.h>

/* DER contents, for static tables that need them as constants. */
#define OID_SPNEGO_DER "\x2b\x06\x01\x05\x05\x02"
#define OID_SPNEGO_LEN 6
#define OID_KRB5_DER "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
#define OID_KRB5_LEN 9
#define OID_MS_KRB5_DER "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"
#define OID_MS_KRB5_LEN 9
#define OID_NTLMSSP_DER "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
#define OID_NTLMSSP_LEN 10

extern gss_OID_desc oid_spnego;  /* 1.3.6.1.5.5.2 */
extern gss_OID_desc oid_krb5;    /* 1.2.840.113554.1.2.2 */
extern gss_OID_desc oid_ms_krb5; /* 1.2.840.48018.1.2.2 */
extern gss_OID_desc oid_ntlmssp; /* 1.3.6.1.4.1.311.2.2.10 */
bool oid_equal(gss_const_OID a, gss_const_OID b);
/* Either Kerberos OID (RFC 4121, or the one Windows lists first). */
bool oid_is_krb5(gss_const_OID oid);

#endif
