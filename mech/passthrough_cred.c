/*
 * passthrough_cred.c - credential entry points, passed to the real
 * mechanism.  Our credential element wraps a mechglue credential acquired
 * with the special OID, so that re-entering the mechglue with it reaches
 * the real mechanism (an element keyed by the public OID).
 *
 * MS-KRB5 elements hold both MS-KRB5 and Kerberos: an acceptor finds the
 * element its token's framing names, and our SPNEGO initiator, which lists
 * MS-KRB5 first, sends the token in Kerberos framing as Windows does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gssi.h"
#include "mech_internal.h"

struct icred *icred_new(const struct imech *mech, gss_cred_id_t inner)
{
    struct icred *cred = calloc(1, sizeof(*cred));
    if (cred != NULL) {
        cred->mech = mech;
        cred->inner = inner;
    }
    return cred;
}

void icred_free(struct icred *cred)
{
    OM_uint32 minor;
    if (cred == NULL)
        return;
    gss_release_cred(&minor, &cred->inner);
    free(cred);
}

/* The special OIDs an element of mech is acquired for. */
static gss_OID_set_desc inner_mechs(const struct imech *m, gss_OID_desc storage[2])
{
    storage[0] = m->special;
    if (m->id == IMECH_MS_KRB5) {
        storage[1] = imech_get(IMECH_KRB5)->special;
        return (gss_OID_set_desc){2, storage};
    }
    return (gss_OID_set_desc){1, storage};
}

/* The mechglue asks for one mechanism at a time. */
static const struct imech *requested_mech(const gss_OID_set set)
{
    if (set == GSS_C_NO_OID_SET || set->count != 1)
        return NULL;
    return imech_find(&set->elements[0]);
}

/* An SPNEGO initiator element gets our negotiation order when the policy
 * lists MS-KRB5 first; failing that, SPNEGO keeps its own order. */
static void order_spnego(const struct imech *m, int usage, gss_cred_id_t inner)
{
    OM_uint32 minor;
    gss_OID_set order = GSS_C_NO_OID_SET;
    const struct policy *policy = policy_current();
    if (m->id != IMECH_SPNEGO || usage == GSS_C_ACCEPT || !policy->ms_krb5_first)
        return;
    if (neg_mechs_for(&minor, policy, NULL, &order) == GSS_S_COMPLETE)
        gss_set_neg_mechs(&minor, inner, order);
    gss_release_oid_set(&minor, &order);
}

enum acquire_kind { ACQUIRE_PLAIN, ACQUIRE_PASSWORD, ACQUIRE_IMPERSONATE };
struct acquire_args {
    enum acquire_kind kind;
    gss_name_t name;
    OM_uint32 time_req;
    gss_OID_set mechs;
    int usage;
    gss_const_key_value_set_t store;
    gss_buffer_t password;
    gss_cred_id_t impersonator;
};

static OM_uint32 acquire(OM_uint32 *minor, const struct acquire_args *a, gss_cred_id_t *out,
                         gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
    OM_uint32 major, tmp;
    gss_OID_desc storage[2];
    gss_cred_id_t inner = GSS_C_NO_CREDENTIAL;
    const struct imech *m = requested_mech(a->mechs);
    *out = GSS_C_NO_CREDENTIAL;
    if (actual_mechs != NULL)
        *actual_mechs = GSS_C_NO_OID_SET;
    if (m == NULL) {
        *minor = 0;
        return GSS_S_BAD_MECH;
    }
    gss_OID_set_desc set = inner_mechs(m, storage);
    switch (a->kind) {
    case ACQUIRE_PASSWORD:
        major = gss_acquire_cred_with_password(minor, a->name, a->password, a->time_req, &set,
                                               a->usage, &inner, NULL, time_rec);
        break;
    case ACQUIRE_IMPERSONATE:
        major =
            gss_acquire_cred_impersonate_name(minor, INNER_CRED(a->impersonator), a->name,
                                              a->time_req, &set, a->usage, &inner, NULL, time_rec);
        break;
    default:
        major = gss_acquire_cred_from(minor, a->name, a->time_req, &set, a->usage, a->store, &inner,
                                      NULL, time_rec);
        break;
    }
    if (GSS_ERROR(major))
        goto out;
    order_spnego(m, a->usage, inner);
    struct icred *cred = icred_new(m, inner);
    if (cred == NULL) {
        gss_release_cred(&tmp, &inner);
        *minor = ENOMEM;
        major = GSS_S_FAILURE;
        goto out;
    }
    *out = (gss_cred_id_t)cred;
    if (actual_mechs != NULL) {
        major = gss_create_empty_oid_set(minor, actual_mechs);
        if (major == GSS_S_COMPLETE)
            major = gss_add_oid_set_member(minor, (gss_OID)&m->oid, actual_mechs);
        if (major != GSS_S_COMPLETE) {
            icred_free(cred);
            *out = GSS_C_NO_CREDENTIAL;
        }
    }
out:
    if (GSS_ERROR(major))
        last_error_note(major, *minor, &m->oid);
    return major;
}

