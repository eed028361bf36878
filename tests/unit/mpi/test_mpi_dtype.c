/* test_mpi_dtype.c: derived datatypes of mpi/ against hand-written references.
 *
 * Every constructor's type is checked three ways: size, bounds and true
 * bounds against values computed by hand in the test (negative displacements
 * and resized lower bounds included); MPI_Pack of three items against a
 * serial reference that copies the blocks listed by the test, byte for byte;
 * MPI_Unpack into a buffer filled with a marker, which must equal the
 * reference's unpack (holes untouched). Then the predefined types, errors,
 * Get_elements, contents, reductions and the reference counting of a type
 * freed while a receive that uses it is pending (two ranks over fake_cv).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_status.h"
#include "fake_cv.h"

#define MEM   16384
#define BASE  4096 /* buffers start here, so negative offsets stay inside */
#define ITEMS 3

/* The expected type map: blocks (offset, length) of one item, in order. */
struct ref {
    MPI_Aint off[512];
    MPI_Aint len[512];
    int n;
    MPI_Aint extent;
};

static void ref_add(struct ref *r, MPI_Aint off, MPI_Aint len)
{
    ck_assert_int_lt(r->n, 512);
    r->off[r->n] = off;
    r->len[r->n] = len;
    r->n++;
}

static void init_return(void)
{
    ck_assert_int_eq(PMPI_Init(NULL, NULL), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), MPI_SUCCESS);
}

static void fill(unsigned char *m, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        m[i] = (unsigned char)(i * 131 + seed * 7 + (i >> 8));
}

/* The reference packing and unpacking of ITEMS items. */
static size_t ref_pack(const struct ref *r, const unsigned char *buf, unsigned char *out)
{
    size_t pos = 0;
    int k, i;

    for (k = 0; k < ITEMS; k++)
        for (i = 0; i < r->n; i++) {
            memcpy(out + pos, buf + k * r->extent + r->off[i], (size_t)r->len[i]);
            pos += (size_t)r->len[i];
        }
    return pos;
}

static void ref_unpack(const struct ref *r, const unsigned char *in, unsigned char *buf)
{
    size_t pos = 0;
    int k, i;

    for (k = 0; k < ITEMS; k++)
        for (i = 0; i < r->n; i++) {
            memcpy(buf + k * r->extent + r->off[i], in + pos, (size_t)r->len[i]);
            pos += (size_t)r->len[i];
        }
}

/* Checks t (committed here) against the reference and hand-computed values. */
static void check_type(MPI_Datatype t, const struct ref *r, MPI_Aint size, MPI_Aint lb,
                       MPI_Aint extent, MPI_Aint tlb, MPI_Aint text)
{
    static unsigned char src[MEM], got[MEM], want[MEM], pk[MEM], rpk[MEM];
    MPI_Aint a, b;
    MPI_Count ca, cb;
    int sz, pos = 0, rsize;

    ck_assert_int_eq(PMPI_Type_commit(&t), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_size(t, &sz), MPI_SUCCESS);
    ck_assert_int_eq(sz, size);
    ck_assert_int_eq(PMPI_Type_size_x(t, &ca), MPI_SUCCESS);
    ck_assert_int_eq(ca, size);
    ck_assert_int_eq(PMPI_Type_get_extent(t, &a, &b), MPI_SUCCESS);
    ck_assert_int_eq(a, lb);
    ck_assert_int_eq(b, extent);
    ck_assert_int_eq(PMPI_Type_get_extent_x(t, &ca, &cb), MPI_SUCCESS);
    ck_assert(ca == lb && cb == extent);
    ck_assert_int_eq(PMPI_Type_get_true_extent(t, &a, &b), MPI_SUCCESS);
    ck_assert_int_eq(a, tlb);
    ck_assert_int_eq(b, text);
    ck_assert_int_eq(PMPI_Type_get_true_extent_x(t, &ca, &cb), MPI_SUCCESS);
    ck_assert(ca == tlb && cb == text);
    ck_assert_int_eq(r->extent, extent);
    fill(src, MEM, (unsigned)size);
    rsize = (int)ref_pack(r, src + BASE, rpk);
    ck_assert_int_eq(rsize, ITEMS * size);
    ck_assert_int_eq(PMPI_Pack_size(ITEMS, t, MPI_COMM_WORLD, &sz), MPI_SUCCESS);
    ck_assert_int_eq(sz, rsize);
    ck_assert_int_eq(PMPI_Pack(src + BASE, ITEMS, t, pk, MEM, &pos, MPI_COMM_WORLD), MPI_SUCCESS);
    ck_assert_int_eq(pos, rsize);
    ck_assert_mem_eq(pk, rpk, (size_t)rsize);
    memset(got, 0xee, MEM);
    memset(want, 0xee, MEM);
    pos = 0;
    ck_assert_int_eq(PMPI_Unpack(pk, rsize, &pos, got + BASE, ITEMS, t, MPI_COMM_WORLD),
                     MPI_SUCCESS);
    ck_assert_int_eq(pos, rsize);
    ref_unpack(r, rpk, want + BASE);
    ck_assert_mem_eq(got, want, MEM);
    if (mpi_type_get(t)) /* predefined: stays */
        return;
    ck_assert_int_eq(PMPI_Type_free(&t), MPI_SUCCESS);
    ck_assert_int_eq(t, MPI_DATATYPE_NULL);
}

