/* mpix_estimate.c: predicted cost of a move, and a move made only when it pays.
 *
 * MPIX_Migration_estimate, MPIX_Migration_estimate_detail and
 * MPIX_Migrate_if check their arguments here, as every MPI call does, and
 * leave the rest to rank-migrate: rmig_estimate (the bytes a move would
 * send now, its path, the model's lines, the model's source) and
 * rmig_migrate_if (the decision, its log line, the move). Another rank's
 * size lives in its container, on its cluster: rmig_estimate_rank asks
 * that cluster over the job's control channel (answered at the rank's
 * next poll), so estimating another rank waits for it. MPIX_Migrate_if
 * for the calling rank moves it at once (rmig_migrate_if); for another
 * rank it decides here, on that rank's size as its cluster reports it, and
 * asks the move as MPIX_Migrate does (rmig_ask_if): the rank moves at its
 * next safe point, so *moved = 1 says "asked", not "arrived".
 */
#include <errno.h>
#include <stdio.h>

#include "comm.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"
#include "nanvix.h"
#include "rmig.h"

#pragma weak MPIX_Migration_estimate = PMPIX_Migration_estimate
#pragma weak MPIX_Migration_estimate_detail = PMPIX_Migration_estimate_detail
#pragma weak MPIX_Migrate_if = PMPIX_Migrate_if

int PMPIX_Migration_estimate(int rank, int cluster, double *seconds);
int PMPIX_Migration_estimate_detail(int rank, int cluster, double *downtime, double *total,
                                    long long *bytes, char path[MPIX_MIGRATION_PATH_MAX],
                                    char source[MPIX_MIGRATION_SOURCE_MAX]);
int PMPIX_Migrate_if(int rank, int cluster, double gain_seconds, MPI_Comm comm, int *moved);

static int mpix_cluster_arg(int cluster)
{
    return cluster == MPIX_ANY_SPARE ? RMIG_ANY_SPARE : cluster;
}

/* The estimate of world rank `rank` to `cluster`, arguments checked.
 * Returns 0 or a code for mpi_error(). */
static int mpix_estimate_rank(int rank, int cluster, struct rmig_estimate *e)
{
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (err)
        return err;
    if (rank < 0 || rank >= rmig_rank_count())
        return MPI_ERR_RANK;
    if (cluster != MPIX_ANY_SPARE && !knode_is_valid(cluster))
        return MPI_ERR_ARG;
    if (rank != cv_rank())
        return rmig_estimate_rank(rank, mpix_cluster_arg(cluster), e);
    return rmig_estimate(mpix_cluster_arg(cluster), e);
}

int PMPIX_Migration_estimate(int rank, int cluster, double *seconds)
{
    MPI_THREAD_GUARD();
    struct rmig_estimate e;
    int err;

    if (seconds == NULL)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Migration_estimate");
    err = mpix_estimate_rank(rank, cluster, &e);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Migration_estimate");
    *seconds = e.downtime;
    return MPI_SUCCESS;
}

int PMPIX_Migration_estimate_detail(int rank, int cluster, double *downtime, double *total,
                                    long long *bytes, char path[MPIX_MIGRATION_PATH_MAX],
                                    char source[MPIX_MIGRATION_SOURCE_MAX])
{
    MPI_THREAD_GUARD();
    struct rmig_estimate e;
    int err;

    if (downtime == NULL || total == NULL || bytes == NULL || path == NULL)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Migration_estimate_detail");
    err = mpix_estimate_rank(rank, cluster, &e);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Migration_estimate_detail");
    *downtime = e.downtime;
    *total = e.total;
    *bytes = (long long)e.bytes;
    snprintf(path, MPIX_MIGRATION_PATH_MAX, "%s", rmig_path_name(e.path));
    if (source != NULL)
        snprintf(source, MPIX_MIGRATION_SOURCE_MAX, "%s", e.source);
    return MPI_SUCCESS;
}

int PMPIX_Migrate_if(int rank, int cluster, double gain_seconds, MPI_Comm comm, int *moved)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct rmig_estimate e;
    int err = mpi_enter(&s), world;

    if (err)
        return mpi_error(comm, err, "MPIX_Migrate_if");
    c = mpi_comm_get(s, comm);
    if (c == NULL)
        return mpi_error(comm, MPI_ERR_COMM, "MPIX_Migrate_if");
    if (rank < 0 || rank >= c->size)
        return mpi_error(comm, MPI_ERR_RANK, "MPIX_Migrate_if");
    if (moved == NULL || !(gain_seconds >= 0.0) ||
        (cluster != MPIX_ANY_SPARE && !knode_is_valid(cluster)))
        return mpi_error(comm, MPI_ERR_ARG, "MPIX_Migrate_if"); /* !(>= 0): NaN too */
    *moved = 0;
    world = c->is_world ? rank : c->group[rank];
    if (world != cv_rank())
        err =
            rmig_ask_if(cv_route(world), world, mpix_cluster_arg(cluster), gain_seconds, &e, moved);
    else
        err = rmig_migrate_if(mpix_cluster_arg(cluster), gain_seconds, &e, moved);
    return err < 0 ? mpi_error(comm, err, "MPIX_Migrate_if") : MPI_SUCCESS;
}
