/* dtype_reduce.c: reductions on derived datatypes.
 *
 * MPI allows the predefined operations on a derived type when every basic
 * element of its type map has the same predefined type (e.g. a vector of
 * MPI_INT, a contiguous of MPI_DOUBLE_INT). Such a buffer is first converted
 * into a plain C array of that basic type, n = count * elements / elements
 * per basic item; the reduction algorithms and kernels then run unchanged on
 * (array, n, basic type), and the result is scattered back into the user's
 * layout. A type mixing basic types has no basic type and is refused by
 * mpi_op_check_reduce() with MPI_ERR_OP.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "mpi_impl.h"

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

int mpi_dtype_lower(struct mpi_rank_state *s, const void *sbuf, void *rbuf, int count,
                    MPI_Datatype dt, int rbuf_in, struct mpi_dtype_lowered *lw)
{
    struct mpi_dtype tt, tb;
    const struct mpi_dtype *t, *b;
    MPI_Count n;
    size_t bytes;
    int err = 0;

    *lw = (struct mpi_dtype_lowered){sbuf, rbuf, count, dt, NULL, NULL, rbuf, count, dt};
    if (mpi_type_get(dt) || count == 0)
        return MPI_SUCCESS; /* predefined: the algorithms take it as it is */
    t = mpi_dtype_resolve(s, dt, &tt);
    b = mpi_dtype_resolve(s, t->basic, &tb);
    n = (MPI_Count)count * t->elements / t->basic_per;
    if (n > INT_MAX)
        return MPI_ERR_COUNT;
    bytes = (size_t)(n * (b->ub - b->lb));
    lw->count = (int)n;
    lw->dt = t->basic;
    if (sbuf && sbuf != MPI_IN_PLACE) {
        lw->sbuf = lw->stmp = malloc(bytes + 1);
        err = lw->stmp ? to_basic(t, sbuf, count, b, n, lw->stmp) : -ENOMEM;
    }
    if (!err && rbuf) {
        lw->rbuf = lw->rtmp = malloc(bytes + 1);
        err = !lw->rtmp ? -ENOMEM : rbuf_in ? to_basic(t, rbuf, count, b, n, lw->rtmp) : 0;
    }
    if (err)
        mpi_dtype_raise(s, lw, err); /* frees what was allocated */
    return err;
}

int mpi_dtype_raise(struct mpi_rank_state *s, struct mpi_dtype_lowered *lw, int err)
{
    struct mpi_dtype tt, tb;
    const struct mpi_dtype *t, *b;

    if (!err && lw->rtmp) {
        t = mpi_dtype_resolve(s, lw->user_dt, &tt);
        b = mpi_dtype_resolve(s, lw->dt, &tb);
        err = from_basic(b, lw->rtmp, lw->count, t, lw->user_rbuf, lw->user_count);
    }
    free(lw->stmp);
    free(lw->rtmp);
    lw->stmp = lw->rtmp = NULL;
    return err;
}
