/*
 * granted_flags.h - the GSS flags a mechanism grants in fact, where it
 * reports fewer than it enforces.  The library reports them as ASC_RET/ISC_RET
 * bits and the module judges a caller's required flags by the same answer.
 */
#ifndef GSS_SSPI_COMMON_GRANTED_FLAGS_H
#define GSS_SSPI_COMMON_GRANTED_FLAGS_H

#include <gssapi/gssapi.h>

/* The client's channel bindings matched the acceptor's (MIT >= 1.19; older
 * headers lack the name, and then no context ever has the bit). */
#ifndef GSS_C_CHANNEL_BOUND_FLAG
#define GSS_C_CHANNEL_BOUND_FLAG 0x800
#endif

OM_uint32 flags_mech_granted(gss_const_OID mech, OM_uint32 gss);

#endif
