/*
 * ntlm_authenticate.c - fuzz target: the NTLMSSP inspector of the module
 * (ntlm_message_type, ntlm_inspect_authenticate), which reads the client's
 * AUTHENTICATE before gss-ntlmssp does.  The input is one NTLMSSP message.
 */
#include <string.h>

#include "fuzz.h"
#include "mech_internal.h"

/* Well-formed UTF-8 (what the inspector writes for a UNICODE message). */
static bool valid_utf8(const unsigned char *s)
{
    while (*s) {
        size_t n = *s < 0x80             ? 1
                   : (*s & 0xe0) == 0xc0 ? 2
                   : (*s & 0xf0) == 0xe0 ? 3
                   : (*s & 0xf8) == 0xf0 ? 4
                                         : 0;
        if (n == 0)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((s[i] & 0xc0) != 0x80)
                return false;
        s += n;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ntlm_auth_info info;
    int type = ntlm_message_type(data, size);
    FUZZ_CHECK(type >= NTLM_MSG_NONE && type <= NTLM_MSG_AUTHENTICATE);
    bool ok = ntlm_inspect_authenticate(data, size, &info);
    if (!ok)
        return 0;
    FUZZ_CHECK(type == NTLM_MSG_AUTHENTICATE);
    FUZZ_CHECK(info.version == GSS_SSPI_NEG_NTLM_V1 || info.version == GSS_SSPI_NEG_NTLM_V2 ||
               info.version == GSS_SSPI_NEG_NTLM_ANONYMOUS);
    FUZZ_CHECK(info.nt_len <= size && info.lm_len <= size);
    FUZZ_CHECK(memchr(info.user, 0, sizeof(info.user)) != NULL);
    FUZZ_CHECK(memchr(info.domain, 0, sizeof(info.domain)) != NULL);
    /* A UNICODE message gives UTF-8 (the audit line quotes anything else). */
    bool unicode = size >= 64 && (data[60] & 1);
    if (unicode) {
        FUZZ_CHECK(valid_utf8((const unsigned char *)info.user));
        FUZZ_CHECK(valid_utf8((const unsigned char *)info.domain));
    }
    return 0;
}
