/* comm_split.c: Comm_split, Comm_create, Comm_dup and Comm_compare, with
 * point-to-point traffic and the collectives run inside every new
 * communicator, each result checked against a serial reference.
 *
 * Colors and keys are functions of the world rank, so every rank can compute
 * the exact member list of its sub-communicator (sorted by key, then world
 * rank) and the value every collective must produce. Messages carry the
 * pattern of (sender, receiver, scheme), so a message delivered on the wrong
 * communicator or from the wrong rank fails its check.
 *
 * argv[1] (optional): number of dup/free rounds (default 200).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

static int wrank, wsize;

/* Split schemes: color and key of world rank w. */
static int scheme_color(int scheme, int w)
{
    switch (scheme) {
    case 0:
        return w % 3;
    case 1:
        return w % 4 == 3 ? MPI_UNDEFINED : w % 2;
    case 2:
        return 7; /* everybody, one communicator */
    default:
        return 0;
    }
}

static int scheme_key(int scheme, int w)
{
    switch (scheme) {
    case 0:
        return -w; /* reversed order */
    case 1:
        return w / 4; /* ties: broken by world rank */
    case 2:
        return (w * 5) % wsize; /* a permutation when gcd(5, size) = 1 */
    default:
        return 0;
    }
}

/* Serial reference: world ranks of the communicator of color (sorted by key,
 * then world rank) into out; returns their number. */
