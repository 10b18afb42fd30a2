/*
 * trace.h - SSPI_TRACE=<file>: one line per event, like KRB5_TRACE, written
 * by the library and by the module alike.
 */
#ifndef GSS_SSPI_COMMON_TRACE_H
#define GSS_SSPI_COMMON_TRACE_H

#include <stdbool.h>

bool trace_enabled(void);
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
