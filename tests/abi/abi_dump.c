/*
 * abi_dump.c - pin <sspi.h> to the Windows ABI.
 *
 * This program is compiled natively against gss-sspi's own headers.  It
 * prints, on stdout, a C11 translation unit made of assertions that state
 * what those headers say: the value and type of every SSPI constant, the
 * size and alignment of every type and structure, and the offset and size
 * of every structure member.  tests/abi/abi-check.sh then compiles that text
 * with a Windows cross compiler against the Windows headers: every assertion
 * that does not hold there names a difference between gss-sspi and Windows.
 *
 * The tables below are the list of what is checked.  When sspi.h gains a
 * constant or a structure, add it here (abi-check.sh fails on any name of
 * sspi.h that these tables neither check nor explicitly skip).  Names that
 * exist only in gss-sspi (everything in gss-sspi.h) are not checked.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <sspi.h>
#include <schannel.h>
#include <gss-sspi.h>

/* ---- Constants: value, size and signedness ------------------------------ */

#define ABI_STATUS_CODES(X)                                                              \
    X(SEC_E_OK) X(SEC_I_CONTINUE_NEEDED) X(SEC_I_COMPLETE_NEEDED)                        \
    X(SEC_I_COMPLETE_AND_CONTINUE) X(SEC_I_LOCAL_LOGON) X(SEC_I_CONTEXT_EXPIRED)         \
    X(SEC_I_INCOMPLETE_CREDENTIALS) X(SEC_I_RENEGOTIATE) X(SEC_I_NO_LSA_CONTEXT)         \
    X(SEC_I_SIGNATURE_NEEDED) X(SEC_I_NO_RENEGOTIATION) X(SEC_E_INSUFFICIENT_MEMORY)     \
    X(SEC_E_INVALID_HANDLE) X(SEC_E_UNSUPPORTED_FUNCTION) X(SEC_E_TARGET_UNKNOWN)        \
    X(SEC_E_INTERNAL_ERROR) X(SEC_E_SECPKG_NOT_FOUND) X(SEC_E_NOT_OWNER)                 \
    X(SEC_E_CANNOT_INSTALL) X(SEC_E_INVALID_TOKEN) X(SEC_E_CANNOT_PACK)                  \
    X(SEC_E_QOP_NOT_SUPPORTED) X(SEC_E_NO_IMPERSONATION) X(SEC_E_LOGON_DENIED)           \
    X(SEC_E_UNKNOWN_CREDENTIALS) X(SEC_E_NO_CREDENTIALS) X(SEC_E_MESSAGE_ALTERED)        \
    X(SEC_E_OUT_OF_SEQUENCE) X(SEC_E_NO_AUTHENTICATING_AUTHORITY) X(SEC_E_BAD_PKGID)     \
    X(SEC_E_CONTEXT_EXPIRED) X(SEC_E_INCOMPLETE_MESSAGE) X(SEC_E_INCOMPLETE_CREDENTIALS) \
    X(SEC_E_BUFFER_TOO_SMALL) X(SEC_E_WRONG_PRINCIPAL) X(SEC_E_TIME_SKEW)                \
    X(SEC_E_UNTRUSTED_ROOT) X(SEC_E_ILLEGAL_MESSAGE) X(SEC_E_CERT_UNKNOWN)               \
    X(SEC_E_CERT_EXPIRED) X(SEC_E_ENCRYPT_FAILURE) X(SEC_E_DECRYPT_FAILURE)              \
    X(SEC_E_ALGORITHM_MISMATCH) X(SEC_E_SECURITY_QOS_FAILED)                             \
    X(SEC_E_UNFINISHED_CONTEXT_DELETED) X(SEC_E_NO_TGT_REPLY) X(SEC_E_NO_IP_ADDRESSES)   \
    X(SEC_E_WRONG_CREDENTIAL_HANDLE) X(SEC_E_CRYPTO_SYSTEM_INVALID)                      \
    X(SEC_E_MAX_REFERRALS_EXCEEDED) X(SEC_E_MUST_BE_KDC)                                 \
    X(SEC_E_STRONG_CRYPTO_NOT_SUPPORTED) X(SEC_E_TOO_MANY_PRINCIPALS) X(SEC_E_NO_PA_DATA) \
    X(SEC_E_PKINIT_NAME_MISMATCH) X(SEC_E_SMARTCARD_LOGON_REQUIRED)                      \
    X(SEC_E_SHUTDOWN_IN_PROGRESS) X(SEC_E_KDC_INVALID_REQUEST)                           \
    X(SEC_E_KDC_UNABLE_TO_REFER) X(SEC_E_KDC_UNKNOWN_ETYPE) X(SEC_E_UNSUPPORTED_PREAUTH) \
    X(SEC_E_DELEGATION_REQUIRED) X(SEC_E_BAD_BINDINGS) X(SEC_E_MULTIPLE_ACCOUNTS)        \
    X(SEC_E_NO_KERB_KEY) X(SEC_E_CERT_WRONG_USAGE) X(SEC_E_DOWNGRADE_DETECTED)           \
    X(SEC_E_SMARTCARD_CERT_REVOKED) X(SEC_E_ISSUING_CA_UNTRUSTED)                        \
    X(SEC_E_REVOCATION_OFFLINE_C) X(SEC_E_PKINIT_CLIENT_FAILURE)                         \
    X(SEC_E_SMARTCARD_CERT_EXPIRED) X(SEC_E_NO_S4U_PROT_SUPPORT)                         \
    X(SEC_E_INVALID_PARAMETER) X(SEC_E_DELEGATION_POLICY) X(SEC_E_POLICY_NLTM_ONLY)      \
    X(SEC_E_NO_CONTEXT) X(SEC_E_PKU2U_CERT_FAILURE) X(SEC_E_MUTUAL_AUTH_FAILED)          \
    X(SEC_E_ONLY_HTTPS_ALLOWED) X(SEC_E_APPLICATION_PROTOCOL_MISMATCH)

