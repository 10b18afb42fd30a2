/*
 * test_handshake.c - our initiator and a raw GSS initiator against our
 * acceptor, for every form a Windows client sends: Kerberos, SPNEGO with
 * Kerberos, raw NTLMSSP, SPNEGO with NTLM.  Real KDC, real gss-ntlmssp.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static char *expected_krb5_user(void)
{
    return krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
}

/* Checks the acceptor's view of a finished handshake. */
static void check_server(struct handshake *hs, const char *user, const char *package, ULONG form)
{
    ck_assert_msg(hs->client_status == SEC_E_OK, "client: 0x%08x", (unsigned)hs->client_status);
    ck_assert_msg(hs->server_status == SEC_E_OK, "server: 0x%08x", (unsigned)hs->server_status);
    char *name = context_user_name(&hs->server);
    ck_assert_str_eq(name, user);
    free(name);
    char *used = context_package_used(&hs->server);
    ck_assert_str_eq(used, package);
    free(used);
    SecPkgContext_GssMech mech;
    ck_assert_int_eq(QueryContextAttributesA(&hs->server, SECPKG_ATTR_GSS_MECH, &mech), SEC_E_OK);
    ck_assert_str_eq(mech.PackageName, package);
    ck_assert_uint_eq(mech.TokenForm, form);
}

/* NTLM has no mutual authentication: granted flags must say so. */
static void check_ntlm_flags(ULONG asc_ret)
{
    ck_assert_msg(asc_ret & ASC_RET_CONFIDENTIALITY, "ASC_RET 0x%x lacks CONFIDENTIALITY", asc_ret);
    ck_assert_msg(asc_ret & ASC_RET_INTEGRITY, "ASC_RET 0x%x lacks INTEGRITY", asc_ret);
    ck_assert_msg(asc_ret & ASC_RET_ALLOCATED_MEMORY, "ASC_RET 0x%x lacks ALLOCATED", asc_ret);
    ck_assert_msg(asc_ret & ASC_RET_CONNECTION, "ASC_RET 0x%x lacks CONNECTION", asc_ret);
    ck_assert_msg(!(asc_ret & ASC_RET_DELEGATE), "ASC_RET 0x%x has DELEGATE unasked", asc_ret);
}

/* Kerberos grants every security attribute asked for. */
static void check_secure_flags(ULONG asc_ret)
{
    ck_assert_msg(asc_ret & ASC_RET_MUTUAL_AUTH, "ASC_RET 0x%x lacks MUTUAL_AUTH", asc_ret);
    ck_assert_msg(asc_ret & ASC_RET_REPLAY_DETECT, "ASC_RET 0x%x lacks REPLAY_DETECT", asc_ret);
    ck_assert_msg(asc_ret & ASC_RET_SEQUENCE_DETECT, "ASC_RET 0x%x lacks SEQUENCE", asc_ret);
    check_ntlm_flags(asc_ret);
}

static void run_ours(CredHandle *client_cred, const char *server_pkg, struct handshake *hs)
{
    CredHandle server_cred;
    acquire_inbound(server_pkg, &server_cred);
    hs->target = realm_env("GSS_SSPI_TEST_SPN");
    hs->isc_req = ISC_ALL;
    hs->asc_req = ASC_ALL;
    handshake_run(client_cred, &server_cred, hs);
    ck_assert_int_eq(FreeCredentialsHandle(&server_cred), SEC_E_OK);
}

/* alice through our client of package to our acceptor of the same package:
 * Kerberos, in form, with every security flag.  Returns alice's name. */
static char *kerberos_ours_checked(const char *package, ULONG form, CredHandle *cc,
                                   struct handshake *hs)
{
    acquire_outbound_default(package, cc);
    run_ours(cc, package, hs);
    char *user = expected_krb5_user();
    check_server(hs, user, "Kerberos", form);
    check_secure_flags(hs->asc_ret);
    return user;
}

