/* rmig_dirty_uffd_sync.c: written pages by synchronous userfaultfd
 * write-protect and a fault handler thread.
 *
 * The ranges are registered in write-protect mode and protected (with
 * UFFD_FEATURE_WP_UNPOPULATED where the kernel has it, so that empty
 * entries are protected too). A first write to a protected page stops the
 * writing thread and queues a fault on the descriptor; our handler thread
 * (runtime, not the rank) lifts the protection of that page, which wakes
 * the writer. The page is now unprotected, and that is the record: collect
 * reads the uffd-wp bit (57) of each page's /proc/self/pagemap entry,
 * reports every page without it (written, or emptied by MADV_DONTNEED),
 * and protects each reported run again. A page unprotected by
 * the handler after the read stays unprotected until the next collect,
 * which reports it; a write that lands before the re-protection is in what
 * the caller copies after collect.
 *
 * The descriptor must take kernel-mode faults too: with UFFD_USER_MODE_ONLY
 * (all an unprivileged process gets while vm.unprivileged_userfaultfd is 0)
 * a system call writing into a protected page (read(2) into a buffer, a
 * peer's process_vm_writev into a receive buffer) fails with EFAULT instead
 * of waiting for the handler: the rank would see I/O errors. So this
 * backend is unavailable there (-EPERM, said by the probe) rather than
 * break the rank.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "rmig_dirty_impl.h"

/* Lifts the protection of every faulting page read from the descriptor. */
static void rmig_sync_drain(struct rmig_dirty *t)
{
    struct uffd_msg m[16];
    ssize_t n;

    while ((n = read(t->uffd, m, sizeof(m))) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof(m[0]); i++) {
            if (m[i].event != UFFD_EVENT_PAGEFAULT)
                continue;
            rmig_uffd_protect(t->uffd, m[i].arg.pagefault.address & ~(RMIG_DIRTY_PAGE - 1),
                              RMIG_DIRTY_PAGE, 0);
            __atomic_add_fetch(&t->st.faults, 1, __ATOMIC_RELAXED);
        }
    }
}

static void *rmig_sync_handler(void *arg)
{
    struct rmig_dirty *t = arg;
    struct pollfd p[2] = {{.fd = t->uffd, .events = POLLIN}, {.fd = t->wake[0], .events = POLLIN}};

    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (p[0].revents & (POLLERR | POLLHUP))
            break;
        if (p[0].revents & POLLIN)
            rmig_sync_drain(t);
    }
    return NULL;
}

static int rmig_sync_pick(uint64_t e)
{
    return !(e & RMIG_PM_UFFD_WP);
}

/* Re-protects each reported run, then passes it on. */
struct rmig_sync_fwd {
    struct rmig_dirty *t;
    rmig_dirty_cb cb;
    void *arg;
    int err;
};

static void rmig_sync_rearm_run(uintptr_t addr, size_t len, void *arg)
{
    struct rmig_sync_fwd *f = arg;
    int ret = rmig_uffd_protect(f->t->uffd, addr, len, 1);

    if (ret < 0 && f->err == 0)
        f->err = ret; /* still reported: the caller must not lose it */
    f->cb(addr, len, f->arg);
}

static long rmig_sync_collect(struct rmig_dirty *t, const struct rmig_dirty_range *r,
                              rmig_dirty_cb cb, void *arg)
{
    struct rmig_sync_fwd f = {t, cb, arg, 0};
    long pages =
        rmig_pagemap_runs(t->pagemap, r->addr, r->len, rmig_sync_pick, rmig_sync_rearm_run, &f);

    return f.err ? f.err : pages;
}

static int rmig_sync_add(struct rmig_dirty *t, const struct rmig_dirty_range *r)
{
    return rmig_uffd_arm(t, r);
}

/* Opens the descriptor for kernel and user faults, with WP_UNPOPULATED if
 * the kernel has it (without it, empty entries stay unprotected and are
 * reported at every collect: a superset). Returns the fd or -errno. */
static int rmig_sync_open(char *why, size_t why_len)
{
    int fd = rmig_uffd_open(UFFD_FEATURE_WP_UNPOPULATED, 0, why, why_len);

    if (fd == -ENOTSUP)
        fd = rmig_uffd_open(0, 0, why, why_len);
    if (fd == -EPERM)
        snprintf(why, why_len,
                 "userfaultfd of kernel-mode faults not allowed (unprivileged, "
                 "vm.unprivileged_userfaultfd=0); user-mode only would make system calls "
                 "writing into tracked pages fail with EFAULT");
    return fd;
}

static void rmig_sync_stop(struct rmig_dirty *t)
{
    if (t->handler_running) {
        /* One byte into an empty pipe cannot block or fail; the join must
         * happen whatever, the thread reads *t. */
        (void)!write(t->wake[1], "x", 1);
        pthread_join(t->handler, NULL);
        t->handler_running = 0;
    }
    rmig_uffd_release(t);
    for (int i = 0; i < 2; i++)
        if (t->wake[i] >= 0)
            close(t->wake[i]);
    t->wake[0] = t->wake[1] = -1;
}

static int rmig_sync_start(struct rmig_dirty *t)
{
    char why[160];
    int ret = 0;

    t->uffd = rmig_sync_open(why, sizeof(why));
    if (t->uffd < 0)
        return t->uffd;
    t->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (t->pagemap < 0 || pipe2(t->wake, O_CLOEXEC) < 0)
        ret = -errno;
    if (ret == 0 && pthread_create(&t->handler, NULL, rmig_sync_handler, t) != 0)
        ret = -EAGAIN;
    t->handler_running = ret == 0;
    for (int i = 0; ret == 0 && i < t->n; i++)
        ret = rmig_uffd_arm(t, &t->r[i]);
    if (ret < 0)
        rmig_sync_stop(t);
    return ret;
}

static int rmig_sync_probe(char *why, size_t why_len)
{
    int fd = rmig_sync_open(why, why_len);

    if (fd < 0)
        return fd;
    close(fd);
    return rmig_dirty_probe_page(&rmig_dirty_uffd_sync, why, why_len);
}

const struct rmig_dirty_ops rmig_dirty_uffd_sync = {
    .name = "uffd-sync",
    .needs_pause = 0,
    .probe = rmig_sync_probe,
    .start = rmig_sync_start,
    .add = rmig_sync_add,
    .collect = rmig_sync_collect,
    .rearm = NULL,
    .stop = rmig_sync_stop,
};
