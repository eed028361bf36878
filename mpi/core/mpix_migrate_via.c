/* mpix_migrate_via.c: MPIX_Migrateto_checkpoint, a move of the calling rank
 * through a checkpoint image file.
 *
 * The same move as MPI_Migrateto (rank-migrate's rmig_migrate_via: the
 * destination reserved, messaging quiesced and departed, the rank frozen at
 * this safe point), with the container carried by an image file in `dir`
 * instead of streamed (rank-migrate/rmig_stream_file.c). It lets one job
 * compare both ways of moving the same rank, move after move; for every
 * move of a job, NMPI_MIGRATION_MODE=checkpoint does the same to
 * MPI_Migrateto. dir NULL: NMPI_MIGRATION_DIR's directory. Errors go through mpi_error() as
 * MPI_Migrateto's, plus MPI_ERR_IO for a directory that is missing or not writable (checked before
 * anything is reserved: the rank stays).
 */
#include <limits.h>
#include <string.h>

#include "mpi_error.h"
#include "mpi_state.h"
#include "nanvix.h"
#include "rmig.h"

#pragma weak MPIX_Migrateto_checkpoint = PMPIX_Migrateto_checkpoint

int PMPIX_Migrateto_checkpoint(int cluster, const char *dir);

int PMPIX_Migrateto_checkpoint(int cluster, const char *dir)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Migrateto_checkpoint");
    if (cluster != MPIX_ANY_SPARE && !knode_is_valid(cluster))
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Migrateto_checkpoint");
    if (dir != NULL && (dir[0] == '\0' || strnlen(dir, PATH_MAX) >= PATH_MAX))
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Migrateto_checkpoint");
    if (dir == NULL)
        dir = rmig_migration_dir_default();
    err = rmig_migrate_via(cluster == MPIX_ANY_SPARE ? RMIG_ANY_SPARE : cluster, dir);
    return err < 0 ? mpi_error(MPI_COMM_WORLD, err, "MPIX_Migrateto_checkpoint") : MPI_SUCCESS;
}
