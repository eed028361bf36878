/* cv_send.c: the sending side: eager messages, RTS, and answers to CTS/ACK.
 *
 * A message is addressed to a logical rank; the route cache names the
 * cluster that hosts it. Eager payloads are copied into the cluster's send
 * buffer behind the header and leave in one mailbox message, so a standard
 * eager send is complete when kmailbox_write() returns. A larger payload is
 * announced with an RTS; when the CTS comes back the data is written through
 * a portal straight from the user's buffer.
 */
#include <errno.h>
#include <string.h>

#include "cv_internal.h"

_Static_assert(CV_EAGER_LIMIT + sizeof(struct cv_wire_hdr) <= KMAILBOX_MESSAGE_SIZE,
               "an eager message and its header fit one mailbox message");

/* Returns the output mailbox of `cluster`, opening it on first use. */
int cv_outbox(int cluster)
{
    if (cv_cluster.outbox[cluster] < 0)
        cv_cluster.outbox[cluster] = kmailbox_open(cluster, CV_MAILBOX_PORT);
    return cv_cluster.outbox[cluster];
}

void cv_fill_hdr(const struct cv_rank *r, struct cv_wire_hdr *h, int type, int dst)
{
    memset(h, 0, sizeof(*h));
    h->version = CV_WIRE_VERSION;
    h->type = (uint8_t)type;
    h->src = r->rank;
    h->dst = dst;
    h->src_cluster = cv_cluster.self;
    h->job = cv_cluster.job;
}

int cv_post_message(int dst_rank, const struct cv_wire_hdr *hdr, const void *payload)
{
    size_t plen = hdr->type == CV_MSG_EAGER ? hdr->len : 0;
    int mbx = cv_outbox(cv_cluster.route[dst_rank]);
    ssize_t n;

    if (mbx < 0)
        return CV_ERR_INTERN;
    /* Header and payload go as two pieces, never joined by a copy. */
    n = kmailbox_write2(mbx, hdr, sizeof(*hdr), payload, plen);
    return n < 0 ? CV_ERR_INTERN : 0;
}

/* Sends the payload inline; a synchronous send then waits for the ACK. */
static int cv_send_eager(struct cv_rank *r, struct cv_request *q, struct cv_wire_hdr *h)
{
    int ret;

    h->type = CV_MSG_EAGER;
    h->flags = q->sync ? CV_FLAG_SYNC : 0;
    ret = cv_post_message(q->peer, h, q->buf);
    if (ret < 0)
        return ret;
    if (q->sync) {
        q->state = CV_REQ_WAIT_ACK;
        cv_active_add(r, q);
    } else {
        q->state = CV_REQ_DONE;
    }
    return 0;
}

/* Announces the payload; the transfer starts when the CTS arrives. */
static int cv_send_rts(struct cv_rank *r, struct cv_request *q, struct cv_wire_hdr *h)
{
    h->type = CV_MSG_RTS;
    q->state = CV_REQ_WAIT_CTS;
    cv_active_add(r, q);
    return cv_post_message(q->peer, h, NULL);
}

int cv_isend(const void *buf, size_t len, int dest, int tag, int ctx, int mode,
             cv_request_t **req_p)
{
    struct cv_rank *r = cv_self();
    struct cv_request *q;
    struct cv_wire_hdr h;
    int ret;

    if (dest < 0 || dest >= r->size)
        return CV_ERR_RANK;
    q = cv_request_new(r, CV_REQ_SEND);
    if (q == NULL)
        return -ENOMEM;
    q->buf = (void *)buf;
    q->len = len;
    q->peer = dest;
    q->tag = tag;
    q->ctx = ctx;
    q->sync = mode == CV_SEND_SYNC;
    cv_fill_hdr(r, &h, CV_MSG_EAGER, dest);
    h.tag = tag;
    h.ctx = ctx;
    h.seq = r->send_seq[dest]++;
    h.len = len;
    h.cookie = q->id;
    ret = len <= cv_cluster.eager_limit ? cv_send_eager(r, q, &h) : cv_send_rts(r, q, &h);
    if (ret < 0) {
        /* Nothing left: the number goes to the next message, or the
         * receiver would hold every later one waiting for this one. */
        r->send_seq[dest]--;
        cv_active_remove(r, q);
        cv_request_free(q);
        return ret;
    }
    *req_p = q;
    return 0;
}

int cv_send_now(const void *buf, size_t len, int dest, int tag, int ctx)
{
    struct cv_rank *r = cv_self();
    struct cv_wire_hdr h;

    if (dest < 0 || dest >= r->size)
        return CV_ERR_RANK;
    if (len > cv_cluster.eager_limit)
        return 0;
    cv_fill_hdr(r, &h, CV_MSG_EAGER, dest);
    h.tag = tag;
    h.ctx = ctx;
    h.seq = r->send_seq[dest];
    h.len = len;
    h.cookie = ++r->next_id; /* unused without CV_FLAG_SYNC; kept unique */
    int ret = cv_post_message(dest, &h, buf);
    if (ret < 0)
        return ret; /* the number stays for the next message */
    r->send_seq[dest]++;
    return 1;
}

void cv_handle_cts(struct cv_rank *r, const struct cv_wire_hdr *h)
{
    struct cv_request *q = cv_active_find(r, h->cookie, CV_REQ_WAIT_CTS);
    struct cv_wire_hdr go;
    size_t n;

    if (q == NULL || h->src != q->peer || h->len > q->len)
        return; /* not ours, or a receiver asking for more than we have */
    n = (size_t)h->len;
    q->port = cv_port_alloc();
    cv_fill_hdr(r, &go, CV_MSG_GO, q->peer);
    go.cookie = q->id;
    go.port = q->port;
    q->portal = kportal_open(cv_cluster.self, (int)q->port, h->src_cluster, (int)h->port);
    if (q->portal < 0 || cv_post_message(q->peer, &go, NULL) < 0 ||
        kportal_awrite(q->portal, q->buf, n) < 0) {
        if (q->portal >= 0)
            kportal_close(q->portal);
        q->portal = -1;
        q->status.error = CV_ERR_INTERN;
        cv_active_remove(r, q);
        cv_request_complete(q);
        return;
    }
    q->state = CV_REQ_TRANSFER;
}

void cv_handle_ack(struct cv_rank *r, const struct cv_wire_hdr *h)
{
    struct cv_request *q = cv_active_find(r, h->cookie, CV_REQ_WAIT_ACK);

    if (q == NULL)
        return;
    cv_active_remove(r, q);
    cv_request_complete(q);
}
