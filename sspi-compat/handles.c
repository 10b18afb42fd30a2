/*
 * handles.c - the table behind SecHandle, and the lifetime of what it holds.
 *
 * A handle is {dwLower = slot number + 1, dwUpper = tag}; the tag holds a
 * magic value, the kind (credential, context, token) and the slot's
 * generation, which changes every time the slot is reused.  So a stale,
 * foreign, zeroed or already-deleted handle is recognised and refused
 * (SEC_E_INVALID_HANDLE) instead of reaching freed memory.
 *
 * Lifetime: each slot has one atomic state word (generation, kind, live
 * bit, reference count).  A live handle holds one reference; every call
 * that looks a handle up takes another with a single compare-and-swap that
 * also checks generation, kind and liveness, so a lookup can never take a
 * reference on a slot that was deleted or reused in between.  Deleting
 * clears the live bit (later lookups fail) and drops the handle's
 * reference; whoever drops the last one, the deleter or the last call
 * still running, destroys the object and only then returns the slot to
 * the free list.  So every call sees a live object for its whole duration
 * or fails with SEC_E_INVALID_HANDLE.
 *
 * Slots live in chunks that are never moved or freed, so lookups and
 * reference drops take no lock; only creating handles and recycling slots
 * (never on a message path unless a delete raced it) take the mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

#define CHUNK_SLOTS 1024u
#define MAX_CHUNKS 4096u /* 4M live handles */
#define TAG_MAGIC 0x5353u /* "SS" */

/* state: generation (bits 63-32), kind (31-30), live (29), references (28-0). */
#define STATE_KIND_SHIFT 30
#define STATE_LIVE ((uint64_t)1 << 29)
#define STATE_REFS ((uint64_t)STATE_LIVE - 1)

struct slot {
    _Atomic uint64_t state;
    void *obj;                    /* written before the state goes live */
    handle_destroy_fn destroy;
    uint32_t next_free;           /* slot number + 1, 0 = end of list; under the lock */
};

static struct slot *_Atomic chunks[MAX_CHUNKS];
static uint32_t slots_used;     /* slots ever handed out */
static uint32_t free_head;      /* slot number + 1 */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot *slot_at(uint32_t n)
{
    struct slot *chunk = atomic_load_explicit(&chunks[n / CHUNK_SLOTS], memory_order_acquire);
    return chunk ? &chunk[n % CHUNK_SLOTS] : NULL;
}

static uint64_t make_tag(enum handle_kind kind, uint32_t generation)
{
    return ((uint64_t)TAG_MAGIC << 48) | ((uint64_t)kind << 32) | generation;
}

static uint32_t state_generation(uint64_t state)
{
    return (uint32_t)(state >> 32);
}

/* What a live state of this generation and kind looks like, references aside. */
static uint64_t live_state(enum handle_kind kind, uint32_t generation)
{
    return (uint64_t)generation << 32 | (uint64_t)kind << STATE_KIND_SHIFT | STATE_LIVE;
}

