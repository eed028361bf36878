/* dtype_compat.c: the MPI-1 datatype calls old codes still use, MPI_LB and
 * MPI_UB markers, addresses, and the types chosen by size or precision.
 *
 * Modes (argv[1]):
 *  all      MPI_Type_struct with MPI_LB/MPI_UB markers (bounds and extent,
 *           each marker on its own, a struct of only markers, markers
 *           inherited by an outer type) and a send of two items spaced by
 *           the marked extent; MPI_Type_hindexed/hvector against their
 *           MPI-2 names (same type map, bit for bit through Pack);
 *           MPI_Type_extent/lb/ub; MPI_Address/MPI_Get_address and
 *           MPI_Aint_add/diff; MPI_Type_match_size and
 *           MPI_Type_create_f90_integer/real/complex (handles, sizes,
 *           MPI_ERR_ARG when nothing fits).
 *  migrate  (nanvix-mpi only, needs spares) a type of absolute addresses
 *           (MPI_Get_address) is built, every rank moves, and the type is
 *           used from MPI_BOTTOM after the move: the container keeps its
 *           addresses.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

static int rank, size;

static void expect_bounds(MPI_Datatype t, MPI_Aint lb, MPI_Aint ub, int size_want, const char *what)
{
    MPI_Aint l = -1, u = -1, e = -1, l2, e2;
    int sz = -1;

    MPI_CHECK(MPI_Type_lb(t, &l));
    MPI_CHECK(MPI_Type_ub(t, &u));
    MPI_CHECK(MPI_Type_extent(t, &e));
    MPI_CHECK(MPI_Type_get_extent(t, &l2, &e2));
    MPI_CHECK(MPI_Type_size(t, &sz));
    CHECKF(l == lb && u == ub && e == ub - lb && l2 == lb && e2 == ub - lb && sz == size_want,
           "%s: lb %ld ub %ld extent %ld size %d, want lb %ld ub %ld size %d", what, (long)l,
           (long)u, (long)e, sz, (long)lb, (long)ub, size_want);
}

static void test_markers(void)
{
    int bl[3] = {1, 1, 1};
    MPI_Aint dp[3] = {-8, 4, 32};
    MPI_Datatype ty[3] = {MPI_LB, MPI_INT, MPI_UB}, t, only_lb, only_ub, outer, vec;
    int ints[2 * 10], back[2 * 10];

    MPI_CHECK(MPI_Type_struct(3, bl, dp, ty, &t));
    expect_bounds(t, -8, 32, 4, "{(LB,-8), (int,4), (UB,32)}");
    /* only the upper bound marked: the lower one from the data */
    ty[0] = MPI_DOUBLE;
    dp[0] = 8;
    dp[2] = 40;
    MPI_CHECK(MPI_Type_struct(3, bl, dp, ty, &only_lb));
    expect_bounds(only_lb, 4, 40, 12, "{(double,8), (int,4), (UB,40)}");
    /* a struct of markers only (MPI 4.1.7 of MPI-2.2: {(LB,10)} has ub 0) */
    MPI_CHECK(MPI_Type_struct(1, bl, (MPI_Aint[]){10}, (MPI_Datatype[]){MPI_LB}, &only_ub));
    expect_bounds(only_ub, 10, 0, 0, "{(LB,10)}");
    MPI_CHECK(MPI_Type_free(&only_ub));
    MPI_CHECK(
        MPI_Type_struct(2, bl, (MPI_Aint[]){4, 20}, (MPI_Datatype[]){MPI_LB, MPI_UB}, &only_ub));
    expect_bounds(only_ub, 4, 20, 0, "{(LB,4), (UB,20)}");
    /* markers are sticky: a contiguous of the marked type keeps them */
    MPI_CHECK(MPI_Type_contiguous(2, t, &outer));
    expect_bounds(outer, -8, 72, 8, "contiguous(2) of the marked struct");

    /* two items of t are 40 bytes apart: ints 1 and 11 of the buffer */
    MPI_CHECK(MPI_Type_commit(&t));
    for (int i = 0; i < 20; i++) {
        ints[i] = 100 + i;
        back[i] = -1;
    }
    MPI_CHECK(
        MPI_Sendrecv(ints, 2, t, 0, 1, back, 2, MPI_INT, 0, 1, MPI_COMM_SELF, MPI_STATUS_IGNORE));
    CHECKF(back[0] == 101 && back[1] == 111, "marked items sent %d %d, want 101 111", back[0],
           back[1]);
    /* and received into the same layout */
    MPI_CHECK(MPI_Sendrecv(ints, 2, MPI_INT, 0, 2, back + 2, 2, t, 0, 2, MPI_COMM_SELF,
                           MPI_STATUS_IGNORE));
    CHECKF(back[3] == 100 && back[13] == 101 && back[2] == -1 && back[4] == -1,
           "marked receive: %d %d %d %d", back[2], back[3], back[4], back[13]);

    /* MPI-1 names give the same type maps as the MPI-2 ones */
    MPI_Datatype h1, h2;
    int hb[2] = {2, 1}, p1[12], p2[12], pos1 = 0, pos2 = 0;
    MPI_Aint hd[2] = {8, 0};
    MPI_CHECK(MPI_Type_hindexed(2, hb, hd, MPI_INT, &h1));
    MPI_CHECK(MPI_Type_create_hindexed(2, hb, hd, MPI_INT, &h2));
    MPI_CHECK(MPI_Type_commit(&h1));
    MPI_CHECK(MPI_Type_commit(&h2));
    MPI_CHECK(MPI_Pack(ints, 3, h1, p1, sizeof(p1), &pos1, MPI_COMM_SELF));
    MPI_CHECK(MPI_Pack(ints, 3, h2, p2, sizeof(p2), &pos2, MPI_COMM_SELF));
    CHECK(pos1 == 36 && pos2 == 36 && memcmp(p1, p2, 36) == 0);
    CHECK(p1[0] == 102 && p1[1] == 103 && p1[2] == 100 && p1[3] == 106);
    MPI_CHECK(MPI_Type_hvector(3, 1, 12, MPI_INT, &vec));
    expect_bounds(vec, 0, 28, 12, "hvector(3, 1, 12 bytes)");
    MPI_CHECK(MPI_Type_free(&h1));
    MPI_CHECK(MPI_Type_free(&h2));
    MPI_CHECK(MPI_Type_free(&vec));
    MPI_CHECK(MPI_Type_free(&t));
    MPI_CHECK(MPI_Type_free(&only_lb));
    MPI_CHECK(MPI_Type_free(&only_ub));
    MPI_CHECK(MPI_Type_free(&outer));
}

