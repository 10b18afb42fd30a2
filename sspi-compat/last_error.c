/*
 * last_error.c - the last failure of the calling thread, for
 * GssSspiGetLastError: the reason reaches the caller even when the call
 * that failed left no context to ask (a refused first token deletes the
 * context it would have created, as on Windows).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local struct {
    SECURITY_STATUS status;
    OM_uint32 major, minor;
    char *text;
} last;

void thread_error_record(SECURITY_STATUS status, OM_uint32 major, OM_uint32 minor,
                         const char *text)
{
    char *copy = text ? strdup(text) : NULL;
    free(last.text);
    last.status = status;
    last.major = major;
    last.minor = minor;
    last.text = copy;
}

void context_record_reason(struct sspi_ctx *ctx, bool freed, const char *reason)
{
    thread_error_record(last.status, last.major, last.minor, reason);
    if (freed || ctx == NULL)
        return;
    char *copy = strdup(reason);
    if (copy == NULL)
        return;
    free(ctx->last_text);
    ctx->last_text = copy;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY GssSspiGetLastError(PSecPkgContext_GssLastError pError)
{
    if (pError == NULL)
        return SEC_E_INVALID_PARAMETER;
    pError->Status = last.status;
    pError->GssMajor = last.major;
    pError->GssMinor = last.minor;
    pError->Text = NULL;
    if (last.status == SEC_E_OK)
        return SEC_E_OK;
    const char *text = last.text ? last.text : status_name(last.status);
    pError->Text = context_buffer_alloc(strlen(text) + 1);
    if (pError->Text == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(pError->Text, text, strlen(text) + 1);
    return SEC_E_OK;
}
