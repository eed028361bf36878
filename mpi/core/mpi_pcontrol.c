/* mpi_pcontrol.c: MPI_Pcontrol, the hook for profiling libraries.
 *
 * MPI defines no effect for the library itself: a profiling layer that
 * intercepts MPI_Pcontrol (through the PMPI_ names) gives the level its
 * meaning. Any level is accepted, before MPI_Init too.
 */
#include <mpi.h>

#pragma weak MPI_Pcontrol = PMPI_Pcontrol

int PMPI_Pcontrol(const int level, ...)
{
    (void)level;
    return MPI_SUCCESS;
}
