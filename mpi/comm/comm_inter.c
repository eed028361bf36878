/* comm_inter.c: intercommunicators (Intercomm_create,
 * Intercomm_create_from_groups, Intercomm_merge, Comm_remote_size,
 * Comm_remote_group) and the steps comm_inter.h offers.
 *
 * An intercommunicator is a struct mpi_comm whose `remote` lists the world
 * ranks of the other group (comm.h). Its context ids must be free at every
 * member of both groups: each group agrees on the largest next_ctx of its
 * members, the leaders swap the two values and take the larger, and every
 * member moves next_ctx past the ids taken, as for intracommunicators
 * (comm_create.c). The leaders of MPI_Intercomm_create talk over the peer
 * communicator's point-to-point context with the caller's tag, as MPI
 * prescribes (Intercomm_create_from_groups: see there); everything later
 * runs on the new communicator's collective context. All of it is per-rank state in the container:
 * nothing here depends on where a rank runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "comm.h"
#include "comm_group.h"
#include "comm_inter.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"

#pragma weak MPI_Intercomm_create = PMPI_Intercomm_create
#pragma weak MPI_Intercomm_create_from_groups = PMPI_Intercomm_create_from_groups
#pragma weak MPI_Intercomm_merge = PMPI_Intercomm_merge
#pragma weak MPI_Comm_remote_size = PMPI_Comm_remote_size
#pragma weak MPI_Comm_remote_group = PMPI_Comm_remote_group

void mpi_inter_local_view(const struct mpi_comm *c, struct mpi_comm *lv)
{
    *lv = *c;
    lv->remote = NULL;
    lv->remote_size = 0;
}

int mpi_inter_bcast(struct mpi_comm *c, void *buf, size_t len, int root)
{
    int size = c->size, rel = (c->rank - root + size) % size, mask = 1, err = 0;

    while (mask < size && !(rel & mask))
        mask <<= 1;
    if (rel) /* receive from the rank that differs in our lowest set bit */
        err = mpi_coll_recv(c, buf, len, (rel - mask + root) % size, MPI_COLL_TAG_COMM);
    for (mask >>= 1; mask > 0 && !err; mask >>= 1)
        if (rel + mask < size)
            err = mpi_coll_send(c, buf, len, (rel + mask + root) % size, MPI_COLL_TAG_COMM);
    return err;
}

int mpi_inter_swap(struct mpi_comm *c, const int *mine, int n, int *theirs, int m)
{
    struct mpi_comm lv;
    int err = 0;

    if (c->rank == 0)
        err = mpi_coll_sendrecv(c, mine, sizeof(int) * (size_t)n, 0, theirs,
                                sizeof(int) * (size_t)m, 0, MPI_COLL_TAG_COMM);
    mpi_inter_local_view(c, &lv);
    return err ? err : mpi_inter_bcast(&lv, theirs, sizeof(int) * (size_t)m, 0);
}

int mpi_inter_new(struct mpi_rank_state *s, struct mpi_comm *parent, int *local, int nl,
                  int *remote, int nr, int ctx, struct mpi_comm **n_p)
{
    int err = mpi_comm_new(s, parent, local, nl, ctx, n_p);

    if (err) {
        free(remote);
        return err;
    }
    (*n_p)->remote = remote;
    (*n_p)->remote_size = nr;
    return MPI_SUCCESS;
}

/* How a leader of Intercomm_create reaches the other leader. */
struct create_bridge {
    int world; /* the remote leader's world rank */
    int ctx;   /* context of the exchange */
    int tag;   /* tag of the exchange */
};

