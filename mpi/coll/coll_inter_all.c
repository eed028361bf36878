/* coll_inter_all.c: all-to-all collectives on intercommunicators (Barrier,
 * Allreduce, Allgather(v), Alltoall(v,w), Reduce_scatter(_block), blocking
 * and nonblocking) and the helpers coll_inter.h shares.
 *
 * Barrier: a local barrier, the leaders (rank 0 of each group) swap an empty
 * message, a second local barrier; no rank leaves before every rank of both
 * groups has entered. Allreduce and Reduce_scatter: each group reduces to
 * its leader (the intracommunicator tree, rank order kept for
 * non-commutative ops), the leaders swap their results, and each leader
 * broadcasts (Allreduce) or scatters (Reduce_scatter) the other group's
 * result in its group. Allgather and Alltoall are direct: every rank
 * exchanges its blocks with every remote rank in one round.
 */
#include <errno.h>
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_state.h"

void coll_inter_block(const struct coll_inter_blocks *b, int i, void **addr_p, int *count_p,
                      MPI_Datatype *dt_p)
{
    MPI_Datatype dt = b->types ? b->types[i] : b->dt;
    long long at = b->displs ? b->displs[i] : (long long)i * b->count;

    *count_p = b->counts ? b->counts[i] : b->count;
    *dt_p = dt;
    *addr_p = (char *)b->buf + (b->types ? at : at * (long long)sched_extent(b->dt));
}

int coll_inter_check_blocks(const struct coll_inter_blocks *b, int n)
{
    long long total = 0;
    size_t extent;
    int i;

    if (!b->counts)
        return coll_check_data(b->buf, b->count, b->dt);
    if (!b->displs)
        return MPI_ERR_ARG;
    for (i = 0; i < n; i++) {
        if (b->counts[i] < 0)
            return MPI_ERR_COUNT;
        if (b->types && b->counts[i] > 0 && mpi_check_type(b->types[i], &extent))
            return MPI_ERR_TYPE;
        total += b->counts[i];
    }
    if (!b->types && mpi_check_type(b->dt, &extent))
        return MPI_ERR_TYPE;
    return total > 0 && !b->buf ? MPI_ERR_BUFFER : MPI_SUCCESS;
}

int coll_inter_built(struct mpi_sched *sc, struct mpi_sched **sc_p)
{
    if (!sc)
        return -ENOMEM;
    sc->local = 0;
    *sc_p = sc;
    return MPI_SUCCESS;
}

int coll_inter_go(int err, struct mpi_sched *sc, MPI_Request *req)
{
    if (err)
        return err;
    return req ? mpi_sched_start(mpi_state(), sc, req) : mpi_sched_run(sc);
}

int coll_inter_barrier(struct mpi_comm *c, struct mpi_sched **sc_p)
{
    struct mpi_sched *sc = mpi_sched_new(c);

    if (sc) {
        sc->local = 1;
        sched_barrier(sc);
        sc->local = 0;
        sched_round(sc);
        if (c->rank == 0) {
            sched_send(sc, NULL, 0, MPI_BYTE, 0);
            sched_recv(sc, NULL, 0, MPI_BYTE, 0);
        }
        sched_round(sc);
        sc->local = 1;
        sched_barrier(sc);
    }
    return coll_inter_built(sc, sc_p);
}

/* Count, type, op and both buffers of Allreduce/Reduce_scatter (no
 * MPI_IN_PLACE on an intercommunicator). */
static int check_all_reduction(const void *sendbuf, const void *recvbuf, int scount, int rcount,
                               MPI_Datatype dt, MPI_Op op)
{
    int err = sendbuf == MPI_IN_PLACE ? MPI_ERR_BUFFER : coll_check_data(sendbuf, scount, dt);

    if (!err)
        err = coll_check_data(recvbuf, rcount, dt);
    if (!err)
        err = mpi_op_check_reduce(op, dt);
    if (!err && rcount > 0 && sendbuf == recvbuf)
        err = MPI_ERR_BUFFER;
    return err;
}

/* Reduces the group's sendbufs to a scratch buffer at rank 0 and swaps it
 * with the remote leader; returns the scratch that receives the remote
 * group's result at rank 0 (NULL elsewhere or without memory), and in
 * *mine_p (when not NULL) the one holding this group's. */
static void *reduce_and_swap(struct mpi_sched *sc, const void *sendbuf, int count, MPI_Datatype dt,
                             MPI_Op op, void **mine_p)
{
    int leader = sc->c->rank == 0;
    void *mine = leader ? sched_tmp(sc, sched_bytes(count, dt)) : NULL;
    void *theirs = leader ? sched_tmp(sc, sched_bytes(count, dt)) : NULL;

    sc->local = 1;
    sched_reduce_tree(sc, sendbuf, mine, count, dt, op, 0);
    sc->local = 0;
    sched_round(sc);
    if (mine && theirs) {
        sched_send(sc, mine, count, dt, 0);
        sched_recv(sc, theirs, count, dt, 0);
    }
    sched_round(sc);
    if (mine_p)
        *mine_p = mine;
    return theirs;
}

