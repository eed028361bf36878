/* intercomm.c: intercommunicators, bit for bit.
 *
 * MPI_COMM_WORLD is split into a left group (world ranks 0..L-1) and a
 * right group (the rest), each numbered in reverse world order (key
 * -rank), so local ranks, remote ranks and world ranks all differ; the two
 * are joined by MPI_Intercomm_create over MPI_COMM_WORLD. Every payload is
 * a function of (sender's world rank, receiver's world rank, index) and
 * every result is compared with a serial reference computed here.
 *
 *  calls L          every intercommunicator call: queries, groups,
 *                   point-to-point (MPI_ANY_SOURCE, status.MPI_SOURCE in
 *                   remote numbering), merge orders, dup/split/create/
 *                   compare, idup that must not block, every collective with each rank of each
 * group as root (MPI_ROOT / MPI_PROC_NULL), blocking and nonblocking, a non-commutative user op,
 * and the error classes of bad arguments. Prints "intercomm calls: OK". migrate-inside L ROUNDS  a
 * rank of either group is moved by another while it is blocked inside an intercomm Allreduce,
 *                   Bcast, Alltoall(v,w) or Barrier. Needs --spares 1.
 *  migrate L ROUNDS ranks of both groups move (one from each group at the
 *                   same moment, and the two ends of an exchange) while
 *                   intercommunicator receives, nonblocking collectives
 *                   and an MPI_Comm_idup are in flight, and between blocking collectives; a new
 *                   intercommunicator is made after each round's moves.
 *                   Needs --spares 2. Prints "intercomm migrate: OK".
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testhelp_mpi.h"

#define N     600 /* items of the larger payloads */
#define MAXR  64  /* largest world size */
#define UNSET (-77777)

static int wrank, wsize, L, color, lrank, lsize, rsize;
static MPI_Comm local, inter;
static MPI_Op op_matmul;

/* World rank of rank i of group g (0 left, 1 right): reverse world order. */
static int gworld(int g, int i)
{
    return g == 0 ? L - 1 - i : wsize - 1 - i;
}

static int gsize(int g)
{
    return g == 0 ? L : wsize - L;
}

/* The payload item k from world rank src to world rank dst (-1: any). */
static int val(int src, int dst, int k, int round)
{
    return src * 1000003 + (dst + 1) * 1009 + k * 7 + round * 31;
}

static void fill(int *buf, int n, int src, int dst, int round)
{
    for (int k = 0; k < n; k++)
        buf[k] = val(src, dst, k, round);
}

static void expect(const int *got, const int *want, int n, const char *what, int arg)
{
    for (int k = 0; k < n; k++)
        CHECKF(got[k] == want[k], "%s (%d): item %d is %d, want %d", what, arg, k, got[k], want[k]);
}

/* 2x2 matrix product modulo 2^32, row-major: inout = in * inout. */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    unsigned *a = in, *b = inout;

    (void)dt;
    for (int i = 0; i + 3 < *len; i += 4) {
        unsigned r[4] = {a[i] * b[i] + a[i + 1] * b[i + 2], a[i] * b[i + 1] + a[i + 1] * b[i + 3],
                         a[i + 2] * b[i] + a[i + 3] * b[i + 2],
                         a[i + 2] * b[i + 1] + a[i + 3] * b[i + 3]};
        memcpy(&b[i], r, sizeof(r));
    }
}

/* The matrix world rank w contributes at position k (4 unsigned a matrix). */
static void mat_of(unsigned *m, int w, int k, int round)
{
    m[0] = 1u + (unsigned)w;
    m[1] = 3u + (unsigned)k + (unsigned)round;
    m[2] = (unsigned)(w % 3);
    m[3] = 2u + (unsigned)(k % 5);
}

/* Product, in rank order, of the matrices of group g, n matrices each. */
static void mat_ref(unsigned *out, int g, int n, int round)
{
    for (int k = 0; k < n; k++) {
        unsigned acc[4] = {1, 0, 0, 1}, m[4];
        for (int i = gsize(g) - 1; i >= 0; i--) { /* acc = m_i * acc, from the right */
            int len = 4;
            mat_of(m, gworld(g, i), k, round);
            matmul(m, acc, &len, NULL);
        }
        memcpy(&out[4 * k], acc, sizeof(acc));
    }
}

static void setup(void)
{
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECKF(L >= 1 && L < wsize && wsize <= MAXR, "bad split %d of %d", L, wsize);
    color = wrank < L ? 0 : 1;
    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, color, -wrank, &local));
    /* only the leaders' remote_leader counts: the others pass garbage */
    MPI_CHECK(MPI_Intercomm_create(local, 0, MPI_COMM_WORLD,
                                   wrank == gworld(color, 0) ? gworld(1 - color, 0) : -12, 77,
                                   &inter));
    MPI_CHECK(MPI_Comm_rank(inter, &lrank));
    MPI_CHECK(MPI_Comm_size(inter, &lsize));
    MPI_CHECK(MPI_Comm_remote_size(inter, &rsize));
    MPI_CHECK(MPI_Op_create(matmul, 0, &op_matmul));
}

/* Group handle g holds exactly the world ranks of group `which`, in order
 * (or of the list want[0..n)). */
