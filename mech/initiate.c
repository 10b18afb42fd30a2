/*
 * initiate.c - gssi_init_sec_context: the real mechanism initiates; our
 * SPNEGO initiator picks the mechanism order the policy asks for.
 *
 * - MS-KRB5 first (policy ms_krb5_first): Windows lists MS-KRB5
 *   (1.2.840.48018.1.2.2) before Kerberos and frames its Kerberos token
 *   with the Kerberos OID.  MIT's SPNEGO lists what its credential holds in
 *   the order of gss_set_neg_mechs, so the credential gets MS-KRB5 (MIT
 *   marks it deprecated; our attributes do not, see interposer.c) and that
 *   order; when SPNEGO then initiates MS-KRB5 through us, we use Kerberos.
 *   The mechanism list and its MIC stay MIT's own, so a server's
 *   mechListMIC verifies.
 * - A server's NegTokenInit2 (policy use_server_mech_list): MIT's SPNEGO
 *   cannot take one as the first input; we read its mechanism list, offer
 *   only what the server lists, in its order, and start afresh.
 * The order is set on a credential of this context alone: a caller's
 * credential may be shared by other threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gssi.h"
#include "mech_internal.h"
#include "thread_state.h"

bool init_frame_active(void)
{
    return thread_state()->spnego_init_active;
}

void init_frame_set(bool active, bool *saved)
{
    struct mech_thread_state *ts = thread_state();
    *saved = ts->spnego_init_active;
    ts->spnego_init_active = active;
}

static bool set_has(const gss_OID_set set, gss_const_OID oid)
{
    for (size_t i = 0; set != GSS_C_NO_OID_SET && i < set->count; i++)
        if (oid_equal(&set->elements[i], oid))
            return true;
    return false;
}

static OM_uint32 add_once(OM_uint32 *minor, gss_OID_set *set, gss_const_OID oid)
{
    if (set_has(*set, oid))
        return GSS_S_COMPLETE;
    return gss_add_oid_set_member(minor, (gss_OID)oid, set);
}

/* The mechanisms SPNEGO may negotiate: those it would pick by default (the
 * mechglue reports only "SPNEGO" for an SPNEGO credential).  SPNEGO itself
 * drops, from the order we give, what its credential cannot do. */
static OM_uint32 negotiable_mechs(OM_uint32 *minor, gss_OID_set *out)
{
    gss_OID_desc except[3] = {*GSS_C_MA_DEPRECATED, *GSS_C_MA_NOT_DFLT_MECH, *GSS_C_MA_MECH_NEGO};
    gss_OID_set_desc except_set = {3, except};
    return gss_indicate_mechs_by_attrs(minor, GSS_C_NO_OID_SET, &except_set, GSS_C_NO_OID_SET, out);
}

OM_uint32 neg_mechs_for(OM_uint32 *minor, const struct policy *policy,
                        const struct spnego_init *server, gss_OID_set *out)
{
    OM_uint32 major, tmp;
    gss_OID_set have = GSS_C_NO_OID_SET;
    gss_const_OID ms = &imech_get(IMECH_MS_KRB5)->oid, krb5 = &imech_get(IMECH_KRB5)->oid;
    *out = GSS_C_NO_OID_SET;
    major = negotiable_mechs(minor, &have);
    if (GSS_ERROR(major))
        return major;
    major = gss_create_empty_oid_set(minor, out);
    if (server != NULL) {
        /* The server's list, in its order, as far as we can do it. */
        for (size_t i = 0; major == GSS_S_COMPLETE && i < server->mech_count; i++)
            if (set_has(have, &server->mechs[i]))
                major = add_once(minor, out, &server->mechs[i]);
    } else {
        if (policy->ms_krb5_first && set_has(have, ms) && set_has(have, krb5)) {
            major = add_once(minor, out, ms);
            if (major == GSS_S_COMPLETE)
                major = add_once(minor, out, krb5);
        }
        for (size_t i = 0; major == GSS_S_COMPLETE && i < have->count; i++)
            major = add_once(minor, out, &have->elements[i]);
    }
    gss_release_oid_set(&tmp, &have);
    if (major == GSS_S_COMPLETE && (*out)->count == 0) {
        *minor = GSS_SSPI_NEG_ERR_NO_COMMON_MECH;
        major = GSS_S_BAD_MECH;
    }
    if (major != GSS_S_COMPLETE)
        gss_release_oid_set(&tmp, out);
    return major;
}

/* A private copy of a caller's SPNEGO credential, through its export token
 * re-framed with the special OID (so that it imports as the real one's). */
