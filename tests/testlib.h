/* testlib.h - what the integration tests share: the private realm's
 * facts, credential helpers, and in-process handshakes. */
#ifndef GSS_SSPI_TESTLIB_H
#define GSS_SSPI_TESTLIB_H

#include <check.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <gss-sspi.h>
#include <sspi.h>

#include "isc_step.h"

/* Every security service, as Windows clients and servers ask for them. */
#define ISC_ALL                                                                                    \
    (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |                       \
     ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)
#define ASC_ALL                                                                                    \
    (ASC_REQ_MUTUAL_AUTH | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT |                       \
     ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION)
#define GSS_ALL                                                                                    \
    (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |               \
     GSS_C_INTEG_FLAG)

/* An environment variable set up by tests/with-realm; aborts the test when
 * it is missing (the harness did not run). */
const char *realm_env(const char *name);

/* A user of the realm as an acceptor names it: "DOMAIN\user" (the NTLM
 * domain) or "user@REALM"; malloc'ed. */
char *ntlm_user_name(const char *user);
char *krb5_user_name(const char *user);

void acquire_inbound(const char *package, CredHandle *out);
void acquire_outbound_default(const char *package, CredHandle *out);
/* Explicit identity (SEC_WINNT_AUTH_IDENTITY_A, or _EXA with a package list). */
SECURITY_STATUS acquire_outbound_password(const char *package, const char *user,
                                          const char *domain, const char *password,
                                          const char *package_list, CredHandle *out);
/* The test user's outbound credentials for package: with ntlm, her password
 * as an NTLM identity (Negotiate restricted to package_list; NULL: not
 * restricted), else her Kerberos cache. */
void acquire_outbound_user(const char *package, bool ntlm, const char *package_list,
                           CredHandle *out);

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
    CredHandle client_cred, server_cred; /* handshake_user's */
    bool have_creds;
};
void handshake_run(CredHandle *client_cred, CredHandle *server_cred, struct handshake *hs);
/* handshake_run to the test SPN between the test user's credentials for
 * client_pkg (see acquire_outbound_user) and inbound ones for server_pkg;
 * handshake_cleanup releases them too. */
void handshake_user(const char *client_pkg, bool ntlm, const char *package_list,
                    const char *server_pkg, struct handshake *hs);

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
/* The test user's NTLM identity ("DOMAIN\user", her password) for mech. */
gss_cred_id_t gss_ntlm_user_cred(gss_OID mech);

void handshake_cleanup(struct handshake *hs);

/* Our initiator after its first InitializeSecurityContext (ISC_ALL, to
 * the test SPN, with the default credentials for package in *cred): a
 * context that is not yet established. */
void first_leg_context(const char *package, CredHandle *cred, CtxtHandle *ctx);

/* The first token of our initiator for package (default credentials, to
 * the test SPN, isc_req | ISC_REQ_ALLOCATE_MEMORY), which must come with
 * status expected; its context and credential are gone when it returns.
 * Free the token with FreeContextBuffer. */
void *first_leg_token(const char *package, ULONG isc_req, SECURITY_STATUS expected, ULONG *len);

/* NTLM one leg in: the test user's NEGOTIATE (her password as an NTLM
 * identity) accepted by an NTLM acceptor, which answers with its CHALLENGE
 * and keeps a partial context.  ntlm_first_leg_done releases it all. */
struct ntlm_first_leg {
    CredHandle client_cred, server_cred;
    CtxtHandle client, server; /* server: not yet established */
    SecBuffer negotiate, challenge;
};
void ntlm_first_leg(struct ntlm_first_leg *leg);
void ntlm_first_leg_done(struct ntlm_first_leg *leg);

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

/* A helper program (tests/NAME under $top_builddir) in a process of its
 * own, on a pair of pipes: items go both ways as a 4-byte big-endian length,
 * then the bytes. */
struct child {
    const char *name;
    pid_t pid;
    FILE *to, *from;
};
void child_start(struct child *c, const char *name);
void child_put(struct child *c, const void *p, uint32_t len); /* sent at once */
/* The next item (malloc'ed, NUL-terminated); fails the test at the end of
 * the child's output. */
void *child_get(struct child *c, uint32_t *len);
/* The next item, a SECURITY_STATUS in 4 bytes. */
SECURITY_STATUS child_get_status(struct child *c);
/* Closes both pipes and waits: the child's exit code (fails the test if it
 * died of a signal). */
int child_finish(struct child *c);

/* Makes this process load gss-sspi-negotiate (GSS_MECH_CONFIG, written to
 * the realm directory): call it before the first GSS call of the process.
 * Exits 77 (skip) outside make check. */
void load_negotiate_module(void);
/* Writes a module policy named name (the text settings, plus an audit file
 * of its own) and makes it current; expect_audit fails the test unless
 * fragment is in that audit file. */
void use_policy(const char *name, const char *settings);
void expect_audit(const char *fragment);
/* The audit file use_policy named (a test may name another), and its text
 * (malloc'ed, "" when absent). */
extern char audit_path[512];
char *audit_text(void);

/* check has no per-test skip: a test whose needs this run cannot meet (met
 * false) is not added, and a "SKIP: name: why" line says so instead of the
 * test passing without checking anything. */
bool test_wanted(bool met, const char *name, const char *why);
#define add_test_if(tc, fn, met, why)                                                              \
    do {                                                                                           \
        if (test_wanted(met, #fn, why))                                                            \
            tcase_add_test(tc, fn);                                                                \
    } while (0)
#define add_loop_test_if(tc, fn, start, end, met, why)                                             \
    do {                                                                                           \
        if (test_wanted(met, #fn, why))                                                            \
            tcase_add_loop_test(tc, fn, start, end);                                               \
    } while (0)
/* Likewise for a step of a test that runs the rest either way. */
void test_skip_step(const char *what, const char *why);

/* Runs the suite, prints check's summary line, returns the exit code. */
int run_suite(Suite *s);

#endif
