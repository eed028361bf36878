/* np_mailbox.c: kmailbox, N:1 small messages to (cluster, port).
 *
 * A message is one tagged send with tag (mailbox, token, port). An input
 * mailbox keeps, on each fabric endpoint (np_fabric.c: one for this host,
 * one for other hosts), a ring of NP_MBX_POOL receive slots of
 * KMAILBOX_MESSAGE_SIZE bytes posted on that tag, and a FIFO of received
 * messages. Receives with one tag are matched in the order they were posted
 * and messages of one sender arrive in order (FI_ORDER_SAS) on the one
 * endpoint that reaches it, so each ring's order is the delivery order of
 * its senders.
 * Whenever the progress function completes a slot, the completed slots at
 * the head of the ring are copied into the FIFO (nodes come from free lists,
 * so the steady state allocates nothing) and re-posted at the tail. Slots may
 * complete out of ring order; the head still waits its turn. Because every
 * progress call empties the slots, a cluster blocked in a write keeps
 * absorbing its own incoming messages and writers never deadlock; unread
 * messages cost memory only. Messages sent before the mailbox exists wait in
 * the provider's unexpected queue until slots are posted.
 *
 * Writes inject when the payload fits the provider's inject size, else they
 * send a copy (np_fabric_send_now); -FI_EAGAIN is answered by progressing
 * and retrying. Writes to a cluster of the same host go through its ring
 * instead (np_shm.c), and the progress function hands ring messages to
 * np_mailbox_deliver(); messages for a port with no mailbox yet wait in an
 * orphan FIFO that kmailbox_create() adopts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/fi_errno.h>

#include "np_internal.h"

#define NP_MBX_POOL  32
#define NP_MSG_SMALL 64 /* payload of a small FIFO node */
/* Payload of a medium FIFO node: most messages between 64 B and a 64 KiB
 * cell are far below the cell, so they do not each hold one. */
#define NP_MSG_MEDIUM 8192

enum np_slot_state { NP_SLOT_IDLE, NP_SLOT_POSTED, NP_SLOT_FULL };

struct np_mailbox;

struct np_mbx_slot {
    struct np_op op; /* first: the completion finds its slot */
    struct np_mailbox *mbx;
    int lane; /* the endpoint it is posted on */
    int state;
    int err;    /* the receive failed */
    size_t len; /* bytes received when FULL */
    char data[KMAILBOX_MESSAGE_SIZE] __attribute__((aligned(64)));
};

/* A received message waiting in a mailbox FIFO. */
struct np_mbx_msg {
    struct np_mbx_msg *next;
    size_t len;
    int large; /* size class: data holds np_msg_class_bytes[large] bytes */
    char data[];
};

/* A FIFO of received messages. */
struct np_mbx_fifo {
    struct np_mbx_msg *first, *last;
};

struct np_mailbox {
    int input;   /* 1: created here; 0: opened towards a remote */
    int cluster; /* remote cluster (output), this cluster (input) */
    int port;
    uint64_t tag;
    /* Input side: one ring of slots per endpoint (lane). */
    struct np_mbx_slot *slots; /* lane l's ring: slots[l * NP_MBX_POOL ...] */
    struct {
        unsigned head; /* oldest posted slot */
        unsigned tail; /* next slot to post; tail - head <= NP_MBX_POOL */
    } lane[NP_FAB_MAX];
    int nlanes;
    struct np_mbx_fifo fifo; /* received, not read yet */
    int closing;             /* being unlinked: do not re-post */
};

static struct np_table np_mbx_table;
static struct np_mailbox *np_mbx_port[KMAILBOX_PORT_MAX];
/* Ring messages for ports without a mailbox yet (the fabric keeps such
 * messages in its unexpected queue; the rings need this instead). */
static struct np_mbx_fifo np_mbx_orphan[KMAILBOX_PORT_MAX];
/* Free nodes by size class: small, medium, a whole cell. */
static const size_t np_msg_class_bytes[3] = {NP_MSG_SMALL, NP_MSG_MEDIUM, KMAILBOX_MESSAGE_SIZE};
static struct np_mbx_msg *np_msg_free[3];

