/* coll_scale.c: the tree and halving collectives (issue 16), checked bit for
 * bit against a serial computation.
 *
 * Modes (argv[1], then a number of rounds):
 *  all N      N rounds of: Gather and Scatter (and Igather/Iscatter) at every
 *             root among 0, size / 2 and size - 1, with blocks of 0, 1, 100
 *             ints (binomial tree on more than two ranks) and 9000 ints
 *             (linear), with ints on both sides, a strided derived type on
 *             the leaves against a resized strided one at the root, and
 *             MPI_IN_PLACE at the root; Allgather and Iallgather the same
 *             ways (recursive doubling, Bruck, ring); Reduce_scatter_block and
 *             Reduce_scatter (uneven counts, some zero) with MPI_SUM on ints
 *             (recursive halving below 64 KiB, pairwise above) and with a
 *             non-commutative user operation, the 2x2 matrix product on
 *             groups of 4 unsigned (rank-ordered tree then binomial
 *             scatter), in place or not; Reduce and Ireduce of sums at
 *             those roots, in place or not, on 10 items (binomial tree) and
 *             on 20001 (reduce-scatter + gather); Allreduce of doubles whose bits
 *             must be the same on every rank (recursive doubling and
 *             Rabenseifner).
 *  migrate N  the same with one rank (a different one each round) moving to
 *             a spare before each family, and two at once before the last.
 *  inside N   N rounds in which the last rank holds the others up inside a
 *             Scatter rooted at it, a Gather, a non-commutative
 *             Reduce_scatter_block, a commutative Reduce_scatter and a large
 *             Reduce (reduce-scatter + gather) and an Allgather, and
 *             meanwhile asks for another rank (blocked in the call) to move
 *             (MPIX_Migrate); the mover must have changed cluster and every
 *             result must be exact.
 *  inside2 N  the same with two ranks moved inside each call (the victim
 *             and the next rank: both ends of tree edges).
 * Prints "coll_scale MODE: OK N rounds S ranks".
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testhelp_mpi.h"

static int rank, size;
static MPI_Op op_mat;
static int inside_pairs; /* mode inside2: two ranks moved inside each call */

static unsigned val(int r, int i, int salt)
{
    return ((unsigned)r * 7919u + (unsigned)i * 31u + (unsigned)salt * 131u) % 1000u + 1u;
}

/* 2x2 matrix product on groups of 4 unsigned: inout = in * inout (in comes
 * from lower ranks). */
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

static void *xalloc(size_t bytes)
{
    void *p = calloc(1, bytes ? bytes : 1);
    CHECK(p);
    return p;
}

static void expect_u(const unsigned *got, const unsigned *want, size_t n, const char *what, int a,
                     int b)
{
    for (size_t i = 0; i < n; i++)
        CHECKF(got[i] == want[i], "%s (%d, %d) on %d of %d ranks: item %zu is %u, want %u", what, a,
               b, rank, size, i, got[i], want[i]);
}

/* ---- Gather and Scatter ---------------------------------------------- */

/* The strided layouts: n ints at even places (leaves) and, at the root, the
 * same resized to 2n ints per block. */
static void strided_types(int n, MPI_Datatype *leaf, MPI_Datatype *rootblk)
{
    MPI_Datatype v;
    MPI_CHECK(MPI_Type_vector(n ? n : 1, 1, 2, MPI_INT, &v));
    MPI_CHECK(MPI_Type_create_resized(v, 0, (MPI_Aint)(2 * (n ? n : 1) * sizeof(int)), rootblk));
    MPI_CHECK(MPI_Type_dup(v, leaf));
    MPI_CHECK(MPI_Type_free(&v));
    MPI_CHECK(MPI_Type_commit(leaf));
    MPI_CHECK(MPI_Type_commit(rootblk));
}

