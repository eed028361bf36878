/* np_push.c: same-host portal transfers, copied by the writer into the reader.
 *
 * Through libfabric's shm provider a large portal transfer is one kernel copy
 * (process_vm_readv) made by the reader inside its progress call: the
 * writer's core idles meanwhile and the reader can do nothing else, so the
 * container stream could not check range i while range i + 1 was copied.
 * Here the writer makes the copy: the reader's read sends a READY notice
 * (its buffer's address and size, and a serial number) through the writer's
 * mailbox ring; the writer, in whichever progress call sees it, copies its
 * data into that buffer with process_vm_writev and answers DONE (bytes
 * written, or an error) through the reader's ring. The data crosses once, in
 * the kernel, on the writer's core, while the reader goes on with its work.
 *
 * Semantics are the fabric path's: data written before the read waits (the
 * writer waits for a READY); a read into a larger buffer gets the written
 * length; into a smaller one, the bytes that fit and -EMSGSIZE. A READY that
 * comes before its write (or before its portal is opened) waits in a list.
 * A read abandoned by kportal_unlink sends CANCEL and waits for the writer's
 * answer, so no copy lands in the buffer once kportal_unlink has returned; a
 * write abandoned by kportal_close answers DONE with -ECANCELED.
 *
 * A portal finishes only once its notice is in the peer's ring, so a mailbox
 * message sent after a transfer completes never overtakes the transfer's
 * DONE. Answers to CANCEL, which nothing waits behind, queue in an outbox
 * when the ring is full. The writer copies at most NP_PUSH_SLICE bytes per
 * progress call, so a big transfer does not hold the cluster's lock for long.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "np_internal.h"

#define NP_PUSH_SLICE       ((size_t)8 << 20)
#define NP_PUSH_CANCEL_WAIT 2.0 /* seconds an abandoned read waits for its answer */

struct np_push_ready { /* a READY waiting for its write */
    struct np_push_ready *next;
    struct np_push_notice n;
};

struct np_push_owed { /* a notice waiting for room in a ring */
    struct np_push_owed *next;
    int cluster;
    struct np_push_notice n;
};

static struct np_push_ready *np_push_waiting;
static struct np_push_owed *np_push_outbox;
static uint64_t np_push_serial;

int np_push_reaches(int cluster)
{
    return np_shm_cma(cluster);
}

static struct np_push_notice np_push_notice_for(const struct np_portal *p, enum np_push_kind kind)
{
    struct np_push_notice n = {.version = NP_PUSH_VERSION, .kind = (uint16_t)kind};
    n.from = (uint32_t)np_node.num;
    n.sport = (uint32_t)(p->input ? p->remote_port : p->port);
    n.dport = (uint32_t)(p->input ? p->port : p->remote_port);
    n.serial = p->serial;
    return n;
}

static int np_push_send(int cluster, const struct np_push_notice *n)
{
    return np_shm_write(cluster, NP_SHM_PUSH_PORT, n, sizeof(*n));
}

/* Sends n now, or after the notices already owed. */
static void np_push_send_later(int cluster, const struct np_push_notice *n)
{
    if (np_push_outbox == NULL && np_push_send(cluster, n) == 0)
        return;
    struct np_push_owed *o = malloc(sizeof(*o)), **tail = &np_push_outbox;
    if (o == NULL) {
        np_error("portal: out of memory; a notice to cluster %d is lost", cluster);
        return;
    }
    *o = (struct np_push_owed){NULL, cluster, *n};
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = o;
    np_retry_needed = 1;
}

void np_push_retry(void)
{
    while (np_push_outbox != NULL &&
           np_push_send(np_push_outbox->cluster, &np_push_outbox->n) == 0) {
        struct np_push_owed *o = np_push_outbox;
        np_push_outbox = o->next;
        free(o);
    }
    if (np_push_outbox != NULL)
        np_retry_needed = 1;
}

