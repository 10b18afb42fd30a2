/*
 * gss-server - a plain MIT GSS-API acceptor (gss_accept_sec_context with the
 * default credential: keytab and gss-ntlmssp users), speaking wire.h, so our
 * SSPI initiator can be proven against an acceptor that is not ours.
 *
 *   gss-server --port-file FILE
 *
 * HELLO keys: cb=TEXT (acceptor channel bindings, application data).
 * REPLY statuses are SSPI-shaped for the client (0 done, 0x00090312 continue,
 * 0x80090304 failed); the RESULT carries the GSS view: gss_status, package
 * (from the mechanism OID), form (from the first token), user, cb.
 * Messages: TOKEN|DATA|PADDING buffers are joined and gss_unwrap'ed, then the
 * plaintext goes back gss_wrap'ed as one STREAM buffer; DATA+TOKEN signatures
 * are gss_verify_mic'ed and answered with gss_get_mic.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "wire.h"

#define STATUS_OK 0x00000000u
#define STATUS_CONTINUE 0x00090312u
#define STATUS_FAILED 0x80090304u  /* SEC_E_INTERNAL_ERROR */
#define STATUS_ALTERED 0x8009030Fu /* SEC_E_MESSAGE_ALTERED */
#ifndef GSS_C_CHANNEL_BOUND_FLAG
#define GSS_C_CHANNEL_BOUND_FLAG 2048
#endif

