/*
 * pac.c - the SIDs in a Windows PAC's logon info (KERB_VALIDATION_INFO,
 * MS-PAC 2.5): the user (LogonDomainId + UserId), the primary group, and the
 * groups (LogonDomainId + GroupIds[].RelativeId, ExtraSids[].Sid,
 * ResourceGroupDomainSid + ResourceGroupIds[].RelativeId).
 *
 * The bytes come from a ticket: hostile.  They are NDR (MS-RPCE 2.2.6 type
 * serialization version 1, little-endian): a 16-byte header, a unique
 * pointer to the structure, its 216-byte fixed part, then the referents of
 * its embedded pointers in the order the pointers appear.  Every read goes
 * through struct ndr, which checks it against the end of the object; counts
 * are checked against the bytes they need before anything is allocated, so
 * memory is bounded by the input size.  Errors are sticky: after the first
 * one every read yields nothing, and the first reason is reported.
 *
 * No dependency beyond libc, so that the fuzz target links this file alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PAC_LOGON_INFO_MAX (1u << 20) /* MIT caps whole tickets well below this */
#define NDR_HEADER_LEN 16

/* Offsets in the fixed part of KERB_VALIDATION_INFO: six FILETIMEs (48
 * bytes), six RPC_UNICODE_STRINGs {Length, MaximumLength, Buffer pointer}
 * (8 bytes each), then the fields below. */
enum {
    KVI_STRINGS = 48,
    KVI_USER_ID = 100,
    KVI_PRIMARY_GROUP_ID = 104,
    KVI_GROUP_COUNT = 108,
    KVI_GROUP_IDS = 112,
    KVI_USER_FLAGS = 116,
    KVI_LOGON_SERVER = 136,
    KVI_LOGON_DOMAIN_NAME = 144,
    KVI_LOGON_DOMAIN_ID = 152,
    KVI_SID_COUNT = 196,
    KVI_EXTRA_SIDS = 200,
    KVI_RESOURCE_DOMAIN_ID = 204,
    KVI_RESOURCE_GROUP_COUNT = 208,
    KVI_RESOURCE_GROUP_IDS = 212,
    KVI_SIZE = 216,
};

/* The embedded pointers, in marshalling order, and what each points to. */
enum referent { REF_STRING, REF_RIDS, REF_SID, REF_EXTRA_SIDS };
enum rid_set { RIDS_DOMAIN, RIDS_RESOURCE, RIDS_SETS };
enum sid_slot { SID_DOMAIN, SID_RESOURCE_DOMAIN };

static const struct {
    uint16_t pointer; /* offset of the referent id */
    uint8_t kind;     /* enum referent */
    uint16_t count;   /* REF_STRING: offset of the string's Length;
                         REF_RIDS, REF_EXTRA_SIDS: offset of the element count */
    uint8_t which;    /* REF_RIDS: enum rid_set; REF_SID: enum sid_slot */
} referents[] = {
    {KVI_STRINGS + 4, REF_STRING, KVI_STRINGS, 0},           /* EffectiveName */
    {KVI_STRINGS + 12, REF_STRING, KVI_STRINGS + 8, 0},      /* FullName */
    {KVI_STRINGS + 20, REF_STRING, KVI_STRINGS + 16, 0},     /* LogonScript */
    {KVI_STRINGS + 28, REF_STRING, KVI_STRINGS + 24, 0},     /* ProfilePath */
    {KVI_STRINGS + 36, REF_STRING, KVI_STRINGS + 32, 0},     /* HomeDirectory */
    {KVI_STRINGS + 44, REF_STRING, KVI_STRINGS + 40, 0},     /* HomeDirectoryDrive */
    {KVI_GROUP_IDS, REF_RIDS, KVI_GROUP_COUNT, RIDS_DOMAIN}, /* GroupIds */
    {KVI_LOGON_SERVER + 4, REF_STRING, KVI_LOGON_SERVER, 0},
    {KVI_LOGON_DOMAIN_NAME + 4, REF_STRING, KVI_LOGON_DOMAIN_NAME, 0},
    {KVI_LOGON_DOMAIN_ID, REF_SID, 0, SID_DOMAIN},
    {KVI_EXTRA_SIDS, REF_EXTRA_SIDS, KVI_SID_COUNT, 0},
    {KVI_RESOURCE_DOMAIN_ID, REF_SID, 0, SID_RESOURCE_DOMAIN},
    {KVI_RESOURCE_GROUP_IDS, REF_RIDS, KVI_RESOURCE_GROUP_COUNT, RIDS_RESOURCE},
};

