/*
 * interop-server - the acceptor every socket-speaking interop client talks
 * to.  Written against the Windows SSPI only (AcquireCredentialsHandle,
 * AcceptSecurityContext, QueryContextAttributes, DecryptMessage,
 * EncryptMessage, VerifySignature, MakeSignature), as an IIS-style server
 * would be.  Framing: wire.h.
 *
 *   interop-server --port-file FILE
 *
 * Listens on an ephemeral 127.0.0.1 port and writes its number to FILE.
 * Each connection is served by a child process, so that a client crashing
 * the acceptor (or one hanging) costs one cell, not the run.  Per connection
 * the client's HELLO chooses:
 *   package=Negotiate|Kerberos|NTLM   the acceptor package (default Negotiate)
 *   cb=TEXT                           server channel bindings (application data)
 *   cb_policy=none|allow|require      channel-binding policy (default allow)
 * Credentials: the keytab in KRB5_KTNAME, the NTLM users in NTLM_USER_FILE.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gss-sspi.h>
#include <sspi.h>

#include "wire.h"

#define ASC_FLAGS                                                                                  \
    (ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |  \
     ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_MUTUAL_AUTH |                       \
     ASC_REQ_EXTENDED_ERROR)

/* A stalled client must not hold its child forever. */
#define IO_TIMEOUT_SECONDS 60

struct session {
    wire_socket fd;
    CredHandle cred;
    bool have_cred;
    CtxtHandle ctx;
    bool have_ctx;
    unsigned char *cb; /* SEC_CHANNEL_BINDINGS blob, or NULL */
    ULONG cb_len;
    SECURITY_STATUS status;
    ULONG attrs;
    SecPkgContext_Sizes sizes;
};

static const struct {
    const char *name;
    ULONG policy;
} cb_policies[] = {
    {"none", GSS_SSPI_CB_POLICY_NONE},
    {"allow", GSS_SSPI_CB_POLICY_ALLOW},
    {"require", GSS_SSPI_CB_POLICY_REQUIRE},
};

static const char *const cb_states[] = {
    [GSS_SSPI_CB_NONE] = "none",
    [GSS_SSPI_CB_MATCHED] = "matched",
    [GSS_SSPI_CB_ABSENT] = "absent",
    [GSS_SSPI_CB_UNKNOWN] = "unknown",
};

static const char *const forms[] = {
    [GSS_SSPI_FORM_RAW] = "raw",
    [GSS_SSPI_FORM_SPNEGO] = "spnego",
};

/* A SEC_CHANNEL_BINDINGS carrying application data only (as TLS servers use). */
static void set_bindings(struct session *s, const char *app_data)
{
    size_t n = strlen(app_data);
    s->cb_len = (ULONG)(sizeof(SEC_CHANNEL_BINDINGS) + n);
    s->cb = calloc(1, s->cb_len);
    if (s->cb == NULL)
        return;
    SEC_CHANNEL_BINDINGS *h = (SEC_CHANNEL_BINDINGS *)s->cb;
    h->cbApplicationDataLength = (ULONG)n;
    h->dwApplicationDataOffset = sizeof(*h);
    memcpy(s->cb + sizeof(*h), app_data, n);
}

static int configure(struct session *s, const char *hello)
{
    char package[64], cb[1024], policy[16];
    TimeStamp ts;
    if (!wire_kv(hello, "package", package, sizeof(package)))
        snprintf(package, sizeof(package), "Negotiate");
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, package, SECPKG_CRED_INBOUND, NULL, NULL,
                                                   NULL, NULL, &s->cred, &ts);
    if (st != SEC_E_OK) {
        fprintf(stderr, "interop-server: AcquireCredentialsHandle(%s): %s\n", package,
                wire_status_name((uint32_t)st));
        return -1;
    }
    s->have_cred = true;
    if (wire_kv(hello, "cb", cb, sizeof(cb)))
        set_bindings(s, cb);
    if (wire_kv(hello, "cb_policy", policy, sizeof(policy))) {
        for (size_t i = 0; i < sizeof(cb_policies) / sizeof(cb_policies[0]); i++) {
            if (strcmp(policy, cb_policies[i].name) != 0)
                continue;
            GSS_SSPI_POLICY p = {.ChannelBindings = cb_policies[i].policy};
            if (GssSspiSetCredentialsPolicy(&s->cred, &p) != SEC_E_OK)
                return -1;
        }
    }
    return 0;
}

