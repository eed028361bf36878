/* mpi_persist.c: persistent requests (Send_init, Ssend_init, Rsend_init,
 * Bsend_init, Recv_init, Start, Startall).
 *
 * A persistent request is an ordinary request slot whose persist field
 * keeps the arguments. It starts inactive (kind MPI_REQ_INACTIVE, no cv
 * request); MPI_Start turns it into a live send or receive on a fresh cv
 * request, and completing it (Wait, Test...: mpi_req_finish) brings it back
 * to inactive instead of releasing the handle. MPI_Request_free releases it
 * like any request. Arguments are checked once, at init; Start only checks
 * that the request is persistent and inactive. Ready mode is standard mode;
 * a buffered start copies the message out (mpi_bsend.c) and is complete at
 * once, as MPI_Bsend is. A persistent collective (the MPI-4 _init calls of
 * coll/) keeps its schedule in the request's sched field: MPI_Start replays
 * it (mpi_sched_restart) and the request is a collective one until it
 * completes.
 */
#include <errno.h>
#include <stdlib.h>
#include "coll.h"
#include "comm.h"
#include "dtype.h"
#include "dtype_xfer.h"
#include "mpi_bsend.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "cv.h"

#pragma weak MPI_Send_init = PMPI_Send_init
#pragma weak MPI_Ssend_init = PMPI_Ssend_init
#pragma weak MPI_Rsend_init = PMPI_Rsend_init
#pragma weak MPI_Bsend_init = PMPI_Bsend_init
#pragma weak MPI_Recv_init = PMPI_Recv_init
#pragma weak MPI_Start = PMPI_Start
#pragma weak MPI_Startall = PMPI_Startall

enum persist_op { PERSIST_SEND, PERSIST_SSEND, PERSIST_BSEND, PERSIST_RECV, PERSIST_COLL };

struct mpi_persist {
    void *buf;       /* user buffer (const for sends) */
    size_t len;      /* bytes (packed form) */
    int count;       /* items of dt at buf */
    MPI_Datatype dt; /* packed at each start; referenced: the user may free it */
    int peer;        /* communicator rank, MPI_ANY_SOURCE or MPI_PROC_NULL */
    int tag;         /* tag or MPI_ANY_TAG */
    int op;          /* enum persist_op */
};

/* Checks the arguments and makes the inactive request. */
static int persist_init(const void *buf, int count, MPI_Datatype dt, int peer, int tag,
                        MPI_Comm comm, int op, MPI_Request *request, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_persist *p = NULL;
    size_t len;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, buf, count, dt, peer, tag, comm, op == PERSIST_RECV, &c, &len);
    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err && !(p = malloc(sizeof(*p))))
        err = -ENOMEM;
    if (!err)
        err = mpi_req_alloc(&s->reqs, MPI_REQ_INACTIVE, c, NULL, request);
    if (err) {
        free(p);
        return mpi_error(comm, err, fname);
    }
    p->buf = (void *)buf;
    p->len = len;
    p->count = count;
    p->dt = dt;
    mpi_dtype_ref(s, dt); /* MPI_Type_free after Send_init must not break Start */
    p->peer = peer;
    p->tag = tag;
    p->op = op;
    mpi_req_get(&s->reqs, *request)->persist = p;
    return MPI_SUCCESS;
}

int PMPI_Send_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                   MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return persist_init(buf, count, datatype, dest, tag, comm, PERSIST_SEND, request,
                        "MPI_Send_init");
}

int PMPI_Ssend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                    MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return persist_init(buf, count, datatype, dest, tag, comm, PERSIST_SSEND, request,
                        "MPI_Ssend_init");
}

int PMPI_Rsend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                    MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return persist_init(buf, count, datatype, dest, tag, comm, PERSIST_SEND, request,
                        "MPI_Rsend_init");
}

int PMPI_Bsend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                    MPI_Comm comm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return persist_init(buf, count, datatype, dest, tag, comm, PERSIST_BSEND, request,
                        "MPI_Bsend_init");
}

int PMPI_Recv_init(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
                   MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return persist_init(buf, count, datatype, source, tag, comm, PERSIST_RECV, request,
                        "MPI_Recv_init");
}

int mpi_persist_coll(struct mpi_rank_state *s, struct mpi_comm *c, struct mpi_sched *sc,
                     MPI_Request *request)
{
    struct mpi_persist *p = calloc(1, sizeof(*p));
    int err = p ? mpi_req_alloc(&s->reqs, MPI_REQ_INACTIVE, c, NULL, request) : -ENOMEM;

    if (err) {
        free(p);
        return err;
    }
    p->op = PERSIST_COLL;
    p->dt = MPI_DATATYPE_NULL; /* no datatype reference to drop (mpi_persist_free) */
    p->peer = MPI_PROC_NULL;
    mpi_req_get(&s->reqs, *request)->persist = p;
    mpi_req_get(&s->reqs, *request)->sched = sc;
    return MPI_SUCCESS;
}

