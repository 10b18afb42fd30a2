/* inspect.h - sspi-inspect's decoders: each prints one token, indented,
 * and reads nothing outside [data, data + len). */
#ifndef GSS_SSPI_INSPECT_H
#define GSS_SSPI_INSPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "der.h"

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

/* The Kerberos AP-REQ inside a token: raw (0x6e), GSS-framed Kerberos or
 * MS-KRB5, or a SPNEGO NegTokenInit's mechToken.  Pointers into the token. */
struct ap_req {
    struct der whole;  /* the AP-REQ, for krb5_rd_req */
    struct der ticket; /* the Ticket, for krb5_decode_ticket */
    long authenticator_etype;
    struct der authenticator; /* the authenticator's cipher text */
};
bool find_ap_req(const unsigned char *p, size_t len, struct ap_req *out);
/* An Authenticator's (decrypted) ctime, "YYYYMMDDHHMMSSZ". */
bool authenticator_ctime(const unsigned char *p, size_t len, char ctime[16]);

/* sspi-inspect -k: what an acceptor holding KEYTAB would do with the
 * AP-REQ in the token, at now (0: the clock).  0 accepted, 3 refused, 1 no
 * AP-REQ or no keytab to read. */
int inspect_keytab(const unsigned char *p, size_t len, const char *keytab, long long now,
                   int depth);

extern int warnings;

#endif
