/* rmig_postcopy_move.h: post-copy moves joined into the move (private to
 * rank-migrate; issue 15 item 2). The blocks they are made of:
 * rmig_postcopy_fault.h (the destination's session), rmig_postcopy_serve.h
 * (the source's answers, the push order), rmig_postcopy_wire.h (a pull).
 *
 * A post-copy move is a stop-and-copy move up to the freeze; then the
 * kernel context's stream (rmig_stream_postcopy, announced by a POSTCOPY
 * control message) sends the full range table but only the "first pages":
 * every range outside the heap (the uarea header, the stack from the saved
 * stack pointer up, the globals). The destination watches the heap's
 * touched runs with a userfaultfd session, lands and checks the first
 * pages, answers DONE; after COMMIT the rank runs there at once, its heap
 * pages pulled on first touch and by a runtime thread in the background
 * (rmig_postcopy_dest.c). The source leaves its tombstone as after any
 * move, keeps the heap pages (ua_release_container keeps them), refuses
 * offers and answers pulls from its idle loop until the destination says
 * every page is present (rmig_postcopy_source.c). */
#ifndef RMIG_POSTCOPY_MOVE_H
#define RMIG_POSTCOPY_MOVE_H

#include <stdint.h>

#include "rmig_postcopy_fault.h"
#include "rmig_wire.h"

/* Mailbox port on the source where the destination's pulls arrive. The
 * answers come back through lane 0 of the move's stream portals. */
#define RMIG_PULL_PORT 3
/* Bytes the background pull asks at a time: a fault waits at most one of
 * these in flight before its own pull goes. */
#define RMIG_POSTCOPY_CHUNK (256UL << 10)

/* A range of the table the destination fetches later (the heap's): both
 * ends classify the same table alike. */
int rmig_postcopy_lazy(const struct rmig_wire_range *r);

/* The lazy ranges of r[0..n-1], adjacent ones merged, into *runs_p
 * (runtime memory, the caller frees). Returns their number (0: none), or
 * -ENOMEM. */
int rmig_postcopy_runs(const struct rmig_wire_range *r, int n, struct rmig_postcopy_range **runs_p);

/* ---- source (rmig_postcopy_source.c) ---- */

/* Rank context, before the freeze: the next stream from here is the
 * post-copy one (taken by rmig_stream_to). */
void rmig_postcopy_choose(int on);
/* Kernel context: consumed by the stream's choice. */
int rmig_postcopy_chosen(void);
/* Non-zero while this cluster serves the pages of a rank that left it. */
int rmig_postcopy_serving(void);
/* Kernel context, idle loop: answers the pulls that came. Returns how many. */
int rmig_postcopy_serve_poll(void);
/* A DONE (stream, from the destination) read by the control handler:
 * every page is there; the source stops serving. */
void rmig_postcopy_heard_done(const struct rmig_wire_hdr *h);

/* ---- destination (rmig_postcopy_dest.c) ---- */

/* Rank context: waits until every page is here (the background pull
 * ended, the rest fetched now), then stops the session. What a checkpoint
 * and a move of the rank do first: all ranks take part in the one, and the
 * other would leave pages behind. Returns 0 (at once without a session),
 * or -errno (the job ends anyway when the source is lost). */
int rmig_postcopy_complete(void);
/* The rank ended here: the background pull stops, the session too. */
void rmig_postcopy_quit(void);
/* Non-zero while the rank that arrived here still has pages at its source. */
int rmig_postcopy_pulling(void);

#endif /* RMIG_POSTCOPY_MOVE_H */
