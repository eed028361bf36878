/* rmig_xreq.h: the wire format of requests from outside the job (version 5).
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
 * A PLACEMENT asks where every cluster is and what it runs: the entry (any
 * cluster with a socket on the requester's host) asks every other cluster
 * over the job's control channel (rmig_wire.h, WHERE and HERE), waits for
 * the answers up to the PLACEMENT's wait_ms, and sends one TABLE datagram
 * back: a struct rmig_xreq_table_head, one struct rmig_xreq_place per
 * cluster, then the host names (version 2 added both types, version 3
 * the container size of each rank).
 *
 * A MOVE may name how the container is sent (version 5: mode).
 *
 * A MOVE_VIA (version 4) is a MOVE through a checkpoint file: the fixed
 * message, then the directory the image goes through (an absolute path and
 * its NUL, nothing after); the answers are a MOVE's.
 *
 * Both sides decode with rmig_xreq_check() (the fixed-size messages),
 * rmig_xreq_via_check() (a MOVE_VIA) or rmig_xreq_table_check() (a TABLE),
 * which check length, magic, version, type and every field's range before
 * anything else is trusted.
 */
#ifndef RMIG_XREQ_H
#define RMIG_XREQ_H

#include <stdint.h>

#define RMIG_XREQ_MAGIC   0x474d4d4eu /* "NMMG" */
#define RMIG_XREQ_VERSION 5
#define RMIG_XREQ_ERR_MAX 4095 /* a status is 0 or -1..-4095 (-errno) */

enum rmig_xreq_type {
    RMIG_XREQ_MOVE = 1,       /* requester -> cluster: move `rank` to `cluster` */
    RMIG_XREQ_QUEUED = 2,     /* cluster -> requester: taken, on its way to the rank */
    RMIG_XREQ_RESULT = 3,     /* rank -> requester: the outcome */
    RMIG_XREQ_PLACEMENT = 4,  /* requester -> cluster: where does every cluster run, and what */
    RMIG_XREQ_TYPE_MAX = 4,   /* the last fixed-size type (rmig_xreq_check) */
    RMIG_XREQ_TABLE = 5,      /* entry -> requester: the placement (rmig_xreq_table_check) */
    RMIG_XREQ_CHECKPOINT = 6, /* requester -> cluster: a checkpoint of the job into a
                               * directory (struct rmig_xreq_ckpt, rmig_xreq_ckpt_check) */
    RMIG_XREQ_MOVE_VIA = 7,   /* requester -> cluster: MOVE through a checkpoint file in the
                               * directory after it (rmig_xreq_via_check) */
};

/* Longest directory of a MOVE_VIA, its NUL included (the image's name and
 * the path after a control message's header must still fit). */
#define RMIG_XREQ_DIR_MAX 3968

/* How a MOVE sends the container: as the job's NMPI_MIGRATION_MODE says,
 * stop-and-copy, pre-copy, post-copy or chosen by the predicted pause (the
 * values of rmig.h's enum rmig_mode; 3, a checkpoint file, is said by a
 * MOVE_VIA instead). */
#define RMIG_XREQ_MODE_JOB      0
#define RMIG_XREQ_MODE_STOP     1
#define RMIG_XREQ_MODE_PRECOPY  2
#define RMIG_XREQ_MODE_POSTCOPY 4
#define RMIG_XREQ_MODE_AUTO     5

#define RMIG_XREQ_WAIT_MAX 60000 /* ms: the longest a PLACEMENT may ask the entry to wait */

struct rmig_xreq {
    uint32_t magic;     /* RMIG_XREQ_MAGIC */
    uint16_t version;   /* RMIG_XREQ_VERSION */
    uint16_t type;      /* enum rmig_xreq_type */
    uint32_t requester; /* requester's id (its pid), > 0: names its socket */
    uint32_t nonce;     /* chosen by the requester, echoed in the answers */
    int32_t rank;       /* the rank to move, 0..nranks-1; PLACEMENT, TABLE: 0 */
    int32_t cluster;    /* MOVE: destination 0..nclusters-1, or -1 any spare;
                         * PLACEMENT: 0; answers: the cluster that sends it */
    union {
        int32_t from;    /* RESULT: where the rank was before (= cluster if it
                          * did not move); else 0 */
        int32_t mode;    /* MOVE: RMIG_XREQ_MODE_* (version 5) */
        int32_t wait_ms; /* PLACEMENT: how long the entry waits for the other
                          * clusters' answers, 1..RMIG_XREQ_WAIT_MAX */
    };
    int32_t status;       /* RESULT: 0 moved, or -errno; TABLE: 0, or -EBUSY (the
                           * entry is gathering another placement), -E2BIG (more
                           * hosts than RMIG_XREQ_HOSTS_MAX); else 0 */
    uint64_t downtime_ns; /* RESULT of a move: its downtime in ns; else 0 */
};

/* A placement TABLE: this head, then `nclusters` struct rmig_xreq_place (by
 * cluster number), then `nhosts` names of RMIG_XREQ_NAME_MAX bytes (by host
 * number: hosts are numbered in the order of their first cluster), each
 * NUL-terminated and NUL-padded, printable, non-empty. A TABLE with a
 * status < 0 ends after the head, with both counts 0. */
#define RMIG_XREQ_NAME_MAX     64   /* bytes of a host name, its NUL included */
#define RMIG_XREQ_HOSTS_MAX    256  /* a job on more hosts gets status -E2BIG */
#define RMIG_XREQ_CLUSTERS_MAX 4096 /* KNODE_MAX */

