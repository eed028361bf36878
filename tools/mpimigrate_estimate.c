/* mpimigrate_estimate.c: the predicted cost of a move, before it happens
 * (--estimate RANK CLUSTER).
 *
 * One placement (mpimigrate_place.c) says where RANK runs now, on which
 * host, and how many KiB a move of it would send now (its cluster counts
 * its touched ranges when it answers); CLUSTER's host gives the path
 * (local: the same host; hosts: another; "any": the worst path among the
 * idle clusters, as the library predicts for MPIX_ANY_SPARE). The figures
 * come from the cost model the library reads (rank-migrate/rmig_model.h,
 * the same file and the same rules: NMPI_MIGRATION_MODEL or the default
 * path, built-in figures otherwise), so this prediction is the one the
 * rank would make itself. With --via-checkpoint the path is checkpoint
 * (a move through a file), whatever the hosts. Nothing moves.
 */
#include <stdio.h>

#include "mpimigrate.h"
#include "rmig_model.h"
#include "rmig_xreq.h"

/* The cluster that runs rank in pl, or -1 (not listed: in mid-move, or its
 * cluster did not answer). */
static int mm_cluster_of(const struct rmig_xreq_placement *pl, int rank)
{
    for (int c = 0; c < pl->nclusters; c++)
        if (pl->place[c].state == RMIG_PLACE_RANK && pl->place[c].rank == rank)
            return c;
    return -1;
}

/* The path of a move from cluster from to cluster to (-1: any idle one,
 * the worst path among them; -1 returned when none is idle). */
static int mm_path(const struct rmig_xreq_placement *pl, int from, int to)
{
    int path = -1;

    if (to >= 0)
        return pl->place[to].host == pl->place[from].host ? RMIG_PATH_LOCAL : RMIG_PATH_HOSTS;
    for (int c = 0; c < pl->nclusters; c++)
        if (pl->place[c].state == RMIG_PLACE_IDLE)
            path = pl->place[c].host != pl->place[from].host ? RMIG_PATH_HOSTS
                   : path < 0                                ? RMIG_PATH_LOCAL
                                                             : path;
    return path;
}

int mm_estimate(const struct mm_job *job, int rank, int cluster, double timeout, int via)
{
    static struct rmig_xreq_placement pl;
    static struct rmig_model model;
    struct rmig_estimate e;
    char to[64];
    int ret = mm_placement_once(job, timeout, &pl), from, path;

    if (ret != MM_EXIT_MOVED)
        return ret;
    from = mm_cluster_of(&pl, rank);
    if (from < 0) {
        fprintf(stderr,
                "mpimigrate: job %ld: no cluster says it runs rank %d now (in mid-move, or its "
                "cluster did not answer); try again\n",
                job->id, rank);
        return MM_EXIT_TIMEOUT;
    }
    if (from == cluster) {
        fprintf(stderr, "mpimigrate: rank %d already runs on cluster %d\n", rank, cluster);
        return MM_EXIT_USAGE;
    }
    path = mm_path(&pl, from, cluster);
    if (path < 0) {
        fprintf(stderr, "mpimigrate: job %ld has no idle cluster for rank %d to go to\n", job->id,
                rank);
        return MM_EXIT_REFUSED;
    }
    if (via)
        path = RMIG_PATH_CHECKPOINT;
    rmig_model_load(&model, e.source, sizeof(e.source));
    if (rmig_model_predict(&model, path, (uint64_t)pl.place[from].kib * 1024, &e) < 0) {
        fprintf(stderr, "mpimigrate: the model has no figures for this path (%s)\n", e.source);
        return MM_EXIT_REFUSED;
    }
    if (cluster >= 0)
        snprintf(to, sizeof(to), "cluster %d (%s)", cluster, pl.host[pl.place[cluster].host]);
    else
        snprintf(to, sizeof(to), "any idle cluster");
    printf("rank %d: cluster %d (%s) -> %s: %.1f MiB, path %s: predicted downtime %.3f ms, "
           "total %.3f ms\n",
           rank, from, pl.host[pl.place[from].host], to, pl.place[from].kib / 1024.0,
           rmig_path_name(path), e.downtime * 1e3, e.total * 1e3);
    printf("model: %s%s%s\n", e.source, e.figures_of != e.path ? "; figures of path " : "",
           e.figures_of != e.path ? rmig_path_name(e.figures_of) : "");
    return MM_EXIT_MOVED;
}
