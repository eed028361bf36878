/* coll_reduce_scatter.c: MPI_Reduce_scatter and MPI_Reduce_scatter_block.
 *
 * Commutative operations on large vectors go pairwise: in step k each rank
 * sends block (rank + k) of its input to its owner and receives its own
 * block from rank - k, folding it into an accumulator; each rank moves only
 * (size - 1) blocks. The folding order is fixed by the ranks (deterministic
 * floating point).
 *
 * Smaller vectors of commutative operations go by recursive halving, and
 * non-commutative operations through the rank-ordered reduction tree to
 * rank 0 and a binomial scatter of the blocks (coll_rs_tree.c): log2(size)
 * rounds either way, rank order kept for the non-commutative ones.
 */
#include <errno.h>
#include <stdlib.h>
#include "coll_inter.h"
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_thread.h"

#pragma weak MPI_Reduce_scatter = PMPI_Reduce_scatter
#pragma weak MPI_Reduce_scatter_block = PMPI_Reduce_scatter_block

/* Vectors of at least this many bytes take the pairwise exchange. */
#define RS_PAIRWISE_MIN (64 * 1024)

/* Pairwise exchange for commutative op; src holds the whole input. */
static void rs_pairwise(struct mpi_sched *sc, const char *src, void *recvbuf, const int *counts,
                        int count, MPI_Datatype dt, MPI_Op op)
{
    int rank = sc->c->rank, size = sc->c->size, k, i;
    size_t ext = sched_extent(dt), *off = malloc(sizeof(size_t) * (size_t)(size + 1));
    int mine = counts ? counts[rank] : count;
    void *acc = sched_tmp(sc, sched_bytes(mine, dt)), *tmp = sched_tmp(sc, sched_bytes(mine, dt));

    if (!off || !acc || !tmp) {
        sc->err = -ENOMEM;
        free(off);
        return;
    }
    for (off[0] = 0, i = 0; i < size; i++) /* byte offset of block i in the input */
        off[i + 1] = off[i] + (size_t)(counts ? counts[i] : count) * ext;
    sched_copy(sc, src + off[rank], acc, mine, dt);
    for (k = 1; k < size; k++) {
        int dst = (rank + k) % size, from = (rank - k + size) % size;
        sched_send(sc, src + off[dst], counts ? counts[dst] : count, dt, dst);
        sched_recv(sc, tmp, mine, dt, from);
        sched_round(sc);
        sched_reduce(sc, tmp, acc, mine, dt, op);
    }
    sched_copy(sc, acc, recvbuf, mine, dt); /* after every send read the input */
    free(off);
}

/* counts NULL: every block has `count` items. */
void sched_reduce_scatter(struct mpi_sched *sc, const void *sendbuf, void *recvbuf,
                          const int *counts, int count, int total, MPI_Datatype dt, MPI_Op op)
{
    const void *src = sendbuf == MPI_IN_PLACE ? recvbuf : sendbuf;

    if (mpi_op_commutative(op) && sc->c->size > 1 && sched_bytes(total, dt) >= RS_PAIRWISE_MIN)
        rs_pairwise(sc, src, recvbuf, counts, count, dt, op);
    else if (mpi_op_commutative(op) && sc->c->size > 1)
        sched_rs_halving(sc, src, recvbuf, counts, count, total, dt, op);
    else
        sched_rs_tree(sc, src, recvbuf, counts, count, total, dt, op);
}

/* Checks of both forms; *total_p gets the vector length. */
int rs_check(const struct mpi_comm *c, const void *sendbuf, const void *recvbuf, const int *counts,
             int count, MPI_Datatype dt, MPI_Op op, int *total_p)
{
    int err = counts ? coll_check_counts(c, counts, NULL, 0) : mpi_check_count(count);
    int mine = counts ? (err ? 0 : counts[c->rank]) : count;

    if (!err)
        *total_p = counts ? coll_sum_counts(c, counts, &err) : 0;
    if (!err && !counts && (long long)count * c->size > 0x7fffffff)
        err = MPI_ERR_COUNT;
    if (!err && !counts)
        *total_p = count * c->size;
    if (!err)
        err = coll_check_data(recvbuf, mine, dt);
    if (!err)
        err = mpi_op_check_reduce(op, dt);
    if (!err && *total_p > 0 && (!sendbuf || sendbuf == recvbuf))
        err = MPI_ERR_BUFFER;
    if (!err && sendbuf == MPI_IN_PLACE && *total_p > 0 && !recvbuf)
        err = MPI_ERR_BUFFER;
    return err;
}

/* counts NULL: the block form (the v form's NULL counts are refused). */
static int rs_call(const void *sendbuf, void *recvbuf, const int *counts, int count,
                   MPI_Datatype dt, MPI_Op op, MPI_Comm comm, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int total = 0, err = coll_enter(comm, &s, &c);

    if (!err && !counts && count == -1)
        err = MPI_ERR_ARG;
    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_reduce_scatter(c, sendbuf, recvbuf, counts, count, dt, op, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), fname);
    }
    if (!err)
        err = rs_check(c, sendbuf, recvbuf, counts, count, dt, op, &total);
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_reduce_scatter(sc, sendbuf, recvbuf, counts, count, total, dt, op);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, fname);
}

int PMPI_Reduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[],
                        MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    return rs_call(sendbuf, recvbuf, recvcounts, -1, datatype, op, comm, "MPI_Reduce_scatter");
}

int PMPI_Reduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount,
                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    if (recvcount < 0) /* -1 marks the v form inside rs_call */
        return mpi_error(comm, MPI_ERR_COUNT, "MPI_Reduce_scatter_block");
    return rs_call(sendbuf, recvbuf, NULL, recvcount, datatype, op, comm,
                   "MPI_Reduce_scatter_block");
}
