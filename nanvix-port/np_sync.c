/* np_sync.c: ksync, barrier-like signals among a list of clusters.
 *
 * A sync is named by a 64-bit key, the FNV-1a hash of (type, nodes[]), so
 * the creating and the opening sides agree without talking. A signal is one
 * small control message (struct np_sync_msg) on the reserved tag kind
 * NP_KIND_SYNC, which no user mailbox or portal can produce. Each cluster
 * pre-posts NP_SYNC_POOL receives for it at setup on each fabric endpoint; a received signal bumps
 * the counter of (key, source) and the slot is re-posted at once, so signals
 * that arrive before ksync_create() are kept. A wait consumes one signal from
 * the master (ONE_TO_ALL) or one from every other node (ALL_TO_ONE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/fi_errno.h>

#include "np_internal.h"

#define NP_SYNC_POOL    16
#define NP_SYNC_BUCKETS 256
#define NP_SYNC_VERSION 1

/* Wire format of a signal (version 1), 24 bytes. */
struct np_sync_msg {
    uint32_t version; /* NP_SYNC_VERSION */
    uint32_t source;  /* signalling cluster */
    uint64_t token;   /* knode_job_token() of the sender */
    uint64_t key;     /* sync key */
};

struct np_sync_slot {
    struct np_op op; /* first */
    int lane;        /* the endpoint it is posted on */
    int posted;
    struct np_sync_msg msg;
};

struct np_sync_count {
    uint64_t key;
    int source;
    int count;
    struct np_sync_count *next;
};

struct np_sync {
    int recv_side; /* 1: ksync_create (waits); 0: ksync_open (signals) */
    int type;
    int nnodes;
    uint64_t key;
    int nodes[];
};

static struct np_sync_slot *np_sync_slots; /* NP_SYNC_POOL a lane */
static int np_sync_nslots;
static struct np_sync_count *np_sync_buckets[NP_SYNC_BUCKETS];
static struct np_table np_sync_table;

static uint64_t np_sync_tag(void)
{
    return np_tag_head(NP_KIND_SYNC, np_node.token);
}

static struct np_sync_count *np_sync_counter(uint64_t key, int source, int create)
{
    unsigned b = (unsigned)((key ^ (uint64_t)source * 0x9e3779b97f4a7c15ULL) >> 56);
    struct np_sync_count *c = np_sync_buckets[b % NP_SYNC_BUCKETS];
    for (; c != NULL; c = c->next)
        if (c->key == key && c->source == source)
            return c;
    if (!create || (c = calloc(1, sizeof(*c))) == NULL)
        return NULL;
    c->key = key;
    c->source = source;
    c->next = np_sync_buckets[b % NP_SYNC_BUCKETS];
    np_sync_buckets[b % NP_SYNC_BUCKETS] = c;
    return c;
}

static void np_sync_repost(struct np_sync_slot *s)
{
    int ret = np_fabric_recv(s->lane, &s->op, &s->msg, sizeof(s->msg), np_sync_tag());
    if (ret == 0)
        s->posted = 1;
    else if (ret == -EAGAIN)
        np_retry_needed = 1;
}

static void np_sync_slot_done(struct np_op *op, int err, size_t len)
{
    struct np_sync_slot *s = (struct np_sync_slot *)op;
    s->posted = 0;
    if (err == FI_ECANCELED)
        return;
    if (err == 0 && len == sizeof(s->msg) && s->msg.version == NP_SYNC_VERSION &&
        s->msg.token == np_node.token && np_cluster_ok((int)s->msg.source)) {
        struct np_sync_count *c = np_sync_counter(s->msg.key, (int)s->msg.source, 1);
        if (c != NULL)
            c->count++;
    }
    np_sync_repost(s); /* if the queue is full, np_sync_retry() does it */
}

/* Re-posts slots a full provider queue left idle. */
void np_sync_retry(void)
{
    if (np_sync_slots == NULL)
        return;
    for (int i = 0; i < np_sync_nslots; i++)
        if (!np_sync_slots[i].posted)
            np_sync_repost(&np_sync_slots[i]);
}

/* Posts the signal receive pool (called by knode_setup). Returns 0 or -EIO. */
int np_sync_setup(void)
{
    np_sync_nslots = NP_SYNC_POOL * np_fab_count;
    np_sync_slots = calloc((size_t)np_sync_nslots, sizeof(*np_sync_slots));
    if (np_sync_slots == NULL)
        return -ENOMEM;
    for (int i = 0; i < np_sync_nslots; i++) {
        np_sync_slots[i].op.done = np_sync_slot_done;
        np_sync_slots[i].lane = i / NP_SYNC_POOL;
        np_sync_repost(&np_sync_slots[i]);
        if (!np_sync_slots[i].posted) {
            np_error("sync: cannot post the signal receives");
            return -EIO;
        }
    }
    return 0;
}

/* Frees the sync state once the endpoint is closed. */
void np_sync_teardown(void)
{
    free(np_sync_slots);
    np_sync_slots = NULL;
    np_sync_nslots = 0;
    for (int b = 0; b < NP_SYNC_BUCKETS; b++) {
        while (np_sync_buckets[b] != NULL) {
            struct np_sync_count *c = np_sync_buckets[b];
            np_sync_buckets[b] = c->next;
            free(c);
        }
    }
    for (int id = 0; id < np_sync_table.nslots; id++)
        free(np_sync_table.slots[id]);
    free(np_sync_table.slots);
    np_sync_table = (struct np_table){0};
}

