/* rmig.h: the migration daemon's contract (rank-migrate layer).
 *
 * Every cluster runs the daemon's side of the runtime: it boots the cluster
 * (knode_setup), decides whether the cluster starts with a rank or as an
 * idle spare, keeps idle clusters waiting on the control mailbox, moves
 * containers between clusters, and ends idle clusters when the job ends. The
 * job shape comes from the launcher front end: NMPI_NRANKS (ranks) or
 * NMPI_SPARES (clusters beyond the ranks); with neither, every cluster hosts
 * a rank.
 *
 * A move is run from one place, rmig_migrate(), from the request to the
 * report: request and validation by the destination (exists, idle, same
 * layout), quiesce (the messaging layer's part, registered once through
 * struct rmig_messaging_ops), freeze (the rank suspends at its safe point,
 * stdio flushed), transfer of the touched container pages through the
 * move's stream (today: portals to a spare cluster), restore at the same
 * addresses and verification (length and checksum per range), resume on the
 * destination, route update (the messaging layer again), figures. The
 * source keeps its copy until the destination confirms; any failure resumes
 * the rank at the source.
 *
 * A cost model (rmig_model.c: its file format and predictions;
 * rmig_estimate.c: where it is read from, the calling rank's estimates and
 * rmig_migrate_if) predicts a move's downtime and total time from the
 * bytes it would send and its path, with lines fitted by `make
 * bench-migration`.
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * errno value on failure.
 */
#ifndef RMIG_H
#define RMIG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "rmig_model.h"

/* Control mailbox port of every cluster (migration daemon traffic). */
#define RMIG_CONTROL_PORT 1

/* Picks any idle cluster as the destination of rmig_migrate(). */
#define RMIG_ANY_SPARE (-3)

/* This layer's root slot in the uarea header (ua_root): the layer directly
 * above uarea. Its per-rank state (move count, figures, the move's phase
 * clock) hangs there and travels with the container. */
#define RMIG_ROOT_SLOT 0

/* Figures of one migration, kept in the rank's container. Times in seconds
 * (CLOCK_MONOTONIC: comparable across clusters of one host). */
#define RMIG_STATS_ROUNDS 16

struct rmig_stats {
    int from, to;        /* source and destination cluster */
    int ranges;          /* ranges sent */
    uint64_t bytes;      /* container bytes sent */
    double freeze;       /* request + quiesce + suspend, at the source */
    double transfer;     /* stream sent and received */
    double restore;      /* checksum verification and resume */
    double route_update; /* announcing the new route */
    double downtime;     /* suspend at the source to resume at the destination */
    /* Appended for the checkpoint stream (rmig_stream_file.c). */
    char stream[16];     /* the stream that carried it: "portal" or "checkpoint" */
    uint64_t file_bytes; /* checkpoint: bytes of the image file written and read */
    double write;        /* checkpoint: suspend to the image written, synced and announced */
    double read;         /* checkpoint: the image read into place and checked */
    double total;        /* asked to announced: freeze + downtime + route update */
    /* Appended for pre-copy moves (rmig_stream_precopy.c): rounds sent while
     * the rank ran (round 0 the first), their bytes, the first
     * RMIG_STATS_ROUNDS of them one by one. ranges and bytes above are then
     * the final round's, sent with the rank frozen. */
    int rounds;
    uint64_t precopy_bytes;
    uint64_t round_bytes[RMIG_STATS_ROUNDS];
    double round_seconds[RMIG_STATS_ROUNDS]; /* each round's send and the collect after */
};

/* Number of logical ranks of the job, and of spare clusters at start. */
int rmig_rank_count(void);
int rmig_spare_count(void);

/* ---- the messaging layer's part of a move -------------------------------- */

/* What only the messaging layer above (comm-virt) knows about a move. It
 * registers these once, from a library constructor, the way uarea's boot
 * hooks work; rank-migrate calls them at the right steps of rmig_migrate()
 * and of the idle loop. Without them (no messaging layer) no rank moves. */
