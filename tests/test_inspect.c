/*
 * test_inspect.c - sspi-inspect on tokens from real Windows machines and
 * the NTLM reference vectors (../shared), on live tokens from our own
 * acceptor (gss-ntlmssp's CHALLENGE, a KRB-ERROR), and on every truncation
 * of them (no crash, a clear "malformed").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

struct run {
    int status; /* exit status of sspi-inspect */
    char text[65536];
};

/* Runs sspi-inspect on one token given as a file. */
static void inspect_bytes(const void *token, size_t len, struct run *r)
{
    char path[512], cmd[1200];
    const char *dir = getenv("GSS_SSPI_TEST_DIR") ? getenv("GSS_SSPI_TEST_DIR") : "/tmp";
    snprintf(path, sizeof(path), "%s/inspect-%d.bin", dir, (int)getpid());
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(token, 1, len, f), len);
    fclose(f);
    const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
    snprintf(cmd, sizeof(cmd), "%s/tools/sspi-inspect -f %s", top, path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(r->text, 1, sizeof(r->text) - 1, p);
    r->text[n] = '\0';
    int st = pclose(p);
    ck_assert_msg(WIFEXITED(st), "sspi-inspect died (signal %d) on a %zu-byte token",
                  WIFSIGNALED(st) ? WTERMSIG(st) : 0, len);
    r->status = WEXITSTATUS(st);
    unlink(path);
}

static void expect(const struct run *r, const char *fragment)
{
    ck_assert_msg(strstr(r->text, fragment) != NULL, "no \"%s\" in:\n%s", fragment, r->text);
}

/* Every prefix of a token: decoded or refused, never a crash. */
static void every_truncation(const unsigned char *token, size_t len)
{
    struct run r;
    for (size_t n = 0; n < len; n += (len > 400 ? 7 : 1))
        inspect_bytes(token, n, &r);
}

static char shared_path[512];

