/*
 * impersonate.c - ImpersonateSecurityContext and RevertSecurityContext
 * (DESIGN section 7): the calling thread takes the identity of the local
 * account the client maps to, and gives it back.
 *
 * Linux credentials belong to each thread; glibc's setresuid and friends
 * change every thread of the process (they signal the others), which is
 * not what Windows impersonation does.  So the raw system calls change this
 * thread alone: supplementary groups, then effective (and with it the
 * filesystem) gid, then uid.  The real ids stay, and the saved ones keep or
 * take the thread's own effective ids, so that the way back stays open and
 * an impersonating root thread regains its capabilities on return.
 *
 * The way back (restore) compares the thread with what it was before the
 * first impersonation and undoes every difference, uid first (that restores
 * the privilege the rest needs), then gid, groups and capabilities.  It
 * also rolls back a switch that failed halfway, so a thread is never left
 * half-switched.
 */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* Where a platform has 16- and 32-bit id calls, the 32-bit ones. */
#ifdef SYS_setresuid32
#define SYS_SETRESUID SYS_setresuid32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETGROUPS SYS_setgroups32
#define SYS_SETFSUID SYS_setfsuid32
#define SYS_SETFSGID SYS_setfsgid32
#else
#define SYS_SETRESUID SYS_setresuid
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETGROUPS SYS_setgroups
#define SYS_SETFSUID SYS_setfsuid
#define SYS_SETFSGID SYS_setfsgid
#endif

#define UNCHANGED ((uid_t)-1)

/* Everything about a thread that impersonation changes. */
struct ids {
    uid_t ruid, euid, suid, fsuid;
    gid_t rgid, egid, sgid, fsgid;
    gid_t *groups; /* sorted */
    size_t n_groups;
    struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
};

struct thread_state {
    bool active;
    struct ids self;         /* the thread before the first impersonation */
    struct local_account as; /* whom it impersonates */
    CtxtHandle by;           /* the context it impersonates (Revert accepts it even deleted) */
};

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static bool state_key_ok;

static void ids_clear(struct ids *ids)
{
    free(ids->groups);
    memset(ids, 0, sizeof(*ids));
}

static void state_free(void *p)
{
    struct thread_state *state = p;
    ids_clear(&state->self);
    local_account_clear(&state->as);
    free(state);
}

static void state_key_create(void)
{
    state_key_ok = pthread_key_create(&state_key, state_free) == 0;
}

static struct thread_state *thread_state(bool create)
{
    pthread_once(&state_once, state_key_create);
    if (!state_key_ok)
        return NULL;
    struct thread_state *state = pthread_getspecific(state_key);
    if (state == NULL && create && (state = calloc(1, sizeof(*state))) != NULL &&
        pthread_setspecific(state_key, state) != 0) {
        free(state);
        state = NULL;
    }
    return state;
}

static int compare_gid(const void *a, const void *b)
{
    gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
    return (x > y) - (x < y);
}

/* The fs ids have no getter: setfs*id with an invalid id changes nothing
 * and returns the current one. */
static int ids_read(struct ids *ids)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    memset(ids, 0, sizeof(*ids));
    if (getresuid(&ids->ruid, &ids->euid, &ids->suid) != 0 ||
        getresgid(&ids->rgid, &ids->egid, &ids->sgid) != 0 ||
        syscall(SYS_capget, &header, ids->caps) != 0)
        return errno;
    ids->fsuid = (uid_t)syscall(SYS_SETFSUID, UNCHANGED);
    ids->fsgid = (gid_t)syscall(SYS_SETFSGID, UNCHANGED);
    int n = getgroups(0, NULL);
    if (n < 0)
        return errno;
    ids->groups = malloc((n ? (size_t)n : 1) * sizeof(gid_t));
    if (ids->groups == NULL)
        return ENOMEM;
    n = getgroups(n, ids->groups);
    if (n < 0) {
        int err = errno;
        ids_clear(ids);
        return err;
    }
    ids->n_groups = (size_t)n;
    qsort(ids->groups, ids->n_groups, sizeof(gid_t), compare_gid);
    return 0;
}

static bool same_groups(const gid_t *a, size_t na, const gid_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof(gid_t)) == 0);
}

