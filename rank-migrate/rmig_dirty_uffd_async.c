/* rmig_dirty_uffd_async.c: written pages by asynchronous userfaultfd
 * write-protect and the PAGEMAP_SCAN ioctl (Linux 6.7+).
 *
 * With UFFD_FEATURE_WP_ASYNC the kernel resolves a write to a protected
 * page by itself: it clears the page's uffd-wp bit and lets the write go
 * on, so the rank never waits for anyone and no thread of ours runs. With
 * UFFD_FEATURE_WP_UNPOPULATED, protecting a range also puts a marker in
 * every empty page-table entry, so a first write to a never-touched page is
 * caught too (PAGEMAP_SCAN's WP_MATCHING needs it on anonymous memory).
 *
 * Collect is two PAGEMAP_SCAN calls per range, each of which reports the
 * pages of one category and write-protects them again under the page-table
 * lock (no write can slip between the report and the protection):
 *   1. PAGE_IS_WRITTEN: the pages written since they were last protected;
 *      The kernel's fast path for exactly this query takes every entry
 *      without the uffd-wp bit, so pages emptied by MADV_DONTNEED (the
 *      allocator's release of big free runs) come back here too;
 *   2. neither PRESENT nor SWAPPED: what is left of those, the ranges whose
 *      page table itself went away (a whole emptied table may be freed);
 *      they read as zeros and lost their markers, so they are reported
 *      and marked again. (Not "zeros, needn't read": the kernel marks a
 *      table-less hole after reporting it, and a fault may fill it between.)
 * PM_SCAN_CHECK_WPASYNC makes the scan fail with EPERM on a range that is
 * no longer registered (unmapped and mapped again), instead of walking it
 * as if it were clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "rmig_dirty_impl.h"

#define RMIG_SCAN_VEC 512 /* regions per PAGEMAP_SCAN call */

static const uint64_t rmig_async_features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED;

/* One category of range r: reported to cb, re-protected. Returns pages or -errno. */
static long rmig_async_scan(struct rmig_dirty *t, const struct rmig_dirty_range *r,
                            uint64_t inverted, uint64_t mask, rmig_dirty_cb cb, void *arg)
{
    struct page_region vec[RMIG_SCAN_VEC];
    uint64_t start = r->addr, end = r->addr + r->len;
    long pages = 0;

    while (start < end) {
        struct pm_scan_arg a = {
            .size = sizeof(a),
            .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
            .start = start,
            .end = end,
            .vec = (uintptr_t)vec,
            .vec_len = RMIG_SCAN_VEC,
            .category_inverted = inverted,
            .category_mask = mask,
            .return_mask = mask,
        };
        long n = ioctl(t->pagemap, PAGEMAP_SCAN, &a);

        if (n < 0)
            return -errno;
        for (long i = 0; i < n; i++) {
            cb(vec[i].start, vec[i].end - vec[i].start, arg);
            pages += (long)((vec[i].end - vec[i].start) / RMIG_DIRTY_PAGE);
        }
        if (a.walk_end <= start)
            return -EIO; /* no progress: never loop */
        start = a.walk_end;
    }
    return pages;
}

static long rmig_async_collect(struct rmig_dirty *t, const struct rmig_dirty_range *r,
                               rmig_dirty_cb cb, void *arg)
{
    const uint64_t empty = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
    long written = rmig_async_scan(t, r, 0, PAGE_IS_WRITTEN, cb, arg);
    long released = written < 0 ? 0 : rmig_async_scan(t, r, empty, empty, cb, arg);

    if (written < 0)
        return written;
    return released < 0 ? released : written + released;
}

static int rmig_async_add(struct rmig_dirty *t, const struct rmig_dirty_range *r)
{
    return rmig_uffd_arm(t, r);
}

static int rmig_async_start(struct rmig_dirty *t)
{
    char why[160];
    int ret = 0;

    /* User-mode only is enough: asynchronous faults never reach a handler. */
    t->uffd = rmig_uffd_open(rmig_async_features, 1, why, sizeof(why));
    if (t->uffd < 0)
        return t->uffd;
    t->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (t->pagemap < 0)
        ret = -errno;
    for (int i = 0; ret == 0 && i < t->n; i++)
        ret = rmig_uffd_arm(t, &t->r[i]);
    if (ret < 0)
        rmig_uffd_release(t);
    return ret;
}

static int rmig_async_probe(char *why, size_t why_len)
{
    int fd = rmig_uffd_open(rmig_async_features, 1, why, why_len);

    if (fd < 0)
        return fd;
    close(fd);
    return rmig_dirty_probe_page(&rmig_dirty_uffd_async, why, why_len);
}

const struct rmig_dirty_ops rmig_dirty_uffd_async = {
    .name = "uffd-async",
    .needs_pause = 0,
    .probe = rmig_async_probe,
    .start = rmig_async_start,
    .add = rmig_async_add,
    .collect = rmig_async_collect,
    .rearm = NULL,
    .stop = rmig_uffd_release,
};
