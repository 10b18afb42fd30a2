/*
 * accept.c - gssi_accept_sec_context: the real mechanism accepts, we apply
 * the acceptor policy around it and write the audit record.
 *
 * Layers: a SPNEGO token reaches our SPNEGO entry; the real SPNEGO then
 * calls the mechglue for the inner mechanism, which routes to our Kerberos
 * or NTLM entry again (its credential elements are ours).  That inner call
 * runs "nested": it sees the NTLM messages and applies the NTLM rules, and
 * reports to the outer SPNEGO layer through a thread-local frame; the outer
 * layer (raw token or SPNEGO) applies the channel-binding rule and writes
 * the one audit line of the context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "gssi.h"
#include "mech_internal.h"
#include "ntlm_errors.h"
#include "thread_state.h"
#include "token_frame.h"

struct accept_frame *accept_frame_current(void)
{
    return thread_state()->accept_frame;
}

void accept_frame_push(struct accept_frame *frame, struct accept_frame **saved)
{
    struct mech_thread_state *ts = thread_state();
    *saved = ts->accept_frame;
    ts->accept_frame = frame;
}

void accept_frame_pop(struct accept_frame *saved)
{
    thread_state()->accept_frame = saved;
}


/* Which of our mechanisms the mechglue routed a first token to: the
 * credential element says so; without one, the token's framing does (as
 * the mechglue itself decided). */
static const struct imech *mech_for_token(gss_cred_id_t cred, const gss_buffer_t token)
{
    if (cred != GSS_C_NO_CREDENTIAL)
        return ICRED(cred)->mech;
    if (token == GSS_C_NO_BUFFER)
        return NULL;
    struct token_class cls;
    switch (token_classify(token->value, token->length, &cls)) {
    case TOKEN_NTLMSSP:
        return ntlm_message_type(token->value, token->length) != NTLM_MSG_NONE
                   ? imech_get(IMECH_NTLMSSP)
                   : NULL;
    case TOKEN_KRB5_BARE: /* the mechglue routes a bare AP-REQ to Kerberos */
        return imech_get(IMECH_KRB5);
    case TOKEN_SPNEGO_INIT:
    case TOKEN_GSS_FRAMED:
        return imech_find(&cls.mech);
    default:
        return NULL;
    }
}

static char *name_text(gss_name_t name)
{
    OM_uint32 minor;
    gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
    char *s = NULL;
    if (name == GSS_C_NO_NAME || GSS_ERROR(gss_display_name(&minor, name, &buf, NULL)))
        return NULL;
    s = strndup(buf.value, buf.length);
    gss_release_buffer(&minor, &buf);
    return s;
}

/* defer: the caller asked for the client's name, so the mechglue will
 * display it right after we return (see audit_defer). */
static void audit_context(struct ictx *ctx, gss_name_t client, OM_uint32 flags, const char *result,
                          const char *reason, bool defer)
{
    if (ctx->audited || ctx->nested)
        return;
    ctx->audited = true;
    char *who = defer ? NULL : name_text(client);
    char rules[256]; /* audit_defer keeps a copy */
    /* The ticket's server once the ticket decrypted; NTLM names none. */
    const char *service = ctx->complete && ctx->service[0] ? ctx->service : NULL;
    int package = package_of(ctx->actual_mech);
    if (package == GSS_SSPI_NEG_PACKAGE_UNKNOWN)
        package = ctx->mech->package;
    struct audit_record rec = {
        .result = result,
        .reason = reason,
        .client = who ? who : ctx->ntlm_user,
        .service = service,
        .package = package,
        .form = ctx->form,
        .ntlm_version = ctx->ntlm_version,
        .cb_state = ctx->cb_state,
        .flags = flags,
        .ntlm_policy =
            package == GSS_SSPI_NEG_PACKAGE_NTLM ? policy_ntlm_mode_name(ctx->policy->ntlm) : NULL,
        .ntlm_v1_policy = package == GSS_SSPI_NEG_PACKAGE_NTLM
                              ? policy_ntlm_mode_name(ctx->policy->ntlm_v1)
                              : NULL,
        .compat = ctx->compat.fired ? compat_fired_names(&ctx->compat, rules, sizeof(rules))
                                    : NULL,
    };
    if (defer)
        audit_defer(ctx->policy, &rec, client);
    else
        audit_emit(ctx->policy, &rec);
    free(who);
}

