/*
 * test_mech.c - gss-sspi-negotiate loaded into a process through
 * GSS_MECH_CONFIG (no root): policy, audit, extensions and the initiator,
 * against the private realm and the real gss-ntlmssp, with libgss-sspi
 * and plain GSS calls on both ends.  Each test writes its own policy file
 * (the module re-reads it when GSS_SSPI_NEGOTIATE_CONF changes).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "der.h"
#include "gss-sspi-mech.h"
#include "testdata.h"
#include "testlib.h"

#define REQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)
#define ASC (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION)

static gss_OID_desc ms_krb5 = {9, "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"};

/* ---- helpers ------------------------------------------------------------------------ */
/* POLICY_STATUS: the status word and the text (malloc'ed). */
static uint32_t policy_status(char **text)
{
    OM_uint32 minor;
    gss_OID_desc status = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN,
                           GSS_SSPI_NEGOTIATE_OID_POLICY_STATUS_DER};
    gss_buffer_desc v = GSS_C_EMPTY_BUFFER;
    ck_assert(!GSS_ERROR(gssspi_mech_invoke(&minor, test_mech_spnego(), &status, &v)));
    ck_assert_uint_ge(v.length, 4);
    const unsigned char *b = v.value;
    uint32_t word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                    (uint32_t)b[3] << 24;
    *text = strndup((const char *)b + 4, v.length - 4);
    gss_release_buffer(&minor, &v);
    return word;
}

/* A syslog daemon of the test's own (GSS_SSPI_NEGOTIATE_SYSLOG), as /dev/log
 * is in production; rcvbuf > 0 shrinks its receive buffer. */
