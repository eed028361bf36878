/* cv_migrate.c: moving the calling rank, from comm-virt's side.
 *
 * Before the container is frozen, transfers bound to this cluster must end:
 * a portal read or write in progress, or a receive that sent its CTS and
 * waits for the sender's GO (the sender will write to this cluster). Every
 * other state survives a move: unanswered RTS and CTS, eager messages, the
 * queues and the sequence numbers all live in the container. The route to
 * the destination is set before the freeze, so anything that reaches this
 * cluster once the rank is gone is forwarded; the rank announces itself on
 * arrival. Third-party requests (cv_poll_ask) are honoured at the same safe
 * points, and where rank-migrate's preemption interrupts the application's
 * own code.
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

static void cv_quiesce(struct cv_rank *r)
{
    unsigned spins = 0;

    while (cv_bound_transfers(r)) {
        if (cv_progress() > 0)
            spins = 0;
        else
            knode_idle(&spins);
    }
}

/* Arrival: merge the routes the rank brought, then announce the new one. */
static void cv_arrive(struct cv_rank *r)
{
    int i;

    for (i = 0; i < r->size; i++)
        cv_route_learn(i, r->route_snap[i], r->epoch_snap[i]);
    r->moves++;
    cv_announce(r->rank, r->moves);
}

int cv_migrate(int cluster)
{
    struct cv_rank *r = cv_self();
    double t0 = knode_wtime(), t1;
    int dest, old, ret;

    if (r == NULL)
        return CV_ERR_INTERN;
    ret = rmig_reserve(cluster, &dest);
    if (ret < 0)
        return ret;
    cv_quiesce(r);
    old = cv_cluster.route[r->rank];
    cv_cluster.route[r->rank] = dest;
    memcpy(r->route_snap, cv_cluster.route, (size_t)r->size * sizeof(int));
    memcpy(r->epoch_snap, cv_cluster.epoch, (size_t)r->size * sizeof(uint32_t));
    ret = rmig_move(dest, t0);
    if (ret < 0) {
        cv_cluster.route[r->rank] = old; /* still here */
        return ret;
    }
    t1 = knode_wtime();
    cv_cluster_ready();
    cv_arrive(r);
    rmig_note_route_update(knode_wtime() - t1);
    return 0;
}

/* The preemption point (rmig_preempt.c): the rank was interrupted in its own
 * code, between MPI calls; with MPI set up, as good a place as a wait. */
static int cv_preempt_point(void)
{
    void **root = ua_cv_root();

    if (root == NULL || *root == NULL)
        return 0; /* before MPI_Init or after MPI_Finalize */
    return cv_poll_ask();
}

__attribute__((constructor)) static void cv_register_preempt_point(void)
{
    rmig_set_preempt_point(cv_preempt_point);
}

void cv_app_call_begin(void)
{
    rmig_preempt_hold();
}

void cv_app_call_end(void)
{
    rmig_preempt_release();
}

int cv_poll_ask(void)
{
    int cluster = rmig_poll(), ret;

    if (cluster == -1)
        return 0;
    ret = cv_self() != NULL ? cv_migrate(cluster) : -ENOTCONN;
    rmig_ask_done(ret); /* the requester, if outside the job, hears the outcome */
    return ret;
}
