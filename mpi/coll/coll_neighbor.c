/* coll_neighbor.c: the blocking neighbourhood collectives (Neighbor_allgather,
 * Neighbor_allgatherv, Neighbor_alltoall, Neighbor_alltoallv,
 * Neighbor_alltoallw) and the schedule builder they share with the
 * nonblocking ones (coll_ineighbor.c).
 *
 * nbr_sched() reads the calling rank's neighbours from the communicator's
 * topology, checks each side against them and lays out the single round
 * described in coll_neighbor.h. The schedule records block addresses,
 * counts and types while it is built, so the neighbour lists and the
 * caller's arrays are not needed afterwards. A schedule and the requests
 * behind it live in the rank's container: a rank that moves with a
 * neighbourhood collective in flight finds it where it left it, and its
 * neighbours' messages reach it through comm-virt's forwarding.
 */
#include <errno.h>
#include <stdlib.h>
#include "coll_neighbor.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "topo.h"
#include "mpi_thread.h"

#pragma weak MPI_Neighbor_allgather = PMPI_Neighbor_allgather
#pragma weak MPI_Neighbor_allgatherv = PMPI_Neighbor_allgatherv
#pragma weak MPI_Neighbor_alltoall = PMPI_Neighbor_alltoall
#pragma weak MPI_Neighbor_alltoallv = PMPI_Neighbor_alltoallv
#pragma weak MPI_Neighbor_alltoallw = PMPI_Neighbor_alltoallw

/* Checks a side of n blocks; MPI_SUCCESS or the error class. */
static int side_check(const struct nbr_side *x, int n)
{
    size_t extent;
    int i, any = 0;

    if (x->buf == MPI_IN_PLACE)
        return MPI_ERR_BUFFER; /* no in-place form for neighbourhoods */
    if (x->form == NBR_UNIFORM)
        return coll_check_data(x->buf, x->same || n > 0 ? x->count : 0, x->type);
    if (n > 0 &&
        (!x->counts || !(x->form == NBR_V ? (const void *)x->displs : (const void *)x->bdispls)))
        return MPI_ERR_ARG;
    if (x->form == NBR_W && n > 0 && !x->types)
        return MPI_ERR_ARG;
    if (x->form == NBR_V && mpi_check_type(x->type, &extent))
        return MPI_ERR_TYPE;
    for (i = 0; i < n; i++) {
        if (x->counts[i] < 0)
            return MPI_ERR_COUNT;
        if (x->form == NBR_W && x->counts[i] > 0 && mpi_check_type(x->types[i], &extent))
            return MPI_ERR_TYPE;
        any |= x->counts[i] > 0;
    }
    /* Alltoallw's byte displacements may be absolute (MPI_BOTTOM). */
    return x->form == NBR_V && any && !x->buf ? MPI_ERR_BUFFER : MPI_SUCCESS;
}

/* Block i of side x: its address, count and type. */
static void side_block(const struct nbr_side *x, int i, char **buf_p, int *count_p,
                       MPI_Datatype *type_p)
{
    MPI_Datatype dt = x->types ? x->types[i] : x->type;
    int count = x->counts ? x->counts[i] : x->count;
    size_t off;

    if (x->same)
        off = 0;
    else if (x->bdispls)
        off = (size_t)x->bdispls[i];
    else if (x->displs)
        off = (size_t)x->displs[i] * sched_extent(dt);
    else
        off = (size_t)i * sched_bytes(count, dt);
    *buf_p = (char *)x->buf + off;
    *count_p = count;
    *type_p = dt;
}

/* The round: a receive per in-neighbour, then a send per out-neighbour.
 * On a Cartesian grid the receive block of the neighbour at -1 along a
 * dimension holds what that neighbour sent towards +1, and the other way
 * round (MPI-4.0 7.6, and MPICH): sends go out in the order +1, -1 of each
 * dimension while receives are posted -1, +1, so that when both neighbours
 * are one rank (a periodic dimension of 1 or 2) the in-order matching of
 * one pair's messages pairs each block with the opposite direction. */
