/*
 * passthrough_name.c - name entry points.  Our internal name is a mechglue
 * name of the real mechanism: the mechglue hands it back to us (display,
 * compare, attributes, local name) and we pass it on unchanged.
 */
#ifdef HAVE_CONFIG_H
#include "config.h" /* HAVE_MIT_UNION_NAME_LAYOUT */
#endif
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi_krb5.h>

#include "gssi.h"
#include "mech_internal.h"
#include "thread_state.h"

/*
 * Displaying the client name we just returned from accept.
 *
 * The outer mechglue displays every name an interposer hands back (to build
 * its own union name), and for Kerberos each display creates a new krb5
 * library context: about 20k instructions, 7% of a whole accept, spent on a
 * string the inner mechglue computed a moment earlier and keeps in its union
 * name.  For that one name (remembered per thread at accept time) we answer
 * from the inner union name's copy.  Its layout is MIT's private
 * gss_name_struct {loopback, name_type, external_name, mech_type, mech_name},
 * unchanged since krb5 1.7: configure verifies it against the installed
 * libgssapi_krb5 (HAVE_MIT_UNION_NAME_LAYOUT) and without that the public
 * path is the only one.  At run time the loopback pointer (MIT's own
 * validity check) and the name type still guard the read, and anything
 * unexpected takes the public path.
 */
struct mit_union_name {
    struct mit_union_name *loopback;
    gss_OID name_type;
    gss_buffer_t external_name;
    gss_OID mech_type;
    gss_name_t mech_name;
};

void name_remember_accepted(gss_name_t name)
{
    thread_state()->accepted_name = name;
}

/* The Kerberos principal form the inner mechglue recorded, or false. */
#ifdef HAVE_MIT_UNION_NAME_LAYOUT
static bool display_from_union(gss_name_t name, gss_buffer_t out, gss_OID *out_type)
{
    const struct mit_union_name *u = (const struct mit_union_name *)name;
    if (name == GSS_C_NO_NAME || name != thread_state()->accepted_name || u->loopback != u ||
        u->mech_type == GSS_C_NO_OID || u->external_name == GSS_C_NO_BUFFER ||
        u->external_name->value == NULL || u->name_type == GSS_C_NO_OID ||
        !oid_equal(u->name_type, GSS_KRB5_NT_PRINCIPAL_NAME))
        return false;
    out->value = malloc(u->external_name->length + 1);
    if (out->value == NULL)
        return false;
    memcpy(out->value, u->external_name->value, u->external_name->length);
    ((char *)out->value)[u->external_name->length] = '\0';
    out->length = u->external_name->length;
    if (out_type != NULL)
        *out_type = (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME; /* static, as krb5 returns */
    return true;
}
#else
static bool display_from_union(gss_name_t name, gss_buffer_t out, gss_OID *out_type)
{
    return false; /* layout not verified at build time */
}
#endif

OM_uint32 gssi_import_name(OM_uint32 *minor, gss_buffer_t input_name, gss_OID input_name_type,
                           gss_name_t *output_name)
{
    return gss_import_name(minor, input_name, input_name_type, output_name);
}

/* Canonical for the real mechanism, as its own import would be: exporting
 * a name the caller canonicalized must work. */
OM_uint32 gssi_import_name_by_mech(OM_uint32 *minor, gss_OID mech_type, gss_buffer_t input_name,
                                   gss_OID input_name_type, gss_name_t *output_name)
{
    OM_uint32 major, tmp;
    gss_name_t plain = GSS_C_NO_NAME;
    const struct imech *m = imech_find(mech_type);
    *output_name = GSS_C_NO_NAME;
    major = gss_import_name(minor, input_name, input_name_type, &plain);
    if (GSS_ERROR(major) || m == NULL) {
        *output_name = plain;
        return major;
    }
    major = gss_canonicalize_name(minor, plain, (gss_OID)&m->special, output_name);
    gss_release_name(&tmp, &plain);
    return major;
}

OM_uint32 gssi_display_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t output_name,
                            gss_OID *output_name_type)
{
    OM_uint32 major = GSS_S_COMPLETE;
    *minor = 0;
    if (!display_from_union(name, output_name, output_name_type))
        major = gss_display_name(minor, name, output_name, output_name_type);
    if (!GSS_ERROR(major))
        audit_name_shown(name, output_name);
    return major;
}

