/*
 * extensions.c - our extension OIDs (gss-sspi-mech.h), the texts of our own
 * minor codes, and the thread's last failure.
 *
 * Why a last-failure record: MIT's mechglue maps every (mechanism, minor)
 * pair it passes up to a process-wide number, and a number is kept for the
 * first pair that used it.  A minor that crosses an interposer is mapped
 * twice, (real mech, m) then (interposer, m), so the caller receives a new
 * number instead of the mechanism's code (gss_display_status still finds
 * the text).  Callers that compare minors with mechanism codes (libgss-sspi
 * maps KRB5KRB_AP_ERR_SKEW and friends) ask us for the original.  The
 * number we get back from the real mechanism is made up too when another
 * pair owned its code first (gss-ntlmssp's EINVAL for a wrong password
 * after anything else reported EINVAL): the code is then recovered by its
 * text (minor_map.h) before it is recorded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mech_internal.h"
#include "minor_map.h"
#include "status_text.h"
#include "thread_state.h"

#define EXT(n)                                                                                     \
    {                                                                                              \
        GSS_SSPI_NEGOTIATE_EXT_OID_LEN, GSS_SSPI_NEGOTIATE_EXT_OID_DER(n)                          \
    }
gss_OID_desc ext_negotiation_info = EXT("\x01");
gss_OID_desc ext_ntlm_version = EXT("\x02");
gss_OID_desc ext_channel_bindings = EXT("\x03");
gss_OID_desc ext_last_error = EXT("\x04");
gss_OID_desc ext_policy_status = EXT("\x05");
gss_OID_desc ext_ntlm_policy = EXT("\x06");
gss_OID_desc ext_acceptor_requirements = EXT("\x07");

static const struct {
    OM_uint32 code;
    const char *text;
} own_errors[] = {
    {GSS_SSPI_NEG_ERR_NTLM_DENIED, "NTLM authentication is refused by policy (ntlm = deny)"},
    {GSS_SSPI_NEG_ERR_NTLMV1_DENIED,
     "NTLMv1 or LM response refused by policy (ntlm_v1 = deny); the client must send NTLMv2"},
    {GSS_SSPI_NEG_ERR_CB_REQUIRED,
     "channel bindings required by policy (channel_bindings = require): the client's were "
     "absent or not verified"},
    {GSS_SSPI_NEG_ERR_POLICY_INVALID, "the gss-sspi negotiate policy file is invalid; every "
                                      "acceptor is denied until it is fixed"},
    {GSS_SSPI_NEG_ERR_NO_MEMORY, "out of memory in gss-sspi-negotiate"},
    {GSS_SSPI_NEG_ERR_BAD_NEGTOKENINIT, "the server's SPNEGO NegTokenInit2 is malformed"},
    {GSS_SSPI_NEG_ERR_NO_COMMON_MECH,
     "no mechanism of the server's SPNEGO list can be used with this credential"},
    {GSS_SSPI_NEG_ERR_NTLM_MALFORMED, "malformed NTLM AUTHENTICATE message"},
    {GSS_SSPI_NEG_ERR_COMPAT_REFUSED,
     "token refused by the token-compatibility layer (it would crash the mechanism, or no "
     "rewrite can keep its MIC valid)"},
    {GSS_SSPI_NEG_ERR_CALLER_CB_REQUIRED,
     "channel bindings required by the application (its acceptor policy): the client's were "
     "absent or not verified"},
    {GSS_SSPI_NEG_ERR_CALLER_FLAGS,
     "a security flag the application requires (integrity, confidentiality, replay, sequence "
     "or mutual authentication) was not granted"},
};

const char *ext_error_text(OM_uint32 minor)
{
    for (size_t i = 0; i < sizeof(own_errors) / sizeof(own_errors[0]); i++)
        if (own_errors[i].code == minor)
            return own_errors[i].text;
    return NULL;
}

/* The text of one of our codes with what is known now (malloc'ed), NULL if
 * the code is not ours.  A refusal for an invalid policy names the file,
 * line and reason: applications (Apache's error log) show only what
 * gss_display_status says. */
char *ext_error_describe(OM_uint32 minor)
{
    const char *own = ext_error_text(minor);
    char *text = NULL;
    if (own == NULL)
        return NULL;
    if (minor == GSS_SSPI_NEG_ERR_POLICY_INVALID) {
        const struct policy *p = policy_current();
        if (!p->valid && p->error != NULL &&
            asprintf(&text,
                     "the gss-sspi negotiate policy file is invalid: %s; every acceptor is "
                     "denied until it is fixed",
                     p->error) > 0)
            return text;
    }
    return strdup(own);
}