START_TEST(test_contiguous)
{
    struct ref r = {.extent = 40};
    MPI_Datatype t;

    init_return();
    ref_add(&r, 0, 40);
    ck_assert_int_eq(PMPI_Type_contiguous(5, MPI_DOUBLE, &t), MPI_SUCCESS);
    check_type(t, &r, 40, 0, 40, 0, 40);
    PMPI_Finalize();
}
END_TEST

START_TEST(test_vector)
{
    struct ref r = {.extent = 40}, n = {.extent = 20};
    MPI_Datatype t;
    int i;

    init_return();
    for (i = 0; i < 3; i++) /* 3 blocks of 2 ints, stride 4 ints */
        ref_add(&r, i * 16, 8);
    ck_assert_int_eq(PMPI_Type_vector(3, 2, 4, MPI_INT, &t), MPI_SUCCESS);
    check_type(t, &r, 24, 0, 40, 0, 40);
    for (i = 0; i < 3; i++) /* negative stride: blocks at 0, -8, -16 */
        ref_add(&n, -8 * i, 4);
    ck_assert_int_eq(PMPI_Type_vector(3, 1, -2, MPI_INT, &t), MPI_SUCCESS);
    check_type(t, &n, 12, -16, 20, -16, 20);
    PMPI_Finalize();
}
END_TEST

START_TEST(test_hvector)
{
    struct ref r = {.extent = 26};
    MPI_Datatype t;

    init_return();
    ref_add(&r, 0, 6);
    ref_add(&r, 20, 6);
    ck_assert_int_eq(PMPI_Type_create_hvector(2, 3, 20, MPI_SHORT, &t), MPI_SUCCESS);
    check_type(t, &r, 12, 0, 26, 0, 26);
    PMPI_Finalize();
}
END_TEST

START_TEST(test_indexed)
{
    struct ref r = {.extent = 52}, h = {.extent = 40}, ib = {.extent = 40}, hb = {.extent = 16};
    const int bl[] = {2, 1, 3}, dp[] = {5, 0, 10}, ibd[] = {4, 0, 8};
    const int hbl[] = {1, 2};
    const MPI_Aint hdp[] = {-8, 16}, hbd[] = {0, 12};
    MPI_Datatype t;

    init_return();
    ref_add(&r, 20, 8); /* type-map order, not address order */
    ref_add(&r, 0, 4);
    ref_add(&r, 40, 12);
    ck_assert_int_eq(PMPI_Type_indexed(3, bl, dp, MPI_FLOAT, &t), MPI_SUCCESS);
    check_type(t, &r, 24, 0, 52, 0, 52);
    ref_add(&h, -8, 8);
    ref_add(&h, 16, 16);
    ck_assert_int_eq(PMPI_Type_create_hindexed(2, hbl, hdp, MPI_DOUBLE, &t), MPI_SUCCESS);
    check_type(t, &h, 24, -8, 40, -8, 40);
    ref_add(&ib, 16, 8);
    ref_add(&ib, 0, 8);
    ref_add(&ib, 32, 8);
    ck_assert_int_eq(PMPI_Type_create_indexed_block(3, 2, ibd, MPI_INT, &t), MPI_SUCCESS);
    check_type(t, &ib, 24, 0, 40, 0, 40);
    ref_add(&hb, 0, 4);
    ref_add(&hb, 12, 4);
    ck_assert_int_eq(PMPI_Type_create_hindexed_block(2, 1, hbd, MPI_INT, &t), MPI_SUCCESS);
    check_type(t, &hb, 8, 0, 16, 0, 16);
    /* one block away from the origin: contiguous, but data starts at 8 */
    memset(&h, 0, sizeof(h));
    h.extent = 12;
    ref_add(&h, 8, 12);
    ck_assert_int_eq(PMPI_Type_create_hindexed(1, (int[]){3}, (MPI_Aint[]){8}, MPI_INT, &t),
                     MPI_SUCCESS);
    check_type(t, &h, 12, 8, 12, 8, 12);
    PMPI_Finalize();
}
END_TEST

