/*
 * delegation.c - the "double hop": a server acts as its client towards a
 * back end, with the Kerberos TGT the client delegated (ISC_REQ_DELEGATE,
 * a forwardable ticket; the acceptor context then holds it).
 *
 * As on Windows, a thread that impersonates the client's context gets the
 * client's credential from AcquireCredentialsHandle(NULL, "Kerberos" or
 * "Negotiate", SECPKG_CRED_OUTBOUND, no principal, no auth data); and
 * GssSspiAcquireDelegatedCredentialsHandle (gss-sspi.h) gives it without
 * impersonating, for servers that cannot switch ids.  A thread that
 * impersonates a client who delegated nothing gets SEC_E_NO_CREDENTIALS,
 * not the server's own credential (Windows has none for such a logon).
 *
 * The credential is copied into a MEMORY: credential cache of this process
 * (never a file another user could read), which the credential handle owns
 * and destroys when it goes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <pthread.h>

#include "internal.h"

static atomic_uint ccache_serial;

/* The context whose delegated credential an outbound default acquire uses:
 * the caller's, else the one the thread impersonates. */
static bool delegation_source(const struct outbound_source *src, CtxtHandle *out)
{
    if (src != NULL && src->context != NULL) {
        *out = *src->context;
        return true;
    }
    return impersonation_context(out);
}

/* cred->initiator from delegated, through a fresh MEMORY: cache. */
static SECURITY_STATUS copy_delegated(struct sspi_cred *cred, gss_cred_id_t delegated,
                                      OM_uint32 *time_rec)
{
    OM_uint32 major, minor;
    char name[96];
    snprintf(name, sizeof(name), "MEMORY:gss-sspi-delegated-%p-%u", (void *)cred,
             atomic_fetch_add(&ccache_serial, 1));
    gss_key_value_element_desc element = {"ccache", name};
    gss_key_value_set_desc store = {1, &element};
    gss_OID_desc mech = *cred->pkg->mech, krb5 = oid_krb5;
    gss_OID_set_desc mechs = {1, &mech}, only_krb5 = {1, &krb5};

    cred->delegated_ccache = strdup(name);
    if (cred->delegated_ccache == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    major = gss_store_cred_into(&minor, delegated, GSS_C_INITIATE, &oid_krb5, 1, 0, &store, NULL,
                                NULL);
    if (!GSS_ERROR(major))
        major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                      GSS_C_INITIATE, &store, &cred->initiator, NULL, time_rec);
    /* The client delegated a Kerberos ticket: Negotiate offers Kerberos only. */
    if (!GSS_ERROR(major) && cred->pkg->id == PACKAGE_NEGOTIATE)
        major = gss_set_neg_mechs(&minor, cred->initiator, &only_krb5);
    if (GSS_ERROR(major)) {
        char *text = status_gss_text(major, minor, &oid_krb5);
        trace("AcquireCredentialsHandle: the delegated credential cannot be used: %s",
              text ? text : "");
        free(text);
        return status_from_gss(major, minor, ROLE_INITIATOR, &oid_krb5);
    }
    return SEC_E_OK;
}

/* Protocol transition (S4U2Self): a ticket of user to the service itself,
 * obtained with the service's own credential; used towards a back end it
 * becomes constrained delegation (S4U2Proxy), which the KDC decides. */
static SECURITY_STATUS acquire_for_user(struct sspi_cred *cred,
                                        const struct outbound_source *src, OM_uint32 *time_rec)
{
    OM_uint32 major, minor, ignored;
    gss_name_t name = GSS_C_NO_NAME;
    gss_OID_desc mech = *cred->pkg->mech;
    gss_OID_set_desc mechs = {1, &mech};
    gss_buffer_desc buf = {strlen(src->user), (void *)src->user};
    major = gss_import_name(&minor, &buf, GSS_C_NT_USER_NAME, &name);
    if (!GSS_ERROR(major))
        major = gss_acquire_cred_impersonate_name(&minor, src->service->initiator, name,
                                                  GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                                  &cred->initiator, NULL, time_rec);
    gss_release_name(&ignored, &name);
    if (GSS_ERROR(major)) {
        char *text = status_gss_text(major, minor, &oid_krb5);
        trace("GssSspiAcquireCredentialsForUser(%s): protocol transition (S4U2Self) refused: %s",
              src->user, text ? text : "");
        free(text);
        return status_from_gss(major, minor, ROLE_INITIATOR, &oid_krb5);
    }
    return SEC_E_OK;
}

