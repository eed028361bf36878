/* abi_migrate.c: a program built with MPICH's own mpicc whose rank moves.
 *
 * MPI_Migrateto is not in MPICH's mpi.h or library, so the program looks it
 * up at run time (dlsym): the same binary runs on MPICH (no migration) and on
 * nanvix-mpi (rank 0 moves to the first spare cluster, then the ring checks
 * the token).
 */
#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int (*migrateto)(int);
    int rank, size, token = 0, moved = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    *(void **)&migrateto = dlsym(RTLD_DEFAULT, "MPI_Migrateto");
    if (rank == 0 && migrateto != NULL)
        moved = migrateto(size) == MPI_SUCCESS; /* cluster `size` is the first spare */
    if (rank == 0) {
        token = 1;
        MPI_Send(&token, 1, MPI_INT, 1 % size, 0, MPI_COMM_WORLD);
        MPI_Recv(&token, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("abi_migrate: moved=%d token=%d %s\n", moved, token, token == size ? "OK" : "WRONG");
    } else {
        MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        token++;
        MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 0, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
