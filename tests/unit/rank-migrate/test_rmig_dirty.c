/* test_rmig_dirty.c: Check tests of the written-page trackers (rmig_dirty*.c).
 *
 * Every test runs once per backend (a loop test over the kinds). Where the
 * backend works here, a test writes a known set of pages between collects
 * and requires exactly that set back, page for page (first, last, every
 * 7th, a run across a 2 MiB boundary; pages never populated; pages given
 * back with MADV_DONTNEED, which must be reported too); a writer thread
 * hammers the mapping while the main thread collects and copies, and the
 * copy must equal the memory bit for bit at the end (pre-copy's own
 * invariant: no write lost between a collect and its re-arm); a system call
 * writing into a tracked page, and another process writing there with
 * process_vm_writev, are reported like a store; unmapping or
 * remapping a tracked range makes collect fail rather than pass for clean.
 * Where it does not work, the probe must say so, start must refuse, and,
 * for soft-dirty, the answer must agree with the kernel's configuration
 * when /proc/config.gz tells it.
 *
 * The test mappings are MADV_NOHUGEPAGE (as the container region is),
 * except test_thp's: whether a range is backed by 2 MiB pages depends on
 * the kernel's THP setting and on free memory, and a huge page is one unit
 * to the kernel (written or not as a whole until split), so each test
 * should say which case it checks. test_thp checks that reports stay exact
 * per 4 KiB page on huge pages too (the kernel splits a protected huge
 * page at its first write).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rmig.h"
#include "rmig_dirty.h"

#define PG      4096UL
#define NPAGES  1536 /* 6 MiB: crosses two 2 MiB boundaries */
#define HUGE_PG (2UL << 20)

/* A 2 MiB aligned mapping of NPAGES pages, 4 KiB pages only; populated
 * (every page written) if asked. */
