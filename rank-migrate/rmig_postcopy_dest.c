/* rmig_postcopy_dest.c: the destination's end of a post-copy move
 * (rmig_postcopy_move.h).
 *
 * Kernel context, the POSTCOPY of the reserved source: the table is read
 * and checked as the portal stream does (rmig_table_check: layout,
 * checksum, total); TABLE_OK; pages a departed rank left here are trimmed
 * against the whole table; the session (rmig_postcopy_fault.c) starts on
 * the heap's touched runs BEFORE anything lands, so each of their pages is
 * either fetched or faults; then the first pages are read in place and
 * checked against their checksums; DONE, and the source's decision. On
 * COMMIT a runtime thread starts pulling the runs in the background, and
 * the rank resumes at once.
 *
 * The fetch (the session's, on a fault or a prefault, and the background
 * thread's): one at a time (the transport's lock): a read posted on lane 0
 * of the stream's portals, a PULL to the source's RMIG_PULL_PORT, the
 * answer's header and bytes in that read, decoded strictly
 * (rmig_pull_answer_decode). It gives up when the source is lost
 * (knode_is_lost) or after the move's timeout; a failed fetch ends the job
 * naming the rank (the lost function: its pages exist nowhere else), it
 * never runs on zeros. The fetch waits with its own back-off, never
 * knode_idle: that would run the MPI layer's idle hooks on a thread that
 * holds none of its locks.
 *
 * The background thread walks rmig_postcopy_plan (ascending,
 * RMIG_POSTCOPY_CHUNK at a time), skips what is present, places the rest
 * (rmig_postcopy_fault_push: a page the rank pulled or gave back meanwhile
 * is left alone), then finish (zeros for nothing: every watched page is a
 * touched one), and once all are present sends DONE on the stream: the
 * source stops serving. The session itself is stopped later, in rank
 * context (rmig_postcopy_complete, before a move or a checkpoint), never
 * under a messaging call that may be in rmig_postcopy_touch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_postcopy_move.h"
#include "rmig_postcopy_serve.h"
#include "rmig_postcopy_wire.h"
#include "ua.h"

/* The cluster's session and its transport (runtime state). */
static struct rmig_pcd {
    struct rmig_postcopy_fault *f;
    int src, rank, stream;
    uint64_t job;
    int portal;           /* input, lane 0 of the stream: the answers */
    int mbx;              /* output, to the source's RMIG_PULL_PORT */
    uint64_t seq;         /* pulls asked */
    uint8_t *abuf;        /* an answer: header + RMIG_PULL_MAX */
    pthread_mutex_t lock; /* one fetch at a time: portal, mbx, abuf, seq */
    struct rmig_postcopy_range *runs;
    int nruns;
    pthread_t pusher;
    int pusher_started;
    int done;   /* the pusher ended: every page present (1) or not (-1) */
    int failed; /* a fetch failed: the transport is unusable, later ones say the same */
    int quit;   /* the rank ended: the background pull stops between chunks */
    double resumed, all_present;
} rmig_pcd = {.portal = -1, .mbx = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

/* The fetch's wait: a faulting rank waits on it, so it spins a while (the
 * answer of a pull takes some 100 us), then sleeps 20 us at a time. Never
 * sched_yield: under EEVDF a yield puts the thread last on a busy node. */
static void rmig_pcd_pause(unsigned *spins)
{
    struct timespec ts = {0, 20000};

    if (++*spins < 4096) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else
        nanosleep(&ts, NULL);
}

static int rmig_pcd_fetch_one(struct rmig_pcd *d, uintptr_t addr, size_t len, void *buf)
{
    size_t want = sizeof(struct rmig_pull) + len;
    double deadline = knode_wtime() + rmig_timeout();
    struct rmig_pull q;
    const void *bytes;
    unsigned spins = 0;
    ssize_t got;
    int ret, port = RMIG_STREAM_PORT(d->src, d->stream, 0);

    rmig_pull_fill(&q, d->job, d->rank, addr, (uint32_t)len, ++d->seq);
    ret = rmig_portal_post_read(d->portal, d->src, port, d->abuf, want);
    if (ret == 0) {
        ssize_t w = kmailbox_write(d->mbx, &q, sizeof(q));

        ret = w < 0 ? (int)w : 0;
    }
    while (ret == 0 && (ret = kportal_test(d->portal)) == 0) {
        if (knode_is_lost(d->src))
            return -EHOSTDOWN;
        if (knode_wtime() > deadline)
            return -ETIMEDOUT;
        rmig_pcd_pause(&spins);
    }
    if (ret < 0)
        return ret;
    got = kportal_wait(d->portal);
    if (got < 0)
        return (int)got;
    ret = rmig_pull_answer_decode(d->abuf, (size_t)got, &q, &bytes);
    if (ret == RMIG_PULL_BYTES) {
        memcpy(buf, bytes, len);
        return 0;
    }
    if (ret == RMIG_PULL_EMPTY)
        return RMIG_POSTCOPY_EMPTY;
    return ret < 0 ? ret : -EBADMSG;
}

/* The session's fetch (struct rmig_postcopy_ops). */
static int rmig_pcd_fetch(uintptr_t addr, size_t len, void *buf, void *arg)
{
    struct rmig_pcd *d = arg;
    int ret = 0, empty = 1;

    pthread_mutex_lock(&d->lock);
    /* Waited for the lock while the background pull placed these pages:
     * nothing to fetch (the caller leaves present pages alone), and after
     * the last of them the source may have stopped serving. */
    if (d->f != NULL && rmig_postcopy_fault_range_present(d->f, addr, len)) {
        pthread_mutex_unlock(&d->lock);
        return RMIG_POSTCOPY_EMPTY;
    }
    ret = d->failed;
    for (size_t off = 0; ret >= 0 && off < len; off += RMIG_PULL_MAX) {
        size_t piece = len - off < RMIG_PULL_MAX ? len - off : RMIG_PULL_MAX;

        ret = rmig_pcd_fetch_one(d, addr + off, piece, (uint8_t *)buf + off);
        if (ret == RMIG_POSTCOPY_EMPTY)
            memset((uint8_t *)buf + off, 0, piece);
        else if (ret == 0)
            empty = 0;
    }
    if (ret < 0)
        d->failed = ret; /* a read may still be posted on the portal */
    pthread_mutex_unlock(&d->lock);
    return ret < 0 ? ret : empty ? RMIG_POSTCOPY_EMPTY : 0;
}

/* A page that cannot be fetched: the rank's only copy was at the source. */
static void rmig_pcd_lost(uintptr_t addr, int err, void *arg)
{
    struct rmig_pcd *d = arg;
    char msg[200];

    snprintf(msg, sizeof(msg),
             "post-copy move of rank %d: its page at %#lx could not be fetched from cluster %d "
             "(%s): the rank is lost",
             d->rank, (unsigned long)addr, d->src, strerror(-err));
    kjob_abort(1, msg);
}

/* ---- the background pull ------------------------------------------------- */

static void rmig_pcd_report(struct rmig_pcd *d)
{
    struct rmig_postcopy_stats st;

    if (!base_setting_on("NMPI_MIGRATION_REPORT"))
        return;
    rmig_postcopy_fault_stats(d->f, &st);
    fprintf(stderr,
            "nanvix-mpi: rank %d post-copy from cluster %d: %s %.1f ms after resuming: "
            "%llu pages, %llu pulled on %llu faults (blocked %.2f ms, at most %.2f ms), "
            "%llu pushed, %llu zero, %llu given back\n",
            d->rank, d->src, d->done > 0 ? "every page present" : "NOT all present",
            (d->all_present - d->resumed) * 1e3, (unsigned long long)st.pages,
            (unsigned long long)st.pulled, (unsigned long long)st.faults, st.blocked_ns * 1e-6,
            st.max_blocked_ns * 1e-6, (unsigned long long)st.pushed, (unsigned long long)st.zeroed,
            (unsigned long long)st.removed);
}

static void *rmig_pcd_pusher(void *arg)
{
    struct rmig_pcd *d = arg;
    struct rmig_postcopy_plan plan;
    uint8_t *buf = malloc(RMIG_POSTCOPY_CHUNK);
    uintptr_t a;
    size_t len;
    int ret = buf == NULL ? -ENOMEM
                          : rmig_postcopy_plan_init(&plan, d->runs, d->nruns, RMIG_POSTCOPY_CHUNK);
    int planned = ret == 0;

    /* Not boosted: it runs beside the rank, which it would starve. */
    double hold = 1e-3 * base_setting_double("NMPI_TEST_POSTCOPY_HOLD_MS", 0, 600000);

    while (knode_wtime() < d->resumed + hold && !__atomic_load_n(&d->quit, __ATOMIC_ACQUIRE))
        usleep(1000); /* test hook: pages stay missing a while */

    while (ret == 0 && !__atomic_load_n(&d->quit, __ATOMIC_ACQUIRE) &&
           rmig_postcopy_plan_next(&plan, &a, &len)) {
        int got;
        long placed;

        if (rmig_postcopy_fault_range_present(d->f, a, len))
            continue;
        got = rmig_pcd_fetch(a, len, buf, d);
        if (got < 0)
            rmig_pcd_lost(a, got, d); /* does not return */
        placed = rmig_postcopy_fault_push(d->f, a, got == 0 ? buf : NULL, len);
        if (placed < 0) {
            ret = (int)placed;
            base_log(BASE_LOG_WARN, "rmig", "cluster %d: post-copy: placing %zu bytes at %#lx: %s",
                     knode_get_num(), len, (unsigned long)a, strerror((int)-placed));
        }
    }
    if (planned)
        rmig_postcopy_plan_free(&plan);
    free(buf);
    if (__atomic_load_n(&d->quit, __ATOMIC_ACQUIRE))
        return NULL; /* the rank ended: nobody needs the rest, the job's end tells the source */
    if (ret == 0)
        ret = rmig_postcopy_fault_finish(d->f) < 0 ? -EIO : 0;
    /* Under the transport's lock: a fetch either ended before, or starts
     * after and finds its pages present (no pull the source would never
     * answer once it heard DONE). */
    pthread_mutex_lock(&d->lock);
    d->all_present = knode_wtime();
    __atomic_store_n(&d->done, ret == 0 && rmig_postcopy_fault_all_present(d->f) ? 1 : -1,
                     __ATOMIC_RELEASE);
    if (d->done > 0)
        rmig_control_stream_reply(d->src, RMIG_MSG_DONE, d->rank, 0, d->stream);
    pthread_mutex_unlock(&d->lock);
    if (d->done > 0) { /* the source no longer serves: the rank may take its core now */
        knode_set_buffer_hook(NULL); /* nothing left to fetch: no call per buffer */
        rmig_cores_follow(d->rank, d->src);
    }
    if (d->done < 0)
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: post-copy of rank %d: the background pull failed (%d); pages are "
                 "pulled on touch only, and the source keeps serving",
                 knode_get_num(), d->rank, ret);
    rmig_pcd_report(d);
    return NULL;
}

