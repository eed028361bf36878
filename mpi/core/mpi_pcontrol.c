/* mpi_pcontrol.c: MPI_Pcontrol, the profiling-control call.
 *
 * The standard gives it no effect in the library itself: a profiling tool
 * that interposes MPI_Pcontrol (through the PMPI_ names) acts on the level;
 * without one the call succeeds and does nothing, whatever the level.
 */
#include <mpi.h>
#include "mpi_thread.h"

#pragma weak MPI_Pcontrol = PMPI_Pcontrol

int PMPI_Pcontrol(const int level, ...)
{
    MPI_THREAD_GUARD();
    (void)level;
    return MPI_SUCCESS;
}
