/* test_mpi_tables.c: unit tests of mpi/'s constant tables and handle tables.
 *
 * Covers the reduction kernels on every predefined type family (including the
 * MAXLOC/MINLOC tie rule), which (op, type) pairs are refused, the datatype
 * size table against MPICH's handle encoding, the error class and string
 * mapping, and the request table (handles never MPI_REQUEST_NULL, stale
 * handles refused). Nothing here needs a running job.
 */
#include <check.h>
#include <complex.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_op.h"
#include "mpi_request.h"
#include "mpi_status.h"
#include "cv.h"

/* ---- op kernels ------------------------------------------------------- */

static const struct {
    MPI_Datatype dt;
    int bits;
    int is_signed;
} int_types[] = {
    {MPI_CHAR, 8, 1},
    {MPI_SIGNED_CHAR, 8, 1},
    {MPI_UNSIGNED_CHAR, 8, 0},
    {MPI_SHORT, 16, 1},
    {MPI_UNSIGNED_SHORT, 16, 0},
    {MPI_INT, 32, 1},
    {MPI_UNSIGNED, 32, 0},
    {MPI_LONG, 64, 1},
    {MPI_UNSIGNED_LONG, 64, 0},
    {MPI_LONG_LONG, 64, 1},
    {MPI_UNSIGNED_LONG_LONG, 64, 0},
    {MPI_INT8_T, 8, 1},
    {MPI_INT16_T, 16, 1},
    {MPI_INT32_T, 32, 1},
    {MPI_INT64_T, 64, 1},
    {MPI_UINT8_T, 8, 0},
    {MPI_UINT16_T, 16, 0},
    {MPI_UINT32_T, 32, 0},
    {MPI_UINT64_T, 64, 0},
    {MPI_INTEGER, 32, 1},
    {MPI_AINT, 64, 1},
    {MPI_OFFSET, 64, 1},
    {MPI_COUNT, 64, 1},
};

/* Runs op on 3 elements of the integer type in a 64-bit buffer per element. */
static int64_t int_apply(MPI_Datatype dt, int bits, int is_signed, MPI_Op op, int64_t a, int64_t b)
{
    unsigned char in[8], io[8];
    int64_t r = 0;

#define PUT(T, buf, v)                                                                             \
    do {                                                                                           \
        T t_ = (T)(v);                                                                             \
        memcpy(buf, &t_, sizeof(t_));                                                              \
    } while (0)
#define GET(T, buf)                                                                                \
    ({                                                                                             \
        T t_;                                                                                      \
        memcpy(&t_, buf, sizeof(t_));                                                              \
        (int64_t) t_;                                                                              \
    })
    switch (bits * (is_signed ? 1 : -1)) {
    case 8:
        PUT(int8_t, in, a);
        PUT(int8_t, io, b);
        break;
    case -8:
        PUT(uint8_t, in, a);
        PUT(uint8_t, io, b);
        break;
    case 16:
        PUT(int16_t, in, a);
        PUT(int16_t, io, b);
        break;
    case -16:
        PUT(uint16_t, in, a);
        PUT(uint16_t, io, b);
        break;
    case 32:
        PUT(int32_t, in, a);
        PUT(int32_t, io, b);
        break;
    case -32:
        PUT(uint32_t, in, a);
        PUT(uint32_t, io, b);
        break;
    default:
        PUT(int64_t, in, a);
        PUT(int64_t, io, b);
        break;
    }
    if (mpi_op_apply(op, dt, in, io, 1) != MPI_SUCCESS)
        return -999;
    switch (bits * (is_signed ? 1 : -1)) {
    case 8:
        r = GET(int8_t, io);
        break;
    case -8:
        r = GET(uint8_t, io);
        break;
    case 16:
        r = GET(int16_t, io);
        break;
    case -16:
        r = GET(uint16_t, io);
        break;
    case 32:
        r = GET(int32_t, io);
        break;
    case -32:
        r = GET(uint32_t, io);
        break;
    default:
        r = GET(int64_t, io);
        break;
    }
    return r;
}

