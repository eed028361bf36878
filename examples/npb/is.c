/* is.c: NPB IS (integer sort): ranks N keys by a parallel bucket sort.
 *
 * Keys are drawn as floor(MAX_KEY/4 * (r1+r2+r3+r4)) from one stream (seed
 * 314159265); rank r generates keys [r*N/p, (r+1)*N/p) after jumping the
 * generator 4*r*N/p steps. Each of the 10 timed iterations changes two keys,
 * then ranks all keys: local bucket counts are summed (Allreduce), the
 * buckets are cut into p contiguous key ranges of about N/p keys each, the
 * keys travel to the rank owning their range (Alltoall of counts, Alltoallv
 * of keys), and each rank counts its range. The rank of a value v is then
 * the number of keys below the rank's range plus its local cumulative count.
 * Five test keys per iteration are checked against NPB's reference ranks;
 * after the loop the keys are placed in order and the order is checked.
 */
#include "npb_common.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IS_SEED  314159265ULL
#define IS_ITERS 10
#define IS_TESTS 5

struct is_class {
    char cls;
    int log_keys, log_max, log_buckets;
    long test_index[IS_TESTS], test_rank[IS_TESTS];
    int sign[IS_TESTS], delta[IS_TESTS]; /* expected rank = test_rank + sign*(it+delta) */
};

/* clang-format off: one class per row reads best */
static const struct is_class is_classes[] = {
    {'S',
     16,
     11,
     9,
     {48427, 17148, 23627, 62548, 4431},
     {0, 18, 346, 64917, 65463},
     {1, 1, 1, -1, -1},
     {0, 0, 0, 0, 0}},
    {'W',
     20,
     16,
     10,
     {357773, 934767, 875723, 898999, 404505},
     {1249, 11698, 1039987, 1043896, 1048018},
     {1, 1, -1, -1, -1},
     {-2, -2, 0, 0, 0}},
    {'A',
     23,
     19,
     10,
     {2112377, 662041, 5336171, 3642833, 4250760},
     {104, 17523, 123928, 8288932, 8388264},
     {1, 1, 1, -1, -1},
     {-1, -1, -1, -1, -1}},
};
/* clang-format on */

/* One rank's state; the range arrays are rebuilt at every ranking. */
struct is_state {
    const struct is_class *c;
    int rank, size, nbuck, shift;
    long nkeys, first, nloc, maxkey;
    int *key, *sendbuf, *recvbuf;
    long recvcap, nrecv;
    long *bcount, *gbcount, *bpos;
    int *bowner, *scount, *rcount, *sdispl, *rdispl;
    long lo, hi, below; /* my key range [lo, hi) and the number of keys < lo */
    long *cnt;          /* cnt[v-lo]: keys <= v, for v in my range */
    int passed;
};

/* Generates this rank's keys from its place in the stream. */
static void is_generate(struct is_state *s)
{
    uint64_t x = npb_skip(IS_SEED, NPB_MULT, 4 * (uint64_t)s->first);
    double k = (double)(s->maxkey / 4);

    for (long i = 0; i < s->nloc; i++) {
        double r = npb_randlc(&x, NPB_MULT);
        r += npb_randlc(&x, NPB_MULT);
        r += npb_randlc(&x, NPB_MULT);
        r += npb_randlc(&x, NPB_MULT);
        s->key[i] = (int)(k * r);
    }
}

/* Gives bucket b to the rank whose share of N its middle key falls in,
 * so ranges are contiguous and hold about N/p keys each. */
static void is_assign_buckets(struct is_state *s)
{
    long cum = 0;

    for (int b = 0; b < s->nbuck; b++) {
        long mid = cum + s->gbcount[b] / 2;
        int r = (int)(mid * s->size / s->nkeys);
        s->bowner[b] = r < s->size ? r : s->size - 1;
        if (b > 0 && s->bowner[b] < s->bowner[b - 1])
            s->bowner[b] = s->bowner[b - 1];
        cum += s->gbcount[b];
    }
    s->lo = s->hi = -1;
    s->below = 0;
    for (int b = 0; b < s->nbuck; b++) {
        if (s->bowner[b] < s->rank)
            s->below += s->gbcount[b];
        if (s->bowner[b] == s->rank) {
            if (s->lo < 0)
                s->lo = (long)b << s->shift;
            s->hi = (long)(b + 1) << s->shift;
        }
    }
    if (s->lo < 0)
        s->lo = s->hi = 0; /* no bucket: an empty range */
}