#define ABI_PACKAGE_CONSTANTS(X)                                                          \
    X(SECPKG_FLAG_INTEGRITY) X(SECPKG_FLAG_PRIVACY) X(SECPKG_FLAG_TOKEN_ONLY)             \
    X(SECPKG_FLAG_DATAGRAM) X(SECPKG_FLAG_CONNECTION) X(SECPKG_FLAG_MULTI_REQUIRED)       \
    X(SECPKG_FLAG_CLIENT_ONLY) X(SECPKG_FLAG_EXTENDED_ERROR) X(SECPKG_FLAG_IMPERSONATION) \
    X(SECPKG_FLAG_ACCEPT_WIN32_NAME) X(SECPKG_FLAG_STREAM) X(SECPKG_FLAG_NEGOTIABLE)      \
    X(SECPKG_FLAG_GSS_COMPATIBLE) X(SECPKG_FLAG_LOGON) X(SECPKG_FLAG_ASCII_BUFFERS)       \
    X(SECPKG_FLAG_FRAGMENT) X(SECPKG_FLAG_MUTUAL_AUTH) X(SECPKG_FLAG_DELEGATION)          \
    X(SECPKG_FLAG_READONLY_WITH_CHECKSUM) X(SECPKG_FLAG_RESTRICTED_TOKENS)               \
    X(SECPKG_FLAG_NEGO_EXTENDER) X(SECPKG_FLAG_NEGOTIABLE2)                              \
    X(SECPKG_FLAG_APPCONTAINER_PASSTHROUGH) X(SECPKG_FLAG_APPCONTAINER_CHECKS)           \
    X(SECPKG_ID_NONE) X(RPC_C_AUTHN_GSS_NEGOTIATE) X(RPC_C_AUTHN_WINNT)                  \
    X(RPC_C_AUTHN_GSS_KERBEROS)

#define ABI_BUFFER_CONSTANTS(X)                                                         \
    X(SECBUFFER_VERSION) X(SECBUFFER_EMPTY) X(SECBUFFER_DATA) X(SECBUFFER_TOKEN)        \
    X(SECBUFFER_PKG_PARAMS) X(SECBUFFER_MISSING) X(SECBUFFER_EXTRA)                     \
    X(SECBUFFER_STREAM_TRAILER) X(SECBUFFER_STREAM_HEADER) X(SECBUFFER_NEGOTIATION_INFO) \
    X(SECBUFFER_PADDING) X(SECBUFFER_STREAM) X(SECBUFFER_MECHLIST)                      \
    X(SECBUFFER_MECHLIST_SIGNATURE) X(SECBUFFER_TARGET) X(SECBUFFER_CHANNEL_BINDINGS)   \
    X(SECBUFFER_CHANGE_PASS_RESPONSE) X(SECBUFFER_TARGET_HOST) X(SECBUFFER_ALERT)       \
    X(SECBUFFER_ATTRMASK) X(SECBUFFER_READONLY) X(SECBUFFER_READONLY_WITH_CHECKSUM)     \
    X(SECBUFFER_RESERVED) X(SECURITY_NATIVE_DREP) X(SECURITY_NETWORK_DREP)

#define ABI_CREDENTIAL_CONSTANTS(X)                                                        \
    X(SECPKG_CRED_INBOUND) X(SECPKG_CRED_OUTBOUND) X(SECPKG_CRED_BOTH)                     \
    X(SECPKG_CRED_DEFAULT) X(SECPKG_CRED_RESERVED) X(SECPKG_CRED_AUTOLOGON_RESTRICTED)     \
    X(SECPKG_CRED_PROCESS_POLICY_ONLY) X(SECPKG_CRED_ATTR_NAMES)

