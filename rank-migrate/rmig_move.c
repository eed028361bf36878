/* rmig_move.c: a rank's move, run from one place, both sides.
 *
 * rmig_migrate() is the whole sequence, request to report. It reserves the
 * destination (an OFFER its daemon accepts: idle, same layout), lets the
 * messaging layer end the transfers bound to this cluster and route the
 * rank away (struct rmig_messaging_ops, registered once), flushes stdio and
 * suspends the rank. The kernel context of this cluster (rmig_spare_loop)
 * then sends the container through the move's stream (rmig_move_out); the
 * destination's kernel context takes it and resumes the rank there
 * (rmig_move_in). The rank returns from ua_rank_suspend() either on the
 * destination, where the messaging layer announces it and the figures are
 * reported, or here when the move failed and the source resumed it.
 * rmig_safe_point() is where requests of other ranks and of mpimigrate
 * turn into a move.
 *
 * Modes (rmig_migrate_mode, NMPI_MIGRATION_MODE): stop-and-copy (above);
 * through a checkpoint file (rmig_stream_file.c); pre-copy, where the
 * rounds go while the rank runs (rmig_precopy_move.c) and only the stop
 * round is sent frozen. A pre-copy move asked by the rank itself waits in
 * the call, its messages progressing; one asked by another rank or by
 * mpimigrate starts at a safe point and the rank goes back to its work:
 * its later safe points (MPI calls, preemption ticks) look at the rounds
 * and freeze once they are over.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_ckpt.h"
#include "rmig_internal.h"
#include "rmig_postcopy_move.h"
#include "rmig_precopy_move.h"
#include "ua.h"

double rmig_timeout(void)
{
    return base_setting_double("NMPI_MIGRATE_TIMEOUT", 1e-3, 1e9);
}

struct rmig_rank *rmig_rank_state(void)
{
    struct rmig_rank **slot = (struct rmig_rank **)ua_root(RMIG_ROOT_SLOT);

    if (slot == NULL)
        return NULL;
    if (*slot == NULL)
        *slot = calloc(1, sizeof(struct rmig_rank)); /* rank context: in the container */
    return *slot;
}

void rmig_set_messaging(const struct rmig_messaging_ops *ops)
{
    rmig_cluster.messaging = *ops;
}

int rmig_messaging_ready(void)
{
    const struct rmig_messaging_ops *m = &rmig_cluster.messaging;

    return m->ready != NULL && m->quiesce != NULL && m->depart != NULL && m->stay != NULL &&
           m->arrive != NULL && m->ready();
}

/* Offers this rank to `cluster`; returns 0 when it accepted. */
static int rmig_offer(int cluster)
{
    struct rmig_wire_hdr reply;
    /* Numbered, so that a late answer to an earlier offer (one that timed
     * out) is never taken for this one's (rmig_control_check). */
    uint64_t nonce = ++rmig_cluster.offer_nonce;
    if (knode_is_lost(cluster))
        return -EHOSTDOWN;
    int ret = rmig_control_send(cluster, RMIG_MSG_OFFER, ua_get_rank(), 0, ua_layout_fingerprint(),
                                nonce);

    if (ret < 0)
        return ret;
    /* Meanwhile the rank's messages progress: the cluster asked may host a
     * rank that is itself quiescing for a move of its own and needs them. */
    ret = rmig_control_wait(cluster, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &reply,
                            rmig_cluster.messaging.progress);
    if (ret == RMIG_MSG_ACCEPT)
        return 0;
    if (ret == RMIG_MSG_REFUSE)
        return reply.arg < 0 ? reply.arg : -EBUSY;
    return ret < 0 ? ret : -EIO;
}

/* A cluster whose own rank is on its way out (frozen and streamed, or its
 * pages still pulled by a post-copy destination) refuses with -EAGAIN: it
 * is idle within the move's time. Such a refusal is asked again, every
 * millisecond, until the move's timeout; meanwhile this rank's messages
 * progress and control traffic is answered. Seen on a loaded machine: a
 * rank asked for a spare just after another left the only one (CI,
 * migrate_via env). Returns 1 to ask again, 0 once the time is up. */
static int rmig_offer_again(double deadline)
{
    double until = knode_wtime() + 1e-3;
    unsigned spins = 0;

    if (knode_wtime() >= deadline)
        return 0;
    while (knode_wtime() < until) {
        rmig_control_answer();
        if (rmig_cluster.messaging.progress != NULL)
            rmig_cluster.messaging.progress();
        knode_idle(&spins);
    }
    return 1;
}

