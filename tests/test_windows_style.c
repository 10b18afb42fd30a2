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

#include "testlib.h"

START_TEST(serve_one_client)
{
    bool ntlm = _i == 1;
    struct child srv;
    CredHandle cc;
    CtxtHandle ctx;
    ULONG attrs, len;
    const char *target = realm_env("GSS_SSPI_TEST_SPN");
    acquire_outbound_user("Negotiate", ntlm, "NTLM", &cc);
    const char *name = realm_env("GSS_SSPI_TEST_USER");
    char *user = ntlm ? ntlm_user_name(name) : krb5_user_name(name);
    child_start(&srv, "windows-style-server");

    unsigned char *reply = NULL;
    ULONG reply_len = 0;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    bool have = false;
    ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH |
                ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_ALLOCATE_MEMORY;
    for (int round = 0; round < 8 && cs == SEC_I_CONTINUE_NEEDED; round++) {
        SecBuffer ob;
        cs = isc_step(&cc, &ctx, &have, target, req, reply, reply_len, &ob, &attrs);
        free(reply);
        reply = NULL;
        ck_assert_msg(cs == SEC_E_OK || cs == SEC_I_CONTINUE_NEEDED, "client: 0x%08x",
                      (unsigned)cs);
        if (ob.cbBuffer == 0)
            break;
        ck_assert_int_ne(ss, SEC_E_OK); /* the server wants no more after its SEC_E_OK */
        child_put(&srv, ob.pvBuffer, ob.cbBuffer);
        FreeContextBuffer(ob.pvBuffer);
        ss = child_get_status(&srv);
        ck_assert_msg(ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED, "server: 0x%08x",
                      (unsigned)ss);
        reply = child_get(&srv, &reply_len);
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
        child_put(&srv, b[i].pvBuffer, b[i].cbBuffer);
    ck_assert_int_eq(child_get_status(&srv), SEC_E_OK);
    char *seen = child_get(&srv, &len);
    ck_assert_str_eq(seen, user);
    free(seen);
    ck_assert_int_eq(child_get_status(&srv), SEC_E_OK);
    unsigned char *parts[3];
    for (int i = 0; i < 3; i++) {
        parts[i] = child_get(&srv, &len);
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

    ck_assert_int_eq(child_finish(&srv), 0);
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
