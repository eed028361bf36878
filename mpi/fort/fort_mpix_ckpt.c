/* fort_mpix_ckpt.c: the Fortran bindings of the checkpoint and cost-model
 * extensions (MPIX_Checkpoint, MPIX_Migration_estimate, MPIX_Migrate_if),
 * in the mpif.h style of fort_mpix.c.
 *
 * MPIX_CHECKPOINT takes a CHARACTER*(*) directory: gfortran passes its
 * length as a hidden argument after the others (size_t since gfortran 8),
 * the text is not NUL-terminated and is padded with blanks, which are not
 * part of the name (as for every MPI string argument in Fortran). The
 * LOGICAL outputs are written as gfortran writes .TRUE. and .FALSE.
 * (1 and 0 in a default INTEGER's size).
 */
#include <limits.h>
#include <mpi.h>
#include <string.h>

#pragma GCC visibility push(default)
void mpix_checkpoint_(const char *dir, MPI_Fint *restarted, MPI_Fint *ierror, size_t dir_len);
void mpix_migration_estimate_(const MPI_Fint *rank, const MPI_Fint *cluster, double *seconds,
                              MPI_Fint *ierror);
void mpix_migrate_if_(const MPI_Fint *rank, const MPI_Fint *cluster, const double *gain,
                      const MPI_Fint *comm, MPI_Fint *moved, MPI_Fint *ierror);
#pragma GCC visibility pop

void mpix_checkpoint_(const char *dir, MPI_Fint *restarted, MPI_Fint *ierror, size_t dir_len)
{
    char path[PATH_MAX];
    int r = 0;

    while (dir_len > 0 && dir[dir_len - 1] == ' ')
        dir_len--;
    if (dir_len >= sizeof(path)) {
        /* MPIX_Checkpoint says what is wrong with a name it is given whole. */
        *ierror = MPIX_Checkpoint("", &r);
        return;
    }
    memcpy(path, dir, dir_len);
    path[dir_len] = '\0';
    *ierror = MPIX_Checkpoint(path, &r);
    if (*ierror == MPI_SUCCESS)
        *restarted = r ? 1 : 0;
}

void mpix_migration_estimate_(const MPI_Fint *rank, const MPI_Fint *cluster, double *seconds,
                              MPI_Fint *ierror)
{
    *ierror = MPIX_Migration_estimate(*rank, *cluster, seconds);
}

void mpix_migrate_if_(const MPI_Fint *rank, const MPI_Fint *cluster, const double *gain,
                      const MPI_Fint *comm, MPI_Fint *moved, MPI_Fint *ierror)
{
    int m = 0;

    *ierror = MPIX_Migrate_if(*rank, *cluster, *gain, MPI_Comm_f2c(*comm), &m);
    if (*ierror == MPI_SUCCESS)
        *moved = m ? 1 : 0;
}
