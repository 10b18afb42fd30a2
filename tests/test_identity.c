/*
 * test_identity.c - who the client is (DESIGN section 7):
 * QuerySecurityContextToken and GssSspiQueryTokenInformation,
 * ImpersonateSecurityContext / RevertSecurityContext, and the PAC parser.
 *
 *   kerberos  our client against our Negotiate server, with a krb5.conf of
 *             the test's own on top of the realm's: alice maps to the local
 *             account "nobody", bob to "daemon", jürgen to nothing.  The
 *             system's users are never touched.
 *   ntlm      gss-ntlmssp's mapping (passwd "DOMAIN\user", else "user"); an
 *             NTLM user file of the test's own adds a user "nobody".
 *   windows   the six captured Windows tokens: SIDs from a real PAC.
 *   pac       the parser on logon infos made to order, cut and altered.
 *   handles   closed, stale, foreign and wrong-kind handles.
 * Impersonation needs root (as here and in CI); without it the tests check
 * that it is refused instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h" /* the PAC parser, compiled into this test */
#include "pac_builder.h"
#include "testdata.h"
#include "testlib.h"
#include "windows_keytab.h"
#include "windows_logon_info.h"

#define NOBODY "nobody"
#define DAEMON "daemon"
#define NTLM_NOBODY_PASSWORD "Nobody-Pass4"
#define JURGEN "jürgen"
#define JURGEN_PASSWORD "Jürgen-Pass3"

/* The captured tokens' PAC (asserted as it really is). */
#define WINDOWS_DOMAIN_SID "S-1-5-21-4028881986-3284141023-698984075"
#define WINDOWS_USER_RID 1106u
#define WINDOWS_GROUP_SIDS 18u

static char conf_dir[4096], conf_path[4200], realm_conf_path[4200];
static char ntlm_users_path[4096], windows_dir[4096], trace_path[4096];
static char data_dir[4096];

/* ---- fixtures ------------------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* Once, in the parent: our krb5.conf layer, NTLM users, Windows keytab.
 * The krb5.conf files go to a directory everyone may read (the realm's is
 * root's alone): an impersonating or unprivileged thread reads them too. */
