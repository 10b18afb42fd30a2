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
    if (ctx->audited)
        return;
    ctx->audited = true;
    char *who = defer ? NULL : name_text(client);
    char rules[256]; /* audit_defer reads them from ctx again */
    /* The ticket's server once the ticket decrypted; NTLM names none. */
    const char *service = ctx->complete && ctx->service[0] ? ctx->service : NULL;
    /* The mechanism the token named (the usual case) by address first. */
    int package = ctx->actual_mech == &ctx->mech->oid ? ctx->mech->package
                                                      : package_of(ctx->actual_mech);
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
    caller_requirements_audit(ctx->policy, &rec);
    if (defer)
        audit_defer(ctx->policy, &rec, client, ctx);
    else
        audit_emit(ctx->policy, &rec);
    free(who);
}

/* The NTLM rules, on each NTLM message (raw, or nested inside SPNEGO);
 * report: the context whose audit line names the client (the outer one).
 * Returns 0 or the minor code of a refusal. */
static OM_uint32 ntlm_rules(struct ictx *ctx, struct ictx *report, const gss_buffer_t token)
{
    const struct policy *policy = ctx->policy;
    struct ntlm_auth_info info;
    if (ctx->mech->id != IMECH_NTLMSSP || token == GSS_C_NO_BUFFER)
        return 0;
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

/* A refusal of ours: the context stops being usable.  The nested layer
 * stops here; the outer one writes the audit line first (refuse_why). */
static OM_uint32 stop(OM_uint32 *minor, struct ictx *ctx, OM_uint32 major, OM_uint32 code)
{
    OM_uint32 tmp;
    if (ctx->inner != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&tmp, &ctx->inner, GSS_C_NO_BUFFER);
    *minor = code;
    last_error_note(major, code, &interposer_oid);
    return major;
}

/* client: the established context's peer when one was authenticated (named
 * in the denied line), else GSS_C_NO_NAME.  reason: the audit line's, when
 * more precise than the code's text. */
static OM_uint32 refuse_why(OM_uint32 *minor, struct ictx *ctx, OM_uint32 major, OM_uint32 code,
                            gss_name_t client, const char *result, const char *reason)
{
    audit_context(ctx, client, 0, result, reason ? reason : ext_error_text(code), false);
    return stop(minor, ctx, major, code);
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
    if (token == GSS_C_NO_BUFFER)
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

/* One call's arguments, as the mechglue passed them. */
struct accept_args {
    OM_uint32 *minor;
    gss_ctx_id_t *context;
    gss_cred_id_t verifier_cred;
    gss_buffer_t input_token;
    gss_channel_bindings_t bindings;
    gss_name_t *src_name;
    gss_OID *mech_type;
    gss_buffer_t output_token;
    OM_uint32 *ret_flags;
    OM_uint32 *time_rec;
    gss_cred_id_t *delegated_cred;
};

/* What the real mechanism answered, until handed out or released. */
struct accept_result {
    gss_name_t peer;
    gss_cred_id_t deleg;
    OM_uint32 flags;
};

/* A context for a first token, of the mechanism the mechglue routed it to;
 * each layer then sets its policy and form. */
static OM_uint32 context_new(const struct accept_args *a, struct ictx **out)
{
    const struct imech *m = mech_for_token(a->verifier_cred, a->input_token);
    if (m == NULL)
        return GSS_S_DEFECTIVE_TOKEN;
    *out = ictx_new(m, ROLE_ACCEPTOR);
    if (*out == NULL) {
        *a->minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    (*out)->actual_mech = m->id == IMECH_SPNEGO ? GSS_C_NO_OID : (gss_OID)&m->oid;
    return GSS_S_COMPLETE;
}

/* Re-entering the mechglue without a credential would route the token back
 * to us: without one, acquire the real mechanism's default. */
static OM_uint32 own_cred(const struct accept_args *a, struct ictx *ctx)
{
    OM_uint32 major;
    if (a->verifier_cred != GSS_C_NO_CREDENTIAL)
        return GSS_S_COMPLETE;
    major = acquire_inner_default(a->minor, ctx->mech, GSS_C_ACCEPT, &ctx->own_cred);
    if (GSS_ERROR(major))
        last_error_note(major, *a->minor, &ctx->mech->oid);
    return major;
}

/* Kerberos: the ticket's server, for report's audit line. */
static void note_service(const struct accept_args *a, const struct ictx *ctx, struct ictx *report)
{
    if (ctx->mech->package == GSS_SSPI_NEG_PACKAGE_KERBEROS && a->input_token != GSS_C_NO_BUFFER)
        krb5_ap_req_service(a->input_token->value, a->input_token->length, report->service,
                            sizeof(report->service));
}

/* The real mechanism's step, with our SPNEGO frame around it. */
static OM_uint32 accept_real(const struct accept_args *a, struct ictx *ctx, gss_buffer_t token,
                             gss_channel_bindings_t bindings, struct accept_result *res)
{
    OM_uint32 major;
    gss_OID actual = GSS_C_NO_OID;
    /* Only SPNEGO can answer with another mechanism than the one the token
     * named (context_new's actual_mech): asking Kerberos or NTLM costs the
     * mechglue a walk of its mechanism list for the same OID. */
    gss_OID *ask = ctx->mech->id == IMECH_SPNEGO ? &actual : NULL;
    struct accept_frame frame = {ctx, ctx->policy}, *saved = NULL;
    gss_cred_id_t cred = a->verifier_cred != GSS_C_NO_CREDENTIAL ? ICRED(a->verifier_cred)->inner
                                                                 : ctx->own_cred;
    if (bindings != GSS_C_NO_CHANNEL_BINDINGS)
        ctx->had_bindings = true;
    if (ctx->mech->id == IMECH_SPNEGO)
        accept_frame_push(&frame, &saved);
    major = gss_accept_sec_context(a->minor, &ctx->inner, cred, token, bindings, &res->peer, ask,
                                   a->output_token, &res->flags, a->time_rec,
                                   a->delegated_cred ? &res->deleg : NULL);
    if (ctx->mech->id == IMECH_SPNEGO)
        accept_frame_pop(saved);
    if (actual != GSS_C_NO_OID)
        ctx->actual_mech = actual;
    if (a->mech_type != NULL)
        *a->mech_type = ctx->actual_mech;
    if (GSS_ERROR(major)) {
        last_error_note(major, *a->minor, ctx->actual_mech ? ctx->actual_mech : &ctx->mech->oid);
    } else if (!(major & GSS_S_CONTINUE_NEEDED)) {
        ctx->complete = true;
        ctx->cb_state = cb_state_of(ctx, res->flags);
    }
    return major;
}

/* An established context's results to the caller. */
static OM_uint32 hand_out(const struct accept_args *a, struct ictx *ctx, struct accept_result *res)
{
    OM_uint32 major, tmp;
    if (a->delegated_cred != NULL) {
        major = delegated_cred_out(&tmp, ctx->mech, ctx->actual_mech, &res->deleg);
        if (GSS_ERROR(major)) {
            *a->minor = tmp;
            return major;
        }
        *a->delegated_cred = res->deleg;
        res->deleg = GSS_C_NO_CREDENTIAL;
    }
    if (a->src_name != NULL) {
        *a->src_name = res->peer;
        name_remember_accepted(res->peer); /* the mechglue displays it next */
        res->peer = GSS_C_NO_NAME;
    }
    if (a->ret_flags != NULL)
        *a->ret_flags = res->flags;
    return GSS_S_COMPLETE;
}

/* The one exit of both layers: what was not handed out is released, and a
 * context made by a failed first call is gone. */
static OM_uint32 accept_end(const struct accept_args *a, struct ictx *ctx, bool is_new,
                            OM_uint32 major, struct accept_result *res)
{
    OM_uint32 tmp;
    if (res->peer != GSS_C_NO_NAME)
        gss_release_name(&tmp, &res->peer);
    if (res->deleg != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&tmp, &res->deleg);
    if (!GSS_ERROR(major)) {
        *a->context = (gss_ctx_id_t)ctx;
    } else if (is_new) {
        ictx_free(ctx);
        *a->context = GSS_C_NO_CONTEXT;
    }
    return major;
}

/* The NTLM rules' refusal: a message we cannot read is defective, as
 * gss-ntlmssp would say. */
static OM_uint32 ntlm_refusal_major(OM_uint32 code)
{
    return code == GSS_SSPI_NEG_ERR_NTLM_MALFORMED ? GSS_S_DEFECTIVE_TOKEN : GSS_S_UNAUTHORIZED;
}

/* ---- the nested layer: Kerberos or NTLM inside our SPNEGO acceptor ---------------
 * Only the NTLM rules; what it learns goes to the outer context (report),
 * which applies the policy, the bindings rule and the audit. */
static OM_uint32 nested_start(const struct accept_args *a, struct accept_frame *parent,
                              struct ictx **ctx)
{
    OM_uint32 major = context_new(a, ctx);
    if (GSS_ERROR(major))
        return major;
    (*ctx)->nested = true;
    (*ctx)->policy = parent->policy;
    (*ctx)->form = GSS_SSPI_NEG_FORM_SPNEGO;
    if (parent->outer->actual_mech == GSS_C_NO_OID)
        parent->outer->actual_mech = (gss_OID)&(*ctx)->mech->oid; /* known before SPNEGO says */
    return own_cred(a, *ctx);
}

static OM_uint32 accept_nested(const struct accept_args *a, struct ictx *ctx,
                               struct accept_frame *parent)
{
    bool is_new = ctx == NULL;
    struct accept_result res = {GSS_C_NO_NAME, GSS_C_NO_CREDENTIAL, 0};
    OM_uint32 major = GSS_S_COMPLETE, code;
    if (is_new && GSS_ERROR(major = nested_start(a, parent, &ctx)))
        goto out;
    struct ictx *report = parent != NULL ? parent->outer : ctx;
    if (is_new)
        note_service(a, ctx, report);
    if ((code = ntlm_rules(ctx, report, a->input_token)) != 0) {
        major = stop(a->minor, ctx, ntlm_refusal_major(code), code);
        goto out;
    }
    major = accept_real(a, ctx, a->input_token, a->bindings, &res);
    if (!GSS_ERROR(major) && !(major & GSS_S_CONTINUE_NEEDED)) {
        OM_uint32 handed = hand_out(a, ctx, &res);
        major = GSS_ERROR(handed) ? handed : major;
    }
out:
    return accept_end(a, ctx, is_new, major, &res);
}

/* ---- the outer layer: a raw token or our SPNEGO ----------------------------------
 * The policy snapshot, the compatibility layer, the bindings rule and the
 * one audit line of the context. */
static OM_uint32 outer_start(const struct accept_args *a, struct ictx **ctx)
{
    OM_uint32 major = context_new(a, ctx);
    if (GSS_ERROR(major))
        return major;
    (*ctx)->policy = policy_acceptor();
    (*ctx)->form = (*ctx)->mech->id == IMECH_SPNEGO || loaded_inside_foreign_spnego()
                       ? GSS_SSPI_NEG_FORM_SPNEGO
                       : GSS_SSPI_NEG_FORM_RAW;
    if (!(*ctx)->policy->valid)
        return refuse(a->minor, *ctx, GSS_S_UNAUTHORIZED, GSS_SSPI_NEG_ERR_POLICY_INVALID,
                      GSS_C_NO_NAME);
    return own_cred(a, *ctx);
}

/* The failure line: "denied" when the innermost failure was ours. */
static void audit_failure(struct ictx *ctx, OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 imaj, imin;
    gss_OID_desc imech;
    if (ctx->audited)
        return;
    bool ours = last_error_get(&imaj, &imin, &imech) && ext_error_text(imin) != NULL;
    char *why = failure_text(major, minor);
    audit_context(ctx, GSS_C_NO_NAME, 0, ours ? "denied" : "failure", why, false);
    free(why);
}

/* After an established context: the bindings rules, the success line. */
static OM_uint32 outer_established(const struct accept_args *a, struct ictx *ctx,
                                   struct accept_result *res)
{
    OM_uint32 tmp;
    if (ctx->policy->channel_bindings == CB_REQUIRE && ctx->cb_state != GSS_SSPI_NEG_CB_MATCHED) {
        gss_release_buffer(&tmp, a->output_token);
        return refuse(a->minor, ctx, GSS_S_BAD_BINDINGS, GSS_SSPI_NEG_ERR_CB_REQUIRED, res->peer);
    }
    /* What the application requires on top (ACCEPTOR_REQUIREMENTS): its
     * refusal, not the policy's, so "failure" rather than "denied". */
    OM_uint32 major, code = caller_requirements_check(ctx, res->flags, &major);
    if (code != 0) {
        gss_release_buffer(&tmp, a->output_token);
        return refuse_why(a->minor, ctx, major, code, res->peer, "failure", NULL);
    }
    audit_context(ctx, res->peer, res->flags, "success", NULL,
                  a->src_name != NULL && res->peer != GSS_C_NO_NAME);
    return hand_out(a, ctx, res);
}

static OM_uint32 accept_outer(const struct accept_args *a, struct ictx *ctx)
{
    bool is_new = ctx == NULL;
    struct accept_result res = {GSS_C_NO_NAME, GSS_C_NO_CREDENTIAL, 0};
    /* apply_compat fills the rest (the reason only for a refusal). */
    struct compat_result compat;
    compat.verdict = COMPAT_PASS;
    compat.token = NULL;
    gss_buffer_desc compat_token = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = GSS_S_COMPLETE, code;
    if (is_new && GSS_ERROR(major = outer_start(a, &ctx)))
        goto out;
    if (is_new)
        note_service(a, ctx, ctx);
    if ((code = ntlm_rules(ctx, ctx, a->input_token)) != 0) {
        major = refuse(a->minor, ctx, ntlm_refusal_major(code), code, GSS_C_NO_NAME);
        goto out;
    }
    if ((code = apply_compat(ctx, a->input_token, &compat, &compat_token)) != 0) {
        major = refuse_why(a->minor, ctx, GSS_S_DEFECTIVE_TOKEN, code, GSS_C_NO_NAME, "failure",
                           compat.reason);
        goto out;
    }
    major = accept_real(a, ctx, compat.verdict == COMPAT_REWRITE ? &compat_token : a->input_token,
                        caller_cb_mode(ctx->policy) == CB_NONE ? GSS_C_NO_CHANNEL_BINDINGS
                                                               : a->bindings,
                        &res);
    /* The layer remembers the NTLM CHALLENGE it sees; a Kerberos reply has none. */
    if (a->output_token != GSS_C_NO_BUFFER && ctx->mech->package != GSS_SSPI_NEG_PACKAGE_KERBEROS)
        compat_accept_output(&ctx->compat, a->output_token->value, a->output_token->length);
    if (GSS_ERROR(major)) {
        audit_failure(ctx, major, *a->minor);
    } else if (!(major & GSS_S_CONTINUE_NEEDED)) {
        OM_uint32 done = outer_established(a, ctx, &res);
        major = GSS_ERROR(done) ? done : major;
    }
out:
    compat_result_clear(&compat);
    return accept_end(a, ctx, is_new, major, &res);
}

/* The nesting is decided here, once: a new context is nested when our SPNEGO
 * acceptor's frame is open on this thread; a continued one stays what it
 * was made as. */
OM_uint32 gssi_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                  gss_cred_id_t verifier_cred, gss_buffer_t input_token,
                                  gss_channel_bindings_t input_chan_bindings, gss_name_t *src_name,
                                  gss_OID *mech_type, gss_buffer_t output_token,
                                  OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                  gss_cred_id_t *delegated_cred)
{
    struct accept_args a = {minor,     context,     verifier_cred, input_token,
                            input_chan_bindings, src_name, mech_type, output_token,
                            ret_flags, time_rec, delegated_cred};
    struct accept_frame *parent = accept_frame_current();
    struct ictx *ctx = ICTX(*context);
    bool nested = ctx != NULL ? ctx->nested : parent != NULL, outermost;
    OM_uint32 major;
    last_error_begin(&outermost);
    if (outermost)
        audit_flush_pending(); /* a line the mechglue never came back for */
    *minor = 0;
    major = nested ? accept_nested(&a, ctx, parent) : accept_outer(&a, ctx);
    last_error_end(outermost);
    return major;
}
