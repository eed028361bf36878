/* mpi_checkpoint_ext.c: the ranks' part of a checkpoint asked from outside the job.
 *
 * `mpimigrate --checkpoint DIR` reaches every cluster of the job
 * (rank-migrate/rmig_ckpt_ask.c), and each rank takes part at its next safe
 * point: any MPI wait, or the preemption handler while it computes. There
 * rank-migrate calls the handler registered here, which runs the same
 * protocol as MPIX_Checkpoint (mpi_checkpoint_take: drain, images,
 * manifest), so the checkpoint is the same consistent cut and restarts
 * with `mpiexec --restart DIR`. It may be nested in any MPI call, even a
 * collective on MPI_COMM_WORLD, so it uses only point-to-point on a
 * communicator of its own, made at MPI_Init (mpi_checkpoint_comm.c).
 * rank-migrate makes sure it never recurses and never runs a number twice.
 *
 * A rank inside MPI_Finalize declines (it sends -ECANCELED in the opening
 * exchange instead of taking part): once one rank has left Finalize's
 * barrier others may be gone, and a rank that joined would wait for them
 * for ever. Every rank that joined sees the decline in the opening
 * exchange, so all give up together and the requester hears -ECANCELED.
 */
#include <errno.h>
#include <stdlib.h>

#include "mpi_checkpoint.h"
#include "mpi_state.h"
#include "rmig.h"

/* Sends -ECANCELED to every other rank in the opening exchange. */
static int mpi_ckpt_ext_decline(MPI_Comm c, int rank, int size)
{
    int no = -ECANCELED;

    for (int peer = 0; peer < size; peer++)
        if (peer != rank)
            PMPI_Send(&no, 1, MPI_INT, peer, MPI_CKPT_TAG_OPEN, c);
    return -ECANCELED;
}

/* The handler rank-migrate calls at a safe point (rmig.h). */
static int mpi_ckpt_ext_run(const char *dir, int *restarted)
{
    struct mpi_rank_state *s;
    int rank, size;

    *restarted = 0;
    if (mpi_enter(&s) != MPI_SUCCESS)
        return -ENOTCONN;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &size);
    if (s->finalizing)
        return mpi_ckpt_ext_decline(s->ckpt_comm, rank, size);
    return mpi_checkpoint_take(s->ckpt_comm, "mpimigrate --checkpoint", dir, rank, size, restarted);
}

/* Every cluster registers it at load, so that a rank that arrives on a
 * spare finds it there too. */
__attribute__((constructor)) static void mpi_ckpt_ext_register(void)
{
    rmig_set_checkpoint_handler(mpi_ckpt_ext_run);
}
