/* rma_wire.h: the message of one RMA request, as the origin sends it.
 *
 * A request is one comm-virt message on the window's point-to-point context:
 * a struct mpi_rma_hdr, then nblocks (offset, length) pairs (the target
 * datatype's type map for one item), then datalen bytes of packed data (the
 * origin's data in type-map order; for Compare_and_swap the new value, then
 * the compare value). Replies carry raw packed bytes only, on the reply
 * context (rma.h), so they need no header. All fields are little-endian
 * host integers: every cluster of a job runs on the same kind of host.
 * mpi_rma_wire_decode() checks a message before anything of it is used.
 */
#ifndef RMA_WIRE_H
#define RMA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

#define MPI_RMA_WIRE_VERSION 1

enum mpi_rma_kind {
    MPI_RMA_PUT = 1,  /* write data at addr */
    MPI_RMA_GET,      /* reply with the data at addr */
    MPI_RMA_ACC,      /* addr = data op addr, per element */
    MPI_RMA_GET_ACC,  /* reply with the data at addr, then ACC */
    MPI_RMA_CAS,      /* reply with the element; if it equals the compare value, write */
    MPI_RMA_FLUSH,    /* ack once everything sent before is applied */
    MPI_RMA_LOCK,     /* ack once the lock (lock_type) is granted */
    MPI_RMA_UNLOCK,   /* release the lock, then ack */
    MPI_RMA_POST,     /* MPI_Win_post: the sender exposes its window to us */
    MPI_RMA_COMPLETE, /* MPI_Win_complete: the sender's access epoch ended */
    MPI_RMA_KIND_MAX = MPI_RMA_COMPLETE
};

struct mpi_rma_hdr {
    uint16_t version;  /* MPI_RMA_WIRE_VERSION */
    uint16_t kind;     /* enum mpi_rma_kind */
    int32_t reply_tag; /* tag of the reply on the reply context, or -1 */
    uint64_t addr;     /* target address of item 0 (base + disp * disp_unit) */
    int64_t count;     /* items of the target type */
    int64_t extent;    /* extent of the target type (item k is at addr + k * extent) */
    int64_t nblocks;   /* (offset, length) pairs after the header */
    int64_t datalen;   /* bytes of data after the pairs */
    int32_t basic;     /* predefined element type of accumulates */
    int32_t op;        /* MPI_Op of accumulates */
    int32_t lock_type; /* MPI_LOCK_SHARED or MPI_LOCK_EXCLUSIVE (LOCK, UNLOCK) */
    int32_t reserved;  /* 0 */
};

struct mpi_rma_wire_block {
    int64_t off; /* from the item's address */
    int64_t len; /* bytes */
};

/* Bytes of a message with nblocks pairs and datalen bytes of data. */
size_t mpi_rma_wire_size(int64_t nblocks, size_t datalen);

/* Checks the len bytes at msg and points *h_p, *b_p, *data_p into them.
 * Returns 0, or -EPROTO when the message is short, of another version or
 * kind, or its counts disagree with its length or with each other. */
int mpi_rma_wire_decode(const void *msg, size_t len, const struct mpi_rma_hdr **h_p,
                        const struct mpi_rma_wire_block **b_p, const unsigned char **data_p);

#pragma GCC visibility pop

#endif /* RMA_WIRE_H */
