/*
 * test_inspect.c - sspi-inspect on tokens from real Windows machines and
 * the NTLM reference vectors (tests/data), on live tokens from our own
 * acceptor (gss-ntlmssp's CHALLENGE, a KRB-ERROR), and on every truncation
 * of them (no crash, a clear "malformed").  sspi-inspect -k: every verdict
 * of the keytab diagnosis, on the Windows tokens and on live tickets from
 * the private KDC, each failure made by altering a copy of a good keytab.
 */
#include <errno.h>
#include <krb5/krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo_wire.h" /* base64 for the HTTP header form */
#include "testdata.h"
#include "testlib.h"
#include "windows_keytab.h"

struct run {
    int status; /* exit status of sspi-inspect */
    char text[65536];
};

static void run_tool(const char *args, struct run *r)
{
    char cmd[8192];
    const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
    snprintf(cmd, sizeof(cmd), "%s/tools/sspi-inspect %s", top, args);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(r->text, 1, sizeof(r->text) - 1, p);
    r->text[n] = '\0';
    int st = pclose(p);
    ck_assert_msg(WIFEXITED(st), "sspi-inspect %s died (signal %d)", args,
                  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    r->status = WEXITSTATUS(st);
}

/* Runs sspi-inspect OPTIONS -f FILE on one token. */
static void inspect_bytes_with(const char *options, const void *token, size_t len,
                               struct run *r)
{
    char path[512], args[1200];
    const char *dir = getenv("GSS_SSPI_TEST_DIR") ? getenv("GSS_SSPI_TEST_DIR") : "/tmp";
    snprintf(path, sizeof(path), "%s/inspect-%d.bin", dir, (int)getpid());
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(token, 1, len, f), len);
    fclose(f);
    snprintf(args, sizeof(args), "%s -f %s", options, path);
    run_tool(args, r);
    unlink(path);
}

/* Runs sspi-inspect on one token given as a file. */
static void inspect_bytes(const void *token, size_t len, struct run *r)
{
    inspect_bytes_with("", token, len, r);
}

static void expect(const struct run *r, const char *fragment)
{
    ck_assert_msg(strstr(r->text, fragment) != NULL, "no \"%s\" in:\n%s", fragment, r->text);
}

/* Every fragment of a NULL-terminated list. */
static void expect_all(const struct run *r, const char *const *fragments)
{
    for (; *fragments != NULL; fragments++)
        expect(r, *fragments);
}

/* Every prefix of a token: decoded or refused, never a crash. */
static void every_truncation_with(const char *options, const unsigned char *token, size_t len)
{
    struct run r;
    for (size_t n = 0; n < len; n += (len > 400 ? 7 : 1))
        inspect_bytes_with(options, token, n, &r);
}

static void every_truncation(const unsigned char *token, size_t len)
{
    every_truncation_with("", token, len);
}

static char data_path[4096];

