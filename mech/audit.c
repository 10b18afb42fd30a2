/*
 * audit.c - one line per accepted (or refused) context, to syslog
 * (authpriv, tagged with the program's name, syslog_send.c) and
 * appended to the policy's audit_file.
 *
 *   gss-sspi-negotiate: time=2024-05-01T12:00:00Z pid=42 prog=httpd result=success
 *   package=Kerberos form=SPNEGO client="alice@EXAMPLE.COM" service="HTTP/www@EXAMPLE.COM"
 *   ntlm=- cb=matched flags=mutual,replay,sequence,conf,integ,chbound ntlm_policy=-
 *   ntlm_v1_policy=-
 *
 * (one line), with compat=<rule,...> after ntlm_v1_policy when the
 * token-compatibility layer rewrote or refused a token of the context, then
 * cb_policy=require(caller) and required_flags=<flags> when the application
 * handed its own requirements over (caller_requirements.c).
 * Names come from the network: every value is quoted and escaped so that no
 * client can forge a field or a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mech_internal.h"
#include "thread_state.h"


#define FLAG(flag, name) {flag, name, sizeof(name) - 1}
static const struct {
    OM_uint32 flag;
    const char *name;
    size_t len;
} flag_names[] = {
    FLAG(GSS_C_DELEG_FLAG, "deleg"),
    FLAG(GSS_C_MUTUAL_FLAG, "mutual"),
    FLAG(GSS_C_REPLAY_FLAG, "replay"),
    FLAG(GSS_C_SEQUENCE_FLAG, "sequence"),
    FLAG(GSS_C_CONF_FLAG, "conf"),
    FLAG(GSS_C_INTEG_FLAG, "integ"),
    FLAG(GSS_C_ANON_FLAG, "anon"),
    FLAG(GSS_C_PROT_READY_FLAG, "prot_ready"),
    FLAG(GSS_C_TRANS_FLAG, "trans"),
    FLAG(GSS_C_CHANNEL_BOUND_FLAG, "chbound"),
    FLAG(GSS_C_DCE_STYLE, "dce"),
    FLAG(GSS_C_IDENTIFY_FLAG, "identify"),
    FLAG(GSS_C_EXTENDED_ERROR_FLAG, "extended_error"),
};

static const char *const ntlm_version_names[] = {"-", "v1", "v2", "anonymous"};
static const char *const cb_names[] = {"none", "matched", "absent"};
static const char *const form_names[] = {"raw", "SPNEGO"};

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    size_t n;
    unsigned int min, cp;
    if (s[0] < 0xc2 || s[0] > 0xf4)
        return 0;
    n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
    min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    cp = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Appends len bytes of s, cut at size - 1, NUL-terminated.  Inlined: with
 * a literal, the copy is a few moves instead of a call (every field of the
 * line, on every accept). */
static inline __attribute__((always_inline)) void put(char *buf, size_t size, size_t *used,
                                                      const char *s, size_t len)
{
    if (*used >= size)
        return;
    size_t room = size - 1 - *used;
    if (len <= room) {
        memcpy(buf + *used, s, len);
    } else {
        memcpy(buf + *used, s, room);
        len = room;
    }
    *used += len;
    buf[*used] = '\0';
}

/* Printable ASCII but the quote and the backslash: copied as they are. */
static const bool plain_char[256] = {
    [' '] = true, ['!'] = true, ['#' ... '['] = true, [']' ... '~'] = true,
};

void audit_quote(char *buf, size_t size, size_t *used, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    put(buf, size, used, "\"", 1);
    while (*p) {
        /* A run of characters that need no escaping is copied at once. */
        const unsigned char *run = p;
        size_t n;
        while (plain_char[*p])
            p++;
        put(buf, size, used, (const char *)run, (size_t)(p - run));
        if (*p == '\0')
            break;
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            put(buf, size, used, esc, 2);
            p++;
        } else if (*p >= 0x80 && (n = utf8_seq(p)) != 0) {
            put(buf, size, used, (const char *)p, n);
            p += n;
        } else {
            static const char hex[] = "0123456789abcdef";
            char esc[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            put(buf, size, used, esc, 4);
            p++;
        }
    }
    put(buf, size, used, "\"", 1);
}

/* " key=value" into buf[size]: the key is a literal, copied inline. */
#define PUT_FIELD_IN(buf, size, used, key, value, quote)                                         \
    do {                                                                                         \
        put(buf, size, used, " " key "=", sizeof(" " key "=") - 1);                              \
        put_value(buf, size, used, value, quote);                                                \
    } while (0)
#define PUT_FIELD(buf, used, key, value, quote) PUT_FIELD_IN(buf, LINE_MAX_LEN, used, key, value, quote)