/* ---- the session's life -------------------------------------------------- */

static void rmig_pcd_end(struct rmig_pcd *d)
{
    if (d->pusher_started)
        pthread_join(d->pusher, NULL);
    d->pusher_started = 0;
    knode_set_buffer_hook(NULL);
    rmig_postcopy_fault_stop(d->f);
    d->f = NULL;
    if (d->portal >= 0)
        kportal_unlink(d->portal);
    if (d->mbx >= 0)
        kmailbox_close(d->mbx);
    d->portal = d->mbx = -1;
    free(d->abuf);
    free(d->runs);
    d->abuf = NULL;
    d->runs = NULL;
    d->done = 0;
}

int rmig_postcopy_complete(void)
{
    struct rmig_pcd *d = &rmig_pcd;
    int ret = 0;

    if (d->f == NULL)
        return 0;
    if (d->pusher_started) /* it ends: every page placed, or the job ended */
        pthread_join(d->pusher, NULL);
    d->pusher_started = 0;
    for (int i = 0; ret == 0 && !rmig_postcopy_fault_all_present(d->f) && i < d->nruns; i++)
        ret = rmig_postcopy_fault_prefault(d->f, d->runs[i].addr, d->runs[i].len);
    if (ret == 0 && !rmig_postcopy_fault_all_present(d->f))
        ret = -EIO;
    if (ret == 0 && d->done <= 0) /* the pull failed, the fetches did it: tell the source */
        rmig_control_stream_reply(d->src, RMIG_MSG_DONE, d->rank, 0, d->stream);
    if (ret == 0) {
        __atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
        rmig_cores_follow(d->rank, d->src);
        rmig_pcd_end(d);
    }
    return ret;
}