void mpi_persist_free(struct mpi_persist *p)
{
    mpi_dtype_unref(mpi_state(), p->dt);
    free(p);
}

/* Frees the packed temporary of a start that did not go through cv. */
static void mpi_persist_drop_xfer(struct mpi_rank_state *s, struct mpi_request *r)
{
    if (r->xfer)
        mpi_dtype_xfer_done(s, r->xfer, 0, 1);
    r->xfer = NULL;
}

/* Starts inactive persistent request r. Returns MPI_SUCCESS or the error of
 * the send or receive (r stays inactive then). */
static int persist_start(struct mpi_rank_state *s, struct mpi_request *r)
{
    struct mpi_persist *p = r->persist;
    struct mpi_comm *c = r->comm;
    int err, mode = p->op == PERSIST_SSEND ? CV_SEND_SYNC : CV_SEND_STANDARD;
    void *data;
    size_t len;

    if (p->op == PERSIST_COLL) {
        mpi_sched_restart(s, r->sched);
        r->kind = MPI_REQ_COLL;
        return MPI_SUCCESS;
    }
    if (p->peer == MPI_PROC_NULL) {
        r->kind = MPI_REQ_PROC_NULL;
        return MPI_SUCCESS;
    }
    /* Derived types: packed now (sends) or unpacked at completion (receives). */
    err = mpi_dtype_xfer_prepare(s, r, p->buf, p->count, p->dt, p->op == PERSIST_RECV, &data, &len);
    if (err)
        return err;
    if (p->op == PERSIST_BSEND) {
        err = mpi_bsend_start(&s->bsend, c, data, len, p->peer, p->tag);
        mpi_persist_drop_xfer(s, r); /* the buffered copy is made */
        if (!err)
            r->kind = MPI_REQ_PROC_NULL; /* complete: the copy is on its way */
        return err;
    }
    if (p->op == PERSIST_RECV)
        err = cv_irecv(data, len,
                       p->peer == MPI_ANY_SOURCE ? CV_ANY_SOURCE : mpi_comm_to_world(c, p->peer),
                       p->tag == MPI_ANY_TAG ? CV_ANY_TAG : p->tag, c->ctx, &r->cv);
    else
        err = cv_isend(data, len, mpi_comm_to_world(c, p->peer), p->tag, c->ctx, mode, &r->cv);
    if (err < 0) {
        r->cv = NULL;
        mpi_persist_drop_xfer(s, r);
        return err;
    }
    r->kind = p->op == PERSIST_RECV ? MPI_REQ_RECV : MPI_REQ_SEND;
    return MPI_SUCCESS;
}

/* The persistent, inactive request behind h, or NULL. */
static struct mpi_request *persist_get(struct mpi_rank_state *s, MPI_Request h)
{
    struct mpi_request *r = mpi_req_get(&s->reqs, h);

    return r && r->persist && r->kind == MPI_REQ_INACTIVE ? r : NULL;
}

int PMPI_Start(MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_request *r = NULL;
    int err = mpi_enter(&s);

    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err && !(r = persist_get(s, *request)))
        err = MPI_ERR_REQUEST;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Start");
    return mpi_error(r->comm->handle, persist_start(s, r), "MPI_Start");
}

/* Every handle is checked before any request starts, so a bad one in the
 * array leaves them all inactive. */
int PMPI_Startall(int count, MPI_Request array_of_requests[])
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int i, j, err = mpi_enter(&s);

    if (!err && count < 0)
        err = MPI_ERR_COUNT;
    if (!err && count > 0 && !array_of_requests)
        err = MPI_ERR_ARG;
    for (i = 0; !err && i < count; i++) {
        if (!persist_get(s, array_of_requests[i]))
            err = MPI_ERR_REQUEST;
        for (j = 0; !err && j < i; j++)
            if (array_of_requests[j] == array_of_requests[i])
                err = MPI_ERR_REQUEST; /* the same request twice */
    }
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Startall");
    for (i = 0; i < count; i++) {
        struct mpi_request *r = mpi_req_get(&s->reqs, array_of_requests[i]);
        err = persist_start(s, r);
        if (err)
            return mpi_error(r->comm->handle, err, "MPI_Startall");
    }
    return MPI_SUCCESS;
}
