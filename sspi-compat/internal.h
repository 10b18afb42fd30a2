/*
 * internal.h - what the files of libgss-sspi share.  Nothing here is
 * exported: the library's ABI is the list in libgss-sspi.sym.
 */
#ifndef GSS_SSPI_INTERNAL_H
#define GSS_SSPI_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "granted_flags.h"
#include "gss-sspi.h"
#include "oids.h"
#include "sspi.h"
#include "token_compat.h"
#include "trace.h"

#define SSPI_EXPORT __attribute__((visibility("default")))

/* ---- utf16.c: SEC_WCHAR strings are UTF-16LE ----------------------------- */
/* Length in code units of a NUL-terminated UTF-16 string. */
size_t utf16_len(const SEC_WCHAR *s);
/* UTF-16 (units code units) to a malloc'ed NUL-terminated UTF-8 string;
 * NULL on a lone surrogate or on allocation failure. */
char *utf16_to_utf8(const SEC_WCHAR *s, size_t units);
/* UTF-8 to a malloc'ed NUL-terminated UTF-16 string (units without the NUL
 * in *units_out when not NULL); NULL on invalid UTF-8. */
SEC_WCHAR *utf8_to_utf16(const char *s, size_t *units_out);

/* ---- handles.c: SecHandle <-> object, validated and reference-counted -------
 * dwLower is a slot number, dwUpper a tag (kind + generation): a stale,
 * foreign or deleted handle never reaches an object.  Lookups take no lock.
 * A lookup takes a reference that keeps the object alive until handle_put,
 * even when another thread deletes the handle meanwhile: the last
 * reference out runs the destroy function given to handle_new. */
enum handle_kind { HANDLE_CRED = 1, HANDLE_CTX = 2, HANDLE_TOKEN = 3 };
typedef void (*handle_destroy_fn)(void *obj);
/* Publishes obj.  The handle holds one reference; with hold, the caller gets
 * one too (drop it with handle_put(*id)).  *id (when not NULL) names the
 * slot for handle_put. */
SECURITY_STATUS handle_new(enum handle_kind kind, void *obj, handle_destroy_fn destroy, bool hold,
                           PSecHandle out, uint32_t *id);
/* The object behind a live handle, with a reference for the caller (give it
 * back with handle_put(*id)); NULL when the handle is not live. */
void *handle_get(enum handle_kind kind, const SecHandle *h, uint32_t *id);
void handle_put(uint32_t id); /* 0: nothing */
/* Whether h is a live handle of that kind now (a lookup given back at once). */
bool handle_live(enum handle_kind kind, const SecHandle *h);
/* Marks the handle dead (later lookups fail) and drops its reference; false
 * if it was not a live handle of that kind. */
bool handle_release(enum handle_kind kind, const SecHandle *h);
/* One machine word for a handle, where the API hands out a HANDLE (the token
 * of QuerySecurityContextToken), and back; the word is validated by
 * handle_get/handle_release like any handle. */
HANDLE handle_to_word(const SecHandle *h);
void handle_from_word(enum handle_kind kind, HANDLE word, SecHandle *out);

/* ---- flags.c: the flag table of DESIGN section 3 -------------------------- */
OM_uint32 flags_isc_req_to_gss(ULONG isc_req);
OM_uint32 flags_asc_req_to_gss(ULONG asc_req);
ULONG flags_gss_to_isc_ret(OM_uint32 gss);
ULONG flags_gss_to_asc_ret(OM_uint32 gss);
/* The request bits a library (not the mechanism) grants: allocation,
 * connection, stream, extended error.  Returned in RET numbering. */
ULONG flags_isc_library_ret(ULONG isc_req);
ULONG flags_asc_library_ret(ULONG asc_req);
/* "MUTUAL_AUTH|CONFIDENTIALITY|0x40000000" into buf. */
enum flag_space { FLAGS_ISC_REQ, FLAGS_ISC_RET, FLAGS_ASC_REQ, FLAGS_ASC_RET, FLAGS_GSS };
const char *flags_describe(enum flag_space space, uint32_t value, char *buf, size_t len);

