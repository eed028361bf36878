/* rmig_postcopy_source.c: the source's end of a post-copy move, kernel
 * context (rmig_postcopy_move.h).
 *
 * The stream: the table of every touched range (as the portal stream lists
 * it), announced by POSTCOPY (range count, bytes, table checksum, stream);
 * after TABLE_OK only the first pages (every range rmig_postcopy_lazy says
 * is not the heap's), through the stream's lanes as the portal stream
 * writes ranges; DONE, then COMMIT or ABORT as there. The source alone
 * decides, so the rank never runs in two places.
 *
 * After COMMIT the move ends here as any other (the header dropped, the
 * tombstone left, a request that came meanwhile passed on), except that
 * the heap pages stay (ua_release_hold: kept even with
 * NMPI_MIGRATE_KEEP_PAGES=0, which drops them once the service ends) and
 * this cluster serves them: its
 * idle loop reads pulls on RMIG_PULL_PORT and answers each through lane 0
 * of the stream's portals, the answer's header and bytes in one write
 * (rmig_postcopy_serve: strict decoding, only inside the heap runs that
 * were announced). It only reads its own frozen pages, so it never waits on
 * the destination's. Offers are refused meanwhile (an arriving container
 * would overwrite the pages) with -EAGAIN: the offering rank asks again.
 * The destination's DONE on this stream ends the service; so do its loss
 * (the rank is lost with it: rmig_lost.c) and the job's end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_postcopy_move.h"
#include "rmig_postcopy_serve.h"
#include "ua.h"

/* The cluster's service (runtime state: it never moves). */
static struct {
    int chosen;  /* the next stream from here is post-copy */
    int serving; /* answering pulls */
    int dest, rank, stream;
    int mbx;    /* input mailbox RMIG_PULL_PORT */
    int portal; /* lane 0 of the stream, towards dest */
    struct rmig_postcopy_range *runs;
    int nruns;
    uint8_t *abuf; /* an answer: header, then up to RMIG_PULL_MAX bytes */
    struct rmig_postcopy_server server;
    double since;
} rmig_pcs = {.mbx = -1, .portal = -1};

#define RMIG_PCS_HEAP (UA_REGION_BASE + UA_HEADER_SIZE + UA_GUARD_SIZE + UA_STACK_SIZE)

int rmig_postcopy_lazy(const struct rmig_wire_range *r)
{
    return r->addr >= RMIG_PCS_HEAP && r->addr < UA_REGION_BASE + UA_REGION_SIZE;
}

/* The table merges the stack's top pages with the heap's first ones when
 * they touch: such a range is cut at the heap's start (each part summed
 * again), or all of it would be sent before the rank resumes. Returns 0 or
 * -ENOMEM. */
static int rmig_pcs_split(struct rmig_table *t)
{
    for (int i = 0; i < t->n; i++) {
        struct rmig_wire_range *x = &t->r[i];

        if (x->addr < RMIG_PCS_HEAP && x->addr + x->len > RMIG_PCS_HEAP) {
            struct rmig_wire_range *r = realloc(t->r, (size_t)(t->n + 1) * sizeof(*r));

            if (r == NULL)
                return -ENOMEM;
            t->r = r;
            t->cap = t->n + 1;
            memmove(&r[i + 2], &r[i + 1], (size_t)(t->n - i - 1) * sizeof(*r));
            r[i + 1].addr = RMIG_PCS_HEAP;
            r[i + 1].len = r[i].addr + r[i].len - RMIG_PCS_HEAP;
            r[i].len = RMIG_PCS_HEAP - r[i].addr;
            r[i].checksum = ua_checksum_range((const void *)(uintptr_t)r[i].addr, r[i].len);
            r[i + 1].checksum = 0; /* lazy: see rmig_table.unsummed */
            t->n++;
            return 0; /* one heap start */
        }
    }
    return 0;
}