START_TEST(test_op_integers)
{
    size_t i;

    for (i = 0; i < sizeof(int_types) / sizeof(int_types[0]); i++) {
        MPI_Datatype dt = int_types[i].dt;
        int b = int_types[i].bits, sg = int_types[i].is_signed;
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_SUM, 5, 7), 12);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_PROD, 5, 7), 35);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_MAX, 5, 7), 7);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_MIN, 5, 7), 5);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_LAND, 5, 0), 0);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_LAND, 5, 7), 1);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_LOR, 0, 7), 1);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_LOR, 0, 0), 0);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_LXOR, 3, 7), 0);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_LXOR, 0, 7), 1);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_BAND, 12, 10), 8);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_BOR, 12, 10), 14);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_BXOR, 12, 10), 6);
        ck_assert_int_eq(int_apply(dt, b, sg, MPI_MAXLOC, 1, 2), -999);
        if (sg) {
            ck_assert_int_eq(int_apply(dt, b, sg, MPI_MAX, -5, 3), 3);
            ck_assert_int_eq(int_apply(dt, b, sg, MPI_MIN, -5, 3), -5);
            ck_assert_int_eq(int_apply(dt, b, sg, MPI_SUM, -5, 3), -2);
        } else {
            /* wrap-around is exact modulo 2^bits */
            ck_assert_int_eq(int_apply(dt, b, sg, MPI_MAX, 1, b == 64 ? -1 : (1LL << b) - 1),
                             b == 64 ? -1 : (1LL << b) - 1);
        }
        ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, dt), MPI_SUCCESS);
    }
}
END_TEST

START_TEST(test_op_integer_wrap)
{
    int32_t a = INT32_MAX, b = 1;
    uint16_t x = 65535, y = 65535;
    int64_t p = INT64_MAX, q = 2;

    ck_assert_int_eq(mpi_op_apply(MPI_SUM, MPI_INT, &a, &b, 1), MPI_SUCCESS);
    ck_assert_int_eq(b, INT32_MIN);
    ck_assert_int_eq(mpi_op_apply(MPI_PROD, MPI_UNSIGNED_SHORT, &x, &y, 1), MPI_SUCCESS);
    ck_assert_uint_eq(y, 1); /* 65535^2 mod 2^16 */
    ck_assert_int_eq(mpi_op_apply(MPI_PROD, MPI_INT64_T, &p, &q, 1), MPI_SUCCESS);
    ck_assert_int_eq(q, -2);
}
END_TEST

