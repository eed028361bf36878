/* coll_sched.c: the engine that runs collective schedules (see coll_sched.h).
 *
 * mpi_sched_progress() looks at the round in flight; when all its sends and
 * receives are done it records their errors, frees them and starts the next
 * round, until no step is left. An error does not stop the schedule: the
 * remaining steps still run so the other ranks are not left waiting, and
 * the first error is reported at completion.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "coll_sched.h"
#include "comm.h"
#include "dtype.h"
#include "dtype_xfer.h"
#include "mpi_op.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "cv.h"

/* 0 for an invalid type: the checks only let one through with count 0. */
size_t sched_extent(MPI_Datatype dt)
{
    const struct mpi_type_info *t = mpi_type_get(dt);
    struct mpi_dtype tmp;
    const struct mpi_dtype *d;

    if (t)
        return t->extent;
    d = mpi_dtype_held(mpi_state(), dt, &tmp);
    return d ? (size_t)(d->ub - d->lb) : 0;
}

/* Memory span; the wire length is count * size (step_start). */
size_t sched_bytes(int count, MPI_Datatype dt)
{
    return (size_t)count * sched_extent(dt);
}

int sched_commutative(MPI_Op op)
{
    return mpi_op_is_user(op) ? mpi_op_user_commutative(op) : mpi_op_commutative(op);
}

struct mpi_sched *mpi_sched_new(struct mpi_comm *c)
{
    struct mpi_sched *sc = calloc(1, sizeof(*sc));

    if (!sc)
        return NULL;
    sc->c = c;
    c->refs++;
    sc->tag = MPI_COLL_TAG_SCHED + (int)(c->sched_seq++ & 0x3fffffff);
    return sc;
}

/* Appends a step to the current round; returns it or NULL (sc->err set). */
static struct sched_step *sched_add(struct mpi_sched *sc, int kind)
{
    struct sched_step *st;

    if (sc->nsteps == sc->cap) {
        int cap = sc->cap ? sc->cap * 2 : 16;
        st = realloc(sc->steps, sizeof(*st) * (size_t)cap);
        if (!st) {
            sc->err = -ENOMEM;
            return NULL;
        }
        sc->steps = st;
        sc->cap = cap;
    }
    st = &sc->steps[sc->nsteps++];
    memset(st, 0, sizeof(*st));
    st->kind = (uint8_t)kind;
    st->round = sc->round;
    return st;
}

static void sched_comm(struct mpi_sched *sc, int kind, const void *src, void *dst, int count,
                       MPI_Datatype dt, int peer)
{
    struct sched_step *st;

    if (peer == MPI_PROC_NULL || !(st = sched_add(sc, kind)))
        return;
    st->src = src;
    st->dst = dst;
    st->count = count;
    st->dt = dt;
    st->peer = sc->local ? peer | MPI_COMM_LOCAL_PEER : peer;
    mpi_dtype_ref(mpi_state(), dt); /* the user may free a derived type meanwhile */
}

void sched_send(struct mpi_sched *sc, const void *buf, int count, MPI_Datatype dt, int peer)
{
    sched_comm(sc, SCHED_SEND, buf, NULL, count, dt, peer);
}

void sched_recv(struct mpi_sched *sc, void *buf, int count, MPI_Datatype dt, int peer)
{
    sched_comm(sc, SCHED_RECV, NULL, buf, count, dt, peer);
}

void sched_reduce(struct mpi_sched *sc, const void *in, void *inout, int count, MPI_Datatype dt,
                  MPI_Op op)
{
    struct sched_step *st = count > 0 ? sched_add(sc, SCHED_REDUCE) : NULL;

    if (!st)
        return;
    st->src = in;
    st->dst = inout;
    st->count = count;
    st->dt = dt;
    mpi_dtype_ref(mpi_state(), dt);
    st->op = op;
    if (mpi_op_is_user(op)) /* the application may free op before we apply it */
        mpi_op_user_ref(op, 1);
}

void sched_copy(struct mpi_sched *sc, const void *src, void *dst, int count, MPI_Datatype dt)
{
    sched_copy_as(sc, src, count, dt, dst, count, dt);
}

void sched_copy_as(struct mpi_sched *sc, const void *src, int scount, MPI_Datatype sdt, void *dst,
                   int rcount, MPI_Datatype rdt)
{
    struct sched_step *st =
        scount > 0 && (src != dst || sdt != rdt) ? sched_add(sc, SCHED_COPY) : NULL;

    if (!st)
        return;
    st->src = src;
    st->dst = dst;
    st->count = scount;
    st->dt = sdt;
    st->rcount = rcount;
    st->rdt = rdt;
    mpi_dtype_ref(mpi_state(), sdt);
    mpi_dtype_ref(mpi_state(), rdt);
}

