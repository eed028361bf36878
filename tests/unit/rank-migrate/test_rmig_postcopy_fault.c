/* test_rmig_postcopy_fault.c: Check tests of a post-copy destination's
 * pages (rmig_postcopy_fault.c).
 *
 * One process: a "source" mapping holds a pattern (every page its own
 * bytes; some pages never touched, which the fake source calls empty) and a
 * "destination" mapping is watched in two ranges with a hole between them.
 * The fetch function copies from the source mapping (with a delay when a
 * test asks, to look like a wire). Checks: threads touching pages in
 * random order read the source's bytes bit for bit; a background push
 * racing with faults on the same pages loses nothing and places every page
 * once; pages the rank gives back (MADV_DONTNEED) read zeros and are never
 * overwritten by a push; what system calls (read(2), recv(2)) and another process
 * (process_vm_writev/readv) do with a missing page, with kernel faults
 * allowed and, as nobody, with UFFD_USER_MODE_ONLY (EFAULT, until the
 * buffer is prefaulted); a fetch that fails calls lost() and never leaves
 * the faulting thread waiting; bad ranges are refused. Figures (stderr):
 * pull latency per page and pages/s of a push.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rmig_postcopy_fault.h"
#include "rmig_postcopy_serve.h"

#define PG     4096UL
#define NPAGES 1024 /* 4 MiB */
#define HOLE0  600  /* pages HOLE0..HOLE1-1 are not watched */
#define HOLE1  640

static uint8_t *src, *dst;
static uint8_t empty_page[NPAGES];    /* never touched at the source */
static uint8_t finish_zeroes[NPAGES]; /* zeros by finish(): still missing then */

struct fake_source {
    long delay_ns;       /* per fetch */
    uintptr_t fail_from; /* fetches of pages at or above this fail (0: none) */
    int fetches, lost;
    uintptr_t lost_addr;
    int lost_err;
};

static uint64_t now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint8_t pattern(size_t page, size_t off)
{
    return (uint8_t)((page * 131u) ^ (off * 7u) ^ (off >> 8) ^ 0x5a);
}

static uint8_t *map_mib(size_t pages)
{
    uint8_t *p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(madvise(p, pages * PG, MADV_NOHUGEPAGE), 0);
    return p;
}

static void setup(void)
{
    memset(finish_zeroes, 0, sizeof(finish_zeroes));
    src = map_mib(NPAGES);
    dst = map_mib(NPAGES);
    for (size_t i = 0; i < NPAGES; i++) {
        empty_page[i] = i % 11 == 5;
        for (size_t o = 0; !empty_page[i] && o < PG; o++)
            src[i * PG + o] = pattern(i, o);
    }
    /* the destination holds stale bytes (a container that left here): a
     * session must never let them through */
    memset(dst, 0xee, NPAGES * PG);
}

static void teardown(void)
{
    munmap(src, NPAGES * PG);
    munmap(dst, NPAGES * PG);
}

static int fake_fetch(uintptr_t addr, size_t len, void *buf, void *arg)
{
    struct fake_source *s = arg;
    size_t first = (addr - (uintptr_t)dst) / PG, all_empty = 1;

    __atomic_add_fetch(&s->fetches, 1, __ATOMIC_RELAXED);
    if (s->delay_ns > 0) {
        struct timespec d = {0, s->delay_ns};

        nanosleep(&d, NULL);
    }
    if (s->fail_from && addr + len > s->fail_from)
        return -EHOSTDOWN;
    for (size_t k = 0; k < len / PG; k++)
        all_empty &= empty_page[first + k];
    if (all_empty)
        return RMIG_POSTCOPY_EMPTY;
    memcpy(buf, src + (addr - (uintptr_t)dst), len);
    return 0;
}

static void fake_lost(uintptr_t addr, int err, void *arg)
{
    struct fake_source *s = arg;

    /* the faulting thread is woken by the kernel: no happens-before a race
     * detector could see, hence atomics */
    __atomic_store_n(&s->lost_addr, addr, __ATOMIC_RELEASE);
    __atomic_store_n(&s->lost_err, err, __ATOMIC_RELEASE);
    __atomic_add_fetch(&s->lost, 1, __ATOMIC_RELEASE);
}

