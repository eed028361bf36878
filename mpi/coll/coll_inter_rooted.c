/* coll_inter_rooted.c: rooted collectives on intercommunicators (Bcast,
 * Reduce, Gather(v), Scatter(v), blocking and nonblocking).
 *
 * The root's group passes MPI_ROOT at the root and MPI_PROC_NULL at its
 * other ranks, which take no part; the other group passes the root's rank
 * in the remote group. Bcast: the root sends to remote rank 0, which
 * broadcasts in its group. Reduce: the other group reduces to its rank 0
 * (the intracommunicator tree, so a non-commutative op combines in rank
 * order), which sends the result to the root. Gather and Scatter are
 * linear: the root exchanges one block with each remote rank, all in one
 * round, as the intracommunicator versions do.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_op.h"

int coll_inter_bcast(struct mpi_comm *c, void *buf, int count, MPI_Datatype dt, int root,
                     struct mpi_sched **sc_p)
{
    struct mpi_sched *sc;
    int err = mpi_check_root(c, root);

    if (!err && root != MPI_PROC_NULL)
        err = coll_check_data(buf, count, dt);
    if (err)
        return err;
    sc = mpi_sched_new(c);
    if (sc && root == MPI_ROOT) {
        sched_send(sc, buf, count, dt, 0);
    } else if (sc && root != MPI_PROC_NULL) {
        if (c->rank == 0)
            sched_recv(sc, buf, count, dt, root);
        sched_round(sc);
        sc->local = 1;
        sched_bcast(sc, buf, count, dt, 0);
    }
    return coll_inter_built(sc, sc_p);
}

/* Arguments of an intercommunicator reduction at a rank that takes part:
 * count, type and op, and the one buffer it uses (no MPI_IN_PLACE). */
static int check_inter_reduction(const void *buf, int count, MPI_Datatype dt, MPI_Op op)
{
    int err = buf == MPI_IN_PLACE ? MPI_ERR_BUFFER : coll_check_data(buf, count, dt);

    return err ? err : mpi_op_check_reduce(op, dt);
}

int coll_inter_reduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                      MPI_Datatype dt, MPI_Op op, int root, struct mpi_sched **sc_p)
{
    struct mpi_sched *sc;
    void *acc = NULL;
    int err = mpi_check_root(c, root);

    if (!err && root != MPI_PROC_NULL)
        err = check_inter_reduction(root == MPI_ROOT ? recvbuf : sendbuf, count, dt, op);
    if (err)
        return err;
    sc = mpi_sched_new(c);
    if (sc && root == MPI_ROOT) {
        sched_recv(sc, recvbuf, count, dt, 0);
    } else if (sc && root != MPI_PROC_NULL) {
        if (c->rank == 0)
            acc = sched_tmp(sc, sched_bytes(count, dt));
        sc->local = 1;
        sched_reduce_tree(sc, sendbuf, acc, count, dt, op, 0);
        sc->local = 0;
        sched_round(sc);
        if (c->rank == 0 && acc)
            sched_send(sc, acc, count, dt, root);
    }
    return coll_inter_built(sc, sc_p);
}

/* Checks of Gather(v)/Scatter(v): the root's blocks (one per remote rank),
 * or the one block of a rank of the other group (no MPI_IN_PLACE). */
static int check_rooted(const struct mpi_comm *c, const struct coll_inter_blocks *at_root,
                        const struct coll_inter_blocks *mine, int root)
{
    int err = mpi_check_root(c, root);

    if (err || root == MPI_PROC_NULL)
        return err;
    if (root == MPI_ROOT)
        return coll_inter_check_blocks(at_root, c->remote_size);
    return mine->buf == MPI_IN_PLACE ? MPI_ERR_BUFFER : coll_inter_check_blocks(mine, 1);
}

int coll_inter_gather(struct mpi_comm *c, const struct coll_inter_blocks *sb,
                      const struct coll_inter_blocks *rb, int root, struct mpi_sched **sc_p)
{
    struct mpi_sched *sc;
    MPI_Datatype dt;
    void *addr;
    int i, n, err = check_rooted(c, rb, sb, root);

    if (err)
        return err;
    sc = mpi_sched_new(c);
    for (i = 0; sc && root == MPI_ROOT && i < c->remote_size; i++) {
        coll_inter_block(rb, i, &addr, &n, &dt);
        sched_recv(sc, addr, n, dt, i);
    }
    if (sc && root >= 0)
        sched_send(sc, sb->buf, sb->count, sb->dt, root);
    return coll_inter_built(sc, sc_p);
}

int coll_inter_scatter(struct mpi_comm *c, const struct coll_inter_blocks *sb,
                       const struct coll_inter_blocks *rb, int root, struct mpi_sched **sc_p)
{
    struct mpi_sched *sc;
    MPI_Datatype dt;
    void *addr;
    int i, n, err = check_rooted(c, sb, rb, root);

    if (err)
        return err;
    sc = mpi_sched_new(c);
    for (i = 0; sc && root == MPI_ROOT && i < c->remote_size; i++) {
        coll_inter_block(sb, i, &addr, &n, &dt);
        sched_send(sc, addr, n, dt, i);
    }
    if (sc && root >= 0)
        sched_recv(sc, rb->buf, rb->count, rb->dt, root);
    return coll_inter_built(sc, sc_p);
}
