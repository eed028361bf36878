/* coll_full.c: every collective checked bit for bit against a serial
 * reference computed in the test.
 *
 * Modes (argv[1]):
 *  shapes     the same on a dup of WORLD, a split in two (ranks reversed)
 *             and a Comm_create sub-group without rank 0.
 *  migrate-shapes N  the migrate mode on those communicators.
 *  migrate-inside N  N rounds in which a rank is moved by another while it
 *             is blocked inside MPI_Allreduce, MPI_Bcast, MPI_Alltoall and
 *             MPI_Barrier (the last rank holds the collective up, asks for
 *             the move, waits, then joins); the mover checks that it left
 *             its cluster during the call, everyone checks the data.
 *  all        (default) every collective on MPI_COMM_WORLD: many counts (0, 1,
 *             small, above the eager limit, 1 MiB), every root, MPI_IN_PLACE
 *             variants, predefined and user operations (a commutative sum and
 *             a non-commutative 2x2 matrix product), the nonblocking forms
 *             (several pending at once), and error classes under
 *             MPI_ERRORS_RETURN.
 *  migrate N  N rounds of collectives; each round one rank moves to a spare
 *             between calls, and once while a nonblocking collective of its
 *             own is pending.
 * The checks take an MPI_Comm, so other communicator shapes can be run
 * through the same functions.
 *
 * Data: rank r's element i is val(r, i, salt), a small positive integer, so
 * integer reductions are exact; the matrix product runs in unsigned
 * arithmetic (exact modulo 2^32, associative) and differs when the rank
 * order is wrong. Floating-point Allreduce is checked for bit-identical
 * results on every rank.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

#define MIB_INTS (1 << 18) /* 1 MiB of int */
#define SENTINEL (-77)

static const int counts[] = {0, 1, 7, 3000, 5000, MIB_INTS};
#define NCOUNTS ((int)(sizeof(counts) / sizeof(counts[0])))

static MPI_Op op_usum, op_matmul;
static void move(void);

static int val(int r, int i, int salt)
{
    return (int)(((unsigned)r * 7919u + (unsigned)i * 31u + (unsigned)salt * 131u) % 1000u) + 1;
}

/* A commutative user operation: elementwise int sum. */
static void usum(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    const int *a = in;
    int *b = inout;

    CHECK(*dt == MPI_INT);
    for (int i = 0; i < *len; i++)
        b[i] += a[i];
}

/* 2x2 matrix product on groups of 4 unsigned: inout = in * inout. */
static void mat2(const unsigned *a, const unsigned *b, unsigned *out)
{
    unsigned r[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                     a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
    memcpy(out, r, sizeof(r));
}

static void matmul(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    CHECK(*dt == MPI_UNSIGNED && *len % 4 == 0);
    for (int i = 0; i < *len; i += 4)
        mat2((unsigned *)in + i, (unsigned *)inout + i, (unsigned *)inout + i);
}

static int *ints(size_t n)
{
    int *p = malloc((n ? n : 1) * sizeof(int));
    CHECK(p != NULL);
    for (size_t i = 0; i < n; i++)
        p[i] = SENTINEL;
    return p;
}

static void fill(int *p, int n, int r, int salt)
{
    for (int i = 0; i < n; i++)
        p[i] = val(r, i, salt);
}

static void expect(const int *got, const int *want, size_t n, const char *what, int count, int root)
{
    for (size_t i = 0; i < n; i++)
        CHECKF(got[i] == want[i], "%s count %d root %d rank %d: [%zu] = %d, want %d", what, count,
               root, th_rank(), i, got[i], want[i]);
}

/* ---- references ----------------------------------------------------------- */

/* Sum over ranks lo..hi-1 of val(r, i, salt) for i < n. */
static void ref_sum(int *out, int n, int lo, int hi, int salt)
{
    for (int i = 0; i < n; i++) {
        out[i] = 0;
        for (int r = lo; r < hi; r++)
            out[i] += val(r, i, salt);
    }
}

/* Matrix contributions are val() as unsigned; product over ranks lo..hi-1 in
 * rank order. n is a multiple of 4. */
static void ref_mat(unsigned *out, int n, int lo, int hi, int salt)
{
    for (int i = 0; i < n; i += 4) {
        unsigned m[4];
        for (int k = 0; k < 4; k++)
            out[i + k] = (unsigned)val(lo, i + k, salt);
        for (int r = lo + 1; r < hi; r++) {
            for (int k = 0; k < 4; k++)
                m[k] = (unsigned)val(r, i + k, salt);
            mat2(out + i, m, out + i);
        }
    }
}

/* ---- rooted collectives ---------------------------------------------------- */

/* Every root for counts up to 5000; two roots for 1 MiB (time on 2 cores). */
static int root_step(int count, int size)
{
    return count >= MIB_INTS && size > 2 ? size / 2 : 1;
}

static void check_bcast(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = counts[c], *buf = ints((size_t)n), *want = ints((size_t)n);
        for (int root = 0; root < size; root += root_step(n, size)) {
            fill(want, n, root, c);
            if (rank == root)
                fill(buf, n, root, c);
            else
                memset(buf, 0, (size_t)n * sizeof(int));
            MPI_CHECK(MPI_Bcast(buf, n, MPI_INT, root, comm));
            expect(buf, want, (size_t)n, "Bcast", n, root);
        }
        free(buf);
        free(want);
    }
}

