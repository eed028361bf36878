/* rmig_place.c: placement queries: which rank every cluster runs, on which host.
 *
 * A PLACEMENT from outside the job (rmig_xreq.h) comes in at a cluster
 * whose request socket is on the requester's host: the entry. Only each
 * cluster knows first hand whether it runs a rank now (routes may lag a
 * move), and clusters on other hosts have no socket there, so the entry
 * asks every other cluster over the job's own control channel (WHERE,
 * rmig_wire.h: only clusters of this job are heard on it) and gathers the
 * HERE answers without waiting for them: the query is per-cluster state,
 * answers are taken as control traffic is read (by the rank inside MPI,
 * or the idle loop), and rmig_place_poll() ends the query at its deadline.
 * Then the entry sends the requester one TABLE datagram: a cluster that
 * did not answer in time is listed NOANSWER, one whose process is gone
 * LOST; host numbers and names come from the bootstrap's host table
 * (knode_host_of, knode_host_name), which every cluster has. One query at
 * a time per entry: another one meanwhile is answered -EBUSY at once.
 *
 * The table is a snapshot, not a consensus: a rank in the middle of a move
 * may show on its source and its destination (or, between the two answers,
 * on neither); the requester asks again once its moves are over.
 */
#include <errno.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_xreq.h"
#include "ua.h"

#define RMIG_PLACE_WAITING 0 /* asked, no answer yet */

_Static_assert(KNODE_MAX <= RMIG_XREQ_CLUSTERS_MAX, "a TABLE cannot list every cluster");

/* The query being gathered here; runtime state, never in a container. */
static struct {
    uint64_t requester; /* RMIG_REQUESTER(this cluster, id), 0: no query */
    uint32_t nonce;
    double deadline;
    int missing; /* clusters asked that have not answered */
    struct rmig_xreq_place place[KNODE_MAX];
} rmig_place_q;

/* The TABLE is built here: it may be too large for a rank's stack. */
static unsigned char rmig_place_buf[RMIG_XREQ_TABLE_MAX];

static int rmig_place_add(void *addr, size_t len, void *arg)
{
    (void)addr;
    *(uint64_t *)arg += len;
    return 0;
}

/* What this cluster runs now: a rank (*rank set, and in *bytes what a move
 * of it would send now: its touched ranges, the whole stack when it is not
 * suspended), or nothing, free or reserved for an arriving container. */
static int rmig_place_self(int *rank, uint64_t *bytes)
{
    *rank = -1;
    *bytes = 0;
    if (ua_container_present()) {
        *rank = ua_get_rank();
        if (ua_touched_ranges(rmig_place_add, bytes) < 0 || *bytes > RMIG_WIRE_BYTES_MAX)
            *bytes = 0; /* not said */
        return RMIG_PLACE_RANK;
    }
    return rmig_cluster.reserved_for >= 0 ? RMIG_PLACE_BUSY : RMIG_PLACE_IDLE;
}

/* KiB, rounded up, of a size a HERE reported (at most RMIG_WIRE_BYTES_MAX). */
static uint32_t rmig_place_kib(uint64_t bytes)
{
    return (uint32_t)((bytes + 1023) / 1024);
}

/* A TABLE head with only a status (-EBUSY, -E2BIG). */
static void rmig_place_refuse(uint32_t id, uint32_t nonce, int status)
{
    struct rmig_xreq_table_head t;

    memset(&t, 0, sizeof(t));
    rmig_xreq_fill(&t.m, RMIG_XREQ_TABLE, id, nonce, 0, knode_get_num());
    t.m.status = status;
    kjob_request_reply(id, &t, sizeof(t));
}

/* Copies cluster c's host name as a TABLE carries it: printable, no blank,
 * NUL-padded; "?" when it is unknown. */
static void rmig_place_name(int c, char *out)
{
    char name[RMIG_XREQ_NAME_MAX];
    size_t i;

    memset(out, 0, RMIG_XREQ_NAME_MAX);
    if (knode_host_name(c, name, sizeof(name)) < 0 || name[0] == '\0')
        strcpy(name, "?");
    for (i = 0; name[i] != '\0'; i++)
        out[i] = name[i] > ' ' && name[i] <= '~' ? name[i] : '_';
}

/* Hosts of every cluster into the table's places; writes the names after
 * them. Returns the number of hosts, or -E2BIG. */
static int rmig_place_hosts(int n, char *names)
{
    int c, nhosts = 0;

    for (c = 0; c < n; c++) {
        int h = knode_host_of(c);

        if (h < 0)
            h = 0; /* unknown: counted with the first host */
        if (h >= RMIG_XREQ_HOSTS_MAX)
            return -E2BIG;
        rmig_place_q.place[c].host = (int16_t)h;
        for (; nhosts <= h; nhosts++) /* hosts are numbered by first cluster: no gap */
            rmig_place_name(nhosts == h ? c : -1, names + (size_t)nhosts * RMIG_XREQ_NAME_MAX);
    }
    return nhosts;
}

