/* collectives.c: Barrier, Bcast, Reduce and Allreduce checked against a
 * serial reference.
 *
 * Reductions run over a table of types and ops, several counts, every root,
 * with and without MPI_IN_PLACE. Rank r's element i is a small integer
 * v(op, r, i), exact in every type tested, so the reference is computed in
 * `long` on every rank and compared element by element (floating-point sums
 * of small integers are exact whatever the reduction order). Bcast payloads
 * are pattern-checked; Barrier is checked with messages, not timing: no
 * message sent after the barrier may be visible before the late rank enters.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhelp_mpi.h"

static int rank, size, mpich;

struct type_case {
    MPI_Datatype type;
    const char *name;
    size_t bytes;
    int integer; /* bitwise and logical ops allowed */
};

static const struct type_case types[] = {
    {MPI_INT, "MPI_INT", sizeof(int), 1},
    {MPI_LONG, "MPI_LONG", sizeof(long), 1},
    {MPI_LONG_LONG, "MPI_LONG_LONG", sizeof(long long), 1},
    {MPI_SHORT, "MPI_SHORT", sizeof(short), 1},
    {MPI_UNSIGNED, "MPI_UNSIGNED", sizeof(unsigned), 1},
    {MPI_UINT64_T, "MPI_UINT64_T", sizeof(uint64_t), 1},
    {MPI_FLOAT, "MPI_FLOAT", sizeof(float), 0},
    {MPI_DOUBLE, "MPI_DOUBLE", sizeof(double), 0},
};

struct op_case {
    MPI_Op op;
    const char *name;
    int integer_only;
};

static const struct op_case ops[] = {
    {MPI_SUM, "MPI_SUM", 0},   {MPI_PROD, "MPI_PROD", 0}, {MPI_MAX, "MPI_MAX", 0},
    {MPI_MIN, "MPI_MIN", 0},   {MPI_BAND, "MPI_BAND", 1}, {MPI_BOR, "MPI_BOR", 1},
    {MPI_BXOR, "MPI_BXOR", 1}, {MPI_LAND, "MPI_LAND", 1}, {MPI_LOR, "MPI_LOR", 1},
    {MPI_LXOR, "MPI_LXOR", 1},
};

/* Rank r's element i for op o: small, non-negative, exact in every type. */
static long contribution(int o, int r, int i)
{
    MPI_Op op = ops[o].op;

    if (op == MPI_PROD)
        return 1 + (r + i) % 2;
    if (op == MPI_LAND)
        return (r + i) % 5 != 0;
    if (op == MPI_LOR)
        return (r * 3 + i) % 4 == 0;
    if (op == MPI_LXOR)
        return (r + 2 * i) % 3 == 0;
    if (op == MPI_BAND || op == MPI_BOR || op == MPI_BXOR)
        return (r * 37 + i * 11 + 5) & 0x7f;
    return (r * 7 + i * 3) % 11;
}

static long combine(MPI_Op op, long a, long b)
{
    if (op == MPI_SUM)
        return a + b;
    if (op == MPI_PROD)
        return a * b;
    if (op == MPI_MAX)
        return a > b ? a : b;
    if (op == MPI_MIN)
        return a < b ? a : b;
    if (op == MPI_BAND)
        return a & b;
    if (op == MPI_BOR)
        return a | b;
    if (op == MPI_BXOR)
        return a ^ b;
    if (op == MPI_LAND)
        return a && b;
    if (op == MPI_LOR)
        return a || b;
    return !a != !b; /* MPI_LXOR */
}

static void put(int t, void *buf, int i, long v)
{
    MPI_Datatype ty = types[t].type;

    if (ty == MPI_INT)
        ((int *)buf)[i] = (int)v;
    else if (ty == MPI_LONG)
        ((long *)buf)[i] = v;
    else if (ty == MPI_LONG_LONG)
        ((long long *)buf)[i] = v;
    else if (ty == MPI_SHORT)
        ((short *)buf)[i] = (short)v;
    else if (ty == MPI_UNSIGNED)
        ((unsigned *)buf)[i] = (unsigned)v;
    else if (ty == MPI_UINT64_T)
        ((uint64_t *)buf)[i] = (uint64_t)v;
    else if (ty == MPI_FLOAT)
        ((float *)buf)[i] = (float)v;
    else
        ((double *)buf)[i] = (double)v;
}

