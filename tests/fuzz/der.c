/*
 * der.c - fuzz target: der_next, the DER reader under the SPNEGO and
 * Kerberos parsers.  The input is walked as a tree: every constructed
 * value is opened, as the parsers open them, down to a fixed depth.
 */
#include <string.h>

#include "der.h"
#include "fuzz.h"

#define MAX_DEPTH 24

static void walk(struct der d, int depth)
{
    while (d.len > 0) {
        struct der before = d, value;
        unsigned char tag;
        if (!der_next(&d, &tag, &value)) {
            /* Refused: nothing consumed. */
            FUZZ_CHECK(d.p == before.p && d.len == before.len);
            return;
        }
        /* The value lies inside what was read, and d moved past it exactly. */
        FUZZ_CHECK(fuzz_inside(value.p, value.len, before.p, before.len));
        FUZZ_CHECK(value.p + value.len == d.p);
        FUZZ_CHECK(d.len < before.len && before.p + before.len == d.p + d.len);
        FUZZ_CHECK(tag == before.p[0]);
        if ((tag & 0x20) && depth < MAX_DEPTH)
            walk(value, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct der d = {data, size};
    walk(d, 0);
    return 0;
}
