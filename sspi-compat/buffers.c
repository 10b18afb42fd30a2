/* buffers.c - reading and filling SecBufferDesc as Windows callers build them. */
#include <string.h>

#include "internal.h"

bool buffers_desc_valid(const SecBufferDesc *desc)
{
    return desc != NULL && desc->ulVersion == SECBUFFER_VERSION &&
           (desc->cBuffers == 0 || desc->pBuffers != NULL);
}

const char *buffers_input_problem(const SecBufferDesc *desc)
{
    if (!buffers_desc_valid(desc))
        return "not a valid SecBufferDesc (NULL, wrong ulVersion, or buffers without pBuffers)";
    /* EMPTY buffers are never read; channel bindings have a checker of
     * their own (channel_bindings_parse: SEC_E_BAD_BINDINGS). */
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        const SecBuffer *b = &desc->pBuffers[i];
        ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
        if (b->cbBuffer > 0 && b->pvBuffer == NULL && type != SECBUFFER_EMPTY &&
            type != SECBUFFER_CHANNEL_BINDINGS)
            return "a buffer has a length but pvBuffer is NULL";
    }
    return NULL;
}

PSecBuffer buffers_find(PSecBufferDesc desc, ULONG type)
{
    if (!buffers_desc_valid(desc))
        return NULL;
    for (ULONG i = 0; i < desc->cBuffers; i++)
        if ((desc->pBuffers[i].BufferType & ~SECBUFFER_ATTRMASK) == type)
            return &desc->pBuffers[i];
    return NULL;
}

SECURITY_STATUS buffers_put_token(PSecBufferDesc out, const void *data, size_t len, bool allocate,
                                  bool *allocated)
{
    PSecBuffer buf = buffers_find(out, SECBUFFER_TOKEN);
    *allocated = false;
    if (buf == NULL)
        return len == 0 ? SEC_E_OK : SEC_E_INVALID_PARAMETER;
    if (len > UINT32_MAX)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (allocate) {
        void *copy = NULL;
        if (len > 0) {
            copy = context_buffer_alloc(len);
            if (copy == NULL)
                return SEC_E_INSUFFICIENT_MEMORY;
            memcpy(copy, data, len);
        }
        *allocated = true; /* even for an empty token: pvBuffer is ours (NULL) */
        buf->pvBuffer = copy;
        buf->cbBuffer = (ULONG)len;
        return SEC_E_OK;
    }
    if (len > buf->cbBuffer || (len > 0 && buf->pvBuffer == NULL))
        return SEC_E_BUFFER_TOO_SMALL;
    if (len > 0)
        memcpy(buf->pvBuffer, data, len);
    buf->cbBuffer = (ULONG)len;
    return SEC_E_OK;
}

void buffers_clear_token(PSecBufferDesc out)
{
    PSecBuffer buf = buffers_find(out, SECBUFFER_TOKEN);
    if (buf != NULL)
        buf->cbBuffer = 0;
}