struct rmig_messaging_ops {
    /* Rank context. Non-zero when the rank's messaging state exists (between
     * MPI_Init and MPI_Finalize), so that a move may happen. Must only read
     * memory: it is also called from the preemption signal handler. */
    int (*ready)(void);
    /* Rank context, destination reserved: makes progress once on the
     * transfers bound to this cluster (a portal read or write in progress, a
     * receive waiting for the sender to write here) and returns non-zero
     * while some remain; everything else travels with the container.
     * rank-migrate calls it until it returns 0, answering control traffic
     * in between (a frozen rank must still refuse offers promptly). */
    int (*quiesce)(void);
    /* Rank context: makes progress once on the rank's messaging (other
     * ranks may need this rank's messages to end their own moves). Called
     * while the rank waits for its destination's answer. May be NULL. */
    int (*progress)(void);
    /* Rank context: the cluster that hosts `rank` as far as this rank knows
     * (its routes), or -1. Used to place a move on an idle core. May be
     * NULL. */
    int (*route)(int rank);
    /* Rank context, right before the freeze: the rank goes to `dest`. Routes
     * this rank to dest here (anything that still arrives is forwarded) and
     * snapshots the cluster's routes into the container. */
    void (*depart)(int dest);
    /* Rank context: the move failed and the rank stays here: undo depart. */
    void (*stay)(void);
    /* Rank context, first thing on the destination: merges the routes the
     * rank brought and announces the new one. */
    void (*arrive)(void);
    /* Kernel context, on a cluster without a rank: passes on what reached it
     * for a rank that left. Returns the number of messages handled. */
    int (*forward)(void);
    /* Rank context, first thing in a job restarted from a checkpoint: the
     * rank's messaging state came from its image; sets up this cluster's
     * side (the routes are the new job's: every rank on its start cluster,
     * epoch 0; nothing of the old job's is learnt). May be NULL. */
    void (*restart)(void);
};

/* Registers the messaging layer's operations (copied). */
void rmig_set_messaging(const struct rmig_messaging_ops *ops);

/* Rank context: a portal read into the rank's memory ended, [buf, buf +
 * len) written by another process's kernel copy (a DMA on a manycore),
 * which a pre-copy move's page tracker may not see. Call it before the
 * request completes; while a tracker runs, it stores into each page so the
 * next collect reports them; otherwise it costs one load. */
void rmig_transfer_landed(void *buf, size_t len);

/* ---- moves ------------------------------------------------------------- */

/* Rank context, at a safe point. Moves the calling rank to `cluster`, or
 * with RMIG_ANY_SPARE to the first idle cluster that accepts it: reserve
 * the destination (exists, idle, same layout), quiesce, depart, freeze,
 * stream the container, restore and verify it there, arrive; the figures
 * and the report (NMPI_MIGRATION_REPORT) follow. Returns 0 on the
 * destination; on failure the rank is still here and gets -EINVAL bad
 * cluster, -EALREADY own cluster, -EBUSY destination busy or hosting a
 * rank, -ENOSPC no idle cluster left, -EXDEV layout differs, -ETIMEDOUT no
 * answer, -EIO transfer failed or rejected, -ENOTCONN no messaging state,
 * -ENOMEM. */
int rmig_migrate(int cluster);

/* How a move sends the container: stop-and-copy (the rank frozen while
 * all of it goes), pre-copy (rounds while it runs, then a short
 * stop-and-copy of the rest), through a checkpoint image file. DEFAULT:
 * NMPI_MIGRATION_MODE's (auto, the default, stop, precopy, postcopy,
 * checkpoint; "live" is stop). */
enum rmig_mode {
    RMIG_MODE_DEFAULT = 0,
    RMIG_MODE_STOP,
    RMIG_MODE_PRECOPY,
    RMIG_MODE_CHECKPOINT,
    RMIG_MODE_POSTCOPY, /* resumed at once on the destination, pages pulled (issue 15 item 2) */
    RMIG_MODE_AUTO,     /* stop-and-copy or pre-copy, by the pause the model predicts */
};

/* The mode NMPI_MIGRATION_MODE names (an unknown name: stop, said). */
int rmig_migration_mode(void);

/* Rank context: rmig_migrate in `mode` (the default's directory for
 * CHECKPOINT). Pre-copy where written pages cannot be tracked goes
 * stop-and-copy, said once. -EINVAL for a bad mode; -EBUSY while a
 * pre-copy move of this rank is under way. */
int rmig_migrate_mode(int cluster, int mode);

