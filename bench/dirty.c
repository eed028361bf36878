/* dirty.c: what tracking written pages costs, per backend (rank-migrate/rmig_dirty.h).
 *
 * For mappings of 16 MiB, 256 MiB and 1 GiB (4 KiB pages, populated):
 * - arm: rmig_dirty_start (probe of the backend included, given apart);
 * - collect with 0%, 1%, 10%, 100% of the pages written since the last
 *   one (every 100th, 10th, every page), the fastest of REPS runs;
 * - first write: one pass writing a word in every page right after a
 *   collect (each page takes its one protection fault) against the same
 *   pass untracked, per page: what a write costs the rank once per round;
 * - sweep: a writer thread storing one word per page across the mapping,
 *   round and round, for LOOP_MS while this thread collects every 10 ms
 *   (pre-copy's rounds): the share of its page rate lost against the same
 *   loop untracked. The worst case: every page faults once per round;
 * - 1%/10ms: the rank of issue 15's benchmark, a writer storing into 1% of
 *   the pages (evenly spread) every 10 ms, collected every 10 ms: the
 *   extra time its bursts take tracked, as a share of the run time.
 * A backend that does not work here gets one line with the probe's reason.
 *
 * Then a pre-copy rehearsal per size and backend, memcpy into a shadow
 * buffer standing in for the transport: a writer stores into 1% of the
 * pages every 10 ms (the same pages: "hot"; or the next 1% each time, so
 * that every page is rewritten each second: "moving"); round 0 copies
 * everything, each further round collects and copies what was written,
 * until a round copies at most 1% of the pages or no fewer than the one
 * before (or 30 rounds); then the writer is paused right after its next
 * burst (a rank stopped at its next MPI call), and the last collect and
 * copy are the downtime. The shadow must equal the memory bit for bit
 * (else the run fails): the tracker lost no write.
 * Usage: dirty [size_MiB ...] (default 16 256 1024).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "rmig_dirty.h"

#define PG      4096UL
#define REPS    3
#define LOOP_MS 1000

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void drop(uintptr_t addr, size_t len, void *arg)
{
    (void)addr;
    *(size_t *)arg += len;
}

/* Writes one word in every `step`-th page of the n pages at p. */
static void dirty_every(volatile char *p, size_t n, size_t step, char v)
{
    for (size_t i = 0; i < n; i += step)
        p[i * PG] = v;
}

static double collect_ms(struct rmig_dirty *t)
{
    size_t bytes = 0;
    double t0 = now_s();

    if (rmig_dirty_collect(t, drop, &bytes) < 0) {
        fprintf(stderr, "dirty: collect failed\n");
        exit(1);
    }
    return (now_s() - t0) * 1e3;
}

/* Fastest collect over REPS, after writing every step-th page (0: none). */
static double collect_after(struct rmig_dirty *t, char *p, size_t n, size_t step)
{
    double best = 1e30;

    for (int r = 0; r < REPS; r++) {
        if (step)
            dirty_every(p, n, step, (char)r);
        double ms = collect_ms(t);
        best = ms < best ? ms : best;
    }
    return best;
}

/* Fastest single pass writing every page, after a collect if t. */
static double pass_s(struct rmig_dirty *t, char *p, size_t n)
{
    double best = 1e30;

    for (int r = 0; r < REPS; r++) {
        if (t)
            collect_ms(t);
        double t0 = now_s();
        dirty_every(p, n, 1, (char)(r + 7));
        double s = now_s() - t0;
        best = s < best ? s : best;
    }
    return best;
}

struct sweep {
    char *p;
    size_t n;
    volatile int stop;
    unsigned long pages;
};

static void *sweeper(void *arg)
{
    struct sweep *w = arg;

    for (size_t i = 0; !w->stop; i = (i + 1) % w->n, w->pages++)
        ((volatile char *)w->p)[i * PG] = (char)i;
    return NULL;
}

/* Stores into every 100th page each 10 ms for LOOP_MS; w->pages gets the
 * time spent storing, in ns. */
