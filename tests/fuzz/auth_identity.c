/*
 * auth_identity.c - fuzz target: auth_identity_parse() over the four
 * layouts (SEC_WINNT_AUTH_IDENTITY_A/W and _EXA/_EXW).  The parser follows
 * pointers, so the input describes a structure (fuzz.h) and the target
 * builds it: every pointer points at an allocation of exactly the Length it
 * is given, and the structure itself is allocated at its exact size.
 *
 * What a caller may get wrong (a Length longer than its string, an EX
 * structure with a wrong Version) is undefined on Windows too and is not
 * generated: the fuzzed bytes are the string contents, lengths and Flags.
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

struct strings {
    void *p[4]; /* User, Domain, Password, PackageList */
    ULONG len[4];
};

static void take_strings(const uint8_t *data, size_t size, int mask, size_t unit, struct strings *s)
{
    size_t at = AUTH_HEADER_LEN;
    for (int i = 0; i < 4; i++) {
        size_t n = at < size ? data[at++] : 0;
        if (n > (size - at) / unit)
            n = (size - at) / unit;
        s->len[i] = (ULONG)n;
        s->p[i] = NULL;
        if (!(mask & (1 << i))) {
            s->p[i] = malloc(n ? n * unit : 1);
            if (n)
                memcpy(s->p[i], data + at, n * unit);
        }
        at += n * unit;
    }
}

/* The parser's output for one string against what was passed. */
static void check_string(const char *got, const void *in, ULONG len, bool unicode)
{
    if (in == NULL) {
        FUZZ_CHECK(got == NULL);
        return;
    }
    FUZZ_CHECK(got != NULL);
    if (!unicode) {
        size_t n = strnlen(in, len); /* up to an embedded NUL */
        FUZZ_CHECK(strlen(got) == n && memcmp(got, in, n) == 0);
        return;
    }
    /* UTF-8 back to UTF-16 must give the units up to the first NUL. */
    const SEC_WCHAR *w = in;
    size_t n = 0, units;
    while (n < len && w[n] != 0)
        n++;
    SEC_WCHAR *back = utf8_to_utf16(got, &units);
    FUZZ_CHECK(back != NULL && units == n && memcmp(back, w, n * sizeof(SEC_WCHAR)) == 0);
    free(back);
}

/* A string that ends before its first character. */
static bool starts_empty(const void *in, ULONG len, bool unicode)
{
    return len == 0 || (unicode ? ((const SEC_WCHAR *)in)[0] == 0 : ((const char *)in)[0] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < AUTH_HEADER_LEN)
        return 0;
    int layout = data[0] & 3, mask = (data[0] >> AUTH_NULL_SHIFT) & 0xf;
    ULONG flags =
        (ULONG)data[1] | (ULONG)data[2] << 8 | (ULONG)data[3] << 16 | (ULONG)data[4] << 24;
    /* The strings' width follows Flags, whatever the A/W flavour (as on
     * Windows); A and W differ only in pointer types. */
    bool unicode = (flags & SEC_WINNT_AUTH_IDENTITY_UNICODE) != 0;
    bool ex = layout == AUTH_LAYOUT_EXA || layout == AUTH_LAYOUT_EXW;
    struct strings s;
    take_strings(data, size, mask, unicode ? sizeof(SEC_WCHAR) : 1, &s);

    void *id;
    if (ex) {
        /* EXA and EXW share one layout. */
        SEC_WINNT_AUTH_IDENTITY_EXA *x = calloc(1, sizeof(*x));
        x->Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
        x->Length = sizeof(*x);
        x->User = s.p[0];
        x->UserLength = s.len[0];
        x->Domain = s.p[1];
        x->DomainLength = s.len[1];
        x->Password = s.p[2];
        x->PasswordLength = s.len[2];
        x->PackageList = s.p[3];
        x->PackageListLength = s.len[3];
        x->Flags = flags;
        id = x;
    } else {
        SEC_WINNT_AUTH_IDENTITY_A *a = calloc(1, sizeof(*a));
        a->User = s.p[0];
        a->UserLength = s.len[0];
        a->Domain = s.p[1];
        a->DomainLength = s.len[1];
        a->Password = s.p[2];
        a->PasswordLength = s.len[2];
        a->Flags = flags;
        id = a;
    }

    struct auth_identity out;
    SECURITY_STATUS status = auth_identity_parse(id, &out);
    if (status == SEC_E_OK) {
        /* Exactly one character set, as documented. */
        FUZZ_CHECK(unicode != ((flags & SEC_WINNT_AUTH_IDENTITY_ANSI) != 0));
        check_string(out.user, s.p[0], s.len[0], unicode);
        /* An empty domain means none. */
        if (s.p[1] != NULL && starts_empty(s.p[1], s.len[1], unicode))
            FUZZ_CHECK(out.domain == NULL);
        else
            check_string(out.domain, s.p[1], s.len[1], unicode);
        check_string(out.password, s.p[2], s.len[2], unicode);
        FUZZ_CHECK(out.password == NULL || out.password_len == strlen(out.password));
        if (ex)
            check_string(out.package_list, s.p[3], s.len[3], unicode);
        else
            FUZZ_CHECK(out.package_list == NULL);
        auth_identity_clear(&out);
    } else {
        /* A length with no string is an identity the package cannot read. */
        bool dangling = false;
        for (int i = 0; i < (ex ? 4 : 3); i++)
            dangling |= s.p[i] == NULL && s.len[i] != 0;
        FUZZ_CHECK(status == (dangling ? SEC_E_UNKNOWN_CREDENTIALS : SEC_E_INVALID_PARAMETER));
        FUZZ_CHECK(out.user == NULL && out.domain == NULL && out.password == NULL &&
                   out.package_list == NULL);
    }
    free(id);
    for (int i = 0; i < 4; i++)
        free(s.p[i]);
    return 0;
}