static inline uint64_t np_mbx_tag(int port)
{
    return np_tag_head(NP_KIND_MAILBOX, np_node.token) | (uint64_t)port;
}

/* Returns a FIFO node for len bytes, or NULL when out of memory. */
static struct np_mbx_msg *np_msg_get(size_t len)
{
    int large = len <= NP_MSG_SMALL ? 0 : len <= NP_MSG_MEDIUM ? 1 : 2;
    struct np_mbx_msg *m = np_msg_free[large];
    if (m != NULL) {
        np_msg_free[large] = m->next;
        return m;
    }
    m = malloc(sizeof(*m) + np_msg_class_bytes[large]);
    if (m != NULL)
        m->large = large;
    return m;
}

static void np_msg_put(struct np_mbx_msg *m)
{
    m->next = np_msg_free[m->large];
    np_msg_free[m->large] = m;
}

static void np_fifo_push(struct np_mbx_fifo *f, struct np_mbx_msg *msg)
{
    msg->next = NULL;
    if (f->last != NULL)
        f->last->next = msg;
    else
        f->first = msg;
    f->last = msg;
}

static void np_fifo_free(struct np_mbx_fifo *f)
{
    while (f->first != NULL) {
        struct np_mbx_msg *msg = f->first;
        f->first = msg->next;
        np_msg_put(msg);
    }
    f->last = NULL;
}

int np_mailbox_deliver(int port, const void *data, size_t len)
{
    struct np_mbx_msg *msg = np_msg_get(len);
    if (msg == NULL)
        return -ENOMEM;
    msg->len = len;
    memcpy(msg->data, data, len);
    struct np_mailbox *m = np_mbx_port[port];
    np_fifo_push(m != NULL ? &m->fifo : &np_mbx_orphan[port], msg);
    return 0;
}

/* Posts idle slots at the tail of each lane, in ring order, until the ring
 * is full or the provider queue is. Returns 0 or a negative errno value
 * other than -EAGAIN. */
static int np_mbx_refill(struct np_mailbox *m)
{
    for (int l = 0; l < m->nlanes; l++) {
        while (!m->closing && m->lane[l].tail - m->lane[l].head < NP_MBX_POOL) {
            struct np_mbx_slot *slot = &m->slots[l * NP_MBX_POOL + m->lane[l].tail % NP_MBX_POOL];
            int ret = np_fabric_recv(l, &slot->op, slot->data, sizeof(slot->data), m->tag);
            if (ret == -EAGAIN) {
                np_retry_needed = 1;
                break;
            }
            if (ret != 0)
                return ret;
            slot->state = NP_SLOT_POSTED;
            m->lane[l].tail++;
        }
    }
    return 0;
}

/* 1 if every lane of m has all its slots posted. */
static int np_mbx_full(const struct np_mailbox *m)
{
    for (int l = 0; l < m->nlanes; l++)
        if (m->lane[l].tail - m->lane[l].head < NP_MBX_POOL)
            return 0;
    return 1;
}

/* Moves the completed slots at the head of lane l into the FIFO. */
static void np_mbx_collect(struct np_mailbox *m, int l)
{
    while (m->lane[l].head != m->lane[l].tail) {
        struct np_mbx_slot *slot = &m->slots[l * NP_MBX_POOL + m->lane[l].head % NP_MBX_POOL];
        if (slot->state != NP_SLOT_FULL)
            break;
        struct np_mbx_msg *msg = slot->err ? NULL : np_msg_get(slot->len);
        if (msg == NULL && !slot->err)
            break; /* out of memory: leave it in the slot for now */
        if (msg != NULL) {
            msg->len = slot->len;
            memcpy(msg->data, slot->data, slot->len);
            np_fifo_push(&m->fifo, msg);
        } else {
            np_error("mailbox: a receive on port %d failed; message dropped", m->port);
        }
        slot->state = NP_SLOT_IDLE;
        m->lane[l].head++;
    }
    np_mbx_refill(m);
}

