/* rmig_precopy.c: the rounds of a pre-copy move (issue 15 item 1).
 *
 * WHO SENDS WHILE THE RANK RUNS. A cluster's process has one main thread,
 * which is the rank's while it runs and the kernel context's
 * (rmig_spare_loop) while the rank is suspended; a preemption ticker
 * thread (rmig_preempt.c) that only signals the main thread; and the
 * fabric's own threads. Two ways to send pages while the rank runs:
 *
 *  (a) cooperative: the kernel context sends one slice per safe point or
 *      preemption tick, the rank running between slices;
 *  (b) a sender thread of the source cluster that pushes the rounds through
 *      the portal stream while the rank runs on the main thread.
 *
 * Chosen: (b), a sender thread. Why:
 *  - (a) stops the rank for every byte it sends: the main thread is the
 *    only one, so the rank's lost time is the whole copy, as in
 *    stop-and-copy, only cut in slices; and a slice can only start at a
 *    safe point, so a rank computing in a library (no tick lands outside
 *    ua_program_code) would stall the rounds. Same-host portal transfers
 *    are copied by the WRITER inside its own progress calls (np_push.c,
 *    process_vm_writev, at most NP_PUSH_SLICE = 8 MiB per call), so with
 *    (a) nothing moves between safe points either.
 *  - (b) is possible: nanvix-port is thread-safe, every public call takes
 *    the one np_lock and blocking waits drop it while they back off
 *    (np_internal.h), which is how the rank's MPI threads and the daemon
 *    already share it; allocations inside port calls go to libc
 *    (np_kernel_depth). The tracker needs no thread of its own with
 *    uffd-async (the kernel lifts the protection itself), and costs the
 *    writer 1.5-3.5 us per first write of a page after a collect
 *    (bench/dirty.txt: uffd-async adds 0.46% run time to a thread writing
 *    1% of 16 MiB per 10 ms, 7.5% for 256 MiB; uffd-sync 13.7% and 64%,
 *    its handler thread competing for the 2 cores); its "pre-copy
 *    rehearsal" (a copying thread next to a writing one, memcpy as the
 *    transport) converged in 2 rounds for 1% hot sets with a stop round
 *    of 0.16 MiB (16 MiB) and 2.56 MiB (256 MiB), 0.08 and 6.1 ms, bit for
 *    bit equal.
 *  - measured here (2 cores, load 4-6, 2026-12-07): a stop-and-copy move
 *    of a rank of 16 MiB stops it 41-53 ms, of 256 MiB 71-971 ms (the
 *    transfer is nearly all of it: tests/mpi/migrate_precopy with
 *    NMPI_MIGRATION_REPORT=1). With (a) the rank loses that whole transfer
 *    time, only in slices; with (b) it loses the stop round. The rounds
 *    run by this thread while the test's main thread writes 1% of the
 *    pages per 10 ms (test_rmig_precopy, memcpy paced at ~1 GiB/s as the
 *    transport, TEST_PRECOPY_MIB=256): 5 rounds, 256 + 69 + 21 + 8 + 3 +
 *    3 MiB, a stop round of 2.6 MiB (10 ms at that pace, bit for bit).
 *  - its costs, to keep in mind: the thread competes with the rank for a
 *    core (2 cores here, often oversubscribed: issue 15 item 4); a push
 *    slice holds np_lock for up to a few ms, so the rank's MPI calls may
 *    wait that long during the rounds.
 * So the sender thread is the runtime's, started in kernel context like the
 * ticker (ua_threads.c then does not count it as the rank's: the rank can
 * still move, and its allocations go to libc, never into the container it
 * copies); the rank hands it the move and goes on; the kernel context only
 * makes the final stop-and-copy.
 *
 * WHAT THE SENDER MAY TOUCH. Only portals, its tracker and its own runtime
 * memory: the daemon's control state (rmig_cluster, the control mailbox,
 * its kept replies) is the main thread's alone, read by the rank at its
 * safe points and by the kernel context. So (found reading the move path):
 *  - the rounds need no acknowledgement message: a portal write completes
 *    only once the reader has the data (nanvix.h), so "round k is in" is
 *    the completion of its writes; the runs' table goes first through
 *    lane 0, which the destination reads into a buffer of the largest size
 *    (kportal reads learn the length from the transfer);
 *  - rmig_portal_finish() cannot be reused as it is by the sender: it reads
 *    the control mailbox for a FAIL (rmig_control_check). A refusal
 *    (the destination's FAIL, or its loss) is seen by the rank at its next
 *    safe point, which cancels the sender (rmig_precopy_sender_cancel) and
 *    gives the move up; the sender's own waits end on knode_is_lost() or
 *    the move's timeout, or when cancelled;
 *  - the tracker, the tables and the sums are made by the sender itself
 *    (ua_extents, rmig_dirty_start, ua_touched_ranges, in that order, so
 *    that no write between the listing and the tracking is lost): made by
 *    the rank they would be allocated in the container being copied.
 *
 * THE INVARIANTS, round by round (how the rest is to be built):
 *  - the destination is reserved (OFFER/ACCEPT) before round 0 and receives
 *    the rounds in its kernel context (a spare: it runs no rank), straight
 *    into its container region; it runs nothing of it before the final
 *    COMMIT, and drops it (ua_release_container) on any FAIL, ABORT,
 *    timeout or loss of the source, as today;
 *  - a range's checksum cannot be taken while the rank may write it, so a
 *    round's bytes are not checked when they land. Instead: a page not
 *    reported by the collect that ends round k was not written during
 *    round k (rmig_dirty.h: every page is either protected or reported),
 *    so the bytes sent are its bytes now. At the freeze the source sends
 *    the whole range table with checksums of the frozen container; the
 *    destination checks every range against it before it answers DONE
 *    (to keep the downtime small: it checksums each piece once it is final
 *    at its end, and only the stop round's pieces after the freeze);
 *  - a failed round, or a broken tracker, ends the rounds: the rank was
 *    never stopped, the source keeps everything (it never writes its own
 *    container); the move then fails (the destination drops its copy) or
 *    falls back to a full stop-and-copy;
 *  - the heap growing during the rounds: its new pages are outside the
 *    tracked extents; the final table (ua_touched_ranges at the freeze)
 *    lists them, and the stop round sends every range of it that the
 *    rounds did not cover.
 *
 * WHAT EXISTS (first step): the rounds and their convergence rule, transport
 * aside, here; the sets clipped to what may be sent and completed with
 * what was never tracked; the per-page sums of the final check
 * (rmig_precopy_sums.c); the sender thread (rmig_precopy_sender.c); the
 * source's end of the rounds through portals (rmig_precopy_link.c: a
 * round's header and runs on lane 0, then the runs' bytes) and the
 * destination's (rmig_precopy_landing.c: everything checked before a byte
 * lands, round 0 trims, pages summed as they land); the extents to track
 * (ua_extents). The unit test runs the rounds in the
 * sender thread while the test's main thread writes, with memcpy into a
 * shadow mapping as the transport, and checks the copy bit for bit.
 * NOT YET (next step): the sender started at boot; the rank's side (hand
 * the move to the sender at the safe point, poll at the next ones, freeze
 * when it ends); the spare's loop taking the rounds of the rank reserved
 * for it (a PRECOPY control message announcing the stream, then
 * rmig_precopy_landing_round until the final stream) and the final stream
 * itself (the stop round's runs, then the source's sums, compared before
 * DONE); a stream number whose rounds were given up not reused while
 * writes of it may still be queued (as streams_stalled does); the destination's timeouts and
 * drop of a partial copy; the mode switch NMPI_MIGRATION_MODE=precopy and
 * the report's rounds; tests/mpi/migrate_precopy_rounds.sh (an expected
 * failure until then).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rmig_precopy.h"

int rmig_precopy_go_on(const struct rmig_precopy_policy *p, int rounds, uint64_t dirty,
                       uint64_t before)
{
    if (rounds >= p->max_rounds || rounds >= RMIG_PRECOPY_MAX_ROUNDS)
        return 0;
    if (rounds < p->min_rounds)
        return 1;
    if (dirty <= p->small_bytes)
        return 0;
    return dirty < before; /* not shrinking: another round would only resend it */
}

