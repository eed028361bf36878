/* rmig_unit.h: helpers shared by rank-migrate's unit tests (fixtures, messages, peers).
 *
 * rmu_setup() boots cluster RMU_ME of the fake job (rmig_fake.h) through
 * the real rmig_cluster_boot() with 4 ranks and 2 spares, starts a
 * container for rank RMU_ME there and registers rmu_ops, recorded
 * messaging operations, with rmig_set_messaging(). rmu_setup_spare() boots
 * cluster RMU_SPARE as an idle spare instead.
 *
 * Other clusters are scripted peers (rmu_peer[c]): when rank-migrate sends
 * cluster c an OFFER or a BEGIN, c's answers are queued in the inbox at
 * once, as the script says. rmu_arrive_at() lets the process go on as the
 * destination once the container left the source, so a whole move runs
 * through the real code of both ends.
 */
#ifndef RMIG_UNIT_H
#define RMIG_UNIT_H

#include "rmig_fake.h"
#include "rmig_internal.h"
#include "rmig_xreq.h"

#define RMU_ME     FAKE_SELF   /* rank 1 on cluster 1 */
#define RMU_NRANKS FAKE_NRANKS /* NMPI_SPARES=2 of FAKE_NCLUSTERS */
#define RMU_SPARE  4           /* the first spare */

/* Clock steps of the recorded operations: quiesce (the freeze) and arrive
 * (the route update) each take this long. */
#define RMU_FREEZE_STEP 0.0625
#define RMU_ROUTE_STEP  0.03125

/* Checked fixtures: cluster RMU_ME with rank RMU_ME, or an idle spare. */
void rmu_setup(void);
void rmu_setup_spare(void);

/* A valid control message from cluster src. */
struct rmig_wire_hdr rmu_hdr(int type, int src, int rank, int arg, int stream);

/* Queues one in the inbox (rmu_push) or a given header (rmu_push_hdr). */
void rmu_push(int type, int src, int rank, int arg, int stream);
void rmu_push_hdr(const struct rmig_wire_hdr *h);

/* The i-th control message rank-migrate sent, checked as a receiver would. */
struct rmig_wire_hdr rmu_sent(int i);

/* Asserts that message i went to `cluster` with these fields, stamped
 * with this job and the cluster that wrote it. */
void rmu_assert_sent(int i, int cluster, int type, int rank, int arg, int stream);

/* The i-th answer to an outside requester, checked as mpimigrate would. */
struct rmig_xreq rmu_reply(int i);

/* The messaging operations (rmig.h): each call is appended to rmu_log
 * ("quiesce;depart 4;stay;"); ready() returns rmu_ready_value; forward()
 * is only counted. */
extern struct rmig_messaging_ops rmu_ops;
extern char rmu_log[256];
extern int rmu_ready_value, rmu_forwards;

/* How a scripted peer answers. */
enum rmu_offer_script { RMU_SILENT = 0, RMU_ACCEPT, RMU_REFUSE };
enum rmu_stream_script {
    RMU_STREAM_SILENT = 0,      /* no answer to BEGIN */
    RMU_STREAM_OK,              /* TABLE_OK, DONE */
    RMU_STREAM_FAIL,            /* FAIL (fail_arg) */
    RMU_STREAM_TABLE_THEN_FAIL, /* TABLE_OK, FAIL (fail_arg) */
    RMU_STREAM_TABLE_ONLY,      /* TABLE_OK, then nothing */
    RMU_STREAM_OTHER_NUMBER,    /* TABLE_OK, DONE, of the next stream number */
};

struct rmu_peer {
    int offer;      /* enum rmu_offer_script */
    int refuse_arg; /* REFUSE's arg */
    int again;      /* offers refused -EAGAIN (leaving) before `offer` applies */
    int stream;     /* enum rmu_stream_script */
    int fail_arg;   /* FAIL's arg */
};

extern struct rmu_peer rmu_peer[FAKE_NCLUSTERS];

/* Once the container left cluster fake_self (the next idle of the source's
 * spare loop), the process becomes cluster dest at time `when`: the
 * messages the source sent to dest (its OFFER and BEGIN) reach dest's
 * inbox and the stream's bytes are on the wire. */
void rmu_arrive_at(int dest, double when);

/* Runs fn(NULL) with stderr caught (th_stderr_capture, tests/lib);
 * returns what it printed (a static buffer). */
const char *rmu_caught(void (*fn)(void *arg));

#endif /* RMIG_UNIT_H */
