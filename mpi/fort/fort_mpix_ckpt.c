/* fort_mpix_ckpt.c: the Fortran bindings of the checkpoint and cost-model
 * extensions (MPIX_Checkpoint, MPIX_Migrateto_checkpoint,
 * MPIX_Migration_estimate, MPIX_Migrate_if), in the mpif.h style of
 * fort_mpix.c.
 *
 * A directory is a CHARACTER*(*): gfortran passes its length as a hidden
 * argument after the others (size_t since gfortran 8), the text is not
 * NUL-terminated and is padded with blanks, which are not part of the name
 * (as for every MPI string argument in Fortran). A name too long for a
 * path is given to the C call as "", which says what is wrong
 * (MPI_ERR_ARG). Fortran has no NULL: an all-blank directory for
 * MPIX_MIGRATETO_CHECKPOINT asks for the default one (NMPI_MIGRATION_DIR),
 * as NULL does in C. The LOGICAL outputs are written as gfortran writes
 * .TRUE. and .FALSE. (1 and 0 in a default INTEGER's size).
 */
#include <limits.h>
#include <mpi.h>
#include <string.h>

#pragma GCC visibility push(default)
void mpix_checkpoint_(const char *dir, MPI_Fint *restarted, MPI_Fint *ierror, size_t dir_len);
void mpix_migrateto_checkpoint_(const MPI_Fint *cluster, const char *dir, MPI_Fint *ierror,
                                size_t dir_len);
void mpix_migration_estimate_(const MPI_Fint *rank, const MPI_Fint *cluster, double *seconds,
                              MPI_Fint *ierror);
void mpix_migrate_if_(const MPI_Fint *rank, const MPI_Fint *cluster, const double *gain,
                      const MPI_Fint *comm, MPI_Fint *moved, MPI_Fint *ierror);
#pragma GCC visibility pop

/* The Fortran name dir[len] as a C string in path: its length without the
 * trailing blanks, or -1 (path "") when it is too long for a path. */
static long fort_path(const char *dir, size_t len, char path[PATH_MAX])
{
    while (len > 0 && dir[len - 1] == ' ')
        len--;
    if (len >= PATH_MAX) {
        path[0] = '\0';
        return -1;
    }
    memcpy(path, dir, len);
    path[len] = '\0';
    return (long)len;
}

void mpix_checkpoint_(const char *dir, MPI_Fint *restarted, MPI_Fint *ierror, size_t dir_len)
{
    char path[PATH_MAX];
    int r = 0;

    fort_path(dir, dir_len, path);
    *ierror = MPIX_Checkpoint(path, &r);
    if (*ierror == MPI_SUCCESS)
        *restarted = r ? 1 : 0;
}

void mpix_migrateto_checkpoint_(const MPI_Fint *cluster, const char *dir, MPI_Fint *ierror,
                                size_t dir_len)
{
    char path[PATH_MAX];

    *ierror = MPIX_Migrateto_checkpoint(*cluster, fort_path(dir, dir_len, path) == 0 ? NULL : path);
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
