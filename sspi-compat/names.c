/*
 * names.c - SSPI target names to GSS names.
 *
 * Windows callers name a service by SPN ("HTTP/host", "HTTP/host:8080",
 * "HTTP/host@REALM") or a user by UPN ("user@REALM"); GSS callers write
 * "HTTP@host".  The forms are told apart by their separators:
 *   "svc/host"        -> host-based service svc@host (realm from domain_realm)
 *   "svc/host@REALM"  -> Kerberos principal, as written
 *   "svc@host"        -> host-based service (the GSS spelling; the part
 *                        after '@' has no upper-case letter)
 *   anything else     -> Kerberos principal name ("user@REALM")
 * A port in an SPN ("svc/host:port") is part of the principal name on
 * Windows, so such names are imported as Kerberos principals too.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

SECURITY_STATUS name_import_target(const char *target, gss_name_t *out)
{
    OM_uint32 major, minor;
    gss_OID type = (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME;
    char *hostbased = NULL;
    const char *slash = strchr(target, '/');
    const char *at = strchr(target, '@');

    if (*target == '\0')
        return SEC_E_TARGET_UNKNOWN;
    if (slash != NULL && at == NULL && strchr(slash, ':') == NULL && strchr(slash + 1, '/') == NULL) {
        /* "svc/host" -> "svc@host" */
        hostbased = strdup(target);
        if (hostbased == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        hostbased[slash - target] = '@';
        type = GSS_C_NT_HOSTBASED_SERVICE;
    } else if (slash == NULL && at != NULL && at != target && at[1] != '\0' &&
               strchr(at + 1, '@') == NULL &&
               strcspn(at + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(at + 1)) {
        /* "svc@host": GSS host-based form (host names are written in lower
         * case); "user@REALM" (realms are upper case) stays a principal. */
        type = GSS_C_NT_HOSTBASED_SERVICE;
    }
    gss_buffer_desc buf = {strlen(hostbased ? hostbased : target), (void *)(hostbased ? hostbased : target)};
    major = gss_import_name(&minor, &buf, type, out);
    free(hostbased);
    if (GSS_ERROR(major)) {
        trace("target name '%s' could not be imported (major 0x%x minor %u)", target, major, minor);
        return SEC_E_TARGET_UNKNOWN;
    }
    return SEC_E_OK;
}

char *name_to_string(gss_const_name_t name)
{
    OM_uint32 minor;
    gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
    char *s = NULL;
    if (name == GSS_C_NO_NAME)
        return NULL;
    if (GSS_ERROR(gss_display_name(&minor, (gss_name_t)name, &buf, NULL)))
        return NULL;
    s = strndup(buf.value, buf.length);
    gss_release_buffer(&minor, &buf);
    return s;
}