START_TEST(test_op_floats)
{
    float f[2] = {1.5f, -2.0f}, g[2] = {2.0f, 4.0f};
    double d[2] = {1.5, -2.0}, e[2] = {2.0, 4.0};
    long double l[2] = {1.5L, -2.0L}, m[2] = {2.0L, 4.0L};
    MPI_Datatype reals[] = {MPI_REAL, MPI_REAL4, MPI_DOUBLE_PRECISION, MPI_REAL8};
    size_t i;

    ck_assert_int_eq(mpi_op_apply(MPI_SUM, MPI_FLOAT, f, g, 2), MPI_SUCCESS);
    ck_assert(g[0] == 3.5f && g[1] == 2.0f);
    ck_assert_int_eq(mpi_op_apply(MPI_PROD, MPI_DOUBLE, d, e, 2), MPI_SUCCESS);
    ck_assert(e[0] == 3.0 && e[1] == -8.0);
    ck_assert_int_eq(mpi_op_apply(MPI_MAX, MPI_LONG_DOUBLE, l, m, 2), MPI_SUCCESS);
    ck_assert(m[0] == 2.0L && m[1] == 4.0L);
    ck_assert_int_eq(mpi_op_apply(MPI_MIN, MPI_LONG_DOUBLE, l, m, 2), MPI_SUCCESS);
    ck_assert(m[0] == 1.5L && m[1] == -2.0L);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_BAND, MPI_FLOAT), MPI_ERR_OP);
    /* logical operations on floating types: 1 or 0, as MPICH gives */
    e[0] = 0.0, e[1] = -8.0, d[0] = 2.5, d[1] = 0.0;
    ck_assert_int_eq(mpi_op_apply(MPI_LXOR, MPI_DOUBLE, d, e, 2), MPI_SUCCESS);
    ck_assert(e[0] == 1.0 && e[1] == 1.0);
    ck_assert_int_eq(mpi_op_apply(MPI_LAND, MPI_DOUBLE, d, e, 2), MPI_SUCCESS);
    ck_assert(e[0] == 1.0 && e[1] == 0.0);
    f[0] = 0.0f, f[1] = 0.0f, g[0] = 0.0f, g[1] = 3.0f;
    ck_assert_int_eq(mpi_op_apply(MPI_LOR, MPI_FLOAT, f, g, 2), MPI_SUCCESS);
    ck_assert(g[0] == 0.0f && g[1] == 1.0f);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_LXOR, MPI_LONG_DOUBLE), MPI_SUCCESS);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_LAND, MPI_C_DOUBLE_COMPLEX), MPI_ERR_OP);
    for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
        ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, reals[i]), MPI_SUCCESS);
        ck_assert_int_eq(mpi_op_check_reduce(MPI_MAX, reals[i]), MPI_SUCCESS);
        ck_assert_int_eq(mpi_op_check_reduce(MPI_BXOR, reals[i]), MPI_ERR_OP);
    }
}
END_TEST

START_TEST(test_op_complex)
{
    float _Complex a = 1.0f + 2.0f * I, b = 3.0f - 1.0f * I;
    double _Complex c = 1.0 + 2.0 * I, d = 3.0 - 1.0 * I;
    long double _Complex e = 2.0L * I, f = 2.0L * I;
    MPI_Datatype cplx[] = {MPI_C_FLOAT_COMPLEX, MPI_C_DOUBLE_COMPLEX, MPI_C_LONG_DOUBLE_COMPLEX,
                           MPI_COMPLEX,         MPI_DOUBLE_COMPLEX,   MPI_CXX_DOUBLE_COMPLEX};
    size_t i;

    ck_assert_int_eq(mpi_op_apply(MPI_SUM, MPI_C_FLOAT_COMPLEX, &a, &b, 1), MPI_SUCCESS);
    ck_assert(b == 4.0f + 1.0f * I);
    ck_assert_int_eq(mpi_op_apply(MPI_PROD, MPI_C_DOUBLE_COMPLEX, &c, &d, 1), MPI_SUCCESS);
    ck_assert(d == 5.0 + 5.0 * I); /* (1+2i)(3-i) = 3 - i + 6i + 2 */
    ck_assert_int_eq(mpi_op_apply(MPI_PROD, MPI_C_LONG_DOUBLE_COMPLEX, &e, &f, 1), MPI_SUCCESS);
    ck_assert(f == -4.0L);
    for (i = 0; i < sizeof(cplx) / sizeof(cplx[0]); i++) {
        ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, cplx[i]), MPI_SUCCESS);
        ck_assert_int_eq(mpi_op_check_reduce(MPI_PROD, cplx[i]), MPI_SUCCESS);
        ck_assert_int_eq(mpi_op_check_reduce(MPI_MAX, cplx[i]), MPI_ERR_OP);
    }
}
END_TEST

