/* spares.c: run with `mpiexec -n N --spares K`; spare clusters run no rank.
 *
 * Usage: spares N. Checks MPI_COMM_WORLD has exactly N ranks, that an
 * allreduce over them works, and prints one "spares: rank R of N" line per
 * rank; the test script counts those lines (exactly N, although N + K
 * processes were started).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

int main(int argc, char **argv)
{
    int rank, size, want = argc > 1 ? atoi(argv[1]) : 3, sum = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size == want, "MPI_Comm_size is %d, want %d (spares must not be ranks)", size, want);
    MPI_CHECK(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    CHECKF(sum == size * (size - 1) / 2, "sum of ranks %d", sum);
    printf("spares: rank %d of %d\n", rank, size);
    fflush(stdout);
    MPI_Finalize();
    return 0;
}
