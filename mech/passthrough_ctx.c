/*
 * passthrough_ctx.c - per-message and context-management entry points,
 * passed to the real mechanism's context unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gssi.h"
#include "mech_internal.h"

#define INNER(c) (ICTX(c)->inner)

/* Failures are remembered for GSS_SSPI_NEGOTIATE_OID_LAST_ERROR: the minor
 * the caller gets back is renumbered by the mechglue. */
static OM_uint32 noted(gss_ctx_id_t context, const OM_uint32 *minor, OM_uint32 major)
{
    if (GSS_ERROR(major)) {
        const struct ictx *ctx = ICTX(context);
        last_error_note(major, *minor, ctx->actual_mech ? ctx->actual_mech : &ctx->mech->oid);
    }
    return major;
}

/* malloc, not calloc (nor malloc + memset, which the compiler turns into
 * calloc): glibc's calloc never takes a chunk from the thread cache that
 * free() puts it back in, so every context would pay the allocator's slow
 * path (one per accept). */
struct ictx *ictx_new(const struct imech *mech, enum role role)
{
    struct ictx *ctx = malloc(sizeof(*ctx));
    if (ctx != NULL)
        *ctx = (struct ictx){.mech = mech, .inner_oid = (gss_OID)&mech->special, .role = role};
    return ctx;
}

void ictx_free(struct ictx *ctx)
{
    OM_uint32 minor;
    if (ctx == NULL)
        return;
    audit_owner_gone(ctx); /* its waiting line names what it holds */
    /* Only what is there: each is a call through the mechglue (usually the
     * inner context is gone already, and no credential was acquired). */
    if (ctx->inner != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &ctx->inner, GSS_C_NO_BUFFER);
    if (ctx->own_cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &ctx->own_cred);
    if (ctx->own_init_cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &ctx->own_init_cred);
    free(ctx->ntlm_user);
    free(ctx);
}

OM_uint32 gssi_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                  gss_buffer_t output_token)
{
    OM_uint32 major = GSS_S_COMPLETE;
    *minor = 0;
    if (context == NULL || *context == GSS_C_NO_CONTEXT)
        return GSS_S_NO_CONTEXT;
    struct ictx *ctx = ICTX(*context);
    if (ctx->inner != GSS_C_NO_CONTEXT)
        major = gss_delete_sec_context(minor, &ctx->inner, output_token);
    ictx_free(ctx);
    *context = GSS_C_NO_CONTEXT;
    return major;
}

OM_uint32 gssi_process_context_token(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t token)
{
    return noted(context, minor, gss_process_context_token(minor, INNER(context), token));
}

OM_uint32 gssi_context_time(OM_uint32 *minor, gss_ctx_id_t context, OM_uint32 *time_rec)
{
    return noted(context, minor, gss_context_time(minor, INNER(context), time_rec));
}

OM_uint32 gssi_inquire_context(OM_uint32 *minor, gss_ctx_id_t context, gss_name_t *src_name,
                               gss_name_t *targ_name, OM_uint32 *lifetime_rec, gss_OID *mech_type,
                               OM_uint32 *ctx_flags, int *locally_initiated, int *open)
{
    return noted(context, minor,
                 gss_inquire_context(minor, INNER(context), src_name, targ_name, lifetime_rec,
                                     mech_type, ctx_flags, locally_initiated, open));
}

OM_uint32 gssi_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag,
                               gss_qop_t qop_req, OM_uint32 req_output_size,
                               OM_uint32 *max_input_size)
{
    return noted(context, minor,
                 gss_wrap_size_limit(minor, INNER(context), conf_req_flag, qop_req, req_output_size,
                                     max_input_size));
}

/* The mechglue frames our token with the special OID, which routes an
 * import straight to the real mechanism: so the token must be the real
 * mechanism's own (an imported context no longer passes through us). */
