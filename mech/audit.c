/*
 * audit.c - one line per accepted (or refused) context, to syslog
 * (authpriv, without openlog: the application's ident stays its own) and
 * appended to the policy's audit_file.
 *
 *   gss-sspi-negotiate: time=2024-05-01T12:00:00Z pid=42 prog=httpd result=success
 *   package=Kerberos form=SPNEGO client="alice@EXAMPLE.COM" service="HTTP/www@EXAMPLE.COM"
 *   ntlm=- cb=matched flags=mutual,replay,sequence,conf,integ,chbound ntlm_policy=-
 *
 * (one line).  Names come from the network: every value is quoted and
 * escaped so that no client can forge a field or a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mech_internal.h"

#define LINE_MAX_LEN 2048

static const struct {
    OM_uint32 flag;
    const char *name;
} flag_names[] = {
    {GSS_C_DELEG_FLAG, "deleg"},
    {GSS_C_MUTUAL_FLAG, "mutual"},
    {GSS_C_REPLAY_FLAG, "replay"},
    {GSS_C_SEQUENCE_FLAG, "sequence"},
    {GSS_C_CONF_FLAG, "conf"},
    {GSS_C_INTEG_FLAG, "integ"},
    {GSS_C_ANON_FLAG, "anon"},
    {GSS_C_PROT_READY_FLAG, "prot_ready"},
    {GSS_C_TRANS_FLAG, "trans"},
    {GSS_C_CHANNEL_BOUND_FLAG, "chbound"},
    {GSS_C_DCE_STYLE, "dce"},
    {GSS_C_IDENTIFY_FLAG, "identify"},
    {GSS_C_EXTENDED_ERROR_FLAG, "extended_error"},
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

static void put(char *buf, size_t size, size_t *used, const char *s, size_t len)
{
    if (*used >= size)
        return;
    size_t room = size - 1 - *used;
    if (len > room)
        len = room;
    memcpy(buf + *used, s, len);
    *used += len;
    buf[*used] = '\0';
}

void audit_quote(char *buf, size_t size, size_t *used, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    put(buf, size, used, "\"", 1);
    while (*p) {
        char esc[8];
        size_t n;
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(buf, size, used, esc, 2);
            p++;
        } else if (*p >= 0x20 && *p < 0x7f) {
            put(buf, size, used, (const char *)p, 1);
            p++;
        } else if (*p >= 0x80 && (n = utf8_seq(p)) != 0) {
            put(buf, size, used, (const char *)p, n);
            p += n;
        } else {
            snprintf(esc, sizeof(esc), "\\x%02x", *p);
            put(buf, size, used, esc, 4);
            p++;
        }
    }
    put(buf, size, used, "\"", 1);
}

static void put_field(char *buf, size_t size, size_t *used, const char *key, const char *value,
                      bool quote)
{
    put(buf, size, used, " ", 1);
    put(buf, size, used, key, strlen(key));
    put(buf, size, used, "=", 1);
    if (quote)
        audit_quote(buf, size, used, value);
    else
        put(buf, size, used, value, strlen(value));
}

static void flags_text(OM_uint32 flags, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        if (!(flags & flag_names[i].flag))
            continue;
        if (used > 0)
            put(out, size, &used, ",", 1);
        put(out, size, &used, flag_names[i].name, strlen(flag_names[i].name));
    }
    if (used == 0)
        put(out, size, &used, "-", 1);
}

static const char *pick(const char *const *names, size_t count, int i)
{
    return i >= 0 && (size_t)i < count ? names[i] : "?";
}

char *audit_format(const struct audit_record *rec, time_t when)
{
    char *buf = malloc(LINE_MAX_LEN);
    char stamp[32], num[24], flags[160];
    struct tm tm;
    size_t used = 0;
    if (buf == NULL)
        return NULL;
    buf[0] = '\0';
    gmtime_r(&when, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    put(buf, LINE_MAX_LEN, &used, "gss-sspi-negotiate:", 19);
    put_field(buf, LINE_MAX_LEN, &used, "time", stamp, false);
    snprintf(num, sizeof(num), "%ld", (long)getpid());
    put_field(buf, LINE_MAX_LEN, &used, "pid", num, false);
    put_field(buf, LINE_MAX_LEN, &used, "prog", program_invocation_short_name, true);
    if (rec->form < 0) { /* about the policy, not a context */
        put_field(buf, LINE_MAX_LEN, &used, "event", "policy", false);
        put_field(buf, LINE_MAX_LEN, &used, "result", rec->result, false);
        put_field(buf, LINE_MAX_LEN, &used, "reason", rec->reason, true);
        return buf;
    }
    put_field(buf, LINE_MAX_LEN, &used, "result", rec->result, false);
    put_field(buf, LINE_MAX_LEN, &used, "package", rec->package ? package_name(rec->package) : "-",
              false);
    put_field(buf, LINE_MAX_LEN, &used, "form", pick(form_names, 2, rec->form), false);
    put_field(buf, LINE_MAX_LEN, &used, "client", rec->client ? rec->client : "-", true);
    put_field(buf, LINE_MAX_LEN, &used, "service", rec->service ? rec->service : "-", true);
    put_field(buf, LINE_MAX_LEN, &used, "ntlm", pick(ntlm_version_names, 4, rec->ntlm_version),
              false);
    put_field(buf, LINE_MAX_LEN, &used, "cb", pick(cb_names, 3, rec->cb_state), false);
    flags_text(rec->flags, flags, sizeof(flags));
    put_field(buf, LINE_MAX_LEN, &used, "flags", flags, false);
    put_field(buf, LINE_MAX_LEN, &used, "ntlm_policy", rec->ntlm_policy ? rec->ntlm_policy : "-",
              false);
    if (rec->reason != NULL)
        put_field(buf, LINE_MAX_LEN, &used, "reason", rec->reason, true);
    return buf;
}

