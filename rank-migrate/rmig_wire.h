/* rmig_wire.h: the wire formats of the migration daemon (version 13).
 *
 * Control messages: one fixed header through the control mailbox
 * (RMIG_CONTROL_PORT); BEGIN_FILE, and an ASK to move through a checkpoint,
 * carry a path after it (c = its length, then the path and a NUL: the
 * message is sizeof(struct rmig_wire_hdr) + c + 1 bytes). Container stream: through portals, a
 * table of struct rmig_wire_range entries, then the bytes of each range in table order. Decoders
 * check lengths, magic, version and job token before trusting any other field; the receiver checks
 * every range against the container layout and every checksum before the rank may run.
 */
#ifndef RMIG_WIRE_H
#define RMIG_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define RMIG_WIRE_MAGIC   0x524d4947u /* "RMIG" */
#define RMIG_WIRE_VERSION 13

/* Largest container a HERE may report (1 TiB; a TABLE row holds KiB in 32
 * bits). */
#define RMIG_WIRE_BYTES_MAX (1ULL << 40)
#define RMIG_MAX_RANGES     65536 /* a longer table is refused */
/* Each source numbers its streams modulo RMIG_STREAMS and each number has
 * its own portal port, so bytes of an abandoned stream still queued at the
 * destination can never be taken for a later one. */
#define RMIG_STREAMS 32
/* Ranges of a stream alternate between RMIG_LANES portals (range i through
 * lane i % RMIG_LANES; the table through lane 0), so the destination keeps
 * reads posted ahead: the source copies the next ranges while the
 * destination checks one, with no notice round trip between copies. */
#define RMIG_LANES             4
#define RMIG_MAX_HOPS          4096 /* an ASK forwarded more often is dropped (KNODE_MAX) */
#define RMIG_WIRE_CLUSTERS_MAX 4096 /* a cluster number on the wire is below this (KNODE_MAX) */
#define RMIG_WIRE_PATH_MAX     4096 /* a path after a header: at most this, its NUL included */