static void check_reduce(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = counts[c] & ~3, *sb = ints((size_t)n), *rb = ints((size_t)n);
        int *want = ints((size_t)n);
        for (int root = 0; root < size; root += root_step(n, size)) {
            for (int variant = 0; variant < 4; variant++) { /* sum, usum, matmul; in place */
                /* MPICH 4.0's large Reduce copies from MPI_IN_PLACE itself
                 * when root != 0 and crashes (see collectives.c): skip there. */
                if (variant == 3 && root != 0 && n * sizeof(int) > 2048 && th_library_is_mpich())
                    continue;
                int in_place = variant == 3 && rank == root, mat = variant == 2;
                MPI_Op op = variant == 1 ? op_usum : mat ? op_matmul : MPI_SUM;
                MPI_Datatype dt = mat ? MPI_UNSIGNED : MPI_INT;
                fill(in_place ? rb : sb, n, rank, c + variant);
                MPI_CHECK(MPI_Reduce(in_place ? MPI_IN_PLACE : sb, rb, n, dt, op, root, comm));
                if (rank != root)
                    continue;
                if (mat)
                    ref_mat((unsigned *)want, n, 0, size, c + variant);
                else
                    ref_sum(want, n, 0, size, c + variant);
                expect(rb, want, (size_t)n, "Reduce", n, root * 10 + variant);
            }
        }
        free(sb);
        free(rb);
        free(want);
    }
}

/* Blocks of varied sizes laid out in reverse rank order with gaps, so wrong
 * displacements show. */
static void v_layout(int n, int size, int *cnt, int *displs)
{
    int at = 0;
    for (int r = size - 1; r >= 0; r--) {
        cnt[r] = n ? n / (r + 1) + r % 2 : 0;
        displs[r] = at;
        at += cnt[r] + 2;
    }
}

/* Elements a v_layout spans (rank 0's block comes last). */
static int v_total(const int *cnt, const int *displs)
{
    return displs[0] + cnt[0] + 2;
}

static void check_gather_scatter(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *cnt = ints((size_t)size), *displs = ints((size_t)size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = counts[c] / (counts[c] >= MIB_INTS ? size : 1);
        v_layout(n, size, cnt, displs);
        size_t all = (size_t)n * size, vall = (size_t)v_total(cnt, displs);
        int *sb = ints(all > vall ? all : vall), *rb = ints(all > vall ? all : vall);
        int *want = ints(all > vall ? all : vall);
        for (int root = 0; root < size; root += root_step(counts[c], size)) {
            for (int in_place = 0; in_place < 2; in_place++) {
                int ip = in_place && rank == root;
                /* Gather */
                for (size_t i = 0; i < all; i++)
                    rb[i] = SENTINEL;
                fill(ip ? rb + (size_t)rank * n : sb, n, rank, c);
                MPI_CHECK(
                    MPI_Gather(ip ? MPI_IN_PLACE : sb, n, MPI_INT, rb, n, MPI_INT, root, comm));
                if (rank == root) {
                    for (int r = 0; r < size; r++)
                        fill(want + (size_t)r * n, n, r, c);
                    expect(rb, want, all, "Gather", n, root);
                }
                /* Gatherv */
                for (size_t i = 0; i < vall; i++)
                    rb[i] = want[i] = SENTINEL;
                fill(ip ? rb + displs[rank] : sb, cnt[rank], rank, c);
                MPI_CHECK(MPI_Gatherv(ip ? MPI_IN_PLACE : sb, cnt[rank], MPI_INT, rb, cnt, displs,
                                      MPI_INT, root, comm));
                if (rank == root) {
                    for (int r = 0; r < size; r++)
                        fill(want + displs[r], cnt[r], r, c);
                    expect(rb, want, vall, "Gatherv", n, root);
                }
                /* Scatter */
                if (rank == root)
                    for (int r = 0; r < size; r++)
                        fill(sb + (size_t)r * n, n, r, c + 1);
                for (int i = 0; i < n; i++)
                    rb[i] = SENTINEL;
                MPI_CHECK(
                    MPI_Scatter(sb, n, MPI_INT, ip ? MPI_IN_PLACE : rb, n, MPI_INT, root, comm));
                fill(want, n, rank, c + 1);
                expect(ip ? sb + (size_t)rank * n : rb, want, (size_t)n, "Scatter", n, root);
                /* Scatterv */
                if (rank == root)
                    for (int r = 0; r < size; r++)
                        fill(sb + displs[r], cnt[r], r, c + 2);
                MPI_CHECK(MPI_Scatterv(sb, cnt, displs, MPI_INT, ip ? MPI_IN_PLACE : rb, cnt[rank],
                                       MPI_INT, root, comm));
                fill(want, cnt[rank], rank, c + 2);
                expect(ip ? sb + displs[rank] : rb, want, (size_t)cnt[rank], "Scatterv", n, root);
            }
        }
        free(sb);
        free(rb);
        free(want);
    }
    free(cnt);
    free(displs);
}