static struct rmig_postcopy_fault *start_on(struct fake_source *s)
{
    struct rmig_postcopy_range r[2] = {{(uintptr_t)dst + HOLE1 * PG, (NPAGES - HOLE1) * PG},
                                       {(uintptr_t)dst, HOLE0 * PG}};
    struct rmig_postcopy_ops ops = {fake_fetch, fake_lost, s, 0};
    struct rmig_postcopy_fault *f = NULL;
    int ret = rmig_postcopy_fault_start(r, 2, &ops, &f);

    ck_assert_msg(ret == 0, "start: %s", strerror(-ret));
    return f;
}

static int watched(size_t page)
{
    return page < HOLE0 || page >= HOLE1;
}

/* Every watched page equals the source's (or is zeros where finish() found
 * it missing: finish_zeroes); the hole kept its stale bytes. */
static void expect_copy(void)
{
    for (size_t i = 0; i < NPAGES; i++)
        for (size_t o = 0; o < PG; o++) {
            uint8_t want = !watched(i)                         ? 0xee
                           : empty_page[i] || finish_zeroes[i] ? 0
                                                               : pattern(i, o);

            if (dst[i * PG + o] != want)
                ck_abort_msg("page %zu byte %zu: %#x, want %#x", i, o, dst[i * PG + o], want);
        }
}

/* ---- threads touching pages ---------------------------------------------- */

struct toucher {
    unsigned seed;
    int bad;
    uint64_t slow_ns, slow_pages; /* first touches that waited for a pull */
};

static void *touch_random(void *arg)
{
    struct toucher *t = arg;

    for (int k = 0; k < 3 * NPAGES; k++) {
        size_t i = (size_t)rand_r(&t->seed) % NPAGES, o = (size_t)rand_r(&t->seed) % PG;
        uint64_t t0 = now_ns();
        uint8_t v = *(volatile uint8_t *)&dst[i * PG + o];
        uint64_t dt = now_ns() - t0;
        uint8_t want = !watched(i) ? 0xee : empty_page[i] ? 0 : pattern(i, o);

        if (dt > 2000) {
            t->slow_ns += dt;
            t->slow_pages++;
        }
        t->bad += v != want;
    }
    return NULL;
}

START_TEST(test_random_touch)
{
    struct fake_source s = {0};
    struct rmig_postcopy_fault *f = start_on(&s);
    struct rmig_postcopy_stats st;
    struct toucher t[2] = {{.seed = 1}, {.seed = 2}};
    pthread_t th[2];

    for (int k = 0; k < 2; k++)
        pthread_create(&th[k], NULL, touch_random, &t[k]);
    for (int k = 0; k < 2; k++)
        pthread_join(th[k], NULL);
    ck_assert_int_eq(t[0].bad + t[1].bad, 0);
    ck_assert(!rmig_postcopy_fault_all_present(f) || s.fetches > 0);
    /* Three pages are never touched (with these seeds: 231, 343, 400);
     * they hold the source's bytes only if a neighbour's pull reached them,
     * which depends on the threads' interleaving: the ones still missing
     * get finish()'s zeros (a CI run under load failed on page 343 when
     * this test expected the source's bytes everywhere). */
    long missing = 0;
    for (size_t i = 0; i < NPAGES; i++) {
        finish_zeroes[i] =
            watched(i) && !rmig_postcopy_fault_range_present(f, (uintptr_t)dst + i * PG, PG);
        missing += finish_zeroes[i];
    }
    ck_assert_int_eq(rmig_postcopy_fault_finish(f), missing);
    ck_assert(rmig_postcopy_fault_all_present(f));
    rmig_postcopy_fault_stats(f, &st);
    ck_assert_uint_eq(st.pages, NPAGES - (HOLE1 - HOLE0));
    ck_assert_uint_eq(st.present, st.pages);
    ck_assert_uint_eq(st.pulled + st.zeroed + st.pushed, st.pages);
    ck_assert_uint_gt(st.faults, 0);
    ck_assert_uint_eq(st.lost, 0);
    ck_assert_int_eq(s.lost, 0);
    expect_copy();
    fprintf(stderr,
            "postcopy random touch: %llu faults, %llu pages pulled, %llu zero; handler %.1f us "
            "per fault (max %.1f); toucher waited %.1f us per pulled touch (%llu)\n",
            (unsigned long long)st.faults, (unsigned long long)st.pulled,
            (unsigned long long)st.zeroed, st.blocked_ns / 1e3 / (double)st.faults,
            st.max_blocked_ns / 1e3,
            (t[0].slow_ns + t[1].slow_ns) / 1e3 /
                (double)(t[0].slow_pages + t[1].slow_pages + !(t[0].slow_pages + t[1].slow_pages)),
            (unsigned long long)(t[0].slow_pages + t[1].slow_pages));
    rmig_postcopy_fault_stop(f);
}
END_TEST

