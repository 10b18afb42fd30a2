/*
 * sspi-demo-server - an HTTP server that authenticates its clients the way
 * IIS does ("WWW-Authenticate: Negotiate" and "NTLM", RFC 4559), written
 * against the Windows SSPI only: AcquireCredentialsHandle,
 * AcceptSecurityContext, QueryContextAttributes.  Each connection is
 * authenticated once (connection-based, as IIS), then every request on it
 * is answered with who the client is.
 *
 *   sspi-demo-server [--port N] [--package Negotiate] [--max-connections N]
 *
 * Credentials: the keytab in KRB5_KTNAME and the NTLM users in NTLM_USER_FILE.
 * With gss-sspi-negotiate loaded, NTLM is offered only when its policy
 * accepts NTLM (asked through the module's NTLM_POLICY extension, the one
 * call here outside the SSPI): a client offered NTLM that the server then
 * refuses retries it in vain (Java's HttpURLConnection, 20 times).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <gss-sspi-mech.h>
#include <gss-sspi.h>
#include <sspi.h>

#include "demo_wire.h"

#define ASC_FLAGS                                                                              \
    (ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | ASC_REQ_CONFIDENTIALITY |                   \
     ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_MUTUAL_AUTH)

struct connection {
    int fd;
    CredHandle *cred;
    CtxtHandle ctx;
    int have_ctx;
    char user[512];
    char package[64];
    char scheme[16];
    ULONG form, flags;
};

static void respond(struct connection *c, int code, const char *reason, const char *extra_headers,
                    const char *body)
{
    char head[16384];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nServer: sspi-demo-server\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     code, reason, strlen(body), extra_headers);
    if (n > 0 && (size_t)n < sizeof(head))
        write_all(c->fd, head, (size_t)n);
    write_all(c->fd, body, strlen(body));
}

/* False when gss-sspi-negotiate is loaded and its policy denies NTLM (asked
 * each time: the module re-reads its policy file when it changes). */
static int ntlm_offered(void)
{
    static gss_OID_desc spnego = {6, "\x2b\x06\x01\x05\x05\x02"};
    static gss_OID_desc ntlm_policy = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN,
                                       GSS_SSPI_NEGOTIATE_OID_NTLM_POLICY_DER};
    OM_uint32 minor;
    gss_buffer_desc value = GSS_C_EMPTY_BUFFER;
    int offered = 1;
    if (GSS_ERROR(gssspi_mech_invoke(&minor, &spnego, &ntlm_policy, &value)))
        return 1; /* no module: the package list decides */
    const unsigned char *p = value.value;
    if (value.length >= 4 && p[0] == GSS_SSPI_NEG_NTLM_POLICY_DENY && !p[1] && !p[2] && !p[3])
        offered = 0;
    gss_release_buffer(&minor, &value);
    return offered;
}

static void challenge(struct connection *c, const char *scheme, const char *b64, const char *why)
{
    char headers[12288];
    if (b64 != NULL)
        snprintf(headers, sizeof(headers), "WWW-Authenticate: %s %s\r\n", scheme, b64);
    else
        snprintf(headers, sizeof(headers), "WWW-Authenticate: Negotiate\r\n%s",
                 ntlm_offered() ? "WWW-Authenticate: NTLM\r\n" : "");
    respond(c, 401, "Unauthorized", headers, why);
}

