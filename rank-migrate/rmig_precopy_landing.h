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

/* Unlinks the portals, frees the runs. */
void rmig_precopy_landing_close(struct rmig_precopy_landing *l);

#endif /* RMIG_PRECOPY_LANDING_H */
