/* coll_rs_tree.c: Reduce_scatter by recursive halving (commutative) and by a
 * rank-ordered tree (any operation); see coll_tree.h.
 *
 * Recursive halving: with pof2 the largest power of two <= size and
 * rem = size - pof2, the first 2 * rem ranks pair up (even into odd, the
 * even rank's vector the left operand) so that pof2 survivors remain; the
 * survivor of new rank i owns the blocks of the real ranks it stands for.
 * At distance pof2/2, pof2/4, ... 1 partners swap the half of their current
 * range of owners that the other keeps and fold in what they receive, so
 * each rank sends about (pof2 - 1) / pof2 of the vector in log2(pof2)
 * rounds; finally the odd ranks hand their even partner its block. Every
 * element is combined at one rank only, so a result does not depend on who
 * reads it.
 *
 * Non-commutative operations keep the rank order: the vector is reduced to
 * rank 0 along coll_reduce.c's rank-ordered binomial tree (each partial
 * result covers a contiguous run of ranks, lower op higher), then rank 0
 * scatters the blocks down the binomial tree rooted at 0, whose subtrees
 * [r, r + lowbit(r)) are contiguous runs of blocks of the vector: log2(size)
 * rounds instead of size - 1 sends from rank 0.
 */
#include <errno.h>
#include <stdlib.h>
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"

/* Item offsets of the blocks: off[i] is the first item of rank i's block,
 * off[size] the total. NULL (sc->err set) without memory. */
static int *block_offsets(struct mpi_sched *sc, const int *counts, int count)
{
    int size = sc->c->size, i, *off = sched_tmp(sc, sizeof(int) * (size_t)(size + 1));

    if (!off)
        return NULL;
    for (off[0] = 0, i = 0; i < size; i++)
        off[i + 1] = off[i] + (counts ? counts[i] : count);
    return off;
}

/* First item owned by survivor i (i == pof2: the end of the vector). */
static int owned_from(const int *off, int i, int rem, int pof2)
{
    if (i == pof2)
        return off[pof2 + rem];
    return off[i < rem ? 2 * i : i + rem];
}

void sched_rs_halving(struct mpi_sched *sc, const void *src, void *recvbuf, const int *counts,
                      int count, int total, MPI_Datatype dt, MPI_Op op)
{
    int rank = sc->c->rank, size = sc->c->size, pof2 = 1, rem, newrank, mask, lo = 0, hi;
    size_t ext = sched_extent(dt);
    int *off = block_offsets(sc, counts, count);
    char *acc = sched_tmp(sc, sched_bytes(total, dt)), *tmp = sched_tmp(sc, sched_bytes(total, dt));

    if (!off || !acc || !tmp)
        return;
    while (pof2 * 2 <= size)
        pof2 *= 2;
    rem = size - pof2;
    hi = pof2;
    sched_copy(sc, src, acc, total, dt);
    if (rank < 2 * rem && rank % 2 == 0) {
        sched_send(sc, acc, total, dt, rank + 1);
        newrank = -1;
    } else if (rank < 2 * rem) {
        sched_recv(sc, tmp, total, dt, rank - 1);
        sched_round(sc);
        sched_reduce(sc, tmp, acc, total, dt, op); /* rank - 1's vector on the left */
        newrank = rank / 2;
    } else {
        newrank = rank - rem;
    }
    sched_round(sc);
    for (mask = pof2 / 2; newrank >= 0 && mask > 0; mask >>= 1) {
        int peer = coll_survivor(newrank ^ mask, rem), slo, shi;

        coll_halve(newrank, mask, &lo, &hi, &slo, &shi); /* keep this rank's owners */
        int s0 = owned_from(off, slo, rem, pof2), s1 = owned_from(off, shi, rem, pof2);
        int k0 = owned_from(off, lo, rem, pof2), k1 = owned_from(off, hi, rem, pof2);
        sched_send(sc, acc + (size_t)s0 * ext, s1 - s0, dt, peer);
        sched_recv(sc, tmp + (size_t)k0 * ext, k1 - k0, dt, peer);
        sched_round(sc);
        sched_reduce(sc, tmp + (size_t)k0 * ext, acc + (size_t)k0 * ext, k1 - k0, dt, op);
    }
    if (rank < 2 * rem && rank % 2) /* the even partner's block */
        sched_send(sc, acc + (size_t)off[rank - 1] * ext, off[rank] - off[rank - 1], dt, rank - 1);
    if (rank < 2 * rem && rank % 2 == 0)
        sched_recv(sc, recvbuf, off[rank + 1] - off[rank], dt, rank + 1);
    else
        sched_copy(sc, acc + (size_t)off[rank] * ext, recvbuf, off[rank + 1] - off[rank], dt);
    sched_round(sc);
}

void sched_rs_tree(struct mpi_sched *sc, const void *src, void *recvbuf, const int *counts,
                   int count, int total, MPI_Datatype dt, MPI_Op op)
{
    int rank = sc->c->rank, size = sc->c->size, low = 1, m, hi;
    size_t ext = sched_extent(dt);
    int *off = block_offsets(sc, counts, count);
    char *all = rank == 0 ? sched_tmp(sc, sched_bytes(total, dt)) : NULL, *run;

    if (!off || (rank == 0 && !all))
        return;
    sched_reduce_tree(sc, src, all, total, dt, op, 0);
    sched_round(sc);
    if (rank == 0) {
        while (low < size)
            low <<= 1;
        run = all;
    } else {
        while (!(rank & low))
            low <<= 1;
    }
    hi = rank + low < size ? rank + low : size;
    if (rank && (low == 1 || rank + 1 >= size)) { /* a leaf: its block alone */
        sched_recv(sc, recvbuf, off[rank + 1] - off[rank], dt, rank - low);
        sched_round(sc);
        return;
    }
    if (rank) {
        if (!(run = sched_tmp(sc, sched_bytes(off[hi] - off[rank], dt))))
            return;
        sched_recv(sc, run, off[hi] - off[rank], dt, rank - low);
        sched_round(sc);
    }
    for (m = low >> 1; m > 0; m >>= 1) { /* largest subtree first */
        if (rank + m >= size)
            continue;
        int end = rank + 2 * m < hi ? rank + 2 * m : hi;
        sched_send(sc, run + (size_t)(off[rank + m] - off[rank]) * ext, off[end] - off[rank + m],
                   dt, rank + m);
    }
    sched_copy(sc, run, recvbuf, off[rank + 1] - off[rank], dt);
    sched_round(sc);
}
