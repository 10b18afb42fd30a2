/*
 * mech_internal.h - what the files of gss-sspi-negotiate share.  Nothing here is
 * exported (the module is built with -fvisibility=hidden and an export
 * list): internal functions carry no gss_ prefix.
 */
#ifndef GSS_SSPI_MECH_INTERNAL_H
#define GSS_SSPI_MECH_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "granted_flags.h"
#include "gss-sspi-mech.h"
#include "ntlm_msg.h"
#include "oids.h"
#include "token_compat.h"
#include "trace.h"


/* ---- interposer.c: the mechanisms we interpose ------------------------------
 * MIT's mechglue sends calls for an interposed mechanism to us with its
 * public OID; to reach the real mechanism we call the public gss_* function
 * with the "special" OID = our mech OID's bytes followed by the real one's. */
enum imech_id { IMECH_SPNEGO, IMECH_KRB5, IMECH_MS_KRB5, IMECH_NTLMSSP, IMECH_COUNT };
struct imech {
    enum imech_id id;
    const char *name;     /* for traces and the audit line */
    gss_OID_desc oid;     /* public OID */
    gss_OID_desc special; /* what reaches the real mechanism */
    int package;          /* GSS_SSPI_NEG_PACKAGE_* */
};
extern gss_OID_desc interposer_oid;
const struct imech *imech_get(enum imech_id id);
/* True once, on the thread where MIT's own SPNEGO acceptor loaded the module
 * in the middle of an accept (mech.d changed under a running process): the
 * next accept there is that exchange's inner token. */
bool loaded_inside_foreign_spnego(void);
/* The interposed mechanism for a public (or special) OID; NULL if not ours. */
const struct imech *imech_find(gss_const_OID oid);
/* Package of a public mechanism OID (GSS_SSPI_NEG_PACKAGE_*). */
int package_of(gss_const_OID mech);
const char *package_name(int package);
/* A set of special OIDs for the public OIDs of set that we interpose (the
 * others are left out); GSS_C_NO_OID_SET stays so. */
OM_uint32 special_set(OM_uint32 *minor, const gss_OID_set set, gss_OID_set *out);

/* ---- credentials (passthrough_cred.c) ----------------------------------------
 * What the mechglue holds for one of our credential elements. */
struct icred {
    const struct imech *mech;
    gss_cred_id_t inner; /* a mechglue credential of the real mechanism */
};
struct icred *icred_new(const struct imech *mech, gss_cred_id_t inner);
void icred_free(struct icred *cred);
#define ICRED(c) ((struct icred *)(c))
#define INNER_CRED(c) ((c) == GSS_C_NO_CREDENTIAL ? GSS_C_NO_CREDENTIAL : ICRED(c)->inner)
/* The delegated credential of an accepted context (delegated_cred.c), made
 * usable by the mechglue above us; actual is the mechanism we report. */
OM_uint32 delegated_cred_out(OM_uint32 *minor, const struct imech *mech, gss_OID actual,
                             gss_cred_id_t *deleg);

/* ---- contexts ---------------------------------------------------------------- */
enum role { ROLE_UNSET, ROLE_INITIATOR, ROLE_ACCEPTOR };
struct ictx {
    const struct imech *mech; /* the mechanism the mechglue routed to us */
    gss_OID inner_oid;        /* the special OID the inner context was made with */
    gss_ctx_id_t inner;
    enum role role;
    /* acceptor */
    const struct policy *policy; /* snapshot taken at the first call */
    gss_cred_id_t own_cred;      /* acquired for GSS_C_NO_CREDENTIAL */
    gss_OID actual_mech;         /* negotiated mechanism (public, static) */
    int form;                    /* GSS_SSPI_NEG_FORM_* */
    int ntlm_version;            /* GSS_SSPI_NEG_NTLM_* */
    int cb_state;                /* GSS_SSPI_NEG_CB_* */
    bool had_bindings;
    bool nested; /* runs inside our own SPNEGO acceptor */
    bool complete;
    bool audited;
    char *ntlm_user;   /* "DOMAIN\user" claimed in an AUTHENTICATE */
    char service[256]; /* Kerberos: the ticket's server, "" if unknown */
    struct compat_state compat; /* outermost: the token-compatibility layer's memory */
    /* initiator */
    gss_cred_id_t own_init_cred; /* SPNEGO with a mech order of ours */
};
struct ictx *ictx_new(const struct imech *mech, enum role role);
void ictx_free(struct ictx *ctx);
#define ICTX(c) ((struct ictx *)(c))

/* What an inner layer (Kerberos or NTLM inside our SPNEGO acceptor) tells
 * the outer one, through a thread-local pointer set around the inner call. */
