/* cv_migrate.c: comm-virt's part of a move, given to rank-migrate once.
 *
 * rank-migrate runs a move from start to end (rmig_migrate); these are the
 * steps only the messaging layer knows, registered from a constructor as
 * struct rmig_messaging_ops. Before the container is frozen, transfers
 * bound to this cluster must end: a portal read or write in progress, or a
 * receive that sent its CTS and waits for the sender's GO (the sender will
 * write to this cluster). Every other state survives a move: unanswered RTS
 * and CTS, eager messages, the queues and the sequence numbers all live in
 * the container. The route to the destination is set before the freeze, so
 * anything that reaches this cluster once the rank is gone is forwarded
 * (cv_idle_work, run by the idle cluster); the rank announces itself on
 * arrival.
 */
#include <errno.h>
#include <string.h>

#include "cv_internal.h"
#include "rmig.h"
#include "ua.h"

/* Non-zero while a transfer bound to this cluster is in progress. */
static int cv_bound_transfers(const struct cv_rank *r)
{
    const struct cv_request *q;

    for (q = r->active; q != NULL; q = q->next)
        if (q->state == CV_REQ_TRANSFER || q->state == CV_REQ_WAIT_GO)
            return 1;
    return 0;
}

/* Called from the preemption handler too: reads only. */
static int cv_move_ready(void)
{
    void **root = ua_root(CV_ROOT_SLOT);

    return root != NULL && *root != NULL; /* between MPI_Init and MPI_Finalize */
}

static int cv_move_quiesce(void)
{
    struct cv_rank *r = cv_self();

    if (!cv_bound_transfers(r))
        return 0;
    cv_progress();
    return cv_bound_transfers(r);
}

/* The rank leaves for dest: route it there from this cluster, and take the
 * cluster's routes along in the container. */
static void cv_move_depart(int dest)
{
    struct cv_rank *r = cv_self();

    cv_cluster.route[r->rank] = dest;
    /* The epoch the rank announces on arrival: routes of the rank's
     * earlier places (other ranks' snapshots, late announcements) can no
     * longer replace this one while the move is under way. */
    cv_cluster.epoch[r->rank] = r->moves + 1;
    memcpy(r->route_snap, cv_cluster.route, (size_t)r->size * sizeof(int));
    memcpy(r->epoch_snap, cv_cluster.epoch, (size_t)r->size * sizeof(uint32_t));
}

/* The move failed: the rank runs here, as before. */
static void cv_move_stay(void)
{
    cv_cluster.route[cv_self()->rank] = cv_cluster.self;
}

/* Arrival: merge the routes the rank brought, then announce the new one. */
static void cv_move_arrive(void)
{
    struct cv_rank *r = cv_self();
    int i;

    cv_cluster_ready();
    for (i = 0; i < r->size; i++)
        cv_route_learn(i, r->route_snap[i], r->epoch_snap[i]);
    r->moves++;
    cv_announce(r->rank, r->moves);
}

/* A restarted job: the rank's state came from its checkpoint image, this
 * cluster's side is new. Its routes are the new job's (every rank on its
 * start cluster); the old job's snapshot is not learnt. Every pair counts
 * its sequence numbers from zero again, at both ends: the images hold every
 * message sent before the cut as delivered in order, but a rank whose image
 * was taken later may also have received a peer's first message after the
 * peer's image (the checkpoint's "written" notice, which the MPI layer
 * discards), so the old counters of the two ends may differ by one, and
 * the next message would be dropped as a duplicate. */
static void cv_move_restart(void)
{
    struct cv_rank *r = cv_self();

    memset(r->send_seq, 0, (size_t)r->size * sizeof(*r->send_seq));
    memset(r->recv_seq, 0, (size_t)r->size * sizeof(*r->recv_seq));
    cv_cluster_ready();
}

const struct rmig_messaging_ops cv_move_ops = {
    .ready = cv_move_ready,
    .quiesce = cv_move_quiesce,
    .progress = cv_progress,
    .route = cv_route,
    .depart = cv_move_depart,
    .stay = cv_move_stay,
    .arrive = cv_move_arrive,
    .forward = cv_idle_work,
    .restart = cv_move_restart,
};

__attribute__((constructor)) static void cv_move_register(void)
{
    rmig_set_messaging(&cv_move_ops);
}
