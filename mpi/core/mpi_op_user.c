/* mpi_op_user.c: MPI_Op_create, MPI_Op_free, MPI_Op_commutative.
 *
 * A user operation is the application's function pointer and its
 * commutativity, kept in a table of the root object (so it migrates with the
 * rank; the pointer stays valid in every cluster because migration requires
 * the same layout fingerprint, hence the same code addresses). Handles are
 * MPICH's form for created ops, MPI_OP_USER_HANDLE | index. A slot counts
 * its users (the handle and every collective schedule that will apply it):
 * MPI_Op_free drops the handle's share, so a pending nonblocking reduction
 * still finds its function; the slot is reused (fn = NULL) only at zero.
 */
#include <errno.h>
#include <stdlib.h>
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_state.h"
#include "rmig.h"

#pragma weak MPI_Op_create = PMPI_Op_create
#pragma weak MPI_Op_free = PMPI_Op_free
#pragma weak MPI_Op_commutative = PMPI_Op_commutative

#define OP_USER_INDEX 0x03ffffff
#define OP_USER_MAX   4096

struct mpi_op_user {
    MPI_User_function *fn; /* NULL when the slot is free */
    int commute;           /* non-zero for a commutative operation */
    int refs;              /* handle (until MPI_Op_free) + schedules */
    int freed;             /* MPI_Op_free was called: handle no longer valid */
};

int mpi_op_is_user(MPI_Op op)
{
    return ((unsigned)op & ~(unsigned)OP_USER_INDEX) == (unsigned)MPI_OP_USER_HANDLE;
}

/* The user operation behind op still in use (maybe freed by the
 * application but needed by a pending schedule), or NULL. */
static struct mpi_op_user *op_user_slot_of(MPI_Op op)
{
    struct mpi_rank_state *s = mpi_state();
    int idx = op & OP_USER_INDEX;

    if (!s || !mpi_op_is_user(op) || idx >= s->nuser_ops || !s->user_ops[idx].fn)
        return NULL;
    return &s->user_ops[idx];
}

/* The user operation behind the live handle op, or NULL. */
static struct mpi_op_user *op_user_get(MPI_Op op)
{
    struct mpi_op_user *u = op_user_slot_of(op);

    return u && !u->freed ? u : NULL;
}

/* Drops one user of u; the slot becomes free at zero. */
static void op_user_unref(struct mpi_op_user *u)
{
    if (--u->refs == 0)
        u->fn = NULL;
}

void mpi_op_user_ref(MPI_Op op, int delta)
{
    struct mpi_op_user *u = op_user_slot_of(op);

    if (!u)
        return;
    if (delta > 0)
        u->refs++;
    else
        op_user_unref(u);
}

int mpi_op_user_check(MPI_Op op)
{
    return op_user_get(op) ? MPI_SUCCESS : MPI_ERR_OP;
}

int mpi_op_user_commutative(MPI_Op op)
{
    struct mpi_op_user *u = op_user_get(op);

    return u && u->commute;
}

int mpi_op_user_apply(MPI_Op op, MPI_Datatype dt, const void *in, void *inout, size_t count)
{
    struct mpi_op_user *u = op_user_slot_of(op);
    int len = (int)count;

    if (!u)
        return MPI_ERR_OP;
    if (count > 0) {         /* MPI passes non-const buffers: the function may not write `in` */
        rmig_preempt_hold(); /* the collective is half-way: no move inside */
        u->fn((void *)in, inout, &len, &dt);
        rmig_preempt_release();
    }
    return MPI_SUCCESS;
}

void mpi_op_user_teardown(struct mpi_rank_state *s)
{
    free(s->user_ops);
    s->user_ops = NULL;
    s->nuser_ops = 0;
}

/* A free slot index (growing the table), or < 0. */
static int op_user_slot(struct mpi_rank_state *s)
{
    struct mpi_op_user *t;
    int i, n;

    for (i = 0; i < s->nuser_ops; i++)
        if (!s->user_ops[i].fn)
            return i;
    if (s->nuser_ops >= OP_USER_MAX)
        return MPI_IERR_TOO_MANY;
    n = s->nuser_ops ? s->nuser_ops * 2 : 8;
    t = realloc(s->user_ops, sizeof(*t) * (size_t)n);
    if (!t)
        return -ENOMEM;
    for (i = s->nuser_ops; i < n; i++)
        t[i].fn = NULL;
    s->user_ops = t;
    i = s->nuser_ops;
    s->nuser_ops = n;
    return i;
}

int PMPI_Op_create(MPI_User_function *user_fn, int commute, MPI_Op *op)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int idx = 0, err = mpi_enter(&s);

    if (!err && (!user_fn || !op))
        err = MPI_ERR_ARG;
    if (!err && (idx = op_user_slot(s)) < 0)
        err = idx;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Op_create");
    s->user_ops[idx].fn = user_fn;
    s->user_ops[idx].commute = commute != 0;
    s->user_ops[idx].refs = 1;
    s->user_ops[idx].freed = 0;
    *op = MPI_OP_USER_HANDLE | idx;
    return MPI_SUCCESS;
}

int PMPI_Op_free(MPI_Op *op)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_op_user *u = NULL;
    int err = mpi_enter(&s);

    if (!err && !op)
        err = MPI_ERR_ARG;
    if (!err && !(u = op_user_get(*op)))
        err = MPI_ERR_OP; /* predefined operations cannot be freed either */
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Op_free");
    u->freed = 1;
    op_user_unref(u);
    *op = MPI_OP_NULL;
    return MPI_SUCCESS;
}

int PMPI_Op_commutative(MPI_Op op, int *commute)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !commute)
        err = MPI_ERR_ARG;
    if (!err && !mpi_op_is_user(op) && !mpi_op_valid(op))
        err = MPI_ERR_OP;
    if (!err && mpi_op_is_user(op) && !op_user_get(op))
        err = MPI_ERR_OP;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Op_commutative");
    *commute = mpi_op_commutative(op);
    return MPI_SUCCESS;
}
