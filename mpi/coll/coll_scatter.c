/* coll_scatter.c: MPI_Scatter and MPI_Scatterv.
 *
 * The mirror of coll_gather.c: MPI_Scatter of small blocks on more than two
 * ranks goes down the binomial tree (coll_scatter_tree.c); otherwise linear:
 * the root posts every send at once from its place in sendbuf and copies
 * its own block; the others receive once. One round.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Scatter = PMPI_Scatter
#pragma weak MPI_Scatterv = PMPI_Scatterv

void sched_scatterv(struct mpi_sched *sc, const void *sendbuf, const int *scounts,
                    const int *displs, int scount, MPI_Datatype sdt, void *recvbuf, int rcount,
                    MPI_Datatype rdt, int root)
{
    int rank = sc->c->rank, i;
    size_t ext = sched_extent(sdt);
    const char *sb = sendbuf;

    /* the root's block length (its recvbuf may be MPI_IN_PLACE) matches the others' */
    if (!scounts && coll_tree_fits(rank == root ? coll_packed_bytes(scount, sdt)
                                                : coll_packed_bytes(rcount, rdt),
                                   sc->c->size)) {
        sched_scatter_tree(sc, sendbuf, scount, sdt, recvbuf, rcount, rdt, root);
        return;
    }
    if (rank != root) {
        sched_recv(sc, recvbuf, rcount, rdt, root);
        return;
    }
    for (i = 0; i < sc->c->size; i++) {
        size_t off = (size_t)(scounts ? displs[i] : i * (long long)scount) * ext;
        int n = scounts ? scounts[i] : scount;
        if (i == root && recvbuf != MPI_IN_PLACE)
            sched_copy_as(sc, sb + off, n, sdt, recvbuf, rcount, rdt);
        else if (i != root)
            sched_send(sc, sb + off, n, sdt, i);
    }
}

int PMPI_Scatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
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
        err = coll_inter_scatter(c, &sb, &rb, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Scatter");
    }
    if (!err)
        err = coll_check_rooted(c, root, recvbuf, recvcount, recvtype, sendbuf, 0, NULL, NULL,
                                sendcount, sendtype);
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_scatterv(sc, sendbuf, NULL, NULL, sendcount, sendtype, recvbuf, recvcount,
                           recvtype, root);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Scatter");
}

int PMPI_Scatterv(const void *sendbuf, const int sendcounts[], const int displs[],
                  MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                  int root, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, 0, sendtype, sendcounts, displs, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        if (!sendcounts && root == MPI_ROOT)
            return mpi_error(comm, MPI_ERR_ARG, "MPI_Scatterv");
        struct mpi_sched *isc = NULL;
        err = coll_inter_scatter(c, &sb, &rb, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Scatterv");
    }
    if (!err)
        err = coll_check_rooted(c, root, recvbuf, recvcount, recvtype, sendbuf, 1, sendcounts,
                                displs, 0, sendtype);
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_scatterv(sc, sendbuf, sendcounts, displs, 0, sendtype, recvbuf, recvcount,
                           recvtype, root);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Scatterv");
}
