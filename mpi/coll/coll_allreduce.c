/* coll_allreduce.c: MPI_Allreduce: recursive doubling (small), Rabenseifner
 * (large, commutative), reduce + broadcast (non-commutative).
 *
 * With pof2 the largest power of two <= size and rem = size - pof2, the
 * first 2 * rem ranks pair up (even into odd) so that pof2 ranks remain, and
 * the odd ranks finally give the result back to their even partner.
 *
 * Small payloads: the pof2 ranks exchange and combine whole partial results
 * with partners at distance 1, 2, 4, ... At every combination the partial
 * result of the lower rank is the left operand, so all ranks compute
 * bit-identical results.
 *
 * Large payloads (Rabenseifner): the vector is cut into pof2 blocks;
 * recursive halving leaves rank i with block i fully reduced (each element is
 * combined at exactly one rank, so every rank ends with the same bits), then
 * recursive doubling gathers the blocks back: about 2x the payload moved per
 * rank instead of log2(size) times.
 *
 * Non-commutative operations go through the rank-ordered reduction tree to
 * rank 0 and a broadcast, which keeps the rank order.
 */
#include <errno.h>
#include <stdlib.h>
#include "coll_inter.h"
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_thread.h"

#pragma weak MPI_Allreduce = PMPI_Allreduce

/* Payloads of at least this many bytes (and count >= pof2) go Rabenseifner. */
#define ALLREDUCE_LARGE 2048

/* recvbuf = lower op higher, where peer's partial result in tmp is the lower
 * one when peer_is_lower. */
static void combine(struct mpi_sched *sc, void *tmp, void *recvbuf, int count, MPI_Datatype dt,
                    MPI_Op op, int peer_is_lower)
{
    if (peer_is_lower) {
        sched_reduce(sc, tmp, recvbuf, count, dt, op);
    } else {
        sched_reduce(sc, recvbuf, tmp, count, dt, op);
        sched_copy(sc, tmp, recvbuf, count, dt);
    }
}

static void rd_exchange(struct mpi_sched *sc, void *recvbuf, void *tmp, int count, MPI_Datatype dt,
                        MPI_Op op, int newrank, int pof2, int rem)
{
    int mask;

    for (mask = 1; mask < pof2; mask <<= 1) {
        int dst = coll_survivor(newrank ^ mask, rem);
        sched_send(sc, recvbuf, count, dt, dst);
        sched_recv(sc, tmp, count, dt, dst);
        sched_round(sc);
        combine(sc, tmp, recvbuf, count, dt, op, dst < sc->c->rank);
    }
}

/* Recursive halving then doubling over pof2 blocks; disp[b] is the first
 * element of block b (disp[pof2] = count). */
static void rabenseifner(struct mpi_sched *sc, char *recvbuf, char *tmp, const int *disp,
                         MPI_Datatype dt, MPI_Op op, int newrank, int pof2, int rem)
{
    size_t ext = sched_extent(dt);
    int lo = 0, hi = pof2, mask, dst, slo, shi;

    for (mask = pof2 / 2; mask > 0; mask >>= 1) {
        dst = coll_survivor(newrank ^ mask, rem);
        coll_halve(newrank, mask, &lo, &hi, &slo, &shi);
        sched_send(sc, recvbuf + disp[slo] * ext, disp[shi] - disp[slo], dt, dst);
        sched_recv(sc, tmp + disp[lo] * ext, disp[hi] - disp[lo], dt, dst);
        sched_round(sc);
        sched_reduce(sc, tmp + disp[lo] * ext, recvbuf + disp[lo] * ext, disp[hi] - disp[lo], dt,
                     op);
    }
    for (mask = 1; mask < pof2; mask <<= 1) {
        int plo = (newrank ^ mask) & ~(mask - 1);
        dst = coll_survivor(newrank ^ mask, rem);
        sched_send(sc, recvbuf + disp[lo] * ext, disp[hi] - disp[lo], dt, dst);
        sched_recv(sc, recvbuf + disp[plo] * ext, disp[plo + mask] - disp[plo], dt, dst);
        sched_round(sc);
        lo = lo < plo ? lo : plo;
        hi = lo + 2 * mask;
    }
}

/* Block boundaries for Rabenseifner (built at schedule time only). */
static int *block_disp(int count, int pof2)
{
    int *disp = malloc(sizeof(int) * (size_t)(pof2 + 1));
    int b;

    if (!disp)
        return NULL;
    disp[0] = 0;
    for (b = 0; b < pof2; b++)
        disp[b + 1] = disp[b] + count / pof2 + (b < count % pof2);
    return disp;
}

static void allreduce_commutative(struct mpi_sched *sc, void *recvbuf, int count, MPI_Datatype dt,
                                  MPI_Op op)
{
    int rank = sc->c->rank, size = sc->c->size, pof2 = 1, rem, newrank;
    void *tmp = sched_tmp(sc, sched_bytes(count, dt));
    int *disp = NULL;

    while (pof2 * 2 <= size)
        pof2 *= 2;
    rem = size - pof2;
    if (!tmp)
        return;
    if (rank < 2 * rem && rank % 2 == 0) {
        sched_send(sc, recvbuf, count, dt, rank + 1);
        newrank = -1;
    } else if (rank < 2 * rem) {
        sched_recv(sc, tmp, count, dt, rank - 1);
        sched_round(sc);
        sched_reduce(sc, tmp, recvbuf, count, dt, op); /* rank - 1 is the lower */
        newrank = rank / 2;
    } else {
        newrank = rank - rem;
    }
    sched_round(sc);
    if (newrank >= 0 && count >= pof2 && sched_bytes(count, dt) >= ALLREDUCE_LARGE &&
        (disp = block_disp(count, pof2)))
        rabenseifner(sc, recvbuf, tmp, disp, dt, op, newrank, pof2, rem);
    else if (newrank >= 0)
        rd_exchange(sc, recvbuf, tmp, count, dt, op, newrank, pof2, rem);
    free(disp);
    if (rank < 2 * rem && rank % 2)
        sched_send(sc, recvbuf, count, dt, rank - 1);
    else if (rank < 2 * rem)
        sched_recv(sc, recvbuf, count, dt, rank + 1);
    sched_round(sc);
}

void sched_allreduce(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                     MPI_Datatype dt, MPI_Op op)
{
    if (sendbuf == MPI_IN_PLACE)
        sendbuf = recvbuf;
    if (!mpi_op_commutative(op) && sc->c->size > 1) {
        sched_reduce_tree(sc, sendbuf, recvbuf, count, dt, op, 0);
        sched_bcast(sc, recvbuf, count, dt, 0);
        return;
    }
    sched_copy(sc, sendbuf, recvbuf, count, dt);
    if (sc->c->size > 1)
        allreduce_commutative(sc, recvbuf, count, dt, op);
}

int PMPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                   MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_allreduce(c, sendbuf, recvbuf, count, datatype, op, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Allreduce");
    }
    if (!err)
        err = coll_check_data(recvbuf, count, datatype);
    if (!err)
        err = mpi_op_check_reduce(op, datatype);
    if (!err && count > 0 && (!sendbuf || sendbuf == recvbuf))
        err = MPI_ERR_BUFFER;
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (!sc)
            err = -ENOMEM;
        else
            sched_allreduce(sc, sendbuf, recvbuf, count, datatype, op);
        if (sc)
            err = mpi_sched_run(sc);
    }
    return mpi_error(comm, err, "MPI_Allreduce");
}
