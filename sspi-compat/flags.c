/*
 * flags.c - ISC_REQ/ASC_REQ/ISC_RET/ASC_RET <-> GSS flags, one table
 * (DESIGN section 3).  A row with gss == 0 is granted by the library itself
 * (allocation, connection, stream, extended error), not by the mechanism.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#ifndef GSS_C_DATAGRAM_FLAG
#define GSS_C_DATAGRAM_FLAG 0x10000 /* gss-ntlmssp */
#endif

struct flag_row {
    const char *name;
    ULONG isc_req, asc_req, isc_ret, asc_ret;
    OM_uint32 gss;
};

static const struct flag_row flag_table[] = {
    {"DELEGATE", ISC_REQ_DELEGATE, ASC_REQ_DELEGATE, ISC_RET_DELEGATE, ASC_RET_DELEGATE, GSS_C_DELEG_FLAG},
    {"MUTUAL_AUTH", ISC_REQ_MUTUAL_AUTH, ASC_REQ_MUTUAL_AUTH, ISC_RET_MUTUAL_AUTH, ASC_RET_MUTUAL_AUTH, GSS_C_MUTUAL_FLAG},
    {"REPLAY_DETECT", ISC_REQ_REPLAY_DETECT, ASC_REQ_REPLAY_DETECT, ISC_RET_REPLAY_DETECT, ASC_RET_REPLAY_DETECT, GSS_C_REPLAY_FLAG},
    {"SEQUENCE_DETECT", ISC_REQ_SEQUENCE_DETECT, ASC_REQ_SEQUENCE_DETECT, ISC_RET_SEQUENCE_DETECT, ASC_RET_SEQUENCE_DETECT, GSS_C_SEQUENCE_FLAG},
    {"CONFIDENTIALITY", ISC_REQ_CONFIDENTIALITY, ASC_REQ_CONFIDENTIALITY, ISC_RET_CONFIDENTIALITY, ASC_RET_CONFIDENTIALITY, GSS_C_CONF_FLAG},
    {"USE_SESSION_KEY", ISC_REQ_USE_SESSION_KEY, ASC_REQ_USE_SESSION_KEY, ISC_RET_USE_SESSION_KEY, ASC_RET_USE_SESSION_KEY, 0},
    {"ALLOCATE_MEMORY", ISC_REQ_ALLOCATE_MEMORY, ASC_REQ_ALLOCATE_MEMORY, ISC_RET_ALLOCATED_MEMORY, ASC_RET_ALLOCATED_MEMORY, 0},
    {"USE_DCE_STYLE", ISC_REQ_USE_DCE_STYLE, ASC_REQ_USE_DCE_STYLE, ISC_RET_USED_DCE_STYLE, ASC_RET_USED_DCE_STYLE, GSS_C_DCE_STYLE},
    {"DATAGRAM", ISC_REQ_DATAGRAM, ASC_REQ_DATAGRAM, ISC_RET_DATAGRAM, ASC_RET_DATAGRAM, GSS_C_DATAGRAM_FLAG},
    {"CONNECTION", ISC_REQ_CONNECTION, ASC_REQ_CONNECTION, ISC_RET_CONNECTION, ASC_RET_CONNECTION, 0},
    {"EXTENDED_ERROR", ISC_REQ_EXTENDED_ERROR, ASC_REQ_EXTENDED_ERROR, ISC_RET_EXTENDED_ERROR, ASC_RET_EXTENDED_ERROR, 0},
    {"STREAM", ISC_REQ_STREAM, ASC_REQ_STREAM, ISC_RET_STREAM, ASC_RET_STREAM, 0},
    {"INTEGRITY", ISC_REQ_INTEGRITY, ASC_REQ_INTEGRITY, ISC_RET_INTEGRITY, ASC_RET_INTEGRITY, GSS_C_INTEG_FLAG},
    {"IDENTIFY", ISC_REQ_IDENTIFY, ASC_REQ_IDENTIFY, ISC_RET_IDENTIFY, ASC_RET_IDENTIFY, GSS_C_IDENTIFY_FLAG},
    {"NULL_SESSION", ISC_REQ_NULL_SESSION, ASC_REQ_ALLOW_NULL_SESSION, ISC_RET_NULL_SESSION, ASC_RET_NULL_SESSION, GSS_C_ANON_FLAG},
};
#define FLAG_ROWS (sizeof(flag_table) / sizeof(flag_table[0]))

static ULONG row_bit(const struct flag_row *r, enum flag_space space)
{
    switch (space) {
    case FLAGS_ISC_REQ: return r->isc_req;
    case FLAGS_ISC_RET: return r->isc_ret;
    case FLAGS_ASC_REQ: return r->asc_req;
    case FLAGS_ASC_RET: return r->asc_ret;
    default: return 0;
    }
}

