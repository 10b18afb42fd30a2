/* isc_step.c - see isc_step.h. */
#include "isc_step.h"

SECURITY_STATUS isc_step(CredHandle *cred, CtxtHandle *ctx, bool *have, const char *target,
                         ULONG req, void *in, ULONG in_len, SecBuffer *out, ULONG *attrs)
{
    SecBuffer ib = {in_len, SECBUFFER_TOKEN, in};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, out};
    TimeStamp ts;
    *out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    SECURITY_STATUS s = InitializeSecurityContextA(cred, *have ? ctx : NULL, (SEC_CHAR *)target,
                                                   req, 0, SECURITY_NATIVE_DREP, *have ? &id : NULL,
                                                   0, ctx, &od, attrs, &ts);
    *have = *have || s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED;
    return s;
}
