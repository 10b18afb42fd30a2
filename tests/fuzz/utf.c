/*
 * utf.c - fuzz target: the UTF-16 <-> UTF-8 converters of utf16.c.
 *
 * The input is read both ways: as UTF-16LE code units (an odd last byte is
 * dropped) and as a NUL-terminated byte string.  Whatever converts must
 * convert back to exactly what it came from.
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static void utf16_way(const uint8_t *data, size_t size)
{
    size_t units = size / 2;
    /* Exactly units code units, no terminator: the length is the bound. */
    SEC_WCHAR *w = malloc(units ? units * sizeof(SEC_WCHAR) : 1);
    for (size_t i = 0; i < units; i++)
        w[i] = (SEC_WCHAR)(data[2 * i] | data[2 * i + 1] << 8);
    char *s = utf16_to_utf8(w, units);
    if (s != NULL) {
        size_t len = strlen(s), back_units = 0, nul_at = 0;
        FUZZ_CHECK(len <= units * 3);
        while (nul_at < units && w[nul_at] != 0)
            nul_at++;
        /* Back again: the units up to the first U+0000 (where C strings end). */
        SEC_WCHAR *back = utf8_to_utf16(s, &back_units);
        FUZZ_CHECK(back != NULL);
        FUZZ_CHECK(back_units == nul_at && memcmp(back, w, nul_at * sizeof(SEC_WCHAR)) == 0);
        FUZZ_CHECK(back[back_units] == 0 && utf16_len(back) == back_units);
        free(back);
        free(s);
    }
    free(w);
}

static void utf8_way(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    size_t units = 0;
    SEC_WCHAR *w = utf8_to_utf16(s, &units);
    if (w != NULL) {
        FUZZ_CHECK(units <= strlen(s) && w[units] == 0 && utf16_len(w) == units);
        char *back = utf16_to_utf8(w, units);
        FUZZ_CHECK(back != NULL && strcmp(back, s) == 0);
        free(back);
        free(w);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    utf16_way(data, size);
    utf8_way(data, size);
    return 0;
}
