/* coll_scan.c: MPI_Scan and MPI_Exscan, by recursive doubling.
 *
 * Each rank keeps `partial`, the reduction of the aligned group of ranks it
 * has heard from so far (its own group at distance < mask), and its result.
 * At distance mask it swaps partials with rank ^ mask: a partial from a
 * lower group extends the result and is the left operand of the new
 * partial, one from a higher group is the right operand. Every combination
 * keeps rank order, so non-commutative operations are right, and the order
 * of evaluation depends only on the ranks (deterministic floating point).
 * Exscan is the same without the rank's own contribution in the result
 * (rank 0's result is left untouched, as MPI leaves it undefined).
 */
#include "coll_sched.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_thread.h"

#pragma weak MPI_Scan = PMPI_Scan
#pragma weak MPI_Exscan = PMPI_Exscan

void sched_scan(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                MPI_Datatype dt, MPI_Op op, int exclusive)
{
    int rank = sc->c->rank, mask, have = !exclusive;
    int commutative = mpi_op_commutative(op);
    size_t len = sched_bytes(count, dt);
    void *partial = sched_tmp(sc, len), *tmp = sched_tmp(sc, len);

    if (!partial || !tmp)
        return;
    if (sendbuf == MPI_IN_PLACE)
        sendbuf = recvbuf;
    sched_copy(sc, sendbuf, partial, count, dt);
    if (!exclusive)
        sched_copy(sc, sendbuf, recvbuf, count, dt);
    for (mask = 1; mask < sc->c->size; mask <<= 1) {
        int peer = rank ^ mask;
        if (peer >= sc->c->size)
            continue;
        sched_send(sc, partial, count, dt, peer);
        sched_recv(sc, tmp, count, dt, peer);
        sched_round(sc);
        if (peer < rank) {
            if (have)
                sched_reduce(sc, tmp, recvbuf, count, dt, op);
            else
                sched_copy(sc, tmp, recvbuf, count, dt);
            have = 1;
            sched_reduce(sc, tmp, partial, count, dt, op);
        } else if (commutative) {
            sched_reduce(sc, tmp, partial, count, dt, op);
        } else { /* partial = partial op tmp, through tmp */
            sched_reduce(sc, partial, tmp, count, dt, op);
            sched_copy(sc, tmp, partial, count, dt);
        }
    }
}

int scan_check(const struct mpi_comm *c, const void *sendbuf, const void *recvbuf, int count,
               MPI_Datatype dt, MPI_Op op)
{
    int err = coll_check_data(recvbuf, count, dt);

    (void)c;
    if (!err)
        err = mpi_op_check_reduce(op, dt);
    if (!err && count > 0 && (!sendbuf || sendbuf == recvbuf))
        err = MPI_ERR_BUFFER;
    return err;
}

static int scan_call(const void *sendbuf, void *recvbuf, int count, MPI_Datatype dt, MPI_Op op,
                     MPI_Comm comm, int exclusive, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) /* no prefix order across two groups: intracommunicators only */
        err = MPI_ERR_COMM;
    if (!err)
        err = scan_check(c, sendbuf, recvbuf, count, dt, op);
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_scan(sc, sendbuf, recvbuf, count, dt, op, exclusive);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, fname);
}

int PMPI_Scan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
              MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    return scan_call(sendbuf, recvbuf, count, datatype, op, comm, 0, "MPI_Scan");
}

int PMPI_Exscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    return scan_call(sendbuf, recvbuf, count, datatype, op, comm, 1, "MPI_Exscan");
}
