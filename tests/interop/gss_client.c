/*
 * gss_client.c - an interop client written against GSS-API (RFC 2743/2744)
 * only, talking to interop-server over wire.h.  Built twice from this file:
 * against MIT krb5's libgssapi_krb5 (with gss-ntlmssp) and against Heimdal's
 * libgssapi (GSS_CLIENT_HEIMDAL), each an independent implementation of
 * Kerberos, SPNEGO and NTLM initiators.
 *
 *   gss-client --port N --mech krb5|spnego|ntlm --target service@host
 *              [--cred-mech krb5|ntlm]   a credential for that mechanism only
 *                                        (under SPNEGO: the only one offered; MIT)
 *              [--user U --password P]   that credential from a password
 *              [--cb TEXT]               channel bindings (application data)
 *              [--hello key=value]...    settings for the server
 *              [--no-messages]
 *
 * Messages: gss_wrap/gss_get_mic each test message, the server opens it with
 * DecryptMessage/VerifySignature and answers with EncryptMessage/MakeSignature
 * output, which must gss_unwrap/gss_verify_mic back to the same bytes.
 *
 * Prints one line: RESULT status=... package=... form=... user=... cb=...
 * messages=... client_status=... client_package=...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GSS_CLIENT_HEIMDAL
#include <gssapi/gssapi.h>
#else
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#endif

#include "wire.h"

#define REQ_FLAGS                                                                                  \
    (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |               \
     GSS_C_INTEG_FLAG)

static gss_OID_desc mechs[] = {
    {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"},      /* krb5 1.2.840.113554.1.2.2 */
    {6, "\x2b\x06\x01\x05\x05\x02"},                  /* SPNEGO 1.3.6.1.5.5.2 */
    {10, "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"}, /* NTLMSSP 1.3.6.1.4.1.311.2.2.10 */
    {9, "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"},      /* MS-KRB5 1.2.840.48018.1.2.2 */
};
static const char *const mech_names[] = {"krb5", "spnego", "ntlm", "ms-krb5"};
#define N_MECHS (sizeof(mechs) / sizeof(mechs[0]))

static const struct {
    OM_uint32 routine_error;
    const char *name;
} major_names[] = {
    {GSS_S_BAD_MECH, "GSS_S_BAD_MECH"},
    {GSS_S_BAD_NAME, "GSS_S_BAD_NAME"},
    {GSS_S_BAD_BINDINGS, "GSS_S_BAD_BINDINGS"},
    {GSS_S_BAD_SIG, "GSS_S_BAD_SIG"},
    {GSS_S_NO_CRED, "GSS_S_NO_CRED"},
    {GSS_S_NO_CONTEXT, "GSS_S_NO_CONTEXT"},
    {GSS_S_DEFECTIVE_TOKEN, "GSS_S_DEFECTIVE_TOKEN"},
    {GSS_S_DEFECTIVE_CREDENTIAL, "GSS_S_DEFECTIVE_CREDENTIAL"},
    {GSS_S_FAILURE, "GSS_S_FAILURE"},
    {GSS_S_UNAVAILABLE, "GSS_S_UNAVAILABLE"},
};

struct options {
    struct wire_client_options wire;
    gss_OID mech, cred_mech;
};

static gss_OID mech_by_name(const char *name)
{
    for (size_t i = 0; i < N_MECHS; i++)
        if (strcmp(name, mech_names[i]) == 0)
            return &mechs[i];
    return GSS_C_NO_OID;
}

static const char *mech_name(gss_OID oid)
{
    for (size_t i = 0; oid != GSS_C_NO_OID && i < N_MECHS; i++)
        if (oid->length == mechs[i].length &&
            memcmp(oid->elements, mechs[i].elements, oid->length) == 0)
            return mech_names[i];
    return "-";
}

static const char *major_name(OM_uint32 major)
{
    if (major == GSS_S_COMPLETE)
        return "GSS_S_COMPLETE";
    if (major == GSS_S_CONTINUE_NEEDED)
        return "GSS_S_CONTINUE_NEEDED";
    for (size_t i = 0; i < sizeof(major_names) / sizeof(major_names[0]); i++)
        if (GSS_ROUTINE_ERROR(major) == major_names[i].routine_error)
            return major_names[i].name;
    return "GSS_S_(other)";
}

