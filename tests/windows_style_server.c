/*
 * windows_style_server.c - an SSPI server written the way Windows servers
 * are: SECURITY_WIN32, <security.h>, the function table from
 * InitSecurityInterface, buffers sized from cbMaxToken and SIZES, no
 * ALLOCATE_MEMORY.  The same file builds natively against gss-sspi's
 * headers (a check program, run by tests/test_windows_style) and with
 * mingw-w64 against the Windows headers (tests/windows-style-mingw.sh).
 *
 * It serves one Negotiate client on stdin/stdout.  Every item travels as a
 * 4-byte big-endian length and its bytes:
 *   client: token...                       server: status, token   (per leg)
 *   client: TOKEN, DATA, PADDING (sealed)  server: status, user name,
 *                                                  TOKEN, DATA, PADDING
 * The server's reply is "hello <user>: " followed by the client's text.
 */
#define SECURITY_WIN32
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#endif
#include <security.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, SECURITY_STATUS status)
{
    fprintf(stderr, "windows_style_server: %s failed: 0x%08lx\n", what, (unsigned long)status);
    return 1;
}

/* One item in; NULL at end of input or when longer than max. */
static unsigned char *read_item(unsigned long max, unsigned long *len)
{
    unsigned char h[4], *p;
    if (fread(h, 1, 4, stdin) != 4)
        return NULL;
    *len = (unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 | (unsigned long)h[2] << 8 | h[3];
    if (*len > max)
        return NULL;
    p = (unsigned char *)malloc(*len ? *len : 1);
    if (p != NULL && fread(p, 1, *len, stdin) != *len) {
        free(p);
        p = NULL;
    }
    return p;
}

static void write_item(const void *p, unsigned long len)
{
    unsigned char h[4];
    h[0] = (unsigned char)(len >> 24);
    h[1] = (unsigned char)(len >> 16);
    h[2] = (unsigned char)(len >> 8);
    h[3] = (unsigned char)len;
    fwrite(h, 1, 4, stdout);
    fwrite(p, 1, len, stdout);
    fflush(stdout);
}

static void write_status(SECURITY_STATUS status)
{
    unsigned long v = (unsigned long)status;
    unsigned char b[4];
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    write_item(b, 4);
}

int main(void)
{
    PSecurityFunctionTable sspi;
    PSecPkgInfo package;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SECURITY_STATUS status = SEC_I_CONTINUE_NEEDED;
    ULONG attrs = 0, max_token;
    SecBuffer in_buf, out_buf, msg[3];
    SecBufferDesc in_desc, out_desc, msg_desc;
    SecPkgContext_Names names;
    SecPkgContext_Sizes sizes;
    unsigned char *out_token, *token, *data, *padding, *reply;
    unsigned long len, token_len, data_len, pad_len, user_len;
    int have_ctx = 0;

#ifdef _WIN32
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
#endif
    sspi = InitSecurityInterface();
    if (sspi == NULL)
        return fail("InitSecurityInterface", SEC_E_INTERNAL_ERROR);
    status = sspi->QuerySecurityPackageInfo((SEC_CHAR *)NEGOSSP_NAME_A, &package);
    if (status != SEC_E_OK)
        return fail("QuerySecurityPackageInfo", status);
    max_token = package->cbMaxToken;
    sspi->FreeContextBuffer(package);
    status = sspi->AcquireCredentialsHandle(NULL, (SEC_CHAR *)NEGOSSP_NAME_A, SECPKG_CRED_INBOUND,
                                            NULL, NULL, NULL, NULL, &cred, &expiry);
    if (status != SEC_E_OK)
        return fail("AcquireCredentialsHandle", status);

    out_token = (unsigned char *)malloc(max_token);
    if (out_token == NULL)
        return fail("malloc", SEC_E_INSUFFICIENT_MEMORY);
    status = SEC_I_CONTINUE_NEEDED;
    while (status == SEC_I_CONTINUE_NEEDED) {
        token = read_item(max_token, &len);
        if (token == NULL)
            return fail("reading a token", SEC_E_INVALID_TOKEN);
        in_buf.cbBuffer = len;
        in_buf.BufferType = SECBUFFER_TOKEN;
        in_buf.pvBuffer = token;
        in_desc.ulVersion = SECBUFFER_VERSION;
        in_desc.cBuffers = 1;
        in_desc.pBuffers = &in_buf;
        out_buf.cbBuffer = max_token;
        out_buf.BufferType = SECBUFFER_TOKEN;
        out_buf.pvBuffer = out_token;
        out_desc.ulVersion = SECBUFFER_VERSION;
        out_desc.cBuffers = 1;
        out_desc.pBuffers = &out_buf;
        status = sspi->AcceptSecurityContext(
            &cred, have_ctx ? &ctx : NULL, &in_desc,
            ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
                ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION,
            SECURITY_NATIVE_DREP, &ctx, &out_desc, &attrs, &expiry);
        free(token);
        if (status == SEC_I_COMPLETE_NEEDED || status == SEC_I_COMPLETE_AND_CONTINUE) {
            sspi->CompleteAuthToken(&ctx, &out_desc);
            status = status == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        }
        write_status(status);
        if (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED)
            return fail("AcceptSecurityContext", status);
        have_ctx = 1;
        write_item(out_token, out_buf.cbBuffer);
    }
    free(out_token);

    status = sspi->QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names);
    if (status != SEC_E_OK)
        return fail("QueryContextAttributes(NAMES)", status);
    status = sspi->QueryContextAttributes(&ctx, SECPKG_ATTR_SIZES, &sizes);
    if (status != SEC_E_OK)
        return fail("QueryContextAttributes(SIZES)", status);

    /* The client's sealed request: TOKEN + DATA + PADDING, in place. */
    token = read_item(sizes.cbSecurityTrailer, &token_len);
    data = read_item(1 << 20, &data_len);
    padding = read_item(sizes.cbBlockSize + 16, &pad_len);
    if (token == NULL || data == NULL || padding == NULL)
        return fail("reading the request", SEC_E_INVALID_TOKEN);
    msg[0].BufferType = SECBUFFER_TOKEN;
    msg[0].cbBuffer = token_len;
    msg[0].pvBuffer = token;
    msg[1].BufferType = SECBUFFER_DATA;
    msg[1].cbBuffer = data_len;
    msg[1].pvBuffer = data;
    msg[2].BufferType = SECBUFFER_PADDING;
    msg[2].cbBuffer = pad_len;
    msg[2].pvBuffer = padding;
    msg_desc.ulVersion = SECBUFFER_VERSION;
    msg_desc.cBuffers = 3;
    msg_desc.pBuffers = msg;
    status = sspi->DecryptMessage(&ctx, &msg_desc, 0, NULL);
    write_status(status);
    if (status != SEC_E_OK)
        return fail("DecryptMessage", status);
    user_len = (unsigned long)strlen(names.sUserName);
    write_item(names.sUserName, user_len);

    /* The reply, sealed: "hello <user>: <request>". */
    len = 6 + user_len + 2 + msg[1].cbBuffer;
    reply = (unsigned char *)malloc(len);
    free(token);
    free(padding);
    token = (unsigned char *)malloc(sizes.cbSecurityTrailer);
    padding = (unsigned char *)malloc(sizes.cbBlockSize + 1);
    if (reply == NULL || token == NULL || padding == NULL)
        return fail("malloc", SEC_E_INSUFFICIENT_MEMORY);
    memcpy(reply, "hello ", 6);
    memcpy(reply + 6, names.sUserName, user_len);
    memcpy(reply + 6 + user_len, ": ", 2);
    memcpy(reply + 8 + user_len, msg[1].pvBuffer, msg[1].cbBuffer);
    sspi->FreeContextBuffer(names.sUserName);
    msg[0].cbBuffer = sizes.cbSecurityTrailer;
    msg[0].pvBuffer = token;
    msg[1].cbBuffer = len;
    msg[1].pvBuffer = reply;
    msg[2].cbBuffer = sizes.cbBlockSize;
    msg[2].pvBuffer = padding;
    status = sspi->EncryptMessage(&ctx, 0, &msg_desc, 0);
    write_status(status);
    if (status != SEC_E_OK)
        return fail("EncryptMessage", status);
    write_item(token, msg[0].cbBuffer);
    write_item(reply, msg[1].cbBuffer);
    write_item(padding, msg[2].cbBuffer);

    free(token);
    free(data);
    free(padding);
    free(reply);
    sspi->DeleteSecurityContext(&ctx);
    sspi->FreeCredentialHandle(&cred); /* "Credential": the A table's member name */
    return 0;
}
