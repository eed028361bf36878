/* dtype_layouts.c: the two sides of a transfer agree on the type signature
 * only, not on the layout; and datatypes outlive their handles where MPI
 * says they must.
 *
 * Modes (argv[1]):
 *  all      Gather/Scatter/Allgather/Alltoall/Alltoallw where one side uses
 *           a strided vector of N doubles and the other N contiguous doubles
 *           (the root's own block is the case that crashed: it is copied
 *           locally, from one layout into the other); a persistent send and
 *           receive whose derived type is freed right after *_init and that
 *           are started twice; a zero-size type with a NULL buffer (allowed)
 *           next to a non-zero one with NULL (MPI_ERR_BUFFER); MPI_BOTTOM
 *           with types of absolute addresses on both sides.
 *  migrate  (nanvix-mpi only, needs spares) the same Iallgather in flight
 *           while every rank moves at once; a started persistent send with
 *           a freed type while both ends move.
 * Buffers start filled with a marker; every double that the type map
 * reaches must hold the value computed from its position, every other one
 * the marker.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

#define N      12                     /* doubles of the vector */
#define STRIDE 5                      /* doubles between two of its elements */
#define MARK   -7.0                   /* untouched places */
#define VSPAN  ((N - 1) * STRIDE + 1) /* doubles one vector spans */

static int rank, size;
static MPI_Datatype vec; /* vector(N, 1, STRIDE) of MPI_DOUBLE */

/* The value element i of rank r's block carries. */
static double val(int r, int i)
{
    return r * 1000.0 + i;
}

static double *marked(size_t n)
{
    double *b = malloc(n * sizeof(*b));

    CHECK(b);
    for (size_t i = 0; i < n; i++)
        b[i] = MARK;
    return b;
}

/* Fills the strided places of a vector at v with rank r's values. */
static void fill_vec(double *v, int r)
{
    for (int i = 0; i < N; i++)
        v[i * STRIDE] = val(r, i);
}

/* Checks a vector at v holds r's values and the marker between them. */
static void check_vec(const double *v, int r, const char *what)
{
    for (int j = 0; j < VSPAN; j++) {
        double want = j % STRIDE ? MARK : val(r, j / STRIDE);
        CHECKF(v[j] == want, "%s: from rank %d, double %d is %g, want %g", what, r, j, v[j], want);
    }
}

/* Checks N contiguous doubles at d hold r's values. */
static void check_dense(const double *d, int r, const char *what)
{
    for (int i = 0; i < N; i++)
        CHECKF(d[i] == val(r, i), "%s: from rank %d, element %d is %g, want %g", what, r, i, d[i],
               val(r, i));
}

static void test_gather(void)
{
    double *v = marked(VSPAN), *all = marked((size_t)N * size);
    double *dense = marked(N), *vall = marked((size_t)VSPAN * size);

    fill_vec(v, rank);
    for (int i = 0; i < N; i++)
        dense[i] = val(rank, i);
    for (int root = 0; root < size; root++) {
        /* vectors sent, doubles received (the root's own block included) */
        MPI_CHECK(MPI_Gather(v, 1, vec, all, N, MPI_DOUBLE, root, MPI_COMM_WORLD));
        if (rank == root)
            for (int r = 0; r < size; r++)
                check_dense(all + r * N, r, "Gather vec -> doubles");
        /* doubles sent, vectors received: the vector's extent is VSPAN */
        MPI_CHECK(MPI_Gather(dense, N, MPI_DOUBLE, vall, 1, vec, root, MPI_COMM_WORLD));
        if (rank == root)
            for (int r = 0; r < size; r++)
                check_vec(vall + r * VSPAN, r, "Gather doubles -> vec");
    }
    free(v);
    free(all);
    free(dense);
    free(vall);
}

static void test_scatter(void)
{
    double *vall = marked((size_t)VSPAN * size), *all = marked((size_t)N * size);
    double *dense = marked(N), *v = marked(VSPAN);

    for (int r = 0; r < size; r++) {
        fill_vec(vall + r * VSPAN, r);
        for (int i = 0; i < N; i++)
            all[r * N + i] = val(r, i);
    }
    for (int root = 0; root < size; root++) {
        MPI_CHECK(MPI_Scatter(vall, 1, vec, dense, N, MPI_DOUBLE, root, MPI_COMM_WORLD));
        check_dense(dense, rank, "Scatter vec -> doubles");
        MPI_CHECK(MPI_Scatter(all, N, MPI_DOUBLE, v, 1, vec, root, MPI_COMM_WORLD));
        check_vec(v, rank, "Scatter doubles -> vec");
        memset(dense, 0, N * sizeof(*dense));
        for (int j = 0; j < VSPAN; j++)
            v[j] = MARK;
    }
    free(vall);
    free(all);
    free(dense);
    free(v);
}

