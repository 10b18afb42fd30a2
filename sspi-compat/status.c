/*
 * status.c - GSS major/minor status to SECURITY_STATUS (DESIGN section 4).
 *
 * The routine error picks a row of the major table; FAILURE and NO_CRED are
 * refined by the mechanism's minor code (Kerberos, gss-ntlmssp, errno).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>

#include "internal.h"
#include "status_text.h"
#include "gss-sspi-mech.h"
#include "ntlm_errors.h"

struct major_row {
    OM_uint32 routine;
    SECURITY_STATUS acceptor, initiator;
};

static const struct major_row major_table[] = {
    {GSS_S_BAD_MECH, SEC_E_SECPKG_NOT_FOUND, SEC_E_SECPKG_NOT_FOUND},
    {GSS_S_BAD_NAME, SEC_E_TARGET_UNKNOWN, SEC_E_TARGET_UNKNOWN},
    {GSS_S_BAD_NAMETYPE, SEC_E_TARGET_UNKNOWN, SEC_E_TARGET_UNKNOWN},
    {GSS_S_BAD_BINDINGS, SEC_E_BAD_BINDINGS, SEC_E_BAD_BINDINGS},
    {GSS_S_BAD_STATUS, SEC_E_INTERNAL_ERROR, SEC_E_INTERNAL_ERROR},
    {GSS_S_BAD_SIG, SEC_E_MESSAGE_ALTERED, SEC_E_MESSAGE_ALTERED},
    {GSS_S_NO_CRED, SEC_E_NO_CREDENTIALS, SEC_E_NO_CREDENTIALS},
    {GSS_S_NO_CONTEXT, SEC_E_INVALID_HANDLE, SEC_E_INVALID_HANDLE},
    {GSS_S_DEFECTIVE_TOKEN, SEC_E_INVALID_TOKEN, SEC_E_INVALID_TOKEN},
    {GSS_S_DEFECTIVE_CREDENTIAL, SEC_E_LOGON_DENIED, SEC_E_LOGON_DENIED},
    {GSS_S_CREDENTIALS_EXPIRED, SEC_E_CONTEXT_EXPIRED, SEC_E_NO_CREDENTIALS},
    {GSS_S_CONTEXT_EXPIRED, SEC_E_CONTEXT_EXPIRED, SEC_E_CONTEXT_EXPIRED},
    {GSS_S_FAILURE, SEC_E_INTERNAL_ERROR, SEC_E_INTERNAL_ERROR},
    {GSS_S_BAD_QOP, SEC_E_QOP_NOT_SUPPORTED, SEC_E_QOP_NOT_SUPPORTED},
    {GSS_S_UNAUTHORIZED, SEC_E_LOGON_DENIED, SEC_E_LOGON_DENIED},
    {GSS_S_UNAVAILABLE, SEC_E_UNSUPPORTED_FUNCTION, SEC_E_UNSUPPORTED_FUNCTION},
    {GSS_S_DUPLICATE_ELEMENT, SEC_E_INTERNAL_ERROR, SEC_E_INTERNAL_ERROR},
    {GSS_S_NAME_NOT_MN, SEC_E_INTERNAL_ERROR, SEC_E_INTERNAL_ERROR},
};

/* Minor codes that say more than the major (Kerberos and gss-ntlmssp). */
#define NTLM_ERR(n) (0x4E540000u + (n)) /* gss-ntlmssp's error space, 'NT00' */
struct minor_row {
    OM_uint32 minor;
    SECURITY_STATUS status;
    SECURITY_STATUS initiator; /* 0: same as status */
};