/* Warnings for what an administrator acts on: refusals, and NTLM let
 * through by "audit" (it would be refused under "deny"). */
static int priority(const struct audit_record *rec)
{
    if (strcmp(rec->result, "denied") == 0)
        return LOG_WARNING;
    if (strcmp(rec->result, "failure") == 0)
        return LOG_NOTICE;
    if (rec->ntlm_policy != NULL && strcmp(rec->ntlm_policy, "audit") == 0)
        return LOG_WARNING;
    return LOG_INFO;
}

void audit_emit(const struct policy *policy, const struct audit_record *rec)
{
    if (!policy->audit_syslog && policy->audit_file == NULL)
        return;
    char *line = audit_format(rec, time(NULL));
    if (line == NULL)
        return;
    if (policy->audit_syslog)
        syslog(LOG_AUTHPRIV | priority(rec), "%s", line);
    if (policy->audit_file != NULL) {
        /* Opened per line: log rotation needs no signal, and one write()
         * with O_APPEND keeps lines of concurrent processes whole. */
        int fd = open(policy->audit_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd >= 0) {
            size_t len = strlen(line);
            line[len] = '\n';
            ssize_t ignored = write(fd, line, len + 1);
            (void)ignored;
            close(fd);
        }
    }
    free(line);
}

/* ---- a success line that waits for the client's name -----------------------------
 * The mechglue displays the name we return as soon as we return (to build
 * the caller's name); displaying it ourselves first would cost Kerberos a
 * second library context per accept.  So the line waits, per thread, for
 * that display (or for the name's release if the mechglue fails first). */
static _Thread_local struct {
    bool set;
    gss_name_t name;
    const struct policy *policy;
    struct audit_record rec;
    char service[256];
    char *client;
} pending;

static void pending_emit(const char *client)
{
    pending.rec.client = client ? client : pending.client;
    pending.rec.service = pending.service[0] ? pending.service : NULL;
    audit_emit(pending.policy, &pending.rec);
    free(pending.client);
    pending.client = NULL;
    pending.set = false;
}

void audit_defer(const struct policy *policy, const struct audit_record *rec, gss_name_t name)
{
    audit_flush_pending();
    pending.set = true;
    pending.name = name;
    pending.policy = policy;
    pending.rec = *rec;
    snprintf(pending.service, sizeof(pending.service), "%s", rec->service ? rec->service : "");
    pending.client = rec->client ? strdup(rec->client) : NULL;
    pending.rec.reason = NULL; /* only successes wait */
}

void audit_name_shown(gss_const_name_t name, const gss_buffer_t text)
{
    if (!pending.set || pending.name != name)
        return;
    char *client = text && text->value ? strndup(text->value, text->length) : NULL;
    pending_emit(client);
    free(client);
}

void audit_flush_pending(void)
{
    OM_uint32 minor;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    if (!pending.set)
        return;
    if (pending.name != GSS_C_NO_NAME &&
        !GSS_ERROR(gss_display_name(&minor, pending.name, &text, NULL))) {
        audit_name_shown(pending.name, &text);
        gss_release_buffer(&minor, &text);
    } else {
        pending_emit(NULL);
    }
}

void audit_name_gone(gss_const_name_t name)
{
    if (pending.set && pending.name == name)
        audit_flush_pending();
}
