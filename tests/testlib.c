/* testlib.c - helpers for the integration tests (see testlib.h). */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gssapi/gssapi_ext.h>

#include "gss-sspi-mech.h"
#include "oids.h"
#include "testlib.h"

const char *realm_env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL, "%s is not set: run this test through tests/with-realm", name);
    return v;
}

char *ntlm_user_name(const char *user)
{
    char *s;
    ck_assert(asprintf(&s, "%s\\%s", realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"), user) > 0);
    return s;
}

char *krb5_user_name(const char *user)
{
    char *s;
    ck_assert(asprintf(&s, "%s@%s", user, realm_env("GSS_SSPI_TEST_REALM")) > 0);
    return s;
}

void acquire_inbound(const char *package, CredHandle *out)
{
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND,
                                                  NULL, NULL, NULL, NULL, out, &ts);
    ck_assert_msg(s == SEC_E_OK, "inbound %s credentials: 0x%08x", package, (unsigned)s);
}

void acquire_outbound_default(const char *package, CredHandle *out)
{
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND,
                                                  NULL, NULL, NULL, NULL, out, &ts);
    ck_assert_msg(s == SEC_E_OK, "default outbound %s credentials: 0x%08x", package, (unsigned)s);
}

SECURITY_STATUS acquire_outbound_password(const char *package, const char *user,
                                          const char *domain, const char *password,
                                          const char *package_list, CredHandle *out)
{
    TimeStamp ts;
    SEC_WINNT_AUTH_IDENTITY_EXA ex = {
        .Version = SEC_WINNT_AUTH_IDENTITY_VERSION,
        .Length = sizeof(ex),
        .User = (unsigned char *)user,
        .UserLength = (ULONG)strlen(user),
        .Domain = (unsigned char *)domain,
        .DomainLength = domain ? (ULONG)strlen(domain) : 0,
        .Password = (unsigned char *)password,
        .PasswordLength = (ULONG)strlen(password),
        .Flags = SEC_WINNT_AUTH_IDENTITY_ANSI,
        .PackageList = (unsigned char *)package_list,
        .PackageListLength = package_list ? (ULONG)strlen(package_list) : 0,
    };
    SEC_WINNT_AUTH_IDENTITY_A plain = {ex.User,     ex.UserLength,     ex.Domain, ex.DomainLength,
                                       ex.Password, ex.PasswordLength, ex.Flags};
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND, NULL,
                                     package_list ? (void *)&ex : (void *)&plain, NULL, NULL, out,
                                     &ts);
}

void acquire_outbound_user(const char *package, bool ntlm, const char *package_list,
                           CredHandle *out)
{
    if (!ntlm) {
        acquire_outbound_default(package, out);
        return;
    }
    SECURITY_STATUS s = acquire_outbound_password(
        package, realm_env("GSS_SSPI_TEST_USER"), realm_env("GSS_SSPI_TEST_NTLM_DOMAIN"),
        realm_env("GSS_SSPI_TEST_PASSWORD"), package_list, out);
    ck_assert_msg(s == SEC_E_OK, "%s credentials with an NTLM identity: 0x%08x", package,
                  (unsigned)s);
}

void *channel_bindings_new(const char *application_data, ULONG *len)
{
    size_t n = strlen(application_data);
    unsigned char *blob = calloc(1, sizeof(SEC_CHANNEL_BINDINGS) + n);
    SEC_CHANNEL_BINDINGS *cb = (SEC_CHANNEL_BINDINGS *)blob;
    ck_assert_ptr_nonnull(blob);
    cb->cbApplicationDataLength = (ULONG)n;
    cb->dwApplicationDataOffset = sizeof(*cb);
    memcpy(blob + sizeof(*cb), application_data, n);
    *len = (ULONG)(sizeof(*cb) + n);
    return blob;
}

/* pInput for a step: the token (may be absent) and the bindings (may be absent). */
static void input_desc(SecBufferDesc *desc, SecBuffer bufs[2], void *token, ULONG token_len,
                       const void *cb, ULONG cb_len)
{
    desc->ulVersion = SECBUFFER_VERSION;
    desc->cBuffers = 0;
    desc->pBuffers = bufs;
    if (token != NULL)
        bufs[desc->cBuffers++] = (SecBuffer){token_len, SECBUFFER_TOKEN, token};
    if (cb != NULL)
        bufs[desc->cBuffers++] = (SecBuffer){cb_len, SECBUFFER_CHANNEL_BINDINGS, (void *)cb};
}

