/* mpi_init.c: start and end of MPI in a rank (Init, Finalize, Abort, thread levels).
 *
 * MPI_Init allocates the rank's root object with malloc (in rank context the
 * allocator serves the container, so the object migrates with the rank),
 * hangs it on its uarea root slot (ua_root), starts comm-virt and builds MPI_COMM_WORLD and
 * MPI_COMM_SELF. MPI_Finalize synchronises the world, drains buffered sends,
 * stops comm-virt and releases the tables; the root object itself stays so
 * that MPI_Initialized and MPI_Finalized keep answering.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base.h"
#include "coll.h"
#include "comm.h"
#include "comm_attr.h"
#include "comm_group.h"
#include "dtype.h"
#include "mpi_bsend.h"
#include "mpi_check.h"
#include "mpi_checkpoint.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "cv.h"
#include "nanvix.h"
#include "ua.h"

#pragma weak MPI_Init = PMPI_Init
#pragma weak MPI_Init_thread = PMPI_Init_thread
#pragma weak MPI_Finalize = PMPI_Finalize
#pragma weak MPI_Initialized = PMPI_Initialized
#pragma weak MPI_Finalized = PMPI_Finalized
#pragma weak MPI_Abort = PMPI_Abort
#pragma weak MPI_Query_thread = PMPI_Query_thread
#pragma weak MPI_Is_thread_main = PMPI_Is_thread_main

/* This layer's root slot in the uarea header (ua_root): two layers above
 * uarea, after rank-migrate's and comm-virt's. */
#define MPI_ROOT_SLOT 2
_Static_assert(MPI_ROOT_SLOT > CV_ROOT_SLOT && MPI_ROOT_SLOT < UA_ROOT_SLOTS, "uarea root slot");

struct mpi_rank_state *mpi_state(void)
{
    void **slot = ua_root(MPI_ROOT_SLOT);
    return slot ? *slot : NULL;
}

int mpi_enter(struct mpi_rank_state **s_p)
{
    struct mpi_rank_state *s = mpi_state();

    if (!s || !s->initialized || s->finalized)
        return MPI_IERR_NOT_INIT;
    *s_p = s;
    return MPI_SUCCESS;
}

/* Fills the storage behind the predefined communicator attributes. */
static void init_attrs(struct mpi_rank_state *s, int world_size)
{
    s->attr_tag_ub = MPI_IMPL_TAG_UB;
    s->attr_host = MPI_PROC_NULL;
    s->attr_io = MPI_ANY_SOURCE;
    s->attr_wtime_is_global = 0;
    s->attr_universe_size = world_size;
    s->attr_appnum = 0;
    s->attr_lastusedcode = MPI_ERR_LASTCODE;
}

int mpi_state_early(struct mpi_rank_state **s_p)
{
    void **slot = ua_root(MPI_ROOT_SLOT);
    struct mpi_rank_state *s;

    if (!slot)
        return CV_ERR_INTERN;
    if (!*slot) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return -ENOMEM;
        s->reqs.free_head = -1;
        mpi_lock_init(&s->lock);
        *slot = s;
    }
    *s_p = *slot;
    return MPI_SUCCESS;
}

/* Creates the root object (or takes the one the calls allowed before
 * MPI_Init made) and starts comm-virt. Returns MPI_SUCCESS or < 0. */
static int state_create(int level)
{
    struct mpi_rank_state *s;
    int err = mpi_state_early(&s);

    if (err)
        return err;
    if (s->initialized)
        return MPI_IERR_INIT_TWICE;
    s->thread_level = level;
    err = cv_initialized() ? 0 : cv_init();
    if (err < 0)
        return err;
    err = mpi_comm_setup(s, cv_rank(), cv_size());
    if (err)
        return err;
    init_attrs(s, cv_size());
    s->initialized = 1;
    return mpi_checkpoint_ext_setup(s);
}

int PMPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    MPI_THREAD_GUARD();
    int level = required < MPI_THREAD_MULTIPLE ? required : MPI_THREAD_MULTIPLE;
    int err;

    if (level < MPI_THREAD_SINGLE)
        level = MPI_THREAD_SINGLE;
    if (!provided)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Init_thread");
    err = state_create(level);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Init_thread");
    *provided = level;
    return MPI_SUCCESS;
}

int PMPI_Init(int *argc, char ***argv)
{
    MPI_THREAD_GUARD();
    int err = state_create(MPI_THREAD_SINGLE);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Init");
    return MPI_SUCCESS;
}

/* Rank 0 ends the job's idle clusters (cv_finalize), and an idle cluster
 * may still be forwarding messages to ranks that moved. Leaving the barrier
 * only says every rank entered it, not that every barrier message reached
 * its rank, so a rank's "done" comes after its barrier: once rank 0 has all
 * of them, nothing is in flight any more and the idle clusters may go. */
static int finalize_fan_in(struct mpi_comm *world)
{
    int i, err = 0;

    if (world->rank != 0)
        return mpi_coll_send(world, NULL, 0, 0, MPI_COLL_TAG_FINALIZE);
    for (i = 1; i < world->size && !err; i++)
        err = mpi_coll_recv(world, NULL, 0, i, MPI_COLL_TAG_FINALIZE);
    return err;
}

int PMPI_Finalize(void)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *world;
    int err = mpi_enter(&s);

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Finalize");
    s->finalizing = 1;
    /* MPI: MPI_COMM_SELF's attributes are deleted first, callbacks run. */
    err = mpi_attr_delete_all(s, mpi_comm_get(s, MPI_COMM_SELF));
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Finalize");
    world = mpi_comm_get(s, MPI_COMM_WORLD);
    err = mpi_coll_barrier(world);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Finalize");
    mpi_bsend_drain(s);
    err = finalize_fan_in(world);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Finalize");
    err = cv_finalize();
    mpi_comm_teardown(s);
    mpi_req_table_free(&s->reqs);
    mpi_dtype_teardown(s);
    mpi_group_teardown(s);
    mpi_keyval_teardown(s);
    mpi_op_user_teardown(s);
    mpi_errcode_teardown(s);
    s->finalized = 1;
    if (err < 0) {
        /* No communicator is left to hold a handler: report and return. */
        base_log(BASE_LOG_ERROR, "mpi", "MPI error in MPI_Finalize: %s", mpi_error_text(err));
        return mpi_error_class_of(err);
    }
    return MPI_SUCCESS;
}

int PMPI_Initialized(int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s = mpi_state();

    if (!flag)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Initialized");
    *flag = s && s->initialized;
    return MPI_SUCCESS;
}

int PMPI_Finalized(int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s = mpi_state();

    if (!flag)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Finalized");
    *flag = s && s->finalized;
    return MPI_SUCCESS;
}

int PMPI_Abort(MPI_Comm comm, int errorcode)
{
    MPI_THREAD_GUARD();
    char msg[160];
    struct mpi_rank_state *s = mpi_state();
    int rank = (s && s->initialized && !s->finalized) ? cv_rank() : -1;

    snprintf(msg, sizeof(msg), "MPI_Abort(comm=0x%x, errorcode=%d) called by rank %d",
             (unsigned)comm, errorcode, rank);
    fflush(NULL);
    kjob_abort(errorcode, msg);
}

int PMPI_Query_thread(int *provided)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !provided)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Query_thread");
    *provided = s->thread_level;
    return MPI_SUCCESS;
}

/* The rank always runs on its cluster's main thread (ua.h), wherever it has
 * migrated, so "main thread" is the thread whose id is the process id. */
int PMPI_Is_thread_main(int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !flag)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Is_thread_main");
    *flag = gettid() == getpid();
    return MPI_SUCCESS;
}
