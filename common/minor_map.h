/*
 * minor_map.h - the minor codes MIT's mechglue makes up (util_errmap.c): a
 * (mechanism, code) pair keeps its code as number while no other pair owns
 * it, else gets a number counted up from 100000; no exported call maps one
 * back.  gss_display_status of a made-up number still gives the
 * mechanism's own text for its code, so a code whose text is known can be
 * found again.  errno values are the codes most often owned by another
 * pair first (gss-ntlmssp reports its acceptor failures as errno values,
 * and any mechanism may report EINVAL): the library and the module both
 * recover them here.
 */
#ifndef GSS_SSPI_COMMON_MINOR_MAP_H
#define GSS_SSPI_COMMON_MINOR_MAP_H

#include <stdbool.h>

#include <gssapi/gssapi.h>

#define MECHGLUE_FAKE_FIRST 100000u
#define MECHGLUE_FAKE_LAST 0x00FFFFFFu

/* A number the mechglue made up rather than a mechanism's code. */
bool minor_made_up(OM_uint32 minor);

/* The errno value whose strerror text is the display text of the made-up
 * number minor; false when no errno has it. */
bool minor_errno_by_text(OM_uint32 minor, OM_uint32 *code);

#endif