static void remember_first(struct handshake *hs, const void *token, ULONG len)
{
    if (hs->first_token != NULL || len == 0)
        return;
    hs->first_token = malloc(len);
    memcpy(hs->first_token, token, len);
    hs->first_token_len = len;
}

/* One acceptor step; returns the output token (FreeContextBuffer) in *out. */
static void server_step(CredHandle *server_cred, struct handshake *hs, void *token, ULONG len,
                        SecBuffer *out)
{
    SecBuffer in_bufs[2];
    SecBufferDesc in_desc, out_desc = {SECBUFFER_VERSION, 1, out};
    input_desc(&in_desc, in_bufs, token, len, hs->server_cb, hs->server_cb_len);
    *out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    hs->server_status = AcceptSecurityContext(
        server_cred, hs->have_server ? &hs->server : NULL, &in_desc,
        hs->asc_req | ASC_REQ_ALLOCATE_MEMORY, SECURITY_NATIVE_DREP, &hs->server, &out_desc,
        &hs->asc_ret, &hs->server_expiry);
    if (hs->server_status == SEC_E_OK || hs->server_status == SEC_I_CONTINUE_NEEDED)
        hs->have_server = true;
    hs->legs++;
}

void handshake_run(CredHandle *client_cred, CredHandle *server_cred, struct handshake *hs)
{
    SecBuffer in_bufs[2], out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_desc, out_desc = {SECBUFFER_VERSION, 1, &out};
    TimeStamp ts;
    void *server_token = NULL;
    ULONG server_len = 0;

    hs->client_status = hs->server_status = SEC_I_CONTINUE_NEEDED;
    for (int round = 0; round < 10; round++) {
        if (hs->client_status == SEC_I_CONTINUE_NEEDED) {
            input_desc(&in_desc, in_bufs, server_token, server_len, hs->client_cb,
                       hs->client_cb_len);
            out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
            hs->client_status = InitializeSecurityContextA(
                client_cred, hs->have_client ? &hs->client : NULL, (SEC_CHAR *)hs->target,
                hs->isc_req | ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP,
                in_desc.cBuffers ? &in_desc : NULL, 0, &hs->client, &out_desc, &hs->isc_ret, &ts);
            hs->legs++;
            FreeContextBuffer(server_token);
            server_token = NULL;
            if (hs->client_status != SEC_E_OK && hs->client_status != SEC_I_CONTINUE_NEEDED)
                return;
            hs->have_client = true;
        }
        if (out.cbBuffer == 0)
            break; /* nothing more for the server */
        remember_first(hs, out.pvBuffer, out.cbBuffer);
        SecBuffer reply;
        server_step(server_cred, hs, out.pvBuffer, out.cbBuffer, &reply);
        FreeContextBuffer(out.pvBuffer);
        out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
        if (hs->server_status != SEC_E_OK && hs->server_status != SEC_I_CONTINUE_NEEDED) {
            FreeContextBuffer(reply.pvBuffer);
            return;
        }
        server_token = reply.pvBuffer;
        server_len = reply.cbBuffer;
        if (server_len == 0 || hs->client_status == SEC_E_OK) {
            FreeContextBuffer(server_token);
            server_token = NULL;
            if (hs->server_status == SEC_E_OK || server_len == 0)
                break;
        }
    }
    FreeContextBuffer(server_token);
}

void handshake_user(const char *client_pkg, bool ntlm, const char *package_list,
                    const char *server_pkg, struct handshake *hs)
{
    acquire_outbound_user(client_pkg, ntlm, package_list, &hs->client_cred);
    acquire_inbound(server_pkg, &hs->server_cred);
    hs->have_creds = true;
    hs->target = realm_env("GSS_SSPI_TEST_SPN");
    handshake_run(&hs->client_cred, &hs->server_cred, hs);
}

