/* fuzz_rma_wire.c: libFuzzer target for the decoder of RMA requests
 * (mpi/rma/rma_wire.h), the bytes a window's target takes from an origin.
 *
 * Any byte string must be refused (-EPROTO) or decode to a request whose
 * pairs and data lie inside the message, whose block lengths are not
 * negative and whose data length is what its kind needs; the target aborts
 * when an accepted request breaks one of these.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rma_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct mpi_rma_hdr *h;
    const struct mpi_rma_wire_block *b;
    const unsigned char *d;
    int64_t i, item = 0;
    uint64_t aligned[(16384 + 7) / 8]; /* the library decodes malloc'd (aligned) buffers */

    if (size > sizeof(aligned))
        return 0;
    memcpy(aligned, data, size);
    if (mpi_rma_wire_decode(aligned, size, &h, &b, &d) != 0)
        return 0;
    if (mpi_rma_wire_size(h->nblocks, (size_t)h->datalen) != size ||
        d != (const unsigned char *)aligned + size - (size_t)h->datalen)
        abort();
    for (i = 0; i < h->nblocks; i++) {
        if (b[i].len < 0)
            abort();
        item += b[i].len;
    }
    if ((h->kind == MPI_RMA_PUT || h->kind == MPI_RMA_ACC || h->kind == MPI_RMA_GET_ACC) &&
        h->datalen != h->count * item)
        abort();
    if (h->kind == MPI_RMA_CAS && (h->count != 1 || h->datalen != 2 * item))
        abort();
    return 0;
}

size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct mpi_rma_hdr h = {.version = MPI_RMA_WIRE_VERSION,
                            .kind = (uint16_t)(1 + k % MPI_RMA_KIND_MAX),
                            .reply_tag = -1,
                            .addr = 0x10000000u + 8 * k,
                            .extent = 16};
    struct mpi_rma_wire_block blk[2] = {{0, 4}, {8, 4}};
    size_t len;

    if (h.kind <= MPI_RMA_CAS) {
        h.nblocks = h.kind == MPI_RMA_CAS ? 1 : 2;
        h.count = h.kind == MPI_RMA_CAS ? 1 : 1 + k % 5;
    }
    if (h.kind == MPI_RMA_PUT || h.kind == MPI_RMA_ACC || h.kind == MPI_RMA_GET_ACC)
        h.datalen = h.count * 8;
    if (h.kind == MPI_RMA_CAS)
        h.datalen = 8;
    len = mpi_rma_wire_size(h.nblocks, (size_t)h.datalen);
    if (len > max)
        return 0;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), blk, sizeof(blk[0]) * (size_t)h.nblocks);
    memset(buf + len - (size_t)h.datalen, (int)k, (size_t)h.datalen);
    return len;
}
