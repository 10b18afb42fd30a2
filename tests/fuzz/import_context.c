/*
 * import_context.c - fuzz target: ImportSecurityContextA, whose input is the
 * packed context (export.c's header, then a GSS interprocess token).
 *
 * export.c's parser takes every input.  The GSS token inside goes on to
 * gss_import_sec_context only when it is one that a real export produced
 * (the files in $GSS_SSPI_FUZZ_IMPORT_SEEDS, which run.sh points at the
 * seed-live output): the importers below gss-sspi trust their own
 * format, and mutated tokens crash them (MIT krb5 1.20.1: heap overflow in
 * profile_ser_internalize; gss-ntlmssp 1.2.0: SEGV in its importer, or in
 * RC4 later from an RC4 table it took unchecked).  Other inputs are
 * imported under a package name the header does not give, so that
 * export.c parses all of them and refuses them before GSS (except NTLM
 * tokens under a Kerberos header, which export.c must refuse on its own:
 * an invariant here).  With a real
 * token, the header's fields (names, OIDs, flags) stay fuzzed, and a
 * context that imports is queried, used once and deleted.
 *
 * MIT krb5 1.20.1 also leaks 65 bytes (three blocks) in every imported krb5
 * context, gss-sspi or not (import then delete in a bare program):
 * lsan-import_context.supp hides leaks allocated under
 * gss_import_sec_context, and the target checks on its own that
 * DeleteSecurityContext released the GSS context.
 */
#include <dirent.h>
#include <sanitizer/asan_interface.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "internal.h"

#define MAX_TRUSTED 64

/* Imported RC4 contexts (the seeds hold one) need weak crypto allowed; a
 * private krb5.conf, in memory, also keeps the host's out of the runs. */
static const char krb5_conf[] = "[libdefaults]\n"
                                "  allow_weak_crypto = true\n"
                                "  allow_rc4 = true\n"
                                "  rdns = false\n"
                                "  dns_canonicalize_hostname = false\n"
                                "  dns_lookup_kdc = false\n";

/* GSS tokens from real exports. */
static struct {
    uint8_t *p;
    size_t n;
} trusted[MAX_TRUSTED];
static size_t n_trusted;

/* ---- a light, bounds-checked reading of export.c's layout ---------------------- */

/* The header's mechanism OID and the GSS token (after its length). */
static bool locate(const uint8_t *d, size_t n, const uint8_t **mech, size_t *mech_len,
                   const uint8_t **token, size_t *token_len)
{
    size_t at = 40;
    if (n <= at || d[at] > n - at - 1)
        return false;
    *mech = d + at + 1;
    *mech_len = d[at];
    at += 1 + d[at];
    if (at >= n || d[at] > n - at - 1) /* name type OID */
        return false;
    at += 1 + d[at];
    if (n - at < 2 || (size_t)(d[at] << 8 | d[at + 1]) > n - at - 2) /* name */
        return false;
    at += 2 + (d[at] << 8 | d[at + 1]);
    if (n - at < 4) /* the token's length; the token is the rest */
        return false;
    *token = d + at + 4;
    *token_len = n - at - 4;
    return true;
}

static bool tail_is(const uint8_t *oid, size_t len, const gss_OID_desc *want)
{
    return len >= want->length &&
           memcmp(oid + len - want->length, want->elements, want->length) == 0;
}

/* A 4-byte big-endian length and an OID at *p. */
static bool next_oid(const uint8_t **p, size_t *left, const uint8_t **oid, size_t *len)
{
    if (*left < 4)
        return false;
    *len = (size_t)(*p)[0] << 24 | (size_t)(*p)[1] << 16 | (size_t)(*p)[2] << 8 | (*p)[3];
    if (*len > *left - 4)
        return false;
    *oid = *p + 4;
    *p += 4 + *len;
    *left -= 4 + *len;
    return true;
}

/* Whether the token's OID (under SPNEGO, the negotiated mechanism's) would
 * route it to gss-ntlmssp. */
static bool token_is_ntlm(const uint8_t *token, size_t left)
{
    const uint8_t *oid;
    size_t len;
    if (!next_oid(&token, &left, &oid, &len))
        return false;
    if (tail_is(oid, len, &oid_spnego) && !next_oid(&token, &left, &oid, &len))
        return false;
    return tail_is(oid, len, &oid_ntlmssp);
}

static bool is_trusted(const uint8_t *token, size_t len)
{
    for (size_t i = 0; i < n_trusted; i++)
        if (trusted[i].n == len && memcmp(trusted[i].p, token, len) == 0)
            return true;
    return false;
}