static void files_setup(void)
{
    const char *dir = realm_env("GSS_SSPI_TEST_DIR");
    char text[2048];
    size_t len;
    snprintf(conf_dir, sizeof(conf_dir), "/tmp/gss-sspi-identity-conf.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(conf_dir));
    ck_assert_int_eq(chmod(conf_dir, 0755), 0);
    snprintf(realm_conf_path, sizeof(realm_conf_path), "%s/realm-krb5.conf", conf_dir);
    char *realm_conf = (char *)windows_read("/", realm_env("KRB5_CONFIG"), &len);
    ck_assert_ptr_nonnull(realm_conf);
    write_file(realm_conf_path, realm_conf);
    free(realm_conf);
    snprintf(conf_path, sizeof(conf_path), "%s/identity-krb5.conf", conf_dir);
    snprintf(text, sizeof(text),
             "[realms]\n"
             "    %s = {\n"
             "        auth_to_local_names = {\n"
             "            %s = " NOBODY "\n"
             "            %s = " DAEMON "\n"
             "        }\n"
             /* With a rule of its own, the realm drops the default one:
              * whoever is not named above maps to nothing. */
             "        auth_to_local = RULE:[1:$1](gss-sspi-never)s/.*/" NOBODY "/\n"
             "    }\n",
             realm_env("GSS_SSPI_TEST_REALM"), realm_env("GSS_SSPI_TEST_USER"),
             realm_env("GSS_SSPI_TEST_USER2"));
    write_file(conf_path, text);

    char *users = (char *)windows_read("/", realm_env("NTLM_USER_FILE"), &len);
    ck_assert_msg(users != NULL, "cannot read %s", realm_env("NTLM_USER_FILE"));
    snprintf(ntlm_users_path, sizeof(ntlm_users_path), "%s/identity-ntlm-users", dir);
    snprintf(text, sizeof(text), "%s%s:" NOBODY ":" NTLM_NOBODY_PASSWORD "\n", users,
             realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"));
    write_file(ntlm_users_path, text);
    free(users);
    snprintf(trace_path, sizeof(trace_path), "%s/identity-trace.log", dir);

    test_data_path("windows-kerberos", data_dir, sizeof(data_dir));
    snprintf(windows_dir, sizeof(windows_dir), "%s/identity-windows", dir);
    ck_assert_int_eq(mkdir(windows_dir, 0700), 0);
    const char *why = windows_kerberos_write(data_dir, windows_dir);
    ck_assert_msg(why == NULL, "%s: %s", data_dir, why);
}

static void files_teardown(void)
{
    unlink(conf_path);
    unlink(realm_conf_path);
    rmdir(conf_dir);
    unlink(ntlm_users_path);
    unlink(trace_path);
    windows_kerberos_remove(windows_dir);
}

/* In each test's process: our mapping over the realm's krb5.conf (MIT
 * reads a list of files, the first that has a value wins), our NTLM users,
 * and a trace file. */
static void realm_env_setup(void)
{
    char list[8500];
    snprintf(list, sizeof(list), "%s:%s", conf_path, realm_conf_path);
    ck_assert_int_eq(setenv("KRB5_CONFIG", list, 1), 0);
    ck_assert_int_eq(setenv("NTLM_USER_FILE", ntlm_users_path, 1), 0);
    unlink(trace_path);
    ck_assert_int_eq(setenv("SSPI_TRACE", trace_path, 1), 0);
}

static void windows_env_setup(void)
{
    ck_assert_int_eq(windows_kerberos_env(windows_dir), 0);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* The trace file, opened now: a test that gives up root still reads it
 * (the realm directory is root's alone). */
static FILE *trace_open(void)
{
    FILE *f = fopen(trace_path, "a+");
    ck_assert_msg(f != NULL, "%s: %s", trace_path, strerror(errno));
    return f;
}

/* Whether the trace has a line with text; closes f. */
static bool trace_has(FILE *f, const char *text)
{
    char line[4096];
    bool found = false;
    rewind(f);
    while (!found && fgets(line, sizeof(line), f) != NULL)
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

/* user's client credential cc through a Negotiate acceptor sc: an
 * established server context. */
static void negotiate_context(const char *user, struct handshake *hs, CredHandle *cc,
                              CredHandle *sc)
{
    acquire_inbound("Negotiate", sc);
    hs->target = realm_env("GSS_SSPI_TEST_SPN");
    hs->isc_req = ISC_ALL;
    hs->asc_req = ASC_ALL;
    handshake_run(cc, sc, hs);
    ck_assert_msg(hs->server_status == SEC_E_OK, "%s: server 0x%08x", user,
                  (unsigned)hs->server_status);
}

/* An established server context for user (password NULL: alice's cache). */
static void kerberos_context(const char *user, const char *password, struct handshake *hs,
                             CredHandle *cc, CredHandle *sc)
{
    if (password == NULL)
        acquire_outbound_default("Kerberos", cc);
    else
        ck_assert_int_eq(acquire_outbound_password("Kerberos", user,
                                                   realm_env("GSS_SSPI_TEST_REALM"), password, NULL,
                                                   cc),
                         SEC_E_OK);
    negotiate_context(user, hs, cc, sc);
}

static void ntlm_context(const char *user, const char *password, struct handshake *hs,
                         CredHandle *cc, CredHandle *sc)
{
    ck_assert_int_eq(acquire_outbound_password("NTLM", user, realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                               password, NULL, cc),
                     SEC_E_OK);
    negotiate_context(user, hs, cc, sc);
}

static void context_done(struct handshake *hs, CredHandle *cc, CredHandle *sc)
{
    handshake_cleanup(hs);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
}

static HANDLE token_of(CtxtHandle *ctx)
{
    HANDLE token = NULL;
    SECURITY_STATUS s = QuerySecurityContextToken(ctx, &token);
    ck_assert_msg(s == SEC_E_OK, "QuerySecurityContextToken: 0x%08x", (unsigned)s);
    return token;
}

/* A string class of the token; NULL when the query says status. */
static char *token_string(HANDLE token, ULONG info_class, SECURITY_STATUS expect)
{
    SEC_CHAR *s = NULL;
    SECURITY_STATUS got = GssSspiQueryTokenInformation(token, info_class, &s);
    ck_assert_msg(got == expect, "class %u: 0x%08x, expected 0x%08x", (unsigned)info_class,
                  (unsigned)got, (unsigned)expect);
    if (got != SEC_E_OK)
        return NULL;
    char *copy = strdup(s);
    FreeContextBuffer(s);
    return copy;
}

static int compare_gid(const void *a, const void *b)
{
    gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
    return (x > y) - (x < y);
}

/* What the system says about a local account: passwd, every group sorted. */
struct account {
    uid_t uid;
    gid_t gid;
    gid_t groups[256];
    int n_groups;
};

static void system_account(const char *name, struct account *a)
{
    struct passwd *pw = getpwnam(name);
    ck_assert_msg(pw != NULL, "no local account %s on this system", name);
    a->uid = pw->pw_uid;
    a->gid = pw->pw_gid;
    a->n_groups = 256;
    ck_assert_int_ge(getgrouplist(name, pw->pw_gid, a->groups, &a->n_groups), 0);
    qsort(a->groups, (size_t)a->n_groups, sizeof(gid_t), compare_gid);
}

/* The calling thread's ids, as the kernel has them. */
struct thread_ids {
    uid_t ruid, euid, suid, fsuid;
    gid_t rgid, egid, sgid, fsgid;
    gid_t groups[256];
    int n_groups;
};

static void thread_ids(struct thread_ids *t)
{
    memset(t, 0, sizeof(*t));
    getresuid(&t->ruid, &t->euid, &t->suid);
    getresgid(&t->rgid, &t->egid, &t->sgid);
    t->fsuid = (uid_t)syscall(SYS_setfsuid, (uid_t)-1);
    t->fsgid = (gid_t)syscall(SYS_setfsgid, (gid_t)-1);
    t->n_groups = getgroups(256, t->groups);
    if (t->n_groups > 0)
        qsort(t->groups, (size_t)t->n_groups, sizeof(gid_t), compare_gid);
}

static bool same_groups(const gid_t *a, int na, const gid_t *b, int nb)
{
    return na == nb && memcmp(a, b, (size_t)na * sizeof(gid_t)) == 0;
}

/* The thread is fully the account: effective and fs ids, groups; real and
 * saved ids still those of `self`. */
static void assert_is(const struct thread_ids *t, const struct account *a,
                      const struct thread_ids *self, const char *when)
{
    ck_assert_msg(t->euid == a->uid && t->fsuid == a->uid, "%s: euid %u fsuid %u, want %u", when,
                  t->euid, t->fsuid, a->uid);
    ck_assert_msg(t->egid == a->gid && t->fsgid == a->gid, "%s: egid %u fsgid %u, want %u", when,
                  t->egid, t->fsgid, a->gid);
    ck_assert_msg(same_groups(t->groups, t->n_groups, a->groups, a->n_groups),
                  "%s: %d supplementary groups, not the account's %d", when, t->n_groups,
                  a->n_groups);
    ck_assert_msg(t->ruid == self->ruid && t->suid == self->suid, "%s: real/saved uid %u/%u", when,
                  t->ruid, t->suid);
}

static void assert_same(const struct thread_ids *t, const struct thread_ids *self, const char *when)
{
    ck_assert_msg(t->ruid == self->ruid && t->euid == self->euid && t->suid == self->suid &&
                      t->fsuid == self->fsuid,
                  "%s: uids %u/%u/%u/%u, were %u/%u/%u/%u", when, t->ruid, t->euid, t->suid,
                  t->fsuid, self->ruid, self->euid, self->suid, self->fsuid);
    ck_assert_msg(t->rgid == self->rgid && t->egid == self->egid && t->sgid == self->sgid &&
                      t->fsgid == self->fsgid,
                  "%s: gids %u/%u/%u/%u, were %u/%u/%u/%u", when, t->rgid, t->egid, t->sgid,
                  t->fsgid, self->rgid, self->egid, self->sgid, self->fsgid);
    ck_assert_msg(same_groups(t->groups, t->n_groups, self->groups, self->n_groups),
                  "%s: supplementary groups changed", when);
}

/* Drops the whole (forked test) process to account a, for good. */
static void become(const struct account *a)
{
    ck_assert_int_eq(setgroups((size_t)a->n_groups, a->groups), 0);
    ck_assert_int_eq(setresgid(a->gid, a->gid, a->gid), 0);
    ck_assert_int_eq(setresuid(a->uid, a->uid, a->uid), 0);
}

/* The owner of a file this thread creates in dir. */
static void create_owned(const char *dir, const char *name, uid_t *uid, gid_t *gid)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    *uid = (uid_t)-2;
    *gid = (gid_t)-2;
    if (fd >= 0 && fstat(fd, &st) == 0) {
        *uid = st.st_uid;
        *gid = st.st_gid;
    }
    if (fd >= 0)
        close(fd);
}

/* ---- kerberos: token contents ------------------------------------------------------- */

START_TEST(kerberos_token_maps_to_nobody)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    struct account nobody;
    system_account(NOBODY, &nobody);
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &hs, &cc, &sc);
    HANDLE token = token_of(&hs.server);

    char *expect = krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
    char *s = token_string(token, GSS_SSPI_TOKEN_INFO_USER_NAME, SEC_E_OK);
    ck_assert_str_eq(s, expect);
    free(s);
    free(expect);
    s = token_string(token, GSS_SSPI_TOKEN_INFO_LOCAL_NAME, SEC_E_OK);
    ck_assert_str_eq(s, NOBODY);
    free(s);

    GSS_SSPI_TOKEN_ACCOUNT account;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_ACCOUNT, &account),
                     SEC_E_OK);
    ck_assert_str_eq(account.AccountName, NOBODY);
    ck_assert_uint_eq(account.Uid, nobody.uid);
    ck_assert_uint_eq(account.Gid, nobody.gid);
    FreeContextBuffer(account.AccountName);

    GSS_SSPI_TOKEN_GROUPS groups;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_GROUPS, &groups),
                     SEC_E_OK);
    ck_assert_int_eq((int)groups.Count, nobody.n_groups);
    gid_t sorted[256];
    for (ULONG i = 0; i < groups.Count && i < 256; i++)
        sorted[i] = groups.Gids[i];
    qsort(sorted, groups.Count, sizeof(gid_t), compare_gid);
    ck_assert(same_groups(sorted, (int)groups.Count, nobody.groups, nobody.n_groups));
    FreeContextBuffer(groups.Gids);

    /* MIT's KDC puts a PAC in tickets, but no logon info: no SIDs. */
    token_string(token, GSS_SSPI_TOKEN_INFO_USER_SID, SEC_E_UNSUPPORTED_FUNCTION);
    token_string(token, GSS_SSPI_TOKEN_INFO_PRIMARY_GROUP_SID, SEC_E_UNSUPPORTED_FUNCTION);
    GSS_SSPI_TOKEN_SIDS sids;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_GROUP_SIDS, &sids),
                     SEC_E_UNSUPPORTED_FUNCTION);

    /* The token is a snapshot: it outlives its context. */
    context_done(&hs, &cc, &sc);
    s = token_string(token, GSS_SSPI_TOKEN_INFO_LOCAL_NAME, SEC_E_OK);
    ck_assert_str_eq(s, NOBODY);
    free(s);
    ck_assert_int_eq(GssSspiCloseToken(token), SEC_E_OK);
}
END_TEST

