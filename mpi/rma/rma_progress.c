/* rma_progress.c: how RMA advances: replies at the origin, requests at the
 * target, and the waits of the synchronization calls.
 *
 * mpi_progress() and mpi_progress_idle() (mpi_request.c) call
 * mpi_rma_progress() while the rank has windows, and every blocking MPI call
 * then waits by polling them (mpi_rma_active), so a target applies requests
 * whenever it is inside an MPI call that waits or tests: a blocking
 * point-to-point call, a collective, MPI_Test/Wait, a synchronization call
 * of any window, MPI_Win_free. That is the progress guarantee of passive
 * target: a lock, a flush or an unlock completes once the target enters
 * such a call; a target computing outside MPI holds them until then.
 *
 * At the origin, a pending reply (struct mpi_rma_pend) completes when its
 * receive does; a reply packed for a derived or non-contiguous type is
 * unpacked then. Messages sent keep their buffer until cv is done with it.
 */
#include <stdlib.h>
#include "comm.h"
#include "dtype.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "rma.h"

int mpi_rma_active(struct mpi_rank_state *s)
{
    return s && s->rma && s->rma->live > 0;
}

void mpi_rma_pend_unref(struct mpi_rank_state *s, struct mpi_rma_pend *p)
{
    if (--p->refs > 0)
        return;
    if (p->cv)
        cv_request_free(p->cv);
    if (p->tmp)
        mpi_dtype_unref(s, p->dt);
    free(p->tmp);
    free(p);
}

/* Completes p when its reply arrived: unpacks a packed reply. */
static void pend_poll(struct mpi_rank_state *s, struct mpi_rma_pend *p)
{
    struct mpi_dtype tmp;
    struct cv_status st = {0};
    int done = 0;

    if (p->done || (p->cv && (cv_test(p->cv, &done, &st) < 0 || !done)))
        return;
    if (p->tmp) {
        const struct mpi_dtype *t = mpi_dtype_held(s, p->dt, &tmp);
        if (t)
            mpi_dtype_unpack(t, p->tmp, (MPI_Count)st.count, p->dst, p->count);
        mpi_dtype_unref(s, p->dt);
        free(p->tmp);
        p->tmp = NULL;
    }
    if (p->cv)
        cv_request_free(p->cv);
    p->cv = NULL;
    p->done = 1;
}

/* Polls w's pending replies and drops those done from its list. Returns
 * how many completed. */
static int origin_poll(struct mpi_rank_state *s, struct mpi_win *w)
{
    int n = 0;

    struct mpi_rma_pend **pp = &w->pends, *p;
    struct mpi_rma_send **sp = &w->sends, *m;

    while ((p = *pp)) {
        pend_poll(s, p);
        if (p->done) {
            *pp = p->next;
            mpi_rma_pend_unref(s, p);
            n++;
        } else {
            pp = &p->next;
        }
    }
    while ((m = *sp)) {
        if (cv_request_done(m->cv)) {
            *sp = m->next;
            cv_request_free(m->cv);
            free(m->buf);
            free(m);
        } else {
            sp = &m->next;
        }
    }
    return n;
}

int mpi_rma_progress(struct mpi_rank_state *s)
{
    struct mpi_rma_state *r = s ? s->rma : NULL;
    int i, n = 0;

    if (!r || r->live == 0 || r->busy)
        return 0;
    r->busy = 1;
    for (i = 0; i < r->nwins; i++) {
        if (!r->wins[i])
            continue;
        n += mpi_rma_target_poll(s, r->wins[i]);
        n += origin_poll(s, r->wins[i]);
    }
    r->busy = 0;
    return n;
}

/* Non-zero while a reply from t (-1: any target) is pending on w. */
static int pends_left(const struct mpi_win *w, int t)
{
    const struct mpi_rma_pend *p;

    for (p = w->pends; p; p = p->next)
        if (!p->done && (t < 0 || p->target == t))
            return 1;
    return 0;
}

void mpi_rma_wait_pends(struct mpi_rank_state *s, struct mpi_win *w, int t)
{
    unsigned spins = 0;

    mpi_rma_progress(s);
    while (pends_left(w, t))
        mpi_progress_idle(&spins);
    mpi_rma_progress(s);
}

void mpi_rma_wait_sends(struct mpi_rank_state *s, struct mpi_win *w)
{
    unsigned spins = 0;

    mpi_rma_progress(s);
    while (w->sends)
        mpi_progress_idle(&spins);
}
