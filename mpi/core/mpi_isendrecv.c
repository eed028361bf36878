/* mpi_isendrecv.c: MPI_Isendrecv and MPI_Isendrecv_replace (MPI-4).
 *
 * The request (kind MPI_REQ_PAIR) owns two ordinary requests of the table,
 * a receive posted first and a send, started exactly as MPI_Sendrecv
 * starts them (so derived types, MPI_PROC_NULL and migration behave the
 * same), and is done when both are. Finishing it finishes both: the status
 * is the receive's, the error the first one met. For the _replace form the
 * outgoing data is first packed into a copy owned by the pair, so the
 * receive may overwrite the buffer while the send is still reading.
 * Everything is allocated in rank context and moves with the rank.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "dtype_xfer.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_pt2pt.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "cv.h"

#pragma weak MPI_Isendrecv = PMPI_Isendrecv
#pragma weak MPI_Isendrecv_replace = PMPI_Isendrecv_replace

struct mpi_pair {
    MPI_Request recv; /* the receive half */
    MPI_Request send; /* the send half */
    void *copy;       /* _replace: the packed outgoing data, else NULL */
};

struct mpi_request *mpi_pair_recv(struct mpi_rank_state *s, const struct mpi_pair *p)
{
    return mpi_req_get(&s->reqs, p->recv);
}

int mpi_pair_done(struct mpi_rank_state *s, const struct mpi_pair *p)
{
    return mpi_req_done(mpi_req_get(&s->reqs, p->recv)) &&
           mpi_req_done(mpi_req_get(&s->reqs, p->send));
}

int mpi_pair_finish(struct mpi_rank_state *s, struct mpi_pair *p, MPI_Status *st)
{
    int serr = mpi_req_finish(s, &p->send, MPI_STATUS_IGNORE);
    int rerr = mpi_req_finish(s, &p->recv, st);

    free(p->copy);
    free(p);
    return rerr ? rerr : serr;
}

void mpi_pair_abandon(struct mpi_rank_state *s, struct mpi_pair *p)
{
    struct mpi_request *r = mpi_req_get(&s->reqs, p->recv);

    if (r->cv)
        cv_request_free(r->cv);
    mpi_req_release(&s->reqs, p->recv);
    r = mpi_req_get(&s->reqs, p->send);
    if (r->cv)
        cv_request_free(r->cv);
    mpi_req_release(&s->reqs, p->send);
    /* p->copy stays: the send may still read it, and nothing says when it
     * stops (as mpi_dtype_xfer_abandon does). */
    free(p);
}

int mpi_pair_cancel(struct mpi_rank_state *s, struct mpi_pair *p)
{
    struct mpi_request *r = mpi_req_get(&s->reqs, p->recv);

    return r->kind == MPI_REQ_RECV && cv_cancel(r->cv) < 0 ? MPI_ERR_INTERN : MPI_SUCCESS;
}

/* Starts both halves (arguments checked) and makes the pair's request.
 * copy (may be NULL) becomes the pair's, whatever happens: freed on an
 * error before the send started, left to the send after. Returns
 * MPI_SUCCESS or < 0. */
static int pair_start(struct mpi_rank_state *s, struct mpi_comm *c, const void *sbuf, int scount,
                      MPI_Datatype stype, int dest, int stag, void *rbuf, int rcount,
                      MPI_Datatype rtype, int source, int rtag, void *copy, MPI_Request *h_p)
{
    struct mpi_pair *p = calloc(1, sizeof(*p));
    int err = p ? mpi_p2p_irecv_dt(s, c, rbuf, rcount, rtype, source, rtag, &p->recv) : -ENOMEM;

    if (err) {
        free(p);
        free(copy);
        return err;
    }
    err = mpi_p2p_isend_dt(s, c, sbuf, scount, stype, dest, stag, CV_SEND_STANDARD, &p->send);
    if (!err)
        err = mpi_req_alloc(&s->reqs, MPI_REQ_PAIR, c, NULL, h_p);
    if (err) { /* the send may have started: let it run, take the receive back */
        struct mpi_request *r = mpi_req_get(&s->reqs, p->send);
        if (r) {
            if (r->cv)
                cv_request_free(r->cv);
            mpi_req_release(&s->reqs, p->send);
        } else {
            free(copy);
        }
        r = mpi_req_get(&s->reqs, p->recv);
        if (r->cv)
            cv_cancel(r->cv);
        mpi_req_wait(s, &p->recv, MPI_STATUS_IGNORE);
        free(p);
        return err;
    }
    p->copy = copy;
    mpi_req_get(&s->reqs, *h_p)->pair = p;
    return MPI_SUCCESS;
}

int PMPI_Isendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag,
                   void *recvbuf, int recvcount, MPI_Datatype recvtype, int source, int recvtag,
                   MPI_Comm comm, MPI_Request *request)
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
    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err)
        err = pair_start(s, c, sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount,
                         recvtype, source, recvtag, NULL, request);
    return mpi_error(comm, err, "MPI_Isendrecv");
}

int PMPI_Isendrecv_replace(void *buf, int count, MPI_Datatype datatype, int dest, int sendtag,
                           int source, int recvtag, MPI_Comm comm, MPI_Request *request)
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
    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_p2p_replace_copy(s, buf, count, datatype, &copy, &len);
    if (!err)
        err = pair_start(s, c, copy, (int)len, MPI_BYTE, dest, sendtag, buf, count, datatype,
                         source, recvtag, copy, request);
    return mpi_error(comm, err, "MPI_Isendrecv_replace");
}
