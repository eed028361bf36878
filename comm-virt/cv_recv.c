/* cv_recv.c: the receiving side: matching, the unexpected queue, rendezvous reads.
 *
 * Messages reach cv_deliver() in per-sender sequence order (cv_progress.c
 * restores it). A message first looks for the oldest posted receive that
 * matches; if none does it joins the unexpected queue, payload and all. A
 * new receive first looks through the unexpected queue, oldest first. That
 * keeps MPI's non-overtaking rule for every (source, tag, context). A
 * matched probe (cv_improbe) takes a message out of the unexpected queue
 * without a receive; cv_imrecv later consumes it as a receive would have.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cv_internal.h"

int cv_match(const struct cv_request *q, const struct cv_wire_hdr *h)
{
    return q->ctx == h->ctx && (q->peer == CV_ANY_SOURCE || q->peer == h->src) &&
           (q->tag == CV_ANY_TAG || q->tag == h->tag);
}

/* Fills the receive status for a message of h->len bytes into q. */
static size_t cv_recv_status(struct cv_request *q, const struct cv_wire_hdr *h)
{
    size_t n = h->len < q->len ? (size_t)h->len : q->len;

    q->status.source = h->src;
    q->status.tag = h->tag;
    q->status.count = n;
    q->status.error = h->len > q->len ? CV_ERR_TRUNCATE : 0;
    return n;
}

/* Answers a synchronous eager sender that its message matched. */
static void cv_send_ack(const struct cv_wire_hdr *h)
{
    struct cv_wire_hdr a;

    cv_fill_hdr(cv_self(), &a, CV_MSG_ACK, h->src);
    a.cookie = h->cookie;
    cv_post_message(h->src, &a, NULL);
}

/* Matched an RTS: reserve a portal port and ask the sender for the data. */
static void cv_send_cts(struct cv_rank *r, struct cv_request *q, const struct cv_wire_hdr *h)
{
    size_t n = cv_recv_status(q, h);
    struct cv_wire_hdr c;

    q->port = cv_port_alloc();
    q->remote_id = h->cookie;
    q->state = CV_REQ_WAIT_GO;
    cv_active_add(r, q);
    cv_fill_hdr(r, &c, CV_MSG_CTS, h->src);
    c.cookie = h->cookie;
    c.port = q->port;
    c.len = n;
    if (cv_post_message(h->src, &c, NULL) < 0) {
        /* No CTS, no GO: end the receive with the error instead of waiting. */
        q->status.error = CV_ERR_INTERN;
        cv_active_remove(r, q);
        cv_request_complete(q);
    }
}

void cv_handle_go(struct cv_rank *r, const struct cv_wire_hdr *h)
{
    struct cv_request *q;

    for (q = r->active; q != NULL; q = q->next)
        if (q->state == CV_REQ_WAIT_GO && q->remote_id == h->cookie && q->status.source == h->src)
            break;
    if (q == NULL)
        return; /* no receive waits for this transfer */
    q->portal = kportal_create(cv_cluster.self, (int)q->port);
    if (q->portal < 0 || kportal_allow(q->portal, h->src_cluster, (int)h->port) < 0 ||
        kportal_aread(q->portal, q->buf, q->status.count) < 0) {
        if (q->portal >= 0)
            kportal_unlink(q->portal);
        q->portal = -1;
        q->status.error = CV_ERR_INTERN;
        cv_active_remove(r, q);
        cv_request_complete(q);
        return;
    }
    q->state = CV_REQ_TRANSFER;
}

/* Completes receive q with message h (payload inline for EAGER). */
static void cv_consume(struct cv_rank *r, struct cv_request *q, const struct cv_wire_hdr *h,
                       const void *payload)
{
    size_t n;

    if (h->type == CV_MSG_RTS) {
        cv_send_cts(r, q, h);
        return;
    }
    n = cv_recv_status(q, h);
    if (n > 0)
        memcpy(q->buf, payload, n);
    if (h->flags & CV_FLAG_SYNC)
        cv_send_ack(h);
    cv_request_complete(q);
}

/* Removes and returns the oldest posted receive matching h, or NULL. */
static struct cv_request *cv_posted_take(struct cv_rank *r, const struct cv_wire_hdr *h)
{
    struct cv_request **pp, *prev = NULL;

    for (pp = &r->posted.head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
        struct cv_request *q = *pp;

        if (cv_match(q, h)) {
            *pp = q->next;
            if (r->posted.tail == q)
                r->posted.tail = prev;
            q->next = NULL;
            return q;
        }
    }
    return NULL;
}

