/* cv_progress.c: the progress engine: inbox, ordering, portal transfers.
 *
 * Each call drains a bounded number of messages from the cluster's MPI
 * mailbox. Matching messages (EAGER, RTS) carry a per-pair sequence number;
 * one that arrives ahead of its turn is held, sorted, until the gap fills,
 * so a message can never overtake an earlier one from the same sender even
 * when they travelled different paths. Then the active portal transfers are
 * tested and completed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cv_internal.h"
#include "rmig.h"

#define CV_DRAIN_MAX 32 /* messages handled per call, to bound latency */

static struct base_log_limit cv_log_duplicate, cv_log_malformed;

/* Keeps an early message until its predecessors from the same sender came.
 * A second copy of a message already held is dropped: kept beside the
 * first, it would stay at the head of the list once the first is
 * delivered, with a number already passed, and cv_release_held(), which
 * looks at the head only, would hold every later message of that sender. */
static void cv_hold(struct cv_rank *r, const struct cv_wire_hdr *h, const void *payload)
{
    size_t plen = h->type == CV_MSG_EAGER ? (size_t)h->len : 0;
    struct cv_msg *m, **pp;

    for (pp = &r->held[h->src]; *pp != NULL; pp = &(*pp)->next) {
        int32_t after = (int32_t)((*pp)->hdr.seq - h->seq);

        if (after == 0) {
            base_log_limited(&cv_log_duplicate, BASE_LOG_WARN, "cv",
                             "rank %d: duplicate message %u from rank %d dropped", r->rank, h->seq,
                             h->src);
            return;
        }
        if (after > 0)
            break;
    }
    m = malloc(sizeof(*m) + plen);
    if (m == NULL)
        kjob_abort(1, "nanvix-mpi: out of memory holding an early message");
    m->hdr = *h;
    if (plen > 0)
        memcpy(m->payload, payload, plen);
    m->next = *pp;
    *pp = m;
}

/* Delivers the held messages of src that are now in sequence. */
static void cv_release_held(struct cv_rank *r, int src)
{
    struct cv_msg *m;

    while ((m = r->held[src]) != NULL && m->hdr.seq == r->recv_seq[src]) {
        r->held[src] = m->next;
        r->recv_seq[src]++;
        cv_deliver(r, &m->hdr, m->payload);
        free(m);
    }
}

/* (cv_log_duplicate, cv_log_malformed, above: rate limits of the warnings
 * of this file - another process decides how often they fire.) */

/* A matching message: deliver in order, hold if early, drop a duplicate. */
static void cv_ordered(struct cv_rank *r, const struct cv_wire_hdr *h, const void *payload)
{
    int32_t ahead = (int32_t)(h->seq - r->recv_seq[h->src]);

    if (ahead == 0) {
        r->recv_seq[h->src]++;
        cv_deliver(r, h, payload);
        cv_release_held(r, h->src);
    } else if (ahead > 0) {
        cv_hold(r, h, payload);
    } else {
        base_log_limited(&cv_log_duplicate, BASE_LOG_WARN, "cv",
                         "rank %d: duplicate message %u from rank %d dropped", r->rank, h->seq,
                         h->src);
    }
}

static void cv_dispatch(struct cv_rank *r, const unsigned char *msg, size_t n)
{
    struct cv_wire_hdr h;

    if (cv_wire_decode(msg, n, cv_cluster.job, cv_cluster.nranks, &h) < 0) {
        base_log_limited(&cv_log_malformed, BASE_LOG_WARN, "cv",
                         "cluster %d: malformed message (%zu bytes) dropped", cv_cluster.self, n);
        return;
    }
    if (h.type == CV_MSG_ROUTE) {
        cv_route_learn(h.src, h.src_cluster, h.seq);
        return;
    }
    if (h.dst != r->rank) {
        cv_forward(msg, n, &h); /* for a rank that left: send it on */
        return;
    }
    switch (h.type) {
    case CV_MSG_EAGER:
    case CV_MSG_RTS:
        cv_ordered(r, &h, msg + sizeof(h));
        break;
    case CV_MSG_CTS:
        cv_handle_cts(r, &h);
        break;
    case CV_MSG_ACK:
        cv_handle_ack(r, &h);
        break;
    case CV_MSG_GO:
        cv_handle_go(r, &h);
        break;
    }
}

/* Completes the portal transfers that are done. Returns how many. */
int cv_progress_transfers(struct cv_rank *r)
{
    struct cv_request *q, *next;
    int done = 0;

    for (q = r->active; q != NULL; q = next) {
        int t;

        next = q->next;
        if (q->state != CV_REQ_TRANSFER || (t = kportal_test(q->portal)) == 0)
            continue;
        /* kportal_wait retires the transfer and is the only call that gives
         * its result; a failed test or transfer fails the request. */
        if (t < 0 || kportal_wait(q->portal) < 0)
            q->status.error = CV_ERR_INTERN;
        if (q->kind == CV_REQ_SEND) {
            kportal_close(q->portal);
        } else {
            kportal_unlink(q->portal); /* no byte lands once it returned */
            rmig_transfer_landed(q->buf, q->status.count);
        }
        q->portal = -1;
        cv_active_remove(r, q);
        cv_request_complete(q);
        done++;
    }
    return done;
}

int cv_progress(void)
{
    struct cv_rank *r = cv_self();
    int events = 0;

    while (events < CV_DRAIN_MAX) {
        /* One progress call per drain: after a message, only what is
         * already here (a second network poll per message found nothing
         * but cost as much as the message's own matching). */
        ssize_t n =
            events == 0
                ? kmailbox_tryread(cv_cluster.inbox, cv_cluster.rx, sizeof(cv_cluster.rx))
                : kmailbox_tryread_queued(cv_cluster.inbox, cv_cluster.rx, sizeof(cv_cluster.rx));

        if (n < 0)
            break;
        cv_dispatch(r, cv_cluster.rx, (size_t)n);
        events++;
    }
    if (r->active != NULL)
        events += cv_progress_transfers(r);
    return events;
}

void cv_idle(unsigned *spins)
{
    if (cv_progress() > 0) {
        *spins = 0;
        return;
    }
    /* A blocked rank is at a safe point: honour move requests here. */
    if ((*spins & 15) == 0)
        rmig_safe_point();
    knode_idle_polled(spins); /* cv_progress has just polled */
}
