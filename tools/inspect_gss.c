/*
 * inspect_gss.c - GSS initial-context framing, SPNEGO (RFC 4178, with
 * Microsoft's NegTokenInit2) and the clear-text parts of Kerberos AP-REQ,
 * AP-REP and KRB-ERROR (RFC 4120, RFC 4121 framing).  DER is read with the
 * common bounds-checked reader (common/der.c).
 */
#include <stdio.h>
#include <string.h>

#include "der.h"
#include "inspect.h"

static const struct {
    const char *dotted, *name;
} oid_names[] = {
    {"1.3.6.1.5.5.2", "SPNEGO"},
    {"1.2.840.113554.1.2.2", "Kerberos"},
    {"1.2.840.48018.1.2.2", "MS-KRB5 (Microsoft's Kerberos OID)"},
    {"1.2.840.113554.1.2.2.3", "Kerberos user-to-user"},
    {"1.3.6.1.4.1.311.2.2.10", "NTLMSSP"},
    {"1.3.6.1.4.1.311.2.2.30", "NegoEx"},
};

/* Kerberos encryption types a Windows domain uses. */
static const struct {
    long etype;
    const char *name;
} etype_names[] = {
    {17, "aes128-cts-hmac-sha1-96"},
    {18, "aes256-cts-hmac-sha1-96"},
    {19, "aes128-cts-hmac-sha256-128"},
    {20, "aes256-cts-hmac-sha384-192"},
    {23, "rc4-hmac (weak)"},
    {24, "rc4-hmac-exp (weak)"},
    {3, "des-cbc-md5 (weak)"},
    {1, "des-cbc-crc (weak)"},
};

static const char *const neg_states[] = {"accept-completed", "accept-incomplete", "reject",
                                         "request-mic"};

static void oid_text(const struct der *oid, char *buf, size_t size)
{
    size_t used = 0;
    unsigned long v = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < oid->len && used + 24 < size; i++) {
        v = (v << 7) | (oid->p[i] & 0x7f);
        if (oid->p[i] & 0x80)
            continue;
        if (used == 0) /* the first byte holds two arcs */
            used += (size_t)snprintf(buf, size, "%lu.%lu", v < 80 ? v / 40 : 2,
                                     v < 80 ? v % 40 : v - 80);
        else
            used += (size_t)snprintf(buf + used, size - used, ".%lu", v);
        v = 0;
    }
}

static const char *oid_name(const char *dotted)
{
    for (size_t i = 0; i < sizeof(oid_names) / sizeof(oid_names[0]); i++)
        if (strcmp(dotted, oid_names[i].dotted) == 0)
            return oid_names[i].name;
    return "unknown";
}

static const char *etype_name(long etype)
{
    for (size_t i = 0; i < sizeof(etype_names) / sizeof(etype_names[0]); i++)
        if (etype_names[i].etype == etype)
            return etype_names[i].name;
    return "unknown";
}

/* The value of context tag [n] inside a SEQUENCE's contents (or false). */
static bool field(struct der seq, unsigned n, struct der *out)
{
    unsigned char tag;
    struct der v;
    while (seq.len > 0 && der_next(&seq, &tag, &v))
        if (tag == (0xa0 | n)) {
            *out = v;
            return true;
        }
    return false;
}

/* A field holding one inner TLV of the expected tag. */
static bool field_value(struct der seq, unsigned n, unsigned char want, struct der *out)
{
    struct der f;
    unsigned char tag;
    return field(seq, n, &f) && der_next(&f, &tag, out) && tag == want;
}

static bool field_int(struct der seq, unsigned n, long *out)
{
    struct der v;
    if (!field_value(seq, n, 0x02, &v) || v.len == 0 || v.len > 4)
        return false;
    unsigned long u = 0;
    for (size_t i = 0; i < v.len; i++)
        u = (u << 8) | v.p[i];
    /* two's complement of v.len bytes, sign-extended */
    unsigned long sign = 1UL << (8 * v.len - 1);
    *out = (u & sign) ? -(long)((~u & (sign - 1)) + 1) : (long)u;
    return true;
}

