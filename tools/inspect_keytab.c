/*
 * inspect_keytab.c - sspi-inspect -k KEYTAB: would an acceptor holding this
 * keytab take the AP-REQ in a token, and if not, exactly why.  Every key
 * operation is libkrb5's (krb5_server_decrypt_ticket_keytab, krb5_c_decrypt,
 * krb5_pac_verify, krb5_rd_req): this file looks at the keytab's entries and
 * at what libkrb5 decrypted, in the order an acceptor needs them (principal,
 * kvno, enctype, key, times), then asks krb5_rd_req for the final word.
 */
#include <krb5/krb5.h>
#include <profile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inspect.h"
#include "internal.h" /* the PAC parser (sspi-compat/pac.c, compiled in) */

/* RFC 4120 5.3 TicketFlags an administrator asks about. */
static const struct {
    krb5_flags bit;
    const char *name;
} ticket_flags[] = {
    {TKT_FLG_FORWARDABLE, "forwardable"},
    {TKT_FLG_FORWARDED, "forwarded"},
    {TKT_FLG_PROXIABLE, "proxiable"},
    {TKT_FLG_PROXY, "proxy"},
    {TKT_FLG_MAY_POSTDATE, "may-postdate"},
    {TKT_FLG_POSTDATED, "postdated"},
    {TKT_FLG_INVALID, "invalid"},
    {TKT_FLG_RENEWABLE, "renewable"},
    {TKT_FLG_INITIAL, "initial"},
    {TKT_FLG_PRE_AUTH, "pre-authent"},
    {TKT_FLG_HW_AUTH, "hw-authent"},
    {TKT_FLG_TRANSIT_POLICY_CHECKED, "transited-policy-checked"},
    {TKT_FLG_OK_AS_DELEGATE, "ok-as-delegate"},
    {TKT_FLG_ENC_PA_REP, "enc-pa-rep"},
    {TKT_FLG_ANONYMOUS, "anonymous"},
};

#define LIST_MAX 2048

/* What the keytab holds, measured against the ticket. */
struct survey {
    char principals[LIST_MAX]; /* every principal in the keytab */
    char kvnos[LIST_MAX];      /* the ticket's principal's kvnos */
    char enctypes[LIST_MAX];   /* its enctypes at the ticket's kvno */
    bool principal, kvno, key; /* entry for the principal / + kvno / + enctype */
    krb5_kvno newest;          /* the principal's highest kvno in the keytab */
};

struct diagnosis {
    int depth;
    bool refused;
    bool by_lookup;       /* refused for the principal or kvno only */
    bool default_accepts; /* ...yet MIT's default acceptor takes it */
};

/* "REFUSED: why": one reason the acceptor would fail. */
static void refuse(struct diagnosis *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct diagnosis *d, const char *fmt, ...)
{
    va_list ap;
    printf("%*sREFUSED: ", d->depth * 2, "");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    d->refused = true;
}

