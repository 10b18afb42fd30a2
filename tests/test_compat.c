/*
 * test_compat.c - the token-compatibility layer (common/token_compat.c).
 *
 * Rules: every rule on real tokens (curl 7.88's, tests/data/compat/) and
 * on messages made to measure, with the cases where a rewrite must not
 * happen (MIC present, fields overlapping the fixed part, lengths lying,
 * truncated messages).
 *
 * Live: real exchanges between libgss-sspi's initiator and its acceptor,
 * with the client's tokens reshaped the way curl, impacket and hostile
 * clients send them, once with the library's own layer and once through
 * gss-sspi-negotiate (GSS_MECH_CONFIG; the library then leaves the tokens
 * to the module), and for NTLM also with a plain GSS acceptor over the
 * module (what any GSS application gets).  Each test runs in a process of its own (check's fork),
 * so a module test loads the module before its first GSS call.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "der.h"
#include "gss-sspi-mech.h"
#include "ntlm_msg.h"
#include "oids.h"
#include "testlib.h"
#include "token_compat.h"
#include "token_frame.h"

/* ---- helpers ----------------------------------------------------------------------------- */
static unsigned char *read_data(const char *name, size_t *len)
{
    char path[1024];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof(path), "%s/tests/data/compat/%s", top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    unsigned char *buf = malloc(65536);
    *len = fread(buf, 1, 65536, f);
    fclose(f);
    return buf;
}

static enum compat_verdict run(struct compat_state *st, const void *p, size_t n,
                               struct compat_result *res)
{
    return compat_accept_input(st, "test", p, n, res);
}

static void put_field(unsigned char *msg, size_t at, size_t len, size_t off)
{
    msg[at] = msg[at + 2] = (unsigned char)len;
    msg[at + 1] = msg[at + 3] = (unsigned char)(len >> 8);
    ntlm_put_le32(msg + at + 4, (uint32_t)off);
}

/* An AUTHENTICATE made to measure: the fields' bytes in order from
 * payload_at (64: no Version, 72: Version); an NTLMv2 response carries an
 * MsvAvFlags pair with av_flags. */
struct auth_spec {
    uint32_t flags;
    size_t lm, nt, key, payload_at;
    uint32_t av_flags;
};

static unsigned char *make_auth(const struct auth_spec *s, size_t *len)
{
    size_t nt = s->nt >= NTLMV2_AV_PAIRS_AT ? NTLMV2_AV_PAIRS_AT + 12 : s->nt;
    size_t total = s->payload_at + s->lm + nt + 2 + 2 + s->key;
    unsigned char *m = calloc(1, total), *p = m + s->payload_at;
    memcpy(m, "NTLMSSP\0\3\0\0\0", 12);
    ntlm_put_le32(m + NTLM_AUTH_FLAGS_AT, s->flags);
    put_field(m, NTLM_AUTH_LM_AT, s->lm, (size_t)(p - m));
    memset(p, 0x11, s->lm);
    p += s->lm;
    put_field(m, NTLM_AUTH_NT_AT, nt, (size_t)(p - m));
    memset(p, 0x22, nt);
    if (nt > NTLMV2_AV_PAIRS_AT) {
        unsigned char *av = p + NTLMV2_AV_PAIRS_AT;
        memset(av, 0, 12);
        av[0] = NTLM_AV_FLAGS;
        av[2] = 4;
        ntlm_put_le32(av + 4, s->av_flags);
    }
    p += nt;
    put_field(m, NTLM_AUTH_DOMAIN_AT, 2, (size_t)(p - m));
    memcpy(p, "D\0", 2);
    p += 2;
    put_field(m, NTLM_AUTH_USER_AT, 2, (size_t)(p - m));
    memcpy(p, "u\0", 2);
    p += 2;
    put_field(m, NTLM_AUTH_WORKSTATION_AT, 0, (size_t)(p - m));
    put_field(m, NTLM_AUTH_SESSION_KEY_AT, s->key, (size_t)(p - m));
    memset(p, 0x33, s->key);
    *len = total;
    return m;
}

#define V2_FLAGS (NTLM_FLAG_UNICODE | 0x00080000u | 0x00000200u)

/* The layer's verdict on an AUTHENTICATE made to spec; *rule: who decided. */
static enum compat_verdict judge_auth(const struct auth_spec *spec, struct compat_state *st,
                                      const char **rule)
{
    size_t len;
    unsigned char *auth = make_auth(spec, &len);
    struct compat_result res;
    enum compat_verdict v = run(st, auth, len, &res);
    *rule = res.rule;
    compat_result_clear(&res);
    free(auth);
    return v;
}

/* ---- ntlm-negotiate-no-version -------------------------------------------------------------- */
START_TEST(negotiate_from_curl_gets_a_version)
{
    size_t len;
    unsigned char *neg = read_data("curl-7.88-negotiate.bin", &len);
    struct compat_state st = {0};
    struct compat_result res;
    ck_assert_uint_eq(len, 32);
    ck_assert_int_eq(run(&st, neg, len, &res), COMPAT_REWRITE);
    ck_assert_str_eq(res.rule, "ntlm-negotiate-no-version");
    ck_assert_uint_eq(res.len, 40);
    ck_assert_mem_eq(res.token, neg, 32);
    static const unsigned char zero[8];
    ck_assert_mem_eq(res.token + 32, zero, 8);
    ck_assert(st.negotiate_rewritten);
    ck_assert_str_eq(st.fired, "ntlm-negotiate-no-version");
    char names[128];
    ck_assert_str_eq(compat_fired_names(&st, names, sizeof(names)), "ntlm-negotiate-no-version");
    /* Applied again (the module after the library, say): nothing to do. */
    struct compat_state again = {0};
    struct compat_result res2;
    ck_assert_int_eq(run(&again, res.token, res.len, &res2), COMPAT_PASS);
    compat_result_clear(&res);
    free(neg);
}
END_TEST

START_TEST(negotiate_payload_moves_with_the_version)
{
    /* 32 fixed bytes, then the OEM domain "DOM" at 32. */
    unsigned char neg[35] = "NTLMSSP\0\1\0\0\0";
    ntlm_put_le32(neg + NTLM_NEG_FLAGS_AT, 0x00001000u | 0x00000207u);
    put_field(neg, NTLM_NEG_DOMAIN_AT, 3, 32);
    put_field(neg, NTLM_NEG_WORKSTATION_AT, 0, 0);
    memcpy(neg + 32, "DOM", 3);
    struct compat_state st = {0};
    struct compat_result res;
    ck_assert_int_eq(run(&st, neg, sizeof(neg), &res), COMPAT_REWRITE);
    ck_assert_uint_eq(res.len, 43);
    const unsigned char *v;
    size_t n;
    ck_assert(ntlm_field(res.token, res.len, NTLM_NEG_DOMAIN_AT, &v, &n));
    ck_assert_uint_eq(v - res.token, 40);
    ck_assert_mem_eq(v, "DOM", 3);
    ck_assert_uint_eq(ntlm_le32(res.token + NTLM_NEG_WORKSTATION_AT + 4), 0); /* empty: as it was */
    compat_result_clear(&res);
}
END_TEST

