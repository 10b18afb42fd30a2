/*
 * test_mech_units.c - the module's parsers and formats, linked in directly:
 * the policy file, NTLM AUTHENTICATE inspection, SPNEGO NegTokenInit, and
 * the audit line's escaping.  Hostile input must never crash or overrun.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mech_internal.h"
#include "testdata.h"
#include "wire.h"

/* ---- policy ----------------------------------------------------------------------- */
static struct policy *parse(const char *text)
{
    struct policy *p = policy_parse(text, strlen(text), "/etc/gss-sspi/negotiate.conf");
    ck_assert_ptr_nonnull(p);
    return p;
}

START_TEST(policy_defaults)
{
    struct policy *p = parse("");
    ck_assert(p->valid);
    ck_assert_int_eq(p->ntlm, NTLM_ALLOW);
    ck_assert_int_eq(p->ntlm_v1, NTLM_DENY); /* no NTLMv1 unless explicitly allowed */
    ck_assert_int_eq(p->channel_bindings, CB_ALLOW);
    ck_assert(!p->ms_krb5_first);
    ck_assert(p->use_server_mech_list);
    ck_assert(p->audit_syslog);
    ck_assert_ptr_null(p->audit_file);
    policy_free(p);
}
END_TEST

START_TEST(policy_every_setting)
{
    struct policy *p = parse("# a comment\n"
                             "\n"
                             "ntlm = deny\n"
                             "  ntlm_v1=audit   # trailing comment\n"
                             "channel_bindings = require\r\n"
                             "ms_krb5_first = yes\n"
                             "use_server_mech_list = no\n"
                             "interpose_kerberos = no\n"
                             "audit_syslog = off\n"
                             "audit_file = /var/log/gss-sspi-audit.log\n");
    ck_assert_msg(p->valid, "%s", p->error);
    ck_assert_int_eq(p->ntlm, NTLM_DENY);
    ck_assert_int_eq(p->ntlm_v1, NTLM_AUDIT);
    ck_assert_int_eq(p->channel_bindings, CB_REQUIRE);
    ck_assert(p->ms_krb5_first);
    ck_assert(!p->use_server_mech_list);
    ck_assert_int_eq(p->interpose_kerberos, TRI_NO);
    ck_assert(!p->audit_syslog);
    ck_assert_str_eq(p->audit_file, "/var/log/gss-sspi-audit.log");
    policy_free(p);
}
END_TEST

/* Every refusal names the file and the line, and says what was expected. */
static const struct {
    const char *text;
    const char *error;
} bad_policies[] = {
    {"ntlm_v1 = allow\n\nntlm = maybe\n",
     "/etc/gss-sspi/negotiate.conf:3: \"maybe\" is not a value of ntlm (expected allow, audit or "
     "deny)"},
    {"ntlm_v2 = deny\n", "/etc/gss-sspi/negotiate.conf:1: unknown setting \"ntlm_v2\""},
    {"# ok\nchannel_bindings require\n",
     "/etc/gss-sspi/negotiate.conf:2: expected \"key = value\""},
    {"ntlm = deny\nntlm = allow\n", "/etc/gss-sspi/negotiate.conf:2: \"ntlm\" is set twice"},
    {"audit_file = audit.log\n", "/etc/gss-sspi/negotiate.conf:1: audit_file must be an absolute"},
    {"channel_bindings = Require\n",
     "/etc/gss-sspi/negotiate.conf:1: \"Require\" is not a value of channel_bindings (expected "
     "none, allow or require)"},
    {"ms_krb5_first = perhaps\n", "/etc/gss-sspi/negotiate.conf:1: \"perhaps\" is not a value"},
};

START_TEST(policy_refused_names_line)
{
    struct policy *p = parse(bad_policies[_i].text);
    ck_assert(!p->valid);
    ck_assert_ptr_nonnull(p->error);
    ck_assert_msg(strncmp(p->error, bad_policies[_i].error, strlen(bad_policies[_i].error)) == 0,
                  "got \"%s\"", p->error);
    policy_free(p);
}
END_TEST

/* A thread that impersonates a client (its file-system ids switched, as
 * ImpersonateSecurityContext does) and happens to run the once-a-second look
 * at the policy file sees it with the client's rights.  It must keep the
 * policy in force, not refuse it for every acceptor of the process. */
