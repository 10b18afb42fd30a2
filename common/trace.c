/*
 * trace.c - SSPI_TRACE=<file>: one line per call, like KRB5_TRACE.
 * The file is opened once; lines are written whole under a lock (tracing is
 * off on production paths unless asked for).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdarg.h>

#include "trace.h"

static FILE *trace_file;
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;

static void trace_open(void)
{
    const char *path = secure_getenv("SSPI_TRACE");
    if (path == NULL || *path == '\0')
        return;
    if (strcmp(path, "/dev/stderr") == 0) { /* keep stderr unbuffered and shared */
        trace_file = stderr;
        return;
    }
    trace_file = fopen(path, "ae");
}

bool trace_enabled(void)
{
    pthread_once(&trace_once, trace_open);
    return trace_file != NULL;
}

void trace(const char *fmt, ...)
{
    if (!trace_enabled())
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&trace_lock);
    fprintf(trace_file, "[%d] %ld.%06ld: ", (int)getpid(), (long)tv.tv_sec, (long)tv.tv_usec);
    vfprintf(trace_file, fmt, ap);
    fputc('\n', trace_file);
    fflush(trace_file);
    pthread_mutex_unlock(&trace_lock);
    va_end(ap);
}