/* ---- status.c: GSS major/minor -> SECURITY_STATUS (DESIGN section 4) ------- */
enum gss_role { ROLE_ACCEPTOR, ROLE_INITIATOR };
SECURITY_STATUS status_from_gss(OM_uint32 major, OM_uint32 minor, enum gss_role role,
                                gss_const_OID mech);
const char *status_name(SECURITY_STATUS status);
/* The i-th minor code of the mapping table (false past its end): the codes
 * minor_recovery.c recognises by their text. */
bool status_known_minor(size_t i, OM_uint32 *code);
/* gss_display_status text of major and minor, malloc'ed ("" parts skipped;
 * a minor that says nothing adds nothing; gss-ntlmssp's errno values of a
 * failed logon read as what they mean). */
char *status_gss_text(OM_uint32 major, OM_uint32 minor, gss_const_OID mech);

/* ---- minor_recovery.c: the mechanism's own minor code ----------------------*/
/* The mechanism's own minor code behind one the mechglue renumbered (an
 * interposer such as gss-sspi-negotiate, or SPNEGO passing a code on). */
OM_uint32 status_mech_minor(OM_uint32 major, OM_uint32 minor);
/* A minor code of 0, or one the mechglue made up for a mechanism's 0 (its
 * text is that of 0, "Success"). */
bool status_minor_says_nothing(OM_uint32 minor);

/* ---- module_presence.c -----------------------------------------------------*/
/* Whether gss-sspi-negotiate is loaded in this process (asked once). */
bool module_present(void);

/* ---- timestamp.c: FILETIME-style local time --------------------------------*/
void timestamp_from_time(time_t t, PTimeStamp out);
/* now + a GSS lifetime; GSS_C_INDEFINITE gives Windows' "never". */
void timestamp_from_lifetime(OM_uint32 lifetime, PTimeStamp out);

/* ---- buffers.c: SecBufferDesc helpers ------------------------------------ */
/* First buffer of the given type (attribute bits ignored), or NULL. */
PSecBuffer buffers_find(PSecBufferDesc desc, ULONG type);
bool buffers_desc_valid(const SecBufferDesc *desc);
/* What is wrong with an input descriptor the library will read (static
 * text), or NULL: besides buffers_desc_valid, no buffer may claim bytes
 * without memory (but EMPTY ones, never read, and channel bindings, which
 * channel_bindings_parse judges). */
const char *buffers_input_problem(const SecBufferDesc *desc);
/* Puts token into the output SECBUFFER_TOKEN: allocates it when allocate is
 * set (*allocated = true), else copies if it fits.  SEC_E_BUFFER_TOO_SMALL
 * leaves the caller's buffer untouched. */
SECURITY_STATUS buffers_put_token(PSecBufferDesc out, const void *data, size_t len, bool allocate,
                                  bool *allocated);
/* Empties the output token buffer (cbBuffer = 0), as on failure. */
void buffers_clear_token(PSecBufferDesc out);

/* ---- channel_bindings.c: SEC_CHANNEL_BINDINGS -> GSS ------------------------ */
/* Bounds-checks the structure inside buf and fills *out with pointers into
 * it.  SEC_E_BAD_BINDINGS (with a trace line) when anything lies outside. */
SECURITY_STATUS channel_bindings_parse(const SecBuffer *buf, struct gss_channel_bindings_struct *out);

