/* der.c - see der.h. */
#include "der.h"

size_t der_missing(const unsigned char *p, size_t len)
{
    size_t n = 0, total;
    if (len < 2)
        return 2 - len;
    if (p[1] < 0x80) {
        total = 2 + (size_t)p[1];
    } else {
        n = p[1] & 0x7F;
        if (n == 0 || n > 4)
            return 0;
        if (len < 2 + n)
            return 2 + n - len;
        size_t value = 0;
        for (size_t i = 0; i < n; i++)
            value = value << 8 | p[2 + i];
        total = 2 + n + value;
    }
    return len < total ? total - len : 0;
}

size_t der_header_size(size_t len)
{
    size_t n = 1;
    if (len < 0x80)
        return 2;
    while (len > 0xff) {
        len >>= 8;
        n++;
    }
    return 2 + n;
}

unsigned char *der_put_header(unsigned char *out, unsigned char tag, size_t len)
{
    size_t n = der_header_size(len) - 2;
    *out++ = tag;
    if (n == 0) {
        *out++ = (unsigned char)len;
        return out;
    }
    *out++ = (unsigned char)(0x80 | n);
    for (size_t i = n; i > 0; i--)
        *out++ = (unsigned char)(len >> (8 * (i - 1)));
    return out;
}