/* ---- push racing with faults --------------------------------------------- */

struct pusher {
    struct rmig_postcopy_fault *f;
    long pace_ns; /* sleep between chunks */
    long placed;
    int err;
    uint64_t ns;
};

/* Pushes every non-empty watched page, in the plan's order, 64 KiB at a
 * time, as the source's background push would. */
static void *push_all(void *arg)
{
    struct pusher *p = arg;
    struct rmig_postcopy_plan plan;
    struct rmig_postcopy_range r[NPAGES];
    int n = 0;
    uintptr_t a;
    size_t len;
    uint64_t t0 = now_ns();

    for (size_t i = 0; i < NPAGES; i++)
        if (watched(i) && !empty_page[i]) {
            if (n > 0 && r[n - 1].addr + r[n - 1].len == (uintptr_t)dst + i * PG)
                r[n - 1].len += PG;
            else
                r[n++] = (struct rmig_postcopy_range){(uintptr_t)dst + i * PG, PG};
        }
    if (rmig_postcopy_plan_init(&plan, r, n, 16 * PG) != 0) {
        p->err = -ENOMEM;
        return NULL;
    }
    while (rmig_postcopy_plan_next(&plan, &a, &len)) {
        long ret = rmig_postcopy_fault_push(p->f, a, src + (a - (uintptr_t)dst), len);

        if (ret < 0)
            p->err = (int)ret;
        else
            p->placed += ret;
        if (p->pace_ns > 0) {
            struct timespec d = {0, p->pace_ns};

            nanosleep(&d, NULL);
        }
    }
    rmig_postcopy_plan_free(&plan);
    p->ns = now_ns() - t0;
    return NULL;
}

START_TEST(test_push_races_faults)
{
    struct fake_source s = {.delay_ns = 20000}; /* 20 us a pull, like a wire */
    struct rmig_postcopy_fault *f = start_on(&s);
    struct rmig_postcopy_stats st;
    struct toucher t[2] = {{.seed = 7}, {.seed = 8}};
    struct pusher p = {.f = f, .pace_ns = 300000}; /* ~17 ms for the whole push */
    pthread_t th[3];

    for (int k = 0; k < 2; k++)
        pthread_create(&th[k], NULL, touch_random, &t[k]);
    pthread_create(&th[2], NULL, push_all, &p);
    for (int k = 0; k < 3; k++)
        pthread_join(th[k], NULL);
    ck_assert_int_eq(p.err, 0);
    ck_assert_int_eq(t[0].bad + t[1].bad, 0);
    ck_assert_int_ge(rmig_postcopy_fault_finish(f), 0);
    ck_assert(rmig_postcopy_fault_all_present(f));
    rmig_postcopy_fault_stats(f, &st);
    ck_assert_uint_eq(st.pulled + st.zeroed + st.pushed, st.pages); /* each page placed once */
    ck_assert_uint_eq((uint64_t)p.placed, st.pushed);
    ck_assert_uint_gt(st.pulled, 0); /* the two did race */
    ck_assert_uint_gt(st.pushed, 0);
    expect_copy();
    fprintf(stderr,
            "postcopy push racing faults: %llu pushed (%llu already present), %llu "
            "pulled, %llu zero\n",
            (unsigned long long)st.pushed, (unsigned long long)st.push_dup,
            (unsigned long long)st.pulled, (unsigned long long)st.zeroed);
    rmig_postcopy_fault_stop(f);
}
END_TEST

