/*
 * wire.h - the line protocol between tests/mech/gss-acceptor and the client
 * programs it runs (MIT or Heimdal builds of gss_client.c): one token per
 * line, "T <base64>" (possibly empty), "E <text>" on failure, "D" when the
 * client has nothing more to send.  Header-only: the Heimdal client is
 * compiled from the same sources against Heimdal's headers.  Also what
 * both programs read from their command lines: mechanism names and
 * channel bindings.
 */
#ifndef GSS_SSPI_TESTS_MECH_WIRE_H
#define GSS_SSPI_TESTS_MECH_WIRE_H

#include <gssapi/gssapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oids.h" /* the DER constants only: nothing of common/ is linked */

static gss_OID_desc wire_mechs[] = {
    {OID_KRB5_LEN, (void *)OID_KRB5_DER},
    {OID_SPNEGO_LEN, (void *)OID_SPNEGO_DER},
    {OID_NTLMSSP_LEN, (void *)OID_NTLMSSP_DER},
};
static const char *const wire_mech_names[] = {"krb5", "spnego", "ntlm"};

/* --mech / --cred: the mechanism of that name, or NULL. */
static inline gss_OID wire_mech_by_name(const char *name)
{
    for (size_t m = 0; m < sizeof(wire_mechs) / sizeof(wire_mechs[0]); m++)
        if (strcmp(name, wire_mech_names[m]) == 0)
            return &wire_mechs[m];
    return NULL;
}

/* --cb: bindings that carry only application data (no addresses), in b;
 * GSS_C_NO_CHANNEL_BINDINGS without. */
static inline gss_channel_bindings_t wire_bindings(const char *application_data,
                                                   struct gss_channel_bindings_struct *b)
{
    memset(b, 0, sizeof(*b));
    if (application_data == NULL)
        return GSS_C_NO_CHANNEL_BINDINGS;
    b->application_data.length = strlen(application_data);
    b->application_data.value = (void *)application_data;
    return b;
}

static const char wire_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline void wire_send(FILE *f, char kind, const void *data, size_t len)
{
    const unsigned char *p = data;
    fputc(kind, f);
    fputc(' ', f);
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < len ? p[i + 2] : 0);
        fputc(wire_b64[v >> 18], f);
        fputc(wire_b64[(v >> 12) & 63], f);
        fputc(i + 1 < len ? wire_b64[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < len ? wire_b64[v & 63] : '=', f);
    }
    fputc('\n', f);
    fflush(f);
}

static inline void wire_send_text(FILE *f, char kind, const char *text)
{
    fprintf(f, "%c %s\n", kind, text);
    fflush(f);
}

/* Reads one line: returns its kind ('T', 'E', 'D') or 0 at EOF/garbage; a
 * T token is decoded into a malloc'ed *data, an E text into *data. */
static inline char wire_recv(FILE *f, void **data, size_t *len)
{
    static char line[65536];
    *data = NULL;
    *len = 0;
    if (fgets(line, sizeof(line), f) == NULL || line[0] == '\0')
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    char kind = line[0];
    const char *s = line[1] == ' ' ? line + 2 : line + 1;
    if (kind == 'E') {
        *data = strdup(s);
        *len = strlen(s);
        return kind;
    }
    if (kind != 'T')
        return kind == 'D' ? 'D' : 0;
    size_t n = strlen(s);
    unsigned char *out = malloc(n / 4 * 3 + 3);
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        const char *c = strchr(wire_b64, s[i]);
        if (c == NULL || *c == '\0') {
            free(out);
            return 0;
        }
        v = v << 6 | (unsigned)(c - wire_b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits);
        }
    }
    *data = out;
    *len = o;
    return 'T';
}

#endif
