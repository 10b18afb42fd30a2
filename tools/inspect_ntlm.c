/*
 * inspect_ntlm.c - NTLMSSP NEGOTIATE, CHALLENGE and AUTHENTICATE ([MS-NLMP]
 * 2.2.1), every field bounds-checked against the message.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "ntlm_msg.h" /* the layout and field readers, shared with the module */

#define NTLM_SIGNATURE "NTLMSSP\0"
#define FLAG_UNICODE NTLM_FLAG_UNICODE
#define FLAG_VERSION NTLM_FLAG_VERSION
#define AV_FLAGS_MIC NTLM_AV_FLAG_MIC
#define MIC_SIZE 16

static const struct {
    uint32_t bit;
    const char *name;
} ntlm_flags[] = {
    {0x00000001, "UNICODE"}, {0x00000002, "OEM"}, {0x00000004, "REQUEST_TARGET"},
    {0x00000010, "SIGN"}, {0x00000020, "SEAL"}, {0x00000040, "DATAGRAM"},
    {0x00000080, "LM_KEY"}, {0x00000200, "NTLM"}, {0x00000800, "ANONYMOUS"},
    {0x00001000, "OEM_DOMAIN_SUPPLIED"}, {0x00002000, "OEM_WORKSTATION_SUPPLIED"},
    {0x00008000, "ALWAYS_SIGN"}, {0x00010000, "TARGET_TYPE_DOMAIN"},
    {0x00020000, "TARGET_TYPE_SERVER"}, {0x00080000, "EXTENDED_SESSIONSECURITY"},
    {0x00100000, "IDENTIFY"}, {0x00400000, "REQUEST_NON_NT_SESSION_KEY"},
    {0x00800000, "TARGET_INFO"}, {0x02000000, "VERSION"}, {0x20000000, "128"},
    {0x40000000, "KEY_EXCH"}, {0x80000000, "56"},
};

static const char *const av_names[] = {
    "MsvAvEOL",          "MsvAvNbComputerName", "MsvAvNbDomainName", "MsvAvDnsComputerName",
    "MsvAvDnsDomainName", "MsvAvDnsTreeName",   "MsvAvFlags",        "MsvAvTimestamp",
    "MsvAvSingleHost",   "MsvAvTargetName",     "MsvAvChannelBindings",
};

bool inspect_is_ntlm(const unsigned char *p, size_t len)
{
    return len >= 12 && memcmp(p, NTLM_SIGNATURE, 8) == 0;
}

/* Text of a name field: UTF-16LE (ASCII shown, others as \uXXXX) or OEM. */
static void name_text(const unsigned char *s, size_t n, bool unicode, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; unicode ? i + 1 < n : i < n; i += unicode ? 2 : 1) {
        unsigned c = unicode ? ntlm_le16(s + i) : s[i];
        int w = (c >= 0x20 && c < 0x7f) ? snprintf(buf + used, size - used, "%c", (char)c)
                                        : snprintf(buf + used, size - used, "\\u%04x", c);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
}

static void show_flags(int depth, uint32_t flags)
{
    char buf[512];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(ntlm_flags) / sizeof(ntlm_flags[0]); i++)
        if (flags & ntlm_flags[i].bit)
            used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? "|" : "",
                                     ntlm_flags[i].name);
    out(depth, "flags: 0x%08x %s", flags, buf);
}

static void show_name(int depth, const char *label, const unsigned char *msg, size_t len,
                      size_t at, bool unicode)
{
    const unsigned char *s;
    size_t n;
    char text[512];
    if (!ntlm_field(msg, len, at, &s, &n)) {
        out(depth, "%s: (outside the message)", label);
        return;
    }
    name_text(s, n, unicode, text, sizeof(text));
    out(depth, "%s: %s", label, n ? text : "(empty)");
}

/* present: the flag is set and the field is really there (the payload does
 * not start inside it): a client that sets the flag without writing the
 * field has its first payload bytes there, not a version. */
