/* mpi_mem.c: MPI_Alloc_mem and MPI_Free_mem.
 *
 * No memory is special to this library (no registration is needed for the
 * transport), so memory for MPI comes from the rank's allocator: called in
 * rank context it is container memory, which moves with the rank, like
 * anything the application mallocs. The info argument gives no hint this
 * library uses, but must be MPI_INFO_NULL or a live info object.
 */
#include <stdlib.h>
#include "info.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Alloc_mem = PMPI_Alloc_mem
#pragma weak MPI_Free_mem = PMPI_Free_mem

int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    void *p = NULL;
    int err = mpi_enter(&s);

    if (!err && (size < 0 || !baseptr))
        err = MPI_ERR_ARG;
    if (!err && info != MPI_INFO_NULL && !mpi_info_get(s, info))
        err = MPI_ERR_INFO;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Alloc_mem");
    p = malloc(size > 0 ? (size_t)size : 1);
    if (!p)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_NO_MEM, "MPI_Alloc_mem");
    *(void **)baseptr = p;
    return MPI_SUCCESS;
}

int PMPI_Free_mem(void *base)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Free_mem");
    free(base);
    return MPI_SUCCESS;
}
