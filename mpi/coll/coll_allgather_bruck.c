/* coll_allgather_bruck.c: MPI_Allgather by Bruck's algorithm, for small
 * totals on sizes that are not powers of two (see coll_allgather.c).
 *
 * The ring takes size - 1 rounds; recursive doubling needs a power of two.
 * Bruck takes ceil(log2(size)) rounds on any size: blocks are kept in
 * scratch, rotated so that slot i holds the block of rank (rank + i) mod
 * size; in round k each rank sends its first min(2^k, size - 2^k) slots to
 * rank - 2^k and receives as many, from rank + 2^k, behind the ones it has.
 * A last local pass puts slot i at block (rank + i) mod size of recvbuf.
 * Scratch holds packed bytes, so any datatype goes through the same path.
 */
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"

void sched_allgather_bruck(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                           void *recvbuf, int rcount, MPI_Datatype rdt)
{
    int rank = sc->c->rank, size = sc->c->size, have = 1;
    size_t bsz = coll_packed_bytes(rcount, rdt), blk = sched_bytes(rcount, rdt);
    char *rb = recvbuf, *slots = sched_tmp(sc, bsz * (size_t)size);

    if (!slots)
        return;
    if (sendbuf == MPI_IN_PLACE)
        sched_copy_as(sc, rb + rank * blk, rcount, rdt, slots, (int)bsz, MPI_BYTE);
    else
        sched_copy_as(sc, sendbuf, scount, sdt, slots, (int)bsz, MPI_BYTE);
    while (have < size) {
        int n = have < size - have ? have : size - have;
        sched_send(sc, slots, (int)(bsz * (size_t)n), MPI_BYTE, (rank - have + size) % size);
        sched_recv(sc, slots + bsz * (size_t)have, (int)(bsz * (size_t)n), MPI_BYTE,
                   (rank + have) % size);
        sched_round(sc);
        have += n;
    }
    /* slots [0, size - rank) are blocks rank.., the rest blocks 0.. */
    sched_copy_as(sc, slots, (int)(bsz * (size_t)(size - rank)), MPI_BYTE, rb + rank * blk,
                  rcount * (size - rank), rdt);
    sched_copy_as(sc, slots + bsz * (size_t)(size - rank), (int)(bsz * (size_t)rank), MPI_BYTE, rb,
                  rcount * rank, rdt);
}
