/* cluster_host.c: MPIX_Cluster_host, MPIX_Rank_cluster and MPI_Get_processor_name
 * follow a rank that moves between hosts.
 *
 * Usage: cluster_host SPARE. Needs 2 ranks or more and cluster SPARE idle.
 * Every rank checks that MPI_Get_processor_name names the host of the
 * cluster it runs on (MPIX_Cluster_host of MPIX_Cluster_self) and that
 * MPIX_Rank_cluster finds every rank where it says it is. Rank 0 then
 * moves to SPARE and back to its first cluster; after each move it checks
 * the same again (the processor name is the new host's), and every other
 * rank sees it on its new cluster within a few barriers. Bad arguments get
 * their classes: MPIX_Cluster_host with cluster -1 and the cluster count,
 * or NULL (MPI_ERR_ARG); MPIX_Rank_cluster with a rank out of range
 * (MPI_ERR_RANK), MPI_COMM_NULL (MPI_ERR_COMM), NULL (MPI_ERR_ARG). Each
 * rank prints "cluster_host: rank R on cluster C host H" after each step
 * (the script checks the hosts), rank 0 "cluster_host: OK" at the end.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

static int rank, size;

/* Checks that this rank's processor name is its cluster's host; prints. */
static int check_self(const char *step)
{
    char host[MPI_MAX_PROCESSOR_NAME], proc[MPI_MAX_PROCESSOR_NAME];
    int c, n, m;

    MPI_CHECK(MPIX_Cluster_self(&c));
    MPI_CHECK(MPIX_Cluster_host(c, host, &n));
    MPI_CHECK(MPI_Get_processor_name(proc, &m));
    CHECKF(n == (int)strlen(host) && m == (int)strlen(proc), "%s: lengths %d %d", step, n, m);
    CHECKF(strcmp(host, proc) == 0, "%s: rank %d on cluster %d: host '%s', processor name '%s'",
           step, rank, c, host, proc);
    printf("cluster_host: rank %d on cluster %d host %s (%s)\n", rank, c, host, step);
    fflush(stdout);
    return c;
}

/* Every rank's idea of where `who` runs must become `where` (routes are
 * announced on arrival, read at the next wait): a few barriers at most. */
static void check_seen(int who, int where)
{
    int at = -1, seen = 0, all = 0, i;

    for (i = 0; i < 200 && !all; i++) {
        MPI_CHECK(MPIX_Rank_cluster(who, MPI_COMM_WORLD, &at));
        seen = at == where;
        MPI_CHECK(MPI_Allreduce(&seen, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD));
    }
    CHECKF(seen, "rank %d sees rank %d on cluster %d, not %d", rank, who, at, where);
}

static void check_errors(int nclusters)
{
    char name[MPI_MAX_PROCESSOR_NAME];
    int n, c;

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPIX_Cluster_host(-1, name, &n), MPI_ERR_ARG);
    CHECK_CLASS(MPIX_Cluster_host(nclusters, name, &n), MPI_ERR_ARG);
    CHECK_CLASS(MPIX_Cluster_host(0, NULL, &n), MPI_ERR_ARG);
    CHECK_CLASS(MPIX_Cluster_host(0, name, NULL), MPI_ERR_ARG);
    CHECK_CLASS(MPIX_Rank_cluster(size, MPI_COMM_WORLD, &c), MPI_ERR_RANK);
    CHECK_CLASS(MPIX_Rank_cluster(-1, MPI_COMM_WORLD, &c), MPI_ERR_RANK);
    CHECK_CLASS(MPIX_Rank_cluster(0, MPI_COMM_NULL, &c), MPI_ERR_COMM);
    CHECK_CLASS(MPIX_Rank_cluster(0, MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

/* Rank 0 moves to `to`; everyone checks where it is now. */
static void move_and_check(int to, const char *step)
{
    if (rank == 0) {
        MPI_CHECK(MPI_Migrateto(to));
        CHECKF(check_self(step) == to, "rank 0 is not on cluster %d after the move", to);
    }
    check_seen(0, to);
    if (rank != 0)
        check_self(step);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

int main(int argc, char **argv)
{
    int nclusters, spare, first, r, at;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_CHECK(MPIX_Cluster_count(&nclusters));
    CHECKF(argc == 2 && size >= 2, "usage: cluster_host SPARE, with 2 ranks or more");
    spare = atoi(argv[1]);
    CHECKF(spare >= size && spare < nclusters, "cluster %d is not a spare", spare);
    check_errors(nclusters);
    first = check_self("start");
    for (r = 0; r < size; r++) { /* at start rank r runs on cluster r */
        MPI_CHECK(MPIX_Rank_cluster(r, MPI_COMM_WORLD, &at));
        CHECKF(at == r, "rank %d sees rank %d on cluster %d at start", rank, r, at);
    }
    MPI_CHECK(MPI_Bcast(&first, 1, MPI_INT, 0, MPI_COMM_WORLD)); /* rank 0's */
    move_and_check(spare, "moved");
    move_and_check(first, "back");
    if (rank == 0)
        printf("cluster_host: OK\n");
    MPI_Finalize();
    return 0;
}