static long get(int t, const void *buf, int i)
{
    MPI_Datatype ty = types[t].type;

    if (ty == MPI_INT)
        return ((const int *)buf)[i];
    if (ty == MPI_LONG)
        return ((const long *)buf)[i];
    if (ty == MPI_LONG_LONG)
        return (long)((const long long *)buf)[i];
    if (ty == MPI_SHORT)
        return ((const short *)buf)[i];
    if (ty == MPI_UNSIGNED)
        return (long)((const unsigned *)buf)[i];
    if (ty == MPI_UINT64_T)
        return (long)((const uint64_t *)buf)[i];
    if (ty == MPI_FLOAT)
        return (long)((const float *)buf)[i];
    return (long)((const double *)buf)[i];
}

static long reference(int o, int i)
{
    long acc = contribution(o, 0, i);

    for (int r = 1; r < size; r++)
        acc = combine(ops[o].op, acc, contribution(o, r, i));
    return acc;
}

static void fill(int t, int o, void *buf, int count)
{
    for (int i = 0; i < count; i++)
        put(t, buf, i, contribution(o, rank, i));
}

static void verify(int t, int o, const void *buf, int count, const char *how, int root)
{
    for (int i = 0; i < count; i++) {
        long got = get(t, buf, i), want = reference(o, i);
        CHECKF(got == want, "%s %s %s count %d root %d: element %d is %ld, want %ld", how,
               types[t].name, ops[o].name, count, root, i, got, want);
    }
}

/* One (type, op, count): Allreduce, Allreduce in place, Reduce to `root`,
 * Reduce in place at `root`. */
static void reduce_case(int t, int o, int count, int root, char *a, char *b)
{
    MPI_Datatype ty = types[t].type;
    MPI_Op op = ops[o].op;

    fill(t, o, a, count);
    MPI_CHECK(MPI_Allreduce(a, b, count, ty, op, MPI_COMM_WORLD));
    verify(t, o, b, count, "Allreduce", -1);
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, a, count, ty, op, MPI_COMM_WORLD));
    verify(t, o, a, count, "Allreduce(MPI_IN_PLACE)", -1);
    fill(t, o, a, count);
    MPI_CHECK(MPI_Reduce(a, b, count, ty, op, root, MPI_COMM_WORLD));
    if (rank == root)
        verify(t, o, b, count, "Reduce", root);
    /* MPICH 4.0's reduce-scatter-gather Reduce (above 2 KiB) copies from
     * MPI_IN_PLACE itself when root != 0 and crashes: skip it there. */
    if (mpich && root != 0 && (size_t)count * types[t].bytes > 2048)
        return;
    void *sendbuf = rank == root ? MPI_IN_PLACE : a;
    MPI_CHECK(MPI_Reduce(sendbuf, rank == root ? a : b, count, ty, op, root, MPI_COMM_WORLD));
    if (rank == root)
        verify(t, o, a, count, "Reduce(MPI_IN_PLACE)", root);
}

static void test_reductions(void)
{
    int counts[] = {1, 7, 1000}, big = 100000, iter = 0;
    char *a = malloc((size_t)big * 8), *b = malloc((size_t)big * 8);

    CHECK(a && b);
    for (int t = 0; t < (int)(sizeof(types) / sizeof(types[0])); t++)
        for (int o = 0; o < (int)(sizeof(ops) / sizeof(ops[0])); o++)
            for (int c = 0; c < 3; c++)
                if (types[t].integer || !ops[o].integer_only)
                    reduce_case(t, o, counts[c], iter++ % size, a, b);
    reduce_case(0, 0, big, size - 1, a, b); /* MPI_INT MPI_SUM, large */
    reduce_case(7, 2, big, size / 2, a, b); /* MPI_DOUBLE MPI_MAX, large */
    free(a);
    free(b);
}