/* jürgen maps to nothing: the token exists, without an account. */
START_TEST(kerberos_token_without_mapping)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    kerberos_context(JURGEN, JURGEN_PASSWORD, &hs, &cc, &sc);
    HANDLE token = token_of(&hs.server);
    char *s = token_string(token, GSS_SSPI_TOKEN_INFO_USER_NAME, SEC_E_OK);
    char *expect = krb5_user_name(JURGEN);
    ck_assert_str_eq(s, expect);
    free(s);
    free(expect);
    token_string(token, GSS_SSPI_TOKEN_INFO_LOCAL_NAME, SEC_E_NO_IMPERSONATION);
    GSS_SSPI_TOKEN_ACCOUNT account;
    GSS_SSPI_TOKEN_GROUPS groups;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_ACCOUNT, &account),
                     SEC_E_NO_IMPERSONATION);
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_GROUPS, &groups),
                     SEC_E_NO_IMPERSONATION);
    ck_assert_int_eq(GssSspiCloseToken(token), SEC_E_OK);

    /* And no impersonation, with a line that says why; nothing changed. */
    struct thread_ids before, after;
    FILE *log = trace_open();
    thread_ids(&before);
    ck_assert_int_eq(ImpersonateSecurityContext(&hs.server), SEC_E_NO_IMPERSONATION);
    thread_ids(&after);
    assert_same(&after, &before, "after a refused impersonation");
    ck_assert_msg(trace_has(log, "maps to no local name"), "no trace line in %s", trace_path);
    ck_assert_int_eq(RevertSecurityContext(&hs.server), SEC_E_OK);
    context_done(&hs, &cc, &sc);
}
END_TEST

/* ---- kerberos: impersonation in a thread ---------------------------------------------- */

struct impersonation_run {
    CtxtHandle ctx;
    const char *dir;
    pthread_barrier_t barrier;
    /* what the thread saw */
    struct thread_ids self, during, nested, after;
    SECURITY_STATUS impersonate, again, revert, revert_again;
    uid_t file_uid, self_file_uid;
    gid_t file_gid, self_file_gid;
};

static void *impersonating_thread(void *arg)
{
    struct impersonation_run *r = arg;
    thread_ids(&r->self);
    r->impersonate = ImpersonateSecurityContext(&r->ctx);
    thread_ids(&r->during);
    pthread_barrier_wait(&r->barrier); /* the main thread looks at itself now */
    pthread_barrier_wait(&r->barrier);
    create_owned(r->dir, "as-client", &r->file_uid, &r->file_gid);
    r->again = ImpersonateSecurityContext(&r->ctx);
    thread_ids(&r->nested);
    r->revert = RevertSecurityContext(&r->ctx);
    thread_ids(&r->after);
    create_owned(r->dir, "as-self", &r->self_file_uid, &r->self_file_gid);
    r->revert_again = RevertSecurityContext(&r->ctx);
    return NULL;
}

