/*
 * test_bad_input.c - every exported function that takes a handle or a
 * buffer, fed what a careless or hostile caller passes: NULL, stale and
 * foreign handles, buffers with a length and no memory, unknown buffer
 * types, oversized tokens, lying DER and NTLM lengths, undefined
 * fCredentialUse bits, identities with lengths and no strings.  Each case
 * expects one exact SEC code; no crash, and (under make check-asan) no
 * leak.  Also: MaxTokenSize (default, setting, cbMaxToken agreeing) and
 * DecryptMessage when memory runs out (SEC_E_INSUFFICIENT_MEMORY, never
 * SEC_E_MESSAGE_ALTERED).
 */
#include <stdlib.h>
#include <string.h>

#include "peers.h"

/* What the cases work on: set up once per case (check forks each). */
struct fixture {
    CredHandle server_cred;     /* Negotiate, inbound */
    CredHandle client_cred;     /* NTLM, outbound, the test user's password */
    struct handshake hs;        /* an established NTLM pair: hs.server, hs.client */
    CtxtHandle first_leg;       /* a Kerberos initiator after its first call */
    CredHandle first_leg_cred;
    CtxtHandle dead;            /* a deleted context handle */
    CredHandle dead_cred;       /* a freed credential handle */
};
static struct fixture fx;

static const CtxtHandle zero_handle = {0, 0};
static const CtxtHandle bogus_handle = {0x1234, 0x5353000200000007ull};

static void setup(void)
{
    memset(&fx, 0, sizeof(fx));
    fx.hs = (struct handshake){.isc_req = ISC_ALL, .asc_req = ASC_ALL};
    handshake_user("NTLM", true, NULL, "NTLM", &fx.hs);
    ck_assert_int_eq(fx.hs.server_status, SEC_E_OK);
    fx.server_cred = fx.hs.server_cred;
    fx.client_cred = fx.hs.client_cred;
    first_leg_context("Kerberos", &fx.first_leg_cred, &fx.first_leg);
    struct handshake other = {.isc_req = ISC_ALL, .asc_req = ASC_ALL};
    handshake_user("NTLM", true, NULL, "NTLM", &other);
    fx.dead = other.server;
    fx.dead_cred = other.server_cred;
    handshake_cleanup(&other);
}

static void teardown(void)
{
    DeleteSecurityContext(&fx.first_leg);
    FreeCredentialsHandle(&fx.first_leg_cred);
    handshake_cleanup(&fx.hs);
}

/* ---- helpers ------------------------------------------------------------------ */

static SECURITY_STATUS accept_desc(CredHandle *cred, CtxtHandle *ctx, SecBufferDesc *in)
{
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle out = {0, 0};
    ULONG attrs = 0;
    TimeStamp ts;
    SECURITY_STATUS s = AcceptSecurityContext(cred, ctx, in, ASC_REQ_ALLOCATE_MEMORY,
                                              SECURITY_NATIVE_DREP, &out, &od, &attrs, &ts);
    FreeContextBuffer(ob.pvBuffer);
    if (ctx == NULL && (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED))
        DeleteSecurityContext(&out);
    return s;
}

/* AcceptSecurityContext of one token (first call). */
static SECURITY_STATUS accept_bytes(const void *p, ULONG len)
{
    SecBuffer b = {len, SECBUFFER_TOKEN, (void *)p};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc(&fx.server_cred, NULL, &d);
}

/* A token of len bytes: header (when given) then filler. */
static SECURITY_STATUS accept_sized(const unsigned char *head, size_t head_len, size_t len)
{
    unsigned char *p = calloc(1, len);
    memcpy(p, head, head_len);
    memset(p + head_len, 0x41, len - head_len);
    SECURITY_STATUS s = accept_bytes(p, (ULONG)len);
    free(p);
    return s;
}

static const unsigned char spnego_head[] = {0x60, 0x83, 0x00, 0x00, 0x00, /* length patched */
                                            0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};

/* SPNEGO framing whose DER length is right for len bytes, garbage inside. */
static SECURITY_STATUS accept_spnego_garbage(size_t len)
{
    unsigned char head[sizeof(spnego_head)];
    memcpy(head, spnego_head, sizeof(head));
    size_t body = len - 5;
    head[2] = (unsigned char)(body >> 16);
    head[3] = (unsigned char)(body >> 8);
    head[4] = (unsigned char)body;
    return accept_sized(head, sizeof(head), len);
}

static SECURITY_STATUS initialize_desc(CtxtHandle *ctx, SecBufferDesc *in, SecBufferDesc *out)
{
    unsigned char buf[4096];
    SecBuffer ob = {sizeof(buf), SECBUFFER_TOKEN, buf};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle new_ctx = {0, 0};
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS s = InitializeSecurityContextA(
        &fx.client_cred, ctx, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"), ISC_ALL, 0,
        SECURITY_NATIVE_DREP, in, 0, ctx ? ctx : &new_ctx, out ? out : &od, &attrs, &ts);
    if (ctx == NULL && (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED))
        DeleteSecurityContext(&new_ctx);
    return s;
}

typedef SECURITY_STATUS(SEC_ENTRY *msg_fn4)(PCtxtHandle, ULONG, PSecBufferDesc, ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *msg_fn_qop)(PCtxtHandle, PSecBufferDesc, ULONG, ULONG *);

/* The four message functions with one descriptor; which: 0 sign, 1
 * verify, 2 seal, 3 unseal. */