static void field_string(struct der seq, unsigned n, char *buf, size_t size)
{
    struct der v;
    buf[0] = '\0';
    if (field_value(seq, n, 0x1b, &v)) /* GeneralString */
        snprintf(buf, size, "%.*s", (int)v.len, (const char *)v.p);
}

/* PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF } */
static void principal(struct der seq, char *buf, size_t size)
{
    struct der names, part, pn;
    unsigned char tag;
    size_t used = 0;
    buf[0] = '\0';
    if (!der_next(&seq, &tag, &pn) || tag != 0x30 || !field_value(pn, 1, 0x30, &names))
        return;
    while (names.len > 0 && der_next(&names, &tag, &part) && used + 2 < size)
        used += (size_t)snprintf(buf + used, size - used, "%s%.*s", used ? "/" : "", (int)part.len,
                                 (const char *)part.p);
}

/* EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] } */
static void encrypted(struct der f, int depth, const char *what)
{
    struct der seq;
    unsigned char tag;
    long etype = 0, kvno = -1;
    if (!der_next(&f, &tag, &seq) || tag != 0x30 || !field_int(seq, 0, &etype)) {
        out(depth, "%s: malformed", what);
        return;
    }
    field_int(seq, 1, &kvno);
    if (kvno >= 0)
        out(depth, "%s: enctype %ld (%s), kvno %ld", what, etype, etype_name(etype), kvno);
    else
        out(depth, "%s: enctype %ld (%s)", what, etype, etype_name(etype));
    if (etype == 23 || etype == 24 || etype == 1 || etype == 3)
        warn(depth, "%s uses a weak enctype: the account has no AES keys", what);
}

static bool krb5_ap_req(struct der body, int depth)
{
    struct der seq, ticket, tseq, f, bits;
    unsigned char tag;
    char realm[256], sname[512];
    if (!der_next(&body, &tag, &seq) || tag != 0x30 || !field(seq, 3, &ticket) ||
        !der_next(&ticket, &tag, &f) || tag != 0x61 || !der_next(&f, &tag, &tseq) || tag != 0x30)
        return false;
    field_string(tseq, 1, realm, sizeof(realm));
    if (field(tseq, 2, &f))
        principal(f, sname, sizeof(sname));
    else
        sname[0] = '\0';
    out(depth, "Kerberos AP-REQ");
    out(depth + 1, "service: %s@%s", sname, realm);
    if (field_value(seq, 2, 0x03, &bits) && bits.len >= 2)
        out(depth + 1, "ap-options:%s%s", (bits.p[1] & 0x40) ? " use-session-key" : "",
            (bits.p[1] & 0x20) ? " mutual-required" : " (no mutual authentication)");
    if (field(tseq, 3, &f))
        encrypted(f, depth + 1, "ticket");
    if (field(seq, 4, &f))
        encrypted(f, depth + 1, "authenticator");
    return true;
}

static bool krb5_ap_rep(struct der body, int depth)
{
    struct der seq, f;
    unsigned char tag;
    if (!der_next(&body, &tag, &seq) || tag != 0x30 || !field(seq, 2, &f))
        return false;
    out(depth, "Kerberos AP-REP (mutual authentication reply)");
    encrypted(f, depth + 1, "enc-part");
    return true;
}

static bool krb5_error(struct der body, int depth)
{
    struct der seq, f;
    unsigned char tag;
    long code = -1;
    char text[512], realm[256], sname[512] = "";
    if (!der_next(&body, &tag, &seq) || tag != 0x30 || !field_int(seq, 6, &code))
        return false;
    field_string(seq, 11, text, sizeof(text));
    field_string(seq, 9, realm, sizeof(realm));
    if (field(seq, 10, &f))
        principal(f, sname, sizeof(sname));
    out(depth, "Kerberos KRB-ERROR %ld%s%s", code, text[0] ? ": " : "", text);
    if (sname[0])
        out(depth + 1, "service: %s@%s", sname, realm);
    if (code == 37)
        warn(depth + 1, "clock skew: the client's and server's clocks differ too much");
    return true;
}

