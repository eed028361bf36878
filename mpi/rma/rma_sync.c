/* rma_sync.c: synchronization of windows: fence, post-start-complete-wait,
 * lock/unlock (shared and exclusive), lock_all/unlock_all, flush, flush_all,
 * flush_local(_all) and Win_sync.
 *
 * Every completion uses the target's in-order processing (rma_target.c):
 * a flush sends MPI_RMA_FLUSH and waits for its ack, which the target sends
 * after applying all that came before; unlock acks the same way and then
 * releases the lock; MPI_Win_complete sends MPI_RMA_COMPLETE, counted by
 * the target only after the operations before it. A fence flushes the
 * targets written since the last synchronization, waits for every reply,
 * then holds a barrier: once every member passed it, every operation of
 * the epoch is applied everywhere. Locks are taken when MPI_Win_lock is
 * called (it returns once granted). Epochs are tracked per window so that
 * calls out of place return MPI_ERR_RMA_SYNC.
 */
#include <stdlib.h>
#include "coll.h"
#include "comm.h"
#include "comm_group.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "rma.h"
#include "rma_wire.h"

#pragma weak MPI_Win_fence = PMPI_Win_fence
#pragma weak MPI_Win_post = PMPI_Win_post
#pragma weak MPI_Win_start = PMPI_Win_start
#pragma weak MPI_Win_complete = PMPI_Win_complete
#pragma weak MPI_Win_wait = PMPI_Win_wait
#pragma weak MPI_Win_test = PMPI_Win_test
#pragma weak MPI_Win_lock = PMPI_Win_lock
#pragma weak MPI_Win_unlock = PMPI_Win_unlock
#pragma weak MPI_Win_lock_all = PMPI_Win_lock_all
#pragma weak MPI_Win_unlock_all = PMPI_Win_unlock_all
#pragma weak MPI_Win_flush = PMPI_Win_flush
#pragma weak MPI_Win_flush_all = PMPI_Win_flush_all
#pragma weak MPI_Win_flush_local = PMPI_Win_flush_local
#pragma weak MPI_Win_flush_local_all = PMPI_Win_flush_local_all
#pragma weak MPI_Win_sync = PMPI_Win_sync

#define SYNC_ASSERTS                                                                               \
    (MPI_MODE_NOCHECK | MPI_MODE_NOSTORE | MPI_MODE_NOPUT | MPI_MODE_NOPRECEDE | MPI_MODE_NOSUCCEED)

/* Entry checks: MPI up, a live window, assert made of known bits. */
static int sync_enter(MPI_Win win, int assert, struct mpi_rank_state **s_p, struct mpi_win **w_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_win_check(*s_p, win, w_p);
    if (!err && (assert & ~SYNC_ASSERTS))
        err = MPI_ERR_ASSERT;
    return err;
}

/* Flushes every target written since its last completion and waits for
 * every reply. Returns MPI_SUCCESS or < 0. */
static int sync_flush_all(struct mpi_rank_state *s, struct mpi_win *w)
{
    int t, err = MPI_SUCCESS;

    for (t = 0; t < w->comm->size && !err; t++) {
        struct mpi_rma_msg m = {.kind = MPI_RMA_FLUSH, .target = t};
        struct mpi_rma_reply r = {.rbuf = w};
        if (w->dirty[t])
            err = mpi_rma_issue(s, w, &m, &r, NULL);
        w->dirty[t] = 0;
    }
    mpi_rma_wait_pends(s, w, -1);
    return err;
}

int PMPI_Win_fence(int assert, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_enter(win, assert, &s, &w);

    if (!err && (w->lock_all || w->naccess >= 0 || w->expose >= 0))
        err = MPI_ERR_RMA_SYNC;
    if (!err)
        err = sync_flush_all(s, w);
    if (!err)
        err = mpi_coll_barrier(w->comm);
    if (!err)
        w->fence = !(assert &MPI_MODE_NOSUCCEED);
    return mpi_win_error(win, err, "MPI_Win_fence");
}

/* Window ranks of the members of group g; MPI_ERR_GROUP when one is not in
 * w. Sets *ranks_p (malloc'd) and *n_p. */
static int sync_group(struct mpi_rank_state *s, struct mpi_win *w, MPI_Group g, int **ranks_p,
                      int *n_p)
{
    const struct mpi_group *gr = mpi_group_get(s, g);
    int i, *ranks;

    if (!gr || g == MPI_GROUP_NULL)
        return MPI_ERR_GROUP;
    ranks = malloc(sizeof(int) * (size_t)(gr->size ? gr->size : 1));
    if (!ranks)
        return MPI_ERR_NO_MEM;
    for (i = 0; i < gr->size; i++) {
        ranks[i] = mpi_comm_from_world(w->comm, gr->ranks[i]);
        if (ranks[i] == MPI_UNDEFINED) {
            free(ranks);
            return MPI_ERR_GROUP;
        }
    }
    *ranks_p = ranks;
    *n_p = gr->size;
    return MPI_SUCCESS;
}