/* Runs AcceptSecurityContext over the client's tokens until it finishes. */
static void authenticate(struct session *s)
{
    struct wire_frame f;
    s->status = SEC_E_INTERNAL_ERROR;
    while (wire_recv(s->fd, &f) == 0) {
        if (f.type != WIRE_TOKEN) {
            wire_frame_free(&f);
            return;
        }
        SecBuffer in[2] = {{f.len, SECBUFFER_TOKEN, f.data}}, out = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc in_d = {SECBUFFER_VERSION, 1, in}, out_d = {SECBUFFER_VERSION, 1, &out};
        if (s->cb != NULL)
            in[in_d.cBuffers++] = (SecBuffer){s->cb_len, SECBUFFER_CHANNEL_BINDINGS, s->cb};
        TimeStamp ts;
        s->status = AcceptSecurityContext(&s->cred, s->have_ctx ? &s->ctx : NULL, &in_d, ASC_FLAGS,
                                          SECURITY_NATIVE_DREP, &s->ctx, &out_d, &s->attrs, &ts);
        wire_frame_free(&f);
        if (s->status == SEC_E_OK || s->status == SEC_I_CONTINUE_NEEDED)
            s->have_ctx = true;
        int sent = wire_send_reply(s->fd, (uint32_t)s->status, out.pvBuffer, out.cbBuffer);
        FreeContextBuffer(out.pvBuffer);
        if (sent != 0 || s->status != SEC_I_CONTINUE_NEEDED)
            return;
    }
}

/* What the server saw, for the client's result line. */
static void send_result(struct session *s)
{
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof(text), "status=%s\nflags=0x%x\n",
                                wire_status_name((uint32_t)s->status), (unsigned)s->attrs);
    if (s->status == SEC_E_OK) {
        SecPkgContext_NamesA names = {0};
        SecPkgContext_GssMech mech = {0};
        SecPkgContext_GssChannelBindings cb = {0};
        if (QueryContextAttributesA(&s->ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK) {
            n += (size_t)snprintf(text + n, sizeof(text) - n, "user=%s\n", names.sUserName);
            FreeContextBuffer(names.sUserName);
        }
        if (QueryContextAttributesA(&s->ctx, SECPKG_ATTR_GSS_MECH, &mech) == SEC_E_OK &&
            mech.TokenForm < sizeof(forms) / sizeof(forms[0]))
            n += (size_t)snprintf(text + n, sizeof(text) - n, "package=%s\nform=%s\n",
                                  mech.PackageName, forms[mech.TokenForm]);
        if (QueryContextAttributesA(&s->ctx, SECPKG_ATTR_GSS_CHANNEL_BINDINGS, &cb) == SEC_E_OK &&
            cb.State < sizeof(cb_states) / sizeof(cb_states[0]))
            n += (size_t)snprintf(text + n, sizeof(text) - n, "cb=%s\n", cb_states[cb.State]);
        QueryContextAttributesA(&s->ctx, SECPKG_ATTR_SIZES, &s->sizes);
    } else if (s->have_ctx) {
        SecPkgContext_GssLastError err = {0};
        if (QueryContextAttributesA(&s->ctx, SECPKG_ATTR_GSS_LAST_ERROR, &err) == SEC_E_OK &&
            err.Text != NULL) {
            n += (size_t)snprintf(text + n, sizeof(text) - n, "error=%s\n", err.Text);
            FreeContextBuffer(err.Text);
        }
    }
    if (n >= sizeof(text))
        n = sizeof(text) - 1;
    wire_send(s->fd, WIRE_RESULT, text, (uint32_t)n);
}

/* The SecBufferDesc of a received message; a STREAM gets its DATA output. */
static void message_desc(struct wire_msg *m, SecBuffer bufs[WIRE_MAX_BUFS + 1], SecBufferDesc *d)
{
    d->ulVersion = SECBUFFER_VERSION;
    d->cBuffers = 0;
    d->pBuffers = bufs;
    for (uint32_t i = 0; i < m->count; i++)
        bufs[d->cBuffers++] = (SecBuffer){m->bufs[i].len, m->bufs[i].type, m->bufs[i].data};
    if (wire_msg_find(m, SECBUFFER_STREAM) != NULL)
        bufs[d->cBuffers++] = (SecBuffer){0, SECBUFFER_DATA, NULL};
}

static SecBuffer *find_buffer(SecBufferDesc *d, ULONG type)
{
    for (ULONG i = 0; i < d->cBuffers; i++)
        if ((d->pBuffers[i].BufferType & ~SECBUFFER_ATTRMASK) == type)
            return &d->pBuffers[i];
    return NULL;
}

