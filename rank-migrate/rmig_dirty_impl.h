/* rmig_dirty_impl.h: the backends' side of rmig_dirty.h (private to the
 * rmig_dirty*.c files).
 *
 * A backend is a table of hooks (struct rmig_dirty_ops) over one session
 * struct that rmig_dirty.c allocates and checks; the backends keep their own
 * state in the fields below. Kernel constants newer than Debian 12's uapi
 * headers (Linux 6.1) are defined here, copied from the kernel's
 * include/uapi/linux/userfaultfd.h (those of include/uapi/linux/fs.h are in
 * ua.h); the
 * backends' probes find out at run time whether the kernel knows them.
 */
#ifndef RMIG_DIRTY_IMPL_H
#define RMIG_DIRTY_IMPL_H

#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "rmig_dirty.h"
#include "ua.h"

/* include/uapi/linux/userfaultfd.h (Linux 6.4: WP_UNPOPULATED; 6.7: WP_ASYNC). */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

/* PAGEMAP_SCAN and its categories: ua.h (the touched-page scan uses it too). */

/* Bits of a /proc/self/pagemap entry (Documentation/admin-guide/mm/pagemap.rst). */
#define RMIG_PM_SOFT_DIRTY (1ULL << 55)
#define RMIG_PM_UFFD_WP    (1ULL << 57)
#define RMIG_PM_SWAPPED    (1ULL << 62)
#define RMIG_PM_PRESENT    (1ULL << 63)

#define RMIG_DIRTY_MAX_RANGES 64
#define RMIG_DIRTY_PAGE       4096UL

struct rmig_dirty {
    const struct rmig_dirty_ops *ops;
    struct rmig_dirty_range r[RMIG_DIRTY_MAX_RANGES];
    int n;
    int uffd;    /* uffd backends */
    int pagemap; /* /proc/self/pagemap, O_RDONLY */
    int wake[2]; /* uffd-sync: pipe that stops the handler thread */
    pthread_t handler;
    int handler_running;
    struct rmig_dirty_stats st; /* faults: updated atomically by the handler */
};

struct rmig_dirty_ops {
    const char *name;
    int needs_pause;
    /* 0 if usable here, else -errno with the reason written to why. */
    int (*probe)(char *why, size_t why_len);
    /* Fills the backend's fields of t (ranges already in t->r) and arms
     * every range. Returns 0 or -errno, having undone what it did. */
    int (*start)(struct rmig_dirty *t);
    /* Arms range r, already appended to t->r. Returns 0 or -errno. */
    int (*add)(struct rmig_dirty *t, const struct rmig_dirty_range *r);
    /* Reports and re-arms the written runs of range r; returns pages or -errno. */
    long (*collect)(struct rmig_dirty *t, const struct rmig_dirty_range *r, rmig_dirty_cb cb,
                    void *arg);
    /* After every range was collected: re-arms what is re-armed for the
     * whole process at once (soft-dirty's clear_refs); NULL if nothing. */
    int (*rearm)(struct rmig_dirty *t);
    void (*stop)(struct rmig_dirty *t);
};

extern const struct rmig_dirty_ops rmig_dirty_uffd_async;
extern const struct rmig_dirty_ops rmig_dirty_uffd_sync;
extern const struct rmig_dirty_ops rmig_dirty_soft;

/* rmig_dirty_uffd.c: helpers shared by both uffd backends. open returns
 * the descriptor, or -EPERM / -ENOTSUP with the reason in why. */
int rmig_uffd_open(uint64_t features, int user_mode_only, char *why, size_t why_len);
int rmig_uffd_register(int uffd, const struct rmig_dirty_range *r);
int rmig_uffd_protect(int uffd, uintptr_t addr, size_t len, int on);
int rmig_uffd_arm(struct rmig_dirty *t, const struct rmig_dirty_range *r);
/* Lifts protections, unregisters every range, closes uffd and pagemap. */
void rmig_uffd_release(struct rmig_dirty *t);

/* rmig_dirty_pagemap.c: runs of pages of [addr, addr + len) whose pagemap
 * entry satisfies pick(entry) (nonzero), fed to cb. Returns the pages
 * reported or -errno. */
long rmig_pagemap_runs(int pagemap, uintptr_t addr, size_t len, int (*pick)(uint64_t e),
                       rmig_dirty_cb cb, void *arg);

/* rmig_dirty_probe.c: maps a probe page, tracks it with ops, and checks a
 * write is reported once and a later write again. 0 or -ENOTSUP + why. */
int rmig_dirty_probe_page(const struct rmig_dirty_ops *ops, char *why, size_t why_len);

#endif /* RMIG_DIRTY_IMPL_H */