/* ---- all-to-all shapes ---------------------------------------------------- */

static void check_allreduce(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = counts[c] & ~3, *sb = ints((size_t)n), *rb = ints((size_t)n);
        int *want = ints((size_t)n);
        for (int variant = 0; variant < 6; variant++) {     /* variant & 1: in place */
            int in_place = variant & 1, kind = variant / 2; /* 0 sum, 1 usum, 2 matmul */
            MPI_Op op = kind == 0 ? MPI_SUM : kind == 1 ? op_usum : op_matmul;
            MPI_Datatype dt = kind == 2 ? MPI_UNSIGNED : MPI_INT;
            fill(in_place ? rb : sb, n, rank, c + variant);
            MPI_CHECK(MPI_Allreduce(in_place ? MPI_IN_PLACE : sb, rb, n, dt, op, comm));
            if (kind == 2)
                ref_mat((unsigned *)want, n, 0, size, c + variant);
            else
                ref_sum(want, n, 0, size, c + variant);
            expect(rb, want, (size_t)n, "Allreduce", n, variant);
        }
        free(sb);
        free(rb);
        free(want);
    }
}

/* Doubles whose sum depends on the order: every rank must still get the
 * same bits (MPI's advice; the test compares rank 0's bytes). */
static void check_allreduce_bits(MPI_Comm comm)
{
    int rank, n = 5000;
    MPI_Comm_rank(comm, &rank);
    double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n);
    double *z = malloc(sizeof(double) * n);
    for (int small = 0; small < 2; small++) {
        int m = small ? 3 : n;
        for (int i = 0; i < m; i++)
            x[i] = 1.0 / (val(rank, i, 5) + 0.37) * (i % 2 ? 1e10 : 1e-7);
        MPI_CHECK(MPI_Allreduce(x, y, m, MPI_DOUBLE, MPI_SUM, comm));
        memcpy(z, y, sizeof(double) * (size_t)m);
        MPI_CHECK(MPI_Bcast(z, m, MPI_DOUBLE, 0, comm));
        CHECKF(memcmp(y, z, sizeof(double) * (size_t)m) == 0,
               "rank %d Allreduce(double) differs from rank 0's bits", rank);
    }
    free(x);
    free(y);
    free(z);
}

static void check_allgather(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *cnt = ints((size_t)size), *displs = ints((size_t)size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = counts[c] / (counts[c] >= MIB_INTS ? size : 1);
        v_layout(n, size, cnt, displs);
        size_t all = (size_t)n * size, vall = (size_t)v_total(cnt, displs);
        size_t big = all > vall ? all : vall;
        int *sb = ints((size_t)n), *rb = ints(big), *want = ints(big);
        for (int in_place = 0; in_place < 2; in_place++) {
            for (size_t i = 0; i < big; i++)
                rb[i] = want[i] = SENTINEL;
            fill(in_place ? rb + (size_t)rank * n : sb, n, rank, c);
            MPI_CHECK(
                MPI_Allgather(in_place ? MPI_IN_PLACE : sb, n, MPI_INT, rb, n, MPI_INT, comm));
            for (int r = 0; r < size; r++)
                fill(want + (size_t)r * n, n, r, c);
            expect(rb, want, all, "Allgather", n, in_place);
            for (size_t i = 0; i < big; i++)
                rb[i] = want[i] = SENTINEL;
            fill(in_place ? rb + displs[rank] : sb, cnt[rank], rank, c);
            MPI_CHECK(MPI_Allgatherv(in_place ? MPI_IN_PLACE : sb, cnt[rank], MPI_INT, rb, cnt,
                                     displs, MPI_INT, comm));
            for (int r = 0; r < size; r++)
                fill(want + displs[r], cnt[r], r, c);
            expect(rb, want, vall, "Allgatherv", n, in_place);
        }
        free(sb);
        free(rb);
        free(want);
    }
    free(cnt);
    free(displs);
}

/* Block that rank `from` sends to rank `to`: n ints, salt from the pair. */
static void a2a_block(int *p, int n, int from, int to, int salt)
{
    fill(p, n, from * 64 + to, salt);
}

