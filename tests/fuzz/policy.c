/*
 * policy.c - fuzz target: policy_parse, the negotiate.conf parser.  It
 * already takes a buffer (policy.c's loader reads the file, then calls it),
 * so the input is the file's contents.  Anyone who can write the file is
 * trusted, but a parser that crashes on a typo would take every GSS
 * acceptor of the host with it.
 */
#include <string.h>

#include "fuzz.h"
#include "mech_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly size bytes, no terminator: the length is the bound. */
    char *text = malloc(size ? size : 1);
    if (size)
        memcpy(text, data, size);
    struct policy *p = policy_parse(text, size, "/fuzz/negotiate.conf");
    if (p != NULL) {
        FUZZ_CHECK(p->source != NULL && strcmp(p->source, "/fuzz/negotiate.conf") == 0);
        if (p->valid) {
            FUZZ_CHECK(p->error == NULL);
            FUZZ_CHECK(p->ntlm >= NTLM_ALLOW && p->ntlm <= NTLM_DENY);
            FUZZ_CHECK(p->ntlm_v1 >= NTLM_ALLOW && p->ntlm_v1 <= NTLM_DENY);
            FUZZ_CHECK(p->channel_bindings >= CB_NONE && p->channel_bindings <= CB_REQUIRE);
            FUZZ_CHECK(p->interpose_kerberos >= TRI_AUTO && p->interpose_kerberos <= TRI_NO);
            FUZZ_CHECK(p->audit_file == NULL || p->audit_file[0] == '/');
            /* The names the audit line and POLICY_STATUS print. */
            FUZZ_CHECK(strcmp(policy_ntlm_mode_name(p->ntlm), "?") != 0);
            FUZZ_CHECK(strcmp(policy_cb_mode_name(p->channel_bindings), "?") != 0);
        } else {
            /* "path:line: reason" */
            FUZZ_CHECK(p->error != NULL && strncmp(p->error, "/fuzz/negotiate.conf:", 21) == 0);
        }
        policy_free(p);
    }
    free(text);
    return 0;
}