static SECURITY_STATUS message(int which, CtxtHandle *h, SecBufferDesc *d)
{
    ULONG qop;
    switch (which) {
    case 0:
        return MakeSignature(h, 0, d, 0);
    case 1:
        return VerifySignature(h, d, 0, &qop);
    case 2:
        return EncryptMessage(h, 0, d, 0);
    default:
        return DecryptMessage(h, d, 0, &qop);
    }
}

static SECURITY_STATUS message_token_data(int which, CtxtHandle *h, void *token, ULONG token_len,
                                          void *data, ULONG data_len)
{
    SecBuffer b[2] = {{token_len, SECBUFFER_TOKEN, token}, {data_len, SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    return message(which, h, &d);
}

static SEC_WINNT_AUTH_IDENTITY_A identity(const char *user, ULONG user_len, const char *password,
                                          ULONG password_len)
{
    return (SEC_WINNT_AUTH_IDENTITY_A){(unsigned char *)user,     user_len, NULL, 0,
                                       (unsigned char *)password, password_len,
                                       SEC_WINNT_AUTH_IDENTITY_ANSI};
}

static SECURITY_STATUS acquire(const char *package, ULONG use, void *auth)
{
    CredHandle h;
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, use, NULL, auth, NULL,
                                                  NULL, &h, &ts);
    if (s == SEC_E_OK)
        FreeCredentialsHandle(&h);
    return s;
}

/* ---- the cases ---------------------------------------------------------------- */

#define CASE(name) static SECURITY_STATUS name(void)

/* AcquireCredentialsHandle */
CASE(ach_null_handle_out)
{
    TimeStamp ts;
    return AcquireCredentialsHandleA(NULL, "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                     NULL, &ts);
}
CASE(ach_use_all_bits) { return acquire("Negotiate", 0xFFFFFFFFu, NULL); }
CASE(ach_use_reserved) { return acquire("Negotiate", SECPKG_CRED_INBOUND | 0x10000000u, NULL); }
CASE(ach_use_none) { return acquire("Negotiate", 0, NULL); }
CASE(ach_unknown_package) { return acquire("Schannel!", SECPKG_CRED_INBOUND, NULL); }
CASE(ach_user_length_no_user)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity(NULL, 5, "pw", 2);
    return acquire("NTLM", SECPKG_CRED_OUTBOUND, &id);
}
CASE(ach_password_length_no_password)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity("alice", 5, NULL, 8);
    return acquire("NTLM", SECPKG_CRED_OUTBOUND, &id);
}
CASE(ach_identity_no_flags)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity("alice", 5, "pw", 2);
    id.Flags = 0;
    return acquire("NTLM", SECPKG_CRED_OUTBOUND, &id);
}
CASE(ach_w_use_all_bits)
{
    CredHandle h;
    SEC_WCHAR pkg[] = {'N', 'T', 'L', 'M', 0};
    return AcquireCredentialsHandleW(NULL, pkg, 0xFFFFFFFFu, NULL, NULL, NULL, NULL, &h, NULL);
}

/* FreeCredentialsHandle, QueryCredentialsAttributes, the policy */
CASE(fch_null) { return FreeCredentialsHandle(NULL); }
CASE(fch_zero) { return FreeCredentialsHandle((CredHandle *)&zero_handle); }
CASE(fch_context_handle) { return FreeCredentialsHandle(&fx.hs.server); }
CASE(fch_freed) { return FreeCredentialsHandle(&fx.dead_cred); }
CASE(qca_bogus)
{
    SecPkgCredentials_NamesA n;
    return QueryCredentialsAttributesA((CredHandle *)&bogus_handle, SECPKG_CRED_ATTR_NAMES, &n);
}
CASE(qca_null_buffer)
{
    return QueryCredentialsAttributesW(&fx.server_cred, SECPKG_CRED_ATTR_NAMES, NULL);
}
CASE(policy_freed)
{
    GSS_SSPI_POLICY p = {GSS_SSPI_CB_POLICY_ALLOW, 0};
    return GssSspiSetCredentialsPolicy(&fx.dead_cred, &p);
}

