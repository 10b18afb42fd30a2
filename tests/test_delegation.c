/*
 * test_delegation.c - the double hop, three tiers: a client in a process of
 * its own (tests/delegating-client, with alice's forwardable TGT) ->
 * the front end, our AcceptSecurityContext in this process, which has no
 * credential cache of its own and none of the client's -> a back end, a
 * plain GSS acceptor with its own keytab, which reports whom it
 * authenticated.  The front end reaches the back end as the client through
 * the delegated TGT: explicitly (GssSspiAcquireDelegatedCredentialsHandle)
 * and, as Windows servers do, by impersonating the client and acquiring the
 * default outbound credential.  Real KDC.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gssapi/gssapi_ext.h>

#include "testlib.h"

static const char *const packages[] = {"Kerberos", "Negotiate"};

/* The front end's side of one authentication from tests/delegating-client. */
struct front {
    struct child client;
    CredHandle cred;
    CtxtHandle ctx;
    bool have_ctx;
    SECURITY_STATUS status;
    ULONG attrs;
};

/* Starts the client of one authentication on f->cred (f's context is new). */
static void front_client_start(const char *package, bool delegate, struct front *f)
{
    f->have_ctx = false;
    /* The client has its own cache; this process has none at all. */
    setenv("KRB5CCNAME", realm_env("GSS_SSPI_TEST_CCACHE_FORWARDABLE"), 1);
    child_start(&f->client, "delegating-client");
    setenv("KRB5CCNAME", "FILE:/nonexistent/gss-sspi-front-end-has-no-ccache", 1);
    /* Clients started together must not hold each other's pipes open. */
    fcntl(fileno(f->client.to), F_SETFD, FD_CLOEXEC);
    fcntl(fileno(f->client.from), F_SETFD, FD_CLOEXEC);
    child_put(&f->client, package, (uint32_t)strlen(package));
    child_put(&f->client, delegate ? "1" : "0", 1);
}

/* The front end's side of the started client's authentication. */
static void front_exchange(struct front *f)
{
    SECURITY_STATUS cs;
    f->status = SEC_I_CONTINUE_NEEDED;
    do {
        cs = child_get_status(&f->client);
        uint32_t len;
        void *token = child_get(&f->client, &len);
        if (len > 0) {
            SecBuffer ib = {len, SECBUFFER_TOKEN, token}, ob = {0, SECBUFFER_TOKEN, NULL};
            SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
            TimeStamp ts;
            f->status = AcceptSecurityContext(
                &f->cred, f->have_ctx ? &f->ctx : NULL, &id,
                ASC_REQ_DELEGATE | ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONNECTION | ASC_REQ_ALLOCATE_MEMORY,
                SECURITY_NATIVE_DREP, &f->ctx, &od, &f->attrs, &ts);
            f->have_ctx = f->have_ctx || f->status == SEC_E_OK || f->status == SEC_I_CONTINUE_NEEDED;
            if (cs == SEC_I_CONTINUE_NEEDED)
                child_put(&f->client, ob.pvBuffer ? ob.pvBuffer : "", ob.cbBuffer);
            FreeContextBuffer(ob.pvBuffer);
        }
        free(token);
    } while (cs == SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(cs, SEC_E_OK);
    ck_assert_int_eq(child_finish(&f->client), 0);
    ck_assert_int_eq(f->status, SEC_E_OK);
}

static void front_accept(const char *package, bool delegate, struct front *f)
{
    memset(f, 0, sizeof(*f));
    acquire_inbound(package, &f->cred);
    front_client_start(package, delegate, f);
    front_exchange(f);
}

static void front_done(struct front *f)
{
    if (f->have_ctx)
        DeleteSecurityContext(&f->ctx);
    FreeCredentialsHandle(&f->cred);
}

/* The back end's keytab: the other service's (a readable copy when the
 * back end runs on an impersonating thread, see map_user_to_nobody). */
static char back_end_keytab[300];

/* The back end's acceptor credential (MIT reads the keytab at each accept). */
static gss_cred_id_t back_end_credential(void)
{
    OM_uint32 major, minor;
    if (back_end_keytab[0] == '\0')
        snprintf(back_end_keytab, sizeof(back_end_keytab), "%s",
                 realm_env("GSS_SSPI_TEST_KEYTAB_OTHER"));
    gss_key_value_element_desc kt = {"keytab", back_end_keytab};
    gss_key_value_set_desc store = {1, &kt};
    gss_cred_id_t acceptor;
    major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                  GSS_C_ACCEPT, &store, &acceptor, NULL, NULL);
    ck_assert_msg(!GSS_ERROR(major), "back end acquire: 0x%x/%u", major, minor);
    return acceptor;
}

