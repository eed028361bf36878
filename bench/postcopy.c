/* postcopy.c: what post-copy's page placement costs (rank-migrate/
 * rmig_postcopy_fault.h), before it is joined into a move.
 *
 * For each size (MiB; default 16 256), a "source" mapping with a pattern
 * and a watched "destination" mapping (4 KiB pages):
 * - touch: a first touch of an ordinary anonymous page (the kernel's own
 *   fault), per page, the baseline;
 * - pull (local): pages touched in random order while the fetch copies from
 *   the source mapping: the rank's wait per touch that faulted (median and
 *   99th percentile, us), i.e. the userfaultfd round trip and the handler;
 * - pull (socket): the same with each pull sent as a rmig_pull over a
 *   socketpair to a server thread answering with rmig_postcopy_serve (a
 *   wire with the real encoding, no network);
 * - push: the whole mapping placed by rmig_postcopy_fault_push in 64 KiB
 *   and 1 MiB runs, no fault: pages/s and MiB/s.
 * Every run is checked bit for bit against the source (else exit 1).
 * Usage: postcopy [size_MiB ...].
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rmig_postcopy_fault.h"
#include "rmig_postcopy_serve.h"

#define PG      4096UL
#define JOB     0x7eb0c0deULL
#define TOUCHES 4096 /* random touches timed per run */

static uint8_t *src, *dst;
static size_t npages;
static int sock[2];
static struct rmig_postcopy_server server;
static uint8_t *answer;
static uint64_t seq;

static uint64_t now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint8_t *map_pages(size_t n)
{
    uint8_t *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    madvise(p, n * PG, MADV_NOHUGEPAGE);
    return p;
}

static int fetch_local(uintptr_t addr, size_t len, void *buf, void *arg)
{
    (void)arg;
    memcpy(buf, src + (addr - (uintptr_t)dst), len);
    return 0;
}

static int locate(uintptr_t addr, size_t len, const void **bytes_p, void *arg)
{
    (void)arg;
    if (addr < (uintptr_t)dst || addr + len > (uintptr_t)dst + npages * PG)
        return -EINVAL;
    *bytes_p = src + (addr - (uintptr_t)dst);
    return 0;
}

static int send_answer(const struct rmig_pull *a, const void *bytes, size_t len, void *arg)
{
    struct iovec iov[2] = {{(void *)a, sizeof(*a)}, {(void *)bytes, len}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = bytes ? 2 : 1};

    (void)arg;
    return sendmsg(sock[1], &m, 0) < 0 ? -errno : 0;
}

static void *serve_loop(void *arg)
{
    struct rmig_pull q;
    ssize_t n;

    (void)arg;
    while ((n = recv(sock[1], &q, sizeof(q) + 1, 0)) > 0)
        rmig_postcopy_serve(&server, &q, (size_t)n);
    return NULL;
}

static int fetch_socket(uintptr_t addr, size_t len, void *buf, void *arg)
{
    struct rmig_pull q;
    const void *bytes;
    ssize_t n;

    (void)arg;
    rmig_pull_fill(&q, JOB, 0, addr, (uint32_t)len, ++seq);
    if (send(sock[0], &q, sizeof(q), MSG_NOSIGNAL) < 0)
        return -EHOSTDOWN;
    n = recv(sock[0], answer, sizeof(q) + RMIG_PULL_MAX, 0);
    if (n <= 0 || rmig_pull_answer_decode(answer, (size_t)n, &q, &bytes) != RMIG_PULL_BYTES)
        return -EHOSTDOWN;
    memcpy(buf, bytes, len);
    return 0;
}