/* Appends item to a ", "-separated list unless it is there already. */
static void add_unique(char *list, const char *item)
{
    size_t n = strlen(item), used = strlen(list);
    for (const char *p = list; (p = strstr(p, item)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return;
    snprintf(list + used, LIST_MAX - used, "%s%s", used ? ", " : "", item);
}

static const char *enctype_text(krb5_enctype enctype, char *buf, size_t size)
{
    char name[64];
    if (krb5_enctype_to_name(enctype, false, name, sizeof(name)) != 0)
        snprintf(name, sizeof(name), "unknown");
    snprintf(buf, size, "%s (%d)", name, (int)enctype);
    return buf;
}

/* KerberosTime is unsigned since MIT 1.17 (2038). */
static const char *utc(krb5_timestamp t, char buf[32])
{
    time_t when = (time_t)(uint32_t)t;
    struct tm tm;
    if (gmtime_r(&when, &tm) == NULL || strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, 32, "%u", (unsigned)t);
    return buf;
}

static krb5_error_code survey_keytab(krb5_context ctx, krb5_keytab kt, const krb5_ticket *t,
                                     struct survey *s)
{
    krb5_kt_cursor cursor;
    krb5_keytab_entry e;
    krb5_error_code ret = krb5_kt_start_seq_get(ctx, kt, &cursor);
    char item[128];
    if (ret != 0)
        return ret;
    while ((ret = krb5_kt_next_entry(ctx, kt, &e, &cursor)) == 0) {
        char *name = NULL;
        if (krb5_unparse_name(ctx, e.principal, &name) == 0)
            add_unique(s->principals, name);
        krb5_free_unparsed_name(ctx, name);
        if (krb5_principal_compare(ctx, e.principal, t->server)) {
            s->principal = true;
            if (e.vno > s->newest)
                s->newest = e.vno;
            snprintf(item, sizeof(item), "%u", (unsigned)e.vno);
            add_unique(s->kvnos, item);
            /* kvno 0 in a ticket: the KDC did not say, any key may do */
            if (e.vno == t->enc_part.kvno || t->enc_part.kvno == 0) {
                s->kvno = true;
                add_unique(s->enctypes, enctype_text(e.key.enctype, item, sizeof(item)));
                s->key |= e.key.enctype == t->enc_part.enctype;
            }
        }
        krb5_free_keytab_entry_contents(ctx, &e);
    }
    krb5_kt_end_seq_get(ctx, kt, &cursor);
    return ret == KRB5_KT_END ? 0 : ret;
}

/* Principal, kvno, enctype, key: the first one missing, as the acceptor
 * would meet it. */
static void check_key(krb5_context ctx, krb5_keytab kt, krb5_ticket *t, const char *server,
                      const struct survey *s, struct diagnosis *d)
{
    char etype[96];
    enctype_text(t->enc_part.enctype, etype, sizeof(etype));
    if (!s->principal) {
        refuse(d, "service principal %s is not in the keytab; it holds: %s", server,
               s->principals[0] ? s->principals : "nothing (empty keytab)");
        d->by_lookup = true;
        return;
    }
    if (!s->kvno) {
        bool keytab_older = s->newest < t->enc_part.kvno;
        refuse(d,
               "kvno mismatch: the ticket is encrypted with kvno %u, the keytab holds kvno %s for "
               "%s (%s)",
               (unsigned)t->enc_part.kvno, s->kvnos, server,
               keytab_older ? "the account's key changed after this keytab was written: export "
                              "the keytab again"
                            : "the keytab is newer than the client's ticket: the key changed "
                              "(ktadd and ktpass change it) after the client got the ticket; "
                              "the client needs a new one (klist purge, kdestroy)");
        d->by_lookup = true;
        return;
    }
    if (!s->key) {
        refuse(d,
               "enctype missing: the ticket is encrypted with %s, the keytab's kvno %u keys "
               "for %s are %s",
               etype, (unsigned)t->enc_part.kvno, server, s->enctypes);
        return;
    }
    /* It tries each key of the enctype and, when none decrypts, says
     * WRONG_PRINC: the survey knows the right entry is there. */
    krb5_error_code ret = krb5_server_decrypt_ticket_keytab(ctx, kt, t);
    if (ret == KRB5KRB_AP_ERR_BAD_INTEGRITY || ret == KRB5KRB_AP_WRONG_PRINC)
        refuse(d,
               "wrong key: the keytab's kvno %u %s key for %s does not decrypt the ticket "
               "(the account's key changed without a new kvno, or the keytab is another "
               "account's)",
               (unsigned)t->enc_part.kvno, etype, server);
    else if (ret == KRB5_NOPERM_ETYPE || ret == KRB5_BAD_ENCTYPE)
        refuse(d,
               "enctype %s is not permitted by this host's krb5.conf (permitted_enctypes, "
               "allow_weak_crypto)",
               etype);
    else if (ret != 0) {
        const char *msg = krb5_get_error_message(ctx, ret);
        refuse(d, "the ticket does not decrypt: %s", msg);
        krb5_free_error_message(ctx, msg);
    }
}

/* The authenticator's ctime, decrypted with the ticket's session key. */
static bool authenticator_time(krb5_context ctx, const struct ap_req *ap, const krb5_ticket *t,
                               time_t *when)
{
    krb5_enc_data enc = {.enctype = (krb5_enctype)ap->authenticator_etype,
                         .ciphertext = {.length = (unsigned)ap->authenticator.len,
                                        .data = (char *)ap->authenticator.p}};
    krb5_data plain = {.length = (unsigned)ap->authenticator.len,
                       .data = malloc(ap->authenticator.len + 1)};
    char text[16];
    struct tm tm = {0};
    bool ok = plain.data != NULL &&
              krb5_c_decrypt(ctx, t->enc_part2->session, KRB5_KEYUSAGE_AP_REQ_AUTH, NULL, &enc,
                             &plain) == 0 &&
              authenticator_ctime((const unsigned char *)plain.data, plain.length, text) &&
              sscanf(text, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) == 6;
    if (ok) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        *when = timegm(&tm);
    }
    if (plain.data != NULL) /* it may hold a subkey */
        explicit_bzero(plain.data, ap->authenticator.len);
    free(plain.data);
    return ok;
}

/* MIT's rules (krb5int_validate_times, rd_req_decoded): the authenticator
 * within the skew of now, the ticket started and not ended, both +-skew. */
static void check_times(krb5_context ctx, const struct ap_req *ap, const krb5_ticket *t,
                        krb5_timestamp now, long skew, struct diagnosis *d)
{
    const krb5_ticket_times *times = &t->enc_part2->times;
    char a[32], b[32];
    long long start = (uint32_t)(times->starttime ? times->starttime : times->authtime);
    long long end = (uint32_t)times->endtime, at = (uint32_t)now;
    time_t ctime;
    if (!authenticator_time(ctx, ap, t, &ctime)) {
        refuse(d, "the authenticator does not decrypt with the ticket's session key (altered)");
        ctime = (time_t)at;
    } else
        out(d->depth, "authenticator made at: %s", utc((krb5_timestamp)ctime, a));
    if (llabs((long long)ctime - at) > skew)
        refuse(d,
               "clock skew: the client's authenticator says %s, this host says %s: %lld s "
               "apart, more than the %ld s allowed (krb5.conf clockskew)",
               utc((krb5_timestamp)ctime, a), utc(now, b), llabs((long long)ctime - at), skew);
    if (start - at > skew)
        refuse(d, "ticket not yet valid: it starts at %s, now is %s (skew allowed %ld s)",
               utc((krb5_timestamp)start, a), utc(now, b), skew);
    if (at - end > skew)
        refuse(d, "ticket expired at %s, now is %s (skew allowed %ld s)", utc(times->endtime, a),
               utc(now, b), skew);
}

static void show_ticket(krb5_context ctx, const krb5_ticket *t, int depth)
{
    const krb5_enc_tkt_part *part = t->enc_part2;
    char *client = NULL, a[32], flags[512] = "";
    size_t used = 0;
    if (krb5_unparse_name(ctx, part->client, &client) == 0)
        out(depth, "client: %s", client);
    krb5_free_unparsed_name(ctx, client);
    out(depth, "authtime: %s", utc(part->times.authtime, a));
    out(depth, "starttime: %s",
        utc(part->times.starttime ? part->times.starttime : part->times.authtime, a));
    out(depth, "endtime: %s", utc(part->times.endtime, a));
    if (part->times.renew_till)
        out(depth, "renew-till: %s", utc(part->times.renew_till, a));
    for (size_t i = 0; i < sizeof(ticket_flags) / sizeof(ticket_flags[0]); i++)
        if ((part->flags & ticket_flags[i].bit) && used + 32 < sizeof(flags))
            used +=
                (size_t)snprintf(flags + used, sizeof(flags) - used, " %s", ticket_flags[i].name);
    out(depth, "flags: 0x%08x%s", (unsigned)part->flags, flags);
    if (!(part->flags & TKT_FLG_OK_AS_DELEGATE))
        out(depth + 1, "(not ok-as-delegate: Windows clients will not delegate to this service)");
}

/* The Windows PAC: the server signature (with the keytab's key), the SIDs. */
static void show_pac(krb5_context ctx, krb5_keytab kt, const krb5_ticket *t, int depth)
{
    krb5_authdata **pac_ad = NULL;
    krb5_pac pac = NULL;
    krb5_keytab_entry e;
    bool have_key = false;
    krb5_data logon = {0};
    struct pac_logon_info info = {0};
    char sid[PAC_SID_STRING_MAX];
    const char *why;
    krb5_error_code ret;
    if (krb5_find_authdata(ctx, t->enc_part2->authorization_data, NULL, KRB5_AUTHDATA_WIN2K_PAC,
                           &pac_ad) != 0 ||
        pac_ad == NULL) {
        out(depth, "PAC: none");
        goto out;
    }
    if ((ret = krb5_pac_parse(ctx, pac_ad[0]->contents, pac_ad[0]->length, &pac)) != 0) {
        warn(depth, "PAC: malformed (%d)", (int)ret);
        goto out;
    }
    have_key =
        krb5_kt_get_entry(ctx, kt, t->server, t->enc_part.kvno, t->enc_part.enctype, &e) == 0;
    ret = have_key ? krb5_pac_verify(ctx, pac, t->enc_part2->times.authtime, t->enc_part2->client,
                                     &e.key, NULL)
                   : KRB5_KT_NOTFOUND;
    if (ret == 0)
        out(depth, "PAC: server signature valid");
    else {
        const char *msg = krb5_get_error_message(ctx, ret);
        warn(depth, "PAC: server signature does not verify: %s", msg);
        krb5_free_error_message(ctx, msg);
    }
    if (krb5_pac_get_buffer(ctx, pac, KRB5_PAC_LOGON_INFO, &logon) != 0) {
        out(depth, "PAC: no logon info (no SIDs: the KDC is not Active Directory)");
        goto out;
    }
    if ((why = pac_parse_logon_info(logon.data, logon.length, &info)) != NULL) {
        warn(depth, "PAC logon info malformed: %s", why);
        goto out;
    }
    out(depth, "PAC user SID: %s", pac_sid_format(&info.user, sid));
    out(depth, "PAC primary group: %s", pac_sid_format(&info.primary_group, sid));
    out(depth, "PAC groups: %zu", info.n_groups);
out:
    pac_logon_info_free(&info);
    krb5_free_data_contents(ctx, &logon);
    if (have_key)
        krb5_free_keytab_entry_contents(ctx, &e);
    krb5_pac_free(ctx, pac);
    krb5_free_authdata(ctx, pac_ad);
}

/* What MIT's acceptor itself says (it needs no replay cache: see main). */
static void ask_rd_req(krb5_context ctx, krb5_keytab kt, const struct ap_req *ap,
                       struct diagnosis *d)
{
    krb5_auth_context ac = NULL;
    krb5_ticket *t = NULL;
    krb5_data msg = {.length = (unsigned)ap->whole.len, .data = (char *)ap->whole.p};
    krb5_error_code ret = krb5_rd_req(ctx, &ac, &msg, NULL, kt, NULL, &t);
    if (ret == 0 && d->refused && !d->by_lookup) {
        out(d->depth, "krb5_rd_req: accepted (unexpected: report this token)");
    } else if (ret == 0 && d->refused) {
        /* rd_req with no server name tries every key of the ticket's
         * enctype, whatever its principal and kvno */
        out(d->depth, "krb5_rd_req: accepted: an acceptor with no name of its own (GSS_C_NO_NAME, "
                      "the default) tries every key of the keytab whatever its principal and "
                      "kvno, and one decrypts this ticket");
        d->default_accepts = true;
    } else if (ret == 0) {
        out(d->depth, "krb5_rd_req: accepted");
    } else {
        const char *text = krb5_get_error_message(ctx, ret);
        if (d->refused)
            out(d->depth, "krb5_rd_req: %s", text);
        else
            refuse(d, "krb5_rd_req: %s", text);
        krb5_free_error_message(ctx, text);
    }
    krb5_free_ticket(ctx, t);
    krb5_auth_con_free(ctx, ac);
}

/* clockskew from krb5.conf as MIT reads it (an integer, 300 by default). */
static long clock_skew(krb5_context ctx)
{
    profile_t profile = NULL;
    int skew = 300;
    if (krb5_get_profile(ctx, &profile) == 0) {
        if (profile_get_integer(profile, "libdefaults", "clockskew", NULL, 300, &skew) != 0)
            skew = 300;
        profile_release(profile);
    }
    return skew;
}

int inspect_keytab(const unsigned char *p, size_t len, const char *keytab, long long now, int depth)
{
    krb5_context ctx = NULL;
    krb5_keytab kt = NULL;
    krb5_ticket *t = NULL;
    krb5_timestamp clock;
    krb5_data ticket;
    char *server = NULL, etype[96];
    struct survey s = {.principal = false};
    struct diagnosis d = {.depth = depth + 1};
    struct ap_req ap;
    krb5_error_code ret;
    int status = 1;
    out(depth, "keytab %s:", keytab);
    if (!find_ap_req(p, len, &ap)) {
        out(depth + 1, "no Kerberos AP-REQ in this token: nothing to decrypt");
        goto out;
    }
    if ((ret = krb5_init_context(&ctx)) != 0) {
        out(depth + 1, "cannot start libkrb5 (%d)", (int)ret);
        goto out;
    }
    if (now != 0 && (ret = krb5_set_real_time(ctx, (krb5_timestamp)now, 0)) != 0)
        goto krb5_failed;
    if ((ret = krb5_timeofday(ctx, &clock)) != 0)
        goto krb5_failed;
    ticket = (krb5_data){.length = (unsigned)ap.ticket.len, .data = (char *)ap.ticket.p};
    if ((ret = krb5_decode_ticket(&ticket, &t)) != 0 ||
        (ret = krb5_unparse_name(ctx, t->server, &server)) != 0 ||
        (ret = krb5_kt_resolve(ctx, keytab, &kt)) != 0 ||
        (ret = survey_keytab(ctx, kt, t, &s)) != 0)
        goto krb5_failed;
    out(d.depth, "ticket for %s, %s, kvno %u", server,
        enctype_text(t->enc_part.enctype, etype, sizeof(etype)), (unsigned)t->enc_part.kvno);
    check_key(ctx, kt, t, server, &s, &d);
    if (!d.refused) {
        show_ticket(ctx, t, d.depth);
        check_times(ctx, &ap, t, clock, clock_skew(ctx), &d);
        show_pac(ctx, kt, t, d.depth);
    }
    ask_rd_req(ctx, kt, &ap, &d);
    out(depth, "VERDICT: an acceptor with this keytab %s",
        !d.refused          ? "accepts this token"
        : d.default_accepts ? "REFUSES this token when its credential names the service; one "
                              "with default credentials accepts it"
                            : "REFUSES this token");
    status = d.refused ? 3 : 0;
    goto out;
krb5_failed : {
    const char *msg = krb5_get_error_message(ctx, ret);
    out(depth + 1, "cannot read the %s: %s", t == NULL ? "ticket" : "keytab", msg);
    krb5_free_error_message(ctx, msg);
}
out:
    krb5_free_unparsed_name(ctx, server);
    krb5_free_ticket(ctx, t);
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
    if (ctx != NULL)
        krb5_free_context(ctx);
    return status;
}
