/* rmig_internal.h: private declarations of the rank-migrate layer. */
#ifndef RMIG_INTERNAL_H
#define RMIG_INTERNAL_H

#include "rmig.h"
#include "rmig_wire.h"

/* Per-cluster daemon state: it never moves with a rank. */
struct rmig_cluster {
    int booted;      /* knode_setup done */
    int nranks;      /* logical ranks of the job */
    int nspares;     /* spare clusters at start */
    int control_mbx; /* input control mailbox id */
    int left;        /* rmig_cluster_leave done */
};

extern struct rmig_cluster rmig_cluster;

/* Boot hooks given to the uarea layer. */
int rmig_cluster_boot(void);
int rmig_spare_loop(void);
int rmig_rank_exit(int status);

/* Sends a header-only control message of `type` to `cluster`. */
int rmig_control_send(int cluster, int type);

#endif /* RMIG_INTERNAL_H */