/* The NTLM rules, on each NTLM message (raw, or nested inside SPNEGO).
 * Returns 0 or the minor code of a refusal. */
static OM_uint32 ntlm_rules(struct ictx *ctx, const gss_buffer_t token)
{
    const struct policy *policy = ctx->policy;
    struct accept_frame *frame = accept_frame_current();
    struct ictx *report = ctx->nested && frame != NULL ? frame->outer : ctx;
    struct ntlm_auth_info info;
    switch (ntlm_message_type(token->value, token->length)) {
    case NTLM_MSG_NEGOTIATE:
        return policy->ntlm == NTLM_DENY ? GSS_SSPI_NEG_ERR_NTLM_DENIED : 0;
    case NTLM_MSG_AUTHENTICATE:
        /* Read before any refusal: the denied line names who was refused. */
        if (!ntlm_inspect_authenticate(token->value, token->length, &info))
            return policy->ntlm == NTLM_DENY ? GSS_SSPI_NEG_ERR_NTLM_DENIED
                                             : GSS_SSPI_NEG_ERR_NTLM_MALFORMED;
        ctx->ntlm_version = report->ntlm_version = info.version;
        if (info.user[0] != '\0' && report->ntlm_user == NULL) {
            char *claimed = NULL;
            if (asprintf(&claimed, "%s\\%s", info.domain, info.user) > 0)
                report->ntlm_user = claimed;
        }
        if (policy->ntlm == NTLM_DENY)
            return GSS_SSPI_NEG_ERR_NTLM_DENIED;
        /* gss-ntlmssp's own level is not trusted here: in domain mode it
         * takes NTLMv1 whatever LM_COMPAT_LEVEL says. */
        if (info.version != GSS_SSPI_NEG_NTLM_V2 && policy->ntlm_v1 == NTLM_DENY)
            return GSS_SSPI_NEG_ERR_NTLMV1_DENIED;
        return 0;
    default:
        return 0;
    }
}

/* A refusal of ours: the context (if any) stops being usable.  client: the
 * established context's peer when one was authenticated (named in the
 * denied line), else GSS_C_NO_NAME.  reason: the audit line's, when more
 * precise than the code's text. */
static OM_uint32 refuse_why(OM_uint32 *minor, struct ictx *ctx, OM_uint32 major, OM_uint32 code,
                            gss_name_t client, const char *result, const char *reason)
{
    OM_uint32 tmp;
    audit_context(ctx, client, 0, result, reason ? reason : ext_error_text(code), false);
    if (ctx->inner != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&tmp, &ctx->inner, GSS_C_NO_BUFFER);
    *minor = code;
    last_error_note(major, code, &interposer_oid);
    return major;
}

static OM_uint32 refuse(OM_uint32 *minor, struct ictx *ctx, OM_uint32 major, OM_uint32 code,
                        gss_name_t client)
{
    return refuse_why(minor, ctx, major, code, client, "denied", NULL);
}

/* The token-compatibility layer (common/token_compat.c), on the client's
 * token of the outermost call (raw, or the whole SPNEGO token: the nested
 * call then sees the repaired mechanism token).  *use is what the real
 * mechanism gets; res owns a rewritten copy.  Returns 0, or the minor code
 * of a refusal. */
static OM_uint32 apply_compat(struct ictx *ctx, const gss_buffer_t token,
                              struct compat_result *res, gss_buffer_desc *use)
{
    if (ctx->nested || token == GSS_C_NO_BUFFER)
        return 0;
    enum compat_verdict v = compat_accept_input(&ctx->compat, "gss-sspi-negotiate accept",
                                                token->value, token->length, res);
    if (v == COMPAT_REWRITE) {
        use->value = res->token;
        use->length = res->len;
    }
    return v == COMPAT_REFUSE ? GSS_SSPI_NEG_ERR_COMPAT_REFUSED : 0;
}

static int cb_state_of(const struct ictx *ctx, OM_uint32 flags)
{
    if (!ctx->had_bindings)
        return GSS_SSPI_NEG_CB_NONE;
    return flags & GSS_C_CHANNEL_BOUND_FLAG ? GSS_SSPI_NEG_CB_MATCHED : GSS_SSPI_NEG_CB_ABSENT;
}

