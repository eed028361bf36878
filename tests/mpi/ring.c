/* ring.c: a token goes around all ranks several times; its value and a
 * payload (pattern-checked, sizes crossing the eager limit) are verified at
 * every hop.
 *
 * Usage: ring [laps]   (default 10). Rank r adds r + 1 to the token, so after
 * lap l rank 0 must see l * size * (size + 1) / 2. Needs at least 2 ranks.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

/* Payload size of lap l: alternates small, around the eager limit, large. */
static size_t lap_size(int lap)
{
    size_t e = th_eager_limit();
    size_t sizes[] = {0, 1, 100, e - 1, e, e + 1, 65536};

    return sizes[lap % (int)(sizeof(sizes) / sizeof(sizes[0]))];
}

/* Passes the token and payload of one lap; returns the token rank 0 gets. */
static long one_lap(int rank, int size, int lap, long token, char *buf)
{
    int left = (rank + size - 1) % size, right = (rank + 1) % size;
    size_t n = lap_size(lap);
    MPI_Status st;
    int count;

    if (rank != 0) {
        MPI_CHECK(MPI_Recv(&token, 1, MPI_LONG, left, 1, MPI_COMM_WORLD, &st));
        MPI_CHECK(MPI_Recv(buf, (int)n, MPI_BYTE, left, 2, MPI_COMM_WORLD, &st));
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        CHECKF((size_t)count == n, "lap %d got %d bytes, want %zu", lap, count, n);
        CHECK_PATTERN(buf, n, 0, 0, lap);
    } else {
        th_pattern_fill(buf, n, 0, 0, lap);
    }
    token += rank + 1;
    MPI_CHECK(MPI_Send(&token, 1, MPI_LONG, right, 1, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Send(buf, (int)n, MPI_BYTE, right, 2, MPI_COMM_WORLD));
    if (rank == 0) {
        MPI_CHECK(MPI_Recv(&token, 1, MPI_LONG, left, 1, MPI_COMM_WORLD, &st));
        MPI_CHECK(MPI_Recv(buf, (int)n, MPI_BYTE, left, 2, MPI_COMM_WORLD, &st));
        CHECK_PATTERN(buf, n, 0, 0, lap);
    }
    return token;
}

int main(int argc, char **argv)
{
    int rank, size, laps = argc > 1 ? atoi(argv[1]) : 10;
    long token = 0;
    char *buf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2, "ring needs at least 2 ranks, got %d", size);
    buf = malloc(65536);
    CHECK(buf != NULL);
    for (int lap = 1; lap <= laps; lap++) {
        token = one_lap(rank, size, lap, token, buf);
        if (rank == 0)
            CHECKF(token == (long)lap * size * (size + 1) / 2, "lap %d token %ld", lap, token);
    }
    free(buf);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("ring: OK %d ranks %d laps token %ld\n", size, laps, token);
    MPI_Finalize();
    return 0;
}
