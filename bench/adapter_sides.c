/*
 * adapter_sides.c - one server's work three ways: through libgss-sspi (the
 * measured side), and through the raw GSS calls an application makes for
 * the same result (the baseline): with the IOV calls in place for Kerberos
 * (the calls the adapter itself makes), with gss_wrap / gss_unwrap /
 * gss_get_mic / gss_verify_mic on one contiguous token for NTLM
 * (gss-ntlmssp 1.2 has no IOV calls), each output released after use.
 */
#include <stdlib.h>

#include "adapter.h"

/* ---- libgss-sspi -------------------------------------------------------------- */

static bool sspi_accept(struct server *s, const gss_buffer_desc *token)
{
    SecBuffer in = {(ULONG)token->length, SECBUFFER_TOKEN, token->value};
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS status = AcceptSecurityContext(
        s->sspi_cred, s->sspi_open ? &s->sspi : NULL, &in_d,
        ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |
            ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_MUTUAL_AUTH,
        SECURITY_NATIVE_DREP, &s->sspi, &out_d, &attrs, &ts);
    if (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED)
        bench_die("AcceptSecurityContext", (unsigned long)status, 0);
    s->sspi_open = true;
    s->reply.length = out.cbBuffer;
    s->reply.value = out.pvBuffer;
    s->reply_owner = out.pvBuffer;
    return status == SEC_E_OK;
}

static void sspi_release_reply(struct server *s)
{
    if (s->reply_owner != NULL)
        FreeContextBuffer(s->reply_owner);
    s->reply_owner = s->reply.value = NULL;
    s->reply.length = 0;
}

static void sspi_finish(struct server *s)
{
    if (s->sspi_open && DeleteSecurityContext(&s->sspi) != SEC_E_OK)
        bench_die("DeleteSecurityContext", 0, 0);
    s->sspi_open = false;
}

static void sspi_call(const char *fn, SECURITY_STATUS status)
{
    if (status != SEC_E_OK)
        bench_die(fn, (unsigned long)status, 0);
}

