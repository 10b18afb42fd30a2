/*
 * export.c - ExportSecurityContext and ImportSecurityContextA/W over
 * gss_export_sec_context / gss_import_sec_context.
 *
 * The packed context is a small versioned header of ours, then the GSS
 * interprocess token.  The header carries what the context object needs
 * besides the GSS state, so that another process gets the same answers
 * from QueryContextAttributes:
 *
 *   offset  size  (integers big-endian)
 *   0       4     magic "GSXC"
 *   4       2     version (1)
 *   6       1     role: 0 acceptor, 1 initiator
 *   7       1     package asked for (enum package_id)
 *   8       1     token form (GSS_SSPI_FORM_*)
 *   9       1     flags: 1 = channel bindings were given
 *   10      2     0
 *   12      4     GSS flags granted
 *   16      4     ISC_REQ / ASC_REQ asked for
 *   20      4     ISC_RET / ASC_RET reported
 *   24      8     start (FILETIME units)
 *   32      8     expiry
 *   40      1+n   mechanism OID (DER contents)
 *   ..      1+n   peer name type OID (0: none)
 *   ..      2+n   peer name, UTF-8: the client (acceptor) or the target (initiator)
 *   ..      4+n   GSS interprocess token, to the end of the buffer
 *
 * Import checks every length against the buffer before reading, and the
 * GSS token's own mechanism prefix against the header: anything else is
 * SEC_E_INVALID_TOKEN.  gss_export_sec_context consumes the GSS context;
 * unless SECPKG_CONTEXT_EXPORT_DELETE_OLD, the token is imported back into
 * the old context, which stays usable.  SECPKG_CONTEXT_EXPORT_RESET_NEW
 * ("reset to its initial state") cannot be honoured: the GSS token carries
 * the live keys and sequence numbers and no mechanism rewinds them, and a
 * rewound context would be refused by the peer anyway; it is refused with
 * SEC_E_UNSUPPORTED_FUNCTION, as is SECPKG_CONTEXT_EXPORT_TO_KERNEL (not
 * supported on Windows either).  pToken (a Windows impersonation token
 * handle) is set to NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define EXPORT_MAGIC "GSXC"
#define EXPORT_VERSION 1
#define EXPORT_FLAG_BINDINGS 0x01
#define MAX_OID 32    /* the OIDs we speak are 6..10 bytes */
#define MAX_NAME 4096 /* a principal or DOMAIN\user */

/* The mechanisms a packed context may name, as our static OIDs. */
static gss_OID_desc *const known_mechs[] = {&oid_krb5, &oid_ms_krb5, &oid_ntlmssp};

/* ---- writing ------------------------------------------------------------------ */

struct writer {
    unsigned char *p;
};

static void put_bytes(struct writer *w, const void *v, size_t n)
{
    if (n > 0)
        memcpy(w->p, v, n);
    w->p += n;
}

static void put_be(struct writer *w, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        w->p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    w->p += n;
}

/* ---- reading: every length checked against what is left --------------------------- */

struct reader {
    const unsigned char *p;
    size_t left;
    bool bad;
};