static int syslog_receiver(int rcvbuf)
{
    static char sock_path[512];
    snprintf(sock_path, sizeof(sock_path), "%s/syslog.sock", realm_env("GSS_SSPI_TEST_DIR"));
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    ck_assert_uint_lt(strlen(sock_path), sizeof(addr.sun_path));
    strcpy(addr.sun_path, sock_path);
    unlink(sock_path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    if (rcvbuf > 0)
        ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    setenv("GSS_SSPI_NEGOTIATE_SYSLOG", sock_path, 1);
    return fd;
}

/* Every datagram waiting on the receiver, concatenated (one per line). */
static char *syslog_drain(int fd, int *count)
{
    size_t size = 1 << 20, used = 0;
    char *all = calloc(1, size);
    ssize_t n;
    *count = 0;
    while (used + 4096 < size && (n = recv(fd, all + used, 4095, MSG_DONTWAIT)) > 0) {
        used += (size_t)n;
        all[used++] = '\n';
        (*count)++;
    }
    all[used] = '\0';
    return all;
}

/* A policy file with exactly this text, at path. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *ntlm_user(void)
{
    char *s;
    ck_assert(asprintf(&s, "%s\\%s", realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                       realm_env("GSS_SSPI_TEST_USER")) > 0);
    return s;
}

/* The four forms a Windows client sends, from libgss-sspi's initiator to
 * its Negotiate acceptor. */
enum form { KRB5_RAW, KRB5_SPNEGO, NTLM_RAW, NTLM_SPNEGO, FORM_COUNT };
static const char *const form_audit[] = {"package=Kerberos form=raw",
                                         "package=Kerberos form=SPNEGO", "package=NTLM form=raw",
                                         "package=NTLM form=SPNEGO"};

/* policy: GssSspiSetCredentialsPolicy on the acceptor's credential (NULL:
 * none); asc_extra: request bits on top of ASC. */
static void run_form_policy(enum form form, struct handshake *hs, const void *client_cb,
                            const void *server_cb, ULONG cb_len, const GSS_SSPI_POLICY *policy,
                            ULONG asc_extra)
{
    CredHandle cc, sc;
    switch (form) {
    case KRB5_RAW:
        acquire_outbound_default("Kerberos", &cc);
        break;
    case KRB5_SPNEGO:
        acquire_outbound_default("Negotiate", &cc);
        break;
    default:
        ck_assert_int_eq(acquire_outbound_password(form == NTLM_RAW ? "NTLM" : "Negotiate",
                                                   realm_env("GSS_SSPI_TEST_USER"),
                                                   realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                                   realm_env("GSS_SSPI_TEST_PASSWORD"),
                                                   form == NTLM_RAW ? NULL : "NTLM", &cc),
                         SEC_E_OK);
        break;
    }
    acquire_inbound("Negotiate", &sc);
    if (policy != NULL)
        ck_assert_int_eq(GssSspiSetCredentialsPolicy(&sc, policy), SEC_E_OK);
    hs->target = realm_env("GSS_SSPI_TEST_SPN");
    hs->isc_req = REQ;
    hs->asc_req = ASC | asc_extra;
    hs->client_cb = client_cb;
    hs->server_cb = server_cb;
    hs->client_cb_len = hs->server_cb_len = cb_len;
    handshake_run(&cc, &sc, hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void run_form(enum form form, struct handshake *hs, const void *client_cb,
                     const void *server_cb, ULONG cb_len)
{
    run_form_policy(form, hs, client_cb, server_cb, cb_len, NULL, 0);
}

/* ---- audit: the package of each form --------------------------------------------------- */
START_TEST(audit_names_each_form)
{
    use_policy("forms", "");
    struct handshake hs = {0};
    run_form((enum form)_i, &hs, NULL, NULL, 0);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    char *used = context_package_used(&hs.server);
    ck_assert_str_eq(used, _i < NTLM_RAW ? "Kerberos" : "NTLM");
    free(used);
    handshake_cleanup(&hs);
    char expected[160];
    snprintf(expected, sizeof(expected), "result=success %s client=\"%s", form_audit[_i],
             _i < NTLM_RAW ? realm_env("GSS_SSPI_TEST_USER")
                           : realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"));
    expect_audit(expected);
    if (_i < NTLM_RAW) {
        expect_audit("service=\"HTTP/server.gss-sspi.test@GSS-SSPI.TEST\"");
        expect_audit("ntlm_policy=- ntlm_v1_policy=-");
    } else {
        expect_audit("ntlm=v2");
        expect_audit("ntlm_policy=allow ntlm_v1_policy=deny");
    }
}
END_TEST

/* ---- audit to syslog: one datagram per accepted context ------------------------------------
 * The test plays the syslog daemon on a socket of its own
 * (GSS_SSPI_NEGOTIATE_SYSLOG), as /dev/log is in production. */
START_TEST(audit_reaches_syslog)
{
    char sock_path[512], policy[512];
    const char *dir = realm_env("GSS_SSPI_TEST_DIR");
    snprintf(sock_path, sizeof(sock_path), "%s/syslog.sock", dir);
    snprintf(policy, sizeof(policy), "%s/syslog.conf", dir);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    ck_assert_uint_lt(strlen(sock_path), sizeof(addr.sun_path));
    strcpy(addr.sun_path, sock_path);
    unlink(sock_path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    FILE *f = fopen(policy, "w");
    ck_assert_ptr_nonnull(f);
    fputs("audit_syslog = yes\n", f);
    fclose(f);
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, policy, 1);
    setenv("GSS_SSPI_NEGOTIATE_SYSLOG", sock_path, 1);

    struct handshake hs = {0};
    run_form(_i, &hs, NULL, NULL, 0);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    handshake_cleanup(&hs);

    char msg[4096];
    ssize_t n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
    ck_assert_msg(n > 0, "no datagram on the syslog socket");
    msg[n] = '\0';
    /* <authpriv.info>, then "Mmm dd hh:mm:ss prog[pid]: " as syslog() writes it. */
    ck_assert_msg(strncmp(msg, "<86>", 4) == 0, "priority: %s", msg);
    ck_assert_msg(strstr(msg, "]: gss-sspi-negotiate: time=") != NULL, "header: %s", msg);
    ck_assert_msg(strstr(msg, form_audit[_i]) != NULL, "package: %s", msg);
    ck_assert_msg(strchr(msg, '\n') == NULL, "one line: %s", msg);
    close(fd);
    unlink(sock_path);
}
END_TEST

/* ---- NTLM deny / audit ------------------------------------------------------------------- */
START_TEST(ntlm_deny_kerberos_still_works)
{
    use_policy("deny", "ntlm = deny\n");
    for (enum form f = 0; f < FORM_COUNT; f++) {
        struct handshake hs = {0};
        run_form(f, &hs, NULL, NULL, 0);
        if (f < NTLM_RAW)
            ck_assert_msg(hs.server_status == SEC_E_OK, "%s: 0x%08x", form_audit[f],
                          (unsigned)hs.server_status);
        else
            ck_assert_msg(hs.server_status == SEC_E_LOGON_DENIED, "%s: 0x%08x", form_audit[f],
                          (unsigned)hs.server_status);
        if (f >= NTLM_RAW && hs.have_server) {
            char *why = context_last_error(&hs.server);
            ck_assert_msg(strstr(why, "refused by policy") != NULL, "%s", why);
            free(why);
        }
        handshake_cleanup(&hs);
    }
    expect_audit("result=success package=Kerberos form=raw");
    expect_audit("result=success package=Kerberos form=SPNEGO");
    expect_audit("result=denied package=NTLM form=raw");
    expect_audit("result=denied package=NTLM form=SPNEGO");
    expect_audit("reason=\"NTLM authentication is refused by policy (ntlm = deny)\"");
}
END_TEST

START_TEST(ntlm_audit_accepts_and_logs)
{
    use_policy("audit", "ntlm = audit\n");
    struct handshake hs = {0};
    run_form((enum form)_i, &hs, NULL, NULL, 0);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    handshake_cleanup(&hs);
    char expected[160];
    snprintf(expected, sizeof(expected), "result=success %s", form_audit[_i]);
    expect_audit(expected);
    expect_audit("ntlm_policy=audit");
}
END_TEST

/* ---- channel bindings: require ---------------------------------------------------------- */
START_TEST(channel_bindings_required)
{
    static const enum form forms[] = {KRB5_RAW, NTLM_SPNEGO};
    enum form f = forms[_i];
    use_policy("cb", "channel_bindings = require\n");
    ULONG len, len2;
    void *ours = channel_bindings_new("tls-server-end-point:ours", &len);
    void *other = channel_bindings_new("tls-server-end-point:mitm", &len2);
    ck_assert_uint_eq(len, len2);

    struct handshake none = {0}, match = {0}, mismatch = {0};
    run_form(f, &none, NULL, ours, len);
    ck_assert_msg(none.server_status == SEC_E_BAD_BINDINGS, "no client bindings: 0x%08x",
                  (unsigned)none.server_status);
    handshake_cleanup(&none);
    /* The denied line names the client that authenticated without bindings
     * (the audit line escapes the backslash of "DOMAIN\user"). */
    char client[160], denied[240];
    if (f == KRB5_RAW)
        snprintf(client, sizeof(client), "%s@%s", realm_env("GSS_SSPI_TEST_USER"),
                 realm_env("GSS_SSPI_TEST_REALM"));
    else
        snprintf(client, sizeof(client), "%s\\\\%s", realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                 realm_env("GSS_SSPI_TEST_USER"));
    snprintf(denied, sizeof(denied), "result=denied %s client=\"%s\"", form_audit[f], client);
    expect_audit(denied);

    run_form(f, &match, ours, ours, len);
    ck_assert_msg(match.server_status == SEC_E_OK, "matching: 0x%08x",
                  (unsigned)match.server_status);
    SecPkgContext_GssChannelBindings cb;
    ck_assert_int_eq(QueryContextAttributesA(&match.server, SECPKG_ATTR_GSS_CHANNEL_BINDINGS, &cb),
                     SEC_E_OK);
    ck_assert_uint_eq(cb.State, GSS_SSPI_CB_MATCHED);
    handshake_cleanup(&match);
    expect_audit("result=success");
    expect_audit("cb=matched");

    run_form(f, &mismatch, other, ours, len);
    ck_assert_msg(mismatch.server_status != SEC_E_OK, "mismatch accepted");
    handshake_cleanup(&mismatch);
    free(ours);
    free(other);
}
END_TEST

/* ---- the application's own requirements, audited as its verdict ---------------------
 * Channel-binding Require set through GssSspiSetCredentialsPolicy while the
 * module's policy is Allow: the library refuses the client without bindings,
 * and the module's audit line must say so (it said result=success before the
 * library handed its requirements over). */
static void expect_no_audit(const char *fragment)
{
    char *text = audit_text();
    ck_assert_msg(strstr(text, fragment) == NULL, "\"%s\" in the audit file:\n%s", fragment,
                  text);
    free(text);
}

START_TEST(caller_cb_require_audited)
{
    GSS_SSPI_POLICY require = {GSS_SSPI_CB_POLICY_REQUIRE, 0};
    ULONG len;
    void *ours = channel_bindings_new("tls-server-end-point:ours", &len);
    char expected[160];

    use_policy("caller-cb-none", "");
    struct handshake none = {0};
    run_form_policy(_i, &none, NULL, ours, len, &require, 0);
    ck_assert_msg(none.server_status == SEC_E_BAD_BINDINGS, "no client bindings: 0x%08x",
                  (unsigned)none.server_status);
    handshake_cleanup(&none);
    snprintf(expected, sizeof(expected), "result=failure %s", form_audit[_i]);
    expect_audit(expected);
    expect_audit("cb=absent");
    expect_audit("cb_policy=require(caller) reason=\"channel bindings required by the application");
    expect_no_audit("result=success");

    use_policy("caller-cb-match", "");
    struct handshake match = {0};
    run_form_policy(_i, &match, ours, ours, len, &require, 0);
    ck_assert_msg(match.server_status == SEC_E_OK, "matching: 0x%08x",
                  (unsigned)match.server_status);
    handshake_cleanup(&match);
    snprintf(expected, sizeof(expected), "result=success %s", form_audit[_i]);
    expect_audit(expected);
    expect_audit("cb=matched");
    expect_audit("cb_policy=require(caller)");

    /* ASC_REQ_ALLOW_MISSING_BINDINGS lifts the requirement for its call. */
    use_policy("caller-cb-allow-missing", "");
    struct handshake missing = {0};
    run_form_policy(_i, &missing, NULL, ours, len, &require, ASC_REQ_ALLOW_MISSING_BINDINGS);
    ck_assert_msg(missing.server_status == SEC_E_OK, "allowed missing: 0x%08x",
                  (unsigned)missing.server_status);
    handshake_cleanup(&missing);
    expect_audit(expected);
    expect_no_audit("cb_policy=");

    /* Both sides require: the module's own refusal, "denied", names both. */
    use_policy("caller-cb-both", "channel_bindings = require\n");
    struct handshake both = {0};
    run_form_policy(_i, &both, NULL, ours, len, &require, 0);
    ck_assert_int_eq(both.server_status, SEC_E_BAD_BINDINGS);
    handshake_cleanup(&both);
    expect_audit("result=denied");
    expect_audit("cb_policy=require(module,caller)");

    /* Nothing handed over: the requirement does not outlive its call. */
    use_policy("caller-cb-after", "");
    struct handshake after = {0};
    run_form(_i, &after, NULL, ours, len);
    ck_assert_int_eq(after.server_status, SEC_E_OK);
    handshake_cleanup(&after);
    expect_audit(expected);
    expect_no_audit("cb_policy=");
    free(ours);
}
END_TEST

/* StrictRequestedFlags: NTLM grants no mutual authentication, so a strict
 * acceptor that asks for it refuses the context, and the audit line says
 * failure; replay and sequence detection, which gss-ntlmssp enforces without
 * reporting them, pass as the library reports them. */
START_TEST(caller_strict_flags_audited)
{
    GSS_SSPI_POLICY strict = {GSS_SSPI_CB_POLICY_ALLOW, 1};
    use_policy("caller-strict-mutual", "");
    struct handshake mutual = {0};
    run_form_policy(NTLM_RAW + _i, &mutual, NULL, NULL, 0, &strict, ASC_REQ_MUTUAL_AUTH);
    ck_assert_msg(mutual.server_status == SEC_E_UNSUPPORTED_FUNCTION, "mutual: 0x%08x",
                  (unsigned)mutual.server_status);
    handshake_cleanup(&mutual);
    expect_audit("result=failure");
    expect_audit("required_flags=mutual,conf,integ reason=\"a security flag the application");
    expect_no_audit("result=success");

    use_policy("caller-strict-sequence", "");
    struct handshake seq = {0};
    run_form_policy(NTLM_RAW + _i, &seq, NULL, NULL, 0, &strict,
                    ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT);
    ck_assert_msg(seq.server_status == SEC_E_OK, "replay+sequence: 0x%08x",
                  (unsigned)seq.server_status);
    handshake_cleanup(&seq);
    expect_audit("result=success");
    expect_audit("required_flags=replay,sequence,conf,integ");
}
END_TEST

/* ---- a malformed policy fails closed ------------------------------------------------------ */
START_TEST(malformed_policy_fails_closed)
{
    use_policy("bad", "ntlm = allow\nchannel_bindings = sometimes\n");
    struct handshake hs = {0};
    run_form(KRB5_RAW, &hs, NULL, NULL, 0);
    ck_assert_msg(hs.server_status == SEC_E_LOGON_DENIED, "0x%08x", (unsigned)hs.server_status);
    handshake_cleanup(&hs);
    /* The refusal names the file and the line, where the administrator looks. */
    char expected[640];
    snprintf(expected, sizeof(expected),
             "event=policy result=denied reason=\"%s/bad.conf:4: \\\"sometimes\\\" is not a value "
             "of channel_bindings (expected none, allow or require)\"",
             realm_env("GSS_SSPI_TEST_DIR"));
    expect_audit(expected);

    char *text = NULL;
    ck_assert_uint_eq(policy_status(&text), 1);
    ck_assert_ptr_nonnull(strstr(text, "bad.conf:4:"));
    free(text);
}
END_TEST

/* ---- extensions, raw GSS in process ------------------------------------------------------ */
struct gss_pair {
    gss_ctx_id_t client, server;
    OM_uint32 major, minor;
    gss_buffer_desc first;
};

/* A raw GSS handshake with the default acceptor credential. */
static void gss_pair_run(struct gss_pair *p, gss_OID mech, gss_cred_id_t cred,
                         gss_buffer_t first_input)
{
    OM_uint32 minor, cmaj = GSS_S_CONTINUE_NEEDED;
    gss_name_t target;
    char name[256];
    snprintf(name, sizeof(name), "HTTP@%s", realm_env("GSS_SSPI_TEST_HOST"));
    gss_buffer_desc nb = {strlen(name), name};
    ck_assert(!GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target)));
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    if (first_input != NULL)
        in = *first_input;
    p->major = GSS_S_CONTINUE_NEEDED;
    for (int round = 0; round < 6; round++) {
        if (cmaj & GSS_S_CONTINUE_NEEDED) {
            cmaj = gss_init_sec_context(&minor, cred, &p->client, target, mech,
                                        GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG, 0, NULL, &in, NULL,
                                        &out, NULL, NULL);
            if (round > 0 || first_input == NULL)
                gss_release_buffer(&minor, &in);
            in = (gss_buffer_desc)GSS_C_EMPTY_BUFFER;
            ck_assert_msg(!GSS_ERROR(cmaj), "init: 0x%x/0x%x", cmaj, minor);
        }
        if (out.length == 0)
            break;
        if (round == 0) {
            p->first.value = malloc(out.length);
            memcpy(p->first.value, out.value, out.length);
            p->first.length = out.length;
        }
        p->major = gss_accept_sec_context(&p->minor, &p->server, GSS_C_NO_CREDENTIAL, &out, NULL,
                                          NULL, NULL, &in, NULL, NULL, NULL);
        gss_release_buffer(&minor, &out);
        if (GSS_ERROR(p->major) || in.length == 0)
            break;
    }
    gss_release_buffer(&minor, &in);
    gss_release_name(&minor, &target);
}

static void gss_pair_free(struct gss_pair *p)
{
    OM_uint32 minor;
    gss_delete_sec_context(&minor, &p->client, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &p->server, GSS_C_NO_BUFFER);
    free(p->first.value);
}

/* gss_display_status of a minor code, as an application logs it (malloc'ed). */
static char *display_minor(OM_uint32 code)
{
    OM_uint32 minor, ctx = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    ck_assert(!GSS_ERROR(
        gss_display_status(&minor, code, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &text)));
    char *s = strndup(text.value, text.length);
    gss_release_buffer(&minor, &text);
    return s;
}

static uint32_t le32(const void *p)
{
    const unsigned char *b = p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static gss_cred_id_t spnego_ntlm_cred(void)
{
    OM_uint32 minor;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    char *user = ntlm_user();
    gss_buffer_desc nb = {strlen(user), user};
    gss_buffer_desc pw = {strlen(realm_env("GSS_SSPI_TEST_PASSWORD")),
                          (void *)realm_env("GSS_SSPI_TEST_PASSWORD")};
    gss_name_t name;
    gss_OID_set_desc spnego = {1, test_mech_spnego()}, ntlm = {1, test_mech_ntlmssp()};
    ck_assert(!GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name)));
    ck_assert(!GSS_ERROR(gss_acquire_cred_with_password(&minor, name, &pw, 0, &spnego,
                                                        GSS_C_INITIATE, &cred, NULL, NULL)));
    ck_assert(!GSS_ERROR(gss_set_neg_mechs(&minor, cred, &ntlm)));
    gss_release_name(&minor, &name);
    free(user);
    return cred;
}

START_TEST(extension_oids)
{
    OM_uint32 minor;
    use_policy("ext", "");
    gss_cred_id_t cred = spnego_ntlm_cred();
    struct gss_pair p = {0};
    gss_pair_run(&p, test_mech_spnego(), cred, NULL);
    ck_assert_msg(p.major == GSS_S_COMPLETE, "accept: 0x%x", p.major);

    gss_OID_desc info = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN,
                         GSS_SSPI_NEGOTIATE_OID_NEGOTIATION_INFO_DER};
    gss_OID_desc ntlm = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN, GSS_SSPI_NEGOTIATE_OID_NTLM_VERSION_DER};
    gss_OID_desc cb = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN, GSS_SSPI_NEGOTIATE_OID_CHANNEL_BINDINGS_DER};
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    ck_assert(!GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, p.server, &info, &set)));
    ck_assert_uint_eq(set->count, 3);
    ck_assert_uint_eq(le32(set->elements[0].value), GSS_SSPI_NEG_PACKAGE_NTLM);
    ck_assert_uint_eq(le32((char *)set->elements[0].value + 4), GSS_SSPI_NEG_FORM_SPNEGO);
    ck_assert_uint_eq(le32((char *)set->elements[0].value + 8), GSS_SSPI_NEG_NTLM_V2);
    ck_assert_uint_eq(le32((char *)set->elements[0].value + 12), 1);
    ck_assert(set->elements[1].length == test_mech_ntlmssp()->length &&
              memcmp(set->elements[1].value, test_mech_ntlmssp()->elements,
                     set->elements[1].length) == 0);
    ck_assert_int_eq(set->elements[2].length, 4);
    ck_assert(memcmp(set->elements[2].value, "NTLM", 4) == 0);
    gss_release_buffer_set(&minor, &set);
    ck_assert(!GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, p.server, &ntlm, &set)));
    ck_assert_uint_eq(le32(set->elements[0].value), GSS_SSPI_NEG_NTLM_V2);
    gss_release_buffer_set(&minor, &set);
    ck_assert(!GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, p.server, &cb, &set)));
    ck_assert_uint_eq(le32(set->elements[0].value), GSS_SSPI_NEG_CB_NONE);
    ck_assert_uint_eq(le32((char *)set->elements[0].value + 4), GSS_SSPI_NEG_CB_POLICY_ALLOW);
    gss_release_buffer_set(&minor, &set);
    /* The initiator side says what it negotiated too. */
    ck_assert(!GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, p.client, &info, &set)));
    ck_assert_uint_eq(le32(set->elements[0].value), GSS_SSPI_NEG_PACKAGE_NTLM);
    gss_release_buffer_set(&minor, &set);
    gss_pair_free(&p);

    /* A refusal: the caller's minor is renumbered by the mechglue; the
     * module keeps the original. */
    use_policy("ext-deny", "ntlm = deny\n");
    struct gss_pair d = {0};
    gss_pair_run(&d, test_mech_spnego(), cred, NULL);
    ck_assert_uint_eq(GSS_ROUTINE_ERROR(d.major), GSS_S_UNAUTHORIZED);
    gss_OID_desc last = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN, GSS_SSPI_NEGOTIATE_OID_LAST_ERROR_DER};
    gss_buffer_desc v = GSS_C_EMPTY_BUFFER;
    ck_assert(!GSS_ERROR(gssspi_mech_invoke(&minor, test_mech_spnego(), &last, &v)));
    ck_assert_uint_ge(v.length, 8);
    ck_assert_uint_eq(GSS_ROUTINE_ERROR(le32(v.value)), GSS_S_UNAUTHORIZED);
    ck_assert_uint_eq(le32((char *)v.value + 4), GSS_SSPI_NEG_ERR_NTLM_DENIED);
    gss_release_buffer(&minor, &v);
    /* gss_display_status explains the renumbered code. */
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    OM_uint32 ctx = 0;
    ck_assert(!GSS_ERROR(
        gss_display_status(&minor, d.minor, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &text)));
    ck_assert_msg(memmem(text.value, text.length, "refused by policy", 17) != NULL, "%.*s",
                  (int)text.length, (char *)text.value);
    gss_release_buffer(&minor, &text);
    gss_pair_free(&d);
    gss_release_cred(&minor, &cred);
}
END_TEST

