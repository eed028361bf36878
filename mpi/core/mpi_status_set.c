/* mpi_status_set.c: MPI_Status_set_cancelled and MPI_Status_set_elements(_x).
 *
 * For generalized requests, whose query_fn fills a status itself. The
 * status keeps bytes (mpi_status.c), so n elements of a type are stored as
 * the bytes they take: whole items of the type for the part that fills
 * items, plus the bytes of the leading basic elements of a last partial
 * item. MPI_Get_elements on the same type then gives n back, and
 * MPI_Get_count gives the whole items (MPI_UNDEFINED for a partial one).
 */
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "mpi_status.h"

#pragma weak MPI_Status_set_cancelled = PMPI_Status_set_cancelled
#pragma weak MPI_Status_set_elements = PMPI_Status_set_elements
#pragma weak MPI_Status_set_elements_x = PMPI_Status_set_elements_x

int PMPI_Status_set_cancelled(MPI_Status *status, int flag)
{
    MPI_THREAD_GUARD();
    if (!status || status == MPI_STATUS_IGNORE)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Status_set_cancelled");
    status->count_hi_and_cancelled = (status->count_hi_and_cancelled & ~1) | (flag ? 1 : 0);
    return MPI_SUCCESS;
}

/* Bytes that count basic elements of t take: whole items, then the
 * leading elements of the next item, block by block. */
static MPI_Count elements_to_bytes(const struct mpi_dtype *t, MPI_Count count)
{
    MPI_Count rest, bytes;
    MPI_Aint i;

    if (t->size == 0 || t->elements == 0)
        return 0;
    bytes = count / t->elements * t->size;
    rest = count % t->elements;
    for (i = 0; i < t->nblocks && rest > 0; i++) {
        MPI_Count n = t->blocks[i].len / t->blocks[i].esize;
        MPI_Count take = rest < n ? rest : n;
        bytes += take * t->blocks[i].esize;
        rest -= take;
    }
    return bytes;
}

int PMPI_Status_set_elements_x(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t = NULL;
    MPI_Count bytes = -1;
    int err = MPI_SUCCESS;

    if (!status || status == MPI_STATUS_IGNORE || count < 0)
        err = MPI_ERR_ARG;
    if (!err && !(t = mpi_dtype_resolve(mpi_state(), datatype, &tmp)))
        err = MPI_ERR_TYPE;
    if (!err)
        bytes = elements_to_bytes(t, count);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Status_set_elements_x");
    mpi_status_set(status, status->MPI_SOURCE, status->MPI_TAG, bytes,
                   status->count_hi_and_cancelled & 1);
    return MPI_SUCCESS;
}

int PMPI_Status_set_elements(MPI_Status *status, MPI_Datatype datatype, int count)
{
    MPI_THREAD_GUARD();
    return PMPI_Status_set_elements_x(status, datatype, (MPI_Count)count);
}
