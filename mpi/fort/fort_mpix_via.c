/* fort_mpix_via.c: the Fortran binding of MPIX_Migrateto_checkpoint, in
 * the mpif.h style of fort_mpix.c.
 *
 * The directory is a CHARACTER*(*): gfortran passes its length as a hidden
 * argument after the others, the text is not NUL-terminated and is padded
 * with blanks, which are not part of the name. Fortran has no NULL: an
 * all-blank directory asks for the default one (NMPI_MIGRATION_DIR), as
 * NULL does in C; a name too long for a path is given whole to the C call
 * as "", which says what is wrong (MPI_ERR_ARG).
 */
#include <limits.h>
#include <mpi.h>
#include <string.h>

#pragma GCC visibility push(default)
void mpix_migrateto_checkpoint_(const MPI_Fint *cluster, const char *dir, MPI_Fint *ierror,
                                size_t dir_len);
#pragma GCC visibility pop

void mpix_migrateto_checkpoint_(const MPI_Fint *cluster, const char *dir, MPI_Fint *ierror,
                                size_t dir_len)
{
    char path[PATH_MAX];

    while (dir_len > 0 && dir[dir_len - 1] == ' ')
        dir_len--;
    if (dir_len >= sizeof(path)) {
        *ierror = MPIX_Migrateto_checkpoint(*cluster, "");
        return;
    }
    memcpy(path, dir, dir_len);
    path[dir_len] = '\0';
    *ierror = MPIX_Migrateto_checkpoint(*cluster, dir_len > 0 ? path : NULL);
}
