/* rma.h: one-sided communication (windows, RMA operations, synchronization).
 *
 * A window is a struct mpi_win of the rank's window table (struct
 * mpi_rma_state, hung from the root object), allocated in rank context: its
 * memory (the user's buffer, or one malloc'd by MPI_Win_allocate) and all of
 * its state live in the owner's container and move with it. Container
 * addresses are the same in every cluster, so the base addresses the members
 * exchanged at creation stay valid after any move.
 *
 * Operations are active messages over comm-virt (rma_wire.h): each window
 * duplicates its communicator; requests travel on the duplicate's
 * point-to-point context, replies (data of a Get, lock grants, flush acks)
 * on its collective context under tags from MPI_RMA_TAG_REPLY up, which no
 * collective uses (the duplicate is internal and never runs a scheduled
 * collective). The target applies requests when it progresses - inside any
 * MPI call that waits or tests (mpi_progress, mpi_progress_idle) - in the
 * order they arrived (rma_target.c), one at a time, so accumulates are
 * atomic per element with respect to each other. comm-virt's per-pair
 * sequence numbers and forwarding deliver each message exactly once and in
 * order whatever moves, so an operation in flight while its origin or its
 * target moves is applied exactly once.
 *
 * Completion rests on that order: a flush is a request whose ack the target
 * sends after applying everything the origin sent it before; unlock and
 * complete follow the same rule; a fence flushes every target written since
 * the last fence and ends with a barrier.
 */
#ifndef RMA_H
#define RMA_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>
#include "cv.h"

#pragma GCC visibility push(hidden)

/* Window handles: MPICH's direct window kind, 0xa0000000 | index. */
#define MPI_WIN_HANDLE_DIRECT ((int)0xa0000000)
#define MPI_WIN_HANDLE_INDEX  0x03ffffff
/* Window keyvals: apart from the communicator ones (comm_attr.h). */
#define MPI_WIN_KEYVAL_DIRECT ((int)0xa4c00000)
#define MPI_WIN_KEYVAL_INDEX  0x003fffff
/* First reply tag on the duplicate's collective context (see above). */
#define MPI_RMA_TAG_REPLY (1 << 24)

struct mpi_comm;
struct mpi_rank_state;

/* What an origin knows of each target, exchanged at creation. */
struct mpi_win_target {
    uint64_t base; /* address of the target's window memory */
    int64_t size;  /* bytes (0 for a dynamic window) */
    int disp_unit; /* displacement unit */
};

/* A reply an origin waits for; referenced by its window and, for Rget and
 * the like, by an MPI request (MPI_REQ_RMA). */
struct mpi_rma_pend {
    cv_request_t *cv; /* the reply's receive (NULL: nothing to receive) */
    int target;       /* window (communicator) rank of the target */
    void *tmp;        /* packed reply to unpack into dst, or NULL */
    void *dst;        /* where the reply goes, in the type below */
    MPI_Datatype dt;  /* held reference while tmp is set */
    MPI_Count count;  /* items of dt */
    int done;         /* the reply arrived (and was unpacked) */
    int refs;         /* window list + request */
    struct mpi_rma_pend *next;
};

/* A message this rank sent whose buffer is freed once cv is done. */
struct mpi_rma_send {
    cv_request_t *cv;
    void *buf;
    struct mpi_rma_send *next;
};

/* A request received (or being received) by the target, in arrival order. */
struct mpi_rma_in {
    cv_request_t *cv;
    void *buf;
    size_t len;
    int source; /* world rank of the origin */
    struct mpi_rma_in *next;
};

/* An origin waiting for the target's lock. */
struct mpi_rma_waiter {
    int source; /* world rank */
    int type;   /* MPI_LOCK_SHARED or MPI_LOCK_EXCLUSIVE */
    int tag;    /* reply tag of the grant */
};

/* A region attached to a dynamic window. */
struct mpi_rma_region {
    uint64_t base;
    int64_t size;
};

