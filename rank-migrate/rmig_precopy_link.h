/* rmig_precopy_link.h: the source's end of a pre-copy move's rounds
 * through portals (private to rank-migrate; issue 15 item 1). See
 * rmig_precopy_link.c. */
#ifndef RMIG_PRECOPY_LINK_H
#define RMIG_PRECOPY_LINK_H

#include <stdatomic.h>
#include <stdint.h>

#include "rmig_dirty.h"
#include "rmig_precopy_wire.h"
#include "rmig_wire.h"

/* One move's link to its destination; in runtime memory (the sender's). */
struct rmig_precopy_link {
    int dest, stream, rank;
    int portal[RMIG_LANES];
    const atomic_int *cancel;      /* the sender's flag, or NULL */
    struct rmig_wire_round *table; /* header and runs of the round being sent */
    uint32_t cap;                  /* runs the table holds */
    uint32_t flags;                /* the next round's header flags (RMIG_ROUND_FINAL) */
    /* Called while a write waits (NULL: none; never in the sender thread,
     * which may not read control messages): a negative errno ends the wait
     * with it (the destination refused). */
    int (*idle)(void *arg);
    void *idle_arg;
};

/* Opens the link's portals on the move's stream ports. Returns 0 or a
 * kportal error (nothing left open). */
int rmig_precopy_link_open(struct rmig_precopy_link *l, int dest, int stream, int rank,
                           const atomic_int *cancel);

/* rmig_precopy_send_fn over a link (arg): writes the round's table, then
 * its runs, and returns once the destination has them all: 0, or
 * -ETIMEDOUT (no progress for rmig_timeout()), -EHOSTDOWN (destination
 * lost), -ECANCELED, -E2BIG (too many runs), -ENOMEM, a kportal error. */
int rmig_precopy_link_send(int round, const struct rmig_dirty_range *r, int n, void *link);

/* Writes len bytes through lane 0 and waits until they are read: the
 * move's other blocks (rmig_precopy_wire.h). 0 or rmig_precopy_link_send's
 * errors. */
int rmig_precopy_link_write0(const struct rmig_precopy_link *l, const void *buf, size_t len);

/* Closes the portals (an unfinished write is abandoned) and frees the table. */
void rmig_precopy_link_close(struct rmig_precopy_link *l);

#endif /* RMIG_PRECOPY_LINK_H */
