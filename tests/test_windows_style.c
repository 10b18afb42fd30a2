/*
 * test_windows_style.c - runs tests/windows-style-server (one Windows-style
 * SSPI source file built against our headers) as a separate process on a
 * pair of pipes, and authenticates to it with our Negotiate client:
 * Kerberos inside SPNEGO, then NTLM inside SPNEGO; then one sealed request
 * and the server's sealed reply.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

struct server {
    pid_t pid;
    FILE *to, *from;
};

static void server_start(struct server *s)
{
    int to[2], from[2];
    char path[4096];
    const char *top = getenv("top_builddir");
    snprintf(path, sizeof(path), "%s/tests/windows-style-server", top ? top : ".");
    ck_assert(pipe(to) == 0 && pipe(from) == 0);
    s->pid = fork();
    ck_assert(s->pid >= 0);
    if (s->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    s->to = fdopen(to[1], "w");
    s->from = fdopen(from[0], "r");
}

static void put(struct server *s, const void *p, ULONG len)
{
    unsigned char h[4] = {len >> 24, len >> 16, len >> 8, len};
    ck_assert_uint_eq(fwrite(h, 1, 4, s->to), 4);
    ck_assert_uint_eq(fwrite(p, 1, len, s->to), len);
    fflush(s->to);
}

static unsigned char *get(struct server *s, ULONG *len)
{
    unsigned char h[4];
    ck_assert_msg(fread(h, 1, 4, s->from) == 4, "the server stopped talking (see its stderr)");
    *len = (ULONG)h[0] << 24 | (ULONG)h[1] << 16 | (ULONG)h[2] << 8 | h[3];
    unsigned char *p = malloc(*len + 1);
    ck_assert(fread(p, 1, *len, s->from) == *len);
    p[*len] = 0;
    return p;
}

static SECURITY_STATUS get_status(struct server *s)
{
    ULONG len;
    unsigned char *p = get(s, &len);
    ck_assert_uint_eq(len, 4);
    SECURITY_STATUS st =
        (SECURITY_STATUS)((ULONG)p[0] << 24 | (ULONG)p[1] << 16 | (ULONG)p[2] << 8 | p[3]);
    free(p);
    return st;
}

START_TEST(serve_one_client)
{
    bool ntlm = _i == 1;
    struct server srv;
    CredHandle cc;
    CtxtHandle ctx;
    TimeStamp ts;
    ULONG attrs, len;
    const char *target = realm_env("GSS_SSPI_TEST_SPN");
    char *user;
    if (ntlm) {
        ck_assert_int_eq(acquire_outbound_password("Negotiate", realm_env("GSS_SSPI_TEST_USER"),
                                                   realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                                   realm_env("GSS_SSPI_TEST_PASSWORD"), "NTLM",
                                                   &cc),
                         SEC_E_OK);
        ck_assert(asprintf(&user, "%s\\%s", realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                           realm_env("GSS_SSPI_TEST_USER")) > 0);
    } else {
        acquire_outbound_default("Negotiate", &cc);
        ck_assert(asprintf(&user, "%s@%s", realm_env("GSS_SSPI_TEST_USER"),
                           realm_env("GSS_SSPI_TEST_REALM")) > 0);
    }
    server_start(&srv);

    unsigned char *reply = NULL;
    ULONG reply_len = 0;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    bool have = false;
    ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH |
                ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_ALLOCATE_MEMORY;
    for (int round = 0; round < 8 && cs == SEC_I_CONTINUE_NEEDED; round++) {
        SecBuffer ib = {reply_len, SECBUFFER_TOKEN, reply}, ob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
        cs = InitializeSecurityContextA(&cc, have ? &ctx : NULL, (SEC_CHAR *)target, req, 0,
                                        SECURITY_NATIVE_DREP, have ? &id : NULL, 0, &ctx, &od,
                                        &attrs, &ts);
        free(reply);
        reply = NULL;
        ck_assert_msg(cs == SEC_E_OK || cs == SEC_I_CONTINUE_NEEDED, "client: 0x%08x",
                      (unsigned)cs);
        have = true;
        if (ob.cbBuffer == 0)
            break;
        ck_assert_int_ne(ss, SEC_E_OK); /* the server wants no more after its SEC_E_OK */
        put(&srv, ob.pvBuffer, ob.cbBuffer);
        FreeContextBuffer(ob.pvBuffer);
        ss = get_status(&srv);
        ck_assert_msg(ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED, "server: 0x%08x",
                      (unsigned)ss);
        reply = get(&srv, &reply_len);
        if (reply_len == 0)
            break;
    }
    free(reply);
    ck_assert_int_eq(cs, SEC_E_OK);
    ck_assert_int_eq(ss, SEC_E_OK);

    /* One sealed request, one sealed reply. */
    SecPkgContext_Sizes sz;
    ck_assert_int_eq(QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    char request[] = "what is my name?";
    unsigned char tok[128], pad[16];
    SecBuffer b[3] = {{sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok},
                      {sizeof(request) - 1, SECBUFFER_DATA, request},
                      {sz.cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ck_assert_int_eq(EncryptMessage(&ctx, 0, &d, 0), SEC_E_OK);
    for (int i = 0; i < 3; i++)
        put(&srv, b[i].pvBuffer, b[i].cbBuffer);
    ck_assert_int_eq(get_status(&srv), SEC_E_OK);
    char *seen = (char *)get(&srv, &len);
    ck_assert_str_eq(seen, user);
    free(seen);
    ck_assert_int_eq(get_status(&srv), SEC_E_OK);
    unsigned char *parts[3];
    for (int i = 0; i < 3; i++) {
        parts[i] = get(&srv, &len);
        b[i] = (SecBuffer){len,
                           i == 0   ? SECBUFFER_TOKEN
                           : i == 1 ? SECBUFFER_DATA
                                    : SECBUFFER_PADDING,
                           parts[i]};
    }
    ck_assert_int_eq(DecryptMessage(&ctx, &d, 0, NULL), SEC_E_OK);
    char *expect;
    ck_assert(asprintf(&expect, "hello %s: what is my name?", user) > 0); /* request is sealed */
    ck_assert_uint_eq(b[1].cbBuffer, strlen(expect));
    ck_assert(memcmp(b[1].pvBuffer, expect, strlen(expect)) == 0);
    for (int i = 0; i < 3; i++)
        free(parts[i]);
    free(expect);
    free(user);

    fclose(srv.to);
    fclose(srv.from);
    int st;
    ck_assert(waitpid(srv.pid, &st, 0) == srv.pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the server exited with 0x%x", st);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cc);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("windows-style");
    TCase *tc = tcase_create("windows-style");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, serve_one_client, 0, 2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
