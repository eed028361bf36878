/* comm_attr.c: communicator attributes and their keys (Comm_create_keyval,
 * Comm_free_keyval, Comm_set_attr, Comm_get_attr, Comm_delete_attr) and the
 * callbacks run by Comm_dup and Comm_free.
 *
 * The keyvals and attribute lists are those of every object kind
 * (mpi_attr.c): communicator keyvals are handles 0xa4400000 | index. Each
 * communicator keeps its attributes in a list, in the order they were set;
 * MPI_Comm_dup runs the copy callbacks in that order, MPI_Comm_free and
 * MPI_Finalize (for MPI_COMM_SELF) delete them last set first. A failing
 * delete callback fails the call that deleted and the attribute stays.
 *
 * The predefined attributes (MPI_TAG_UB...) can be read, not set nor
 * deleted (MPI_ERR_KEYVAL). They are answered from ints in the
 * root object: MPICH's ABI hands back a pointer to the value, so the value
 * must live as long as MPI does, and it lives in the container so the
 * pointer stays valid wherever the rank migrates.
 */
#include "comm.h"
#include "comm_attr.h"
#include "mpi_check.h"
#include "mpi_errcode.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Comm_create_keyval = PMPI_Comm_create_keyval
#pragma weak MPI_Comm_free_keyval = PMPI_Comm_free_keyval
#pragma weak MPI_Comm_set_attr = PMPI_Comm_set_attr
#pragma weak MPI_Comm_get_attr = PMPI_Comm_get_attr
#pragma weak MPI_Comm_delete_attr = PMPI_Comm_delete_attr

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

int mpi_attr_delete_all(struct mpi_rank_state *s, struct mpi_comm *c)
{
    return mpi_attr_delete_list(s, &c->attrs, c->handle);
}

int mpi_attr_copy_all(struct mpi_rank_state *s, struct mpi_comm *old, struct mpi_comm *new)
{
    return mpi_attr_copy_list(s, old->attrs, old->handle, &new->attrs);
}

int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function *comm_copy_attr_fn,
                            MPI_Comm_delete_attr_function *comm_delete_attr_fn, int *comm_keyval,
                            void *extra_state)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !comm_keyval)
        err = MPI_ERR_ARG;
    /* MPI_Comm and int are the same type in MPICH's ABI (mpi_attr.h) */
    if (!err)
        err =
            mpi_keyval_create(s, MPI_ATTR_COMM, (mpi_attr_copy_fn *)comm_copy_attr_fn,
                              (mpi_attr_delete_fn *)comm_delete_attr_fn, extra_state, comm_keyval);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Comm_create_keyval");
}

int PMPI_Comm_free_keyval(int *comm_keyval)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !comm_keyval)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_keyval_free(s, MPI_ATTR_COMM, comm_keyval);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Comm_free_keyval");
}

/* Enters MPI and resolves comm and a user keyval (index in *kv_p); the
 * predefined keyvals cannot be set or deleted (MPI_ERR_KEYVAL). */
static int attr_enter(struct mpi_rank_state **s_p, MPI_Comm comm, int keyval, struct mpi_comm **c_p,
                      int *kv_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_check_comm(*s_p, comm, c_p);
    if (!err && (*kv_p = mpi_keyval_lookup(*s_p, MPI_ATTR_COMM, keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    return err;
}

/* Setting a key that is already set deletes the old value first (its
 * delete callback runs, and its failure fails the call), as MPI requires. */
int PMPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int kv = -1, err = attr_enter(&s, comm, comm_keyval, &c, &kv);

    if (!err)
        err = mpi_attr_set(s, &c->attrs, c->handle, kv, attribute_val);
    return mpi_error(comm, err, "MPI_Comm_set_attr");
}

int PMPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int kv = -1, err = attr_enter(&s, comm, comm_keyval, &c, &kv);

    if (!err)
        err = mpi_attr_delete(s, &c->attrs, c->handle, kv);
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
    case MPI_LASTUSEDCODE: { /* the last code MPI_Add_error_code/class gave */
        int last = mpi_errcode_last(s);

        s->attr_lastusedcode = last > MPICH_ERR_LAST_MPIX ? last : MPI_ERR_LASTCODE;
        return &s->attr_lastusedcode;
    }
    default:
        return NULL;
    }
}

int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_attr *a;
    int *pre = NULL, kv = -1, err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && (!attribute_val || !flag))
        err = MPI_ERR_ARG;
    if (!err && !(pre = predefined_attr(s, comm_keyval)) &&
        (kv = mpi_keyval_lookup(s, MPI_ATTR_COMM, comm_keyval)) < 0)
        err = MPI_ERR_KEYVAL;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_get_attr");
    if (pre) {
        *(int **)attribute_val = pre;
        *flag = 1;
        return MPI_SUCCESS;
    }
    a = mpi_attr_find(c->attrs, kv);
    *flag = a != NULL;
    if (a)
        *(void **)attribute_val = a->val;
    return MPI_SUCCESS;
}
