/* rmig_precopy_move.c: a pre-copy move, the rank's side and the sender's job.
 *
 * Once the destination is reserved, the rank (rank context) lists the
 * container's extents and the bytes of them that may be sent, announces the
 * rounds to the destination (PRECOPY: stream number, counts of that layout)
 * and hands the sender thread its job: start tracking written pages, list
 * the touched ranges (round 0), open the move's stream ports, send the
 * layout, then the rounds (rmig_precopy_rounds), summing each page it sent.
 * The rank goes back to its own work. At each later safe point it looks at
 * the job (rmig_precopy_step): still running, it goes on; ended well, it
 * freezes and the kernel context sends the stop round
 * (rmig_stream_precopy.c); ended badly, or refused by the destination
 * (FAIL, noted by rmig_precopy_heard), or the destination lost, the job is
 * cancelled, the destination told ABORT, and the move fails with the rank
 * running here as before: nothing of this cluster's container was ever
 * written by the move.
 *
 * Nothing here allocates in rank context (that memory is the container
 * being sent): the move's state is this cluster's (rmig_pc), what the job
 * allocates goes to the runtime's heap (the sender is a runtime thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_dirty_impl.h"
#include "rmig_internal.h"
#include "rmig_precopy_move.h"
#include "rmig_precopy_sender.h"
#include "ua.h"

struct rmig_pc_move rmig_pc;

static int rmig_pc_kind = -ENOTSUP; /* the tracker that works here, or why none does */
static char rmig_pc_why[256];       /* and the backends' reasons, for the warning */

int rmig_precopy_boot(void)
{
    int ret = rmig_precopy_sender_start();

    if (ret < 0) {
        rmig_pc_kind = ret;
        snprintf(rmig_pc_why, sizeof(rmig_pc_why), "no sender thread: %s", strerror(-ret));
        return ret;
    }
    rmig_pc_kind = rmig_dirty_pick(rmig_pc_why, sizeof(rmig_pc_why));
    /* Soft-dirty bits are exact only with every writer stopped: no use
     * while the rank runs. */
    if (rmig_pc_kind == RMIG_DIRTY_SOFT) {
        rmig_pc_kind = -ENOTSUP;
        snprintf(rmig_pc_why, sizeof(rmig_pc_why), "only soft-dirty bits, exact only when stopped");
    }
    return rmig_pc_kind < 0 ? rmig_pc_kind : 0;
}

int rmig_precopy_usable(void)
{
    static int said;

    if (rmig_pc_kind >= 0)
        return 1;
    if (!said++)
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: pre-copy moves go stop-and-copy: no way to track written pages "
                 "here (%s)",
                 knode_get_num(), rmig_pc_why);
    return 0;
}

static void rmig_pc_sort(struct rmig_dirty_range *r, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && r[j - 1].addr > r[j].addr; j--) {
            struct rmig_dirty_range x = r[j];

            r[j] = r[j - 1];
            r[j - 1] = x;
        }
}

/* The extents a tracker watches (ua_extents) and the bytes of them that
 * may be sent: a globals page may also hold the cluster's own objects
 * (stdout, environ), so inside the globals' extents only the globals
 * ranges themselves. Arrays of the cluster's state: no allocation. */
static int rmig_pc_layout(struct rmig_pc_move *pc)
{
    struct ua_range u[RMIG_PC_ALLOW_MAX];
    int n = ua_extents(u, RMIG_PC_EXTENTS_MAX), ng;

    if (n < 0 || n > RMIG_PC_EXTENTS_MAX)
        return n < 0 ? n : -E2BIG;
    for (int i = 0; i < n; i++)
        pc->ext[i] = (struct rmig_dirty_range){(uintptr_t)u[i].addr, u[i].len};
    pc->next = n;
    rmig_pc_sort(pc->ext, n);
    ng = ua_globals_ranges(u, RMIG_PC_ALLOW_MAX);
    if (ng < 0 || ng > RMIG_PC_ALLOW_MAX)
        return ng < 0 ? ng : -E2BIG;
    pc->nallow = 0;
    for (int i = 0; i < n; i++) {
        uintptr_t lo = pc->ext[i].addr, hi = lo + pc->ext[i].len;
        int inside = 0;

        for (int k = 0; k < ng; k++) {
            uintptr_t a = (uintptr_t)u[k].addr, b = a + u[k].len;

            if (b <= lo || a >= hi || u[k].len == 0)
                continue;
            if (pc->nallow == RMIG_PC_ALLOW_MAX)
                return -E2BIG;
            pc->allow[pc->nallow++] =
                (struct rmig_dirty_range){a > lo ? a : lo, (b < hi ? b : hi) - (a > lo ? a : lo)};
            inside = 1;
        }
        if (!inside) {
            if (pc->nallow == RMIG_PC_ALLOW_MAX)
                return -E2BIG;
            pc->allow[pc->nallow++] = pc->ext[i];
        }
    }
    rmig_pc_sort(pc->allow, pc->nallow);
    return 0;
}

