/* np_portal.c: kportal, 1:1 bulk transfers of any size to (cluster, port).
 *
 * A transfer from (src, sport) to (dst, dport) is tagged (portal, token, src,
 * sport, dport). The receiver's kportal_allow() names (src, sport); its read
 * posts the receive for that tag, so data written before the allow waits in
 * the provider (as an unexpected message, or, for large ones, as a
 * rendezvous the sender cannot finish) until the receive is posted.
 *
 * Transfers larger than the provider's max_msg_size are cut into chunks:
 * a transfer is a run of messages of exactly the chunk size of the endpoint
 * that reaches the peer (np_fabric.c) ended by
 * one message shorter than that (possibly empty). Both sides post one chunk
 * at a time and post the next one from the completion of the previous one
 * (or from the next test/wait if the provider queue is full). With the
 * default chunk size (1 GiB or max_msg_size) nearly every transfer is one
 * message. The receiver learns the length from the final short message, so
 * it may read into a larger buffer; a smaller one fails with -EMSGSIZE.
 *
 * Between two clusters of one host that can copy into each other, a
 * transfer goes by np_push instead (the writer copies straight into the
 * reader's buffer; see np_push.c), with the same semantics. Which path a
 * pair uses is fixed for the whole job, so both ends always agree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/fi_errno.h>

#include "np_internal.h"

static uint64_t np_portal_tag(int src, int sport, int dport)
{
    return np_tag_head(NP_KIND_PORTAL, np_node.token) | (uint64_t)src << 40 |
           (uint64_t)sport << 20 | (uint64_t)dport;
}

static int np_port_ok(int port)
{
    return port >= 0 && port < KPORTAL_PORT_MAX;
}

void np_portal_finish(struct np_portal *p, ssize_t result)
{
    p->complete = 1;
    p->posted = 0;
    p->result = result;
}

/* Posts the next chunk of p's transfer unless one is posted or it is done.
 * A full provider queue leaves it for the next call. */
static void np_portal_kick(struct np_portal *p)
{
    if (!p->active || p->posted || p->complete)
        return;
    if (p->push) {
        np_push_kick(p);
        return;
    }
    size_t chunk = np_fabs[np_fabric_of(p->remote)].chunk_size;
    size_t len = p->size - p->off < chunk ? p->size - p->off : chunk;
    int ret = p->input
                  ? np_fabric_recv(np_fabric_of(p->remote), &p->op, p->buf + p->off, len, p->tag)
                  : np_fabric_send(&p->op, p->buf + p->off, len, p->remote, p->tag);
    if (ret == 0) {
        p->posted = 1;
        p->chunk = len;
    } else if (ret == -EAGAIN) {
        np_retry_needed = 1;
    } else {
        np_error("portal: posting a transfer on port %d failed: %s", p->port, strerror(-ret));
        np_portal_finish(p, -EIO);
    }
}

static struct np_table np_portal_table;
static int np_portal_orphan_reads; /* kportal_orphans() */

static void np_portal_done(struct np_op *op, int err, size_t len)
{
    struct np_portal *p = (struct np_portal *)op;
    if (p->orphan) { /* closed meanwhile: whatever it did is over now */
        np_portal_orphan_reads -= p->input;
        free(p);
        return;
    }
    p->posted = 0;
    if (err != 0)
        np_debug("portal: port %d: completion error %d (%s)", p->port, err, fi_strerror(err));
    if (err != 0) {
        if (err == FI_ETRUNC || err == FI_EMSGSIZE)
            np_portal_finish(p, -EMSGSIZE);
        else
            np_portal_finish(p, err == FI_ECANCELED ? -ECANCELED : -EIO);
        return;
    }
    if (!p->input)
        len = p->chunk;
    p->off += len;
    if (len < np_fabs[np_fabric_of(p->remote)].chunk_size)
        np_portal_finish(p, (ssize_t)p->off);
    else
        np_portal_kick(p);
}

static int np_portal_new(int input, int port, int remote, int remote_port)
{
    struct np_portal *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->op.done = np_portal_done;
    p->input = input;
    p->port = port;
    p->remote = remote;
    p->remote_port = remote_port;
    if (!input)
        p->tag = np_portal_tag(np_node.num, port, remote_port);
    int id = np_table_add(&np_portal_table, p);
    if (id < 0)
        free(p);
    return id;
}

