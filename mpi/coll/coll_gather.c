/* coll_gather.c: MPI_Gather and MPI_Gatherv.
 *
 * MPI_Gather of small blocks on more than two ranks goes down the binomial
 * tree of coll_gather_tree.c (log2(size) rounds, coll_tree_fits). Otherwise
 * (large blocks, and every Gatherv, whose counts only the root knows)
 * linear: every rank sends its block straight to the root, which posts all
 * its receives at once into their final place; one round, each byte crosses
 * one link once.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Gather = PMPI_Gather
#pragma weak MPI_Gatherv = PMPI_Gatherv

void sched_gatherv(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                   void *recvbuf, const int *rcounts, const int *displs, int rcount,
                   MPI_Datatype rdt, int root)
{
    int rank = sc->c->rank, i;
    size_t ext = sched_extent(rdt);
    char *rb = recvbuf;

    /* the root's block length (its sendbuf may be MPI_IN_PLACE) matches the others' */
    if (!rcounts && coll_tree_fits(rank == root ? coll_packed_bytes(rcount, rdt)
                                                : coll_packed_bytes(scount, sdt),
                                   sc->c->size)) {
        sched_gather_tree(sc, sendbuf, scount, sdt, recvbuf, rcount, rdt, root);
        return;
    }
    if (rank != root) {
        sched_send(sc, sendbuf, scount, sdt, root);
        return;
    }
    for (i = 0; i < sc->c->size; i++) {
        size_t off = (size_t)(rcounts ? displs[i] : i * (long long)rcount) * ext;
        int n = rcounts ? rcounts[i] : rcount;
        if (i == root && sendbuf != MPI_IN_PLACE)
            sched_copy_as(sc, sendbuf, scount, sdt, rb + off, n, rdt);
        else if (i != root)
            sched_recv(sc, rb + off, n, rdt, i);
    }
}

int PMPI_Gather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        struct mpi_sched *isc = NULL;
        err = coll_inter_gather(c, &sb, &rb, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Gather");
    }
    if (!err)
        err = coll_check_rooted(c, root, sendbuf, sendcount, sendtype, recvbuf, 0, NULL, NULL,
                                recvcount, recvtype);
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_gatherv(sc, sendbuf, sendcount, sendtype, recvbuf, NULL, NULL, recvcount,
                          recvtype, root);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Gather");
}

int PMPI_Gatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                 MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, 0, recvtype, recvcounts, displs, NULL};
        if (!recvcounts && root == MPI_ROOT)
            return mpi_error(comm, MPI_ERR_ARG, "MPI_Gatherv");
        struct mpi_sched *isc = NULL;
        err = coll_inter_gather(c, &sb, &rb, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Gatherv");
    }
    if (!err)
        err = coll_check_rooted(c, root, sendbuf, sendcount, sendtype, recvbuf, 1, recvcounts,
                                displs, 0, recvtype);
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_gatherv(sc, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, 0,
                          recvtype, root);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Gatherv");
}
