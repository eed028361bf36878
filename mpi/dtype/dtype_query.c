/* dtype_query.c: what a datatype is: size, extent, true extent (and their
 * MPI_Count forms), envelope and contents.
 *
 * Queries accept predefined types and live derived types, committed or not
 * (MPI allows querying a type under construction). Predefined types work
 * before MPI_Init too, as they did before derived types existed.
 */
#include <limits.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_size = PMPI_Type_size
#pragma weak MPI_Type_size_x = PMPI_Type_size_x
#pragma weak MPI_Type_get_extent = PMPI_Type_get_extent
#pragma weak MPI_Type_get_extent_x = PMPI_Type_get_extent_x
#pragma weak MPI_Type_get_true_extent = PMPI_Type_get_true_extent
#pragma weak MPI_Type_get_true_extent_x = PMPI_Type_get_true_extent_x
#pragma weak MPI_Type_get_envelope = PMPI_Type_get_envelope
#pragma weak MPI_Type_get_contents = PMPI_Type_get_contents

/* The description of dt for a query, or NULL (*err_p set). out1/out2 are the
 * caller's output pointers, which must not be NULL. */
static const struct mpi_dtype *query(MPI_Datatype dt, struct mpi_dtype *tmp, const void *out1,
                                     const void *out2, int *err_p)
{
    const struct mpi_dtype *t = mpi_dtype_resolve(mpi_state(), dt, tmp);

    *err_p = !t ? MPI_ERR_TYPE : !out1 || !out2 ? MPI_ERR_ARG : MPI_SUCCESS;
    return *err_p ? NULL : t;
}

int PMPI_Type_size(MPI_Datatype datatype, int *size)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    int err;
    const struct mpi_dtype *t = query(datatype, &tmp, size, size, &err);

    if (t) /* MPI: MPI_UNDEFINED when the size does not fit an int */
        *size = t->size > INT_MAX ? MPI_UNDEFINED : (int)t->size;
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_size");
}

int PMPI_Type_size_x(MPI_Datatype datatype, MPI_Count *size)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    int err;
    const struct mpi_dtype *t = query(datatype, &tmp, size, size, &err);

    if (t)
        *size = t->size;
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_size_x");
}

int PMPI_Type_get_extent(MPI_Datatype datatype, MPI_Aint *lb, MPI_Aint *extent)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    int err;
    const struct mpi_dtype *t = query(datatype, &tmp, lb, extent, &err);

    if (t) {
        *lb = t->lb;
        *extent = t->ub - t->lb;
    }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_extent");
}

int PMPI_Type_get_extent_x(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    int err;
    const struct mpi_dtype *t = query(datatype, &tmp, lb, extent, &err);

    if (t) {
        *lb = t->lb;
        *extent = t->ub - t->lb;
    }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_extent_x");
}

int PMPI_Type_get_true_extent(MPI_Datatype datatype, MPI_Aint *true_lb, MPI_Aint *true_extent)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    int err;
    const struct mpi_dtype *t = query(datatype, &tmp, true_lb, true_extent, &err);

    if (t) {
        *true_lb = t->true_lb;
        *true_extent = t->true_ub - t->true_lb;
    }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_true_extent");
}

int PMPI_Type_get_true_extent_x(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    int err;
    const struct mpi_dtype *t = query(datatype, &tmp, true_lb, true_extent, &err);

    if (t) {
        *true_lb = t->true_lb;
        *true_extent = t->true_ub - t->true_lb;
    }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_true_extent_x");
}

int PMPI_Type_get_envelope(MPI_Datatype datatype, int *num_integers, int *num_addresses,
                           int *num_datatypes, int *combiner)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    int err;
    const struct mpi_dtype *t = query(datatype, &tmp, num_integers, num_addresses, &err);

    if (t && (!num_datatypes || !combiner)) {
        err = MPI_ERR_ARG;
        t = NULL;
    }
    if (t) {
        *num_integers = t->nints;
        *num_addresses = t->naints;
        *num_datatypes = t->ntypes;
        *combiner = t->combiner;
    }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_envelope");
}

/* Derived types handed out by get_contents are references the caller frees
 * with MPI_Type_free (MPI 5.1.13), so each gets one more reference. */
int PMPI_Type_get_contents(MPI_Datatype datatype, int max_integers, int max_addresses,
                           int max_datatypes, int array_of_integers[],
                           MPI_Aint array_of_addresses[], MPI_Datatype array_of_datatypes[])
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s = mpi_state();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t = mpi_dtype_resolve(s, datatype, &tmp);
    int i, err = MPI_SUCCESS;

    if (!t || t->combiner == MPI_COMBINER_NAMED)
        err = MPI_ERR_TYPE;
    else if (max_integers < t->nints || max_addresses < t->naints || max_datatypes < t->ntypes)
        err = MPI_ERR_ARG;
    else if ((t->nints && !array_of_integers) || (t->naints && !array_of_addresses) ||
             (t->ntypes && !array_of_datatypes))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_contents");
    if (t->nints)
        memcpy(array_of_integers, t->ints, sizeof(int) * (size_t)t->nints);
    if (t->naints)
        memcpy(array_of_addresses, t->aints, sizeof(MPI_Aint) * (size_t)t->naints);
    for (i = 0; i < t->ntypes; i++) {
        struct mpi_dtype *sub = mpi_dtype_object(s, t->types[i]);
        array_of_datatypes[i] = t->types[i];
        if (sub) {
            sub->users++; /* the handle is live again for the caller */
            sub->freed = 0;
            sub->refs++;
        }
    }
    return MPI_SUCCESS;
}