static void check_group(MPI_Group g, const int *want, int n, const char *what)
{
    int in[MAXR], out[MAXR], size;
    MPI_Group wg;

    MPI_CHECK(MPI_Group_size(g, &size));
    CHECKF(size == n, "%s: size %d want %d", what, size, n);
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    for (int i = 0; i < n; i++)
        in[i] = i;
    MPI_CHECK(MPI_Group_translate_ranks(g, n, in, wg, out));
    for (int i = 0; i < n; i++)
        CHECKF(out[i] == want[i], "%s: rank %d is world %d want %d", what, i, out[i], want[i]);
    MPI_CHECK(MPI_Group_free(&wg));
}

static void group_list(int g, int *out)
{
    for (int i = 0; i < gsize(g); i++)
        out[i] = gworld(g, i);
}

/* Local and remote groups of comm against the lists. */
static void check_inter(MPI_Comm comm, const int *lw, int nl, const int *rw, int nr,
                        const char *what)
{
    MPI_Group g;
    int flag, size, rank;

    MPI_CHECK(MPI_Comm_test_inter(comm, &flag));
    CHECKF(flag, "%s: not an intercommunicator", what);
    MPI_CHECK(MPI_Comm_size(comm, &size));
    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    CHECKF(size == nl && lw[rank] == wrank, "%s: size %d rank %d", what, size, rank);
    MPI_CHECK(MPI_Comm_remote_size(comm, &size));
    CHECKF(size == nr, "%s: remote size %d want %d", what, size, nr);
    MPI_CHECK(MPI_Comm_group(comm, &g));
    check_group(g, lw, nl, what);
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Comm_remote_group(comm, &g));
    check_group(g, rw, nr, what);
    MPI_CHECK(MPI_Group_free(&g));
}

/* Every rank sends one message to every remote rank; receives name the
 * sender by MPI_ANY_SOURCE (odd local ranks) or by its remote rank. */
static void check_p2p(MPI_Comm comm, int nl, int nr, const int *rw, int round)
{
    int rank, buf[MAXR][8], out[8], i, k;
    MPI_Request req[MAXR];
    MPI_Status st;

    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    (void)nl;
    for (i = 0; i < nr; i++) {
        fill(out, 8, wrank, rw[i], round);
        MPI_CHECK(MPI_Isend(out, 8, MPI_INT, i, 40 + rank, comm, &req[0]));
        MPI_CHECK(MPI_Wait(&req[0], MPI_STATUS_IGNORE));
    }
    for (i = 0; i < nr; i++) {
        int src = rank % 2 ? MPI_ANY_SOURCE : i, count;
        MPI_CHECK(MPI_Recv(buf[0], 8, MPI_INT, src, MPI_ANY_TAG, comm, &st));
        MPI_CHECK(MPI_Get_count(&st, MPI_INT, &count));
        CHECKF(st.MPI_SOURCE >= 0 && st.MPI_SOURCE < nr && count == 8, "p2p source %d count %d",
               st.MPI_SOURCE, count);
        CHECKF(src == MPI_ANY_SOURCE || st.MPI_SOURCE == i, "p2p source %d want %d", st.MPI_SOURCE,
               i);
        CHECKF(st.MPI_TAG == 40 + st.MPI_SOURCE, "p2p tag %d from %d", st.MPI_TAG, st.MPI_SOURCE);
        fill(out, 8, rw[st.MPI_SOURCE], wrank, round);
        for (k = 0; k < 8; k++)
            CHECKF(buf[0][k] == out[k], "p2p item %d from remote %d", k, st.MPI_SOURCE);
    }
}

/* The root argument a rank of this side passes when rank `root` of group
 * `side` is the root. */
static int root_arg(int side, int root)
{
    return color == side ? (lrank == root ? MPI_ROOT : MPI_PROC_NULL) : root;
}

