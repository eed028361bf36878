/* rmig_precopy_landing.h: the destination's end of a pre-copy move's
 * rounds (private to rank-migrate; issue 15 item 1). See
 * rmig_precopy_landing.c. */
#ifndef RMIG_PRECOPY_LANDING_H
#define RMIG_PRECOPY_LANDING_H

#include <stdint.h>

#include "rmig_precopy_link.h"
#include "rmig_precopy_sums.h"

/* One move arriving here; runtime memory, kernel context. */
struct rmig_precopy_landing {
    int src, stream, rank;
    int next_round; /* the round expected next */
    int portal[RMIG_LANES];
    struct rmig_wire_run *runs; /* the round's runs */
    uint32_t cap;
    struct rmig_precopy_sums *sums; /* each page summed as it lands, or NULL */
    uint64_t bytes;                 /* landed in all rounds */
    struct rmig_wire_round last;    /* the header of the round that landed last */
    double header_at;               /* when the header of the last round came (knode_wtime) */
    /* Called while a read waits (NULL: none): a negative errno ends the
     * wait with it (the source gave the move up, the job ends). */
    int (*idle)(void *arg);
    void *idle_arg;
    int refuse_round; /* test hook: a header of this round (or a final one past it) is
                       * refused with -ECONNREFUSED; 0: none */
};

/* Creates the portals of the move's stream ports from src. Returns 0 or a
 * kportal error (nothing left). */
int rmig_precopy_landing_open(struct rmig_precopy_landing *l, int src, int stream, int rank,
                              struct rmig_precopy_sums *sums);

/* Takes the next round: its header and runs, checked, then the runs' bytes
 * in place. Returns 0 once it is in; -EBADMSG (a header or run table that
 * does not check out: nothing of the round was written; or a run that came
 * short: the round's runs were all read), -ETIMEDOUT, -EHOSTDOWN, -ENOMEM,
 * a kportal error. After an error the partial copy must be dropped. */
int rmig_precopy_landing_round(struct rmig_precopy_landing *l);

/* Reads exactly len bytes through lane 0 (the move's other blocks,
 * rmig_precopy_wire.h): 0, -EBADMSG (another length) or a wait's error. */
int rmig_precopy_landing_read0(const struct rmig_precopy_landing *l, void *buf, size_t len);

/* Unlinks the portals, frees the runs. */
void rmig_precopy_landing_close(struct rmig_precopy_landing *l);

#endif /* RMIG_PRECOPY_LANDING_H */