/* Opens the client's sealed message, then seals the plaintext back. */
static void echo_sealed(struct session *s, struct wire_msg *m)
{
    SecBuffer in[WIRE_MAX_BUFS + 1];
    SecBufferDesc in_d;
    ULONG qop = 0;
    message_desc(m, in, &in_d);
    struct wire_msg reply = {0};
    unsigned char *token = NULL, *data = NULL, *padding = NULL;
    reply.status = (uint32_t)DecryptMessage(&s->ctx, &in_d, 0, &qop);
    SecBuffer *plain = find_buffer(&in_d, SECBUFFER_DATA);
    if (reply.status != SEC_E_OK || plain == NULL)
        goto out;
    token = malloc(s->sizes.cbSecurityTrailer + 1);
    data = malloc(plain->cbBuffer + 1);
    padding = malloc(s->sizes.cbBlockSize + 1);
    if (token == NULL || data == NULL || padding == NULL) {
        reply.status = (uint32_t)SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    memcpy(data, plain->pvBuffer, plain->cbBuffer);
    SecBuffer out[3] = {{s->sizes.cbSecurityTrailer, SECBUFFER_TOKEN, token},
                        {plain->cbBuffer, SECBUFFER_DATA, data},
                        {s->sizes.cbBlockSize, SECBUFFER_PADDING, padding}};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 3, out};
    reply.status = (uint32_t)EncryptMessage(&s->ctx, 0, &out_d, 0);
    if (reply.status == SEC_E_OK) {
        reply.count = 3;
        for (int i = 0; i < 3; i++)
            reply.bufs[i] = (struct wire_buf){out[i].BufferType, out[i].cbBuffer, out[i].pvBuffer};
    }
out:
    wire_send_msg(s->fd, WIRE_SEAL, &reply);
    free(token);
    free(data);
    free(padding);
}

/* Verifies the client's signature, then signs the same data back. */
static void echo_signed(struct session *s, struct wire_msg *m)
{
    SecBuffer in[WIRE_MAX_BUFS + 1];
    SecBufferDesc in_d;
    ULONG qop = 0;
    message_desc(m, in, &in_d);
    struct wire_msg reply = {0};
    unsigned char *sig = NULL;
    reply.status = (uint32_t)VerifySignature(&s->ctx, &in_d, 0, &qop);
    SecBuffer *data = find_buffer(&in_d, SECBUFFER_DATA);
    if (reply.status != SEC_E_OK || data == NULL)
        goto out;
    sig = malloc(s->sizes.cbMaxSignature + 1);
    if (sig == NULL) {
        reply.status = (uint32_t)SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    SecBuffer out[2] = {{data->cbBuffer, SECBUFFER_DATA, data->pvBuffer},
                        {s->sizes.cbMaxSignature, SECBUFFER_TOKEN, sig}};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 2, out};
    reply.status = (uint32_t)MakeSignature(&s->ctx, 0, &out_d, 0);
    if (reply.status == SEC_E_OK) {
        reply.count = 2;
        for (int i = 0; i < 2; i++)
            reply.bufs[i] = (struct wire_buf){out[i].BufferType, out[i].cbBuffer, out[i].pvBuffer};
    }
out:
    wire_send_msg(s->fd, WIRE_SIGN, &reply);
    free(sig);
}

static void exchange_messages(struct session *s)
{
    struct wire_frame f;
    while (wire_recv(s->fd, &f) == 0) {
        struct wire_msg m;
        if ((f.type != WIRE_SEAL && f.type != WIRE_SIGN) || wire_parse_msg(&f, &m) != 0) {
            wire_frame_free(&f);
            return;
        }
        if (f.type == WIRE_SEAL)
            echo_sealed(s, &m);
        else
            echo_signed(s, &m);
        wire_frame_free(&f);
    }
}

static void serve(wire_socket fd)
{
    struct session s = {.fd = fd};
    struct wire_frame hello;
    struct timeval tv = {IO_TIMEOUT_SECONDS, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (wire_recv(fd, &hello) != 0 || hello.type != WIRE_HELLO) {
        wire_frame_free(&hello);
        return;
    }
    if (configure(&s, (const char *)hello.data) == 0) {
        authenticate(&s);
        send_result(&s);
        if (s.status == SEC_E_OK)
            exchange_messages(&s);
    }
    wire_frame_free(&hello);
    if (s.have_ctx)
        DeleteSecurityContext(&s.ctx);
    if (s.have_cred)
        FreeCredentialsHandle(&s.cred);
    free(s.cb);
}

int main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--port-file") != 0) {
        fprintf(stderr, "usage: %s --port-file FILE\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t alen = sizeof(addr);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        perror("interop-server: listen");
        return 1;
    }
    /* Written to a temp name and renamed: the runner never reads half a port. */
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
    FILE *pf = fopen(tmp, "w");
    if (pf == NULL || fprintf(pf, "%d\n", ntohs(addr.sin_port)) < 0 || fclose(pf) != 0 ||
        rename(tmp, argv[2]) != 0) {
        perror("interop-server: port file");
        return 1;
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        pid_t pid = fork();
        if (pid == 0) {
            close(lfd);
            serve(fd);
            close(fd);
            _exit(0);
        }
        close(fd);
    }
}
