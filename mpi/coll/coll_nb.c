/* coll_nb.c: nonblocking collectives (Ibarrier, Ibcast, Ireduce, Iallreduce,
 * Iallgather, Iallgatherv, Ialltoall).
 *
 * Each call checks its arguments like its blocking twin, builds the same
 * schedule (coll_sched.h) and hands it to a request of kind MPI_REQ_COLL;
 * Wait/Test and every other wait loop advance it. The schedule records
 * pointers and counts at build time, so the caller's count/displacement
 * arrays need not outlive the call; its buffers must, as MPI requires.
 */
#include <errno.h>
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_op.h"

#pragma weak MPI_Ibarrier = PMPI_Ibarrier
#pragma weak MPI_Ibcast = PMPI_Ibcast
#pragma weak MPI_Ireduce = PMPI_Ireduce
#pragma weak MPI_Iallreduce = PMPI_Iallreduce
#pragma weak MPI_Iallgather = PMPI_Iallgather
#pragma weak MPI_Iallgatherv = PMPI_Iallgatherv
#pragma weak MPI_Ialltoall = PMPI_Ialltoall

/* Common entry: enter, find the communicator, check the request pointer. */
static int nb_enter(MPI_Comm comm, const MPI_Request *request, struct mpi_rank_state **s_p,
                    struct mpi_comm **c_p)
{
    int err = coll_enter(comm, s_p, c_p);

    return !err && !request ? MPI_ERR_ARG : err;
}

/* New schedule on c, or NULL with *err_p = -ENOMEM. */
static struct mpi_sched *nb_new(struct mpi_comm *c, int *err_p)
{
    struct mpi_sched *sc = mpi_sched_new(c);

    if (!sc)
        *err_p = -ENOMEM;
    return sc;
}

int PMPI_Ibarrier(MPI_Comm comm, MPI_Request *request)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_barrier(c, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, request), "MPI_Ibarrier");
    }
    if (!err && (sc = nb_new(c, &err))) {
        sched_barrier(sc);
        err = mpi_sched_start(s, sc, request);
    }
    return mpi_error(comm, err, "MPI_Ibarrier");
}

int PMPI_Ibcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                MPI_Request *request)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_bcast(c, buffer, count, datatype, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, request), "MPI_Ibcast");
    }
    if (!err)
        err = coll_check_data(buffer, count, datatype);
    if (!err)
        err = mpi_check_root(c, root);
    if (!err && (sc = nb_new(c, &err))) {
        sched_bcast(sc, buffer, count, datatype, root);
        err = mpi_sched_start(s, sc, request);
    }
    return mpi_error(comm, err, "MPI_Ibcast");
}

int PMPI_Ireduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                 int root, MPI_Comm comm, MPI_Request *request)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_reduce(c, sendbuf, recvbuf, count, datatype, op, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, request), "MPI_Ireduce");
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
    if (!err && (sc = nb_new(c, &err))) {
        sched_reduce_tree(sc, sendbuf, recvbuf, count, datatype, op, root);
        err = mpi_sched_start(s, sc, request);
    }
    return mpi_error(comm, err, "MPI_Ireduce");
}

int PMPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                    MPI_Comm comm, MPI_Request *request)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_allreduce(c, sendbuf, recvbuf, count, datatype, op, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, request), "MPI_Iallreduce");
    }
    if (!err)
        err = coll_check_data(recvbuf, count, datatype);
    if (!err)
        err = mpi_op_check_reduce(op, datatype);
    if (!err && count > 0 && (!sendbuf || sendbuf == recvbuf))
        err = MPI_ERR_BUFFER;
    if (!err && (sc = nb_new(c, &err))) {
        sched_allreduce(sc, sendbuf, recvbuf, count, datatype, op);
        err = mpi_sched_start(s, sc, request);
    }
    return mpi_error(comm, err, "MPI_Iallreduce");
}

/* Send side of the allgathers: MPI_IN_PLACE allowed, no aliasing. */
static int check_gather_send(const void *sendbuf, int scount, MPI_Datatype sdt, const void *recvbuf)
{
    int err = sendbuf == MPI_IN_PLACE ? 0 : coll_check_data(sendbuf, scount, sdt);

    return !err && scount > 0 && sendbuf == recvbuf ? MPI_ERR_BUFFER : err;
}

int PMPI_Iallgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                    int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 1, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, request), "MPI_Iallgather");
    }
    if (!err)
        err = check_gather_send(sendbuf, sendcount, sendtype, recvbuf);
    if (!err)
        err = coll_check_data(recvbuf, recvcount, recvtype);
    if (!err && (sc = nb_new(c, &err))) {
        sched_allgather(sc, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
        err = mpi_sched_start(s, sc, request);
    }
    return mpi_error(comm, err, "MPI_Iallgather");
}

int PMPI_Iallgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                     const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                     MPI_Comm comm, MPI_Request *request)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int total = 0, err = nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, 0, recvtype, recvcounts, displs, NULL};
        if (!recvcounts)
            return mpi_error(comm, MPI_ERR_ARG, "MPI_Iallgatherv");
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 1, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, request), "MPI_Iallgatherv");
    }
    if (!err)
        err = check_gather_send(sendbuf, sendcount, sendtype, recvbuf);
    if (!err)
        err = coll_check_counts(c, recvcounts, displs, 1);
    if (!err)
        total = coll_sum_counts(c, recvcounts, &err);
    if (!err)
        err = coll_check_data(recvbuf, total, recvtype);
    if (!err && (sc = nb_new(c, &err))) {
        sched_allgatherv(sc, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype);
        err = mpi_sched_start(s, sc, request);
    }
    return mpi_error(comm, err, "MPI_Iallgatherv");
}

int PMPI_Ialltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_sched *sc;
    int err = nb_enter(comm, request, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 0, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, request), "MPI_Ialltoall");
    }
    if (!err && sendbuf != MPI_IN_PLACE)
        err = coll_check_data(sendbuf, sendcount, sendtype);
    if (!err)
        err = coll_check_data(recvbuf, recvcount, recvtype);
    if (!err && sendbuf == recvbuf && recvcount > 0)
        err = MPI_ERR_BUFFER;
    if (!err && (sc = nb_new(c, &err))) {
        sched_alltoall(sc, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
        err = mpi_sched_start(s, sc, request);
    }
    return mpi_error(comm, err, "MPI_Ialltoall");
}
