/* dtype_subarray.c: MPI_Type_create_subarray (C and Fortran order).
 *
 * The subarray is flattened directly: every index tuple of the dimensions
 * other than the fastest-varying one gives one run of subsizes[fastest] old
 * items, at its linear position in the full array. The type's bounds are
 * those of the full array (lb 0, extent prod(sizes) * old extent), so
 * consecutive items are consecutive full arrays, as MPI defines it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_create_subarray = PMPI_Type_create_subarray

static int check_subarray(int ndims, const int *sizes, const int *subsizes, const int *starts,
                          int order)
{
    int i;

    if (ndims <= 0 || !sizes || !subsizes || !starts)
        return MPI_ERR_ARG;
    if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN)
        return MPI_ERR_ARG;
    for (i = 0; i < ndims; i++)
        if (sizes[i] <= 0 || subsizes[i] < 0 || starts[i] < 0 || subsizes[i] > sizes[i] - starts[i])
            return MPI_ERR_ARG;
    return MPI_SUCCESS;
}

/* Appends the runs; dimension d of the walk is dims[d] (fastest first). */
static void add_runs(struct mpi_dtype_builder *b, const struct mpi_dtype *old, int ndims,
                     const int *sizes, const int *subsizes, const int *starts, const int *dims)
{
    MPI_Aint ext = old->ub - old->lb, stride[ndims];
    int idx[ndims], d;

    stride[0] = ext;
    for (d = 1; d < ndims; d++)
        stride[d] = stride[d - 1] * sizes[dims[d - 1]];
    for (d = 0; d < ndims; d++)
        if (subsizes[d] == 0)
            return;
    memset(idx, 0, sizeof(idx));
    for (;;) {
        MPI_Aint off = 0;
        for (d = 0; d < ndims; d++)
            off += (MPI_Aint)(starts[dims[d]] + (d ? idx[d] : 0)) * stride[d];
        mpi_dtype_build_add(b, old, off, subsizes[dims[0]], ext);
        for (d = 1; d < ndims && ++idx[d] == subsizes[dims[d]]; d++)
            idx[d] = 0;
        if (d == ndims)
            return;
    }
}

/* Records the arguments for MPI_Type_get_contents. */
static int subarray_contents(struct mpi_rank_state *s, struct mpi_dtype *t, int ndims,
                             const int *sizes, const int *subsizes, const int *starts, int order,
                             MPI_Datatype oldtype)
{
    t->combiner = MPI_COMBINER_SUBARRAY;
    t->nints = 3 * ndims + 2;
    t->ints = malloc(sizeof(int) * (size_t)t->nints);
    t->types = malloc(sizeof(MPI_Datatype));
    if (!t->ints || !t->types)
        return -ENOMEM;
    t->ints[0] = ndims;
    memcpy(t->ints + 1, sizes, sizeof(int) * (size_t)ndims);
    memcpy(t->ints + 1 + ndims, subsizes, sizeof(int) * (size_t)ndims);
    memcpy(t->ints + 1 + 2 * ndims, starts, sizeof(int) * (size_t)ndims);
    t->ints[3 * ndims + 1] = order;
    t->types[0] = oldtype;
    t->ntypes = 1;
    mpi_dtype_ref(s, oldtype);
    return MPI_SUCCESS;
}

/* Builds the type (arguments checked). Returns MPI_SUCCESS or < 0. */
static int subarray_build(struct mpi_rank_state *s, int ndims, const int *sizes,
                          const int *subsizes, const int *starts, int order, MPI_Datatype oldtype,
                          const struct mpi_dtype *old, MPI_Datatype *newtype)
{
    struct mpi_dtype *t = mpi_dtype_new();
    struct mpi_dtype_builder b;
    MPI_Aint total = 1;
    int dims[ndims], d, err;

    if (!t)
        return -ENOMEM;
    for (d = 0; d < ndims; d++) { /* C order: the last dimension varies fastest */
        dims[d] = order == MPI_ORDER_C ? ndims - 1 - d : d;
        total *= sizes[d];
    }
    mpi_dtype_build_begin(&b, t);
    add_runs(&b, old, ndims, sizes, subsizes, starts, dims);
    err = mpi_dtype_build_end(&b, 0);
    if (!err)
        err = subarray_contents(s, t, ndims, sizes, subsizes, starts, order, oldtype);
    if (err) {
        mpi_dtype_destroy(s, t);
        return err;
    }
    t->lb = old->lb;
    t->ub = old->lb + total * (old->ub - old->lb);
    t->marked = 1;
    return mpi_dtype_insert(s, t, newtype);
}

int PMPI_Type_create_subarray(int ndims, const int array_of_sizes[], const int array_of_subsizes[],
                              const int array_of_starts[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype tmp;
    const struct mpi_dtype *old = NULL;
    int err = mpi_enter(&s);

    if (!err && !newtype)
        err = MPI_ERR_ARG;
    if (!err && !(old = mpi_dtype_resolve(s, oldtype, &tmp)))
        err = MPI_ERR_TYPE;
    if (!err)
        err = check_subarray(ndims, array_of_sizes, array_of_subsizes, array_of_starts, order);
    if (!err)
        err = subarray_build(s, ndims, array_of_sizes, array_of_subsizes, array_of_starts, order,
                             oldtype, old, newtype);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_subarray");
}
