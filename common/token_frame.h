/*
 * token_frame.h - what a client's context token is, from its framing: the
 * one classifier of the library, the module and the tools.
 *
 *   0x60 ...           RFC 2743 3.1 initial-context framing: the OID that
 *                      follows names the mechanism (SPNEGO, Kerberos, ...)
 *   0xa1 ...           SPNEGO NegTokenResp (RFC 4178 4.2.2), every later token
 *   "NTLMSSP\0" ...    a raw NTLMSSP message ([MS-NLMP] 2.2.1)
 *   0x6e ...           a Kerberos AP-REQ without the GSS framing (DCE style,
 *                      or impacket's SMB/LDAP code)
 */
#ifndef GSS_SSPI_COMMON_TOKEN_FRAME_H
#define GSS_SSPI_COMMON_TOKEN_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include <gssapi/gssapi.h>

#include "der.h"

enum token_kind {
    TOKEN_EMPTY,
    TOKEN_SPNEGO_INIT,  /* 0x60 + SPNEGO OID: NegTokenInit or NegTokenInit2 */
    TOKEN_GSS_FRAMED,   /* 0x60 + another mechanism's OID */
    TOKEN_BAD_FRAMING,  /* 0x60, but its DER length is not the buffer's */
    TOKEN_SPNEGO_RESP,  /* 0xa1: NegTokenResp */
    TOKEN_NTLMSSP,      /* a raw NTLMSSP message */
    TOKEN_KRB5_BARE,    /* 0x6e: an AP-REQ without GSS framing */
    TOKEN_OTHER,
};

struct token_class {
    enum token_kind kind;
    gss_OID_desc mech; /* the framing's OID (points into the token), else empty */
};

/* Classifies token; a framed token must be exactly as long as its header
 * says (MIT takes a cut one for an unframed Kerberos token and fails
 * without saying why), else TOKEN_BAD_FRAMING. */
enum token_kind token_classify(const void *token, size_t len, struct token_class *out);
const char *token_kind_name(enum token_kind kind);

/* Where a SPNEGO token carries its mechanism token: NegTokenInit's
 * mechToken [2] or NegTokenResp's responseToken [2], as the chain of TLVs
 * around it, outermost first, so that it can be replaced (lengths of every
 * enclosing TLV re-encoded, everything else copied as it came). */
#define SPNEGO_PATH_MAX 5
struct spnego_path {
    size_t depth;
    struct {
        unsigned char tag;
        size_t start; /* offset of the tag in the token */
        size_t value; /* offset of the value */
        size_t end;   /* offset after the value */
    } level[SPNEGO_PATH_MAX];
    gss_OID_desc first_mech; /* NegTokenInit: the first of mechTypes, else empty */
};
/* Finds the mechanism token of a SPNEGO NegTokenInit or NegTokenResp;
 * false when there is none or the DER does not parse. */
bool spnego_find_mech_token(const void *token, size_t len, struct spnego_path *path,
                            struct der *mech_token);
/* token with its mechanism token (at path) replaced by inner: a malloc'ed
 * copy in *out.  False on allocation failure. */
bool spnego_replace_mech_token(const void *token, size_t len, const struct spnego_path *path,
                               const void *inner, size_t inner_len, unsigned char **out,
                               size_t *out_len);
/* RFC 2743 3.1 framing around a bare token: 0x60, the OID, then tok_id
 * (2 bytes, NULL for none) and body.  A malloc'ed copy; false on ENOMEM. */
bool gss_frame_token(gss_const_OID mech, const unsigned char *tok_id, const void *body,
                     size_t body_len, unsigned char **out, size_t *out_len);

#endif