/* AcceptSecurityContext */
CASE(asc_null_input) { return accept_desc(&fx.server_cred, NULL, NULL); }
CASE(asc_token_no_memory)
{
    SecBuffer b = {100, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc(&fx.server_cred, NULL, &d);
}
CASE(asc_token_no_memory_continuation)
{
    SecBuffer b = {100, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc(&fx.server_cred, &fx.hs.server, &d);
}
CASE(asc_other_buffer_no_memory)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b[2] = {{sizeof(tok), SECBUFFER_TOKEN, tok}, {16, SECBUFFER_PKG_PARAMS, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    return accept_desc(&fx.server_cred, NULL, &d);
}
CASE(asc_bad_version)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b = {sizeof(tok), SECBUFFER_TOKEN, tok};
    SecBufferDesc d = {SECBUFFER_VERSION + 1, 1, &b};
    return accept_desc(&fx.server_cred, NULL, &d);
}
CASE(asc_buffers_missing)
{
    SecBufferDesc d = {SECBUFFER_VERSION, 3, NULL};
    return accept_desc(&fx.server_cred, NULL, &d);
}
CASE(asc_unknown_type_only)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b = {sizeof(tok), 0x7777, tok};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc(&fx.server_cred, NULL, &d);
}
CASE(asc_empty_token) { return accept_bytes("", 0); }
CASE(asc_raw_over_max) { return accept_sized((const unsigned char *)"NTLMSSP\0\1", 9, 48001); }
CASE(asc_raw_at_max) { return accept_sized((const unsigned char *)"NTLMSSP\0\1", 9, 48000); }
CASE(asc_raw_16mib) { return accept_sized((const unsigned char *)"NTLMSSP\0\1", 9, 16u << 20); }
CASE(asc_spnego_over_max) { return accept_spnego_garbage(48257); }
CASE(asc_spnego_64k) { return accept_spnego_garbage(65536); }
CASE(asc_spnego_64k_raised)
{
    ck_assert_int_eq(GssSspiSetMaxTokenSize(65535), SEC_E_OK);
    return accept_spnego_garbage(65536 + 100);
}
CASE(asc_spnego_garbage_small) { return accept_spnego_garbage(1000); }
/* SPNEGO framing, NegTokenInit [0] and SEQUENCE headers with right lengths,
 * zeros inside: MIT's SPNEGO says GSS_S_FAILURE, "Token header is
 * malformed or corrupt". */
static SECURITY_STATUS accept_nested_zeros(size_t len)
{
    unsigned char h[] = {0x60, 0x83, 0, 0, 0, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05,
                         0x02, 0xa0, 0x83, 0, 0,    0, 0x30, 0x83, 0,    0,    0};
    size_t lens[3] = {len - 5, len - 18, len - 23}, at[3] = {2, 15, 20};
    for (size_t i = 0; i < 3; i++) {
        h[at[i]] = (unsigned char)(lens[i] >> 16);
        h[at[i] + 1] = (unsigned char)(lens[i] >> 8);
        h[at[i] + 2] = (unsigned char)lens[i];
    }
    unsigned char *p = calloc(1, len);
    memcpy(p, h, sizeof(h));
    SECURITY_STATUS s = accept_bytes(p, (ULONG)len);
    free(p);
    return s;
}
CASE(asc_spnego_nested_zeros_small) { return accept_nested_zeros(1000); }
CASE(asc_spnego_nested_zeros_64k)
{
    ck_assert_int_eq(GssSspiSetMaxTokenSize(65535), SEC_E_OK);
    return accept_nested_zeros(65536 + 200);
}
CASE(asc_der_length_lies_long)
{
    /* GSS framing claiming 4 GiB. */
    static const unsigned char t[] = {0x60, 0x84, 0xff, 0xff, 0xff, 0xf0, 0x06, 0x06, 0x2b,
                                      0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x03, 0x30, 0x01};
    return accept_bytes(t, sizeof(t));
}
CASE(asc_der_length_lies_short)
{
    static const unsigned char t[] = {0x60, 0x02, 0x06, 0x06, 0x2b, 0x06, 0x01,
                                      0x05, 0x05, 0x02, 0xa0, 0x03, 0x30, 0x01};
    return accept_bytes(t, sizeof(t));
}
CASE(asc_der_length_bytes_too_many)
{
    static const unsigned char t[] = {0x60, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x06};
    return accept_bytes(t, sizeof(t));
}
CASE(asc_spnego_inner_length_lies)
{
    /* Framing right, NegTokenInit's [0] claims far more than there is. */
    static const unsigned char t[] = {0x60, 0x10, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05,
                                      0x02, 0xa0, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00};
    return accept_bytes(t, sizeof(t));
}
CASE(asc_ntlm_negotiate_field_lies)
{
    /* NEGOTIATE whose DomainName field points 60000 bytes past the message. */
    static const unsigned char t[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0,
                                      0x07, 0x32, 0x00, 0xa0, /* flags, DOMAIN_SUPPLIED */
                                      0x10, 0x00, 0x10, 0x00, 0x60, 0xea, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
                                      6, 1, 0xb1, 0x1d, 0, 0, 0, 0x0f};
    return accept_bytes(t, sizeof(t));
}
CASE(asc_ntlm_authenticate_first)
{
    /* An AUTHENTICATE (type 3) with every field past the end, as a first token. */
    unsigned char t[88] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 3, 0, 0, 0};
    for (size_t i = 12; i < 64; i += 8) {
        t[i] = t[i + 2] = 0xff;           /* length 0xffff */
        t[i + 4] = t[i + 5] = t[i + 6] = 0x7f; /* offset far away */
    }
    return accept_bytes(t, sizeof(t));
}
/* A real NEGOTIATE, then an AUTHENTICATE whose fields lie, as the second leg. */
CASE(asc_ntlm_authenticate_lies)
{
    unsigned char neg[4096];
    SecBuffer nb = {sizeof(neg), SECBUFFER_TOKEN, neg};
    SecBufferDesc nd = {SECBUFFER_VERSION, 1, &nb};
    CtxtHandle client, server;
    ULONG attrs;
    bool have_server;
    ck_assert_int_eq(InitializeSecurityContextA(&fx.client_cred, NULL, NULL, 0, 0, 0, NULL, 0,
                                                &client, &nd, &attrs, NULL),
                     SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(accept_one(&fx.server_cred, neg, nb.cbBuffer, 0, &server, &have_server,
                                NULL, NULL),
                     SEC_I_CONTINUE_NEEDED);
    unsigned char t[88] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 3, 0, 0, 0};
    for (size_t i = 12; i < 60; i += 8) {
        t[i] = t[i + 2] = 0xf0;                /* length 0xf0f0 */
        t[i + 4] = 0x40;                       /* offset inside, length past the end */
    }
    SecBuffer b = {sizeof(t), SECBUFFER_TOKEN, t};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    SECURITY_STATUS s = accept_desc(&fx.server_cred, &server, &d);
    DeleteSecurityContext(&server);
    DeleteSecurityContext(&client);
    return s;
}
CASE(asc_ntlm_truncated) { return accept_bytes("NTLMSSP\0\1\0\0", 11); }
CASE(asc_bogus_cred)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b = {sizeof(tok), SECBUFFER_TOKEN, tok};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc((CredHandle *)&bogus_handle, NULL, &d);
}
CASE(asc_freed_cred)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b = {sizeof(tok), SECBUFFER_TOKEN, tok};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc(&fx.dead_cred, NULL, &d);
}
CASE(asc_deleted_context)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b = {sizeof(tok), SECBUFFER_TOKEN, tok};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc(&fx.server_cred, &fx.dead, &d);
}
CASE(asc_initiator_context)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b = {sizeof(tok), SECBUFFER_TOKEN, tok};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return accept_desc(&fx.server_cred, &fx.first_leg, &d);
}
CASE(asc_bad_output_desc)
{
    static unsigned char tok[] = "NTLMSSP";
    SecBuffer b = {sizeof(tok), SECBUFFER_TOKEN, tok}, ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b}, od = {7, 1, &ob};
    CtxtHandle out;
    ULONG attrs;
    return AcceptSecurityContext(&fx.server_cred, NULL, &d, 0, 0, &out, &od, &attrs, NULL);
}

