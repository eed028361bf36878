/* fort_status.c: MPI_Status between C, Fortran (mpif.h / `mpi`) and
 * Fortran 2008 (`mpi_f08`): MPI_Status_c2f, f2c, c2f08, f082c, f2f08, f082f.
 *
 * In MPICH's ABI the three forms hold the same five integers in the same
 * order (count_lo, count_hi_and_cancelled, MPI_SOURCE, MPI_TAG, MPI_ERROR;
 * MPI_F_SOURCE is 2), and MPI_Fint is int, so each conversion copies five
 * ints. The ignore markers are not statuses: converting from
 * MPI_STATUS(ES)_IGNORE, MPI_F_STATUS(ES)_IGNORE or
 * MPI_F08_STATUS(ES)_IGNORE, or into a NULL pointer, is MPI_ERR_ARG.
 */
#include <string.h>
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Status_c2f = PMPI_Status_c2f
#pragma weak MPI_Status_f2c = PMPI_Status_f2c
#pragma weak MPI_Status_c2f08 = PMPI_Status_c2f08
#pragma weak MPI_Status_f082c = PMPI_Status_f082c
#pragma weak MPI_Status_f2f08 = PMPI_Status_f2f08
#pragma weak MPI_Status_f082f = PMPI_Status_f082f

#define FORT_STATUS_INTS 5

_Static_assert(sizeof(MPI_Status) == FORT_STATUS_INTS * sizeof(MPI_Fint), "C status layout");
_Static_assert(sizeof(MPI_F08_status) == FORT_STATUS_INTS * sizeof(MPI_Fint), "F08 layout");
_Static_assert(MPI_F_STATUS_SIZE == FORT_STATUS_INTS && MPI_F_SOURCE == 2, "Fortran layout");

/* Copies one status; MPI_SUCCESS, or MPI_ERR_ARG (through the handler of
 * MPI_COMM_WORLD) when from is an ignore marker or either pointer is NULL. */
static int status_copy(const void *from, const void *ignore, const void *ignores, void *to,
                       const char *fname)
{
    if (!from || !to || from == ignore || from == ignores)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, fname);
    memmove(to, from, FORT_STATUS_INTS * sizeof(MPI_Fint));
    return MPI_SUCCESS;
}

int PMPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status)
{
    MPI_THREAD_GUARD();
    return status_copy(c_status, MPI_STATUS_IGNORE, MPI_STATUSES_IGNORE, f_status,
                       "MPI_Status_c2f");
}

int PMPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status)
{
    MPI_THREAD_GUARD();
    return status_copy(f_status, MPI_F_STATUS_IGNORE, MPI_F_STATUSES_IGNORE, c_status,
                       "MPI_Status_f2c");
}

int PMPI_Status_c2f08(const MPI_Status *c_status, MPI_F08_status *f08_status)
{
    MPI_THREAD_GUARD();
    return status_copy(c_status, MPI_STATUS_IGNORE, MPI_STATUSES_IGNORE, f08_status,
                       "MPI_Status_c2f08");
}

int PMPI_Status_f082c(const MPI_F08_status *f08_status, MPI_Status *c_status)
{
    MPI_THREAD_GUARD();
    return status_copy(f08_status, MPI_F08_STATUS_IGNORE, MPI_F08_STATUSES_IGNORE, c_status,
                       "MPI_Status_f082c");
}

int PMPI_Status_f2f08(const MPI_Fint *f_status, MPI_F08_status *f08_status)
{
    MPI_THREAD_GUARD();
    return status_copy(f_status, MPI_F_STATUS_IGNORE, MPI_F_STATUSES_IGNORE, f08_status,
                       "MPI_Status_f2f08");
}

int PMPI_Status_f082f(const MPI_F08_status *f08_status, MPI_Fint *f_status)
{
    MPI_THREAD_GUARD();
    return status_copy(f08_status, MPI_F08_STATUS_IGNORE, MPI_F08_STATUSES_IGNORE, f_status,
                       "MPI_Status_f082f");
}