static int members(int scheme, int color, int *out)
{
    int n = 0, w, i, j, t;

    for (w = 0; w < wsize; w++)
        if (color != MPI_UNDEFINED && scheme_color(scheme, w) == color)
            out[n++] = w;
    for (i = 1; i < n; i++) /* insertion sort: stable, so ties keep rank order */
        for (j = i; j > 0 && scheme_key(scheme, out[j - 1]) > scheme_key(scheme, out[j]); j--) {
            t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* Value rank w contributes to reductions in scheme s, element i. */
static int contrib(int s, int w, int i)
{
    return (w + 1) * 1000 + s * 100 + i;
}

/* Checks that comm has exactly the members list[0..n) in that order. */
static void check_membership(MPI_Comm comm, const int *list, int n)
{
    MPI_Group g, wg;
    int size, rank, i, *in = malloc(sizeof(int) * (size_t)n),
                       *out = malloc(sizeof(int) * (size_t)n);

    CHECK(in && out);
    MPI_CHECK(MPI_Comm_size(comm, &size));
    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    CHECKF(size == n, "size %d want %d", size, n);
    CHECKF(list[rank] == wrank, "rank %d is world %d, I am %d", rank, list[rank], wrank);
    MPI_CHECK(MPI_Comm_group(comm, &g));
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    for (i = 0; i < n; i++)
        in[i] = i;
    MPI_CHECK(MPI_Group_translate_ranks(g, n, in, wg, out));
    for (i = 0; i < n; i++)
        CHECKF(out[i] == list[i], "member %d is world %d want %d", i, out[i], list[i]);
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Group_free(&wg));
    free(in);
    free(out);
}

/* Ring inside comm: pattern messages to the right, ANY_SOURCE from the left. */
static void check_ring(MPI_Comm comm, const int *list, int n, int scheme)
{
    int rank, right, left, len = 3000 + scheme * 5000; /* eager and rendezvous */
    char *sbuf = malloc((size_t)len), *rbuf = malloc((size_t)len);
    MPI_Status st;
    int count;

    CHECK(sbuf && rbuf);
    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    right = (rank + 1) % n;
    left = (rank - 1 + n) % n;
    th_pattern_fill(sbuf, (size_t)len, wrank, list[right], scheme);
    MPI_CHECK(MPI_Sendrecv(sbuf, len, MPI_BYTE, right, 40 + scheme, rbuf, len, MPI_BYTE,
                           MPI_ANY_SOURCE, 40 + scheme, comm, &st));
    CHECKF(st.MPI_SOURCE == left, "source %d want %d (comm rank)", st.MPI_SOURCE, left);
    MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
    CHECK(count == len);
    CHECK_PATTERN(rbuf, (size_t)len, list[left], wrank, scheme);
    free(sbuf);
    free(rbuf);
}

/* Barrier, Bcast from every root, Reduce to the last rank, Allreduce. */
static void check_collectives(MPI_Comm comm, const int *list, int n, int s)
{
    int rank, root, i, v[4], r[4], want;

    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    MPI_CHECK(MPI_Barrier(comm));
    for (root = 0; root < n; root++) {
        for (i = 0; i < 4; i++)
            v[i] = rank == root ? contrib(s, list[root], i) : -1;
        MPI_CHECK(MPI_Bcast(v, 4, MPI_INT, root, comm));
        for (i = 0; i < 4; i++)
            CHECKF(v[i] == contrib(s, list[root], i), "bcast root %d", root);
    }
    for (i = 0; i < 4; i++)
        v[i] = contrib(s, wrank, i);
    MPI_CHECK(MPI_Reduce(v, r, 4, MPI_INT, MPI_SUM, n - 1, comm));
    for (i = 0; rank == n - 1 && i < 4; i++) {
        for (want = 0, root = 0; root < n; root++)
            want += contrib(s, list[root], i);
        CHECKF(r[i] == want, "reduce %d: %d want %d", i, r[i], want);
    }
    MPI_CHECK(MPI_Allreduce(v, r, 4, MPI_INT, MPI_MAX, comm));
    for (i = 0; i < 4; i++) {
        for (want = contrib(s, list[0], i), root = 1; root < n; root++)
            want = contrib(s, list[root], i) > want ? contrib(s, list[root], i) : want;
        CHECKF(r[i] == want, "allreduce %d: %d want %d", i, r[i], want);
    }
}

static int is_identity(const int *list, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (list[i] != i)
            return 0;
    return 1;
}

/* Collectives added with the schedules: Allgather, Alltoall, Scan, and an
 * Iallreduce whose communicator is freed before the wait (MPI allows it:
 * the pending operation keeps the communicator alive). */
static void check_more_collectives(MPI_Comm comm, const int *list, int n, int s)
{
    int rank, i, v = contrib(s, wrank, 0), scan, want, sum;
    int *all = malloc(sizeof(int) * (size_t)n), *a2a = malloc(sizeof(int) * (size_t)n),
        *got = malloc(sizeof(int) * (size_t)n);
    MPI_Comm d;
    MPI_Request r;

    CHECK(all && a2a && got);
    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    MPI_CHECK(MPI_Allgather(&v, 1, MPI_INT, all, 1, MPI_INT, comm));
    for (i = 0; i < n; i++)
        CHECKF(all[i] == contrib(s, list[i], 0), "allgather %d", i);
    for (i = 0; i < n; i++)
        a2a[i] = list[rank] * 100 + list[i]; /* from me to comm rank i */
    MPI_CHECK(MPI_Alltoall(a2a, 1, MPI_INT, got, 1, MPI_INT, comm));
    for (i = 0; i < n; i++)
        CHECKF(got[i] == list[i] * 100 + list[rank], "alltoall from %d", i);
    MPI_CHECK(MPI_Scan(&v, &scan, 1, MPI_INT, MPI_SUM, comm));
    for (want = 0, i = 0; i <= rank; i++)
        want += contrib(s, list[i], 0);
    CHECKF(scan == want, "scan %d want %d", scan, want);
    MPI_CHECK(MPI_Comm_dup(comm, &d));
    MPI_CHECK(MPI_Iallreduce(&v, &sum, 1, MPI_INT, MPI_SUM, d, &r));
    MPI_CHECK(MPI_Comm_free(&d));
    MPI_CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE));
    for (want = 0, i = 0; i < n; i++)
        want += contrib(s, list[i], 0);
    CHECKF(sum == want, "iallreduce %d want %d", sum, want);
    free(all);
    free(a2a);
    free(got);
}

