/* comm_group_ops.c: groups made from groups (Group_incl, excl, range_incl,
 * range_excl, union, intersection, difference).
 *
 * Each call checks its arguments, builds the member list in a scratch array
 * of world ranks and hands it to mpi_group_new(). Ranks passed by the
 * application are group ranks; they must lie in the group and appear once
 * (MPI_ERR_RANK otherwise). A range triplet (first, last, stride) with a
 * zero stride, ranks outside the group or a rank named twice is refused
 * with MPI_ERR_ARG, the class MPICH gives (the triplet is the bad
 * argument). Results keep the order the standard defines: incl follows
 * the argument, the others follow group1 (then group2 for union).
 */
#include <errno.h>
#include <stdlib.h>
#include "comm_group.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Group_incl = PMPI_Group_incl
#pragma weak MPI_Group_excl = PMPI_Group_excl
#pragma weak MPI_Group_range_incl = PMPI_Group_range_incl
#pragma weak MPI_Group_range_excl = PMPI_Group_range_excl
#pragma weak MPI_Group_union = PMPI_Group_union
#pragma weak MPI_Group_intersection = PMPI_Group_intersection
#pragma weak MPI_Group_difference = PMPI_Group_difference

/* Scratch rank list of n ints plus a per-rank mark array of m chars. */
struct scratch {
    int *list;
    char *mark;
};

static int scratch_get(struct scratch *t, int n, int m)
{
    t->list = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    t->mark = calloc((size_t)(m > 0 ? m : 1), 1);
    return t->list && t->mark ? MPI_SUCCESS : -ENOMEM;
}

static void scratch_put(struct scratch *t)
{
    free(t->list);
    free(t->mark);
}

/* Marks ranks[0..n) of g in mark[]. Returns MPI_SUCCESS, MPI_ERR_ARG or
 * MPI_ERR_RANK (out of range or repeated). */
static int mark_ranks(const struct mpi_group *g, int n, const int *ranks, char *mark)
{
    int i;

    if (n < 0 || (n > 0 && !ranks))
        return MPI_ERR_ARG;
    for (i = 0; i < n; i++) {
        if (ranks[i] < 0 || ranks[i] >= g->size || mark[ranks[i]])
            return MPI_ERR_RANK;
        mark[ranks[i]] = 1;
    }
    return MPI_SUCCESS;
}

/* Marks the ranks of n range triplets of g in mark[]. Returns MPI_SUCCESS
 * or MPI_ERR_ARG. */
static int mark_ranges(const struct mpi_group *g, int n, int ranges[][3], char *mark)
{
    int i, r;

    if (n < 0 || (n > 0 && !ranges))
        return MPI_ERR_ARG;
    for (i = 0; i < n; i++) {
        int first = ranges[i][0], last = ranges[i][1], stride = ranges[i][2];
        if (stride == 0)
            return MPI_ERR_ARG;
        if (first < 0 || first >= g->size || last < 0 || last >= g->size)
            return MPI_ERR_ARG;
        for (r = first; stride > 0 ? r <= last : r >= last; r += stride) {
            if (mark[r])
                return MPI_ERR_ARG;
            mark[r] = 1;
        }
    }
    return MPI_SUCCESS;
}

/* Enters MPI, resolves group and checks newgroup. */
static int ops_enter(struct mpi_rank_state **s_p, MPI_Group h, const struct mpi_group **g_p,
                     const MPI_Group *newgroup)
{
    int err = mpi_enter(s_p);

    if (!err && !(*g_p = mpi_group_get(*s_p, h)))
        err = MPI_ERR_GROUP;
    if (!err && !newgroup)
        err = MPI_ERR_ARG;
    return err;
}

/* The group of the members of g whose mark equals want, in g's order. */
static int group_by_mark(struct mpi_rank_state *s, const struct mpi_group *g, struct scratch *t,
                         int want, MPI_Group *newgroup)
{
    int i, n = 0;

    for (i = 0; i < g->size; i++)
        if (!!t->mark[i] == want)
            t->list[n++] = g->ranks[i];
    return mpi_group_new(s, t->list, n, newgroup);
}

int PMPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g = NULL;
    struct scratch t = {NULL, NULL};
    int i, err = ops_enter(&s, group, &g, newgroup);

    if (!err)
        err = scratch_get(&t, n, g->size);
    if (!err)
        err = mark_ranks(g, n, ranks, t.mark);
    for (i = 0; !err && i < n; i++)
        t.list[i] = g->ranks[ranks[i]];
    if (!err)
        err = mpi_group_new(s, t.list, n, newgroup);
    scratch_put(&t);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_incl");
}

int PMPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g = NULL;
    struct scratch t = {NULL, NULL};
    int err = ops_enter(&s, group, &g, newgroup);

    if (!err)
        err = scratch_get(&t, g->size, g->size);
    if (!err)
        err = mark_ranks(g, n, ranks, t.mark);
    if (!err)
        err = group_by_mark(s, g, &t, 0, newgroup);
    scratch_put(&t);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_excl");
}

/* Members of the ranges, in the order the triplets list them (marks were
 * checked first, so each rank appears once). */
static int range_list(const struct mpi_group *g, int n, int ranges[][3], int *list)
{
    int i, r, k = 0;

    for (i = 0; i < n; i++)
        for (r = ranges[i][0]; ranges[i][2] > 0 ? r <= ranges[i][1] : r >= ranges[i][1];
             r += ranges[i][2])
            list[k++] = g->ranks[r];
    return k;
}

int PMPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g = NULL;
    struct scratch t = {NULL, NULL};
    int err = ops_enter(&s, group, &g, newgroup);

    if (!err)
        err = scratch_get(&t, g->size, g->size);
    if (!err)
        err = mark_ranges(g, n, ranges, t.mark);
    if (!err)
        err = mpi_group_new(s, t.list, range_list(g, n, ranges, t.list), newgroup);
    scratch_put(&t);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_range_incl");
}

int PMPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    const struct mpi_group *g = NULL;
    struct scratch t = {NULL, NULL};
    int err = ops_enter(&s, group, &g, newgroup);

    if (!err)
        err = scratch_get(&t, g->size, g->size);
    if (!err)
        err = mark_ranges(g, n, ranges, t.mark);
    if (!err)
        err = group_by_mark(s, g, &t, 0, newgroup);
    scratch_put(&t);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Group_range_excl");
}

/* Kinds of set operation. */
enum { SET_UNION, SET_INTERSECTION, SET_DIFFERENCE };

/* Marks the members of g1 that are also in g2. */
static void mark_common(const struct mpi_group *g1, const struct mpi_group *g2, char *mark)
{
    int i;

    for (i = 0; i < g1->size; i++)
        mark[i] = mpi_group_rank_of(g2, g1->ranks[i]) != MPI_UNDEFINED;
}

/* Shared by union, intersection and difference. */
static int group_set(MPI_Group group1, MPI_Group group2, int op, MPI_Group *newgroup,
                     const char *fname)
{
    struct mpi_rank_state *s;
    const struct mpi_group *g1 = NULL, *g2 = NULL;
    struct scratch t = {NULL, NULL};
    int i, n, err = ops_enter(&s, group1, &g1, newgroup);

    if (!err && !(g2 = mpi_group_get(s, group2)))
        err = MPI_ERR_GROUP;
    if (!err)
        err = scratch_get(&t, g1->size + g2->size, g1->size);
    if (err)
        goto out;
    mark_common(g1, g2, t.mark);
    if (op != SET_UNION) {
        err = group_by_mark(s, g1, &t, op == SET_INTERSECTION, newgroup);
        goto out;
    }
    for (n = 0; n < g1->size; n++)
        t.list[n] = g1->ranks[n];
    for (i = 0; i < g2->size; i++)
        if (mpi_group_rank_of(g1, g2->ranks[i]) == MPI_UNDEFINED)
            t.list[n++] = g2->ranks[i];
    err = mpi_group_new(s, t.list, n, newgroup);
out:
    scratch_put(&t);
    return mpi_error(MPI_COMM_WORLD, err, fname);
}

int PMPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    MPI_THREAD_GUARD();
    return group_set(group1, group2, SET_UNION, newgroup, "MPI_Group_union");
}

int PMPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    MPI_THREAD_GUARD();
    return group_set(group1, group2, SET_INTERSECTION, newgroup, "MPI_Group_intersection");
}

int PMPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    MPI_THREAD_GUARD();
    return group_set(group1, group2, SET_DIFFERENCE, newgroup, "MPI_Group_difference");
}
