/*
 * krb5_accept.c - N Kerberos context establishments in one process, with a
 * plain GSS initiator (default ccache) and acceptor (one credential, as a
 * server keeps it).  bench/run.sh runs it under callgrind with and without
 * the interposer and compares the instructions spent inside
 * gss_accept_sec_context.
 *
 *   bench-krb5-accept [N] [krb5|spnego]
 *
 * With GSS_SSPI_NEGOTIATE_SYSLOG set, it stands in for the syslog daemon on
 * that socket path (as production has one), drains it between contexts and
 * prints how many audit lines arrived.
 */
#include <gssapi/gssapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

static gss_OID_desc krb5 = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
static gss_OID_desc spnego = {6, "\x2b\x06\x01\x05\x05\x02"};

int main(int argc, char **argv)
{
    OM_uint32 major, minor;
    int n = argc > 1 ? atoi(argv[1]) : 20;
    gss_OID mech = argc > 2 && strcmp(argv[2], "spnego") == 0 ? &spnego : &krb5;
    const char *host = getenv("GSS_SSPI_TEST_HOST");
    char target[256];
    snprintf(target, sizeof(target), "HTTP@%s", host ? host : "server.gss-sspi.test");
    gss_buffer_desc tb = {strlen(target), target};
    gss_name_t name;
    gss_cred_id_t acceptor = GSS_C_NO_CREDENTIAL;
    gss_OID_set_desc mechs = {1, mech};
    int log_fd = syslog_receiver(), lines = 0;
    if (GSS_ERROR(gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE, &name)) ||
        GSS_ERROR(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &acceptor, NULL,
                                   NULL))) {
        fprintf(stderr, "bench: setup failed\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        gss_ctx_id_t client = GSS_C_NO_CONTEXT, server = GSS_C_NO_CONTEXT;
        gss_buffer_desc token = GSS_C_EMPTY_BUFFER, reply = GSS_C_EMPTY_BUFFER;
        gss_name_t peer = GSS_C_NO_NAME;
        major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &client, name, mech,
                                     GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG, 0,
                                     NULL, NULL, NULL, &token, NULL, NULL);
        if (GSS_ERROR(major)) {
            fprintf(stderr, "bench: init 0x%x/0x%x\n", major, minor);
            return 1;
        }
        major = gss_accept_sec_context(&minor, &server, acceptor, &token, NULL, &peer, NULL, &reply,
                                       NULL, NULL, NULL);
        if (major != GSS_S_COMPLETE) {
            fprintf(stderr, "bench: accept 0x%x/0x%x\n", major, minor);
            return 1;
        }
        gss_release_buffer(&minor, &token);
        gss_release_buffer(&minor, &reply);
        gss_release_name(&minor, &peer);
        gss_delete_sec_context(&minor, &client, GSS_C_NO_BUFFER);
        gss_delete_sec_context(&minor, &server, GSS_C_NO_BUFFER);
        lines += drain(log_fd);
    }
    gss_release_cred(&minor, &acceptor);
    gss_release_name(&minor, &name);
    printf("bench: %d %s contexts accepted, %d syslog lines\n", n,
           mech == &krb5 ? "Kerberos" : "SPNEGO/Kerberos", lines);
    if (log_fd >= 0)
        unlink(getenv("GSS_SSPI_NEGOTIATE_SYSLOG"));
    return 0;
}