static void put_value(char *buf, size_t size, size_t *used, const char *value, bool quote)
{
    if (quote)
        audit_quote(buf, size, used, value);
    else
        put(buf, size, used, value, strlen(value));
}

/* "mutual,replay,conf" ("-" for none). */
static void put_flags(char *buf, size_t size, size_t *used, OM_uint32 flags)
{
    bool first = true;
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        if (!(flags & flag_names[i].flag))
            continue;
        if (!first)
            put(buf, size, used, ",", 1);
        put(buf, size, used, flag_names[i].name, flag_names[i].len);
        first = false;
    }
    if (first)
        put(buf, size, used, "-", 1);
}

static const char *pick(const char *const *names, size_t count, int i)
{
    return i >= 0 && (size_t)i < count ? names[i] : "?";
}

/* Decimal digits of v, right-aligned in a field of width (zero-padded), or
 * as many as needed when width is 0; returns the end.  The audit line is on
 * every accept's path: snprintf/strftime cost more than the rest of it. */
char *put_digits(char *out, unsigned long v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < (int)sizeof(tmp));
    while (n < width && n < (int)sizeof(tmp))
        tmp[n++] = '0';
    while (n > 0)
        *out++ = tmp[--n];
    *out = '\0';
    return out;
}

/* 2026-11-21T13:45:00Z; a busy server writes many lines a second, so the
 * last second's text is kept per thread. */
static void utc_stamp(time_t when, char out[32])
{
    struct mech_thread_state *ts = thread_state();
    struct tm tm;
    char *p = out;
    if (when == ts->utc_stamp.when) {
        memcpy(out, ts->utc_stamp.text, sizeof(ts->utc_stamp.text));
        return;
    }
    gmtime_r(&when, &tm);
    static const struct {
        size_t offset;
        int width, bias;
        char after;
    } parts[] = {
        {offsetof(struct tm, tm_year), 4, 1900, '-'}, {offsetof(struct tm, tm_mon), 2, 1, '-'},
        {offsetof(struct tm, tm_mday), 2, 0, 'T'},    {offsetof(struct tm, tm_hour), 2, 0, ':'},
        {offsetof(struct tm, tm_min), 2, 0, ':'},     {offsetof(struct tm, tm_sec), 2, 0, 'Z'},
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        int v = *(const int *)((const char *)&tm + parts[i].offset) + parts[i].bias;
        p = put_digits(p, v < 0 ? 0 : (unsigned long)v, parts[i].width);
        *p++ = parts[i].after;
    }
    *p = '\0';
    memcpy(ts->utc_stamp.text, out, sizeof(ts->utc_stamp.text));
    ts->utc_stamp.when = when;
}

/* " pid=42 prog=\"httpd\"" and its length: the same on every line of a
 * process (a fork gets its own). */
static const char *process_fields(size_t *len)
{
    struct mech_thread_state *ts = thread_state();
    char *text = ts->process_fields.text;
    const size_t size = sizeof(ts->process_fields.text);
    pid_t pid = getpid();
    if (pid != ts->process_fields.pid) {
        char num[24];
        size_t used = 0;
        put_digits(num, (unsigned long)pid, 0);
        text[0] = '\0';
        put(text, size, &used, " pid=", 5);
        put(text, size, &used, num, strlen(num));
        put(text, size, &used, " prog=", 6);
        audit_quote(text, size, &used, program_invocation_short_name);
        ts->process_fields.pid = pid;
        ts->process_fields.len = used;
    }
    *len = ts->process_fields.len;
    return text;
}

/* The fields before the client: " result=success package=Kerberos form=raw". */
static void put_head(char *buf, size_t size, size_t *used, const struct audit_record *rec)
{
    PUT_FIELD_IN(buf, size, used, "result", rec->result, false);
    PUT_FIELD_IN(buf, size, used, "package", rec->package ? package_name(rec->package) : "-", false);
    PUT_FIELD_IN(buf, size, used, "form", pick(form_names, 2, rec->form), false);
}

/* The fields after the service, up to ntlm_v1_policy. */
static void put_tail(char *buf, size_t size, size_t *used, const struct audit_record *rec)
{
    PUT_FIELD_IN(buf, size, used, "ntlm", pick(ntlm_version_names, 4, rec->ntlm_version), false);
    PUT_FIELD_IN(buf, size, used, "cb", pick(cb_names, 3, rec->cb_state), false);
    put(buf, size, used, " flags=", 7);
    put_flags(buf, size, used, rec->flags);
    PUT_FIELD_IN(buf, size, used, "ntlm_policy", rec->ntlm_policy ? rec->ntlm_policy : "-", false);
    PUT_FIELD_IN(buf, size, used, "ntlm_v1_policy",
                 rec->ntlm_v1_policy ? rec->ntlm_v1_policy : "-", false);
}

