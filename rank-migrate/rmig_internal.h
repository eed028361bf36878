/* rmig_internal.h: private declarations of the rank-migrate layer.
 *
 * Per-cluster daemon state (struct rmig_cluster) is static in the runtime and
 * never moves. Per-rank state (struct rmig_rank: move count, figures of the
 * last move) is allocated in rank context, so it travels in the container.
 */
#ifndef RMIG_INTERNAL_H
#define RMIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nanvix.h"
#include "rmig.h"
#include "rmig_wire.h"
#include "rmig_stream.h"

/* Portal ports of container streams: the upper half of the port space
 * (comm-virt uses the lower half); per source cluster RMIG_STREAMS streams
 * of RMIG_LANES ports each. */
#define RMIG_STREAM_PORT(src, stream, lane)                                                        \
    (KPORTAL_PORT_MAX / 2 + (RMIG_STREAMS * (src) + (stream)) * RMIG_LANES + (lane))
_Static_assert((KNODE_MAX * RMIG_STREAMS * RMIG_LANES) <= KPORTAL_PORT_MAX / 2,
               "stream ports overflow");

/* How long a daemon waits for its peer during a move: NMPI_MIGRATE_TIMEOUT
 * seconds, 60 by default. */
double rmig_timeout(void);

/* The phase clock of a move: when each step began or ended (knode_wtime,
 * seconds). The source marks the first two in rank context, the
 * destination's stream the next two in kernel context (kept in the
 * cluster's state until the container is in, then copied into it), the
 * rank the last two on the destination. rmig_figures.c turns the marks into
 * struct rmig_stats, in one place. */
enum rmig_mark {
    RMIG_MARK_ASKED,     /* rmig_migrate() called */
    RMIG_MARK_SUSPENDED, /* the rank suspended at the source */
    RMIG_MARK_BEGUN,     /* the destination took the stream's BEGIN */
    RMIG_MARK_RECEIVED,  /* the last byte is in (checked or not) */
    RMIG_MARK_RESUMED,   /* the destination resumes the rank */
    RMIG_MARK_ANNOUNCED, /* the new route is announced */
    RMIG_MARKS
};

struct rmig_clock {
    double t[RMIG_MARKS];
};

struct rmig_cluster {
    int booted;                /* knode_setup done */
    int nranks;                /* logical ranks of the job */
    int nspares;               /* spare clusters at start */
    int ncores;                /* cores clusters are bound to (rmig_cores.c), 0: not bound */
    int bound_core;            /* the core this cluster is bound to now (valid if ncores) */
    int control_mbx;           /* input control mailbox id */
    int left;                  /* rmig_cluster_leave done */
    int finalizing;            /* rmig_rank_finalizing done: every rank met */
    int reserved_for;          /* idle cluster: source whose container it accepted, or -1 */
    double reserved_at;        /* when it accepted (a reservation lapses after rmig_timeout()) */
    uint64_t offer_nonce;      /* source: number of its last OFFER (b), which answers echo */
    uint32_t size_nonce;       /* number of its last size question (rmig_estimate_rank) */
    int move_dest;             /* source: where the suspended rank goes, or -1 */
    int departing_to;          /* source: destination of the move under way from here, or -1 */
    int move_result;           /* source: outcome of the last attempt (0 or -errno) */
    int ask_cluster;           /* a third party asked the rank here to move there, or -1 */
    uint64_t ask_requester;    /* that request's outside requester (0: none; RMIG_REQUESTER), */
    uint32_t ask_nonce;        /* and its nonce (rmig_xreq.h) */
    int ask_mode;              /* and the mode it asks (enum rmig_mode; 0: the job's) */
    struct rmig_clock arrival; /* destination: the stream's marks, until the rank resumes */
    unsigned streams;          /* source: container streams started from here */
    int stream_now;            /* source: number of the stream in progress, or -1 */
    uint32_t streams_stalled;  /* source: stream numbers not to use again (rmig_stream_portal.c) */
    struct rmig_messaging_ops messaging; /* the layer above's part (rmig_set_messaging) */
    int arrival_ranges;     /* destination: runs and bytes of a pre-copy's final round */
    uint64_t arrival_bytes; /* (rmig_figures_arrived) */
    int job_ending;         /* a JOB_END was read while a move waited (rmig_control_check) */
};

struct rmig_rank {
    int moves;               /* migrations this rank made */
    struct rmig_clock clock; /* the move in progress (or the last one), mark by mark */
    struct rmig_stats last;  /* figures of the last one */
    uint64_t
        xreq_requester; /* outside requester of the move being acted on (RMIG_REQUESTER), 0: none */
    uint32_t xreq_nonce; /* its nonce */
    int preempt_hold;    /* rmig_preempt_hold() depth */
    /* Checkpoints asked from outside (rmig_ckpt_ask.c): the last one this
     * rank took part in (the job's token and its number), and whether it
     * is taking part in one now. */
    uint64_t ckpt_job;
    int32_t ckpt_done;
    int ckpt_running;
};