OM_uint32 gssi_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *context, gss_buffer_t token)
{
    OM_uint32 major, tmp;
    gss_buffer_desc whole = GSS_C_EMPTY_BUFFER;
    struct ictx *ctx = ICTX(*context);
    major = gss_export_sec_context(minor, &ctx->inner, &whole);
    if (GSS_ERROR(major))
        return major;
    const unsigned char *p = whole.value;
    uint32_t oid_len =
        whole.length >= 4 ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                          : 0;
    if (whole.length < 4 || oid_len > whole.length - 4) {
        major = GSS_S_DEFECTIVE_TOKEN;
        goto out;
    }
    size_t len = whole.length - 4 - oid_len;
    token->value = malloc(len ? len : 1);
    if (token->value == NULL) {
        *minor = ENOMEM;
        major = GSS_S_FAILURE;
        goto out;
    }
    memcpy(token->value, p + 4 + oid_len, len);
    token->length = len;
out:
    gss_release_buffer(&tmp, &whole);
    if (ctx->inner == GSS_C_NO_CONTEXT) { /* the mechanism gave its context away */
        ictx_free(ctx);
        *context = GSS_C_NO_CONTEXT;
    }
    return major;
}

/* A token exported by a process without the module names the public OID
 * and comes to us: frame it with the special one for the real mechanism. */
OM_uint32 gssi_import_sec_context_by_mech(OM_uint32 *minor, gss_OID mech_type, gss_buffer_t token,
                                          gss_ctx_id_t *context)
{
    OM_uint32 major;
    const struct imech *m = imech_find(mech_type);
    *minor = 0;
    if (m == NULL)
        return GSS_S_BAD_MECH;
    struct ictx *ctx = ictx_new(m, ROLE_UNSET);
    size_t len = 4 + m->special.length + token->length;
    unsigned char *buf = malloc(len);
    if (ctx == NULL || buf == NULL) {
        free(buf);
        free(ctx);
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    buf[0] = buf[1] = buf[2] = 0;
    buf[3] = (unsigned char)m->special.length;
    memcpy(buf + 4, m->special.elements, m->special.length);
    if (token->length > 0)
        memcpy(buf + 4 + m->special.length, token->value, token->length);
    gss_buffer_desc framed = {len, buf};
    major = gss_import_sec_context(minor, &framed, &ctx->inner);
    free(buf);
    if (GSS_ERROR(major)) {
        free(ctx);
        return major;
    }
    ctx->complete = true;
    ctx->audited = true;
    *context = (gss_ctx_id_t)ctx;
    return GSS_S_COMPLETE;
}

OM_uint32 gssi_import_sec_context(OM_uint32 *minor, gss_buffer_t token, gss_ctx_id_t *context)
{
    *minor = 0;
    return GSS_S_UNAVAILABLE; /* the mechglue uses the _by_mech form */
}

OM_uint32 gssi_inquire_sec_context_by_oid(OM_uint32 *minor, const gss_ctx_id_t context,
                                          const gss_OID desired_object, gss_buffer_set_t *data_set)
{
    bool handled = false;
    OM_uint32 major = ext_inquire_context(minor, ICTX(context), desired_object, data_set, &handled);
    if (handled)
        return major;
    return gss_inquire_sec_context_by_oid(minor, INNER(context), desired_object, data_set);
}

OM_uint32 gssi_set_sec_context_option(OM_uint32 *minor, gss_ctx_id_t *context,
                                      const gss_OID desired_object, const gss_buffer_t value)
{
    *minor = 0;
    if (context == NULL || *context == GSS_C_NO_CONTEXT)
        return GSS_S_UNAVAILABLE;
    return gss_set_sec_context_option(minor, &ICTX(*context)->inner, desired_object, value);
}

OM_uint32 gssi_pseudo_random(OM_uint32 *minor, gss_ctx_id_t context, int prf_key,
                             const gss_buffer_t prf_in, ssize_t desired_output_len,
                             gss_buffer_t prf_out)
{
    return noted(
        context, minor,
        gss_pseudo_random(minor, INNER(context), prf_key, prf_in, desired_output_len, prf_out));
}

OM_uint32 gssi_complete_auth_token(OM_uint32 *minor, const gss_ctx_id_t context,
                                   gss_buffer_t input_message)
{
    return noted(context, minor, gss_complete_auth_token(minor, INNER(context), input_message));
}

OM_uint32 gssi_get_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop_req,
                       gss_buffer_t message, gss_buffer_t token)
{
    return noted(context, minor, gss_get_mic(minor, INNER(context), qop_req, message, token));
}

