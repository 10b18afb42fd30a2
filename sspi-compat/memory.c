/*
 * memory.c - buffers handed to the caller, and wiping secrets.
 *
 * Everything the library allocates for the caller (package info, output
 * tokens with ALLOCATE_MEMORY, attribute strings, session keys, exported
 * contexts) comes from context_buffer_alloc() and goes back through
 * FreeContextBuffer().  A small header in front records the size, so that
 * FreeContextBuffer can wipe what may be key material before freeing it, and
 * recognise a pointer that is not ours.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CONTEXT_BUFFER_MAGIC 0x4753535042554621ULL /* "GSSPBUF!" */

struct buffer_header {
    alignas(max_align_t) uint64_t magic;
    size_t len;
};

void *context_buffer_alloc(size_t len)
{
    struct buffer_header *h = calloc(1, sizeof(*h) + (len ? len : 1));
    if (h == NULL)
        return NULL;
    h->magic = CONTEXT_BUFFER_MAGIC;
    h->len = len;
    return h + 1;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer)
{
    if (pvContextBuffer == NULL)
        return SEC_E_OK;
    struct buffer_header *h = (struct buffer_header *)pvContextBuffer - 1;
    if (h->magic != CONTEXT_BUFFER_MAGIC) {
        trace("FreeContextBuffer: %p was not allocated by this library", pvContextBuffer);
        return SEC_E_INVALID_PARAMETER;
    }
    size_t len = h->len;
    explicit_bzero(h, sizeof(*h) + len);
    free(h);
    return SEC_E_OK;
}

void secure_free(void *p, size_t len)
{
    if (p == NULL)
        return;
    explicit_bzero(p, len);
    free(p);
}

void secure_free_string(char *s)
{
    if (s != NULL)
        secure_free(s, strlen(s));
}