START_TEST(kerberos_impersonate_thread)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    struct account nobody;
    struct thread_ids main_before, main_during;
    system_account(NOBODY, &nobody);
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &hs, &cc, &sc);
    if (geteuid() != 0) {
        /* Not root: the switch is refused, the thread untouched. */
        ck_assert_int_eq(ImpersonateSecurityContext(&hs.server), SEC_E_NO_IMPERSONATION);
        context_done(&hs, &cc, &sc);
        return;
    }
    char dir[] = "/tmp/gss-sspi-identity.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chmod(dir, 0777), 0); /* nobody creates a file there */

    struct impersonation_run r = {.ctx = hs.server, .dir = dir};
    pthread_t thread;
    thread_ids(&main_before);
    ck_assert_int_eq(pthread_barrier_init(&r.barrier, NULL, 2), 0);
    ck_assert_int_eq(pthread_create(&thread, NULL, impersonating_thread, &r), 0);
    pthread_barrier_wait(&r.barrier);
    thread_ids(&main_during); /* while the other thread impersonates */
    pthread_barrier_wait(&r.barrier);
    pthread_join(thread, NULL);
    pthread_barrier_destroy(&r.barrier);

    char path[4200];
    snprintf(path, sizeof(path), "%s/as-client", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/as-self", dir);
    unlink(path);
    rmdir(dir);

    ck_assert_int_eq(r.impersonate, SEC_E_OK);
    assert_is(&r.during, &nobody, &r.self, "impersonating");
    printf("impersonating: uids %u/%u/%u fs %u, gids %u/%u/%u fs %u, %d groups\n", r.during.ruid,
           r.during.euid, r.during.suid, r.during.fsuid, r.during.rgid, r.during.egid,
           r.during.sgid, r.during.fsgid, r.during.n_groups);
    assert_same(&main_during, &main_before, "the main thread, meanwhile");
    ck_assert_uint_eq(main_during.euid, 0);
    ck_assert_msg(r.file_uid == nobody.uid && r.file_gid == nobody.gid,
                  "file made impersonating is owned by %u:%u", r.file_uid, r.file_gid);
    ck_assert_int_eq(r.again, SEC_E_OK);
    assert_is(&r.nested, &nobody, &r.self, "impersonating twice");
    ck_assert_int_eq(r.revert, SEC_E_OK);
    assert_same(&r.after, &r.self, "reverted");
    ck_assert_msg(r.self_file_uid == r.self.euid, "file made after revert owned by %u",
                  r.self_file_uid);
    ck_assert_int_eq(r.revert_again, SEC_E_OK); /* not impersonating: nothing to do */
    context_done(&hs, &cc, &sc);
}
END_TEST

/* alice (nobody), then bob (daemon) on top, then a failed third: Revert
 * returns to the thread's own identity, never to an intermediate one. */
START_TEST(kerberos_impersonate_nested)
{
    struct handshake alice = {0}, bob = {0}, jurgen = {0};
    CredHandle acc, asc, bcc, bsc, jcc, jsc;
    struct account nobody, daemon;
    struct thread_ids self, now;
    system_account(NOBODY, &nobody);
    system_account(DAEMON, &daemon);
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &alice, &acc, &asc);
    kerberos_context(realm_env("GSS_SSPI_TEST_USER2"), realm_env("GSS_SSPI_TEST_PASSWORD2"), &bob,
                     &bcc, &bsc);
    kerberos_context(JURGEN, JURGEN_PASSWORD, &jurgen, &jcc, &jsc);
    thread_ids(&self);

    ck_assert_int_eq(ImpersonateSecurityContext(&alice.server), SEC_E_OK);
    thread_ids(&now);
    assert_is(&now, &nobody, &self, "as alice");
    ck_assert_int_eq(ImpersonateSecurityContext(&bob.server), SEC_E_OK);
    thread_ids(&now);
    assert_is(&now, &daemon, &self, "as bob on top of alice");
    /* jürgen has no account: refused, and the thread stays bob entirely. */
    ck_assert_int_eq(ImpersonateSecurityContext(&jurgen.server), SEC_E_NO_IMPERSONATION);
    thread_ids(&now);
    assert_is(&now, &daemon, &self, "after a refused third impersonation");
    /* A handle that is not a context: refused, still bob. */
    CtxtHandle bogus = {0, 0};
    ck_assert_int_eq(RevertSecurityContext(&bogus), SEC_E_INVALID_HANDLE);
    thread_ids(&now);
    assert_is(&now, &daemon, &self, "after a refused revert");
    /* Revert through alice's handle: any acceptor context will do. */
    ck_assert_int_eq(RevertSecurityContext(&alice.server), SEC_E_OK);
    thread_ids(&now);
    assert_same(&now, &self, "reverted");
    context_done(&alice, &acc, &asc);
    context_done(&bob, &bcc, &bsc);
    context_done(&jurgen, &jcc, &jsc);
}
END_TEST

/* Revert takes the impersonated context's handle after DeleteSecurityContext:
 * a thread can always come back. */
START_TEST(kerberos_revert_after_delete)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    struct account nobody;
    struct thread_ids self, now;
    system_account(NOBODY, &nobody);
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &hs, &cc, &sc);
    CtxtHandle ctx = hs.server;
    thread_ids(&self);
    ck_assert_int_eq(ImpersonateSecurityContext(&ctx), SEC_E_OK);
    ck_assert_int_eq(DeleteSecurityContext(&ctx), SEC_E_OK);
    hs.have_server = false;
    thread_ids(&now);
    assert_is(&now, &nobody, &self, "context deleted");
    ck_assert_int_eq(ImpersonateSecurityContext(&ctx), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(RevertSecurityContext(&ctx), SEC_E_OK);
    thread_ids(&now);
    assert_same(&now, &self, "reverted");
    /* Now it is just a stale handle. */
    ck_assert_int_eq(RevertSecurityContext(&ctx), SEC_E_INVALID_HANDLE);
    context_done(&hs, &cc, &sc);
}
END_TEST

/* A process that may not switch: root drops itself (every thread) to
 * daemon for good; impersonating nobody is then refused, nothing changes. */
START_TEST(impersonate_without_privilege)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    struct account daemon;
    struct thread_ids before, after;
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &hs, &cc, &sc);
    FILE *log = trace_open();
    if (geteuid() == 0) {
        system_account(DAEMON, &daemon);
        become(&daemon);
    }
    thread_ids(&before);
    ck_assert_int_eq(ImpersonateSecurityContext(&hs.server), SEC_E_NO_IMPERSONATION);
    thread_ids(&after);
    assert_same(&after, &before, "after a refused impersonation");
    ck_assert_msg(trace_has(log, "cannot switch the thread"), "no trace line in %s", trace_path);
    ck_assert_int_eq(RevertSecurityContext(&hs.server), SEC_E_OK);
    context_done(&hs, &cc, &sc);
}
END_TEST

