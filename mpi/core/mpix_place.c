/* mpix_place.c: where ranks and clusters run: MPIX_Cluster_host, MPIX_Rank_cluster.
 *
 * Same pattern as mpix.c (PMPI_ definition, weak MPI_ alias, arguments
 * checked here, errors through mpi_error()). A cluster's host name comes
 * from the bootstrap's host table (nanvix-port/np_host.c: every cluster
 * published its host identity and name before the first barrier, and
 * clusters never change host), so it costs no message. Which cluster a
 * rank runs on is what this rank's routes say (comm-virt): every rank that
 * arrives somewhere announces its new cluster to every cluster, so the
 * answer is current once that announcement has been read (the next MPI
 * call that waits) and shows the source while a move is under way; for the
 * calling rank itself it is exact.
 */
#include <string.h>

#include "comm.h"
#include "cv.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "nanvix.h"

#pragma weak MPIX_Cluster_host = PMPIX_Cluster_host
#pragma weak MPIX_Rank_cluster = PMPIX_Rank_cluster

int PMPIX_Cluster_host(int cluster, char *name, int *resultlen);
int PMPIX_Rank_cluster(int rank, MPI_Comm comm, int *cluster);

int PMPIX_Cluster_host(int cluster, char *name, int *resultlen)
{
    MPI_THREAD_GUARD();
    if (name == NULL || resultlen == NULL || !knode_is_valid(cluster))
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Cluster_host");
    if (knode_host_name(cluster, name, MPI_MAX_PROCESSOR_NAME) < 0)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_OTHER, "MPIX_Cluster_host");
    *resultlen = (int)strlen(name);
    return MPI_SUCCESS;
}

int PMPIX_Rank_cluster(int rank, MPI_Comm comm, int *cluster)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s), world, at;

    if (err)
        return mpi_error(comm, err, "MPIX_Rank_cluster");
    c = mpi_comm_get(s, comm);
    if (c == NULL)
        return mpi_error(comm, MPI_ERR_COMM, "MPIX_Rank_cluster");
    if (rank < 0 || rank >= c->size)
        return mpi_error(comm, MPI_ERR_RANK, "MPIX_Rank_cluster");
    if (cluster == NULL)
        return mpi_error(comm, MPI_ERR_ARG, "MPIX_Rank_cluster");
    world = c->is_world ? rank : c->group[rank];
    at = world == cv_rank() ? knode_get_num() : cv_route(world);
    if (at < 0)
        return mpi_error(comm, MPI_ERR_OTHER, "MPIX_Rank_cluster");
    *cluster = at;
    return MPI_SUCCESS;
}
