/*
 * export_helper.c - the second process of test_export: imports a packed
 * context and uses it.  Everything comes on stdin, answers go to stdout,
 * each item as a 4-byte big-endian length and its bytes:
 *
 *   in:   package name, packed context, sealed message (a whole token)
 *   out:  status of ImportSecurityContextW, status of DecryptMessage,
 *         the plaintext, NAMES of the imported context (UTF-8), then a
 *         reply sealed by the imported context (TOKEN || DATA || PADDING)
 *
 * A status goes out as its 4 bytes in the same framing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#include "helper_io.h"

int main(void)
{
    uint32_t pkg_len, packed_len, sealed_len;
    char *pkg = read_item(&pkg_len);
    void *packed = read_item(&packed_len);
    unsigned char *sealed = read_item(&sealed_len);

    /* The W import, with the package name in UTF-16. */
    SEC_WCHAR wpkg[32] = {0};
    for (uint32_t i = 0; i < pkg_len && i < 31; i++)
        wpkg[i] = (unsigned char)pkg[i];
    SecBuffer pb = {packed_len, SECBUFFER_EMPTY, packed};
    CtxtHandle ctx;
    SECURITY_STATUS s = ImportSecurityContextW(wpkg, &pb, NULL, &ctx);
    write_status(s);
    if (s != SEC_E_OK)
        return 1;

    SecBuffer b[2] = {{sealed_len, SECBUFFER_STREAM, sealed}, {0, SECBUFFER_DATA, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    s = DecryptMessage(&ctx, &d, 0, NULL);
    write_status(s);
    write_item(b[1].pvBuffer, s == SEC_E_OK ? b[1].cbBuffer : 0);

    SecPkgContext_NamesA names;
    s = QueryContextAttributesA(&ctx, SECPKG_ATTR_NAMES, &names);
    write_item(s == SEC_E_OK ? names.sUserName : "", s == SEC_E_OK ? strlen(names.sUserName) : 0);
    if (s == SEC_E_OK)
        FreeContextBuffer(names.sUserName);

    SecPkgContext_Sizes sz;
    if (QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sz) != SEC_E_OK)
        return 1;
    char reply[] = "reply from the second process";
    unsigned char tok[256], pad[16];
    SecBuffer r[3] = {{sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok},
                      {sizeof(reply) - 1, SECBUFFER_DATA, reply},
                      {sz.cbBlockSize, SECBUFFER_PADDING, pad}};
    SecBufferDesc rd = {SECBUFFER_VERSION, 3, r};
    if (EncryptMessage(&ctx, 0, &rd, 0) != SEC_E_OK)
        return 1;
    unsigned char wire[512];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        memcpy(wire + n, r[i].pvBuffer, r[i].cbBuffer);
        n += r[i].cbBuffer;
    }
    write_item(wire, (uint32_t)n);
    DeleteSecurityContext(&ctx);
    free(pkg);
    free(packed);
    free(sealed);
    return 0;
}
