/* topo.h: virtual topologies (Cartesian, graph, distributed graph), private to mpi/.
 *
 * A topology is a struct mpi_topo hung on the communicator it describes
 * (struct mpi_comm's topo), allocated in rank context like the
 * communicator itself: it sits in the rank's container and moves with it.
 * It is made once by the creating call (topo_cart.c, topo_graph.c,
 * topo_dist_graph.c), copied by MPI_Comm_dup (mpi_topo_dup), and released
 * with the communicator's memory (mpi_topo_free from mpi_comm_destroy).
 * Nothing in it refers to a cluster: neighbours are communicator ranks,
 * which stay valid whatever rank moves where.
 *
 * The neighbourhood collectives (coll/coll_neighbor.c) see a topology only
 * through mpi_topo_neighbors(): the ordered lists of in- and out-neighbours
 * of the calling rank, as MPI-3.1 7.6 defines them for each kind.
 */
#ifndef TOPO_H
#define TOPO_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_rank_state;

struct mpi_topo {
    int kind; /* MPI_CART, MPI_GRAPH or MPI_DIST_GRAPH */
    /* MPI_CART: ndims entries each; this rank's coordinates follow from its
     * rank (row-major), so they are not stored. */
    int ndims;
    int *dims;
    int *periods;
    /* MPI_GRAPH: the whole graph as given to MPI_Graph_create. */
    int nnodes;
    int *index; /* nnodes entries */
    int *edges; /* index[nnodes - 1] entries */
    /* MPI_DIST_GRAPH: this rank's adjacency only. */
    int indegree, outdegree;
    int *sources, *sweights; /* indegree entries each */
    int *dests, *dweights;   /* outdegree entries each */
    int weighted;            /* weights were given (not MPI_UNWEIGHTED) */
};

/* topo_core.c ------------------------------------------------------------- */

/* A zeroed topology of the given kind, or NULL (no memory). */
struct mpi_topo *mpi_topo_new(int kind);

/* A deep copy of t, or NULL (no memory). */
struct mpi_topo *mpi_topo_dup(const struct mpi_topo *t);

/* Releases t (NULL is allowed). */
void mpi_topo_free(struct mpi_topo *t);

/* A copy of n ints of src in a new array (at least one slot), or NULL. */
int *mpi_topo_ints(const int *src, int n);

/* The topology of c when it is of the given kind (0: any kind): sets *t_p
 * and returns MPI_SUCCESS, else MPI_ERR_TOPOLOGY. */
int mpi_topo_get(const struct mpi_comm *c, int kind, struct mpi_topo **t_p);

/* Neighbours of rank `rank` of a communicator of topology t: *in_p holds
 * *nin_p source ranks, *out_p *nout_p destination ranks, in the order MPI
 * defines (MPI_PROC_NULL entries kept: a Cartesian edge). The arrays are
 * new (free them). Returns MPI_SUCCESS or -ENOMEM. */
int mpi_topo_neighbors(const struct mpi_topo *t, int rank, int **in_p, int *nin_p, int **out_p,
                       int *nout_p);

/* Makes the communicator of a new topology: ranks 0..nnodes-1 of c, in the
 * same order (reorder is allowed but never done: a rank's cluster changes
 * as it moves, so no placement is better for long). Collective over c;
 * every rank gets MPI_COMM_NULL in *h_p or the new handle, which owns t
 * (t is freed on failure and at ranks left out). Returns MPI_SUCCESS or < 0. */
int mpi_topo_attach(struct mpi_rank_state *s, struct mpi_comm *c, int nnodes, struct mpi_topo *t,
                    MPI_Comm *h_p);

/* topo_cart.c ------------------------------------------------------------- */

/* Coordinates of `rank` in a Cartesian topology t (row-major). */
void mpi_topo_cart_coords(const struct mpi_topo *t, int rank, int *coords);

/* The rank `disp` steps from `rank` along dimension dir, or MPI_PROC_NULL
 * off a non-periodic edge (a long: -INT_MIN must not overflow). */
int mpi_topo_cart_step(const struct mpi_topo *t, int rank, int dir, long disp);

#pragma GCC visibility pop

#endif /* TOPO_H */
