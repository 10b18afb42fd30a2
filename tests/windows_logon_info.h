/*
 * windows_logon_info.h - the PAC logon info (urn:mspac:logon-info) of a
 * captured Windows Kerberos token, as MIT's acceptor hands it out: for the
 * PAC parser's tests and the fuzz target's seeds.  No check dependency.
 * The process must already point at the tokens' keytab and krb5.conf
 * (windows_kerberos_env).
 */
#ifndef GSS_SSPI_WINDOWS_LOGON_INFO_H
#define GSS_SSPI_WINDOWS_LOGON_INFO_H

#include <stddef.h>

/* The logon info of DIR/FILE accepted with the default acceptor credential,
 * malloc'ed; NULL with why (a line of text) when the token cannot be read
 * or accepted, or its PAC has no logon info or did not verify. */
void *windows_logon_info(const char *dir, const char *file, size_t *len, char *why,
                         size_t why_size);

#endif