static const struct minor_row minor_table[] = {
    {(OM_uint32)KRB5KRB_AP_ERR_SKEW, SEC_E_TIME_SKEW, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_TKT_EXPIRED, SEC_E_CONTEXT_EXPIRED, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_MODIFIED, SEC_E_LOGON_DENIED, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY, SEC_E_LOGON_DENIED, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_REPEAT, SEC_E_INVALID_TOKEN, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_BADKEYVER, SEC_E_NO_KERB_KEY, 0},
    {(OM_uint32)KRB5_KT_KVNONOTFOUND, SEC_E_NO_KERB_KEY, 0},
    {(OM_uint32)KRB5_KT_NOTFOUND, SEC_E_NO_KERB_KEY, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_NOKEY, SEC_E_NO_KERB_KEY, 0},
    /* MIT's NOT_US: no key in the keytab for the ticket's server ("Request
     * ticket server ... not found in keytab"), or one this credential may
     * not use.  The acceptor lacks a key; a client told so by a KRB-ERROR
     * hears what Windows clients hear: the target name is wrong. */
    {(OM_uint32)KRB5KRB_AP_ERR_NOT_US, SEC_E_NO_KERB_KEY, SEC_E_WRONG_PRINCIPAL},
    {(OM_uint32)KRB5KRB_AP_WRONG_PRINC, SEC_E_WRONG_PRINCIPAL, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_TKT_NYV, SEC_E_INVALID_TOKEN, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_MUT_FAIL, SEC_E_MUTUAL_AUTH_FAILED, 0},
    {(OM_uint32)KRB5KRB_AP_ERR_BADSEQ, SEC_E_OUT_OF_SEQUENCE, 0},
    {(OM_uint32)KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, SEC_E_TARGET_UNKNOWN, 0},
    {(OM_uint32)KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, SEC_E_LOGON_DENIED, 0},
    {(OM_uint32)KRB5KDC_ERR_PREAUTH_FAILED, SEC_E_LOGON_DENIED, 0},
    /* An initiator asks for no option a KDC refuses but constrained delegation
     * (S4U2Proxy: the service may not delegate to that target, or MIT's DB2
     * database, which has no delegation lists). */
    {(OM_uint32)KRB5KDC_ERR_BADOPTION, SEC_E_DELEGATION_POLICY, 0},
    {(OM_uint32)KRB5_KDC_UNREACH, SEC_E_NO_AUTHENTICATING_AUTHORITY, 0},
    {(OM_uint32)KRB5_REALM_UNKNOWN, SEC_E_NO_AUTHENTICATING_AUTHORITY, 0},
    {(OM_uint32)KRB5_REALM_CANT_RESOLVE, SEC_E_NO_AUTHENTICATING_AUTHORITY, 0},
    {(OM_uint32)KRB5_FCC_NOFILE, SEC_E_NO_CREDENTIALS, 0},
    {(OM_uint32)KRB5_CC_NOTFOUND, SEC_E_NO_CREDENTIALS, 0},
    {(OM_uint32)ENOMEM, SEC_E_INSUFFICIENT_MEMORY, 0},
    {NTLM_ERR(1) /* DECODE */, SEC_E_INVALID_TOKEN, 0},
    {NTLM_ERR(13) /* WRONGMSG */, SEC_E_INVALID_TOKEN, 0},
    {NTLM_ERR(20) /* NOTOKEN */, SEC_E_INVALID_TOKEN, 0},
    {NTLM_ERR(24) /* NOBINDINGS */, SEC_E_BAD_BINDINGS, 0},
    {NTLM_ERR(25) /* TIMESKEW */, SEC_E_TIME_SKEW, 0},
    {NTLM_ERR(26) /* EXPIRED */, SEC_E_CONTEXT_EXPIRED, 0},
    {NTLM_ERR(28) /* NONTLMV1 */, SEC_E_LOGON_DENIED, 0},
    {NTLM_ERR(29) /* NOUSRFOUND */, SEC_E_LOGON_DENIED, SEC_E_NO_CREDENTIALS},
};

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))


bool status_known_minor(size_t i, OM_uint32 *code)
{
    if (i >= ROWS(minor_table))
        return false;
    *code = minor_table[i].minor;
    return true;
}

SECURITY_STATUS status_from_gss(OM_uint32 major, OM_uint32 minor, enum gss_role role,
                                gss_const_OID mech)
{
    OM_uint32 routine = GSS_ROUTINE_ERROR(major);
    SECURITY_STATUS status = SEC_E_INTERNAL_ERROR;

    if (routine == 0) {
        if (GSS_SUPPLEMENTARY_INFO(major) & (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN))
            return SEC_E_INVALID_TOKEN; /* replay */
        if (GSS_SUPPLEMENTARY_INFO(major) & (GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN))
            return SEC_E_OUT_OF_SEQUENCE;
        if (GSS_CALLING_ERROR(major))
            return SEC_E_INVALID_PARAMETER;
        return (major & GSS_S_CONTINUE_NEEDED) ? SEC_I_CONTINUE_NEEDED : SEC_E_OK;
    }
    for (size_t i = 0; i < ROWS(major_table); i++)
        if (major_table[i].routine == routine) {
            status = role == ROLE_ACCEPTOR ? major_table[i].acceptor : major_table[i].initiator;
            break;
        }
    /* The minor says more for generic failures and for missing keys; for
     * the others the major is already precise. */
    if (routine != GSS_S_FAILURE && routine != GSS_S_NO_CRED && routine != GSS_S_DEFECTIVE_TOKEN &&
        routine != GSS_S_DEFECTIVE_CREDENTIAL && routine != GSS_S_UNAUTHORIZED)
        return status;
    minor = status_mech_minor(major, minor);
    /* Inside SPNEGO, or before the mechanism is known, it may be NTLM too:
     * Kerberos minors are never this small. */
    bool maybe_ntlm =
        mech == GSS_C_NO_OID || oid_equal(mech, &oid_ntlmssp) || oid_equal(mech, &oid_spnego);
    if (role == ROLE_ACCEPTOR && maybe_ntlm) {
        const struct ntlm_errno_meaning *m = ntlm_errno_meaning(major, minor);
        if (m != NULL)
            return m->status;
    }
    for (size_t i = 0; i < ROWS(minor_table); i++)
        if (minor_table[i].minor == minor) {
            if (role == ROLE_INITIATOR && minor_table[i].initiator != 0)
                return minor_table[i].initiator;
            return minor_table[i].status;
        }
    return status;
}