static void np_slot_done(struct np_op *op, int err, size_t len)
{
    struct np_mbx_slot *slot = (struct np_mbx_slot *)op;
    if (err == FI_ECANCELED) {
        slot->state = NP_SLOT_IDLE;
        return;
    }
    slot->state = NP_SLOT_FULL;
    slot->len = len;
    slot->err = err != 0;
    np_mbx_collect(slot->mbx, slot->lane);
}

/* Cancels the posted slots of m and waits (bounded) for the cancellations.
 * Returns 1 when no slot is posted any more, 0 if the provider kept some. */
static int np_mbx_cancel(struct np_mailbox *m)
{
    unsigned spins = 0;
    double t0 = knode_wtime();
    m->closing = 1; /* no more re-posting */
    for (int i = 0; i < m->nlanes * NP_MBX_POOL; i++)
        if (m->slots[i].state == NP_SLOT_POSTED)
            np_fabric_cancel(m->slots[i].lane, &m->slots[i].op);
    for (;;) {
        int posted = 0;
        for (int i = 0; i < m->nlanes * NP_MBX_POOL; i++)
            posted += m->slots[i].state == NP_SLOT_POSTED;
        if (posted == 0)
            return 1;
        if (knode_wtime() - t0 > 2.0)
            return 0;
        np_wait_step(&spins);
    }
}

/* Frees m and its queued messages; its slots and m itself only when
 * free_slots (no slot is posted any more). */
static void np_mbx_free(struct np_mailbox *m, int free_slots)
{
    np_fifo_free(&m->fifo);
    if (free_slots) { /* else the provider may still complete a slot */
        free(m->slots);
        free(m);
    }
}

static int np_mbx_create_locked(int local, int port)
{
    if (!np_node.ready || local != np_node.num || port < 0 || port >= KMAILBOX_PORT_MAX)
        return -EINVAL;
    if (np_mbx_port[port] != NULL)
        return -EBUSY;
    int nlanes = np_fab_count;
    struct np_mailbox *m = calloc(1, sizeof(*m));
    struct np_mbx_slot *slots = aligned_alloc(64, (size_t)nlanes * NP_MBX_POOL * sizeof(*slots));
    if (m == NULL || slots == NULL)
        goto nomem;
    *m = (struct np_mailbox){
        .input = 1, .cluster = local, .port = port, .slots = slots, .nlanes = nlanes};
    m->tag = np_mbx_tag(port);
    int id = np_table_add(&np_mbx_table, m);
    if (id < 0)
        goto nomem;
    np_mbx_port[port] = m;
    m->fifo = np_mbx_orphan[port]; /* ring messages that came first */
    np_mbx_orphan[port] = (struct np_mbx_fifo){0};
    for (int i = 0; i < nlanes * NP_MBX_POOL; i++) {
        slots[i].op.done = np_slot_done;
        slots[i].mbx = m;
        slots[i].lane = i / NP_MBX_POOL;
        slots[i].state = NP_SLOT_IDLE;
    }
    unsigned spins = 0;
    int ret;
    while ((ret = np_mbx_refill(m)) == 0 && !np_mbx_full(m))
        np_wait_step(&spins); /* provider queue full: progress, then retry */
    if (ret != 0) {
        np_error("mailbox: cannot post receive slots for port %d: %s", port, strerror(-ret));
        np_table_remove(&np_mbx_table, id);
        np_mbx_port[port] = NULL;
        np_mbx_free(m, np_mbx_cancel(m));
        return -EIO;
    }
    return id;
nomem:
    free(m);
    free(slots);
    return -ENOMEM;
}

int kmailbox_create(int local, int port)
{
    np_enter();
    int ret = np_mbx_create_locked(local, port);
    np_leave();
    return ret;
}

