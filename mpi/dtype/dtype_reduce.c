/* dtype_reduce.c: predefined reduction operations on derived datatypes.
 *
 * MPI allows the predefined operations on a derived type when every basic
 * element of its type map has the same predefined type (e.g. a vector of
 * MPI_INT, a contiguous of MPI_DOUBLE_INT). mpi_op_apply() hands such a
 * (in, inout) pair here: both are converted into plain C arrays of that
 * basic type, n = count * elements / elements per basic item, the kernel
 * runs on the arrays, and the result is scattered back into inout's layout.
 * A type mixing basic types has no basic type and is refused by
 * mpi_op_check_reduce() with MPI_ERR_OP. The reduction algorithms keep
 * partial results in scratch buffers of count * extent bytes laid out like
 * the user's type, which holds only for types whose data stays inside their
 * extent: the others are refused for reductions (MPI_ERR_TYPE).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_op.h"
#include "mpi_state.h"

MPI_Datatype mpi_dtype_reduce_basic(struct mpi_rank_state *s, MPI_Datatype dt)
{
    struct mpi_dtype *t;

    if (mpi_type_get(dt))
        return dt;
    t = mpi_dtype_object(s, dt);
    return t && !t->freed ? t->basic : MPI_DATATYPE_NULL;
}

/* out = the n basic items of b held by count items of t at buf, as a C array
 * (b's extent apart). Packing gives them back to back; pair types with
 * padding need one more step to put each at its C struct position. */
static int to_basic(const struct mpi_dtype *t, const void *buf, int count,
                    const struct mpi_dtype *b, MPI_Count n, void *out)
{
    void *packed;

    if (b->ub - b->lb == b->size) {
        mpi_dtype_pack(t, buf, count, out);
        return 0;
    }
    packed = malloc((size_t)(n * b->size) + 1);
    if (!packed)
        return -ENOMEM;
    mpi_dtype_pack(t, buf, count, packed);
    mpi_dtype_unpack(b, packed, n * b->size, out, n);
    free(packed);
    return 0;
}

/* The reverse of to_basic. */
static int from_basic(const struct mpi_dtype *b, const void *in, MPI_Count n,
                      const struct mpi_dtype *t, void *buf, int count)
{
    void *packed;

    if (b->ub - b->lb == b->size) {
        mpi_dtype_unpack(t, in, n * b->size, buf, count);
        return 0;
    }
    packed = malloc((size_t)(n * b->size) + 1);
    if (!packed)
        return -ENOMEM;
    mpi_dtype_pack(b, in, n, packed);
    mpi_dtype_unpack(t, packed, n * b->size, buf, count);
    free(packed);
    return 0;
}

int mpi_dtype_fits_extent(struct mpi_rank_state *s, MPI_Datatype dt)
{
    const struct mpi_dtype *t = mpi_dtype_object(s, dt);

    return !t || (t->true_lb >= 0 && t->true_ub <= t->ub - t->lb);
}

int mpi_dtype_op_apply(MPI_Op op, MPI_Datatype dt, const void *in, void *inout, size_t count)
{
    struct mpi_rank_state *s = mpi_state();
    struct mpi_dtype tt, tb;
    const struct mpi_dtype *t = mpi_dtype_held(s, dt, &tt), *b;
    MPI_Count n;
    void *a = NULL, *r = NULL;
    int err;

    if (!t || t->basic == MPI_DATATYPE_NULL)
        return MPI_ERR_OP;
    b = mpi_dtype_resolve(s, t->basic, &tb);
    n = (MPI_Count)count * t->elements / t->basic_per;
    a = malloc((size_t)(n * (b->ub - b->lb)) + 1);
    r = malloc((size_t)(n * (b->ub - b->lb)) + 1);
    err = a && r ? 0 : -ENOMEM;
    if (!err)
        err = to_basic(t, in, (int)count, b, n, a);
    if (!err)
        err = to_basic(t, inout, (int)count, b, n, r);
    if (!err)
        err = mpi_op_apply(op, t->basic, a, r, (size_t)n);
    if (!err)
        err = from_basic(b, r, n, t, inout, (int)count);
    free(a);
    free(r);
    return err;
}
