/*
 * test_handle_races.c - handles used by several threads at once: the same
 * context, credential or token deleted by one thread while others use it,
 * deleted by several at once, and threads each with handles of their own.
 *
 * What must hold (handles.c): every call either sees a live object for its
 * whole duration or fails with SEC_E_INVALID_HANDLE; exactly one delete of
 * a handle succeeds; nothing is read after it is freed.  The last part is
 * what ASan (make check-asan) and TSan (make check-tsan) check: before
 * handles were reference-counted, these tests reported heap-use-after-free
 * there.  Two threads using one context for messages are serialised by the
 * context's lock: each call succeeds on its own.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define USERS 3   /* threads using the handle while another deletes it */
#define ROUNDS 12 /* fresh handles per test */
#define OWN_THREADS 3
#define OWN_ROUNDS 4

/* Kerberos (inside Negotiate) and NTLM: the two mechanisms' contexts. */
static const struct {
    const char *name, *client_pkg, *server_pkg;
    bool ntlm;
} mechs[] = {
    {"Kerberos", "Kerberos", "Negotiate", false},
    {"NTLM", "NTLM", "NTLM", true},
};
#define N_MECHS (sizeof(mechs) / sizeof(mechs[0]))

/* What the user threads saw: how many calls of each outcome. */
struct race {
    CtxtHandle ctx;
    CredHandle cred;
    HANDLE token;
    SECURITY_STATUS (*use)(struct race *r, unsigned i); /* one call on the handle */
    SECURITY_STATUS (*remove)(struct race *r);          /* the delete */
    atomic_int started;  /* user threads that made their first call */
    atomic_bool deleted; /* the delete returned */
    atomic_int ok, invalid, other, after_delete_ok;
    atomic_uint other_status;
};

static void count(struct race *r, SECURITY_STATUS s, bool deleted_before)
{
    if (s == SEC_E_OK) {
        atomic_fetch_add(&r->ok, 1);
        if (deleted_before)
            atomic_fetch_add(&r->after_delete_ok, 1);
    } else if (s == SEC_E_INVALID_HANDLE) {
        atomic_fetch_add(&r->invalid, 1);
    } else {
        atomic_fetch_add(&r->other, 1);
        atomic_store(&r->other_status, (unsigned)s);
    }
}

/* One use of the context: seal, sign, query: each reads the context and
 * its GSS context from start to end. */
static SECURITY_STATUS use_context(CtxtHandle *h, unsigned i)
{
    SecPkgContext_Sizes sizes;
    SECURITY_STATUS s = QueryContextAttributesA(h, SECPKG_ATTR_SIZES, &sizes);
    if (s != SEC_E_OK)
        return s;
    unsigned char data[64], token[128], pad[64];
    memset(data, (int)i, sizeof(data));
    if (sizes.cbSecurityTrailer > sizeof(token) || sizes.cbBlockSize > sizeof(pad) ||
        sizes.cbMaxSignature > sizeof(token))
        return SEC_E_INTERNAL_ERROR;
    SecBuffer b[3] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, token},
                      {sizeof(data), SECBUFFER_DATA, data},
                      {sizes.cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    switch (i % 3) {
    case 0:
        return EncryptMessage(h, 0, &d, 0);
    case 1:
        b[0].cbBuffer = sizes.cbMaxSignature;
        d.cBuffers = 2;
        return MakeSignature(h, 0, &d, 0);
    default: {
        SecPkgContext_NamesA names;
        s = QueryContextAttributesA(h, SECPKG_ATTR_NAMES, &names);
        if (s == SEC_E_OK)
            FreeContextBuffer(names.sUserName);
        return s;
    }
    }
}

/* A user thread: calls until it sees the handle dead after the delete. */
static void *user_thread(void *arg)
{
    struct race *r = arg;
    for (unsigned i = 0;; i++) {
        bool deleted_before = atomic_load(&r->deleted);
        SECURITY_STATUS s = r->use(r, i);
        count(r, s, deleted_before);
        if (i == 0)
            atomic_fetch_add(&r->started, 1);
        if (deleted_before && s == SEC_E_INVALID_HANDLE)
            break; /* seen dead after the delete: done */
    }
    return NULL;
}

static void wait_started(struct race *r, int n)
{
    while (atomic_load(&r->started) < n)
        sched_yield();
}

