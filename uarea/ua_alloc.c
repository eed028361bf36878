/* ua_alloc.c: the container allocator, whose whole state lives in the container.
 *
 * Hand-written on purpose: every packaged allocator (glibc, jemalloc,
 * tcmalloc, mimalloc, even dlmalloc's mspaces) keeps some of its state in its
 * own statics, thread caches or separately mmap'ed metadata. Here the state is
 * one struct ua_heap inside the uarea header and every block is carved from
 * [base, limit) of the container, so copying the container's pages moves the
 * heap with no fix-up.
 *
 * Every block has a 16-byte header (struct ua_chunk) before the user pointer.
 * Small requests (<= UA_SMALL_MAX) are rounded to one of UA_NCLASSES size
 * classes (16..256 by 16, then four classes per doubling); freed small blocks
 * go to a LIFO list per class and are never split or merged. New small blocks
 * are carved lazily from a 64 KiB bump area, so untouched memory stays
 * untouched (and is not sent by a migration). Large requests are page runs:
 * first fit in an address-ordered list of free runs, split from the run's
 * end, coalesced with both neighbours on free; a run that ends at the heap
 * top lowers the top instead, and big freed runs are given back to the kernel
 * with madvise, so they read as zeros and are not sent either. The whole
 * 2 MiB blocks inside a run of 2 MiB or more may be marked for transparent
 * huge pages (NMPI_HEAP_HUGEPAGES=1; the rest of the container has 4 KiB
 * pages only, see ua_region.c): a warm move's kernel copy into huge pages
 * is faster (16 MiB 3.9 ms -> 2.4 ms), but on the 2-core VM a first touch
 * of a huge page cost far more than of its 512 small ones (NPB FT class A
 * 20-25% slower, its time in clear_page; a 256 MiB rank's first move into a
 * fresh spare 730-850 ms instead of 50), and one touched byte makes its 2
 * MiB block resident and sent: so it is off by default. Aligned
 * requests over-allocate and put an "aligned" header in front of the aligned
 * pointer that leads back to the real block.
 *
 * One spin lock serialises the rank thread and runtime threads that free by
 * address; contention is rare (one rank per container).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base.h"
#include "ua_internal.h"

#define UA_CHUNK_SMALL   0x55a10001u   /* live small block, cls = size class */
#define UA_CHUNK_LARGE   0x55a10002u   /* live page run, size = run bytes */
#define UA_CHUNK_ALIGNED 0x55a10003u   /* aligned pointer, size = offset back */
#define UA_CHUNK_FREE    0x55a1dead    /* a freed small block */
#define UA_SLAB_SIZE     (64UL << 10)  /* bump area refill */
#define UA_RELEASE_MIN   (256UL << 10) /* free runs this big are madvised */
#define UA_HUGE_MIN      (2UL << 20)   /* blocks this big may get huge pages */

struct ua_chunk {
    uint32_t magic;
    uint32_t cls;
    uint64_t size;
};

/* A free page run, stored in its own first bytes. */
struct ua_run {
    struct ua_run *next;
    size_t bytes;
};

static void ua_heap_lock(struct ua_heap *h)
{
    unsigned spins = 0;
    while (__atomic_exchange_n(&h->lock, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&h->lock, __ATOMIC_RELAXED))
            if (++spins % 64 == 0)
                sched_yield();
    }
}

static void ua_heap_unlock(struct ua_heap *h)
{
    __atomic_store_n(&h->lock, 0, __ATOMIC_RELEASE);
}

static void ua_heap_corrupt(const void *p, const char *what)
{
    ua_log("heap corruption: %s at %p", what, p);
    abort();
}

static struct ua_chunk *ua_chunk_of(const void *p)
{
    return (struct ua_chunk *)((uintptr_t)p - UA_CHUNK_HDR);
}

static size_t ua_round_up(size_t n, size_t to)
{
    return (n + to - 1) & ~(to - 1);
}

void ua_heap_init(struct ua_heap *h, uintptr_t base, uintptr_t limit)
{
    memset(h, 0, sizeof(*h));
    h->base = base;
    h->top = base;
    h->limit = limit;
}

int ua_heap_class_of(size_t size)
{
    if (size <= 256)
        return size == 0 ? 0 : (int)((size + 15) / 16) - 1;
    size_t n = size - 1;
    int b = 63 - __builtin_clzl(n); /* 2^b <= n < 2^(b+1), b >= 8 */
    size_t quarter = (size_t)1 << (b - 2);
    size_t k = (n - ((size_t)1 << b)) / quarter; /* 0..3 */
    return 16 + (b - 8) * 4 + (int)k;
}

size_t ua_heap_class_size(int cls)
{
    if (cls < 16)
        return (size_t)(cls + 1) * 16;
    int b = 8 + (cls - 16) / 4;
    int k = (cls - 16) % 4 + 1;
    return ((size_t)1 << b) + (size_t)k * ((size_t)1 << (b - 2));
}

/* Takes bytes (page multiple) of fresh heap from the top; NULL when full. */
static void *ua_run_from_top(struct ua_heap *h, size_t bytes)
{
    if (bytes > h->limit - h->top)
        return NULL;
    void *p = (void *)h->top;
    h->top += bytes;
    return p;
}