/* gss-ntlmssp reports a wrong password as EINVAL.  After a Kerberos-inside-
 * SPNEGO accept another (mechanism, minor) pair owns EINVAL in the
 * mechglue's map, which hands the module a made-up number for NTLM's: the
 * module must still record EINVAL (LAST_ERROR) and audit a wrong password. */
START_TEST(ntlm_failure_renumbered_on_the_way_in)
{
    static const gss_OID_desc ntlm = {10, "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
    use_policy("renumbered", "ntlm = allow\n");
    struct handshake krb = {0};
    run_form(KRB5_SPNEGO, &krb, NULL, NULL, 0);
    ck_assert_int_eq(krb.server_status, SEC_E_OK);
    handshake_cleanup(&krb);

    CredHandle cc, sc;
    ck_assert_int_eq(acquire_outbound_password("NTLM", realm_env("GSS_SSPI_TEST_USER"),
                                               realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                               "Wrong-Pass9", NULL, &cc),
                     SEC_E_OK);
    acquire_inbound("Negotiate", &sc);
    struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"), .isc_req = REQ,
                           .asc_req = ASC};
    handshake_run(&cc, &sc, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_LOGON_DENIED);

    OM_uint32 minor;
    gss_OID_desc last = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN, GSS_SSPI_NEGOTIATE_OID_LAST_ERROR_DER};
    gss_buffer_desc v = GSS_C_EMPTY_BUFFER;
    ck_assert(!GSS_ERROR(gssspi_mech_invoke(&minor, test_mech_spnego(), &last, &v)));
    ck_assert_uint_eq(v.length, 8 + ntlm.length);
    ck_assert_uint_eq(GSS_ROUTINE_ERROR(le32(v.value)), GSS_S_FAILURE);
    ck_assert_uint_eq(le32((char *)v.value + 4), EINVAL);
    ck_assert(memcmp((char *)v.value + 8, ntlm.elements, ntlm.length) == 0);
    gss_release_buffer(&minor, &v);
    expect_audit("result=failure package=NTLM form=raw");
    expect_audit("reason=\"logon failure: the NTLM response does not verify (wrong password)\"");
    handshake_cleanup(&hs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST


/* ---- policy files the module must not trust -------------------------------------------------
 * As sshd's StrictModes: each unsafe file is refused with "path: reason",
 * fails every acceptor closed, and a FIFO does not stall the call that
 * meets it (SIGALRM ends the test if it does). */
enum unsafe { UNSAFE_MODE, UNSAFE_OWNER, UNSAFE_SYMLINK, UNSAFE_FIFO, UNSAFE_DIRECTORY,
              UNSAFE_PARENT, UNSAFE_COUNT };
static const char *const unsafe_reason[] = {
    "the file is writable by group or others (mode 0666)",
    "the file is owned by uid",
    "a symbolic link (not followed)",
    "a FIFO",
    "a directory",
    "is writable by group or others (mode 0777)",
};

START_TEST(unsafe_policy_refused)
{
    char dir[512], path[600], good[600], *text = NULL;
    snprintf(dir, sizeof(dir), "%s/unsafe-%d", realm_env("GSS_SSPI_TEST_DIR"), _i);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/negotiate.conf", dir);
    snprintf(good, sizeof(good), "%s/good.conf", dir);
    write_file(good, "audit_syslog = no\n");
    /* Everything loaded first, so that only the policy file is looked at below. */
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, good, 1);
    ck_assert_uint_eq(policy_status(&text), 0);
    free(text);

    switch ((enum unsafe)_i) {
    case UNSAFE_MODE:
        write_file(path, "audit_syslog = no\n");
        ck_assert_int_eq(chmod(path, 0666), 0);
        break;
    case UNSAFE_OWNER: {
        struct passwd *nobody = getpwnam("nobody");
        write_file(path, "audit_syslog = no\n");
        if (nobody == NULL || chown(path, nobody->pw_uid, nobody->pw_gid) != 0) {
            fprintf(stderr, "SKIP: cannot give a file to nobody (not root?)\n");
            return;
        }
        break;
    }
    case UNSAFE_SYMLINK:
        ck_assert_int_eq(symlink(good, path), 0);
        break;
    case UNSAFE_FIFO:
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        break;
    case UNSAFE_DIRECTORY:
        ck_assert_int_eq(mkdir(path, 0755), 0);
        break;
    case UNSAFE_PARENT:
        write_file(path, "audit_syslog = no\n");
        ck_assert_int_eq(chmod(dir, 0777), 0);
        break;
    default:
        ck_abort();
    }
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, path, 1);
    alarm(1); /* a guard, not a measurement: the old code never returned here */
    uint32_t word = policy_status(&text);
    alarm(0);
    ck_assert_uint_eq(word, 1);
    char expected[700];
    snprintf(expected, sizeof(expected), "%s: ", path);
    ck_assert_msg(strncmp(text, expected, strlen(expected)) == 0, "%s", text);
    ck_assert_msg(strstr(text, unsafe_reason[_i]) != NULL, "%s", text);
    free(text);

    /* Fail closed: every acceptor is denied; syslog and the application's
     * gss_display_status name the file and the reason. */
    int log = syslog_receiver(0), count;
    struct gss_pair p = {0};
    alarm(30);
    gss_pair_run(&p, test_mech_krb5(), GSS_C_NO_CREDENTIAL, NULL);
    alarm(0);
    ck_assert_uint_eq(GSS_ROUTINE_ERROR(p.major), GSS_S_UNAUTHORIZED);
    char *shown = display_minor(p.minor);
    ck_assert_msg(strstr(shown, expected) != NULL && strstr(shown, unsafe_reason[_i]) != NULL,
                  "%s", shown);
    free(shown);
    gss_pair_free(&p);
    char *lines = syslog_drain(log, &count);
    char *refused = strstr(lines, "gss-sspi-negotiate: policy refused: ");
    ck_assert_msg(refused != NULL && strstr(refused, expected) != NULL &&
                      strstr(refused, unsafe_reason[_i]) != NULL,
                  "%s", lines);
    free(lines);
    close(log);
    if (_i == UNSAFE_PARENT)
        chmod(dir, 0755);
}
END_TEST

