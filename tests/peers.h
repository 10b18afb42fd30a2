/* peers.h - an SSPI context of ours facing a raw GSS-API peer, for message
 * tests: the three mechanism setups (Kerberos AES, Kerberos RC4, NTLM) and
 * helpers that seal, sign, open and verify on either side. */
#ifndef GSS_SSPI_TEST_PEERS_H
#define GSS_SSPI_TEST_PEERS_H

#include <stddef.h>

#include "testlib.h"

enum mech_kind { KIND_AES, KIND_RC4, KIND_NTLM, KIND_COUNT };
const char *kind_name(enum mech_kind kind);

/* For KIND_RC4: points KRB5_CONFIG / KRB5CCNAME / KRB5_KTNAME at the
 * RC4-only files of the realm (call before anything touches krb5). */
void use_kind_environment(enum mech_kind kind);
const char *kind_spn(enum mech_kind kind);
/* The acceptor package a raw client of the kind talks to: Negotiate for AES
 * and NTLM (raw tokens to Negotiate), Kerberos for RC4. */
const char *kind_server_package(enum mech_kind kind);

struct pair {
    enum mech_kind kind;
    gss_ctx_id_t raw; /* the raw GSS peer */
    CtxtHandle ours;  /* our SSPI context */
    CredHandle cred;
    bool ours_is_server;
    OM_uint32 raw_flags; /* flags GSS granted the raw side */
    ULONG ours_attrs;    /* ASC_RET / ISC_RET */
};

/* A raw gss_init_sec_context client against our AcceptSecurityContext with
 * credentials of package (NULL: Negotiate). */
void pair_raw_client(enum mech_kind kind, OM_uint32 gss_flags, const char *package, struct pair *p);
/* Our InitializeSecurityContext (package) against a raw gss_accept_sec_context. */
void pair_raw_server(enum mech_kind kind, ULONG isc_req, const char *package, struct pair *p);
void pair_free(struct pair *p);

/* Deterministic message bytes. */
unsigned char *test_message(size_t len, unsigned seed);

/* EncryptMessage with TOKEN (cbSecurityTrailer) + DATA + PADDING
 * (cbBlockSize); returns token || data || padding (malloc).  *token_len
 * gets the TOKEN length produced. */
SECURITY_STATUS ours_seal(CtxtHandle *h, ULONG qop, const void *data, size_t len,
                          unsigned char **wire, size_t *wire_len, ULONG *token_len);
/* DecryptMessage of a whole token as SECBUFFER_STREAM + empty DATA; the
 * plaintext is copied to *plain (malloc). */
SECURITY_STATUS ours_unseal_stream(CtxtHandle *h, const void *wire, size_t wire_len,
                                   unsigned char **plain, size_t *plain_len, ULONG *qop);
/* MakeSignature with TOKEN (cbMaxSignature) + DATA; the signature in *sig. */
SECURITY_STATUS ours_sign(CtxtHandle *h, const void *data, size_t len, unsigned char **sig,
                          size_t *sig_len);
SECURITY_STATUS ours_verify(CtxtHandle *h, const void *data, size_t len, const void *sig,
                            size_t sig_len);

/* Raw GSS side; the *_expect helpers assert success and equal contents. */
void raw_unwrap_expect(gss_ctx_id_t raw, const void *wire, size_t wire_len, const void *data,
                       size_t len, int expect_conf);
void raw_wrap(gss_ctx_id_t raw, int conf, const void *data, size_t len, gss_buffer_desc *token);
void raw_verify_expect(gss_ctx_id_t raw, const void *data, size_t len, const void *sig,
                       size_t sig_len);
void raw_get_mic(gss_ctx_id_t raw, const void *data, size_t len, gss_buffer_desc *mic);

/* The session key as each side sees it (malloc). */
unsigned char *raw_session_key(gss_ctx_id_t raw, size_t *len);
unsigned char *ours_session_key(CtxtHandle *h, size_t *len);

#endif
