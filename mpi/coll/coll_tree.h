/* coll_tree.h: tree and halving algorithms of the rooted and reduce-scatter
 * collectives, and the rules that choose them (private to coll/).
 *
 * Binomial trees number ranks relative to the root (rel = rank - root mod
 * size). The subtree of rel is the run [rel, rel + lowbit(rel)) clipped to
 * size (the root's is everything), so a subtree's blocks are one contiguous
 * run in relative order; in real ranks it wraps at most once, past size - 1.
 * Blocks travel packed (MPI_BYTE) between inner ranks; leaves send from and
 * receive into the user's buffer with the user's datatype, and the root
 * moves the runs that do not wrap straight in and out of its buffer. Every
 * rank takes the same path: the choice depends only on the block's packed
 * length (equal at every rank for matching type signatures) and the size.
 */
#ifndef COLL_TREE_H
#define COLL_TREE_H

#include <stddef.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_sched;

/* Recursive halving over pof2 survivors (rem ranks folded in first, as
 * Rabenseifner's allreduce and the halving reduce-scatter do):
 * coll_survivor is the real rank survivor newrank stands for;
 * coll_halve splits the survivors' range [*lo, *hi) at mask: newrank keeps
 * its half, and [*slo, *shi) is the half it sends away. */
static inline int coll_survivor(int newrank, int rem)
{
    return newrank < rem ? newrank * 2 + 1 : newrank + rem;
}

static inline void coll_halve(int newrank, int mask, int *lo, int *hi, int *slo, int *shi)
{
    if (newrank & mask) { /* keep the upper half */
        *slo = *lo;
        *shi = *lo + mask;
        *lo += mask;
    } else {
        *slo = *lo + mask;
        *shi = *hi;
        *hi = *lo + mask;
    }
}

/* Packed bytes of count items of dt (count * type size; 0 for an invalid type). */
size_t coll_packed_bytes(int count, MPI_Datatype dt);

/* Non-zero when a Gather/Scatter of blocks of bsz packed bytes over size
 * ranks goes down the binomial tree (else linear, coll_gather.c). */
int coll_tree_fits(size_t bsz, int size);

/* Binomial Gather and Scatter (one count per rank), MPI_IN_PLACE at the root. */
void sched_gather_tree(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                       void *recvbuf, int rcount, MPI_Datatype rdt, int root);
void sched_scatter_tree(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                        void *recvbuf, int rcount, MPI_Datatype rdt, int root);

/* Reduce-scatter of the vector at src (total items, block i of counts[i]
 * items, or `count` each when counts is NULL) into recvbuf.
 * sched_rs_halving: recursive halving, commutative operations only.
 * sched_rs_tree: the rank-ordered reduction tree to rank 0 then a binomial
 * scatter of the blocks; keeps the rank order of non-commutative ones. */
void sched_rs_halving(struct mpi_sched *sc, const void *src, void *recvbuf, const int *counts,
                      int count, int total, MPI_Datatype dt, MPI_Op op);
void sched_rs_tree(struct mpi_sched *sc, const void *src, void *recvbuf, const int *counts,
                   int count, int total, MPI_Datatype dt, MPI_Op op);

/* coll_reduce_large.c: Reduce as recursive-halving reduce-scatter then a
 * gather to the root, for large vectors of commutative operations
 * (coll_reduce_large_fits: the same answer on every rank). */
int coll_reduce_large_fits(const struct mpi_comm *c, int count, MPI_Datatype dt, MPI_Op op);
void sched_reduce_large(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                        MPI_Datatype dt, MPI_Op op, int root);

/* coll_allgather_bruck.c: Allgather in ceil(log2(size)) rounds on any size
 * (blocks through packed scratch), MPI_IN_PLACE as the standard allows. */
void sched_allgather_bruck(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                           void *recvbuf, int rcount, MPI_Datatype rdt);

#pragma GCC visibility pop

#endif /* COLL_TREE_H */
