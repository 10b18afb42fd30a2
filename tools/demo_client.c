/*
 * sspi-demo-client - an HTTP client that authenticates with SSPI's
 * InitializeSecurityContext, as a Windows program would.
 *
 *   sspi-demo-client --port N --target HTTP/host [--package Negotiate|Kerberos|NTLM]
 *                    [--user U --domain D --password P]
 *
 * Without --user it uses the logged-on credentials (the Kerberos ccache, or
 * the first NTLM_USER_FILE entry).  Exit status 0 when the server said 200.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gss-sspi.h>
#include <sspi.h>

#include "demo_wire.h"

#define ISC_FLAGS                                                                              \
    (ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION | ISC_REQ_CONFIDENTIALITY |                   \
     ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_MUTUAL_AUTH)

struct options {
    int port;
    const char *target, *package, *user, *domain, *password;
};

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        perror("sspi-demo-client: connect");
        exit(1);
    }
    return fd;
}

static SECURITY_STATUS acquire(const struct options *o, CredHandle *cred)
{
    TimeStamp expiry;
    SEC_WINNT_AUTH_IDENTITY_A id = {
        (unsigned char *)o->user,     o->user ? (ULONG)strlen(o->user) : 0,
        (unsigned char *)o->domain,   o->domain ? (ULONG)strlen(o->domain) : 0,
        (unsigned char *)o->password, o->password ? (ULONG)strlen(o->password) : 0,
        SEC_WINNT_AUTH_IDENTITY_ANSI};
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)o->package, SECPKG_CRED_OUTBOUND, NULL,
                                     o->user ? &id : NULL, NULL, NULL, cred, &expiry);
}

/* The token in "WWW-Authenticate: <scheme> <base64>", decoded. */
static int server_token(const struct http_message *resp, const char *scheme, unsigned char **tok,
                        size_t *len)
{
    char value[12288];
    size_t n = strlen(scheme);
    *tok = NULL;
    *len = 0;
    if (http_header(resp, "WWW-Authenticate", value, sizeof(value)) == NULL ||
        strncmp(value, scheme, n) != 0 || value[n] != ' ')
        return 0;
    return base64_decode(value + n + 1, tok, len) == 0;
}

int main(int argc, char **argv)
{
    struct options o = {.port = 8080, .package = "Negotiate"};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *v = argv[i + 1];
        if (strcmp(argv[i], "--port") == 0)
            o.port = atoi(v);
        else if (strcmp(argv[i], "--target") == 0)
            o.target = v;
        else if (strcmp(argv[i], "--package") == 0)
            o.package = v;
        else if (strcmp(argv[i], "--user") == 0)
            o.user = v;
        else if (strcmp(argv[i], "--domain") == 0)
            o.domain = v;
        else if (strcmp(argv[i], "--password") == 0)
            o.password = v;
    }
    /* HTTP names the scheme after the protocol: raw NTLM goes as "NTLM". */
    const char *scheme = strcmp(o.package, "NTLM") == 0 ? "NTLM" : "Negotiate";
    CredHandle cred;
    CtxtHandle ctx;
    SECURITY_STATUS s = acquire(&o, &cred);
    if (s != SEC_E_OK) {
        fprintf(stderr, "sspi-demo-client: AcquireCredentialsHandle(%s): 0x%08x\n", o.package,
                (unsigned)s);
        return 1;
    }
    int fd = connect_to(o.port), have_ctx = 0, rc = 1;
    unsigned char *in_tok = NULL;
    size_t in_len = 0;
    for (int round = 0; round < 6; round++) {
        SecBuffer in = {(ULONG)in_len, SECBUFFER_TOKEN, in_tok}, out = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &out};
        ULONG attrs;
        TimeStamp expiry;
        s = InitializeSecurityContextA(&cred, have_ctx ? &ctx : NULL, (SEC_CHAR *)o.target,
                                       ISC_FLAGS, 0, SECURITY_NATIVE_DREP, have_ctx ? &in_d : NULL,
                                       0, &ctx, &out_d, &attrs, &expiry);
        free(in_tok);
        in_tok = NULL;
        if (s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED) {
            fprintf(stderr, "sspi-demo-client: InitializeSecurityContext: 0x%08x\n", (unsigned)s);
            break;
        }
        have_ctx = 1;
        if (out.cbBuffer == 0) {
            rc = 0; /* mutual authentication checked the server's last token */
            printf("sspi-demo-client: server authenticated too (mutual)\n");
            break;
        }
        char *b64 = base64_encode(out.pvBuffer, out.cbBuffer);
        FreeContextBuffer(out.pvBuffer);
        char req[16384];
        snprintf(req, sizeof(req),
                 "GET / HTTP/1.1\r\nHost: %s\r\nAuthorization: %s %s\r\nContent-Length: 0\r\n\r\n",
                 o.target ? o.target : "localhost", scheme, b64);
        free(b64);
        struct http_message resp;
        if (write_all(fd, req, strlen(req)) != 0 || http_read(fd, &resp) != 0) {
            fprintf(stderr, "sspi-demo-client: connection closed\n");
            break;
        }
        int ok = strncmp(resp.head, "HTTP/1.1 200", 12) == 0;
        int more = server_token(&resp, scheme, &in_tok, &in_len);
        if (ok)
            printf("sspi-demo-client: %s", resp.body ? resp.body : "\n");
        else if (!more)
            fprintf(stderr, "sspi-demo-client: %s", resp.body ? resp.body : "refused\n");
        http_message_free(&resp);
        if (ok && !more) {
            rc = 0;
            break;
        }
        if (!more)
            break;
    }
    free(in_tok);
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    close(fd);
    return rc;
}