static char *map_pages(int populate)
{
    size_t len = NPAGES * PG;
    char *p = mmap(NULL, len + HUGE_PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *a;

    ck_assert_ptr_ne(p, MAP_FAILED);
    a = (char *)(((uintptr_t)p + HUGE_PG - 1) & ~(HUGE_PG - 1));
    if (a > p)
        munmap(p, (size_t)(a - p));
    munmap(a + len, (size_t)(p + HUGE_PG - a));
    ck_assert_int_eq(madvise(a, len, MADV_NOHUGEPAGE), 0);
    for (size_t i = 0; populate && i < NPAGES; i++)
        a[i * PG] = (char)i;
    return a;
}

/* What a collect reported: one byte per page of the mapping. */
struct seen {
    char *base;
    unsigned char page[NPAGES]; /* 1 reported */
    long outside;               /* pages reported outside the mapping */
};

static void note(uintptr_t addr, size_t len, void *arg)
{
    struct seen *s = arg;

    for (uintptr_t a = addr; a < addr + len; a += PG) {
        if (a < (uintptr_t)s->base || a >= (uintptr_t)s->base + NPAGES * PG)
            s->outside++;
        else
            s->page[(a - (uintptr_t)s->base) / PG] = 1;
    }
}

/* Collects t and requires exactly the pages marked in want and their
 * count as its return. */
static void expect(struct rmig_dirty *t, char *base, const unsigned char *want)
{
    static struct seen s;
    long n = 0;

    memset(&s, 0, sizeof(s));
    s.base = base;
    long got = rmig_dirty_collect(t, note, &s);

    ck_assert_int_ge(got, 0);
    ck_assert_int_eq(s.outside, 0);
    for (int i = 0; i < NPAGES; i++) {
        ck_assert_msg(s.page[i] == want[i], "page %d: reported %d, expected %d", i, s.page[i],
                      want[i]);
        n += want[i] != 0;
    }
    ck_assert_int_eq(got, n);
}

static int usable(int kind)
{
    char why[256];

    return rmig_dirty_probe(kind, why, sizeof(why)) == 0;
}

static struct rmig_dirty *start_on(int kind, char *a, size_t len)
{
    struct rmig_dirty_range r = {(uintptr_t)a, len};
    struct rmig_dirty *t = NULL;

    ck_assert_int_eq(rmig_dirty_start(kind, &r, 1, &t), 0);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* First, last, every 7th page and a run across the 2 MiB boundary at page 512. */
static void pattern(char *a, unsigned char *want)
{
    memset(want, 0, NPAGES);
    for (int i = 0; i < NPAGES; i += 7)
        want[i] = 1;
    want[NPAGES - 1] = 1;
    for (int i = 509; i < 516; i++)
        want[i] = 1;
    for (int i = 0; i < NPAGES; i++)
        if (want[i])
            a[i * PG + (i % 97) * 8] = (char)(i + 1);
}

static void pattern_rounds(int kind, int populate)
{
    static unsigned char want[NPAGES];
    char *a = map_pages(populate);
    struct rmig_dirty *t = start_on(kind, a, NPAGES * PG);

    memset(want, 0, sizeof(want));
    expect(t, a, want); /* nothing written since start */
    pattern(a, want);
    expect(t, a, want);
    memset(want, 0, sizeof(want));
    expect(t, a, want); /* re-armed: nothing again */
    a[3 * PG] = 9;      /* one page, written twice: reported once */
    a[3 * PG + 1] = 9;
    want[3] = 1;
    expect(t, a, want);
    rmig_dirty_stop(t);
    munmap(a, NPAGES * PG);
}

START_TEST(test_pattern_populated)
{
    if (usable(_i))
        pattern_rounds(_i, 1);
}
END_TEST

START_TEST(test_pattern_unpopulated)
{
    if (usable(_i))
        pattern_rounds(_i, 0);
}
END_TEST

/* Pages given back (the allocator's MADV_DONTNEED) are reported, once; a
 * write to one of them later is reported again. */
START_TEST(test_released)
{
    static unsigned char want[NPAGES];
    char *a;
    struct rmig_dirty *t;

    if (!usable(_i))
        return;
    a = map_pages(1);
    t = start_on(_i, a, NPAGES * PG);
    ck_assert_int_eq(madvise(a + 100 * PG, 100 * PG, MADV_DONTNEED), 0);
    a[300 * PG] = 1;
    memset(want, 0, sizeof(want));
    memset(want + 100, 1, 100);
    want[300] = 1;
    expect(t, a, want);
    memset(want, 0, sizeof(want));
    if (_i != RMIG_DIRTY_SOFT) /* soft-dirty cannot mark empty entries: superset */
        expect(t, a, want);
    a[150 * PG] = 5;
    rmig_dirty_collect(t, note, &(struct seen){.base = a}); /* drained */
    ck_assert_int_eq(a[150 * PG], 5);
    rmig_dirty_stop(t);
    munmap(a, NPAGES * PG);
}
END_TEST

/* With transparent huge pages (MADV_HUGEPAGE, populated before start:
 * 2 MiB pages where the kernel has them), reports stay exact per 4 KiB
 * page: a protected huge page is split at its first write. */
START_TEST(test_thp)
{
    static unsigned char want[NPAGES];
    char *a;
    struct rmig_dirty *t;

    if (!usable(_i))
        return;
    a = map_pages(0);
    ck_assert_int_eq(madvise(a, NPAGES * PG, MADV_HUGEPAGE) == 0 || errno == EINVAL, 1);
    memset(a, 1, NPAGES * PG);
    t = start_on(_i, a, NPAGES * PG);
    memset(want, 0, sizeof(want));
    expect(t, a, want);
    a[3 * PG] = a[700 * PG] = a[1100 * PG + 5] = 2;
    want[3] = want[700] = want[1100] = 1;
    expect(t, a, want);
    want[3] = want[700] = want[1100] = 0;
    a[701 * PG] = 2; /* same huge page as 700, now split */
    want[701] = 1;
    expect(t, a, want);
    rmig_dirty_stop(t);
    munmap(a, NPAGES * PG);
}
END_TEST

/* ---- the hammer: a writer thread against collect-and-copy rounds -------- */

struct hammer {
    char *mem, *copy;
    volatile int stop;
    unsigned long writes;
};

static void *hammer_writer(void *arg)
{
    struct hammer *h = arg;
    unsigned x = 12345;

    while (!h->stop) {
        x = x * 1103515245u + 12345u;
        size_t page = (x >> 8) % NPAGES, off = (x >> 4) % (PG / 8) * 8;

        __atomic_store_n((uint64_t *)(h->mem + page * PG + off), ++h->writes, __ATOMIC_RELAXED);
        if ((x & 0x3ff) == 0)
            madvise(h->mem + page * PG, PG, MADV_DONTNEED); /* releases too */
    }
    return NULL;
}

static void copy_run(uintptr_t addr, size_t len, void *arg)
{
    struct hammer *h = arg;
    size_t off = addr - (uintptr_t)h->mem;

    memcpy(h->copy + off, h->mem + off, len);
}

START_TEST(test_hammer)
{
    struct hammer h = {0};
    pthread_t w;
    struct rmig_dirty *t;
    struct timespec t0, now;
    int rounds = 0;

    if (!usable(_i) || _i == RMIG_DIRTY_SOFT) /* soft-dirty needs the writer stopped */
        return;
    h.mem = map_pages(1);
    h.copy = malloc(NPAGES * PG);
    t = start_on(_i, h.mem, NPAGES * PG);
    memcpy(h.copy, h.mem, NPAGES * PG); /* round one: everything */
    ck_assert_int_eq(pthread_create(&w, NULL, hammer_writer, &h), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        ck_assert_int_ge(rmig_dirty_collect(t, copy_run, &h), 0);
        rounds++;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - t0.tv_sec < 2 || rounds < 50);
    h.stop = 1;
    pthread_join(w, NULL);
    ck_assert_int_ge(rmig_dirty_collect(t, copy_run, &h), 0); /* the stop-and-copy round */
    ck_assert_msg(h.writes > 1000, "only %lu writes", h.writes);
    for (size_t p = 0; p < NPAGES; p++)
        ck_assert_msg(memcmp(h.copy + p * PG, h.mem + p * PG, PG) == 0,
                      "page %zu differs after %d rounds, %lu writes", p, rounds, h.writes);
    rmig_dirty_stop(t);
    munmap(h.mem, NPAGES * PG);
    free(h.copy);
}
END_TEST

/* read(2) into a tracked page: the kernel writes it, the page is reported. */
START_TEST(test_syscall_write)
{
    static unsigned char want[NPAGES];
    char *a;
    struct rmig_dirty *t;
    int fd[2];

    if (!usable(_i))
        return;
    a = map_pages(1);
    t = start_on(_i, a, NPAGES * PG);
    ck_assert_int_eq(pipe(fd), 0);
    ck_assert_int_eq(write(fd[1], "kernel", 6), 6);
    ck_assert_int_eq(read(fd[0], a + 42 * PG + 10, 6), 6); /* EFAULT if user-mode only */
    ck_assert_int_eq(memcmp(a + 42 * PG + 10, "kernel", 6), 0);
    memset(want, 0, sizeof(want));
    want[42] = 1;
    expect(t, a, want);
    close(fd[0]);
    close(fd[1]);
    rmig_dirty_stop(t);
    munmap(a, NPAGES * PG);
}
END_TEST

/* Another process writes into a tracked page through process_vm_writev
 * (how a peer cluster's kernel copy delivers a message into the rank's
 * buffer): the page is reported like the rank's own store. */
START_TEST(test_remote_write)
{
    static unsigned char want[NPAGES];
    char *a;
    struct rmig_dirty *t;
    pid_t parent = getpid(), child;
    int status;

    if (!usable(_i))
        return;
    a = map_pages(1);
    t = start_on(_i, a, NPAGES * PG);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        char msg[] = "from a peer";
        struct iovec local = {msg, sizeof(msg)}, remote = {a + 77 * PG + 100, sizeof(msg)};

        _exit(process_vm_writev(parent, &local, 1, &remote, 1, 0) == (ssize_t)sizeof(msg) ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process_vm_writev failed");
    ck_assert_str_eq(a + 77 * PG + 100, "from a peer");
    memset(want, 0, sizeof(want));
    want[77] = 1;
    expect(t, a, want);
    rmig_dirty_stop(t);
    munmap(a, NPAGES * PG);
}
END_TEST

/* ---- the remote hammer: another process's kernel copies ---------------- */

/* The child writes the whole mapping with process_vm_writev, pass after
 * pass (a rendezvous sender), telling the parent after each and waiting
 * for its answer ('q': stop); the parent collects and copies meanwhile (a
 * pre-copy move) and, told, calls rmig_transfer_landed (the receiver's
 * completion). Such a copy pins pages before it writes them, so a collect
 * between the two re-protects pages whose data lands afterwards with no
 * fault: without rmig_transfer_landed the copy kept stale pages (every
 * run, both uffd backends, 2026-12-07). */
static void remote_passes(pid_t parent, char *mem, int notify, int answer)
{
    char *src = malloc(NPAGES * PG), c = 0;

    if (src == NULL)
        _exit(2);
    for (unsigned pass = 1; c != 'q'; pass++) {
        for (size_t p = 0; p < NPAGES; p++)
            memset(src + p * PG, (int)(pass * 31 + p), PG);
        struct iovec local = {src, NPAGES * PG}, remote = {mem, NPAGES * PG};
        if (process_vm_writev(parent, &local, 1, &remote, 1, 0) != (ssize_t)(NPAGES * PG) ||
            write(notify, "d", 1) != 1 || read(answer, &c, 1) != 1)
            _exit(1);
    }
    _exit(0);
}

START_TEST(test_remote_hammer)
{
    struct hammer h = {0};
    struct rmig_dirty *t;
    struct timespec t0, now;
    int notify[2], answer[2], status, rounds = 0, passes = 0, done = 0;
    pid_t parent = getpid(), child;

    if (!usable(_i))
        return;
    h.mem = map_pages(1);
    h.copy = malloc(NPAGES * PG);
    ck_assert_int_eq(pipe(notify), 0);
    ck_assert_int_eq(pipe(answer), 0);
    t = start_on(_i, h.mem, NPAGES * PG);
    memcpy(h.copy, h.mem, NPAGES * PG); /* round one: everything */
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0)
        remote_passes(parent, h.mem, notify[1], answer[0]);
    ck_assert_int_eq(fcntl(notify[0], F_SETFL, O_NONBLOCK), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!done) {
        char c;

        ck_assert_int_ge(rmig_dirty_collect(t, copy_run, &h), 0);
        rounds++;
        if (read(notify[0], &c, 1) != 1)
            continue;
        rmig_transfer_landed(h.mem, NPAGES * PG); /* the receive completes */
        passes++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        done = now.tv_sec - t0.tv_sec >= 2 && passes >= 20;
        ck_assert_int_eq(write(answer[1], done ? "q" : "g", 1), 1);
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer failed");
    ck_assert_int_ge(rmig_dirty_collect(t, copy_run, &h), 0); /* the stop-and-copy round */
    for (size_t p = 0; p < NPAGES; p++)
        ck_assert_msg(memcmp(h.copy + p * PG, h.mem + p * PG, PG) == 0,
                      "page %zu stale after %d rounds, %d passes", p, rounds, passes);
    rmig_dirty_stop(t);
    for (int i = 0; i < 2; i++) {
        close(notify[i]);
        close(answer[i]);
    }
    munmap(h.mem, NPAGES * PG);
    free(h.copy);
}
END_TEST

/* Unmapping a tracked range, or mapping something else there, breaks the
 * session: collect fails, it never answers "nothing written". */
START_TEST(test_unmapped_fails)
{
    char *a;
    struct rmig_dirty *t;
    struct seen s = {0};

    if (!usable(_i))
        return;
    a = map_pages(1);
    t = start_on(_i, a, NPAGES * PG);
    s.base = a;
    ck_assert_int_eq(munmap(a + 10 * PG, PG), 0);
    ck_assert_int_eq(rmig_dirty_collect(t, note, &s), -ENOMEM);
    ck_assert_ptr_eq(mmap(a + 10 * PG, PG, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                     a + 10 * PG);
    a[10 * PG] = 1;
    if (_i != RMIG_DIRTY_SOFT) /* soft-dirty does not register ranges: the new page is dirty */
        ck_assert_int_lt(rmig_dirty_collect(t, note, &s), 0);
    rmig_dirty_stop(t);
    munmap(a, NPAGES * PG);
}
END_TEST

/* A range added later (the heap top moving up) is tracked from then on. */
START_TEST(test_add_range)
{
    static unsigned char want[NPAGES];
    char *a;
    struct rmig_dirty *t;
    struct rmig_dirty_range more;

    if (!usable(_i))
        return;
    a = map_pages(1);
    t = start_on(_i, a, 512 * PG);
    more = (struct rmig_dirty_range){(uintptr_t)a + 512 * PG, 1024 * PG};
    ck_assert_int_eq(rmig_dirty_add(t, &more), -0);
    expect(t, a, (memset(want, 0, sizeof(want)), want)); /* drained */
    a[5 * PG] = a[600 * PG] = a[1535 * PG] = 3;
    want[5] = want[600] = want[1535] = 1;
    expect(t, a, want);
    ck_assert_int_eq(rmig_dirty_add(t, &more), -EINVAL); /* overlaps */
    rmig_dirty_stop(t);
    munmap(a, NPAGES * PG);
}
END_TEST

/* The application's globals: .data is a private file mapping, which only
 * asynchronous write-protect may register (Linux 6.7 lets WP_ASYNC take
 * any memory); the sync backend must refuse it at start, not watch
 * nothing. .bss past the file is anonymous and both take it. */
static char glob_data[64 * PG] __attribute__((aligned(4096))) = {1};
static char glob_bss[64 * PG] __attribute__((aligned(4096)));

static void count_pages(uintptr_t addr, size_t len, void *arg)
{
    (void)addr;
    *(long *)arg += (long)(len / PG);
}

START_TEST(test_globals)
{
    char *g[2] = {glob_data, glob_bss};

    if (!usable(_i))
        return;
    for (int k = 0; k < 2; k++) {
        struct rmig_dirty_range r = {(uintptr_t)g[k], sizeof(glob_data)};
        struct rmig_dirty *t = NULL;
        long pages = 0;
        int ret;

        memset(g[k], 2, sizeof(glob_data)); /* populated, private copies */
        ret = rmig_dirty_start(_i, &r, 1, &t);
        if (_i == RMIG_DIRTY_UFFD_SYNC && g[k] == glob_data) {
            ck_assert_int_eq(ret, -EINVAL);
            continue;
        }
        ck_assert_int_eq(ret, 0);
        ck_assert_int_eq(rmig_dirty_collect(t, count_pages, &pages), 0);
        g[k][5 * PG] = g[k][63 * PG + 7] = 3;
        ck_assert_int_eq(rmig_dirty_collect(t, count_pages, &pages), 2);
        ck_assert_int_eq(pages, 2);
        rmig_dirty_stop(t);
    }
}
END_TEST

/* ---- unavailable backends ------------------------------------------------ */

/* 1 if /proc/config.gz says CONFIG_MEM_SOFT_DIRTY=y, 0 if it says it is
 * not set, -1 if it cannot tell. */
static int config_soft_dirty(void)
{
    FILE *z = access("/proc/config.gz", R_OK) == 0 ? popen("gzip -dc /proc/config.gz", "r") : NULL;
    char line[256];
    int ans = -1;

    if (z == NULL)
        return -1;
    while (ans < 0 && fgets(line, sizeof(line), z))
        if (strcmp(line, "CONFIG_MEM_SOFT_DIRTY=y\n") == 0)
            ans = 1;
        else if (strcmp(line, "# CONFIG_MEM_SOFT_DIRTY is not set\n") == 0)
            ans = 0;
    while (fgets(line, sizeof(line), z)) /* drain: gzip must not die of SIGPIPE */
        ;
    pclose(z);
    return ans;
}

/* A backend that does not work says why, and refuses to start. */
START_TEST(test_unavailable_says_so)
{
    char why[256];
    int ret = rmig_dirty_probe(_i, why, sizeof(why));
    struct rmig_dirty_range r;
    struct rmig_dirty *t = NULL;
    char *a = map_pages(1);

    r = (struct rmig_dirty_range){(uintptr_t)a, PG};
    if (_i == RMIG_DIRTY_SOFT && config_soft_dirty() >= 0)
        ck_assert_int_eq(ret == 0, config_soft_dirty());
    if (ret < 0) {
        ck_assert_msg(strlen(why) > 10, "no reason given: \"%s\"", why);
        ck_assert_int_eq(rmig_dirty_start(_i, &r, 1, &t), ret);
        ck_assert_ptr_null(t);
        fprintf(stderr, "test_rmig_dirty: %s unavailable here: %s\n", rmig_dirty_name(_i), why);
    } else {
        ck_assert_int_eq(rmig_dirty_start(_i, &r, 1, &t), 0);
        rmig_dirty_stop(t);
    }
    munmap(a, NPAGES * PG);
}
END_TEST

/* What an unprivileged process gets (run as nobody when we are root): with
 * vm.unprivileged_userfaultfd=0, uffd-sync must refuse (-EPERM, saying
 * why: user-mode faults only would break the rank's system calls) while
 * uffd-async, which needs no handler, works as it does for root. */
START_TEST(test_unprivileged)
{
    FILE *f = fopen("/proc/sys/vm/unprivileged_userfaultfd", "r");
    int knob = -1, async_root = usable(RMIG_DIRTY_UFFD_ASYNC), status;
    pid_t child;

    if (f) {
        if (fscanf(f, "%d", &knob) != 1)
            knob = -1;
        fclose(f);
    }
    if (geteuid() != 0 || knob != 0)
        return; /* nothing to drop to, or nothing refused: no claim here */
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        char why[256] = "";
        int sync, async;

        if (setgid(65534) < 0 || setuid(65534) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0)
            _exit(10);
        sync = rmig_dirty_probe(RMIG_DIRTY_UFFD_SYNC, why, sizeof(why));
        if (sync != -EPERM || strstr(why, "EFAULT") == NULL)
            _exit(11);
        async = rmig_dirty_probe(RMIG_DIRTY_UFFD_ASYNC, why, sizeof(why));
        _exit((async == 0) == async_root ? 0 : 12);
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "as nobody: exit %d (10 setuid, 11 sync not refused, 12 async differs)",
                  WEXITSTATUS(status));
}
END_TEST

START_TEST(test_bad_arguments)
{
    char *a = map_pages(0);
    struct rmig_dirty_range ok = {(uintptr_t)a, 4 * PG};
    struct rmig_dirty_range bad[][2] = {
        {{(uintptr_t)a + 1, PG}},                          /* unaligned address */
        {{(uintptr_t)a, PG + 1}},                          /* unaligned length */
        {{(uintptr_t)a, 0}},                               /* empty */
        {{(uintptr_t)a, 4 * PG}, {(uintptr_t)a + PG, PG}}, /* overlapping */
    };
    struct rmig_dirty *t = NULL;
    int k = rmig_dirty_pick(NULL, 0);

    ck_assert_int_ge(k, 0); /* this machine has at least one backend */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(rmig_dirty_start(k, bad[i], bad[i][1].len ? 2 : 1, &t), -EINVAL);
    ck_assert_int_eq(rmig_dirty_start(k, &ok, 0, &t), -EINVAL);
    ck_assert_int_eq(rmig_dirty_start(k, &ok, 65, &t), -EINVAL);
    ck_assert_int_eq(rmig_dirty_start(RMIG_DIRTY_KINDS, &ok, 1, &t), -EINVAL);
    ck_assert_int_eq(rmig_dirty_probe(RMIG_DIRTY_KINDS, NULL, 0), -EINVAL);
    ck_assert_ptr_null(rmig_dirty_name(RMIG_DIRTY_KINDS));
    ck_assert_ptr_null(t);
    ck_assert_int_eq(rmig_dirty_collect(NULL, note, NULL), -EINVAL);
    rmig_dirty_stop(NULL);
    munmap(a, NPAGES * PG);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rmig_dirty");
    TCase *tc = tcase_create("backends");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_unavailable_says_so, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_pattern_populated, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_pattern_unpopulated, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_released, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_thp, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_hammer, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_syscall_write, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_remote_write, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_remote_hammer, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_unmapped_fails, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_add_range, 0, RMIG_DIRTY_KINDS);
    tcase_add_loop_test(tc, test_globals, 0, RMIG_DIRTY_KINDS);
    tcase_add_test(tc, test_unprivileged);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
