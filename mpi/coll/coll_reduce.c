/* coll_reduce.c: MPI_Reduce (binomial tree; large vectors of commutative
 * operations: reduce-scatter + gather, coll_reduce_large.c) and
 * MPI_Reduce_local.
 *
 * Ranks are renumbered relative to the root. At step mask a rank whose bit
 * `mask` is clear receives the partial result of rel + mask and combines it
 * with its own; a rank whose bit is set sends its partial result to
 * rel - mask and stops. For a non-commutative operation the tree is rooted at
 * rank 0 instead, so every partial result covers a contiguous, increasing run
 * of ranks and is combined as (lower ranks) op (higher ranks); rank 0 then
 * hands the result to the real root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "coll_inter.h"
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "dtype.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_state.h"

#pragma weak MPI_Reduce = PMPI_Reduce
#pragma weak MPI_Reduce_local = PMPI_Reduce_local

/* Binomial reduction of acc towards tree root troot; tmp is scratch of the
 * same size. On return *acc_p (possibly swapped with tmp) holds the result at
 * troot. Returns 0 or < 0. */
static int reduce_tree(struct mpi_comm *c, void **acc_p, void **tmp_p, size_t len, int count,
                       MPI_Datatype dt, MPI_Op op, int troot)
{
    int size = c->size, rel = (c->rank - troot + size) % size;
    int commutative = mpi_op_commutative(op);
    int mask, err = 0;
    void *swap;

    for (mask = 1; mask < size && !err; mask <<= 1) {
        if (rel & mask)
            return mpi_coll_send(c, *acc_p, len, (rel - mask + troot) % size, MPI_COLL_TAG_REDUCE);
        if ((rel | mask) >= size)
            continue;
        err = mpi_coll_recv(c, *tmp_p, len, ((rel | mask) + troot) % size, MPI_COLL_TAG_REDUCE);
        if (err)
            break;
        if (commutative) {
            mpi_op_apply(op, dt, *tmp_p, *acc_p, (size_t)count);
        } else {
            mpi_op_apply(op, dt, *acc_p, *tmp_p, (size_t)count);
            swap = *acc_p;
            *acc_p = *tmp_p;
            *tmp_p = swap;
        }
    }
    return err;
}

int mpi_coll_reduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                    MPI_Datatype dt, MPI_Op op, int root)
{
    size_t len = (size_t)count * mpi_type_get(dt)->extent;
    int troot = mpi_op_commutative(op) ? root : 0;
    void *acc, *tmp;
    int err;

    if (sendbuf == MPI_IN_PLACE)
        sendbuf = recvbuf;
    if (c->size == 1 || len == 0) {
        if (c->rank == root && sendbuf != recvbuf)
            memcpy(recvbuf, sendbuf, len);
        return 0;
    }
    acc = malloc(len);
    tmp = malloc(len);
    err = acc && tmp ? 0 : -ENOMEM;
    if (!err) {
        memcpy(acc, sendbuf, len);
        err = reduce_tree(c, &acc, &tmp, len, count, dt, op, troot);
    }
    if (!err && troot != root && c->rank == troot)
        err = mpi_coll_send(c, acc, len, root, MPI_COLL_TAG_REDUCE);
    else if (!err && troot != root && c->rank == root)
        err = mpi_coll_recv(c, recvbuf, len, troot, MPI_COLL_TAG_REDUCE);
    else if (!err && c->rank == root)
        memcpy(recvbuf, acc, len);
    free(acc);
    free(tmp);
    return err;
}

/* The same tree as a schedule (MPI_Ireduce, and the reduction phase of
 * Allreduce/Reduce_scatter for non-commutative operations). acc and tmp
 * swap roles at build time instead of copying at run time. */
