/*
 * test_dispatch.c - InitSecurityInterfaceA/W: every slot is the library's
 * function of that name (or NULL when the library has none), in the
 * Windows member order; whole conversations through the tables, the W one
 * with non-ASCII user names (NTLM and Kerberos) in UTF-16.
 */
#include <dlfcn.h>
#include <locale.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

struct slot {
    const char *name; /* exported function, or NULL for a slot Windows reserves */
    size_t offset;
};

#define SLOT_A(member, fn)                                                                         \
    {                                                                                              \
        fn, offsetof(SecurityFunctionTableA, member)                                               \
    }
#define SLOT_W(member, fn)                                                                         \
    {                                                                                              \
        fn, offsetof(SecurityFunctionTableW, member)                                               \
    }

static const struct slot slots_a[] = {
    SLOT_A(EnumerateSecurityPackagesA, "EnumerateSecurityPackagesA"),
    SLOT_A(QueryCredentialsAttributesA, "QueryCredentialsAttributesA"),
    SLOT_A(AcquireCredentialsHandleA, "AcquireCredentialsHandleA"),
    SLOT_A(FreeCredentialHandle, "FreeCredentialsHandle"),
    SLOT_A(Reserved2, NULL),
    SLOT_A(InitializeSecurityContextA, "InitializeSecurityContextA"),
    SLOT_A(AcceptSecurityContext, "AcceptSecurityContext"),
    SLOT_A(CompleteAuthToken, "CompleteAuthToken"),
    SLOT_A(DeleteSecurityContext, "DeleteSecurityContext"),
    SLOT_A(ApplyControlToken, "ApplyControlToken"),
    SLOT_A(QueryContextAttributesA, "QueryContextAttributesA"),
    SLOT_A(ImpersonateSecurityContext, "ImpersonateSecurityContext"),
    SLOT_A(RevertSecurityContext, "RevertSecurityContext"),
    SLOT_A(MakeSignature, "MakeSignature"),
    SLOT_A(VerifySignature, "VerifySignature"),
    SLOT_A(FreeContextBuffer, "FreeContextBuffer"),
    SLOT_A(QuerySecurityPackageInfoA, "QuerySecurityPackageInfoA"),
    SLOT_A(Reserved3, NULL),
    SLOT_A(Reserved4, NULL),
    SLOT_A(ExportSecurityContext, "ExportSecurityContext"),
    SLOT_A(ImportSecurityContextA, "ImportSecurityContextA"),
    SLOT_A(AddCredentialsA, "AddCredentialsA"),
    SLOT_A(Reserved8, NULL),
    SLOT_A(QuerySecurityContextToken, "QuerySecurityContextToken"),
    SLOT_A(EncryptMessage, "EncryptMessage"),
    SLOT_A(DecryptMessage, "DecryptMessage"),
    SLOT_A(SetContextAttributesA, "SetContextAttributesA"),
    SLOT_A(SetCredentialsAttributesA, "SetCredentialsAttributesA"),
    SLOT_A(ChangeAccountPasswordA, "ChangeAccountPasswordA"),
    SLOT_A(QueryContextAttributesExA, "QueryContextAttributesExA"),
    SLOT_A(QueryCredentialsAttributesExA, "QueryCredentialsAttributesExA"),
};

static const struct slot slots_w[] = {
    SLOT_W(EnumerateSecurityPackagesW, "EnumerateSecurityPackagesW"),
    SLOT_W(QueryCredentialsAttributesW, "QueryCredentialsAttributesW"),
    SLOT_W(AcquireCredentialsHandleW, "AcquireCredentialsHandleW"),
    SLOT_W(FreeCredentialsHandle, "FreeCredentialsHandle"),
    SLOT_W(Reserved2, NULL),
    SLOT_W(InitializeSecurityContextW, "InitializeSecurityContextW"),
    SLOT_W(AcceptSecurityContext, "AcceptSecurityContext"),
    SLOT_W(CompleteAuthToken, "CompleteAuthToken"),
    SLOT_W(DeleteSecurityContext, "DeleteSecurityContext"),
    SLOT_W(ApplyControlToken, "ApplyControlToken"),
    SLOT_W(QueryContextAttributesW, "QueryContextAttributesW"),
    SLOT_W(ImpersonateSecurityContext, "ImpersonateSecurityContext"),
    SLOT_W(RevertSecurityContext, "RevertSecurityContext"),
    SLOT_W(MakeSignature, "MakeSignature"),
    SLOT_W(VerifySignature, "VerifySignature"),
    SLOT_W(FreeContextBuffer, "FreeContextBuffer"),
    SLOT_W(QuerySecurityPackageInfoW, "QuerySecurityPackageInfoW"),
    SLOT_W(Reserved3, NULL),
    SLOT_W(Reserved4, NULL),
    SLOT_W(ExportSecurityContext, "ExportSecurityContext"),
    SLOT_W(ImportSecurityContextW, "ImportSecurityContextW"),
    SLOT_W(AddCredentialsW, "AddCredentialsW"),
    SLOT_W(Reserved8, NULL),
    SLOT_W(QuerySecurityContextToken, "QuerySecurityContextToken"),
    SLOT_W(EncryptMessage, "EncryptMessage"),
    SLOT_W(DecryptMessage, "DecryptMessage"),
    SLOT_W(SetContextAttributesW, "SetContextAttributesW"),
    SLOT_W(SetCredentialsAttributesW, "SetCredentialsAttributesW"),
    SLOT_W(ChangeAccountPasswordW, "ChangeAccountPasswordW"),
    SLOT_W(QueryContextAttributesExW, "QueryContextAttributesExW"),
    SLOT_W(QueryCredentialsAttributesExW, "QueryCredentialsAttributesExW"),
};