/* MAXLOC and MINLOC on MPI_DOUBLE_INT and MPI_2INT; ties go to the lower
 * rank. */
static void test_loc(void)
{
    enum { N = 50 };
    struct {
        double v;
        int i;
    } d[N], dr[N];
    struct {
        int v;
        int i;
    } p[N], pr[N];

    for (int k = 0; k < N; k++) {
        d[k].v = (rank * 13 + k * 5) % 7;
        d[k].i = rank;
        p[k].v = (rank * 13 + k * 5) % 7;
        p[k].i = rank;
    }
    MPI_CHECK(MPI_Allreduce(d, dr, N, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Allreduce(p, pr, N, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD));
    for (int k = 0; k < N; k++) {
        int maxv = -1, maxi = -1, minv = 1 << 30, mini = -1;
        for (int r = 0; r < size; r++) {
            int v = (r * 13 + k * 5) % 7;
            if (v > maxv)
                maxv = v, maxi = r;
            if (v < minv)
                minv = v, mini = r;
        }
        CHECKF(dr[k].v == maxv && dr[k].i == maxi, "MAXLOC %d: (%g, %d) want (%d, %d)", k, dr[k].v,
               dr[k].i, maxv, maxi);
        CHECKF(pr[k].v == minv && pr[k].i == mini, "MINLOC %d: (%d, %d) want (%d, %d)", k, pr[k].v,
               pr[k].i, minv, mini);
    }
}

static void test_bcast(void)
{
    size_t e = th_eager_limit();
    size_t sizes[] = {0, 1, 100, e - 1, e, e + 1, 1024 * 1024};
    char *buf = malloc(sizes[6]);
    int iter = 0;

    CHECK(buf != NULL);
    for (int s = 0; s < 7; s++)
        for (int root = 0; root < size; root++, iter++) {
            if (rank == root)
                th_pattern_fill(buf, sizes[s], root, -1, iter);
            else
                memset(buf, 0x5a, sizes[s]);
            MPI_CHECK(MPI_Bcast(buf, (int)sizes[s], MPI_BYTE, root, MPI_COMM_WORLD));
            CHECK_PATTERN(buf, sizes[s], root, -1, iter);
        }
    long v[3] = {rank, rank, rank};
    MPI_CHECK(MPI_Bcast(v, 3, MPI_LONG, size - 1, MPI_COMM_WORLD));
    CHECK(v[0] == size - 1 && v[2] == size - 1);
    free(buf);
}

/* For each rank L: L enters the barrier late; the others send L a message
 * right after leaving it. Before entering, L must see none of them. */
static void test_barrier(void)
{
    int flag, v;

    for (int late = 0; late < size; late++) {
        if (rank == late) {
            usleep(20000);
            MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, 50, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
            CHECKF(!flag, "a rank left the barrier before rank %d entered it", late);
        }
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        if (rank != late) {
            MPI_CHECK(MPI_Send(&rank, 1, MPI_INT, late, 50, MPI_COMM_WORLD));
        } else {
            for (int i = 0; i < size - 1; i++)
                MPI_CHECK(MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 50, MPI_COMM_WORLD,
                                   MPI_STATUS_IGNORE));
        }
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    mpich = th_library_is_mpich();
    test_barrier();
    if (rank == 0)
        printf("collectives: Barrier OK\n");
    test_bcast();
    if (rank == 0)
        printf("collectives: Bcast OK\n");
    test_reductions();
    if (rank == 0)
        printf("collectives: Reduce/Allreduce OK\n");
    test_loc();
    if (rank == 0)
        printf("collectives: MAXLOC/MINLOC OK\n");
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("collectives: OK %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
