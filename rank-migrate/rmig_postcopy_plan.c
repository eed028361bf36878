/* rmig_postcopy_plan.c: the order of a post-copy source's background push.
 *
 * Ascending runs of the touched ranges (the pages the destination does not
 * have and the source does), cut at a chunk size so that one push message
 * stays bounded and pulls can be answered between chunks; a page already
 * served by a pull is skipped (the destination would only find it present).
 * One byte per touched page, read and written atomically: the server marks
 * pages from the thread that answers pulls while the pusher walks.
 * The destination places zeros in every page the push never covered
 * (rmig_postcopy_fault_finish) once the push has ended.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_postcopy_serve.h"

#define PG RMIG_POSTCOPY_PAGE

static int rmig_plan_cmp(const void *a, const void *b)
{
    const struct rmig_postcopy_range *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int rmig_postcopy_plan_init(struct rmig_postcopy_plan *p, const struct rmig_postcopy_range *r,
                            int n, size_t chunk)
{
    memset(p, 0, sizeof(*p));
    if (n < 0 || (n > 0 && r == NULL) || chunk == 0 || chunk % PG != 0)
        return -EINVAL;
    p->chunk = chunk;
    p->r = malloc((size_t)(n ? n : 1) * sizeof(*p->r));
    p->first = malloc((size_t)(n ? n : 1) * sizeof(*p->first));
    if (p->r == NULL || p->first == NULL) {
        rmig_postcopy_plan_free(p);
        return -ENOMEM;
    }
    if (n > 0)
        memcpy(p->r, r, (size_t)n * sizeof(*r));
    qsort(p->r, (size_t)n, sizeof(*p->r), rmig_plan_cmp);
    for (int i = 0; i < n; i++) {
        const struct rmig_postcopy_range *x = &p->r[i];

        if (x->len == 0 || (x->addr | x->len) & (PG - 1) || x->addr + x->len < x->addr ||
            (i > 0 && p->r[i - 1].addr + p->r[i - 1].len > x->addr)) {
            rmig_postcopy_plan_free(p);
            return -EINVAL;
        }
        p->first[i] = p->pages;
        p->pages += x->len / PG;
    }
    p->n = n;
    p->sent = calloc(p->pages ? p->pages : 1, 1);
    if (p->sent == NULL) {
        rmig_postcopy_plan_free(p);
        return -ENOMEM;
    }
    p->at = n > 0 ? p->r[0].addr : 0;
    return 0;
}

/* The range holding addr, or -1. */
static int rmig_plan_range(const struct rmig_postcopy_plan *p, uintptr_t addr)
{
    int lo = 0, hi = p->n - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;

        if (addr < p->r[mid].addr)
            hi = mid - 1;
        else if (addr >= p->r[mid].addr + p->r[mid].len)
            lo = mid + 1;
        else
            return mid;
    }
    return -1;
}

static uint8_t *rmig_plan_byte(const struct rmig_postcopy_plan *p, int i, uintptr_t addr)
{
    return &p->sent[p->first[i] + (addr - p->r[i].addr) / PG];
}

void rmig_postcopy_plan_sent(struct rmig_postcopy_plan *p, uintptr_t addr, size_t len)
{
    for (uintptr_t a = addr & ~(PG - 1); a < addr + len; a += PG) {
        int i = rmig_plan_range(p, a);

        if (i >= 0)
            __atomic_store_n(rmig_plan_byte(p, i, a), 1, __ATOMIC_RELAXED);
    }
}

int rmig_postcopy_plan_next(struct rmig_postcopy_plan *p, uintptr_t *addr_p, size_t *len_p)
{
    while (p->i < p->n) {
        uintptr_t end = p->r[p->i].addr + p->r[p->i].len, a = p->at;
        size_t len = 0;

        while (a < end && __atomic_load_n(rmig_plan_byte(p, p->i, a), __ATOMIC_RELAXED)) {
            a += PG;
            p->skipped++;
        }
        while (a + len < end && len < p->chunk &&
               !__atomic_exchange_n(rmig_plan_byte(p, p->i, a + len), 1, __ATOMIC_RELAXED))
            len += PG;
        p->at = a + len;
        if (p->at >= end && ++p->i < p->n)
            p->at = p->r[p->i].addr;
        if (len > 0) {
            *addr_p = a;
            *len_p = len;
            return 1;
        }
    }
    return 0;
}

void rmig_postcopy_plan_free(struct rmig_postcopy_plan *p)
{
    free(p->r);
    free(p->first);
    free(p->sent);
    p->r = NULL;
    p->first = NULL;
    p->sent = NULL;
    p->n = 0;
}
