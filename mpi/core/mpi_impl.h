/* mpi_impl.h: private header of the MPI layer (mpi/), shared by its files only.
 *
 * Everything a rank owns lives in one root object, struct mpi_rank_state,
 * allocated in rank context by MPI_Init (so it sits in the rank's container
 * and migrates with it) and reached through *ua_mpi_root(). Nothing per rank
 * is kept in static variables; the only statics of this layer are constant
 * tables (datatypes, op kernels, error strings).
 *
 * Conventions inside mpi/:
 *  - MPI_Xxx entry points are defined as PMPI_Xxx with a weak MPI_Xxx alias;
 *    they validate their arguments once (mpi_check.c) and then trust them;
 *  - internal functions return MPI_SUCCESS, a positive MPI error class, or a
 *    negative code (a cv.h code, -errno, or one of MPI_IERR_* below);
 *  - mpi_error() is the one place where a code becomes an MPI error class and
 *    where the communicator's error handler is called.
 * Internal names start with mpi_ (lower case) and are hidden from the
 * library's exported symbol table.
 */
#ifndef MPI_IMPL_H
#define MPI_IMPL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <mpi.h>
#include "cv.h"
#include "ua.h"
#include "dtype.h"

#pragma GCC visibility push(hidden)

/* Largest tag users may pass (exposed as the MPI_TAG_UB attribute). The wire
 * carries tags as int32, cv reserves the negative values. */
#define MPI_IMPL_TAG_UB 0x7fffffff

/* Internal negative codes (beyond cv.h's), translated by mpi_error(). */
#define MPI_IERR_NOT_INIT   (-2001) /* call before MPI_Init or after MPI_Finalize */
#define MPI_IERR_INIT_TWICE (-2002) /* MPI_Init called a second time */
#define MPI_IERR_TOO_MANY   (-2003) /* a handle table is full */

/* ---- communicators ------------------------------------------------------ */

/* Handle encodings (MPICH's): builtin comms are 0x44000000 | index, the ones
 * created later are 0x84000000 | index, both indexing the comm table. */
#define MPI_COMM_HANDLE_BUILTIN 0x44000000
#define MPI_COMM_HANDLE_DIRECT  ((int)0x84000000)
#define MPI_COMM_HANDLE_INDEX   0x03ffffff

/* Collective tags inside a communicator's collective context. */
enum mpi_coll_tag {
    MPI_COLL_TAG_BARRIER = 1,
    MPI_COLL_TAG_BCAST = 2,
    MPI_COLL_TAG_REDUCE = 3,
    MPI_COLL_TAG_ALLREDUCE = 4,
    MPI_COLL_TAG_COMM = 5, /* communicator construction (mpi_comm_create.c) */
    MPI_COLL_TAG_FINALIZE = 6, /* the fan-in of MPI_Finalize (mpi_init.c) */
    /* Scheduled collectives (coll_sched.c) use MPI_COLL_TAG_SCHED + the
     * communicator's sched_seq, one tag per call: a pending nonblocking
     * collective never matches the messages of a later one. */
    MPI_COLL_TAG_SCHED = 64,
};

struct mpi_attr; /* mpi_attr.c */

struct mpi_comm {
    MPI_Comm handle;     /* the application's handle for it */
    int rank;            /* this rank's number in the communicator */
    int size;            /* number of ranks */
    int *group;          /* group[i] = world rank of communicator rank i */
    int is_world;        /* group is the identity: no translation needed */
    int ctx;             /* cv context id of point-to-point traffic */
    int coll_ctx;        /* cv context id of collective traffic */
    MPI_Errhandler errh; /* error handler attached to the communicator */
    int refs;            /* handle + pending requests that point at it */
    unsigned sched_seq;  /* scheduled collectives started on it (tag source) */

    struct mpi_attr *attrs;         /* cached attributes, in the order set */
    char name[MPI_MAX_OBJECT_NAME]; /* MPI_Comm_set_name */
};

/* ---- requests ----------------------------------------------------------- */

/* Handles are MPI_REQ_HANDLE_BASE | generation << 18 | (slot index + 1): they
 * never equal MPI_REQUEST_NULL, and a handle kept after its request was
 * released is refused because the slot's generation moved on. */
#define MPI_REQ_HANDLE_BASE ((int)0xac000000)
#define MPI_REQ_INDEX_BITS  18
#define MPI_REQ_MAX         ((1 << MPI_REQ_INDEX_BITS) - 1)
#define MPI_REQ_GEN_MASK    0xff

