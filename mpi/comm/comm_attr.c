/* comm_attr.c: communicator attributes and their keys (Comm_create_keyval,
 * Comm_free_keyval, Comm_set_attr, Comm_get_attr, Comm_delete_attr) and the
 * callbacks run by Comm_dup and Comm_free.
 *
 * Keyvals live in a table of the root object (handle 0xa4400000 | index).
 * A keyval slot counts one reference for its handle and one per attribute
 * that uses it, so MPI_Comm_free_keyval invalidates the handle at once while
 * the callbacks stay callable for the attributes still set. Each
 * communicator keeps its attributes in a list, in the order they were set;
 * MPI_Comm_dup runs the copy callbacks in that order.
 *
 * The predefined attributes (MPI_TAG_UB...) are answered from ints in the
 * root object: MPICH's ABI hands back a pointer to the value, so the value
 * must live as long as MPI does, and it lives in the container so the
 * pointer stays valid wherever the rank migrates.
 */
#include <errno.h>
#include <stdlib.h>
#include "comm.h"
#include "comm_attr.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "rmig.h"

#pragma weak MPI_Comm_create_keyval = PMPI_Comm_create_keyval
#pragma weak MPI_Comm_free_keyval = PMPI_Comm_free_keyval
#pragma weak MPI_Comm_set_attr = PMPI_Comm_set_attr
#pragma weak MPI_Comm_get_attr = PMPI_Comm_get_attr
#pragma weak MPI_Comm_delete_attr = PMPI_Comm_delete_attr

struct mpi_attr {
    int kv;                /* keyval table index */
    void *val;             /* the value given to MPI_Comm_set_attr */
    struct mpi_attr *next; /* next attribute of the same communicator */
};

/* MPI_COMM_DUP_FN: MPICH's mpi.h names this symbol, so the ABI needs it. */
#pragma GCC visibility push(default)
int MPIR_Dup_fn(MPI_Comm oldcomm, int keyval, void *extra_state, void *attribute_val_in,
                void *attribute_val_out, int *flag);
#pragma GCC visibility pop

int MPIR_Dup_fn(MPI_Comm oldcomm, int keyval, void *extra_state, void *attribute_val_in,
                void *attribute_val_out, int *flag)
{
    (void)oldcomm;
    (void)keyval;
    (void)extra_state;
    *(void **)attribute_val_out = attribute_val_in;
    *flag = 1;
    return MPI_SUCCESS;
}

/* Table index of a live (not freed) user keyval, or -1. */
static int keyval_index(struct mpi_rank_state *s, int keyval)
{
    int idx = keyval & MPI_KEYVAL_HANDLE_INDEX;

    if ((keyval & ~MPI_KEYVAL_HANDLE_INDEX) != MPI_KEYVAL_HANDLE_DIRECT || idx >= s->nkeyvals)
        return -1;
    if (s->keyvals[idx].refs == 0 || s->keyvals[idx].freed)
        return -1;
    return idx;
}

static void keyval_unref(struct mpi_rank_state *s, int idx)
{
    if (--s->keyvals[idx].refs == 0)
        s->keyvals[idx].freed = 0; /* slot free for the next create */
}

/* A free keyval slot, growing the table; -ENOMEM. */
static int keyval_slot(struct mpi_rank_state *s)
{
    struct mpi_keyval *t;
    int i, n = s->nkeyvals ? s->nkeyvals * 2 : 8;

    for (i = 0; i < s->nkeyvals; i++)
        if (s->keyvals[i].refs == 0)
            return i;
    t = realloc(s->keyvals, sizeof(*t) * (size_t)n);
    if (!t)
        return -ENOMEM;
    for (i = s->nkeyvals; i < n; i++)
        t[i].refs = 0;
    i = s->nkeyvals;
    s->keyvals = t;
    s->nkeyvals = n;
    return i;
}

void mpi_keyval_teardown(struct mpi_rank_state *s)
{
    free(s->keyvals);
    s->keyvals = NULL;
    s->nkeyvals = 0;
}

/* The attribute of c under keyval index kv, or NULL; *prev_p gets the link
 * that points at it. */
static struct mpi_attr *attr_find(struct mpi_comm *c, int kv, struct mpi_attr ***prev_p)
{
    struct mpi_attr **pp = &c->attrs;

    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->kv == kv)
            break;
    if (prev_p)
        *prev_p = pp;
    return *pp;
}

/* Runs the delete callback of attribute *pp of c and unlinks it. Returns
 * MPI_SUCCESS or the callback's code (the attribute is gone either way). */
static int attr_remove(struct mpi_rank_state *s, struct mpi_comm *c, struct mpi_attr **pp)
{
    struct mpi_attr *a = *pp;
    struct mpi_keyval *k = &s->keyvals[a->kv];
    int err = MPI_SUCCESS;

    if (k->del) {
        rmig_preempt_hold(); /* the communicator is half-freed: no move inside */
        err = k->del(c->handle, MPI_KEYVAL_HANDLE_DIRECT | a->kv, a->val, k->extra);
        rmig_preempt_release();
    }
    *pp = a->next;
    keyval_unref(s, a->kv);
    free(a);
    return err;
}

int mpi_attr_delete_all(struct mpi_rank_state *s, struct mpi_comm *c)
{
    int first = MPI_SUCCESS;

    while (c->attrs) {
        int err = attr_remove(s, c, &c->attrs);
        if (err && !first)
            first = err;
    }
    return first;
}