/* The krb5 mechanism token after its OID: TOK_ID, then the message. */
static bool krb5_token(struct der rest, int depth)
{
    static const struct {
        unsigned char id0, id1, app;
        bool (*decode)(struct der, int);
    } kinds[] = {
        {0x01, 0x00, 0x6e, krb5_ap_req},
        {0x02, 0x00, 0x6f, krb5_ap_rep},
        {0x03, 0x00, 0x7e, krb5_error},
    };
    if (rest.len < 2)
        return false;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (rest.p[0] != kinds[i].id0 || rest.p[1] != kinds[i].id1)
            continue;
        struct der msg = {rest.p + 2, rest.len - 2}, body;
        unsigned char tag;
        return der_next(&msg, &tag, &body) && tag == kinds[i].app && kinds[i].decode(body, depth);
    }
    return false;
}

static void mech_list(struct der list, int depth, const char *label)
{
    struct der oid;
    unsigned char tag;
    char dotted[128];
    out(depth, "%s:", label);
    for (int n = 0; list.len > 0 && der_next(&list, &tag, &oid) && tag == 0x06; n++) {
        oid_text(&oid, dotted, sizeof(dotted));
        out(depth + 1, "%s %s%s", dotted, oid_name(dotted), n == 0 ? " (preferred)" : "");
    }
}

static void inner_token(struct der f, int depth, const char *label)
{
    struct der v;
    unsigned char tag;
    if (!der_next(&f, &tag, &v) || tag != 0x04)
        return;
    out(depth, "%s: %zu bytes", label, v.len);
    if (!inspect_token(v.p, v.len, depth + 1))
        out(depth + 1, "(not decoded)");
}

static bool neg_token_init(struct der body, int depth)
{
    struct der seq, f, hints, hint_seq, v;
    unsigned char tag;
    if (!der_next(&body, &tag, &seq) || tag != 0x30)
        return false;
    /* NegTokenInit2 (Microsoft) puts negHints at [3] and the MIC at [4]. */
    bool init2 = field(seq, 3, &hints) && der_next(&hints, &tag, &hint_seq) && tag == 0x30;
    out(depth, "SPNEGO %s",
        init2 ? "NegTokenInit2 (sent first by a Windows server)" : "NegTokenInit");
    if (field(seq, 0, &f) && der_next(&f, &tag, &v) && tag == 0x30)
        mech_list(v, depth + 1, "mechTypes");
    if (init2) {
        char hint[256];
        field_string(hint_seq, 0, hint, sizeof(hint));
        out(depth + 1, "negHints: %s", hint[0] ? hint : "(none)");
    } else if (field(seq, 3, &f)) {
        out(depth + 1, "mechListMIC: present");
    }
    if (field(seq, 2, &f))
        inner_token(f, depth + 1, "mechToken");
    return true;
}

static bool neg_token_resp(struct der body, int depth)
{
    struct der seq, f, v, state_v, mech_v;
    unsigned char tag;
    char dotted[128];
    if (!der_next(&body, &tag, &seq) || tag != 0x30)
        return false;
    /* Each field present must hold what RFC 4178 says; one at least. */
    bool has_state = field(seq, 0, &f), has_mech = field(seq, 1, &f);
    bool has_token = field(seq, 2, &f), has_mic = field(seq, 3, &f);
    if ((has_state && (!field_value(seq, 0, 0x0a, &state_v) || state_v.len != 1)) ||
        (has_mech && !field_value(seq, 1, 0x06, &mech_v)) ||
        (has_token && !field_value(seq, 2, 0x04, &v)) ||
        !(has_state || has_mech || has_token || has_mic))
        return false;
    out(depth, "SPNEGO NegTokenResp");
    if (has_state)
        out(depth + 1, "negState: %s", state_v.p[0] < 4 ? neg_states[state_v.p[0]] : "unknown");
    if (has_mech) {
        oid_text(&mech_v, dotted, sizeof(dotted));
        out(depth + 1, "supportedMech: %s %s", dotted, oid_name(dotted));
    }
    if (has_token && field(seq, 2, &f))
        inner_token(f, depth + 1, "responseToken");
    out(depth + 1, "mechListMIC: %s", has_mic ? "present" : "absent");
    return true;
}