/* Blocking exchange between the two leaders over b. Returns 0 or < 0. */
static int peer_swap(const struct create_bridge *b, const void *sbuf, size_t slen, void *rbuf,
                     size_t rlen)
{
    struct cv_status st = {0};
    cv_request_t *rr, *sr;
    int err = cv_irecv(rbuf, rlen, b->world, b->tag, b->ctx, &rr);

    if (err < 0)
        return err;
    err = cv_isend(sbuf, slen, b->world, b->tag, b->ctx, CV_SEND_STANDARD, &sr);
    if (err < 0) {
        cv_cancel(rr);
        cv_wait(rr, NULL);
        cv_request_free(rr);
        return err;
    }
    err = cv_wait(sr, NULL);
    cv_request_free(sr);
    if (cv_wait(rr, &st) < 0 && !err)
        err = -EIO;
    cv_request_free(rr);
    return err < 0 ? err : st.error;
}

/* What the local leader of Intercomm_create learns and broadcasts. */
struct create_head {
    int err;  /* MPI error class found at the leader, or 0 */
    int ctx;  /* the remote group's largest next_ctx */
    int nrem; /* size of the remote group */
};

/* The leader's part: swaps (ctx, size) and the group lists with the remote
 * leader. On success *rem_p holds the remote group (h->nrem world ranks). */
static void create_lead(struct mpi_comm *lc, const struct create_bridge *b, int ctx,
                        struct create_head *h, int **rem_p)
{
    int theirs[2] = {0, 0}, mine[2] = {ctx, lc->size};
    int err = peer_swap(b, mine, sizeof(mine), theirs, sizeof(theirs));

    if (!err && (theirs[1] < 1 || !(*rem_p = malloc(sizeof(int) * (size_t)theirs[1]))))
        err = -ENOMEM;
    if (!err)
        err = peer_swap(b, lc->group, sizeof(int) * (size_t)lc->size, *rem_p,
                        sizeof(int) * (size_t)theirs[1]);
    h->err = err;
    h->ctx = theirs[0];
    h->nrem = theirs[1];
}

/* MPI_SUCCESS when no world rank of rem[0..n) belongs to c, else
 * MPI_ERR_COMM: the two groups of an intercommunicator must be disjoint. */
static int check_disjoint(const struct mpi_comm *c, const int *rem, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (mpi_comm_from_world(c, rem[i]) != MPI_UNDEFINED)
            return MPI_ERR_COMM;
    return MPI_SUCCESS;
}

/* Intercomm_create over the local intracommunicator lc (arguments checked;
 * b and lead_err, an argument error the leader found, matter at the leader
 * only), with parent's error handler. An error at the leader is broadcast
 * to the whole local group so that no member waits for a remote group that
 * will never come. Returns MPI_SUCCESS, an MPI error class or < 0. */
static int create_core(struct mpi_rank_state *s, struct mpi_comm *lc, int local_leader,
                       const struct create_bridge *b, int lead_err, struct mpi_comm *parent,
                       struct mpi_comm **n_p)
{
    struct create_head h = {lead_err, 0, 0};
    int ctx = 0, *rem = NULL, *loc;
    int err = mpi_comm_ctx_agree(lc, mpi_comm_ctx_offer(s), &ctx);

    if (err)
        return err;
    if (lc->rank == local_leader && !lead_err)
        create_lead(lc, b, ctx, &h, &rem);
    err = mpi_inter_bcast(lc, &h, sizeof(h), local_leader);
    if (!err)
        err = h.err;
    if (!err && lc->rank != local_leader && !(rem = malloc(sizeof(int) * (size_t)h.nrem)))
        err = -ENOMEM;
    if (!err)
        err = mpi_inter_bcast(lc, rem, sizeof(int) * (size_t)h.nrem, local_leader);
    if (!err)
        err = check_disjoint(lc, rem, h.nrem);
    if (err) {
        free(rem);
        return err;
    }
    ctx = h.ctx > ctx ? h.ctx : ctx;
    mpi_comm_ctx_taken(s, ctx);
    loc = malloc(sizeof(int) * (size_t)lc->size);
    if (!loc) {
        free(rem);
        return -ENOMEM;
    }
    memcpy(loc, lc->group, sizeof(int) * (size_t)lc->size);
    return mpi_inter_new(s, parent, loc, lc->size, rem, h.nrem, ctx, n_p);
}

