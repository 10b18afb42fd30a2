/*
 * credentials.c - AcquireCredentialsHandle, FreeCredentialsHandle,
 * QueryCredentialsAttributes, and our policy extension.
 *
 * An inbound Negotiate credential holds acceptor elements for SPNEGO,
 * Kerberos and NTLMSSP: the mechglue routes each client token by its first
 * bytes (SPNEGO, raw Kerberos, raw NTLMSSP) and then needs an element for
 * that mechanism.  Outbound credentials come from the ccache / NTLM user
 * file by default, or from SEC_WINNT_AUTH_IDENTITY through
 * gss_acquire_cred_with_password.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct sspi_cred *cred_ref(struct sspi_cred *cred)
{
    atomic_fetch_add(&cred->refs, 1);
    return cred;
}

void cred_unref(struct sspi_cred *cred)
{
    OM_uint32 minor;
    if (cred == NULL || atomic_fetch_sub(&cred->refs, 1) != 1)
        return;
    retry_discard(cred);
    gss_release_cred(&minor, &cred->initiator);
    gss_release_cred(&minor, &cred->acceptor);
    delegation_cred_release(cred);
    free(cred->principal);
    explicit_bzero(cred, sizeof(*cred));
    free(cred);
}

static void cred_destroy(void *obj)
{
    cred_unref(obj);
}

struct sspi_cred *cred_lookup(const CredHandle *h)
{
    uint32_t id;
    struct sspi_cred *cred = handle_get(HANDLE_CRED, h, &id);
    if (cred != NULL)
        cred_ref(cred);
    handle_put(id);
    return cred;
}

/* GSS_SSPI_POLICY's two ULONGs (32 bits each, section 3 of DESIGN.md) in
 * the one atomic word of struct sspi_cred: no lock on the accept path, and
 * no reader ever sees one field of the old policy with one of the new. */
static uint64_t policy_pack(const GSS_SSPI_POLICY *p)
{
    return (uint64_t)p->ChannelBindings | (uint64_t)p->StrictRequestedFlags << 32;
}

GSS_SSPI_POLICY cred_policy(const struct sspi_cred *cred)
{
    uint64_t word = atomic_load(&cred->policy);
    return (GSS_SSPI_POLICY){(ULONG)word, (ULONG)(word >> 32)};
}

/* The mechanisms an acceptor credential of each package must cover. */
static gss_OID_set_desc acceptor_mechs(const struct package *pkg, gss_OID_desc storage[3])
{
    switch (pkg->id) {
    case PACKAGE_NEGOTIATE:
        storage[0] = oid_spnego;
        storage[1] = oid_krb5;
        storage[2] = oid_ntlmssp;
        return (gss_OID_set_desc){3, storage};
    default:
        storage[0] = *pkg->mech;
        return (gss_OID_set_desc){1, storage};
    }
}

/* The user name an explicit identity stands for, per package:
 * Kerberos "user@REALM" (a UPN is kept), NTLM "DOMAIN\user". */
static char *identity_name(const struct package *pkg, const struct auth_identity *id)
{
    char *name = NULL;
    if (id->domain == NULL || strchr(id->user, '@') != NULL || strchr(id->user, '\\') != NULL)
        return strdup(id->user);
    if (pkg->id == PACKAGE_NTLM) {
        if (asprintf(&name, "%s\\%s", id->domain, id->user) < 0)
            return NULL;
        return name;
    }
    if (asprintf(&name, "%s@%s", id->user, id->domain) < 0)
        return NULL;
    for (char *p = strchr(name, '@'); *p; p++) /* realms are upper case */
        *p = (char)toupper((unsigned char)*p);
    return name;
}

/* "Kerberos,!NTLM" (SEC_WINNT_AUTH_IDENTITY_EX PackageList) restricts what
 * Negotiate may offer. */
static void apply_package_list(gss_cred_id_t cred, const char *list)
{
    OM_uint32 minor;
    bool allow_krb5 = true, allow_ntlm = true, named_any = false;
    char *copy = strdup(list), *save = NULL;
    if (copy == NULL)
        return;
    for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        bool negated = tok[0] == '!';
        const struct package *pkg = package_find(tok + negated);
        if (pkg == NULL || pkg->id == PACKAGE_NEGOTIATE)
            continue;
        bool *flag = pkg->id == PACKAGE_KERBEROS ? &allow_krb5 : &allow_ntlm;
        if (negated) {
            *flag = false;
        } else if (!named_any) {
            /* The first positive name turns the list into an allow list. */
            named_any = true;
            allow_krb5 = allow_ntlm = false;
            *flag = true;
        } else {
            *flag = true;
        }
    }
    free(copy);
    gss_OID_desc mechs[2];
    gss_OID_set_desc set = {0, mechs};
    if (allow_krb5)
        mechs[set.count++] = oid_krb5;
    if (allow_ntlm)
        mechs[set.count++] = oid_ntlmssp;
    gss_set_neg_mechs(&minor, cred, &set);
    trace("AcquireCredentialsHandle: package list '%s' leaves Kerberos %s, NTLM %s", list,
          allow_krb5 ? "on" : "off", allow_ntlm ? "on" : "off");
}

