/* helper_io.c - see helper_io.h. */
#include <stdio.h>
#include <stdlib.h>

#include "helper_io.h"

void *read_item(uint32_t *len)
{
    unsigned char h[4];
    if (fread(h, 1, 4, stdin) != 4)
        exit(2);
    *len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    unsigned char *p = malloc(*len + 1);
    if (p == NULL || fread(p, 1, *len, stdin) != *len)
        exit(2);
    p[*len] = 0;
    return p;
}

void write_item(const void *p, uint32_t len)
{
    unsigned char h[4] = {len >> 24, len >> 16, len >> 8, len};
    fwrite(h, 1, 4, stdout);
    fwrite(p, 1, len, stdout);
    fflush(stdout);
}

void write_status(SECURITY_STATUS s)
{
    uint32_t v = (uint32_t)s;
    unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
    write_item(b, 4);
}
