/* rma_win.c: making and freeing windows (Win_create, Win_allocate,
 * Win_allocate_shared, Win_create_dynamic, Win_free), the window table and
 * window errors.
 *
 * Creation is collective over the communicator: the members split it into
 * an internal duplicate (no attribute callbacks run, unlike Comm_dup) whose
 * context ids carry the window's requests and replies (rma.h), then
 * allgather (base, size, disp_unit) so that an origin computes target
 * addresses and checks ranges itself. Windows are entered in a table of the
 * rank's RMA state (handles 0xa0000000 | index); the state and every window
 * are allocated in rank context and move with the container.
 *
 * MPI_Win_allocate_shared makes an ordinary window of memory in the caller's
 * container: ranks live in separate clusters that a move can take anywhere,
 * so no memory is shared between them; MPI_Win_shared_query answers for the
 * caller itself only (MPI_ERR_RMA_SHARED for another rank).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "rma.h"
#include "rmig.h"

#pragma weak MPI_Win_create = PMPI_Win_create
#pragma weak MPI_Win_allocate = PMPI_Win_allocate
#pragma weak MPI_Win_allocate_shared = PMPI_Win_allocate_shared
#pragma weak MPI_Win_create_dynamic = PMPI_Win_create_dynamic
#pragma weak MPI_Win_shared_query = PMPI_Win_shared_query
#pragma weak MPI_Win_free = PMPI_Win_free

struct mpi_win *mpi_win_get(struct mpi_rank_state *s, MPI_Win h)
{
    int idx = h & MPI_WIN_HANDLE_INDEX;

    if (!s->rma || (h & ~MPI_WIN_HANDLE_INDEX) != MPI_WIN_HANDLE_DIRECT || idx >= s->rma->nwins)
        return NULL;
    return s->rma->wins[idx];
}

int mpi_win_check(struct mpi_rank_state *s, MPI_Win h, struct mpi_win **w_p)
{
    struct mpi_win *w = mpi_win_get(s, h);

    if (!w)
        return MPI_ERR_WIN;
    *w_p = w;
    return MPI_SUCCESS;
}

int mpi_win_error(MPI_Win win, int code, const char *fname)
{
    struct mpi_rank_state *s = mpi_state();
    struct mpi_win *w = s ? mpi_win_get(s, win) : NULL;
    int cls, idx;

    if (code == MPI_SUCCESS)
        return MPI_SUCCESS;
    if (!w) /* no window to ask: MPI_COMM_WORLD's handler */
        return mpi_error(MPI_COMM_WORLD, code, fname);
    cls = mpi_error_class_of(code);
    if (w->errh == MPI_ERRORS_RETURN || w->errh == MPIR_ERRORS_THROW_EXCEPTIONS)
        return cls;
    idx = w->errh & 0xffff;
    if ((w->errh & ~0xffff) == MPI_ERRH_HANDLE_DIRECT && idx < MPI_ERRH_MAX && s->errh[idx].fn) {
        MPI_Win h = w->handle;
        /* stored as a communicator handler: same shape, a window first */
        MPI_Win_errhandler_function *fn =
            (MPI_Win_errhandler_function *)(void (*)(void))s->errh[idx].fn;
        rmig_preempt_hold(); /* inside a failing MPI call: no move there */
        fn(&h, &cls);
        rmig_preempt_release();
        return cls;
    }
    /* fatal: mpi_error() prints and aborts through the internal duplicate */
    w->comm->errh = MPI_ERRORS_ARE_FATAL;
    return mpi_error(w->comm_h, code, fname);
}

/* The RMA state of s, made at the first window. NULL when out of memory. */
static struct mpi_rma_state *rma_state(struct mpi_rank_state *s)
{
    if (!s->rma)
        s->rma = calloc(1, sizeof(*s->rma));
    return s->rma;
}

/* A free index of the window table, growing it. Returns it or -ENOMEM. */
static int win_slot(struct mpi_rma_state *r)
{
    struct mpi_win **t;
    int i, n = r->nwins ? r->nwins * 2 : 4;

    for (i = 0; i < r->nwins; i++)
        if (!r->wins[i])
            return i;
    t = realloc(r->wins, sizeof(*t) * (size_t)n);
    if (!t)
        return -ENOMEM;
    memset(t + r->nwins, 0, sizeof(*t) * (size_t)(n - r->nwins));
    i = r->nwins;
    r->wins = t;
    r->nwins = n;
    return i;
}