enum mpi_req_kind {
    MPI_REQ_FREE = 0,  /* slot unused */
    MPI_REQ_SEND,      /* cv send in flight or done */
    MPI_REQ_RECV,      /* cv receive in flight or done */
    MPI_REQ_PROC_NULL, /* send or receive with MPI_PROC_NULL: done at once */
    MPI_REQ_INACTIVE,  /* persistent request not started (mpi_persist.c) */
    MPI_REQ_COLL,      /* nonblocking collective: a schedule (coll_sched.c) */
};

struct mpi_persist; /* mpi_persist.c */

struct mpi_request {
    uint8_t gen;           /* generation, bumped at every release */
    uint8_t kind;          /* enum mpi_req_kind */
    int next_free;         /* free list link (index) while kind == MPI_REQ_FREE */
    cv_request_t *cv;      /* the cv request (NULL for MPI_REQ_PROC_NULL) */
    struct mpi_comm *comm; /* communicator, for status source and errors */
    /* derived-type packing to finish at completion (mpi_dtype.h), or NULL */
    struct mpi_dtype_xfer *xfer;
    /* MPI_REQ_COLL: the collective's schedule */
    struct mpi_sched *sched;

    struct mpi_persist *persist; /* arguments of a persistent request, else NULL */
};

struct mpi_req_table {
    struct mpi_request *slots; /* grows by doubling; never keep pointers across alloc */
    int nslots;                /* slots allocated */
    int free_head;             /* first free slot, -1 when none */
    int active;                /* slots in use */
};

/* ---- user error handlers ------------------------------------------------ */

#define MPI_ERRH_HANDLE_DIRECT ((int)0x94000000)
#define MPI_ERRH_MAX           64

struct mpi_errh_slot {
    MPI_Comm_errhandler_function *fn; /* NULL when the slot is free */
    int refs;                         /* handle + communicators using it */
};

/* ---- groups and attribute keys ----------------------------------------- */

/* Group handles (MPICH's encoding): MPI_GROUP_EMPTY is builtin, groups
 * created later are 0x88000000 | index into the group table. */
#define MPI_GROUP_HANDLE_DIRECT ((int)0x88000000)
#define MPI_GROUP_HANDLE_INDEX  0x03ffffff

struct mpi_group {
    int size;   /* number of members */
    int *ranks; /* ranks[i] = world rank of group rank i */
};

/* Communicator keyvals: MPICH's "direct keyval of a communicator" form. */
#define MPI_KEYVAL_HANDLE_DIRECT ((int)0xa4400000)
#define MPI_KEYVAL_HANDLE_INDEX  0x003fffff

struct mpi_keyval {
    MPI_Comm_copy_attr_function *copy;  /* NULL: MPI_COMM_NULL_COPY_FN */
    MPI_Comm_delete_attr_function *del; /* NULL: MPI_COMM_NULL_DELETE_FN */
    void *extra;                        /* extra_state given at creation */
    int refs;  /* handle (until freed) + attributes using it; 0: slot free */
    int freed; /* MPI_Comm_free_keyval called: the handle is invalid */
};

/* ---- buffered sends ----------------------------------------------------- */

struct mpi_bsend_msg {
    cv_request_t *cv;           /* send of the copy */
    size_t len;                 /* bytes taken from the attached buffer */
    struct mpi_bsend_msg *next; /* pending list link */
};

struct mpi_bsend_state {
    void *buf;   /* attached buffer, NULL when none */
    size_t size; /* its size */
    size_t used; /* bytes accounted to pending messages */
    struct mpi_bsend_msg *pending;
};

/* ---- the root object ---------------------------------------------------- */

struct mpi_rank_state {
    int initialized;         /* MPI_Init returned (stays 1 after MPI_Finalize) */
    int finalized;           /* MPI_Finalize returned */
    int thread_level;        /* level provided to MPI_Init_thread */
    struct mpi_comm **comms; /* comm table, indexed by handle index */
    int ncomms;
    int next_ctx; /* next free context id (even: pt2pt, odd: collective) */
    struct mpi_req_table reqs;
    struct mpi_errh_slot errh[MPI_ERRH_MAX];
    struct mpi_bsend_state bsend;
    /* derived datatypes (mpi_dtype.h) */
    struct mpi_dtype_table dtypes;
    /* MPI_Op_create table (mpi_op_user.c) */
    struct mpi_op_user *user_ops;
    int nuser_ops;
    /* active nonblocking collectives, chained (coll_sched.c) */
    struct mpi_sched *scheds;
    int attr_tag_ub; /* storage behind the predefined attributes */
    int attr_host;
    int attr_io;
    int attr_wtime_is_global;
    int attr_universe_size;
    int attr_appnum;
    struct mpi_group **groups; /* group table, indexed by handle index */
    int ngroups;
    struct mpi_keyval *keyvals; /* keyval table, indexed by handle index */
    int nkeyvals;
};

