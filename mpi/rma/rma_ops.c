/* rma_ops.c: the RMA operations (Put, Get, Accumulate, Get_accumulate,
 * Fetch_and_op, Compare_and_swap, and their request-based forms).
 *
 * Each call is checked once here (window, counts, datatypes, target rank,
 * displacement, the access epoch, the target range from what the members
 * exchanged at creation, and for accumulates one predefined element type
 * and a predefined operation), then becomes one request to the target
 * (rma_issue.c). Origin data are packed into the request, so the origin
 * buffer is free again when the call returns; results come back as
 * replies. MPI_PROC_NULL as target does nothing. Get_accumulate with
 * MPI_NO_OP is a Get.
 */
#include <stdint.h>
#include <string.h>
#include "comm.h"
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_state.h"
#include "rma.h"
#include "rma_wire.h"

#pragma weak MPI_Put = PMPI_Put
#pragma weak MPI_Get = PMPI_Get
#pragma weak MPI_Accumulate = PMPI_Accumulate
#pragma weak MPI_Get_accumulate = PMPI_Get_accumulate
#pragma weak MPI_Fetch_and_op = PMPI_Fetch_and_op
#pragma weak MPI_Compare_and_swap = PMPI_Compare_and_swap
#pragma weak MPI_Rput = PMPI_Rput
#pragma weak MPI_Rget = PMPI_Rget
#pragma weak MPI_Raccumulate = PMPI_Raccumulate
#pragma weak MPI_Rget_accumulate = PMPI_Rget_accumulate

/* One side of an operation: count items of a datatype at buf. */
struct rma_side {
    const void *buf;
    int count;
    MPI_Datatype dt;
    const struct mpi_dtype *t;
    struct mpi_dtype tmp; /* description of a predefined type */
};

/* A checked operation. */
struct rma_op {
    struct mpi_rank_state *s;
    struct mpi_win *w;
    int target; /* window rank, or MPI_PROC_NULL */
    MPI_Aint disp;
    struct rma_side o, r, t; /* origin, result, target */
    MPI_Datatype basic;      /* element type of accumulates */
    MPI_Op op;
};

/* Checks one side: count and a committed datatype. */
static int side_check(struct rma_op *x, struct rma_side *d)
{
    if (d->count < 0)
        return MPI_ERR_COUNT;
    return mpi_dtype_check_comm(x->s, d->dt, &d->tmp, &d->t);
}

/* MPI_SUCCESS when w has an access epoch to window rank t. Request-based
 * operations are accepted in any epoch, as MPICH does (MPI names only
 * passive target for them; nothing here depends on it). */
static int op_epoch(const struct mpi_win *w, int t)
{
    int i;

    if (w->lock_all || w->locked[t])
        return MPI_SUCCESS;
    if (w->fence)
        return MPI_SUCCESS;
    for (i = 0; i < w->naccess; i++)
        if (w->access[i] == t)
            return MPI_SUCCESS;
    return MPI_ERR_RMA_SYNC;
}

/* MPI_ERR_RMA_RANGE unless the target side lies in the target's window
 * (dynamic windows are checked by the target, against what is attached). */
static int op_range(const struct rma_op *x)
{
    const struct mpi_win_target *g = &x->w->targets[x->target];
    MPI_Aint ext = x->t.t->ub - x->t.t->lb, at = x->disp * g->disp_unit, last;

    if (x->w->flavor == MPI_WIN_FLAVOR_DYNAMIC || x->t.count == 0 || x->t.t->size == 0)
        return MPI_SUCCESS;
    last = (MPI_Aint)(x->t.count - 1) * ext;
    if (at + x->t.t->true_lb + (last < 0 ? last : 0) < 0 ||
        at + x->t.t->true_ub + (last > 0 ? last : 0) > g->size)
        return MPI_ERR_RMA_RANGE;
    return MPI_SUCCESS;
}

/* Checks x (win, target, disp and the sides filled by the caller; osides
 * says which of origin/result take part). */
static int op_check(struct rma_op *x, MPI_Win win, int use_o, int use_r)
{
    int err = mpi_enter(&x->s);

    if (!err)
        err = mpi_win_check(x->s, win, &x->w);
    if (!err && use_o)
        err = side_check(x, &x->o);
    if (!err && use_r)
        err = side_check(x, &x->r);
    if (!err)
        err = side_check(x, &x->t);
    if (!err && x->target != MPI_PROC_NULL && (x->target < 0 || x->target >= x->w->comm->size))
        err = MPI_ERR_RANK;
    if (err || x->target == MPI_PROC_NULL)
        return err;
    if (x->disp < 0)
        return MPI_ERR_DISP;
    if (use_o && (MPI_Aint)x->o.count * x->o.t->size != (MPI_Aint)x->t.count * x->t.t->size)
        return MPI_ERR_TYPE; /* origin and target signatures differ */
    if (use_r && (MPI_Aint)x->r.count * x->r.t->size != (MPI_Aint)x->t.count * x->t.t->size)
        return MPI_ERR_TYPE;
    err = op_epoch(x->w, x->target);
    return err ? err : op_range(x);
}

