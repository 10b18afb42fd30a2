/*
 * attributes.c - QueryContextAttributesA/W: one handler per attribute, in a
 * table.  Strings and keys handed out are context buffers (FreeContextBuffer);
 * the A flavour returns UTF-8, the W flavour UTF-16.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef SECURITY_STATUS (*attr_handler)(struct sspi_ctx *ctx, void *buf, bool wide);

/* A UTF-8 string as a context buffer, char or SEC_WCHAR. */
static SECURITY_STATUS attr_string(const char *s, bool wide, void **out)
{
    if (s == NULL)
        s = "";
    if (wide) {
        size_t units;
        SEC_WCHAR *w = utf8_to_utf16(s, &units), *copy = NULL;
        if (w != NULL && (copy = context_buffer_alloc((units + 1) * sizeof(SEC_WCHAR))) != NULL)
            memcpy(copy, w, (units + 1) * sizeof(SEC_WCHAR));
        free(w);
        *out = copy;
    } else {
        size_t len = strlen(s) + 1;
        char *copy = context_buffer_alloc(len);
        if (copy != NULL)
            memcpy(copy, s, len);
        *out = copy;
    }
    return *out ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

/* The names of both ends.  The acceptor knows its client from
 * gss_accept_sec_context and the initiator its target from the caller; GSS
 * is asked only for the rest, and never for an NTLM acceptor's target name
 * (gss-ntlmssp 1.2 crashes on that query: it has none). */
static SECURITY_STATUS context_names(struct sspi_ctx *ctx, char **client, char **server)
{
    OM_uint32 major = GSS_S_COMPLETE, minor = 0;
    gss_name_t other = GSS_C_NO_NAME;
    bool ntlm = oid_equal(ctx->mech, &oid_ntlmssp);
    *client = *server = NULL;
    if (ctx->role == ROLE_ACCEPTOR) {
        if (!ntlm)
            major = gss_inquire_context(&minor, ctx->gss, NULL, &other, NULL, NULL, NULL, NULL,
                                        NULL);
        *client = name_to_string(ctx->peer);
        *server = name_to_string(other);
    } else {
        major = gss_inquire_context(&minor, ctx->gss, &other, NULL, NULL, NULL, NULL, NULL, NULL);
        *client = name_to_string(other);
        *server = name_to_string(ctx->target);
    }
    gss_release_name(&minor, &other);
    if (GSS_ERROR(major)) {
        free(*client);
        free(*server);
        *client = *server = NULL;
        context_record_error(ctx, "QueryContextAttributes", SEC_E_INTERNAL_ERROR, major, minor);
        return status_from_gss(major, minor, ctx->role, ctx->mech);
    }
    return SEC_E_OK;
}

static SECURITY_STATUS attr_names(struct sspi_ctx *ctx, void *buf, bool wide)
{
    char *client, *server;
    SECURITY_STATUS status = context_names(ctx, &client, &server);
    if (status == SEC_E_OK)
        status = attr_string(client, wide, (void **)&((PSecPkgContext_NamesA)buf)->sUserName);
    free(client);
    free(server);
    return status;
}

static SECURITY_STATUS attr_native_names(struct sspi_ctx *ctx, void *buf, bool wide)
{
    PSecPkgContext_NativeNamesA names = buf;
    char *client, *server;
    SECURITY_STATUS status = context_names(ctx, &client, &server);
    if (status == SEC_E_OK)
        status = attr_string(client, wide, (void **)&names->sClientName);
    if (status == SEC_E_OK) {
        status = attr_string(server, wide, (void **)&names->sServerName);
        if (status != SEC_E_OK)
            FreeContextBuffer(names->sClientName);
    }
    free(client);
    free(server);
    return status;
}

static SECURITY_STATUS package_info(const struct package *pkg, bool wide, void **out)
{
    return wide ? package_info_w(pkg, (PSecPkgInfoW *)out) : package_info_a(pkg, (PSecPkgInfoA *)out);
}

static SECURITY_STATUS attr_package_info(struct sspi_ctx *ctx, void *buf, bool wide)
{
    return package_info(ctx->pkg, wide, (void **)&((PSecPkgContext_PackageInfoA)buf)->PackageInfo);
}

/* The package actually used: Kerberos or NTLM once known. */
static const struct package *used_package(const struct sspi_ctx *ctx)
{
    const struct package *used = package_for_mech(ctx->mech);
    return used ? used : ctx->pkg;
}

static SECURITY_STATUS attr_negotiation_info(struct sspi_ctx *ctx, void *buf, bool wide)
{
    PSecPkgContext_NegotiationInfoA info = buf;
    info->NegotiationState =
        ctx->established ? SECPKG_NEGOTIATION_COMPLETE : SECPKG_NEGOTIATION_IN_PROGRESS;
    return package_info(used_package(ctx), wide, (void **)&info->PackageInfo);
}

static SECURITY_STATUS attr_flags(struct sspi_ctx *ctx, void *buf, bool wide)
{
    ((PSecPkgContext_Flags)buf)->Flags = ctx->ret;
    return SEC_E_OK;
}

static SECURITY_STATUS attr_lifespan(struct sspi_ctx *ctx, void *buf, bool wide)
{
    PSecPkgContext_Lifespan life = buf;
    life->tsStart = ctx->start;
    life->tsExpiry = ctx->expiry;
    return SEC_E_OK;
}

static SECURITY_STATUS attr_session_key(struct sspi_ctx *ctx, void *buf, bool wide)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    PSecPkgContext_SessionKey key = buf;
    major = gss_inquire_sec_context_by_oid(&minor, ctx->gss, GSS_C_INQ_SSPI_SESSION_KEY, &set);
    if (GSS_ERROR(major) || set == GSS_C_NO_BUFFER_SET || set->count < 1 ||
        set->elements[0].length == 0) {
        context_record_error(ctx, "QueryContextAttributes(SESSION_KEY)", SEC_E_UNSUPPORTED_FUNCTION,
                             major, minor);
        gss_release_buffer_set(&minor, &set);
        return GSS_ERROR(major) ? status_from_gss(major, minor, ctx->role, ctx->mech)
                                : SEC_E_UNSUPPORTED_FUNCTION;
    }
    key->SessionKey = context_buffer_alloc(set->elements[0].length);
    if (key->SessionKey != NULL) {
        memcpy(key->SessionKey, set->elements[0].value, set->elements[0].length);
        key->SessionKeyLength = (ULONG)set->elements[0].length;
    }
    explicit_bzero(set->elements[0].value, set->elements[0].length);
    gss_release_buffer_set(&minor, &set);
    return key->SessionKey ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

/* Computed from the mechanism and key of this context (messages.c). */
static SECURITY_STATUS attr_sizes(struct sspi_ctx *ctx, void *buf, bool wide)
{
    struct message_sizes sizes;
    PSecPkgContext_Sizes out = buf;
    SECURITY_STATUS status = message_sizes(ctx, &sizes);
    if (status != SEC_E_OK)
        return status;
    out->cbMaxToken = package_max_token(ctx->pkg);
    out->cbMaxSignature = sizes.max_signature;
    out->cbBlockSize = sizes.block_size;
    out->cbSecurityTrailer = sizes.security_trailer;
    return SEC_E_OK;
}

/* The STREAM_HEADER + DATA + STREAM_TRAILER layout of EncryptMessage; a
 * whole token is what DecryptMessage takes as SECBUFFER_STREAM. */
static SECURITY_STATUS attr_stream_sizes(struct sspi_ctx *ctx, void *buf, bool wide)
{
    struct message_sizes sizes;
    PSecPkgContext_StreamSizes out = buf;
    SECURITY_STATUS status = message_sizes(ctx, &sizes);
    if (status != SEC_E_OK)
        return status;
    out->cbHeader = sizes.stream_header;
    out->cbTrailer = sizes.stream_trailer;
    out->cbMaximumMessage = sizes.max_message;
    out->cBuffers = 3;
    out->cbBlockSize = sizes.block_size;
    return SEC_E_OK;
}

static SECURITY_STATUS attr_last_error(struct sspi_ctx *ctx, void *buf, bool wide)
{
    PSecPkgContext_GssLastError err = buf;
    err->Status = ctx->last_status;
    err->GssMajor = ctx->last_major;
    err->GssMinor = ctx->last_minor;
    err->Text = NULL;
    if (ctx->last_status == SEC_E_OK)
        return SEC_E_OK;
    /* Always UTF-8: the extension has one layout. */
    return attr_string(ctx->last_text ? ctx->last_text : status_name(ctx->last_status), false,
                       (void **)&err->Text);
}

static SECURITY_STATUS attr_channel_bindings(struct sspi_ctx *ctx, void *buf, bool wide)
{
    PSecPkgContext_GssChannelBindings cb = buf;
    /* MIT krb5 and gss-ntlmssp set the bound flag only when the client's
     * bindings were checked and matched, and fail a mismatch: so a finished
     * acceptor context that had bindings and no flag met a client that sent
     * none.  Under policy None GSS never saw our bindings: nothing is known. */
    bool checked = ctx->role == ROLE_ACCEPTOR && ctx->established &&
                   ctx->policy.ChannelBindings != GSS_SSPI_CB_POLICY_NONE;
    if (ctx->bindings == NULL)
        cb->State = GSS_SSPI_CB_NONE;
    else if (ctx->gss_flags & GSS_C_CHANNEL_BOUND_FLAG)
        cb->State = GSS_SSPI_CB_MATCHED;
    else
        cb->State = checked ? GSS_SSPI_CB_ABSENT : GSS_SSPI_CB_UNKNOWN;
    return SEC_E_OK;
}

static SECURITY_STATUS attr_mech(struct sspi_ctx *ctx, void *buf, bool wide)
{
    static const struct {
        const gss_OID_desc *oid;
        const char *dotted;
    } names[] = {
        {&oid_krb5, "1.2.840.113554.1.2.2"},
        {&oid_ms_krb5, "1.2.840.48018.1.2.2"},
        {&oid_ntlmssp, "1.3.6.1.4.1.311.2.2.10"},
        {&oid_spnego, "1.3.6.1.5.5.2"},
    };
    PSecPkgContext_GssMech m = buf;
    m->PackageName = (SEC_CHAR *)used_package(ctx)->name;
    m->MechOid = (SEC_CHAR *)"";
    m->TokenForm = ctx->token_form;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (oid_equal(ctx->mech, names[i].oid))
            m->MechOid = (SEC_CHAR *)names[i].dotted;
    return SEC_E_OK;
}

static const struct {
    ULONG attribute;
    const char *name;
    attr_handler handler;
    bool needs_gss; /* needs a GSS context (at least one step done) */
} attributes[] = {
    {SECPKG_ATTR_SIZES, "SIZES", attr_sizes, true},
    {SECPKG_ATTR_STREAM_SIZES, "STREAM_SIZES", attr_stream_sizes, true},
    {SECPKG_ATTR_NAMES, "NAMES", attr_names, true},
    {SECPKG_ATTR_NATIVE_NAMES, "NATIVE_NAMES", attr_native_names, true},
    {SECPKG_ATTR_LIFESPAN, "LIFESPAN", attr_lifespan, false},
    {SECPKG_ATTR_SESSION_KEY, "SESSION_KEY", attr_session_key, true},
    {SECPKG_ATTR_PACKAGE_INFO, "PACKAGE_INFO", attr_package_info, false},
    {SECPKG_ATTR_NEGOTIATION_INFO, "NEGOTIATION_INFO", attr_negotiation_info, false},
    {SECPKG_ATTR_FLAGS, "FLAGS", attr_flags, false},
    {SECPKG_ATTR_GSS_LAST_ERROR, "GSS_LAST_ERROR", attr_last_error, false},
    {SECPKG_ATTR_GSS_CHANNEL_BINDINGS, "GSS_CHANNEL_BINDINGS", attr_channel_bindings, false},
    {SECPKG_ATTR_GSS_MECH, "GSS_MECH", attr_mech, false},
};

static SECURITY_STATUS query(const char *fn, PCtxtHandle phContext, ULONG attribute, void *buf,
                             bool wide)
{
    SECURITY_STATUS status = SEC_E_UNSUPPORTED_FUNCTION;
    const char *name = "(unsupported)";
    struct sspi_ctx *ctx = context_lookup(phContext);
    if (ctx == NULL) {
        status = SEC_E_INVALID_HANDLE;
    } else if (buf == NULL) {
        status = SEC_E_INVALID_PARAMETER;
    } else {
        for (size_t i = 0; i < sizeof(attributes) / sizeof(attributes[0]); i++) {
            if (attributes[i].attribute != attribute)
                continue;
            name = attributes[i].name;
            if (attributes[i].needs_gss && ctx->gss == GSS_C_NO_CONTEXT)
                status = SEC_E_INVALID_HANDLE; /* nothing negotiated yet */
            else
                status = attributes[i].handler(ctx, buf, wide);
            break;
        }
    }
    context_put(ctx);
    trace("%s(%s=%u) = %s", fn, name, (unsigned)attribute, status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext,
                                                              ULONG ulAttribute, void *pBuffer)
{
    return query("QueryContextAttributesA", phContext, ulAttribute, pBuffer, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(PCtxtHandle phContext,
                                                              ULONG ulAttribute, void *pBuffer)
{
    return query("QueryContextAttributesW", phContext, ulAttribute, pBuffer, true);
}
