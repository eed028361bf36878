/* coll_allgather.c: MPI_Allgather and MPI_Allgatherv.
 *
 * Allgather on a power-of-two communicator with a small total uses
 * recursive doubling: at distance 1, 2, 4, ... partners swap everything they
 * hold so far (an aligned, contiguous run of blocks), log2(size) steps; on
 * other sizes, Bruck's algorithm (coll_allgather_bruck.c), as many steps.
 * Otherwise (large totals, and every Allgatherv) the ring: in
 * step k each rank passes the block it received in step k - 1 to its right
 * neighbour, size - 1 steps of one block each, which keeps every link busy
 * and moves the minimum number of bytes.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Allgather = PMPI_Allgather
#pragma weak MPI_Allgatherv = PMPI_Allgatherv

/* Totals below this many bytes take recursive doubling (power-of-two sizes). */
#define ALLGATHER_RD_MAX (512 * 1024)

void sched_allgatherv(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                      void *recvbuf, const int *rcounts, const int *displs, MPI_Datatype rdt)
{
    int rank = sc->c->rank, size = sc->c->size, k;
    size_t ext = sched_extent(rdt);
    char *rb = recvbuf;

    if (sendbuf != MPI_IN_PLACE)
        sched_copy_as(sc, sendbuf, scount, sdt, rb + displs[rank] * ext, rcounts[rank], rdt);
    for (k = 0; k < size - 1; k++) {
        int sblk = (rank - k + size) % size, rblk = (rank - k - 1 + size) % size;
        sched_send(sc, rb + displs[sblk] * ext, rcounts[sblk], rdt, (rank + 1) % size);
        sched_recv(sc, rb + displs[rblk] * ext, rcounts[rblk], rdt, (rank - 1 + size) % size);
        sched_round(sc);
    }
}

static void allgather_rd(struct mpi_sched *sc, char *rb, int rcount, MPI_Datatype rdt)
{
    int rank = sc->c->rank, mask;
    size_t blk = sched_bytes(rcount, rdt);

    for (mask = 1; mask < sc->c->size; mask <<= 1) {
        int mine = rank & ~(mask - 1), theirs = (rank ^ mask) & ~(mask - 1);
        sched_send(sc, rb + mine * blk, rcount * mask, rdt, rank ^ mask);
        sched_recv(sc, rb + theirs * blk, rcount * mask, rdt, rank ^ mask);
        sched_round(sc);
    }
}

void sched_allgather(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                     void *recvbuf, int rcount, MPI_Datatype rdt)
{
    int size = sc->c->size, i;
    size_t total = sched_bytes(rcount, rdt) * (size_t)size;
    int *counts, *displs;

    if ((size & (size - 1)) == 0 && total < ALLGATHER_RD_MAX &&
        (long long)rcount * size <= 0x7fffffff) {
        if (sendbuf != MPI_IN_PLACE)
            sched_copy_as(sc, sendbuf, scount, sdt,
                          (char *)recvbuf + sc->c->rank * sched_bytes(rcount, rdt), rcount, rdt);
        allgather_rd(sc, recvbuf, rcount, rdt);
        return;
    }
    if (size > 2 && total < ALLGATHER_RD_MAX && (long long)rcount * size <= 0x7fffffff) {
        sched_allgather_bruck(sc, sendbuf, scount, sdt, recvbuf, rcount, rdt);
        return;
    }
    counts = sched_tmp(sc, sizeof(int) * (size_t)size);
    displs = sched_tmp(sc, sizeof(int) * (size_t)size);
    if (!counts || !displs)
        return;
    for (i = 0; i < size; i++) {
        counts[i] = rcount;
        displs[i] = i * rcount; /* fits: recvbuf holds size * rcount items */
    }
    sched_allgatherv(sc, sendbuf, scount, sdt, recvbuf, counts, displs, rdt);
}

/* Checks shared by both forms (recv side checked by the caller). */
static int check_send(const void *sendbuf, int scount, MPI_Datatype sdt, const void *recvbuf)
{
    if (sendbuf == MPI_IN_PLACE)
        return MPI_SUCCESS;
    int err = coll_check_data(sendbuf, scount, sdt);
    if (!err && scount > 0 && sendbuf == recvbuf)
        err = MPI_ERR_BUFFER;
    return err;
}

/* Runs a built schedule, or reports why it could not be built. */
int PMPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 1, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Allgather");
    }
    if (!err)
        err = check_send(sendbuf, sendcount, sendtype, recvbuf);
    if (!err)
        err = coll_check_data(recvbuf, recvcount, recvtype);
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_allgather(sc, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Allgather");
}

int PMPI_Allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                    const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                    MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, 0, recvtype, recvcounts, displs, NULL};
        if (!recvcounts)
            return mpi_error(comm, MPI_ERR_ARG, "MPI_Allgatherv");
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 1, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Allgatherv");
    }
    if (!err)
        err = check_send(sendbuf, sendcount, sendtype, recvbuf);
    if (!err)
        err = coll_check_counts(c, recvcounts, displs, 1);
    if (!err) {
        int total = coll_sum_counts(c, recvcounts, &err);
        if (!err)
            err = coll_check_data(recvbuf, total, recvtype);
    }
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_allgatherv(sc, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                             recvtype);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Allgatherv");
}
