/*
 * messages_krb5.c - the message functions for Kerberos (and any mechanism
 * with IOV support), through the GSS IOV calls; see messages.c for the
 * layouts and decisions.
 */
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>

#include "messages_impl.h"

/* ---- Kerberos (and any mechanism with IOV support) ------------------------- */

/* gss_iov_buffer_desc for every buffer that takes part, in pMessage order;
 * src[i] is the SecBuffer behind iov[i] (NULL for a synthetic one). */
struct iov_set {
    gss_iov_buffer_desc *iov;
    PSecBuffer *src;
    int count;
    gss_iov_buffer_desc small_iov[8];
    PSecBuffer small_src[8];
};

static SECURITY_STATUS iov_alloc(struct iov_set *s, size_t n)
{
    s->count = 0;
    if (n <= 8) {
        s->iov = s->small_iov;
        s->src = s->small_src;
        return SEC_E_OK;
    }
    s->iov = calloc(n, sizeof(*s->iov));
    s->src = calloc(n, sizeof(*s->src));
    return s->iov && s->src ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

static void iov_free(struct iov_set *s)
{
    if (s->iov != s->small_iov) {
        free(s->iov);
        free(s->src);
    }
}

static void iov_add(struct iov_set *s, OM_uint32 type, PSecBuffer b, void *value, size_t len)
{
    s->iov[s->count].type = type;
    s->iov[s->count].buffer.value = value;
    s->iov[s->count].buffer.length = len;
    s->src[s->count] = b;
    s->count++;
}

static gss_iov_buffer_desc *iov_find(struct iov_set *s, OM_uint32 type)
{
    for (int i = 0; i < s->count; i++)
        if (GSS_IOV_BUFFER_TYPE(s->iov[i].type) == type)
            return &s->iov[i];
    return NULL;
}

/* The IOV array of one call.  The stream trailer becomes PADDING + TRAILER,
 * both inside it (their lengths are set once known). */
static SECURITY_STATUS iov_build(struct msg *m, struct iov_set *s)
{
    SECURITY_STATUS status = iov_alloc(s, m->desc->cBuffers + 1);
    if (status != SEC_E_OK)
        return status;
    bool mic = m->op == OP_SIGN || m->op == OP_VERIFY;
    for (ULONG i = 0; i < m->desc->cBuffers; i++) {
        PSecBuffer b = &m->desc->pBuffers[i];
        switch (msg_part_of(b)) {
        case PART_DATA:
            if (m->one[PART_STREAM] != NULL && b == m->one[PART_DATA])
                iov_add(s, GSS_IOV_BUFFER_TYPE_DATA, b, NULL, 0); /* output: into the stream */
            else
                iov_add(s,
                        msg_is_sign_only(b) ? GSS_IOV_BUFFER_TYPE_SIGN_ONLY : GSS_IOV_BUFFER_TYPE_DATA,
                        b, b->pvBuffer, b->cbBuffer);
            break;
        case PART_TOKEN:
            iov_add(s, mic ? GSS_IOV_BUFFER_TYPE_MIC_TOKEN : GSS_IOV_BUFFER_TYPE_HEADER, b,
                    b->pvBuffer, b->cbBuffer);
            break;
        case PART_PADDING:
            if (!mic)
                iov_add(s, GSS_IOV_BUFFER_TYPE_PADDING, b, b->pvBuffer, b->cbBuffer);
            break;
        case PART_STREAM:
            iov_add(s, GSS_IOV_BUFFER_TYPE_STREAM, b, b->pvBuffer, b->cbBuffer);
            break;
        case PART_STREAM_HEADER:
            iov_add(s, GSS_IOV_BUFFER_TYPE_HEADER, b, b->pvBuffer, b->cbBuffer);
            break;
        case PART_STREAM_TRAILER:
            iov_add(s, GSS_IOV_BUFFER_TYPE_PADDING, b, b->pvBuffer, 0);
            iov_add(s, GSS_IOV_BUFFER_TYPE_TRAILER, NULL, b->pvBuffer, b->cbBuffer);
            break;
        default:
            break;
        }
    }
    return SEC_E_OK;
}

/* Lengths GSS produced go back to the caller's buffers. */
static void iov_write_back(struct msg *m, struct iov_set *s)
{
    for (int i = 0; i < s->count; i++) {
        PSecBuffer b = s->src[i];
        if (b == NULL)
            continue;
        if (msg_part_of(b) == PART_STREAM_TRAILER) {
            b->cbBuffer = (ULONG)(s->iov[i].buffer.length + s->iov[i + 1].buffer.length);
        } else if (msg_part_of(b) != PART_STREAM) {
            /* In place, except the DATA of a stream: it points into the stream. */
            b->cbBuffer = (ULONG)s->iov[i].buffer.length;
            if (s->iov[i].buffer.value != NULL)
                b->pvBuffer = s->iov[i].buffer.value;
        }
    }
}

/* Before wrapping: the caller's TOKEN / PADDING / STREAM_TRAILER must hold
 * what GSS will put there; GSS says how much for these lengths. */
static SECURITY_STATUS iov_check_room(struct msg *m, struct iov_set *s, int conf)
{
    OM_uint32 major, minor;
    SECURITY_STATUS status = SEC_E_OK;
    /* Padding the mechanism needs but pMessage has no buffer for (MIT's
     * length call itself fails then). */
    if (iov_find(s, GSS_IOV_BUFFER_TYPE_PADDING) == NULL) {
        gss_iov_buffer_desc probe[3] = {{GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
                                        {GSS_IOV_BUFFER_TYPE_DATA, {m->data_len, NULL}},
                                        {GSS_IOV_BUFFER_TYPE_PADDING, {0, NULL}}};
        major = gss_wrap_iov_length(&minor, m->ctx->gss, conf, GSS_C_QOP_DEFAULT, NULL, probe, 3);
        if (!GSS_ERROR(major) && probe[2].buffer.length > 0) {
            trace("%s: this key needs a SECBUFFER_PADDING buffer of %zu bytes (cbBlockSize)", m->fn,
                  probe[2].buffer.length);
            return msg_reject(m, SEC_E_INVALID_TOKEN, "no PADDING buffer");
        }
    }
    gss_iov_buffer_desc small[sizeof(s->small_iov) / sizeof(s->small_iov[0]) + 1];
    gss_iov_buffer_desc *lens = (size_t)s->count <= sizeof(small) / sizeof(small[0])
                                    ? small
                                    : calloc((size_t)s->count, sizeof(*lens));
    if (lens == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(lens, s->iov, (size_t)s->count * sizeof(*lens));
    major = gss_wrap_iov_length(&minor, m->ctx->gss, conf, GSS_C_QOP_DEFAULT, NULL, lens, s->count);
    if (GSS_ERROR(major)) {
        status = msg_fail_gss(m, major, minor);
        goto out;
    }
    for (int i = 0; i < s->count; i++) {
        OM_uint32 type = GSS_IOV_BUFFER_TYPE(lens[i].type);
        PSecBuffer b = s->src[i];
        if (type == GSS_IOV_BUFFER_TYPE_HEADER && lens[i].buffer.length > b->cbBuffer) {
            trace("%s: the %s buffer has %u bytes, the mechanism needs %zu", m->fn,
                  msg_part_of(b) == PART_TOKEN ? "TOKEN" : "STREAM_HEADER", (unsigned)b->cbBuffer,
                  lens[i].buffer.length);
            status = msg_reject(m, SEC_E_BUFFER_TOO_SMALL, "header does not fit");
            goto out;
        }
        if (type == GSS_IOV_BUFFER_TYPE_PADDING && b != NULL && msg_part_of(b) == PART_STREAM_TRAILER) {
            size_t need = lens[i].buffer.length + lens[i + 1].buffer.length;
            if (need > b->cbBuffer) {
                trace("%s: STREAM_TRAILER has %u bytes, needs %zu", m->fn, (unsigned)b->cbBuffer,
                      need);
                status = msg_reject(m, SEC_E_BUFFER_TOO_SMALL, "trailer does not fit");
                goto out;
            }
            /* PADDING then TRAILER, back to back in the caller's trailer. */
            s->iov[i].buffer.length = lens[i].buffer.length;
            s->iov[i + 1].buffer.value = (unsigned char *)b->pvBuffer + lens[i].buffer.length;
            s->iov[i + 1].buffer.length = lens[i + 1].buffer.length;
        } else if (type == GSS_IOV_BUFFER_TYPE_PADDING && lens[i].buffer.length > b->cbBuffer) {
            trace("%s: PADDING has %u bytes, needs %zu", m->fn, (unsigned)b->cbBuffer,
                  lens[i].buffer.length);
            status = msg_reject(m, SEC_E_BUFFER_TOO_SMALL, "padding does not fit");
            goto out;
        }
    }
out:
    if (lens != small)
        free(lens);
    return status;
}

SECURITY_STATUS krb5_sign(struct msg *m)
{
    OM_uint32 major, minor;
    struct iov_set s;
    SECURITY_STATUS status = iov_build(m, &s);
    if (status != SEC_E_OK)
        goto out;
    major = gss_get_mic_iov(&minor, m->ctx->gss, GSS_C_QOP_DEFAULT, s.iov, s.count);
    if (major != GSS_S_COMPLETE) {
        status = msg_fail_gss(m, major, minor);
        goto out;
    }
    m->one[PART_TOKEN]->cbBuffer =
        (ULONG)iov_find(&s, GSS_IOV_BUFFER_TYPE_MIC_TOKEN)->buffer.length;
    m->token_len = m->one[PART_TOKEN]->cbBuffer;
out:
    iov_free(&s);
    return status;
}

SECURITY_STATUS krb5_verify(struct msg *m)
{
    OM_uint32 major, minor;
    struct iov_set s;
    SECURITY_STATUS status = iov_build(m, &s);
    if (status != SEC_E_OK)
        goto out;
    major = gss_verify_mic_iov(&minor, m->ctx->gss, NULL, s.iov, s.count);
    if (major != GSS_S_COMPLETE)
        status = msg_fail_gss(m, major, minor);
out:
    iov_free(&s);
    return status;
}

SECURITY_STATUS krb5_seal(struct msg *m)
{
    OM_uint32 major, minor;
    struct iov_set s;
    int conf = m->qop != SECQOP_WRAP_NO_ENCRYPT;
    SECURITY_STATUS status = iov_build(m, &s);
    /* MIT refuses a short TOKEN or PADDING itself (KRB5_BAD_MSIZE, before
     * it uses a sequence number); the stream trailer must be split and a
     * missing PADDING named beforehand. */
    if (status == SEC_E_OK &&
        (m->one[PART_STREAM_TRAILER] != NULL || iov_find(&s, GSS_IOV_BUFFER_TYPE_PADDING) == NULL))
        status = iov_check_room(m, &s, conf);
    if (status != SEC_E_OK)
        goto out;
    major = gss_wrap_iov(&minor, m->ctx->gss, conf, GSS_C_QOP_DEFAULT, NULL, s.iov, s.count);
    if (major != GSS_S_COMPLETE) {
        status = msg_fail_gss(m, major, minor);
        goto out;
    }
    iov_write_back(m, &s);
    m->token_len = (ULONG)iov_find(&s, GSS_IOV_BUFFER_TYPE_HEADER)->buffer.length;
out:
    iov_free(&s);
    return status;
}

SECURITY_STATUS krb5_unseal(struct msg *m)
{
    OM_uint32 major, minor;
    struct iov_set s;
    int conf = 1;
    SECURITY_STATUS status = msg_stream_complete(m);
    if (status != SEC_E_OK)
        return status;
    status = iov_build(m, &s);
    if (status != SEC_E_OK)
        goto out;
    major = gss_unwrap_iov(&minor, m->ctx->gss, &conf, NULL, s.iov, s.count);
    m->qop = conf ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    if (major != GSS_S_COMPLETE) {
        status = msg_fail_gss(m, major, minor);
        goto out;
    }
    iov_write_back(m, &s);
out:
    iov_free(&s);
    return status;
}

