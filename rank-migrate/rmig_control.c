/* rmig_control.c: control messages of the migration daemon.
 *
 * Control messages travel through each cluster's control mailbox. The
 * handler answers what a cluster can answer on its own at any time: offers
 * (accept only when idle, not reserved and of the same layout), third-party
 * move requests (rmig_ask.c: noted for the rank's next safe point, or sent
 * on along the rank's tombstone), requests from outside the job that came
 * through the request socket (rmig_external.c), placement queries
 * (rmig_place.c: WHERE answered, HERE gathered) and stream begins
 * (receive the container). Replies that a move in progress waits for are
 * picked out by rmig_control_wait(), which handles everything else meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_postcopy_move.h"
#include "rmig_precopy_move.h"
#include "ua.h"

/* Sends len bytes of a stamped message to cluster's control mailbox. */
static int rmig_control_put(int cluster, const void *msg, size_t len)
{
    int mbx = kmailbox_open(cluster, RMIG_CONTROL_PORT), ret;

    if (mbx < 0)
        return mbx;
    ret = (int)kmailbox_write(mbx, msg, len);
    kmailbox_close(mbx);
    return ret < 0 ? ret : 0;
}

static void rmig_control_stamp(struct rmig_wire_hdr *h)
{
    h->magic = RMIG_WIRE_MAGIC;
    h->version = RMIG_WIRE_VERSION;
    h->job = knode_job_token();
    h->src_cluster = knode_get_num();
}

/* Stamps h as sent by this cluster of this job and sends it. */
int rmig_control_write(int cluster, struct rmig_wire_hdr *h)
{
    rmig_control_stamp(h);
    return rmig_control_put(cluster, h, sizeof(*h));
}

int rmig_control_write_path(int cluster, struct rmig_wire_hdr *h, const char *path)
{
    char msg[sizeof(*h) + RMIG_WIRE_PATH_MAX];
    size_t n = strlen(path);

    if (n == 0 || n >= RMIG_WIRE_PATH_MAX)
        return -ENAMETOOLONG;
    h->c = n;
    rmig_control_stamp(h);
    memcpy(msg, h, sizeof(*h));
    memcpy(msg + sizeof(*h), path, n + 1);
    return rmig_control_put(cluster, msg, sizeof(*h) + n + 1);
}

int rmig_control_write_len(int cluster, struct rmig_wire_hdr *h, size_t len)
{
    rmig_control_stamp(h);
    return rmig_control_put(cluster, h, len);
}

/* Builds and sends one control message; `stream` only for the stream's
 * own messages (BEGIN and its answers), zero otherwise. */
static int rmig_control_build(int cluster, int type, int rank, int arg, uint64_t a, uint64_t b,
                              int stream)
{
    struct rmig_wire_hdr hdr;

    memset(&hdr, 0, sizeof(hdr));
    hdr.type = (uint16_t)type;
    hdr.rank = rank;
    hdr.arg = arg;
    hdr.a = a;
    hdr.b = b;
    hdr.stream = stream;
    return rmig_control_write(cluster, &hdr);
}

int rmig_control_send(int cluster, int type, int rank, int arg, uint64_t a, uint64_t b)
{
    return rmig_control_build(cluster, type, rank, arg, a, b, 0);
}

int rmig_control_stream_reply(int cluster, int type, int rank, int arg, int stream)
{
    return rmig_control_build(cluster, type, rank, arg, 0, 0, stream);
}

int rmig_control_begin(int cluster, int rank, int ranges, uint64_t bytes, uint64_t table_sum,
                       int stream)
{
    return rmig_control_build(cluster, RMIG_MSG_BEGIN, rank, ranges, bytes, table_sum, stream);
}

/* A reservation whose BEGIN never came (the source gave up before our
 * ACCEPT reached it, failed before streaming, or this cluster was stopped
 * meanwhile) lapses after the move's timeout: the source has given up by
 * then, and the spare must not refuse every later offer. A late BEGIN of
 * that source is then ignored, and its move fails at the source. */
static void rmig_reservation_lapse(void)
{
    if (rmig_cluster.reserved_for >= 0 && knode_wtime() - rmig_cluster.reserved_at > rmig_timeout())
        rmig_cluster.reserved_for = -1;
}