#define ABI_CONTEXT_FLAGS(X)                                                              \
    X(ISC_REQ_DELEGATE) X(ISC_REQ_MUTUAL_AUTH) X(ISC_REQ_REPLAY_DETECT)                   \
    X(ISC_REQ_SEQUENCE_DETECT) X(ISC_REQ_CONFIDENTIALITY) X(ISC_REQ_USE_SESSION_KEY)      \
    X(ISC_REQ_PROMPT_FOR_CREDS) X(ISC_REQ_USE_SUPPLIED_CREDS) X(ISC_REQ_ALLOCATE_MEMORY)  \
    X(ISC_REQ_USE_DCE_STYLE) X(ISC_REQ_DATAGRAM) X(ISC_REQ_CONNECTION)                    \
    X(ISC_REQ_CALL_LEVEL) X(ISC_REQ_FRAGMENT_SUPPLIED) X(ISC_REQ_EXTENDED_ERROR)          \
    X(ISC_REQ_STREAM) X(ISC_REQ_INTEGRITY) X(ISC_REQ_IDENTIFY) X(ISC_REQ_NULL_SESSION)    \
    X(ISC_REQ_MANUAL_CRED_VALIDATION) X(ISC_REQ_RESERVED1) X(ISC_REQ_FRAGMENT_TO_FIT)     \
    X(ISC_REQ_FORWARD_CREDENTIALS) X(ISC_REQ_NO_INTEGRITY) X(ISC_REQ_USE_HTTP_STYLE)      \
    X(ISC_REQ_UNVERIFIED_TARGET_NAME) X(ISC_REQ_CONFIDENTIALITY_ONLY)                     \
    X(ISC_RET_DELEGATE) X(ISC_RET_MUTUAL_AUTH) X(ISC_RET_REPLAY_DETECT)                   \
    X(ISC_RET_SEQUENCE_DETECT) X(ISC_RET_CONFIDENTIALITY) X(ISC_RET_USE_SESSION_KEY)      \
    X(ISC_RET_USED_COLLECTED_CREDS) X(ISC_RET_USED_SUPPLIED_CREDS)                        \
    X(ISC_RET_ALLOCATED_MEMORY) X(ISC_RET_USED_DCE_STYLE) X(ISC_RET_DATAGRAM)             \
    X(ISC_RET_CONNECTION) X(ISC_RET_INTERMEDIATE_RETURN) X(ISC_RET_CALL_LEVEL)            \
    X(ISC_RET_EXTENDED_ERROR) X(ISC_RET_STREAM) X(ISC_RET_INTEGRITY) X(ISC_RET_IDENTIFY)  \
    X(ISC_RET_NULL_SESSION) X(ISC_RET_MANUAL_CRED_VALIDATION) X(ISC_RET_RESERVED1)        \
    X(ISC_RET_FRAGMENT_ONLY) X(ISC_RET_FORWARD_CREDENTIALS) X(ISC_RET_USED_HTTP_STYLE)    \
    X(ISC_RET_NO_ADDITIONAL_TOKEN) X(ISC_RET_REAUTHENTICATION)                            \
    X(ISC_RET_CONFIDENTIALITY_ONLY)                                                       \
    X(ASC_REQ_DELEGATE) X(ASC_REQ_MUTUAL_AUTH) X(ASC_REQ_REPLAY_DETECT)                   \
    X(ASC_REQ_SEQUENCE_DETECT) X(ASC_REQ_CONFIDENTIALITY) X(ASC_REQ_USE_SESSION_KEY)      \
    X(ASC_REQ_SESSION_TICKET) X(ASC_REQ_ALLOCATE_MEMORY) X(ASC_REQ_USE_DCE_STYLE)         \
    X(ASC_REQ_DATAGRAM) X(ASC_REQ_CONNECTION) X(ASC_REQ_CALL_LEVEL)                       \
    X(ASC_REQ_FRAGMENT_SUPPLIED) X(ASC_REQ_EXTENDED_ERROR) X(ASC_REQ_STREAM)              \
    X(ASC_REQ_INTEGRITY) X(ASC_REQ_LICENSING) X(ASC_REQ_IDENTIFY)                         \
    X(ASC_REQ_ALLOW_NULL_SESSION) X(ASC_REQ_ALLOW_NON_USER_LOGONS)                        \
    X(ASC_REQ_ALLOW_CONTEXT_REPLAY) X(ASC_REQ_FRAGMENT_TO_FIT) X(ASC_REQ_NO_TOKEN)        \
    X(ASC_REQ_PROXY_BINDINGS) X(ASC_REQ_ALLOW_MISSING_BINDINGS)                           \
    X(ASC_RET_DELEGATE) X(ASC_RET_MUTUAL_AUTH) X(ASC_RET_REPLAY_DETECT)                   \
    X(ASC_RET_SEQUENCE_DETECT) X(ASC_RET_CONFIDENTIALITY) X(ASC_RET_USE_SESSION_KEY)      \
    X(ASC_RET_SESSION_TICKET) X(ASC_RET_ALLOCATED_MEMORY) X(ASC_RET_USED_DCE_STYLE)       \
    X(ASC_RET_DATAGRAM) X(ASC_RET_CONNECTION) X(ASC_RET_CALL_LEVEL)                       \
    X(ASC_RET_THIRD_LEG_FAILED) X(ASC_RET_EXTENDED_ERROR) X(ASC_RET_STREAM)               \
    X(ASC_RET_INTEGRITY) X(ASC_RET_LICENSING) X(ASC_RET_IDENTIFY) X(ASC_RET_NULL_SESSION) \
    X(ASC_RET_ALLOW_NON_USER_LOGONS) X(ASC_RET_ALLOW_CONTEXT_REPLAY)                      \
    X(ASC_RET_FRAGMENT_ONLY) X(ASC_RET_NO_TOKEN) X(ASC_RET_NO_ADDITIONAL_TOKEN)

#define ABI_ATTRIBUTE_CONSTANTS(X)                                                        \
    X(SECPKG_ATTR_SIZES) X(SECPKG_ATTR_NAMES) X(SECPKG_ATTR_LIFESPAN)                     \
    X(SECPKG_ATTR_DCE_INFO) X(SECPKG_ATTR_STREAM_SIZES) X(SECPKG_ATTR_KEY_INFO)           \
    X(SECPKG_ATTR_AUTHORITY) X(SECPKG_ATTR_PROTO_INFO) X(SECPKG_ATTR_PASSWORD_EXPIRY)     \
    X(SECPKG_ATTR_SESSION_KEY) X(SECPKG_ATTR_PACKAGE_INFO) X(SECPKG_ATTR_USER_FLAGS)      \
    X(SECPKG_ATTR_NEGOTIATION_INFO) X(SECPKG_ATTR_NATIVE_NAMES) X(SECPKG_ATTR_FLAGS)      \
    X(SECPKG_ATTR_USE_VALIDATED) X(SECPKG_ATTR_CREDENTIAL_NAME)                           \
    X(SECPKG_ATTR_TARGET_INFORMATION) X(SECPKG_ATTR_ACCESS_TOKEN) X(SECPKG_ATTR_TARGET)   \
    X(SECPKG_ATTR_AUTHENTICATION_ID) X(SECPKG_ATTR_LOGOFF_TIME) X(SECPKG_ATTR_NEGO_KEYS)  \
    X(SECPKG_ATTR_PROMPTING_NEEDED) X(SECPKG_ATTR_UNIQUE_BINDINGS)                        \
    X(SECPKG_ATTR_ENDPOINT_BINDINGS) X(SECPKG_ATTR_CLIENT_SPECIFIED_TARGET)               \
    X(SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS) X(SECPKG_ATTR_NEGO_PKG_INFO)                  \
    X(SECPKG_ATTR_NEGO_STATUS) X(SECPKG_ATTR_CONTEXT_DELETED)                             \
    X(SECPKG_ATTR_DATAGRAM_SIZES)                                                         \
    X(SECPKG_NEGOTIATION_COMPLETE) X(SECPKG_NEGOTIATION_OPTIMISTIC)                       \
    X(SECPKG_NEGOTIATION_IN_PROGRESS) X(SECPKG_NEGOTIATION_DIRECT)                        \
    X(SECPKG_NEGOTIATION_TRY_MULTICRED)

#define ABI_OTHER_CONSTANTS(X)                                                            \
    X(SEC_DELETED_HANDLE) X(SECQOP_WRAP_NO_ENCRYPT) X(SECQOP_WRAP_OOB_DATA)               \
    X(KERB_WRAP_NO_ENCRYPT) X(SEC_WINNT_AUTH_IDENTITY_ANSI)                               \
    X(SEC_WINNT_AUTH_IDENTITY_UNICODE) X(SEC_WINNT_AUTH_IDENTITY_VERSION)                 \
    X(SEC_WINNT_AUTH_IDENTITY_VERSION_2) X(SECPKG_CONTEXT_EXPORT_RESET_NEW)               \
    X(SECPKG_CONTEXT_EXPORT_DELETE_OLD) X(SECPKG_CONTEXT_EXPORT_TO_KERNEL)                \
    X(SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION)                                        \
    X(SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2)                                      \
    X(SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_3)                                      \
    X(SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4)

