/* rmig_ask.c: third-party move requests, delivered to the rank wherever it is.
 *
 * A request (ASK) names a rank and a destination and goes to the cluster the
 * sender believes hosts the rank, which may be out of date: the rank may have
 * moved on. So every cluster keeps a tombstone per rank that left it (the
 * cluster it went to) and sends an ASK for a rank it does not host on along
 * the tombstone, counting hops so that stale tombstones cannot make it loop;
 * a cluster the rank never left (a request from outside that came in at
 * any cluster) sends it where its routes say the rank is, or to the
 * cluster the rank started on. The cluster that hosts the rank notes the
 * request; the rank acts on it at its next safe point (rmig_safe_point:
 * rmig_poll, then the move, then rmig_ask_done). A request from outside the
 * job carries its requester (rmig_xreq.h, RMIG_REQUESTER: with the cluster
 * it came in at), which travels in the rank's container with the move; the
 * rank tells it the outcome, through that entry cluster when it runs
 * elsewhere (rmig_external.c). An ASK to move through a checkpoint file
 * carries the directory after its header (rmig_wire.h), kept beside the
 * noted request and sent on with it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

_Static_assert(RMIG_ASK_MODE_POSTCOPY == RMIG_MODE_POSTCOPY && RMIG_ASK_MODE_AUTO == RMIG_MODE_AUTO,
               "an ASK's mode is rank-migrate's");

static int rmig_tomb[KNODE_MAX]; /* rank -> cluster it left here for, plus one; 0: none */
static char rmig_ask_noted_dir[RMIG_WIRE_PATH_MAX]; /* the noted ASK's directory, "": live */
static char rmig_ask_taken_dir[RMIG_WIRE_PATH_MAX]; /* the one rmig_ask_take() returned */
static int rmig_ask_taken_mode;                     /* and its mode (enum rmig_mode) */

const char *rmig_ask_dir(void)
{
    return rmig_ask_taken_dir;
}

int rmig_ask_mode(void)
{
    return rmig_ask_taken_mode;
}

int rmig_tomb_of(int rank)
{
    return rank >= 0 && rank < KNODE_MAX ? rmig_tomb[rank] - 1 : -1;
}

void rmig_tomb_set(int rank, int dest)
{
    if (rank >= 0 && rank < KNODE_MAX)
        rmig_tomb[rank] = dest + 1;
}

/* Tells an outside requester (if any) that its request ends here, unserved. */
static void rmig_ask_fail(uint64_t requester, uint64_t nonce, int rank, int status)
{
    int self = knode_get_num();

    if (requester != 0)
        rmig_xreq_result(requester, (uint32_t)nonce, rank, self, self, status, 0);
}

/* Passes an ASK (and its directory, "": none) on to `to`, one hop
 * further. Returns 0 or < 0. */
static int rmig_ask_forward(int to, const struct rmig_wire_hdr *h, const char *dir)
{
    struct rmig_wire_hdr f = *h;

    f.hops = h->hops + 1;
    f.c = 0;
    return *dir != '\0' ? rmig_control_write_path(to, &f, dir) : rmig_control_write(to, &f);
}

/* Where to send an ASK for a rank this cluster never hosted (no
 * tombstone): where its routes say it is, else the cluster it started on,
 * whose tombstones lead to it. -1 when that is this cluster. */
static int rmig_ask_guess(int rank)
{
    int self = knode_get_num(), c = -1;

    if (rmig_cluster.messaging.route != NULL)
        c = rmig_cluster.messaging.route(rank);
    if (c < 0 || c == self || !knode_is_valid(c))
        c = rank;
    return c == self ? -1 : c;
}

void rmig_ask_deliver(const struct rmig_wire_hdr *h)
{
    rmig_ask_deliver_via(h, "");
}

void rmig_ask_deliver_via(const struct rmig_wire_hdr *h, const char *dir)
{
    int self = knode_get_num(), to = -1;

    if (ua_container_present() && h->rank == ua_get_rank()) {
        if (rmig_cluster.ask_cluster != -1) /* the newer request wins */
            rmig_ask_fail(rmig_cluster.ask_requester, rmig_cluster.ask_nonce, h->rank, -ECANCELED);
        rmig_cluster.ask_cluster = h->arg;
        rmig_cluster.ask_requester = h->a;
        rmig_cluster.ask_nonce = (uint32_t)h->b;
        rmig_cluster.ask_mode = RMIG_ASK_MODE(h->b);
        snprintf(rmig_ask_noted_dir, sizeof(rmig_ask_noted_dir), "%s", dir);
        return;
    }
    if (h->rank >= 0 && h->rank < rmig_cluster.nranks) {
        to = rmig_tomb[h->rank] - 1;
        if (to < 0) /* a request that came in at a cluster off the rank's path */
            to = rmig_ask_guess(h->rank);
    }
    if (to >= 0 && to != self && h->hops < knode_count() && rmig_ask_forward(to, h, dir) == 0)
        return;
    rmig_ask_fail(h->a, h->b, h->rank, -ESRCH);
}

void rmig_ask_follow(int rank, int dest)
{
    struct rmig_wire_hdr h;

    if (rmig_cluster.ask_cluster == -1)
        return;
    memset(&h, 0, sizeof(h));
    h.type = RMIG_MSG_ASK;
    h.rank = rank;
    h.arg = rmig_cluster.ask_cluster;
    h.a = rmig_cluster.ask_requester;
    h.b = RMIG_ASK_B(rmig_cluster.ask_nonce, rmig_cluster.ask_mode);
    rmig_cluster.ask_cluster = -1;
    if (rmig_ask_forward(dest, &h, rmig_ask_noted_dir) < 0)
        rmig_ask_fail(h.a, h.b, rank, -ESRCH);
}

int rmig_ask_take(void)
{
    struct rmig_rank *rs;
    int ask = rmig_cluster.ask_cluster;

    if (ask == -1)
        return -1;
    rmig_cluster.ask_cluster = -1;
    memcpy(rmig_ask_taken_dir, rmig_ask_noted_dir, sizeof(rmig_ask_taken_dir));
    rmig_ask_taken_mode = rmig_cluster.ask_mode;
    rs = rmig_rank_state();
    if (rs == NULL) {
        rmig_ask_fail(rmig_cluster.ask_requester, rmig_cluster.ask_nonce, ua_get_rank(), -ENOMEM);
        return -1;
    }
    rs->xreq_requester = rmig_cluster.ask_requester;
    rs->xreq_nonce = rmig_cluster.ask_nonce;
    return ask;
}

void rmig_ask_done(int result)
{
    struct rmig_rank *rs = rmig_rank_state();
    int self = knode_get_num();

    if (rs == NULL || rs->xreq_requester == 0)
        return;
    if (result == 0)
        rmig_xreq_result(rs->xreq_requester, rs->xreq_nonce, ua_get_rank(), self, rs->last.from, 0,
                         (uint64_t)(rs->last.downtime * 1e9));
    else
        rmig_xreq_result(rs->xreq_requester, rs->xreq_nonce, ua_get_rank(), self, self, result, 0);
    rs->xreq_requester = 0;
}

int rmig_ask(int host_cluster, int rank, int cluster)
{
    if (!knode_is_valid(host_cluster))
        return -EINVAL;
    return rmig_control_send(host_cluster, RMIG_MSG_ASK, rank, cluster, 0, 0);
}
