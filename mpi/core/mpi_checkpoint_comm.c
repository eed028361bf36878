/* mpi_checkpoint_comm.c: the private communicator of checkpoints asked from outside.
 *
 * A checkpoint asked by mpimigrate runs nested in whatever MPI wait each
 * rank is in (mpi_checkpoint_ext.c), so it cannot make a communicator
 * then: a Comm_dup would be a collective nested in another. MPI_Init makes
 * one, a copy of the world with the next context ids, the way it makes
 * MPI_COMM_WORLD and MPI_COMM_SELF: every rank does the same there, so
 * they agree on the ids without a message. Its errors return to the
 * protocol, which reports them.
 */
#include <errno.h>
#include <stdlib.h>

#include "comm.h"
#include "mpi_checkpoint.h"
#include "mpi_state.h"

int mpi_checkpoint_ext_setup(struct mpi_rank_state *s)
{
    struct mpi_comm *world = mpi_comm_get(s, MPI_COMM_WORLD), *c;
    int *ranks = malloc((size_t)world->size * sizeof(*ranks)), err;

    if (ranks == NULL)
        return -ENOMEM;
    for (int i = 0; i < world->size; i++)
        ranks[i] = i;
    err = mpi_comm_new(s, world, ranks, world->size, s->next_ctx, &c);
    if (err)
        return err;
    s->next_ctx += 2;
    s->ckpt_comm = c->handle;
    return PMPI_Comm_set_errhandler(c->handle, MPI_ERRORS_RETURN) == MPI_SUCCESS ? MPI_SUCCESS
                                                                                 : -EIO;
}
