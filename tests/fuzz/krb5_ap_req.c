/*
 * krb5_ap_req.c - fuzz target: krb5_ap_req_service, which names the service
 * of a Kerberos AP-REQ (a GSS initial-context token) for the audit line.
 * Each input is read into the module's buffer size and into small ones:
 * a name that does not fit is refused, never cut.
 */
#include <string.h>

#include "fuzz.h"
#include "mech_internal.h"

static void read_into(const uint8_t *data, size_t size, size_t out_size)
{
    /* Exactly out_size bytes: a write past them is an ASan report. */
    char *out = malloc(out_size);
    memset(out, 'x', out_size);
    if (krb5_ap_req_service(data, size, out, out_size)) {
        size_t len = strnlen(out, out_size);
        FUZZ_CHECK(len < out_size);
        FUZZ_CHECK(len > 1 && strchr(out, '@') != NULL); /* service@REALM */
    } else {
        /* accept.c logs the buffer whatever the result: no partial name. */
        FUZZ_CHECK(out[0] == '\0');
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_into(data, size, sizeof(((struct ictx *)0)->service));
    read_into(data, size, 16);
    read_into(data, size, 1);
    return 0;
}