int rmig_postcopy_runs(const struct rmig_wire_range *r, int n, struct rmig_postcopy_range **runs_p)
{
    struct rmig_postcopy_range *runs = NULL;
    int k = 0;

    for (int i = 0; i < n; i++) {
        if (!rmig_postcopy_lazy(&r[i]))
            continue;
        if (runs == NULL && (runs = malloc((size_t)n * sizeof(*runs))) == NULL)
            return -ENOMEM;
        if (k > 0 && runs[k - 1].addr + runs[k - 1].len == r[i].addr)
            runs[k - 1].len += r[i].len;
        else
            runs[k++] = (struct rmig_postcopy_range){r[i].addr, r[i].len};
    }
    *runs_p = runs;
    return k;
}

void rmig_postcopy_choose(int on)
{
    rmig_pcs.chosen = on;
}

int rmig_postcopy_chosen(void)
{
    return rmig_pcs.chosen;
}

int rmig_postcopy_serving(void)
{
    return rmig_pcs.serving;
}

/* ---- serving ------------------------------------------------------------- */

/* The pulled bytes: inside one announced run, read in place. */
static int rmig_pcs_locate(uintptr_t addr, size_t len, const void **bytes_p, void *arg)
{
    (void)arg;
    for (int i = 0; i < rmig_pcs.nruns; i++)
        if (addr >= rmig_pcs.runs[i].addr &&
            addr + len <= rmig_pcs.runs[i].addr + rmig_pcs.runs[i].len) {
            *bytes_p = (const void *)addr;
            return 0;
        }
    return -EINVAL;
}

/* One write: the header, then the bytes; the destination posted its read
 * before it sent the pull. */
static int rmig_pcs_send(const struct rmig_pull *answer, const void *bytes, size_t len, void *arg)
{
    ssize_t sent;
    int ret;

    (void)arg;
    memcpy(rmig_pcs.abuf, answer, sizeof(*answer));
    if (bytes != NULL)
        memcpy(rmig_pcs.abuf + sizeof(*answer), bytes, len);
    ret = kportal_awrite(rmig_pcs.portal, rmig_pcs.abuf, sizeof(*answer) + (bytes ? len : 0));
    sent = ret < 0 ? ret : rmig_portal_finish(rmig_pcs.portal, rmig_pcs.dest, 0);
    return sent < 0 ? (int)sent : 0;
}

static void rmig_pcs_stop(const char *why)
{
    const struct rmig_postcopy_server *s = &rmig_pcs.server;

    base_log(BASE_LOG_DEBUG, "rmig",
             "cluster %d: post-copy service of rank %d ends (%s) after %.3f s: %llu pulls served "
             "(%llu bytes), %llu refused, %llu malformed",
             knode_get_num(), rmig_pcs.rank, why, knode_wtime() - rmig_pcs.since,
             (unsigned long long)s->served, (unsigned long long)s->bytes,
             (unsigned long long)s->refused, (unsigned long long)s->malformed);
    knode_boost_end();
    ua_release_unhold(); /* NMPI_MIGRATE_KEEP_PAGES=0: dropped now */
    if (rmig_pcs.mbx >= 0)
        kmailbox_unlink(rmig_pcs.mbx);
    if (rmig_pcs.portal >= 0)
        kportal_close(rmig_pcs.portal);
    free(rmig_pcs.runs);
    free(rmig_pcs.abuf);
    rmig_pcs.runs = NULL;
    rmig_pcs.abuf = NULL;
    rmig_pcs.mbx = rmig_pcs.portal = -1;
    rmig_pcs.serving = 0;
    /* Kept until now (rmig_move_out): bound elsewhere meanwhile, this
     * cluster's spinning answers shared a core with the destination's rank
     * and its fault handler, and a 256 MiB rank took 6 s instead of 0.3 to
     * have every page (make bench-precopy). */
    rmig_cores_vacate(rmig_pcs.rank, rmig_pcs.dest);
}

