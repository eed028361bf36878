/* dtype_name.c: MPI_Type_get_name and MPI_Type_set_name.
 *
 * Predefined types answer with their standard names (the constant table
 * below, the names MPICH gives; synonyms sharing a handle answer with one
 * of them) until the program names them otherwise: a name set on a type,
 * predefined or derived, lives in the type's extra record (dtype.h), per
 * rank, in rank context, so it moves with the rank. A derived type without
 * a name answers "" (MPI 6.8). Names do not pass to duplicates.
 */
#include <errno.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_get_name = PMPI_Type_get_name
#pragma weak MPI_Type_set_name = PMPI_Type_set_name

struct builtin_name {
    MPI_Datatype handle;
    const char *name;
};

#define NAME(h)                                                                                    \
    {                                                                                              \
        h, #h                                                                                      \
    }

static const struct builtin_name builtin_names[] = {
    NAME(MPI_CHAR),
    NAME(MPI_SIGNED_CHAR),
    NAME(MPI_UNSIGNED_CHAR),
    NAME(MPI_BYTE),
    NAME(MPI_WCHAR),
    NAME(MPI_SHORT),
    NAME(MPI_UNSIGNED_SHORT),
    NAME(MPI_INT),
    NAME(MPI_UNSIGNED),
    NAME(MPI_LONG),
    NAME(MPI_UNSIGNED_LONG),
    NAME(MPI_FLOAT),
    NAME(MPI_DOUBLE),
    NAME(MPI_LONG_DOUBLE),
    NAME(MPI_LONG_LONG_INT),
    NAME(MPI_UNSIGNED_LONG_LONG),
    NAME(MPI_PACKED),
    NAME(MPI_LB),
    NAME(MPI_UB),
    NAME(MPI_FLOAT_INT),
    NAME(MPI_DOUBLE_INT),
    NAME(MPI_LONG_INT),
    NAME(MPI_SHORT_INT),
    NAME(MPI_2INT),
    NAME(MPI_LONG_DOUBLE_INT),
    NAME(MPI_COMPLEX),
    NAME(MPI_DOUBLE_COMPLEX),
    NAME(MPI_LOGICAL),
    NAME(MPI_REAL),
    NAME(MPI_DOUBLE_PRECISION),
    NAME(MPI_INTEGER),
    NAME(MPI_2INTEGER),
    NAME(MPI_2REAL),
    NAME(MPI_2DOUBLE_PRECISION),
    NAME(MPI_CHARACTER),
    NAME(MPI_REAL4),
    NAME(MPI_REAL8),
    NAME(MPI_REAL16),
    NAME(MPI_COMPLEX8),
    NAME(MPI_COMPLEX16),
    NAME(MPI_COMPLEX32),
    NAME(MPI_INTEGER1),
    NAME(MPI_INTEGER2),
    NAME(MPI_INTEGER4),
    NAME(MPI_INTEGER8),
    NAME(MPI_INT8_T),
    NAME(MPI_INT16_T),
    NAME(MPI_INT32_T),
    NAME(MPI_INT64_T),
    NAME(MPI_UINT8_T),
    NAME(MPI_UINT16_T),
    NAME(MPI_UINT32_T),
    NAME(MPI_UINT64_T),
    NAME(MPI_C_BOOL),
    {MPI_C_FLOAT_COMPLEX, "MPI_C_COMPLEX"}, /* MPI_C_COMPLEX is the same handle */
    NAME(MPI_C_DOUBLE_COMPLEX),
    NAME(MPI_C_LONG_DOUBLE_COMPLEX),
    NAME(MPIX_C_FLOAT16),
    NAME(MPI_AINT),
    NAME(MPI_OFFSET),
    NAME(MPI_COUNT),
    NAME(MPI_CXX_BOOL),
    NAME(MPI_CXX_FLOAT_COMPLEX),
    NAME(MPI_CXX_DOUBLE_COMPLEX),
    NAME(MPI_CXX_LONG_DOUBLE_COMPLEX),
};

/* The standard name of predefined type dt, or NULL when dt is not one. */
static const char *builtin_name(MPI_Datatype dt)
{
    size_t i;

    for (i = 0; i < sizeof(builtin_names) / sizeof(builtin_names[0]); i++)
        if (builtin_names[i].handle == dt)
            return builtin_names[i].name;
    return NULL;
}

/* Non-zero when dt is a type a name can be asked of or given to. */
static int nameable(struct mpi_rank_state *s, MPI_Datatype dt)
{
    struct mpi_dtype tmp;

    return builtin_name(dt) || (s && mpi_dtype_resolve(s, dt, &tmp));
}

int PMPI_Type_get_name(MPI_Datatype datatype, char *type_name, int *resultlen)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s = mpi_state();
    struct mpi_dtype_extra *x = NULL;
    const char *name;
    int err = MPI_SUCCESS;

    if (!nameable(s, datatype))
        err = MPI_ERR_TYPE;
    else if (!type_name || !resultlen)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_get_name");
    if (s && s->initialized)
        x = mpi_dtype_extra(s, datatype, 0);
    name = x && x->name[0] ? x->name : builtin_name(datatype);
    if (!name)
        name = "";
    strncpy(type_name, name, MPI_MAX_OBJECT_NAME - 1);
    type_name[MPI_MAX_OBJECT_NAME - 1] = '\0';
    *resultlen = (int)strlen(type_name);
    return MPI_SUCCESS;
}

/* Longer names are cut to MPI_MAX_OBJECT_NAME - 1 characters (MPI allows
 * either cutting or an error; MPICH cuts). */
int PMPI_Type_set_name(MPI_Datatype datatype, const char *type_name)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype_extra *x = NULL;
    int err = mpi_enter(&s);

    if (!err && !nameable(s, datatype))
        err = MPI_ERR_TYPE;
    if (!err && !type_name)
        err = MPI_ERR_ARG;
    if (!err && !(x = mpi_dtype_extra(s, datatype, 1)))
        err = -ENOMEM;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_set_name");
    strncpy(x->name, type_name, MPI_MAX_OBJECT_NAME - 1);
    x->name[MPI_MAX_OBJECT_NAME - 1] = '\0';
    return MPI_SUCCESS;
}
