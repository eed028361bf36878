/* rmig_stream_portal.c: the portal stream, sent and received in kernel context.
 *
 * The source lists the touched container ranges (uarea), checksums each one,
 * announces the stream with BEGIN (range count, total bytes, checksum of the
 * table) and writes the table through lane 0 of the stream's portals; once
 * the destination answers TABLE_OK it writes every range straight from its
 * address, range i through lane i % RMIG_LANES, one write on offer per lane.
 * The destination reads the table into runtime memory, checks its checksum
 * and that every range lies in the container layout and adds up to the
 * announced total, reads each range straight into place and checks its
 * checksum while the next ranges come (ranges are cut at RMIG_CHUNK
 * boundaries for that). Only then
 * does it answer DONE; anything wrong gives FAIL, the destination drops what
 * it received, and the rank resumes at the source, which stops writing as
 * soon as it sees the FAIL. Both sides give up after rmig_timeout() seconds
 * without progress. Each stream of a source has its own ports
 * (RMIG_STREAM_PORT), so leftovers of a rejected stream cannot be read as
 * part of the next one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

/* Test hook: NMPI_TEST_STREAM_FAULT=corrupt|range|short|trunc damages every
 * stream (a table that does not match its checksum; a range that does not
 * match its own, in a table that checks out; half the ranges missing; one
 * range written a byte short), corrupt-first, range-first, short-first,
 * trunc-first only the first one cluster 0 sends. Returns "corrupt",
 * "range", "short", "trunc" or "" for the stream numbered `count` here. */
static const char *rmig_fault(unsigned count)
{
    const char *f = base_setting("NMPI_TEST_STREAM_FAULT");

    if ((strstr(f, "-first") != NULL && (count > 0 || knode_get_num() != 0)))
        return "";
    if (strncmp(f, "corrupt", 7) == 0)
        return "corrupt";
    if (strncmp(f, "range", 5) == 0)
        return "range";
    if (strncmp(f, "trunc", 5) == 0)
        return "trunc";
    return strncmp(f, "short", 5) == 0 ? "short" : "";
}

/* Waits for the transfer on `portal` with cluster `peer` to end, giving up
 * after rmig_timeout() without progress, as soon as the peer's process is
 * gone (knode_is_lost) or, when writing, as soon as the peer rejects the
 * stream (it then reads no more, and the write would only wait out the
 * timeout). Returns the bytes moved, -ETIMEDOUT, -EHOSTDOWN,
 * -ECONNABORTED (rejected) or a kportal error. */
ssize_t rmig_portal_finish(int portal, int peer, int writing)
{
    double deadline = knode_wtime() + rmig_timeout();
    struct rmig_wire_hdr reply;
    unsigned spins = 0;
    int ret;

    while ((ret = kportal_test(portal)) == 0) {
        if (knode_wtime() > deadline)
            return -ETIMEDOUT;
        if (knode_is_lost(peer))
            return -EHOSTDOWN;
        if (writing && rmig_control_check(peer, RMIG_MSG_FAIL, RMIG_MSG_FAIL, &reply) > 0)
            return -ECONNABORTED;
        knode_idle(&spins);
    }
    return ret < 0 ? ret : kportal_wait(portal); /* done: retires it, gives the count */
}

static int rmig_portal_send(int portal, int dest, const void *buf, size_t len)
{
    int ret = kportal_awrite(portal, buf, len);
    ssize_t sent = ret < 0 ? ret : rmig_portal_finish(portal, dest, 1);

    return sent < 0 ? (int)sent : 0;
}

int rmig_portal_post_read(int portal, int src, int port, void *buf, size_t len)
{
    int ret = kportal_allow(portal, src, port);

    return ret < 0 ? ret : kportal_aread(portal, buf, len);
}

/* Writes the first `nsend` ranges of t (range `short_one` a byte short: a
 * test hook; -1 for none), range i through lane i % RMIG_LANES,
 * keeping one write on offer per lane: the destination finds the next range
 * waiting when it has read one, instead of waiting for this side to wake
 * from its back-off and offer it. */
