/* rmig_stream_precopy.c: the pre-copy stream, both ends, in kernel context.
 *
 * The source's end is only the stop round: the rounds were sent while the
 * rank ran (rmig_precopy_move.c). With the rank frozen, one more collect
 * gives what it wrote since the last round; with what the last round left
 * and the heap grown above the tracked extents (sent whole) it is the final
 * round (RMIG_ROUND_FINAL), sent through the move's link. Then the closing
 * block (rmig_precopy_wire.h): a checksum of each final run, taken frozen,
 * and the source's sum of every page of the extents as it sent it last.
 * DONE, COMMIT and ABORT are the portal stream's, and so is the rule that
 * the decision is the source's alone.
 *
 * The destination (a reserved spare) takes a PRECOPY from the source it
 * accepted: it reads the layout, then every round into place, summing each
 * page as it lands (rmig_precopy_landing.c), until the final round; then
 * the closing block. Only if every final run's checksum and every page's
 * sum match does it answer DONE: a page the source sent and then rewrote
 * without the destination getting the rewrite cannot pass. Anything wrong,
 * the source's ABORT, its loss or silence beyond the move's timeout, and
 * the copy is dropped (ua_release_container): nothing of it ever ran.
 * While it lands, offers from other clusters are refused and other control
 * traffic handled (rmig_control_check).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_precopy_landing.h"
#include "rmig_precopy_move.h"
#include "ua.h"

/* The link's wait, kernel context: the destination's FAIL ends it. */
static int rmig_pc_source_idle(void *arg)
{
    struct rmig_wire_hdr reply;

    (void)arg;
    if (rmig_control_check(rmig_pc.dest, RMIG_MSG_FAIL, RMIG_MSG_FAIL, &reply) > 0)
        rmig_pc.heard_fail = reply.arg < 0 ? reply.arg : -EIO;
    return rmig_pc.heard_fail ? -ECONNABORTED : 0;
}

/* The final round's runs: the last collect's leftovers, what was written
 * since (collected now, the rank frozen) and the heap grown above what the
 * tracker watched. Returns 0 or a negative errno (tracking broke). */
static int rmig_pc_final_set(struct rmig_pc_move *pc)
{
    struct ua_range u[RMIG_PC_EXTENTS_MAX];
    struct rmig_dirty_range now[RMIG_PC_EXTENTS_MAX];
    long pages = rmig_dirty_collect(pc->t, rmig_precopy_set_note, &pc->left);
    int n;

    if (pages < 0)
        return (int)pages;
    rmig_precopy_set_normalize(&pc->left);
    rmig_precopy_set_clip(&pc->left, pc->allow, pc->nallow);
    n = ua_extents(u, RMIG_PC_EXTENTS_MAX);
    if (n < 0 || n > RMIG_PC_EXTENTS_MAX)
        return n < 0 ? n : -E2BIG;
    for (int i = 0; i < n; i++)
        now[i] = (struct rmig_dirty_range){(uintptr_t)u[i].addr, u[i].len};
    for (int i = 1; i < n; i++) /* ascending, as add_untracked wants */
        for (int j = i; j > 0 && now[j - 1].addr > now[j].addr; j--) {
            struct rmig_dirty_range x = now[j];

            now[j] = now[j - 1];
            now[j - 1] = x;
        }
    /* Outside the tracked extents only the heap can have grown; a globals
     * page's foreign bytes are never in it (the globals are tracked). */
    rmig_precopy_set_add_untracked(&pc->left, now, n, pc->ext, pc->next);
    return pc->left.nomem ? -ENOMEM : 0;
}

/* The closing block: sums of the final runs (the rank frozen), then of
 * every page (the final runs' pages summed again first). */
static int rmig_pc_close_send(struct rmig_pc_move *pc)
{
    uint64_t npages = rmig_precopy_sums_pages(&pc->sums);
    size_t len = rmig_pc_close_size((uint32_t)pc->left.n, npages);
    struct rmig_wire_pc_close *h = rmig_precopy_sums_block(&pc->sums, len);
    uint64_t *sum;

    if (h == NULL)
        return -ENOMEM;
    sum = (uint64_t *)(h + 1);
    for (int i = 0; i < pc->left.n; i++) {
        sum[i] = ua_checksum_range((const void *)pc->left.r[i].addr, pc->left.r[i].len);
        rmig_precopy_sums_note(&pc->sums, pc->left.r[i].addr, pc->left.r[i].len, 0);
    }
    for (int i = 0, k = pc->left.n; i < pc->sums.n; k += (int)pc->sums.ext[i++].pages)
        memcpy(&sum[k], pc->sums.ext[i].sum, pc->sums.ext[i].pages * sizeof(uint64_t));
    *h = (struct rmig_wire_pc_close){
        .magic = RMIG_PC_CLOSE_MAGIC,
        .version = RMIG_WIRE_VERSION,
        .job = knode_job_token(),
        .rank = pc->rank,
        .nstop = (uint32_t)pc->left.n,
        .npages = npages,
        .sum = ua_checksum_range(sum, len - sizeof(*h)),
    };
    return rmig_precopy_link_write0(&pc->link, h, len);
}