/* variant 0: ints; 1: strided; 2: MPI_IN_PLACE at the root; 3: nonblocking. */
static void gather_one(MPI_Comm comm, int n, int root, int variant, int salt)
{
    int strided = variant == 1 && n > 0, stride = strided ? 2 : 1;
    unsigned *sb = xalloc(sizeof(unsigned) * (size_t)n * 2);
    unsigned *rb = xalloc(sizeof(unsigned) * (size_t)n * 2 * size);
    MPI_Datatype leaf = MPI_INT, rootblk = MPI_INT;
    int scount = n, rcount = n;

    if (strided) {
        strided_types(n, &leaf, &rootblk);
        scount = rcount = 1;
    }
    for (int i = 0; i < n; i++)
        sb[i * stride] = val(rank, i, salt);
    if (variant == 2 && rank == root)
        for (int i = 0; i < n; i++)
            rb[(size_t)rank * n + i] = val(rank, i, salt);
    const void *send = variant == 2 && rank == root ? MPI_IN_PLACE : sb;
    if (variant == 3) {
        MPI_Request req;
        MPI_CHECK(MPI_Igather(send, scount, leaf, rb, rcount, rootblk, root, comm, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Gather(send, scount, leaf, rb, rcount, rootblk, root, comm));
    }
    if (rank == root)
        for (int r = 0; r < size; r++)
            for (int i = 0; i < n; i++) {
                unsigned got = rb[(size_t)r * n * stride + (size_t)i * stride];
                CHECKF(got == val(r, i, salt),
                       "Gather n %d root %d variant %d: block %d item %d is %u, want %u", n, root,
                       variant, r, i, got, val(r, i, salt));
                if (strided && i < n - 1)
                    CHECKF(rb[(size_t)r * n * 2 + (size_t)i * 2 + 1] == 0,
                           "Gather strided: a gap of block %d written", r);
            }
    if (strided) {
        MPI_CHECK(MPI_Type_free(&leaf));
        MPI_CHECK(MPI_Type_free(&rootblk));
    }
    free(sb);
    free(rb);
}

static void scatter_one(MPI_Comm comm, int n, int root, int variant, int salt)
{
    int strided = variant == 1 && n > 0, stride = strided ? 2 : 1;
    unsigned *sb = xalloc(sizeof(unsigned) * (size_t)n * 2 * size);
    unsigned *rb = xalloc(sizeof(unsigned) * (size_t)n * 2);
    MPI_Datatype leaf = MPI_INT, rootblk = MPI_INT;
    int scount = n, rcount = n;

    if (strided) {
        strided_types(n, &leaf, &rootblk);
        scount = rcount = 1;
    }
    if (rank == root)
        for (int r = 0; r < size; r++)
            for (int i = 0; i < n; i++)
                sb[(size_t)r * n * stride + (size_t)i * stride] = val(r, i, salt);
    void *recv = variant == 2 && rank == root ? MPI_IN_PLACE : rb;
    if (variant == 3) {
        MPI_Request req;
        MPI_CHECK(MPI_Iscatter(sb, scount, rootblk, recv, rcount, leaf, root, comm, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Scatter(sb, scount, rootblk, recv, rcount, leaf, root, comm));
    }
    const unsigned *mine = recv == MPI_IN_PLACE ? sb + (size_t)rank * n : rb;
    for (int i = 0; i < n; i++) {
        unsigned got = mine[(size_t)i * stride];
        CHECKF(got == val(rank, i, salt), "Scatter n %d root %d variant %d: item %d is %u, want %u",
               n, root, variant, i, got, val(rank, i, salt));
        if (strided && i < n - 1)
            CHECKF(rb[(size_t)i * 2 + 1] == 0, "Scatter strided: a gap written");
    }
    if (strided) {
        MPI_CHECK(MPI_Type_free(&leaf));
        MPI_CHECK(MPI_Type_free(&rootblk));
    }
    free(sb);
    free(rb);
}

static void rooted_family(MPI_Comm comm, int salt)
{
    static const int ns[] = {0, 1, 100, 9000};
    int roots[3] = {0, size / 2, size - 1};

    for (int k = 0; k < 3; k++) {
        if (k > 0 && roots[k] == roots[k - 1])
            continue;
        for (unsigned j = 0; j < sizeof(ns) / sizeof(ns[0]); j++)
            for (int variant = 0; variant < 4; variant++) {
                gather_one(comm, ns[j], roots[k], variant, salt + variant);
                scatter_one(comm, ns[j], roots[k], variant, salt + variant + 7);
            }
    }
}

/* ---- Allgather ------------------------------------------------------- */

/* variant 0: ints; 1: strided sends into resized strided blocks; 2:
 * MPI_IN_PLACE; 3: nonblocking. n = 100: recursive doubling or Bruck;
 * n = 20000 (80 KB blocks): ring from 7 ranks on. */
static void allgather_one(MPI_Comm comm, int n, int variant, int salt)
{
    int strided = variant == 1 && n > 0, stride = strided ? 2 : 1;
    unsigned *sb = xalloc(sizeof(unsigned) * (size_t)n * 2);
    unsigned *rb = xalloc(sizeof(unsigned) * (size_t)n * 2 * size);
    MPI_Datatype leaf = MPI_INT, blk = MPI_INT;
    int count = n;

    if (strided) {
        strided_types(n, &leaf, &blk);
        count = 1;
    }
    for (int i = 0; i < n; i++) {
        sb[i * stride] = val(rank, i, salt);
        if (variant == 2)
            rb[(size_t)rank * n + i] = val(rank, i, salt);
    }
    const void *send = variant == 2 ? MPI_IN_PLACE : sb;
    if (variant == 3) {
        MPI_Request req;
        MPI_CHECK(MPI_Iallgather(send, count, leaf, rb, count, blk, comm, &req));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    } else {
        MPI_CHECK(MPI_Allgather(send, count, leaf, rb, count, blk, comm));
    }
    for (int r = 0; r < size; r++)
        for (int i = 0; i < n; i++) {
            unsigned got = rb[(size_t)r * n * stride + (size_t)i * stride];
            CHECKF(got == val(r, i, salt), "Allgather n %d variant %d: block %d item %d is %u", n,
                   variant, r, i, got);
            if (strided && i < n - 1)
                CHECKF(rb[(size_t)r * n * 2 + (size_t)i * 2 + 1] == 0,
                       "Allgather strided: a gap of block %d written", r);
        }
    if (strided) {
        MPI_CHECK(MPI_Type_free(&leaf));
        MPI_CHECK(MPI_Type_free(&blk));
    }
    free(sb), free(rb);
}

static void allgather_family(MPI_Comm comm, int salt)
{
    static const int ns[] = {0, 1, 100, 20000};

    for (unsigned j = 0; j < sizeof(ns) / sizeof(ns[0]); j++)
        for (int variant = 0; variant < 4; variant++)
            allgather_one(comm, ns[j], variant, salt + variant);
}

/* ---- Reduce_scatter -------------------------------------------------- */

/* Block sizes of Reduce_scatter: uneven, rank 1's empty (multiples of 4 so
 * the matrix operation sees whole matrices). */
static int rs_count(int r, int base)
{
    return r == 1 ? 0 : 4 * ((base + r * 3) / 4 + 1);
}

/* block 1: Reduce_scatter_block of `base` items each; else Reduce_scatter. */
static void rs_one(MPI_Comm comm, int base, int mat, int in_place, int block, int salt)
{
    int *counts = xalloc(sizeof(int) * (size_t)size), total = 0, mine, off = 0;

    for (int r = 0; r < size; r++) {
        counts[r] = block ? base : rs_count(r, base);
        if (r < rank)
            off += counts[r];
        total += counts[r];
    }
    mine = counts[rank];
    unsigned *sb = xalloc(sizeof(unsigned) * (size_t)total);
    unsigned *rb = xalloc(sizeof(unsigned) * (size_t)total);
    unsigned *want = xalloc(sizeof(unsigned) * (size_t)(mine + 4));
    unsigned *in = in_place ? rb : sb;

    for (int i = 0; i < total; i++)
        in[i] = val(rank, i, salt);
    MPI_Op op = mat ? op_mat : MPI_SUM;
    const void *send = in_place ? MPI_IN_PLACE : sb;
    if (block)
        MPI_CHECK(MPI_Reduce_scatter_block(send, rb, base, MPI_UNSIGNED, op, comm));
    else
        MPI_CHECK(MPI_Reduce_scatter(send, rb, counts, MPI_UNSIGNED, op, comm));
    /* serial reference, rank order */
    for (int i = 0; i < mine; i++)
        want[i] = val(0, off + i, salt);
    for (int r = 1; r < size; r++) {
        if (!mat) {
            for (int i = 0; i < mine; i++)
                want[i] += val(r, off + i, salt);
            continue;
        }
        for (int i = 0; i < mine; i += 4) {
            unsigned b[4];
            for (int k = 0; k < 4; k++)
                b[k] = val(r, off + i + k, salt);
            mat2(want + i, b, want + i); /* (ranks below r) * M_r */
        }
    }
    expect_u(rb, want, (size_t)mine, block ? "Reduce_scatter_block" : "Reduce_scatter", base,
             mat * 2 + in_place);
    free(counts), free(sb), free(rb), free(want);
}

static void rs_family(MPI_Comm comm, int salt)
{
    /* per-rank items: 0, 4, 40 (halving and tree), 20000 (pairwise when
     * commutative: 80 KB per rank) */
    static const int bases[] = {0, 4, 40, 20000};

    for (unsigned j = 0; j < sizeof(bases) / sizeof(bases[0]); j++)
        for (int v = 0; v < 8; v++)
            rs_one(comm, bases[j], v & 1, (v >> 1) & 1, (v >> 2) & 1, salt + v);
}

/* ---- Reduce: tree and reduce-scatter + gather ----------------------- */

static void reduce_family(MPI_Comm comm, int salt)
{
    /* items: tree (10) and reduce-scatter + gather (20001 unsigned, 80 KB,
     * blocks of unequal length) */
    static const int ns[] = {10, 20001};
    int roots[3] = {0, size / 2, size - 1};

    for (unsigned j = 0; j < sizeof(ns) / sizeof(ns[0]); j++)
        for (int k = 0; k < 3; k++)
            for (int v = 0; v < 3; v++) { /* plain, MPI_IN_PLACE, nonblocking */
                int n = ns[j], root = roots[k], in_place = v == 1 && rank == root;
                unsigned *sb = xalloc(sizeof(unsigned) * (size_t)n);
                unsigned *rb = xalloc(sizeof(unsigned) * (size_t)n);
                unsigned *want = xalloc(sizeof(unsigned) * (size_t)n);
                for (int i = 0; i < n; i++)
                    (in_place ? rb : sb)[i] = val(rank, i, salt + v);
                const void *send = in_place ? MPI_IN_PLACE : sb;
                if (v == 2) {
                    MPI_Request req;
                    MPI_CHECK(MPI_Ireduce(send, rb, n, MPI_UNSIGNED, MPI_SUM, root, comm, &req));
                    MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
                } else {
                    MPI_CHECK(MPI_Reduce(send, rb, n, MPI_UNSIGNED, MPI_SUM, root, comm));
                }
                if (rank == root) {
                    for (int i = 0; i < n; i++) {
                        want[i] = 0;
                        for (int r = 0; r < size; r++)
                            want[i] += val(r, i, salt + v);
                    }
                    expect_u(rb, want, (size_t)n, "Reduce", n, root * 10 + v);
                }
                free(sb), free(rb), free(want);
            }
}

/* ---- Allreduce: the same bits everywhere ------------------------------ */

static void allreduce_bits(MPI_Comm comm, int salt)
{
    static const int ns[] = {3, 1000, 100000};

    for (unsigned j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
        int n = ns[j];
        double *x = xalloc(sizeof(double) * (size_t)n), *y = xalloc(sizeof(double) * (size_t)n);
        double *z = xalloc(sizeof(double) * (size_t)n);
        for (int i = 0; i < n; i++) /* values whose sum rounds differently by order */
            x[i] = 1.0 / (double)(val(rank, i, salt) * 3u) + (rank % 3) * 1e16;
        MPI_CHECK(MPI_Allreduce(x, y, n, MPI_DOUBLE, MPI_SUM, comm));
        memcpy(z, y, sizeof(double) * (size_t)n);
        MPI_CHECK(MPI_Bcast(z, n, MPI_DOUBLE, 0, comm));
        CHECKF(memcmp(y, z, sizeof(double) * (size_t)n) == 0,
               "Allreduce of %d doubles: rank %d's bits differ from rank 0's", n, rank);
        free(x), free(y), free(z);
    }
}

/* ---- modes ------------------------------------------------------------ */

#ifdef MPIX_ANY_SPARE
static void move_if(int who)
{
    if (rank == who)
        th_move();
}

/* Second rank moved inside call `kind` (mode inside2), or -1. Not in the
 * Gather (kind 1): a rank there may have handed over its block and left
 * the call before the late rank asks. */
static int second_victim(int victim, int kind)
{
    return inside_pairs && size >= 3 && kind != 1 ? (victim + 1) % (size - 1) : -1;
}

/* The last rank of comm waits until the others are blocked in the call,
 * asks for victim (and in mode inside2 a second rank, both ends of
 * transfers of the call) to move, gives the moves time, and joins. */
static void hold_up_and_ask(MPI_Comm comm, int victim, int kind)
{
    struct timespec pause = {0, 50000000L};

    nanosleep(&pause, NULL);
    MPI_CHECK(MPIX_Migrate(victim, MPIX_ANY_SPARE, comm));
    if (second_victim(victim, kind) >= 0)
        MPI_CHECK(MPIX_Migrate(second_victim(victim, kind), MPIX_ANY_SPARE, comm));
    nanosleep(&pause, NULL);
}

/* One call (kind 0..5) with victim moved inside it. */
static void inside_one(MPI_Comm comm, int kind, int victim, int round)
{
    int c0, c1, last = size - 1, n = round % 2 ? 100 : 3;
    unsigned *a = xalloc(sizeof(unsigned) * (size_t)n * size * 4);
    unsigned *b = xalloc(sizeof(unsigned) * (size_t)n * size * 4);

    MPI_CHECK(MPIX_Cluster_self(&c0));
    if (rank == last)
        hold_up_and_ask(comm, victim, kind);
    switch (kind) {
    case 0: /* every rank needs data from the root, the late rank */
        if (rank == last)
            for (int i = 0; i < n * size; i++)
                a[i] = val(i / n, i % n, round);
        MPI_CHECK(MPI_Scatter(a, n, MPI_UNSIGNED, b, n, MPI_UNSIGNED, last, comm));
        for (int i = 0; i < n; i++)
            CHECKF(b[i] == val(rank, i, round), "inside Scatter: item %d", i);
        break;
    case 1: /* rooted at the victim, which waits for the late rank's block */
        for (int i = 0; i < n; i++)
            a[i] = val(rank, i, round);
        MPI_CHECK(MPI_Gather(a, n, MPI_UNSIGNED, b, n, MPI_UNSIGNED, victim, comm));
        if (rank == victim)
            for (int i = 0; i < n * size; i++)
                CHECKF(b[i] == val(i / n, i % n, round), "inside Gather: item %d", i);
        break;
    case 5: /* Allgather: Bruck on sizes that are not powers of two */
        for (int i = 0; i < n; i++)
            a[i] = val(rank, i, round);
        MPI_CHECK(MPI_Allgather(a, n, MPI_UNSIGNED, b, n, MPI_UNSIGNED, comm));
        for (int i = 0; i < n * size; i++)
            CHECKF(b[i] == val(i / n, i % n, round), "inside Allgather: item %d", i);
        break;
    case 4: { /* a large Reduce (reduce-scatter + gather) rooted at the victim */
        int m = 20000;
        unsigned *x = xalloc(sizeof(unsigned) * (size_t)m),
                 *y = xalloc(sizeof(unsigned) * (size_t)m);
        for (int i = 0; i < m; i++)
            x[i] = val(rank, i, round);
        MPI_CHECK(MPI_Reduce(x, y, m, MPI_UNSIGNED, MPI_SUM, victim, comm));
        for (int i = 0; rank == victim && i < m; i++) {
            unsigned w = 0;
            for (int r = 0; r < size; r++)
                w += val(r, i, round);
            CHECKF(y[i] == w, "inside Reduce: item %d is %u, want %u", i, y[i], w);
        }
        free(x), free(y);
        break;
    }
    default: /* 2: matrices (rank-ordered tree); 3: sums (halving) */
        for (int i = 0; i < 4 * n * size; i++)
            a[i] = val(rank, i, round);
        MPI_CHECK(MPI_Reduce_scatter_block(a, b, 4 * n, MPI_UNSIGNED, kind == 2 ? op_mat : MPI_SUM,
                                           comm));
        for (int i = 0; i < 4 * n; i += 4) {
            unsigned w[4];
            for (int k = 0; k < 4; k++)
                w[k] = val(0, rank * 4 * n + i + k, round);
            for (int r = 1; r < size; r++) {
                unsigned m[4];
                for (int k = 0; k < 4; k++)
                    m[k] = val(r, rank * 4 * n + i + k, round);
                if (kind == 2)
                    mat2(w, m, w);
                else
                    for (int k = 0; k < 4; k++)
                        w[k] += m[k];
            }
            expect_u(b + i, w, 4, "inside Reduce_scatter_block", kind, i);
        }
        break;
    }
    MPI_CHECK(MPIX_Cluster_self(&c1));
    if (rank == victim || rank == second_victim(victim, kind))
        CHECKF(c0 != c1, "round %d kind %d: rank %d was not moved inside the call", round, kind,
               rank);
    free(a), free(b);
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";
    int rounds = argc > 2 ? atoi(argv[2]) : 1;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_CHECK(MPI_Op_create(matmul, 0, &op_mat));
    for (int round = 0; round < rounds; round++) {
        int salt = round * 1000;
        if (strcmp(mode, "all") == 0) {
            rooted_family(MPI_COMM_WORLD, salt);
            allgather_family(MPI_COMM_WORLD, salt);
            rs_family(MPI_COMM_WORLD, salt);
            reduce_family(MPI_COMM_WORLD, salt);
            allreduce_bits(MPI_COMM_WORLD, salt);
#ifdef MPIX_ANY_SPARE
        } else if (strcmp(mode, "migrate") == 0) {
            move_if(round % size);
            rooted_family(MPI_COMM_WORLD, salt);
            allgather_family(MPI_COMM_WORLD, salt);
            move_if((round + 1) % size);
            rs_family(MPI_COMM_WORLD, salt);
            move_if((round + 2) % size); /* two at once when size >= 2 */
            move_if((round + 3) % size);
            allreduce_bits(MPI_COMM_WORLD, salt);
            reduce_family(MPI_COMM_WORLD, salt);
            rooted_family(MPI_COMM_WORLD, salt + 1);
        } else if ((strcmp(mode, "inside") == 0 || strcmp(mode, "inside2") == 0) && size >= 2) {
            inside_pairs = strcmp(mode, "inside2") == 0;
            for (int kind = 0; kind < 6; kind++)
                inside_one(MPI_COMM_WORLD, kind, (round + kind) % (size - 1), round);
#endif
        } else {
            CHECKF(0, "unknown mode %s (or too few ranks)", mode);
        }
    }
    MPI_CHECK(MPI_Op_free(&op_mat));
    if (rank == 0)
        printf("coll_scale %s: OK %d rounds %d ranks\n", mode, rounds, size);
    MPI_Finalize();
    return 0;
}