#define RMIG_BUSY_GRACE_S 0.25 /* seconds busy refusals are asked again (any spare) */

/* rmig_offer, asked again while the cluster says -EAGAIN (rmig_offer_again);
 * a cluster still leaving when the time is up is busy. */
static int rmig_offer_one(int cluster)
{
    double deadline = knode_wtime() + rmig_timeout();
    int ret;

    while ((ret = rmig_offer(cluster)) == -EAGAIN && rmig_offer_again(deadline))
        ;
    return ret == -EAGAIN ? -EBUSY : ret;
}

/* Tries every other cluster in turn, in rmig_spare_order()'s order (idle
 * cores first), again while one of them is finishing a move out
 * (rmig_offer_again). When none accepts: -EXDEV if one refused for its
 * layout (the idle ones run another build; the others are busy anyway, and
 * "no space" would hide why no spare can take the rank), else -ENOSPC. */
static int rmig_offer_any(int *cluster_p)
{
    int *order = calloc(KNODE_MAX, sizeof(int)), ret = -ENOSPC, layout = 0, again = 1;
    double start = knode_wtime(), deadline = start + rmig_timeout();

    if (order == NULL)
        return -ENOMEM;
    int n = rmig_spare_order(order);
    while (ret != 0 && again) {
        int busy = 0;

        again = 0;
        for (int i = 0; i < n && ret != 0; i++) {
            int why = rmig_offer(order[i]);

            if (why == 0) {
                *cluster_p = order[i];
                ret = 0;
            }
            layout |= why == -EXDEV;
            again |= why == -EAGAIN;
            busy |= why == -EBUSY;
        }
        /* A busy refusal may come from a cluster still finishing what its
         * departed rank left (a loaded machine, CI: migrate_via env with
         * its only spare): asked again for RMIG_BUSY_GRACE_S, no longer,
         * so that a job with no idle cluster hears so promptly. */
        again |= busy && knode_wtime() - start < RMIG_BUSY_GRACE_S;
        again = again && ret != 0 && rmig_offer_again(deadline);
    }
    free(order);
    return ret == 0 || !layout ? ret : -EXDEV;
}

/* A pre-copy move of this rank asked from outside (mpimigrate, another
 * rank) runs its rounds while the rank goes on; the rank asking a move of
 * its own meanwhile first lets that one end, stepping it as the safe
 * points do, its messages progressing: the rank is then on that move's
 * destination (or still here, if it failed) and the new move starts from
 * there. Refusing it (-EBUSY) failed the soak in pre-copy mode (its ranks
 * move themselves while mpimigrate moves them). */
static void rmig_precopy_finish_first(void)
{
    unsigned spins = 0;

    while (rmig_pc.active) {
        rmig_safe_point(); /* its outcome is the asker's (rmig_ask_done) */
        if (!rmig_pc.active)
            break;
        if (rmig_cluster.messaging.progress != NULL && rmig_cluster.messaging.progress() > 0)
            spins = 0;
        else
            knode_idle(&spins);
    }
}

/* Validates `cluster` and reserves it (or any idle one) for this rank.
 * Returns 0 with *dest_p set, or the rmig_migrate() errors of the request. */
static int rmig_reserve(int cluster, int *dest_p)
{
    int ret;

    if (cluster != RMIG_ANY_SPARE && !knode_is_valid(cluster))
        return -EINVAL;
    if (cluster == knode_get_num())
        return -EALREADY;
    if (!ua_layout_migratable())
        return -EXDEV;
    if (ua_rank_threads() > 0)
        return -EUSERS; /* their stacks cannot follow the rank */
    /* Pages of its last move (post-copy) still at their source: waits for
     * them, the background pull going on, rather than refusing (-EBUSY):
     * all of them are here within a few hundred ms (256 MiB: 0.2-0.3 s,
     * bench/precopy.txt), and a refusal failed a job that moved its ranks
     * again soon after (migrate_busy.sh in post-copy mode). */
    ret = rmig_postcopy_complete();
    if (ret < 0)
        return ret;
    rmig_control_forget_replies(); /* late replies of an earlier move */
    ret = cluster == RMIG_ANY_SPARE ? rmig_offer_any(&cluster) : rmig_offer_one(cluster);
    if (ret == 0)
        *dest_p = cluster;
    return ret;
}

/* Suspends the rank for the kernel context to send it to dest. Returns 0
 * on the destination, or on the source the stream's error (-EIO...). */