void gss_handshake_run(struct gss_client *c, CredHandle *server_cred, struct handshake *hs)
{
    OM_uint32 minor;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_name_t target = GSS_C_NO_NAME;
    char *hostbased = strdup(hs->target);
    char *slash = strchr(hostbased, '/');
    if (slash)
        *slash = '@';
    gss_buffer_desc name = {strlen(hostbased), hostbased};
    c->major = gss_import_name(&minor, &name, GSS_C_NT_HOSTBASED_SERVICE, &target);
    ck_assert_msg(!GSS_ERROR(c->major), "gss_import_name(%s)", hostbased);
    free(hostbased);

    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    void *server_token = NULL;
    hs->server_status = SEC_I_CONTINUE_NEEDED;
    for (int round = 0; round < 10; round++) {
        in.value = server_token;
        in.length = server_token ? hs->first_token_len * 0 + in.length : 0;
        c->major = gss_init_sec_context(&c->minor, c->cred, &ctx, target, c->mech, c->req_flags, 0,
                                        c->bindings, &in, NULL, &out, &c->ret_flags, NULL);
        FreeContextBuffer(server_token);
        server_token = NULL;
        if (GSS_ERROR(c->major) || out.length == 0)
            break;
        remember_first(hs, out.value, (ULONG)out.length);
        SecBuffer reply;
        server_step(server_cred, hs, out.value, (ULONG)out.length, &reply);
        gss_release_buffer(&minor, &out);
        if (hs->server_status != SEC_E_OK && hs->server_status != SEC_I_CONTINUE_NEEDED) {
            FreeContextBuffer(reply.pvBuffer);
            break;
        }
        if (reply.cbBuffer == 0 || !(c->major & GSS_S_CONTINUE_NEEDED)) {
            FreeContextBuffer(reply.pvBuffer);
            break;
        }
        server_token = reply.pvBuffer;
        in.length = reply.cbBuffer;
    }
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &target);
}

gss_cred_id_t gss_password_cred(gss_OID mech, const char *user, const char *password)
{
    OM_uint32 major, minor;
    gss_name_t name;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_buffer_desc nb = {strlen(user), (void *)user}, pw = {strlen(password), (void *)password};
    gss_OID_set_desc mechs = {1, mech};
    major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name);
    ck_assert(!GSS_ERROR(major));
    major = gss_acquire_cred_with_password(&minor, name, &pw, 0, &mechs, GSS_C_INITIATE, &cred,
                                           NULL, NULL);
    ck_assert_msg(!GSS_ERROR(major), "gss_acquire_cred_with_password(%s): 0x%x/%u", user, major,
                  minor);
    gss_release_name(&minor, &name);
    return cred;
}

gss_cred_id_t gss_ntlm_user_cred(gss_OID mech)
{
    char *user = ntlm_user_name(realm_env("GSS_SSPI_TEST_USER"));
    gss_cred_id_t cred = gss_password_cred(mech, user, realm_env("GSS_SSPI_TEST_PASSWORD"));
    free(user);
    return cred;
}

void handshake_cleanup(struct handshake *hs)
{
    if (hs->have_client)
        DeleteSecurityContext(&hs->client);
    if (hs->have_server)
        DeleteSecurityContext(&hs->server);
    hs->have_client = hs->have_server = false;
    free(hs->first_token);
    hs->first_token = NULL;
    if (hs->have_creds) {
        FreeCredentialsHandle(&hs->client_cred);
        FreeCredentialsHandle(&hs->server_cred);
        hs->have_creds = false;
    }
}

void first_leg_context(const char *package, CredHandle *cred, CtxtHandle *ctx)
{
    unsigned char out[4096];
    SecBuffer ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs;
    TimeStamp ts;
    acquire_outbound_default(package, cred);
    ck_assert_int_eq(
        InitializeSecurityContextA(cred, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"), ISC_ALL,
                                   0, SECURITY_NATIVE_DREP, NULL, 0, ctx, &od, &attrs, &ts),
        SEC_I_CONTINUE_NEEDED);
}

void *first_leg_token(const char *package, ULONG isc_req, SECURITY_STATUS expected, ULONG *len)
{
    CredHandle cc;
    CtxtHandle client;
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    acquire_outbound_default(package, &cc);
    ck_assert_int_eq(
        InitializeSecurityContextA(&cc, NULL, (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                   isc_req | ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP, NULL,
                                   0, &client, &out_d, &attrs, &ts),
        expected);
    DeleteSecurityContext(&client);
    FreeCredentialsHandle(&cc);
    *len = out.cbBuffer;
    return out.pvBuffer;
}

SECURITY_STATUS accept_one(CredHandle *cred, const void *token, ULONG len, ULONG asc_req,
                           CtxtHandle *ctx, bool *have_ctx, void **out_token, ULONG *out_len)
{
    SecBuffer in = {len, SECBUFFER_TOKEN, (void *)token}, out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &in}, out_desc = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs = 0;
    TimeStamp ts;
    SECURITY_STATUS s = AcceptSecurityContext(cred, NULL, &in_desc, asc_req | ASC_REQ_ALLOCATE_MEMORY,
                                              SECURITY_NATIVE_DREP, ctx, &out_desc, &attrs, &ts);
    *have_ctx = (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED);
    if (out_token != NULL) {
        *out_token = out.pvBuffer;
        *out_len = out.cbBuffer;
    } else {
        FreeContextBuffer(out.pvBuffer);
    }
    return s;
}

