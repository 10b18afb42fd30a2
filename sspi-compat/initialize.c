/*
 * initialize.c - InitializeSecurityContextA/W over gss_init_sec_context.
 *
 * The target name is an SPN or GSS host-based name (names.c).  Channel
 * bindings may come on any call (Windows callers pass them on the first,
 * with no token); they are kept for later steps, where NTLM needs them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* NTLM needs no target; GSS wants a name, so use this host's. */
static SECURITY_STATUS default_ntlm_target(gss_name_t *out)
{
    char host[256] = "localhost", name[300];
    if (gethostname(host, sizeof(host) - 1) != 0)
        strcpy(host, "localhost");
    host[sizeof(host) - 1] = '\0';
    snprintf(name, sizeof(name), "host@%s", host);
    return name_import_target(name, out);
}

/*
 * ISC_REQ_NO_INTEGRITY: Kerberos then leaves CONF and INTEG out of the
 * authenticator's flags.  MIT offers that only as a credential option, so
 * the context gets a private copy of the credential (export + import) and
 * the option is set there, not on the caller's shared handle.
 */
static SECURITY_STATUS no_integrity_cred(struct sspi_ctx *ctx)
{
    OM_uint32 major, minor, ignored;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER, empty = GSS_C_EMPTY_BUFFER;
    major = gss_export_cred(&minor, ctx->cred->initiator, &token);
    if (!GSS_ERROR(major))
        major = gss_import_cred(&minor, &token, &ctx->own_cred);
    if (token.value != NULL) {
        explicit_bzero(token.value, token.length); /* it holds the session key */
        gss_release_buffer(&ignored, &token);
    }
    if (!GSS_ERROR(major))
        major = gss_set_cred_option(&minor, &ctx->own_cred, GSS_KRB5_CRED_NO_CI_FLAGS_X, &empty);
    if (GSS_ERROR(major)) {
        char *text = status_gss_text(major, minor, &oid_krb5);
        trace("InitializeSecurityContext: ISC_REQ_NO_INTEGRITY: %s", text ? text : "");
        free(text);
        return status_from_gss(major, minor, ROLE_INITIATOR, &oid_krb5);
    }
    return SEC_E_OK;
}

static SECURITY_STATUS new_initiator(struct sspi_ctx **out, PCredHandle phCredential,
                                     const char *target, ULONG req)
{
    SECURITY_STATUS status;
    struct sspi_ctx *ctx = NULL;
    struct sspi_cred *cred = cred_lookup(phCredential);
    if (cred == NULL) {
        trace("InitializeSecurityContext: phCredential is not a credential handle");
        return SEC_E_INVALID_HANDLE;
    }
    if (!(cred->use & SECPKG_CRED_OUTBOUND)) {
        trace("InitializeSecurityContext: the credential was not acquired SECPKG_CRED_OUTBOUND");
        status = SEC_E_NO_CREDENTIALS;
        goto out;
    }
    if (target == NULL && cred->pkg->id != PACKAGE_NTLM) {
        trace("InitializeSecurityContext: %s needs a target name", cred->pkg->name);
        status = SEC_E_TARGET_UNKNOWN;
        goto out;
    }
    status = SEC_E_INSUFFICIENT_MEMORY;
    ctx = context_new(ROLE_INITIATOR, cred);
    if (ctx == NULL)
        goto out;
    status = target ? name_import_target(target, &ctx->target) : default_ntlm_target(&ctx->target);
    if (status != SEC_E_OK)
        goto out;
    ctx->mech = cred->pkg->mech;
    if ((req & ISC_REQ_NO_INTEGRITY) && cred->pkg->id != PACKAGE_NTLM)
        status = no_integrity_cred(ctx);
out:
    cred_unref(cred); /* the context holds its own reference */
    if (status == SEC_E_OK)
        *out = ctx;
    else
        context_put(ctx); /* unpublished: freed */
    return status;
}

