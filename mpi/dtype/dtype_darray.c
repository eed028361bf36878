/* dtype_darray.c: MPI_Type_create_darray (block, cyclic and undistributed
 * dimensions, C and Fortran order).
 *
 * The process grid is row-major (MPI 4.1.4, whatever the array order):
 * rank gives one coordinate per dimension. Each dimension then owns a list
 * of runs of global indices: one run for a block distribution, one of darg
 * indices every psize * darg for a cyclic one, everything when the
 * dimension is not distributed. The type is flattened directly, like a
 * subarray (dtype_subarray.c): for every tuple of owned indices of the slow
 * dimensions, each run of the fastest dimension is one block of old items,
 * so the type map lists the local elements in increasing address order, as
 * MPICH's nested construction does. Its bounds are those of the whole
 * global array (lb 0, extent prod(gsizes) * old extent).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_create_darray = PMPI_Type_create_darray

/* The owned runs of one dimension: run i is [start[i], start[i] + len[i]). */
struct dim_runs {
    int n;
    int *start, *len;
};

static int check_darray(int size, int rank, int ndims, const int *gsizes, const int *distribs,
                        const int *dargs, const int *psizes, int order)
{
    long long nprocs = 1;
    int i;

    if (size <= 0 || ndims <= 0)
        return MPI_ERR_ARG;
    if (rank < 0 || rank >= size) /* as MPICH */
        return MPI_ERR_RANK;
    if (!gsizes || !distribs || !dargs || !psizes)
        return MPI_ERR_ARG;
    if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN)
        return MPI_ERR_ARG;
    for (i = 0; i < ndims; i++) {
        int g = gsizes[i], p = psizes[i], k = dargs[i];
        if (g <= 0 || p <= 0)
            return MPI_ERR_ARG;
        nprocs *= p;
        switch (distribs[i]) {
        case MPI_DISTRIBUTE_NONE:
            if (p != 1)
                return MPI_ERR_ARG;
            break;
        case MPI_DISTRIBUTE_BLOCK: /* blocks must cover the dimension */
            if (k != MPI_DISTRIBUTE_DFLT_DARG && (k <= 0 || (long long)k * p < g))
                return MPI_ERR_ARG;
            break;
        case MPI_DISTRIBUTE_CYCLIC:
            if (k != MPI_DISTRIBUTE_DFLT_DARG && k <= 0)
                return MPI_ERR_ARG;
            break;
        default:
            return MPI_ERR_ARG;
        }
    }
    return nprocs == size ? MPI_SUCCESS : MPI_ERR_ARG;
}

/* Fills r with the runs that coordinate c owns in dimension d. Returns 0
 * or -ENOMEM. */
static int dim_runs(struct dim_runs *r, int g, int p, int c, int distrib, int k)
{
    int i, n = 0, lo;

    r->n = 0;
    if (distrib == MPI_DISTRIBUTE_CYCLIC) {
        k = k == MPI_DISTRIBUTE_DFLT_DARG ? 1 : k;
        n = (int)((g + (long long)p * k - 1) / ((long long)p * k)); /* cycles that start */
    } else {
        n = 1;
    }
    r->start = malloc(sizeof(int) * (size_t)n);
    r->len = malloc(sizeof(int) * (size_t)n);
    if (!r->start || !r->len)
        return -ENOMEM;
    if (distrib == MPI_DISTRIBUTE_NONE) {
        r->start[0] = 0;
        r->len[0] = g;
        r->n = 1;
    } else if (distrib == MPI_DISTRIBUTE_BLOCK) {
        int b = k == MPI_DISTRIBUTE_DFLT_DARG ? (g + p - 1) / p : k;
        lo = (int)((long long)c * b < g ? (long long)c * b : g);
        r->start[0] = lo;
        r->len[0] = (long long)lo + b < g ? b : g - lo;
        r->n = r->len[0] > 0;
    } else {
        for (i = 0; i < n; i++) {
            long long s = ((long long)i * p + c) * k;
            if (s >= g)
                break;
            r->start[r->n] = (int)s;
            r->len[r->n++] = s + k <= g ? k : (int)(g - s);
        }
    }
    return 0;
}

