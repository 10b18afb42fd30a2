/*
 * schannel.h - what Windows SSPI sources include <schannel.h> for: the
 * Schannel package names, the SCHANNEL_CRED structure, its flags and the
 * protocol bits.  Values and layouts are Windows' (tests/abi checks them
 * against the Windows headers).
 *
 * gss-sspi has no TLS package: AcquireCredentialsHandle with these package
 * names gives SEC_E_SECPKG_NOT_FOUND.  The header exists so that a Windows
 * program that includes it (for example beside Negotiate code, as
 * Microsoft's sample client does) builds unchanged.
 */
#ifndef GSS_SSPI_SCHANNEL_H
#define GSS_SSPI_SCHANNEL_H

#include <sspi.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UNISP_NAME_A "Microsoft Unified Security Protocol Provider"
#define SCHANNEL_NAME_A "Schannel"
#define DEFAULT_TLS_SSP_NAME_A "Default TLS SSP"
#ifdef UNICODE
#define UNISP_NAME L"Microsoft Unified Security Protocol Provider"
#define SCHANNEL_NAME L"Schannel"
#define DEFAULT_TLS_SSP_NAME L"Default TLS SSP"
#else
#define UNISP_NAME UNISP_NAME_A
#define SCHANNEL_NAME SCHANNEL_NAME_A
#define DEFAULT_TLS_SSP_NAME DEFAULT_TLS_SSP_NAME_A
#endif

#define UNISP_RPC_ID 14

/* SCHANNEL_CRED.dwVersion */
#define SCH_CRED_V1 0x00000001
#define SCH_CRED_V2 0x00000002
#define SCH_CRED_VERSION 0x00000002
#define SCH_CRED_V3 0x00000003
#define SCHANNEL_CRED_VERSION 0x00000004

struct _HMAPPER;

/* Certificate contexts and stores are CryptoAPI objects: opaque here. */
typedef struct _SCHANNEL_CRED {
    ULONG dwVersion;
    ULONG cCreds;
    const void **paCred; /* PCCERT_CONTEXT * */
    void *hRootStore;    /* HCERTSTORE */
    ULONG cMappers;
    struct _HMAPPER **aphMappers;
    ULONG cSupportedAlgs;
    unsigned int *palgSupportedAlgs; /* ALG_ID * */
    ULONG grbitEnabledProtocols;
    ULONG dwMinimumCipherStrength;
    ULONG dwMaximumCipherStrength;
    ULONG dwSessionLifespan;
    ULONG dwFlags;
    ULONG dwCredFormat;
} SCHANNEL_CRED, *PSCHANNEL_CRED;

/* SCHANNEL_CRED.dwFlags */
#define SCH_CRED_NO_SYSTEM_MAPPER 0x00000002
#define SCH_CRED_NO_SERVERNAME_CHECK 0x00000004
#define SCH_CRED_MANUAL_CRED_VALIDATION 0x00000008
#define SCH_CRED_NO_DEFAULT_CREDS 0x00000010
#define SCH_CRED_AUTO_CRED_VALIDATION 0x00000020
#define SCH_CRED_USE_DEFAULT_CREDS 0x00000040
#define SCH_CRED_DISABLE_RECONNECTS 0x00000080
#define SCH_CRED_REVOCATION_CHECK_END_CERT 0x00000100
#define SCH_CRED_REVOCATION_CHECK_CHAIN 0x00000200
#define SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT 0x00000400
#define SCH_CRED_IGNORE_NO_REVOCATION_CHECK 0x00000800
#define SCH_CRED_IGNORE_REVOCATION_OFFLINE 0x00001000
#define SCH_USE_STRONG_CRYPTO 0x00400000

/* ApplyControlToken: SCHANNEL_SESSION_TOKEN.dwTokenType and friends */
#define SCHANNEL_RENEGOTIATE 0
#define SCHANNEL_SHUTDOWN 1
#define SCHANNEL_ALERT 2
#define SCHANNEL_SESSION 3

/* SCHANNEL_CRED.grbitEnabledProtocols */
#define SP_PROT_NONE 0
#define SP_PROT_SSL3_SERVER 0x00000010
#define SP_PROT_SSL3_CLIENT 0x00000020
#define SP_PROT_TLS1_SERVER 0x00000040
#define SP_PROT_TLS1_CLIENT 0x00000080
#define SP_PROT_TLS1_0_SERVER SP_PROT_TLS1_SERVER
#define SP_PROT_TLS1_0_CLIENT SP_PROT_TLS1_CLIENT
#define SP_PROT_TLS1_1_SERVER 0x00000100
#define SP_PROT_TLS1_1_CLIENT 0x00000200
#define SP_PROT_TLS1_2_SERVER 0x00000400
#define SP_PROT_TLS1_2_CLIENT 0x00000800
#define SP_PROT_TLS1_3_SERVER 0x00001000
#define SP_PROT_TLS1_3_CLIENT 0x00002000
#define SP_PROT_SSL3 (SP_PROT_SSL3_SERVER | SP_PROT_SSL3_CLIENT)
#define SP_PROT_TLS1 (SP_PROT_TLS1_SERVER | SP_PROT_TLS1_CLIENT)
#define SP_PROT_TLS1_0 (SP_PROT_TLS1_0_SERVER | SP_PROT_TLS1_0_CLIENT)
#define SP_PROT_TLS1_1 (SP_PROT_TLS1_1_SERVER | SP_PROT_TLS1_1_CLIENT)
#define SP_PROT_TLS1_2 (SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_2_CLIENT)
#define SP_PROT_TLS1_3 (SP_PROT_TLS1_3_SERVER | SP_PROT_TLS1_3_CLIENT)

#ifdef __cplusplus
}
#endif

#endif /* GSS_SSPI_SCHANNEL_H */