/* mpi_state.c -------------------------------------------------------------- */

/* The calling rank's root object, or NULL before MPI_Init. */
struct mpi_rank_state *mpi_state(void);

/* Sets *s_p to the root object when MPI is initialized and not finalized.
 * Returns MPI_SUCCESS or MPI_IERR_NOT_INIT. */
int mpi_enter(struct mpi_rank_state **s_p);

/* mpi_error.c -------------------------------------------------------------- */

/* Translates code (an MPI class, a cv/errno code or MPI_IERR_*) into an MPI
 * error class, calls the error handler of comm (MPI_COMM_WORLD's when comm is
 * not a valid handle; fatal before MPI_Init) naming function fname, and
 * returns the class for the caller to return. MPI_SUCCESS passes through. */
int mpi_error(MPI_Comm comm, int code, const char *fname);

/* The MPI error class for an internal code (MPI_SUCCESS for 0). */
int mpi_error_class_of(int code);

/* Text for an internal code or an MPI error class; never NULL. */
const char *mpi_error_text(int code);

/* Non-zero when h is a predefined or live user error handler. */
int mpi_errh_valid(struct mpi_rank_state *s, MPI_Errhandler h);
void mpi_errh_ref(struct mpi_rank_state *s, MPI_Errhandler h);
void mpi_errh_unref(struct mpi_rank_state *s, MPI_Errhandler h);

/* mpi_comm.c --------------------------------------------------------------- */

/* Creates MPI_COMM_WORLD and MPI_COMM_SELF. Returns MPI_SUCCESS or < 0. */
int mpi_comm_setup(struct mpi_rank_state *s, int world_rank, int world_size);

/* Releases every communicator. */
void mpi_comm_teardown(struct mpi_rank_state *s);

/* The communicator behind handle h, or NULL when h is not a live handle. */
struct mpi_comm *mpi_comm_get(struct mpi_rank_state *s, MPI_Comm h);

/* World rank of communicator rank r (r valid, not a wildcard). */
int mpi_comm_to_world(const struct mpi_comm *c, int r);

/* Communicator rank of world rank w, or MPI_UNDEFINED if not a member. */
int mpi_comm_from_world(const struct mpi_comm *c, int w);

/* mpi_comm_create.c -------------------------------------------------------- */

/* Drops one reference to c; the last one releases it (attributes must have
 * been deleted already). */
void mpi_comm_unref(struct mpi_comm *c);

/* Releases c's memory and its error handler reference. */
void mpi_comm_destroy(struct mpi_rank_state *s, struct mpi_comm *c);

/* mpi_group.c -------------------------------------------------------------- */

/* The group behind handle h (MPI_GROUP_EMPTY included), or NULL. */
const struct mpi_group *mpi_group_get(struct mpi_rank_state *s, MPI_Group h);

/* Makes a group of n world ranks (copied) and returns its handle in *h_p
 * (MPI_GROUP_EMPTY when n == 0). Returns MPI_SUCCESS or -ENOMEM. */
int mpi_group_new(struct mpi_rank_state *s, const int *ranks, int n, MPI_Group *h_p);

/* Rank of world rank w in g, or MPI_UNDEFINED. */
int mpi_group_rank_of(const struct mpi_group *g, int w);

/* MPI_IDENT, MPI_SIMILAR or MPI_UNEQUAL for two rank lists. */
int mpi_group_cmp(const int *a, int na, const int *b, int nb);

/* Releases every group (MPI_Finalize). */
void mpi_group_teardown(struct mpi_rank_state *s);

/* mpi_attr.c --------------------------------------------------------------- */

/* Runs the copy callbacks of old's attributes into new (MPI_Comm_dup).
 * Returns MPI_SUCCESS or the first callback's error. */
int mpi_attr_copy_all(struct mpi_rank_state *s, struct mpi_comm *old, struct mpi_comm *new);

/* Runs the delete callbacks of every attribute of c and drops them.
 * Returns MPI_SUCCESS or the first callback's error (the others still run). */