START_TEST(kerberos_ours)
{
    CredHandle cc;
    struct handshake hs = {0};
    char *user = kerberos_ours_checked("Kerberos", GSS_SSPI_FORM_RAW, &cc, &hs);
    /* Mutual authentication: the server's SEC_E_OK came with the AP-REP. */
    ck_assert_int_eq(hs.legs, 3);
    ck_assert(hs.isc_ret & ISC_RET_MUTUAL_AUTH);
    /* Expiry is the ticket's end, in local FILETIME units: in (now, now + 2 days). */
    int64_t now = ((int64_t)time(NULL) + 11644473600LL) * 10000000LL;
    ck_assert(hs.server_expiry.QuadPart > now - 86400LL * 10000000LL);
    ck_assert(hs.server_expiry.QuadPart < now + 2 * 86400LL * 10000000LL);
    free(user);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* How many times the files watched by fd were opened since the last call. */
static int opens_since(int fd)
{
    char buf[4096];
    int opens = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            opens += (ev->mask & IN_OPEN) != 0;
            p += sizeof(*ev) + ev->len;
        }
    return opens;
}

/* A sequential server's last Kerberos context: DeleteSecurityContext does
 * not make MIT read krb5.conf again.  MIT releases a krb5 name through a
 * krb5 context of its own, which parses the file anew when no other krb5
 * context is alive; the peer name must go before the GSS context. */