static void test_allgather_alltoall(void)
{
    double *v = marked((size_t)VSPAN * size), *all = marked((size_t)N * size);
    int *cnt = malloc(sizeof(int) * (size_t)size), *dsp = malloc(sizeof(int) * (size_t)size);
    MPI_Datatype *st = malloc(sizeof(MPI_Datatype) * (size_t)size);
    MPI_Datatype *rt = malloc(sizeof(MPI_Datatype) * (size_t)size);
    int *rcnt = malloc(sizeof(int) * (size_t)size), *rdsp = malloc(sizeof(int) * (size_t)size);

    CHECK(cnt && dsp && st && rt && rcnt && rdsp);
    fill_vec(v, rank);
    MPI_CHECK(MPI_Allgather(v, 1, vec, all, N, MPI_DOUBLE, MPI_COMM_WORLD));
    for (int r = 0; r < size; r++)
        check_dense(all + r * N, r, "Allgather vec -> doubles");

    /* Alltoall: block for peer p is a vector of values (rank, p * N + i). */
    for (int p = 0; p < size; p++)
        for (int i = 0; i < N; i++)
            v[p * VSPAN + i * STRIDE] = val(rank, p * N + i);
    MPI_CHECK(MPI_Alltoall(v, 1, vec, all, N, MPI_DOUBLE, MPI_COMM_WORLD));
    for (int r = 0; r < size; r++)
        for (int i = 0; i < N; i++)
            CHECKF(all[r * N + i] == val(r, rank * N + i), "Alltoall: from %d element %d is %g", r,
                   i, all[r * N + i]);

    /* Alltoallw: vectors out, doubles in, byte displacements. */
    for (int p = 0; p < size; p++) {
        cnt[p] = 1;
        dsp[p] = p * VSPAN * (int)sizeof(double);
        st[p] = vec;
        rcnt[p] = N;
        rdsp[p] = p * N * (int)sizeof(double);
        rt[p] = MPI_DOUBLE;
    }
    for (int j = 0; j < N * size; j++)
        all[j] = MARK;
    MPI_CHECK(MPI_Alltoallw(v, cnt, dsp, st, all, rcnt, rdsp, rt, MPI_COMM_WORLD));
    for (int r = 0; r < size; r++)
        for (int i = 0; i < N; i++)
            CHECKF(all[r * N + i] == val(r, rank * N + i), "Alltoallw: from %d element %d is %g", r,
                   i, all[r * N + i]);
    free(v);
    free(all);
    free(cnt);
    free(dsp);
    free(st);
    free(rt);
    free(rcnt);
    free(rdsp);
}

/* Rank 0 sends a vector to rank 1 through a persistent request whose type
 * handle is freed right after MPI_Send_init; rank 1 receives through a
 * persistent receive whose type is freed too. Started `starts` times. */
static void persistent_pair(int starts, void (*between)(void))
{
    MPI_Datatype t;
    MPI_Request rq;
    double *v = marked(VSPAN);

    MPI_CHECK(MPI_Type_dup(vec, &t));
    if (rank == 0)
        MPI_CHECK(MPI_Send_init(v, 1, t, 1, 7, MPI_COMM_WORLD, &rq));
    else if (rank == 1)
        MPI_CHECK(MPI_Recv_init(v, 1, t, 0, 7, MPI_COMM_WORLD, &rq));
    MPI_CHECK(MPI_Type_free(&t)); /* the requests keep the type alive */
    for (int k = 0; k < starts; k++) {
        if (rank == 0)
            fill_vec(v, k);
        if (rank <= 1)
            MPI_CHECK(MPI_Start(&rq));
        if (between)
            between();
        if (rank <= 1)
            MPI_CHECK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
        if (rank == 1) {
            check_vec(v, k, "persistent with a freed type");
            for (int j = 0; j < VSPAN; j++)
                v[j] = MARK;
        }
    }
    if (rank <= 1)
        MPI_CHECK(MPI_Request_free(&rq));
    free(v);
}

/* A zero-size type moves nothing, so a NULL buffer is valid with any count;
 * with a type of non-zero size NULL stays MPI_ERR_BUFFER. */
