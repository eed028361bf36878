/* mpi_pt2pt.h: starting point-to-point transfers of packed bytes (mpi_pt2pt.c).
 *
 * Every transfer becomes one cv request on the communicator's point-to-point
 * context, with the peer translated to its world rank, held by a request of
 * the table (mpi_request.h). With (count, datatype) arguments use
 * mpi_p2p_isend_dt/irecv_dt (dtype_xfer.h), which pack derived types.
 */
#ifndef MPI_PT2PT_H
#define MPI_PT2PT_H

#include <stddef.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_rank_state;

/* Starts a send/receive of len contiguous bytes (arguments already checked);
 * handles MPI_PROC_NULL. Returns MPI_SUCCESS or < 0. */
/* The outgoing data of a *_replace call: a private packed copy of count
 * elements of dt at buf (NULL when empty), so the receive may overwrite
 * buf; the caller frees it. Returns MPI_SUCCESS or < 0. */
int mpi_p2p_replace_copy(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt,
                         void **copy_p, size_t *len_p);

int mpi_p2p_isend(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, size_t len,
                  int dest, int tag, int mode, MPI_Request *h_p);
int mpi_p2p_irecv(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, size_t len, int source,
                  int tag, MPI_Request *h_p);

#pragma GCC visibility pop

#endif /* MPI_PT2PT_H */
