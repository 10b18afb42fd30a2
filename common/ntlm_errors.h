/*
 * ntlm_errors.h - what gss-ntlmssp 1.2.0's acceptor failures mean: it
 * reports them with errno values as minor codes, and the routine error says
 * which check failed ("Invalid argument" is a wrong password).  One table for
 * the library's status mapping and texts and the module's audit line.
 */
#ifndef GSS_SSPI_COMMON_NTLM_ERRORS_H
#define GSS_SSPI_COMMON_NTLM_ERRORS_H

#include <stddef.h>

#include <gssapi/gssapi.h>

#include "sspi.h"

struct ntlm_errno_meaning {
    OM_uint32 routine, minor;
    SECURITY_STATUS status; /* what an SSPI acceptor returns */
    const char *text;       /* what strerror's text means here */
};
extern const struct ntlm_errno_meaning ntlm_errno_meanings[];
extern const size_t ntlm_errno_meaning_count;
/* The row for a failure of gss-ntlmssp's acceptor (major, its own minor),
 * or NULL. */
const struct ntlm_errno_meaning *ntlm_errno_meaning(OM_uint32 major, OM_uint32 minor);

#endif
