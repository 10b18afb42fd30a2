/*
 * accept.c - AcceptSecurityContext over gss_accept_sec_context.
 *
 * fContextReq is a request: it is recorded, shapes the library-side
 * attributes (allocation, extended errors, connection, stream), and
 * pfContextAttr reports what GSS actually granted; the caller judges it.
 * Only the opt-in strict policy of gss-sspi.h fails a context for a
 * missing attribute (acceptor_policy.c).  The output buffer, retry and
 * failure rules live in context.c (step_*), shared with
 * InitializeSecurityContext.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "gss-sspi-mech.h"
#include "internal.h"
#include "token_frame.h"

/* The token-compatibility layer (common/token_compat.c) on the client's
 * token: *gss_in is what GSS gets, *res owns a rewritten copy.
 * SEC_E_INVALID_TOKEN when a rule refuses the token. */
static SECURITY_STATUS apply_compat(struct sspi_ctx *ctx, const gss_buffer_desc *in,
                                    gss_buffer_desc *gss_in, struct compat_result *res)
{
    *gss_in = *in;
    if (module_present()) /* it applies the layer itself, for every application */
        return SEC_E_OK;
    enum compat_verdict v =
        compat_accept_input(&ctx->compat, "AcceptSecurityContext", in->value, in->length, res);
    if (v == COMPAT_REWRITE) {
        gss_in->value = res->token;
        gss_in->length = res->len;
    }
    return v == COMPAT_REFUSE ? SEC_E_INVALID_TOKEN : SEC_E_OK;
}

static void trace_authenticated(const struct sspi_ctx *ctx)
{
    if (!trace_enabled())
        return;
    char *who = name_to_string(ctx->peer);
    const struct package *used = package_for_mech(ctx->mech);
    char rules[256];
    trace("AcceptSecurityContext: authenticated %s with %s%s%s%s", who ? who : "(unknown)",
          used ? used->name : "(unknown mechanism)",
          ctx->token_form == GSS_SSPI_FORM_SPNEGO ? " inside SPNEGO" : "",
          ctx->compat.fired ? ", compat rules " : "",
          compat_fired_names(&ctx->compat, rules, sizeof(rules)));
    free(who);
}

/* One handshake step on a context this call holds: classify, bind, apply
 * the compatibility layer, call GSS, then deliver or fail (context.c). */