int rmig_ranges_send(const int *portal, int dest, const struct rmig_table *t, int nsend,
                     int short_one)
{
    int posted = 0, done = 0, ret = 0;

    while (ret == 0 && done < nsend) {
        for (; ret == 0 && posted < nsend && posted - done < RMIG_LANES; posted++)
            ret = kportal_awrite(portal[posted % RMIG_LANES],
                                 (const void *)(uintptr_t)t->r[posted].addr,
                                 t->r[posted].len - (posted == short_one)); /* test hook */
        if (ret == 0) {
            ssize_t sent = rmig_portal_finish(portal[done++ % RMIG_LANES], dest, 1);

            ret = sent < 0 ? (int)sent : 0;
        }
    }
    return ret;
}

void rmig_portals_close(const int *portal)
{
    for (int lane = 0; lane < RMIG_LANES; lane++)
        if (portal[lane] >= 0)
            kportal_close(portal[lane]);
}

static int rmig_portal_stream_send(int dest, struct rmig_stats *st)
{
    struct rmig_table t = {0};
    struct rmig_wire_hdr reply;
    int self = knode_get_num(), portal[RMIG_LANES], lane, ret, nsend;
    const char *fault = rmig_fault(rmig_cluster.streams);
    int stream = rmig_stream_number();

    rmig_cluster.stream_now = stream; /* replies to older streams are dropped */

    ret = rmig_table_build(&t);
    if (ret < 0) {
        rmig_cluster.stream_now = -1;
        return ret;
    }
    st->ranges = t.n;
    st->bytes = t.bytes;
    if (strcmp(fault, "range") == 0)
        t.r[t.n / 2].checksum ^= 1; /* before the table's own checksum */
    ret = rmig_control_begin(dest, ua_get_rank(), t.n, t.bytes,
                             ua_checksum_range(t.r, (size_t)t.n * sizeof(*t.r)), stream);
    if (strcmp(fault, "corrupt") == 0)
        t.r[t.n - 1].checksum ^= 1; /* table no longer matches its checksum */
    nsend = strcmp(fault, "short") == 0 ? t.n / 2 : t.n;
    for (lane = 0; lane < RMIG_LANES; lane++) {
        int port = RMIG_STREAM_PORT(self, stream, lane);

        portal[lane] = kportal_open(self, port, dest, port);
        if (ret == 0 && portal[lane] < 0)
            ret = portal[lane];
    }
    if (ret == 0)
        ret = rmig_portal_send(portal[0], dest, t.r, (size_t)t.n * sizeof(*t.r));
    if (ret == 0) {
        ret = rmig_control_wait(dest, RMIG_MSG_TABLE_OK, RMIG_MSG_FAIL, &reply, NULL);
        ret = ret == RMIG_MSG_TABLE_OK ? 0 : ret == RMIG_MSG_FAIL ? -ECONNABORTED : ret;
    }
    if (ret == 0)
        ret = rmig_ranges_send(portal, dest, &t, nsend, strcmp(fault, "trunc") == 0 ? t.n / 2 : -1);
    if (ret == 0)
        ret = rmig_control_wait(dest, RMIG_MSG_DONE, RMIG_MSG_FAIL, &reply, NULL);
    /* The decision is the source's alone: COMMIT once DONE came in time
     * (the rank then runs only there), ABORT otherwise (it runs here), so
     * a DONE that comes after this side gave up can never make it run in
     * two places. The destination heeds the first of them it gets. */
    if (ret == RMIG_MSG_DONE &&
        rmig_control_stream_reply(dest, RMIG_MSG_COMMIT, ua_get_rank(), 0, stream) < 0)
        ret = -EIO; /* not told: the destination drops its copy, see below */
    else if (ret != RMIG_MSG_DONE && ret != RMIG_MSG_FAIL && ret != -ECONNABORTED)
        rmig_control_stream_reply(dest, RMIG_MSG_ABORT, ua_get_rank(), 0, stream);
    if (ret == -ETIMEDOUT || ret == -EHOSTDOWN)
        rmig_cluster.streams_stalled |= 1u << stream;
    rmig_portals_close(portal);
    rmig_table_free(&t);
    rmig_cluster.stream_now = -1;
    if (ret == RMIG_MSG_DONE)
        return 0;
    return ret == RMIG_MSG_FAIL || ret == -ECONNABORTED ? -EIO : (ret < 0 ? ret : -EIO);
}

