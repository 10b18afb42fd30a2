/*
 * handles.c - the table behind SecHandle.
 *
 * A handle is {dwLower = slot number + 1, dwUpper = tag}; the tag holds a
 * magic value, the kind (credential or context) and the slot's generation,
 * which changes every time the slot is freed.  So a stale, foreign, zeroed
 * or already-deleted handle is recognised and refused (SEC_E_INVALID_HANDLE)
 * instead of reaching freed memory.
 *
 * Slots live in chunks that are never moved or freed, so a lookup reads
 * atomics and takes no lock; only creating and releasing handles (never on
 * a message path) take the mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

#define CHUNK_SLOTS 1024u
#define MAX_CHUNKS 4096u /* 4M live handles */
#define TAG_MAGIC 0x5353u /* "SS" */

struct slot {
    _Atomic uint64_t tag; /* 0 when free */
    void *_Atomic obj;
    uint32_t generation;
    uint32_t next_free; /* slot number + 1, 0 = end of list */
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

SECURITY_STATUS handle_new(enum handle_kind kind, void *obj, PSecHandle out)
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
    s->generation++;
    if (s->generation == 0) /* keep tags nonzero-generation; 0 is never issued */
        s->generation = 1;
    atomic_store(&s->obj, obj);
    atomic_store_explicit(&s->tag, make_tag(kind, s->generation), memory_order_release);
    out->dwLower = (ULONG_PTR)n + 1;
    out->dwUpper = (ULONG_PTR)make_tag(kind, s->generation);
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

void *handle_get(enum handle_kind kind, const SecHandle *h)
{
    struct slot *s = slot_for(kind, h);
    if (s == NULL || atomic_load_explicit(&s->tag, memory_order_acquire) != (uint64_t)h->dwUpper)
        return NULL;
    void *obj = atomic_load(&s->obj);
    /* A release that raced us changed the tag: then the object is not ours. */
    if (atomic_load_explicit(&s->tag, memory_order_acquire) != (uint64_t)h->dwUpper)
        return NULL;
    return obj;
}

void *handle_release(enum handle_kind kind, const SecHandle *h)
{
    void *obj = NULL;
    struct slot *s = slot_for(kind, h);
    if (s == NULL)
        return NULL;
    pthread_mutex_lock(&table_lock);
    uint64_t expected = (uint64_t)h->dwUpper;
    if (atomic_compare_exchange_strong(&s->tag, &expected, 0)) {
        obj = atomic_exchange(&s->obj, NULL);
        s->next_free = free_head;
        free_head = (uint32_t)(h->dwLower - 1) + 1;
    }
    pthread_mutex_unlock(&table_lock);
    return obj;
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