/* The rounds' figures into the rank's state before the last collect, so
 * that the page they land on goes with the final round. */
static void rmig_pc_note_figures(const struct rmig_pc_move *pc)
{
    struct rmig_rank **slot = (struct rmig_rank **)ua_root(RMIG_ROOT_SLOT);
    struct rmig_stats *st = slot != NULL && *slot != NULL ? &(*slot)->last : NULL;

    if (st == NULL)
        return;
    st->rounds = pc->st.rounds + 1;
    st->precopy_bytes = 0;
    for (int i = 0; i <= pc->st.rounds; i++) {
        st->precopy_bytes += pc->st.bytes[i];
        if (i < RMIG_STATS_ROUNDS) {
            st->round_bytes[i] = pc->st.bytes[i];
            st->round_seconds[i] = pc->st.seconds[i];
        }
    }
}

static int rmig_pc_stream_send(int dest, struct rmig_stats *st)
{
    struct rmig_pc_move *pc = &rmig_pc;
    struct rmig_wire_hdr reply;
    int ret;

    rmig_cluster.stream_now = pc->stream; /* replies to older streams are dropped */
    rmig_pc_note_figures(pc);
    ret = pc->heard_fail ? -ECONNABORTED : rmig_pc_final_set(pc);
    st->ranges = pc->left.n;
    st->bytes = pc->left.bytes;
    pc->link.cancel = NULL;
    pc->link.idle = rmig_pc_source_idle;
    pc->link.flags = RMIG_ROUND_FINAL;
    if (ret == 0)
        ret = rmig_precopy_link_send(pc->st.rounds + 1, pc->left.r, pc->left.n, &pc->link);
    if (ret == 0)
        ret = rmig_pc_close_send(pc);
    if (ret == 0)
        ret = rmig_control_wait(dest, RMIG_MSG_DONE, RMIG_MSG_FAIL, &reply, NULL);
    if (ret == RMIG_MSG_DONE &&
        rmig_control_stream_reply(dest, RMIG_MSG_COMMIT, pc->rank, 0, pc->stream) < 0)
        ret = -EIO; /* not told: the destination drops its copy */
    else if (ret != RMIG_MSG_DONE && ret != RMIG_MSG_FAIL && ret != -ECONNABORTED)
        rmig_control_stream_reply(dest, RMIG_MSG_ABORT, pc->rank, 0, pc->stream);
    if (ret == -ETIMEDOUT || ret == -EHOSTDOWN)
        rmig_cluster.streams_stalled |= 1u << pc->stream;
    rmig_precopy_release(); /* the tracker stopped before the container may go */
    rmig_cluster.stream_now = -1;
    if (ret == RMIG_MSG_DONE)
        return 0;
    return ret == RMIG_MSG_FAIL || ret == -ECONNABORTED ? -EIO : (ret < 0 ? ret : -EIO);
}

/* ---- the destination ---------------------------------------------------- */

struct rmig_pc_arrival {
    int src, stream;
};

/* The landing's wait: the source's ABORT of this stream, or the job's end,
 * ends it; offers are refused meanwhile (rmig_control_check). */
static int rmig_pc_landing_idle(void *arg)
{
    const struct rmig_pc_arrival *a = arg;
    struct rmig_wire_hdr h;

    if (rmig_control_check(a->src, RMIG_MSG_ABORT, RMIG_MSG_ABORT, &h) > 0 && h.stream == a->stream)
        return -ECONNABORTED;
    return rmig_cluster.job_ending ? -ESHUTDOWN : 0;
}

/* The closing block against what landed: 0 or -EBADMSG. */
static int rmig_pc_close_verify(const struct rmig_precopy_landing *l,
                                struct rmig_precopy_sums *sums)
{
    uint32_t nstop = l->last.n;
    uint64_t npages = rmig_precopy_sums_pages(sums);
    size_t len = rmig_pc_close_size(nstop, npages);
    void *buf = rmig_precopy_sums_block(sums, len);
    int ret = buf == NULL ? -ENOMEM : rmig_precopy_landing_read0(l, buf, len);
    const uint64_t *sum = ret < 0 ? NULL
                                  : rmig_pc_close_check(buf, len, knode_job_token(), l->rank, nstop,
                                                        npages, ua_checksum_range);

    if (ret == 0 && sum == NULL)
        ret = -EBADMSG;
    for (uint32_t i = 0; ret == 0 && i < nstop; i++)
        if (ua_checksum_range((const void *)(uintptr_t)l->runs[i].addr, l->runs[i].len) != sum[i])
            ret = -EBADMSG;
    for (int i = 0, k = (int)nstop; ret == 0 && i < sums->n; k += (int)sums->ext[i++].pages)
        if (memcmp(&sum[k], sums->ext[i].sum, sums->ext[i].pages * sizeof(uint64_t)) != 0)
            ret = -EBADMSG;
    return ret;
}

