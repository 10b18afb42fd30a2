/*
 * test_errors.c - every failure of issue #2 with its exact SECURITY_STATUS:
 * wrong passwords and unknown users (Kerberos at acquire time, NTLM at the
 * acceptor), keys missing from the keytab, clock skew, replays, broken and
 * foreign tokens, unknown packages, stale and forged handles, failures on a
 * later leg, extended-error tokens; and the one request that is not an
 * error (confidentiality asked for, not offered by an NTLM client).
 * Real KDC, real gss-ntlmssp.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testlib.h"

/* What a handle variable holds before a call that must not write it. */
static const CtxtHandle untouched = {0x5EED, 0xF00D};

static void assert_untouched(const CtxtHandle *h)
{
    ck_assert_msg(h->dwLower == untouched.dwLower && h->dwUpper == untouched.dwUpper,
                  "the handle was written on failure: {%#lx, %#lx}", (unsigned long)h->dwLower,
                  (unsigned long)h->dwUpper);
    CtxtHandle copy = *h;
    ck_assert_int_eq(DeleteSecurityContext(&copy), SEC_E_INVALID_HANDLE);
}

/* setenv for one test, undone at its end (CK_FORK=no runs share a process). */
struct env_saved {
    const char *name;
    char *old;
};

static struct env_saved env_set(const char *name, const char *value)
{
    const char *old = getenv(name);
    struct env_saved saved = {name, old ? strdup(old) : NULL};
    ck_assert_int_eq(setenv(name, value, 1), 0);
    return saved;
}

static void env_restore(struct env_saved *saved)
{
    if (saved->old != NULL)
        setenv(saved->name, saved->old, 1);
    else
        unsetenv(saved->name);
    free(saved->old);
    saved->old = NULL;
}

/* The first token of our initiator for the test SPN (FreeContextBuffer). */
static SECURITY_STATUS first_token(CredHandle *cc, ULONG isc_req, CtxtHandle *client, void **token,
                                   ULONG *len)
{
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS s = InitializeSecurityContextA(
        cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"), isc_req | ISC_REQ_ALLOCATE_MEMORY, 0,
        SECURITY_NATIVE_DREP, NULL, 0, client, &out_d, &attrs, &ts);
    *token = out.pvBuffer;
    *len = out.cbBuffer;
    return s;
}

/* A one-leg Kerberos AP-REQ (no mutual authentication) from alice's cache. */
static void *kerberos_token(ULONG *len)
{
    void *token = first_leg_token("Kerberos", 0, SEC_E_OK, len);
    ck_assert_uint_gt(*len, 0);
    return token;
}

/* One AcceptSecurityContext call with everything visible. */
struct asc {
    CtxtHandle *in_ctx; /* NULL: first call */
    ULONG req;
    SECURITY_STATUS status;
    CtxtHandle ctx; /* phNewContext */
    SecBuffer out;
    ULONG attrs;
};

static void asc_call(CredHandle *cred, const void *token, ULONG len, struct asc *a)
{
    SecBuffer in = {len, SECBUFFER_TOKEN, (void *)token};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &a->out};
    TimeStamp ts;
    a->out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    a->attrs = 0;
    if (a->in_ctx == NULL)
        a->ctx = untouched;
    a->status = AcceptSecurityContext(cred, a->in_ctx, &in_d, a->req | ASC_REQ_ALLOCATE_MEMORY,
                                      SECURITY_NATIVE_DREP, &a->ctx, &out_d, &a->attrs, &ts);
}

/* ---- wrong passwords, unknown users ------------------------------------------------ */

