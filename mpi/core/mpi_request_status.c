/* mpi_request_status.c: MPI_Request_get_status, a Test that keeps the request.
 *
 * One progress pass, then, when the request is complete, its status as Wait
 * would give it, with the request left as it is (still to be waited for,
 * tested or freed). The status is read, not consumed: from cv's request
 * (source, tag, bytes, cancelled), from the receive half of an Isendrecv,
 * or from a generalized request's query_fn. A derived-type receive is
 * unpacked into the user's buffer only when the request is finished.
 */
#include "comm.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "mpi_status.h"
#include "cv.h"

#pragma weak MPI_Request_get_status = PMPI_Request_get_status

/* The status complete request r will report (arguments trusted). Returns
 * MPI_SUCCESS or the operation's error. */
static int peek_status(struct mpi_rank_state *s, struct mpi_request *r, MPI_Status *st)
{
    struct cv_status cst = {0};
    int done = 0, err, src;

    if (r->kind == MPI_REQ_PAIR)
        r = mpi_pair_recv(s, r->pair);
    switch (r->kind) {
    case MPI_REQ_GREQ:
        return mpi_greq_status(r->greq, st);
    case MPI_REQ_PROC_NULL:
        mpi_status_set(st, MPI_PROC_NULL, MPI_ANY_TAG, 0, 0);
        return MPI_SUCCESS;
    case MPI_REQ_SEND:
    case MPI_REQ_RECV:
        err = cv_test(r->cv, &done, &cst);
        src = r->kind == MPI_REQ_RECV ? mpi_comm_from_world(r->comm, cst.source) : MPI_ANY_SOURCE;
        mpi_status_set(st, src, r->kind == MPI_REQ_RECV ? cst.tag : MPI_ANY_TAG,
                       (MPI_Count)cst.count, cst.cancelled);
        return err ? err : cst.error;
    default: /* collectives, inactive persistent requests */
        mpi_status_empty(st);
        return MPI_SUCCESS;
    }
}

int PMPI_Request_get_status(MPI_Request request, int *flag, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_request *r = NULL;
    MPI_Comm comm = MPI_COMM_WORLD;
    int err = mpi_enter(&s);

    if (!err && !flag)
        err = MPI_ERR_ARG;
    if (!err && request == MPI_REQUEST_NULL) {
        *flag = 1;
        mpi_status_empty(status);
        return MPI_SUCCESS;
    }
    if (!err && !(r = mpi_req_get(&s->reqs, request)))
        err = MPI_ERR_REQUEST;
    if (err)
        return mpi_error(comm, err, "MPI_Request_get_status");
    comm = r->comm->handle;
    mpi_progress(s);
    r = mpi_req_get(&s->reqs, request); /* progress may have grown the table */
    *flag = mpi_req_done(r);
    if (*flag)
        err = peek_status(s, r, status);
    if (err && status != MPI_STATUS_IGNORE)
        status->MPI_ERROR = mpi_error_class_of(err);
    return mpi_error(comm, err, "MPI_Request_get_status");
}
