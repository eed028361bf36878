/* rma_mem.c: MPI_Alloc_mem and MPI_Free_mem, the memory RMA codes put
 * their windows in.
 *
 * Called in rank context, malloc serves the rank's container, so memory
 * from MPI_Alloc_mem moves with the rank like the rest of its heap and a
 * window over it stays valid after a move. No info key changes that.
 */
#include <stdlib.h>
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Alloc_mem = PMPI_Alloc_mem
#pragma weak MPI_Free_mem = PMPI_Free_mem

int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr)
{
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    (void)info;
    if (!err && size < 0)
        err = MPI_ERR_SIZE;
    if (!err && !baseptr)
        err = MPI_ERR_ARG;
    /* 16-byte aligned, like malloc: any basic type can be accessed in it */
    if (!err && !(*(void **)baseptr = malloc(size > 0 ? (size_t)size : 1)))
        err = MPI_ERR_NO_MEM;
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Alloc_mem");
}

int PMPI_Free_mem(void *base)
{
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Free_mem");
    free(base);
    return MPI_SUCCESS;
}