/* ---- a syslog daemon that stops reading never blocks an accept ---------------------------- */
START_TEST(full_syslog_never_blocks)
{
    char policy[512], *text = NULL;
    int count;
    snprintf(policy, sizeof(policy), "%s/full-syslog.conf", realm_env("GSS_SSPI_TEST_DIR"));
    write_file(policy, "audit_syslog = yes\n");
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, policy, 1);
    int fd = syslog_receiver(1024); /* tiny, and never read until the end */
    enum { ACCEPTS = 40 };
    for (int i = 0; i < ACCEPTS; i++) {
        struct gss_pair p = {0};
        gss_pair_run(&p, test_mech_krb5(), GSS_C_NO_CREDENTIAL, NULL);
        ck_assert_msg(p.major == GSS_S_COMPLETE, "accept %d: 0x%x/0x%x", i, p.major, p.minor);
        gss_pair_free(&p);
    }
    /* Some lines were dropped (the queue holds far fewer than 40), counted. */
    ck_assert_uint_eq(policy_status(&text), 0);
    ck_assert_msg(strstr(text, "audit lines dropped (socket full)") != NULL, "%s", text);
    unsigned long dropped = strtoul(strstr(text, "; syslog: ") + 10, NULL, 10);
    free(text);
    char *queued = syslog_drain(fd, &count);
    ck_assert_int_gt(count, 0);
    ck_assert_uint_eq(count + dropped, ACCEPTS);
    free(queued);
    /* The next line that gets through says how many went missing. */
    struct gss_pair p = {0};
    gss_pair_run(&p, test_mech_krb5(), GSS_C_NO_CREDENTIAL, NULL);
    ck_assert(p.major == GSS_S_COMPLETE);
    gss_pair_free(&p);
    char *next = syslog_drain(fd, &count);
    ck_assert_int_eq(count, 1);
    char field[64];
    snprintf(field, sizeof(field), " syslog_dropped=%lu\n", dropped);
    ck_assert_msg(strstr(next, "result=success package=Kerberos") != NULL &&
                      strstr(next, field) != NULL,
                  "%s", next);
    free(next);
    close(fd);
}
END_TEST

