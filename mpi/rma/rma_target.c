/* rma_target.c: the target side: receiving requests and applying them.
 *
 * Every request that arrived on a window's point-to-point context is found
 * with cv_iprobe (any origin, any tag), received into a buffer of its exact
 * length and queued; queued requests are applied strictly in arrival order,
 * the head only once its receive is complete, so what an origin sent before
 * a flush, an unlock or a complete is applied before the ack goes back.
 * Every request is checked (rma_wire.h) and its memory range is checked
 * against this rank's window (or the regions attached to a dynamic window)
 * before a byte is touched; a request that fails is dropped and its reply,
 * if any, carries no data (the origin checked the same range already).
 *
 * Locks: a lock request that cannot be granted waits in a queue and takes
 * its ack when an unlock frees the lock; requests behind it in arrival
 * order are not held up (its origin sends nothing more until the grant).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "dtype.h"
#include "mpi_op.h"
#include "mpi_state.h"
#include "rma.h"
#include "rma_wire.h"

/* Sends a reply of len bytes (buf taken over, may be NULL when len is 0). */
static void target_reply(struct mpi_win *w, int source, int tag, void *buf, size_t len)
{
    struct mpi_rma_send *m = malloc(sizeof(*m));

    if (!m || cv_isend(buf ? buf : (void *)w, len, source, tag, w->comm->coll_ctx, CV_SEND_STANDARD,
                       &m->cv) < 0) {
        free(m);
        free(buf);
        return;
    }
    m->buf = buf;
    m->next = w->sends;
    w->sends = m;
}

