/* windows_keytab.c - krb5.conf and keytab for the captured Windows tokens
 * (see windows_keytab.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "windows_keytab.h"

const char *const windows_token_files[WINDOWS_TOKENS] = {
    "rc4-kerberos-data", "aes128-kerberos-data", "aes256-kerberos-data",
    "rc4-spnego-data",   "aes128-spnego-data",   "aes256-spnego-data",
};

/* HTTP/server.test.domain.com@DOMAIN.COM's keys: hex file, enctype, kvno. */
static const struct {
    const char *file;
    uint16_t enctype;
    uint32_t kvno;
} keys[] = {
    {"rc4-key.hex", 23, 3},
    {"aes128-key.hex", 17, 5},
    {"aes256-key.hex", 18, 5},
};

unsigned char *windows_read(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    unsigned char *buf = NULL;
    long size;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)size + 1)) == NULL ||
        fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    } else {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    fclose(f);
    return buf;
}

/* Keytab fields are big-endian; strings are a 16-bit length and the bytes. */
struct out {
    unsigned char b[256];
    size_t n;
    bool full;
};

static void put(struct out *o, uint64_t v, size_t bytes)
{
    if (o->n + bytes > sizeof(o->b)) {
        o->full = true;
        return;
    }
    for (size_t i = 0; i < bytes; i++)
        o->b[o->n++] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static void put_data(struct out *o, const void *p, size_t len)
{
    put(o, len, 2);
    if (o->full || o->n + len > sizeof(o->b)) {
        o->full = true;
        return;
    }
    memcpy(o->b + o->n, p, len);
    o->n += len;
}

/* A hex key file into key[]; its length in bytes, 0 when malformed. */
static size_t read_key(const char *data, const char *file, unsigned char key[32])
{
    size_t len = 0, n = 0;
    char *hex = (char *)windows_read(data, file, &len);
    if (hex == NULL)
        return 0;
    while (len > 0 && (hex[len - 1] == '\n' || hex[len - 1] == '\r'))
        len--;
    for (; len % 2 == 0 && n < len / 2 && n < 32; n++) {
        unsigned v;
        if (sscanf(hex + 2 * n, "%2x", &v) != 1)
            break;
        key[n] = (unsigned char)v;
    }
    free(hex);
    return len % 2 == 0 && n == len / 2 ? n : 0;
}

const char *windows_kerberos_write(const char *data, const char *work)
{
    static const char conf[] = "[libdefaults]\n"
                               "    default_realm = DOMAIN.COM\n"
                               "    clockskew = 1000000000\n" /* 2009 authenticators */
                               "    allow_weak_crypto = true\n"
                               "    allow_rc4 = true\n"
                               "    rdns = false\n"
                               "    dns_canonicalize_hostname = false\n"
                               "    dns_lookup_kdc = false\n"
                               "    dns_lookup_realm = false\n";
    char path[4096];
    const char *why = NULL;
    snprintf(path, sizeof(path), "%s/krb5.conf", work);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(conf, f) < 0 || fclose(f) != 0)
        return "cannot write krb5.conf";
    snprintf(path, sizeof(path), "%s/windows.keytab", work);
    if ((f = fopen(path, "wb")) == NULL)
        return "cannot create the keytab";
    unsigned char version[2] = {5, 2};
    fwrite(version, 1, 2, f);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && why == NULL; i++) {
        struct out e = {.n = 0}, size = {.n = 0};
        unsigned char key[32];
        size_t key_len = read_key(data, keys[i].file, key);
        if (key_len == 0) {
            why = "a key file is missing or not hex";
            break;
        }
        put(&e, 2, 2); /* components */
        put_data(&e, "DOMAIN.COM", 10);
        put_data(&e, "HTTP", 4);
        put_data(&e, "server.test.domain.com", 22);
        put(&e, 1, 4); /* KRB5_NT_PRINCIPAL */
        put(&e, (uint64_t)time(NULL), 4);
        put(&e, keys[i].kvno & 0xff, 1);
        put(&e, keys[i].enctype, 2);
        put_data(&e, key, key_len);
        put(&e, keys[i].kvno, 4);
        put(&size, e.n, 4);
        if (e.full || fwrite(size.b, 1, size.n, f) != size.n || fwrite(e.b, 1, e.n, f) != e.n)
            why = "cannot write the keytab";
        explicit_bzero(key, sizeof(key));
        explicit_bzero(&e, sizeof(e));
    }
    if (fclose(f) != 0 && why == NULL)
        why = "cannot write the keytab";
    return why;
}

int windows_kerberos_env(const char *work)
{
    char conf[4096], keytab[4200];
    snprintf(conf, sizeof(conf), "%s/krb5.conf", work);
    snprintf(keytab, sizeof(keytab), "FILE:%s/windows.keytab", work);
    return setenv("KRB5_CONFIG", conf, 1) == 0 && setenv("KRB5_KTNAME", keytab, 1) == 0 &&
                   setenv("KRB5RCACHETYPE", "none", 1) == 0
               ? 0
               : -1;
}

void windows_kerberos_remove(const char *work)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/krb5.conf", work);
    unlink(path);
    snprintf(path, sizeof(path), "%s/windows.keytab", work);
    unlink(path);
    rmdir(work);
}