/* InitializeSecurityContext */
CASE(isc_input_no_memory_first)
{
    SecBuffer b = {64, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return initialize_desc(NULL, &d, NULL);
}
CASE(isc_input_no_memory_continuation)
{
    SecBuffer b = {64, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return initialize_desc(&fx.first_leg, &d, NULL);
}
CASE(isc_input_bad_version)
{
    SecBuffer b = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {0, 1, &b};
    return initialize_desc(&fx.first_leg, &d, NULL);
}
CASE(isc_input_oversized)
{
    unsigned char *p = calloc(1, 70000);
    SecBuffer b = {70000, SECBUFFER_TOKEN, p};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    SECURITY_STATUS s = initialize_desc(&fx.first_leg, &d, NULL);
    free(p);
    return s;
}
CASE(isc_input_der_lies)
{
    static unsigned char t[] = {0xa1, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00};
    SecBuffer b = {sizeof(t), SECBUFFER_TOKEN, t};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return initialize_desc(&fx.first_leg, &d, NULL);
}
CASE(isc_output_bad_desc)
{
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, NULL};
    (void)ob;
    return initialize_desc(NULL, NULL, &od);
}
CASE(isc_bogus_cred)
{
    CtxtHandle out;
    ULONG attrs;
    return InitializeSecurityContextA((CredHandle *)&bogus_handle, NULL, "HTTP/x", 0, 0, 0, NULL,
                                      0, &out, NULL, &attrs, NULL);
}
CASE(isc_acceptor_context)
{
    static unsigned char t[] = "x";
    SecBuffer b = {1, SECBUFFER_TOKEN, t};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return initialize_desc(&fx.hs.server, &d, NULL);
}

/* Contexts: delete, complete, control, attributes, export, identity */
CASE(dsc_null) { return DeleteSecurityContext(NULL); }
CASE(dsc_zero) { return DeleteSecurityContext((CtxtHandle *)&zero_handle); }
CASE(dsc_deleted) { return DeleteSecurityContext(&fx.dead); }
CASE(dsc_credential_handle) { return DeleteSecurityContext(&fx.server_cred); }
CASE(cat_bogus) { return CompleteAuthToken((CtxtHandle *)&bogus_handle, NULL); }
CASE(act_bogus) { return ApplyControlToken((CtxtHandle *)&bogus_handle, NULL); }
CASE(qcta_bogus)
{
    SecPkgContext_Sizes s;
    return QueryContextAttributesA((CtxtHandle *)&bogus_handle, SECPKG_ATTR_SIZES, &s);
}
CASE(qcta_deleted)
{
    SecPkgContext_Sizes s;
    return QueryContextAttributesW(&fx.dead, SECPKG_ATTR_SIZES, &s);
}
CASE(qcta_null_buffer) { return QueryContextAttributesA(&fx.hs.server, SECPKG_ATTR_SIZES, NULL); }
CASE(esc_bogus)
{
    SecBuffer b;
    return ExportSecurityContext((CtxtHandle *)&bogus_handle, 0, &b, NULL);
}
CASE(esc_null_out) { return ExportSecurityContext(&fx.hs.server, 0, NULL, NULL); }
CASE(isc_import_null) { return ImportSecurityContextA("NTLM", NULL, NULL, (CtxtHandle *)&fx.dead); }
CASE(import_no_memory)
{
    SecBuffer b = {100, SECBUFFER_EMPTY, NULL};
    CtxtHandle h;
    return ImportSecurityContextA("NTLM", &b, NULL, &h);
}
CASE(import_garbage)
{
    static unsigned char t[64];
    SecBuffer b = {sizeof(t), SECBUFFER_EMPTY, t};
    CtxtHandle h;
    return ImportSecurityContextA("NTLM", &b, NULL, &h);
}
CASE(import_unknown_package)
{
    static unsigned char t[64];
    SecBuffer b = {sizeof(t), SECBUFFER_EMPTY, t};
    CtxtHandle h;
    return ImportSecurityContextA("Nope", &b, NULL, &h);
}
CASE(qsct_bogus)
{
    HANDLE t;
    return QuerySecurityContextToken((CtxtHandle *)&bogus_handle, &t);
}
CASE(qsct_initiator)
{
    HANDLE t;
    return QuerySecurityContextToken(&fx.hs.client, &t);
}
CASE(qsct_null_out) { return QuerySecurityContextToken(&fx.hs.server, NULL); }
CASE(impersonate_bogus) { return ImpersonateSecurityContext((CtxtHandle *)&bogus_handle); }
CASE(impersonate_deleted) { return ImpersonateSecurityContext(&fx.dead); }
CASE(revert_bogus) { return RevertSecurityContext((CtxtHandle *)&bogus_handle); }
CASE(token_query_bogus)
{
    SEC_CHAR *s;
    return GssSspiQueryTokenInformation((HANDLE)(uintptr_t)0x700000001ull,
                                        GSS_SSPI_TOKEN_INFO_USER_NAME, &s);
}
CASE(token_close_bogus) { return GssSspiCloseToken((HANDLE)(uintptr_t)0x700000001ull); }
CASE(token_close_twice)
{
    HANDLE t;
    ck_assert_int_eq(QuerySecurityContextToken(&fx.hs.server, &t), SEC_E_OK);
    ck_assert_int_eq(GssSspiCloseToken(t), SEC_E_OK);
    return GssSspiCloseToken(t);
}
CASE(max_token_zero) { return GssSspiSetMaxTokenSize(0); }
CASE(max_token_too_big) { return GssSspiSetMaxTokenSize(65536); }

/* Message functions */
static SECURITY_STATUS each_message(SECURITY_STATUS (*one)(int which))
{
    SECURITY_STATUS first = one(0);
    for (int which = 1; which < 4; which++) {
        SECURITY_STATUS s = one(which);
        ck_assert_msg(s == first, "message function %d: 0x%08x, function 0: 0x%08x", which,
                      (unsigned)s, (unsigned)first);
    }
    return first;
}
static SECURITY_STATUS msg_bogus_one(int which)
{
    unsigned char tok[64], data[8] = {0};
    return message_token_data(which, (CtxtHandle *)&bogus_handle, tok, sizeof(tok), data, 8);
}
static SECURITY_STATUS msg_deleted_one(int which)
{
    unsigned char tok[64], data[8] = {0};
    return message_token_data(which, &fx.dead, tok, sizeof(tok), data, 8);
}
static SECURITY_STATUS msg_not_established_one(int which)
{
    unsigned char tok[64], data[8] = {0};
    return message_token_data(which, &fx.first_leg, tok, sizeof(tok), data, 8);
}
static SECURITY_STATUS msg_null_desc_one(int which) { return message(which, &fx.hs.server, NULL); }
static SECURITY_STATUS msg_data_no_memory_one(int which)
{
    unsigned char tok[64];
    return message_token_data(which, &fx.hs.server, tok, sizeof(tok), NULL, 32);
}
static SECURITY_STATUS msg_token_no_memory_one(int which)
{
    unsigned char data[8] = {0};
    return message_token_data(which, &fx.hs.server, NULL, 64, data, sizeof(data));
}
static SECURITY_STATUS msg_unknown_types_one(int which)
{
    unsigned char a[16] = {0}, b[16] = {0};
    SecBuffer bufs[2] = {{16, 0x5555, a}, {16, 0x6666, b}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, bufs};
    return message(which, &fx.hs.server, &d);
}
CASE(msg_bogus) { return each_message(msg_bogus_one); }
CASE(msg_deleted) { return each_message(msg_deleted_one); }
CASE(msg_not_established) { return each_message(msg_not_established_one); }
CASE(msg_null_desc) { return each_message(msg_null_desc_one); }
CASE(msg_data_no_memory) { return each_message(msg_data_no_memory_one); }
CASE(msg_token_no_memory) { return each_message(msg_token_no_memory_one); }
CASE(msg_unknown_types) { return each_message(msg_unknown_types_one); }
CASE(unseal_short_signature)
{
    unsigned char tok[4] = {1, 0, 0, 0}, data[8] = {0};
    return message_token_data(3, &fx.hs.server, tok, sizeof(tok), data, sizeof(data));
}
CASE(verify_garbage_signature)
{
    unsigned char tok[16] = {1, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0}, data[8] = {0};
    return message_token_data(1, &fx.hs.server, tok, sizeof(tok), data, sizeof(data));
}

static const struct bad_case {
    const char *name;
    SECURITY_STATUS (*run)(void);
    SECURITY_STATUS expect;
} cases[] = {
    {"ACH: phCredential NULL", ach_null_handle_out, SEC_E_INVALID_PARAMETER},
    {"ACH: fCredentialUse 0xFFFFFFFF", ach_use_all_bits, SEC_E_INVALID_PARAMETER},
    {"ACH: fCredentialUse reserved bit", ach_use_reserved, SEC_E_INVALID_PARAMETER},
    {"ACH: fCredentialUse 0", ach_use_none, SEC_E_INVALID_PARAMETER},
    {"ACH: unknown package", ach_unknown_package, SEC_E_SECPKG_NOT_FOUND},
    {"ACH: UserLength with User NULL", ach_user_length_no_user, SEC_E_UNKNOWN_CREDENTIALS},
    {"ACH: PasswordLength with Password NULL", ach_password_length_no_password,
     SEC_E_UNKNOWN_CREDENTIALS},
    {"ACH: identity Flags 0", ach_identity_no_flags, SEC_E_INVALID_PARAMETER},
    {"ACH W: fCredentialUse 0xFFFFFFFF", ach_w_use_all_bits, SEC_E_INVALID_PARAMETER},
    {"FreeCredentialsHandle(NULL)", fch_null, SEC_E_INVALID_HANDLE},
    {"FreeCredentialsHandle(zeroed)", fch_zero, SEC_E_INVALID_HANDLE},
    {"FreeCredentialsHandle(context handle)", fch_context_handle, SEC_E_INVALID_HANDLE},
    {"FreeCredentialsHandle(freed)", fch_freed, SEC_E_INVALID_HANDLE},
    {"QueryCredentialsAttributes(bogus)", qca_bogus, SEC_E_INVALID_HANDLE},
    {"QueryCredentialsAttributes(NULL buffer)", qca_null_buffer, SEC_E_INVALID_PARAMETER},
    {"GssSspiSetCredentialsPolicy(freed)", policy_freed, SEC_E_INVALID_HANDLE},
    {"ASC: pInput NULL", asc_null_input, SEC_E_INVALID_TOKEN},
    {"ASC: TOKEN pvBuffer NULL, cbBuffer 100", asc_token_no_memory, SEC_E_INVALID_TOKEN},
    {"ASC: same, continuation", asc_token_no_memory_continuation, SEC_E_INVALID_TOKEN},
    {"ASC: another buffer with a length and no memory", asc_other_buffer_no_memory,
     SEC_E_INVALID_TOKEN},
    {"ASC: ulVersion wrong", asc_bad_version, SEC_E_INVALID_TOKEN},
    {"ASC: cBuffers 3, pBuffers NULL", asc_buffers_missing, SEC_E_INVALID_TOKEN},
    {"ASC: only an unknown buffer type", asc_unknown_type_only, SEC_E_INVALID_TOKEN},
    {"ASC: empty token", asc_empty_token, SEC_E_INVALID_TOKEN},
    {"ASC: raw token of 48001 bytes", asc_raw_over_max, SEC_E_INVALID_TOKEN},
    {"ASC: raw garbage of 48000 bytes (within the limit)", asc_raw_at_max, SEC_E_INVALID_TOKEN},
    {"ASC: NEGOTIATE padded to 16 MiB", asc_raw_16mib, SEC_E_INVALID_TOKEN},
    {"ASC: SPNEGO garbage of 48257 bytes", asc_spnego_over_max, SEC_E_INVALID_TOKEN},
    {"ASC: SPNEGO garbage of 64 KiB", asc_spnego_64k, SEC_E_INVALID_TOKEN},
    {"ASC: SPNEGO garbage of 64 KiB + 100, MaxTokenSize 65535", asc_spnego_64k_raised,
     SEC_E_INVALID_TOKEN},
    {"ASC: SPNEGO garbage of 1000 bytes", asc_spnego_garbage_small, SEC_E_INVALID_TOKEN},
    {"ASC: SPNEGO headers, zeros inside, 1000 bytes", asc_spnego_nested_zeros_small,
     SEC_E_INVALID_TOKEN},
    {"ASC: SPNEGO headers, zeros inside, 64 KiB + 200, MaxTokenSize 65535",
     asc_spnego_nested_zeros_64k, SEC_E_INVALID_TOKEN},
    {"ASC: DER length claims 4 GiB", asc_der_length_lies_long, SEC_E_INVALID_TOKEN},
    {"ASC: DER length too short", asc_der_length_lies_short, SEC_E_INVALID_TOKEN},
    {"ASC: DER length of 9 bytes", asc_der_length_bytes_too_many, SEC_E_INVALID_TOKEN},
    {"ASC: NegTokenInit length lies", asc_spnego_inner_length_lies, SEC_E_INVALID_TOKEN},
    /* gss-ntlmssp 1.2.0 never reads the NEGOTIATE's DomainName (MS-NLMP:
     * the server has no use for it): the lie is harmless, the handshake goes on. */
    {"ASC: NTLM NEGOTIATE field past the end", asc_ntlm_negotiate_field_lies,
     SEC_I_CONTINUE_NEEDED},
    {"ASC: NTLM AUTHENTICATE fields past the end (second leg)", asc_ntlm_authenticate_lies,
     SEC_E_INVALID_TOKEN},
    {"ASC: NTLM AUTHENTICATE as first token", asc_ntlm_authenticate_first, SEC_E_INVALID_TOKEN},
    {"ASC: NTLM truncated", asc_ntlm_truncated, SEC_E_INVALID_TOKEN},
    {"ASC: bogus credential handle", asc_bogus_cred, SEC_E_INVALID_HANDLE},
    {"ASC: freed credential handle", asc_freed_cred, SEC_E_INVALID_HANDLE},
    {"ASC: deleted context handle", asc_deleted_context, SEC_E_INVALID_HANDLE},
    {"ASC: an initiator's context", asc_initiator_context, SEC_E_INVALID_HANDLE},
    {"ASC: pOutput ulVersion wrong", asc_bad_output_desc, SEC_E_INVALID_PARAMETER},
    {"ISC: TOKEN pvBuffer NULL, first call", isc_input_no_memory_first, SEC_E_INVALID_TOKEN},
    {"ISC: TOKEN pvBuffer NULL, continuation", isc_input_no_memory_continuation,
     SEC_E_INVALID_TOKEN},
    {"ISC: pInput ulVersion wrong", isc_input_bad_version, SEC_E_INVALID_TOKEN},
    {"ISC: server token of 70000 bytes", isc_input_oversized, SEC_E_INVALID_TOKEN},
    {"ISC: NegTokenResp length lies", isc_input_der_lies, SEC_E_INVALID_TOKEN},
    {"ISC: pOutput without pBuffers", isc_output_bad_desc, SEC_E_INVALID_PARAMETER},
    {"ISC: bogus credential handle", isc_bogus_cred, SEC_E_INVALID_HANDLE},
    {"ISC: an acceptor's context", isc_acceptor_context, SEC_E_INVALID_HANDLE},
    {"DeleteSecurityContext(NULL)", dsc_null, SEC_E_INVALID_HANDLE},
    {"DeleteSecurityContext(zeroed)", dsc_zero, SEC_E_INVALID_HANDLE},
    {"DeleteSecurityContext(deleted)", dsc_deleted, SEC_E_INVALID_HANDLE},
    {"DeleteSecurityContext(credential handle)", dsc_credential_handle, SEC_E_INVALID_HANDLE},
    {"CompleteAuthToken(bogus)", cat_bogus, SEC_E_INVALID_HANDLE},
    {"ApplyControlToken(bogus)", act_bogus, SEC_E_INVALID_HANDLE},
    {"QueryContextAttributes(bogus)", qcta_bogus, SEC_E_INVALID_HANDLE},
    {"QueryContextAttributes(deleted)", qcta_deleted, SEC_E_INVALID_HANDLE},
    {"QueryContextAttributes(NULL buffer)", qcta_null_buffer, SEC_E_INVALID_PARAMETER},
    {"ExportSecurityContext(bogus)", esc_bogus, SEC_E_INVALID_HANDLE},
    {"ExportSecurityContext(NULL pPackedContext)", esc_null_out, SEC_E_INVALID_PARAMETER},
    {"ImportSecurityContext(NULL pPackedContext)", isc_import_null, SEC_E_INVALID_TOKEN},
    {"ImportSecurityContext(pvBuffer NULL, length 100)", import_no_memory, SEC_E_INVALID_TOKEN},
    {"ImportSecurityContext(64 zero bytes)", import_garbage, SEC_E_INVALID_TOKEN},
    {"ImportSecurityContext(unknown package)", import_unknown_package, SEC_E_SECPKG_NOT_FOUND},
    {"QuerySecurityContextToken(bogus)", qsct_bogus, SEC_E_INVALID_HANDLE},
    {"QuerySecurityContextToken(initiator)", qsct_initiator, SEC_E_INVALID_HANDLE},
    {"QuerySecurityContextToken(NULL Token)", qsct_null_out, SEC_E_INVALID_PARAMETER},
    {"ImpersonateSecurityContext(bogus)", impersonate_bogus, SEC_E_INVALID_HANDLE},
    {"ImpersonateSecurityContext(deleted)", impersonate_deleted, SEC_E_INVALID_HANDLE},
    {"RevertSecurityContext(bogus)", revert_bogus, SEC_E_INVALID_HANDLE},
    {"GssSspiQueryTokenInformation(bogus)", token_query_bogus, SEC_E_INVALID_HANDLE},
    {"GssSspiCloseToken(bogus)", token_close_bogus, SEC_E_INVALID_HANDLE},
    {"GssSspiCloseToken twice", token_close_twice, SEC_E_INVALID_HANDLE},
    {"GssSspiSetMaxTokenSize(0)", max_token_zero, SEC_E_INVALID_PARAMETER},
    {"GssSspiSetMaxTokenSize(65536)", max_token_too_big, SEC_E_INVALID_PARAMETER},
    {"messages: bogus handle", msg_bogus, SEC_E_INVALID_HANDLE},
    {"messages: deleted handle", msg_deleted, SEC_E_INVALID_HANDLE},
    {"messages: context not established", msg_not_established, SEC_E_INVALID_HANDLE},
    {"messages: pMessage NULL", msg_null_desc, SEC_E_INVALID_TOKEN},
    {"messages: DATA pvBuffer NULL, cbBuffer 32", msg_data_no_memory, SEC_E_INVALID_TOKEN},
    {"messages: TOKEN pvBuffer NULL, cbBuffer 64", msg_token_no_memory, SEC_E_INVALID_TOKEN},
    {"messages: only unknown buffer types", msg_unknown_types, SEC_E_INVALID_TOKEN},
    {"DecryptMessage: 4-byte token", unseal_short_signature, SEC_E_INVALID_TOKEN},
    {"VerifySignature: garbage signature", verify_garbage_signature, SEC_E_MESSAGE_ALTERED},
};

START_TEST(bad_input)
{
    const struct bad_case *c = &cases[_i];
    SECURITY_STATUS s = c->run();
    ck_assert_msg(s == c->expect, "%s: 0x%08x, expected 0x%08x", c->name, (unsigned)s,
                  (unsigned)c->expect);
}
END_TEST

/* ---- MaxTokenSize: the setting and cbMaxToken agree -------------------------------- */

static ULONG max_token_of(const char *package)
{
    PSecPkgInfoA info;
    ck_assert_int_eq(QuerySecurityPackageInfoA((SEC_CHAR *)package, &info), SEC_E_OK);
    ULONG n = info->cbMaxToken;
    FreeContextBuffer(info);
    return n;
}

START_TEST(max_token_size_setting)
{
    ck_assert_uint_eq(max_token_of("Kerberos"), 48000);
    ck_assert_uint_eq(max_token_of("Negotiate"), 48256);
    ck_assert_uint_eq(max_token_of("NTLM"), 2888);
    /* A Negotiate context reports the same as the package. */
    SecPkgContext_Sizes sizes;
    ck_assert_int_eq(QueryContextAttributesA(&fx.hs.server, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    ck_assert_int_eq(GssSspiSetMaxTokenSize(12000), SEC_E_OK);
    ck_assert_uint_eq(max_token_of("Kerberos"), 12000);
    ck_assert_uint_eq(max_token_of("Negotiate"), 12256);
    ck_assert_int_eq(accept_sized((const unsigned char *)"NTLMSSP\0\1", 9, 12001),
                     SEC_E_INVALID_TOKEN);
    ck_assert_int_eq(GssSspiSetMaxTokenSize(65535), SEC_E_OK);
    ck_assert_uint_eq(max_token_of("Kerberos"), 65535);
    /* Within the limit a garbage token reaches the mechanism: still refused. */
    ck_assert_int_eq(accept_spnego_garbage(60000), SEC_E_INVALID_TOKEN);
}
END_TEST

/* GSS_SSPI_MAX_TOKEN_SIZE, read at first use (a fresh process: no fixture). */
START_TEST(max_token_size_environment)
{
    setenv("GSS_SSPI_MAX_TOKEN_SIZE", "30000", 1);
    ck_assert_uint_eq(max_token_of("Kerberos"), 30000);
    ck_assert_uint_eq(max_token_of("Negotiate"), 30256);
}
END_TEST

START_TEST(max_token_size_environment_invalid)
{
    setenv("GSS_SSPI_MAX_TOKEN_SIZE", "70000", 1);
    ck_assert_uint_eq(max_token_of("Kerberos"), 48000);
}
END_TEST

/* ---- DecryptMessage when allocations fail ----------------------------------------- */
/* Not in a sanitized build (make check-asan): the sanitizer owns malloc there. */
#ifndef GSS_SSPI_SANITIZED_BUILD

/* Every allocation after the countdown reaches 0 fails, while armed.  The
 * program's malloc replaces glibc's for every library (the glibc manual's
 * "Replacing malloc"), so MIT's allocations fail too. */
static int alloc_countdown = -1; /* < 0: disarmed */
static bool alloc_failed;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static bool alloc_should_fail(void)
{
    if (alloc_countdown < 0)
        return false;
    if (alloc_countdown > 0) {
        alloc_countdown--;
        return false;
    }
    alloc_failed = true;
    return true;
}

void *malloc(size_t n)
{
    return alloc_should_fail() ? NULL : __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    return alloc_should_fail() ? NULL : __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    return alloc_should_fail() ? NULL : __libc_realloc(p, n);
}
void free(void *p)
{
    __libc_free(p);
}

/* One DecryptMessage, with allocation n and every later one failing, on a
 * fresh pair: a failed unwrap may advance NTLM's RC4 stream, so a retry on
 * the same context would be judged altered for that reason alone. */
static SECURITY_STATUS decrypt_failing_at(enum mech_kind kind, int n, bool *failed)
{
    struct pair p;
    OM_uint32 minor;
    /* No replay or sequence detection: only the allocations matter. */
    pair_raw_client(kind, GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG,
                    kind_server_package(kind), &p);
    unsigned char *msg = test_message(1000, 7);
    gss_buffer_desc tok;
    raw_wrap(p.raw, 1, msg, 1000, &tok);
    unsigned char empty[1];
    SecBuffer b[2] = {{(ULONG)tok.length, SECBUFFER_STREAM, tok.value}, {0, SECBUFFER_DATA, empty}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop;
    alloc_failed = false;
    alloc_countdown = n;
    SECURITY_STATUS s = DecryptMessage(&p.ours, &d, 0, &qop);
    alloc_countdown = -1;
    *failed = alloc_failed;
    gss_release_buffer(&minor, &tok);
    free(msg);
    pair_free(&p);
    return s;
}

START_TEST(decrypt_out_of_memory)
{
    enum mech_kind kind = (enum mech_kind)_i;
    int failures_seen = 0;
    for (int n = 0; n < 400; n++) {
        bool failed;
        SECURITY_STATUS s = decrypt_failing_at(kind, n, &failed);
        if (!failed) {
            ck_assert_msg(s == SEC_E_OK, "%s: DecryptMessage without failures: 0x%08x",
                          kind_name(kind), (unsigned)s);
            break;
        }
        failures_seen++;
        ck_assert_msg(s == SEC_E_INSUFFICIENT_MEMORY || s == SEC_E_OK,
                      "%s: DecryptMessage with allocation %d failing: 0x%08x", kind_name(kind), n,
                      (unsigned)s);
    }
    ck_assert_msg(failures_seen > 0, "%s: DecryptMessage allocated nothing?", kind_name(kind));
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("cases");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, bad_input, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, max_token_size_setting);
    suite_add_tcase(s, tc);
    TCase *env = tcase_create("environment");
    tcase_add_test(env, max_token_size_environment);
    tcase_add_test(env, max_token_size_environment_invalid);
    suite_add_tcase(s, env);
#ifndef GSS_SSPI_SANITIZED_BUILD
    TCase *oom = tcase_create("out_of_memory");
    tcase_set_timeout(oom, 120);
    tcase_add_loop_test(oom, decrypt_out_of_memory, 0, KIND_COUNT);
    suite_add_tcase(s, oom);
#endif
    return run_suite(s);
}