static bool same_repeat(const struct audit_repeat *c, const struct audit_record *rec)
{
    return c->set && c->result == rec->result && c->package == rec->package &&
           c->form == rec->form && c->ntlm_version == rec->ntlm_version &&
           c->cb_state == rec->cb_state && c->flags == rec->flags &&
           c->ntlm_policy == rec->ntlm_policy && c->ntlm_v1_policy == rec->ntlm_v1_policy;
}

/* The head and tail as text, kept per thread: a busy server writes the same
 * ones line after line (one package, form, set of flags and policy), and
 * formatting them is most of a line's cost.  NULL when they do not fit the
 * cache (the line is then formatted field by field). */
static const struct audit_repeat *repeated_fields(const struct audit_record *rec)
{
    struct audit_repeat *c = &thread_state()->audit_repeat;
    if (same_repeat(c, rec))
        return c;
    *c = (struct audit_repeat){
        .result = rec->result,
        .package = rec->package,
        .form = rec->form,
        .ntlm_version = rec->ntlm_version,
        .cb_state = rec->cb_state,
        .flags = rec->flags,
        .ntlm_policy = rec->ntlm_policy,
        .ntlm_v1_policy = rec->ntlm_v1_policy,
    };
    put_head(c->head, sizeof(c->head), &c->head_len, rec);
    put_tail(c->tail, sizeof(c->tail), &c->tail_len, rec);
    /* A full buffer may have cut a field. */
    c->set = c->head_len < sizeof(c->head) - 1 && c->tail_len < sizeof(c->tail) - 1;
    return c->set ? c : NULL;
}

size_t audit_format(const struct audit_record *rec, time_t when, char buf[LINE_MAX_LEN])
{
    char stamp[32];
    size_t used = 0, fields_len;
    buf[0] = '\0';
    utc_stamp(when, stamp);
    put(buf, LINE_MAX_LEN, &used, "gss-sspi-negotiate:", 19);
    PUT_FIELD(buf, &used, "time", stamp, false);
    const char *fields = process_fields(&fields_len);
    put(buf, LINE_MAX_LEN, &used, fields, fields_len);
    if (rec->form < 0) { /* about the policy, not a context */
        PUT_FIELD(buf, &used, "event", "policy", false);
        PUT_FIELD(buf, &used, "result", rec->result, false);
        PUT_FIELD(buf, &used, "reason", rec->reason, true);
        return used;
    }
    const struct audit_repeat *repeat = repeated_fields(rec);
    if (repeat != NULL)
        put(buf, LINE_MAX_LEN, &used, repeat->head, repeat->head_len);
    else
        put_head(buf, LINE_MAX_LEN, &used, rec);
    PUT_FIELD(buf, &used, "client", rec->client ? rec->client : "-", true);
    PUT_FIELD(buf, &used, "service", rec->service ? rec->service : "-", true);
    if (repeat != NULL)
        put(buf, LINE_MAX_LEN, &used, repeat->tail, repeat->tail_len);
    else
        put_tail(buf, LINE_MAX_LEN, &used, rec);
    if (rec->compat != NULL)
        PUT_FIELD(buf, &used, "compat", rec->compat, false);
    if (rec->cb_policy != NULL)
        PUT_FIELD(buf, &used, "cb_policy", rec->cb_policy, false);
    if (rec->required_flags != 0) {
        put(buf, LINE_MAX_LEN, &used, " required_flags=", 16);
        put_flags(buf, LINE_MAX_LEN, &used, rec->required_flags);
    }
    if (rec->reason != NULL)
        PUT_FIELD(buf, &used, "reason", rec->reason, true);
    return used;
}

/* Warnings for what an administrator acts on: refusals, and NTLM (or
 * NTLMv1) let through by "audit" (it would be refused under "deny"). */
int audit_priority(const struct audit_record *rec)
{
    /* The first letter first: most lines say "success". */
    if (rec->result[0] == 'd' && strcmp(rec->result, "denied") == 0)
        return LOG_WARNING;
    if (rec->result[0] == 'f' && strcmp(rec->result, "failure") == 0)
        return LOG_NOTICE;
    if (rec->ntlm_policy != NULL && strcmp(rec->ntlm_policy, "audit") == 0)
        return LOG_WARNING;
    if (rec->ntlm_version == GSS_SSPI_NEG_NTLM_V1 && rec->ntlm_v1_policy != NULL &&
        strcmp(rec->ntlm_v1_policy, "audit") == 0)
        return LOG_WARNING;
    return LOG_INFO;
}

/* The audit file, opened per line: log rotation needs no signal, and one
 * write() with O_APPEND keeps lines of concurrent processes whole.  Never
 * through a symbolic link, never anything but a regular file (O_NONBLOCK:
 * a FIFO there must not stall the accept).  0, or an errno value
 * (NOT_REGULAR for anything but a regular file). */
