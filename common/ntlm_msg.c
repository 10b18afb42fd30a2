/* ntlm_msg.c - see ntlm_msg.h.  The bytes come from the network: every
 * field is bounds-checked against the message. */
#include <stdint.h>
#include <string.h>

#include "ntlm_msg.h"

#define SIGNATURE "NTLMSSP\0"

uint16_t ntlm_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t ntlm_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ntlm_put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int ntlm_message_type(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (p == NULL || len < 12 || memcmp(p, SIGNATURE, 8) != 0)
        return NTLM_MSG_NONE;
    uint32_t type = ntlm_le32(p + 8);
    return type >= NTLM_MSG_NEGOTIATE && type <= NTLM_MSG_AUTHENTICATE ? (int)type : NTLM_MSG_NONE;
}

bool ntlm_field(const unsigned char *p, size_t len, size_t at, const unsigned char **out,
                size_t *out_len)
{
    if (at > len || len - at < 8)
        return false;
    size_t flen = ntlm_le16(p + at), off = ntlm_le32(p + at + 4);
    if (off > len || flen > len - off)
        return false;
    *out = p + off;
    *out_len = flen;
    return true;
}

bool ntlm_av_find(const unsigned char *pairs, size_t len, unsigned id, const unsigned char **value,
                  size_t *value_len)
{
    for (size_t i = 0; i + 4 <= len;) {
        unsigned pid = ntlm_le16(pairs + i), plen = ntlm_le16(pairs + i + 2);
        if (plen > len - i - 4)
            return false;
        if (pid == id) {
            *value = pairs + i + 4;
            *value_len = plen;
            return true;
        }
        if (pid == 0) /* MsvAvEOL */
            return false;
        i += 4 + plen;
    }
    return false;
}

uint32_t ntlm_auth_av_flags(const unsigned char *msg, size_t len)
{
    const unsigned char *nt, *v;
    size_t nt_len, v_len;
    if (!ntlm_field(msg, len, NTLM_AUTH_NT_AT, &nt, &nt_len) || nt_len <= NTLMV2_AV_PAIRS_AT)
        return 0;
    if (!ntlm_av_find(nt + NTLMV2_AV_PAIRS_AT, nt_len - NTLMV2_AV_PAIRS_AT, NTLM_AV_FLAGS, &v,
                      &v_len) ||
        v_len < 4)
        return 0;
    return ntlm_le32(v);
}

size_t ntlm_auth_payload_start(const unsigned char *msg, size_t len)
{
    static const size_t fields[] = {NTLM_AUTH_LM_AT,          NTLM_AUTH_NT_AT,
                                    NTLM_AUTH_DOMAIN_AT,      NTLM_AUTH_USER_AT,
                                    NTLM_AUTH_WORKSTATION_AT, NTLM_AUTH_SESSION_KEY_AT};
    size_t lowest = SIZE_MAX;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && fields[i] + 8 <= len; i++)
        if (ntlm_le16(msg + fields[i]) > 0 && ntlm_le32(msg + fields[i] + 4) < lowest)
            lowest = ntlm_le32(msg + fields[i] + 4);
    return lowest;
}
