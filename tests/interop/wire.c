/* wire.c - framing for the interop clients and servers (see wire.h). */
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
#include <sys/socket.h>
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