/* <schannel.h>: what Windows sources include it for. */
#define ABI_SCHANNEL_CONSTANTS(X)                                                        \
    X(UNISP_RPC_ID) X(SCH_CRED_V1) X(SCH_CRED_V2) X(SCH_CRED_VERSION) X(SCH_CRED_V3)     \
    X(SCHANNEL_CRED_VERSION) X(SCH_CRED_NO_SYSTEM_MAPPER) X(SCH_CRED_NO_SERVERNAME_CHECK) \
    X(SCH_CRED_MANUAL_CRED_VALIDATION) X(SCH_CRED_NO_DEFAULT_CREDS)                      \
    X(SCH_CRED_AUTO_CRED_VALIDATION) X(SCH_CRED_USE_DEFAULT_CREDS)                       \
    X(SCH_CRED_DISABLE_RECONNECTS) X(SCH_CRED_REVOCATION_CHECK_END_CERT)                 \
    X(SCH_CRED_REVOCATION_CHECK_CHAIN) X(SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT)   \
    X(SCH_CRED_IGNORE_NO_REVOCATION_CHECK) X(SCH_CRED_IGNORE_REVOCATION_OFFLINE)         \
    X(SCH_USE_STRONG_CRYPTO) X(SCHANNEL_RENEGOTIATE) X(SCHANNEL_SHUTDOWN)                \
    X(SCHANNEL_ALERT) X(SCHANNEL_SESSION) X(SP_PROT_NONE) X(SP_PROT_SSL3_SERVER)          \
    X(SP_PROT_SSL3_CLIENT) X(SP_PROT_TLS1_SERVER) X(SP_PROT_TLS1_CLIENT)                 \
    X(SP_PROT_TLS1_0_SERVER) X(SP_PROT_TLS1_0_CLIENT) X(SP_PROT_TLS1_1_SERVER)           \
    X(SP_PROT_TLS1_1_CLIENT) X(SP_PROT_TLS1_2_SERVER) X(SP_PROT_TLS1_2_CLIENT)           \
    X(SP_PROT_TLS1_3_SERVER) X(SP_PROT_TLS1_3_CLIENT) X(SP_PROT_SSL3) X(SP_PROT_TLS1)    \
    X(SP_PROT_TLS1_0) X(SP_PROT_TLS1_1) X(SP_PROT_TLS1_2) X(SP_PROT_TLS1_3)

/* Narrow string constants: length and contents. */
#define ABI_STRINGS(X)                                                                   \
    X(NEGOSSP_NAME_A) X(MICROSOFT_KERBEROS_NAME_A) X(NTLMSP_NAME_A)                      \
    X(SECURITY_ENTRYPOINT_ANSIA) X(SECURITY_ENTRYPOINT_ANSIW) X(UNISP_NAME_A)           \
    X(SCHANNEL_NAME_A) X(DEFAULT_TLS_SSP_NAME_A)

/* Macros of sspi.h that are deliberately not compared, and why. */
#define ABI_NOT_CHECKED(X)                                                               \
    X(INT_PTR, "a typedef on Windows; sspi.h's fallback macro for SecInvalidateHandle")  \
    X(NEGOSSP_NAME, "generic name (A or W by UNICODE): the _A form is checked")          \
    X(MICROSOFT_KERBEROS_NAME, "generic name: the _A form is checked")                   \
    X(NTLMSP_NAME, "generic name: the _A form is checked")                               \
    X(UNISP_NAME, "generic name: the _A form is checked")                                \
    X(SCHANNEL_NAME, "generic name: the _A form is checked")                             \
    X(DEFAULT_TLS_SSP_NAME, "generic name: the _A form is checked")                      \
    X(SEC_WINNT_AUTH_IDENTITY, "generic name: the _A and _W structures are checked")     \
    X(PSEC_WINNT_AUTH_IDENTITY, "generic name: the _A and _W pointers are checked")      \
    X(SEC_WINNT_AUTH_IDENTITY_EX, "generic name: the EXA and EXW structures are checked") \
    X(PSEC_WINNT_AUTH_IDENTITY_EX, "generic name: the EXA and EXW pointers are checked") \
    X(SECURITY_ENTRYPOINT, "generic name: the ANSIA and ANSIW strings are checked")

/* ---- Types: size, alignment, signedness, identity ----------------------- */

/* Integer types: size, alignment and signedness. */
#define ABI_INTEGER_TYPES(X)                                                             \
    X(ULONG) X(LONG) X(USHORT) X(UCHAR) X(BOOLEAN) X(ULONG_PTR) X(SEC_WCHAR)             \
    X(SECURITY_STATUS)

/* Other types: size and alignment (SEC_CHAR: plain char, whose signedness is
 * the platform's). */
#define ABI_OTHER_TYPES(X) X(SEC_CHAR) X(PVOID) X(HANDLE) X(SECURITY_INTEGER) X(TimeStamp)

/* Typedef T names the same type as U, here and on Windows. */
#define ABI_SAME_TYPES(X)                                                                \
    X(SECURITY_STATUS, LONG) X(SEC_CHAR, char) X(SEC_WCHAR, unsigned short)              \
    X(CredHandle, SecHandle) X(CtxtHandle, SecHandle) X(PCredHandle, SecHandle *)        \
    X(PCtxtHandle, SecHandle *) X(SECURITY_INTEGER, LARGE_INTEGER)                       \
    X(TimeStamp, SECURITY_INTEGER) X(PTimeStamp, SECURITY_INTEGER *)                     \
    X(PSECURITY_INTEGER, SECURITY_INTEGER *) X(PULONG, ULONG *) X(PLONG, LONG *)         \
    X(PUSHORT, USHORT *) X(PUCHAR, UCHAR *) X(PULONG_PTR, ULONG_PTR *) X(PHANDLE, HANDLE *)

