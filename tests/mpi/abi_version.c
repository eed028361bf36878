/* abi_version.c: prints MPI_Get_library_version and does a little MPI.
 *
 * Built by MPICH's own mpicc (not ours) by abi.sh, then run once on our
 * library and once on MPICH's: one binary, two libraries. Uses no helper
 * library and no extension, only MPICH's mpi.h. Rank 0 prints the version
 * string (first line only) after an allreduce and a ring have been checked.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    char version[MPI_MAX_LIBRARY_VERSION_STRING + 1] = "";
    int rank, size, len = 0, sum = 0, got = -1, major = 0, minor = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_library_version(version, &len);
    MPI_Get_version(&major, &minor);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Sendrecv(&rank, 1, MPI_INT, (rank + 1) % size, 0, &got, 1, MPI_INT,
                 (rank + size - 1) % size, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (sum != size * (size - 1) / 2 || got != (rank + size - 1) % size) {
        fprintf(stderr, "abi_version: rank %d: wrong results (sum %d, got %d)\n", rank, sum, got);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (rank == 0) {
        version[strcspn(version, "\n")] = '\0';
        printf("%s\n", version);
        printf("abi_version: OK MPI %d.%d, %d ranks\n", major, minor, size);
    }
    MPI_Finalize();
    return 0;
}
