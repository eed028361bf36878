/* dtype_darray.c: MPI_Type_create_darray, checked element by element.
 *
 * A global 2-D array of doubles holds at every element its linear index.
 * For several distributions (block, block with an explicit darg, cyclic,
 * cyclic(k), undistributed; C and Fortran order) each rank builds the darray
 * type of its part, and its part comes in three ways: MPI_Pack of the
 * global array, a send from rank 0 of one darray item, and a receive into
 * the darray type of contiguous values. The expected element list is
 * computed here by testing every global index for ownership (index / block
 * == coordinate, or (index / k) % psize == coordinate), not by the runs
 * the library computes. Also: extent and envelope/contents, bad arguments
 * (MPI_ERR_RANK for the rank, MPI_ERR_ARG otherwise, as MPICH).
 *
 * Modes (argv[1]): all; migrate (nanvix-mpi only, needs spares): every rank
 * moves while rank 0's darray sends are pending, then the checks repeat.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

static int rank, size;

struct dist {
    const char *name;
    int gsizes[2], distribs[2], dargs[2], psizes[2], order;
};

/* Whether global index g of a dimension is owned by coordinate c. */
static int owns(const struct dist *d, int dim, int g, int c)
{
    int p = d->psizes[dim], k = d->dargs[dim], n = d->gsizes[dim];

    switch (d->distribs[dim]) {
    case MPI_DISTRIBUTE_BLOCK:
        k = k == MPI_DISTRIBUTE_DFLT_DARG ? (n + p - 1) / p : k;
        return g / k == c;
    case MPI_DISTRIBUTE_CYCLIC:
        k = k == MPI_DISTRIBUTE_DFLT_DARG ? 1 : k;
        return (g / k) % p == c;
    default:
        return 1;
    }
}

/* The linear indices rank r owns, in increasing address order. */
static int expected(const struct dist *d, int r, int *out)
{
    int c[2] = {r / d->psizes[1], r % d->psizes[1]}, n = 0;
    int g0 = d->gsizes[0], g1 = d->gsizes[1];

    for (int lin = 0; lin < g0 * g1; lin++) {
        /* C order: index (i, j) at i * g1 + j; Fortran: i + j * g0 */
        int i = d->order == MPI_ORDER_C ? lin / g1 : lin % g0;
        int j = d->order == MPI_ORDER_C ? lin % g1 : lin / g0;
        if (owns(d, 0, i, c[0]) && owns(d, 1, j, c[1]))
            out[n++] = lin;
    }
    return n;
}

static MPI_Datatype make(const struct dist *d, int r)
{
    MPI_Datatype t;

    MPI_CHECK(MPI_Type_create_darray(size, r, 2, d->gsizes, d->distribs, d->dargs, d->psizes,
                                     d->order, MPI_DOUBLE, &t));
    MPI_CHECK(MPI_Type_commit(&t));
    return t;
}

static void check_values(const struct dist *d, const double *got, int n, const char *how)
{
    int *want = malloc(sizeof(int) * (size_t)(d->gsizes[0] * d->gsizes[1]));
    int m;

    CHECK(want);
    m = expected(d, rank, want);
    CHECKF(n == m, "%s %s: %d elements, want %d", d->name, how, n, m);
    for (int i = 0; i < n; i++)
        CHECKF(got[i] == want[i], "%s %s: element %d is %g, want %d", d->name, how, i, got[i],
               want[i]);
    free(want);
}

