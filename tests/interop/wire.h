/*
 * wire.h - the framing every interop client and server speaks over a
 * loopback TCP socket, and what they share around it (the clients' options,
 * token exchange and RESULT line; the servers' listener and message loop).
 * Builds for POSIX and for Windows (mingw-w64), so the Windows-API client
 * and our servers share one definition.
 *
 * A frame is: type (1 byte), length (u32, big-endian), payload.
 *
 *   client -> server  HELLO   "key=value" lines: settings for this connection
 *                     TOKEN   an authentication token
 *                     SEAL    a message sealed by the client   (wire_msg)
 *                     SIGN    a message signed by the client   (wire_msg)
 *   server -> client  REPLY   u32 SECURITY_STATUS, then the server's token
 *                     RESULT  "key=value" lines: what the server saw
 *                     SEAL    the plaintext it opened, sealed again by the server
 *                     SIGN    the data it verified, signed again by the server
 *
 * A wire_msg is u32 status, u32 count, then count x (u32 SecBuffer type,
 * u32 length, bytes): a SecBufferDesc as it travels (TOKEN + DATA + PADDING,
 * or one STREAM buffer for GSS-API peers, which wrap into a single token).
 */
#ifndef GSS_SSPI_INTEROP_WIRE_H
#define GSS_SSPI_INTEROP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <winsock2.h>
typedef SOCKET wire_socket;
#define WIRE_BAD_SOCKET INVALID_SOCKET
#else
typedef int wire_socket;
#define WIRE_BAD_SOCKET (-1)
#endif

enum wire_type {
    WIRE_HELLO = 'H',
    WIRE_TOKEN = 'T',
    WIRE_REPLY = 'A',
    WIRE_RESULT = 'R',
    WIRE_SEAL = 'E',
    WIRE_SIGN = 'S',
};

#define WIRE_MAX_FRAME (1u << 20)
#define WIRE_MAX_BUFS 4

struct wire_frame {
    unsigned char type;
    uint32_t len;
    unsigned char *data; /* malloc'ed (len + 1 bytes, NUL-terminated) */
};

struct wire_buf {
    uint32_t type; /* SECBUFFER_* */
    uint32_t len;
    unsigned char *data;
};

struct wire_msg {
    uint32_t status;
    uint32_t count;
    struct wire_buf bufs[WIRE_MAX_BUFS];
};

/* SecBuffer types as they travel (the values of Windows and of sspi.h). */
#define WIRE_BUF_DATA 1
#define WIRE_BUF_TOKEN 2
#define WIRE_BUF_PADDING 9
#define WIRE_BUF_STREAM 10

int wire_startup(void);
wire_socket wire_connect(int port); /* 127.0.0.1:port */
void wire_close(wire_socket s);

/* 0 on success, -1 on error or end of stream. */
int wire_send(wire_socket s, unsigned char type, const void *data, uint32_t len);
int wire_recv(wire_socket s, struct wire_frame *f);
void wire_frame_free(struct wire_frame *f);

/* A REPLY frame: status + token. */
int wire_send_reply(wire_socket s, uint32_t status, const void *token, uint32_t len);
/* Splits a REPLY frame; *token points into the frame. */
int wire_parse_reply(const struct wire_frame *f, uint32_t *status, unsigned char **token,
                     uint32_t *len);

/* A message frame.  wire_parse_msg points into the frame (no copies). */
int wire_send_msg(wire_socket s, unsigned char type, const struct wire_msg *m);
int wire_parse_msg(const struct wire_frame *f, struct wire_msg *m);
/* The first buffer of a type, or NULL. */
struct wire_buf *wire_msg_find(struct wire_msg *m, uint32_t type);
/* All its buffers back to back (malloc'ed, NULL when out of memory): an
 * SSPI TOKEN + DATA + PADDING as one GSS token. */
unsigned char *wire_msg_join(const struct wire_msg *m, size_t *len);

/* The value of "key=" in newline-separated text, copied to out ("" if absent:
 * returns 0 then, 1 when found). */
int wire_kv(const char *text, const char *key, char *out, size_t n);

/* The test messages both sides seal and sign: WIRE_N_MESSAGES of them, of
 * varied lengths.  *len is set; the bytes are malloc'ed. */
#define WIRE_N_MESSAGES 4
unsigned char *wire_test_message(int i, uint32_t *len);

/* SEC_E_* name of a status ("0x%08x" for others), in a static buffer. */
const char *wire_status_name(uint32_t status);

/* ---- clients ---- */

/* One option of a client's command line: "--name value" into *value, or,
 * with flag, "--name" alone setting *flag to 1.  Tables end with a NULL
 * name. */
struct wire_option {
    const char *name;
    const char **value;
    int *flag;
};
/* Parses argv by the table; each "--hello key=value" is appended to hello,
 * a line each.  -1 on an unknown option or a missing value. */
int wire_parse_options(int argc, char **argv, const struct wire_option *options, char *hello,
                       size_t hello_size);

/* What the interop clients that speak for a security layer (gss-client,
 * sspi-client) all take: --port N --target SPN [--user U --password P]
 * [--cb TEXT] [--no-messages] [--hello key=value]... */
struct wire_client_options {
    int port;
    const char *target, *user, *password, *cb;
    char hello[2048];
    int no_messages;
};
#define WIRE_MAX_CLIENT_EXTRAS 4
/* Parses argv into o by those options plus the client's own (extra, ending
 * with a NULL name; at most WIRE_MAX_CLIENT_EXTRAS).  -1 on a bad command
 * line, or without a port or a target. */
int wire_parse_client_options(int argc, char **argv, const struct wire_option *extra,
                              struct wire_client_options *o);

/* Sends our TOKEN, reads the server's REPLY: its status, and a malloc'ed
 * copy of its token (NULL when it sent none). */
int wire_exchange(wire_socket s, const void *token, uint32_t len, uint32_t *status,
                  unsigned char **reply, uint32_t *reply_len);

/* The server's RESULT frame (its "key=value" lines) into out, echoed on
 * stderr; out stays as it is when the server sends none. */
void wire_read_result(wire_socket s, char *out, size_t n);

/* The line run-matrix.sh reads from every client:
 *   RESULT status= package= form= user= cb= messages= client_status= client_package=
 * status to cb are the server's, from its RESULT text (status falls back to
 * the one given, the others to "-"), with spaces made safe. */
void wire_print_result(const char *server_result, const char *status, const char *messages,
                       const char *client_status, const char *client_package);

#ifndef _WIN32
/* ---- servers ---- */

/* main() of a server, `NAME --port-file FILE`: listens on an ephemeral
 * 127.0.0.1 port and writes its number to FILE.  Each connection is served
 * by a child process, so that a client crashing the acceptor (or one
 * hanging, after an I/O timeout) costs one cell, not the run: serve gets the
 * text of the client's HELLO.  Returns only on failure. */
int wire_server_main(int argc, char **argv, const char *name,
                     void (*serve)(wire_socket fd, const char *hello));

/* After the handshake: each SEAL or SIGN frame goes to echo, until the
 * client stops or sends anything else. */
void wire_serve_messages(wire_socket fd, void *session,
                         void (*echo)(void *session, unsigned char type, struct wire_msg *m));
#endif

#endif
