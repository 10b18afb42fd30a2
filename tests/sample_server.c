/*
 * sample_server.c - a server in the shape of Microsoft's documented sample
 * "Using SSPI with a Windows Sockets Server" (our own program): a TCP
 * listener, Negotiate credentials, AcceptSecurityContext until the context
 * is complete, ImpersonateSecurityContext and a GetUserName check of whom
 * the thread now runs as, RevertSecurityContext, then a message encrypted to
 * the client (EncryptMessage with the sizes QueryContextAttributes gives).
 * Windows calls only, including the legacy FreeCredentialHandle name.  The
 * same file builds against gss-sspi's headers (tests/sample-server) and
 * against the Windows headers with mingw-w64 (tests/sample-sockets.sh).
 *
 * Usage: sample-server PORT    (0: any free port; "listening on N" goes to
 * stdout).  One client; every message on the wire is a 4-byte big-endian
 * length and its bytes.  After the handshake the server sends the sealed
 * reply as three messages: TOKEN, DATA, PADDING.
 */
#define SECURITY_WIN32
#include "sample_wire.h"
#include <Security.h>
#ifndef _WIN32
#include <pwd.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, SECURITY_STATUS status)
{
    printf("sample-server: %s failed: 0x%08x\n", what, (unsigned)status);
    fflush(stdout);
    return 1;
}

/* The name of the account the thread runs as (what the sample asks
 * GetUserName after impersonating). */
static int current_user(char *buf, unsigned long size)
{
#ifdef _WIN32
    DWORD n = size;
    return GetUserNameA(buf, &n) ? 0 : -1;
#else
    struct passwd *pw = getpwuid(geteuid());
    if (pw == NULL || strlen(pw->pw_name) >= size)
        return -1;
    strcpy(buf, pw->pw_name);
    return 0;
#endif
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    sock_t listener, s;
    PSecPkgInfoA package;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SECURITY_STATUS status;
    SecBuffer in_buf, out_buf, msg[3];
    SecBufferDesc in_desc, out_desc, msg_desc;
    SecPkgContext_Sizes sizes;
    ULONG attrs, max_token;
    /* static: still reachable when an error path returns from main (LeakSanitizer) */
    static unsigned char *in_token, *out_token, *sealed;
    unsigned long len;
    char user[256], text[512];
    int have_ctx = 0, i;
#ifdef _WIN32
    int alen = sizeof(addr);
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return fail("WSAStartup", SEC_E_INTERNAL_ERROR);
#else
    socklen_t alen = sizeof(addr);
#endif
    if (argc != 2)
        return fail("usage: sample-server PORT", SEC_E_INVALID_PARAMETER);

    listener = socket(AF_INET, SOCK_STREAM, 0);
    loopback_address(&addr, (unsigned short)atoi(argv[1]));
    if (listener == INVALID_SOCKET || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(listener, 1) != 0 || getsockname(listener, (struct sockaddr *)&addr, &alen) != 0)
        return fail("listening", SEC_E_INTERNAL_ERROR);
    printf("listening on %u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);

    status = QuerySecurityPackageInfoA((SEC_CHAR *)NEGOSSP_NAME_A, &package);
    if (status != SEC_E_OK)
        return fail("QuerySecurityPackageInfo", status);
    max_token = package->cbMaxToken;
    FreeContextBuffer(package);
    status = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)NEGOSSP_NAME_A, SECPKG_CRED_INBOUND, NULL,
                                       NULL, NULL, NULL, &cred, &expiry);
    if (status != SEC_E_OK)
        return fail("AcquireCredentialsHandle", status);

    s = accept(listener, NULL, NULL);
    if (s == INVALID_SOCKET)
        return fail("accept", SEC_E_INTERNAL_ERROR);
    if (token_buffers_new(max_token, &in_token, &out_token) != 0)
        return fail("malloc", SEC_E_INSUFFICIENT_MEMORY);

    do {
        if (recv_msg(s, in_token, max_token, &len) != 0)
            return fail("receiving a token", SEC_E_INCOMPLETE_MESSAGE);
        token_buffer(&in_desc, &in_buf, in_token, len);
        token_buffer(&out_desc, &out_buf, out_token, max_token);
        status = AcceptSecurityContext(&cred, have_ctx ? &ctx : NULL, &in_desc,
                                       ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |
                                           ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT |
                                           ASC_REQ_CONNECTION,
                                       SECURITY_NATIVE_DREP, &ctx, &out_desc, &attrs, &expiry);
        if (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED)
            return fail("AcceptSecurityContext", status);
        have_ctx = 1;
        if (out_buf.cbBuffer > 0 && send_msg(s, out_token, out_buf.cbBuffer) != 0)
            return fail("sending a token", SEC_E_INTERNAL_ERROR);
    } while (status == SEC_I_CONTINUE_NEEDED);

    /* Who is the client?  Become it and ask the system. */
    status = ImpersonateSecurityContext(&ctx);
    if (status != SEC_E_OK)
        return fail("ImpersonateSecurityContext", status);
    if (current_user(user, sizeof(user)) != 0)
        return fail("GetUserName", SEC_E_INTERNAL_ERROR);
    status = RevertSecurityContext(&ctx);
    if (status != SEC_E_OK)
        return fail("RevertSecurityContext", status);
    printf("client impersonated as %s\n", user);
    fflush(stdout);

    /* A message only the client can read. */
    status = QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sizes);
    if (status != SEC_E_OK)
        return fail("QueryContextAttributes", status);
    snprintf(text, sizeof(text), "Hello from the sample server: you run here as %s", user);
    sealed = (unsigned char *)malloc(sizes.cbSecurityTrailer + strlen(text) + sizes.cbBlockSize);
    if (sealed == NULL)
        return fail("malloc", SEC_E_INSUFFICIENT_MEMORY);
    memcpy(sealed + sizes.cbSecurityTrailer, text, strlen(text));
    msg[0].BufferType = SECBUFFER_TOKEN;
    msg[0].cbBuffer = sizes.cbSecurityTrailer;
    msg[0].pvBuffer = sealed;
    msg[1].BufferType = SECBUFFER_DATA;
    msg[1].cbBuffer = (ULONG)strlen(text);
    msg[1].pvBuffer = sealed + sizes.cbSecurityTrailer;
    msg[2].BufferType = SECBUFFER_PADDING;
    msg[2].cbBuffer = sizes.cbBlockSize;
    msg[2].pvBuffer = sealed + sizes.cbSecurityTrailer + strlen(text);
    msg_desc.ulVersion = SECBUFFER_VERSION;
    msg_desc.cBuffers = 3;
    msg_desc.pBuffers = msg;
    status = EncryptMessage(&ctx, 0, &msg_desc, 0);
    if (status != SEC_E_OK)
        return fail("EncryptMessage", status);
    for (i = 0; i < 3; i++)
        if (send_msg(s, msg[i].pvBuffer, msg[i].cbBuffer) != 0)
            return fail("sending the message", SEC_E_INTERNAL_ERROR);

    DeleteSecurityContext(&ctx);
    FreeCredentialHandle(&cred); /* the legacy name, as older Windows code has it */
    closesocket(s);
    closesocket(listener);
    free(in_token);
    free(out_token);
    free(sealed);
#ifdef _WIN32
    WSACleanup();
#endif
    return 0;
}
