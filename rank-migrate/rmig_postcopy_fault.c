/* rmig_postcopy_fault.c: a post-copy destination's pages, placed on first
 * touch or as they arrive.
 *
 * The watched ranges are registered with a userfaultfd in MISSING mode after
 * every page of them is dropped, so each page is either placed by this
 * session or faults. A handler thread (the runtime's, like the pre-copy
 * sender) reads the faults; for each it fetches the page from the source
 * through the caller's fetch function and places it with UFFDIO_COPY
 * (UFFDIO_ZEROPAGE when the source says it never had it), which wakes the
 * faulting thread. The background push places pages the same way; one
 * state byte per page (missing or present) says who came first, and the
 * loser is a no-op (EEXIST). The source is frozen for the whole session, so
 * a page fetched and the same page pushed carry the same bytes.
 *
 * The rank may give pages back (the container's allocator trims its heap
 * with MADV_DONTNEED): with UFFD_FEATURE_EVENT_REMOVE the handler hears of
 * it and marks those pages present, since their content is now the rank's
 * zeros, never the source's old bytes; a later fault on such a page gets a
 * zero page, a later push skips it. While a remove event is unread the
 * kernel refuses placements with EAGAIN: the handler then reads the queue
 * (removes are applied, faults are woken to fault again) and retries; other
 * threads release the state lock and retry.
 *
 * What a missing page does to accesses that are not the rank's own loads
 * and stores (measured, test_rmig_postcopy_fault): with kernel-mode faults
 * allowed (root, or CAP_SYS_PTRACE), a system call (read(2) into it) and
 * another process's process_vm_writev/readv into it fault through this
 * descriptor and wait for the handler like the rank does; with
 * UFFD_USER_MODE_ONLY (an unprivileged process while
 * vm.unprivileged_userfaultfd is 0) all of them fail with EFAULT, and the
 * page stays missing. So the messaging layer must prefault every container
 * buffer before it hands it to the fabric or a kernel copy
 * (rmig_postcopy_fault_prefault), in both modes: in the first one a peer's
 * kernel copy would otherwise wait on this cluster's handler, whose fetch
 * may need the very peer that waits (the source, or np_lock held by it).
 *
 * A fetch that fails (the source lost) calls the lost function, which in a
 * real move ends the job; if it returns (tests), zeros are placed so no
 * thread hangs, and the session counts them.
 *
 * WHAT EXISTS (issue 15 item 2, building blocks): this session; the pull's
 * wire format and strict decoders (rmig_postcopy_wire.c, fuzzed); the
 * source's server (rmig_postcopy_serve.c) and push order
 * (rmig_postcopy_plan.c); rmig_postcopy_touch, the prefault the messaging
 * layers call. Tested in one process (test_rmig_postcopy_fault,
 * test_rmig_postcopy_serve: pulls over a socketpair with the real
 * encoding), measured by bench/postcopy.c.
 *
 * JOINED INTO THE MOVE (rmig_postcopy_move.h: rmig_postcopy_source.c,
 * rmig_postcopy_dest.c), following the plan that stood here, except:
 * the first pages are every range outside the heap (header, stack from the
 * saved stack pointer up, globals: a globals page holds cluster-owned
 * bytes, so it is never placed whole by UFFDIO_COPY), the session watches
 * the heap's touched runs (not the extents: untouched pages are trimmed to
 * zeros as in any move); the background transfer is pulled by a runtime
 * thread of the destination, 256 KiB at a time, through the same fetch as
 * the faults (one transport, one lock; the source stays a pure server that
 * answers from its idle loop), instead of pushed by the source; a
 * checkpoint and a move of the rank wait for every page
 * (rmig_postcopy_complete) instead of refusing. Step 6 is
 * nanvix-port's buffer hook (knode_set_buffer_hook -> rmig_postcopy_touch).
 * Tested by tests/mpi/migrate_postcopy.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rmig_postcopy_fault.h"

#define PG               RMIG_POSTCOPY_PAGE
#define RMIG_PF_AROUND   8  /* default of ops.around */
#define RMIG_PF_MSGS     16 /* messages read at a time */
#define RMIG_PF_PREFAULT 64 /* pages a prefault fetches at a time */

