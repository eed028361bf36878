/* rmig_precopy_link.c: the source's end of a pre-copy move's rounds.
 *
 * Runs in the sender thread (rmig_precopy_sender.c) while the rank runs,
 * so it touches portals and its own memory only, never the daemon's
 * control state (rmig_precopy.c says why): no message is read here. A
 * round needs no acknowledgement: a portal write completes once the reader
 * has the bytes, so the round is in when its last write completes. A
 * destination that refuses stops reading and sends FAIL, which the rank
 * sees at its next safe point and answers by cancelling the sender; the
 * waits here end on that cancel, on the destination's loss, or after
 * rmig_timeout() without progress.
 *
 * The move's stream ports (RMIG_STREAM_PORT of the stream number reserved
 * for it) carry every round, then the final stream: per lane the reads
 * and the writes are matched in order, as between the ranges of a stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_precopy_link.h"
#include "ua.h"

int rmig_precopy_link_open(struct rmig_precopy_link *l, int dest, int stream, int rank,
                           const atomic_int *cancel)
{
    int self = knode_get_num(), ret = 0;

    memset(l, 0, sizeof(*l));
    l->dest = dest;
    l->stream = stream;
    l->rank = rank;
    l->cancel = cancel;
    for (int lane = 0; lane < RMIG_LANES; lane++) {
        int port = RMIG_STREAM_PORT(self, stream, lane);

        l->portal[lane] = ret < 0 ? -1 : kportal_open(self, port, dest, port);
        if (ret == 0 && l->portal[lane] < 0)
            ret = l->portal[lane];
    }
    if (ret < 0)
        rmig_precopy_link_close(l);
    return ret;
}

void rmig_precopy_link_close(struct rmig_precopy_link *l)
{
    for (int lane = 0; lane < RMIG_LANES; lane++)
        if (l->portal[lane] >= 0)
            kportal_close(l->portal[lane]);
    for (int lane = 0; lane < RMIG_LANES; lane++)
        l->portal[lane] = -1;
    free(l->table);
    l->table = NULL;
    l->cap = 0;
}

/* Waits for the write on `portal` to end: its count, or -ETIMEDOUT,
 * -EHOSTDOWN, -ECANCELED, a kportal error. */
static ssize_t rmig_link_finish(const struct rmig_precopy_link *l, int portal)
{
    double deadline = knode_wtime() + rmig_timeout();
    unsigned spins = 0;
    int ret;

    while ((ret = kportal_test(portal)) == 0) {
        int why = l->idle != NULL ? l->idle(l->idle_arg) : 0;

        if (why < 0)
            return why;
        if (l->cancel != NULL && atomic_load(l->cancel))
            return -ECANCELED;
        if (knode_is_lost(l->dest))
            return -EHOSTDOWN;
        if (knode_wtime() > deadline)
            return -ETIMEDOUT;
        knode_idle(&spins);
    }
    return ret < 0 ? ret : kportal_wait(portal);
}

/* The round's table in l->table. Returns its size in bytes, or -E2BIG, -ENOMEM. */
static ssize_t rmig_link_table(struct rmig_precopy_link *l, int round,
                               const struct rmig_dirty_range *r, int n)
{
    struct rmig_wire_run *run;
    uint64_t bytes = 0;

    if (n < 0 || n > RMIG_ROUND_RUNS_MAX)
        return -E2BIG;
    if ((uint32_t)n > l->cap || l->table == NULL) {
        void *t = realloc(l->table, sizeof(*l->table) + (size_t)n * sizeof(*run));

        if (t == NULL)
            return -ENOMEM;
        l->table = t;
        l->cap = (uint32_t)n;
    }
    run = (struct rmig_wire_run *)(l->table + 1);
    for (int i = 0; i < n; i++) {
        run[i] = (struct rmig_wire_run){r[i].addr, r[i].len};
        bytes += r[i].len;
    }
    *l->table = (struct rmig_wire_round){
        .magic = RMIG_ROUND_MAGIC,
        .version = RMIG_WIRE_VERSION,
        .round = (uint16_t)round,
        .job = knode_job_token(),
        .rank = l->rank,
        .n = (uint32_t)n,
        .bytes = bytes,
        .sum = ua_checksum_range(run, (size_t)n * sizeof(*run)),
        .flags = l->flags,
    };
    return (ssize_t)(sizeof(*l->table) + (size_t)n * sizeof(*run));
}

int rmig_precopy_link_write0(const struct rmig_precopy_link *l, const void *buf, size_t len)
{
    int ret = kportal_awrite(l->portal[0], buf, len);
    ssize_t sent = ret < 0 ? ret : rmig_link_finish(l, l->portal[0]);

    return sent < 0 ? (int)sent : 0;
}

int rmig_precopy_link_send(int round, const struct rmig_dirty_range *r, int n, void *link)
{
    struct rmig_precopy_link *l = link;
    ssize_t len = rmig_link_table(l, round, r, n);
    int ret = len < 0 ? (int)len : rmig_precopy_link_write0(l, l->table, sizeof(*l->table));
    int posted = 0, done = 0;

    /* The header, then the runs apart: the destination reads the header
     * into a fixed buffer and then exactly the runs it announces. */
    if (ret == 0 && n > 0)
        ret = rmig_precopy_link_write0(l, l->table + 1, (size_t)len - sizeof(*l->table));
    /* One write on offer per lane, as the container stream does. */
    while (ret == 0 && done < n) {
        for (; ret == 0 && posted < n && posted - done < RMIG_LANES; posted++)
            ret = kportal_awrite(l->portal[posted % RMIG_LANES], (const void *)r[posted].addr,
                                 r[posted].len);
        if (ret == 0) {
            ssize_t sent = rmig_link_finish(l, l->portal[done++ % RMIG_LANES]);

            ret = sent < 0 ? (int)sent : 0;
        }
    }
    return ret;
}
