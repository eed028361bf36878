/* topo_dist_graph.c: distributed graph topologies (Dist_graph_create,
 * Dist_graph_create_adjacent, Dist_graph_neighbors_count,
 * Dist_graph_neighbors).
 *
 * Each rank keeps only its own adjacency: its sources and destinations,
 * with their weights when weights were given. Dist_graph_create_adjacent
 * receives exactly that. With Dist_graph_create any rank may declare any
 * edge, so the edges travel first: each rank sends every edge it declared
 * to both of its ends (once when they are the same rank), pairwise with
 * every other rank (counts, then the edges), and each rank takes its
 * in-edges and out-edges in the order of the declaring rank, then of the
 * declaration. Ranks are not reordered and the info argument names no key
 * we use. Error classes: a negative count, a missing array, a negative
 * weight are MPI_ERR_ARG, a neighbour that is no rank of the communicator
 * MPI_ERR_RANK, a communicator that is not a distributed graph
 * MPI_ERR_TOPOLOGY.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "topo.h"

#pragma weak MPI_Dist_graph_create_adjacent = PMPI_Dist_graph_create_adjacent
#pragma weak MPI_Dist_graph_create = PMPI_Dist_graph_create
#pragma weak MPI_Dist_graph_neighbors_count = PMPI_Dist_graph_neighbors_count
#pragma weak MPI_Dist_graph_neighbors = PMPI_Dist_graph_neighbors

/* Checks n neighbour ranks of c and their weights (MPI_UNWEIGHTED: none;
 * when n is 0 the weights are not read: MPI_WEIGHTS_EMPTY, or anything).
 * MPI_SUCCESS or the error class. */
static int check_ranks(const struct mpi_comm *c, int n, const int *ranks, const int *weights)
{
    int i;

    if (n < 0 || (n > 0 && (!ranks || !weights || weights == MPI_WEIGHTS_EMPTY)))
        return MPI_ERR_ARG;
    for (i = 0; i < n; i++) {
        if (ranks[i] < 0 || ranks[i] >= c->size)
            return MPI_ERR_RANK;
        if (weights != MPI_UNWEIGHTED && weights[i] < 0)
            return MPI_ERR_ARG;
    }
    return MPI_SUCCESS;
}

/* Copies n weights, or 1s when there are none (MPI_UNWEIGHTED). NULL: no
 * memory. */
static int *weights_dup(const int *w, int n)
{
    int *a = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1)), i;

    for (i = 0; a && i < n; i++)
        a[i] = w == MPI_UNWEIGHTED ? 1 : w[i];
    return a;
}

/* A distributed graph topology of the given adjacency, or NULL. */
static struct mpi_topo *dist_new(int indegree, const int *sources, const int *sweights,
                                 int outdegree, const int *dests, const int *dweights)
{
    struct mpi_topo *t = mpi_topo_new(MPI_DIST_GRAPH);

    if (!t)
        return NULL;
    t->indegree = indegree;
    t->outdegree = outdegree;
    t->weighted = sweights != MPI_UNWEIGHTED && dweights != MPI_UNWEIGHTED;
    t->sources = mpi_topo_ints(sources, indegree);
    t->dests = mpi_topo_ints(dests, outdegree);
    t->sweights = weights_dup(sweights, indegree);
    t->dweights = weights_dup(dweights, outdegree);
    if (!t->sources || !t->dests || !t->sweights || !t->dweights) {
        mpi_topo_free(t);
        return NULL;
    }
    return t;
}

int PMPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree, const int sources[],
                                    const int sourceweights[], int outdegree,
                                    const int destinations[], const int destweights[],
                                    MPI_Info info, int reorder, MPI_Comm *comm_dist_graph)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = mpi_enter(&s);

    (void)info, (void)reorder;
    if (!err)
        err = mpi_check_comm(s, comm_old, &c);
    if (!err && !comm_dist_graph)
        err = MPI_ERR_ARG;
    if (!err)
        err = check_ranks(c, indegree, sources, sourceweights);
    if (!err)
        err = check_ranks(c, outdegree, destinations, destweights);
    if (!err &&
        !(t = dist_new(indegree, sources, sourceweights, outdegree, destinations, destweights)))
        err = -ENOMEM;
    if (!err)
        err = mpi_topo_attach(s, c, c->size, t, comm_dist_graph);
    return mpi_error(comm_old, err, "MPI_Dist_graph_create_adjacent");
}