static void *burster(void *arg)
{
    struct sweep *w = arg;
    double busy = 0;

    for (int b = 0; !w->stop; b++) {
        double t0 = now_s();

        dirty_every(w->p, w->n, 100, (char)b);
        busy += now_s() - t0;
        usleep(10000);
    }
    w->pages = (unsigned long)(busy * 1e9);
    return NULL;
}

/* Runs writer for LOOP_MS, collecting every 10 ms if t; returns its
 * count divided by the elapsed seconds. */
static double sweep_rate(struct rmig_dirty *t, char *p, size_t n, void *(*writer)(void *))
{
    struct sweep w = {p, n, 0, 0};
    pthread_t th;
    double t0 = now_s(), el;

    pthread_create(&th, NULL, writer, &w);
    while ((el = now_s() - t0) < LOOP_MS * 1e-3) {
        usleep(10000);
        if (t)
            collect_ms(t);
    }
    w.stop = 1;
    pthread_join(th, NULL);
    return (double)w.pages / el;
}

/* ---- pre-copy rehearsal ---------------------------------------------------- */

struct rehearsal {
    char *p, *shadow;
    size_t n;
    int moving;
    volatile int pause, paused, stop;
};

static void *rehearsal_writer(void *arg)
{
    struct rehearsal *w = arg;

    for (size_t b = 0; !w->stop; b++) {
        for (size_t i = w->moving ? b % 100 : 0; i < w->n; i += 100)
            w->p[i * PG] = (char)b;
        if (w->pause) { /* freeze right after a burst: the stop round has it */
            w->paused = 1;
            while (w->pause && !w->stop)
                usleep(100);
            w->paused = 0;
        }
        usleep(10000);
    }
    return NULL;
}

static void rehearsal_copy(uintptr_t addr, size_t len, void *arg)
{
    struct rehearsal *w = arg;

    memcpy(w->shadow + (addr - (uintptr_t)w->p), (void *)addr, len);
}

/* Rounds until the dirty set is small or stops shrinking; prints one line. */
static void rehearse(int kind, size_t mib, int moving)
{
    struct rehearsal w = {.n = mib * 256, .moving = moving};
    size_t len = w.n * PG;
    struct rmig_dirty_range r;
    struct rmig_dirty *t = NULL;
    pthread_t th;
    long pages, prev = (long)w.n, sent = (long)w.n;
    int rounds = 0;
    double t0, down;

    w.p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    w.shadow = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(w.p, len, MADV_NOHUGEPAGE);
    dirty_every(w.p, w.n, 1, 1);
    r = (struct rmig_dirty_range){(uintptr_t)w.p, len};
    pthread_create(&th, NULL, rehearsal_writer, &w);
    t0 = now_s();
    if (rmig_dirty_start(kind, &r, 1, &t) < 0) {
        w.stop = 1;
        pthread_join(th, NULL);
        munmap(w.p, len);
        munmap(w.shadow, len);
        return;
    }
    memcpy(w.shadow, w.p, len); /* round 0 */
    do {
        pages = rmig_dirty_collect(t, rehearsal_copy, &w);
        sent += pages;
        rounds++;
    } while (pages > (long)w.n / 100 && pages < prev && rounds < 30 && (prev = pages, 1));
    w.pause = 1;
    while (!w.paused)
        usleep(50);
    down = now_s();
    pages = rmig_dirty_collect(t, rehearsal_copy, &w);
    down = (now_s() - down) * 1e3;
    sent += pages;
    printf("%-10s %6zu %-7s %6d %9.1f %9.2f %9.2f %9.1f %s\n", rmig_dirty_name(kind), mib,
           moving ? "moving" : "hot", rounds, (double)sent * PG / (1 << 20),
           (double)pages * PG / (1 << 20), down, (now_s() - t0) * 1e3,
           memcmp(w.shadow, w.p, len) == 0 ? "same" : "DIFFERS");
    fflush(stdout);
    w.stop = 1;
    pthread_join(th, NULL);
    rmig_dirty_stop(t);
    munmap(w.p, len);
    munmap(w.shadow, len);
}

