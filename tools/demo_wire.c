/* demo_wire.c - base64 and a minimal HTTP/1.1 reader for the demo. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "demo_wire.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t len)
{
    const unsigned char *p = data;
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < len ? p[i + 2] : 0);
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        *o++ = i + 2 < len ? b64[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

int base64_decode(const char *text, unsigned char **out, size_t *len)
{
    size_t n = strspn(text, b64), pad = strspn(text + n, "=");
    if ((n + pad) % 4 != 0 || pad > 2)
        return -1;
    unsigned char *buf = malloc(n / 4 * 3 + 3), *o = buf;
    if (buf == NULL)
        return -1;
    unsigned v = 0;
    size_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 6) | (unsigned)(strchr(b64, text[i]) - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(v >> bits);
        }
    }
    *out = buf;
    *len = (size_t)(o - buf);
    return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads byte by byte up to the blank line: the demo's messages are small. */
int http_read(int fd, struct http_message *msg)
{
    size_t used = 0;
    memset(msg, 0, sizeof(*msg));
    while (used < sizeof(msg->head) - 1) {
        ssize_t n = read(fd, msg->head + used, 1);
        if (n <= 0)
            return -1;
        used++;
        if (used >= 4 && memcmp(msg->head + used - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    msg->head[used] = '\0';
    if (used == sizeof(msg->head) - 1)
        return -1;
    char value[32];
    if (http_header(msg, "Content-Length", value, sizeof(value)) != NULL) {
        msg->body_len = strtoul(value, NULL, 10);
        if (msg->body_len > 1 << 20)
            return -1;
        msg->body = malloc(msg->body_len + 1);
        if (msg->body == NULL)
            return -1;
        for (size_t got = 0; got < msg->body_len;) {
            ssize_t n = read(fd, msg->body + got, msg->body_len - got);
            if (n <= 0)
                return -1;
            got += (size_t)n;
        }
        msg->body[msg->body_len] = '\0';
    }
    return 0;
}

void http_message_free(struct http_message *msg)
{
    free(msg->body);
    msg->body = NULL;
}

const char *http_header(const struct http_message *msg, const char *name, char *buf, size_t len)
{
    size_t nlen = strlen(name);
    for (const char *line = strstr(msg->head, "\r\n"); line != NULL;
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, nlen) != 0 || h[nlen] != ':')
            continue;
        h += nlen + 1;
        h += strspn(h, " \t");
        size_t vlen = strcspn(h, "\r\n");
        if (vlen >= len)
            return NULL;
        memcpy(buf, h, vlen);
        buf[vlen] = '\0';
        return buf;
    }
    return NULL;
}
