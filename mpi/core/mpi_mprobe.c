/* mpi_mprobe.c: matched probe and receive (Mprobe, Improbe, Mrecv, Imrecv).
 *
 * A matched probe takes the message out of matching at probe time
 * (cv_improbe): no other receive or probe can see it, and only the
 * MPI_Message handle returned reaches it. That handle is a slot of the
 * request table (kind MPI_REQ_MESSAGE, holding the cv message and a
 * reference on the communicator), so it lives in the container and moves
 * with the rank; its bits differ from a request's (MPI_MSG_HANDLE_BASE), so
 * passing one where the other is expected is refused. Mrecv turns the slot
 * into a receive (cv_imrecv): eager data is copied from the container, a
 * rendezvous message asks its sender, wherever the sender moved meanwhile,
 * for the data. A probe of MPI_PROC_NULL returns MPI_MESSAGE_NO_PROC, whose
 * receive completes at once with the MPI_PROC_NULL status.
 */
#include "comm.h"
#include "dtype_xfer.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "mpi_status.h"
#include "cv.h"

#pragma weak MPI_Mprobe = PMPI_Mprobe
#pragma weak MPI_Improbe = PMPI_Improbe
#pragma weak MPI_Mrecv = PMPI_Mrecv
#pragma weak MPI_Imrecv = PMPI_Imrecv

/* A message handle is a request handle with these top bits instead. */
#define MPI_MSG_HANDLE_BASE ((int)0xb0000000)
#define MPI_HANDLE_KIND     ((int)0xfc000000)

static MPI_Message msg_handle(MPI_Request h)
{
    return (h & ~MPI_HANDLE_KIND) | MPI_MSG_HANDLE_BASE;
}

/* The live matched message behind h, or NULL. */
static struct mpi_request *msg_get(struct mpi_rank_state *s, MPI_Message h)
{
    struct mpi_request *r;

    if ((h & MPI_HANDLE_KIND) != MPI_MSG_HANDLE_BASE)
        return NULL;
    r = mpi_req_get(&s->reqs, (h & ~MPI_HANDLE_KIND) | MPI_REQ_HANDLE_BASE);
    return r && r->kind == MPI_REQ_MESSAGE ? r : NULL;
}

/* One matched-probe attempt (arguments checked). On a match *flag_p = 1,
 * *message the new handle and *st the envelope. Returns MPI_SUCCESS or < 0. */
static int mprobe_once(struct mpi_rank_state *s, struct mpi_comm *c, int source, int tag,
                       int *flag_p, MPI_Message *message, MPI_Status *st)
{
    struct cv_status cst = {0};
    cv_message_t *m;
    MPI_Request h;
    int wsrc, err;

    if (source == MPI_PROC_NULL) {
        *flag_p = 1;
        *message = MPI_MESSAGE_NO_PROC;
        mpi_status_set(st, MPI_PROC_NULL, MPI_ANY_TAG, 0, 0);
        return MPI_SUCCESS;
    }
    /* the slot first: a message taken from matching must get a handle */
    err = mpi_req_alloc(&s->reqs, MPI_REQ_MESSAGE, c, NULL, &h);
    if (err)
        return err;
    wsrc = source == MPI_ANY_SOURCE ? CV_ANY_SOURCE : mpi_comm_to_world(c, source);
    err = cv_improbe(wsrc, tag == MPI_ANY_TAG ? CV_ANY_TAG : tag, c->ctx, flag_p, &m, &cst);
    if (err < 0 || !*flag_p) {
        mpi_req_release(&s->reqs, h);
        return err < 0 ? err : MPI_SUCCESS;
    }
    mpi_req_get(&s->reqs, h)->msg = m;
    *message = msg_handle(h);
    mpi_status_set(st, mpi_comm_from_world(c, cst.source), cst.tag, (MPI_Count)cst.count, 0);
    return MPI_SUCCESS;
}

/* Checks the arguments shared by Mprobe and Improbe. */
static int mprobe_check(struct mpi_rank_state **s_p, int source, int tag, MPI_Comm comm,
                        const MPI_Message *message, struct mpi_comm **c_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_check_comm(*s_p, comm, c_p);
    if (!err)
        err = mpi_check_source(*c_p, source);
    if (!err)
        err = mpi_check_recv_tag(tag);
    if (!err && !message)
        err = MPI_ERR_ARG;
    return err;
}

int PMPI_Improbe(int source, int tag, MPI_Comm comm, int *flag, MPI_Message *message,
                 MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mprobe_check(&s, source, tag, comm, message, &c);

    if (!err && !flag)
        err = MPI_ERR_ARG;
    if (!err)
        err = mprobe_once(s, c, source, tag, flag, message, status);
    return mpi_error(comm, err, "MPI_Improbe");
}

int PMPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message *message, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    unsigned spins = 0;
    int flag = 0;
    int err = mprobe_check(&s, source, tag, comm, message, &c);

    while (!err) {
        err = mprobe_once(s, c, source, tag, &flag, message, status);
        if (flag)
            break;
        mpi_progress_idle(&spins);
    }
    return mpi_error(comm, err, "MPI_Mprobe");
}

/* Starts the receive of *message into (buf, count, dt), arguments checked:
 * the message's slot becomes free and *message MPI_MESSAGE_NULL only once
 * the receive exists, so a failure leaves the message to receive again.
 * Returns MPI_SUCCESS or < 0 (MPI_ERR_TYPE, -ENOMEM...). */
static int mrecv_start(struct mpi_rank_state *s, MPI_Message *message, void *buf, int count,
                       MPI_Datatype dt, MPI_Request *h_p)
{
    struct mpi_comm *c = msg_get(s, *message)->comm;
    struct mpi_request *r;
    cv_request_t *cv;
    void *data;
    size_t len;
    int err = mpi_req_alloc(&s->reqs, MPI_REQ_RECV, c, NULL, h_p);

    if (err)
        return err;
    r = mpi_req_get(&s->reqs, *h_p); /* the table may have grown */
    err = mpi_dtype_xfer_prepare(s, r, buf, count, dt, 1, &data, &len);
    if (!err)
        err = cv_imrecv(msg_get(s, *message)->msg, data, len, &cv);
    if (err) {
        mpi_req_release(&s->reqs, *h_p);
        return err;
    }
    r->cv = cv;
    mpi_req_release(&s->reqs, (*message & ~MPI_HANDLE_KIND) | MPI_REQ_HANDLE_BASE);
    *message = MPI_MESSAGE_NULL;
    return MPI_SUCCESS;
}

/* Checks the arguments shared by Mrecv and Imrecv: the buffer, the type and
 * the message (MPI_ERR_REQUEST when it is not a live matched message or
 * MPI_MESSAGE_NO_PROC). *comm_p gets its communicator for errors. */
static int mrecv_check(struct mpi_rank_state **s_p, void *buf, int count, MPI_Datatype dt,
                       MPI_Message *message, MPI_Comm *comm_p)
{
    struct mpi_request *r = NULL;
    size_t extent;
    int err = mpi_enter(s_p);

    if (!err && !message)
        err = MPI_ERR_ARG;
    if (!err && *message != MPI_MESSAGE_NO_PROC && !(r = msg_get(*s_p, *message)))
        err = MPI_ERR_REQUEST;
    if (r)
        *comm_p = r->comm->handle;
    if (!err)
        err = mpi_check_count(count);
    if (!err)
        err = mpi_check_type(dt, &extent);
    if (!err)
        err = mpi_check_buf(buf, count);
    return err;
}

int PMPI_Imrecv(void *buf, int count, MPI_Datatype datatype, MPI_Message *message,
                MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    MPI_Comm comm = MPI_COMM_WORLD;
    int err = mrecv_check(&s, buf, count, datatype, message, &comm);

    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err && *message == MPI_MESSAGE_NO_PROC) {
        err = mpi_req_alloc(&s->reqs, MPI_REQ_PROC_NULL, mpi_comm_get(s, MPI_COMM_SELF), NULL,
                            request);
        if (!err)
            *message = MPI_MESSAGE_NULL;
    } else if (!err) {
        err = mrecv_start(s, message, buf, count, datatype, request);
    }
    return mpi_error(comm, err, "MPI_Imrecv");
}

int PMPI_Mrecv(void *buf, int count, MPI_Datatype datatype, MPI_Message *message,
               MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    MPI_Comm comm = MPI_COMM_WORLD;
    MPI_Request h;
    int err = mrecv_check(&s, buf, count, datatype, message, &comm);

    if (!err && *message == MPI_MESSAGE_NO_PROC) {
        mpi_status_set(status, MPI_PROC_NULL, MPI_ANY_TAG, 0, 0);
        *message = MPI_MESSAGE_NULL;
        return MPI_SUCCESS;
    }
    if (!err)
        err = mrecv_start(s, message, buf, count, datatype, &h);
    if (!err)
        err = mpi_req_wait(s, &h, status);
    if (err && status != MPI_STATUS_IGNORE && status)
        status->MPI_ERROR = mpi_error_class_of(err);
    return mpi_error(comm, err, "MPI_Mrecv");
}