static const unsigned char *take(struct reader *r, size_t n)
{
    if (r->bad || n > r->left) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint64_t get_be(struct reader *r, size_t n)
{
    const unsigned char *p = take(r, n);
    uint64_t v = 0;
    for (size_t i = 0; p != NULL && i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* A length-prefixed field of at most max bytes. */
static const unsigned char *get_field(struct reader *r, size_t prefix, size_t max, size_t *len)
{
    *len = (size_t)get_be(r, prefix);
    if (*len > max)
        r->bad = true;
    return take(r, *len);
}

/* ---- export ----------------------------------------------------------------------- */

/* The peer's name for the header: display form and name type. */
static void peer_name(const struct sspi_ctx *ctx, gss_buffer_desc *text, gss_OID *type)
{
    OM_uint32 minor;
    gss_name_t name = ctx->role == ROLE_ACCEPTOR ? ctx->peer : ctx->target;
    text->length = 0;
    text->value = NULL;
    *type = GSS_C_NO_OID;
    if (name == GSS_C_NO_NAME || GSS_ERROR(gss_display_name(&minor, name, text, type)) ||
        text->length > MAX_NAME || (*type != GSS_C_NO_OID && (*type)->length > MAX_OID)) {
        gss_release_buffer(&minor, text);
        *type = GSS_C_NO_OID;
    }
}

static SECURITY_STATUS pack(const struct sspi_ctx *ctx, const gss_buffer_desc *token,
                            PSecBuffer out)
{
    OM_uint32 minor;
    gss_buffer_desc name;
    gss_OID name_type;
    peer_name(ctx, &name, &name_type);
    size_t type_len = name_type ? name_type->length : 0;
    size_t total = 40 + 1 + ctx->mech->length + 1 + type_len + 2 + name.length + 4 + token->length;
    SECURITY_STATUS status = SEC_E_INSUFFICIENT_MEMORY;
    if (token->length > UINT32_MAX - total) {
        status = SEC_E_CANNOT_PACK;
        goto out;
    }
    unsigned char *blob = context_buffer_alloc(total);
    if (blob == NULL)
        goto out;
    struct writer w = {blob};
    put_bytes(&w, EXPORT_MAGIC, 4);
    put_be(&w, EXPORT_VERSION, 2);
    put_be(&w, ctx->role == ROLE_INITIATOR ? 1 : 0, 1);
    put_be(&w, ctx->pkg->id, 1);
    put_be(&w, ctx->token_form, 1);
    put_be(&w, ctx->bindings ? EXPORT_FLAG_BINDINGS : 0, 1);
    put_be(&w, 0, 2);
    put_be(&w, ctx->gss_flags, 4);
    put_be(&w, ctx->req, 4);
    put_be(&w, ctx->ret, 4);
    put_be(&w, (uint64_t)ctx->start.QuadPart, 8);
    put_be(&w, (uint64_t)ctx->expiry.QuadPart, 8);
    put_be(&w, ctx->mech->length, 1);
    put_bytes(&w, ctx->mech->elements, ctx->mech->length);
    put_be(&w, type_len, 1);
    put_bytes(&w, name_type ? name_type->elements : NULL, type_len);
    put_be(&w, name.length, 2);
    put_bytes(&w, name.value, name.length);
    put_be(&w, token->length, 4);
    put_bytes(&w, token->value, token->length);
    out->BufferType = SECBUFFER_EMPTY;
    out->cbBuffer = (ULONG)total;
    out->pvBuffer = blob;
    status = SEC_E_OK;
out:
    gss_release_buffer(&minor, &name);
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ExportSecurityContext(PCtxtHandle phContext, ULONG fFlags,
                                                            PSecBuffer pPackedContext,
                                                            void **pToken)
{
    OM_uint32 major = 0, minor = 0;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    SECURITY_STATUS status;
    const char *why = NULL;
    struct sspi_ctx *ctx = context_lookup(phContext);

    if (pToken != NULL)
        *pToken = NULL; /* no Windows access token here */
    if (ctx == NULL) {
        status = SEC_E_INVALID_HANDLE;
        why = "phContext is not a context handle";
    } else if (pPackedContext == NULL) {
        status = SEC_E_INVALID_PARAMETER;
        why = "pPackedContext is NULL";
    } else if (fFlags &
               ~(ULONG)(SECPKG_CONTEXT_EXPORT_RESET_NEW | SECPKG_CONTEXT_EXPORT_DELETE_OLD |
                        SECPKG_CONTEXT_EXPORT_TO_KERNEL)) {
        status = SEC_E_INVALID_PARAMETER;
        why = "unknown fFlags bits";
    } else if (fFlags & (SECPKG_CONTEXT_EXPORT_RESET_NEW | SECPKG_CONTEXT_EXPORT_TO_KERNEL)) {
        status = SEC_E_UNSUPPORTED_FUNCTION;
        why = fFlags & SECPKG_CONTEXT_EXPORT_TO_KERNEL
                  ? "SECPKG_CONTEXT_EXPORT_TO_KERNEL is not supported (nor on Windows)"
                  : "SECPKG_CONTEXT_EXPORT_RESET_NEW: GSS cannot rewind a context's keys and "
                    "sequence numbers";
    } else if (!ctx->established || ctx->gss == GSS_C_NO_CONTEXT) {
        status = SEC_E_INVALID_HANDLE;
        why = "only an established context can be exported";
    } else {
        status = SEC_E_OK;
    }
    if (status != SEC_E_OK)
        goto out;

    major = gss_export_sec_context(&minor, &ctx->gss, &token);
    if (GSS_ERROR(major)) {
        status = status_from_gss(major, minor, ctx->role, ctx->mech);
        if (GSS_ROUTINE_ERROR(major) == GSS_S_UNAVAILABLE)
            status = SEC_E_CANNOT_PACK;
        why = "gss_export_sec_context failed";
        goto out;
    }
    status = pack(ctx, &token, pPackedContext);
    if (!(fFlags & SECPKG_CONTEXT_EXPORT_DELETE_OLD)) {
        /* The export consumed the GSS context: the old one lives on from
         * the same token. */
        OM_uint32 major2, minor2;
        major2 = gss_import_sec_context(&minor2, &token, &ctx->gss);
        if (GSS_ERROR(major2) && status == SEC_E_OK) {
            FreeContextBuffer(pPackedContext->pvBuffer);
            pPackedContext->pvBuffer = NULL;
            pPackedContext->cbBuffer = 0;
            status = status_from_gss(major2, minor2, ctx->role, ctx->mech);
            major = major2;
            minor = minor2;
            why = "the old context could not be restored after export";
        }
    }
out:
    if (token.value != NULL)
        explicit_bzero(token.value, token.length); /* session keys */
    gss_release_buffer(&minor, &token);
    if (why != NULL)
        trace("ExportSecurityContext: %s", why);
    if (ctx != NULL && status != SEC_E_OK)
        context_record_error(ctx, "ExportSecurityContext", status, major, minor);
    if (ctx != NULL && status == SEC_E_OK && (fFlags & SECPKG_CONTEXT_EXPORT_DELETE_OLD))
        handle_release(HANDLE_CTX, phContext); /* freed by context_put below */
    context_put(ctx);
    trace("ExportSecurityContext(flags=0x%x) = %s, %u bytes", (unsigned)fFlags, status_name(status),
          status == SEC_E_OK ? (unsigned)pPackedContext->cbBuffer : 0u);
    return status;
}

/* ---- import ----------------------------------------------------------------------- */

struct packed {
    unsigned role, package, form, flags;
    uint32_t gss_flags, req, ret;
    int64_t start, expiry;
    gss_OID mech;
    gss_OID_desc name_type;
    gss_buffer_desc name, token;
};


/* The token's OID is mech, or an interposer's prefix followed by mech. */
static bool oid_tail_is(const unsigned char *oid, size_t len, const gss_OID_desc *mech)
{
    return len >= mech->length &&
           memcmp(oid + len - mech->length, mech->elements, mech->length) == 0;
}

static SECURITY_STATUS parse(const SecBuffer *in, struct packed *out, const char **why)
{
    struct reader r = {in->pvBuffer, in->cbBuffer, false};
    size_t len;
    const unsigned char *magic = take(&r, 4);
    if (magic == NULL || memcmp(magic, EXPORT_MAGIC, 4) != 0) {
        *why = "not a context packed by gss-sspi";
        return SEC_E_INVALID_TOKEN;
    }
    if (get_be(&r, 2) != EXPORT_VERSION) {
        *why = "packed by another version of gss-sspi";
        return SEC_E_INVALID_TOKEN;
    }
    out->role = (unsigned)get_be(&r, 1);
    out->package = (unsigned)get_be(&r, 1);
    out->form = (unsigned)get_be(&r, 1);
    out->flags = (unsigned)get_be(&r, 1);
    uint64_t zero = get_be(&r, 2);
    out->gss_flags = (uint32_t)get_be(&r, 4);
    out->req = (uint32_t)get_be(&r, 4);
    out->ret = (uint32_t)get_be(&r, 4);
    out->start = (int64_t)get_be(&r, 8);
    out->expiry = (int64_t)get_be(&r, 8);
    const unsigned char *mech = get_field(&r, 1, MAX_OID, &len);
    out->mech = GSS_C_NO_OID;
    for (size_t i = 0; mech != NULL && i < sizeof(known_mechs) / sizeof(known_mechs[0]); i++)
        if (known_mechs[i]->length == len && memcmp(known_mechs[i]->elements, mech, len) == 0)
            out->mech = known_mechs[i];
    out->name_type.elements = (void *)get_field(&r, 1, MAX_OID, &len);
    out->name_type.length = (OM_uint32)len;
    out->name.value = (void *)get_field(&r, 2, MAX_NAME, &out->name.length);
    out->token.value = (void *)get_field(&r, 4, SIZE_MAX, &out->token.length);
    if (r.bad || r.left != 0) {
        *why = "a length runs past the packed buffer, or bytes follow the GSS token";
        return SEC_E_INVALID_TOKEN;
    }
    if (out->role > 1 || out->package >= PACKAGE_COUNT || out->form > GSS_SSPI_FORM_SPNEGO ||
        (out->flags & ~EXPORT_FLAG_BINDINGS) != 0 || zero != 0 || out->mech == GSS_C_NO_OID) {
        *why = "a header field holds a value gss-sspi never writes";
        return SEC_E_INVALID_TOKEN;
    }
    /* The GSS interprocess token names its mechanism first (4-byte length,
     * OID): the header's, or SPNEGO's for a Negotiate context. */
    struct reader t = {out->token.value, out->token.length, false};
    const unsigned char *tmech = get_field(&t, 4, MAX_OID, &len);
    /* Under an MIT interposer (gss-sspi-negotiate) the OID is the
     * interposer's followed by the mechanism's: the mechglue routes that
     * "special" OID to the real mechanism on import. */
    bool same = tmech != NULL && oid_tail_is(tmech, len, out->mech);
    if (!same && tmech != NULL && oid_tail_is(tmech, len, &oid_spnego)) {
        /* SPNEGO's token carries the negotiated mechanism's, OID first: it
         * must be the header's too, or the context would be driven as the
         * wrong mechanism (a Kerberos header over an NTLM context crashed
         * gss-ntlmssp in QueryContextAttributes; found fuzzing, kept in
         * tests/fuzz/regressions/import_context). */
        const unsigned char *inner = get_field(&t, 4, MAX_OID, &len);
        same = inner != NULL &&
               (oid_tail_is(inner, len, out->mech) ||
                (out->mech != &oid_ntlmssp && /* Kerberos, either OID */
                 (oid_tail_is(inner, len, &oid_krb5) || oid_tail_is(inner, len, &oid_ms_krb5))));
    }
    if (!same || t.left == 0) {
        *why = "the GSS token does not belong to the packed mechanism";
        return SEC_E_INVALID_TOKEN;
    }
    return SEC_E_OK;
}

/* A credential stand-in: an imported context has none, but the context
 * object holds one (package, no GSS elements). */
static struct sspi_cred *placeholder_cred(const struct package *pkg)
{
    struct sspi_cred *cred = calloc(1, sizeof(*cred));
    if (cred == NULL)
        return NULL;
    atomic_init(&cred->refs, 1);
    cred->pkg = pkg;
    cred->initiator = GSS_C_NO_CREDENTIAL;
    cred->acceptor = GSS_C_NO_CREDENTIAL;
    return cred;
}

/* The peer as a GSS name: an acceptor asks the imported context (a
 * mechanism name, with its attributes); else the packed display form. */
static void restore_peer(struct sspi_ctx *ctx, const struct packed *pk)
{
    OM_uint32 major = GSS_S_FAILURE, minor;
    gss_name_t *slot = ctx->role == ROLE_ACCEPTOR ? &ctx->peer : &ctx->target;
    if (ctx->role == ROLE_ACCEPTOR)
        major = gss_inquire_context(&minor, ctx->gss, slot, NULL, NULL, NULL, NULL, NULL, NULL);
    if (!GSS_ERROR(major) || pk->name.length == 0)
        return;
    gss_OID_desc type = pk->name_type;
    gss_import_name(&minor, (gss_buffer_t)&pk->name, type.length ? &type : GSS_C_NO_OID, slot);
}

static SECURITY_STATUS import(const char *fn, const char *package, PSecBuffer pPackedContext,
                              void *Token, PCtxtHandle phContext)
{
    OM_uint32 major = 0, minor = 0;
    struct packed pk = {0};
    struct sspi_ctx *ctx = NULL;
    struct sspi_cred *cred = NULL;
    const char *why = NULL;
    SECURITY_STATUS status;
    const struct package *pkg = package_find(package);

    if (pkg == NULL) {
        status = SEC_E_SECPKG_NOT_FOUND;
        why = "unknown package";
    } else if (phContext == NULL) {
        status = SEC_E_INVALID_PARAMETER;
        why = "phContext is NULL";
    } else if (pPackedContext == NULL || pPackedContext->pvBuffer == NULL) {
        status = SEC_E_INVALID_TOKEN;
        why = "no packed context";
    } else {
        status = parse(pPackedContext, &pk, &why);
    }
    if (status == SEC_E_OK && pk.package != pkg->id) {
        status = SEC_E_INVALID_TOKEN;
        why = "the context was packed by another package";
    }
    if (status != SEC_E_OK)
        goto out;
    if (Token != NULL)
        trace("%s: Token (a Windows access token) is ignored", fn);
    cred = placeholder_cred(pkg);
    ctx = cred ? context_new(pk.role ? ROLE_INITIATOR : ROLE_ACCEPTOR, cred) : NULL;
    cred_unref(cred); /* the context holds its own reference */
    if (ctx == NULL) {
        status = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    ctx->mech = pk.mech;
    ctx->token_form = pk.form;
    ctx->gss_flags = pk.gss_flags;
    ctx->req = pk.req;
    ctx->ret = pk.ret;
    ctx->start.QuadPart = pk.start;
    ctx->expiry.QuadPart = pk.expiry;
    if ((pk.flags & EXPORT_FLAG_BINDINGS) &&
        (ctx->bindings = calloc(1, sizeof(*ctx->bindings))) == NULL) {
        status = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    major = gss_import_sec_context(&minor, &pk.token, &ctx->gss);
    if (GSS_ERROR(major)) {
        status = status_from_gss(major, minor, ctx->role, ctx->mech);
        if (status == SEC_E_INTERNAL_ERROR || GSS_ROUTINE_ERROR(major) == GSS_S_DEFECTIVE_TOKEN)
            status = SEC_E_INVALID_TOKEN;
        why = "gss_import_sec_context refused the token";
        goto out;
    }
    ctx->established = true;
    restore_peer(ctx, &pk);
    status = context_publish(ctx, phContext);
out:
    if (why != NULL) {
        char *text = major ? status_gss_text(major, minor, pk.mech) : NULL;
        trace("%s: %s%s%s", fn, why, text ? ": " : "", text ? text : "");
        free(text);
    }
    context_put(ctx); /* frees it unless it was published */
    trace("%s(%s, %u bytes) = %s", fn, package ? package : "(null)",
          pPackedContext ? (unsigned)pPackedContext->cbBuffer : 0u, status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ImportSecurityContextA(SEC_CHAR *pszPackage,
                                                             PSecBuffer pPackedContext, void *Token,
                                                             PCtxtHandle phContext)
{
    return import("ImportSecurityContextA", pszPackage, pPackedContext, Token, phContext);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(SEC_WCHAR *pszPackage,
                                                             PSecBuffer pPackedContext, void *Token,
                                                             PCtxtHandle phContext)
{
    char *package = pszPackage ? utf16_to_utf8(pszPackage, utf16_len(pszPackage)) : NULL;
    SECURITY_STATUS status =
        import("ImportSecurityContextW", package, pPackedContext, Token, phContext);
    free(package);
    return status;
}
