/*
 * interposer.c - the entry point MIT's loader calls (gss_mech_interposer),
 * the table of mechanisms we interpose with their special OIDs, and the
 * mechanism-level entry points (attributes, status text, OID release).
 *
 * Facts about the loader (krb5 1.20, g_initialize.c): the mech.d line
 * "name oid path <interposer>" makes it dlopen us at the first GSS call,
 * with its mechanism-list lock held, and ask gss_mech_interposer(oid) for
 * the OIDs we take over; the first interposer to claim a mechanism wins.
 * From then on every call for those mechanisms comes to our gssi_*
 * functions with the public OID, and we reach the real mechanism by calling
 * the public gss_* API with the special OID (our OID's bytes followed by
 * the real OID's bytes), which the mechglue routes past us.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gssi.h"
#include "mech_internal.h"
#include "thread_state.h"

#define MECH_LEN GSS_SSPI_NEGOTIATE_MECH_OID_LEN

/* What the mechanism list calls us.  MIT's OID parser (generic_gss_str_to_oid,
 * 1.20 and later) stops silently at an arc that does not fit an unsigned
 * long, so our mech.d line 2.25.<uuid>.1 registers as 2.25: we take the OID
 * the loader hands us, and build the special OIDs from it as it does. */
static unsigned char interposer_der[GSS_SSPI_NEGOTIATE_MECH_OID_LEN];
gss_OID_desc interposer_oid = {MECH_LEN, GSS_SSPI_NEGOTIATE_MECH_OID_DER};

#define SPECIAL_MAX (MECH_LEN + 16)
static unsigned char special_der[IMECH_COUNT][SPECIAL_MAX];

static struct imech imechs[IMECH_COUNT] = {
    {IMECH_SPNEGO, "SPNEGO", {OID_SPNEGO_LEN, OID_SPNEGO_DER}, {0, NULL},
     GSS_SSPI_NEG_PACKAGE_UNKNOWN},
    {IMECH_KRB5, "Kerberos", {OID_KRB5_LEN, OID_KRB5_DER}, {0, NULL},
     GSS_SSPI_NEG_PACKAGE_KERBEROS},
    {IMECH_MS_KRB5, "Kerberos", {OID_MS_KRB5_LEN, OID_MS_KRB5_DER}, {0, NULL},
     GSS_SSPI_NEG_PACKAGE_KERBEROS},
    {IMECH_NTLMSSP, "NTLM", {OID_NTLMSSP_LEN, OID_NTLMSSP_DER}, {0, NULL},
     GSS_SSPI_NEG_PACKAGE_NTLM},
};

/* Our OID, or what MIT's parser makes of it (the arc 2.25 alone). */
static bool is_our_oid(gss_const_OID oid)
{
    static const gss_OID_desc truncated = {1, "\x69"};
    static const gss_OID_desc full = {MECH_LEN, GSS_SSPI_NEGOTIATE_MECH_OID_DER};
    return oid_equal(oid, &full) || oid_equal(oid, &truncated);
}

static void set_interposer_oid(gss_const_OID oid)
{
    memcpy(interposer_der, oid->elements, oid->length);
    interposer_oid.length = oid->length;
    interposer_oid.elements = interposer_der;
    for (size_t i = 0; i < IMECH_COUNT; i++) {
        memcpy(special_der[i], oid->elements, oid->length);
        memcpy(special_der[i] + oid->length, imechs[i].oid.elements, imechs[i].oid.length);
        imechs[i].special.length = oid->length + imechs[i].oid.length;
        imechs[i].special.elements = special_der[i];
    }
}

const struct imech *imech_get(enum imech_id id)
{
    return &imechs[id];
}

const struct imech *imech_find(gss_const_OID oid)
{
    if (oid == GSS_C_NO_OID || imechs[0].special.elements == NULL)
        return NULL;
    for (size_t i = 0; i < IMECH_COUNT; i++)
        if (oid == &imechs[i].oid || oid_equal(oid, &imechs[i].oid) ||
            oid_equal(oid, &imechs[i].special))
            return &imechs[i];
    return NULL;
}

int package_of(gss_const_OID mech)
{
    const struct imech *m = imech_find(mech);
    return m ? m->package : GSS_SSPI_NEG_PACKAGE_UNKNOWN;
}

const char *package_name(int package)
{
    static const char *const names[] = {"", "Kerberos", "NTLM"};
    return package >= 0 && package <= GSS_SSPI_NEG_PACKAGE_NTLM ? names[package] : "";
}