/* Impersonating one's own account needs no privilege. */
START_TEST(impersonate_own_account)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    struct account nobody;
    struct thread_ids before, now;
    system_account(NOBODY, &nobody);
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &hs, &cc, &sc);
    if (geteuid() == 0) {
        become(&nobody);
    }
    thread_ids(&before);
    ck_assert_int_eq(ImpersonateSecurityContext(&hs.server), SEC_E_OK);
    thread_ids(&now);
    assert_same(&now, &before, "impersonating oneself");
    ck_assert_int_eq(RevertSecurityContext(&hs.server), SEC_E_OK);
    thread_ids(&now);
    assert_same(&now, &before, "reverted");
    context_done(&hs, &cc, &sc);
}
END_TEST

/* ---- ntlm --------------------------------------------------------------------------------- */

/* gss-ntlmssp maps "DOMAIN\user" to the passwd entry of that name, else
 * of "user": alice has neither here (unless the system has an alice). */
START_TEST(ntlm_token_alice)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    const char *user = realm_env("GSS_SSPI_TEST_USER");
    ntlm_context(user, realm_env("GSS_SSPI_TEST_PASSWORD"), &hs, &cc, &sc);
    HANDLE token = token_of(&hs.server);
    char *expect = ntlm_user_name(user);
    char *s = token_string(token, GSS_SSPI_TOKEN_INFO_USER_NAME, SEC_E_OK);
    ck_assert_str_eq(s, expect);
    free(s);
    struct passwd *pw = getpwnam(expect);
    if (pw == NULL)
        pw = getpwnam(user);
    free(expect);
    s = token_string(token, GSS_SSPI_TOKEN_INFO_LOCAL_NAME, pw ? SEC_E_OK : SEC_E_NO_IMPERSONATION);
    if (pw != NULL)
        ck_assert_str_eq(s, pw->pw_name);
    free(s);
    token_string(token, GSS_SSPI_TOKEN_INFO_USER_SID, SEC_E_UNSUPPORTED_FUNCTION);
    GSS_SSPI_TOKEN_SIDS sids;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_GROUP_SIDS, &sids),
                     SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_int_eq(GssSspiCloseToken(token), SEC_E_OK);
    context_done(&hs, &cc, &sc);
}
END_TEST

/* An NTLM user called nobody maps to the account nobody; impersonation
 * works through NTLM as through Kerberos. */
START_TEST(ntlm_token_nobody)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    struct account nobody;
    struct thread_ids self, now;
    system_account(NOBODY, &nobody);
    ntlm_context(NOBODY, NTLM_NOBODY_PASSWORD, &hs, &cc, &sc);
    HANDLE token = token_of(&hs.server);
    char *s = token_string(token, GSS_SSPI_TOKEN_INFO_LOCAL_NAME, SEC_E_OK);
    ck_assert_str_eq(s, NOBODY);
    free(s);
    GSS_SSPI_TOKEN_ACCOUNT account;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_ACCOUNT, &account),
                     SEC_E_OK);
    ck_assert_uint_eq(account.Uid, nobody.uid);
    FreeContextBuffer(account.AccountName);
    token_string(token, GSS_SSPI_TOKEN_INFO_USER_SID, SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_int_eq(GssSspiCloseToken(token), SEC_E_OK);
    if (geteuid() == 0) {
        thread_ids(&self);
        ck_assert_int_eq(ImpersonateSecurityContext(&hs.server), SEC_E_OK);
        thread_ids(&now);
        assert_is(&now, &nobody, &self, "as the NTLM user nobody");
        ck_assert_int_eq(RevertSecurityContext(&hs.server), SEC_E_OK);
        thread_ids(&now);
        assert_same(&now, &self, "reverted");
    } else {
        test_skip_step("ntlm_token_nobody: impersonating nobody", "switching ids needs root");
    }
    context_done(&hs, &cc, &sc);
}
END_TEST

/* ---- windows: a real PAC ------------------------------------------------------------------ */

/* The raw logon info of a captured token, through GSS directly. */
static void *raw_logon_info(const char *file, size_t *len)
{
    char why[512];
    void *info = windows_logon_info(data_dir, file, len, why, sizeof(why));
    ck_assert_msg(info != NULL, "%s", why);
    return info;
}

START_TEST(windows_token_sids)
{
    const char *file = windows_token_files[_i];
    CredHandle cred;
    CtxtHandle ctx;
    bool have_ctx;
    size_t len;
    unsigned char *bytes = windows_read(data_dir, file, &len);
    ck_assert_ptr_nonnull(bytes);
    acquire_inbound("Negotiate", &cred);
    SECURITY_STATUS s =
        accept_one(&cred, bytes, (ULONG)len, ASC_REQ_MUTUAL_AUTH, &ctx, &have_ctx, NULL, NULL);
    ck_assert_msg(s == SEC_E_OK, "%s: AcceptSecurityContext 0x%08x", file, (unsigned)s);
    HANDLE token = token_of(&ctx);

    char *name = token_string(token, GSS_SSPI_TOKEN_INFO_USER_NAME, SEC_E_OK);
    ck_assert_str_eq(name, WINDOWS_CLIENT);
    free(name);
    /* DOMAIN.COM is the default realm here: user.test by the default rule. */
    char *local = token_string(token, GSS_SSPI_TOKEN_INFO_LOCAL_NAME, SEC_E_OK);
    ck_assert_str_eq(local, "user.test");
    free(local);
    if (getpwnam("user.test") == NULL) {
        GSS_SSPI_TOKEN_ACCOUNT account;
        ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_ACCOUNT, &account),
                         SEC_E_NO_IMPERSONATION);
        ck_assert_int_eq(ImpersonateSecurityContext(&ctx), SEC_E_NO_IMPERSONATION);
    }

    char *user = token_string(token, GSS_SSPI_TOKEN_INFO_USER_SID, SEC_E_OK);
    char *primary = token_string(token, GSS_SSPI_TOKEN_INFO_PRIMARY_GROUP_SID, SEC_E_OK);
    GSS_SSPI_TOKEN_SIDS groups;
    ck_assert_int_eq(GssSspiQueryTokenInformation(token, GSS_SSPI_TOKEN_INFO_GROUP_SIDS, &groups),
                     SEC_E_OK);
    printf("%s: user %s, primary group %s, %u groups:", file, user, primary,
           (unsigned)groups.Count);
    for (ULONG i = 0; i < groups.Count; i++)
        printf(" %s", groups.Sids[i] + strlen(WINDOWS_DOMAIN_SID));
    printf("\n");

    /* The user: the domain's SID and a RID above the built-in ones. */
    const size_t dom = strlen(WINDOWS_DOMAIN_SID);
    ck_assert_msg(strncmp(user, "S-1-5-21-", 9) == 0, "user SID %s", user);
    ck_assert_msg(strncmp(user, WINDOWS_DOMAIN_SID, dom) == 0 && user[dom] == '-', "user %s", user);
    unsigned long rid = strtoul(user + dom + 1, NULL, 10);
    ck_assert_uint_gt(rid, 1000);
    ck_assert_uint_eq(rid, WINDOWS_USER_RID);
    ck_assert_str_eq(primary, WINDOWS_DOMAIN_SID "-513"); /* Domain Users */
    /* Every group in the same domain (ExtraSids included, here). */
    ck_assert_uint_eq(groups.Count, WINDOWS_GROUP_SIDS);
    bool domain_users = false;
    for (ULONG i = 0; i < groups.Count; i++) {
        ck_assert_msg(strncmp(groups.Sids[i], WINDOWS_DOMAIN_SID "-", dom + 1) == 0, "group %s",
                      groups.Sids[i]);
        domain_users = domain_users || strcmp(groups.Sids[i], primary) == 0;
    }
    ck_assert(domain_users);
    FreeContextBuffer(groups.Sids);
    free(user);
    free(primary);
    ck_assert_int_eq(GssSspiCloseToken(token), SEC_E_OK);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    free(bytes);
}
END_TEST

