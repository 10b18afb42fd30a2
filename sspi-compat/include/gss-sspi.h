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

/* The values the module publishes (GSS_SSPI_NEG_*): the ones below that
 * say the same thing are defined as those, so the two cannot drift. */
#include "gss-sspi-mech.h"

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

/* The last failure of AcceptSecurityContext or InitializeSecurityContext on
 * the calling thread, as SECPKG_ATTR_GSS_LAST_ERROR gives it for a context:
 * for a failed first call, which leaves no context to ask.  Status is
 * SEC_E_OK (and Text NULL) when the thread has had no failure.  Text: free
 * with FreeContextBuffer. */
SECURITY_STATUS SEC_ENTRY GssSspiGetLastError(PSecPkgContext_GssLastError pError);

#define GSS_SSPI_CB_NONE GSS_SSPI_NEG_CB_NONE       /* no bindings on either side */
#define GSS_SSPI_CB_MATCHED GSS_SSPI_NEG_CB_MATCHED /* checked and matched */
#define GSS_SSPI_CB_ABSENT GSS_SSPI_NEG_CB_ABSENT   /* we had bindings, the client sent none */
/* The library's own: bindings passed, not (yet) checked: in progress, an
 * initiator, or acceptor policy None. */
#define GSS_SSPI_CB_UNKNOWN 3

typedef struct _SecPkgContext_GssChannelBindings {
    ULONG State; /* GSS_SSPI_CB_* */
} SecPkgContext_GssChannelBindings, *PSecPkgContext_GssChannelBindings;

#define GSS_SSPI_FORM_RAW GSS_SSPI_NEG_FORM_RAW       /* the mechanism's own token */
#define GSS_SSPI_FORM_SPNEGO GSS_SSPI_NEG_FORM_SPNEGO /* negotiated inside SPNEGO */

typedef struct _SecPkgContext_GssMech {
    SEC_CHAR *PackageName; /* "Kerberos" or "NTLM" (static; do not free) */
    SEC_CHAR *MechOid;     /* dotted OID of the mechanism used (static) */
    ULONG TokenForm;       /* GSS_SSPI_FORM_* */
} SecPkgContext_GssMech, *PSecPkgContext_GssMech;

/*
 * Acceptor policy carried by a credential handle, set with
 * GssSspiSetCredentialsPolicy().  Safe while other threads accept with the
 * credential: each context takes the policy as it is at its first
 * AcceptSecurityContext call (phContext NULL) and keeps it to the end, so a
 * change applies to the handshakes that begin after it returns, never to
 * one already under way.  With gss-sspi-negotiate loaded, each accept step
 * hands the requirements (Require unless ASC_REQ_ALLOW_MISSING_BINDINGS, the
 * strict flags) to the module, which refuses and audits the context itself:
 * same SEC code.
 */
/* ignore SECBUFFER_CHANNEL_BINDINGS */
#define GSS_SSPI_CB_POLICY_NONE GSS_SSPI_NEG_CB_POLICY_NONE
/* check when the client sent bindings (default) */
#define GSS_SSPI_CB_POLICY_ALLOW GSS_SSPI_NEG_CB_POLICY_ALLOW
/* a client without bindings fails (SEC_E_BAD_BINDINGS) unless
 * ASC_REQ_ALLOW_MISSING_BINDINGS */
#define GSS_SSPI_CB_POLICY_REQUIRE GSS_SSPI_NEG_CB_POLICY_REQUIRE

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

/*
 * MaxTokenSize, process-wide, as Windows' Kerberos registry value: input
 * tokens larger than this (Negotiate: 256 bytes more, for SPNEGO's framing)
 * fail with SEC_E_INVALID_TOKEN, and cbMaxToken of Kerberos and Negotiate
 * follows it.  1 to 65535 (else SEC_E_INVALID_PARAMETER); default 48000, or
 * the environment variable GSS_SSPI_MAX_TOKEN_SIZE read at first use.
 */
#define GSS_SSPI_MAX_TOKEN_SIZE_DEFAULT 48000
#define GSS_SSPI_MAX_TOKEN_SIZE_LIMIT 65535
SECURITY_STATUS SEC_ENTRY GssSspiSetMaxTokenSize(ULONG cbMaxToken);

