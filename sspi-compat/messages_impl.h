/*
 * messages_impl.h - what messages.c (entry points, buffer layouts, sizes)
 * shares with the mechanism files messages_krb5.c and messages_ntlm.c.
 * Private to the library's message functions.
 */
#ifndef GSS_SSPI_MESSAGES_IMPL_H
#define GSS_SSPI_MESSAGES_IMPL_H

#include "internal.h"

enum op { OP_SIGN, OP_VERIFY, OP_SEAL, OP_UNSEAL };

/* The part a SecBuffer plays; every part but DATA appears at most once. */
enum part {
    PART_IGNORED,
    PART_DATA,
    PART_TOKEN,
    PART_PADDING,
    PART_STREAM,
    PART_STREAM_HEADER,
    PART_STREAM_TRAILER,
    PART_EMPTY,
    PART_COUNT
};

/* One call's view of pMessage. */
struct msg {
    enum op op;
    const char *fn;
    struct sspi_ctx *ctx;
    PSecBufferDesc desc;
    PSecBuffer one[PART_COUNT]; /* the single-instance parts; one[PART_DATA] = first */
    ULONG data_count;           /* DATA buffers that are encrypted */
    ULONG sign_only_count;      /* read-only DATA buffers: signed only */
    size_t data_len, sign_only_len;
    bool ntlm;
    ULONG qop;       /* fQOP asked for (sign, seal); *pfQOP found (verify, unseal) */
    ULONG token_len; /* the TOKEN produced (sign, seal) */
};

#define SIGN_ONLY_FLAGS (SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM)
#define NTLM_SIGNATURE 16 /* MS-NLMP 2.2.2.9: NTLMSSP_MESSAGE_SIGNATURE */

enum part msg_part_of(const SecBuffer *b);
bool msg_is_sign_only(const SecBuffer *b);
/* A refusal found by the library: traced and recorded, status returned. */
SECURITY_STATUS msg_reject(struct msg *m, SECURITY_STATUS status, const char *why);
/* A refusal by GSS, mapped to the SECURITY_STATUS a Windows caller sees. */
SECURITY_STATUS msg_fail_gss(struct msg *m, OM_uint32 major, OM_uint32 minor);
/* A SECBUFFER_STREAM holding less than its whole token: SEC_E_INCOMPLETE_MESSAGE. */
SECURITY_STATUS msg_stream_complete(struct msg *m);

/* Kerberos (and any mechanism with IOV support): messages_krb5.c */
SECURITY_STATUS krb5_sign(struct msg *m);
SECURITY_STATUS krb5_verify(struct msg *m);
SECURITY_STATUS krb5_seal(struct msg *m);
SECURITY_STATUS krb5_unseal(struct msg *m);

/* NTLM (gss-ntlmssp: no IOV): messages_ntlm.c */
SECURITY_STATUS ntlm_sign(struct msg *m);
SECURITY_STATUS ntlm_verify(struct msg *m);
SECURITY_STATUS ntlm_seal(struct msg *m);
SECURITY_STATUS ntlm_unseal(struct msg *m);

#endif
