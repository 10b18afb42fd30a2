/*
 * pac_builder.h - a PAC logon info (KERB_VALIDATION_INFO, MS-PAC 2.5) in
 * NDR, made to order: for the parser's tests and the fuzz target's seeds.
 * No check dependency.
 */
#ifndef GSS_SSPI_PAC_BUILDER_H
#define GSS_SSPI_PAC_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offsets in the built buffer: the NDR header (16 bytes), the referent id
 * of the structure (4), then its fixed part. */
#define LOGON_FIXED 20
#define LOGON_GROUP_COUNT (LOGON_FIXED + 108)
#define LOGON_SID_COUNT (LOGON_FIXED + 196)
#define LOGON_RESOURCE_COUNT (LOGON_FIXED + 208)
#define LOGON_DOMAIN_ID_POINTER (LOGON_FIXED + 152)

struct test_sid {
    uint64_t authority; /* 48 bits */
    uint8_t count;      /* may exceed 15, to make a bad one */
    uint32_t sub[16];
};

struct logon_spec {
    const char *name; /* EffectiveName, ASCII; NULL: null pointer */
    struct test_sid domain;
    bool no_domain; /* LogonDomainId null */
    uint32_t user_rid, primary_rid;
    uint32_t groups[8];
    uint32_t n_groups;
    struct test_sid extra[4];
    bool extra_null[4]; /* that entry's Sid pointer is null */
    uint32_t n_extra;
    struct test_sid resource_domain;
    bool has_resource_domain;
    uint32_t resource[4];
    uint32_t n_resource;
};

/* Two specs the parser's tests and the fuzz seeds both start from: one
 * with every part (groups, extra SIDs with a null entry and a 48-bit
 * authority, resource groups), and one with nothing but the user. */
extern const struct logon_spec logon_spec_every_part;
extern const struct logon_spec logon_spec_user_only;

/* The logon info into out; its length, or 0 when cap is too small. */
size_t logon_info_build(const struct logon_spec *spec, unsigned char *out, size_t cap);
/* A little-endian 32-bit value into p. */
void logon_put32(unsigned char *p, uint32_t v);

#endif