/*
 * The token of QuerySecurityContextToken: who the client of an established
 * acceptor context is, taken when QuerySecurityContextToken runs (it
 * outlives the context).  Windows code reads an access token with
 * GetTokenInformation and closes it with CloseHandle(); on Unix
 * GssSspiQueryTokenInformation reads it and GssSspiCloseToken() replaces
 * CloseHandle().  A token handle that is closed, stale or not a token gives
 * SEC_E_INVALID_HANDLE, never a crash.
 *
 * The local account is the one GSS maps the client to: for Kerberos the
 * krb5.conf auth_to_local rules (by default user@DEFAULT_REALM -> user), for
 * NTLM gss-ntlmssp's rule (the passwd entry "DOMAIN\user", else "user").
 * The SIDs come from the PAC's logon info, which Windows KDCs (Active
 * Directory) put in Kerberos tickets; NTLM through gss-ntlmssp and tickets
 * from other KDCs carry none.
 *
 * Strings are UTF-8.  Every buffer handed out is freed with
 * FreeContextBuffer.  Errors of GssSspiQueryTokenInformation:
 *   SEC_E_INVALID_HANDLE       hToken is not an open token
 *   SEC_E_INVALID_PARAMETER    pBuffer is NULL, or ulInfoClass is unknown
 *   SEC_E_NO_IMPERSONATION     LOCAL_NAME: GSS maps the client to no local name;
 *                              ACCOUNT, GROUPS: no local account (no local name,
 *                              or no passwd entry for it)
 *   SEC_E_UNSUPPORTED_FUNCTION USER_SID, PRIMARY_GROUP_SID, GROUP_SIDS: the
 *                              client's credentials carried no SIDs
 *   SEC_E_INSUFFICIENT_MEMORY
 *
 * Classes: pBuffer points to what each names.  LOCAL_NAME is the name GSS
 * maps the client to (gss_localname), even when no such account exists.
 */
#define GSS_SSPI_TOKEN_INFO_USER_NAME 1         /* SEC_CHAR *: as SECPKG_ATTR_NAMES */
#define GSS_SSPI_TOKEN_INFO_LOCAL_NAME 2        /* SEC_CHAR * */
#define GSS_SSPI_TOKEN_INFO_ACCOUNT 3           /* GSS_SSPI_TOKEN_ACCOUNT */
#define GSS_SSPI_TOKEN_INFO_GROUPS 4            /* GSS_SSPI_TOKEN_GROUPS */
#define GSS_SSPI_TOKEN_INFO_USER_SID 5          /* SEC_CHAR *: "S-1-5-21-...-1106" */
#define GSS_SSPI_TOKEN_INFO_PRIMARY_GROUP_SID 6 /* SEC_CHAR * */
#define GSS_SSPI_TOKEN_INFO_GROUP_SIDS 7        /* GSS_SSPI_TOKEN_SIDS */

typedef struct _GSS_SSPI_TOKEN_ACCOUNT {
    SEC_CHAR *AccountName; /* the passwd entry's name */
    ULONG Uid;             /* uid_t */
    ULONG Gid;             /* gid_t: the primary group */
} GSS_SSPI_TOKEN_ACCOUNT, *PGSS_SSPI_TOKEN_ACCOUNT;

typedef struct _GSS_SSPI_TOKEN_GROUPS {
    ULONG Count;
    ULONG *Gids; /* every group of the account (getgrouplist), the primary one included */
} GSS_SSPI_TOKEN_GROUPS, *PGSS_SSPI_TOKEN_GROUPS;

typedef struct _GSS_SSPI_TOKEN_SIDS {
    ULONG Count;
    SEC_CHAR **Sids; /* one buffer: Count pointers, then the strings; PAC order
                        (GroupIds, ExtraSids, resource groups) */
} GSS_SSPI_TOKEN_SIDS, *PGSS_SSPI_TOKEN_SIDS;

SECURITY_STATUS SEC_ENTRY GssSspiQueryTokenInformation(HANDLE hToken, ULONG ulInfoClass,
                                                       void *pBuffer);
/* SEC_E_OK, or SEC_E_INVALID_HANDLE when hToken is not an open token. */
SECURITY_STATUS SEC_ENTRY GssSspiCloseToken(HANDLE hToken);