static int rmig_freeze(struct rmig_rank *rs, int dest)
{
    fflush(NULL);
    rmig_cluster.move_dest = dest;
    rmig_cluster.move_result = -EIO;
    rmig_clock_mark(&rs->clock, RMIG_MARK_SUSPENDED);
    ua_rank_suspend();
    /* Here again: on the destination if the move worked, else on the source. */
    return knode_get_num() == dest ? 0 : rmig_cluster.move_result;
}

/* Ends the transfers bound to this cluster (the messaging layer's part),
 * answering control traffic meanwhile: a rank offering itself here, or
 * asking this one to move, must hear back promptly even while this rank
 * waits for its own transfers, which may need that very rank to progress. */
static void rmig_quiesce(const struct rmig_messaging_ops *m)
{
    unsigned spins = 0;

    while (m->quiesce()) {
        if (rmig_control_answer() > 0)
            spins = 0;
        else
            knode_idle(&spins);
    }
}

/* The move proper, once the destination is reserved; through a
 * checkpoint file in dir, or live with dir NULL. */
int rmig_move_reserved(struct rmig_rank *rs, int dest, const char *dir)
{
    const struct rmig_messaging_ops *m = &rmig_cluster.messaging;
    int ret;

    memset(&rs->last, 0, sizeof(rs->last));
    rs->last.from = knode_get_num();
    rs->last.to = dest;
    rmig_quiesce(m);
    rmig_cluster.departing_to = dest; /* its loss now fails the move (rmig_lost.c) */
    m->depart(dest);
    rmig_stream_file_use(dir); /* taken by the kernel context's rmig_stream_to */
    ret = rmig_freeze(rs, dest);
    if (ret < 0) {
        m->stay();
        rmig_cluster.departing_to = -1;
        return ret;
    }
    rs->moves++;
    m->arrive();
    rmig_clock_mark(&rs->clock, RMIG_MARK_ANNOUNCED);
    rmig_figures_done(rs);
    return 0;
}

int rmig_migration_mode(void)
{
    const char *mode = base_setting("NMPI_MIGRATION_MODE");

    if (strcmp(mode, "auto") == 0)
        return RMIG_MODE_AUTO;
    if (strcmp(mode, "checkpoint") == 0)
        return RMIG_MODE_CHECKPOINT;
    if (strcmp(mode, "precopy") == 0)
        return RMIG_MODE_PRECOPY;
    if (strcmp(mode, "postcopy") == 0)
        return RMIG_MODE_POSTCOPY;
    if (strcmp(mode, "live") != 0 && strcmp(mode, "stop") != 0)
        base_log(BASE_LOG_WARN, "rmig",
                 "NMPI_MIGRATION_MODE=%s is not auto, stop, precopy, postcopy or checkpoint: "
                 "the move is stop-and-copy",
                 mode);
    return RMIG_MODE_STOP;
}

/* Rank context, dest reserved: a pre-copy move asked by the rank itself,
 * waited for here while its messages progress. */
static int rmig_precopy_wait(struct rmig_rank *rs, int dest)
{
    const struct rmig_messaging_ops *m = &rmig_cluster.messaging;
    unsigned spins = 0;
    int ret = rmig_precopy_begin(dest);

    while (ret == 0 && (ret = rmig_precopy_step(rs)) == 1) {
        ret = 0;
        if (m->progress() > 0)
            spins = 0;
        else
            knode_idle(&spins);
    }
    return ret;
}

/* A pre-copy move: reserve, then the rounds (waited for here, or, when
 * `wait` is 0, left to the rank's next safe points: returns 1 then). */
static int rmig_migrate_precopy(int cluster, int wait)
{
    struct rmig_rank *rs = rmig_rank_state();
    int dest, ret;

    if (rs == NULL)
        return -ENOMEM;
    rmig_clock_mark(&rs->clock, RMIG_MARK_ASKED);
    ret = rmig_messaging_ready() ? 0 : -ENOTCONN;
    if (ret == 0)
        ret = rmig_reserve(cluster, &dest);
    if (ret == 0)
        ret = wait ? rmig_precopy_wait(rs, dest) : rmig_precopy_begin(dest);
    if (ret < 0)
        rmig_figures_failed(cluster, ret);
    return ret == 0 && !wait ? 1 : ret;
}

/* A post-copy move: a stop-and-copy move up to the freeze, whose stream
 * sends the first pages only (rmig_postcopy_move.h). */
