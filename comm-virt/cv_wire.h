/* cv_wire.h: the wire format of comm-virt messages (version 2).
 *
 * Every message on a cluster's MPI mailbox (CV_MAILBOX_PORT) starts with this
 * header. EAGER messages carry `len` payload bytes right after it; the other
 * types are header only. Version 2: EAGER payloads up to 64 KiB (they were
 * 8128 bytes) and an RTS of any length (NMPI_EAGER_LIMIT may send short
 * messages by rendezvous).
 *
 * Rendezvous takes four messages: RTS (sender), CTS (receiver matched; names
 * the receiver's cluster and portal port), GO (sender names the cluster it
 * writes from, then writes). Each side binds itself to a cluster only once
 * the other side is committed, so a rank holding an unanswered RTS or CTS can
 * still move; only a transfer in progress must finish first. A receiver trusts nothing before
 * cv_wire_decode() has checked the length, version, type, job token and rank numbers.
 */
#ifndef CV_WIRE_H
#define CV_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define CV_WIRE_VERSION 2
#define CV_MAILBOX_PORT 0 /* mailbox port of MPI traffic on every cluster */

enum cv_msg_type {
    CV_MSG_EAGER = 1, /* matching message, payload inline */
    CV_MSG_RTS = 2,   /* matching message, payload waits for a CTS */
    CV_MSG_CTS = 3,   /* receiver matched an RTS: len bytes wanted at port */
    CV_MSG_ACK = 4,   /* receiver matched a synchronous EAGER */
    CV_MSG_GO = 5,    /* sender starts writing from (src_cluster, port) */
    CV_MSG_ROUTE = 6, /* rank src now lives on src_cluster; seq = its move count */
};

#define CV_FLAG_SYNC 0x1 /* EAGER: sender waits for an ACK */

struct cv_wire_hdr {
    uint8_t version;     /* CV_WIRE_VERSION */
    uint8_t type;        /* enum cv_msg_type */
    uint8_t flags;       /* CV_FLAG_* */
    uint8_t reserved;    /* zero */
    int32_t src;         /* sender's world rank */
    int32_t dst;         /* receiver's world rank */
    int32_t tag;         /* MPI tag (EAGER, RTS) */
    int32_t ctx;         /* context id of the communicator (EAGER, RTS) */
    uint32_t seq;        /* per (src, dst) sequence number (EAGER, RTS) */
    uint32_t port;       /* CTS: receiver's portal port; GO: sender's */
    int32_t src_cluster; /* cluster the message left from */
    uint64_t len;        /* EAGER: inline bytes; RTS: message bytes; CTS: bytes to write */
    uint64_t cookie;     /* sender's request id (RTS, GO, sync EAGER), echoed by CTS/ACK */
    uint64_t job;        /* job token: messages of other jobs are refused */
};

/* Decodes a message of n bytes into *hdr after checking it belongs to job
 * `job` with `nranks` ranks. Returns 0, or -EPROTO for anything malformed. */
int cv_wire_decode(const void *msg, size_t n, uint64_t job, int nranks, struct cv_wire_hdr *hdr);

#endif /* CV_WIRE_H */