char *status_text(OM_uint32 major, OM_uint32 minor)
{
    char *buf = ext_error_describe(minor);
    size_t len = 0;
    if (buf != NULL)
        return buf;
    if (GSS_ERROR(major))
        status_text_append(&buf, &len, major, GSS_C_GSS_CODE, GSS_C_NO_OID);
    if (minor != 0)
        status_text_append(&buf, &len, minor, GSS_C_MECH_CODE, GSS_C_NO_OID);
    return buf ? buf : strdup("");
}

/* ---- the last failure ---------------------------------------------------------- */
/* struct error_record and the per-thread records: thread_state.h. */

void last_error_begin(bool *outermost)
{
    struct mech_thread_state *ts = thread_state();
    *outermost = ts->call_depth == 0;
    if (*outermost)
        ts->current_error.set = false;
    ts->call_depth++;
}

void last_error_note(OM_uint32 major, OM_uint32 minor, gss_const_OID mech)
{
    struct mech_thread_state *ts = thread_state();
    bool kept = ts->call_depth == 0 || !ts->current_error.set;
    OM_uint32 own;
    if (kept && minor_made_up(minor) && minor_errno_by_text(minor, &own))
        minor = own;
    struct error_record rec = {true, major, minor, 0, {0}};
    if (mech != GSS_C_NO_OID && mech->length <= sizeof(rec.oid)) {
        rec.oid_len = mech->length;
        memcpy(rec.oid, mech->elements, mech->length);
    }
    if (ts->call_depth == 0)
        ts->published_error = rec; /* a call of its own */
    else if (!ts->current_error.set)
        ts->current_error = rec; /* the innermost failure wins */
}

void last_error_end(bool outermost)
{
    struct mech_thread_state *ts = thread_state();
    ts->call_depth--;
    if (outermost && ts->current_error.set)
        ts->published_error = ts->current_error;
}

bool last_error_get(OM_uint32 *major, OM_uint32 *minor, gss_OID_desc *mech)
{
    const struct mech_thread_state *ts = thread_state();
    const struct error_record *rec = ts->call_depth > 0 ? &ts->current_error : &ts->published_error;
    if (!rec->set)
        return false;
    *major = rec->major;
    *minor = rec->minor;
    mech->length = (OM_uint32)rec->oid_len;
    mech->elements = (void *)rec->oid;
    return true;
}

/* ---- answers ---------------------------------------------------------------------- */
static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static OM_uint32 add_buffer(OM_uint32 *minor, gss_buffer_set_t *set, const void *data, size_t len)
{
    gss_buffer_desc b = {len, (void *)data};
    return gss_add_buffer_set_member(minor, &b, set);
}

/* The mechanism a context negotiated: what accept reported, else what the
 * real context says (initiators). */
static gss_const_OID context_mech(const struct ictx *ctx, gss_OID *scratch)
{
    OM_uint32 minor;
    if (ctx->actual_mech != GSS_C_NO_OID)
        return ctx->actual_mech;
    if (ctx->mech->id != IMECH_SPNEGO)
        return &ctx->mech->oid;
    if (ctx->inner != GSS_C_NO_CONTEXT &&
        !GSS_ERROR(
            gss_inquire_context(&minor, ctx->inner, NULL, NULL, NULL, scratch, NULL, NULL, NULL)))
        return *scratch;
    return GSS_C_NO_OID;
}

static OM_uint32 negotiation_info(OM_uint32 *minor, const struct ictx *ctx, gss_buffer_set_t *set)
{
    OM_uint32 major;
    gss_OID scratch = GSS_C_NO_OID;
    gss_const_OID mech = context_mech(ctx, &scratch);
    int package = package_of(mech);
    int form = ctx->role == ROLE_ACCEPTOR      ? ctx->form
               : ctx->mech->id == IMECH_SPNEGO ? GSS_SSPI_NEG_FORM_SPNEGO
                                               : GSS_SSPI_NEG_FORM_RAW;
    unsigned char head[16];
    put_le32(head, (uint32_t)package);
    put_le32(head + 4, (uint32_t)form);
    put_le32(head + 8, (uint32_t)ctx->ntlm_version);
    put_le32(head + 12, ctx->complete || ctx->role != ROLE_ACCEPTOR);
    const char *name = package_name(package);
    major = add_buffer(minor, set, head, sizeof(head));
    if (major == GSS_S_COMPLETE)
        major = add_buffer(minor, set, mech ? mech->elements : "", mech ? mech->length : 0);
    if (major == GSS_S_COMPLETE)
        major = add_buffer(minor, set, name, strlen(name));
    return major;
}