static void bench_one(int kind, size_t mib)
{
    size_t n = mib * 256, len = n * PG;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct rmig_dirty_range r = {(uintptr_t)p, len};
    struct rmig_dirty *t = NULL;
    struct rmig_dirty_stats st;
    char why[256];
    double probe, arm, c[4], plain, tracked, rate0, rate1, busy0, busy1;

    madvise(p, len, MADV_NOHUGEPAGE);
    dirty_every(p, n, 1, 1);
    probe = now_s();
    rmig_dirty_probe(kind, why, sizeof(why));
    probe = (now_s() - probe) * 1e3;
    arm = now_s();
    if (rmig_dirty_start(kind, &r, 1, &t) < 0) {
        printf("%-10s %6zu  unavailable: %s\n", rmig_dirty_name(kind), mib, why);
        munmap(p, len);
        return;
    }
    arm = (now_s() - arm) * 1e3;
    c[0] = collect_after(t, p, n, 0);
    c[1] = collect_after(t, p, n, 100);
    c[2] = collect_after(t, p, n, 10);
    c[3] = collect_after(t, p, n, 1);
    tracked = pass_s(t, p, n);
    rate1 = sweep_rate(t, p, n, sweeper);
    busy1 = sweep_rate(t, p, n, burster);
    rmig_dirty_stats(t, &st);
    rmig_dirty_stop(t);
    plain = pass_s(NULL, p, n);
    rate0 = sweep_rate(NULL, p, n, sweeper);
    busy0 = sweep_rate(NULL, p, n, burster);
    printf("%-10s %6zu %7.2f %8.2f %8.3f %8.3f %8.3f %8.3f %8.2f %8.3f %7.1f%% %7.2f%% %9llu\n",
           rmig_dirty_name(kind), mib, probe, arm, c[0], c[1], c[2], c[3],
           (tracked - plain) / (double)n * 1e6, plain / (double)n * 1e6,
           (1.0 - rate1 / rate0) * 100.0, (busy1 - busy0) / 1e9 * 100.0,
           (unsigned long long)st.faults);
    fflush(stdout);
    munmap(p, len);
}

int main(int argc, char **argv)
{
    size_t sizes[8] = {16, 256, 1024};
    int ns = 3;

    if (argc > 1)
        for (ns = 0; ns < argc - 1 && ns < 8; ns++)
            sizes[ns] = strtoul(argv[ns + 1], NULL, 0);
    printf("# rmig_dirty backends: times in ms unless said; arm = rmig_dirty_start, its probe"
           " (given apart) included;\n# collN%% = collect after N%% of the pages were written,"
           " fastest of %d;\n",
           REPS);
    printf("# fault = extra us per page for the first write after a collect (plain = untracked"
           " write, us/page);\n# sweep = page rate lost by a thread storing a word per page"
           " round and round, collected every 10 ms;\n# 1%%/10ms = extra run time of a thread"
           " writing 1%% of the pages every 10 ms, collected every 10 ms;\n# faults ="
           " handler-thread faults (uffd-sync) over the whole run.\n");
    printf("%-10s %6s %7s %8s %8s %8s %8s %8s %8s %8s %8s %8s %9s\n", "backend", "MiB", "probe",
           "arm", "coll0%", "coll1%", "coll10%", "coll100%", "fault", "plain", "sweep", "1%/10ms",
           "faults");
    for (int s = 0; s < ns; s++)
        for (int k = 0; k < RMIG_DIRTY_KINDS; k++)
            bench_one(k, sizes[s]);
    printf("\n# pre-copy rehearsal (memcpy as transport): writer stores into 1%% of the pages"
           " every 10 ms;\n# rounds after round 0; sent = MiB copied in all; last = MiB of the"
           " stop round;\n# down = its collect + copy (ms); total ms; check = shadow against"
           " memory.\n");
    printf("%-10s %6s %-7s %6s %9s %9s %9s %9s %s\n", "backend", "MiB", "writer", "rounds", "sent",
           "last", "down", "total", "check");
    for (int s = 0; s < ns; s++)
        for (int k = 0; k < RMIG_DIRTY_KINDS; k++)
            for (int moving = 0; moving < 2; moving++)
                rehearse(k, sizes[s], moving);
    return 0;
}
