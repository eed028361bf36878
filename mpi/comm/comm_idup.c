/* comm_idup.c: nonblocking duplication (Comm_idup, Comm_idup_with_info).
 *
 * MPI_Comm_dup agrees on context ids by a blocking maximum of every
 * member's next_ctx (comm_create.c). A nonblocking duplicate cannot block,
 * and several may be pending at once on overlapping communicators, so a
 * maximum of plain counters could give one rank two communicators with the
 * same ids. Here every contribution is unique in the whole job instead:
 * rank w's k-th idup offers MPI_IDUP_CTX_BASE + 2 * (k * world size + w),
 * and the communicator takes the largest offer of its members, reached by
 * MPI_Iallreduce(MAX) over the parent. Each offer belongs to exactly one
 * idup, so two communicators of one rank never get the same ids; the ids
 * live above MPI_IDUP_CTX_BASE, which the blocking counters stay below
 * (2^29 communicators). The new communicator is made at once (its handle
 * is returned at once, as MPI lets it) with the offer in its ctx/coll_ctx
 * pair, and the allreduce runs in place on that pair: when the request
 * completes the ids are the agreed ones. An intercommunicator's duplicate
 * takes the largest offer of both groups (mpi_coll_inter_imax: each
 * group's maximum at its leader, the leaders swap, each group gets the
 * larger), as its two groups address each other with one pair of ids.
 * Attributes and hints are copied at the call, as MPI_Comm_dup does. The request is the
 * allreduce's, so Wait/Test, progress and migration are those of any nonblocking collective; the
 * communicator sits in the container meanwhile.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "comm.h"
#include "comm_attr.h"
#include "comm_inter.h"
#include "info.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "cv.h"

#pragma weak MPI_Comm_idup = PMPI_Comm_idup
#pragma weak MPI_Comm_idup_with_info = PMPI_Comm_idup_with_info

/* Context ids of nonblocking duplicates start here (see above). */
#define MPI_IDUP_CTX_BASE (1 << 30)

/* The allreduce reduces ctx and coll_ctx as one array of two ints. */
_Static_assert(offsetof(struct mpi_comm, coll_ctx) == offsetof(struct mpi_comm, ctx) + sizeof(int),
               "ctx and coll_ctx are adjacent");

/* This rank's next offer, unique in the job. Returns MPI_SUCCESS or
 * MPI_IERR_TOO_MANY when the id space of idup is used up. */
static int idup_offer(struct mpi_rank_state *s, int *ctx_p)
{
    int64_t v = ((int64_t)s->idup_seq * cv_size() + cv_rank()) * 2 + MPI_IDUP_CTX_BASE;

    if (v + 1 > INT32_MAX)
        return MPI_IERR_TOO_MANY;
    s->idup_seq++;
    *ctx_p = (int)v;
    return MPI_SUCCESS;
}

/* Under MPI_THREAD_MULTIPLE the blocking creations offer the same
 * job-unique ids: two threads of a rank may be inside two agreements at
 * once (each waits with the rank's lock handed over), and two plain
 * next_ctx counters read by both would let two communicators take one id.
 * If the unique space is ever used up, the plain counter is offered again,
 * which is safe as long as the rank creates communicators from one thread
 * at a time. */
int mpi_comm_ctx_offer(struct mpi_rank_state *s)
{
    int ctx;

    if (s->thread_level == MPI_THREAD_MULTIPLE && idup_offer(s, &ctx) == MPI_SUCCESS)
        return ctx;
    return s->next_ctx;
}

void mpi_comm_ctx_taken(struct mpi_rank_state *s, int ctx)
{
    if (ctx < MPI_IDUP_CTX_BASE && ctx + 2 > s->next_ctx)
        s->next_ctx = ctx + 2;
}

/* Makes the duplicate of c with this rank's offer, its attributes and the
 * hints of info (or of c when use_info is 0). Returns MPI_SUCCESS or < 0. */
static int idup_make(struct mpi_rank_state *s, struct mpi_comm *c, MPI_Info info, int use_info,
                     struct mpi_comm **n_p)
{
    int *ranks = malloc(sizeof(int) * (size_t)c->size), *remote = NULL, ctx, err;

    if (ranks && mpi_comm_is_inter(c))
        remote = malloc(sizeof(int) * (size_t)c->remote_size);
    if (!ranks || (mpi_comm_is_inter(c) && !remote)) {
        free(ranks);
        return -ENOMEM;
    }
    memcpy(ranks, c->group, sizeof(int) * (size_t)c->size);
    if (remote)
        memcpy(remote, c->remote, sizeof(int) * (size_t)c->remote_size);
    err = idup_offer(s, &ctx);
    if (err) {
        free(ranks);
        free(remote);
        return err;
    }
    err = remote ? mpi_inter_new(s, c, ranks, c->size, remote, c->remote_size, ctx, n_p)
                 : mpi_comm_new(s, c, ranks, c->size, ctx, n_p);
    if (err)
        return err;
    err = mpi_attr_copy_all(s, c, *n_p);
    if (!err)
        err = use_info ? mpi_comm_hints_set(s, *n_p, info) : mpi_comm_hints_copy(c, *n_p);
    if (err) {
        mpi_attr_delete_all(s, *n_p);
        mpi_comm_drop(s, *n_p);
    }
    return err;
}

/* Both entry points: checks, the duplicate, then the agreement. */
static int idup(MPI_Comm comm, MPI_Info info, int use_info, MPI_Comm *newcomm, MPI_Request *request,
                const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL, *n;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && use_info && info != MPI_INFO_NULL && !mpi_info_get(s, info))
        err = MPI_ERR_INFO;
    if (!err && (!newcomm || !request))
        err = MPI_ERR_ARG;
    if (!err)
        err = idup_make(s, c, info, use_info, &n);
    if (err)
        return mpi_error(comm, err, fname);
    if (mpi_comm_is_inter(c)) { /* the maximum over both groups */
        err = mpi_coll_inter_imax(c, &n->ctx, 2, request);
        if (err) {
            mpi_attr_delete_all(s, n);
            mpi_comm_drop(s, n);
            return mpi_error(comm, err, fname);
        }
    } else if ((err = PMPI_Iallreduce(MPI_IN_PLACE, &n->ctx, 2, MPI_INT, MPI_MAX, comm, request))) {
        mpi_attr_delete_all(s, n); /* reported by MPI_Iallreduce */
        mpi_comm_drop(s, n);
        return err;
    }
    *newcomm = n->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return idup(comm, MPI_INFO_NULL, 0, newcomm, request, "MPI_Comm_idup");
}

int PMPI_Comm_idup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm, MPI_Request *request)
{
    MPI_THREAD_GUARD();
    return idup(comm, info, 1, newcomm, request, "MPI_Comm_idup_with_info");
}
