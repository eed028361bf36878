/* ua_touched.c: what a migration sends and how the receiver takes it back.
 *
 * Only pages the rank touched are sent. A page of the container is touched
 * when the kernel backs it: present in RAM or swapped out, as the
 * PAGEMAP_SCAN ioctl reports it in runs (Linux 6.7), else as
 * /proc/self/pagemap's entries say (bits 63 and 62): the ioctl walks a
 * 1 GiB heap of 4 KiB pages in about 4 ms where reading its 262144 entries
 * takes 12-14 ms, and that walk is in every move's pause (a post-copy move
 * of 1 GiB paused 15-17 ms, most of it this). mincore() is the fallback
 * when pagemap cannot be read; it misses swapped-out pages, so that
 * fallback is only exact on machines without swap. Untouched pages read as zeros on both sides: the
 * receiving region is fresh, or was trimmed to the arriving ranges
 * (ua_release.c). The stack is
 * scanned from the saved stack pointer (minus the red zone) when the rank is
 * suspended, the heap up to its top; runs of adjacent touched pages are merged.
 * The executable's globals are always sent whole: the receiver's copy may hold
 * another rank's leftovers, so "untouched here" does not mean "equal there".
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ua_internal.h"

#define UA_SCAN_BATCH 512 /* pages examined per system call */
#define UA_RED_ZONE   128

typedef int (*ua_range_cb)(void *addr, size_t len, void *arg);

/* A run of touched pages being built, flushed to the callback. */
struct ua_run_acc {
    uintptr_t start, end;
    ua_range_cb cb;
    void *arg;
};

static int ua_acc_page(struct ua_run_acc *a, uintptr_t page)
{
    if (a->end == page) {
        a->end += UA_PAGE_SIZE;
        return 0;
    }
    int rc = a->end > a->start ? a->cb((void *)a->start, a->end - a->start, a->arg) : 0;
    a->start = page;
    a->end = page + UA_PAGE_SIZE;
    return rc;
}

static int ua_acc_flush(struct ua_run_acc *a)
{
    int rc = a->end > a->start ? a->cb((void *)a->start, a->end - a->start, a->arg) : 0;
    a->start = a->end = 0;
    return rc;
}

/* Fills touched[0..n-1] for the n pages at addr. Returns 0 or -errno. */
static int ua_pages_touched(int pagemap, uintptr_t addr, size_t n, unsigned char *touched)
{
    if (pagemap >= 0) {
        uint64_t e[UA_SCAN_BATCH];
        off_t off = (off_t)(addr / UA_PAGE_SIZE) * sizeof(uint64_t);
        if (pread(pagemap, e, n * sizeof(uint64_t), off) != (ssize_t)(n * sizeof(uint64_t)))
            return -EIO;
        for (size_t i = 0; i < n; i++)
            touched[i] = (e[i] >> 62) & 3; /* present or swapped */
        return 0;
    }
    if (mincore((void *)addr, n * UA_PAGE_SIZE, touched) < 0)
        return -errno;
    for (size_t i = 0; i < n; i++)
        touched[i] &= 1;
    return 0;
}

static int ua_entries_only; /* ua_touched_use_entries */

void ua_touched_use_entries(int on)
{
    ua_entries_only = on;
}

/* Adds the touched run [start, end) (page aligned, above the run's end). */
static int ua_acc_run(struct ua_run_acc *a, uintptr_t start, uintptr_t end)
{
    int rc = 0;

    if (a->end != start) {
        rc = ua_acc_flush(a);
        a->start = start;
    }
    a->end = end;
    return rc;
}

/* Feeds the touched runs of [start, end) to the run with PAGEMAP_SCAN.
 * Returns 0, 1 when the kernel has no such ioctl (nothing fed), or
 * -errno. */
static int ua_scan_runs(int pagemap, uintptr_t start, uintptr_t end, struct ua_run_acc *a)
{
    struct page_region vec[UA_SCAN_BATCH];
    const uint64_t touched = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;

    while (start < end) {
        struct pm_scan_arg q = {
            .size = sizeof(q),
            .start = start,
            .end = end,
            .vec = (uintptr_t)vec,
            .vec_len = UA_SCAN_BATCH,
            .category_anyof_mask = touched,
            .return_mask = touched,
        };
        long n = ioctl(pagemap, PAGEMAP_SCAN, &q);

        if (n < 0)
            return errno == ENOTTY || errno == EINVAL ? 1 : -errno;
        for (long i = 0; i < n; i++) {
            int rc = ua_acc_run(a, vec[i].start, vec[i].end);
            if (rc)
                return rc;
        }
        if (q.walk_end <= start)
            return -EIO; /* no progress: never seen, but never loop */
        start = q.walk_end;
    }
    return 0;
}

/* Feeds the touched pages of [start, end) (page aligned) to the run: in
 * runs with PAGEMAP_SCAN, else at most UA_SCAN_BATCH pages per look. */
