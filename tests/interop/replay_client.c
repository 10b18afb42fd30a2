/*
 * replay_client.c - replays tokens that real Windows machines produced
 * (tests/data, see its README) into interop-server, and checks what the
 * server answers.
 *
 *   interop-replay --setup DIR --keys KEYDIR
 *       writes DIR/krb5.conf (the 2009 authenticators need a huge clock
 *       skew; RC4 allowed) and DIR/windows.keytab with the Windows service
 *       keys of HTTP/server.test.domain.com@DOMAIN.COM from KEYDIR
 *       (tests/windows_keytab.c).
 *   interop-replay --port N --token FILE [--hello key=value]...
 *       sends FILE as the client's first token and prints one line:
 *       RESULT status=... package=... form=... user=... cb=... messages=n/a
 *       client_status=<what the reply token is> client_package=-
 *
 * The reply is described, not trusted: an SPNEGO reply must be a
 * NegTokenResp (negState, supportedMech), a raw Kerberos one an AP-REP, and
 * an NTLM reply must carry a CHALLENGE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "../windows_keytab.h"
#include "wire.h"

#define SEC_I_CONTINUE_NEEDED 0x00090312u

/* ---- files ------------------------------------------------------------------ */

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)size + 1)) == NULL ||
        fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "interop-replay: %s: %s\n", path, strerror(errno));
        free(buf);
        buf = NULL;
    } else {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    if (f != NULL)
        fclose(f);
    return buf;
}

/* ---- reply description (a few DER shapes) ----------------------------------- */

static const struct {
    unsigned char der[10];
    size_t len;
    const char *name;
} oids[] = {
    {{0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02}, 9, "MS-KRB5"},
    {{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}, 9, "KRB5"},
    {{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a}, 10, "NTLMSSP"},
};
static const char *const neg_states[] = {"accept-completed", "accept-incomplete", "reject",
                                         "request-mic"};

static const char *oid_name(struct der v)
{
    for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]); i++)
        if (v.len == oids[i].len && memcmp(v.p, oids[i].der, v.len) == 0)
            return oids[i].name;
    return "?";
}

/* What an inner mechanism token is: CHALLENGE (flagging MsvAvFlags=0,
 * DESIGN section 8) or AP-REP. */
static const char *describe_mech_token(struct der t)
{
    if (t.len >= 12 && memcmp(t.p, "NTLMSSP", 8) == 0 && t.p[8] == 2) {
        size_t ti_len = t.len >= 48 ? (size_t)(t.p[40] | t.p[41] << 8) : 0;
        size_t ti_off = t.len >= 48 ? (size_t)(t.p[44] | t.p[45] << 8 | t.p[46] << 16) : 0;
        for (size_t p = ti_off; ti_len && p + 4 <= ti_off + ti_len && p + 4 <= t.len;) {
            size_t id = (size_t)(t.p[p] | t.p[p + 1] << 8),
                   l = (size_t)(t.p[p + 2] | t.p[p + 3] << 8);
            if (id == 0)
                break;
            if (id == 6 && l == 4 && p + 8 <= t.len &&
                (t.p[p + 4] | t.p[p + 5] | t.p[p + 6] | t.p[p + 7]) == 0)
                return "CHALLENGE(MsvAvFlags=0)";
            p += 4 + l;
        }
        return "CHALLENGE";
    }
    /* 0x60 framing, krb5 OID, token id 02 00 */
    struct der in = t, body, oid;
    unsigned char tag;
    if (der_next(&in, &tag, &body) && tag == 0x60 && der_next(&body, &tag, &oid) &&
        tag == 0x06 && body.len >= 2 && body.p[0] == 0x02 && body.p[1] == 0x00)
        return "AP-REP";
    return "unknown";
}

static void describe_reply(const unsigned char *p, size_t n, char *out, size_t size)
{
    struct der in = {p, n}, resp, seq, field, v;
    unsigned char tag;
    if (n == 0) {
        snprintf(out, size, "none");
        return;
    }
    if (p[0] != 0xa1) {
        snprintf(out, size, "%s", describe_mech_token(in));
        return;
    }
    /* NegTokenResp ::= [1] SEQUENCE { [0] negState, [1] supportedMech,
     *                                 [2] responseToken, [3] mechListMIC } */
    const char *state = "-", *mech = "-", *inner = "-", *mic = "";
    if (!der_next(&in, &tag, &resp) || !der_next(&resp, &tag, &seq) || tag != 0x30) {
        snprintf(out, size, "malformed");
        return;
    }
    while (der_next(&seq, &tag, &field)) {
        if (!der_next(&field, &(unsigned char){0}, &v))
            break;
        if (tag == 0xa0 && v.len == 1 && v.p[0] < 4)
            state = neg_states[v.p[0]];
        else if (tag == 0xa1)
            mech = oid_name(v);
        else if (tag == 0xa2)
            inner = describe_mech_token(v);
        else if (tag == 0xa3)
            mic = ",mechListMIC";
    }
    snprintf(out, size, "NegTokenResp(%s,%s,%s%s)", state, mech, inner, mic);
}

/* ---- replay ------------------------------------------------------------------ */

static int replay(int port, const char *token_file, const char *hello)
{
    size_t len;
    unsigned char *token = read_all(token_file, &len);
    if (token == NULL)
        return 1;
    wire_socket fd = wire_connect(port);
    uint32_t status = 0, n = 0;
    unsigned char *reply = NULL;
    char result[4096] = "", what[256];
    if (fd == WIRE_BAD_SOCKET || wire_send(fd, WIRE_HELLO, hello, (uint32_t)strlen(hello)) != 0 ||
        wire_exchange(fd, token, (uint32_t)len, &status, &reply, &n) != 0) {
        fprintf(stderr, "interop-replay: no reply from port %d\n", port);
        return 1;
    }
    describe_reply(reply, n, what, sizeof(what));
    fprintf(stderr, "interop-replay: %s: server %s, reply %s\n", token_file,
            wire_status_name(status), what);
    if (status != SEC_I_CONTINUE_NEEDED)
        wire_read_result(fd, result, sizeof(result));
    else /* no RESULT yet: the package is the one the server chose */
        snprintf(result, sizeof(result), "package=%s\nform=%s\n",
                 strstr(what, "NTLMSSP") ? "NTLM"
                 : strstr(what, "KRB5")  ? "Kerberos"
                                         : "-",
                 what[0] == 'N' ? "spnego" : "raw");
    wire_print_result(result, wire_status_name(status), "n/a", what, "-");
    free(reply);
    wire_close(fd);
    free(token);
    return 0;
}

int main(int argc, char **argv)
{
    const char *setup_dir = NULL, *keys = NULL, *port = NULL, *token = NULL;
    const struct wire_option table[] = {
        {"--setup", &setup_dir, NULL}, {"--keys", &keys, NULL}, {"--port", &port, NULL},
        {"--token", &token, NULL},     {NULL, NULL, NULL},
    };
    char hello[1024];
    if (wire_parse_options(argc, argv, table, hello, sizeof(hello)) != 0)
        setup_dir = keys = port = token = NULL; /* the usage below */
    if (setup_dir != NULL && keys != NULL) {
        const char *why = windows_kerberos_write(keys, setup_dir);
        if (why != NULL)
            fprintf(stderr, "interop-replay: %s: %s\n", setup_dir, why);
        return why == NULL ? 0 : 1;
    }
    if (port != NULL && atoi(port) > 0 && token != NULL)
        return replay(atoi(port), token, hello);
    fprintf(stderr, "usage: see the comment at the top of replay_client.c\n");
    return 2;
}