static void sspi_seal(struct server *s, struct message *m)
{
    SecBuffer b[3] = {{(ULONG)m->token_len, SECBUFFER_TOKEN, m->token},
                      {(ULONG)m->len, SECBUFFER_DATA, m->data},
                      {(ULONG)m->padding_len, SECBUFFER_PADDING, m->padding}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    sspi_call("EncryptMessage", EncryptMessage(&s->sspi, 0, &d, 0));
}

static void sspi_unseal(struct server *s, struct message *m)
{
    SecBuffer b[2] = {{(ULONG)m->token_len, SECBUFFER_TOKEN, m->token},
                      {(ULONG)m->len, SECBUFFER_DATA, m->data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop;
    sspi_call("DecryptMessage", DecryptMessage(&s->sspi, &d, 0, &qop));
}

static void sspi_sign(struct server *s, struct message *m)
{
    SecBuffer b[2] = {{(ULONG)m->len, SECBUFFER_DATA, m->data},
                      {(ULONG)m->token_len, SECBUFFER_TOKEN, m->token}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    sspi_call("MakeSignature", MakeSignature(&s->sspi, 0, &d, 0));
}

static void sspi_verify(struct server *s, struct message *m)
{
    SecBuffer b[2] = {{(ULONG)m->len, SECBUFFER_DATA, m->data},
                      {(ULONG)m->token_len, SECBUFFER_TOKEN, m->token}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop;
    sspi_call("VerifySignature", VerifySignature(&s->sspi, &d, 0, &qop));
}

const struct side side_sspi = {
    "libgss-sspi",
    "measured",
    sspi_accept,
    sspi_release_reply,
    sspi_finish,
    {[OP_SEAL] = sspi_seal,
     [OP_UNSEAL] = sspi_unseal,
     [OP_SIGN] = sspi_sign,
     [OP_VERIFY] = sspi_verify},
};

/* ---- raw GSS -------------------------------------------------------------------- */

/* minor by address: read after the call that sets it. */
static void gss_call(const char *fn, OM_uint32 major, const OM_uint32 *minor)
{
    if (major != GSS_S_COMPLETE)
        bench_die(fn, major, *minor);
}

static bool raw_accept(struct server *s, const gss_buffer_desc *token)
{
    OM_uint32 minor;
    OM_uint32 major = gss_accept_sec_context(&minor, &s->gss, s->gss_cred, (gss_buffer_t)token,
                                             GSS_C_NO_CHANNEL_BINDINGS, &s->peer, NULL, &s->reply,
                                             NULL, NULL, NULL);
    if (GSS_ERROR(major))
        bench_die("gss_accept_sec_context", major, minor);
    return major == GSS_S_COMPLETE;
}

static void raw_release_reply(struct server *s)
{
    OM_uint32 minor;
    gss_release_buffer(&minor, &s->reply);
}

/* As a GSS server does: the name when done with it, then the context. */
static void raw_finish(struct server *s)
{
    OM_uint32 minor;
    gss_release_name(&minor, &s->peer);
    gss_delete_sec_context(&minor, &s->gss, GSS_C_NO_BUFFER);
}

static void iov_seal(struct server *s, struct message *m)
{
    OM_uint32 minor;
    gss_iov_buffer_desc iov[3] = {
        {GSS_IOV_BUFFER_TYPE_HEADER, {m->token_len, m->token}},
        {GSS_IOV_BUFFER_TYPE_DATA, {m->len, m->data}},
        {GSS_IOV_BUFFER_TYPE_PADDING, {m->padding_len, m->padding}},
    };
    gss_call("gss_wrap_iov", gss_wrap_iov(&minor, s->gss, 1, GSS_C_QOP_DEFAULT, NULL, iov, 3),
             &minor);
}

static void iov_unseal(struct server *s, struct message *m)
{
    OM_uint32 minor;
    int conf;
    gss_iov_buffer_desc iov[2] = {
        {GSS_IOV_BUFFER_TYPE_HEADER, {m->token_len, m->token}},
        {GSS_IOV_BUFFER_TYPE_DATA, {m->len, m->data}},
    };
    gss_call("gss_unwrap_iov", gss_unwrap_iov(&minor, s->gss, &conf, NULL, iov, 2), &minor);
}

static void iov_sign(struct server *s, struct message *m)
{
    OM_uint32 minor;
    gss_iov_buffer_desc iov[2] = {
        {GSS_IOV_BUFFER_TYPE_DATA, {m->len, m->data}},
        {GSS_IOV_BUFFER_TYPE_MIC_TOKEN, {m->token_len, m->token}},
    };
    gss_call("gss_get_mic_iov", gss_get_mic_iov(&minor, s->gss, GSS_C_QOP_DEFAULT, iov, 2), &minor);
}

static void iov_verify(struct server *s, struct message *m)
{
    OM_uint32 minor;
    gss_iov_buffer_desc iov[2] = {
        {GSS_IOV_BUFFER_TYPE_DATA, {m->len, m->data}},
        {GSS_IOV_BUFFER_TYPE_MIC_TOKEN, {m->token_len, m->token}},
    };
    gss_call("gss_verify_mic_iov", gss_verify_mic_iov(&minor, s->gss, NULL, iov, 2), &minor);
}

static void plain_seal(struct server *s, struct message *m)
{
    OM_uint32 minor;
    gss_buffer_desc msg = {m->len, m->data}, out = GSS_C_EMPTY_BUFFER;
    gss_call("gss_wrap", gss_wrap(&minor, s->gss, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &out), &minor);
    gss_release_buffer(&minor, &out);
}

static void plain_unseal(struct server *s, struct message *m)
{
    OM_uint32 minor;
    gss_buffer_desc in = {m->token_len + m->len, m->token}, out = GSS_C_EMPTY_BUFFER;
    gss_call("gss_unwrap", gss_unwrap(&minor, s->gss, &in, &out, NULL, NULL), &minor);
    gss_release_buffer(&minor, &out);
}

static void plain_sign(struct server *s, struct message *m)
{
    OM_uint32 minor;
    gss_buffer_desc msg = {m->len, m->data}, mic = GSS_C_EMPTY_BUFFER;
    gss_call("gss_get_mic", gss_get_mic(&minor, s->gss, GSS_C_QOP_DEFAULT, &msg, &mic), &minor);
    gss_release_buffer(&minor, &mic);
}

static void plain_verify(struct server *s, struct message *m)
{
    OM_uint32 minor;
    gss_buffer_desc msg = {m->len, m->data}, mic = {m->token_len, m->token};
    gss_call("gss_verify_mic", gss_verify_mic(&minor, s->gss, &msg, &mic, NULL), &minor);
}

const struct side side_raw_iov = {
    "raw GSS",
    "baseline",
    raw_accept,
    raw_release_reply,
    raw_finish,
    {[OP_SEAL] = iov_seal,
     [OP_UNSEAL] = iov_unseal,
     [OP_SIGN] = iov_sign,
     [OP_VERIFY] = iov_verify},
};

const struct side side_raw_plain = {
    "raw GSS",
    "baseline",
    raw_accept,
    raw_release_reply,
    raw_finish,
    {[OP_SEAL] = plain_seal,
     [OP_UNSEAL] = plain_unseal,
     [OP_SIGN] = plain_sign,
     [OP_VERIFY] = plain_verify},
};
