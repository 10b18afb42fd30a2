/*
 * test_windows_tokens.c - replay Kerberos tokens captured from a real Windows
 * client (../shared/interop/windows-kerberos, see its README) into our
 * Negotiate acceptor: raw and SPNEGO-wrapped AP-REQs for RC4, AES128 and
 * AES256 tickets.  No KDC: the test writes its own krb5.conf and a keytab
 * holding the Windows service keys.
 */
#define _DEFAULT_SOURCE /* mkdtemp, setenv, explicit_bzero under plain C11 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define SKIP_STATUS 77 /* automake: test skipped */
#define SERVICE_REALM "DOMAIN.COM"
#define CLIENT_NAME "user.test@DOMAIN.COM"
#define MAX_KEY 32

/* The service keys of HTTP/server.test.domain.com@DOMAIN.COM. */
static const struct service_key {
    const char *file;
    uint16_t enctype;
    uint32_t kvno;
    size_t len;
} service_keys[] = {
    {"rc4-key.hex", 23, 3, 16},    /* arcfour-hmac */
    {"aes128-key.hex", 17, 5, 16}, /* aes128-cts-hmac-sha1-96 */
    {"aes256-key.hex", 18, 5, 32}, /* aes256-cts-hmac-sha1-96 */
};
static const char *const service_components[] = {"HTTP", "server.test.domain.com"};

/* The six captured tokens and the form each arrives in. */
static const struct windows_token {
    const char *file;
    ULONG form;
} windows_tokens[] = {
    {"rc4-kerberos-data", GSS_SSPI_FORM_RAW},     {"aes128-kerberos-data", GSS_SSPI_FORM_RAW},
    {"aes256-kerberos-data", GSS_SSPI_FORM_RAW},  {"rc4-spnego-data", GSS_SSPI_FORM_SPNEGO},
    {"aes128-spnego-data", GSS_SSPI_FORM_SPNEGO}, {"aes256-spnego-data", GSS_SSPI_FORM_SPNEGO},
};
#define N_TOKENS (sizeof(windows_tokens) / sizeof(windows_tokens[0]))

/* MS-KRB5, 1.2.840.48018.1.2.2: the OID Windows lists first, and so the one
 * the acceptor must name as supportedMech. */
