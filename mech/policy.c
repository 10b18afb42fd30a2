/*
 * policy.c - the negotiate.conf parser and the policy in force.
 *
 * The file: "key = value" lines, '#' comments, blank lines.  A file that
 * does not parse is refused with "path:line: reason" (syslog, the audit
 * file, gss_display_status, POLICY_STATUS) and the module fails closed:
 * every acceptor is denied until the file is fixed.  Lines that did parse
 * still choose where the refusal is logged.
 *
 * The file is re-read when its path (environment) or its identity (inode,
 * size, mtime, ctime) changes, looked at by one thread no more than once a
 * second on the hot path, and read with no lock held.  A file that could
 * have been written by someone else is refused like a malformed one (see
 * "trusting the file").  Only acceptors report a refusal (policy_acceptor).
 * Policies are immutable but for two atomic notes, and stay allocated while
 * the module is loaded: a context keeps a pointer to the one it started with.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mech_internal.h"

#ifndef GSS_SSPI_SYSCONFDIR
#define GSS_SSPI_SYSCONFDIR "/etc"
#endif
#define DEFAULT_PATH GSS_SSPI_SYSCONFDIR "/gss-sspi/negotiate.conf"
#define MAX_FILE (64 * 1024)
#define MAX_LINE 1024

/* ---- values --------------------------------------------------------------------- */
struct word {
    const char *name;
    int value;
};
static const struct word ntlm_words[] = {
    {"allow", NTLM_ALLOW}, {"audit", NTLM_AUDIT}, {"deny", NTLM_DENY}, {NULL, 0}};
static const struct word cb_words[] = {
    {"none", CB_NONE}, {"allow", CB_ALLOW}, {"require", CB_REQUIRE}, {NULL, 0}};
static const struct word bool_words[] = {{"yes", 1},   {"true", 1}, {"on", 1}, {"1", 1}, {"no", 0},
                                         {"false", 0}, {"off", 0},  {"0", 0},  {NULL, 0}};
static const struct word tri_words[] = {
    {"auto", TRI_AUTO}, {"yes", TRI_YES}, {"no", TRI_NO}, {NULL, 0}};

static const char *word_name(const struct word *words, int value)
{
    for (; words->name; words++)
        if (words->value == value)
            return words->name;
    return "?";
}

const char *policy_ntlm_mode_name(enum ntlm_mode m)
{
    return word_name(ntlm_words, m);
}

const char *policy_cb_mode_name(enum cb_mode m)
{
    return word_name(cb_words, m);
}

/* ---- settings ------------------------------------------------------------------- */
enum kind { KIND_NTLM, KIND_CB, KIND_BOOL, KIND_TRI, KIND_PATH };
static const struct setting {
    const char *key;
    enum kind kind;
    size_t offset;
} settings[] = {
    {"ntlm", KIND_NTLM, offsetof(struct policy, ntlm)},
    {"ntlm_v1", KIND_NTLM, offsetof(struct policy, ntlm_v1)},
    {"channel_bindings", KIND_CB, offsetof(struct policy, channel_bindings)},
    {"ms_krb5_first", KIND_BOOL, offsetof(struct policy, ms_krb5_first)},
    {"use_server_mech_list", KIND_BOOL, offsetof(struct policy, use_server_mech_list)},
    {"interpose_kerberos", KIND_TRI, offsetof(struct policy, interpose_kerberos)},
    {"audit_syslog", KIND_BOOL, offsetof(struct policy, audit_syslog)},
    {"audit_file", KIND_PATH, offsetof(struct policy, audit_file)},
};
#define SETTING_COUNT (sizeof(settings) / sizeof(settings[0]))

static const struct word *words_of(enum kind kind)
{
    static const struct word *const table[] = {ntlm_words, cb_words, bool_words, tri_words};
    return kind < KIND_PATH ? table[kind] : NULL;
}

/* "allow, audit or deny" */
static void list_words(const struct word *words, char *buf, size_t size)
{
    size_t n = 0, count = 0;
    for (const struct word *w = words; w->name; w++)
        count++;
    buf[0] = '\0';
    for (size_t i = 0; i < count && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s",
                              i == 0           ? ""
                              : i + 1 == count ? " or "
                                               : ", ",
                              words[i].name);
}