/* A file of tests/data (up to 64 KiB); the test fails without it. */
static unsigned char *read_data(const char *rel, size_t *len)
{
    FILE *f = fopen(test_data_path(rel, data_path, sizeof(data_path)), "rb");
    ck_assert_msg(f != NULL, "%s: %s", data_path, strerror(errno));
    unsigned char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

/* ---- tokens captured from Windows -------------------------------------------------------- */
static const struct {
    const char *file;
    const char *fragments[4];
    int status;
} windows_tokens[] = {
    {"spnego/windows-server-negtokeninit2",
     {"NegTokenInit2", "1.3.6.1.4.1.311.2.2.30 NegoEx (preferred)",
      "negHints: not_defined_in_RFC4178@please_ignore", "1.3.6.1.4.1.311.2.2.10 NTLMSSP"},
     0},
    {"spnego/windows10-spnego-ntlm-negotiate",
     {"NTLMSSP NEGOTIATE", "domain: WORKGROUP", "workstation: DESKTOP-Q8RE0UE",
      "version: 10.0 build 17134"},
     0},
    {"windows-kerberos/aes256-spnego-data",
     {"1.2.840.48018.1.2.2 MS-KRB5", "Kerberos AP-REQ",
      "service: HTTP/server.test.domain.com@DOMAIN.COM",
      "ticket: enctype 18 (aes256-cts-hmac-sha1-96), kvno 5"},
     0},
    {"windows-kerberos/rc4-kerberos-data",
     {"Kerberos AP-REQ", "mutual-required", "ticket: enctype 23", "WARNING: ticket uses a weak"},
     2},
};

START_TEST(windows_token)
{
    size_t len;
    unsigned char *token = read_data(windows_tokens[_i].file, &len);
    struct run r;
    inspect_bytes(token, len, &r);
    ck_assert_int_eq(r.status, windows_tokens[_i].status);
    for (size_t k = 0; k < 4; k++)
        expect(&r, windows_tokens[_i].fragments[k]);
    every_truncation(token, len);
    free(token);
}
END_TEST

/* ---- [MS-NLMP] reference vectors (base64 lines in tests/data/ntlm/README.md) -------------- */
START_TEST(ntlm_vectors)
{
    size_t len;
    char *readme = (char *)read_data("ntlm/README.md", &len);
    readme[len < (1 << 16) ? len : (1 << 16) - 1] = '\0';
    /* The MIC vector is the last AUTHENTICATE in the file. */
    const char *auth = NULL, *v1 = strstr(readme, "AUTHENTICATE ");
    for (const char *p = readme; (p = strstr(p, "AUTHENTICATE ")) != NULL; p++)
        auth = p;
    ck_assert_ptr_nonnull(auth);
    char cmd[2048], b64[1024];
    struct {
        const char *line;
        const char *fragments[3];
    } cases[] = {
        {v1, {"response: NTLMv1", "WARNING: NTLMv1", "user: User"}},
        {auth,
         {"MsvAvFlags: 0x00000002 (MIC present)",
          "MsvAvChannelBindings: 6ea19df066da4622051f9c4f92c6df74",
          "MIC: c4452cf7a81e4d11d078189409575d9e"}},
    };
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(sscanf(cases[i].line, "AUTHENTICATE %1023s", b64), 1);
        snprintf(cmd, sizeof(cmd), "'%s'", b64);
        struct run r;
        run_tool(cmd, &r);
        for (size_t k = 0; k < 3; k++)
            expect(&r, cases[i].fragments[k]);
    }
    free(readme);
}
END_TEST

/* ---- live tokens from our acceptor --------------------------------------------------------- */
/* gss-ntlmssp 1.2.0's CHALLENGE: the inspector must flag MsvAvFlags = 0. */
START_TEST(live_ntlm_challenge)
{
    struct ntlm_first_leg leg;
    ntlm_first_leg(&leg);
    struct run r;
    inspect_bytes(leg.negotiate.pvBuffer, leg.negotiate.cbBuffer, &r);
    expect(&r, "NTLMSSP NEGOTIATE");
    inspect_bytes(leg.challenge.pvBuffer, leg.challenge.cbBuffer, &r);
    expect(&r, "NTLMSSP CHALLENGE");
    expect(&r, "MsvAvFlags: 0x00000000");
    expect(&r, "WARNING: the CHALLENGE carries MsvAvFlags = 0");
    ck_assert_int_eq(r.status, 2);
    every_truncation(leg.challenge.pvBuffer, leg.challenge.cbBuffer);
    ntlm_first_leg_done(&leg);
}
END_TEST