/* setfsuid/setfsgid report no error: read back to know. */
static bool set_fs_id(long call, unsigned id)
{
    syscall(call, id);
    return (unsigned)syscall(call, UNCHANGED) == id;
}

/* Brings the thread back to *self from wherever it is, step by step, each
 * step only when something differs.  Returns 0 or the errno of the first
 * step that failed (*step names it). */
static int restore(const struct ids *self, const char **step)
{
    struct ids now;
    errno = 0;
    int err = ids_read(&now);
    *step = "reading the thread's ids";
    if (err != 0)
        return err;
    /* uid first: an impersonating root thread regains its privilege here. */
    *step = "setresuid";
    if (now.euid != self->euid && syscall(SYS_SETRESUID, UNCHANGED, self->euid, UNCHANGED) != 0)
        goto fail;
    if (now.suid != self->suid && syscall(SYS_SETRESUID, UNCHANGED, UNCHANGED, self->suid) != 0)
        goto fail;
    *step = "setfsuid";
    if (!set_fs_id(SYS_SETFSUID, self->fsuid))
        goto fail;
    *step = "setresgid";
    if (now.egid != self->egid && syscall(SYS_SETRESGID, UNCHANGED, self->egid, UNCHANGED) != 0)
        goto fail;
    if (now.sgid != self->sgid && syscall(SYS_SETRESGID, UNCHANGED, UNCHANGED, self->sgid) != 0)
        goto fail;
    *step = "setfsgid";
    if (!set_fs_id(SYS_SETFSGID, self->fsgid))
        goto fail;
    *step = "setgroups";
    if (!same_groups(now.groups, now.n_groups, self->groups, self->n_groups) &&
        syscall(SYS_SETGROUPS, self->n_groups, self->groups) != 0)
        goto fail;
    /* Regaining euid 0 raised every permitted capability; put back the
     * effective set the thread had. */
    *step = "capset";
    struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = {{0}};
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    if (syscall(SYS_capget, &header, caps) != 0 || (memcmp(caps, self->caps, sizeof(caps)) != 0 &&
                                                    syscall(SYS_capset, &header, self->caps) != 0))
        goto fail;
    ids_clear(&now);
    return 0;
fail:
    err = errno ? errno : EPERM;
    ids_clear(&now);
    return err;
}

/* From *self to the account: groups, gid, uid, in that order, because
 * changing the uid away from root gives up the privilege the others need.
 * The saved id takes the thread's own effective id when neither the real
 * nor the saved one holds it, so that the way back stays open.  Returns 0
 * or the errno of the step that failed (*step), the thread unchanged. */
static int switch_to(const struct ids *self, const struct local_account *as, const char **step)
{
    gid_t *sorted = malloc((as->n_groups ? as->n_groups : 1) * sizeof(gid_t));
    const char *ignored;
    int err = 0;
    if (sorted == NULL)
        return ENOMEM;
    errno = 0;
    memcpy(sorted, as->groups, as->n_groups * sizeof(gid_t));
    qsort(sorted, as->n_groups, sizeof(gid_t), compare_gid);
    uid_t keep_uid = self->euid == self->ruid || self->euid == self->suid ? UNCHANGED : self->euid;
    gid_t keep_gid = self->egid == self->rgid || self->egid == self->sgid ? UNCHANGED : self->egid;

    *step = "setgroups";
    if (!same_groups(self->groups, self->n_groups, sorted, as->n_groups) &&
        syscall(SYS_SETGROUPS, as->n_groups, as->groups) != 0)
        goto fail;
    /* These also set the fs id to the effective one. */
    *step = "setresgid";
    if ((self->egid != as->gid || self->fsgid != as->gid || keep_gid != UNCHANGED) &&
        syscall(SYS_SETRESGID, UNCHANGED, as->gid, keep_gid) != 0)
        goto fail;
    *step = "setresuid";
    if ((self->euid != as->uid || self->fsuid != as->uid || keep_uid != UNCHANGED) &&
        syscall(SYS_SETRESUID, UNCHANGED, as->uid, keep_uid) != 0)
        goto fail;
    free(sorted);
    return 0;
fail:
    err = errno ? errno : EPERM;
    restore(self, &ignored); /* undo the steps that succeeded */
    free(sorted);
    return err;
}

