/* fort_mpix.c: the Fortran bindings of our extensions (MPI_Migrateto,
 * MPIX_Migrate, MPIX_Cluster_self, MPIX_Cluster_count, MPIX_Spare_count,
 * MPIX_Migration_stats), in the mpif.h style.
 *
 * Like every binding of libmpichfort, each is a subroutine named in lower
 * case with gfortran's trailing underscore, taking every argument by
 * reference and the error code last (IERROR); handles are MPICH's ints, so
 * a Fortran communicator is the C one. include/mpix.h declares them and
 * MPIX_ANY_SPARE for Fortran programs (`include 'mpix.h'`), which our
 * mpif90 puts on the include path. Being plain C, they need no Fortran
 * compiler to build and fit every Fortran compiler that uses this
 * convention (gfortran, and others with -fsecond-underscore off).
 */
#include <mpi.h>

#pragma GCC visibility push(default)
void mpi_migrateto_(const MPI_Fint *cluster, MPI_Fint *ierror);
void mpix_migrate_(const MPI_Fint *rank, const MPI_Fint *cluster, const MPI_Fint *comm,
                   MPI_Fint *ierror);
void mpix_cluster_self_(MPI_Fint *cluster, MPI_Fint *ierror);
void mpix_cluster_count_(MPI_Fint *n, MPI_Fint *ierror);
void mpix_spare_count_(MPI_Fint *n, MPI_Fint *ierror);
void mpix_migration_stats_(double times[5], long long *bytes, MPI_Fint *moves, MPI_Fint *ierror);
#pragma GCC visibility pop

void mpi_migrateto_(const MPI_Fint *cluster, MPI_Fint *ierror)
{
    *ierror = MPI_Migrateto(*cluster);
}

void mpix_migrate_(const MPI_Fint *rank, const MPI_Fint *cluster, const MPI_Fint *comm,
                   MPI_Fint *ierror)
{
    *ierror = MPIX_Migrate(*rank, *cluster, MPI_Comm_f2c(*comm));
}

/* The outputs are written only on success, as for every MPI call. */
void mpix_cluster_self_(MPI_Fint *cluster, MPI_Fint *ierror)
{
    int c = 0;

    *ierror = MPIX_Cluster_self(&c);
    if (*ierror == MPI_SUCCESS)
        *cluster = c;
}

void mpix_cluster_count_(MPI_Fint *n, MPI_Fint *ierror)
{
    int v = 0;

    *ierror = MPIX_Cluster_count(&v);
    if (*ierror == MPI_SUCCESS)
        *n = v;
}

void mpix_spare_count_(MPI_Fint *n, MPI_Fint *ierror)
{
    int v = 0;

    *ierror = MPIX_Spare_count(&v);
    if (*ierror == MPI_SUCCESS)
        *n = v;
}

void mpix_migration_stats_(double times[5], long long *bytes, MPI_Fint *moves, MPI_Fint *ierror)
{
    int m = 0;

    *ierror = MPIX_Migration_stats(times, bytes, &m);
    if (*ierror == MPI_SUCCESS)
        *moves = m;
}
