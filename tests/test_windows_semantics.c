/*
 * test_windows_semantics.c - what a Windows server ported to gss-sspi
 * expects and a plain GSS mapping would miss (issue #13): NTLM's replay and
 * sequence attributes, message sequencing, argument checks in Windows'
 * order, the authority error of an unusable NTLM user source, and the
 * SEC_E_BUFFER_TOO_SMALL calling patterns.  Real KDC, real gss-ntlmssp.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/* Windows sources include these names (case as written). */
#include <Security.h>
#include <schannel.h>

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

/* ---- message sequencing ----------------------------------------------------------- */

/* Kerberos on a context with SEQUENCE_DETECT: a gap and a late message are
 * SEC_E_OUT_OF_SEQUENCE, a replay SEC_E_INVALID_TOKEN, for signatures as for
 * sealed messages. */
static const char *const kerberos_packages[] = {"Kerberos", "Negotiate"};

START_TEST(kerberos_signatures_in_sequence)
{
    CredHandle cc, sc;
    acquire_outbound_default(kerberos_packages[_i], &cc);
    acquire_inbound(kerberos_packages[_i], &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_ALL,
                           .asc_req = ASC_ALL};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    ck_assert(hs.asc_ret & ASC_RET_SEQUENCE_DETECT);
    SecPkgContext_Sizes sizes;
    ck_assert_int_eq(QueryContextAttributesA(&hs.client, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    char m[4][8] = {"zero", "one", "two", "three"};
    unsigned char sig[4][128];
    ULONG sig_len[4];
    ck_assert_uint_le(sizes.cbMaxSignature, sizeof(sig[0]));
    for (int i = 0; i < 4; i++) {
        SecBuffer b[2] = {{sizeof(m[i]), SECBUFFER_DATA, m[i]},
                          {sizes.cbMaxSignature, SECBUFFER_TOKEN, sig[i]}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        ck_assert_int_eq(MakeSignature(&hs.client, 0, &d, 0), SEC_E_OK);
        sig_len[i] = b[1].cbBuffer;
    }
    static const struct {
        int msg;
        SECURITY_STATUS expect;
    } order[] = {
        {0, SEC_E_OK},
        {0, SEC_E_INVALID_TOKEN},     /* replayed */
        {2, SEC_E_OUT_OF_SEQUENCE},   /* one missing: a gap */
        {1, SEC_E_OUT_OF_SEQUENCE},   /* late */
        {3, SEC_E_OK},
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int k = order[i].msg;
        SecBuffer b[2] = {{sizeof(m[k]), SECBUFFER_DATA, m[k]}, {sig_len[k], SECBUFFER_TOKEN, sig[k]}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        ULONG qop;
        ck_assert_msg(VerifySignature(&hs.server, &d, 0, &qop) == order[i].expect,
                      "step %zu (message %d)", i, k);
    }
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* NTLM without confidentiality: EncryptMessage refuses (Windows' code),
 * signatures still work. */
START_TEST(ntlm_encrypt_needs_confidentiality)
{
    CredHandle cc, sc;
    acquire_outbound_user("NTLM", true, NULL, &cc);
    acquire_inbound("Negotiate", &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION,
                           .asc_req = ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    ck_assert(!(hs.asc_ret & ASC_RET_CONFIDENTIALITY));
    ck_assert(!(hs.isc_ret & ISC_RET_CONFIDENTIALITY));
    CtxtHandle *sides[] = {&hs.client, &hs.server};
    for (int i = 0; i < 2; i++) {
        char data[] = "secret";
        unsigned char token[64];
        SecBuffer b[2] = {{sizeof(token), SECBUFFER_TOKEN, token}, {6, SECBUFFER_DATA, data}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        ck_assert_int_eq(EncryptMessage(sides[i], 0, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
        ck_assert_str_eq(data, "secret"); /* untouched */
    }
    char m[] = "signed";
    unsigned char sig[64];
    SecBuffer b[2] = {{sizeof(m), SECBUFFER_DATA, m}, {sizeof(sig), SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop;
    ck_assert_int_eq(MakeSignature(&hs.client, 0, &d, 0), SEC_E_OK);
    ck_assert_int_eq(VerifySignature(&hs.server, &d, 0, &qop), SEC_E_OK);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- SEC_E_BUFFER_TOO_SMALL on a first call ---------------------------------------- */

/* The client's first token for package (FreeContextBuffer), its context in *client. */
static void *client_first_token(CredHandle *cc, CtxtHandle *client, ULONG *len)
{
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    ck_assert_int_eq(InitializeSecurityContextA(cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_ALL | ISC_REQ_ALLOCATE_MEMORY, 0,
                                                SECURITY_NATIVE_DREP, NULL, 0, client, &out_d,
                                                &attrs, &ts),
                     SEC_I_CONTINUE_NEEDED);
    *len = out.cbBuffer;
    return out.pvBuffer;
}

static SECURITY_STATUS accept_first(CredHandle *sc, void *token, ULONG len, void *out, ULONG room,
                                    CtxtHandle *server, ULONG *out_len)
{
    SecBuffer in = {len, SECBUFFER_TOKEN, token};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in};
    SecBuffer ob = {room, SECBUFFER_TOKEN, out};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS s = AcceptSecurityContext(sc, NULL, &in_d, ASC_ALL, SECURITY_NATIVE_DREP,
                                              server, &out_d, &attrs, &ts);
    *out_len = ob.cbBuffer;
    return s;
}

static const struct retry_case {
    const char *client_pkg, *server_pkg;
    bool ntlm;
    SECURITY_STATUS first; /* what the retried first call returns */
} retry_cases[] = {
    {"Kerberos", "Kerberos", false, SEC_E_OK},
    {"Negotiate", "Negotiate", false, SEC_E_OK},
    {"NTLM", "Negotiate", true, SEC_I_CONTINUE_NEEDED},
};

/* Windows' pattern: the first call fails for want of room and leaves no
 * handle; the caller retries it with phContext NULL and a larger buffer.
 * In between, another client's first call on the same credential does not
 * disturb the parked context. */
START_TEST(first_call_retried_with_null_context)
{
    const struct retry_case *c = &retry_cases[_i];
    CredHandle cc, sc;
    CtxtHandle client, other_client, server = {0x5EED, 0xF00D}, other;
    acquire_outbound_user(c->client_pkg, c->ntlm, NULL, &cc);
    acquire_inbound(c->server_pkg, &sc);
    ULONG len, other_len, out_len;
    void *token = client_first_token(&cc, &client, &len);
    unsigned char small[4], big[8192];
    ck_assert_int_eq(accept_first(&sc, token, len, small, sizeof(small), &server, &out_len),
                     SEC_E_BUFFER_TOO_SMALL);
    ck_assert(server.dwLower == 0x5EED && server.dwUpper == 0xF00D);

    void *other_token = client_first_token(&cc, &other_client, &other_len);
    ck_assert_int_eq(accept_first(&sc, other_token, other_len, big, sizeof(big), &other, &out_len),
                     c->first);
    DeleteSecurityContext(&other);
    DeleteSecurityContext(&other_client);
    FreeContextBuffer(other_token);

    ck_assert_int_eq(accept_first(&sc, token, len, big, sizeof(big), &server, &out_len), c->first);
    ck_assert_uint_gt(out_len, 0);
    FreeContextBuffer(token);
    /* The client finishes the exchange with what the retry produced. */
    SecBuffer in = {out_len, SECBUFFER_TOKEN, big};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in};
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS s = InitializeSecurityContextA(&cc, &client, NULL, ISC_ALL | ISC_REQ_ALLOCATE_MEMORY,
                                                   0, SECURITY_NATIVE_DREP, &in_d, 0, &client,
                                                   &out_d, &attrs, &ts);
    if (c->first == SEC_I_CONTINUE_NEEDED) {
        ck_assert_int_eq(s, SEC_E_OK);
        SecBuffer in2 = {out.cbBuffer, SECBUFFER_TOKEN, out.pvBuffer};
        SecBufferDesc in2_d = {SECBUFFER_VERSION, 1, &in2};
        SecBuffer ob = {sizeof(big), SECBUFFER_TOKEN, big};
        SecBufferDesc ob_d = {SECBUFFER_VERSION, 1, &ob};
        ck_assert_int_eq(AcceptSecurityContext(&sc, &server, &in2_d, ASC_ALL, SECURITY_NATIVE_DREP,
                                               &server, &ob_d, &attrs, &ts),
                         SEC_E_OK);
    } else {
        ck_assert_int_eq(s, SEC_E_OK);
    }
    FreeContextBuffer(out.pvBuffer);
    char *who = context_user_name(&server);
    ck_assert_ptr_nonnull(who);
    free(who);
    ck_assert_int_eq(DeleteSecurityContext(&server), SEC_E_OK);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* A caller that gives up after SEC_E_BUFFER_TOO_SMALL: nothing to delete,
 * nothing leaks (the parked context goes with the credential; valgrind
 * checks it in tests/retry-valgrind.sh).  A different input later is a new
 * context, and an initiator's failed first call keeps nothing. */
START_TEST(first_call_abandoned)
{
    const struct retry_case *c = &retry_cases[_i];
    CredHandle cc, sc;
    CtxtHandle client, server = {0x5EED, 0xF00D};
    acquire_outbound_user(c->client_pkg, c->ntlm, NULL, &cc);
    acquire_inbound(c->server_pkg, &sc);
    ULONG len, out_len;
    void *token = client_first_token(&cc, &client, &len);
    unsigned char small[4];
    ck_assert_int_eq(accept_first(&sc, token, len, small, sizeof(small), &server, &out_len),
                     SEC_E_BUFFER_TOO_SMALL);
    ck_assert(server.dwLower == 0x5EED && server.dwUpper == 0xF00D);
    FreeContextBuffer(token);
    DeleteSecurityContext(&client);

    /* The initiator: its first call with no room fails and leaves no handle. */
    SecBuffer out = {sizeof(small), SECBUFFER_TOKEN, small};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    client = (CtxtHandle){0x5EED, 0xF00D};
    ck_assert_int_eq(InitializeSecurityContextA(&cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_ALL, 0, SECURITY_NATIVE_DREP, NULL, 0, &client,
                                                &out_d, &attrs, &ts),
                     SEC_E_BUFFER_TOO_SMALL);
    ck_assert(client.dwLower == 0x5EED && client.dwUpper == 0xF00D);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- an unusable NTLM user source ---------------------------------------------------- */

static const struct authority_case {
    const char *user_file; /* NTLM_USER_FILE for the acceptor; "" : the realm's, wrong password */
    SECURITY_STATUS expect;
} authority_cases[] = {
    {"/nonexistent/gss-sspi-ntlm-users", SEC_E_NO_AUTHENTICATING_AUTHORITY}, /* missing */
    {"/", SEC_E_NO_AUTHENTICATING_AUTHORITY},                                /* not a file */
    {"", SEC_E_LOGON_DENIED},                                                 /* wrong password */
};

/* An outage of the NTLM user source is not a wrong password: Windows says
 * SEC_E_NO_AUTHENTICATING_AUTHORITY when no domain controller answers. */
START_TEST(ntlm_user_source_unusable)
{
    const struct authority_case *c = &authority_cases[_i];
    CredHandle cc, sc;
    const char *password = c->user_file[0] ? realm_env("GSS_SSPI_TEST_PASSWORD") : "Not-The-Password";
    ck_assert_int_eq(acquire_outbound_password("NTLM", realm_env("GSS_SSPI_TEST_USER"),
                                               realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"), password,
                                               NULL, &cc),
                     SEC_E_OK);
    acquire_inbound("Negotiate", &sc);
    char *saved = strdup(getenv("NTLM_USER_FILE"));
    if (c->user_file[0])
        setenv("NTLM_USER_FILE", c->user_file, 1);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION,
                           .asc_req = ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION};
    handshake_run(&cc, &sc, &hs);
    setenv("NTLM_USER_FILE", saved, 1);
    free(saved);
    char *why = hs.have_server ? context_last_error(&hs.server) : strdup("-");
    ck_assert_msg(hs.server_status == c->expect, "user file %s: 0x%08x (%s)", c->user_file,
                  (unsigned)hs.server_status, why);
    free(why);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- raw GSS clients failing: the same codes with or without the module ------------------
 * tests/mech/transparency.sh runs this program with and without the
 * gss-sspi-negotiate interposer; the codes asserted here must hold in both. */

static const struct gss_failure_case {
    bool spnego;       /* the client wraps NTLM in SPNEGO */
    const char *password; /* NULL: the right one */
    const char *user;     /* NULL: the test user */
    SECURITY_STATUS expect;
} gss_failure_cases[] = {
    {false, "Not-The-Password", NULL, SEC_E_LOGON_DENIED},
    {true, "Not-The-Password", NULL, SEC_E_LOGON_DENIED},
    {false, "Whatever-1", "mallory", SEC_E_LOGON_DENIED},
    {true, "Whatever-1", "mallory", SEC_E_LOGON_DENIED},
};

START_TEST(gss_client_ntlm_failures)
{
    const struct gss_failure_case *c = &gss_failure_cases[_i];
    OM_uint32 minor;
    CredHandle sc;
    char *user = ntlm_user_name(c->user ? c->user : realm_env("GSS_SSPI_TEST_USER"));
    gss_OID mech = c->spnego ? test_mech_spnego() : test_mech_ntlmssp();
    /* SPNEGO: a credential of that mechanism, held to NTLM (else it uses the
     * user's Kerberos ticket). */
    gss_cred_id_t cred = gss_password_cred(mech, user,
                                           c->password ? c->password : realm_env("GSS_SSPI_TEST_PASSWORD"));
    gss_OID_set_desc only_ntlm = {1, test_mech_ntlmssp()};
    if (c->spnego)
        ck_assert(!GSS_ERROR(gss_set_neg_mechs(&minor, cred, &only_ntlm)));
    acquire_inbound("Negotiate", &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"), .asc_req = ASC_ALL};
    struct gss_client client = {.mech = mech, .cred = cred, .req_flags = GSS_ALL};
    gss_handshake_run(&client, &sc, &hs);
    char *why = hs.have_server ? context_last_error(&hs.server) : strdup("-");
    ck_assert_msg(hs.server_status == c->expect, "%s %s: 0x%08x, expected 0x%08x (%s)",
                  c->spnego ? "SPNEGO/NTLM" : "NTLM", user, (unsigned)hs.server_status,
                  (unsigned)c->expect, why);
    free(why);
    free(user);
    handshake_cleanup(&hs);
    gss_release_cred(&minor, &cred);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* The same with the client in a process of its own, as a real server sees
 * it: the mechglue's minor-code numbering of the acceptor's process then
 * owes nothing to the client's calls. */
static void write_item(int fd, const void *p, uint32_t len)
{
    unsigned char h[4] = {len >> 24, len >> 16, len >> 8, len};
    ck_assert(write(fd, h, 4) == 4);
    ck_assert(len == 0 || write(fd, p, len) == (ssize_t)len);
}

static void *read_item(int fd, uint32_t *len)
{
    unsigned char h[4];
    if (read(fd, h, 4) != 4)
        return NULL;
    *len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    unsigned char *p = malloc(*len + 1);
    for (uint32_t got = 0; got < *len;) {
        ssize_t n = read(fd, p + got, *len - got);
        if (n <= 0) {
            free(p);
            return NULL;
        }
        got += (uint32_t)n;
    }
    return p;
}

static void gss_client_process(int fd, const struct gss_failure_case *c)
{
    OM_uint32 major, minor, flags;
    char *user = ntlm_user_name(c->user ? c->user : realm_env("GSS_SSPI_TEST_USER"));
    gss_OID mech = c->spnego ? test_mech_spnego() : test_mech_ntlmssp();
    gss_cred_id_t cred = gss_password_cred(mech, user, c->password);
    gss_OID_set_desc only_ntlm = {1, test_mech_ntlmssp()};
    if (c->spnego)
        gss_set_neg_mechs(&minor, cred, &only_ntlm);
    char *target = strdup(realm_env("GSS_SSPI_TEST_SPN"));
    *strchr(target, '/') = '@';
    gss_buffer_desc tn = {strlen(target), target}, in = GSS_C_EMPTY_BUFFER, out;
    gss_name_t name;
    gss_import_name(&minor, &tn, GSS_C_NT_HOSTBASED_SERVICE, &name);
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    uint32_t len;
    void *reply = NULL;
    do {
        major = gss_init_sec_context(&minor, cred, &ctx, name, mech, GSS_ALL, 0, NULL, &in, NULL,
                                     &out, &flags, NULL);
        free(reply);
        if (GSS_ERROR(major) || out.length == 0)
            break;
        write_item(fd, out.value, (uint32_t)out.length);
        gss_release_buffer(&minor, &out);
        reply = read_item(fd, &len);
        in.value = reply;
        in.length = reply ? len : 0;
    } while (reply != NULL && len > 0 && (major & GSS_S_CONTINUE_NEEDED));
    _exit(0);
}

START_TEST(gss_client_ntlm_failures_other_process)
{
    const struct gss_failure_case *c = &gss_failure_cases[_i];
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(sv[0]);
        gss_client_process(sv[1], c);
    }
    close(sv[1]);
    CredHandle sc;
    CtxtHandle server;
    bool have = false;
    acquire_inbound("Negotiate", &sc);
    SECURITY_STATUS s = SEC_I_CONTINUE_NEEDED;
    uint32_t len;
    void *token;
    while (s == SEC_I_CONTINUE_NEEDED && (token = read_item(sv[0], &len)) != NULL) {
        SecBuffer ib = {len, SECBUFFER_TOKEN, token}, ob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
        ULONG attrs;
        TimeStamp ts;
        s = AcceptSecurityContext(&sc, have ? &server : NULL, &id, ASC_ALL | ASC_REQ_ALLOCATE_MEMORY,
                                  SECURITY_NATIVE_DREP, &server, &od, &attrs, &ts);
        have = have || s == SEC_I_CONTINUE_NEEDED;
        free(token);
        write_item(sv[0], ob.pvBuffer, s == SEC_I_CONTINUE_NEEDED ? ob.cbBuffer : 0);
        FreeContextBuffer(ob.pvBuffer);
    }
    close(sv[0]);
    int st;
    waitpid(pid, &st, 0);
    char *why = have ? context_last_error(&server) : strdup("-");
    ck_assert_msg(s == c->expect, "%s: 0x%08x, expected 0x%08x (%s)",
                  c->spnego ? "SPNEGO/NTLM" : "NTLM", (unsigned)s, (unsigned)c->expect, why);
    free(why);
    if (have)
        DeleteSecurityContext(&server);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- the legacy names and headers Windows sources use ---------------------------------- */

START_TEST(legacy_names)
{
    CredHandle cred;
    TimeStamp ts;
    acquire_inbound("Negotiate", &cred);
    ck_assert_int_eq(FreeCredentialHandle(&cred), SEC_E_OK); /* the legacy alias */
    ck_assert_int_eq(FreeCredentialHandle(&cred), SEC_E_INVALID_HANDLE);
    PSecurityFunctionTableA table = InitSecurityInterfaceA();
    ck_assert_ptr_eq((void *)table->FreeCredentialHandle, (void *)FreeCredentialsHandle);
    /* No TLS package here: Schannel's names are known, the package is not. */
    ck_assert_int_eq(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND,
                                               NULL, NULL, NULL, NULL, &cred, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_uint_eq(sizeof(SCHANNEL_CRED), sizeof(void *) == 8 ? 80 : 56);
}
END_TEST

/* ---- the guest account -------------------------------------------------------------- */

static const struct guest_case {
    const char *guest; /* GSS_SSPI_GUEST_ACCOUNT; NULL: unset */
    SECURITY_STATUS expect;
    const char *account;
} guest_cases[] = {
    {NULL, SEC_E_NO_IMPERSONATION, NULL}, /* off by default */
    {"nobody", SEC_E_OK, "nobody"},
    {"gss-sspi-no-such-account", SEC_E_NO_IMPERSONATION, NULL},
};

/* jürgen has no local account: the configured guest stands in for him, in
 * the token and when impersonating (root only). */
START_TEST(unmapped_client_gets_guest_account)
{
    const struct guest_case *c = &guest_cases[_i];
    CredHandle cc, sc;
    if (c->guest != NULL)
        setenv("GSS_SSPI_GUEST_ACCOUNT", c->guest, 1);
    else
        unsetenv("GSS_SSPI_GUEST_ACCOUNT");
    ck_assert_int_eq(acquire_outbound_password("Kerberos", "jürgen", realm_env("GSS_SSPI_TEST_REALM"),
                                               "Jürgen-Pass3", NULL, &cc),
                     SEC_E_OK);
    acquire_inbound("Negotiate", &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_MUTUAL_AUTH,
                           .asc_req = ASC_REQ_MUTUAL_AUTH};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    HANDLE token;
    ck_assert_int_eq(QuerySecurityContextToken(&hs.server, &token), SEC_E_OK);
    GSS_SSPI_TOKEN_ACCOUNT account;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_ACCOUNT, &account),
                     c->expect);
    if (c->expect == SEC_E_OK) {
        ck_assert_str_eq(account.AccountName, c->account);
        FreeContextBuffer(account.AccountName);
    }
    GssSspiCloseToken(token);
    if (geteuid() == 0) {
        ck_assert_int_eq(ImpersonateSecurityContext(&hs.server), c->expect);
        if (c->expect == SEC_E_OK) {
            ck_assert_uint_eq(geteuid(), account.Uid);
            ck_assert_int_eq(RevertSecurityContext(&hs.server), SEC_E_OK);
            ck_assert_uint_eq(geteuid(), 0);
        }
    } else {
        test_skip_step("unmapped_client_gets_guest_account: impersonation", "switching ids needs root");
    }
    unsetenv("GSS_SSPI_GUEST_ACCOUNT");
    handshake_cleanup(&hs);
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
    tcase_add_loop_test(tc, kerberos_signatures_in_sequence, 0, 2);
    tcase_add_test(tc, ntlm_encrypt_needs_confidentiality);
    tcase_add_loop_test(tc, ntlm_user_source_unusable, 0,
                        sizeof(authority_cases) / sizeof(authority_cases[0]));
    tcase_add_loop_test(tc, gss_client_ntlm_failures, 0,
                        sizeof(gss_failure_cases) / sizeof(gss_failure_cases[0]));
    tcase_add_loop_test(tc, gss_client_ntlm_failures_other_process, 0,
                        sizeof(gss_failure_cases) / sizeof(gss_failure_cases[0]));
    tcase_add_test(tc, legacy_names);
    tcase_add_loop_test(tc, unmapped_client_gets_guest_account, 0,
                        sizeof(guest_cases) / sizeof(guest_cases[0]));
    tcase_add_test(tc, handles_checked_before_buffers);
    suite_add_tcase(s, tc);
    /* Its own case, so that tests/retry-valgrind.sh can run it alone. */
    TCase *retry = tcase_create("retry");
    tcase_set_timeout(retry, 300);
    tcase_add_loop_test(retry, first_call_retried_with_null_context, 0,
                        sizeof(retry_cases) / sizeof(retry_cases[0]));
    tcase_add_loop_test(retry, first_call_abandoned, 0, sizeof(retry_cases) / sizeof(retry_cases[0]));
    suite_add_tcase(s, retry);
    return run_suite(s);
}
