/* peers.c - see peers.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"

static const char *const kind_names[KIND_COUNT] = {"Kerberos AES", "Kerberos RC4", "NTLM"};

const char *kind_name(enum mech_kind kind)
{
    return kind_names[kind];
}

void use_kind_environment(enum mech_kind kind)
{
    if (kind != KIND_RC4)
        return;
    setenv("KRB5_CONFIG", realm_env("GSS_SSPI_TEST_KRB5_CONFIG_RC4"), 1);
    setenv("KRB5CCNAME", realm_env("GSS_SSPI_TEST_CCACHE_RC4"), 1);
    setenv("KRB5_KTNAME", realm_env("GSS_SSPI_TEST_KEYTAB_RC4ONLY"), 1);
}

const char *kind_spn(enum mech_kind kind)
{
    return realm_env(kind == KIND_RC4 ? "GSS_SSPI_TEST_SPN_RC4" : "GSS_SSPI_TEST_SPN");
}

const char *kind_server_package(enum mech_kind kind)
{
    return kind == KIND_RC4 ? "Kerberos" : "Negotiate";
}

static gss_name_t hostbased(const char *spn)
{
    OM_uint32 major, minor;
    gss_name_t name = GSS_C_NO_NAME;
    char *s = strdup(spn), *slash = strchr(s, '/');
    if (slash != NULL)
        *slash = '@';
    gss_buffer_desc buf = {strlen(s), s};
    major = gss_import_name(&minor, &buf, GSS_C_NT_HOSTBASED_SERVICE, &name);
    ck_assert_msg(!GSS_ERROR(major), "gss_import_name(%s)", s);
    free(s);
    return name;
}

void pair_raw_client(enum mech_kind kind, OM_uint32 gss_flags, const char *package, struct pair *p)
{
    OM_uint32 major = GSS_S_CONTINUE_NEEDED, minor;
    gss_cred_id_t gcred = GSS_C_NO_CREDENTIAL;
    gss_OID mech = kind == KIND_NTLM ? test_mech_ntlmssp() : test_mech_krb5();
    SECURITY_STATUS s = SEC_I_CONTINUE_NEEDED;
    bool have = false;

    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->ours_is_server = true;
    p->raw = GSS_C_NO_CONTEXT;
    use_kind_environment(kind);
    acquire_inbound(package ? package : "Negotiate", &p->cred);
    if (kind == KIND_NTLM)
        gcred = gss_ntlm_user_cred(mech);
    gss_name_t target = hostbased(kind_spn(kind));
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    void *reply = NULL;
    for (int round = 0; round < 6 && (major & GSS_S_CONTINUE_NEEDED); round++) {
        major = gss_init_sec_context(&minor, gcred, &p->raw, target, mech, gss_flags, 0, NULL, &in,
                                     NULL, &out, &p->raw_flags, NULL);
        FreeContextBuffer(reply);
        reply = NULL;
        in = (gss_buffer_desc)GSS_C_EMPTY_BUFFER;
        ck_assert_msg(!GSS_ERROR(major), "%s: gss_init_sec_context 0x%x/%u", kind_name(kind), major,
                      minor);
        if (out.length == 0)
            break;
        SecBuffer ib = {(ULONG)out.length, SECBUFFER_TOKEN, out.value};
        SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
        TimeStamp ts;
        s = AcceptSecurityContext(&p->cred, have ? &p->ours : NULL, &id,
                                  ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION,
                                  SECURITY_NATIVE_DREP, &p->ours, &od, &p->ours_attrs, &ts);
        gss_release_buffer(&minor, &out);
        ck_assert_msg(s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED, "%s: accept 0x%08x",
                      kind_name(kind), (unsigned)s);
        have = true;
        reply = ob.pvBuffer;
        in.value = ob.pvBuffer;
        in.length = ob.cbBuffer;
        if (ob.cbBuffer == 0)
            break;
    }
    FreeContextBuffer(reply);
    ck_assert_msg(major == GSS_S_COMPLETE, "%s: raw client did not finish", kind_name(kind));
    ck_assert_msg(s == SEC_E_OK, "%s: our acceptor did not finish: 0x%08x", kind_name(kind),
                  (unsigned)s);
    gss_release_name(&minor, &target);
    gss_release_cred(&minor, &gcred);
}

void pair_raw_server(enum mech_kind kind, ULONG isc_req, const char *package, struct pair *p)
{
    OM_uint32 major = GSS_S_CONTINUE_NEEDED, minor;
    SECURITY_STATUS s = SEC_I_CONTINUE_NEEDED;
    bool have = false;
    gss_buffer_desc reply = GSS_C_EMPTY_BUFFER;

    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->raw = GSS_C_NO_CONTEXT;
    use_kind_environment(kind);
    acquire_outbound_user(package, kind == KIND_NTLM, NULL, &p->cred);
    for (int round = 0; round < 6 && s == SEC_I_CONTINUE_NEEDED; round++) {
        SecBuffer ob;
        s = isc_step(&p->cred, &p->ours, &have, kind_spn(kind), isc_req | ISC_REQ_ALLOCATE_MEMORY,
                     reply.value, (ULONG)reply.length, &ob, &p->ours_attrs);
        gss_release_buffer(&minor, &reply);
        ck_assert_msg(s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED, "%s: initialize 0x%08x",
                      kind_name(kind), (unsigned)s);
        if (ob.cbBuffer == 0)
            break;
        gss_buffer_desc tok = {ob.cbBuffer, ob.pvBuffer};
        major = gss_accept_sec_context(&minor, &p->raw, GSS_C_NO_CREDENTIAL, &tok,
                                       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &reply, &p->raw_flags,
                                       NULL, NULL);
        FreeContextBuffer(ob.pvBuffer);
        ck_assert_msg(!GSS_ERROR(major), "%s: gss_accept_sec_context 0x%x/%u", kind_name(kind),
                      major, minor);
        if (reply.length == 0)
            break;
    }
    gss_release_buffer(&minor, &reply);
    ck_assert_msg(s == SEC_E_OK, "%s: our initiator did not finish: 0x%08x", kind_name(kind),
                  (unsigned)s);
    ck_assert_msg(major == GSS_S_COMPLETE, "%s: raw acceptor did not finish", kind_name(kind));
}

void pair_free(struct pair *p)
{
    OM_uint32 minor;
    DeleteSecurityContext(&p->ours);
    FreeCredentialsHandle(&p->cred);
    gss_delete_sec_context(&minor, &p->raw, GSS_C_NO_BUFFER);
}

unsigned char *test_message(size_t len, unsigned seed)
{
    unsigned char *m = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(m);
    uint32_t x = 2463534242u ^ seed;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        m[i] = (unsigned char)x;
    }
    return m;
}

static SecPkgContext_Sizes sizes_of(CtxtHandle *h)
{
    SecPkgContext_Sizes sz;
    SECURITY_STATUS s = QueryContextAttributesA(h, SECPKG_ATTR_SIZES, &sz);
    ck_assert_msg(s == SEC_E_OK, "QueryContextAttributes(SIZES): 0x%08x", (unsigned)s);
    return sz;
}

SECURITY_STATUS ours_seal(CtxtHandle *h, ULONG qop, const void *data, size_t len,
                          unsigned char **wire, size_t *wire_len, ULONG *token_len)
{
    SecPkgContext_Sizes sz = sizes_of(h);
    unsigned char *tok = malloc(sz.cbSecurityTrailer), *buf = malloc(len ? len : 1);
    unsigned char *pad = malloc(sz.cbBlockSize + 1);
    if (len > 0)
        memcpy(buf, data, len);
    SecBuffer b[3] = {{sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok},
                      {(ULONG)len, SECBUFFER_DATA, buf},
                      {sz.cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    SECURITY_STATUS s = EncryptMessage(h, qop, &d, 0);
    *wire = NULL;
    *wire_len = 0;
    if (s == SEC_E_OK) {
        ck_assert_uint_eq(b[1].cbBuffer, len);
        ck_assert_ptr_eq(b[1].pvBuffer, buf);
        if (qop == 0 && len >= 16)
            ck_assert_msg(memcmp(buf, data, 16) != 0, "EncryptMessage left the data in clear");
        if (qop == SECQOP_WRAP_NO_ENCRYPT && len > 0)
            ck_assert_msg(memcmp(buf, data, len) == 0, "NO_ENCRYPT changed the data");
        *wire_len = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
        *wire = malloc(*wire_len ? *wire_len : 1);
        memcpy(*wire, tok, b[0].cbBuffer);
        if (len > 0)
            memcpy(*wire + b[0].cbBuffer, buf, len);
        memcpy(*wire + b[0].cbBuffer + len, pad, b[2].cbBuffer);
        if (token_len != NULL)
            *token_len = b[0].cbBuffer;
    }
    free(tok);
    free(buf);
    free(pad);
    return s;
}

SECURITY_STATUS ours_unseal_stream(CtxtHandle *h, const void *wire, size_t wire_len,
                                   unsigned char **plain, size_t *plain_len, ULONG *qop)
{
    unsigned char *stream = malloc(wire_len ? wire_len : 1);
    memcpy(stream, wire, wire_len);
    SecBuffer b[2] = {{(ULONG)wire_len, SECBUFFER_STREAM, stream}, {0, SECBUFFER_DATA, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG q = 0xFFFF;
    SECURITY_STATUS s = DecryptMessage(h, &d, 0, &q);
    *plain = NULL;
    *plain_len = 0;
    if (s == SEC_E_OK) {
        if (b[1].cbBuffer > 0) {
            ck_assert(b[1].pvBuffer >= (void *)stream &&
                      (unsigned char *)b[1].pvBuffer + b[1].cbBuffer <= stream + wire_len);
        }
        *plain_len = b[1].cbBuffer;
        *plain = malloc(*plain_len ? *plain_len : 1);
        if (*plain_len)
            memcpy(*plain, b[1].pvBuffer, *plain_len);
        if (qop != NULL)
            *qop = q;
    }
    free(stream);
    return s;
}

SECURITY_STATUS ours_sign(CtxtHandle *h, const void *data, size_t len, unsigned char **sig,
                          size_t *sig_len)
{
    SecPkgContext_Sizes sz = sizes_of(h);
    unsigned char *tok = malloc(sz.cbMaxSignature);
    SecBuffer b[2] = {{(ULONG)len, SECBUFFER_DATA, (void *)data},
                      {sz.cbMaxSignature, SECBUFFER_TOKEN, tok}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS s = MakeSignature(h, 0, &d, 0);
    if (s == SEC_E_OK) {
        ck_assert_uint_le(b[1].cbBuffer, sz.cbMaxSignature);
        *sig = tok;
        *sig_len = b[1].cbBuffer;
    } else {
        free(tok);
        *sig = NULL;
        *sig_len = 0;
    }
    return s;
}

SECURITY_STATUS ours_verify(CtxtHandle *h, const void *data, size_t len, const void *sig,
                            size_t sig_len)
{
    SecBuffer b[2] = {{(ULONG)len, SECBUFFER_DATA, (void *)data},
                      {(ULONG)sig_len, SECBUFFER_TOKEN, (void *)sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0xFFFF;
    SECURITY_STATUS s = VerifySignature(h, &d, 0, &qop);
    if (s == SEC_E_OK)
        ck_assert_uint_eq(qop, 0);
    return s;
}

void raw_unwrap_expect(gss_ctx_id_t raw, const void *wire, size_t wire_len, const void *data,
                       size_t len, int expect_conf)
{
    OM_uint32 major, minor;
    int conf = -1;
    gss_buffer_desc in = {wire_len, (void *)wire}, out = GSS_C_EMPTY_BUFFER;
    major = gss_unwrap(&minor, raw, &in, &out, &conf, NULL);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_unwrap of our %zu-byte token: 0x%x/%u", wire_len,
                  major, minor);
    ck_assert_uint_eq(out.length, len);
    ck_assert(len == 0 || memcmp(out.value, data, len) == 0);
    ck_assert_int_eq(conf, expect_conf);
    gss_release_buffer(&minor, &out);
}

void raw_wrap(gss_ctx_id_t raw, int conf, const void *data, size_t len, gss_buffer_desc *token)
{
    OM_uint32 major, minor;
    gss_buffer_desc in = {len, (void *)data};
    major = gss_wrap(&minor, raw, conf, GSS_C_QOP_DEFAULT, &in, NULL, token);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_wrap(%zu bytes): 0x%x/%u", len, major, minor);
}

void raw_verify_expect(gss_ctx_id_t raw, const void *data, size_t len, const void *sig,
                       size_t sig_len)
{
    OM_uint32 major, minor;
    gss_buffer_desc msg = {len, (void *)data}, tok = {sig_len, (void *)sig};
    major = gss_verify_mic(&minor, raw, &msg, &tok, NULL);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_verify_mic of our signature: 0x%x/%u", major,
                  minor);
}

void raw_get_mic(gss_ctx_id_t raw, const void *data, size_t len, gss_buffer_desc *mic)
{
    OM_uint32 major, minor;
    gss_buffer_desc msg = {len, (void *)data};
    major = gss_get_mic(&minor, raw, GSS_C_QOP_DEFAULT, &msg, mic);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_get_mic: 0x%x/%u", major, minor);
}

unsigned char *raw_session_key(gss_ctx_id_t raw, size_t *len)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    major = gss_inquire_sec_context_by_oid(&minor, raw, GSS_C_INQ_SSPI_SESSION_KEY, &set);
    ck_assert_msg(!GSS_ERROR(major) && set && set->count >= 1, "raw session key: 0x%x", major);
    *len = set->elements[0].length;
    unsigned char *key = malloc(*len);
    memcpy(key, set->elements[0].value, *len);
    gss_release_buffer_set(&minor, &set);
    return key;
}

unsigned char *ours_session_key(CtxtHandle *h, size_t *len)
{
    SecPkgContext_SessionKey sk = {0};
    SECURITY_STATUS s = QueryContextAttributesA(h, SECPKG_ATTR_SESSION_KEY, &sk);
    ck_assert_msg(s == SEC_E_OK, "QueryContextAttributes(SESSION_KEY): 0x%08x", (unsigned)s);
    *len = sk.SessionKeyLength;
    unsigned char *key = malloc(*len);
    memcpy(key, sk.SessionKey, *len);
    FreeContextBuffer(sk.SessionKey);
    return key;
}