int kmailbox_open(int remote, int remote_port)
{
    np_enter();
    int ret = -EINVAL;
    if (np_cluster_ok(remote) && remote_port >= 0 && remote_port < KMAILBOX_PORT_MAX) {
        struct np_mailbox *m = calloc(1, sizeof(*m));
        ret = -ENOMEM;
        if (m != NULL) {
            *m = (struct np_mailbox){.cluster = remote, .port = remote_port};
            m->tag = np_mbx_tag(remote_port);
            ret = np_table_add(&np_mbx_table, m);
            if (ret < 0)
                free(m);
        }
    }
    np_leave();
    return ret;
}

static struct np_mailbox *np_mbx_get(int id, int input)
{
    struct np_mailbox *m = np_table_get(&np_mbx_table, id);
    return (m != NULL && m->input == input) ? m : NULL;
}

/* Takes the first queued message of m into buf[size]. Returns its length,
 * -EAGAIN if none is queued, or -EMSGSIZE (the message stays queued). */
static ssize_t np_mbx_take(struct np_mailbox *m, void *buf, size_t size)
{
    struct np_mbx_msg *msg = m->fifo.first;
    if (msg == NULL)
        return -EAGAIN;
    if (msg->len > size)
        return -EMSGSIZE;
    memcpy(buf, msg->data, msg->len);
    m->fifo.first = msg->next;
    if (m->fifo.first == NULL)
        m->fifo.last = NULL;
    ssize_t len = (ssize_t)msg->len;
    np_msg_put(msg);
    return len;
}

/* Reads served from the ring without a progress call since the last one
 * (np_mbx_read); at NP_MBX_DIRECT_MAX the next read progresses first. */
#define NP_MBX_DIRECT_MAX 16
static unsigned np_mbx_direct;

enum np_mbx_wait { NP_MBX_QUEUED, NP_MBX_TRY, NP_MBX_BLOCK };

static ssize_t np_mbx_read(int mbxid, void *buf, size_t size, enum np_mbx_wait block)
{
    unsigned spins = 0;
    if (buf == NULL && size > 0)
        return -EINVAL;
    int touched = np_touch(buf, size);
    if (touched < 0)
        return touched;
    np_enter();
    ssize_t ret;
    for (;;) {
        struct np_mailbox *m = np_mbx_get(mbxid, 1);
        if (m == NULL) {
            ret = -EBADF;
            break;
        }
        ret = np_mbx_take(m, buf, size);
        if (ret != -EAGAIN)
            break;
        /* Nothing queued: a message of ours at the ring's head goes straight
         * into buf, without a FIFO node, a second copy or a progress call.
         * Bounded, so that a ring never empty still lets progress run. */
        if (np_mbx_direct < NP_MBX_DIRECT_MAX && (ret = np_shm_take(m->port, buf, size)) >= 0) {
            np_mbx_direct++;
            break;
        }
        if (block == NP_MBX_QUEUED)
            break; /* -EAGAIN: nothing without a progress call */
        np_mbx_direct = 0;
        if (block == NP_MBX_TRY) {
            if (np_progress_light() > 0)
                ret = np_mbx_take(m, buf, size);
            break;
        }
        np_wait_step(&spins);
    }
    np_leave();
    return ret;
}

ssize_t kmailbox_read(int mbxid, void *buf, size_t size)
{
    return np_mbx_read(mbxid, buf, size, NP_MBX_BLOCK);
}

ssize_t kmailbox_tryread(int mbxid, void *buf, size_t size)
{
    return np_mbx_read(mbxid, buf, size, NP_MBX_TRY);
}

ssize_t kmailbox_tryread_queued(int mbxid, void *buf, size_t size)
{
    return np_mbx_read(mbxid, buf, size, NP_MBX_QUEUED);
}

/* With np_lock held: writes into the destination's ring, progressing this
 * cluster while the ring is full. Returns 0, or -EHOSTDOWN when the
 * destination died (np_lost.c): nobody will ever empty its ring. */