OM_uint32 special_set(OM_uint32 *minor, const gss_OID_set set, gss_OID_set *out)
{
    OM_uint32 major, tmp;
    *out = GSS_C_NO_OID_SET;
    if (set == GSS_C_NO_OID_SET)
        return GSS_S_COMPLETE;
    major = gss_create_empty_oid_set(minor, out);
    for (size_t i = 0; major == GSS_S_COMPLETE && i < set->count; i++) {
        const struct imech *m = imech_find(&set->elements[i]);
        if (m != NULL)
            major = gss_add_oid_set_member(minor, (gss_OID)&m->special, out);
    }
    if (major != GSS_S_COMPLETE)
        gss_release_oid_set(&tmp, out);
    return major;
}

/* Kerberos is ours unless the policy says no; "auto" leaves it to gssproxy
 * when the process asked for it (GSS_USE_PROXY), since only one
 * interposer can hold a mechanism. */
static bool interpose_kerberos(const struct policy *policy)
{
    if (policy->interpose_kerberos != TRI_AUTO)
        return policy->interpose_kerberos == TRI_YES;
    const char *proxy = secure_getenv("GSS_USE_PROXY");
    if (proxy == NULL)
        return true;
    static const char *const yes[] = {"1", "yes", "true", "on"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcasecmp(proxy, yes[i]) == 0)
            return false;
    return true;
}

/* Linked into mech.d while a server runs, the module is loaded when the
 * mechglue next re-reads its list: MIT's SPNEGO acceptor does that in the
 * middle of an accept (gss_indicate_mechs_by_attrs), and that context's
 * inner token then reaches our Kerberos or NTLM entry with no SPNEGO layer
 * of ours around it.  Told apart from the stack, once per process (a load
 * at the mechglue's first call goes through no gss_indicate_mechs); the
 * next accept on this thread is that inner one (accept.c). */
static bool stack_inside_spnego_accept(void)
{
    void *frames[64];
    int n = backtrace(frames, 64);
    bool indicate = false;
    for (int i = 0; i < n; i++) {
        Dl_info info;
        if (dladdr(frames[i], &info) == 0 || info.dli_saddr == NULL)
            continue;
        if (info.dli_saddr == (void *)gss_indicate_mechs)
            indicate = true;
        else if (info.dli_saddr == (void *)gss_accept_sec_context && indicate)
            return true;
    }
    return false;
}

bool loaded_inside_foreign_spnego(void)
{
    struct mech_thread_state *ts = thread_state();
    bool was = ts->loaded_inside_spnego_accept;
    ts->loaded_inside_spnego_accept = false;
    return was;
}

/* Called by the loader with its mechanism-list lock held: no GSS call that
 * needs the mechanism list may happen here (the OID-set helpers do not). */
gss_OID_set gss_mech_interposer(gss_OID mech_type)
{
    OM_uint32 major, minor;
    gss_OID_set set = GSS_C_NO_OID_SET;
    if (!is_our_oid(mech_type))
        return GSS_C_NO_OID_SET;
    set_interposer_oid(mech_type);
    thread_state()->loaded_inside_spnego_accept = stack_inside_spnego_accept();
    const struct policy *policy = policy_current();
    bool krb5 = interpose_kerberos(policy);
    major = gss_create_empty_oid_set(&minor, &set);
    for (size_t i = 0; major == GSS_S_COMPLETE && i < IMECH_COUNT; i++) {
        if (imechs[i].package == GSS_SSPI_NEG_PACKAGE_KERBEROS && !krb5)
            continue;
        major = gss_add_oid_set_member(&minor, (gss_OID)&imechs[i].oid, &set);
    }
    if (major != GSS_S_COMPLETE)
        gss_release_oid_set(&minor, &set);
    return set;
}

/* The mechglue asks each mechanism whether an OID it is told to release is
 * one of its static ones.  Ours never leave the module except our own. */
OM_uint32 gssi_internal_release_oid(OM_uint32 *minor, gss_OID *oid)
{
    *minor = 0;
    if (oid == NULL || *oid == GSS_C_NO_OID)
        return GSS_S_CONTINUE_NEEDED;
    if (*oid == &interposer_oid) {
        *oid = GSS_C_NO_OID;
        return GSS_S_COMPLETE;
    }
    for (size_t i = 0; i < IMECH_COUNT; i++) {
        if (*oid == &imechs[i].oid || *oid == &imechs[i].special) {
            *oid = GSS_C_NO_OID;
            return GSS_S_COMPLETE;
        }
    }
    return GSS_S_CONTINUE_NEEDED;
}

