/* mpi_bsend.c: buffered mode (MPI_Bsend, MPI_Buffer_attach/detach).
 *
 * The attached buffer is used for accounting only: MPI_Bsend copies the
 * message into a heap block (in the container, like all rank allocations),
 * starts a standard cv send of the copy and returns. A message holds
 * len + MPI_BSEND_OVERHEAD bytes of the attached buffer until its send has
 * completed; without enough room MPI_Bsend fails with MPI_ERR_BUFFER, as MPI
 * requires. Finished copies are reclaimed at the next Bsend, at detach and at
 * MPI_Finalize.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "dtype_xfer.h"
#include "mpi_bsend.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"

#pragma weak MPI_Bsend = PMPI_Bsend
#pragma weak MPI_Buffer_attach = PMPI_Buffer_attach
#pragma weak MPI_Buffer_detach = PMPI_Buffer_detach

/* Frees the pending messages whose send completed (all of them, waiting,
 * when wait is set). */
static void bsend_reclaim(struct mpi_bsend_state *b, int wait)
{
    struct mpi_bsend_msg **pp = &b->pending, *m;

    while ((m = *pp)) {
        if (wait)
            cv_wait(m->cv, NULL);
        else if (!cv_request_done(m->cv)) {
            pp = &m->next;
            continue;
        }
        *pp = m->next;
        b->used -= m->len + MPI_BSEND_OVERHEAD;
        cv_request_free(m->cv);
        free(m);
    }
}

void mpi_bsend_drain(struct mpi_rank_state *s)
{
    bsend_reclaim(&s->bsend, 1);
    s->bsend.buf = NULL;
    s->bsend.size = 0;
}

int mpi_bsend_start(struct mpi_bsend_state *b, struct mpi_comm *c, const void *buf, size_t len,
                    int dest, int tag)
{
    struct mpi_bsend_msg *m;
    int err;

    bsend_reclaim(b, 0);
    if (!b->buf || b->used + len + MPI_BSEND_OVERHEAD > b->size)
        return MPI_ERR_BUFFER;
    m = malloc(sizeof(*m) + len);
    if (!m)
        return -ENOMEM;
    memcpy(m + 1, buf, len);
    m->len = len;
    err = cv_isend(m + 1, len, mpi_comm_to_world(c, dest), tag, c->ctx, CV_SEND_STANDARD, &m->cv);
    if (err < 0) {
        free(m);
        return err;
    }
    m->next = b->pending;
    b->pending = m;
    b->used += len + MPI_BSEND_OVERHEAD;
    return MPI_SUCCESS;
}

int PMPI_Bsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    const void *data;
    void *packed = NULL;
    size_t len;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_p2p(s, buf, count, datatype, dest, tag, comm, 0, &c, &len);
    if (!err && dest != MPI_PROC_NULL) /* derived types: copy the packed form */
        err = mpi_dtype_view(s, buf, count, datatype, &data, &len, &packed);
    if (!err && dest != MPI_PROC_NULL)
        err = mpi_bsend_start(&s->bsend, c, data, len, dest, tag);
    free(packed);
    return mpi_error(comm, err, "MPI_Bsend");
}

int PMPI_Buffer_attach(void *buffer, int size)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && size < 0)
        err = MPI_ERR_ARG;
    if (!err && size > 0 && !buffer)
        err = MPI_ERR_BUFFER;
    if (!err && s->bsend.buf)
        err = MPI_ERR_BUFFER; /* one buffer at a time */
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Buffer_attach");
    s->bsend.buf = buffer;
    s->bsend.size = (size_t)size;
    return MPI_SUCCESS;
}

/* Waits until every buffered message is sent, then hands the buffer back. */
int PMPI_Buffer_detach(void *buffer_addr, int *size)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && (!buffer_addr || !size))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Buffer_detach");
    *(void **)buffer_addr = s->bsend.buf;
    *size = (int)s->bsend.size;
    mpi_bsend_drain(s);
    return MPI_SUCCESS;
}
