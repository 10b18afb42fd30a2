/* sample_wire.h - the sockets of tests/sample_server.c and
 * tests/sample_client.c, POSIX or Winsock: every message is a 4-byte
 * big-endian length and its bytes. */
#ifndef GSS_SSPI_TEST_SAMPLE_WIRE_H
#define GSS_SSPI_TEST_SAMPLE_WIRE_H

#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>
typedef SOCKET sock_t;
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
typedef int sock_t;
#define INVALID_SOCKET (-1)
#define closesocket close
#endif

#define SECURITY_WIN32
#include <security.h>

int send_msg(sock_t s, const void *p, unsigned long len);
/* One message into buf (at most max bytes); -1 on a short read or when
 * the message is longer. */
int recv_msg(sock_t s, void *buf, unsigned long max, unsigned long *len);
/* 127.0.0.1:port */
void loopback_address(struct sockaddr_in *addr, unsigned short port);
/* The two token buffers of a handshake, max bytes each (free() them); -1
 * when out of memory. */
int token_buffers_new(unsigned long max, unsigned char **in, unsigned char **out);
/* desc describes the one token buffer buf: len bytes at p. */
void token_buffer(SecBufferDesc *desc, SecBuffer *buf, void *p, unsigned long len);

#endif
