/*
 * ntlm_auth_client.c - Samba's NTLM client as an interop client: runs
 * `ntlm_auth --helper-protocol=ntlmssp-client-1` (Samba's own NTLMSSP code,
 * NTLMv2 with a MIC when the server sends a timestamp) and relays its
 * NEGOTIATE and AUTHENTICATE to interop-server, the CHALLENGE back to it.
 *
 *   ntlm-auth-client --port N --user U --domain D --password P
 *                    [--ntlm-auth PATH] [--configfile FILE] [--hello key=value]...
 *
 * ntlm_auth's helper protocol carries no message signing or sealing, so
 * messages are n/a.  Prints one line: RESULT status=... package=... ...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wire.h"

#define SEC_I_CONTINUE_NEEDED 0x00090312u
#define MAX_LINE 16384

struct helper {
    pid_t pid;
    FILE *to, *from;
};

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_encode(const unsigned char *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Decodes up to the first character outside the alphabet; returns the length. */
static size_t base64_decode(const char *s, unsigned char *out)
{
    uint32_t v = 0;
    int bits = 0;
    size_t n = 0;
    for (; *s != '\0'; s++) {
        const char *c = strchr(b64, *s);
        if (c == NULL || *s == '\0')
            break;
        v = v << 6 | (uint32_t)(c - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(v >> bits);
        }
    }
    return n;
}

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* What Samba's AUTHENTICATE carries: NTLMv1, NTLMv2, or NTLMv2 with a MIC
 * (MsvAvFlags bit 0x2 in the AV pairs of the NTLMv2 response). */
static const char *describe_authenticate(const unsigned char *m, size_t n)
{
    if (n < 28 || memcmp(m, "NTLMSSP", 8) != 0 || m[8] != 3)
        return "not-AUTHENTICATE";
    size_t len = le16(m + 20), off = le16(m + 24) | (size_t)le16(m + 26) << 16;
    if (len == 24)
        return "NTLMv1";
    if (off > n || len > n - off || len < 44)
        return "malformed";
    /* NTProofStr (16), then the blob's 28-byte header, then the AV pairs. */
    for (size_t p = off + 44; p + 4 <= off + len;) {
        uint32_t id = le16(m + p), alen = le16(m + p + 2);
        if (id == 0 || p + 4 + alen > off + len)
            break;
        if (id == 6 && alen == 4 && (m[p + 4] & 0x2))
            return "NTLMv2+MIC";
        p += 4 + alen;
    }
    /* A MIC field sits before the payload (offset 72, after the version)
     * even when MsvAvFlags does not announce it: then no acceptor checks it. */
    size_t payload = n;
    for (size_t f = 12; f <= 52; f += 8)
        if (le16(m + f) > 0 && (le16(m + f + 4) | (size_t)le16(m + f + 6) << 16) < payload)
            payload = le16(m + f + 4) | (size_t)le16(m + f + 6) << 16;
    static const unsigned char zero[16];
    if (payload >= 88 && n >= 88 && memcmp(m + 72, zero, 16) != 0)
        return "NTLMv2+MIC(unflagged)";
    return "NTLMv2";
}