/*
 * ImpersonateSecurityContext / RevertSecurityContext change the calling
 * thread only, as on Windows: its effective and filesystem uid and gid and
 * its supplementary groups become those of the local account above (real
 * and saved ids are kept, so that the thread can come back).  The process
 * needs CAP_SETUID and CAP_SETGID (root), unless the account is its own.
 * Errors: SEC_E_INVALID_HANDLE (not an established acceptor context),
 * SEC_E_NO_IMPERSONATION (no local account, or the process may not switch:
 * the thread is left as it was).  Impersonating again while impersonating
 * replaces the identity (a refused second one keeps the first);
 * RevertSecurityContext returns to the thread's own
 * identity, exactly as it was before the first ImpersonateSecurityContext
 * (it accepts the impersonated context's handle even after
 * DeleteSecurityContext, and does nothing on a thread not impersonating).
 */

/*
 * Delegation (the "double hop").  A client that delegates (Kerberos,
 * ISC_REQ_DELEGATE with a forwardable TGT; the acceptor asks
 * ASC_REQ_DELEGATE and reports ASC_RET_DELEGATE only when a usable
 * credential arrived) leaves its TGT in the acceptor context.  As on Windows,
 * while a thread impersonates that context (ImpersonateSecurityContext),
 * AcquireCredentialsHandle(NULL, "Kerberos" or "Negotiate",
 * SECPKG_CRED_OUTBOUND, NULL, NULL, ...) returns the client's credential, so
 * that InitializeSecurityContext to a back end authenticates as the client
 * (a thread impersonating a client who delegated nothing gets
 * SEC_E_NO_CREDENTIALS).  GssSspiAcquireDelegatedCredentialsHandle gives the
 * same credential without impersonating, for servers that cannot switch
 * ids.  The credential lives in a MEMORY: cache of the process (never in a
 * file), destroyed by FreeCredentialsHandle.
 * Errors: SEC_E_INVALID_HANDLE (not an established acceptor context),
 * SEC_E_SECPKG_NOT_FOUND (pszPackage is not "Kerberos" or "Negotiate"),
 * SEC_E_NO_CREDENTIALS (the client delegated nothing), and those of
 * AcquireCredentialsHandle.
 */
SECURITY_STATUS SEC_ENTRY GssSspiAcquireDelegatedCredentialsHandle(PCtxtHandle phContext,
                                                                   const SEC_CHAR *pszPackage,
                                                                   PCredHandle phCredential,
                                                                   PTimeStamp ptsExpiry);

/*
 * Protocol transition and constrained delegation (Kerberos S4U, MS-SFU), for
 * a server that authenticated pszUser by other means (NTLM, a form, a
 * certificate) and calls a Kerberos back end as that user.  From the
 * service's own outbound Kerberos or Negotiate credential (its keytab, e.g.
 * KRB5_CLIENT_KTNAME, with pszPrincipal naming the service), the KDC issues
 * a ticket of pszUser to the service (S4U2Self); InitializeSecurityContext
 * with the returned credential to a back end then asks the KDC for a ticket
 * of pszUser to that back end (S4U2Proxy), which the KDC grants only when
 * the service is allowed to delegate to it.
 * Errors: SEC_E_INVALID_HANDLE, SEC_E_NO_CREDENTIALS (not an outbound
 * Kerberos/Negotiate credential), SEC_E_INVALID_PARAMETER, those of the
 * KDC (SEC_E_LOGON_DENIED for an unknown user).  A KDC that does not allow
 * the delegation (MIT's KDC with the DB2 database never does: constrained
 * delegation needs its LDAP back end's allowed-to-delegate-to lists) makes
 * InitializeSecurityContext to the back end fail with
 * SEC_E_DELEGATION_POLICY.
 */
SECURITY_STATUS SEC_ENTRY GssSspiAcquireCredentialsForUser(PCredHandle phServiceCredential,
                                                           const SEC_CHAR *pszUser,
                                                           PCredHandle phCredential,
                                                           PTimeStamp ptsExpiry);

#ifdef __cplusplus
}
#endif

#endif /* GSS_SSPI_EXTENSIONS_H */
