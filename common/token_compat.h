/*
 * token_compat.h - the token-compatibility layer of an acceptor: what
 * Windows accepts, rewritten into what gss-ntlmssp 1.2.0 and MIT krb5
 * accept, only where no key, checksum or MIC covers the bytes changed; and
 * what would crash gss-ntlmssp 1.2.0, refused before it sees it.
 *
 * Used by libgss-sspi's AcceptSecurityContext (when the module is not
 * loaded) and by gss-sspi-negotiate's gssi_accept_sec_context (its
 * outermost call, for every GSS application).  Both hand it every input
 * token (raw, or SPNEGO NegTokenInit / NegTokenResp) and every output
 * token (to learn the CHALLENGE's flags).  The rules are a table
 * (token_compat.c): name, the clients that need it, the library version it
 * works around, why it is safe, and its test.
 */
#ifndef GSS_SSPI_COMMON_TOKEN_COMPAT_H
#define GSS_SSPI_COMMON_TOKEN_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the layer remembers of one context's exchange. */
struct compat_state {
    bool negotiate_rewritten; /* the NEGOTIATE gss-ntlmssp keeps is not the client's */
    bool challenge_seen;
    uint32_t challenge_flags; /* the flags the acceptor's CHALLENGE negotiated */
    const char *fired;        /* name of the last rule that fired, NULL if none */
    uint32_t fired_rules;     /* every rule that fired: bit i = compat_rules[i] */
};

enum compat_verdict {
    COMPAT_PASS,    /* give the mechanism the token as it came */
    COMPAT_REWRITE, /* give it out->token instead */
    COMPAT_REFUSE,  /* refuse: SEC_E_INVALID_TOKEN / GSS_S_DEFECTIVE_TOKEN */
};

struct compat_result {
    enum compat_verdict verdict;
    const char *rule;  /* the rule that decided (REWRITE, REFUSE) */
    char reason[192];  /* REFUSE: why, for the trace and the audit line */
    unsigned char *token; /* REWRITE: malloc'ed; compat_result_clear frees it */
    size_t len;
};

/* The client's token, before the mechanism sees it.  A rule that fires
 * is traced (SSPI_TRACE) under who, with the reason of a refusal. */
enum compat_verdict compat_accept_input(struct compat_state *state, const char *who,
                                        const void *token, size_t len, struct compat_result *out);
/* The acceptor's token, after the mechanism produced it. */
void compat_accept_output(struct compat_state *state, const void *token, size_t len);
void compat_result_clear(struct compat_result *res);
/* The names of every rule that fired in this exchange, comma-separated, in
 * buf ("" when none); returns buf. */
const char *compat_fired_names(const struct compat_state *state, char *buf, size_t size);

/* The rule table, for documentation and tests. */
struct compat_rule {
    const char *name;
    const char *clients;      /* who sends such tokens */
    const char *works_around; /* which library version refuses or crashes */
    const char *safe_because;
    const char *test;         /* where it is tested */
};
extern const struct compat_rule compat_rules[];
extern const size_t compat_rule_count;

#endif