struct rmig_postcopy_fault {
    int uffd;
    int wake[2]; /* a byte here stops the handler */
    pthread_t handler;
    int handler_running;
    struct rmig_postcopy_ops ops;
    struct rmig_postcopy_range *r; /* sorted by address */
    uint64_t *first;               /* r[i]'s first page's index */
    int n;
    uint8_t *state;                /* per page: 0 missing, 1 present */
    pthread_mutex_t lock;          /* state, counters, placements */
    pthread_mutex_t fetch_lock;    /* one fetch at a time */
    pthread_mutex_t prefault_lock; /* one prefault at a time: pbuf */
    uint8_t *hbuf;                 /* the handler's ops.around pages */
    uint8_t *pbuf;                 /* RMIG_PF_PREFAULT pages */
    struct rmig_postcopy_stats st;
};

/* The cluster's session (runtime state: it never moves), for
 * rmig_postcopy_touch. */
static struct rmig_postcopy_fault *rmig_pf_current;

static uint64_t rmig_pf_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The index of the page at addr, or -1 when no watched range holds it. */
static int64_t rmig_pf_index(const struct rmig_postcopy_fault *f, uintptr_t addr)
{
    int lo = 0, hi = f->n - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const struct rmig_postcopy_range *r = &f->r[mid];

        if (addr < r->addr)
            hi = mid - 1;
        else if (addr >= r->addr + r->len)
            lo = mid + 1;
        else
            return (int64_t)(f->first[mid] + (addr - r->addr) / PG);
    }
    return -1;
}

/* Marks the page at index i present (lock held; the two stores are atomic
 * for the lock-free readers, rmig_postcopy_fault_*_present). */
static void rmig_pf_mark(struct rmig_postcopy_fault *f, int64_t i)
{
    if (!f->state[i]) {
        __atomic_store_n(&f->state[i], 1, __ATOMIC_RELEASE);
        __atomic_add_fetch(&f->st.present, 1, __ATOMIC_RELEASE);
    }
}

/* UFFDIO_COPY of len bytes (src NULL: UFFDIO_ZEROPAGE). Returns 0, or
 * -EEXIST, -EAGAIN (a remove event is unread; a part may have been placed:
 * the retry finds it present), or the kernel's -errno. Wakes the faulting
 * threads on success and on EEXIST. */
static int rmig_pf_place(struct rmig_postcopy_fault *f, uintptr_t addr, const void *src, size_t len)
{
    int ret;

    if (src != NULL) {
        struct uffdio_copy c = {.dst = addr, .src = (uintptr_t)src, .len = len};

        ret = ioctl(f->uffd, UFFDIO_COPY, &c) < 0 ? -errno : 0;
    } else {
        struct uffdio_zeropage z = {.range = {.start = addr, .len = len}};

        ret = ioctl(f->uffd, UFFDIO_ZEROPAGE, &z) < 0 ? -errno : 0;
    }
    if (ret == -EEXIST) {
        struct uffdio_range w = {.start = addr, .len = len};

        ioctl(f->uffd, UFFDIO_WAKE, &w);
    }
    return ret;
}

/* Places pages one by one where the run as a whole was refused (some
 * present already). Lock held. Returns pages placed, or -EAGAIN, -errno. */
static long rmig_pf_place_each(struct rmig_postcopy_fault *f, uintptr_t addr, const uint8_t *src,
                               size_t len)
{
    long placed = 0;

    for (size_t off = 0; off < len; off += PG) {
        int64_t i = rmig_pf_index(f, addr + off);
        int ret;

        if (f->state[i])
            continue;
        ret = rmig_pf_place(f, addr + off, src ? src + off : NULL, PG);
        if (ret == -EAGAIN || (ret < 0 && ret != -EEXIST))
            return ret;
        rmig_pf_mark(f, i);
        placed += ret == 0;
    }
    return placed;
}

/* Places a run whose pages are all in one watched range, skipping present
 * ones. Lock held. Returns pages placed, or -EAGAIN, -errno. */
