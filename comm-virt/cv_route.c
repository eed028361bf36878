/* cv_route.c: routes after a rank moves: learning, announcing, forwarding.
 *
 * Each cluster caches rank -> cluster with the rank's move count (epoch) at
 * the time; newer knowledge replaces older, never the reverse. A rank that
 * arrives announces its new place to every cluster. A message that reaches
 * a cluster its rank has left is sent on along the cache, and its sender's
 * cluster is told the newer route; per-pair sequence numbers let the
 * receiver put forwarded and direct messages back in order. An idle cluster
 * does this forwarding from the migration daemon's loop (cv_idle_work).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "cv_internal.h"
#include "rmig.h"
#include "ua.h"

void cv_route_learn(int rank, int cluster, uint32_t epoch)
{
    if (rank < 0 || rank >= cv_cluster.nranks || !knode_is_valid(cluster))
        return;
    /* Whether a rank is here, this cluster knows first hand: only the rank
     * itself sets its route to this cluster (arrival, a failed move). A
     * route learnt from others that says "here" is stale - say, the routes
     * another rank brought along, copied before the rank left - and taking
     * it would make this cluster drop the rank's messages instead of
     * forwarding them. */
    if (cluster == cv_cluster.self && !(ua_container_present() && ua_get_rank() == rank))
        return;
    if ((int32_t)(epoch - cv_cluster.epoch[rank]) < 0)
        return; /* older than what we know */
    cv_cluster.route[rank] = cluster;
    cv_cluster.epoch[rank] = epoch;
}

/* Sends a ROUTE message about `rank` to one cluster. */
static int cv_route_tell(int cluster, int rank)
{
    struct cv_wire_hdr h;
    int mbx;

    memset(&h, 0, sizeof(h));
    h.version = CV_WIRE_VERSION;
    h.type = CV_MSG_ROUTE;
    h.src = rank;
    h.dst = rank;
    h.seq = cv_cluster.epoch[rank];
    h.src_cluster = cv_cluster.route[rank];
    h.job = cv_cluster.job;
    mbx = cv_outbox(cluster);
    return mbx < 0 ? mbx : (int)kmailbox_write(mbx, &h, sizeof(h));
}

int cv_announce(int rank, uint32_t epoch)
{
    int c, ret = 0;

    cv_route_learn(rank, cv_cluster.self, epoch);
    for (c = 0; c < cv_cluster.nclusters; c++) {
        if (c != cv_cluster.self) {
            int r = cv_route_tell(c, rank);
            if (r < 0)
                ret = r;
        }
    }
    return ret < 0 ? ret : 0;
}

void cv_forward(const unsigned char *msg, size_t n, const struct cv_wire_hdr *h)
{
    int target = cv_cluster.route[h->dst];
    int mbx;

    if (target == cv_cluster.self) {
        base_log(BASE_LOG_WARN, "cv",
                 "cluster %d: message for rank %d, which is not here and "
                 "has no known new place; dropped",
                 cv_cluster.self, h->dst);
        return;
    }
    mbx = cv_outbox(target);
    if (mbx < 0 || kmailbox_write(mbx, msg, n) < 0) {
        base_log(BASE_LOG_WARN, "cv", "cluster %d: forwarding to cluster %d failed",
                 cv_cluster.self, target);
        return;
    }
    if (h->src_cluster != cv_cluster.self && h->src_cluster != target &&
        knode_is_valid(h->src_cluster))
        cv_route_tell(h->src_cluster, h->dst);
}

/* Idle cluster: drain the MPI mailbox, learning routes and forwarding the
 * rest. Kernel context, so the buffers are the cluster's. */
int cv_idle_work(void)
{
    int events = 0;

    if (cv_cluster_ready() < 0)
        return 0;
    while (events < 32) {
        ssize_t n = kmailbox_tryread(cv_cluster.inbox, cv_cluster.rx, sizeof(cv_cluster.rx));
        struct cv_wire_hdr h;

        if (n < 0)
            break;
        events++;
        if (cv_wire_decode(cv_cluster.rx, (size_t)n, cv_cluster.job, cv_cluster.nranks, &h) < 0)
            continue;
        if (h.type == CV_MSG_ROUTE)
            cv_route_learn(h.src, h.src_cluster, h.seq);
        else
            cv_forward(cv_cluster.rx, (size_t)n, &h);
    }
    return events;
}
