/* test_mpi_topo.c: unit tests of the topology object (mpi/topo/topo.h).
 *
 * Row-major coordinates and shifts of a grid (periodic and not, with
 * displacements beyond the extent), the neighbour lists every kind gives
 * the neighbourhood collectives, and the deep copy MPI_Comm_dup makes: a
 * copy shares no array with its original, so freeing or changing one
 * leaves the other intact. Pure functions: nothing here needs a job.
 */
#include <check.h>
#include <stdlib.h>
#include "topo.h"

/* A 3 x 4 grid, periodic along dimension 0 only. */
static struct mpi_topo *grid(void)
{
    static const int dims[2] = {3, 4}, periods[2] = {1, 0};
    struct mpi_topo *t = mpi_topo_new(MPI_CART);

    ck_assert_ptr_nonnull(t);
    t->ndims = 2;
    t->dims = mpi_topo_ints(dims, 2);
    t->periods = mpi_topo_ints(periods, 2);
    return t;
}

START_TEST(test_cart_coords)
{
    struct mpi_topo *t = grid();
    int c[2];

    for (int r = 0; r < 12; r++) {
        mpi_topo_cart_coords(t, r, c);
        ck_assert_int_eq(c[0], r / 4);
        ck_assert_int_eq(c[1], r % 4);
    }
    mpi_topo_free(t);
}
END_TEST

START_TEST(test_cart_step)
{
    struct mpi_topo *t = grid();

    /* rank 5 = (1, 1) */
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 0, 1), 9);
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 0, -2), 9); /* wraps: (-1 + 3) */
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 0, 7), 9);  /* 1 + 7 = 8 = 2 mod 3 */
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 0, -7), 1); /* 1 - 7 = -6 = 0 mod 3 */
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 1, 2), 7);
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 1, 3), MPI_PROC_NULL);
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 1, -2), MPI_PROC_NULL);
    ck_assert_int_eq(mpi_topo_cart_step(t, 5, 1, 0), 5);
    mpi_topo_free(t);
}
END_TEST

START_TEST(test_cart_neighbors)
{
    struct mpi_topo *t = grid();
    int *in, *out, nin, nout;
    const int want[4] = {8, 4, MPI_PROC_NULL, 1}; /* rank 0: -1, +1 per dimension */

    ck_assert_int_eq(mpi_topo_neighbors(t, 0, &in, &nin, &out, &nout), MPI_SUCCESS);
    ck_assert_int_eq(nin, 4);
    ck_assert_int_eq(nout, 4);
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(in[k], want[k]);
        ck_assert_int_eq(out[k], want[k]);
    }
    free(in);
    free(out);
    mpi_topo_free(t);
}
END_TEST

START_TEST(test_graph_neighbors)
{
    static const int index[3] = {2, 3, 6}, edges[6] = {1, 2, 0, 0, 2, 1};
    struct mpi_topo *t = mpi_topo_new(MPI_GRAPH);
    int *in, *out, nin, nout;

    t->nnodes = 3;
    t->index = mpi_topo_ints(index, 3);
    t->edges = mpi_topo_ints(edges, 6);
    ck_assert_int_eq(mpi_topo_neighbors(t, 2, &in, &nin, &out, &nout), MPI_SUCCESS);
    ck_assert_int_eq(nin, 3);
    ck_assert_int_eq(nout, 3);
    ck_assert_int_eq(in[0], 0); /* a self loop and a repeated edge are kept */
    ck_assert_int_eq(in[1], 2);
    ck_assert_int_eq(in[2], 1);
    ck_assert_mem_eq(in, out, sizeof(int) * 3);
    free(in), free(out);
    ck_assert_int_eq(mpi_topo_neighbors(t, 1, &in, &nin, &out, &nout), MPI_SUCCESS);
    ck_assert_int_eq(nin, 1);
    ck_assert_int_eq(in[0], 0);
    free(in), free(out);
    mpi_topo_free(t);
}
END_TEST

START_TEST(test_dist_neighbors_and_dup)
{
    static const int src[2] = {3, 1}, dst[3] = {0, 0, 2}, sw[2] = {7, 8}, dw[3] = {1, 2, 3};
    struct mpi_topo *t = mpi_topo_new(MPI_DIST_GRAPH), *d;
    int *in, *out, nin, nout;

    t->indegree = 2, t->outdegree = 3, t->weighted = 1;
    t->sources = mpi_topo_ints(src, 2), t->sweights = mpi_topo_ints(sw, 2);
    t->dests = mpi_topo_ints(dst, 3), t->dweights = mpi_topo_ints(dw, 3);
    d = mpi_topo_dup(t);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_ne(d->sources, t->sources);
    ck_assert_ptr_ne(d->dweights, t->dweights);
    t->sources[0] = 99; /* the copy does not see it */
    mpi_topo_free(t);
    ck_assert_int_eq(mpi_topo_neighbors(d, 0, &in, &nin, &out, &nout), MPI_SUCCESS);
    ck_assert_int_eq(nin, 2);
    ck_assert_int_eq(nout, 3);
    ck_assert_mem_eq(in, src, sizeof(src));
    ck_assert_mem_eq(out, dst, sizeof(dst));
    ck_assert_mem_eq(d->sweights, sw, sizeof(sw));
    ck_assert_mem_eq(d->dweights, dw, sizeof(dw));
    ck_assert_int_eq(d->weighted, 1);
    free(in), free(out);
    mpi_topo_free(d);
    mpi_topo_free(NULL);
}
END_TEST

START_TEST(test_cart_dup)
{
    struct mpi_topo *t = grid(), *d = mpi_topo_dup(t);

    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->kind, MPI_CART);
    ck_assert_int_eq(d->ndims, 2);
    ck_assert_ptr_ne(d->dims, t->dims);
    t->dims[0] = 5;
    mpi_topo_free(t);
    ck_assert_int_eq(d->dims[0], 3);
    ck_assert_int_eq(d->dims[1], 4);
    ck_assert_int_eq(d->periods[0], 1);
    ck_assert_int_eq(mpi_topo_cart_step(d, 0, 0, -1), 8);
    mpi_topo_free(d);
}
END_TEST

static Suite *topo_suite(void)
{
    Suite *s = suite_create("mpi-topo");
    TCase *tc = tcase_create("topo");

    tcase_add_test(tc, test_cart_coords);
    tcase_add_test(tc, test_cart_step);
    tcase_add_test(tc, test_cart_neighbors);
    tcase_add_test(tc, test_graph_neighbors);
    tcase_add_test(tc, test_dist_neighbors_and_dup);
    tcase_add_test(tc, test_cart_dup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(topo_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