static long rmig_pf_place_run(struct rmig_postcopy_fault *f, uintptr_t addr, const uint8_t *src,
                              size_t len)
{
    int64_t i0 = rmig_pf_index(f, addr);
    size_t k, n = len / PG;
    int ret;

    for (k = 0; k < n && !f->state[i0 + (int64_t)k]; k++)
        ;
    if (k < n)
        return rmig_pf_place_each(f, addr, src, len);
    ret = rmig_pf_place(f, addr, src, len);
    /* EEXIST: populated behind our back; ENOENT: the run spans two VMAs
     * (one UFFDIO_COPY must stay inside one: the watched runs get split,
     * seen on a second move into a cluster): per page, either way. */
    if (ret == -EEXIST || (ret == -ENOENT && n > 1))
        return rmig_pf_place_each(f, addr, src, len);
    if (ret < 0)
        return ret;
    for (k = 0; k < n; k++)
        rmig_pf_mark(f, i0 + (int64_t)k);
    return (long)n;
}

/* ---- the rank giving pages back ------------------------------------------ */

static void rmig_pf_removed(struct rmig_postcopy_fault *f, uintptr_t start, uintptr_t end)
{
    pthread_mutex_lock(&f->lock);
    for (uintptr_t a = start & ~(PG - 1); a < end; a += PG) {
        int64_t i = rmig_pf_index(f, a);

        if (i >= 0) {
            f->st.removed++;
            rmig_pf_mark(f, i);
        }
    }
    pthread_mutex_unlock(&f->lock);
}

/* Handler only, after an EAGAIN: reads what is queued; removes are
 * applied, faults woken (they fault again and queue a new message). */
static void rmig_pf_drain_events(struct rmig_postcopy_fault *f)
{
    struct uffd_msg m[RMIG_PF_MSGS];
    ssize_t got;

    while ((got = read(f->uffd, m, sizeof(m))) > 0)
        for (size_t k = 0; k < (size_t)got / sizeof(m[0]); k++) {
            if (m[k].event == UFFD_EVENT_REMOVE) {
                rmig_pf_removed(f, m[k].arg.remove.start, m[k].arg.remove.end);
            } else if (m[k].event == UFFD_EVENT_PAGEFAULT) {
                struct uffdio_range w = {.start = m[k].arg.pagefault.address & ~(PG - 1),
                                         .len = PG};

                ioctl(f->uffd, UFFDIO_WAKE, &w);
            }
        }
}

/* ---- pulling ------------------------------------------------------------- */

/* The run of missing pages from addr, at most max pages, in one range. */
static size_t rmig_pf_missing_run(struct rmig_postcopy_fault *f, uintptr_t addr, size_t max)
{
    int64_t i = rmig_pf_index(f, addr);
    size_t k = 0;

    pthread_mutex_lock(&f->lock);
    while (k < max && rmig_pf_index(f, addr + k * PG) == i + (int64_t)k &&
           !f->state[i + (int64_t)k])
        k++;
    pthread_mutex_unlock(&f->lock);
    return k;
}

/* Fetches the n pages at addr into buf (one fetch at a time). Returns the
 * fetch's answer; after a failure, lost() has been told. */
static int rmig_pf_fetch(struct rmig_postcopy_fault *f, uintptr_t addr, size_t n, void *buf)
{
    int got;

    pthread_mutex_lock(&f->fetch_lock);
    got = f->ops.fetch(addr, n * PG, buf, f->ops.arg);
    pthread_mutex_unlock(&f->fetch_lock);
    if (got < 0 && f->ops.lost != NULL)
        f->ops.lost(addr, got, f->ops.arg);
    return got;
}

/* Fetches into buf (max pages) and places the missing run at addr (a
 * watched page). A page that became present meanwhile is left alone; the
 * page at addr gets zeros when it is present in our books but missing in
 * the page table (the rank gave it back). Returns 0, or the fetch's -errno
 * once lost() returned, or the kernel's -errno. */
static int rmig_pf_pull(struct rmig_postcopy_fault *f, uintptr_t addr, size_t max, uint8_t *buf,
                        int in_handler)
{
    size_t n = rmig_pf_missing_run(f, addr, max);
    int got = n > 0 ? rmig_pf_fetch(f, addr, n, buf) : RMIG_POSTCOPY_EMPTY;
    long ret;

    for (;;) {
        pthread_mutex_lock(&f->lock);
        if (n == 0)
            ret = rmig_pf_place(f, addr, NULL, PG);
        else
            ret = rmig_pf_place_run(f, addr, got == 0 ? buf : NULL, n * PG);
        if (ret == 0 && n == 0)
            f->st.zeroed++;
        if (ret > 0)
            *(got == 0 ? &f->st.pulled : &f->st.zeroed) += (uint64_t)ret;
        if (ret > 0 && got < 0)
            f->st.lost += (uint64_t)ret;
        f->st.retries += ret == -EAGAIN;
        pthread_mutex_unlock(&f->lock);
        if (ret != -EAGAIN)
            break;
        if (in_handler)
            rmig_pf_drain_events(f);
        else
            sched_yield(); /* a remove event is unread: the handler reads it */
    }
    if (ret == -EEXIST)
        ret = 0;
    return got < 0 ? got : (int)(ret < 0 ? ret : 0);
}

