/* mpix_migrate_mode.c: MPIX_Migrateto_mode, a move of the calling rank in a
 * mode chosen for this move (issue 15 item 3).
 *
 * The same move as MPI_Migrateto, sent the way `mode` names: "stop" (or
 * "live": the rank frozen while all of its container goes), "precopy"
 * (rounds while the rank waits here with its messages progressing, then a
 * short stop-and-copy), "checkpoint" (through an image file in
 * NMPI_MIGRATION_DIR's directory, as MPIX_Migrateto_checkpoint with NULL).
 * "auto": stop-and-copy or pre-copy by the pause the cost model predicts
 * (NMPI_MIGRATION_AUTO_MS). NULL: NMPI_MIGRATION_MODE's. The name is checked before anything is
 * reserved: an unknown one is MPI_ERR_ARG. "postcopy": the rank resumes on
 * the destination with its header, stack and globals, its heap pulled on
 * first touch and in the background (rank-migrate/rmig_postcopy_move.h).
 * Pre-copy where written pages cannot be tracked moves stop-and-copy, said
 * once (rank-migrate). Other errors as MPI_Migrateto.
 */
#include <string.h>

#include "mpi_error.h"
#include "mpi_state.h"
#include "nanvix.h"
#include "rmig.h"

#pragma weak MPIX_Migrateto_mode = PMPIX_Migrateto_mode

int PMPIX_Migrateto_mode(int cluster, const char *mode);

/* The rank-migrate mode a name means, or -1 (unknown), -2 (not built). */
static int mpix_mode_of(const char *mode)
{
    static const struct {
        const char *name;
        int mode;
    } modes[] = {{"auto", RMIG_MODE_AUTO},
                 {"stop", RMIG_MODE_STOP},
                 {"live", RMIG_MODE_STOP},
                 {"precopy", RMIG_MODE_PRECOPY},
                 {"checkpoint", RMIG_MODE_CHECKPOINT},
                 {"postcopy", RMIG_MODE_POSTCOPY}};

    if (mode == NULL)
        return RMIG_MODE_DEFAULT;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(mode, modes[i].name) == 0)
            return modes[i].mode;
    return -1;
}

int PMPIX_Migrateto_mode(int cluster, const char *mode)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s), m;

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Migrateto_mode");
    if (cluster != MPIX_ANY_SPARE && !knode_is_valid(cluster))
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Migrateto_mode");
    m = mpix_mode_of(mode);
    if (m == -1)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Migrateto_mode");
    if (m == -2)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_UNSUPPORTED_OPERATION, "MPIX_Migrateto_mode");
    err = rmig_migrate_mode(cluster == MPIX_ANY_SPARE ? RMIG_ANY_SPARE : cluster, m);
    return err < 0 ? mpi_error(MPI_COMM_WORLD, err, "MPIX_Migrateto_mode") : MPI_SUCCESS;
}
