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
#include "sspi_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISC_FLAGS                                                                                  \
    (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |                       \
     ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)

/* Preallocated: Wine's Kerberos ignores ISC_REQ_ALLOCATE_MEMORY. */
#define MAX_TOKEN 65536

struct options {
    struct wire_client_options wire;
    const char *package, *domain;
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
    const struct wire_option extra[] = {
        {"--package", &o->package, NULL},
        {"--domain", &o->domain, NULL},
        {NULL, NULL, NULL},
    };
    o->package = o->domain = NULL;
    if (wire_parse_client_options(argc, argv, extra, &o->wire) != 0)
        return -1;
    return o->package != NULL ? 0 : -1;
}

static SECURITY_STATUS acquire(const struct options *o, CredHandle *cred)
{
    TimeStamp ts;
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    if (o->wire.user != NULL) {
        id.User = (unsigned char *)o->wire.user;
        id.UserLength = (ULONG)strlen(o->wire.user);
        id.Domain = (unsigned char *)o->domain;
        id.DomainLength = o->domain ? (ULONG)strlen(o->domain) : 0;
        id.Password = (unsigned char *)o->wire.password;
        id.PasswordLength = o->wire.password ? (ULONG)strlen(o->wire.password) : 0;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    }
    return AcquireCredentialsHandleA(NULL, (char *)o->package, SECPKG_CRED_OUTBOUND, NULL,
                                     o->wire.user ? &id : NULL, NULL, NULL, cred, &ts);
}

/* Sends our token, reads the server's REPLY into a malloc'ed copy. */
static int exchange(struct client *c, const void *token, ULONG len, unsigned char **reply,
                    ULONG *reply_len)
{
    uint32_t n;
    if (wire_exchange(c->fd, token, (uint32_t)len, &c->server_status, reply, &n) != 0)
        return -1;
    *reply_len = n;
    c->server_done = c->server_status != (uint32_t)SEC_I_CONTINUE_NEEDED;
    fprintf(stderr, "sspi-client: sent %u bytes, server %s with %u bytes\n", (unsigned)len,
            wire_status_name(c->server_status), (unsigned)n);
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
            &c->cred, c->have_ctx ? &c->ctx : NULL, (char *)o->wire.target, ISC_FLAGS, 0,
            SECURITY_NATIVE_DREP, in_d.cBuffers ? &in_d : NULL, 0, &c->ctx, &out_d, &attrs, &ts);
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

/* One message each way, sealed (WIRE_SEAL) or signed (WIRE_SIGN): the
 * server opens ours and protects the same bytes back.  Returns the failing
 * status, or SEC_E_OK. */
static SECURITY_STATUS round_trip(struct client *c, const SecPkgContext_Sizes *sz,
                                  unsigned char type, int i)
{
    uint32_t len;
    unsigned char *msg = wire_test_message(i, &len);
    struct sspi_message out = {0};
    struct sspi_received in;
    struct wire_frame f = {0};
    struct wire_msg m = {0}, reply;
    SECURITY_STATUS s =
        msg ? sspi_protect(&c->ctx, sz, type, msg, len, &out) : SEC_E_INSUFFICIENT_MEMORY;
    if (s != SEC_E_OK)
        goto out;
    s = SEC_E_INTERNAL_ERROR;
    sspi_message_to_wire(&out, &m);
    if (wire_send_msg(c->fd, type, &m) != 0 || wire_recv(c->fd, &f) != 0 || f.type != type ||
        wire_parse_msg(&f, &reply) != 0)
        goto out;
    if ((s = (SECURITY_STATUS)reply.status) != SEC_E_OK)
        goto out;
    if ((s = sspi_open(&c->ctx, type, &reply, &in)) != SEC_E_OK)
        goto out;
    if (in.data == NULL || in.data->cbBuffer != len || memcmp(in.data->pvBuffer, msg, len) != 0)
        s = SEC_E_MESSAGE_ALTERED;
out:
    wire_frame_free(&f);
    sspi_message_free(&out);
    free(msg);
    return s;
}

/* "k/n" round trips, and what broke the first failing one. */
static void run_messages(struct client *c, char *out, size_t n)
{
    static const struct {
        const char *name;
        unsigned char type;
    } kinds[] = {{"seal", WIRE_SEAL}, {"sign", WIRE_SIGN}};
    SecPkgContext_Sizes sz;
    SECURITY_STATUS s = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_SIZES, &sz);
    int ok = 0, total = 2 * WIRE_N_MESSAGES;
    if (s != SEC_E_OK) {
        snprintf(out, n, "0/%d(sizes:%s)", total, wire_status_name((uint32_t)s));
        return;
    }
    for (int i = 0; i < WIRE_N_MESSAGES; i++) {
        for (size_t k = 0; k < 2; k++) {
            s = round_trip(c, &sz, kinds[k].type, i);
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

int main(int argc, char **argv)
{
    struct options o;
    struct client c;
    char messages[128] = "n/a", pkg[64];
    memset(&c, 0, sizeof(c));
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: see the comment at the top of sspi_client.c\n");
        return 2;
    }
    if (wire_startup() != 0)
        return 1;
    c.fd = wire_connect(o.wire.port);
    if (c.fd == WIRE_BAD_SOCKET) {
        fprintf(stderr, "sspi-client: cannot connect to port %d\n", o.wire.port);
        return 1;
    }
    if (o.wire.cb != NULL)
        c.cb = sspi_channel_bindings(o.wire.cb, &c.cb_len);
    wire_send(c.fd, WIRE_HELLO, o.wire.hello, (uint32_t)strlen(o.wire.hello));
    c.status = acquire(&o, &c.cred);
    if (c.status != SEC_E_OK) {
        fprintf(stderr, "sspi-client: AcquireCredentialsHandle(%s): %s\n", o.package,
                wire_status_name((uint32_t)c.status));
    } else {
        handshake(&c, &o);
        if (c.server_done)
            wire_read_result(c.fd, c.result, sizeof(c.result));
        if (!o.wire.no_messages && c.status == SEC_E_OK && c.server_done &&
            c.server_status == (uint32_t)SEC_E_OK)
            run_messages(&c, messages, sizeof(messages));
    }
    client_package(&c, pkg, sizeof(pkg));
    /* A GSS acceptor reports no SEC status: the SSPI side's is then ours. */
    const char *status = wire_status_name((uint32_t)c.status);
    wire_print_result(c.result, status, messages, status, pkg);
    if (c.have_ctx)
        DeleteSecurityContext(&c.ctx);
    wire_close(c.fd);
    return 0;
}
