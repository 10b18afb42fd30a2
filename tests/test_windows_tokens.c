/*
 * test_windows_tokens.c - replay Kerberos tokens captured from a real Windows
 * client (tests/data/windows-kerberos, see its README) into our
 * Negotiate acceptor: raw and SPNEGO-wrapped AP-REQs for RC4, AES128 and
 * AES256 tickets.  No KDC: krb5.conf and the keytab of the Windows service
 * keys come from tests/windows_keytab.c; DER is read with common/der.c.
 */
#define _DEFAULT_SOURCE /* mkdtemp, setenv under plain C11 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "der.h"
#include "testdata.h"
#include "testlib.h"
#include "windows_keytab.h"

/* The form each of windows_token_files arrives in: raw, then SPNEGO. */
static const ULONG token_forms[WINDOWS_TOKENS] = {
    GSS_SSPI_FORM_RAW,    GSS_SSPI_FORM_RAW,    GSS_SSPI_FORM_RAW,
    GSS_SSPI_FORM_SPNEGO, GSS_SSPI_FORM_SPNEGO, GSS_SSPI_FORM_SPNEGO,
};

/* MS-KRB5, 1.2.840.48018.1.2.2: the OID Windows lists first, and so the one
 * the acceptor must name as supportedMech. */
static const unsigned char ms_krb5_oid[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

/* The data directory, and our temp dir with krb5.conf and the keytab. */
static char data_dir[4096];
static char work_dir[4096];

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
    const char *why = windows_kerberos_write(data_dir, work_dir);
    ck_assert_msg(why == NULL, "krb5.conf and keytab in %s: %s", work_dir, why);
}

static void files_teardown(void)
{
    windows_kerberos_remove(work_dir);
}

/* In each test's own process, before any credential: our config, our keys,
 * and no replay cache (the same authenticators are replayed every run). */
static void env_setup(void)
{
    ck_assert_int_eq(windows_kerberos_env(work_dir), 0);
}

/* ---- a NegTokenResp, strictly --------------------------------------------------- */

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
    const char *file = windows_token_files[_i];
    ULONG form = token_forms[_i];
    size_t len;
    void *token = windows_read(data_dir, file, &len);
    ck_assert_msg(token != NULL, "%s/%s: %s", data_dir, file, strerror(errno));
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
        ck_abort_msg("%s: AcceptSecurityContext 0x%08x: %s", file, (unsigned)s, why);
    }
    ck_assert_msg(s == SEC_E_OK, "%s: AcceptSecurityContext 0x%08x", file, (unsigned)s);

    char *name = context_user_name(&ctx);
    ck_assert_msg(strcmp(name, WINDOWS_CLIENT) == 0, "%s: client %s", file, name);
    free(name);
    char *used = context_package_used(&ctx);
    ck_assert_msg(strcmp(used, "Kerberos") == 0, "%s: package %s", file, used);
    free(used);
    SecPkgContext_GssMech mech;
    ck_assert_int_eq(QueryContextAttributesA(&ctx, SECPKG_ATTR_GSS_MECH, &mech), SEC_E_OK);
    ck_assert_str_eq(mech.PackageName, "Kerberos");
    ck_assert_msg(mech.TokenForm == form, "%s: token form %u", file,
                  (unsigned)mech.TokenForm);

    /* The client asked for mutual authentication and integrity (checksum
     * flags 0x22) and no delegation. */
    SecPkgContext_Flags flags;
    ck_assert_int_eq(QueryContextAttributesA(&ctx, SECPKG_ATTR_FLAGS, &flags), SEC_E_OK);
    ck_assert_msg(flags.Flags & ASC_RET_MUTUAL_AUTH, "%s: flags 0x%x", file, flags.Flags);
    ck_assert_msg(flags.Flags & ASC_RET_INTEGRITY, "%s: flags 0x%x", file, flags.Flags);
    ck_assert_msg(!(flags.Flags & ASC_RET_DELEGATE), "%s: flags 0x%x", file, flags.Flags);

    /* Mutual authentication: the AP-REP comes with SEC_E_OK, inside a
     * NegTokenResp when the client spoke SPNEGO. */
    ck_assert_msg(reply_len > 0, "%s: no reply token with SEC_E_OK", file);
    const unsigned char *ap_rep = reply;
    if (form == GSS_SSPI_FORM_SPNEGO) {
        struct neg_token_resp r;
        ck_assert_msg(parse_neg_token_resp(reply, reply_len, &r), "%s: reply is not a NegTokenResp",
                      file);
        ck_assert_msg(r.neg_state == 0, "%s: negState %d, not accept-completed", file,
                      r.neg_state);
        ck_assert_msg(r.supported_mech.p != NULL, "%s: no supportedMech", file);
        ck_assert_msg(r.supported_mech.len == sizeof(ms_krb5_oid) &&
                          memcmp(r.supported_mech.p, ms_krb5_oid, sizeof(ms_krb5_oid)) == 0,
                      "%s: supportedMech is not MS-KRB5", file);
        ck_assert_msg(r.response_token.len > 0, "%s: no responseToken", file);
        ap_rep = r.response_token.p;
    }
    ck_assert_msg(ap_rep[0] == 0x60, "%s: AP-REP without GSS framing", file);

    FreeContextBuffer(reply);
    ck_assert_int_eq(DeleteSecurityContext(&ctx), SEC_E_OK);
    ck_assert_int_eq(FreeCredentialsHandle(&cred), SEC_E_OK);
    free(token);
}
END_TEST

int main(void)
{
    struct stat st;
    test_data_path("windows-kerberos", data_dir, sizeof(data_dir));
    if (stat(data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("FAIL: %s not found (the tests' own data, tests/data)\n", data_dir);
        return 1;
    }

    Suite *s = suite_create("windows_tokens");
    TCase *tc = tcase_create("windows_tokens");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, files_setup, files_teardown);
    tcase_add_checked_fixture(tc, env_setup, NULL);
    tcase_add_loop_test(tc, accept_windows_token, 0, WINDOWS_TOKENS);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
