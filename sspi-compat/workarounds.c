/*
 * workarounds.c - where a failed handshake step knows more than the
 * generic mapping of status.c: what a library in use reports ambiguously,
 * or differently from what Windows callers are told.  One row per
 * workaround: its condition, the SECURITY_STATUS it gives, why, the
 * library version it works around and the test that shows it.  The first
 * row whose condition holds wins; each condition reads the generic status
 * status.c chose, so the order matters only where conditions overlap.
 * Only failures GSS reported come here (the library's own refusals carry
 * their precise status already).
 */
#include <stdio.h>

#include "internal.h"

struct workaround {
    const char *name;
    unsigned roles; /* 1 << ROLE_ACCEPTOR, 1 << ROLE_INITIATOR */
    bool (*applies)(const struct step_failure *f);
    SECURITY_STATUS status;
    const char *reason;       /* why the row exists */
    const char *works_around; /* the library (and version) it compensates */
    const char *test;         /* where a test fails without it */
    const char *record;       /* the failure's text, when GSS's says nothing; or NULL */
};

#define ACCEPTOR (1u << ROLE_ACCEPTOR)
#define BOTH ((1u << ROLE_ACCEPTOR) | (1u << ROLE_INITIATOR))

static bool bad_mech(const struct step_failure *f)
{
    return GSS_ROUTINE_ERROR(f->major) == GSS_S_BAD_MECH;
}

static bool bindings_as_mic(const struct step_failure *f)
{
    return f->status == SEC_E_MESSAGE_ALTERED && f->bindings_passed &&
           GSS_ROUTINE_ERROR(f->major) == GSS_S_DEFECTIVE_TOKEN;
}

static bool no_cred_element(const struct step_failure *f)
{
    return GSS_ROUTINE_ERROR(f->major) == GSS_S_NO_CRED && f->minor == 0 &&
           f->ctx->gss == GSS_C_NO_CONTEXT;
}

static bool ntlm_source_down(const struct step_failure *f)
{
    return f->status == SEC_E_LOGON_DENIED && ntlm_user_source_failed(f->major, f->minor);
}

/* GSS_S_FAILURE that status.c could only call an internal error. */
static bool generic_failure(const struct step_failure *f)
{
    return f->status == SEC_E_INTERNAL_ERROR && GSS_ROUTINE_ERROR(f->major) == GSS_S_FAILURE;
}

static bool unexplained(const struct step_failure *f)
{
    return generic_failure(f) && status_minor_says_nothing(f->minor);
}

static bool spnego_unparsed(const struct step_failure *f)
{
    return generic_failure(f) && f->input_spnego;
}

static const struct workaround workarounds[] = {
    {"bad_mech", ACCEPTOR, bad_mech, SEC_E_INVALID_TOKEN,
     "a token naming a mechanism we do not have is a bad token: the caller chose the package "
     "when it acquired the credential",
     "MIT krb5 1.20 mechglue (GSS_S_BAD_MECH)", "tests/unit.c status rows; tests/test_errors.c bad_tokens",
     NULL},
    {"bindings_as_mic", ACCEPTOR, bindings_as_mic, SEC_E_BAD_BINDINGS,
     "bindings that differ are reported as a MIC that does not verify; with bindings passed they "
     "are the likely cause (a MIC altered in transit then reads as bad bindings too)",
     "gss-ntlmssp 1.2.0", "tests/test_channel_bindings.c mismatching_bindings", NULL},
    {"no_cred_element", ACCEPTOR, no_cred_element, SEC_E_INVALID_TOKEN,
     "no reason, before any context exists: no element of our credential for the token's "
     "mechanism (a Kerberos token to the NTLM package); Windows calls that token invalid",
     "MIT krb5 1.20 mechglue (GSS_S_NO_CRED, minor 0)", "tests/test_errors.c bad_tokens", NULL},
    {"ntlm_source_down", ACCEPTOR, ntlm_source_down, SEC_E_NO_AUTHENTICATING_AUTHORITY,
     "an unknown user cannot be told from an unreadable user source; an outage is Windows' "
     "\"no authority\", not a wrong logon (ntlm_source.c checks the sources)",
     "gss-ntlmssp 1.2.0 (ENOENT/EACCES)", "tests/test_windows_semantics.c ntlm_user_source_unusable",
     NULL},
    {"unexplained", ACCEPTOR, unexplained, SEC_E_INVALID_TOKEN,
     "an AP-REQ that does not decode fails with GSS_S_FAILURE and minor 0 (or the mechglue's "
     "made-up number for 0)",
     "MIT krb5 1.20 krb5 acceptor", "tests/test_compat.c first_failure_reason_for_the_thread",
     "the token does not decode (the mechanism gave no reason)"},
    {"spnego_unparsed", BOTH, spnego_unparsed, SEC_E_INVALID_TOKEN,
     "SPNEGO refuses a token it cannot parse with GSS_S_FAILURE and a generic-table code the "
     "mechglue renumbers; every mechanism error behind SPNEGO has a minor status.c knows, so "
     "what is left with SPNEGO input is the parser's",
     "MIT krb5 1.20 SPNEGO", "tests/test_bad_input.c asc_spnego_64k", NULL},
};

SECURITY_STATUS workaround_apply(const struct step_failure *f, const char *fn, const char **record)
{
    for (size_t i = 0; i < sizeof(workarounds) / sizeof(workarounds[0]); i++) {
        const struct workaround *w = &workarounds[i];
        if (!(w->roles & (1u << f->ctx->role)) || !w->applies(f))
            continue;
        trace("%s: workaround %s (%s): %s instead of %s: %s", fn, w->name, w->works_around,
              status_name(w->status), status_name(f->status), w->reason);
        if (w->record != NULL && record != NULL && *record == NULL)
            *record = w->record;
        return w->status;
    }
    return f->status;
}