static SECURITY_STATUS acquire_initiator(struct sspi_cred *cred, const char *principal,
                                         const struct auth_identity *id, OM_uint32 *time_rec)
{
    OM_uint32 major, minor;
    gss_name_t name = GSS_C_NO_NAME;
    char *user = NULL;
    gss_OID_desc mech = *cred->pkg->mech;
    gss_OID_set_desc mechs = {1, &mech};

    if (id != NULL && id->user != NULL)
        user = identity_name(cred->pkg, id);
    else if (principal != NULL)
        user = strdup(principal);
    if (user != NULL) {
        gss_buffer_desc buf = {strlen(user), user};
        major = gss_import_name(&minor, &buf, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(major))
            goto out;
    }
    if (id != NULL && id->password != NULL) {
        gss_buffer_desc pw = {id->password_len, id->password};
        major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs,
                                               GSS_C_INITIATE, &cred->initiator, NULL, time_rec);
        cred->explicit_identity = true;
    } else {
        major = gss_acquire_cred(&minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                 &cred->initiator, NULL, time_rec);
    }
    if (!GSS_ERROR(major) && id != NULL && id->package_list != NULL &&
        cred->pkg->id == PACKAGE_NEGOTIATE)
        apply_package_list(cred->initiator, id->package_list);
out:
    if (GSS_ERROR(major)) {
        char *text = status_gss_text(major, minor, &mech);
        trace("AcquireCredentialsHandle(%s, outbound, %s): %s", cred->pkg->name,
              user ? user : "default", text ? text : "");
        free(text);
    }
    free(user);
    {
        OM_uint32 ignored;
        gss_release_name(&ignored, &name);
    }
    return GSS_ERROR(major) ? status_from_gss(major, minor, ROLE_INITIATOR, &mech) : SEC_E_OK;
}

static SECURITY_STATUS acquire_acceptor(struct sspi_cred *cred, const char *principal)
{
    OM_uint32 major, minor, ignored;
    gss_name_t name = GSS_C_NO_NAME;
    gss_OID_desc storage[3];
    gss_OID_set_desc mechs = acceptor_mechs(cred->pkg, storage);

    if (principal != NULL) {
        SECURITY_STATUS status = name_import_target(principal, &name);
        if (status != SEC_E_OK)
            return status;
    }
    major = delegation_acquire_acceptor(cred, name, &mechs, &minor);
    if (GSS_ERROR(major)) {
        char *text = status_gss_text(major, minor, GSS_C_NO_OID);
        trace("AcquireCredentialsHandle(%s, inbound, %s): %s", cred->pkg->name,
              principal ? principal : "default", text ? text : "");
        free(text);
    }
    gss_release_name(&ignored, &name);
    /* No keytab, no key for the name, no NTLM user source: whatever GSS says,
     * for an acceptor this means there is nothing to accept with. */
    if (GSS_ERROR(major))
        return minor == ENOMEM ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_NO_CREDENTIALS;
    return SEC_E_OK;
}

/* NAMES for a credential: the initiator's principal, else the service name
 * asked for, else the local account, as Windows names the process's user. */
static char *credential_principal(const struct sspi_cred *cred, const char *principal)
{
    OM_uint32 minor;
    gss_name_t name = GSS_C_NO_NAME;
    if (cred->initiator != GSS_C_NO_CREDENTIAL &&
        !GSS_ERROR(gss_inquire_cred(&minor, cred->initiator, &name, NULL, NULL, NULL))) {
        char *s = name_to_string(name);
        gss_release_name(&minor, &name);
        if (s != NULL)
            return s;
    }
    if (principal != NULL)
        return strdup(principal);
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
        return strdup(res->pw_name);
    return strdup("");
}

/* The fCredentialUse bits of sspi.h.  Others (SECPKG_CRED_RESERVED, or
 * 0xFFFFFFFF from an uninitialised variable) are a bad argument:
 * SEC_E_INVALID_PARAMETER, as for a use with neither INBOUND nor OUTBOUND. */
