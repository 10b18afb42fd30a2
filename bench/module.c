/*
 * module.c - a plain GSS server's whole operation on N connections, for
 * bench/module.sh to run without and with the gss-sspi-negotiate module:
 *
 *   bench-module callgrind|cpu N krb5|spnego sequential|alive
 *
 * The whole operation is what the server does for one connection: accept
 * the client's token, release the reply, release the peer name, delete
 * the context.  The client (default ccache) is plain GSS, outside it.
 * sequential: no other context alive (the client is deleted once it has
 * sent its token); alive: the client's context and another connection's
 * established Kerberos context stay alive.
 *
 * callgrind: the operations are the segment callgrind counts (measure.h).
 * cpu: the CPU time the thread spends in each, user and kernel
 * (CLOCK_THREAD_CPUTIME_ID, the scheduler's own count, in ns): the median
 * per operation, robust to what a shared machine's neighbours do to a few
 * of them; and the user / kernel split of the total (getrusage
 * RUSAGE_THREAD).  The audit datagram's cost is partly kernel time, which
 * callgrind cannot see.
 *
 * With GSS_SSPI_NEGOTIATE_SYSLOG set, the program stands in for the syslog
 * daemon on that socket path (as production has one), drains it between
 * connections, outside the measure, and prints how many audit lines came.
 */
/* RUSAGE_THREAD: _GNU_SOURCE, which config.h defines */
#include <gssapi/gssapi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "measure.h"

static gss_OID_desc krb5 = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
static gss_OID_desc spnego = {6, "\x2b\x06\x01\x05\x05\x02"};

#define CLIENT_FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG)

static void die(const char *what, OM_uint32 major, OM_uint32 minor)
{
    fprintf(stderr, "bench: %s failed: 0x%x/%u\n", what, major, minor);
    exit(1);
}

static int syslog_receiver(void)
{
    const char *path = getenv("GSS_SSPI_NEGOTIATE_SYSLOG");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (path == NULL || strlen(path) >= sizeof(addr.sun_path))
        return -1;
    strcpy(addr.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Reads what arrived; returns the number of lines. */
static int drain(int fd)
{
    char buf[4096];
    int lines = 0;
    while (fd >= 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        lines++;
    return lines;
}

static long usec(struct timeval tv)
{
    return tv.tv_sec * 1000000L + tv.tv_usec;
}

static gss_buffer_desc client_token(gss_name_t target, gss_OID mech, gss_ctx_id_t *client)
{
    OM_uint32 major, minor;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, client, target, mech, CLIENT_FLAGS, 0,
                                 NULL, NULL, NULL, &token, NULL, NULL);
    if (GSS_ERROR(major))
        die("gss_init_sec_context", major, minor);
    return token;
}

/* The server's context for the client's token (one step: the reply, if
 * any, released). */
static gss_ctx_id_t accept_one(gss_cred_id_t acceptor, gss_buffer_desc *token, gss_name_t *peer)
{
    OM_uint32 major, minor;
    gss_ctx_id_t server = GSS_C_NO_CONTEXT;
    gss_buffer_desc reply = GSS_C_EMPTY_BUFFER;
    major = gss_accept_sec_context(&minor, &server, acceptor, token, NULL, peer, NULL, &reply, NULL,
                                   NULL, NULL);
    if (major != GSS_S_COMPLETE)
        die("gss_accept_sec_context", major, minor);
    gss_release_buffer(&minor, &reply);
    return server;
}

/* The whole operation for one connection. */
static void serve(gss_cred_id_t acceptor, gss_buffer_desc *token)
{
    OM_uint32 minor;
    gss_name_t peer = GSS_C_NO_NAME;
    gss_ctx_id_t server = accept_one(acceptor, token, &peer);
    gss_release_name(&minor, &peer);
    gss_delete_sec_context(&minor, &server, GSS_C_NO_BUFFER);
}

/* Another connection's established Kerberos context, kept by the server. */
static gss_ctx_id_t resident_context(gss_name_t target, gss_cred_id_t acceptor)
{
    OM_uint32 minor;
    gss_ctx_id_t client = GSS_C_NO_CONTEXT;
    gss_buffer_desc token = client_token(target, &krb5, &client);
    gss_ctx_id_t server = accept_one(acceptor, &token, NULL);
    gss_release_buffer(&minor, &token);
    gss_delete_sec_context(&minor, &client, GSS_C_NO_BUFFER);
    return server;
}

int main(int argc, char **argv)
{
    OM_uint32 minor;
    if (argc != 5) {
        fprintf(stderr, "usage: %s callgrind|cpu N krb5|spnego sequential|alive\n", argv[0]);
        return 2;
    }
    bool cpu = strcmp(argv[1], "cpu") == 0;
    int n = atoi(argv[2]);
    gss_OID mech = strcmp(argv[3], "spnego") == 0 ? &spnego : &krb5;
    bool sequential = strcmp(argv[4], "sequential") == 0;
    const char *host = getenv("GSS_SSPI_TEST_HOST");
    char text[256];
    snprintf(text, sizeof(text), "HTTP@%s", host ? host : "server.gss-sspi.test");
    gss_buffer_desc tb = {strlen(text), text};
    gss_name_t target;
    gss_cred_id_t acceptor = GSS_C_NO_CREDENTIAL;
    gss_OID_set_desc mechs = {1, mech};
    OM_uint32 major = gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (!GSS_ERROR(major))
        major =
            gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &acceptor, NULL, NULL);
    if (GSS_ERROR(major))
        die("setup", major, minor);
    int log_fd = syslog_receiver(), lines = 0;
    gss_ctx_id_t resident = sequential ? GSS_C_NO_CONTEXT : resident_context(target, acceptor);
    long long *spent = calloc((size_t)n + 1, sizeof(*spent));
    long user = 0, sys = 0;
    if (spent == NULL)
        die("calloc", 0, 0);
    for (int i = 0; i <= n; i++) {
        gss_ctx_id_t client = GSS_C_NO_CONTEXT;
        gss_buffer_desc token = client_token(target, mech, &client);
        if (sequential)
            gss_delete_sec_context(&minor, &client, GSS_C_NO_BUFFER);
        if (i == 1)
            measure_discard(); /* the first was the warm-up */
        struct rusage before, after;
        getrusage(RUSAGE_THREAD, &before);
        measure_spent = 0;
        measure_start();
        serve(acceptor, &token);
        measure_stop();
        spent[i] = measure_spent;
        getrusage(RUSAGE_THREAD, &after);
        if (i > 0) {
            user += usec(after.ru_utime) - usec(before.ru_utime);
            sys += usec(after.ru_stime) - usec(before.ru_stime);
        }
        gss_release_buffer(&minor, &token);
        gss_delete_sec_context(&minor, &client, GSS_C_NO_BUFFER);
        lines += drain(log_fd);
    }
    measure_dump("-", "module", "measured", argv[3], n); /* module.sh labels it */
    gss_delete_sec_context(&minor, &resident, GSS_C_NO_BUFFER);
    gss_release_cred(&minor, &acceptor);
    gss_release_name(&minor, &target);
    printf("bench: %d %s connections served (%s), %d syslog lines\n", n,
           mech == &krb5 ? "Kerberos" : "SPNEGO/Kerberos", argv[4], lines);
    if (cpu) {
        /* spent[0]: the warm-up */
        printf("cpu: %lld %ld %ld\n", measure_median(spent + 1, (size_t)n), user, sys);
    }
    free(spent);
    if (log_fd >= 0)
        unlink(getenv("GSS_SSPI_NEGOTIATE_SYSLOG"));
    return 0;
}
