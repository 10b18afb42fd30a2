/* wire.c - framing and shared pieces of the interop clients and servers (see wire.h). */
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <ws2tcpip.h>
#define SOCK_IO_LEN int
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#define SOCK_IO_LEN size_t
#endif

int wire_startup(void)
{
#ifdef _WIN32
    WSADATA wsa;
    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0 ? 0 : -1;
#else
    return 0;
#endif
}

wire_socket wire_connect(int port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    wire_socket s = socket(AF_INET, SOCK_STREAM, 0);
    if (s == WIRE_BAD_SOCKET)
        return s;
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        wire_close(s);
        return WIRE_BAD_SOCKET;
    }
    return s;
}

void wire_close(wire_socket s)
{
#ifdef _WIN32
    closesocket(s);
#else
    close(s);
#endif
}

static int send_all(wire_socket s, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        long n = (long)send(s, p, (SOCK_IO_LEN)len, 0);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int recv_all(wire_socket s, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        long n = (long)recv(s, p, (SOCK_IO_LEN)len, 0);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int wire_send(wire_socket s, unsigned char type, const void *data, uint32_t len)
{
    unsigned char head[5];
    head[0] = type;
    put_u32(head + 1, len);
    if (send_all(s, head, sizeof(head)) != 0)
        return -1;
    return len == 0 ? 0 : send_all(s, data, len);
}

int wire_recv(wire_socket s, struct wire_frame *f)
{
    unsigned char head[5];
    f->data = NULL;
    if (recv_all(s, head, sizeof(head)) != 0)
        return -1;
    f->type = head[0];
    f->len = get_u32(head + 1);
    if (f->len > WIRE_MAX_FRAME)
        return -1;
    f->data = malloc((size_t)f->len + 1);
    if (f->data == NULL)
        return -1;
    f->data[f->len] = '\0';
    if (recv_all(s, f->data, f->len) != 0) {
        wire_frame_free(f);
        return -1;
    }
    return 0;
}

void wire_frame_free(struct wire_frame *f)
{
    free(f->data);
    f->data = NULL;
}

int wire_send_reply(wire_socket s, uint32_t status, const void *token, uint32_t len)
{
    unsigned char *p = malloc((size_t)len + 4);
    if (p == NULL)
        return -1;
    put_u32(p, status);
    if (len > 0)
        memcpy(p + 4, token, len);
    int r = wire_send(s, WIRE_REPLY, p, len + 4);
    free(p);
    return r;
}

int wire_parse_reply(const struct wire_frame *f, uint32_t *status, unsigned char **token,
                     uint32_t *len)
{
    if (f->type != WIRE_REPLY || f->len < 4)
        return -1;
    *status = get_u32(f->data);
    *token = f->data + 4;
    *len = f->len - 4;
    return 0;
}

int wire_send_msg(wire_socket s, unsigned char type, const struct wire_msg *m)
{
    size_t total = 8;
    for (uint32_t i = 0; i < m->count; i++)
        total += 8 + m->bufs[i].len;
    if (m->count > WIRE_MAX_BUFS || total > WIRE_MAX_FRAME)
        return -1;
    unsigned char *p = malloc(total), *q = p;
    if (p == NULL)
        return -1;
    put_u32(q, m->status);
    put_u32(q + 4, m->count);
    q += 8;
    for (uint32_t i = 0; i < m->count; i++) {
        put_u32(q, m->bufs[i].type);
        put_u32(q + 4, m->bufs[i].len);
        if (m->bufs[i].len > 0)
            memcpy(q + 8, m->bufs[i].data, m->bufs[i].len);
        q += 8 + m->bufs[i].len;
    }
    int r = wire_send(s, type, p, (uint32_t)total);
    free(p);
    return r;
}

int wire_parse_msg(const struct wire_frame *f, struct wire_msg *m)
{
    memset(m, 0, sizeof(*m));
    if (f->len < 8)
        return -1;
    m->status = get_u32(f->data);
    m->count = get_u32(f->data + 4);
    if (m->count > WIRE_MAX_BUFS)
        return -1;
    size_t off = 8;
    for (uint32_t i = 0; i < m->count; i++) {
        if (f->len - off < 8)
            return -1;
        m->bufs[i].type = get_u32(f->data + off);
        m->bufs[i].len = get_u32(f->data + off + 4);
        off += 8;
        if (m->bufs[i].len > f->len - off)
            return -1;
        m->bufs[i].data = f->data + off;
        off += m->bufs[i].len;
    }
    return off == f->len ? 0 : -1;
}

struct wire_buf *wire_msg_find(struct wire_msg *m, uint32_t type)
{
    for (uint32_t i = 0; i < m->count; i++)
        if (m->bufs[i].type == type)
            return &m->bufs[i];
    return NULL;
}

unsigned char *wire_msg_join(const struct wire_msg *m, size_t *len)
{
    *len = 0;
    for (uint32_t i = 0; i < m->count; i++)
        *len += m->bufs[i].len;
    unsigned char *p = malloc(*len + 1);
    if (p == NULL)
        return NULL;
    *len = 0;
    for (uint32_t i = 0; i < m->count; i++) {
        memcpy(p + *len, m->bufs[i].data, m->bufs[i].len);
        *len += m->bufs[i].len;
    }
    return p;
}

int wire_kv(const char *text, const char *key, char *out, size_t n)
{
    size_t klen = strlen(key);
    out[0] = '\0';
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
            size_t vlen = len - klen - 1;
            if (vlen >= n)
                vlen = n - 1;
            memcpy(out, line + klen + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}

/* Lengths that cross the interesting boundaries: one byte, less than a
 * cipher block, several blocks, and more than one TCP segment. */
static const uint32_t message_lengths[WIRE_N_MESSAGES] = {1, 13, 1000, 20000};

unsigned char *wire_test_message(int i, uint32_t *len)
{
    *len = message_lengths[i];
    unsigned char *p = malloc(*len);
    if (p == NULL)
        return NULL;
    for (uint32_t k = 0; k < *len; k++)
        p[k] = (unsigned char)('A' + (k * 7 + (uint32_t)i) % 26);
    return p;
}

static const struct {
    uint32_t status;
    const char *name;
} status_names[] = {
    {0x00000000, "SEC_E_OK"},
    {0x00090312, "SEC_I_CONTINUE_NEEDED"},
    {0x00090313, "SEC_I_COMPLETE_NEEDED"},
    {0x00090314, "SEC_I_COMPLETE_AND_CONTINUE"},
    {0x80090300, "SEC_E_INSUFFICIENT_MEMORY"},
    {0x80090301, "SEC_E_INVALID_HANDLE"},
    {0x80090302, "SEC_E_UNSUPPORTED_FUNCTION"},
    {0x80090303, "SEC_E_TARGET_UNKNOWN"},
    {0x80090304, "SEC_E_INTERNAL_ERROR"},
    {0x80090305, "SEC_E_SECPKG_NOT_FOUND"},
    {0x80090308, "SEC_E_INVALID_TOKEN"},
    {0x8009030C, "SEC_E_LOGON_DENIED"},
    {0x8009030D, "SEC_E_UNKNOWN_CREDENTIALS"},
    {0x8009030E, "SEC_E_NO_CREDENTIALS"},
    {0x8009030F, "SEC_E_MESSAGE_ALTERED"},
    {0x80090310, "SEC_E_OUT_OF_SEQUENCE"},
    {0x80090311, "SEC_E_NO_AUTHENTICATING_AUTHORITY"},
    {0x80090317, "SEC_E_CONTEXT_EXPIRED"},
    {0x80090318, "SEC_E_INCOMPLETE_MESSAGE"},
    {0x80090321, "SEC_E_BUFFER_TOO_SMALL"},
    {0x80090322, "SEC_E_WRONG_PRINCIPAL"},
    {0x80090324, "SEC_E_TIME_SKEW"},
    {0x80090346, "SEC_E_BAD_BINDINGS"},
    {0x80090348, "SEC_E_NO_KERB_KEY"},
    {0x8009035D, "SEC_E_INVALID_PARAMETER"},
    {0x80090363, "SEC_E_MUTUAL_AUTH_FAILED"},
};

const char *wire_status_name(uint32_t status)
{
    static char hex[16];
    for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
        if (status_names[i].status == status)
            return status_names[i].name;
    snprintf(hex, sizeof(hex), "0x%08x", (unsigned)status);
    return hex;
}

/* ---- clients ---- */

int wire_parse_options(int argc, char **argv, const struct wire_option *options, char *hello,
                       size_t hello_size)
{
    hello[0] = '\0';
    for (int i = 1; i < argc; i++) {
        const struct wire_option *o = options;
        while (o->name != NULL && strcmp(o->name, argv[i]) != 0)
            o++;
        if (o->flag != NULL) {
            *o->flag = 1;
            continue;
        }
        if (i + 1 >= argc || (o->name == NULL && strcmp(argv[i], "--hello") != 0))
            return -1;
        const char *value = argv[++i];
        if (o->name != NULL) {
            *o->value = value;
        } else {
            size_t n = strlen(hello);
            snprintf(hello + n, hello_size - n, "%s\n", value);
        }
    }
    return 0;
}

int wire_parse_client_options(int argc, char **argv, const struct wire_option *extra,
                              struct wire_client_options *o)
{
    enum { COMMON = 6 }; /* the rows before the client's own */
    const char *port = NULL;
    struct wire_option table[] = {
        {"--port", &port, NULL},
        {"--target", &o->target, NULL},
        {"--user", &o->user, NULL},
        {"--password", &o->password, NULL},
        {"--cb", &o->cb, NULL},
        {"--no-messages", NULL, &o->no_messages},
        [COMMON + WIRE_MAX_CLIENT_EXTRAS] = {NULL, NULL, NULL},
    };
    size_t n = 0;
    memset(o, 0, sizeof(*o));
    while (extra[n].name != NULL && n < WIRE_MAX_CLIENT_EXTRAS) {
        table[COMMON + n] = extra[n];
        n++;
    }
    if (extra[n].name != NULL ||
        wire_parse_options(argc, argv, table, o->hello, sizeof(o->hello)) != 0)
        return -1;
    o->port = port ? atoi(port) : 0;
    return o->port > 0 && o->target != NULL ? 0 : -1;
}

int wire_exchange(wire_socket s, const void *token, uint32_t len, uint32_t *status,
                  unsigned char **reply, uint32_t *reply_len)
{
    struct wire_frame f;
    unsigned char *t;
    uint32_t n;
    *reply = NULL;
    *reply_len = 0;
    if (wire_send(s, WIRE_TOKEN, token, len) != 0 || wire_recv(s, &f) != 0)
        return -1;
    int r = wire_parse_reply(&f, status, &t, &n);
    if (r == 0 && n > 0) {
        *reply = malloc(n);
        r = *reply != NULL ? 0 : -1;
        if (r == 0) {
            memcpy(*reply, t, n);
            *reply_len = n;
        }
    }
    wire_frame_free(&f);
    return r;
}

void wire_read_result(wire_socket s, char *out, size_t n)
{
    struct wire_frame f;
    if (wire_recv(s, &f) != 0)
        return;
    if (f.type == WIRE_RESULT) {
        snprintf(out, n, "%s", (const char *)f.data);
        fprintf(stderr, "server result:\n%s", out);
    }
    wire_frame_free(&f);
}

/* A RESULT value with spaces made safe; absent (or empty): the default. */
static const char *result_value(const char *result, const char *key, const char *absent, char *buf,
                                size_t n)
{
    if (!wire_kv(result, key, buf, n) || buf[0] == '\0')
        snprintf(buf, n, "%s", absent);
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '_';
    return buf;
}

void wire_print_result(const char *server_result, const char *status, const char *messages,
                       const char *client_status, const char *client_package)
{
    char v[5][256];
    printf("RESULT status=%s package=%s form=%s user=%s cb=%s messages=%s client_status=%s "
           "client_package=%s\n",
           result_value(server_result, "status", status, v[0], sizeof(v[0])),
           result_value(server_result, "package", "-", v[1], sizeof(v[1])),
           result_value(server_result, "form", "-", v[2], sizeof(v[2])),
           result_value(server_result, "user", "-", v[3], sizeof(v[3])),
           result_value(server_result, "cb", "-", v[4], sizeof(v[4])), messages, client_status,
           client_package);
    fflush(stdout);
}

#ifndef _WIN32
/* ---- servers ---- */

/* A stalled client must not hold its child forever. */
#define IO_TIMEOUT_SECONDS 60

static void serve_connection(wire_socket fd, void (*serve)(wire_socket fd, const char *hello))
{
    struct wire_frame hello;
    struct timeval tv = {IO_TIMEOUT_SECONDS, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (wire_recv(fd, &hello) == 0 && hello.type == WIRE_HELLO)
        serve(fd, (const char *)hello.data);
    wire_frame_free(&hello);
}

int wire_server_main(int argc, char **argv, const char *name,
                     void (*serve)(wire_socket fd, const char *hello))
{
    char what[256];
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
        snprintf(what, sizeof(what), "%s: listen", name);
        perror(what);
        return 1;
    }
    /* Written to a temp name and renamed: the runner never reads half a port. */
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
    FILE *pf = fopen(tmp, "w");
    if (pf == NULL || fprintf(pf, "%d\n", ntohs(addr.sin_port)) < 0 || fclose(pf) != 0 ||
        rename(tmp, argv[2]) != 0) {
        snprintf(what, sizeof(what), "%s: port file", name);
        perror(what);
        return 1;
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        if (fork() == 0) {
            close(lfd);
            serve_connection(fd, serve);
            close(fd);
            _exit(0);
        }
        close(fd);
    }
}

void wire_serve_messages(wire_socket fd, void *session,
                         void (*echo)(void *session, unsigned char type, struct wire_msg *m))
{
    struct wire_frame f;
    while (wire_recv(fd, &f) == 0) {
        struct wire_msg m;
        if ((f.type != WIRE_SEAL && f.type != WIRE_SIGN) || wire_parse_msg(&f, &m) != 0) {
            wire_frame_free(&f);
            return;
        }
        echo(session, f.type, &m);
        wire_frame_free(&f);
    }
}
#endif