static const struct {
    gss_OID_desc oid;
    const char *package;
} packages[] = {
    {{9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"}, "Kerberos"},
    {{9, "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"}, "Kerberos"},
    {{10, "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"}, "NTLM"},
};

/* The token form, from its first bytes: SPNEGO's 0x60 framing with the
 * SPNEGO OID, or anything else (raw Kerberos or NTLMSSP). */
static const char *token_form(const unsigned char *t, size_t n)
{
    static const unsigned char spnego[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
    if (n > 2 && t[0] == 0x60) {
        size_t skip = (t[1] & 0x80) ? 2 + (t[1] & 0x7f) : 2;
        if (n >= skip + sizeof(spnego) && memcmp(t + skip, spnego, sizeof(spnego)) == 0)
            return "spnego";
    }
    return "raw";
}

static const char *package_name(gss_OID oid)
{
    for (size_t i = 0; oid != GSS_C_NO_OID && i < sizeof(packages) / sizeof(packages[0]); i++)
        if (oid->length == packages[i].oid.length &&
            memcmp(oid->elements, packages[i].oid.elements, oid->length) == 0)
            return packages[i].package;
    return "-";
}

static void append_status(char *text, size_t size, OM_uint32 code, int type)
{
    OM_uint32 minor, ctx = 0;
    gss_buffer_desc msg;
    size_t n = strlen(text);
    gss_display_status(&minor, code, type, GSS_C_NO_OID, &ctx, &msg);
    snprintf(text + n, size - n, "%s%.*s", n ? "; " : "", (int)msg.length, (char *)msg.value);
    gss_release_buffer(&minor, &msg);
}

struct session {
    wire_socket fd;
    gss_ctx_id_t ctx;
    OM_uint32 major, minor, flags;
    gss_name_t src;
    gss_OID mech;
    const char *form;
    struct gss_channel_bindings_struct cb;
    bool have_cb;
};

static void authenticate(struct session *s)
{
    struct wire_frame f;
    s->major = GSS_S_FAILURE;
    while (wire_recv(s->fd, &f) == 0 && f.type == WIRE_TOKEN) {
        gss_buffer_desc in = {f.len, f.data}, out = GSS_C_EMPTY_BUFFER;
        OM_uint32 minor;
        if (s->form == NULL)
            s->form = token_form(f.data, f.len);
        s->major = gss_accept_sec_context(&s->minor, &s->ctx, GSS_C_NO_CREDENTIAL, &in,
                                          s->have_cb ? &s->cb : GSS_C_NO_CHANNEL_BINDINGS, &s->src,
                                          &s->mech, &out, &s->flags, NULL, NULL);
        wire_frame_free(&f);
        uint32_t status = GSS_ERROR(s->major)                ? STATUS_FAILED
                          : s->major & GSS_S_CONTINUE_NEEDED ? STATUS_CONTINUE
                                                             : STATUS_OK;
        int sent = wire_send_reply(s->fd, status, out.value, (uint32_t)out.length);
        gss_release_buffer(&minor, &out);
        if (sent != 0 || status != STATUS_CONTINUE)
            return;
    }
    wire_frame_free(&f);
}

static void send_result(struct session *s)
{
    char text[4096], err[1024] = "";
    gss_buffer_desc name = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;
    if (!GSS_ERROR(s->major) && s->src != GSS_C_NO_NAME)
        gss_display_name(&minor, s->src, &name, NULL);
    if (GSS_ERROR(s->major)) {
        append_status(err, sizeof(err), s->major, GSS_C_GSS_CODE);
        append_status(err, sizeof(err), s->minor, GSS_C_MECH_CODE);
    }
    const char *cb = !s->have_cb                             ? "none"
                     : (s->flags & GSS_C_CHANNEL_BOUND_FLAG) ? "matched"
                                                             : "unknown";
    int n = snprintf(text, sizeof(text),
                     "peer=gss\ngss_status=%s\npackage=%s\nform=%s\nuser=%.*s\ncb=%s\n"
                     "flags=0x%x\nerror=%s\n",
                     GSS_ERROR(s->major) ? "failed" : "GSS_S_COMPLETE",
                     GSS_ERROR(s->major) ? "-" : package_name(s->mech), s->form ? s->form : "-",
                     (int)name.length, name.value ? (char *)name.value : "", cb, (unsigned)s->flags,
                     err);
    wire_send(s->fd, WIRE_RESULT, text, (uint32_t)(n < (int)sizeof(text) ? n : 0));
    gss_release_buffer(&minor, &name);
}

/* TOKEN|DATA|PADDING joined (the wire form of SSPI EncryptMessage output). */
static void echo_sealed(struct session *s, struct wire_msg *m)
{
    OM_uint32 minor;
    gss_buffer_desc joined = {0, NULL}, plain = GSS_C_EMPTY_BUFFER, wrapped = GSS_C_EMPTY_BUFFER;
    struct wire_msg reply = {.status = STATUS_ALTERED};
    int conf = 0;
    joined.value = wire_msg_join(m, &joined.length);
    if (joined.value == NULL)
        goto out;
    if (GSS_ERROR(gss_unwrap(&minor, s->ctx, &joined, &plain, &conf, NULL)) || !conf)
        goto out;
    if (GSS_ERROR(gss_wrap(&minor, s->ctx, 1, GSS_C_QOP_DEFAULT, &plain, &conf, &wrapped)))
        goto out;
    reply.status = STATUS_OK;
    reply.count = 1;
    reply.bufs[0] = (struct wire_buf){WIRE_BUF_STREAM, (uint32_t)wrapped.length, wrapped.value};
out:
    wire_send_msg(s->fd, WIRE_SEAL, &reply);
    free(joined.value);
    gss_release_buffer(&minor, &plain);
    gss_release_buffer(&minor, &wrapped);
}

static void echo_signed(struct session *s, struct wire_msg *m)
{
    OM_uint32 minor;
    struct wire_buf *data = wire_msg_find(m, WIRE_BUF_DATA),
                    *tok = wire_msg_find(m, WIRE_BUF_TOKEN);
    struct wire_msg reply = {.status = STATUS_ALTERED};
    gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
    if (data == NULL || tok == NULL)
        goto out;
    gss_buffer_desc d = {data->len, data->data}, t = {tok->len, tok->data};
    if (GSS_ERROR(gss_verify_mic(&minor, s->ctx, &d, &t, NULL)) ||
        GSS_ERROR(gss_get_mic(&minor, s->ctx, GSS_C_QOP_DEFAULT, &d, &mic)))
        goto out;
    reply.status = STATUS_OK;
    reply.count = 2;
    reply.bufs[0] = *data;
    reply.bufs[1] = (struct wire_buf){WIRE_BUF_TOKEN, (uint32_t)mic.length, mic.value};
out:
    wire_send_msg(s->fd, WIRE_SIGN, &reply);
    gss_release_buffer(&minor, &mic);
}

static void echo(void *session, unsigned char type, struct wire_msg *m)
{
    if (type == WIRE_SEAL)
        echo_sealed(session, m);
    else
        echo_signed(session, m);
}

static void serve(wire_socket fd, const char *hello)
{
    struct session s = {.fd = fd, .ctx = GSS_C_NO_CONTEXT, .src = GSS_C_NO_NAME};
    char cb[1024];
    OM_uint32 minor;
    if (wire_kv(hello, "cb", cb, sizeof(cb))) {
        s.have_cb = true;
        s.cb.application_data.length = strlen(cb);
        s.cb.application_data.value = cb;
    }
    authenticate(&s);
    send_result(&s);
    if (s.major == GSS_S_COMPLETE)
        wire_serve_messages(fd, &s, echo);
    gss_delete_sec_context(&minor, &s.ctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &s.src);
}

int main(int argc, char **argv)
{
    return wire_server_main(argc, argv, "gss-server", serve);
}
