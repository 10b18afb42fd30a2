/*
 * last_error.c - the last failure of the calling thread, for
 * GssSspiGetLastError: the reason reaches the caller even when the call
 * that failed left no context to ask (a refused first token deletes the
 * context it would have created, as on Windows).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local struct {
    SECURITY_STATUS status;
    OM_uint32 major, minor;
} last;

/* The text lives in thread-specific data, whose destructor frees it when
 * the thread ends (a _Thread_local pointer would leak it: a server's
 * worker threads come and go). */
static pthread_key_t text_key;
static bool text_key_made;
static pthread_once_t text_key_once = PTHREAD_ONCE_INIT;

static void make_text_key(void)
{
    text_key_made = pthread_key_create(&text_key, free) == 0;
}

static char *last_text(void)
{
    pthread_once(&text_key_once, make_text_key);
    return text_key_made ? pthread_getspecific(text_key) : NULL;
}

void thread_error_record(SECURITY_STATUS status, OM_uint32 major, OM_uint32 minor,
                         const char *text)
{
    last.status = status;
    last.major = major;
    last.minor = minor;
    char *old = last_text();
    if (!text_key_made)
        return; /* no text: GssSspiGetLastError gives the status name */
    char *copy = text ? strdup(text) : NULL;
    if (pthread_setspecific(text_key, copy) != 0) {
        free(copy);
        if (pthread_setspecific(text_key, NULL) != 0)
            return; /* old is still the thread's: keep it */
    }
    free(old);
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
    const char *text = last_text();
    if (text == NULL)
        text = status_name(last.status);
    pError->Text = context_buffer_alloc(strlen(text) + 1);
    if (pError->Text == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(pError->Text, text, strlen(text) + 1);
    return SEC_E_OK;
}
