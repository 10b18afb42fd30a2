/*
 * packages.c - the security packages: Negotiate, Kerberos, NTLM.
 *
 * Names, comments, capabilities, RPC ids and maximum token sizes are those
 * Windows reports, so that callers sizing buffers from cbMaxToken or testing
 * fCapabilities behave as they do there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static const struct package packages[PACKAGE_COUNT] = {
    [PACKAGE_NEGOTIATE] = {PACKAGE_NEGOTIATE, "Negotiate", "Microsoft Package Negotiator",
                           0x00083BB3, 1, RPC_C_AUTHN_GSS_NEGOTIATE, 48256, &oid_spnego},
    [PACKAGE_KERBEROS] = {PACKAGE_KERBEROS, "Kerberos", "Microsoft Kerberos V1.0",
                          0x000F3BBF, 1, RPC_C_AUTHN_GSS_KERBEROS, 48000, &oid_krb5},
    [PACKAGE_NTLM] = {PACKAGE_NTLM, "NTLM", "NTLM Security Package",
                      0x00082B37, 1, RPC_C_AUTHN_WINNT, 2888, &oid_ntlmssp},
};

/*
 * MaxTokenSize, as Windows' Kerberos registry value of that name: the
 * largest token accepted and the cbMaxToken reported.  Default 48000
 * (Windows 8 / Server 2012 and later), at most 65535 (what Windows
 * allows); GSS_SSPI_MAX_TOKEN_SIZE or GssSspiSetMaxTokenSize change it.
 * Negotiate adds SPNEGO's framing (Windows: 48256 = 48000 + 256); NTLM's
 * messages are small and keep Windows' fixed 2888.
 */
#define MAX_TOKEN_DEFAULT ((ULONG)GSS_SSPI_MAX_TOKEN_SIZE_DEFAULT)
#define MAX_TOKEN_LIMIT ((ULONG)GSS_SSPI_MAX_TOKEN_SIZE_LIMIT)
#define SPNEGO_ALLOWANCE 256u
static _Atomic ULONG max_token_setting; /* 0: not read from the environment yet */

static bool max_token_parse(const char *text, ULONG *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v == 0 ||
        v > MAX_TOKEN_LIMIT)
        return false;
    *out = (ULONG)v;
    return true;
}

ULONG max_token_size(void)
{
    ULONG v = atomic_load(&max_token_setting);
    if (v != 0)
        return v;
    const char *env = secure_getenv("GSS_SSPI_MAX_TOKEN_SIZE");
    v = MAX_TOKEN_DEFAULT;
    if (env != NULL && !max_token_parse(env, &v)) {
        trace("GSS_SSPI_MAX_TOKEN_SIZE=%s is not a number from 1 to %u: using %u", env,
              MAX_TOKEN_LIMIT, MAX_TOKEN_DEFAULT);
        v = MAX_TOKEN_DEFAULT;
    }
    ULONG unset = 0;
    atomic_compare_exchange_strong(&max_token_setting, &unset, v); /* a setter may have won */
    return atomic_load(&max_token_setting);
}

ULONG package_max_token(const struct package *pkg)
{
    switch (pkg->id) {
    case PACKAGE_NEGOTIATE:
        return max_token_size() + SPNEGO_ALLOWANCE;
    case PACKAGE_KERBEROS:
        return max_token_size();
    default:
        return pkg->max_token;
    }
}

ULONG input_token_limit(bool spnego)
{
    return max_token_size() + (spnego ? SPNEGO_ALLOWANCE : 0);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY GssSspiSetMaxTokenSize(ULONG cbMaxToken)
{
    SECURITY_STATUS status = SEC_E_OK;
    if (cbMaxToken == 0 || cbMaxToken > MAX_TOKEN_LIMIT)
        status = SEC_E_INVALID_PARAMETER;
    else
        atomic_store(&max_token_setting, cbMaxToken);
    trace("GssSspiSetMaxTokenSize(%u) = %s", (unsigned)cbMaxToken, status_name(status));
    return status;
}

const struct package *package_get(enum package_id id)
{
    return id < PACKAGE_COUNT ? &packages[id] : NULL;
}

const struct package *package_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < PACKAGE_COUNT; i++)
        if (strcasecmp(name, packages[i].name) == 0)
            return &packages[i];
    return NULL;
}

