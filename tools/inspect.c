/*
 * sspi-inspect - decodes the authentication tokens a Windows client or
 * server exchanges (HTTP "Negotiate"/"NTLM" headers, SSPI buffers): SPNEGO
 * NegTokenInit/NegTokenInit2/NegTokenResp, Kerberos AP-REQ/AP-REP/KRB-ERROR
 * (clear-text parts), NTLMSSP NEGOTIATE/CHALLENGE/AUTHENTICATE.  It says
 * what each side offered and flags what administrators trip over (NTLMv1,
 * a missing MIC, an MsvAvFlags=0 CHALLENGE that Windows 10 clients' MIC
 * does not verify against).
 *
 *   sspi-inspect [TOKEN ...]     base64 or hex, optionally "Negotiate "/"NTLM "
 *   sspi-inspect -f FILE         a raw token file
 *   sspi-inspect                 one token per line on standard input
 *
 * Exit status: 0 decoded, 1 not recognised or malformed, 2 decoded with
 * warnings.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_wire.h"
#include "inspect.h"

int warnings;

void out(int depth, const char *fmt, ...)
{
    va_list ap;
    printf("%*s", depth * 2, "");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

void warn(int depth, const char *fmt, ...)
{
    va_list ap;
    printf("%*sWARNING: ", depth * 2, "");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    warnings++;
}

void hex_line(int depth, const char *label, const unsigned char *p, size_t len)
{
    printf("%*s%s", depth * 2, "", label);
    for (size_t i = 0; i < len && i < 64; i++)
        printf("%02x", p[i]);
    printf("%s\n", len > 64 ? "..." : "");
}

/* Hex digits only (spaces allowed): decoded into *out. */
static bool decode_hex(const char *s, unsigned char **out, size_t *len)
{
    size_t n = 0, digits = 0;
    unsigned char *buf = malloc(strlen(s) / 2 + 1);
    if (buf == NULL)
        return false;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p))
            continue;
        if (!isxdigit((unsigned char)*p)) {
            free(buf);
            return false;
        }
        int v = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
        if (digits++ % 2 == 0)
            buf[n] = (unsigned char)(v << 4);
        else
            buf[n++] |= (unsigned char)v;
    }
    if (digits == 0 || digits % 2 != 0) {
        free(buf);
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

/* A token as text: HTTP prefixes stripped, then hex or base64. */
static bool decode_text(const char *text, unsigned char **out, size_t *len)
{
    static const char *const prefixes[] = {"Authorization:", "WWW-Authenticate:", "Negotiate",
                                           "NTLM", "Kerberos"};
    while (isspace((unsigned char)*text))
        text++;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t n = strlen(prefixes[i]);
        if (strncasecmp(text, prefixes[i], n) == 0) {
            text += n;
            while (isspace((unsigned char)*text))
                text++;
        }
    }
    if (decode_hex(text, out, len))
        return true;
    return base64_decode(text, out, len) == 0 && *len > 0;
}

static int show(const unsigned char *p, size_t len, const char *origin)
{
    out(0, "%s: %zu bytes", origin, len);
    if (!inspect_token(p, len, 1)) {
        out(1, "not a token sspi-inspect knows (SPNEGO, Kerberos, NTLMSSP)");
        return 1;
    }
    return 0;
}

static int show_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    unsigned char *buf = malloc(1 << 20);
    size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    int rc = buf ? show(buf, len, path) : 1;
    free(buf);
    return rc;
}

static int show_text(const char *text, const char *origin)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    if (!decode_text(text, &buf, &len)) {
        fprintf(stderr, "sspi-inspect: %s is neither base64 nor hex\n", origin);
        return 1;
    }
    int rc = show(buf, len, origin);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc == 1) {
        char *line = NULL;
        size_t cap = 0;
        for (int n = 1; getline(&line, &cap, stdin) > 0; n++) {
            line[strcspn(line, "\r\n")] = '\0';
            if (*line != '\0')
                rc |= show_text(line, "stdin");
        }
        free(line);
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            rc |= show_file(argv[++i]);
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: sspi-inspect [-f FILE | TOKEN]...  (base64 or hex; stdin if none)\n");
            return 0;
        } else
            rc |= show_text(argv[i], "argument");
    }
    if (rc == 0 && warnings > 0)
        rc = 2;
    return rc;
}
