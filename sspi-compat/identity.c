/*
 * identity.c - the token of QuerySecurityContextToken (DESIGN section 7):
 * who the client of an established acceptor context is.  Its principal, the
 * local account GSS maps it to (gss_localname: krb5's auth_to_local rules,
 * gss-ntlmssp's passwd lookup) with uid, gid and groups from the system,
 * and, for Kerberos tickets from a Windows KDC, the SIDs of the PAC's logon
 * info (MIT exposes it as the name attribute urn:mspac:logon-info).
 *
 * A token is a snapshot, immutable once published, behind a validated
 * handle of kind HANDLE_TOKEN handed out as one word (HANDLE).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PW_BUFFER_MAX (1u << 20)
#define GROUPS_MAX 65536u /* the kernel's NGROUPS_MAX */

struct sspi_token {
    char *principal;
    char *local_name; /* NULL: GSS maps the client to no name */
    bool has_account;
    struct local_account account;
    bool has_sids;
    char *user_sid, *primary_group_sid;
    char **group_sids;
    size_t n_group_sids;
};

/* ---- the acceptor context --------------------------------------------------- */

struct sspi_ctx *identity_acceptor_context(const CtxtHandle *h, const char **why)
{
    struct sspi_ctx *ctx = context_lookup(h);
    *why = NULL;
    if (ctx == NULL)
        *why = "not a context handle";
    else if (ctx->role != ROLE_ACCEPTOR)
        *why = "an initiator context: only an acceptor knows its client";
    else if (!ctx->established || ctx->peer == GSS_C_NO_NAME)
        *why = "the context is not established";
    if (*why == NULL)
        return ctx;
    context_put(ctx);
    return NULL;
}

/* ---- the local account ------------------------------------------------------- */

void local_account_clear(struct local_account *account)
{
    free(account->name);
    free(account->groups);
    memset(account, 0, sizeof(*account));
}

/* gss_localname's answer as a string.  gss-ntlmssp counts the NUL in the
 * length, krb5 does not; anything after a NUL is refused. */
static char *mapped_name(struct sspi_ctx *ctx, OM_uint32 *major, OM_uint32 *minor)
{
    gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
    OM_uint32 ignored;
    char *name = NULL;
    *major = gss_localname(minor, ctx->peer, ctx->mech, &buf);
    if (GSS_ERROR(*major) || buf.value == NULL || buf.length == 0) {
        gss_release_buffer(&ignored, &buf);
        return NULL;
    }
    size_t len = strnlen(buf.value, buf.length);
    bool only_nuls = true;
    for (size_t i = len; i < buf.length; i++)
        only_nuls = only_nuls && ((const char *)buf.value)[i] == '\0';
    if (len > 0 && only_nuls)
        name = strndup(buf.value, len);
    gss_release_buffer(&ignored, &buf);
    return name;
}