static void np_push_kick_read(struct np_portal *p)
{
    if (!p->notice_owed)
        return;
    if (p->serial == 0)
        p->serial = ++np_push_serial;
    struct np_push_notice n = np_push_notice_for(p, NP_PUSH_READY);
    n.addr = (uint64_t)(uintptr_t)p->buf;
    n.size = p->size;
    if (np_push_send(p->remote, &n) == 0)
        p->notice_owed = 0;
    else
        np_retry_needed = 1;
}

/* Takes the READY waiting for p's write, if it came. Returns 1 if p has one. */
static int np_push_take(struct np_portal *p)
{
    for (struct np_push_ready **at = &np_push_waiting; *at != NULL; at = &(*at)->next) {
        struct np_push_ready *r = *at;
        if (r->n.from == (uint32_t)p->remote && r->n.sport == (uint32_t)p->port &&
            r->n.dport == (uint32_t)p->remote_port) {
            p->matched = 1;
            p->serial = r->n.serial;
            p->peer_addr = r->n.addr;
            p->peer_size = r->n.size;
            p->off = 0;
            p->status = 0;
            *at = r->next;
            free(r);
            return 1;
        }
    }
    return 0;
}

/* Copies the next slice of p's data into the reader's buffer. */
static void np_push_copy(struct np_portal *p, size_t total)
{
    size_t len = total - p->off < NP_PUSH_SLICE ? total - p->off : NP_PUSH_SLICE;
    struct iovec local = {p->buf + p->off, len};
    struct iovec remote = {(void *)(uintptr_t)(p->peer_addr + p->off), len};
    ssize_t done = process_vm_writev(np_shm_pid(p->remote), &local, 1, &remote, 1, 0);
    if (done > 0) {
        p->off += (size_t)done;
        return;
    }
    if (done < 0 && errno == ESRCH) {
        /* Its memory is gone: it died. The loss is the cause to report, by
         * the layer that waits on it (knode_is_lost), not this copy. */
        np_lost_suspect();
        p->status = -EHOSTDOWN;
        return;
    }
    np_error("portal: copying into cluster %d (port %d) failed: %s", p->remote, p->remote_port,
             done < 0 ? strerror(errno) : "nothing copied");
    p->status = -EIO;
}

static void np_push_kick_write(struct np_portal *p)
{
    if (!p->matched && !np_push_take(p))
        return; /* no read yet */
    if (!p->notice_owed) {
        size_t total = p->size < p->peer_size ? p->size : (size_t)p->peer_size;
        if (p->off < total && p->status == 0)
            np_push_copy(p, total);
        if (p->off < total && p->status == 0) {
            np_retry_needed = 1; /* the next slice at the next progress call */
            return;
        }
        p->notice_owed = 1;
    }
    struct np_push_notice n = np_push_notice_for(p, NP_PUSH_DONE);
    n.size = p->size;
    n.status = p->status;
    if (np_push_send(p->remote, &n) != 0) {
        np_retry_needed = 1;
        return;
    }
    p->notice_owed = 0;
    p->matched = 0;
    np_portal_finish(p, p->status < 0 ? p->status : (ssize_t)p->size);
}

void np_push_kick(struct np_portal *p)
{
    if (p->input)
        np_push_kick_read(p);
    else
        np_push_kick_write(p);
}

static void np_push_on_ready(const struct np_push_notice *n)
{
    struct np_push_ready *r = malloc(sizeof(*r)), **tail = &np_push_waiting;
    if (r == NULL) {
        np_error("portal: out of memory; a read from cluster %u is lost", n->from);
        return;
    }
    *r = (struct np_push_ready){NULL, *n};
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = r;
    np_retry_needed = 1; /* its write, if started, copies at this progress call */
}

