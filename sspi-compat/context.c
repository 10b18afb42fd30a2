/*
 * context.c - the security context object and the steps shared by
 * AcceptSecurityContext and InitializeSecurityContext: input token, output
 * token (allocated or copied, kept back on SEC_E_BUFFER_TOO_SMALL for a
 * retry), attributes, expiry, handle publication, failure records.
 * Also DeleteSecurityContext, CompleteAuthToken and ApplyControlToken.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sspi_ctx *context_new(enum gss_role role, struct sspi_cred *cred)
{
    struct sspi_ctx *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return NULL;
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        free(ctx);
        return NULL;
    }
    pthread_mutex_lock(&ctx->lock);
    ctx->role = role;
    ctx->cred = cred_ref(cred);
    ctx->pkg = cred->pkg;
    ctx->policy = cred_policy(cred);
    ctx->gss = GSS_C_NO_CONTEXT;
    ctx->target = GSS_C_NO_NAME;
    ctx->peer = GSS_C_NO_NAME;
    ctx->delegated = GSS_C_NO_CREDENTIAL;
    ctx->own_cred = GSS_C_NO_CREDENTIAL;
    timestamp_from_time(time(NULL), &ctx->start);
    return ctx;
}

static void release_buffer(gss_buffer_desc *buf)
{
    free(buf->value);
    buf->value = NULL;
    buf->length = 0;
}

/* The last reference is gone: nobody holds the lock. */
void context_free(struct sspi_ctx *ctx)
{
    OM_uint32 minor;
    if (ctx == NULL)
        return;
    /* Names and credentials before the GSS context: MIT releases a krb5
     * name or credential through a krb5 context of its own, which re-reads
     * krb5.conf when no other krb5 context is alive; while ours lives, the
     * parsed file is shared.  (A sequential server paid 1.12x raw GSS per
     * connection the other way round: bench/, make bench.) */
    gss_release_name(&minor, &ctx->target);
    gss_release_name(&minor, &ctx->peer);
    gss_release_cred(&minor, &ctx->delegated);
    gss_release_cred(&minor, &ctx->own_cred);
    cred_unref(ctx->cred);
    if (ctx->gss != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &ctx->gss, GSS_C_NO_BUFFER);
    release_buffer(&ctx->pending_out);
    release_buffer(&ctx->pending_in);
    free(ctx->bindings);
    free(ctx->last_text);
    pthread_mutex_destroy(&ctx->lock);
    explicit_bzero(ctx, sizeof(*ctx));
    free(ctx);
}

static void context_destroy(void *obj)
{
    context_free(obj);
}

SECURITY_STATUS context_publish(struct sspi_ctx *ctx, PCtxtHandle out)
{
    return handle_new(HANDLE_CTX, ctx, context_destroy, true, out, &ctx->handle_id);
}

struct sspi_ctx *context_lookup(const CtxtHandle *h)
{
    uint32_t id;
    struct sspi_ctx *ctx = handle_get(HANDLE_CTX, h, &id);
    if (ctx != NULL)
        pthread_mutex_lock(&ctx->lock);
    return ctx;
}

struct sspi_ctx *context_lookup_role(const CtxtHandle *h, enum gss_role role)
{
    struct sspi_ctx *ctx = context_lookup(h);
    if (ctx != NULL && ctx->role != role) {
        context_put(ctx);
        ctx = NULL;
    }
    return ctx;
}

void context_put(struct sspi_ctx *ctx)
{
    if (ctx == NULL)
        return;
    uint32_t id = ctx->handle_id;
    pthread_mutex_unlock(&ctx->lock);
    if (id != 0)
        handle_put(id); /* may free ctx: the last reference of a deleted handle */
    else
        context_free(ctx); /* never published: this call was its only user */
}

void context_record_error(struct sspi_ctx *ctx, const char *fn, SECURITY_STATUS status,
                          OM_uint32 major, OM_uint32 minor)
{
    char *text = (major != 0 || minor != 0) ? status_gss_text(major, minor, ctx->mech) : NULL;
    if (trace_enabled()) {
        char req[256];
        trace("%s(%s, req=%s) = %s (0x%08x), gss major 0x%x minor %u%s%s", fn, ctx->pkg->name,
              flags_describe(ctx->role == ROLE_ACCEPTOR ? FLAGS_ASC_REQ : FLAGS_ISC_REQ, ctx->req,
                             req, sizeof(req)),
              status_name(status), (unsigned)status, major, minor, text ? ": " : "",
              text ? text : "");
    }
    thread_error_record(status, major, minor, text);
    free(ctx->last_text);
    ctx->last_text = text;
    ctx->last_status = status;
    ctx->last_major = major;
    ctx->last_minor = minor;
}

