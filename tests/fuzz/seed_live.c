/*
 * seed_live.c - seeds made by running the library, for two fuzz targets:
 *
 *   seed-live DIR [WINDOWS_KERBEROS_DIR]
 *
 * DIR/import_context/<name>: what ExportSecurityContext gives for real,
 * established contexts:
 *   - both ends of an NTLM handshake between our initiator and our acceptor
 *     (a private NTLM user file), packages NTLM and Negotiate;
 *   - our acceptor after the captured Windows Kerberos tokens (the
 *     directory's README; a keytab of its service keys), raw and SPNEGO.
 * DIR/pac_logon_info/<name>: the PAC logon info of those Windows tickets,
 * as MIT hands it over (name attribute urn:mspac:logon-info).
 * What does not work here is skipped with a line on stderr: seeds help the
 * fuzzer, they are not a test.  Runs in a temporary directory of its own.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <sspi.h>

#include "../windows_keytab.h"

#define NTLM_DOMAIN "FUZZ"
#define NTLM_USER "alice"
#define NTLM_PASSWORD "Alice-Pass1"

static const char *out_dir;
static char work[] = "/tmp/gss-sspi-seed-live.XXXXXX";
static int written;

static void save(const char *target, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", out_dir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    written++;
}

static void export_to(const char *name, CtxtHandle *h)
{
    SecBuffer packed = {0, SECBUFFER_EMPTY, NULL};
    SECURITY_STATUS s = ExportSecurityContext(h, 0, &packed, NULL);
    if (s != SEC_E_OK) {
        fprintf(stderr, "seed-live: %s: ExportSecurityContext 0x%08x, skipped\n", name,
                (unsigned)s);
        return;
    }
    save("import_context", name, packed.pvBuffer, packed.cbBuffer);
    FreeContextBuffer(packed.pvBuffer);
}

/* ---- NTLM: our initiator against our acceptor ------------------------------------ */
static void ntlm_pair(const char *package, const char *prefix)
{
    SEC_WINNT_AUTH_IDENTITY_A id = {(unsigned char *)NTLM_USER,     sizeof(NTLM_USER) - 1,
                                    (unsigned char *)NTLM_DOMAIN,   sizeof(NTLM_DOMAIN) - 1,
                                    (unsigned char *)NTLM_PASSWORD, sizeof(NTLM_PASSWORD) - 1,
                                    SEC_WINNT_AUTH_IDENTITY_ANSI};
    CredHandle ccred, scred;
    CtxtHandle cctx, sctx;
    TimeStamp ts;
    ULONG attrs;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    SecBuffer to_server = {0, SECBUFFER_TOKEN, NULL}, to_client = {0, SECBUFFER_TOKEN, NULL};
    bool have_c = false, have_s = false;
    char name[64];

    if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                  NULL, &ccred, &ts) != SEC_E_OK ||
        AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                  NULL, &scred, &ts) != SEC_E_OK) {
        fprintf(stderr, "seed-live: %s: no credentials, skipped\n", package);
        return;
    }
    for (int round = 0; round < 4 && (cs == SEC_I_CONTINUE_NEEDED || ss == SEC_I_CONTINUE_NEEDED);
         round++) {
        if (cs == SEC_I_CONTINUE_NEEDED) {
            SecBufferDesc in = {SECBUFFER_VERSION, 1, &to_client};
            SecBufferDesc out = {SECBUFFER_VERSION, 1, &to_server};
            FreeContextBuffer(to_server.pvBuffer);
            to_server = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
            cs = InitializeSecurityContextA(
                &ccred, have_c ? &cctx : NULL, (SEC_CHAR *)"HTTP/localhost",
                ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 0,
                SECURITY_NATIVE_DREP, have_c ? &in : NULL, 0, &cctx, &out, &attrs, &ts);
            have_c = true;
            if (cs != SEC_E_OK && cs != SEC_I_CONTINUE_NEEDED)
                break;
        }
        if (to_server.cbBuffer == 0)
            break;
        SecBufferDesc in = {SECBUFFER_VERSION, 1, &to_server};
        SecBufferDesc out = {SECBUFFER_VERSION, 1, &to_client};
        FreeContextBuffer(to_client.pvBuffer);
        to_client = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
        ss = AcceptSecurityContext(&scred, have_s ? &sctx : NULL, &in,
                                   ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY |
                                       ASC_REQ_INTEGRITY,
                                   SECURITY_NATIVE_DREP, &sctx, &out, &attrs, &ts);
        have_s = true;
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED)
            break;
    }
    FreeContextBuffer(to_server.pvBuffer);
    FreeContextBuffer(to_client.pvBuffer);
    if (cs == SEC_E_OK && ss == SEC_E_OK) {
        snprintf(name, sizeof(name), "%s-initiator", prefix);
        export_to(name, &cctx);
        snprintf(name, sizeof(name), "%s-acceptor", prefix);
        export_to(name, &sctx);
    } else {
        fprintf(stderr, "seed-live: %s handshake: 0x%08x / 0x%08x, skipped\n", package,
                (unsigned)cs, (unsigned)ss);
    }
    if (have_c)
        DeleteSecurityContext(&cctx);
    if (have_s)
        DeleteSecurityContext(&sctx);
    FreeCredentialsHandle(&ccred);
    FreeCredentialsHandle(&scred);
}

/* ---- Kerberos: the captured Windows tokens ---------------------------------------- */