static int rmig_migrate_postcopy(int cluster)
{
    int ret;

    rmig_postcopy_choose(1);
    ret = rmig_migrate_via(cluster, NULL);
    rmig_postcopy_choose(0); /* not moved (here), or moved (the flag is the source's) */
    return ret;
}

/* The default mode (NMPI_MIGRATION_MODE=auto): stop-and-copy when the cost
 * model predicts this rank's pause at most NMPI_MIGRATION_AUTO_MS (10 ms),
 * else pre-copy. Why, from bench/precopy.txt: stop-and-copy pauses grow
 * with the container (a 16 MiB rank 4 ms, 256 MiB 55 ms, 1 GiB 1.6 s)
 * while pre-copy's stay at 0.5-5 ms, but pre-copy takes 5-50 times longer
 * from ask to arrival and sends up to twice the bytes: below a pause that
 * small the rank is better off frozen. Post-copy is never chosen on its
 * own: until the last page arrives the rank depends on two processes (the
 * source's death ends the job) and it waits on page faults. Between hosts
 * auto stays stop-and-copy until pre-copy's figures there are measured
 * (bench/precopy.txt covers one host); a pre-copy move whose link is cut
 * for seconds now leaves the rank running as stop-and-copy does
 * (tests/hosts/moves.sh case 4a').
 *
 * The model's pause is an idle host's; it is multiplied by
 * NMPI_MIGRATION_AUTO_LOAD (rmig_auto_load: by default, "auto", the
 * host's runnable threads per CPU; or a given number). On an oversubscribed host a
 * stop-and-copy pause is CPU work done at a fraction of a core: an
 * unprivileged move (np_boost.c cannot lower its nice) of NPB CG class A
 * paused 4.9 ms quiet and 133 ms under 8 busy loops on 2 cores, where
 * pre-copy, which does that work while the rank runs, paused 3.7 ms
 * (bench/busy-move-unprivileged.txt). */
static double rmig_auto_load(void)
{
    const char *v = base_setting("NMPI_MIGRATION_AUTO_LOAD");

    double load =
        strcmp(v, "auto") == 0 ? 0 : base_setting_double("NMPI_MIGRATION_AUTO_LOAD", 1, 1e6);

    return load >= 1 ? load : knode_cpu_load(); /* a refused value warned: the default, auto */
}

static int rmig_auto_mode(int cluster)
{
    double limit = base_setting_double("NMPI_MIGRATION_AUTO_MS", 0, 1e9) * 1e-3;
    struct rmig_estimate e;

    if (rmig_estimate(cluster, &e) < 0) /* a bad cluster: the move says so */
        return RMIG_MODE_STOP;
    double load = rmig_auto_load(), pause = e.downtime * load;
    int precopy = pause > limit && e.path == RMIG_PATH_LOCAL && rmig_precopy_usable();

    base_log(BASE_LOG_INFO, "rmig",
             "auto: %s (a stop-and-copy pause of %.1f ms predicted for %llu bytes, %.1f ms at "
             "%.1f runnable threads per CPU, limit %.1f ms, path %s)",
             precopy ? "pre-copy" : "stop-and-copy", e.downtime * 1e3, (unsigned long long)e.bytes,
             pause * 1e3, load, limit * 1e3, rmig_path_name(e.path));
    return precopy ? RMIG_MODE_PRECOPY : RMIG_MODE_STOP;
}

int rmig_migrate_mode(int cluster, int mode)
{
    rmig_precopy_finish_first(); /* before this move's clock starts */
    if (mode == RMIG_MODE_DEFAULT)
        mode = rmig_migration_mode();
    if (mode == RMIG_MODE_AUTO)
        mode = rmig_auto_mode(cluster);
    switch (mode) {
    case RMIG_MODE_CHECKPOINT:
        return rmig_migrate_via(cluster, rmig_migration_dir_default());
    case RMIG_MODE_PRECOPY:
        if (rmig_precopy_usable())
            return rmig_migrate_precopy(cluster, 1);
        return rmig_migrate_via(cluster, NULL);
    case RMIG_MODE_STOP:
        return rmig_migrate_via(cluster, NULL);
    case RMIG_MODE_POSTCOPY:
        return rmig_migrate_postcopy(cluster);
    default:
        return -EINVAL;
    }
}

int rmig_migrate(int cluster)
{
    return rmig_migrate_mode(cluster, RMIG_MODE_DEFAULT);
}