const struct package *package_for_mech(gss_const_OID mech)
{
    if (oid_equal(mech, &oid_krb5) || oid_equal(mech, &oid_ms_krb5))
        return &packages[PACKAGE_KERBEROS];
    if (oid_equal(mech, &oid_ntlmssp))
        return &packages[PACKAGE_NTLM];
    return NULL;
}

static void fill_common(const struct package *pkg, ULONG *caps, USHORT *version, USHORT *rpcid,
                        ULONG *max_token)
{
    *caps = pkg->capabilities;
    *version = pkg->version;
    *rpcid = pkg->rpcid;
    *max_token = package_max_token(pkg);
}

/* The info and its two strings in one block, so one FreeContextBuffer frees it. */
SECURITY_STATUS package_info_a(const struct package *pkg, PSecPkgInfoA *out)
{
    size_t nlen = strlen(pkg->name) + 1, clen = strlen(pkg->comment) + 1;
    PSecPkgInfoA info = context_buffer_alloc(sizeof(*info) + nlen + clen);
    if (info == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    fill_common(pkg, &info->fCapabilities, &info->wVersion, &info->wRPCID, &info->cbMaxToken);
    info->Name = (SEC_CHAR *)(info + 1);
    info->Comment = info->Name + nlen;
    memcpy(info->Name, pkg->name, nlen);
    memcpy(info->Comment, pkg->comment, clen);
    *out = info;
    return SEC_E_OK;
}

SECURITY_STATUS package_info_w(const struct package *pkg, PSecPkgInfoW *out)
{
    size_t nunits, cunits;
    SEC_WCHAR *name = utf8_to_utf16(pkg->name, &nunits);
    SEC_WCHAR *comment = utf8_to_utf16(pkg->comment, &cunits);
    PSecPkgInfoW info = NULL;
    if (name != NULL && comment != NULL)
        info = context_buffer_alloc(sizeof(*info) + (nunits + 1 + cunits + 1) * sizeof(SEC_WCHAR));
    if (info != NULL) {
        fill_common(pkg, &info->fCapabilities, &info->wVersion, &info->wRPCID, &info->cbMaxToken);
        info->Name = (SEC_WCHAR *)(info + 1);
        info->Comment = info->Name + nunits + 1;
        memcpy(info->Name, name, (nunits + 1) * sizeof(SEC_WCHAR));
        memcpy(info->Comment, comment, (cunits + 1) * sizeof(SEC_WCHAR));
    }
    free(name);
    free(comment);
    if (info == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    *out = info;
    return SEC_E_OK;
}

/* Enumerate: an array of infos followed by all strings, one block. */
SSPI_EXPORT SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(ULONG *pcPackages,
                                                                 PSecPkgInfoA *ppPackageInfo)
{
    SECURITY_STATUS status = SEC_E_INVALID_PARAMETER;
    size_t strings = 0;
    if (pcPackages == NULL || ppPackageInfo == NULL)
        goto out;
    for (size_t i = 0; i < PACKAGE_COUNT; i++)
        strings += strlen(packages[i].name) + 1 + strlen(packages[i].comment) + 1;
    PSecPkgInfoA infos = context_buffer_alloc(PACKAGE_COUNT * sizeof(*infos) + strings);
    if (infos == NULL) {
        status = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    char *p = (char *)(infos + PACKAGE_COUNT);
    for (size_t i = 0; i < PACKAGE_COUNT; i++) {
        fill_common(&packages[i], &infos[i].fCapabilities, &infos[i].wVersion, &infos[i].wRPCID,
                    &infos[i].cbMaxToken);
        infos[i].Name = p;
        p = stpcpy(p, packages[i].name) + 1;
        infos[i].Comment = p;
        p = stpcpy(p, packages[i].comment) + 1;
    }
    *pcPackages = PACKAGE_COUNT;
    *ppPackageInfo = infos;
    status = SEC_E_OK;
out:
    trace("EnumerateSecurityPackagesA() = %s", status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(ULONG *pcPackages,
                                                                 PSecPkgInfoW *ppPackageInfo)
{
    SECURITY_STATUS status = SEC_E_INVALID_PARAMETER;
    size_t units[PACKAGE_COUNT][2], total = 0;
    SEC_WCHAR *text[PACKAGE_COUNT][2] = {{NULL}};
    PSecPkgInfoW infos = NULL;
    if (pcPackages == NULL || ppPackageInfo == NULL)
        goto out;
    status = SEC_E_INSUFFICIENT_MEMORY;
    for (size_t i = 0; i < PACKAGE_COUNT; i++) {
        text[i][0] = utf8_to_utf16(packages[i].name, &units[i][0]);
        text[i][1] = utf8_to_utf16(packages[i].comment, &units[i][1]);
        if (text[i][0] == NULL || text[i][1] == NULL)
            goto out;
        total += units[i][0] + 1 + units[i][1] + 1;
    }
    infos = context_buffer_alloc(PACKAGE_COUNT * sizeof(*infos) + total * sizeof(SEC_WCHAR));
    if (infos == NULL)
        goto out;
    SEC_WCHAR *p = (SEC_WCHAR *)(infos + PACKAGE_COUNT);
    for (size_t i = 0; i < PACKAGE_COUNT; i++) {
        fill_common(&packages[i], &infos[i].fCapabilities, &infos[i].wVersion, &infos[i].wRPCID,
                    &infos[i].cbMaxToken);
        for (int k = 0; k < 2; k++) {
            memcpy(p, text[i][k], (units[i][k] + 1) * sizeof(SEC_WCHAR));
            *(k == 0 ? &infos[i].Name : &infos[i].Comment) = p;
            p += units[i][k] + 1;
        }
    }
    *pcPackages = PACKAGE_COUNT;
    *ppPackageInfo = infos;
    status = SEC_E_OK;
out:
    for (size_t i = 0; i < PACKAGE_COUNT; i++) {
        free(text[i][0]);
        free(text[i][1]);
    }
    trace("EnumerateSecurityPackagesW() = %s", status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(SEC_CHAR *pszPackageName,
                                                                PSecPkgInfoA *ppPackageInfo)
{
    SECURITY_STATUS status;
    const struct package *pkg = package_find(pszPackageName);
    if (ppPackageInfo == NULL)
        status = SEC_E_INVALID_PARAMETER;
    else if (pkg == NULL)
        status = SEC_E_SECPKG_NOT_FOUND;
    else
        status = package_info_a(pkg, ppPackageInfo);
    trace("QuerySecurityPackageInfoA(%s) = %s", pszPackageName ? pszPackageName : "(null)",
          status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(SEC_WCHAR *pszPackageName,
                                                                PSecPkgInfoW *ppPackageInfo)
{
    SECURITY_STATUS status;
    char *name = pszPackageName ? utf16_to_utf8(pszPackageName, utf16_len(pszPackageName)) : NULL;
    const struct package *pkg = package_find(name);
    if (ppPackageInfo == NULL)
        status = SEC_E_INVALID_PARAMETER;
    else if (pkg == NULL)
        status = SEC_E_SECPKG_NOT_FOUND;
    else
        status = package_info_w(pkg, ppPackageInfo);
    trace("QuerySecurityPackageInfoW(%s) = %s", name ? name : "(null)", status_name(status));
    free(name);
    return status;
}