/* Appends attribute (kv, val) to c. Returns MPI_SUCCESS or -ENOMEM. */
static int attr_append(struct mpi_rank_state *s, struct mpi_comm *c, int kv, void *val)
{
    struct mpi_attr **pp, *a = malloc(sizeof(*a));

    if (!a)
        return -ENOMEM;
    a->kv = kv;
    a->val = val;
    a->next = NULL;
    attr_find(c, -1, &pp); /* the list's tail link */
    *pp = a;
    s->keyvals[kv].refs++;
    return MPI_SUCCESS;
}

int mpi_attr_copy_all(struct mpi_rank_state *s, struct mpi_comm *old, struct mpi_comm *new)
{
    struct mpi_attr *a;
    void *val;
    int flag, err = MPI_SUCCESS;

    for (a = old->attrs; a && !err; a = a->next) {
        struct mpi_keyval *k = &s->keyvals[a->kv];
        if (!k->copy)
            continue; /* MPI_COMM_NULL_COPY_FN */
        flag = 0;
        val = NULL;
        rmig_preempt_hold(); /* the duplicate is half-made: no move inside */
        err = k->copy(old->handle, MPI_KEYVAL_HANDLE_DIRECT | a->kv, k->extra, a->val, &val, &flag);
        rmig_preempt_release();
        if (!err && flag)
            err = attr_append(s, new, a->kv, val);
    }
    return err;
}

int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function *comm_copy_attr_fn,
                            MPI_Comm_delete_attr_function *comm_delete_attr_fn, int *comm_keyval,
                            void *extra_state)
{
    struct mpi_rank_state *s;
    int idx = 0, err = mpi_enter(&s);

    if (!err && !comm_keyval)
        err = MPI_ERR_ARG;
    if (!err && (idx = keyval_slot(s)) < 0)
        err = idx;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Comm_create_keyval");
    s->keyvals[idx].copy = comm_copy_attr_fn;
    s->keyvals[idx].del = comm_delete_attr_fn;
    s->keyvals[idx].extra = extra_state;
    s->keyvals[idx].refs = 1;
    s->keyvals[idx].freed = 0;
    *comm_keyval = MPI_KEYVAL_HANDLE_DIRECT | idx;
    return MPI_SUCCESS;
}

int PMPI_Comm_free_keyval(int *comm_keyval)
{
    struct mpi_rank_state *s;
    int idx = -1, err = mpi_enter(&s);

    if (!err && !comm_keyval)
        err = MPI_ERR_ARG;
    if (!err && (idx = keyval_index(s, *comm_keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Comm_free_keyval");
    s->keyvals[idx].freed = 1;
    keyval_unref(s, idx);
    *comm_keyval = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

/* Enters MPI and resolves comm and a user keyval (index in *kv_p). */
static int attr_enter(struct mpi_rank_state **s_p, MPI_Comm comm, int keyval, struct mpi_comm **c_p,
                      int *kv_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_check_comm(*s_p, comm, c_p);
    if (!err && (*kv_p = keyval_index(*s_p, keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    return err;
}

/* Setting a key that is already set deletes the old value first (its
 * delete callback runs), as MPI requires. */
int PMPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_attr **pp;
    int kv = -1, err = attr_enter(&s, comm, comm_keyval, &c, &kv);

    /* The handle's own reference keeps the keyval alive across the removal. */
    if (!err && attr_find(c, kv, &pp))
        err = attr_remove(s, c, pp);
    if (!err)
        err = attr_append(s, c, kv, attribute_val);
    return mpi_error(comm, err, "MPI_Comm_set_attr");
}

int PMPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_attr **pp;
    int kv = -1, err = attr_enter(&s, comm, comm_keyval, &c, &kv);

    /* A key that is not set is no error (MPICH agrees): nothing to delete. */
    if (!err && attr_find(c, kv, &pp))
        err = attr_remove(s, c, pp);
    return mpi_error(comm, err, "MPI_Comm_delete_attr");
}

/* Storage of a predefined attribute, or NULL when keyval is not one. */
static int *predefined_attr(struct mpi_rank_state *s, int keyval)
{
    switch (keyval) {
    case MPI_TAG_UB:
        return &s->attr_tag_ub;
    case MPI_HOST:
        return &s->attr_host;
    case MPI_IO:
        return &s->attr_io;
    case MPI_WTIME_IS_GLOBAL:
        return &s->attr_wtime_is_global;
    case MPI_UNIVERSE_SIZE:
        return &s->attr_universe_size;
    case MPI_APPNUM:
        return &s->attr_appnum;
    default:
        return NULL;
    }
}

int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_attr *a;
    int *pre = NULL, kv = -1, err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && (!attribute_val || !flag))
        err = MPI_ERR_ARG;
    if (!err && !(pre = predefined_attr(s, comm_keyval)) && (kv = keyval_index(s, comm_keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_get_attr");
    if (pre) {
        *(int **)attribute_val = pre;
        *flag = 1;
        return MPI_SUCCESS;
    }
    a = attr_find(c, kv, NULL);
    *flag = a != NULL;
    if (a)
        *(void **)attribute_val = a->val;
    return MPI_SUCCESS;
}
