/* mpix.c: our extensions: MPI_Migrateto and the MPIX_ calls.
 *
 * They follow the same pattern as the standard functions (PMPI_ definition,
 * weak MPI_ alias, arguments checked here, errors through mpi_error()). A
 * move is rank-migrate's from the request to the report (rmig_migrate): the
 * arguments are checked here, and its errors (negative errno values) become
 * MPI classes in mpi_error.c with every other internal code: bad or own
 * cluster -> MPI_ERR_ARG, no idle cluster left -> MPI_ERR_NO_SPACE, layout
 * differs -> MPI_ERR_UNSUPPORTED_OPERATION, busy destination, timeout or
 * rejected transfer -> MPI_ERR_OTHER. With NMPI_MIGRATION_REPORT=1 every
 * move, and every failed one, is reported by rank-migrate.
 */
#include "comm.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"
#include "nanvix.h"
#include "rmig.h"

#pragma weak MPI_Migrateto = PMPI_Migrateto
#pragma weak MPIX_Migrate = PMPIX_Migrate
#pragma weak MPIX_Cluster_self = PMPIX_Cluster_self
#pragma weak MPIX_Cluster_count = PMPIX_Cluster_count
#pragma weak MPIX_Spare_count = PMPIX_Spare_count
#pragma weak MPIX_Migration_stats = PMPIX_Migration_stats

int PMPIX_Migrate(int rank, int cluster, MPI_Comm comm);
int PMPIX_Cluster_self(int *cluster);
int PMPIX_Cluster_count(int *n);
int PMPIX_Spare_count(int *n);
int PMPIX_Migration_stats(double times[5], long long *bytes, int *moves);

int PMPI_Migrateto(int cluster)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Migrateto");
    if (cluster != MPIX_ANY_SPARE && !knode_is_valid(cluster))
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Migrateto");
    err = rmig_migrate(cluster == MPIX_ANY_SPARE ? RMIG_ANY_SPARE : cluster);
    return err < 0 ? mpi_error(MPI_COMM_WORLD, err, "MPI_Migrateto") : MPI_SUCCESS;
}

int PMPIX_Migrate(int rank, int cluster, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s), world;

    if (err)
        return mpi_error(comm, err, "MPIX_Migrate");
    c = mpi_comm_get(s, comm);
    if (c == NULL)
        return mpi_error(comm, MPI_ERR_COMM, "MPIX_Migrate");
    if (rank < 0 || rank >= c->size)
        return mpi_error(comm, MPI_ERR_RANK, "MPIX_Migrate");
    if (cluster != MPIX_ANY_SPARE && !knode_is_valid(cluster))
        return mpi_error(comm, MPI_ERR_ARG, "MPIX_Migrate");
    world = c->is_world ? rank : c->group[rank];
    if (world == cv_rank())
        return PMPI_Migrateto(cluster);
    err = rmig_ask(cv_route(world), world, cluster == MPIX_ANY_SPARE ? RMIG_ANY_SPARE : cluster);
    return err < 0 ? mpi_error(comm, MPI_ERR_OTHER, "MPIX_Migrate") : MPI_SUCCESS;
}

int PMPIX_Cluster_self(int *cluster)
{
    MPI_THREAD_GUARD();
    if (cluster == NULL)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Cluster_self");
    *cluster = knode_get_num();
    return MPI_SUCCESS;
}

int PMPIX_Cluster_count(int *n)
{
    MPI_THREAD_GUARD();
    if (n == NULL)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Cluster_count");
    *n = knode_count();
    return MPI_SUCCESS;
}

int PMPIX_Spare_count(int *n)
{
    MPI_THREAD_GUARD();
    if (n == NULL)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Spare_count");
    *n = knode_count() - rmig_rank_count(); /* one rank per cluster, always */
    return MPI_SUCCESS;
}

int PMPIX_Migration_stats(double times[5], long long *bytes, int *moves)
{
    MPI_THREAD_GUARD();
    struct rmig_stats st;
    int n;

    if (times == NULL || bytes == NULL || moves == NULL || rmig_last_stats(&st, &n) < 0)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Migration_stats");
    times[0] = st.freeze;
    times[1] = st.transfer;
    times[2] = st.restore;
    times[3] = st.route_update;
    times[4] = st.downtime;
    *bytes = (long long)st.bytes;
    *moves = n;
    return MPI_SUCCESS;
}