#define NOT_REGULAR (-1)
static int append_line(const char *path, const char *line, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
                            O_NOCTTY, 0640);
    struct stat st;
    int err = 0;
    if (fd < 0)
        return errno;
    if (fstat(fd, &st) != 0)
        err = errno;
    else if (!S_ISREG(st.st_mode))
        err = NOT_REGULAR;
    else if (write(fd, line, len) < 0)
        err = errno;
    close(fd);
    return err;
}

const char *audit_file_problem(const struct policy *policy)
{
    int err = atomic_load(&policy->audit_file_errno);
    if (err == 0)
        return NULL;
    if (err == NOT_REGULAR)
        return "not a regular file";
    return err == ELOOP ? "a symbolic link (not followed)" : strerror(err);
}

/* An audit file that cannot be written is said once to syslog (whatever
 * audit_syslog says: otherwise the audit would vanish silently) and shown
 * in POLICY_STATUS, until a line gets through again. */
static void audit_file_status(const struct policy *policy, int err)
{
    struct policy *p = (struct policy *)policy; /* only the atomic field changes */
    if (atomic_exchange(&p->audit_file_errno, err) != 0 || err == 0)
        return;
    char line[LINE_MAX_LEN];
    snprintf(line, sizeof(line),
             "gss-sspi-negotiate: audit_file %s cannot be written: %s; audit lines go to syslog "
             "only until it can",
             policy->audit_file, audit_file_problem(policy));
    syslog_send(LOG_AUTHPRIV | LOG_ERR, line, strlen(line));
}

void audit_emit(const struct policy *policy, const struct audit_record *rec)
{
    if (!policy->audit_syslog && policy->audit_file == NULL)
        return;
    char line[LINE_MAX_LEN + 1]; /* + the newline of the file copy */
    size_t len = audit_format(rec, time(NULL), line);
    if (policy->audit_syslog)
        syslog_send(LOG_AUTHPRIV | audit_priority(rec), line, len);
    if (policy->audit_file != NULL) {
        line[len] = '\n';
        audit_file_status(policy, append_line(policy->audit_file, line, len + 1));
    }
}

/* ---- a success line that waits for the client's name -----------------------------
 * The mechglue displays the name we return as soon as we return (to build
 * the caller's name); displaying it ourselves first would cost Kerberos a
 * second library context per accept.  So the line waits, per thread, for
 * that display (or for the name's release if the mechglue fails first).
 * Its texts stay in the context it is about (owner), which writes it before
 * it is freed (audit_owner_gone): nothing is copied. */
static void pending_emit(const char *client)
{
    struct pending_audit *pending = &thread_state()->pending;
    char rules[256];
    if (client != NULL)
        pending->rec.client = client;
    if (pending->rec.compat != NULL)
        pending->rec.compat = compat_fired_names(&pending->owner->compat, rules, sizeof(rules));
    audit_emit(pending->policy, &pending->rec);
    pending->set = false;
}

void audit_defer(const struct policy *policy, const struct audit_record *rec, gss_name_t name,
                 const struct ictx *owner)
{
    struct pending_audit *pending = &thread_state()->pending;
    audit_flush_pending();
    pending->set = true;
    pending->name = name;
    pending->policy = policy;
    pending->owner = owner;
    pending->rec = *rec;
    pending->rec.reason = NULL; /* only successes wait */
}

void audit_name_shown(gss_const_name_t name, const gss_buffer_t text)
{
    struct pending_audit *pending = &thread_state()->pending;
    if (!pending->set || pending->name != name)
        return;
    /* No longer than a whole line: what does not fit the line is cut there
     * anyway. */
    char client[LINE_MAX_LEN];
    bool named = text != NULL && text->value != NULL;
    if (named) {
        size_t len = text->length < sizeof(client) - 1 ? text->length : sizeof(client) - 1;
        memcpy(client, text->value, len);
        client[len] = '\0';
    }
    pending_emit(named ? client : NULL);
}

void audit_flush_pending(void)
{
    struct pending_audit *pending = &thread_state()->pending;
    OM_uint32 minor;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    if (!pending->set)
        return;
    if (pending->name != GSS_C_NO_NAME &&
        !GSS_ERROR(gss_display_name(&minor, pending->name, &text, NULL))) {
        audit_name_shown(pending->name, &text);
        gss_release_buffer(&minor, &text);
    } else {
        pending_emit(NULL);
    }
}

void audit_name_gone(gss_const_name_t name)
{
    struct pending_audit *pending = &thread_state()->pending;
    if (pending->set && pending->name == name)
        audit_flush_pending();
}

void audit_owner_gone(const struct ictx *owner)
{
    struct pending_audit *pending = &thread_state()->pending;
    if (pending->set && pending->owner == owner)
        audit_flush_pending();
}
