/* granted_flags.c - see granted_flags.h. */
#include "granted_flags.h"
#include "oids.h"

#ifndef GSS_C_DATAGRAM_FLAG
#define GSS_C_DATAGRAM_FLAG 0x10000 /* gss-ntlmssp */
#endif

/* NTLM numbers its signatures (MS-NLMP 3.4.4): on a connection, gss-ntlmssp
 * (1.2.0, gss_signseal.c / ntlm_crypto.c) signs with its own send counter and
 * verifies against its own receive counter, so a replayed or reordered
 * signature or sealed message fails (GSS_S_BAD_SIG), yet it reports neither
 * GSS_C_REPLAY_FLAG nor GSS_C_SEQUENCE_FLAG.  Windows NTLM reports
 * REPLAY_DETECT and SEQUENCE_DETECT whenever signing was negotiated.  A
 * datagram context takes the application's numbers: nothing is counted. */
OM_uint32 flags_mech_granted(gss_const_OID mech, OM_uint32 gss)
{
    if (mech != GSS_C_NO_OID && oid_equal(mech, &oid_ntlmssp) && (gss & GSS_C_INTEG_FLAG) &&
        !(gss & GSS_C_DATAGRAM_FLAG))
        gss |= GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
    return gss;
}
