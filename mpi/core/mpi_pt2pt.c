/* mpi_pt2pt.c: point-to-point communication (send and receive modes, probe).
 *
 * Every operation becomes one cv request on the communicator's point-to-point
 * context, with the peer translated to its world rank; blocking calls start
 * the request and wait for it. MPI_PROC_NULL peers get a request that is
 * complete at once. Ready mode is standard mode (allowed by MPI); synchronous
 * mode is cv's CV_SEND_SYNC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "dtype_xfer.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_p2p_direct.h"
#include "mpi_pt2pt.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "mpi_status.h"
#include "cv.h"

#pragma weak MPI_Send = PMPI_Send
#pragma weak MPI_Ssend = PMPI_Ssend
#pragma weak MPI_Rsend = PMPI_Rsend
#pragma weak MPI_Recv = PMPI_Recv
#pragma weak MPI_Isend = PMPI_Isend
#pragma weak MPI_Issend = PMPI_Issend
#pragma weak MPI_Irsend = PMPI_Irsend
#pragma weak MPI_Irecv = PMPI_Irecv
#pragma weak MPI_Probe = PMPI_Probe
#pragma weak MPI_Iprobe = PMPI_Iprobe
#pragma weak MPI_Sendrecv = PMPI_Sendrecv
#pragma weak MPI_Sendrecv_replace = PMPI_Sendrecv_replace

int mpi_p2p_isend(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, size_t len,
                  int dest, int tag, int mode, MPI_Request *h_p)
{
    cv_request_t *cv;
    int err;

    if (dest == MPI_PROC_NULL)
        return mpi_req_alloc(&s->reqs, MPI_REQ_PROC_NULL, c, NULL, h_p);
    err = cv_isend(buf, len, mpi_comm_to_world(c, dest), tag, c->ctx, mode, &cv);
    if (err < 0)
        return err;
    err = mpi_req_alloc(&s->reqs, MPI_REQ_SEND, c, cv, h_p);
    if (err)
        cv_request_free(cv); /* released by cv once the send completes */
    return err;
}

int mpi_p2p_irecv(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, size_t len, int source,
                  int tag, MPI_Request *h_p)
{
    cv_request_t *cv;
    int wsrc, err;

    if (source == MPI_PROC_NULL)
        return mpi_req_alloc(&s->reqs, MPI_REQ_PROC_NULL, c, NULL, h_p);
    wsrc = source == MPI_ANY_SOURCE ? CV_ANY_SOURCE : mpi_comm_to_world(c, source);
    err = cv_irecv(buf, len, wsrc, tag == MPI_ANY_TAG ? CV_ANY_TAG : tag, c->ctx, &cv);
    if (err < 0)
        return err;
    err = mpi_req_alloc(&s->reqs, MPI_REQ_RECV, c, cv, h_p);
    if (err) {
        cv_cancel(cv);
        cv_request_free(cv);
    }
    return err;
}

/* Blocking send in the given cv mode, for Send, Ssend and Rsend. */
static int p2p_send(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm,
                    int mode, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    MPI_Request h;
    size_t len;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, buf, count, dt, dest, tag, comm, 0, &c, &len);
    if (!err && mpi_p2p_direct_ok(dt, dest))
        return mpi_error(comm, mpi_p2p_send_direct(s, c, buf, len, dest, tag, mode), fname);
    if (!err)
        err = mpi_p2p_isend_dt(s, c, buf, count, dt, dest, tag, mode, &h);
    if (!err)
        err = mpi_req_wait(s, &h, MPI_STATUS_IGNORE);
    return mpi_error(comm, err, fname);
}

int PMPI_Send(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    return p2p_send(buf, count, datatype, dest, tag, comm, CV_SEND_STANDARD, "MPI_Send");
}

int PMPI_Ssend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    return p2p_send(buf, count, datatype, dest, tag, comm, CV_SEND_SYNC, "MPI_Ssend");
}

int PMPI_Rsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    return p2p_send(buf, count, datatype, dest, tag, comm, CV_SEND_STANDARD, "MPI_Rsend");
}

int PMPI_Recv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
              MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    MPI_Request h = MPI_REQUEST_NULL;
    size_t len;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, buf, count, datatype, source, tag, comm, 1, &c, &len);
    if (!err && mpi_p2p_direct_ok(datatype, source))
        err = mpi_p2p_recv_direct(s, c, buf, len, source, tag, status);
    else if (!err)
        err = mpi_p2p_irecv_dt(s, c, buf, count, datatype, source, tag, &h);
    if (!err && h != MPI_REQUEST_NULL)
        err = mpi_req_wait(s, &h, status);
    if (err && status != MPI_STATUS_IGNORE && status)
        status->MPI_ERROR = mpi_error_class_of(err);
    return mpi_error(comm, err, "MPI_Recv");
}

/* Nonblocking send in the given cv mode, for Isend, Issend and Irsend. */
static int p2p_isend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm,
                     int mode, MPI_Request *request, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    size_t len;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, buf, count, dt, dest, tag, comm, 0, &c, &len);
    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_p2p_isend_dt(s, c, buf, count, dt, dest, tag, mode, request);
    return mpi_error(comm, err, fname);
}

int PMPI_Isend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
               MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return p2p_isend(buf, count, datatype, dest, tag, comm, CV_SEND_STANDARD, request, "MPI_Isend");
}

int PMPI_Issend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
                MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return p2p_isend(buf, count, datatype, dest, tag, comm, CV_SEND_SYNC, request, "MPI_Issend");
}