struct fs_probe {
    const char *path;
    bool valid;
    enum ntlm_mode ntlm;
    int open_errno;
};

static void *as_nobody(void *arg)
{
    struct fs_probe *probe = arg;
    syscall(SYS_setfsgid, (gid_t)65534);
    syscall(SYS_setfsuid, (uid_t)65534);
    int fd = open(probe->path, O_RDONLY);
    probe->open_errno = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    time_t start = time(NULL);
    while (time(NULL) == start) /* the next second: this thread does the look */
        usleep(10000);
    const struct policy *p = policy_current();
    probe->valid = p->valid;
    probe->ntlm = p->ntlm;
    return NULL;
}

START_TEST(policy_kept_by_impersonating_thread)
{
    if (geteuid() != 0) {
        printf("SKIP: policy_kept_by_impersonating_thread: switching file-system ids needs root\n");
        return;
    }
    char dir[] = "/tmp/gss-sspi-policy.XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir)); /* 0700: nobody cannot look inside */
    snprintf(path, sizeof(path), "%s/negotiate.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("ntlm = deny\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0644), 0);
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, path, 1);
    const struct policy *p = policy_current();
    ck_assert(p->valid);
    ck_assert_int_eq(p->ntlm, NTLM_DENY);

    struct fs_probe probe = {.path = path};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, as_nobody, &probe), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_int_eq(probe.open_errno, EACCES); /* the file is out of its reach */
    ck_assert(probe.valid);
    ck_assert_int_eq(probe.ntlm, NTLM_DENY);
    ck_assert(policy_current()->valid);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(policy_hostile_bytes)
{
    char text[3000];
    memset(text, 'a', sizeof(text));
    struct policy *p = policy_parse(text, sizeof(text), "x");
    ck_assert(!p->valid);
    ck_assert_str_eq(p->error, "x:1: line too long");
    policy_free(p);
    p = policy_parse("ntlm = deny\n\0ntlm = allow\n", 26, "x");
    ck_assert(!p->valid);
    ck_assert_str_eq(p->error, "x:2: NUL byte in line");
    policy_free(p);
    /* Lines that parse keep choosing where the refusal is logged. */
    p = parse("audit_file = /tmp/a.log\nbogus\n");
    ck_assert(!p->valid);
    ck_assert_str_eq(p->audit_file, "/tmp/a.log");
    policy_free(p);
}
END_TEST

/* ---- NTLM ------------------------------------------------------------------------- */
static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, unsigned v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* An AUTHENTICATE with the given response lengths; user "bob" in domain
 * "DOM" as UTF-16 (or OEM). */
static size_t authenticate(unsigned char *msg, size_t lm_len, size_t nt_len, bool unicode)
{
    size_t off = 72;
    memset(msg, 0, 1024);
    memcpy(msg, "NTLMSSP\0", 8);
    put32(msg + 8, 3);
    const char *dom = "DOM", *user = "bob";
    struct {
        size_t at, len;
    } fields[] = {{12, lm_len},
                  {20, nt_len},
                  {28, strlen(dom) * (unicode ? 2 : 1)},
                  {36, strlen(user) * (unicode ? 2 : 1)},
                  {44, 0},
                  {52, 0}};
    for (size_t i = 0; i < 6; i++) {
        put16(msg + fields[i].at, (unsigned)fields[i].len);
        put16(msg + fields[i].at + 2, (unsigned)fields[i].len);
        put32(msg + fields[i].at + 4, (unsigned)off);
        if (i == 2 || i == 3) {
            const char *s = i == 2 ? dom : user;
            for (size_t k = 0; s[k]; k++)
                msg[off + k * (unicode ? 2 : 1)] = (unsigned char)s[k];
        } else {
            memset(msg + off, 0x11, fields[i].len);
        }
        off += fields[i].len;
    }
    put32(msg + 60, unicode ? 0x1 : 0x2);
    return off;
}

