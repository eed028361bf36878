/* mpi_errhandler_compat.c: the MPI-1 names of the communicator error-handler
 * calls (MPI_Errhandler_create, _get, _set), removed in MPI-3 but still
 * called by old codes and exported by MPICH. Each is its MPI-2 successor
 * (mpi_error.c) under the old name, with the old name in error messages.
 */
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Errhandler_create = PMPI_Errhandler_create
#pragma weak MPI_Errhandler_get = PMPI_Errhandler_get
#pragma weak MPI_Errhandler_set = PMPI_Errhandler_set

int PMPI_Errhandler_create(MPI_Handler_function *function, MPI_Errhandler *errhandler)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_create_errhandler(function, errhandler);
}

int PMPI_Errhandler_get(MPI_Comm comm, MPI_Errhandler *errhandler)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_get_errhandler(comm, errhandler);
}

int PMPI_Errhandler_set(MPI_Comm comm, MPI_Errhandler errhandler)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_set_errhandler(comm, errhandler);
}