/* ---- packages.c ------------------------------------------------------------ */
enum package_id { PACKAGE_NEGOTIATE, PACKAGE_KERBEROS, PACKAGE_NTLM, PACKAGE_COUNT };
struct package {
    enum package_id id;
    const char *name;
    const char *comment;
    ULONG capabilities;
    USHORT version;
    USHORT rpcid;
    ULONG max_token;
    gss_OID mech; /* the GSS mechanism an initiator uses */
};
const struct package *package_get(enum package_id id);
/* MaxTokenSize (default 48000, at most 65535; see packages.c). */
ULONG max_token_size(void);
/* cbMaxToken as reported now: Kerberos MaxTokenSize, Negotiate 256 more. */
ULONG package_max_token(const struct package *pkg);
/* The largest input token: MaxTokenSize, plus SPNEGO's allowance for a
 * SPNEGO token (what the Negotiate package reports). */
ULONG input_token_limit(bool spnego);
/* Case-insensitive, as Windows; NULL when unknown. */
const struct package *package_find(const char *name);
/* Kerberos (either krb5 OID) or NTLM; NULL for anything else. */
const struct package *package_for_mech(gss_const_OID mech);
/* One allocation holding the SecPkgInfo and its strings (FreeContextBuffer). */
SECURITY_STATUS package_info_a(const struct package *pkg, PSecPkgInfoA *out);
SECURITY_STATUS package_info_w(const struct package *pkg, PSecPkgInfoW *out);

/* ---- context buffers: everything handed to the caller to free ----------------
 * FreeContextBuffer() frees what these return. */
void *context_buffer_alloc(size_t len);

/* ---- auth_identity.c: SEC_WINNT_AUTH_IDENTITY[_EX] A/W ---------------------- */
struct auth_identity {
    char *user;     /* UTF-8, NULL when not given */
    char *domain;   /* UTF-8, NULL when not given */
    char *password; /* UTF-8, wiped on clear */
    size_t password_len;
    char *package_list; /* _EX only: "Kerberos,!NTLM" style, NULL if none */
};
SECURITY_STATUS auth_identity_parse(const void *auth_data, struct auth_identity *out);
void auth_identity_clear(struct auth_identity *id);

/* ---- names.c ---------------------------------------------------------------- */
/* SSPI target names: "HTTP/host", "HTTP/host@REALM", "HTTP@host", "user@REALM". */
SECURITY_STATUS name_import_target(const char *target, gss_name_t *out);
/* gss_display_name as a malloc'ed string, NULL on failure. */
char *name_to_string(gss_const_name_t name);

/* ---- credentials.c ---------------------------------------------------------- */
struct sspi_cred {
    atomic_int refs;
    const struct package *pkg;
    ULONG use; /* SECPKG_CRED_INBOUND/OUTBOUND bits */
    gss_cred_id_t initiator;   /* GSS_C_NO_CREDENTIAL unless OUTBOUND */
    gss_cred_id_t acceptor;    /* GSS_C_NO_CREDENTIAL unless INBOUND */
    char *principal;           /* display name (UTF-8) */
    bool explicit_identity;    /* from SEC_WINNT_AUTH_IDENTITY */
    /* GssSspiSetCredentialsPolicy's GSS_SSPI_POLICY, both fields in one
     * word (cred_policy), so that a change made while other threads accept
     * with this credential is seen whole or not at all. */
    _Atomic uint64_t policy;
    TimeStamp expiry;
    /* An acceptor context whose first call ended in SEC_E_BUFFER_TOO_SMALL,
     * waiting for the caller's retry (retry.c). */
    _Atomic(struct sspi_ctx *) parked;
    /* A credential built from a client's delegated TGT: the MEMORY: cache
     * holding it, destroyed with the credential (delegation.c). */
    char *delegated_ccache;
    /* An inbound credential of usage BOTH: its service TGT's refresh
     * (service_tgt.c); NULL otherwise. */
    struct service_tgt *service_tgt;
};
struct sspi_cred *cred_ref(struct sspi_cred *cred);
void cred_unref(struct sspi_cred *cred); /* NULL: nothing */
/* The credential behind a handle with a reference of its own (cred_unref
 * it), or NULL. */
