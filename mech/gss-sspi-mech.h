/*
 * gss-sspi-mech.h - what the gss-sspi-negotiate interposer answers to
 * callers (libgss-sspi, administrators' tools, tests).
 *
 * Our arc is 2.25.90609452979841741294370483809392673506 (X.667 UUID
 * form).  .1 is the interposer mechanism named in mech.d; .2.N are the
 * extension OIDs below.  Every structure is little-endian with fixed-size
 * fields, so a caller reads it without this header's ABI.
 *
 * Per context, through gss_inquire_sec_context_by_oid():
 *   GSS_SSPI_NEGOTIATE_OID_NEGOTIATION_INFO  negotiated package and form
 *   GSS_SSPI_NEGOTIATE_OID_NTLM_VERSION      whether NTLM was used, which
 *   GSS_SSPI_NEGOTIATE_OID_CHANNEL_BINDINGS  channel-binding verdict
 * Per thread, through gssspi_mech_invoke() with the SPNEGO OID 1.3.6.1.5.5.2
 * (any mechanism the module interposes answers; our own OID does not work
 * there, see below):
 *   GSS_SSPI_NEGOTIATE_OID_LAST_ERROR        the mechanism's own minor code
 *   GSS_SSPI_NEGOTIATE_OID_POLICY_STATUS     the policy file in force
 *   GSS_SSPI_NEGOTIATE_OID_NTLM_POLICY       whether NTLM is accepted
 *   GSS_SSPI_NEGOTIATE_OID_ACCEPTOR_REQUIREMENTS  the caller's own acceptor
 *                                            policy, for the accepts that follow
 * A process without the module gets GSS_S_BAD_MECH (invoke) or an error
 * from the mechanism (inquire); callers fall back to what they know.
 */
#ifndef GSS_SSPI_MECH_H
#define GSS_SSPI_MECH_H

#include <gssapi/gssapi.h>

/* DER contents of the arc, then of each OID. */
#define GSS_SSPI_NEGOTIATE_ARC_DER                                                                 \
    "\x69\x81\x88\xaa\xdf\xbc\xb2\xe9\x82\x80\xab\x9d\xdb\xce\xd6\xb9\x86\xe9\x85\x62"
#define GSS_SSPI_NEGOTIATE_ARC_LEN 20

/* 2.25.<uuid>.1: the interposer itself (the OID of the mech.d line).  MIT
 * krb5 (1.20, and master as of this writing) cannot parse an arc above
 * 2^64-1 in mech.d: generic_gss_str_to_oid stops there without an error, so
 * the mechanism list knows the module as 2.25.  The module accepts either. */
#define GSS_SSPI_NEGOTIATE_MECH_OID_DER GSS_SSPI_NEGOTIATE_ARC_DER "\x01"
#define GSS_SSPI_NEGOTIATE_MECH_OID_LEN (GSS_SSPI_NEGOTIATE_ARC_LEN + 1)

/* 2.25.<uuid>.2.N */
#define GSS_SSPI_NEGOTIATE_EXT_OID_DER(n) GSS_SSPI_NEGOTIATE_ARC_DER "\x02" n
#define GSS_SSPI_NEGOTIATE_EXT_OID_LEN (GSS_SSPI_NEGOTIATE_ARC_LEN + 2)

/* .2.1 NEGOTIATION_INFO: three buffers.
 *   [0] 16 bytes: le32 package (GSS_SSPI_NEG_PACKAGE_*), le32 form
 *       (GSS_SSPI_NEG_FORM_*), le32 NTLM version (GSS_SSPI_NEG_NTLM_*),
 *       le32 state (0 in progress, 1 complete)
 *   [1] DER contents of the mechanism OID actually used (empty if unknown)
 *   [2] the package name, "Kerberos", "NTLM" or "" */
#define GSS_SSPI_NEGOTIATE_OID_NEGOTIATION_INFO_DER GSS_SSPI_NEGOTIATE_EXT_OID_DER("\x01")
/* .2.2 NTLM_VERSION: one buffer, le32 GSS_SSPI_NEG_NTLM_* (NONE: not NTLM). */
#define GSS_SSPI_NEGOTIATE_OID_NTLM_VERSION_DER GSS_SSPI_NEGOTIATE_EXT_OID_DER("\x02")
/* .2.3 CHANNEL_BINDINGS: one buffer of 8 bytes: le32 state (GSS_SSPI_NEG_CB_*),
 *      le32 policy in force (GSS_SSPI_NEG_CB_POLICY_*). */