static void nbr_round(struct mpi_sched *sc, const struct nbr_side *snd, const int *out, int nout,
                      const struct nbr_side *rcv, const int *in, int nin, int cart)
{
    MPI_Datatype dt;
    char *b;
    int i, n;

    for (i = 0; i < nin; i++) {
        side_block(rcv, i, &b, &n, &dt);
        sched_recv(sc, b, n, dt, in[i]);
    }
    for (i = 0; i < nout; i++) {
        int j = cart ? i ^ 1 : i; /* 2d + 1 before 2d on a grid */
        side_block(snd, j, &b, &n, &dt);
        sched_send(sc, b, n, dt, out[j]);
    }
}

int nbr_sched(struct mpi_comm *c, const struct nbr_side *snd, const struct nbr_side *rcv,
              struct mpi_sched **sc_p)
{
    struct mpi_topo *t = NULL;
    int *in = NULL, *out = NULL, nin = 0, nout = 0;
    int err = mpi_topo_get(c, 0, &t);

    if (!err)
        err = mpi_topo_neighbors(t, c->rank, &in, &nin, &out, &nout);
    if (!err)
        err = side_check(snd, nout);
    if (!err)
        err = side_check(rcv, nin);
    if (!err && !(*sc_p = mpi_sched_new(c)))
        err = -ENOMEM;
    if (!err)
        nbr_round(*sc_p, snd, out, nout, rcv, in, nin, t->kind == MPI_CART);
    free(in);
    free(out);
    return err;
}

/* Runs the call described by snd and rcv on comm, blocking. */
static int nbr_run(MPI_Comm comm, const struct nbr_side *snd, const struct nbr_side *rcv,
                   const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    struct mpi_sched *sc = NULL;
    int err = coll_enter(comm, &s, &c);

    if (!err)
        err = nbr_sched(c, snd, rcv, &sc);
    if (!err)
        err = coll_run(sc);
    return mpi_error(comm, err, fname);
}

int PMPI_Neighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                            void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype, .same = 1};
    struct nbr_side rcv = {.buf = recvbuf, .count = recvcount, .type = recvtype};

    return nbr_run(comm, &snd, &rcv, "MPI_Neighbor_allgather");
}

int PMPI_Neighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                             void *recvbuf, const int recvcounts[], const int displs[],
                             MPI_Datatype recvtype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype, .same = 1};
    struct nbr_side rcv = {
        .form = NBR_V, .buf = recvbuf, .type = recvtype, .counts = recvcounts, .displs = displs};

    return nbr_run(comm, &snd, &rcv, "MPI_Neighbor_allgatherv");
}

int PMPI_Neighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                           int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype};
    struct nbr_side rcv = {.buf = recvbuf, .count = recvcount, .type = recvtype};

    return nbr_run(comm, &snd, &rcv, "MPI_Neighbor_alltoall");
}

int PMPI_Neighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                            MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                            const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {
        .form = NBR_V, .buf = sendbuf, .type = sendtype, .counts = sendcounts, .displs = sdispls};
    struct nbr_side rcv = {
        .form = NBR_V, .buf = recvbuf, .type = recvtype, .counts = recvcounts, .displs = rdispls};

    return nbr_run(comm, &snd, &rcv, "MPI_Neighbor_alltoallv");
}

int PMPI_Neighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                            const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                            const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {.form = NBR_W,
                           .buf = sendbuf,
                           .counts = sendcounts,
                           .bdispls = sdispls,
                           .types = sendtypes};
    struct nbr_side rcv = {.form = NBR_W,
                           .buf = recvbuf,
                           .counts = recvcounts,
                           .bdispls = rdispls,
                           .types = recvtypes};

    return nbr_run(comm, &snd, &rcv, "MPI_Neighbor_alltoallw");
}