/* A bounded reader over the NDR object.  pos is relative to the start of
 * the object, which is what NDR alignment is relative to. */
struct ndr {
    const unsigned char *base;
    size_t len, pos;
    const char *why; /* first failure, NULL while all is well */
};

static void fail(struct ndr *n, const char *why)
{
    if (n->why == NULL)
        n->why = why;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* count bytes at the current position (after aligning to align), or NULL. */
static const unsigned char *take(struct ndr *n, size_t align, size_t count, const char *what)
{
    if (n->why != NULL)
        return NULL;
    size_t pad = (align - n->pos % align) % align;
    if (n->len - n->pos < pad || n->len - n->pos - pad < count) {
        fail(n, what);
        return NULL;
    }
    n->pos += pad;
    const unsigned char *p = n->base + n->pos;
    n->pos += count;
    return p;
}

static uint32_t take_u32(struct ndr *n, const char *what)
{
    const unsigned char *p = take(n, 4, 4, what);
    return p ? le32(p) : 0;
}

/* Bytes left after aligning to 4: what a count of elements must fit in. */
static size_t left(const struct ndr *n)
{
    size_t pad = (4 - n->pos % 4) % 4;
    return n->len - n->pos < pad ? 0 : n->len - n->pos - pad;
}

/* RPC_UNICODE_STRING's referent: a conformant varying array of WCHAR whose
 * actual count must be the Length of the string (in bytes) halved. */
static void skip_string(struct ndr *n, uint16_t length)
{
    uint32_t max = take_u32(n, "string: truncated conformance");
    uint32_t offset = take_u32(n, "string: truncated offset");
    uint32_t actual = take_u32(n, "string: truncated count");
    if (n->why != NULL)
        return;
    if (offset != 0 || actual > max || (uint64_t)actual * 2 != length)
        fail(n, "string: counts disagree with its Length");
    else
        take(n, 4, (size_t)actual * 2, "string: characters run past the end");
}

/* RPC_SID: conformance, Revision, SubAuthorityCount, IdentifierAuthority
 * (6 bytes, big-endian), SubAuthority[count] (MS-DTYP 2.4.2.3). */
static void read_sid(struct ndr *n, struct pac_sid *sid)
{
    uint32_t max = take_u32(n, "SID: truncated conformance");
    const unsigned char *p = take(n, 1, 8, "SID: truncated header");
    if (p == NULL)
        return;
    if (p[0] != 1)
        fail(n, "SID: revision is not 1");
    else if (p[1] > PAC_SID_MAX_SUBAUTH)
        fail(n, "SID: more than 15 sub-authorities");
    else if (max != p[1])
        fail(n, "SID: conformance disagrees with SubAuthorityCount");
    if (n->why != NULL)
        return;
    sid->revision = 1;
    sid->count = p[1];
    memcpy(sid->authority, p + 2, sizeof(sid->authority));
    for (size_t i = 0; i < sid->count; i++)
        sid->sub[i] = take_u32(n, "SID: truncated sub-authorities");
}

static bool sid_append_rid(struct pac_sid *out, const struct pac_sid *domain, uint32_t rid)
{
    if (domain->count >= PAC_SID_MAX_SUBAUTH)
        return false;
    *out = *domain;
    out->sub[out->count++] = rid;
    return true;
}

/* What the walk over the referents collects. */
struct walk {
    const unsigned char *fixed;           /* the 216-byte fixed part */
    struct pac_sid domain[2];             /* enum sid_slot */
    const unsigned char *rids[RIDS_SETS]; /* GROUP_MEMBERSHIP arrays, 8 bytes each */
    uint32_t n_rids[RIDS_SETS];
    struct pac_sid *extra; /* within out->groups */
    uint32_t n_extra;
};

static void read_referent(struct ndr *n, struct walk *w, size_t i)
{
    uint32_t count = referents[i].count ? le32(w->fixed + referents[i].count) : 0;
    switch (referents[i].kind) {
    case REF_STRING:
        skip_string(n, le16(w->fixed + referents[i].count));
        break;
    case REF_RIDS:
        if (take_u32(n, "group array: truncated conformance") != count)
            fail(n, "group array: conformance disagrees with its count");
        w->rids[referents[i].which] = take(n, 4, (size_t)count * 8, "group array: truncated");
        w->n_rids[referents[i].which] = count;
        break;
    case REF_SID:
        read_sid(n, &w->domain[referents[i].which]);
        break;
    case REF_EXTRA_SIDS: {
        if (take_u32(n, "ExtraSids: truncated conformance") != count)
            fail(n, "ExtraSids: conformance disagrees with SidCount");
        const unsigned char *entries = take(n, 4, (size_t)count * 8, "ExtraSids: truncated");
        /* The SIDs follow the array, one per non-null pointer, in order. */
        for (uint32_t k = 0; entries != NULL && k < count && n->why == NULL; k++)
            if (le32(entries + 8 * k) != 0)
                read_sid(n, &w->extra[w->n_extra++]);
        break;
    }
    }
}

void pac_logon_info_free(struct pac_logon_info *info)
{
    free(info->groups);
    memset(info, 0, sizeof(*info));
}

/* The header: version 1, little-endian, 8-byte common header, then the
 * private header's object length (into *object_len). */
static const char *check_header(const unsigned char *buf, size_t len, size_t *object_len)
{
    if (len < NDR_HEADER_LEN)
        return "shorter than the NDR serialization header";
    if (len > PAC_LOGON_INFO_MAX)
        return "larger than any PAC";
    if (buf[0] != 1)
        return "NDR serialization version is not 1";
    if (buf[1] != 0x10)
        return "NDR data is not little-endian";
    if (le16(buf + 2) != 8)
        return "NDR common header length is not 8";
    uint32_t object = le32(buf + 8);
    if (object > len - NDR_HEADER_LEN)
        return "NDR object length runs past the buffer";
    *object_len = object;
    return NULL;
}

const char *pac_parse_logon_info(const void *buf, size_t len, struct pac_logon_info *out)
{
    const unsigned char *bytes = buf;
    struct walk w = {0};
    size_t object_len = 0;
    memset(out, 0, sizeof(*out));
    if (buf == NULL)
        return "no buffer";
    const char *why = check_header(bytes, len, &object_len);
    if (why != NULL)
        return why;
    struct ndr n = {.base = bytes + NDR_HEADER_LEN, .len = object_len};
    if (take_u32(&n, "truncated before the structure") == 0 && n.why == NULL)
        fail(&n, "null KERB_VALIDATION_INFO pointer");
    w.fixed = take(&n, 4, KVI_SIZE, "truncated KERB_VALIDATION_INFO");
    if (n.why != NULL)
        return n.why;

    /* Every count must fit in what is left (8 bytes per element of each
     * array) before any memory is given to it. */
    uint64_t groups = le32(w.fixed + KVI_GROUP_COUNT);
    uint64_t extra = le32(w.fixed + KVI_SID_COUNT);
    uint64_t resource = le32(w.fixed + KVI_RESOURCE_GROUP_COUNT);
    if ((groups + extra + resource) * 8 > left(&n))
        return "group counts exceed the buffer";
    for (size_t i = 0; i < sizeof(referents) / sizeof(referents[0]); i++) {
        bool present = le32(w.fixed + referents[i].pointer) != 0;
        bool counted = referents[i].kind == REF_RIDS || referents[i].kind == REF_EXTRA_SIDS;
        uint32_t count = referents[i].count ? le32(w.fixed + referents[i].count) : 0;
        if (!present && counted && count != 0)
            return "null array pointer with a nonzero count";
        if (!present && referents[i].kind == REF_STRING && le16(w.fixed + referents[i].count))
            return "null string pointer with a nonzero Length";
    }
    if (le32(w.fixed + KVI_RESOURCE_DOMAIN_ID) == 0 && resource != 0)
        return "resource groups without ResourceGroupDomainSid";
    if (le32(w.fixed + KVI_LOGON_DOMAIN_ID) == 0)
        return "no LogonDomainId";

    size_t total = (size_t)(groups + extra + resource);
    if (total > 0 && (out->groups = calloc(total, sizeof(*out->groups))) == NULL)
        return "out of memory";
    w.extra = out->groups ? out->groups + groups : NULL;
    for (size_t i = 0; i < sizeof(referents) / sizeof(referents[0]) && n.why == NULL; i++)
        if (le32(w.fixed + referents[i].pointer) != 0)
            read_referent(&n, &w, i);
    if (n.why != NULL) {
        why = n.why;
        goto out;
    }

    const struct pac_sid *domain = &w.domain[SID_DOMAIN];
    if (!sid_append_rid(&out->user, domain, le32(w.fixed + KVI_USER_ID)) ||
        !sid_append_rid(&out->primary_group, domain, le32(w.fixed + KVI_PRIMARY_GROUP_ID))) {
        why = "LogonDomainId has no room for a RID";
        goto out;
    }
    /* Groups in PAC order: domain groups, extra SIDs, resource groups. */
    size_t k = 0;
    for (uint32_t i = 0; i < w.n_rids[RIDS_DOMAIN]; i++)
        if (!sid_append_rid(&out->groups[k++], domain, le32(w.rids[RIDS_DOMAIN] + 8 * i))) {
            why = "LogonDomainId has no room for a RID";
            goto out;
        }
    k += w.n_extra;
    for (uint32_t i = 0; i < w.n_rids[RIDS_RESOURCE]; i++)
        if (!sid_append_rid(&out->groups[k++], &w.domain[SID_RESOURCE_DOMAIN],
                            le32(w.rids[RIDS_RESOURCE] + 8 * i))) {
            why = "ResourceGroupDomainSid has no room for a RID";
            goto out;
        }
    out->n_groups = k;
    out->user_flags = le32(w.fixed + KVI_USER_FLAGS);
out:
    if (why != NULL)
        pac_logon_info_free(out);
    return why;
}

/* MS-DTYP 2.4.2.1: S-1-<authority>-<sub>...; the authority in decimal when
 * it fits in 32 bits, else as 0x and 12 hex digits. */
char *pac_sid_format(const struct pac_sid *sid, char buf[PAC_SID_STRING_MAX])
{
    uint64_t authority = 0;
    for (size_t i = 0; i < sizeof(sid->authority); i++)
        authority = authority << 8 | sid->authority[i];
    int n = authority >> 32 ? snprintf(buf, PAC_SID_STRING_MAX, "S-%u-0x%012llX", sid->revision,
                                       (unsigned long long)authority)
                            : snprintf(buf, PAC_SID_STRING_MAX, "S-%u-%llu", sid->revision,
                                       (unsigned long long)authority);
    for (size_t i = 0; i < sid->count && i < PAC_SID_MAX_SUBAUTH; i++) {
        if (n <= 0 || (size_t)n >= PAC_SID_STRING_MAX)
            break; /* cannot happen: 15 sub-authorities fit */
        n += snprintf(buf + n, PAC_SID_STRING_MAX - (size_t)n, "-%u", (unsigned)sid->sub[i]);
    }
    return buf;
}