static void check_bcast(int side, int root, int nb)
{
    int buf[N], want[N], r = root_arg(side, root), rw = gworld(side, root);
    MPI_Request req;

    for (int k = 0; k < N; k++)
        buf[k] = UNSET;
    if (r == MPI_ROOT)
        fill(buf, N, rw, -1, 0);
    if (nb) {
        MPI_CHECK(MPI_Ibcast(buf, N, MPI_INT, r, inter, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Bcast(buf, N, MPI_INT, r, inter));
    }
    /* MPICH 4.0.2 (Debian's) delivers nothing from MPI_Ibcast on an
     * intercommunicator whose root is not rank 0 of its group (seen with this
     * test; no MPICH issue found): skip only that case there. */
    if (nb && root != 0 && r >= 0 && th_library_is_mpich())
        return;
    if (r == MPI_PROC_NULL) /* untouched */
        for (int k = 0; k < N; k++)
            want[k] = UNSET;
    else
        fill(want, N, rw, -1, 0);
    expect(buf, want, N, nb ? "Ibcast" : "Bcast", root);
}

static void check_reduce(int side, int root, int nb)
{
    int x[N], y[N], want[N], r = root_arg(side, root);
    unsigned mx[4 * 8], my[4 * 8], mwant[4 * 8];
    MPI_Request req;

    fill(x, N, wrank, -1, 0);
    for (int k = 0; k < 8; k++)
        mat_of(&mx[4 * k], wrank, k, 0);
    for (int k = 0; k < N; k++)
        y[k] = UNSET;
    if (nb) {
        MPI_CHECK(MPI_Ireduce(x, y, N, MPI_INT, MPI_SUM, r, inter, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Reduce(x, y, N, MPI_INT, MPI_SUM, r, inter));
    }
    MPI_CHECK(MPI_Reduce(mx, my, 4 * 8, MPI_UNSIGNED, op_matmul, r, inter));
    for (int k = 0; k < N; k++) {
        want[k] = r == MPI_ROOT ? 0 : UNSET;
        for (int i = 0; r == MPI_ROOT && i < rsize; i++)
            want[k] += val(gworld(1 - color, i), -1, k, 0);
    }
    expect(y, want, N, nb ? "Ireduce" : "Reduce", root);
    if (r == MPI_ROOT) {
        mat_ref(mwant, 1 - color, 8, 0);
        expect((int *)my, (int *)mwant, 4 * 8, "Reduce matmul", root);
    }
}

static void check_gather_scatter(int side, int root)
{
    int r = root_arg(side, root), rw = gworld(side, root), i, k, off;
    int mine[N / 8], *all = malloc(sizeof(int) * (size_t)(N / 8) * MAXR);
    int *want = malloc(sizeof(int) * (size_t)(N / 8) * MAXR), counts[MAXR], displs[MAXR];
    const int b = N / 8;

    CHECK(all && want);
    /* Gather: block i from remote rank i */
    fill(mine, b, wrank, rw, 1);
    MPI_CHECK(MPI_Gather(mine, b, MPI_INT, all, b, MPI_INT, r, inter));
    for (i = 0; r == MPI_ROOT && i < rsize; i++)
        fill(want + i * b, b, gworld(1 - color, i), wrank, 1);
    if (r == MPI_ROOT)
        expect(all, want, b * rsize, "Gather", root);
    /* Gatherv: remote rank i sends i % 3 + 1 items, stored in reverse order */
    for (i = 0, off = 0; i < rsize; i++)
        off += counts[i] = i % 3 + 1;
    for (i = 0; i < rsize; i++)
        displs[i] = off -= counts[i];
    fill(mine, lrank % 3 + 1, wrank, rw, 2);
    MPI_CHECK(MPI_Gatherv(mine, lrank % 3 + 1, MPI_INT, all, counts, displs, MPI_INT, r, inter));
    for (i = 0; r == MPI_ROOT && i < rsize; i++)
        fill(want + displs[i], counts[i], gworld(1 - color, i), wrank, 2);
    if (r == MPI_ROOT)
        expect(all, want, displs[0] + counts[0], "Gatherv", root);
    /* Scatter: block i to remote rank i */
    for (i = 0; r == MPI_ROOT && i < rsize; i++)
        fill(all + i * b, b, wrank, gworld(1 - color, i), 3);
    for (k = 0; k < b; k++)
        mine[k] = UNSET;
    MPI_CHECK(MPI_Scatter(all, b, MPI_INT, mine, b, MPI_INT, r, inter));
    if (r >= 0) {
        fill(want, b, rw, wrank, 3);
        expect(mine, want, b, "Scatter", root);
    }
    /* Scatterv with the Gatherv layout */
    for (i = 0; r == MPI_ROOT && i < rsize; i++)
        fill(all + displs[i], counts[i], wrank, gworld(1 - color, i), 4);
    MPI_CHECK(MPI_Scatterv(all, counts, displs, MPI_INT, mine, lrank % 3 + 1, MPI_INT, r, inter));
    if (r >= 0) {
        fill(want, lrank % 3 + 1, rw, wrank, 4);
        expect(mine, want, lrank % 3 + 1, "Scatterv", root);
    }
    free(all);
    free(want);
}

static void check_allgather(int nb)
{
    const int b = N / 8;
    int mine[N / 8], all[(N / 8) * MAXR], want[(N / 8) * MAXR] = {0}, counts[MAXR], displs[MAXR];
    int i, off = 0;
    MPI_Request req;

    fill(mine, b, wrank, -1, 5);
    if (nb) {
        MPI_CHECK(MPI_Iallgather(mine, b, MPI_INT, all, b, MPI_INT, inter, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Allgather(mine, b, MPI_INT, all, b, MPI_INT, inter));
    }
    for (i = 0; i < rsize; i++)
        fill(want + i * b, b, gworld(1 - color, i), -1, 5);
    expect(all, want, b * rsize, nb ? "Iallgather" : "Allgather", 0);
    for (i = 0; i < rsize; i++) {
        counts[i] = i % 3 + 1;
        displs[i] = off;
        off += counts[i] + 2; /* gaps stay untouched */
    }
    for (i = 0; i < off; i++)
        all[i] = want[i] = UNSET;
    fill(mine, lrank % 3 + 1, wrank, -1, 6);
    if (nb) {
        MPI_CHECK(MPI_Iallgatherv(mine, lrank % 3 + 1, MPI_INT, all, counts, displs, MPI_INT, inter,
                                  &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(
            MPI_Allgatherv(mine, lrank % 3 + 1, MPI_INT, all, counts, displs, MPI_INT, inter));
    }
    for (i = 0; i < rsize; i++)
        fill(want + displs[i], counts[i], gworld(1 - color, i), -1, 6);
    expect(all, want, off, nb ? "Iallgatherv" : "Allgatherv", 0);
}

/* Items world rank a sends world rank b in Alltoallv. */
static int vcount(int a, int b)
{
    return (a + 2 * b) % 4 + 1;
}

static void check_alltoall(int nb, int round)
{
    const int b = N / 8;
    int s[(N / 8) * MAXR], r[(N / 8) * MAXR], want[(N / 8) * MAXR];
    int sc[MAXR], sd[MAXR], rc[MAXR], rd[MAXR], i, so = 0, ro = 0;
    MPI_Datatype pair, st[MAXR], rt[MAXR];
    MPI_Request req;

    for (i = 0; i < rsize; i++)
        fill(s + i * b, b, wrank, gworld(1 - color, i), 7 + round);
    if (nb) {
        MPI_CHECK(MPI_Ialltoall(s, b, MPI_INT, r, b, MPI_INT, inter, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Alltoall(s, b, MPI_INT, r, b, MPI_INT, inter));
    }
    for (i = 0; i < rsize; i++)
        fill(want + i * b, b, gworld(1 - color, i), wrank, 7 + round);
    expect(r, want, b * rsize, nb ? "Ialltoall" : "Alltoall", round);
    if (nb)
        return;
    for (i = 0; i < rsize; i++) {
        int w = gworld(1 - color, i);
        sc[i] = vcount(wrank, w) * 2, sd[i] = so, so += sc[i];
        rc[i] = vcount(w, wrank) * 2, rd[i] = ro, ro += rc[i];
        fill(s + sd[i], sc[i], wrank, w, 8);
        fill(want + rd[i], rc[i], w, wrank, 8);
    }
    MPI_CHECK(MPI_Alltoallv(s, sc, sd, MPI_INT, r, rc, rd, MPI_INT, inter));
    expect(r, want, ro, "Alltoallv", 0);
    /* Alltoallw: ints out, pairs of ints in, byte displacements */
    MPI_CHECK(MPI_Type_contiguous(2, MPI_INT, &pair));
    MPI_CHECK(MPI_Type_commit(&pair));
    for (i = 0; i < rsize; i++) {
        st[i] = MPI_INT, rt[i] = pair;
        sd[i] *= (int)sizeof(int), rd[i] *= (int)sizeof(int), rc[i] /= 2;
    }
    memset(r, 0, sizeof(int) * (size_t)ro);
    MPI_CHECK(MPI_Alltoallw(s, sc, sd, st, r, rc, rd, rt, inter));
    expect(r, want, ro, "Alltoallw", 0);
    MPI_CHECK(MPI_Type_free(&pair));
}

static void check_allreduce(int nb, int round)
{
    int x[N], y[N], want[N];
    unsigned mx[4 * 8], my[4 * 8], mwant[4 * 8];
    MPI_Request req;

    fill(x, N, wrank, -1, round);
    if (nb) {
        MPI_CHECK(MPI_Iallreduce(x, y, N, MPI_INT, MPI_SUM, inter, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Allreduce(x, y, N, MPI_INT, MPI_SUM, inter));
    }
    for (int k = 0; k < N; k++) {
        want[k] = 0;
        for (int i = 0; i < rsize; i++)
            want[k] += val(gworld(1 - color, i), -1, k, round);
    }
    expect(y, want, N, nb ? "Iallreduce" : "Allreduce", round);
    for (int k = 0; k < 8; k++)
        mat_of(&mx[4 * k], wrank, k, round);
    MPI_CHECK(MPI_Allreduce(mx, my, 4 * 8, MPI_UNSIGNED, op_matmul, inter));
    mat_ref(mwant, 1 - color, 8, round);
    expect((int *)my, (int *)mwant, 4 * 8, "Allreduce matmul", round);
}

/* Reduce_scatter: each group splits 12 * lsize * rsize items its own way. */
static void check_reduce_scatter(void)
{
    int total = 12 * lsize * rsize, *x = malloc(sizeof(int) * (size_t)total), y[12 * MAXR];
    int counts[MAXR], off = 0, i, k, b = 12 * rsize;

    CHECK(x);
    fill(x, total, wrank, -1, 9);
    for (i = 0; i < lsize; i++)
        counts[i] = total / lsize + (lsize > 1 ? (i == 0) - (i == lsize - 1) : 0);
    for (i = 0; i < lrank; i++)
        off += counts[i];
    MPI_CHECK(MPI_Reduce_scatter(x, y, counts, MPI_INT, MPI_SUM, inter));
    for (k = 0; k < counts[lrank]; k++) {
        int want = 0;
        for (i = 0; i < rsize; i++)
            want += val(gworld(1 - color, i), -1, off + k, 9);
        CHECKF(y[k] == want, "Reduce_scatter item %d: %d want %d", k, y[k], want);
    }
    MPI_CHECK(MPI_Reduce_scatter_block(x, y, b, MPI_INT, MPI_SUM, inter));
    for (k = 0; k < b; k++) {
        int want = 0;
        for (i = 0; i < rsize; i++)
            want += val(gworld(1 - color, i), -1, lrank * b + k, 9);
        CHECKF(y[k] == want, "Reduce_scatter_block item %d: %d want %d", k, y[k], want);
    }
    free(x);
}

/* The last world rank enters 150 ms late: nobody may leave before. */
static void check_barrier(int nb)
{
    struct timespec late = {0, 150000000L};
    MPI_Request req;
    double t0;

    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD)); /* everyone starts the clock together */
    t0 = MPI_Wtime();
    if (wrank == wsize - 1)
        nanosleep(&late, NULL);
    if (nb) {
        MPI_CHECK(MPI_Ibarrier(inter, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Barrier(inter));
    }
    CHECKF(MPI_Wtime() - t0 >= 0.12, "%s left after %.3f s", nb ? "Ibarrier" : "Barrier",
           MPI_Wtime() - t0);
}

static void check_collectives(void)
{
    for (int side = 0; side < 2; side++)
        for (int root = 0; root < gsize(side); root++) {
            check_bcast(side, root, root % 2);
            check_reduce(side, root, root % 2);
            check_gather_scatter(side, root);
        }
    check_allgather(0);
    check_allgather(1);
    check_alltoall(0, 0);
    check_alltoall(1, 0);
    check_allreduce(0, 0);
    check_allreduce(1, 1);
    check_reduce_scatter();
    check_barrier(0);
    check_barrier(1);
}

/* Merge with the given high flags of the left and right groups; the group
 * with high = 0 comes first. On a tie MPI leaves the order to the library:
 * either order is accepted, as long as every rank sees the same one. */
static void check_merge(int left_high, int right_high)
{
    int want[MAXR], n = 0, first = left_high <= right_high ? 0 : 1, rank, sum, ref = 0;
    MPI_Comm m;
    MPI_Group g;

    MPI_CHECK(MPI_Intercomm_merge(inter, color ? right_high : left_high, &m));
    if (left_high == right_high) { /* the order the world's rank 0 sees */
        MPI_CHECK(MPI_Comm_rank(m, &rank));
        first = wrank < L ? rank >= L : rank < wsize - L;
        MPI_CHECK(MPI_Bcast(&first, 1, MPI_INT, 0, MPI_COMM_WORLD));
    }
    for (int g2 = first, j = 0; j < 2; j++, g2 = 1 - g2)
        for (int i = 0; i < gsize(g2); i++)
            want[n++] = gworld(g2, i);
    MPI_CHECK(MPI_Comm_group(m, &g));
    check_group(g, want, n, "merged group");
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Comm_rank(m, &rank));
    CHECK(want[rank] == wrank);
    MPI_CHECK(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, m));
    for (int i = 0; i < wsize; i++)
        ref += i;
    CHECKF(sum == ref, "merged allreduce %d want %d", sum, ref);
    MPI_CHECK(MPI_Comm_free(&m));
}

/* World ranks of group g's members whose local rank has parity p, ordered
 * by key -rank (descending local rank). */
static int parity_list(int g, int p, int *out)
{
    int n = 0;

    for (int i = gsize(g) - 1; i >= 0; i--)
        if (i % 2 == p)
            out[n++] = gworld(g, i);
    return n;
}

static void check_derived(void)
{
    int lw[MAXR], rw[MAXR], nl, nr, result, v, sum;
    MPI_Comm d, s, c;
    MPI_Group g, eg;

    /* dup: congruent, a working copy */
    MPI_CHECK(MPI_Comm_dup(inter, &d));
    group_list(color, lw);
    group_list(1 - color, rw);
    check_inter(d, lw, lsize, rw, rsize, "dup");
    MPI_CHECK(MPI_Comm_compare(inter, d, &result));
    CHECKF(result == MPI_CONGRUENT, "compare dup: %d", result);
    MPI_CHECK(MPI_Comm_compare(inter, inter, &result));
    CHECK(result == MPI_IDENT);
    MPI_CHECK(MPI_Comm_compare(inter, local, &result));
    CHECK(result == MPI_UNEQUAL);
    check_p2p(d, lsize, rsize, rw, 3);
    /* split by parity of the local rank, reversed */
    MPI_CHECK(MPI_Comm_split(inter, lrank % 2, -lrank, &s));
    nl = parity_list(color, lrank % 2, lw);
    nr = parity_list(1 - color, lrank % 2, rw);
    if (nr == 0) {
        CHECKF(s == MPI_COMM_NULL, "split without remote members is not MPI_COMM_NULL");
    } else {
        check_inter(s, lw, nl, rw, nr, "split");
        check_p2p(s, nl, nr, rw, 4);
        v = wrank;
        MPI_CHECK(MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, s));
        v = 0;
        for (int i = 0; i < nr; i++)
            v += rw[i];
        CHECKF(sum == v, "split allreduce %d want %d", sum, v);
        MPI_CHECK(MPI_Comm_free(&s));
    }
    /* create: every group without its local rank 0 */
    MPI_CHECK(MPI_Comm_group(inter, &g));
    v = 0;
    MPI_CHECK(MPI_Group_excl(g, 1, &v, &eg));
    MPI_CHECK(MPI_Comm_create(inter, eg, &c));
    if (lrank == 0 || lsize == 1 || rsize == 1) {
        CHECKF(c == MPI_COMM_NULL, "create: rank %d of %d/%d got a communicator", lrank, lsize,
               rsize);
    } else {
        for (int i = 1; i < lsize; i++)
            lw[i - 1] = gworld(color, i);
        for (int i = 1; i < rsize; i++)
            rw[i - 1] = gworld(1 - color, i);
        check_inter(c, lw, lsize - 1, rw, rsize - 1, "create");
        check_p2p(c, lsize - 1, rsize - 1, rw, 5);
        MPI_CHECK(MPI_Comm_free(&c));
    }
    MPI_CHECK(MPI_Group_free(&eg));
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Comm_free(&d));
}

/* One bad argument each, with the class it must give. */
static void check_errors(void)
{
    int x = 1, y, flag, err;
    MPI_Comm c;
    MPI_Group g;

    MPI_CHECK(MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_set_errhandler(local, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_test_inter(MPI_COMM_WORLD, &flag));
    CHECK(flag == 0);
    /* MPICH 4.0.2 answers remote_size/group for intracomms and fails an
     * assertion in Intercomm_merge of one (seen with this test, no MPICH
     * issue found): these three are checked on ours only. */
    if (!th_library_is_mpich()) {
        CHECK_CLASS(MPI_Comm_remote_size(MPI_COMM_WORLD, &y), MPI_ERR_COMM);
        CHECK_CLASS(MPI_Comm_remote_group(local, &g), MPI_ERR_COMM);
        CHECK_CLASS(MPI_Intercomm_merge(MPI_COMM_WORLD, 0, &c), MPI_ERR_COMM);
    }
    CHECK_CLASS(MPI_Comm_remote_size(inter, NULL), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Intercomm_create(inter, 0, MPI_COMM_WORLD, 0, 5, &c), MPI_ERR_COMM);
    CHECK_CLASS(MPI_Intercomm_create(local, lsize, MPI_COMM_WORLD, 0, 5, &c), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Send(&x, 1, MPI_INT, rsize, 0, inter), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Recv(&x, 1, MPI_INT, -5, 0, inter, MPI_STATUS_IGNORE), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Bcast(&x, 1, MPI_INT, rsize, inter), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Reduce(&x, &y, 1, MPI_INT, MPI_SUM, -7, inter), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Gather(&x, 1, MPI_INT, &y, 1, MPI_INT, rsize + 3, inter), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Allreduce(MPI_IN_PLACE, &y, 1, MPI_INT, MPI_SUM, inter), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_OP_NULL, inter), MPI_ERR_OP);
    CHECK_CLASS(MPI_Allgather(&x, -1, MPI_INT, &y, 1, MPI_INT, inter), MPI_ERR_COUNT);
    CHECK_CLASS(MPI_Alltoall(&x, 1, MPI_DATATYPE_NULL, &y, 1, MPI_INT, inter), MPI_ERR_TYPE);
    CHECK_CLASS(MPI_Scan(&x, &y, 1, MPI_INT, MPI_SUM, inter), MPI_ERR_COMM);
    CHECK_CLASS(MPI_Exscan(&x, &y, 1, MPI_INT, MPI_SUM, inter), MPI_ERR_COMM);
    MPI_CHECK(MPI_Comm_split_type(inter, MPI_UNDEFINED, 0, MPI_INFO_NULL, &c));
    CHECK(c == MPI_COMM_NULL);
    if (!th_library_is_mpich()) { /* no two ranks share memory here: nobody has a partner */
        MPI_CHECK(MPI_Comm_split_type(inter, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &c));
        CHECK(c == MPI_COMM_NULL);
    }
    /* not a subgroup of the local group (MPICH 4.0.2 fails an assertion) */
    MPI_CHECK(MPI_Comm_remote_group(inter, &g));
    if (!th_library_is_mpich()) {
        err = MPI_Comm_create(inter, g, &c);
        CHECK_CLASS(err, MPI_ERR_GROUP);
    }
    MPI_CHECK(MPI_Group_free(&g));
    /* the intercommunicator still works */
    check_allreduce(0, 4);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

/* The same two groups joined without a parent communicator, twice with
 * different leaders and string tags, and the error classes of bad
 * arguments. */
static void check_from_groups(void)
{
    int lw[MAXR], rw[MAXR], i, v, sum, want = 0;
    MPI_Group wg, lg, rg;
    MPI_Comm a, b;

    group_list(color, lw);
    group_list(1 - color, rw);
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    MPI_CHECK(MPI_Group_incl(wg, lsize, lw, &lg));
    MPI_CHECK(MPI_Group_incl(wg, rsize, rw, &rg));
    /* two in a row with other leaders: "a" joins left 0 and right's last
     * rank, "b" left's last rank and right 0 */
    MPI_CHECK(MPI_Intercomm_create_from_groups(lg, color ? lsize - 1 : 0, rg, color ? 0 : rsize - 1,
                                               "ic-a", MPI_INFO_NULL, MPI_ERRORS_RETURN, &a));
    MPI_CHECK(MPI_Intercomm_create_from_groups(lg, color ? 0 : lsize - 1, rg, color ? rsize - 1 : 0,
                                               "ic-b", MPI_INFO_NULL, MPI_ERRORS_RETURN, &b));
    check_inter(a, lw, lsize, rw, rsize, "from_groups a");
    check_inter(b, lw, lsize, rw, rsize, "from_groups b");
    check_p2p(a, lsize, rsize, rw, 6);
    check_p2p(b, lsize, rsize, rw, 7);
    v = wrank;
    MPI_CHECK(MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, b));
    for (i = 0; i < rsize; i++)
        want += rw[i];
    CHECKF(sum == want, "from_groups allreduce %d want %d", sum, want);
    /* the error handler given is the new communicator's */
    CHECK_CLASS(MPI_Send(&v, 1, MPI_INT, rsize, 0, a), MPI_ERR_RANK);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)); /* they go there */
    CHECK_CLASS(
        MPI_Intercomm_create_from_groups(lg, 0, rg, 0, NULL, MPI_INFO_NULL, MPI_ERRORS_RETURN, &a),
        MPI_ERR_ARG);
    if (!th_library_is_mpich()) { /* MPICH 4.0.2 fails assertions on these two */
        CHECK_CLASS(MPI_Intercomm_create_from_groups(lg, lsize, rg, 0, "x", MPI_INFO_NULL,
                                                     MPI_ERRORS_RETURN, &a),
                    MPI_ERR_RANK);
        CHECK_CLASS(MPI_Intercomm_create_from_groups(rg, 0, lg, 0, "x", MPI_INFO_NULL,
                                                     MPI_ERRORS_RETURN, &a),
                    MPI_ERR_GROUP); /* not a member of the "local" group */
    }
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    MPI_CHECK(MPI_Comm_free(&a));
    MPI_CHECK(MPI_Comm_free(&b));
    MPI_CHECK(MPI_Group_free(&lg));
    MPI_CHECK(MPI_Group_free(&rg));
    MPI_CHECK(MPI_Group_free(&wg));
}

