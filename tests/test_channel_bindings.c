/*
 * test_channel_bindings.c - SECBUFFER_CHANNEL_BINDINGS end to end (DESIGN
 * section 5): matching bindings accepted and reported, different ones
 * refused with SEC_E_BAD_BINDINGS, a client without bindings under the
 * policies None / Allow / Require, addresses, and malformed structures
 * refused before GSS sees the token.  Kerberos and NTLM, raw and in SPNEGO;
 * our initiator and a raw GSS one.  Real KDC, real gss-ntlmssp.
 */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

/* What a handle variable holds before a call that must not write it. */
static const CtxtHandle untouched = {0x5EED, 0xF00D};

/* "tls-server-end-point:" and a 32-byte certificate hash (no NUL inside). */
#define TLS_PREFIX "tls-server-end-point:"
static void *tls_bindings(unsigned char last, ULONG *len)
{
    char data[sizeof(TLS_PREFIX) + 32];
    memcpy(data, TLS_PREFIX, sizeof(TLS_PREFIX) - 1);
    for (int i = 0; i < 32; i++)
        data[sizeof(TLS_PREFIX) - 1 + i] = (char)(0x80 + i * 3);
    data[sizeof(TLS_PREFIX) - 1 + 31] = (char)last;
    data[sizeof(data) - 1] = '\0';
    return channel_bindings_new(data, len);
}

/* The same application data as a GSS client passes it. */
static gss_channel_bindings_t gss_tls_bindings(const void *sec_cb)
{
    const SEC_CHANNEL_BINDINGS *cb = sec_cb;
    gss_channel_bindings_t b = calloc(1, sizeof(*b));
    ck_assert_ptr_nonnull(b);
    b->application_data.length = cb->cbApplicationDataLength;
    b->application_data.value = (unsigned char *)sec_cb + cb->dwApplicationDataOffset;
    return b;
}

/* A SEC_CHANNEL_BINDINGS with both addresses and application data. */
struct addr_cb {
    ULONG init_type, acc_type;
    unsigned char init[4], acc[4];
};

static void *address_bindings(const struct addr_cb *a, ULONG *len)
{
    static const char app[] = "tls-unique:0123456789ab";
    size_t n = sizeof(SEC_CHANNEL_BINDINGS) + 8 + sizeof(app) - 1;
    unsigned char *blob = calloc(1, n);
    SEC_CHANNEL_BINDINGS *cb = (SEC_CHANNEL_BINDINGS *)blob;
    ck_assert_ptr_nonnull(blob);
    cb->dwInitiatorAddrType = a->init_type;
    cb->cbInitiatorLength = 4;
    cb->dwInitiatorOffset = sizeof(*cb);
    cb->dwAcceptorAddrType = a->acc_type;
    cb->cbAcceptorLength = 4;
    cb->dwAcceptorOffset = sizeof(*cb) + 4;
    cb->cbApplicationDataLength = sizeof(app) - 1;
    cb->dwApplicationDataOffset = sizeof(*cb) + 8;
    memcpy(blob + sizeof(*cb), a->init, 4);
    memcpy(blob + sizeof(*cb) + 4, a->acc, 4);
    memcpy(blob + sizeof(*cb) + 8, app, sizeof(app) - 1);
    *len = (ULONG)n;
    return blob;
}

/* Outbound credentials of one kind of client: the test user's Kerberos
 * cache, or her NTLM identity (Negotiate restricted to package_list). */
enum client_kind { KERBEROS, NEGOTIATE_KRB5, NTLM, NEGOTIATE_NTLM };
static const struct client {
    const char *name, *package;
    bool ntlm;
    const char *package_list;
} clients[] = {
    [KERBEROS] = {"Kerberos", "Kerberos", false, NULL},
    [NEGOTIATE_KRB5] = {"Negotiate (Kerberos)", "Negotiate", false, NULL},
    [NTLM] = {"NTLM", "NTLM", true, NULL},
    [NEGOTIATE_NTLM] = {"Negotiate (NTLM)", "Negotiate", true, "NTLM"},
};