/* One declared edge on its way to its ends. */
struct dist_edge {
    int src, dst, weight;
};

/* The edges this rank declared, grouped by the rank they go to: each edge
 * goes to its source and to its destination. *out_p has n entries,
 * off[r]..off[r+1] for rank r (off has size + 1 entries). */
static int edges_by_rank(const struct mpi_comm *c, int n, const int *sources, const int *degrees,
                         const int *dests, const int *weights, int *off, struct dist_edge **out_p)
{
    int size = c->size, i, j, k = 0, r, *fill, total = 0;
    struct dist_edge *e;

    memset(off, 0, sizeof(int) * (size_t)(size + 1));
    for (i = 0; i < n; i++)
        for (j = 0; j < degrees[i]; j++, k++) {
            off[sources[i] + 1]++;
            if (dests[k] != sources[i])
                off[dests[k] + 1]++;
        }
    for (r = 0; r < size; r++)
        off[r + 1] += off[r];
    total = off[size];
    e = malloc(sizeof(*e) * (size_t)(total > 0 ? total : 1));
    fill = mpi_topo_ints(off, size);
    if (!e || !fill) {
        free(e), free(fill);
        return -ENOMEM;
    }
    for (i = 0, k = 0; i < n; i++)
        for (j = 0; j < degrees[i]; j++, k++) {
            struct dist_edge x = {sources[i], dests[k], weights == MPI_UNWEIGHTED ? 1 : weights[k]};
            e[fill[x.src]++] = x;
            if (x.dst != x.src)
                e[fill[x.dst]++] = x;
        }
    free(fill);
    *out_p = e;
    return 0;
}

/* Pairwise exchange with every rank: rank r gets my edges for it, I get
 * theirs, kept by origin in *in_p (ioff[r]..ioff[r+1] from rank r). */
static int edges_exchange(struct mpi_comm *c, const int *off, const struct dist_edge *mine,
                          int *ioff, struct dist_edge **in_p)
{
    int size = c->size, me = c->rank, k, err = 0, *cnt = malloc(sizeof(int) * (size_t)size);
    struct dist_edge *in = NULL;

    for (k = 0; cnt && k < size && !err; k++) {
        int to = (me + k) % size, from = (me - k + size) % size, n = off[to + 1] - off[to];
        err = mpi_coll_sendrecv(c, &n, sizeof(n), to, &cnt[from], sizeof(int), from,
                                MPI_COLL_TAG_COMM);
    }
    if (!cnt)
        err = -ENOMEM;
    for (k = 0, ioff[0] = 0; !err && k < size; k++)
        ioff[k + 1] = ioff[k] + cnt[k];
    if (!err && !(in = malloc(sizeof(*in) * (size_t)(ioff[size] > 0 ? ioff[size] : 1))))
        err = -ENOMEM;
    for (k = 0; !err && k < size; k++) {
        int to = (me + k) % size, from = (me - k + size) % size;
        err = mpi_coll_sendrecv(c, mine + off[to], sizeof(*in) * (size_t)(off[to + 1] - off[to]),
                                to, in + ioff[from], sizeof(*in) * (size_t)cnt[from], from,
                                MPI_COLL_TAG_COMM);
    }
    free(cnt);
    if (err)
        free(in);
    else
        *in_p = in;
    return err;
}

/* Builds this rank's adjacency from the edges it received (n of them). */
static struct mpi_topo *dist_from_edges(int me, const struct dist_edge *e, int n, int weighted)
{
    int i, nin = 0, nout = 0, *src = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *sw = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *dst = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *dw = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    struct mpi_topo *t = NULL;

    for (i = 0; src && sw && dst && dw && i < n; i++) {
        if (e[i].dst == me)
            src[nin] = e[i].src, sw[nin++] = e[i].weight;
        if (e[i].src == me)
            dst[nout] = e[i].dst, dw[nout++] = e[i].weight;
    }
    if (src && sw && dst && dw)
        t = dist_new(nin, src, weighted ? sw : MPI_UNWEIGHTED, nout, dst,
                     weighted ? dw : MPI_UNWEIGHTED);
    free(src), free(sw), free(dst), free(dw);
    return t;
}

