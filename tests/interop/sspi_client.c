/*
 * sspi_client.c - an interop client written against the Windows SSPI, as a
 * Windows program would be: AcquireCredentialsHandle, InitializeSecurityContext,
 * then EncryptMessage/DecryptMessage and MakeSignature/VerifySignature over a
 * few messages, with the server (wire.h framing) opening and answering each.
 *
 * Built twice from this one file: with mingw-w64 against secur32 (run under
 * Wine: Wine's own Kerberos and Samba's NTLM code), and natively against
 * libgss-sspi (our initiator, run against a raw MIT GSS acceptor).
 *
 *   sspi-client --port N --package Negotiate|Kerberos|NTLM --target SPN
 *               [--user U --domain D --password P]  explicit credentials
 *               [--cb TEXT]                         client channel bindings
 *               [--hello key=value]...              settings for the server
 *               [--no-messages]                     handshake only
 *
 * Prints one line: RESULT status=... package=... form=... user=... cb=...
 * messages=... client_status=... client_package=...
 */
#ifdef _WIN32
/* Windows needs this order: winsock2 before windows, windows before security. */
// clang-format off
#define SECURITY_WIN32
#include <winsock2.h>
#include <windows.h>
#include <security.h>
// clang-format on
#else
#include <security.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define ISC_FLAGS                                                                                  \
    (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |                       \
     ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)

/* Preallocated: Wine's Kerberos ignores ISC_REQ_ALLOCATE_MEMORY. */
#define MAX_TOKEN 65536

struct options {
    int port;
    char *package, *target, *user, *domain, *password, *cb;
    char hello[2048];
    int messages;
};

struct client {
    wire_socket fd;
    CredHandle cred;
    CtxtHandle ctx;
    int have_ctx;
    SECURITY_STATUS status; /* our last InitializeSecurityContext */
    uint32_t server_status; /* the server's last REPLY */
    int server_done;        /* the server finished (OK or error) */
    char result[4096];      /* the server's RESULT text */
    unsigned char *cb;
    ULONG cb_len;
};

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->messages = 1;
    for (int i = 1; i < argc; i++) {
        char **slot = NULL;
        if (strcmp(argv[i], "--no-messages") == 0) {
            o->messages = 0;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        if (strcmp(argv[i], "--port") == 0)
            o->port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hello") == 0) {
            size_t n = strlen(o->hello);
            snprintf(o->hello + n, sizeof(o->hello) - n, "%s\n", argv[++i]);
        } else if (strcmp(argv[i], "--package") == 0)
            slot = &o->package;
        else if (strcmp(argv[i], "--target") == 0)
            slot = &o->target;
        else if (strcmp(argv[i], "--user") == 0)
            slot = &o->user;
        else if (strcmp(argv[i], "--domain") == 0)
            slot = &o->domain;
        else if (strcmp(argv[i], "--password") == 0)
            slot = &o->password;
        else if (strcmp(argv[i], "--cb") == 0)
            slot = &o->cb;
        else
            return -1;
        if (slot != NULL)
            *slot = argv[++i];
    }
    return o->port > 0 && o->package != NULL && o->target != NULL ? 0 : -1;
}

static SECURITY_STATUS acquire(const struct options *o, CredHandle *cred)
{
    TimeStamp ts;
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    if (o->user != NULL) {
        id.User = (unsigned char *)o->user;
        id.UserLength = (ULONG)strlen(o->user);
        id.Domain = (unsigned char *)o->domain;
        id.DomainLength = o->domain ? (ULONG)strlen(o->domain) : 0;
        id.Password = (unsigned char *)o->password;
        id.PasswordLength = o->password ? (ULONG)strlen(o->password) : 0;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    }
    return AcquireCredentialsHandleA(NULL, o->package, SECPKG_CRED_OUTBOUND, NULL,
                                     o->user ? &id : NULL, NULL, NULL, cred, &ts);
}

/* A SEC_CHANNEL_BINDINGS with application data only. */
static void set_bindings(struct client *c, const char *app_data)
{
    size_t n = strlen(app_data);
    c->cb_len = (ULONG)(sizeof(SEC_CHANNEL_BINDINGS) + n);
    c->cb = calloc(1, c->cb_len);
    if (c->cb == NULL)
        return;
    SEC_CHANNEL_BINDINGS *h = (SEC_CHANNEL_BINDINGS *)c->cb;
    h->cbApplicationDataLength = (ULONG)n;
    h->dwApplicationDataOffset = sizeof(*h);
    memcpy(c->cb + sizeof(*h), app_data, n);
}