static void run_dist(const struct dist *d, void (*between)(void))
{
    int total = d->gsizes[0] * d->gsizes[1], n, pos = 0, tsize;
    double *global = malloc(sizeof(double) * (size_t)total);
    double *local = malloc(sizeof(double) * (size_t)total);
    MPI_Datatype mine = make(d, rank);
    MPI_Aint lb, ext;
    MPI_Request *rq = malloc(sizeof(MPI_Request) * (size_t)size);
    MPI_Datatype *theirs = malloc(sizeof(MPI_Datatype) * (size_t)size);
    MPI_Status st;

    CHECK(global && local && rq && theirs);
    for (int i = 0; i < total; i++)
        global[i] = i;
    MPI_CHECK(MPI_Type_get_extent(mine, &lb, &ext));
    CHECKF(lb == 0 && ext == (MPI_Aint)total * 8, "%s: lb %ld extent %ld", d->name, (long)lb,
           (long)ext);
    MPI_CHECK(MPI_Type_size(mine, &tsize));
    n = tsize / 8;

    /* 1: MPI_Pack of this rank's part of the global array */
    MPI_CHECK(MPI_Pack(global, 1, mine, local, total * 8, &pos, MPI_COMM_SELF));
    CHECK(pos == tsize);
    check_values(d, local, n, "packed");

    /* 2: rank 0 sends every rank its part (a darray item of that rank) */
    if (rank == 0)
        for (int r = 0; r < size; r++) {
            theirs[r] = make(d, r);
            MPI_CHECK(MPI_Isend(global, 1, theirs[r], r, 3, MPI_COMM_WORLD, &rq[r]));
            MPI_CHECK(MPI_Type_free(&theirs[r])); /* the send keeps it */
        }
    if (between)
        between();
    memset(local, 0, sizeof(double) * (size_t)total);
    MPI_CHECK(MPI_Recv(local, n, MPI_DOUBLE, 0, 3, MPI_COMM_WORLD, &st));
    if (rank == 0)
        for (int r = 0; r < size; r++)
            MPI_CHECK(MPI_Wait(&rq[r], MPI_STATUS_IGNORE));
    check_values(d, local, n, "sent as darray");

    /* 3: contiguous values received into the darray layout */
    for (int i = 0; i < total; i++)
        global[i] = -1;
    MPI_CHECK(
        MPI_Sendrecv(local, n, MPI_DOUBLE, rank, 4, global, 1, mine, rank, 4, MPI_COMM_WORLD, &st));
    for (int i = 0, k = 0; i < total; i++)
        if (global[i] != -1)
            local[k++] = global[i] == i ? i : -2; /* landed where it belongs */
    check_values(d, local, n, "received into darray");
    MPI_CHECK(MPI_Type_free(&mine));
    free(global);
    free(local);
    free(rq);
    free(theirs);
}

/* Distributions for 4 ranks (a 2 x 2 grid) and for any count (size x 1). */
static struct dist dists[] = {
    {"block/block C",
     {7, 9},
     {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_BLOCK},
     {MPI_DISTRIBUTE_DFLT_DARG, MPI_DISTRIBUTE_DFLT_DARG},
     {2, 2},
     MPI_ORDER_C},
    {"cyclic/cyclic(2) Fortran",
     {7, 9},
     {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_CYCLIC},
     {MPI_DISTRIBUTE_DFLT_DARG, 2},
     {2, 2},
     MPI_ORDER_FORTRAN},
    {"block(5)/cyclic(3) C",
     {9, 10},
     {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
     {5, 3},
     {2, 2},
     MPI_ORDER_C},
    {"cyclic(2)/none C",
     {11, 4},
     {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_NONE},
     {2, MPI_DISTRIBUTE_DFLT_DARG},
     {0, 1},
     MPI_ORDER_C},
    {"block/none Fortran",
     {10, 3},
     {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_NONE},
     {MPI_DISTRIBUTE_DFLT_DARG, MPI_DISTRIBUTE_DFLT_DARG},
     {0, 1},
     MPI_ORDER_FORTRAN},
};
#define NDISTS ((int)(sizeof(dists) / sizeof(dists[0])))

static void run_all(void (*between)(void))
{
    for (int i = 0; i < NDISTS; i++) {
        if (dists[i].psizes[0] == 0)
            dists[i].psizes[0] = size; /* size x 1 grids */
        if (dists[i].psizes[0] * dists[i].psizes[1] != size)
            continue;
        run_dist(&dists[i], between);
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0)
            printf("dtype_darray: %s OK\n", dists[i].name);
    }
}

