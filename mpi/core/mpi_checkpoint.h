/* mpi_checkpoint.h: the coordinated checkpoint protocol, for its two callers.
 *
 * mpi_checkpoint.c runs it for MPIX_Checkpoint (on a duplicate of the
 * world) and mpi_checkpoint_ext.c for a checkpoint asked from outside the
 * job (on the private communicator made at MPI_Init, nested in whatever
 * MPI wait each rank is in). The protocol is described in the header
 * comment of mpi_checkpoint.c.
 */
#ifndef MPI_CHECKPOINT_H
#define MPI_CHECKPOINT_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Tag of the opening exchange: every rank sends one int to every other,
 * rank 0 the outcome of making the directory, a rank that declines to take
 * part a negative errno, the others 0. */
#define MPI_CKPT_TAG_OPEN 0

/* Every rank of the world calls it with the same c (a communicator of the
 * whole world, in world order, used by nothing else meanwhile) and dir;
 * `who` names the caller in the log. Holds moves while it drains, writes
 * this rank's image, and rank 0 the manifest. Returns 0 with *restarted 0
 * once the checkpoint is complete, 0 with *restarted 1 in a job restarted
 * from it, or -errno (logged by rank 0): the worst of the opening exchange,
 * -EUSERS (threads), -EBUSY (the job did not quiet down), -EIO, -ENOMEM or
 * the file system's error. */
int mpi_checkpoint_take(MPI_Comm c, const char *who, const char *dir, int rank, int size,
                        int *restarted);

/* mpi_checkpoint_comm.c: at MPI_Init, once the world exists: makes the
 * private communicator of checkpoints asked from outside. Returns
 * MPI_SUCCESS or < 0. */
struct mpi_rank_state;
int mpi_checkpoint_ext_setup(struct mpi_rank_state *s);

#pragma GCC visibility pop

#endif /* MPI_CHECKPOINT_H */