START_TEST(test_op_logical_and_byte)
{
    bool p[4] = {0, 0, 1, 1}, q[4] = {0, 1, 0, 1}, r[4];
    unsigned char x = 0xf0, y = 0x3c;
    int fl[2] = {1, 0}, fm[2] = {1, 1};

    memcpy(r, q, sizeof(r));
    ck_assert_int_eq(mpi_op_apply(MPI_LAND, MPI_C_BOOL, p, r, 4), MPI_SUCCESS);
    ck_assert(!r[0] && !r[1] && !r[2] && r[3]);
    memcpy(r, q, sizeof(r));
    ck_assert_int_eq(mpi_op_apply(MPI_LOR, MPI_C_BOOL, p, r, 4), MPI_SUCCESS);
    ck_assert(!r[0] && r[1] && r[2] && r[3]);
    memcpy(r, q, sizeof(r));
    ck_assert_int_eq(mpi_op_apply(MPI_LXOR, MPI_CXX_BOOL, p, r, 4), MPI_SUCCESS);
    ck_assert(!r[0] && r[1] && r[2] && !r[3]);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, MPI_C_BOOL), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_apply(MPI_LXOR, MPI_LOGICAL, fl, fm, 2), MPI_SUCCESS);
    ck_assert(fm[0] == 0 && fm[1] == 1);

    ck_assert_int_eq(mpi_op_apply(MPI_BAND, MPI_BYTE, &x, &y, 1), MPI_SUCCESS);
    ck_assert_uint_eq(y, 0x30);
    ck_assert_int_eq(mpi_op_apply(MPI_BOR, MPI_BYTE, &x, &y, 1), MPI_SUCCESS);
    ck_assert_uint_eq(y, 0xf0);
    ck_assert_int_eq(mpi_op_apply(MPI_BXOR, MPI_BYTE, &x, &y, 1), MPI_SUCCESS);
    ck_assert_uint_eq(y, 0x00);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, MPI_BYTE), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_MAX, MPI_BYTE), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, MPI_PACKED), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, MPI_WCHAR), MPI_ERR_OP);
}
END_TEST

#define LOC_TEST(name, VT, IT, dt)                                                                 \
    START_TEST(name)                                                                               \
    {                                                                                              \
        struct {                                                                                   \
            VT v;                                                                                  \
            IT i;                                                                                  \
        } a[4] = {{1, 5}, {3, 2}, {2, 7}, {2, 9}}, b[4] = {{2, 4}, {3, 6}, {2, 3}, {1, 1}}, c[4];  \
        memcpy(c, b, sizeof(c));                                                                   \
        ck_assert_int_eq(mpi_op_apply(MPI_MAXLOC, dt, a, c, 4), MPI_SUCCESS);                      \
        ck_assert(c[0].v == 2 && c[0].i == 4);                                                     \
        ck_assert(c[1].v == 3 && c[1].i == 2); /* tie: lowest index */                             \
        ck_assert(c[2].v == 2 && c[2].i == 3); /* tie, kept side lower */                          \
        ck_assert(c[3].v == 2 && c[3].i == 9);                                                     \
        memcpy(c, b, sizeof(c));                                                                   \
        ck_assert_int_eq(mpi_op_apply(MPI_MINLOC, dt, a, c, 4), MPI_SUCCESS);                      \
        ck_assert(c[0].v == 1 && c[0].i == 5);                                                     \
        ck_assert(c[1].v == 3 && c[1].i == 2);                                                     \
        ck_assert(c[2].v == 2 && c[2].i == 3);                                                     \
        ck_assert(c[3].v == 1 && c[3].i == 1);                                                     \
        ck_assert_int_eq(mpi_op_check_reduce(MPI_MAXLOC, dt), MPI_SUCCESS);                        \
        ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, dt), MPI_ERR_OP);                            \
    }                                                                                              \
    END_TEST