/* First fit in the free runs, carving from the run's end; else from the top.
 * *fresh_p tells whether the pages were never used (hence zero). */
static void *ua_run_alloc(struct ua_heap *h, size_t bytes, int *fresh_p)
{
    struct ua_run **link = (struct ua_run **)&h->free_runs;
    for (struct ua_run *r = *link; r; link = &r->next, r = r->next) {
        if (r->bytes < bytes)
            continue;
        h->runs_free_bytes -= bytes;
        *fresh_p = 0;
        if (r->bytes == bytes) {
            *link = r->next;
            return r;
        }
        r->bytes -= bytes;
        return (char *)r + r->bytes;
    }
    *fresh_p = 1;
    return ua_run_from_top(h, bytes);
}

/* Gives pages back to the kernel: they read as zeros and count as untouched. */
static void ua_pages_drop(uintptr_t start, uintptr_t end)
{
    if (end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
}

/* Lowers the heap top over free runs that end at it. */
static void ua_top_shrink(struct ua_heap *h)
{
    struct ua_run **link = (struct ua_run **)&h->free_runs;
    while (*link && (*link)->next)
        link = &(*link)->next;
    struct ua_run *last = *link;
    if (last && (uintptr_t)last + last->bytes == h->top) {
        *link = NULL;
        h->runs_free_bytes -= last->bytes;
        h->top = (uintptr_t)last;
        ua_pages_drop((uintptr_t)last, (uintptr_t)last + last->bytes);
    }
}

static void ua_run_free(struct ua_heap *h, void *p, size_t bytes)
{
    uintptr_t a = (uintptr_t)p;
    if (a + bytes == h->top) {
        h->top = a;
        ua_pages_drop(a, a + bytes);
        ua_top_shrink(h);
        return;
    }
    struct ua_run *prev = NULL, *next = h->free_runs;
    while (next && (uintptr_t)next < a) {
        prev = next;
        next = next->next;
    }
    if (bytes >= UA_RELEASE_MIN)
        ua_pages_drop(a + UA_PAGE_SIZE, a + bytes);
    struct ua_run *r = p;
    r->bytes = bytes;
    r->next = next;
    h->runs_free_bytes += bytes;
    if (next && a + bytes == (uintptr_t)next) {
        r->bytes += next->bytes;
        r->next = next->next;
    }
    if (prev && (uintptr_t)prev + prev->bytes == a) {
        prev->bytes += r->bytes;
        prev->next = r->next;
    } else if (prev) {
        prev->next = r;
    } else {
        h->free_runs = r;
    }
}

static void *ua_small_alloc(struct ua_heap *h, int cls, int *fresh_p)
{
    struct ua_chunk *c;
    void **head = &h->free_small[cls];
    size_t need = UA_CHUNK_HDR + ua_heap_class_size(cls);
    if (*head) {
        void *p = *head;
        c = ua_chunk_of(p);
        if (c->magic != UA_CHUNK_FREE || c->cls != (uint32_t)cls)
            ua_heap_corrupt(p, "bad free-list entry");
        *head = *(void **)p;
    } else {
        if (h->small_end - h->small_cur < need) {
            int fresh;
            void *slab = ua_run_alloc(h, UA_SLAB_SIZE, &fresh);
            if (!slab)
                return NULL;
            h->small_cur = (uintptr_t)slab;
            h->small_end = (uintptr_t)slab + UA_SLAB_SIZE;
        }
        c = (struct ua_chunk *)h->small_cur;
        h->small_cur += need;
    }
    *fresh_p = 0; /* small blocks may come from a recycled slab: always cleared */
    c->magic = UA_CHUNK_SMALL;
    c->cls = (uint32_t)cls;
    c->size = ua_heap_class_size(cls);
    return c + 1;
}

static void *ua_large_alloc(struct ua_heap *h, size_t size, int *fresh_p)
{
    size_t bytes = ua_round_up(size + UA_CHUNK_HDR, UA_PAGE_SIZE);
    struct ua_chunk *c = ua_run_alloc(h, bytes, fresh_p);
    if (!c)
        return NULL;
    if (bytes >= UA_HUGE_MIN)       /* huge pages with NMPI_HEAP_HUGEPAGES=1 only */
        ua_range_prepare(c, bytes); /* before the header's write faults a page in */
    c->magic = UA_CHUNK_LARGE;
    c->cls = 0;
    c->size = bytes;
    return c + 1;
}

/* Allocates with the lock held; *fresh_p tells the block reads as zeros. */
static void *ua_alloc_locked(struct ua_heap *h, size_t size, int *fresh_p)
{
    if (size > h->limit - h->base)
        return NULL;
    void *p = size <= UA_SMALL_MAX ? ua_small_alloc(h, ua_heap_class_of(size), fresh_p)
                                   : ua_large_alloc(h, size, fresh_p);
    if (p)
        h->nallocs++;
    return p;
}

static void ua_free_locked(struct ua_heap *h, void *p)
{
    struct ua_chunk *c = ua_chunk_of(p);
    if (c->magic == UA_CHUNK_ALIGNED) {
        p = (char *)p - c->size;
        c = ua_chunk_of(p);
    }
    if ((uintptr_t)c < h->base || (uintptr_t)p >= h->top)
        ua_heap_corrupt(p, "free of a pointer outside the heap");
    if (c->magic == UA_CHUNK_SMALL) {
        if (c->cls >= UA_NCLASSES)
            ua_heap_corrupt(p, "bad size class");
        c->magic = UA_CHUNK_FREE;
        *(void **)p = h->free_small[c->cls];
        h->free_small[c->cls] = p;
    } else if (c->magic == UA_CHUNK_LARGE) {
        c->magic = 0;
        ua_run_free(h, c, c->size);
    } else {
        ua_heap_corrupt(p, c->magic == UA_CHUNK_FREE ? "double free" : "invalid free");
    }
    h->nallocs--;
}

static size_t ua_usable_locked(const void *p)
{
    const struct ua_chunk *c = ua_chunk_of(p);
    if (c->magic == UA_CHUNK_ALIGNED) {
        size_t off = c->size;
        return ua_usable_locked((const char *)p - off) - off;
    }
    if (c->magic == UA_CHUNK_SMALL)
        return c->size;
    if (c->magic == UA_CHUNK_LARGE)
        return c->size - UA_CHUNK_HDR;
    ua_heap_corrupt(p, "usable size of a block that is not live");
    return 0;
}

void *ua_heap_malloc(struct ua_heap *h, size_t size)
{
    int fresh;
    ua_heap_lock(h);
    void *p = ua_alloc_locked(h, size, &fresh);
    ua_heap_unlock(h);
    return p;
}

void *ua_heap_calloc(struct ua_heap *h, size_t size)
{
    int fresh;
    ua_heap_lock(h);
    void *p = ua_alloc_locked(h, size, &fresh);
    ua_heap_unlock(h);
    if (p && !fresh)
        memset(p, 0, size);
    return p;
}

void ua_heap_free(struct ua_heap *h, void *p)
{
    ua_heap_lock(h);
    ua_free_locked(h, p);
    ua_heap_unlock(h);
}

size_t ua_heap_usable(struct ua_heap *h, const void *p)
{
    ua_heap_lock(h);
    size_t n = ua_usable_locked(p);
    ua_heap_unlock(h);
    return n;
}

/* align: a power of two. */
void *ua_heap_memalign(struct ua_heap *h, size_t align, size_t size)
{
    if (align <= UA_CHUNK_HDR)
        return ua_heap_malloc(h, size);
    if (size > h->limit - h->base || align > h->limit - h->base)
        return NULL;
    int fresh;
    ua_heap_lock(h);
    char *p = ua_alloc_locked(h, size + 2 * align, &fresh);
    ua_heap_unlock(h);
    if (!p)
        return NULL;
    uintptr_t q = ((uintptr_t)p + align - 1) & ~(align - 1);
    if (q == (uintptr_t)p)
        return p;
    if (q - (uintptr_t)p < UA_CHUNK_HDR)
        q += align;
    struct ua_chunk *c = ua_chunk_of((void *)q);
    c->magic = UA_CHUNK_ALIGNED;
    c->cls = 0;
    c->size = q - (uintptr_t)p;
    return (void *)q;
}

/* Shrinks a page run in place by freeing its tail; returns 1 if done. */
static int ua_large_shrink(struct ua_heap *h, struct ua_chunk *c, size_t size)
{
    size_t bytes = ua_round_up(size + UA_CHUNK_HDR, UA_PAGE_SIZE);
    if (c->magic != UA_CHUNK_LARGE || size <= UA_SMALL_MAX || bytes >= c->size)
        return 0;
    ua_run_free(h, (char *)c + bytes, c->size - bytes);
    c->size = bytes;
    return 1;
}

/* Grows a page run in place when it ends at the heap top; returns 1 if done. */
static int ua_large_grow_at_top(struct ua_heap *h, struct ua_chunk *c, size_t size)
{
    size_t bytes = ua_round_up(size + UA_CHUNK_HDR, UA_PAGE_SIZE);
    if (c->magic != UA_CHUNK_LARGE || (uintptr_t)c + c->size != h->top)
        return 0;
    if (!ua_run_from_top(h, bytes - c->size))
        return 0;
    c->size = bytes;
    return 1;
}

void *ua_heap_realloc(struct ua_heap *h, void *p, size_t size)
{
    if (size > h->limit - h->base)
        return NULL;
    ua_heap_lock(h);
    size_t old = ua_usable_locked(p);
    struct ua_chunk *c = ua_chunk_of(p);
    int in_place =
        size <= old ? (ua_large_shrink(h, c, size), 1) : ua_large_grow_at_top(h, c, size);
    ua_heap_unlock(h);
    if (in_place)
        return p;
    void *n = ua_heap_malloc(h, size);
    if (!n)
        return NULL;
    memcpy(n, p, old < size ? old : size);
    ua_heap_free(h, p);
    return n;
}
