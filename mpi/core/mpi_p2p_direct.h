/* mpi_p2p_direct.h: blocking send and receive of contiguous data without a
 * request handle (mpi_p2p_direct.c), the fast path of MPI_Send / MPI_Recv. */
#ifndef MPI_P2P_DIRECT_H
#define MPI_P2P_DIRECT_H

#include <stddef.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_rank_state;

/* 1 when a blocking transfer of dt with peer can take the direct path: a
 * real peer and a datatype whose data lies contiguous as it is. */
int mpi_p2p_direct_ok(MPI_Datatype dt, int peer);

/* Sends len bytes at buf and waits (arguments already checked). Returns
 * MPI_SUCCESS or < 0. */
int mpi_p2p_send_direct(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, size_t len,
                        int dest, int tag, int mode);

/* Receives at most len bytes into buf and waits; fills *status (may be
 * MPI_STATUS_IGNORE). Returns MPI_SUCCESS or < 0 (truncation included). */
int mpi_p2p_recv_direct(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, size_t len,
                        int source, int tag, MPI_Status *status);

#pragma GCC visibility pop

#endif /* MPI_P2P_DIRECT_H */