/* After a failed impersonation: the previous one again if there was one,
 * else (or if that fails too) the thread's own identity. */
static void fall_back(struct thread_state *state)
{
    const char *step;
    if (state->active && switch_to(&state->self, &state->as, &step) == 0)
        return;
    state->active = false;
    ids_clear(&state->self);
    local_account_clear(&state->as);
}

static SECURITY_STATUS impersonate(struct thread_state *state, struct sspi_ctx *ctx,
                                   const CtxtHandle *h)
{
    struct local_account as = {0};
    const char *step = NULL;
    SECURITY_STATUS status;
    int err;
    /* The library looks the account up as the thread's own identity (an
     * impersonated one may not read krb5.conf): back there first. */
    if (state->active) {
        err = restore(&state->self, &step);
        if (err != 0) {
            trace("ImpersonateSecurityContext: cannot leave the current impersonation: %s: %s",
                  step, strerror(err));
            fall_back(state);
            return SEC_E_NO_IMPERSONATION;
        }
    } else if ((err = ids_read(&state->self)) != 0) {
        trace("ImpersonateSecurityContext: cannot read the thread's ids: %s", strerror(err));
        return SEC_E_INTERNAL_ERROR;
    }
    status = identity_local_account(ctx, "ImpersonateSecurityContext", NULL, &as);
    if (status != SEC_E_OK) {
        fall_back(state);
        return status;
    }
    err = switch_to(&state->self, &as, &step);
    if (err != 0) {
        trace("ImpersonateSecurityContext: cannot switch the thread to %s (uid %ld, gid %ld): "
              "%s: %s",
              as.name, (long)as.uid, (long)as.gid, step, strerror(err));
        fall_back(state);
        local_account_clear(&as);
        return SEC_E_NO_IMPERSONATION;
    }
    trace("ImpersonateSecurityContext: thread now %s (uid %ld, gid %ld, %zu groups)", as.name,
          (long)as.uid, (long)as.gid, as.n_groups);
    local_account_clear(&state->as);
    state->as = as;
    state->by = *h;
    state->active = true;
    return SEC_E_OK;
}

bool impersonation_context(CtxtHandle *out)
{
    struct thread_state *state = thread_state(false);
    if (state == NULL || !state->active)
        return false;
    *out = state->by;
    return true;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext)
{
    const char *why;
    SECURITY_STATUS status;
    struct thread_state *state;
    struct sspi_ctx *ctx = identity_acceptor_context(phContext, &why);
    if (ctx == NULL) {
        status = SEC_E_INVALID_HANDLE;
        trace("ImpersonateSecurityContext: phContext is %s", why);
    } else if ((state = thread_state(true)) == NULL) {
        status = SEC_E_INSUFFICIENT_MEMORY;
    } else {
        status = impersonate(state, ctx, phContext);
    }
    context_put(ctx);
    trace("ImpersonateSecurityContext() = %s", status_name(status));
    return status;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext)
{
    const char *why, *step;
    SECURITY_STATUS status = SEC_E_OK;
    struct thread_state *state = thread_state(false);
    bool impersonated_by = state && state->active && phContext &&
                           phContext->dwLower == state->by.dwLower &&
                           phContext->dwUpper == state->by.dwUpper;
    struct sspi_ctx *ctx = impersonated_by ? NULL : identity_acceptor_context(phContext, &why);
    context_put(ctx); /* only its validity matters here */
    if (!impersonated_by && ctx == NULL) {
        status = SEC_E_INVALID_HANDLE;
        trace("RevertSecurityContext: phContext is %s", why);
    } else if (state == NULL || !state->active) {
        trace("RevertSecurityContext: the thread was not impersonating");
    } else {
        int err = restore(&state->self, &step);
        if (err == 0) {
            state->active = false;
            ids_clear(&state->self);
            local_account_clear(&state->as);
        } else {
            status = SEC_E_INTERNAL_ERROR;
            trace("RevertSecurityContext: cannot restore the thread: %s: %s", step, strerror(err));
        }
    }
    trace("RevertSecurityContext() = %s", status_name(status));
    return status;
}