void sched_round(struct mpi_sched *sc)
{
    if (sc->nsteps > 0 && sc->steps[sc->nsteps - 1].round == sc->round)
        sc->round++;
}

void *sched_tmp(struct mpi_sched *sc, size_t bytes)
{
    void **tmps = realloc(sc->tmps, sizeof(*tmps) * (size_t)(sc->ntmps + 1));
    void *p = tmps ? malloc(bytes ? bytes : 1) : NULL;

    if (tmps)
        sc->tmps = tmps;
    if (!p) {
        sc->err = -ENOMEM;
        return NULL;
    }
    sc->tmps[sc->ntmps++] = p;
    return p;
}

/* Posts a send or receive of st: contiguous data in place, derived types
 * through st->pack (dtype_xfer.h). Returns 0 or < 0. */
static int step_post(struct mpi_sched *sc, struct sched_step *st)
{
    struct mpi_rank_state *s = mpi_state();
    struct mpi_comm *c = sc->c;
    const void *sdata;
    void *rdata;
    size_t len;
    int err;

    if (st->kind == SCHED_SEND) {
        err = mpi_dtype_view(s, st->src, st->count, st->dt, &sdata, &len, &st->pack);
        if (!err)
            err = cv_isend(sdata, len, mpi_comm_to_world(c, st->peer), sc->tag, c->coll_ctx,
                           CV_SEND_STANDARD, &st->cv);
    } else {
        err = mpi_dtype_recv_begin(s, st->dst, st->count, st->dt, &rdata, &len, &st->pack);
        if (!err)
            err =
                cv_irecv(rdata, len, mpi_comm_to_world(c, st->peer), sc->tag, c->coll_ctx, &st->cv);
    }
    if (err < 0) {
        free(st->pack);
        st->pack = NULL;
    }
    return err;
}

/* Runs a local step or posts a send/receive. */
static void step_start(struct mpi_sched *sc, struct sched_step *st)
{
    size_t len = sched_bytes(st->count, st->dt);
    int err = 0;

    switch (st->kind) {
    case SCHED_SEND:
    case SCHED_RECV:
        err = step_post(sc, st);
        break;
    case SCHED_REDUCE:
        err = mpi_op_is_user(st->op)
                  ? mpi_op_user_apply(st->op, st->dt, st->src, st->dst, (size_t)st->count)
                  : mpi_op_apply(st->op, st->dt, st->src, st->dst, (size_t)st->count);
        break;
    case SCHED_COPY:
        if (st->dt == st->rdt && mpi_type_get(st->dt))
            memcpy(st->dst, st->src, len);
        else if (st->dt == st->rdt)
            err = mpi_dtype_copy(mpi_state(), st->src, st->dst, st->count, st->dt);
        else
            err = mpi_dtype_copy_as(mpi_state(), st->src, st->count, st->dt, st->dst, st->rcount,
                                    st->rdt);
        break;
    }
    if (err < 0)
        st->cv = NULL;
    if (err && !sc->err)
        sc->err = err;
}

/* Non-zero when every send/receive of the round in flight is done; frees
 * them then and records their errors. */
static int round_done(struct mpi_sched *sc)
{
    struct cv_status cst;
    int i, done;

    for (i = sc->started; i < sc->next; i++)
        if (sc->steps[i].cv && !cv_request_done(sc->steps[i].cv))
            return 0;
    for (i = sc->started; i < sc->next; i++) {
        struct sched_step *st = &sc->steps[i];
        if (!st->cv)
            continue;
        memset(&cst, 0, sizeof(cst));
        done = 0;
        int err = cv_test(st->cv, &done, &cst);
        if (!err)
            err = cst.error;
        if (err && !sc->err)
            sc->err = err;
        if (st->kind == SCHED_RECV && st->pack) /* a derived type: unpack what came */
            mpi_dtype_recv_end(mpi_state(), st->dst, st->count, st->dt, st->pack,
                               (MPI_Count)cst.count);
        else
            free(st->pack);
        st->pack = NULL;
        cv_request_free(st->cv);
        st->cv = NULL;
    }
    return 1;
}

int mpi_sched_progress(struct mpi_sched *sc)
{
    while (!sc->done) {
        if (!round_done(sc))
            return 0;
        if (sc->next == sc->nsteps) {
            sc->done = 1;
            break;
        }
        sc->started = sc->next;
        int round = sc->steps[sc->next].round;
        while (sc->next < sc->nsteps && sc->steps[sc->next].round == round)
            step_start(sc, &sc->steps[sc->next++]);
    }
    return 1;
}

