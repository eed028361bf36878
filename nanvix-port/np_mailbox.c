/* np_mailbox.c: kmailbox, N:1 small messages to (cluster, port).
 *
 * A message is one tagged send with tag (mailbox, token, port). An input
 * mailbox pre-posts a ring of NP_MBX_POOL receive slots of
 * KMAILBOX_MESSAGE_SIZE bytes, all on the same tag. Receives with one tag are
 * matched in the order they were posted and messages of one sender arrive in
 * order (FI_ORDER_SAS), so the ring order is the delivery order: a read takes
 * the slot at the head once it is full, copies it out and re-posts it, which
 * makes it the newest slot again. Completions may be reported out of order
 * (a slot behind the head can fill first); the head still waits its turn.
 * Messages sent before the mailbox exists wait in the provider's unexpected
 * queue until slots are posted. Writes inject when the payload fits the
 * provider's inject size, else they send and progress until the send
 * completes; -FI_EAGAIN is answered by progressing and retrying.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "np_internal.h"

#define NP_MBX_POOL 32

enum np_slot_state { NP_SLOT_IDLE, NP_SLOT_POSTED, NP_SLOT_FULL };

struct np_mbx_slot {
    struct np_op op; /* first: the completion finds its slot */
    int state;
    int err;     /* 0, or -EIO when the receive failed */
    size_t len;  /* bytes received when FULL */
    char data[KMAILBOX_MESSAGE_SIZE] __attribute__((aligned(64)));
};

struct np_mailbox {
    int input;    /* 1: created here; 0: opened towards a remote */
    int cluster;  /* remote cluster (output), this cluster (input) */
    int port;
    uint64_t tag;
    struct np_mbx_slot *slots; /* input: the ring */
    unsigned head;             /* input: index of the next message */
};


static struct np_table np_mbx_table;
static struct np_mailbox *np_mbx_port[KMAILBOX_PORT_MAX];

static inline uint64_t np_mbx_tag(int port)
{
    return np_tag_head(NP_KIND_MAILBOX, np_node.token) | (uint64_t)port;
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
    slot->err = err ? -EIO : 0;
}

/* Posts slot, progressing while the provider's queue is full. Returns 0 or
 * a negative errno value. */
static int np_slot_post(struct np_mbx_slot *slot, uint64_t tag)
{
    unsigned spins = 0;
    slot->state = NP_SLOT_POSTED;
    for (;;) {
        int ret = np_fabric_recv(&slot->op, slot->data, sizeof(slot->data), tag);
        if (ret != -EAGAIN) {
            if (ret != 0)
                slot->state = NP_SLOT_IDLE;
            return ret;
        }
        np_wait_step(&spins);
    }
}

/* Cancels the posted slots of m and waits (bounded) for the cancellations.
 * Returns 1 when no slot is posted any more, 0 if the provider kept some. */
static int np_mbx_cancel(struct np_mailbox *m)
{
    unsigned spins = 0;
    double t0 = knode_wtime();
    for (int i = 0; i < NP_MBX_POOL; i++)
        if (m->slots[i].state == NP_SLOT_POSTED)
            np_fabric_cancel(&m->slots[i].op);
    for (;;) {
        int posted = 0;
        for (int i = 0; i < NP_MBX_POOL; i++)
            posted += m->slots[i].state == NP_SLOT_POSTED;
        if (posted == 0)
            return 1;
        if (knode_wtime() - t0 > 2.0)
            return 0;
        np_wait_step(&spins);
    }
}

static int np_mbx_create_locked(int local, int port)
{
    if (!np_node.ready || local != np_node.num || port < 0 || port >= KMAILBOX_PORT_MAX)
        return -EINVAL;
    if (np_mbx_port[port] != NULL)
        return -EBUSY;
    struct np_mailbox *m = calloc(1, sizeof(*m));
    struct np_mbx_slot *slots = aligned_alloc(64, NP_MBX_POOL * sizeof(*slots));
    if (m == NULL || slots == NULL)
        goto nomem;
    *m = (struct np_mailbox){.input = 1, .cluster = local, .port = port, .slots = slots};
    m->tag = np_mbx_tag(port);
    int id = np_table_add(&np_mbx_table, m);
    if (id < 0)
        goto nomem;
    np_mbx_port[port] = m;
    for (int i = 0; i < NP_MBX_POOL; i++) {
        slots[i].op.done = np_slot_done;
        slots[i].state = NP_SLOT_IDLE;
    }
    for (int i = 0; i < NP_MBX_POOL; i++) {
        if (np_slot_post(&slots[i], m->tag) != 0) {
            np_error("mailbox: cannot post receive slots for port %d", port);
            if (np_mbx_cancel(m))
                free(slots);
            np_table_remove(&np_mbx_table, id);
            np_mbx_port[port] = NULL;
            free(m);
            return -EIO;
        }
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

/* Takes the head message of m into buf[size] if there is one. Returns its
 * length, -EAGAIN if none is there yet, -EMSGSIZE, or -EIO. */
static ssize_t np_mbx_take(struct np_mailbox *m, void *buf, size_t size)
{
    struct np_mbx_slot *slot = &m->slots[m->head % NP_MBX_POOL];
    if (slot->state != NP_SLOT_FULL)
        return -EAGAIN;
    if (slot->err == 0 && slot->len > size)
        return -EMSGSIZE;
    ssize_t ret = slot->err ? slot->err : (ssize_t)slot->len;
    if (ret > 0)
        memcpy(buf, slot->data, slot->len);
    m->head++;
    if (np_slot_post(slot, m->tag) != 0)
        np_error("mailbox: cannot re-post a receive slot on port %d", m->port);
    return ret;
}

static ssize_t np_mbx_read(int mbxid, void *buf, size_t size, int block)
{
    unsigned spins = 0;
    if (buf == NULL && size > 0)
        return -EINVAL;
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
        if (!block) {
            if (np_fabric_progress() > 0)
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
    return np_mbx_read(mbxid, buf, size, 1);
}

ssize_t kmailbox_tryread(int mbxid, void *buf, size_t size)
{
    return np_mbx_read(mbxid, buf, size, 0);
}

ssize_t kmailbox_write(int mbxid, const void *buf, size_t size)
{
    if (size > KMAILBOX_MESSAGE_SIZE || (buf == NULL && size > 0))
        return -EINVAL;
    np_enter();
    ssize_t ret = -EBADF;
    struct np_mailbox *m = np_mbx_get(mbxid, 0);
    if (m != NULL) {
        ret = np_fabric_send_now(buf, size, m->cluster, m->tag);
        if (ret == 0)
            ret = (ssize_t)size;
    }
    np_leave();
    return ret;
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
        if (np_mbx_cancel(m))
            free(m->slots);
        else
            np_error("mailbox: port %d: provider kept receive slots; leaking them", m->port);
        free(m);
    }
    np_leave();
    return m != NULL ? 0 : -EBADF;
}

/* Frees every mailbox once the endpoint is closed. */
void np_mailbox_teardown(void)
{
    for (int id = 0; id < np_mbx_table.nslots; id++) {
        struct np_mailbox *m = np_mbx_table.slots[id];
        if (m != NULL) {
            free(m->slots);
            free(m);
        }
    }
    free(np_mbx_table.slots);
    np_mbx_table = (struct np_table){0};
    memset(np_mbx_port, 0, sizeof(np_mbx_port));
}