static OM_uint32 clone_inner_cred(OM_uint32 *minor, const struct imech *m, gss_cred_id_t inner,
                                  gss_cred_id_t *out)
{
    OM_uint32 major, tmp;
    gss_buffer_desc whole = GSS_C_EMPTY_BUFFER;
    major = gss_export_cred(minor, inner, &whole);
    if (GSS_ERROR(major))
        return major;
    const unsigned char *p = whole.value;
    size_t len = whole.length;
    uint32_t oid_len =
        len >= 4 ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
    unsigned char *framed = NULL;
    major = GSS_S_DEFECTIVE_CREDENTIAL;
    if (len < 4 || oid_len > len - 4)
        goto out;
    size_t rest = len - 4 - oid_len, flen = 4 + m->special.length + rest;
    framed = malloc(flen);
    if (framed == NULL) {
        *minor = ENOMEM;
        major = GSS_S_FAILURE;
        goto out;
    }
    framed[0] = framed[1] = framed[2] = 0;
    framed[3] = (unsigned char)m->special.length;
    memcpy(framed + 4, m->special.elements, m->special.length);
    memcpy(framed + 4 + m->special.length, p + 4 + oid_len, rest);
    gss_buffer_desc tok = {flen, framed};
    major = gss_import_cred(minor, &tok, out);
out:
    free(framed);
    gss_release_buffer(&tmp, &whole);
    return major;
}

/* First call of our SPNEGO initiator: the credential with our order, and
 * the input the real SPNEGO gets (none after a server's NegTokenInit2). */
static OM_uint32 spnego_first_call(OM_uint32 *minor, struct ictx *ctx, gss_cred_id_t *cred,
                                   gss_buffer_t *input)
{
    OM_uint32 major, tmp;
    const struct policy *policy = policy_current();
    struct spnego_init server;
    bool have_server = false;
    gss_OID_set order = GSS_C_NO_OID_SET;

    if (*input != GSS_C_NO_BUFFER && (*input)->length > 0 && policy->use_server_mech_list) {
        if (!spnego_parse_init((*input)->value, (*input)->length, &server)) {
            *minor = GSS_SSPI_NEG_ERR_BAD_NEGTOKENINIT;
            return GSS_S_DEFECTIVE_TOKEN;
        }
        have_server = true;
        *input = GSS_C_NO_BUFFER;
    }
    if (!have_server && !policy->ms_krb5_first)
        return GSS_S_COMPLETE;
    if (*cred == GSS_C_NO_CREDENTIAL)
        major = acquire_inner_default(minor, ctx->mech, GSS_C_INITIATE, &ctx->own_init_cred);
    else
        major = clone_inner_cred(minor, ctx->mech, *cred, &ctx->own_init_cred);
    if (GSS_ERROR(major)) {
        /* Keep the caller's credential and SPNEGO's order. */
        return have_server ? major : GSS_S_COMPLETE;
    }
    *cred = ctx->own_init_cred;
    major = neg_mechs_for(minor, policy, have_server ? &server : NULL, &order);
    if (major == GSS_S_COMPLETE)
        major = gss_set_neg_mechs(minor, *cred, order);
    gss_release_oid_set(&tmp, &order);
    return major;
}

OM_uint32 gssi_init_sec_context(OM_uint32 *minor, gss_cred_id_t claimant_cred,
                                gss_ctx_id_t *context, gss_name_t target_name, gss_OID mech_type,
                                OM_uint32 req_flags, OM_uint32 time_req,
                                gss_channel_bindings_t input_chan_bindings,
                                gss_buffer_t input_token, gss_OID *actual_mech_type,
                                gss_buffer_t output_token, OM_uint32 *ret_flags,
                                OM_uint32 *time_rec)
{
    OM_uint32 major;
    struct ictx *ctx = ICTX(*context);
    bool is_new = ctx == NULL, outermost, saved;
    gss_cred_id_t cred = INNER_CRED(claimant_cred);
    gss_buffer_t input = input_token;

    last_error_begin(&outermost);
    *minor = 0;
    if (is_new) {
        const struct imech *m = imech_find(mech_type);
        if (m == NULL) {
            major = GSS_S_BAD_MECH;
            goto done;
        }
        ctx = ictx_new(m, ROLE_INITIATOR);
        if (ctx == NULL) {
            *minor = ENOMEM;
            major = GSS_S_FAILURE;
            goto done;
        }
        /* MS-KRB5 chosen by our SPNEGO: the token goes out in Kerberos
         * framing, as Windows sends it. */
        if (m->id == IMECH_MS_KRB5 && init_frame_active())
            ctx->inner_oid = (gss_OID)&imech_get(IMECH_KRB5)->special;
        if (m->id == IMECH_SPNEGO) {
            major = spnego_first_call(minor, ctx, &cred, &input);
            if (GSS_ERROR(major))
                goto fail;
        }
    } else if (ctx->own_init_cred != GSS_C_NO_CREDENTIAL) {
        cred = ctx->own_init_cred;
    }

    init_frame_set(ctx->mech->id == IMECH_SPNEGO, &saved);
    major = gss_init_sec_context(minor, cred, &ctx->inner, target_name, ctx->inner_oid, req_flags,
                                 time_req, input_chan_bindings, input, actual_mech_type,
                                 output_token, ret_flags, time_rec);
    init_frame_set(saved, &saved);
    if (!GSS_ERROR(major)) {
        *context = (gss_ctx_id_t)ctx;
        goto done;
    }
fail:
    last_error_note(major, *minor, &ctx->mech->oid);
    if (is_new) {
        ictx_free(ctx);
        *context = GSS_C_NO_CONTEXT;
    }
done:
    last_error_end(outermost);
    return major;
}
