/*
 * ntlm_msg.h - the layout of NTLMSSP messages ([MS-NLMP] 2.2.1) and
 * bounds-checked readers of their fields, for the module's policy, the
 * token-compatibility layer and the inspector.
 *
 * NEGOTIATE:    signature(8) type(4) flags@12 domain@16 workstation@24,
 *               Version@32 (8, when NEGOTIATE_VERSION), payload.
 * CHALLENGE:    target name@12 flags@20 challenge@24 reserved@32
 *               target info@40, Version@48, payload.
 * AUTHENTICATE: LM@12 NT@20 domain@28 user@36 workstation@44
 *               EncryptedRandomSessionKey@52 flags@60, Version@64,
 *               MIC@72 (16, when the client's MsvAvFlags has 0x2), payload.
 * A field is (len u16, maxlen u16, offset u32), offsets from the start.
 */
#ifndef GSS_SSPI_COMMON_NTLM_MSG_H
#define GSS_SSPI_COMMON_NTLM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTLM_MSG_NONE 0
#define NTLM_MSG_NEGOTIATE 1
#define NTLM_MSG_CHALLENGE 2
#define NTLM_MSG_AUTHENTICATE 3

#define NTLM_NEG_FLAGS_AT 12
#define NTLM_NEG_DOMAIN_AT 16
#define NTLM_NEG_WORKSTATION_AT 24
#define NTLM_NEG_VERSION_AT 32
#define NTLM_CHAL_FLAGS_AT 20
#define NTLM_CHAL_TARGET_INFO_AT 40
#define NTLM_AUTH_LM_AT 12
#define NTLM_AUTH_NT_AT 20
#define NTLM_AUTH_DOMAIN_AT 28
#define NTLM_AUTH_USER_AT 36
#define NTLM_AUTH_WORKSTATION_AT 44
#define NTLM_AUTH_SESSION_KEY_AT 52
#define NTLM_AUTH_FLAGS_AT 60
#define NTLM_AUTH_VERSION_AT 64
#define NTLM_AUTH_MIC_AT 72
#define NTLM_VERSION_SIZE 8

#define NTLM_FLAG_UNICODE 0x00000001u
#define NTLM_FLAG_VERSION 0x02000000u
#define NTLM_FLAG_KEY_EXCH 0x40000000u
/* MsvAvFlags (AV pair 6) bit: the AUTHENTICATE carries a MIC. */
#define NTLM_AV_FLAGS 6
#define NTLM_AV_FLAG_MIC 0x00000002u
/* An NTLMv2 response: NTProofStr(16), then the client challenge blob whose
 * AV pairs start 28 bytes in. */
#define NTLMV2_AV_PAIRS_AT (16 + 28)

uint16_t ntlm_le16(const unsigned char *p);
uint32_t ntlm_le32(const unsigned char *p);
void ntlm_put_le32(unsigned char *p, uint32_t v);
/* The message type of an NTLMSSP token, NTLM_MSG_NONE if it is not one. */
int ntlm_message_type(const void *data, size_t len);
/* The bytes an NTLMSSP field descriptor at msg + at names; false when the
 * descriptor or the bytes lie outside. */
bool ntlm_field(const unsigned char *msg, size_t len, size_t at, const unsigned char **out,
                size_t *out_len);
/* The value of AV pair id in a list of AV pairs; false if absent or the
 * list runs past its end before the pair. */
bool ntlm_av_find(const unsigned char *pairs, size_t len, unsigned id, const unsigned char **value,
                  size_t *value_len);
/* Where an AUTHENTICATE's payload starts: the lowest offset of its
 * non-empty fields (SIZE_MAX when all are empty).  len must be >= 64.
 * Below 72 there is no room for the Version field, whatever the flags say. */
size_t ntlm_auth_payload_start(const unsigned char *msg, size_t len);
/* The client's MsvAvFlags from an AUTHENTICATE's NTLMv2 response (0 when
 * there is none: NTLMv1, anonymous, or no such pair). */
uint32_t ntlm_auth_av_flags(const unsigned char *msg, size_t len);

#endif
