/*
 * token_compat.c - the rules of the token-compatibility layer (see
 * token_compat.h), verified against gss-ntlmssp 1.2.0's decode path
 * (src/ntlm.c ntlm_decode_msg_type, ntlm_decode_neg_msg, ntlm_decode_field,
 * ntlm_decode_auth_msg; src/gss_sec_ctx.c gssntlm_accept_sec_context;
 * src/gss_auth.c gssntlm_srv_auth), [MS-NLMP] 2.2.1 and 3.1.5.1.2, and
 * RFC 2743 3.1 / RFC 4121 4.1 / RFC 4178 5.
 *
 * Facts the rules rest on:
 * - gss-ntlmssp 1.2.0 decodes with fixed structs: a NEGOTIATE shorter than
 *   40 bytes (with Version) and an AUTHENTICATE shorter than 72 are
 *   refused before anything else; a field offset below the payload start
 *   (40 or 72 with NEGOTIATE_VERSION set in the message, 32 or 64 without)
 *   is refused.
 * - Its CHALLENGE sets NEGOTIATE_VERSION whenever SIGN, SEAL or ALWAYS_SIGN
 *   is negotiated, even when the NEGOTIATE did not ask for it (as Windows
 *   Server 2022 does): clients that echo the flag without writing a
 *   Version field (curl) then put their payload at 64.
 * - The flags of an AUTHENTICATE are ignored by the acceptor ("our flags
 *   are authoritative") except to find the payload and the MIC: no key is
 *   derived from them.  NEGOTIATE_VERSION is no input of KXKEY, SIGNKEY or
 *   SEALKEY ([MS-NLMP] 3.4.5): only the MIC covers it, as bytes.
 * - The MIC is HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
 *   AUTHENTICATE) over the messages as sent; gss-ntlmssp computes it over
 *   the bytes it was given.  So a rewritten message is verifiable only
 *   when the client sends no MIC (MsvAvFlags bit 0x2 clear).
 * - With KEY_EXCH negotiated it copies 16 bytes out of the
 *   EncryptedRandomSessionKey field whatever its length: a NULL pointer
 *   (a segfault) when the field is empty, a heap over-read when shorter.
 *   It runs after the password check, so any account can trigger it.
 * - For an NTLMv1 response (NT 24 bytes) with extended session security
 *   it copies 8 bytes out of the LM response (NULL when empty), and
 *   compares 24 bytes of it when LM is allowed.
 * - The Kerberos AP-REQ's authenticator checksum (RFC 4121 4.1.1) covers
 *   the channel bindings and flags, not the token's framing; SPNEGO's
 *   mechListMIC covers only the DER of mechTypes (RFC 4178 5), not the
 *   mechToken.  Adding the RFC 2743 header changes no authenticated byte.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntlm_msg.h"
#include "oids.h"
#include "token_compat.h"
#include "token_frame.h"
#include "trace.h"

#define NTLM_NEG_MIN 32            /* through the workstation field */
#define NTLM_NEG_WITH_VERSION 40   /* gss-ntlmssp 1.2.0's minimum */
#define NTLM_AUTH_FIXED 64         /* through the flags */
#define NTLM_AUTH_WITH_VERSION 72  /* gss-ntlmssp 1.2.0's minimum */
#define NTLM_SESSION_KEY_SIZE 16
#define NTLMV1_RESPONSE_SIZE 24

/* The mechanism token a rule looks at (raw, or taken out of SPNEGO). */
struct mech_token {
    const unsigned char *p;
    size_t len;
    bool in_spnego;
    gss_OID_desc first_mech; /* SPNEGO NegTokenInit: first of mechTypes */
};

typedef enum compat_verdict (*rule_fn)(struct compat_state *st, const struct mech_token *t,
                                       struct compat_result *res);

