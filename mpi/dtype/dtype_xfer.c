/* dtype_xfer.c: derived datatypes in communication.
 *
 * Messages always carry the packed form (count * size bytes). A send of a
 * contiguous type goes straight from the user's buffer; any other send packs
 * into a temporary that the request owns until it completes (cv may read it
 * late, e.g. for a rendezvous). A receive of a contiguous type lands in the
 * user's buffer; any other lands in a temporary and is unpacked when the
 * request completes (mpi_req_finish calls mpi_dtype_xfer_done), which is
 * also where a derived type freed meanwhile is finally released. All of
 * this memory is allocated in rank context, so it migrates with the rank
 * together with the pending request.
 *
 * Collectives use the same packed form through their schedule engine
 * (coll_sched.c calls mpi_dtype_view / mpi_dtype_recv_begin / _end).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "dtype_xfer.h"
#include "mpi_pt2pt.h"
#include "mpi_request.h"
#include "mpi_state.h"

/* Allocates the packed temporary for count items of t. NULL on failure. */
static void *packed_alloc(const struct mpi_dtype *t, MPI_Count count)
{
    return malloc(count * t->size > 0 ? (size_t)(count * t->size) : 1);
}

/* What to hand cv for count items of dt at buf: *data_p, *len_p. Contiguous
 * data (or none to move: `nothing`, e.g. MPI_PROC_NULL) is used in place
 * and *x_p is NULL; otherwise a send is packed into a temporary, a receive
 * gets a landing area, and *x_p holds them for the request. Returns
 * MPI_SUCCESS, MPI_ERR_TYPE (a freed type) or -ENOMEM. */
static int xfer_view(struct mpi_rank_state *s, void *buf, int count, MPI_Datatype dt, int recv,
                     int nothing, int held, void **data_p, size_t *len_p,
                     struct mpi_dtype_xfer **x_p)
{
    const struct mpi_type_info *ti = mpi_type_get(dt);
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    struct mpi_dtype_xfer *x;

    *x_p = NULL;
    if (ti && ti->size == ti->extent) { /* the common case, kept short */
        *data_p = buf;
        *len_p = (size_t)count * ti->size;
        return MPI_SUCCESS;
    }
    /* A persistent request holds a reference: its type may be freed since. */
    t = held ? mpi_dtype_held(s, dt, &tmp) : mpi_dtype_resolve(s, dt, &tmp);
    if (!t)
        return MPI_ERR_TYPE;
    *len_p = (size_t)(count * t->size);
    if (nothing || count == 0 || mpi_dtype_contig(t, count)) {
        *data_p = (char *)buf + (count ? t->true_lb : 0);
        return MPI_SUCCESS;
    }
    x = calloc(1, sizeof(*x));
    if (!x || !(x->tmp = packed_alloc(t, count))) {
        free(x);
        return -ENOMEM;
    }
    x->dt = dt;
    if (recv) {
        x->ubuf = buf;
        x->count = count;
    } else {
        mpi_dtype_pack(t, buf, count, x->tmp);
    }
    *data_p = x->tmp;
    *x_p = x;
    return MPI_SUCCESS;
}

/* Hangs x (if any) on request r, which keeps dt alive until it completes. */
static void attach(struct mpi_rank_state *s, struct mpi_request *r, struct mpi_dtype_xfer *x)
{
    if (!x)
        return;
    r->xfer = x;
    mpi_dtype_ref(s, x->dt);
}

static void xfer_drop(struct mpi_dtype_xfer *x)
{
    if (x)
        free(x->tmp);
    free(x);
}

int mpi_p2p_isend_dt(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, int count,
                     MPI_Datatype dt, int dest, int tag, int mode, MPI_Request *h_p)
{
    struct mpi_dtype_xfer *x;
    void *data;
    size_t len;
    int err = xfer_view(s, (void *)buf, count, dt, 0, dest == MPI_PROC_NULL, 0, &data, &len, &x);

    if (!err)
        err = mpi_p2p_isend(s, c, data, len, dest, tag, mode, h_p);
    if (err) {
        xfer_drop(x);
        return err;
    }
    attach(s, mpi_req_get(&s->reqs, *h_p), x);
    return MPI_SUCCESS;
}

int mpi_p2p_irecv_dt(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, int count,
                     MPI_Datatype dt, int source, int tag, MPI_Request *h_p)
{
    struct mpi_dtype_xfer *x;
    void *data;
    size_t len;
    int err = xfer_view(s, buf, count, dt, 1, source == MPI_PROC_NULL, 0, &data, &len, &x);

    if (!err)
        err = mpi_p2p_irecv(s, c, data, len, source, tag, h_p);
    if (err) {
        xfer_drop(x);
        return err;
    }
    attach(s, mpi_req_get(&s->reqs, *h_p), x);
    return MPI_SUCCESS;
}

