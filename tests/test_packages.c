/*
 * test_packages.c - the package list and package information, A and W,
 * with the values Windows reports, and credentials per package and use.
 */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static const struct {
    const char *name;
    USHORT rpcid;
    ULONG min_max_token; /* Windows sizes buffers from cbMaxToken */
    ULONG caps_required; /* capabilities a caller may test for */
} expected[] = {
    {"Negotiate", 9, 12000, SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION},
    {"Kerberos", 16, 12000,
     SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_MUTUAL_AUTH | SECPKG_FLAG_DELEGATION},
    {"NTLM", 10, 2888, SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION},
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

static char *narrow(const SEC_WCHAR *w)
{
    size_t n = 0;
    while (w[n])
        n++;
    char *s = malloc(n + 1);
    for (size_t i = 0; i <= n; i++) {
        ck_assert_uint_lt(w[i], 0x80);
        s[i] = (char)w[i];
    }
    return s;
}

static SEC_WCHAR *widen(const char *s)
{
    size_t n = strlen(s);
    SEC_WCHAR *w = malloc((n + 1) * sizeof(*w));
    for (size_t i = 0; i <= n; i++)
        w[i] = (unsigned char)s[i];
    return w;
}

START_TEST(enumerate_a)
{
    ULONG count = 0;
    PSecPkgInfoA infos = NULL;
    ck_assert_int_eq(EnumerateSecurityPackagesA(&count, &infos), SEC_E_OK);
    ck_assert_uint_eq(count, N_EXPECTED);
    for (size_t i = 0; i < N_EXPECTED; i++) {
        ck_assert_str_eq(infos[i].Name, expected[i].name);
        ck_assert_uint_eq(infos[i].wRPCID, expected[i].rpcid);
        ck_assert_uint_ge(infos[i].cbMaxToken, expected[i].min_max_token);
        ck_assert_uint_eq(infos[i].fCapabilities & expected[i].caps_required,
                          expected[i].caps_required);
        ck_assert_uint_gt(strlen(infos[i].Comment), 0);
    }
    ck_assert_int_eq(FreeContextBuffer(infos), SEC_E_OK);
    ck_assert_int_eq(EnumerateSecurityPackagesA(NULL, &infos), SEC_E_INVALID_PARAMETER);
}
END_TEST

START_TEST(enumerate_w)
{
    ULONG count = 0;
    PSecPkgInfoW infos = NULL;
    ck_assert_int_eq(EnumerateSecurityPackagesW(&count, &infos), SEC_E_OK);
    ck_assert_uint_eq(count, N_EXPECTED);
    for (size_t i = 0; i < N_EXPECTED; i++) {
        char *name = narrow(infos[i].Name);
        ck_assert_str_eq(name, expected[i].name);
        free(name);
        ck_assert_uint_eq(infos[i].wRPCID, expected[i].rpcid);
    }
    FreeContextBuffer(infos);
}
END_TEST

/* Package names are case-insensitive on Windows. */
START_TEST(query_package_info)
{
    static const char *spellings[][2] = {
        {"negotiate", "Negotiate"}, {"KERBEROS", "Kerberos"}, {"ntlm", "NTLM"}, {"NTLM", "NTLM"}};
    for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
        PSecPkgInfoA a = NULL;
        PSecPkgInfoW w = NULL;
        ck_assert_int_eq(QuerySecurityPackageInfoA((SEC_CHAR *)spellings[i][0], &a), SEC_E_OK);
        ck_assert_str_eq(a->Name, spellings[i][1]);
        SEC_WCHAR *wname = widen(spellings[i][0]);
        ck_assert_int_eq(QuerySecurityPackageInfoW(wname, &w), SEC_E_OK);
        char *n = narrow(w->Name);
        ck_assert_str_eq(n, spellings[i][1]);
        ck_assert_uint_eq(w->cbMaxToken, a->cbMaxToken);
        free(n);
        free(wname);
        FreeContextBuffer(a);
        FreeContextBuffer(w);
    }
}
END_TEST

