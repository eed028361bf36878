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
 * A move (rmig_migrate) goes: request and validation by the destination
 * (exists, idle, same layout), freeze (the rank suspends at its safe point,
 * stdio flushed), transfer of the touched container pages through a portal,
 * restore at the same addresses and verification (length and checksum per
 * range), resume on the destination. The source keeps its copy until the
 * destination confirms; any failure resumes the rank at the source.
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * errno value on failure.
 */
#ifndef RMIG_H
#define RMIG_H

#include <signal.h>
#include <stdint.h>

/* Control mailbox port of every cluster (migration daemon traffic). */
#define RMIG_CONTROL_PORT 1

/* Picks any idle cluster as the destination of rmig_migrate(). */
#define RMIG_ANY_SPARE (-3)

/* Figures of one migration, kept in the rank's container. Times in seconds
 * (CLOCK_MONOTONIC: comparable across clusters of one host). */
struct rmig_stats {
    int from, to;        /* source and destination cluster */
    int ranges;          /* ranges sent */
    uint64_t bytes;      /* container bytes sent */
    double freeze;       /* request + quiesce + suspend, at the source */
    double transfer;     /* stream sent and received */
    double restore;      /* checksum verification and resume */
    double route_update; /* announcing the new route */
    double downtime;     /* suspend at the source to resume at the destination */
};

/* Number of logical ranks of the job, and of spare clusters at start. */
int rmig_rank_count(void);
int rmig_spare_count(void);

/* Rank context. Asks `cluster` (or, with RMIG_ANY_SPARE, each other cluster
 * in turn) to take this rank; on success the destination is reserved for it
 * and *dest_p names it. Returns 0, or -EINVAL bad cluster, -EALREADY own
 * cluster, -EBUSY destination hosts a rank or is busy, -ENOSPC no idle
 * cluster left, -EXDEV layout differs, -ETIMEDOUT no answer. */
int rmig_reserve(int cluster, int *dest_p);

/* Rank context, at a safe point (the caller quiesced its transfers), after
 * rmig_reserve(). Moves the calling rank to dest. `freeze_start` is when the
 * caller began (for the freeze figure). Returns 0 on the destination, or on
 * the source -EIO when the transfer failed or was rejected (the rank keeps
 * running here). */
int rmig_move(int dest, double freeze_start);

/* Records the route-update time of the last move (measured by the caller),
 * the move's last figure: with NMPI_MIGRATION_REPORT set, prints them all. */
void rmig_note_route_update(double seconds);

/* The figures of this rank's last move and the number of moves it made. */
int rmig_last_stats(struct rmig_stats *out, int *moves_p);

/* Asks the cluster hosting a rank to move it to `cluster` at its next safe
 * point. A cluster the rank has left sends the request on to where it went
 * (tombstones). Returns 0 once the request is sent, -EINVAL bad cluster. */
int rmig_ask(int host_cluster, int rank, int cluster);

/* Polls the control mailbox once (answers requests addressed to this
 * cluster), and the request socket for requests from outside the job (at
 * most one syscall per millisecond), and returns the cluster a third party
 * asked this rank to move to, or -1. Cheap when nothing is queued. The
 * caller acts on a returned request and then calls rmig_ask_done(). */
int rmig_poll(void);

/* Rank context, after acting on a request rmig_poll() returned: `result` is
 * the move's outcome (0 moved, here on the destination; or -errno, the rank
 * stayed). When the request came from outside the job (mpimigrate), tells
 * the requester; otherwise does nothing. */
void rmig_ask_done(int result);

/* Preemption (rmig_preempt.c): a ticker thread interrupts the cluster's
 * main thread with RMIG_PREEMPT_SIGNAL while it computes; when it was
 * running the application's own code, the handler calls the point set here
 * (comm-virt: honour a move request), so a rank that does not call MPI can
 * still be moved. NMPI_PREEMPT_MS sets the tick (10 ms; 0: off). */
#define RMIG_PREEMPT_SIGNAL (SIGRTMIN + 6)
void rmig_set_preempt_point(int (*point)(void));

/* Rank context, around a call the MPI layer makes into the application (a
 * user reduction, attribute callback or error handler): no preemption in
 * between, since MPI state is half-way through an operation. Nests. */
void rmig_preempt_hold(void);
void rmig_preempt_release(void);

/* Registers the work an idle cluster does between control messages (comm-virt
 * forwards messages that reach a cluster its rank has left). */
void rmig_set_idle_work(int (*work)(void));

/* Tells every cluster that hosts no rank (those not in host_of_rank) that
 * the job is over. Called by one rank once all ranks reached the end. */
int rmig_end_idle_clusters(const int *host_of_rank, int nranks);

/* Leaves the job on this cluster: barrier with every cluster, then fabric
 * and launcher teardown. Returns 0 or -EIO. */
int rmig_cluster_leave(void);

#endif /* RMIG_H */