#define CRED_USE_KNOWN                                                                             \
    (SECPKG_CRED_BOTH | SECPKG_CRED_DEFAULT | SECPKG_CRED_AUTOLOGON_RESTRICTED |                   \
     SECPKG_CRED_PROCESS_POLICY_ONLY)

/* The common body of the A and W functions, on UTF-8 strings; src: what
 * delegation.c's extensions ask an outbound default acquire to build. */
static SECURITY_STATUS acquire(const char *fn, const char *principal, const char *package,
                               ULONG use, const void *auth_data,
                               const struct outbound_source *src, PCredHandle phCredential,
                               PTimeStamp ptsExpiry)
{
    SECURITY_STATUS status;
    struct auth_identity id = {0};
    bool have_id = false;
    struct sspi_cred *cred = NULL;
    OM_uint32 time_rec = GSS_C_INDEFINITE;
    const struct package *pkg = package_find(package);

    if (phCredential == NULL) {
        status = SEC_E_INVALID_PARAMETER;
        goto out;
    }
    if (pkg == NULL) {
        status = SEC_E_SECPKG_NOT_FOUND;
        goto out;
    }
    if (use & ~CRED_USE_KNOWN) {
        trace("%s: fCredentialUse 0x%x has bits Windows does not define (0x%x)", fn,
              (unsigned)use, (unsigned)(use & ~CRED_USE_KNOWN));
        status = SEC_E_INVALID_PARAMETER;
        goto out;
    }
    if ((use & SECPKG_CRED_BOTH) == 0) {
        trace("%s: fCredentialUse 0x%x has neither INBOUND nor OUTBOUND", fn, (unsigned)use);
        status = SEC_E_INVALID_PARAMETER;
        goto out;
    }
    if (auth_data != NULL && (use & SECPKG_CRED_OUTBOUND)) {
        status = auth_identity_parse(auth_data, &id);
        if (status != SEC_E_OK)
            goto out;
        have_id = true;
    }
    status = SEC_E_INSUFFICIENT_MEMORY;
    cred = calloc(1, sizeof(*cred));
    if (cred == NULL)
        goto out;
    atomic_init(&cred->refs, 1);
    cred->pkg = pkg;
    cred->use = use & SECPKG_CRED_BOTH;
    cred->initiator = GSS_C_NO_CREDENTIAL;
    cred->acceptor = GSS_C_NO_CREDENTIAL;
    atomic_init(&cred->policy, policy_pack(&(GSS_SSPI_POLICY){GSS_SSPI_CB_POLICY_ALLOW, 0}));
    if (use & SECPKG_CRED_OUTBOUND) {
        /* A client's delegated credential, while impersonating it (delegation.c). */
        status = delegation_initiator(cred, principal == NULL && !have_id, src, &time_rec);
        if (status == SEC_I_CONTINUE_NEEDED)
            status = acquire_initiator(cred, principal, have_id ? &id : NULL, &time_rec);
        if (status != SEC_E_OK)
            goto out;
    }
    if (use & SECPKG_CRED_INBOUND) {
        status = acquire_acceptor(cred, (use & SECPKG_CRED_OUTBOUND) ? NULL : principal);
        if (status != SEC_E_OK)
            goto out;
    }
    status = SEC_E_INSUFFICIENT_MEMORY;
    cred->principal = credential_principal(cred, principal);
    if (cred->principal == NULL)
        goto out;
    timestamp_from_lifetime(time_rec, &cred->expiry);
    status = handle_new(HANDLE_CRED, cred, cred_destroy, false, phCredential, NULL);
    if (status != SEC_E_OK)
        goto out;
    if (ptsExpiry != NULL)
        *ptsExpiry = cred->expiry;
    trace("%s(%s, %s, use=%s%s) = SEC_E_OK, principal %s", fn, pkg->name,
          principal ? principal : "(null)", (use & SECPKG_CRED_INBOUND) ? "INBOUND" : "",
          (use & SECPKG_CRED_OUTBOUND) ? "OUTBOUND" : "", cred->principal);
    cred = NULL;
out:
    if (status != SEC_E_OK)
        trace("%s(%s, %s, use=0x%x) = %s (0x%08x)", fn, package ? package : "(null)",
              principal ? principal : "(null)", (unsigned)use, status_name(status),
              (unsigned)status);
    if (have_id)
        auth_identity_clear(&id);
    if (cred != NULL)
        cred_unref(cred);
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(
    SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage, ULONG fCredentialUse, void *pvLogonId,
    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument, PCredHandle phCredential,
    PTimeStamp ptsExpiry)
{
    return acquire("AcquireCredentialsHandleA", pszPrincipal, pszPackage, fCredentialUse,
                   pAuthData, NULL, phCredential, ptsExpiry);
}

SECURITY_STATUS credentials_acquire_outbound(const char *fn, const char *package,
                                             const struct outbound_source *src,
                                             PCredHandle phCredential, PTimeStamp ptsExpiry)
{
    return acquire(fn, NULL, package, SECPKG_CRED_OUTBOUND, NULL, src, phCredential, ptsExpiry);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(
    SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage, ULONG fCredentialUse, void *pvLogonId,
    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument, PCredHandle phCredential,
    PTimeStamp ptsExpiry)
{
    SECURITY_STATUS status = SEC_E_INVALID_PARAMETER;
    char *principal = pszPrincipal ? utf16_to_utf8(pszPrincipal, utf16_len(pszPrincipal)) : NULL;
    char *package = pszPackage ? utf16_to_utf8(pszPackage, utf16_len(pszPackage)) : NULL;
    if ((pszPrincipal == NULL || principal != NULL) && (pszPackage == NULL || package != NULL))
        status = acquire("AcquireCredentialsHandleW", principal, package, fCredentialUse,
                         pAuthData, NULL, phCredential, ptsExpiry);
    else
        trace("AcquireCredentialsHandleW: a name is not valid UTF-16");
    free(principal);
    free(package);
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential)
{
    /* Contexts and calls still running keep their own references. */
    SECURITY_STATUS status =
        handle_release(HANDLE_CRED, phCredential) ? SEC_E_OK : SEC_E_INVALID_HANDLE;
    trace("FreeCredentialsHandle() = %s", status_name(status));
    return status;
}

static SECURITY_STATUS query_credentials(const char *fn, PCredHandle phCredential,
                                         ULONG ulAttribute, void *pBuffer, bool wide)
{
    SECURITY_STATUS status;
    struct sspi_cred *cred = cred_lookup(phCredential);
    if (cred == NULL) {
        status = SEC_E_INVALID_HANDLE;
    } else if (pBuffer == NULL) {
        status = SEC_E_INVALID_PARAMETER;
    } else if (ulAttribute != SECPKG_CRED_ATTR_NAMES) {
        status = SEC_E_UNSUPPORTED_FUNCTION;
    } else if (wide) {
        size_t units;
        SEC_WCHAR *w = utf8_to_utf16(cred->principal, &units);
        SEC_WCHAR *out = w ? context_buffer_alloc((units + 1) * sizeof(SEC_WCHAR)) : NULL;
        if (out != NULL)
            memcpy(out, w, (units + 1) * sizeof(SEC_WCHAR));
        free(w);
        ((PSecPkgCredentials_NamesW)pBuffer)->sUserName = out;
        status = out ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
    } else {
        size_t len = strlen(cred->principal) + 1;
        char *out = context_buffer_alloc(len);
        if (out != NULL)
            memcpy(out, cred->principal, len);
        ((PSecPkgCredentials_NamesA)pBuffer)->sUserName = out;
        status = out ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
    }
    cred_unref(cred);
    trace("%s(attr=%u) = %s", fn, (unsigned)ulAttribute, status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesA(PCredHandle phCredential,
                                                                  ULONG ulAttribute, void *pBuffer)
{
    return query_credentials("QueryCredentialsAttributesA", phCredential, ulAttribute, pBuffer,
                             false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesW(PCredHandle phCredential,
                                                                  ULONG ulAttribute, void *pBuffer)
{
    return query_credentials("QueryCredentialsAttributesW", phCredential, ulAttribute, pBuffer,
                             true);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY GssSspiSetCredentialsPolicy(PCredHandle phCredential,
                                                                  const GSS_SSPI_POLICY *pPolicy)
{
    SECURITY_STATUS status = SEC_E_OK;
    struct sspi_cred *cred = cred_lookup(phCredential);
    if (cred == NULL)
        status = SEC_E_INVALID_HANDLE;
    else if (pPolicy == NULL || pPolicy->ChannelBindings > GSS_SSPI_CB_POLICY_REQUIRE)
        status = SEC_E_INVALID_PARAMETER;
    else /* for the contexts created from now on (context_new) */
        atomic_store(&cred->policy, policy_pack(pPolicy));
    cred_unref(cred);
    trace("GssSspiSetCredentialsPolicy(cb=%u, strict=%u) = %s",
          pPolicy ? (unsigned)pPolicy->ChannelBindings : 0,
          pPolicy ? (unsigned)pPolicy->StrictRequestedFlags : 0, status_name(status));
    return status;
}
