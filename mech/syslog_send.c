/*
 * syslog_send.c - one audit line to the local syslog socket.
 *
 * glibc's syslog() formats its header with strftime and the message with
 * vsnprintf on every call: about 5k instructions, 1.6% of a Kerberos
 * accept, on a path that must stay within 3% of running without the
 * module.  The line is already formatted, so the header is built by hand
 * ("<PRI>Mmm dd hh:mm:ss prog[pid]: ", RFC 3164, local time, as glibc writes
 * it) and the datagram sent on a socket kept open.
 *
 * The audit line must never hold up an accept: a syslog daemon that stops
 * reading would otherwise stall authentication in every GSS application of
 * the host.  The socket is non-blocking and the send takes no lock; when
 * the daemon's queue is full the line is dropped and counted, and the next
 * line that gets through carries " syslog_dropped=N" (the total is in
 * POLICY_STATUS).  A daemon that went away is reconnected (at most once a
 * second) by dup3() onto the same descriptor, so a concurrent send never
 * meets a closed or reused one.  glibc's syslog() is not a fallback: its
 * socket blocks.  GSS_SSPI_NEGOTIATE_SYSLOG names another socket path
 * (tests, benchmarks).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
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
#include "thread_state.h"

#define SYSLOG_SOCKET "/dev/log"
#define SYSLOG_SOCKET_ENV "GSS_SSPI_NEGOTIATE_SYSLOG"

static _Atomic int log_fd = -1;
static _Atomic time_t log_failed_at;          /* when the socket last could not be had */
static atomic_ulong dropped_total, dropped_unreported;
static pthread_mutex_t connect_lock = PTHREAD_MUTEX_INITIALIZER; /* no I/O that can block */

static int open_socket(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    const char *path = secure_getenv(SYSLOG_SOCKET_ENV);
    if (path == NULL || *path == '\0' || strlen(path) >= sizeof(addr.sun_path))
        path = SYSLOG_SOCKET;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* A connected socket in log_fd (a fresh one over it when stale); -1 when
 * none can be had this second. */
static int connected(bool stale)
{
    time_t now = time(NULL);
    int fd = atomic_load(&log_fd);
    if ((fd >= 0 && !stale) || atomic_load(&log_failed_at) == now)
        return stale ? -1 : fd;
    pthread_mutex_lock(&connect_lock);
    int current = atomic_load(&log_fd);
    if (current != fd) { /* another thread reconnected meanwhile */
        pthread_mutex_unlock(&connect_lock);
        return current;
    }
    int fresh = open_socket();
    if (fresh < 0) {
        atomic_store(&log_failed_at, now);
    } else if (current < 0) {
        atomic_store(&log_fd, fresh);
        current = fresh;
    } else {
        /* Same descriptor number, new socket: atomic for concurrent senders. */
        if (dup3(fresh, current, O_CLOEXEC) < 0)
            atomic_store(&log_failed_at, now);
        close(fresh);
    }
    pthread_mutex_unlock(&connect_lock);
    return fresh < 0 ? -1 : current;
}

unsigned long syslog_dropped(void)
{
    return atomic_load(&dropped_total);
}

/* "<86>Nov  2 13:45:00 prog[42]: "; everything after the priority is kept
 * per thread for the current second (localtime_r is not free). */
static size_t header(char *out, size_t size, int priority)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct mech_thread_state *ts = thread_state();
    char *rest = ts->syslog_header.rest;
    time_t now = time(NULL);
    pid_t pid = getpid();
    if (now != ts->syslog_header.when || pid != ts->syslog_header.pid) {
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
        ts->syslog_header.rest_len = (size_t)(p - rest);
        ts->syslog_header.when = now;
        ts->syslog_header.pid = pid;
    }
    size_t rest_len = ts->syslog_header.rest_len;
    if (size < rest_len + 16)
        return 0;
    char *p = out;
    *p++ = '<';
    p = put_digits(p, (unsigned long)priority, 0);
    *p++ = '>';
    memcpy(p, rest, rest_len);
    return (size_t)(p - out) + rest_len;
}

/* Errors after which a new socket may help (the daemon restarted). */
static bool reconnectable(int err)
{
    return err == ECONNREFUSED || err == ENOTCONN || err == ECONNRESET || err == EPIPE ||
           err == EBADF || err == ENOTSOCK || err == EDESTADDRREQ;
}

void syslog_send(int priority, const char *line, size_t line_len)
{
    char msg[2400];
    size_t len = header(msg, sizeof(msg), priority);
    size_t llen = line_len < LINE_MAX_LEN ? line_len : LINE_MAX_LEN;
    unsigned long owed = atomic_load(&dropped_unreported);
    if (len == 0) {
        atomic_fetch_add(&dropped_total, 1);
        atomic_fetch_add(&dropped_unreported, 1);
        return;
    }
    memcpy(msg + len, line, llen);
    len += llen;
    if (owed != 0) {
        static const char field[] = " syslog_dropped=";
        memcpy(msg + len, field, sizeof(field) - 1);
        len = (size_t)(put_digits(msg + len + sizeof(field) - 1, owed, 0) - msg);
    }
    bool sent = false;
    for (int attempt = 0; attempt < 2 && !sent; attempt++) {
        int fd = connected(attempt > 0);
        if (fd < 0)
            break;
        sent = send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len;
        if (!sent && !reconnectable(errno))
            break; /* EAGAIN / ENOBUFS: full; the line is dropped, not waited for */
    }
    if (sent) {
        atomic_fetch_sub(&dropped_unreported, owed);
    } else {
        atomic_fetch_add(&dropped_total, 1);
        atomic_fetch_add(&dropped_unreported, 1);
    }
}