int mpi_attr_delete_all(struct mpi_rank_state *s, struct mpi_comm *c);

/* Releases the keyval table (MPI_Finalize). */
void mpi_keyval_teardown(struct mpi_rank_state *s);

/* mpi_datatype.c ----------------------------------------------------------- */

/* Families of predefined datatypes, one set of reduction kernels each. */
enum mpi_type_family {
    MPI_TF_NONE = 0, /* no reduction defined (MPI_PACKED, MPI_WCHAR...) */
    MPI_TF_I8,
    MPI_TF_U8,
    MPI_TF_I16,
    MPI_TF_U16,
    MPI_TF_I32,
    MPI_TF_U32,
    MPI_TF_I64,
    MPI_TF_U64,
    MPI_TF_FLOAT,
    MPI_TF_DOUBLE,
    MPI_TF_LDOUBLE,
    MPI_TF_CFLOAT,
    MPI_TF_CDOUBLE,
    MPI_TF_CLDOUBLE,
    MPI_TF_BOOL,     /* C _Bool, C++ bool */
    MPI_TF_FLOGICAL, /* Fortran LOGICAL (an int, non-zero is true) */
    MPI_TF_BYTE,     /* MPI_BYTE: bitwise operations only */
    MPI_TF_FLOAT_INT,
    MPI_TF_DOUBLE_INT,
    MPI_TF_LONG_INT,
    MPI_TF_SHORT_INT,
    MPI_TF_2INT,
    MPI_TF_LDOUBLE_INT,
    MPI_TF_2FLOAT,
    MPI_TF_2DOUBLE,
    MPI_TF_COUNT
};

struct mpi_type_info {
    MPI_Datatype handle; /* 0 marks an unused table entry */
    uint16_t size;       /* MPI_Type_size: bytes of data */
    uint16_t extent;     /* MPI_Type_get_extent: bytes one element spans */
    uint8_t elements;    /* basic elements per item (2 for the pair types) */
    uint8_t family;      /* enum mpi_type_family */
};

/* The description of a predefined datatype, or NULL for anything else. */
const struct mpi_type_info *mpi_type_get(MPI_Datatype dt);

/* Byte count of an MPI_Status (count_lo/count_hi_and_cancelled). */
MPI_Count mpi_status_bytes(const MPI_Status *st);

/* Fills *st (when not MPI_STATUS_IGNORE) with source, tag, byte count,
 * cancelled flag; MPI_ERROR is left alone. */
void mpi_status_set(MPI_Status *st, int source, int tag, MPI_Count bytes, int cancelled);

/* The empty status of MPI 3.7.3 (ANY_SOURCE, ANY_TAG, 0 bytes). */
void mpi_status_empty(MPI_Status *st);

/* mpi_op.c ----------------------------------------------------------------- */

/* inout[i] = in[i] op inout[i] for n elements. */
typedef void (*mpi_op_kernel_t)(const void *in, void *inout, size_t n);

/* Non-zero when op is a predefined operation handle. */
int mpi_op_valid(MPI_Op op);

/* Non-zero when op is commutative (every predefined operation is). */
int mpi_op_commutative(MPI_Op op);

/* MPI_SUCCESS when op is defined on dt for reductions, else MPI_ERR_OP
 * (MPI_REPLACE and MPI_NO_OP are accumulate-only and refused here). */
int mpi_op_check_reduce(MPI_Op op, MPI_Datatype dt);

/* inout = in op inout on count items of dt (any valid pair, including
 * MPI_REPLACE and MPI_NO_OP). Returns MPI_SUCCESS or MPI_ERR_OP. */
int mpi_op_apply(MPI_Op op, MPI_Datatype dt, const void *in, void *inout, size_t count);

/* mpi_op_user.c: operations made by MPI_Op_create, handles
 * MPI_OP_USER_HANDLE | index, kept in the root object. */
#define MPI_OP_USER_HANDLE ((int)0x98000000)

/* Non-zero when op has the shape of a user operation handle. */
int mpi_op_is_user(MPI_Op op);

/* MPI_SUCCESS when op is a live user operation (usable on every datatype). */
int mpi_op_user_check(MPI_Op op);

/* Non-zero when the live user operation op is commutative. */
int mpi_op_user_commutative(MPI_Op op);

/* Calls the user function of op: inout = in op inout on count items. */
int mpi_op_user_apply(MPI_Op op, MPI_Datatype dt, const void *in, void *inout, size_t count);

