/* mpi_status.c: MPI_Status contents and the functions that read them.
 *
 * The byte count is kept as MPICH does: the low 32 bits in count_lo, the
 * high bits shifted left by one in count_hi_and_cancelled, whose bit 0 is the
 * cancelled flag. MPI_Get_count divides by the datatype's size (messages
 * carry the packed form) and answers MPI_UNDEFINED for a remainder.
 */
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "mpi_status.h"

#pragma weak MPI_Get_count = PMPI_Get_count
#pragma weak MPI_Get_elements = PMPI_Get_elements
#pragma weak MPI_Get_elements_x = PMPI_Get_elements_x
#pragma weak MPI_Test_cancelled = PMPI_Test_cancelled

MPI_Count mpi_status_bytes(const MPI_Status *st)
{
    uint64_t hi = (uint32_t)st->count_hi_and_cancelled >> 1;

    return (MPI_Count)((hi << 32) | (uint32_t)st->count_lo);
}

void mpi_status_set(MPI_Status *st, int source, int tag, MPI_Count bytes, int cancelled)
{
    uint64_t b = (uint64_t)bytes;

    if (st == MPI_STATUS_IGNORE)
        return;
    st->MPI_SOURCE = source;
    st->MPI_TAG = tag;
    st->count_lo = (int)(uint32_t)b;
    st->count_hi_and_cancelled = (int)(uint32_t)((b >> 32) << 1) | (cancelled ? 1 : 0);
}

void mpi_status_empty(MPI_Status *st)
{
    mpi_status_set(st, MPI_ANY_SOURCE, MPI_ANY_TAG, 0, 0);
    if (st != MPI_STATUS_IGNORE)
        st->MPI_ERROR = MPI_SUCCESS;
}

/* Shared by Get_count and Get_elements: checks, then bytes and the type. */
static int status_args(const MPI_Status *status, MPI_Datatype dt, const void *count,
                       struct mpi_dtype *tmp, const struct mpi_dtype **t_p, MPI_Count *bytes_p)
{
    if (!status || status == MPI_STATUS_IGNORE || !count)
        return MPI_ERR_ARG;
    *t_p = mpi_dtype_resolve(mpi_state(), dt, tmp);
    if (!*t_p)
        return MPI_ERR_TYPE;
    *bytes_p = mpi_status_bytes(status);
    return MPI_SUCCESS;
}

/* Items of the type the bytes hold; MPI_UNDEFINED for a partial item. */
int PMPI_Get_count(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    MPI_Count bytes;
    int err = status_args(status, datatype, count, &tmp, &t, &bytes);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Get_count");
    if (t->size == 0 || bytes % t->size != 0)
        *count = bytes == 0 ? 0 : MPI_UNDEFINED;
    else {
        MPI_Count n = bytes / t->size;
        *count = n > 0x7fffffff ? MPI_UNDEFINED : (int)n;
    }
    return MPI_SUCCESS;
}

/* Basic elements: whole items times their elements, plus the elements of
 * the first blocks of a partial item (MPI_UNDEFINED inside an element). */
int PMPI_Get_elements_x(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    MPI_Count bytes;
    int err = status_args(status, datatype, count, &tmp, &t, &bytes);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Get_elements_x");
    *count = mpi_dtype_elements(t, bytes);
    return MPI_SUCCESS;
}

int PMPI_Get_elements(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    MPI_Count bytes, n;
    int err = status_args(status, datatype, count, &tmp, &t, &bytes);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Get_elements");
    n = mpi_dtype_elements(t, bytes);
    *count = n > 0x7fffffff ? MPI_UNDEFINED : (int)n;
    return MPI_SUCCESS;
}

int PMPI_Test_cancelled(const MPI_Status *status, int *flag)
{
    MPI_THREAD_GUARD();
    if (!status || status == MPI_STATUS_IGNORE || !flag)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Test_cancelled");
    *flag = status->count_hi_and_cancelled & 1;
    return MPI_SUCCESS;
}
