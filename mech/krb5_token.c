/*
 * krb5_token.c - the service a Kerberos AP-REQ is for, read from the
 * ticket's clear-text realm and sname (RFC 4121 4.1, RFC 4120 5.3, 5.5.1):
 *
 *   [APPLICATION 0] { OID, TOK_ID 01 00,
 *     AP-REQ [APPLICATION 14] SEQUENCE { [0] pvno, [1] msg-type,
 *       [2] ap-options, [3] Ticket [APPLICATION 1] SEQUENCE {
 *         [0] tkt-vno, [1] realm, [2] sname SEQUENCE { [0] name-type,
 *         [1] SEQUENCE OF GeneralString }, [3] enc-part } ... } }
 *
 * Asking the finished context instead (gss_inquire_context, then
 * gss_display_name) costs a krb5 library context each time; this is a few
 * hundred instructions.  Only logged once the ticket decrypted with our key.
 */
#include <string.h>

#include "der.h"
#include "mech_internal.h"

static bool append(char *out, size_t size, size_t *used, const void *data, size_t len)
{
    if (len >= size - *used)
        return false;
    memcpy(out + *used, data, len);
    *used += len;
    out[*used] = '\0';
    return true;
}

/* A name part as text.  Found by tests/fuzz/krb5_ap_req.c: an embedded NUL
 * (the clear-text sname is not covered by the ticket's encryption) would
 * cut the name short where the audit line prints it. */
static bool append_text(char *out, size_t size, size_t *used, struct der part)
{
    return memchr(part.p, 0, part.len) == NULL && append(out, size, used, part.p, part.len);
}

/* The value inside context tag [n] of a SEQUENCE's contents. */
static bool field(struct der seq, unsigned char n, struct der *out)
{
    unsigned char tag;
    struct der f;
    while (seq.len > 0) {
        if (!der_next(&seq, &tag, &f))
            return false;
        if (tag == (0xa0 | n))
            return der_next(&f, &tag, out);
    }
    return false;
}

static bool read_service(const void *token, size_t len, char *out, size_t size)
{
    struct der d = {token, len}, app, v, apreq, ticket, tseq, realm, sname, names, part;
    unsigned char tag;
    size_t used = 0;
    if (token == NULL)
        return false;
    if (!der_next(&d, &tag, &app) || tag != 0x60 || !der_next(&app, &tag, &v) || tag != 0x06 ||
        app.len < 2 || app.p[0] != 0x01 || app.p[1] != 0x00) /* TOK_ID of an AP-REQ */
        return false;
    app.p += 2;
    app.len -= 2;
    if (!der_next(&app, &tag, &apreq) || tag != 0x6e || !der_next(&apreq, &tag, &v) ||
        tag != 0x30 || !field(v, 3, &ticket) || !der_next(&ticket, &tag, &tseq) || tag != 0x30)
        return false;
    if (!field(tseq, 1, &realm) || !field(tseq, 2, &sname) || !field(sname, 1, &names))
        return false;
    for (bool first = true; names.len > 0; first = false) {
        if (!der_next(&names, &tag, &part) || (!first && !append(out, size, &used, "/", 1)) ||
            !append_text(out, size, &used, part))
            return false;
    }
    return used > 0 && append(out, size, &used, "@", 1) && append_text(out, size, &used, realm);
}

bool krb5_ap_req_service(const void *token, size_t len, char *out, size_t size)
{
    if (size == 0)
        return false;
    if (read_service(token, len, out, size))
        return true;
    /* accept.c keeps out whatever we return: a name cut short by a full
     * buffer ("HTTP/" without host or realm) must not reach the audit line.
     * Found by tests/fuzz/krb5_ap_req.c. */
    out[0] = '\0';
    return false;
}