/* Counts one more (delta > 0) or one less user of user operation op, so
 * MPI_Op_free during a pending collective leaves the function in place. */
void mpi_op_user_ref(MPI_Op op, int delta);

/* Frees the table at MPI_Finalize. */
void mpi_op_user_teardown(struct mpi_rank_state *s);

/* mpi_request.c ------------------------------------------------------------ */

/* Takes a slot for a request of kind on comm (cv may be NULL) and returns its
 * handle in *h_p. Returns MPI_SUCCESS, -ENOMEM or MPI_IERR_TOO_MANY. */
int mpi_req_alloc(struct mpi_req_table *t, int kind, struct mpi_comm *c, cv_request_t *cv,
                  MPI_Request *h_p);

/* The live request behind handle h, or NULL (stale, foreign or null handle). */
struct mpi_request *mpi_req_get(struct mpi_req_table *t, MPI_Request h);

/* Releases the slot of live handle h (not the cv request). */
void mpi_req_release(struct mpi_req_table *t, MPI_Request h);

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

/* One non-blocking progress pass (Test-type calls): cv, then every active
 * collective schedule of s. */
void mpi_progress(struct mpi_rank_state *s);

/* One round of a wait loop over several requests: progresses cv and backs
 * off (cv_idle) when nothing happened. */
void mpi_progress_idle(unsigned *spins);

/* mpi_check.c: argument checks at the MPI boundary, each returning
 * MPI_SUCCESS or the MPI error class that describes the fault. */
int mpi_check_comm(struct mpi_rank_state *s, MPI_Comm comm, struct mpi_comm **c_p);
int mpi_check_type(MPI_Datatype dt, size_t *extent_p);
int mpi_check_count(int count);
int mpi_check_buf(const void *buf, int count);
int mpi_check_dest(const struct mpi_comm *c, int dest);
int mpi_check_source(const struct mpi_comm *c, int source);
int mpi_check_root(const struct mpi_comm *c, int root);
int mpi_check_send_tag(int tag);
int mpi_check_recv_tag(int tag);
/* All of the above for a send (recv = 0) or a receive (recv = 1); *bytes_p
 * is the packed size of the message (count * type size). */
int mpi_check_p2p(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt, int peer,
                  int tag, MPI_Comm comm, int recv, struct mpi_comm **c_p, size_t *bytes_p);

/* mpi_pt2pt.c -------------------------------------------------------------- */

/* Starts a send/receive of len contiguous bytes (arguments already checked);
 * handles MPI_PROC_NULL. Returns MPI_SUCCESS or < 0. With (count, datatype)
 * use mpi_p2p_isend_dt/irecv_dt (mpi_dtype.h), which pack derived types. */
int mpi_p2p_isend(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, size_t len,
                  int dest, int tag, int mode, MPI_Request *h_p);
int mpi_p2p_irecv(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, size_t len, int source,
                  int tag, MPI_Request *h_p);

/* mpi_bsend.c -------------------------------------------------------------- */

/* Waits for every pending buffered send and forgets the attached buffer. */
void mpi_bsend_drain(struct mpi_rank_state *s);

/* Copies and starts one buffered send (arguments checked, dest not
 * MPI_PROC_NULL). Returns MPI_SUCCESS, MPI_ERR_BUFFER or < 0. */
int mpi_bsend_start(struct mpi_bsend_state *b, struct mpi_comm *c, const void *buf, size_t len,
                    int dest, int tag);

/* mpi_coll.c: point-to-point steps of the collective algorithms, on the
 * communicator's collective context, with communicator ranks. Return 0 or < 0. */
int mpi_coll_send(struct mpi_comm *c, const void *buf, size_t len, int dest, int tag);
int mpi_coll_recv(struct mpi_comm *c, void *buf, size_t len, int source, int tag);
int mpi_coll_sendrecv(struct mpi_comm *c, const void *sbuf, size_t slen, int dest, void *rbuf,
                      size_t rlen, int source, int tag);

/* Reduction helpers used by MPI_Reduce and MPI_Allreduce (coll_reduce.c). */
int mpi_coll_reduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                    MPI_Datatype dt, MPI_Op op, int root);
int mpi_coll_bcast(struct mpi_comm *c, void *buf, size_t len, int root);
int mpi_coll_barrier(struct mpi_comm *c);

#pragma GCC visibility pop

#endif /* MPI_IMPL_H */