/* USERS threads use the handle; once each made a call, it is deleted. */
static void race_round(struct race *r, const char *what)
{
    pthread_t t[USERS];
    for (int i = 0; i < USERS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, user_thread, r), 0);
    wait_started(r, USERS);
    ck_assert_int_eq(r->remove(r), SEC_E_OK);
    atomic_store(&r->deleted, true);
    for (int i = 0; i < USERS; i++)
        pthread_join(t[i], NULL);
    ck_assert_msg(atomic_load(&r->other) == 0, "%s: a call returned 0x%08x", what,
                  atomic_load(&r->other_status));
    ck_assert_msg(atomic_load(&r->after_delete_ok) == 0,
                  "%s: a call that began after the delete returned returned SEC_E_OK", what);
    ck_assert_msg(atomic_load(&r->invalid) >= USERS, "%s: not every thread saw the handle dead",
                  what);
}

static SECURITY_STATUS use_ctx(struct race *r, unsigned i)
{
    CtxtHandle h = r->ctx;
    return use_context(&h, i);
}

static SECURITY_STATUS delete_ctx(struct race *r)
{
    return DeleteSecurityContext(&r->ctx);
}

/* Threads seal, sign and query one established context while another
 * thread deletes it. */
START_TEST(delete_context_while_in_use)
{
    for (int round = 0; round < ROUNDS; round++) {
        struct handshake hs = {.isc_req = ISC_ALL, .asc_req = ASC_ALL};
        handshake_user(mechs[_i].client_pkg, mechs[_i].ntlm, NULL, mechs[_i].server_pkg, &hs);
        ck_assert_int_eq(hs.server_status, SEC_E_OK);
        struct race r = {.ctx = hs.server, .use = use_ctx, .remove = delete_ctx};
        race_round(&r, mechs[_i].name);
        hs.have_server = false;
        ck_assert_int_eq(DeleteSecurityContext(&r.ctx), SEC_E_INVALID_HANDLE);
        handshake_cleanup(&hs);
    }
}
END_TEST

/* Several threads delete the same context at once: exactly one wins. */
struct delete_race {
    CtxtHandle ctx;
    atomic_bool go;
    atomic_int ok, invalid;
};

static void *deleter(void *arg)
{
    struct delete_race *d = arg;
    CtxtHandle h = d->ctx;
    while (!atomic_load(&d->go))
        sched_yield();
    SECURITY_STATUS s = DeleteSecurityContext(&h);
    atomic_fetch_add(s == SEC_E_OK ? &d->ok : &d->invalid, 1);
    return NULL;
}

START_TEST(concurrent_deletes)
{
    for (int round = 0; round < ROUNDS; round++) {
        struct handshake hs = {.isc_req = ISC_ALL, .asc_req = ASC_ALL};
        handshake_user(mechs[_i].client_pkg, mechs[_i].ntlm, NULL, mechs[_i].server_pkg, &hs);
        ck_assert_int_eq(hs.server_status, SEC_E_OK);
        struct delete_race d = {.ctx = hs.server};
        pthread_t t[USERS];
        for (int i = 0; i < USERS; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, deleter, &d), 0);
        atomic_store(&d.go, true);
        for (int i = 0; i < USERS; i++)
            pthread_join(t[i], NULL);
        ck_assert_int_eq(atomic_load(&d.ok), 1);
        ck_assert_int_eq(atomic_load(&d.invalid), USERS - 1);
        hs.have_server = false;
        handshake_cleanup(&hs);
    }
}
END_TEST

/* Threads query a credential while another frees it. */
static SECURITY_STATUS use_cred(struct race *r, unsigned i)
{
    CredHandle h = r->cred;
    SecPkgCredentials_NamesA names;
    SECURITY_STATUS s = QueryCredentialsAttributesA(&h, SECPKG_CRED_ATTR_NAMES, &names);
    if (s == SEC_E_OK)
        FreeContextBuffer(names.sUserName);
    return s;
}

static SECURITY_STATUS free_cred(struct race *r)
{
    return FreeCredentialsHandle(&r->cred);
}

START_TEST(free_credential_while_in_use)
{
    for (int round = 0; round < ROUNDS; round++) {
        struct race r = {.use = use_cred, .remove = free_cred};
        acquire_inbound(mechs[_i].server_pkg, &r.cred);
        race_round(&r, mechs[_i].name);
    }
}
END_TEST