/* MPI_Comm_idup of the intercommunicator does not block: each group's
 * leader first receives a synchronous send from every other rank of the
 * remote group, which those ranks make after their idup and before its
 * wait (a blocking agreement would deadlock). Then the duplicate carries
 * point-to-point traffic and an Allreduce, next to the original. */
static void check_idup(void)
{
    int rw[MAXR], i, v = wrank, sum, want = 0, token = UNSET;
    MPI_Request rq;
    MPI_Comm d;

    group_list(1 - color, rw);
    if (lrank == 0) {
        for (i = 1; i < rsize; i++) {
            MPI_CHECK(MPI_Recv(&token, 1, MPI_INT, i, 77, inter, MPI_STATUS_IGNORE));
            CHECKF(token == rw[i], "token %d from remote %d (world %d)", token, i, rw[i]);
        }
        MPI_CHECK(MPI_Comm_idup(inter, &d, &rq));
    } else {
        MPI_CHECK(MPI_Comm_idup(inter, &d, &rq));
        MPI_CHECK(MPI_Ssend(&wrank, 1, MPI_INT, 0, 77, inter));
    }
    MPI_CHECK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    {
        int lw[MAXR];
        group_list(color, lw);
        check_inter(d, lw, lsize, rw, rsize, "Comm_idup");
    }
    check_p2p(d, lsize, rsize, rw, 3);
    MPI_CHECK(MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, d));
    for (i = 0; i < rsize; i++)
        want += rw[i];
    CHECKF(sum == want, "allreduce on the idup %d want %d", sum, want);
    MPI_CHECK(MPI_Comm_free(&d));
}

