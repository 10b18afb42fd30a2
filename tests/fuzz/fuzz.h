/*
 * fuzz.h - what the fuzz targets share: the libFuzzer entry points, an
 * invariant check, and the input layout of auth_identity (which
 * seed_handmade.c writes too).
 */
#ifndef GSS_SSPI_FUZZ_H
#define GSS_SSPI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken promise of a parser is a crash: libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* True when [p, p + len) lies inside [base, base + size). */
static inline int fuzz_inside(const void *p, size_t len, const void *base, size_t size)
{
    const unsigned char *b = base, *q = p;
    return q >= b && q <= b + size && len <= (size_t)(b + size - q);
}

/*
 * auth_identity input: byte 0 chooses the layout (bits 0-1, AUTH_LAYOUT_*)
 * and which of User, Domain, Password, PackageList are NULL (bits 2-5);
 * bytes 1-4 are Flags (little-endian); then four strings, each one length
 * byte n followed by n characters (2 bytes each when Flags has UNICODE,
 * else 1), cut short when the input ends.  Each string gets its own allocation of exactly n
 * characters, no terminator, so that any read past a Length is caught.
 */
enum auth_layout { AUTH_LAYOUT_A, AUTH_LAYOUT_W, AUTH_LAYOUT_EXA, AUTH_LAYOUT_EXW };
#define AUTH_NULL_SHIFT 2
#define AUTH_HEADER_LEN 5

#endif
