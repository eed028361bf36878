/* coll_p2p.c: the point-to-point steps that collective algorithms are built of.
 *
 * Collective traffic runs on the communicator's collective context (coll_ctx),
 * apart from the application's point-to-point messages on the same
 * communicator; each collective family uses its own tag there. Because cv
 * keeps MPI's non-overtaking order per pair and every rank calls collectives
 * in the same order, fixed tags are enough to keep successive collectives
 * apart. Ranks here are communicator ranks.
 */
#include "coll.h"
#include "comm.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "rma.h"
#include "cv.h"

/* cv_wait, but while nonblocking collectives or windows (rma.h) are pending
 * it polls them too:
 * another rank may need one of them to advance before it can take part in
 * this collective (MPI's progress rule). */
static int coll_wait(cv_request_t *r, struct cv_status *st)
{
    struct mpi_rank_state *s = mpi_state();
    unsigned spins = 0;

    while (s && (s->scheds || mpi_rma_active(s)) && !cv_request_done(r))
        mpi_progress_idle(&spins);
    return cv_wait(r, st);
}

int mpi_coll_send(struct mpi_comm *c, const void *buf, size_t len, int dest, int tag)
{
    cv_request_t *r;
    int err =
        cv_isend(buf, len, mpi_comm_to_world(c, dest), tag, c->coll_ctx, CV_SEND_STANDARD, &r);

    if (err < 0)
        return err;
    err = coll_wait(r, NULL);
    cv_request_free(r);
    return err;
}

/* Waits for a receive and frees it. Returns 0, a cv error or the message's. */
static int coll_recv_wait(cv_request_t *r)
{
    struct cv_status st = {0};
    int err = coll_wait(r, &st);

    cv_request_free(r);
    return err < 0 ? err : st.error;
}

int mpi_coll_recv(struct mpi_comm *c, void *buf, size_t len, int source, int tag)
{
    cv_request_t *r;
    int err = cv_irecv(buf, len, mpi_comm_to_world(c, source), tag, c->coll_ctx, &r);

    return err < 0 ? err : coll_recv_wait(r);
}

int mpi_coll_sendrecv(struct mpi_comm *c, const void *sbuf, size_t slen, int dest, void *rbuf,
                      size_t rlen, int source, int tag)
{
    cv_request_t *r;
    int err = cv_irecv(rbuf, rlen, mpi_comm_to_world(c, source), tag, c->coll_ctx, &r);

    if (err < 0)
        return err;
    err = mpi_coll_send(c, sbuf, slen, dest, tag);
    if (err < 0) {
        cv_cancel(r);
        coll_recv_wait(r);
        return err;
    }
    return coll_recv_wait(r);
}
