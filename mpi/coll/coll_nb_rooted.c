/* coll_nb_rooted.c: Igather, Igatherv, Iscatter, Iscatterv and their MPI-4
 * persistent twins (Gather_init, Gatherv_init, Scatter_init, Scatterv_init),
 * on intracommunicators.
 *
 * The checks (coll_check_rooted) and schedules (sched_gatherv,
 * sched_scatterv) are those of the blocking calls, so all three forms give
 * the same error classes and the same data; coll_launch starts the schedule
 * or keeps it for MPI_Start (coll_nb.c tells how). Intercommunicator
 * versions dispatch at the top of each *_call, after coll_nb_enter.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Igather = PMPI_Igather
#pragma weak MPI_Igatherv = PMPI_Igatherv
#pragma weak MPI_Iscatter = PMPI_Iscatter
#pragma weak MPI_Iscatterv = PMPI_Iscatterv
#pragma weak MPI_Gather_init = PMPI_Gather_init
#pragma weak MPI_Gatherv_init = PMPI_Gatherv_init
#pragma weak MPI_Scatter_init = PMPI_Scatter_init
#pragma weak MPI_Scatterv_init = PMPI_Scatterv_init

/* v == 0: rcount items from each rank; v == 1: rcounts[i] at displs[i]. */
static int gather_call(const void *sendbuf, int scount, MPI_Datatype sdt, void *recvbuf, int v,
                       const int *rcounts, const int *displs, int rcount, MPI_Datatype rdt,
                       int root, MPI_Comm comm, MPI_Request *request, int persistent,
                       const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        struct coll_inter_blocks sb = {(void *)sendbuf, scount, sdt, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, rcount, rdt, v ? rcounts : NULL, displs, NULL};
        err = v && !rcounts && root == MPI_ROOT ? MPI_ERR_ARG
                                                : coll_inter_gather(c, &sb, &rb, root, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err)
        err = coll_check_rooted(c, root, sendbuf, scount, sdt, recvbuf, v, rcounts, displs, rcount,
                                rdt);
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_gatherv(sc, sendbuf, scount, sdt, recvbuf, v ? rcounts : NULL, displs, rcount, rdt,
                      root);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

/* The mirror: v == 0, scount items to each rank; v == 1, scounts[i] from
 * displs[i]. */
static int scatter_call(const void *sendbuf, int v, const int *scounts, const int *displs,
                        int scount, MPI_Datatype sdt, void *recvbuf, int rcount, MPI_Datatype rdt,
                        int root, MPI_Comm comm, MPI_Request *request, int persistent,
                        const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        struct coll_inter_blocks sb = {(void *)sendbuf,    scount, sdt,
                                       v ? scounts : NULL, displs, NULL};
        struct coll_inter_blocks rb = {recvbuf, rcount, rdt, NULL, NULL, NULL};
        err = v && !scounts && root == MPI_ROOT ? MPI_ERR_ARG
                                                : coll_inter_scatter(c, &sb, &rb, root, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err)
        err = coll_check_rooted(c, root, recvbuf, rcount, rdt, sendbuf, v, scounts, displs, scount,
                                sdt);
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_scatterv(sc, sendbuf, v ? scounts : NULL, displs, scount, sdt, recvbuf, rcount, rdt,
                       root);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

int PMPI_Igather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                 MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return gather_call(sendbuf, sendcount, sendtype, recvbuf, 0, NULL, NULL, recvcount, recvtype,
                       root, comm, request, 0, "MPI_Igather");
}

int PMPI_Gather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                     int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                     MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return gather_call(sendbuf, sendcount, sendtype, recvbuf, 0, NULL, NULL, recvcount, recvtype,
                       root, comm, request, 1, "MPI_Gather_init");
}

int PMPI_Igatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                  MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return gather_call(sendbuf, sendcount, sendtype, recvbuf, 1, recvcounts, displs, 0, recvtype,
                       root, comm, request, 0, "MPI_Igatherv");
}

int PMPI_Gatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                      const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                      MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return gather_call(sendbuf, sendcount, sendtype, recvbuf, 1, recvcounts, displs, 0, recvtype,
                       root, comm, request, 1, "MPI_Gatherv_init");
}

int PMPI_Iscatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                  MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return scatter_call(sendbuf, 0, NULL, NULL, sendcount, sendtype, recvbuf, recvcount, recvtype,
                        root, comm, request, 0, "MPI_Iscatter");
}

int PMPI_Scatter_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                      int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                      MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return scatter_call(sendbuf, 0, NULL, NULL, sendcount, sendtype, recvbuf, recvcount, recvtype,
                        root, comm, request, 1, "MPI_Scatter_init");
}

int PMPI_Iscatterv(const void *sendbuf, const int sendcounts[], const int displs[],
                   MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                   int root, MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return scatter_call(sendbuf, 1, sendcounts, displs, 0, sendtype, recvbuf, recvcount, recvtype,
                        root, comm, request, 0, "MPI_Iscatterv");
}

int PMPI_Scatterv_init(const void *sendbuf, const int sendcounts[], const int displs[],
                       MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                       int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return scatter_call(sendbuf, 1, sendcounts, displs, 0, sendtype, recvbuf, recvcount, recvtype,
                        root, comm, request, 1, "MPI_Scatterv_init");
}