void rmig_precopy_set_note(uintptr_t addr, size_t len, void *arg)
{
    struct rmig_precopy_set *s = arg;

    if (len == 0)
        return;
    if (s->n > 0 && s->r[s->n - 1].addr + s->r[s->n - 1].len == addr) {
        s->r[s->n - 1].len += len;
        s->bytes += len;
        return;
    }
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 256;
        void *r = realloc(s->r, (size_t)cap * sizeof(*s->r));

        if (r == NULL) {
            s->nomem = 1; /* the run is re-armed already: this set cannot be trusted */
            return;
        }
        s->r = r;
        s->cap = cap;
    }
    s->r[s->n++] = (struct rmig_dirty_range){addr, len};
    s->bytes += len;
}

static int rmig_precopy_by_addr(const void *a, const void *b)
{
    uintptr_t x = ((const struct rmig_dirty_range *)a)->addr;
    uintptr_t y = ((const struct rmig_dirty_range *)b)->addr;

    return x < y ? -1 : x > y;
}

void rmig_precopy_set_normalize(struct rmig_precopy_set *s)
{
    int out = 0;

    if (s->n == 0)
        return;
    qsort(s->r, (size_t)s->n, sizeof(*s->r), rmig_precopy_by_addr);
    s->bytes = s->r[0].len;
    for (int i = 1; i < s->n; i++) {
        struct rmig_dirty_range *last = &s->r[out];
        uintptr_t end = last->addr + last->len;

        if (s->r[i].addr <= end) {
            uintptr_t e = s->r[i].addr + s->r[i].len;

            if (e > end) {
                s->bytes += e - end;
                last->len = e - last->addr;
            }
        } else {
            s->r[++out] = s->r[i];
            s->bytes += s->r[i].len;
        }
    }
    s->n = out + 1;
}