/* Appends the local elements; dims[0] is the fastest dimension. */
static void add_elements(struct mpi_dtype_builder *b, const struct mpi_dtype *old, int ndims,
                         const int *gsizes, const struct dim_runs *runs, const int *dims)
{
    MPI_Aint ext = old->ub - old->lb, stride[ndims];
    int run[ndims], idx[ndims], d, i;

    stride[0] = ext;
    for (d = 1; d < ndims; d++)
        stride[d] = stride[d - 1] * gsizes[dims[d - 1]];
    for (d = 0; d < ndims; d++)
        if (runs[dims[d]].n == 0)
            return; /* this process owns nothing */
    memset(run, 0, sizeof(run));
    memset(idx, 0, sizeof(idx));
    for (;;) {
        MPI_Aint off = 0;
        const struct dim_runs *f = &runs[dims[0]];
        for (d = 1; d < ndims; d++)
            off += (MPI_Aint)(runs[dims[d]].start[run[d]] + idx[d]) * stride[d];
        for (i = 0; i < f->n; i++)
            mpi_dtype_build_add(b, old, off + (MPI_Aint)f->start[i] * ext, f->len[i], ext);
        for (d = 1; d < ndims; d++) { /* next index tuple of the slow dimensions */
            const struct dim_runs *r = &runs[dims[d]];
            if (++idx[d] < r->len[run[d]])
                break;
            idx[d] = 0;
            if (++run[d] < r->n)
                break;
            run[d] = 0;
        }
        if (d == ndims)
            return;
    }
}

/* Records the arguments for MPI_Type_get_contents. */
static int darray_contents(struct mpi_rank_state *s, struct mpi_dtype *t, const int *head,
                           int ndims, const int *const arrays[4], int order, MPI_Datatype oldtype)
{
    int i;

    t->combiner = MPI_COMBINER_DARRAY;
    t->nints = 4 * ndims + 4;
    t->ints = malloc(sizeof(int) * (size_t)t->nints);
    t->types = malloc(sizeof(MPI_Datatype));
    if (!t->ints || !t->types)
        return -ENOMEM;
    memcpy(t->ints, head, sizeof(int) * 3); /* size, rank, ndims */
    for (i = 0; i < 4; i++)
        memcpy(t->ints + 3 + i * ndims, arrays[i], sizeof(int) * (size_t)ndims);
    t->ints[4 * ndims + 3] = order;
    t->types[0] = oldtype;
    t->ntypes = 1;
    mpi_dtype_ref(s, oldtype);
    return MPI_SUCCESS;
}

int PMPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[],
                            const int array_of_distribs[], const int array_of_dargs[],
                            const int array_of_psizes[], int order, MPI_Datatype oldtype,
                            MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype tmp, *t = NULL;
    const struct mpi_dtype *old = NULL;
    struct mpi_dtype_builder b;
    struct dim_runs *runs = NULL;
    MPI_Aint total = 1;
    int d, left, err = mpi_enter(&s);

    if (!err && !newtype)
        err = MPI_ERR_ARG;
    if (!err && !(old = mpi_dtype_resolve(s, oldtype, &tmp)))
        err = MPI_ERR_TYPE;
    if (!err)
        err = check_darray(size, rank, ndims, array_of_gsizes, array_of_distribs, array_of_dargs,
                           array_of_psizes, order);
    if (!err && (!(runs = calloc((size_t)ndims, sizeof(*runs))) || !(t = mpi_dtype_new())))
        err = -ENOMEM;
    left = rank;
    for (d = ndims - 1; !err && d >= 0; d--) { /* row-major process grid */
        int c = left % array_of_psizes[d];
        left /= array_of_psizes[d];
        total *= array_of_gsizes[d];
        err = dim_runs(&runs[d], array_of_gsizes[d], array_of_psizes[d], c, array_of_distribs[d],
                       array_of_dargs[d]);
    }
    if (!err) {
        int dims[ndims];
        const int head[3] = {size, rank, ndims};
        const int *const arrays[4] = {array_of_gsizes, array_of_distribs, array_of_dargs,
                                      array_of_psizes};
        for (d = 0; d < ndims; d++) /* C order: the last dimension varies fastest */
            dims[d] = order == MPI_ORDER_C ? ndims - 1 - d : d;
        mpi_dtype_build_begin(&b, t);
        add_elements(&b, old, ndims, array_of_gsizes, runs, dims);
        err = mpi_dtype_build_end(&b, 0);
        if (!err)
            err = darray_contents(s, t, head, ndims, arrays, order, oldtype);
    }
    for (d = 0; runs && d < ndims; d++) {
        free(runs[d].start);
        free(runs[d].len);
    }
    free(runs);
    if (!err) {
        t->lb = old->lb;
        t->ub = old->lb + total * (old->ub - old->lb);
        t->marked = 1;
        err = mpi_dtype_insert(s, t, newtype);
    } else if (t) {
        mpi_dtype_destroy(s, t);
    }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_darray");
}