int PMPI_Win_post(MPI_Group group, int assert, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int *ranks = NULL, n = 0, i, err = sync_enter(win, assert, &s, &w);

    if (!err && w->expose >= 0)
        err = MPI_ERR_RMA_SYNC;
    if (!err)
        err = sync_group(s, w, group, &ranks, &n);
    for (i = 0; !err && i < n; i++)
        err = mpi_rma_notice(s, w, MPI_RMA_POST, ranks[i]);
    if (!err)
        w->expose = n;
    free(ranks);
    return mpi_win_error(win, err, "MPI_Win_post");
}

/* Non-zero once every member of the access group posted. */
static int sync_posted(const struct mpi_win *w, const int *ranks, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (w->posts[ranks[i]] == 0)
            return 0;
    return 1;
}

int PMPI_Win_start(MPI_Group group, int assert, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    unsigned spins = 0;
    int *ranks = NULL, n = 0, i, err = sync_enter(win, assert, &s, &w);

    if (!err && (w->naccess >= 0 || w->lock_all))
        err = MPI_ERR_RMA_SYNC;
    if (!err)
        err = sync_group(s, w, group, &ranks, &n);
    if (err)
        return mpi_win_error(win, err, "MPI_Win_start");
    mpi_rma_progress(s);
    while (!sync_posted(w, ranks, n))
        mpi_progress_idle(&spins);
    for (i = 0; i < n; i++) {
        w->posts[ranks[i]]--;
        w->access[i] = ranks[i];
    }
    w->naccess = n;
    w->fence = 0; /* a fence's epoch ends where another kind begins */
    free(ranks);
    return MPI_SUCCESS;
}

int PMPI_Win_complete(MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int i, err = sync_enter(win, 0, &s, &w);

    if (!err && w->naccess < 0)
        err = MPI_ERR_RMA_SYNC;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_complete");
    mpi_rma_wait_pends(s, w, -1); /* Gets of the epoch are in */
    for (i = 0; i < w->naccess && !err; i++) {
        err = mpi_rma_notice(s, w, MPI_RMA_COMPLETE, w->access[i]);
        w->dirty[w->access[i]] = 0;
    }
    w->naccess = -1;
    return mpi_win_error(win, err, "MPI_Win_complete");
}

/* Ends the exposure epoch when every origin completed: 1, else 0. */
static int sync_exposed(struct mpi_win *w)
{
    if (w->completes < w->expose)
        return 0;
    w->completes -= w->expose;
    w->expose = -1;
    return 1;
}

int PMPI_Win_wait(MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    unsigned spins = 0;
    int err = sync_enter(win, 0, &s, &w);

    if (!err && w->expose < 0)
        err = MPI_ERR_RMA_SYNC;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_wait");
    mpi_rma_progress(s);
    while (!sync_exposed(w))
        mpi_progress_idle(&spins);
    return MPI_SUCCESS;
}

int PMPI_Win_test(MPI_Win win, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_enter(win, 0, &s, &w);

    if (!err && !flag)
        err = MPI_ERR_ARG;
    if (!err && w->expose < 0)
        err = MPI_ERR_RMA_SYNC;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_test");
    mpi_progress(s);
    *flag = sync_exposed(w);
    return MPI_SUCCESS;
}

/* Checks of Win_lock/Win_unlock: a lock type and a rank of the window. */
static int sync_lock_check(MPI_Win win, int assert, int rank, struct mpi_rank_state **s_p,
                           struct mpi_win **w_p)
{
    int err = sync_enter(win, assert, s_p, w_p);

    if (!err && rank != MPI_PROC_NULL && (rank < 0 || rank >= (*w_p)->comm->size))
        err = MPI_ERR_RANK;
    return err;
}

int PMPI_Win_lock(int lock_type, int rank, int assert, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_lock_check(win, assert, rank, &s, &w);

    if (!err && lock_type != MPI_LOCK_SHARED && lock_type != MPI_LOCK_EXCLUSIVE)
        err = MPI_ERR_LOCKTYPE;
    if (err || rank == MPI_PROC_NULL)
        return mpi_win_error(win, err, "MPI_Win_lock");
    if (w->locked[rank] || w->lock_all || w->naccess >= 0)
        err = MPI_ERR_RMA_SYNC;
    if (!err)
        err = mpi_rma_roundtrip(s, w, MPI_RMA_LOCK, rank, lock_type);
    if (!err) {
        w->locked[rank] = lock_type;
        w->fence = 0;
    }
    return mpi_win_error(win, err, "MPI_Win_lock");
}