struct sspi_cred *cred_lookup(const CredHandle *h);
/* The credential's acceptor policy as it is now (one atomic read). */
GSS_SSPI_POLICY cred_policy(const struct sspi_cred *cred);
struct outbound_source; /* delegation.c */
/* AcquireCredentialsHandle(NULL, package, SECPKG_CRED_OUTBOUND) building
 * the credential src describes (delegation.c's extensions); fn names the
 * caller in trace lines. */
SECURITY_STATUS credentials_acquire_outbound(const char *fn, const char *package,
                                             const struct outbound_source *src,
                                             PCredHandle phCredential, PTimeStamp ptsExpiry);

/* ---- context.c --------------------------------------------------------------- */
struct sspi_ctx {
    /* Held by the one call using the context (taken by context_lookup,
     * given back by context_put): two threads calling with the same
     * context are serialised, never interleaved inside GSS or our fields. */
    pthread_mutex_t lock;
    uint32_t handle_id;        /* for handle_put; 0 until published */
    enum gss_role role;
    const struct package *pkg; /* the package the caller asked for */
    struct sspi_cred *cred;    /* reference held while the context lives */
    /* The credential's policy when this context was created (its first
     * AcceptSecurityContext call): a later GssSspiSetCredentialsPolicy
     * applies to the contexts created after it, never to one half done. */
    GSS_SSPI_POLICY policy;
    gss_ctx_id_t gss;
    gss_cred_id_t own_cred;    /* initiator: a private copy of the credential
                                  when this context needs options set on it */
    gss_name_t target;         /* initiator: whom we authenticate to */
    gss_name_t peer;           /* acceptor: the authenticated client */
    gss_cred_id_t delegated;   /* acceptor: forwarded credentials */
    gss_OID mech;              /* mechanism actually used (static OID) */
    ULONG token_form;          /* GSS_SSPI_FORM_* (acceptor: from the first token) */
    struct compat_state compat; /* acceptor: the token-compatibility layer's memory */
    OM_uint32 gss_flags;       /* granted by GSS */
    size_t ntlm_overhead;      /* NTLM: what gss_wrap adds (the signature), asked
                                  of GSS once per context; 0 until then */
    ULONG req;                 /* ISC_REQ / ASC_REQ asked for */
    ULONG ret;                 /* ISC_RET / ASC_RET reported */
    bool established;
    /* Channel bindings, copied from the first call that carried them: GSS
     * wants them on every step, Windows callers often pass them once. */
    struct gss_channel_bindings_struct *bindings;
    TimeStamp start;           /* when the context was created */
    TimeStamp expiry;
    /* SEC_E_BUFFER_TOO_SMALL: the token GSS produced waits here, keyed by the
     * input that produced it, until the caller retries with room. */
    gss_buffer_desc pending_out;
    gss_buffer_desc pending_in;
    SECURITY_STATUS pending_status;
    /* Last failure, for SECPKG_ATTR_GSS_LAST_ERROR. */
    SECURITY_STATUS last_status;
    OM_uint32 last_major, last_minor;
    char *last_text;
};
/* A new context, held (locked) by the calling call: end with context_put,
 * which frees it unless it was published meanwhile. */
struct sspi_ctx *context_new(enum gss_role role, struct sspi_cred *cred);
/* Frees a context nobody holds or can reach: never published, or its
 * handle's last reference gone (retry.c's parked contexts). */
void context_free(struct sspi_ctx *ctx);
/* Gives the context a handle in *out; the calling call keeps its hold. */
SECURITY_STATUS context_publish(struct sspi_ctx *ctx, PCtxtHandle out);
/* The context behind a handle, held by this call until context_put, or
 * NULL.  With a role: NULL too when the context has the other role. */
struct sspi_ctx *context_lookup(const CtxtHandle *h);
struct sspi_ctx *context_lookup_role(const CtxtHandle *h, enum gss_role role);
/* The end of this call's use: a published context lives on until its
 * handle is deleted and the last call is out; an unpublished one is freed. */
