/* coll_reduce_large.c: MPI_Reduce of large vectors with a commutative
 * operation as a reduce-scatter then a gather (Rabenseifner's reduce).
 *
 * The binomial tree (coll_reduce.c) makes the root receive and fold the
 * whole vector log2(size) times. Here the vector is cut into one block per
 * rank (count / size items, the first count % size blocks one more),
 * recursive halving (coll_rs_tree.c) leaves each rank with its block fully
 * reduced, and every rank sends that block to the root, which posts all the
 * receives at once into their place in recvbuf: each rank moves about the
 * vector's size once, the root folds about one vector in all. Every element
 * is combined at one rank only; the root alone reads the result.
 */
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "dtype.h"
#include "mpi_op.h"

/* Vectors of at least this many bytes (commutative operation, predefined
 * datatype, more than two ranks, at least one item per rank) take this path. */
#define REDUCE_LARGE (64 * 1024)

int coll_reduce_large_fits(const struct mpi_comm *c, int count, MPI_Datatype dt, MPI_Op op)
{
    int size = c->size;

    return size > 2 && count >= size && mpi_op_commutative(op) && mpi_type_get(dt) &&
           sched_bytes(count, dt) >= REDUCE_LARGE;
}

void sched_reduce_large(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                        MPI_Datatype dt, MPI_Op op, int root)
{
    int rank = sc->c->rank, size = sc->c->size, i;
    int *counts = sched_tmp(sc, sizeof(int) * (size_t)size), off = 0;
    size_t ext = sched_extent(dt);
    char *mine;

    if (!counts)
        return;
    for (i = 0; i < size; i++) {
        counts[i] = count / size + (i < count % size);
        if (i < rank)
            off += counts[i];
    }
    if (sendbuf == MPI_IN_PLACE) /* only at the root */
        sendbuf = recvbuf;
    mine = rank == root ? (char *)recvbuf + (size_t)off * ext
                        : sched_tmp(sc, sched_bytes(counts[rank], dt));
    if (!mine)
        return;
    sched_rs_halving(sc, sendbuf, mine, counts, 0, count, dt, op);
    sched_round(sc);
    if (rank != root) {
        sched_send(sc, mine, counts[rank], dt, root);
    } else {
        for (off = 0, i = 0; i < size; off += counts[i++])
            if (i != root)
                sched_recv(sc, (char *)recvbuf + (size_t)off * ext, counts[i], dt, i);
    }
    sched_round(sc);
}
