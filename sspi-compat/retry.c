/*
 * retry.c - SEC_E_BUFFER_TOO_SMALL on the first call of a context.
 *
 * Windows frees the context when the first call fails, the buffer error
 * included, and hands back no handle: a Windows caller retries the same first
 * call (phContext NULL, same input token) with a larger buffer.  An acceptor
 * cannot run that token through GSS a second time (a Kerberos AP-REQ would be
 * refused as a replay), so the context that produced the output token waits,
 * parked in the credential, keyed by the input token's bytes, until
 *   - the same credential sees a first AcceptSecurityContext with the same
 *     input: the parked context resumes and delivers its token (a new handle);
 *   - another first call parks another context (one slot per credential: the
 *     older one is freed; its caller's retry then runs GSS again);
 *   - the credential is freed.
 * An initiator's first call consumes no input: its context is freed and a
 * retry starts afresh.  Nothing leaks whatever the caller does.
 *
 * The parked context holds no reference on its credential (that would keep
 * the credential alive forever); it takes one again when it resumes.
 */
#include <string.h>

#include "internal.h"

static void discard(struct sspi_ctx *ctx)
{
    if (ctx == NULL)
        return;
    ctx->cred = NULL; /* its reference was given back when it was parked */
    context_free(ctx);
}

void retry_park(struct sspi_ctx *ctx)
{
    struct sspi_cred *cred = ctx->cred;
    pthread_mutex_unlock(&ctx->lock); /* the parking call's hold ends here */
    if (ctx->role != ROLE_ACCEPTOR) {
        context_free(ctx);
        return;
    }
    discard(atomic_exchange(&cred->parked, ctx));
    cred_unref(cred); /* the caller's handle on the credential keeps it alive */
}

struct sspi_ctx *retry_resume(struct sspi_cred *cred, const gss_buffer_desc *in)
{
    struct sspi_ctx *ctx = atomic_exchange(&cred->parked, NULL);
    if (ctx == NULL)
        return NULL;
    if (ctx->pending_in.length == in->length &&
        (in->length == 0 || memcmp(ctx->pending_in.value, in->value, in->length) == 0)) {
        ctx->cred = cred_ref(cred);
        pthread_mutex_lock(&ctx->lock); /* held by the resuming call, as a new one */
        return ctx;
    }
    /* Another client's first call: the parked context keeps waiting. */
    discard(atomic_exchange(&cred->parked, ctx));
    return NULL;
}

void retry_discard(struct sspi_cred *cred)
{
    discard(atomic_exchange(&cred->parked, NULL));
}
