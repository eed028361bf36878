/* comm_create_group.c: MPI_Comm_create_group, collective over the group only.
 *
 * Unlike MPI_Comm_create, only the members of the group take part: the
 * rest of the communicator may be doing anything else, even creating a
 * communicator from a disjoint group with the same tag at the same time.
 * The members agree on context ids as MPI_Comm_dup does (the largest
 * next_ctx wins and each member moves past it, so no rank ever holds two
 * communicators with the same ids), by a dissemination over the group's
 * ranks. Those messages travel on the parent's collective context with a
 * tag made from the user's tag, above the tags the collectives use there
 * (group_tag), so the two never match each other, and only between members.
 * A rank outside the group gets MPI_COMM_NULL without communicating.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "comm.h"
#include "comm_group.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"

#pragma weak MPI_Comm_create_group = PMPI_Comm_create_group

/* Wire tag of the agreement for user tag t (0..MPI_TAG_UB): above every
 * tag of the collectives (scheduled ones end at MPI_COLL_TAG_SCHED +
 * 0x3fffffff, coll_sched.c), the user's tag folded into what is left. Two
 * user tags that fold together (2^30 - 64 apart) would only mix if one
 * rank ran both calls on the same communicator at the same time. */
#define GROUP_TAG_BASE (MPI_COLL_TAG_SCHED + 0x40000000)
static int group_tag(int tag)
{
    return GROUP_TAG_BASE + tag % (0x7fffffff - GROUP_TAG_BASE + 1);
}

/* Largest next_ctx among the members of g (parent c, this rank is member
 * me of g): in round k member i sends what it knows to member i + k and
 * takes the one of member i - k. Returns 0 or < 0. */
static int group_ctx_agree(struct mpi_comm *c, const struct mpi_group *g, int me, int tag, int mine,
                           int *max_p)
{
    int k, other, err = 0;

    for (k = 1; k < g->size && !err; k <<= 1) {
        int to, from;

        to = mpi_comm_from_world(c, g->ranks[(me + k) % g->size]);
        from = mpi_comm_from_world(c, g->ranks[(me - k + g->size) % g->size]);
        err = mpi_coll_sendrecv(c, &mine, sizeof(mine), to, &other, sizeof(other), from, tag);
        if (!err && other > mine)
            mine = other;
    }
    *max_p = mine;
    return err;
}

/* MPI_SUCCESS when every member of g belongs to c, else MPI_ERR_GROUP. */
static int check_members(const struct mpi_comm *c, const struct mpi_group *g)
{
    int i;

    for (i = 0; i < g->size; i++)
        if (mpi_comm_from_world(c, g->ranks[i]) == MPI_UNDEFINED)
            return MPI_ERR_GROUP;
    return MPI_SUCCESS;
}

/* Agrees and builds the communicator of g (this rank is member me). */
static int create_group(struct mpi_rank_state *s, struct mpi_comm *c, const struct mpi_group *g,
                        int me, int tag, struct mpi_comm **n_p)
{
    int ctx = 0, *ranks,
        err = group_ctx_agree(c, g, me, group_tag(tag), mpi_comm_ctx_offer(s), &ctx);

    if (err)
        return err;
    mpi_comm_ctx_taken(s, ctx);
    ranks = malloc(sizeof(int) * (size_t)g->size);
    if (!ranks)
        return -ENOMEM;
    memcpy(ranks, g->ranks, sizeof(int) * (size_t)g->size);
    return mpi_comm_new(s, c, ranks, g->size, ctx, n_p);
}

int PMPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c, *n = NULL;
    const struct mpi_group *g = NULL;
    int me = MPI_UNDEFINED;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && mpi_comm_is_inter(c))
        err = MPI_ERR_COMM; /* MPI: an intracommunicator only */
    if (!err && !newcomm)
        err = MPI_ERR_ARG;
    if (!err && !(g = mpi_group_get(s, group)))
        err = MPI_ERR_GROUP;
    if (!err)
        err = check_members(c, g);
    if (!err)
        err = mpi_check_send_tag(tag);
    if (!err)
        me = mpi_group_rank_of(g, cv_rank());
    if (!err && me != MPI_UNDEFINED)
        err = create_group(s, c, g, me, tag, &n);
    if (err)
        return mpi_error(comm, err, "MPI_Comm_create_group");
    *newcomm = n ? n->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}