/* Who the client is, once AcceptSecurityContext said SEC_E_OK. */
static void remember_identity(struct connection *c)
{
    SecPkgContext_NamesA names;
    SecPkgContext_GssMech mech;
    if (QueryContextAttributesA(&c->ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK) {
        snprintf(c->user, sizeof(c->user), "%s", names.sUserName);
        FreeContextBuffer(names.sUserName);
    }
    if (QueryContextAttributesA(&c->ctx, SECPKG_ATTR_GSS_MECH, &mech) == SEC_E_OK) {
        snprintf(c->package, sizeof(c->package), "%s", mech.PackageName);
        c->form = mech.TokenForm;
    }
}

static void authenticate(struct connection *c, const char *scheme, const char *b64)
{
    unsigned char *token = NULL;
    size_t len = 0;
    if (base64_decode(b64, &token, &len) != 0 || len == 0) {
        free(token);
        challenge(c, NULL, NULL, "malformed Authorization header\n");
        return;
    }
    SecBuffer in = {(ULONG)len, SECBUFFER_TOKEN, token}, out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &out};
    TimeStamp expiry;
    SECURITY_STATUS s = AcceptSecurityContext(c->cred, c->have_ctx ? &c->ctx : NULL, &in_d,
                                              ASC_FLAGS, SECURITY_NATIVE_DREP, &c->ctx, &out_d,
                                              &c->flags, &expiry);
    free(token);
    char *reply = out.cbBuffer ? base64_encode(out.pvBuffer, out.cbBuffer) : NULL;
    FreeContextBuffer(out.pvBuffer);
    if (s == SEC_I_CONTINUE_NEEDED) {
        c->have_ctx = 1;
        challenge(c, scheme, reply, "continue\n");
    } else if (s == SEC_E_OK) {
        c->have_ctx = 1;
        snprintf(c->scheme, sizeof(c->scheme), "%s", scheme);
        remember_identity(c);
        char headers[12288] = "", body[1024];
        if (reply != NULL) /* mutual authentication: the server's last token */
            snprintf(headers, sizeof(headers), "WWW-Authenticate: %s %s\r\n", scheme, reply);
        snprintf(body, sizeof(body), "Hello %s: authenticated with %s%s (HTTP %s), flags 0x%x\n",
                 c->user, c->package, c->form == GSS_SSPI_FORM_SPNEGO ? " inside SPNEGO" : "",
                 scheme, (unsigned)c->flags);
        printf("sspi-demo-server: %s", body);
        fflush(stdout);
        respond(c, 200, "OK", headers, body);
    } else {
        char why[1024];
        SecPkgContext_GssLastError err = {0};
        if (c->have_ctx && QueryContextAttributesA(&c->ctx, SECPKG_ATTR_GSS_LAST_ERROR, &err) ==
                               SEC_E_OK && err.Text != NULL) {
            snprintf(why, sizeof(why), "authentication failed: 0x%08x: %s\n", (unsigned)s,
                     err.Text);
            FreeContextBuffer(err.Text);
        } else {
            snprintf(why, sizeof(why), "authentication failed: 0x%08x\n", (unsigned)s);
        }
        printf("sspi-demo-server: %s", why);
        fflush(stdout);
        if (c->have_ctx)
            DeleteSecurityContext(&c->ctx);
        c->have_ctx = 0;
        challenge(c, NULL, NULL, why);
    }
    free(reply);
}

static void serve(struct connection *c)
{
    struct http_message req;
    while (http_read(c->fd, &req) == 0) {
        char auth[12288], scheme[16];
        int authenticated = c->user[0] != '\0';
        if (!authenticated && http_header(&req, "Authorization", auth, sizeof(auth)) &&
            sscanf(auth, "%15s", scheme) == 1 &&
            (strcmp(scheme, "Negotiate") == 0 || strcmp(scheme, "NTLM") == 0)) {
            authenticate(c, scheme, auth + strlen(scheme) + strspn(auth + strlen(scheme), " "));
        } else if (authenticated) {
            char body[1024];
            snprintf(body, sizeof(body), "Hello again %s (%s)\n", c->user, c->package);
            respond(c, 200, "OK", "", body);
        } else {
            challenge(c, NULL, NULL, "authentication required\n");
        }
        http_message_free(&req);
    }
    if (c->have_ctx)
        DeleteSecurityContext(&c->ctx);
}

int main(int argc, char **argv)
{
    int port = 8080, max_connections = -1;
    const char *package = "Negotiate";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--package") == 0)
            package = argv[i + 1];
        else if (strcmp(argv[i], "--max-connections") == 0)
            max_connections = atoi(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);
    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND,
                                                  NULL, NULL, NULL, NULL, &cred, &expiry);
    if (s != SEC_E_OK) {
        fprintf(stderr, "sspi-demo-server: AcquireCredentialsHandle(%s): 0x%08x\n", package,
                (unsigned)s);
        return 1;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 16) != 0) {
        perror("sspi-demo-server: bind/listen");
        return 1;
    }
    printf("sspi-demo-server: listening on http://127.0.0.1:%d/ (package %s)\n", port, package);
    fflush(stdout);
    for (int served = 0; max_connections < 0 || served < max_connections; served++) {
        struct connection c = {.cred = &cred};
        c.fd = accept(lfd, NULL, NULL);
        if (c.fd < 0)
            continue;
        serve(&c);
        close(c.fd);
    }
    close(lfd);
    FreeCredentialsHandle(&cred);
    return 0;
}