void mpi_dtype_xfer_done(struct mpi_rank_state *s, struct mpi_dtype_xfer *x, MPI_Count bytes,
                         int cancelled)
{
    struct mpi_dtype tmp;
    /* the request's reference keeps a derived type even if freed meanwhile */
    const struct mpi_dtype *t = mpi_dtype_held(s, x->dt, &tmp);

    if (x->count && !cancelled && t) /* a receive; ubuf is NULL for MPI_BOTTOM */
        mpi_dtype_unpack(t, x->tmp, bytes, x->ubuf, x->count);
    mpi_dtype_unref(s, x->dt);
    free(x->tmp);
    free(x);
}

void mpi_dtype_xfer_abandon(struct mpi_dtype_xfer *x)
{
    /* x->tmp stays allocated: cv may still read or write it, and nothing
     * will tell us when it stops. A small leak per abandoned request beats
     * a use after free. */
    mpi_dtype_unref(mpi_state(), x->dt);
    free(x);
}

int mpi_dtype_view(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt,
                   const void **data_p, size_t *len_p, void **tmp_p)
{
    struct mpi_dtype tmp;
    const struct mpi_dtype *t = mpi_dtype_held(s, dt, &tmp);

    *tmp_p = NULL;
    *len_p = t ? (size_t)(count * t->size) : 0;
    if (!t || count == 0 || mpi_dtype_contig(t, count)) { /* no type: only with count 0 */
        *data_p = (const char *)buf + (count ? t->true_lb : 0);
        return MPI_SUCCESS;
    }
    *tmp_p = packed_alloc(t, count);
    if (!*tmp_p)
        return -ENOMEM;
    mpi_dtype_pack(t, buf, count, *tmp_p);
    *data_p = *tmp_p;
    return MPI_SUCCESS;
}

int mpi_dtype_recv_begin(struct mpi_rank_state *s, void *buf, int count, MPI_Datatype dt,
                         void **data_p, size_t *len_p, void **tmp_p)
{
    struct mpi_dtype tmp;
    const struct mpi_dtype *t = mpi_dtype_held(s, dt, &tmp);

    *tmp_p = NULL;
    *len_p = t ? (size_t)(count * t->size) : 0;
    if (!t || count == 0 || mpi_dtype_contig(t, count)) { /* no type: only with count 0 */
        *data_p = (char *)buf + (count ? t->true_lb : 0);
        return MPI_SUCCESS;
    }
    *tmp_p = packed_alloc(t, count);
    *data_p = *tmp_p;
    return *tmp_p ? MPI_SUCCESS : -ENOMEM;
}

void mpi_dtype_recv_end(struct mpi_rank_state *s, void *buf, int count, MPI_Datatype dt, void *tmp,
                        MPI_Count bytes)
{
    struct mpi_dtype tmpd;

    if (tmp)
        mpi_dtype_unpack(mpi_dtype_held(s, dt, &tmpd), tmp, bytes, buf, count);
    free(tmp);
}

int mpi_dtype_copy(struct mpi_rank_state *s, const void *src, void *dst, int count, MPI_Datatype dt)
{
    struct mpi_dtype tmpd;
    const struct mpi_dtype *t = mpi_dtype_held(s, dt, &tmpd);
    const void *data;
    size_t len;
    void *tmp;
    int err = mpi_dtype_view(s, src, count, dt, &data, &len, &tmp);

    if (!err && t) /* through the packed form: only the type map's bytes move */
        mpi_dtype_unpack(t, data, (MPI_Count)len, dst, count);
    free(tmp);
    return err;
}

int mpi_dtype_copy_as(struct mpi_rank_state *s, const void *src, int scount, MPI_Datatype sdt,
                      void *dst, int rcount, MPI_Datatype rdt)
{
    struct mpi_dtype tmpd;
    const struct mpi_dtype *rt = mpi_dtype_held(s, rdt, &tmpd);
    const void *data;
    size_t len;
    void *tmp;
    int err = mpi_dtype_view(s, src, scount, sdt, &data, &len, &tmp);

    if (!err && rt) {
        MPI_Count room = (MPI_Count)rcount * rt->size;
        mpi_dtype_unpack(rt, data, (MPI_Count)len < room ? (MPI_Count)len : room, dst, rcount);
    }
    free(tmp);
    return err;
}

int mpi_dtype_xfer_prepare(struct mpi_rank_state *s, struct mpi_request *r, void *buf, int count,
                           MPI_Datatype dt, int recv, void **data_p, size_t *len_p)
{
    struct mpi_dtype_xfer *x;
    int err = xfer_view(s, buf, count, dt, recv, 0, 1, data_p, len_p, &x);

    if (!err)
        attach(s, r, x);
    return err;
}