static const unsigned char ms_krb5_oid[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

/* The data directory and our temp dir with krb5.conf and the keytab. */
static char data_dir[4096];
static char work_dir[4096];
static char krb5_conf_path[4200];
static char keytab_path[4200];

/* ---- files ---------------------------------------------------------------- */

static void *read_file(const char *dir, const char *name, size_t *len)
{
    char path[4352];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_ge(size, 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A key file: exactly key->len bytes of hex, optionally a trailing newline. */
static void read_key(const struct service_key *key, unsigned char out[MAX_KEY])
{
    size_t len;
    char *text = read_file(data_dir, key->file, &len);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    ck_assert_msg(len == 2 * key->len, "%s: %zu hex digits, expected %zu", key->file, len,
                  2 * key->len);
    for (size_t i = 0; i < key->len; i++) {
        int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
        ck_assert_msg(hi >= 0 && lo >= 0, "%s: not hex", key->file);
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    free(text);
}

/* ---- keytab writer (MIT format 0x0502, all fields big-endian) --------------- */

struct bytes {
    unsigned char data[512];
    size_t len;
};

static void put_bytes(struct bytes *b, const void *p, size_t n)
{
    ck_assert_uint_le(b->len + n, sizeof(b->data));
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u8(struct bytes *b, uint8_t v)
{
    put_bytes(b, &v, 1);
}

static void put_u16(struct bytes *b, uint16_t v)
{
    unsigned char be[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    put_bytes(b, be, 2);
}

static void put_u32(struct bytes *b, uint32_t v)
{
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v};
    put_bytes(b, be, 4);
}

/* A counted octet string: 16-bit length, then the bytes. */
static void put_counted(struct bytes *b, const void *p, size_t n)
{
    ck_assert_uint_le(n, UINT16_MAX);
    put_u16(b, (uint16_t)n);
    put_bytes(b, p, n);
}

/* One entry: principal, timestamp, 8-bit kvno, keyblock, 32-bit kvno. */
static void keytab_entry(struct bytes *e, const struct service_key *key,
                         const unsigned char *contents)
{
    const size_t ncomp = sizeof(service_components) / sizeof(service_components[0]);
    e->len = 0;
    put_u16(e, (uint16_t)ncomp);
    put_counted(e, SERVICE_REALM, strlen(SERVICE_REALM));
    for (size_t i = 0; i < ncomp; i++)
        put_counted(e, service_components[i], strlen(service_components[i]));
    put_u32(e, 1); /* KRB5_NT_PRINCIPAL, as kadmin's ktadd writes */
    put_u32(e, (uint32_t)time(NULL));
    put_u8(e, (uint8_t)key->kvno);
    put_u16(e, key->enctype);
    put_counted(e, contents, key->len);
    put_u32(e, key->kvno); /* the full kvno; readers prefer it to the 8-bit one */
}

static void write_keytab(const char *path)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
    struct bytes out = {.len = 0}, entry;
    put_u16(&out, 0x0502);
    for (size_t i = 0; i < sizeof(service_keys) / sizeof(service_keys[0]); i++) {
        unsigned char key[MAX_KEY];
        read_key(&service_keys[i], key);
        keytab_entry(&entry, &service_keys[i], key);
        explicit_bzero(key, sizeof(key));
        put_u32(&out, (uint32_t)entry.len); /* positive size: a live entry */
        put_bytes(&out, entry.data, entry.len);
    }
    ck_assert_uint_eq(fwrite(out.data, 1, out.len, f), out.len);
    ck_assert_int_eq(fclose(f), 0);
    explicit_bzero(&out, sizeof(out));
    explicit_bzero(&entry, sizeof(entry));
}

static void write_krb5_conf(const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
    fputs("[libdefaults]\n"
          "    default_realm = " SERVICE_REALM "\n"
          /* The authenticators date from 2009. */
          "    clockskew = 1000000000\n"
          "    allow_weak_crypto = true\n"
          /* Debian's 1.20.1 backport refuses RC4 tickets without it. */
          "    allow_rc4 = true\n"
          /* No DNS here: avoid stalls on lookups. */
          "    rdns = false\n"
          "    dns_canonicalize_hostname = false\n"
          "    dns_lookup_kdc = false\n"
          "    dns_lookup_realm = false\n",
          f);
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- fixtures --------------------------------------------------------------- */

/* Once per run, in the parent: the temp dir and its two files. */
static void files_setup(void)
{
    const char *base = getenv("GSS_SSPI_TEST_DIR");
    if (base == NULL)
        base = getenv("TMPDIR");
    if (base == NULL)
        base = "/tmp";
    snprintf(work_dir, sizeof(work_dir), "%s/windows-tokens.XXXXXX", base);
    ck_assert_msg(mkdtemp(work_dir) != NULL, "mkdtemp(%s): %s", work_dir, strerror(errno));
    snprintf(krb5_conf_path, sizeof(krb5_conf_path), "%s/krb5.conf", work_dir);
    snprintf(keytab_path, sizeof(keytab_path), "%s/http.keytab", work_dir);
    write_krb5_conf(krb5_conf_path);
    write_keytab(keytab_path);
}

static void files_teardown(void)
{
    unlink(krb5_conf_path);
    unlink(keytab_path);
    rmdir(work_dir);
}

/* In each test's own process, before any credential: our config, our keys,
 * and no replay cache (the same authenticators are replayed every run). */
static void env_setup(void)
{
    char ktname[4300];
    snprintf(ktname, sizeof(ktname), "FILE:%s", keytab_path);
    ck_assert_int_eq(setenv("KRB5_CONFIG", krb5_conf_path, 1), 0);
    ck_assert_int_eq(setenv("KRB5_KTNAME", ktname, 1), 0);
    ck_assert_int_eq(setenv("KRB5RCACHETYPE", "none", 1), 0);
}

/* ---- DER, just enough for a NegTokenResp ------------------------------------- */

struct der {
    const unsigned char *p;
    size_t len;
};

/* Takes one TLV off the front of *in: its tag and its contents. */
static bool der_next(struct der *in, unsigned char *tag, struct der *contents)
{
    size_t hdr = 2, n;
    if (in->len < 2 || (in->p[0] & 0x1f) == 0x1f)
        return false; /* truncated, or a multi-byte tag (none in SPNEGO) */
    n = in->p[1];
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > 4 || in->len - 2 < k)
            return false; /* indefinite, absurd, or truncated length */
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = n << 8 | in->p[2 + i];
        hdr += k;
    }
    if (in->len - hdr < n)
        return false;
    *tag = in->p[0];
    *contents = (struct der){in->p + hdr, n};
    in->p += hdr + n;
    in->len -= hdr + n;
    return true;
}

/* in must be exactly one TLV with the given tag. */
static bool der_only(struct der in, unsigned char tag, struct der *contents)
{
    unsigned char got;
    return der_next(&in, &got, contents) && got == tag && in.len == 0;
}

/* NegotiationToken ::= CHOICE { ..., negTokenResp [1] NegTokenResp }
 * NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL,
 *   supportedMech [1] MechType OPTIONAL, responseToken [2] OCTET STRING OPTIONAL,
 *   mechListMIC [3] OCTET STRING OPTIONAL }  (RFC 4178) */
struct neg_token_resp {
    int neg_state; /* -1 when absent */
    struct der supported_mech, response_token, mech_list_mic;
};

static bool parse_neg_token_resp(const void *token, size_t len, struct neg_token_resp *r)
{
    static const unsigned char field_type[] = {0x0a, 0x06, 0x04, 0x04};
    struct der resp, fields, value;
    struct der *slot[] = {NULL, &r->supported_mech, &r->response_token, &r->mech_list_mic};
    unsigned char tag;
    int last = -1;

    *r = (struct neg_token_resp){.neg_state = -1};
    if (!der_only((struct der){token, len}, 0xa1, &resp) || !der_only(resp, 0x30, &fields))
        return false;
    while (fields.len > 0) {
        struct der field;
        if (!der_next(&fields, &tag, &field) || (tag & 0xe0) != 0xa0)
            return false; /* every field is context-specific, constructed */
        int num = tag & 0x1f;
        if (num > 3 || num <= last)
            return false; /* unknown, repeated, or out of order */
        last = num;
        if (!der_only(field, field_type[num], &value))
            return false;
        if (num == 0) {
            if (value.len != 1)
                return false;
            r->neg_state = value.p[0];
        } else {
            *slot[num] = value;
        }
    }
    return true;
}

/* ---- the test ------------------------------------------------------------------ */

START_TEST(accept_windows_token)
{
    const struct windows_token *t = &windows_tokens[_i];
    size_t len;
    void *token = read_file(data_dir, t->file, &len);
    CredHandle cred;
    CtxtHandle ctx;
    bool have_ctx;
    void *reply = NULL;
    ULONG reply_len = 0;

    acquire_inbound("Negotiate", &cred);
    SECURITY_STATUS s = accept_one(&cred, token, (ULONG)len, ASC_REQ_MUTUAL_AUTH, &ctx, &have_ctx,
                                   &reply, &reply_len);
    if (s != SEC_E_OK && have_ctx) {
        char *why = context_last_error(&ctx);
        ck_abort_msg("%s: AcceptSecurityContext 0x%08x: %s", t->file, (unsigned)s, why);
    }
    ck_assert_msg(s == SEC_E_OK, "%s: AcceptSecurityContext 0x%08x", t->file, (unsigned)s);

    char *name = context_user_name(&ctx);
    ck_assert_msg(strcmp(name, CLIENT_NAME) == 0, "%s: client %s", t->file, name);
    free(name);
    char *used = context_package_used(&ctx);
    ck_assert_msg(strcmp(used, "Kerberos") == 0, "%s: package %s", t->file, used);
    free(used);
    SecPkgContext_GssMech mech;
    ck_assert_int_eq(QueryContextAttributesA(&ctx, SECPKG_ATTR_GSS_MECH, &mech), SEC_E_OK);
    ck_assert_str_eq(mech.PackageName, "Kerberos");
    ck_assert_msg(mech.TokenForm == t->form, "%s: token form %u", t->file,
                  (unsigned)mech.TokenForm);

    /* The client asked for mutual authentication and integrity (checksum
     * flags 0x22) and no delegation. */
    SecPkgContext_Flags flags;
    ck_assert_int_eq(QueryContextAttributesA(&ctx, SECPKG_ATTR_FLAGS, &flags), SEC_E_OK);
    ck_assert_msg(flags.Flags & ASC_RET_MUTUAL_AUTH, "%s: flags 0x%x", t->file, flags.Flags);
    ck_assert_msg(flags.Flags & ASC_RET_INTEGRITY, "%s: flags 0x%x", t->file, flags.Flags);
    ck_assert_msg(!(flags.Flags & ASC_RET_DELEGATE), "%s: flags 0x%x", t->file, flags.Flags);

    /* Mutual authentication: the AP-REP comes with SEC_E_OK, inside a
     * NegTokenResp when the client spoke SPNEGO. */
    ck_assert_msg(reply_len > 0, "%s: no reply token with SEC_E_OK", t->file);
    const unsigned char *ap_rep = reply;
    if (t->form == GSS_SSPI_FORM_SPNEGO) {
        struct neg_token_resp r;
        ck_assert_msg(parse_neg_token_resp(reply, reply_len, &r), "%s: reply is not a NegTokenResp",
                      t->file);
        ck_assert_msg(r.neg_state == 0, "%s: negState %d, not accept-completed", t->file,
                      r.neg_state);
        ck_assert_msg(r.supported_mech.p != NULL, "%s: no supportedMech", t->file);
        ck_assert_msg(r.supported_mech.len == sizeof(ms_krb5_oid) &&
                          memcmp(r.supported_mech.p, ms_krb5_oid, sizeof(ms_krb5_oid)) == 0,
                      "%s: supportedMech is not MS-KRB5", t->file);
        ck_assert_msg(r.response_token.len > 0, "%s: no responseToken", t->file);
        ap_rep = r.response_token.p;
    }
    ck_assert_msg(ap_rep[0] == 0x60, "%s: AP-REP without GSS framing", t->file);

    FreeContextBuffer(reply);
    ck_assert_int_eq(DeleteSecurityContext(&ctx), SEC_E_OK);
    ck_assert_int_eq(FreeCredentialsHandle(&cred), SEC_E_OK);
    free(token);
}
END_TEST

int main(void)
{
    const char *shared = getenv("GSS_SSPI_SHARED");
    struct stat st;
    snprintf(data_dir, sizeof(data_dir), "%s/interop/windows-kerberos",
             shared ? shared : "../shared");
    if (stat(data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: %s not found\n", data_dir);
        fflush(stdout);
        return SKIP_STATUS;
    }

    Suite *s = suite_create("windows_tokens");
    TCase *tc = tcase_create("windows_tokens");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, files_setup, files_teardown);
    tcase_add_checked_fixture(tc, env_setup, NULL);
    tcase_add_loop_test(tc, accept_windows_token, 0, (int)N_TOKENS);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