/* Frees w's memory (not its communicator). */
static void win_destroy(struct mpi_win *w)
{
    free(w->targets);
    free(w->dirty);
    free(w->locked);
    free(w->access);
    free(w->posts);
    free(w->waiters);
    free(w->regions);
    free(w->allocated);
    free(w);
}

/* Per-rank arrays of a new window of n ranks. Returns 0 or -ENOMEM. */
static int win_arrays(struct mpi_win *w, int n)
{
    w->targets = calloc((size_t)n, sizeof(*w->targets));
    w->dirty = calloc((size_t)n, 1);
    w->locked = calloc((size_t)n, sizeof(int));
    w->posts = calloc((size_t)n, sizeof(int));
    w->access = calloc((size_t)n, sizeof(int));
    return w->targets && w->dirty && w->locked && w->posts && w->access ? 0 : -ENOMEM;
}

/* The internal duplicate of c and the exchange of every member's window
 * description. Returns MPI_SUCCESS or an error. */
static int win_connect(struct mpi_rank_state *s, struct mpi_comm *c, struct mpi_win *w)
{
    struct mpi_win_target mine = {(uint64_t)(uintptr_t)w->base, w->size, w->disp_unit};
    int err = PMPI_Comm_split(c->handle, 0, c->rank, &w->comm_h);

    if (err)
        return err;
    w->comm = mpi_comm_get(s, w->comm_h);
    w->comm->errh = MPI_ERRORS_RETURN;
    err = win_arrays(w, c->size);
    if (!err)
        err = PMPI_Allgather(&mine, sizeof(mine), MPI_BYTE, w->targets, sizeof(mine), MPI_BYTE,
                             w->comm_h);
    if (err)
        PMPI_Comm_free(&w->comm_h);
    return err;
}

/* Makes a window over base (size bytes) on communicator c; collective.
 * Returns MPI_SUCCESS or an error, *win_p set on success. */
static int win_make(struct mpi_rank_state *s, struct mpi_comm *c, void *base, MPI_Aint size,
                    int disp_unit, int flavor, void *allocated, MPI_Info info, MPI_Win *win_p)
{
    struct mpi_rma_state *r = rma_state(s);
    struct mpi_win *w = calloc(1, sizeof(*w));
    int idx = r ? win_slot(r) : -ENOMEM, err = idx < 0 || !w ? -ENOMEM : 0;

    if (err) {
        free(w);
        free(allocated);
        return err;
    }
    *w = (struct mpi_win){.flavor = flavor,
                          .base = base,
                          .size = size,
                          .disp_unit = disp_unit,
                          .model = MPI_WIN_UNIFIED,
                          .allocated = allocated,
                          .errh = MPI_ERRORS_ARE_FATAL,
                          .naccess = -1,
                          .expose = -1};
    mpi_win_info_defaults(w);
    err = mpi_win_info_apply(w, info);
    if (!err)
        err = win_connect(s, c, w);
    if (err) {
        win_destroy(w);
        return err;
    }
    w->handle = MPI_WIN_HANDLE_DIRECT | idx;
    r->wins[idx] = w;
    r->live++;
    *win_p = w->handle;
    return MPI_SUCCESS;
}

/* Checks common to every flavor. */
static int win_check(struct mpi_rank_state **s_p, MPI_Comm comm, MPI_Aint size, int disp_unit,
                     const void *win_p, struct mpi_comm **c_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_check_comm(*s_p, comm, c_p);
    if (!err && size < 0)
        err = MPI_ERR_SIZE;
    if (!err && disp_unit <= 0)
        err = MPI_ERR_DISP;
    if (!err && !win_p)
        err = MPI_ERR_ARG;
    return err;
}

int PMPI_Win_create(void *base, MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                    MPI_Win *win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = win_check(&s, comm, size, disp_unit, win, &c);

    if (!err && size > 0 && !base)
        err = MPI_ERR_BASE;
    if (!err)
        err = win_make(s, c, base, size, disp_unit, MPI_WIN_FLAVOR_CREATE, NULL, info, win);
    return mpi_error(comm, err, "MPI_Win_create");
}