static void check_alltoall(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *sc = ints((size_t)size), *sd = ints((size_t)size), *rc = ints((size_t)size);
    int *rd = ints((size_t)size), *sdb = ints((size_t)size), *rdb = ints((size_t)size);
    MPI_Datatype *ty = malloc(sizeof(MPI_Datatype) * (size_t)size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = counts[c] / (counts[c] >= MIB_INTS ? size : 1);
        size_t all = (size_t)n * size * 2 + (size_t)size * 4;
        int *sb = ints(all), *rb = ints(all), *want = ints(all);
        for (int in_place = 0; in_place < 2; in_place++) {
            int *src = in_place ? rb : sb;
            for (int r = 0; r < size; r++)
                a2a_block(src + (size_t)r * n, n, rank, r, c);
            MPI_CHECK(MPI_Alltoall(in_place ? MPI_IN_PLACE : sb, n, MPI_INT, rb, n, MPI_INT, comm));
            for (int r = 0; r < size; r++)
                a2a_block(want + (size_t)r * n, n, r, rank, c);
            expect(rb, want, (size_t)n * size, "Alltoall", n, in_place);
            /* v and w: count from->to = (n + from + 2 * to) % (n + 1), blocks
             * in reverse order with gaps; in place needs symmetric counts. */
            int at_s = 0, at_r = 0;
            for (int r = size - 1; r >= 0; r--) {
                sc[r] = n ? (n + rank + 2 * r) % (n + 1) : 0;
                rc[r] = n ? (n + r + 2 * rank) % (n + 1) : 0;
                if (in_place)
                    sc[r] = rc[r] = n ? (n + r + rank) % (n + 1) : 0;
                sd[r] = at_s;
                rd[r] = at_r;
                at_s += sc[r] + 1;
                at_r += rc[r] + 1;
                sdb[r] = sd[r] * (int)sizeof(int);
                rdb[r] = rd[r] * (int)sizeof(int);
                ty[r] = MPI_INT;
            }
            for (int w = 0; w < 2; w++) {
                for (size_t i = 0; i < all; i++)
                    rb[i] = want[i] = SENTINEL;
                for (int r = 0; r < size; r++)
                    a2a_block((in_place ? rb + rd[r] : sb + sd[r]), in_place ? rc[r] : sc[r], rank,
                              r, c + w);
                if (w)
                    MPI_CHECK(MPI_Alltoallw(in_place ? MPI_IN_PLACE : sb, sc, sdb, ty, rb, rc, rdb,
                                            ty, comm));
                else
                    MPI_CHECK(MPI_Alltoallv(in_place ? MPI_IN_PLACE : sb, sc, sd, MPI_INT, rb, rc,
                                            rd, MPI_INT, comm));
                for (int r = 0; r < size; r++)
                    a2a_block(want + rd[r], rc[r], r, rank, c + w);
                expect(rb, want, (size_t)at_r, w ? "Alltoallw" : "Alltoallv", n, in_place);
            }
        }
        free(sb);
        free(rb);
        free(want);
    }
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    free(sdb);
    free(rdb);
    free(ty);
}

/* ---- prefix and reduce-scatter ------------------------------------------- */

static void check_scan(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = counts[c] & ~3, *sb = ints((size_t)n), *rb = ints((size_t)n);
        int *want = ints((size_t)n);
        for (int variant = 0; variant < 8; variant++) { /* &1 in place, &2 matmul, &4 exscan */
            int in_place = variant & 1, mat = variant & 2, ex = variant & 4;
            MPI_Op op = mat ? op_matmul : MPI_SUM;
            MPI_Datatype dt = mat ? MPI_UNSIGNED : MPI_INT;
            for (int i = 0; i < n; i++)
                rb[i] = SENTINEL;
            fill(in_place ? rb : sb, n, rank, c + variant);
            if (ex)
                MPI_CHECK(MPI_Exscan(in_place ? MPI_IN_PLACE : sb, rb, n, dt, op, comm));
            else
                MPI_CHECK(MPI_Scan(in_place ? MPI_IN_PLACE : sb, rb, n, dt, op, comm));
            int hi = ex ? rank : rank + 1;
            if (hi == 0)
                continue; /* Exscan at rank 0: undefined */
            if (mat)
                ref_mat((unsigned *)want, n, 0, hi, c + variant);
            else
                ref_sum(want, n, 0, hi, c + variant);
            expect(rb, want, (size_t)n, ex ? "Exscan" : "Scan", n, variant);
        }
        free(sb);
        free(rb);
        free(want);
    }
}

static void check_reduce_scatter(MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *cnt = ints((size_t)size);
    for (int c = 0; c < NCOUNTS; c++) {
        int n = (counts[c] / (counts[c] >= MIB_INTS ? size : 1)) & ~3, total = 0, mine = 0;
        for (int r = 0; r < size; r++) {
            cnt[r] = n ? ((n / (r + 1)) & ~3) + 4 * (r % 2) : 0;
            if (r < rank)
                mine += cnt[r];
            total += cnt[r];
        }
        size_t all = (size_t)(total > n * size ? total : n * size);
        int *sb = ints(all), *rb = ints(all), *want = ints(all);
        for (int variant = 0; variant < 8; variant++) { /* &1 in place, &2 matmul, &4 block */
            int in_place = variant & 1, mat = variant & 2, block = variant & 4;
            MPI_Op op = mat ? op_matmul : MPI_SUM;
            MPI_Datatype dt = mat ? MPI_UNSIGNED : MPI_INT;
            int len = block ? n * size : total, my = block ? n : cnt[rank];
            int off = block ? n * rank : mine;
            fill(in_place ? rb : sb, len, rank, c + variant);
            if (block)
                MPI_CHECK(
                    MPI_Reduce_scatter_block(in_place ? MPI_IN_PLACE : sb, rb, n, dt, op, comm));
            else
                MPI_CHECK(MPI_Reduce_scatter(in_place ? MPI_IN_PLACE : sb, rb, cnt, dt, op, comm));
            /* reference of the whole vector, then this rank's slice */
            if (mat)
                ref_mat((unsigned *)want, len, 0, size, c + variant);
            else
                ref_sum(want, len, 0, size, c + variant);
            expect(rb, want + off, (size_t)my, block ? "Reduce_scatter_block" : "Reduce_scatter", n,
                   variant);
        }
        free(sb);
        free(rb);
        free(want);
    }
    free(cnt);
}

