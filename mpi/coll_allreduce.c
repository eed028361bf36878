/* coll_allreduce.c: MPI_Allreduce, by recursive doubling.
 *
 * With pof2 the largest power of two <= size and rem = size - pof2, the
 * first 2 * rem ranks pair up (even into odd) so that pof2 ranks remain;
 * those exchange and combine their partial results with partners at
 * distance 1, 2, 4, ... (log2(pof2) steps); the odd ranks finally give the
 * result back to their even partner. At every combination the partial result
 * of the lower rank is the left operand, so all ranks compute bit-identical
 * results. Non-commutative operations go through MPI_Reduce to rank 0 and a
 * broadcast, which keeps the rank order.
 */
#include <stdlib.h>
#include <string.h>
#include "mpi_impl.h"

#pragma weak MPI_Allreduce = PMPI_Allreduce

/* recvbuf = lower op higher, where peer's data in tmp is the lower one when
 * peer < me. */
static void combine(MPI_Op op, MPI_Datatype dt, void *tmp, void *recvbuf, size_t len, int count,
                    int peer_is_lower)
{
    if (peer_is_lower) {
        mpi_op_apply(op, dt, tmp, recvbuf, (size_t)count);
    } else {
        mpi_op_apply(op, dt, recvbuf, tmp, (size_t)count);
        memcpy(recvbuf, tmp, len);
    }
}

/* Recursive doubling on recvbuf (which holds this rank's contribution). */
static int allreduce_rd(struct mpi_comm *c, void *recvbuf, void *tmp, size_t len, int count,
                        MPI_Datatype dt, MPI_Op op)
{
    int rank = c->rank, pof2 = 1, rem, newrank, mask, dst, err = 0;

    while (pof2 * 2 <= c->size)
        pof2 *= 2;
    rem = c->size - pof2;
    if (rank < 2 * rem && rank % 2 == 0) {
        err = mpi_coll_send(c, recvbuf, len, rank + 1, MPI_COLL_TAG_ALLREDUCE);
        newrank = -1;
    } else if (rank < 2 * rem) {
        err = mpi_coll_recv(c, tmp, len, rank - 1, MPI_COLL_TAG_ALLREDUCE);
        if (!err)
            combine(op, dt, tmp, recvbuf, len, count, 1);
        newrank = rank / 2;
    } else {
        newrank = rank - rem;
    }
    for (mask = 1; newrank >= 0 && mask < pof2 && !err; mask <<= 1) {
        int newdst = newrank ^ mask;
        dst = newdst < rem ? newdst * 2 + 1 : newdst + rem;
        err = mpi_coll_sendrecv(c, recvbuf, len, dst, tmp, len, dst, MPI_COLL_TAG_ALLREDUCE);
        if (!err)
            combine(op, dt, tmp, recvbuf, len, count, dst < rank);
    }
    if (!err && rank < 2 * rem)
        err = rank % 2 ? mpi_coll_send(c, recvbuf, len, rank - 1, MPI_COLL_TAG_ALLREDUCE)
                       : mpi_coll_recv(c, recvbuf, len, rank + 1, MPI_COLL_TAG_ALLREDUCE);
    return err;
}

/* Arguments checked; MPI_IN_PLACE allowed as sendbuf. */
static int allreduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                     MPI_Datatype dt, MPI_Op op)
{
    size_t len = (size_t)count * mpi_type_get(dt)->extent;
    void *tmp;
    int err;

    if (!mpi_op_commutative(op)) {
        err = mpi_coll_reduce(c, sendbuf, recvbuf, count, dt, op, 0);
        return err ? err : mpi_coll_bcast(c, recvbuf, len, 0);
    }
    if (sendbuf != MPI_IN_PLACE && len > 0)
        memcpy(recvbuf, sendbuf, len);
    if (c->size == 1 || len == 0)
        return 0;
    tmp = malloc(len);
    if (!tmp)
        return -ENOMEM;
    err = allreduce_rd(c, recvbuf, tmp, len, count, dt, op);
    free(tmp);
    return err;
}

int PMPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                   MPI_Comm comm)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_dtype_lowered lw; /* derived types reduce as arrays of their basic type */
    size_t extent;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err)
        err = mpi_check_count(count);
    if (!err)
        err = mpi_check_type(datatype, &extent);
    if (!err)
        err = mpi_op_check_reduce(op, datatype);
    if (!err && count > 0 && (!recvbuf || !sendbuf || sendbuf == recvbuf))
        err = MPI_ERR_BUFFER;
    if (!err)
        err = mpi_dtype_lower(s, sendbuf, recvbuf, count, datatype, sendbuf == MPI_IN_PLACE, &lw);
    if (!err) {
        err = allreduce(c, lw.sbuf, lw.rbuf, lw.count, lw.dt, op);
        err = mpi_dtype_raise(s, &lw, err);
    }
    return mpi_error(comm, err, "MPI_Allreduce");
}
