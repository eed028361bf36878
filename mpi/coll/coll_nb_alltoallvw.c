/* coll_nb_alltoallvw.c: Ialltoallv, Ialltoallw and their MPI-4 persistent
 * twins (Alltoallv_init, Alltoallw_init), on intracommunicators.
 *
 * Same checks (alltoall_check_side) and exchange schedules
 * (sched_alltoallv/w) as the blocking calls in coll_alltoall.c; the
 * schedule copies the per-peer counts, displacements and types into its
 * steps, so the caller's arrays need not outlive the call (MPI lets the
 * caller reuse them). Intercommunicator versions dispatch at the top of
 * each *_call, after coll_nb_enter.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Ialltoallv = PMPI_Ialltoallv
#pragma weak MPI_Ialltoallw = PMPI_Ialltoallw
#pragma weak MPI_Alltoallv_init = PMPI_Alltoallv_init
#pragma weak MPI_Alltoallw_init = PMPI_Alltoallw_init

static int alltoallv_call(const void *sendbuf, const int *scounts, const int *sdispls,
                          MPI_Datatype sdt, void *recvbuf, const int *rcounts, const int *rdispls,
                          MPI_Datatype rdt, MPI_Comm comm, MPI_Request *request, int persistent,
                          const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        struct coll_inter_blocks sb = {(void *)sendbuf, 0, sdt, scounts, sdispls, NULL};
        struct coll_inter_blocks rb = {recvbuf, 0, rdt, rcounts, rdispls, NULL};
        err = scounts && rcounts ? coll_inter_exchange(c, &sb, 0, &rb, &isc) : MPI_ERR_ARG;
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err && sendbuf != MPI_IN_PLACE)
        err = alltoall_check_side(c, sendbuf, scounts, sdispls, NULL, sdt, 0);
    if (!err)
        err = alltoall_check_side(c, recvbuf, rcounts, rdispls, NULL, rdt, 0);
    if (!err && sendbuf == recvbuf && recvbuf)
        err = MPI_ERR_BUFFER;
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_alltoallv(sc, sendbuf, scounts, sdispls, sdt, recvbuf, rcounts, rdispls, rdt);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

static int alltoallw_call(const void *sendbuf, const int *scounts, const int *sdispls,
                          const MPI_Datatype *sdts, void *recvbuf, const int *rcounts,
                          const int *rdispls, const MPI_Datatype *rdts, MPI_Comm comm,
                          MPI_Request *request, int persistent, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        struct coll_inter_blocks sb = {(void *)sendbuf, 0, MPI_BYTE, scounts, sdispls, sdts};
        struct coll_inter_blocks rb = {recvbuf, 0, MPI_BYTE, rcounts, rdispls, rdts};
        err = scounts && rcounts && sdts && rdts ? coll_inter_exchange(c, &sb, 0, &rb, &isc)
                                                 : MPI_ERR_ARG;
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err && sendbuf != MPI_IN_PLACE)
        err = alltoall_check_side(c, sendbuf, scounts, sdispls, sdts, MPI_DATATYPE_NULL, 1);
    if (!err)
        err = alltoall_check_side(c, recvbuf, rcounts, rdispls, rdts, MPI_DATATYPE_NULL, 1);
    if (!err && sendbuf == recvbuf && recvbuf)
        err = MPI_ERR_BUFFER;
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_alltoallw(sc, sendbuf, scounts, sdispls, sdts, recvbuf, rcounts, rdispls, rdts);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

int PMPI_Ialltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                    MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                    const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return alltoallv_call(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                          recvtype, comm, request, 0, "MPI_Ialltoallv");
}

int PMPI_Alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                        MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                        const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return alltoallv_call(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                          recvtype, comm, request, 1, "MPI_Alltoallv_init");
}

int PMPI_Ialltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[],
                    const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                    const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                    MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return alltoallw_call(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                          recvtypes, comm, request, 0, "MPI_Ialltoallw");
}

int PMPI_Alltoallw_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                        const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                        const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                        MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return alltoallw_call(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                          recvtypes, comm, request, 1, "MPI_Alltoallw_init");
}
