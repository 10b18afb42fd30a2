/*
 * minor_recovery.c - the mechanism's own minor code behind the one the
 * mechglue reports, for the status mapping of failures (status.c) and the
 * workarounds that read a minor (accept.c, ntlm_source.c, messages.c).
 *
 * The mechglue keeps minor codes apart per mechanism: the first mechanism to
 * report a value keeps it, another one reporting the same value (SPNEGO
 * passing on Kerberos's or NTLM's code, or the same mechanism under another
 * OID) gets a made-up number counted up from 100000.  No API maps it back.
 * Strategies, in this order, the one that answered traced:
 *   1. not a made-up number: the minor is the mechanism's own;
 *   2. gss-sspi-negotiate loaded: every minor crosses it and is renumbered,
 *      so its LAST_ERROR extension answers the code it saw (itself made up
 *      when another pair owned the code first and the module could not
 *      tell it by its text: then 3 on that number);
 *   3. gss_display_status gives the text of the original code, so the
 *      made-up code is the known code (status.c's table, an errno value)
 *      with the same text (minor_map.h).
 * Whether a minor says nothing (the original was 0) is the same text
 * comparison against krb5's text for 0.
 */
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>

#include "gss-sspi-mech.h"
#include "internal.h"
#include "minor_map.h"
#include "ntlm_errors.h"
#include "status_text.h"

#define NTLM_ERR_SPACE 0x4E540000u /* gss-ntlmssp's error space, 'NT00' */

static OM_uint32 le32(const unsigned char *p)
{
    return (OM_uint32)p[0] | (OM_uint32)p[1] << 8 | (OM_uint32)p[2] << 16 | (OM_uint32)p[3] << 24;
}

/* GSS_SSPI_NEGOTIATE_OID_LAST_ERROR (asked through any mechanism the module
 * interposes): the thread's last failure, major then the mechanism's minor,
 * little-endian.  It answers only for a failure of the same routine. */
static bool from_module(OM_uint32 major, OM_uint32 *minor)
{
    static gss_OID_desc last_error = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN,
                                      GSS_SSPI_NEGOTIATE_OID_LAST_ERROR_DER};
    OM_uint32 tmp;
    gss_buffer_desc v = GSS_C_EMPTY_BUFFER;
    bool found = false;
    if (GSS_ERROR(gssspi_mech_invoke(&tmp, &oid_spnego, &last_error, &v)))
        return false;
    if (v.length >= 8 && GSS_ROUTINE_ERROR(le32(v.value)) == GSS_ROUTINE_ERROR(major)) {
        *minor = le32((const unsigned char *)v.value + 4);
        found = true;
    }
    gss_release_buffer(&tmp, &v);
    return found;
}

static gss_const_OID mech_of(OM_uint32 code)
{
    /* errno values: as gss-ntlmssp reports them (strerror, like krb5 would) */
    bool ntlm = (code & 0xFFFF0000u) == NTLM_ERR_SPACE || code < MECHGLUE_FAKE_FIRST;
    return ntlm ? &oid_ntlmssp : &oid_krb5;
}

static bool same_text(const char *text, OM_uint32 code)
{
    char *known = status_gss_text(0, code, mech_of(code));
    bool same = known != NULL && strcmp(known, text) == 0;
    free(known);
    return same;
}

/* The known code (status.c's table, then an errno value: gss-ntlmssp's
 * codes) whose text is the made-up code's. */
static bool from_text(OM_uint32 minor, OM_uint32 *found)
{
    char *text = status_gss_text(0, minor, GSS_C_NO_OID);
    bool ok = false;
    OM_uint32 code;
    if (text == NULL || text[0] == '\0')
        goto out;
    for (size_t i = 0; !ok && status_known_minor(i, &code); i++)
        ok = same_text(text, code);
    if (!ok)
        ok = minor_errno_by_text(minor, &code);
    if (ok)
        *found = code;
out:
    free(text);
    return ok;
}

OM_uint32 status_mech_minor(OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 original = minor;
    if (!minor_made_up(minor))
        return minor;
    if (module_present()) {
        if (from_module(major, &original))
            trace("minor %u: %u, from gss-sspi-negotiate's LAST_ERROR", (unsigned)minor,
                  (unsigned)original);
        else
            trace("minor %u: gss-sspi-negotiate keeps no code for this failure", (unsigned)minor);
    }
    if (!minor_made_up(original)) {
        /* the mechanism's own code */
    } else if (from_text(original, &original)) {
        trace("minor %u: %u, by its display text", (unsigned)minor, (unsigned)original);
    } else {
        trace("minor %u: no known code has its display text", (unsigned)minor);
    }
    return original;
}

bool status_minor_says_nothing(OM_uint32 minor)
{
    if (minor == 0)
        return true;
    if (!minor_made_up(minor))
        return false;
    char *text = NULL;
    size_t len = 0;
    status_text_append(&text, &len, minor, GSS_C_MECH_CODE, GSS_C_NO_OID);
    const char *zero = krb5_get_error_message(NULL, 0);
    bool same = text != NULL && zero != NULL && strcmp(text, zero) == 0;
    krb5_free_error_message(NULL, zero);
    free(text);
    if (same)
        trace("minor %u: the text of 0 (no reason given)", (unsigned)minor);
    return same;
}
