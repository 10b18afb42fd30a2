/*
 * acceptor_policy.c - the acceptor policy of a credential
 * (GssSspiSetCredentialsPolicy) with the call's fContextReq: channel-binding
 * Require (unless ASC_REQ_ALLOW_MISSING_BINDINGS) and the strict requested
 * flags, checked once GSS said COMPLETE.
 *
 * With gss-sspi-negotiate loaded, its audit line would otherwise say
 * result=success for a client refused here.  So each step's requirements
 * are handed to the module (ACCEPTOR_REQUIREMENTS, gss-sspi-mech.h) around
 * the gss_accept_sec_context call; the module refuses and audits the
 * failure itself, and its refusal comes back here, through the minor-code
 * recovery, as the same SEC code and trace as our own check gives.  A step
 * that requires nothing costs nothing more.
 */
#include "gss-sspi-mech.h"
#include "internal.h"

#define CB_REQUIRED_TRACE "AcceptSecurityContext: channel bindings required, client's were not verified"

/* The request bits the strict policy insists on, with the GSS flag each needs. */
static const struct {
    ULONG asc_req;
    OM_uint32 gss;
} strict_bits[] = {
    {ASC_REQ_INTEGRITY, GSS_C_INTEG_FLAG},    {ASC_REQ_CONFIDENTIALITY, GSS_C_CONF_FLAG},
    {ASC_REQ_REPLAY_DETECT, GSS_C_REPLAY_FLAG}, {ASC_REQ_SEQUENCE_DETECT, GSS_C_SEQUENCE_FLAG},
    {ASC_REQ_MUTUAL_AUTH, GSS_C_MUTUAL_FLAG},
};
#define STRICT_BITS (sizeof(strict_bits) / sizeof(strict_bits[0]))

static bool bindings_required(const struct sspi_ctx *ctx)
{
    return ctx->policy.ChannelBindings == GSS_SSPI_CB_POLICY_REQUIRE &&
           !(ctx->req & ASC_REQ_ALLOW_MISSING_BINDINGS);
}

/* The GSS flags the strict policy requires of this call's context. */
static OM_uint32 required_flags(const struct sspi_ctx *ctx)
{
    OM_uint32 flags = 0;
    if (ctx->policy.StrictRequestedFlags)
        for (size_t i = 0; i < STRICT_BITS; i++)
            if (ctx->req & strict_bits[i].asc_req)
                flags |= strict_bits[i].gss;
    return flags;
}

static OM_uint32 module_requirements(gss_buffer_t value)
{
    static gss_OID_desc oid = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN,
                               GSS_SSPI_NEGOTIATE_OID_ACCEPTOR_REQUIREMENTS_DER};
    OM_uint32 minor;
    return gssspi_mech_invoke(&minor, &oid_spnego, &oid, value);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

bool acceptor_policy_hand_over(const struct sspi_ctx *ctx)
{
    bool cb = bindings_required(ctx);
    OM_uint32 flags = required_flags(ctx);
    if ((!cb && flags == 0) || !module_present())
        return false;
    unsigned char v[GSS_SSPI_NEG_ACCEPTOR_REQUIREMENTS_LEN];
    gss_buffer_desc value = {sizeof(v), v};
    put_le32(v, cb ? GSS_SSPI_NEG_CB_POLICY_REQUIRE : GSS_SSPI_NEG_CB_POLICY_NONE);
    put_le32(v + 4, flags);
    if (GSS_ERROR(module_requirements(&value))) {
        /* An older module: our own check after COMPLETE still refuses. */
        trace("AcceptSecurityContext: gss-sspi-negotiate takes no acceptor requirements; its "
              "audit line may say success for a context refused here");
        return false;
    }
    return true;
}

void acceptor_policy_take_back(void)
{
    gss_buffer_desc empty = GSS_C_EMPTY_BUFFER;
    (void)module_requirements(&empty);
}

static void trace_strict(const char *what, ULONG asc_req)
{
    char req[160];
    trace("AcceptSecurityContext: strict policy: %s requested, %s",
          flags_describe(FLAGS_ASC_REQ, asc_req, req, sizeof(req)), what);
}

SECURITY_STATUS acceptor_policy_module_refusal(const struct sspi_ctx *ctx, OM_uint32 major,
                                               OM_uint32 minor, SECURITY_STATUS status)
{
    switch (status_mech_minor(major, minor)) {
    case GSS_SSPI_NEG_ERR_CALLER_CB_REQUIRED:
        trace(CB_REQUIRED_TRACE);
        return SEC_E_BAD_BINDINGS;
    case GSS_SSPI_NEG_ERR_CALLER_FLAGS: {
        /* The module names no bit: the requested ones, one of them missing. */
        ULONG asked = 0;
        for (size_t i = 0; i < STRICT_BITS; i++)
            asked |= ctx->req & strict_bits[i].asc_req;
        trace_strict("not all granted (refused by gss-sspi-negotiate)", asked);
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    default:
        return status;
    }
}

SECURITY_STATUS acceptor_policy_check(const struct sspi_ctx *ctx)
{
    if (bindings_required(ctx) && !(ctx->gss_flags & GSS_C_CHANNEL_BOUND_FLAG)) {
        trace(CB_REQUIRED_TRACE);
        return SEC_E_BAD_BINDINGS;
    }
    OM_uint32 missing = required_flags(ctx) & ~ctx->gss_flags;
    for (size_t i = 0; missing != 0 && i < STRICT_BITS; i++)
        if (missing & strict_bits[i].gss) {
            trace_strict("not granted", strict_bits[i].asc_req);
            return SEC_E_UNSUPPORTED_FUNCTION;
        }
    return SEC_E_OK;
}
