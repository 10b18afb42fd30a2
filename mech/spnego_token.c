/*
 * spnego_token.c - reads a SPNEGO NegTokenInit / NegTokenInit2 (RFC 4178,
 * [MS-SPNG] 2.2.1): the mechanism list and whether a mechanism token came.
 *
 *   [APPLICATION 0] { OID 1.3.6.1.5.5.2,
 *     [0] NegTokenInit SEQUENCE { [0] mechTypes SEQUENCE OF OID,
 *         [1] reqFlags, [2] mechToken OCTET STRING,
 *         [3] mechListMIC (NegTokenInit) or negHints (NegTokenInit2), ... } }
 *
 * DER from the network: definite lengths only, every length checked
 * against what contains it.
 */
#include <string.h>

#include "der.h"
#include "mech_internal.h"

/* Opens the initial-context framing; *inner is what follows the OID. */
static bool open_initial(const void *data, size_t len, struct der *inner)
{
    struct der d = {data, len}, app, oid;
    unsigned char tag;
    if (data == NULL || !der_next(&d, &tag, &app) || tag != 0x60)
        return false;
    if (!der_next(&app, &tag, &oid) || tag != 0x06 ||
        !oid_equal(&(gss_OID_desc){(OM_uint32)oid.len, (void *)oid.p}, &oid_spnego))
        return false;
    *inner = app;
    return true;
}

bool spnego_is_initial(const void *data, size_t len)
{
    struct der inner;
    return open_initial(data, len, &inner);
}

bool spnego_parse_init(const void *data, size_t len, struct spnego_init *out)
{
    struct der rest, init, seq, field, list, oid;
    unsigned char tag;
    memset(out, 0, sizeof(*out));
    if (!open_initial(data, len, &rest))
        return false;
    if (!der_next(&rest, &tag, &init) || tag != 0xa0) /* [0] NegTokenInit */
        return false;
    if (!der_next(&init, &tag, &seq) || tag != 0x30)
        return false;
    while (seq.len > 0) {
        if (!der_next(&seq, &tag, &field))
            return false;
        if (tag == 0xa0) { /* mechTypes */
            if (!der_next(&field, &tag, &list) || tag != 0x30)
                return false;
            while (list.len > 0) {
                if (!der_next(&list, &tag, &oid) || tag != 0x06 || oid.len == 0)
                    return false;
                if (out->mech_count < SPNEGO_MAX_MECHS) {
                    out->mechs[out->mech_count].length = (OM_uint32)oid.len;
                    out->mechs[out->mech_count].elements = (void *)oid.p;
                    out->mech_count++;
                }
            }
        } else if (tag == 0xa2) {
            out->has_mech_token = true;
        }
    }
    return out->mech_count > 0;
}
