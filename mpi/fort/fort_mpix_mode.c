/* fort_mpix_mode.c: the Fortran binding of MPIX_Migrateto_mode (include
 * 'mpix.h'). The mode is a CHARACTER*(*) without a NUL, blank padded: its
 * trailing blanks are cut; all blanks means NMPI_MIGRATION_MODE's (NULL in
 * C). A name longer than any mode is passed as "sideways"-like garbage
 * would be: refused with MPI_ERR_ARG.
 */
#include <mpi.h>
#include <string.h>

#pragma GCC visibility push(default)
void mpix_migrateto_mode_(const MPI_Fint *cluster, const char *mode, MPI_Fint *ierror,
                          size_t mode_len);
#pragma GCC visibility pop

void mpix_migrateto_mode_(const MPI_Fint *cluster, const char *mode, MPI_Fint *ierror,
                          size_t mode_len)
{
    char name[32];

    while (mode_len > 0 && mode[mode_len - 1] == ' ')
        mode_len--;
    if (mode_len >= sizeof(name))
        mode_len = sizeof(name) - 1; /* no mode is that long: still refused */
    memcpy(name, mode, mode_len);
    name[mode_len] = '\0';
    *ierror = MPIX_Migrateto_mode(*cluster, mode_len == 0 ? NULL : name);
}