OM_uint32 gssi_acquire_cred(OM_uint32 *minor, gss_name_t desired_name, OM_uint32 time_req,
                            gss_OID_set desired_mechs, int cred_usage, gss_cred_id_t *output_cred,
                            gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
    struct acquire_args a = {ACQUIRE_PLAIN, desired_name,        time_req, desired_mechs,
                             cred_usage,    GSS_C_NO_CRED_STORE, NULL,     GSS_C_NO_CREDENTIAL};
    return acquire(minor, &a, output_cred, actual_mechs, time_rec);
}

OM_uint32 gssi_acquire_cred_from(OM_uint32 *minor, gss_name_t desired_name, OM_uint32 time_req,
                                 gss_OID_set desired_mechs, gss_cred_usage_t cred_usage,
                                 gss_const_key_value_set_t cred_store, gss_cred_id_t *output_cred,
                                 gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
    struct acquire_args a = {ACQUIRE_PLAIN, desired_name, time_req, desired_mechs,
                             cred_usage,    cred_store,   NULL,     GSS_C_NO_CREDENTIAL};
    return acquire(minor, &a, output_cred, actual_mechs, time_rec);
}

OM_uint32 gssi_acquire_cred_with_password(OM_uint32 *minor, const gss_name_t desired_name,
                                          const gss_buffer_t password, OM_uint32 time_req,
                                          const gss_OID_set desired_mechs, int cred_usage,
                                          gss_cred_id_t *output_cred, gss_OID_set *actual_mechs,
                                          OM_uint32 *time_rec)
{
    struct acquire_args a = {ACQUIRE_PASSWORD, desired_name,        time_req, desired_mechs,
                             cred_usage,       GSS_C_NO_CRED_STORE, password, GSS_C_NO_CREDENTIAL};
    return acquire(minor, &a, output_cred, actual_mechs, time_rec);
}

OM_uint32 gssi_acquire_cred_impersonate_name(OM_uint32 *minor, const gss_cred_id_t impersonator,
                                             const gss_name_t desired_name, OM_uint32 time_req,
                                             const gss_OID_set desired_mechs,
                                             gss_cred_usage_t cred_usage,
                                             gss_cred_id_t *output_cred, gss_OID_set *actual_mechs,
                                             OM_uint32 *time_rec)
{
    struct acquire_args a = {ACQUIRE_IMPERSONATE, desired_name,        time_req, desired_mechs,
                             cred_usage,          GSS_C_NO_CRED_STORE, NULL,     impersonator};
    return acquire(minor, &a, output_cred, actual_mechs, time_rec);
}

OM_uint32 acquire_inner_default(OM_uint32 *minor, const struct imech *mech, int usage,
                                gss_cred_id_t *out)
{
    gss_OID_desc storage[2];
    gss_OID_set_desc set = inner_mechs(mech, storage);
    return gss_acquire_cred(minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &set, usage, out, NULL, NULL);
}