/* ---- an audit file that cannot be written is said once ---------------------------------- */
START_TEST(audit_file_unwritable_reported_once)
{
    static const char *const reasons[] = {"No such file or directory",
                                          "a symbolic link (not followed)"};
    const char *dir = realm_env("GSS_SSPI_TEST_DIR");
    char policy[512], audit[512], target[512], text_in[1200], *text = NULL;
    int count;
    snprintf(policy, sizeof(policy), "%s/unwritable-%d.conf", dir, _i);
    snprintf(target, sizeof(target), "%s/audit-target-%d.log", dir, _i);
    if (_i == 0) {
        snprintf(audit, sizeof(audit), "%s/no-such-dir/audit.log", dir);
    } else {
        snprintf(audit, sizeof(audit), "%s/audit-link-%d.log", dir, _i);
        write_file(target, "");
        ck_assert_int_eq(symlink(target, audit), 0);
    }
    snprintf(text_in, sizeof(text_in), "audit_syslog = yes\naudit_file = %s\n", audit);
    write_file(policy, text_in);
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, policy, 1);
    int fd = syslog_receiver(0);
    for (int i = 0; i < 3; i++) {
        struct gss_pair p = {0};
        gss_pair_run(&p, test_mech_krb5(), GSS_C_NO_CREDENTIAL, NULL);
        ck_assert(p.major == GSS_S_COMPLETE);
        gss_pair_free(&p);
    }
    char *lines = syslog_drain(fd, &count);
    char expected[700];
    snprintf(expected, sizeof(expected), "audit_file %s cannot be written: %s", audit,
             reasons[_i]);
    char *first = strstr(lines, expected);
    ck_assert_msg(first != NULL, "%s", lines);
    ck_assert_msg(strstr(first + 1, expected) == NULL, "said more than once:\n%s", lines);
    const char *line = first;
    while (line > lines && line[-1] != '\n')
        line--;
    ck_assert_msg(strncmp(line, "<83>", 4) == 0, "not authpriv.err: %s", lines);
    ck_assert_int_eq(count, 4); /* the report and the three audit lines */
    free(lines);
    ck_assert_uint_eq(policy_status(&text), 0);
    snprintf(expected, sizeof(expected), "; audit_file %s: %s", audit, reasons[_i]);
    ck_assert_msg(strstr(text, expected) != NULL, "%s", text);
    free(text);
    if (_i == 1) { /* nothing went through the link */
        struct stat st;
        ck_assert_int_eq(stat(target, &st), 0);
        ck_assert_int_eq(st.st_size, 0);
    }
    close(fd);
}
END_TEST

