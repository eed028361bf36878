/* coll_nb_scan.c: Ireduce_scatter, Ireduce_scatter_block, Iscan, Iexscan
 * and their MPI-4 persistent twins (Reduce_scatter_init,
 * Reduce_scatter_block_init, Scan_init, Exscan_init), on intracommunicators.
 *
 * Same checks (rs_check, scan_check) and schedules (sched_reduce_scatter,
 * sched_scan) as the blocking calls, so the order of the reductions, and
 * hence floating-point results, are the same bit for bit. A user operation
 * is referenced by the schedule's steps: the application may free it while
 * the operation is pending or between starts. Intercommunicator versions
 * dispatch at the top of each *_call, after coll_nb_enter.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Ireduce_scatter = PMPI_Ireduce_scatter
#pragma weak MPI_Ireduce_scatter_block = PMPI_Ireduce_scatter_block
#pragma weak MPI_Iscan = PMPI_Iscan
#pragma weak MPI_Iexscan = PMPI_Iexscan
#pragma weak MPI_Reduce_scatter_init = PMPI_Reduce_scatter_init
#pragma weak MPI_Reduce_scatter_block_init = PMPI_Reduce_scatter_block_init
#pragma weak MPI_Scan_init = PMPI_Scan_init
#pragma weak MPI_Exscan_init = PMPI_Exscan_init

/* v == 0: the block form, `count` items per rank; v == 1: counts[i]. */
static int rs_call(const void *sendbuf, void *recvbuf, int v, const int *counts, int count,
                   MPI_Datatype dt, MPI_Op op, MPI_Comm comm, MPI_Request *request, int persistent,
                   const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int total = 0, err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = v && !counts ? MPI_ERR_ARG
                           : coll_inter_reduce_scatter(c, sendbuf, recvbuf, v ? counts : NULL,
                                                       count, dt, op, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err && v && !counts)
        err = MPI_ERR_ARG;
    if (!err)
        err = rs_check(c, sendbuf, recvbuf, v ? counts : NULL, count, dt, op, &total);
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_reduce_scatter(sc, sendbuf, recvbuf, v ? counts : NULL, count, total, dt, op);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

static int scan_call(const void *sendbuf, void *recvbuf, int count, MPI_Datatype dt, MPI_Op op,
                     MPI_Comm comm, MPI_Request *request, int exclusive, int persistent,
                     const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) /* intracommunicators only */
        err = MPI_ERR_COMM;
    if (!err)
        err = scan_check(c, sendbuf, recvbuf, count, dt, op);
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_scan(sc, sendbuf, recvbuf, count, dt, op, exclusive);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

int PMPI_Ireduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[],
                         MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return rs_call(sendbuf, recvbuf, 1, recvcounts, 0, datatype, op, comm, request, 0,
                   "MPI_Ireduce_scatter");
}

int PMPI_Reduce_scatter_init(const void *sendbuf, void *recvbuf, const int recvcounts[],
                             MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                             MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return rs_call(sendbuf, recvbuf, 1, recvcounts, 0, datatype, op, comm, request, 1,
                   "MPI_Reduce_scatter_init");
}

int PMPI_Ireduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount,
                               MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                               MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return rs_call(sendbuf, recvbuf, 0, NULL, recvcount, datatype, op, comm, request, 0,
                   "MPI_Ireduce_scatter_block");
}

int PMPI_Reduce_scatter_block_init(const void *sendbuf, void *recvbuf, int recvcount,
                                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                   MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return rs_call(sendbuf, recvbuf, 0, NULL, recvcount, datatype, op, comm, request, 1,
                   "MPI_Reduce_scatter_block_init");
}

int PMPI_Iscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
               MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return scan_call(sendbuf, recvbuf, count, datatype, op, comm, request, 0, 0, "MPI_Iscan");
}

int PMPI_Scan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                   MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return scan_call(sendbuf, recvbuf, count, datatype, op, comm, request, 0, 1, "MPI_Scan_init");
}

int PMPI_Iexscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                 MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return scan_call(sendbuf, recvbuf, count, datatype, op, comm, request, 1, 0, "MPI_Iexscan");
}

int PMPI_Exscan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                     MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return scan_call(sendbuf, recvbuf, count, datatype, op, comm, request, 1, 1, "MPI_Exscan_init");
}