static int rmig_pc_touched_note(void *addr, size_t len, void *arg)
{
    rmig_precopy_set_note((uintptr_t)addr, len, arg);
    return 0;
}

/* rmig_precopy_send_fn: a round through the link, then each page it sent
 * summed as it is now (a page written since is in the next collect and
 * sent, and summed, again: rmig_precopy.c). */
static int rmig_pc_send(int round, const struct rmig_dirty_range *r, int n, void *arg)
{
    struct rmig_pc_move *pc = arg;
    int ret = rmig_precopy_link_send(round, r, n, &pc->link);

    for (int i = 0; ret == 0 && i < n; i++)
        rmig_precopy_sums_note(&pc->sums, r[i].addr, r[i].len, 0);
    return ret;
}

static int rmig_pc_layout_send(struct rmig_pc_move *pc)
{
    size_t len = rmig_pc_layout_size(pc->next, pc->nallow);
    struct rmig_wire_pc_layout *h = calloc(1, len);
    struct rmig_wire_run *run;
    int ret;

    if (h == NULL)
        return -ENOMEM;
    run = (struct rmig_wire_run *)(h + 1);
    for (int i = 0; i < pc->next; i++)
        run[i] = (struct rmig_wire_run){pc->ext[i].addr, pc->ext[i].len};
    for (int i = 0; i < pc->nallow; i++)
        run[pc->next + i] = (struct rmig_wire_run){pc->allow[i].addr, pc->allow[i].len};
    *h = (struct rmig_wire_pc_layout){
        .magic = RMIG_PC_LAYOUT_MAGIC,
        .version = RMIG_WIRE_VERSION,
        .next = (uint16_t)pc->next,
        .job = knode_job_token(),
        .rank = pc->rank,
        .nallow = (uint32_t)pc->nallow,
        .sum = ua_checksum_range(run, len - sizeof(*h)),
    };
    ret = rmig_precopy_link_write0(&pc->link, h, len);
    free(h);
    return ret;
}

static int rmig_pc_present(uint64_t e)
{
    return (int)(e >> 63); /* pagemap: the page is in memory */
}

/* Round 0: the touched pages. Listed before the tracker starts (then an
 * empty entry of a tracked range holds a marker that pagemap shows like a
 * swapped page, so the listing would take every page of the extents), and
 * again after it, the pages in memory only: a page first written between
 * the two listings is in the second, one written after is reported. */
static int rmig_pc_first(struct rmig_pc_move *pc)
{
    int ret = ua_touched_ranges(rmig_pc_touched_note, &pc->first);
    int pagemap = -1;

    if (ret == 0)
        ret = rmig_dirty_start((enum rmig_dirty_kind)rmig_pc_kind, pc->ext, pc->next, &pc->t);
    if (ret == 0) {
        pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        ret = pagemap < 0 ? -errno : 0;
    }
    for (int i = 0; ret == 0 && i < pc->next; i++) {
        long pages = rmig_pagemap_runs(pagemap, pc->ext[i].addr, pc->ext[i].len, rmig_pc_present,
                                       rmig_precopy_set_note, &pc->first);

        ret = pages < 0 ? (int)pages : 0;
    }
    if (pagemap >= 0)
        close(pagemap);
    rmig_precopy_set_normalize(&pc->first);
    rmig_precopy_set_clip(&pc->first, pc->allow, pc->nallow);
    return ret < 0 ? ret : pc->first.nomem ? -ENOMEM : 0;
}