void rmig_precopy_set_clip(struct rmig_precopy_set *s, const struct rmig_dirty_range *allow, int n)
{
    struct rmig_precopy_set in = *s; /* read from the old array, written to a new one */
    int j = 0;

    *s = (struct rmig_precopy_set){0};
    for (int i = 0; i < in.n; i++) {
        uintptr_t lo = in.r[i].addr, hi = lo + in.r[i].len;

        while (j < n && allow[j].addr + allow[j].len <= lo)
            j++;
        for (int k = j; k < n && allow[k].addr < hi; k++) {
            uintptr_t a = allow[k].addr > lo ? allow[k].addr : lo;
            uintptr_t b = allow[k].addr + allow[k].len < hi ? allow[k].addr + allow[k].len : hi;

            rmig_precopy_set_note(a, b - a, s);
        }
    }
    s->nomem |= in.nomem;
    free(in.r);
}

void rmig_precopy_set_add_untracked(struct rmig_precopy_set *s, const struct rmig_dirty_range *r,
                                    int n, const struct rmig_dirty_range *tracked, int nt)
{
    int j = 0;

    for (int i = 0; i < n; i++) {
        uintptr_t lo = r[i].addr, hi = lo + r[i].len;

        while (j < nt && tracked[j].addr + tracked[j].len <= lo)
            j++;
        for (int k = j; k < nt && tracked[k].addr < hi && lo < hi; k++) {
            if (tracked[k].addr > lo)
                rmig_precopy_set_note(lo, tracked[k].addr - lo, s);
            if (tracked[k].addr + tracked[k].len > lo)
                lo = tracked[k].addr + tracked[k].len;
        }
        if (lo < hi)
            rmig_precopy_set_note(lo, hi - lo, s);
    }
    rmig_precopy_set_normalize(s);
}

void rmig_precopy_set_clear(struct rmig_precopy_set *s)
{
    s->n = 0;
    s->bytes = 0;
    s->nomem = 0;
}

void rmig_precopy_set_free(struct rmig_precopy_set *s)
{
    free(s->r);
    *s = (struct rmig_precopy_set){0};
}

int rmig_precopy_budget_ok(const struct rmig_precopy_policy *p, const struct rmig_precopy_stats *st,
                           uint64_t dirty)
{
    uint64_t sent = 0;

    if (p->budget_factor <= 0 || st->rounds < p->min_rounds)
        return 1;
    for (int i = 0; i <= st->rounds; i++)
        sent += st->bytes[i];
    return sent + 3 * dirty <= (uint64_t)p->budget_factor * st->bytes[0];
}

static int rmig_precopy_cancelled(const struct rmig_precopy_job *j)
{
    return j->cancel != NULL && atomic_load(j->cancel) != 0;
}

static double rmig_precopy_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One collect into s (cleared first), clipped to what may be sent.
 * Returns 0 or a negative errno. */
static int rmig_precopy_collect(const struct rmig_precopy_job *j, struct rmig_precopy_set *s)
{
    long pages;

    rmig_precopy_set_clear(s);
    pages = rmig_dirty_collect(j->t, rmig_precopy_set_note, s);
    if (pages < 0)
        return (int)pages;
    rmig_precopy_set_normalize(s);
    if (j->allow != NULL)
        rmig_precopy_set_clip(s, j->allow, j->nallow);
    return s->nomem ? -ENOMEM : 0;
}

int rmig_precopy_rounds(const struct rmig_precopy_job *j, const struct rmig_precopy_policy *p,
                        rmig_precopy_send_fn send, void *arg, struct rmig_precopy_set *left,
                        struct rmig_precopy_stats *st)
{
    struct rmig_precopy_stats mine;
    uint64_t before = 0;
    double t0 = rmig_precopy_now();
    int ret;

    if (st == NULL)
        st = &mine;
    memset(st, 0, sizeof(*st));
    for (int i = 0; i < j->nfirst; i++)
        before += j->first[i].len;
    st->bytes[0] = before;
    ret = rmig_precopy_cancelled(j) ? -ECANCELED : send(0, j->first, j->nfirst, arg);
    if (ret == 0)
        ret = rmig_precopy_collect(j, left);
    st->seconds[0] = rmig_precopy_now() - t0;
    while (ret == 0 && rmig_precopy_go_on(p, st->rounds, left->bytes, before) &&
           rmig_precopy_budget_ok(p, st, left->bytes)) {
        int round = ++st->rounds;

        t0 = rmig_precopy_now();
        before = left->bytes;
        st->bytes[round] = left->bytes;
        ret = rmig_precopy_cancelled(j) ? -ECANCELED : send(round, left->r, left->n, arg);
        if (ret == 0)
            ret = rmig_precopy_collect(j, left);
        st->seconds[round] = rmig_precopy_now() - t0;
    }
    st->left = ret == 0 ? left->bytes : 0;
    return ret;
}