/* Zeroes what a container that left here may have left outside the
 * arriving ranges (ua_arrival_trim); the ranges are overwritten anyway. */
void rmig_trim_for(const struct rmig_wire_range *r, int n)
{
    struct ua_range *pages = malloc((size_t)n * sizeof(*pages));
    int i;

    for (i = 0; pages != NULL && i < n; i++)
        pages[i] = (struct ua_range){(void *)(uintptr_t)r[i].addr, r[i].len};
    ua_arrival_trim(pages, pages != NULL ? n : 0);
    free(pages);
}

/* Calls fn on each run of contiguous ranges (the table cuts runs at
 * RMIG_CHUNK boundaries): huge pages are chosen per run, not per piece. */
void rmig_runs(const struct rmig_wire_range *r, int n, void (*fn)(void *, size_t))
{
    for (int i = 0, j; i < n; i = j) {
        uint64_t end = r[i].addr + r[i].len;

        for (j = i + 1; j < n && r[j].addr == end; j++)
            end += r[j].len;
        fn((void *)(uintptr_t)r[i].addr, end - r[i].addr);
    }
}

/* Checks ranges [*checked, done) in place against their checksums; sets
 * *bad if one does not match. */
static void rmig_ranges_check(const struct rmig_wire_range *r, int *checked, int done, int *bad)
{
    for (; *checked < done; ++*checked)
        *bad |= ua_checksum_range((const void *)(uintptr_t)r[*checked].addr, r[*checked].len) !=
                r[*checked].checksum;
}

/* Reads the ranges into place, range i through lane i % RMIG_LANES with a
 * read posted ahead on every lane, and checks each one that is in while the
 * next ones come. A range with a bad checksum does not stop the reading:
 * every write the source makes is read, so none stays queued in the fabric
 * (an unread large message can stall later transfers between the two
 * clusters). Returns 0, -EBADMSG or the error of a read (after which the
 * source is told to stop). */
int rmig_ranges_receive(const int *portal, int src, int stream, const struct rmig_wire_range *r,
                        int n)
{
    int posted = 0, done = 0, checked = 0, ret = 0, short_range = 0, bad = 0;

    rmig_runs(r, n, ua_range_prepare); /* big runs land in huge pages */
    while (ret == 0 && done < n) {
        for (; ret == 0 && posted < n && posted - done < RMIG_LANES; posted++) {
            int lane = posted % RMIG_LANES;

            ret = rmig_portal_post_read(portal[lane], src, RMIG_STREAM_PORT(src, stream, lane),
                                        (void *)(uintptr_t)r[posted].addr, r[posted].len);
        }
        rmig_ranges_check(r, &checked, done, &bad);
        if (ret == 0) {
            ssize_t got = rmig_portal_finish(portal[done % RMIG_LANES], src, 0);

            if (got < 0)
                ret = (int)got;
            else /* a short write leaves stale bytes: rejected, but read on */
                short_range |= (uint64_t)got != r[done].len;
            done++;
        }
    }
    rmig_runs(r, n, ua_range_settle);
    if (ret < 0)
        return ret;
    rmig_ranges_check(r, &checked, done, &bad);
    return short_range || bad ? -EBADMSG : 0;
}

void rmig_portals_unlink(const int *portal)
{
    for (int lane = 0; lane < RMIG_LANES; lane++)
        if (portal[lane] >= 0)
            kportal_unlink(portal[lane]);
}

/* The destination, container verified and DONE sent: waits for the
 * source's decision on stream `stream`. Returns RMIG_MSG_COMMIT (run it),
 * RMIG_MSG_ABORT, or -ETIMEDOUT after twice the move's timeout (the source
 * gives up after one, so a COMMIT can no longer come). A source that is
 * lost meanwhile counts as COMMIT: it no longer runs the rank either way,
 * and if it had resumed its copy before dying, that rank is lost with it
 * and the job ends (rmig_lost.c). */