/* ---- nonblocking ------------------------------------------------------------ */

/* Several nonblocking collectives pending at once, completed out of order
 * and by Test loops; each result against its reference. */
static void check_nonblocking(MPI_Comm comm, int n, int mover)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *bc = ints((size_t)n), *ar_s = ints((size_t)n), *ar_r = ints((size_t)n);
    int *ag_r = ints((size_t)n * size), *aa_s = ints((size_t)n * size);
    int *aa_r = ints((size_t)n * size), *rd_r = ints((size_t)n), *want = ints((size_t)n * size);
    int root = size - 1, flag = 0;
    int *vc = ints((size_t)size), *vd = ints((size_t)size);
    MPI_Request req[7];
    MPI_Status st[7];

    fill(ar_s, n, rank, 1);
    if (rank == root)
        fill(bc, n, root, 2);
    for (int r = 0; r < size; r++)
        a2a_block(aa_s + (size_t)r * n, n, rank, r, 3);
    fill(ag_r + (size_t)rank * n, n, rank, 4);
    MPI_CHECK(MPI_Ibcast(bc, n, MPI_INT, root, comm, &req[0]));
    MPI_CHECK(MPI_Iallreduce(ar_s, ar_r, n, MPI_INT, MPI_SUM, comm, &req[1]));
    MPI_CHECK(MPI_Iallgather(MPI_IN_PLACE, 0, MPI_INT, ag_r, n, MPI_INT, comm, &req[2]));
    MPI_CHECK(MPI_Ialltoall(aa_s, n, MPI_INT, aa_r, n, MPI_INT, comm, &req[3]));
    MPI_CHECK(MPI_Ireduce(ar_s, rd_r, n & ~3, MPI_UNSIGNED, op_matmul, 0, comm, &req[4]));
    MPI_CHECK(MPI_Ibarrier(comm, &req[5]));
    v_layout(n / size, size, vc, vd);
    int *agv_s = ints((size_t)vc[rank]), *agv_r = ints((size_t)v_total(vc, vd));
    fill(agv_s, vc[rank], rank, 6);
    MPI_CHECK(MPI_Iallgatherv(agv_s, vc[rank], MPI_INT, agv_r, vc, vd, MPI_INT, comm, &req[6]));
    if (rank == mover)
        move();
    MPI_CHECK(MPI_Wait(&req[3], MPI_STATUS_IGNORE)); /* out of order on purpose */
    while (!flag)
        MPI_CHECK(MPI_Test(&req[5], &flag, MPI_STATUS_IGNORE));
    CHECK(req[5] == MPI_REQUEST_NULL);
    MPI_CHECK(MPI_Waitall(7, req, st));
    fill(want, n, root, 2);
    expect(bc, want, (size_t)n, "Ibcast", n, root);
    ref_sum(want, n, 0, size, 1);
    expect(ar_r, want, (size_t)n, "Iallreduce", n, 0);
    for (int r = 0; r < size; r++)
        fill(want + (size_t)r * n, n, r, 4);
    expect(ag_r, want, (size_t)n * size, "Iallgather", n, 0);
    for (int r = 0; r < size; r++)
        a2a_block(want + (size_t)r * n, n, r, rank, 3);
    expect(aa_r, want, (size_t)n * size, "Ialltoall", n, 0);
    for (int r = 0; r < size; r++) {
        fill(want, vc[r], r, 6);
        expect(agv_r + vd[r], want, (size_t)vc[r], "Iallgatherv", n, r);
    }
    if (rank == 0) {
        ref_mat((unsigned *)want, n & ~3, 0, size, 1);
        expect(rd_r, want, (size_t)(n & ~3), "Ireduce(matmul)", n, 0);
    }
    free(bc), free(ar_s), free(ar_r), free(ag_r), free(aa_s), free(aa_r), free(rd_r), free(want);
    free(agv_r), free(agv_s), free(vc), free(vd);
}

/* A rank inside a blocking collective must still advance its pending
 * nonblocking ones: even ranks enter a Barrier while odd ranks wait for an
 * Ibcast that the even ranks have to forward. */
static void check_progress(MPI_Comm comm)
{
    int rank, size, n = 20000;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *buf = ints((size_t)n), *want = ints((size_t)n);
    MPI_Request req;

    for (int root = 0; root < size; root++) {
        if (rank == root)
            fill(buf, n, root, 9);
        MPI_CHECK(MPI_Ibcast(buf, n, MPI_INT, root, comm, &req));
        if (rank % 2 == 0) {
            MPI_CHECK(MPI_Barrier(comm));
            MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
        } else {
            MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
            MPI_CHECK(MPI_Barrier(comm));
        }
        fill(want, n, root, 9);
        expect(buf, want, (size_t)n, "Ibcast across Barrier", n, root);
    }
    free(buf);
    free(want);
}

