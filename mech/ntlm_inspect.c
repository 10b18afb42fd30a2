/*
 * ntlm_inspect.c - reads the client's NTLMSSP messages ([MS-NLMP] 2.2.1)
 * to tell NTLMv1 from NTLMv2 and to name the claimed user in the audit.
 * The bytes come from the network: every field is bounds-checked against
 * the message, nothing is trusted, nothing is written outside our buffers.
 *
 * The layout is in common/ntlm_msg.h.  The NT response is 24 bytes for NTLMv1 (and the NTLM2 session response,
 * still v1 cryptography), 16 + a blob of at least 28 for NTLMv2, empty
 * for LM-only and anonymous logons.
 */
#include <string.h>

#include "mech_internal.h"

#define AUTH_MIN_LEN 52 /* up to the workstation field; old clients stop there */
#define NTLMV2_MIN_LEN NTLMV2_AV_PAIRS_AT

/* UTF-16LE (or OEM bytes) into a NUL-terminated UTF-8 string of at most
 * size - 1 bytes; unpaired surrogates become U+FFFD. */
static void to_utf8(const unsigned char *s, size_t len, bool unicode, char *out, size_t size)
{
    size_t o = 0;
    if (!unicode) {
        for (size_t i = 0; i < len && o + 1 < size; i++)
            out[o++] = (char)s[i];
        out[o] = '\0';
        return;
    }
    for (size_t i = 0; i + 1 < len;) {
        uint32_t cp = ntlm_le16(s + i);
        i += 2;
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < len && ntlm_le16(s + i) >= 0xdc00 &&
            ntlm_le16(s + i) <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (ntlm_le16(s + i) - 0xdc00u);
            i += 2;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
        }
        unsigned char enc[4];
        size_t n;
        if (cp < 0x80) {
            enc[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800) {
            enc[0] = (unsigned char)(0xc0 | cp >> 6);
            enc[1] = (unsigned char)(0x80 | (cp & 0x3f));
            n = 2;
        } else if (cp < 0x10000) {
            enc[0] = (unsigned char)(0xe0 | cp >> 12);
            enc[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            enc[2] = (unsigned char)(0x80 | (cp & 0x3f));
            n = 3;
        } else {
            enc[0] = (unsigned char)(0xf0 | cp >> 18);
            enc[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
            enc[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            enc[3] = (unsigned char)(0x80 | (cp & 0x3f));
            n = 4;
        }
        if (o + n + 1 > size)
            break;
        memcpy(out + o, enc, n);
        o += n;
    }
    out[o] = '\0';
}

bool ntlm_inspect_authenticate(const void *data, size_t len, struct ntlm_auth_info *info)
{
    const unsigned char *p = data, *lm, *nt, *dom, *user;
    size_t lm_len, nt_len, dom_len, user_len;
    memset(info, 0, sizeof(*info));
    if (ntlm_message_type(data, len) != NTLM_MSG_AUTHENTICATE || len < AUTH_MIN_LEN)
        return false;
    if (!ntlm_field(p, len, NTLM_AUTH_LM_AT, &lm, &lm_len) || !ntlm_field(p, len, NTLM_AUTH_NT_AT, &nt, &nt_len) ||
        !ntlm_field(p, len, NTLM_AUTH_DOMAIN_AT, &dom, &dom_len) || !ntlm_field(p, len, NTLM_AUTH_USER_AT, &user, &user_len))
        return false;
    info->lm_len = lm_len;
    info->nt_len = nt_len;
    if (nt_len == 0)
        info->version = lm_len == 0 || (lm_len == 1 && lm[0] == 0) ? GSS_SSPI_NEG_NTLM_ANONYMOUS
                                                                   : GSS_SSPI_NEG_NTLM_V1;
    else if (nt_len == 24)
        info->version = GSS_SSPI_NEG_NTLM_V1;
    else if (nt_len >= NTLMV2_MIN_LEN)
        info->version = GSS_SSPI_NEG_NTLM_V2;
    else
        return false;
    bool unicode =
        len >= NTLM_AUTH_FLAGS_AT + 4 ? (ntlm_le32(p + NTLM_AUTH_FLAGS_AT) & NTLM_FLAG_UNICODE) != 0
                                     : false;
    to_utf8(user, user_len, unicode, info->user, sizeof(info->user));
    to_utf8(dom, dom_len, unicode, info->domain, sizeof(info->domain));
    return true;
}