static SECURITY_STATUS accept_step(struct sspi_ctx *ctx, struct step_io *io, gss_buffer_desc *in)
{
    OM_uint32 major, minor, ignored, flags = 0, time_rec = 0;
    SECURITY_STATUS status;
    gss_buffer_desc gss_in, out = GSS_C_EMPTY_BUFFER;
    struct compat_result compat = {0};
    struct token_class cls;
    gss_name_t peer = GSS_C_NO_NAME;
    gss_OID mech = GSS_C_NO_OID;
    gss_cred_id_t delegated = GSS_C_NO_CREDENTIAL;
    char why[320];

    if (in->length == 0) {
        trace("AcceptSecurityContext: pInput holds no SECBUFFER_TOKEN");
        status = step_fail(ctx, io, SEC_E_INVALID_TOKEN, 0, 0, NULL);
        goto out;
    }
    enum token_kind kind = token_classify(in->value, in->length, &cls);
    if (kind == TOKEN_BAD_FRAMING) {
        trace("AcceptSecurityContext: the token's length disagrees with its GSS framing");
        status = step_fail(ctx, io, SEC_E_INVALID_TOKEN, 0, 0, NULL);
        goto out;
    }
    if (io->is_new)
        ctx->token_form = kind == TOKEN_SPNEGO_INIT ? GSS_SSPI_FORM_SPNEGO : GSS_SSPI_FORM_RAW;
    status = context_take_bindings(ctx, io);
    if (status != SEC_E_OK) {
        status = step_fail(ctx, io, status, 0, 0, NULL);
        goto out;
    }
    status = apply_compat(ctx, in, &gss_in, &compat);
    if (status != SEC_E_OK) {
        snprintf(why, sizeof(why), "token refused by the compatibility layer (rule %s): %s",
                 compat.rule, compat.reason);
        io->reason = why; /* recorded by step_fail while it still holds ctx */
        status = step_fail(ctx, io, status, 0, 0, NULL);
        goto out;
    }

    gss_channel_bindings_t bindings =
        ctx->policy.ChannelBindings == GSS_SSPI_CB_POLICY_NONE ? GSS_C_NO_CHANNEL_BINDINGS
                                                              : ctx->bindings;
    io->bindings_passed = bindings != GSS_C_NO_CHANNEL_BINDINGS;
    bool handed = acceptor_policy_hand_over(ctx); /* the module audits what we decide */
    service_tgt_hold(ctx->cred); /* MIT may copy its TGT into an evidence credential */
    major = gss_accept_sec_context(&minor, &ctx->gss, ctx->cred->acceptor, &gss_in, bindings,
                                   &peer, &mech, &out, &flags, &time_rec, &delegated);
    service_tgt_release(ctx->cred);
    if (handed)
        acceptor_policy_take_back();
    compat_result_clear(&compat);
    compat_accept_output(&ctx->compat, out.value, out.length);
    if (mech != GSS_C_NO_OID)
        ctx->mech = mech;
    if (GSS_ERROR(major)) {
        /* workarounds.c refines the generic mapping (step_fail) */
        status = status_from_gss(major, minor, ROLE_ACCEPTOR, ctx->mech);
        if (handed)
            status = acceptor_policy_module_refusal(ctx, major, minor, status);
        status = step_fail(ctx, io, status, major, minor, &out);
        goto out;
    }
    ctx->gss_flags = flags_mech_granted(ctx->mech, flags);
    if (major & GSS_S_CONTINUE_NEEDED) {
        status = step_deliver(ctx, io, SEC_I_CONTINUE_NEEDED, in, &out);
        goto out;
    }
    gss_release_name(&ignored, &ctx->peer);
    ctx->peer = peer;
    peer = GSS_C_NO_NAME;
    gss_release_cred(&ignored, &ctx->delegated);
    ctx->delegated = delegated;
    /* ASC_RET_DELEGATE only for a forwarded TGT (Windows likewise; delegation.c). */
    if (!delegation_forwarded(delegated))
        ctx->gss_flags &= ~(OM_uint32)GSS_C_DELEG_FLAG;
    delegated = GSS_C_NO_CREDENTIAL;
    timestamp_from_lifetime(time_rec, &ctx->expiry);
    status = acceptor_policy_check(ctx);
    if (status != SEC_E_OK) {
        status = step_fail(ctx, io, status, 0, 0, &out);
        goto out;
    }
    trace_authenticated(ctx);
    status = step_deliver(ctx, io, SEC_E_OK, in, &out);
out:
    compat_result_clear(&compat);
    gss_release_name(&ignored, &peer);
    gss_release_cred(&ignored, &delegated);
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput, ULONG fContextReq,
    ULONG TargetDataRep, PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr,
    PTimeStamp ptsExpiry)
{
    SECURITY_STATUS status;
    struct sspi_ctx *ctx = NULL;
    gss_buffer_desc in;
    struct step_io io = {
        .fn = "AcceptSecurityContext", .phContext = phContext, .phNewContext = phNewContext,
        .pInput = pInput, .pOutput = pOutput, .pfContextAttr = pfContextAttr,
        .ptsExpiry = ptsExpiry, .allocate = (fContextReq & ASC_REQ_ALLOCATE_MEMORY) != 0,
        .extended_error = (fContextReq & ASC_REQ_EXTENDED_ERROR) != 0, .is_new = phContext == NULL,
    };

    /* Windows checks the handles before the buffers: a bad credential or
     * context handle is SEC_E_INVALID_HANDLE whatever pInput holds. */
    struct sspi_cred *cred = NULL;
    if (io.is_new) {
        cred = cred_lookup(phCredential);
        if (cred == NULL || phNewContext == NULL) {
            status = cred ? SEC_E_INVALID_PARAMETER : SEC_E_INVALID_HANDLE;
            trace("AcceptSecurityContext: %s", cred ? "phNewContext is NULL"
                                                    : "phCredential is not a credential handle");
            goto early;
        }
        if (!(cred->use & SECPKG_CRED_INBOUND)) {
            status = SEC_E_NO_CREDENTIALS;
            trace("AcceptSecurityContext: the credential was not acquired SECPKG_CRED_INBOUND");
            goto early;
        }
    } else {
        ctx = context_lookup_role(phContext, ROLE_ACCEPTOR);
        if (ctx == NULL) {
            status = SEC_E_INVALID_HANDLE;
            trace("AcceptSecurityContext: phContext is not an acceptor context handle");
            goto early;
        }
    }
    if (pOutput != NULL && !buffers_desc_valid(pOutput)) {
        status = SEC_E_INVALID_PARAMETER;
        trace("AcceptSecurityContext: pOutput is not a valid SecBufferDesc");
        goto early;
    }
    status = step_check_input(&io, true);
    if (status != SEC_E_OK)
        goto early;
    step_input_token(&io, &in);
    if (io.is_new) {
        /* The retry of a first call that ended in SEC_E_BUFFER_TOO_SMALL
         * resumes the context that call produced (retry.c). */
        ctx = retry_resume(cred, &in);
        if (ctx == NULL)
            ctx = context_new(ROLE_ACCEPTOR, cred);
        cred_unref(cred); /* the context holds its own reference */
        cred = NULL;
        if (ctx == NULL) {
            status = SEC_E_INSUFFICIENT_MEMORY;
            goto early;
        }
    }
    ctx->req = fContextReq;
    if (step_serve_pending(ctx, &io, &in, &status))
        goto out;
    status = accept_step(ctx, &io, &in);
    goto out;

early:
    context_put(ctx); /* a looked-up context: this call's hold */
    cred_unref(cred);
    if (pOutput != NULL && buffers_desc_valid(pOutput))
        buffers_clear_token(pOutput);
    trace("AcceptSecurityContext() = %s (0x%08x)", status_name(status), (unsigned)status);
out:
    return status;
}