int coll_inter_allreduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                         MPI_Datatype dt, MPI_Op op, struct mpi_sched **sc_p)
{
    struct mpi_sched *sc;
    int err = check_all_reduction(sendbuf, recvbuf, count, count, dt, op);

    if (err)
        return err;
    sc = mpi_sched_new(c);
    if (sc) {
        void *theirs = reduce_and_swap(sc, sendbuf, count, dt, op, NULL);
        if (theirs)
            sched_copy(sc, theirs, recvbuf, count, dt);
        sc->local = 1;
        sched_bcast(sc, recvbuf, count, dt, 0);
    }
    return coll_inter_built(sc, sc_p);
}

int mpi_coll_inter_imax(struct mpi_comm *c, int *vals, int n, MPI_Request *req)
{
    struct mpi_sched *sc = mpi_sched_new(c);

    if (sc) {
        /* the leaders swap their group's maxima, each keeps the larger */
        void *mine = NULL, *theirs = reduce_and_swap(sc, vals, n, MPI_INT, MPI_MAX, &mine);
        if (mine && theirs) {
            sched_reduce(sc, theirs, mine, n, MPI_INT, MPI_MAX);
            sched_copy(sc, mine, vals, n, MPI_INT);
        }
        sc->local = 1;
        sched_bcast(sc, vals, n, MPI_INT, 0);
    }
    return coll_inter_go(coll_inter_built(sc, &sc), sc, req);
}

int coll_inter_exchange(struct mpi_comm *c, const struct coll_inter_blocks *sb, int same_block,
                        const struct coll_inter_blocks *rb, struct mpi_sched **sc_p)
{
    struct mpi_sched *sc;
    MPI_Datatype sdt, rdt;
    void *saddr, *raddr;
    int i, sn, rn, err;

    err = sb->buf == MPI_IN_PLACE ? MPI_ERR_BUFFER
                                  : coll_inter_check_blocks(sb, same_block ? 1 : c->remote_size);
    if (!err)
        err = coll_inter_check_blocks(rb, c->remote_size);
    if (err)
        return err;
    sc = mpi_sched_new(c);
    for (i = 0; sc && i < c->remote_size; i++) {
        if (same_block) {
            saddr = sb->buf;
            sn = sb->count;
            sdt = sb->dt;
        } else {
            coll_inter_block(sb, i, &saddr, &sn, &sdt);
        }
        coll_inter_block(rb, i, &raddr, &rn, &rdt);
        sched_send(sc, saddr, sn, sdt, i);
        sched_recv(sc, raddr, rn, rdt, i);
    }
    return coll_inter_built(sc, sc_p);
}

int coll_inter_reduce_scatter(struct mpi_comm *c, const void *sendbuf, void *recvbuf,
                              const int *counts, int count, MPI_Datatype dt, MPI_Op op,
                              struct mpi_sched **sc_p)
{
    long long total = 0;
    struct mpi_sched *sc;
    size_t ext;
    char *theirs;
    int i, err = counts ? MPI_SUCCESS : mpi_check_count(count);

    for (i = 0; !err && counts && i < c->size; i++)
        err = counts[i] < 0 ? MPI_ERR_COUNT : MPI_SUCCESS;
    for (i = 0; !err && i < c->size; i++)
        total += counts ? counts[i] : count;
    if (!err && total > 0x7fffffff)
        err = MPI_ERR_COUNT;
    if (!err)
        err = check_all_reduction(sendbuf, recvbuf, (int)total, counts ? counts[c->rank] : count,
                                  dt, op);
    if (err)
        return err;
    sc = mpi_sched_new(c);
    if (!sc)
        return -ENOMEM;
    theirs = reduce_and_swap(sc, sendbuf, (int)total, dt, op, NULL);
    ext = sched_extent(dt);
    sc->local = 1;
    for (i = 0; theirs && i < c->size; i++) { /* the leader scatters the remote result */
        int n = counts ? counts[i] : count;
        if (i == 0)
            sched_copy(sc, theirs, recvbuf, n, dt);
        else
            sched_send(sc, theirs, n, dt, i);
        theirs += (size_t)n * ext;
    }
    if (c->rank != 0)
        sched_recv(sc, recvbuf, counts ? counts[c->rank] : count, dt, 0);
    return coll_inter_built(sc, sc_p);
}
