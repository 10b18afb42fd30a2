/* demo_wire.h - the bits of HTTP the Negotiate demo needs: base64 and
 * reading one request or response head with its body. */
#ifndef GSS_SSPI_DEMO_WIRE_H
#define GSS_SSPI_DEMO_WIRE_H

#include <stddef.h>

/* Base64 of len bytes; malloc'ed NUL-terminated string. */
char *base64_encode(const void *data, size_t len);
/* Decodes text (stops at the first character outside the alphabet);
 * malloc'ed bytes in *out, length in *len; -1 on malformed input. */
int base64_decode(const char *text, unsigned char **out, size_t *len);

struct http_message {
    char head[8192];      /* request/status line and headers, NUL-terminated */
    char *body;           /* malloc'ed, body_len bytes (may be NULL) */
    size_t body_len;
};
/* Reads one message from fd; 0 on success, -1 on EOF or error. */
int http_read(int fd, struct http_message *msg);
void http_message_free(struct http_message *msg);
/* The value of a header (case-insensitive name) copied into buf, or NULL. */
const char *http_header(const struct http_message *msg, const char *name, char *buf, size_t len);
/* Writes all of buf. 0 on success. */
int write_all(int fd, const void *buf, size_t len);

#endif