void sched_reduce_tree(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                       MPI_Datatype dt, MPI_Op op, int root)
{
    struct mpi_comm *c = sc->c;
    int commutative = mpi_op_commutative(op), troot = commutative ? root : 0;
    int size = c->size, rel = (c->rank - troot + size) % size, mask;
    size_t len = sched_bytes(count, dt);
    void *acc, *tmp, *swap;

    if (sendbuf == MPI_IN_PLACE)
        sendbuf = recvbuf;
    if (size == 1) {
        sched_copy(sc, sendbuf, recvbuf, count, dt);
        return;
    }
    acc = sched_tmp(sc, len);
    tmp = sched_tmp(sc, len);
    if (!acc || !tmp)
        return;
    sched_copy(sc, sendbuf, acc, count, dt);
    for (mask = 1; mask < size; mask <<= 1) {
        if (rel & mask) {
            sched_send(sc, acc, count, dt, (rel - mask + troot) % size);
            sched_round(sc);
            break;
        }
        if ((rel | mask) >= size)
            continue;
        sched_recv(sc, tmp, count, dt, ((rel | mask) + troot) % size);
        sched_round(sc);
        if (commutative) {
            sched_reduce(sc, tmp, acc, count, dt, op);
        } else { /* acc covers lower ranks than tmp: tmp = acc op tmp */
            sched_reduce(sc, acc, tmp, count, dt, op);
            swap = acc;
            acc = tmp;
            tmp = swap;
        }
    }
    if (c->rank == troot && troot == root)
        sched_copy(sc, acc, recvbuf, count, dt);
    else if (c->rank == troot)
        sched_send(sc, acc, count, dt, root);
    else if (c->rank == root)
        sched_recv(sc, recvbuf, count, dt, troot);
    sched_round(sc);
}

/* Checks count, datatype and op of a reduction. */
static int check_reduction(int count, MPI_Datatype dt, MPI_Op op)
{
    size_t extent;
    int err = mpi_check_count(count);

    if (!err)
        err = mpi_check_type(dt, &extent);
    if (!err)
        err = mpi_op_check_reduce(op, dt);
    return err;
}

/* Buffer rules of MPI_Reduce: MPI_IN_PLACE only at the root, no aliasing. */
static int check_reduce_bufs(const struct mpi_comm *c, const void *sendbuf, const void *recvbuf,
                             int count, int root)
{
    int at_root = c->rank == root;

    if (count == 0)
        return MPI_SUCCESS;
    if (sendbuf == MPI_IN_PLACE)
        return at_root && recvbuf ? MPI_SUCCESS : MPI_ERR_BUFFER;
    if (!sendbuf || (at_root && (!recvbuf || recvbuf == sendbuf)))
        return MPI_ERR_BUFFER;
    return MPI_SUCCESS;
}

int PMPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                int root, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_reduce(c, sendbuf, recvbuf, count, datatype, op, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Reduce");
    }
    if (!err)
        err = check_reduction(count, datatype, op);
    if (!err)
        err = mpi_check_root(c, root);
    if (!err)
        err = check_reduce_bufs(c, sendbuf, recvbuf, count, root);
    if (err)
        return mpi_error(comm, err, "MPI_Reduce");
    if (coll_reduce_large_fits(c, count, datatype, op)) {
        sc = mpi_sched_new(c);
        if (sc)
            sched_reduce_large(sc, sendbuf, recvbuf, count, datatype, op, root);
        err = coll_run(sc);
    } else if (mpi_type_get(datatype)) {
        err = mpi_coll_reduce(c, sendbuf, recvbuf, count, datatype, op, root);
    } else { /* derived types: the schedule engine packs them */
        sc = mpi_sched_new(c);
        if (!sc)
            err = -ENOMEM;
        else
            sched_reduce_tree(sc, sendbuf, recvbuf, count, datatype, op, root);
        if (sc)
            err = mpi_sched_run(sc);
    }
    return mpi_error(comm, err, "MPI_Reduce");
}

int PMPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype datatype,
                      MPI_Op op)
{
    MPI_THREAD_GUARD();
    int err = check_reduction(count, datatype, op);

    if (!err && count > 0 && (!inbuf || !inoutbuf || inbuf == MPI_IN_PLACE))
        err = MPI_ERR_BUFFER;
    if (!err)
        err = mpi_op_apply(op, datatype, inbuf, inoutbuf, (size_t)count);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Reduce_local");
}