/* ---- a malformed policy: only acceptors say so ------------------------------------------- */
START_TEST(initiators_do_not_report_policy)
{
    char policy[512], text_in[700];
    const char *dir = realm_env("GSS_SSPI_TEST_DIR");
    int count;
    snprintf(policy, sizeof(policy), "%s/initiator-bad.conf", dir);
    snprintf(audit_path, sizeof(audit_path), "%s/initiator-bad.audit", dir);
    snprintf(text_in, sizeof(text_in), "audit_syslog = yes\naudit_file = %s\nntlm = perhaps\n",
             audit_path);
    write_file(policy, text_in);
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, policy, 1);
    int fd = syslog_receiver(0);
    /* A GSS client, as curl or ssh: initiator calls only. */
    OM_uint32 minor, major;
    gss_name_t target;
    char name[256];
    snprintf(name, sizeof(name), "HTTP@%s", realm_env("GSS_SSPI_TEST_HOST"));
    gss_buffer_desc nb = {strlen(name), name}, out = GSS_C_EMPTY_BUFFER;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    ck_assert(!GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target)));
    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target, test_mech_spnego(),
                                 GSS_C_MUTUAL_FLAG, 0, NULL, NULL, NULL, &out, NULL, NULL);
    ck_assert_msg(!GSS_ERROR(major), "the initiator works: 0x%x", major);
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &target);
    char *lines = syslog_drain(fd, &count);
    ck_assert_msg(count == 0, "an initiator wrote to syslog:\n%s", lines);
    free(lines);
    ck_assert_msg(access(audit_path, F_OK) != 0, "an initiator wrote the audit file");

    /* An acceptor does say it, once. */
    for (int i = 0; i < 2; i++) {
        struct gss_pair p = {0};
        gss_pair_run(&p, test_mech_krb5(), GSS_C_NO_CREDENTIAL, NULL);
        ck_assert_uint_eq(GSS_ROUTINE_ERROR(p.major), GSS_S_UNAUTHORIZED);
        /* What Apache's error log shows: the minor code's text. */
        char *shown = display_minor(p.minor);
        ck_assert_msg(strstr(shown, "initiator-bad.conf:3: \"perhaps\" is not a value") != NULL,
                      "%s", shown);
        free(shown);
        gss_pair_free(&p);
    }
    lines = syslog_drain(fd, &count);
    char *first = strstr(lines, "policy refused: ");
    ck_assert_msg(first != NULL && strstr(first + 1, "policy refused: ") == NULL, "%s", lines);
    ck_assert_msg(strstr(lines, "initiator-bad.conf:3: \"perhaps\" is not a value of ntlm") !=
                      NULL,
                  "%s", lines);
    free(lines);
    expect_audit("event=policy result=denied");
    close(fd);
}
END_TEST

