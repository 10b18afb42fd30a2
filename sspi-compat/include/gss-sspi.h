/*
 * gss-sspi.h - extensions of libgss-sspi beyond the Windows SSPI surface.
 *
 * Everything here is optional: Windows sources never need it.  It exposes
 * what a Unix administrator or a porting developer wants in addition: the
 * GSS error text behind a SECURITY_STATUS, the mechanism actually used, the
 * channel-binding verdict, and an opt-in strict acceptor policy.
 */
#ifndef GSS_SSPI_EXTENSIONS_H
#define GSS_SSPI_EXTENSIONS_H

#include <sspi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* QueryContextAttributesA/W attributes of our own (outside Windows' range). */
#define SECPKG_ATTR_GSS_SSPI_BASE 0x7F535300
/* SecPkgContext_GssLastError: the last failure on this context, with GSS text. */
#define SECPKG_ATTR_GSS_LAST_ERROR (SECPKG_ATTR_GSS_SSPI_BASE + 1)
/* SecPkgContext_GssChannelBindings: what happened to channel bindings. */
#define SECPKG_ATTR_GSS_CHANNEL_BINDINGS (SECPKG_ATTR_GSS_SSPI_BASE + 2)
/* SecPkgContext_GssMech: the mechanism used and the token form the peer sent. */
#define SECPKG_ATTR_GSS_MECH (SECPKG_ATTR_GSS_SSPI_BASE + 3)

typedef struct _SecPkgContext_GssLastError {
    SECURITY_STATUS Status; /* the SEC_E_ code that was returned */
    ULONG GssMajor;         /* GSS major status behind it (0 when none) */
    ULONG GssMinor;         /* mechanism minor status */
    SEC_CHAR *Text;         /* UTF-8, free with FreeContextBuffer; NULL if no error */
} SecPkgContext_GssLastError, *PSecPkgContext_GssLastError;

#define GSS_SSPI_CB_NONE 0     /* no bindings on either side */
#define GSS_SSPI_CB_MATCHED 1  /* the client's bindings were checked and matched */
#define GSS_SSPI_CB_ABSENT 2   /* we had bindings, the client sent none */
#define GSS_SSPI_CB_UNKNOWN 3  /* bindings passed, not (yet) checked: in progress, an
                                  initiator, or acceptor policy None */

typedef struct _SecPkgContext_GssChannelBindings {
    ULONG State; /* GSS_SSPI_CB_* */
} SecPkgContext_GssChannelBindings, *PSecPkgContext_GssChannelBindings;

#define GSS_SSPI_FORM_RAW 0    /* the mechanism's own token, no SPNEGO wrapper */
#define GSS_SSPI_FORM_SPNEGO 1 /* negotiated inside SPNEGO */

typedef struct _SecPkgContext_GssMech {
    SEC_CHAR *PackageName; /* "Kerberos" or "NTLM" (static; do not free) */
    SEC_CHAR *MechOid;     /* dotted OID of the mechanism used (static) */
    ULONG TokenForm;       /* GSS_SSPI_FORM_* */
} SecPkgContext_GssMech, *PSecPkgContext_GssMech;

/*
 * Acceptor policy carried by a credential handle, set with
 * GssSspiSetCredentialsPolicy() before the first AcceptSecurityContext.
 */
#define GSS_SSPI_CB_POLICY_NONE 0    /* ignore SECBUFFER_CHANNEL_BINDINGS */
#define GSS_SSPI_CB_POLICY_ALLOW 1   /* check when the client sent bindings (default) */
#define GSS_SSPI_CB_POLICY_REQUIRE 2 /* a client without bindings fails (SEC_E_BAD_BINDINGS)
                                        unless ASC_REQ_ALLOW_MISSING_BINDINGS */

typedef struct _GSS_SSPI_POLICY {
    ULONG ChannelBindings; /* GSS_SSPI_CB_POLICY_* */
    /* Nonzero: a context whose granted ASC_RET flags lack a requested
     * security bit (integrity, confidentiality, replay, sequence, mutual)
     * fails with SEC_E_UNSUPPORTED_FUNCTION, as Windows NTLM's
     * minimum-security policy does.  Zero (default): the caller judges. */
    ULONG StrictRequestedFlags;
} GSS_SSPI_POLICY, *PGSS_SSPI_POLICY;

SECURITY_STATUS SEC_ENTRY GssSspiSetCredentialsPolicy(PCredHandle phCredential,
                                                      const GSS_SSPI_POLICY *pPolicy);

#ifdef __cplusplus
}
#endif

#endif /* GSS_SSPI_EXTENSIONS_H */
