/*
 * memory.c - buffers handed to the caller, and wiping secrets.
 *
 * Everything the library allocates for the caller (package info, output
 * tokens with ALLOCATE_MEMORY, attribute strings) comes from
 * context_buffer_alloc() and goes back through FreeContextBuffer().
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *context_buffer_alloc(size_t len)
{
    return calloc(1, len ? len : 1);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer)
{
    free(pvContextBuffer);
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
