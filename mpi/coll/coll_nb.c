/* coll_nb.c: nonblocking collectives (Ibarrier, Ibcast, Ireduce, Iallreduce,
 * Iallgather, Iallgatherv, Ialltoall) and their MPI-4 persistent twins
 * (Barrier_init ... Alltoall_init).
 *
 * Each call checks its arguments like its blocking twin, builds the same
 * schedule (coll_sched.h) and hands it to a request of kind MPI_REQ_COLL;
 * Wait/Test and every other wait loop advance it. The schedule records
 * pointers and counts at build time, so the caller's count/displacement
 * arrays need not outlive the call; its buffers must, as MPI requires.
 * A persistent init builds the schedule once and keeps it in an inactive
 * request that every MPI_Start replays (coll_launch, mpi_sched_keep); its
 * info argument carries only hints, none of which this library uses.
 * Intercommunicators: their versions dispatch at the top of each call.
 */
#include <errno.h>
#include "coll_inter.h"
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_thread.h"

#pragma weak MPI_Ibarrier = PMPI_Ibarrier
#pragma weak MPI_Barrier_init = PMPI_Barrier_init
#pragma weak MPI_Ibcast = PMPI_Ibcast
#pragma weak MPI_Bcast_init = PMPI_Bcast_init
#pragma weak MPI_Ireduce = PMPI_Ireduce
#pragma weak MPI_Reduce_init = PMPI_Reduce_init
#pragma weak MPI_Iallreduce = PMPI_Iallreduce
#pragma weak MPI_Allreduce_init = PMPI_Allreduce_init
#pragma weak MPI_Iallgather = PMPI_Iallgather
#pragma weak MPI_Allgather_init = PMPI_Allgather_init
#pragma weak MPI_Iallgatherv = PMPI_Iallgatherv
#pragma weak MPI_Allgatherv_init = PMPI_Allgatherv_init
#pragma weak MPI_Ialltoall = PMPI_Ialltoall
#pragma weak MPI_Alltoall_init = PMPI_Alltoall_init

