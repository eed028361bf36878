/* oversub.c: a ring plus an allreduce, in a loop, meant to run with more
 * ranks than cores (8 ranks on 2 cores). A library whose waits spin without
 * yielding makes this crawl; the test script fails it if it takes longer
 * than its time budget.
 *
 * Usage: oversub [iterations]   (default 200). Prints the elapsed time.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

int main(int argc, char **argv)
{
    int rank, size, iters = argc > 1 ? atoi(argv[1]) : 200;
    double t0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    t0 = MPI_Wtime();
    for (int it = 0; it < iters; it++) {
        long token = it, sum = 0, got = -1;

        /* ring: every rank passes its neighbour a value it can check */
        MPI_CHECK(MPI_Sendrecv(&token, 1, MPI_LONG, right, 1, &got, 1, MPI_LONG, left, 1,
                               MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECKF(got == it, "iteration %d: ring got %ld", it, got);
        long mine = rank + it;
        MPI_CHECK(MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD));
        CHECKF(sum == (long)size * (size - 1) / 2 + (long)size * it, "iteration %d: sum %ld", it,
               sum);
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("oversub: OK %d ranks %d iterations %.2f s\n", size, iters, MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
