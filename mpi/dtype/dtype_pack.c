/* dtype_pack.c: packing and unpacking by flattened type map; MPI_Pack,
 * MPI_Unpack, MPI_Pack_size.
 *
 * The packed form of count items is the concatenation of their blocks in
 * type-map order, no header and no padding, so it is also what travels on
 * the wire and what Get_count divides by the type's size. Contiguous data is
 * one memcpy; otherwise one memcpy per block, with the common 4/8/16-byte
 * blocks copied by constant-size moves the compiler inlines.
 */
#include <limits.h>
#include <string.h>
#include "dtype.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Pack = PMPI_Pack
#pragma weak MPI_Unpack = PMPI_Unpack
#pragma weak MPI_Pack_size = PMPI_Pack_size

static inline void copy_block(void *dst, const void *src, MPI_Aint n)
{
    switch (n) {
    case 4:
        memcpy(dst, src, 4);
        break;
    case 8:
        memcpy(dst, src, 8);
        break;
    case 16:
        memcpy(dst, src, 16);
        break;
    default:
        memcpy(dst, src, (size_t)n);
    }
}

void mpi_dtype_pack(const struct mpi_dtype *t, const void *buf, MPI_Count count, void *out)
{
    const char *item = (const char *)buf;
    char *o = out;
    MPI_Aint ext = t->ub - t->lb, i;
    MPI_Count k;

    if (mpi_dtype_contig(t, count)) {
        if (count > 0 && t->size > 0)
            memcpy(o, item + t->true_lb, (size_t)(count * t->size));
        return;
    }
    for (k = 0; k < count; k++, item += ext)
        for (i = 0; i < t->nblocks; i++) {
            copy_block(o, item + t->blocks[i].off, t->blocks[i].len);
            o += t->blocks[i].len;
        }
}

void mpi_dtype_unpack(const struct mpi_dtype *t, const void *in, MPI_Count bytes, void *buf,
                      MPI_Count count)
{
    const char *p = in;
    char *item = buf;
    MPI_Aint ext = t->ub - t->lb, i;
    MPI_Count k, full;

    if (t->size == 0)
        return;
    if (bytes > count * t->size)
        bytes = count * t->size;
    if (mpi_dtype_contig(t, count)) {
        memcpy(item + t->true_lb, p, (size_t)bytes);
        return;
    }
    full = bytes / t->size;
    for (k = 0; k < full; k++, item += ext)
        for (i = 0; i < t->nblocks; i++) {
            copy_block(item + t->blocks[i].off, p, t->blocks[i].len);
            p += t->blocks[i].len;
        }
    bytes -= full * t->size; /* a partial last item: its first blocks */
    for (i = 0; i < t->nblocks && bytes > 0; i++) {
        MPI_Aint n = bytes < t->blocks[i].len ? (MPI_Aint)bytes : t->blocks[i].len;
        memcpy(item + t->blocks[i].off, p, (size_t)n);
        p += n;
        bytes -= n;
    }
}

/* Checks shared by Pack and Unpack: comm, count, committed type, position,
 * and room in the packed buffer of psize bytes. */
static int pack_check(struct mpi_rank_state **s_p, MPI_Comm comm, int count, MPI_Datatype dt,
                      const void *ubuf, const void *pbuf, int psize, const int *position,
                      struct mpi_dtype *tmp, const struct mpi_dtype **t_p)
{
    struct mpi_comm *c;
    int err = mpi_enter(s_p);

    if (!err)
        err = mpi_check_comm(*s_p, comm, &c);
    if (!err)
        err = mpi_check_count(count);
    if (!err)
        err = mpi_dtype_check_comm(*s_p, dt, tmp, t_p);
    if (!err && (!position || psize < 0 || *position < 0))
        err = MPI_ERR_ARG;
    if (!err && count > 0 && (*t_p)->size > 0 && (!ubuf || !pbuf))
        err = MPI_ERR_BUFFER;
    if (!err && (MPI_Count)count * (*t_p)->size > (MPI_Count)psize - *position)
        err = MPI_ERR_TRUNCATE; /* the packed buffer cannot hold count items */
    return err;
}

int PMPI_Pack(const void *inbuf, int incount, MPI_Datatype datatype, void *outbuf, int outsize,
              int *position, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    int err = pack_check(&s, comm, incount, datatype, inbuf, outbuf, outsize, position, &tmp, &t);

    if (err)
        return mpi_error(comm, err, "MPI_Pack");
    mpi_dtype_pack(t, inbuf, incount, (char *)outbuf + *position);
    *position += (int)(incount * t->size);
    return MPI_SUCCESS;
}

int PMPI_Unpack(const void *inbuf, int insize, int *position, void *outbuf, int outcount,
                MPI_Datatype datatype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    int err = pack_check(&s, comm, outcount, datatype, outbuf, inbuf, insize, position, &tmp, &t);

    if (err)
        return mpi_error(comm, err, "MPI_Unpack");
    mpi_dtype_unpack(t, (const char *)inbuf + *position, outcount * t->size, outbuf, outcount);
    *position += (int)(outcount * t->size);
    return MPI_SUCCESS;
}

int PMPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int *size)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err)
        err = mpi_check_count(incount);
    if (!err)
        err = mpi_dtype_check_comm(s, datatype, &tmp, &t);
    if (!err && !size)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Pack_size");
    if ((MPI_Count)incount * t->size > INT_MAX)
        return mpi_error(comm, MPI_ERR_COUNT, "MPI_Pack_size");
    *size = (int)(incount * t->size);
    return MPI_SUCCESS;
}
