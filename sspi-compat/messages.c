/*
 * messages.c - MakeSignature, VerifySignature, EncryptMessage and
 * DecryptMessage, in place, with the buffer layouts Windows callers build,
 * and the sizes QueryContextAttributes(SIZES / STREAM_SIZES) reports for them.
 *
 * Layouts (SecBuffer types; DATA buffers flagged SECBUFFER_READONLY or
 * SECBUFFER_READONLY_WITH_CHECKSUM are signed but neither encrypted nor
 * changed, as DCE/RPC header signing expects):
 *   MakeSignature / VerifySignature   DATA... + TOKEN (the signature)
 *   EncryptMessage / DecryptMessage   TOKEN + DATA... [+ PADDING]      (Kerberos, NTLM)
 *   EncryptMessage                    STREAM_HEADER + DATA + STREAM_TRAILER
 *   DecryptMessage                    STREAM + DATA (empty; on success it points
 *                                     into the stream at the plaintext)
 *
 * Kerberos goes through the GSS IOV calls.  With a HEADER (the TOKEN buffer)
 * and no TRAILER, MIT's gss_wrap_iov puts the CFX trailer into the header and
 * records it in the RRC field, which is what Windows (and DCE) put in the
 * TOKEN buffer: TOKEN || DATA || PADDING is a wrap token any GSS peer unwraps.
 * gss-ntlmssp 1.2 has no IOV entry points, so NTLM goes through
 * gss_wrap/gss_unwrap (token = 16-byte signature || sealed data, the
 * Windows TOKEN and DATA) and gss_get_mic/gss_verify_mic.
 *
 * Decisions (Windows behaviour where it is documented):
 * - A context that is not yet established has no message services: on
 *   Windows the user-mode context that serves these calls is created only
 *   when the context is complete (SpInitUserModeContext), so the handle is
 *   not one they accept: SEC_E_INVALID_HANDLE.
 * - MessageSeqNo: Kerberos and connection-oriented NTLM keep their own
 *   sequence numbers (MS-NLMP 3.4.4), so it is ignored, as Windows does.  A
 *   datagram NTLM context takes the application's number (MS-NLMP 3.4.4:
 *   "SHOULD be specified by the application"), passed to gss-ntlmssp with
 *   its SET_SEQ_NUM option before each call.
 * - fQOP: 0, or SECQOP_WRAP_NO_ENCRYPT for EncryptMessage (a signed, not
 *   encrypted wrap token; DecryptMessage reports it in *pfQOP).  NTLM wrap
 *   tokens carry no such flag and gss-ntlmssp always seals: NTLM refuses it
 *   with SEC_E_QOP_NOT_SUPPORTED.  Any other value: SEC_E_QOP_NOT_SUPPORTED.
 * - Errors follow the mechanism: a changed byte is SEC_E_MESSAGE_ALTERED;
 *   Kerberos replays and reordering (when the context has REPLAY_DETECT /
 *   SEQUENCE_DETECT) are SEC_E_INVALID_TOKEN / SEC_E_OUT_OF_SEQUENCE, for
 *   signatures as for sealed messages.
 * - NTLM EncryptMessage on a context without confidentiality:
 *   SEC_E_QOP_NOT_SUPPORTED (see ntlm_seal).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi_ntlmssp.h>
#include <krb5/krb5.h>

#include "der.h"
#include "internal.h"

enum op { OP_SIGN, OP_VERIFY, OP_SEAL, OP_UNSEAL };

/* The part a SecBuffer plays; every part but DATA appears at most once. */
enum part {
    PART_IGNORED,
    PART_DATA,
    PART_TOKEN,
    PART_PADDING,
    PART_STREAM,
    PART_STREAM_HEADER,
    PART_STREAM_TRAILER,
    PART_EMPTY,
    PART_COUNT
};

static const struct {
    ULONG type;
    enum part part;
} buffer_parts[] = {
    {SECBUFFER_DATA, PART_DATA},
    {SECBUFFER_TOKEN, PART_TOKEN},
    {SECBUFFER_PADDING, PART_PADDING},
    {SECBUFFER_STREAM, PART_STREAM},
    {SECBUFFER_STREAM_HEADER, PART_STREAM_HEADER},
    {SECBUFFER_STREAM_TRAILER, PART_STREAM_TRAILER},
    {SECBUFFER_EMPTY, PART_EMPTY},
};

/* One call's view of pMessage. */
struct msg {
    enum op op;
    const char *fn;
    struct sspi_ctx *ctx;
    PSecBufferDesc desc;
    PSecBuffer one[PART_COUNT]; /* the single-instance parts; one[PART_DATA] = first */
    ULONG data_count;           /* DATA buffers that are encrypted */
    ULONG sign_only_count;      /* read-only DATA buffers: signed only */
    size_t data_len, sign_only_len;
    bool ntlm;
    ULONG qop;       /* fQOP asked for (sign, seal); *pfQOP found (verify, unseal) */
    ULONG token_len; /* the TOKEN produced (sign, seal) */
};

