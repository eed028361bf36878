/* precopy.c: a rank that keeps writing its heap while it is moved (issue 15,
 * benchmark: pre-copy against stop-and-copy).
 *
 * Rank 1 (the mover) holds HEAP MiB of heap in which every 4 KiB page is a
 * pattern of (page, generation, rank), the generations in a second block.
 * It computes in steps of 10 ms in its own code; each step first rewrites
 * RATE% of its pages per 10 ms (0 writes none; see write_step): with writer
 * "moving" (the default) the pages are one in every 100/RATE, a sweep that
 * goes on where the last step stopped, so successive steps write different
 * pages (the dirty set between two rounds grows with the round's length);
 * with writer "hot" every step writes the same pages. When the writes
 * cannot keep up (10% of 1 GiB per 10 ms is 10 GB/s), the rate the rank
 * managed is measured and printed beside the one asked.
 * Rank 0 asks the mover to move (MPIX_Migrate to MPIX_ANY_SPARE: the move
 * starts at a preemption tick of the computing loop, and with
 * NMPI_MIGRATION_MODE=precopy the rank goes on writing during the rounds)
 * MOVES times, SETTLE ms after the mover said it was writing. The mover,
 * once it sees its cluster change, checks every page of its heap bit for bit
 * against the generations (and its globals and a stack array), then tells
 * rank 0, which prints one line per move:
 *
 *   move <i> <heap bytes> <rate asked %> <rate achieved %> <steps> <check ms> ok
 *
 * (achieved: percent of the pages written per 10 ms, from the mover's "I
 * am writing" message to the step that saw it moved: the settling time,
 * the rounds and, for a stop-and-copy move, the pause). The move's own
 * figures are in its report line (NMPI_MIGRATION_REPORT=1, on stderr):
 * bench/run-precopy.sh joins them in order. A wrong page aborts the job.
 *
 * Usage: precopy [-m moves] [-s settle_ms] [-w moving|hot] HEAP_MIB RATE
 * Run: tools/mpiexec -n 2 --spares 1 bench/precopy -m 3 256 1
 */
#define _GNU_SOURCE
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE_WORDS 512 /* 4 KiB pages of 64-bit words */
#define GLOBALS    4096
#define STEP_S     0.01 /* a step of the writer: 10 ms */
#define MOVE_MAX_S 300  /* a move not seen after this long is a failure */