/* MPI_Op_free while a nonblocking reduction still needs the operation: it
 * must complete with that operation, even if a new op is created at once
 * (which must not take over the freed one's place). */
static void check_op_free_pending(MPI_Comm comm)
{
    int rank, size, n = 4000;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int *x = ints((size_t)n), *y = ints((size_t)n), *want = ints((size_t)n);
    MPI_Op tmp_op, other;
    MPI_Request req;

    MPI_CHECK(MPI_Op_create(matmul, 0, &tmp_op));
    fill(x, n, rank, 8);
    MPI_CHECK(MPI_Iallreduce(x, y, n, MPI_UNSIGNED, tmp_op, comm, &req));
    MPI_CHECK(MPI_Op_free(&tmp_op));
    CHECK(tmp_op == MPI_OP_NULL);
    MPI_CHECK(MPI_Op_create(usum, 1, &other));
    MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    ref_mat((unsigned *)want, n, 0, size, 8);
    expect(y, want, (size_t)n, "Iallreduce after Op_free", n, 0);
    MPI_CHECK(MPI_Op_free(&other));
    free(x), free(y), free(want);
}

/* ---- errors ------------------------------------------------------------------ */

static void check_errors(MPI_Comm comm)
{
    int rank, size, a[8] = {0}, b[64] = {0}, cnt[64], displs[64], err;
    MPI_Request req;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int i = 0; i < 64; i++)
        cnt[i] = 1, displs[i] = i;
    MPI_CHECK(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
    /* Every call below fails at its argument check, on every rank, before any
     * message moves. */
    CHECK_CLASS(MPI_Bcast(a, 1, MPI_INT, size, comm), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Bcast(a, 1, MPI_INT, -1, comm), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Bcast(a, -1, MPI_INT, 0, comm), MPI_ERR_COUNT);
    CHECK_CLASS(MPI_Bcast(a, 1, MPI_DATATYPE_NULL, 0, comm), MPI_ERR_TYPE);
    CHECK_CLASS(MPI_Bcast(NULL, 1, MPI_INT, 0, comm), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Barrier(MPI_COMM_NULL), MPI_ERR_COMM);
    CHECK_CLASS(MPI_Reduce(a, b, 1, MPI_INT, MPI_OP_NULL, 0, comm), MPI_ERR_OP);
    CHECK_CLASS(MPI_Reduce(a, b, 1, MPI_INT, MPI_SUM, size, comm), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Allreduce(a, b, 1, MPI_DOUBLE, MPI_BAND, comm), MPI_ERR_OP);
    CHECK_CLASS(MPI_Allreduce(a, a, 1, MPI_INT, MPI_SUM, comm), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Allreduce(a, b, 1, MPI_INT, (MPI_Op)0x98000123, comm), MPI_ERR_OP);
    CHECK_CLASS(MPI_Gather(a, 1, MPI_INT, b, 1, MPI_INT, size, comm), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Gather(a, -1, MPI_INT, b, 1, MPI_INT, 0, comm), MPI_ERR_COUNT);
    if (rank != 0) /* MPI_IN_PLACE is only for the root */
        CHECK_CLASS(MPI_Gather(MPI_IN_PLACE, 1, MPI_INT, b, 1, MPI_INT, 0, comm), MPI_ERR_BUFFER);
    else
        CHECK_CLASS(MPI_Gather(b, 1, MPI_INT, b, 1, MPI_INT, 0, comm), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Gatherv(a, 1, MPI_INT, b, NULL, displs, MPI_INT, rank, comm), MPI_ERR_ARG);
    cnt[size - 1] = -1;
    CHECK_CLASS(MPI_Scatterv(b, cnt, displs, MPI_INT, a, 1, MPI_INT, rank, comm), MPI_ERR_COUNT);
    cnt[size - 1] = 1;
    CHECK_CLASS(MPI_Scatter(b, 1, MPI_INT, a, 1, MPI_INT, -2, comm), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Allgather(b, 1, MPI_INT, b, 1, MPI_INT, comm), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Allgather(a, 1, MPI_INT, b, 1, MPI_DATATYPE_NULL, comm), MPI_ERR_TYPE);
    CHECK_CLASS(MPI_Alltoall(b, 1, MPI_INT, b, 1, MPI_INT, comm), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Alltoallv(a, cnt, NULL, MPI_INT, b, cnt, displs, MPI_INT, comm), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Scan(a, b, -3, MPI_INT, MPI_SUM, comm), MPI_ERR_COUNT);
    CHECK_CLASS(MPI_Exscan(a, b, 1, MPI_INT, MPI_REPLACE, comm), MPI_ERR_OP);
    CHECK_CLASS(MPI_Reduce_scatter_block(a, a, 1, MPI_INT, MPI_SUM, comm), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Reduce_scatter(a, b, NULL, MPI_INT, MPI_SUM, comm), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Ibcast(a, 1, MPI_INT, size, comm, &req), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Iallreduce(a, b, 1, MPI_INT, MPI_SUM, comm, NULL), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Ialltoall(a, 1, MPI_BYTE, b, -1, MPI_BYTE, comm, &req), MPI_ERR_COUNT);
    CHECK_CLASS(MPI_Op_free(&(MPI_Op){MPI_SUM}), MPI_ERR_OP);
    CHECK_CLASS(MPI_Op_create(NULL, 1, &(MPI_Op){0}), MPI_ERR_ARG);
    /* A nonblocking collective request cannot be freed or cancelled. */
    MPI_CHECK(MPI_Ibarrier(comm, &req));
    CHECK_CLASS(MPI_Request_free(&req), MPI_ERR_REQUEST);
    CHECK_CLASS(MPI_Cancel(&req), MPI_ERR_REQUEST);
    MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    /* the communicator still works after all that */
    a[0] = rank;
    MPI_CHECK(MPI_Allreduce(a, b, 1, MPI_INT, MPI_SUM, comm));
    CHECKF(b[0] == size * (size - 1) / 2, "sum %d", b[0]);
    MPI_CHECK(MPI_Comm_set_errhandler(comm, MPI_ERRORS_ARE_FATAL));
    err = 0;
    MPI_CHECK(MPI_Op_commutative(op_matmul, &err));
    CHECK(err == 0);
    MPI_CHECK(MPI_Op_commutative(op_usum, &err));
    CHECK(err == 1);
}