/* Returns the position of this cluster in nodes[], -1 if absent, or -2 when
 * the list is invalid (bad number, duplicate). */
static int np_sync_check_nodes(const int *nodes, int nnodes)
{
    static unsigned char seen[KNODE_MAX];
    int me = -1, bad = 0;
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < nnodes && !bad; i++) {
        bad = !np_cluster_ok(nodes[i]) || seen[nodes[i]]++;
        if (nodes[i] == np_node.num)
            me = i;
    }
    return bad ? -2 : me;
}

static uint64_t np_sync_key(const int *nodes, int nnodes, int type)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    int words[2] = {type, nnodes};
    const unsigned char *p = (const unsigned char *)words;
    for (size_t i = 0; i < sizeof(words); i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    p = (const unsigned char *)nodes;
    for (size_t i = 0; i < (size_t)nnodes * sizeof(int); i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static int np_sync_new(const int *nodes, int nnodes, int type, int recv_side)
{
    if (!np_node.ready || nodes == NULL || nnodes < 2 || nnodes > np_node.count ||
        (type != KSYNC_ONE_TO_ALL && type != KSYNC_ALL_TO_ONE))
        return -EINVAL;
    int pos = np_sync_check_nodes(nodes, nnodes);
    int master = pos == 0;
    /* Receivers: the others for ONE_TO_ALL, the master for ALL_TO_ONE. */
    if (pos < 0 || recv_side != (type == KSYNC_ONE_TO_ALL ? !master : master))
        return -EINVAL;
    struct np_sync *s = malloc(sizeof(*s) + (size_t)nnodes * sizeof(int));
    if (s == NULL)
        return -ENOMEM;
    s->recv_side = recv_side;
    s->type = type;
    s->nnodes = nnodes;
    s->key = np_sync_key(nodes, nnodes, type);
    memcpy(s->nodes, nodes, (size_t)nnodes * sizeof(int));
    int id = np_table_add(&np_sync_table, s);
    if (id < 0)
        free(s);
    return id;
}

int ksync_create(const int *nodes, int nnodes, int type)
{
    np_enter();
    int ret = np_sync_new(nodes, nnodes, type, 1);
    np_leave();
    return ret;
}

int ksync_open(const int *nodes, int nnodes, int type)
{
    np_enter();
    int ret = np_sync_new(nodes, nnodes, type, 0);
    np_leave();
    return ret;
}

static struct np_sync *np_sync_get(int id, int recv_side)
{
    struct np_sync *s = np_table_get(&np_sync_table, id);
    return (s != NULL && s->recv_side == recv_side) ? s : NULL;
}

/* Consumes the signals s waits for if all are there. Returns 1 if it did. */
static int np_sync_consume(const struct np_sync *s)
{
    int first = s->type == KSYNC_ONE_TO_ALL ? 0 : 1;
    int last = s->type == KSYNC_ONE_TO_ALL ? 0 : s->nnodes - 1;
    for (int i = first; i <= last; i++) {
        struct np_sync_count *c = np_sync_counter(s->key, s->nodes[i], 0);
        if (c == NULL || c->count == 0)
            return 0;
    }
    for (int i = first; i <= last; i++)
        np_sync_counter(s->key, s->nodes[i], 0)->count--;
    return 1;
}

int ksync_wait(int syncid)
{
    unsigned spins = 0;
    int ret;
    np_enter();
    for (;;) {
        struct np_sync *s = np_sync_get(syncid, 1);
        if (s == NULL) {
            ret = -EBADF;
            break;
        }
        if (np_sync_consume(s)) {
            ret = 0;
            break;
        }
        np_wait_step(&spins);
    }
    np_leave();
    return ret;
}

int ksync_signal(int syncid)
{
    int ret = -EBADF;
    np_enter();
    struct np_sync *s = np_sync_get(syncid, 0);
    if (s != NULL) {
        struct np_sync_msg msg = {NP_SYNC_VERSION, (uint32_t)np_node.num, np_node.token, s->key};
        int ntargets = s->type == KSYNC_ONE_TO_ALL ? s->nnodes - 1 : 1;
        const int *targets = s->type == KSYNC_ONE_TO_ALL ? s->nodes + 1 : s->nodes;
        ret = 0;
        for (int i = 0; i < ntargets && ret == 0; i++)
            ret = np_fabric_send_now(&msg, sizeof(msg), targets[i], np_sync_tag());
    }
    np_leave();
    return ret;
}

static int np_sync_remove(int syncid, int recv_side)
{
    np_enter();
    struct np_sync *s = np_sync_get(syncid, recv_side);
    if (s != NULL) {
        np_table_remove(&np_sync_table, syncid);
        free(s);
    }
    np_leave();
    return s != NULL ? 0 : -EBADF;
}

int ksync_close(int syncid)
{
    return np_sync_remove(syncid, 0);
}

int ksync_unlink(int syncid)
{
    return np_sync_remove(syncid, 1);
}