START_TEST(delete_last_context_reads_no_config)
{
    CredHandle cc;
    struct handshake hs = {0};
    acquire_outbound_default("Kerberos", &cc);
    run_ours(&cc, "Kerberos", &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    ck_assert_int_eq(DeleteSecurityContext(&hs.client), SEC_E_OK);
    hs.have_client = false;
    ck_assert_int_eq(FreeCredentialsHandle(&cc), SEC_E_OK);
    int fd = inotify_init1(IN_NONBLOCK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ge(inotify_add_watch(fd, realm_env("KRB5_CONFIG"), IN_OPEN), 0);
    ck_assert_int_eq(DeleteSecurityContext(&hs.server), SEC_E_OK);
    hs.have_server = false;
    ck_assert_int_eq(opens_since(fd), 0);
    /* The watch sees opens, and no krb5 context was alive: a Kerberos name
     * made now reads the file. */
    OM_uint32 minor;
    gss_name_t name, mech_name;
    gss_buffer_desc text = {4, "HTTP"};
    ck_assert(!GSS_ERROR(gss_import_name(&minor, &text, GSS_C_NT_HOSTBASED_SERVICE, &name)));
    ck_assert(!GSS_ERROR(gss_canonicalize_name(&minor, name, test_mech_krb5(), &mech_name)));
    gss_release_name(&minor, &mech_name);
    gss_release_name(&minor, &name);
    ck_assert_int_ge(opens_since(fd), 1);
    close(fd);
    handshake_cleanup(&hs);
}
END_TEST

START_TEST(negotiate_kerberos_ours)
{
    CredHandle cc;
    struct handshake hs = {0};
    char *user = kerberos_ours_checked("Negotiate", GSS_SSPI_FORM_SPNEGO, &cc, &hs);
    char *client_used = context_package_used(&hs.client);
    ck_assert_str_eq(client_used, "Kerberos");
    free(client_used);
    free(user);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* NTLM with explicit credentials: raw NTLMSSP to a Negotiate acceptor (as
 * Wine and old HTTP stacks send), to an NTLM acceptor, and inside SPNEGO
 * from a Negotiate client restricted to NTLM (PackageList). */
static const struct {
    const char *client_pkg, *server_pkg, *user_var, *password_var, *package_list;
    ULONG form;
} ntlm_cases[] = {
    {"NTLM", "Negotiate", "GSS_SSPI_TEST_USER", "GSS_SSPI_TEST_PASSWORD", NULL, GSS_SSPI_FORM_RAW},
    {"NTLM", "NTLM", "GSS_SSPI_TEST_USER2", "GSS_SSPI_TEST_PASSWORD2", NULL, GSS_SSPI_FORM_RAW},
    {"Negotiate", "Negotiate", "GSS_SSPI_TEST_USER", "GSS_SSPI_TEST_PASSWORD", "NTLM",
     GSS_SSPI_FORM_SPNEGO},
};

START_TEST(ntlm_ours)
{
    CredHandle cc;
    struct handshake hs = {0};
    const char *user = realm_env(ntlm_cases[_i].user_var);
    ck_assert_int_eq(acquire_outbound_password(ntlm_cases[_i].client_pkg, user,
                                               realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                               realm_env(ntlm_cases[_i].password_var),
                                               ntlm_cases[_i].package_list, &cc),
                     SEC_E_OK);
    run_ours(&cc, ntlm_cases[_i].server_pkg, &hs);
    char *expected = ntlm_user_name(user);
    check_server(&hs, expected, "NTLM", ntlm_cases[_i].form);
    check_ntlm_flags(hs.asc_ret);
    free(expected);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* W functions with a non-ASCII user name, UTF-16 all the way. */
START_TEST(ntlm_wide_non_ascii_user)
{
    /* gss-ntlmssp compares user names with a locale-aware function. */
    ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
    static SEC_WCHAR user[] = {'j', 0x00FC, 'r', 'g', 'e', 'n', 0};
    static SEC_WCHAR pass[] = {'J', 0x00FC, 'r', 'g', 'e', 'n', '-', 'P', 'a', 's', 's', '3', 0};
    static SEC_WCHAR ntlm[] = {'N', 'T', 'L', 'M', 0};
    SEC_WCHAR domain[32];
    const char *d = realm_env("GSS_SSPI_TEST_NTLM_DOMAIN");
    size_t i;
    for (i = 0; d[i] && i < 31; i++)
        domain[i] = (SEC_WCHAR)d[i];
    domain[i] = 0;
    SEC_WINNT_AUTH_IDENTITY_W id = {user, 6, domain, (ULONG)i, pass, 12,
                                    SEC_WINNT_AUTH_IDENTITY_UNICODE};
    CredHandle cc;
    TimeStamp ts;
    ck_assert_int_eq(AcquireCredentialsHandleW(NULL, ntlm, SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                               NULL, &cc, &ts),
                     SEC_E_OK);
    struct handshake hs = {0};
    run_ours(&cc, "Negotiate", &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    SecPkgContext_NamesW names;
    ck_assert_int_eq(QueryContextAttributesW(&hs.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    /* "GSSSSPI\jürgen" in UTF-16 */
    size_t n = strlen(d);
    for (size_t k = 0; k < n; k++)
        ck_assert_uint_eq(names.sUserName[k], (SEC_WCHAR)d[k]);
    ck_assert_uint_eq(names.sUserName[n], '\\');
    for (size_t k = 0; k <= 6; k++)
        ck_assert_uint_eq(names.sUserName[n + 1 + k], user[k]);
    FreeContextBuffer(names.sUserName);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* A raw GSS client (plain gss_init_sec_context) to our Negotiate acceptor. */
static void run_gss(gss_OID mech, gss_cred_id_t cred, const char *user, const char *package,
                    ULONG form, bool kerberos)
{
    CredHandle server_cred;
    struct handshake hs = {0};
    struct gss_client c = {.mech = mech, .cred = cred, .req_flags = GSS_ALL};
    acquire_inbound("Negotiate", &server_cred);
    hs.target = realm_env("GSS_SSPI_TEST_SPN");
    hs.asc_req = ASC_ALL;
    gss_handshake_run(&c, &server_cred, &hs);
    ck_assert_msg(!GSS_ERROR(c.major), "gss_init_sec_context: 0x%x/%u", c.major, c.minor);
    ck_assert_msg(!(c.major & GSS_S_CONTINUE_NEEDED), "client did not finish");
    hs.client_status = SEC_E_OK;
    check_server(&hs, user, package, form);
    if (kerberos) {
        check_secure_flags(hs.asc_ret);
    } else {
        check_ntlm_flags(hs.asc_ret);
        ck_assert_msg(!(hs.asc_ret & ASC_RET_MUTUAL_AUTH), "NTLM cannot be mutual: 0x%x",
                      hs.asc_ret);
    }
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&server_cred);
}

START_TEST(gss_kerberos)
{
    char *user = expected_krb5_user();
    run_gss(test_mech_krb5(), GSS_C_NO_CREDENTIAL, user, "Kerberos", GSS_SSPI_FORM_RAW, true);
    free(user);
}
END_TEST

START_TEST(gss_spnego_kerberos)
{
    char *user = expected_krb5_user();
    run_gss(test_mech_spnego(), GSS_C_NO_CREDENTIAL, user, "Kerberos", GSS_SSPI_FORM_SPNEGO, true);
    free(user);
}
END_TEST

START_TEST(gss_ntlm_raw)
{
    OM_uint32 minor;
    gss_cred_id_t cred = gss_ntlm_user_cred(test_mech_ntlmssp());
    char *user = ntlm_user_name(realm_env("GSS_SSPI_TEST_USER"));
    run_gss(test_mech_ntlmssp(), cred, user, "NTLM", GSS_SSPI_FORM_RAW, false);
    free(user);
    gss_release_cred(&minor, &cred);
}
END_TEST

START_TEST(gss_spnego_ntlm)
{
    OM_uint32 minor;
    gss_cred_id_t cred = gss_ntlm_user_cred(test_mech_ntlmssp());
    /* An SPNEGO credential that can only do NTLM. */
    gss_cred_id_t spnego = GSS_C_NO_CREDENTIAL;
    gss_OID_set_desc only_spnego = {1, test_mech_spnego()};
    gss_OID_set_desc only_ntlm = {1, test_mech_ntlmssp()};
    char *name_s = ntlm_user_name(realm_env("GSS_SSPI_TEST_USER"));
    gss_buffer_desc nb = {strlen(name_s), name_s};
    gss_buffer_desc pw = {strlen(realm_env("GSS_SSPI_TEST_PASSWORD")),
                          (void *)realm_env("GSS_SSPI_TEST_PASSWORD")};
    gss_name_t name;
    ck_assert(!GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name)));
    ck_assert(!GSS_ERROR(gss_acquire_cred_with_password(&minor, name, &pw, 0, &only_spnego,
                                                        GSS_C_INITIATE, &spnego, NULL, NULL)));
    ck_assert(!GSS_ERROR(gss_set_neg_mechs(&minor, spnego, &only_ntlm)));
    run_gss(test_mech_spnego(), spnego, name_s, "NTLM", GSS_SSPI_FORM_SPNEGO, false);
    free(name_s);
    gss_release_name(&minor, &name);
    gss_release_cred(&minor, &spnego);
    gss_release_cred(&minor, &cred);
}
END_TEST

/* Output buffers supplied by the caller: too small, then retried. */
START_TEST(buffer_too_small_then_retry)
{
    CredHandle cc, sc;
    CtxtHandle client, server;
    acquire_outbound_default("Kerberos", &cc);
    acquire_inbound("Kerberos", &sc);
    unsigned char ctoken[4096], small[8], big[4096];
    SecBuffer cout = {sizeof(ctoken), SECBUFFER_TOKEN, ctoken};
    SecBufferDesc cout_d = {SECBUFFER_VERSION, 1, &cout};
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS s = InitializeSecurityContextA(
        &cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"), ISC_REQ_MUTUAL_AUTH, 0,
        SECURITY_NATIVE_DREP, NULL, 0, &client, &cout_d, &attrs, &ts);
    ck_assert_int_eq(s, SEC_I_CONTINUE_NEEDED);
    ck_assert(!(attrs & ISC_RET_ALLOCATED_MEMORY));

    SecBuffer sin = {cout.cbBuffer, SECBUFFER_TOKEN, ctoken};
    SecBufferDesc sin_d = {SECBUFFER_VERSION, 1, &sin};
    SecBuffer sout = {sizeof(small), SECBUFFER_TOKEN, small};
    SecBufferDesc sout_d = {SECBUFFER_VERSION, 1, &sout};
    server = (CtxtHandle){0x5EED, 0xF00D};
    s = AcceptSecurityContext(&sc, NULL, &sin_d, ASC_REQ_MUTUAL_AUTH, SECURITY_NATIVE_DREP,
                              &server, &sout_d, &attrs, &ts);
    ck_assert_int_eq(s, SEC_E_BUFFER_TOO_SMALL);
    /* As on Windows, a failed first call hands back no handle; the same
     * first call, retried with room, resumes the context (no replay). */
    ck_assert(server.dwLower == 0x5EED && server.dwUpper == 0xF00D);
    sout = (SecBuffer){sizeof(big), SECBUFFER_TOKEN, big};
    s = AcceptSecurityContext(&sc, NULL, &sin_d, ASC_REQ_MUTUAL_AUTH, SECURITY_NATIVE_DREP,
                              &server, &sout_d, &attrs, &ts);
    ck_assert_int_eq(s, SEC_E_OK);
    ck_assert_uint_gt(sout.cbBuffer, 0); /* the AP-REP comes with SEC_E_OK */
    ck_assert(attrs & ASC_RET_MUTUAL_AUTH);
    ck_assert(!(attrs & ASC_RET_ALLOCATED_MEMORY));

    SecBuffer cin = {sout.cbBuffer, SECBUFFER_TOKEN, big};
    SecBufferDesc cin_d = {SECBUFFER_VERSION, 1, &cin};
    cout = (SecBuffer){sizeof(ctoken), SECBUFFER_TOKEN, ctoken};
    s = InitializeSecurityContextA(&cc, &client, NULL, ISC_REQ_MUTUAL_AUTH, 0,
                                   SECURITY_NATIVE_DREP, &cin_d, 0, &client, &cout_d, &attrs, &ts);
    ck_assert_int_eq(s, SEC_E_OK);
    ck_assert_uint_eq(cout.cbBuffer, 0);
    DeleteSecurityContext(&client);
    DeleteSecurityContext(&server);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Kerberos with explicit credentials (password, AS exchange at acquire). */
START_TEST(kerberos_password)
{
    CredHandle cc;
    struct handshake hs = {0};
    ck_assert_int_eq(acquire_outbound_password("Kerberos", realm_env("GSS_SSPI_TEST_USER2"),
                                               realm_env("GSS_SSPI_TEST_REALM"),
                                               realm_env("GSS_SSPI_TEST_PASSWORD2"), NULL, &cc),
                     SEC_E_OK);
    SecPkgCredentials_NamesA names;
    ck_assert_int_eq(QueryCredentialsAttributesA(&cc, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    char *expect = krb5_user_name(realm_env("GSS_SSPI_TEST_USER2"));
    ck_assert_str_eq(names.sUserName, expect);
    FreeContextBuffer(names.sUserName);
    run_ours(&cc, "Negotiate", &hs);
    check_server(&hs, expect, "Kerberos", GSS_SSPI_FORM_RAW);
    free(expect);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* Target name spellings Windows and GSS callers use. */
START_TEST(target_name_forms)
{
    char with_realm[256], gss_form[256];
    snprintf(with_realm, sizeof(with_realm), "%s@%s", realm_env("GSS_SSPI_TEST_SPN"),
             realm_env("GSS_SSPI_TEST_REALM"));
    snprintf(gss_form, sizeof(gss_form), "HTTP@%s", realm_env("GSS_SSPI_TEST_HOST"));
    const char *targets[] = {realm_env("GSS_SSPI_TEST_SPN"), with_realm, gss_form};
    CredHandle cc, sc;
    acquire_outbound_default("Kerberos", &cc);
    acquire_inbound("Kerberos", &sc);
    for (size_t i = 0; i < 3; i++) {
        struct handshake hs = {.target = targets[i], .isc_req = ISC_REQ_MUTUAL_AUTH};
        handshake_run(&cc, &sc, &hs);
        ck_assert_msg(hs.server_status == SEC_E_OK && hs.client_status == SEC_E_OK,
                      "target %s: client 0x%08x server 0x%08x", targets[i],
                      (unsigned)hs.client_status, (unsigned)hs.server_status);
        handshake_cleanup(&hs);
    }
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ISC_REQ_NO_INTEGRITY: the Kerberos acceptor is told no CONF/INTEG, and
 * the client's credential handle stays usable with integrity afterwards. */
START_TEST(kerberos_no_integrity)
{
    CredHandle cc, sc;
    acquire_outbound_default("Kerberos", &cc);
    acquire_inbound("Kerberos", &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_NO_INTEGRITY,
                           .asc_req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    ck_assert_msg(!(hs.asc_ret & (ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY)),
                  "ASC_RET 0x%x", hs.asc_ret);
    handshake_cleanup(&hs);
    struct handshake again = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                              .asc_req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY};
    handshake_run(&cc, &sc, &again);
    ck_assert_int_eq(again.server_status, SEC_E_OK);
    ck_assert(again.asc_ret & ASC_RET_CONFIDENTIALITY);
    handshake_cleanup(&again);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("handshake");
    TCase *tc = tcase_create("handshake");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, kerberos_ours);
    tcase_add_test(tc, delete_last_context_reads_no_config);
    tcase_add_test(tc, negotiate_kerberos_ours);
    tcase_add_loop_test(tc, ntlm_ours, 0, sizeof(ntlm_cases) / sizeof(ntlm_cases[0]));
    tcase_add_test(tc, ntlm_wide_non_ascii_user);
    tcase_add_test(tc, gss_kerberos);
    tcase_add_test(tc, gss_spnego_kerberos);
    tcase_add_test(tc, gss_ntlm_raw);
    tcase_add_test(tc, gss_spnego_ntlm);
    tcase_add_test(tc, buffer_too_small_then_retry);
    tcase_add_test(tc, kerberos_password);
    tcase_add_test(tc, target_name_forms);
    tcase_add_test(tc, kerberos_no_integrity);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