/* A KRB-ERROR our acceptor sends with ASC_REQ_EXTENDED_ERROR (clock skew). */
START_TEST(live_krb_error)
{
    CredHandle cc, sc;
    CtxtHandle client, server;
    setenv("KRB5CCNAME", realm_env("GSS_SSPI_TEST_CCACHE_SKEWED"), 1);
    acquire_outbound_default("Kerberos", &cc);
    acquire_inbound("Kerberos", &sc);
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL}, in, reply = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out}, in_d = {SECBUFFER_VERSION, 1, &in},
                  reply_d = {SECBUFFER_VERSION, 1, &reply};
    ULONG attrs;
    TimeStamp ts;
    ck_assert_int_eq(InitializeSecurityContextA(&cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH, 0, 0,
                                                NULL, 0, &client, &out_d, &attrs, &ts),
                     SEC_I_CONTINUE_NEEDED);
    in = (SecBuffer){out.cbBuffer, SECBUFFER_TOKEN, out.pvBuffer};
    ck_assert_int_eq(AcceptSecurityContext(&sc, NULL, &in_d,
                                           ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_EXTENDED_ERROR, 0,
                                           &server, &reply_d, &attrs, &ts),
                     SEC_E_TIME_SKEW);
    ck_assert_uint_gt(reply.cbBuffer, 0);
    struct run r;
    inspect_bytes(out.pvBuffer, out.cbBuffer, &r);
    expect(&r, "service: HTTP/server.gss-sspi.test@GSS-SSPI.TEST");
    inspect_bytes(reply.pvBuffer, reply.cbBuffer, &r);
    expect(&r, "Kerberos KRB-ERROR 37");
    expect(&r, "WARNING: clock skew");
    every_truncation(reply.pvBuffer, reply.cbBuffer);
    FreeContextBuffer(out.pvBuffer);
    FreeContextBuffer(reply.pvBuffer);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ---- sspi-inspect -k: the keytab diagnosis ------------------------------------------------ */

/* How a copy of a good keytab is spoiled (or'ed). */
enum alteration { RENAME = 1, NEXT_KVNO = 2, OTHER_ENCTYPE = 4, OTHER_KEY = 8 };

/* Copies keytab SRC to the file DST, every entry altered by how (for
 * OTHER_ENCTYPE: the entries of enctype become another enctype, same kvno). */
static void keytab_copy(const char *src, const char *dst, unsigned how,
                        krb5_enctype enctype)
{
    krb5_context ctx;
    krb5_keytab in, copy;
    krb5_kt_cursor cursor;
    krb5_keytab_entry e;
    char name[4200];
    ck_assert_int_eq(krb5_init_context(&ctx), 0);
    unlink(dst);
    snprintf(name, sizeof(name), "FILE:%s", dst);
    ck_assert_int_eq(krb5_kt_resolve(ctx, src, &in), 0);
    ck_assert_int_eq(krb5_kt_resolve(ctx, name, &copy), 0);
    ck_assert_int_eq(krb5_kt_start_seq_get(ctx, in, &cursor), 0);
    while (krb5_kt_next_entry(ctx, in, &e, &cursor) == 0) {
        krb5_keyblock *other = NULL;
        const krb5_data *realm = krb5_princ_realm(ctx, e.principal);
        krb5_principal renamed = NULL;
        if (how & RENAME) {
            ck_assert_int_eq(krb5_build_principal(ctx, &renamed, realm->length, realm->data,
                                                  "HTTP", "wrong.invalid", NULL),
                             0);
            krb5_free_principal(ctx, e.principal);
            e.principal = renamed;
        }
        if (how & NEXT_KVNO)
            e.vno++;
        if ((how & OTHER_ENCTYPE) && e.key.enctype == enctype) {
            krb5_enctype instead = enctype == ENCTYPE_AES128_CTS_HMAC_SHA1_96
                                       ? ENCTYPE_AES256_CTS_HMAC_SHA1_96
                                       : ENCTYPE_AES128_CTS_HMAC_SHA1_96;
            ck_assert_int_eq(krb5_init_keyblock(ctx, instead, 0, &other), 0);
            ck_assert_int_eq(krb5_c_make_random_key(ctx, instead, other), 0);
            krb5_free_keyblock_contents(ctx, &e.key);
            e.key = *other;
            free(other);
        }
        if (how & OTHER_KEY) {
            e.key.contents[0] ^= 0xff;
        }
        ck_assert_int_eq(krb5_kt_add_entry(ctx, copy, &e), 0);
        krb5_free_keytab_entry_contents(ctx, &e);
    }
    krb5_kt_end_seq_get(ctx, in, &cursor);
    krb5_kt_close(ctx, in);
    krb5_kt_close(ctx, copy);
    krb5_free_context(ctx);
}

/* A file in the realm's directory. */
static const char *work_file(const char *name, char buf[4096])
{
    snprintf(buf, 4096, "%s/%s", realm_env("GSS_SSPI_TEST_DIR"), name);
    return buf;
}