static void report(const char *what, OM_uint32 major, OM_uint32 minor, gss_OID mech)
{
    OM_uint32 m, ctx = 0;
    gss_buffer_desc text;
    fprintf(stderr, "gss-client: %s: %s", what, major_name(major));
    gss_display_status(&m, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &text);
    fprintf(stderr, " (%.*s", (int)text.length, (char *)text.value);
    gss_release_buffer(&m, &text);
    ctx = 0;
    gss_display_status(&m, minor, GSS_C_MECH_CODE, mech, &ctx, &text);
    fprintf(stderr, "; %.*s)\n", (int)text.length, (char *)text.value);
    gss_release_buffer(&m, &text);
}

static int parse_args(int argc, char **argv, struct options *o)
{
    const char *mech = NULL, *cred_mech = NULL;
    const struct wire_option extra[] = {
        {"--mech", &mech, NULL},
        {"--cred-mech", &cred_mech, NULL},
        {NULL, NULL, NULL},
    };
    if (wire_parse_client_options(argc, argv, extra, &o->wire) != 0)
        return -1;
    o->mech = mech ? mech_by_name(mech) : GSS_C_NO_OID;
    o->cred_mech = cred_mech ? mech_by_name(cred_mech) : GSS_C_NO_OID;
    return o->mech != GSS_C_NO_OID ? 0 : -1;
}

/* A credential for one mechanism (from the default store, or a password). */
static OM_uint32 acquire_for(const struct options *o, gss_OID mech, gss_cred_id_t *cred)
{
    OM_uint32 major, minor;
    gss_OID_set_desc set = {1, mech};
    gss_name_t name = GSS_C_NO_NAME;
    if (o->wire.user != NULL) {
        gss_buffer_desc nb = {strlen(o->wire.user), (void *)o->wire.user};
        gss_buffer_desc pw = {strlen(o->wire.password ? o->wire.password : ""),
                              (void *)o->wire.password};
        major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(major))
            return major;
        major = gss_acquire_cred_with_password(&minor, name, &pw, 0, &set, GSS_C_INITIATE, cred,
                                               NULL, NULL);
        gss_release_name(&minor, &name);
    } else {
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &set, GSS_C_INITIATE, cred, NULL, NULL);
    }
    if (GSS_ERROR(major))
        report("acquire credential", major, minor, mech);
    return major;
}

/* The initiator credential the options ask for. */
static OM_uint32 acquire(const struct options *o, gss_cred_id_t *cred)
{
    *cred = GSS_C_NO_CREDENTIAL;
    if (o->cred_mech == GSS_C_NO_OID)
        return o->wire.user ? acquire_for(o, o->mech, cred) : GSS_S_COMPLETE;
    if (o->mech != &mechs[1])
        return acquire_for(o, o->cred_mech, cred);
#ifdef GSS_CLIENT_HEIMDAL
    /* Heimdal has no gss_set_neg_mechs, and its SPNEGO finds no SPNEGO
     * element in a credential of another mechanism (GSS_S_NO_CRED): narrow
     * its offer through the credentials it can find instead. */
    fprintf(stderr, "gss-client: --cred-mech under SPNEGO needs gss_set_neg_mechs (MIT)\n");
    return GSS_S_UNAVAILABLE;
#else
    /* MIT's SPNEGO takes a SPNEGO credential, narrowed with gss_set_neg_mechs. */
    OM_uint32 minor, major = acquire_for(o, o->mech, cred);
    gss_OID_set_desc only = {1, o->cred_mech};
    if (!GSS_ERROR(major))
        major = gss_set_neg_mechs(&minor, *cred, &only);
    return major;
#endif
}

struct session {
    wire_socket fd;
    gss_ctx_id_t ctx;
    gss_OID actual_mech;
    OM_uint32 major, minor;
    uint32_t server_status;
    bool server_done;
    char result[4096];
};

/* Hex of a token on stderr, for the cell's log (INTEROP_DUMP=1). */
static void dump(const char *what, const void *p, size_t n)
{
    fprintf(stderr, "gss-client: %s ", what);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02x", ((const unsigned char *)p)[i]);
    fputc('\n', stderr);
}

