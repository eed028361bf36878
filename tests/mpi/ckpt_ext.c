/* ckpt_ext.c: a job checkpointed from outside (mpimigrate --checkpoint) while it works.
 *
 * Usage: ckpt_ext MODE GATE [ITERS]. MODE "traffic": ITERS iterations (300
 * by default) in which every rank sends every other rank a payload (eager,
 * or rendezvous on every fifth pair and iteration), all receives posted
 * before the sends and completed in one Waitall, then an Allreduce and a
 * Bcast from a rotating root; ranks move to any spare on their own
 * (MPI_Migrateto(MPIX_ANY_SPARE)) at staggered iterations, and two at once
 * every 24 iterations, so moves are in flight whenever the checkpoint is
 * asked. Rank 0 sleeps 10 ms per iteration, so the others wait in MPI for
 * it (safe points) and the job runs for seconds. MODE "compute": the same
 * traffic for a few iterations, then rank 2 computes without any MPI call
 * until the file GATE.compute exists, then the same traffic again. MODE
 * "final": 30 iterations of traffic, then ranks 0-2 enter MPI_Finalize
 * while rank 3 sleeps outside MPI until the file GATE exists (a
 * checkpoint asked then must be declined, not hang the job).
 *
 * Every received payload is checked against what its sender must have
 * sent, and hashed in receive order, per iteration. After the loop rank 0
 * waits (in MPI_Bcast, polling every 20 ms) until the file GATE exists:
 * "go" ends the job normally; "die" kills rank 0's cluster (SIGKILL), the
 * way a job is lost after its checkpoint. Then rank 0 prints every rank's
 * hash of every iteration and the count of bad payloads: the results,
 * which an uninterrupted run and one restarted from a checkpoint taken at
 * any moment print bit for bit. Lines starting with '#' (progress: ready,
 * loop done, computing, compute done; moves) are not results.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#define MAX_ITERS 2000
#define SMALL     96
#define LARGE     40000 /* above the eager limit: rendezvous */
#define VEC       64

static int rank, size, iters, mode_compute, mode_final;
static uint64_t sums[MAX_ITERS]; /* .bss: this rank's hash per iteration */
static long bad_payloads;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static size_t payload_len(int it, int from, int to)
{
    return (it + from * 3 + to) % 5 == 0 ? LARGE : SMALL + (size_t)((it + from + to) % 7);
}

static void payload_fill(unsigned char *b, size_t n, int it, int from, int to)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(it * 31 + from * 7 + to * 13 + i * 5 + (i >> 8));
}

/* One iteration's all-pairs exchange: every payload checked and hashed in
 * the order of the senders. */
static uint64_t exchange(int it, uint64_t h)
{
    static unsigned char out[4][LARGE], in[4][LARGE], want[LARGE];
    MPI_Request req[8];
    MPI_Status st[8];
    int n = 0;

    for (int p = 0; p < size; p++)
        if (p != rank)
            MPI_Irecv(in[p], (int)payload_len(it, p, rank), MPI_BYTE, p, it, MPI_COMM_WORLD,
                      &req[n++]);
    for (int p = 0; p < size; p++)
        if (p != rank) {
            payload_fill(out[p], payload_len(it, rank, p), it, rank, p);
            MPI_Isend(out[p], (int)payload_len(it, rank, p), MPI_BYTE, p, it, MPI_COMM_WORLD,
                      &req[n++]);
        }
    MPI_Waitall(n, req, st);
    for (int p = 0; p < size; p++) {
        size_t len = payload_len(it, p, rank);

        if (p == rank)
            continue;
        payload_fill(want, len, it, p, rank);
        bad_payloads += memcmp(want, in[p], len) != 0;
        h = mix(h, in[p], len);
    }
    return h;
}