struct rmig_xreq_table_head {
    struct rmig_xreq m; /* type TABLE; requester, nonce: the PLACEMENT's; cluster: the entry */
    int32_t nclusters;  /* entries: the job's cluster count (0 when status < 0) */
    int32_t nhosts;     /* names: 1..min(nclusters, RMIG_XREQ_HOSTS_MAX) (0 when status < 0) */
};

enum rmig_place_state {
    RMIG_PLACE_RANK = 1,     /* the cluster runs rank `rank` */
    RMIG_PLACE_IDLE = 2,     /* no rank: a spare, free to take one */
    RMIG_PLACE_BUSY = 3,     /* no rank, but reserved for one on its way in */
    RMIG_PLACE_NOANSWER = 4, /* did not answer within wait_ms */
    RMIG_PLACE_LOST = 5,     /* its process is gone (knode_is_lost) */
    RMIG_PLACE_STATE_MAX = 5,
};

struct rmig_xreq_place {
    int32_t rank;  /* state RANK: 0..nranks-1; else -1 */
    int16_t host;  /* its host, 0..nhosts-1 */
    int16_t state; /* enum rmig_place_state */
    uint32_t kib;  /* state RANK: KiB a move of the rank would send now (rounded
                    * up; 0 when its cluster did not say); else 0 (version 3) */
};

#define RMIG_XREQ_TABLE_MAX                                                                        \
    (sizeof(struct rmig_xreq_table_head) +                                                         \
     RMIG_XREQ_CLUSTERS_MAX * sizeof(struct rmig_xreq_place) +                                     \
     RMIG_XREQ_HOSTS_MAX * RMIG_XREQ_NAME_MAX)

/* A decoded TABLE. */
struct rmig_xreq_placement {
    struct rmig_xreq head; /* requester, nonce, entry (cluster), status */
    int nclusters, nhosts;
    struct rmig_xreq_place place[RMIG_XREQ_CLUSTERS_MAX];
    char host[RMIG_XREQ_HOSTS_MAX][RMIG_XREQ_NAME_MAX];
};

/* A CHECKPOINT (version 4): asks the whole job for a coordinated checkpoint
 * into `dir`, as MPIX_Checkpoint writes it (rank-migrate/rmig_ckpt_ask.c).
 * The entry answers QUEUED (a struct rmig_xreq, rank 0) at once, then a
 * struct rmig_xreq_ckpt of type RESULT once the job's MANIFEST is written
 * or the checkpoint failed. The requester tells the two answers apart by
 * their length. */
#define RMIG_XREQ_CKPT_DIR_MAX 512 /* bytes of the directory's name, its NUL included */

struct rmig_xreq_ckpt {
    struct rmig_xreq m;               /* type CHECKPOINT or RESULT; rank 0, from 0, downtime_ns 0;
                                       * cluster: 0 in the request, the entry in the RESULT;
                                       * status: 0 in the request; RESULT: 0 complete, or -errno */
    int32_t number;                   /* RESULT: the job's checkpoint number (>= 1), 0 when the
                                       * request was refused before one was given; request: 0 */
    int32_t nranks;                   /* RESULT, status 0: ranks in the checkpoint; else 0 */
    uint64_t bytes;                   /* RESULT, status 0: bytes of the images written; else 0 */
    char dir[RMIG_XREQ_CKPT_DIR_MAX]; /* request: an absolute path, printable, NUL-terminated
                                       * and NUL-padded; RESULT: all NUL */
};

/* Checks len bytes of a CHECKPOINT or of its RESULT against a job of
 * nranks ranks and nclusters clusters and copies them to *out (which may
 * be NULL). Returns the type, or -EPROTO. (rmig_xreq_ckpt.c) */
int rmig_xreq_ckpt_check(const void *msg, long len, int nranks, int nclusters,
                         struct rmig_xreq_ckpt *out);

/* Non-zero when dir[0..RMIG_XREQ_CKPT_DIR_MAX) is a directory a CHECKPOINT may
 * carry: starts with '/', printable, NUL-terminated and NUL-padded. */
int rmig_xreq_dir_ok(const char *dir);

/* Checks len bytes received from outside the job against a job of nranks
 * ranks and nclusters clusters and copies them to *out. Returns the type, or
 * -EPROTO for anything malformed or out of range. */
int rmig_xreq_check(const void *msg, long len, int nranks, int nclusters, struct rmig_xreq *out);

/* Checks len bytes of a TABLE against a job of nranks ranks and nclusters
 * clusters and decodes them into *out (which may be NULL). Returns
 * RMIG_XREQ_TABLE, or -EPROTO for anything malformed or out of range. */
int rmig_xreq_table_check(const void *msg, long len, int nranks, int nclusters,
                          struct rmig_xreq_placement *out);

/* Checks len bytes received from outside the job as a MOVE_VIA (as
 * rmig_xreq_check checks a MOVE, then the directory: absolute, at most
 * RMIG_XREQ_DIR_MAX bytes with its NUL, which ends the message) and copies
 * the fixed part to *out and the directory to dir[RMIG_XREQ_DIR_MAX].
 * Returns RMIG_XREQ_MOVE_VIA, or -EPROTO. */
int rmig_xreq_via_check(const void *msg, long len, int nranks, int nclusters, struct rmig_xreq *out,
                        char *dir);

/* Fills *m with a message of `type` with the given fields, the rest zero. */
void rmig_xreq_fill(struct rmig_xreq *m, int type, uint32_t requester, uint32_t nonce, int rank,
                    int cluster);

#endif /* RMIG_XREQ_H */
