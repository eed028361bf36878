/* rmig_reach.c: after a move between hosts stalled, is the other host still there?
 *
 * A move whose stream makes no progress for NMPI_MIGRATE_TIMEOUT fails and
 * the rank stays at the source (rmig_move.c, rmig_stream_portal.c). Between
 * hosts a stall is what a link that went down looks like, and nanvix-port
 * cannot tell a dead or cut-off remote cluster from a slow one (np_lost.c
 * sees deaths on its own host only; TCP retransmits for many minutes). If
 * the link comes back the job carries on; if it does not, the job cannot
 * go on - at the destination the rank's memory is out of reach, at the
 * source the destination's host is one Hydra must hear from to end the job -
 * and it must end with a message naming the host instead of hanging.
 *
 * So both ends of a stalled move between hosts watch the other's host: a
 * PING to every cluster of that host (any of them answering proves the host
 * reachable: a spare answers from its idle loop, a rank at its next safe
 * point) and, with no PONG within twice the move's timeout (a TCP
 * connection whose link comes back resends with a back-off of seconds),
 * kjob_abort with a message naming the host. On the launching host, Hydra
 * then ends the job everywhere it can reach; on a host cut off from it, the
 * clusters of the move end themselves the same way, and the other clusters
 * of that host follow through the lost-cluster path (np_lost.c,
 * rmig_lost.c), so nothing of the job is left there either. The watch is
 * checked at safe points (rmig_poll) and in the idle loop: the rank runs on
 * meanwhile.
 */
#include <stdio.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"

/* The host being watched, one at a time: a later stalled move replaces it
 * (a cluster takes part in one move at a time). */
static struct {
    int host;        /* host number, -1: none */
    int peer;        /* the other end of the stalled move */
    int rank;        /* the rank that was moving */
    int peer_rank;   /* 1: the peer holds the rank (this cluster was the destination) */
    uint64_t nonce;  /* echoed by the PONGs */
    double since;    /* when the move was given up */
    double deadline; /* no PONG by then: the host is gone */
    double pinged;   /* when the PINGs last went */
} rmig_watch = {.host = -1};

/* PINGs go again this often while no PONG came: one sent while the link was
 * down may be lost for good (the provider fails a send to an unreachable
 * peer, or the connection it rode on is torn down), and a destination whose
 * pre-copy stalled saw no answer to its only PING for the 10 s the watch
 * lasts, although the link came back after 6 (tests/hosts/moves.sh case 4a
 * with NMPI_MIGRATION_MODE=precopy). */
#define RMIG_REACH_PING_EVERY 1.0

static void rmig_reach_ping(void)
{
    for (int c = 0; c < knode_count(); c++)
        if (knode_host_of(c) == rmig_watch.host)
            rmig_control_send(c, RMIG_MSG_PING, rmig_watch.rank, 0, 0, rmig_watch.nonce);
    rmig_watch.pinged = knode_wtime();
}

static uint64_t rmig_watch_count;

void rmig_reach_watch(int peer, int rank, int peer_has_rank)
{
    int host = knode_host_of(peer);
    char name[64] = "?";

    if (host < 0 || host == knode_host_of(knode_get_num()))
        return; /* same host: a dead peer is seen by np_lost.c */
    rmig_watch.host = host;
    rmig_watch.peer = peer;
    rmig_watch.rank = rank;
    rmig_watch.peer_rank = peer_has_rank;
    rmig_watch.nonce = (uint64_t)knode_get_num() << 32 | ++rmig_watch_count;
    rmig_watch.since = knode_wtime();
    rmig_watch.deadline = rmig_watch.since + 2 * rmig_timeout();
    rmig_reach_ping();
    knode_host_name(peer, name, sizeof(name));
    base_log(BASE_LOG_WARN, "rmig",
             "cluster %d: the move of rank %d %s cluster %d on host %s stalled for %g s; "
             "checking that host %s is still reachable",
             knode_get_num(), rank, peer_has_rank ? "from" : "to", peer, name, rmig_timeout(),
             name);
}

void rmig_reach_pong(const struct rmig_wire_hdr *h)
{
    char name[64] = "?";

    if (rmig_watch.host < 0 || h->b != rmig_watch.nonce ||
        knode_host_of(h->src_cluster) != rmig_watch.host)
        return; /* an answer to an earlier watch */
    knode_host_name(h->src_cluster, name, sizeof(name));
    base_log(BASE_LOG_INFO, "rmig", "cluster %d: host %s answers again (%.1f s after the move)",
             knode_get_num(), name, knode_wtime() - rmig_watch.since);
    rmig_watch.host = -1;
}

void rmig_reach_tick(void)
{
    char name[64] = "?", msg[320];

    if (rmig_watch.host < 0)
        return;
    if (knode_wtime() < rmig_watch.deadline) {
        if (knode_wtime() - rmig_watch.pinged >= RMIG_REACH_PING_EVERY)
            rmig_reach_ping();
        return;
    }
    knode_host_name(rmig_watch.peer, name, sizeof(name));
    snprintf(msg, sizeof(msg),
             "host %s is unreachable: no cluster there answered for %.0f s after the move of "
             "rank %d %s its cluster %d stalled; %s, the job cannot go on",
             name, knode_wtime() - rmig_watch.since, rmig_watch.rank,
             rmig_watch.peer_rank ? "from" : "to", rmig_watch.peer,
             rmig_watch.peer_rank ? "the rank is there" : "without that host");
    kjob_abort(1, msg);
}