/* Sends our token, reads the server's REPLY into a malloc'ed copy. */
static int exchange(struct client *c, const void *token, ULONG len, unsigned char **reply,
                    ULONG *reply_len)
{
    struct wire_frame f;
    uint32_t status, n;
    unsigned char *t;
    *reply = NULL;
    *reply_len = 0;
    if (wire_send(c->fd, WIRE_TOKEN, token, (uint32_t)len) != 0 || wire_recv(c->fd, &f) != 0)
        return -1;
    if (wire_parse_reply(&f, &status, &t, &n) != 0) {
        wire_frame_free(&f);
        return -1;
    }
    c->server_status = status;
    c->server_done = status != (uint32_t)SEC_I_CONTINUE_NEEDED;
    if (n > 0 && (*reply = malloc(n)) != NULL) {
        memcpy(*reply, t, n);
        *reply_len = n;
    }
    fprintf(stderr, "sspi-client: sent %u bytes, server %s with %u bytes\n", (unsigned)len,
            wire_status_name(status), (unsigned)n);
    wire_frame_free(&f);
    return 0;
}

/* InitializeSecurityContext until both sides are done. */
static void handshake(struct client *c, const struct options *o)
{
    static unsigned char out_token[MAX_TOKEN];
    unsigned char *server_token = NULL;
    ULONG server_len = 0;
    for (int round = 0; round < 10; round++) {
        SecBuffer in[2], out = {MAX_TOKEN, SECBUFFER_TOKEN, out_token};
        SecBufferDesc in_d = {SECBUFFER_VERSION, 0, in}, out_d = {SECBUFFER_VERSION, 1, &out};
        ULONG attrs = 0;
        TimeStamp ts;
        if (server_token != NULL)
            in[in_d.cBuffers++] = (SecBuffer){server_len, SECBUFFER_TOKEN, server_token};
        if (c->cb != NULL)
            in[in_d.cBuffers++] = (SecBuffer){c->cb_len, SECBUFFER_CHANNEL_BINDINGS, c->cb};
        c->status = InitializeSecurityContextA(
            &c->cred, c->have_ctx ? &c->ctx : NULL, o->target, ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
            in_d.cBuffers ? &in_d : NULL, 0, &c->ctx, &out_d, &attrs, &ts);
        free(server_token);
        server_token = NULL;
        fprintf(stderr, "sspi-client: InitializeSecurityContext: %s, %u bytes out\n",
                wire_status_name((uint32_t)c->status), (unsigned)out.cbBuffer);
        if (c->status != SEC_E_OK && c->status != SEC_I_CONTINUE_NEEDED)
            return;
        c->have_ctx = 1;
        if (out.cbBuffer == 0 || c->server_done)
            return; /* nothing more to send, or nobody to send it to */
        if (exchange(c, out_token, out.cbBuffer, &server_token, &server_len) != 0)
            return;
        if (c->server_done && (c->status == SEC_E_OK || server_token == NULL ||
                               c->server_status != (uint32_t)SEC_E_OK))
            break;
        /* The server continues, or finished with a last token for us (mutual auth). */
    }
    free(server_token);
}

/* The server's RESULT frame, after its final REPLY. */
static void read_result(struct client *c)
{
    struct wire_frame f;
    if (!c->server_done || wire_recv(c->fd, &f) != 0)
        return;
    if (f.type == WIRE_RESULT) {
        snprintf(c->result, sizeof(c->result), "%s", (const char *)f.data);
        fprintf(stderr, "server result:\n%s", c->result);
    }
    wire_frame_free(&f);
}

/* A SecBufferDesc over a received message; a STREAM gets its DATA output. */
static void message_desc(struct wire_msg *m, SecBuffer bufs[WIRE_MAX_BUFS + 1], SecBufferDesc *d)
{
    d->ulVersion = SECBUFFER_VERSION;
    d->cBuffers = 0;
    d->pBuffers = bufs;
    for (uint32_t i = 0; i < m->count; i++)
        bufs[d->cBuffers++] = (SecBuffer){m->bufs[i].len, m->bufs[i].type, m->bufs[i].data};
    if (wire_msg_find(m, WIRE_BUF_STREAM) != NULL)
        bufs[d->cBuffers++] = (SecBuffer){0, SECBUFFER_DATA, NULL};
}