static unsigned char *read_shared(const char *rel, size_t *len)
{
    const char *shared = getenv("GSS_SSPI_SHARED");
    snprintf(shared_path, sizeof(shared_path), "%s/%s", shared ? shared : "../shared", rel);
    FILE *f = fopen(shared_path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

/* ---- tokens captured from Windows -------------------------------------------------------- */
static const struct {
    const char *file;
    const char *fragments[4];
    int status;
} windows_tokens[] = {
    {"interop/spnego/windows-server-negtokeninit2",
     {"NegTokenInit2", "1.3.6.1.4.1.311.2.2.30 NegoEx (preferred)",
      "negHints: not_defined_in_RFC4178@please_ignore", "1.3.6.1.4.1.311.2.2.10 NTLMSSP"},
     0},
    {"interop/spnego/windows10-spnego-ntlm-negotiate",
     {"NTLMSSP NEGOTIATE", "domain: WORKGROUP", "workstation: DESKTOP-Q8RE0UE",
      "version: 10.0 build 17134"},
     0},
    {"interop/windows-kerberos/aes256-spnego-data",
     {"1.2.840.48018.1.2.2 MS-KRB5", "Kerberos AP-REQ",
      "service: HTTP/server.test.domain.com@DOMAIN.COM",
      "ticket: enctype 18 (aes256-cts-hmac-sha1-96), kvno 5"},
     0},
    {"interop/windows-kerberos/rc4-kerberos-data",
     {"Kerberos AP-REQ", "mutual-required", "ticket: enctype 23", "WARNING: ticket uses a weak"},
     2},
};

START_TEST(windows_token)
{
    size_t len;
    unsigned char *token = read_shared(windows_tokens[_i].file, &len);
    if (token == NULL) {
        printf("SKIP: %s not found\n", shared_path);
        return;
    }
    struct run r;
    inspect_bytes(token, len, &r);
    ck_assert_int_eq(r.status, windows_tokens[_i].status);
    for (size_t k = 0; k < 4; k++)
        expect(&r, windows_tokens[_i].fragments[k]);
    every_truncation(token, len);
    free(token);
}
END_TEST

/* ---- [MS-NLMP] reference vectors (base64 lines in interop/ntlm/README.md) ----------------- */
START_TEST(ntlm_vectors)
{
    size_t len;
    char *readme = (char *)read_shared("interop/ntlm/README.md", &len);
    if (readme == NULL) {
        printf("SKIP: %s not found\n", shared_path);
        return;
    }
    readme[len < (1 << 16) ? len : (1 << 16) - 1] = '\0';
    /* The MIC vector is the last AUTHENTICATE in the file. */
    const char *auth = NULL, *v1 = strstr(readme, "AUTHENTICATE ");
    for (const char *p = readme; (p = strstr(p, "AUTHENTICATE ")) != NULL; p++)
        auth = p;
    ck_assert_ptr_nonnull(auth);
    char cmd[2048], b64[1024];
    const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
    struct {
        const char *line;
        const char *fragments[3];
    } cases[] = {
        {v1, {"response: NTLMv1", "WARNING: NTLMv1", "user: User"}},
        {auth,
         {"MsvAvFlags: 0x00000002 (MIC present)",
          "MsvAvChannelBindings: 6ea19df066da4622051f9c4f92c6df74",
          "MIC: c4452cf7a81e4d11d078189409575d9e"}},
    };
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(sscanf(cases[i].line, "AUTHENTICATE %1023s", b64), 1);
        snprintf(cmd, sizeof(cmd), "%s/tools/sspi-inspect '%s'", top, b64);
        FILE *p = popen(cmd, "r");
        struct run r;
        size_t n = fread(r.text, 1, sizeof(r.text) - 1, p);
        r.text[n] = '\0';
        pclose(p);
        for (size_t k = 0; k < 3; k++)
            expect(&r, cases[i].fragments[k]);
    }
    free(readme);
}
END_TEST

/* ---- live tokens from our acceptor --------------------------------------------------------- */
/* gss-ntlmssp 1.2.0's CHALLENGE: the inspector must flag MsvAvFlags = 0. */
START_TEST(live_ntlm_challenge)
{
    CredHandle cc, sc;
    CtxtHandle client, server;
    bool have_server;
    ck_assert_int_eq(acquire_outbound_password("NTLM", realm_env("GSS_SSPI_TEST_USER"),
                                               realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                               realm_env("GSS_SSPI_TEST_PASSWORD"), NULL, &cc),
                     SEC_E_OK);
    acquire_inbound("NTLM", &sc);
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    ck_assert_int_eq(InitializeSecurityContextA(&cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_REQ_ALLOCATE_MEMORY, 0, 0, NULL, 0, &client,
                                                &out_d, &attrs, &ts),
                     SEC_I_CONTINUE_NEEDED);
    void *challenge;
    ULONG challenge_len;
    ck_assert_int_eq(accept_one(&sc, out.pvBuffer, out.cbBuffer, 0, &server, &have_server,
                                &challenge, &challenge_len),
                     SEC_I_CONTINUE_NEEDED);
    struct run r;
    inspect_bytes(out.pvBuffer, out.cbBuffer, &r);
    expect(&r, "NTLMSSP NEGOTIATE");
    inspect_bytes(challenge, challenge_len, &r);
    expect(&r, "NTLMSSP CHALLENGE");
    expect(&r, "MsvAvFlags: 0x00000000");
    expect(&r, "WARNING: the CHALLENGE carries MsvAvFlags = 0");
    ck_assert_int_eq(r.status, 2);
    every_truncation(challenge, challenge_len);
    FreeContextBuffer(out.pvBuffer);
    FreeContextBuffer(challenge);
    DeleteSecurityContext(&client);
    DeleteSecurityContext(&server);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* A KRB-ERROR our acceptor sends with ASC_REQ_EXTENDED_ERROR (clock skew). */
START_TEST(live_krb_error)
{
    CredHandle cc, sc;
    CtxtHandle client, server;
    setenv("KRB5CCNAME", realm_env("GSS_SSPI_TEST_CCACHE_SKEWED"), 1);
    acquire_outbound_default("Kerberos", &cc);
    acquire_inbound("Kerberos", &sc);
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL}, in, reply = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out}, in_d = {SECBUFFER_VERSION, 1, &in},
                  reply_d = {SECBUFFER_VERSION, 1, &reply};
    ULONG attrs;
    TimeStamp ts;
    ck_assert_int_eq(InitializeSecurityContextA(&cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH, 0, 0,
                                                NULL, 0, &client, &out_d, &attrs, &ts),
                     SEC_I_CONTINUE_NEEDED);
    in = (SecBuffer){out.cbBuffer, SECBUFFER_TOKEN, out.pvBuffer};
    ck_assert_int_eq(AcceptSecurityContext(&sc, NULL, &in_d,
                                           ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_EXTENDED_ERROR, 0,
                                           &server, &reply_d, &attrs, &ts),
                     SEC_E_TIME_SKEW);
    ck_assert_uint_gt(reply.cbBuffer, 0);
    struct run r;
    inspect_bytes(out.pvBuffer, out.cbBuffer, &r);
    expect(&r, "service: HTTP/server.gss-sspi.test@GSS-SSPI.TEST");
    inspect_bytes(reply.pvBuffer, reply.cbBuffer, &r);
    expect(&r, "Kerberos KRB-ERROR 37");
    expect(&r, "WARNING: clock skew");
    every_truncation(reply.pvBuffer, reply.cbBuffer);
    FreeContextBuffer(out.pvBuffer);
    FreeContextBuffer(reply.pvBuffer);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Not a token at all. */
START_TEST(garbage)
{
    static const unsigned char junk[][12] = {
        {0}, {0x60, 0x80}, {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 9, 0, 0, 0},
        {0xa1, 0x05, 0x30, 0x03, 0xa0, 0x01}, {0x60, 0x7f, 0x06, 0x09},
    };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        struct run r;
        inspect_bytes(junk[i], sizeof(junk[i]), &r);
        ck_assert_msg(r.status == 1, "junk %zu: status %d\n%s", i, r.status, r.text);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inspect");
    TCase *tc = tcase_create("inspect");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, windows_token, 0, sizeof(windows_tokens) / sizeof(windows_tokens[0]));
    tcase_add_test(tc, ntlm_vectors);
    tcase_add_test(tc, live_ntlm_challenge);
    tcase_add_test(tc, live_krb_error);
    tcase_add_test(tc, garbage);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