OM_uint32 gssi_display_name_ext(OM_uint32 *minor, gss_name_t name, gss_OID display_as_name_type,
                                gss_buffer_t display_name)
{
    return gss_display_name_ext(minor, name, display_as_name_type, display_name);
}

OM_uint32 gssi_compare_name(OM_uint32 *minor, gss_name_t name1, gss_name_t name2, int *name_equal)
{
    return gss_compare_name(minor, name1, name2, name_equal);
}

OM_uint32 gssi_release_name(OM_uint32 *minor, gss_name_t *name)
{
    struct mech_thread_state *ts = thread_state();
    if (name != NULL && *name == ts->accepted_name)
        ts->accepted_name = GSS_C_NO_NAME;
    if (name != NULL)
        audit_name_gone(*name);
    return gss_release_name(minor, name);
}

OM_uint32 gssi_duplicate_name(OM_uint32 *minor, const gss_name_t input_name, gss_name_t *dest_name)
{
    return gss_duplicate_name(minor, input_name, dest_name);
}

OM_uint32 gssi_export_name(OM_uint32 *minor, const gss_name_t name, gss_buffer_t exported_name)
{
    return gss_export_name(minor, name, exported_name);
}

OM_uint32 gssi_export_name_composite(OM_uint32 *minor, gss_name_t name, gss_buffer_t exported_name)
{
    return gss_export_name_composite(minor, name, exported_name);
}

OM_uint32 gssi_inquire_name(OM_uint32 *minor, gss_name_t name, int *name_is_mn, gss_OID *mn_mech,
                            gss_buffer_set_t *attrs)
{
    return gss_inquire_name(minor, name, name_is_mn, mn_mech, attrs);
}

OM_uint32 gssi_get_name_attribute(OM_uint32 *minor, gss_name_t name, gss_buffer_t attr,
                                  int *authenticated, int *complete, gss_buffer_t value,
                                  gss_buffer_t display_value, int *more)
{
    return gss_get_name_attribute(minor, name, attr, authenticated, complete, value, display_value,
                                  more);
}

OM_uint32 gssi_set_name_attribute(OM_uint32 *minor, gss_name_t name, int complete,
                                  gss_buffer_t attr, gss_buffer_t value)
{
    return gss_set_name_attribute(minor, name, complete, attr, value);
}

OM_uint32 gssi_delete_name_attribute(OM_uint32 *minor, gss_name_t name, gss_buffer_t attr)
{
    return gss_delete_name_attribute(minor, name, attr);
}

OM_uint32 gssi_map_name_to_any(OM_uint32 *minor, gss_name_t name, int authenticated,
                               gss_buffer_t type_id, gss_any_t *output)
{
    return gss_map_name_to_any(minor, name, authenticated, type_id, output);
}

OM_uint32 gssi_release_any_name_mapping(OM_uint32 *minor, gss_name_t name, gss_buffer_t type_id,
                                        gss_any_t *input)
{
    return gss_release_any_name_mapping(minor, name, type_id, input);
}

OM_uint32 gssi_localname(OM_uint32 *minor, const gss_name_t name, gss_const_OID mech_type,
                         gss_buffer_t localname)
{
    const struct imech *m = imech_find(mech_type);
    return gss_localname(minor, name, m ? (gss_OID)&m->special : GSS_C_NO_OID, localname);
}

/* The slot takes the local user as a buffer and name type; the public call
 * takes a name, and runs the mechanism's check and the mechglue's
 * fallbacks (attributes, then gss_localname). */
OM_uint32 gssi_authorize_localname(OM_uint32 *minor, const gss_name_t name,
                                   gss_const_buffer_t local_user, gss_const_OID local_nametype)
{
    OM_uint32 major, tmp;
    gss_name_t user = GSS_C_NO_NAME;
    major = gss_import_name(minor, (gss_buffer_t)local_user, (gss_OID)local_nametype, &user);
    if (GSS_ERROR(major))
        return major;
    major = gss_authorize_localname(minor, name, user);
    gss_release_name(&tmp, &user);
    return major;
}