/* Each slot holds the library's exported function of that name, or NULL
 * exactly when the library exports none; every pointer-sized member is
 * accounted for. */
static void check_table(const void *table, size_t size, const struct slot *slots, size_t n)
{
    const unsigned char *base = table;
    ck_assert_uint_eq(*(const ULONG *)table, SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION);
    ck_assert_uint_eq(slots[n - 1].offset + sizeof(void *), size);
    size_t filled = 0;
    for (size_t i = 0; i < n; i++) {
        void *slot;
        memcpy(&slot, base + slots[i].offset, sizeof(slot));
        void *expected = slots[i].name ? dlsym(RTLD_DEFAULT, slots[i].name) : NULL;
        ck_assert_msg(slot == expected, "slot %zu (%s): %p, the library's function is %p", i,
                      slots[i].name ? slots[i].name : "reserved", slot, expected);
        if (i > 0)
            ck_assert_uint_eq(slots[i].offset, slots[i - 1].offset + sizeof(void *));
        filled += slot != NULL;
    }
    ck_assert_uint_ge(filled, 18);
}

START_TEST(tables_in_windows_order)
{
    PSecurityFunctionTableA a = InitSecurityInterfaceA();
    PSecurityFunctionTableW w = InitSecurityInterfaceW();
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_eq(a, InitSecurityInterfaceA());
    check_table(a, sizeof(*a), slots_a, sizeof(slots_a) / sizeof(slots_a[0]));
    check_table(w, sizeof(*w), slots_w, sizeof(slots_w) / sizeof(slots_w[0]));
    /* The generic names follow UNICODE: A here. */
    PSecurityFunctionTable t = InitSecurityInterface();
    ck_assert_ptr_eq(t, a);
    INIT_SECURITY_INTERFACE_W init =
        (INIT_SECURITY_INTERFACE_W)dlsym(RTLD_DEFAULT, SECURITY_ENTRYPOINT_ANSIW);
    ck_assert_ptr_eq(init(), w);
}
END_TEST

/* UTF-16 from UTF-8 (test data only). */
static SEC_WCHAR *w(const char *s)
{
    static SEC_WCHAR bufs[8][128];
    static int next;
    SEC_WCHAR *out = bufs[next++ % 8];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < 127) {
        unsigned c = *p++;
        if (c >= 0xC0) { /* two-byte sequences are all the tests use */
            c = ((c & 0x1F) << 6) | (*p++ & 0x3F);
        }
        out[n++] = (SEC_WCHAR)c;
    }
    out[n] = 0;
    return out;
}

static void expect_w(const SEC_WCHAR *got, const char *utf8)
{
    const SEC_WCHAR *want = w(utf8);
    size_t i = 0;
    for (; want[i]; i++)
        ck_assert_msg(got[i] == want[i], "UTF-16 unit %zu: 0x%04x, want 0x%04x (%s)", i, got[i],
                      want[i], utf8);
    ck_assert_uint_eq(got[i], 0);
}

/* A whole W conversation through the W table: explicit UTF-16 identity,
 * handshake, names, messages both ways, export and import. */