SECURITY_STATUS handle_new(enum handle_kind kind, void *obj, handle_destroy_fn destroy, bool hold,
                           PSecHandle out, uint32_t *id)
{
    SECURITY_STATUS status = SEC_E_OK;
    uint32_t n;
    struct slot *s;

    pthread_mutex_lock(&table_lock);
    if (free_head != 0) {
        n = free_head - 1;
        s = slot_at(n);
        free_head = s->next_free;
    } else {
        n = slots_used;
        if (n / CHUNK_SLOTS >= MAX_CHUNKS) {
            status = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
        if (atomic_load(&chunks[n / CHUNK_SLOTS]) == NULL) {
            struct slot *chunk = calloc(CHUNK_SLOTS, sizeof(*chunk));
            if (chunk == NULL) {
                status = SEC_E_INSUFFICIENT_MEMORY;
                goto out;
            }
            atomic_store_explicit(&chunks[n / CHUNK_SLOTS], chunk, memory_order_release);
        }
        slots_used++;
        s = slot_at(n);
    }
    /* A free slot is dead with no references: nobody else writes it now. */
    uint32_t generation = state_generation(atomic_load(&s->state)) + 1;
    if (generation == 0) /* generation 0 is never issued */
        generation = 1;
    s->obj = obj;
    s->destroy = destroy;
    atomic_store_explicit(&s->state, live_state(kind, generation) | (hold ? 2 : 1),
                          memory_order_release);
    out->dwLower = (ULONG_PTR)n + 1;
    out->dwUpper = (ULONG_PTR)make_tag(kind, generation);
    if (id != NULL)
        *id = n + 1;
out:
    pthread_mutex_unlock(&table_lock);
    return status;
}

static struct slot *slot_for(enum handle_kind kind, const SecHandle *h)
{
    if (h == NULL || h->dwLower == 0 || h->dwLower > UINT32_MAX)
        return NULL;
    if ((uint64_t)h->dwUpper >> 48 != TAG_MAGIC || (((uint64_t)h->dwUpper >> 32) & 0xFFFF) != kind)
        return NULL;
    uint32_t n = (uint32_t)(h->dwLower - 1);
    if (n / CHUNK_SLOTS >= MAX_CHUNKS)
        return NULL;
    return slot_at(n);
}

/* The last reference is gone (the slot is dead): destroy, then recycle. */
static void slot_reclaim(struct slot *s, uint32_t id)
{
    void *obj = s->obj;
    handle_destroy_fn destroy = s->destroy;
    s->obj = NULL;
    s->destroy = NULL;
    pthread_mutex_lock(&table_lock);
    s->next_free = free_head;
    free_head = id;
    pthread_mutex_unlock(&table_lock);
    if (destroy != NULL)
        destroy(obj);
}

void *handle_get(enum handle_kind kind, const SecHandle *h, uint32_t *id)
{
    struct slot *s = slot_for(kind, h);
    *id = 0;
    if (s == NULL)
        return NULL;
    uint64_t want = live_state(kind, (uint32_t)h->dwUpper);
    uint64_t state = atomic_load_explicit(&s->state, memory_order_acquire);
    do {
        if ((state & ~STATE_REFS) != want || (state & STATE_REFS) == STATE_REFS)
            return NULL; /* deleted, reused, another kind, or a reference count at its limit */
    } while (!atomic_compare_exchange_weak_explicit(&s->state, &state, state + 1,
                                                    memory_order_acq_rel, memory_order_acquire));
    *id = (uint32_t)h->dwLower;
    return s->obj;
}

void handle_put(uint32_t id)
{
    if (id == 0)
        return;
    struct slot *s = slot_at(id - 1);
    uint64_t before = atomic_fetch_sub_explicit(&s->state, 1, memory_order_acq_rel);
    /* A live handle holds a reference itself, so the last one is a dead slot's. */
    if ((before & STATE_REFS) == 1)
        slot_reclaim(s, id);
}

bool handle_live(enum handle_kind kind, const SecHandle *h)
{
    uint32_t id;
    bool live = handle_get(kind, h, &id) != NULL;
    handle_put(id);
    return live;
}

bool handle_release(enum handle_kind kind, const SecHandle *h)
{
    struct slot *s = slot_for(kind, h);
    if (s == NULL)
        return false;
    uint64_t want = live_state(kind, (uint32_t)h->dwUpper);
    uint64_t state = atomic_load_explicit(&s->state, memory_order_acquire), next;
    do {
        if ((state & ~STATE_REFS) != want)
            return false;
        next = (state & ~STATE_LIVE) - 1; /* dead, and the handle's reference dropped */
    } while (!atomic_compare_exchange_weak_explicit(&s->state, &state, next, memory_order_acq_rel,
                                                    memory_order_acquire));
    if ((next & STATE_REFS) == 0)
        slot_reclaim(s, (uint32_t)h->dwLower);
    return true;
}

/* A HANDLE is one word: the slot number + 1 in the low 32 bits and the
 * generation in the high 32 (the kind is implied by the caller).  Like
 * SecHandle's 64-bit tag, this needs a 64-bit ULONG_PTR. */
_Static_assert(sizeof(uintptr_t) >= 8, "handles need 64-bit pointers");

HANDLE handle_to_word(const SecHandle *h)
{
    uintptr_t generation = (uint32_t)h->dwUpper;
    return (HANDLE)(generation << 32 | (uint32_t)h->dwLower);
}

void handle_from_word(enum handle_kind kind, HANDLE word, SecHandle *out)
{
    uintptr_t w = (uintptr_t)word;
    out->dwLower = (uint32_t)w;
    out->dwUpper = (ULONG_PTR)make_tag(kind, (uint32_t)(w >> 32));
}
