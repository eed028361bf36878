/* ua_release.c: what a cluster does with a container's memory after it left,
 * and before the next one comes in.
 *
 * Dropping the pages of a container that left (MADV_DONTNEED) means the
 * next container to arrive faults every page in again and the kernel zeroes
 * each one first: at 256 MiB that zeroing is four times the copy itself
 * (perf: clear_page_erms 20% of samples, the copy 5%, all in the page faults
 * of the destination's process_vm_readv). A cluster that hosted a rank is
 * the likeliest place for a rank to come back to (moves back and forth for
 * load balance, a tour that returns), so by default the stack and heap pages
 * (up to the heap top) are kept: only the header is dropped (so
 * ua_container_present() turns false) and everything above the heap top.
 * MADV_FREE would let the kernel take them back under pressure, but on this
 * kind of machine the pages did not survive until the next arrival.
 *
 * Kept pages still hold the old rank's bytes, and an arriving container must
 * find zeros wherever its source had no page. So when the table of an
 * arriving container has been checked, before its ranges are read,
 * ua_arrival_trim() drops every kept page that none of its ranges covers;
 * the covered ones are then overwritten whole, without a fault.
 *
 * The price is memory: a cluster a rank left holds that rank's pages until
 * the next arrival or the end of the job. NMPI_MIGRATE_KEEP_PAGES=0 drops
 * them at once (memory-tight hosts, evacuating a node), or, after a
 * post-copy move, once the destination has every page (ua_release_hold).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base.h"
#include "ua_internal.h"

/* The kept span not yet trimmed (cluster side, kernel context). */
static uintptr_t ua_kept_lo, ua_kept_hi;
/* A post-copy source serves the pages after the move: kept whatever
 * NMPI_MIGRATE_KEEP_PAGES says until ua_release_unhold(). */
static int ua_hold;

static int ua_keep_pages(void)
{
    return ua_hold || base_setting_on("NMPI_MIGRATE_KEEP_PAGES");
}

void ua_release_hold(void)
{
    ua_hold = 1;
}

void ua_release_unhold(void)
{
    ua_hold = 0;
    if (ua_keep_pages() || ua_container_present() || ua_kept_hi <= ua_kept_lo)
        return;
    madvise((void *)ua_kept_lo, ua_kept_hi - ua_kept_lo, MADV_DONTNEED);
    ua_kept_lo = ua_kept_hi = 0;
}

void ua_release_container(void)
{
    if (!ua_region_mapped())
        return;
    struct ua_header *h = ua_header_get();
    uintptr_t top = UA_STACK_LO;
    if (h != NULL && ua_keep_pages() && h->heap.top > UA_STACK_LO && h->heap.top <= UA_REGION_END)
        top = (h->heap.top + UA_PAGE_SIZE - 1) & ~(UA_PAGE_SIZE - 1);
    madvise((void *)UA_REGION_BASE, UA_HEADER_SIZE, MADV_DONTNEED);
    if (top > UA_STACK_LO) {
        ua_kept_lo = UA_STACK_LO;
        ua_kept_hi = top > ua_kept_hi ? top : ua_kept_hi;
    }
    madvise((void *)top, UA_REGION_END - top, MADV_DONTNEED);
}

static int ua_range_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct ua_range *)a)->addr;
    uintptr_t y = (uintptr_t)((const struct ua_range *)b)->addr;
    return x < y ? -1 : x > y;
}

/* Drops [lo, hi) rounded inwards to whole pages: a page partly covered by
 * an arriving range will hold arrived bytes. */
static void ua_drop_inner(uintptr_t lo, uintptr_t hi)
{
    lo = (lo + UA_PAGE_SIZE - 1) & ~(UA_PAGE_SIZE - 1);
    hi &= ~(UA_PAGE_SIZE - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

int ua_arrival_trim(const struct ua_range *r, int n)
{
    if (ua_kept_hi <= ua_kept_lo)
        return 0;
    struct ua_range *sorted = malloc((size_t)(n > 0 ? n : 1) * sizeof(*sorted));
    if (sorted == NULL) {
        madvise((void *)ua_kept_lo, ua_kept_hi - ua_kept_lo, MADV_DONTNEED);
        ua_kept_lo = ua_kept_hi = 0;
        return -ENOMEM; /* nothing arrived yet: dropping it all is only slower */
    }
    if (n > 0)
        memcpy(sorted, r, (size_t)n * sizeof(*r));
    qsort(sorted, (size_t)n, sizeof(*sorted), ua_range_cmp);
    uintptr_t cur = ua_kept_lo;
    for (int i = 0; i < n && cur < ua_kept_hi; i++) {
        uintptr_t a = (uintptr_t)sorted[i].addr, b = a + sorted[i].len;
        if (b <= cur)
            continue;
        if (a > cur)
            ua_drop_inner(cur, a < ua_kept_hi ? a : ua_kept_hi);
        cur = b;
    }
    if (cur < ua_kept_hi)
        ua_drop_inner(cur, ua_kept_hi);
    free(sorted);
    ua_kept_lo = ua_kept_hi = 0;
    return 0;
}
