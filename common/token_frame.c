/* token_frame.c - see token_frame.h. */
#include <stdlib.h>
#include <string.h>

#include "oids.h"
#include "token_frame.h"

#define NTLMSSP_SIGNATURE "NTLMSSP\0"

static const char *const kind_names[] = {
    [TOKEN_EMPTY] = "empty",
    [TOKEN_SPNEGO_INIT] = "SPNEGO NegTokenInit",
    [TOKEN_GSS_FRAMED] = "GSS-framed mechanism token",
    [TOKEN_BAD_FRAMING] = "GSS framing with a wrong length",
    [TOKEN_SPNEGO_RESP] = "SPNEGO NegTokenResp",
    [TOKEN_NTLMSSP] = "raw NTLMSSP",
    [TOKEN_KRB5_BARE] = "Kerberos AP-REQ without GSS framing",
    [TOKEN_OTHER] = "unknown",
};

const char *token_kind_name(enum token_kind kind)
{
    return kind <= TOKEN_OTHER ? kind_names[kind] : "unknown";
}

/* The whole buffer is one TLV with this tag. */
static bool one_tlv(const void *token, size_t len, unsigned char want, struct der *value)
{
    struct der d = {token, len};
    unsigned char tag;
    return der_next(&d, &tag, value) && tag == want && d.len == 0;
}

enum token_kind token_classify(const void *token, size_t len, struct token_class *out)
{
    const unsigned char *p = token;
    struct der app, oid;
    unsigned char tag;
    memset(out, 0, sizeof(*out));
    if (token == NULL || len == 0)
        return out->kind = TOKEN_EMPTY;
    if (len >= 8 && memcmp(p, NTLMSSP_SIGNATURE, 8) == 0)
        return out->kind = TOKEN_NTLMSSP;
    if (p[0] == 0xa1)
        return out->kind = TOKEN_SPNEGO_RESP;
    if (p[0] == 0x6e)
        return out->kind = TOKEN_KRB5_BARE;
    if (p[0] != 0x60)
        return out->kind = TOKEN_OTHER;
    if (!one_tlv(token, len, 0x60, &app))
        return out->kind = TOKEN_BAD_FRAMING;
    if (!der_next(&app, &tag, &oid) || tag != 0x06 || oid.len == 0)
        return out->kind = TOKEN_OTHER;
    out->mech.length = (OM_uint32)oid.len;
    out->mech.elements = (void *)oid.p;
    return out->kind = oid_equal(&out->mech, &oid_spnego) ? TOKEN_SPNEGO_INIT : TOKEN_GSS_FRAMED;
}

/* Opens one TLV of d with tag want, recording it as the next path level. */
static bool descend(const unsigned char *base, struct der *d, unsigned char want,
                    struct spnego_path *path, struct der *value)
{
    unsigned char tag;
    const unsigned char *start = d->p;
    if (path->depth == SPNEGO_PATH_MAX || !der_next(d, &tag, value) || tag != want)
        return false;
    path->level[path->depth].tag = tag;
    path->level[path->depth].start = (size_t)(start - base);
    path->level[path->depth].value = (size_t)(value->p - base);
    path->level[path->depth].end = (size_t)(value->p + value->len - base);
    path->depth++;
    return true;
}

/* The first OID of a mechTypes field's value. */
static void first_mech(struct der field, gss_OID_desc *out)
{
    struct der list, oid;
    unsigned char tag;
    if (der_next(&field, &tag, &list) && tag == 0x30 && der_next(&list, &tag, &oid) &&
        tag == 0x06) {
        out->length = (OM_uint32)oid.len;
        out->elements = (void *)oid.p;
    }
}

bool spnego_find_mech_token(const void *token, size_t len, struct spnego_path *path,
                            struct der *mech_token)
{
    const unsigned char *base = token;
    struct der d = {token, len}, v, seq, field;
    unsigned char tag;
    struct token_class cls;
    memset(path, 0, sizeof(*path));
    enum token_kind kind = token_classify(token, len, &cls);
    if (kind == TOKEN_SPNEGO_INIT) {
        if (!descend(base, &d, 0x60, path, &v))
            return false;
        struct der oid;
        if (!der_next(&v, &tag, &oid) || !descend(base, &v, 0xa0, path, &seq))
            return false; /* [0] NegTokenInit */
    } else if (kind == TOKEN_SPNEGO_RESP) {
        if (!descend(base, &d, 0xa1, path, &seq))
            return false;
    } else {
        return false;
    }
    if (!descend(base, &seq, 0x30, path, &v))
        return false;
    while (v.len > 0) {
        struct der before = v;
        if (!der_next(&v, &tag, &field))
            return false;
        if (tag == 0xa0 && kind == TOKEN_SPNEGO_INIT)
            first_mech(field, &path->first_mech);
        if (tag == 0xa2)
            return descend(base, &before, 0xa2, path, &field) &&
                   descend(base, &field, 0x04, path, mech_token);
    }
    return false;
}

bool spnego_replace_mech_token(const void *token, size_t len, const struct spnego_path *path,
                               const void *inner, size_t inner_len, unsigned char **out,
                               size_t *out_len)
{
    const unsigned char *base = token;
    size_t content[SPNEGO_PATH_MAX], total = inner_len;
    /* Bottom-up: each level's new value length, its siblings unchanged. */
    for (size_t i = path->depth; i-- > 0;) {
        size_t old_child = i + 1 < path->depth
                               ? path->level[i + 1].end - path->level[i + 1].start
                               : 0;
        size_t old_value = path->level[i].end - path->level[i].value;
        content[i] = i + 1 < path->depth ? old_value - old_child + total : inner_len;
        total = der_header_size(content[i]) + content[i];
    }
    size_t outer_before = path->level[0].start, outer_after = len - path->level[0].end;
    unsigned char *buf = malloc(outer_before + total + outer_after), *w = buf;
    if (buf == NULL)
        return false;
    memcpy(w, base, outer_before);
    w += outer_before;
    for (size_t i = 0; i < path->depth; i++) {
        w = der_put_header(w, path->level[i].tag, content[i]);
        size_t upto = i + 1 < path->depth ? path->level[i + 1].start : path->level[i].value;
        memcpy(w, base + path->level[i].value, upto - path->level[i].value);
        w += upto - path->level[i].value;
    }
    memcpy(w, inner, inner_len);
    w += inner_len;
    for (size_t i = path->depth - 1; i-- > 0;) {
        size_t from = path->level[i + 1].end;
        memcpy(w, base + from, path->level[i].end - from);
        w += path->level[i].end - from;
    }
    memcpy(w, base + path->level[0].end, outer_after);
    w += outer_after;
    *out = buf;
    *out_len = (size_t)(w - buf);
    return true;
}

bool gss_frame_token(gss_const_OID mech, const unsigned char *tok_id, const void *body,
                     size_t body_len, unsigned char **out, size_t *out_len)
{
    size_t oid_tlv = der_header_size(mech->length) + mech->length;
    size_t content = oid_tlv + (tok_id ? 2 : 0) + body_len;
    unsigned char *buf = malloc(der_header_size(content) + content), *w;
    if (buf == NULL)
        return false;
    w = der_put_header(buf, 0x60, content);
    w = der_put_header(w, 0x06, mech->length);
    memcpy(w, mech->elements, mech->length);
    w += mech->length;
    if (tok_id != NULL) {
        memcpy(w, tok_id, 2);
        w += 2;
    }
    memcpy(w, body, body_len);
    w += body_len;
    *out = buf;
    *out_len = (size_t)(w - buf);
    return true;
}