/* The leaders talk over the peer communicator's point-to-point context
 * with the caller's tag, as MPI prescribes. */
int PMPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                          int remote_leader, int tag, MPI_Comm *newintercomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *lc, *p = NULL, *n = NULL;
    struct create_bridge b = {0, 0, tag};
    int lead_err = 0, err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, local_comm, &lc);
    if (err)
        return mpi_error(local_comm, err, "MPI_Intercomm_create");
    if (mpi_comm_is_inter(lc)) /* the groups are intracommunicators */
        err = MPI_ERR_COMM;
    else if (!newintercomm)
        err = MPI_ERR_ARG;
    else if (local_leader < 0 || local_leader >= lc->size)
        err = MPI_ERR_RANK;
    if (err)
        return mpi_error(local_comm, err, "MPI_Intercomm_create");
    if (lc->rank == local_leader) { /* peer_comm, remote_leader, tag count here only */
        lead_err = mpi_check_comm(s, peer_comm, &p);
        if (!lead_err && (remote_leader == MPI_PROC_NULL || mpi_check_dest(p, remote_leader)))
            lead_err = MPI_ERR_RANK;
        if (!lead_err)
            lead_err = mpi_check_send_tag(tag);
        if (!lead_err) {
            b.world = mpi_comm_to_world(p, remote_leader);
            b.ctx = p->ctx;
        }
    }
    err = create_core(s, lc, local_leader, &b, lead_err, lc, &n);
    if (err)
        return mpi_error(local_comm, err, "MPI_Intercomm_create");
    *newintercomm = n->handle;
    return MPI_SUCCESS;
}

/* A tag of MPI_COMM_WORLD's collective context for the leaders of
 * Intercomm_create_from_groups: above every tag the collectives use
 * (coll.h), from a hash of stringtag (FNV-1a), so that calls with
 * different string tags do not take each other's messages. */
static int string_tag(const char *stringtag)
{
    unsigned h = 2166136261u;

    for (; *stringtag; stringtag++)
        h = (h ^ (unsigned char)*stringtag) * 16777619u;
    return 0x40000100 + (int)(h % 0x3fffff00u);
}

/* Without a parent communicator, the local group talks over a view of
 * MPI_COMM_WORLD restricted to it (every group is made of world ranks
 * here): its agreement steps run on the world's collective context, told
 * apart from other traffic by sender and by the order every member calls
 * them in. */
int PMPI_Intercomm_create_from_groups(MPI_Group local_group, int local_leader,
                                      MPI_Group remote_group, int remote_leader,
                                      const char *stringtag, MPI_Info info,
                                      MPI_Errhandler errhandler, MPI_Comm *newintercomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *lg = NULL, *rg = NULL;
    struct mpi_comm *w = NULL, *n = NULL, lv;
    struct create_bridge b = {0, 0, 0};
    int err = mpi_enter(&s);

    (void)info; /* no info keys are interpreted */
    if (!err && (!(lg = mpi_group_get(s, local_group)) || !(rg = mpi_group_get(s, remote_group))))
        err = MPI_ERR_GROUP;
    if (!err && (!stringtag || !newintercomm || !mpi_errh_valid(s, errhandler)))
        err = MPI_ERR_ARG;
    if (!err && (local_leader < 0 || local_leader >= lg->size || remote_leader < 0 ||
                 remote_leader >= rg->size))
        err = MPI_ERR_RANK;
    if (!err && mpi_group_rank_of(lg, cv_rank()) == MPI_UNDEFINED)
        err = MPI_ERR_GROUP;
    if (!err)
        err = mpi_check_comm(s, MPI_COMM_WORLD, &w);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Intercomm_create_from_groups");
    lv = *w;
    lv.group = lg->ranks;
    lv.size = lg->size;
    lv.rank = mpi_group_rank_of(lg, cv_rank());
    lv.is_world = 0;
    lv.remote = NULL;
    lv.remote_size = 0;
    b.world = rg->ranks[remote_leader];
    b.ctx = w->coll_ctx;
    b.tag = string_tag(stringtag);
    err = create_core(s, &lv, local_leader, &b, 0, w, &n);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Intercomm_create_from_groups");
    mpi_errh_unref(s, n->errh);
    n->errh = errhandler;
    mpi_errh_ref(s, errhandler);
    *newintercomm = n->handle;
    return MPI_SUCCESS;
}

