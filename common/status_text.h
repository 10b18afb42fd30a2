/*
 * status_text.h - the text gss_display_status gives for a status code, all
 * of its messages joined: the library and the module build their reasons
 * from it.
 */
#ifndef GSS_SSPI_COMMON_STATUS_TEXT_H
#define GSS_SSPI_COMMON_STATUS_TEXT_H

#include <stddef.h>

#include <gssapi/gssapi.h>

/* Appends every message of code (type GSS_C_GSS_CODE or GSS_C_MECH_CODE,
 * mech as gss_display_status takes it) to the NUL-terminated *buf of *len
 * bytes, "; " between messages; *buf NULL and *len 0 start a new text.
 * Stops at the first message it cannot display or store, keeping what it
 * has. */
void status_text_append(char **buf, size_t *len, OM_uint32 code, int type, gss_const_OID mech);

#endif