/* An offer: accept only an idle, unreserved cluster with our layout. */
static void rmig_answer_offer(const struct rmig_wire_hdr *h)
{
    int reason = 0;

    rmig_reservation_lapse();
    /* Reads of a stream given up on that may still write into the container
     * region (a link that came back) would corrupt the next container. */
    if (rmig_postcopy_serving()) /* its rank left; its pages are still pulled */
        reason = -EAGAIN;        /* idle soon: ask again (rmig_move.c) */
    else if (ua_container_present() || rmig_cluster.reserved_for >= 0 || rmig_cluster.left)
        reason = -EBUSY;
    /* Reads given up on complete once their link is back (TCP retransmits
     * on its backoff, seconds): ask again meanwhile. A retry refused -EBUSY
     * at once failed a pre-copy move tried again 9 s after a cut link came
     * back (CI, tests/hosts/moves.sh a'). */
    else if (kportal_orphans() > 0)
        reason = -EAGAIN;
    else if (!ua_layout_migratable() || h->a != ua_layout_fingerprint())
        reason = -EXDEV;
    if (reason == 0) {
        rmig_cluster.reserved_for = h->src_cluster;
        rmig_cluster.reserved_at = knode_wtime();
    } else {
        base_log(BASE_LOG_DEBUG, "rmig",
                 "cluster %d refuses rank %d's offer (%d): container %d, reserved for %d, left %d, "
                 "orphan portals %d, serving post-copy %d",
                 knode_get_num(), h->rank, reason, ua_container_present(),
                 rmig_cluster.reserved_for, rmig_cluster.left, kportal_orphans(),
                 rmig_postcopy_serving());
    }
    rmig_control_send(h->src_cluster, reason ? RMIG_MSG_REFUSE : RMIG_MSG_ACCEPT, h->rank, reason,
                      0, h->b);
}

int rmig_control_handle(const struct rmig_wire_hdr *h)
{
    switch (h->type) {
    case RMIG_MSG_OFFER:
        rmig_answer_offer(h);
        return 0;
    case RMIG_MSG_FAIL:
        rmig_precopy_heard(h); /* a pre-copy's destination refused its rounds */
        return 0;
    case RMIG_MSG_DONE:
        rmig_postcopy_heard_done(h); /* a post-copy's destination has every page */
        return 0;
    case RMIG_MSG_BEGIN:
    case RMIG_MSG_BEGIN_FILE:
    case RMIG_MSG_PRECOPY:
    case RMIG_MSG_POSTCOPY:
        if (h->src_cluster != rmig_cluster.reserved_for)
            return 0; /* not the source we accepted: ignore */
        rmig_test_die_at("begin");
        return rmig_stream_of(h)->receive(h) ? 2 : 0;
    case RMIG_MSG_ASK:
        rmig_ask_deliver_via(h, rmig_control_path());
        return 0;
    case RMIG_MSG_RESULT:
        rmig_xreq_relay(h);
        return 0;
    case RMIG_MSG_WHERE:
        rmig_place_where(h);
        return 0;
    case RMIG_MSG_HERE:
        rmig_place_here(h);
        return 0;
    case RMIG_MSG_JOB_END:
        return ua_container_present() ? 0 : 1;
    case RMIG_MSG_PING:
        rmig_control_send(h->src_cluster, RMIG_MSG_PONG, h->rank, 0, 0, h->b);
        return 0;
    case RMIG_MSG_PONG:
        rmig_reach_pong(h);
        return 0;
    case RMIG_MSG_CKPT_ASK:
    case RMIG_MSG_CKPT_GO:
    case RMIG_MSG_CKPT_DONE:
        rmig_ckpt_ask_handle(h);
        return 0;
    default:
        return 0; /* a late reply to a move that gave up: nothing to do */
    }
}

/* The path the last message read carried (BEGIN_FILE, an ASK through a
 * checkpoint), or "": handled right after it is read, on this thread. */
static char rmig_control_last_path[RMIG_WIRE_PATH_MAX];

const char *rmig_control_path(void)
{
    return rmig_control_last_path;
}

int rmig_control_poll_once(struct rmig_wire_hdr *h)
{
    char msg[KMAILBOX_MESSAGE_SIZE];
    ssize_t n = kmailbox_tryread(rmig_cluster.control_mbx, msg, sizeof(msg));
    int t;

    if (n < 0)
        return (int)n;
    t = rmig_wire_check(msg, n, knode_job_token(), h);
    if (t > 0)
        snprintf(rmig_control_last_path, sizeof(rmig_control_last_path), "%s",
                 rmig_wire_path_of(msg, h));
    if (t == RMIG_MSG_CKPT_ASK || t == RMIG_MSG_CKPT_GO) /* the directory they carry */
        rmig_ckpt_ask_carry(msg + sizeof(*h));
    return t;
}