/* Non-zero when [lo, hi) lies in this rank's window memory. */
static int target_inside(const struct mpi_win *w, uint64_t lo, uint64_t hi)
{
    int i;

    if (w->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        return lo >= (uint64_t)(uintptr_t)w->base &&
               hi <= (uint64_t)(uintptr_t)w->base + (uint64_t)w->size;
    for (i = 0; i < w->nregions; i++)
        if (lo >= w->regions[i].base && hi <= w->regions[i].base + (uint64_t)w->regions[i].size)
            return 1;
    return 0;
}

/* Non-zero when every block of the first and last items lies in the window
 * (item addresses are linear in k, so the others lie between). */
static int target_range_ok(const struct mpi_win *w, const struct mpi_rma_hdr *h,
                           const struct mpi_rma_wire_block *b)
{
    int64_t i, k;

    if (h->count == 0)
        return 1;
    for (k = 0; k<h->count; k += h->count - 1> 0 ? h->count - 1 : 1)
        for (i = 0; i < h->nblocks; i++) {
            uint64_t lo = h->addr + (uint64_t)(k * h->extent + b[i].off);
            if (b[i].len && !target_inside(w, lo, lo + (uint64_t)b[i].len))
                return 0;
        }
    return 1;
}

/* Copies the target data into out (to_target 0) or data into the target
 * (to_target 1), in type-map order. */
static void target_copy(const struct mpi_rma_hdr *h, const struct mpi_rma_wire_block *b,
                        unsigned char *data, int to_target)
{
    int64_t i, k;

    for (k = 0; k < h->count; k++)
        for (i = 0; i < h->nblocks; i++) {
            char *at = (char *)(uintptr_t)(h->addr + (uint64_t)(k * h->extent + b[i].off));
            if (to_target)
                memcpy(at, data, (size_t)b[i].len);
            else
                memcpy(data, at, (size_t)b[i].len);
            data += b[i].len;
        }
}

/* Bytes of target data h covers (checked by the decoder not to overflow
 * when data comes with it; a Get's range was checked against the window). */
static size_t target_bytes(const struct mpi_rma_hdr *h, const struct mpi_rma_wire_block *b)
{
    size_t item = 0;
    int64_t i;

    for (i = 0; i < h->nblocks; i++)
        item += (size_t)b[i].len;
    return item * (size_t)h->count;
}

/* target = data op target for elements whose type map is not one run
 * (the pair types of MINLOC/MAXLOC): both sides are staged as arrays of
 * the element's own layout, combined there, and the result is written
 * back. bytes is the packed size of the data. */
static void target_accumulate_staged(struct mpi_rank_state *s, const struct mpi_rma_hdr *h,
                                     const struct mpi_rma_wire_block *b, const unsigned char *data,
                                     size_t bytes)
{
    struct mpi_dtype tmp;
    const struct mpi_dtype *et = mpi_dtype_resolve(s, h->basic, &tmp);
    MPI_Count n = et && et->size ? (MPI_Count)bytes / et->size : 0;
    size_t ext = et ? (size_t)(et->ub - et->lb) : 0;
    unsigned char *packed = malloc(bytes ? bytes : 1);
    unsigned char *in = malloc(n ? (size_t)n * ext : 1), *inout = malloc(n ? (size_t)n * ext : 1);

    if (packed && in && inout && n > 0) {
        target_copy(h, b, packed, 0);
        mpi_dtype_unpack(et, packed, (MPI_Count)bytes, inout, n);
        mpi_dtype_unpack(et, data, (MPI_Count)bytes, in, n);
        mpi_op_apply(h->op, h->basic, in, inout, (size_t)n);
        mpi_dtype_pack(et, inout, n, packed);
        target_copy(h, b, packed, 1);
    }
    free(packed);
    free(in);
    free(inout);
}

/* target = data op target per element of h->basic: block by block when an
 * element is one run of bytes, else staged. */
static void target_accumulate(struct mpi_rank_state *s, const struct mpi_rma_hdr *h,
                              const struct mpi_rma_wire_block *b, const unsigned char *data)
{
    const struct mpi_type_info *ti = mpi_type_get(h->basic);
    size_t esize = ti ? ti->size : 0;
    int64_t i, k;

    if (!esize || h->op == MPI_NO_OP)
        return;
    if (ti->elements != 1 || ti->size != ti->extent) {
        target_accumulate_staged(s, h, b, data, target_bytes(h, b));
        return;
    }
    for (k = 0; k < h->count; k++)
        for (i = 0; i < h->nblocks; i++) {
            char *at = (char *)(uintptr_t)(h->addr + (uint64_t)(k * h->extent + b[i].off));
            mpi_op_apply(h->op, h->basic, data, at, (size_t)b[i].len / esize);
            data += b[i].len;
        }
}

/* Reply with the target data of h (Get, Get_accumulate): a packed copy. */
static void target_fetch(struct mpi_win *w, int source, const struct mpi_rma_hdr *h,
                         const struct mpi_rma_wire_block *b, size_t bytes)
{
    unsigned char *out = malloc(bytes ? bytes : 1);

    if (out)
        target_copy(h, b, out, 0);
    target_reply(w, source, h->reply_tag, out, out ? bytes : 0);
}

/* Compare_and_swap: reply with the element, replace it when it equals the
 * compare value (data: new value, then compare value). */
static void target_cas(struct mpi_win *w, int source, const struct mpi_rma_hdr *h,
                       const struct mpi_rma_wire_block *b, const unsigned char *data)
{
    size_t n = (size_t)h->datalen / 2;
    char *at = (char *)(uintptr_t)(h->addr + (uint64_t)b[0].off);
    unsigned char *out = malloc(n ? n : 1);

    if (out)
        memcpy(out, at, n);
    if (memcmp(at, data + n, n) == 0)
        memcpy(at, data, n);
    target_reply(w, source, h->reply_tag, out, out ? n : 0);
}

/* Grants a lock of type to source when it can be held now. */
static int target_lock_grant(struct mpi_win *w, int source, int type, int tag)
{
    if (w->lock_excl || (type == MPI_LOCK_EXCLUSIVE && w->lock_shared))
        return 0;
    if (type == MPI_LOCK_EXCLUSIVE)
        w->lock_excl = 1;
    else
        w->lock_shared++;
    target_reply(w, source, tag, NULL, 0);
    return 1;
}

static void target_lock(struct mpi_win *w, int source, const struct mpi_rma_hdr *h)
{
    struct mpi_rma_waiter *q;

    if (w->nwaiters == 0 && target_lock_grant(w, source, h->lock_type, h->reply_tag))
        return;
    if (w->nwaiters == w->capwaiters) {
        int cap = w->capwaiters ? w->capwaiters * 2 : 4;
        q = realloc(w->waiters, sizeof(*q) * (size_t)cap);
        if (!q)
            return; /* out of memory: the origin waits (it cannot be told) */
        w->waiters = q;
        w->capwaiters = cap;
    }
    w->waiters[w->nwaiters++] = (struct mpi_rma_waiter){source, h->lock_type, h->reply_tag};
}

/* Releases source's lock, acks, and grants the waiters that can go now, in
 * the order they asked. */
static void target_unlock(struct mpi_win *w, int source, const struct mpi_rma_hdr *h)
{
    if (h->lock_type == MPI_LOCK_EXCLUSIVE)
        w->lock_excl = 0;
    else if (w->lock_shared > 0)
        w->lock_shared--;
    target_reply(w, source, h->reply_tag, NULL, 0);
    while (w->nwaiters > 0 &&
           target_lock_grant(w, w->waiters[0].source, w->waiters[0].type, w->waiters[0].tag)) {
        w->nwaiters--;
        memmove(w->waiters, w->waiters + 1, sizeof(*w->waiters) * (size_t)w->nwaiters);
    }
}

/* Applies one request of len bytes from world rank source. */
static void target_apply(struct mpi_rank_state *s, struct mpi_win *w, int source, const void *msg,
                         size_t len)
{
    const struct mpi_rma_hdr *h;
    const struct mpi_rma_wire_block *b;
    const unsigned char *data;
    int ok = mpi_rma_wire_decode(msg, len, &h, &b, &data) == 0;
    int wr = ok ? mpi_comm_from_world(w->comm, source) : MPI_UNDEFINED;

    if (!ok || wr == MPI_UNDEFINED)
        return; /* not a request of a member: nothing to answer */
    ok = target_range_ok(w, h, b) && (h->kind != MPI_RMA_CAS || h->nblocks == 1);
    switch (h->kind) {
    case MPI_RMA_PUT:
        if (ok)
            target_copy(h, b, (unsigned char *)data, 1);
        break;
    case MPI_RMA_ACC:
        if (ok)
            target_accumulate(s, h, b, data);
        break;
    case MPI_RMA_GET:
    case MPI_RMA_GET_ACC:
        if (!ok) {
            target_reply(w, source, h->reply_tag, NULL, 0);
            break;
        }
        target_fetch(w, source, h, b, target_bytes(h, b));
        if (h->kind == MPI_RMA_GET_ACC)
            target_accumulate(s, h, b, data);
        break;
    case MPI_RMA_CAS:
        if (ok)
            target_cas(w, source, h, b, data);
        else
            target_reply(w, source, h->reply_tag, NULL, 0);
        break;
    case MPI_RMA_FLUSH:
        target_reply(w, source, h->reply_tag, NULL, 0);
        break;
    case MPI_RMA_LOCK:
        target_lock(w, source, h);
        break;
    case MPI_RMA_UNLOCK:
        target_unlock(w, source, h);
        break;
    case MPI_RMA_POST:
        w->posts[wr]++;
        break;
    default: /* MPI_RMA_COMPLETE */
        w->completes++;
        break;
    }
}

/* Starts receiving the requests that arrived; returns how many. */
static int target_receive(struct mpi_win *w)
{
    struct cv_status st;
    struct mpi_rma_in *in;
    int flag = 0, n = 0;

    while (cv_iprobe(CV_ANY_SOURCE, CV_ANY_TAG, w->comm->ctx, &flag, &st) == 0 && flag) {
        in = calloc(1, sizeof(*in));
        if (!in || !(in->buf = malloc(st.count ? st.count : 1)) ||
            cv_irecv(in->buf, st.count, st.source, st.tag, w->comm->ctx, &in->cv) < 0) {
            if (in)
                free(in->buf);
            free(in);
            break; /* out of memory: try again at the next pass */
        }
        in->len = st.count;
        in->source = st.source;
        if (w->in_tail)
            w->in_tail->next = in;
        else
            w->in_head = in;
        w->in_tail = in;
        n++;
    }
    return n;
}

int mpi_rma_target_poll(struct mpi_rank_state *s, struct mpi_win *w)
{
    struct mpi_rma_in *in;
    int n = 0;

    target_receive(w);
    while ((in = w->in_head) && cv_request_done(in->cv)) {
        w->in_head = in->next;
        if (!w->in_head)
            w->in_tail = NULL;
        cv_request_free(in->cv);
        target_apply(s, w, in->source, in->buf, in->len);
        free(in->buf);
        free(in);
        n++;
    }
    return n;
}