OM_uint32 gssi_verify_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t message,
                          gss_buffer_t token, gss_qop_t *qop_state)
{
    return noted(context, minor, gss_verify_mic(minor, INNER(context), message, token, qop_state));
}

OM_uint32 gssi_wrap(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag, gss_qop_t qop_req,
                    gss_buffer_t input, int *conf_state, gss_buffer_t output)
{
    return noted(
        context, minor,
        gss_wrap(minor, INNER(context), conf_req_flag, qop_req, input, conf_state, output));
}

OM_uint32 gssi_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t input,
                      gss_buffer_t output, int *conf_state, gss_qop_t *qop_state)
{
    return noted(context, minor,
                 gss_unwrap(minor, INNER(context), input, output, conf_state, qop_state));
}

OM_uint32 gssi_wrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag,
                        gss_qop_t qop_req, int *conf_state, gss_iov_buffer_desc *iov, int iov_count)
{
    return noted(
        context, minor,
        gss_wrap_iov(minor, INNER(context), conf_req_flag, qop_req, conf_state, iov, iov_count));
}

OM_uint32 gssi_unwrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int *conf_state,
                          gss_qop_t *qop_state, gss_iov_buffer_desc *iov, int iov_count)
{
    return noted(context, minor,
                 gss_unwrap_iov(minor, INNER(context), conf_state, qop_state, iov, iov_count));
}

OM_uint32 gssi_wrap_iov_length(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag,
                               gss_qop_t qop_req, int *conf_state, gss_iov_buffer_desc *iov,
                               int iov_count)
{
    return noted(context, minor,
                 gss_wrap_iov_length(minor, INNER(context), conf_req_flag, qop_req, conf_state, iov,
                                     iov_count));
}

OM_uint32 gssi_wrap_aead(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag,
                         gss_qop_t qop_req, gss_buffer_t input_assoc, gss_buffer_t input_payload,
                         int *conf_state, gss_buffer_t output)
{
    return noted(context, minor,
                 gss_wrap_aead(minor, INNER(context), conf_req_flag, qop_req, input_assoc,
                               input_payload, conf_state, output));
}

OM_uint32 gssi_unwrap_aead(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t input,
                           gss_buffer_t input_assoc, gss_buffer_t output_payload, int *conf_state,
                           gss_qop_t *qop_state)
{
    return noted(context, minor,
                 gss_unwrap_aead(minor, INNER(context), input, input_assoc, output_payload,
                                 conf_state, qop_state));
}

OM_uint32 gssi_get_mic_iov(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop_req,
                           gss_iov_buffer_desc *iov, int iov_count)
{
    return noted(context, minor, gss_get_mic_iov(minor, INNER(context), qop_req, iov, iov_count));
}

OM_uint32 gssi_verify_mic_iov(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t *qop_state,
                              gss_iov_buffer_desc *iov, int iov_count)
{
    return noted(context, minor,
                 gss_verify_mic_iov(minor, INNER(context), qop_state, iov, iov_count));
}

OM_uint32 gssi_get_mic_iov_length(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop_req,
                                  gss_iov_buffer_desc *iov, int iov_count)
{
    return noted(context, minor,
                 gss_get_mic_iov_length(minor, INNER(context), qop_req, iov, iov_count));
}