OM_uint32 gssi_release_cred(OM_uint32 *minor, gss_cred_id_t *cred)
{
    *minor = 0;
    if (cred == NULL || *cred == GSS_C_NO_CREDENTIAL)
        return GSS_S_COMPLETE;
    icred_free(ICRED(*cred));
    *cred = GSS_C_NO_CREDENTIAL;
    return GSS_S_COMPLETE;
}

OM_uint32 gssi_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                            OM_uint32 *lifetime, int *cred_usage, gss_OID_set *mechanisms)
{
    return gss_inquire_cred(minor, INNER_CRED(cred), name, lifetime, cred_usage, mechanisms);
}

OM_uint32 gssi_inquire_cred_by_mech(OM_uint32 *minor, gss_cred_id_t cred, gss_OID mech_type,
                                    gss_name_t *name, OM_uint32 *initiator_lifetime,
                                    OM_uint32 *acceptor_lifetime, gss_cred_usage_t *cred_usage)
{
    const struct imech *m = imech_find(mech_type);
    if (m == NULL && cred != GSS_C_NO_CREDENTIAL)
        m = ICRED(cred)->mech;
    if (m == NULL) {
        *minor = 0;
        return GSS_S_BAD_MECH;
    }
    return gss_inquire_cred_by_mech(minor, INNER_CRED(cred), (gss_OID)&m->special, name,
                                    initiator_lifetime, acceptor_lifetime, cred_usage);
}

OM_uint32 gssi_inquire_cred_by_oid(OM_uint32 *minor, const gss_cred_id_t cred,
                                   const gss_OID desired_object, gss_buffer_set_t *data_set)
{
    return gss_inquire_cred_by_oid(minor, INNER_CRED(cred), desired_object, data_set);
}

OM_uint32 gssi_set_cred_option(OM_uint32 *minor, gss_cred_id_t *cred, const gss_OID desired_object,
                               const gss_buffer_t value)
{
    if (cred == NULL || *cred == GSS_C_NO_CREDENTIAL) {
        *minor = 0;
        return GSS_S_UNAVAILABLE;
    }
    return gss_set_cred_option(minor, &ICRED(*cred)->inner, desired_object, value);
}

/* Only SPNEGO has negotiation mechanisms.  The mechglue calls this slot for
 * every element of a credential and skips mechanisms that lack it; ours
 * has it for all, so non-SPNEGO elements answer "done" as a skip would. */
OM_uint32 gssi_set_neg_mechs(OM_uint32 *minor, gss_cred_id_t cred, const gss_OID_set mech_set)
{
    OM_uint32 major, tmp;
    gss_OID_set ordered = GSS_C_NO_OID_SET;
    const struct policy *policy = policy_current();
    *minor = 0;
    if (cred == GSS_C_NO_CREDENTIAL || ICRED(cred)->mech->id != IMECH_SPNEGO)
        return GSS_S_COMPLETE;
    if (!policy->ms_krb5_first || mech_set == GSS_C_NO_OID_SET)
        return gss_set_neg_mechs(minor, ICRED(cred)->inner, mech_set);
    /* MS-KRB5 goes right before Kerberos when the caller allows Kerberos. */
    major = gss_create_empty_oid_set(minor, &ordered);
    for (size_t i = 0; major == GSS_S_COMPLETE && i < mech_set->count; i++) {
        gss_OID o = &mech_set->elements[i];
        if (oid_equal(o, &imech_get(IMECH_KRB5)->oid))
            major =
                gss_add_oid_set_member(minor, (gss_OID)&imech_get(IMECH_MS_KRB5)->oid, &ordered);
        if (major == GSS_S_COMPLETE)
            major = gss_add_oid_set_member(minor, o, &ordered);
    }
    if (major == GSS_S_COMPLETE)
        major = gss_set_neg_mechs(minor, ICRED(cred)->inner, ordered);
    gss_release_oid_set(&tmp, &ordered);
    return major;
}

static gss_OID special_or_null(gss_OID mech)
{
    const struct imech *m = imech_find(mech);
    return m ? (gss_OID)&m->special : GSS_C_NO_OID;
}

