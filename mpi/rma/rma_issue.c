/* rma_issue.c: sending one RMA request from the origin.
 *
 * A request is built in one buffer (header, the target type's blocks, the
 * packed origin data: rma_wire.h) and sent with cv_isend on the window's
 * point-to-point context; the buffer is kept on the window's list of sends
 * until cv is done with it, so the origin's buffer is free again as soon as
 * the call returns. When a reply is expected its receive is posted first,
 * on the reply context under a fresh tag: straight into the origin's buffer
 * when its type is contiguous, else into a temporary unpacked at completion
 * (rma_progress.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "dtype.h"
#include "mpi_state.h"
#include "rma.h"
#include "rma_wire.h"

/* Posts the receive of a reply described by r from target t; the pending
 * reply is chained on w with one reference (plus one in *p_p when asked).
 * Returns its tag, or < 0. */
static int issue_reply(struct mpi_rank_state *s, struct mpi_win *w, int t,
                       const struct mpi_rma_reply *r, struct mpi_rma_pend **p_p)
{
    struct mpi_rma_pend *p = calloc(1, sizeof(*p));
    int tag = MPI_RMA_TAG_REPLY + (int)(w->next_tag++ & 0xffffff), err;
    void *into = r->rbuf;

    if (!p)
        return -ENOMEM;
    if (r->rt && !mpi_dtype_contig(r->rt, r->rcount)) {
        p->tmp = malloc(r->rbytes ? r->rbytes : 1);
        if (!p->tmp) {
            free(p);
            return -ENOMEM;
        }
        into = p->tmp;
        p->dst = r->rbuf;
        p->dt = r->rdt;
        p->count = r->rcount;
        mpi_dtype_ref(s, r->rdt);
    } else if (r->rt) {
        into = (char *)r->rbuf + r->rt->true_lb;
    }
    err = cv_irecv(into, r->rbytes, mpi_comm_to_world(w->comm, t), tag, w->comm->coll_ctx, &p->cv);
    if (err < 0) {
        p->refs = 1;
        mpi_rma_pend_unref(s, p);
        return err;
    }
    p->target = t;
    p->refs = p_p ? 2 : 1;
    p->next = w->pends;
    w->pends = p;
    if (p_p)
        *p_p = p;
    return tag;
}

/* Fills the header and blocks of m into buf. */
static void issue_fill(unsigned char *buf, const struct mpi_rma_msg *m, int64_t nblocks,
                       int reply_tag)
{
    struct mpi_rma_hdr *h = (void *)buf;
    struct mpi_rma_wire_block *b = (void *)(buf + sizeof(*h));
    int64_t i;

    *h = (struct mpi_rma_hdr){.version = MPI_RMA_WIRE_VERSION,
                              .kind = (uint16_t)m->kind,
                              .reply_tag = reply_tag,
                              .addr = m->addr,
                              .count = m->tcount,
                              .extent = m->tt ? m->tt->ub - m->tt->lb : 0,
                              .nblocks = nblocks,
                              .datalen = (int64_t)m->datalen,
                              .basic = m->basic,
                              .op = m->op,
                              .lock_type = m->lock_type};
    for (i = 0; i < nblocks; i++)
        b[i] = (struct mpi_rma_wire_block){m->tt->blocks[i].off, m->tt->blocks[i].len};
}

/* Sends the len bytes of buf (taken over) to window rank t. */
static int issue_send(struct mpi_win *w, int t, void *buf, size_t len)
{
    struct mpi_rma_send *m = malloc(sizeof(*m));
    int err = m ? cv_isend(buf, len, mpi_comm_to_world(w->comm, t), 0, w->comm->ctx,
                           CV_SEND_STANDARD, &m->cv)
                : -ENOMEM;

    if (err < 0) {
        free(m);
        free(buf);
        return err;
    }
    m->buf = buf;
    m->next = w->sends;
    w->sends = m;
    return MPI_SUCCESS;
}

int mpi_rma_issue(struct mpi_rank_state *s, struct mpi_win *w, const struct mpi_rma_msg *m,
                  const struct mpi_rma_reply *r, struct mpi_rma_pend **p_p)
{
    int64_t nblocks = m->tt ? m->tt->nblocks : 0;
    size_t len = mpi_rma_wire_size(nblocks, m->datalen);
    unsigned char *buf = malloc(len);
    int tag = -1;

    if (!buf)
        return -ENOMEM;
    if (r && (tag = issue_reply(s, w, m->target, r, p_p)) < 0) {
        free(buf);
        return tag;
    }
    issue_fill(buf, m, nblocks, tag);
    if (m->data)
        memcpy(buf + len - m->datalen, m->data, m->datalen);
    else if (m->ot)
        mpi_dtype_pack(m->ot, m->obuf, m->ocount, buf + len - m->datalen);
    if (m->kind == MPI_RMA_PUT || m->kind == MPI_RMA_ACC)
        w->dirty[m->target] = 1;
    return issue_send(w, m->target, buf, len);
}

int mpi_rma_roundtrip(struct mpi_rank_state *s, struct mpi_win *w, int kind, int t, int lock_type)
{
    struct mpi_rma_msg m = {.kind = kind, .target = t, .lock_type = lock_type};
    struct mpi_rma_reply r = {.rbuf = &w->next_tag};
    int err = mpi_rma_issue(s, w, &m, &r, NULL);

    if (err)
        return err;
    mpi_rma_wait_pends(s, w, t);
    w->dirty[t] = 0;
    return MPI_SUCCESS;
}

int mpi_rma_notice(struct mpi_rank_state *s, struct mpi_win *w, int kind, int t)
{
    struct mpi_rma_msg m = {.kind = kind, .target = t};

    return mpi_rma_issue(s, w, &m, NULL, NULL);
}
