/* mpi_status.h: writing and reading MPI_Status contents (mpi_status.c).
 *
 * The byte count is kept as MPICH does: the low 32 bits in count_lo, the
 * high bits shifted left by one in count_hi_and_cancelled, whose bit 0 is the
 * cancelled flag. None of these can fail.
 */
#ifndef MPI_STATUS_H
#define MPI_STATUS_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Byte count of an MPI_Status (count_lo/count_hi_and_cancelled). */
MPI_Count mpi_status_bytes(const MPI_Status *st);

/* Fills *st (when not MPI_STATUS_IGNORE) with source, tag, byte count,
 * cancelled flag; MPI_ERROR is left alone. */
void mpi_status_set(MPI_Status *st, int source, int tag, MPI_Count bytes, int cancelled);

/* The empty status of MPI 3.7.3 (ANY_SOURCE, ANY_TAG, 0 bytes). */
void mpi_status_empty(MPI_Status *st);

#pragma GCC visibility pop

#endif /* MPI_STATUS_H */
