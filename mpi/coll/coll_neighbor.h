/* coll_neighbor.h: neighbourhood collectives, private to coll/.
 *
 * Every neighbourhood collective (MPI-3.1 7.6), blocking or not, is one
 * schedule of a single round: a receive from each in-neighbour into its
 * block, then a send of its block to each out-neighbour, all posted at
 * once. The neighbours and their order come from the communicator's
 * topology (topo.h); an MPI_PROC_NULL neighbour (the edge of a non-periodic
 * grid) moves nothing and leaves its receive block untouched. Two messages
 * between the same pair in one call carry the same tag and match in the
 * order they were posted; on a Cartesian grid the sends are ordered so
 * that the block of the neighbour at -1 receives what it sent towards +1
 * (coll_neighbor.c), as MPI-4.0 and MPICH do. A call describes each side, sends
 * and receives, with a struct nbr_side; the variants differ only in how
 * they fill it.
 */
#ifndef COLL_NEIGHBOR_H
#define COLL_NEIGHBOR_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_sched;

/* One side of a neighbourhood exchange: block i of the side is counts[i]
 * (or count) items of types[i] (or type) at byte displacement bdispls[i],
 * or displs[i] extents of type, or i * count extents when neither is given;
 * `same` (the send side of allgather) makes every block the first one. */
enum nbr_form { NBR_UNIFORM, NBR_V, NBR_W };

struct nbr_side {
    int form; /* enum nbr_form: which fields the caller gave */
    const void *buf;
    int count;
    MPI_Datatype type;
    const int *counts;         /* NULL: count for every block */
    const int *displs;         /* NULL: consecutive blocks */
    const MPI_Aint *bdispls;   /* alltoallw: byte displacements */
    const MPI_Datatype *types; /* alltoallw: one type per block */
    int same;                  /* every block is the buffer itself */
};

/* Checks the call on c (a topology: MPI_ERR_TOPOLOGY; each side's arrays,
 * counts, types and buffers) and builds its schedule in *sc_p. Returns
 * MPI_SUCCESS, an MPI error class, or < 0 (no memory). */
int nbr_sched(struct mpi_comm *c, const struct nbr_side *snd, const struct nbr_side *rcv,
              struct mpi_sched **sc_p);

#pragma GCC visibility pop

#endif /* COLL_NEIGHBOR_H */