#define SIGN_ONLY_FLAGS (SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM)
#define NTLM_SIGNATURE 16 /* MS-NLMP 2.2.2.9: NTLMSSP_MESSAGE_SIGNATURE */

static enum part part_of(const SecBuffer *b)
{
    ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
    for (size_t i = 0; i < sizeof(buffer_parts) / sizeof(buffer_parts[0]); i++)
        if (buffer_parts[i].type == type)
            return buffer_parts[i].part;
    return PART_IGNORED;
}

static bool is_sign_only(const SecBuffer *b)
{
    return (b->BufferType & SIGN_ONLY_FLAGS) != 0;
}

static SECURITY_STATUS reject(struct msg *m, SECURITY_STATUS status, const char *why)
{
    trace("%s: %s", m->fn, why);
    if (m->ctx != NULL)
        context_record_error(m->ctx, m->fn, status, 0, 0);
    return status;
}

static SECURITY_STATUS fail_gss(struct msg *m, OM_uint32 major, OM_uint32 minor)
{
    SECURITY_STATUS status = status_from_gss(major, minor, m->ctx->role, m->ctx->mech);
    if (status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED)
        status = SEC_E_INTERNAL_ERROR; /* never report success for a refused message */
    /* MIT reports a failed allocation while decrypting or checking as
     * GSS_S_BAD_SIG with minor ENOMEM: memory pressure, not tampering. */
    if (status_mech_minor(major, minor) == ENOMEM)
        status = SEC_E_INSUFFICIENT_MEMORY;
    /* MIT says KRB5_BAD_MSIZE when an output buffer is too small. */
    if (GSS_ROUTINE_ERROR(major) == GSS_S_FAILURE &&
        status_mech_minor(major, minor) == (OM_uint32)KRB5_BAD_MSIZE &&
        (m->op == OP_SIGN || m->op == OP_SEAL))
        status = SEC_E_BUFFER_TOO_SMALL;
    context_record_error(m->ctx, m->fn, status, major, minor);
    return status;
}

/* Looks the handle and pMessage over and classifies the buffers. */
static SECURITY_STATUS msg_begin(struct msg *m, enum op op, const char *fn, PCtxtHandle phContext,
                                 PSecBufferDesc pMessage)
{
    memset(m, 0, sizeof(*m));
    m->op = op;
    m->fn = fn;
    m->desc = pMessage;
    m->ctx = context_lookup(phContext);
    if (m->ctx == NULL)
        return reject(m, SEC_E_INVALID_HANDLE, "phContext is not a context handle");
    if (!m->ctx->established || m->ctx->gss == GSS_C_NO_CONTEXT)
        return reject(m, SEC_E_INVALID_HANDLE,
                      "the context is not established: no message services yet");
    if (!buffers_desc_valid(pMessage))
        return reject(m, SEC_E_INVALID_TOKEN, "pMessage is not a valid SecBufferDesc");
    m->ntlm = oid_equal(m->ctx->mech, &oid_ntlmssp);
    for (ULONG i = 0; i < pMessage->cBuffers; i++) {
        PSecBuffer b = &pMessage->pBuffers[i];
        enum part part = part_of(b);
        if (b->cbBuffer > 0 && b->pvBuffer == NULL && part != PART_IGNORED && part != PART_EMPTY)
            return reject(m, SEC_E_INVALID_TOKEN, "a buffer has a length but no memory");
        if (m->data_len + m->sign_only_len + b->cbBuffer < m->data_len + m->sign_only_len)
            return reject(m, SEC_E_INVALID_TOKEN, "the buffers add up to more than memory holds");
        if (part == PART_DATA) {
            if (is_sign_only(b)) {
                m->sign_only_count++;
                m->sign_only_len += b->cbBuffer;
                continue;
            }
            if (m->one[PART_DATA] == NULL)
                m->one[PART_DATA] = b;
            m->data_count++;
            m->data_len += b->cbBuffer;
            continue;
        }
        if (part == PART_IGNORED)
            continue;
        if (part == PART_EMPTY) {
            if (m->one[PART_EMPTY] == NULL)
                m->one[PART_EMPTY] = b;
            continue;
        }
        if (m->one[part] != NULL)
            return reject(m, SEC_E_INVALID_TOKEN,
                          "pMessage repeats a TOKEN, PADDING or STREAM buffer");
        m->one[part] = b;
    }
    return SEC_E_OK;
}

/* MessageSeqNo: see the header comment. */
static SECURITY_STATUS apply_seq_no(struct msg *m, ULONG seq_no)
{
    static gss_OID_desc set_seq_num = {GSS_NTLMSSP_SET_SEQ_NUM_OID_LENGTH,
                                       GSS_NTLMSSP_SET_SEQ_NUM_OID_STRING};
    OM_uint32 major, minor;
    if (!m->ntlm || !(m->ctx->gss_flags & GSS_C_DATAGRAM_FLAG))
        return SEC_E_OK;
    uint32_t value = seq_no; /* host order, as gss-ntlmssp wants */
    gss_buffer_desc buf = {sizeof(value), &value};
    major = gss_set_sec_context_option(&minor, &m->ctx->gss, &set_seq_num, &buf);
    return GSS_ERROR(major) ? fail_gss(m, major, minor) : SEC_E_OK;
}