SECURITY_STATUS delegation_initiator(struct sspi_cred *cred, bool default_identity,
                                     const struct outbound_source *src, OM_uint32 *time_rec)
{
    CtxtHandle h;
    const char *why;
    bool explicit_source = src != NULL && src->context != NULL;
    if (default_identity && src != NULL && src->user != NULL)
        return acquire_for_user(cred, src, time_rec);
    if (!default_identity || cred->pkg->id == PACKAGE_NTLM || !delegation_source(src, &h))
        return SEC_I_CONTINUE_NEEDED; /* not ours: the ordinary acquire */
    struct sspi_ctx *ctx = identity_acceptor_context(&h, &why);
    if (ctx == NULL) {
        trace("AcquireCredentialsHandle: the context to take a delegated credential from is %s",
              why);
        return explicit_source ? SEC_E_INVALID_HANDLE : SEC_E_NO_CREDENTIALS;
    }
    SECURITY_STATUS status = SEC_E_NO_CREDENTIALS;
    if (ctx->delegated == GSS_C_NO_CREDENTIAL)
        trace("AcquireCredentialsHandle: the client of the %s context delegated no credential",
              explicit_source ? "given" : "impersonated");
    else
        status = copy_delegated(cred, ctx->delegated, time_rec);
    context_put(ctx);
    return status;
}