extern struct rmig_cluster rmig_cluster;

/* rmig_boot.c: hooks given to the uarea layer. */
int rmig_cluster_boot(void);
int rmig_spare_loop(void);
int rmig_rank_exit(int status);

/* rmig_lost.c: registers what a lost cluster means (knode_set_lost_hook). */
void rmig_lost_boot(void);
/* Test hook: with NMPI_TEST_LOST_AT=<point>:<cluster>, that cluster kills
 * itself (SIGKILL) when it reaches `point` ("begin": a move's BEGIN came;
 * "precopy": a pre-copy move's first round landed; "postcopy": a post-copy
 * source served its 16th pull). */
void rmig_test_die_at(const char *point);

/* rmig_reach.c: after a move between hosts stalled, watches the peer's host.
 * rmig_reach_watch starts the watch (nothing for a peer of this host): PING
 * to every cluster of that host; rank: the rank of the move; peer_has_rank:
 * 1 at the destination (the source keeps the rank). rmig_reach_pong takes a
 * PONG; rmig_reach_tick, called at safe points and in the idle loop, ends the
 * job (kjob_abort, naming the host) when no PONG came within twice the
 * move's timeout. */
void rmig_reach_watch(int peer, int rank, int peer_has_rank);
void rmig_reach_pong(const struct rmig_wire_hdr *h);
void rmig_reach_tick(void);

/* rmig_cores.c: binds this cluster to its core (NMPI_BIND), at boot. */
void rmig_cores_bind(void);
/* Kernel context, the destination of a move from cluster `from`: binds this
 * cluster to `rank`'s own core when both are on one host and clusters are
 * bound, so that a moved rank keeps its core. */
void rmig_cores_follow(int rank, int from);
/* The source, once `rank` left for `dest` on this host: off the rank's core. */
void rmig_cores_vacate(int rank, int dest);
/* The core cluster c was bound to at start, or -1 when clusters are not bound. */
int rmig_core_of(int cluster);
/* Fills order[] (KNODE_MAX entries) with every other cluster, in the order a
 * move to any spare tries them; returns how many. */
int rmig_spare_order(int *order);

/* rmig_control.c */
int rmig_control_send(int cluster, int type, int rank, int arg, uint64_t a, uint64_t b);
int rmig_control_begin(int cluster, int rank, int ranges, uint64_t bytes, uint64_t table_sum,
                       int stream);
int rmig_control_write(int cluster, struct rmig_wire_hdr *h);
/* Stamps h and sends len bytes from h (a header followed by its payload). */
int rmig_control_write_len(int cluster, struct rmig_wire_hdr *h, size_t len);
/* Sends h with `path` after it (h->c set to its length); -ENAMETOOLONG. */
int rmig_control_write_path(int cluster, struct rmig_wire_hdr *h, const char *path);
/* The path the last control message read here carried, or "". */
const char *rmig_control_path(void);
int rmig_control_handle(const struct rmig_wire_hdr *h);
int rmig_control_poll_once(struct rmig_wire_hdr *h);
int rmig_control_wait(int from, int type1, int type2, struct rmig_wire_hdr *out,
                      int (*progress)(void));
int rmig_control_answer(void);
int rmig_control_check(int from, int type1, int type2, struct rmig_wire_hdr *out);
void rmig_control_forget_replies(void);
int rmig_control_stream_reply(int cluster, int type, int rank, int arg, int stream);

/* rmig_figures.c: the phase clock, the figures and the report of a move.
 * rmig_clock_mark: records mark m on c now.
 * rmig_figures_arrived: destination, kernel context, before resuming the
 *   rank: the stream's marks and size go into the rank's state.
 * rmig_figures_done: rank context, the move is over: computes the figures
 *   from the clock and reports them (NMPI_MIGRATION_REPORT).
 * rmig_figures_failed: rank context: reports a move that failed. */
void rmig_clock_mark(struct rmig_clock *c, enum rmig_mark m);
void rmig_figures_arrived(const struct rmig_wire_hdr *begin);
void rmig_figures_done(struct rmig_rank *rs);
void rmig_figures_failed(int cluster, int err);

/* rmig_ask.c: third-party requests, routed along tombstones.
 * rmig_tomb_set: `rank` left this cluster for `dest`.
 * rmig_ask_deliver: an ASK reached this cluster: note it for the rank here,
 *   or forward it along the rank's tombstone, or tell its requester -ESRCH.
 * rmig_ask_follow: the rank left for dest with an ASK still noted: send it on.
 * rmig_ask_take: rank context: the noted ASK's cluster (or -1), its
 *   requester now carried in the rank's state.
 * rmig_ask_done: rank context, after acting on it: tells an outside
 *   requester the outcome (0 moved, or -errno: the rank stayed). */
