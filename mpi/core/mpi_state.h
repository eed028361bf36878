/* mpi_state.h: the root object of a rank's MPI state, and how MPI calls reach it.
 *
 * Everything a rank owns lives in one root object, struct mpi_rank_state,
 * allocated in rank context by MPI_Init (so it sits in the rank's container
 * and migrates with it) and reached through ua_root() (mpi_init.c and
 * mpi_thread.c are the files of mpi/ that call uarea). Nothing per rank is
 * kept in static variables; the only statics of this layer are constant tables (datatypes,
 * op kernels, error strings). The tables the root object holds by value
 * come with their headers, included below.
 *
 * Conventions inside mpi/ (every room: core/, comm/, coll/, dtype/):
 *  - MPI_Xxx entry points are defined as PMPI_Xxx with a weak MPI_Xxx alias;
 *    each opens with MPI_THREAD_GUARD() (mpi_thread.h);
 *    they validate their arguments once (mpi_check.h) and then trust them;
 *  - internal functions return MPI_SUCCESS, a positive MPI error class, or a
 *    negative code (a cv.h code, -errno, or one of MPI_IERR_* of mpi_error.h);
 *  - mpi_error() is the one place where a code becomes an MPI error class and
 *    where the communicator's error handler is called.
 * Internal names start with mpi_ (lower case) and are hidden from the
 * library's exported symbol table: every private header of mpi/ wraps its
 * declarations in #pragma GCC visibility push(hidden) / pop.
 */
#ifndef MPI_STATE_H
#define MPI_STATE_H

#include <mpi.h>
#include "dtype.h"
#include "info.h"
#include "mpi_bsend.h"
#include "mpi_errcode.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_thread.h"

#pragma GCC visibility push(hidden)

struct mpi_comm;      /* comm.h */
struct mpi_op_user;   /* mpi_op_user.c */
struct mpi_sched;     /* coll_sched.h */
struct mpi_group;     /* comm_group.h */
struct mpi_keyval;    /* mpi_attr.h */
struct mpi_rma_state; /* rma.h */

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
    /* derived datatypes (dtype.h) */
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
    int attr_lastusedcode;     /* MPI_LASTUSEDCODE: no user error codes yet */
    struct mpi_group **groups; /* group table, indexed by handle index */
    int ngroups;
    struct mpi_keyval *keyvals; /* keyval table, indexed by handle index */
    int nkeyvals;
    struct mpi_errcode_table errcodes; /* added error classes and codes (mpi_errcode.h) */
    int idup_seq;                      /* MPI_Comm_idup calls made (comm_idup.c) */
    struct mpi_info_table infos;       /* MPI_Info objects (info.h): live before
                                          MPI_Init and after MPI_Finalize too */
    struct mpi_rma_state *rma;         /* windows (rma.h), made at the first one */
    struct mpi_lock lock;              /* MPI_THREAD_MULTIPLE (mpi_thread.h) */
    MPI_Comm ckpt_comm;                /* private, made at MPI_Init: checkpoints asked from outside
                                          (mpi_checkpoint_ext.c) */
    int finalizing;                    /* MPI_Finalize entered: such checkpoints are declined */
};

/* mpi_init.c --------------------------------------------------------------- */

/* The calling rank's root object, or NULL before MPI_Init. */
struct mpi_rank_state *mpi_state(void);

/* Sets *s_p to the root object, creating it (not initialized) when MPI_Init
 * has not run yet: for the calls MPI allows before MPI_Init and after
 * MPI_Finalize (the Info family). Returns MPI_SUCCESS, -ENOMEM or
 * CV_ERR_INTERN (no container). */
int mpi_state_early(struct mpi_rank_state **s_p);

/* Sets *s_p to the root object when MPI is initialized and not finalized.
 * Returns MPI_SUCCESS or MPI_IERR_NOT_INIT. */
int mpi_enter(struct mpi_rank_state **s_p);

#pragma GCC visibility pop

#endif /* MPI_STATE_H */