static void conversation_w(const char *client_pkg, const char *user, const char *domain,
                           const char *password, const char *expected_name, const char *used)
{
    PSecurityFunctionTableW t = InitSecurityInterfaceW();
    SEC_WCHAR wuser[64], wdomain[64], wpass[64];
    memcpy(wuser, w(user), sizeof(wuser));
    memcpy(wdomain, w(domain), sizeof(wdomain));
    memcpy(wpass, w(password), sizeof(wpass));
    size_t ul = 0, dl = 0, pl = 0;
    while (wuser[ul])
        ul++;
    while (wdomain[dl])
        dl++;
    while (wpass[pl])
        pl++;
    SEC_WINNT_AUTH_IDENTITY_W id = {
        wuser, (ULONG)ul, wdomain, (ULONG)dl, wpass, (ULONG)pl, SEC_WINNT_AUTH_IDENTITY_UNICODE};
    CredHandle cc, sc;
    CtxtHandle client, server;
    TimeStamp ts;
    ck_assert_int_eq(t->AcquireCredentialsHandleW(NULL, w(client_pkg), SECPKG_CRED_OUTBOUND, NULL,
                                                  &id, NULL, NULL, &cc, &ts),
                     SEC_E_OK);
    SecPkgCredentials_NamesW cn;
    ck_assert_int_eq(t->QueryCredentialsAttributesW(&cc, SECPKG_CRED_ATTR_NAMES, &cn), SEC_E_OK);
    expect_w(cn.sUserName, expected_name);
    t->FreeContextBuffer(cn.sUserName);
    ck_assert_int_eq(t->AcquireCredentialsHandleW(NULL, w("Negotiate"), SECPKG_CRED_INBOUND, NULL,
                                                  NULL, NULL, NULL, &sc, &ts),
                     SEC_E_OK);

    SEC_WCHAR target[128];
    memcpy(target, w(realm_env("GSS_SSPI_TEST_SPN")), sizeof(target));
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    bool have_client = false, have_server = false;
    void *reply = NULL;
    ULONG reply_len = 0, attrs;
    ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH |
                ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_ALLOCATE_MEMORY;
    for (int round = 0; round < 6 && cs == SEC_I_CONTINUE_NEEDED; round++) {
        SecBuffer ib = {reply_len, SECBUFFER_TOKEN, reply}, ob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc id_ = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
        cs = t->InitializeSecurityContextW(&cc, have_client ? &client : NULL, target, req, 0,
                                           SECURITY_NATIVE_DREP, have_client ? &id_ : NULL, 0,
                                           &client, &od, &attrs, &ts);
        t->FreeContextBuffer(reply);
        reply = NULL;
        ck_assert_msg(cs == SEC_E_OK || cs == SEC_I_CONTINUE_NEEDED, "client: 0x%08x",
                      (unsigned)cs);
        have_client = true;
        if (ob.cbBuffer == 0)
            break;
        SecBuffer sib = {ob.cbBuffer, SECBUFFER_TOKEN, ob.pvBuffer},
                  sob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc sid = {SECBUFFER_VERSION, 1, &sib}, sod = {SECBUFFER_VERSION, 1, &sob};
        ss = t->AcceptSecurityContext(&sc, have_server ? &server : NULL, &sid,
                                      ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY,
                                      SECURITY_NATIVE_DREP, &server, &sod, &attrs, &ts);
        t->FreeContextBuffer(ob.pvBuffer);
        ck_assert_msg(ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED, "server: 0x%08x",
                      (unsigned)ss);
        have_server = true;
        reply = sob.pvBuffer;
        reply_len = sob.cbBuffer;
        if (reply_len == 0)
            break;
    }
    t->FreeContextBuffer(reply);
    ck_assert_int_eq(cs, SEC_E_OK);
    ck_assert_int_eq(ss, SEC_E_OK);

    SecPkgContext_NamesW names;
    ck_assert_int_eq(t->QueryContextAttributesW(&server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    expect_w(names.sUserName, expected_name);
    t->FreeContextBuffer(names.sUserName);
    SecPkgContext_NegotiationInfoW nego;
    ck_assert_int_eq(t->QueryContextAttributesW(&server, SECPKG_ATTR_NEGOTIATION_INFO, &nego),
                     SEC_E_OK);
    expect_w(nego.PackageInfo->Name, used);
    t->FreeContextBuffer(nego.PackageInfo);

    /* Messages through the table, both ways; the client's text is UTF-8. */
    SecPkgContext_Sizes sz;
    ck_assert_int_eq(t->QueryContextAttributesW(&client, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    char text[] = "Grüße from the W table";
    unsigned char tok[128], pad[16], sig[128];
    SecBuffer b[3] = {{sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok},
                      {sizeof(text), SECBUFFER_DATA, text},
                      {sz.cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ck_assert_int_eq(t->EncryptMessage(&client, 0, &d, 0), SEC_E_OK);
    ck_assert_int_eq(t->DecryptMessage(&server, &d, 0, NULL), SEC_E_OK);
    ck_assert_str_eq(text, "Grüße from the W table");
    SecBuffer m[2] = {{sizeof(text), SECBUFFER_DATA, text},
                      {sz.cbMaxSignature, SECBUFFER_TOKEN, sig}};
    SecBufferDesc md = {SECBUFFER_VERSION, 2, m};
    ck_assert_int_eq(t->MakeSignature(&server, 0, &md, 0), SEC_E_OK);
    ck_assert_int_eq(t->VerifySignature(&client, &md, 0, NULL), SEC_E_OK);

    /* Export and import the server through the table. */
    SecBuffer packed;
    CtxtHandle copy;
    ck_assert_int_eq(
        t->ExportSecurityContext(&server, SECPKG_CONTEXT_EXPORT_DELETE_OLD, &packed, NULL),
        SEC_E_OK);
    ck_assert_int_eq(t->ImportSecurityContextW(w("Negotiate"), &packed, NULL, &copy), SEC_E_OK);
    t->FreeContextBuffer(packed.pvBuffer);
    ck_assert_int_eq(t->QueryContextAttributesW(&copy, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    expect_w(names.sUserName, expected_name);
    t->FreeContextBuffer(names.sUserName);
    b[0].cbBuffer = sz.cbSecurityTrailer;
    b[1].cbBuffer = sizeof(text);
    b[2].cbBuffer = sz.cbBlockSize;
    ck_assert_int_eq(t->EncryptMessage(&client, 0, &d, 0), SEC_E_OK);
    ck_assert_int_eq(t->DecryptMessage(&copy, &d, 0, NULL), SEC_E_OK);
    ck_assert_str_eq(text, "Grüße from the W table");

    ck_assert_int_eq(t->CompleteAuthToken(&copy, &d), SEC_E_OK);
    ck_assert_int_eq(t->ApplyControlToken(&copy, &d), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_int_eq(t->DeleteSecurityContext(&copy), SEC_E_OK);
    ck_assert_int_eq(t->DeleteSecurityContext(&client), SEC_E_OK);
    ck_assert_int_eq(t->FreeCredentialsHandle(&cc), SEC_E_OK);
    ck_assert_int_eq(t->FreeCredentialsHandle(&sc), SEC_E_OK);
}

START_TEST(w_table_ntlm_non_ascii)
{
    /* gss-ntlmssp compares user names with a locale-aware function. */
    ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
    const char *domain = realm_env("GSS_SSPI_TEST_NTLM_DOMAIN");
    char expected[64];
    snprintf(expected, sizeof(expected), "%s\\jürgen", domain);
    conversation_w("NTLM", "jürgen", domain, "Jürgen-Pass3", expected, "NTLM");
}
END_TEST

START_TEST(w_table_kerberos_non_ascii)
{
    const char *realm = realm_env("GSS_SSPI_TEST_REALM");
    char expected[64];
    snprintf(expected, sizeof(expected), "jürgen@%s", realm);
    conversation_w("Negotiate", "jürgen", realm, "Jürgen-Pass3", expected, "Kerberos");
}
END_TEST

/* The A table: packages, default credentials, a Kerberos handshake. */
START_TEST(a_table_kerberos)
{
    PSecurityFunctionTableA t = InitSecurityInterfaceA();
    ULONG count;
    PSecPkgInfoA pkgs, info;
    ck_assert_int_eq(t->EnumerateSecurityPackagesA(&count, &pkgs), SEC_E_OK);
    ck_assert_uint_eq(count, 3);
    t->FreeContextBuffer(pkgs);
    ck_assert_int_eq(t->QuerySecurityPackageInfoA("Kerberos", &info), SEC_E_OK);
    ck_assert_str_eq(info->Name, "Kerberos");
    t->FreeContextBuffer(info);
    CredHandle cc, sc;
    TimeStamp ts;
    ck_assert_int_eq(t->AcquireCredentialsHandleA(NULL, "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                                  NULL, NULL, NULL, &cc, &ts),
                     SEC_E_OK);
    ck_assert_int_eq(t->AcquireCredentialsHandleA(NULL, "Kerberos", SECPKG_CRED_INBOUND, NULL, NULL,
                                                  NULL, NULL, &sc, &ts),
                     SEC_E_OK);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    SecPkgContext_NamesA names;
    ck_assert_int_eq(t->QueryContextAttributesA(&hs.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    t->FreeContextBuffer(names.sUserName);
    handshake_cleanup(&hs);
    t->FreeCredentialHandle(&cc);
    t->FreeCredentialHandle(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("dispatch");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tables_in_windows_order);
    tcase_add_test(tc, w_table_ntlm_non_ascii);
    tcase_add_test(tc, w_table_kerberos_non_ascii);
    tcase_add_test(tc, a_table_kerberos);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