struct accept_frame {
    struct ictx *outer;
    const struct policy *policy;
};
struct accept_frame *accept_frame_current(void);
void accept_frame_push(struct accept_frame *frame, struct accept_frame **saved);
void accept_frame_pop(struct accept_frame *saved);
/* Likewise for our SPNEGO initiator (MS-KRB5 listed first, see initiate.c). */
bool init_frame_active(void);
void init_frame_set(bool active, bool *saved);

/* ---- extensions.c: our OIDs, errors, the last error of a thread --------------- */
extern gss_OID_desc ext_negotiation_info, ext_ntlm_version, ext_channel_bindings, ext_last_error,
    ext_policy_status, ext_ntlm_policy, ext_acceptor_requirements;
/* Innermost failure of the outermost call on this thread. */
void last_error_begin(bool *outermost);
void last_error_note(OM_uint32 major, OM_uint32 minor, gss_const_OID mech);
void last_error_end(bool outermost);
/* The failure noted during the current outermost call, if any. */
bool last_error_get(OM_uint32 *major, OM_uint32 *minor, gss_OID_desc *mech);
OM_uint32 ext_inquire_context(OM_uint32 *minor, const struct ictx *ctx, gss_const_OID object,
                              gss_buffer_set_t *data_set, bool *handled);
OM_uint32 ext_mech_invoke(OM_uint32 *minor, gss_const_OID object, gss_buffer_t value,
                          bool *handled);
/* Text of one of our minor codes, NULL if it is not ours. */
const char *ext_error_text(OM_uint32 minor);
/* The same with what is known now (the invalid policy's "path:line:
 * reason"), malloc'ed; NULL if the code is not ours or memory ran out. */
char *ext_error_describe(OM_uint32 minor);
/* "major text; minor text" from gss_display_status, malloc'ed. */
char *status_text(OM_uint32 major, OM_uint32 minor);

/* ---- policy.c ------------------------------------------------------------------ */
/* Same values as GSS_SSPI_NEG_NTLM_POLICY_* (the NTLM_POLICY extension). */
enum ntlm_mode { NTLM_ALLOW, NTLM_AUDIT, NTLM_DENY };
enum cb_mode { CB_NONE, CB_ALLOW, CB_REQUIRE };
enum tristate { TRI_AUTO, TRI_YES, TRI_NO };
struct policy {
    bool valid;   /* false: the file was refused; every acceptor is denied */
    char *source; /* path that was read, or "(defaults)" */
    char *error;  /* "path:line: reason" when !valid */
    enum ntlm_mode ntlm;
    enum ntlm_mode ntlm_v1;
    enum cb_mode channel_bindings;
    bool ms_krb5_first;
    bool use_server_mech_list;
    enum tristate interpose_kerberos;
    bool audit_syslog;
    char *audit_file;
    /* The only mutable parts, set once they happen: */
    _Atomic bool reported;            /* the refusal went to syslog (policy_acceptor) */
    _Atomic int audit_file_errno;     /* why audit_file cannot be written, 0 if it can */
};
/* The policy in force: re-read when the file changes, never freed while
 * the module is loaded (callers keep the pointer for a context's life).
 * The file is refused ("path: reason") unless root or the process's user
 * owns it and its directories and no one else may write them. */
const struct policy *policy_current(void);
/* The same for acceptors, which alone report a refused policy (once). */
const struct policy *policy_acceptor(void);
/* Parses text (path names the source in messages); always returns a policy,
 * with valid = false and error set when the text is refused. */
struct policy *policy_parse(const char *text, size_t len, const char *path);
void policy_free(struct policy *p);
const char *policy_ntlm_mode_name(enum ntlm_mode m);
const char *policy_cb_mode_name(enum cb_mode m);

/* ---- audit.c -------------------------------------------------------------------- */
struct audit_record {
    const char *result; /* "success", "denied", "failure" */
    const char *reason; /* NULL on success */
    const char *client;
    const char *service;
    int package; /* GSS_SSPI_NEG_PACKAGE_* */
    int form;
    int ntlm_version;
    int cb_state;
    OM_uint32 flags;
    const char *ntlm_policy;    /* "allow"/"audit"/"deny" when NTLM was involved */
    const char *ntlm_v1_policy; /* likewise, the policy for NTLMv1 and LM */
    const char *compat;         /* the token-compatibility rules that fired ("a,b"), NULL if none */
    const char *cb_policy;      /* "require(caller)" when the application required bindings */
    OM_uint32 required_flags;   /* GSS flags the application required, 0 if none */
};
/* The syslog severity of a line: warning for refusals and for what "audit"
 * lets through, notice for failures, info otherwise. */
int audit_priority(const struct audit_record *rec);
/* Why the policy's audit_file cannot be written now, NULL if it can. */
const char *audit_file_problem(const struct policy *policy);
/* One line, to syslog (authpriv) and the policy's audit file. */
void audit_emit(const struct policy *policy, const struct audit_record *rec);
/* A success line emitted once the mechglue displays name (the caller's copy
 * of the client's name), or when name is released: see audit.c.  rec's
 * client and service live in owner, the context the line is about, which
 * calls audit_owner_gone before it is freed; the compat list is read from
 * owner when the line is written. */