static void windows_token(const char *dir, const char *file, const char *package)
{
    size_t len;
    void *token = windows_read(dir, file, &len);
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp ts;
    ULONG attrs;
    if (token == NULL || len == 0) {
        fprintf(stderr, "seed-live: %s/%s missing, skipped\n", dir, file);
        free(token);
        return;
    }
    if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                  NULL, &cred, &ts) != SEC_E_OK) {
        fprintf(stderr, "seed-live: %s: no acceptor credential, skipped\n", package);
        free(token);
        return;
    }
    SecBuffer ib = {(ULONG)len, SECBUFFER_TOKEN, token}, ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in = {SECBUFFER_VERSION, 1, &ib}, out = {SECBUFFER_VERSION, 1, &ob};
    SECURITY_STATUS s = AcceptSecurityContext(&cred, NULL, &in, ASC_REQ_ALLOCATE_MEMORY,
                                              SECURITY_NATIVE_DREP, &ctx, &out, &attrs, &ts);
    FreeContextBuffer(ob.pvBuffer);
    if (s == SEC_E_OK) {
        export_to(file, &ctx);
        DeleteSecurityContext(&ctx);
    } else {
        fprintf(stderr, "seed-live: %s: AcceptSecurityContext 0x%08x, skipped\n", file,
                (unsigned)s);
    }
    FreeCredentialsHandle(&cred);
    free(token);
}

/* The PAC logon info of the ticket in a raw Kerberos token, through GSS. */
static void windows_pac(const char *dir, const char *file)
{
    OM_uint32 major, minor;
    size_t len;
    void *token = windows_read(dir, file, &len);
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_name_t client = GSS_C_NO_NAME;
    gss_buffer_desc in = {len, token}, out = GSS_C_EMPTY_BUFFER, value = GSS_C_EMPTY_BUFFER;
    gss_buffer_desc attr = {sizeof("urn:mspac:logon-info") - 1, (void *)"urn:mspac:logon-info"};
    int authenticated, complete, more = -1;
    major =
        gss_accept_sec_context(&minor, &ctx, GSS_C_NO_CREDENTIAL, &in, GSS_C_NO_CHANNEL_BINDINGS,
                               &client, NULL, &out, NULL, NULL, NULL);
    if (major == GSS_S_COMPLETE)
        major = gss_get_name_attribute(&minor, client, &attr, &authenticated, &complete, &value,
                                       NULL, &more);
    if (major == GSS_S_COMPLETE && value.length > 0)
        save("pac_logon_info", file, value.value, value.length);
    else
        fprintf(stderr, "seed-live: %s: no PAC logon info (0x%x/%u), skipped\n", file, major,
                minor);
    gss_release_buffer(&minor, &value);
    gss_release_buffer(&minor, &out);
    gss_release_name(&minor, &client);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    free(token);
}

static void setup_environment(void)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof(path), "%s/ntlm-users", work);
    if ((f = fopen(path, "w")) != NULL) {
        fprintf(f, "%s:%s:%s\n", NTLM_DOMAIN, NTLM_USER, NTLM_PASSWORD);
        fclose(f);
    }
    setenv("NTLM_USER_FILE", path, 1);
    snprintf(path, sizeof(path), "%s/krb5.conf", work);
    if ((f = fopen(path, "w")) != NULL) {
        /* The Windows authenticators date from 2009; RC4 is one of them. */
        fputs("[libdefaults]\n default_realm = DOMAIN.COM\n clockskew = 1000000000\n"
              " allow_weak_crypto = true\n allow_rc4 = true\n rdns = false\n"
              " dns_canonicalize_hostname = false\n dns_lookup_kdc = false\n"
              " dns_lookup_realm = false\n",
              f);
        fclose(f);
    }
    setenv("KRB5_CONFIG", path, 1);
    snprintf(path, sizeof(path), "FILE:%s/krb5.keytab", work);
    setenv("KRB5_KTNAME", path, 1);
    snprintf(path, sizeof(path), "FILE:%s/ccache", work);
    setenv("KRB5CCNAME", path, 1);
    setenv("KRB5RCACHETYPE", "none", 1);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DIR [WINDOWS_KERBEROS_DIR]\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    if (mkdtemp(work) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    setup_environment();
    ntlm_pair("NTLM", "ntlm");
    ntlm_pair("Negotiate", "negotiate-ntlm");
    /* The Windows service keys and the krb5.conf the 2009 tokens need
     * (tests/windows_keytab.c), in place of the first krb5.conf. */
    if (argc == 3 && windows_kerberos_write(argv[2], work) == NULL &&
        windows_kerberos_env(work) == 0) {
        static const struct {
            const char *file, *package;
        } tokens[] = {{"rc4-kerberos-data", "Kerberos"},
                      {"aes256-kerberos-data", "Kerberos"},
                      {"aes128-spnego-data", "Negotiate"}};
        for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
            windows_token(argv[2], tokens[i].file, tokens[i].package);
        static const char *const raw[] = {"rc4-kerberos-data", "aes128-kerberos-data",
                                          "aes256-kerberos-data"};
        for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
            windows_pac(argv[2], raw[i]);
    } else if (argc == 3) {
        fprintf(stderr, "seed-live: no service keys in %s, Kerberos seeds skipped\n", argv[2]);
    }
    static const char *const files[] = {"ntlm-users", "krb5.conf", "krb5.keytab", "windows.keytab",
                                        "ccache"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", work, files[i]);
        unlink(path);
    }
    if (rmdir(work) != 0)
        fprintf(stderr, "seed-live: could not remove %s\n", work);
    printf("seed-live: %d seeds\n", written);
    return 0;
}
