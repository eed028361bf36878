/* cv_internal.h: private structures of comm-virt.
 *
 * Two kinds of state, kept apart on purpose (DESIGN.md 5.6):
 *  - struct cv_rank: everything a rank's messaging needs (sequence numbers,
 *    queues, requests). It is allocated in rank context, so it lives in the
 *    container and moves with the rank; it is reached from the uarea root.
 *  - struct cv_cluster: the route cache and open mailboxes of this cluster.
 *    It is static in the runtime and never moves.
 */
#ifndef CV_INTERNAL_H
#define CV_INTERNAL_H

#include <stdint.h>

#include "cv.h"
#include "cv_wire.h"
#include "nanvix.h"
#include "rmig.h"

enum cv_req_kind { CV_REQ_SEND = 1, CV_REQ_RECV = 2 };

enum cv_req_state {
    CV_REQ_POSTED = 0, /* recv: in the posted queue; send: eager done soon */
    CV_REQ_WAIT_CTS,   /* rendezvous send: RTS sent, waiting for the CTS */
    CV_REQ_WAIT_ACK,   /* synchronous eager send: waiting for the ACK */
    CV_REQ_WAIT_GO,    /* rendezvous recv: CTS sent, waiting for the GO */
    CV_REQ_TRANSFER,   /* portal transfer in progress */
    CV_REQ_DONE,
};

struct cv_request {
    struct cv_request *next; /* link in the posted queue or an active list */
    uint8_t kind;            /* enum cv_req_kind */
    uint8_t state;           /* enum cv_req_state */
    uint8_t released;        /* cv_request_free() called before completion */
    uint8_t sync;            /* synchronous send */
    void *buf;
    size_t len;
    int peer; /* send: destination; recv: source or CV_ANY_SOURCE */
    int tag;
    int ctx;
    uint64_t id;        /* cookie echoed by CTS/ACK */
    uint64_t remote_id; /* recv: the sender's cookie of a matched RTS */
    int portal;         /* portal id while transferring */
    uint32_t port;      /* local portal port of the transfer */
    struct cv_status status;
};

/* A matching message that arrived before its receive, or out of order. */
struct cv_msg {
    struct cv_msg *next;
    struct cv_wire_hdr hdr;
    unsigned char payload[]; /* EAGER: hdr.len bytes */
};

struct cv_req_queue {
    struct cv_request *head, *tail;
};

struct cv_msg_queue {
    struct cv_msg *head, *tail;
};

struct cv_rank {
    int rank;
    int size;
    uint32_t *send_seq;             /* [size] next sequence number to each rank */
    uint32_t *recv_seq;             /* [size] next sequence number expected */
    struct cv_msg **held;           /* [size] early arrivals, sorted by seq */
    struct cv_req_queue posted;     /* receives waiting for a message */
    struct cv_msg_queue unexpected; /* messages waiting for a receive */
    struct cv_request *active;      /* sends/recvs waiting for CTS, ACK or portal */
    uint64_t next_id;
    struct cv_request *spare; /* a finished request kept for the next one (cv_request.c) */
    uint32_t moves;           /* migrations of this rank: the epoch of its route */
    int *route_snap;          /* [size] the source cluster's routes, carried along */
    uint32_t *epoch_snap;     /* [size] their epochs */
};

struct cv_cluster {
    int ready;
    int self; /* this cluster's number */
    int nclusters;
    int nranks;
    int inbox;                 /* mailbox id of (self, CV_MAILBOX_PORT) */
    int route[KNODE_MAX];      /* rank -> cluster (at most one rank per cluster) */
    int outbox[KNODE_MAX];     /* open mailbox id per cluster, -1 until first use */
    uint32_t epoch[KNODE_MAX]; /* move count of the rank when route[] was learnt */
    uint64_t job;
    uint32_t next_port;
    size_t eager_limit; /* NMPI_EAGER_LIMIT: longer payloads go by rendezvous */
    unsigned char rx[KMAILBOX_MESSAGE_SIZE];
};

extern struct cv_cluster cv_cluster;

/* cv_state.c */
struct cv_rank *cv_self(void);
int cv_cluster_ready(void);
uint32_t cv_port_alloc(void);

/* cv_send.c */
int cv_outbox(int cluster); /* output mailbox of cluster, opened on first use */
int cv_post_message(int dst_rank, const struct cv_wire_hdr *hdr, const void *payload);
void cv_fill_hdr(const struct cv_rank *r, struct cv_wire_hdr *h, int type, int dst);
void cv_handle_cts(struct cv_rank *r, const struct cv_wire_hdr *h);
void cv_handle_ack(struct cv_rank *r, const struct cv_wire_hdr *h);

/* cv_recv.c */
void cv_handle_go(struct cv_rank *r, const struct cv_wire_hdr *h);

/* cv_recv.c */
void cv_deliver(struct cv_rank *r, const struct cv_wire_hdr *h, const void *payload);
int cv_match(const struct cv_request *q, const struct cv_wire_hdr *h);

/* cv_request.c */
struct cv_request *cv_request_new(struct cv_rank *r, int kind);
void cv_request_complete(struct cv_request *q);
void cv_active_add(struct cv_rank *r, struct cv_request *q);
void cv_active_remove(struct cv_rank *r, struct cv_request *q);
struct cv_request *cv_active_find(struct cv_rank *r, uint64_t id, int state);

/* cv_progress.c */
int cv_progress_transfers(struct cv_rank *r);

/* cv_route.c */
void cv_route_learn(int rank, int cluster, uint32_t epoch);
void cv_forward(const unsigned char *msg, size_t n, const struct cv_wire_hdr *h);
int cv_idle_work(void);
int cv_announce(int rank, uint32_t epoch);

/* cv_migrate.c: comm-virt's part of a move, registered with rank-migrate
 * from a constructor (struct rmig_messaging_ops, rmig.h). */
extern const struct rmig_messaging_ops cv_move_ops;

#endif /* CV_INTERNAL_H */