/* Checks the arguments of Dist_graph_create. */
static int dist_check(const struct mpi_comm *c, int n, const int *sources, const int *degrees,
                      const int *dests, const int *weights)
{
    int i, k = 0;

    if (n < 0 || (n > 0 && (!sources || !degrees)))
        return MPI_ERR_ARG;
    for (i = 0; i < n; i++) {
        if (degrees[i] < 0)
            return MPI_ERR_ARG;
        if (sources[i] < 0 || sources[i] >= c->size)
            return MPI_ERR_RANK;
        k += degrees[i];
    }
    if (k > 0 && !dests)
        return MPI_ERR_ARG;
    return check_ranks(c, k, dests, weights);
}

int PMPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[], const int degrees[],
                           const int destinations[], const int weights[], MPI_Info info,
                           int reorder, MPI_Comm *comm_dist_graph)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    struct dist_edge *mine = NULL, *in = NULL;
    int *off = NULL, *ioff = NULL, err = mpi_enter(&s);

    (void)info, (void)reorder;
    if (!err)
        err = mpi_check_comm(s, comm_old, &c);
    if (!err && !comm_dist_graph)
        err = MPI_ERR_ARG;
    if (!err)
        err = dist_check(c, n, sources, degrees, destinations, weights);
    if (!err && (!(off = malloc(sizeof(int) * (size_t)(c->size + 1))) ||
                 !(ioff = malloc(sizeof(int) * (size_t)(c->size + 1)))))
        err = -ENOMEM;
    if (!err)
        err = edges_by_rank(c, n, sources, degrees, destinations, weights, off, &mine);
    if (!err)
        err = edges_exchange(c, off, mine, ioff, &in);
    if (!err && !(t = dist_from_edges(c->rank, in, ioff[c->size], weights != MPI_UNWEIGHTED)))
        err = -ENOMEM;
    free(off), free(ioff), free(mine), free(in);
    if (!err)
        err = mpi_topo_attach(s, c, c->size, t, comm_dist_graph);
    return mpi_error(comm_old, err, "MPI_Dist_graph_create");
}

/* Enter, find comm, and its distributed graph topology. */
static int dist_enter(MPI_Comm comm, struct mpi_comm **c_p, struct mpi_topo **t_p)
{
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, c_p);
    if (!err)
        err = mpi_topo_get(*c_p, MPI_DIST_GRAPH, t_p);
    return err;
}

int PMPI_Dist_graph_neighbors_count(MPI_Comm comm, int *indegree, int *outdegree, int *weighted)
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = dist_enter(comm, &c, &t);

    if (!err && (!indegree || !outdegree || !weighted))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Dist_graph_neighbors_count");
    *indegree = t->indegree;
    *outdegree = t->outdegree;
    *weighted = t->weighted;
    return MPI_SUCCESS;
}

/* Copies n ranks, and their weights when both sides have some. */
static void copy_side(int n, const int *ranks, const int *w, int weighted, int *r_out, int *w_out)
{
    if (n > 0)
        memcpy(r_out, ranks, sizeof(int) * (size_t)n);
    if (n > 0 && weighted && w_out && w_out != MPI_UNWEIGHTED && w_out != MPI_WEIGHTS_EMPTY)
        memcpy(w_out, w, sizeof(int) * (size_t)n);
}

int PMPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[], int sourceweights[],
                              int maxoutdegree, int destinations[], int destweights[])
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = dist_enter(comm, &c, &t);

    if (!err && (maxindegree < t->indegree || maxoutdegree < t->outdegree))
        err = MPI_ERR_ARG;
    if (!err && ((t->indegree > 0 && !sources) || (t->outdegree > 0 && !destinations)))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Dist_graph_neighbors");
    copy_side(t->indegree, t->sources, t->sweights, t->weighted, sources, sourceweights);
    copy_side(t->outdegree, t->dests, t->dweights, t->weighted, destinations, destweights);
    return MPI_SUCCESS;
}