static void load_trusted(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    while (dp != NULL && (e = readdir(dp)) != NULL && n_trusted < MAX_TRUSTED) {
        char path[4096];
        static uint8_t buf[65536];
        const uint8_t *mech, *token;
        size_t mech_len, token_len, n;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = e->d_name[0] != '.' ? fopen(path, "rb") : NULL;
        if (f == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        if (locate(buf, n, &mech, &mech_len, &token, &token_len) && token_len > 0) {
            trusted[n_trusted].p = malloc(token_len);
            memcpy(trusted[n_trusted].p, token, token_len);
            trusted[n_trusted++].n = token_len;
        }
    }
    if (dp != NULL)
        closedir(dp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char path[64];
    int fd = memfd_create("krb5.conf", 0);
    if (fd >= 0 && write(fd, krb5_conf, sizeof(krb5_conf) - 1) == sizeof(krb5_conf) - 1) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        setenv("KRB5_CONFIG", path, 1);
    }
    unsetenv("SSPI_TRACE");
    const char *dir = getenv("GSS_SSPI_FUZZ_IMPORT_SEEDS");
    if (dir != NULL)
        load_trusted(dir);
    fprintf(stderr, "import_context: %zu GSS tokens from real exports go on to GSS%s\n", n_trusted,
            dir ? "" : " (GSS_SSPI_FUZZ_IMPORT_SEEDS is not set)");
    return 0;
}

/* What a receiving process would ask of an imported context. */
static void use_context(CtxtHandle *h)
{
    SecPkgContext_Sizes sizes;
    SecPkgContext_StreamSizes stream;
    SecPkgContext_NamesA names;
    SecPkgContext_NativeNamesA native;
    SecPkgContext_NegotiationInfoA nego;
    SecPkgContext_SessionKey key;
    SecPkgContext_GssMech mech;
    SecPkgContext_GssChannelBindings cb;
    SecPkgContext_NamesW wnames;

    if (QueryContextAttributesA(h, SECPKG_ATTR_NAMES, &names) == SEC_E_OK)
        FreeContextBuffer(names.sUserName);
    if (QueryContextAttributesW(h, SECPKG_ATTR_NAMES, &wnames) == SEC_E_OK)
        FreeContextBuffer(wnames.sUserName);
    if (QueryContextAttributesA(h, SECPKG_ATTR_NATIVE_NAMES, &native) == SEC_E_OK) {
        FreeContextBuffer(native.sClientName);
        FreeContextBuffer(native.sServerName);
    }
    if (QueryContextAttributesA(h, SECPKG_ATTR_NEGOTIATION_INFO, &nego) == SEC_E_OK)
        FreeContextBuffer(nego.PackageInfo);
    if (QueryContextAttributesA(h, SECPKG_ATTR_SESSION_KEY, &key) == SEC_E_OK)
        FreeContextBuffer(key.SessionKey);
    QueryContextAttributesA(h, SECPKG_ATTR_GSS_MECH, &mech);
    QueryContextAttributesA(h, SECPKG_ATTR_GSS_CHANNEL_BINDINGS, &cb);
    QueryContextAttributesA(h, SECPKG_ATTR_STREAM_SIZES, &stream);
    if (QueryContextAttributesA(h, SECPKG_ATTR_SIZES, &sizes) != SEC_E_OK ||
        sizes.cbMaxSignature == 0 || sizes.cbMaxSignature > 4096)
        return;
    unsigned char msg[16] = "fuzzed context.", *sig = malloc(sizes.cbMaxSignature);
    SecBuffer b[2] = {{(ULONG)sizeof(msg), SECBUFFER_DATA, msg},
                      {sizes.cbMaxSignature, SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    MakeSignature(h, 0, &d, 0);
    free(sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *mech, *token;
    size_t mech_len, token_len;
    if (size > UINT32_MAX)
        return 0;
    bool found = locate(data, size, &mech, &mech_len, &token, &token_len);
    bool to_gss = found && is_trusted(token, token_len);
    bool header_ntlm = found && mech_len == oid_ntlmssp.length &&
                       memcmp(mech, oid_ntlmssp.elements, mech_len) == 0;
    bool token_ntlm = found && token_is_ntlm(token, token_len);
    /* export.c must refuse, by itself and before GSS, an NTLM token under
     * another mechanism's header: those keep their package name. */
    bool forged = token_ntlm && !header_ntlm;
    enum package_id id =
        size > 7 && data[7] < PACKAGE_COUNT ? (enum package_id)data[7] : PACKAGE_NEGOTIATE;
    if (!to_gss && !forged) /* another package: refused after parsing, before GSS */
        id = (enum package_id)((id + 1) % PACKAGE_COUNT);
    const struct package *pkg = package_get(id);

    /* The API takes a non-const buffer; the parser must not write it. */
    void *copy = malloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);
    SecBuffer packed = {(ULONG)size, SECBUFFER_EMPTY, copy};
    CtxtHandle h;
    SECURITY_STATUS status = ImportSecurityContextA((SEC_CHAR *)pkg->name, &packed, NULL, &h);
    FUZZ_CHECK(size == 0 || memcmp(copy, data, size) == 0);
    FUZZ_CHECK(to_gss || status == SEC_E_INVALID_TOKEN);
    if (forged)
        FUZZ_CHECK(status == SEC_E_INVALID_TOKEN);
    if (status == SEC_E_OK) {
        use_context(&h);
        struct sspi_ctx *ctx = context_lookup(&h);
        FUZZ_CHECK(ctx != NULL && ctx->gss != GSS_C_NO_CONTEXT);
        void *gss = ctx->gss; /* the mechglue's context, freed by delete */
        context_put(ctx);     /* the lookup's reference */
        FUZZ_CHECK(DeleteSecurityContext(&h) == SEC_E_OK);
        FUZZ_CHECK(__asan_address_is_poisoned(gss));
    }
    free(copy);
    return 0;
}