#define GSS_SSPI_NEGOTIATE_OID_CHANNEL_BINDINGS_DER GSS_SSPI_NEGOTIATE_EXT_OID_DER("\x03")
/* .2.4 LAST_ERROR (gssspi_mech_invoke; the value buffer is filled, free it
 *      with gss_release_buffer): le32 major, le32 minor, then the DER
 *      contents of the OID of the mechanism that reported it.  It is the
 *      innermost failure the module passed back on the calling thread, with
 *      the mechanism's own minor code: MIT's mechglue renumbers minor codes
 *      that cross an interposer (see mech/README.md). */
#define GSS_SSPI_NEGOTIATE_OID_LAST_ERROR_DER GSS_SSPI_NEGOTIATE_EXT_OID_DER("\x04")
/* .2.5 POLICY_STATUS (gssspi_mech_invoke): le32 0 = policy loaded,
 *      1 = policy file invalid or untrusted (the module denies every
 *      acceptor), then the text "path", "path:line: reason" or "path:
 *      reason", followed by "; audit_file PATH: reason" while the audit file
 *      cannot be written and "; syslog: N audit lines dropped (socket full)"
 *      once the syslog daemon's queue has refused lines (N since loading). */
#define GSS_SSPI_NEGOTIATE_OID_POLICY_STATUS_DER GSS_SSPI_NEGOTIATE_EXT_OID_DER("\x05")
/* .2.6 NTLM_POLICY (gssspi_mech_invoke): le32 ntlm, le32 ntlm_v1, each a
 *      GSS_SSPI_NEG_NTLM_POLICY_*; an invalid policy file reads as DENY (the
 *      module then refuses every acceptor).  A server asks it before it
 *      offers "WWW-Authenticate: NTLM" (tools/demo_server.c). */
#define GSS_SSPI_NEGOTIATE_OID_NTLM_POLICY_DER GSS_SSPI_NEGOTIATE_EXT_OID_DER("\x06")
/* .2.7 ACCEPTOR_REQUIREMENTS (gssspi_mech_invoke; the value buffer is read,
 *      not filled): what the application itself requires of the contexts
 *      its gss_accept_sec_context calls on this thread establish, until an
 *      empty value clears it.  8 bytes: le32 channel-binding policy
 *      (GSS_SSPI_NEG_CB_POLICY_*: REQUIRE, or NONE for no requirement), le32
 *      GSS flags the established context must have been granted (as the
 *      mechanism enforces them: NTLM signing counts as replay and sequence
 *      detection).  The stricter of this and the policy file applies; a
 *      context that fails the caller's part is refused by the module with
 *      GSS_SSPI_NEG_ERR_CALLER_CB_REQUIRED (GSS_S_BAD_BINDINGS) or
 *      GSS_SSPI_NEG_ERR_CALLER_FLAGS (GSS_S_UNAVAILABLE), and its audit line
 *      says result=failure with cb_policy=...(caller) / required_flags=....
 *      libgss-sspi hands GssSspiSetCredentialsPolicy's settings over this way
 *      around each AcceptSecurityContext step, so that the audit line tells
 *      what the server decided.  Per call, not per credential: fContextReq
 *      (ASC_REQ_ALLOW_MISSING_BINDINGS, the requested security bits) is. */
#define GSS_SSPI_NEGOTIATE_OID_ACCEPTOR_REQUIREMENTS_DER GSS_SSPI_NEGOTIATE_EXT_OID_DER("\x07")
#define GSS_SSPI_NEG_ACCEPTOR_REQUIREMENTS_LEN 8

#define GSS_SSPI_NEG_NTLM_POLICY_ALLOW 0
#define GSS_SSPI_NEG_NTLM_POLICY_AUDIT 1
#define GSS_SSPI_NEG_NTLM_POLICY_DENY 2

