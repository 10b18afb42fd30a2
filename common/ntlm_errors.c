/* ntlm_errors.c - see ntlm_errors.h. */
#include <errno.h>

#include "ntlm_errors.h"

const struct ntlm_errno_meaning ntlm_errno_meanings[] = {
    {GSS_S_FAILURE, EINVAL, SEC_E_LOGON_DENIED,
     "logon failure: the NTLM response does not verify (wrong password)"},
    {GSS_S_FAILURE, EACCES, SEC_E_LOGON_DENIED,
     "logon failure: unknown user or domain (not in the NTLM user file)"},
    {GSS_S_FAILURE, ENOENT, SEC_E_LOGON_DENIED,
     "logon failure: unknown user or domain (not in the NTLM user file)"},
    {GSS_S_FAILURE, EPERM, SEC_E_LOGON_DENIED, "logon failure: the account may not log on"},
    /* The MIC does not verify; 1.2.0 reports bindings that differ the same
     * way (libgss-sspi's accept.c tells the two apart). */
    {GSS_S_DEFECTIVE_TOKEN, EACCES, SEC_E_MESSAGE_ALTERED,
     "the NTLM MIC or channel bindings do not verify"},
};
const size_t ntlm_errno_meaning_count = sizeof(ntlm_errno_meanings) / sizeof(ntlm_errno_meanings[0]);

const struct ntlm_errno_meaning *ntlm_errno_meaning(OM_uint32 major, OM_uint32 minor)
{
    for (size_t i = 0; i < ntlm_errno_meaning_count; i++)
        if (ntlm_errno_meanings[i].routine == GSS_ROUTINE_ERROR(major) &&
            ntlm_errno_meanings[i].minor == minor)
            return &ntlm_errno_meanings[i];
    return NULL;
}