static void np_push_on_done(const struct np_push_notice *n)
{
    struct np_portal *p = np_portal_lookup(1, (int)n->dport, (int)n->from, (int)n->sport);
    if (p == NULL || !p->push || !p->active || p->complete || p->notice_owed ||
        p->serial != n->serial)
        return; /* the answer to a CANCEL after the DONE, or a read long gone */
    if (n->status < 0)
        np_portal_finish(p, n->status);
    else
        np_portal_finish(p, n->size > p->size ? -EMSGSIZE : (ssize_t)n->size);
}

/* The reader withdraws its buffer: forget its READY, stop a copy into it,
 * and answer, so that it knows no copy will land any more. */
static void np_push_on_cancel(const struct np_push_notice *n)
{
    for (struct np_push_ready **at = &np_push_waiting; *at != NULL; at = &(*at)->next) {
        struct np_push_ready *r = *at;
        if (r->n.from == n->from && r->n.sport == n->sport && r->n.dport == n->dport &&
            r->n.serial == n->serial) {
            *at = r->next;
            free(r);
            break;
        }
    }
    struct np_portal *q = np_portal_lookup(0, (int)n->sport, (int)n->from, (int)n->dport);
    if (q != NULL && q->push && q->matched && q->serial == n->serial && !q->complete) {
        q->matched = 0; /* waits for the next READY, like an unread fabric send */
        q->notice_owed = 0;
        q->off = 0;
    }
    struct np_push_notice answer = *n;
    answer.kind = NP_PUSH_DONE;
    answer.from = (uint32_t)np_node.num;
    answer.addr = answer.size = 0;
    answer.status = -ECANCELED;
    np_push_send_later((int)n->from, &answer);
}

/* Rate limit of the warning below: notices come from another process, as often as it likes. */
static struct base_log_limit np_push_bad_notice;

void np_push_deliver(const void *data, size_t len)
{
    struct np_push_notice n;
    if (len != sizeof(n)) {
        base_log_limited(&np_push_bad_notice, BASE_LOG_WARN, "port",
                         "portal: dropped a notice of %zu bytes", len);
        return;
    }
    memcpy(&n, data, sizeof(n));
    if (np_push_notice_check(&n, len, np_node.count) != 0) {
        base_log_limited(&np_push_bad_notice, BASE_LOG_WARN, "port",
                         "portal: dropped a malformed notice (kind %u from %u)", n.kind, n.from);
        return;
    }
    if (n.kind == NP_PUSH_READY)
        np_push_on_ready(&n);
    else if (n.kind == NP_PUSH_DONE)
        np_push_on_done(&n);
    else
        np_push_on_cancel(&n);
}

void np_push_abandon(struct np_portal *p)
{
    if (!p->input) {
        if (p->matched) {
            struct np_push_notice n = np_push_notice_for(p, NP_PUSH_DONE);
            n.status = -ECANCELED;
            np_push_send_later(p->remote, &n);
        }
        np_portal_finish(p, -ECANCELED);
        return;
    }
    if (p->notice_owed) { /* the writer never saw this read */
        np_portal_finish(p, -ECANCELED);
        return;
    }
    struct np_push_notice n = np_push_notice_for(p, NP_PUSH_CANCEL);
    np_push_send_later(p->remote, &n);
    p->closing = 1;
    unsigned spins = 0;
    double t0 = knode_wtime();
    while (!p->complete && knode_wtime() - t0 < NP_PUSH_CANCEL_WAIT)
        np_wait_step(&spins);
    if (!p->complete) {
        np_error("portal: port %d: cluster %d did not answer a cancel", p->port, p->remote);
        np_portal_finish(p, -ECANCELED);
    }
}

void np_push_teardown(void)
{
    while (np_push_waiting != NULL) {
        struct np_push_ready *r = np_push_waiting;
        np_push_waiting = r->next;
        free(r);
    }
    while (np_push_outbox != NULL) {
        struct np_push_owed *o = np_push_outbox;
        np_push_outbox = o->next;
        free(o);
    }
}
