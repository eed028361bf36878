/* dtype_match.c: predefined types chosen by size or by Fortran precision
 * and range (MPI_Type_match_size, MPI_Type_create_f90_integer/real/complex).
 *
 * Both answer with predefined handles of the sized Fortran family
 * (MPI_INTEGERn, MPI_REALn, MPI_COMPLEXn), which is what MPICH's
 * MPI_Type_match_size returns too; such handles must not be freed. The
 * f90 calls pick the smallest type with at least the asked decimal
 * precision and exponent range (gfortran's kinds on x86-64); MPICH
 * returns a distinct type there whose envelope says MPI_COMBINER_F90_*,
 * ours says MPI_COMBINER_NAMED. Nothing fits: MPI_ERR_ARG.
 */
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_match_size = PMPI_Type_match_size
#pragma weak MPI_Type_create_f90_integer = PMPI_Type_create_f90_integer
#pragma weak MPI_Type_create_f90_real = PMPI_Type_create_f90_real
#pragma weak MPI_Type_create_f90_complex = PMPI_Type_create_f90_complex

/* One candidate: its size, decimal precision and exponent (or integer)
 * range. */
struct sized_type {
    MPI_Datatype handle;
    int size, precision, range;
};

static const struct sized_type integers[] = {
    {MPI_INTEGER1, 1, 0, 2},
    {MPI_INTEGER2, 2, 0, 4},
    {MPI_INTEGER4, 4, 0, 9},
    {MPI_INTEGER8, 8, 0, 18},
};
static const struct sized_type reals[] = {
    {MPI_REAL4, 4, 6, 37},
    {MPI_REAL8, 8, 15, 307},
    {MPI_REAL16, 16, 33, 4931},
};
static const struct sized_type complexes[] = {
    {MPI_COMPLEX8, 8, 6, 37},
    {MPI_COMPLEX16, 16, 15, 307},
    {MPI_COMPLEX32, 32, 33, 4931},
};

#define NTYPES(a) ((int)(sizeof(a) / sizeof((a)[0])))

int PMPI_Type_match_size(int typeclass, int size, MPI_Datatype *datatype)
{
    MPI_THREAD_GUARD();
    const struct sized_type *tab = NULL;
    int i, n = 0, err = MPI_ERR_ARG;

    switch (typeclass) {
    case MPI_TYPECLASS_INTEGER:
        tab = integers, n = NTYPES(integers);
        break;
    case MPI_TYPECLASS_REAL:
        tab = reals, n = NTYPES(reals);
        break;
    case MPI_TYPECLASS_COMPLEX:
        tab = complexes, n = NTYPES(complexes);
        break;
    default:
        break;
    }
    for (i = 0; datatype && i < n; i++)
        if (tab[i].size == size) {
            *datatype = tab[i].handle;
            err = MPI_SUCCESS;
            break;
        }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_match_size");
}

/* The smallest of tab with precision >= p and range >= r (MPI_UNDEFINED:
 * no demand). Returns MPI_SUCCESS or MPI_ERR_ARG. */
static int pick(const struct sized_type *tab, int n, int p, int r, MPI_Datatype *newtype)
{
    int i;

    if (!newtype || (p != MPI_UNDEFINED && p < 0) || (r != MPI_UNDEFINED && r < 0))
        return MPI_ERR_ARG;
    for (i = 0; i < n; i++)
        if ((p == MPI_UNDEFINED || tab[i].precision >= p) &&
            (r == MPI_UNDEFINED || tab[i].range >= r)) {
            *newtype = tab[i].handle;
            return MPI_SUCCESS;
        }
    return MPI_ERR_ARG;
}

int PMPI_Type_create_f90_integer(int r, MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    int err = r == MPI_UNDEFINED ? MPI_ERR_ARG
                                 : pick(integers, NTYPES(integers), MPI_UNDEFINED, r, newtype);

    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_f90_integer");
}

int PMPI_Type_create_f90_real(int p, int r, MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    int err = p == MPI_UNDEFINED && r == MPI_UNDEFINED ? MPI_ERR_ARG
                                                       : pick(reals, NTYPES(reals), p, r, newtype);

    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_f90_real");
}

int PMPI_Type_create_f90_complex(int p, int r, MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    int err = p == MPI_UNDEFINED && r == MPI_UNDEFINED
                  ? MPI_ERR_ARG
                  : pick(complexes, NTYPES(complexes), p, r, newtype);

    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_f90_complex");
}