/* struct { char c; double d; int i; }: holes after c and after i; the
 * extent is padded from 20 to 24 (the alignment of double). */
START_TEST(test_struct)
{
    struct ref r = {.extent = 24};
    const int bl[] = {1, 1, 1};
    const MPI_Aint dp[] = {0, 8, 16};
    const MPI_Datatype ty[] = {MPI_CHAR, MPI_DOUBLE, MPI_INT};
    MPI_Datatype t;

    init_return();
    ref_add(&r, 0, 1);
    ref_add(&r, 8, 8);
    ref_add(&r, 16, 4);
    ck_assert_int_eq(PMPI_Type_create_struct(3, bl, dp, ty, &t), MPI_SUCCESS);
    check_type(t, &r, 13, 0, 24, 0, 20);
    PMPI_Finalize();
}
END_TEST

/* resized(MPI_INT, lb -4, extent 16), then 3 of them: a resized lower bound
 * moves lb but not the data. */
START_TEST(test_resized)
{
    struct ref r = {.extent = 16}, c = {.extent = 48}, sp = {.extent = 16};
    const int bl[] = {1, 1};
    const MPI_Aint dp[] = {0, 4};
    MPI_Datatype rs, t, ty[2];

    init_return();
    ref_add(&r, 0, 4);
    ck_assert_int_eq(PMPI_Type_create_resized(MPI_INT, -4, 16, &rs), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_dup(rs, &t), MPI_SUCCESS);
    check_type(t, &r, 4, -4, 16, 0, 4);
    ref_add(&c, 0, 4);
    ref_add(&c, 16, 4);
    ref_add(&c, 32, 4);
    ck_assert_int_eq(PMPI_Type_contiguous(3, rs, &t), MPI_SUCCESS);
    check_type(t, &c, 12, -4, 48, 0, 36);
    /* in a struct, the explicit bounds of rs win over the data and padding */
    ty[0] = rs;
    ty[1] = MPI_CHAR;
    ref_add(&sp, 0, 5);
    ck_assert_int_eq(PMPI_Type_create_struct(2, bl, dp, ty, &t), MPI_SUCCESS);
    check_type(t, &sp, 5, -4, 16, 0, 5);
    ck_assert_int_eq(PMPI_Type_free(&rs), MPI_SUCCESS);
    PMPI_Finalize();
}
END_TEST

/* int a[4][5][6], the [2][3][4] block starting at [1][1][2], C order. */
START_TEST(test_subarray_c)
{
    static struct ref r;
    const int sizes[] = {4, 5, 6}, sub[] = {2, 3, 4}, st[] = {1, 1, 2};
    MPI_Datatype t;
    int i, j;

    init_return();
    r.n = 0;
    r.extent = 4 * 5 * 6 * 4;
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++)
            ref_add(&r, (((1 + i) * 5 + (1 + j)) * 6 + 2) * 4, 16);
    ck_assert_int_eq(PMPI_Type_create_subarray(3, sizes, sub, st, MPI_ORDER_C, MPI_INT, &t),
                     MPI_SUCCESS);
    check_type(t, &r, 96, 0, 480, 152, 336 - 152);
    PMPI_Finalize();
}
END_TEST

