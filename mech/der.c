/* der.c - see der.h. */
#include "der.h"

bool der_next(struct der *d, unsigned char *tag, struct der *value)
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