static int plaintext_matches(SecBufferDesc *d, const unsigned char *want, uint32_t len)
{
    for (ULONG i = 0; i < d->cBuffers; i++) {
        SecBuffer *b = &d->pBuffers[i];
        if ((b->BufferType & ~SECBUFFER_ATTRMASK) == SECBUFFER_DATA)
            return b->cbBuffer == len && memcmp(b->pvBuffer, want, len) == 0;
    }
    return 0;
}

/* Sends what we protected, reads the server's answer; NULL frame data on error. */
static int send_and_receive(struct client *c, unsigned char type, SecBuffer *bufs, int n,
                            struct wire_frame *f, struct wire_msg *reply)
{
    struct wire_msg m = {0};
    m.count = (uint32_t)n;
    for (int i = 0; i < n; i++)
        m.bufs[i] = (struct wire_buf){bufs[i].BufferType, bufs[i].cbBuffer, bufs[i].pvBuffer};
    if (wire_send_msg(c->fd, type, &m) != 0 || wire_recv(c->fd, f) != 0)
        return -1;
    if (f->type != type || wire_parse_msg(f, reply) != 0) {
        wire_frame_free(f);
        return -1;
    }
    return 0;
}

/* One message each way, sealed; returns the failing status, or SEC_E_OK. */
static SECURITY_STATUS seal_round_trip(struct client *c, SecPkgContext_Sizes *sz, int i)
{
    uint32_t len;
    unsigned char *msg = wire_test_message(i, &len), *data = malloc(len);
    unsigned char *token = malloc(sz->cbSecurityTrailer + 1), *pad = malloc(sz->cbBlockSize + 1);
    SECURITY_STATUS s = SEC_E_INSUFFICIENT_MEMORY;
    struct wire_frame f = {0};
    struct wire_msg reply;
    ULONG qop = 0;
    if (msg == NULL || data == NULL || token == NULL || pad == NULL)
        goto out;
    memcpy(data, msg, len);
    SecBuffer bufs[3] = {{sz->cbSecurityTrailer, SECBUFFER_TOKEN, token},
                         {len, SECBUFFER_DATA, data},
                         {sz->cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, bufs};
    if ((s = EncryptMessage(&c->ctx, 0, &d, 0)) != SEC_E_OK)
        goto out;
    s = SEC_E_INTERNAL_ERROR;
    if (send_and_receive(c, WIRE_SEAL, bufs, 3, &f, &reply) != 0)
        goto out;
    if ((s = (SECURITY_STATUS)reply.status) != SEC_E_OK)
        goto out;
    SecBuffer in[WIRE_MAX_BUFS + 1];
    SecBufferDesc in_d;
    message_desc(&reply, in, &in_d);
    if ((s = DecryptMessage(&c->ctx, &in_d, 0, &qop)) != SEC_E_OK)
        goto out;
    s = plaintext_matches(&in_d, msg, len) ? SEC_E_OK : SEC_E_MESSAGE_ALTERED;
out:
    wire_frame_free(&f);
    free(msg);
    free(data);
    free(token);
    free(pad);
    return s;
}

/* One message each way, signed. */
static SECURITY_STATUS sign_round_trip(struct client *c, SecPkgContext_Sizes *sz, int i)
{
    uint32_t len;
    unsigned char *msg = wire_test_message(i, &len), *sig = malloc(sz->cbMaxSignature + 1);
    SECURITY_STATUS s = SEC_E_INSUFFICIENT_MEMORY;
    struct wire_frame f = {0};
    struct wire_msg reply;
    ULONG qop = 0;
    if (msg == NULL || sig == NULL)
        goto out;
    SecBuffer bufs[2] = {{len, SECBUFFER_DATA, msg}, {sz->cbMaxSignature, SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, bufs};
    if ((s = MakeSignature(&c->ctx, 0, &d, 0)) != SEC_E_OK)
        goto out;
    s = SEC_E_INTERNAL_ERROR;
    if (send_and_receive(c, WIRE_SIGN, bufs, 2, &f, &reply) != 0)
        goto out;
    if ((s = (SECURITY_STATUS)reply.status) != SEC_E_OK)
        goto out;
    SecBuffer in[WIRE_MAX_BUFS + 1];
    SecBufferDesc in_d;
    message_desc(&reply, in, &in_d);
    if ((s = VerifySignature(&c->ctx, &in_d, 0, &qop)) != SEC_E_OK)
        goto out;
    s = plaintext_matches(&in_d, msg, len) ? SEC_E_OK : SEC_E_MESSAGE_ALTERED;
out:
    wire_frame_free(&f);
    free(msg);
    free(sig);
    return s;
}

/* "k/n" round trips, and what broke the first failing one. */
static void run_messages(struct client *c, char *out, size_t n)
{
    static const struct {
        const char *name;
        SECURITY_STATUS (*run)(struct client *, SecPkgContext_Sizes *, int);
    } kinds[] = {{"seal", seal_round_trip}, {"sign", sign_round_trip}};
    SecPkgContext_Sizes sz;
    SECURITY_STATUS s = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_SIZES, &sz);
    int ok = 0, total = 2 * WIRE_N_MESSAGES;
    if (s != SEC_E_OK) {
        snprintf(out, n, "0/%d(sizes:%s)", total, wire_status_name((uint32_t)s));
        return;
    }
    for (int i = 0; i < WIRE_N_MESSAGES; i++) {
        for (size_t k = 0; k < 2; k++) {
            s = kinds[k].run(c, &sz, i);
            if (s != SEC_E_OK) {
                snprintf(out, n, "%d/%d(%s#%d:%s)", ok, total, kinds[k].name, i,
                         wire_status_name((uint32_t)s));
                return;
            }
            ok++;
        }
    }
    snprintf(out, n, "%d/%d", ok, total);
}

/* The package our side negotiated, "-" if the provider does not say. */
static void client_package(struct client *c, char *out, size_t n)
{
    SecPkgContext_NegotiationInfoA info;
    snprintf(out, n, "-");
    if (c->have_ctx &&
        QueryContextAttributesA(&c->ctx, SECPKG_ATTR_NEGOTIATION_INFO, &info) == SEC_E_OK) {
        if (info.PackageInfo != NULL && info.PackageInfo->Name != NULL)
            snprintf(out, n, "%s", info.PackageInfo->Name);
        FreeContextBuffer(info.PackageInfo);
    }
}

/* A RESULT value with spaces made safe, "-" when absent. */
static const char *field(const struct client *c, const char *key, char *buf, size_t n)
{
    if (!wire_kv(c->result, key, buf, n) || buf[0] == '\0')
        snprintf(buf, n, "-");
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '_';
    return buf;
}

int main(int argc, char **argv)
{
    struct options o;
    struct client c;
    char messages[128] = "n/a", pkg[64];
    char status[64], package[64], form[16], user[256], cb[16];
    memset(&c, 0, sizeof(c));
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: see the comment at the top of sspi_client.c\n");
        return 2;
    }
    if (wire_startup() != 0)
        return 1;
    c.fd = wire_connect(o.port);
    if (c.fd == WIRE_BAD_SOCKET) {
        fprintf(stderr, "sspi-client: cannot connect to port %d\n", o.port);
        return 1;
    }
    if (o.cb != NULL)
        set_bindings(&c, o.cb);
    wire_send(c.fd, WIRE_HELLO, o.hello, (uint32_t)strlen(o.hello));
    c.status = acquire(&o, &c.cred);
    if (c.status != SEC_E_OK) {
        fprintf(stderr, "sspi-client: AcquireCredentialsHandle(%s): %s\n", o.package,
                wire_status_name((uint32_t)c.status));
    } else {
        handshake(&c, &o);
        read_result(&c);
        if (o.messages && c.status == SEC_E_OK && c.server_done &&
            c.server_status == (uint32_t)SEC_E_OK)
            run_messages(&c, messages, sizeof(messages));
    }
    client_package(&c, pkg, sizeof(pkg));
    /* A GSS acceptor reports no SEC status: the SSPI side's is then ours. */
    if (!wire_kv(c.result, "status", status, sizeof(status)))
        snprintf(status, sizeof(status), "%s", wire_status_name((uint32_t)c.status));
    printf("RESULT status=%s package=%s form=%s user=%s cb=%s messages=%s client_status=%s "
           "client_package=%s\n",
           status, field(&c, "package", package, sizeof(package)),
           field(&c, "form", form, sizeof(form)), field(&c, "user", user, sizeof(user)),
           field(&c, "cb", cb, sizeof(cb)), messages, wire_status_name((uint32_t)c.status), pkg);
    fflush(stdout);
    if (c.have_ctx)
        DeleteSecurityContext(&c.ctx);
    wire_close(c.fd);
    return 0;
}
