/* mpi_request.h: the request table behind MPI_Request handles, and progress.
 *
 * A request is a slot of the table in the root object (mpi_state.h): a cv
 * send or receive, a nonblocking collective's schedule (coll.h), or a
 * persistent request at rest (mpi_persist.c). Handles carry a generation, so
 * a handle kept after its request was released is refused instead of
 * touching whatever request took the slot since (mpi_request.c). Functions
 * return MPI_SUCCESS, an MPI error class or a negative code (mpi_error.h).
 */
#ifndef MPI_REQUEST_H
#define MPI_REQUEST_H

#include <stdint.h>
#include <mpi.h>
#include "cv.h"

#pragma GCC visibility push(hidden)

/* Handles are MPI_REQ_HANDLE_BASE | generation << 18 | (slot index + 1): they
 * never equal MPI_REQUEST_NULL, and a handle kept after its request was
 * released is refused because the slot's generation moved on. */
#define MPI_REQ_HANDLE_BASE ((int)0xac000000)
#define MPI_REQ_INDEX_BITS  18
#define MPI_REQ_MAX         ((1 << MPI_REQ_INDEX_BITS) - 1)
#define MPI_REQ_CHUNK       64
#define MPI_REQ_GEN_MASK    0xff

enum mpi_req_kind {
    MPI_REQ_FREE = 0,  /* slot unused */
    MPI_REQ_SEND,      /* cv send in flight or done */
    MPI_REQ_RECV,      /* cv receive in flight or done */
    MPI_REQ_PROC_NULL, /* send or receive with MPI_PROC_NULL: done at once */
    MPI_REQ_INACTIVE,  /* persistent request not started (mpi_persist.c) */
    MPI_REQ_COLL,      /* nonblocking collective: a schedule (coll_sched.c) */
    MPI_REQ_MESSAGE,   /* a matched message (MPI_Message) not yet received */
    MPI_REQ_GREQ,      /* generalized request (mpi_greq.c) */
    MPI_REQ_PAIR,      /* Isendrecv: a send and a receive as one (mpi_isendrecv.c) */
    MPI_REQ_RMA,       /* request-based RMA operation (rma_req.c) */
};

struct mpi_comm;       /* comm.h */
struct mpi_greq;       /* mpi_greq.c */
struct mpi_pair;       /* mpi_isendrecv.c */
struct mpi_dtype_xfer; /* dtype_xfer.h */
struct mpi_persist;    /* mpi_persist.c */
struct mpi_rank_state; /* mpi_state.h */
struct mpi_sched;      /* coll_sched.h */
struct mpi_rma_pend;   /* rma.h */

struct mpi_request {
    uint8_t gen;           /* generation, bumped at every release */
    uint8_t kind;          /* enum mpi_req_kind */
    int next_free;         /* free list link (index) while kind == MPI_REQ_FREE */
    cv_request_t *cv;      /* the cv request (NULL for MPI_REQ_PROC_NULL) */
    struct mpi_comm *comm; /* communicator, for status source and errors */
    /* derived-type packing to finish at completion (dtype_xfer.h), or NULL */
    struct mpi_dtype_xfer *xfer;
    /* MPI_REQ_COLL: the collective's schedule */
    struct mpi_sched *sched;
    /* MPI_REQ_RMA: the reply it completes with, or NULL (done at once) */
    struct mpi_rma_pend *rma;

    struct mpi_persist *persist; /* arguments of a persistent request, else NULL */
    cv_message_t *msg;           /* MPI_REQ_MESSAGE: the message (mpi_mprobe.c) */
    struct mpi_greq *greq;       /* MPI_REQ_GREQ: callbacks and state */
    struct mpi_pair *pair;       /* MPI_REQ_PAIR: the two requests */
};

struct mpi_req_table {
    struct mpi_request **chunks; /* MPI_REQ_CHUNK slots each; slots never move */
    int nslots;                  /* slots allocated (a multiple of MPI_REQ_CHUNK) */
    int free_head;               /* first free slot, -1 when none */
    int active;                  /* slots in use */
};

/* Takes a slot for a request of kind on comm (cv may be NULL) and returns its
 * handle in *h_p. Returns MPI_SUCCESS, -ENOMEM or MPI_IERR_TOO_MANY. */