void context_put(struct sspi_ctx *ctx);
/* Records a failure for SECPKG_ATTR_GSS_LAST_ERROR and traces it. */
void context_record_error(struct sspi_ctx *ctx, const char *fn, SECURITY_STATUS status,
                          OM_uint32 major, OM_uint32 minor);

/* ---- acceptor_policy.c: GssSspiSetCredentialsPolicy with fContextReq -------*/
/* Hands this step's requirements to gss-sspi-negotiate for the next
 * gss_accept_sec_context on this thread; false when there are none or the
 * module is absent (then nothing is to be taken back). */
bool acceptor_policy_hand_over(const struct sspi_ctx *ctx);
void acceptor_policy_take_back(void);
/* A failed step whose requirements were handed over: the module's refusal
 * for them becomes ours (same SEC code and trace); else status. */
SECURITY_STATUS acceptor_policy_module_refusal(const struct sspi_ctx *ctx, OM_uint32 major,
                                               OM_uint32 minor, SECURITY_STATUS status);
/* After GSS said COMPLETE: SEC_E_OK or the refusal (traced). */
SECURITY_STATUS acceptor_policy_check(const struct sspi_ctx *ctx);

/* ---- last_error.c: the thread's last failure (GssSspiGetLastError) ------------ */
void thread_error_record(SECURITY_STATUS status, OM_uint32 major, OM_uint32 minor,
                         const char *text);
/* After context_record_error: a reason more precise than the GSS text, for
 * the thread and (unless the failed call freed it) the context. */
void context_record_reason(struct sspi_ctx *ctx, bool freed, const char *reason);

/* Keeps a private copy of the SECBUFFER_CHANNEL_BINDINGS in io->pInput, if
 * any; SEC_E_BAD_BINDINGS when it is malformed. */
struct step_io;
SECURITY_STATUS context_take_bindings(struct sspi_ctx *ctx, const struct step_io *io);

/* The shared frame of AcceptSecurityContext and InitializeSecurityContext. */
struct step_io {
    const char *fn;            /* "AcceptSecurityContext" ... for the trace */
    PCtxtHandle phContext;     /* NULL on the first call */
    PCtxtHandle phNewContext;
    PSecBufferDesc pInput;
    PSecBufferDesc pOutput;
    ULONG *pfContextAttr;
    PTimeStamp ptsExpiry;
    bool allocate;             /* ISC/ASC_REQ_ALLOCATE_MEMORY */
    bool extended_error;       /* ISC/ASC_REQ_EXTENDED_ERROR */
    bool is_new;               /* this call created the context */
    const char *reason;        /* step_fail: the failure's text, instead of GSS's */
    bool bindings_passed;      /* channel bindings went to GSS (workarounds.c) */
};
/* pInput checked before anything reads it: a valid descriptor (required,
 * or NULL allowed), no buffer with a length and no memory, a token no
 * larger than input_token_limit.  SEC_E_INVALID_TOKEN, traced, if not. */
SECURITY_STATUS step_check_input(const struct step_io *io, bool required);
/* The input token (empty when none) in io->pInput. */
void step_input_token(const struct step_io *io, gss_buffer_desc *token);
/* A retry after SEC_E_BUFFER_TOO_SMALL: serves the token kept back.
 * Returns true when the call was such a retry (*status set). */
bool step_serve_pending(struct sspi_ctx *ctx, const struct step_io *io, const gss_buffer_desc *in,
                        SECURITY_STATUS *status);
/* step_serve_pending (when it returns true), step_deliver and step_fail end
 * the call's hold on ctx (context_put): ctx is not to be touched after. */
/* Success or continue: delivers token (consumed) to io->pOutput, reports
 * attributes and expiry, publishes a new handle. */
SECURITY_STATUS step_deliver(struct sspi_ctx *ctx, const struct step_io *io, SECURITY_STATUS status,
                             const gss_buffer_desc *in, gss_buffer_desc *token);
