/* sample_wire.c - see sample_wire.h. */
#include <stdlib.h>
#include <string.h>

#include "sample_wire.h"

static int send_all(sock_t s, const void *p, unsigned long len)
{
    const char *c = (const char *)p;
    while (len > 0) {
        int n = send(s, c, (int)len, 0);
        if (n <= 0)
            return -1;
        c += n;
        len -= (unsigned long)n;
    }
    return 0;
}

static int recv_all(sock_t s, void *p, unsigned long len)
{
    char *c = (char *)p;
    while (len > 0) {
        int n = recv(s, c, (int)len, 0);
        if (n <= 0)
            return -1;
        c += n;
        len -= (unsigned long)n;
    }
    return 0;
}

int send_msg(sock_t s, const void *p, unsigned long len)
{
    unsigned char h[4];
    h[0] = (unsigned char)(len >> 24);
    h[1] = (unsigned char)(len >> 16);
    h[2] = (unsigned char)(len >> 8);
    h[3] = (unsigned char)len;
    return send_all(s, h, 4) == 0 && send_all(s, p, len) == 0 ? 0 : -1;
}

int recv_msg(sock_t s, void *buf, unsigned long max, unsigned long *len)
{
    unsigned char h[4];
    if (recv_all(s, h, 4) != 0)
        return -1;
    *len = (unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 | (unsigned long)h[2] << 8 | h[3];
    return *len <= max ? recv_all(s, buf, *len) : -1;
}

void token_buffer(SecBufferDesc *desc, SecBuffer *buf, void *p, unsigned long len)
{
    buf->cbBuffer = (ULONG)len;
    buf->BufferType = SECBUFFER_TOKEN;
    buf->pvBuffer = p;
    desc->ulVersion = SECBUFFER_VERSION;
    desc->cBuffers = 1;
    desc->pBuffers = buf;
}

void loopback_address(struct sockaddr_in *addr, unsigned short port)
{
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_port = htons(port);
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int token_buffers_new(unsigned long max, unsigned char **in, unsigned char **out)
{
    *in = (unsigned char *)malloc(max);
    *out = (unsigned char *)malloc(max);
    return *in != NULL && *out != NULL ? 0 : -1;
}
