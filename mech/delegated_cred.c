/*
 * delegated_cred.c - the delegated credential an accepted context hands
 * back, in the form the mechglue above us can use.
 *
 * Our inner gss_accept_sec_context (special OID) returns the client's
 * delegated credential as a mechglue credential of the real mechanism.
 * When the actual mechanism we report is the one the mechglue called us for
 * (Kerberos to our Kerberos element), the mechglue above wraps what we
 * return as *our* element: every later call on it (gss_store_cred_into,
 * gss_inquire_cred, gss_release_cred) then comes to our gssi_* functions,
 * which must find one of our credentials there, not the real mechanism's
 * (krb5 1.20 crashed in gss_store_cred_into).  So it is wrapped in one of
 * ours, whose inner credential reaches the real mechanism through the
 * special OID.  Otherwise (SPNEGO reporting Kerberos) the mechglue passes the
 * credential on untouched, as its own.
 */
#include <errno.h>
#include <string.h>

#include "gssi.h"
#include "mech_internal.h"

OM_uint32 delegated_cred_out(OM_uint32 *minor, const struct imech *mech, gss_OID actual,
                             gss_cred_id_t *deleg)
{
    OM_uint32 tmp;
    if (*deleg == GSS_C_NO_CREDENTIAL)
        return GSS_S_COMPLETE;
    /* MIT's rule (g_accept_sec_context.c): wrapped when the actual mechanism
     * has the called one as a prefix, else passed on. */
    bool wrapped = actual == GSS_C_NO_OID ||
                   (actual->length >= mech->oid.length &&
                    memcmp(actual->elements, mech->oid.elements, mech->oid.length) == 0);
    if (!wrapped)
        return GSS_S_COMPLETE;
    struct icred *c = icred_new(mech, *deleg);
    if (c == NULL) {
        gss_release_cred(&tmp, deleg);
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    *deleg = (gss_cred_id_t)c;
    return GSS_S_COMPLETE;
}