static void show_version(int depth, const unsigned char *msg, size_t len, size_t at, bool present)
{
    if (present && at + NTLM_VERSION_SIZE <= len)
        out(depth, "version: %u.%u build %u, NTLM revision %u", msg[at], msg[at + 1],
            ntlm_le16(msg + at + 2), msg[at + 7]);
}

/* AV pairs, named; the MsvAvFlags value (when present) in *av_flags. */
static void show_av_pairs(int depth, const unsigned char *p, size_t n, uint32_t *av_flags,
                          bool *has_flags)
{
    *av_flags = 0;
    *has_flags = false;
    for (size_t i = 0; i + 4 <= n;) {
        unsigned id = ntlm_le16(p + i), alen = ntlm_le16(p + i + 2);
        const unsigned char *v = p + i + 4;
        if (alen > n - i - 4) {
            out(depth, "AV pair %u: length %u runs past the end", id, alen);
            return;
        }
        const char *name = id < sizeof(av_names) / sizeof(av_names[0]) ? av_names[id] : "unknown";
        if (id == 0)
            return;
        char text[512];
        if (id >= 1 && id <= 5) {
            name_text(v, alen, true, text, sizeof(text));
            out(depth, "%s: %s", name, text);
        } else if (id == 9) {
            name_text(v, alen, true, text, sizeof(text));
            out(depth, "%s (the SPN the client meant): %s", name, text);
        } else if (id == 6 && alen == 4) {
            *av_flags = ntlm_le32(v);
            *has_flags = true;
            out(depth, "%s: 0x%08x%s", name, *av_flags,
                (*av_flags & AV_FLAGS_MIC) ? " (MIC present)" : "");
        } else if (id == 10 && alen == 16) {
            static const unsigned char none[16];
            hex_line(depth, "MsvAvChannelBindings: ", v, alen);
            if (memcmp(v, none, 16) == 0)
                out(depth + 1, "(all zero: the client had no channel bindings)");
        } else {
            char label[64];
            snprintf(label, sizeof(label), "%s: ", name);
            hex_line(depth, label, v, alen);
        }
        i += 4 + alen;
    }
}

static bool negotiate(const unsigned char *msg, size_t len, int depth)
{
    if (len < 32)
        return false;
    uint32_t flags = ntlm_le32(msg + 12);
    out(depth, "NTLMSSP NEGOTIATE");
    show_flags(depth + 1, flags);
    show_name(depth + 1, "domain", msg, len, 16, false);
    show_name(depth + 1, "workstation", msg, len, 24, false);
    bool room = len >= NTLM_NEG_VERSION_AT + NTLM_VERSION_SIZE;
    show_version(depth + 1, msg, len, NTLM_NEG_VERSION_AT, (flags & FLAG_VERSION) && room);
    if (!room)
        warn(depth + 1, "NEGOTIATE of %zu bytes without a Version field (curl 7.88 --ntlm, Java, "
                        "impacket): gss-ntlmssp 1.2.0 refuses it; gss-sspi re-encodes it "
                        "(compat rule ntlm-negotiate-no-version) unless the client also sends a MIC",
             len);
    return true;
}

static bool challenge(const unsigned char *msg, size_t len, int depth)
{
    const unsigned char *info;
    size_t info_len;
    uint32_t av_flags;
    bool has_flags;
    if (len < 32)
        return false;
    uint32_t flags = ntlm_le32(msg + 20);
    out(depth, "NTLMSSP CHALLENGE");
    show_flags(depth + 1, flags);
    show_name(depth + 1, "target", msg, len, 12, flags & FLAG_UNICODE);
    hex_line(depth + 1, "server challenge: ", msg + 24, 8);
    if (len >= 48 && ntlm_field(msg, len, 40, &info, &info_len)) {
        out(depth + 1, "target info:");
        show_av_pairs(depth + 2, info, info_len, &av_flags, &has_flags);
        if (has_flags && av_flags == 0)
            warn(depth + 1, "the CHALLENGE carries MsvAvFlags = 0: Windows 10 clients compute "
                            "their MIC without it and the server's check fails (gss-ntlmssp "
                            "1.2.0 sends it; fixed in gss-ntlmssp 1.3.1)");
    }
    show_version(depth + 1, msg, len, 48, flags & FLAG_VERSION);
    return true;
}

