/* rmig_dirty_pagemap.c: runs of pages picked from /proc/self/pagemap entries.
 *
 * The sync and soft-dirty backends read the 64-bit entry of every page of a
 * range (RMIG_PAGEMAP_BATCH pages per pread), ask their pick function
 * whether the page goes in the report, and hand maximal runs of reported
 * pages to the callback. One pread reads
 * 4 KiB of entries for 2 MiB of memory: 2 MiB of reads for a 1 GiB range.
 */
#include <errno.h>
#include <unistd.h>

#include "rmig_dirty_impl.h"

#define RMIG_PAGEMAP_BATCH 512

struct rmig_pm_run {
    uintptr_t start, end;
    rmig_dirty_cb cb;
    void *arg;
};

static void rmig_pm_flush(struct rmig_pm_run *run)
{
    if (run->end > run->start)
        run->cb(run->start, run->end - run->start, run->arg);
    run->start = run->end = 0;
}

/* Adds the page at a to the run, flushing a run it cannot extend. */
static void rmig_pm_page(struct rmig_pm_run *run, uintptr_t a)
{
    if (run->end != a) {
        rmig_pm_flush(run);
        run->start = a;
    }
    run->end = a + RMIG_DIRTY_PAGE;
}

long rmig_pagemap_runs(int pagemap, uintptr_t addr, size_t len, int (*pick)(uint64_t e),
                       rmig_dirty_cb cb, void *arg)
{
    struct rmig_pm_run run = {0, 0, cb, arg};
    size_t left = len / RMIG_DIRTY_PAGE;
    long pages = 0;

    while (left > 0) {
        uint64_t e[RMIG_PAGEMAP_BATCH];
        size_t n = left < RMIG_PAGEMAP_BATCH ? left : RMIG_PAGEMAP_BATCH;
        off_t off = (off_t)(addr / RMIG_DIRTY_PAGE * sizeof(uint64_t));

        if (pread(pagemap, e, n * sizeof(e[0]), off) != (ssize_t)(n * sizeof(e[0])))
            return -EIO;
        for (size_t i = 0; i < n; i++) {
            if (pick(e[i])) {
                rmig_pm_page(&run, addr + i * RMIG_DIRTY_PAGE);
                pages++;
            }
        }
        addr += n * RMIG_DIRTY_PAGE;
        left -= n;
    }
    rmig_pm_flush(&run);
    return pages;
}