/* Failure: records it, puts an error token out when asked for
 * (EXTENDED_ERROR), and frees a context this call created.  token may be
 * NULL; it is consumed. */
SECURITY_STATUS step_fail(struct sspi_ctx *ctx, const struct step_io *io, SECURITY_STATUS status,
                          OM_uint32 major, OM_uint32 minor, gss_buffer_desc *token);

/* ---- ntlm_source.c: gss-ntlmssp's user sources ------------------------------
 * True when an NTLM acceptor failure that reads "user not found" came from
 * having no readable user source at all (NTLM_USER_FILE, winbindd). */
bool ntlm_user_source_failed(OM_uint32 major, OM_uint32 minor);

/* ---- workarounds.c: a failed step, where a library reports ambiguously ----*/
struct step_failure {
    const struct sspi_ctx *ctx;
    OM_uint32 major, minor;
    SECURITY_STATUS status; /* status.c's generic mapping */
    bool bindings_passed;
    bool input_spnego; /* the input token has SPNEGO framing */
};
/* The status of the first workaround whose condition holds (traced), else
 * f->status; *record gets the row's text for the failure when it has one
 * and *record is NULL. */
SECURITY_STATUS workaround_apply(const struct step_failure *f, const char *fn, const char **record);

/* ---- delegation.c: the double hop --------------------------------------------
 * What an outbound acquire with the default identity (no principal, no auth
 * data) is asked to build, passed down by the call that asks (never kept in
 * thread or process state): the delegated credential of a context
 * (GssSspiAcquireDelegatedCredentialsHandle), or a user's credential from
 * a service's by S4U2Self (GssSspiAcquireCredentialsForUser). */
struct outbound_source {
    const CtxtHandle *context;
    struct sspi_cred *service; /* with user; the caller holds a reference */
    const char *user;
};
/* For an outbound acquire with the default identity: from src, else the
 * delegated credential of the context the thread impersonates, into
 * cred->initiator.  SEC_I_CONTINUE_NEEDED: none applies, acquire as usual. */
SECURITY_STATUS delegation_initiator(struct sspi_cred *cred, bool default_identity,
                                     const struct outbound_source *src, OM_uint32 *time_rec);
/* The acceptor credential of cred: for Kerberos and Negotiate, usage BOTH
 * (its own TGT in a MEMORY: cache, from KRB5_CLIENT_KTNAME) when the service
 * can get one, so that a client's service ticket is evidence for S4U2Proxy;
 * else, and for NTLM, accept-only. */
OM_uint32 delegation_acquire_acceptor(struct sspi_cred *cred, gss_name_t name,
                                      gss_OID_set mechs, OM_uint32 *minor);
/* Whether an accepted context's delegated credential is a forwarded TGT
 * (not MIT's evidence-ticket credential for constrained delegation). */
bool delegation_forwarded(gss_cred_id_t delegated);
/* Destroys the MEMORY: cache of a delegated credential (cred_unref). */
void delegation_cred_release(struct sspi_cred *cred);

/* ---- service_tgt.c: the service's TGT in an inbound credential of usage BOTH -- */
/* Starts keeping cred's TGT (in cred->delegated_ccache, just acquired) fresh. */
void service_tgt_start(struct sspi_cred *cred);
/* Around gss_accept_sec_context on cred: refreshes the TGT from the client
 * keytab when it is past half its lifetime, then keeps the cache unchanged
 * until the release.  No-ops for any other credential. */
void service_tgt_hold(struct sspi_cred *cred);
void service_tgt_release(struct sspi_cred *cred);
/* With the credential's cache (delegation_cred_release). */
void service_tgt_stop(struct sspi_cred *cred);

/* ---- impersonate.c ------------------------------------------------------------ */
/* The context the calling thread impersonates, if any. */
bool impersonation_context(CtxtHandle *out);