/*
 * Structures: S(type, pointer typedef) checks size, alignment and that the
 * pointer typedef points to the type; M(type, member) checks the member's
 * offset and size.  Every member of every structure of sspi.h is listed, in
 * declaration order.
 */
#define ABI_STRUCTURES(S, M)                                                             \
    S(LARGE_INTEGER, PLARGE_INTEGER)                                                     \
    M(LARGE_INTEGER, LowPart) M(LARGE_INTEGER, HighPart) M(LARGE_INTEGER, u)             \
    M(LARGE_INTEGER, u.LowPart) M(LARGE_INTEGER, u.HighPart) M(LARGE_INTEGER, QuadPart)  \
    S(SecHandle, PSecHandle)                                                             \
    M(SecHandle, dwLower) M(SecHandle, dwUpper)                                          \
    S(SecPkgInfoW, PSecPkgInfoW)                                                         \
    M(SecPkgInfoW, fCapabilities) M(SecPkgInfoW, wVersion) M(SecPkgInfoW, wRPCID)        \
    M(SecPkgInfoW, cbMaxToken) M(SecPkgInfoW, Name) M(SecPkgInfoW, Comment)              \
    S(SecPkgInfoA, PSecPkgInfoA)                                                         \
    M(SecPkgInfoA, fCapabilities) M(SecPkgInfoA, wVersion) M(SecPkgInfoA, wRPCID)        \
    M(SecPkgInfoA, cbMaxToken) M(SecPkgInfoA, Name) M(SecPkgInfoA, Comment)              \
    S(SecBuffer, PSecBuffer)                                                             \
    M(SecBuffer, cbBuffer) M(SecBuffer, BufferType) M(SecBuffer, pvBuffer)               \
    S(SecBufferDesc, PSecBufferDesc)                                                     \
    M(SecBufferDesc, ulVersion) M(SecBufferDesc, cBuffers) M(SecBufferDesc, pBuffers)    \
    S(SEC_NEGOTIATION_INFO, PSEC_NEGOTIATION_INFO)                                       \
    M(SEC_NEGOTIATION_INFO, Size) M(SEC_NEGOTIATION_INFO, NameLength)                    \
    M(SEC_NEGOTIATION_INFO, Name) M(SEC_NEGOTIATION_INFO, Reserved)                      \
    S(SEC_CHANNEL_BINDINGS, PSEC_CHANNEL_BINDINGS)                                       \
    M(SEC_CHANNEL_BINDINGS, dwInitiatorAddrType)                                         \
    M(SEC_CHANNEL_BINDINGS, cbInitiatorLength)                                           \
    M(SEC_CHANNEL_BINDINGS, dwInitiatorOffset)                                           \
    M(SEC_CHANNEL_BINDINGS, dwAcceptorAddrType)                                          \
    M(SEC_CHANNEL_BINDINGS, cbAcceptorLength)                                            \
    M(SEC_CHANNEL_BINDINGS, dwAcceptorOffset)                                            \
    M(SEC_CHANNEL_BINDINGS, cbApplicationDataLength)                                     \
    M(SEC_CHANNEL_BINDINGS, dwApplicationDataOffset)                                     \
    S(SecPkgCredentials_NamesW, PSecPkgCredentials_NamesW)                               \
    M(SecPkgCredentials_NamesW, sUserName)                                               \
    S(SecPkgCredentials_NamesA, PSecPkgCredentials_NamesA)                               \
    M(SecPkgCredentials_NamesA, sUserName)                                               \
    S(SecPkgContext_Sizes, PSecPkgContext_Sizes)                                         \
    M(SecPkgContext_Sizes, cbMaxToken) M(SecPkgContext_Sizes, cbMaxSignature)            \
    M(SecPkgContext_Sizes, cbBlockSize) M(SecPkgContext_Sizes, cbSecurityTrailer)        \
    S(SecPkgContext_StreamSizes, PSecPkgContext_StreamSizes)                             \
    M(SecPkgContext_StreamSizes, cbHeader) M(SecPkgContext_StreamSizes, cbTrailer)       \
    M(SecPkgContext_StreamSizes, cbMaximumMessage)                                       \
    M(SecPkgContext_StreamSizes, cBuffers) M(SecPkgContext_StreamSizes, cbBlockSize)     \
    S(SecPkgContext_NamesW, PSecPkgContext_NamesW)                                       \
    M(SecPkgContext_NamesW, sUserName)                                                   \
    S(SecPkgContext_NamesA, PSecPkgContext_NamesA)                                       \
    M(SecPkgContext_NamesA, sUserName)                                                   \
    S(SecPkgContext_Lifespan, PSecPkgContext_Lifespan)                                   \
    M(SecPkgContext_Lifespan, tsStart) M(SecPkgContext_Lifespan, tsExpiry)               \
    S(SecPkgContext_SessionKey, PSecPkgContext_SessionKey)                               \
    M(SecPkgContext_SessionKey, SessionKeyLength) M(SecPkgContext_SessionKey, SessionKey) \
    S(SecPkgContext_PackageInfoW, PSecPkgContext_PackageInfoW)                           \
    M(SecPkgContext_PackageInfoW, PackageInfo)                                           \
    S(SecPkgContext_PackageInfoA, PSecPkgContext_PackageInfoA)                           \
    M(SecPkgContext_PackageInfoA, PackageInfo)                                           \
    S(SecPkgContext_Flags, PSecPkgContext_Flags)                                         \
    M(SecPkgContext_Flags, Flags)                                                        \
    S(SecPkgContext_NegotiationInfoA, PSecPkgContext_NegotiationInfoA)                   \
    M(SecPkgContext_NegotiationInfoA, PackageInfo)                                       \
    M(SecPkgContext_NegotiationInfoA, NegotiationState)                                  \
    S(SecPkgContext_NegotiationInfoW, PSecPkgContext_NegotiationInfoW)                   \
    M(SecPkgContext_NegotiationInfoW, PackageInfo)                                       \
    M(SecPkgContext_NegotiationInfoW, NegotiationState)                                  \
    S(SecPkgContext_NativeNamesW, PSecPkgContext_NativeNamesW)                           \
    M(SecPkgContext_NativeNamesW, sClientName) M(SecPkgContext_NativeNamesW, sServerName) \
    S(SecPkgContext_NativeNamesA, PSecPkgContext_NativeNamesA)                           \
    M(SecPkgContext_NativeNamesA, sClientName) M(SecPkgContext_NativeNamesA, sServerName) \
    S(SEC_WINNT_AUTH_IDENTITY_W, PSEC_WINNT_AUTH_IDENTITY_W)                             \
    M(SEC_WINNT_AUTH_IDENTITY_W, User) M(SEC_WINNT_AUTH_IDENTITY_W, UserLength)          \
    M(SEC_WINNT_AUTH_IDENTITY_W, Domain) M(SEC_WINNT_AUTH_IDENTITY_W, DomainLength)      \
    M(SEC_WINNT_AUTH_IDENTITY_W, Password) M(SEC_WINNT_AUTH_IDENTITY_W, PasswordLength)  \
    M(SEC_WINNT_AUTH_IDENTITY_W, Flags)                                                  \
    S(SEC_WINNT_AUTH_IDENTITY_A, PSEC_WINNT_AUTH_IDENTITY_A)                             \
    M(SEC_WINNT_AUTH_IDENTITY_A, User) M(SEC_WINNT_AUTH_IDENTITY_A, UserLength)          \
    M(SEC_WINNT_AUTH_IDENTITY_A, Domain) M(SEC_WINNT_AUTH_IDENTITY_A, DomainLength)      \
    M(SEC_WINNT_AUTH_IDENTITY_A, Password) M(SEC_WINNT_AUTH_IDENTITY_A, PasswordLength)  \
    M(SEC_WINNT_AUTH_IDENTITY_A, Flags)                                                  \
    S(SEC_WINNT_AUTH_IDENTITY_EXW, PSEC_WINNT_AUTH_IDENTITY_EXW)                         \
    M(SEC_WINNT_AUTH_IDENTITY_EXW, Version) M(SEC_WINNT_AUTH_IDENTITY_EXW, Length)       \
    M(SEC_WINNT_AUTH_IDENTITY_EXW, User) M(SEC_WINNT_AUTH_IDENTITY_EXW, UserLength)      \
    M(SEC_WINNT_AUTH_IDENTITY_EXW, Domain) M(SEC_WINNT_AUTH_IDENTITY_EXW, DomainLength)  \
    M(SEC_WINNT_AUTH_IDENTITY_EXW, Password)                                             \
    M(SEC_WINNT_AUTH_IDENTITY_EXW, PasswordLength) M(SEC_WINNT_AUTH_IDENTITY_EXW, Flags) \
    M(SEC_WINNT_AUTH_IDENTITY_EXW, PackageList)                                          \
    M(SEC_WINNT_AUTH_IDENTITY_EXW, PackageListLength)                                    \
    S(SEC_WINNT_AUTH_IDENTITY_EXA, PSEC_WINNT_AUTH_IDENTITY_EXA)                         \
    M(SEC_WINNT_AUTH_IDENTITY_EXA, Version) M(SEC_WINNT_AUTH_IDENTITY_EXA, Length)       \
    M(SEC_WINNT_AUTH_IDENTITY_EXA, User) M(SEC_WINNT_AUTH_IDENTITY_EXA, UserLength)      \
    M(SEC_WINNT_AUTH_IDENTITY_EXA, Domain) M(SEC_WINNT_AUTH_IDENTITY_EXA, DomainLength)  \
    M(SEC_WINNT_AUTH_IDENTITY_EXA, Password)                                             \
    M(SEC_WINNT_AUTH_IDENTITY_EXA, PasswordLength) M(SEC_WINNT_AUTH_IDENTITY_EXA, Flags) \
    M(SEC_WINNT_AUTH_IDENTITY_EXA, PackageList)                                          \
    M(SEC_WINNT_AUTH_IDENTITY_EXA, PackageListLength)                                    \
    ABI_FUNCTION_TABLE(S, M, W)                                                          \
    ABI_FUNCTION_TABLE(S, M, A)                                                          \
    S(SCHANNEL_CRED, PSCHANNEL_CRED)                                                     \
    M(SCHANNEL_CRED, dwVersion) M(SCHANNEL_CRED, cCreds) M(SCHANNEL_CRED, paCred)        \
    M(SCHANNEL_CRED, hRootStore) M(SCHANNEL_CRED, cMappers) M(SCHANNEL_CRED, aphMappers) \
    M(SCHANNEL_CRED, cSupportedAlgs) M(SCHANNEL_CRED, palgSupportedAlgs)                 \
    M(SCHANNEL_CRED, grbitEnabledProtocols) M(SCHANNEL_CRED, dwMinimumCipherStrength)    \
    M(SCHANNEL_CRED, dwMaximumCipherStrength) M(SCHANNEL_CRED, dwSessionLifespan)        \
    M(SCHANNEL_CRED, dwFlags) M(SCHANNEL_CRED, dwCredFormat)

