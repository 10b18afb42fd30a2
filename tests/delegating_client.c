/*
 * delegating_client.c - the client of tests/test_delegation, in a process
 * of its own (the front end must not see its credential cache): our
 * InitializeSecurityContext with the default credentials of its
 * environment (KRB5CCNAME: a forwardable TGT), to the test SPN.
 *
 * Items on stdin/stdout, each a 4-byte big-endian length and its bytes:
 *   in:   package name, "1" to delegate (ISC_REQ_DELEGATE) or "0"
 *   then per leg   out: status (4 bytes), token      in: the server's token
 * until a status other than SEC_I_CONTINUE_NEEDED.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#include "helper_io.h"
#include "isc_step.h"

int main(void)
{
    uint32_t len;
    char *package = read_item(&len), *delegate = read_item(&len);
    const char *target = getenv("GSS_SSPI_TEST_SPN");
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp ts;
    ULONG attrs;
    ULONG req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONNECTION | ISC_REQ_ALLOCATE_MEMORY |
                (strcmp(delegate, "1") == 0 ? ISC_REQ_DELEGATE : 0);
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, package, SECPKG_CRED_OUTBOUND, NULL, NULL,
                                                  NULL, NULL, &cred, &ts);
    if (s != SEC_E_OK || target == NULL) {
        write_status(s);
        write_item("", 0);
        return 1;
    }
    void *reply = NULL;
    bool have = false;
    do {
        SecBuffer ob;
        s = isc_step(&cred, &ctx, &have, target, req, reply, len, &ob, &attrs);
        free(reply);
        reply = NULL;
        write_status(s);
        write_item(ob.pvBuffer ? ob.pvBuffer : "", ob.cbBuffer);
        FreeContextBuffer(ob.pvBuffer);
        if (s == SEC_I_CONTINUE_NEEDED)
            reply = read_item(&len);
    } while (s == SEC_I_CONTINUE_NEEDED);
    if (have)
        DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    free(package);
    free(delegate);
    return s == SEC_E_OK ? 0 : 1;
}