static int np_mbx_write_ring(struct np_mailbox *m, const void *head, size_t hlen, const void *body,
                             size_t blen)
{
    unsigned spins = 0;
    while (np_shm_write2(m->cluster, m->port, head, hlen, body, blen) == -EAGAIN) {
        if (knode_is_lost(m->cluster))
            return -EHOSTDOWN;
        np_wait_step(&spins);
    }
    return 0;
}

/* The fabric's copy of a two-piece message (np_lock held). */
static char np_mbx_joined[KMAILBOX_MESSAGE_SIZE];

ssize_t kmailbox_write2(int mbxid, const void *head, size_t hlen, const void *body, size_t blen)
{
    size_t size = hlen + blen;
    if (size > KMAILBOX_MESSAGE_SIZE || (head == NULL && hlen > 0) || (body == NULL && blen > 0))
        return -EINVAL;
    int touched = np_touch(head, hlen);
    if (touched == 0)
        touched = np_touch(body, blen);
    if (touched < 0)
        return touched;
    np_enter();
    ssize_t ret = -EBADF;
    struct np_mailbox *m = np_mbx_get(mbxid, 0);
    if (m != NULL && np_shm_reaches(m->cluster)) {
        ret = np_mbx_write_ring(m, head, hlen, body, blen);
    } else if (m != NULL) {
        const void *buf = head;
        if (blen > 0) { /* the fabric sends one buffer */
            memcpy(np_mbx_joined, head, hlen);
            memcpy(np_mbx_joined + hlen, body, blen);
            buf = np_mbx_joined;
        }
        ret = np_fabric_send_now(buf, size, m->cluster, m->tag);
    }
    if (ret == 0)
        ret = (ssize_t)size;
    np_leave();
    return ret;
}

ssize_t kmailbox_write(int mbxid, const void *buf, size_t size)
{
    return kmailbox_write2(mbxid, buf, size, NULL, 0);
}

/* Re-posts the slots a full provider queue left idle. */
void np_mailbox_retry(void)
{
    for (int id = 0; id < np_mbx_table.nslots; id++) {
        struct np_mailbox *m = np_mbx_table.slots[id];
        if (m != NULL && m->input)
            for (int l = 0; l < m->nlanes; l++)
                np_mbx_collect(m, l);
    }
}

int kmailbox_close(int mbxid)
{
    np_enter();
    struct np_mailbox *m = np_mbx_get(mbxid, 0);
    if (m != NULL) {
        np_table_remove(&np_mbx_table, mbxid);
        free(m);
    }
    np_leave();
    return m != NULL ? 0 : -EBADF;
}

int kmailbox_unlink(int mbxid)
{
    np_enter();
    struct np_mailbox *m = np_mbx_get(mbxid, 1);
    if (m != NULL) {
        np_table_remove(&np_mbx_table, mbxid);
        np_mbx_port[m->port] = NULL;
        int cancelled = np_mbx_cancel(m);
        if (!cancelled)
            np_error("mailbox: port %d: provider kept receive slots; leaking them", m->port);
        np_mbx_free(m, cancelled);
    }
    np_leave();
    return m != NULL ? 0 : -EBADF;
}

/* Frees every mailbox and queued message once the endpoint is closed. */
void np_mailbox_teardown(void)
{
    for (int id = 0; id < np_mbx_table.nslots; id++) {
        struct np_mailbox *m = np_mbx_table.slots[id];
        if (m != NULL)
            np_mbx_free(m, 1);
    }
    free(np_mbx_table.slots);
    np_mbx_table = (struct np_table){0};
    memset(np_mbx_port, 0, sizeof(np_mbx_port));
    for (int port = 0; port < KMAILBOX_PORT_MAX; port++)
        np_fifo_free(&np_mbx_orphan[port]);
    for (int large = 0; large < 3; large++) {
        while (np_msg_free[large] != NULL) {
            struct np_mbx_msg *msg = np_msg_free[large];
            np_msg_free[large] = msg->next;
            free(msg);
        }
    }
}