/* The sender's job (runtime thread). */
static int rmig_pc_work(void *arg, const atomic_int *cancel)
{
    struct rmig_pc_move *pc = arg;
    int ret = rmig_pc_first(pc);

    if (ret == 0) {
        ret = rmig_precopy_sums_init(&pc->sums, pc->ext, pc->next, pc->allow, pc->nallow,
                                     ua_checksum_range);
        pc->sums_ready = ret == 0;
    }
    if (ret == 0)
        ret = rmig_precopy_sums_reserve(
            &pc->sums, rmig_pc_close_size(RMIG_PC_CLOSE_RUNS, rmig_precopy_sums_pages(&pc->sums)));
    if (ret == 0) {
        ret = rmig_precopy_link_open(&pc->link, pc->dest, pc->stream, pc->rank, cancel);
        pc->link_open = ret == 0;
    }
    if (ret == 0)
        ret = rmig_pc_layout_send(pc);
    if (ret == 0) {
        struct rmig_precopy_job j = {pc->t,     pc->first.r, pc->first.n,
                                     pc->allow, pc->nallow,  cancel};

        ret = rmig_precopy_rounds(&j, &pc->policy, rmig_pc_send, pc, &pc->left, &pc->st);
    }
    return ret;
}

static double rmig_pc_now(void)
{
    return knode_wtime();
}

/* The last round (sender thread), sent while the rank waits at the safe
 * point that found the rounds over (rmig_pc_last): what it wrote since the
 * rounds' last collect - while it computed up to this safe point - goes
 * now, so that the stop round holds only what the rank writes from here
 * to the freeze (its messages). What the last collect left is sent too. */
static int rmig_pc_last_round(void *arg, const atomic_int *cancel)
{
    struct rmig_pc_move *pc = arg;
    double t0 = rmig_pc_now();
    long pages = rmig_dirty_collect(pc->t, rmig_precopy_set_note, &pc->left);
    int round = pc->st.rounds + 1, ret;

    if (pages < 0)
        return (int)pages;
    rmig_precopy_set_normalize(&pc->left);
    rmig_precopy_set_clip(&pc->left, pc->allow, pc->nallow);
    if (pc->left.nomem)
        return -ENOMEM;
    pc->link.cancel = cancel;
    ret = rmig_pc_send(round, pc->left.r, pc->left.n, pc);
    if (ret == 0) {
        pc->st.rounds = round;
        pc->st.bytes[round] = pc->left.bytes;
        pc->st.seconds[round] = rmig_pc_now() - t0;
        rmig_precopy_set_clear(&pc->left); /* sent: the final collect sees what follows */
    }
    return ret;
}

/* Rank context: the rounds are over; one last round while the rank waits
 * here, its messages progressing (it is not frozen: other ranks' traffic
 * goes on, and a refusal or a loss still fails the move with the rank
 * running here). Returns 0 or why the move fails. */
static int rmig_pc_last(struct rmig_pc_move *pc)
{
    const struct rmig_messaging_ops *m = &rmig_cluster.messaging;
    unsigned spins = 0;
    int result = 0, ret;

    if (pc->st.rounds >= RMIG_PRECOPY_MAX_ROUNDS)
        return 0; /* the stop round takes all of it */
    ret = rmig_precopy_sender_submit(rmig_pc_last_round, pc);
    while (ret == 0 && rmig_precopy_sender_poll(&result) == 1) {
        rmig_control_answer(); /* the destination's FAIL is noted here */
        if (pc->heard_fail || knode_is_lost(pc->dest))
            return pc->heard_fail ? -EIO : -EHOSTDOWN;
        if (m->progress() > 0)
            spins = 0;
        else
            knode_idle(&spins);
    }
    return ret < 0 ? ret : result;
}

/* Test hook NMPI_TEST_STREAM_FAULT=precopy-round2: at least two rounds
 * after round 0, and the destination refuses round 2 (or a final one). */
int rmig_precopy_fault_round2(void)
{
    return strcmp(base_setting("NMPI_TEST_STREAM_FAULT"), "precopy-round2") == 0;
}

