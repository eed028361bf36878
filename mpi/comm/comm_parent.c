/* comm_parent.c: MPI_Comm_get_parent.
 *
 * Processes of this library are started only by mpiexec (there is no
 * MPI_Comm_spawn), so no process has a parent: the answer is always
 * MPI_COMM_NULL, as MPI specifies for a process not spawned.
 */
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Comm_get_parent = PMPI_Comm_get_parent

int PMPI_Comm_get_parent(MPI_Comm *parent)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !parent)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Comm_get_parent");
    *parent = MPI_COMM_NULL;
    return MPI_SUCCESS;
}
