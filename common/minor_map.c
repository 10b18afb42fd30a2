/* minor_map.c - see minor_map.h. */
#include <stdlib.h>
#include <string.h>

#include "minor_map.h"
#include "status_text.h"

/* Linux's errno values end below this (133 in 6.x). */
#define ERRNO_LIMIT 256

bool minor_made_up(OM_uint32 minor)
{
    return minor >= MECHGLUE_FAKE_FIRST && minor <= MECHGLUE_FAKE_LAST;
}

bool minor_errno_by_text(OM_uint32 minor, OM_uint32 *code)
{
    char *text = NULL, buf[256];
    size_t len = 0;
    bool found = false;
    /* Without an OID the mechglue maps the number back to its mechanism
     * and asks that mechanism for the text of its own code. */
    status_text_append(&text, &len, minor, GSS_C_MECH_CODE, GSS_C_NO_OID);
    if (text == NULL)
        return false;
    for (int e = 1; !found && e < ERRNO_LIMIT; e++) {
        if (strcmp(text, strerror_r(e, buf, sizeof(buf))) == 0) {
            *code = (OM_uint32)e;
            found = true;
        }
    }
    free(text);
    return found;
}