/* double a(6,4) in Fortran order, the (3,2) block starting at (2,1). */
START_TEST(test_subarray_fortran)
{
    struct ref r = {.extent = 6 * 4 * 8};
    const int sizes[] = {6, 4}, sub[] = {3, 2}, st[] = {2, 1};
    MPI_Datatype t;
    int j;

    init_return();
    for (j = 0; j < 2; j++)
        ref_add(&r, (2 + (1 + j) * 6) * 8, 24);
    ck_assert_int_eq(
        PMPI_Type_create_subarray(2, sizes, sub, st, MPI_ORDER_FORTRAN, MPI_DOUBLE, &t),
        MPI_SUCCESS);
    check_type(t, &r, 48, 0, 192, 64, 136 - 64);
    PMPI_Finalize();
}
END_TEST

/* A type made of types made of types: vector of structs of a resized. */
START_TEST(test_nested)
{
    static struct ref r;
    const int bl[] = {2, 1};
    const MPI_Aint dp[] = {4, 16};
    MPI_Datatype ty[2], s, t;
    int i;

    init_return();
    ty[0] = MPI_SHORT;
    ty[1] = MPI_DOUBLE; /* struct: shorts at 4..8, double at 16; extent 24 (align 8) */
    ck_assert_int_eq(PMPI_Type_create_struct(2, bl, dp, ty, &s), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_vector(2, 2, 3, s, &t), MPI_SUCCESS);
    r.n = 0;
    /* s: lb 4, data to 24, extent padded from 20 to 24 (ub 28); t: copies of
     * s at 0, 24, 72, 96: lb 4, ub 96 + 28, data 4..120 */
    r.extent = 120;
    for (i = 0; i < 2; i++) {
        ref_add(&r, i * 72 + 4, 4);
        ref_add(&r, i * 72 + 16, 8);
        ref_add(&r, i * 72 + 24 + 4, 4);
        ref_add(&r, i * 72 + 24 + 16, 8);
    }
    ck_assert_int_eq(PMPI_Type_free(&s), MPI_SUCCESS); /* t keeps what it needs */
    check_type(t, &r, 48, 4, 120, 4, 116);
    PMPI_Finalize();
}
END_TEST

/* ---- predefined types ------------------------------------------------- */

static const MPI_Datatype simple_types[] = {
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
    MPI_CHARACTER,
    MPI_INTEGER,
    MPI_REAL,
    MPI_LOGICAL,
    MPI_COMPLEX,
    MPI_DOUBLE_PRECISION,
    MPI_DOUBLE_COMPLEX,
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
    MPIX_C_FLOAT16,
    MPI_AINT,
    MPI_OFFSET,
    MPI_COUNT,
    MPI_CXX_BOOL,
    MPI_CXX_FLOAT_COMPLEX,
    MPI_CXX_DOUBLE_COMPLEX,
    MPI_CXX_LONG_DOUBLE_COMPLEX,
};

/* A predefined type's size is the byte MPICH encodes in its handle, and it
 * packs as one dense block. */
START_TEST(test_predefined)
{
    struct ref r;
    size_t i;
    int size;

    init_return();
    for (i = 0; i < sizeof(simple_types) / sizeof(simple_types[0]); i++) {
        size = (simple_types[i] >> 8) & 0xff;
        memset(&r, 0, sizeof(r));
        r.extent = size;
        ref_add(&r, 0, size);
        check_type(simple_types[i], &r, size, 0, size, 0, size);
    }
    PMPI_Finalize();
}
END_TEST

/* The pair types of MINLOC/MAXLOC: the value and the int at their C struct
 * offsets, padding skipped when packing. */