int rmig_precopy_begin(int dest)
{
    struct rmig_pc_move *pc = &rmig_pc;
    struct rmig_wire_hdr h;
    int ret;

    if (pc->active)
        return -EBUSY;
    memset(pc, 0, sizeof(*pc));
    pc->dest = dest;
    pc->rank = ua_get_rank();
    pc->policy.max_rounds =
        (int)base_setting_long("NMPI_PRECOPY_ROUNDS", 0, RMIG_PRECOPY_MAX_ROUNDS);
    pc->policy.small_bytes = (uint64_t)base_setting_long("NMPI_PRECOPY_STOP_KIB", 0, 1L << 30)
                             << 10;
    pc->policy.min_rounds = rmig_precopy_fault_round2() ? 2 : 0;
    pc->policy.budget_factor = (int)base_setting_long("NMPI_PRECOPY_BUDGET", 0, 100);
    ret = rmig_pc_layout(pc);
    if (ret < 0)
        return ret;
    pc->stream = rmig_stream_number();
    memset(&h, 0, sizeof(h));
    h.type = RMIG_MSG_PRECOPY;
    h.rank = pc->rank;
    h.arg = pc->next;
    h.stream = pc->stream;
    h.a = (uint64_t)pc->nallow;
    ret = rmig_control_write(dest, &h);
    if (ret == 0)
        ret = rmig_precopy_sender_submit(rmig_pc_work, pc);
    if (ret < 0) {
        rmig_control_stream_reply(dest, RMIG_MSG_ABORT, pc->rank, ret, pc->stream);
        return ret;
    }
    pc->active = 1;
    return 0;
}

void rmig_precopy_release(void)
{
    struct rmig_pc_move *pc = &rmig_pc;

    if (pc->link_open)
        rmig_precopy_link_close(&pc->link);
    if (pc->sums_ready)
        rmig_precopy_sums_free(&pc->sums);
    rmig_dirty_stop(pc->t);
    rmig_precopy_set_free(&pc->first);
    rmig_precopy_set_free(&pc->left);
    pc->t = NULL;
    pc->link_open = pc->sums_ready = 0;
    pc->active = 0;
}

/* Ends the job and the move: the destination told (unless it refused or
 * is gone), everything freed. Returns why. */
static int rmig_pc_give_up(int why)
{
    struct rmig_pc_move *pc = &rmig_pc;

    rmig_precopy_sender_cancel();
    rmig_precopy_sender_wait();
    if (pc->heard_fail == 0 && why != -EHOSTDOWN)
        rmig_control_stream_reply(pc->dest, RMIG_MSG_ABORT, pc->rank, why, pc->stream);
    /* Writes of a stalled stream may still be delivered: its number rests. */
    if (why == -ETIMEDOUT || why == -EHOSTDOWN)
        rmig_cluster.streams_stalled |= 1u << pc->stream;
    rmig_precopy_release();
    return why;
}

void rmig_precopy_abandon(int why)
{
    if (rmig_pc.active)
        rmig_pc_give_up(why);
}

void rmig_precopy_heard(const struct rmig_wire_hdr *h)
{
    struct rmig_pc_move *pc = &rmig_pc;

    if (pc->active && h->type == RMIG_MSG_FAIL && h->src_cluster == pc->dest &&
        h->stream == pc->stream)
        pc->heard_fail = h->arg < 0 ? h->arg : -EIO;
}

int rmig_precopy_step(struct rmig_rank *rs)
{
    struct rmig_pc_move *pc = &rmig_pc;
    int result = 0, running, why;

    rmig_xreq_poll();
    rmig_control_answer(); /* a FAIL of the destination is noted here */
    rmig_reach_tick();
    why = pc->heard_fail            ? -EIO
          : knode_is_lost(pc->dest) ? -EHOSTDOWN
          : !rmig_messaging_ready() ? -ENOTCONN
                                    : 0;
    running = rmig_precopy_sender_poll(&result);
    if (running == 1 && why == 0)
        return 1;
    if (running < 0) /* no job: cannot be while the move is active */
        why = -EIO;
    if (why < 0)
        return rmig_pc_give_up(why);
    if (result < 0)
        return rmig_pc_give_up(result == -ECANCELED ? -EIO : result);
    /* The rounds are over: a last one sent from here, then the freeze; the
     * kernel context sends the rest (rmig_stream_precopy.c), and frees the
     * move's state either way. */
    why = rmig_pc_last(pc);
    if (why < 0)
        return rmig_pc_give_up(why == -ECANCELED ? -EIO : why);
    return rmig_move_reserved(rs, pc->dest, NULL);
}