static void check_split(int scheme)
{
    int list[4096], n, color = scheme_color(scheme, wrank), result;
    MPI_Comm comm;

    CHECK(wsize <= 4096);
    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, color, scheme_key(scheme, wrank), &comm));
    if (color == MPI_UNDEFINED) {
        CHECK(comm == MPI_COMM_NULL);
        return;
    }
    CHECK(comm != MPI_COMM_NULL);
    n = members(scheme, color, list);
    check_membership(comm, list, n);
    check_ring(comm, list, n, scheme);
    check_collectives(comm, list, n, scheme);
    check_more_collectives(comm, list, n, scheme);
    MPI_CHECK(MPI_Comm_compare(comm, comm, &result));
    CHECK(result == MPI_IDENT);
    MPI_CHECK(MPI_Comm_compare(comm, MPI_COMM_WORLD, &result));
    if (n < wsize)
        CHECKF(result == MPI_UNEQUAL, "result %d", result);
    else
        CHECKF(result == (is_identity(list, n) ? MPI_CONGRUENT : MPI_SIMILAR), "result %d", result);
    MPI_CHECK(MPI_Comm_free(&comm));
    CHECK(comm == MPI_COMM_NULL);
}

/* A split of a split: halves of the scheme-0 communicators, keys all equal. */
static void check_nested(void)
{
    int list[4096], sub[4096], n, m = 0, i, rank;
    MPI_Comm a, b;

    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, scheme_color(0, wrank), scheme_key(0, wrank), &a));
    MPI_CHECK(MPI_Comm_rank(a, &rank));
    n = members(0, scheme_color(0, wrank), list);
    MPI_CHECK(MPI_Comm_split(a, rank % 2, 0, &b));
    for (i = rank % 2; i < n; i += 2)
        sub[m++] = list[i];
    check_membership(b, sub, m);
    check_ring(b, sub, m, 3);
    check_collectives(b, sub, m, 3);
    MPI_CHECK(MPI_Comm_free(&b));
    /* Only the color-0 ranks make more communicators, so the ranks' context
     * counters now differ; the world-wide constructors that follow must
     * still agree on fresh ids for everybody. */
    if (scheme_color(0, wrank) == 0) {
        MPI_CHECK(MPI_Comm_dup(a, &b));
        MPI_CHECK(MPI_Comm_free(&b));
        MPI_CHECK(MPI_Comm_split(a, 0, 0, &b));
        MPI_CHECK(MPI_Comm_free(&b));
    }
    MPI_CHECK(MPI_Comm_free(&a));
}

/* Comm_create with the even world ranks in reverse order. */
static void check_create(void)
{
    int list[4096], n = 0, w, result;
    MPI_Group wg, g;
    MPI_Comm comm;

    for (w = (wsize - 1) / 2 * 2; w >= 0; w -= 2)
        list[n++] = w;
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    MPI_CHECK(MPI_Group_incl(wg, n, list, &g));
    MPI_CHECK(MPI_Comm_create(MPI_COMM_WORLD, g, &comm));
    if (wrank % 2) {
        CHECK(comm == MPI_COMM_NULL);
    } else {
        check_membership(comm, list, n);
        check_ring(comm, list, n, 4);
        check_collectives(comm, list, n, 4);
        check_more_collectives(comm, list, n, 4);
        MPI_CHECK(MPI_Comm_compare(comm, MPI_COMM_WORLD, &result));
        CHECK(result == (n == wsize ? MPI_CONGRUENT : MPI_UNEQUAL));
        MPI_CHECK(MPI_Comm_free(&comm));
    }
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Group_free(&wg));
}

/* Same tag, same pair, two communicators: receives posted in the other
 * order still get the message of their own communicator. */