/* Where the NEGOTIATE must be left alone: gss-ntlmssp takes it, or it is
 * malformed beyond what a rewrite may assume. */
START_TEST(negotiate_left_alone)
{
    size_t len;
    unsigned char *neg = read_data("curl-7.88-negotiate.bin", &len), msg[48];
    struct compat_state st = {0};
    struct compat_result res;
    /* Already with a Version: 40 bytes. */
    memcpy(msg, neg, 32);
    memset(msg + 32, 0, 8);
    ck_assert_int_eq(run(&st, msg, 40, &res), COMPAT_PASS);
    /* Truncated below the fixed part. */
    ck_assert_int_eq(run(&st, neg, 31, &res), COMPAT_PASS);
    /* The VERSION flag set with no room for it: the flag lies, not ours to fix. */
    memcpy(msg, neg, 32);
    ntlm_put_le32(msg + NTLM_NEG_FLAGS_AT, ntlm_le32(neg + NTLM_NEG_FLAGS_AT) | NTLM_FLAG_VERSION);
    ck_assert_int_eq(run(&st, msg, 32, &res), COMPAT_PASS);
    /* A field overlapping the fixed part, and one whose length runs out. */
    memcpy(msg, neg, 32);
    memcpy(msg + 32, "ABCD", 4);
    put_field(msg, NTLM_NEG_DOMAIN_AT, 4, 24);
    ck_assert_int_eq(run(&st, msg, 36, &res), COMPAT_PASS);
    put_field(msg, NTLM_NEG_DOMAIN_AT, 9, 32);
    ck_assert_int_eq(run(&st, msg, 36, &res), COMPAT_PASS);
    ck_assert(!st.negotiate_rewritten);
    ck_assert_ptr_null(st.fired);
    free(neg);
}
END_TEST

/* ---- ntlm-auth-version-at-64 ---------------------------------------------------------------- */
START_TEST(authenticate_from_curl_loses_the_version_flag)
{
    size_t len;
    unsigned char *auth = read_data("curl-7.88-authenticate.bin", &len);
    struct compat_state st = {0};
    struct compat_result res;
    ck_assert(ntlm_le32(auth + NTLM_AUTH_FLAGS_AT) & NTLM_FLAG_VERSION);
    ck_assert_uint_eq(ntlm_le32(auth + NTLM_AUTH_LM_AT + 4), 64);
    ck_assert_int_eq(run(&st, auth, len, &res), COMPAT_REWRITE);
    ck_assert_str_eq(res.rule, "ntlm-auth-version-at-64");
    ck_assert_uint_eq(res.len, len);
    ck_assert_uint_eq(ntlm_le32(res.token + NTLM_AUTH_FLAGS_AT),
                      ntlm_le32(auth + NTLM_AUTH_FLAGS_AT) & ~NTLM_FLAG_VERSION);
    /* Nothing else changed. */
    ck_assert_mem_eq(res.token, auth, NTLM_AUTH_FLAGS_AT);
    ck_assert_mem_eq(res.token + 64, auth + 64, len - 64);
    compat_result_clear(&res);
    free(auth);
}
END_TEST

START_TEST(authenticate_version_at_64_with_mic_is_refused)
{
    struct auth_spec spec = {V2_FLAGS | NTLM_FLAG_VERSION, 24, 60, 0, 64, NTLM_AV_FLAG_MIC};
    struct compat_state st = {0};
    const char *rule;
    ck_assert_int_eq(judge_auth(&spec, &st, &rule), COMPAT_REFUSE);
    ck_assert_str_eq(rule, "ntlm-auth-version-at-64");
}
END_TEST

START_TEST(authenticate_left_alone)
{
    struct compat_state st = {0};
    struct compat_result res;
    size_t len;
    /* A Version where it belongs. */
    struct auth_spec ok = {V2_FLAGS | NTLM_FLAG_VERSION, 24, 60, 0, 72, 0};
    unsigned char *auth = make_auth(&ok, &len);
    ck_assert_int_eq(run(&st, auth, len, &res), COMPAT_PASS);
    free(auth);
    /* No VERSION flag and no Version: what gss-ntlmssp expects. */
    struct auth_spec old = {V2_FLAGS, 24, 60, 0, 64, 0};
    auth = make_auth(&old, &len);
    ck_assert_int_eq(run(&st, auth, len, &res), COMPAT_PASS);
    free(auth);
    /* Payload below 64 (inside the fixed part): malformed, gss-ntlmssp says so. */
    struct auth_spec low = {V2_FLAGS | NTLM_FLAG_VERSION, 24, 60, 0, 64, 0};
    auth = make_auth(&low, &len);
    put_field(auth, NTLM_AUTH_LM_AT, 24, 40);
    ck_assert_int_eq(run(&st, auth, len, &res), COMPAT_PASS);
    /* Truncated in the fixed part, and too short to be decoded at all. */
    ck_assert_int_eq(run(&st, auth, 63, &res), COMPAT_PASS);
    free(auth);
    struct auth_spec tiny = {V2_FLAGS | NTLM_FLAG_VERSION, 0, 0, 0, 64, 0};
    auth = make_auth(&tiny, &len);
    ck_assert_uint_lt(len, 72);
    ck_assert_int_eq(run(&st, auth, len, &res), COMPAT_PASS);
    free(auth);
    ck_assert_ptr_null(st.fired);
}
END_TEST