static void rmig_pf_fault(struct rmig_postcopy_fault *f, uintptr_t addr)
{
    uint64_t t0 = rmig_pf_now(), dt;
    uintptr_t page = addr & ~(PG - 1);

    if (rmig_pf_index(f, page) < 0)
        return; /* not ours: cannot happen with our registrations */
    rmig_pf_pull(f, page, f->ops.around, f->hbuf, 1);
    dt = rmig_pf_now() - t0;
    pthread_mutex_lock(&f->lock);
    f->st.faults++;
    f->st.blocked_ns += dt;
    if (dt > f->st.max_blocked_ns)
        f->st.max_blocked_ns = dt;
    pthread_mutex_unlock(&f->lock);
}

static void *rmig_pf_handler(void *arg)
{
    struct rmig_postcopy_fault *f = arg;
    struct pollfd p[2] = {{.fd = f->uffd, .events = POLLIN}, {.fd = f->wake[0], .events = POLLIN}};
    struct uffd_msg m[RMIG_PF_MSGS];

    for (;;) {
        ssize_t got;

        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents || (p[0].revents & (POLLERR | POLLHUP)))
            break;
        while ((got = read(f->uffd, m, sizeof(m))) > 0)
            for (size_t k = 0; k < (size_t)got / sizeof(m[0]); k++) {
                if (m[k].event == UFFD_EVENT_PAGEFAULT)
                    rmig_pf_fault(f, (uintptr_t)m[k].arg.pagefault.address);
                else if (m[k].event == UFFD_EVENT_REMOVE)
                    rmig_pf_removed(f, m[k].arg.remove.start, m[k].arg.remove.end);
            }
    }
    return NULL;
}

/* ---- the session --------------------------------------------------------- */

static int rmig_pf_cmp(const void *a, const void *b)
{
    const struct rmig_postcopy_range *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Copies and sorts the ranges, numbers their pages. Returns 0 or -EINVAL,
 * -ENOMEM. */
static int rmig_pf_ranges(struct rmig_postcopy_fault *f, const struct rmig_postcopy_range *r, int n)
{
    uint64_t pages = 0;

    f->r = malloc((size_t)n * sizeof(*f->r));
    f->first = malloc((size_t)n * sizeof(*f->first));
    if (f->r == NULL || f->first == NULL)
        return -ENOMEM;
    memcpy(f->r, r, (size_t)n * sizeof(*r));
    qsort(f->r, (size_t)n, sizeof(*f->r), rmig_pf_cmp);
    for (int i = 0; i < n; i++) {
        const struct rmig_postcopy_range *x = &f->r[i];

        if (x->len == 0 || (x->addr | x->len) & (PG - 1) || x->addr + x->len < x->addr ||
            (i > 0 && f->r[i - 1].addr + f->r[i - 1].len > x->addr))
            return -EINVAL;
        f->first[i] = pages;
        pages += x->len / PG;
    }
    f->n = n;
    f->st.pages = pages;
    f->state = calloc(pages, 1);
    return f->state == NULL ? -ENOMEM : 0;
}

/* Opens the descriptor: kernel-mode faults too, else user mode only. */
static int rmig_pf_open(struct rmig_postcopy_fault *f)
{
    struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_EVENT_REMOVE};
    int flags = O_CLOEXEC | O_NONBLOCK;

    f->uffd = (int)syscall(SYS_userfaultfd, flags);
    if (f->uffd < 0 && errno == EPERM) {
        f->uffd = (int)syscall(SYS_userfaultfd, flags | UFFD_USER_MODE_ONLY);
        f->st.user_mode_only = 1;
    }
    if (f->uffd < 0)
        return errno == EPERM ? -EPERM : -ENOTSUP;
    if (ioctl(f->uffd, UFFDIO_API, &api) < 0)
        return -ENOTSUP;
    return 0;
}

