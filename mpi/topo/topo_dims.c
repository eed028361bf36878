/* topo_dims.c: MPI_Dims_create, a balanced grid for a number of processes.
 *
 * The entries of dims the caller left 0 get the most balanced factors of
 * nnodes / (product of the others): among the non-increasing k-tuples whose
 * product is that number, the one whose largest and smallest factors differ
 * least; among those, the one whose smallest factor is largest, then the
 * next smallest, and so on (better()). That is the grid MPICH returns, for
 * every case of MPICH's own table (test/mpi/topo/baddims.h, 75,396 cases),
 * so a code moved from MPICH gets the same decomposition. The search walks
 * the divisors in increasing order, level by level, and stops a level as
 * soon as no later choice can beat the best spread found: the smallest
 * factor still to come is at most the (k-1)-th root of what is left, so
 * spread >= first - that root, a bound that only grows along a level. A
 * few thousand divisors at most (nnodes fits an int), so this is quick.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Dims_create = PMPI_Dims_create

/* r^k, or cap + 1 when that is larger than cap (r >= 1, k >= 0). */
static long ipow_cap(long r, int k, long cap)
{
    long p = 1;

    while (k-- > 0 && p <= cap)
        p *= r; /* p <= cap < 2^31 and r < 2^31: no overflow in a long */
    return p > cap ? cap + 1 : p;
}

/* Largest r with r^k <= m (m >= 1, k >= 1). */
static long iroot(long m, int k)
{
    long r = lround(pow((double)m, 1.0 / k));

    while (r > 1 && ipow_cap(r, k, m) > m)
        r--;
    while (ipow_cap(r + 1, k, m) <= m)
        r++;
    return r;
}

struct dims_search {
    const int *divs; /* divisors of the whole number, increasing */
    int ndivs;
    int k;     /* factors wanted */
    int *cur;  /* factors chosen so far (non-increasing) */
    int *best; /* best tuple found */
    long spread;
};

/* Non-zero when cur (complete, of the given spread) beats best: a smaller
 * spread, or the same and then, from the smallest factor up, the first
 * factor that differs is larger (MPICH's choice among equal spreads). */
static int better(const struct dims_search *ds, long spread)
{
    int i;

    if (spread != ds->spread)
        return spread < ds->spread;
    for (i = ds->k - 1; i > 0 && ds->cur[i] == ds->best[i]; i--)
        ;
    return ds->cur[i] > ds->best[i];
}

/* Chooses factor number `depth` (at most hi) of what is left, m. */
static void dims_pick(struct dims_search *ds, int depth, long m, long hi)
{
    int left = ds->k - depth, i;

    if (left == 1) {
        ds->cur[depth] = (int)m;
        if (m <= hi && better(ds, (depth ? ds->cur[0] : m) - m)) {
            ds->spread = (depth ? ds->cur[0] : m) - m;
            for (i = 0; i < ds->k; i++)
                ds->best[i] = ds->cur[i];
        }
        return;
    }
    for (i = 0; i < ds->ndivs && ds->divs[i] <= hi; i++) {
        long d = ds->divs[i], first = depth ? ds->cur[0] : d;
        if (m % d || ipow_cap(d, left, m) < m)
            continue; /* not a factor, or too small to stay non-increasing */
        if (first - iroot(m / d, left - 1) > ds->spread)
            break;
        ds->cur[depth] = (int)d;
        dims_pick(ds, depth + 1, m / d, d);
    }
}

/* Divisors of m (1 <= m < 2^31, so at most 1600 of them), increasing, in
 * a new array; *n_p of them. NULL when out of memory. */
static int *divisors(long m, int *n_p)
{
    int *d = malloc(sizeof(int) * 2 * 1600), n = 0, j;
    long i;

    for (i = 1; d && i * i <= m; i++)
        if (m % i == 0)
            d[n++] = (int)i;
    for (j = n - 1; d && j >= 0; j--)
        if ((long)d[j] * d[j] != m)
            d[n++] = (int)(m / d[j]);
    *n_p = n;
    return d;
}

/* Fills the k factors of m into out[] as described above; 0 or -ENOMEM. */
static int dims_balance(long m, int k, int *out)
{
    struct dims_search ds = {0};
    int err = -ENOMEM;

    ds.divs = divisors(m, &ds.ndivs);
    ds.cur = malloc(sizeof(int) * (size_t)k);
    ds.best = out;
    ds.k = k;
    ds.spread = m; /* worse than any tuple */
    if (ds.divs && ds.cur) {
        dims_pick(&ds, 0, m, m);
        err = 0;
    }
    free((void *)ds.divs);
    free(ds.cur);
    return err;
}

/* Checks the arguments; sets *m_p to what the free entries must multiply
 * to and *free_p to their number. MPI_SUCCESS or the error class. */
static int dims_check(int nnodes, int ndims, const int *dims, long *m_p, int *free_p)
{
    long prod = 1;
    int i, nfree = 0;

    if (nnodes < 0 || ndims < 0 || (ndims > 0 && !dims))
        return MPI_ERR_ARG;
    for (i = 0; i < ndims; i++) {
        if (dims[i] < 0)
            return MPI_ERR_DIMS;
        if (dims[i] == 0)
            nfree++;
        else if ((prod *= dims[i]) > nnodes)
            break; /* cannot divide nnodes (nor overflow) */
    }
    if (i < ndims || nnodes % prod || (nfree == 0 && prod != nnodes))
        return MPI_ERR_DIMS;
    *m_p = nnodes / prod;
    *free_p = nfree;
    return MPI_SUCCESS;
}

int PMPI_Dims_create(int nnodes, int ndims, int dims[])
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    long m = 1;
    int i, j, nfree = 0, *f = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = dims_check(nnodes, ndims, dims, &m, &nfree);
    if (!err && nfree > 0 && m == 0)
        err = MPI_ERR_DIMS; /* nnodes 0 with entries to fill: no grid */
    if (!err && nfree > 0 && !(f = malloc(sizeof(int) * (size_t)nfree)))
        err = -ENOMEM;
    if (!err && nfree > 0)
        err = dims_balance(m, nfree, f);
    for (i = 0, j = 0; !err && i < ndims; i++)
        if (dims[i] == 0)
            dims[i] = f[j++];
    free(f);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Dims_create");
}