enum rmig_msg_type {
    RMIG_MSG_JOB_END = 1,  /* the job is over: leave */
    RMIG_MSG_OFFER = 2,    /* source -> dest: may rank `rank` move to you? a = fingerprint,
                            * b = the offer's number (rmig_cluster.offer_nonce) */
    RMIG_MSG_ACCEPT = 3,   /* dest -> source: yes, send it; b = the offer's number */
    RMIG_MSG_REFUSE = 4,   /* dest -> source: no; arg = reason (-errno), b = the offer's number */
    RMIG_MSG_BEGIN = 5,    /* source -> dest: arg = ranges, a = bytes, b = table checksum,
                            * stream = stream number */
    RMIG_MSG_DONE = 6,     /* dest -> source: container verified; the rank runs here once
                            * the source answers COMMIT */
    RMIG_MSG_FAIL = 7,     /* dest -> source: stream rejected; arg = reason */
    RMIG_MSG_ASK = 8,      /* anyone -> a rank's cluster: move to cluster arg; a = outside
                            * requester (0: none; see RMIG_REQUESTER), b = its nonce
                            * (rmig_xreq.h), and the mode asked (version 13: RMIG_ASK_B);
                            * c > 0: through a checkpoint file in the directory
                            * that follows (rmig_stream_file.c), c = its length */
    RMIG_MSG_TABLE_OK = 9, /* dest -> source: the table checks out, send the ranges */
    RMIG_MSG_COMMIT = 10,  /* source -> dest, answering DONE in time: run it; the source has
                            * dropped its copy */
    RMIG_MSG_ABORT = 11,   /* source -> dest: it gave up (no DONE in time): drop the copy,
                            * the rank runs at the source */
    RMIG_MSG_RESULT = 12,  /* a rank's cluster -> the cluster an outside request entered at:
                            * tell the requester; rank, arg = status (0 moved, -errno),
                            * from = where the rank was, a = requester, b = nonce,
                            * c = downtime in ns; src_cluster = where the rank is now */
    RMIG_MSG_WHERE = 13,   /* an entry gathering a placement (rmig_xreq.h, PLACEMENT) ->
                            * every other cluster: what do you run? rank = -1, a = requester
                            * (RMIG_REQUESTER: the entry is its cluster), b = nonce. With
                            * rank >= 0, a rank estimating that one (rmig_estimate.c): sent
                            * where its routes say, forwarded along tombstones (hops, as an
                            * ASK) until the cluster that runs it answers */
    RMIG_MSG_HERE = 14,    /* the answer, to the entry: arg = RMIG_PLACE_RANK (rank = the
                            * rank run here, c = the bytes a move of it would send now,
                            * at most RMIG_WIRE_BYTES_MAX), _IDLE or _BUSY (rank = -1,
                            * c = 0); a, b echoed; sent to the requester's entry */
    RMIG_MSG_PING = 15,    /* a cluster watching a host after a move with it stalled
                            * (rmig_reach.c) -> every cluster of that host; b = nonce */
    RMIG_MSG_PONG = 16,    /* answer to PING: the host is reachable; b = the PING's nonce */
    RMIG_MSG_BEGIN_FILE = 17, /* source -> dest: the container is in the checkpoint image file
                               * whose path follows (c = its length); arg = ranges, a = bytes,
                               * b = the image header's checksum, stream = stream number;
                               * answered DONE or FAIL, then COMMIT or ABORT, as BEGIN */
    /* A checkpoint asked from outside (rmig_ckpt_ask.c, version 12); the
     * first two carry its directory (struct rmig_wire_ckpt). */
    RMIG_MSG_CKPT_ASK = 18,  /* the entry of a CHECKPOINT (rmig_xreq.h) -> cluster 0:
                              * a = requester (RMIG_REQUESTER), b = nonce */
    RMIG_MSG_CKPT_GO = 19,   /* cluster 0 -> every cluster: checkpoint number `ckpt` (>= 1)
                              * is asked; a, b: its requester and nonce */
    RMIG_MSG_CKPT_DONE = 20, /* rank 0 -> cluster 0 -> the entry: checkpoint `ckpt` ended
                              * (0 when refused before it had a number); arg = status
                              * (0 complete, or -errno), c = bytes of its images; a, b */
    /* Version 13: pre-copy moves (rmig_precopy_move.c, rmig_stream_precopy.c). */
    RMIG_MSG_PRECOPY = 21, /* source -> the dest it reserved: the rounds of rank `rank`
                            * follow on stream `stream` (rmig_precopy_wire.h): a layout
                            * of arg extents and a allowed ranges, the rounds, the final
                            * round, the closing block; answered DONE or FAIL, then
                            * COMMIT or ABORT, as BEGIN; ABORT (stream) ends the rounds */
    /* Still version 13: post-copy moves (rmig_postcopy_move.h). */
    RMIG_MSG_POSTCOPY = 22, /* source -> the dest it reserved: as BEGIN (arg = ranges, a =
                             * bytes, b = table checksum, stream), but only the ranges
                             * outside the heap follow the table; the heap's pages are
                             * pulled (rmig_postcopy_wire.h) after COMMIT, and a DONE
                             * (stream) from the dest then says every page is there */
    RMIG_MSG_TYPE_MAX = 22, /* a type after POSTCOPY: see rmig_wire_check */
};

/* An outside requester, as ASK and RESULT carry it: the cluster whose
 * request socket it wrote to (the entry, plus one) in the high 32 bits, its
 * id (pid, > 0) in the low ones. The answer goes back through the entry,
 * whose socket is on the requester's host; 0 in the high bits: answer from
 * wherever the rank is (requests made inside the job have no requester). */
