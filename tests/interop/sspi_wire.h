/*
 * sspi_wire.h - what the two SSPI programs of the matrix, interop-server and
 * sspi-client, share: channel bindings, and wire.h's messages as Windows
 * callers lay them out.  Builds for POSIX (libgss-sspi) and for Windows
 * (mingw-w64, secur32).
 */
#ifndef GSS_SSPI_INTEROP_SSPI_WIRE_H
#define GSS_SSPI_INTEROP_SSPI_WIRE_H

#ifdef _WIN32
/* Windows needs this order: winsock2 before windows, windows before security. */
// clang-format off
#define SECURITY_WIN32
#include <winsock2.h>
#include <windows.h>
#include <security.h>
// clang-format on
#else
#include <security.h>
#endif

#include "wire.h"

/* A SEC_CHANNEL_BINDINGS with application data only (as TLS servers use);
 * malloc'ed, NULL when out of memory. */
unsigned char *sspi_channel_bindings(const char *app_data, ULONG *len);

/* A message protected for the wire, in the layout of its type:
 *   WIRE_SEAL  TOKEN (cbSecurityTrailer) + DATA (a copy, sealed in place)
 *              + PADDING (cbBlockSize), by EncryptMessage
 *   WIRE_SIGN  DATA (the caller's bytes) + TOKEN (cbMaxSignature), by
 *              MakeSignature
 * sspi_message_free releases it whatever sspi_protect returned. */
struct sspi_message {
    SecBuffer bufs[3];
    SecBufferDesc desc;
    unsigned char *memory[3];
};
SECURITY_STATUS sspi_protect(CtxtHandle *ctx, const SecPkgContext_Sizes *sizes, unsigned char type,
                             const unsigned char *data, ULONG len, struct sspi_message *out);
/* Its buffers as those of w (the status stays w's). */
void sspi_message_to_wire(const struct sspi_message *m, struct wire_msg *w);
void sspi_message_free(struct sspi_message *m);

/* A received message of a type, opened in place by DecryptMessage
 * (WIRE_SEAL; a STREAM gets an empty DATA buffer for the plaintext) or
 * VerifySignature (WIRE_SIGN); data: its first DATA buffer, NULL if none. */
struct sspi_received {
    SecBuffer bufs[WIRE_MAX_BUFS + 1];
    SecBufferDesc desc;
    SecBuffer *data;
};
SECURITY_STATUS sspi_open(CtxtHandle *ctx, unsigned char type, struct wire_msg *m,
                          struct sspi_received *r);

#endif
