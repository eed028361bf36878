/* groups.c: group constructors, set operations, translate_ranks and compare
 * against expectations worked out by hand for a world of 6 ranks.
 *
 * Every group is checked member by member (translated to world ranks) and
 * through Group_size and Group_rank on every rank. Run with 6 ranks.
 */
#include <mpi.h>
#include <stdio.h>

#include "testhelp_mpi.h"

static int wrank;
static MPI_Group world;

/* Checks that g holds exactly the world ranks want[0..n), in that order. */
#define EXPECT(g, ...)                                                                             \
    do {                                                                                           \
        const int want_[] = {__VA_ARGS__};                                                         \
        expect_group(g, want_, (int)(sizeof(want_) / sizeof(int)), __LINE__);                      \
    } while (0)

static void expect_group(MPI_Group g, const int *want, int n, int line)
{
    int size, rank, i, in[16], out[16], me = MPI_UNDEFINED;

    MPI_CHECK(MPI_Group_size(g, &size));
    CHECKF(size == n, "line %d: size %d want %d", line, size, n);
    for (i = 0; i < n; i++) {
        in[i] = i;
        if (want[i] == wrank)
            me = i;
    }
    MPI_CHECK(MPI_Group_translate_ranks(g, n, in, world, out));
    for (i = 0; i < n; i++)
        CHECKF(out[i] == want[i], "line %d: member %d is %d want %d", line, i, out[i], want[i]);
    MPI_CHECK(MPI_Group_rank(g, &rank));
    CHECKF(rank == me, "line %d: my rank %d want %d", line, rank, me);
}

static void expect_cmp(MPI_Group a, MPI_Group b, int want)
{
    int result = -1;

    MPI_CHECK(MPI_Group_compare(a, b, &result));
    CHECKF(result == want, "compare %d want %d", result, want);
}

static void free_all(MPI_Group *g, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        MPI_CHECK(MPI_Group_free(&g[i]));
        CHECK(g[i] == MPI_GROUP_NULL);
    }
}

int main(int argc, char **argv)
{
    int size, i, r[8];
    int ranks_a[] = {5, 1, 3}, ranks_b[] = {0, 2};
    int range1[1][3] = {{0, 5, 2}}, range2[2][3] = {{5, 0, -2}, {2, 2, 1}};
    int range3[1][3] = {{1, 4, 3}};
    int tr_in[4] = {0, 1, 2, MPI_PROC_NULL}, tr2_in[4] = {0, 1, 2, 3};
    MPI_Group g1, g2, g[16];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size == 6, "run with 6 ranks, not %d", size);
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &world));
    EXPECT(world, 0, 1, 2, 3, 4, 5);

    MPI_CHECK(MPI_Group_incl(world, 3, ranks_a, &g1));
    EXPECT(g1, 5, 1, 3);
    MPI_CHECK(MPI_Group_excl(world, 2, ranks_b, &g2));
    EXPECT(g2, 1, 3, 4, 5);
    MPI_CHECK(MPI_Group_range_incl(world, 1, range1, &g[0]));
    EXPECT(g[0], 0, 2, 4);
    MPI_CHECK(MPI_Group_range_incl(world, 2, range2, &g[1]));
    EXPECT(g[1], 5, 3, 1, 2);
    MPI_CHECK(MPI_Group_range_excl(world, 1, range3, &g[2]));
    EXPECT(g[2], 0, 2, 3, 5);
    MPI_CHECK(MPI_Group_union(g1, g2, &g[3]));
    EXPECT(g[3], 5, 1, 3, 4);
    MPI_CHECK(MPI_Group_union(g2, g1, &g[4]));
    EXPECT(g[4], 1, 3, 4, 5);
    MPI_CHECK(MPI_Group_intersection(g2, g1, &g[5]));
    EXPECT(g[5], 1, 3, 5);
    MPI_CHECK(MPI_Group_intersection(g1, g2, &g[6]));
    EXPECT(g[6], 5, 1, 3);
    MPI_CHECK(MPI_Group_difference(g2, g1, &g[7]));
    EXPECT(g[7], 4);
    MPI_CHECK(MPI_Group_difference(g1, g2, &g[8]));
    CHECK(g[8] == MPI_GROUP_EMPTY);
    MPI_CHECK(MPI_Group_incl(g1, 0, NULL, &g[9]));
    CHECK(g[9] == MPI_GROUP_EMPTY);
    MPI_CHECK(MPI_Group_excl(g[1], 2, ranks_b, &g[10])); /* g[1] ranks 0, 2: worlds 5, 1 */
    EXPECT(g[10], 3, 2);
    r[0] = 0;
    r[1] = 2;
    r[2] = 1;
    MPI_CHECK(MPI_Group_incl(g[2], 3, r, &g[11])); /* g[2] is 0, 2, 3, 5 */
    EXPECT(g[11], 0, 3, 2);

    MPI_CHECK(MPI_Group_translate_ranks(g1, 4, tr_in, world, r));
    CHECK(r[0] == 5 && r[1] == 1 && r[2] == 3 && r[3] == MPI_PROC_NULL);
    MPI_CHECK(MPI_Group_translate_ranks(g2, 4, tr2_in, g1, r));
    CHECKF(r[0] == 1 && r[1] == 2 && r[2] == MPI_UNDEFINED && r[3] == 0, "%d %d %d %d", r[0], r[1],
           r[2], r[3]);
    MPI_CHECK(MPI_Group_translate_ranks(MPI_GROUP_EMPTY, 0, NULL, world, NULL));

    expect_cmp(g1, g[6], MPI_IDENT);
    expect_cmp(g1, g[5], MPI_SIMILAR);
    expect_cmp(g[3], g[4], MPI_SIMILAR);
    expect_cmp(g1, g2, MPI_UNEQUAL);
    expect_cmp(g[0], g[2], MPI_UNEQUAL);
    expect_cmp(MPI_GROUP_EMPTY, g[8], MPI_IDENT);
    expect_cmp(world, g[4], MPI_UNEQUAL);
    MPI_CHECK(MPI_Group_size(MPI_GROUP_EMPTY, &i));
    CHECK(i == 0);
    MPI_CHECK(MPI_Group_rank(MPI_GROUP_EMPTY, &i));
    CHECK(i == MPI_UNDEFINED);

    free_all(g, 12);
    free_all(&g1, 1);
    free_all(&g2, 1);
    /* Slots are reused: many short-lived groups. */
    for (i = 0; i < 500; i++) {
        MPI_CHECK(MPI_Group_range_incl(world, 1, range2 + (i % 2), &g[0]));
        if (i % 2)
            EXPECT(g[0], 2);
        else
            EXPECT(g[0], 5, 3, 1);
        free_all(g, 1);
    }
    free_all(&world, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("groups: OK %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