#define GSS_SSPI_NEG_PACKAGE_UNKNOWN 0
#define GSS_SSPI_NEG_PACKAGE_KERBEROS 1
#define GSS_SSPI_NEG_PACKAGE_NTLM 2

#define GSS_SSPI_NEG_FORM_RAW 0    /* the mechanism's own token */
#define GSS_SSPI_NEG_FORM_SPNEGO 1 /* negotiated inside SPNEGO */

#define GSS_SSPI_NEG_NTLM_NONE 0 /* not NTLM, or not known yet */
#define GSS_SSPI_NEG_NTLM_V1 1   /* NTLMv1, NTLM2 session response or LM */
#define GSS_SSPI_NEG_NTLM_V2 2
#define GSS_SSPI_NEG_NTLM_ANONYMOUS 3

/* gss-sspi.h defines GSS_SSPI_CB_*, _CB_POLICY_* and _FORM_* as these. */
#define GSS_SSPI_NEG_CB_NONE 0    /* the acceptor had no bindings */
#define GSS_SSPI_NEG_CB_MATCHED 1 /* the client's bindings were checked and matched */
#define GSS_SSPI_NEG_CB_ABSENT 2  /* the acceptor had bindings, the client sent none */

#define GSS_SSPI_NEG_CB_POLICY_NONE 0
#define GSS_SSPI_NEG_CB_POLICY_ALLOW 1
#define GSS_SSPI_NEG_CB_POLICY_REQUIRE 2

/* Minor codes of the module's own refusals (major GSS_S_UNAUTHORIZED,
 * GSS_S_BAD_BINDINGS or GSS_S_FAILURE); gss_display_status explains them. */
#define GSS_SSPI_NEG_MINOR_BASE 0x47534e00u /* "GSN" */
#define GSS_SSPI_NEG_ERR_NTLM_DENIED (GSS_SSPI_NEG_MINOR_BASE + 1)
#define GSS_SSPI_NEG_ERR_NTLMV1_DENIED (GSS_SSPI_NEG_MINOR_BASE + 2)
#define GSS_SSPI_NEG_ERR_CB_REQUIRED (GSS_SSPI_NEG_MINOR_BASE + 3)
#define GSS_SSPI_NEG_ERR_POLICY_INVALID (GSS_SSPI_NEG_MINOR_BASE + 4)
#define GSS_SSPI_NEG_ERR_NO_MEMORY (GSS_SSPI_NEG_MINOR_BASE + 5)
#define GSS_SSPI_NEG_ERR_BAD_NEGTOKENINIT (GSS_SSPI_NEG_MINOR_BASE + 6)
#define GSS_SSPI_NEG_ERR_NO_COMMON_MECH (GSS_SSPI_NEG_MINOR_BASE + 7)
#define GSS_SSPI_NEG_ERR_NTLM_MALFORMED (GSS_SSPI_NEG_MINOR_BASE + 8)
/* Major GSS_S_DEFECTIVE_TOKEN: a token the token-compatibility layer
 * refuses (it would crash gss-ntlmssp 1.2.0, or no rewrite can keep its MIC
 * valid); the audit line and SSPI_TRACE say which rule and why. */
#define GSS_SSPI_NEG_ERR_COMPAT_REFUSED (GSS_SSPI_NEG_MINOR_BASE + 9)
/* The application's own requirements (ACCEPTOR_REQUIREMENTS) not met:
 * channel bindings absent or not verified (major GSS_S_BAD_BINDINGS), or a
 * required GSS flag not granted (major GSS_S_UNAVAILABLE). */
#define GSS_SSPI_NEG_ERR_CALLER_CB_REQUIRED (GSS_SSPI_NEG_MINOR_BASE + 10)
#define GSS_SSPI_NEG_ERR_CALLER_FLAGS (GSS_SSPI_NEG_MINOR_BASE + 11)

/* The environment variable that names the policy file (tests); the default
 * is $(sysconfdir)/gss-sspi/negotiate.conf.  Ignored in setuid programs. */
#define GSS_SSPI_NEGOTIATE_CONF_ENV "GSS_SSPI_NEGOTIATE_CONF"

#endif /* GSS_SSPI_MECH_H */