int kportal_create(int local, int port)
{
    np_enter();
    int ret = -EINVAL;
    if (np_node.ready && local == np_node.num && np_port_ok(port)) {
        ret = 0;
        for (int i = 0; i < np_portal_table.nslots && ret == 0; i++) {
            struct np_portal *q = np_portal_table.slots[i];
            if (q != NULL && q->input && q->port == port)
                ret = -EBUSY;
        }
        if (ret == 0)
            ret = np_portal_new(1, port, -1, -1);
    }
    np_leave();
    return ret;
}

int kportal_open(int local, int local_port, int remote, int remote_port)
{
    np_enter();
    int ret = -EINVAL;
    if (np_node.ready && local == np_node.num && np_port_ok(local_port) && np_cluster_ok(remote) &&
        np_port_ok(remote_port))
        ret = np_portal_new(0, local_port, remote, remote_port);
    np_leave();
    return ret;
}

static struct np_portal *np_portal_get(int id, int input)
{
    struct np_portal *p = np_table_get(&np_portal_table, id);
    return (p != NULL && !p->closing && (input < 0 || p->input == input)) ? p : NULL;
}

struct np_portal *np_portal_lookup(int input, int port, int remote, int remote_port)
{
    for (int id = 0; id < np_portal_table.nslots; id++) {
        struct np_portal *p = np_portal_table.slots[id];
        if (p != NULL && p->input == input && p->port == port && p->remote == remote &&
            p->remote_port == remote_port)
            return p;
    }
    return NULL;
}

int kportal_allow(int portalid, int remote, int remote_port)
{
    np_enter();
    int ret = -EBADF;
    struct np_portal *p = np_portal_get(portalid, 1);
    if (p != NULL) {
        ret = -EINVAL;
        if (np_cluster_ok(remote) && np_port_ok(remote_port)) {
            ret = (p->active && !p->complete) ? -EBUSY : 0;
        }
        if (ret == 0) {
            p->allowed = 1;
            p->remote = remote;
            p->remote_port = remote_port;
            p->tag = np_portal_tag(remote, remote_port, p->port);
        }
    }
    np_leave();
    return ret;
}

/* Starts a transfer on p (the lock is held). Returns 0 or -EBUSY, -EINVAL. */
static int np_portal_start(struct np_portal *p, const void *buf, size_t size)
{
    if (p->active && !p->complete)
        return -EBUSY;
    if (p->input && !p->allowed)
        return -EINVAL; /* no kportal_allow() for this read */
    p->allowed = 0;
    p->active = 1;
    p->posted = 0;
    p->complete = 0;
    p->buf = (char *)buf;
    p->size = size;
    p->off = 0;
    p->result = 0;
    p->push = np_push_reaches(p->remote);
    p->notice_owed = p->push && p->input; /* the READY */
    p->matched = 0;
    p->status = 0;
    p->serial = 0;
    np_portal_kick(p);
    return 0;
}

static int np_portal_astart(int portalid, int input, const void *buf, size_t size)
{
    if (buf == NULL && size > 0)
        return -EINVAL;
    int touched = np_touch(buf, size);
    if (touched < 0)
        return touched;
    np_enter();
    struct np_portal *p = np_portal_get(portalid, input);
    int ret = p != NULL ? np_portal_start(p, buf, size) : -EBADF;
    np_leave();
    return ret;
}

int kportal_aread(int portalid, void *buf, size_t size)
{
    return np_portal_astart(portalid, 1, buf, size);
}

int kportal_awrite(int portalid, const void *buf, size_t size)
{
    return np_portal_astart(portalid, 0, buf, size);
}

/* Waits for the transfer of portalid (lock held) and retires it. Returns its
 * byte count or a negative errno value. */
static ssize_t np_portal_wait_locked(int portalid)
{
    unsigned spins = 0;
    for (;;) {
        struct np_portal *p = np_portal_get(portalid, -1);
        if (p == NULL)
            return -EBADF;
        if (!p->active)
            return -EINVAL;
        np_portal_kick(p);
        if (p->complete) {
            p->active = 0;
            return p->result;
        }
        if (knode_is_lost(p->remote))
            return -EHOSTDOWN; /* the peer died (np_lost.c): it never will */
        np_wait_step(&spins);
    }
}

