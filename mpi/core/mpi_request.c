/* mpi_request.c: the request table behind MPI_Request handles.
 *
 * A handle is MPI_REQ_HANDLE_BASE | generation << MPI_REQ_INDEX_BITS |
 * (slot + 1). Slots live in chunks of MPI_REQ_CHUNK that never move once
 * made (a waiting thread keeps a pointer to its request while another
 * thread, under MPI_THREAD_MULTIPLE, may add slots), with free slots chained
 * through next_free. Releasing a slot bumps its
 * generation, so an old copy of a handle no longer matches and is reported as
 * MPI_ERR_REQUEST instead of touching whatever request took the slot since.
 */
#include <errno.h>
#include <stdlib.h>
#include "coll.h"
#include "comm.h"
#include "dtype_xfer.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "mpi_status.h"
#include "rma.h"
#include "cv.h"

#define REQ_INDEX_MASK ((1 << MPI_REQ_INDEX_BITS) - 1)

/* The slot of index idx (< t->nslots). */
static struct mpi_request *table_slot(const struct mpi_req_table *t, int idx)
{
    return &t->chunks[idx / MPI_REQ_CHUNK][idx % MPI_REQ_CHUNK];
}

/* Adds one chunk of free slots. Returns MPI_SUCCESS or < 0. */
static int table_grow(struct mpi_req_table *t)
{
    int nchunks = t->nslots / MPI_REQ_CHUNK, i;
    struct mpi_request **chunks, *chunk;

    if (t->nslots + MPI_REQ_CHUNK > MPI_REQ_MAX)
        return MPI_IERR_TOO_MANY;
    chunk = malloc(sizeof(*chunk) * MPI_REQ_CHUNK);
    chunks = chunk ? realloc(t->chunks, sizeof(*chunks) * (size_t)(nchunks + 1)) : NULL;
    if (!chunks) {
        free(chunk);
        return -ENOMEM;
    }
    chunks[nchunks] = chunk;
    t->chunks = chunks;
    for (i = MPI_REQ_CHUNK - 1; i >= 0; i--) {
        struct mpi_request *r = &chunk[i];

        r->gen = 0;
        r->kind = MPI_REQ_FREE;
        r->cv = NULL;
        r->comm = NULL;
        r->xfer = NULL;
        r->persist = NULL;
        r->sched = NULL;
        r->msg = NULL;
        r->greq = NULL;
        r->pair = NULL;
        r->rma = NULL;
        r->next_free = t->free_head;
        t->free_head = t->nslots + i;
    }
    t->nslots += MPI_REQ_CHUNK;
    return MPI_SUCCESS;
}

int mpi_req_alloc(struct mpi_req_table *t, int kind, struct mpi_comm *c, cv_request_t *cv,
                  MPI_Request *h_p)
{
    struct mpi_request *r;
    int idx;

    if (t->free_head < 0) {
        int err = table_grow(t);
        if (err)
            return err;
    }
    idx = t->free_head;
    r = table_slot(t, idx);
    t->free_head = r->next_free;
    r->kind = (uint8_t)kind;
    r->cv = cv;
    r->comm = c;
    r->xfer = NULL;
    if (c)
        c->refs++;
    t->active++;
    *h_p = MPI_REQ_HANDLE_BASE | (r->gen << MPI_REQ_INDEX_BITS) | (idx + 1);
    return MPI_SUCCESS;
}

struct mpi_request *mpi_req_get(struct mpi_req_table *t, MPI_Request h)
{
    int idx = (h & REQ_INDEX_MASK) - 1;
    int gen = (h >> MPI_REQ_INDEX_BITS) & MPI_REQ_GEN_MASK;
    struct mpi_request *r;

    if ((h & ~((MPI_REQ_GEN_MASK << MPI_REQ_INDEX_BITS) | REQ_INDEX_MASK)) != MPI_REQ_HANDLE_BASE)
        return NULL;
    if (idx < 0 || idx >= t->nslots)
        return NULL;
    r = table_slot(t, idx);
    if (r->kind == MPI_REQ_FREE || r->gen != gen)
        return NULL;
    return r;
}

void mpi_req_release(struct mpi_req_table *t, MPI_Request h)
{
    int idx = (h & REQ_INDEX_MASK) - 1;
    struct mpi_request *r = table_slot(t, idx);

    if (r->comm)
        mpi_comm_unref(r->comm); /* may be the last reference after MPI_Comm_free */
    if (r->xfer)                 /* released before completion (MPI_Request_free) */
        mpi_dtype_xfer_abandon(r->xfer);
    r->xfer = NULL;
    if (r->persist && r->sched) /* a persistent collective's kept schedule */
        mpi_sched_discard(r->sched);
    if (r->persist)
        mpi_persist_free(r->persist);
    r->persist = NULL;
    r->kind = MPI_REQ_FREE;
    r->cv = NULL;
    r->comm = NULL;
    r->sched = NULL;
    r->msg = NULL;
    r->greq = NULL;
    r->pair = NULL;
    if (r->rma) /* released before or at completion */
        mpi_rma_req_release(mpi_state(), r->rma);
    r->rma = NULL;
    r->gen = (uint8_t)((r->gen + 1) & MPI_REQ_GEN_MASK);
    r->next_free = t->free_head;
    t->free_head = idx;
    t->active--;
}

