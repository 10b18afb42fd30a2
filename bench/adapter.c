/*
 * adapter.c - the same work through libgss-sspi and through raw GSS calls,
 * for bench/adapter.sh to count under callgrind side by side:
 *
 *   bench-adapter accept N    N Kerberos accepts: AcceptSecurityContext
 *   bench-adapter raw-accept N             ... : gss_accept_sec_context
 *   bench-adapter seal N      N 1 KiB EncryptMessage (TOKEN+DATA+PADDING)
 *   bench-adapter raw-seal N  N 1 KiB gss_wrap_iov (HEADER+DATA+PADDING)
 *
 * The client side is plain GSS in every mode, so only the measured side
 * differs.  callgrind counts the measured function (--toggle-collect).
 */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

static gss_OID_desc krb5 = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

static gss_name_t target(void)
{
    OM_uint32 minor;
    gss_name_t name;
    const char *host = getenv("GSS_SSPI_TEST_HOST");
    char text[256];
    snprintf(text, sizeof(text), "HTTP@%s", host ? host : "server.gss-sspi.test");
    gss_buffer_desc buf = {strlen(text), text};
    if (GSS_ERROR(gss_import_name(&minor, &buf, GSS_C_NT_HOSTBASED_SERVICE, &name)))
        exit(1);
    return name;
}

/* The client's first (and, without mutual auth, only) token. */
static gss_buffer_desc client_token(gss_name_t name, gss_ctx_id_t *client)
{
    OM_uint32 minor;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    *client = GSS_C_NO_CONTEXT;
    if (GSS_ERROR(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, client, name, &krb5,
                                       GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG, 0, NULL, NULL, NULL,
                                       &token, NULL, NULL))) {
        fprintf(stderr, "bench: gss_init_sec_context failed\n");
        exit(1);
    }
    return token;
}

struct server {
    CredHandle cred;
    CtxtHandle sspi;
    gss_cred_id_t gss_cred;
    gss_ctx_id_t gss;
};

static void accept_sspi(struct server *s, gss_buffer_desc *token)
{
    SecBuffer in = {(ULONG)token->length, SECBUFFER_TOKEN, token->value};
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    TimeStamp ts;
    if (AcceptSecurityContext(&s->cred, NULL, &in_d, ASC_REQ_ALLOCATE_MEMORY, 0, &s->sspi, &out_d,
                              &attrs, &ts) != SEC_E_OK)
        exit(1);
    FreeContextBuffer(out.pvBuffer);
}

static void accept_raw(struct server *s, gss_buffer_desc *token)
{
    OM_uint32 minor;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    gss_name_t peer = GSS_C_NO_NAME;
    s->gss = GSS_C_NO_CONTEXT;
    if (gss_accept_sec_context(&minor, &s->gss, s->gss_cred, token, NULL, &peer, NULL, &out, NULL,
                               NULL, NULL) != GSS_S_COMPLETE)
        exit(1);
    gss_release_buffer(&minor, &out);
    gss_release_name(&minor, &peer);
}

static void seal_sspi(struct server *s, unsigned char *msg, unsigned char *trailer)
{
    SecBuffer b[3] = {{60, SECBUFFER_TOKEN, trailer},
                      {1024, SECBUFFER_DATA, msg},
                      {16, SECBUFFER_PADDING, trailer + 60}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    if (EncryptMessage(&s->sspi, 0, &d, 0) != SEC_E_OK)
        exit(1);
}

static void seal_raw(struct server *s, unsigned char *msg, unsigned char *trailer)
{
    OM_uint32 minor;
    gss_iov_buffer_desc iov[3] = {
        {GSS_IOV_BUFFER_TYPE_HEADER, {60, trailer}},
        {GSS_IOV_BUFFER_TYPE_DATA, {1024, msg}},
        {GSS_IOV_BUFFER_TYPE_PADDING, {16, trailer + 60}},
    };
    if (GSS_ERROR(gss_wrap_iov(&minor, s->gss, 1, GSS_C_QOP_DEFAULT, NULL, iov, 3)))
        exit(1);
}

int main(int argc, char **argv)
{
    OM_uint32 minor;
    const char *mode = argc > 1 ? argv[1] : "accept";
    int n = argc > 2 ? atoi(argv[2]) : 20;
    bool raw = strncmp(mode, "raw-", 4) == 0, seal = strstr(mode, "seal") != NULL;
    struct server s = {.gss_cred = GSS_C_NO_CREDENTIAL};
    TimeStamp ts;
    gss_OID_set_desc mechs = {1, &krb5};
    if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos", SECPKG_CRED_INBOUND, NULL, NULL,
                                  NULL, NULL, &s.cred, &ts) != SEC_E_OK ||
        GSS_ERROR(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &s.gss_cred,
                                   NULL, NULL)))
        return 1;
    gss_name_t name = target();
    unsigned char msg[1024] = {0}, trailer[80];
    for (int i = 0; i < (seal ? 1 : n); i++) {
        gss_ctx_id_t client;
        gss_buffer_desc token = client_token(name, &client);
        if (raw)
            accept_raw(&s, &token);
        else
            accept_sspi(&s, &token);
        for (int k = 0; seal && k < n; k++)
            (raw ? seal_raw : seal_sspi)(&s, msg, trailer);
        gss_release_buffer(&minor, &token);
        gss_delete_sec_context(&minor, &client, GSS_C_NO_BUFFER);
        if (raw)
            gss_delete_sec_context(&minor, &s.gss, GSS_C_NO_BUFFER);
        else
            DeleteSecurityContext(&s.sspi);
    }
    printf("bench: %s x%d done\n", mode, n);
    gss_release_name(&minor, &name);
    gss_release_cred(&minor, &s.gss_cred);
    FreeCredentialsHandle(&s.cred);
    return 0;
}