/* A reply of the peer of the move in progress that came before it was
 * waited for (TABLE_OK can overtake the completion of the table's portal
 * write while the source still only looks for FAIL). Kept for the next
 * check instead of being dropped; cleared when a new move starts. */
static struct rmig_wire_hdr rmig_early_reply;
static int rmig_early_valid;

static int rmig_is_reply(int t)
{
    return t == RMIG_MSG_ACCEPT || t == RMIG_MSG_REFUSE || t == RMIG_MSG_DONE ||
           t == RMIG_MSG_FAIL || t == RMIG_MSG_TABLE_OK || t == RMIG_MSG_COMMIT ||
           t == RMIG_MSG_ABORT;
}

void rmig_control_forget_replies(void)
{
    rmig_early_valid = 0;
}

int rmig_control_check(int from, int type1, int type2, struct rmig_wire_hdr *out)
{
    int t;

    if (rmig_early_valid && rmig_early_reply.src_cluster == from &&
        (rmig_early_reply.type == type1 || rmig_early_reply.type == type2)) {
        rmig_early_valid = 0;
        *out = rmig_early_reply;
        return out->type;
    }
    while ((t = rmig_control_poll_once(out)) > 0) {
        if (t == RMIG_MSG_FAIL)
            rmig_precopy_heard(out); /* the rounds of a pre-copy under way refused */
        if (t == RMIG_MSG_JOB_END)
            rmig_cluster.job_ending = 1; /* left once the move in progress ends */
        if ((t == RMIG_MSG_TABLE_OK || t == RMIG_MSG_DONE || t == RMIG_MSG_FAIL) &&
            out->stream != rmig_cluster.stream_now)
            continue; /* answers a stream this cluster gave up on */
        if ((t == RMIG_MSG_ACCEPT || t == RMIG_MSG_REFUSE) && out->b != rmig_cluster.offer_nonce)
            continue; /* answers an offer this cluster gave up on (its reservation lapses) */
        if (out->src_cluster == from && (t == type1 || t == type2))
            return t;
        if (out->src_cluster == from && rmig_is_reply(t)) {
            rmig_early_reply = *out;
            rmig_early_valid = 1;
            continue;
        }
        /* Someone else's request while we are busy moving: no container
         * can be accepted here now, so offers are refused; "again" when
         * this cluster's rank is frozen on its way out (idle soon, unless
         * the move fails). */
        if (t == RMIG_MSG_OFFER) {
            base_log(BASE_LOG_DEBUG, "rmig",
                     "cluster %d refuses rank %d's offer while it waits for cluster %d "
                     "(departing to %d)",
                     knode_get_num(), out->rank, from, rmig_cluster.departing_to);
            rmig_control_send(out->src_cluster, RMIG_MSG_REFUSE, out->rank,
                              rmig_cluster.departing_to >= 0 && ua_rank_suspended() ? -EAGAIN
                                                                                    : -EBUSY,
                              0, out->b);
        } else if (t == RMIG_MSG_ASK || t == RMIG_MSG_RESULT || t == RMIG_MSG_WHERE ||
                   t == RMIG_MSG_HERE || t == RMIG_MSG_PING || t == RMIG_MSG_PONG ||
                   t == RMIG_MSG_CKPT_ASK || t == RMIG_MSG_CKPT_GO || t == RMIG_MSG_CKPT_DONE)
            rmig_control_handle(out);
    }
    return 0;
}

int rmig_control_wait(int from, int type1, int type2, struct rmig_wire_hdr *out,
                      int (*progress)(void))
{
    double deadline = knode_wtime() + rmig_timeout();
    unsigned spins = 0;

    while (knode_wtime() < deadline) {
        int t = rmig_control_check(from, type1, type2, out);

        if (t > 0)
            return t;
        if (knode_is_lost(from))
            return -EHOSTDOWN; /* its process is gone: no answer will come */
        if (progress != NULL && progress() > 0)
            spins = 0;
        else
            knode_idle(&spins);
    }
    return -ETIMEDOUT;
}

int rmig_control_answer(void)
{
    struct rmig_wire_hdr h;
    int n = 0;

    while (rmig_control_poll_once(&h) > 0) {
        rmig_control_handle(&h);
        n++;
    }
    return n;
}

int rmig_poll(void)
{
    rmig_xreq_poll();
    rmig_control_answer();
    rmig_reach_tick();
    return rmig_ask_take();
}