/* ---- the module loaded into a running process ---------------------------------------------
 * As when mech.d is linked while Apache runs: the process initialised the
 * mechglue without the module, then the real SPNEGO acceptor, re-reading
 * the mechanism list in the middle of an accept, loads it; the inner
 * Kerberos accept is the module's first call.  That context came in SPNEGO
 * and must be logged so. */
START_TEST(form_right_when_loaded_mid_accept)
{
    OM_uint32 minor, major;
    const char *dir = realm_env("GSS_SSPI_TEST_DIR");
    const char *with = getenv("GSS_MECH_CONFIG");
    char path[512], line[2048];
    use_policy("mid-accept", "");
    snprintf(path, sizeof(path), "%s/mech-later", dir);
    write_file(path, ""); /* no interposer yet: the system's mechanisms only */
    setenv("GSS_MECH_CONFIG", path, 1);

    /* The client's SPNEGO token, made before the module exists. */
    gss_name_t target;
    char name[256];
    snprintf(name, sizeof(name), "HTTP@%s", realm_env("GSS_SSPI_TEST_HOST"));
    gss_buffer_desc nb = {strlen(name), name}, token = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    gss_ctx_id_t client = GSS_C_NO_CONTEXT, server = GSS_C_NO_CONTEXT;
    ck_assert(!GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target)));
    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &client, target, test_mech_spnego(),
                                 0, 0, NULL, NULL, NULL, &token, NULL, NULL);
    ck_assert_msg(!GSS_ERROR(major), "init: 0x%x", major);

    /* The module appears (the mechglue looks at most once a second, and at
     * a newer modification time). */
    FILE *f = fopen(with, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    write_file(path, line);
    struct timespec later[2] = {{time(NULL) + 5, 0}, {time(NULL) + 5, 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, later, 0), 0);
    time_t start = time(NULL);
    while (time(NULL) == start)
        usleep(20000);

    major = gss_accept_sec_context(&minor, &server, GSS_C_NO_CREDENTIAL, &token, NULL, NULL, NULL,
                                   &out, NULL, NULL, NULL);
    ck_assert_msg(major == GSS_S_COMPLETE, "accept: 0x%x/0x%x", major, minor);
    gss_release_buffer(&minor, &token);
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &client, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &server, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &target);
    expect_audit("result=success package=Kerberos form=SPNEGO");

    /* The contexts after it pass through the module's SPNEGO layer. */
    struct gss_pair p = {0};
    gss_pair_run(&p, test_mech_spnego(), GSS_C_NO_CREDENTIAL, NULL);
    ck_assert(p.major == GSS_S_COMPLETE);
    gss_pair_free(&p);
    char *text = audit_text();
    char *second = strstr(text, "\n");
    ck_assert_msg(second != NULL && strstr(second, "form=SPNEGO") != NULL &&
                      strstr(text, "form=raw") == NULL,
                  "%s", text);
    free(text);
}
END_TEST

