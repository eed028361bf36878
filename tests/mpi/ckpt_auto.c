/* ckpt_auto.c: a job of fixed work that runs long enough to be checkpointed
 * from outside, periodically (tests/mpi/ckpt_auto.sh, mpiexec
 * --checkpoint-every).
 *
 * Usage: ckpt_auto ITERS PACE_MS [moves] [die=ITER]. Every iteration each rank sends a
 * rendezvous-sized patterned message around the ring and an eager one the
 * other way, verifies both bit for bit, folds their checksums into a
 * running checksum kept in a global (.data: it travels in the container),
 * keeps the last payload on a heap block allocated at start, and joins an
 * MPI_Allreduce of the checksums; then it sleeps PACE_MS milliseconds (in
 * 10 ms steps, so preemption and signals cut a step short, not the run).
 * With "moves", ranks move to any spare (MPIX_ANY_SPARE) while the job
 * runs: rank 0 and rank 1 at the same iteration, then each rank again, so
 * that periodic checkpoints are taken between and around moves. With
 * die=ITER, rank 1's cluster kills itself (SIGKILL) as iteration ITER
 * begins, which ends the job; a job restarted from a checkpoint taken
 * before ITER dies there again (restarts on failure are bounded). Rank 0
 * prints "ckpt_auto: ready" once every rank runs, then at the end one line
 * per rank with its checksums, recomputed serially and compared first, and
 * "ckpt_auto: OK ITERS iterations HEX" only if all match. The result lines
 * do not depend on where the ranks ran, on moves or on checkpoints: a job
 * restarted from any checkpoint prints the same lines as an uninterrupted
 * run.
 */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhelp_mpi.h"

#define BIG_LEN   (TEST_EAGER_LIMIT + 16384) /* above the eager limit: rendezvous */
#define SMALL_LEN 200                        /* eager */
#define SMALL_TAG 1000000

static uint64_t acc = TH_FNV_OFFSET; /* .data: in the container */
static uint64_t reduced;             /* .bss: the Allreduce results, folded */

/* What rank `rank` of `size` folds in at iteration `it`. */
static uint64_t fold(uint64_t h, int rank, int size, int it)
{
    int left = (rank + size - 1) % size, right = (rank + 1) % size;
    uint64_t c[2] = {th_pattern_checksum(BIG_LEN, left, rank, it),
                     th_pattern_checksum(SMALL_LEN, right, rank, it)};

    return th_fnv1a_update(h, c, sizeof(c));
}

/* One iteration: both messages, verified, folded. */
static void exchange(unsigned char *keep, int rank, int size, int it)
{
    static unsigned char out[BIG_LEN], small_out[SMALL_LEN], small_in[SMALL_LEN];
    int left = (rank + size - 1) % size, right = (rank + 1) % size;
    MPI_Request rq[2];
    MPI_Status st[2];
    long bad;

    th_pattern_fill(out, BIG_LEN, rank, right, it);
    th_pattern_fill(small_out, SMALL_LEN, rank, left, it);
    MPI_CHECK(
        MPI_Irecv(small_in, SMALL_LEN, MPI_BYTE, right, SMALL_TAG + it, MPI_COMM_WORLD, &rq[0]));
    MPI_CHECK(
        MPI_Isend(small_out, SMALL_LEN, MPI_BYTE, left, SMALL_TAG + it, MPI_COMM_WORLD, &rq[1]));
    MPI_CHECK(MPI_Sendrecv(out, BIG_LEN, MPI_BYTE, right, it, keep, BIG_LEN, MPI_BYTE, left, it,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    MPI_CHECK(MPI_Waitall(2, rq, st));
    bad = th_pattern_verify(keep, BIG_LEN, left, rank, it);
    CHECKF(bad < 0, "iteration %d: byte %ld from rank %d differs", it, bad, left);
    bad = th_pattern_verify(small_in, SMALL_LEN, right, rank, it);
    CHECKF(bad < 0, "iteration %d: eager byte %ld from rank %d differs", it, bad, right);
    acc = fold(acc, rank, size, it);
}

static void pace(int ms)
{
    for (int i = 0; i < ms; i += 10)
        usleep(10000);
}

/* With moves: ranks 0 and 1 at the same iteration, then every rank. */
static void maybe_move(int rank, int it, int iters)
{
    if ((rank < 2 && it == iters / 4) || it == iters / 2 + rank)
        MPI_CHECK(MPI_Migrateto(MPIX_ANY_SPARE));
}

/* Rank 0: every rank's checksum against the serial recomputation. */
static void report(int size, int iters)
{
    uint64_t got[2], all = TH_FNV_OFFSET;

    for (int r = 0; r < size; r++) {
        uint64_t want = TH_FNV_OFFSET;

        got[0] = acc;
        got[1] = reduced;
        if (r > 0)
            MPI_CHECK(MPI_Recv(got, 2, MPI_UINT64_T, r, 999, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        for (int it = 0; it < iters; it++)
            want = fold(want, r, size, it);
        CHECKF(got[0] == want, "rank %d checksum %016llx is wrong", r, (unsigned long long)got[0]);
        printf("ckpt_auto: rank %d %016llx %016llx\n", r, (unsigned long long)got[0],
               (unsigned long long)got[1]);
        all = th_fnv1a_update(all, got, sizeof(got));
    }
    printf("ckpt_auto: OK %d iterations %016llx\n", iters, (unsigned long long)all);
}

int main(int argc, char **argv)
{
    unsigned char *keep;
    int rank, size, iters, ms, moves = 0, die = -1;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(argc > 2, "usage: ckpt_auto ITERS PACE_MS [moves] [die=ITER]");
    iters = atoi(argv[1]);
    ms = atoi(argv[2]);
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "moves") == 0)
            moves = 1;
        else if (strncmp(argv[i], "die=", 4) == 0)
            die = atoi(argv[i] + 4);
        else
            CHECKF(0, "unknown argument '%s'", argv[i]);
    }
    keep = malloc(BIG_LEN);
    CHECKF(keep != NULL && iters > 0 && ms >= 0, "bad arguments or no memory");
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        printf("ckpt_auto: ready\n");
        fflush(stdout);
    }
    for (int it = 0; it < iters; it++) {
        uint64_t sum;

        if (it == die && rank == 1)
            raise(SIGKILL);
        if (moves)
            maybe_move(rank, it, iters);
        exchange(keep, rank, size, it);
        MPI_CHECK(MPI_Allreduce(&acc, &sum, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD));
        reduced = th_fnv1a_update(reduced, &sum, sizeof(sum));
        pace(ms);
    }
    if (rank == 0)
        report(size, iters);
    else
        MPI_CHECK(MPI_Send((uint64_t[2]){acc, reduced}, 2, MPI_UINT64_T, 0, 999, MPI_COMM_WORLD));
    free(keep);
    MPI_Finalize();
    return 0;
}
