/* lost.c: the job carries on when a cluster without a rank is lost.
 *
 * Usage: lost ROUNDS GOFILE. Rank 0 prints "lost: ready" and the ranks wait
 * (MPI_Allreduce every 50 ms) until GOFILE exists - meanwhile the test
 * script kills a cluster. Then, each round, rank (round mod size) moves to
 * MPIX_ANY_SPARE and every rank checks an allreduce of its rank and a
 * pattern held in its heap. A move that fails must fail promptly (under
 * LOST_MAX_MOVE_S, default 3 s: no wait for NMPI_MIGRATE_TIMEOUT) and leave
 * the rank where it was; the script says how many may fail. Prints one line
 * per move ("lost: round R rank K: moved A -> B" or "... failed on A: ...")
 * and "lost: OK <moves> moved <failures> failed".
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testhelp_mpi.h"

#define PATTERN_WORDS 4096

int main(int argc, char **argv)
{
    int rank, size, rounds = argc > 1 ? atoi(argv[1]) : 8, moved = 0, failed = 0;
    const char *go = argc > 2 ? argv[2] : "-";
    const char *max_env = getenv("LOST_MAX_MOVE_S");
    double max_s = max_env != NULL ? atof(max_env) : 3.0;
    unsigned *pattern = malloc(sizeof(unsigned) * PATTERN_WORDS);

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK(pattern != NULL);
    for (int i = 0; i < PATTERN_WORDS; i++)
        pattern[i] = (unsigned)(rank * 2654435761u + (unsigned)i);
    if (rank == 0) {
        printf("lost: ready\n");
        fflush(stdout);
    }
    for (;;) {
        int here = go[0] == '-' || access(go, F_OK) == 0, all = 0;

        MPI_CHECK(MPI_Allreduce(&here, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
        if (all)
            break;
        usleep(50000);
    }
    for (int round = 0; round < rounds; round++) {
        int sum = 0;

        if (rank == round % size) {
            int from = -1, to = -1, err;
            char text[MPI_MAX_ERROR_STRING];
            int len = 0;
            double t0 = MPI_Wtime(), dt;

            MPIX_Cluster_self(&from);
            err = MPI_Migrateto(MPIX_ANY_SPARE);
            dt = MPI_Wtime() - t0;
            MPIX_Cluster_self(&to);
            if (err == MPI_SUCCESS) {
                moved++;
                printf("lost: round %d rank %d: moved %d -> %d in %.3f s\n", round, rank, from, to,
                       dt);
            } else {
                failed++;
                MPI_Error_string(err, text, &len);
                printf("lost: round %d rank %d: move failed on %d in %.3f s: %s\n", round, rank,
                       from, dt, text);
                CHECKF(to == from, "a failed move left the rank on cluster %d, not %d", to, from);
            }
            fflush(stdout);
            CHECKF(dt < max_s, "the move took %.3f s (limit %.1f s)", dt, max_s);
        }
        for (int i = 0; i < PATTERN_WORDS; i++)
            CHECKF(pattern[i] == (unsigned)(rank * 2654435761u + (unsigned)i),
                   "heap word %d changed after round %d", i, round);
        MPI_CHECK(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
        CHECKF(sum == size * (size - 1) / 2, "round %d: sum of ranks %d", round, sum);
    }
    int totals[2] = {moved, failed}, all[2];
    MPI_CHECK(MPI_Reduce(totals, all, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD));
    if (rank == 0)
        printf("lost: OK %d moved %d failed\n", all[0], all[1]);
    free(pattern);
    MPI_Finalize();
    return 0;
}
