/* rma_attr.c: window attributes and their keys (Win_create_keyval,
 * Win_free_keyval, Win_set_attr, Win_get_attr, Win_delete_attr), and the
 * predefined ones (MPI_WIN_BASE, MPI_WIN_SIZE, MPI_WIN_DISP_UNIT,
 * MPI_WIN_CREATE_FLAVOR, MPI_WIN_MODEL).
 *
 * Keyvals live in a table of the rank's RMA state (handles 0xa4c00000 |
 * index, apart from communicator keyvals); a slot counts one reference for
 * its handle and one per attribute that uses it, so freeing a keyval leaves
 * its delete callback callable for the attributes still set. Each window
 * keeps its attributes in a list in the order they were set; MPI_Win_free
 * deletes them in that order. The predefined attributes hand back
 * pointers into the window object (in the container, so they stay valid
 * wherever the rank moves), except MPI_WIN_BASE whose value is the base.
 */
#include <errno.h>
#include <stdlib.h>
#include "mpi_error.h"
#include "mpi_state.h"
#include "rma.h"
#include "rmig.h"

#pragma weak MPI_Win_create_keyval = PMPI_Win_create_keyval
#pragma weak MPI_Win_free_keyval = PMPI_Win_free_keyval
#pragma weak MPI_Win_set_attr = PMPI_Win_set_attr
#pragma weak MPI_Win_get_attr = PMPI_Win_get_attr
#pragma weak MPI_Win_delete_attr = PMPI_Win_delete_attr

/* Table index of a live (not freed) window keyval, or -1. */
static int wkv_index(struct mpi_rank_state *s, int keyval)
{
    int idx = keyval & MPI_WIN_KEYVAL_INDEX;
    struct mpi_rma_state *r = s->rma;

    if ((keyval & ~MPI_WIN_KEYVAL_INDEX) != MPI_WIN_KEYVAL_DIRECT || !r || idx >= r->nkeyvals)
        return -1;
    if (r->keyvals[idx].refs == 0 || r->keyvals[idx].freed)
        return -1;
    return idx;
}

static void wkv_unref(struct mpi_rma_state *r, int idx)
{
    if (--r->keyvals[idx].refs == 0)
        r->keyvals[idx].freed = 0;
}

/* A free keyval slot, growing the table; -ENOMEM. */
static int wkv_slot(struct mpi_rank_state *s)
{
    struct mpi_rma_state *r = s->rma ? s->rma : (s->rma = calloc(1, sizeof(*s->rma)));
    struct mpi_win_keyval *t;
    int i, n;

    if (!r)
        return -ENOMEM;
    for (i = 0; i < r->nkeyvals; i++)
        if (r->keyvals[i].refs == 0)
            return i;
    n = r->nkeyvals ? r->nkeyvals * 2 : 8;
    t = realloc(r->keyvals, sizeof(*t) * (size_t)n);
    if (!t)
        return -ENOMEM;
    for (i = r->nkeyvals; i < n; i++)
        t[i].refs = 0;
    i = r->nkeyvals;
    r->keyvals = t;
    r->nkeyvals = n;
    return i;
}

int PMPI_Win_create_keyval(MPI_Win_copy_attr_function *copy, MPI_Win_delete_attr_function *del,
                           int *keyval, void *extra_state)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s), idx = -1;

    if (!err && !keyval)
        err = MPI_ERR_ARG;
    if (!err && (idx = wkv_slot(s)) < 0)
        err = idx;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Win_create_keyval");
    s->rma->keyvals[idx] = (struct mpi_win_keyval){copy, del, extra_state, 1, 0};
    *keyval = MPI_WIN_KEYVAL_DIRECT | idx;
    return MPI_SUCCESS;
}