/* Accumulate checks: one predefined element type on every side, and a
 * predefined operation (or MPI_REPLACE, MPI_NO_OP). */
static int op_check_acc(struct rma_op *x, int use_o, int use_r)
{
    if (mpi_op_is_user(x->op) || !mpi_op_valid(x->op))
        return MPI_ERR_OP;
    if (x->t.count == 0 || x->t.t->size == 0)
        return MPI_SUCCESS; /* no element: nothing to match */
    x->basic = mpi_dtype_reduce_basic(x->s, x->t.dt);
    if (x->basic == MPI_DATATYPE_NULL ||
        (use_o && mpi_dtype_reduce_basic(x->s, x->o.dt) != x->basic) ||
        (use_r && mpi_dtype_reduce_basic(x->s, x->r.dt) != x->basic))
        return MPI_ERR_TYPE;
    if (x->op == MPI_REPLACE || x->op == MPI_NO_OP)
        return MPI_SUCCESS;
    return mpi_op_check_reduce(x->op, x->basic);
}

/* The request of x: kind, target address and type, origin data. */
static struct mpi_rma_msg op_msg(const struct rma_op *x, int kind, int with_data)
{
    const struct mpi_win_target *g = &x->w->targets[x->target];

    return (struct mpi_rma_msg){.kind = kind,
                                .target = x->target,
                                .addr = g->base + (uint64_t)(x->disp * g->disp_unit),
                                .tcount = x->t.count,
                                .tt = x->t.t,
                                .basic = x->basic,
                                .op = x->op,
                                .datalen = with_data ? (size_t)(x->o.count * x->o.t->size) : 0,
                                .ot = with_data ? x->o.t : NULL,
                                .obuf = x->o.buf,
                                .ocount = x->o.count};
}

/* Sends x as kind; with a reply into side rs when rs is not NULL. */
static int op_issue(struct rma_op *x, int kind, int with_data, struct rma_side *rs,
                    struct mpi_rma_pend **p_p)
{
    struct mpi_rma_msg m = op_msg(x, kind, with_data);
    struct mpi_rma_reply r;

    if (x->target == MPI_PROC_NULL || x->t.count == 0 || x->t.t->size == 0)
        return MPI_SUCCESS; /* nothing moves */
    if (!rs)
        return mpi_rma_issue(x->s, x->w, &m, NULL, p_p);
    r = (struct mpi_rma_reply){.rbuf = (void *)rs->buf,
                               .rdt = rs->dt,
                               .rt = rs->t,
                               .rcount = rs->count,
                               .rbytes = (size_t)(rs->count * rs->t->size)};
    return mpi_rma_issue(x->s, x->w, &m, &r, p_p);
}

/* Finishes a request-based call: the request completes with *p (NULL: at
 * once). */
static int op_request(struct rma_op *x, struct mpi_rma_pend *p, MPI_Request *request)
{
    return mpi_rma_req_new(x->s, x->w, p, request);
}

#define RMA_SIDE(b, c, d) ((struct rma_side){.buf = (b), .count = (c), .dt = (d)})

static int rma_put(struct rma_op *x, MPI_Win win, MPI_Request *request)
{
    struct mpi_rma_pend *p = NULL;
    int err = op_check(x, win, 1, 0);

    if (!err)
        err = op_issue(x, MPI_RMA_PUT, 1, NULL, NULL);
    if (!err && request)
        err = op_request(x, p, request);
    return err;
}

int PMPI_Put(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
             int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype,
             MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .o = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    return mpi_win_error(win, rma_put(&x, win, NULL), "MPI_Put");
}

int PMPI_Rput(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
              int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype,
              MPI_Win win, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .o = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    if (!request)
        return mpi_win_error(win, MPI_ERR_ARG, "MPI_Rput");
    return mpi_win_error(win, rma_put(&x, win, request), "MPI_Rput");
}

static int rma_get(struct rma_op *x, MPI_Win win, MPI_Request *request)
{
    struct mpi_rma_pend *p = NULL;
    int err = op_check(x, win, 0, 1);

    if (!err)
        err = op_issue(x, MPI_RMA_GET, 0, &x->r, request ? &p : NULL);
    if (!err && request)
        err = op_request(x, p, request);
    return err;
}

int PMPI_Get(void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank,
             MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .r = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    return mpi_win_error(win, rma_get(&x, win, NULL), "MPI_Get");
}

int PMPI_Rget(void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank,
              MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win,
              MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .r = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    if (!request)
        return mpi_win_error(win, MPI_ERR_ARG, "MPI_Rget");
    return mpi_win_error(win, rma_get(&x, win, request), "MPI_Rget");
}