void audit_defer(const struct policy *policy, const struct audit_record *rec, gss_name_t name,
                 const struct ictx *owner);
void audit_name_shown(gss_const_name_t name, const gss_buffer_t text);
void audit_name_gone(gss_const_name_t name);
void audit_owner_gone(const struct ictx *owner);
/* passthrough_name.c: the client name accept just returned, displayed
 * cheaply when the mechglue asks (see there). */
void name_remember_accepted(gss_name_t name);
/* audit.c: decimal digits of v (zero-padded to width, 0 = as needed),
 * NUL-terminated; returns the end.  printf is too dear on every accept. */
char *put_digits(char *out, unsigned long v, int width);
/* syslog_send.c: a formatted line (line_len bytes) to the local syslog
 * socket, never blocking: when the socket is full the line is dropped and
 * counted, and the count goes out with the next line that gets through. */
void syslog_send(int priority, const char *line, size_t line_len);
/* Lines dropped since the module was loaded. */
unsigned long syslog_dropped(void);
void audit_flush_pending(void);
/* The line itself (malloc'ed), for tests: time is given. */
#define LINE_MAX_LEN 2048
/* The line into buf (NUL-terminated); returns its length. */
size_t audit_format(const struct audit_record *rec, time_t when, char buf[LINE_MAX_LEN]);
/* Appends s to buf with quotes and escapes for anything a log reader could
 * misread (control bytes, quotes, backslashes, non-UTF-8). */
void audit_quote(char *buf, size_t size, size_t *used, const char *s);

/* ---- caller_requirements.c: the application's own acceptor policy -------------------
 * (GSS_SSPI_NEGOTIATE_OID_ACCEPTOR_REQUIREMENTS), per thread until cleared. */
struct caller_requirements {
    bool set;
    enum cb_mode cb; /* CB_REQUIRE, or CB_NONE: no requirement */
    OM_uint32 flags; /* GSS flags the context must be granted */
};
/* Sets (8-byte value) or clears (empty value) this thread's requirements. */
OM_uint32 caller_requirements_set(OM_uint32 *minor, const gss_buffer_t value);
/* The stricter of the policy file's channel-binding mode and the caller's. */
enum cb_mode caller_cb_mode(const struct policy *policy);
/* After an established outer context: 0, or the minor code of a refusal
 * with its major in *major. */
OM_uint32 caller_requirements_check(const struct ictx *ctx, OM_uint32 flags, OM_uint32 *major);
/* The audit line's cb_policy and required_flags, when the caller set them. */
void caller_requirements_audit(const struct policy *policy, struct audit_record *rec);

/* ---- ntlm_inspect.c: NTLMSSP messages (readers in common/ntlm_msg.h) -------------- */
struct ntlm_auth_info {
    int version; /* GSS_SSPI_NEG_NTLM_* */
    size_t nt_len, lm_len;
    char user[257]; /* UTF-8, "" if absent */
    char domain[257];
};
/* Fills info from an AUTHENTICATE; false if the message is malformed. */
bool ntlm_inspect_authenticate(const void *data, size_t len, struct ntlm_auth_info *info);

/* ---- krb5_token.c: the service named by a Kerberos AP-REQ ----------------------- */
/* "HTTP/host@REALM" from the ticket's clear-text part; false if the token
 * is not an AP-REQ or does not parse. */
bool krb5_ap_req_service(const void *token, size_t len, char *out, size_t size);

/* ---- spnego_token.c: the parts of SPNEGO tokens we read --------------------------- */
#define SPNEGO_MAX_MECHS 16
struct spnego_init {
    size_t mech_count;
    gss_OID_desc mechs[SPNEGO_MAX_MECHS]; /* point into the token */
    bool has_mech_token;
};
/* A NegTokenInit or NegTokenInit2 inside the initial-context framing; false
 * for anything else or anything malformed. */
bool spnego_parse_init(const void *data, size_t len, struct spnego_init *out);
/* True when the token starts with the SPNEGO initial-context framing. */
bool spnego_is_initial(const void *data, size_t len);

/* ---- accept.c / initiate.c helpers ------------------------------------------------- */
/* Acquires a credential of the real mechanism (special OID) for usage. */
OM_uint32 acquire_inner_default(OM_uint32 *minor, const struct imech *mech, int usage,
                                gss_cred_id_t *out);
/* The SPNEGO negotiation order we want: the server's list (NegTokenInit2)
 * or MS-KRB5 first, over the mechanisms SPNEGO may negotiate. */
OM_uint32 neg_mechs_for(OM_uint32 *minor, const struct policy *policy,
                        const struct spnego_init *server, gss_OID_set *out);

#endif /* GSS_SSPI_MECH_INTERNAL_H */
