/* inspect.h - sspi-inspect's decoders: each prints one token, indented,
 * and reads nothing outside [data, data + len). */
#ifndef GSS_SSPI_INSPECT_H
#define GSS_SSPI_INSPECT_H

#include <stdbool.h>
#include <stddef.h>

/* Prints an indented line (depth levels of two spaces). */
void out(int depth, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts a finding an administrator should act on; printed as "WARNING:". */
void warn(int depth, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hex_line(int depth, const char *label, const unsigned char *p, size_t len);

/* Any token: GSS initial-context framing (SPNEGO, Kerberos), a bare SPNEGO
 * NegTokenResp, or an NTLMSSP message.  False when nothing was recognised. */
bool inspect_token(const unsigned char *p, size_t len, int depth);
bool inspect_ntlm(const unsigned char *p, size_t len, int depth);
bool inspect_is_ntlm(const unsigned char *p, size_t len);

extern int warnings;

#endif