static int exchange(struct session *s, gss_buffer_t out, gss_buffer_t in)
{
    unsigned char *reply;
    uint32_t n;
    if (wire_exchange(s->fd, out->value, (uint32_t)out->length, &s->server_status, &reply, &n) != 0)
        return -1;
    s->server_done = s->server_status != 0x00090312; /* SEC_I_CONTINUE_NEEDED */
    in->length = n;
    in->value = reply;
    fprintf(stderr, "gss-client: sent %zu bytes, server %s with %u bytes\n", out->length,
            wire_status_name(s->server_status), (unsigned)n);
    if (getenv("INTEROP_DUMP") != NULL) {
        dump("sent", out->value, out->length);
        dump("received", reply, n);
    }
    return 0;
}

static void handshake(struct session *s, const struct options *o, gss_cred_id_t cred,
                      gss_channel_bindings_t cb)
{
    OM_uint32 minor;
    gss_name_t target;
    gss_buffer_desc tn = {strlen(o->wire.target), (void *)o->wire.target};
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    s->major = gss_import_name(&s->minor, &tn, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(s->major))
        return;
    for (int round = 0; round < 10; round++) {
        s->major = gss_init_sec_context(&s->minor, cred, &s->ctx, target, o->mech, REQ_FLAGS, 0, cb,
                                        &in, &s->actual_mech, &out, NULL, NULL);
        free(in.value);
        in = (gss_buffer_desc)GSS_C_EMPTY_BUFFER;
        if (GSS_ERROR(s->major))
            report("gss_init_sec_context", s->major, s->minor, o->mech);
        if (GSS_ERROR(s->major) || out.length == 0 || s->server_done)
            break;
        int r = exchange(s, &out, &in);
        gss_release_buffer(&minor, &out);
        if (r != 0 || (s->server_done &&
                       (s->major == GSS_S_COMPLETE || in.length == 0 || s->server_status != 0)))
            break;
    }
    free(in.value);
    gss_release_buffer(&minor, &out);
    gss_release_name(&minor, &target);
}

/* Sends one message frame and parses the answer of the same type; logs
 * the server's status when it could not open ours. */
static int round_trip(struct session *s, unsigned char type, struct wire_msg *m,
                      struct wire_frame *f, struct wire_msg *reply)
{
    if (wire_send_msg(s->fd, type, m) != 0 || wire_recv(s->fd, f) != 0)
        return -1;
    if (f->type != type || wire_parse_msg(f, reply) != 0)
        return -1;
    if (reply->status != 0)
        fprintf(stderr, "gss-client: the server answered %s\n", wire_status_name(reply->status));
    return reply->status == 0 ? 0 : -1;
}

/* gss_wrap -> server -> SSPI TOKEN|DATA|PADDING, concatenated -> gss_unwrap. */
static const char *seal_round_trip(struct session *s, const unsigned char *msg, uint32_t len)
{
    OM_uint32 minor;
    gss_buffer_desc in = {len, (void *)msg}, wrapped, joined = {0, NULL}, plain = {0, NULL};
    const char *err = NULL;
    struct wire_frame f = {0};
    struct wire_msg m = {0}, reply;
    int conf = 0;
    if (GSS_ERROR(gss_wrap(&minor, s->ctx, 1, GSS_C_QOP_DEFAULT, &in, &conf, &wrapped)))
        return "gss_wrap";
    m.count = 1;
    m.bufs[0] = (struct wire_buf){WIRE_BUF_STREAM, (uint32_t)wrapped.length, wrapped.value};
    if (round_trip(s, WIRE_SEAL, &m, &f, &reply) != 0) {
        err = "server";
        goto out;
    }
    joined.value = wire_msg_join(&reply, &joined.length);
    OM_uint32 major = gss_unwrap(&minor, s->ctx, &joined, &plain, &conf, NULL);
    if (GSS_ERROR(major)) {
        report("gss_unwrap", major, minor, s->actual_mech);
        err = "gss_unwrap";
    } else if (!conf || plain.length != len || memcmp(plain.value, msg, len) != 0) {
        err = "plaintext";
    }
out:
    free(joined.value);
    gss_release_buffer(&minor, &plain);
    gss_release_buffer(&minor, &wrapped);
    wire_frame_free(&f);
    return err;
}