static void test_contents_and_errors(void)
{
    const struct dist *d = &dists[2];
    int ni, na, nt, comb, ints[16], err, bad[2] = {MPI_DISTRIBUTE_NONE, MPI_DISTRIBUTE_NONE};
    MPI_Aint aints[1];
    MPI_Datatype t, types[1];
    int psizes[2] = {2, 2};

    MPI_CHECK(MPI_Type_create_darray(4, 3, 2, d->gsizes, d->distribs, d->dargs, psizes, d->order,
                                     MPI_DOUBLE, &t));
    MPI_CHECK(MPI_Type_get_envelope(t, &ni, &na, &nt, &comb));
    CHECKF(comb == MPI_COMBINER_DARRAY && ni == 12 && na == 0 && nt == 1,
           "envelope %d %d %d combiner %d", ni, na, nt, comb);
    MPI_CHECK(MPI_Type_get_contents(t, 16, 1, 1, ints, aints, types));
    CHECK(ints[0] == 4 && ints[1] == 3 && ints[2] == 2 && ints[3] == 9 && ints[4] == 10);
    CHECK(ints[5] == MPI_DISTRIBUTE_BLOCK && ints[8] == 3 && ints[10] == 2 &&
          ints[11] == MPI_ORDER_C && types[0] == MPI_DOUBLE);
    MPI_CHECK(MPI_Type_free(&t));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    err = MPI_Type_create_darray(4, 4, 2, d->gsizes, d->distribs, d->dargs, psizes, d->order,
                                 MPI_DOUBLE, &t); /* rank out of range */
    CHECK_CLASS(err, MPI_ERR_RANK);
    if (th_library_is_mpich()) { /* MPICH 4.0.2 divides by zero on these (SIGFPE) */
        MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
        return;
    }
    err = MPI_Type_create_darray(3, 0, 2, d->gsizes, d->distribs, d->dargs, psizes, d->order,
                                 MPI_DOUBLE, &t); /* grid of 4 for 3 processes */
    CHECK_CLASS(err, MPI_ERR_ARG);
    err = MPI_Type_create_darray(4, 0, 2, d->gsizes, bad, d->dargs, psizes, d->order, MPI_DOUBLE,
                                 &t); /* undistributed over 2 processes */
    CHECK_CLASS(err, MPI_ERR_ARG);
    int small[2] = {2, 3}; /* 2 x 2 blocks cannot cover 9 */
    err = MPI_Type_create_darray(4, 0, 2, d->gsizes, d->distribs, small, psizes, d->order,
                                 MPI_DOUBLE, &t);
    CHECK_CLASS(err, MPI_ERR_ARG);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

#ifdef MPIX_ANY_SPARE
static int moved;
/* Every rank moves (the first distribution only), rank 0's sends pending. */
static void move_all(void)
{
    int c0, c1;

    if (moved++)
        return;
    MPI_CHECK(MPIX_Cluster_self(&c0));
    MPI_CHECK(MPI_Migrateto(MPIX_ANY_SPARE));
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF(c0 != c1, "rank %d still on cluster %d", rank, c0);
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";

    MPI_Init(&argc, &argv);
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    if (strcmp(mode, "all") == 0) {
        run_all(NULL);
        test_contents_and_errors();
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0)
            printf("dtype_darray: OK\n");
    }
#ifdef MPIX_ANY_SPARE
    else if (strcmp(mode, "migrate") == 0) {
        run_all(move_all);
        if (rank == 0)
            printf("dtype_darray migrate: OK\n");
    }
#endif
    else
        CHECKF(0, "unknown mode %s", mode);
    MPI_CHECK(MPI_Finalize());
    return 0;
}
