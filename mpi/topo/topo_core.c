/* topo_core.c: the topology object: making, copying, freeing, attaching it
 * to a new communicator, and the neighbour lists (MPI_Topo_test too).
 *
 * A topology owns plain int arrays, each allocated apart (NULL when its
 * kind does not use it), so a copy is a copy of each array and freeing
 * frees each. The neighbour lists are computed on demand from the stored
 * description, never cached: a topology is small and its lists are only
 * needed when a neighbourhood collective is built.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "topo.h"

#pragma weak MPI_Topo_test = PMPI_Topo_test

struct mpi_topo *mpi_topo_new(int kind)
{
    struct mpi_topo *t = calloc(1, sizeof(*t));

    if (t)
        t->kind = kind;
    return t;
}

int *mpi_topo_ints(const int *src, int n)
{
    int *a = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));

    if (a && n > 0)
        memcpy(a, src, sizeof(int) * (size_t)n);
    return a;
}

void mpi_topo_free(struct mpi_topo *t)
{
    if (!t)
        return;
    free(t->dims);
    free(t->periods);
    free(t->index);
    free(t->edges);
    free(t->sources);
    free(t->sweights);
    free(t->dests);
    free(t->dweights);
    free(t);
}

/* Replaces *a (n ints) by a copy of it (NULL stays NULL); 0, or -ENOMEM
 * with *a NULL. */
static int dup_array(int **a, int n)
{
    if (*a && !(*a = mpi_topo_ints(*a, n)))
        return -ENOMEM;
    return 0;
}

struct mpi_topo *mpi_topo_dup(const struct mpi_topo *t)
{
    struct mpi_topo *n = malloc(sizeof(*n));
    int nedges = t->kind == MPI_GRAPH && t->nnodes > 0 ? t->index[t->nnodes - 1] : 0;
    int err = 0;

    if (!n)
        return NULL;
    *n = *t; /* then each array pointer is replaced by a copy, or NULL */
    err |= dup_array(&n->dims, t->ndims);
    err |= dup_array(&n->periods, t->ndims);
    err |= dup_array(&n->index, t->nnodes);
    err |= dup_array(&n->edges, nedges);
    err |= dup_array(&n->sources, t->indegree);
    err |= dup_array(&n->sweights, t->indegree);
    err |= dup_array(&n->dests, t->outdegree);
    err |= dup_array(&n->dweights, t->outdegree);
    if (err) {
        mpi_topo_free(n);
        return NULL;
    }
    return n;
}

int mpi_topo_get(const struct mpi_comm *c, int kind, struct mpi_topo **t_p)
{
    if (!c->topo || (kind && c->topo->kind != kind))
        return MPI_ERR_TOPOLOGY;
    *t_p = c->topo;
    return MPI_SUCCESS;
}

/* Cartesian: for each dimension, the neighbour at -1 then the one at +1,
 * as both sources and destinations. */
static int cart_neighbors(const struct mpi_topo *t, int rank, int *list)
{
    int d;

    for (d = 0; d < t->ndims; d++) {
        list[2 * d] = mpi_topo_cart_step(t, rank, d, -1);
        list[2 * d + 1] = mpi_topo_cart_step(t, rank, d, 1);
    }
    return 2 * t->ndims;
}

/* Graph: the edges of `rank`, as both sources and destinations. */
static int graph_neighbors(const struct mpi_topo *t, int rank, int *list)
{
    int first = rank > 0 ? t->index[rank - 1] : 0, n = t->index[rank] - first;

    memcpy(list, t->edges + first, sizeof(int) * (size_t)n);
    return n;
}

/* Number of neighbours `rank` has in either direction (symmetric kinds). */
static int symmetric_degree(const struct mpi_topo *t, int rank)
{
    if (t->kind == MPI_CART)
        return 2 * t->ndims;
    return t->index[rank] - (rank > 0 ? t->index[rank - 1] : 0);
}

int mpi_topo_neighbors(const struct mpi_topo *t, int rank, int **in_p, int *nin_p, int **out_p,
                       int *nout_p)
{
    int *in, *out, nin, nout;

    if (t->kind == MPI_DIST_GRAPH) {
        nin = t->indegree, nout = t->outdegree;
        in = mpi_topo_ints(t->sources, nin);
        out = mpi_topo_ints(t->dests, nout);
    } else {
        nin = nout = symmetric_degree(t, rank);
        in = malloc(sizeof(int) * (size_t)(nin > 0 ? nin : 1));
        out = malloc(sizeof(int) * (size_t)(nout > 0 ? nout : 1));
        if (in && out && t->kind == MPI_CART)
            cart_neighbors(t, rank, in);
        else if (in && out)
            graph_neighbors(t, rank, in);
        if (in && out && nin > 0)
            memcpy(out, in, sizeof(int) * (size_t)nin);
    }
    if (!in || !out) {
        free(in);
        free(out);
        return -ENOMEM;
    }
    *in_p = in, *nin_p = nin, *out_p = out, *nout_p = nout;
    return MPI_SUCCESS;
}

int mpi_topo_attach(struct mpi_rank_state *s, struct mpi_comm *c, int nnodes, struct mpi_topo *t,
                    MPI_Comm *h_p)
{
    struct mpi_comm *n = NULL;
    int err = mpi_comm_split_build(s, c, c->rank < nnodes ? 0 : MPI_UNDEFINED, c->rank, &n);

    if (err || !n) {
        mpi_topo_free(t);
        if (!err)
            *h_p = MPI_COMM_NULL;
        return err;
    }
    n->topo = t;
    *h_p = n->handle;
    return MPI_SUCCESS;
}

int PMPI_Topo_test(MPI_Comm comm, int *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !status)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Topo_test");
    *status = c->topo ? c->topo->kind : MPI_UNDEFINED;
    return MPI_SUCCESS;
}
