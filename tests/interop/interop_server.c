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
 *   cb_addrtype=N                     their two address types (default 0, the
 *                                     GSS_C_AF_NULLADDR of MIT and Windows), to
 *                                     show what a client hashed for "no address"
 *   cb_policy=none|allow|require      channel-binding policy (default allow)
 * Credentials: the keytab in KRB5_KTNAME, the NTLM users in NTLM_USER_FILE.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sspi_wire.h"

#define ASC_FLAGS                                                                                  \
    (ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |  \
     ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_MUTUAL_AUTH |                       \
     ASC_REQ_EXTENDED_ERROR)

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

static int configure(struct session *s, const char *hello)
{
    char package[64], cb[1024], policy[16], addrtype[16];
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
        s->cb = sspi_channel_bindings(cb, &s->cb_len);
    if (s->cb != NULL && wire_kv(hello, "cb_addrtype", addrtype, sizeof(addrtype))) {
        SEC_CHANNEL_BINDINGS *h = (SEC_CHANNEL_BINDINGS *)s->cb;
        h->dwInitiatorAddrType = h->dwAcceptorAddrType = (ULONG)strtoul(addrtype, NULL, 10);
    }
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

/* Opens the client's message, sealed or signed, then protects its data
 * back the same way. */
static void echo(void *session, unsigned char type, struct wire_msg *m)
{
    struct session *s = session;
    struct sspi_received in;
    struct sspi_message out = {0};
    struct wire_msg reply = {0};
    reply.status = (uint32_t)sspi_open(&s->ctx, type, m, &in);
    if (reply.status == SEC_E_OK && in.data != NULL) {
        reply.status = (uint32_t)sspi_protect(&s->ctx, &s->sizes, type, in.data->pvBuffer,
                                              in.data->cbBuffer, &out);
        if (reply.status == SEC_E_OK)
            sspi_message_to_wire(&out, &reply);
    }
    wire_send_msg(s->fd, type, &reply);
    sspi_message_free(&out);
}

static void serve(wire_socket fd, const char *hello)
{
    struct session s = {.fd = fd};
    if (configure(&s, hello) == 0) {
        authenticate(&s);
        send_result(&s);
        if (s.status == SEC_E_OK)
            wire_serve_messages(fd, &s, echo);
    }
    if (s.have_ctx)
        DeleteSecurityContext(&s.ctx);
    if (s.have_cred)
        FreeCredentialsHandle(&s.cred);
    free(s.cb);
}

int main(int argc, char **argv)
{
    return wire_server_main(argc, argv, "interop-server", serve);
}