static void test_zero_size(void)
{
    MPI_Datatype empty;
    MPI_Request rq;
    MPI_Status st;
    int n = -1, err;

    MPI_CHECK(MPI_Type_contiguous(0, MPI_INT, &empty));
    MPI_CHECK(MPI_Type_commit(&empty));
    MPI_CHECK(MPI_Irecv(NULL, 5, empty, MPI_ANY_SOURCE, 9, MPI_COMM_SELF, &rq));
    MPI_CHECK(MPI_Send(NULL, 5, empty, 0, 9, MPI_COMM_SELF));
    MPI_CHECK(MPI_Wait(&rq, &st));
    MPI_CHECK(MPI_Get_count(&st, empty, &n));
    CHECKF(n == 0, "Get_count of a zero-size type is %d, want 0", n);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    err = MPI_Send(NULL, 1, MPI_INT, 0, 9, MPI_COMM_SELF);
    CHECK_CLASS(err, MPI_ERR_BUFFER);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
    MPI_CHECK(MPI_Type_free(&empty));
}

/* MPI_BOTTOM with types of absolute addresses (MPI_Get_address), on both
 * sides: the receive lands through the type map, NULL buffer and all. */
static void test_bottom(void)
{
    double *src = marked(VSPAN), *dst = marked(VSPAN);
    MPI_Datatype abs_s, abs_r;
    MPI_Aint a;
    MPI_Request rq;
    int one = 1;

    fill_vec(src, rank);
    MPI_CHECK(MPI_Get_address(src, &a));
    MPI_CHECK(MPI_Type_create_struct(1, &one, &a, &vec, &abs_s));
    MPI_CHECK(MPI_Get_address(dst, &a));
    MPI_CHECK(MPI_Type_create_struct(1, &one, &a, &vec, &abs_r));
    MPI_CHECK(MPI_Type_commit(&abs_s));
    MPI_CHECK(MPI_Type_commit(&abs_r));
    MPI_CHECK(MPI_Irecv(MPI_BOTTOM, 1, abs_r, rank, 11, MPI_COMM_WORLD, &rq));
    MPI_CHECK(MPI_Send(MPI_BOTTOM, 1, abs_s, rank, 11, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    check_vec(dst, rank, "MPI_BOTTOM with absolute addresses");
    MPI_CHECK(MPI_Type_free(&abs_s));
    MPI_CHECK(MPI_Type_free(&abs_r));
    free(src);
    free(dst);
}

static void done(const char *what)
{
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("dtype_layouts: %s OK\n", what);
}

#ifdef MPIX_ANY_SPARE
/* Both ends of the persistent transfer move while it is started. */
static void move_pair(void)
{
    if (rank <= 1)
        th_move();
}

static void mode_migrate(void)
{
    double *v = marked(VSPAN), *all = marked((size_t)N * size);
    MPI_Request rq;

    fill_vec(v, rank);
    /* every rank moves at the same moment, the Iallgather in flight */
    MPI_CHECK(MPI_Iallgather(v, 1, vec, all, N, MPI_DOUBLE, MPI_COMM_WORLD, &rq));
    th_move();
    MPI_CHECK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    for (int r = 0; r < size; r++)
        check_dense(all + r * N, r, "Iallgather vec -> doubles across moves");
    done("Iallgather with different layouts while every rank moves");
    persistent_pair(3, move_pair);
    done("persistent requests with a freed type while both ends move");
    test_gather();
    done("Gather/Gather with different layouts after the moves");
    free(v);
    free(all);
    if (rank == 0)
        printf("dtype_layouts migrate: OK\n");
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";

    MPI_Init(&argc, &argv);
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    CHECKF(size >= 2, "needs at least 2 ranks, got %d", size);
    MPI_CHECK(MPI_Type_vector(N, 1, STRIDE, MPI_DOUBLE, &vec));
    MPI_CHECK(MPI_Type_commit(&vec));
    if (strcmp(mode, "all") == 0) {
        test_gather();
        done("Gather with different layouts on both sides");
        test_scatter();
        done("Scatter with different layouts on both sides");
        test_allgather_alltoall();
        done("Allgather/Alltoall/Alltoallw with different layouts");
        persistent_pair(2, NULL);
        done("persistent requests with a freed type");
        test_zero_size();
        done("zero-size type with a NULL buffer");
        test_bottom();
        done("MPI_BOTTOM with absolute addresses");
        if (rank == 0)
            printf("dtype_layouts: OK\n");
    }
#ifdef MPIX_ANY_SPARE
    else if (strcmp(mode, "migrate") == 0)
        mode_migrate();
#endif
    else
        CHECKF(0, "unknown mode %s", mode);
    MPI_CHECK(MPI_Type_free(&vec));
    MPI_CHECK(MPI_Finalize());
    return 0;
}