int rmig_decision_wait(int src, int stream)
{
    double deadline = knode_wtime() + 2 * rmig_timeout();
    struct rmig_wire_hdr reply;
    unsigned spins = 0;

    while (knode_wtime() < deadline) {
        int t = rmig_control_check(src, RMIG_MSG_COMMIT, RMIG_MSG_ABORT, &reply);

        if (t > 0 && reply.stream == stream)
            return t;
        if (t > 0)
            continue; /* a decision about a stream given up earlier */
        if (knode_is_lost(src))
            return RMIG_MSG_COMMIT;
        knode_idle(&spins);
    }
    return -ETIMEDOUT;
}

static int rmig_portal_stream_receive(const struct rmig_wire_hdr *b)
{
    int src = b->src_cluster, n = b->arg, portal[RMIG_LANES], lane, ret;
    struct rmig_wire_range *r = calloc((size_t)n, sizeof(*r));

    rmig_clock_mark(&rmig_cluster.arrival, RMIG_MARK_BEGUN);
    ret = r == NULL ? -ENOMEM : 0;
    for (lane = 0; lane < RMIG_LANES; lane++) {
        portal[lane] = kportal_create(knode_get_num(), RMIG_STREAM_PORT(src, b->stream, lane));
        if (ret == 0 && portal[lane] < 0)
            ret = portal[lane];
    }
    if (ret == 0)
        ret = rmig_portal_post_read(portal[0], src, RMIG_STREAM_PORT(src, b->stream, 0), r,
                                    (size_t)n * sizeof(*r));
    if (ret == 0) {
        ssize_t got = rmig_portal_finish(portal[0], src, 0);

        ret = got < 0 ? (int)got : rmig_table_check(r, (size_t)got, b, ua_range_check);
    }
    if (ret >= 0)
        ret = rmig_control_stream_reply(src, RMIG_MSG_TABLE_OK, b->rank, 0, b->stream);
    if (ret >= 0) {
        rmig_trim_for(r, n); /* while the source wakes to write: nothing lands before the reads */
        ret = rmig_ranges_receive(portal, src, b->stream, r, n);
    }
    if (ret >= 0 && !ua_container_present())
        ret = -EBADMSG;
    /* Stalled: between hosts the link may be gone. The watch counts from
     * now, not from after the unlinks (each may wait for a cancel). */
    if (ret == -ETIMEDOUT)
        rmig_reach_watch(src, b->rank, 1);
    rmig_portals_unlink(portal);
    free(r);
    rmig_cluster.reserved_for = -1;
    rmig_clock_mark(&rmig_cluster.arrival, RMIG_MARK_RECEIVED);
    if (ret < 0) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: container stream from cluster %d rejected (%d)", knode_get_num(), src,
                 ret);
        ua_release_container();
        rmig_control_stream_reply(src, RMIG_MSG_FAIL, b->rank, ret, b->stream);
        return 0;
    }
    rmig_control_stream_reply(src, RMIG_MSG_DONE, b->rank, 0, b->stream);
    ret = rmig_decision_wait(src, b->stream);
    if (ret != RMIG_MSG_COMMIT) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: the move of rank %d from cluster %d was %s; the copy here is dropped",
                 knode_get_num(), b->rank, src,
                 ret == RMIG_MSG_ABORT ? "given up by the source"
                                       : "never confirmed by the source");
        ua_release_container();
        if (ret == -ETIMEDOUT)
            rmig_reach_watch(src, b->rank, 1);
        return 0;
    }
    return 1; /* a rank to resume */
}

/* Both ends of a stream hurry while it runs (knode_boost_begin): on an
 * oversubscribed node the copy and the checks are the rank's downtime. */
static int rmig_portal_stream_send_boosted(int dest, struct rmig_stats *st)
{
    knode_boost_begin();
    int ret = rmig_portal_stream_send(dest, st);
    knode_boost_end();
    return ret;
}

static int rmig_portal_stream_receive_boosted(const struct rmig_wire_hdr *b)
{
    knode_boost_begin();
    int ret = rmig_portal_stream_receive(b);
    knode_boost_end();
    return ret;
}

const struct rmig_stream_ops rmig_stream_portal = {
    .name = "portal",
    .send = rmig_portal_stream_send_boosted,
    .receive = rmig_portal_stream_receive_boosted,
};
