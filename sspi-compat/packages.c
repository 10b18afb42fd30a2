/*
 * packages.c - the security packages: Negotiate, Kerberos, NTLM.
 *
 * Names, comments, capabilities, RPC ids and maximum token sizes are those
 * Windows reports, so that callers sizing buffers from cbMaxToken or testing
 * fCapabilities behave as they do there.
 */
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
    *max_token = pkg->max_token;
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