static bool authenticate(const unsigned char *msg, size_t len, int depth)
{
    const unsigned char *nt, *lm;
    size_t nt_len, lm_len;
    uint32_t av_flags = 0;
    bool has_flags = false;
    if (len < 64 || !ntlm_field(msg, len, 12, &lm, &lm_len) || !ntlm_field(msg, len, 20, &nt, &nt_len))
        return false;
    uint32_t flags = ntlm_le32(msg + 60);
    bool unicode = flags & FLAG_UNICODE;
    out(depth, "NTLMSSP AUTHENTICATE");
    show_flags(depth + 1, flags);
    show_name(depth + 1, "domain", msg, len, 28, unicode);
    show_name(depth + 1, "user", msg, len, 36, unicode);
    show_name(depth + 1, "workstation", msg, len, 44, unicode);
    if (nt_len == 0 && lm_len <= 1) {
        out(depth + 1, "response: anonymous");
    } else if (nt_len == 24) {
        out(depth + 1, "response: NTLMv1 (NT response 24 bytes)");
        warn(depth + 1, "NTLMv1: its responses can be cracked offline; refuse it "
                        "(gss-sspi-negotiate: ntlm_v1 = deny)");
    } else if (nt_len >= 16 + 28) {
        /* NTProofStr(16), then the client challenge: resp, hiresp, Z6,
         * timestamp(8), challenge(8), Z4, then AV pairs. */
        out(depth + 1, "response: NTLMv2 (NT response %zu bytes)", nt_len);
        hex_line(depth + 2, "client challenge: ", nt + 16 + 16, 8);
        out(depth + 2, "client AV pairs:");
        show_av_pairs(depth + 3, nt + 16 + 28, nt_len - 16 - 28, &av_flags, &has_flags);
    } else {
        out(depth + 1, "response: NT %zu bytes, LM %zu bytes (unusual)", nt_len, lm_len);
    }
    size_t start = ntlm_auth_payload_start(msg, len);
    bool version = (flags & FLAG_VERSION) && start >= NTLM_AUTH_MIC_AT;
    show_version(depth + 1, msg, len, NTLM_AUTH_VERSION_AT, version);
    if ((flags & FLAG_VERSION) && !version)
        warn(depth + 1, "NEGOTIATE_VERSION is set but the payload starts at %zu: no Version field "
                        "(curl 7.88 --ntlm and others); gss-ntlmssp 1.2.0 refuses it; gss-sspi "
                        "clears the flag (compat rule ntlm-auth-version-at-64) unless a MIC covers "
                        "the message",
             start);
    /* The MIC follows the version field (or takes its place) when MsvAvFlags
     * says it is there. */
    size_t mic_at = version ? NTLM_AUTH_MIC_AT : NTLM_AUTH_VERSION_AT;
    if (has_flags && (av_flags & AV_FLAGS_MIC) && start >= mic_at + MIC_SIZE)
        hex_line(depth + 1, "MIC: ", msg + mic_at, MIC_SIZE);
    else if (has_flags && (av_flags & AV_FLAGS_MIC))
        warn(depth + 1, "MsvAvFlags announces a MIC but the payload leaves no room for it");
    else if (nt_len > 24)
        out(depth + 1, "MIC: absent");
    return true;
}

bool inspect_ntlm(const unsigned char *msg, size_t len, int depth)
{
    static bool (*const by_type[])(const unsigned char *, size_t, int) = {
        NULL, negotiate, challenge, authenticate};
    uint32_t type = ntlm_le32(msg + 8);
    if (!inspect_is_ntlm(msg, len) || type < 1 || type > 3 || !by_type[type](msg, len, depth)) {
        out(depth, "NTLMSSP message type %u: malformed or unknown", type);
        return false;
    }
    return true;
}