START_TEST(unknown_package)
{
    PSecPkgInfoA a = NULL;
    CredHandle cred;
    TimeStamp ts;
    static SEC_WCHAR schannel[] = {'S', 'c', 'h', 'a', 'n', 'n', 'e', 'l', 0};
    ck_assert_int_eq(QuerySecurityPackageInfoA((SEC_CHAR *)"Digest", &a), SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Schannel", SECPKG_CRED_INBOUND,
                                               NULL, NULL, NULL, NULL, &cred, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(AcquireCredentialsHandleW(NULL, schannel, SECPKG_CRED_OUTBOUND, NULL, NULL,
                                               NULL, NULL, &cred, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(AcquireCredentialsHandleA(NULL, NULL, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                               NULL, &cred, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
}
END_TEST

/* Every package and every use: inbound from the keytab and NTLM user file,
 * outbound from the ccache / user file, both. */
START_TEST(credentials_every_package_and_use)
{
    static const char *pkgs[] = {"Negotiate", "Kerberos", "NTLM"};
    static const ULONG uses[] = {SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND, SECPKG_CRED_BOTH};
    for (size_t p = 0; p < 3; p++)
        for (size_t u = 0; u < 3; u++) {
            CredHandle cred;
            TimeStamp ts = {.QuadPart = 0};
            SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkgs[p], uses[u], NULL,
                                                          NULL, NULL, NULL, &cred, &ts);
            ck_assert_msg(s == SEC_E_OK, "%s use %u: 0x%08x", pkgs[p], (unsigned)uses[u],
                          (unsigned)s);
            ck_assert(ts.QuadPart > 0);
            SecPkgCredentials_NamesA names;
            ck_assert_int_eq(QueryCredentialsAttributesA(&cred, SECPKG_CRED_ATTR_NAMES, &names),
                             SEC_E_OK);
            ck_assert_uint_gt(strlen(names.sUserName), 0);
            FreeContextBuffer(names.sUserName);
            ck_assert_int_eq(QueryCredentialsAttributesA(&cred, 1234, &names),
                             SEC_E_UNSUPPORTED_FUNCTION);
            ck_assert_int_eq(FreeCredentialsHandle(&cred), SEC_E_OK);
            ck_assert_int_eq(FreeCredentialsHandle(&cred), SEC_E_INVALID_HANDLE);
        }
}
END_TEST

/* An outbound-only credential cannot accept and vice versa. */
START_TEST(credential_use_is_enforced)
{
    CredHandle in, out;
    CtxtHandle ctx;
    acquire_inbound("Kerberos", &in);
    acquire_outbound_default("Kerberos", &out);
    unsigned char junk[] = {0x60, 0x01, 0x00};
    SecBuffer b = {sizeof(junk), SECBUFFER_TOKEN, junk}, o = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc bd = {SECBUFFER_VERSION, 1, &b}, od = {SECBUFFER_VERSION, 1, &o};
    ULONG attrs;
    TimeStamp ts;
    ck_assert_int_eq(AcceptSecurityContext(&out, NULL, &bd, ASC_REQ_ALLOCATE_MEMORY, 0, &ctx, &od,
                                           &attrs, &ts),
                     SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(InitializeSecurityContextA(&in, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_REQ_ALLOCATE_MEMORY, 0, 0, NULL, 0, &ctx, &od,
                                                &attrs, &ts),
                     SEC_E_NO_CREDENTIALS);
    FreeCredentialsHandle(&in);
    FreeCredentialsHandle(&out);
}
END_TEST

/* CompleteAuthToken succeeds and does nothing on our contexts; ApplyControlToken
 * has nothing to apply for these packages. */
START_TEST(complete_and_control)
{
    CredHandle cc, sc;
    struct handshake hs = {.isc_req = ISC_REQ_MUTUAL_AUTH};
    acquire_outbound_default("Kerberos", &cc);
    acquire_inbound("Kerberos", &sc);
    hs.target = realm_env("GSS_SSPI_TEST_SPN");
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    SecBufferDesc empty = {SECBUFFER_VERSION, 0, NULL};
    ck_assert_int_eq(CompleteAuthToken(&hs.server, &empty), SEC_E_OK);
    ck_assert_int_eq(ApplyControlToken(&hs.server, &empty), SEC_E_UNSUPPORTED_FUNCTION);
    handshake_cleanup(&hs);
    ck_assert_int_eq(CompleteAuthToken(&hs.server, &empty), SEC_E_INVALID_HANDLE);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* A Kerberos acceptor without a keytab has nothing to accept with. */
START_TEST(inbound_without_keytab)
{
    CredHandle cred;
    TimeStamp ts;
    char path[512];
    snprintf(path, sizeof(path), "FILE:%s/no-such.keytab", realm_env("GSS_SSPI_TEST_DIR"));
    setenv("KRB5_KTNAME", path, 1);
    ck_assert_int_eq(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos", SECPKG_CRED_INBOUND,
                                               NULL, NULL, NULL, NULL, &cred, &ts),
                     SEC_E_NO_CREDENTIALS);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("packages");
    TCase *tc = tcase_create("packages");
    tcase_add_test(tc, enumerate_a);
    tcase_add_test(tc, enumerate_w);
    tcase_add_test(tc, query_package_info);
    tcase_add_test(tc, unknown_package);
    tcase_add_test(tc, credentials_every_package_and_use);
    tcase_add_test(tc, credential_use_is_enforced);
    tcase_add_test(tc, complete_and_control);
    tcase_add_test(tc, inbound_without_keytab);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