void mpi_req_table_free(struct mpi_req_table *t)
{
    int i;

    for (i = 0; i < t->nslots / MPI_REQ_CHUNK; i++)
        free(t->chunks[i]);
    free(t->chunks);
    t->chunks = NULL;
    t->nslots = 0;
    t->free_head = -1;
    t->active = 0;
}

int mpi_req_done(struct mpi_request *r)
{
    if (r->kind == MPI_REQ_COLL)
        return mpi_sched_progress(r->sched);
    if (r->kind == MPI_REQ_GREQ)
        return mpi_greq_done(r->greq);
    if (r->kind == MPI_REQ_PAIR)
        return mpi_pair_done(mpi_state(), r->pair);
    if (r->kind == MPI_REQ_RMA)
        return mpi_rma_req_done(r->rma);
    return r->kind == MPI_REQ_PROC_NULL || r->kind == MPI_REQ_INACTIVE || cv_request_done(r->cv);
}

int mpi_req_finish(struct mpi_rank_state *s, MPI_Request *h_p, MPI_Status *st)
{
    struct mpi_request *r = mpi_req_get(&s->reqs, *h_p);
    struct cv_status cst = {0};
    int done = 0, err = MPI_SUCCESS, src;

    if (r->kind == MPI_REQ_INACTIVE) { /* persistent, not started: empty status */
        mpi_status_empty(st);
        return MPI_SUCCESS;
    }
    if (r->kind == MPI_REQ_PROC_NULL) {
        mpi_status_set(st, MPI_PROC_NULL, MPI_ANY_TAG, 0, 0);
    } else if (r->kind == MPI_REQ_RMA) {
        mpi_status_empty(st);
    } else if (r->kind == MPI_REQ_COLL) {
        mpi_status_empty(st);
        /* a persistent collective keeps its schedule for the next start */
        err = r->persist ? mpi_sched_stop(s, r->sched) : mpi_sched_finish(s, r->sched);
    } else if (r->kind == MPI_REQ_GREQ) {
        err = mpi_greq_finish(r->greq, st);
    } else if (r->kind == MPI_REQ_PAIR) {
        err = mpi_pair_finish(s, r->pair, st);
    } else {
        err = cv_test(r->cv, &done, &cst);
        if (!err)
            err = cst.error;
        src = r->kind == MPI_REQ_RECV ? mpi_comm_from_world(r->comm, cst.source) : MPI_ANY_SOURCE;
        mpi_status_set(st, src, r->kind == MPI_REQ_RECV ? cst.tag : MPI_ANY_TAG,
                       (MPI_Count)cst.count, cst.cancelled);
        if (r->xfer) /* unpack a derived-type receive, drop the temporary */
            mpi_dtype_xfer_done(s, r->xfer, (MPI_Count)cst.count, cst.cancelled);
        r->xfer = NULL;
        cv_request_free(r->cv);
    }
    if (r->persist) { /* persistent: back to inactive, the handle stays */
        r->kind = MPI_REQ_INACTIVE;
        r->cv = NULL;
        return err;
    }
    mpi_req_release(&s->reqs, *h_p);
    *h_p = MPI_REQUEST_NULL;
    return err;
}

int mpi_req_wait(struct mpi_rank_state *s, MPI_Request *h_p, MPI_Status *st)
{
    struct mpi_request *r = mpi_req_get(&s->reqs, *h_p);
    int err = mpi_req_block(s, r), ferr;

    ferr = mpi_req_finish(s, h_p, st);
    return err < 0 ? err : ferr;
}

int mpi_req_block(struct mpi_rank_state *s, struct mpi_request *r)
{
    unsigned spins = 0;

    /* cv_wait would leave pending collectives and RMA requests to this rank
     * behind: poll them all instead. */
    if (!s->scheds && !mpi_rma_active(s) &&
        (r->cv || r->kind == MPI_REQ_PROC_NULL || r->kind == MPI_REQ_INACTIVE))
        return r->cv ? cv_wait(r->cv, NULL) : 0;
    while (!mpi_req_done(r))
        mpi_progress_idle(&spins);
    return 0;
}

void mpi_progress(struct mpi_rank_state *s)
{
    cv_progress();
    mpi_sched_progress_all(s);
    mpi_rma_progress(s);
}

void mpi_progress_idle(unsigned *spins)
{
    struct mpi_rank_state *s = mpi_state();

    mpi_sched_progress_all(s);
    /* RMA work done counts as progress: a target keeps answering quickly */
    if (mpi_rma_progress(s) > 0 || cv_progress() > 0)
        *spins = 0;
    else
        cv_idle(spins);
}