static void msg_trace(const struct msg *m, SECURITY_STATUS status, size_t token_len)
{
    if (!trace_enabled())
        return;
    const struct package *used = package_for_mech(m->ctx->mech);
    trace("%s(%s, %zu bytes%s, qop=0x%x) = %s, token=%zu", m->fn, used ? used->name : "?",
          m->data_len + m->sign_only_len, m->one[PART_STREAM] ? " stream" : "", (unsigned)m->qop,
          status_name(status), token_len);
}

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
        switch (part_of(b)) {
        case PART_DATA:
            if (m->one[PART_STREAM] != NULL && b == m->one[PART_DATA])
                iov_add(s, GSS_IOV_BUFFER_TYPE_DATA, b, NULL, 0); /* output: into the stream */
            else
                iov_add(s,
                        is_sign_only(b) ? GSS_IOV_BUFFER_TYPE_SIGN_ONLY : GSS_IOV_BUFFER_TYPE_DATA,
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
        if (part_of(b) == PART_STREAM_TRAILER) {
            b->cbBuffer = (ULONG)(s->iov[i].buffer.length + s->iov[i + 1].buffer.length);
        } else if (part_of(b) != PART_STREAM) {
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
            return reject(m, SEC_E_INVALID_TOKEN, "no PADDING buffer");
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
        status = fail_gss(m, major, minor);
        goto out;
    }
    for (int i = 0; i < s->count; i++) {
        OM_uint32 type = GSS_IOV_BUFFER_TYPE(lens[i].type);
        PSecBuffer b = s->src[i];
        if (type == GSS_IOV_BUFFER_TYPE_HEADER && lens[i].buffer.length > b->cbBuffer) {
            trace("%s: the %s buffer has %u bytes, the mechanism needs %zu", m->fn,
                  part_of(b) == PART_TOKEN ? "TOKEN" : "STREAM_HEADER", (unsigned)b->cbBuffer,
                  lens[i].buffer.length);
            status = reject(m, SEC_E_BUFFER_TOO_SMALL, "header does not fit");
            goto out;
        }
        if (type == GSS_IOV_BUFFER_TYPE_PADDING && b != NULL && part_of(b) == PART_STREAM_TRAILER) {
            size_t need = lens[i].buffer.length + lens[i + 1].buffer.length;
            if (need > b->cbBuffer) {
                trace("%s: STREAM_TRAILER has %u bytes, needs %zu", m->fn, (unsigned)b->cbBuffer,
                      need);
                status = reject(m, SEC_E_BUFFER_TOO_SMALL, "trailer does not fit");
                goto out;
            }
            /* PADDING then TRAILER, back to back in the caller's trailer. */
            s->iov[i].buffer.length = lens[i].buffer.length;
            s->iov[i + 1].buffer.value = (unsigned char *)b->pvBuffer + lens[i].buffer.length;
            s->iov[i + 1].buffer.length = lens[i + 1].buffer.length;
        } else if (type == GSS_IOV_BUFFER_TYPE_PADDING && lens[i].buffer.length > b->cbBuffer) {
            trace("%s: PADDING has %u bytes, needs %zu", m->fn, (unsigned)b->cbBuffer,
                  lens[i].buffer.length);
            status = reject(m, SEC_E_BUFFER_TOO_SMALL, "padding does not fit");
            goto out;
        }
    }
out:
    if (lens != small)
        free(lens);
    return status;
}

static SECURITY_STATUS krb5_sign(struct msg *m)
{
    OM_uint32 major, minor;
    struct iov_set s;
    SECURITY_STATUS status = iov_build(m, &s);
    if (status != SEC_E_OK)
        goto out;
    major = gss_get_mic_iov(&minor, m->ctx->gss, GSS_C_QOP_DEFAULT, s.iov, s.count);
    if (major != GSS_S_COMPLETE) {
        status = fail_gss(m, major, minor);
        goto out;
    }
    m->one[PART_TOKEN]->cbBuffer =
        (ULONG)iov_find(&s, GSS_IOV_BUFFER_TYPE_MIC_TOKEN)->buffer.length;
    m->token_len = m->one[PART_TOKEN]->cbBuffer;
out:
    iov_free(&s);
    return status;
}

static SECURITY_STATUS krb5_verify(struct msg *m)
{
    OM_uint32 major, minor;
    struct iov_set s;
    SECURITY_STATUS status = iov_build(m, &s);
    if (status != SEC_E_OK)
        goto out;
    major = gss_verify_mic_iov(&minor, m->ctx->gss, NULL, s.iov, s.count);
    if (major != GSS_S_COMPLETE)
        status = fail_gss(m, major, minor);
out:
    iov_free(&s);
    return status;
}

static SECURITY_STATUS krb5_seal(struct msg *m)
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
        status = fail_gss(m, major, minor);
        goto out;
    }
    iov_write_back(m, &s);
    m->token_len = (ULONG)iov_find(&s, GSS_IOV_BUFFER_TYPE_HEADER)->buffer.length;