/* The push alone: pages per second placed (figure), all bit for bit. */
START_TEST(test_push_rate)
{
    struct fake_source s = {0};
    struct rmig_postcopy_fault *f = start_on(&s);
    struct rmig_postcopy_stats st;
    struct pusher p = {.f = f};

    push_all(&p);
    ck_assert_int_eq(p.err, 0);
    ck_assert_int_ge(rmig_postcopy_fault_finish(f), 0);
    rmig_postcopy_fault_stats(f, &st);
    ck_assert_int_eq(s.fetches, 0);
    ck_assert_uint_eq(st.faults, 0);
    expect_copy();
    fprintf(stderr,
            "postcopy push: %ld pages in %.2f ms, %.0f pages/s (%.0f MiB/s), 64 KiB "
            "chunks\n",
            p.placed, p.ns / 1e6, p.placed / (p.ns / 1e9),
            p.placed * PG / 1048576.0 / (p.ns / 1e9));
    rmig_postcopy_fault_stop(f);
}
END_TEST

/* ---- pages the rank gives back ------------------------------------------- */

START_TEST(test_given_back)
{
    struct fake_source s = {0};
    struct rmig_postcopy_fault *f = start_on(&s);
    struct pusher p = {.f = f};
    size_t i;

    ck_assert_int_eq(dst[10 * PG + 1], pattern(10, 1)); /* pulled (with a few after it) */
    /* pages 8..19: some placed, some not; the rank drops them all */
    ck_assert_int_eq(madvise(dst + 8 * PG, 12 * PG, MADV_DONTNEED), 0);
    for (i = 8; i < 20; i++)
        ck_assert_int_eq(dst[i * PG + 100], 0);
    dst[12 * PG] = 42; /* the rank writes one again */
    push_all(&p);      /* the source's push comes later: must not overwrite */
    ck_assert_int_eq(p.err, 0);
    ck_assert_int_ge(rmig_postcopy_fault_finish(f), 0);
    for (i = 8; i < 20; i++)
        for (size_t o = 0; o < PG; o++)
            ck_assert_int_eq(dst[i * PG + o], i == 12 && o == 0 ? 42 : 0);
    ck_assert_int_eq(dst[21 * PG + 5], empty_page[21] ? 0 : pattern(21, 5));
    rmig_postcopy_fault_stop(f);
}
END_TEST

/* The rank giving pages back again and again while the push places pages
 * and threads fault on them, in the dropped set and elsewhere (the
 * placements then meet EAGAIN while remove events are unread): nothing
 * hangs; a dropped page reads the source's bytes or zeros while it
 * happens, and zeros after the last drop; every other page the source's. */
#define DROP0 100
#define DROP1 132

struct dropper {
    int rounds;
    int stop;
};

static void *drop_loop(void *arg)
{
    struct dropper *d = arg;

    for (d->rounds = 0; !__atomic_load_n(&d->stop, __ATOMIC_RELAXED) || d->rounds < 50;
         d->rounds++) {
        madvise(dst + DROP0 * PG, (DROP1 - DROP0) * PG, MADV_DONTNEED);
        sched_yield();
    }
    madvise(dst + DROP0 * PG, (DROP1 - DROP0) * PG, MADV_DONTNEED);
    return NULL;
}

struct drop_toucher {
    unsigned seed;
    int bad;
};

static void *touch_with_drops(void *arg)
{
    struct drop_toucher *t = arg;

    for (int k = 0; k < 4 * NPAGES; k++) {
        size_t i = (size_t)rand_r(&t->seed) % NPAGES, o = (size_t)rand_r(&t->seed) % PG;
        uint8_t v = *(volatile uint8_t *)&dst[i * PG + o];
        uint8_t want = !watched(i) ? 0xee : empty_page[i] ? 0 : pattern(i, o);

        t->bad += i >= DROP0 && i < DROP1 ? v != want && v != 0 : v != want;
    }
    return NULL;
}