static int start_helper(struct helper *h, char **argv)
{
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    h->pid = fork();
    if (h->pid < 0)
        return -1;
    if (h->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execvp(argv[0], argv);
        perror("ntlm-auth-client: exec");
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    h->to = fdopen(in[1], "w");
    h->from = fdopen(out[0], "r");
    return h->to && h->from ? 0 : -1;
}

/* Sends one request line, reads the answer; returns the two-letter code. */
static const char *ask(struct helper *h, const char *request, char *answer)
{
    fprintf(h->to, "%s\n", request);
    fflush(h->to);
    if (fgets(answer, MAX_LINE, h->from) == NULL)
        return "EOF";
    answer[strcspn(answer, "\r\n")] = '\0';
    fprintf(stderr, "ntlm-auth-client: %.2s -> %.*s\n", request,
            getenv("INTEROP_DUMP") ? MAX_LINE : 60, answer);
    answer[2] = '\0';
    return answer;
}

int main(int argc, char **argv)
{
    const char *port = NULL, *user = NULL, *domain = NULL, *password = NULL, *tool = "ntlm_auth",
               *config = NULL, *protocol = "ntlmssp-client-1";
    const struct wire_option table[] = {
        {"--port", &port, NULL},         {"--user", &user, NULL},
        {"--domain", &domain, NULL},     {"--password", &password, NULL},
        {"--ntlm-auth", &tool, NULL},    {"--configfile", &config, NULL},
        {"--protocol", &protocol, NULL}, {NULL, NULL, NULL},
    };
    char hello[2048];
    if (wire_parse_options(argc, argv, table, hello, sizeof(hello)) != 0 || port == NULL ||
        atoi(port) <= 0 || user == NULL || domain == NULL || password == NULL) {
        fprintf(stderr, "usage: see the comment at the top of ntlm_auth_client.c\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    char a_user[512], a_domain[512], a_password[512], a_config[4200];
    snprintf(a_user, sizeof(a_user), "--username=%s", user);
    snprintf(a_domain, sizeof(a_domain), "--domain=%s", domain);
    snprintf(a_password, sizeof(a_password), "--password=%s", password);
    snprintf(a_config, sizeof(a_config), "--configfile=%s", config ? config : "");
    char a_protocol[128];
    snprintf(a_protocol, sizeof(a_protocol), "--helper-protocol=%s", protocol);
    char *args[] = {
        (char *)tool, a_protocol, a_user, a_domain, a_password, config ? a_config : NULL, NULL};

    static char line[MAX_LINE], request[MAX_LINE];
    static unsigned char token[MAX_LINE];
    char result[4096] = "";
    const char *code = "-", *version = "-";
    struct helper h;
    wire_socket fd = wire_connect(atoi(port));
    if (fd == WIRE_BAD_SOCKET || start_helper(&h, args) != 0) {
        fprintf(stderr, "ntlm-auth-client: cannot connect or start %s\n", tool);
        return 1;
    }
    wire_send(fd, WIRE_HELLO, hello, (uint32_t)strlen(hello));

    uint32_t server = SEC_I_CONTINUE_NEEDED, reply_len = 0;
    unsigned char *reply = NULL;
    snprintf(request, sizeof(request), "YR");
    /* Each answer of ntlm_auth (YR, KK, AF) carries a token for the server;
     * each server token goes back as TT. */
    for (int round = 0; round < 4 && server == SEC_I_CONTINUE_NEEDED; round++) {
        code = ask(&h, request, line);
        if (strcmp(code, "YR") != 0 && strcmp(code, "KK") != 0 && strcmp(code, "AF") != 0)
            break;
        size_t len = base64_decode(line + 3, token);
        if (len == 0)
            break;
        const unsigned char *auth = memmem(token, len, "NTLMSSP\0\3", 9);
        if (auth != NULL)
            version = describe_authenticate(auth, len - (size_t)(auth - token));
        free(reply);
        reply = NULL;
        if (wire_exchange(fd, token, (uint32_t)len, &server, &reply, &reply_len) != 0)
            break;
        fprintf(stderr, "ntlm-auth-client: server %s with %u bytes\n", wire_status_name(server),
                (unsigned)reply_len);
        if (reply_len * 4 / 3 + 8 > sizeof(request))
            break;
        memcpy(request, "TT ", 3);
        base64_encode(reply, reply_len, request + 3);
        /* SPNEGO: the server's last token (its mechListMIC) must satisfy the client. */
        if (server == 0 && reply_len > 0)
            code = ask(&h, request, line);
    }
    free(reply);
    if (server != SEC_I_CONTINUE_NEEDED)
        wire_read_result(fd, result, sizeof(result));
    wire_print_result(result, "-", "n/a", code, version);
    fclose(h.to);
    fclose(h.from);
    waitpid(h.pid, NULL, 0);
    wire_close(fd);
    return 0;
}