static void lost(uintptr_t addr, int err, void *arg)
{
    (void)arg;
    fprintf(stderr, "postcopy: lost page %#lx: %s\n", (unsigned long)addr, strerror(-err));
    exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static struct rmig_postcopy_fault *start(rmig_postcopy_fetch_fn fetch, unsigned around)
{
    struct rmig_postcopy_range r = {(uintptr_t)dst, npages * PG};
    struct rmig_postcopy_ops ops = {fetch, lost, NULL, around};
    struct rmig_postcopy_fault *f;
    int ret = rmig_postcopy_fault_start(&r, 1, &ops, &f);

    if (ret < 0) {
        fprintf(stderr, "postcopy: start: %s\n", strerror(-ret));
        exit(1);
    }
    return f;
}

static void check_equal(const char *what)
{
    if (memcmp(src, dst, npages * PG) != 0) {
        fprintf(stderr, "postcopy: %s: the copy differs from the source\n", what);
        exit(1);
    }
}

/* TOUCHES touches, at random pages or one after the other: the waits of
 * the ones that faulted (> 1.5 us). */
static void pull_run(const char *name, rmig_postcopy_fetch_fn fetch, unsigned around, int seq)
{
    static uint64_t w[TOUCHES];
    struct rmig_postcopy_fault *f = start(fetch, around);
    uint64_t t_all = now_ns();
    struct rmig_postcopy_stats st;
    unsigned seed = 42;
    size_t n = 0;

    for (int k = 0; k < TOUCHES; k++) {
        size_t i = seq ? (size_t)k % npages : (size_t)rand_r(&seed) % npages;
        uint64_t t0 = now_ns();
        volatile uint8_t v = dst[i * PG + 7];
        uint64_t dt = now_ns() - t0;

        (void)v;
        if (dt > 1500)
            w[n++] = dt;
    }
    t_all = now_ns() - t_all;
    rmig_postcopy_fault_stats(f, &st);
    for (size_t a = 0; a < npages * PG; a += 256 * PG) {
        size_t len = npages * PG - a < 256 * PG ? npages * PG - a : 256 * PG;

        rmig_postcopy_fault_push(f, (uintptr_t)dst + a, src + a, len);
    }
    check_equal(name);
    qsort(w, n, sizeof(w[0]), cmp_u64);
    printf("%-14s %-6s around %3u %5zu MiB %5llu faults %5.1f pages/fault  wait median %7.1f "
           "us p99 %7.1f us  handler %6.1f us/fault  loop %6.2f us/page pulled\n",
           name, seq ? "seq" : "random", around, npages * PG >> 20, (unsigned long long)st.faults,
           (double)st.pulled / (double)(st.faults ? st.faults : 1), n ? w[n / 2] / 1e3 : 0.0,
           n ? w[n * 99 / 100] / 1e3 : 0.0,
           st.blocked_ns / 1e3 / (double)(st.faults ? st.faults : 1),
           t_all / 1e3 / (double)(st.pulled ? st.pulled : 1));
    rmig_postcopy_fault_stop(f);
    madvise(dst, npages * PG, MADV_DONTNEED);
}

static void push_run(size_t chunk)
{
    struct rmig_postcopy_fault *f = start(fetch_local, 0);
    uint64_t t0 = now_ns(), dt;

    for (size_t a = 0; a < npages * PG; a += chunk) {
        size_t len = npages * PG - a < chunk ? npages * PG - a : chunk;

        if (rmig_postcopy_fault_push(f, (uintptr_t)dst + a, src + a, len) < 0) {
            fprintf(stderr, "postcopy: push failed\n");
            exit(1);
        }
    }
    dt = now_ns() - t0;
    check_equal("push");
    printf("push %4zu KiB   %6zu MiB  %9.0f pages/s  %7.0f MiB/s\n", chunk >> 10, npages * PG >> 20,
           npages / (dt / 1e9), (npages * PG >> 20) / (dt / 1e9));
    rmig_postcopy_fault_stop(f);
    madvise(dst, npages * PG, MADV_DONTNEED);
}

static void touch_run(void)
{
    uint64_t t0 = now_ns(), dt;

    for (size_t i = 0; i < npages; i++)
        dst[i * PG] = 1;
    dt = now_ns() - t0;
    printf("first touch    %6zu MiB  %7.2f us per page (the kernel's own fault)\n",
           npages * PG >> 20, dt / 1e3 / (double)npages);
    madvise(dst, npages * PG, MADV_DONTNEED);
}

int main(int argc, char **argv)
{
    const char *dflt[] = {"16", "256"};
    int nsizes = argc > 1 ? argc - 1 : 2;
    pthread_t th;

    answer = malloc(sizeof(struct rmig_pull) + RMIG_PULL_MAX);
    for (int s = 0; s < nsizes; s++) {
        npages = (size_t)atol(argc > 1 ? argv[s + 1] : dflt[s]) << 20 >> 12;
        src = map_pages(npages);
        dst = map_pages(npages);
        for (size_t i = 0; i < npages * PG; i += 8)
            *(uint64_t *)(src + i) = i * 0x9e3779b97f4a7c15ULL;
        touch_run();
        for (unsigned around = 1; around <= 64; around *= 8) {
            pull_run("pull (local)", fetch_local, around, 0);
            pull_run("pull (local)", fetch_local, around, 1);
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock) < 0)
            return 1;
        server =
            (struct rmig_postcopy_server){JOB, 0, locate, send_answer, NULL, NULL, 0, 0, 0, 0, 0};
        pthread_create(&th, NULL, serve_loop, NULL);
        pull_run("pull (socket)", fetch_socket, 1, 0);
        pull_run("pull (socket)", fetch_socket, 8, 0);
        pull_run("pull (socket)", fetch_socket, 8, 1);
        shutdown(sock[1], SHUT_RDWR);
        pthread_join(th, NULL);
        close(sock[0]);
        close(sock[1]);
        push_run(64 << 10);
        push_run(1 << 20);
        munmap(src, npages * PG);
        munmap(dst, npages * PG);
    }
    free(answer);
    return 0;
}