START_TEST(test_drops_race)
{
    struct fake_source s = {.delay_ns = 5000};
    struct rmig_postcopy_fault *f = start_on(&s);
    struct rmig_postcopy_stats st;
    struct drop_toucher t[2] = {{.seed = 21}, {.seed = 22}};
    struct dropper d = {0};
    struct pusher p = {.f = f, .pace_ns = 50000};
    pthread_t th[4];

    pthread_create(&th[0], NULL, drop_loop, &d);
    pthread_create(&th[1], NULL, push_all, &p);
    for (int k = 0; k < 2; k++)
        pthread_create(&th[2 + k], NULL, touch_with_drops, &t[k]);
    for (int k = 1; k < 4; k++)
        pthread_join(th[k], NULL);
    __atomic_store_n(&d.stop, 1, __ATOMIC_RELAXED);
    pthread_join(th[0], NULL);
    ck_assert_int_eq(p.err, 0);
    ck_assert_int_eq(t[0].bad + t[1].bad, 0);
    ck_assert_int_ge(rmig_postcopy_fault_finish(f), 0);
    ck_assert(rmig_postcopy_fault_all_present(f));
    rmig_postcopy_fault_stats(f, &st);
    ck_assert_uint_gt(st.removed, 0);
    for (size_t i = 0; i < NPAGES; i++)
        for (size_t o = 0; o < PG; o += 61) {
            uint8_t want = !watched(i)                                  ? 0xee
                           : (i >= DROP0 && i < DROP1) || empty_page[i] ? 0
                                                                        : pattern(i, o);

            ck_assert_msg(dst[i * PG + o] == want, "page %zu byte %zu: %#x, want %#x", i, o,
                          dst[i * PG + o], want);
        }
    fprintf(stderr,
            "postcopy drops racing: %d drops of %d pages, %llu removed, %llu faults, %llu "
            "placements retried after EAGAIN\n",
            d.rounds, DROP1 - DROP0, (unsigned long long)st.removed, (unsigned long long)st.faults,
            (unsigned long long)st.retries);
    rmig_postcopy_fault_stop(f);
}
END_TEST

/* ---- system calls and other processes ------------------------------------ */

/* read(2) and recv(2) into missing pages, then another process writing
 * and reading missing pages. Returns a bitmask of what failed with EFAULT
 * (1 read, 2 writev, 4 readv, 8 recv); checks the bytes of what succeeded. Then the same after
 * rmig_postcopy_fault_prefault: must all succeed. Runs in the calling
 * process (as root, or as nobody in a child). */
