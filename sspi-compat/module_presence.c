/*
 * module_presence.c - whether gss-sspi-negotiate is loaded in this process.
 * With it, the module applies the token-compatibility layer itself and
 * publishes the mechanism's own minor code of the last failure; without it
 * the library does both itself.  The mechglue reads its configuration once
 * per process, so the answer is asked once.
 */
#include <pthread.h>

#include "gss-sspi-mech.h"
#include "internal.h"

static bool loaded;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void probe(void)
{
    static gss_OID_desc policy_status = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN,
                                         GSS_SSPI_NEGOTIATE_OID_POLICY_STATUS_DER};
    OM_uint32 minor, tmp;
    gss_buffer_desc value = GSS_C_EMPTY_BUFFER;
    loaded = !GSS_ERROR(gssspi_mech_invoke(&minor, &oid_spnego, &policy_status, &value));
    gss_release_buffer(&tmp, &value);
}

bool module_present(void)
{
    pthread_once(&probe_once, probe);
    return loaded;
}