/* The reason text of a failure: the innermost mechanism's, if known. */
static char *failure_text(OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 imaj, imin;
    gss_OID_desc mech;
    if (last_error_get(&imaj, &imin, &mech)) {
        const char *own = ext_error_text(imin);
        const struct ntlm_errno_meaning *ntlm =
            oid_equal(&mech, &oid_ntlmssp) ? ntlm_errno_meaning(imaj, imin) : NULL;
        if (own != NULL || ntlm != NULL)
            return strdup(own ? own : ntlm->text);
        return status_text(imaj, imin);
    }
    return status_text(major, minor);
}

OM_uint32 gssi_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                  gss_cred_id_t verifier_cred, gss_buffer_t input_token,
                                  gss_channel_bindings_t input_chan_bindings, gss_name_t *src_name,
                                  gss_OID *mech_type, gss_buffer_t output_token,
                                  OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                  gss_cred_id_t *delegated_cred)
{
    OM_uint32 major, tmp, flags = 0, code;
    struct compat_result compat = {0};
    gss_buffer_desc compat_token = GSS_C_EMPTY_BUFFER;
    gss_buffer_t token = input_token;
    gss_name_t peer = GSS_C_NO_NAME;
    gss_cred_id_t deleg = GSS_C_NO_CREDENTIAL;
    gss_OID actual = GSS_C_NO_OID;
    struct accept_frame *parent = accept_frame_current(), frame, *saved = NULL;
    struct ictx *ctx = ICTX(*context);
    bool is_new = ctx == NULL, outermost;

    last_error_begin(&outermost);
    if (outermost)
        audit_flush_pending(); /* a line the mechglue never came back for */
    *minor = 0;
    if (is_new) {
        const struct imech *m = mech_for_token(verifier_cred, input_token);
        if (m == NULL) {
            major = GSS_S_DEFECTIVE_TOKEN;
            goto done;
        }
        ctx = ictx_new(m, ROLE_ACCEPTOR);
        if (ctx == NULL) {
            *minor = ENOMEM;
            major = GSS_S_FAILURE;
            goto done;
        }
        ctx->nested = parent != NULL;
        if (ctx->nested && parent->outer->actual_mech == GSS_C_NO_OID)
            parent->outer->actual_mech = (gss_OID)&m->oid; /* known before SPNEGO says */
        ctx->policy = ctx->nested ? parent->policy : policy_acceptor();
        ctx->form = ctx->nested || m->id == IMECH_SPNEGO ||
                            (parent == NULL && loaded_inside_foreign_spnego())
                        ? GSS_SSPI_NEG_FORM_SPNEGO
                        : GSS_SSPI_NEG_FORM_RAW;
        ctx->actual_mech = m->id == IMECH_SPNEGO ? GSS_C_NO_OID : (gss_OID)&m->oid;
        if (!ctx->policy->valid && !ctx->nested) {
            major = refuse(minor, ctx, GSS_S_UNAUTHORIZED, GSS_SSPI_NEG_ERR_POLICY_INVALID,
                           GSS_C_NO_NAME);
            goto fail;
        }
        if (verifier_cred == GSS_C_NO_CREDENTIAL) {
            /* Re-entering the mechglue without a credential would route the
             * token back to us: acquire the real mechanism's default. */
            major = acquire_inner_default(minor, m, GSS_C_ACCEPT, &ctx->own_cred);
            if (GSS_ERROR(major)) {
                last_error_note(major, *minor, &m->oid);
                goto fail;
            }
        }
    }

    if (ctx->mech->package == GSS_SSPI_NEG_PACKAGE_KERBEROS && is_new &&
        input_token != GSS_C_NO_BUFFER) {
        struct ictx *report = ctx->nested ? parent->outer : ctx;
        krb5_ap_req_service(input_token->value, input_token->length, report->service,
                            sizeof(report->service));
    }
    if (ctx->mech->id == IMECH_NTLMSSP && input_token != GSS_C_NO_BUFFER &&
        (code = ntlm_rules(ctx, input_token)) != 0) {
        /* A message we cannot read is defective, as gss-ntlmssp would say. */
        major = refuse(minor, ctx,
                       code == GSS_SSPI_NEG_ERR_NTLM_MALFORMED ? GSS_S_DEFECTIVE_TOKEN
                                                               : GSS_S_UNAUTHORIZED,
                       code, GSS_C_NO_NAME);
        goto fail;
    }

    if ((code = apply_compat(ctx, input_token, &compat, &compat_token)) != 0) {
        major = refuse_why(minor, ctx, GSS_S_DEFECTIVE_TOKEN, code, GSS_C_NO_NAME, "failure",
                           compat.reason);
        goto fail;
    }
    if (compat.verdict == COMPAT_REWRITE)
        token = &compat_token;

    gss_channel_bindings_t bindings = input_chan_bindings;
    if (!ctx->nested && ctx->policy->channel_bindings == CB_NONE)
        bindings = GSS_C_NO_CHANNEL_BINDINGS;
    if (bindings != GSS_C_NO_CHANNEL_BINDINGS)
        ctx->had_bindings = true;
    gss_cred_id_t cred =
        verifier_cred != GSS_C_NO_CREDENTIAL ? ICRED(verifier_cred)->inner : ctx->own_cred;

    if (ctx->mech->id == IMECH_SPNEGO) {
        frame = (struct accept_frame){ctx, ctx->policy};
        accept_frame_push(&frame, &saved);
    }
    major = gss_accept_sec_context(minor, &ctx->inner, cred, token, bindings, &peer, &actual,
                                   output_token, &flags, time_rec, delegated_cred ? &deleg : NULL);
    if (ctx->mech->id == IMECH_SPNEGO)
        accept_frame_pop(saved);
    if (!ctx->nested && output_token != GSS_C_NO_BUFFER)
        compat_accept_output(&ctx->compat, output_token->value, output_token->length);
    if (actual != GSS_C_NO_OID)
        ctx->actual_mech = actual;
    if (mech_type != NULL)
        *mech_type = ctx->actual_mech;

    if (GSS_ERROR(major)) {
        last_error_note(major, *minor, ctx->actual_mech ? ctx->actual_mech : &ctx->mech->oid);
        if (!ctx->nested && !ctx->audited) {
            OM_uint32 imaj, imin;
            gss_OID_desc imech;
            bool ours = last_error_get(&imaj, &imin, &imech) && ext_error_text(imin) != NULL;
            char *why = failure_text(major, *minor);
            audit_context(ctx, GSS_C_NO_NAME, 0, ours ? "denied" : "failure", why, false);
            free(why);
        }
        goto fail;
    }
    if (major & GSS_S_CONTINUE_NEEDED) {
        gss_release_name(&tmp, &peer);
        *context = (gss_ctx_id_t)ctx;
        goto done;
    }

    ctx->complete = true;
    ctx->cb_state = cb_state_of(ctx, flags);
    if (!ctx->nested && ctx->policy->channel_bindings == CB_REQUIRE &&
        ctx->cb_state != GSS_SSPI_NEG_CB_MATCHED) {
        gss_release_buffer(&tmp, output_token);
        major = refuse(minor, ctx, GSS_S_BAD_BINDINGS, GSS_SSPI_NEG_ERR_CB_REQUIRED, peer);
        goto fail; /* releases peer and deleg */
    }
    audit_context(ctx, peer, flags, "success", NULL,
                  src_name != NULL && peer != GSS_C_NO_NAME && !ctx->nested);
    if (src_name != NULL) {
        *src_name = peer;
        name_remember_accepted(peer); /* the mechglue displays it next */
    } else {
        gss_release_name(&tmp, &peer);
    }
    if (delegated_cred != NULL) {
        OM_uint32 dmaj = delegated_cred_out(&tmp, ctx->mech, ctx->actual_mech, &deleg);
        if (GSS_ERROR(dmaj)) {
            *minor = tmp;
            major = dmaj;
            goto fail;
        }
        *delegated_cred = deleg;
    }
    if (ret_flags != NULL)
        *ret_flags = flags;
    *context = (gss_ctx_id_t)ctx;
    goto done;

fail:
    gss_release_name(&tmp, &peer);
    compat_result_clear(&compat);
    gss_release_cred(&tmp, &deleg);
    if (is_new) {
        ictx_free(ctx);
        *context = GSS_C_NO_CONTEXT;
    }
done:
    compat_result_clear(&compat);
    last_error_end(outermost);
    return major;
}
