/* rmig_dirty_soft.c: written pages by the kernel's soft-dirty bits.
 *
 * Writing "4" to /proc/self/clear_refs clears the soft-dirty bit of every
 * page of the process and write-protects them; the next write to a page
 * faults, and the kernel sets bit 55 of its pagemap entry. Collect reads
 * the entries of the tracked ranges, reports the soft-dirty pages and the
 * empty entries (given back with MADV_DONTNEED: they read as zeros, and an
 * empty entry carries no bit), then clears the bits of the whole process
 * once (the rearm hook).
 *
 * Limits, why it is the last choice: the bits need CONFIG_MEM_SOFT_DIRTY,
 * which many distribution kernels leave out (the probe then fails: no bit
 * after a write); clear_refs acts on every page of the process, runtime
 * included, so every first write after it faults, and other users of
 * clear_refs in the process would clear our bits; and reading then clearing
 * is two steps, so a write landing between them is lost: collect is exact
 * only while every writer is stopped (needs_pause). Empty entries are
 * reported every time (soft-dirty cannot mark them), a superset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "rmig_dirty_impl.h"

/* Clears the soft-dirty bits of the whole process. Returns 0 or -errno. */
static int rmig_soft_clear(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    int ret = 0;

    if (fd < 0)
        return -errno;
    if (write(fd, "4", 1) != 1)
        ret = -errno;
    close(fd);
    return ret;
}

/* Soft-dirty, or empty (given back: an empty entry carries no bit). */
static int rmig_soft_pick(uint64_t e)
{
    return (e & RMIG_PM_SOFT_DIRTY) || !(e & (RMIG_PM_PRESENT | RMIG_PM_SWAPPED));
}

static long rmig_soft_collect(struct rmig_dirty *t, const struct rmig_dirty_range *r,
                              rmig_dirty_cb cb, void *arg)
{
    return rmig_pagemap_runs(t->pagemap, r->addr, r->len, rmig_soft_pick, cb, arg);
}

static int rmig_soft_rearm(struct rmig_dirty *t)
{
    (void)t;
    return rmig_soft_clear();
}

/* A new range needs nothing: clearing now would drop the bits of the other
 * ranges; its pages dirty from before show up at the next collect (the
 * caller sends the range whole anyway). */
static int rmig_soft_add(struct rmig_dirty *t, const struct rmig_dirty_range *r)
{
    (void)t;
    (void)r;
    return 0;
}

static int rmig_soft_start(struct rmig_dirty *t)
{
    int ret;

    t->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (t->pagemap < 0)
        return -errno;
    ret = rmig_soft_clear();
    if (ret < 0) {
        close(t->pagemap);
        t->pagemap = -1;
    }
    return ret;
}

static void rmig_soft_stop(struct rmig_dirty *t)
{
    if (t->pagemap >= 0)
        close(t->pagemap);
    t->pagemap = -1;
}

static int rmig_soft_probe(char *why, size_t why_len)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

    if (fd < 0) {
        int e = errno;

        snprintf(why, why_len, "/proc/self/clear_refs cannot be opened");
        return e == EACCES || e == EPERM ? -EPERM : -ENOTSUP;
    }
    close(fd);
    return rmig_dirty_probe_page(&rmig_dirty_soft, why, why_len);
}

const struct rmig_dirty_ops rmig_dirty_soft = {
    .name = "soft-dirty",
    .needs_pause = 1,
    .probe = rmig_soft_probe,
    .start = rmig_soft_start,
    .add = rmig_soft_add,
    .collect = rmig_soft_collect,
    .rearm = rmig_soft_rearm,
    .stop = rmig_soft_stop,
};
