/* rma_req.c: the MPI requests of Rput, Rget, Raccumulate and
 * Rget_accumulate (kind MPI_REQ_RMA of mpi_request.h).
 *
 * A request holds a reference on the pending reply of its operation, or
 * none when the operation completed locally as it was issued (a Put or an
 * accumulate: its data were copied into the message). The window keeps its
 * own reference until the reply is in, so a flush or the end of an epoch
 * completes the operation whether or not the request was waited for yet.
 */
#include "mpi_request.h"
#include "mpi_state.h"
#include "rma.h"

int mpi_rma_req_new(struct mpi_rank_state *s, struct mpi_win *w, struct mpi_rma_pend *p,
                    MPI_Request *h_p)
{
    int err = mpi_req_alloc(&s->reqs, MPI_REQ_RMA, w->comm, NULL, h_p);

    if (err) {
        if (p)
            mpi_rma_pend_unref(s, p);
        return err;
    }
    mpi_req_get(&s->reqs, *h_p)->rma = p;
    return MPI_SUCCESS;
}

int mpi_rma_req_done(struct mpi_rma_pend *p)
{
    return !p || p->done;
}

void mpi_rma_req_release(struct mpi_rank_state *s, struct mpi_rma_pend *p)
{
    if (p)
        mpi_rma_pend_unref(s, p);
}