START_TEST(ntlm_versions)
{
    static const struct {
        size_t lm, nt;
        int version;
    } cases[] = {
        {24, 24, GSS_SSPI_NEG_NTLM_V1},  /* NTLMv1 */
        {24, 0, GSS_SSPI_NEG_NTLM_V1},   /* LM only */
        {24, 120, GSS_SSPI_NEG_NTLM_V2}, /* NTLMv2 */
        {0, 0, GSS_SSPI_NEG_NTLM_ANONYMOUS},
    };
    unsigned char msg[1024];
    struct ntlm_auth_info info;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = authenticate(msg, cases[i].lm, cases[i].nt, true);
        ck_assert_int_eq(ntlm_message_type(msg, len), NTLM_MSG_AUTHENTICATE);
        ck_assert(ntlm_inspect_authenticate(msg, len, &info));
        ck_assert_int_eq(info.version, cases[i].version);
        ck_assert_str_eq(info.user, "bob");
        ck_assert_str_eq(info.domain, "DOM");
    }
    size_t len = authenticate(msg, 24, 24, false);
    ck_assert(ntlm_inspect_authenticate(msg, len, &info));
    ck_assert_str_eq(info.user, "bob");
    /* An NT response of a length no version has is refused. */
    len = authenticate(msg, 24, 23, true);
    ck_assert(!ntlm_inspect_authenticate(msg, len, &info));
}
END_TEST

/* Every truncation and every single-byte corruption of a real-shaped
 * message: never a read outside it (valgrind/ASan would say). */
START_TEST(ntlm_hostile)
{
    unsigned char msg[1024], copy[1024];
    struct ntlm_auth_info info;
    size_t len = authenticate(msg, 24, 120, true);
    for (size_t cut = 0; cut <= len; cut++) {
        unsigned char *heap = malloc(cut ? cut : 1);
        memcpy(heap, msg, cut);
        (void)ntlm_inspect_authenticate(heap, cut, &info);
        (void)ntlm_message_type(heap, cut);
        free(heap);
    }
    for (size_t at = 0; at < 72; at++) {
        for (unsigned v = 0; v < 256; v += 17) {
            memcpy(copy, msg, len);
            copy[at] = (unsigned char)v;
            if (ntlm_inspect_authenticate(copy, len, &info))
                ck_assert(strlen(info.user) < sizeof(info.user));
        }
    }
    ck_assert_int_eq(ntlm_message_type(NULL, 0), NTLM_MSG_NONE);
    ck_assert_int_eq(ntlm_message_type("NTLMSSP\0\x09\0\0\0", 12), NTLM_MSG_NONE);
}
END_TEST

/* The [MS-NLMP] 4.2 vectors (tests/data/ntlm/README.md). */
static char *spec_vector(const char *label)
{
    char path[4096], line[2048];
    FILE *f = fopen(test_data_path("ntlm/README.md", path, sizeof(path)), "r");
    char *found = NULL;
    int seen = 0;
    ck_assert_msg(f != NULL, "%s is missing", path);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "AUTHENTICATE ", 13) == 0 && ++seen == (label[0] == '1' ? 1 : 2)) {
            char *b64 = line + 13;
            while (*b64 == ' ')
                b64++;
            found = strdup(b64);
            break;
        }
    }
    fclose(f);
    return found;
}

START_TEST(ntlm_spec_vectors)
{
    static const struct {
        const char *which;
        int version;
    } vectors[] = {{"1", GSS_SSPI_NEG_NTLM_V1}, {"2", GSS_SSPI_NEG_NTLM_V2}};
    for (size_t i = 0; i < 2; i++) {
        char *b64 = spec_vector(vectors[i].which);
        ck_assert_ptr_nonnull(b64);
        char line[2100];
        snprintf(line, sizeof(line), "T %s", b64);
        FILE *f = fmemopen(line, strlen(line), "r");
        void *msg;
        size_t len;
        ck_assert_int_eq(wire_recv(f, &msg, &len), 'T');
        fclose(f);
        struct ntlm_auth_info info;
        ck_assert(ntlm_inspect_authenticate(msg, len, &info));
        ck_assert_int_eq(info.version, vectors[i].version);
        ck_assert_str_eq(info.user, "User");
        ck_assert_str_eq(info.domain, "Domain");
        free(msg);
        free(b64);
    }
}
END_TEST