out:
    iov_free(&s);
    return status;
}

/* A SECBUFFER_STREAM shorter than the token: how many bytes are missing,
 * when the token says (RFC 1964 framing has a DER length; a CFX token has
 * none, so only its minimum size is known).  0 when it may be complete. */
static size_t stream_missing(struct msg *m, const unsigned char *p, size_t len)
{
    OM_uint32 minor;
    if (m->ntlm)
        return len < NTLM_SIGNATURE ? NTLM_SIGNATURE - len : 0;
    if (len < 2)
        return 2 - len;
    if (p[0] == 0x60)
        return der_missing(p, len); /* a length we do not read: GSS judges */
    if (p[0] == 0x05 && p[1] == 0x04) {
        if (len < 16)
            return 16 - len;
        /* The smallest token of this kind: an empty message. */
        int conf = (p[2] & 0x02) != 0; /* RFC 4121 4.2.2 Sealed flag */
        gss_iov_buffer_desc probe[4] = {{GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
                                        {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
                                        {GSS_IOV_BUFFER_TYPE_PADDING, {0, NULL}},
                                        {GSS_IOV_BUFFER_TYPE_TRAILER, {0, NULL}}};
        if (GSS_ERROR(
                gss_wrap_iov_length(&minor, m->ctx->gss, conf, GSS_C_QOP_DEFAULT, NULL, probe, 4)))
            return 0;
        size_t min = probe[0].buffer.length + probe[2].buffer.length + probe[3].buffer.length;
        return len < min ? min - len : 0;
    }
    return 0;
}

/* A SECBUFFER_STREAM shorter than its token: SEC_E_INCOMPLETE_MESSAGE,
 * with the count in an EMPTY buffer turned SECBUFFER_MISSING when the
 * caller gave one (as Schannel callers do). */
static SECURITY_STATUS stream_complete(struct msg *m)
{
    PSecBuffer stream = m->one[PART_STREAM], empty = m->one[PART_EMPTY];
    size_t missing = stream ? stream_missing(m, stream->pvBuffer, stream->cbBuffer) : 0;
    if (missing == 0)
        return SEC_E_OK;
    if (empty != NULL) {
        empty->BufferType = SECBUFFER_MISSING;
        empty->cbBuffer = (ULONG)missing;
    }
    trace("%s: the stream lacks %zu more bytes", m->fn, missing);
    context_record_error(m->ctx, m->fn, SEC_E_INCOMPLETE_MESSAGE, 0, 0);
    return SEC_E_INCOMPLETE_MESSAGE;
}

static SECURITY_STATUS krb5_unseal(struct msg *m)
{
    OM_uint32 major, minor;
    struct iov_set s;
    int conf = 1;
    SECURITY_STATUS status = stream_complete(m);
    if (status != SEC_E_OK)
        return status;
    status = iov_build(m, &s);
    if (status != SEC_E_OK)
        goto out;
    major = gss_unwrap_iov(&minor, m->ctx->gss, &conf, NULL, s.iov, s.count);
    m->qop = conf ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    if (major != GSS_S_COMPLETE) {
        status = fail_gss(m, major, minor);
        goto out;
    }
    iov_write_back(m, &s);
out:
    iov_free(&s);
    return status;
}

/* ---- NTLM (gss-ntlmssp: no IOV) -------------------------------------------- */

/* Copies the DATA buffers (and the signed-only ones, when asked) to dst,
 * in order. */
static void copy_data(const struct msg *m, bool sign_only, unsigned char *dst)
{
    for (ULONG i = 0; i < m->desc->cBuffers; i++) {
        PSecBuffer b = &m->desc->pBuffers[i];
        if (part_of(b) != PART_DATA || (is_sign_only(b) && !sign_only) || b->cbBuffer == 0)
            continue;
        memcpy(dst, b->pvBuffer, b->cbBuffer);
        dst += b->cbBuffer;
    }
}

/* The bytes of the DATA buffers (and the signed-only ones, when asked) in
 * order: the buffer itself when there is one, else a copy (*owned). */
static SECURITY_STATUS gather(struct msg *m, bool sign_only, gss_buffer_desc *out, bool *owned)
{
    size_t total = m->data_len + (sign_only ? m->sign_only_len : 0);
    ULONG count = m->data_count + (sign_only ? m->sign_only_count : 0);
    *owned = false;
    out->length = total;
    out->value = NULL;
    if (total == 0)
        return SEC_E_OK;
    if (count > 1) {
        out->value = malloc(total);
        if (out->value == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        *owned = true;
        copy_data(m, sign_only, out->value);
        return SEC_E_OK;
    }
    for (ULONG i = 0; i < m->desc->cBuffers && out->value == NULL; i++) {
        PSecBuffer b = &m->desc->pBuffers[i];
        if (part_of(b) == PART_DATA && (!is_sign_only(b) || sign_only) && b->cbBuffer > 0)
            out->value = b->pvBuffer;
    }
    return SEC_E_OK;
}

static void release_gathered(gss_buffer_desc *buf, bool owned)
{
    if (owned)
        secure_free(buf->value, buf->length); /* plaintext */
}

/* Copies src back over the encrypted DATA buffers, in order. */
static void scatter(struct msg *m, const unsigned char *src)
{
    for (ULONG i = 0; i < m->desc->cBuffers; i++) {
        PSecBuffer b = &m->desc->pBuffers[i];
        if (part_of(b) != PART_DATA || is_sign_only(b) || b->cbBuffer == 0)
            continue;
        memmove(b->pvBuffer, src, b->cbBuffer);
        src += b->cbBuffer;
    }
}

/* The message to sign, verify or seal, gathered (see gather); on failure
 * nothing is left to release.  gss-ntlmssp 1.2 refuses empty messages in
 * gss_wrap, gss_get_mic and gss_verify_mic (GSS_S_CALL_INACCESSIBLE_READ),
 * and has no IOV calls to get around it: an empty NTLM message cannot be
 * signed or sealed here. */
static SECURITY_STATUS ntlm_message_bytes(struct msg *m, bool sign_only, gss_buffer_desc *msg,
                                          bool *owned)
{
    SECURITY_STATUS status = gather(m, sign_only, msg, owned);
    if (status != SEC_E_OK)
        return reject(m, status, "out of memory");
    if (msg->length > 0)
        return SEC_E_OK;
    return reject(m, SEC_E_UNSUPPORTED_FUNCTION,
                  "gss-ntlmssp 1.2 cannot sign or seal an empty NTLM message");
}

/* The mechanism's per-message overhead (its signature), from GSS: the same
 * for every message of a context, so asked once. */
static SECURITY_STATUS ntlm_overhead(struct msg *m, size_t *out)
{
    OM_uint32 major, minor, limit = 0;
    const OM_uint32 probe = 65536;
    if (m->ctx->ntlm_overhead == 0) {
        major = gss_wrap_size_limit(&minor, m->ctx->gss, 1, GSS_C_QOP_DEFAULT, probe, &limit);
        if (GSS_ERROR(major))
            return fail_gss(m, major, minor);
        m->ctx->ntlm_overhead = probe - limit;
    }
    *out = m->ctx->ntlm_overhead;
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_room(struct msg *m, PSecBuffer token)
{
    size_t need = 0;
    SECURITY_STATUS status = ntlm_overhead(m, &need);
    if (status != SEC_E_OK)
        return status;
    if (token->cbBuffer < need) {
        trace("%s: the signature buffer has %u bytes, NTLM needs %zu", m->fn,
              (unsigned)token->cbBuffer, need);
        return reject(m, SEC_E_BUFFER_TOO_SMALL, "signature does not fit");
    }
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_put_signature(struct msg *m, PSecBuffer token,
                                          const gss_buffer_desc *sig)
{
    if (sig->length > token->cbBuffer)
        return reject(m, SEC_E_INTERNAL_ERROR, "signature longer than the mechanism said");
    memcpy(token->pvBuffer, sig->value, sig->length);
    token->cbBuffer = (ULONG)sig->length;
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_sign(struct msg *m)
{
    OM_uint32 major, minor;
    gss_buffer_desc msg, mic = GSS_C_EMPTY_BUFFER;
    bool owned = false;
    SECURITY_STATUS status = ntlm_room(m, m->one[PART_TOKEN]);
    if (status == SEC_E_OK)
        status = ntlm_message_bytes(m, true, &msg, &owned);
    if (status != SEC_E_OK)
        return status;
    major = gss_get_mic(&minor, m->ctx->gss, GSS_C_QOP_DEFAULT, &msg, &mic);
    if (major != GSS_S_COMPLETE)
        status = fail_gss(m, major, minor);
    else
        status = ntlm_put_signature(m, m->one[PART_TOKEN], &mic);
    m->token_len = (ULONG)mic.length;
    gss_release_buffer(&minor, &mic);
    release_gathered(&msg, owned);
    return status;
}

static SECURITY_STATUS ntlm_verify(struct msg *m)
{
    OM_uint32 major, minor;
    gss_buffer_desc msg;
    gss_buffer_desc mic = {m->one[PART_TOKEN]->cbBuffer, m->one[PART_TOKEN]->pvBuffer};
    bool owned = false;
    /* gss-ntlmssp compares 16 bytes whatever the token's length. */
    if (mic.length != NTLM_SIGNATURE)
        return reject(m, SEC_E_INVALID_TOKEN, "an NTLM signature is 16 bytes");
    SECURITY_STATUS status = ntlm_message_bytes(m, true, &msg, &owned);
    if (status != SEC_E_OK)
        return status;
    major = gss_verify_mic(&minor, m->ctx->gss, &msg, &mic, NULL);
    if (major != GSS_S_COMPLETE)
        status = fail_gss(m, major, minor);
    release_gathered(&msg, owned);
    return status;
}

static SECURITY_STATUS ntlm_seal(struct msg *m)
{
    OM_uint32 major, minor;
    gss_buffer_desc msg, out = GSS_C_EMPTY_BUFFER;
    bool owned = false;
    PSecBuffer token = m->one[PART_TOKEN] ? m->one[PART_TOKEN] : m->one[PART_STREAM_HEADER];
    /* gss-ntlmssp 1.2.0 seals with the session keys whatever was negotiated;
     * Windows NTLM seals only on a context that negotiated confidentiality.
     * The EncryptMessage (NTLM) reference page, Return value table
     * (learn.microsoft.com/windows/win32/secauthn/encryptmessage--ntlm), gives
     * SEC_E_QOP_NOT_SUPPORTED: "Neither confidentiality nor integrity are
     * supported by the security context". */
    if (!(m->ctx->gss_flags & GSS_C_CONF_FLAG))
        return reject(m, SEC_E_QOP_NOT_SUPPORTED,
                      "confidentiality was not negotiated on this NTLM context");
    SECURITY_STATUS status = ntlm_room(m, token);
    if (status == SEC_E_OK)
        status = ntlm_message_bytes(m, false, &msg, &owned);
    if (status != SEC_E_OK)
        return status;
    major = gss_wrap(&minor, m->ctx->gss, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &out);
    if (major != GSS_S_COMPLETE) {
        status = fail_gss(m, major, minor);
        goto out;
    }
    if (out.length < msg.length) {
        status = reject(m, SEC_E_INTERNAL_ERROR, "wrap token shorter than the message");
        goto out;
    }
    gss_buffer_desc sig = {out.length - msg.length, out.value};
    status = ntlm_put_signature(m, token, &sig);
    if (status != SEC_E_OK)
        goto out;
    scatter(m, (unsigned char *)out.value + sig.length);
    m->token_len = (ULONG)sig.length;
    if (m->one[PART_PADDING] != NULL)
        m->one[PART_PADDING]->cbBuffer = 0; /* a stream cipher: no padding */
    if (m->one[PART_STREAM_TRAILER] != NULL)
        m->one[PART_STREAM_TRAILER]->cbBuffer = 0;
out:
    gss_release_buffer(&minor, &out);
    release_gathered(&msg, owned);
    return status;
}

/* The wrap token gss_unwrap takes: the signature, then the sealed data.
 * Windows receivers point TOKEN and DATA into one receive buffer, back to
 * back: then it is there already; else it is joined in a copy (*joined,
 * ciphertext only). */
static SECURITY_STATUS ntlm_wrap_token(struct msg *m, gss_buffer_desc *in, unsigned char **joined)
{
    PSecBuffer sig = m->one[PART_TOKEN], data = m->one[PART_DATA];
    *joined = NULL;
    if (sig->cbBuffer != NTLM_SIGNATURE)
        return reject(m, SEC_E_INVALID_TOKEN, "an NTLM signature is 16 bytes");
    in->length = sig->cbBuffer + m->data_len;
    if (m->data_count == 1 && (unsigned char *)sig->pvBuffer + sig->cbBuffer == data->pvBuffer) {
        in->value = sig->pvBuffer;
        return SEC_E_OK;
    }
    *joined = malloc(in->length);
    if (*joined == NULL)
        return reject(m, SEC_E_INSUFFICIENT_MEMORY, "out of memory");
    memcpy(*joined, sig->pvBuffer, sig->cbBuffer);
    copy_data(m, false, *joined + sig->cbBuffer);
    in->value = *joined;
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_unseal(struct msg *m)
{
    OM_uint32 major, minor;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    unsigned char *joined = NULL;
    PSecBuffer stream = m->one[PART_STREAM];
    SECURITY_STATUS status = stream_complete(m);
    if (status != SEC_E_OK)
        return status;
    if (stream != NULL) {
        in.value = stream->pvBuffer;
        in.length = stream->cbBuffer;
    } else {
        status = ntlm_wrap_token(m, &in, &joined);
        if (status != SEC_E_OK)
            return status;
    }
    major = gss_unwrap(&minor, m->ctx->gss, &in, &out, NULL, NULL);
    if (major != GSS_S_COMPLETE) {
        status = fail_gss(m, major, minor);
        goto out;
    }
    if (stream != NULL) {
        PSecBuffer data_buf = m->one[PART_DATA];
        unsigned char *plain = (unsigned char *)stream->pvBuffer + (in.length - out.length);
        if (out.length > 0)
            memcpy(plain, out.value, out.length);
        data_buf->pvBuffer = plain;
        data_buf->cbBuffer = (ULONG)out.length;
    } else {
        if (out.length != m->data_len) {
            status = reject(m, SEC_E_INTERNAL_ERROR, "unwrapped length differs from the data");
            goto out;
        }
        if (out.length > 0)
            scatter(m, out.value);
    }
out:
    if (out.value != NULL)
        explicit_bzero(out.value, out.length);
    gss_release_buffer(&minor, &out);
    free(joined);
    return status;
}

/* ---- The four functions ------------------------------------------------------- */

/* What pMessage must hold for each function (fQOP is in m->qop). */
static SECURITY_STATUS signature_layout(struct msg *m)
{
    if (m->qop != 0)
        return reject(m, SEC_E_QOP_NOT_SUPPORTED, "fQOP must be 0 for signatures");
    if (m->one[PART_TOKEN] == NULL)
        return reject(m, SEC_E_INVALID_TOKEN, "pMessage has no SECBUFFER_TOKEN for the signature");
    return SEC_E_OK;
}

static SECURITY_STATUS seal_layout(struct msg *m)
{
    bool stream = m->one[PART_STREAM_HEADER] != NULL || m->one[PART_STREAM_TRAILER] != NULL;
    if (m->qop != 0 && m->qop != SECQOP_WRAP_NO_ENCRYPT)
        return reject(m, SEC_E_QOP_NOT_SUPPORTED, "fQOP is neither 0 nor SECQOP_WRAP_NO_ENCRYPT");
    if (m->qop == SECQOP_WRAP_NO_ENCRYPT && m->ntlm)
        return reject(m, SEC_E_QOP_NOT_SUPPORTED, "NTLM always seals: no SECQOP_WRAP_NO_ENCRYPT");
    if (m->data_count == 0)
        return reject(m, SEC_E_INVALID_TOKEN, "pMessage has no SECBUFFER_DATA");
    if (m->one[PART_STREAM] != NULL)
        return reject(m, SEC_E_INVALID_TOKEN, "SECBUFFER_STREAM is for DecryptMessage");
    if (stream ? (m->one[PART_TOKEN] != NULL || m->one[PART_STREAM_HEADER] == NULL ||
                  m->one[PART_STREAM_TRAILER] == NULL || m->data_count != 1)
               : m->one[PART_TOKEN] == NULL)
        return reject(m, SEC_E_INVALID_TOKEN,
                      "pMessage needs TOKEN + DATA, or STREAM_HEADER + one DATA + STREAM_TRAILER");
    if (m->ntlm && m->sign_only_count > 0)
        return reject(m, SEC_E_UNSUPPORTED_FUNCTION,
                      "gss-ntlmssp has no gss_wrap_iov: NTLM cannot sign READONLY buffers "
                      "while sealing others");
    return SEC_E_OK;
}

static SECURITY_STATUS unseal_layout(struct msg *m)
{
    if (m->data_count == 0)
        return reject(m, SEC_E_INVALID_TOKEN, "pMessage has no SECBUFFER_DATA");
    if (m->one[PART_STREAM] != NULL ? (m->one[PART_TOKEN] != NULL || m->data_count != 1)
                                    : m->one[PART_TOKEN] == NULL)
        return reject(m, SEC_E_INVALID_TOKEN,
                      "pMessage needs TOKEN + DATA, or STREAM + one (empty) DATA");
    if (m->ntlm && m->sign_only_count > 0)
        return reject(m, SEC_E_UNSUPPORTED_FUNCTION,
                      "gss-ntlmssp has no gss_unwrap_iov: NTLM cannot check READONLY buffers "
                      "while unsealing others");
    return SEC_E_OK;
}

typedef SECURITY_STATUS (*msg_step)(struct msg *m);

static const struct {
    const char *fn;
    msg_step layout, krb5, ntlm;
    bool makes_token; /* else the trace shows the TOKEN given */
} ops[] = {
    [OP_SIGN] = {"MakeSignature", signature_layout, krb5_sign, ntlm_sign, true},
    [OP_VERIFY] = {"VerifySignature", signature_layout, krb5_verify, ntlm_verify, false},
    [OP_SEAL] = {"EncryptMessage", seal_layout, krb5_seal, ntlm_seal, true},
    [OP_UNSEAL] = {"DecryptMessage", unseal_layout, krb5_unseal, ntlm_unseal, false},
};

/* One call: pMessage checked, MessageSeqNo applied, then the mechanism's
 * implementation; *pfQOP (when there is one) gets what it found. */
static SECURITY_STATUS msg_call(enum op op, PCtxtHandle phContext, PSecBufferDesc pMessage,
                                ULONG fQOP, ULONG MessageSeqNo, ULONG *pfQOP)
{
    struct msg m;
    SECURITY_STATUS status = msg_begin(&m, op, ops[op].fn, phContext, pMessage);
    if (status != SEC_E_OK)
        goto out;
    m.qop = fQOP;
    status = ops[op].layout(&m);
    if (status != SEC_E_OK)
        goto out;
    status = apply_seq_no(&m, MessageSeqNo);
    if (status == SEC_E_OK)
        status = m.ntlm ? ops[op].ntlm(&m) : ops[op].krb5(&m);
    if (status == SEC_E_OK && pfQOP != NULL)
        *pfQOP = m.qop;
    PSecBuffer token = m.one[PART_TOKEN];
    msg_trace(&m, status, ops[op].makes_token ? m.token_len : token ? token->cbBuffer : 0);
out:
    context_put(m.ctx);
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, ULONG fQOP,
                                                    PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    return msg_call(OP_SIGN, phContext, pMessage, fQOP, MessageSeqNo, NULL);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext,
                                                      PSecBufferDesc pMessage, ULONG MessageSeqNo,
                                                      ULONG *pfQOP)
{
    return msg_call(OP_VERIFY, phContext, pMessage, 0, MessageSeqNo, pfQOP);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP,
                                                     PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    return msg_call(OP_SEAL, phContext, pMessage, fQOP, MessageSeqNo, NULL);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage,
                                                     ULONG MessageSeqNo, ULONG *pfQOP)
{
    return msg_call(OP_UNSEAL, phContext, pMessage, 0, MessageSeqNo, pfQOP);
}

/* ---- Sizes (QueryContextAttributes) ------------------------------------------ */

/* The largest message: the token must stay below 2^31 bytes, the most a
 * SecBuffer length and MIT's RFC 1964 length arithmetic both handle. */
#define MAX_TOKEN 0x7FFFFFFFu

static OM_uint32 gcd(OM_uint32 a, OM_uint32 b)
{
    while (b != 0) {
        OM_uint32 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

SECURITY_STATUS message_sizes(struct sspi_ctx *ctx, struct message_sizes *out)
{
    OM_uint32 major, minor, limit = 0;
    struct msg m = {.fn = "QueryContextAttributes(SIZES)", .ctx = ctx, .op = OP_SEAL};
    memset(out, 0, sizeof(*out));
    if (!ctx->established || ctx->gss == GSS_C_NO_CONTEXT)
        return reject(&m, SEC_E_INVALID_HANDLE, "the context is not established");
    major = gss_wrap_size_limit(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT, MAX_TOKEN, &limit);
    if (GSS_ERROR(major))
        return fail_gss(&m, major, minor);
    out->max_message = limit;
    if (oid_equal(ctx->mech, &oid_ntlmssp)) {
        /* One 16-byte signature (MS-NLMP 2.2.2.9) for MICs and wrap tokens
         * alike; RC4 is a stream cipher: no padding, block size 0 (what
         * Windows reports). */
        out->max_signature = out->security_trailer = out->stream_header = MAX_TOKEN - limit;
        return SEC_E_OK;
    }
    gss_iov_buffer_desc mic[2] = {{GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
                                  {GSS_IOV_BUFFER_TYPE_MIC_TOKEN, {0, NULL}}};
    major = gss_get_mic_iov_length(&minor, ctx->gss, GSS_C_QOP_DEFAULT, mic, 2);
    if (GSS_ERROR(major))
        return fail_gss(&m, major, minor);
    out->max_signature = (ULONG)mic[1].buffer.length;
    /* Headers grow with the message (RFC 1964 DER lengths): size them for
     * the largest; padding: its granularity over a few lengths. */
    OM_uint32 block = 0;
    for (size_t len = 1; len <= 9; len++) {
        size_t data_len = len == 9 ? limit : len;
        gss_iov_buffer_desc tok[3] = {{GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
                                      {GSS_IOV_BUFFER_TYPE_DATA, {data_len, NULL}},
                                      {GSS_IOV_BUFFER_TYPE_PADDING, {0, NULL}}};
        gss_iov_buffer_desc str[4] = {{GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
                                      {GSS_IOV_BUFFER_TYPE_DATA, {data_len, NULL}},
                                      {GSS_IOV_BUFFER_TYPE_PADDING, {0, NULL}},
                                      {GSS_IOV_BUFFER_TYPE_TRAILER, {0, NULL}}};
        major = gss_wrap_iov_length(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT, NULL, tok, 3);
        if (!GSS_ERROR(major))
            major = gss_wrap_iov_length(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT, NULL, str, 4);
        if (GSS_ERROR(major))
            return fail_gss(&m, major, minor);
        if (len < 9)
            block = gcd(block, (OM_uint32)(len + tok[2].buffer.length));
        ULONG trailer = (ULONG)(str[2].buffer.length + str[3].buffer.length);
        out->security_trailer = out->security_trailer > tok[0].buffer.length
                                    ? out->security_trailer
                                    : (ULONG)tok[0].buffer.length;
        out->stream_header = out->stream_header > str[0].buffer.length
                                 ? out->stream_header
                                 : (ULONG)str[0].buffer.length;
        out->stream_trailer = out->stream_trailer > trailer ? out->stream_trailer : trailer;
    }
    out->block_size = block;
    return SEC_E_OK;
}