static void check_isolation(void)
{
    MPI_Comm dup;
    int a = 0, b = 0, result, one = 1, two = 2;
    MPI_Request rq[2];
    MPI_Status sts[2];

    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    MPI_CHECK(MPI_Comm_compare(dup, MPI_COMM_WORLD, &result));
    CHECK(result == MPI_CONGRUENT);
    MPI_CHECK(MPI_Isend(&one, 1, MPI_INT, (wrank + 1) % wsize, 9, dup, &rq[0]));
    MPI_CHECK(MPI_Isend(&two, 1, MPI_INT, (wrank + 1) % wsize, 9, MPI_COMM_WORLD, &rq[1]));
    MPI_CHECK(MPI_Recv(&b, 1, MPI_INT, MPI_ANY_SOURCE, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    MPI_CHECK(MPI_Recv(&a, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, dup, MPI_STATUS_IGNORE));
    MPI_CHECK(MPI_Waitall(2, rq, sts));
    CHECKF(a == 1 && b == 2, "dup got %d world got %d", a, b);
    MPI_CHECK(MPI_Comm_free(&dup));
}

/* Many dup/free rounds: table slots and context ids keep working. Every
 * round keeps one more communicator alive until the end. */
static void check_churn(int rounds)
{
    MPI_Comm keep[64], d;
    int i, sum, nkeep = 0, list[4096];

    for (i = 0; i < wsize; i++)
        list[i] = i;
    for (i = 0; i < rounds; i++) {
        MPI_CHECK(MPI_Comm_dup(i % 2 ? MPI_COMM_WORLD : MPI_COMM_SELF, &d));
        MPI_CHECK(MPI_Allreduce(&i, &sum, 1, MPI_INT, MPI_SUM, d));
        CHECKF(sum == i * (i % 2 ? wsize : 1), "round %d sum %d", i, sum);
        if (i % 7 == 0 && nkeep < 64)
            keep[nkeep++] = d;
        else
            MPI_CHECK(MPI_Comm_free(&d));
    }
    for (i = 0; i < nkeep; i++) {
        int size;
        MPI_CHECK(MPI_Comm_size(keep[i], &size));
        if (size == wsize)
            check_ring(keep[i], list, wsize, 5);
        MPI_CHECK(MPI_Comm_free(&keep[i]));
    }
}

/* MPI 4.0's hardware splits. HW_GUIDED: MPI_COMM_NULL without the info
 * key or for a resource a moving rank cannot be bound to; a communicator of
 * its own for "mpi_shared_memory". HW_UNGUIDED: strictly smaller than the
 * parent (MPI_COMM_NULL from a communicator of one), the resource named in
 * the info. MPICH groups the ranks of one node: only sizes are checked there. */
static void check_split_hw(void)
{
    static const char *hw_null[] = {"NUMANode", "l3cache", "no-such-resource"};
    int mpich = th_library_is_mpich(), n, flag, wsize;
    char value[MPI_MAX_INFO_VAL + 1];
    MPI_Comm c, self;
    MPI_Info info;
    size_t i;

    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &wsize));
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, MPI_INFO_NULL, &c));
    CHECK(c == MPI_COMM_NULL);
    MPI_CHECK(MPI_Info_create(&info));
    MPI_CHECK(MPI_Info_set(info, "shmem_topo", "numa")); /* not the key */
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c));
    CHECK(c == MPI_COMM_NULL);
    MPI_CHECK(MPI_Info_set(info, "mpi_hw_resource_type", "mpi_shared_memory"));
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c));
    CHECK(c != MPI_COMM_NULL);
    MPI_CHECK(MPI_Comm_size(c, &n));
    CHECKF(mpich ? n <= wsize : n == 1, "HW_GUIDED mpi_shared_memory: size %d", n);
    MPI_CHECK(MPI_Comm_free(&c));
    for (i = 0; !mpich && i < sizeof(hw_null) / sizeof(hw_null[0]); i++) {
        MPI_CHECK(MPI_Info_set(info, "mpi_hw_resource_type", hw_null[i]));
        MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c));
        CHECKF(c == MPI_COMM_NULL, "HW_GUIDED %s", hw_null[i]);
    }
    MPI_CHECK(MPI_Info_free(&info));

    MPI_CHECK(MPI_Info_create(&info));
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_UNGUIDED, 0, info, &c));
    if (wsize > 1 && (!mpich || c != MPI_COMM_NULL)) {
        CHECK(c != MPI_COMM_NULL);
        MPI_CHECK(MPI_Comm_size(c, &n));
        CHECKF(n < wsize && (mpich || n == 1), "HW_UNGUIDED: size %d of %d", n, wsize);
        MPI_CHECK(MPI_Info_get(info, "mpi_hw_resource_type", MPI_MAX_INFO_VAL, value, &flag));
        CHECKF(flag && (mpich || strcmp(value, "mpi_shared_memory") == 0), "resource '%s'",
               flag ? value : "");
        MPI_CHECK(MPI_Comm_free(&c));
    } else if (wsize == 1) {
        CHECK(c == MPI_COMM_NULL);
    }
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_SELF, MPI_COMM_TYPE_HW_UNGUIDED, 0, info, &self));
    CHECK(self == MPI_COMM_NULL); /* nothing smaller than one rank */
    MPI_CHECK(MPI_Info_free(&info));