/* Layout, rounds up to the final one, closing block. 0 or a negative errno. */
static int rmig_pc_land(struct rmig_precopy_landing *l, struct rmig_precopy_sums *sums, int next,
                        int nallow)
{
    struct rmig_dirty_range ext[RMIG_PC_EXTENTS_MAX], allow[RMIG_PC_ALLOW_MAX];
    size_t len = rmig_pc_layout_size(next, nallow);
    void *buf = malloc(len);
    int ret = buf == NULL ? -ENOMEM : rmig_precopy_landing_read0(l, buf, len);

    if (ret == 0)
        ret = rmig_pc_layout_check(buf, len, knode_job_token(), l->rank, next, nallow,
                                   ua_checksum_range, ua_range_check, ext, allow);
    free(buf);
    if (ret == 0)
        ret = rmig_precopy_sums_init(sums, ext, next, allow, nallow, ua_checksum_range);
    if (ret == 0 &&
        (ret = rmig_precopy_sums_reserve(
             sums, rmig_pc_close_size(RMIG_PC_CLOSE_RUNS, rmig_precopy_sums_pages(sums)))) < 0)
        rmig_precopy_sums_free(sums);
    if (ret < 0)
        return ret;
    l->sums = sums;
    do {
        ret = rmig_precopy_landing_round(l);
        rmig_test_die_at("precopy"); /* NMPI_TEST_LOST_AT=precopy:N: after round 0 landed */
    } while (ret == 0 && !(l->last.flags & RMIG_ROUND_FINAL));
    if (ret == 0) {
        rmig_cluster.arrival.t[RMIG_MARK_BEGUN] = l->header_at;
        ret = rmig_pc_close_verify(l, sums);
    }
    rmig_precopy_sums_free(sums);
    return ret;
}

static int rmig_pc_stream_receive(const struct rmig_wire_hdr *b)
{
    struct rmig_pc_arrival a = {b->src_cluster, b->stream};
    struct rmig_precopy_landing l;
    struct rmig_precopy_sums sums;
    int ret;

    rmig_clock_mark(&rmig_cluster.arrival, RMIG_MARK_BEGUN);
    memset(&sums, 0, sizeof(sums));
    ret = rmig_precopy_landing_open(&l, b->src_cluster, b->stream, b->rank, NULL);
    if (ret == 0) {
        l.idle = rmig_pc_landing_idle;
        l.idle_arg = &a;
        l.refuse_round = rmig_precopy_fault_round2() ? 2 : 0;
        ret = rmig_pc_land(&l, &sums, b->arg, (int)b->a);
    }
    if (ret >= 0 && !ua_container_present())
        ret = -EBADMSG;
    if (ret == -ETIMEDOUT)
        rmig_reach_watch(b->src_cluster, b->rank, 1);
    rmig_cluster.arrival_ranges = (int)l.last.n;
    rmig_cluster.arrival_bytes = l.last.bytes;
    rmig_precopy_landing_close(&l);
    rmig_cluster.reserved_for = -1;
    rmig_clock_mark(&rmig_cluster.arrival, RMIG_MARK_RECEIVED);
    if (ret < 0) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: pre-copy of rank %d from cluster %d %s (%d); the copy here is "
                 "dropped",
                 knode_get_num(), b->rank, b->src_cluster,
                 ret == -ECONNABORTED ? "given up by the source" : "rejected", ret);
        ua_release_container();
        if (ret != -ECONNABORTED)
            rmig_control_stream_reply(b->src_cluster, RMIG_MSG_FAIL, b->rank, ret, b->stream);
        return 0;
    }
    rmig_control_stream_reply(b->src_cluster, RMIG_MSG_DONE, b->rank, 0, b->stream);
    ret = rmig_decision_wait(b->src_cluster, b->stream);
    if (ret != RMIG_MSG_COMMIT) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: the pre-copy move of rank %d from cluster %d was %s; the copy here "
                 "is dropped",
                 knode_get_num(), b->rank, b->src_cluster,
                 ret == RMIG_MSG_ABORT ? "given up by the source"
                                       : "never confirmed by the source");
        ua_release_container();
        if (ret == -ETIMEDOUT)
            rmig_reach_watch(b->src_cluster, b->rank, 1);
        return 0;
    }
    return 1;
}

/* The stop round and the landing hurry (knode_boost_begin), as the portal
 * stream does. Not the rounds' sender: it runs beside the rank, which must
 * never run boosted (the boost also lowers its session's nice). */
static int rmig_pc_stream_send_boosted(int dest, struct rmig_stats *st)
{
    knode_boost_begin();
    int ret = rmig_pc_stream_send(dest, st);
    knode_boost_end();
    return ret;
}

static int rmig_pc_stream_receive_boosted(const struct rmig_wire_hdr *b)
{
    knode_boost_begin();
    int ret = rmig_pc_stream_receive(b);
    knode_boost_end();
    return ret;
}

const struct rmig_stream_ops rmig_stream_precopy = {
    .name = "precopy",
    .send = rmig_pc_stream_send_boosted,
    .receive = rmig_pc_stream_receive_boosted,
};
