/* rmig_postcopy_fault.h: the destination's end of a post-copy move, pages
 * placed on first touch (private to rank-migrate; issue 15 item 2). See
 * rmig_postcopy_fault.c for how it works and what the integration must do.
 *
 * libc and the kernel only (no nanvix call): the pages' bytes come through
 * a fetch function the caller gives (a portal read from the source in the
 * real move, a memcpy or a socket in the unit test). */
#ifndef RMIG_POSTCOPY_FAULT_H
#define RMIG_POSTCOPY_FAULT_H

#include <stddef.h>
#include <stdint.h>

#define RMIG_POSTCOPY_PAGE  4096UL
#define RMIG_POSTCOPY_EMPTY 1 /* a fetch's answer: the source has no page there */

/* Gets len bytes (whole pages) at addr from the source into buf. Returns 0
 * (buf filled), RMIG_POSTCOPY_EMPTY (the source never had those pages:
 * zeros are placed), or -errno (the source is lost or refused: no byte of
 * buf is used). It must end within a bounded time (the move's timeout, or
 * sooner when the source is known lost): the faulting thread waits on it.
 * Called from the handler thread and from rmig_postcopy_fault_prefault()
 * callers, one call at a time (the session serialises them). */
typedef int (*rmig_postcopy_fetch_fn)(uintptr_t addr, size_t len, void *buf, void *arg);

/* Told that a page could not be fetched (err = the fetch's -errno). In a
 * real move it must end the job (kjob_abort: the rank's pages exist
 * nowhere else) and never return. If it returns (unit tests only), the
 * page is placed as zeros so that the faulting thread does not hang, and
 * the session counts it in stats.lost: the rank runs on wrong data. */
typedef void (*rmig_postcopy_lost_fn)(uintptr_t addr, int err, void *arg);

#define RMIG_POSTCOPY_AROUND_MAX 256

struct rmig_postcopy_ops {
    rmig_postcopy_fetch_fn fetch;
    rmig_postcopy_lost_fn lost;
    void *arg;
    /* Pages one fault pulls at most: the run of missing pages from the
     * faulting one, in one fetch (0: 8; at most RMIG_POSTCOPY_AROUND_MAX).
     * More pages per fault cost more wait on that fault and save faults
     * when the rank goes on through the next pages (bench/postcopy.c). */
    unsigned around;
};

/* A page-aligned range to watch. */
struct rmig_postcopy_range {
    uintptr_t addr;
    size_t len;
};

struct rmig_postcopy_stats {
    uint64_t pages;      /* watched */
    uint64_t present;    /* placed, or given up by the rank (madvise) */
    uint64_t pulled;     /* placed on a fault or a prefault (fetched) */
    uint64_t zeroed;     /* placed as zeros: empty at the source, or finish */
    uint64_t pushed;     /* placed by rmig_postcopy_fault_push */
    uint64_t push_dup;   /* pushed pages that were already present */
    uint64_t removed;    /* pages the rank gave back (MADV_DONTNEED) */
    uint64_t faults;     /* fault messages taken by the handler */
    uint64_t blocked_ns; /* sum over faults, message read to page placed */
    uint64_t max_blocked_ns;
    uint64_t retries;   /* placements refused with EAGAIN (a remove unread), retried */
    uint64_t lost;      /* pages placed as zeros after a failed fetch */
    int user_mode_only; /* 1: kernel-mode accesses to missing pages get EFAULT */
};

struct rmig_postcopy_fault;

/* Watches the n ranges (page aligned, disjoint, anonymous private memory,
 * nothing of them placed yet: every page of them is dropped first, so that
 * each one is placed by this session or read as a fault) with a
 * userfaultfd in MISSING mode, and starts the handler thread. Asks for
 * kernel-mode faults too; when that is refused (EPERM: unprivileged and
 * vm.unprivileged_userfaultfd=0) it takes UFFD_USER_MODE_ONLY, which
 * stats.user_mode_only reports (then system calls and other processes
 * touching a missing page get EFAULT: rmig_postcopy_fault_prefault()
 * every buffer before handing it to them). Runtime context: allocates in
 * libc. Returns 0 and *f_p, or -EINVAL (bad ranges or ops), -EPERM,
 * -ENOTSUP (no userfaultfd, or no UFFD_FEATURE_EVENT_REMOVE), -ENOMEM,
 * -EAGAIN (no thread), or the kernel's -errno; nothing is left then. */
int rmig_postcopy_fault_start(const struct rmig_postcopy_range *r, int n,
                              const struct rmig_postcopy_ops *ops,
                              struct rmig_postcopy_fault **f_p);

/* Places pages arriving from the source (the pages sent before the rank
 * resumes, and the background push): len bytes at addr (whole pages inside
 * the watched ranges), from bytes, or zeros when bytes is NULL. Pages
 * already present are left as they are (a page pulled first, or given
 * back by the rank since: its zeros are the rank's). Any thread. Returns
 * the number of pages placed, or -EINVAL (not whole watched pages), or the
 * kernel's -errno. */
long rmig_postcopy_fault_push(struct rmig_postcopy_fault *f, uintptr_t addr, const void *bytes,
                              size_t len);

/* Makes every page of [addr, addr + len) (any bytes, rounded out to pages;
 * parts outside the watched ranges are ignored) present by fetching it
 * here, without a fault: what the messaging layer must do to a buffer
 * before a system call or another process writes or reads it. Any thread
 * that holds nothing the fetch needs. Returns 0, or the fetch's -errno
 * after the lost function returned. */
int rmig_postcopy_fault_prefault(struct rmig_postcopy_fault *f, uintptr_t addr, size_t len);

/* The cluster's session, if one runs (the first one started and not yet
 * stopped: a cluster holds one container): prefaults [addr, addr + len)
 * through it. What the layers that hand container buffers to nanvix-port
 * call first (one atomic load when no session runs). Returns 0, or what
 * rmig_postcopy_fault_prefault returns. */
int rmig_postcopy_touch(const void *addr, size_t len);

/* Once the source has pushed every page it has: places zeros in every
 * watched page still missing (pages the source never had). Returns the
 * number placed, or the kernel's -errno. */
long rmig_postcopy_fault_finish(struct rmig_postcopy_fault *f);

/* Non-zero when every watched page is present: the source may drop its
 * copy, and the session may stop. */
int rmig_postcopy_fault_all_present(const struct rmig_postcopy_fault *f);

/* Non-zero when [addr, addr + len) is all present (or outside the
 * watched ranges). */
int rmig_postcopy_fault_range_present(const struct rmig_postcopy_fault *f, uintptr_t addr,
                                      size_t len);

void rmig_postcopy_fault_stats(const struct rmig_postcopy_fault *f, struct rmig_postcopy_stats *st);

/* Stops the handler, unregisters the ranges (pages still missing then
 * read as zeros: stop only when all are present, or when the rank is
 * gone), frees everything. f may be NULL. */
void rmig_postcopy_fault_stop(struct rmig_postcopy_fault *f);

#endif /* RMIG_POSTCOPY_FAULT_H */
