/* dtype_attr.c: datatype attributes and their keys (Type_create_keyval,
 * Type_free_keyval, Type_set_attr, Type_get_attr, Type_delete_attr), the
 * copies made by MPI_Type_dup and the deletions of MPI_Type_free.
 *
 * Keyvals and attribute lists are the ones every object kind shares
 * (mpi_attr.h); a datatype keyval is MPICH's 0xa4c00000 | index, so a
 * communicator keyval given here is MPI_ERR_KEYVAL. A type's attributes sit
 * in its extra record (dtype.h), which predefined types get per rank the
 * first time something is set on them: MPI allows attributes and names on
 * MPI_INT as on any type. Deletion callbacks run when the user's handle
 * goes (MPI_Type_free), even if requests or other types still hold the
 * object.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_attr.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_create_keyval = PMPI_Type_create_keyval
#pragma weak MPI_Type_free_keyval = PMPI_Type_free_keyval
#pragma weak MPI_Type_set_attr = PMPI_Type_set_attr
#pragma weak MPI_Type_get_attr = PMPI_Type_get_attr
#pragma weak MPI_Type_delete_attr = PMPI_Type_delete_attr

struct mpi_dtype_extra *mpi_dtype_extra(struct mpi_rank_state *s, MPI_Datatype dt, int create)
{
    struct mpi_dtype *t = mpi_dtype_object(s, dt);
    struct mpi_dtype_extra **pp = t ? &t->extra : &s->dtypes.builtin_extra;

    if (!t) /* predefined: find its record in the list */
        while (*pp && (*pp)->handle != dt)
            pp = &(*pp)->next;
    if (*pp || !create)
        return *pp;
    *pp = calloc(1, sizeof(**pp));
    if (*pp)
        (*pp)->handle = dt;
    return *pp;
}

void mpi_dtype_extra_free(struct mpi_rank_state *s, struct mpi_dtype_extra *x)
{
    if (!x)
        return;
    mpi_attr_drop_list(s, &x->attrs);
    free(x);
}

void mpi_dtype_extra_teardown(struct mpi_rank_state *s)
{
    while (s->dtypes.builtin_extra) {
        struct mpi_dtype_extra *x = s->dtypes.builtin_extra;
        s->dtypes.builtin_extra = x->next;
        mpi_dtype_extra_free(s, x);
    }
}

int mpi_dtype_attr_release(struct mpi_rank_state *s, struct mpi_dtype *t)
{
    return t->extra ? mpi_attr_delete_list(s, &t->extra->attrs, t->handle) : MPI_SUCCESS;
}

int mpi_dtype_attr_dup(struct mpi_rank_state *s, MPI_Datatype old, struct mpi_dtype *new)
{
    struct mpi_dtype_extra *from = mpi_dtype_extra(s, old, 0), *to;
    int err;

    if (!from || !from->attrs)
        return MPI_SUCCESS;
    if (!(to = mpi_dtype_extra(s, new->handle, 1)))
        return -ENOMEM;
    err = mpi_attr_copy_list(s, from->attrs, old, &to->attrs);
    if (err) /* the duplicate is not made: what was copied goes again */
        mpi_attr_delete_list(s, &to->attrs, new->handle);
    return err;
}

int PMPI_Type_create_keyval(MPI_Type_copy_attr_function *type_copy_attr_fn,
                            MPI_Type_delete_attr_function *type_delete_attr_fn, int *type_keyval,
                            void *extra_state)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !type_keyval)
        err = MPI_ERR_ARG;
    /* MPI_Datatype and int are the same type in MPICH's ABI (mpi_attr.h) */
    if (!err)
        err =
            mpi_keyval_create(s, MPI_ATTR_TYPE, (mpi_attr_copy_fn *)type_copy_attr_fn,
                              (mpi_attr_delete_fn *)type_delete_attr_fn, extra_state, type_keyval);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_keyval");
}

int PMPI_Type_free_keyval(int *type_keyval)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !type_keyval)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_keyval_free(s, MPI_ATTR_TYPE, type_keyval);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_free_keyval");
}

/* Enters MPI and resolves a live type and a datatype keyval (index). */
static int attr_enter(struct mpi_rank_state **s_p, MPI_Datatype dt, int keyval, int *kv_p)
{
    struct mpi_dtype tmp;
    int err = mpi_enter(s_p);

    if (!err && !mpi_dtype_resolve(*s_p, dt, &tmp))
        err = MPI_ERR_TYPE;
    if (!err && (*kv_p = mpi_keyval_lookup(*s_p, MPI_ATTR_TYPE, keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    return err;
}

int PMPI_Type_set_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype_extra *x;
    int kv = -1, err = attr_enter(&s, datatype, type_keyval, &kv);

    if (!err && !(x = mpi_dtype_extra(s, datatype, 1)))
        err = -ENOMEM;
    if (!err)
        err = mpi_attr_set(s, &x->attrs, datatype, kv, attribute_val);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_set_attr");
}

int PMPI_Type_get_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype_extra *x;
    struct mpi_attr *a = NULL;
    int kv = -1, err = attr_enter(&s, datatype, type_keyval, &kv);

    if (!err && (!attribute_val || !flag))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_attr");
    x = mpi_dtype_extra(s, datatype, 0);
    if (x)
        a = mpi_attr_find(x->attrs, kv);
    *flag = a != NULL;
    if (a)
        *(void **)attribute_val = a->val;
    return MPI_SUCCESS;
}

int PMPI_Type_delete_attr(MPI_Datatype datatype, int type_keyval)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype_extra *x;
    int kv = -1, err = attr_enter(&s, datatype, type_keyval, &kv);

    if (!err && (x = mpi_dtype_extra(s, datatype, 0)))
        err = mpi_attr_delete(s, &x->attrs, datatype, kv);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_delete_attr");
}