int mpi_req_alloc(struct mpi_req_table *t, int kind, struct mpi_comm *c, cv_request_t *cv,
                  MPI_Request *h_p);

/* The live request behind handle h, or NULL (stale, foreign or null handle). */
struct mpi_request *mpi_req_get(struct mpi_req_table *t, MPI_Request h);

/* Releases the slot of live handle h (not the cv request). */
void mpi_req_release(struct mpi_req_table *t, MPI_Request h);

/* mpi_persist.c: makes sc, the schedule of a persistent collective on c,
 * an inactive persistent request (*h_p) that MPI_Start replays; the request
 * owns sc from then on. Returns MPI_SUCCESS, -ENOMEM or MPI_IERR_TOO_MANY. */
int mpi_persist_coll(struct mpi_rank_state *s, struct mpi_comm *c, struct mpi_sched *sc,
                     MPI_Request *h_p);

/* Frees a persistent request's arguments, dropping the reference it holds
 * on their datatype (mpi_persist.c). */
void mpi_persist_free(struct mpi_persist *p);

/* Frees the table itself. */
void mpi_req_table_free(struct mpi_req_table *t);

/* Non-zero when the request behind h is complete (does not progress). */
int mpi_req_done(struct mpi_request *r);

/* Completes the finished request *h_p: writes its status (unless
 * MPI_STATUS_IGNORE), releases it and sets *h_p to MPI_REQUEST_NULL.
 * Returns MPI_SUCCESS or the operation's error (e.g. CV_ERR_TRUNCATE). */
int mpi_req_finish(struct mpi_rank_state *s, MPI_Request *h_p, MPI_Status *st);

/* Waits for the live request *h_p, then mpi_req_finish(). Returns
 * MPI_SUCCESS, the operation's error or a cv error. */
int mpi_req_wait(struct mpi_rank_state *s, MPI_Request *h_p, MPI_Status *st);

/* Blocks until the live request r is complete (progressing active
 * collective schedules meanwhile). Returns 0 or a cv error. */
int mpi_req_block(struct mpi_rank_state *s, struct mpi_request *r);

/* mpi_greq.c: generalized requests. Non-zero once MPI_Grequest_complete
 * ran; mpi_greq_finish calls query_fn into st then free_fn and returns the
 * first error; mpi_greq_status calls query_fn only (Request_get_status). */
int mpi_greq_done(const struct mpi_greq *g);
int mpi_greq_finish(struct mpi_greq *g, MPI_Status *st);
int mpi_greq_status(struct mpi_greq *g, MPI_Status *st);
/* MPI_Cancel: cancel_fn(extra_state, complete). Returns its error. */
int mpi_greq_cancel(struct mpi_greq *g);
/* MPI_Request_free: releases h now if complete (free_fn runs), else marks
 * it so that MPI_Grequest_complete releases it. Returns free_fn's error. */
int mpi_greq_free(struct mpi_rank_state *s, MPI_Request h);

/* mpi_isendrecv.c: Isendrecv requests. Done when both halves are;
 * mpi_pair_finish finishes both (st: the receive's status) and returns the
 * first error; mpi_pair_abandon lets both run on unowned (Request_free);
 * mpi_pair_cancel cancels the receive half. */
int mpi_pair_done(struct mpi_rank_state *s, const struct mpi_pair *p);
int mpi_pair_finish(struct mpi_rank_state *s, struct mpi_pair *p, MPI_Status *st);
void mpi_pair_abandon(struct mpi_rank_state *s, struct mpi_pair *p);
int mpi_pair_cancel(struct mpi_rank_state *s, struct mpi_pair *p);
/* The request behind the receive half (Request_get_status). */
struct mpi_request *mpi_pair_recv(struct mpi_rank_state *s, const struct mpi_pair *p);

/* One non-blocking progress pass (Test-type calls): cv, then every active
 * collective schedule of s. */
void mpi_progress(struct mpi_rank_state *s);

/* One round of a wait loop over several requests: progresses cv and backs
 * off (cv_idle) when nothing happened. */
void mpi_progress_idle(unsigned *spins);

#pragma GCC visibility pop

#endif /* MPI_REQUEST_H */