void mpi_sched_progress_all(struct mpi_rank_state *s)
{
    struct mpi_sched *sc;

    for (sc = s ? s->scheds : NULL; sc; sc = sc->next_active)
        mpi_sched_progress(sc);
}

/* Frees sc (not chained); returns its error. */
static int sched_free(struct mpi_sched *sc)
{
    int i, err = sc->err;

    for (i = 0; i < sc->nsteps; i++) {
        if (sc->steps[i].kind == SCHED_REDUCE && mpi_op_is_user(sc->steps[i].op))
            mpi_op_user_ref(sc->steps[i].op, -1);
        free(sc->steps[i].pack);
        mpi_dtype_unref(mpi_state(), sc->steps[i].dt);
        if (sc->steps[i].kind == SCHED_COPY)
            mpi_dtype_unref(mpi_state(), sc->steps[i].rdt);
    }
    for (i = 0; i < sc->ntmps; i++)
        free(sc->tmps[i]);
    free(sc->tmps);
    free(sc->steps);
    mpi_comm_unref(sc->c); /* the last reference after MPI_Comm_free releases it */
    free(sc);
    return err;
}

int mpi_sched_run(struct mpi_sched *sc)
{
    struct mpi_rank_state *s = mpi_state();
    unsigned spins = 0;

    if (sc->err) { /* failed while being built: nothing was sent */
        return sched_free(sc);
    }
    while (!mpi_sched_progress(sc)) {
        mpi_sched_progress_all(s);
        mpi_progress_idle(&spins);
    }
    return sched_free(sc);
}

int mpi_sched_start(struct mpi_rank_state *s, struct mpi_sched *sc, MPI_Request *h_p)
{
    int err = sc->err;

    if (!err)
        err = mpi_req_alloc(&s->reqs, MPI_REQ_COLL, sc->c, NULL, h_p);
    if (err)
        return sched_free(sc), err;
    mpi_req_get(&s->reqs, *h_p)->sched = sc;
    sc->next_active = s->scheds;
    s->scheds = sc;
    mpi_sched_progress(sc);
    return MPI_SUCCESS;
}

/* Takes sc off the chain of active schedules of s. */
static void sched_unchain(struct mpi_rank_state *s, struct mpi_sched *sc)
{
    struct mpi_sched **pp;

    for (pp = &s->scheds; *pp; pp = &(*pp)->next_active)
        if (*pp == sc) {
            *pp = sc->next_active;
            break;
        }
    sc->next_active = NULL;
}

int mpi_sched_finish(struct mpi_rank_state *s, struct mpi_sched *sc)
{
    sched_unchain(s, sc);
    return sched_free(sc);
}

/* Persistent collectives (MPI-4 _init calls): the schedule is built once,
 * at init, and replayed from its first round by every MPI_Start. Its tag
 * was taken at init, a collective call made in the same order everywhere,
 * so every start of one persistent request uses the same tag on all ranks:
 * a start cannot meet another operation's messages, and the messages of
 * consecutive starts between two ranks stay in order (same count per
 * start, non-overtaking). Scratch buffers are reused; every step that reads
 * one was preceded by the step that fills it, in each start. */
int mpi_sched_keep(struct mpi_rank_state *s, struct mpi_sched *sc, MPI_Request *h_p)
{
    int err = sc->err;

    if (!err)
        err = mpi_persist_coll(s, sc->c, sc, h_p);
    if (err)
        sched_free(sc);
    return err;
}

void mpi_sched_restart(struct mpi_rank_state *s, struct mpi_sched *sc)
{
    sc->next = 0;
    sc->started = 0;
    sc->done = 0;
    sc->err = 0;
    sc->next_active = s->scheds;
    s->scheds = sc;
    mpi_sched_progress(sc);
}

int mpi_sched_stop(struct mpi_rank_state *s, struct mpi_sched *sc)
{
    sched_unchain(s, sc);
    return sc->err;
}

void mpi_sched_discard(struct mpi_sched *sc)
{
    sched_free(sc);
}

int coll_launch(struct mpi_rank_state *s, struct mpi_sched *sc, int persistent, MPI_Request *h_p)
{
    return persistent ? mpi_sched_keep(s, sc, h_p) : mpi_sched_start(s, sc, h_p);
}

int coll_run(struct mpi_sched *sc)
{
    return sc ? mpi_sched_run(sc) : -ENOMEM;
}