/* getpwnam_r with a buffer that grows on ERANGE. */
static SECURITY_STATUS lookup_passwd(const char *name, struct local_account *out, int *err)
{
    struct passwd pw, *found = NULL;
    long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t size = hint > 0 ? (size_t)hint : 1024;
    char *buf = NULL;
    SECURITY_STATUS status = SEC_E_NO_IMPERSONATION;
    for (;;) {
        char *bigger = realloc(buf, size);
        if (bigger == NULL) {
            status = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
        buf = bigger;
        *err = getpwnam_r(name, &pw, buf, size, &found);
        if (*err != ERANGE || size >= PW_BUFFER_MAX)
            break;
        size *= 2;
    }
    if (found == NULL)
        goto out;
    out->name = strdup(pw.pw_name);
    if (out->name == NULL) {
        status = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    out->uid = pw.pw_uid;
    out->gid = pw.pw_gid;
    status = SEC_E_OK;
out:
    free(buf);
    return status;
}

/* getgrouplist, grown to the count it asks for (at most NGROUPS_MAX). */
static SECURITY_STATUS lookup_groups(struct local_account *account)
{
    int n = 32;
    for (int attempt = 0; attempt < 4; attempt++) {
        gid_t *groups = realloc(account->groups, (size_t)n * sizeof(gid_t));
        if (groups == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        account->groups = groups;
        int got = n;
        if (getgrouplist(account->name, account->gid, groups, &got) >= 0) {
            account->n_groups = (size_t)got;
            return SEC_E_OK;
        }
        if (got <= n || (unsigned)got > GROUPS_MAX)
            break;
        n = got;
    }
    return SEC_E_INTERNAL_ERROR;
}

/* The administrator's choice of what a client with no local account
 * becomes, as Samba's "guest account": GSS_SSPI_GUEST_ACCOUNT in the
 * service's environment, unset by default (such a client then cannot be
 * impersonated, SEC_E_NO_IMPERSONATION).  Windows always has a token for an
 * authenticated client; Unix has no account to switch to unless one is
 * named.  An environment variable, not an API call, because it is the
 * administrator's decision for a service, not the program's: the same
 * binary runs with or without a guest. */
static SECURITY_STATUS guest_account(const char *fn, struct local_account *out)
{
    int err = 0;
    const char *guest = secure_getenv("GSS_SSPI_GUEST_ACCOUNT");
    if (guest == NULL || guest[0] == '\0')
        return SEC_E_NO_IMPERSONATION;
    SECURITY_STATUS status = lookup_passwd(guest, out, &err);
    if (status == SEC_E_NO_IMPERSONATION)
        trace("%s: the guest account \"%s\" (GSS_SSPI_GUEST_ACCOUNT) does not exist%s%s", fn,
              guest, err ? ": " : "", err ? strerror(err) : "");
    else if (status == SEC_E_OK)
        trace("%s: the client has no local account: the guest account %s stands in", fn, guest);
    return status;
}

SECURITY_STATUS identity_local_account(struct sspi_ctx *ctx, const char *fn, char **local_name,
                                       struct local_account *out)
{
    OM_uint32 major = 0, minor = 0;
    int err = 0;
    SECURITY_STATUS status;
    char *who = name_to_string(ctx->peer);
    char *name = mapped_name(ctx, &major, &minor);
    memset(out, 0, sizeof(*out));
    if (name == NULL) {
        status = SEC_E_NO_IMPERSONATION;
        trace("%s: %s maps to no local name (gss_localname major 0x%x minor %u)", fn,
              who ? who : "the client", major, minor);
    } else {
        status = lookup_passwd(name, out, &err);
        if (status == SEC_E_NO_IMPERSONATION)
            trace("%s: %s maps to \"%s\", which is no local account%s%s", fn,
                  who ? who : "the client", name, err ? ": " : "", err ? strerror(err) : "");
    }
    if (status == SEC_E_NO_IMPERSONATION)
        status = guest_account(fn, out);
    if (status == SEC_E_OK)
        status = lookup_groups(out);
    if (status == SEC_E_INTERNAL_ERROR)
        trace("%s: getgrouplist(%s) failed", fn, out->name);
    if (status != SEC_E_OK)
        local_account_clear(out);
    if (local_name != NULL)
        *local_name = name;
    else
        free(name);
    free(who);
    return status;
}

/* ---- the PAC ---------------------------------------------------------------------- */

static char *sid_string(const struct pac_sid *sid)
{
    char buf[PAC_SID_STRING_MAX];
    return strdup(pac_sid_format(sid, buf));
}

/* The SIDs of the logon info, for a Kerberos client whose ticket had a PAC
 * that MIT verified.  Anything else leaves the token without SIDs. */
static SECURITY_STATUS token_sids(struct sspi_ctx *ctx, struct sspi_token *token)
{
    static const char attr_name[] = "urn:mspac:logon-info";
    gss_buffer_desc attr = {sizeof(attr_name) - 1, (void *)attr_name};
    gss_buffer_desc value = GSS_C_EMPTY_BUFFER, display = GSS_C_EMPTY_BUFFER;
    struct pac_logon_info info = {0};
    OM_uint32 major, minor, ignored;
    int authenticated = 0, complete = 0, more = -1;
    SECURITY_STATUS status = SEC_E_OK;
    const struct package *used = package_for_mech(ctx->mech);

    /* The PAC is Kerberos's; NTLM names are not asked (gss-ntlmssp has no
     * attributes worth the risk). */
    if (used == NULL || used->id != PACKAGE_KERBEROS)
        return SEC_E_OK;
    major = gss_get_name_attribute(&minor, ctx->peer, &attr, &authenticated, &complete, &value,
                                   &display, &more);
    if (GSS_ERROR(major)) {
        trace("QuerySecurityContextToken: no PAC logon info (gss major 0x%x minor %u)", major,
              minor);
        goto out;
    }
    if (!authenticated) {
        trace("QuerySecurityContextToken: PAC logon info not authenticated; ignored");
        goto out;
    }
    const char *why = pac_parse_logon_info(value.value, value.length, &info);
    if (why != NULL) {
        trace("QuerySecurityContextToken: PAC logon info of %zu bytes ignored: %s", value.length,
              why);
        goto out;
    }
    token->user_sid = sid_string(&info.user);
    token->primary_group_sid = sid_string(&info.primary_group);
    token->group_sids = calloc(info.n_groups ? info.n_groups : 1, sizeof(char *));
    if (token->user_sid == NULL || token->primary_group_sid == NULL || token->group_sids == NULL) {
        status = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    for (; token->n_group_sids < info.n_groups; token->n_group_sids++) {
        char *s = sid_string(&info.groups[token->n_group_sids]);
        if (s == NULL) {
            status = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
        token->group_sids[token->n_group_sids] = s;
    }
    token->has_sids = true;
out:
    pac_logon_info_free(&info);
    if (value.value != NULL) /* the logon info has a (Kerberos: unused) session key field */
        explicit_bzero(value.value, value.length);
    gss_release_buffer(&ignored, &value);
    gss_release_buffer(&ignored, &display);
    return status;
}

/* ---- the token object --------------------------------------------------------------- */

static void token_free(struct sspi_token *token)
{
    if (token == NULL)
        return;
    free(token->principal);
    free(token->local_name);
    local_account_clear(&token->account);
    free(token->user_sid);
    free(token->primary_group_sid);
    for (size_t i = 0; i < token->n_group_sids; i++)
        free(token->group_sids[i]);
    free(token->group_sids);
    free(token);
}

static SECURITY_STATUS token_build(struct sspi_ctx *ctx, struct sspi_token **out)
{
    SECURITY_STATUS status = SEC_E_INSUFFICIENT_MEMORY;
    struct sspi_token *token = calloc(1, sizeof(*token));
    *out = NULL;
    if (token == NULL || (token->principal = name_to_string(ctx->peer)) == NULL)
        goto out;
    status = identity_local_account(ctx, "QuerySecurityContextToken", &token->local_name,
                                    &token->account);
    token->has_account = status == SEC_E_OK;
    if (status != SEC_E_OK && status != SEC_E_NO_IMPERSONATION)
        goto out; /* no account is a fact about the client, not a failure */
    status = token_sids(ctx, token);
    if (status != SEC_E_OK)
        goto out;
    *out = token;
    token = NULL;
out:
    token_free(token);
    return status;
}

/* The token, with a reference for the caller: handle_put(*id) when done. */
static struct sspi_token *token_lookup(HANDLE h, uint32_t *id)
{
    SecHandle sh;
    handle_from_word(HANDLE_TOKEN, h, &sh);
    return handle_get(HANDLE_TOKEN, &sh, id);
}

static void token_destroy(void *obj)
{
    token_free(obj);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext, void **Token)
{
    const char *why;
    struct sspi_token *token = NULL;
    SECURITY_STATUS status;
    SecHandle sh;
    struct sspi_ctx *ctx = identity_acceptor_context(phContext, &why);
    if (ctx == NULL) {
        status = SEC_E_INVALID_HANDLE;
        trace("QuerySecurityContextToken: phContext is %s", why);
        goto out;
    }
    if (Token == NULL) {
        status = SEC_E_INVALID_PARAMETER;
        goto out;
    }
    status = token_build(ctx, &token);
    if (status != SEC_E_OK)
        goto out;
    if (trace_enabled())
        trace("QuerySecurityContextToken: %s, local account %s (uid %ld gid %ld, %zu groups), "
              "user SID %s, %zu group SIDs",
              token->principal, token->has_account ? token->account.name : "(none)",
              token->has_account ? (long)token->account.uid : -1L,
              token->has_account ? (long)token->account.gid : -1L, token->account.n_groups,
              token->user_sid ? token->user_sid : "(none)", token->n_group_sids);
    status = handle_new(HANDLE_TOKEN, token, token_destroy, false, &sh, NULL);
    if (status != SEC_E_OK) {
        token_free(token);
        goto out;
    }
    *Token = handle_to_word(&sh);
out:
    context_put(ctx);
    trace("QuerySecurityContextToken() = %s", status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY GssSspiCloseToken(HANDLE hToken)
{
    SecHandle sh;
    handle_from_word(HANDLE_TOKEN, hToken, &sh);
    /* A query still reading the token frees it when it is done. */
    SECURITY_STATUS status = handle_release(HANDLE_TOKEN, &sh) ? SEC_E_OK : SEC_E_INVALID_HANDLE;
    trace("GssSspiCloseToken() = %s", status_name(status));
    return status;
}

/* ---- GssSspiQueryTokenInformation ------------------------------------------------------ */

static SECURITY_STATUS put_string(const char *s, void *buf)
{
    size_t len = strlen(s) + 1;
    char *copy = context_buffer_alloc(len);
    if (copy == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(copy, s, len);
    *(SEC_CHAR **)buf = copy;
    return SEC_E_OK;
}

static SECURITY_STATUS q_user_name(const struct sspi_token *t, void *buf)
{
    return put_string(t->principal, buf);
}

static SECURITY_STATUS q_local_name(const struct sspi_token *t, void *buf)
{
    return t->local_name ? put_string(t->local_name, buf) : SEC_E_NO_IMPERSONATION;
}

static SECURITY_STATUS q_account(const struct sspi_token *t, void *buf)
{
    PGSS_SSPI_TOKEN_ACCOUNT account = buf;
    if (!t->has_account)
        return SEC_E_NO_IMPERSONATION;
    SECURITY_STATUS status = put_string(t->account.name, &account->AccountName);
    account->Uid = (ULONG)t->account.uid;
    account->Gid = (ULONG)t->account.gid;
    return status;
}

static SECURITY_STATUS q_groups(const struct sspi_token *t, void *buf)
{
    PGSS_SSPI_TOKEN_GROUPS groups = buf;
    if (!t->has_account)
        return SEC_E_NO_IMPERSONATION;
    groups->Gids =
        context_buffer_alloc((t->account.n_groups ? t->account.n_groups : 1) * sizeof(ULONG));
    if (groups->Gids == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    for (size_t i = 0; i < t->account.n_groups; i++)
        groups->Gids[i] = (ULONG)t->account.groups[i];
    groups->Count = (ULONG)t->account.n_groups;
    return SEC_E_OK;
}

static SECURITY_STATUS q_user_sid(const struct sspi_token *t, void *buf)
{
    return t->has_sids ? put_string(t->user_sid, buf) : SEC_E_UNSUPPORTED_FUNCTION;
}

static SECURITY_STATUS q_primary_group_sid(const struct sspi_token *t, void *buf)
{
    return t->has_sids ? put_string(t->primary_group_sid, buf) : SEC_E_UNSUPPORTED_FUNCTION;
}

/* One buffer: the pointer array, then the strings it points to. */
static SECURITY_STATUS q_group_sids(const struct sspi_token *t, void *buf)
{
    PGSS_SSPI_TOKEN_SIDS sids = buf;
    if (!t->has_sids)
        return SEC_E_UNSUPPORTED_FUNCTION;
    size_t size = (t->n_group_sids ? t->n_group_sids : 1) * sizeof(SEC_CHAR *);
    for (size_t i = 0; i < t->n_group_sids; i++)
        size += strlen(t->group_sids[i]) + 1;
    SEC_CHAR **array = context_buffer_alloc(size);
    if (array == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    char *p = (char *)(array + (t->n_group_sids ? t->n_group_sids : 1));
    for (size_t i = 0; i < t->n_group_sids; i++) {
        size_t len = strlen(t->group_sids[i]) + 1;
        memcpy(p, t->group_sids[i], len);
        array[i] = p;
        p += len;
    }
    sids->Count = (ULONG)t->n_group_sids;
    sids->Sids = array;
    return SEC_E_OK;
}

static const struct {
    ULONG info_class;
    const char *name;
    SECURITY_STATUS (*query)(const struct sspi_token *t, void *buf);
} token_classes[] = {
    {GSS_SSPI_TOKEN_INFO_USER_NAME, "USER_NAME", q_user_name},
    {GSS_SSPI_TOKEN_INFO_LOCAL_NAME, "LOCAL_NAME", q_local_name},
    {GSS_SSPI_TOKEN_INFO_ACCOUNT, "ACCOUNT", q_account},
    {GSS_SSPI_TOKEN_INFO_GROUPS, "GROUPS", q_groups},
    {GSS_SSPI_TOKEN_INFO_USER_SID, "USER_SID", q_user_sid},
    {GSS_SSPI_TOKEN_INFO_PRIMARY_GROUP_SID, "PRIMARY_GROUP_SID", q_primary_group_sid},
    {GSS_SSPI_TOKEN_INFO_GROUP_SIDS, "GROUP_SIDS", q_group_sids},
};

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY GssSspiQueryTokenInformation(HANDLE hToken, ULONG ulInfoClass,
                                                                   void *pBuffer)
{
    SECURITY_STATUS status = SEC_E_INVALID_PARAMETER;
    const char *name = "(unknown class)";
    uint32_t id;
    const struct sspi_token *token = token_lookup(hToken, &id);
    if (token == NULL) {
        status = SEC_E_INVALID_HANDLE;
    } else if (pBuffer != NULL) {
        for (size_t i = 0; i < sizeof(token_classes) / sizeof(token_classes[0]); i++)
            if (token_classes[i].info_class == ulInfoClass) {
                name = token_classes[i].name;
                status = token_classes[i].query(token, pBuffer);
                break;
            }
    }
    handle_put(id);
    trace("GssSspiQueryTokenInformation(%s=%u) = %s", name, (unsigned)ulInfoClass,
          status_name(status));
    return status;
}