static void test_addresses(void)
{
    double a[4];
    MPI_Aint x, y, z;

    MPI_CHECK(MPI_Get_address(&a[0], &x));
    MPI_CHECK(MPI_Address(&a[3], &y));
    CHECK(x == (MPI_Aint)(uintptr_t)&a[0]);
    CHECK(MPI_Aint_diff(y, x) == 3 * (MPI_Aint)sizeof(double));
    z = MPI_Aint_add(x, 2 * sizeof(double));
    CHECK(z == (MPI_Aint)(uintptr_t)&a[2]);
    CHECK(MPI_Aint_add(z, -16) == x);
}

static void expect_match(int cls, int sz, MPI_Datatype want)
{
    MPI_Datatype t = MPI_DATATYPE_NULL;
    int s = -1;

    MPI_CHECK(MPI_Type_match_size(cls, sz, &t));
    CHECKF(t == want, "match_size(%d, %d) gave %#x, want %#x", cls, sz, (unsigned)t,
           (unsigned)want);
    MPI_CHECK(MPI_Type_size(t, &s));
    CHECK(s == sz);
}

static void test_match(void)
{
    MPI_Datatype t;
    int err, s;

    expect_match(MPI_TYPECLASS_INTEGER, 1, MPI_INTEGER1);
    expect_match(MPI_TYPECLASS_INTEGER, 4, MPI_INTEGER4);
    expect_match(MPI_TYPECLASS_INTEGER, 8, MPI_INTEGER8);
    expect_match(MPI_TYPECLASS_REAL, 4, MPI_REAL4);
    expect_match(MPI_TYPECLASS_REAL, 8, MPI_REAL8);
    expect_match(MPI_TYPECLASS_COMPLEX, 16, MPI_COMPLEX16);
    MPI_CHECK(MPI_Type_create_f90_integer(9, &t));
    MPI_CHECK(MPI_Type_size(t, &s));
    CHECKF(s == 4, "f90_integer(9): size %d", s);
    MPI_CHECK(MPI_Type_create_f90_integer(10, &t));
    MPI_CHECK(MPI_Type_size(t, &s));
    CHECKF(s == 8, "f90_integer(10): size %d", s);
    MPI_CHECK(MPI_Type_create_f90_real(6, MPI_UNDEFINED, &t));
    MPI_CHECK(MPI_Type_size(t, &s));
    CHECKF(s == 4, "f90_real(6, -): size %d", s);
    MPI_CHECK(MPI_Type_create_f90_real(MPI_UNDEFINED, 300, &t));
    MPI_CHECK(MPI_Type_size(t, &s));
    CHECKF(s == 8, "f90_real(-, 300): size %d", s);
    MPI_CHECK(MPI_Type_create_f90_complex(15, 307, &t));
    MPI_CHECK(MPI_Type_size(t, &s));
    CHECKF(s == 16, "f90_complex(15, 307): size %d", s);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    err = MPI_Type_match_size(MPI_TYPECLASS_REAL, 3, &t);
    CHECK_CLASS(err, MPI_ERR_ARG);
    err = MPI_Type_match_size(99, 4, &t);
    CHECK_CLASS(err, MPI_ERR_ARG);
    if (!th_library_is_mpich()) { /* MPICH 4.0.2 answers these with a real type */
        err = MPI_Type_create_f90_integer(40, &t);
        CHECK_CLASS(err, MPI_ERR_ARG);
        err = MPI_Type_create_f90_real(40, MPI_UNDEFINED, &t);
        CHECK_CLASS(err, MPI_ERR_ARG);
    }
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

#ifdef MPIX_ANY_SPARE
static void mode_migrate(void)
{
    int data[6] = {rank, -1, rank + 10, -1, rank + 20, -1}, got[3] = {0, 0, 0};
    int bl[3] = {1, 1, 1}, c0, c1, from = (rank + size - 1) % size;
    MPI_Aint at[3];
    MPI_Datatype ty[3] = {MPI_INT, MPI_INT, MPI_INT}, abs_t;

    for (int i = 0; i < 3; i++)
        MPI_CHECK(MPI_Get_address(&data[2 * i], &at[i]));
    MPI_CHECK(MPI_Type_struct(3, bl, at, ty, &abs_t));
    MPI_CHECK(MPI_Type_commit(&abs_t));
    MPI_CHECK(MPIX_Cluster_self(&c0));
    MPI_CHECK(MPI_Migrateto(MPIX_ANY_SPARE)); /* every rank at the same moment */
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF(c0 != c1, "rank %d still on cluster %d", rank, c0);
    MPI_CHECK(MPI_Sendrecv(MPI_BOTTOM, 1, abs_t, (rank + 1) % size, 9, got, 3, MPI_INT, from, 9,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECKF(got[0] == from && got[1] == from + 10 && got[2] == from + 20,
           "after the move got %d %d %d from %d", got[0], got[1], got[2], from);
    MPI_CHECK(MPI_Type_free(&abs_t));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("dtype_compat migrate: OK\n");
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";

    MPI_Init(&argc, &argv);
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    if (strcmp(mode, "all") == 0) {
        test_markers();
        test_addresses();
        test_match();
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0)
            printf("dtype_compat: OK\n");
    }
#ifdef MPIX_ANY_SPARE
    else if (strcmp(mode, "migrate") == 0)
        mode_migrate();
#endif
    else
        CHECKF(0, "unknown mode %s", mode);
    MPI_CHECK(MPI_Finalize());
    return 0;
}