/* Orders my keys by bucket into sendbuf and sets the per-rank send counts. */
static void is_pack(struct is_state *s)
{
    memset(s->bcount, 0, sizeof(long) * s->nbuck);
    for (long i = 0; i < s->nloc; i++)
        s->bcount[s->key[i] >> s->shift]++;
    MPI_Allreduce(s->bcount, s->gbcount, s->nbuck, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    is_assign_buckets(s);
    long pos = 0;
    memset(s->scount, 0, sizeof(int) * s->size);
    for (int b = 0; b < s->nbuck; b++) {
        s->bpos[b] = pos;
        pos += s->bcount[b];
        s->scount[s->bowner[b]] += (int)s->bcount[b];
    }
    for (long i = 0; i < s->nloc; i++)
        s->sendbuf[s->bpos[s->key[i] >> s->shift]++] = s->key[i];
}

/* Moves every key to the rank owning its range (into recvbuf, nrecv keys). */
static void is_exchange(struct is_state *s)
{
    MPI_Alltoall(s->scount, 1, MPI_INT, s->rcount, 1, MPI_INT, MPI_COMM_WORLD);
    s->nrecv = 0;
    for (int r = 0; r < s->size; r++) {
        s->sdispl[r] = r == 0 ? 0 : s->sdispl[r - 1] + s->scount[r - 1];
        s->rdispl[r] = (int)s->nrecv;
        s->nrecv += s->rcount[r];
    }
    if (s->nrecv > s->recvcap) {
        free(s->recvbuf);
        s->recvcap = s->nrecv;
        s->recvbuf = malloc(sizeof(int) * s->recvcap);
        if (s->recvbuf == NULL)
            npb_refuse("is: out of memory");
    }
    MPI_Alltoallv(s->sendbuf, s->scount, s->sdispl, MPI_INT, s->recvbuf, s->rcount, s->rdispl,
                  MPI_INT, MPI_COMM_WORLD);
}

/* Checks the test keys whose value-1 lies in my range (each is checked by one rank). */
static void is_partial_verify(struct is_state *s, int it, const long pv[IS_TESTS])
{
    const struct is_class *c = s->c;

    for (int i = 0; i < IS_TESTS; i++) {
        long k = pv[i];
        if (k <= 0 || k > s->nkeys - 1 || k - 1 < s->lo || k - 1 >= s->hi)
            continue;
        long rank_k = s->below + s->cnt[k - 1 - s->lo]; /* keys < k */
        if (rank_k == c->test_rank[i] + c->sign[i] * (it + c->delta[i]))
            s->passed++;
        else
            printf("is: iteration %d, test %d: rank of key %ld is %ld, want %ld\n", it, i, k,
                   rank_k, c->test_rank[i] + c->sign[i] * (it + c->delta[i]));
    }
}

/* One ranking (NPB's rank(it)): modify two keys, redistribute, count, test. */
static void is_rank(struct is_state *s, int it)
{
    long pv[IS_TESTS] = {0}, gpv[IS_TESTS];

    if (it >= s->first && it < s->first + s->nloc)
        s->key[it - s->first] = it;
    if (it + IS_ITERS >= s->first && it + IS_ITERS < s->first + s->nloc)
        s->key[it + IS_ITERS - s->first] = (int)(s->maxkey - it);
    for (int i = 0; i < IS_TESTS; i++) {
        long t = s->c->test_index[i];
        if (t >= s->first && t < s->first + s->nloc)
            pv[i] = s->key[t - s->first];
    }
    MPI_Allreduce(pv, gpv, IS_TESTS, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    is_pack(s);
    is_exchange(s);
    memset(s->cnt, 0, sizeof(long) * (size_t)(s->hi - s->lo + 1));
    for (long i = 0; i < s->nrecv; i++)
        s->cnt[s->recvbuf[i] - s->lo]++;
    for (long v = 1; v < s->hi - s->lo; v++)
        s->cnt[v] += s->cnt[v - 1];
    is_partial_verify(s, it, gpv);
}

/* Counts the rank boundaries where a rank's smallest key is below the
 * largest key of the previous rank holding keys (ranks without keys skipped). */
static long is_boundary_faults(const struct is_state *s, const int *sorted)
{
    long *ends = calloc(2 * (size_t)s->size, sizeof(long));
    long *all = malloc(2 * sizeof(long) * s->size), faults = 0, prev = 0;

    if (ends == NULL || all == NULL)
        npb_refuse("is: out of memory");
    if (s->nrecv > 0) { /* +1: zero stands for "no keys here" */
        ends[2 * s->rank] = sorted[0] + 1;
        ends[2 * s->rank + 1] = sorted[s->nrecv - 1] + 1;
    }
    MPI_Allreduce(ends, all, 2 * s->size, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    for (int r = 0; r < s->size; r++) {
        if (all[2 * r] == 0)
            continue;
        faults += all[2 * r] < prev;
        prev = all[2 * r + 1];
    }
    free(ends);
    free(all);
    return faults;
}

/* Places my received keys in order using the counts, then checks the order
 * locally and across rank boundaries, and that no key was lost. Returns 1
 * when everything is sorted. */
static int is_full_verify(struct is_state *s)
{
    long bad = 0, gbad, total;
    int *sorted = malloc(sizeof(int) * (s->nrecv + 1));

    if (sorted == NULL)
        npb_refuse("is: out of memory");
    for (long i = 0; i < s->nrecv; i++)
        sorted[--s->cnt[s->recvbuf[i] - s->lo]] = s->recvbuf[i];
    for (long i = 1; i < s->nrecv; i++)
        bad += sorted[i - 1] > sorted[i];
    MPI_Allreduce(&bad, &gbad, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    gbad += is_boundary_faults(s, sorted); /* the same on every rank */
    MPI_Allreduce(&s->nrecv, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    free(sorted);
    return gbad == 0 && total == s->nkeys;
}

static void is_alloc(struct is_state *s)
{
    s->key = malloc(sizeof(int) * s->nloc);
    s->sendbuf = malloc(sizeof(int) * s->nloc);
    s->bcount = malloc(sizeof(long) * s->nbuck);
    s->gbcount = malloc(sizeof(long) * s->nbuck);
    s->bpos = malloc(sizeof(long) * s->nbuck);
    s->bowner = malloc(sizeof(int) * s->nbuck);
    s->cnt = malloc(sizeof(long) * (s->maxkey + 1));
    s->scount = malloc(sizeof(int) * 5 * s->size);
    if (!s->key || !s->sendbuf || !s->bcount || !s->gbcount || !s->bpos || !s->bowner || !s->cnt ||
        !s->scount)
        npb_refuse("is: out of memory");
    s->rcount = s->scount + s->size;
    s->sdispl = s->rcount + s->size;
    s->rdispl = s->sdispl + s->size;
}

int main(int argc, char **argv)
{
    struct npb_args a;
    struct is_state s = {0};
    char size[32];

    npb_start(&argc, &argv, "is", "SWA", &a);
    for (size_t i = 0; i < sizeof is_classes / sizeof is_classes[0]; i++)
        if (is_classes[i].cls == a.cls)
            s.c = &is_classes[i];
    s.rank = a.rank;
    s.size = a.size;
    s.nkeys = 1L << s.c->log_keys;
    s.maxkey = 1L << s.c->log_max;
    s.nbuck = 1 << s.c->log_buckets;
    s.shift = s.c->log_max - s.c->log_buckets;
    s.first = s.nkeys * a.rank / a.size;
    s.nloc = s.nkeys * (a.rank + 1) / a.size - s.first;
    is_alloc(&s);
    is_generate(&s);
    npb_say(" NAS Parallel Benchmarks (nanvix-mpi examples) - IS Benchmark\n"
            " Size: %ld (class %c)\n Iterations: %d\n Number of processes: %d\n",
            s.nkeys, a.cls, IS_ITERS, a.size);

    is_rank(&s, 1); /* untimed warm-up, as NPB does; its tests do not count */
    s.passed = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int it = 1; it <= IS_ITERS; it++) {
        npb_migrate_point(it);
        is_rank(&s, it);
    }
    double t = MPI_Wtime() - t0;

    int passed;
    MPI_Allreduce(&s.passed, &passed, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    passed += is_full_verify(&s);
    npb_say(" Tests passed: %d of %d\n", passed, IS_TESTS * IS_ITERS + 1);
    snprintf(size, sizeof size, "%ld", s.nkeys);
    struct npb_result r = {.kernel = "IS",
                           .cls = a.cls,
                           .size = size,
                           .iterations = IS_ITERS,
                           .time = t,
                           .mops = 1e-6 * (double)s.nkeys * IS_ITERS,
                           .optype = "keys ranked",
                           .verified = passed == IS_TESTS * IS_ITERS + 1};
    return npb_finish(&r);
}