int rmig_postcopy_pulling(void)
{
    return rmig_pcd.f != NULL && __atomic_load_n(&rmig_pcd.done, __ATOMIC_ACQUIRE) <= 0;
}

void rmig_postcopy_quit(void)
{
    if (rmig_pcd.f == NULL)
        return;
    /* Every page here already (the rank pulled them): the pull only skips
     * to its end and says so; else it stops between chunks. */
    if (!rmig_postcopy_fault_all_present(rmig_pcd.f))
        __atomic_store_n(&rmig_pcd.quit, 1, __ATOMIC_RELEASE);
    rmig_pcd_end(&rmig_pcd); /* joins the pull: no thread uses the port after the rank */
}

/* Kernel context, the table checked: starts the session on the runs.
 * Returns 0 (or 0 with no session when nothing is lazy), or -errno. */
static int rmig_pcd_start(struct rmig_pcd *d, const struct rmig_wire_hdr *b, int portal0,
                          const struct rmig_wire_range *r, int n)
{
    struct rmig_postcopy_ops ops = {.fetch = rmig_pcd_fetch, .lost = rmig_pcd_lost, .arg = d};
    int ret;

    if (d->f != NULL)
        return -EBUSY; /* cannot happen: a cluster holds one container */
    d->nruns = rmig_postcopy_runs(r, n, &d->runs);
    base_log(BASE_LOG_DEBUG, "rmig", "cluster %d: post-copy of rank %d from %d: %d lazy runs",
             knode_get_num(), b->rank, b->src_cluster, d->nruns);
    if (d->nruns <= 0)
        return d->nruns;
    d->src = b->src_cluster;
    d->rank = b->rank;
    d->stream = b->stream;
    d->job = knode_job_token();
    d->seq = 0;
    d->done = 0;
    d->failed = 0;
    d->quit = 0;
    d->portal = portal0;
    d->abuf = malloc(sizeof(struct rmig_pull) + RMIG_PULL_MAX);
    d->mbx = kmailbox_open(d->src, RMIG_PULL_PORT);
    ret = d->abuf == NULL ? -ENOMEM : d->mbx < 0 ? d->mbx : 0;
    if (ret == 0)
        ret = rmig_postcopy_fault_start(d->runs, d->nruns, &ops, &d->f);
    /* Missing pages are fetched before a buffer reaches the port
     * (rmig_postcopy_fault.c step 6), only while a session lives: the
     * hook's call cost every message 30 instructions (latency profile). */
    if (ret == 0)
        knode_set_buffer_hook(rmig_postcopy_touch);
    if (ret < 0) {
        d->portal = -1; /* the caller's to unlink */
        rmig_pcd_end(d);
    }
    return ret;
}

