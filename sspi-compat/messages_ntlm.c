/*
 * messages_ntlm.c - the message functions for NTLM: gss-ntlmssp has no IOV
 * entry points, so gss_wrap/gss_unwrap and gss_get_mic/gss_verify_mic over
 * gathered bytes; see messages.c for the layouts and decisions.
 */
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi_ntlmssp.h>

#include "messages_impl.h"

/* ---- NTLM (gss-ntlmssp: no IOV) -------------------------------------------- */

/* Copies the DATA buffers (and the signed-only ones, when asked) to dst,
 * in order. */
static void copy_data(const struct msg *m, bool sign_only, unsigned char *dst)
{
    for (ULONG i = 0; i < m->desc->cBuffers; i++) {
        PSecBuffer b = &m->desc->pBuffers[i];
        if (msg_part_of(b) != PART_DATA || (msg_is_sign_only(b) && !sign_only) || b->cbBuffer == 0)
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
        if (msg_part_of(b) == PART_DATA && (!msg_is_sign_only(b) || sign_only) && b->cbBuffer > 0)
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
        if (msg_part_of(b) != PART_DATA || msg_is_sign_only(b) || b->cbBuffer == 0)
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
        return msg_reject(m, status, "out of memory");
    if (msg->length > 0)
        return SEC_E_OK;
    return msg_reject(m, SEC_E_UNSUPPORTED_FUNCTION,
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
            return msg_fail_gss(m, major, minor);
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
        return msg_reject(m, SEC_E_BUFFER_TOO_SMALL, "signature does not fit");
    }
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_put_signature(struct msg *m, PSecBuffer token,
                                          const gss_buffer_desc *sig)
{
    if (sig->length > token->cbBuffer)
        return msg_reject(m, SEC_E_INTERNAL_ERROR, "signature longer than the mechanism said");
    memcpy(token->pvBuffer, sig->value, sig->length);
    token->cbBuffer = (ULONG)sig->length;
    return SEC_E_OK;
}

SECURITY_STATUS ntlm_sign(struct msg *m)
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
        status = msg_fail_gss(m, major, minor);
    else
        status = ntlm_put_signature(m, m->one[PART_TOKEN], &mic);
    m->token_len = (ULONG)mic.length;
    gss_release_buffer(&minor, &mic);
    release_gathered(&msg, owned);
    return status;
}

SECURITY_STATUS ntlm_verify(struct msg *m)
{
    OM_uint32 major, minor;
    gss_buffer_desc msg;
    gss_buffer_desc mic = {m->one[PART_TOKEN]->cbBuffer, m->one[PART_TOKEN]->pvBuffer};
    bool owned = false;
    /* gss-ntlmssp compares 16 bytes whatever the token's length. */
    if (mic.length != NTLM_SIGNATURE)
        return msg_reject(m, SEC_E_INVALID_TOKEN, "an NTLM signature is 16 bytes");
    SECURITY_STATUS status = ntlm_message_bytes(m, true, &msg, &owned);
    if (status != SEC_E_OK)
        return status;
    major = gss_verify_mic(&minor, m->ctx->gss, &msg, &mic, NULL);
    if (major != GSS_S_COMPLETE)
        status = msg_fail_gss(m, major, minor);
    release_gathered(&msg, owned);
    return status;
}

SECURITY_STATUS ntlm_seal(struct msg *m)
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
        return msg_reject(m, SEC_E_QOP_NOT_SUPPORTED,
                      "confidentiality was not negotiated on this NTLM context");
    SECURITY_STATUS status = ntlm_room(m, token);
    if (status == SEC_E_OK)
        status = ntlm_message_bytes(m, false, &msg, &owned);
    if (status != SEC_E_OK)
        return status;
    major = gss_wrap(&minor, m->ctx->gss, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &out);
    if (major != GSS_S_COMPLETE) {
        status = msg_fail_gss(m, major, minor);
        goto out;
    }
    if (out.length < msg.length) {
        status = msg_reject(m, SEC_E_INTERNAL_ERROR, "wrap token shorter than the message");
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
        return msg_reject(m, SEC_E_INVALID_TOKEN, "an NTLM signature is 16 bytes");
    in->length = sig->cbBuffer + m->data_len;
    if (m->data_count == 1 && (unsigned char *)sig->pvBuffer + sig->cbBuffer == data->pvBuffer) {
        in->value = sig->pvBuffer;
        return SEC_E_OK;
    }
    *joined = malloc(in->length);
    if (*joined == NULL)
        return msg_reject(m, SEC_E_INSUFFICIENT_MEMORY, "out of memory");
    memcpy(*joined, sig->pvBuffer, sig->cbBuffer);
    copy_data(m, false, *joined + sig->cbBuffer);
    in->value = *joined;
    return SEC_E_OK;
}

SECURITY_STATUS ntlm_unseal(struct msg *m)
{
    OM_uint32 major, minor;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    unsigned char *joined = NULL;
    PSecBuffer stream = m->one[PART_STREAM];
    SECURITY_STATUS status = msg_stream_complete(m);
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
        status = msg_fail_gss(m, major, minor);
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
            status = msg_reject(m, SEC_E_INTERNAL_ERROR, "unwrapped length differs from the data");
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