OM_uint32 ext_inquire_context(OM_uint32 *minor, const struct ictx *ctx, gss_const_OID object,
                              gss_buffer_set_t *data_set, bool *handled)
{
    OM_uint32 major, tmp;
    unsigned char buf[8];
    *handled = false;
    if (object == GSS_C_NO_OID || object->length != GSS_SSPI_NEGOTIATE_EXT_OID_LEN ||
        memcmp(object->elements, GSS_SSPI_NEGOTIATE_ARC_DER, GSS_SSPI_NEGOTIATE_ARC_LEN) != 0)
        return GSS_S_COMPLETE;
    *handled = true;
    *minor = 0;
    major = gss_create_empty_buffer_set(minor, data_set);
    if (major != GSS_S_COMPLETE)
        return major;
    if (oid_equal(object, &ext_negotiation_info)) {
        major = negotiation_info(minor, ctx, data_set);
    } else if (oid_equal(object, &ext_ntlm_version)) {
        put_le32(buf, (uint32_t)ctx->ntlm_version);
        major = add_buffer(minor, data_set, buf, 4);
    } else if (oid_equal(object, &ext_channel_bindings)) {
        put_le32(buf, (uint32_t)ctx->cb_state);
        put_le32(buf + 4, ctx->policy ? (uint32_t)ctx->policy->channel_bindings
                                      : GSS_SSPI_NEG_CB_POLICY_ALLOW);
        major = add_buffer(minor, data_set, buf, 8);
    } else {
        major = GSS_S_UNAVAILABLE;
    }
    if (major != GSS_S_COMPLETE)
        gss_release_buffer_set(&tmp, data_set);
    return major;
}

OM_uint32 ext_mech_invoke(OM_uint32 *minor, gss_const_OID object, gss_buffer_t value, bool *handled)
{
    unsigned char *out = NULL;
    size_t len = 0;
    *handled = true;
    *minor = 0;
    if (oid_equal(object, &ext_acceptor_requirements))
        return caller_requirements_set(minor, value); /* reads value, fills nothing */
    if (oid_equal(object, &ext_last_error)) {
        OM_uint32 major, min;
        gss_OID_desc mech;
        if (!last_error_get(&major, &min, &mech))
            return GSS_S_UNAVAILABLE;
        len = 8 + mech.length;
        if ((out = malloc(len)) == NULL)
            goto nomem;
        put_le32(out, major);
        put_le32(out + 4, min);
        memcpy(out + 8, mech.elements, mech.length);
    } else if (oid_equal(object, &ext_policy_status)) {
        const struct policy *p = policy_current();
        const char *audit = p->audit_file ? audit_file_problem(p) : NULL;
        unsigned long dropped = syslog_dropped();
        char *text = NULL;
        int n = asprintf(&text, "%s%s%s%s%s", p->valid ? p->source : p->error ? p->error : "?",
                         audit ? "; audit_file " : "", audit ? p->audit_file : "",
                         audit ? ": " : "", audit ? audit : "");
        if (n > 0 && dropped != 0) {
            char *more = NULL;
            n = asprintf(&more, "%s; syslog: %lu audit lines dropped (socket full)", text,
                         dropped);
            free(text);
            text = n > 0 ? more : NULL;
        }
        if (n < 0 || (out = malloc(4 + (size_t)n)) == NULL) {
            free(n < 0 ? NULL : text);
            goto nomem;
        }
        len = 4 + (size_t)n;
        put_le32(out, p->valid ? 0 : 1);
        memcpy(out + 4, text, (size_t)n);
        free(text);
    } else if (oid_equal(object, &ext_ntlm_policy)) {
        /* enum ntlm_mode has the values of GSS_SSPI_NEG_NTLM_POLICY_*. */
        const struct policy *p = policy_current();
        len = 8;
        if ((out = malloc(len)) == NULL)
            goto nomem;
        put_le32(out, p->valid ? (uint32_t)p->ntlm : GSS_SSPI_NEG_NTLM_POLICY_DENY);
        put_le32(out + 4, p->valid ? (uint32_t)p->ntlm_v1 : GSS_SSPI_NEG_NTLM_POLICY_DENY);
    } else {
        *handled = false;
        return GSS_S_UNAVAILABLE;
    }
    if (value == GSS_C_NO_BUFFER) {
        free(out);
        return GSS_S_CALL_INACCESSIBLE_WRITE;
    }
    value->value = out;
    value->length = len;
    return GSS_S_COMPLETE;
nomem:
    *minor = ENOMEM;
    return GSS_S_FAILURE;
}