static const struct {
    SECURITY_STATUS status;
    const char *name;
} status_names[] = {
#define S(x) {x, #x}
    S(SEC_E_OK), S(SEC_I_CONTINUE_NEEDED), S(SEC_I_COMPLETE_NEEDED),
    S(SEC_I_COMPLETE_AND_CONTINUE), S(SEC_E_INSUFFICIENT_MEMORY), S(SEC_E_INVALID_HANDLE),
    S(SEC_E_UNSUPPORTED_FUNCTION), S(SEC_E_TARGET_UNKNOWN), S(SEC_E_INTERNAL_ERROR),
    S(SEC_E_SECPKG_NOT_FOUND), S(SEC_E_NOT_OWNER), S(SEC_E_CANNOT_INSTALL),
    S(SEC_E_INVALID_TOKEN), S(SEC_E_CANNOT_PACK), S(SEC_E_QOP_NOT_SUPPORTED),
    S(SEC_E_NO_IMPERSONATION), S(SEC_E_LOGON_DENIED), S(SEC_E_UNKNOWN_CREDENTIALS),
    S(SEC_E_NO_CREDENTIALS), S(SEC_E_MESSAGE_ALTERED), S(SEC_E_OUT_OF_SEQUENCE),
    S(SEC_E_NO_AUTHENTICATING_AUTHORITY), S(SEC_E_CONTEXT_EXPIRED), S(SEC_E_INCOMPLETE_MESSAGE),
    S(SEC_E_BUFFER_TOO_SMALL), S(SEC_E_WRONG_PRINCIPAL), S(SEC_E_TIME_SKEW),
    S(SEC_E_WRONG_CREDENTIAL_HANDLE), S(SEC_E_BAD_BINDINGS), S(SEC_E_NO_KERB_KEY),
    S(SEC_E_INVALID_PARAMETER), S(SEC_E_MUTUAL_AUTH_FAILED), S(SEC_E_NO_CONTEXT),
    S(SEC_E_DECRYPT_FAILURE), S(SEC_E_ENCRYPT_FAILURE), S(SEC_I_CONTEXT_EXPIRED),
    S(SEC_E_DELEGATION_POLICY),
#undef S
};

const char *status_name(SECURITY_STATUS status)
{
    for (size_t i = 0; i < ROWS(status_names); i++)
        if (status_names[i].status == status)
            return status_names[i].name;
    return "SEC_E_(unknown)";
}

/* What gss-ntlmssp's errno minor of a failed acceptor step means. */
static const char *ntlm_errno_text(OM_uint32 major, OM_uint32 minor, gss_const_OID mech)
{
    bool maybe_ntlm =
        mech == GSS_C_NO_OID || oid_equal(mech, &oid_ntlmssp) || oid_equal(mech, &oid_spnego);
    if (!maybe_ntlm || !GSS_ERROR(major))
        return NULL;
    const struct ntlm_errno_meaning *m = ntlm_errno_meaning(major, status_mech_minor(major, minor));
    return m ? m->text : NULL;
}

char *status_gss_text(OM_uint32 major, OM_uint32 minor, gss_const_OID mech)
{
    char *buf = NULL;
    size_t len = 0;
    const char *ntlm = ntlm_errno_text(major, minor, mech);
    if (GSS_ERROR(major))
        status_text_append(&buf, &len, major, GSS_C_GSS_CODE, GSS_C_NO_OID);
    if (ntlm != NULL) {
        char *joined = NULL;
        if (asprintf(&joined, "%s%s%s", buf ? buf : "", buf ? "; " : "", ntlm) > 0) {
            free(buf);
            buf = joined;
        }
    } else if (!status_minor_says_nothing(minor)) {
        status_text_append(&buf, &len, minor, GSS_C_MECH_CODE, mech);
    }
    if (buf == NULL)
        buf = strdup("");
    return buf;
}