/* Threads read a QuerySecurityContextToken token while another closes it. */
static SECURITY_STATUS use_token(struct race *r, unsigned i)
{
    SEC_CHAR *name = NULL;
    SECURITY_STATUS s = GssSspiQueryTokenInformation(r->token, GSS_SSPI_TOKEN_INFO_USER_NAME, &name);
    if (s == SEC_E_OK)
        FreeContextBuffer(name);
    return s;
}

static SECURITY_STATUS close_token(struct race *r)
{
    return GssSspiCloseToken(r->token);
}

START_TEST(close_token_while_in_use)
{
    for (int round = 0; round < ROUNDS; round++) {
        struct handshake hs = {.isc_req = ISC_ALL, .asc_req = ASC_ALL};
        handshake_user(mechs[_i].client_pkg, mechs[_i].ntlm, NULL, mechs[_i].server_pkg, &hs);
        ck_assert_int_eq(hs.server_status, SEC_E_OK);
        struct race r = {.use = use_token, .remove = close_token};
        ck_assert_int_eq(QuerySecurityContextToken(&hs.server, &r.token), SEC_E_OK);
        race_round(&r, mechs[_i].name);
        handshake_cleanup(&hs);
    }
}
END_TEST

/* Threads that share nothing: each its own credentials, handshakes,
 * messages and deletes, all at once. */
static void *own_handles(void *arg)
{
    size_t m = (size_t)arg;
    intptr_t failures = 0;
    for (int round = 0; round < OWN_ROUNDS; round++) {
        struct handshake hs = {.isc_req = ISC_ALL, .asc_req = ASC_ALL};
        handshake_user(mechs[m].client_pkg, mechs[m].ntlm, NULL, mechs[m].server_pkg, &hs);
        if (hs.server_status != SEC_E_OK || hs.client_status != SEC_E_OK) {
            failures++;
        } else {
            for (unsigned i = 0; i < 30; i++)
                failures += use_context(i % 2 ? &hs.server : &hs.client, i) != SEC_E_OK;
        }
        handshake_cleanup(&hs);
    }
    return (void *)failures;
}

/* Joins n threads that each return how many of their calls failed. */
static void expect_no_failures(pthread_t *t, size_t n)
{
    intptr_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        void *f;
        pthread_join(t[i], &f);
        failures += (intptr_t)f;
    }
    ck_assert_msg(failures == 0, "%ld calls failed", (long)failures);
}

START_TEST(threads_with_their_own_handles)
{
    pthread_t t[OWN_THREADS];
    for (size_t i = 0; i < OWN_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, own_handles, (void *)(i % N_MECHS)), 0);
    expect_no_failures(t, OWN_THREADS);
}
END_TEST

/* One context, several threads sealing at once: the caller's problem on
 * Windows too, but each call here is serialised and succeeds. */
static void *seal_shared(void *arg)
{
    CtxtHandle *h = arg;
    intptr_t failures = 0;
    for (unsigned i = 0; i < 200; i++)
        failures += use_context(h, i) != SEC_E_OK;
    return (void *)failures;
}

START_TEST(threads_sharing_one_context)
{
    struct handshake hs = {.isc_req = ISC_ALL, .asc_req = ASC_ALL};
    handshake_user(mechs[_i].client_pkg, mechs[_i].ntlm, NULL, mechs[_i].server_pkg, &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    pthread_t t[USERS];
    for (int i = 0; i < USERS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, seal_shared, &hs.server), 0);
    expect_no_failures(t, USERS);
    handshake_cleanup(&hs);
}
END_TEST

/* GssSspiSetCredentialsPolicy while other threads accept with the same
 * credential.  NTLM's handshake takes two AcceptSecurityContext calls: the
 * policy turns to Require between them.  The context under way keeps the
 * policy it began with (Allow: a client without bindings is let in); the
 * next handshake begins under Require and is refused. */