/* ---- ntlm-session-key-length ------------------------------------------------------------------ */
START_TEST(session_key_lengths)
{
    struct compat_state kx = {.challenge_seen = true, .challenge_flags = NTLM_FLAG_KEY_EXCH};
    struct compat_state no_kx = {.challenge_seen = true, .challenge_flags = V2_FLAGS};
    const struct {
        size_t key;
        struct compat_state *st;
        uint32_t auth_flags;
        enum compat_verdict want;
    } cases[] = {
        {0, &kx, V2_FLAGS, COMPAT_REFUSE},   /* the crash, whatever the message claims */
        {5, &kx, V2_FLAGS, COMPAT_REFUSE},   /* an over-read */
        {16, &kx, V2_FLAGS, COMPAT_PASS},
        {0, &no_kx, V2_FLAGS | NTLM_FLAG_KEY_EXCH, COMPAT_PASS}, /* the acceptor's flags rule */
        {0, NULL, V2_FLAGS | NTLM_FLAG_KEY_EXCH, COMPAT_REFUSE},  /* no CHALLENGE seen */
        {0, NULL, V2_FLAGS, COMPAT_PASS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct auth_spec spec = {cases[i].auth_flags | NTLM_FLAG_VERSION, 24, 60, cases[i].key, 72,
                                 0};
        struct compat_state fresh = {0}, *st = cases[i].st ? cases[i].st : &fresh;
        const char *rule;
        ck_assert_msg(judge_auth(&spec, st, &rule) == cases[i].want, "case %zu", i);
        if (cases[i].want == COMPAT_REFUSE)
            ck_assert_str_eq(rule, "ntlm-session-key-length");
    }
    /* A key field that points outside the message: gss-ntlmssp refuses it. */
    struct auth_spec spec = {V2_FLAGS | NTLM_FLAG_VERSION, 24, 60, 16, 72, 0};
    size_t len;
    unsigned char *auth = make_auth(&spec, &len);
    put_field(auth, NTLM_AUTH_SESSION_KEY_AT, 16, len);
    struct compat_result res;
    ck_assert_int_eq(run(&kx, auth, len, &res), COMPAT_PASS);
    free(auth);
}
END_TEST

/* ---- ntlm-v1-short-lm ------------------------------------------------------------------------ */
START_TEST(ntlmv1_short_lm)
{
    for (size_t lm = 0; lm <= 24; lm += 8) {
        struct auth_spec spec = {V2_FLAGS | NTLM_FLAG_VERSION, lm, 24, 0, 72, 0};
        struct compat_state st = {0};
        const char *rule;
        ck_assert_int_eq(judge_auth(&spec, &st, &rule), lm < 24 ? COMPAT_REFUSE : COMPAT_PASS);
        if (lm < 24)
            ck_assert_str_eq(rule, "ntlm-v1-short-lm");
    }
}
END_TEST

/* ---- ntlm-mic-over-rewritten-negotiate ------------------------------------------------------------ */
START_TEST(mic_after_rewritten_negotiate)
{
    struct auth_spec spec = {V2_FLAGS | NTLM_FLAG_VERSION, 24, 60, 0, 72, NTLM_AV_FLAG_MIC};
    struct compat_state untouched = {0}, rewritten = {.negotiate_rewritten = true};
    const char *rule;
    ck_assert_int_eq(judge_auth(&spec, &untouched, &rule), COMPAT_PASS);
    ck_assert_int_eq(judge_auth(&spec, &rewritten, &rule), COMPAT_REFUSE);
    ck_assert_str_eq(rule, "ntlm-mic-over-rewritten-negotiate");
    /* No MIC: the rewritten NEGOTIATE is covered by nothing. */
    spec.av_flags = 0;
    ck_assert_int_eq(judge_auth(&spec, &rewritten, &rule), COMPAT_PASS);
}
END_TEST

/* ---- SPNEGO around NTLM ------------------------------------------------------------------------ */
/* The two fields that end both SPNEGO messages here: [2] OCTET STRING tok
 * (mechToken, responseToken), [3] OCTET STRING 16 x 0x44 (mechListMIC). */
static unsigned char *put_token_and_mic(unsigned char *w, const unsigned char *tok, size_t n)
{
    w = der_put_header(w, 0xa2, der_header_size(n) + n);
    w = der_put_header(w, 0x04, n);
    memcpy(w, tok, n);
    w += n;
    w = der_put_header(w, 0xa3, 18);
    w = der_put_header(w, 0x04, 16);
    memset(w, 0x44, 16);
    return w + 16;
}

/* An OID's TLV at w. */
static unsigned char *put_oid(unsigned char *w, gss_const_OID oid)
{
    w = der_put_header(w, 0x06, oid->length);
    memcpy(w, oid->elements, oid->length);
    return w + oid->length;
}

/* A NegTokenResp { responseToken [2] inner, mechListMIC [3] 16 x 0x44 }. */
static unsigned char *neg_token_resp(const unsigned char *inner, size_t n, size_t *len)
{
    size_t tok = der_header_size(n) + n, f2 = der_header_size(tok) + tok, f3 = 2 + 2 + 16;
    size_t seq = f2 + f3, total = der_header_size(der_header_size(seq) + seq) +
                                  der_header_size(seq) + seq;
    unsigned char *m = malloc(total), *w = m;
    w = der_put_header(w, 0xa1, der_header_size(seq) + seq);
    w = der_put_header(w, 0x30, seq);
    w = put_token_and_mic(w, inner, n);
    *len = (size_t)(w - m);
    ck_assert_uint_eq(*len, total);
    return m;
}

START_TEST(authenticate_inside_negtokenresp)
{
    size_t len, resp_len;
    unsigned char *auth = read_data("curl-7.88-authenticate.bin", &len);
    unsigned char *resp = neg_token_resp(auth, len, &resp_len);
    struct compat_state st = {0};
    struct compat_result res;
    ck_assert_int_eq(run(&st, resp, resp_len, &res), COMPAT_REWRITE);
    ck_assert_str_eq(res.rule, "ntlm-auth-version-at-64");
    struct spnego_path path;
    struct der inner;
    ck_assert(spnego_find_mech_token(res.token, res.len, &path, &inner));
    ck_assert_uint_eq(inner.len, len);
    ck_assert_uint_eq(ntlm_le32(inner.p + NTLM_AUTH_FLAGS_AT) & NTLM_FLAG_VERSION, 0);
    /* The mechListMIC came along unchanged, at the end. */
    ck_assert_uint_eq(res.len, resp_len);
    ck_assert_mem_eq(res.token + res.len - 20, resp + resp_len - 20, 20);
    compat_result_clear(&res);
    free(resp);
    free(auth);
}
END_TEST

START_TEST(challenge_flags_are_remembered)
{
    size_t len, resp_len;
    unsigned char *chal = read_data("curl-7.88-challenge.bin", &len);
    struct compat_state raw = {0}, wrapped = {0};
    compat_accept_output(&raw, chal, len);
    ck_assert(raw.challenge_seen);
    ck_assert_uint_eq(raw.challenge_flags, ntlm_le32(chal + NTLM_CHAL_FLAGS_AT));
    unsigned char *resp = neg_token_resp(chal, len, &resp_len);
    compat_accept_output(&wrapped, resp, resp_len);
    ck_assert(wrapped.challenge_seen);
    ck_assert_uint_eq(wrapped.challenge_flags, raw.challenge_flags);
    /* Anything else teaches nothing. */
    struct compat_state none = {0};
    compat_accept_output(&none, resp, 10);
    compat_accept_output(&none, chal, 16);
    ck_assert(!none.challenge_seen);
    free(resp);
    free(chal);
}
END_TEST

/* ---- krb5-bare-ap-req ------------------------------------------------------------------------- */
/* A stand-in AP-REQ: [APPLICATION 14] { 300 bytes }: the layer reads only the TLV. */
static unsigned char *fake_ap_req(size_t *len)
{
    size_t body = 300;
    unsigned char *m = malloc(4 + body), *w = der_put_header(m, 0x6e, body);
    memset(w, 0x55, body);
    *len = (size_t)(w - m) + body;
    return m;
}

/* NegTokenInit { mechTypes [0] { first, NTLMSSP }, mechToken [2], mechListMIC [3] }. */
static unsigned char *neg_token_init(gss_const_OID first, const unsigned char *tok, size_t n,
                                     size_t *len)
{
    unsigned char body[4096], *w = body, *out;
    size_t types = 2 + first->length + 2 + oid_ntlmssp.length;
    w = der_put_header(w, 0xa0, der_header_size(types) + types);
    w = der_put_header(w, 0x30, types);
    w = put_oid(w, first);
    w = put_oid(w, &oid_ntlmssp);
    w = put_token_and_mic(w, tok, n);
    size_t seq = (size_t)(w - body), init = der_header_size(seq) + seq;
    size_t inner = 2 + oid_spnego.length + der_header_size(init) + init;
    out = malloc(der_header_size(inner) + inner);
    w = der_put_header(out, 0x60, inner);
    w = put_oid(w, &oid_spnego);
    w = der_put_header(w, 0xa0, seq + der_header_size(seq));
    w = der_put_header(w, 0x30, seq);
    memcpy(w, body, seq);
    *len = (size_t)(w - out) + seq;
    return out;
}

/* The mechanism token is 0x60, mech, TOK_ID 01 00, then the AP-REQ. */
static void assert_framed(const unsigned char *tok, size_t len, gss_const_OID mech,
                          const unsigned char *ap_req, size_t ap_len)
{
    struct token_class cls;
    ck_assert_int_eq(token_classify(tok, len, &cls), TOKEN_GSS_FRAMED);
    ck_assert(oid_equal(&cls.mech, mech));
    const unsigned char *after = (const unsigned char *)cls.mech.elements + cls.mech.length;
    ck_assert_mem_eq(after, "\x01\x00", 2);
    ck_assert_uint_eq(len - (size_t)(after + 2 - tok), ap_len);
    ck_assert_mem_eq(after + 2, ap_req, ap_len);
}

START_TEST(bare_ap_req_gets_its_header)
{
    size_t len;
    unsigned char *ap = fake_ap_req(&len);
    struct compat_state st = {0};
    struct compat_result res;
    ck_assert_int_eq(run(&st, ap, len, &res), COMPAT_REWRITE);
    ck_assert_str_eq(res.rule, "krb5-bare-ap-req");
    assert_framed(res.token, res.len, &oid_krb5, ap, len);
    compat_result_clear(&res);
    /* Trailing bytes after the AP-REQ, or a cut one: not an AP-REQ we frame. */
    unsigned char *longer = calloc(1, len + 1);
    memcpy(longer, ap, len);
    ck_assert_int_eq(run(&st, longer, len + 1, &res), COMPAT_PASS);
    ck_assert_int_eq(run(&st, ap, len - 1, &res), COMPAT_PASS);
    free(longer);
    free(ap);
}
END_TEST

START_TEST(bare_ap_req_inside_spnego)
{
    size_t ap_len, len;
    unsigned char *ap = fake_ap_req(&ap_len);
    unsigned char *init = neg_token_init(&oid_ms_krb5, ap, ap_len, &len);
    struct compat_state st = {0};
    struct compat_result res;
    ck_assert_int_eq(run(&st, init, len, &res), COMPAT_REWRITE);
    struct spnego_path path, orig;
    struct der inner, orig_inner;
    ck_assert(spnego_find_mech_token(res.token, res.len, &path, &inner));
    /* Framed with the krb5 OID even with MS-KRB5 listed first, as Windows. */
    assert_framed(inner.p, inner.len, &oid_krb5, ap, ap_len);
    ck_assert(oid_equal(&path.first_mech, &oid_ms_krb5));
    /* mechTypes and mechListMIC as they came (the MIC covers mechTypes). */
    ck_assert(spnego_find_mech_token(init, len, &orig, &orig_inner));
    size_t types_at = orig.level[2].value, types_len = orig.level[3].start - types_at;
    ck_assert_mem_eq(res.token + path.level[2].value, init + types_at, types_len);
    ck_assert_mem_eq(res.token + res.len - 20, init + len - 20, 20);
    compat_result_clear(&res);
    free(init);
    /* NTLM offered first: the mechanism token is not Kerberos's to frame. */
    init = neg_token_init(&oid_ntlmssp, ap, ap_len, &len);
    ck_assert_int_eq(run(&st, init, len, &res), COMPAT_PASS);
    free(init);
    free(ap);
}
END_TEST

/* What a SECBUFFER_STREAM still lacks of a framed token (messages.c). */
START_TEST(der_missing_bytes)
{
    static const struct {
        unsigned char p[6];
        size_t len, missing;
    } cases[] = {
        {{0x60}, 1, 1},                          /* no length yet */
        {{0x60, 0x05, 1, 2}, 4, 3},              /* short form */
        {{0x60, 0x03, 1, 2, 3}, 5, 0},           /* complete */
        {{0x60, 0x82, 0x01}, 3, 1},              /* long form, cut in the length */
        {{0x60, 0x82, 0x01, 0x00, 9}, 5, 255},   /* 256 of content, 1 there */
        {{0x60, 0x80}, 2, 0},                    /* indefinite: not ours to judge */
        {{0x60, 0x85, 1, 1, 1, 1}, 6, 0},        /* 5 length octets: likewise */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(der_missing(cases[i].p, cases[i].len) == cases[i].missing, "case %zu", i);
}
END_TEST

START_TEST(rule_table_is_documented)
{
    ck_assert_uint_ge(compat_rule_count, 6);
    for (size_t i = 0; i < compat_rule_count; i++) {
        const struct compat_rule *r = &compat_rules[i];
        ck_assert(r->name && *r->name && r->clients && *r->clients && r->works_around &&
                  *r->works_around && r->safe_because && *r->safe_because && r->test &&
                  *r->test);
    }
}
END_TEST

/* ---- live exchanges ------------------------------------------------------------------------------ */
struct peer {
    CredHandle cred;
    CtxtHandle ctx;
    bool have;
    /* A plain GSS acceptor instead (any GSS application under the module). */
    bool gss;
    gss_ctx_id_t gctx;
    gss_name_t src;
    OM_uint32 major, minor;
};

/* A GSS acceptor's answer in the SSPI terms the tests compare with. */
static SECURITY_STATUS gss_accept_step(struct peer *p, const void *in, size_t in_len,
                                       unsigned char **out, size_t *out_len)
{
    static const struct {
        OM_uint32 major;
        SECURITY_STATUS status;
    } as_sspi[] = {{GSS_S_COMPLETE, SEC_E_OK},
                   {GSS_S_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED},
                   {GSS_S_DEFECTIVE_TOKEN, SEC_E_INVALID_TOKEN}};
    OM_uint32 tmp;
    gss_buffer_desc gin = {in_len, (void *)in}, gout = GSS_C_EMPTY_BUFFER;
    gss_release_name(&tmp, &p->src);
    p->major = gss_accept_sec_context(&p->minor, &p->gctx, GSS_C_NO_CREDENTIAL, &gin,
                                      GSS_C_NO_CHANNEL_BINDINGS, &p->src, NULL, &gout, NULL, NULL,
                                      NULL);
    *out = malloc(gout.length + 1);
    memcpy(*out, gout.value ? gout.value : "", gout.length);
    *out_len = gout.length;
    gss_release_buffer(&tmp, &gout);
    for (size_t i = 0; i < sizeof(as_sspi) / sizeof(as_sspi[0]); i++)
        if (as_sspi[i].major == p->major)
            return as_sspi[i].status;
    return SEC_E_INTERNAL_ERROR;
}

static SECURITY_STATUS step(struct peer *p, bool client, const void *in, size_t in_len,
                            unsigned char **out, size_t *out_len)
{
    SecBuffer ib = {(ULONG)in_len, SECBUFFER_TOKEN, (void *)in}, ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    TimeStamp ts;
    if (!client && p->gss)
        return gss_accept_step(p, in, in_len, out, out_len);
    SECURITY_STATUS s =
        client ? InitializeSecurityContextA(
                     &p->cred, p->have ? &p->ctx : NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                     ISC_ALL | ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP, in ? &id : NULL, 0,
                     &p->ctx, &od, &attrs, &ts)
               : AcceptSecurityContext(&p->cred, p->have ? &p->ctx : NULL, &id,
                                       ASC_ALL | ASC_REQ_ALLOCATE_MEMORY, SECURITY_NATIVE_DREP,
                                       &p->ctx, &od, &attrs, &ts);
    if (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED)
        p->have = true;
    *out = malloc(ob.cbBuffer + 1);
    memcpy(*out, ob.pvBuffer ? ob.pvBuffer : "", ob.cbBuffer);
    *out_len = ob.cbBuffer;
    FreeContextBuffer(ob.pvBuffer);
    return s;
}

static void peers_ntlm(struct peer *client, struct peer *server, const char *package)
{
    memset(client, 0, sizeof(*client));
    memset(server, 0, sizeof(*server));
    ck_assert_int_eq(acquire_outbound_password(package, realm_env("GSS_SSPI_TEST_USER"),
                                               realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                               realm_env("GSS_SSPI_TEST_PASSWORD"),
                                               strcmp(package, "NTLM") ? "NTLM" : NULL,
                                               &client->cred),
                     SEC_E_OK);
    acquire_inbound("Negotiate", &server->cred);
}

static void peers_free(struct peer *client, struct peer *server)
{
    OM_uint32 tmp;
    gss_release_name(&tmp, &server->src);
    gss_delete_sec_context(&tmp, &server->gctx, GSS_C_NO_BUFFER);
    struct peer *both[] = {client, server};
    for (size_t i = 0; i < 2; i++) {
        if (both[i]->have)
            DeleteSecurityContext(&both[i]->ctx);
        FreeCredentialsHandle(&both[i]->cred);
    }
}

/* The NEGOTIATE curl sends: no Version field, no VERSION flag. */
static void strip_negotiate_version(unsigned char *m, size_t *len)
{
    uint32_t flags = ntlm_le32(m + NTLM_NEG_FLAGS_AT);
    ck_assert_uint_ge(*len, 40);
    ck_assert(flags & NTLM_FLAG_VERSION);
    ntlm_put_le32(m + NTLM_NEG_FLAGS_AT, flags & ~NTLM_FLAG_VERSION);
    for (size_t at = NTLM_NEG_DOMAIN_AT; at <= NTLM_NEG_WORKSTATION_AT; at += 8)
        if (ntlm_le16(m + at) > 0)
            ntlm_put_le32(m + at + 4, ntlm_le32(m + at + 4) - NTLM_VERSION_SIZE);
    memmove(m + 32, m + 40, *len - 40);
    *len -= NTLM_VERSION_SIZE;
}

/* The AUTHENTICATE curl sends: the VERSION flag kept, the Version field
 * gone, the payload at 64.  Only for one without a MIC (payload at 72). */
static void auth_to_offset_64(unsigned char *m, size_t *len)
{
    ck_assert(ntlm_le32(m + NTLM_AUTH_FLAGS_AT) & NTLM_FLAG_VERSION);
    for (size_t at = NTLM_AUTH_LM_AT; at <= NTLM_AUTH_SESSION_KEY_AT; at += 8) {
        ck_assert_uint_ge(ntlm_le32(m + at + 4), 72);
        ntlm_put_le32(m + at + 4, ntlm_le32(m + at + 4) - NTLM_VERSION_SIZE);
    }
    memmove(m + 64, m + 72, *len - 72);
    *len -= NTLM_VERSION_SIZE;
}

/* Sealed both ways: the keys of the two ends agree. */
static void seal_roundtrip(CtxtHandle *from, CtxtHandle *to)
{
    SecPkgContext_Sizes sizes;
    ck_assert_int_eq(QueryContextAttributesA(from, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    unsigned char trailer[256];
    char data[] = "compat layer";
    SecBuffer b[2] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, trailer},
                      {sizeof(data), SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    ck_assert_int_eq(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
    ck_assert_int_eq(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
    ck_assert_str_eq(data, "compat layer");
}

/* Through the module (a test of its own process): load it, with a policy
 * whose audit file expect_rule reads. */
static void with_module(bool module, const char *policy)
{
    if (!module)
        return;
    load_negotiate_module();
    use_policy(policy, "");
}

static void expect_rule(bool module, const char *rule)
{
    char want[128];
    snprintf(want, sizeof(want), "compat=%s", rule);
    if (module)
        expect_audit(want);
}

/* The acceptor of a live test (_i): 0 libgss-sspi with its own layer, 1
 * libgss-sspi over gss-sspi-negotiate, 2 a plain GSS acceptor over the module. */
enum acceptor { LIBRARY, LIBRARY_MODULE, GSS_MODULE, ACCEPTOR_COUNT };

/* A real NTLM exchange up to the client's AUTHENTICATE (in *auth), the
 * NEGOTIATE reshaped like curl's when curl_negotiate. */
static void ntlm_to_authenticate(enum acceptor acceptor, struct peer *c, struct peer *s,
                                 bool curl_negotiate, unsigned char **auth, size_t *len)
{
    unsigned char *tok, *reply;
    size_t tok_len, reply_len;
    peers_ntlm(c, s, "NTLM");
    s->gss = acceptor == GSS_MODULE;
    ck_assert_int_eq(step(c, true, NULL, 0, &tok, &tok_len), SEC_I_CONTINUE_NEEDED);
    if (curl_negotiate) {
        strip_negotiate_version(tok, &tok_len);
        ck_assert_uint_eq(tok_len, 32);
    }
    ck_assert_int_eq(step(s, false, tok, tok_len, &reply, &reply_len), SEC_I_CONTINUE_NEEDED);
    free(tok);
    /* gss-ntlmssp's CHALLENGE sets VERSION though the NEGOTIATE did not ask,
     * and KEY_EXCH for the sealing asked for. */
    ck_assert(ntlm_le32(reply + NTLM_CHAL_FLAGS_AT) & NTLM_FLAG_VERSION);
    ck_assert(ntlm_le32(reply + NTLM_CHAL_FLAGS_AT) & NTLM_FLAG_KEY_EXCH);
    ck_assert_int_eq(step(c, true, reply, reply_len, auth, len), SEC_E_OK);
    free(reply);
}

/* A plain GSS acceptor's context: who, and the client's sealed message
 * (NTLM: signature then data, as gss_wrap makes it) unwraps. */
static void check_gss_acceptor(struct peer *c, struct peer *s)
{
    OM_uint32 minor;
    gss_buffer_desc name = GSS_C_EMPTY_BUFFER, wrapped, clear = GSS_C_EMPTY_BUFFER;
    char *want = ntlm_user_name(realm_env("GSS_SSPI_TEST_USER"));
    ck_assert(!GSS_ERROR(gss_display_name(&minor, s->src, &name, NULL)));
    /* gss-ntlmssp 1.2.0 counts the name's terminating NUL in its length. */
    size_t n = strnlen(name.value, name.length);
    ck_assert_msg(n == strlen(want) && memcmp(name.value, want, n) == 0,
                  "GSS name \"%.*s\" (%zu bytes), want \"%s\"", (int)name.length,
                  (char *)name.value, name.length, want);
    gss_release_buffer(&minor, &name);
    free(want);
    unsigned char sig[16], msg[32];
    char data[] = "compat layer";
    SecBuffer b[2] = {{sizeof(sig), SECBUFFER_TOKEN, sig}, {sizeof(data), SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ck_assert_int_eq(EncryptMessage(&c->ctx, 0, &d, 0), SEC_E_OK);
    ck_assert_uint_eq(b[0].cbBuffer, sizeof(sig));
    memcpy(msg, sig, sizeof(sig));
    memcpy(msg + sizeof(sig), data, sizeof(data));
    wrapped = (gss_buffer_desc){sizeof(sig) + sizeof(data), msg};
    ck_assert(!GSS_ERROR(gss_unwrap(&minor, s->gctx, &wrapped, &clear, NULL, NULL)));
    ck_assert_int_eq(clear.length, sizeof(data));
    ck_assert_str_eq(clear.value, "compat layer");
    gss_release_buffer(&minor, &clear);
}

START_TEST(curl_shaped_ntlm_handshake)
{
    with_module(_i != LIBRARY, "curl-shaped");
    struct peer c, s;
    unsigned char *tok, *reply;
    size_t len, reply_len;
    ntlm_to_authenticate(_i, &c, &s, true, &tok, &len);
    auth_to_offset_64(tok, &len);
    ck_assert_int_eq(step(&s, false, tok, len, &reply, &reply_len), SEC_E_OK);
    free(tok);
    free(reply);
    if (_i == GSS_MODULE) {
        check_gss_acceptor(&c, &s);
    } else {
        char *who = context_user_name(&s.ctx);
        char *want = ntlm_user_name(realm_env("GSS_SSPI_TEST_USER"));
        ck_assert_str_eq(who, want);
        free(who);
        free(want);
        seal_roundtrip(&c.ctx, &s.ctx);
        seal_roundtrip(&s.ctx, &c.ctx);
    }
    peers_free(&c, &s);
    expect_rule(_i, "ntlm-negotiate-no-version,ntlm-auth-version-at-64");
}
END_TEST

/* The AUTHENTICATE of a real exchange, with a correct password and its
 * EncryptedRandomSessionKey emptied: gss-ntlmssp 1.2.0 would segfault. */
START_TEST(empty_session_key_is_refused)
{
    with_module(_i != LIBRARY, "empty-key");
    struct peer c, s;
    unsigned char *tok, *reply;
    size_t len, reply_len;
    ntlm_to_authenticate(_i, &c, &s, false, &tok, &len);
    ck_assert_uint_eq(ntlm_le16(tok + NTLM_AUTH_SESSION_KEY_AT), 16);
    put_field(tok, NTLM_AUTH_SESSION_KEY_AT, 0, ntlm_le32(tok + NTLM_AUTH_SESSION_KEY_AT + 4));
    ck_assert_int_eq(step(&s, false, tok, len, &reply, &reply_len), SEC_E_INVALID_TOKEN);
    free(tok);
    free(reply);
    if (_i == GSS_MODULE) {
        /* Any GSS application: GSS_S_DEFECTIVE_TOKEN, and the module's reason. */
        OM_uint32 minor, ctx = 0;
        gss_buffer_desc why = GSS_C_EMPTY_BUFFER;
        ck_assert_int_eq(s.major, GSS_S_DEFECTIVE_TOKEN);
        ck_assert(!GSS_ERROR(gss_display_status(&minor, s.minor, GSS_C_MECH_CODE, GSS_C_NO_OID,
                                                &ctx, &why)));
        ck_assert_msg(memmem(why.value, why.length, "compatibility layer", 19) != NULL, "%.*s",
                      (int)why.length, (char *)why.value);
        gss_release_buffer(&minor, &why);
        peers_free(&c, &s);
        expect_rule(true, "ntlm-session-key-length");
        return;
    }
    /* The reason, on the context and for the thread. */
    char *text = context_last_error(&s.ctx);
    ck_assert_msg(strstr(text, "compatibility layer") != NULL, "last error: %s", text);
    free(text);
    SecPkgContext_GssLastError err;
    ck_assert_int_eq(GssSspiGetLastError(&err), SEC_E_OK);
    ck_assert_int_eq(err.Status, SEC_E_INVALID_TOKEN);
    ck_assert_msg(strstr(err.Text, "compatibility layer") != NULL, "thread error: %s", err.Text);
    FreeContextBuffer(err.Text);
    peers_free(&c, &s);
    expect_rule(_i, "ntlm-session-key-length");
    /* Still serving: the next client gets in. */
    struct handshake hs = {0};
    handshake_user("NTLM", true, NULL, "Negotiate", &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    handshake_cleanup(&hs);
}
END_TEST

/* SPNEGO: gss-ntlmssp's client then sends a MIC, which covers the
 * NEGOTIATE as sent; a NEGOTIATE reshaped like curl's cannot then be
 * verified, and the layer says so instead of a MIC failure. */
START_TEST(mic_over_rewritten_negotiate_is_refused)
{
    with_module(_i, "mic-rewritten");
    struct peer c, s;
    unsigned char *tok, *reply, *reshaped;
    size_t len, reply_len, reshaped_len;
    struct spnego_path path;
    struct der inner;
    peers_ntlm(&c, &s, "Negotiate");
    ck_assert_int_eq(step(&c, true, NULL, 0, &tok, &len), SEC_I_CONTINUE_NEEDED);
    ck_assert(spnego_find_mech_token(tok, len, &path, &inner));
    unsigned char neg[256];
    size_t neg_len = inner.len;
    memcpy(neg, inner.p, inner.len);
    strip_negotiate_version(neg, &neg_len);
    ck_assert(spnego_replace_mech_token(tok, len, &path, neg, neg_len, &reshaped, &reshaped_len));
    free(tok);
    ck_assert_int_eq(step(&s, false, reshaped, reshaped_len, &reply, &reply_len),
                     SEC_I_CONTINUE_NEEDED);
    free(reshaped);
    ck_assert_int_eq(step(&c, true, reply, reply_len, &tok, &len), SEC_I_CONTINUE_NEEDED);
    free(reply);
    ck_assert(spnego_find_mech_token(tok, len, &path, &inner));
    ck_assert_msg(ntlm_auth_av_flags(inner.p, inner.len) & NTLM_AV_FLAG_MIC,
                  "gss-ntlmssp's client sent no MIC inside SPNEGO");
    ck_assert_int_eq(step(&s, false, tok, len, &reply, &reply_len), SEC_E_INVALID_TOKEN);
    free(tok);
    free(reply);
    peers_free(&c, &s);
    expect_rule(_i, "ntlm-mic-over-rewritten-negotiate");
}
END_TEST

/* The AP-REQ out of a framed Kerberos token (0x60, OID, TOK_ID 01 00). */
static void unframe_ap_req(const unsigned char *tok, size_t len, const unsigned char **ap,
                           size_t *ap_len)
{
    struct token_class cls;
    ck_assert_int_eq(token_classify(tok, len, &cls), TOKEN_GSS_FRAMED);
    const unsigned char *after = (const unsigned char *)cls.mech.elements + cls.mech.length;
    ck_assert_mem_eq(after, "\x01\x00", 2);
    *ap = after + 2;
    *ap_len = len - (size_t)(*ap - tok);
    ck_assert_uint_eq(**ap, 0x6e);
}

/* impacket's Kerberos: the AP-REQ without its header, raw (_i / 2 == 0) or
 * as SPNEGO's mechToken; _i % 2: through the module. */
START_TEST(bare_ap_req_is_accepted)
{
    bool module = _i % 2, spnego = _i / 2;
    with_module(module, "bare-ap-req");
    struct peer c = {0}, s = {0};
    unsigned char *tok, *reply, *bare = NULL;
    size_t len, reply_len, bare_len;
    const unsigned char *ap;
    size_t ap_len;
    acquire_outbound_default(spnego ? "Negotiate" : "Kerberos", &c.cred);
    acquire_inbound("Negotiate", &s.cred);
    ck_assert_int_eq(step(&c, true, NULL, 0, &tok, &len), SEC_I_CONTINUE_NEEDED);
    if (spnego) {
        struct spnego_path path;
        struct der inner;
        ck_assert(spnego_find_mech_token(tok, len, &path, &inner));
        unframe_ap_req(inner.p, inner.len, &ap, &ap_len);
        ck_assert(spnego_replace_mech_token(tok, len, &path, ap, ap_len, &bare, &bare_len));
    } else {
        unframe_ap_req(tok, len, &ap, &ap_len);
        bare = malloc(ap_len);
        memcpy(bare, ap, ap_len);
        bare_len = ap_len;
    }
    free(tok);
    ck_assert_int_eq(step(&s, false, bare, bare_len, &reply, &reply_len), SEC_E_OK);
    free(bare);
    free(reply);
    char *who = context_user_name(&s.ctx), *want = krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
    ck_assert_str_eq(who, want);
    free(who);
    free(want);
    peers_free(&c, &s);
    expect_rule(module, "krb5-bare-ap-req");
}
END_TEST

/* ---- reference vectors ([MS-NLMP] 4.2, ntlm-auth's MIC exchange) ----------------------------- */
START_TEST(reference_vectors)
{
    size_t v1_len, v2_len, mic_len, neg_len;
    unsigned char *v1 = read_data("ms-nlmp-4.2.2-authenticate.bin", &v1_len);
    unsigned char *v2 = read_data("ms-nlmp-4.2.4-authenticate.bin", &v2_len);
    unsigned char *mic = read_data("ntlm-auth-mic-authenticate.bin", &mic_len);
    unsigned char *neg = read_data("ntlm-auth-mic-negotiate.bin", &neg_len);
    struct compat_result res;
    /* Well-formed messages are left alone, whatever the layer remembers,
     * except a MIC after a NEGOTIATE the layer had to rewrite. */
    for (unsigned bits = 0; bits < 8; bits++) {
        struct compat_state st = {.negotiate_rewritten = bits & 1,
                                  .challenge_seen = (bits & 2) != 0,
                                  .challenge_flags = (bits & 4) ? NTLM_FLAG_KEY_EXCH : 0};
        ck_assert_int_eq(run(&st, v1, v1_len, &res), COMPAT_PASS);
        ck_assert_int_eq(run(&st, v2, v2_len, &res), COMPAT_PASS);
        ck_assert_int_eq(run(&st, neg, neg_len, &res), COMPAT_PASS);
        ck_assert_int_eq(run(&st, mic, mic_len, &res), (bits & 1) ? COMPAT_REFUSE : COMPAT_PASS);
    }
    /* The same messages, broken the ways the rules are about. */
    struct compat_state kx = {.challenge_seen = true, .challenge_flags = NTLM_FLAG_KEY_EXCH};
    put_field(v2, NTLM_AUTH_SESSION_KEY_AT, 0, ntlm_le32(v2 + NTLM_AUTH_SESSION_KEY_AT + 4));
    ck_assert_int_eq(run(&kx, v2, v2_len, &res), COMPAT_REFUSE);
    ck_assert_str_eq(res.rule, "ntlm-session-key-length");
    put_field(v1, NTLM_AUTH_LM_AT, 0, ntlm_le32(v1 + NTLM_AUTH_LM_AT + 4));
    ck_assert_int_eq(run(&kx, v1, v1_len, &res), COMPAT_REFUSE);
    ck_assert_str_eq(res.rule, "ntlm-v1-short-lm");
    /* Without Version but with its payload (46 bytes): gss-ntlmssp takes it
     * as it is; emptied down to the fixed 32 bytes it needs the rule. */
    strip_negotiate_version(neg, &neg_len);
    ck_assert_uint_eq(neg_len, 46);
    ck_assert_int_eq(run(&kx, neg, neg_len, &res), COMPAT_PASS);
    put_field(neg, NTLM_NEG_DOMAIN_AT, 0, 0);
    put_field(neg, NTLM_NEG_WORKSTATION_AT, 0, 0);
    ck_assert_int_eq(run(&kx, neg, 32, &res), COMPAT_REWRITE);
    compat_result_clear(&res);
    free(v1);
    free(v2);
    free(mic);
    free(neg);
}
END_TEST

/* ---- error texts ---------------------------------------------------------------------------- */
/* A wrong NTLM password: a logon failure, said so (gss-ntlmssp's minor is
 * EINVAL, "Invalid argument"). */
START_TEST(wrong_password_reads_as_logon_failure)
{
    with_module(_i, "wrong-password");
    struct peer c = {0}, s = {0};
    unsigned char *tok, *reply;
    size_t len, reply_len;
    ck_assert_int_eq(acquire_outbound_password("NTLM", realm_env("GSS_SSPI_TEST_USER"),
                                               realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                               "not-the-password", NULL, &c.cred),
                     SEC_E_OK);
    acquire_inbound("Negotiate", &s.cred);
    ck_assert_int_eq(step(&c, true, NULL, 0, &tok, &len), SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(step(&s, false, tok, len, &reply, &reply_len), SEC_I_CONTINUE_NEEDED);
    free(tok);
    ck_assert_int_eq(step(&c, true, reply, reply_len, &tok, &len), SEC_E_OK);
    free(reply);
    ck_assert_int_eq(step(&s, false, tok, len, &reply, &reply_len), SEC_E_LOGON_DENIED);
    free(tok);
    free(reply);
    char *text = context_last_error(&s.ctx);
    ck_assert_msg(strstr(text, "logon failure") != NULL && strstr(text, "Invalid argument") == NULL,
                  "last error: %s", text);
    free(text);
    peers_free(&c, &s);
    if (_i)
        expect_audit("result=failure package=NTLM");
    if (_i)
        expect_audit("reason=\"logon failure: the NTLM response does not verify");
}
END_TEST

/* A first token that fails in the mechanism leaves no context: the thread
 * still has the reason, without a "; Success" for a minor of 0. */
START_TEST(first_failure_reason_for_the_thread)
{
    with_module(_i, "first-failure");
    static const unsigned char junk_ap_req[] = {
        0x60, 0x12, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02,
        0x02, 0x01, 0x00, 0x6e, 0x03, 0x02, 0x01, 0x05};
    struct peer s = {0};
    unsigned char *reply;
    size_t reply_len;
    acquire_inbound("Negotiate", &s.cred);
    ck_assert_int_eq(step(&s, false, junk_ap_req, sizeof(junk_ap_req), &reply, &reply_len),
                     SEC_E_INVALID_TOKEN);
    free(reply);
    ck_assert(!s.have);
    SecPkgContext_GssLastError err;
    ck_assert_int_eq(GssSspiGetLastError(&err), SEC_E_OK);
    ck_assert_int_eq(err.Status, SEC_E_INVALID_TOKEN);
    ck_assert_ptr_nonnull(err.Text);
    ck_assert_msg(strstr(err.Text, "does not decode") != NULL && strstr(err.Text, "Success") == NULL,
                  "thread error: %s", err.Text);
    FreeContextBuffer(err.Text);
    FreeCredentialsHandle(&s.cred);
}
END_TEST

/* ---- the demo server offers NTLM only when the module's policy accepts it ------------- */
START_TEST(demo_offers_ntlm_as_policy_says)
{
    load_negotiate_module();
    use_policy(_i ? "demo-allow" : "demo-deny", _i ? "ntlm = audit\n" : "ntlm = deny\n");
    const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
    char server[1024], port[16], cmd[1200], line[512], headers[8192] = "";
    int out[2];
    snprintf(server, sizeof(server), "%s/tools/sspi-demo-server", top);
    snprintf(port, sizeof(port), "%d", 20000 + (int)(getpid() % 20000));
    ck_assert_int_eq(pipe(out), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(server, server, "--port", port, "--max-connections", "1", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *from = fdopen(out[0], "r");
    ck_assert_msg(fgets(line, sizeof(line), from) && strstr(line, "listening"), "server: %s",
                  line);
    snprintf(cmd, sizeof(cmd), "curl -s -D - -o /dev/null http://127.0.0.1:%s/", port);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    headers[fread(headers, 1, sizeof(headers) - 1, p)] = '\0';
    pclose(p);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    fclose(from);
    ck_assert_msg(strstr(headers, "WWW-Authenticate: Negotiate") != NULL, "%s", headers);
    ck_assert_msg((strstr(headers, "WWW-Authenticate: NTLM") != NULL) == (_i == 1), "%s", headers);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compat");
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, negotiate_from_curl_gets_a_version);
    tcase_add_test(rules, negotiate_payload_moves_with_the_version);
    tcase_add_test(rules, negotiate_left_alone);
    tcase_add_test(rules, authenticate_from_curl_loses_the_version_flag);
    tcase_add_test(rules, authenticate_version_at_64_with_mic_is_refused);
    tcase_add_test(rules, authenticate_left_alone);
    tcase_add_test(rules, session_key_lengths);
    tcase_add_test(rules, ntlmv1_short_lm);
    tcase_add_test(rules, mic_after_rewritten_negotiate);
    tcase_add_test(rules, authenticate_inside_negtokenresp);
    tcase_add_test(rules, challenge_flags_are_remembered);
    tcase_add_test(rules, bare_ap_req_gets_its_header);
    tcase_add_test(rules, bare_ap_req_inside_spnego);
    tcase_add_test(rules, der_missing_bytes);
    tcase_add_test(rules, rule_table_is_documented);
    tcase_add_test(rules, reference_vectors);
    suite_add_tcase(s, rules);
    TCase *live = tcase_create("live");
    tcase_set_timeout(live, 60);
    tcase_add_loop_test(live, curl_shaped_ntlm_handshake, 0, ACCEPTOR_COUNT);
    tcase_add_loop_test(live, empty_session_key_is_refused, 0, ACCEPTOR_COUNT);
    tcase_add_loop_test(live, mic_over_rewritten_negotiate_is_refused, 0, 2);
    tcase_add_loop_test(live, bare_ap_req_is_accepted, 0, 4);
    suite_add_tcase(s, live);
    TCase *errors = tcase_create("errors");
    tcase_set_timeout(errors, 60);
    tcase_add_loop_test(errors, wrong_password_reads_as_logon_failure, 0, 2);
    tcase_add_loop_test(errors, first_failure_reason_for_the_thread, 0, 2);
    tcase_add_loop_test(errors, demo_offers_ntlm_as_policy_says, 0, 2);
    suite_add_tcase(s, errors);
    return run_suite(s);
}
