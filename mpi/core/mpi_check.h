/* mpi_check.h: argument checks done once, at the MPI boundary (mpi_check.c).
 *
 * Every MPI_ entry point validates its arguments with these before calling
 * into the layer; the code behind them trusts what it receives. Each check
 * returns MPI_SUCCESS or the MPI error class that describes the fault.
 */
#ifndef MPI_CHECK_H
#define MPI_CHECK_H

#include <stddef.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Largest tag users may pass (exposed as the MPI_TAG_UB attribute). The wire
 * carries tags as int32, cv reserves the negative values. */
#define MPI_IMPL_TAG_UB 0x7fffffff

struct mpi_comm;
struct mpi_rank_state;

/* A live communicator handle (MPI_ERR_COMM); sets *c_p on success. */
int mpi_check_comm(struct mpi_rank_state *s, MPI_Comm comm, struct mpi_comm **c_p);
/* Predefined, or derived, live and committed (MPI_ERR_TYPE); sets *extent_p
 * on success. */
int mpi_check_type(MPI_Datatype dt, size_t *extent_p);
/* count >= 0 (MPI_ERR_COUNT). */
int mpi_check_count(int count);
/* buf set when count > 0 (MPI_ERR_BUFFER). */
int mpi_check_buf(const void *buf, int count);
/* The same for count items of valid type dt: NULL (MPI_BOTTOM) is fine
 * when there is no data (size 0) or the type's data does not start at
 * offset 0 (absolute addresses from MPI_Get_address). */
int mpi_check_buf_dt(const void *buf, int count, MPI_Datatype dt);
/* A rank of c (of its remote group for an intercommunicator) or
 * MPI_PROC_NULL; a source may also be MPI_ANY_SOURCE (MPI_ERR_RANK). */
int mpi_check_dest(const struct mpi_comm *c, int dest);
int mpi_check_source(const struct mpi_comm *c, int source);
/* A rank of c; for an intercommunicator MPI_ROOT, MPI_PROC_NULL or a remote
 * rank (MPI_ERR_ROOT). */
int mpi_check_root(const struct mpi_comm *c, int root);
/* 0..MPI_IMPL_TAG_UB; a receive may also use MPI_ANY_TAG (MPI_ERR_TAG). */
int mpi_check_send_tag(int tag);
int mpi_check_recv_tag(int tag);
/* All of the above for a send (recv = 0) or a receive (recv = 1); *bytes_p
 * is the packed size of the message (count * type size). */
int mpi_check_p2p(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt, int peer,
                  int tag, MPI_Comm comm, int recv, struct mpi_comm **c_p, size_t *bytes_p);

#pragma GCC visibility pop

#endif /* MPI_CHECK_H */