/* Rank context: rmig_migrate through a checkpoint image file in `dir`
 * (rmig_stream_file.c), or live with dir NULL. rmig_migrate(c) is
 * rmig_migrate_via(c, rmig_migration_dir()). Errors: rmig_migrate's, and
 * for a directory that cannot take the image (checked before anything is
 * reserved; the rank stays): -ENOENT, -ENOTDIR, -EACCES, -EROFS,
 * -ENAMETOOLONG; an image the destination rejects (damaged): -EBADMSG;
 * an image that could not be written: -EIO. */
int rmig_migrate_via(int cluster, const char *dir);

/* The directory moves go through when NMPI_MIGRATION_MODE=checkpoint:
 * NMPI_MIGRATION_DIR, else the job directory (NMPI_JOB_DIR), else /tmp;
 * NULL in live mode (the default). Process memory, not the rank's. */
const char *rmig_migration_dir(void);
/* That directory, whatever the mode. */
const char *rmig_migration_dir_default(void);

/* Rank context: a safe point (a wait inside MPI, or the preemption
 * handler). Handles the control traffic queued for this cluster and, when
 * a third party asked to move this rank, moves it (rmig_migrate) and tells
 * an outside requester the outcome. Returns 0 (nothing asked, or moved) or
 * the rmig_migrate() error. Cheap when nothing is queued. */
int rmig_safe_point(void);

/* The figures of this rank's last move and the number of moves it made.
 * Returns 0, or -ENOMEM without per-rank state. */
int rmig_last_stats(struct rmig_stats *out, int *moves_p);

/* ---- the cost model (rmig_model.h; rmig_estimate.c) ------------------- */

/* Reads the model the library uses (once per cluster): the file named by
 * NMPI_MIGRATION_MODEL, by default
 * ${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model; without a
 * readable, valid file, the built-in figures, with a warning when a file
 * was there but refused (or named and missing). Copies it to m and its
 * source, in words, to source[len]. Returns 0. */
int rmig_model_current(struct rmig_model *m, char *source, size_t len);

/* Rank context: predicts a move of the calling rank to `cluster` (or
 * RMIG_ANY_SPARE: the worst path of the job) now: bytes = the container's
 * touched ranges (what rmig_migrate would send), path from the hosts of
 * here and there, figures from rmig_model_current(). Returns 0, -EINVAL
 * bad cluster, -EALREADY own cluster, -ENODEV no container, -ENODATA no
 * figures. */
int rmig_estimate(int cluster, struct rmig_estimate *e);

/* Rank context: predicts a move of world rank `rank` to `cluster` (or
 * RMIG_ANY_SPARE) now, wherever it runs: the calling rank as
 * rmig_estimate; another is asked through the job's control channel (a
 * WHERE to the cluster its routes name, answered at that rank's next poll
 * with what a move of it would send), waiting up to the move timeout while
 * this rank's messaging progresses. Returns 0, -EINVAL bad rank or
 * cluster, -EALREADY the rank runs on cluster, -ESRCH it could not be
 * found (moving all the while), -ETIMEDOUT no answer (a rank that stays
 * out of MPI), -EHOSTDOWN its cluster is gone, -ENODATA no figures. */
int rmig_estimate_rank(int rank, int cluster, struct rmig_estimate *e);

/* Rank context: rmig_migrate(cluster) only when the predicted total is
 * below gain seconds. *moved_p is 1 when it moved, 0 when it stayed; *e
 * the estimate it decided on. Logs the decision (predicted total, gain,
 * bytes, path, model) at info level, and with NMPI_MIGRATION_REPORT.
 * Returns 0 (moved or rightly stayed), or rmig_estimate's or
 * rmig_migrate's error (then *moved_p is 0 and the rank is here). */
int rmig_migrate_if(int cluster, double gain, struct rmig_estimate *e, int *moved_p);

/* Rank context: the same decision for world rank `rank`, not the caller,
 * whose routes say it runs on host_cluster: rmig_estimate_rank, and when
 * the predicted total is below gain, rmig_ask (the move happens at that
 * rank's next safe point, as every asked move). *asked_p is 1 when the move
 * was asked, 0 when not; the decision is logged as rmig_migrate_if's.
 * Returns 0, or rmig_estimate_rank's or rmig_ask's error. */
int rmig_ask_if(int host_cluster, int rank, int cluster, double gain, struct rmig_estimate *e,
                int *asked_p);