/* ---- SPNEGO ----------------------------------------------------------------------- */
START_TEST(spnego_windows_negtokeninit2)
{
    char path[4096];
    unsigned char buf[4096];
    FILE *f = fopen(test_data_path("spnego/windows-server-negtokeninit2", path, sizeof(path)), "rb");
    ck_assert_msg(f != NULL, "%s is missing", path);
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct spnego_init init;
    ck_assert(spnego_is_initial(buf, len));
    ck_assert(spnego_parse_init(buf, len, &init));
    /* NEGOEX, MS-KRB5, KRB5, KRB5-U2U, NTLMSSP */
    ck_assert_uint_eq(init.mech_count, 5);
    ck_assert(oid_equal(&init.mechs[1], &(gss_OID_desc){9, "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"}));
    ck_assert(
        oid_equal(&init.mechs[4], &(gss_OID_desc){10, "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"}));
    ck_assert(!init.has_mech_token);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *heap = malloc(cut ? cut : 1);
        memcpy(heap, buf, cut);
        ck_assert(!spnego_parse_init(heap, cut, &init));
        free(heap);
    }
    for (size_t at = 0; at < len; at++) {
        unsigned char copy[4096];
        memcpy(copy, buf, len);
        copy[at] ^= 0x80;
        (void)spnego_parse_init(copy, len, &init);
    }
}
END_TEST

/* ---- audit ------------------------------------------------------------------------- */
START_TEST(audit_escapes)
{
    char buf[256];
    size_t used = 0;
    buf[0] = '\0';
    audit_quote(buf, sizeof(buf), &used, "a\"b\\c\nd result=success\x01\xff j\xc3\xbcrgen");
    ck_assert_str_eq(buf, "\"a\\\"b\\\\c\\x0ad result=success\\x01\\xff j\xc3\xbcrgen\"");
    /* Never past the buffer. */
    char small[8];
    used = 0;
    small[0] = '\0';
    audit_quote(small, sizeof(small), &used, "0123456789");
    ck_assert_uint_lt(strlen(small), sizeof(small));
}
END_TEST

START_TEST(audit_line)
{
    struct audit_record rec = {.result = "success",
                               .client = "GSSSSPI\\alice",
                               .service = NULL,
                               .package = GSS_SSPI_NEG_PACKAGE_NTLM,
                               .form = GSS_SSPI_NEG_FORM_SPNEGO,
                               .ntlm_version = GSS_SSPI_NEG_NTLM_V2,
                               .cb_state = GSS_SSPI_NEG_CB_MATCHED,
                               .flags = GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | 0x800,
                               .ntlm_policy = "audit",
                               .ntlm_v1_policy = "deny"};
    char line[LINE_MAX_LEN];
    ck_assert_uint_eq(audit_format(&rec, 0, line), strlen(line));
    ck_assert_ptr_nonnull(strstr(line, "gss-sspi-negotiate: time=1970-01-01T00:00:00Z pid="));
    ck_assert_ptr_nonnull(strstr(line, " result=success package=NTLM form=SPNEGO "
                                       "client=\"GSSSSPI\\\\alice\" service=\"-\" ntlm=v2 "
                                       "cb=matched flags=conf,integ,chbound ntlm_policy=audit "
                                       "ntlm_v1_policy=deny"));
    ck_assert_ptr_null(strchr(line, '\n'));
}
END_TEST

/* The application's requirements (ACCEPTOR_REQUIREMENTS): what is taken,
 * what is refused, the stricter side, clearing, and their audit fields. */
