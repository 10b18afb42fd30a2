/* pac_builder.c - NDR logon infos made to order (see pac_builder.h). */
#include <string.h>

#include "pac_builder.h"

#define REFERENT(k) (0x00020000u + 4u * (k))

/* Offsets are from the start of the buffer; the NDR object starts at 16,
 * so aligning them aligns the object's too. */
struct writer {
    unsigned char *b;
    size_t cap, n;
    bool full;
};

static void put(struct writer *w, uint64_t v, size_t bytes)
{
    if (w->cap - w->n < bytes) {
        w->full = true;
        return;
    }
    /* Little-endian; bytes beyond the eighth (zero padding) are 0. */
    for (size_t i = 0; i < bytes; i++)
        w->b[w->n++] = i < 8 ? (unsigned char)(v >> (8 * i)) : 0;
}

static void align(struct writer *w, size_t a)
{
    while (w->n % a != 0 && !w->full)
        put(w, 0, 1);
}

static void put32(struct writer *w, uint32_t v)
{
    align(w, 4);
    put(w, v, 4);
}

void logon_put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_sid(struct writer *w, const struct test_sid *sid)
{
    put32(w, sid->count);
    put(w, 1, 1);
    put(w, sid->count, 1);
    for (int i = 5; i >= 0; i--) /* big-endian */
        put(w, sid->authority >> (8 * i), 1);
    for (size_t i = 0; i < sid->count && i < 16; i++)
        put32(w, sid->sub[i]);
}

/* RPC_UNICODE_STRING {Length, MaximumLength, Buffer}. */
static void put_string_header(struct writer *w, const char *s, uint32_t referent)
{
    size_t len = s ? strlen(s) * 2 : 0;
    put(w, len, 2);
    put(w, len, 2);
    put32(w, s ? referent : 0);
}

static void put_string_body(struct writer *w, const char *s)
{
    size_t len = strlen(s);
    put32(w, (uint32_t)len);
    put32(w, 0);
    put32(w, (uint32_t)len);
    for (size_t i = 0; i < len; i++)
        put(w, (unsigned char)s[i], 2);
}

static void put_rids(struct writer *w, const uint32_t *rids, uint32_t n)
{
    put32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        put32(w, rids[i]);
        put32(w, 7); /* SE_GROUP_MANDATORY | ENABLED_BY_DEFAULT | ENABLED */
    }
}

size_t logon_info_build(const struct logon_spec *spec, unsigned char *out, size_t cap)
{
    struct writer w = {out, cap, 0, false};
    uint32_t k = 0;
    /* Common type header, private header (length filled in at the end). */
    put(&w, 0xcccccccc00081001u, 8);
    put(&w, 0, 8);
    put32(&w, REFERENT(k++));
    put(&w, 0, 48); /* six FILETIMEs */
    put_string_header(&w, spec->name, REFERENT(k++));
    for (int i = 0; i < 5; i++)
        put_string_header(&w, NULL, 0);
    put(&w, 0, 4); /* LogonCount, BadPasswordCount */
    put32(&w, spec->user_rid);
    put32(&w, spec->primary_rid);
    put32(&w, spec->n_groups);
    put32(&w, spec->n_groups ? REFERENT(k++) : 0);
    put32(&w, (spec->n_extra ? 0x20 : 0) | (spec->n_resource ? 0x200 : 0));
    put(&w, 0, 16);                 /* UserSessionKey */
    put_string_header(&w, NULL, 0); /* LogonServer */
    put_string_header(&w, NULL, 0); /* LogonDomainName */
    put32(&w, spec->no_domain ? 0 : REFERENT(k++));
    put(&w, 0, 8 + 4 + 4 + 8 + 8 + 4 + 4); /* Reserved1 .. Reserved3 */
    put32(&w, spec->n_extra);
    put32(&w, spec->n_extra ? REFERENT(k++) : 0);
    put32(&w, spec->has_resource_domain ? REFERENT(k++) : 0);
    put32(&w, spec->n_resource);
    put32(&w, spec->n_resource ? REFERENT(k++) : 0);

    /* The referents, in the order of their pointers. */
    if (spec->name)
        put_string_body(&w, spec->name);
    if (spec->n_groups)
        put_rids(&w, spec->groups, spec->n_groups);
    if (!spec->no_domain)
        put_sid(&w, &spec->domain);
    if (spec->n_extra) {
        put32(&w, spec->n_extra);
        for (uint32_t i = 0; i < spec->n_extra; i++) {
            put32(&w, spec->extra_null[i] ? 0 : REFERENT(k++));
            put32(&w, 0x20000007);
        }
        for (uint32_t i = 0; i < spec->n_extra; i++)
            if (!spec->extra_null[i])
                put_sid(&w, &spec->extra[i]);
    }
    if (spec->has_resource_domain)
        put_sid(&w, &spec->resource_domain);
    if (spec->n_resource)
        put_rids(&w, spec->resource, spec->n_resource);
    align(&w, 8);
    if (w.full)
        return 0;
    logon_put32(out + 8, (uint32_t)(w.n - 16));
    return w.n;
}

const struct logon_spec logon_spec_every_part = {
    .name = "someone",
    .domain = {5, 4, {21, 1, 2, 3}},
    .user_rid = 1500,
    .primary_rid = 513,
    .groups = {513, 512},
    .n_groups = 2,
    .extra = {{5, 1, {32}}, {0, 0, {0}}, {0x123456789abcULL, 2, {7, 8}}},
    .extra_null = {false, true, false},
    .n_extra = 3,
    .resource_domain = {5, 4, {21, 9, 8, 7}},
    .has_resource_domain = true,
    .resource = {1100},
    .n_resource = 1,
};

const struct logon_spec logon_spec_user_only = {
    .domain = {5, 1, {32}}, .user_rid = 544, .primary_rid = 545};
