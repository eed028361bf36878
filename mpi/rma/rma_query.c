/* rma_query.c: what a window tells about itself and what can be changed on
 * it: Win_get_group, Win_set_name/get_name, Win_attach/detach (dynamic
 * windows), and the window error handlers (Win_create_errhandler,
 * Win_set/get_errhandler, Win_call_errhandler). Info hints are in
 * rma_info.c.
 *
 * Window error handlers share the table of communicator handlers
 * (mpi_error.h): a window handler has the same shape, its first argument a
 * window, and mpi_win_error() calls it as one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "comm_group.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "rma.h"

#pragma weak MPI_Win_get_group = PMPI_Win_get_group
#pragma weak MPI_Win_set_name = PMPI_Win_set_name
#pragma weak MPI_Win_get_name = PMPI_Win_get_name
#pragma weak MPI_Win_attach = PMPI_Win_attach
#pragma weak MPI_Win_detach = PMPI_Win_detach
#pragma weak MPI_Win_create_errhandler = PMPI_Win_create_errhandler
#pragma weak MPI_Win_set_errhandler = PMPI_Win_set_errhandler
#pragma weak MPI_Win_get_errhandler = PMPI_Win_get_errhandler
#pragma weak MPI_Win_call_errhandler = PMPI_Win_call_errhandler

/* Entry checks: MPI up and a live window. */
static int query_enter(MPI_Win win, struct mpi_rank_state **s_p, struct mpi_win **w_p)
{
    int err = mpi_enter(s_p);

    return err ? err : mpi_win_check(*s_p, win, w_p);
}

int PMPI_Win_get_group(MPI_Win win, MPI_Group *group)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = query_enter(win, &s, &w);

    if (!err && !group)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_group_new(s, w->comm->group, w->comm->size, group);
    return mpi_win_error(win, err, "MPI_Win_get_group");
}

int PMPI_Win_set_name(MPI_Win win, const char *win_name)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = query_enter(win, &s, &w);

    if (!err && !win_name)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_set_name");
    strncpy(w->name, win_name, MPI_MAX_OBJECT_NAME - 1);
    w->name[MPI_MAX_OBJECT_NAME - 1] = '\0';
    return MPI_SUCCESS;
}

int PMPI_Win_get_name(MPI_Win win, char *win_name, int *resultlen)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = query_enter(win, &s, &w);

    if (!err && (!win_name || !resultlen))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_get_name");
    strcpy(win_name, w->name);
    *resultlen = (int)strlen(w->name);
    return MPI_SUCCESS;
}

/* Index of the region of w starting at base, or -1. */
static int query_region(const struct mpi_win *w, uint64_t base)
{
    int i;

    for (i = 0; i < w->nregions; i++)
        if (w->regions[i].base == base)
            return i;
    return -1;
}

int PMPI_Win_attach(MPI_Win win, void *base, MPI_Aint size)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    struct mpi_rma_region *g;
    int err = query_enter(win, &s, &w);

    if (!err && w->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        err = MPI_ERR_RMA_FLAVOR;
    if (!err && size < 0)
        err = MPI_ERR_SIZE;
    if (!err && !base && size > 0)
        err = MPI_ERR_RMA_ATTACH;
    if (!err && !(g = realloc(w->regions, sizeof(*g) * (size_t)(w->nregions + 1))))
        err = -ENOMEM;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_attach");
    w->regions = g;
    w->regions[w->nregions++] = (struct mpi_rma_region){(uint64_t)(uintptr_t)base, size};
    return MPI_SUCCESS;
}

int PMPI_Win_detach(MPI_Win win, const void *base)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int i = -1, err = query_enter(win, &s, &w);

    if (!err && w->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        err = MPI_ERR_RMA_FLAVOR;
    if (!err && (i = query_region(w, (uint64_t)(uintptr_t)base)) < 0)
        err = MPI_ERR_RMA_ATTACH;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_detach");
    w->regions[i] = w->regions[--w->nregions];
    return MPI_SUCCESS;
}

int PMPI_Win_create_errhandler(MPI_Win_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    MPI_THREAD_GUARD();
    /* same table and shape as communicator handlers (see the top) */
    return PMPI_Comm_create_errhandler((MPI_Comm_errhandler_function *)(void (*)(void))fn,
                                       errhandler);
}

int PMPI_Win_set_errhandler(MPI_Win win, MPI_Errhandler errhandler)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = query_enter(win, &s, &w);

    if (!err && !mpi_errh_valid(s, errhandler))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_set_errhandler");
    mpi_errh_ref(s, errhandler);
    mpi_errh_unref(s, w->errh);
    w->errh = errhandler;
    return MPI_SUCCESS;
}

int PMPI_Win_get_errhandler(MPI_Win win, MPI_Errhandler *errhandler)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = query_enter(win, &s, &w);

    if (!err && !errhandler)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_get_errhandler");
    mpi_errh_ref(s, w->errh); /* the returned handle is a new reference */
    *errhandler = w->errh;
    return MPI_SUCCESS;
}

int PMPI_Win_call_errhandler(MPI_Win win, int errorcode)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = query_enter(win, &s, &w);

    if (err)
        return mpi_win_error(win, err, "MPI_Win_call_errhandler");
    mpi_win_error(win, errorcode, "MPI_Win_call_errhandler");
    return MPI_SUCCESS;
}
