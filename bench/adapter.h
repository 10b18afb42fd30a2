/*
 * adapter.h - the two sides of bench-adapter: the same server work through
 * libgss-sspi and through raw GSS calls (adapter_sides.c), driven by
 * adapter.c.
 */
#ifndef GSS_SSPI_BENCH_ADAPTER_H
#define GSS_SSPI_BENCH_ADAPTER_H

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <stdbool.h>
#include <stddef.h>

#include <sspi.h>

struct mech;

/* The server end of one connection, on either side. */
struct server {
    const struct mech *mech;
    CredHandle *sspi_cred;
    gss_cred_id_t gss_cred;
    CtxtHandle sspi;
    bool sspi_open;
    gss_ctx_id_t gss;
    gss_name_t peer;
    gss_buffer_desc reply; /* the last accept step's output token */
    void *reply_owner;     /* SSPI: the pvBuffer to FreeContextBuffer */
};

/* One message in its buffers: TOKEN (header or signature), DATA, PADDING.
 * Incoming messages lie in one receive buffer, TOKEN then DATA. */
struct message {
    unsigned char *token, *data, *padding;
    size_t token_len, len, padding_len;
};

enum op { OP_SEAL, OP_UNSEAL, OP_SIGN, OP_VERIFY, OP_COUNT };
typedef void (*message_op)(struct server *s, struct message *m);

struct side {
    const char *name; /* in the figures */
    const char *role; /* "measured" or "baseline" */
    /* One accept step on token; true when the context is complete. */
    bool (*accept)(struct server *s, const gss_buffer_desc *token);
    void (*release_reply)(struct server *s);
    /* Peer name released, context deleted: the connection is over. */
    void (*finish)(struct server *s);
    message_op ops[OP_COUNT];
};

extern const struct side side_sspi, side_raw_iov, side_raw_plain;

/* Fails the bench (exit 1) with what went wrong. */
_Noreturn void bench_die(const char *what, unsigned long major, unsigned long minor);

#endif