static int foreign_access(struct rmig_postcopy_fault *f, int prefault)
{
    uint8_t *rd = dst + 30 * PG + 10, *wr = dst + 300 * PG + 100, *rr = dst + 700 * PG;
    uint8_t *rv = dst + 40 * PG + 4080;
    int fd[2], efault = 0, status;
    pid_t parent = getpid(), child;

    if (prefault) {
        ck_assert_int_eq(rmig_postcopy_touch(rd, 6), 0); /* the cluster's session: f */
        ck_assert_int_eq(rmig_postcopy_fault_prefault(f, (uintptr_t)wr, 12), 0);
        ck_assert_int_eq(rmig_postcopy_fault_prefault(f, (uintptr_t)rr, 8), 0);
        ck_assert_int_eq(rmig_postcopy_fault_prefault(f, (uintptr_t)rv, 200), 0); /* 2 pages */
        ck_assert(rmig_postcopy_fault_range_present(f, (uintptr_t)wr, 12));
    }
    ck_assert_int_eq(pipe(fd), 0);
    ck_assert_int_eq(write(fd[1], "kernel", 6), 6);
    if (read(fd[0], rd, 6) < 0) {
        ck_assert_int_eq(errno, EFAULT);
        efault |= 1;
    } else {
        ck_assert_int_eq(memcmp(rd, "kernel", 6), 0);
        ck_assert_int_eq(rd[6], pattern(30, 16)); /* the rest of the page was pulled first */
    }
    close(fd[0]);
    close(fd[1]);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
    ck_assert_int_eq(send(fd[1], "a socket's bytes across a page", 30, 0), 30);
    if (recv(fd[0], rv, 30, MSG_WAITALL) < 0) { /* crosses into page 41 */
        ck_assert_int_eq(errno, EFAULT);
        efault |= 8;
    } else {
        ck_assert_int_eq(memcmp(rv, "a socket's bytes across a page", 30), 0);
        ck_assert_int_eq(rv[30], pattern(41, 14));
    }
    close(fd[0]);
    close(fd[1]);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        char msg[] = "from a peer", got[8];
        struct iovec lw = {msg, sizeof(msg)}, rw = {wr, sizeof(msg)};
        struct iovec lr = {got, sizeof(got)}, rr2 = {rr, sizeof(got)};
        int r = 0;

        if (process_vm_writev(parent, &lw, 1, &rw, 1, 0) < 0)
            r |= errno == EFAULT ? 2 : 64;
        if (process_vm_readv(parent, &lr, 1, &rr2, 1, 0) < 0)
            r |= errno == EFAULT ? 4 : 64;
        else if (memcmp(got, src + 700 * PG, sizeof(got)) != 0)
            r |= 32;
        _exit(r);
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_msg((WEXITSTATUS(status) & 96) == 0, "peer: exit %d", WEXITSTATUS(status));
    efault |= WEXITSTATUS(status);
    if (!(efault & 2)) {
        ck_assert_str_eq((char *)wr, "from a peer");
        ck_assert_int_eq(wr[-1], pattern(300, 99));
    }
    return efault;
}

START_TEST(test_foreign_access)
{
    struct fake_source s = {0};
    struct rmig_postcopy_fault *f = start_on(&s);
    struct rmig_postcopy_stats st;
    int efault;

    rmig_postcopy_fault_stats(f, &st);
    efault = foreign_access(f, 0);
    /* kernel faults allowed (root here): everything waits for the handler */
    ck_assert_msg(st.user_mode_only ? efault == 15 : efault == 0, "umo %d efault %d",
                  st.user_mode_only, efault);
    fprintf(stderr,
            "postcopy %s: read(2), recv(2), process_vm_writev, process_vm_readv into "
            "missing pages: %s\n",
            st.user_mode_only ? "UFFD_USER_MODE_ONLY" : "kernel faults too",
            efault ? "EFAULT" : "wait for the handler, then succeed");
    rmig_postcopy_fault_stop(f);
}
END_TEST

/* As nobody (vm.unprivileged_userfaultfd=0): user mode only, so a system
 * call or a peer touching a missing page gets EFAULT; prefaulting the
 * buffers first makes every access succeed. */
START_TEST(test_foreign_access_unprivileged)
{
    FILE *k = fopen("/proc/sys/vm/unprivileged_userfaultfd", "r");
    int knob = -1, status;
    pid_t child;

    if (k) {
        if (fscanf(k, "%d", &knob) != 1)
            knob = -1;
        fclose(k);
    }
    if (geteuid() != 0 || knob != 0)
        return; /* nothing to drop to, or nothing refused: no claim here */
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        struct fake_source s = {0};
        struct rmig_postcopy_fault *f;
        struct rmig_postcopy_stats st;

        if (setgid(65534) < 0 || setuid(65534) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0)
            _exit(10);
        f = start_on(&s);
        rmig_postcopy_fault_stats(f, &st);
        if (!st.user_mode_only)
            _exit(11);
        if (foreign_access(f, 0) != 15)
            _exit(12);
        rmig_postcopy_fault_stop(f);
        memset(dst, 0xee, NPAGES * PG);
        f = start_on(&s);
        if (foreign_access(f, 1) != 0)
            _exit(13);
        rmig_postcopy_fault_stop(f);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "as nobody: exit %d (10 setuid, 11 not user-mode only, 12 not EFAULT, "
                  "13 prefault did not help)",
                  WEXITSTATUS(status));
    fprintf(stderr,
            "postcopy as nobody: UFFD_USER_MODE_ONLY; read(2), recv(2) and peers get EFAULT on "
            "missing pages, succeed once prefaulted\n");
}
END_TEST

