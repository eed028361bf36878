/* hello.c: every rank says hello, naming the cluster that hosts it when the
 * library is nanvix-mpi. Usage: mpiexec -n 4 examples/hello */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, len;
    char name[MPI_MAX_PROCESSOR_NAME];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(name, &len);
#ifdef NANVIX_MPI
    int cluster = -1;
    MPIX_Cluster_self(&cluster);
    printf("hello from rank %d of %d on %s, cluster %d\n", rank, size, name, cluster);
#else
    printf("hello from rank %d of %d on %s\n", rank, size, name);
#endif
    MPI_Finalize();
    return 0;
}