#define RMIG_REQUESTER(entry, id) ((uint64_t)((entry) + 1) << 32 | (uint32_t)(id))
#define RMIG_REQUESTER_ENTRY(r)   ((int)((r) >> 32) - 1)
#define RMIG_REQUESTER_ID(r)      ((uint32_t)(r))
/* An ASK's b: the nonce, and the mode the move is asked in. */
#define RMIG_ASK_B(nonce, mode) ((uint64_t)(uint32_t)(mode) << 32 | (uint32_t)(nonce))
#define RMIG_ASK_MODE(b)        ((int)((b) >> 32))
#define RMIG_ASK_MODE_MAX       2 /* RMIG_MODE_PRECOPY */
#define RMIG_ASK_MODE_POSTCOPY  4 /* RMIG_MODE_POSTCOPY: allowed too (3 goes as a path) */
#define RMIG_ASK_MODE_AUTO      5 /* RMIG_MODE_AUTO: the asked rank chooses by the predicted pause */

struct rmig_wire_hdr {
    uint32_t magic;      /* RMIG_WIRE_MAGIC */
    uint16_t version;    /* RMIG_WIRE_VERSION */
    uint16_t type;       /* enum rmig_msg_type */
    uint64_t job;        /* knode_job_token() of the sender's job */
    int32_t src_cluster; /* sending cluster */
    int32_t rank;        /* the rank concerned, or -1 */
    int32_t arg;         /* per type: reason, range count, target cluster */
    union {              /* zero for other types */
        int32_t stream;  /* BEGIN, PRECOPY, and TABLE_OK/DONE/FAIL/COMMIT/ABORT after it: stream
                          * number, 0..RMIG_STREAMS-1 */
        int32_t hops;    /* ASK: times it was forwarded, 0..RMIG_MAX_HOPS */
        int32_t from;    /* RESULT: the cluster the rank was on */
        int32_t ckpt;    /* CKPT_GO, CKPT_DONE: the checkpoint's number */
    };
    uint64_t a; /* per type: fingerprint, total bytes, requester */
    uint64_t b; /* per type: table checksum, nonce */
    uint64_t c; /* RESULT: downtime in ns; HERE: container bytes; BEGIN_FILE, ASK: length of
                 * the path that follows (ASK: 0, none); zero for other types */
};

/* The path after a checked message's header (c > 0), or "". */
const char *rmig_wire_path_of(const void *msg, const struct rmig_wire_hdr *h);

/* CKPT_ASK and CKPT_GO: the header, then the checkpoint's directory, an
 * absolute path, NUL-terminated and NUL-padded (rmig_xreq_dir_ok). */
#define RMIG_WIRE_DIR_MAX 512 /* = RMIG_XREQ_CKPT_DIR_MAX */

struct rmig_wire_ckpt {
    struct rmig_wire_hdr h;
    char dir[RMIG_WIRE_DIR_MAX];
};

/* One range of the container stream. */
struct rmig_wire_range {
    uint64_t addr;     /* where the bytes go, same address as at the source */
    uint64_t len;      /* bytes */
    uint64_t checksum; /* ua_checksum_range() of the bytes */
};

/* Checks a received control message of len bytes and copies its header to
 * *out (a path after it stays in msg, at rmig_wire_path_of; CKPT_ASK and
 * CKPT_GO are struct rmig_wire_ckpt: their directory is checked too, and
 * is at (const char *)msg + sizeof(struct rmig_wire_hdr)). Returns its
 * type, or -EPROTO. */
int rmig_wire_check(const void *msg, long len, uint64_t job, struct rmig_wire_hdr *out);

/* Checks a container-stream table of `received` bytes against the BEGIN
 * that announced it: exactly begin->arg entries, their checksum begin->b,
 * every range non-empty, without wrap-around, accepted by range_ok (the
 * container layout) and apart from every other, their lengths adding up to
 * begin->a. Returns 0, -EBADMSG or -ENOMEM. (rmig_table.c) */
int rmig_table_check(const struct rmig_wire_range *r, size_t received,
                     const struct rmig_wire_hdr *begin, int (*range_ok)(const void *, size_t));

#endif /* RMIG_WIRE_H */
