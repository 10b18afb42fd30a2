/*
 * thread_state.h - everything the module keeps per thread, in one struct
 * (thread_state.c owns it).  Per thread because the mechglue calls us
 * re-entrantly on the caller's thread (SPNEGO -> inner mechanism -> us) and
 * a server may run many exchanges in parallel: nothing here is shared.
 */
#ifndef GSS_SSPI_MECH_THREAD_STATE_H
#define GSS_SSPI_MECH_THREAD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "mech_internal.h"

/* extensions.c: one failure with the mechanism that reported it. */
struct error_record {
    bool set;
    OM_uint32 major, minor;
    size_t oid_len;
    unsigned char oid[32];
};

/* audit.c: a success line waiting for the mechglue to display the name;
 * rec's client and service point into owner, the context it is about. */
struct pending_audit {
    bool set;
    gss_name_t name;
    const struct policy *policy;
    const struct ictx *owner;
    struct audit_record rec;
};

/* audit.c: the fields of an audit line that repeat from line to line, as
 * text (the key: the record's values they were formatted from). */
struct audit_repeat {
    bool set;
    const char *result, *ntlm_policy, *ntlm_v1_policy;
    int package, form, ntlm_version, cb_state;
    OM_uint32 flags;
    size_t head_len, tail_len;
    char head[48];  /* " result=... package=... form=..." (44 at most from accept.c) */
    char tail[192]; /* " ntlm=... cb=... flags=... ntlm_policy=... ntlm_v1_policy=..." (176) */
};

struct mech_thread_state {
    /* accept.c: our SPNEGO acceptor's frame while the inner call runs. */
    struct accept_frame *accept_frame;
    /* initiate.c: inside our SPNEGO initiator. */
    bool spnego_init_active;
    /* interposer.c: loaded by MIT's SPNEGO acceptor mid-accept; the depth
     * of gssi_display_status re-entering the mechglue. */
    bool loaded_inside_spnego_accept;
    int display_depth;
    /* passthrough_name.c: the client name accept just returned. */
    gss_name_t accepted_name;
    /* extensions.c: the last failure (GSS_SSPI_NEG_LAST_ERROR). */
    int call_depth;
    struct error_record current_error, published_error;
    /* caller_requirements.c: the application's own acceptor policy. */
    struct caller_requirements caller;
    /* audit.c: the deferred success line and the text caches. */
    struct pending_audit pending;
    struct {
        time_t when;
        char text[32];
    } utc_stamp;
    struct {
        pid_t pid;
        char text[160];
        size_t len;
    } process_fields;
    struct audit_repeat audit_repeat;
    /* syslog_send.c: the header after the priority, for the current second. */
    struct {
        time_t when;
        pid_t pid;
        char rest[128];
        size_t rest_len;
    } syslog_header;
};

/* glibc allocates a dlopen'ed module's thread-local block from the heap at
 * the first call on each thread, and its size moves the allocator's costs
 * for every later connection (make bench, Kerberos sequential server:
 * 952 bytes 1.0284 of the run without the module, 1048 bytes 1.0308, a
 * dummy 400 bytes more +500 instructions per connection, 800 more +1800).
 * Under 1 KiB, glibc's "small" requests, it stayed cheap. */
_Static_assert(sizeof(struct mech_thread_state) < 1024,
               "the module's thread state stays under 1 KiB (see above)");

/* This thread's state (never NULL). */
struct mech_thread_state *thread_state(void);

#endif
