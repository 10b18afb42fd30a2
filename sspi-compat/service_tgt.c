/*
 * service_tgt.c - keeps the service's own TGT inside an inbound credential
 * of usage BOTH (delegation.c) valid for as long as the server runs.
 *
 * MIT's acceptor copies that credential's cache, as it is, into the
 * evidence credential of every client it accepts (1.20 s4u_gss_glue.c,
 * make_proxy_cred), and S4U2Proxy then needs the TGT in the copy to be
 * current.  MIT itself refreshes a keytab-acquired TGT (at half its
 * lifetime: acquire_cred.c, maybe_get_initial_cred) only while acquiring a
 * credential or resolving one whose name is still unknown (kg_cred_resolve
 * returns early once cred->name is set); the acceptor path never calls it,
 * so on its own the TGT would expire inside a long-lived credential and
 * constrained delegation would stop.
 *
 * So before each AcceptSecurityContext on such a credential the TGT, once
 * past half its lifetime (MIT's rule), is replaced by a new one from the
 * client keytab (KRB5_CLIENT_KTNAME), in the same MEMORY: cache.  The AS
 * exchange runs outside any lock and by one thread at a time: the others
 * accept on with the TGT they have while it is still valid, and wait for
 * the refresh once it has expired (their evidence credentials would carry
 * a dead TGT); only the swap of the cache's content
 * is exclusive against running accepts (a read-write lock, accepts being
 * the readers), so no accept ever copies a half-rewritten cache.  A failed
 * refresh is traced, leaves the cache as it was and is retried a minute
 * later at the earliest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>
#include <pthread.h>

#include "internal.h"

/* Seconds between two attempts after a failed one (the KDC may be down). */
#define RETRY_AFTER_FAILURE 60

struct service_tgt {
    /* Readers: the accepts that may copy the cache; writer: the swap. */
    pthread_rwlock_t cache_lock;
    /* Held by the one thread running a refresh (taken with trylock). */
    pthread_mutex_t refresh_lock;
    /* When the next refresh is due, and when the TGT ends (time(2)
     * seconds; 0: now). */
    _Atomic int64_t refresh_at, expires_at;
};

/* Half way through the ticket's lifetime, as MIT's own refresh rule. */
static int64_t halfway(const krb5_ticket_times *times)
{
    int64_t start = (uint32_t)(times->starttime ? times->starttime : times->authtime);
    int64_t end = (uint32_t)times->endtime;
    return start + (end - start) / 2;
}

/* The times of the TGT of the cache's principal, from its own realm. */
static krb5_error_code read_tgt_times(krb5_context k, krb5_ccache cc, krb5_principal me,
                                      krb5_ticket_times *times)
{
    krb5_creds match, found;
    krb5_principal tgs = NULL;
    const krb5_data *realm = krb5_princ_realm(k, me);
    krb5_error_code code = krb5_build_principal_ext(k, &tgs, realm->length, realm->data,
                                                    KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                                    realm->length, realm->data, 0);
    if (code != 0)
        goto out;
    memset(&match, 0, sizeof(match));
    match.client = me;
    match.server = tgs;
    code = krb5_cc_retrieve_cred(k, cc, 0, &match, &found);
    if (code != 0)
        goto out;
    *times = found.times;
    krb5_free_cred_contents(k, &found);
out:
    krb5_free_principal(k, tgs);
    return code;
}

/* Records when the TGT of times is due for a refresh and when it ends. */
static void note_times(struct service_tgt *t, const krb5_ticket_times *times)
{
    atomic_store(&t->expires_at, (int64_t)(uint32_t)times->endtime);
    atomic_store(&t->refresh_at, halfway(times));
}

/* A new TGT from the client keytab replaces the cache's content.  Failures
 * are traced and change nothing (but an allocation failure inside the swap
 * itself, which empties it); the next try is then a minute later. */
