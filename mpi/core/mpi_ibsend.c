/* mpi_ibsend.c: MPI_Ibsend, the nonblocking buffered send.
 *
 * A buffered send is local: once the message is copied into the attached
 * buffer's accounting (mpi_bsend.c) the operation is complete, whatever the
 * receiver does. So MPI_Ibsend does what MPI_Bsend does and returns a
 * request that is complete at once (kind MPI_REQ_PROC_NULL, "done at
 * once"); the copy's own send is tracked, reclaimed and drained by the
 * buffered-mode code like any Bsend's.
 */
#include <stdlib.h>
#include "comm.h"
#include "dtype_xfer.h"
#include "mpi_bsend.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"

#pragma weak MPI_Ibsend = PMPI_Ibsend

int PMPI_Ibsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
                MPI_Request *request)
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
    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err && dest != MPI_PROC_NULL) /* derived types: copy the packed form */
        err = mpi_dtype_view(s, buf, count, datatype, &data, &len, &packed);
    if (!err && dest != MPI_PROC_NULL)
        err = mpi_bsend_start(&s->bsend, c, data, len, dest, tag);
    free(packed);
    if (!err)
        err = mpi_req_alloc(&s->reqs, MPI_REQ_PROC_NULL, c, NULL, request);
    return mpi_error(comm, err, "MPI_Ibsend");
}