void ntlm_first_leg(struct ntlm_first_leg *leg)
{
    SecBufferDesc out_d = {SECBUFFER_VERSION, 1, &leg->negotiate};
    ULONG attrs;
    TimeStamp ts;
    bool have_server;
    acquire_outbound_user("NTLM", true, NULL, &leg->client_cred);
    acquire_inbound("NTLM", &leg->server_cred);
    leg->negotiate = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    ck_assert_int_eq(InitializeSecurityContextA(&leg->client_cred, NULL,
                                                (SEC_CHAR *)realm_env("GSS_SSPI_TEST_SPN"),
                                                ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP,
                                                NULL, 0, &leg->client, &out_d, &attrs, &ts),
                     SEC_I_CONTINUE_NEEDED);
    leg->challenge = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    ck_assert_int_eq(accept_one(&leg->server_cred, leg->negotiate.pvBuffer, leg->negotiate.cbBuffer,
                                0, &leg->server, &have_server, &leg->challenge.pvBuffer,
                                &leg->challenge.cbBuffer),
                     SEC_I_CONTINUE_NEEDED);
}

void ntlm_first_leg_done(struct ntlm_first_leg *leg)
{
    FreeContextBuffer(leg->negotiate.pvBuffer);
    FreeContextBuffer(leg->challenge.pvBuffer);
    DeleteSecurityContext(&leg->client);
    DeleteSecurityContext(&leg->server);
    FreeCredentialsHandle(&leg->client_cred);
    FreeCredentialsHandle(&leg->server_cred);
}

char *context_user_name(CtxtHandle *ctx)
{
    SecPkgContext_NamesA names = {0};
    SECURITY_STATUS s = QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names);
    ck_assert_msg(s == SEC_E_OK, "QueryContextAttributes(NAMES): 0x%08x", (unsigned)s);
    char *copy = strdup(names.sUserName);
    FreeContextBuffer(names.sUserName);
    return copy;
}

char *context_package_used(CtxtHandle *ctx)
{
    SecPkgContext_NegotiationInfoA info = {0};
    SECURITY_STATUS s = QueryContextAttributesA(ctx, SECPKG_ATTR_NEGOTIATION_INFO, &info);
    ck_assert_msg(s == SEC_E_OK, "QueryContextAttributes(NEGOTIATION_INFO): 0x%08x", (unsigned)s);
    char *copy = strdup(info.PackageInfo->Name);
    FreeContextBuffer(info.PackageInfo);
    return copy;
}

char *context_last_error(CtxtHandle *ctx)
{
    SecPkgContext_GssLastError err = {0};
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_GSS_LAST_ERROR, &err) != SEC_E_OK || !err.Text)
        return strdup("");
    char *copy = strdup(err.Text);
    FreeContextBuffer(err.Text);
    return copy;
}

/* common/'s OIDs (oids.h), built from its DER constants: most test
 * programs link no common/ code. */
static gss_OID_desc krb5 = {OID_KRB5_LEN, OID_KRB5_DER};
static gss_OID_desc spnego = {OID_SPNEGO_LEN, OID_SPNEGO_DER};
static gss_OID_desc ntlmssp = {OID_NTLMSSP_LEN, OID_NTLMSSP_DER};
gss_OID_desc *test_mech_krb5(void) { return &krb5; }
gss_OID_desc *test_mech_spnego(void) { return &spnego; }
gss_OID_desc *test_mech_ntlmssp(void) { return &ntlmssp; }