int PMPI_Irsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
                MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return p2p_isend(buf, count, datatype, dest, tag, comm, CV_SEND_STANDARD, request,
                     "MPI_Irsend");
}

int PMPI_Irecv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
               MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    size_t len;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, buf, count, datatype, source, tag, comm, 1, &c, &len);
    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_p2p_irecv_dt(s, c, buf, count, datatype, source, tag, request);
    return mpi_error(comm, err, "MPI_Irecv");
}

/* One probe attempt; *flag_p = 1 and *st filled on a match. Returns 0 or < 0. */
static int p2p_iprobe(struct mpi_comm *c, int source, int tag, int *flag_p, MPI_Status *st)
{
    struct cv_status cst = {0};
    int wsrc, err;

    if (source == MPI_PROC_NULL) {
        *flag_p = 1;
        mpi_status_set(st, MPI_PROC_NULL, MPI_ANY_TAG, 0, 0);
        return 0;
    }
    wsrc = source == MPI_ANY_SOURCE ? CV_ANY_SOURCE : mpi_comm_to_world(c, source);
    err = cv_iprobe(wsrc, tag == MPI_ANY_TAG ? CV_ANY_TAG : tag, c->ctx, flag_p, &cst);
    if (err < 0)
        return err;
    if (*flag_p)
        mpi_status_set(st, mpi_comm_from_world(c, cst.source), cst.tag, (MPI_Count)cst.count, 0);
    return 0;
}

/* Checks the arguments shared by Probe and Iprobe. */
static int probe_check(struct mpi_rank_state **s_p, int source, int tag, MPI_Comm comm,
                       struct mpi_comm **c_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_check_comm(*s_p, comm, c_p);
    if (!err)
        err = mpi_check_source(*c_p, source);
    if (!err)
        err = mpi_check_recv_tag(tag);
    return err;
}

int PMPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = probe_check(&s, source, tag, comm, &c);

    if (!err && !flag)
        err = MPI_ERR_ARG;
    if (!err)
        err = p2p_iprobe(c, source, tag, flag, status);
    return mpi_error(comm, err, "MPI_Iprobe");
}

int PMPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    unsigned spins = 0;
    int flag = 0;
    int err = probe_check(&s, source, tag, comm, &c);

    while (!err) {
        err = p2p_iprobe(c, source, tag, &flag, status);
        if (flag)
            break;
        mpi_progress_idle(&spins);
    }
    return mpi_error(comm, err, "MPI_Probe");
}

/* Receive into rbuf while sending sbuf; arguments checked. */
static int p2p_sendrecv(struct mpi_rank_state *s, struct mpi_comm *c, const void *sbuf, int scount,
                        MPI_Datatype stype, int dest, int stag, void *rbuf, int rcount,
                        MPI_Datatype rtype, int source, int rtag, MPI_Status *st)
{
    MPI_Request rh, sh;
    int err, serr;

    err = mpi_p2p_irecv_dt(s, c, rbuf, rcount, rtype, source, rtag, &rh);
    if (err)
        return err;
    err = mpi_p2p_isend_dt(s, c, sbuf, scount, stype, dest, stag, CV_SEND_STANDARD, &sh);
    if (err) {
        cv_cancel(mpi_req_get(&s->reqs, rh)->cv);
        mpi_req_wait(s, &rh, MPI_STATUS_IGNORE);
        return err;
    }
    serr = mpi_req_wait(s, &sh, MPI_STATUS_IGNORE);
    err = mpi_req_wait(s, &rh, st);
    return err ? err : serr;
}

int PMPI_Sendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag,
                  void *recvbuf, int recvcount, MPI_Datatype recvtype, int source, int recvtag,
                  MPI_Comm comm, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    size_t slen, rlen;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, sendbuf, sendcount, sendtype, dest, sendtag, comm, 0, &c, &slen);
    if (!err)
        err = mpi_check_p2p(s, recvbuf, recvcount, recvtype, source, recvtag, comm, 1, &c, &rlen);
    if (!err)
        err = p2p_sendrecv(s, c, sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount,
                           recvtype, source, recvtag, status);
    return mpi_error(comm, err, "MPI_Sendrecv");
}

int mpi_p2p_replace_copy(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt,
                         void **copy_p, size_t *len_p)
{
    const void *data;
    void *copy = NULL;
    int err = mpi_dtype_view(s, buf, count, dt, &data, len_p, &copy);

    if (!err && !copy && *len_p > 0) { /* contiguous: the view is buf itself */
        copy = malloc(*len_p);
        if (!copy)
            err = -ENOMEM;
        else
            memcpy(copy, data, *len_p);
    }
    *copy_p = err ? NULL : copy;
    if (err)
        free(copy);
    return err;
}

int PMPI_Sendrecv_replace(void *buf, int count, MPI_Datatype datatype, int dest, int sendtag,
                          int source, int recvtag, MPI_Comm comm, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    void *copy = NULL;
    size_t len;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, buf, count, datatype, dest, sendtag, comm, 0, &c, &len);
    if (!err)
        err = mpi_check_p2p(s, buf, count, datatype, source, recvtag, comm, 1, &c, &len);
    if (!err)
        err = mpi_p2p_replace_copy(s, buf, count, datatype, &copy, &len);
    if (!err)
        err = p2p_sendrecv(s, c, copy, (int)len, MPI_BYTE, dest, sendtag, buf, count, datatype,
                           source, recvtag, status);
    free(copy);
    return mpi_error(comm, err, "MPI_Sendrecv_replace");
}