static void acquire_client(enum client_kind kind, CredHandle *cc)
{
    const struct client *c = &clients[kind];
    acquire_outbound_user(c->package, c->ntlm, c->package_list, cc);
}

/* Our client against our server, each with its own bindings (or none). */
static void run(enum client_kind kind, const char *server_pkg, const GSS_SSPI_POLICY *policy,
                const void *client_cb, ULONG client_cb_len, const void *server_cb,
                ULONG server_cb_len, ULONG asc_req, struct handshake *hs)
{
    CredHandle cc, sc;
    acquire_client(kind, &cc);
    acquire_inbound(server_pkg, &sc);
    if (policy != NULL)
        ck_assert_int_eq(GssSspiSetCredentialsPolicy(&sc, policy), SEC_E_OK);
    hs->target = realm_env("GSS_SSPI_TEST_SPN");
    /* Mutual authentication makes Kerberos two legs, like NTLM's three. */
    hs->isc_req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY;
    hs->asc_req = asc_req | ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY;
    hs->client_cb = client_cb;
    hs->client_cb_len = client_cb_len;
    hs->server_cb = server_cb;
    hs->server_cb_len = server_cb_len;
    handshake_run(&cc, &sc, hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static ULONG cb_state(CtxtHandle *ctx)
{
    SecPkgContext_GssChannelBindings st = {99};
    ck_assert_int_eq(QueryContextAttributesA(ctx, SECPKG_ATTR_GSS_CHANNEL_BINDINGS, &st), SEC_E_OK);
    return st.State;
}

/* The bindings a side passes: none, or one of two TLS bindings. */
enum cb_use { CB_NONE, CB_SAME, CB_OTHER };

/* run() with TLS bindings on each side. */
static void run_tls(enum client_kind kind, const char *server_pkg, const GSS_SSPI_POLICY *policy,
                    enum cb_use client_cb, enum cb_use server_cb, ULONG asc_req,
                    struct handshake *hs)
{
    ULONG len;
    void *const blobs[] = {NULL, tls_bindings(0xEE, &len), tls_bindings(0xEF, &len)};
    run(kind, server_pkg, policy, blobs[client_cb], client_cb ? len : 0, blobs[server_cb],
        server_cb ? len : 0, asc_req, hs);
    free(blobs[CB_SAME]);
    free(blobs[CB_OTHER]);
}

/* The acceptor's verdict on bindings that match or not: both sides done
 * and the bindings MATCHED, or SEC_E_BAD_BINDINGS. */
static void expect_verdict(struct handshake *hs, bool match, int case_no)
{
    if (!match) {
        ck_assert_msg(hs->server_status == SEC_E_BAD_BINDINGS, "case %d: server 0x%08x", case_no,
                      (unsigned)hs->server_status);
        return;
    }
    ck_assert_msg(hs->server_status == SEC_E_OK && hs->client_status == SEC_E_OK,
                  "case %d: client 0x%08x server 0x%08x", case_no, (unsigned)hs->client_status,
                  (unsigned)hs->server_status);
    ck_assert_uint_eq(cb_state(&hs->server), GSS_SSPI_CB_MATCHED);
}

/* ---- matching, mismatching, missing ---------------------------------------------- */

static const struct pairing {
    enum client_kind client;
    const char *server_pkg;
} pairings[] = {
    {KERBEROS, "Kerberos"}, {KERBEROS, "Negotiate"}, {NEGOTIATE_KRB5, "Negotiate"},
    {NTLM, "NTLM"},         {NTLM, "Negotiate"},     {NEGOTIATE_NTLM, "Negotiate"},
};
#define PAIRINGS (sizeof(pairings) / sizeof(pairings[0]))

/* Both sides finished; the acceptor reports the bindings as state. */
static void expect_accepted(const struct pairing *p, struct handshake *hs, ULONG state)
{
    const char *client = clients[p->client].name;
    ck_assert_msg(hs->client_status == SEC_E_OK && hs->server_status == SEC_E_OK,
                  "%s to %s: client 0x%08x server 0x%08x", client, p->server_pkg,
                  (unsigned)hs->client_status, (unsigned)hs->server_status);
    ULONG got = cb_state(&hs->server);
    ck_assert_msg(got == state, "%s to %s: state %u, expected %u", client, p->server_pkg,
                  (unsigned)got, (unsigned)state);
}

/* Both mechanisms verify the bindings and set GSS_C_CHANNEL_BOUND_FLAG
 * (gss-ntlmssp 1.2.0 too: built against MIT >= 1.19 headers), and SPNEGO
 * passes the flag on. */
START_TEST(matching_bindings)
{
    const struct pairing *p = &pairings[_i];
    struct handshake hs = {0};
    run_tls(p->client, p->server_pkg, NULL, CB_SAME, CB_SAME, 0, &hs);
    expect_accepted(p, &hs, GSS_SSPI_CB_MATCHED);
    char *used = context_package_used(&hs.server);
    ck_assert_str_eq(used, clients[p->client].ntlm ? "NTLM" : "Kerberos");
    free(used);
    handshake_cleanup(&hs);
}
END_TEST

START_TEST(mismatching_bindings)
{
    const struct pairing *p = &pairings[_i];
    struct handshake hs = {0};
    run_tls(p->client, p->server_pkg, NULL, CB_SAME, CB_OTHER, 0, &hs);
    ck_assert_msg(hs.server_status == SEC_E_BAD_BINDINGS, "%s to %s: server 0x%08x",
                  clients[p->client].name, p->server_pkg, (unsigned)hs.server_status);
    /* NTLM fails on its second leg: the context is the caller's to delete. */
    ck_assert(hs.have_server == clients[p->client].ntlm);
    if (hs.have_server) {
        SecPkgContext_GssLastError err;
        ck_assert_int_eq(QueryContextAttributesA(&hs.server, SECPKG_ATTR_GSS_LAST_ERROR, &err),
                         SEC_E_OK);
        ck_assert_int_eq(err.Status, SEC_E_BAD_BINDINGS);
        FreeContextBuffer(err.Text);
    }
    handshake_cleanup(&hs);
}
END_TEST

/* One side passes bindings, the other none: let in (policy Allow, the
 * default), and the acceptor says what it saw. */
static const struct one_sided_case {
    enum cb_use client_cb, server_cb;
    ULONG state;
} one_sided_cases[] = {
    /* A client that sent none is let in by MIT (no
     * client_aware_channel_bindings here) and by gss-ntlmssp (no
     * MsvAvChannelBindings, or all zeros) alike.  Nothing was verified. */
    {CB_NONE, CB_SAME, GSS_SSPI_CB_ABSENT},
    /* The reverse: the client binds, the server passes none; nothing to check. */
    {CB_SAME, CB_NONE, GSS_SSPI_CB_NONE},
};

START_TEST(one_side_without_bindings)
{
    const struct pairing *p = &pairings[_i % PAIRINGS];
    const struct one_sided_case *c = &one_sided_cases[_i / PAIRINGS];
    struct handshake hs = {0};
    run_tls(p->client, p->server_pkg, NULL, c->client_cb, c->server_cb, 0, &hs);
    expect_accepted(p, &hs, c->state);
    handshake_cleanup(&hs);
}
END_TEST

/* A raw GSS client computes the bindings its own way: our conversion of
 * SEC_CHANNEL_BINDINGS must agree with it (not just with itself). */
static const struct gss_case {
    bool ntlm, spnego, match;
} gss_cases[] = {
    {false, false, true},  {false, true, true},  {true, false, true},
    {false, false, false}, {true, false, false},
};

START_TEST(gss_client_bindings)
{
    const struct gss_case *g = &gss_cases[_i];
    OM_uint32 minor;
    ULONG len;
    void *client_sec = tls_bindings(0xEE, &len),
         *server_sec = tls_bindings(g->match ? 0xEE : 0x01, &len);
    gss_channel_bindings_t b = gss_tls_bindings(client_sec);
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    if (g->ntlm)
        cred = gss_ntlm_user_cred(test_mech_ntlmssp());
    struct gss_client c = {.mech = g->ntlm     ? test_mech_ntlmssp()
                                   : g->spnego ? test_mech_spnego()
                                               : test_mech_krb5(),
                           .cred = cred,
                           .req_flags = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG,
                           .bindings = b};
    CredHandle sc;
    acquire_inbound("Negotiate", &sc);
    struct handshake hs = {
        .target = realm_env("GSS_SSPI_TEST_SPN"), .server_cb = server_sec, .server_cb_len = len};
    gss_handshake_run(&c, &sc, &hs);
    expect_verdict(&hs, g->match, _i); /* (a raw client leaves client_status at 0) */
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&sc);
    gss_release_cred(&minor, &cred);
    free(b);
    free(client_sec);
    free(server_sec);
}
END_TEST

/* ---- addresses ------------------------------------------------------------------- */

/* Addresses pass through to GSS: Kerberos hashes all five parts into the
 * authenticator's checksum, so a different address alone is refused. */
static const struct address_case {
    struct addr_cb client, server;
    bool match;
} address_cases[] = {
    {{GSS_C_AF_INET, GSS_C_AF_INET, {127, 0, 0, 1}, {127, 0, 0, 2}},
     {GSS_C_AF_INET, GSS_C_AF_INET, {127, 0, 0, 1}, {127, 0, 0, 2}},
     true},
    /* only the acceptor address differs */
    {{GSS_C_AF_INET, GSS_C_AF_INET, {127, 0, 0, 1}, {127, 0, 0, 2}},
     {GSS_C_AF_INET, GSS_C_AF_INET, {127, 0, 0, 1}, {127, 0, 0, 3}},
     false},
    /* only the initiator address differs */
    {{GSS_C_AF_INET, GSS_C_AF_INET, {127, 0, 0, 1}, {127, 0, 0, 2}},
     {GSS_C_AF_INET, GSS_C_AF_INET, {10, 0, 0, 1}, {127, 0, 0, 2}},
     false},
    /* only an address type differs */
    {{GSS_C_AF_INET, GSS_C_AF_INET, {127, 0, 0, 1}, {127, 0, 0, 2}},
     {GSS_C_AF_INET, GSS_C_AF_NULLADDR, {127, 0, 0, 1}, {127, 0, 0, 2}},
     false},
};

START_TEST(kerberos_addresses)
{
    const struct address_case *a = &address_cases[_i];
    ULONG client_len, server_len;
    void *client_cb = address_bindings(&a->client, &client_len);
    void *server_cb = address_bindings(&a->server, &server_len);
    struct handshake hs = {0};
    run(KERBEROS, "Negotiate", NULL, client_cb, client_len, server_cb, server_len, 0, &hs);
    expect_verdict(&hs, a->match, _i);
    handshake_cleanup(&hs);
    free(client_cb);
    free(server_cb);
}
END_TEST

/* gss-ntlmssp 1.2.0 takes application data only: bindings with addresses
 * are refused outright (GSS_S_BAD_BINDINGS, "Invalid value in argument"),
 * by its initiator when it builds AUTHENTICATE and by its acceptor whatever
 * the client sent. */
START_TEST(ntlm_refuses_addresses)
{
    ULONG addr_len, tls_len;
    void *addr_cb = address_bindings(&address_cases[0].client, &addr_len);
    void *tls_cb = tls_bindings(0xEE, &tls_len);

    struct handshake client_side = {0};
    run(NTLM, "Negotiate", NULL, addr_cb, addr_len, addr_cb, addr_len, 0, &client_side);
    ck_assert_msg(client_side.client_status == SEC_E_BAD_BINDINGS, "client 0x%08x",
                  (unsigned)client_side.client_status);
    handshake_cleanup(&client_side);

    const void *client_cbs[] = {tls_cb, NULL};
    for (size_t i = 0; i < 2; i++) {
        struct handshake hs = {0};
        run(NTLM, "Negotiate", NULL, client_cbs[i], client_cbs[i] ? tls_len : 0, addr_cb, addr_len,
            0, &hs);
        ck_assert_msg(hs.server_status == SEC_E_BAD_BINDINGS, "client cb %zu: server 0x%08x", i,
                      (unsigned)hs.server_status);
        handshake_cleanup(&hs);
    }
    free(addr_cb);
    free(tls_cb);
}
END_TEST

/* ---- malformed structures -------------------------------------------------------- */

enum field {
    F_INIT_TYPE,
    F_INIT_LEN,
    F_INIT_OFF,
    F_ACC_TYPE,
    F_ACC_LEN,
    F_ACC_OFF,
    F_APP_LEN,
    F_APP_OFF,
};

static const struct malformed_case {
    const char *what;
    ULONG cb_buffer;  /* SecBuffer.cbBuffer; 0: the blob's own size */
    enum field field; /* one header field set to value */
    ULONG value;
    bool null_buffer; /* pvBuffer NULL */
} malformed_cases[] = {
    {"application data offset past the end", 0, F_APP_OFF, 4096, false},
    {"application data length past the end", 0, F_APP_LEN, 54, false},
    {"application data offset inside the header", 0, F_APP_OFF, 8, false},
    {"application data offset just inside the header", 0, F_APP_OFF, 31, false},
    {"offset + length wraps at 32 bits", 0, F_APP_OFF, 0xFFFFFFF0u, false},
    {"length wraps at 32 bits", 0, F_APP_LEN, 0xFFFFFFFFu, false},
    {"cbBuffer smaller than the header", 31, F_APP_LEN, 53 - 32, false},
    {"cbBuffer zero", 0xFFFFFFFFu, F_APP_LEN, 53 - 32, false},
    {"cbBuffer cuts the application data", 40, F_APP_LEN, 53 - 32, false},
    {"initiator address past the end", 0, F_INIT_OFF, 60, false},
    {"initiator address length wraps", 0, F_INIT_LEN, 0xFFFFFFE0u, false},
    {"acceptor address inside the header", 0, F_ACC_OFF, 4, false},
    {"acceptor address length past the end", 0, F_ACC_LEN, 100, false},
    {"pvBuffer NULL", 0, F_APP_LEN, 53 - 32, true},
};

/* A 53-byte SEC_CHANNEL_BINDINGS: header, 21 bytes of data; the field under
 * test gets its value (initiator/acceptor parts point at valid bytes but
 * have length 0 unless under test). */
static unsigned char *malformed_blob(const struct malformed_case *m, SecBuffer *buf)
{
    unsigned char *blob = calloc(1, 53);
    ck_assert_ptr_nonnull(blob);
    ULONG header[8] = {0, 0, 32, 0, 0, 32, 21, 32};
    if (m->field == F_INIT_LEN || m->field == F_ACC_LEN)
        header[m->field + 1] = 32; /* its offset: valid */
    if (m->field == F_INIT_OFF || m->field == F_ACC_OFF)
        header[m->field - 1] = 4; /* its length: nonzero, so the offset matters */
    header[m->field] = m->value;
    memcpy(blob, header, sizeof(header));
    memcpy(blob + 32, "tls-unique:0123456789", 21);
    ULONG cb = m->cb_buffer == 0 ? 53 : m->cb_buffer == 0xFFFFFFFFu ? 0 : m->cb_buffer;
    *buf = (SecBuffer){cb, SECBUFFER_CHANNEL_BINDINGS, m->null_buffer ? NULL : blob};
    return blob;
}

/* One-leg Kerberos AP-REQ from alice's cache (FreeContextBuffer). */
static void *kerberos_token(ULONG *len)
{
    return first_leg_token("Kerberos", 0, SEC_E_OK, len);
}

/* Refused with SEC_E_BAD_BINDINGS before GSS saw the token: the same
 * AP-REQ is accepted afterwards (had GSS seen it, the replay cache would
 * refuse it now). */
START_TEST(malformed_bindings)
{
    const struct malformed_case *m = &malformed_cases[_i];
    CredHandle sc;
    ULONG len, attrs;
    TimeStamp ts;
    void *token = kerberos_token(&len);
    acquire_inbound("Negotiate", &sc);

    SecBuffer in[2], out = {0, SECBUFFER_TOKEN, NULL};
    unsigned char *blob = malformed_blob(m, &in[1]);
    in[0] = (SecBuffer){len, SECBUFFER_TOKEN, token};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 2, in}, out_d = {SECBUFFER_VERSION, 1, &out};
    CtxtHandle ctx = untouched;
    SECURITY_STATUS s = AcceptSecurityContext(&sc, NULL, &in_d, ASC_REQ_ALLOCATE_MEMORY,
                                              SECURITY_NATIVE_DREP, &ctx, &out_d, &attrs, &ts);
    ck_assert_msg(s == SEC_E_BAD_BINDINGS, "%s: 0x%08x", m->what, (unsigned)s);
    ck_assert_mem_eq(&ctx, &untouched, sizeof(ctx));
    ck_assert_uint_eq(out.cbBuffer, 0);
    ck_assert_int_eq(DeleteSecurityContext(&ctx), SEC_E_INVALID_HANDLE);

    bool have;
    ck_assert_int_eq(accept_one(&sc, token, len, 0, &ctx, &have, NULL, NULL), SEC_E_OK);
    ck_assert(have);
    DeleteSecurityContext(&ctx);
    /* ...and now it is a replay. */
    ck_assert_int_eq(accept_one(&sc, token, len, 0, &ctx, &have, NULL, NULL), SEC_E_INVALID_TOKEN);
    free(blob);
    FreeContextBuffer(token);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Our initiator refuses the same structures, before making a token. */
START_TEST(malformed_bindings_initiator)
{
    const struct malformed_case *m = &malformed_cases[_i];
    CredHandle cc;
    ULONG attrs;
    TimeStamp ts;
    acquire_outbound_default("Negotiate", &cc);
    SecBuffer in, out = {0, SECBUFFER_TOKEN, NULL};
    unsigned char *blob = malformed_blob(m, &in);
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &out};
    CtxtHandle ctx = untouched;
    SECURITY_STATUS s = InitializeSecurityContextA(
        &cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"), ISC_REQ_ALLOCATE_MEMORY, 0,
        SECURITY_NATIVE_DREP, &in_d, 0, &ctx, &out_d, &attrs, &ts);
    ck_assert_msg(s == SEC_E_BAD_BINDINGS, "%s: 0x%08x", m->what, (unsigned)s);
    ck_assert_mem_eq(&ctx, &untouched, sizeof(ctx));
    ck_assert_uint_eq(out.cbBuffer, 0);
    free(blob);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* Malformed bindings on NTLM's second leg: refused, the partial context
 * stays for the caller to delete. */
START_TEST(malformed_bindings_later_leg)
{
    CredHandle cc, sc;
    CtxtHandle client, server;
    ULONG attrs;
    TimeStamp ts;
    acquire_client(NTLM, &cc);
    acquire_inbound("Negotiate", &sc);
    SecBuffer cout = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc cout_d = {SECBUFFER_VERSION, 1, &cout};
    ck_assert_int_eq(InitializeSecurityContextA(&cc, NULL,
                                                (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP,
                                                NULL, 0, &client, &cout_d, &attrs, &ts),
                     SEC_I_CONTINUE_NEEDED);
    bool have;
    void *challenge;
    ULONG challenge_len;
    ck_assert_int_eq(accept_one(&sc, cout.pvBuffer, cout.cbBuffer, 0, &server, &have, &challenge,
                                &challenge_len),
                     SEC_I_CONTINUE_NEEDED);
    FreeContextBuffer(cout.pvBuffer);

    SecBuffer cin = {challenge_len, SECBUFFER_TOKEN, challenge};
    SecBufferDesc cin_d = {SECBUFFER_VERSION, 1, &cin};
    cout = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    ck_assert_int_eq(InitializeSecurityContextA(&cc, &client, NULL, ISC_REQ_ALLOCATE_MEMORY, 0,
                                                SECURITY_NATIVE_DREP, &cin_d, 0, &client, &cout_d,
                                                &attrs, &ts),
                     SEC_E_OK);
    FreeContextBuffer(challenge);

    SecBuffer in[2], out = {0, SECBUFFER_TOKEN, NULL};
    unsigned char *blob = malformed_blob(&malformed_cases[4], &in[1]);
    in[0] = (SecBuffer){cout.cbBuffer, SECBUFFER_TOKEN, cout.pvBuffer};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 2, in}, out_d = {SECBUFFER_VERSION, 1, &out};
    ck_assert_int_eq(AcceptSecurityContext(&sc, &server, &in_d, ASC_REQ_ALLOCATE_MEMORY,
                                           SECURITY_NATIVE_DREP, &server, &out_d, &attrs, &ts),
                     SEC_E_BAD_BINDINGS);
    SecPkgContext_GssLastError err;
    ck_assert_int_eq(QueryContextAttributesA(&server, SECPKG_ATTR_GSS_LAST_ERROR, &err), SEC_E_OK);
    ck_assert_int_eq(err.Status, SEC_E_BAD_BINDINGS);
    ck_assert_uint_eq(err.GssMajor, 0); /* GSS was not called */
    FreeContextBuffer(err.Text);
    ck_assert_int_eq(DeleteSecurityContext(&server), SEC_E_OK);
    free(blob);
    FreeContextBuffer(cout.pvBuffer);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- policies -------------------------------------------------------------------- */

static const struct policy_case {
    const char *what;
    ULONG policy;
    enum client_kind client;
    enum cb_use client_cb, server_cb;
    ULONG asc_req;
    SECURITY_STATUS expect;
} policy_cases[] = {
    {"Require, Kerberos client without bindings", GSS_SSPI_CB_POLICY_REQUIRE, KERBEROS, CB_NONE,
     CB_SAME, 0, SEC_E_BAD_BINDINGS},
    {"Require, SPNEGO Kerberos client without bindings", GSS_SSPI_CB_POLICY_REQUIRE, NEGOTIATE_KRB5,
     CB_NONE, CB_SAME, 0, SEC_E_BAD_BINDINGS},
    {"Require, NTLM client without bindings", GSS_SSPI_CB_POLICY_REQUIRE, NTLM, CB_NONE, CB_SAME, 0,
     SEC_E_BAD_BINDINGS},
    {"Require, server passes none either", GSS_SSPI_CB_POLICY_REQUIRE, KERBEROS, CB_NONE, CB_NONE,
     0, SEC_E_BAD_BINDINGS},
    {"Require + ALLOW_MISSING_BINDINGS, Kerberos", GSS_SSPI_CB_POLICY_REQUIRE, KERBEROS, CB_NONE,
     CB_SAME, ASC_REQ_ALLOW_MISSING_BINDINGS, SEC_E_OK},
    {"Require + ALLOW_MISSING_BINDINGS, NTLM", GSS_SSPI_CB_POLICY_REQUIRE, NTLM, CB_NONE, CB_SAME,
     ASC_REQ_ALLOW_MISSING_BINDINGS, SEC_E_OK},
    {"Require, Kerberos bindings match", GSS_SSPI_CB_POLICY_REQUIRE, KERBEROS, CB_SAME, CB_SAME, 0,
     SEC_E_OK},
    {"Require, SPNEGO Kerberos bindings match", GSS_SSPI_CB_POLICY_REQUIRE, NEGOTIATE_KRB5, CB_SAME,
     CB_SAME, 0, SEC_E_OK},
    {"Require, NTLM bindings match", GSS_SSPI_CB_POLICY_REQUIRE, NTLM, CB_SAME, CB_SAME, 0,
     SEC_E_OK},
    {"Require, Kerberos bindings differ", GSS_SSPI_CB_POLICY_REQUIRE, KERBEROS, CB_SAME, CB_OTHER,
     0, SEC_E_BAD_BINDINGS},
    {"None, Kerberos bindings differ", GSS_SSPI_CB_POLICY_NONE, KERBEROS, CB_SAME, CB_OTHER, 0,
     SEC_E_OK},
    {"None, SPNEGO Kerberos bindings differ", GSS_SSPI_CB_POLICY_NONE, NEGOTIATE_KRB5, CB_SAME,
     CB_OTHER, 0, SEC_E_OK},
    {"None, NTLM bindings differ", GSS_SSPI_CB_POLICY_NONE, NTLM, CB_SAME, CB_OTHER, 0, SEC_E_OK},
    {"None, SPNEGO NTLM bindings differ", GSS_SSPI_CB_POLICY_NONE, NEGOTIATE_NTLM, CB_SAME,
     CB_OTHER, 0, SEC_E_OK},
    {"Allow, Kerberos bindings differ", GSS_SSPI_CB_POLICY_ALLOW, KERBEROS, CB_SAME, CB_OTHER, 0,
     SEC_E_BAD_BINDINGS},
};

START_TEST(policies)
{
    const struct policy_case *c = &policy_cases[_i];
    GSS_SSPI_POLICY policy = {c->policy, 0};
    struct handshake hs = {0};
    run_tls(c->client, "Negotiate", &policy, c->client_cb, c->server_cb, c->asc_req, &hs);
    ck_assert_msg(hs.server_status == c->expect, "%s: server 0x%08x, expected 0x%08x", c->what,
                  (unsigned)hs.server_status, (unsigned)c->expect);
    if (c->expect == SEC_E_OK) {
        ck_assert_int_eq(hs.client_status, SEC_E_OK);
        ULONG state = cb_state(&hs.server);
        if (c->client_cb == CB_SAME && c->server_cb == CB_SAME)
            ck_assert_uint_eq(state, GSS_SSPI_CB_MATCHED);
        else
            ck_assert_uint_ne(state, GSS_SSPI_CB_MATCHED);
    }
    handshake_cleanup(&hs);
}
END_TEST

/* The policy is validated and belongs to inbound credentials. */
START_TEST(policy_arguments)
{
    CredHandle sc, cc;
    acquire_inbound("Negotiate", &sc);
    acquire_outbound_default("Kerberos", &cc);
    GSS_SSPI_POLICY bad = {7, 0}, good = {GSS_SSPI_CB_POLICY_REQUIRE, 0};
    ck_assert_int_eq(GssSspiSetCredentialsPolicy(&sc, &bad), SEC_E_INVALID_PARAMETER);
    ck_assert_int_eq(GssSspiSetCredentialsPolicy(&sc, NULL), SEC_E_INVALID_PARAMETER);
    ck_assert_int_eq(GssSspiSetCredentialsPolicy(&sc, &good), SEC_E_OK);
    CredHandle none = {0, 0};
    ck_assert_int_eq(GssSspiSetCredentialsPolicy(&none, &good), SEC_E_INVALID_HANDLE);
    FreeCredentialsHandle(&sc);
    FreeCredentialsHandle(&cc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("channel_bindings");
    TCase *tc = tcase_create("channel_bindings");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, matching_bindings, 0, PAIRINGS);
    tcase_add_loop_test(tc, mismatching_bindings, 0, PAIRINGS);
    tcase_add_loop_test(tc, one_side_without_bindings, 0,
                        PAIRINGS * (sizeof(one_sided_cases) / sizeof(one_sided_cases[0])));
    tcase_add_loop_test(tc, gss_client_bindings, 0, sizeof(gss_cases) / sizeof(gss_cases[0]));
    tcase_add_loop_test(tc, kerberos_addresses, 0,
                        sizeof(address_cases) / sizeof(address_cases[0]));
    tcase_add_test(tc, ntlm_refuses_addresses);
    tcase_add_loop_test(tc, malformed_bindings, 0,
                        sizeof(malformed_cases) / sizeof(malformed_cases[0]));
    tcase_add_loop_test(tc, malformed_bindings_initiator, 0,
                        sizeof(malformed_cases) / sizeof(malformed_cases[0]));
    tcase_add_test(tc, malformed_bindings_later_leg);
    tcase_add_loop_test(tc, policies, 0, sizeof(policy_cases) / sizeof(policy_cases[0]));
    tcase_add_test(tc, policy_arguments);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