static void mode_calls(void)
{
    int lw[MAXR], rw[MAXR];

    group_list(color, lw);
    group_list(1 - color, rw);
    check_inter(inter, lw, lsize, rw, rsize, "Intercomm_create");
    check_p2p(inter, lsize, rsize, rw, 0);
    check_merge(0, 1);
    check_merge(1, 0);
    check_merge(0, 0);
    check_merge(1, 1);
    check_derived();
    check_collectives();
    check_errors();
    check_from_groups();
    check_idup();
}

#ifdef MPIX_ANY_SPARE /* our extension: the migrate mode is ours only */
/* One round: mover a (left group) and mover b (right group) move at the
 * same moment while a receive from each other and three nonblocking
 * collectives on the intercommunicator are in flight; they are the two
 * ends of that exchange. Then blocking collectives with a move between
 * them, and a new intercommunicator made after the moves. */
static void migrate_round(int round)
{
    int la = round % L, lb = round % (wsize - L), a = gworld(0, la), b = gworld(1, lb);
    int big = round % 2 ? 40000 : 300, *x = malloc(sizeof(int) * (size_t)big);
    int *y = malloc(sizeof(int) * (size_t)big), sum[N];
    int s[(N / 8) * MAXR], r[(N / 8) * MAXR], bc[N], i, k, peer;
    MPI_Request req[6];
    MPI_Status sts[6];
    MPI_Comm d, di;

    CHECK(x && y);
    /* a and b exchange `big` ints on the intercommunicator across the move */
    peer = wrank == a ? lb : wrank == b ? la : MPI_PROC_NULL;
    fill(x, big, wrank, wrank == a ? b : a, round);
    MPI_CHECK(MPI_Irecv(y, big, MPI_INT, peer == MPI_PROC_NULL ? MPI_PROC_NULL : MPI_ANY_SOURCE,
                        round, inter, &req[0]));
    MPI_CHECK(MPI_Isend(x, big, MPI_INT, peer, round, inter, &req[1]));
    fill(bc, N, wrank, -1, round);
    MPI_CHECK(MPI_Iallreduce(bc, sum, N, MPI_INT, MPI_SUM, inter, &req[2]));
    for (i = 0; i < rsize; i++)
        fill(s + i * (N / 8), N / 8, wrank, gworld(1 - color, i), round);
    MPI_CHECK(MPI_Ialltoall(s, N / 8, MPI_INT, r, N / 8, MPI_INT, inter, &req[3]));
    MPI_CHECK(MPI_Ibarrier(inter, &req[4]));
    MPI_CHECK(MPI_Comm_idup(inter, &di, &req[5])); /* its agreement runs across the moves */
    if (wrank == a || wrank == b)
        th_move();
    MPI_CHECK(MPI_Waitall(6, req, sts));
    if (peer != MPI_PROC_NULL) {
        int *ref = malloc(sizeof(int) * (size_t)big);
        CHECK(ref);
        fill(ref, big, wrank == a ? b : a, wrank, round);
        expect(y, ref, big, "exchange across the move", round);
        free(ref);
    }
    for (k = 0; k < N; k++) {
        int v = 0;
        for (i = 0; i < rsize; i++)
            v += val(gworld(1 - color, i), -1, k, round);
        CHECKF(sum[k] == v, "Iallreduce across the move item %d", k);
    }
    for (i = 0; i < rsize; i++)
        for (k = 0; k < N / 8; k++)
            CHECKF(r[i * (N / 8) + k] == val(gworld(1 - color, i), wrank, k, round),
                   "Ialltoall across the move from %d item %d", i, k);
    {
        int rw[MAXR];
        group_list(1 - color, rw);
        check_p2p(di, lsize, rsize, rw, round);
        MPI_CHECK(MPI_Comm_free(&di));
    }
    /* blocking collectives with the other group's next mover in between */
    check_allreduce(0, round);
    if (wrank == gworld(1 - (round % 2), (round + 1) % gsize(1 - (round % 2))))
        th_move();
    check_bcast(round % 2, round % gsize(round % 2), 0);
    check_alltoall(0, round);
    check_reduce(1 - round % 2, 0, 1);
    /* an intercommunicator made after the moves: contexts agreed with movers */
    MPI_CHECK(MPI_Comm_dup(inter, &d));
    {
        int rw[MAXR];
        group_list(1 - color, rw);
        check_p2p(d, lsize, rsize, rw, round);
    }
    MPI_CHECK(MPI_Comm_free(&d));
    free(x);
    free(y);
}