/* gss_get_mic -> server verifies, signs -> gss_verify_mic. */
static const char *sign_round_trip(struct session *s, const unsigned char *msg, uint32_t len)
{
    OM_uint32 minor;
    gss_buffer_desc in = {len, (void *)msg}, mic;
    const char *err = NULL;
    struct wire_frame f = {0};
    struct wire_msg m = {0}, reply;
    if (GSS_ERROR(gss_get_mic(&minor, s->ctx, GSS_C_QOP_DEFAULT, &in, &mic)))
        return "gss_get_mic";
    m.count = 2;
    m.bufs[0] = (struct wire_buf){WIRE_BUF_DATA, len, (unsigned char *)msg};
    m.bufs[1] = (struct wire_buf){WIRE_BUF_TOKEN, (uint32_t)mic.length, mic.value};
    if (round_trip(s, WIRE_SIGN, &m, &f, &reply) != 0) {
        err = "server";
        goto out;
    }
    struct wire_buf *data = wire_msg_find(&reply, WIRE_BUF_DATA);
    struct wire_buf *tok = wire_msg_find(&reply, WIRE_BUF_TOKEN);
    if (data == NULL || tok == NULL) {
        err = "reply";
        goto out;
    }
    gss_buffer_desc d = {data->len, data->data}, t = {tok->len, tok->data};
    OM_uint32 major = gss_verify_mic(&minor, s->ctx, &d, &t, NULL);
    if (GSS_ERROR(major)) {
        report("gss_verify_mic", major, minor, s->actual_mech);
        err = "gss_verify_mic";
    } else if (data->len != len || memcmp(data->data, msg, len) != 0) {
        err = "data";
    }
out:
    gss_release_buffer(&minor, &mic);
    wire_frame_free(&f);
    return err;
}

static void run_messages(struct session *s, char *out, size_t n)
{
    static const struct {
        const char *name;
        const char *(*run)(struct session *, const unsigned char *, uint32_t);
    } kinds[] = {{"seal", seal_round_trip}, {"sign", sign_round_trip}};
    int ok = 0, total = 2 * WIRE_N_MESSAGES;
    for (int i = 0; i < WIRE_N_MESSAGES; i++) {
        uint32_t len;
        unsigned char *msg = wire_test_message(i, &len);
        for (size_t k = 0; k < 2; k++) {
            const char *err = msg ? kinds[k].run(s, msg, len) : "memory";
            if (err != NULL) {
                snprintf(out, n, "%d/%d(%s#%d:%s)", ok, total, kinds[k].name, i, err);
                free(msg);
                return;
            }
            ok++;
        }
        free(msg);
    }
    snprintf(out, n, "%d/%d", ok, total);
}

int main(int argc, char **argv)
{
    struct options o;
    struct session s = {.ctx = GSS_C_NO_CONTEXT, .actual_mech = GSS_C_NO_OID};
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    struct gss_channel_bindings_struct cb;
    char messages[128] = "n/a";
    OM_uint32 minor;
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: see the comment at the top of gss_client.c\n");
        return 2;
    }
    memset(&cb, 0, sizeof(cb));
    if (o.wire.cb != NULL) {
        cb.application_data.length = strlen(o.wire.cb);
        cb.application_data.value = (void *)o.wire.cb;
    }
    s.fd = wire_connect(o.wire.port);
    if (s.fd == WIRE_BAD_SOCKET) {
        fprintf(stderr, "gss-client: cannot connect to port %d\n", o.wire.port);
        return 1;
    }
    wire_send(s.fd, WIRE_HELLO, o.wire.hello, (uint32_t)strlen(o.wire.hello));
    s.major = acquire(&o, &cred);
    if (!GSS_ERROR(s.major)) {
        handshake(&s, &o, cred, o.wire.cb ? &cb : GSS_C_NO_CHANNEL_BINDINGS);
        if (s.server_done)
            wire_read_result(s.fd, s.result, sizeof(s.result));
        if (!o.wire.no_messages && s.major == GSS_S_COMPLETE && s.server_done &&
            s.server_status == 0)
            run_messages(&s, messages, sizeof(messages));
    }
    wire_print_result(s.result, "-", messages, major_name(s.major), mech_name(s.actual_mech));
    gss_delete_sec_context(&minor, &s.ctx, GSS_C_NO_BUFFER);
    gss_release_cred(&minor, &cred);
    wire_close(s.fd);
    return 0;
}