int rmig_postcopy_stream_receive(const struct rmig_wire_hdr *b);

int rmig_postcopy_stream_receive(const struct rmig_wire_hdr *b)
{
    int src = b->src_cluster, n = b->arg, portal[RMIG_LANES], lane, ret, nfirst = 0;
    struct rmig_wire_range *r = calloc((size_t)n, sizeof(*r)), *first = NULL;

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
        rmig_trim_for(r, n);
        ret = rmig_pcd_start(&rmig_pcd, b, portal[0], r, n);
    }
    /* From here to the source's decision this thread hurries
     * (knode_boost_begin), as the portal stream's receiver does: on a busy
     * node the first pages, DONE and the wait for COMMIT are the rank's
     * pause (restore 2.0-6.6 ms under 8 busy loops on 2 cores, 0.2-0.7
     * quiet, before this). Not earlier: the fault handler thread
     * rmig_pcd_start made would have inherited the nice; and it ends
     * before the background pull thread is made, which runs beside the
     * rank and would starve it. */
    knode_boost_begin();
    if (ret >= 0 && (first = malloc((size_t)n * sizeof(*first))) == NULL)
        ret = -ENOMEM;
    for (int i = 0; ret >= 0 && i < n; i++)
        if (!rmig_postcopy_lazy(&r[i]))
            first[nfirst++] = r[i];
    if (ret >= 0)
        ret = rmig_ranges_receive(portal, src, b->stream, first, nfirst);
    rmig_cluster.arrival_ranges = nfirst; /* the report's: rmig_figures_arrived */
    rmig_cluster.arrival_bytes = 0;
    for (int i = 0; i < nfirst; i++)
        rmig_cluster.arrival_bytes += first[i].len;
    if (ret >= 0 && !ua_container_present())
        ret = -EBADMSG;
    if (rmig_pcd.f != NULL)
        portal[0] = -1; /* the session's now */
    rmig_portals_unlink(portal);
    free(r);
    free(first);
    rmig_cluster.reserved_for = -1;
    rmig_clock_mark(&rmig_cluster.arrival, RMIG_MARK_RECEIVED);
    if (ret < 0) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: post-copy stream from cluster %d rejected (%d)", knode_get_num(), src,
                 ret);
        rmig_pcd_end(&rmig_pcd);
        ua_release_container();
        rmig_control_stream_reply(src, RMIG_MSG_FAIL, b->rank, ret, b->stream);
        knode_boost_end();
        return 0;
    }
    rmig_control_stream_reply(src, RMIG_MSG_DONE, b->rank, 0, b->stream);
    ret = rmig_decision_wait(src, b->stream);
    knode_boost_end();
    if (ret != RMIG_MSG_COMMIT || (rmig_pcd.f != NULL && knode_is_lost(src))) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: the post-copy move of rank %d from cluster %d was %s; the copy "
                 "here is dropped",
                 knode_get_num(), b->rank, src,
                 ret == RMIG_MSG_COMMIT  ? "committed by a source lost since"
                 : ret == RMIG_MSG_ABORT ? "given up by the source"
                                         : "never confirmed by the source");
        rmig_pcd_end(&rmig_pcd);
        ua_release_container();
        if (ret == RMIG_MSG_COMMIT) /* its heap was only there */
            kjob_abort(1, "post-copy move: the source was lost before the rank resumed");
        return 0;
    }
    if (rmig_pcd.f != NULL) {
        rmig_pcd.resumed = knode_wtime();
        rmig_pcd.pusher_started =
            pthread_create(&rmig_pcd.pusher, NULL, rmig_pcd_pusher, &rmig_pcd) == 0;
        if (!rmig_pcd.pusher_started)
            base_log(BASE_LOG_WARN, "rmig",
                     "cluster %d: post-copy of rank %d: no background pull thread; pages come "
                     "on touch only",
                     knode_get_num(), b->rank);
    }
    return 1; /* a rank to resume */
}