static int rank;
static uint64_t g_counter;        /* globals: pages written, also counted on the stack */
static uint64_t g_table[GLOBALS]; /* globals: a fixed pattern */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Ends the job with a message: a wrong heap must never pass quietly. */
static void die(const char *what)
{
    fprintf(stderr, "precopy: rank %d: %s\n", rank, what);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

static uint64_t word(size_t page, uint32_t gen, size_t w)
{
    return (page * 0x9E3779B97F4A7C15ULL ^ (uint64_t)gen * 0xC2B2AE3D27D4EB4FULL) +
           w * 0x165667B19E3779F9ULL + (uint64_t)rank;
}

static void write_page(uint64_t *heap, uint32_t *gen, size_t p)
{
    gen[p]++;
    for (size_t w = 0; w < PAGE_WORDS; w++)
        heap[p * PAGE_WORDS + w] = word(p, gen[p], w);
}

struct writer {
    uint64_t *heap;
    uint32_t *gen;
    size_t pages;
    double rate;   /* percent of the pages per 10 ms */
    size_t stride; /* the pages are written one in every stride... */
    size_t off;    /* ...starting at off, */
    size_t next;   /* the next one to write being next */
    int sliding;   /* 0: every step starts again at page 0 (a hot set) */
    double last;   /* when the last step began */
};

/* One step: RATE% of the pages rewritten for every 10 ms since the last
 * step began (a step that was preempted, or whose writes took longer than
 * 10 ms, catches up, by up to 3 steps' worth: the rate holds in wall-clock
 * time while the CPU allows it), then computing until the step has lasted
 * 10 ms (in the program's own code, where a preemption tick may take the
 * rank away). The pages go in stride order: with a sliding writer, one in
 * every 100/RATE from page off, and when that sweep reaches the end, again
 * from off + 1: a step writes other pages than the step before, and every
 * page is written once per 100/RATE steps; a hot writer that catches up
 * writes its set again (its dirty set stays RATE% of the pages). Returns the
 * pages written. */
static size_t write_step(struct writer *wr)
{
    double start = now(), end = start + STEP_S, steps = (start - wr->last) / STEP_S;
    volatile uint64_t x = 1;
    size_t n = 0, want;

    steps = steps < 1 ? 1 : steps > 3 ? 3 : steps;
    want = (size_t)((double)wr->pages * wr->rate / 100 * steps + 0.5);
    wr->last = start;
    if (!wr->sliding)
        wr->off = wr->next = 0;
    for (; n < want && wr->stride > 0; n++) {
        write_page(wr->heap, wr->gen, wr->next);
        wr->next += wr->stride;
        if (wr->next >= wr->pages) /* a hot set is written again, a sweep goes on */
            wr->next = wr->off = wr->sliding ? (wr->off + 1) % wr->stride : 0;
    }
    g_counter += n;
    while (now() < end)
        for (int i = 0; i < 10000; i++)
            x = x * 6364136223846793005ULL + 1;
    return n;
}

static void check_memory(const struct writer *wr, const uint64_t *stack, uint64_t counted, int move)
{
    char msg[160];

    for (size_t p = 0; p < wr->pages; p++)
        for (size_t w = 0; w < PAGE_WORDS; w++)
            if (wr->heap[p * PAGE_WORDS + w] != word(p, wr->gen[p], w)) {
                snprintf(msg, sizeof(msg), "move %d: heap page %zu word %zu differs", move, p, w);
                die(msg);
            }
    for (size_t i = 0; i < GLOBALS; i++)
        if (g_table[i] != i * 3 + (uint64_t)rank) {
            snprintf(msg, sizeof(msg), "move %d: global %zu differs", move, i);
            die(msg);
        }
    if (g_counter != counted) {
        snprintf(msg, sizeof(msg), "move %d: global counter %llu, the stack says %llu", move,
                 (unsigned long long)g_counter, (unsigned long long)counted);
        die(msg);
    }
    for (size_t i = 0; i < 256; i++)
        if (stack[i] != i * 7 + (uint64_t)rank) {
            snprintf(msg, sizeof(msg), "move %d: stack word %zu differs", move, i);
            die(msg);
        }
}

/* The mover's report of one move to rank 0. */
struct moved {
    double achieved; /* percent of the pages written per 10 ms */
    double check_ms;
    double steps;
};

static void mover(size_t mib, double rate, int sliding, int moves)
{
    struct writer wr = {0};
    uint64_t stack[256], counted = 0;

    wr.pages = (mib << 20) / (PAGE_WORDS * 8);
    /* Page aligned: a pattern page is one page of the kernel's, so RATE% of
     * the pattern pages is RATE% of the heap's pages (malloc's block starts
     * 16 bytes into its mapping, and each pattern page would touch two). */
    if (posix_memalign((void **)&wr.heap, 4096, mib << 20) != 0)
        wr.heap = NULL;
    wr.gen = calloc(wr.pages, sizeof(*wr.gen));
    wr.sliding = sliding;
    wr.rate = rate;
    wr.last = now();
    wr.stride = rate > 0 ? (size_t)(100.0 / rate + 0.5) : 0;
    if (wr.stride == 0 && rate > 0)
        wr.stride = 1;
    if (wr.heap == NULL || wr.gen == NULL)
        die("malloc of the heap");
    for (size_t p = 0; p < wr.pages; p++)
        for (size_t w = 0; w < PAGE_WORDS; w++)
            wr.heap[p * PAGE_WORDS + w] = word(p, 0, w);
    for (size_t i = 0; i < 256; i++)
        stack[i] = i * 7 + (uint64_t)rank;
    for (int move = 0; move < moves; move++) {
        struct moved m = {0};
        int c0, c1;
        size_t written = 0, steps = 0;
        double t0, t1;

        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPIX_Cluster_self(&c0);
        MPI_Send(&c0, 1, MPI_INT, 0, 30, MPI_COMM_WORLD);
        t0 = now();
        do { /* writing until moved */
            written += write_step(&wr);
            steps++;
            MPIX_Cluster_self(&c1);
            if (now() - t0 > MOVE_MAX_S)
                die("never moved");
        } while (c1 == c0);
        t1 = now();
        counted += written;
        for (int i = 0; i < 3; i++) { /* writes where it is now */
            size_t n = write_step(&wr);

            counted += n;
        }
        m.steps = (double)steps;
        m.achieved = 100.0 * (double)written / (double)wr.pages / ((t1 - t0) / STEP_S);
        t0 = now();
        check_memory(&wr, stack, counted, move);
        m.check_ms = 1e3 * (now() - t0);
        MPI_Send(&m, 3, MPI_DOUBLE, 0, 31, MPI_COMM_WORLD);
    }
    free(wr.heap);
    free(wr.gen);
}

static void asker(size_t mib, double rate, int moves, int settle_ms)
{
    for (int move = 0; move < moves; move++) {
        struct moved m;
        int c;

        MPI_Recv(&c, 1, MPI_INT, 1, 30, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        usleep((useconds_t)settle_ms * 1000);
        if (MPIX_Migrate(1, MPIX_ANY_SPARE, MPI_COMM_WORLD) != MPI_SUCCESS)
            die("MPIX_Migrate refused");
        MPI_Recv(&m, 3, MPI_DOUBLE, 1, 31, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("move %d %zu %g %.3f %.0f %.1f ok\n", move, mib << 20, rate, m.achieved, m.steps,
               m.check_ms);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    int moves = 3, settle_ms = 500, sliding = 1, opt, size;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    while ((opt = getopt(argc, argv, "m:s:w:")) != -1) {
        if (opt == 'm')
            moves = atoi(optarg);
        else if (opt == 's')
            settle_ms = atoi(optarg);
        else if (opt == 'w' && (strcmp(optarg, "moving") == 0 || strcmp(optarg, "hot") == 0))
            sliding = strcmp(optarg, "moving") == 0;
        else
            die("usage: precopy [-m moves] [-s settle_ms] [-w moving|hot] HEAP_MIB RATE");
    }
    if (argc - optind != 2 || size < 2 || moves < 1 || settle_ms < 0)
        die("usage: precopy [-m moves] [-s settle_ms] [-w moving|hot] HEAP_MIB RATE "
            "(2 ranks and a spare)");
    size_t mib = (size_t)atol(argv[optind]);
    double rate = atof(argv[optind + 1]);

    if (mib < 1 || rate < 0 || rate > 100)
        die("HEAP_MIB >= 1, 0 <= RATE <= 100");
    for (size_t i = 0; i < GLOBALS; i++)
        g_table[i] = i * 3 + (uint64_t)rank;
    if (rank == 0)
        asker(mib, rate, moves, settle_ms);
    else if (rank == 1)
        mover(mib, rate, sliding, moves);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