int PMPI_Win_unlock(int rank, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_lock_check(win, 0, rank, &s, &w);

    if (err || rank == MPI_PROC_NULL)
        return mpi_win_error(win, err, "MPI_Win_unlock");
    if (!w->locked[rank])
        err = MPI_ERR_RMA_SYNC;
    if (!err)
        err = mpi_rma_roundtrip(s, w, MPI_RMA_UNLOCK, rank, w->locked[rank]);
    if (!err)
        w->locked[rank] = 0;
    return mpi_win_error(win, err, "MPI_Win_unlock");
}

/* Sends kind (LOCK or UNLOCK of a shared lock) to every rank, then waits
 * for every ack. */
static int sync_all(struct mpi_rank_state *s, struct mpi_win *w, int kind)
{
    int t, err = MPI_SUCCESS;

    for (t = 0; t < w->comm->size && !err; t++) {
        struct mpi_rma_msg m = {.kind = kind, .target = t, .lock_type = MPI_LOCK_SHARED};
        struct mpi_rma_reply r = {.rbuf = w};
        err = mpi_rma_issue(s, w, &m, &r, NULL);
        w->dirty[t] = 0;
    }
    mpi_rma_wait_pends(s, w, -1);
    return err;
}

/* MPI_ERR_RMA_SYNC when w holds a lock of any kind. */
static int sync_unlocked(const struct mpi_win *w)
{
    int t;

    if (w->lock_all)
        return MPI_ERR_RMA_SYNC;
    for (t = 0; t < w->comm->size; t++)
        if (w->locked[t])
            return MPI_ERR_RMA_SYNC;
    return MPI_SUCCESS;
}

int PMPI_Win_lock_all(int assert, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_enter(win, assert, &s, &w);

    if (!err)
        err = sync_unlocked(w);
    if (!err && w->naccess >= 0)
        err = MPI_ERR_RMA_SYNC;
    if (!err)
        err = sync_all(s, w, MPI_RMA_LOCK);
    if (!err) {
        w->lock_all = 1;
        w->fence = 0;
    }
    return mpi_win_error(win, err, "MPI_Win_lock_all");
}

int PMPI_Win_unlock_all(MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_enter(win, 0, &s, &w);

    if (!err && !w->lock_all)
        err = MPI_ERR_RMA_SYNC;
    if (!err)
        err = sync_all(s, w, MPI_RMA_UNLOCK);
    if (!err)
        w->lock_all = 0;
    return mpi_win_error(win, err, "MPI_Win_unlock_all");
}

/* Flush checks: a passive-target epoch to rank (-1: any). */
static int sync_flush_check(MPI_Win win, int rank, struct mpi_rank_state **s_p,
                            struct mpi_win **w_p)
{
    int err = sync_lock_check(win, 0, rank < 0 ? MPI_PROC_NULL : rank, s_p, w_p);

    if (!err && !(*w_p)->lock_all && rank >= 0 && !(*w_p)->locked[rank])
        err = MPI_ERR_RMA_SYNC;
    if (!err && !(*w_p)->lock_all && rank < 0 && !sync_unlocked(*w_p))
        err = MPI_ERR_RMA_SYNC;
    return err;
}

int PMPI_Win_flush(int rank, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_flush_check(win, rank, &s, &w);

    /* nothing written since the last completion: the replies awaited are
     * sent after their operations were applied, they are enough */
    if (!err && rank != MPI_PROC_NULL && w->dirty[rank])
        err = mpi_rma_roundtrip(s, w, MPI_RMA_FLUSH, rank, 0);
    else if (!err && rank != MPI_PROC_NULL)
        mpi_rma_wait_pends(s, w, rank);
    return mpi_win_error(win, err, "MPI_Win_flush");
}

int PMPI_Win_flush_all(MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_flush_check(win, -1, &s, &w);

    if (!err)
        err = sync_flush_all(s, w);
    return mpi_win_error(win, err, "MPI_Win_flush_all");
}

/* Local completion: data are copied into requests when they are issued, so
 * only the replies (Get results) are waited for. */
int PMPI_Win_flush_local(int rank, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_flush_check(win, rank, &s, &w);

    if (!err && rank != MPI_PROC_NULL)
        mpi_rma_wait_pends(s, w, rank);
    return mpi_win_error(win, err, "MPI_Win_flush_local");
}

int PMPI_Win_flush_local_all(MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_flush_check(win, -1, &s, &w);

    if (!err)
        mpi_rma_wait_pends(s, w, -1);
    return mpi_win_error(win, err, "MPI_Win_flush_local_all");
}

/* The window memory is the memory (unified model): a full barrier for the
 * compiler and the processor is all that is needed; progress lets other
 * ranks' requests in. */
int PMPI_Win_sync(MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = sync_enter(win, 0, &s, &w);

    if (err)
        return mpi_win_error(win, err, "MPI_Win_sync");
    __sync_synchronize();
    mpi_progress(s);
    return MPI_SUCCESS;
}