static int barrier_call(MPI_Comm comm, MPI_Request *request, int persistent, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_barrier(c, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_barrier(sc);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

static int bcast_call(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                      MPI_Request *request, int persistent, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_bcast(c, buffer, count, datatype, root, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err)
        err = coll_check_data(buffer, count, datatype);
    if (!err)
        err = mpi_check_root(c, root);
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_bcast(sc, buffer, count, datatype, root);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

static int reduce_call(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                       MPI_Op op, int root, MPI_Comm comm, MPI_Request *request, int persistent,
                       const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_reduce(c, sendbuf, recvbuf, count, datatype, op, root, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err)
        err = mpi_check_count(count);
    if (!err)
        err = mpi_op_check_reduce(op, datatype);
    if (!err)
        err = mpi_check_root(c, root);
    if (!err && count > 0) {
        int at_root = c->rank == root;
        if (sendbuf == MPI_IN_PLACE ? !at_root || !recvbuf
                                    : !sendbuf || (at_root && (!recvbuf || recvbuf == sendbuf)))
            err = MPI_ERR_BUFFER;
    }
    if (!err && (sc = coll_nb_new(c, &err))) {
        if (coll_reduce_large_fits(c, count, datatype, op))
            sched_reduce_large(sc, sendbuf, recvbuf, count, datatype, op, root);
        else
            sched_reduce_tree(sc, sendbuf, recvbuf, count, datatype, op, root);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

static int allreduce_call(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                          MPI_Op op, MPI_Comm comm, MPI_Request *request, int persistent,
                          const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_allreduce(c, sendbuf, recvbuf, count, datatype, op, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err)
        err = coll_check_data(recvbuf, count, datatype);
    if (!err)
        err = mpi_op_check_reduce(op, datatype);
    if (!err && count > 0 && (!sendbuf || sendbuf == recvbuf))
        err = MPI_ERR_BUFFER;
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_allreduce(sc, sendbuf, recvbuf, count, datatype, op);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

/* Send side of the allgathers: MPI_IN_PLACE allowed, no aliasing. */
static int check_gather_send(const void *sendbuf, int scount, MPI_Datatype sdt, const void *recvbuf)
{
    int err = sendbuf == MPI_IN_PLACE ? 0 : coll_check_data(sendbuf, scount, sdt);

    return !err && scount > 0 && sendbuf == recvbuf ? MPI_ERR_BUFFER : err;
}

static int allgather_call(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                          int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request,
                          int persistent, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        err = coll_inter_exchange(c, &sb, 1, &rb, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err)
        err = check_gather_send(sendbuf, sendcount, sendtype, recvbuf);
    if (!err)
        err = coll_check_data(recvbuf, recvcount, recvtype);
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_allgather(sc, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

static int allgatherv_call(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                           const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                           MPI_Comm comm, MPI_Request *request, int persistent, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int total = 0, err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, 0, recvtype, recvcounts, displs, NULL};
        err = recvcounts ? coll_inter_exchange(c, &sb, 1, &rb, &isc) : MPI_ERR_ARG;
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err)
        err = check_gather_send(sendbuf, sendcount, sendtype, recvbuf);
    if (!err)
        err = coll_check_counts(c, recvcounts, displs, 1);
    if (!err)
        total = coll_sum_counts(c, recvcounts, &err);
    if (!err)
        err = coll_check_data(recvbuf, total, recvtype);
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_allgatherv(sc, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

static int alltoall_call(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                         int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request,
                         int persistent, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = coll_nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        err = coll_inter_exchange(c, &sb, 0, &rb, &isc);
        err = err ? err : coll_launch(s, isc, persistent, request);
        return mpi_error(comm, err, fname);
    }
    if (!err && sendbuf != MPI_IN_PLACE)
        err = coll_check_data(sendbuf, sendcount, sendtype);
    if (!err)
        err = coll_check_data(recvbuf, recvcount, recvtype);
    if (!err && sendbuf == recvbuf && recvcount > 0)
        err = MPI_ERR_BUFFER;
    if (!err && (sc = coll_nb_new(c, &err))) {
        sched_alltoall(sc, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
        err = coll_launch(s, sc, persistent, request);
    }
    return mpi_error(comm, err, fname);
}

int PMPI_Ibarrier(MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return barrier_call(comm, request, 0, "MPI_Ibarrier");
}

int PMPI_Barrier_init(MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return barrier_call(comm, request, 1, "MPI_Barrier_init");
}

int PMPI_Ibcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return bcast_call(buffer, count, datatype, root, comm, request, 0, "MPI_Ibcast");
}

int PMPI_Bcast_init(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                    MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return bcast_call(buffer, count, datatype, root, comm, request, 1, "MPI_Bcast_init");
}

int PMPI_Ireduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                 int root, MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return reduce_call(sendbuf, recvbuf, count, datatype, op, root, comm, request, 0,
                       "MPI_Ireduce");
}

int PMPI_Reduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                     MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return reduce_call(sendbuf, recvbuf, count, datatype, op, root, comm, request, 1,
                       "MPI_Reduce_init");
}

int PMPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                    MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return allreduce_call(sendbuf, recvbuf, count, datatype, op, comm, request, 0,
                          "MPI_Iallreduce");
}

int PMPI_Allreduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                        MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return allreduce_call(sendbuf, recvbuf, count, datatype, op, comm, request, 1,
                          "MPI_Allreduce_init");
}

int PMPI_Iallgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                    int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return allgather_call(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, request,
                          0, "MPI_Iallgather");
}

int PMPI_Allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                        int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return allgather_call(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, request,
                          1, "MPI_Allgather_init");
}

int PMPI_Iallgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                     const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                     MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return allgatherv_call(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                           comm, request, 0, "MPI_Iallgatherv");
}

int PMPI_Allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                         const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                         MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return allgatherv_call(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                           comm, request, 1, "MPI_Allgatherv_init");
}

int PMPI_Ialltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return alltoall_call(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, request,
                         0, "MPI_Ialltoall");
}

int PMPI_Alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                       int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                       MPI_Request *request)
{
    MPI_THREAD_GUARD();
    (void)info;
    return alltoall_call(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, request,
                         1, "MPI_Alltoall_init");
}