/* Every check on one communicator. */
static void check_comm(MPI_Comm comm)
{
    check_bcast(comm);
    check_reduce(comm);
    check_allreduce(comm);
    check_allreduce_bits(comm);
    check_gather_scatter(comm);
    check_allgather(comm);
    check_alltoall(comm);
    check_scan(comm);
    check_reduce_scatter(comm);
    check_progress(comm);
    check_op_free_pending(comm);
    /* MPICH skips many of these argument checks (some crash it): the
     * reference run on MPICH (run-on-mpich.sh) validates the data checks. */
    if (!th_library_is_mpich())
        check_errors(comm);
}

/* An Alltoall of n ints per pair (x, y, w hold n * size), checked. */
static void alltoall_checked(MPI_Comm comm, int *x, int *y, int *w, int n, int round,
                             const char *what)
{
    int rank, size;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int r = 0; r < size; r++)
        a2a_block(x + (size_t)r * n, n, rank, r, round);
    MPI_CHECK(MPI_Alltoall(x, n, MPI_INT, y, n, MPI_INT, comm));
    for (int r = 0; r < size; r++)
        a2a_block(w + (size_t)r * n, n, r, rank, round);
    expect(y, w, (size_t)n * size, what, n, round);
}

/* Moves the calling rank to any spare and checks it really changed cluster. */
static void move(void)
{
#ifdef MPIX_ANY_SPARE
    th_move();
#else /* built against another MPI (run-on-mpich.sh): mode all only */
    CHECKF(0, "migration needs nanvix-mpi");
#endif
}

/* Rounds of collectives with one rank moving between calls, and one moving
 * with its nonblocking collectives pending. */
static void mode_migrate(MPI_Comm comm, int rounds)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int round = 0; round < rounds; round++) {
        int mover = round % size, n = round % 2 ? 3000 : 20000;
        int *x = ints((size_t)n * size), *y = ints((size_t)n * size), *w = ints((size_t)n * size);
        if (rank == mover)
            move();
        fill(x, n, rank, round);
        MPI_CHECK(MPI_Allreduce(x, y, n, MPI_INT, MPI_SUM, comm));
        ref_sum(w, n, 0, size, round);
        expect(y, w, (size_t)n, "migrate Allreduce", n, round);
        if (rank == (mover + 1) % size)
            move();
        MPI_CHECK(MPI_Scan(x, y, n & ~3, MPI_UNSIGNED, op_matmul, comm));
        ref_mat((unsigned *)w, n & ~3, 0, rank + 1, round);
        expect(y, w, (size_t)(n & ~3), "migrate Scan", n, round);
        alltoall_checked(comm, x, y, w, n, round, "migrate Alltoall");
        check_nonblocking(comm, n, (mover + 2) % size);
        free(x), free(y), free(w);
    }
}

#ifdef MPIX_ANY_SPARE
/* The last rank of comm asks for `victim` to move to a spare while the
 * others wait for it inside a collective, gives the move 50 ms, and joins. */
static void hold_up_and_ask(MPI_Comm comm, int victim)
{
    struct timespec pause = {0, 50000000L};

    nanosleep(&pause, NULL); /* the others are blocked in the call by now */
    MPI_CHECK(MPIX_Migrate(victim, MPIX_ANY_SPARE, comm));
    nanosleep(&pause, NULL);
}

