/*
 * syslog_send.c - one audit line to the local syslog socket.
 *
 * glibc's syslog() formats its header with strftime and the message with
 * vsnprintf on every call: about 5k instructions, 1.6% of a Kerberos
 * accept, on a path that must stay within 3% of running without the
 * module.  The line is already formatted, so the header is built by hand
 * ("<PRI>Mmm dd hh:mm:ss prog[pid]: ", RFC 3164, local time, as glibc writes
 * it) and the datagram sent on a socket kept open.  A syslog daemon that
 * went away is reconnected once; if the socket cannot be had, glibc's
 * syslog() does the job (tried again at most once a second).
 * GSS_SSPI_NEGOTIATE_SYSLOG names another socket path (tests, benchmarks).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mech_internal.h"

#define SYSLOG_SOCKET "/dev/log"
#define SYSLOG_SOCKET_ENV "GSS_SSPI_NEGOTIATE_SYSLOG"

static int log_fd = -1;
static time_t log_failed_at; /* when the socket last could not be had */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static int open_socket(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    const char *path = secure_getenv(SYSLOG_SOCKET_ENV);
    if (path == NULL || *path == '\0' || strlen(path) >= sizeof(addr.sun_path))
        path = SYSLOG_SOCKET;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* "<86>Nov  2 13:45:00 prog[42]: "; everything after the priority is kept
 * per thread for the current second (localtime_r is not free). */
static size_t header(char *out, size_t size, int priority)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static _Thread_local time_t cached_when = -1;
    static _Thread_local pid_t cached_pid;
    static _Thread_local char rest[128];
    static _Thread_local size_t rest_len;
    time_t now = time(NULL);
    pid_t pid = getpid();
    if (now != cached_when || pid != cached_pid) {
        struct tm tm;
        const char *prog = program_invocation_short_name;
        size_t plen = strnlen(prog, 64);
        if (localtime_r(&now, &tm) == NULL)
            return 0;
        char *p = rest;
        memcpy(p, months + 3 * (tm.tm_mon % 12), 3);
        p += 3;
        *p++ = ' ';
        if (tm.tm_mday < 10)
            *p++ = ' '; /* day of month is space-padded */
        p = put_digits(p, (unsigned long)tm.tm_mday, 0);
        *p++ = ' ';
        p = put_digits(p, (unsigned long)tm.tm_hour, 2);
        *p++ = ':';
        p = put_digits(p, (unsigned long)tm.tm_min, 2);
        *p++ = ':';
        p = put_digits(p, (unsigned long)tm.tm_sec, 2);
        *p++ = ' ';
        memcpy(p, prog, plen);
        p += plen;
        *p++ = '[';
        p = put_digits(p, (unsigned long)pid, 0);
        *p++ = ']';
        *p++ = ':';
        *p++ = ' ';
        rest_len = (size_t)(p - rest);
        cached_when = now;
        cached_pid = pid;
    }
    if (size < rest_len + 16)
        return 0;
    char *p = out;
    *p++ = '<';
    p = put_digits(p, (unsigned long)priority, 0);
    *p++ = '>';
    memcpy(p, rest, rest_len);
    return (size_t)(p - out) + rest_len;
}

void syslog_send(int priority, const char *line)
{
    char msg[2304];
    size_t len = header(msg, sizeof(msg), priority);
    size_t llen = strlen(line);
    if (len == 0 || llen > sizeof(msg) - len) {
        syslog(priority, "%s", line);
        return;
    }
    memcpy(msg + len, line, llen);
    len += llen;
    pthread_mutex_lock(&log_lock);
    bool sent = false;
    for (int attempt = 0; attempt < 2 && !sent; attempt++) {
        if (log_fd < 0 && log_failed_at != time(NULL))
            log_fd = open_socket();
        if (log_fd < 0) {
            log_failed_at = time(NULL);
            break;
        }
        sent = send(log_fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len;
        if (!sent) { /* the daemon restarted: reconnect once */
            close(log_fd);
            log_fd = -1;
        }
    }
    pthread_mutex_unlock(&log_lock);
    if (!sent)
        syslog(priority, "%s", line);
}