static enum compat_verdict refuse(struct compat_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum compat_verdict refuse(struct compat_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
    va_end(ap);
    return COMPAT_REFUSE;
}

static enum compat_verdict rewritten(struct compat_result *res, unsigned char *token, size_t len)
{
    if (token == NULL) /* out of memory: the mechanism judges the original */
        return COMPAT_PASS;
    res->token = token;
    res->len = len;
    return COMPAT_REWRITE;
}

static bool is_auth(const struct mech_token *t)
{
    return ntlm_message_type(t->p, t->len) == NTLM_MSG_AUTHENTICATE && t->len >= NTLM_AUTH_FIXED;
}

/* ---- ntlm-negotiate-no-version ------------------------------------------------ */
static enum compat_verdict negotiate_no_version(struct compat_state *st,
                                                const struct mech_token *t,
                                                struct compat_result *res)
{
    static const size_t fields[] = {NTLM_NEG_DOMAIN_AT, NTLM_NEG_WORKSTATION_AT};
    if (ntlm_message_type(t->p, t->len) != NTLM_MSG_NEGOTIATE || t->len < NTLM_NEG_MIN ||
        t->len >= NTLM_NEG_WITH_VERSION || (ntlm_le32(t->p + NTLM_NEG_FLAGS_AT) & NTLM_FLAG_VERSION))
        return COMPAT_PASS;
    for (size_t i = 0; i < 2; i++) {
        const unsigned char *v;
        size_t n;
        if (!ntlm_field(t->p, t->len, fields[i], &v, &n) ||
            (n > 0 && (size_t)(v - t->p) < NTLM_NEG_MIN))
            return COMPAT_PASS; /* malformed: gss-ntlmssp refuses it itself */
    }
    unsigned char *out = malloc(t->len + NTLM_VERSION_SIZE);
    if (out == NULL)
        return COMPAT_PASS;
    /* An all-zero Version at 32, the payload after it, the offsets of the
     * fields that point into the payload moved with it. */
    memcpy(out, t->p, NTLM_NEG_MIN);
    memset(out + NTLM_NEG_MIN, 0, NTLM_VERSION_SIZE);
    memcpy(out + NTLM_NEG_MIN + NTLM_VERSION_SIZE, t->p + NTLM_NEG_MIN, t->len - NTLM_NEG_MIN);
    for (size_t i = 0; i < 2; i++)
        if (ntlm_le16(t->p + fields[i]) > 0)
            ntlm_put_le32(out + fields[i] + 4,
                          ntlm_le32(t->p + fields[i] + 4) + NTLM_VERSION_SIZE);
    st->negotiate_rewritten = true;
    return rewritten(res, out, t->len + NTLM_VERSION_SIZE);
}

/* ---- ntlm-mic-over-rewritten-negotiate ---------------------------------------- */
static enum compat_verdict mic_over_rewritten_negotiate(struct compat_state *st,
                                                        const struct mech_token *t,
                                                        struct compat_result *res)
{
    if (!is_auth(t) || !st->negotiate_rewritten ||
        !(ntlm_auth_av_flags(t->p, t->len) & NTLM_AV_FLAG_MIC))
        return COMPAT_PASS;
    return refuse(res, "the client's MIC covers its NEGOTIATE without Version as it sent it; "
                       "gss-ntlmssp 1.2.0 could only take it re-encoded, so the MIC cannot "
                       "verify (client omits Version yet sends a MIC)");
}

/* ---- ntlm-session-key-length ---------------------------------------------------- */
static enum compat_verdict session_key_length(struct compat_state *st, const struct mech_token *t,
                                              struct compat_result *res)
{
    const unsigned char *key;
    size_t key_len;
    if (!is_auth(t) || !ntlm_field(t->p, t->len, NTLM_AUTH_SESSION_KEY_AT, &key, &key_len))
        return COMPAT_PASS;
    /* The acceptor's flags decide (gss-ntlmssp ignores the AUTHENTICATE's);
     * the message's own stand in when the CHALLENGE was not seen. */
    uint32_t flags =
        st->challenge_seen ? st->challenge_flags : ntlm_le32(t->p + NTLM_AUTH_FLAGS_AT);
    if (!(flags & NTLM_FLAG_KEY_EXCH) || key_len == NTLM_SESSION_KEY_SIZE)
        return COMPAT_PASS;
    return refuse(res,
                  "KEY_EXCH negotiated but the EncryptedRandomSessionKey is %zu bytes, not 16 "
                  "([MS-NLMP] 2.2.1.3); gss-ntlmssp 1.2.0 would read 16 bytes from it",
                  key_len);
}

/* ---- ntlm-v1-short-lm -------------------------------------------------------------- */
static enum compat_verdict v1_short_lm(struct compat_state *st, const struct mech_token *t,
                                       struct compat_result *res)
{
    const unsigned char *lm, *nt;
    size_t lm_len, nt_len;
    (void)st;
    if (!is_auth(t) || !ntlm_field(t->p, t->len, NTLM_AUTH_LM_AT, &lm, &lm_len) ||
        !ntlm_field(t->p, t->len, NTLM_AUTH_NT_AT, &nt, &nt_len) ||
        nt_len != NTLMV1_RESPONSE_SIZE || lm_len >= NTLMV1_RESPONSE_SIZE)
        return COMPAT_PASS;
    return refuse(res,
                  "NTLMv1 response with a %zu-byte LM response, not 24 ([MS-NLMP] 3.3.1); "
                  "gss-ntlmssp 1.2.0 would read past it",
                  lm_len);
}

/* ---- ntlm-auth-version-at-64 -------------------------------------------------------- */
static enum compat_verdict auth_version_at_64(struct compat_state *st, const struct mech_token *t,
                                              struct compat_result *res)
{
    (void)st;
    if (!is_auth(t) || !(ntlm_le32(t->p + NTLM_AUTH_FLAGS_AT) & NTLM_FLAG_VERSION))
        return COMPAT_PASS;
    size_t start = ntlm_auth_payload_start(t->p, t->len);
    if (start < NTLM_AUTH_FIXED || start >= NTLM_AUTH_WITH_VERSION ||
        t->len < NTLM_AUTH_WITH_VERSION)
        return COMPAT_PASS; /* well-formed, or malformed beyond repair: gss-ntlmssp judges */
    if (ntlm_auth_av_flags(t->p, t->len) & NTLM_AV_FLAG_MIC)
        return refuse(res, "AUTHENTICATE sets NEGOTIATE_VERSION but its payload starts at %zu "
                           "(no Version field), and it carries a MIC over the bytes as sent: "
                           "no rewrite can keep that MIC valid",
                      start);
    unsigned char *out = malloc(t->len);
    if (out == NULL)
        return COMPAT_PASS;
    /* Clearing the flag says what the message is; nothing but a MIC
     * (absent here) covers it, and the payload stays where it is. */
    memcpy(out, t->p, t->len);
    ntlm_put_le32(out + NTLM_AUTH_FLAGS_AT,
                  ntlm_le32(t->p + NTLM_AUTH_FLAGS_AT) & ~NTLM_FLAG_VERSION);
    return rewritten(res, out, t->len);
}

/* ---- krb5-bare-ap-req --------------------------------------------------------------- */
static enum compat_verdict krb5_bare_ap_req(struct compat_state *st, const struct mech_token *t,
                                            struct compat_result *res)
{
    static const unsigned char ap_req_tok_id[2] = {0x01, 0x00};
    struct token_class cls;
    struct der d = {t->p, t->len}, v;
    unsigned char tag;
    unsigned char *out = NULL;
    size_t out_len = 0;
    (void)st;
    if (token_classify(t->p, t->len, &cls) != TOKEN_KRB5_BARE || !der_next(&d, &tag, &v) ||
        d.len != 0)
        return COMPAT_PASS;
    if (t->in_spnego && !oid_is_krb5(&t->first_mech))
        return COMPAT_PASS; /* the optimistic token is not for Kerberos */
    /* Always the RFC 1964 OID, as Windows frames its AP-REQ even when it lists
     * MS-KRB5 first (the captured Windows SPNEGO tokens): MIT's acceptor
     * credential has a krb5 element, and answers NO_CRED for MS-KRB5. */
    if (!gss_frame_token(&oid_krb5, ap_req_tok_id, t->p, t->len, &out, &out_len))
        return COMPAT_PASS;
    return rewritten(res, out, out_len);
}

/* Refusals first: a message that must not reach gss-ntlmssp is not
 * rewritten into one that would. */
static const rule_fn rule_fns[] = {
    mic_over_rewritten_negotiate, session_key_length, v1_short_lm,
    negotiate_no_version,         auth_version_at_64, krb5_bare_ap_req,
};

const struct compat_rule compat_rules[] = {
    {"ntlm-mic-over-rewritten-negotiate",
     "a client that omits the NEGOTIATE's Version field and still sends a MIC",
     "gss-ntlmssp 1.2.0 (MIC computed over the NEGOTIATE it was given)",
     "a refusal, with the reason, instead of a MIC failure nobody can explain",
     "tests/test_compat.c negative cases"},
    {"ntlm-session-key-length",
     "hostile or broken clients (any account with a correct password)",
     "gss-ntlmssp 1.2.0: segfault on an empty EncryptedRandomSessionKey with KEY_EXCH",
     "a refusal (SEC_E_INVALID_TOKEN / GSS_S_DEFECTIVE_TOKEN); Windows refuses such a message too",
     "tests/test_compat.c (live exchange, library and module)"},
    {"ntlm-v1-short-lm", "hostile or broken NTLMv1 clients",
     "gss-ntlmssp 1.2.0: reads 8 or 24 bytes from an LM response shorter than 24 (NULL if empty)",
     "a refusal; an NTLMv1 LM response is always 24 bytes ([MS-NLMP] 3.3.1)",
     "tests/test_compat.c unit cases"},
    {"ntlm-negotiate-no-version",
     "curl 7.88 --ntlm, Java HttpURLConnection, impacket (32-byte NEGOTIATE)",
     "gss-ntlmssp 1.2.0: ntlm_decode_msg_type wants 40 bytes before its own old-client path",
     "an all-zero Version inserted at 32, payload offsets moved: only a MIC covers the "
     "NEGOTIATE, and a MIC after this rewrite is refused (rule above)",
     "tests/test_compat.c (unit, and a live curl-shaped handshake)"},
    {"ntlm-auth-version-at-64",
     "curl 7.88 --ntlm and several Node/Python NTLM libraries (VERSION flag echoed, payload at 64)",
     "gss-ntlmssp 1.2.0: ntlm_decode_field wants offsets >= 72 when the flag is set",
     "the flag cleared, nothing moved: no key derives from it and the AUTHENTICATE's flags are "
     "ignored by the acceptor; refused when a MIC covers the message",
     "tests/test_compat.c (unit, and a live curl-shaped handshake)"},
    {"krb5-bare-ap-req",
     "impacket's SMB and LDAP Kerberos (AP-REQ in SPNEGO without the RFC 2743 header)",
     "MIT krb5 1.20: \"only DCE_STYLE clients are allowed to send raw AP-REQs\"",
     "the RFC 2743 header (the krb5 OID, as Windows writes it, TOK_ID 01 00) added: the "
     "authenticator checksum and SPNEGO's mechListMIC do not cover the framing",
     "tests/test_compat.c (unit, and a live AP-REQ unwrapped by the test)"},
};
const size_t compat_rule_count = sizeof(compat_rules) / sizeof(compat_rules[0]);

/* rule_fns and compat_rules go together, row by row. */
_Static_assert(sizeof(rule_fns) / sizeof(rule_fns[0]) ==
                   sizeof(compat_rules) / sizeof(compat_rules[0]),
               "one function per rule");
_Static_assert(sizeof(rule_fns) / sizeof(rule_fns[0]) <= 32, "fired_rules has 32 bits");

static enum compat_verdict run_rules(struct compat_state *st, const struct mech_token *t,
                                     struct compat_result *res)
{
    for (size_t i = 0; i < compat_rule_count; i++) {
        enum compat_verdict v = rule_fns[i](st, t, res);
        if (v != COMPAT_PASS) {
            res->rule = compat_rules[i].name;
            res->verdict = v;
            st->fired_rules |= 1u << i;
            return v;
        }
    }
    return COMPAT_PASS;
}

enum compat_verdict compat_accept_input(struct compat_state *state, const char *who,
                                        const void *token, size_t len, struct compat_result *out)
{
    struct token_class cls;
    struct spnego_path path;
    struct der inner;
    memset(out, 0, sizeof(*out));
    switch (token_classify(token, len, &cls)) {
    case TOKEN_NTLMSSP:
    case TOKEN_KRB5_BARE: {
        struct mech_token t = {token, len, false, {0, NULL}};
        run_rules(state, &t, out);
        break;
    }
    case TOKEN_SPNEGO_INIT:
    case TOKEN_SPNEGO_RESP: {
        if (!spnego_find_mech_token(token, len, &path, &inner))
            break;
        struct mech_token t = {inner.p, inner.len, true, path.first_mech};
        if (run_rules(state, &t, out) != COMPAT_REWRITE)
            break;
        unsigned char *whole = NULL;
        size_t whole_len = 0;
        bool ok = spnego_replace_mech_token(token, len, &path, out->token, out->len, &whole,
                                            &whole_len);
        free(out->token);
        out->token = whole;
        out->len = whole_len;
        if (!ok) /* out of memory: the mechanism judges the original */
            out->verdict = COMPAT_PASS;
        break;
    }
    default:
        break;
    }
    if (out->verdict == COMPAT_REFUSE)
        trace("%s: compat rule %s refuses the token: %s", who, out->rule, out->reason);
    else if (out->verdict == COMPAT_REWRITE)
        trace("%s: compat rule %s rewrote the token (%zu -> %zu bytes)", who, out->rule, len,
              out->len);
    if (out->verdict != COMPAT_PASS)
        state->fired = out->rule;
    return out->verdict;
}

void compat_accept_output(struct compat_state *state, const void *token, size_t len)
{
    struct token_class cls;
    struct spnego_path path;
    struct der inner = {token, len};
    enum token_kind kind = token_classify(token, len, &cls);
    if (kind == TOKEN_SPNEGO_RESP && !spnego_find_mech_token(token, len, &path, &inner))
        return;
    if (kind != TOKEN_NTLMSSP && kind != TOKEN_SPNEGO_RESP)
        return;
    if (ntlm_message_type(inner.p, inner.len) == NTLM_MSG_CHALLENGE &&
        inner.len >= NTLM_CHAL_FLAGS_AT + 4) {
        state->challenge_seen = true;
        state->challenge_flags = ntlm_le32(inner.p + NTLM_CHAL_FLAGS_AT);
    }
}

const char *compat_fired_names(const struct compat_state *state, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < compat_rule_count; i++) {
        if (!(state->fired_rules & (1u << i)))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", compat_rules[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

void compat_result_clear(struct compat_result *res)
{
    free(res->token);
    memset(res, 0, sizeof(*res));
}