/* MIT's GSS_KRB5_GET_CRED_IMPERSONATOR (not in its public headers). */
static gss_OID_desc oid_get_cred_impersonator = {
    11, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0e"};

/* An acceptor credential of usage BOTH whose Kerberos TGT goes to the
 * credential's own MEMORY: cache.  Not through a credential store: MIT's
 * SPNEGO hands its store to every mechanism it acquires for (1.20
 * spnego_mech.c, get_available_mechs), and gss-ntlmssp 1.2.0 makes a store
 * without a server name into a user credential (gss_creds.c,
 * get_creds_from_store), which its acceptor refuses (ERR_NOSRVCRED).
 * With no store and no user name it turns BOTH into its ordinary acceptor
 * credential.  So the cache is named by gss_krb5_ccache_name, which MIT
 * keeps per thread, on a thread of our own: the setting dies with it and
 * the caller's thread keeps whatever it had.  MIT reads the client keytab
 * (KRB5_CLIENT_KTNAME) itself. */
struct both_acquire {
    struct sspi_cred *cred;
    gss_name_t name;
    gss_OID_set mechs;
    OM_uint32 major, minor;
    char *text; /* why it failed, read on this thread (MIT keeps it per thread) */
};

static void *acquire_both(void *arg)
{
    struct both_acquire *a = arg;
    a->major = gss_krb5_ccache_name(&a->minor, a->cred->delegated_ccache, NULL);
    if (!GSS_ERROR(a->major))
        a->major = gss_acquire_cred(&a->minor, a->name, GSS_C_INDEFINITE, a->mechs, GSS_C_BOTH,
                                    &a->cred->acceptor, NULL, NULL);
    if (GSS_ERROR(a->major))
        a->text = status_gss_text(a->major, a->minor, &oid_krb5);
    return NULL;
}

/* The mechglue succeeds if any mechanism does: a credential without a
 * Kerberos element of both usages (NTLM alone took it) would lose
 * Kerberos, so it is not the one asked for. */
static bool kerberos_both(gss_cred_id_t cred)
{
    OM_uint32 minor;
    gss_cred_usage_t usage = GSS_C_ACCEPT;
    return !GSS_ERROR(gss_inquire_cred_by_mech(&minor, cred, &oid_krb5, NULL, NULL, NULL, &usage)) &&
           usage == GSS_C_BOTH;
}

/* Constrained delegation without a forwarded TGT, as Windows does it: MIT's
 * acceptor, when its credential also holds the service's own TGT (usage
 * GSS_C_BOTH), hands back the client's service ticket as an "impersonator"
 * credential, with which InitializeSecurityContext asks the KDC for
 * S4U2Proxy.  The service gets its TGT with its client keytab
 * (KRB5_CLIENT_KTNAME), kept in a MEMORY: cache of this credential, never
 * in the user's cache, and current (service_tgt.c); without one, or for NTLM, the acceptor is
 * accept-only, as before. */
OM_uint32 delegation_acquire_acceptor(struct sspi_cred *cred, gss_name_t name,
                                      gss_OID_set mechs, OM_uint32 *minor)
{
    OM_uint32 major = GSS_S_NO_CRED, ignored;
    const char *client_keytab = secure_getenv("KRB5_CLIENT_KTNAME");
    if (cred->pkg->id != PACKAGE_NTLM && client_keytab != NULL && client_keytab[0] != '\0') {
        char ccache[96];
        snprintf(ccache, sizeof(ccache), "MEMORY:gss-sspi-acceptor-%p-%u", (void *)cred,
                 atomic_fetch_add(&ccache_serial, 1));
        cred->delegated_ccache = strdup(ccache);
        if (cred->delegated_ccache == NULL) {
            *minor = ENOMEM;
            return GSS_S_FAILURE;
        }
        struct both_acquire a = {cred, name, mechs, GSS_S_FAILURE, 0, NULL};
        pthread_t worker;
        int err = pthread_create(&worker, NULL, acquire_both, &a);
        if (err == 0)
            pthread_join(worker, NULL);
        else
            a.minor = (OM_uint32)err;
        major = a.major;
        *minor = a.minor;
        if (!GSS_ERROR(major) && !kerberos_both(cred->acceptor)) {
            gss_release_cred(&ignored, &cred->acceptor);
            major = GSS_S_NO_CRED;
        }
        if (GSS_ERROR(major)) {
            trace("AcquireCredentialsHandle(%s, inbound): no TGT of the service from %s, so no "
                  "constrained delegation from service tickets: %s",
                  cred->pkg->name, client_keytab,
                  a.text ? a.text : err ? strerror(err) : "no Kerberos element of both usages");
            delegation_cred_release(cred);
        } else {
            service_tgt_start(cred);
        }
        free(a.text);
    }
    if (GSS_ERROR(major))
        major = gss_acquire_cred(minor, name, GSS_C_INDEFINITE, mechs, GSS_C_ACCEPT,
                                 &cred->acceptor, NULL, NULL);
    return major;
}

bool delegation_forwarded(gss_cred_id_t delegated)
{
    OM_uint32 major, minor;
    gss_buffer_set_t impersonator = GSS_C_NO_BUFFER_SET;
    if (delegated == GSS_C_NO_CREDENTIAL)
        return false;
    major = gss_inquire_cred_by_oid(&minor, delegated, &oid_get_cred_impersonator,
                                    &impersonator);
    bool evidence = !GSS_ERROR(major) && impersonator != GSS_C_NO_BUFFER_SET &&
                    impersonator->count > 0 && impersonator->elements[0].length > 0;
    gss_release_buffer_set(&minor, &impersonator);
    return !evidence;
}

void delegation_cred_release(struct sspi_cred *cred)
{
    krb5_context kctx;
    krb5_ccache cc;
    service_tgt_stop(cred);
    if (cred->delegated_ccache == NULL)
        return;
    if (krb5_init_context(&kctx) == 0) {
        if (krb5_cc_resolve(kctx, cred->delegated_ccache, &cc) == 0)
            krb5_cc_destroy(kctx, cc); /* wipes the tickets and their keys */
        krb5_free_context(kctx);
    }
    free(cred->delegated_ccache);
    cred->delegated_ccache = NULL;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY GssSspiAcquireDelegatedCredentialsHandle(
    PCtxtHandle phContext, const SEC_CHAR *pszPackage, PCredHandle phCredential,
    PTimeStamp ptsExpiry)
{
    SECURITY_STATUS status;
    const char *why;
    const struct package *pkg = pszPackage ? package_find(pszPackage) : NULL;
    /* Only its validity here: the acquire below looks the context up again. */
    struct sspi_ctx *ctx = identity_acceptor_context(phContext, &why);
    context_put(ctx);
    if (ctx == NULL) {
        trace("GssSspiAcquireDelegatedCredentialsHandle: phContext is %s", why);
        status = SEC_E_INVALID_HANDLE;
    } else if (pkg == NULL || pkg->id == PACKAGE_NTLM) {
        trace("GssSspiAcquireDelegatedCredentialsHandle: package %s cannot carry a delegated "
              "credential (Kerberos or Negotiate)",
              pszPackage ? pszPackage : "(null)");
        status = SEC_E_SECPKG_NOT_FOUND;
    } else {
        struct outbound_source src = {.context = phContext};
        status = credentials_acquire_outbound("GssSspiAcquireDelegatedCredentialsHandle",
                                              pszPackage, &src, phCredential, ptsExpiry);
    }
    trace("GssSspiAcquireDelegatedCredentialsHandle() = %s", status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY GssSspiAcquireCredentialsForUser(
    PCredHandle phServiceCredential, const SEC_CHAR *pszUser, PCredHandle phCredential,
    PTimeStamp ptsExpiry)
{
    SECURITY_STATUS status;
    struct sspi_cred *service = cred_lookup(phServiceCredential);
    if (service == NULL) {
        trace("GssSspiAcquireCredentialsForUser: phServiceCredential is not a credential handle");
        status = SEC_E_INVALID_HANDLE;
    } else if (!(service->use & SECPKG_CRED_OUTBOUND) || service->pkg->id == PACKAGE_NTLM) {
        trace("GssSspiAcquireCredentialsForUser: the service credential must be an outbound "
              "Kerberos or Negotiate one");
        status = SEC_E_NO_CREDENTIALS;
    } else if (pszUser == NULL || pszUser[0] == '\0') {
        status = SEC_E_INVALID_PARAMETER;
    } else {
        /* The lookup's reference keeps the service credential for the call. */
        struct outbound_source src = {.service = service, .user = pszUser};
        status = credentials_acquire_outbound("GssSspiAcquireCredentialsForUser",
                                              service->pkg->name, &src, phCredential, ptsExpiry);
    }
    cred_unref(service); /* the lookup's reference */
    trace("GssSspiAcquireCredentialsForUser() = %s", status_name(status));
    return status;
}