LOC_TEST(test_loc_2int, int, int, MPI_2INT)
LOC_TEST(test_loc_float_int, float, int, MPI_FLOAT_INT)
LOC_TEST(test_loc_double_int, double, int, MPI_DOUBLE_INT)
LOC_TEST(test_loc_long_int, long, int, MPI_LONG_INT)
LOC_TEST(test_loc_short_int, short, int, MPI_SHORT_INT)
LOC_TEST(test_loc_ldouble_int, long double, int, MPI_LONG_DOUBLE_INT)
LOC_TEST(test_loc_2real, float, float, MPI_2REAL)
LOC_TEST(test_loc_2double, double, double, MPI_2DOUBLE_PRECISION)
LOC_TEST(test_loc_2integer, int, int, MPI_2INTEGER)

START_TEST(test_op_replace_noop_and_invalid)
{
    int a[2] = {1, 2}, b[2] = {3, 4};

    ck_assert_int_eq(mpi_op_check_reduce(MPI_REPLACE, MPI_INT), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_NO_OP, MPI_INT), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_apply(MPI_NO_OP, MPI_INT, a, b, 2), MPI_SUCCESS);
    ck_assert(b[0] == 3 && b[1] == 4);
    ck_assert_int_eq(mpi_op_apply(MPI_REPLACE, MPI_INT, a, b, 2), MPI_SUCCESS);
    ck_assert(b[0] == 1 && b[1] == 2);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_OP_NULL, MPI_INT), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_check_reduce((MPI_Op)0x5800000f, MPI_INT), MPI_ERR_OP);
    ck_assert_int_eq(mpi_op_check_reduce(MPI_SUM, MPI_DATATYPE_NULL), MPI_ERR_OP);
    ck_assert(mpi_op_commutative(MPI_SUM) && mpi_op_commutative(MPI_MAXLOC));
}
END_TEST

/* ---- datatypes -------------------------------------------------------- */

static const MPI_Datatype builtin_list[] = {
    MPI_CHAR,
    MPI_SIGNED_CHAR,
    MPI_UNSIGNED_CHAR,
    MPI_BYTE,
    MPI_WCHAR,
    MPI_SHORT,
    MPI_UNSIGNED_SHORT,
    MPI_INT,
    MPI_UNSIGNED,
    MPI_LONG,
    MPI_UNSIGNED_LONG,
    MPI_FLOAT,
    MPI_DOUBLE,
    MPI_LONG_DOUBLE,
    MPI_LONG_LONG_INT,
    MPI_UNSIGNED_LONG_LONG,
    MPI_PACKED,
    MPI_2INT,
    MPI_COMPLEX,
    MPI_DOUBLE_COMPLEX,
    MPI_LOGICAL,
    MPI_REAL,
    MPI_DOUBLE_PRECISION,
    MPI_INTEGER,
    MPI_2INTEGER,
    MPI_2REAL,
    MPI_2DOUBLE_PRECISION,
    MPI_CHARACTER,
    MPI_REAL4,
    MPI_REAL8,
    MPI_REAL16,
    MPI_COMPLEX8,
    MPI_COMPLEX16,
    MPI_COMPLEX32,
    MPI_INTEGER1,
    MPI_INTEGER2,
    MPI_INTEGER4,
    MPI_INTEGER8,
    MPI_INT8_T,
    MPI_INT16_T,
    MPI_INT32_T,
    MPI_INT64_T,
    MPI_UINT8_T,
    MPI_UINT16_T,
    MPI_UINT32_T,
    MPI_UINT64_T,
    MPI_C_BOOL,
    MPI_C_FLOAT_COMPLEX,
    MPI_C_DOUBLE_COMPLEX,
    MPI_C_LONG_DOUBLE_COMPLEX,
    MPI_AINT,
    MPI_OFFSET,
    MPI_COUNT,
    MPI_CXX_BOOL,
    MPI_CXX_FLOAT_COMPLEX,
    MPI_CXX_DOUBLE_COMPLEX,
    MPI_CXX_LONG_DOUBLE_COMPLEX,
    MPIX_C_FLOAT16,
};