/* The intracommunicator of both groups of c, the local one first if
 * `first`, on context ids ctx, ctx + 1. Returns MPI_SUCCESS or -ENOMEM. */
static int merge_build(struct mpi_rank_state *s, struct mpi_comm *c, int first, int ctx,
                       struct mpi_comm **n_p)
{
    int *ranks = malloc(sizeof(int) * (size_t)(c->size + c->remote_size));

    if (!ranks)
        return -ENOMEM;
    memcpy(ranks + (first ? 0 : c->remote_size), c->group, sizeof(int) * (size_t)c->size);
    memcpy(ranks + (first ? c->size : 0), c->remote, sizeof(int) * (size_t)c->remote_size);
    return mpi_comm_new(s, c, ranks, c->size + c->remote_size, ctx, n_p);
}

/* The merged group puts the group that passed high = 0 first; when both
 * passed the same value, the group whose leader has the lower world rank. */
int PMPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm *newintracomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c, *n = NULL, lv;
    int mine[2], theirs[2] = {0, 0}, ctx = 0, first;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, intercomm, &c);
    if (err)
        return mpi_error(intercomm, err, "MPI_Intercomm_merge");
    if (!mpi_comm_is_inter(c))
        err = MPI_ERR_COMM;
    else if (!newintracomm)
        err = MPI_ERR_ARG;
    mpi_inter_local_view(c, &lv);
    if (!err)
        err = mpi_comm_ctx_agree(&lv, mpi_comm_ctx_offer(s), &ctx);
    mine[0] = ctx;
    mine[1] = !!high;
    if (!err)
        err = mpi_inter_swap(c, mine, 2, theirs, 2);
    if (err)
        return mpi_error(intercomm, err, "MPI_Intercomm_merge");
    first = mine[1] != theirs[1] ? !mine[1] : c->group[0] < c->remote[0];
    ctx = theirs[0] > ctx ? theirs[0] : ctx;
    mpi_comm_ctx_taken(s, ctx);
    err = merge_build(s, c, first, ctx, &n);
    if (err)
        return mpi_error(intercomm, err, "MPI_Intercomm_merge");
    *newintracomm = n->handle;
    return MPI_SUCCESS;
}

/* Enters MPI and resolves an intercommunicator handle (MPI_ERR_COMM for an
 * intracommunicator) and a non-NULL out pointer (MPI_ERR_ARG). */
static int inter_enter(MPI_Comm comm, const void *out, struct mpi_rank_state **s_p,
                       struct mpi_comm **c_p)
{
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_check_comm(*s_p, comm, c_p);
    if (!err)
        err = mpi_comm_is_inter(*c_p) ? MPI_SUCCESS : MPI_ERR_COMM;
    return !err && !out ? MPI_ERR_ARG : err;
}

int PMPI_Comm_remote_size(MPI_Comm comm, int *size)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = inter_enter(comm, size, &s, &c);

    if (err)
        return mpi_error(comm, err, "MPI_Comm_remote_size");
    *size = c->remote_size;
    return MPI_SUCCESS;
}

int PMPI_Comm_remote_group(MPI_Comm comm, MPI_Group *group)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = inter_enter(comm, group, &s, &c);

    if (!err)
        err = mpi_group_new(s, c->remote, c->remote_size, group);
    return mpi_error(comm, err, "MPI_Comm_remote_group");
}
