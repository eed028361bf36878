/* rmig_figures.c: the phase clock, the figures and the report of a move.
 *
 * Every step of a move leaves a mark on a clock (enum rmig_mark): the
 * source's marks are taken in rank context and travel in the container;
 * the destination's stream marks its own in the cluster's state, and they
 * join the rank's clock just before it resumes there. When the move is
 * over, the figures (struct rmig_stats) are worked out from the marks here
 * and nowhere else, and with NMPI_MIGRATION_REPORT set each move, asked by
 * the rank itself, by another rank or by mpimigrate, is printed once, as is
 * each move that failed. The marks are CLOCK_MONOTONIC readings: the
 * downtime (suspend at the source to resume at the destination) compares
 * two processes' clocks, which holds on one host only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "rmig_ckpt_image.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

void rmig_clock_mark(struct rmig_clock *c, enum rmig_mark m)
{
    c->t[m] = knode_wtime();
}

void rmig_figures_arrived(const struct rmig_wire_hdr *begin)
{
    struct rmig_rank **slot = (struct rmig_rank **)ua_root(RMIG_ROOT_SLOT);
    struct rmig_rank *rs = slot != NULL ? *slot : NULL;

    if (rs == NULL)
        return; /* a rank that never asked for a move has no clock to fill */
    rs->last.ranges = begin->arg;
    rs->last.bytes = begin->a;
    if (begin->type == RMIG_MSG_PRECOPY || begin->type == RMIG_MSG_POSTCOPY) {
        /* pre-copy: the final round's (the rounds' came with it); post-copy:
         * the first pages' (the heap comes after the rank resumed) */
        rs->last.ranges = rmig_cluster.arrival_ranges;
        rs->last.bytes = rmig_cluster.arrival_bytes;
    }
    snprintf(rs->last.stream, sizeof(rs->last.stream), "%s", rmig_stream_of(begin)->name);
    if (begin->type == RMIG_MSG_BEGIN_FILE)
        rs->last.file_bytes = rmig_ckpt_file_bytes(begin->arg, begin->a);
    rs->clock.t[RMIG_MARK_BEGUN] = rmig_cluster.arrival.t[RMIG_MARK_BEGUN];
    rs->clock.t[RMIG_MARK_RECEIVED] = rmig_cluster.arrival.t[RMIG_MARK_RECEIVED];
    rmig_clock_mark(&rs->clock, RMIG_MARK_RESUMED);
}

static int rmig_report_on(void)
{
    return base_setting_on("NMPI_MIGRATION_REPORT");
}

/* The report line of a move; one through a file says so, and its own
 * figures, after the live move's (so parsers of those keep working). */
static void rmig_report_move(const struct rmig_stats *st)
{
    char tail[1024] = "";

    if (st->rounds > 0) {
        /* Pre-copy: the rounds sent while the rank ran, then the final
         * round (ranges and bytes above) with it frozen. */
        int n = snprintf(tail, sizeof(tail), "; precopy %d rounds, %llu bytes (", st->rounds,
                         (unsigned long long)st->precopy_bytes);

        for (int i = 0; i < st->rounds && i < RMIG_STATS_ROUNDS && n < (int)sizeof(tail) - 64; i++)
            n += snprintf(tail + n, sizeof(tail) - (size_t)n, "%s%llu", i ? " " : "",
                          (unsigned long long)st->round_bytes[i]);
        n += snprintf(tail + n, sizeof(tail) - (size_t)n, "%s), round ms (",
                      st->rounds > RMIG_STATS_ROUNDS ? " ..." : "");
        for (int i = 0; i < st->rounds && i < RMIG_STATS_ROUNDS && n < (int)sizeof(tail) - 48; i++)
            n += snprintf(tail + n, sizeof(tail) - (size_t)n, "%s%.3f", i ? " " : "",
                          st->round_seconds[i] * 1e3);
        snprintf(tail + n, sizeof(tail) - (size_t)n, "%s), total %.3f ms",
                 st->rounds > RMIG_STATS_ROUNDS ? " ..." : "", st->total * 1e3);
    } else if (strcmp(st->stream, "postcopy") == 0)
        snprintf(tail, sizeof(tail), "; postcopy: the heap pulled after resuming");
    else if (st->file_bytes > 0)
        snprintf(tail, sizeof(tail),
                 "; stream checkpoint: image %llu bytes, write %.3f ms, read %.3f ms, total "
                 "%.3f ms",
                 (unsigned long long)st->file_bytes, st->write * 1e3, st->read * 1e3,
                 st->total * 1e3);
    base_report("rmig",
                "rank %d moved cluster %d -> %d: %d ranges, %llu bytes; freeze %.3f ms, "
                "transfer %.3f ms, restore %.3f ms, route update %.3f ms, downtime %.3f ms%s",
                ua_get_rank(), st->from, st->to, st->ranges, (unsigned long long)st->bytes,
                st->freeze * 1e3, st->transfer * 1e3, st->restore * 1e3, st->route_update * 1e3,
                st->downtime * 1e3, tail);
}

