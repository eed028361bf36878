/* rmig_precopy_move.h: a pre-copy move under way from this cluster (private
 * to rank-migrate; issue 15 item 1). rmig_precopy.c says who sends what
 * and why; rmig_precopy_move.c is the rank's side and the sender's job,
 * rmig_stream_precopy.c the stop round (source, kernel context) and the
 * destination's side.
 */
#ifndef RMIG_PRECOPY_MOVE_H
#define RMIG_PRECOPY_MOVE_H

#include "rmig_dirty.h"
#include "rmig_precopy.h"
#include "rmig_precopy_link.h"
#include "rmig_precopy_sums.h"
#include "rmig_precopy_wire.h"
#include "rmig_wire.h"

struct rmig_rank;

/* Per cluster, runtime memory: at most one move leaves a cluster at a time. */
/* Final runs the closing block's buffer is made for in advance
 * (rmig_precopy_sums_reserve): 32 KiB of their sums; a final round of more
 * runs grows it in the pause. */
#define RMIG_PC_CLOSE_RUNS 4096

struct rmig_pc_move {
    int active; /* a pre-copy move is under way from here */
    int dest, stream, rank;
    int heard_fail; /* the destination refused (its FAIL's reason), 0: not */
    /* Made by the sender's job (rmig_pc_work), read by the kernel context
     * once the job has ended. */
    struct rmig_dirty *t;
    struct rmig_dirty_range ext[RMIG_PC_EXTENTS_MAX];
    int next;
    struct rmig_dirty_range allow[RMIG_PC_ALLOW_MAX];
    int nallow;
    struct rmig_precopy_set first; /* round 0: the touched ranges when it began */
    struct rmig_precopy_set left;  /* what the last round's collect reported */
    struct rmig_precopy_sums sums; /* each page as it was sent */
    int sums_ready;
    struct rmig_precopy_link link;
    int link_open;
    struct rmig_precopy_stats st;
    struct rmig_precopy_policy policy;
};

extern struct rmig_pc_move rmig_pc;

/* Kernel context, at boot: starts the sender thread and finds whether
 * written pages can be tracked here. Returns 0 or a negative errno (then
 * pre-copy moves go stop-and-copy, said once). */
int rmig_precopy_boot(void);
/* Whether a move can go pre-copy here (a tracker, the sender running). */
int rmig_precopy_usable(void);

/* Rank context, the destination reserved: announces the rounds (PRECOPY)
 * and hands them to the sender; the rank goes on. Returns 0, or a
 * negative errno (nothing started; the reservation lapses). */
int rmig_precopy_begin(int dest);
/* Rank context, at a safe point while a pre-copy move is under way: 1 while
 * its rounds go on; once they end, the freeze and the stop round: 0 on the
 * destination, or the move's error on the source (the rank stays: the
 * destination's refusal -EIO, its loss -EHOSTDOWN, a round's error...). */
int rmig_precopy_step(struct rmig_rank *rs);
/* Rank context: gives the move up (the rank ends, or leaves MPI). */
void rmig_precopy_abandon(int why);
/* A FAIL came from a destination (rmig_control_handle). */
void rmig_precopy_heard(const struct rmig_wire_hdr *h);
/* Test hook NMPI_TEST_STREAM_FAULT=precopy-round2: the source sends at
 * least two rounds after round 0 and the destination refuses round 2. */
int rmig_precopy_fault_round2(void);
/* Frees what the move holds (tracker stopped, link closed); the sender's
 * job must have ended. */
void rmig_precopy_release(void);

#endif /* RMIG_PRECOPY_MOVE_H */
