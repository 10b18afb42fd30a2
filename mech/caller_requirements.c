/*
 * caller_requirements.c - the application's own acceptor policy
 * (GSS_SSPI_NEGOTIATE_OID_ACCEPTOR_REQUIREMENTS), for the accepts its thread
 * makes until it clears it.  libgss-sspi hands over what
 * GssSspiSetCredentialsPolicy and fContextReq require, so that a context the
 * library would refuse after our success is refused here, and the audit
 * line says what the server decided (result=failure, cb_policy=...(caller))
 * instead of a success for a refused client.
 *
 * Per thread and per call, not per credential: fContextReq changes from call
 * to call (ASC_REQ_ALLOW_MISSING_BINDINGS, the requested security bits), and a
 * credential is shared by threads.  An application that hands nothing over
 * pays one thread-local read per accept.
 */
#include <errno.h>

#include "mech_internal.h"
#include "thread_state.h"

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

OM_uint32 caller_requirements_set(OM_uint32 *minor, const gss_buffer_t value)
{
    struct caller_requirements *req = &thread_state()->caller;
    *minor = 0;
    if (value == GSS_C_NO_BUFFER || value->length == 0) {
        req->set = false;
        return GSS_S_COMPLETE;
    }
    if (value->length != GSS_SSPI_NEG_ACCEPTOR_REQUIREMENTS_LEN || value->value == NULL) {
        *minor = EINVAL;
        return GSS_S_FAILURE;
    }
    uint32_t cb = le32(value->value);
    if (cb != GSS_SSPI_NEG_CB_POLICY_NONE && cb != GSS_SSPI_NEG_CB_POLICY_REQUIRE) {
        *minor = EINVAL;
        return GSS_S_FAILURE;
    }
    /* enum cb_mode has the values of GSS_SSPI_NEG_CB_POLICY_*. */
    req->cb = (enum cb_mode)cb;
    req->flags = le32((const unsigned char *)value->value + 4);
    req->set = true;
    return GSS_S_COMPLETE;
}

enum cb_mode caller_cb_mode(const struct policy *policy)
{
    const struct caller_requirements *req = &thread_state()->caller;
    if (req->set && req->cb > policy->channel_bindings)
        return req->cb;
    return policy->channel_bindings;
}

OM_uint32 caller_requirements_check(const struct ictx *ctx, OM_uint32 flags, OM_uint32 *major)
{
    const struct caller_requirements *req = &thread_state()->caller;
    if (!req->set)
        return 0;
    if (req->cb == CB_REQUIRE && ctx->cb_state != GSS_SSPI_NEG_CB_MATCHED) {
        *major = GSS_S_BAD_BINDINGS;
        return GSS_SSPI_NEG_ERR_CALLER_CB_REQUIRED;
    }
    if (req->flags & ~flags_mech_granted(ctx->actual_mech, flags)) {
        *major = GSS_S_UNAVAILABLE;
        return GSS_SSPI_NEG_ERR_CALLER_FLAGS;
    }
    return 0;
}

void caller_requirements_audit(const struct policy *policy, struct audit_record *rec)
{
    const struct caller_requirements *req = &thread_state()->caller;
    if (!req->set)
        return;
    if (req->cb == CB_REQUIRE)
        rec->cb_policy = policy->channel_bindings == CB_REQUIRE ? "require(module,caller)"
                                                                : "require(caller)";
    rec->required_flags = req->flags;
}