int rmig_postcopy_serve_poll(void)
{
    uint8_t msg[sizeof(struct rmig_pull) + 8];
    int n = 0;

    if (!rmig_pcs.serving)
        return 0;
    if (knode_is_lost(rmig_pcs.dest)) {
        rmig_pcs_stop("the destination is lost");
        return 0;
    }
    for (; n < 16; n++) {
        ssize_t got = kmailbox_tryread(rmig_pcs.mbx, msg, sizeof(msg));

        if (got < 0)
            break;
        rmig_postcopy_serve(&rmig_pcs.server, msg, (size_t)got);
        if (rmig_pcs.server.served == 16) /* mid-push: NMPI_TEST_LOST_AT=postcopy:<this> */
            rmig_test_die_at("postcopy");
    }
    return n;
}

void rmig_postcopy_heard_done(const struct rmig_wire_hdr *h)
{
    if (rmig_pcs.serving && h->src_cluster == rmig_pcs.dest && h->stream == rmig_pcs.stream &&
        h->rank == rmig_pcs.rank)
        rmig_pcs_stop("every page is at the destination");
}

/* After COMMIT: keeps lane 0 open for the answers, opens the pull port.
 * Returns 0, or -errno (the move is done either way: the destination's
 * pulls then fail, and the job ends naming the rank). */
static int rmig_pcs_start(int dest, int stream, int portal0, struct rmig_postcopy_range *runs,
                          int nruns)
{
    rmig_pcs.dest = dest;
    rmig_pcs.rank = ua_get_rank();
    rmig_pcs.stream = stream;
    rmig_pcs.portal = portal0;
    rmig_pcs.runs = runs;
    rmig_pcs.nruns = nruns;
    rmig_pcs.since = knode_wtime();
    rmig_pcs.abuf = malloc(sizeof(struct rmig_pull) + RMIG_PULL_MAX);
    rmig_pcs.server = (struct rmig_postcopy_server){.job = knode_job_token(),
                                                    .rank = rmig_pcs.rank,
                                                    .locate = rmig_pcs_locate,
                                                    .send = rmig_pcs_send};
    rmig_pcs.serving = 1;
    ua_release_hold(); /* the move's release keeps what is served */
    /* A rank elsewhere waits on these answers: the idle loop answers at
     * once (no rank runs here, so nothing is starved by it). */
    knode_boost_begin();
    if (rmig_pcs.abuf == NULL) {
        rmig_pcs_stop("no memory");
        return -ENOMEM;
    }
    return 0;
}

/* ---- the stream ---------------------------------------------------------- */

/* The first pages: every range of t that is not lazy, in table order. */
static int rmig_pcs_first(const struct rmig_table *t, struct rmig_table *first)
{
    first->r = malloc((size_t)(t->n > 0 ? t->n : 1) * sizeof(*first->r));
    first->n = 0;
    first->bytes = 0;
    if (first->r == NULL)
        return -ENOMEM;
    for (int i = 0; i < t->n; i++)
        if (!rmig_postcopy_lazy(&t->r[i])) {
            first->r[first->n++] = t->r[i];
            first->bytes += t->r[i].len;
        }
    return 0;
}

