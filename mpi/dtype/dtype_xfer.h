/* dtype_xfer.h: datatypes in communication: typed point-to-point, the
 * packing that requests finish at completion, and the packed views that
 * collective schedules use (dtype_xfer.c).
 *
 * Messages always carry the packed form (count * size bytes). Contiguous
 * data goes in place; anything else goes through a temporary allocated in
 * rank context (so it migrates with a pending request), which a request
 * owns in its xfer field (mpi_request.h) until mpi_req_finish() calls
 * mpi_dtype_xfer_done(). Functions return MPI_SUCCESS, an MPI error class
 * or a negative code (mpi_error.h), as each says below.
 */
#ifndef DTYPE_XFER_H
#define DTYPE_XFER_H

#include <stddef.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_rank_state;
struct mpi_request;

/* What a request does with a derived type when it completes. */
struct mpi_dtype_xfer {
    MPI_Datatype dt; /* referenced until the request completes */
    void *tmp;       /* packed bytes (send: source, receive: landing area) */
    void *ubuf;      /* receive: the user's buffer to unpack into (may be MPI_BOTTOM) */
    MPI_Count count; /* receive: items of dt at ubuf (> 0); send: 0 */
};

/* Typed point-to-point (arguments checked): contiguous data goes in place,
 * anything else through a packed temporary owned by the request. Return
 * MPI_SUCCESS, MPI_ERR_TYPE (a freed type) or < 0 (-ENOMEM, a cv error, as
 * mpi_p2p_isend/irecv of mpi_pt2pt.h). */
int mpi_p2p_isend_dt(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, int count,
                     MPI_Datatype dt, int dest, int tag, int mode, MPI_Request *h_p);
int mpi_p2p_irecv_dt(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, int count,
                     MPI_Datatype dt, int source, int tag, MPI_Request *h_p);

/* A persistent request r starting (mpi_persist.c): sets *data_p, *len_p to
 * what cv sends or receives. Contiguous data is used in place; otherwise a
 * send is packed, a receive gets a landing area, and r->xfer holds them
 * until completion (mpi_dtype_xfer_done). Returns MPI_SUCCESS, MPI_ERR_TYPE
 * (the type was freed since) or -ENOMEM. */
int mpi_dtype_xfer_prepare(struct mpi_rank_state *s, struct mpi_request *r, void *buf, int count,
                           MPI_Datatype dt, int recv, void **data_p, size_t *len_p);

/* Request completion: unpacks a receive (bytes arrived, unless cancelled)
 * and frees x. */
void mpi_dtype_xfer_done(struct mpi_rank_state *s, struct mpi_dtype_xfer *x, MPI_Count bytes,
                         int cancelled);
/* A request released without completion (MPI_Request_free): the transfer
 * may still use x->tmp, which is therefore left allocated. */
void mpi_dtype_xfer_abandon(struct mpi_dtype_xfer *x);

/* Contiguous bytes of count items of dt at buf: *data_p points into buf when
 * the type is contiguous, else at a packed copy returned in *tmp_p (to free).
 * Returns MPI_SUCCESS or -ENOMEM. */
int mpi_dtype_view(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt,
                   const void **data_p, size_t *len_p, void **tmp_p);

/* The receiving side of mpi_dtype_view: *data_p is where len bytes of
 * packed data should land (in buf when contiguous, else a temporary in
 * *tmp_p); mpi_dtype_recv_end() unpacks the `bytes` that arrived and frees
 * the temporary. Returns MPI_SUCCESS or -ENOMEM. */
int mpi_dtype_recv_begin(struct mpi_rank_state *s, void *buf, int count, MPI_Datatype dt,
                         void **data_p, size_t *len_p, void **tmp_p);
void mpi_dtype_recv_end(struct mpi_rank_state *s, void *buf, int count, MPI_Datatype dt, void *tmp,
                        MPI_Count bytes);

/* Copies count items of dt from src to dst (type map bytes only). Returns
 * MPI_SUCCESS or -ENOMEM. */
int mpi_dtype_copy(struct mpi_rank_state *s, const void *src, void *dst, int count,
                   MPI_Datatype dt);

/* Copies scount items of sdt at src into rcount items of rdt at dst through
 * the packed form (layouts may differ; at most the smaller of the two sizes
 * moves). Returns MPI_SUCCESS or -ENOMEM. */
int mpi_dtype_copy_as(struct mpi_rank_state *s, const void *src, int scount, MPI_Datatype sdt,
                      void *dst, int rcount, MPI_Datatype rdt);

#pragma GCC visibility pop

#endif /* DTYPE_XFER_H */