/* NAME among the captured Windows Kerberos tokens and keys ("": their directory). */
static const char *windows_file(const char *name, char buf[4096])
{
    char rel[512];
    snprintf(rel, sizeof(rel), "windows-kerberos%s%s", *name ? "/" : "", name);
    return test_data_path(rel, buf, 4096);
}

/* A copy of krb5.conf SRC without the lines containing drop (NULL: none),
 * with the line add (NULL: none) at the end (in [libdefaults], the only section). */
static void krb5_conf_variant(const char *src, const char *dst, const char *drop, const char *add)
{
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    char line[256];
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    while (fgets(line, sizeof(line), in) != NULL)
        if (drop == NULL || strstr(line, drop) == NULL)
            fputs(line, out);
    if (add != NULL)
        fprintf(out, "    %s\n", add);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

/* The captured tokens with their keys: a keytab of the three service keys
 * (tests/windows_keytab.c) and two krb5.conf, one with the clockskew that
 * takes 2009 authenticators, one with the default (300 s) for the times. */
static bool windows_setup(char keytab[4200], char skew_conf[4200], char plain_conf[4200])
{
    char data[4096], work[4096];
    ck_assert_msg(access(windows_file("", data), R_OK) == 0, "%s: %s", data, strerror(errno));
    work_file("windows", work);
    mkdir(work, 0700);
    const char *why = windows_kerberos_write(data, work);
    ck_assert_msg(why == NULL, "%s", why);
    snprintf(keytab, 4200, "FILE:%s/windows.keytab", work);
    snprintf(skew_conf, 4200, "%s/krb5.conf", work);
    snprintf(plain_conf, 4200, "%s/krb5-default-skew.conf", work);
    krb5_conf_variant(skew_conf, plain_conf, "clockskew", NULL);
    return true;
}

/* The captured tokens' tickets: enctype and kvno (windows_token_files order). */
static const struct {
    krb5_enctype enctype;
    unsigned kvno;
    const char *enctype_text;
    int accepted_status; /* RC4 is decoded with weak-enctype warnings */
} windows_tickets[WINDOWS_TOKENS] = {
    {23, 3, "arcfour-hmac (23)", 2},           {17, 5, "aes128-cts-hmac-sha1-96 (17)", 0},
    {18, 5, "aes256-cts-hmac-sha1-96 (18)", 0}, {23, 3, "arcfour-hmac (23)", 2},
    {17, 5, "aes128-cts-hmac-sha1-96 (17)", 0}, {18, 5, "aes256-cts-hmac-sha1-96 (18)", 0},
};

#define WINDOWS_SERVICE "HTTP/server.test.domain.com@DOMAIN.COM"

/* Each Windows token: accepted with the right keytab (client, times,
 * flags, PAC), and refused for each way its keytab can be wrong. */
START_TEST(keytab_windows)
{
    char keytab[4200], skew_conf[4200], plain_conf[4200], altered[4200], opts[8600];
    char fragment[256], token_path[4096];
    if (!windows_setup(keytab, skew_conf, plain_conf))
        return;
    windows_file(windows_token_files[_i], token_path);
    setenv("KRB5_CONFIG", skew_conf, 1);
    struct run r;
    snprintf(opts, sizeof(opts), "-k %s -f %s", keytab, token_path);
    run_tool(opts, &r);
    ck_assert_msg(r.status == windows_tickets[_i].accepted_status, "status %d:\n%s", r.status,
                  r.text);
    snprintf(fragment, sizeof(fragment), "ticket for " WINDOWS_SERVICE ", %s, kvno %u",
             windows_tickets[_i].enctype_text, windows_tickets[_i].kvno);
    expect_all(&r, (const char *const[]){
                       fragment, "client: " WINDOWS_CLIENT,
                       "flags: 0x40a00000 forwardable renewable pre-authent",
                       "(not ok-as-delegate", "endtime: 2009-01-10 ", "PAC: server signature valid",
                       "PAC user SID: S-1-5-21-4028881986-3284141023-698984075-1106",
                       "PAC groups: 18", "krb5_rd_req: accepted",
                       "VERDICT: an acceptor with this keytab accepts this token", NULL});

    /* the right key under another name or kvno: MIT's default acceptor takes it */
    static const char default_takes[] = "krb5_rd_req: accepted: an acceptor with no name of its own";
    static const struct {
        unsigned how;
        const char *fragment, *also;
    } spoiled[] = {
        /* another service's keytab */
        {RENAME | OTHER_KEY, "REFUSED: service principal " WINDOWS_SERVICE " is not in the "
                             "keytab; it holds: HTTP/wrong.invalid@DOMAIN.COM", "krb5_rd_req: "},
        {RENAME, "REFUSED: service principal " WINDOWS_SERVICE " is not in the keytab",
         default_takes},
        /* a key changed since */
        {NEXT_KVNO | OTHER_KEY, "REFUSED: kvno mismatch: the ticket is encrypted with kvno %u, "
                                "the keytab holds kvno 4, 6 for " WINDOWS_SERVICE,
         "(the keytab is newer than the client's ticket: the key changed"},
        {NEXT_KVNO, "REFUSED: kvno mismatch: the ticket is encrypted with kvno %u", default_takes},
        {OTHER_ENCTYPE, "REFUSED: enctype missing: the ticket is encrypted with %s, the "
                        "keytab's kvno %u keys for " WINDOWS_SERVICE " are ", "krb5_rd_req: "},
        {OTHER_KEY, "REFUSED: wrong key: the keytab's kvno %u %s key for " WINDOWS_SERVICE
                    " does not decrypt the ticket", "krb5_rd_req: "},
    };
    work_file("windows/altered.keytab", altered);
    for (size_t k = 0; k < sizeof(spoiled) / sizeof(spoiled[0]); k++) {
        keytab_copy(keytab, altered, spoiled[k].how, windows_tickets[_i].enctype);
        snprintf(opts, sizeof(opts), "-k FILE:%s -f %s", altered, token_path);
        run_tool(opts, &r);
        ck_assert_msg(r.status == 3, "alteration %zu: status %d:\n%s", k, r.status, r.text);
        if (spoiled[k].how == OTHER_ENCTYPE)
            snprintf(fragment, sizeof(fragment), spoiled[k].fragment,
                     windows_tickets[_i].enctype_text, windows_tickets[_i].kvno);
        else if (spoiled[k].how == OTHER_KEY)
            snprintf(fragment, sizeof(fragment), spoiled[k].fragment, windows_tickets[_i].kvno,
                     windows_tickets[_i].enctype_text);
        else
            snprintf(fragment, sizeof(fragment), spoiled[k].fragment, windows_tickets[_i].kvno);
        expect(&r, fragment);
        expect(&r, "VERDICT: an acceptor with this keytab REFUSES this token");
        expect(&r, spoiled[k].also);
        /* libkrb5's own acceptor agrees, but for the right key misfiled */
        ck_assert_msg((strstr(r.text, "krb5_rd_req: accepted") != NULL) ==
                          (spoiled[k].also == default_takes),
                      "%s", r.text);
    }
    unlink(altered);
    windows_kerberos_remove(work_file("windows", altered));
}
END_TEST

/* Times judged against --now with the default 300 s clockskew: the
 * aes256 SPNEGO token, given as an HTTP Authorization header. */
START_TEST(keytab_windows_times)
{
    char keytab[4200], skew_conf[4200], plain_conf[4200], opts[16384], work[4200];
    size_t len;
    if (!windows_setup(keytab, skew_conf, plain_conf))
        return;
    unsigned char *token = read_data("windows-kerberos/aes256-spnego-data", &len);
    ck_assert_ptr_nonnull(token);
    char *b64 = base64_encode(token, len);
    setenv("KRB5_CONFIG", plain_conf, 1);
    static const struct {
        const char *now;
        int status;
        const char *fragments[3];
    } cases[] = {
        /* authtime and authenticator: 2009-01-09 17:29:12; endtime 2009-01-10 03:29:12 */
        {"--now 2009-01-09T17:30:00Z",
         0,
         {"authenticator made at: 2009-01-09 17:29:12 UTC", "krb5_rd_req: accepted",
          "VERDICT: an acceptor with this keytab accepts"}},
        {"--now 1231522212", /* 2009-01-09 17:30:12 */
         0,
         {"client: " WINDOWS_CLIENT, "PAC groups: 18", "krb5_rd_req: accepted"}},
        {"--now 2009-01-09T17:00:00Z",
         3,
         {"REFUSED: ticket not yet valid: it starts at 2009-01-09 17:29:12 UTC, now is "
          "2009-01-09 17:00:00 UTC (skew allowed 300 s)",
          "REFUSED: clock skew: the client's authenticator says 2009-01-09 17:29:12 UTC, this "
          "host says 2009-01-09 17:00:00 UTC: 1752 s apart, more than the 300 s allowed",
          "krb5_rd_req: Ticket not yet valid"}},
        {"--now 2009-01-10T05:00:00Z",
         3,
         {"REFUSED: ticket expired at 2009-01-10 03:29:12 UTC, now is 2009-01-10 05:00:00 UTC",
          "krb5_rd_req: Ticket expired", "VERDICT: an acceptor with this keytab REFUSES"}},
        {"", /* this machine's clock: years later */
         3,
         {"REFUSED: ticket expired at 2009-01-10 03:29:12 UTC", "REFUSED: clock skew",
          "krb5_rd_req: Ticket expired"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(opts, sizeof(opts), "-k %s %s 'Authorization: Negotiate %s'", keytab,
                 cases[i].now, b64);
        struct run r;
        run_tool(opts, &r);
        ck_assert_msg(r.status == cases[i].status, "%s: status %d:\n%s", cases[i].now, r.status,
                      r.text);
        for (size_t k = 0; k < 3; k++)
            expect(&r, cases[i].fragments[k]);
    }
    free(b64);
    free(token);
    windows_kerberos_remove(work_file("windows", work));
}
END_TEST

/* An RC4 ticket on a host whose krb5.conf permits only AES. */
START_TEST(keytab_windows_enctype_not_permitted)
{
    char keytab[4200], skew_conf[4200], plain_conf[4200], aes_conf[4200], opts[9000], work[4096];
    char token_path[4096];
    if (!windows_setup(keytab, skew_conf, plain_conf))
        return;
    snprintf(aes_conf, sizeof(aes_conf), "%s/krb5-aes-only.conf", work_file("windows", work));
    krb5_conf_variant(skew_conf, aes_conf, NULL,
                      "permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96");
    windows_file("rc4-spnego-data", token_path);
    setenv("KRB5_CONFIG", aes_conf, 1);
    snprintf(opts, sizeof(opts), "-k %s -f %s", keytab, token_path);
    struct run r;
    run_tool(opts, &r);
    ck_assert_msg(r.status == 3, "status %d:\n%s", r.status, r.text);
    expect(&r, "REFUSED: enctype arcfour-hmac (23) is not permitted by this host's krb5.conf");
    unlink(aes_conf);
    windows_kerberos_remove(work);
}
END_TEST

/* A live AP-REQ from the private KDC: alice's ticket for the realm's
 * HTTP service, in the package's framing (Kerberos: raw, Negotiate: SPNEGO). */
static void live_ap_req(const char *package, const char *ccache, void **token, ULONG *len)
{
    setenv("KRB5CCNAME", ccache, 1);
    *token = first_leg_token(package, ISC_REQ_MUTUAL_AUTH, SEC_I_CONTINUE_NEEDED, len);
}

#define LIVE_SERVICE "HTTP/server.gss-sspi.test@GSS-SSPI.TEST"

START_TEST(keytab_live)
{
    char opts[9000], altered[4200], when[64];
    void *token, *spnego;
    ULONG len, spnego_len;
    struct run r;
    const char *good = realm_env("KRB5_KTNAME");
    setenv("KRB5_CONFIG", realm_env("KRB5_CONFIG"), 1);
    live_ap_req("Kerberos", realm_env("KRB5CCNAME"), &token, &len);
    live_ap_req("Negotiate", realm_env("KRB5CCNAME"), &spnego, &spnego_len);

    /* accepted, raw and inside SPNEGO */
    const void *forms[] = {token, spnego};
    const ULONG form_lens[] = {len, spnego_len};
    for (size_t i = 0; i < 2; i++) {
        snprintf(opts, sizeof(opts), "-k %s", good);
        inspect_bytes_with(opts, forms[i], form_lens[i], &r);
        ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.text);
        /* MIT's KDC signs a PAC but writes no logon info */
        expect_all(&r, (const char *const[]){
                           "ticket for " LIVE_SERVICE ", aes256-cts-hmac-sha1-96 (18), kvno ",
                           "client: alice@GSS-SSPI.TEST", "flags: 0x", "transited-policy-checked",
                           "PAC: server signature valid", "PAC: no logon info",
                           "krb5_rd_req: accepted",
                           "VERDICT: an acceptor with this keytab accepts this token", NULL});
    }

    /* the realm's own wrong keytabs (tests/realm/setup-realm.sh) */
    static const struct {
        const char *keytab_var;
        const char *fragment, *also;
    } wrong[] = {
        {"GSS_SSPI_TEST_KEYTAB_OTHER",
         "REFUSED: service principal " LIVE_SERVICE " is not in the keytab; it holds: "
         "HTTP/other.gss-sspi.test@GSS-SSPI.TEST",
         "krb5_rd_req: "},
        {"GSS_SSPI_TEST_KEYTAB_OLDKVNO", "REFUSED: kvno mismatch: the ticket is encrypted with kvno ",
         "(the account's key changed after this keytab was written: export the keytab again)"},
        {"GSS_SSPI_TEST_KEYTAB_RC4",
         "REFUSED: enctype missing: the ticket is encrypted with aes256-cts-hmac-sha1-96 (18), "
         "the keytab's kvno ",
         " keys for " LIVE_SERVICE " are arcfour-hmac (23)"},
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        snprintf(opts, sizeof(opts), "-k %s", realm_env(wrong[i].keytab_var));
        inspect_bytes_with(opts, token, len, &r);
        ck_assert_msg(r.status == 3, "%s: status %d:\n%s", wrong[i].keytab_var, r.status, r.text);
        expect(&r, wrong[i].fragment);
        expect(&r, wrong[i].also);
        expect(&r, "VERDICT: an acceptor with this keytab REFUSES this token");
    }

    /* a copy of the good keytab with other key bytes */
    keytab_copy(good, work_file("wrong-key.keytab", altered), OTHER_KEY, 0);
    snprintf(opts, sizeof(opts), "-k FILE:%s", altered);
    inspect_bytes_with(opts, token, len, &r);
    ck_assert_int_eq(r.status, 3);
    expect(&r, "REFUSED: wrong key: the keytab's kvno ");
    expect(&r, "aes256-cts-hmac-sha1-96 (18) key for " LIVE_SERVICE " does not decrypt");
    unlink(altered);

    /* times: two days on, a day back (the ticket lives 24 h) */
    static const struct {
        long long offset;
        const char *fragments[2];
    } times[] = {
        {2 * 86400, {"REFUSED: ticket expired at ", "krb5_rd_req: Ticket expired"}},
        {-86400, {"REFUSED: ticket not yet valid: it starts at ", "krb5_rd_req: Ticket not yet valid"}},
    };
    for (size_t i = 0; i < 2; i++) {
        snprintf(when, sizeof(when), "--now %lld", (long long)time(NULL) + times[i].offset);
        snprintf(opts, sizeof(opts), "-k %s %s", good, when);
        inspect_bytes_with(opts, token, len, &r);
        ck_assert_int_eq(r.status, 3);
        expect(&r, times[i].fragments[0]);
        expect(&r, times[i].fragments[1]);
    }
    /* a cut AP-REQ: never a crash */
    snprintf(opts, sizeof(opts), "-k %s", good);
    every_truncation_with(opts, spnego, spnego_len);
    FreeContextBuffer(token);
    FreeContextBuffer(spnego);
}
END_TEST

/* A client whose clock is an hour ahead: only the authenticator is off. */
START_TEST(keytab_live_skew)
{
    char opts[4300];
    void *token;
    ULONG len;
    struct run r;
    setenv("KRB5_CONFIG", realm_env("KRB5_CONFIG"), 1);
    live_ap_req("Kerberos", realm_env("GSS_SSPI_TEST_CCACHE_SKEWED"), &token, &len);
    snprintf(opts, sizeof(opts), "-k %s", realm_env("KRB5_KTNAME"));
    inspect_bytes_with(opts, token, len, &r);
    ck_assert_int_eq(r.status, 3);
    expect(&r, "REFUSED: clock skew: the client's authenticator says ");
    expect(&r, "more than the 300 s allowed");
    expect(&r, "krb5_rd_req: Clock skew too great");
    ck_assert_msg(strstr(r.text, "REFUSED: ticket") == NULL, "%s", r.text);
    FreeContextBuffer(token);
}
END_TEST

/* Tokens with nothing to decrypt, and a keytab that is not there. */
START_TEST(keytab_nothing_to_decrypt)
{
    char opts[4300];
    void *token;
    ULONG len;
    struct run r;
    /* an NTLMSSP NEGOTIATE: signature, type 1, flags, empty domain and workstation */
    static const unsigned char ntlm[32] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0,
                                           0x07, 0x82, 0x08, 0xa2};
    snprintf(opts, sizeof(opts), "-k %s", realm_env("KRB5_KTNAME"));
    inspect_bytes_with(opts, ntlm, sizeof(ntlm), &r);
    expect(&r, "no Kerberos AP-REQ in this token: nothing to decrypt");
    ck_assert_int_eq(r.status, 1);
    setenv("KRB5_CONFIG", realm_env("KRB5_CONFIG"), 1);
    live_ap_req("Kerberos", realm_env("KRB5CCNAME"), &token, &len);
    inspect_bytes_with("-k FILE:/nonexistent/keytab", token, len, &r);
    expect(&r, "cannot read the keytab: ");
    ck_assert_int_eq(r.status, 1);
    inspect_bytes_with("-k x --now yesterday", token, len, &r);
    ck_assert_int_eq(r.status, 1);
    FreeContextBuffer(token);
}
END_TEST

/* curl 7.88's NEGOTIATE without Version and its AUTHENTICATE that sets the
 * VERSION flag with its payload at 64 (tests/data/compat/): both flagged,
 * and the LM response's first bytes are not shown as a version. */
START_TEST(curl_ntlm_tokens)
{
    static const struct {
        const char *file, *fragment;
    } tokens[] = {
        {"curl-7.88-negotiate.bin", "NEGOTIATE of 32 bytes without a Version field"},
        {"curl-7.88-authenticate.bin", "NEGOTIATE_VERSION is set but the payload starts at 64"},
    };
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        char path[1024];
        unsigned char buf[4096];
        snprintf(path, sizeof(path), "%s/tests/data/compat/%s",
                 getenv("top_srcdir") ? getenv("top_srcdir") : ".", tokens[i].file);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "cannot open %s", path);
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        struct run r;
        inspect_bytes(buf, len, &r);
        ck_assert_int_eq(r.status, 2);
        expect(&r, tokens[i].fragment);
        ck_assert_msg(strstr(r.text, "version:") == NULL, "a version shown:\n%s", r.text);
    }
}
END_TEST