/* Sends the TABLE to the requester and forgets the query. */
static void rmig_place_finish(void)
{
    struct rmig_xreq_table_head t;
    uint32_t id = RMIG_REQUESTER_ID(rmig_place_q.requester);
    int n = knode_count(), c, nhosts;
    size_t places = (size_t)n * sizeof(struct rmig_xreq_place);

    rmig_place_q.requester = 0;
    nhosts = rmig_place_hosts(n, (char *)rmig_place_buf + sizeof(t) + places);
    if (nhosts < 0) {
        rmig_place_refuse(id, rmig_place_q.nonce, nhosts);
        return;
    }
    for (c = 0; c < n; c++)
        if (rmig_place_q.place[c].state == RMIG_PLACE_WAITING)
            rmig_place_q.place[c].state = RMIG_PLACE_NOANSWER;
    memset(&t, 0, sizeof(t));
    rmig_xreq_fill(&t.m, RMIG_XREQ_TABLE, id, rmig_place_q.nonce, 0, knode_get_num());
    t.nclusters = n;
    t.nhosts = nhosts;
    memcpy(rmig_place_buf, &t, sizeof(t));
    memcpy(rmig_place_buf + sizeof(t), rmig_place_q.place, places);
    kjob_request_reply(id, rmig_place_buf,
                       sizeof(t) + places + (size_t)nhosts * RMIG_XREQ_NAME_MAX);
}

/* Asks cluster c what it runs. Returns 0 once asked, else < 0. */
static int rmig_place_ask(int c)
{
    struct rmig_wire_hdr h;

    memset(&h, 0, sizeof(h));
    h.type = RMIG_MSG_WHERE;
    h.rank = -1;
    h.a = rmig_place_q.requester;
    h.b = rmig_place_q.nonce;
    return rmig_control_write(c, &h);
}

void rmig_place_start(const struct rmig_xreq *rq)
{
    int self = knode_get_num(), n = knode_count(), c, rank;
    uint64_t bytes;

    if (rmig_place_q.requester != 0) {
        rmig_place_refuse(rq->requester, rq->nonce, -EBUSY);
        return;
    }
    rmig_place_q.requester = RMIG_REQUESTER(self, rq->requester);
    rmig_place_q.nonce = rq->nonce;
    rmig_place_q.deadline = knode_wtime() + rq->wait_ms / 1e3;
    rmig_place_q.missing = 0;
    for (c = 0; c < n; c++) {
        struct rmig_xreq_place *p = &rmig_place_q.place[c];

        p->rank = -1;
        p->kib = 0;
        p->state = RMIG_PLACE_NOANSWER;
        if (c == self) {
            p->state = (int16_t)rmig_place_self(&rank, &bytes);
            p->rank = rank;
            p->kib = rmig_place_kib(bytes);
        } else if (knode_is_lost(c)) {
            p->state = RMIG_PLACE_LOST;
        } else if (rmig_place_ask(c) == 0) {
            p->state = RMIG_PLACE_WAITING;
            rmig_place_q.missing++;
        }
    }
    if (rmig_place_q.missing == 0)
        rmig_place_finish();
}

void rmig_place_where(const struct rmig_wire_hdr *h)
{
    struct rmig_wire_hdr r;
    int to = h->rank >= 0 ? rmig_tomb_of(h->rank) : -1;

    /* A question about a rank this cluster left: sent on where it went. */
    if (to >= 0 && to != knode_get_num() && h->hops < knode_count() &&
        !(ua_container_present() && ua_get_rank() == h->rank)) {
        r = *h;
        r.hops = h->hops + 1;
        if (rmig_control_write(to, &r) == 0)
            return;
    }
    memset(&r, 0, sizeof(r));
    r.type = RMIG_MSG_HERE;
    r.arg = rmig_place_self(&r.rank, &r.c);
    r.a = h->a;
    r.b = h->b;
    /* to the requester's entry: a forwarded question comes from elsewhere */
    rmig_control_write(RMIG_REQUESTER_ENTRY(h->a), &r); /* an entry gone: nothing to do */
}

void rmig_place_here(const struct rmig_wire_hdr *h)
{
    struct rmig_xreq_place *p;
    int c = h->src_cluster;

    if (rmig_place_q.requester == 0 || h->a != rmig_place_q.requester ||
        h->b != rmig_place_q.nonce || !knode_is_valid(c))
        return; /* late: answers a query that is over */
    p = &rmig_place_q.place[c];
    if (p->state != RMIG_PLACE_WAITING || h->rank >= rmig_cluster.nranks)
        return; /* a second answer, or a rank this job does not have */
    p->state = (int16_t)h->arg;
    p->rank = h->rank;
    p->kib = h->arg == RMIG_PLACE_RANK ? rmig_place_kib(h->c) : 0;
    if (--rmig_place_q.missing == 0)
        rmig_place_finish();
}

void rmig_place_poll(void)
{
    if (rmig_place_q.requester != 0 && knode_wtime() >= rmig_place_q.deadline)
        rmig_place_finish();
}