static OM_uint32 req_to_gss(enum flag_space req_space, ULONG req)
{
    OM_uint32 gss = 0;
    for (size_t i = 0; i < FLAG_ROWS; i++)
        if (req & row_bit(&flag_table[i], req_space))
            gss |= flag_table[i].gss;
    return gss;
}

static ULONG gss_to_ret(enum flag_space ret_space, OM_uint32 gss)
{
    ULONG ret = 0;
    for (size_t i = 0; i < FLAG_ROWS; i++)
        if (flag_table[i].gss != 0 && (gss & flag_table[i].gss))
            ret |= row_bit(&flag_table[i], ret_space);
    return ret;
}

/* Library-side rows (no GSS flag) are granted when requested; allocation is
 * reported by whoever allocates, and USE_SESSION_KEY (user-to-user) is
 * nobody's to grant here. */
static ULONG library_ret(enum flag_space req_space, enum flag_space ret_space, ULONG req)
{
    ULONG ret = 0;
    for (size_t i = 0; i < FLAG_ROWS; i++) {
        const struct flag_row *r = &flag_table[i];
        if (r->gss == 0 && r->isc_req != ISC_REQ_USE_SESSION_KEY &&
            r->isc_req != ISC_REQ_ALLOCATE_MEMORY && (req & row_bit(r, req_space)))
            ret |= row_bit(r, ret_space);
    }
    return ret;
}

OM_uint32 flags_isc_req_to_gss(ULONG isc_req)
{
    return req_to_gss(FLAGS_ISC_REQ, isc_req);
}

OM_uint32 flags_asc_req_to_gss(ULONG asc_req)
{
    return req_to_gss(FLAGS_ASC_REQ, asc_req);
}

ULONG flags_gss_to_isc_ret(OM_uint32 gss)
{
    return gss_to_ret(FLAGS_ISC_RET, gss);
}

ULONG flags_gss_to_asc_ret(OM_uint32 gss)
{
    return gss_to_ret(FLAGS_ASC_RET, gss);
}

ULONG flags_isc_library_ret(ULONG isc_req)
{
    return library_ret(FLAGS_ISC_REQ, FLAGS_ISC_RET, isc_req);
}

ULONG flags_asc_library_ret(ULONG asc_req)
{
    return library_ret(FLAGS_ASC_REQ, FLAGS_ASC_RET, asc_req);
}

/* GSS flags have names of their own. */
static const struct {
    const char *name;
    OM_uint32 bit;
} gss_names[] = {
    {"DELEG", GSS_C_DELEG_FLAG},     {"MUTUAL", GSS_C_MUTUAL_FLAG},
    {"REPLAY", GSS_C_REPLAY_FLAG},   {"SEQUENCE", GSS_C_SEQUENCE_FLAG},
    {"CONF", GSS_C_CONF_FLAG},       {"INTEG", GSS_C_INTEG_FLAG},
    {"ANON", GSS_C_ANON_FLAG},       {"PROT_READY", GSS_C_PROT_READY_FLAG},
    {"TRANS", GSS_C_TRANS_FLAG},     {"DELEG_POLICY", GSS_C_DELEG_POLICY_FLAG},
    {"CHANNEL_BOUND", 0x800},        {"DCE_STYLE", GSS_C_DCE_STYLE},
    {"IDENTIFY", GSS_C_IDENTIFY_FLAG}, {"EXTENDED_ERROR", GSS_C_EXTENDED_ERROR_FLAG},
    {"DATAGRAM", GSS_C_DATAGRAM_FLAG},
};

static void append(char *buf, size_t len, size_t *used, const char *part)
{
    int n = snprintf(buf + *used, len - *used, "%s%s", *used ? "|" : "", part);
    if (n > 0)
        *used = (*used + (size_t)n < len) ? *used + (size_t)n : len - 1;
}

const char *flags_describe(enum flag_space space, uint32_t value, char *buf, size_t len)
{
    size_t used = 0;
    uint32_t rest = value;
    buf[0] = '\0';
    if (space == FLAGS_GSS) {
        for (size_t i = 0; i < sizeof(gss_names) / sizeof(gss_names[0]); i++)
            if (value & gss_names[i].bit) {
                append(buf, len, &used, gss_names[i].name);
                rest &= ~gss_names[i].bit;
            }
    } else {
        for (size_t i = 0; i < FLAG_ROWS; i++) {
            ULONG bit = row_bit(&flag_table[i], space);
            if (bit && (value & bit)) {
                append(buf, len, &used, flag_table[i].name);
                rest &= ~bit;
            }
        }
    }
    if (rest != 0) {
        char hex[16];
        snprintf(hex, sizeof(hex), "0x%x", rest);
        append(buf, len, &used, hex);
    }
    if (used == 0)
        snprintf(buf, len, "0");
    return buf;
}