static int rma_acc(struct rma_op *x, MPI_Win win, MPI_Request *request)
{
    int err = op_check(x, win, 1, 0);

    if (!err && x->target != MPI_PROC_NULL)
        err = op_check_acc(x, 1, 0);
    if (!err && x->op != MPI_NO_OP)
        err = op_issue(x, MPI_RMA_ACC, 1, NULL, NULL);
    if (!err && request)
        err = op_request(x, NULL, request);
    return err;
}

int PMPI_Accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                    int target_rank, MPI_Aint target_disp, int target_count,
                    MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .op = op,
                       .o = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    return mpi_win_error(win, rma_acc(&x, win, NULL), "MPI_Accumulate");
}

int PMPI_Raccumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                     int target_rank, MPI_Aint target_disp, int target_count,
                     MPI_Datatype target_datatype, MPI_Op op, MPI_Win win, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .op = op,
                       .o = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    if (!request)
        return mpi_win_error(win, MPI_ERR_ARG, "MPI_Raccumulate");
    return mpi_win_error(win, rma_acc(&x, win, request), "MPI_Raccumulate");
}

/* Get_accumulate and its forms; with MPI_NO_OP the origin side is ignored
 * and the call is a Get. */
static int rma_get_acc(struct rma_op *x, MPI_Win win, MPI_Request *request)
{
    struct mpi_rma_pend *p = NULL;
    int use_o = x->op != MPI_NO_OP, err = op_check(x, win, use_o, 1);

    if (!err && x->target != MPI_PROC_NULL)
        err = op_check_acc(x, use_o, 1);
    if (!err)
        err = op_issue(x, use_o ? MPI_RMA_GET_ACC : MPI_RMA_GET, use_o, &x->r, request ? &p : NULL);
    if (!err && request)
        err = op_request(x, p, request);
    return err;
}

int PMPI_Get_accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                        void *result_addr, int result_count, MPI_Datatype result_datatype,
                        int target_rank, MPI_Aint target_disp, int target_count,
                        MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .op = op,
                       .o = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .r = RMA_SIDE(result_addr, result_count, result_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    return mpi_win_error(win, rma_get_acc(&x, win, NULL), "MPI_Get_accumulate");
}

int PMPI_Rget_accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                         void *result_addr, int result_count, MPI_Datatype result_datatype,
                         int target_rank, MPI_Aint target_disp, int target_count,
                         MPI_Datatype target_datatype, MPI_Op op, MPI_Win win, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .op = op,
                       .o = RMA_SIDE(origin_addr, origin_count, origin_datatype),
                       .r = RMA_SIDE(result_addr, result_count, result_datatype),
                       .t = RMA_SIDE(NULL, target_count, target_datatype)};

    if (!request)
        return mpi_win_error(win, MPI_ERR_ARG, "MPI_Rget_accumulate");
    return mpi_win_error(win, rma_get_acc(&x, win, request), "MPI_Rget_accumulate");
}

int PMPI_Fetch_and_op(const void *origin_addr, void *result_addr, MPI_Datatype datatype,
                      int target_rank, MPI_Aint target_disp, MPI_Op op, MPI_Win win)
{
    MPI_THREAD_GUARD();
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .op = op,
                       .o = RMA_SIDE(origin_addr, 1, datatype),
                       .r = RMA_SIDE(result_addr, 1, datatype),
                       .t = RMA_SIDE(NULL, 1, datatype)};
    int err = mpi_enter(&x.s);

    if (!err && !mpi_type_get(datatype))
        err = MPI_ERR_TYPE; /* one predefined element */
    if (!err)
        err = rma_get_acc(&x, win, NULL);
    return mpi_win_error(win, err, "MPI_Fetch_and_op");
}

int PMPI_Compare_and_swap(const void *origin_addr, const void *compare_addr, void *result_addr,
                          MPI_Datatype datatype, int target_rank, MPI_Aint target_disp, MPI_Win win)
{
    MPI_THREAD_GUARD();
    const struct mpi_type_info *ti = mpi_type_get(datatype);
    struct rma_op x = {.target = target_rank,
                       .disp = target_disp,
                       .r = RMA_SIDE(result_addr, 1, datatype),
                       .t = RMA_SIDE(NULL, 1, datatype)};
    struct mpi_rma_msg m;
    unsigned char data[2 * 32];
    int err = !ti || ti->size > 32 || ti->elements != 1 ? MPI_ERR_TYPE : MPI_SUCCESS;

    if (!err)
        err = op_check(&x, win, 0, 1);
    if (!err && x.target != MPI_PROC_NULL) {
        m = op_msg(&x, MPI_RMA_CAS, 0);
        memcpy(data, origin_addr, ti->size);
        memcpy(data + ti->size, compare_addr, ti->size);
        m.data = data;
        m.datalen = 2 * (size_t)ti->size;
        err = mpi_rma_issue(
            x.s, x.w, &m,
            &(struct mpi_rma_reply){
                .rbuf = result_addr, .rdt = datatype, .rt = x.r.t, .rcount = 1, .rbytes = ti->size},
            NULL);
    }
    return mpi_win_error(win, err, "MPI_Compare_and_swap");
}