/* One collective (kind 0..3) with `victim` moved inside it. */
static void inside_one(MPI_Comm comm, int kind, int victim, int round)
{
    int rank, size, n = round % 2 ? 5000 : 300, c0, c1;
    int *x, *y, *w;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    x = ints((size_t)n * size), y = ints((size_t)n * size), w = ints((size_t)n * size);
    fill(x, n, rank, round);
    MPI_CHECK(MPIX_Cluster_self(&c0));
    if (rank == size - 1)
        hold_up_and_ask(comm, victim);
    switch (kind) {
    case 0:
        MPI_CHECK(MPI_Allreduce(x, y, n, MPI_INT, MPI_SUM, comm));
        ref_sum(w, n, 0, size, round);
        expect(y, w, (size_t)n, "inside Allreduce", n, round);
        break;
    case 1: /* rooted at the late rank, so that every other one waits for it */
        if (rank != size - 1)
            memset(x, 0, (size_t)n * sizeof(int));
        MPI_CHECK(MPI_Bcast(x, n, MPI_INT, size - 1, comm));
        fill(w, n, size - 1, round);
        expect(x, w, (size_t)n, "inside Bcast", n, round);
        break;
    case 2:
        alltoall_checked(comm, x, y, w, n, round, "inside Alltoall");
        break;
    default:
        MPI_CHECK(MPI_Barrier(comm));
        break;
    }
    MPI_CHECK(MPIX_Cluster_self(&c1));
    if (rank == victim)
        CHECKF(c0 != c1, "round %d kind %d: rank %d was not moved inside the call", round, kind,
               rank);
    free(x), free(y), free(w);
}

static void mode_migrate_inside(MPI_Comm comm, int rounds)
{
    int size;

    MPI_Comm_size(comm, &size);
    for (int round = 0; round < rounds; round++)
        for (int kind = 0; kind < 4; kind++)
            inside_one(comm, kind, (round + kind) % (size - 1), round);
}
#endif

/* The communicator shapes every collective is run on besides WORLD: a dup,
 * a split in two with the ranks in reverse order, and a sub-group without
 * world rank 0 (Comm_create). Rank 0 gets MPI_COMM_NULL for the last. */
static int make_shapes(MPI_Comm out[3])
{
    MPI_Group world, sub;
    int rank, size, excl = 0;

    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &out[0]));
    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, size - rank, &out[1]));
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &world));
    MPI_CHECK(MPI_Group_excl(world, 1, &excl, &sub));
    MPI_CHECK(MPI_Comm_create(MPI_COMM_WORLD, sub, &out[2]));
    MPI_CHECK(MPI_Group_free(&sub));
    MPI_CHECK(MPI_Group_free(&world));
    return 3;
}

static void free_shapes(MPI_Comm c[3])
{
    for (int i = 0; i < 3; i++)
        if (c[i] != MPI_COMM_NULL)
            MPI_CHECK(MPI_Comm_free(&c[i]));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";
    int rank, size;

    MPI_CHECK(MPI_Init(&argc, &argv));
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_CHECK(MPI_Op_create(usum, 1, &op_usum));
    MPI_CHECK(MPI_Op_create(matmul, 0, &op_matmul));
    if (strcmp(mode, "migrate") == 0) {
        int rounds = argc > 2 ? atoi(argv[2]) : 4;
        mode_migrate(MPI_COMM_WORLD, rounds);
        if (rank == 0)
            printf("coll_full migrate: OK %d rounds %d ranks\n", rounds, size);
#ifdef MPIX_ANY_SPARE
    } else if (strcmp(mode, "migrate-inside") == 0 && size >= 2) {
        int rounds = argc > 2 ? atoi(argv[2]) : 2;

        mode_migrate_inside(MPI_COMM_WORLD, rounds);
        if (rank == 0)
            printf("coll_full migrate-inside: OK %d rounds %d ranks\n", rounds, size);
#endif
    } else if (strcmp(mode, "shapes") == 0 || strcmp(mode, "migrate-shapes") == 0) {
        MPI_Comm shapes[3];
        int n = make_shapes(shapes), rounds = argc > 2 ? atoi(argv[2]) : 2;

        /* check_errors passes MPI_COMM_NULL: that error goes to WORLD's handler */
        MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));

        for (int i = 0; i < n; i++) {
            if (shapes[i] == MPI_COMM_NULL)
                continue;
            if (mode[0] == 'm') {
                mode_migrate(shapes[i], rounds);
                continue;
            }
            check_comm(shapes[i]);
            for (int c = 0; c < NCOUNTS - 1; c++)
                check_nonblocking(shapes[i], counts[c], -1);
        }
        free_shapes(shapes);
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0)
            printf("coll_full %s: OK %d ranks\n", mode, size);
    } else {
        check_comm(MPI_COMM_WORLD);
        for (int c = 0; c < NCOUNTS - 1; c++)
            check_nonblocking(MPI_COMM_WORLD, counts[c], -1);
        if (rank == 0)
            printf("coll_full: OK %d ranks\n", size);
    }
    MPI_CHECK(MPI_Op_free(&op_matmul));
    CHECK(op_matmul == MPI_OP_NULL);
    MPI_CHECK(MPI_Op_free(&op_usum));
    MPI_CHECK(MPI_Finalize());
    return 0;
}