/* Copies a message into the unexpected queue. */
static void cv_unexpected_add(struct cv_rank *r, const struct cv_wire_hdr *h, const void *payload)
{
    size_t plen = h->type == CV_MSG_EAGER ? (size_t)h->len : 0;
    struct cv_msg *m = malloc(sizeof(*m) + plen);

    if (m == NULL) {
        /* Dropping would break MPI semantics silently: stop loudly. */
        kjob_abort(1, "nanvix-mpi: out of memory queueing an unexpected message");
    }
    m->next = NULL;
    m->hdr = *h;
    if (plen > 0)
        memcpy(m->payload, payload, plen);
    if (r->unexpected.tail)
        r->unexpected.tail->next = m;
    else
        r->unexpected.head = m;
    r->unexpected.tail = m;
}

void cv_deliver(struct cv_rank *r, const struct cv_wire_hdr *h, const void *payload)
{
    struct cv_request *q = cv_posted_take(r, h);

    if (q != NULL)
        cv_consume(r, q, h, payload);
    else
        cv_unexpected_add(r, h, payload);
}

/* Finds the oldest unexpected message matching q; unlinks it if take. */
static struct cv_msg *cv_unexpected_find(struct cv_rank *r, const struct cv_request *q, int take)
{
    struct cv_msg **pp, *prev = NULL;

    for (pp = &r->unexpected.head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
        struct cv_msg *m = *pp;

        if (!cv_match(q, &m->hdr))
            continue;
        if (take) {
            *pp = m->next;
            if (r->unexpected.tail == m)
                r->unexpected.tail = prev;
        }
        return m;
    }
    return NULL;
}

int cv_irecv(void *buf, size_t len, int source, int tag, int ctx, cv_request_t **req_p)
{
    struct cv_rank *r = cv_self();
    struct cv_request *q;
    struct cv_msg *m;

    if (source != CV_ANY_SOURCE && (source < 0 || source >= r->size))
        return CV_ERR_RANK;
    q = cv_request_new(r, CV_REQ_RECV);
    if (q == NULL)
        return -ENOMEM;
    q->buf = buf;
    q->len = len;
    q->peer = source;
    q->tag = tag;
    q->ctx = ctx;
    *req_p = q;
    m = cv_unexpected_find(r, q, 1);
    if (m != NULL) {
        cv_consume(r, q, &m->hdr, m->payload);
        free(m);
        return 0;
    }
    if (r->posted.tail)
        r->posted.tail->next = q;
    else
        r->posted.head = q;
    r->posted.tail = q;
    return 0;
}

/* The envelope of m as a probe reports it (count = full length). */
static void cv_probe_status(const struct cv_msg *m, struct cv_status *st)
{
    if (st == NULL)
        return;
    st->source = m->hdr.src;
    st->tag = m->hdr.tag;
    st->count = (size_t)m->hdr.len;
    st->error = 0;
    st->cancelled = 0;
}

int cv_iprobe(int source, int tag, int ctx, int *flag_p, struct cv_status *st)
{
    struct cv_rank *r = cv_self();
    struct cv_request probe = {.peer = source, .tag = tag, .ctx = ctx};
    struct cv_msg *m;

    cv_progress();
    m = cv_unexpected_find(r, &probe, 0);
    *flag_p = m != NULL;
    if (m != NULL)
        cv_probe_status(m, st);
    return 0;
}

/* Matched probe: the oldest matching unexpected message leaves the queue,
 * so the order seen by later receives is the order without it. */
int cv_improbe(int source, int tag, int ctx, int *flag_p, cv_message_t **msg_p,
               struct cv_status *st)
{
    struct cv_rank *r = cv_self();
    struct cv_request probe = {.peer = source, .tag = tag, .ctx = ctx};
    struct cv_msg *m;

    cv_progress();
    m = cv_unexpected_find(r, &probe, 1);
    *flag_p = m != NULL;
    if (m == NULL)
        return 0;
    m->next = NULL;
    cv_probe_status(m, st);
    *msg_p = m;
    return 0;
}

int cv_imrecv(cv_message_t *msg, void *buf, size_t len, cv_request_t **req_p)
{
    struct cv_request *q = cv_request_new(cv_self(), CV_REQ_RECV);

    if (q == NULL)
        return -ENOMEM;
    q->buf = buf;
    q->len = len;
    q->peer = msg->hdr.src;
    q->tag = msg->hdr.tag;
    q->ctx = msg->hdr.ctx;
    *req_p = q;
    cv_consume(cv_self(), q, &msg->hdr, msg->payload);
    free(msg);
    return 0;
}
