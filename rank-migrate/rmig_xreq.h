/* rmig_xreq.h: the wire format of requests from outside the job (version 1).
 *
 * The mpimigrate command asks a running job to move a rank by sending one
 * struct rmig_xreq (type MOVE) as a datagram to the request socket of the
 * cluster the rank started on ($NMPI_JOB_DIR/c<rank>.sock, see nanvix.h),
 * or of any cluster of the job whose socket is on the requester's host (the
 * entry). It binds $NMPI_JOB_DIR/m<requester>.sock and gets two answers
 * there: QUEUED from the entry (the job is alive and the request valid),
 * then RESULT once the rank has acted on it: moved (status 0; cluster = the
 * destination) or refused (status -errno; cluster = where it stays), sent
 * by the rank itself or, when it runs on another cluster than the entry,
 * relayed by the entry (rmig_wire.h, RMIG_MSG_RESULT). Every field is fixed-size and little-endian
 * as on the sender (the requester and the job are on one host: the socket is a local file).
 *
 * Both sides decode with rmig_xreq_check(), which checks length, magic,
 * version, type and every field's range before anything else is trusted.
 */
#ifndef RMIG_XREQ_H
#define RMIG_XREQ_H

#include <stdint.h>

#define RMIG_XREQ_MAGIC   0x474d4d4eu /* "NMMG" */
#define RMIG_XREQ_VERSION 1
#define RMIG_XREQ_ERR_MAX 4095 /* a status is 0 or -1..-4095 (-errno) */

enum rmig_xreq_type {
    RMIG_XREQ_MOVE = 1,   /* requester -> cluster: move `rank` to `cluster` */
    RMIG_XREQ_QUEUED = 2, /* cluster -> requester: taken, on its way to the rank */
    RMIG_XREQ_RESULT = 3, /* rank -> requester: the outcome */
    RMIG_XREQ_TYPE_MAX = 3,
};

struct rmig_xreq {
    uint32_t magic;       /* RMIG_XREQ_MAGIC */
    uint16_t version;     /* RMIG_XREQ_VERSION */
    uint16_t type;        /* enum rmig_xreq_type */
    uint32_t requester;   /* requester's id (its pid), > 0: names its socket */
    uint32_t nonce;       /* chosen by the requester, echoed in the answers */
    int32_t rank;         /* the rank to move, 0..nranks-1 */
    int32_t cluster;      /* MOVE: destination 0..nclusters-1, or -1 any spare;
                           * answers: the cluster that sends it */
    int32_t from;         /* RESULT: where the rank was before (= cluster if it
                           * did not move); else 0 */
    int32_t status;       /* RESULT: 0 moved, or -errno; else 0 */
    uint64_t downtime_ns; /* RESULT of a move: its downtime in ns; else 0 */
};

/* Checks len bytes received from outside the job against a job of nranks
 * ranks and nclusters clusters and copies them to *out. Returns the type, or
 * -EPROTO for anything malformed or out of range. */
int rmig_xreq_check(const void *msg, long len, int nranks, int nclusters, struct rmig_xreq *out);

/* Fills *m with a message of `type` with the given fields, the rest zero. */
void rmig_xreq_fill(struct rmig_xreq *m, int type, uint32_t requester, uint32_t nonce, int rank,
                    int cluster);

#endif /* RMIG_XREQ_H */