START_TEST(test_type_sizes)
{
    size_t i;
    int size;
    MPI_Aint lb, extent;

    for (i = 0; i < sizeof(builtin_list) / sizeof(builtin_list[0]); i++) {
        MPI_Datatype dt = builtin_list[i];
        ck_assert_msg(mpi_type_get(dt) != NULL, "type 0x%x missing", (unsigned)dt);
        ck_assert_int_eq(PMPI_Type_size(dt, &size), MPI_SUCCESS);
        ck_assert_int_eq(size, (dt >> 8) & 0xff);
        ck_assert_int_eq(PMPI_Type_get_extent(dt, &lb, &extent), MPI_SUCCESS);
        ck_assert_int_eq(lb, 0);
        ck_assert_int_eq(extent, size);
    }
    ck_assert_int_eq(mpi_type_get(MPI_INT)->size, sizeof(int));
    ck_assert_int_eq(mpi_type_get(MPI_LONG)->size, sizeof(long));
    ck_assert_int_eq(mpi_type_get(MPI_LONG_DOUBLE)->size, sizeof(long double));
    ck_assert_int_eq(mpi_type_get(MPI_C_BOOL)->size, sizeof(bool));
    ck_assert_int_eq(mpi_type_get(MPI_WCHAR)->size, sizeof(wchar_t));
}
END_TEST

START_TEST(test_type_pairs_and_invalid)
{
    struct {
        double v;
        int i;
    } di;
    struct {
        long double v;
        int i;
    } ldi;
    struct {
        short v;
        int i;
    } si;
    int size;
    MPI_Aint lb, extent;

    ck_assert_int_eq(PMPI_Type_size(MPI_DOUBLE_INT, &size), MPI_SUCCESS);
    ck_assert_int_eq(size, 12);
    ck_assert_int_eq(PMPI_Type_get_extent(MPI_DOUBLE_INT, &lb, &extent), MPI_SUCCESS);
    ck_assert_int_eq(extent, sizeof(di));
    ck_assert_int_eq(mpi_type_get(MPI_LONG_DOUBLE_INT)->extent, sizeof(ldi));
    ck_assert_int_eq(mpi_type_get(MPI_SHORT_INT)->size, 6);
    ck_assert_int_eq(mpi_type_get(MPI_SHORT_INT)->extent, sizeof(si));
    ck_assert_int_eq(mpi_type_get(MPI_FLOAT_INT)->size, 8);
    ck_assert_int_eq(mpi_type_get(MPI_LONG_INT)->size, 12);
    ck_assert_int_eq(mpi_type_get(MPI_2INT)->elements, 2);
    ck_assert_ptr_null(mpi_type_get(MPI_DATATYPE_NULL));
    ck_assert_ptr_null(mpi_type_get(MPI_LB));
    ck_assert_ptr_null(mpi_type_get(MPI_UB));
    ck_assert_ptr_null(mpi_type_get((MPI_Datatype)0x4c000405 + 0x100)); /* INT with size 5 */
    ck_assert_ptr_null(mpi_type_get((MPI_Datatype)0x8c000005));
    ck_assert_ptr_null(mpi_type_get((MPI_Datatype)0x4c0004ff));
    ck_assert_ptr_null(mpi_type_get(MPI_COMM_WORLD));
}
END_TEST

