/* dtype_external.c: the "external32" data representation (MPI 13.5.2):
 * MPI_Pack_external, MPI_Unpack_external, MPI_Pack_external_size.
 *
 * external32 is big-endian, IEEE, with fixed sizes that differ from this
 * platform's for some types: MPI_LONG and MPI_UNSIGNED_LONG are 4 bytes
 * (native 8), MPI_WCHAR 2 (native 4), MPI_LONG_DOUBLE a 16-byte IEEE quad
 * (native: x87 80-bit extended in 16 bytes), C booleans one byte holding 0
 * or 1. Every block of a flattened type map knows its predefined element
 * type (dtype.h), so packing walks the blocks element by element and
 * converts each. A value that does not fit its external size (a long above
 * 2^31) is cut to its low bytes, as MPICH does.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Pack_external = PMPI_Pack_external
#pragma weak MPI_Unpack_external = PMPI_Unpack_external
#pragma weak MPI_Pack_external_size = PMPI_Pack_external_size

/* How one element converts: `parts` values (2 for complex types) of
 * `native` bytes each in memory and `ext` bytes each in external32. */
enum ext_kind { EXT_SWAP, EXT_SINT, EXT_UINT, EXT_BOOL, EXT_LDOUBLE };

struct ext_conv {
    int parts, native, ext, kind;
};

static struct ext_conv ext_conv(MPI_Datatype basic, MPI_Aint esize)
{
    switch (basic) {
    case MPI_LONG:
        return (struct ext_conv){1, 8, 4, EXT_SINT};
    case MPI_UNSIGNED_LONG:
        return (struct ext_conv){1, 8, 4, EXT_UINT};
    case MPI_WCHAR:
        return (struct ext_conv){1, 4, 2, EXT_UINT};
    case MPI_C_BOOL:
    case MPI_CXX_BOOL:
        return (struct ext_conv){1, 1, 1, EXT_BOOL};
    case MPI_LONG_DOUBLE:
        return (struct ext_conv){1, 16, 16, EXT_LDOUBLE};
    case MPI_C_LONG_DOUBLE_COMPLEX:
    case MPI_CXX_LONG_DOUBLE_COMPLEX:
        return (struct ext_conv){2, 16, 16, EXT_LDOUBLE};
    case MPI_COMPLEX:
    case MPI_DOUBLE_COMPLEX:
    case MPI_COMPLEX8:
    case MPI_COMPLEX16:
    case MPI_COMPLEX32:
    case MPI_C_FLOAT_COMPLEX:
    case MPI_C_DOUBLE_COMPLEX:
    case MPI_CXX_FLOAT_COMPLEX:
    case MPI_CXX_DOUBLE_COMPLEX:
        return (struct ext_conv){2, (int)esize / 2, (int)esize / 2, EXT_SWAP};
    default:
        return (struct ext_conv){1, (int)esize, (int)esize, EXT_SWAP};
    }
}

/* Big-endian bytes of the n-byte native value at p (n <= 16). */
static void swap_out(unsigned char *o, const unsigned char *p, int n)
{
    for (int i = 0; i < n; i++)
        o[i] = p[n - 1 - i];
}

/* x87 extended (little-endian: 8 bytes of mantissa with its explicit
 * integer bit, then sign and 15-bit exponent) to IEEE binary128 (the same
 * sign and exponent bias, 112-bit fraction without the integer bit), big
 * endian. */
static void ldouble_out(unsigned char *o, const unsigned char *p)
{
    uint64_t mant;
    uint16_t se;

    memcpy(&mant, p, 8);
    memcpy(&se, p + 8, 2);
    memset(o, 0, 16);
    o[0] = (unsigned char)(se >> 8);
    o[1] = (unsigned char)se;
    mant <<= 1; /* drop the integer bit: the 63-bit fraction on top */
    for (int i = 0; i < 8; i++)
        o[2 + i] = (unsigned char)(mant >> (56 - 8 * i));
}

static void ldouble_in(unsigned char *p, const unsigned char *o)
{
    uint64_t mant = 0;
    uint16_t se = (uint16_t)(o[0] << 8 | o[1]);

    for (int i = 0; i < 8; i++)
        mant |= (uint64_t)o[2 + i] << (56 - 8 * i);
    mant >>= 1;
    if (se & 0x7fff) /* normal numbers (and infinities) have the integer bit */
        mant |= (uint64_t)1 << 63;
    memset(p, 0, 16);
    memcpy(p, &mant, 8);
    memcpy(p + 8, &se, 2);
}

