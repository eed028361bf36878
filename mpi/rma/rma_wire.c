/* rma_wire.c: checking an RMA request before the target trusts it.
 *
 * The checks keep every later loop inside the message: the pairs and the
 * data lie within its length, block lengths are not negative, and the data
 * of a Put or an accumulate is exactly count items of the type map (a Get
 * carries none, a Compare_and_swap two elements of one block).
 */
#include <errno.h>
#include <string.h>
#include "rma_wire.h"

size_t mpi_rma_wire_size(int64_t nblocks, size_t datalen)
{
    return sizeof(struct mpi_rma_hdr) + (size_t)nblocks * sizeof(struct mpi_rma_wire_block) +
           datalen;
}

/* Bytes of data one item of the type map covers, or -1 when a length is
 * negative or the sum overflows. */
static int64_t wire_item_bytes(const struct mpi_rma_wire_block *b, int64_t n)
{
    int64_t sum = 0, i;

    for (i = 0; i < n; i++) {
        if (b[i].len < 0 || b[i].len > INT64_MAX - sum)
            return -1;
        sum += b[i].len;
    }
    return sum;
}

/* Data bytes a request of kind must carry for count items of item bytes,
 * or -1 when any length will do (notices carry none). */
static int wire_data_ok(const struct mpi_rma_hdr *h, int64_t item)
{
    switch (h->kind) {
    case MPI_RMA_PUT:
    case MPI_RMA_ACC:
    case MPI_RMA_GET_ACC:
        if (item == 0)
            return h->datalen == 0;
        return h->count <= INT64_MAX / item && h->datalen == h->count * item;
    case MPI_RMA_CAS:
        return h->count == 1 && h->datalen == 2 * item;
    default:
        return h->datalen == 0;
    }
}

int mpi_rma_wire_decode(const void *msg, size_t len, const struct mpi_rma_hdr **h_p,
                        const struct mpi_rma_wire_block **b_p, const unsigned char **data_p)
{
    const struct mpi_rma_hdr *h = msg;
    const unsigned char *p = msg;
    size_t room;
    int64_t item;

    if (len < sizeof(*h) || h->version != MPI_RMA_WIRE_VERSION || h->kind < MPI_RMA_PUT ||
        h->kind > MPI_RMA_KIND_MAX)
        return -EPROTO;
    room = len - sizeof(*h);
    if (h->nblocks < 0 || h->count < 0 || h->datalen < 0 ||
        (uint64_t)h->nblocks > room / sizeof(struct mpi_rma_wire_block))
        return -EPROTO;
    room -= (size_t)h->nblocks * sizeof(struct mpi_rma_wire_block);
    if ((uint64_t)h->datalen != room)
        return -EPROTO;
    item = wire_item_bytes((const void *)(p + sizeof(*h)), h->nblocks);
    if (item < 0 || !wire_data_ok(h, item))
        return -EPROTO;
    *h_p = h;
    *b_p = (const void *)(p + sizeof(*h));
    *data_p = p + len - room;
    return 0;
}
