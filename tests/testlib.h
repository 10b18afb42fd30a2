/* testlib.h - what the integration tests share: the private realm's
 * facts, credential helpers, and in-process handshakes. */
#ifndef GSS_SSPI_TESTLIB_H
#define GSS_SSPI_TESTLIB_H

#include <check.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <stdio.h>
#include <stdbool.h>

#include <gss-sspi.h>
#include <sspi.h>

/* An environment variable set up by tests/with-realm; aborts the test when
 * it is missing (the harness did not run). */
const char *realm_env(const char *name);

void acquire_inbound(const char *package, CredHandle *out);
void acquire_outbound_default(const char *package, CredHandle *out);
/* Explicit identity (SEC_WINNT_AUTH_IDENTITY_A, or _EXA with a package list). */
SECURITY_STATUS acquire_outbound_password(const char *package, const char *user,
                                          const char *domain, const char *password,
                                          const char *package_list, CredHandle *out);

/* A SEC_CHANNEL_BINDINGS with application data only (what TLS servers use). */
void *channel_bindings_new(const char *application_data, ULONG *len);

/* One authentication exchange, in process. */
struct handshake {
    /* in */
    const char *target;
    ULONG isc_req, asc_req;
    const void *client_cb, *server_cb; /* SEC_CHANNEL_BINDINGS blobs, or NULL */
    ULONG client_cb_len, server_cb_len;
    /* out */
    SECURITY_STATUS client_status, server_status;
    CtxtHandle client, server;
    bool have_client, have_server;
    ULONG isc_ret, asc_ret;
    TimeStamp server_expiry;
    int legs;
    void *first_token; /* the client's first token, for replay tests */
    ULONG first_token_len;
};
void handshake_run(CredHandle *client_cred, CredHandle *server_cred, struct handshake *hs);

/* The same, with a raw GSS initiator (gss_init_sec_context) as the client. */
struct gss_client {
    gss_OID mech;
    gss_cred_id_t cred; /* GSS_C_NO_CREDENTIAL for the default */
    OM_uint32 req_flags;
    gss_channel_bindings_t bindings;
    OM_uint32 major, minor, ret_flags;
};
void gss_handshake_run(struct gss_client *client, CredHandle *server_cred, struct handshake *hs);
gss_cred_id_t gss_password_cred(gss_OID mech, const char *user, const char *password);

void handshake_cleanup(struct handshake *hs);

/* Accept one token into a new context; returns the status. */
SECURITY_STATUS accept_one(CredHandle *cred, const void *token, ULONG len, ULONG asc_req,
                           CtxtHandle *ctx, bool *have_ctx, void **out_token, ULONG *out_len);

/* From QueryContextAttributes; malloc'ed copies. */
char *context_user_name(CtxtHandle *ctx);
char *context_package_used(CtxtHandle *ctx);
char *context_last_error(CtxtHandle *ctx);

gss_OID_desc *test_mech_krb5(void);
gss_OID_desc *test_mech_spnego(void);
gss_OID_desc *test_mech_ntlmssp(void);

/* Runs the suite, prints check's summary line, returns the exit code. */
int run_suite(Suite *s);

#endif
