/*
 * auth_identity.c - explicit credentials passed as pAuthData:
 * SEC_WINNT_AUTH_IDENTITY_A/W and SEC_WINNT_AUTH_IDENTITY_EXA/EXW.
 *
 * As on Windows, the _EX forms are recognised by Version and Length, and the
 * character set of either form by its Flags (ANSI or UNICODE), whatever the
 * A/W flavour of the function that received it.  Lengths are in characters,
 * without the terminating NUL.  Strings end up in UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The common view of the four layouts. */
struct raw_identity {
    const void *user, *domain, *password, *package_list;
    ULONG user_len, domain_len, password_len, package_list_len;
    ULONG flags;
};

static char *copy_string(const void *s, ULONG len, bool unicode, SECURITY_STATUS *status)
{
    char *out;
    if (s == NULL)
        return NULL;
    if (unicode) {
        const SEC_WCHAR *w = s;
        ULONG n = 0;
        while (n < len && w[n] != 0) /* as below: nothing past an embedded NUL */
            n++;
        out = utf16_to_utf8(w, n);
    } else {
        size_t n = strnlen(s, len); /* nothing past an embedded NUL is kept */
        out = malloc(n + 1);
        if (out != NULL) {
            memcpy(out, s, n);
            out[n] = '\0';
        }
    }
    if (out == NULL)
        *status = SEC_E_INVALID_PARAMETER; /* bad UTF-16, or no memory */
    return out;
}

static void read_layout(const void *auth_data, struct raw_identity *raw, bool *is_ex)
{
    const SEC_WINNT_AUTH_IDENTITY_EXA *ex = auth_data;
    memset(raw, 0, sizeof(*raw));
    *is_ex = ex->Version == SEC_WINNT_AUTH_IDENTITY_VERSION &&
             ex->Length == sizeof(SEC_WINNT_AUTH_IDENTITY_EXA);
    if (*is_ex) {
        /* EXA and EXW have one layout; pointers differ only in type. */
        *raw = (struct raw_identity){ex->User,        ex->Domain,     ex->Password,
                                     ex->PackageList, ex->UserLength, ex->DomainLength,
                                     ex->PasswordLength, ex->PackageListLength, ex->Flags};
    } else {
        const SEC_WINNT_AUTH_IDENTITY_A *id = auth_data;
        *raw = (struct raw_identity){id->User,       id->Domain,       id->Password,
                                     NULL,           id->UserLength,   id->DomainLength,
                                     id->PasswordLength, 0,            id->Flags};
    }
}

SECURITY_STATUS auth_identity_parse(const void *auth_data, struct auth_identity *out)
{
    SECURITY_STATUS status = SEC_E_OK;
    struct raw_identity raw;
    bool is_ex;

    memset(out, 0, sizeof(*out));
    if (((const ULONG *)auth_data)[0] == SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
        trace("auth identity: SEC_WINNT_AUTH_IDENTITY_EX2 (packed) is not supported");
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    read_layout(auth_data, &raw, &is_ex);
    /* A length with no string: the AcquireCredentialsHandle reference page
     * gives SEC_E_UNKNOWN_CREDENTIALS for "credentials supplied to the
     * package [that] were not recognized"; this identity cannot be read. */
    const struct {
        const char *name;
        const void *p;
        ULONG len;
    } fields[] = {{"User", raw.user, raw.user_len},
                  {"Domain", raw.domain, raw.domain_len},
                  {"Password", raw.password, raw.password_len},
                  {"PackageList", raw.package_list, raw.package_list_len}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (fields[i].p == NULL && fields[i].len != 0) {
            trace("auth identity: %sLength is %u but %s is NULL", fields[i].name,
                  (unsigned)fields[i].len, fields[i].name);
            return SEC_E_UNKNOWN_CREDENTIALS;
        }
    bool unicode = (raw.flags & SEC_WINNT_AUTH_IDENTITY_UNICODE) != 0;
    if (unicode == ((raw.flags & SEC_WINNT_AUTH_IDENTITY_ANSI) != 0)) {
        trace("auth identity: Flags 0x%x must name exactly one of ANSI or UNICODE", raw.flags);
        return SEC_E_INVALID_PARAMETER;
    }
    out->user = copy_string(raw.user, raw.user_len, unicode, &status);
    out->domain = copy_string(raw.domain, raw.domain_len, unicode, &status);
    out->password = copy_string(raw.password, raw.password_len, unicode, &status);
    out->package_list = copy_string(raw.package_list, raw.package_list_len, unicode, &status);
    if (out->password != NULL)
        out->password_len = strlen(out->password);
    /* An empty domain means "none", as on Windows. */
    if (out->domain != NULL && out->domain[0] == '\0') {
        free(out->domain);
        out->domain = NULL;
    }
    if (status != SEC_E_OK) {
        trace("auth identity: a string is not valid %s", unicode ? "UTF-16" : "text");
        auth_identity_clear(out);
    }
    return status;
}

void auth_identity_clear(struct auth_identity *id)
{
    free(id->user);
    free(id->domain);
    secure_free(id->password, id->password_len + 1);
    free(id->package_list);
    memset(id, 0, sizeof(*id));
}
