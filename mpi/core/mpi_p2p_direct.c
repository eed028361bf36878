/* mpi_p2p_direct.c: blocking send and receive of contiguous data without a
 * request handle.
 *
 * Why: a blocking call never shows its request to the application, yet the
 * request table (mpi_req_alloc, _get, _block, _finish, _release) cost about
 * 1200 of the 8600 instructions of a small-message round trip
 * (bench/latency-profile.txt). For a built-in (or other size == extent)
 * datatype and a real peer, MPI_Send and MPI_Recv hold the cv request
 * themselves and wait on it as mpi_req_block would, polling pending
 * collectives and RMA too when there are any. Everything else (MPI_PROC_NULL,
 * derived types that pack) keeps the general path.
 *
 * Moves: the cv request is in the container's heap and its pointer on the
 * rank's stack, both of which move with the rank, so the wait stays a safe
 * point exactly as before.
 */
#include "comm.h"
#include "cv.h"
#include "dtype.h"
#include "mpi_p2p_direct.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "mpi_status.h"
#include "rma.h"

int mpi_p2p_direct_ok(MPI_Datatype dt, int peer)
{
    const struct mpi_type_info *ti;

    if (peer == MPI_PROC_NULL)
        return 0;
    ti = mpi_type_get(dt);
    return ti != NULL && ti->size == ti->extent;
}

/* Waits for cv and frees it; *st gets its status. Returns 0. */
static void direct_wait(struct mpi_rank_state *s, cv_request_t *cv, struct cv_status *st)
{
    unsigned spins = 0;
    int done;

    if (!s->scheds && !mpi_rma_active(s)) {
        cv_wait(cv, st);
    } else {
        while (!cv_request_done(cv))
            mpi_progress_idle(&spins);
        cv_test(cv, &done, st);
    }
    cv_request_free(cv);
}

int mpi_p2p_send_direct(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, size_t len,
                        int dest, int tag, int mode)
{
    struct cv_status st = {0};
    cv_request_t *cv;
    int wdest = mpi_comm_to_world(c, dest), err;

    if (mode == CV_SEND_STANDARD) { /* an eager message needs no request */
        err = cv_send_now(buf, len, wdest, tag, c->ctx);
        if (err != 0)
            return err < 0 ? err : 0;
    }
    err = cv_isend(buf, len, wdest, tag, c->ctx, mode, &cv);
    if (err < 0)
        return err;
    direct_wait(s, cv, &st);
    return st.error;
}

int mpi_p2p_recv_direct(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, size_t len,
                        int source, int tag, MPI_Status *status)
{
    struct cv_status st = {0};
    cv_request_t *cv;
    int wsrc = source == MPI_ANY_SOURCE ? CV_ANY_SOURCE : mpi_comm_to_world(c, source);
    int err = cv_irecv(buf, len, wsrc, tag == MPI_ANY_TAG ? CV_ANY_TAG : tag, c->ctx, &cv);

    if (err < 0)
        return err;
    direct_wait(s, cv, &st);
    /* A named source is its own communicator rank: no reverse translation. */
    mpi_status_set(status, source == MPI_ANY_SOURCE ? mpi_comm_from_world(c, st.source) : source,
                   st.tag, (MPI_Count)st.count, st.cancelled);
    return st.error;
}