OM_uint32 gssi_store_cred(OM_uint32 *minor, const gss_cred_id_t cred, gss_cred_usage_t usage,
                          const gss_OID desired_mech, OM_uint32 overwrite_cred,
                          OM_uint32 default_cred, gss_OID_set *elements_stored,
                          gss_cred_usage_t *cred_usage_stored)
{
    return gss_store_cred(minor, INNER_CRED(cred), usage, special_or_null(desired_mech),
                          overwrite_cred, default_cred, elements_stored, cred_usage_stored);
}

OM_uint32 gssi_store_cred_into(OM_uint32 *minor, gss_cred_id_t cred, gss_cred_usage_t usage,
                               gss_OID desired_mech, OM_uint32 overwrite_cred,
                               OM_uint32 default_cred, gss_const_key_value_set_t cred_store,
                               gss_OID_set *elements_stored, gss_cred_usage_t *cred_usage_stored)
{
    return gss_store_cred_into(minor, INNER_CRED(cred), usage, special_or_null(desired_mech),
                               overwrite_cred, default_cred, cred_store, elements_stored,
                               cred_usage_stored);
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The mechglue's credential token is a list of (be32 length, OID, be32
 * length, mechanism token); it frames what we return with the public OID.
 * We hand out the first mechanism token alone. */
OM_uint32 gssi_export_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_buffer_t token)
{
    OM_uint32 major, tmp;
    gss_buffer_desc whole = GSS_C_EMPTY_BUFFER;
    major = gss_export_cred(minor, INNER_CRED(cred), &whole);
    if (GSS_ERROR(major))
        return major;
    const unsigned char *p = whole.value;
    size_t len = whole.length, oid_len, tok_len;
    major = GSS_S_DEFECTIVE_TOKEN;
    if (len < 4 || (oid_len = load_be32(p)) > len - 4 || len - 4 - oid_len < 4)
        goto out;
    p += 4 + oid_len;
    len -= 4 + oid_len;
    tok_len = load_be32(p);
    if (tok_len > len - 4)
        goto out;
    token->value = malloc(tok_len ? tok_len : 1);
    if (token->value == NULL) {
        *minor = ENOMEM;
        major = GSS_S_FAILURE;
        goto out;
    }
    memcpy(token->value, p + 4, tok_len);
    token->length = tok_len;
    major = GSS_S_COMPLETE;
out:
    gss_release_buffer(&tmp, &whole);
    return major;
}

OM_uint32 gssi_import_cred_by_mech(OM_uint32 *minor, gss_OID mech_type, gss_buffer_t token,
                                   gss_cred_id_t *cred)
{
    OM_uint32 major, tmp;
    gss_cred_id_t inner = GSS_C_NO_CREDENTIAL;
    const struct imech *m = imech_find(mech_type);
    *cred = GSS_C_NO_CREDENTIAL;
    *minor = 0;
    if (m == NULL)
        return GSS_S_BAD_MECH;
    size_t len = 8 + m->special.length + token->length;
    unsigned char *buf = malloc(len);
    if (buf == NULL) {
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    store_be32(buf, m->special.length);
    memcpy(buf + 4, m->special.elements, m->special.length);
    store_be32(buf + 4 + m->special.length, (uint32_t)token->length);
    if (token->length > 0)
        memcpy(buf + 8 + m->special.length, token->value, token->length);
    gss_buffer_desc framed = {len, buf};
    major = gss_import_cred(minor, &framed, &inner);
    free(buf);
    if (GSS_ERROR(major))
        return major;
    struct icred *c = icred_new(m, inner);
    if (c == NULL) {
        gss_release_cred(&tmp, &inner);
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    *cred = (gss_cred_id_t)c;
    return GSS_S_COMPLETE;
}

/* The mechglue uses the _by_mech form when a module has it. */
OM_uint32 gssi_import_cred(OM_uint32 *minor, gss_buffer_t token, gss_cred_id_t *cred)
{
    *minor = 0;
    *cred = GSS_C_NO_CREDENTIAL;
    return GSS_S_UNAVAILABLE;
}
