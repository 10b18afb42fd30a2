/*
 * status_text.c - gss_display_status's messages for one code, joined.
 */
#include <stdlib.h>
#include <string.h>

#include "status_text.h"

void status_text_append(char **buf, size_t *len, OM_uint32 code, int type, gss_const_OID mech)
{
    OM_uint32 msg_ctx = 0, minor;
    do {
        gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
        if (GSS_ERROR(gss_display_status(&minor, code, type, (gss_OID)mech, &msg_ctx, &text)))
            return;
        char *grown = realloc(*buf, *len + text.length + 3); /* "; " and the NUL */
        if (grown == NULL) {
            gss_release_buffer(&minor, &text);
            return;
        }
        *buf = grown;
        if (*len > 0) {
            memcpy(*buf + *len, "; ", 2);
            *len += 2;
        }
        memcpy(*buf + *len, text.value, text.length);
        *len += text.length;
        (*buf)[*len] = '\0';
        gss_release_buffer(&minor, &text);
    } while (msg_ctx != 0);
}