/* One part of an element: native at p to external at o, or back. */
static void part_out(unsigned char *o, const unsigned char *p, const struct ext_conv *c)
{
    switch (c->kind) {
    case EXT_BOOL:
        o[0] = p[0] != 0;
        break;
    case EXT_LDOUBLE:
        ldouble_out(o, p);
        break;
    default: /* SWAP, and SINT/UINT: the low ext bytes (little-endian first) */
        swap_out(o, p, c->ext);
        break;
    }
}

static void part_in(unsigned char *p, const unsigned char *o, const struct ext_conv *c)
{
    switch (c->kind) {
    case EXT_BOOL:
        p[0] = o[0] != 0;
        break;
    case EXT_LDOUBLE:
        ldouble_in(p, o);
        break;
    default:
        swap_out(p, o, c->ext); /* reversing is its own inverse */
        if (c->native > c->ext) /* widen: sign or zero extension */
            memset(p + c->ext, c->kind == EXT_SINT && (o[0] & 0x80) ? 0xff : 0,
                   (size_t)(c->native - c->ext));
        break;
    }
}

/* external32 bytes of one item of t. */
static MPI_Count ext_item_size(const struct mpi_dtype *t)
{
    MPI_Count n = 0;

    for (MPI_Aint i = 0; i < t->nblocks; i++) {
        const struct mpi_dtype_block *b = &t->blocks[i];
        struct ext_conv c = ext_conv(b->basic, b->esize);
        n += b->len / b->esize * c.parts * c.ext;
    }
    return n;
}

/* Converts count items of t between buf (native) and ext (external32). */
static void ext_walk(const struct mpi_dtype *t, char *buf, MPI_Count count, unsigned char *ext,
                     int out)
{
    MPI_Aint extent = t->ub - t->lb;

    for (MPI_Count k = 0; k < count; k++, buf += extent)
        for (MPI_Aint i = 0; i < t->nblocks; i++) {
            const struct mpi_dtype_block *b = &t->blocks[i];
            struct ext_conv c = ext_conv(b->basic, b->esize);
            unsigned char *p = (unsigned char *)buf + b->off;
            for (MPI_Aint n = b->len / c.native; n > 0; n--, p += c.native, ext += c.ext) {
                if (out)
                    part_out(ext, p, &c);
                else
                    part_in(p, ext, &c);
            }
        }
}

/* Checks shared by the three calls: datarep, count, type. */
static int ext_check(const char *datarep, int count, MPI_Datatype dt, struct mpi_dtype *tmp,
                     const struct mpi_dtype **t_p)
{
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && (!datarep || strcmp(datarep, "external32") != 0))
        err = MPI_ERR_ARG; /* the one representation MPI defines */
    if (!err && count < 0)
        err = MPI_ERR_COUNT;
    if (!err)
        err = mpi_dtype_check_comm(s, dt, tmp, t_p);
    return err;
}

int PMPI_Pack_external_size(const char *datarep, int incount, MPI_Datatype datatype, MPI_Aint *size)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    int err = ext_check(datarep, incount, datatype, &tmp, &t);

    if (!err && !size)
        err = MPI_ERR_ARG;
    if (!err)
        *size = (MPI_Aint)(incount * ext_item_size(t));
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Pack_external_size");
}

int PMPI_Pack_external(const char *datarep, const void *inbuf, int incount, MPI_Datatype datatype,
                       void *outbuf, MPI_Aint outsize, MPI_Aint *position)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    MPI_Count n = 0;
    int err = ext_check(datarep, incount, datatype, &tmp, &t);

    if (!err && (!position || *position < 0 || outsize < 0))
        err = MPI_ERR_ARG;
    if (!err && (n = incount * ext_item_size(t)) > 0 && (!inbuf || !outbuf))
        err = MPI_ERR_BUFFER;
    if (!err && n > outsize - *position)
        err = MPI_ERR_TRUNCATE;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Pack_external");
    ext_walk(t, (char *)inbuf, incount, (unsigned char *)outbuf + *position, 1);
    *position += (MPI_Aint)n;
    return MPI_SUCCESS;
}

int PMPI_Unpack_external(const char datarep[], const void *inbuf, MPI_Aint insize,
                         MPI_Aint *position, void *outbuf, int outcount, MPI_Datatype datatype)
{
    MPI_THREAD_GUARD();
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    MPI_Count n = 0;
    int err = ext_check(datarep, outcount, datatype, &tmp, &t);

    if (!err && (!position || *position < 0 || insize < 0))
        err = MPI_ERR_ARG;
    if (!err && (n = outcount * ext_item_size(t)) > 0 && (!inbuf || !outbuf))
        err = MPI_ERR_BUFFER;
    if (!err && n > insize - *position)
        err = MPI_ERR_TRUNCATE;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Unpack_external");
    ext_walk(t, outbuf, outcount, (unsigned char *)inbuf + *position, 0);
    *position += (MPI_Aint)n;
    return MPI_SUCCESS;
}