static void defaults(struct policy *p)
{
    p->valid = true;
    p->ntlm = NTLM_ALLOW;
    p->ntlm_v1 = NTLM_DENY; /* no NTLMv1 unless explicitly allowed */
    p->channel_bindings = CB_ALLOW;
    p->ms_krb5_first = false;
    p->use_server_mech_list = true;
    p->interpose_kerberos = TRI_AUTO;
    p->audit_syslog = true;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

/* Parses one line into p; returns NULL or the reason it is refused. */
static const char *parse_line(struct policy *p, char *line, bool seen[SETTING_COUNT], char *why,
                              size_t why_size)
{
    char *hash = strchr(line, '#');
    if (hash != NULL)
        *hash = '\0';
    line = trim(line);
    if (*line == '\0')
        return NULL;
    char *eq = strchr(line, '=');
    if (eq == NULL) {
        snprintf(why, why_size, "expected \"key = value\", got \"%.60s\"", line);
        return why;
    }
    *eq = '\0';
    char *key = trim(line), *value = trim(eq + 1);
    const struct setting *s = NULL;
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (strcmp(settings[i].key, key) == 0)
            s = &settings[i];
    if (s == NULL) {
        snprintf(why, why_size,
                 "unknown setting \"%.60s\" (known: ntlm, ntlm_v1, channel_bindings, "
                 "ms_krb5_first, use_server_mech_list, interpose_kerberos, audit_syslog, "
                 "audit_file)",
                 key);
        return why;
    }
    if (seen[s - settings]) {
        snprintf(why, why_size, "\"%s\" is set twice", s->key);
        return why;
    }
    seen[s - settings] = true;
    char *field = (char *)p + s->offset;
    if (s->kind == KIND_PATH) {
        if (value[0] != '/') {
            snprintf(why, why_size, "%s must be an absolute path, got \"%.60s\"", s->key, value);
            return why;
        }
        char *copy = strdup(value);
        if (copy == NULL)
            return "out of memory";
        free(*(char **)field);
        *(char **)field = copy;
        return NULL;
    }
    for (const struct word *w = words_of(s->kind); w->name; w++) {
        if (strcmp(w->name, value) == 0) {
            if (s->kind == KIND_BOOL)
                *(bool *)field = w->value != 0;
            else
                *(int *)field = w->value; /* the enums are int-sized */
            return NULL;
        }
    }
    char expected[64];
    list_words(words_of(s->kind), expected, sizeof(expected));
    snprintf(why, why_size, "\"%.40s\" is not a value of %s (expected %s)", value, s->key,
             expected);
    return why;
}

struct policy *policy_parse(const char *text, size_t len, const char *path)
{
    struct policy *p = calloc(1, sizeof(*p));
    bool seen[SETTING_COUNT] = {false};
    char line[MAX_LINE + 1], why[320];
    if (p == NULL)
        return NULL;
    defaults(p);
    p->source = strdup(path);
    size_t pos = 0, lineno = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        const char *reason = NULL;
        if (end - pos > MAX_LINE) {
            reason = "line too long";
        } else if (memchr(text + pos, '\0', end - pos) != NULL) {
            reason = "NUL byte in line";
        } else {
            memcpy(line, text + pos, end - pos);
            line[end - pos] = '\0';
            reason = parse_line(p, line, seen, why, sizeof(why));
        }
        if (reason != NULL && p->valid) {
            p->valid = false;
            if (asprintf(&p->error, "%s:%zu: %s", path, lineno, reason) < 0)
                p->error = NULL;
        }
        pos = end + 1;
    }
    if (!p->valid && p->error == NULL)
        p->error = strdup(path);
    return p;
}

void policy_free(struct policy *p)
{
    if (p == NULL)
        return;
    free(p->source);
    free(p->error);
    free(p->audit_file);
    free(p);
}

/* A policy that refuses everything, for failures before any parsing. */
static struct policy *policy_refused(const char *path, const char *reason)
{
    struct policy *p = policy_parse("", 0, path);
    if (p == NULL)
        return NULL;
    p->valid = false;
    free(p->error);
    if (asprintf(&p->error, "%s: %s", path, reason) < 0)
        p->error = NULL;
    return p;
}

/* ---- trusting the file --------------------------------------------------------------
 * The policy decides who may authenticate to every GSS acceptor of the host,
 * so it is trusted as sshd's StrictModes trusts authorized_keys: the file
 * and every directory above it owned by root or by the process's effective
 * user and writable by no one else.  One difference: a root-owned sticky
 * directory (/tmp) is accepted, since no one else can rename or replace
 * what we own inside it.  The final component is never followed if it is a
 * symbolic link, and only a regular file is read (O_NONBLOCK: a FIFO put
 * there must not stall the accept that looks at it). */
