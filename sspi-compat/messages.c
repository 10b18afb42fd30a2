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
#include "messages_impl.h"

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

enum part msg_part_of(const SecBuffer *b)
{
    ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
    for (size_t i = 0; i < sizeof(buffer_parts) / sizeof(buffer_parts[0]); i++)
        if (buffer_parts[i].type == type)
            return buffer_parts[i].part;
    return PART_IGNORED;
}

bool msg_is_sign_only(const SecBuffer *b)
{
    return (b->BufferType & SIGN_ONLY_FLAGS) != 0;
}

SECURITY_STATUS msg_reject(struct msg *m, SECURITY_STATUS status, const char *why)
{
    trace("%s: %s", m->fn, why);
    if (m->ctx != NULL)
        context_record_error(m->ctx, m->fn, status, 0, 0);
    return status;
}

SECURITY_STATUS msg_fail_gss(struct msg *m, OM_uint32 major, OM_uint32 minor)
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
        return msg_reject(m, SEC_E_INVALID_HANDLE, "phContext is not a context handle");
    if (!m->ctx->established || m->ctx->gss == GSS_C_NO_CONTEXT)
        return msg_reject(m, SEC_E_INVALID_HANDLE,
                      "the context is not established: no message services yet");
    if (!buffers_desc_valid(pMessage))
        return msg_reject(m, SEC_E_INVALID_TOKEN, "pMessage is not a valid SecBufferDesc");
    m->ntlm = oid_equal(m->ctx->mech, &oid_ntlmssp);
    for (ULONG i = 0; i < pMessage->cBuffers; i++) {
        PSecBuffer b = &pMessage->pBuffers[i];
        enum part part = msg_part_of(b);
        if (b->cbBuffer > 0 && b->pvBuffer == NULL && part != PART_IGNORED && part != PART_EMPTY)
            return msg_reject(m, SEC_E_INVALID_TOKEN, "a buffer has a length but no memory");
        if (m->data_len + m->sign_only_len + b->cbBuffer < m->data_len + m->sign_only_len)
            return msg_reject(m, SEC_E_INVALID_TOKEN, "the buffers add up to more than memory holds");
        if (part == PART_DATA) {
            if (msg_is_sign_only(b)) {
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
            return msg_reject(m, SEC_E_INVALID_TOKEN,
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
    return GSS_ERROR(major) ? msg_fail_gss(m, major, minor) : SEC_E_OK;
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

/* ---- SECBUFFER_STREAM (both mechanisms) ------------------------------------ */

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
SECURITY_STATUS msg_stream_complete(struct msg *m)
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

/* ---- The four functions ------------------------------------------------------- */

/* What pMessage must hold for each function (fQOP is in m->qop). */
static SECURITY_STATUS signature_layout(struct msg *m)
{
    if (m->qop != 0)
        return msg_reject(m, SEC_E_QOP_NOT_SUPPORTED, "fQOP must be 0 for signatures");
    if (m->one[PART_TOKEN] == NULL)
        return msg_reject(m, SEC_E_INVALID_TOKEN, "pMessage has no SECBUFFER_TOKEN for the signature");
    return SEC_E_OK;
}

static SECURITY_STATUS seal_layout(struct msg *m)
{
    bool stream = m->one[PART_STREAM_HEADER] != NULL || m->one[PART_STREAM_TRAILER] != NULL;
    if (m->qop != 0 && m->qop != SECQOP_WRAP_NO_ENCRYPT)
        return msg_reject(m, SEC_E_QOP_NOT_SUPPORTED, "fQOP is neither 0 nor SECQOP_WRAP_NO_ENCRYPT");
    if (m->qop == SECQOP_WRAP_NO_ENCRYPT && m->ntlm)
        return msg_reject(m, SEC_E_QOP_NOT_SUPPORTED, "NTLM always seals: no SECQOP_WRAP_NO_ENCRYPT");
    if (m->data_count == 0)
        return msg_reject(m, SEC_E_INVALID_TOKEN, "pMessage has no SECBUFFER_DATA");
    if (m->one[PART_STREAM] != NULL)
        return msg_reject(m, SEC_E_INVALID_TOKEN, "SECBUFFER_STREAM is for DecryptMessage");
    if (stream ? (m->one[PART_TOKEN] != NULL || m->one[PART_STREAM_HEADER] == NULL ||
                  m->one[PART_STREAM_TRAILER] == NULL || m->data_count != 1)
               : m->one[PART_TOKEN] == NULL)
        return msg_reject(m, SEC_E_INVALID_TOKEN,
                      "pMessage needs TOKEN + DATA, or STREAM_HEADER + one DATA + STREAM_TRAILER");
    if (m->ntlm && m->sign_only_count > 0)
        return msg_reject(m, SEC_E_UNSUPPORTED_FUNCTION,
                      "gss-ntlmssp has no gss_wrap_iov: NTLM cannot sign READONLY buffers "
                      "while sealing others");
    return SEC_E_OK;
}

static SECURITY_STATUS unseal_layout(struct msg *m)
{
    if (m->data_count == 0)
        return msg_reject(m, SEC_E_INVALID_TOKEN, "pMessage has no SECBUFFER_DATA");
    if (m->one[PART_STREAM] != NULL ? (m->one[PART_TOKEN] != NULL || m->data_count != 1)
                                    : m->one[PART_TOKEN] == NULL)
        return msg_reject(m, SEC_E_INVALID_TOKEN,
                      "pMessage needs TOKEN + DATA, or STREAM + one (empty) DATA");
    if (m->ntlm && m->sign_only_count > 0)
        return msg_reject(m, SEC_E_UNSUPPORTED_FUNCTION,
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
        return msg_reject(&m, SEC_E_INVALID_HANDLE, "the context is not established");
    major = gss_wrap_size_limit(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT, MAX_TOKEN, &limit);
    if (GSS_ERROR(major))
        return msg_fail_gss(&m, major, minor);
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
        return msg_fail_gss(&m, major, minor);
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
            return msg_fail_gss(&m, major, minor);
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