/* ---- retry.c: SEC_E_BUFFER_TOO_SMALL on a first call ------------------------
 * The context is not handed out (Windows frees it): an acceptor's waits in its
 * credential for the same first call to come back; an initiator's is freed. */
void retry_park(struct sspi_ctx *ctx);
/* The parked context of cred when in is the input that produced it (with its
 * credential reference again), else NULL. */
struct sspi_ctx *retry_resume(struct sspi_cred *cred, const gss_buffer_desc *in);
/* Frees the parked context, if any (the credential is going away). */
void retry_discard(struct sspi_cred *cred);

/* ---- messages.c: message protection sizes (SIZES / STREAM_SIZES) -------------
 * Computed from the mechanism for this context (GSS length calls). */
struct message_sizes {
    ULONG max_signature;    /* MakeSignature's TOKEN */
    ULONG block_size;       /* padding granularity (0: NTLM's stream cipher) */
    ULONG security_trailer; /* EncryptMessage's TOKEN (Kerberos: header and trailer) */
    ULONG stream_header;    /* STREAM_HEADER + DATA + STREAM_TRAILER layout */
    ULONG stream_trailer;   /* includes padding */
    ULONG max_message;      /* largest DATA of one message */
};
/* SEC_E_INVALID_HANDLE before the context is established. */
SECURITY_STATUS message_sizes(struct sspi_ctx *ctx, struct message_sizes *out);

/* ---- pac.c: SIDs from a PAC's logon info (KERB_VALIDATION_INFO, MS-PAC 2.5) ---- */
#define PAC_SID_MAX_SUBAUTH 15 /* MS-DTYP 2.4.2 */
#define PAC_SID_STRING_MAX 192 /* "S-1-0x" + 12 hex digits + 15 x "-4294967295" + NUL */
struct pac_sid {
    uint8_t revision;
    uint8_t count; /* sub-authorities */
    uint8_t authority[6];
    uint32_t sub[PAC_SID_MAX_SUBAUTH];
};
struct pac_logon_info {
    struct pac_sid user;          /* LogonDomainId + UserId */
    struct pac_sid primary_group; /* LogonDomainId + PrimaryGroupId */
    struct pac_sid *groups;       /* GroupIds, ExtraSids, resource groups, in PAC order */
    size_t n_groups;
    uint32_t user_flags;
};
/* Parses the raw buffer (NDR, hostile: every length, count, offset and
 * pointer is checked).  NULL on success, else what was wrong (static text),
 * with *out empty.  Free a success with pac_logon_info_free. */
const char *pac_parse_logon_info(const void *buf, size_t len, struct pac_logon_info *out);
void pac_logon_info_free(struct pac_logon_info *info);
/* "S-1-5-21-..." (MS-DTYP 2.4.2.1) into buf; returns buf. */
char *pac_sid_format(const struct pac_sid *sid, char buf[PAC_SID_STRING_MAX]);

/* ---- identity.c: whom an acceptor context authenticated (DESIGN section 7) ---- */
struct local_account {
    char *name; /* the passwd entry's name */
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* getgrouplist: every group, the primary one included */
    size_t n_groups;
};
/* The context behind h when it is an established acceptor context (held:
 * context_put it), else NULL and *why says what it is instead. */
struct sspi_ctx *identity_acceptor_context(const CtxtHandle *h, const char **why);
/* The local account the client maps to (gss_localname, then the passwd and
 * group databases).  SEC_E_NO_IMPERSONATION, traced under fn, when there is
 * none; *local_name (when not NULL) gets the mapped name even then, or NULL
 * when GSS maps the client to no name at all. */
SECURITY_STATUS identity_local_account(struct sspi_ctx *ctx, const char *fn, char **local_name,
                                       struct local_account *out);
void local_account_clear(struct local_account *account);

/* ---- wipe --------------------------------------------------------------------- */
void secure_free(void *p, size_t len);
void secure_free_string(char *s);

#endif /* GSS_SSPI_INTERNAL_H */