static void refresh(struct sspi_cred *cred, struct service_tgt *t, int64_t now)
{
    krb5_context k = NULL;
    krb5_ccache cc = NULL;
    krb5_keytab kt = NULL;
    krb5_principal me = NULL;
    krb5_creds creds;
    bool have_creds = false;
    const char *step = "krb5_init_context";
    krb5_error_code code = krb5_init_context(&k);
    if (code != 0)
        goto out;
    step = "resolving its cache";
    code = krb5_cc_resolve(k, cred->delegated_ccache, &cc);
    if (code == 0) {
        step = "reading its principal";
        code = krb5_cc_get_principal(k, cc, &me);
    }
    if (code == 0) {
        step = "opening the client keytab";
        code = krb5_kt_client_default(k, &kt);
    }
    if (code == 0) {
        step = "the AS exchange with the client keytab";
        code = krb5_get_init_creds_keytab(k, &creds, me, kt, 0, NULL, NULL);
        have_creds = code == 0;
    }
    if (code != 0)
        goto out;
    step = "storing the new TGT (the cache is empty until the next refresh)";
    pthread_rwlock_wrlock(&t->cache_lock);
    code = krb5_cc_initialize(k, cc, me);
    if (code == 0)
        code = krb5_cc_store_cred(k, cc, &creds);
    pthread_rwlock_unlock(&t->cache_lock);
    if (code == 0) {
        note_times(t, &creds.times);
        trace("AcceptSecurityContext(%s): the service's TGT in the inbound credential was "
              "refreshed from the client keytab (valid for %lld s more)",
              cred->pkg->name, (long long)((uint32_t)creds.times.endtime - now));
    }
out:
    if (code != 0) {
        atomic_store(&t->refresh_at, now + RETRY_AFTER_FAILURE);
        const char *msg = k ? krb5_get_error_message(k, code) : NULL;
        trace("AcceptSecurityContext(%s): the service's TGT in the inbound credential could not "
              "be refreshed (%s: %s); constrained delegation keeps the current one, next try "
              "in %d s",
              cred->pkg->name, step, msg ? msg : "krb5_init_context failed",
              RETRY_AFTER_FAILURE);
        if (msg != NULL)
            krb5_free_error_message(k, msg);
    }
    if (have_creds)
        krb5_free_cred_contents(k, &creds); /* wipes the session key */
    if (kt != NULL)
        krb5_kt_close(k, kt);
    if (cc != NULL)
        krb5_cc_close(k, cc);
    krb5_free_principal(k, me);
    if (k != NULL)
        krb5_free_context(k);
}

void service_tgt_start(struct sspi_cred *cred)
{
    krb5_context k = NULL;
    krb5_ccache cc = NULL;
    krb5_principal me = NULL;
    krb5_ticket_times times;
    pthread_rwlockattr_t attr;
    struct service_tgt *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        trace("AcquireCredentialsHandle(%s, inbound): out of memory: the service's TGT will "
              "not be refreshed",
              cred->pkg->name);
        return;
    }
    /* Accepts come all the time: a reader-preferring lock could starve the swap. */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&t->cache_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&t->refresh_lock, NULL);
    atomic_init(&t->refresh_at, 0); /* unknown: the first accept gets one */
    atomic_init(&t->expires_at, 0);
    krb5_error_code code = krb5_init_context(&k);
    if (code == 0)
        code = krb5_cc_resolve(k, cred->delegated_ccache, &cc);
    if (code == 0)
        code = krb5_cc_get_principal(k, cc, &me);
    if (code == 0)
        code = read_tgt_times(k, cc, me, &times);
    if (code == 0)
        note_times(t, &times);
    else
        trace("AcquireCredentialsHandle(%s, inbound): the service's TGT is not in %s (error "
              "%d): the first accept gets a new one",
              cred->pkg->name, cred->delegated_ccache, (int)code);
    if (cc != NULL)
        krb5_cc_close(k, cc);
    krb5_free_principal(k, me);
    if (k != NULL)
        krb5_free_context(k);
    cred->service_tgt = t;
}

void service_tgt_hold(struct sspi_cred *cred)
{
    struct service_tgt *t = cred->service_tgt;
    if (t == NULL)
        return;
    int64_t now = time(NULL);
    if (now >= atomic_load(&t->refresh_at)) {
        /* Past half its life the TGT still serves; once ended it does not. */
        bool expired = now >= atomic_load(&t->expires_at);
        if (expired ? pthread_mutex_lock(&t->refresh_lock) == 0
                    : pthread_mutex_trylock(&t->refresh_lock) == 0) {
            /* Another thread may have refreshed (or failed to) meanwhile. */
            if (now >= atomic_load(&t->refresh_at))
                refresh(cred, t, now);
            pthread_mutex_unlock(&t->refresh_lock);
        }
    }
    pthread_rwlock_rdlock(&t->cache_lock);
}

void service_tgt_release(struct sspi_cred *cred)
{
    if (cred->service_tgt != NULL)
        pthread_rwlock_unlock(&cred->service_tgt->cache_lock);
}

void service_tgt_stop(struct sspi_cred *cred)
{
    struct service_tgt *t = cred->service_tgt;
    if (t == NULL)
        return;
    pthread_rwlock_destroy(&t->cache_lock);
    pthread_mutex_destroy(&t->refresh_lock);
    free(t);
    cred->service_tgt = NULL;
}
