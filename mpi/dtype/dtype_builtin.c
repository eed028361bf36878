/* dtype_builtin.c: the predefined datatypes (sizes, extents, reduction families).
 *
 * MPICH's builtin datatype handles are 0x4c00SSII (SS the size in bytes, II
 * an index); the pair types of MAXLOC/MINLOC are 0x8c0000II. Both index a
 * constant table here, so a lookup is one array access plus a check that the
 * whole handle matches. Messages carry the packed form (count * size bytes),
 * so the pair types with padding (e.g. MPI_DOUBLE_INT) travel without it
 * and are laid out again at the receiver. Derived datatypes and the queries
 * (MPI_Type_size...) are in dtype_*.c, which build on this table.
 */
#include "dtype.h"

/* A builtin row: size is also the extent, one basic element per item. */
#define ROW(h, fam) [(h)&0xff] = {(h), ((h) >> 8) & 0xff, ((h) >> 8) & 0xff, 1, (fam)}

static const struct mpi_type_info builtin_types[0x47] = {
    ROW(MPI_CHAR, MPI_TF_I8),
    ROW(MPI_SIGNED_CHAR, MPI_TF_I8),
    ROW(MPI_UNSIGNED_CHAR, MPI_TF_U8),
    ROW(MPI_BYTE, MPI_TF_BYTE),
    ROW(MPI_WCHAR, MPI_TF_NONE),
    ROW(MPI_SHORT, MPI_TF_I16),
    ROW(MPI_UNSIGNED_SHORT, MPI_TF_U16),
    ROW(MPI_INT, MPI_TF_I32),
    ROW(MPI_UNSIGNED, MPI_TF_U32),
    ROW(MPI_LONG, MPI_TF_I64),
    ROW(MPI_UNSIGNED_LONG, MPI_TF_U64),
    ROW(MPI_FLOAT, MPI_TF_FLOAT),
    ROW(MPI_DOUBLE, MPI_TF_DOUBLE),
    ROW(MPI_LONG_DOUBLE, MPI_TF_LDOUBLE),
    ROW(MPI_LONG_LONG_INT, MPI_TF_I64),
    ROW(MPI_UNSIGNED_LONG_LONG, MPI_TF_U64),
    ROW(MPI_PACKED, MPI_TF_NONE),
    ROW(MPI_CHARACTER, MPI_TF_NONE),
    ROW(MPI_INTEGER, MPI_TF_I32),
    ROW(MPI_REAL, MPI_TF_FLOAT),
    ROW(MPI_LOGICAL, MPI_TF_FLOGICAL),
    ROW(MPI_COMPLEX, MPI_TF_CFLOAT),
    ROW(MPI_DOUBLE_PRECISION, MPI_TF_DOUBLE),
    ROW(MPI_DOUBLE_COMPLEX, MPI_TF_CDOUBLE),
    ROW(MPI_REAL4, MPI_TF_FLOAT),
    ROW(MPI_REAL8, MPI_TF_DOUBLE),
    ROW(MPI_REAL16, MPI_TF_NONE), /* quad precision: no kernels */
    ROW(MPI_COMPLEX8, MPI_TF_CFLOAT),
    ROW(MPI_COMPLEX16, MPI_TF_CDOUBLE),
    ROW(MPI_COMPLEX32, MPI_TF_NONE),
    ROW(MPI_INTEGER1, MPI_TF_I8),
    ROW(MPI_INTEGER2, MPI_TF_I16),
    ROW(MPI_INTEGER4, MPI_TF_I32),
    ROW(MPI_INTEGER8, MPI_TF_I64),
    ROW(MPI_INT8_T, MPI_TF_I8),
    ROW(MPI_INT16_T, MPI_TF_I16),
    ROW(MPI_INT32_T, MPI_TF_I32),
    ROW(MPI_INT64_T, MPI_TF_I64),
    ROW(MPI_UINT8_T, MPI_TF_U8),
    ROW(MPI_UINT16_T, MPI_TF_U16),
    ROW(MPI_UINT32_T, MPI_TF_U32),
    ROW(MPI_UINT64_T, MPI_TF_U64),
    ROW(MPI_C_BOOL, MPI_TF_BOOL),
    ROW(MPI_C_FLOAT_COMPLEX, MPI_TF_CFLOAT),
    ROW(MPI_C_DOUBLE_COMPLEX, MPI_TF_CDOUBLE),
    ROW(MPI_C_LONG_DOUBLE_COMPLEX, MPI_TF_CLDOUBLE),
    ROW(MPIX_C_FLOAT16, MPI_TF_NONE),
    ROW(MPI_AINT, MPI_TF_I64),
    ROW(MPI_OFFSET, MPI_TF_I64),
    ROW(MPI_COUNT, MPI_TF_I64),
    ROW(MPI_CXX_BOOL, MPI_TF_BOOL),
    ROW(MPI_CXX_FLOAT_COMPLEX, MPI_TF_CFLOAT),
    ROW(MPI_CXX_DOUBLE_COMPLEX, MPI_TF_CDOUBLE),
    ROW(MPI_CXX_LONG_DOUBLE_COMPLEX, MPI_TF_CLDOUBLE),
    /* Pairs with a builtin handle: {int, int}, {float, float}, {double, double}. */
    [MPI_2INT & 0xff] = {MPI_2INT, 8, 8, 2, MPI_TF_2INT},
    [MPI_2INTEGER & 0xff] = {MPI_2INTEGER, 8, 8, 2, MPI_TF_2INT},
    [MPI_2REAL & 0xff] = {MPI_2REAL, 8, 8, 2, MPI_TF_2FLOAT},
    [MPI_2DOUBLE_PRECISION & 0xff] = {MPI_2DOUBLE_PRECISION, 16, 16, 2, MPI_TF_2DOUBLE},
};

/* The value/index pairs of MAXLOC and MINLOC: size is value + int, extent the
 * C struct's (with padding). */
struct float_int {
    float v;
    int i;
};
struct double_int {
    double v;
    int i;
};
struct long_int {
    long v;
    int i;
};
struct short_int {
    short v;
    int i;
};
struct ldouble_int {
    long double v;
    int i;
};

#define PAIR(h, vt, st, fam) [(h)&0xff] = {(h), sizeof(vt) + sizeof(int), sizeof(st), 2, (fam)}

static const struct mpi_type_info pair_types[5] = {
    PAIR(MPI_FLOAT_INT, float, struct float_int, MPI_TF_FLOAT_INT),
    PAIR(MPI_DOUBLE_INT, double, struct double_int, MPI_TF_DOUBLE_INT),
    PAIR(MPI_LONG_INT, long, struct long_int, MPI_TF_LONG_INT),
    PAIR(MPI_SHORT_INT, short, struct short_int, MPI_TF_SHORT_INT),
    PAIR(MPI_LONG_DOUBLE_INT, long double, struct ldouble_int, MPI_TF_LDOUBLE_INT),
};

const struct mpi_type_info *mpi_type_get(MPI_Datatype dt)
{
    const struct mpi_type_info *t = NULL;
    unsigned idx = (unsigned)dt & 0xff;

    if (((unsigned)dt & 0xffff0000u) == 0x4c000000u && idx < 0x47)
        t = &builtin_types[idx];
    else if (((unsigned)dt & 0xffffff00u) == 0x8c000000u && idx < 5)
        t = &pair_types[idx];
    return t && t->handle == dt ? t : NULL;
}
