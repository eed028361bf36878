/* comm_group.c: the group table and the group queries (Group_size, rank,
 * compare, translate_ranks, free; Comm_group).
 *
 * A group is an ordered list of world ranks. Groups live in a table of the
 * root object (so they migrate with the rank) and are named by MPICH's
 * handle form 0x88000000 | index; MPI_GROUP_EMPTY (0x48000000) is a builtin
 * handle that stands for a constant empty group, and every operation whose
 * result is empty returns it. Set operations and incl/excl are in
 * comm_group_ops.c. Errors go to MPI_COMM_WORLD's handler, as a group has
 * none of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "comm_group.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"

#pragma weak MPI_Group_size = PMPI_Group_size
#pragma weak MPI_Group_rank = PMPI_Group_rank
#pragma weak MPI_Group_compare = PMPI_Group_compare
#pragma weak MPI_Group_translate_ranks = PMPI_Group_translate_ranks
#pragma weak MPI_Group_free = PMPI_Group_free
#pragma weak MPI_Comm_group = PMPI_Comm_group

/* Constant, so not per-rank state: it holds no member and never changes. */
static const struct mpi_group group_empty = {0, NULL};

const struct mpi_group *mpi_group_get(struct mpi_rank_state *s, MPI_Group h)
{
    int idx = h & MPI_GROUP_HANDLE_INDEX;

    if (h == MPI_GROUP_EMPTY)
        return &group_empty;
    if ((h & ~MPI_GROUP_HANDLE_INDEX) != MPI_GROUP_HANDLE_DIRECT || idx >= s->ngroups)
        return NULL;
    return s->groups[idx];
}

/* A free index of the group table, growing it if needed; -ENOMEM. */
static int group_slot(struct mpi_rank_state *s)
{
    struct mpi_group **t;
    int i, n = s->ngroups ? s->ngroups * 2 : 8;

    for (i = 0; i < s->ngroups; i++)
        if (!s->groups[i])
            return i;
    t = realloc(s->groups, sizeof(*t) * (size_t)n);
    if (!t)
        return -ENOMEM;
    for (i = s->ngroups; i < n; i++)
        t[i] = NULL;
    i = s->ngroups;
    s->groups = t;
    s->ngroups = n;
    return i;
}

int mpi_group_new(struct mpi_rank_state *s, const int *ranks, int n, MPI_Group *h_p)
{
    struct mpi_group *g;
    int idx;

    if (n == 0) {
        *h_p = MPI_GROUP_EMPTY;
        return MPI_SUCCESS;
    }
    idx = group_slot(s);
    if (idx < 0)
        return idx;
    g = malloc(sizeof(*g));
    if (g)
        g->ranks = malloc(sizeof(int) * (size_t)n);
    if (!g || !g->ranks) {
        free(g);
        return -ENOMEM;
    }
    memcpy(g->ranks, ranks, sizeof(int) * (size_t)n);
    g->size = n;
    s->groups[idx] = g;
    *h_p = MPI_GROUP_HANDLE_DIRECT | idx;
    return MPI_SUCCESS;
}

void mpi_group_teardown(struct mpi_rank_state *s)
{
    int i;

    for (i = 0; i < s->ngroups; i++)
        if (s->groups[i]) {
            free(s->groups[i]->ranks);
            free(s->groups[i]);
        }
    free(s->groups);
    s->groups = NULL;
    s->ngroups = 0;
}

int mpi_group_rank_of(const struct mpi_group *g, int w)
{
    int i;

    for (i = 0; i < g->size; i++)
        if (g->ranks[i] == w)
            return i;
    return MPI_UNDEFINED;
}

/* Non-zero when x is one of b[0..nb). */
static int member(int x, const int *b, int nb)
{
    int i;

    for (i = 0; i < nb; i++)
        if (b[i] == x)
            return 1;
    return 0;
}

int mpi_group_cmp(const int *a, int na, const int *b, int nb)
{
    int i;

    if (na != nb)
        return MPI_UNEQUAL;
    if (na == 0 || memcmp(a, b, sizeof(int) * (size_t)na) == 0)
        return MPI_IDENT;
    /* Members are distinct, so equal sizes and a in b mean the same set. */
    for (i = 0; i < na; i++)
        if (!member(a[i], b, nb))
            return MPI_UNEQUAL;
    return MPI_SIMILAR;
}

/* Enters MPI and resolves one group handle. */
static int group_enter(struct mpi_rank_state **s_p, MPI_Group h, const struct mpi_group **g_p)
{
    int err = mpi_enter(s_p);

    if (!err && !(*g_p = mpi_group_get(*s_p, h)))
        err = MPI_ERR_GROUP;
    return err;
}

int PMPI_Group_size(MPI_Group group, int *size)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g;
    int err = group_enter(&s, group, &g);

    if (!err && !size)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_size");
    *size = g->size;
    return MPI_SUCCESS;
}

int PMPI_Group_rank(MPI_Group group, int *rank)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g;
    int err = group_enter(&s, group, &g);

    if (!err && !rank)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_rank");
    *rank = mpi_group_rank_of(g, cv_rank());
    return MPI_SUCCESS;
}

int PMPI_Group_compare(MPI_Group group1, MPI_Group group2, int *result)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g1, *g2 = NULL;
    int err = group_enter(&s, group1, &g1);

    if (!err && !(g2 = mpi_group_get(s, group2)))
        err = MPI_ERR_GROUP;
    if (!err && !result)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_compare");
    *result = mpi_group_cmp(g1->ranks, g1->size, g2->ranks, g2->size);
    return MPI_SUCCESS;
}

/* Checks ranks1[0..n) against g1 (MPI_PROC_NULL allowed). */
static int check_translate(const struct mpi_group *g1, int n, const int *ranks1, const int *ranks2)
{
    int i;

    if (n < 0 || (n > 0 && (!ranks1 || !ranks2)))
        return MPI_ERR_ARG;
    for (i = 0; i < n; i++)
        if (ranks1[i] != MPI_PROC_NULL && (ranks1[i] < 0 || ranks1[i] >= g1->size))
            return MPI_ERR_RANK;
    return MPI_SUCCESS;
}

int PMPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2,
                               int ranks2[])
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g1, *g2 = NULL;
    int i, err = group_enter(&s, group1, &g1);

    if (!err && !(g2 = mpi_group_get(s, group2)))
        err = MPI_ERR_GROUP;
    if (!err)
        err = check_translate(g1, n, ranks1, ranks2);
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_translate_ranks");
    for (i = 0; i < n; i++)
        ranks2[i] = ranks1[i] == MPI_PROC_NULL ? MPI_PROC_NULL
                                               : mpi_group_rank_of(g2, g1->ranks[ranks1[i]]);
    return MPI_SUCCESS;
}

/* MPI_GROUP_EMPTY may be freed too: operations hand it out like any group. */
int PMPI_Group_free(MPI_Group *group)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g = NULL;
    int err = mpi_enter(&s);

    if (!err && !group)
        err = MPI_ERR_ARG;
    if (!err && !(g = mpi_group_get(s, *group)))
        err = MPI_ERR_GROUP;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_free");
    if (*group != MPI_GROUP_EMPTY) {
        s->groups[*group & MPI_GROUP_HANDLE_INDEX] = NULL;
        free(g->ranks);
        free((void *)g);
    }
    *group = MPI_GROUP_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_group(MPI_Comm comm, MPI_Group *group)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !group)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_group");
    err = mpi_group_new(s, c->group, c->size, group);
    return mpi_error(comm, err, "MPI_Comm_group");
}