/* ---- a lost source ------------------------------------------------------- */

START_TEST(test_lost_source)
{
    struct fake_source s = {.fail_from = (uintptr_t)dst + 800 * PG};
    struct rmig_postcopy_fault *f = start_on(&s);
    struct rmig_postcopy_stats st;
    uint8_t v;

    ck_assert_int_eq(dst[2 * PG + 3], pattern(2, 3));
    v = *(volatile uint8_t *)&dst[900 * PG + 3]; /* must come back, not hang */
    ck_assert_int_eq(v, 0);                      /* zeros: the test's lost() returned */
    ck_assert_int_ge(__atomic_load_n(&s.lost, __ATOMIC_ACQUIRE), 1);
    ck_assert_int_eq(__atomic_load_n(&s.lost_err, __ATOMIC_ACQUIRE), -EHOSTDOWN);
    ck_assert_uint_eq(__atomic_load_n(&s.lost_addr, __ATOMIC_ACQUIRE), (uintptr_t)dst + 900 * PG);
    ck_assert_int_eq(rmig_postcopy_fault_prefault(f, (uintptr_t)dst + 950 * PG, 10), -EHOSTDOWN);
    rmig_postcopy_fault_stats(f, &st);
    ck_assert_uint_ge(st.lost, 2);
    rmig_postcopy_fault_stop(f);
}
END_TEST

START_TEST(test_bad_arguments)
{
    struct fake_source s = {0};
    struct rmig_postcopy_ops ops = {fake_fetch, fake_lost, &s, 0}, none = {NULL, NULL, NULL, 0},
                             huge = {fake_fetch, fake_lost, &s, RMIG_POSTCOPY_AROUND_MAX + 1};
    struct rmig_postcopy_range odd = {(uintptr_t)dst + 1, PG},
                               overlap[2] = {{(uintptr_t)dst, 2 * PG}, {(uintptr_t)dst + PG, PG}},
                               zero = {(uintptr_t)dst, 0}, ok = {(uintptr_t)dst, 4 * PG};
    struct rmig_postcopy_fault *f = NULL;

    ck_assert_int_eq(rmig_postcopy_fault_start(&odd, 1, &ops, &f), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_start(overlap, 2, &ops, &f), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_start(&zero, 1, &ops, &f), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_start(&ok, 1, &none, &f), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_start(&ok, 0, &ops, &f), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_start(&ok, 1, &huge, &f), -EINVAL);
    ck_assert_ptr_null(f);
    ck_assert_int_eq(rmig_postcopy_fault_start(&ok, 1, &ops, &f), 0);
    ck_assert_int_eq(rmig_postcopy_fault_push(f, (uintptr_t)dst + 4 * PG, src, PG), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_push(f, (uintptr_t)dst + 3 * PG, src, 2 * PG), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_push(f, (uintptr_t)dst + 100, src, PG), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_fault_push(f, (uintptr_t)dst, src, 2 * PG), 2);
    ck_assert_int_eq(rmig_postcopy_fault_push(f, (uintptr_t)dst, src, 2 * PG), 0);
    ck_assert_int_eq(memcmp(dst, src, 2 * PG), 0);
    rmig_postcopy_fault_stop(f);
    rmig_postcopy_fault_stop(NULL);
    ck_assert_int_eq(rmig_postcopy_touch(dst, 4 * PG), 0); /* no session: nothing to do */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rmig_postcopy_fault");
    TCase *tc = tcase_create("fault");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_random_touch);
    tcase_add_test(tc, test_push_races_faults);
    tcase_add_test(tc, test_push_rate);
    tcase_add_test(tc, test_given_back);
    tcase_add_test(tc, test_drops_race);
    tcase_add_test(tc, test_foreign_access);
    tcase_add_test(tc, test_foreign_access_unprivileged);
    tcase_add_test(tc, test_lost_source);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