static int rmig_postcopy_stream_send(int dest, struct rmig_stats *st)
{
    struct rmig_table t = {0}, first = {0};
    struct rmig_postcopy_range *runs = NULL;
    struct rmig_wire_hdr h, reply;
    int self = knode_get_num(), portal[RMIG_LANES], lane, ret, nruns = 0;
    int stream = rmig_stream_number();

    rmig_pcs.chosen = 0;
    rmig_cluster.stream_now = stream; /* replies to older streams are dropped */
    for (lane = 0; lane < RMIG_LANES; lane++)
        portal[lane] = -1;
    t.unsummed = rmig_postcopy_lazy; /* pulled later, never checked: not summed frozen */
    ret = rmig_table_build_with(&t);
    if (ret == 0)
        ret = rmig_pcs_split(&t);
    if (ret == 0)
        ret = rmig_pcs_first(&t, &first);
    if (ret == 0)
        ret = nruns = rmig_postcopy_runs(t.r, t.n, &runs);
    base_log(BASE_LOG_DEBUG, "rmig",
             "cluster %d: post-copy of rank %d: %d ranges, %d first, %d lazy runs", self,
             ua_get_rank(), t.n, first.n, nruns);
    if (ret >= 0) {
        st->ranges = first.n;
        st->bytes = first.bytes;
        memset(&h, 0, sizeof(h));
        h.type = RMIG_MSG_POSTCOPY;
        h.rank = ua_get_rank();
        h.arg = t.n;
        h.a = t.bytes;
        h.b = ua_checksum_range(t.r, (size_t)t.n * sizeof(*t.r));
        h.stream = stream;
        ret = rmig_control_write(dest, &h);
    }
    for (lane = 0; ret >= 0 && lane < RMIG_LANES; lane++) {
        int port = RMIG_STREAM_PORT(self, stream, lane);

        portal[lane] = kportal_open(self, port, dest, port);
        if (portal[lane] < 0)
            ret = portal[lane];
    }
    if (ret >= 0) {
        ret = kportal_awrite(portal[0], t.r, (size_t)t.n * sizeof(*t.r));
        if (ret == 0) {
            ssize_t sent = rmig_portal_finish(portal[0], dest, 1);

            ret = sent < 0 ? (int)sent : 0;
        }
    }
    if (ret >= 0) {
        ret = rmig_control_wait(dest, RMIG_MSG_TABLE_OK, RMIG_MSG_FAIL, &reply, NULL);
        ret = ret == RMIG_MSG_TABLE_OK ? 0 : ret == RMIG_MSG_FAIL ? -ECONNABORTED : ret;
    }
    if (ret >= 0)
        ret = rmig_ranges_send(portal, dest, &first, first.n, -1);
    if (ret >= 0)
        ret = rmig_control_wait(dest, RMIG_MSG_DONE, RMIG_MSG_FAIL, &reply, NULL);
    /* The pull port exists before the COMMIT: the rank runs at once there. */
    if (ret == RMIG_MSG_DONE && nruns > 0) {
        rmig_pcs.mbx = kmailbox_create(self, RMIG_PULL_PORT);
        if (rmig_pcs.mbx < 0)
            ret = rmig_pcs.mbx;
    }
    if (ret == RMIG_MSG_DONE &&
        rmig_control_stream_reply(dest, RMIG_MSG_COMMIT, ua_get_rank(), 0, stream) < 0)
        ret = -EIO;
    else if (ret != RMIG_MSG_DONE && ret != RMIG_MSG_FAIL && ret != -ECONNABORTED)
        rmig_control_stream_reply(dest, RMIG_MSG_ABORT, ua_get_rank(), 0, stream);
    if (ret == -ETIMEDOUT || ret == -EHOSTDOWN)
        rmig_cluster.streams_stalled |= 1u << stream;
    if (ret == RMIG_MSG_DONE && nruns > 0) {
        rmig_pcs_start(dest, stream, portal[0], runs, nruns);
        portal[0] = -1; /* the answers' */
        runs = NULL;
    } else if (rmig_pcs.mbx >= 0) {
        kmailbox_unlink(rmig_pcs.mbx);
        rmig_pcs.mbx = -1;
    }
    rmig_portals_close(portal);
    free(runs);
    free(first.r);
    rmig_table_free(&t);
    rmig_cluster.stream_now = -1;
    if (ret == RMIG_MSG_DONE)
        return 0;
    return ret == RMIG_MSG_FAIL || ret == -ECONNABORTED ? -EIO : (ret < 0 ? ret : -EIO);
}

/* The source hurries while it sends, as the portal stream's does (the
 * table, the first pages and the handshake are the rank's pause); the
 * service after COMMIT keeps its own boost (rmig_pcs_start), so this one's
 * end leaves it on while the pages are served. */
static int rmig_postcopy_stream_send_boosted(int dest, struct rmig_stats *st)
{
    knode_boost_begin();
    int ret = rmig_postcopy_stream_send(dest, st);
    knode_boost_end();
    return ret;
}

int rmig_postcopy_stream_receive(const struct rmig_wire_hdr *b); /* rmig_postcopy_dest.c */

const struct rmig_stream_ops rmig_stream_postcopy = {
    .name = "postcopy",
    .send = rmig_postcopy_stream_send_boosted,
    .receive = rmig_postcopy_stream_receive,
};
