/*
 * test_messages.c - MakeSignature / VerifySignature / EncryptMessage /
 * DecryptMessage against a raw GSS-API peer, for Kerberos AES, Kerberos RC4
 * and NTLM; SIZES and STREAM_SIZES against the tokens really produced;
 * session keys and NEGOTIATION_INFO on both sides; the error cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"

static const size_t message_sizes[] = {0, 1, 1024, 1 << 20};
#define N_SIZES (sizeof(message_sizes) / sizeof(message_sizes[0]))

static const char *client_package(enum mech_kind kind)
{
    return kind == KIND_NTLM ? "NTLM" : "Kerberos";
}

/* gss-ntlmssp 1.2 signs and seals no empty message (see messages.c). */
static bool empty_unsupported(enum mech_kind kind, size_t len)
{
    return kind == KIND_NTLM && len == 0;
}

/* Every size, both directions, sealing and signing, with one pair. */
static void exchange_all(struct pair *p)
{
    OM_uint32 minor;
    for (size_t i = 0; i < N_SIZES; i++) {
        size_t len = message_sizes[i];
        unsigned char *msg = test_message(len, (unsigned)i), *wire, *plain, *sig;
        size_t wire_len, plain_len, sig_len;
        ULONG token_len, qop;
        SECURITY_STATUS s;

        s = ours_seal(&p->ours, 0, msg, len, &wire, &wire_len, &token_len);
        if (empty_unsupported(p->kind, len)) {
            ck_assert_int_eq(s, SEC_E_UNSUPPORTED_FUNCTION);
        } else {
            ck_assert_msg(s == SEC_E_OK, "%s: EncryptMessage(%zu): 0x%08x", kind_name(p->kind), len,
                          (unsigned)s);
            raw_unwrap_expect(p->raw, wire, wire_len, msg, len, 1);
            free(wire);

            gss_buffer_desc tok;
            raw_wrap(p->raw, 1, msg, len, &tok);
            s = ours_unseal_stream(&p->ours, tok.value, tok.length, &plain, &plain_len, &qop);
            ck_assert_msg(s == SEC_E_OK, "%s: DecryptMessage(%zu): 0x%08x", kind_name(p->kind), len,
                          (unsigned)s);
            ck_assert_uint_eq(plain_len, len);
            ck_assert(len == 0 || memcmp(plain, msg, len) == 0);
            ck_assert_uint_eq(qop, 0);
            free(plain);
            gss_release_buffer(&minor, &tok);
        }

        s = ours_sign(&p->ours, msg, len, &sig, &sig_len);
        if (empty_unsupported(p->kind, len)) {
            ck_assert_int_eq(s, SEC_E_UNSUPPORTED_FUNCTION);
        } else {
            ck_assert_msg(s == SEC_E_OK, "%s: MakeSignature(%zu): 0x%08x", kind_name(p->kind), len,
                          (unsigned)s);
            raw_verify_expect(p->raw, msg, len, sig, sig_len);
            free(sig);
            gss_buffer_desc mic;
            raw_get_mic(p->raw, msg, len, &mic);
            s = ours_verify(&p->ours, msg, len, mic.value, mic.length);
            ck_assert_msg(s == SEC_E_OK, "%s: VerifySignature(%zu): 0x%08x", kind_name(p->kind),
                          len, (unsigned)s);
            gss_release_buffer(&minor, &mic);
        }
        free(msg);
    }
}

/* A raw gss_init_sec_context client; our AcceptSecurityContext. */
START_TEST(raw_client_round_trips)
{
    struct pair p;
    pair_raw_client((enum mech_kind)_i, GSS_ALL, kind_server_package(_i), &p);
    exchange_all(&p);
    pair_free(&p);
}
END_TEST

/* Our InitializeSecurityContext; a raw gss_accept_sec_context server. */
START_TEST(raw_server_round_trips)
{
    struct pair p;
    pair_raw_server((enum mech_kind)_i, ISC_ALL, client_package(_i), &p);
    exchange_all(&p);
    pair_free(&p);
}
END_TEST