START_TEST(test_status_count)
{
    MPI_Status st;
    int n;

    mpi_status_set(&st, 3, 9, 40, 0);
    ck_assert_int_eq(PMPI_Get_count(&st, MPI_INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 10);
    ck_assert_int_eq(PMPI_Get_count(&st, MPI_DOUBLE, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(PMPI_Get_count(&st, MPI_LONG_DOUBLE, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, MPI_UNDEFINED);
    ck_assert_int_eq(PMPI_Get_elements(&st, MPI_2INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 10);
    ck_assert_int_eq(PMPI_Test_cancelled(&st, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 0);
    mpi_status_set(&st, 0, 0, (MPI_Count)5 << 32 | 7, 1);
    ck_assert(mpi_status_bytes(&st) == ((MPI_Count)5 << 32 | 7));
    ck_assert_int_eq(PMPI_Test_cancelled(&st, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(st.count_lo, 7);
    ck_assert_int_eq(st.count_hi_and_cancelled, (5 << 1) | 1);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

START_TEST(test_error_classes)
{
    static const int classes[] = {
        MPI_ERR_RANK,    MPI_ERR_TAG,      MPI_ERR_COUNT,   MPI_ERR_COMM,    MPI_ERR_TYPE,
        MPI_ERR_BUFFER,  MPI_ERR_TRUNCATE, MPI_ERR_REQUEST, MPI_ERR_OP,      MPI_ERR_ROOT,
        MPI_ERR_ARG,     MPI_ERR_OTHER,    MPI_ERR_INTERN,  MPI_ERR_PENDING, MPI_ERR_IN_STATUS,
        MPI_ERR_UNKNOWN, MPI_ERR_KEYVAL,   MPI_ERR_NO_MEM,  MPIX_ERR_NOREQ,
    };
    char text[MPI_MAX_ERROR_STRING];
    size_t i;
    int c, len;

    for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        ck_assert_int_eq(PMPI_Error_class(classes[i], &c), MPI_SUCCESS);
        ck_assert_int_eq(c, classes[i]);
        ck_assert_int_eq(PMPI_Error_string(classes[i], text, &len), MPI_SUCCESS);
        ck_assert_int_gt(len, 5);
        ck_assert_int_eq(len, (int)strlen(text));
    }
    for (c = 0; c <= MPICH_ERR_LAST_CLASS; c++)
        ck_assert_str_ne(mpi_error_text(c), "");
    ck_assert_int_eq(PMPI_Error_string(MPI_SUCCESS, text, &len), MPI_SUCCESS);
    ck_assert_str_eq(text, "No MPI error");
    ck_assert_int_eq(mpi_error_class_of(CV_ERR_TRUNCATE), MPI_ERR_TRUNCATE);
    ck_assert_int_eq(mpi_error_class_of(CV_ERR_RANK), MPI_ERR_RANK);
    ck_assert_int_eq(mpi_error_class_of(CV_ERR_INTERN), MPI_ERR_INTERN);
    ck_assert_int_eq(mpi_error_class_of(-ENOMEM), MPI_ERR_NO_MEM);
    ck_assert_int_eq(mpi_error_class_of(-EINVAL), MPI_ERR_ARG);
    ck_assert_int_eq(mpi_error_class_of(-EIO), MPI_ERR_OTHER);
    ck_assert_int_eq(mpi_error_class_of(-ENOTSUP), MPI_ERR_UNSUPPORTED_OPERATION);
    ck_assert_int_eq(mpi_error_class_of(MPI_IERR_NOT_INIT), MPI_ERR_OTHER);
    ck_assert_int_eq(mpi_error_class_of(MPI_IERR_TOO_MANY), MPIX_ERR_NOREQ);
    ck_assert_int_eq(mpi_error_class_of(MPI_ERR_TAG), MPI_ERR_TAG);
    ck_assert_int_eq(mpi_error_class_of(0), MPI_SUCCESS);
    ck_assert_int_eq(mpi_error_class_of(999), MPI_ERR_UNKNOWN);
    ck_assert_ptr_nonnull(strstr(mpi_error_text(MPI_IERR_NOT_INIT), "MPI_Init"));
    ck_assert_str_eq(mpi_error_text(CV_ERR_TRUNCATE), "Message truncated on receive");
}
END_TEST

/* ---- request table ---------------------------------------------------- */

START_TEST(test_request_table)
{
    struct mpi_req_table t = {NULL, 0, -1, 0};
    MPI_Request h[100], old;
    int i;

    for (i = 0; i < 100; i++) {
        ck_assert_int_eq(mpi_req_alloc(&t, MPI_REQ_PROC_NULL, NULL, NULL, &h[i]), MPI_SUCCESS);
        ck_assert_int_ne(h[i], MPI_REQUEST_NULL);
        ck_assert_ptr_nonnull(mpi_req_get(&t, h[i]));
    }
    ck_assert_int_eq(t.active, 100);
    for (i = 0; i < 100; i++)
        ck_assert_int_eq(mpi_req_get(&t, h[i])->kind, MPI_REQ_PROC_NULL);
    old = h[42];
    mpi_req_release(&t, h[42]);
    ck_assert_ptr_null(mpi_req_get(&t, old)); /* stale */
    ck_assert_int_eq(mpi_req_alloc(&t, MPI_REQ_PROC_NULL, NULL, NULL, &h[42]), MPI_SUCCESS);
    ck_assert_int_ne(h[42], old); /* same slot, new generation */
    ck_assert_ptr_null(mpi_req_get(&t, old));
    ck_assert_ptr_nonnull(mpi_req_get(&t, h[42]));
    /* Generations wrap after 256 uses of a slot but never give 0x2c000000. */
    for (i = 0; i < 600; i++) {
        mpi_req_release(&t, h[42]);
        ck_assert_int_eq(mpi_req_alloc(&t, MPI_REQ_PROC_NULL, NULL, NULL, &h[42]), MPI_SUCCESS);
        ck_assert_int_ne(h[42], MPI_REQUEST_NULL);
    }
    ck_assert_ptr_null(mpi_req_get(&t, MPI_REQUEST_NULL));
    ck_assert_ptr_null(mpi_req_get(&t, 0));
    ck_assert_ptr_null(mpi_req_get(&t, 12345));
    ck_assert_ptr_null(mpi_req_get(&t, MPI_REQ_HANDLE_BASE | 5000)); /* beyond table */
    ck_assert_ptr_null(mpi_req_get(&t, MPI_COMM_WORLD));
    for (i = 0; i < 100; i++)
        mpi_req_release(&t, h[i]);
    ck_assert_int_eq(t.active, 0);
    for (i = 0; i < 100; i++)
        ck_assert_ptr_null(mpi_req_get(&t, h[i]));
    mpi_req_table_free(&t);
}
END_TEST

static Suite *tables_suite(void)
{
    Suite *s = suite_create("mpi-tables");
    TCase *ops = tcase_create("ops");
    TCase *types = tcase_create("datatypes");
    TCase *errs = tcase_create("errors");
    TCase *reqs = tcase_create("requests");

    tcase_add_test(ops, test_op_integers);
    tcase_add_test(ops, test_op_integer_wrap);
    tcase_add_test(ops, test_op_floats);
    tcase_add_test(ops, test_op_complex);
    tcase_add_test(ops, test_op_logical_and_byte);
    tcase_add_test(ops, test_loc_2int);
    tcase_add_test(ops, test_loc_float_int);
    tcase_add_test(ops, test_loc_double_int);
    tcase_add_test(ops, test_loc_long_int);
    tcase_add_test(ops, test_loc_short_int);
    tcase_add_test(ops, test_loc_ldouble_int);
    tcase_add_test(ops, test_loc_2real);
    tcase_add_test(ops, test_loc_2double);
    tcase_add_test(ops, test_loc_2integer);
    tcase_add_test(ops, test_op_replace_noop_and_invalid);
    tcase_add_test(types, test_type_sizes);
    tcase_add_test(types, test_type_pairs_and_invalid);
    tcase_add_test(types, test_status_count);
    tcase_add_test(errs, test_error_classes);
    tcase_add_test(reqs, test_request_table);
    suite_add_tcase(s, ops);
    suite_add_tcase(s, types);
    suite_add_tcase(s, errs);
    suite_add_tcase(s, reqs);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tables_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