SECURITY_STATUS context_take_bindings(struct sspi_ctx *ctx, const struct step_io *io)
{
    struct gss_channel_bindings_struct parsed;
    PSecBuffer buf = buffers_find(io->pInput, SECBUFFER_CHANNEL_BINDINGS);
    if (buf == NULL)
        return SEC_E_OK;
    SECURITY_STATUS status = channel_bindings_parse(buf, &parsed);
    if (status != SEC_E_OK)
        return status;
    /* One block: the struct, then the three byte strings. */
    size_t total = parsed.initiator_address.length + parsed.acceptor_address.length +
                   parsed.application_data.length;
    struct gss_channel_bindings_struct *copy = malloc(sizeof(*copy) + total);
    if (copy == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    *copy = parsed;
    unsigned char *p = (unsigned char *)(copy + 1);
    gss_buffer_desc *parts[] = {&copy->initiator_address, &copy->acceptor_address,
                                &copy->application_data};
    for (size_t i = 0; i < 3; i++) {
        if (parts[i]->length > 0)
            memcpy(p, parts[i]->value, parts[i]->length);
        parts[i]->value = parts[i]->length > 0 ? p : NULL;
        p += parts[i]->length;
    }
    free(ctx->bindings);
    ctx->bindings = copy;
    return SEC_E_OK;
}

/* SPNEGO framing: an RFC 2743 header with the SPNEGO OID, or a bare
 * NegTokenInit [0] / NegTokenResp [1]. */
static bool is_spnego(const unsigned char *p, size_t len)
{
    static const unsigned char spnego_oid[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
    size_t i = 2;
    if (len < 2)
        return false;
    if (p[0] == 0xa0 || p[0] == 0xa1)
        return true;
    if (p[0] != 0x60)
        return false;
    if (p[1] & 0x80)
        i += p[1] & 0x7F;
    return i + sizeof(spnego_oid) <= len && memcmp(p + i, spnego_oid, sizeof(spnego_oid)) == 0;
}

/*
 * SEC_E_INVALID_TOKEN: the AcceptSecurityContext and
 * InitializeSecurityContext reference pages give it for "a malformed input
 * token, such as a token corrupted in transit, a token of incorrect size,
 * or a token passed into the wrong security package"; a buffer whose
 * length points at no memory, or a token beyond MaxTokenSize (which
 * Windows' Kerberos refuses too), is one of incorrect size.
 */
SECURITY_STATUS step_check_input(const struct step_io *io, bool required)
{
    if (io->pInput == NULL && !required)
        return SEC_E_OK;
    const char *why = buffers_input_problem(io->pInput);
    if (why != NULL) {
        trace("%s: pInput: %s", io->fn, why);
        return SEC_E_INVALID_TOKEN;
    }
    PSecBuffer buf = buffers_find(io->pInput, SECBUFFER_TOKEN);
    if (buf == NULL || buf->cbBuffer == 0)
        return SEC_E_OK;
    bool spnego = is_spnego(buf->pvBuffer, buf->cbBuffer);
    ULONG limit = input_token_limit(spnego);
    if (buf->cbBuffer > limit) {
        trace("%s: the input token of %u bytes exceeds MaxTokenSize (%u bytes%s)", io->fn,
              (unsigned)buf->cbBuffer, (unsigned)limit, spnego ? " with SPNEGO framing" : "");
        return SEC_E_INVALID_TOKEN;
    }
    return SEC_E_OK;
}

void step_input_token(const struct step_io *io, gss_buffer_desc *token)
{
    PSecBuffer buf = buffers_find(io->pInput, SECBUFFER_TOKEN);
    token->length = buf ? buf->cbBuffer : 0;
    token->value = buf && buf->cbBuffer ? buf->pvBuffer : NULL;
}

static ULONG granted_attributes(const struct sspi_ctx *ctx, bool allocated)
{
    if (ctx->role == ROLE_ACCEPTOR)
        return flags_gss_to_asc_ret(ctx->gss_flags) | flags_asc_library_ret(ctx->req) |
               (allocated ? ASC_RET_ALLOCATED_MEMORY : 0);
    return flags_gss_to_isc_ret(ctx->gss_flags) | flags_isc_library_ret(ctx->req) |
           (allocated ? ISC_RET_ALLOCATED_MEMORY : 0);
}

/* Publishes the handle of a context this call created. */
static SECURITY_STATUS publish(struct sspi_ctx *ctx, const struct step_io *io)
{
    if (!io->is_new) {
        if (io->phNewContext != NULL && io->phNewContext != io->phContext)
            *io->phNewContext = *io->phContext;
        return SEC_E_OK;
    }
    return context_publish(ctx, io->phNewContext);
}

static void trace_step(const struct sspi_ctx *ctx, const struct step_io *io, SECURITY_STATUS status,
                       size_t in_len, size_t out_len)
{
    if (!trace_enabled())
        return;
    char req[256], ret[256], gss[160];
    enum flag_space req_space = ctx->role == ROLE_ACCEPTOR ? FLAGS_ASC_REQ : FLAGS_ISC_REQ;
    enum flag_space ret_space = ctx->role == ROLE_ACCEPTOR ? FLAGS_ASC_RET : FLAGS_ISC_RET;
    trace("%s(%s, req=%s, in=%zu bytes) = %s (0x%08x), out=%zu bytes, ret=%s, gss=%s", io->fn,
          ctx->pkg->name, flags_describe(req_space, ctx->req, req, sizeof(req)), in_len,
          status_name(status), (unsigned)status, out_len,
          flags_describe(ret_space, ctx->ret, ret, sizeof(ret)),
          flags_describe(FLAGS_GSS, ctx->gss_flags, gss, sizeof(gss)));
}

SECURITY_STATUS step_deliver(struct sspi_ctx *ctx, const struct step_io *io, SECURITY_STATUS status,
                             const gss_buffer_desc *in, gss_buffer_desc *token)
{
    OM_uint32 minor;
    bool allocated = false;
    size_t out_len = token->length;
    SECURITY_STATUS put = buffers_put_token(io->pOutput, token->value, token->length, io->allocate,
                                            &allocated);
    if (put == SEC_E_BUFFER_TOO_SMALL) {
        /* Keep the token and the input that produced it; the caller retries
         * the same call with a larger buffer (step_serve_pending). */
        if (ctx->pending_out.value != token->value) {
            release_buffer(&ctx->pending_out);
            release_buffer(&ctx->pending_in);
            ctx->pending_out.value = malloc(token->length);
            ctx->pending_in.value = malloc(in->length ? in->length : 1);
            if (ctx->pending_out.value == NULL || ctx->pending_in.value == NULL) {
                gss_release_buffer(&minor, token);
                return step_fail(ctx, io, SEC_E_INSUFFICIENT_MEMORY, 0, 0, NULL);
            }
            memcpy(ctx->pending_out.value, token->value, token->length);
            ctx->pending_out.length = token->length;
            if (in->length)
                memcpy(ctx->pending_in.value, in->value, in->length);
            ctx->pending_in.length = in->length;
            ctx->pending_status = status;
            gss_release_buffer(&minor, token);
        }
        context_record_error(ctx, io->fn, SEC_E_BUFFER_TOO_SMALL, 0, 0);
        trace("%s: output token of %zu bytes does not fit in %u; kept for a retry", io->fn,
              out_len, (unsigned)buffers_find(io->pOutput, SECBUFFER_TOKEN)->cbBuffer);
        if (io->is_new) {
            retry_park(ctx); /* no handle goes out, as on Windows; ends our hold */
            return SEC_E_BUFFER_TOO_SMALL;
        }
        SECURITY_STATUS pub = publish(ctx, io);
        if (pub != SEC_E_OK)
            return step_fail(ctx, io, pub, 0, 0, NULL);
        context_put(ctx);
        return SEC_E_BUFFER_TOO_SMALL;
    }
    if (ctx->pending_out.value == token->value) {
        release_buffer(&ctx->pending_out);
        release_buffer(&ctx->pending_in);
    } else {
        gss_release_buffer(&minor, token);
    }
    if (put != SEC_E_OK) {
        trace("%s: pOutput has no SECBUFFER_TOKEN for a %zu-byte token", io->fn, out_len);
        return step_fail(ctx, io, put, 0, 0, NULL);
    }
    ctx->ret = granted_attributes(ctx, allocated);
    if (status == SEC_E_OK)
        ctx->established = true;
    SECURITY_STATUS pub = publish(ctx, io);
    if (pub != SEC_E_OK) {
        if (allocated) {
            PSecBuffer buf = buffers_find(io->pOutput, SECBUFFER_TOKEN);
            FreeContextBuffer(buf->pvBuffer);
            buf->pvBuffer = NULL;
            buf->cbBuffer = 0;
        }
        return step_fail(ctx, io, pub, 0, 0, NULL);
    }
    if (io->pfContextAttr != NULL)
        *io->pfContextAttr = ctx->ret;
    if (io->ptsExpiry != NULL)
        *io->ptsExpiry = ctx->expiry;
    trace_step(ctx, io, status, in->length, out_len);
    context_put(ctx);
    return status;
}

bool step_serve_pending(struct sspi_ctx *ctx, const struct step_io *io, const gss_buffer_desc *in,
                        SECURITY_STATUS *status)
{
    if (ctx->pending_out.value == NULL)
        return false;
    if (in->length != ctx->pending_in.length ||
        (in->length > 0 && memcmp(in->value, ctx->pending_in.value, in->length) != 0)) {
        trace("%s: retry after SEC_E_BUFFER_TOO_SMALL must pass the same input token", io->fn);
        context_record_error(ctx, io->fn, SEC_E_INVALID_TOKEN, 0, 0);
        context_put(ctx);
        *status = SEC_E_INVALID_TOKEN;
        return true;
    }
    *status = step_deliver(ctx, io, ctx->pending_status, in, &ctx->pending_out);
    return true;
}

static bool input_spnego(const struct step_io *io)
{
    PSecBuffer buf = buffers_find(io->pInput, SECBUFFER_TOKEN);
    return buf != NULL && buf->cbBuffer > 0 && is_spnego(buf->pvBuffer, buf->cbBuffer);
}

SECURITY_STATUS step_fail(struct sspi_ctx *ctx, const struct step_io *io, SECURITY_STATUS status,
                          OM_uint32 major, OM_uint32 minor, gss_buffer_desc *token)
{
    OM_uint32 ignored;
    bool allocated = false;
    const char *reason = io->reason;
    if (GSS_ERROR(major)) {
        struct step_failure f = {.ctx = ctx, .major = major, .minor = minor, .status = status,
                                 .bindings_passed = io->bindings_passed,
                                 .input_spnego = input_spnego(io)};
        status = workaround_apply(&f, io->fn, &reason);
    }
    context_record_error(ctx, io->fn, status, major, minor);
    if (reason != NULL)
        context_record_reason(ctx, false, reason); /* while this call holds ctx */
    if (token != NULL && token->length > 0 && io->extended_error &&
        buffers_put_token(io->pOutput, token->value, token->length, io->allocate, &allocated) ==
            SEC_E_OK) {
        /* The mechanism's error token (e.g. a KRB-ERROR) goes to the client. */
        if (io->pfContextAttr != NULL)
            /* ALLOCATED_MEMORY has one value for both roles (0x100). */
            *io->pfContextAttr = (ctx->role == ROLE_ACCEPTOR ? ASC_RET_EXTENDED_ERROR
                                                             : ISC_RET_EXTENDED_ERROR) |
                                 (allocated ? ASC_RET_ALLOCATED_MEMORY : 0);
    } else {
        buffers_clear_token(io->pOutput);
    }
    if (token != NULL)
        gss_release_buffer(&ignored, token);
    /* On failure of the first call no handle is left behind: the context
     * was never published, so this frees it. */
    context_put(ctx);
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext)
{
    /* A call still using the context frees it when it is done. */
    SECURITY_STATUS status =
        handle_release(HANDLE_CTX, phContext) ? SEC_E_OK : SEC_E_INVALID_HANDLE;
    trace("DeleteSecurityContext() = %s", status_name(status));
    return status;
}

/* The answer of a call that has nothing to do on these packages: when_valid
 * for a context handle, SEC_E_INVALID_HANDLE otherwise. */
static SECURITY_STATUS answer_for_context(PCtxtHandle phContext, SECURITY_STATUS when_valid,
                                          const char *fn)
{
    struct sspi_ctx *ctx = context_lookup(phContext);
    SECURITY_STATUS status = ctx ? when_valid : SEC_E_INVALID_HANDLE;
    context_put(ctx);
    trace("%s() = %s", fn, status_name(status));
    return status;
}

/* Kerberos, NTLM and Negotiate never ask for it: nothing to complete. */
SSPI_EXPORT SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext,
                                                        PSecBufferDesc pToken)
{
    return answer_for_context(phContext, SEC_E_OK, "CompleteAuthToken");
}

/* Control tokens exist for Schannel; these packages have none. */
SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ApplyControlToken(PCtxtHandle phContext, PSecBufferDesc pInput)
{
    return answer_for_context(phContext, SEC_E_UNSUPPORTED_FUNCTION, "ApplyControlToken");
}