/* SIZES and STREAM_SIZES are what the mechanism produces. */
START_TEST(sizes_match_tokens)
{
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    SecPkgContext_Sizes sz;
    SecPkgContext_StreamSizes ss;
    SecPkgInfoA *info;
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    ck_assert_int_eq(QueryContextAttributesA(&p.ours, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    ck_assert_int_eq(QueryContextAttributesW(&p.ours, SECPKG_ATTR_STREAM_SIZES, &ss), SEC_E_OK);
    ck_assert_int_eq(QuerySecurityPackageInfoA((SEC_CHAR *)kind_server_package(kind), &info),
                     SEC_E_OK);
    ck_assert_uint_eq(sz.cbMaxToken, info->cbMaxToken);
    FreeContextBuffer(info);

    ULONG token_min = ~0u, token_max = 0;
    size_t sig_len = 0;
    for (size_t i = 0; i < N_SIZES; i++) {
        size_t len = message_sizes[i] ? message_sizes[i] : 1;
        unsigned char *msg = test_message(len, 7), *wire, *sig;
        size_t wire_len;
        ULONG token_len;
        ck_assert_int_eq(ours_seal(&p.ours, 0, msg, len, &wire, &wire_len, &token_len), SEC_E_OK);
        raw_unwrap_expect(p.raw, wire, wire_len, msg, len, 1);
        if (kind == KIND_AES) {
            /* RFC 4121 wrap token, sealed, no padding (EC 0), and the trailer
             * rotated into the TOKEN: RRC = 16 (E(header)) + 12 (HMAC). */
            ck_assert(wire[0] == 0x05 && wire[1] == 0x04 && (wire[2] & 0x02));
            ck_assert_uint_eq(wire[4] << 8 | wire[5], 0);
            ck_assert_uint_eq(wire[6] << 8 | wire[7], 28);
        }
        token_min = token_len < token_min ? token_len : token_min;
        token_max = token_len > token_max ? token_len : token_max;
        ck_assert_int_eq(ours_sign(&p.ours, msg, len, &sig, &sig_len), SEC_E_OK);
        raw_verify_expect(p.raw, msg, len, sig, sig_len);
        free(sig);
        free(wire);
        free(msg);
    }
    /* The stream layout: STREAM_HEADER + DATA + STREAM_TRAILER. */
    unsigned char *msg = test_message(1000, 3);
    unsigned char *hdr = malloc(ss.cbHeader), *trl = malloc(ss.cbTrailer + 1), *data = malloc(1000);
    memcpy(data, msg, 1000);
    SecBuffer b[3] = {{ss.cbHeader, SECBUFFER_STREAM_HEADER, hdr},
                      {1000, SECBUFFER_DATA, data},
                      {ss.cbTrailer, SECBUFFER_STREAM_TRAILER, trl}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_OK);
    ck_assert_uint_le(b[0].cbBuffer, ss.cbHeader);
    ck_assert_uint_le(b[2].cbBuffer, ss.cbTrailer);
    size_t wl = b[0].cbBuffer + 1000 + b[2].cbBuffer;
    unsigned char *wire = malloc(wl);
    memcpy(wire, hdr, b[0].cbBuffer);
    memcpy(wire + b[0].cbBuffer, data, 1000);
    memcpy(wire + b[0].cbBuffer + 1000, trl, b[2].cbBuffer);
    raw_unwrap_expect(p.raw, wire, wl, msg, 1000, 1);

    printf("SIZES %s: cbMaxToken=%u cbMaxSignature=%u cbBlockSize=%u cbSecurityTrailer=%u; "
           "STREAM_SIZES: cbHeader=%u cbTrailer=%u cbMaximumMessage=%u cBuffers=%u "
           "cbBlockSize=%u; produced: TOKEN %u..%u bytes (1 B..1 MiB), signature %zu bytes, "
           "stream header %u trailer %u\n",
           kind_name(kind), sz.cbMaxToken, sz.cbMaxSignature, sz.cbBlockSize, sz.cbSecurityTrailer,
           ss.cbHeader, ss.cbTrailer, ss.cbMaximumMessage, ss.cBuffers, ss.cbBlockSize, token_min,
           token_max, sig_len, b[0].cbBuffer, b[2].cbBuffer);
    switch (kind) {
    case KIND_AES: /* CFX: fixed sizes, trailer in the TOKEN through RRC */
    case KIND_NTLM:
        ck_assert_uint_eq(token_min, sz.cbSecurityTrailer);
        ck_assert_uint_eq(token_max, sz.cbSecurityTrailer);
        ck_assert_uint_eq(sig_len, sz.cbMaxSignature);
        ck_assert_uint_eq(b[0].cbBuffer, ss.cbHeader);
        ck_assert_uint_eq(b[2].cbBuffer, ss.cbTrailer);
        ck_assert_uint_eq(sz.cbBlockSize, kind == KIND_NTLM ? 0 : 1);
        break;
    default:
        /* RFC 1964 tokens: the DER length grows with the message, so
         * cbSecurityTrailer is that of the largest message; MIT's length
         * call counts a confounder in MICs, which RC4 MICs do not have. */
        ck_assert_uint_le(token_max, sz.cbSecurityTrailer);
        ck_assert_uint_lt(token_min, token_max);
        ck_assert_uint_le(sig_len, sz.cbMaxSignature);
        ck_assert_uint_eq(sz.cbBlockSize, 1);
        break;
    }
    ck_assert_uint_eq(ss.cbBlockSize, sz.cbBlockSize);
    ck_assert_uint_gt(ss.cbMaximumMessage, 1u << 30);
    free(wire);
    free(msg);
    free(hdr);
    free(trl);
    free(data);
    pair_free(&p);
}
END_TEST

/* SECQOP_WRAP_NO_ENCRYPT: signed, not encrypted, reported on receipt. */
START_TEST(wrap_no_encrypt)
{
    OM_uint32 minor;
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    unsigned char *msg = test_message(300, 9), *wire, *plain;
    size_t wire_len, plain_len;
    ULONG qop;
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    SECURITY_STATUS s =
        ours_seal(&p.ours, SECQOP_WRAP_NO_ENCRYPT, msg, 300, &wire, &wire_len, NULL);
    if (kind == KIND_NTLM) {
        ck_assert_int_eq(s, SEC_E_QOP_NOT_SUPPORTED);
    } else {
        ck_assert_int_eq(s, SEC_E_OK);
        raw_unwrap_expect(p.raw, wire, wire_len, msg, 300, 0);
        free(wire);
        gss_buffer_desc tok;
        raw_wrap(p.raw, 0, msg, 300, &tok);
        ck_assert_int_eq(
            ours_unseal_stream(&p.ours, tok.value, tok.length, &plain, &plain_len, &qop), SEC_E_OK);
        ck_assert_uint_eq(qop, SECQOP_WRAP_NO_ENCRYPT);
        ck_assert(plain_len == 300 && memcmp(plain, msg, 300) == 0);
        free(plain);
        gss_release_buffer(&minor, &tok);
    }
    ck_assert_int_eq(ours_seal(&p.ours, 0x12, msg, 300, &wire, &wire_len, NULL),
                     SEC_E_QOP_NOT_SUPPORTED);
    free(msg);
    pair_free(&p);
}
END_TEST

/* A raw peer's gss_wrap_iov with HEADER + DATA + PADDING and no TRAILER
 * (the layout Windows sends) opens with TOKEN + DATA + PADDING. */
START_TEST(raw_iov_token_layout)
{
    OM_uint32 major, minor;
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    unsigned char *msg = test_message(4096, 5), *data = malloc(4096), hdr[128], pad[16];
    memcpy(data, msg, 4096);
    gss_iov_buffer_desc iov[3] = {{GSS_IOV_BUFFER_TYPE_HEADER, {sizeof(hdr), hdr}},
                                  {GSS_IOV_BUFFER_TYPE_DATA, {4096, data}},
                                  {GSS_IOV_BUFFER_TYPE_PADDING, {sizeof(pad), pad}}};
    major = gss_wrap_iov(&minor, p.raw, 1, GSS_C_QOP_DEFAULT, NULL, iov, 3);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_wrap_iov 0x%x/%u", major, minor);
    SecBuffer b[3] = {{(ULONG)iov[0].buffer.length, SECBUFFER_TOKEN, hdr},
                      {4096, SECBUFFER_DATA, data},
                      {(ULONG)iov[2].buffer.length, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ULONG qop = 7;
    ck_assert_int_eq(DecryptMessage(&p.ours, &d, 0, &qop), SEC_E_OK);
    ck_assert_uint_eq(qop, 0);
    ck_assert_uint_eq(b[1].cbBuffer, 4096);
    ck_assert(memcmp(data, msg, 4096) == 0);

    /* And ours, with the same layout, to the raw peer's gss_unwrap_iov. */
    SecPkgContext_Sizes sz;
    ck_assert_int_eq(QueryContextAttributesA(&p.ours, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    b[0].cbBuffer = sz.cbSecurityTrailer;
    b[2].cbBuffer = sz.cbBlockSize;
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_OK);
    gss_iov_buffer_desc u[3] = {{GSS_IOV_BUFFER_TYPE_HEADER, {b[0].cbBuffer, hdr}},
                                {GSS_IOV_BUFFER_TYPE_DATA, {4096, data}},
                                {GSS_IOV_BUFFER_TYPE_PADDING, {b[2].cbBuffer, pad}}};
    int conf = 0;
    major = gss_unwrap_iov(&minor, p.raw, &conf, NULL, u, 3);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_unwrap_iov of ours: 0x%x/%u", major, minor);
    ck_assert_int_eq(conf, 1);
    ck_assert(memcmp(data, msg, 4096) == 0);
    free(msg);
    free(data);
    pair_free(&p);
}
END_TEST

/* READONLY and READONLY_WITH_CHECKSUM DATA buffers are signed, not
 * encrypted (GSS SIGN_ONLY); a changed one fails the message. */
START_TEST(readonly_buffers_kerberos)
{
    OM_uint32 major, minor;
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    SecPkgContext_Sizes sz;
    ck_assert_int_eq(QueryContextAttributesA(&p.ours, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    char head[] = "header: signed, in clear", tail[] = "trailer: signed too";
    unsigned char *msg = test_message(777, 1), *data = malloc(777), tok[128], pad[16];
    memcpy(data, msg, 777);
    SecBuffer b[5] = {{sizeof(head), SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, head},
                      {777, SECBUFFER_DATA, data},
                      {sizeof(tail), SECBUFFER_DATA | SECBUFFER_READONLY, tail},
                      {sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok},
                      {sz.cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 5, b};
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_OK);
    ck_assert_str_eq(head, "header: signed, in clear");
    ck_assert_str_eq(tail, "trailer: signed too");
    gss_iov_buffer_desc iov[5] = {{GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {sizeof(head), head}},
                                  {GSS_IOV_BUFFER_TYPE_DATA, {777, data}},
                                  {GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {sizeof(tail), tail}},
                                  {GSS_IOV_BUFFER_TYPE_HEADER, {b[3].cbBuffer, tok}},
                                  {GSS_IOV_BUFFER_TYPE_PADDING, {b[4].cbBuffer, pad}}};
    major = gss_unwrap_iov(&minor, p.raw, NULL, NULL, iov, 5);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_unwrap_iov: 0x%x/%u", major, minor);
    ck_assert(memcmp(data, msg, 777) == 0);

    /* Raw peer to us, with a changed signed-only byte on the way. */
    gss_iov_buffer_desc w[5] = {{GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {sizeof(head), head}},
                                {GSS_IOV_BUFFER_TYPE_DATA, {777, data}},
                                {GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {sizeof(tail), tail}},
                                {GSS_IOV_BUFFER_TYPE_HEADER, {sizeof(tok), tok}},
                                {GSS_IOV_BUFFER_TYPE_PADDING, {sizeof(pad), pad}}};
    major = gss_wrap_iov(&minor, p.raw, 1, GSS_C_QOP_DEFAULT, NULL, w, 5);
    ck_assert(major == GSS_S_COMPLETE);
    b[3].cbBuffer = (ULONG)w[3].buffer.length;
    b[4].cbBuffer = (ULONG)w[4].buffer.length;
    head[0] ^= 1;
    ck_assert_int_eq(DecryptMessage(&p.ours, &d, 0, NULL), SEC_E_MESSAGE_ALTERED);

    /* MakeSignature covers them too: the raw peer checks one MIC over all. */
    head[0] ^= 1;
    memcpy(data, msg, 777);
    unsigned char sig[128];
    b[3] = (SecBuffer){sz.cbMaxSignature, SECBUFFER_TOKEN, sig};
    d.cBuffers = 4;
    ck_assert_int_eq(MakeSignature(&p.ours, 0, &d, 0), SEC_E_OK);
    gss_iov_buffer_desc m[4] = {{GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {sizeof(head), head}},
                                {GSS_IOV_BUFFER_TYPE_DATA, {777, data}},
                                {GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {sizeof(tail), tail}},
                                {GSS_IOV_BUFFER_TYPE_MIC_TOKEN, {b[3].cbBuffer, sig}}};
    major = gss_verify_mic_iov(&minor, p.raw, NULL, m, 4);
    ck_assert_msg(major == GSS_S_COMPLETE, "gss_verify_mic_iov: 0x%x/%u", major, minor);
    free(msg);
    free(data);
    pair_free(&p);
}
END_TEST

/* NTLM: signatures cover read-only buffers; sealing around them needs IOV
 * calls gss-ntlmssp lacks, which is said plainly. */
START_TEST(readonly_buffers_ntlm)
{
    struct pair p;
    pair_raw_client(KIND_NTLM, GSS_ALL, "NTLM", &p);
    char head[] = "header", body[] = "body of the message";
    unsigned char sig[16], pad[1];
    SecBuffer b[4] = {{6, SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, head},
                      {sizeof(body), SECBUFFER_DATA, body},
                      {sizeof(sig), SECBUFFER_TOKEN, sig},
                      {0, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ck_assert_int_eq(MakeSignature(&p.ours, 0, &d, 0), SEC_E_OK);
    char joined[64];
    memcpy(joined, head, 6);
    memcpy(joined + 6, body, sizeof(body));
    raw_verify_expect(p.raw, joined, 6 + sizeof(body), sig, b[2].cbBuffer);
    d.cBuffers = 4;
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_str_eq(body, "body of the message");
    pair_free(&p);
}
END_TEST

/* Several DATA buffers, our side to our side. */
START_TEST(multiple_data_buffers)
{
    struct handshake hs = {.isc_req = ISC_ALL};
    bool ntlm = _i == 1;
    handshake_user(ntlm ? "NTLM" : "Kerberos", ntlm, NULL, "Negotiate", &hs);
    ck_assert_int_eq(hs.server_status, SEC_E_OK);
    SecPkgContext_Sizes sz;
    ck_assert_int_eq(QueryContextAttributesA(&hs.client, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    char a[] = "first part|", b2[] = "second part|", c[] = "third";
    unsigned char tok[128], pad[16];
    SecBuffer b[5] = {{sizeof(a), SECBUFFER_DATA, a},
                      {sizeof(b2), SECBUFFER_DATA, b2},
                      {sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok},
                      {sizeof(c), SECBUFFER_DATA, c},
                      {sz.cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 5, b};
    ck_assert_int_eq(EncryptMessage(&hs.client, 0, &d, 0), SEC_E_OK);
    ck_assert(memcmp(a, "first", 5) != 0);
    ck_assert_int_eq(DecryptMessage(&hs.server, &d, 0, NULL), SEC_E_OK);
    ck_assert_str_eq(a, "first part|");
    ck_assert_str_eq(b2, "second part|");
    ck_assert_str_eq(c, "third");
    handshake_cleanup(&hs);
}
END_TEST

/* A changed byte: SEC_E_MESSAGE_ALTERED, for sealed and signed messages. */
START_TEST(altered_messages)
{
    OM_uint32 minor;
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    unsigned char *msg = test_message(500, 2), *plain;
    size_t plain_len;
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    gss_buffer_desc tok;
    raw_wrap(p.raw, 1, msg, 500, &tok);
    ((unsigned char *)tok.value)[tok.length - 100] ^= 0x20;
    ck_assert_int_eq(ours_unseal_stream(&p.ours, tok.value, tok.length, &plain, &plain_len, NULL),
                     SEC_E_MESSAGE_ALTERED);
    gss_release_buffer(&minor, &tok);
    pair_free(&p);

    /* gss-ntlmssp moves its receive state on a failure: a fresh pair. */
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    gss_buffer_desc mic;
    raw_get_mic(p.raw, msg, 500, &mic);
    msg[17] ^= 1;
    ck_assert_int_eq(ours_verify(&p.ours, msg, 500, mic.value, mic.length), SEC_E_MESSAGE_ALTERED);
    gss_release_buffer(&minor, &mic);
    pair_free(&p);
    free(msg);
}
END_TEST

/* Kerberos replay and reordering, per the context's flags. */
START_TEST(replay_and_order)
{
    OM_uint32 minor;
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    unsigned char *plain;
    size_t plain_len;
    gss_buffer_desc t[4];
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    for (int i = 0; i < 4; i++)
        raw_wrap(p.raw, 1, "message", 7, &t[i]);
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t[0].value, t[0].length, &plain, &plain_len, NULL),
                     SEC_E_OK);
    free(plain);
    /* The same token again: a replay. */
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t[0].value, t[0].length, &plain, &plain_len, NULL),
                     SEC_E_INVALID_TOKEN);
    /* t[2] before t[1]: a gap, then a late one. */
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t[2].value, t[2].length, &plain, &plain_len, NULL),
                     SEC_E_OUT_OF_SEQUENCE);
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t[1].value, t[1].length, &plain, &plain_len, NULL),
                     SEC_E_OUT_OF_SEQUENCE);
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t[3].value, t[3].length, &plain, &plain_len, NULL),
                     SEC_E_OK);
    free(plain);
    for (int i = 0; i < 4; i++)
        gss_release_buffer(&minor, &t[i]);
    pair_free(&p);

    /* Without REPLAY_DETECT / SEQUENCE_DETECT nobody counts. */
    pair_raw_client(kind, GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG,
                    kind_server_package(kind), &p);
    ck_assert(!(p.ours_attrs & (ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT)));
    for (int i = 0; i < 2; i++)
        raw_wrap(p.raw, 1, "message", 7, &t[i]);
    for (int i = 1; i >= 0; i--) {
        ck_assert_int_eq(
            ours_unseal_stream(&p.ours, t[i].value, t[i].length, &plain, &plain_len, NULL),
            SEC_E_OK);
        free(plain);
    }
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t[0].value, t[0].length, &plain, &plain_len, NULL),
                     SEC_E_OK);
    free(plain);
    for (int i = 0; i < 2; i++)
        gss_release_buffer(&minor, &t[i]);
    pair_free(&p);
}
END_TEST

