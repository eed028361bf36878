/* preempt.c: ranks that compute outside MPI are moved in the middle of it.
 *
 * Usage: preempt MODE
 *   third    rank 1 asks (MPIX_Migrate) rank 0 to move to the first spare
 *            while rank 0 is in a loop that calls no MPI function that waits;
 *            rank 0 must find itself on the spare *inside* the loop. Rank 1
 *            has messages in flight to rank 0 meanwhile (posted receives,
 *            unexpected eager and rendezvous ones) and, given a second spare,
 *            moves too before they complete; every payload and the order
 *            are checked.
 *   outside  rank 0 prints "preempt: computing" and loops until it has
 *            moved (the test script runs mpimigrate), at most 60 s.
 *   hold     rank 0 runs a user reduction that computes for 1 s; rank 2
 *            asks rank 0 to move 0.2 s into it. The rank must not move
 *            inside the reduction (MPI is half-way through the collective),
 *            and must have moved by the barrier after it.
 *   sleep    rank 0 computes, then sleeps 5 times 0.2 s: no sleep may be
 *            cut short by the preemption signal.
 *   off      as third, with NMPI_PREEMPT_MS=0 set by the script: the rank
 *            must NOT move inside the loop, only at the next MPI wait.
 *
 * The loop (work) updates arrays in the globals, the heap and the stack and
 * a floating-point sum; afterwards the same loop is run again with no move
 * pending and both digests must agree bit for bit.
 */
#include <errno.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK     (1 << 18)
#define MAX_CHUNK 20000 /* about a minute at the slowest */
#define WORDS     4096

static uint64_t global_words[WORDS];

static void die(const char *msg)
{
    fprintf(stderr, "preempt: FAIL: %s\n", msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static int cluster_self(void)
{
    int c;

    MPIX_Cluster_self(&c); /* does not wait: not a safe point */
    return c;
}

struct work_result {
    uint64_t digest;
    int chunks;
    int moved_at; /* chunk at which the rank found itself elsewhere, -1 */
};

/* Runs `chunks` chunks (or, if chunks < 0, until the rank moved and then
 * 16 more), returning a digest of everything it touched. */
static struct work_result work(int chunks)
{
    uint64_t stack_words[WORDS], *heap_words = malloc(WORDS * sizeof(uint64_t));
    uint64_t x = 0x9E3779B97F4A7C15ULL, digest = 0;
    double sum = 0.0;
    int start = cluster_self(), c, i, limit = chunks < 0 ? MAX_CHUNK : chunks;
    struct work_result res = {0, 0, -1};

    if (heap_words == NULL)
        die("malloc");
    memset(stack_words, 0, sizeof(stack_words));
    memset(heap_words, 0, WORDS * sizeof(uint64_t));
    memset(global_words, 0, sizeof(global_words));
    for (c = 0; c < limit; c++) {
        for (i = 0; i < CHUNK; i++) {
            unsigned w = (unsigned)(x >> 52) % WORDS;

            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            stack_words[w] ^= x;
            heap_words[(w * 7) % WORDS] += x >> 7;
            global_words[(w * 13) % WORDS] ^= x << 3;
            sum += 1.0 / ((double)(c * CHUNK + i) + 1.0);
        }
        if (res.moved_at < 0 && cluster_self() != start) {
            res.moved_at = c;
            if (chunks < 0)
                limit = c + 17;
        }
    }
    for (i = 0; i < WORDS; i++)
        digest =
            (digest ^ stack_words[i] ^ heap_words[i] * 3 ^ global_words[i] * 5) * 0x100000001B3ULL;
    memcpy(&x, &sum, sizeof(x));
    res.digest = digest ^ x;
    res.chunks = limit;
    free(heap_words);
    return res;
}

/* The moved run against a second run of the same length. */
static void check_same(const struct work_result *moved)
{
    struct work_result again = work(moved->chunks);

    if (again.digest != moved->digest)
        die("the loop's digest differs from a run without a move");
}

static int first_spare(void)
{
    int size;

    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size; /* clusters 0..size-1 hold the ranks at start */
}

/* Messages in flight from rank 1 to rank 0 while rank 0 computes and is
 * moved: two receives rank 0 posted before the loop (a rendezvous-sized and
 * an eager one), and, unexpected at rank 0, FLOOD eager messages in order
 * plus one rendezvous-sized one. Every byte depends on (tag, index). */
#define BIG   (1 << 20)
#define SMALL 1000
#define FLOOD 16

static void pattern(unsigned char *p, size_t n, int tag)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 131 + (size_t)tag * 7 + (i >> 11));
}