/* The last world rank (the right group's leader, which every intercomm
 * collective below needs) holds back while the others are blocked inside
 * the call, has `victim` moved to a spare meanwhile, and joins. */
static void hold_up_and_ask(int victim)
{
    struct timespec pause = {0, 50000000L};

    nanosleep(&pause, NULL);
    MPI_CHECK(MPIX_Migrate(victim, MPIX_ANY_SPARE, MPI_COMM_WORLD));
    nanosleep(&pause, NULL);
}

/* Each round, four intercomm collectives, each with a rank of either group
 * moved by another while it waits inside the call. */
static void mode_migrate_inside(int rounds)
{
    for (int round = 0; round < rounds; round++)
        for (int kind = 0; kind < 4; kind++) {
            int victim = (round * 4 + kind) % (wsize - 1), c0, c1;
            if (kind == 1) /* only the left group waits in that Bcast */
                victim = gworld(0, round % L);
            MPI_CHECK(MPIX_Cluster_self(&c0));
            if (wrank == wsize - 1)
                hold_up_and_ask(victim);
            if (kind == 0)
                check_allreduce(0, round);
            else if (kind == 1) /* rooted at the late rank */
                check_bcast(1, 0, 0);
            else if (kind == 2)
                check_alltoall(0, round);
            else
                MPI_CHECK(MPI_Barrier(inter));
            MPI_CHECK(MPIX_Cluster_self(&c1));
            CHECKF(wrank != victim || c0 != c1, "round %d kind %d: %d was not moved", round, kind,
                   victim);
        }
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "calls";
    int rounds = argc > 3 ? atoi(argv[3]) : 4; /* migrate mode */

    MPI_Init(&argc, &argv);
    L = argc > 2 ? atoi(argv[2]) : 1;
    setup();
    if (strcmp(mode, "calls") == 0) {
        mode_calls();
#ifdef MPIX_ANY_SPARE
    } else if (strcmp(mode, "migrate") == 0) {
        int spares;
        MPI_CHECK(MPIX_Spare_count(&spares));
        CHECKF(spares >= 2, "needs --spares 2, has %d", spares);
        for (int i = 0; i < rounds; i++)
            migrate_round(i);
    } else if (strcmp(mode, "migrate-inside") == 0) {
        mode_migrate_inside(rounds);
#endif
    } else {
        CHECKF(0, "unknown mode %s", mode);
    }
    MPI_CHECK(MPI_Op_free(&op_matmul));
    MPI_CHECK(MPI_Comm_free(&inter));
    MPI_CHECK(MPI_Comm_free(&local));
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0 && strcmp(mode, "calls") == 0)
        printf("intercomm calls: OK %d+%d\n", L, wsize - L);
    else if (wrank == 0)
        printf("intercomm %s: OK %d+%d %d rounds\n", mode, L, wsize - L, rounds);
    MPI_Finalize();
    return 0;
}