/* The dispatch table: every slot, so that the Windows member order is proven. */
#define ABI_FUNCTION_TABLE(S, M, AW)                                                     \
    S(SecurityFunctionTable##AW, PSecurityFunctionTable##AW)                             \
    M(SecurityFunctionTable##AW, dwVersion)                                              \
    M(SecurityFunctionTable##AW, EnumerateSecurityPackages##AW)                          \
    M(SecurityFunctionTable##AW, QueryCredentialsAttributes##AW)                         \
    M(SecurityFunctionTable##AW, AcquireCredentialsHandle##AW)                           \
    M(SecurityFunctionTable##AW, ABI_FREE_CREDENTIALS_HANDLE_##AW)                       \
    M(SecurityFunctionTable##AW, Reserved2)                                              \
    M(SecurityFunctionTable##AW, InitializeSecurityContext##AW)                          \
    M(SecurityFunctionTable##AW, AcceptSecurityContext)                                  \
    M(SecurityFunctionTable##AW, CompleteAuthToken)                                      \
    M(SecurityFunctionTable##AW, DeleteSecurityContext)                                  \
    M(SecurityFunctionTable##AW, ApplyControlToken)                                      \
    M(SecurityFunctionTable##AW, QueryContextAttributes##AW)                             \
    M(SecurityFunctionTable##AW, ImpersonateSecurityContext)                             \
    M(SecurityFunctionTable##AW, RevertSecurityContext)                                  \
    M(SecurityFunctionTable##AW, MakeSignature)                                          \
    M(SecurityFunctionTable##AW, VerifySignature)                                        \
    M(SecurityFunctionTable##AW, FreeContextBuffer)                                      \
    M(SecurityFunctionTable##AW, QuerySecurityPackageInfo##AW)                           \
    M(SecurityFunctionTable##AW, Reserved3)                                              \
    M(SecurityFunctionTable##AW, Reserved4)                                              \
    M(SecurityFunctionTable##AW, ExportSecurityContext)                                  \
    M(SecurityFunctionTable##AW, ImportSecurityContext##AW)                              \
    M(SecurityFunctionTable##AW, AddCredentials##AW)                                     \
    M(SecurityFunctionTable##AW, Reserved8)                                              \
    M(SecurityFunctionTable##AW, QuerySecurityContextToken)                              \
    M(SecurityFunctionTable##AW, EncryptMessage)                                         \
    M(SecurityFunctionTable##AW, DecryptMessage)                                         \
    M(SecurityFunctionTable##AW, SetContextAttributes##AW)                               \
    M(SecurityFunctionTable##AW, SetCredentialsAttributes##AW)                           \
    M(SecurityFunctionTable##AW, ChangeAccountPassword##AW)                              \
    M(SecurityFunctionTable##AW, QueryContextAttributesEx##AW)                           \
    M(SecurityFunctionTable##AW, QueryCredentialsAttributesEx##AW)

/* Windows spells the fifth slot differently in its two tables. */
#define ABI_FREE_CREDENTIALS_HANDLE_W FreeCredentialsHandle
#define ABI_FREE_CREDENTIALS_HANDLE_A FreeCredentialHandle

/* ---- Rows ------------------------------------------------------------------ */

/* Nonzero when expression e has an unsigned type (after promotion). */
#define ABI_IS_UNSIGNED(e) (0 * (e) - 1 > 0)

struct constant_row {
    const char *name;
    int is_unsigned;
    long long svalue;
    unsigned long long uvalue;
    size_t size;
};

struct string_row {
    const char *name;
    const char *value;
    size_t size;
};

struct skip_row {
    const char *name;
    const char *reason;
};

struct type_row {
    const char *name;
    size_t size;
    size_t align;
    int has_sign; /* 0: signedness not checked */
    int is_unsigned;
};

struct same_type_row {
    const char *name;
    const char *other;
    int same;
};

struct layout_row {
    const char *type;
    const char *name; /* member, or the pointer typedef for a structure row */
    int is_struct;
    size_t offset; /* member rows */
    size_t size;
    size_t align;     /* structure rows */
    int pointer_same; /* structure rows: the pointer typedef is type * */
};

/* Stringify after expansion (the table's member names are built by ##). */
#define ABI_STR(x) ABI_STR_(x)
#define ABI_STR_(x) #x

#define CONSTANT_ROW(n) \
    {#n, ABI_IS_UNSIGNED(n), (long long)(n), (unsigned long long)(n), sizeof(n)},
#define STRING_ROW(n) {#n, n, sizeof(n)},
#define SKIP_ROW(n, why) {#n, why},
#define INTEGER_TYPE_ROW(t) {#t, sizeof(t), _Alignof(t), 1, (t)-1 > (t)0},
#define OTHER_TYPE_ROW(t) {#t, sizeof(t), _Alignof(t), 0, 0},
#define SAME_TYPE_ROW(t, u) {#t, #u, _Generic((t *)0, u *: 1, default: 0)},
#define STRUCT_ROW(t, pt) \
    {ABI_STR(t), ABI_STR(pt), 1, 0, sizeof(t), _Alignof(t), _Generic((pt)0, t *: 1, default: 0)},
#define MEMBER_ROW(t, m) \
    {ABI_STR(t), ABI_STR(m), 0, offsetof(t, m), sizeof(((t *)0)->m), 0, 0},

static const struct constant_row constants[] = {
    ABI_STATUS_CODES(CONSTANT_ROW)
    ABI_PACKAGE_CONSTANTS(CONSTANT_ROW)
    ABI_BUFFER_CONSTANTS(CONSTANT_ROW)
    ABI_CREDENTIAL_CONSTANTS(CONSTANT_ROW)
    ABI_CONTEXT_FLAGS(CONSTANT_ROW)
    ABI_ATTRIBUTE_CONSTANTS(CONSTANT_ROW)
    ABI_OTHER_CONSTANTS(CONSTANT_ROW)
    ABI_SCHANNEL_CONSTANTS(CONSTANT_ROW)
};

static const struct string_row strings[] = {ABI_STRINGS(STRING_ROW)};
static const struct skip_row skipped[] = {ABI_NOT_CHECKED(SKIP_ROW)};

static const struct type_row types[] = {
    ABI_INTEGER_TYPES(INTEGER_TYPE_ROW)
    ABI_OTHER_TYPES(OTHER_TYPE_ROW)
};

static const struct same_type_row same_types[] = {ABI_SAME_TYPES(SAME_TYPE_ROW)};
static const struct layout_row layouts[] = {ABI_STRUCTURES(STRUCT_ROW, MEMBER_ROW)};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Output ------------------------------------------------------------------ */

/* The number of checks printed so far. */
static unsigned long n_checks;

/* The value of a constant as a C literal of a type wide enough for it. */
static void print_literal(const struct constant_row *c)
{
    if (c->is_unsigned)
        printf("%lluULL", c->uvalue);
    else if (c->svalue < 0)
        printf("(-%lldLL - 1)", -(c->svalue + 1));
    else
        printf("%lldLL", c->svalue);
}

/* The value in hexadecimal, as many digits as the constant's type has. */
static void print_hex(const struct constant_row *c)
{
    unsigned long long v = c->uvalue;

    if (c->size < sizeof(v))
        v &= (1ULL << (8 * c->size)) - 1;
    printf("0x%0*llX", (int)(2 * c->size), v);
}

/* The characters of s, escaped for a C string literal. */
static void print_c_chars(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7F)
            printf("\\%03o", ch);
        else
            putchar(ch);
    }
}

static void dump_constant(const struct constant_row *c)
{
    printf("/* abi-name: %s */\n", c->name);

    printf("_Static_assert((%s) == ", c->name);
    print_literal(c);
    printf(", \"%s: gss-sspi has value ", c->name);
    print_hex(c);
    if (c->is_unsigned)
        printf(" (%llu)\");\n", c->uvalue);
    else
        printf(" (%lld)\");\n", c->svalue);
    n_checks++;

    printf("_Static_assert(sizeof(%s) == %zu && ABI_IS_UNSIGNED(%s) == %d, "
           "\"%s: gss-sspi has type size %zu, %s\");\n",
           c->name, c->size, c->name, c->is_unsigned, c->name, c->size,
           c->is_unsigned ? "unsigned" : "signed");
    n_checks++;
}

static void dump_string_size(const struct string_row *s)
{
    printf("/* abi-name: %s */\n", s->name);
    printf("_Static_assert(sizeof(%s) == %zu, \"%s: gss-sspi has string size %zu\");\n",
           s->name, s->size, s->name, s->size);
    n_checks++;
}

/*
 * String contents are beyond _Static_assert.  Each comparison calls, unless
 * the optimizer folds the strcmp to "equal", a function declared with the
 * error attribute, so that a difference stops the compilation.
 */
static void dump_string_contents(void)
{
    size_t i;

    for (i = 0; i < COUNT(strings); i++) {
        printf("extern void abi_string_%s(void)\n"
               "    __attribute__((__error__(\"%s: gss-sspi has '",
               strings[i].name, strings[i].name);
        print_c_chars(strings[i].value);
        printf("'\")));\n");
    }
    printf("void abi_check_strings(void);\n");
    printf("void abi_check_strings(void)\n{\n");
    for (i = 0; i < COUNT(strings); i++) {
        printf("    if (__builtin_strcmp(%s, \"", strings[i].name);
        print_c_chars(strings[i].value);
        printf("\") != 0) abi_string_%s();\n", strings[i].name);
        n_checks++;
    }
    printf("}\n");
}

static void dump_type(const struct type_row *t)
{
    printf("_Static_assert(sizeof(%s) == %zu && _Alignof(%s) == %zu, "
           "\"%s: gss-sspi has size %zu, alignment %zu\");\n",
           t->name, t->size, t->name, t->align, t->name, t->size, t->align);
    n_checks++;
    if (t->has_sign) {
        printf("_Static_assert(((%s)-1 > (%s)0) == %d, \"%s: gss-sspi has it %s\");\n",
               t->name, t->name, t->is_unsigned, t->name,
               t->is_unsigned ? "unsigned" : "signed");
        n_checks++;
    }
}

static void dump_same_type(const struct same_type_row *s)
{
    printf("_Static_assert(_Generic((%s *)0, %s *: 1, default: 0) == %d, "
           "\"%s: gss-sspi has it %sthe same type as %s\");\n",
           s->name, s->other, s->same, s->name, s->same ? "" : "not ", s->other);
    n_checks++;
}

static void dump_layout(const struct layout_row *l)
{
    if (l->is_struct) {
        printf("\n/* abi-struct: %s */\n", l->type);
        printf("_Static_assert(sizeof(%s) == %zu && _Alignof(%s) == %zu, "
               "\"%s: gss-sspi has size %zu, alignment %zu\");\n",
               l->type, l->size, l->type, l->align, l->type, l->size, l->align);
        n_checks++;
        printf("_Static_assert(_Generic((%s)0, %s *: 1, default: 0) == %d, "
               "\"%s: gss-sspi has it %s%s *\");\n",
               l->name, l->type, l->pointer_same, l->name, l->pointer_same ? "" : "not ",
               l->type);
        n_checks++;
        return;
    }
    printf("_Static_assert(offsetof(%s, %s) == %zu && sizeof(((%s *)0)->%s) == %zu, "
           "\"%s.%s: gss-sspi has offset %zu, size %zu\");\n",
           l->type, l->name, l->offset, l->type, l->name, l->size, l->type, l->name,
           l->offset, l->size);
    n_checks++;
}

int main(void)
{
    size_t i;

    printf("/*\n"
           " * Generated by tests/abi/abi-dump from gss-sspi's <sspi.h>: do not edit.\n"
           " * Every assertion states what gss-sspi's headers say; compiled against\n"
           " * the Windows headers, a failing one names a difference from Windows.\n"
           " */\n\n");
    printf("#include <stddef.h>\n");
    printf("#define ABI_IS_UNSIGNED(e) (0 * (e) - 1 > 0)\n\n");

    /* The static assertions need only the front end; the string checks need
     * code generation, which a failed static assertion prevents: the two are
     * compiled separately, the strings with ABI_STRINGS_ONLY defined. */
    printf("#ifndef ABI_STRINGS_ONLY\n");

    printf("/* The data model: structure layouts below are for %zu-byte pointers. */\n",
           sizeof(void *));
    printf("_Static_assert(sizeof(void *) == %zu, \"gss-sspi was built with %zu-byte "
           "pointers\");\n",
           sizeof(void *), sizeof(void *));
    n_checks++;

    printf("\n/* ---- Constants ---- */\n");
    for (i = 0; i < COUNT(constants); i++)
        dump_constant(&constants[i]);
    for (i = 0; i < COUNT(strings); i++)
        dump_string_size(&strings[i]);
    for (i = 0; i < COUNT(skipped); i++)
        printf("/* abi-skip: %s: %s */\n", skipped[i].name, skipped[i].reason);

    printf("\n/* ---- Types ---- */\n");
    for (i = 0; i < COUNT(types); i++)
        dump_type(&types[i]);
    for (i = 0; i < COUNT(same_types); i++)
        dump_same_type(&same_types[i]);

    printf("\n/* ---- Structures ---- */");
    for (i = 0; i < COUNT(layouts); i++)
        dump_layout(&layouts[i]);

    printf("\n#endif /* !ABI_STRINGS_ONLY */\n");

    printf("\n/* ---- String contents ---- */\n");
    dump_string_contents();

    printf("\n/* abi-checks: %lu */\n", n_checks);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("abi-dump: stdout");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