START_TEST(test_pairs)
{
    struct {
        MPI_Datatype t;
        MPI_Aint vlen, ioff, extent;
    } p[] = {
        {MPI_FLOAT_INT, 4, 4, 8},          {MPI_DOUBLE_INT, 8, 8, 16},
        {MPI_LONG_INT, 8, 8, 16},          {MPI_SHORT_INT, 2, 4, 8},
        {MPI_LONG_DOUBLE_INT, 16, 16, 32}, {MPI_2INT, 4, 4, 8},
        {MPI_2INTEGER, 4, 4, 8},           {MPI_2REAL, 4, 4, 8},
        {MPI_2DOUBLE_PRECISION, 8, 8, 16},
    };
    struct ref r;
    MPI_Aint vlen2;
    size_t i;

    init_return();
    for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
        memset(&r, 0, sizeof(r));
        r.extent = p[i].extent;
        vlen2 = p[i].t == MPI_2DOUBLE_PRECISION ? 8 : 4;
        ref_add(&r, 0, p[i].vlen);
        ref_add(&r, p[i].ioff, vlen2);
        check_type(p[i].t, &r, p[i].vlen + vlen2, 0, p[i].extent, 0, p[i].ioff + vlen2);
    }
    PMPI_Finalize();
}
END_TEST

/* ---- errors, counts, contents ----------------------------------------- */