int PMPI_Win_free_keyval(int *keyval)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s), idx = -1;

    if (!err && !keyval)
        err = MPI_ERR_ARG;
    if (!err && (idx = wkv_index(s, *keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Win_free_keyval");
    s->rma->keyvals[idx].freed = 1;
    wkv_unref(s->rma, idx);
    *keyval = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

/* The attribute of w under keyval index kv, or NULL; *prev_p gets the link
 * that points at it. */
static struct mpi_win_attr *wattr_find(struct mpi_win *w, int kv, struct mpi_win_attr ***prev_p)
{
    struct mpi_win_attr **pp = &w->attrs;

    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->kv == kv)
            break;
    *prev_p = pp;
    return *pp;
}

/* Runs the delete callback of *pp and unlinks it. Returns MPI_SUCCESS or
 * the callback's code (the attribute is gone either way). */
static int wattr_remove(struct mpi_rank_state *s, struct mpi_win *w, struct mpi_win_attr **pp)
{
    struct mpi_win_attr *a = *pp;
    struct mpi_win_keyval *k = &s->rma->keyvals[a->kv];
    int err = MPI_SUCCESS;

    if (k->del) {
        rmig_preempt_hold();
        err = k->del(w->handle, MPI_WIN_KEYVAL_DIRECT | a->kv, a->val, k->extra);
        rmig_preempt_release();
    }
    *pp = a->next;
    wkv_unref(s->rma, a->kv);
    free(a);
    return err;
}

int mpi_win_attr_delete_all(struct mpi_rank_state *s, struct mpi_win *w)
{
    int err = MPI_SUCCESS;

    while (w->attrs) {
        int e = wattr_remove(s, w, &w->attrs);
        if (e && !err)
            err = e;
    }
    return err;
}

/* Common checks: a live window and a live user keyval. */
static int wattr_check(MPI_Win win, int keyval, struct mpi_rank_state **s_p, struct mpi_win **w_p,
                       int *kv_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_win_check(*s_p, win, w_p);
    if (!err && (*kv_p = wkv_index(*s_p, keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    return err;
}

int PMPI_Win_set_attr(MPI_Win win, int keyval, void *attribute_val)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    struct mpi_win_attr **pp, *a = NULL;
    int kv = -1, err = wattr_check(win, keyval, &s, &w, &kv);

    if (!err && wattr_find(w, kv, &pp))
        err = wattr_remove(s, w, pp); /* replacing runs the delete callback */
    if (!err) {
        wattr_find(w, kv, &pp); /* the end of the list: keep the order of setting */
        if (!(a = malloc(sizeof(*a))))
            err = -ENOMEM;
    }
    if (err)
        return mpi_win_error(win, err, "MPI_Win_set_attr");
    *a = (struct mpi_win_attr){kv, attribute_val, NULL};
    *pp = a;
    s->rma->keyvals[kv].refs++;
    return MPI_SUCCESS;
}

/* The predefined attribute keyval of w: sets *val_p, returns 1; 0 when
 * keyval is not one. */
static int wattr_predefined(struct mpi_win *w, int keyval, void **val_p)
{
    w->attr_size = w->size;
    w->attr_disp_unit = w->disp_unit;
    w->attr_flavor = w->flavor;
    w->attr_model = w->model;
    switch (keyval) {
    case MPI_WIN_BASE:
        *val_p = w->base;
        return 1;
    case MPI_WIN_SIZE:
        *val_p = &w->attr_size;
        return 1;
    case MPI_WIN_DISP_UNIT:
        *val_p = &w->attr_disp_unit;
        return 1;
    case MPI_WIN_CREATE_FLAVOR:
        *val_p = &w->attr_flavor;
        return 1;
    case MPI_WIN_MODEL:
        *val_p = &w->attr_model;
        return 1;
    default:
        return 0;
    }
}

int PMPI_Win_get_attr(MPI_Win win, int keyval, void *attribute_val, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w = NULL;
    struct mpi_win_attr **pp, *a;
    int kv = -1, err = mpi_enter(&s);

    if (!err)
        err = mpi_win_check(s, win, &w);
    if (!err && (!attribute_val || !flag))
        err = MPI_ERR_ARG;
    if (!err && wattr_predefined(w, keyval, attribute_val)) {
        *flag = 1;
        return MPI_SUCCESS;
    }
    if (!err && (kv = wkv_index(s, keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    if (err)
        return mpi_win_error(win, err, "MPI_Win_get_attr");
    a = wattr_find(w, kv, &pp);
    *flag = a != NULL;
    if (a)
        *(void **)attribute_val = a->val;
    return MPI_SUCCESS;
}

int PMPI_Win_delete_attr(MPI_Win win, int keyval)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_win *w;
    struct mpi_win_attr **pp;
    int kv = -1, err = wattr_check(win, keyval, &s, &w, &kv);

    if (!err && wattr_find(w, kv, &pp))
        err = wattr_remove(s, w, pp);
    return mpi_win_error(win, err, "MPI_Win_delete_attr");
}