/* Must exist: without it SPNEGO cannot tell itself apart from the mechanisms
 * it negotiates and recurses into itself.  MS-KRB5 loses its "deprecated"
 * mark when the policy lists it first, so that SPNEGO offers it. */
OM_uint32 gssi_inquire_attrs_for_mech(OM_uint32 *minor, gss_const_OID mech, gss_OID_set *mech_attrs,
                                      gss_OID_set *known_mech_attrs)
{
    const struct imech *m = imech_find(mech);
    *minor = 0;
    if (m == NULL) {
        if (mech_attrs != NULL)
            *mech_attrs = GSS_C_NO_OID_SET;
        if (known_mech_attrs != NULL)
            *known_mech_attrs = GSS_C_NO_OID_SET;
        return GSS_S_COMPLETE;
    }
    if (m->id == IMECH_MS_KRB5 && policy_current()->ms_krb5_first)
        m = imech_get(IMECH_KRB5);
    return gss_inquire_attrs_for_mech(minor, &m->special, mech_attrs, known_mech_attrs);
}

OM_uint32 gssi_inquire_saslname_for_mech(OM_uint32 *minor, const gss_OID desired_mech,
                                         gss_buffer_t sasl_mech_name, gss_buffer_t mech_name,
                                         gss_buffer_t mech_description)
{
    const struct imech *m = imech_find(desired_mech);
    if (m == NULL) {
        *minor = 0;
        return GSS_S_BAD_MECH;
    }
    return gss_inquire_saslname_for_mech(minor, (gss_OID)&m->special, sasl_mech_name, mech_name,
                                         mech_description);
}

OM_uint32 gssi_inquire_names_for_mech(OM_uint32 *minor, gss_OID mech, gss_OID_set *name_types)
{
    const struct imech *m = imech_find(mech);
    if (m == NULL) {
        *minor = 0;
        return GSS_S_BAD_MECH;
    }
    return gss_inquire_names_for_mech(minor, (gss_OID)&m->special, name_types);
}

/* A minor code that reached the caller through us was renumbered by the
 * mechglue (it maps every (mechanism, code) pair to a process-wide number);
 * the number handed to us here is the one we returned, which the mechglue
 * can map back to its mechanism.  The depth guard stops a code that maps
 * to itself under our OID from looping. */
OM_uint32 gssi_display_status(OM_uint32 *minor, OM_uint32 status_value, int status_type,
                              gss_OID mech_type, OM_uint32 *message_context,
                              gss_buffer_t status_string)
{
    OM_uint32 major;
    struct mech_thread_state *ts = thread_state();
    *minor = 0;
    if (status_type != GSS_C_MECH_CODE)
        return GSS_S_BAD_STATUS;
    if (ext_error_text(status_value) != NULL) {
        status_string->value = ext_error_describe(status_value);
        if (status_string->value == NULL) {
            *minor = ENOMEM;
            return GSS_S_FAILURE;
        }
        status_string->length = strlen(status_string->value);
        *message_context = 0;
        return GSS_S_COMPLETE;
    }
    if (ts->display_depth > 4)
        return GSS_S_BAD_STATUS;
    ts->display_depth++;
    major = gss_display_status(minor, status_value, GSS_C_MECH_CODE, GSS_C_NO_OID, message_context,
                               status_string);
    ts->display_depth--;
    if (major == GSS_S_BAD_STATUS && status_value < 4096) {
        /* An errno from our own code. */
        const char *text = strerror((int)status_value);
        status_string->value = strdup(text);
        if (status_string->value != NULL) {
            status_string->length = strlen(text);
            *message_context = 0;
            major = GSS_S_COMPLETE;
        }
    }
    return major;
}

OM_uint32 gssi_mech_invoke(OM_uint32 *minor, const gss_OID desired_mech,
                           const gss_OID desired_object, gss_buffer_t value)
{
    bool handled = false;
    OM_uint32 major = ext_mech_invoke(minor, desired_object, value, &handled);
    if (handled)
        return major;
    const struct imech *m = imech_find(desired_mech);
    if (m == NULL) {
        *minor = 0;
        return GSS_S_UNAVAILABLE;
    }
    return gssspi_mech_invoke(minor, (gss_OID)&m->special, desired_object, value);
}