void rmig_tomb_set(int rank, int dest);
/* The directory of the ASK rmig_ask_take() returned last ("": a live
 * move), valid until the next take. */
const char *rmig_ask_dir(void);
/* The mode of the ASK rmig_ask_take() returned last (enum rmig_mode;
 * RMIG_MODE_DEFAULT: the job's NMPI_MIGRATION_MODE). */
int rmig_ask_mode(void);
/* The cluster `rank` left this one for (its tombstone), or -1. */
int rmig_tomb_of(int rank);
void rmig_ask_deliver(const struct rmig_wire_hdr *h);
/* rmig_ask_deliver for an ASK to move through a checkpoint file in dir
 * ("": live; rmig_stream_file.c); the dir travels with it. */
void rmig_ask_deliver_via(const struct rmig_wire_hdr *h, const char *dir);
void rmig_ask_follow(int rank, int dest);
int rmig_ask_take(void);
void rmig_ask_done(int result);

/* rmig_external.c: requests from outside the job (rmig_xreq.h).
 * rmig_xreq_poll: reads the request socket (rate-limited), validates, QUEUED,
 *   delivers the ASK. rmig_xreq_result: sends a RESULT to a requester,
 *   through the cluster its request entered at when that is another one.
 *   rmig_xreq_relay: that entry cluster's part, for a RESULT control message. */
void rmig_xreq_poll(void);
void rmig_xreq_result(uint64_t requester, uint32_t nonce, int rank, int cluster, int from,
                      int status, uint64_t downtime_ns);
void rmig_xreq_relay(const struct rmig_wire_hdr *h);

/* rmig_place.c: placement queries (rmig_xreq.h, PLACEMENT and TABLE).
 * rmig_place_start: a PLACEMENT came in here: asks every other cluster
 *   (WHERE), or answers -EBUSY while another query is being gathered.
 * rmig_place_where: a WHERE came: answers HERE with what runs here.
 * rmig_place_here: an answer to the query gathered here (others ignored).
 * rmig_place_poll: sends the TABLE once the query's deadline has passed. */
struct rmig_xreq;
void rmig_place_start(const struct rmig_xreq *rq);
void rmig_place_where(const struct rmig_wire_hdr *h);
void rmig_place_here(const struct rmig_wire_hdr *h);
void rmig_place_poll(void);

/* rmig_ckpt_ask.c: checkpoints asked from outside the job.
 * rmig_ckpt_ask_start: a CHECKPOINT came in at this cluster (the entry):
 *   QUEUED, then on to cluster 0, which numbers it.
 * rmig_ckpt_ask_carry: the directory of the CKPT_ASK or CKPT_GO that
 *   rmig_control_poll_once just read, for its handling next.
 * rmig_ckpt_ask_handle: a CKPT_ASK (cluster 0), CKPT_GO (every cluster
 *   notes it) or CKPT_DONE (cluster 0, then the entry) came.
 * rmig_ckpt_ask_join: rank context, at a safe point: takes part in the
 *   checkpoint noted here if this rank has not yet. */
struct rmig_xreq_ckpt;
void rmig_ckpt_ask_start(const struct rmig_xreq_ckpt *rq);
void rmig_ckpt_ask_carry(const char *dir);
void rmig_ckpt_ask_handle(const struct rmig_wire_hdr *h);
void rmig_ckpt_ask_join(void);

/* rmig_preempt.c: rmig_preempt_boot installs the handler and starts the
 * ticker (main thread, at boot); rmig_preempt_end stops the signals. */
int rmig_preempt_boot(void);
void rmig_preempt_end(void);

/* rmig_move.c: the rank's per-rank state (allocated on first use, in rank
 * context), and whether the messaging layer can take part in a move. */
struct rmig_rank *rmig_rank_state(void);
int rmig_messaging_ready(void);
/* Kernel context: the two sides of a move, called from rmig_spare_loop:
 * rmig_move_out sends the suspended rank away (or resumes it here on
 * failure); rmig_move_in resumes a rank whose container just arrived. */
void rmig_move_out(void);
/* Rank context, dest reserved: the move proper (quiesce, depart, freeze),
 * through a checkpoint file in dir or live with dir NULL. 0 on the
 * destination, or the stream's error here. */
int rmig_move_reserved(struct rmig_rank *rs, int dest, const char *dir);
void rmig_move_in(const struct rmig_wire_hdr *begin);

/* rmig_control.c: polls control traffic once and returns the cluster a
 * third party asked this rank to move to, or -1 (rmig_safe_point). */
int rmig_poll(void);

#endif /* RMIG_INTERNAL_H */
