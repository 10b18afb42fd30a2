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
 *   sspi-inspect -k KEYTAB [--now TIME] TOKEN...
 *                                also decrypts the ticket of each AP-REQ with
 *                                KEYTAB and says whether an acceptor holding
 *                                it accepts the token, and if not why
 *                                (inspect_keytab.c); --now judges the times
 *                                against TIME (seconds since 1970, or
 *                                YYYY-MM-DDTHH:MM:SSZ) instead of the clock
 *
 * Exit status: 0 decoded (and accepted), 1 not recognised or malformed,
 * 2 decoded with warnings, 3 an acceptor with KEYTAB refuses it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* -k KEYTAB and --now TIME (0: the clock). */
static const char *keytab;
static long long now_override;

static int show(const unsigned char *p, size_t len, const char *origin)
{
    out(0, "%s: %zu bytes", origin, len);
    if (!inspect_token(p, len, 1)) {
        out(1, "not a token sspi-inspect knows (SPNEGO, Kerberos, NTLMSSP)");
        return 1;
    }
    return keytab != NULL ? inspect_keytab(p, len, keytab, now_override, 1) : 0;
}

/* Seconds since 1970, or an ISO 8601 UTC time; false if neither. */
static bool parse_time(const char *text, long long *when)
{
    struct tm tm = {0};
    char *end;
    long long n = strtoll(text, &end, 10);
    if (*text != '\0' && *end == '\0' && n > 0) {
        *when = n;
        return true;
    }
    end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL || (strcmp(end, "Z") != 0 && *end != '\0'))
        return false;
    *when = (long long)timegm(&tm);
    return *when > 0;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: sspi-inspect [-k KEYTAB [--now TIME]] [-f FILE | TOKEN]...\n"
                "  TOKEN   base64 or hex, optionally with \"Authorization: Negotiate \"; "
                "stdin (one per line) if none\n"
                "  -f FILE a raw token file\n"
                "  -k KEYTAB  decrypt each Kerberos AP-REQ's ticket with KEYTAB and say whether\n"
                "             an acceptor holding it accepts the token, and if not why\n"
                "  --now TIME judge ticket and authenticator times against TIME (seconds since\n"
                "             1970 or YYYY-MM-DDTHH:MM:SSZ) instead of this machine's clock\n"
                "exit status: 0 decoded (and accepted), 1 not recognised, 2 warnings, "
                "3 refused with KEYTAB\n");
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

/* The worst outcome first: not decoded, refused, warnings. */
static int worse(int a, int b)
{
    static const int rank[] = {0, 3, 1, 2}; /* by status 0..3 */
    return rank[b] > rank[a] ? b : a;
}

int main(int argc, char **argv)
{
    int rc = 0, tokens = 0;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "-k") == 0)
            keytab = argv[i + 1];
        else if (strcmp(argv[i], "--now") == 0 && !parse_time(argv[i + 1], &now_override)) {
            fprintf(stderr, "sspi-inspect: --now %s: not a time\n", argv[i + 1]);
            return 1;
        }
    }
    /* The same authenticator may be shown twice: libkrb5 must not take it
     * for a replay, nor write a replay cache anywhere. */
    if (keytab != NULL && setenv("KRB5RCACHETYPE", "none", 1) != 0)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-k") == 0 || strcmp(argv[i], "--now") == 0)
            i++;
        else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            tokens++, rc = worse(rc, show_file(argv[++i]));
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage(stderr);
            return 1;
        } else
            tokens++, rc = worse(rc, show_text(argv[i], "argument"));
    }
    if (tokens == 0) {
        char *line = NULL;
        size_t cap = 0;
        for (int n = 1; getline(&line, &cap, stdin) > 0; n++) {
            line[strcspn(line, "\r\n")] = '\0';
            if (*line != '\0')
                rc = worse(rc, show_text(line, "stdin"));
        }
        free(line);
    }
    if (rc == 0 && warnings > 0)
        rc = 2;
    return rc;
}