START_TEST(policy_change_applies_to_next_handshake)
{
    CredHandle client, server;
    CtxtHandle cctx, sctx;
    bool have_sctx;
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL}, ib;
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob}, id = {SECBUFFER_VERSION, 1, &ib};
    ULONG attrs;
    TimeStamp ts;
    SEC_CHAR *target = (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN");
    acquire_outbound_user("NTLM", true, NULL, &client);
    acquire_inbound("NTLM", &server);
    ck_assert_int_eq(InitializeSecurityContextA(&client, NULL, target,
                                                ISC_ALL | ISC_REQ_ALLOCATE_MEMORY, 0,
                                                SECURITY_NATIVE_DREP, NULL, 0, &cctx, &od, &attrs,
                                                &ts),
                     SEC_I_CONTINUE_NEEDED);
    void *challenge;
    ULONG challenge_len;
    ck_assert_int_eq(accept_one(&server, ob.pvBuffer, ob.cbBuffer, ASC_ALL, &sctx, &have_sctx,
                                &challenge, &challenge_len),
                     SEC_I_CONTINUE_NEEDED);
    FreeContextBuffer(ob.pvBuffer);

    GSS_SSPI_POLICY require = {GSS_SSPI_CB_POLICY_REQUIRE, 0};
    ck_assert_int_eq(GssSspiSetCredentialsPolicy(&server, &require), SEC_E_OK);

    ib = (SecBuffer){challenge_len, SECBUFFER_TOKEN, challenge};
    ob = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    ck_assert_int_eq(InitializeSecurityContextA(&client, &cctx, target,
                                                ISC_ALL | ISC_REQ_ALLOCATE_MEMORY, 0,
                                                SECURITY_NATIVE_DREP, &id, 0, &cctx, &od, &attrs,
                                                &ts),
                     SEC_E_OK);
    FreeContextBuffer(challenge);
    ib = (SecBuffer){ob.cbBuffer, SECBUFFER_TOKEN, ob.pvBuffer};
    SecBuffer reply = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc rd = {SECBUFFER_VERSION, 1, &reply};
    ck_assert_int_eq(AcceptSecurityContext(&server, &sctx, &id, ASC_ALL | ASC_REQ_ALLOCATE_MEMORY,
                                           SECURITY_NATIVE_DREP, &sctx, &rd, &attrs, &ts),
                     SEC_E_OK);
    FreeContextBuffer(ob.pvBuffer);
    FreeContextBuffer(reply.pvBuffer);
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);

    struct handshake next = {.target = target, .isc_req = ISC_ALL, .asc_req = ASC_ALL};
    handshake_run(&client, &server, &next);
    ck_assert_int_eq(next.server_status, SEC_E_BAD_BINDINGS);
    handshake_cleanup(&next);
    FreeCredentialsHandle(&client);
    FreeCredentialsHandle(&server);
}
END_TEST

/* Threads accept with one credential while another changes its policy
 * back and forth among policies that all let these clients in (they send
 * no bindings and get what they ask for).  Before the policy was one
 * atomic word, copied into each context, TSan reported the write racing
 * with the accepts' reads. */
static const GSS_SSPI_POLICY harmless_policies[] = {
    {GSS_SSPI_CB_POLICY_ALLOW, 0},
    {GSS_SSPI_CB_POLICY_NONE, 1},
    {GSS_SSPI_CB_POLICY_ALLOW, 1},
    {GSS_SSPI_CB_POLICY_NONE, 0},
};
#define N_HARMLESS (sizeof(harmless_policies) / sizeof(harmless_policies[0]))

struct policy_race {
    size_t mech;
    CredHandle server;
    atomic_bool stop;
};

static void *change_policy(void *arg)
{
    struct policy_race *p = arg;
    intptr_t failures = 0;
    for (unsigned i = 0; !atomic_load(&p->stop); i++) {
        failures += GssSspiSetCredentialsPolicy(&p->server, &harmless_policies[i % N_HARMLESS]) !=
                    SEC_E_OK;
        sched_yield();
    }
    return (void *)failures;
}

static void *accept_with_shared_credential(void *arg)
{
    struct policy_race *p = arg;
    intptr_t failures = 0;
    CredHandle client;
    acquire_outbound_user(mechs[p->mech].client_pkg, mechs[p->mech].ntlm, NULL, &client);
    for (int round = 0; round < OWN_ROUNDS; round++) {
        /* Strict mode with what both mechanisms grant (NTLM: no mutual). */
        struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                               .isc_req = ISC_ALL,
                               .asc_req = ASC_ALL & ~(ULONG)ASC_REQ_MUTUAL_AUTH};
        handshake_run(&client, &p->server, &hs);
        failures += hs.server_status != SEC_E_OK || hs.client_status != SEC_E_OK;
        handshake_cleanup(&hs);
    }
    FreeCredentialsHandle(&client);
    return (void *)failures;
}

START_TEST(policy_changed_while_accepting)
{
    struct policy_race p = {.mech = (size_t)_i};
    pthread_t changer, t[USERS];
    acquire_inbound(mechs[_i].server_pkg, &p.server);
    ck_assert_int_eq(pthread_create(&changer, NULL, change_policy, &p), 0);
    for (int i = 0; i < USERS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, accept_with_shared_credential, &p), 0);
    expect_no_failures(t, USERS);
    atomic_store(&p.stop, true);
    expect_no_failures(&changer, 1);
    FreeCredentialsHandle(&p.server);
}
END_TEST