static SECURITY_STATUS initialize(PCredHandle phCredential, PCtxtHandle phContext,
                                  const char *target, ULONG fContextReq, PSecBufferDesc pInput,
                                  PCtxtHandle phNewContext, PSecBufferDesc pOutput,
                                  ULONG *pfContextAttr, PTimeStamp ptsExpiry, const char *fn)
{
    OM_uint32 major, minor, flags = 0, time_rec = 0;
    SECURITY_STATUS status;
    struct sspi_ctx *ctx = NULL;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    gss_OID mech = GSS_C_NO_OID;
    struct step_io io = {
        .fn = fn, .phContext = phContext, .phNewContext = phNewContext, .pInput = pInput,
        .pOutput = pOutput, .pfContextAttr = pfContextAttr, .ptsExpiry = ptsExpiry,
        .allocate = (fContextReq & ISC_REQ_ALLOCATE_MEMORY) != 0,
        .extended_error = (fContextReq & ISC_REQ_EXTENDED_ERROR) != 0, .is_new = phContext == NULL,
    };

    /* Windows checks the handles before the buffers. */
    if (io.is_new ? !handle_live(HANDLE_CRED, phCredential) : !handle_live(HANDLE_CTX, phContext)) {
        status = SEC_E_INVALID_HANDLE;
        trace("%s: %s", fn, io.is_new ? "phCredential is not a credential handle"
                                      : "phContext is not a context handle");
        goto early;
    }
    if (pOutput != NULL && !buffers_desc_valid(pOutput)) {
        status = SEC_E_INVALID_PARAMETER;
        trace("%s: pOutput is not a valid SecBufferDesc", fn);
        goto early;
    }
    status = step_check_input(&io, false);
    if (status != SEC_E_OK)
        goto early;
    if (io.is_new) {
        if (phNewContext == NULL) {
            status = SEC_E_INVALID_PARAMETER;
            trace("%s: phNewContext is NULL", fn);
            goto early;
        }
        status = new_initiator(&ctx, phCredential, target, fContextReq);
        if (status != SEC_E_OK)
            goto early;
    } else {
        ctx = context_lookup_role(phContext, ROLE_INITIATOR);
        if (ctx == NULL) {
            status = SEC_E_INVALID_HANDLE;
            trace("%s: phContext is not an initiator context handle", fn);
            goto early;
        }
    }
    ctx->req = fContextReq;
    step_input_token(&io, &in);
    if (!io.is_new && step_serve_pending(ctx, &io, &in, &status))
        return status;
    if (!io.is_new && in.length == 0) {
        trace("%s: a continuation call needs the server's token in pInput", fn);
        return step_fail(ctx, &io, SEC_E_INVALID_TOKEN, 0, 0, NULL);
    }
    status = context_take_bindings(ctx, &io);
    if (status != SEC_E_OK)
        return step_fail(ctx, &io, status, 0, 0, NULL);

    major = gss_init_sec_context(&minor,
                                 ctx->own_cred != GSS_C_NO_CREDENTIAL ? ctx->own_cred
                                                                      : ctx->cred->initiator,
                                 &ctx->gss, ctx->target,
                                 ctx->pkg->mech, flags_isc_req_to_gss(fContextReq),
                                 GSS_C_INDEFINITE, ctx->bindings, &in, &mech, &out, &flags,
                                 &time_rec);
    if (mech != GSS_C_NO_OID)
        ctx->mech = mech;
    if (GSS_ERROR(major))
        return step_fail(ctx, &io, status_from_gss(major, minor, ROLE_INITIATOR, ctx->mech), major, minor,
                         &out);
    ctx->gss_flags = flags_mech_granted(ctx->mech, flags);
    timestamp_from_lifetime(time_rec, &ctx->expiry);
    return step_deliver(ctx, &io, (major & GSS_S_CONTINUE_NEEDED) ? SEC_I_CONTINUE_NEEDED : SEC_E_OK,
                        &in, &out);

early:
    if (pOutput != NULL && buffers_desc_valid(pOutput))
        buffers_clear_token(pOutput);
    trace("%s() = %s (0x%08x)", fn, status_name(status), (unsigned)status);
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY InitializeSecurityContextA(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_CHAR *pszTargetName, ULONG fContextReq,
    ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput, ULONG Reserved2,
    PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    return initialize(phCredential, phContext, pszTargetName, fContextReq, pInput, phNewContext,
                      pOutput, pfContextAttr, ptsExpiry, "InitializeSecurityContextA");
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY InitializeSecurityContextW(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_WCHAR *pszTargetName, ULONG fContextReq,
    ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput, ULONG Reserved2,
    PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    SECURITY_STATUS status;
    char *target = pszTargetName ? utf16_to_utf8(pszTargetName, utf16_len(pszTargetName)) : NULL;
    if (pszTargetName != NULL && target == NULL) {
        trace("InitializeSecurityContextW: target name is not valid UTF-16");
        return SEC_E_TARGET_UNKNOWN;
    }
    status = initialize(phCredential, phContext, target, fContextReq, pInput, phNewContext,
                        pOutput, pfContextAttr, ptsExpiry, "InitializeSecurityContextW");
    free(target);
    return status;
}
