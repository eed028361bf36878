/* topo_graph.c: graph topologies (Graph_create, Graph_map, Graph_get,
 * Graphdims_get, Graph_neighbors_count, Graph_neighbors).
 *
 * Every rank of a graph communicator keeps the whole graph as given
 * (index[] and edges[] of MPI-3.1 7.5.3: the neighbours of node i are
 * edges[index[i-1]..index[i]), with index[-1] = 0), which is what
 * MPI_Graph_get must return. Self loops and repeated edges are allowed, as
 * the standard allows them. Error classes: a node count out of range, a
 * decreasing index, an edge that names no node or an output array too
 * small are MPI_ERR_ARG; a rank out of range MPI_ERR_RANK; a communicator
 * that is not a graph MPI_ERR_TOPOLOGY.
 */
#include <errno.h>
#include <string.h>
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "topo.h"

#pragma weak MPI_Graph_create = PMPI_Graph_create
#pragma weak MPI_Graph_map = PMPI_Graph_map
#pragma weak MPI_Graph_get = PMPI_Graph_get
#pragma weak MPI_Graphdims_get = PMPI_Graphdims_get
#pragma weak MPI_Graph_neighbors_count = PMPI_Graph_neighbors_count
#pragma weak MPI_Graph_neighbors = PMPI_Graph_neighbors

/* Checks a graph description against c. MPI_SUCCESS or MPI_ERR_ARG. */
static int graph_check(const struct mpi_comm *c, int nnodes, const int *index, const int *edges)
{
    int i;

    if (nnodes < 0 || nnodes > c->size || (nnodes > 0 && (!index || !edges)))
        return MPI_ERR_ARG;
    for (i = 0; i < nnodes; i++)
        if (index[i] < (i > 0 ? index[i - 1] : 0))
            return MPI_ERR_ARG;
    for (i = 0; nnodes > 0 && i < index[nnodes - 1]; i++)
        if (edges[i] < 0 || edges[i] >= nnodes)
            return MPI_ERR_ARG;
    return MPI_SUCCESS;
}

/* A graph topology holding copies of index and edges, or NULL. */
static struct mpi_topo *graph_new(int nnodes, const int *index, const int *edges)
{
    struct mpi_topo *t = mpi_topo_new(MPI_GRAPH);

    if (!t)
        return NULL;
    t->nnodes = nnodes;
    t->index = mpi_topo_ints(index, nnodes);
    t->edges = mpi_topo_ints(edges, nnodes > 0 ? index[nnodes - 1] : 0);
    if (!t->index || !t->edges) {
        mpi_topo_free(t);
        return NULL;
    }
    return t;
}

int PMPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[], const int edges[],
                      int reorder, MPI_Comm *comm_graph)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = mpi_enter(&s);

    (void)reorder; /* see mpi_topo_attach */
    if (!err)
        err = mpi_check_comm(s, comm_old, &c);
    if (!err && !comm_graph)
        err = MPI_ERR_ARG;
    if (!err)
        err = graph_check(c, nnodes, index, edges);
    if (!err && !(t = graph_new(nnodes, index, edges)))
        err = -ENOMEM;
    if (!err)
        err = mpi_topo_attach(s, c, nnodes, t, comm_graph);
    return mpi_error(comm_old, err, "MPI_Graph_create");
}

int PMPI_Graph_map(MPI_Comm comm, int nnodes, const int index[], const int edges[], int *newrank)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !newrank)
        err = MPI_ERR_ARG;
    if (!err)
        err = graph_check(c, nnodes, index, edges);
    if (err)
        return mpi_error(comm, err, "MPI_Graph_map");
    *newrank = c->rank < nnodes ? c->rank : MPI_UNDEFINED;
    return MPI_SUCCESS;
}

/* Enter, find comm, and its graph topology. */
static int graph_enter(MPI_Comm comm, struct mpi_comm **c_p, struct mpi_topo **t_p)
{
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, c_p);
    if (!err)
        err = mpi_topo_get(*c_p, MPI_GRAPH, t_p);
    return err;
}

static int nedges_of(const struct mpi_topo *t)
{
    return t->nnodes > 0 ? t->index[t->nnodes - 1] : 0;
}

int PMPI_Graphdims_get(MPI_Comm comm, int *nnodes, int *nedges)
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = graph_enter(comm, &c, &t);

    if (!err && (!nnodes || !nedges))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Graphdims_get");
    *nnodes = t->nnodes;
    *nedges = nedges_of(t);
    return MPI_SUCCESS;
}

int PMPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int index[], int edges[])
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = graph_enter(comm, &c, &t);

    if (!err && (maxindex < t->nnodes || maxedges < nedges_of(t)))
        err = MPI_ERR_ARG;
    if (!err && ((t->nnodes > 0 && !index) || (nedges_of(t) > 0 && !edges)))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Graph_get");
    if (t->nnodes > 0)
        memcpy(index, t->index, sizeof(int) * (size_t)t->nnodes);
    if (nedges_of(t) > 0)
        memcpy(edges, t->edges, sizeof(int) * (size_t)nedges_of(t));
    return MPI_SUCCESS;
}

/* The neighbours of rank r: *first_p is their offset in t->edges. */
static int graph_degree(const struct mpi_topo *t, int r, int *first_p)
{
    *first_p = r > 0 ? t->index[r - 1] : 0;
    return t->index[r] - *first_p;
}

int PMPI_Graph_neighbors_count(MPI_Comm comm, int rank, int *nneighbors)
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int first, err = graph_enter(comm, &c, &t);

    if (!err && (rank < 0 || rank >= t->nnodes))
        err = MPI_ERR_RANK;
    if (!err && !nneighbors)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Graph_neighbors_count");
    *nneighbors = graph_degree(t, rank, &first);
    return MPI_SUCCESS;
}

int PMPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors, int neighbors[])
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int first = 0, n = 0, err = graph_enter(comm, &c, &t);

    if (!err && (rank < 0 || rank >= t->nnodes))
        err = MPI_ERR_RANK;
    if (!err)
        n = graph_degree(t, rank, &first);
    if (!err && (maxneighbors < n || (n > 0 && !neighbors)))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Graph_neighbors");
    if (n > 0)
        memcpy(neighbors, t->edges + first, sizeof(int) * (size_t)n);
    return MPI_SUCCESS;
}
