/* coll_ineighbor.c: the nonblocking neighbourhood collectives
 * (Ineighbor_allgather, Ineighbor_allgatherv, Ineighbor_alltoall,
 * Ineighbor_alltoallv, Ineighbor_alltoallw) and their MPI-4 persistent
 * twins (Neighbor_allgather_init ... Neighbor_alltoallw_init).
 *
 * Each builds the schedule of its blocking twin (nbr_sched, coll_neighbor.c)
 * and hands it to coll_launch, like coll_nb.c does for the other
 * collectives: a nonblocking call starts it as a request of kind
 * MPI_REQ_COLL, which Wait/Test and every other wait loop advance wherever
 * the rank is by then; a persistent init keeps it in an inactive request
 * that every MPI_Start replays (the blocks are read at each start, so new
 * data in the same buffers go out). The info argument of the inits carries
 * only hints, none of which this library uses.
 */
#include "coll_neighbor.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Ineighbor_allgather = PMPI_Ineighbor_allgather
#pragma weak MPI_Ineighbor_allgatherv = PMPI_Ineighbor_allgatherv
#pragma weak MPI_Ineighbor_alltoall = PMPI_Ineighbor_alltoall
#pragma weak MPI_Ineighbor_alltoallv = PMPI_Ineighbor_alltoallv
#pragma weak MPI_Ineighbor_alltoallw = PMPI_Ineighbor_alltoallw
#pragma weak MPI_Neighbor_allgather_init = PMPI_Neighbor_allgather_init
#pragma weak MPI_Neighbor_allgatherv_init = PMPI_Neighbor_allgatherv_init
#pragma weak MPI_Neighbor_alltoall_init = PMPI_Neighbor_alltoall_init
#pragma weak MPI_Neighbor_alltoallv_init = PMPI_Neighbor_alltoallv_init
#pragma weak MPI_Neighbor_alltoallw_init = PMPI_Neighbor_alltoallw_init

/* Starts the call described by snd and rcv on comm as request *request,
 * or (persistent) makes it an inactive persistent request. */
static int nbr_launch(MPI_Comm comm, const struct nbr_side *snd, const struct nbr_side *rcv,
                      int persistent, MPI_Request *request, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    struct mpi_sched *sc = NULL;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err)
        err = nbr_sched(c, snd, rcv, &sc);
    if (!err)
        err = coll_launch(s, sc, persistent, request);
    return mpi_error(comm, err, fname);
}

int PMPI_Ineighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                             void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                             MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype, .same = 1};
    struct nbr_side rcv = {.buf = recvbuf, .count = recvcount, .type = recvtype};

    return nbr_launch(comm, &snd, &rcv, 0, request, "MPI_Ineighbor_allgather");
}

int PMPI_Ineighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                              void *recvbuf, const int recvcounts[], const int displs[],
                              MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype, .same = 1};
    struct nbr_side rcv = {
        .form = NBR_V, .buf = recvbuf, .type = recvtype, .counts = recvcounts, .displs = displs};

    return nbr_launch(comm, &snd, &rcv, 0, request, "MPI_Ineighbor_allgatherv");
}

int PMPI_Ineighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                            void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                            MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype};
    struct nbr_side rcv = {.buf = recvbuf, .count = recvcount, .type = recvtype};

    return nbr_launch(comm, &snd, &rcv, 0, request, "MPI_Ineighbor_alltoall");
}

int PMPI_Ineighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                             MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                             const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                             MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct nbr_side snd = {
        .form = NBR_V, .buf = sendbuf, .type = sendtype, .counts = sendcounts, .displs = sdispls};
    struct nbr_side rcv = {
        .form = NBR_V, .buf = recvbuf, .type = recvtype, .counts = recvcounts, .displs = rdispls};

    return nbr_launch(comm, &snd, &rcv, 0, request, "MPI_Ineighbor_alltoallv");
}

int PMPI_Ineighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                             const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                             const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                             MPI_Comm comm, MPI_Request *request)
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

    return nbr_launch(comm, &snd, &rcv, 0, request, "MPI_Ineighbor_alltoallw");
}

int PMPI_Neighbor_allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                 void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                                 MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info; /* hints only */
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype, .same = 1};
    struct nbr_side rcv = {.buf = recvbuf, .count = recvcount, .type = recvtype};

    return nbr_launch(comm, &snd, &rcv, 1, request, "MPI_Neighbor_allgather_init");
}

int PMPI_Neighbor_allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                  void *recvbuf, const int recvcounts[], const int displs[],
                                  MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                  MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info; /* hints only */
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype, .same = 1};
    struct nbr_side rcv = {
        .form = NBR_V, .buf = recvbuf, .type = recvtype, .counts = recvcounts, .displs = displs};

    return nbr_launch(comm, &snd, &rcv, 1, request, "MPI_Neighbor_allgatherv_init");
}

int PMPI_Neighbor_alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                                MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info; /* hints only */
    struct nbr_side snd = {.buf = sendbuf, .count = sendcount, .type = sendtype};
    struct nbr_side rcv = {.buf = recvbuf, .count = recvcount, .type = recvtype};

    return nbr_launch(comm, &snd, &rcv, 1, request, "MPI_Neighbor_alltoall_init");
}

int PMPI_Neighbor_alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                                 MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                                 const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                                 MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info; /* hints only */
    struct nbr_side snd = {
        .form = NBR_V, .buf = sendbuf, .type = sendtype, .counts = sendcounts, .displs = sdispls};
    struct nbr_side rcv = {
        .form = NBR_V, .buf = recvbuf, .type = recvtype, .counts = recvcounts, .displs = rdispls};

    return nbr_launch(comm, &snd, &rcv, 1, request, "MPI_Neighbor_alltoallv_init");
}

int PMPI_Neighbor_alltoallw_init(const void *sendbuf, const int sendcounts[],
                                 const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                 void *recvbuf, const int recvcounts[], const MPI_Aint rdispls[],
                                 const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                                 MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info; /* hints only */
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

    return nbr_launch(comm, &snd, &rcv, 1, request, "MPI_Neighbor_alltoallw_init");
}