int rmig_migrate_via(int cluster, const char *dir)
{
    rmig_precopy_finish_first();
    struct rmig_rank *rs = rmig_rank_state();
    int dest, ret;

    if (rs == NULL)
        return -ENOMEM;
    rmig_clock_mark(&rs->clock, RMIG_MARK_ASKED);
    ret = rmig_messaging_ready() ? 0 : -ENOTCONN;
    if (ret == 0 && dir != NULL) /* before anything is reserved: a bad one moves nothing */
        ret = rmig_stream_file_check(dir);
    if (ret == 0)
        ret = rmig_reserve(cluster, &dest);
    if (ret == 0)
        ret = rmig_move_reserved(rs, dest, dir);
    if (ret < 0)
        rmig_figures_failed(cluster, ret);
    return ret;
}

/* Kernel context (rmig_spare_loop), the source: this cluster's rank
 * suspended to move: stream it away, or resume it here when the move fails
 * (the source keeps its copy until DONE). */
void rmig_move_out(void)
{
    struct rmig_stats st = {0};
    int dest = rmig_cluster.move_dest, rank = ua_get_rank(), ret;

    rmig_cluster.move_dest = -1;
    if (dest < 0) {
        rmig_ckpt_out(); /* suspended for a checkpoint: its image first */
        ua_rank_resume();
        return;
    }
    ret = rmig_stream_to(dest)->send(dest, &st);
    if (ret < 0) {
        if (ret == -ETIMEDOUT) /* stalled: between hosts, the link may be gone */
            rmig_reach_watch(dest, rank, 0);
        rmig_cluster.move_result = ret;
        ua_rank_resume();
        return;
    }
    ua_release_container();
    /* The rank's core is the destination's now; a post-copy source, which
     * the destination leaves that core to while it pulls, leaves it once it
     * has served every page (rmig_pcs_stop). */
    if (!rmig_postcopy_serving())
        rmig_cores_vacate(rank, dest);
    rmig_cluster.departing_to = -1;
    rmig_tomb_set(rank, dest);
    rmig_ask_follow(rank, dest); /* a request that came during the move */
}

/* Kernel context, the destination: a container arrived and checked out:
 * note the stream's figures, run the rank (it carries on in rmig_move_to). */
void rmig_move_in(const struct rmig_wire_hdr *begin)
{
    rmig_figures_arrived(begin);
    /* A post-copy rank takes its core once its pages are all here: until
     * then its source, bound to that core, serves them (rmig_postcopy_dest.c),
     * and the two on one core lost 4-5x NPB MG/FT's run in bench-precopy. */
    if (!rmig_postcopy_pulling())
        rmig_cores_follow(begin->rank, begin->src_cluster);
    ua_rank_resume();
}

int rmig_safe_point(void)
{
    int cluster, ret, mode;

    if (rmig_checkpoint_holding()) {
        rmig_xreq_poll();      /* requests from outside answered (a second checkpoint: busy) */
        rmig_control_answer(); /* offers refused, asks kept for later */
        rmig_ckpt_ask_join();  /* even inside MPIX_Checkpoint: see rmig_ckpt_ask.c */
        return 0;
    }
    if (rmig_pc.active) { /* a pre-copy move's rounds: over yet? */
        int dest = rmig_pc.dest;

        ret = rmig_precopy_step(rmig_rank_state());
        if (ret == 1)
            return 0;
        if (ret < 0)
            rmig_figures_failed(dest, ret);
        rmig_ask_done(ret); /* here, or on the destination */
        return ret;
    }
    rmig_ckpt_ask_join(); /* a checkpoint noted at the last poll comes first */
    cluster = rmig_poll();
    if (cluster == -1)
        return 0;
    /* An ASK with a directory (mpimigrate --via-checkpoint) goes through
     * it; a pre-copy one starts its rounds and the rank goes on. */
    mode = rmig_ask_mode() != RMIG_MODE_DEFAULT ? rmig_ask_mode() : rmig_migration_mode();
    if (mode == RMIG_MODE_AUTO && *rmig_ask_dir() == '\0')
        mode = rmig_auto_mode(cluster);
    if (*rmig_ask_dir() != '\0')
        ret = rmig_migrate_via(cluster, rmig_ask_dir());
    else if (mode == RMIG_MODE_PRECOPY && rmig_precopy_usable())
        ret = rmig_migrate_precopy(cluster, 0);
    else
        ret = rmig_migrate_mode(cluster, mode);
    if (ret == 1)
        return 0;       /* the requester hears once the rounds and the freeze are over */
    rmig_ask_done(ret); /* the requester, if outside the job, hears the outcome */
    return ret;
}