/* Not a token at all. */
START_TEST(garbage)
{
    static const unsigned char junk[][12] = {
        {0}, {0x60, 0x80}, {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 9, 0, 0, 0},
        {0xa1, 0x05, 0x30, 0x03, 0xa0, 0x01}, {0x60, 0x7f, 0x06, 0x09},
    };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        struct run r;
        inspect_bytes(junk[i], sizeof(junk[i]), &r);
        ck_assert_msg(r.status == 1, "junk %zu: status %d\n%s", i, r.status, r.text);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inspect");
    TCase *tc = tcase_create("inspect");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, windows_token, 0, sizeof(windows_tokens) / sizeof(windows_tokens[0]));
    tcase_add_test(tc, ntlm_vectors);
    tcase_add_test(tc, live_ntlm_challenge);
    tcase_add_test(tc, live_krb_error);
    tcase_add_test(tc, curl_ntlm_tokens);
    tcase_add_test(tc, garbage);
    tcase_add_loop_test(tc, keytab_windows, 0, WINDOWS_TOKENS);
    tcase_add_test(tc, keytab_windows_times);
    tcase_add_test(tc, keytab_windows_enctype_not_permitted);
    tcase_add_test(tc, keytab_live);
    tcase_add_test(tc, keytab_live_skew);
    tcase_add_test(tc, keytab_nothing_to_decrypt);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
