/* rmig_external.c: the daemon's side of requests from outside the job.
 *
 * The mpimigrate command writes a MOVE (rmig_xreq.h) to the request socket
 * of a cluster (nanvix-port's kjob_request_*). Whoever runs the cluster's
 * poll path reads it: the rank inside MPI (rmig_poll) or the idle loop of a
 * cluster without a rank (rmig_spare_loop). The bytes are checked strictly,
 * the requester is told the request was taken (QUEUED), and the request
 * becomes an ordinary third-party ASK delivered from this cluster
 * (rmig_ask.c): the rank, here or where the tombstones lead, moves at its
 * next safe point and answers the requester itself - through this cluster,
 * the entry, when it runs elsewhere (a RESULT control message, relayed to
 * the socket here), since the requester's socket is on this cluster's host
 * and the rank may now be on another. A PLACEMENT goes to rmig_place.c, a
 * CHECKPOINT to rmig_ckpt_ask.c.
 * A MOVE_VIA is a MOVE whose ASK carries the directory of a move through
 * a checkpoint file (rmig_stream_file.c). The socket read costs a
 * syscall at most once per millisecond; in between it is a clock read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_xreq.h"

_Static_assert(RMIG_XREQ_MODE_STOP == RMIG_MODE_STOP &&
                   RMIG_XREQ_MODE_PRECOPY == RMIG_MODE_PRECOPY &&
                   RMIG_XREQ_MODE_POSTCOPY == RMIG_MODE_POSTCOPY &&
                   RMIG_XREQ_MODE_AUTO == RMIG_MODE_AUTO && RMIG_XREQ_MODE_JOB == RMIG_MODE_DEFAULT,
               "a MOVE's mode is rank-migrate's");

/* Writes the RESULT to the requester's socket, which is on this host. */
static void rmig_xreq_reply(uint32_t id, uint32_t nonce, int rank, int cluster, int from,
                            int status, uint64_t downtime_ns)
{
    struct rmig_xreq m;

    rmig_xreq_fill(&m, RMIG_XREQ_RESULT, id, nonce, rank, cluster);
    m.from = from;
    m.status = status;
    m.downtime_ns = downtime_ns;
    /* The requester may have given up and gone: nothing more to do then. */
    kjob_request_reply(id, &m, sizeof(m));
}

void rmig_xreq_result(uint64_t requester, uint32_t nonce, int rank, int cluster, int from,
                      int status, uint64_t downtime_ns)
{
    int entry = RMIG_REQUESTER_ENTRY(requester);
    struct rmig_wire_hdr h;

    if (entry < 0 || entry == knode_get_num()) {
        rmig_xreq_reply(RMIG_REQUESTER_ID(requester), nonce, rank, cluster, from, status,
                        downtime_ns);
        return;
    }
    /* The requester's socket is where its request entered, maybe on
     * another host: the answer goes back there through the job's own
     * control channel (only clusters of this job are heard on it). */
    memset(&h, 0, sizeof(h));
    h.type = RMIG_MSG_RESULT;
    h.rank = rank;
    h.arg = status;
    h.from = from;
    h.a = requester;
    h.b = nonce;
    h.c = downtime_ns;
    if (rmig_control_write(entry, &h) < 0)
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: the outcome of rank %d's move could not reach cluster %d, "
                 "where its request came in",
                 knode_get_num(), rank, entry);
}

void rmig_xreq_relay(const struct rmig_wire_hdr *h)
{
    if (RMIG_REQUESTER_ENTRY(h->a) != knode_get_num())
        return; /* not a request that came in here */
    rmig_xreq_reply(RMIG_REQUESTER_ID(h->a), (uint32_t)h->b, h->rank, h->src_cluster, h->from,
                    h->arg, h->c);
}

/* Sends QUEUED, then hands the request to the ASK machinery; dir: the
 * directory of a MOVE_VIA, "" for a MOVE. */
static void rmig_xreq_accept(const struct rmig_xreq *rq, const char *dir)
{
    struct rmig_xreq ack;
    struct rmig_wire_hdr h;

    rmig_xreq_fill(&ack, RMIG_XREQ_QUEUED, rq->requester, rq->nonce, rq->rank, knode_get_num());
    kjob_request_reply(rq->requester, &ack, sizeof(ack));
    memset(&h, 0, sizeof(h));
    h.type = RMIG_MSG_ASK;
    h.src_cluster = knode_get_num();
    h.rank = rq->rank;
    h.arg = rq->cluster == -1 ? RMIG_ANY_SPARE : rq->cluster;
    h.a = RMIG_REQUESTER(knode_get_num(), rq->requester);
    h.b = RMIG_ASK_B(rq->nonce, rq->mode);
    rmig_ask_deliver_via(&h, dir);
}

/* Rate limit of the warning below: any process of this user may write to
 * the request socket, as often as it likes. */
static struct base_log_limit rmig_log_malformed;

void rmig_xreq_poll(void)
{
    unsigned char buf[sizeof(struct rmig_xreq) + RMIG_XREQ_DIR_MAX + 8];
    char dir[RMIG_XREQ_DIR_MAX];
    struct rmig_xreq_ckpt ck;
    struct rmig_xreq rq;
    ssize_t n;
    int t;

    rmig_place_poll(); /* a placement gathered here whose time is up */
    n = kjob_request_tryread(buf, sizeof(buf));
    if (n == -EAGAIN)
        return;
    if (n == (ssize_t)sizeof(ck) &&
        rmig_xreq_ckpt_check(buf, (long)n, rmig_cluster.nranks, knode_count(), &ck) ==
            RMIG_XREQ_CHECKPOINT) {
        rmig_ckpt_ask_start(&ck);
        return;
    }
    if (n > (ssize_t)sizeof(rq)) /* else only a MOVE_VIA is longer */
        t = rmig_xreq_via_check(buf, (long)n, rmig_cluster.nranks, knode_count(), &rq, dir);
    else
        t = n < 0 ? -EPROTO
                  : rmig_xreq_check(buf, (long)n, rmig_cluster.nranks, knode_count(), &rq);
    if (t == RMIG_XREQ_MOVE || t == RMIG_XREQ_MOVE_VIA)
        rmig_xreq_accept(&rq, t == RMIG_XREQ_MOVE_VIA ? dir : "");
    else if (t == RMIG_XREQ_PLACEMENT)
        rmig_place_start(&rq);
    else
        base_log_limited(&rmig_log_malformed, BASE_LOG_WARN, "rmig",
                         "cluster %d: malformed request from outside the job "
                         "ignored",
                         knode_get_num());
}