static int rmig_pf_register(struct rmig_postcopy_fault *f)
{
    for (int i = 0; i < f->n; i++) {
        struct uffdio_register reg = {
            .range = {.start = f->r[i].addr, .len = f->r[i].len},
            .mode = UFFDIO_REGISTER_MODE_MISSING,
        };

        if (madvise((void *)f->r[i].addr, f->r[i].len, MADV_DONTNEED) < 0 ||
            ioctl(f->uffd, UFFDIO_REGISTER, &reg) < 0)
            return -errno;
        if (!(reg.ioctls & (1ULL << _UFFDIO_COPY)) || !(reg.ioctls & (1ULL << _UFFDIO_ZEROPAGE)))
            return -ENOTSUP;
    }
    return 0;
}

int rmig_postcopy_fault_start(const struct rmig_postcopy_range *r, int n,
                              const struct rmig_postcopy_ops *ops, struct rmig_postcopy_fault **f_p)
{
    struct rmig_postcopy_fault *f;
    int ret;

    if (r == NULL || n <= 0 || ops == NULL || ops->fetch == NULL || f_p == NULL ||
        ops->around > RMIG_POSTCOPY_AROUND_MAX)
        return -EINVAL;
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -ENOMEM;
    f->uffd = f->wake[0] = f->wake[1] = -1;
    f->ops = *ops;
    if (f->ops.around == 0)
        f->ops.around = RMIG_PF_AROUND;
    pthread_mutex_init(&f->lock, NULL);
    pthread_mutex_init(&f->fetch_lock, NULL);
    pthread_mutex_init(&f->prefault_lock, NULL);
    f->hbuf = malloc(f->ops.around * PG);
    f->pbuf = malloc(RMIG_PF_PREFAULT * PG);
    ret = f->hbuf == NULL || f->pbuf == NULL ? -ENOMEM : rmig_pf_ranges(f, r, n);
    if (ret == 0)
        ret = rmig_pf_open(f);
    if (ret == 0)
        ret = rmig_pf_register(f);
    if (ret == 0 && pipe2(f->wake, O_CLOEXEC) < 0)
        ret = -errno;
    if (ret == 0 && pthread_create(&f->handler, NULL, rmig_pf_handler, f) != 0)
        ret = -EAGAIN;
    f->handler_running = ret == 0;
    if (ret < 0) {
        rmig_postcopy_fault_stop(f);
        return ret;
    }
    {
        struct rmig_postcopy_fault *none = NULL;

        __atomic_compare_exchange_n(&rmig_pf_current, &none, f, 0, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED);
    }
    *f_p = f;
    return 0;
}

/* Every page of [addr, addr + len) watched, and in one range. */
static int rmig_pf_one_range(const struct rmig_postcopy_fault *f, uintptr_t addr, size_t len)
{
    int64_t i = rmig_pf_index(f, addr);

    return len > 0 && ((addr | len) & (PG - 1)) == 0 && i >= 0 &&
           rmig_pf_index(f, addr + len - PG) == i + (int64_t)(len / PG) - 1;
}

long rmig_postcopy_fault_push(struct rmig_postcopy_fault *f, uintptr_t addr, const void *bytes,
                              size_t len)
{
    if (!rmig_pf_one_range(f, addr, len))
        return -EINVAL;
    for (;;) {
        long ret;

        pthread_mutex_lock(&f->lock);
        ret = rmig_pf_place_run(f, addr, bytes, len);
        if (ret >= 0) {
            f->st.pushed += (uint64_t)ret;
            f->st.push_dup += len / PG - (uint64_t)ret;
        }
        f->st.retries += ret == -EAGAIN;
        pthread_mutex_unlock(&f->lock);
        if (ret != -EAGAIN)
            return ret;
        sched_yield(); /* a remove event is unread: the handler reads it */
    }
}

