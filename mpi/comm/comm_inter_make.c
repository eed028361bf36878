/* comm_inter_make.c: new intercommunicators from an intercommunicator
 * (Comm_dup, Comm_split, Comm_create on one; comm_create.c dispatches here).
 *
 * Each follows comm_inter.h's pattern: the local group agrees, the leaders
 * swap, each leader broadcasts the remote group's part. The context ids are
 * the larger of the two groups' largest next_ctx, and every member of both
 * groups moves past them, including the ranks that get MPI_COMM_NULL, so
 * ids stay unique per rank (comm_create.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "comm.h"
#include "comm_group.h"
#include "comm_inter.h"
#include "mpi_state.h"
#include "cv.h"

/* Copy of n ints (at least one slot), or NULL. */
static int *ints_dup(const int *a, int n)
{
    int *r = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));

    if (r && n > 0)
        memcpy(r, a, sizeof(int) * (size_t)n);
    return r;
}

/* The context id both groups agree on, in *ctx_p; moves next_ctx past it. */
static int inter_ctx(struct mpi_rank_state *s, struct mpi_comm *c, int *ctx_p)
{
    struct mpi_comm lv;
    int mine = 0, theirs = 0, err;

    mpi_inter_local_view(c, &lv);
    err = mpi_comm_ctx_agree(&lv, mpi_comm_ctx_offer(s), &mine);
    if (!err)
        err = mpi_inter_swap(c, &mine, 1, &theirs, 1);
    if (err)
        return err;
    *ctx_p = mine > theirs ? mine : theirs;
    mpi_comm_ctx_taken(s, *ctx_p);
    return 0;
}

int mpi_inter_dup(struct mpi_rank_state *s, struct mpi_comm *c, struct mpi_comm **n_p)
{
    int ctx = 0, *loc, *rem, err = inter_ctx(s, c, &ctx);

    if (err)
        return err;
    loc = ints_dup(c->group, c->size);
    rem = ints_dup(c->remote, c->remote_size);
    if (!loc || !rem) {
        free(loc);
        free(rem);
        return -ENOMEM;
    }
    return mpi_inter_new(s, c, loc, c->size, rem, c->remote_size, ctx, n_p);
}

/* One rank's contribution to an intercommunicator split. */
struct isplit_entry {
    int color;
    int key;
    int next_ctx;
};

/* Gathers every local rank's entry at the local leader (linear: group
 * construction is rare and groups small). Returns 0 or < 0. */
static int isplit_gather(struct mpi_comm *lv, const struct isplit_entry *mine,
                         struct isplit_entry *all)
{
    int i, err = 0;

    if (lv->rank != 0)
        return mpi_coll_send(lv, mine, sizeof(*mine), 0, MPI_COLL_TAG_COMM);
    all[0] = *mine;
    for (i = 1; i < lv->size && !err; i++)
        err = mpi_coll_recv(lv, &all[i], sizeof(*mine), i, MPI_COLL_TAG_COMM);
    return err;
}

/* World ranks of the members of group (rank i is world[i]) whose entry has
 * `color`, ordered by key then rank, into out; returns how many. */
static int isplit_pick(const struct isplit_entry *e, const int *world, int n, int color, int *out)
{
    int i, j, k = 0, *idx = out;

    for (i = 0; i < n; i++) { /* insertion sort of the indices: stable, n small */
        if (e[i].color != color)
            continue;
        for (j = k; j > 0 && e[idx[j - 1]].key > e[i].key; j--)
            idx[j] = idx[j - 1];
        idx[j] = i;
        k++;
    }
    for (i = 0; i < k; i++)
        out[i] = world[idx[i]];
    return k;
}

int mpi_inter_split(struct mpi_rank_state *s, struct mpi_comm *c, int color, int key,
                    struct mpi_comm **n_p)
{
    struct isplit_entry mine = {color, key, mpi_comm_ctx_offer(s)};
    size_t nl = (size_t)c->size, nr = (size_t)c->remote_size;
    struct isplit_entry *all = malloc(sizeof(*all) * (nl + nr));
    int *loc = malloc(sizeof(int) * nl), *rem = malloc(sizeof(int) * nr);
    int i, ctx = 0, err = 0;
    struct mpi_comm lv;

    *n_p = NULL;
    if (!all || !loc || !rem)
        err = -ENOMEM;
    mpi_inter_local_view(c, &lv);
    if (!err)
        err = isplit_gather(&lv, &mine, all);
    if (!err) /* three ints an entry: the leaders swap the whole tables */
        err =
            mpi_inter_swap(c, (const int *)all, 3 * c->size, (int *)(all + nl), 3 * c->remote_size);
    if (!err)
        err = mpi_inter_bcast(&lv, all, sizeof(*all) * nl, 0);
    for (i = 0; !err && i < (int)(nl + nr); i++)
        if (all[i].next_ctx > ctx)
            ctx = all[i].next_ctx;
    if (!err)
        mpi_comm_ctx_taken(s, ctx);
    if (!err && color != MPI_UNDEFINED) {
        int kl = isplit_pick(all, c->group, c->size, color, loc);
        int kr = isplit_pick(all + nl, c->remote, c->remote_size, color, rem);
        if (kr > 0) { /* no remote member of this color: MPI_COMM_NULL */
            err = mpi_inter_new(s, c, loc, kl, rem, kr, ctx, n_p);
            loc = rem = NULL;
        }
    }
    free(loc);
    free(rem);
    free(all);
    return err;
}

int mpi_inter_create(struct mpi_rank_state *s, struct mpi_comm *c, MPI_Group group,
                     struct mpi_comm **n_p)
{
    const struct mpi_group *g = mpi_group_get(s, group);
    int mine[2], theirs[2] = {0, 0}, ctx = 0, i, err;
    struct mpi_comm lv;
    int *loc = NULL, *rem = NULL;

    *n_p = NULL;
    mpi_inter_local_view(c, &lv);
    for (i = 0; i < g->size; i++) /* a subgroup of the local group */
        if (mpi_comm_from_world(&lv, g->ranks[i]) == MPI_UNDEFINED)
            return MPI_ERR_GROUP;
    err = mpi_comm_ctx_agree(&lv, mpi_comm_ctx_offer(s), &mine[0]);
    mine[1] = g->size;
    if (!err)
        err = mpi_inter_swap(c, mine, 2, theirs, 2);
    if (!err && !(rem = malloc(sizeof(int) * (size_t)(theirs[1] > 0 ? theirs[1] : 1))))
        err = -ENOMEM;
    if (!err)
        err = mpi_inter_swap(c, g->ranks, g->size, rem, theirs[1]);
    if (!err) {
        ctx = mine[0] > theirs[0] ? mine[0] : theirs[0];
        mpi_comm_ctx_taken(s, ctx);
    }
    if (!err && theirs[1] > 0 && mpi_group_rank_of(g, cv_rank()) != MPI_UNDEFINED) {
        loc = ints_dup(g->ranks, g->size);
        if (!loc)
            err = -ENOMEM;
        else
            err = mpi_inter_new(s, c, loc, g->size, rem, theirs[1], ctx, n_p);
        rem = NULL;
    }
    free(rem);
    return err;
}