static int ua_scan(int pagemap, uintptr_t start, uintptr_t end, struct ua_run_acc *a)
{
    if (pagemap >= 0 && start < end && !ua_entries_only) {
        int rc = ua_scan_runs(pagemap, start, end, a);
        if (rc <= 0)
            return rc;
    }
    unsigned char touched[UA_SCAN_BATCH];
    size_t left = start < end ? (end - start) / UA_PAGE_SIZE : 0;
    while (left > 0) {
        size_t n = left;
        if (n > UA_SCAN_BATCH)
            n = UA_SCAN_BATCH;
        int rc = ua_pages_touched(pagemap, start, n, touched);
        for (size_t i = 0; !rc && i < n; i++)
            if (touched[i])
                rc = ua_acc_page(a, start + i * UA_PAGE_SIZE);
        if (rc)
            return rc;
        start += n * UA_PAGE_SIZE;
        left -= n;
    }
    return 0;
}

/* Lowest stack address that may hold live data. */
static uintptr_t ua_stack_floor(const struct ua_header *h)
{
    if (h->state != UA_STATE_SUSPENDED)
        return h->stack_lo;
    uintptr_t sp = (uintptr_t)h->rank_ctx.uc_mcontext.gregs[REG_RSP] - UA_RED_ZONE;
    if (sp < h->stack_lo || sp >= h->stack_hi)
        return h->stack_lo;
    return sp & ~(UA_PAGE_SIZE - 1);
}

static int ua_container_ranges(const struct ua_header *h, int pagemap, struct ua_run_acc *a)
{
    size_t hdr = (sizeof(*h) + UA_PAGE_SIZE - 1) & ~(UA_PAGE_SIZE - 1);
    int rc = a->cb((void *)UA_REGION_BASE, hdr, a->arg);
    if (!rc)
        rc = ua_scan(pagemap, ua_stack_floor(h), h->stack_hi, a);
    if (!rc)
        rc = ua_scan(pagemap, h->heap.base, h->heap.top, a);
    if (!rc)
        rc = ua_acc_flush(a);
    return rc;
}

int ua_touched_ranges(int (*cb)(void *addr, size_t len, void *arg), void *arg)
{
    struct ua_header *h = ua_header_get();
    if (!h)
        return -ENODEV;
    struct ua_run_acc a = {0, 0, cb, arg};
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    int rc = ua_container_ranges(h, pagemap, &a);
    if (pagemap >= 0)
        close(pagemap);
    int n;
    const struct ua_range *g = ua_globals_cached(&n);
    if (!rc && n < 0)
        rc = n;
    for (int i = 0; !rc && i < n; i++)
        rc = cb(g[i].addr, g[i].len, arg);
    return rc;
}

int ua_range_check(const void *addr, size_t len)
{
    uintptr_t a = (uintptr_t)addr;
    int in_header =
        a >= UA_REGION_BASE && len <= UA_HEADER_SIZE && a - UA_REGION_BASE <= UA_HEADER_SIZE - len;
    int in_body = a >= UA_STACK_LO && len <= UA_REGION_END - UA_STACK_LO &&
                  a - UA_STACK_LO <= (UA_REGION_END - UA_STACK_LO) - len;
    if (!ua_region_mapped() || !(in_header || in_body || ua_globals_contain(a, len)))
        return -EINVAL;
    return 0;
}

int ua_restore_range(void *addr, const void *data, size_t len)
{
    int rc = ua_range_check(addr, len);
    if (rc == 0)
        memcpy(addr, data, len);
    return rc;
}

#define UA_HUGE_SIZE (2UL << 20)

/* The whole aligned 2 MiB blocks of [addr, addr + len): sets *lo, *hi. */
static int ua_huge_interior(const void *addr, size_t len, uintptr_t *lo, uintptr_t *hi)
{
    *lo = ((uintptr_t)addr + UA_HUGE_SIZE - 1) & ~(UA_HUGE_SIZE - 1);
    *hi = ((uintptr_t)addr + len) & ~(UA_HUGE_SIZE - 1);
    return *hi > *lo;
}

/* Only with NMPI_HEAP_HUGEPAGES=1, for arriving ranges as for the heap's
 * big blocks: on the 2-core VM a huge page's first touch cost far more than
 * its 512 small pages, and a 256 MiB rank's stop-and-copy move into a
 * cluster that had dropped its pages took 480-1000 ms with them, 48-60 ms
 * without (make bench-precopy, NMPI_MIGRATE_KEEP_PAGES=0). */
void ua_range_prepare(void *addr, size_t len)
{
    uintptr_t lo, hi;
    if (!base_setting_on("NMPI_HEAP_HUGEPAGES"))
        return;
    if (ua_huge_interior(addr, len, &lo, &hi))
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* EINVAL without THP: fine */
}

void ua_range_settle(void *addr, size_t len)
{
    uintptr_t lo, hi;
    if (ua_huge_interior(addr, len, &lo, &hi))
        madvise((void *)lo, hi - lo, MADV_NOHUGEPAGE);
}
