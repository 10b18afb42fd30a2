/*
 * der.h - a bounds-checked reader of DER (definite lengths only), for the
 * client tokens we look into (SPNEGO, the Kerberos AP-REQ), and the two
 * writer helpers the token-compatibility layer re-encodes SPNEGO with.
 */
#ifndef GSS_SSPI_COMMON_DER_H
#define GSS_SSPI_COMMON_DER_H

#include <stdbool.h>
#include <stddef.h>

struct der {
    const unsigned char *p;
    size_t len;
};

/* Reads one TLV from d: its tag, its value (pointing into d); d moves past
 * it.  False, and nothing read, when the lengths do not fit.  Inline: the
 * module's acceptor walks an AP-REQ with it on every Kerberos accept, a
 * score of calls for a few instructions each. */
static inline bool der_next(struct der *d, unsigned char *tag, struct der *value)
{
    size_t n, i = 2;
    if (d->len < 2)
        return false;
    n = d->p[1];
    if (n & 0x80) {
        size_t bytes = n & 0x7f;
        if (bytes == 0 || bytes > 4 || d->len < 2 + bytes)
            return false;
        n = 0;
        for (size_t k = 0; k < bytes; k++)
            n = n << 8 | d->p[2 + k];
        i += bytes;
    }
    if (n > d->len - i)
        return false;
    *tag = d->p[0];
    value->p = d->p + i;
    value->len = n;
    d->p += i + n;
    d->len -= i + n;
    return true;
}

/* How many bytes the TLV starting at p still lacks, by its header: the
 * header's own missing bytes when len cuts it, 0 when it is complete or its
 * length is not one we read (indefinite, or more than 4 octets). */
size_t der_missing(const unsigned char *p, size_t len);

/* Bytes of the tag and length octets of a value of len bytes. */
size_t der_header_size(size_t len);
/* Writes tag and the length octets of len at out; returns the end. */
unsigned char *der_put_header(unsigned char *out, unsigned char tag, size_t len);

#endif
