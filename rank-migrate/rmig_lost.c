/* rmig_lost.c: what a lost cluster means for the job.
 *
 * nanvix-port tells this layer, once per cluster, that a cluster's process
 * died (knode_set_lost_hook; Hydra run with -disable-auto-cleanup signals
 * it). A cluster that held no rank - an idle spare, or the destination of a
 * move from here that had not finished (the rank is still here: the move
 * fails and it stays) - costs nothing but a spare: it is never offered a
 * rank again (rmig_spare_order, rmig_offer). A cluster that held a rank
 * took that rank's state with it: the job cannot go on, and it is ended at
 * once with a message naming both, instead of leaving the other ranks to
 * wait for that rank for good.
 *
 * Who held a rank is read from this cluster's routes (the messaging layer's
 * route op). A route may lag behind a move that just ended elsewhere; every
 * cluster that runs a rank judges, and the one whose route is current ends
 * the job if needed. Spares judge too (they learn every route
 * announcement): when every cluster that ran a rank died at once, only
 * they are left to end the job.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

/* The rank `cluster` hosted as far as this cluster knows, or -1. */
static int rmig_rank_on(int cluster)
{
    int (*route)(int) = rmig_cluster.messaging.route;

    if (route == NULL)
        return -1;
    for (int r = 0; r < rmig_cluster.nranks; r++)
        if (route(r) == cluster)
            return r;
    return -1;
}

static void rmig_cluster_lost(int cluster)
{
    int rank;

    if (rmig_cluster.reserved_for == cluster)
        rmig_cluster.reserved_for = -1; /* its container will never come */
    if (rmig_cluster.departing_to == cluster) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d, the destination of rank %d's move, was lost: the move fails and "
                 "the rank stays on cluster %d",
                 cluster, ua_get_rank(), knode_get_num());
        return;
    }
    rank = rmig_rank_on(cluster);
    if (rank >= 0 && rmig_cluster.finalizing) {
        base_log(BASE_LOG_INFO, "rmig",
                 "cluster %d, which ran rank %d, ended after every rank met in MPI_Finalize",
                 cluster, rank);
        return;
    }
    if (rank >= 0) {
        char msg[160];

        snprintf(msg, sizeof(msg),
                 "cluster %d, which ran rank %d, was lost (its process died): the job cannot "
                 "go on",
                 cluster, rank);
        kjob_abort(1, msg);
    }
    if (ua_container_present()) /* one line per cluster that runs a rank, not per spare */
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d, which held no rank, was lost: no move will go there", cluster);
}

void rmig_test_die_at(const char *point)
{
    const char *at = base_setting("NMPI_TEST_LOST_AT");
    size_t len = strlen(point);
    char *end;

    if (strncmp(at, point, len) != 0 || at[len] != ':')
        return;
    if (strtol(at + len + 1, &end, 10) == knode_get_num() && *end == '\0')
        raise(SIGKILL);
}

void rmig_lost_boot(void)
{
    knode_set_lost_hook(rmig_cluster_lost);
}
