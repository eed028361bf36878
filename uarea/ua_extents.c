/* ua_extents.c: the container's extents, for a tracker of written pages.
 *
 * A pre-copy move (rank-migrate/rmig_precopy.c) sends the touched pages
 * while the rank runs, then what it wrote meanwhile. What it watches must
 * be the extents the rank may write, not the touched runs of the moment: a
 * page untouched at the start lies between runs, and written later it must
 * still be seen. So: the header (its pages), the whole rank stack, the heap
 * from its base to its top now (the top may move up later: what lies above
 * is the caller's to send whole), and the globals, rounded out to whole
 * pages (a tracker works per page) and merged where two share a page. Only
 * these: tracking costs page tables over what it watches (rmig_dirty.h),
 * never the whole reserved region.
 */
#include <errno.h>

#include "ua_internal.h"

static uintptr_t ua_page_down(uintptr_t a)
{
    return a & ~(uintptr_t)(UA_PAGE_SIZE - 1);
}

static uintptr_t ua_page_up(uintptr_t a)
{
    return (a + UA_PAGE_SIZE - 1) & ~(uintptr_t)(UA_PAGE_SIZE - 1);
}

/* The extents being listed: the pending one [lo, hi) grows while the next
 * ones overlap or touch it, and is written out (if it fits) when one does
 * not; n counts them all, written or not. */
struct ua_extent_acc {
    struct ua_range *out;
    int max, n;
    uintptr_t lo, hi;
};

static void ua_extent_flush(struct ua_extent_acc *a)
{
    if (a->hi > a->lo) {
        if (a->n < a->max)
            a->out[a->n] = (struct ua_range){(void *)a->lo, a->hi - a->lo};
        a->n++;
    }
    a->lo = a->hi = 0;
}

/* Adds [lo, hi), which starts at or above the pending extent's start. */
static void ua_extent_add(struct ua_extent_acc *a, uintptr_t lo, uintptr_t hi)
{
    if (hi <= lo)
        return;
    if (a->hi > a->lo && lo <= a->hi) {
        a->hi = hi > a->hi ? hi : a->hi;
        return;
    }
    ua_extent_flush(a);
    a->lo = lo;
    a->hi = hi;
}

int ua_extents(struct ua_range *out, int max)
{
    const struct ua_header *h = ua_header_get();
    struct ua_extent_acc a = {out, max, 0, 0, 0};
    const struct ua_range *g;
    int ng;

    if (h == NULL)
        return -ENODEV;
    g = ua_globals_cached(&ng);
    if (ng < 0)
        return ng;
    /* The region's, ascending (header, stack, heap), then the globals',
     * ascending: the executable lies outside the region, below or above. */
    ua_extent_add(&a, UA_REGION_BASE, UA_REGION_BASE + ua_page_up(sizeof(*h)));
    ua_extent_add(&a, h->stack_lo, h->stack_hi);
    ua_extent_add(&a, ua_page_down(h->heap.base), ua_page_up(h->heap.top));
    ua_extent_flush(&a);
    for (int i = 0; i < ng; i++) /* ascending (ua_globals_ranges) */
        ua_extent_add(&a, ua_page_down((uintptr_t)g[i].addr),
                      ua_page_up((uintptr_t)g[i].addr + g[i].len));
    ua_extent_flush(&a);
    return a.n;
}
