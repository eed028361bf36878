/* mpimigrate_job.c: a job for tests/mpi/mpimigrate.sh to move ranks of from outside.
 *
 * Usage: mpimigrate_job STOPFILE [MAXSECONDS [idle]]. Ranks exchange patterned
 * messages around a ring (a rendezvous-sized one each iteration) and fold
 * everything they receive into a running checksum kept in a global, with the
 * send buffer on the heap allocated before any move: both travel in the
 * container. Every receive is verified bit for bit against the pattern.
 * Rank 0 prints "mpimigrate_job: ready" once all ranks run, and ends the
 * loop when STOPFILE exists (or after MAXSECONDS, default 50, so a lost
 * script cannot leave the job running). With "idle" each rank prints
 * "mpimigrate_job: rank R idle" and calls no MPI until STOPFILE exists: a
 * move request then waits unanswered. Any rank prints "mpimigrate_job:
 * rank R on cluster C" whenever it finds itself on another cluster, and at
 * the end "mpimigrate_job: rank R made M moves" (MPIX_Migration_stats).
 * Rank 0 then recomputes every rank's checksum serially for the agreed
 * number of iterations and prints "mpimigrate_job: OK <iterations>
 * iterations <checksum>" only if all match.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhelp_mpi.h"

#define MSG_LEN (TEST_EAGER_LIMIT + 16384) /* above the eager limit: rendezvous through portals */

static uint64_t acc = TH_FNV_OFFSET; /* .data: in the container */

/* The checksum rank `rank` of `size` holds after `iters` iterations. */
static uint64_t expected_acc(int rank, int size, int iters)
{
    uint64_t h = TH_FNV_OFFSET;
    int from = (rank + size - 1) % size, i;

    for (i = 0; i < iters; i++) {
        uint64_t c = th_pattern_checksum(MSG_LEN, from, rank, i);
        h = th_fnv1a_update(h, &c, sizeof(c));
    }
    return h;
}

/* One ring step: send to the right, receive from the left, verify, fold. */
static void ring_step(unsigned char *out, unsigned char *in, int rank, int size, int iter)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    uint64_t c;
    long bad;

    th_pattern_fill(out, MSG_LEN, rank, right, iter);
    MPI_CHECK(MPI_Sendrecv(out, MSG_LEN, MPI_BYTE, right, iter, in, MSG_LEN, MPI_BYTE, left, iter,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    bad = th_pattern_verify(in, MSG_LEN, left, rank, iter);
    CHECKF(bad < 0, "iteration %d: byte %ld from rank %d differs", iter, bad, left);
    c = th_fnv1a(in, MSG_LEN);
    acc = th_fnv1a_update(acc, &c, sizeof(c));
}

/* Rank 0: all checksums against the serial recomputation. */
static void check_all(int size, int iters)
{
    uint64_t got, all = TH_FNV_OFFSET;
    int r;

    for (r = 0; r < size; r++) {
        got = acc;
        if (r > 0)
            MPI_CHECK(MPI_Recv(&got, 1, MPI_UINT64_T, r, 999, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECKF(got == expected_acc(r, size, iters), "rank %d checksum %016llx is wrong", r,
               (unsigned long long)got);
        all = th_fnv1a_update(all, &got, sizeof(got));
    }
    printf("mpimigrate_job: OK %d iterations %016llx\n", iters, (unsigned long long)all);
}

int main(int argc, char **argv)
{
    unsigned char *out, *in;
    int rank, size, iter, stop = 0, here = -1, now, moves;
    long long bytes;
    double times[5];
    double t0, limit = argc > 2 ? atof(argv[2]) : 50.0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(argc > 1, "usage: mpimigrate_job STOPFILE [MAXSECONDS]");
    out = malloc(MSG_LEN);
    in = malloc(MSG_LEN);
    CHECKF(out != NULL && in != NULL, "malloc");
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    t0 = MPI_Wtime();
    if (rank == 0) {
        printf("mpimigrate_job: ready\n");
        fflush(stdout);
    }
    /* "idle" mode: stay out of MPI until STOPFILE exists (a request for a
     * move waits meanwhile), then do one round. */
    if (argc > 3 && strcmp(argv[3], "idle") == 0) {
        printf("mpimigrate_job: rank %d idle\n", rank);
        fflush(stdout);
        while (access(argv[1], F_OK) != 0 && MPI_Wtime() - t0 < limit)
            usleep(10000);
    }
    for (iter = 0; !stop; iter++) {
        MPIX_Cluster_self(&now);
        if (now != here) {
            printf("mpimigrate_job: rank %d on cluster %d\n", rank, now);
            fflush(stdout);
            here = now;
        }
        ring_step(out, in, rank, size, iter);
        if (rank == 0)
            stop = access(argv[1], F_OK) == 0 || MPI_Wtime() - t0 > limit;
        MPI_CHECK(MPI_Bcast(&stop, 1, MPI_INT, 0, MPI_COMM_WORLD));
    }
    MPI_CHECK(MPIX_Migration_stats(times, &bytes, &moves));
    printf("mpimigrate_job: rank %d made %d moves\n", rank, moves);
    if (rank == 0)
        check_all(size, iter);
    else
        MPI_CHECK(MPI_Send(&acc, 1, MPI_UINT64_T, 0, 999, MPI_COMM_WORLD));
    free(out);
    free(in);
    MPI_Finalize();
    return 0;
}