ssize_t kportal_wait(int portalid)
{
    np_enter();
    ssize_t ret = np_portal_wait_locked(portalid);
    np_leave();
    return ret;
}

int kportal_test(int portalid)
{
    np_enter();
    int ret = -EBADF;
    struct np_portal *p = np_portal_get(portalid, -1);
    if (p != NULL && !p->active) {
        ret = -EINVAL;
    } else if (p != NULL) {
        np_portal_kick(p);
        if (!p->complete && np_progress() < 0)
            np_portal_finish(p, -EIO);
        ret = p->complete;
    }
    np_leave();
    return ret;
}

static ssize_t np_portal_sync(int portalid, int input, const void *buf, size_t size)
{
    if (buf == NULL && size > 0)
        return -EINVAL;
    int touched = np_touch(buf, size);
    if (touched < 0)
        return touched;
    np_enter();
    struct np_portal *p = np_portal_get(portalid, input);
    ssize_t ret = p != NULL ? np_portal_start(p, buf, size) : -EBADF;
    if (ret == 0)
        ret = np_portal_wait_locked(portalid);
    np_leave();
    return ret;
}

ssize_t kportal_read(int portalid, void *buf, size_t size)
{
    return np_portal_sync(portalid, 1, buf, size);
}

ssize_t kportal_write(int portalid, const void *buf, size_t size)
{
    return np_portal_sync(portalid, 0, buf, size);
}

/* Posts the transfers a full provider queue left pending. */
void np_portal_retry(void)
{
    np_push_retry();
    for (int id = 0; id < np_portal_table.nslots; id++) {
        struct np_portal *p = np_portal_table.slots[id];
        if (p != NULL)
            np_portal_kick(p);
    }
}

/* How long closing a portal waits for a cancelled transfer (s). A write
 * to another host is not waited for: tcp;ofi_rxm cannot cancel a send,
 * which completes only once the peer's host took it, and after a link went
 * down that may be never - waiting would only make a failed move give up
 * seconds after its timeout, per portal. */
static double np_portal_close_wait(const struct np_portal *p)
{
    return !p->input && np_fabric_of(p->remote) == NP_FAB_NET ? 0.0 : 2.0;
}

/* Removes p; a transfer still posted is cancelled first (bounded wait), or
 * left to the provider with p (its op) leaked. */
static int np_portal_remove(int portalid, int input)
{
    np_enter();
    struct np_portal *p = np_portal_get(portalid, input);
    if (p != NULL && p->push && p->active && !p->complete)
        np_push_abandon(p); /* back with no copy into p->buf under way */
    if (p != NULL) {
        np_table_remove(&np_portal_table, portalid);
        unsigned spins = 0;
        double t0 = knode_wtime();
        if (p->posted)
            np_fabric_cancel(np_fabric_of(p->remote), &p->op);
        while (p->posted && knode_wtime() - t0 < np_portal_close_wait(p))
            np_wait_step(&spins);
        if (!p->posted) {
            free(p);
        } else { /* its completion frees it (np_portal_done) */
            p->orphan = 1;
            np_portal_orphan_reads += p->input;
            np_error("portal: port %d: transfer still in flight at close; left to the provider",
                     p->port);
        }
    }
    np_leave();
    return p != NULL ? 0 : -EBADF;
}

int kportal_orphans(void)
{
    np_enter();
    int n = np_portal_orphan_reads;
    np_leave();
    return n;
}

int kportal_close(int portalid)
{
    return np_portal_remove(portalid, 0);
}

int kportal_unlink(int portalid)
{
    return np_portal_remove(portalid, 1);
}

/* Frees every portal once the endpoint is closed. */
void np_portal_teardown(void)
{
    for (int id = 0; id < np_portal_table.nslots; id++)
        free(np_portal_table.slots[id]);
    free(np_portal_table.slots);
    np_portal_table = (struct np_table){0};
    np_push_teardown();
}
