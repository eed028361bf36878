/* rma_info.c: window info hints (Win_set_info, Win_get_info, and the info
 * given at creation).
 *
 * A window keeps the value of each hint MPI-3.1 names for windows
 * (no_locks, accumulate_ordering, accumulate_ops, same_size,
 * same_disp_unit, alloc_shared_noncontig), starting from the standard's
 * defaults; other keys are ignored, as MPICH does. The values are recorded
 * and reported, not acted on: every operation here already keeps the
 * strictest accumulate ordering and locks work whatever no_locks says.
 *
 * Info objects belong to the Info family of the library (another room);
 * until it is linked in, its functions are weak references and, when
 * absent, hints are not read and MPI_Win_get_info returns MPI_INFO_NULL.
 */
#include <stdio.h>
#include <string.h>
#include "mpi_error.h"
#include "mpi_state.h"
#include "rma.h"

#pragma weak MPI_Win_set_info = PMPI_Win_set_info
#pragma weak MPI_Win_get_info = PMPI_Win_get_info

int PMPI_Info_create(MPI_Info *info) __attribute__((weak));
int PMPI_Info_set(MPI_Info info, const char *key, const char *value) __attribute__((weak));
int PMPI_Info_get(MPI_Info info, const char *key, int valuelen, char *value, int *flag)
    __attribute__((weak));

/* The hints, in the order of struct mpi_win_hints, with their defaults. */
static const struct {
    const char *key;
    const char *def;
} info_keys[MPI_WIN_HINTS] = {
    {"no_locks", "false"},
    {"accumulate_ordering", "rar,raw,war,waw"},
    {"accumulate_ops", "same_op_no_op"},
    {"same_size", "false"},
    {"same_disp_unit", "false"},
    {"alloc_shared_noncontig", "false"},
};

void mpi_win_info_defaults(struct mpi_win *w)
{
    int i;

    for (i = 0; i < MPI_WIN_HINTS; i++)
        snprintf(w->hints[i], sizeof(w->hints[i]), "%s", info_keys[i].def);
}

int mpi_win_info_apply(struct mpi_win *w, MPI_Info info)
{
    char val[MPI_MAX_INFO_VAL + 1];
    int i, flag;

    if (info == MPI_INFO_NULL || !PMPI_Info_get)
        return MPI_SUCCESS;
    for (i = 0; i < MPI_WIN_HINTS; i++) {
        flag = 0;
        if (PMPI_Info_get(info, info_keys[i].key, MPI_MAX_INFO_VAL, val, &flag))
            return MPI_ERR_INFO;
        if (flag) { /* hint values are short words; a longer one is cut */
            size_t n = strnlen(val, MPI_WIN_HINT_LEN - 1);
            memcpy(w->hints[i], val, n);
            w->hints[i][n] = '\0';
        }
    }
    return MPI_SUCCESS;
}

int PMPI_Win_set_info(MPI_Win win, MPI_Info info)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_win_check(s, win, &w);
    if (!err)
        err = mpi_win_info_apply(w, info);
    return mpi_win_error(win, err, "MPI_Win_set_info");
}

int PMPI_Win_get_info(MPI_Win win, MPI_Info *info_used)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int i, err = mpi_enter(&s);

    if (!err)
        err = mpi_win_check(s, win, &w);
    if (!err && !info_used)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_get_info");
    *info_used = MPI_INFO_NULL;
    if (!PMPI_Info_create || !PMPI_Info_set)
        return MPI_SUCCESS;
    err = PMPI_Info_create(info_used);
    for (i = 0; !err && i < MPI_WIN_HINTS; i++)
        err = PMPI_Info_set(*info_used, info_keys[i].key, w->hints[i]);
    return mpi_win_error(win, err ? MPI_ERR_INFO : MPI_SUCCESS, "MPI_Win_get_info");
}