/* The collectives of an iteration, hashed. */
static uint64_t collectives(int it, uint64_t h)
{
    long v[VEC], r[VEC];
    int root = it % size, b = rank == root ? it * 1000 + rank : -1;

    for (int i = 0; i < VEC; i++)
        v[i] = (long)it * 100003 + rank * 977 + i;
    MPI_Allreduce(v, r, VEC, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MPI_Bcast(&b, 1, MPI_INT, root, MPI_COMM_WORLD);
    h = mix(h, r, sizeof(r));
    return mix(h, &b, sizeof(b));
}

/* Staggered moves, and two ranks at once every 24 iterations. */
static void maybe_move(int it)
{
    int moving = it % 6 == (rank % 5) + 1 || (it % 24 == 12 && (rank == 1 || rank == 2));

    if (moving && MPI_Migrateto(MPIX_ANY_SPARE) != MPI_SUCCESS)
        printf("# rank %d: move at iteration %d refused\n", rank, it);
}

/* Rank 2 in MODE compute: no MPI call until GATE.compute exists. */
static void compute(const char *gate)
{
    char path[4096];
    volatile uint64_t x = 1;

    snprintf(path, sizeof(path), "%s.compute", gate);
    printf("# computing\n");
    fflush(stdout);
    while (access(path, F_OK) != 0)
        for (long i = 0; i < 20000000; i++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    printf("# compute done\n");
    fflush(stdout);
}

/* MODE final: ranks 0-2 finalize while rank 3 sleeps outside MPI. */
static int finalize_apart(const char *gate)
{
    if (rank == 3)
        while (access(gate, F_OK) != 0)
            usleep(20000);
    if (rank == 0) {
        printf("# finalizing\n");
        fflush(stdout);
    }
    MPI_Finalize();
    if (rank == 0)
        printf("ckpt_ext: finalized\n");
    return 0;
}

/* Rank 0 reads GATE until it says go or die; everyone learns it. */
static int gate_wait(const char *gate)
{
    int verdict = 0;

    while (verdict == 0) {
        if (rank == 0) {
            FILE *f = fopen(gate, "r");
            char word[8] = "";

            if (f != NULL) {
                if (fscanf(f, "%7s", word) == 1)
                    verdict = strcmp(word, "die") == 0 ? 2 : strcmp(word, "go") == 0 ? 1 : 0;
                fclose(f);
            }
            if (verdict == 0)
                usleep(20000);
        }
        MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    return verdict;
}

static void report(void)
{
    static uint64_t all[4 * MAX_ITERS]; /* rank r's at r * iters */
    long bad = 0;

    MPI_Gather(sums, iters, MPI_UINT64_T, all, iters, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Reduce(&bad_payloads, &bad, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank != 0)
        return;
    for (int r = 0; r < size; r++)
        for (int it = 0; it < iters; it++)
            printf("ckpt_ext: rank %d iteration %d %016llx\n", r, it,
                   (unsigned long long)all[r * iters + it]);
    printf("ckpt_ext: bad payloads %ld\n", bad);
    printf("ckpt_ext: OK %d ranks %d iterations\n", size, iters);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "traffic") != 0 && strcmp(argv[1], "compute") != 0 &&
                     strcmp(argv[1], "final") != 0)) {
        fprintf(stderr, "usage: ckpt_ext traffic|compute|final GATE [ITERS]\n");
        return 2;
    }
    mode_compute = strcmp(argv[1], "compute") == 0;
    mode_final = strcmp(argv[1], "final") == 0;
    iters = argc > 3 ? atoi(argv[3]) : mode_final ? 30 : 300;
    if (iters < 30 || iters > MAX_ITERS)
        return 2;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 4)
        MPI_Abort(MPI_COMM_WORLD, 2);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); /* refused moves */
    for (int it = 0; it < iters; it++) {
        if (rank == 0 && it == 5) {
            printf("# ready\n");
            fflush(stdout);
        }
        if (mode_compute && it == 10 && rank == 2)
            compute(argv[2]);
        if (!mode_compute && !mode_final)
            maybe_move(it);
        sums[it] = collectives(it, exchange(it, 0xcbf29ce484222325ULL));
        if (rank == 0 && !mode_compute && !mode_final)
            usleep(10000);
    }
    if (mode_final)
        return finalize_apart(argv[2]);
    if (rank == 0) {
        printf("# loop done\n");
        fflush(stdout);
    }
    if (gate_wait(argv[2]) == 2)
        kill(getpid(), SIGKILL); /* the job is lost after its checkpoint */
    report();
    MPI_Finalize();
    return 0;
}