/* The real logon info, cut at every length and altered at every byte:
 * the parser refuses or accepts, never reads outside (the fuzz target runs
 * the same under ASan). */
START_TEST(windows_pac_cut_and_altered)
{
    size_t len;
    struct pac_logon_info info;
    unsigned char *pac = raw_logon_info(windows_token_files[_i], &len);
    ck_assert_ptr_null(pac_parse_logon_info(pac, len, &info));
    ck_assert_uint_eq(info.n_groups, WINDOWS_GROUP_SIDS);
    pac_logon_info_free(&info);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, pac, cut);
        /* The NDR header's own length follows the cut, or the first check
         * would refuse every prefix at once. */
        if (cut >= 16)
            logon_put32(copy + 8, (uint32_t)(cut - 16));
        ck_assert_msg(pac_parse_logon_info(copy, cut, &info) != NULL, "accepted %zu of %zu bytes",
                      cut, len);
        free(copy);
    }
    for (size_t at = 0; at < len; at++)
        for (int value = 0; value < 256; value += 0x55) {
            unsigned char *copy = malloc(len);
            memcpy(copy, pac, len);
            copy[at] = (unsigned char)value;
            if (pac_parse_logon_info(copy, len, &info) == NULL)
                pac_logon_info_free(&info);
            free(copy);
        }
    free(pac);
}
END_TEST

/* ---- pac: logon infos made to order --------------------------------------------------------- */

static size_t build(const struct logon_spec *spec, unsigned char *buf, size_t cap)
{
    size_t len = logon_info_build(spec, buf, cap);
    ck_assert_uint_gt(len, 0);
    return len;
}

