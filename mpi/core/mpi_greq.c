/* mpi_greq.c: generalized requests (MPI_Grequest_start, MPI_Grequest_complete).
 *
 * A generalized request is a slot of the request table (kind MPI_REQ_GREQ)
 * holding the application's three callbacks and extra_state, on
 * MPI_COMM_SELF, whose error handler gets the errors of its Wait/Test
 * (argument errors of the two calls go to MPI_COMM_WORLD's, as elsewhere).
 * It is done once the application calls MPI_Grequest_complete; Wait/Test then call query_fn to
 * fill the status and free_fn, and return the first error of the two.
 * MPI_Cancel calls cancel_fn with whether the request is complete already.
 * MPI_Request_free before completion keeps the slot, marked freed, so the
 * application's copy of the handle still reaches MPI_Grequest_complete,
 * which then calls free_fn and releases it. The callbacks' addresses are
 * the same in every cluster (DESIGN.md 5.1), so the request moves with the
 * rank like any other.
 */
#include <errno.h>
#include <stdlib.h>
#include "comm.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "mpi_status.h"

#pragma weak MPI_Grequest_start = PMPI_Grequest_start
#pragma weak MPI_Grequest_complete = PMPI_Grequest_complete

struct mpi_greq {
    MPI_Grequest_query_function *query_fn;
    MPI_Grequest_free_function *free_fn;
    MPI_Grequest_cancel_function *cancel_fn;
    void *extra_state;
    int complete; /* MPI_Grequest_complete ran */
    int freed;    /* MPI_Request_free ran first: complete releases the slot */
};

int mpi_greq_done(const struct mpi_greq *g)
{
    return g->complete;
}

int mpi_greq_status(struct mpi_greq *g, MPI_Status *st)
{
    MPI_Status local;

    if (st == MPI_STATUS_IGNORE)
        st = &local;
    mpi_status_empty(st);
    return g->query_fn(g->extra_state, st);
}

int mpi_greq_finish(struct mpi_greq *g, MPI_Status *st)
{
    int err = mpi_greq_status(g, st), ferr = g->free_fn(g->extra_state);

    free(g);
    return err ? err : ferr;
}

int mpi_greq_cancel(struct mpi_greq *g)
{
    return g->cancel_fn(g->extra_state, g->complete);
}

int mpi_greq_free(struct mpi_rank_state *s, MPI_Request h)
{
    struct mpi_greq *g = mpi_req_get(&s->reqs, h)->greq;
    int err;

    if (!g->complete) {
        g->freed = 1;
        return MPI_SUCCESS;
    }
    err = g->free_fn(g->extra_state);
    free(g);
    mpi_req_release(&s->reqs, h);
    return err;
}

int PMPI_Grequest_start(MPI_Grequest_query_function *query_fn, MPI_Grequest_free_function *free_fn,
                        MPI_Grequest_cancel_function *cancel_fn, void *extra_state,
                        MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_greq *g = NULL;
    int err = mpi_enter(&s);

    if (!err && (!query_fn || !free_fn || !cancel_fn || !request))
        err = MPI_ERR_ARG;
    if (!err && !(g = calloc(1, sizeof(*g))))
        err = -ENOMEM;
    if (!err)
        err = mpi_req_alloc(&s->reqs, MPI_REQ_GREQ, mpi_comm_get(s, MPI_COMM_SELF), NULL, request);
    if (err) {
        free(g);
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Grequest_start");
    }
    g->query_fn = query_fn;
    g->free_fn = free_fn;
    g->cancel_fn = cancel_fn;
    g->extra_state = extra_state;
    mpi_req_get(&s->reqs, *request)->greq = g;
    return MPI_SUCCESS;
}

int PMPI_Grequest_complete(MPI_Request request)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_request *r = NULL;
    int err = mpi_enter(&s);

    if (!err &&
        (!(r = mpi_req_get(&s->reqs, request)) || r->kind != MPI_REQ_GREQ || r->greq->complete))
        err = MPI_ERR_REQUEST;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Grequest_complete");
    r->greq->complete = 1;
    if (r->greq->freed)
        err = mpi_greq_free(s, request);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Grequest_complete");
}