static const struct {
    mode_t type;
    const char *name;
} file_types[] = {
    {S_IFDIR, "a directory"},         {S_IFIFO, "a FIFO"},
    {S_IFCHR, "a character device"},  {S_IFBLK, "a block device"},
    {S_IFSOCK, "a socket"},           {S_IFLNK, "a symbolic link"},
};

static const char *type_name(mode_t mode)
{
    for (size_t i = 0; i < sizeof(file_types) / sizeof(file_types[0]); i++)
        if ((mode & S_IFMT) == file_types[i].type)
            return file_types[i].name;
    return "not a regular file";
}

/* NULL when st may be trusted, else why not (in why). */
static const char *untrusted(const struct stat *st, const char *what, char *why, size_t size)
{
    uid_t euid = geteuid();
    bool sticky_root = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && st->st_uid == 0;
    if (st->st_uid != 0 && st->st_uid != euid) {
        snprintf(why, size, "%s is owned by uid %u (only root or uid %u may own it)", what,
                 (unsigned)st->st_uid, (unsigned)euid);
        return why;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !sticky_root) {
        snprintf(why, size, "%s is writable by group or others (mode %04o)", what,
                 (unsigned)(st->st_mode & 07777));
        return why;
    }
    return NULL;
}

/* Every directory from the file's up to "/", as the kernel resolves them. */
static const char *untrusted_parents(const char *path, char *why, size_t size)
{
    char *copy = strdup(path), *dir = NULL;
    const char *reason = NULL;
    if (copy == NULL)
        return "out of memory";
    char *slash = strrchr(copy, '/');
    if (slash == copy)
        slash[1] = '\0'; /* "/negotiate.conf": the root directory */
    else if (slash != NULL)
        *slash = '\0';
    else
        strcpy(copy, ".");
    dir = realpath(copy, NULL);
    if (dir == NULL) {
        snprintf(why, size, "directory %s: %s", copy, strerror(errno));
        reason = why;
        goto out;
    }
    for (;;) {
        struct stat st;
        char what[PATH_MAX + 16];
        if (stat(dir, &st) != 0) {
            snprintf(why, size, "directory %s: %s", dir, strerror(errno));
            reason = why;
            goto out;
        }
        snprintf(what, sizeof(what), "directory %s", dir);
        if ((reason = untrusted(&st, what, why, size)) != NULL || strcmp(dir, "/") == 0)
            goto out;
        slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
out:
    free(dir);
    free(copy);
    return reason;
}

/* The whole file into a NUL-terminated buffer; NULL and why on failure. */
static char *read_all(int fd, size_t size, size_t *got, const char **why)
{
    char *text = malloc(size + 1);
    *got = 0;
    if (text == NULL) {
        *why = "out of memory";
        return NULL;
    }
    while (*got < size) {
        ssize_t n = read(fd, text + *got, size - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *why = strerror(errno);
            free(text);
            return NULL;
        }
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    text[*got] = '\0';
    return text;
}

/* ---- the policy in force ------------------------------------------------------------ */
struct entry {
    char *path;
    bool exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime; /* ctime: chmod and chown reload too */
    _Atomic time_t checked;
    struct policy *policy;
    struct entry *older; /* kept for contexts that still point at them */
};
static _Atomic(struct entry *) current_entry;
/* Held only to install a loaded policy: never across I/O. */
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_file(const struct entry *e, bool exists, const struct stat *st)
{
    if (e->exists != exists)
        return false;
    return !exists || (e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
                       e->mtime.tv_sec == st->st_mtim.tv_sec &&
                       e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
                       e->ctime.tv_sec == st->st_ctim.tv_sec &&
                       e->ctime.tv_nsec == st->st_ctim.tv_nsec);
}

/* *denied: the file could not be opened for lack of permission, which says
 * who asks, not what the file is. */
static struct policy *load(const char *path, bool explicit_path, bool *exists, struct stat *st,
                           bool *denied)
{
    char why[PATH_MAX + 128];
    const char *reason = NULL;
    struct policy *p = NULL;
    char *text = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    *exists = false;
    *denied = fd < 0 && errno == EACCES;
    if (fd < 0) {
        if (errno == ENOENT && !explicit_path)
            return policy_parse("", 0, path); /* no file: the defaults */
        reason = errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno);
        *exists = errno != ENOENT && lstat(path, st) == 0;
        goto out;
    }
    if (fstat(fd, st) != 0) {
        reason = strerror(errno);
        goto out;
    }
    *exists = true;
    if (!S_ISREG(st->st_mode)) {
        reason = type_name(st->st_mode);
        goto out;
    }
    if ((reason = untrusted(st, "the file", why, sizeof(why))) != NULL ||
        (reason = untrusted_parents(path, why, sizeof(why))) != NULL)
        goto out;
    if (st->st_size > MAX_FILE) {
        reason = "file too large";
        goto out;
    }
    if ((text = read_all(fd, (size_t)st->st_size, &got, &reason)) == NULL)
        goto out;
    p = policy_parse(text, got, path);
out:
    if (reason != NULL)
        p = policy_refused(path, reason);
    free(text);
    if (fd >= 0)
        close(fd);
    return p;
}

static struct entry *entry_new(const char *path, struct policy *p, bool exists,
                               const struct stat *st, time_t now)
{
    struct entry *e = calloc(1, sizeof(*e));
    if (e == NULL || (e->path = strdup(path)) == NULL) {
        free(e);
        return NULL;
    }
    e->exists = exists;
    if (exists) {
        e->dev = st->st_dev;
        e->ino = st->st_ino;
        e->size = st->st_size;
        e->mtime = st->st_mtim;
        e->ctime = st->st_ctim;
    }
    atomic_store_explicit(&e->checked, now, memory_order_relaxed);
    e->policy = p;
    return e;
}

const struct policy *policy_current(void)
{
    static struct policy oom = {.valid = false, .source = "(none)", .error = "out of memory"};
    const char *env = secure_getenv(GSS_SSPI_NEGOTIATE_CONF_ENV);
    const char *path = env != NULL && *env != '\0' ? env : DEFAULT_PATH;
    time_t now = time(NULL);
    struct entry *e = atomic_load_explicit(&current_entry, memory_order_acquire);
    if (e != NULL && strcmp(e->path, path) == 0) {
        /* One thread a second looks at the file; the others keep the
         * policy they have meanwhile. */
        time_t seen = atomic_load_explicit(&e->checked, memory_order_relaxed);
        if (seen == now || !atomic_compare_exchange_strong(&e->checked, &seen, now))
            return e->policy;
    }
    /* A thread that may not look at the file (one impersonating a client
     * has the client's file-system ids) learns nothing about it: it keeps
     * the policy in force, and a thread that can see the file reloads it.
     * The first load still fails closed. */
    bool known = e != NULL && strcmp(e->path, path) == 0, denied;
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    bool hidden = !exists && errno == EACCES;
    if (known && (hidden || same_file(e, exists, &st)))
        return e->policy;

    /* Read without any lock: a file on a stalled disk stalls this thread
     * only.  Two threads may both read; the second install is dropped. */
    struct policy *p = load(path, env != NULL && *env != '\0', &exists, &st, &denied);
    if (known && denied) {
        policy_free(p);
        return e->policy;
    }
    struct entry *fresh = p != NULL ? entry_new(path, p, exists, &st, now) : NULL;
    if (fresh == NULL) {
        policy_free(p);
        return e != NULL ? e->policy : &oom; /* keep what we had, or refuse */
    }
    pthread_mutex_lock(&install_lock);
    struct entry *now_current = atomic_load_explicit(&current_entry, memory_order_acquire);
    if (now_current != e && now_current != NULL && strcmp(now_current->path, path) == 0 &&
        same_file(now_current, exists, &st)) {
        pthread_mutex_unlock(&install_lock); /* another thread won */
        policy_free(fresh->policy);
        free(fresh->path);
        free(fresh);
        return now_current->policy;
    }
    fresh->older = now_current;
    atomic_store_explicit(&current_entry, fresh, memory_order_release);
    pthread_mutex_unlock(&install_lock);
    return p;
}

/* A refused policy is reported (syslog and the audit file) once, by the
 * first acceptor that meets it: initiators (curl, ssh) never apply the
 * acceptor policy, so they must not fill the log about it. */
const struct policy *policy_acceptor(void)
{
    const struct policy *p = policy_current();
    if (p->valid || atomic_exchange(&((struct policy *)p)->reported, true))
        return p;
    char line[LINE_MAX_LEN];
    snprintf(line, sizeof(line),
             "gss-sspi-negotiate: policy refused: %s; every acceptor is denied until it is fixed",
             p->error ? p->error : "?");
    syslog_send(LOG_AUTHPRIV | LOG_ERR, line, strlen(line));
    struct audit_record rec = {.result = "denied", .reason = p->error, .form = -1};
    audit_emit(p, &rec);
    return p;
}

__attribute__((destructor)) static void policy_unload(void)
{
    struct entry *e = atomic_exchange(&current_entry, NULL);
    while (e != NULL) {
        struct entry *older = e->older;
        policy_free(e->policy);
        free(e->path);
        free(e);
        e = older;
    }
}