static void expect_pattern(const unsigned char *p, size_t n, int tag)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 131 + (size_t)tag * 7 + (i >> 11)))
            die("a message in flight during the move arrived damaged or out of order");
}

struct traffic {
    unsigned char *big, *small;
    MPI_Request req[2 + FLOOD + 1];
    int nreq;
};

static void traffic_post_receives(struct traffic *t)
{
    t->big = malloc(BIG);
    t->small = malloc(SMALL);
    if (t->big == NULL || t->small == NULL)
        die("malloc");
    MPI_Irecv(t->big, BIG, MPI_BYTE, 1, 10, MPI_COMM_WORLD, &t->req[0]);
    MPI_Irecv(t->small, SMALL, MPI_BYTE, 1, 11, MPI_COMM_WORLD, &t->req[1]);
}

static void traffic_send(struct traffic *t)
{
    t->big = malloc((size_t)BIG + (size_t)(FLOOD + 1) * SMALL);
    t->small = malloc(SMALL);
    if (t->big == NULL || t->small == NULL)
        die("malloc");
    pattern(t->big, BIG, 10);
    pattern(t->small, SMALL, 11);
    MPI_Isend(t->big, BIG, MPI_BYTE, 0, 10, MPI_COMM_WORLD, &t->req[0]);
    MPI_Isend(t->small, SMALL, MPI_BYTE, 0, 11, MPI_COMM_WORLD, &t->req[1]);
    t->nreq = 2;
    for (int k = 0; k < FLOOD; k++) { /* one tag: order must hold */
        unsigned char *m = t->big + BIG + (size_t)k * SMALL;

        pattern(m, SMALL, 100 + k);
        MPI_Isend(m, SMALL, MPI_BYTE, 0, 12, MPI_COMM_WORLD, &t->req[t->nreq++]);
    }
    MPI_Isend(t->big, BIG / 4, MPI_BYTE, 0, 13, MPI_COMM_WORLD, &t->req[t->nreq++]);
}