struct mpi_win_attr {
    int kv; /* keyval table index */
    void *val;
    struct mpi_win_attr *next;
};

/* Info hints a window records (rma_info.c), values up to this length. */
#define MPI_WIN_HINTS    6
#define MPI_WIN_HINT_LEN 32

struct mpi_win {
    MPI_Win handle;
    int flavor;    /* MPI_WIN_FLAVOR_* */
    void *base;    /* this rank's window memory */
    MPI_Aint size; /* its bytes */
    int disp_unit;
    int model;                      /* MPI_WIN_UNIFIED */
    void *allocated;                /* memory MPI_Win_allocate made, freed with the window */
    MPI_Comm comm_h;                /* the internal duplicate */
    struct mpi_comm *comm;          /* its object */
    struct mpi_win_target *targets; /* per window rank */
    MPI_Errhandler errh;
    char name[MPI_MAX_OBJECT_NAME];
    char hints[MPI_WIN_HINTS][MPI_WIN_HINT_LEN]; /* rma_info.c */
    struct mpi_win_attr *attrs;
    /* origin side */
    unsigned next_tag;          /* reply tags, from MPI_RMA_TAG_REPLY */
    struct mpi_rma_pend *pends; /* replies awaited */
    struct mpi_rma_send *sends; /* messages in flight */
    unsigned char *dirty;       /* per rank: written since its last completion */
    int *locked;                /* per rank: lock type held, 0 when none */
    int lock_all;               /* inside MPI_Win_lock_all */
    int fence;                  /* inside a fence epoch */
    int *access;                /* MPI_Win_start's group (window ranks) */
    int naccess;                /* its size; -1 when no access epoch */
    /* target side */
    struct mpi_rma_in *in_head, *in_tail;
    int lock_excl;   /* an exclusive lock is held */
    int lock_shared; /* shared locks held */
    struct mpi_rma_waiter *waiters;
    int nwaiters, capwaiters;
    int *posts;    /* per rank: MPI_Win_post notices not yet started */
    int completes; /* MPI_Win_complete notices received */
    int expose;    /* MPI_Win_post's group size; -1 when none */
    struct mpi_rma_region *regions;
    int nregions;
    /* storage behind the predefined attributes (pointers to them escape) */
    MPI_Aint attr_size;
    int attr_disp_unit, attr_flavor, attr_model;
};

struct mpi_win_keyval {
    MPI_Win_copy_attr_function *copy;
    MPI_Win_delete_attr_function *del;
    void *extra;
    int refs; /* handle + attributes using it; 0: free slot */
    int freed;
};

/* The rank's RMA state, hung from the root object (mpi_state.h). */
struct mpi_rma_state {
    struct mpi_win **wins; /* indexed by handle index */
    int nwins;
    int live; /* windows in use: progress polls them while > 0 */
    int busy; /* inside mpi_rma_progress (no re-entry) */
    struct mpi_win_keyval *keyvals;
    int nkeyvals;
};

/* rma_win.c ---------------------------------------------------------------- */

/* The window behind handle h, or NULL. */
struct mpi_win *mpi_win_get(struct mpi_rank_state *s, MPI_Win h);

/* Sets *w_p to the live window h, else returns MPI_ERR_WIN. */
int mpi_win_check(struct mpi_rank_state *s, MPI_Win h, struct mpi_win **w_p);

/* Translates code like mpi_error() but calls the window's error handler
 * (MPI_COMM_WORLD's when win is not a live window). Returns the class. */
int mpi_win_error(MPI_Win win, int code, const char *fname);

/* rma_info.c --------------------------------------------------------------- */

/* Sets w's hints to the standard's defaults. */
void mpi_win_info_defaults(struct mpi_win *w);

/* Records the hints info gives (MPI_INFO_NULL: none). Returns MPI_SUCCESS
 * or MPI_ERR_INFO. */
int mpi_win_info_apply(struct mpi_win *w, MPI_Info info);