/* Our InitializeSecurityContext with cred to the back end, a plain GSS
 * acceptor (acceptor credential of its own): the name it authenticated. */
static char *back_end_authenticates(CredHandle *cred, gss_cred_id_t acceptor)
{
    OM_uint32 major, minor;
    gss_ctx_id_t back = GSS_C_NO_CONTEXT;
    gss_name_t who = GSS_C_NO_NAME;
    CtxtHandle ctx;
    bool have = false;
    SECURITY_STATUS s;
    gss_buffer_desc reply = GSS_C_EMPTY_BUFFER;
    major = GSS_S_CONTINUE_NEEDED;
    do {
        SecBuffer ob;
        ULONG attrs;
        s = isc_step(cred, &ctx, &have, realm_env("GSS_SSPI_TEST_SPN_OTHER"),
                     ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY, reply.value,
                     (ULONG)reply.length, &ob, &attrs);
        gss_release_buffer(&minor, &reply);
        ck_assert_msg(s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED, "to the back end: 0x%08x",
                      (unsigned)s);
        if (ob.cbBuffer > 0) {
            gss_buffer_desc in = {ob.cbBuffer, ob.pvBuffer};
            major = gss_accept_sec_context(&minor, &back, acceptor, &in, GSS_C_NO_CHANNEL_BINDINGS,
                                           &who, NULL, &reply, NULL, NULL, NULL);
            ck_assert_msg(!GSS_ERROR(major), "back end accept: 0x%x/%u", major, minor);
        }
        FreeContextBuffer(ob.pvBuffer);
    } while (s == SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(major, GSS_S_COMPLETE);
    gss_buffer_desc name;
    ck_assert(!GSS_ERROR(gss_display_name(&minor, who, &name, NULL)));
    char *out = strndup(name.value, name.length);
    gss_release_buffer(&minor, &name);
    gss_release_buffer(&minor, &reply);
    gss_release_name(&minor, &who);
    gss_delete_sec_context(&minor, &back, GSS_C_NO_BUFFER);
    DeleteSecurityContext(&ctx);
    return out;
}

static void assert_credential_of(CredHandle *cred, const char *expect)
{
    SecPkgCredentials_NamesA names;
    ck_assert_int_eq(QueryCredentialsAttributesA(cred, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_str_eq(names.sUserName, expect);
    FreeContextBuffer(names.sUserName);
}

/* Windows' way: impersonate ctx's client, acquire the default outbound
 * credential of package (the caller reverts). */
static SECURITY_STATUS impersonate_and_acquire(CtxtHandle *ctx, const char *package,
                                               CredHandle *cred)
{
    TimeStamp ts;
    ck_assert_int_eq(ImpersonateSecurityContext(ctx), SEC_E_OK);
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND, NULL, NULL,
                                     NULL, NULL, cred, &ts);
}

/* The back end (its own acceptor credential) authenticates expect. */
static void assert_back_end_sees(CredHandle *cred, const char *expect)
{
    OM_uint32 minor;
    gss_cred_id_t back = back_end_credential();
    char *seen = back_end_authenticates(cred, back);
    ck_assert_str_eq(seen, expect);
    free(seen);
    gss_release_cred(&minor, &back);
}

/* S4U2Proxy with cred to a target the KDC does not allow (DB2: none at
 * all; LDAP: one off the service's list) is SEC_E_DELEGATION_POLICY. */
static void assert_delegation_refused(CredHandle *cred)
{
    bool ldap = strcmp(realm_env("GSS_SSPI_TEST_KDB"), "ldap") == 0;
    char target[256];
    snprintf(target, sizeof(target), "%s", ldap ? "host/server.gss-sspi.test"
                                                : realm_env("GSS_SSPI_TEST_SPN_OTHER"));
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle ctx;
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS s = InitializeSecurityContextA(
        cred, NULL, target, ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY, 0,
        SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od, &attrs, &ts);
    ck_assert_msg(s == SEC_E_DELEGATION_POLICY, "S4U2Proxy to %s (%s KDB): 0x%08x", target,
                  realm_env("GSS_SSPI_TEST_KDB"), (unsigned)s);
}

/* Without impersonating: the explicit call gives the client's credential. */
START_TEST(explicit_delegated_credential)
{
    struct front f;
    CredHandle as_client, own;
    TimeStamp ts;
    char *alice = krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
    front_accept(packages[_i], true, &f);
    ck_assert_msg(f.attrs & ASC_RET_DELEGATE, "ASC_RET 0x%x", (unsigned)f.attrs);
    /* The front end has no credential of its own to fall back on. */
    ck_assert_int_eq(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos", SECPKG_CRED_OUTBOUND,
                                               NULL, NULL, NULL, NULL, &own, &ts),
                     SEC_E_NO_CREDENTIALS);
    for (size_t i = 0; i < sizeof(packages) / sizeof(packages[0]); i++) {
        ck_assert_int_eq(GssSspiAcquireDelegatedCredentialsHandle(&f.ctx, packages[i],
                                                                  &as_client, &ts),
                         SEC_E_OK);
        assert_credential_of(&as_client, alice);
        assert_back_end_sees(&as_client, alice);
        FreeCredentialsHandle(&as_client);
    }
    /* The context outlives nothing it lent: a second credential works after
     * the first is gone, and none after the context is. */
    ck_assert_int_eq(GssSspiAcquireDelegatedCredentialsHandle(&f.ctx, "NTLM", &as_client, &ts),
                     SEC_E_SECPKG_NOT_FOUND);
    front_done(&f);
    ck_assert_int_eq(GssSspiAcquireDelegatedCredentialsHandle(&f.ctx, "Kerberos", &as_client, &ts),
                     SEC_E_INVALID_HANDLE);
    free(alice);
}
END_TEST

/* A client that does not delegate: no ASC_RET_DELEGATE, no credential. */
START_TEST(nothing_delegated)
{
    struct front f;
    CredHandle as_client;
    TimeStamp ts;
    front_accept(packages[_i], false, &f);
    ck_assert_msg(!(f.attrs & ASC_RET_DELEGATE), "ASC_RET 0x%x", (unsigned)f.attrs);
    ck_assert_int_eq(GssSspiAcquireDelegatedCredentialsHandle(&f.ctx, packages[_i], &as_client, &ts),
                     SEC_E_NO_CREDENTIALS);
    front_done(&f);
}
END_TEST

/* A krb5.conf layer, readable by the impersonated account, that maps the
 * test user to nobody (gss_localname); and a copy of the back end's keytab
 * it can read: in this test the back end runs on the impersonating thread,
 * where a real one would be a service of its own. */
static char map_dir[64];

static void map_user_to_nobody(void)
{
    static char conf[512];
    char dir[] = "/tmp/gss-sspi-delegation.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chmod(dir, 0755), 0);
    char realm_copy[256], layer[256], cmd[1024];
    snprintf(realm_copy, sizeof(realm_copy), "%s/realm.conf", dir);
    snprintf(layer, sizeof(layer), "%s/map.conf", dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 644 '%s'", getenv("KRB5_CONFIG"),
             realm_copy, realm_copy);
    ck_assert_int_eq(system(cmd), 0);
    FILE *f = fopen(layer, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "[realms]\n    %s = {\n        auth_to_local_names = {\n            %s = nobody\n"
               "        }\n    }\n",
            realm_env("GSS_SSPI_TEST_REALM"), realm_env("GSS_SSPI_TEST_USER"));
    fclose(f);
    chmod(layer, 0644);
    snprintf(conf, sizeof(conf), "%s:%s", realm_copy, layer);
    setenv("KRB5_CONFIG", conf, 1);
    const char *kt = realm_env("GSS_SSPI_TEST_KEYTAB_OTHER");
    snprintf(back_end_keytab, sizeof(back_end_keytab), "FILE:%s/other.keytab", dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s/other.keytab' && chmod 644 '%s/other.keytab'",
             strncmp(kt, "FILE:", 5) == 0 ? kt + 5 : kt, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    /* Nor may nobody write the realm's replay cache. */
    setenv("KRB5RCACHETYPE", "none", 1);
    snprintf(map_dir, sizeof(map_dir), "%s", dir);
}

/* Windows' way: impersonate the client, acquire the default outbound
 * credential, call the back end.  Needs the right to switch ids (root). */
START_TEST(impersonation_uses_delegated_credential)
{
    struct front f, plain;
    CredHandle as_client;
    OM_uint32 minor;
    map_user_to_nobody();
    char *alice = krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
    gss_cred_id_t back = back_end_credential();
    front_accept(packages[_i], true, &f);
    ck_assert_int_eq(impersonate_and_acquire(&f.ctx, packages[_i], &as_client),
                     SEC_E_OK);
    assert_credential_of(&as_client, alice);
    char *seen = back_end_authenticates(&as_client, back);
    ck_assert_int_eq(RevertSecurityContext(&f.ctx), SEC_E_OK);
    gss_release_cred(&minor, &back);
    ck_assert_str_eq(seen, alice);
    free(seen);
    FreeCredentialsHandle(&as_client);

    /* Impersonating a client who delegated nothing: no credential at all. */
    front_accept(packages[_i], false, &plain);
    ck_assert_int_eq(impersonate_and_acquire(&plain.ctx, packages[_i], &as_client),
                     SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(RevertSecurityContext(&plain.ctx), SEC_E_OK);
    front_done(&plain);
    front_done(&f);
    free(alice);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", map_dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A forwardable-tickets krb5.conf layer (KRB5_CONFIG gets it); the caller
 * unlinks *layer. */
static void forwardable_tickets(char *layer)
{
    static char conf[1024];
    int fd = mkstemp(layer);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, "[libdefaults]\n    forwardable = true\n", 37) == 37);
    close(fd);
    snprintf(conf, sizeof(conf), "%s:%s", getenv("KRB5_CONFIG"), layer);
    setenv("KRB5_CONFIG", conf, 1);
}

/* Protocol transition: the front end vouches for a user it authenticated by
 * other means (S4U2Self, with its own keytab), then calls the back end as
 * that user (S4U2Proxy).  With the realm's default DB2 database MIT's KDC
 * knows no allowed-to-delegate-to lists and refuses the second step, which
 * InitializeSecurityContext says precisely.  With the LDAP database
 * (tests/constrained-delegation.sh), where HTTP/server may delegate to
 * HTTP/other only, the back end authenticates the user, and any other
 * target is refused. */
START_TEST(protocol_transition)
{
    CredHandle service, as_user;
    TimeStamp ts;
    const char *kt = getenv("KRB5_KTNAME");
    ck_assert_ptr_nonnull(kt);
    /* Forwardable tickets for the service (its TGT, hence its evidence
     * tickets): what the KDC then decides is delegation policy alone. */
    char layer[] = "/tmp/gss-sspi-forwardable.XXXXXX";
    forwardable_tickets(layer);
    setenv("KRB5_CLIENT_KTNAME", kt, 1);
    setenv("KRB5CCNAME", "MEMORY:gss-sspi-test-front-end", 1);
    char spn[256];
    snprintf(spn, sizeof(spn), "%s@%s", realm_env("GSS_SSPI_TEST_SPN"),
             realm_env("GSS_SSPI_TEST_REALM"));
    ck_assert_int_eq(AcquireCredentialsHandleA((SEC_CHAR *)spn, (SEC_CHAR *)packages[_i],
                                               SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                               &service, &ts),
                     SEC_E_OK);
    char *alice = krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
    ck_assert_int_eq(GssSspiAcquireCredentialsForUser(&service, alice, &as_user, &ts), SEC_E_OK);
    assert_credential_of(&as_user, alice);
    bool ldap = strcmp(realm_env("GSS_SSPI_TEST_KDB"), "ldap") == 0;
    if (ldap)
        assert_back_end_sees(&as_user, alice);
    assert_delegation_refused(&as_user);
    FreeCredentialsHandle(&as_user);
    /* A user the KDC does not know.  MIT's SPNEGO reports no mechanism
     * available (GSS_S_UNAVAILABLE) and drops Kerberos's reason. */
    ck_assert_int_eq(GssSspiAcquireCredentialsForUser(&service, "mallory", &as_user, &ts),
                     _i == 0 ? SEC_E_LOGON_DENIED : SEC_E_UNSUPPORTED_FUNCTION);
    /* Not a service's outbound credential. */
    CredHandle inbound;
    acquire_inbound(packages[_i], &inbound);
    ck_assert_int_eq(GssSspiAcquireCredentialsForUser(&inbound, alice, &as_user, &ts),
                     SEC_E_NO_CREDENTIALS);
    FreeCredentialsHandle(&inbound);
    FreeCredentialsHandle(&service);
    free(alice);
    unlink(layer);
}
END_TEST

/* Constrained delegation the way Windows does it: the client does not
 * delegate (a forwardable ticket, no ISC_REQ_DELEGATE), the front end has
 * its client keytab (its own TGT) and uses the client's service ticket as
 * evidence (S4U2Proxy).  No ASC_RET_DELEGATE (nothing was delegated), yet
 * the delegated-credential call and the back end see the client where the
 * KDC allows it (LDAP KDB: HTTP/server -> HTTP/other); any other target,
 * and every target with DB2, is SEC_E_DELEGATION_POLICY. */
START_TEST(constrained_from_service_ticket)
{
    struct front f;
    CredHandle as_client;
    TimeStamp ts;
    bool root = geteuid() == 0;
    if (root)
        map_user_to_nobody(); /* before the layer: it copies one KRB5_CONFIG file */
    char layer[] = "/tmp/gss-sspi-forwardable.XXXXXX";
    forwardable_tickets(layer);
    setenv("KRB5_CLIENT_KTNAME", getenv("KRB5_KTNAME"), 1);
    char *alice = krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
    front_accept(packages[_i], false, &f);
    ck_assert_msg(!(f.attrs & ASC_RET_DELEGATE), "ASC_RET 0x%x", (unsigned)f.attrs);
    ck_assert_int_eq(GssSspiAcquireDelegatedCredentialsHandle(&f.ctx, packages[_i], &as_client,
                                                              &ts),
                     SEC_E_OK);
    assert_credential_of(&as_client, alice);
    bool ldap = strcmp(realm_env("GSS_SSPI_TEST_KDB"), "ldap") == 0;
    if (ldap)
        assert_back_end_sees(&as_client, alice);
    assert_delegation_refused(&as_client);
    FreeCredentialsHandle(&as_client);
    /* Windows' way: impersonate, acquire the default outbound credential. */
    if (root) {
        ck_assert_int_eq(chmod(layer, 0644), 0);
        ck_assert_int_eq(impersonate_and_acquire(&f.ctx, packages[_i], &as_client),
                         SEC_E_OK);
        assert_credential_of(&as_client, alice);
        if (ldap)
            assert_back_end_sees(&as_client, alice);
        ck_assert_int_eq(RevertSecurityContext(&f.ctx), SEC_E_OK);
        FreeCredentialsHandle(&as_client);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", map_dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    front_done(&f);
    free(alice);
    unlink(layer);
}
END_TEST

/* kadmin.local's modprinc on the front end's principal (the realm's tools
 * run in this process's environment: KRB5_KDC_PROFILE names its database;
 * KADMIN_LOCAL as for tests/realm/setup-realm.sh), without the interposer
 * the suite may be running under (tests/mech/transparency.sh): the admin
 * tool is not under test, and a sanitized module cannot load into it. */
static void modprinc_front_end(const char *options)
{
    char cmd[1024];
    const char *tool = getenv("KADMIN_LOCAL");
    snprintf(cmd, sizeof(cmd),
             "env -u GSS_MECH_CONFIG PATH=\"$PATH:/usr/sbin:/sbin\" %s -r '%s' -q 'modprinc %s %s' "
             ">/dev/null 2>&1",
             tool != NULL && tool[0] != '\0' ? tool : "kadmin.local",
             realm_env("GSS_SSPI_TEST_REALM"), options, realm_env("GSS_SSPI_TEST_SPN"));
    ck_assert_int_eq(system(cmd), 0);
}

/* The service's TGT inside its inbound credential expires while the
 * server runs (here after 4 s: the KDC caps tickets of the front end's
 * principal); constrained delegation from the next clients' service
 * tickets must still work, as on Windows, without the server re-acquiring
 * its credential: the library gets a new TGT from the client keytab.
 * After the expiry several threads accept on the credential at once: one
 * refreshes, the others wait for it, none copies a half-written cache
 * (make check-tsan runs this too).  MIT 1.20 alone never refreshes the
 * TGT there: S4U2Proxy then fails (SEC_E_CONTEXT_EXPIRED). */
#define EXPIRY_CLIENTS 3

struct expiry_client {
    struct front f;
    const char *package, *alice;
    bool ldap;
};

/* One client's authentication on the shared credential, then the front
 * end reaches the back end as that client (S4U2Proxy). */
static void *expiry_client_run(void *arg)
{
    struct expiry_client *c = arg;
    CredHandle as_client;
    TimeStamp ts;
    front_exchange(&c->f);
    ck_assert_int_eq(GssSspiAcquireDelegatedCredentialsHandle(&c->f.ctx, c->package, &as_client,
                                                              &ts),
                     SEC_E_OK);
    if (c->ldap)
        assert_back_end_sees(&as_client, c->alice);
    assert_delegation_refused(&as_client);
    FreeCredentialsHandle(&as_client);
    DeleteSecurityContext(&c->f.ctx);
    return NULL;
}

START_TEST(constrained_after_service_tgt_expiry)
{
    CredHandle cred;
    struct expiry_client c[EXPIRY_CLIENTS];
    pthread_t t[EXPIRY_CLIENTS];
    char layer[] = "/tmp/gss-sspi-forwardable.XXXXXX";
    forwardable_tickets(layer);
    setenv("KRB5_CLIENT_KTNAME", getenv("KRB5_KTNAME"), 1);
    char *alice = krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
    modprinc_front_end("-maxlife \"4 seconds\"");
    acquire_inbound(packages[_i], &cred);
    gss_cred_id_t back = back_end_credential(); /* its keytab name set before the threads */
    OM_uint32 minor;
    gss_release_cred(&minor, &back);
    for (int i = 0; i < EXPIRY_CLIENTS; i++) {
        memset(&c[i], 0, sizeof(c[i]));
        c[i].f.cred = cred;
        c[i].package = packages[_i];
        c[i].alice = alice;
        c[i].ldap = strcmp(realm_env("GSS_SSPI_TEST_KDB"), "ldap") == 0;
    }
    front_client_start(packages[_i], false, &c[0].f);
    expiry_client_run(&c[0]); /* the TGT as acquired */
    sleep(6);                 /* past its end */
    for (int i = 0; i < EXPIRY_CLIENTS; i++)
        front_client_start(packages[_i], false, &c[i].f);
    for (int i = 0; i < EXPIRY_CLIENTS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, expiry_client_run, &c[i]), 0);
    for (int i = 0; i < EXPIRY_CLIENTS; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    modprinc_front_end("-maxlife \"24 hours\"");
    FreeCredentialsHandle(&cred);
    free(alice);
    unlink(layer);
}
END_TEST

/* The Negotiate acceptor of usage BOTH (its TGT from the client keytab)
 * serves every client a Negotiate acceptor serves: NTLM inside SPNEGO, raw
 * NTLM, raw and SPNEGO Kerberos; a wrong NTLM password is a logon failure.
 * (When the credential store reached gss-ntlmssp 1.2.0, it made its
 * element a user credential: NTLM inside SPNEGO got SEC_E_LOGON_DENIED and
 * raw NTLM crashed the process.) */
static const struct {
    const char *what, *client_pkg, *package_list, *password;
    bool ntlm;
    SECURITY_STATUS expect;
} negotiate_both_clients[] = {
    {"NTLM inside SPNEGO", "Negotiate", "NTLM", NULL, true, SEC_E_OK},
    {"raw NTLM", "NTLM", NULL, NULL, true, SEC_E_OK},
    {"raw Kerberos", "Kerberos", NULL, NULL, false, SEC_E_OK},
    {"Kerberos inside SPNEGO", "Negotiate", NULL, NULL, false, SEC_E_OK},
    /* After the Kerberos clients: with gss-sspi-negotiate loaded, the
     * mechglue's renumbered minor codes must still reach the status map. */
    {"NTLM, wrong password", "NTLM", NULL, "Wrong-Pass9", true, SEC_E_LOGON_DENIED},
};

START_TEST(negotiate_both_serves_every_client)
{
    CredHandle client, server;
    setenv("KRB5_CLIENT_KTNAME", getenv("KRB5_KTNAME"), 1);
    acquire_inbound("Negotiate", &server);
    for (size_t i = 0; i < sizeof(negotiate_both_clients) / sizeof(negotiate_both_clients[0]);
         i++) {
        typeof(negotiate_both_clients[0]) *c = &negotiate_both_clients[i];
        if (c->password != NULL)
            ck_assert_int_eq(acquire_outbound_password(c->client_pkg,
                                                       realm_env("GSS_SSPI_TEST_USER"),
                                                       realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
                                                       c->password, NULL, &client),
                             SEC_E_OK);
        else
            acquire_outbound_user(c->client_pkg, c->ntlm, c->package_list, &client);
        struct handshake hs = {.target = realm_env("GSS_SSPI_TEST_SPN"),
                               .isc_req = ISC_ALL,
                               .asc_req = ASC_ALL};
        handshake_run(&client, &server, &hs);
        ck_assert_msg(hs.server_status == c->expect, "%s: 0x%08x", c->what,
                      (unsigned)hs.server_status);
        if (c->expect == SEC_E_OK) {
            char *who = context_user_name(&hs.server);
            char *expect = c->ntlm ? ntlm_user_name(realm_env("GSS_SSPI_TEST_USER"))
                                   : krb5_user_name(realm_env("GSS_SSPI_TEST_USER"));
            ck_assert_str_eq(who, expect);
            free(who);
            free(expect);
        }
        handshake_cleanup(&hs);
        FreeCredentialsHandle(&client);
    }
    FreeCredentialsHandle(&server);
}
END_TEST

/* A client keytab that gives the service no TGT: the inbound credential is
 * accept-only (traced), authentication unchanged, nothing to delegate. */
START_TEST(no_service_tgt_accept_only)
{
    struct front f;
    CredHandle as_client;
    TimeStamp ts;
    setenv("KRB5_CLIENT_KTNAME", "FILE:/nonexistent/gss-sspi-no-client.keytab", 1);
    front_accept(packages[_i], false, &f);
    ck_assert_msg(!(f.attrs & ASC_RET_DELEGATE), "ASC_RET 0x%x", (unsigned)f.attrs);
    ck_assert_int_eq(GssSspiAcquireDelegatedCredentialsHandle(&f.ctx, packages[_i], &as_client,
                                                              &ts),
                     SEC_E_NO_CREDENTIALS);
    front_done(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("delegation");
    TCase *tc = tcase_create("delegation");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, explicit_delegated_credential, 0, 2);
    tcase_add_loop_test(tc, nothing_delegated, 0, 2);
    add_loop_test_if(tc, impersonation_uses_delegated_credential, 0, 2, geteuid() == 0,
                     "switching ids needs root (ImpersonateSecurityContext refuses; the "
                     "explicit call is covered)");
    tcase_add_loop_test(tc, protocol_transition, 0, 2);
    tcase_add_loop_test(tc, constrained_from_service_ticket, 0, 2);
    tcase_add_test(tc, negotiate_both_serves_every_client);
    tcase_add_loop_test(tc, no_service_tgt_accept_only, 0, 2);
    /* Last: it changes the realm (restored at its end). */
    tcase_add_loop_test(tc, constrained_after_service_tgt_expiry, 0, 2);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
