/*
 * pac_logon_info.c - fuzz target: pac_parse_logon_info, the PAC logon-info
 * (KERB_VALIDATION_INFO, NDR) reader behind QuerySecurityContextToken's
 * SIDs.  The input is the raw buffer MIT hands over as the name attribute
 * urn:mspac:logon-info: the ticket's PAC, hostile.
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static void check_sid(const struct pac_sid *sid)
{
    char text[PAC_SID_STRING_MAX];
    FUZZ_CHECK(sid->revision == 1 && sid->count <= PAC_SID_MAX_SUBAUTH);
    pac_sid_format(sid, text);
    FUZZ_CHECK(memchr(text, 0, sizeof(text)) != NULL && strncmp(text, "S-1-", 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pac_logon_info info;
    memset(&info, 0xa5, sizeof(info)); /* the parser must set every field */
    const char *why = pac_parse_logon_info(data, size, &info);
    if (why != NULL) {
        FUZZ_CHECK(info.groups == NULL && info.n_groups == 0);
        return 0;
    }
    /* Memory is bounded by the input: each group took at least 8 bytes. */
    FUZZ_CHECK(info.n_groups <= size / 8);
    FUZZ_CHECK(info.n_groups == 0 || info.groups != NULL);
    check_sid(&info.user);
    check_sid(&info.primary_group);
    for (size_t i = 0; i < info.n_groups; i++)
        check_sid(&info.groups[i]);
    pac_logon_info_free(&info);
    return 0;
}