int rmig_postcopy_fault_prefault(struct rmig_postcopy_fault *f, uintptr_t addr, size_t len)
{
    uintptr_t a = addr & ~(PG - 1), end = addr + len;
    int err = 0;

    /* No lock while nothing is missing: nanvix-port runs this on every
     * buffer (knode_set_buffer_hook), the fetches' own runtime buffers too,
     * from the handler while it holds fetch_lock. */
    if (rmig_postcopy_fault_range_present(f, addr, len))
        return 0;
    pthread_mutex_lock(&f->prefault_lock);
    for (; len > 0 && a < end; a += PG) {
        int64_t i = rmig_pf_index(f, a);
        int missing;
        int ret;

        if (i < 0)
            continue;
        pthread_mutex_lock(&f->lock);
        missing = !f->state[i];
        pthread_mutex_unlock(&f->lock);
        if (!missing)
            continue;
        ret = rmig_pf_pull(f, a, RMIG_PF_PREFAULT, f->pbuf, 0);
        if (ret < 0 && err == 0)
            err = ret;
    }
    pthread_mutex_unlock(&f->prefault_lock);
    return err;
}

int rmig_postcopy_touch(const void *addr, size_t len)
{
    struct rmig_postcopy_fault *f = __atomic_load_n(&rmig_pf_current, __ATOMIC_ACQUIRE);

    return f == NULL ? 0 : rmig_postcopy_fault_prefault(f, (uintptr_t)addr, len);
}

long rmig_postcopy_fault_finish(struct rmig_postcopy_fault *f)
{
    long placed = 0;

    for (int i = 0; i < f->n; i++)
        for (uintptr_t a = f->r[i].addr; a < f->r[i].addr + f->r[i].len; a += PG) {
            long ret;

            if (rmig_postcopy_fault_range_present(f, a, PG))
                continue;
            ret = rmig_postcopy_fault_push(f, a, NULL, PG);
            if (ret < 0)
                return ret;
            placed += ret;
        }
    pthread_mutex_lock(&f->lock);
    f->st.pushed -= (uint64_t)placed; /* counted as zeros, not as the source's pages */
    f->st.zeroed += (uint64_t)placed;
    pthread_mutex_unlock(&f->lock);
    return placed;
}

int rmig_postcopy_fault_all_present(const struct rmig_postcopy_fault *f)
{
    return __atomic_load_n(&f->st.present, __ATOMIC_ACQUIRE) == f->st.pages;
}

int rmig_postcopy_fault_range_present(const struct rmig_postcopy_fault *f, uintptr_t addr,
                                      size_t len)
{
    for (uintptr_t a = addr & ~(PG - 1); a < addr + len; a += PG) {
        int64_t i = rmig_pf_index(f, a);

        if (i >= 0 && !__atomic_load_n(&f->state[i], __ATOMIC_ACQUIRE))
            return 0;
    }
    return 1;
}

void rmig_postcopy_fault_stats(const struct rmig_postcopy_fault *f, struct rmig_postcopy_stats *st)
{
    pthread_mutex_lock((pthread_mutex_t *)&f->lock);
    *st = f->st;
    pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
}

void rmig_postcopy_fault_stop(struct rmig_postcopy_fault *f)
{
    struct rmig_postcopy_fault *self = f;

    if (f == NULL)
        return;
    /* no new touch finds it; a touch under way when stop is called is the
     * caller's to prevent (stop once the rank runs no messaging) */
    __atomic_compare_exchange_n(&rmig_pf_current, &self, NULL, 0, __ATOMIC_RELEASE,
                                __ATOMIC_RELAXED);
    if (f->handler_running) {
        /* One byte into an empty pipe cannot block; the join must happen. */
        (void)!write(f->wake[1], "x", 1);
        pthread_join(f->handler, NULL);
    }
    for (int i = 0; f->uffd >= 0 && i < f->n; i++) {
        struct uffdio_range range = {.start = f->r[i].addr, .len = f->r[i].len};

        ioctl(f->uffd, UFFDIO_UNREGISTER, &range);
    }
    if (f->uffd >= 0)
        close(f->uffd); /* wakes any thread still waiting: it reads zeros */
    for (int i = 0; i < 2; i++)
        if (f->wake[i] >= 0)
            close(f->wake[i]);
    pthread_mutex_destroy(&f->lock);
    pthread_mutex_destroy(&f->fetch_lock);
    pthread_mutex_destroy(&f->prefault_lock);
    free(f->hbuf);
    free(f->pbuf);
    free(f->state);
    free(f->first);
    free(f->r);
    free(f);
}