/* Window memory of size bytes in the container. Returns it, or NULL. */
static void *win_memory(MPI_Aint size)
{
    return malloc(size > 0 ? (size_t)size : 1);
}

static int win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm, void *baseptr,
                        MPI_Win *win, int flavor)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    void *mem = NULL;
    int err = win_check(&s, comm, size, disp_unit, win, &c);

    if (!err && !baseptr)
        err = MPI_ERR_ARG;
    if (!err && !(mem = win_memory(size)))
        err = -ENOMEM;
    if (!err)
        err = win_make(s, c, mem, size, disp_unit, flavor, mem, info, win);
    if (!err)
        *(void **)baseptr = mem;
    return err;
}

int PMPI_Win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm, void *baseptr,
                      MPI_Win *win)
{
    MPI_THREAD_GUARD();
    return mpi_error(
        comm, win_allocate(size, disp_unit, info, comm, baseptr, win, MPI_WIN_FLAVOR_ALLOCATE),
        "MPI_Win_allocate");
}

int PMPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                             void *baseptr, MPI_Win *win)
{
    MPI_THREAD_GUARD();
    return mpi_error(comm,
                     win_allocate(size, disp_unit, info, comm, baseptr, win, MPI_WIN_FLAVOR_SHARED),
                     "MPI_Win_allocate_shared");
}

int PMPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = win_check(&s, comm, 0, 1, win, &c);

    if (!err)
        err = win_make(s, c, MPI_BOTTOM, 0, 1, MPI_WIN_FLAVOR_DYNAMIC, NULL, info, win);
    return mpi_error(comm, err, "MPI_Win_create_dynamic");
}

int PMPI_Win_shared_query(MPI_Win win, int rank, MPI_Aint *size, int *disp_unit, void *baseptr)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_win_check(s, win, &w);
    if (!err && w->flavor != MPI_WIN_FLAVOR_SHARED)
        err = MPI_ERR_RMA_FLAVOR;
    if (!err && (!size || !disp_unit || !baseptr))
        err = MPI_ERR_ARG;
    if (!err && rank != MPI_PROC_NULL && (rank < 0 || rank >= w->comm->size))
        err = MPI_ERR_RANK;
    if (!err && rank != MPI_PROC_NULL && rank != w->comm->rank)
        err = MPI_ERR_RMA_SHARED; /* no memory is shared between ranks */
    if (err)
        return mpi_win_error(win, err, "MPI_Win_shared_query");
    *size = w->size;
    *disp_unit = w->disp_unit;
    *(void **)baseptr = w->base;
    return MPI_SUCCESS;
}

/* MPI_ERR_RMA_SYNC when an epoch of w is still open at MPI_Win_free. */
static int win_idle(const struct mpi_win *w)
{
    int i;

    if (w->lock_all || w->naccess >= 0 || w->expose >= 0)
        return MPI_ERR_RMA_SYNC;
    for (i = 0; i < w->comm->size; i++)
        if (w->locked[i])
            return MPI_ERR_RMA_SYNC;
    return MPI_SUCCESS;
}

int PMPI_Win_free(MPI_Win *win)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w = NULL;
    int err = mpi_enter(&s), aerr;

    if (!err && !win)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_win_check(s, *win, &w);
    if (!err)
        err = win_idle(w);
    if (err)
        return mpi_win_error(win ? *win : MPI_WIN_NULL, err, "MPI_Win_free");
    aerr = mpi_win_attr_delete_all(s, w);
    mpi_rma_wait_pends(s, w, -1);
    /* every member stops using the window before any frees it */
    err = mpi_coll_barrier(w->comm);
    mpi_rma_wait_sends(s, w);
    s->rma->wins[w->handle & MPI_WIN_HANDLE_INDEX] = NULL;
    s->rma->live--;
    mpi_errh_unref(s, w->errh);
    PMPI_Comm_free(&w->comm_h);
    win_destroy(w);
    *win = MPI_WIN_NULL;
    return mpi_error(MPI_COMM_WORLD, err ? err : aerr, "MPI_Win_free");
}