/* fork + exec: a process that shares nothing with this one. */
void child_start(struct child *c, const char *name)
{
    int to[2], from[2];
    char path[4096];
    const char *top = getenv("top_builddir");
    snprintf(path, sizeof(path), "%s/tests/%s", top ? top : ".", name);
    c->name = name;
    ck_assert(pipe(to) == 0 && pipe(from) == 0);
    c->pid = fork();
    ck_assert(c->pid >= 0);
    if (c->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    c->to = fdopen(to[1], "w");
    c->from = fdopen(from[0], "r");
}

void child_put(struct child *c, const void *p, uint32_t len)
{
    unsigned char h[4] = {len >> 24, len >> 16, len >> 8, len};
    ck_assert_uint_eq(fwrite(h, 1, 4, c->to), 4);
    ck_assert_uint_eq(fwrite(p, 1, len, c->to), len);
    fflush(c->to);
}

void *child_get(struct child *c, uint32_t *len)
{
    unsigned char h[4];
    ck_assert_msg(fread(h, 1, 4, c->from) == 4, "%s said nothing more (see its stderr)", c->name);
    *len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    unsigned char *p = malloc(*len + 1);
    ck_assert(fread(p, 1, *len, c->from) == *len);
    p[*len] = 0;
    return p;
}

SECURITY_STATUS child_get_status(struct child *c)
{
    uint32_t len;
    unsigned char *p = child_get(c, &len);
    ck_assert_uint_eq(len, 4);
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    free(p);
    return (SECURITY_STATUS)v;
}

int child_finish(struct child *c)
{
    int st = 0;
    fclose(c->to);
    fclose(c->from);
    ck_assert(waitpid(c->pid, &st, 0) == c->pid);
    ck_assert_msg(WIFEXITED(st), "%s died of signal %d", c->name, WTERMSIG(st));
    return WEXITSTATUS(st);
}

bool test_wanted(bool met, const char *name, const char *why)
{
    if (!met)
        printf("SKIP: %s: %s\n", name, why);
    return met;
}

void test_skip_step(const char *what, const char *why)
{
    printf("SKIP: %s: %s\n", what, why);
    fflush(stdout); /* check forks each test: the line must leave before it ends */
}

int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The mechglue reads GSS_MECH_CONFIG once per process.  The system's
 * gss-ntlmssp line is kept (the module interposes it). */
void load_negotiate_module(void)
{
    const char *module = getenv("GSS_SSPI_NEGOTIATE_MODULE");
    const char *dir = getenv("GSS_SSPI_TEST_DIR");
    char path[512], line[1024], ntlm[1024] = "";
    glob_t g;
    if (module == NULL || dir == NULL) {
        fprintf(stderr, "run through make check (GSS_SSPI_NEGOTIATE_MODULE, with-realm)\n");
        exit(77);
    }
    if (glob("/etc/gss/mech.d/*.conf", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc && ntlm[0] == '\0'; i++) {
            FILE *f = fopen(g.gl_pathv[i], "r");
            while (f != NULL && fgets(line, sizeof(line), f))
                if (line[0] != '#' && strstr(line, "1.3.6.1.4.1.311.2.2.10") != NULL)
                    snprintf(ntlm, sizeof(ntlm), "%s", line);
            if (f != NULL)
                fclose(f);
        }
        globfree(&g);
    }
    snprintf(path, sizeof(path), "%s/mech-with-interposer", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        exit(99);
    fprintf(f,
            "%sgss-sspi-negotiate 2.25.90609452979841741294370483809392673506.1 %s <interposer>\n",
            ntlm, module);
    fclose(f);
    setenv("GSS_MECH_CONFIG", path, 1);
}

char audit_path[512];

void use_policy(const char *name, const char *settings)
{
    char path[512];
    const char *dir = realm_env("GSS_SSPI_TEST_DIR");
    snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
    snprintf(audit_path, sizeof(audit_path), "%s/%s.audit", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "audit_syslog = no\naudit_file = %s\n%s", audit_path, settings);
    fclose(f);
    /* The module refuses a policy file others may write, whatever the umask. */
    ck_assert_int_eq(chmod(path, 0644), 0);
    unlink(audit_path);
    setenv(GSS_SSPI_NEGOTIATE_CONF_ENV, path, 1);
}

char *audit_text(void)
{
    FILE *f = fopen(audit_path, "r");
    char *buf = calloc(1, 65536);
    if (f != NULL) {
        size_t n = fread(buf, 1, 65535, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

void expect_audit(const char *fragment)
{
    char *text = audit_text();
    ck_assert_msg(strstr(text, fragment) != NULL, "no \"%s\" in the audit file:\n%s", fragment,
                  text);
    free(text);
}