/* MIT runs the AS exchange inside gss_acquire_cred_with_password. */
START_TEST(kerberos_wrong_password)
{
    CredHandle cc = untouched;
    ck_assert_int_eq(acquire_outbound_password("Kerberos", realm_env("GSS_SSPI_TEST_USER"),
                                               realm_env("GSS_SSPI_TEST_REALM"), "Not-The-Password",
                                               NULL, &cc),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(FreeCredentialsHandle(&cc), SEC_E_INVALID_HANDLE);
}
END_TEST

START_TEST(kerberos_unknown_user)
{
    CredHandle cc = untouched;
    ck_assert_int_eq(acquire_outbound_password("Kerberos", "nobody-here",
                                               realm_env("GSS_SSPI_TEST_REALM"), "whatever", NULL,
                                               &cc),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(FreeCredentialsHandle(&cc), SEC_E_INVALID_HANDLE);
}
END_TEST

/* NTLM cannot check a password before the acceptor sees AUTHENTICATE. */
static const struct ntlm_logon_case {
    const char *client_pkg, *package_list, *server_pkg;
    const char *user; /* NULL: alice */
    bool wrong_password;
} ntlm_logon_cases[] = {
    {"NTLM", NULL, "Negotiate", NULL, true},        /* raw NTLMSSP to Negotiate */
    {"NTLM", NULL, "NTLM", NULL, true},             /* NTLM to NTLM */
    {"Negotiate", "NTLM", "Negotiate", NULL, true}, /* SPNEGO carrying NTLM */
    {"NTLM", NULL, "Negotiate", "mallory", false},  /* unknown user */
    {"Negotiate", "NTLM", "Negotiate", "mallory", false},
};

static void check_ntlm_logon_denied(const struct ntlm_logon_case *c)
{
    CredHandle cc, sc;
    const char *user = c->user ? c->user : realm_env("GSS_SSPI_TEST_USER");
    const char *password =
        c->wrong_password ? "Not-The-Password" : realm_env("GSS_SSPI_TEST_PASSWORD");
    ck_assert_int_eq(acquire_outbound_password(c->client_pkg, user,
                                               realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"), password,
                                               c->package_list, &cc),
                     SEC_E_OK);
    acquire_inbound(c->server_pkg, &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY,
                           .asc_req = ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY};
    handshake_run(&cc, &sc, &hs);
    ck_assert_msg(hs.server_status == SEC_E_LOGON_DENIED,
                  "%s (%s) to %s, user %s: server 0x%08x, client 0x%08x", c->client_pkg,
                  c->package_list ? c->package_list : "-", c->server_pkg, user,
                  (unsigned)hs.server_status, (unsigned)hs.client_status);
    /* The AUTHENTICATE is the second leg: the partial context stays for the
     * caller to delete, and says why it failed. */
    ck_assert(hs.have_server);
    char *why = context_last_error(&hs.server);
    ck_assert_msg(why[0] != '\0', "no GSS text for the failure");
    free(why);
    SecPkgContext_GssLastError err;
    ck_assert_int_eq(QueryContextAttributesA(&hs.server, SECPKG_ATTR_GSS_LAST_ERROR, &err),
                     SEC_E_OK);
    ck_assert_int_eq(err.Status, SEC_E_LOGON_DENIED);
    ck_assert_uint_ne(err.GssMajor, 0);
    FreeContextBuffer(err.Text);
    ck_assert_int_eq(DeleteSecurityContext(&hs.server), SEC_E_OK);
    ck_assert_int_eq(DeleteSecurityContext(&hs.server), SEC_E_INVALID_HANDLE);
    hs.have_server = false;
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

START_TEST(ntlm_logon_denied)
{
    check_ntlm_logon_denied(&ntlm_logon_cases[_i]);
}
END_TEST

/* gss-ntlmssp reports a wrong password as EINVAL.  MIT's mechglue numbers
 * (mechanism, minor) pairs process-wide and gives a pair whose code another
 * pair owns already a made-up number.  After a Kerberos-inside-SPNEGO
 * accept, EINVAL is owned (with gss-sspi-negotiate loaded) and the NTLM
 * failure reaches the module, then libgss-sspi, as a made-up number; a
 * Kerberos failure first is the other order the status map must survive. */
static void kerberos_failure(void)
{
    CredHandle cc;
    ck_assert_int_eq(acquire_outbound_password("Kerberos", realm_env("GSS_SSPI_TEST_USER"),
                                               realm_env("GSS_SSPI_TEST_REALM"), "Not-The-Password",
                                               NULL, &cc),
                     SEC_E_LOGON_DENIED);
}

static void kerberos_inside_spnego(void)
{
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_MUTUAL_AUTH,
                           .asc_req = ASC_REQ_MUTUAL_AUTH};
    handshake_user("Negotiate", false, NULL, "Negotiate", &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    handshake_cleanup(&hs);
}

static void (*const minor_owners[])(void) = {kerberos_failure, kerberos_inside_spnego};
#define WRONG_PASSWORD_CASES 3 /* the first ntlm_logon_cases */

START_TEST(ntlm_logon_denied_after_code_taken)
{
    minor_owners[_i / WRONG_PASSWORD_CASES]();
    check_ntlm_logon_denied(&ntlm_logon_cases[_i % WRONG_PASSWORD_CASES]);
}
END_TEST

/* ---- keys missing from the keytab ---------------------------------------------------- */

static const struct keytab_case {
    const char *env;       /* the keytab the acceptor uses, NULL: the normal one */
    const char *principal; /* pszPrincipal of the inbound credential, NULL: any */
    SECURITY_STATUS expect;
} keytab_cases[] = {
    /* No entry at all for HTTP/server: MIT says KRB5KRB_AP_ERR_NOT_US. */
    {"GSS_SSPI_TEST_KEYTAB_OTHER", NULL, SEC_E_NO_KERB_KEY},
    /* The principal is there with the previous kvno only: BADKEYVER. */
    {"GSS_SSPI_TEST_KEYTAB_OLDKVNO", NULL, SEC_E_NO_KERB_KEY},
    {"GSS_SSPI_TEST_KEYTAB_OLDKVNO", "HTTP/server.gss-sspi.test", SEC_E_NO_KERB_KEY},
    /* The key is in the keytab, but this credential may only use host/'s:
     * NOT_US again ("found in keytab but does not match"). */
    {NULL, "host/server.gss-sspi.test", SEC_E_NO_KERB_KEY},
};

START_TEST(keytab_without_key)
{
    const struct keytab_case *c = &keytab_cases[_i];
    struct env_saved saved = env_set("KRB5_KTNAME", realm_env(c->env ? c->env : "KRB5_KTNAME"));
    CredHandle cc, sc;
    TimeStamp ts;
    acquire_outbound_default("Kerberos", &cc);
    ck_assert_int_eq(AcquireCredentialsHandleA((SEC_CHAR *)c->principal, (SEC_CHAR *)"Kerberos",
                                               SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &sc,
                                               &ts),
                     SEC_E_OK);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_MUTUAL_AUTH};
    handshake_run(&cc, &sc, &hs);
    ck_assert_msg(hs.server_status == c->expect, "%s (principal %s): 0x%08x, expected 0x%08x",
                  c->env ? c->env : "KRB5_KTNAME", c->principal ? c->principal : "any",
                  (unsigned)hs.server_status, (unsigned)c->expect);
    ck_assert(!hs.have_server); /* a failed first call leaves nothing behind */
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    env_restore(&saved);
}
END_TEST

/* ---- clock skew ---------------------------------------------------------------------- */

/* Outbound Kerberos/Negotiate credentials from the cache that is 1 h ahead. */
static void acquire_skewed(const char *package, CredHandle *cc)
{
    struct env_saved saved = env_set("KRB5CCNAME", realm_env("GSS_SSPI_TEST_CCACHE_SKEWED"));
    acquire_outbound_default(package, cc);
    env_restore(&saved);
}

START_TEST(clock_skew)
{
    static const char *const packages[] = {"Kerberos", "Negotiate"};
    CredHandle cc, sc;
    acquire_skewed(packages[_i], &cc);
    acquire_inbound("Negotiate", &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_MUTUAL_AUTH};
    handshake_run(&cc, &sc, &hs);
    ck_assert_msg(hs.server_status == SEC_E_TIME_SKEW, "%s: 0x%08x", packages[_i],
                  (unsigned)hs.server_status);
    ck_assert(!hs.have_server);
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* DER: tag, definite length, contents. */
static size_t der(unsigned char *out, unsigned char tag, const void *content, size_t len)
{
    size_t n = 0;
    out[n++] = tag;
    if (len < 0x80) {
        out[n++] = (unsigned char)len;
    } else if (len < 0x100) {
        out[n++] = 0x81;
        out[n++] = (unsigned char)len;
    } else {
        ck_assert_uint_lt(len, 0x10000);
        out[n++] = 0x82;
        out[n++] = (unsigned char)(len >> 8);
        out[n++] = (unsigned char)len;
    }
    memmove(out + n, content, len);
    return n + len;
}

/* SPNEGO NegTokenInit offering krb5 with no optimistic token. */
static const unsigned char spnego_init_no_token[] = {
    0x60, 0x1b, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x11, 0x30, 0x0f, 0xa0,
    0x0d, 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02,
};

/* SPNEGO NegTokenResp carrying a mechanism token (caller frees). */
static unsigned char *spnego_resp(const void *mech_token, size_t len, size_t *out_len)
{
    unsigned char *a = malloc(len + 32), *b = malloc(len + 32);
    ck_assert(a != NULL && b != NULL);
    size_t n = der(a, 0x04, mech_token, len); /* OCTET STRING */
    n = der(b, 0xa2, a, n);                   /* [2] responseToken */
    n = der(a, 0x30, b, n);                   /* SEQUENCE */
    n = der(b, 0xa1, a, n);                   /* [1] NegTokenResp */
    free(a);
    *out_len = n;
    return b;
}

/* A failure on a later leg: SPNEGO whose Kerberos token comes second (no
 * optimistic token), from a skewed client.  The partial context stays
 * usable for the caller to query and delete. */
START_TEST(later_leg_failure_keeps_context)
{
    CredHandle cc, sc;
    CtxtHandle client;
    void *ap_req;
    ULONG ap_req_len;
    acquire_skewed("Kerberos", &cc);
    acquire_inbound("Negotiate", &sc);
    ck_assert_int_eq(first_token(&cc, 0, &client, &ap_req, &ap_req_len), SEC_E_OK);

    struct asc first = {.req = ASC_REQ_CONNECTION};
    asc_call(&sc, spnego_init_no_token, sizeof(spnego_init_no_token), &first);
    ck_assert_msg(first.status == SEC_I_CONTINUE_NEEDED, "NegTokenInit: 0x%08x",
                  (unsigned)first.status);
    ck_assert_uint_gt(first.out.cbBuffer, 0); /* the NegTokenResp selecting krb5 */
    FreeContextBuffer(first.out.pvBuffer);

    size_t resp_len;
    unsigned char *resp = spnego_resp(ap_req, ap_req_len, &resp_len);
    struct asc second = {.in_ctx = &first.ctx, .req = ASC_REQ_CONNECTION};
    asc_call(&sc, resp, (ULONG)resp_len, &second);
    ck_assert_msg(second.status == SEC_E_TIME_SKEW, "second leg: 0x%08x", (unsigned)second.status);
    ck_assert_uint_eq(second.out.cbBuffer, 0);

    SecPkgContext_GssLastError err;
    ck_assert_int_eq(QueryContextAttributesA(&first.ctx, SECPKG_ATTR_GSS_LAST_ERROR, &err),
                     SEC_E_OK);
    ck_assert_int_eq(err.Status, SEC_E_TIME_SKEW);
    ck_assert_uint_ne(err.GssMajor, 0);
    ck_assert_ptr_nonnull(err.Text);
    ck_assert_msg(strcasestr(err.Text, "clock skew") != NULL, "text: %s", err.Text);
    FreeContextBuffer(err.Text);
    ck_assert_int_eq(DeleteSecurityContext(&first.ctx), SEC_E_OK);
    ck_assert_int_eq(DeleteSecurityContext(&first.ctx), SEC_E_INVALID_HANDLE);

    free(resp);
    FreeContextBuffer(ap_req);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* A broken token on the second NTLM leg: refused, context still deletable. */
START_TEST(later_leg_garbage_keeps_context)
{
    CredHandle cc, sc;
    CtxtHandle client;
    void *negotiate;
    ULONG negotiate_len;
    acquire_outbound_user("NTLM", true, NULL, &cc);
    acquire_inbound("Negotiate", &sc);
    ck_assert_int_eq(first_token(&cc, ISC_REQ_INTEGRITY, &client, &negotiate, &negotiate_len),
                     SEC_I_CONTINUE_NEEDED);
    struct asc first = {0};
    asc_call(&sc, negotiate, negotiate_len, &first);
    ck_assert_int_eq(first.status, SEC_I_CONTINUE_NEEDED);
    FreeContextBuffer(first.out.pvBuffer);

    static const unsigned char junk[] = "NTLMSSP\0\x03\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff";
    struct asc second = {.in_ctx = &first.ctx};
    asc_call(&sc, junk, sizeof(junk) - 1, &second);
    ck_assert_msg(second.status == SEC_E_INVALID_TOKEN, "0x%08x", (unsigned)second.status);
    SecPkgContext_GssLastError err;
    ck_assert_int_eq(QueryContextAttributesA(&first.ctx, SECPKG_ATTR_GSS_LAST_ERROR, &err),
                     SEC_E_OK);
    ck_assert_int_eq(err.Status, SEC_E_INVALID_TOKEN);
    FreeContextBuffer(err.Text);
    ck_assert_int_eq(DeleteSecurityContext(&first.ctx), SEC_E_OK);
    ck_assert_int_eq(DeleteSecurityContext(&first.ctx), SEC_E_INVALID_HANDLE);
    FreeContextBuffer(negotiate);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- extended errors --------------------------------------------------------------- */

/* MIT answers a failed AP-REQ that asked for mutual authentication with a
 * KRB-ERROR token (token id 03 00): it reaches pOutput only when the server
 * asked for ASC_REQ_EXTENDED_ERROR, and tells our client why. */
static const struct extended_error_case {
    bool skewed_client;
    const char *keytab; /* acceptor keytab variable, NULL: the normal one */
    ULONG asc_req;
    SECURITY_STATUS server, client;
} extended_error_cases[] = {
    {true, NULL, ASC_REQ_EXTENDED_ERROR, SEC_E_TIME_SKEW, SEC_E_TIME_SKEW},
    {true, NULL, 0, SEC_E_TIME_SKEW, 0},
    /* The acceptor has no key; the client hears that the target name is wrong. */
    {false, "GSS_SSPI_TEST_KEYTAB_OTHER", ASC_REQ_EXTENDED_ERROR, SEC_E_NO_KERB_KEY,
     SEC_E_WRONG_PRINCIPAL},
};

START_TEST(extended_error_token)
{
    const struct extended_error_case *c = &extended_error_cases[_i];
    CredHandle cc, sc;
    CtxtHandle client;
    void *ap_req;
    ULONG ap_req_len;
    if (c->skewed_client)
        acquire_skewed("Kerberos", &cc);
    else
        acquire_outbound_default("Kerberos", &cc);
    struct env_saved saved =
        env_set("KRB5_KTNAME", realm_env(c->keytab ? c->keytab : "KRB5_KTNAME"));
    acquire_inbound("Kerberos", &sc);
    env_restore(&saved);
    ck_assert_int_eq(first_token(&cc, ISC_REQ_MUTUAL_AUTH, &client, &ap_req, &ap_req_len),
                     SEC_I_CONTINUE_NEEDED);

    struct asc a = {.req = c->asc_req | ASC_REQ_MUTUAL_AUTH};
    asc_call(&sc, ap_req, ap_req_len, &a);
    ck_assert_msg(a.status == c->server, "server: 0x%08x", (unsigned)a.status);
    assert_untouched(&a.ctx);
    if (c->asc_req & ASC_REQ_EXTENDED_ERROR) {
        ck_assert_msg(a.attrs & ASC_RET_EXTENDED_ERROR, "ASC_RET 0x%x", a.attrs);
        ck_assert_msg(a.attrs & ASC_RET_ALLOCATED_MEMORY, "ASC_RET 0x%x", a.attrs);
        ck_assert_uint_gt(a.out.cbBuffer, 17);
        const unsigned char *t = a.out.pvBuffer;
        /* 0x60, krb5 OID, TOK_ID 03 00 (KRB_ERROR) */
        ck_assert_uint_eq(t[0], 0x60);
        const unsigned char *oid = memmem(t, a.out.cbBuffer, test_mech_krb5()->elements, 9);
        ck_assert_ptr_nonnull(oid);
        ck_assert_uint_eq(oid[9], 0x03);
        ck_assert_uint_eq(oid[10], 0x00);
        /* Our client reads the KRB-ERROR as MIT's initiator reports it. */
        SecBuffer in = a.out, out = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &out};
        ULONG attrs;
        TimeStamp ts;
        SECURITY_STATUS s = InitializeSecurityContextA(
            &cc, &client, NULL, ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY, 0,
            SECURITY_NATIVE_DREP, &in_d, 0, &client, &out_d, &attrs, &ts);
        ck_assert_msg(s == c->client, "client given the KRB-ERROR: 0x%08x", (unsigned)s);
        FreeContextBuffer(out.pvBuffer);
    } else {
        /* MIT made the error token all the same: it is not handed out. */
        ck_assert_uint_eq(a.out.cbBuffer, 0);
        ck_assert_ptr_null(a.out.pvBuffer);
        ck_assert(!(a.attrs & ASC_RET_EXTENDED_ERROR));
    }
    FreeContextBuffer(a.out.pvBuffer);
    FreeContextBuffer(ap_req);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- replays and bad tokens ------------------------------------------------------------ */

START_TEST(kerberos_replay)
{
    static const char *const packages[] = {"Kerberos", "Negotiate"};
    CredHandle sc;
    ULONG len;
    void *token = kerberos_token(&len);
    acquire_inbound(packages[_i], &sc);
    struct asc a = {0};
    asc_call(&sc, token, len, &a);
    ck_assert_int_eq(a.status, SEC_E_OK);
    ck_assert_int_eq(DeleteSecurityContext(&a.ctx), SEC_E_OK);
    struct asc again = {0};
    asc_call(&sc, token, len, &again);
    ck_assert_msg(again.status == SEC_E_INVALID_TOKEN, "%s replay: 0x%08x", packages[_i],
                  (unsigned)again.status);
    assert_untouched(&again.ctx);
    ck_assert_uint_eq(again.out.cbBuffer, 0);
    FreeContextBuffer(token);
    FreeCredentialsHandle(&sc);
}
END_TEST

enum bad_kind {
    BAD_TRUNCATED,     /* a real Kerberos token cut in half */
    BAD_RANDOM,        /* random bytes */
    BAD_GSS_JUNK,      /* 0x60 framing, junk inside */
    BAD_UNKNOWN_OID,   /* well framed, a mechanism nobody has */
    BAD_KRB5_JUNK,     /* well framed krb5 AP-REQ header, junk body */
    BAD_NTLMSSP_JUNK,  /* NTLMSSP signature, message type 7 */
    BAD_NTLMSSP_SHORT, /* NTLMSSP NEGOTIATE cut inside its header */
    BAD_ONE_BYTE,      /* just 0x60 */
    BAD_LONG_LENGTH,   /* 0x60 with a 4-byte length far beyond the buffer */
    FOREIGN_KRB5,      /* a real Kerberos AP-REQ, to an acceptor without Kerberos */
    FOREIGN_NTLM,      /* a real NTLM NEGOTIATE, to an acceptor without NTLM */
};

static const struct bad_token_case {
    const char *server_pkg;
    enum bad_kind kind;
} bad_token_cases[] = {
    {"Negotiate", BAD_TRUNCATED},  {"Kerberos", BAD_TRUNCATED},
    {"Negotiate", BAD_RANDOM},     {"Kerberos", BAD_RANDOM},
    {"NTLM", BAD_RANDOM},          {"Negotiate", BAD_GSS_JUNK},
    {"Kerberos", BAD_GSS_JUNK},    {"Negotiate", BAD_UNKNOWN_OID},
    {"Kerberos", BAD_UNKNOWN_OID}, {"Negotiate", BAD_NTLMSSP_JUNK},
    {"NTLM", BAD_NTLMSSP_JUNK},    {"Negotiate", BAD_NTLMSSP_SHORT},
    {"NTLM", BAD_NTLMSSP_SHORT},   {"Negotiate", BAD_ONE_BYTE},
    {"Kerberos", BAD_ONE_BYTE},    {"Negotiate", BAD_KRB5_JUNK},
    {"Kerberos", BAD_KRB5_JUNK},   {"Negotiate", BAD_LONG_LENGTH},
    {"NTLM", BAD_TRUNCATED},       {"NTLM", FOREIGN_KRB5},
    {"Kerberos", FOREIGN_NTLM},
};

/* Builds the broken token of one kind (caller frees). */
static unsigned char *bad_token(enum bad_kind kind, ULONG *len)
{
    unsigned char *t = malloc(4096);
    ck_assert_ptr_nonnull(t);
    srand(1234 + kind);
    for (size_t i = 0; i < 4096; i++)
        t[i] = (unsigned char)rand();
    switch (kind) {
    case BAD_TRUNCATED: {
        ULONG full;
        void *real = kerberos_token(&full);
        *len = full / 2;
        memcpy(t, real, *len);
        FreeContextBuffer(real);
        break;
    }
    case BAD_RANDOM:
        t[0] = 0x17; /* neither 0x60 nor 'N' */
        *len = 300;
        break;
    case BAD_GSS_JUNK: /* GSS framing, length consistent, junk inside */
        t[0] = 0x60;
        t[1] = 0x81;
        t[2] = 200;
        *len = 203;
        break;
    case BAD_UNKNOWN_OID: { /* well framed, mechanism 1.2.3.4.5 that nobody has */
        static const unsigned char hdr[] = {0x60, 0x0e, 0x06, 0x04, 0x2a, 0x03, 0x04, 0x05,
                                            0x01, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00};
        memcpy(t, hdr, sizeof(hdr));
        *len = sizeof(hdr);
        break;
    }
    case BAD_NTLMSSP_JUNK: /* signature, then a message type nobody sends first */
        memcpy(t, "NTLMSSP\0\x07\0\0\0", 12);
        *len = 120;
        break;
    case BAD_NTLMSSP_SHORT: /* a NEGOTIATE cut inside its fixed header */
        memcpy(t, "NTLMSSP\0\x01\0\0\0\x07\x82", 14);
        *len = 14;
        break;
    case BAD_ONE_BYTE:
        t[0] = 0x60;
        *len = 1;
        break;
    case BAD_KRB5_JUNK: { /* 0x60 len, OID krb5, TOK_ID 01 00, 200 junk bytes */
        static const unsigned char hdr[] = {0x60, 0x81, 0xd5, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                            0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00};
        memcpy(t, hdr, sizeof(hdr));
        *len = 3 + 0xd5;
        break;
    }
    case BAD_LONG_LENGTH:
        memcpy(t, "\x60\x84\x7f\xff\xff\xff\x06\x09", 8);
        *len = 64;
        break;
    case FOREIGN_KRB5:
    case FOREIGN_NTLM: {
        CredHandle cc;
        CtxtHandle client;
        void *real;
        bool ntlm = kind == FOREIGN_NTLM;
        acquire_outbound_user(ntlm ? "NTLM" : "Kerberos", ntlm, NULL, &cc);
        SECURITY_STATUS s = first_token(&cc, 0, &client, &real, len);
        ck_assert(s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED);
        ck_assert_uint_le(*len, 4096);
        memcpy(t, real, *len);
        FreeContextBuffer(real);
        DeleteSecurityContext(&client);
        FreeCredentialsHandle(&cc);
        break;
    }
    }
    return t;
}

START_TEST(bad_tokens)
{
    const struct bad_token_case *c = &bad_token_cases[_i];
    CredHandle sc;
    ULONG len = 0;
    unsigned char *token = bad_token(c->kind, &len);
    acquire_inbound(c->server_pkg, &sc);
    struct asc a = {.req = ASC_REQ_EXTENDED_ERROR};
    asc_call(&sc, token, len, &a);
    ck_assert_msg(a.status == SEC_E_INVALID_TOKEN, "%s, bad token kind %d: 0x%08x", c->server_pkg,
                  (int)c->kind, (unsigned)a.status);
    assert_untouched(&a.ctx);
    FreeContextBuffer(a.out.pvBuffer);
    free(token);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* No token at all, or an empty one: nothing to accept. */
START_TEST(missing_token)
{
    CredHandle sc;
    acquire_inbound("Negotiate", &sc);
    struct asc a = {0};
    asc_call(&sc, NULL, 0, &a);
    ck_assert_int_eq(a.status, SEC_E_INVALID_TOKEN);
    assert_untouched(&a.ctx);
    SecBufferDesc empty = {SECBUFFER_VERSION, 0, NULL};
    CtxtHandle ctx = untouched;
    ULONG attrs;
    TimeStamp ts;
    ck_assert_int_eq(
        AcceptSecurityContext(&sc, NULL, &empty, 0, SECURITY_NATIVE_DREP, &ctx, NULL, &attrs, &ts),
        SEC_E_INVALID_TOKEN);
    assert_untouched(&ctx);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- unknown packages --------------------------------------------------------------- */

START_TEST(unknown_package)
{
    static SEC_WCHAR bogus_w[] = {'B', 'o', 'g', 'u', 's', 0};
    CredHandle cred = untouched;
    TimeStamp ts;
    ck_assert_int_eq(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Bogus", SECPKG_CRED_INBOUND, NULL,
                                               NULL, NULL, NULL, &cred, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"", SECPKG_CRED_OUTBOUND, NULL,
                                               NULL, NULL, NULL, &cred, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(AcquireCredentialsHandleW(NULL, bogus_w, SECPKG_CRED_OUTBOUND, NULL, NULL,
                                               NULL, NULL, &cred, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(FreeCredentialsHandle(&cred), SEC_E_INVALID_HANDLE);
    PSecPkgInfoA info_a = NULL;
    PSecPkgInfoW info_w = NULL;
    ck_assert_int_eq(QuerySecurityPackageInfoA((SEC_CHAR *)"Bogus", &info_a),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_ptr_null(info_a);
    ck_assert_int_eq(QuerySecurityPackageInfoW(bogus_w, &info_w), SEC_E_SECPKG_NOT_FOUND);
    ck_assert_ptr_null(info_w);
    /* Windows names are case-insensitive, but not prefixes. */
    ck_assert_int_eq(QuerySecurityPackageInfoA((SEC_CHAR *)"Kerb", &info_a),
                     SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(QuerySecurityPackageInfoA((SEC_CHAR *)"kerberos", &info_a), SEC_E_OK);
    FreeContextBuffer(info_a);
}
END_TEST

/* ---- stale and forged handles ---------------------------------------------------------- */

/* Every context entry point refuses h without touching anything. */
static void assert_bad_context(CtxtHandle h, CredHandle *good_cred)
{
    SecPkgContext_Sizes sizes;
    SecPkgContext_GssLastError err;
    SecPkgContext_NamesW names_w;
    CtxtHandle copy = h, out = untouched;
    ULONG attrs;
    TimeStamp ts;
    static unsigned char tok[] = "NTLMSSP\0\x03\0\0\0";
    SecBuffer in = {sizeof(tok), SECBUFFER_TOKEN, tok}, ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &ob};

    ck_assert_int_eq(QueryContextAttributesA(&copy, SECPKG_ATTR_SIZES, &sizes),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(QueryContextAttributesA(&copy, SECPKG_ATTR_GSS_LAST_ERROR, &err),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(QueryContextAttributesW(&copy, SECPKG_ATTR_NAMES, &names_w),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(AcceptSecurityContext(good_cred, &copy, &in_d, ASC_REQ_ALLOCATE_MEMORY,
                                           SECURITY_NATIVE_DREP, &out, &out_d, &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    assert_untouched(&out);
    ck_assert_uint_eq(ob.cbBuffer, 0);
    ck_assert_int_eq(InitializeSecurityContextA(good_cred, &copy, (SEC_CHAR *)"HTTP/x", 0, 0,
                                                SECURITY_NATIVE_DREP, &in_d, 0, &out, &out_d,
                                                &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    assert_untouched(&out);
    ck_assert_int_eq(CompleteAuthToken(&copy, &in_d), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(ApplyControlToken(&copy, &in_d), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(DeleteSecurityContext(&copy), SEC_E_INVALID_HANDLE);
    ck_assert_mem_eq(&copy, &h, sizeof(h));
}

/* Every credential entry point refuses h. */
static void assert_bad_credential(CredHandle h)
{
    CredHandle copy = h;
    SecPkgCredentials_NamesA names;
    GSS_SSPI_POLICY policy = {GSS_SSPI_CB_POLICY_REQUIRE, 0};
    CtxtHandle out = untouched;
    ULONG attrs;
    TimeStamp ts;
    static unsigned char tok[] = "NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2";
    SecBuffer in = {sizeof(tok), SECBUFFER_TOKEN, tok}, ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &ob};

    ck_assert_int_eq(QueryCredentialsAttributesA(&copy, SECPKG_CRED_ATTR_NAMES, &names),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(GssSspiSetCredentialsPolicy(&copy, &policy), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(AcceptSecurityContext(&copy, NULL, &in_d, ASC_REQ_ALLOCATE_MEMORY,
                                           SECURITY_NATIVE_DREP, &out, &out_d, &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    assert_untouched(&out);
    ck_assert_int_eq(InitializeSecurityContextA(&copy, NULL, (SEC_CHAR *)"HTTP/x",
                                                ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP,
                                                NULL, 0, &out, &out_d, &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    assert_untouched(&out);
    ck_assert_int_eq(FreeCredentialsHandle(&copy), SEC_E_INVALID_HANDLE);
    ck_assert_mem_eq(&copy, &h, sizeof(h));
}

START_TEST(stale_handles)
{
    CredHandle sc, cc;
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN")};
    acquire_inbound("Negotiate", &sc);
    acquire_outbound_default("Kerberos", &cc);
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);

    CtxtHandle server = hs.server, client = hs.client;
    /* Deleted contexts. */
    ck_assert_int_eq(DeleteSecurityContext(&hs.server), SEC_E_OK);
    ck_assert_int_eq(DeleteSecurityContext(&hs.client), SEC_E_OK);
    hs.have_server = hs.have_client = false;
    assert_bad_context(server, &sc);
    assert_bad_context(client, &cc);
    /* Zeroed handles, NULL pointers. */
    CtxtHandle zero = {0, 0};
    assert_bad_context(zero, &sc);
    assert_bad_credential(zero);
    ck_assert_int_eq(DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
    SecPkgContext_Sizes sizes;
    ck_assert_int_eq(QueryContextAttributesA(NULL, SECPKG_ATTR_SIZES, &sizes),
                     SEC_E_INVALID_HANDLE);
    /* A credential is not a context, nor the reverse. */
    assert_bad_context(sc, &sc);
    struct handshake live = {.target = realm_env("GSS_SSPI_TEST_SPN")};
    handshake_run(&cc, &sc, &live);
    ck_assert_int_eq(live.server_status, SEC_E_OK);
    assert_bad_credential(live.server);
    /* An acceptor context is not an initiator context, nor the reverse. */
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &ob};
    SecBuffer in = {4, SECBUFFER_TOKEN, (void *)"\x60\x02\x01\x00"};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in};
    ULONG attrs;
    TimeStamp ts;
    CtxtHandle out = untouched;
    ck_assert_int_eq(AcceptSecurityContext(&sc, &live.client, &in_d, ASC_REQ_ALLOCATE_MEMORY,
                                           SECURITY_NATIVE_DREP, &out, &out_d, &attrs, &ts),
                     SEC_E_INVALID_HANDLE);
    assert_untouched(&out);
    /* Near misses of a live handle: other slot, other generation. */
    CtxtHandle near[] = {
        {live.server.dwLower + 1, live.server.dwUpper},
        {live.server.dwLower, live.server.dwUpper + 1},
        {live.server.dwLower, live.server.dwUpper ^ ((ULONG_PTR)1 << 33)},
        {live.server.dwLower, live.server.dwUpper - 1},
        {(ULONG_PTR)-1, live.server.dwUpper},
        {live.server.dwLower + ((ULONG_PTR)1 << 32), live.server.dwUpper},
    };
    for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
        assert_bad_context(near[i], &sc);
    /* The live ones still work after all that. */
    char *name = context_user_name(&live.server);
    ck_assert_ptr_nonnull(name);
    free(name);
    handshake_cleanup(&live);
    handshake_cleanup(&hs);

    /* Freed credentials. */
    CredHandle old_sc = sc;
    ck_assert_int_eq(FreeCredentialsHandle(&sc), SEC_E_OK);
    ck_assert_int_eq(FreeCredentialsHandle(&sc), SEC_E_INVALID_HANDLE);
    assert_bad_credential(old_sc);
    ck_assert_int_eq(FreeCredentialsHandle(&cc), SEC_E_OK);
}
END_TEST

/* A context created by a credential outlives FreeCredentialsHandle. */
START_TEST(context_outlives_credential)
{
    CredHandle sc, cc;
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN")};
    acquire_inbound("Kerberos", &sc);
    acquire_outbound_default("Kerberos", &cc);
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    ck_assert_int_eq(FreeCredentialsHandle(&sc), SEC_E_OK);
    ck_assert_int_eq(FreeCredentialsHandle(&cc), SEC_E_OK);
    char *name = context_user_name(&hs.server);
    ck_assert_ptr_nonnull(name);
    free(name);
    handshake_cleanup(&hs);
}
END_TEST

/* Random dwLower/dwUpper values: refused, never a crash. */
START_TEST(random_handles)
{
    CredHandle sc;
    acquire_inbound("Negotiate", &sc);
    srand(20240601);
    for (int i = 0; i < 2000; i++) {
        ULONG_PTR lo = ((ULONG_PTR)rand() << 32) ^ (ULONG_PTR)rand();
        ULONG_PTR hi = ((ULONG_PTR)rand() << 32) ^ (ULONG_PTR)rand();
        /* Half of them with our tag's magic in place, to get past the cheap test. */
        if (i & 1)
            hi = (hi & 0x0000FFFFFFFFFFFFull) | 0x5353000000000000ull;
        if (i % 4 == 1)
            lo &= 0xFFF;
        CtxtHandle h = {lo, hi};
        SecPkgContext_Sizes sizes;
        ck_assert_int_eq(QueryContextAttributesA(&h, SECPKG_ATTR_SIZES, &sizes),
                         SEC_E_INVALID_HANDLE);
        ck_assert_int_eq(DeleteSecurityContext(&h), SEC_E_INVALID_HANDLE);
        ck_assert_int_eq(FreeCredentialsHandle(&h), SEC_E_INVALID_HANDLE);
        if (i % 100 == 0) {
            assert_bad_context(h, &sc);
            assert_bad_credential(h);
        }
    }
    /* Our credential survived. */
    SecPkgCredentials_NamesA names;
    ck_assert_int_eq(QueryCredentialsAttributesA(&sc, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    FreeContextBuffer(names.sUserName);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- not an error ------------------------------------------------------------------- */

/* The server asks for confidentiality, the NTLM client offers integrity only:
 * the context completes and says what it has (the caller judges). */
START_TEST(ntlm_confidentiality_not_offered)
{
    static const char *const servers[] = {"Negotiate", "NTLM"};
    CredHandle cc, sc;
    acquire_outbound_user("NTLM", true, NULL, &cc);
    acquire_inbound(servers[_i], &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                           .isc_req = ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION,
                           .asc_req =
                               ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.client_status, SEC_E_OK);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    ck_assert_msg(!(hs.isc_ret & ISC_RET_CONFIDENTIALITY), "ISC_RET 0x%x", hs.isc_ret);
    ck_assert_msg(!(hs.asc_ret & ASC_RET_CONFIDENTIALITY), "ASC_RET 0x%x", hs.asc_ret);
    ck_assert_msg(hs.asc_ret & ASC_RET_INTEGRITY, "ASC_RET 0x%x", hs.asc_ret);
    char *user = context_user_name(&hs.server),
         *expect = ntlm_user_name(realm_env("GSS_SSPI_TEST_USER"));
    ck_assert_str_eq(user, expect);
    free(user);
    free(expect);
    /* The attribute query agrees with what ASC returned. */
    SecPkgContext_Flags flags;
    ck_assert_int_eq(QueryContextAttributesA(&hs.server, SECPKG_ATTR_FLAGS, &flags), SEC_E_OK);
    ck_assert(!(flags.Flags & ASC_RET_CONFIDENTIALITY));
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("errors");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, kerberos_wrong_password);
    tcase_add_test(tc, kerberos_unknown_user);
    tcase_add_loop_test(tc, ntlm_logon_denied, 0,
                        sizeof(ntlm_logon_cases) / sizeof(ntlm_logon_cases[0]));
    tcase_add_loop_test(tc, ntlm_logon_denied_after_code_taken, 0,
                        WRONG_PASSWORD_CASES * sizeof(minor_owners) / sizeof(minor_owners[0]));
    tcase_add_loop_test(tc, keytab_without_key, 0, sizeof(keytab_cases) / sizeof(keytab_cases[0]));
    tcase_add_loop_test(tc, clock_skew, 0, 2);
    tcase_add_test(tc, later_leg_failure_keeps_context);
    tcase_add_test(tc, later_leg_garbage_keeps_context);
    tcase_add_loop_test(tc, extended_error_token, 0,
                        sizeof(extended_error_cases) / sizeof(extended_error_cases[0]));
    tcase_add_loop_test(tc, kerberos_replay, 0, 2);
    tcase_add_loop_test(tc, bad_tokens, 0, sizeof(bad_token_cases) / sizeof(bad_token_cases[0]));
    tcase_add_test(tc, missing_token);
    tcase_add_test(tc, unknown_package);
    tcase_add_test(tc, stale_handles);
    tcase_add_test(tc, context_outlives_credential);
    tcase_add_test(tc, random_handles);
    tcase_add_loop_test(tc, ntlm_confidentiality_not_offered, 0, 2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
