/* rmig_migrate.c: a rank's own move, from its side (rank context).
 *
 * The rank offers itself to the destination's daemon and waits for the
 * answer; on ACCEPT it flushes stdio, records where it goes and suspends.
 * The kernel context of this cluster (rmig_spare_loop) then streams the
 * container; the rank returns from ua_rank_suspend() either on the
 * destination (moved) or here (the move failed and the source resumed it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

double rmig_timeout(void)
{
    const char *s = getenv("NMPI_MIGRATE_TIMEOUT");
    double t = s != NULL ? atof(s) : 0.0;

    return t > 0.0 ? t : 60.0;
}

struct rmig_rank *rmig_rank_state(void)
{
    struct rmig_rank **slot = (struct rmig_rank **)ua_rmig_root();

    if (slot == NULL)
        return NULL;
    if (*slot == NULL)
        *slot = calloc(1, sizeof(struct rmig_rank)); /* rank context: in the container */
    return *slot;
}

/* Offers this rank to `cluster`; returns 0 when it accepted. */
static int rmig_offer(int cluster)
{
    struct rmig_wire_hdr reply;
    int ret = rmig_control_send(cluster, RMIG_MSG_OFFER, ua_get_rank(), 0,
                                ua_layout_fingerprint(), 0);

    if (ret < 0)
        return ret;
    ret = rmig_control_wait(cluster, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &reply);
    if (ret == RMIG_MSG_ACCEPT)
        return 0;
    if (ret == RMIG_MSG_REFUSE)
        return reply.arg < 0 ? reply.arg : -EBUSY;
    return ret < 0 ? ret : -EIO;
}

/* Tries every other cluster in turn: the spares of the start first (most
 * likely idle), then the others. */
static int rmig_offer_any(int *cluster_p)
{
    int count = knode_count(), self = knode_get_num(), i;

    for (i = 0; i < count; i++) {
        int c = (rmig_cluster.nranks + i) % count;

        if (c == self)
            continue;
        if (rmig_offer(c) == 0) {
            *cluster_p = c;
            return 0;
        }
    }
    return -ENOSPC;
}

int rmig_reserve(int cluster, int *dest_p)
{
    int ret;

    if (cluster != RMIG_ANY_SPARE && !knode_is_valid(cluster))
        return -EINVAL;
    if (cluster == knode_get_num())
        return -EALREADY;
    if (!ua_layout_migratable())
        return -EXDEV;
    rmig_control_forget_replies(); /* late replies of an earlier move */
    ret = cluster == RMIG_ANY_SPARE ? rmig_offer_any(&cluster) : rmig_offer(cluster);
    if (ret == 0)
        *dest_p = cluster;
    return ret;
}

int rmig_move(int dest, double freeze_start)
{
    struct rmig_rank *rs = rmig_rank_state();

    if (rs == NULL)
        return -ENOMEM;
    fflush(NULL);
    rmig_cluster.move_dest = dest;
    rmig_cluster.move_result = -EIO;
    memset(&rs->last, 0, sizeof(rs->last));
    rs->last.from = knode_get_num();
    rs->last.to = dest;
    rs->t_suspend = knode_wtime();
    rs->last.freeze = rs->t_suspend - freeze_start;
    ua_rank_suspend();
    /* Here again: on the destination if the move worked, else on the source. */
    if (knode_get_num() != dest)
        return rmig_cluster.move_result;
    rs->moves++;
    return 0;
}

/* Prints the figures of the move just made when NMPI_MIGRATION_REPORT is
 * set; here rather than in the MPI layer so that moves asked by another
 * rank or by mpimigrate are reported too. */
static void rmig_report(const struct rmig_stats *st)
{
    const char *env = getenv("NMPI_MIGRATION_REPORT");

    if (env == NULL || *env == '0')
        return;
    fprintf(stderr,
            "nanvix-mpi: rank %d moved cluster %d -> %d: %d ranges, %llu bytes; freeze %.3f ms, "
            "transfer %.3f ms, restore %.3f ms, route update %.3f ms, downtime %.3f ms\n",
            ua_get_rank(), st->from, st->to, st->ranges, (unsigned long long)st->bytes,
            st->freeze * 1e3, st->transfer * 1e3, st->restore * 1e3, st->route_update * 1e3,
            st->downtime * 1e3);
}

void rmig_note_route_update(double seconds)
{
    struct rmig_rank *rs = rmig_rank_state();

    if (rs == NULL)
        return;
    rs->last.route_update = seconds;
    rmig_report(&rs->last); /* the last figure of the move is in */
}

int rmig_last_stats(struct rmig_stats *out, int *moves_p)
{
    struct rmig_rank *rs = rmig_rank_state();

    if (rs == NULL)
        return -ENOMEM;
    *out = rs->last;
    *moves_p = rs->moves;
    return 0;
}