void rmig_figures_done(struct rmig_rank *rs)
{
    const double *t = rs->clock.t;
    struct rmig_stats *st = &rs->last;

    st->freeze = t[RMIG_MARK_SUSPENDED] - t[RMIG_MARK_ASKED];
    st->transfer = t[RMIG_MARK_RECEIVED] - t[RMIG_MARK_BEGUN];
    st->restore = t[RMIG_MARK_RESUMED] - t[RMIG_MARK_RECEIVED];
    st->downtime = t[RMIG_MARK_RESUMED] - t[RMIG_MARK_SUSPENDED];
    st->route_update = t[RMIG_MARK_ANNOUNCED] - t[RMIG_MARK_RESUMED];
    st->total = t[RMIG_MARK_ANNOUNCED] - t[RMIG_MARK_ASKED];
    if (st->file_bytes > 0) {
        /* Through a file: BEGIN_FILE comes once the image is written, so
         * the transfer is the write (suspend to begin) and the read. */
        st->write = t[RMIG_MARK_BEGUN] - t[RMIG_MARK_SUSPENDED];
        st->read = t[RMIG_MARK_RECEIVED] - t[RMIG_MARK_BEGUN];
        st->transfer = st->write + st->read;
    }
    if (rmig_report_on())
        rmig_report_move(st);
}

/* Why a move failed, in words of this project where strerror's are vague. */
static const char *rmig_failure_text(int err)
{
    switch (err) {
    case -EHOSTDOWN:
        return "the destination cluster was lost (its process died); the rank stays";
    case -ETIMEDOUT:
        return "no answer within NMPI_MIGRATE_TIMEOUT; the rank stays";
    case -ENOSPC:
        return "no idle cluster left";
    case -ENOENT:
    case -ENOTDIR:
        return "the checkpoint directory does not exist (NMPI_MIGRATION_DIR or the one "
               "asked for); the rank stays";
    case -EACCES:
    case -EROFS:
        return "the checkpoint directory is not writable; the rank stays";
    case -EXDEV:
        return "the destination's layout fingerprint differs (another build of the program or "
               "of a library, or one installed at another path); the rank stays";
    default:
        return strerror(-err);
    }
}

void rmig_figures_failed(int cluster, int err)
{
    if (!rmig_report_on())
        return;
    if (cluster == RMIG_ANY_SPARE)
        base_report("rmig", "rank %d: move to a spare failed: %s", ua_get_rank(),
                    rmig_failure_text(err));
    else
        base_report("rmig", "rank %d: move to cluster %d failed: %s", ua_get_rank(), cluster,
                    rmig_failure_text(err));
}

int rmig_last_stats(struct rmig_stats *out, int *moves_p)
{
    struct rmig_rank *rs = rmig_rank_state();

    if (rs == NULL)
        return -ENOMEM;
    *out = rs->last;
    *moves_p = rs->moves;
    return 0;
}
