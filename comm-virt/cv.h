/* cv.h: logical-rank messaging (comm-virt), the contract used by mpi/.
 *
 * Ranks are logical (0..cv_size()-1, MPI_COMM_WORLD numbering); a route
 * table maps each rank to the cluster that hosts it now. Every message
 * carries the sender's and receiver's rank, a context id (one per
 * communicator, chosen by mpi/), a tag and a per-pair sequence number, so the
 * receiver can restore MPI's non-overtaking order whatever path a message
 * took. Payloads up to CV_EAGER_LIMIT bytes travel inside one mailbox message
 * (eager); larger ones are announced (RTS), the receiver answers when a
 * receive matches (CTS) and the data goes through a portal (rendezvous).
 *
 * Buffers are contiguous bytes; datatypes are mpi/'s business. All per-rank
 * state (requests, queues, sequence numbers) is allocated in rank context, so
 * it lives in the rank's container; the route cache and open mailboxes are
 * per-cluster state.
 *
 * Moves are rank-migrate's (rmig_migrate); this layer gives it, once, the
 * steps only it knows (cv_migrate.c: quiesce, depart, stay, arrive,
 * forward), and its waits are safe points (rmig_safe_point).
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * CV_ERR_* / -errno value on failure.
 */
#ifndef CV_H
#define CV_H

#include <stddef.h>
#include <stdint.h>

#define CV_ANY_SOURCE (-2)
#define CV_ANY_TAG    (-1)

/* Largest payload that can go eager: a mailbox message minus the 64-byte
 * header (cv_send.c checks the two agree). Copying through the same-host
 * rings beats the rendezvous's five control messages and kernel copy up to
 * this size on the machines measured (bench/run-eager-crossover.sh). The
 * setting NMPI_EAGER_LIMIT lowers the switch at run time; a receiver takes
 * an RTS of any length, so clusters that disagree still understand each
 * other. */
#define CV_EAGER_LIMIT 65536

/* Errors beyond -errno values. */
#define CV_ERR_TRUNCATE (-1001) /* message longer than the receive buffer */
#define CV_ERR_RANK     (-1002) /* no such rank */
#define CV_ERR_INTERN   (-1003) /* transport failure */

/* This layer's root slot in the uarea header (ua_root), above
 * rank-migrate's: the rank's messaging state hangs there. */
#define CV_ROOT_SLOT 1

/* Send modes. */
#define CV_SEND_STANDARD 0
#define CV_SEND_SYNC     1 /* completes only once the receive matched */

typedef struct cv_request cv_request_t;

struct cv_status {
    int source;    /* sender's world rank */
    int tag;       /* message tag */
    size_t count;  /* bytes delivered into the buffer */
    int error;     /* 0 or CV_ERR_TRUNCATE */
    int cancelled; /* 1 if the request was cancelled */
};

/* Sets up this rank's messaging state (allocates in the container) and the
 * cluster's routes (rank i on cluster i at start; the job's rank count comes
 * from rank-migrate, which knows how many clusters are spares).
 * Returns 0 or < 0. */
int cv_init(void);

/* Non-zero between cv_init() and cv_finalize(). */
int cv_initialized(void);

/* Call after a barrier of all ranks: waits until this rank's outstanding
 * sends are delivered, lets idle clusters end (rank 0), releases state.
 * Returns 0 or < 0. */
int cv_finalize(void);

/* This rank's world rank and the number of ranks (spares not counted). */
int cv_rank(void);

/* Matching messages (eager and RTS) this rank has sent so far, to all ranks
 * (the sum of its per-pair sequence numbers, modulo 2^32 each: compare two
 * values for equality only). 0 before cv_init. A checkpoint uses it to see
 * that a rank sent nothing between two points. */
uint64_t cv_sent_count(void);
int cv_size(void);

/* The cluster hosting `rank` now, as this cluster knows it, or < 0. */
int cv_route(int rank);

/* Starts a send of len bytes from buf to world rank dest. The request is
 * returned in *req_p; buf must not change until it completes. */
int cv_isend(const void *buf, size_t len, int dest, int tag, int ctx, int mode,
             cv_request_t **req_p);

/* A standard-mode send that needs no request: len fits the eager limit, so
 * the message leaves in one mailbox write and the send is complete when
 * this returns. Returns 1 when sent, 0 when the send needs a request
 * (rendezvous: use cv_isend), or a negative error. Why: a blocking eager
 * send otherwise made, waited for and gave back a request per message
 * (bench/latency-profile.txt). */
int cv_send_now(const void *buf, size_t len, int dest, int tag, int ctx);

/* Starts a receive of up to len bytes into buf from world rank source (or
 * CV_ANY_SOURCE) with tag (or CV_ANY_TAG) in context ctx. */
int cv_irecv(void *buf, size_t len, int source, int tag, int ctx, cv_request_t **req_p);

/* Sets *done_p to 1 and fills *st (if not NULL) when req is complete;
 * progresses the transport once either way. Does not free req. */
int cv_test(cv_request_t *req, int *done_p, struct cv_status *st);

/* Blocks (without burning a core forever) until req completes. */
int cv_wait(cv_request_t *req, struct cv_status *st);

/* Non-zero once req is complete; does not progress. */
int cv_request_done(const cv_request_t *req);

/* Releases req. A request still in flight is released when it completes. */
void cv_request_free(cv_request_t *req);

/* Cancels a receive that has not matched yet. Returns 0 if cancelled, 1 if
 * too late (it will complete normally). Sends cannot be cancelled: -ENOTSUP. */
int cv_cancel(cv_request_t *req);

/* Looks for a matching message without receiving it. *flag_p = 1 and *st
 * filled (count = full message length) when there is one. */
int cv_iprobe(int source, int tag, int ctx, int *flag_p, struct cv_status *st);

/* A message taken out of matching by cv_improbe (matched probe). It lives
 * in the container (like the unexpected queue it came from), so it
 * survives moves of the receiver; a rendezvous message's data stays with
 * its sender, which cv_imrecv asks for wherever the sender is by then. */
typedef struct cv_msg cv_message_t;

/* Like cv_iprobe, but a message found is removed from matching: no receive
 * or probe sees it again, and *msg_p holds it for exactly one cv_imrecv.
 * *msg_p is set only when *flag_p is 1. Returns 0 or < 0. */
int cv_improbe(int source, int tag, int ctx, int *flag_p, cv_message_t **msg_p,
               struct cv_status *st);

/* Starts the receive of msg (from cv_improbe) into buf of len bytes, as
 * cv_irecv would have; msg is consumed on success and must not be used
 * again. Returns 0, or -ENOMEM with msg untouched. */
int cv_imrecv(cv_message_t *msg, void *buf, size_t len, cv_request_t **req_p);

/* Progresses the transport once; returns the number of events handled. */
int cv_progress(void);

/* Progress plus back-off for wait loops; *spins as in knode_idle(). */
void cv_idle(unsigned *spins);

#endif /* CV_H */
