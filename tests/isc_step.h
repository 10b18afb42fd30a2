/*
 * isc_step.h - one InitializeSecurityContextA call of a client's loop, as
 * every test client writes it: the first call (*have false) with no
 * context and no input, the later ones with the context and the server's
 * last token.  No check dependency: helper programs use it too.
 */
#ifndef GSS_SSPI_TEST_ISC_STEP_H
#define GSS_SSPI_TEST_ISC_STEP_H

#include <stdbool.h>

#include <sspi.h>

/* The status; *out is our next token (req must hold ISC_REQ_ALLOCATE_MEMORY:
 * free it with FreeContextBuffer), *have becomes true once a context
 * exists. */
SECURITY_STATUS isc_step(CredHandle *cred, CtxtHandle *ctx, bool *have, const char *target,
                         ULONG req, void *in, ULONG in_len, SecBuffer *out, ULONG *attrs);

#endif
