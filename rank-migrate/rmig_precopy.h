/* rmig_precopy.h: the rounds of a pre-copy move, source side (private to
 * rank-migrate; issue 15 item 1). See rmig_precopy.c for who runs them and
 * why, and for what is not done yet.
 *
 * A pre-copy move sends the container while the rank runs: round 0 every
 * touched range, then round k the pages the rank wrote during round k-1
 * (rmig_dirty_collect), until the policy says stop; what the last collect
 * reported is left for the final stop-and-copy, made with the rank frozen
 * (with one more collect, taken after the freeze). The rounds know nothing
 * of the transport: a send function carries each round's ranges.
 */
#ifndef RMIG_PRECOPY_H
#define RMIG_PRECOPY_H

#include <stddef.h>
#include <stdint.h>

#include <stdatomic.h>

#include "rmig_dirty.h"

#define RMIG_PRECOPY_MAX_ROUNDS 64 /* rounds after round 0, at most */

/* When the rounds end. */
struct rmig_precopy_policy {
    int max_rounds;       /* rounds after round 0 (0: round 0 only), <= RMIG_PRECOPY_MAX_ROUNDS */
    uint64_t small_bytes; /* a dirty set this small is left to the stop-and-copy */
    int min_rounds;       /* rounds after round 0 sent whatever the set (a test hook; 0) */
    /* Bytes all rounds, a last round and the stop round may send, as a
     * multiple of round 0's (0: no limit): see rmig_precopy_budget_ok. */
    int budget_factor;
};

/* The convergence rule: 1 to send another round of `dirty` bytes, 0 to
 * stop and leave them to the stop-and-copy. `rounds` were sent after round
 * 0 so far; `before` is what the previous collect reported (the bytes of
 * round 0 for the first). Goes on below min_rounds; stops at the round limit, when dirty is at most
 * small_bytes, or when it did not shrink (dirty >= before: the rank writes
 * as fast as the rounds send, and another round would only resend it). */
int rmig_precopy_go_on(const struct rmig_precopy_policy *p, int rounds, uint64_t dirty,
                       uint64_t before);

struct rmig_precopy_stats;

/* The byte budget: 1 if a round of `dirty` bytes may go after the rounds of
 * st (sent so far: st->bytes[0..st->rounds]), 0 if the rest is left to the
 * last round. A round goes only while what was sent, the round and twice
 * its size for what follows fit in budget_factor times round 0, so that a
 * rank writing faster than the rounds send does not make the move send the
 * container over and over. Twice, not once: what follows is the last round
 * (all the rank wrote until it reached its safe point) and the stop round,
 * and a round that runs long on a loaded machine lets the rank write more
 * than the round's own size. Seen with a reserve of one round (make
 * bench-precopy, 16 MiB at 10% per 10 ms, load 5-12): round 0 16.9 MB in
 * 86 ms, a round of 8.3 MB allowed that took 200 ms, then a last round of
 * 16.8 MB (the whole heap rewritten meanwhile): 2.49x the container. Always
 * 1 below min_rounds or without a budget. */
int rmig_precopy_budget_ok(const struct rmig_precopy_policy *p, const struct rmig_precopy_stats *st,
                           uint64_t dirty);

/* A set of page runs: what a collect reported. In runtime memory. */
struct rmig_precopy_set {
    struct rmig_dirty_range *r;
    int n, cap;
    uint64_t bytes; /* sum of the lengths (after rmig_precopy_set_normalize: no overlap) */
    int nomem;      /* a run could not be kept: the set is incomplete, pre-copy must stop */
};

/* rmig_dirty_cb: appends one run to the set (arg), merged with the last
 * one when they touch. */
void rmig_precopy_set_note(uintptr_t addr, size_t len, void *arg);
/* Sorts the runs by address and merges those that overlap or touch (two
 * collects, or a collect's two passes, may report one page twice). */
void rmig_precopy_set_normalize(struct rmig_precopy_set *s);
/* Keeps only what lies inside the n ranges `allow` (ascending, disjoint,
 * any byte bounds): a tracker reports whole pages, but a page of the
 * globals may also hold the cluster's own objects (stdout, environ: see
 * ua_globals_ranges), which must never be sent. s must be normalized. */
void rmig_precopy_set_clip(struct rmig_precopy_set *s, const struct rmig_dirty_range *allow, int n);
/* Adds what the n ranges r (ascending, disjoint) hold outside the nt
 * ranges `tracked` (ascending, disjoint): at the freeze, the touched ranges
 * the tracker never watched (the heap grown above its top of round 0) are
 * sent whole. Normalizes s. */
void rmig_precopy_set_add_untracked(struct rmig_precopy_set *s, const struct rmig_dirty_range *r,
                                    int n, const struct rmig_dirty_range *tracked, int nt);
void rmig_precopy_set_clear(struct rmig_precopy_set *s);
void rmig_precopy_set_free(struct rmig_precopy_set *s);

/* Carries one round: the n runs r, whose bytes it reads while the rank may
 * write them. Returns 0, or a negative errno that ends the move (the rank
 * keeps running at the source). */
typedef int (*rmig_precopy_send_fn)(int round, const struct rmig_dirty_range *r, int n, void *arg);

struct rmig_precopy_stats {
    int rounds;                                  /* sent after round 0 */
    uint64_t bytes[RMIG_PRECOPY_MAX_ROUNDS + 1]; /* per round, round 0 first */
    double seconds[RMIG_PRECOPY_MAX_ROUNDS + 1]; /* per round: its send and the collect after */
    uint64_t left;                               /* bytes left for the stop-and-copy */
};

/* What the rounds run over: the tracker, round 0's runs (the touched
 * ranges, tracked by t from before they are read) and the ranges a later
 * round may send (rmig_precopy_set_clip; NULL: all that t reports). */
struct rmig_precopy_job {
    struct rmig_dirty *t;
    const struct rmig_dirty_range *first;
    int nfirst;
    const struct rmig_dirty_range *allow;
    int nallow;
    const atomic_int *cancel; /* non-zero: stop before the next round (NULL: never) */
};

/* Runs the rounds: round 0 sends j->first, then each round sends what the
 * tracker's collect reported (clipped to j->allow), as p says. On return
 * 0, *left holds (normalized, clipped) what the last collect reported and
 * was not sent: the stop-and-copy's share, to which the caller adds one
 * more collect once the rank is frozen. On a negative return nothing of
 * *left is meaningful: the send's error, the collect's (tracking broke:
 * the move falls back to a whole stop-and-copy, or fails), or -ECANCELED
 * once *j->cancel is set. st may be NULL. */
int rmig_precopy_rounds(const struct rmig_precopy_job *j, const struct rmig_precopy_policy *p,
                        rmig_precopy_send_fn send, void *arg, struct rmig_precopy_set *left,
                        struct rmig_precopy_stats *st);

#endif /* RMIG_PRECOPY_H */