static void expect_sids(const struct pac_logon_info *info, const char *user, const char *primary,
                        const char *const *groups, size_t n)
{
    char buf[PAC_SID_STRING_MAX];
    ck_assert_str_eq(pac_sid_format(&info->user, buf), user);
    ck_assert_str_eq(pac_sid_format(&info->primary_group, buf), primary);
    ck_assert_uint_eq(info->n_groups, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(pac_sid_format(&info->groups[i], buf), groups[i]);
}

START_TEST(pac_every_kind_of_group)
{
    static const char *const groups[] = {
        "S-1-5-21-1-2-3-513",
        "S-1-5-21-1-2-3-512",
        "S-1-5-32", /* the null ExtraSids entry is skipped */
        "S-1-0x123456789ABC-7-8",
        "S-1-5-21-9-8-7-1100",
    };
    unsigned char buf[1024];
    struct pac_logon_info info;
    size_t len = build(&logon_spec_every_part, buf, sizeof(buf));
    const char *why = pac_parse_logon_info(buf, len, &info);
    ck_assert_msg(why == NULL, "%s", why);
    expect_sids(&info, "S-1-5-21-1-2-3-1500", "S-1-5-21-1-2-3-513", groups, 5);
    ck_assert_uint_eq(info.user_flags, 0x220);
    pac_logon_info_free(&info);

    /* Nothing but the user. */
    len = build(&logon_spec_user_only, buf, sizeof(buf));
    ck_assert_ptr_null(pac_parse_logon_info(buf, len, &info));
    expect_sids(&info, "S-1-5-32-544", "S-1-5-32-545", NULL, 0);
    ck_assert_ptr_null(info.groups);
    pac_logon_info_free(&info);
}
END_TEST

/* One alteration of a good logon info and the reason it must give. */
struct bad_case {
    const char *what;
    size_t at;      /* offset to overwrite (with LOGON_* or a small header offset) */
    uint32_t value; /* little-endian 32-bit, or one byte when byte is set */
    bool byte;
    const char *why; /* expected prefix of the reason */
};

static const struct bad_case bad_cases[] = {
    {"version 2", 0, 2, true, "NDR serialization version"},
    {"big-endian", 1, 0x00, true, "NDR data is not little-endian"},
    {"header length", 2, 16, true, "NDR common header length"},
    {"object longer than the buffer", 8, 0x7fffffff, false, "NDR object length"},
    {"null structure pointer", 16, 0, false, "null KERB_VALIDATION_INFO"},
    {"GroupCount huge", LOGON_GROUP_COUNT, 0xffffffff, false, "group counts exceed"},
    {"SidCount huge", LOGON_SID_COUNT, 0x10000000, false, "group counts exceed"},
    {"ResourceGroupCount huge", LOGON_RESOURCE_COUNT, 0x20000000, false, "group counts exceed"},
    {"GroupCount off by one", LOGON_GROUP_COUNT, 3, false, "group array: conformance"},
    {"SidCount off by one", LOGON_SID_COUNT, 2, false, "ExtraSids: conformance"},
    {"no LogonDomainId", LOGON_DOMAIN_ID_POINTER, 0, false, "no LogonDomainId"},
};

START_TEST(pac_refuses_bad)
{
    const struct bad_case *c = &bad_cases[_i];
    unsigned char buf[1024];
    struct pac_logon_info info;
    size_t len = build(&logon_spec_every_part, buf, sizeof(buf));
    if (c->byte)
        buf[c->at] = (unsigned char)c->value;
    else
        logon_put32(buf + c->at, c->value);
    const char *why = pac_parse_logon_info(buf, len, &info);
    ck_assert_msg(why != NULL, "%s: accepted", c->what);
    ck_assert_msg(strncmp(why, c->why, strlen(c->why)) == 0, "%s: \"%s\"", c->what, why);
    ck_assert_ptr_null(info.groups);
    ck_assert_uint_eq(info.n_groups, 0);
}
END_TEST

/* Malformed SIDs and strings, built that way. */
START_TEST(pac_refuses_bad_sids)
{
    unsigned char buf[1024];
    struct pac_logon_info info;
    struct logon_spec spec = logon_spec_every_part;
    static const struct {
        const char *what;
        struct test_sid domain;
        const char *why;
    } cases[] = {
        {"16 sub-authorities", {5, 16, {21}}, "SID: more than 15"},
        {"15 sub-authorities: no room for the RID", {5, 15, {21}}, "LogonDomainId has no room"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        spec.domain = cases[i].domain;
        size_t len = build(&spec, buf, sizeof(buf));
        const char *why = pac_parse_logon_info(buf, len, &info);
        ck_assert_msg(why != NULL && strncmp(why, cases[i].why, strlen(cases[i].why)) == 0,
                      "%s: %s", cases[i].what, why ? why : "accepted");
    }
    spec = logon_spec_every_part;
    spec.resource_domain = (struct test_sid){5, 15, {21}};
    size_t len = build(&spec, buf, sizeof(buf));
    const char *why = pac_parse_logon_info(buf, len, &info);
    ck_assert_msg(why && strcmp(why, "ResourceGroupDomainSid has no room for a RID") == 0, "%s",
                  why ? why : "accepted");
    /* A SID of revision 2: the revision byte follows the SID's conformance. */
    spec = logon_spec_every_part;
    spec.n_extra = 0;
    spec.has_resource_domain = false;
    spec.n_resource = 0;
    len = build(&spec, buf, sizeof(buf));
    /* The domain SID is the last referent: count (4), revision, count,
     * authority (6), 4 sub-authorities (16), then padding to 8. */
    size_t sid = len - 28;
    while (sid > 0 && !(buf[sid] == 4 && buf[sid + 4] == 1 && buf[sid + 5] == 4))
        sid--;
    ck_assert_uint_gt(sid, 0);
    buf[sid + 4] = 2;
    why = pac_parse_logon_info(buf, len, &info);
    ck_assert_msg(why && strcmp(why, "SID: revision is not 1") == 0, "%s", why ? why : "accepted");
    /* A string whose Length is odd. */
    spec = logon_spec_every_part;
    len = build(&spec, buf, sizeof(buf));
    buf[LOGON_FIXED + 48] ^= 1; /* EffectiveName.Length */
    why = pac_parse_logon_info(buf, len, &info);
    ck_assert_msg(why && strncmp(why, "string:", 7) == 0, "%s", why ? why : "accepted");
}
END_TEST

/* Cut everywhere, with the header's length following: never accepted. */
START_TEST(pac_truncated_everywhere)
{
    unsigned char buf[1024];
    struct pac_logon_info info;
    size_t len = build(&logon_spec_every_part, buf, sizeof(buf));
    /* The last referent ends before the padding to 8. */
    size_t end = len;
    while (end > 0 && buf[end - 1] == 0)
        end--;
    end = (end + 3) & ~(size_t)3;
    for (size_t cut = 0; cut < end; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        if (cut >= 16)
            logon_put32(copy + 8, (uint32_t)(cut - 16));
        ck_assert_msg(pac_parse_logon_info(copy, cut, &info) != NULL, "accepted %zu bytes", cut);
        free(copy);
    }
    ck_assert_ptr_nonnull(pac_parse_logon_info(NULL, 0, &info));
}
END_TEST

START_TEST(pac_sid_strings)
{
    static const struct {
        struct pac_sid sid;
        const char *text;
    } cases[] = {
        {{1, 0, {0, 0, 0, 0, 0, 1}, {0}}, "S-1-1"},
        {{1, 2, {0, 0, 0, 0, 0, 5}, {32, 544}}, "S-1-5-32-544"},
        {{1, 1, {0, 0, 0xff, 0xff, 0xff, 0xff}, {4294967295u}}, "S-1-4294967295-4294967295"},
        {{1, 1, {0, 1, 0, 0, 0, 0}, {1}}, "S-1-0x000100000000-1"},
        {{1,
          15,
          {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
          {4294967295u, 4294967295u, 4294967295u, 4294967295u, 4294967295u, 4294967295u,
           4294967295u, 4294967295u, 4294967295u, 4294967295u, 4294967295u, 4294967295u,
           4294967295u, 4294967295u, 4294967295u}},
         "S-1-0xFFFFFFFFFFFF-4294967295-4294967295-4294967295-4294967295-4294967295-4294967295-"
         "4294967295-4294967295-4294967295-4294967295-4294967295-4294967295-4294967295-"
         "4294967295-4294967295"},
    };
    char buf[PAC_SID_STRING_MAX];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_str_eq(pac_sid_format(&cases[i].sid, buf), cases[i].text);
}
END_TEST

/* ---- handles -----------------------------------------------------------------------------------
 */

START_TEST(token_handles)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &hs, &cc, &sc);
    HANDLE a = token_of(&hs.server), b;
    SEC_CHAR *s = NULL;

    /* Parameters. */
    ck_assert_int_eq(QuerySecurityContextToken(&hs.server, NULL), SEC_E_INVALID_PARAMETER);
    ck_assert_int_eq(GssSspiQueryTokenInformation(a, GSS_SSPI_TOKEN_INFO_USER_NAME, NULL),
                     SEC_E_INVALID_PARAMETER);
    ck_assert_int_eq(GssSspiQueryTokenInformation(a, 0, &s), SEC_E_INVALID_PARAMETER);
    ck_assert_int_eq(GssSspiQueryTokenInformation(a, 99, &s), SEC_E_INVALID_PARAMETER);

    /* Closed twice; then stale, even when its slot serves a new token. */
    ck_assert_int_eq(GssSspiCloseToken(a), SEC_E_OK);
    ck_assert_int_eq(GssSspiCloseToken(a), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(GssSspiQueryTokenInformation(a, GSS_SSPI_TOKEN_INFO_USER_NAME, &s),
                     SEC_E_INVALID_HANDLE);
    b = token_of(&hs.server);
    ck_assert_ptr_ne(a, b);
    ck_assert_int_eq(GssSspiQueryTokenInformation(a, GSS_SSPI_TOKEN_INFO_USER_NAME, &s),
                     SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(GssSspiCloseToken(a), SEC_E_INVALID_HANDLE);
    char *name = token_string(b, GSS_SSPI_TOKEN_INFO_USER_NAME, SEC_E_OK);
    free(name);

    /* Not tokens: nothing, -1, a pointer, and the context's own handle in
     * a token's clothing (same slot and generation layout, wrong kind). */
    HANDLE disguised =
        (HANDLE)(((uintptr_t)(uint32_t)hs.server.dwUpper << 32) | (uint32_t)hs.server.dwLower);
    HANDLE not_tokens[] = {NULL, (HANDLE)(intptr_t)-1, &hs, disguised, (HANDLE)(uintptr_t)1};
    for (size_t i = 0; i < sizeof(not_tokens) / sizeof(not_tokens[0]); i++) {
        ck_assert_int_eq(
            GssSspiQueryTokenInformation(not_tokens[i], GSS_SSPI_TOKEN_INFO_USER_NAME, &s),
            SEC_E_INVALID_HANDLE);
        ck_assert_int_eq(GssSspiCloseToken(not_tokens[i]), SEC_E_INVALID_HANDLE);
    }
    ck_assert_int_eq(GssSspiCloseToken(b), SEC_E_OK);

    /* Not established acceptor contexts: the initiator's end, a credential,
     * nothing, a context mid-handshake, a deleted one. */
    HANDLE token;
    CtxtHandle zero = {0, 0};
    ck_assert_int_eq(QuerySecurityContextToken(&hs.client, &token), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(QuerySecurityContextToken((PCtxtHandle)&sc, &token), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(QuerySecurityContextToken(NULL, &token), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(QuerySecurityContextToken(&zero, &token), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(ImpersonateSecurityContext(&hs.client), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(ImpersonateSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(RevertSecurityContext(&hs.client), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(RevertSecurityContext(NULL), SEC_E_INVALID_HANDLE);

    struct ntlm_first_leg leg;
    ntlm_first_leg(&leg);
    ck_assert_int_eq(QuerySecurityContextToken(&leg.server, &token), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(ImpersonateSecurityContext(&leg.server), SEC_E_INVALID_HANDLE);
    ntlm_first_leg_done(&leg);

    CtxtHandle deleted = hs.server;
    context_done(&hs, &cc, &sc);
    ck_assert_int_eq(QuerySecurityContextToken(&deleted, &token), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(ImpersonateSecurityContext(&deleted), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(RevertSecurityContext(&deleted), SEC_E_INVALID_HANDLE);
}
END_TEST

/* Through the function tables, as Windows code calls them. */
START_TEST(token_through_table)
{
    struct handshake hs = {0};
    CredHandle cc, sc;
    PSecurityFunctionTableA t = InitSecurityInterfaceA();
    void *token = NULL;
    kerberos_context(realm_env("GSS_SSPI_TEST_USER"), NULL, &hs, &cc, &sc);
    ck_assert_int_eq(t->QuerySecurityContextToken(&hs.server, &token), SEC_E_OK);
    char *s = token_string(token, GSS_SSPI_TOKEN_INFO_LOCAL_NAME, SEC_E_OK);
    ck_assert_str_eq(s, NOBODY);
    free(s);
    ck_assert_int_eq(GssSspiCloseToken(token), SEC_E_OK);
    if (geteuid() == 0) {
        ck_assert_int_eq(t->ImpersonateSecurityContext(&hs.server), SEC_E_OK);
        ck_assert_uint_ne(geteuid(), 0);
        ck_assert_int_eq(t->RevertSecurityContext(&hs.server), SEC_E_OK);
        ck_assert_uint_eq(geteuid(), 0);
    } else {
        test_skip_step("token_through_table: impersonation through the table",
                       "switching ids needs root");
    }
    context_done(&hs, &cc, &sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("identity");
    bool root = geteuid() == 0;
    const struct passwd *nobody = getpwnam(NOBODY);

    TCase *kerberos = tcase_create("kerberos");
    tcase_set_timeout(kerberos, 60);
    tcase_add_unchecked_fixture(kerberos, files_setup, files_teardown);
    tcase_add_checked_fixture(kerberos, realm_env_setup, NULL);
    tcase_add_test(kerberos, kerberos_token_maps_to_nobody);
    tcase_add_test(kerberos, kerberos_token_without_mapping);
    tcase_add_test(kerberos, kerberos_impersonate_thread);
    add_test_if(kerberos, kerberos_impersonate_nested, root,
                "switching ids needs root (kerberos_impersonate_thread covers the refusal)");
    add_test_if(kerberos, kerberos_revert_after_delete, root, "switching ids needs root");
    tcase_add_test(kerberos, impersonate_without_privilege);
    add_test_if(kerberos, impersonate_own_account, root || (nobody && geteuid() == nobody->pw_uid),
                "runs as root (which becomes nobody) or as nobody");
    tcase_add_test(kerberos, ntlm_token_alice);
    tcase_add_test(kerberos, ntlm_token_nobody);
    tcase_add_test(kerberos, token_handles);
    tcase_add_test(kerberos, token_through_table);
    suite_add_tcase(s, kerberos);

    TCase *windows = tcase_create("windows");
    tcase_set_timeout(windows, 60);
    tcase_add_unchecked_fixture(windows, files_setup, files_teardown);
    tcase_add_checked_fixture(windows, windows_env_setup, NULL);
    tcase_add_loop_test(windows, windows_token_sids, 0, WINDOWS_TOKENS);
    tcase_add_loop_test(windows, windows_pac_cut_and_altered, 0, 3); /* 3 distinct PACs */
    suite_add_tcase(s, windows);

    TCase *pac = tcase_create("pac");
    tcase_add_test(pac, pac_every_kind_of_group);
    tcase_add_loop_test(pac, pac_refuses_bad, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
    tcase_add_test(pac, pac_refuses_bad_sids);
    tcase_add_test(pac, pac_truncated_everywhere);
    tcase_add_test(pac, pac_sid_strings);
    suite_add_tcase(s, pac);

    return run_suite(s);
}