/* ---- initiator: MS-KRB5 first, the server's NegTokenInit2 ----------------------------------- */
/* The mechTypes of a NegTokenInit and the framing OID of its mechToken. */
static size_t neg_token_init(const gss_buffer_desc *tok, gss_OID_desc *mechs, size_t max,
                             gss_OID_desc *token_oid)
{
    struct der d = {tok->value, tok->length}, app, v, seq, f, list, o;
    unsigned char tag;
    size_t n = 0;
    token_oid->length = 0;
    ck_assert(der_next(&d, &tag, &app) && tag == 0x60);
    ck_assert(der_next(&app, &tag, &v) && tag == 0x06);
    ck_assert(der_next(&app, &tag, &v) && tag == 0xa0);
    ck_assert(der_next(&v, &tag, &seq) && tag == 0x30);
    while (seq.len > 0 && der_next(&seq, &tag, &f)) {
        if (tag == 0xa0) {
            ck_assert(der_next(&f, &tag, &list) && tag == 0x30);
            while (list.len > 0 && der_next(&list, &tag, &o) && n < max)
                mechs[n++] = (gss_OID_desc){(OM_uint32)o.len, (void *)o.p};
        } else if (tag == 0xa2) {
            struct der octets, inner, oid;
            ck_assert(der_next(&f, &tag, &octets) && tag == 0x04);
            if (der_next(&octets, &tag, &inner) && tag == 0x60 && der_next(&inner, &tag, &oid) &&
                tag == 0x06)
                *token_oid = (gss_OID_desc){(OM_uint32)oid.len, (void *)oid.p};
        }
    }
    return n;
}

static bool oid_is(const gss_OID_desc *a, const gss_OID_desc *b)
{
    return a->length == b->length && memcmp(a->elements, b->elements, a->length) == 0;
}

START_TEST(initiator_ms_krb5_first)
{
    use_policy("ms-first", "ms_krb5_first = yes\n");
    struct gss_pair p = {0};
    gss_pair_run(&p, test_mech_spnego(), GSS_C_NO_CREDENTIAL, NULL);
    ck_assert_msg(p.major == GSS_S_COMPLETE, "accept: 0x%x/0x%x", p.major, p.minor);
    gss_OID_desc mechs[8], token_oid;
    size_t n = neg_token_init(&p.first, mechs, 8, &token_oid);
    ck_assert_uint_ge(n, 2);
    ck_assert_msg(oid_is(&mechs[0], &ms_krb5), "MS-KRB5 is not listed first");
    ck_assert(oid_is(&mechs[1], test_mech_krb5()));
    /* As Windows: the optimistic token keeps the Kerberos framing. */
    ck_assert(oid_is(&token_oid, test_mech_krb5()));
    gss_pair_free(&p);
    expect_audit("result=success package=Kerberos form=SPNEGO");

    /* Not configured: MIT's own list, Kerberos first. */
    use_policy("ms-off", "");
    struct gss_pair q = {0};
    gss_pair_run(&q, test_mech_spnego(), GSS_C_NO_CREDENTIAL, NULL);
    ck_assert(q.major == GSS_S_COMPLETE);
    n = neg_token_init(&q.first, mechs, 8, &token_oid);
    ck_assert(oid_is(&mechs[0], test_mech_krb5()));
    gss_pair_free(&q);
}
END_TEST

START_TEST(initiator_uses_server_negtokeninit2)
{
    char path[4096];
    FILE *f = fopen(test_data_path("spnego/windows-server-negtokeninit2", path, sizeof(path)), "rb");
    ck_assert_msg(f != NULL, "%s is missing", path);
    unsigned char buf[1024];
    gss_buffer_desc init2 = {fread(buf, 1, sizeof(buf), f), buf};
    fclose(f);
    gss_OID_desc server[8], none;
    size_t server_count = neg_token_init(&init2, server, 8, &none);
    ck_assert_uint_eq(server_count, 5);

    static const char *const policies[] = {"", "ms_krb5_first = yes\n"};
    use_policy(_i ? "init2-ms" : "init2", policies[_i]);
    struct gss_pair p = {0};
    gss_pair_run(&p, test_mech_spnego(), GSS_C_NO_CREDENTIAL, &init2);
    ck_assert_msg(p.major == GSS_S_COMPLETE, "accept: 0x%x/0x%x", p.major, p.minor);
    gss_OID_desc mechs[8], token_oid;
    size_t n = neg_token_init(&p.first, mechs, 8, &token_oid);
    ck_assert_uint_ge(n, 1);
    /* Every mechanism offered is one the server listed, in its order. */
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = server_count;
        for (size_t j = 0; j < server_count; j++)
            if (oid_is(&mechs[i], &server[j]))
                at = j;
        ck_assert_msg(at < server_count, "mechanism %zu is not in the server's list", i);
        ck_assert(i == 0 || at > last);
        last = at;
    }
    ck_assert(oid_is(&mechs[0], _i ? &ms_krb5 : test_mech_krb5()));
    ck_assert(oid_is(&token_oid, test_mech_krb5()));
    gss_pair_free(&p);
}
END_TEST

int main(void)
{
    /* The module refuses policy files others may write: ours are 0644
     * whatever umask the harness runs with. */
    umask(022);
    load_negotiate_module();
    Suite *s = suite_create("mech");
    TCase *tc = tcase_create("mech");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, audit_names_each_form, 0, FORM_COUNT);
    tcase_add_loop_test(tc, audit_reaches_syslog, 0, FORM_COUNT);
    tcase_add_test(tc, ntlm_deny_kerberos_still_works);
    tcase_add_loop_test(tc, ntlm_audit_accepts_and_logs, NTLM_RAW, FORM_COUNT);
    tcase_add_loop_test(tc, channel_bindings_required, 0, 2);
    tcase_add_loop_test(tc, caller_cb_require_audited, 0, FORM_COUNT);
    tcase_add_loop_test(tc, caller_strict_flags_audited, 0, 2);
    tcase_add_test(tc, malformed_policy_fails_closed);
    tcase_add_test(tc, extension_oids);
    tcase_add_test(tc, ntlm_failure_renumbered_on_the_way_in);
    tcase_add_loop_test(tc, unsafe_policy_refused, 0, UNSAFE_COUNT);
    tcase_add_test(tc, full_syslog_never_blocks);
    tcase_add_loop_test(tc, audit_file_unwritable_reported_once, 0, 2);
    tcase_add_test(tc, initiators_do_not_report_policy);
    tcase_add_test(tc, form_right_when_loaded_mid_accept);
    tcase_add_test(tc, initiator_ms_krb5_first);
    tcase_add_loop_test(tc, initiator_uses_server_negtokeninit2, 0, 2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