/* Asks the cluster hosting a rank to move it to `cluster` at its next safe
 * point. A cluster the rank has left sends the request on to where it went
 * (tombstones). Returns 0 once the request is sent, -EINVAL bad cluster. */
int rmig_ask(int host_cluster, int rank, int cluster);

/* Preemption (rmig_preempt.c): a ticker thread interrupts the cluster's
 * main thread with RMIG_PREEMPT_SIGNAL while it computes; when it was
 * running the application's own code (and the messaging layer is ready),
 * the handler is a safe point (rmig_safe_point), so a rank that does not
 * call MPI can still be moved. NMPI_PREEMPT_MS sets the tick (10 ms; 0:
 * off). */
#define RMIG_PREEMPT_SIGNAL (SIGRTMIN + 6)

/* Rank context, around a call the MPI layer makes into the application (a
 * user reduction, attribute callback or error handler): no preemption in
 * between, since MPI state is half-way through an operation. Nests. */
void rmig_preempt_hold(void);
void rmig_preempt_release(void);

/* ---- checkpoints (rmig_ckpt.c, rmig_ckpt_restart.c) ---------------------- */

/* Rank context. While held, safe points take no move (asks stay queued and
 * are acted on once released); offers to this cluster are still refused.
 * A checkpoint holds moves while it drains the job's messages. */
void rmig_checkpoint_hold(int on);
int rmig_checkpoint_holding(void);

/* Rank context: makes progress on the transfers bound to this cluster
 * until none is left (the messaging layer's quiesce), answering control
 * traffic meanwhile. Returns 0, or -ENOTCONN without messaging state. */
int rmig_checkpoint_quiesce(void);

/* Process-wide, any rank: creates dir (0700) if needed and removes its
 * manifest, so the directory holds no complete checkpoint until a new
 * manifest is written. Returns 0 or -errno. */
int rmig_checkpoint_open(const char *dir);

/* Rank context, messages drained: suspends the rank and has this cluster
 * write its image (dir/rank-<r>.img, written whole or not at all; format in
 * rmig_ckpt_image.h), then resumes it. Returns 0 with *restarted_p = 0
 * once written; returns 0 with *restarted_p = 1 a second time, in a job
 * restarted from that image; or -errno (nothing usable written): -EUSERS
 * while the application runs threads of its own (their stacks are not in
 * the container), -ENAMETOOLONG, or the file system's error. */
int rmig_checkpoint_write(const char *dir, int nranks, int *restarted_p);

/* Rank context, every rank's image written: checks each image's header
 * and writes dir/MANIFEST last, which makes the checkpoint complete.
 * Returns 0, -EBADMSG (an image is damaged or missing) or -errno. */
int rmig_checkpoint_manifest(const char *dir, int nranks);

/* Checkpoints asked from outside the job (`mpimigrate --checkpoint DIR`,
 * rmig_ckpt_ask.c). The layer that can take one (mpi/) registers, once,
 * from a library constructor, the handler every rank runs at a safe point
 * (rank context, moves held, possibly nested in any of its MPI waits or in
 * the preemption handler) when a checkpoint was asked that it has not
 * taken part in: it runs the job's checkpoint protocol into dir and
 * returns 0 once the checkpoint is complete (rank 0: its manifest is
 * written) or -errno, with *restarted_p 1 when it returns in a job
 * restarted from that checkpoint. rank-migrate calls it at most once per
 * checkpoint and never from inside it, and tells the requester rank 0's
 * outcome. */
typedef int (*rmig_checkpoint_handler)(const char *dir, int *restarted_p);
void rmig_set_checkpoint_handler(rmig_checkpoint_handler fn);

/* Tells every cluster that hosts no rank (those not in host_of_rank) that
 * the job is over. Called by one rank once all ranks reached the end. */
int rmig_end_idle_clusters(const int *host_of_rank, int nranks);

/* Called by a rank once every rank met in MPI_Finalize: a pre-copy move it
 * still has under way is given up (its destination must not wait for the
 * rest), and from now on a peer cluster that ends is no longer a rank lost
 * (a cluster leaves without the final barrier when some cluster died, and
 * its exit must not end the job of ranks that are done). */
void rmig_rank_finalizing(void);

/* Leaves the job on this cluster: barrier with every cluster, then fabric
 * and launcher teardown. Returns 0 or -EIO. */
int rmig_cluster_leave(void);

#endif /* RMIG_H */
