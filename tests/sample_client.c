/*
 * sample_client.c - the client of tests/sample_server.c, in the shape of
 * the client of Microsoft's "Using SSPI with a Windows Sockets Server"
 * sample (our own program): it includes <Security.h> and <schannel.h> as
 * that client does, authenticates with InitializeSecurityContext (Negotiate,
 * Kerberos or NTLM; logged-on or explicit credentials), then reads the
 * server's sealed message and opens it with DecryptMessage.  Built natively
 * against gss-sspi and with mingw-w64 for Wine.
 *
 * Usage: sample-client PORT TARGET PACKAGE [USER DOMAIN PASSWORD]
 * Prints "RESULT message=<the server's text>" or "RESULT error=<what>".
 */
#define SECURITY_WIN32
#include "sample_wire.h"
#include <Security.h>
#include <schannel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, SECURITY_STATUS status)
{
    printf("RESULT error=%s status=0x%08x\n", what, (unsigned)status);
    return 1;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    sock_t s;
    PSecPkgInfoA package;
    SEC_WINNT_AUTH_IDENTITY_A id;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SECURITY_STATUS status;
    SecBuffer in_buf, out_buf, msg[3];
    SecBufferDesc in_desc, out_desc, msg_desc;
    ULONG attrs, max_token, n_parts = 0;
    /* static: still reachable when an error path returns from main (LeakSanitizer) */
    static unsigned char *in_token, *out_token, *part[3];
    unsigned long len[3], in_len = 0;
    int have_ctx = 0, i;
#ifdef _WIN32
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return fail("WSAStartup", SEC_E_INTERNAL_ERROR);
#endif
    if (argc != 4 && argc != 7)
        return fail("usage", SEC_E_INVALID_PARAMETER);

    status = QuerySecurityPackageInfoA((SEC_CHAR *)argv[3], &package);
    if (status != SEC_E_OK)
        return fail("QuerySecurityPackageInfo", status);
    max_token = package->cbMaxToken;
    FreeContextBuffer(package);
    if (argc == 7) {
        memset(&id, 0, sizeof(id));
        id.User = (unsigned char *)argv[4];
        id.UserLength = (ULONG)strlen(argv[4]);
        id.Domain = (unsigned char *)argv[5];
        id.DomainLength = (ULONG)strlen(argv[5]);
        id.Password = (unsigned char *)argv[6];
        id.PasswordLength = (ULONG)strlen(argv[6]);
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    }
    status = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)argv[3], SECPKG_CRED_OUTBOUND, NULL,
                                       argc == 7 ? &id : NULL, NULL, NULL, &cred, &expiry);
    if (status != SEC_E_OK)
        return fail("AcquireCredentialsHandle", status);

    s = socket(AF_INET, SOCK_STREAM, 0);
    loopback_address(&addr, (unsigned short)atoi(argv[1]));
    if (s == INVALID_SOCKET || connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0)
        return fail("connect", SEC_E_INTERNAL_ERROR);
    if (token_buffers_new(max_token, &in_token, &out_token) != 0)
        return fail("malloc", SEC_E_INSUFFICIENT_MEMORY);

    /* Preallocated output buffers: Wine's Kerberos ignores ALLOCATE_MEMORY. */
    do {
        token_buffer(&in_desc, &in_buf, in_token, in_len);
        token_buffer(&out_desc, &out_buf, out_token, max_token);
        status = InitializeSecurityContextA(
            &cred, have_ctx ? &ctx : NULL, argv[2],
            ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
                ISC_REQ_SEQUENCE_DETECT | ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONNECTION,
            0, SECURITY_NATIVE_DREP, have_ctx ? &in_desc : NULL, 0, &ctx, &out_desc, &attrs,
            &expiry);
        if (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED)
            return fail("InitializeSecurityContext", status);
        have_ctx = 1;
        if (out_buf.cbBuffer > 0 && send_msg(s, out_token, out_buf.cbBuffer) != 0)
            return fail("sending a token", SEC_E_INTERNAL_ERROR);
        if (status == SEC_I_CONTINUE_NEEDED && recv_msg(s, in_token, max_token, &in_len) != 0)
            return fail("receiving a token", SEC_E_INCOMPLETE_MESSAGE);
    } while (status == SEC_I_CONTINUE_NEEDED);

    /* TOKEN, DATA, PADDING as the server's EncryptMessage left them. */
    for (i = 0; i < 3; i++) {
        part[i] = (unsigned char *)malloc(65536);
        if (part[i] == NULL || recv_msg(s, part[i], 65535, &len[i]) != 0)
            return fail("receiving the message", SEC_E_INCOMPLETE_MESSAGE);
    }
    msg[n_parts].BufferType = SECBUFFER_TOKEN;
    msg[n_parts].cbBuffer = len[0];
    msg[n_parts++].pvBuffer = part[0];
    msg[n_parts].BufferType = SECBUFFER_DATA;
    msg[n_parts].cbBuffer = len[1];
    msg[n_parts++].pvBuffer = part[1];
    if (len[2] > 0) {
        msg[n_parts].BufferType = SECBUFFER_PADDING;
        msg[n_parts].cbBuffer = len[2];
        msg[n_parts++].pvBuffer = part[2];
    }
    msg_desc.ulVersion = SECBUFFER_VERSION;
    msg_desc.cBuffers = n_parts;
    msg_desc.pBuffers = msg;
    status = DecryptMessage(&ctx, &msg_desc, 0, &attrs);
    if (status != SEC_E_OK)
        return fail("DecryptMessage", status);
    for (i = 0; i < (int)n_parts; i++)
        if (msg[i].BufferType == SECBUFFER_DATA)
            printf("RESULT message=%.*s\n", (int)msg[i].cbBuffer, (char *)msg[i].pvBuffer);

    DeleteSecurityContext(&ctx);
    FreeCredentialHandle(&cred);
    closesocket(s);
    for (i = 0; i < 3; i++)
        free(part[i]);
    free(in_token);
    free(out_token);
#ifdef _WIN32
    WSACleanup();
#endif
    return 0;
}