static void traffic_finish(struct traffic *t, int rank)
{
    MPI_Status st[2 + FLOOD + 1]; /* MPI_STATUSES_IGNORE trips gcc's array-size check */

    if (rank == 0) {
        MPI_Waitall(2, t->req, st);
        expect_pattern(t->big, BIG, 10);
        expect_pattern(t->small, SMALL, 11);
        for (int k = 0; k < FLOOD; k++) {
            MPI_Recv(t->small, SMALL, MPI_BYTE, 1, 12, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            expect_pattern(t->small, SMALL, 100 + k);
        }
        MPI_Recv(t->big, BIG / 4, MPI_BYTE, 1, 13, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        expect_pattern(t->big, BIG / 4, 10);
    } else {
        MPI_Waitall(t->nreq, t->req, st);
    }
    free(t->big);
    free(t->small);
}

/* Rank 1 puts the traffic in flight, asks for rank 0 to move and, with a
 * second spare, moves itself too, its sends still pending; rank 0 is in its
 * loop all the while. */
static void mode_third(int rank, int want_move)
{
    struct traffic t = {0};
    int spares;

    MPIX_Spare_count(&spares);
    if (rank == 1) {
        MPI_Recv(NULL, 0, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        traffic_send(&t);
        if (MPIX_Migrate(0, first_spare(), MPI_COMM_WORLD) != MPI_SUCCESS)
            die("MPIX_Migrate refused");
        if (spares >= 2 && MPI_Migrateto(first_spare() + 1) != MPI_SUCCESS)
            die("rank 1 could not move with its sends in flight");
    }
    if (rank == 0) {
        struct work_result r;

        traffic_post_receives(&t);
        MPI_Send(NULL, 0, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
        r = work(want_move ? -1 : 400);
        if (want_move && r.moved_at < 0)
            die("the rank did not move inside the loop");
        if (!want_move && r.moved_at >= 0)
            die("the rank moved inside the loop with preemption off");
        check_same(&r);
        printf("preempt: loop of %d chunks, moved at chunk %d, now on cluster %d, digest ok\n",
               r.chunks, r.moved_at, cluster_self());
    }
    /* With preemption off the move happens in this wait: rank 0 waits in
     * MPI_Recv for 0.2 s (a call that completes at once is no safe point). */
    if (rank == 1) {
        struct timespec ts = {0, 200000000L};

        MPI_Recv(NULL, 0, MPI_BYTE, 0, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        nanosleep(&ts, NULL);
        MPI_Send(NULL, 0, MPI_BYTE, 0, 3, MPI_COMM_WORLD);
    } else if (rank == 0) {
        MPI_Send(NULL, 0, MPI_BYTE, 1, 2, MPI_COMM_WORLD);
        MPI_Recv(NULL, 0, MPI_BYTE, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    if (rank == 0 && cluster_self() != first_spare())
        die("rank 0 is not on the spare after the barrier");
    traffic_finish(&t, rank);
    if (rank == 1 && spares >= 2 && cluster_self() != first_spare() + 1)
        die("rank 1 is not on the second spare");
}

static void mode_outside(int rank)
{
    if (rank == 0) {
        struct work_result r;

        printf("preempt: computing on cluster %d\n", cluster_self());
        fflush(stdout);
        r = work(-1);
        if (r.moved_at < 0)
            die("no move reached the loop");
        check_same(&r);
        printf("preempt: moved at chunk %d to cluster %d, digest ok\n", r.moved_at, cluster_self());
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

static double op_entry = 1e300, op_exit; /* first entry, last exit */
static int op_calls, op_moved_inside;

/* A sum that takes a second of the application's own code. */
static void slow_sum(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    double t0 = MPI_Wtime();
    int cluster_in = cluster_self();
    volatile uint64_t spin = 0;

    (void)dt;
    op_entry = t0 < op_entry ? t0 : op_entry;
    while (MPI_Wtime() - t0 < 1.0)
        for (int k = 0; k < 100000; k++)
            spin += (uint64_t)k;
    for (int i = 0; i < *len; i++)
        ((long *)inout)[i] += ((long *)in)[i];
    op_calls++;
    op_moved_inside |= cluster_self() != cluster_in;
    op_exit = MPI_Wtime();
}

static void mode_hold(int rank, int size)
{
    long mine = rank + 1, total = 0;
    double asked = 0.0;
    MPI_Request req;
    MPI_Op op;

    MPI_Op_create(slow_sum, 1, &op);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 2) {
        /* Rank 2 is a leaf of the reduction: its part leaves at once, and
         * the ask comes 0.2 s into rank 0's first 1 s reduction. */
        struct timespec ts = {0, 200000000L};

        MPI_Ireduce(&mine, &total, 1, MPI_LONG, op, 0, MPI_COMM_WORLD, &req);
        nanosleep(&ts, NULL);
        asked = MPI_Wtime();
        if (MPIX_Migrate(0, first_spare(), MPI_COMM_WORLD) != MPI_SUCCESS)
            die("MPIX_Migrate refused");
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    } else { /* a nonblocking collective only matches its own kind */
        MPI_Ireduce(&mine, &total, 1, MPI_LONG, op, 0, MPI_COMM_WORLD, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* rank 0 moves here at the latest */
    MPI_Bcast(&asked, 1, MPI_DOUBLE, 2, MPI_COMM_WORLD);
    if (rank == 0) {
        if (total != (long)size * (size + 1) / 2)
            die("wrong reduction result");
        if (op_calls == 0 || op_moved_inside)
            die(op_calls ? "the rank moved inside the user reduction" : "the reduction never ran");
        /* MPI_Wtime is CLOCK_MONOTONIC, one clock for the clusters of a host. */
        if (!(op_entry < asked && asked < op_exit)) {
            fprintf(stderr, "preempt: ask at %.3f, reductions %.3f..%.3f\n", asked, op_entry,
                    op_exit);
            die("the ask did not come while rank 0 reduced: the test proves nothing");
        }
        if (cluster_self() != first_spare())
            die("the rank did not move after the reduction");
        printf("preempt: %d reductions, no move inside; rank 0 then moved to cluster %d\n",
               op_calls, cluster_self());
    }
    MPI_Op_free(&op);
}

static void mode_sleep(int rank)
{
    if (rank == 0) {
        struct work_result r = work(100);

        for (int i = 0; i < 5; i++) {
            struct timespec ts = {0, 200000000L}, rest;

            if (nanosleep(&ts, &rest) != 0)
                die(errno == EINTR ? "a sleep was interrupted" : "nanosleep failed");
            r = work(20);
        }
        (void)r;
        printf("preempt: 5 sleeps, none interrupted\n");
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv)
{
    int rank, size;
    const char *mode = argc > 1 ? argv[1] : "";

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (strcmp(mode, "third") == 0 && size >= 2)
        mode_third(rank, 1);
    else if (strcmp(mode, "off") == 0 && size >= 2)
        mode_third(rank, 0);
    else if (strcmp(mode, "outside") == 0)
        mode_outside(rank);
    else if (strcmp(mode, "hold") == 0 && size >= 3)
        mode_hold(rank, size);
    else if (strcmp(mode, "sleep") == 0)
        mode_sleep(rank);
    else
        die("usage: preempt third|off|outside|hold|sleep (third/off need 2 ranks, hold 3)");
    if (rank == 0)
        printf("preempt: OK %s\n", mode);
    MPI_Finalize();
    return 0;
}