START_TEST(caller_requirements)
{
    OM_uint32 minor;
    unsigned char v[8] = {GSS_SSPI_NEG_CB_POLICY_REQUIRE, 0, 0, 0, GSS_C_CONF_FLAG, 0, 0, 0};
    gss_buffer_desc value = {sizeof(v), v}, empty = GSS_C_EMPTY_BUFFER, shorter = {7, v};
    struct policy *allow = policy_parse("", 0, "t"), *require =
        policy_parse("channel_bindings = require\n", 27, "t");
    ck_assert(allow->valid && require->valid);
    ck_assert_int_eq(caller_cb_mode(allow), CB_ALLOW);

    ck_assert_int_eq(caller_requirements_set(&minor, &value), GSS_S_COMPLETE);
    ck_assert_int_eq(caller_cb_mode(allow), CB_REQUIRE);
    struct audit_record rec = {.result = "failure", .form = GSS_SSPI_NEG_FORM_RAW};
    caller_requirements_audit(allow, &rec);
    ck_assert_str_eq(rec.cb_policy, "require(caller)");
    ck_assert_uint_eq(rec.required_flags, GSS_C_CONF_FLAG);
    char line[LINE_MAX_LEN];
    audit_format(&rec, 0, line);
    ck_assert_ptr_nonnull(strstr(line, " cb_policy=require(caller) required_flags=conf"));
    caller_requirements_audit(require, &rec);
    ck_assert_str_eq(rec.cb_policy, "require(module,caller)");

    /* Malformed values are refused and change nothing. */
    ck_assert_int_eq(caller_requirements_set(&minor, &shorter), GSS_S_FAILURE);
    ck_assert_int_eq(minor, EINVAL);
    v[0] = GSS_SSPI_NEG_CB_POLICY_ALLOW; /* only REQUIRE or NONE */
    ck_assert_int_eq(caller_requirements_set(&minor, &value), GSS_S_FAILURE);
    ck_assert_int_eq(caller_cb_mode(allow), CB_REQUIRE);

    /* NONE: no binding requirement, the policy file's mode stands. */
    v[0] = GSS_SSPI_NEG_CB_POLICY_NONE;
    ck_assert_int_eq(caller_requirements_set(&minor, &value), GSS_S_COMPLETE);
    ck_assert_int_eq(caller_cb_mode(allow), CB_ALLOW);

    ck_assert_int_eq(caller_requirements_set(&minor, &empty), GSS_S_COMPLETE);
    struct audit_record none = {.result = "success"};
    caller_requirements_audit(allow, &none);
    ck_assert_ptr_null(none.cb_policy);
    ck_assert_uint_eq(none.required_flags, 0);
    policy_free(allow);
    policy_free(require);
}
END_TEST

/* The severity an administrator filters on: "audit" lets NTLM, or NTLMv1,
 * through as a warning (what "deny" would have refused). */
START_TEST(audit_severity)
{
    static const struct {
        const char *result, *ntlm_policy, *v1_policy;
        int version, priority;
    } cases[] = {
        {"success", NULL, NULL, GSS_SSPI_NEG_NTLM_NONE, LOG_INFO},
        {"success", "allow", "deny", GSS_SSPI_NEG_NTLM_V2, LOG_INFO},
        {"success", "audit", "deny", GSS_SSPI_NEG_NTLM_V2, LOG_WARNING},
        {"success", "allow", "audit", GSS_SSPI_NEG_NTLM_V2, LOG_INFO},
        {"success", "allow", "audit", GSS_SSPI_NEG_NTLM_V1, LOG_WARNING},
        {"success", "allow", "allow", GSS_SSPI_NEG_NTLM_V1, LOG_INFO},
        {"denied", "allow", "deny", GSS_SSPI_NEG_NTLM_V1, LOG_WARNING},
        {"failure", NULL, NULL, GSS_SSPI_NEG_NTLM_NONE, LOG_NOTICE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct audit_record rec = {.result = cases[i].result,
                                   .ntlm_policy = cases[i].ntlm_policy,
                                   .ntlm_v1_policy = cases[i].v1_policy,
                                   .ntlm_version = cases[i].version};
        ck_assert_msg(audit_priority(&rec) == cases[i].priority, "case %zu", i);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mech_units");
    TCase *tc = tcase_create("units");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, policy_defaults);
    tcase_add_test(tc, policy_every_setting);
    tcase_add_loop_test(tc, policy_refused_names_line, 0,
                        sizeof(bad_policies) / sizeof(bad_policies[0]));
    tcase_add_test(tc, policy_hostile_bytes);
    tcase_add_test(tc, policy_kept_by_impersonating_thread);
    tcase_add_test(tc, ntlm_versions);
    tcase_add_test(tc, ntlm_hostile);
    tcase_add_test(tc, ntlm_spec_vectors);
    tcase_add_test(tc, spnego_windows_negtokeninit2);
    tcase_add_test(tc, audit_escapes);
    tcase_add_test(tc, audit_line);
    tcase_add_test(tc, audit_severity);
    tcase_add_test(tc, caller_requirements);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