/* The same for signatures (VerifySignature), Windows' codes: a replay is
 * SEC_E_INVALID_TOKEN, a gap or a late message SEC_E_OUT_OF_SEQUENCE. */
START_TEST(mic_replay_and_order)
{
    OM_uint32 minor;
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    gss_buffer_desc mic[4];
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    ck_assert(p.ours_attrs & ASC_RET_SEQUENCE_DETECT);
    for (int i = 0; i < 4; i++)
        raw_get_mic(p.raw, "message", 7, &mic[i]);
    static const struct {
        int msg;
        SECURITY_STATUS expect;
    } order[] = {{0, SEC_E_OK}, {0, SEC_E_INVALID_TOKEN}, {2, SEC_E_OUT_OF_SEQUENCE},
                 {1, SEC_E_OUT_OF_SEQUENCE}, {3, SEC_E_OK}};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        ck_assert_msg(ours_verify(&p.ours, "message", 7, mic[order[i].msg].value,
                                  mic[order[i].msg].length) == order[i].expect,
                      "%s step %zu", kind_name(kind), i);
    for (int i = 0; i < 4; i++)
        gss_release_buffer(&minor, &mic[i]);
    pair_free(&p);
}
END_TEST

/* NTLM: the sequence number is inside the MAC, so gss-ntlmssp sees a
 * replayed message as a bad signature. */
