/* mpi_attr.c: keyvals and attribute lists of every object kind (see
 * mpi_attr.h); the MPI entry points are in comm_attr.c and dtype_attr.c.
 *
 * Callbacks run with preemption held: the object is half-made (copy) or
 * half-freed (delete), so the rank must not move inside them. The keyval
 * table and the lists are allocated in rank context and move with the rank.
 */
#include <errno.h>
#include <stdlib.h>
#include "mpi_attr.h"
#include "mpi_state.h"
#include "rmig.h"

static int keyval_handle(const struct mpi_keyval *k, int idx)
{
    return MPI_KEYVAL_HANDLE_DIRECT | k->kind << MPI_KEYVAL_KIND_SHIFT | idx;
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
    if (n > MPI_KEYVAL_HANDLE_INDEX)
        return -ENOMEM;
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

int mpi_keyval_create(struct mpi_rank_state *s, int kind, mpi_attr_copy_fn *copy,
                      mpi_attr_delete_fn *del, void *extra, int *keyval_p)
{
    int idx = keyval_slot(s);

    if (idx < 0)
        return idx;
    s->keyvals[idx].copy = copy;
    s->keyvals[idx].del = del;
    s->keyvals[idx].extra = extra;
    s->keyvals[idx].kind = kind;
    s->keyvals[idx].refs = 1;
    s->keyvals[idx].freed = 0;
    *keyval_p = keyval_handle(&s->keyvals[idx], idx);
    return MPI_SUCCESS;
}

int mpi_keyval_lookup(struct mpi_rank_state *s, int kind, int keyval)
{
    int idx = keyval & MPI_KEYVAL_HANDLE_INDEX;

    if ((keyval & ~MPI_KEYVAL_HANDLE_INDEX) !=
        (MPI_KEYVAL_HANDLE_DIRECT | kind << MPI_KEYVAL_KIND_SHIFT))
        return -1;
    if (idx >= s->nkeyvals || s->keyvals[idx].refs == 0 || s->keyvals[idx].kind != kind)
        return -1;
    return idx;
}

int mpi_keyval_free(struct mpi_rank_state *s, int kind, int *keyval_p)
{
    int idx = mpi_keyval_lookup(s, kind, *keyval_p);

    if (idx < 0)
        return MPI_ERR_KEYVAL;
    if (!s->keyvals[idx].freed) { /* the handle's own reference goes once */
        s->keyvals[idx].freed = 1;
        keyval_unref(s, idx);
    }
    *keyval_p = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

void mpi_keyval_teardown(struct mpi_rank_state *s)
{
    free(s->keyvals);
    s->keyvals = NULL;
    s->nkeyvals = 0;
}

/* The link that points at kv's attribute (or the list's tail link). */
static struct mpi_attr **attr_link(struct mpi_attr **list, int kv)
{
    struct mpi_attr **pp = list;

    while (*pp && (*pp)->kv != kv)
        pp = &(*pp)->next;
    return pp;
}

struct mpi_attr *mpi_attr_find(struct mpi_attr *list, int kv)
{
    return *attr_link(&list, kv);
}

/* Runs the delete callback of *pp; unlinks it on success (or always when
 * `force`). Returns MPI_SUCCESS or the callback's code. */
static int attr_remove(struct mpi_rank_state *s, struct mpi_attr **pp, int obj, int force)
{
    struct mpi_attr *a = *pp;
    struct mpi_keyval *k = &s->keyvals[a->kv];
    int err = MPI_SUCCESS;

    if (k->del) {
        rmig_preempt_hold();
        err = k->del(obj, keyval_handle(k, a->kv), a->val, k->extra);
        rmig_preempt_release();
    }
    if (err && !force)
        return err;
    *pp = a->next;
    keyval_unref(s, a->kv);
    free(a);
    return err;
}

/* Appends (kv, val) at link *tail. MPI_SUCCESS or -ENOMEM. */
static int attr_append(struct mpi_rank_state *s, struct mpi_attr **tail, int kv, void *val)
{
    struct mpi_attr *a = malloc(sizeof(*a));

    if (!a)
        return -ENOMEM;
    a->kv = kv;
    a->val = val;
    a->next = NULL;
    *tail = a;
    s->keyvals[kv].refs++;
    return MPI_SUCCESS;
}

int mpi_attr_set(struct mpi_rank_state *s, struct mpi_attr **list, int obj, int kv, void *val)
{
    struct mpi_attr **pp = attr_link(list, kv);

    if (*pp) { /* replaced in place: it keeps its position in the set order */
        struct mpi_keyval *k = &s->keyvals[kv];
        if (k->del) {
            rmig_preempt_hold();
            int err = k->del(obj, keyval_handle(k, kv), (*pp)->val, k->extra);
            rmig_preempt_release();
            if (err)
                return err;
        }
        (*pp)->val = val;
        return MPI_SUCCESS;
    }
    return attr_append(s, pp, kv, val);
}

int mpi_attr_delete(struct mpi_rank_state *s, struct mpi_attr **list, int obj, int kv)
{
    struct mpi_attr **pp = attr_link(list, kv);

    /* A key that is not set is no error (MPICH agrees): nothing to delete. */
    return *pp ? attr_remove(s, pp, obj, 0) : MPI_SUCCESS;
}

int mpi_attr_copy_list(struct mpi_rank_state *s, struct mpi_attr *from, int old,
                       struct mpi_attr **to)
{
    struct mpi_attr *a;
    void *val;
    int flag, err = MPI_SUCCESS;

    for (a = from; a && !err; a = a->next) {
        struct mpi_keyval *k = &s->keyvals[a->kv];
        if (!k->copy)
            continue; /* MPI_*_NULL_COPY_FN */
        flag = 0;
        val = NULL;
        rmig_preempt_hold();
        err = k->copy(old, keyval_handle(k, a->kv), k->extra, a->val, &val, &flag);
        rmig_preempt_release();
        if (!err && flag)
            err = attr_append(s, attr_link(to, -1), a->kv, val);
    }
    return err;
}

int mpi_attr_delete_list(struct mpi_rank_state *s, struct mpi_attr **list, int obj)
{
    int first = MPI_SUCCESS;

    while (*list) { /* last set first: walk to the tail each time */
        struct mpi_attr **pp = list;
        while ((*pp)->next)
            pp = &(*pp)->next;
        int err = attr_remove(s, pp, obj, 1);
        if (err && !first)
            first = err;
    }
    return first;
}

void mpi_attr_drop_list(struct mpi_rank_state *s, struct mpi_attr **list)
{
    while (*list) {
        struct mpi_attr *a = *list;
        *list = a->next;
        if (a->kv < s->nkeyvals)
            keyval_unref(s, a->kv);
        free(a);
    }
}