#ifdef MPIX_COMM_TYPE_NEIGHBORHOOD
    /* MPICH's neighborhood split: the ranks that reach one directory (all,
     * on one host), MPI_COMM_NULL for a directory that is not there. */
    MPI_CHECK(MPI_Info_create(&info));
    MPI_CHECK(MPI_Info_set(info, "nbhd_common_dirname", "."));
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPIX_COMM_TYPE_NEIGHBORHOOD, 0, info, &c));
    CHECK(c != MPI_COMM_NULL);
    MPI_CHECK(MPI_Comm_size(c, &n));
    CHECKF(n == wsize, "neighborhood of '.': %d ranks of %d", n, wsize);
    MPI_CHECK(MPI_Comm_free(&c));
    /* MPICH 4.0 hangs there: rank 0 returns, the others wait forever */
    if (!mpich) {
        MPI_CHECK(MPI_Info_set(info, "nbhd_common_dirname", "./no-such-dir/x"));
        MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPIX_COMM_TYPE_NEIGHBORHOOD, 0, info, &c));
        CHECK(c == MPI_COMM_NULL);
    }
    MPI_CHECK(MPI_Info_free(&info));
#endif
}

/* Shared-memory split: every rank alone (containers move independently). */
static void check_split_type(void)
{
    MPI_Comm c;
    int n, r;

    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, 0, MPI_INFO_NULL, &c));
    CHECK(c == MPI_COMM_NULL);
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &c));
    MPI_CHECK(MPI_Comm_size(c, &n));
    MPI_CHECK(MPI_Comm_rank(c, &r));
    CHECK(r >= 0 && r < n);
    if (!th_library_is_mpich()) /* MPICH groups the ranks of one node */
        CHECK(n == 1 && r == 0);
    MPI_CHECK(MPI_Allreduce(&wrank, &r, 1, MPI_INT, MPI_SUM, c));
    if (n == 1)
        CHECK(r == wrank);
    MPI_CHECK(MPI_Comm_free(&c));
    check_split_hw();
}

static void check_names(void)
{
    char name[MPI_MAX_OBJECT_NAME];
    int len;
    MPI_Comm d;

    MPI_CHECK(MPI_Comm_get_name(MPI_COMM_WORLD, name, &len));
    CHECKF(strcmp(name, "MPI_COMM_WORLD") == 0 && len == 14, "'%s'", name);
    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &d));
    MPI_CHECK(MPI_Comm_get_name(d, name, &len));
    CHECKF(len == 0 && name[0] == 0, "'%s'", name);
    MPI_CHECK(MPI_Comm_set_name(d, "my duplicate"));
    MPI_CHECK(MPI_Comm_get_name(d, name, &len));
    CHECKF(strcmp(name, "my duplicate") == 0 && len == 12, "'%s'", name);
    MPI_CHECK(MPI_Comm_free(&d));
}

int main(int argc, char **argv)
{
    int s, rounds = argc > 1 ? atoi(argv[1]) : 200;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    for (s = 0; s < 3; s++)
        check_split(s);
    check_nested();
    check_create();
    check_isolation();
    check_names();
    check_split_type();
    check_churn(rounds);
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("comm_split: OK %d ranks\n", wsize);
    MPI_Finalize();
    return 0;
}