START_TEST(test_errors)
{
    const int sizes[] = {4}, sub[] = {5}, st[] = {0}, neg[] = {-1};
    const MPI_Aint dp[] = {0};
    MPI_Datatype t, u, freed;
    int buf[8] = {0}, pos = 0, n;

    init_return();
    ck_assert_int_eq(PMPI_Type_contiguous(-1, MPI_INT, &t), MPI_ERR_COUNT);
    ck_assert_int_eq(PMPI_Type_contiguous(2, MPI_DATATYPE_NULL, &t), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Type_contiguous(2, MPI_INT, NULL), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_vector(2, -1, 1, MPI_INT, &t), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_indexed(1, neg, st, MPI_INT, &t), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_create_hindexed(1, NULL, dp, MPI_INT, &t), MPI_ERR_ARG);
    /* no displacements: refused unless there are no blocks */
    ck_assert_int_eq(PMPI_Type_create_indexed_block(2, 1, NULL, MPI_INT, &t), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_create_hindexed_block(2, 1, NULL, MPI_INT, &t), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_create_indexed_block(0, 1, NULL, MPI_INT, &t), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_size(t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(PMPI_Type_free(&t), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_create_hindexed_block(0, 1, NULL, MPI_INT, &t), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_free(&t), MPI_SUCCESS);
    /* Pack_size: each argument checked, and the size must fit an int */
    ck_assert_int_eq(PMPI_Pack_size(1, MPI_INT, MPI_COMM_NULL, &n), MPI_ERR_COMM);
    ck_assert_int_eq(PMPI_Pack_size(-1, MPI_INT, MPI_COMM_WORLD, &n), MPI_ERR_COUNT);
    ck_assert_int_eq(PMPI_Pack_size(1, MPI_DATATYPE_NULL, MPI_COMM_WORLD, &n), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Pack_size(1, MPI_INT, MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Pack_size(1 << 30, MPI_DOUBLE, MPI_COMM_WORLD, &n), MPI_ERR_COUNT);
    ck_assert_int_eq(PMPI_Pack_size(1 << 27, MPI_DOUBLE, MPI_COMM_WORLD, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 8 << 27);
    ck_assert_int_eq(PMPI_Type_create_subarray(1, sizes, sub, st, MPI_ORDER_C, MPI_INT, &t),
                     MPI_ERR_ARG); /* subsize larger than size */
    ck_assert_int_eq(PMPI_Type_create_subarray(1, sizes, sizes, st, 99, MPI_INT, &t), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_create_subarray(0, sizes, sizes, st, MPI_ORDER_C, MPI_INT, &t),
                     MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_free(&(MPI_Datatype){MPI_INT}), MPI_ERR_TYPE);
    /* uncommitted: fine to query, refused for communication and packing */
    ck_assert_int_eq(PMPI_Type_vector(2, 1, 2, MPI_INT, &t), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_size(t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 8);
    ck_assert_int_eq(PMPI_Send(buf, 1, t, 0, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Pack(buf, 1, t, buf + 4, 16, &pos, MPI_COMM_WORLD), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Pack_size(1, t, MPI_COMM_WORLD, &n), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Type_commit(&t), MPI_SUCCESS);
    /* the packed buffer too small */
    ck_assert_int_eq(PMPI_Pack(buf, 2, t, buf + 4, 15, &pos, MPI_COMM_WORLD), MPI_ERR_TRUNCATE);
    ck_assert_int_eq(PMPI_Pack(buf, 1, t, buf + 4, 16, NULL, MPI_COMM_WORLD), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Pack(buf, -1, t, buf + 4, 16, &pos, MPI_COMM_WORLD), MPI_ERR_COUNT);
    /* freed handles are refused everywhere */
    ck_assert_int_eq(PMPI_Type_dup(t, &u), MPI_SUCCESS);
    freed = t;
    ck_assert_int_eq(PMPI_Type_free(&t), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_free(&freed), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Send(buf, 1, freed, 0, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Type_size(freed, &n), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Type_commit(&freed), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Send(buf, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Type_size(u, &n), MPI_SUCCESS); /* the dup lives on */
    ck_assert_int_eq(PMPI_Type_free(&u), MPI_SUCCESS);
    PMPI_Finalize();
}
END_TEST

/* Get_elements counts basic elements, also in a partial item. */
START_TEST(test_elements)
{
    const int bl[] = {1, 1, 1};
    const MPI_Aint dp[] = {0, 8, 16};
    const MPI_Datatype ty[] = {MPI_CHAR, MPI_DOUBLE, MPI_INT};
    MPI_Datatype t;
    MPI_Status st;
    MPI_Count cx;
    int n;

    init_return();
    ck_assert_int_eq(PMPI_Type_create_struct(3, bl, dp, ty, &t), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_commit(&t), MPI_SUCCESS);
    mpi_status_set(&st, 0, 0, 2 * 13, 0);
    ck_assert_int_eq(PMPI_Get_count(&st, t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(PMPI_Get_elements(&st, t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 6);
    mpi_status_set(&st, 0, 0, 13 + 9, 0); /* char and double of the second item */
    ck_assert_int_eq(PMPI_Get_count(&st, t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, MPI_UNDEFINED);
    ck_assert_int_eq(PMPI_Get_elements(&st, t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(PMPI_Get_elements_x(&st, t, &cx), MPI_SUCCESS);
    ck_assert(cx == 5);
    mpi_status_set(&st, 0, 0, 13 + 5, 0); /* ends inside the double */
    ck_assert_int_eq(PMPI_Get_elements(&st, t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, MPI_UNDEFINED);
    mpi_status_set(&st, 0, 0, 12 + 4, 0); /* MPI_DOUBLE_INT: one pair and a half */
    ck_assert_int_eq(PMPI_Get_elements(&st, MPI_DOUBLE_INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, MPI_UNDEFINED);
    mpi_status_set(&st, 0, 0, 12 + 8, 0);
    ck_assert_int_eq(PMPI_Get_elements(&st, MPI_DOUBLE_INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(PMPI_Get_count(&st, MPI_DOUBLE_INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, MPI_UNDEFINED);
    ck_assert_int_eq(PMPI_Type_free(&t), MPI_SUCCESS);
    /* an int right before a double (unaligned on purpose): adjacent blocks of
     * different element sizes stay apart, so 8 bytes end inside the double */
    ck_assert_int_eq(PMPI_Type_create_struct(2, bl, (MPI_Aint[]){0, 4},
                                             (MPI_Datatype[]){MPI_INT, MPI_DOUBLE}, &t),
                     MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_commit(&t), MPI_SUCCESS);
    mpi_status_set(&st, 0, 0, 8, 0);
    ck_assert_int_eq(PMPI_Get_elements(&st, t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, MPI_UNDEFINED);
    mpi_status_set(&st, 0, 0, 12 + 4, 0);
    ck_assert_int_eq(PMPI_Get_elements(&st, t, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(PMPI_Type_free(&t), MPI_SUCCESS);
    PMPI_Finalize();
}
END_TEST

START_TEST(test_contents)
{
    const int bl[] = {2, 1};
    const MPI_Aint dp[] = {0, 8};
    int ni, na, nt, comb, ints[4];
    MPI_Aint aints[2];
    MPI_Datatype v, s, types[2];

    init_return();
    ck_assert_int_eq(PMPI_Type_get_envelope(MPI_INT, &ni, &na, &nt, &comb), MPI_SUCCESS);
    ck_assert_int_eq(comb, MPI_COMBINER_NAMED);
    ck_assert_int_eq(PMPI_Type_get_contents(MPI_INT, 0, 0, 0, ints, aints, types), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Type_vector(3, 2, 5, MPI_INT, &v), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_get_envelope(v, &ni, &na, &nt, &comb), MPI_SUCCESS);
    ck_assert(comb == MPI_COMBINER_VECTOR && ni == 3 && na == 0 && nt == 1);
    ck_assert_int_eq(PMPI_Type_get_contents(v, 3, 0, 1, ints, aints, types), MPI_SUCCESS);
    ck_assert(ints[0] == 3 && ints[1] == 2 && ints[2] == 5 && types[0] == MPI_INT);
    {
        const MPI_Datatype sty[] = {v, MPI_DOUBLE};
        ck_assert_int_eq(PMPI_Type_create_struct(2, bl, dp, sty, &s), MPI_SUCCESS);
    }
    ck_assert_int_eq(PMPI_Type_free(&v), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_get_envelope(s, &ni, &na, &nt, &comb), MPI_SUCCESS);
    ck_assert(comb == MPI_COMBINER_STRUCT && ni == 3 && na == 2 && nt == 2);
    ck_assert_int_eq(PMPI_Type_get_contents(s, 3, 2, 1, ints, aints, types), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Type_get_contents(s, 3, 2, 2, ints, aints, types), MPI_SUCCESS);
    ck_assert(ints[0] == 2 && ints[1] == 2 && ints[2] == 1 && aints[1] == 8);
    ck_assert(types[1] == MPI_DOUBLE);
    /* the vector comes back as a handle of its own, which the caller frees */
    ck_assert_int_eq(PMPI_Type_get_envelope(types[0], &ni, &na, &nt, &comb), MPI_SUCCESS);
    ck_assert_int_eq(comb, MPI_COMBINER_VECTOR);
    ck_assert_int_eq(PMPI_Type_free(&types[0]), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_free(&s), MPI_SUCCESS);
    PMPI_Finalize();
}
END_TEST

/* ---- communication over fake_cv --------------------------------------- */

/* Reduce_local and Allreduce on a vector of MPI_INT (every other int), a
 * mixed struct refused with MPI_ERR_OP, MINLOC on a contiguous of pairs. */
static void body_reduce(int rank, int size)
{
    const int bl[] = {1, 1};
    const MPI_Aint dp[] = {0, 8};
    const MPI_Datatype ty[] = {MPI_INT, MPI_DOUBLE};
    struct {
        double v;
        int i;
    } pin[3], pout[3];
    int in[8], io[8], i;
    MPI_Datatype v, mixed, pairs;

    init_return();
    ck_assert_int_eq(PMPI_Type_vector(4, 1, 2, MPI_INT, &v), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_commit(&v), MPI_SUCCESS);
    for (i = 0; i < 8; i++) {
        in[i] = i + 10 * rank;
        io[i] = -1;
    }
    ck_assert_int_eq(PMPI_Allreduce(in, io, 1, v, MPI_SUM, MPI_COMM_WORLD), MPI_SUCCESS);
    for (i = 0; i < 8; i++) /* the holes of the vector are not written */
        ck_assert_int_eq(io[i], i % 2 ? -1 : size * i + 10 * size * (size - 1) / 2);
    memcpy(io, in, sizeof(io));
    ck_assert_int_eq(PMPI_Reduce_local(in, io, 1, v, MPI_PROD), MPI_SUCCESS);
    for (i = 0; i < 8; i++)
        ck_assert_int_eq(io[i], i % 2 ? in[i] : in[i] * in[i]);
    ck_assert_int_eq(PMPI_Type_create_struct(2, bl, dp, ty, &mixed), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_commit(&mixed), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Allreduce(in, io, 1, mixed, MPI_SUM, MPI_COMM_WORLD), MPI_ERR_OP);
    ck_assert_int_eq(PMPI_Type_contiguous(3, MPI_DOUBLE_INT, &pairs), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_commit(&pairs), MPI_SUCCESS);
    for (i = 0; i < 3; i++) {
        pin[i].v = (double)((rank + i) % size);
        pin[i].i = rank;
    }
    ck_assert_int_eq(PMPI_Allreduce(pin, pout, 1, pairs, MPI_MINLOC, MPI_COMM_WORLD), MPI_SUCCESS);
    for (i = 0; i < 3; i++) /* value 0 is held by rank (size - i) % size */
        ck_assert(pout[i].v == 0.0 && pout[i].i == (size - i) % size);
    PMPI_Type_free(&v);
    PMPI_Type_free(&mixed);
    PMPI_Type_free(&pairs);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
}

START_TEST(test_reduce)
{
    fake_run(3, body_reduce);
}
END_TEST

/* A receive with a derived type whose handle is freed before the message
 * arrives still unpacks with it; a truncated receive reports the error; a
 * buffered send of a derived type carries the packed data. */
static void body_pending_free(int rank, int size)
{
    double a[20], b[20];
    MPI_Datatype v;
    MPI_Request rq;
    MPI_Status st;
    int i, n;

    (void)size;
    init_return();
    ck_assert_int_eq(PMPI_Type_vector(5, 1, 4, MPI_DOUBLE, &v), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Type_commit(&v), MPI_SUCCESS);
    for (i = 0; i < 20; i++) {
        a[i] = i * 1.5;
        b[i] = -1;
    }
    if (rank == 1) {
        ck_assert_int_eq(PMPI_Irecv(b, 1, v, 0, 7, MPI_COMM_WORLD, &rq), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Type_free(&v), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Send(&n, 0, MPI_INT, 0, 1, MPI_COMM_WORLD), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Wait(&rq, &st), MPI_SUCCESS);
        for (i = 0; i < 20; i++)
            ck_assert(b[i] == (i % 4 ? -1 : a[i]));
        ck_assert_int_eq(PMPI_Get_count(&st, MPI_DOUBLE, &n), MPI_SUCCESS);
        ck_assert_int_eq(n, 5);
        ck_assert_int_eq(PMPI_Recv(b, 4, MPI_DOUBLE, 0, 8, MPI_COMM_WORLD, &st), MPI_ERR_TRUNCATE);
        ck_assert_int_eq(PMPI_Recv(b, 20, MPI_DOUBLE, 0, 9, MPI_COMM_WORLD, &st), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Get_count(&st, MPI_DOUBLE, &n), MPI_SUCCESS);
        ck_assert_int_eq(n, 5);
        for (i = 0; i < 5; i++)
            ck_assert(b[i] == a[4 * i]);
    } else {
        static char bsbuf[1024];
        void *det;
        ck_assert_int_eq(PMPI_Recv(&n, 0, MPI_INT, 1, 1, MPI_COMM_WORLD, &st), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Send(a, 1, v, 1, 7, MPI_COMM_WORLD), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Send(a, 1, v, 1, 8, MPI_COMM_WORLD), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Buffer_attach(bsbuf, sizeof(bsbuf)), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Bsend(a, 1, v, 1, 9, MPI_COMM_WORLD), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Buffer_detach(&det, &n), MPI_SUCCESS);
        PMPI_Type_free(&v);
    }
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
}

START_TEST(test_pending_free)
{
    fake_run(2, body_pending_free);
}
END_TEST

static Suite *dtype_suite(void)
{
    Suite *s = suite_create("mpi-dtype");
    TCase *ctor = tcase_create("constructors");
    TCase *pre = tcase_create("predefined");
    TCase *misc = tcase_create("misc");
    TCase *comm = tcase_create("communication");

    tcase_add_test(ctor, test_contiguous);
    tcase_add_test(ctor, test_vector);
    tcase_add_test(ctor, test_hvector);
    tcase_add_test(ctor, test_indexed);
    tcase_add_test(ctor, test_struct);
    tcase_add_test(ctor, test_resized);
    tcase_add_test(ctor, test_subarray_c);
    tcase_add_test(ctor, test_subarray_fortran);
    tcase_add_test(ctor, test_nested);
    tcase_add_test(pre, test_predefined);
    tcase_add_test(pre, test_pairs);
    tcase_add_test(misc, test_errors);
    tcase_add_test(misc, test_elements);
    tcase_add_test(misc, test_contents);
    tcase_add_test(comm, test_reduce);
    tcase_add_test(comm, test_pending_free);
    suite_add_tcase(s, ctor);
    suite_add_tcase(s, pre);
    suite_add_tcase(s, misc);
    suite_add_tcase(s, comm);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dtype_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