/* rma_progress.c ----------------------------------------------------------- */

/* Non-zero when s has windows, so waits must poll (mpi_request.c). */
int mpi_rma_active(struct mpi_rank_state *s);

/* One pass over every window: replies arrived at this origin, requests
 * arrived at this target. Returns how many requests were applied and
 * replies completed (0 when re-entered). */
int mpi_rma_progress(struct mpi_rank_state *s);

/* Blocks, progressing, until no reply to target t (-1: any) is pending. */
void mpi_rma_wait_pends(struct mpi_rank_state *s, struct mpi_win *w, int t);

/* Blocks, progressing, until every message w sent is out. */
void mpi_rma_wait_sends(struct mpi_rank_state *s, struct mpi_win *w);

/* Drops one reference to p (frees it at the last one). */
void mpi_rma_pend_unref(struct mpi_rank_state *s, struct mpi_rma_pend *p);

/* rma_target.c ------------------------------------------------------------- */

/* Receives the requests that arrived for w and applies those complete, in
 * arrival order. Returns the number applied. */
int mpi_rma_target_poll(struct mpi_rank_state *s, struct mpi_win *w);

/* rma_issue.c -------------------------------------------------------------- */

/* The message of one operation, before it is sent (rma_wire.h). */
struct mpi_rma_msg {
    int kind;                   /* enum mpi_rma_kind */
    int target;                 /* window rank */
    uint64_t addr;              /* target address of item 0 */
    MPI_Count tcount;           /* items of the target type */
    const struct mpi_dtype *tt; /* target type (NULL: no type map) */
    MPI_Datatype basic;         /* element type of accumulates */
    MPI_Op op;
    int lock_type;
    const void *data; /* packed data, datalen bytes (or NULL) */
    size_t datalen;
    const struct mpi_dtype *ot; /* when data is NULL: pack ocount items */
    const void *obuf;           /* of ot from obuf */
    MPI_Count ocount;
};

/* Where a reply goes: rcount items of rt at rbuf, rbytes packed bytes. */
struct mpi_rma_reply {
    void *rbuf;
    MPI_Datatype rdt;
    const struct mpi_dtype *rt;
    MPI_Count rcount;
    size_t rbytes;
};

/* Sends m (and posts the receive of its reply first when r is not NULL).
 * *p_p (when not NULL) gets the pending reply with a reference for the
 * caller. Returns MPI_SUCCESS or < 0. */
int mpi_rma_issue(struct mpi_rank_state *s, struct mpi_win *w, const struct mpi_rma_msg *m,
                  const struct mpi_rma_reply *r, struct mpi_rma_pend **p_p);

/* A request (with its ack) of kind to target t, waited for. */
int mpi_rma_roundtrip(struct mpi_rank_state *s, struct mpi_win *w, int kind, int t, int lock_type);

/* Sends a notice of kind (no reply) to target t. */
int mpi_rma_notice(struct mpi_rank_state *s, struct mpi_win *w, int kind, int t);

/* rma_attr.c --------------------------------------------------------------- */

/* Runs the delete callbacks of w's attributes and drops them. Returns
 * MPI_SUCCESS or the first callback's error. */
int mpi_win_attr_delete_all(struct mpi_rank_state *s, struct mpi_win *w);

/* rma_req.c ---------------------------------------------------------------- */

/* An MPI request (MPI_REQ_RMA) that completes with p (NULL: at once). */
int mpi_rma_req_new(struct mpi_rank_state *s, struct mpi_win *w, struct mpi_rma_pend *p,
                    MPI_Request *h_p);

/* Non-zero once the operation behind a MPI_REQ_RMA request is complete. */
int mpi_rma_req_done(struct mpi_rma_pend *p);

/* Releases the request's reference on p. */
void mpi_rma_req_release(struct mpi_rank_state *s, struct mpi_rma_pend *p);

#pragma GCC visibility pop

#endif /* RMA_H */