/* Protocol transition (S4U2Self) from one service credential by several
 * threads at once, each for its own user: what each transition is for
 * travels with its call (delegation.c's struct outbound_source), so every
 * thread gets its own user's credential, and a plain default acquire
 * between two transitions is never mistaken for one. */
static const char *const s4u_packages[] = {"Kerberos", "Negotiate"};

struct s4u_thread {
    CredHandle *service;
    const char *service_name;
    const char *package;
    char *user; /* "user@REALM" */
};

/* Whether cred's NAMES attribute is name (no check assertion: a thread's). */
static bool credential_is(CredHandle *cred, const char *name)
{
    SecPkgCredentials_NamesA names;
    if (QueryCredentialsAttributesA(cred, SECPKG_CRED_ATTR_NAMES, &names) != SEC_E_OK)
        return false;
    bool same = strcmp(names.sUserName, name) == 0;
    FreeContextBuffer(names.sUserName);
    return same;
}

static void *transition_users(void *arg)
{
    struct s4u_thread *t = arg;
    intptr_t failures = 0;
    for (int round = 0; round < OWN_ROUNDS; round++) {
        CredHandle as_user, plain;
        TimeStamp ts;
        if (GssSspiAcquireCredentialsForUser(t->service, t->user, &as_user, &ts) != SEC_E_OK) {
            failures++;
            continue;
        }
        failures += !credential_is(&as_user, t->user);
        FreeCredentialsHandle(&as_user);
        /* The default credential is the service's own, not the user's. */
        if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)t->package, SECPKG_CRED_OUTBOUND, NULL,
                                      NULL, NULL, NULL, &plain, &ts) != SEC_E_OK) {
            failures++;
            continue;
        }
        failures += !credential_is(&plain, t->service_name);
        FreeCredentialsHandle(&plain);
    }
    return (void *)failures;
}

START_TEST(protocol_transitions_in_parallel)
{
    CredHandle service;
    TimeStamp ts;
    char spn[256];
    /* The service's own TGT from its keytab, in a cache of this process. */
    setenv("KRB5_CLIENT_KTNAME", getenv("KRB5_KTNAME"), 1);
    setenv("KRB5CCNAME", "MEMORY:gss-sspi-races-service", 1);
    snprintf(spn, sizeof(spn), "%s@%s", realm_env("GSS_SSPI_TEST_SPN"),
             realm_env("GSS_SSPI_TEST_REALM"));
    ck_assert_int_eq(AcquireCredentialsHandleA((SEC_CHAR *)spn, (SEC_CHAR *)s4u_packages[_i],
                                               SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                               &service, &ts),
                     SEC_E_OK);
    struct s4u_thread args[USERS];
    pthread_t t[USERS];
    for (int i = 0; i < USERS; i++) {
        args[i] = (struct s4u_thread){&service, spn, s4u_packages[_i],
                                      krb5_user_name(realm_env(i % 2 ? "GSS_SSPI_TEST_USER2"
                                                                     : "GSS_SSPI_TEST_USER"))};
        ck_assert_int_eq(pthread_create(&t[i], NULL, transition_users, &args[i]), 0);
    }
    expect_no_failures(t, USERS);
    for (int i = 0; i < USERS; i++)
        free(args[i].user);
    FreeCredentialsHandle(&service);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("handle_races");
    TCase *tc = tcase_create("races");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, delete_context_while_in_use, 0, N_MECHS);
    tcase_add_loop_test(tc, concurrent_deletes, 0, N_MECHS);
    tcase_add_loop_test(tc, free_credential_while_in_use, 0, N_MECHS);
    tcase_add_loop_test(tc, close_token_while_in_use, 0, N_MECHS);
    tcase_add_test(tc, threads_with_their_own_handles);
    tcase_add_loop_test(tc, threads_sharing_one_context, 0, N_MECHS);
    tcase_add_test(tc, policy_change_applies_to_next_handshake);
    tcase_add_loop_test(tc, policy_changed_while_accepting, 0, N_MECHS);
    tcase_add_loop_test(tc, protocol_transitions_in_parallel, 0,
                        sizeof(s4u_packages) / sizeof(s4u_packages[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
