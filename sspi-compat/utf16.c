/*
 * utf16.c - SEC_WCHAR strings are UTF-16LE code units, as on Windows; the
 * rest of the library works in UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

size_t utf16_len(const SEC_WCHAR *s)
{
    size_t n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

char *utf16_to_utf8(const SEC_WCHAR *s, size_t units)
{
    /* Each unit gives at most 3 bytes (a surrogate pair gives 4 for 2 units). */
    char *out = malloc(units * 3 + 1);
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 >= units || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
                goto bad;
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            goto bad;
        }
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (c >> 18));
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
bad:
    secure_free(out, units * 3 + 1);
    return NULL;
}

/* Decodes one UTF-8 sequence at s; returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    static const struct {
        unsigned char mask, lead;
        size_t len;
        uint32_t min;
    } forms[] = {
        {0x80, 0x00, 1, 0},
        {0xE0, 0xC0, 2, 0x80},
        {0xF0, 0xE0, 3, 0x800},
        {0xF8, 0xF0, 4, 0x10000},
    };
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        if ((s[0] & forms[f].mask) != forms[f].lead)
            continue;
        uint32_t c = s[0] & (unsigned char)~forms[f].mask;
        for (size_t i = 1; i < forms[f].len; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (s[i] & 0x3F);
        }
        if (c < forms[f].min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        *cp = c;
        return forms[f].len;
    }
    return 0;
}

SEC_WCHAR *utf8_to_utf16(const char *s, size_t *units_out)
{
    size_t len = strlen(s), o = 0;
    SEC_WCHAR *out = malloc((len + 1) * sizeof(SEC_WCHAR));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = utf8_decode((const unsigned char *)s + i, &c);
        if (n == 0) {
            secure_free(out, (len + 1) * sizeof(SEC_WCHAR));
            return NULL;
        }
        i += n;
        if (c >= 0x10000) {
            c -= 0x10000;
            out[o++] = (SEC_WCHAR)(0xD800 + (c >> 10));
            out[o++] = (SEC_WCHAR)(0xDC00 + (c & 0x3FF));
        } else {
            out[o++] = (SEC_WCHAR)c;
        }
    }
    out[o] = 0;
    if (units_out != NULL)
        *units_out = o;
    return out;
}