START_TEST(replay_ntlm)
{
    OM_uint32 minor;
    struct pair p;
    unsigned char *plain;
    size_t plain_len;
    gss_buffer_desc t;
    pair_raw_client(KIND_NTLM, GSS_ALL, "Negotiate", &p);
    raw_wrap(p.raw, 1, "message", 7, &t);
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t.value, t.length, &plain, &plain_len, NULL),
                     SEC_E_OK);
    free(plain);
    ck_assert_int_eq(ours_unseal_stream(&p.ours, t.value, t.length, &plain, &plain_len, NULL),
                     SEC_E_MESSAGE_ALTERED);
    gss_release_buffer(&minor, &t);
    pair_free(&p);
}
END_TEST

/* A short SECBUFFER_STREAM: SEC_E_INCOMPLETE_MESSAGE and the count of
 * missing bytes, when the token says it; the context is untouched. */
START_TEST(incomplete_stream)
{
    OM_uint32 minor;
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    gss_buffer_desc tok;
    raw_wrap(p.raw, 1, "incomplete?", 11, &tok);
    /* RFC 1964 tokens carry their length: any cut is counted exactly.  CFX
     * and NTLM tokens do not: a cut inside the fixed part is. */
    size_t cut = kind == KIND_RC4 ? 5 : tok.length - 10;
    unsigned char *stream = malloc(tok.length);
    memcpy(stream, tok.value, tok.length);
    SecBuffer b[3] = {{(ULONG)(tok.length - cut), SECBUFFER_STREAM, stream},
                      {0, SECBUFFER_DATA, NULL},
                      {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ck_assert_int_eq(DecryptMessage(&p.ours, &d, 0, NULL), SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_uint_eq(b[2].BufferType, SECBUFFER_MISSING);
    if (kind == KIND_RC4)
        ck_assert_uint_eq(b[2].cbBuffer, cut);
    else
        ck_assert_uint_gt(b[2].cbBuffer, 0);
    /* Zero bytes so far. */
    b[0].cbBuffer = 0;
    b[2] = (SecBuffer){0, SECBUFFER_EMPTY, NULL};
    ck_assert_int_eq(DecryptMessage(&p.ours, &d, 0, NULL), SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_uint_eq(b[2].BufferType, SECBUFFER_MISSING);
    /* All of it now. */
    b[0].cbBuffer = (ULONG)tok.length;
    b[2] = (SecBuffer){0, SECBUFFER_EMPTY, NULL};
    ck_assert_int_eq(DecryptMessage(&p.ours, &d, 0, NULL), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, 11);
    ck_assert(memcmp(b[1].pvBuffer, "incomplete?", 11) == 0);
    free(stream);
    gss_release_buffer(&minor, &tok);
    pair_free(&p);
}
END_TEST

/* What callers get wrong, and the answers. */
START_TEST(bad_calls)
{
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    unsigned char tok[128], data[64] = "payload", pad[16];
    SecBuffer b[3];
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    CtxtHandle bogus = {12345, 67890};
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    SecPkgContext_Sizes sz;
    ck_assert_int_eq(QueryContextAttributesA(&p.ours, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
#define RESET()                                                                                    \
    (b[0] = (SecBuffer){sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok},                               \
     b[1] = (SecBuffer){7, SECBUFFER_DATA, data},                                                  \
     b[2] = (SecBuffer){sz.cbBlockSize, SECBUFFER_PADDING, pad}, d.cBuffers = 3)

    RESET();
    ck_assert_int_eq(EncryptMessage(&bogus, 0, &d, 0), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(EncryptMessage(NULL, 0, &d, 0), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(DecryptMessage(&bogus, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(MakeSignature(&bogus, 0, &d, 0), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(VerifySignature(&bogus, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, NULL, 0), SEC_E_INVALID_TOKEN);
    SecBufferDesc wrong_version = {1, 3, b};
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &wrong_version, 0), SEC_E_INVALID_TOKEN);
    /* No TOKEN, no DATA, two TOKENs, a length without memory. */
    b[0].BufferType = SECBUFFER_DATA;
    ck_assert_int_eq(MakeSignature(&p.ours, 0, &d, 0), SEC_E_INVALID_TOKEN);
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_INVALID_TOKEN);
    RESET();
    b[1].BufferType = SECBUFFER_EMPTY;
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_INVALID_TOKEN);
    RESET();
    b[1].BufferType = SECBUFFER_TOKEN;
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_INVALID_TOKEN);
    RESET();
    b[1].pvBuffer = NULL;
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_INVALID_TOKEN);
    /* fQOP values. */
    RESET();
    ck_assert_int_eq(MakeSignature(&p.ours, 1, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    ck_assert_int_eq(EncryptMessage(&p.ours, SECQOP_WRAP_OOB_DATA, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    /* A TOKEN too small, then the same message with room: the refused call
     * used no sequence number, so the peer opens the second one. */
    RESET();
    b[0].cbBuffer = 10;
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    ck_assert_str_eq((char *)data, "payload");
    unsigned char *wire;
    size_t wire_len;
    ck_assert_int_eq(ours_seal(&p.ours, 0, "payload", 7, &wire, &wire_len, NULL), SEC_E_OK);
    raw_unwrap_expect(p.raw, wire, wire_len, "payload", 7, 1);
    free(wire);
    RESET();
    b[0].cbBuffer = 4;
    ck_assert_int_eq(MakeSignature(&p.ours, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    /* MessageSeqNo means nothing to connection contexts (ignored). */
    ck_assert_int_eq(ours_seal(&p.ours, 0, "seqno", 5, &wire, &wire_len, NULL), SEC_E_OK);
    free(wire);
    RESET();
    ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 4242), SEC_E_OK);
    if (kind == KIND_RC4) {
        /* RC4 pads every message by one byte: it needs a PADDING buffer. */
        RESET();
        d.cBuffers = 2;
        ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_INVALID_TOKEN);
        RESET();
        b[2].cbBuffer = 0;
        ck_assert_int_eq(EncryptMessage(&p.ours, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    }
    /* Garbage to DecryptMessage and VerifySignature. */
    RESET();
    memset(tok, 0x41, sizeof(tok));
    b[0].cbBuffer = kind == KIND_NTLM ? 16 : sz.cbSecurityTrailer;
    ck_assert_int_ne(DecryptMessage(&p.ours, &d, 0, NULL), SEC_E_OK);
    b[0].cbBuffer = 3;
    ck_assert_int_ne(VerifySignature(&p.ours, &d, 0, NULL), SEC_E_OK);
    SecBuffer s1[2] = {{40, SECBUFFER_STREAM, tok}, {0, SECBUFFER_DATA, NULL}};
    SecBufferDesc sd = {SECBUFFER_VERSION, 2, s1};
    ck_assert_int_ne(DecryptMessage(&p.ours, &sd, 0, NULL), SEC_E_OK);
    /* Random streams and tokens, some dressed as RFC 1964, CFX or NTLM
     * tokens: refused, never a crash. */
    for (unsigned i = 0; i < 300; i++) {
        size_t n = i % 97;
        unsigned char *junk = test_message(n + 16, i);
        static const unsigned char heads[][4] = {
            {0x60, 0x84, 0xFF, 0xFF}, {0x60, 0x30, 0x06, 0x09}, {0x05, 0x04, 0x02, 0xFF},
            {0x05, 0x04, 0x06, 0xFF}, {0x01, 0x00, 0x00, 0x00}, {0x60, 0x80, 0x00, 0x00}};
        memcpy(junk, heads[i % 6], n < 4 ? n : 4);
        SecBuffer js[2] = {{(ULONG)n, SECBUFFER_STREAM, junk}, {0, SECBUFFER_DATA, NULL}};
        SecBufferDesc jd = {SECBUFFER_VERSION, 2, js};
        ck_assert_int_ne(DecryptMessage(&p.ours, &jd, 0, NULL), SEC_E_OK);
        SecBuffer jt[2] = {{(ULONG)(n < 16 ? n : 16), SECBUFFER_TOKEN, junk},
                           {(ULONG)(n < 16 ? 0 : n - 16), SECBUFFER_DATA, junk + 16}};
        SecBufferDesc jtd = {SECBUFFER_VERSION, 2, jt};
        ck_assert_int_ne(DecryptMessage(&p.ours, &jtd, 0, NULL), SEC_E_OK);
        ck_assert_int_ne(VerifySignature(&p.ours, &jtd, 0, NULL), SEC_E_OK);
        free(junk);
    }
    /* An attribute nobody implements. */
    char junk[64];
    ck_assert_int_eq(QueryContextAttributesA(&p.ours, SECPKG_ATTR_DCE_INFO, junk),
                     SEC_E_UNSUPPORTED_FUNCTION);
    pair_free(&p);
#undef RESET
}
END_TEST

/* A context that is not yet established has no message services. */
START_TEST(not_established)
{
    CredHandle cc;
    CtxtHandle ctx;
    unsigned char tok[64], data[8] = "x";
    first_leg_context("Negotiate", &cc, &ctx);
    SecBuffer b[2] = {{sizeof(tok), SECBUFFER_TOKEN, tok}, {1, SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ck_assert_int_eq(EncryptMessage(&ctx, 0, &d, 0), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(DecryptMessage(&ctx, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(MakeSignature(&ctx, 0, &d, 0), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(VerifySignature(&ctx, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    SecPkgContext_Sizes sz;
    ck_assert_int_eq(QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sz), SEC_E_INVALID_HANDLE);
    ck_assert_str_eq((char *)data, "x");
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* The SSPI session key equals the raw peer's. */
START_TEST(session_key_raw_peer)
{
    enum mech_kind kind = (enum mech_kind)_i;
    struct pair p;
    size_t a_len, b_len;
    pair_raw_client(kind, GSS_ALL, kind_server_package(kind), &p);
    unsigned char *a = raw_session_key(p.raw, &a_len), *b = ours_session_key(&p.ours, &b_len);
    ck_assert_uint_eq(a_len, b_len);
    ck_assert_uint_ge(a_len, 16);
    ck_assert(memcmp(a, b, a_len) == 0);
    free(a);
    free(b);
    pair_free(&p);
}
END_TEST

/* Every Negotiate form, our client to our server: both ends agree on the
 * session key, and NEGOTIATION_INFO names the package really used. */
static const struct form {
    const char *client_pkg, *server_pkg, *package_list;
    bool ntlm_identity;
    const char *used;
} forms[] = {
    {"Negotiate", "Negotiate", NULL, false, "Kerberos"}, /* SPNEGO with Kerberos */
    {"Kerberos", "Negotiate", NULL, false, "Kerberos"},  /* raw Kerberos to Negotiate */
    {"NTLM", "Negotiate", NULL, true, "NTLM"},           /* raw NTLMSSP to Negotiate */
    {"Negotiate", "Negotiate", "NTLM", true, "NTLM"},    /* SPNEGO with NTLM */
    {"Kerberos", "Kerberos", NULL, false, "Kerberos"},   {"NTLM", "NTLM", NULL, true, "NTLM"},
};

static void check_negotiation_info(CtxtHandle *h, const char *expected)
{
    SecPkgContext_NegotiationInfoA a;
    SecPkgContext_NegotiationInfoW w;
    ck_assert_int_eq(QueryContextAttributesA(h, SECPKG_ATTR_NEGOTIATION_INFO, &a), SEC_E_OK);
    ck_assert_str_eq(a.PackageInfo->Name, expected);
    ck_assert_uint_eq(a.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
    FreeContextBuffer(a.PackageInfo);
    ck_assert_int_eq(QueryContextAttributesW(h, SECPKG_ATTR_NEGOTIATION_INFO, &w), SEC_E_OK);
    for (size_t i = 0; i <= strlen(expected); i++)
        ck_assert_uint_eq(w.PackageInfo->Name[i], (SEC_WCHAR)expected[i]);
    FreeContextBuffer(w.PackageInfo);
}

START_TEST(negotiate_forms)
{
    const struct form *f = &forms[_i];
    struct handshake hs = {.isc_req = ISC_ALL};
    handshake_user(f->client_pkg, f->ntlm_identity, f->package_list, f->server_pkg, &hs);
    ck_assert_msg(hs.client_status == SEC_E_OK && hs.server_status == SEC_E_OK,
                  "%s -> %s: 0x%08x / 0x%08x", f->client_pkg, f->server_pkg,
                  (unsigned)hs.client_status, (unsigned)hs.server_status);
    check_negotiation_info(&hs.client, f->used);
    check_negotiation_info(&hs.server, f->used);
    size_t a_len, b_len;
    unsigned char *a = ours_session_key(&hs.client, &a_len),
                  *b = ours_session_key(&hs.server, &b_len);
    ck_assert_uint_eq(a_len, b_len);
    ck_assert(memcmp(a, b, a_len) == 0);
    free(a);
    free(b);
    /* And a message each way. */
    unsigned char *wire, *plain;
    size_t wire_len, plain_len;
    ck_assert_int_eq(ours_seal(&hs.client, 0, "to server", 9, &wire, &wire_len, NULL), SEC_E_OK);
    ck_assert_int_eq(ours_unseal_stream(&hs.server, wire, wire_len, &plain, &plain_len, NULL),
                     SEC_E_OK);
    ck_assert(plain_len == 9 && memcmp(plain, "to server", 9) == 0);
    free(wire);
    free(plain);
    ck_assert_int_eq(ours_seal(&hs.server, 0, "to client", 9, &wire, &wire_len, NULL), SEC_E_OK);
    ck_assert_int_eq(ours_unseal_stream(&hs.client, wire, wire_len, &plain, &plain_len, NULL),
                     SEC_E_OK);
    ck_assert(plain_len == 9 && memcmp(plain, "to client", 9) == 0);
    free(wire);
    free(plain);
    handshake_cleanup(&hs);
}
END_TEST

/* A raw NTLM peer's wrap token opened as TOKEN + DATA: pointing back to
 * back into one receive buffer (the Windows receiver's layout, used in
 * place) and in two separate buffers (joined in a copy); a changed byte
 * fails either. */
START_TEST(ntlm_token_data_layouts)
{
    OM_uint32 minor;
    const size_t sizes[] = {1024, 1 << 20};
    bool separate = _i == 1;
    for (size_t k = 0; k < 2 * sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t len = sizes[k / 2];
        bool altered = k % 2 == 1;
        struct pair p;
        pair_raw_client(KIND_NTLM, GSS_ALL, "NTLM", &p);
        unsigned char *msg = test_message(len, (unsigned)k), sig[16];
        gss_buffer_desc tok;
        raw_wrap(p.raw, 1, msg, len, &tok);
        ck_assert_uint_eq(tok.length, sizeof(sig) + len);
        unsigned char *wire = tok.value, *data = wire + sizeof(sig);
        if (separate) {
            memcpy(sig, wire, sizeof(sig));
            data = malloc(len);
            memcpy(data, wire + sizeof(sig), len);
        }
        if (altered)
            data[len / 2] ^= 0x01;
        SecBuffer b[2] = {{sizeof(sig), SECBUFFER_TOKEN, separate ? sig : wire},
                          {(ULONG)len, SECBUFFER_DATA, data}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        ULONG qop = 7;
        SECURITY_STATUS s = DecryptMessage(&p.ours, &d, 0, &qop);
        if (altered) {
            ck_assert_int_eq(s, SEC_E_MESSAGE_ALTERED);
        } else {
            ck_assert_msg(s == SEC_E_OK, "DecryptMessage(%zu, %s): 0x%08x", len,
                          separate ? "separate" : "back to back", (unsigned)s);
            ck_assert_uint_eq(qop, 0);
            ck_assert_uint_eq(b[1].cbBuffer, len);
            ck_assert(b[1].pvBuffer == data && memcmp(data, msg, len) == 0);
        }
        if (separate)
            free(data);
        gss_release_buffer(&minor, &tok);
        free(msg);
        pair_free(&p);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = tcase_create("messages");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, raw_client_round_trips, 0, KIND_COUNT);
    tcase_add_loop_test(tc, raw_server_round_trips, 0, KIND_COUNT);
    tcase_add_loop_test(tc, sizes_match_tokens, 0, KIND_COUNT);
    tcase_add_loop_test(tc, wrap_no_encrypt, 0, KIND_COUNT);
    tcase_add_loop_test(tc, raw_iov_token_layout, KIND_AES, KIND_NTLM);
    tcase_add_loop_test(tc, readonly_buffers_kerberos, KIND_AES, KIND_NTLM);
    tcase_add_test(tc, readonly_buffers_ntlm);
    tcase_add_loop_test(tc, multiple_data_buffers, 0, 2);
    tcase_add_loop_test(tc, ntlm_token_data_layouts, 0, 2);
    tcase_add_loop_test(tc, altered_messages, 0, KIND_COUNT);
    tcase_add_loop_test(tc, replay_and_order, KIND_AES, KIND_NTLM);
    tcase_add_loop_test(tc, mic_replay_and_order, KIND_AES, KIND_NTLM);
    tcase_add_test(tc, replay_ntlm);
    tcase_add_loop_test(tc, incomplete_stream, 0, KIND_COUNT);
    tcase_add_loop_test(tc, bad_calls, 0, KIND_COUNT);
    tcase_add_test(tc, not_established);
    tcase_add_loop_test(tc, session_key_raw_peer, 0, KIND_COUNT);
    tcase_add_loop_test(tc, negotiate_forms, 0, sizeof(forms) / sizeof(forms[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