bool inspect_token(const unsigned char *p, size_t len, int depth)
{
    struct der d = {p, len}, body, oid;
    unsigned char tag;
    char dotted[128];
    if (inspect_is_ntlm(p, len))
        return inspect_ntlm(p, len, depth);
    if (!der_next(&d, &tag, &body))
        return false;
    if (tag == 0xa1) /* a NegTokenResp travels without the framing */
        return neg_token_resp(body, depth);
    if (tag == 0xa0)
        return neg_token_init(body, depth);
    if (tag != 0x60 || !der_next(&body, &tag, &oid) || tag != 0x06)
        return false;
    oid_text(&oid, dotted, sizeof(dotted));
    out(depth, "GSS token, mechanism %s %s", dotted, oid_name(dotted));
    if (strcmp(dotted, "1.3.6.1.5.5.2") == 0) {
        struct der rest = body;
        return der_next(&rest, &tag, &d) &&
               (tag == 0xa0 ? neg_token_init(d, depth + 1) : neg_token_resp(d, depth + 1));
    }
    if (strcmp(dotted, "1.2.840.113554.1.2.2") == 0 || strcmp(dotted, "1.2.840.48018.1.2.2") == 0)
        return krb5_token(body, depth + 1);
    return true;
}

/* ---- the AP-REQ that a keytab diagnosis decrypts (inspect_keytab.c) ---- */

/* AP-REQ ::= [APPLICATION 14] SEQUENCE { ..., ticket [3], authenticator [4] } */
static bool ap_req_parts(struct der whole, struct ap_req *out)
{
    struct der msg = whole, body, seq, auth, auth_seq;
    unsigned char tag;
    if (!der_next(&msg, &tag, &body) || tag != 0x6e || !der_next(&body, &tag, &seq) ||
        tag != 0x30 || !field(seq, 3, &out->ticket) || !field(seq, 4, &auth) ||
        !der_next(&auth, &tag, &auth_seq) || tag != 0x30 ||
        !field_int(auth_seq, 0, &out->authenticator_etype) ||
        !field_value(auth_seq, 2, 0x04, &out->authenticator))
        return false;
    out->whole = (struct der){whole.p, whole.len - msg.len};
    return true;
}

/* A NegTokenInit's mechToken, searched in turn. */
static bool ap_req_in_neg_token_init(struct der body, struct ap_req *out)
{
    struct der seq, token;
    unsigned char tag;
    return der_next(&body, &tag, &seq) && tag == 0x30 && field_value(seq, 2, 0x04, &token) &&
           find_ap_req(token.p, token.len, out);
}

bool find_ap_req(const unsigned char *p, size_t len, struct ap_req *out)
{
    struct der d = {p, len}, body, oid, inner;
    unsigned char tag;
    char dotted[128];
    if (len == 0)
        return false;
    if (p[0] == 0x6e) /* a bare AP-REQ, as KRB5 framing-free callers pass it */
        return ap_req_parts(d, out);
    if (!der_next(&d, &tag, &body))
        return false;
    if (tag == 0xa0)
        return ap_req_in_neg_token_init(body, out);
    if (tag != 0x60 || !der_next(&body, &tag, &oid) || tag != 0x06)
        return false;
    oid_text(&oid, dotted, sizeof(dotted));
    if (strcmp(dotted, "1.3.6.1.5.5.2") == 0)
        return der_next(&body, &tag, &inner) && tag == 0xa0 && ap_req_in_neg_token_init(inner, out);
    bool krb5 =
        strcmp(dotted, "1.2.840.113554.1.2.2") == 0 || strcmp(dotted, "1.2.840.48018.1.2.2") == 0;
    /* TOK_ID 01 00 is an AP-REQ */
    return krb5 && body.len > 2 && body.p[0] == 0x01 && body.p[1] == 0x00 &&
           ap_req_parts((struct der){body.p + 2, body.len - 2}, out);
}

/* Authenticator ::= [APPLICATION 2] SEQUENCE { ..., ctime [5] KerberosTime } */
bool authenticator_ctime(const unsigned char *p, size_t len, char ctime[16])
{
    struct der d = {p, len}, body, seq, v;
    unsigned char tag;
    if (!der_next(&d, &tag, &body) || tag != 0x62 || !der_next(&body, &tag, &seq) || tag != 0x30 ||
        !field_value(seq, 5, 0x18, &v) || v.len != 15)
        return false;
    memcpy(ctime, v.p, 15);
    ctime[15] = '\0';
    return true;
}
