/* topo.c: every topology call and every neighbourhood collective, checked
 * bit for bit against values the test computes itself, and the error
 * class of each kind of bad argument.
 *
 * The neighbours of every rank are computed here from first principles
 * (row-major grid arithmetic, the graph arrays, the declared edges), never
 * read back from the library, and each neighbourhood collective is checked
 * against them: block k of a rank's receive buffer holds what its k-th
 * in-neighbour s sent to it, that is s's block j where j is the slot of
 * the same occurrence of this rank among s's out-neighbours (messages
 * between one pair match in order) - except on a Cartesian grid, where the
 * block of the neighbour at -1 along a dimension holds what it sent towards
 * +1, and the other way round (MPI-4.0; what MPICH does). Blocks of an MPI_PROC_NULL neighbour
 * keep their sentinel. Errors are returned (MPI_ERRORS_RETURN) and their
 * classes compared exactly.
 *
 * Runs on any number of ranks >= 2 (the script uses 2, 4 and 6).
 */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

#define MAXN    64 /* neighbours per rank, at most */
#define SENT    (-7777)
#define BLK     5 /* ints per block */
#define MAXRANK 64

static int rank, size;

/* Running on MPICH (run-on-mpich.sh): MPICH 4.0.2 accepts some arguments
 * we refuse (the standard names no class for them: an output array
 * shorter than the answer, a grid extent <= 0) and pairs the repeated
 * messages of one pair of ranks in its own order (direction-aware only in
 * Neighbor_alltoall on a grid). Those checks are skipped there, and only
 * those. */
static int mpich;

/* CHECK_STRICT(call, class): our class for an argument MPICH lets pass. */
#define CHECK_STRICT(call, cls)                                                                    \
    do {                                                                                           \
        if (!mpich)                                                                                \
            CHECK_CLASS(call, cls);                                                                \
    } while (0)

/* Neighbour lists of one rank, as the test expects them. */
struct nbrs {
    int nin, nout;
    int in[MAXN], out[MAXN];
};

/* Payload of element e of the block rank `src` sends from slot j. */
static int payload(int src, int j, int e, int call)
{
    return src * 100000 + j * 1000 + e * 10 + call;
}

/* Slot of rank `me` among src's out-neighbours, for the occurrence-th time. */
static int slot_of(const struct nbrs *src, int me, int occurrence)
{
    for (int j = 0; j < src->nout; j++)
        if (src->out[j] == me && occurrence-- == 0)
            return j;
    return -1;
}

/* ------------------------------------------------------------------ */
/* Expected neighbours of each kind.                                   */

struct grid {
    int ndims, dims[4], periods[4];
};

static void grid_coords(const struct grid *g, int r, int *c)
{
    for (int d = g->ndims - 1; d >= 0; d--) {
        c[d] = r % g->dims[d];
        r /= g->dims[d];
    }
}

static int grid_rank(const struct grid *g, const int *c)
{
    int r = 0;
    for (int d = 0; d < g->ndims; d++)
        r = r * g->dims[d] + c[d];
    return r;
}

/* Neighbour of r at disp along d, or MPI_PROC_NULL. */
static int grid_step(const struct grid *g, int r, int d, int disp)
{
    int c[4];
    grid_coords(g, r, c);
    c[d] += disp;
    if (g->periods[d])
        c[d] = ((c[d] % g->dims[d]) + g->dims[d]) % g->dims[d];
    else if (c[d] < 0 || c[d] >= g->dims[d])
        return MPI_PROC_NULL;
    return grid_rank(g, c);
}

static void grid_nbrs(const struct grid *g, int r, struct nbrs *n)
{
    n->nin = n->nout = 2 * g->ndims;
    for (int d = 0; d < g->ndims; d++) {
        n->in[2 * d] = n->out[2 * d] = grid_step(g, r, d, -1);
        n->in[2 * d + 1] = n->out[2 * d + 1] = grid_step(g, r, d, 1);
    }
}

/* The graph: node i is linked to i+1 and i-1 (mod size); node 0 also to
 * itself, and 0 and 1 to each other a second time (a self loop and a
 * repeated edge; the graph stays symmetric, as neighbourhood collectives on
 * a graph topology require). */
static int graph_index[MAXRANK], graph_edges[4 * MAXRANK];

static void graph_build(void)
{
    int e = 0;
    for (int i = 0; i < size; i++) {
        graph_edges[e++] = (i + 1) % size;
        graph_edges[e++] = (i - 1 + size) % size;
        if (i == 0) {
            graph_edges[e++] = 0;
            graph_edges[e++] = 1;
        }
        if (i == 1)
            graph_edges[e++] = 0;
        graph_index[i] = e;
    }
}

static void graph_nbrs(int r, struct nbrs *n)
{
    int first = r ? graph_index[r - 1] : 0;
    n->nin = n->nout = graph_index[r] - first;
    memcpy(n->in, graph_edges + first, sizeof(int) * (size_t)n->nin);
    memcpy(n->out, graph_edges + first, sizeof(int) * (size_t)n->nout);
}

/* Dist_graph_create: rank d declares source (d+1)%size with destinations
 * (d+2)%size and (d+3)%size, weights 10d+1 and 10d+2. */
struct edge {
    int src, dst, w;
};

static void declared(int d, struct edge e[2])
{
    e[0] = (struct edge){(d + 1) % size, (d + 2) % size, 10 * d + 1};
    e[1] = (struct edge){(d + 1) % size, (d + 3) % size, 10 * d + 2};
}

/* Adjacency of x: edges in the order of the declaring rank, then of the
 * declaration (the order topo_dist_graph.c documents). */
static void dist_nbrs(int x, struct nbrs *n, int *inw, int *outw)
{
    n->nin = n->nout = 0;
    for (int d = 0; d < size; d++) {
        struct edge e[2];
        declared(d, e);
        for (int i = 0; i < 2; i++) {
            if (e[i].dst == x)
                inw[n->nin] = e[i].w, n->in[n->nin++] = e[i].src;
            if (e[i].src == x)
                outw[n->nout] = e[i].w, n->out[n->nout++] = e[i].dst;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Neighbourhood collectives against the expected lists.              */

typedef void (*nbrs_fn)(int r, struct nbrs *n);
static nbrs_fn cur_nbrs;
static const struct grid *cur_grid;

static void nbrs_of(int r, struct nbrs *n)
{
    if (cur_grid)
        grid_nbrs(cur_grid, r, n);
    else
        cur_nbrs(r, n);
}

/* Checks block k of recv (BLK ints at recv + off[k]) against in-neighbour k. */
static void expect_blocks(const int *recv, const int *off, int call, int same, const char *what)
{
    struct nbrs me, src;
    nbrs_of(rank, &me);
    for (int k = 0; k < me.nin; k++) {
        int s = me.in[k], occ = 0, j, repeated = 0;
        for (int q = 0; q < me.nin; q++) {
            occ += q < k && me.in[q] == s;
            repeated += q != k && me.in[q] == s;
        }
        if (mpich && repeated && s != MPI_PROC_NULL)
            continue;
        for (int e = 0; e < BLK; e++) {
            int want = SENT;
            if (s != MPI_PROC_NULL) {
                nbrs_of(s, &src);
                /* On a grid, -1 gets what was sent to +1 and back. */
                j = cur_grid ? k ^ 1 : slot_of(&src, rank, occ);
                CHECKF(j >= 0, "%s: rank %d is no out-neighbour of %d", what, rank, s);
                want = payload(s, same ? 0 : j, e, call);
            }
            CHECKF(recv[off[k] + e] == want, "%s: block %d (from %d) elem %d: %d want %d", what, k,
                   s, e, recv[off[k] + e], want);
        }
    }
}

static void fill_send(int *send, int nout, int call, int same)
{
    for (int j = 0; j < (same ? 1 : nout); j++)
        for (int e = 0; e < BLK; e++)
            send[j * BLK + e] = payload(rank, j, e, call);
}

/* The arguments of one neighbourhood collective call. */
struct call_args {
    int send[MAXN * BLK], recv[MAXN * BLK * 2], off[MAXN], cnt[MAXN], sdis[MAXN], rdis[MAXN];
    MPI_Aint sb[MAXN], rb[MAXN];
    MPI_Datatype types[MAXN];
};

/* Calls collective `kind` (0 allgather, 1 allgatherv, 2 alltoall, 3
 * alltoallv, 4 alltoallw) on comm: blocking (mode 0), nonblocking (1, sets
 * *req) or persistent init (2, sets *req). */
static int post(int kind, int mode, struct call_args *a, MPI_Comm comm, MPI_Request *req)
{
    int *s = a->send, *r = a->recv, *c = a->cnt;

    switch (kind * 3 + mode) {
    case 0:
        return MPI_Neighbor_allgather(s, BLK, MPI_INT, r, BLK, MPI_INT, comm);
    case 1:
        return MPI_Ineighbor_allgather(s, BLK, MPI_INT, r, BLK, MPI_INT, comm, req);
    case 2:
        return MPI_Neighbor_allgather_init(s, BLK, MPI_INT, r, BLK, MPI_INT, comm, MPI_INFO_NULL,
                                           req);
    case 3:
        return MPI_Neighbor_allgatherv(s, BLK, MPI_INT, r, c, a->rdis, MPI_INT, comm);
    case 4:
        return MPI_Ineighbor_allgatherv(s, BLK, MPI_INT, r, c, a->rdis, MPI_INT, comm, req);
    case 5:
        return MPI_Neighbor_allgatherv_init(s, BLK, MPI_INT, r, c, a->rdis, MPI_INT, comm,
                                            MPI_INFO_NULL, req);
    case 6:
        return MPI_Neighbor_alltoall(s, BLK, MPI_INT, r, BLK, MPI_INT, comm);
    case 7:
        return MPI_Ineighbor_alltoall(s, BLK, MPI_INT, r, BLK, MPI_INT, comm, req);
    case 8:
        return MPI_Neighbor_alltoall_init(s, BLK, MPI_INT, r, BLK, MPI_INT, comm, MPI_INFO_NULL,
                                          req);
    case 9:
        return MPI_Neighbor_alltoallv(s, c, a->sdis, MPI_INT, r, c, a->rdis, MPI_INT, comm);
    case 10:
        return MPI_Ineighbor_alltoallv(s, c, a->sdis, MPI_INT, r, c, a->rdis, MPI_INT, comm, req);
    case 11:
        return MPI_Neighbor_alltoallv_init(s, c, a->sdis, MPI_INT, r, c, a->rdis, MPI_INT, comm,
                                           MPI_INFO_NULL, req);
    case 12:
        return MPI_Neighbor_alltoallw(s, c, a->sb, a->types, r, c, a->rb, a->types, comm);
    case 13:
        return MPI_Ineighbor_alltoallw(s, c, a->sb, a->types, r, c, a->rb, a->types, comm, req);
    default:
        return MPI_Neighbor_alltoallw_init(s, c, a->sb, a->types, r, c, a->rb, a->types, comm,
                                           MPI_INFO_NULL, req);
    }
}

/* Block layout of a call of `kind` for a rank with neighbours me. */
static void layout(struct call_args *a, const struct nbrs *me, int kind)
{
    for (int k = 0; k < MAXN; k++) {
        a->off[k] = k * BLK;
        a->cnt[k] = BLK;
        a->types[k] = MPI_INT;
    }
    if (kind == 1 || kind >= 3) /* v and w forms: reversed blocks with gaps */
        for (int k = 0; k < me->nin; k++)
            a->off[k] = (me->nin - 1 - k) * 2 * BLK + 1;
    for (int k = 0; k < me->nout; k++) {
        a->sdis[k] = k * BLK;
        a->sb[k] = (MPI_Aint)(k * BLK * sizeof(int));
    }
    for (int k = 0; k < me->nin; k++) {
        a->rdis[k] = a->off[k];
        a->rb[k] = (MPI_Aint)(a->off[k] * sizeof(int));
    }
}

/* All fifteen neighbourhood collectives on comm (whose neighbours nbrs_of
 * gives), blocking, nonblocking and persistent (started twice, with new
 * data in the same buffers each time), each checked. */
static void neighbor_all(MPI_Comm comm, const char *name)
{
    static struct call_args a; /* large: not on the stack */
    struct nbrs me;
    MPI_Request req;
    char what[64];

    nbrs_of(rank, &me);
    for (int call = 0; call < 15; call++) {
        int mode = call / 5, kind = call % 5, same = kind < 2;
        int starts = mode == 2 ? 2 : 1;
        snprintf(what, sizeof(what), "%s %s%d", name, mode == 2 ? "P" : mode ? "I" : "", kind);
        layout(&a, &me, kind);
        for (int start = 0; start < starts; start++) {
            int salt = call + 100 * start;
            for (int i = 0; i < MAXN * BLK * 2; i++)
                a.recv[i] = SENT;
            fill_send(a.send, me.nout, salt, same);
            if (start == 0)
                MPI_CHECK(post(kind, mode, &a, comm, &req));
            if (mode == 2)
                MPI_CHECK(MPI_Start(&req));
            if (mode > 0)
                MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
            expect_blocks(a.recv, a.off, salt, same, what);
        }
        if (mode == 2)
            MPI_CHECK(MPI_Request_free(&req));
    }
}

/* ------------------------------------------------------------------ */

static void test_dims(void)
{
    int d2[2] = {0, 0}, d3[3] = {0, 0, 0}, d4[4] = {0, 3, 0, 0}, bad[2] = {2, 0};
    int neg[2] = {-1, 0};

    MPI_CHECK(MPI_Dims_create(6, 2, d2));
    CHECK(d2[0] == 3 && d2[1] == 2);
    MPI_CHECK(MPI_Dims_create(12, 3, d3));
    CHECK(d3[0] == 3 && d3[1] == 2 && d3[2] == 2);
    MPI_CHECK(MPI_Dims_create(1000000000, 3, (d3[0] = d3[1] = d3[2] = 0, d3)));
    CHECK(d3[0] == 1000 && d3[1] == 1000 && d3[2] == 1000);
    MPI_CHECK(MPI_Dims_create(1323, 2, (d2[0] = d2[1] = 0, d2)));
    CHECK(d2[0] == 49 && d2[1] == 27);
    MPI_CHECK(MPI_Dims_create(7, 2, (d2[0] = d2[1] = 0, d2)));
    CHECK(d2[0] == 7 && d2[1] == 1);
    MPI_CHECK(MPI_Dims_create(24, 4, d4)); /* dims[1] fixed at 3: 8 left for 3 */
    CHECK(d4[0] == 2 && d4[1] == 3 && d4[2] == 2 && d4[3] == 2);
    /* Equal spreads: the largest smallest factor wins (as MPICH). */
    MPI_CHECK(MPI_Dims_create(5040, 3, (d3[0] = d3[1] = d3[2] = 0, d3)));
    CHECK(d3[0] == 21 && d3[1] == 16 && d3[2] == 15);
    {
        int d5[5] = {0, 0, 0, 0, 0};
        MPI_CHECK(MPI_Dims_create(289296, 5, d5));
        CHECK(d5[0] == 41 && d5[1] == 14 && d5[2] == 9 && d5[3] == 8 && d5[4] == 7);
    }
    MPI_CHECK(MPI_Dims_create(1, 0, NULL));
    CHECK_CLASS(MPI_Dims_create(-1, 2, d2), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Dims_create(6, -1, d2), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Dims_create(7, 2, bad), MPI_ERR_DIMS);
    CHECK_CLASS(MPI_Dims_create(6, 2, neg), MPI_ERR_DIMS);
    CHECK_CLASS(MPI_Dims_create(6, 2, NULL), MPI_ERR_ARG);
}

static void check_cart_get(MPI_Comm cart, const struct grid *g)
{
    int nd, dims[4], per[4], coords[4], want[4], r;

    MPI_CHECK(MPI_Topo_test(cart, &nd));
    CHECK(nd == MPI_CART);
    MPI_CHECK(MPI_Cartdim_get(cart, &nd));
    CHECK(nd == g->ndims);
    MPI_CHECK(MPI_Cart_get(cart, 4, dims, per, coords));
    grid_coords(g, rank, want);
    for (int d = 0; d < g->ndims; d++)
        CHECK(dims[d] == g->dims[d] && per[d] == g->periods[d] && coords[d] == want[d]);
    for (r = 0; r < size && r < g->dims[0] * g->dims[1]; r++) {
        int got;
        MPI_CHECK(MPI_Cart_coords(cart, r, 4, coords));
        grid_coords(g, r, want);
        CHECK(coords[0] == want[0] && coords[1] == want[1]);
        MPI_CHECK(MPI_Cart_rank(cart, coords, &got));
        CHECK(got == r);
    }
}

static void test_cart(void)
{
    struct grid g = {2, {0, 0}, {1, 0}};
    MPI_Comm cart, dup, sub, none, small;
    int src, dst, c[2], r, dims1[1], per1[1] = {0}, remain[2] = {0, 1}, n;

    MPI_CHECK(MPI_Dims_create(size, 2, g.dims));
    MPI_CHECK(MPI_Cart_create(MPI_COMM_WORLD, 2, g.dims, g.periods, 1, &cart));
    MPI_CHECK(MPI_Comm_rank(cart, &r));
    CHECK(r == rank); /* never reordered */
    check_cart_get(cart, &g);
    for (int d = 0; d < 2; d++)
        for (int disp = -3; disp <= 3; disp++) {
            MPI_CHECK(MPI_Cart_shift(cart, d, disp, &src, &dst));
            CHECKF(src == grid_step(&g, rank, d, -disp) && dst == grid_step(&g, rank, d, disp),
                   "shift d %d disp %d: %d %d", d, disp, src, dst);
        }
    /* The extreme displacements: INT_MIN has no negation in an int. */
    MPI_CHECK(MPI_Cart_shift(cart, 1, INT_MIN, &src, &dst));
    CHECK(src == MPI_PROC_NULL && dst == MPI_PROC_NULL);
    MPI_CHECK(MPI_Cart_shift(cart, 0, INT_MAX, &src, &dst));
    CHECK(dst == grid_step(&g, rank, 0, INT_MAX % g.dims[0]));
    CHECK(src == grid_step(&g, rank, 0, -(INT_MAX % g.dims[0])));
    /* Periodic dimension 0 wraps; dimension 1 does not. */
    grid_coords(&g, rank, c);
    c[0] -= g.dims[0];
    MPI_CHECK(MPI_Cart_rank(cart, c, &r));
    CHECK(r == rank);
    c[0] += g.dims[0];
    c[1] = g.dims[1];
    CHECK_CLASS(MPI_Cart_rank(cart, c, &r), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Cart_shift(cart, 2, 1, &src, &dst), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Cart_shift(cart, -1, 1, &src, &dst), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Cart_coords(cart, size, 2, c), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Cart_coords(cart, 0, 1, c), MPI_ERR_ARG);
    CHECK_STRICT(MPI_Cart_get(cart, 1, c, c, c), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Graph_neighbors_count(cart, 0, &n), MPI_ERR_TOPOLOGY);
    CHECK_CLASS(MPI_Dist_graph_neighbors_count(cart, &n, &n, &n), MPI_ERR_TOPOLOGY);
    /* Neighbourhood collectives on the grid. */
    cur_grid = &g;
    neighbor_all(cart, "cart");
    /* A dup carries a copy of the topology, alive after the original goes. */
    MPI_CHECK(MPI_Comm_dup(cart, &dup));
    MPI_CHECK(MPI_Comm_free(&cart));
    check_cart_get(dup, &g);
    neighbor_all(dup, "cart dup");
    cur_grid = NULL;
    /* Cart_sub keeping dimension 1: the row of this rank. */
    MPI_CHECK(MPI_Cart_sub(dup, remain, &sub));
    MPI_CHECK(MPI_Comm_size(sub, &n));
    CHECK(n == g.dims[1]);
    MPI_CHECK(MPI_Comm_rank(sub, &r));
    grid_coords(&g, rank, c);
    CHECK(r == c[1]);
    MPI_CHECK(MPI_Cart_get(sub, 1, dims1, per1, c));
    CHECK(dims1[0] == g.dims[1] && per1[0] == 0 && c[0] == r);
    MPI_CHECK(MPI_Comm_free(&sub));
    remain[1] = 0; /* nothing kept: a zero-dimensional grid at rank 0 only */
    MPI_CHECK(MPI_Cart_sub(dup, remain, &none));
    CHECK((rank == 0) == (none != MPI_COMM_NULL));
    if (none != MPI_COMM_NULL) {
        MPI_CHECK(MPI_Cartdim_get(none, &n));
        CHECK(n == 0);
        MPI_CHECK(MPI_Comm_free(&none));
    }
    MPI_CHECK(MPI_Comm_free(&dup));
    /* A grid smaller than the group: the last rank is left out. */
    dims1[0] = size - 1;
    per1[0] = 1;
    MPI_CHECK(MPI_Cart_create(MPI_COMM_WORLD, 1, dims1, per1, 0, &small));
    CHECK((rank == size - 1) == (small == MPI_COMM_NULL));
    MPI_CHECK(MPI_Cart_map(MPI_COMM_WORLD, 1, dims1, per1, &r));
    CHECK(r == (rank < size - 1 ? rank : MPI_UNDEFINED));
    if (small != MPI_COMM_NULL)
        MPI_CHECK(MPI_Comm_free(&small));
    /* Bad grids. */
    dims1[0] = size + 1;
    CHECK_CLASS(MPI_Cart_create(MPI_COMM_WORLD, 1, dims1, per1, 0, &small), MPI_ERR_ARG);
    CHECK_STRICT(MPI_Cart_map(MPI_COMM_WORLD, 1, dims1, per1, &r), MPI_ERR_ARG);
    dims1[0] = 0;
    CHECK_STRICT(MPI_Cart_create(MPI_COMM_WORLD, 1, dims1, per1, 0, &small), MPI_ERR_DIMS);
    dims1[0] = -2;
    CHECK_STRICT(MPI_Cart_create(MPI_COMM_WORLD, 1, dims1, per1, 0, &small), MPI_ERR_DIMS);
    CHECK_CLASS(MPI_Cart_create(MPI_COMM_WORLD, -1, dims1, per1, 0, &small), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Cart_create(MPI_COMM_WORLD, 1, NULL, per1, 0, &small), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Cart_create(MPI_COMM_NULL, 1, dims1, per1, 0, &small), MPI_ERR_COMM);
    /* No topology at all. */
    CHECK_CLASS(MPI_Cart_coords(MPI_COMM_WORLD, 0, 2, c), MPI_ERR_TOPOLOGY);
    CHECK_CLASS(MPI_Cart_shift(MPI_COMM_WORLD, 0, 1, &src, &dst), MPI_ERR_TOPOLOGY);
    CHECK_CLASS(MPI_Cartdim_get(MPI_COMM_WORLD, &n), MPI_ERR_TOPOLOGY);
    CHECK_CLASS(MPI_Cart_sub(MPI_COMM_WORLD, remain, &sub), MPI_ERR_TOPOLOGY);
    CHECK_CLASS(MPI_Neighbor_alltoall(c, 1, MPI_INT, c, 1, MPI_INT, MPI_COMM_WORLD),
                MPI_ERR_TOPOLOGY);
    MPI_CHECK(MPI_Topo_test(MPI_COMM_WORLD, &n));
    CHECK(n == MPI_UNDEFINED);
}

static void test_graph(void)
{
    MPI_Comm gc;
    int nn, ne, idx[MAXRANK], edges[4 * MAXRANK], nbr[8], n, r, t;
    int bad_edges[4 * MAXRANK];

    graph_build();
    MPI_CHECK(MPI_Graph_create(MPI_COMM_WORLD, size, graph_index, graph_edges, 0, &gc));
    MPI_CHECK(MPI_Topo_test(gc, &t));
    CHECK(t == MPI_GRAPH);
    MPI_CHECK(MPI_Graphdims_get(gc, &nn, &ne));
    CHECK(nn == size && ne == graph_index[size - 1]);
    MPI_CHECK(MPI_Graph_get(gc, MAXRANK, 4 * MAXRANK, idx, edges));
    CHECK(memcmp(idx, graph_index, sizeof(int) * (size_t)size) == 0);
    CHECK(memcmp(edges, graph_edges, sizeof(int) * (size_t)ne) == 0);
    for (r = 0; r < size; r++) {
        struct nbrs want;
        graph_nbrs(r, &want);
        MPI_CHECK(MPI_Graph_neighbors_count(gc, r, &n));
        CHECK(n == want.nout);
        MPI_CHECK(MPI_Graph_neighbors(gc, r, 8, nbr));
        CHECK(memcmp(nbr, want.out, sizeof(int) * (size_t)n) == 0);
    }
    CHECK_CLASS(MPI_Graph_neighbors_count(gc, size, &n), MPI_ERR_RANK);
    CHECK_CLASS(MPI_Graph_neighbors(gc, -1, 8, nbr), MPI_ERR_RANK);
    CHECK_STRICT(MPI_Graph_neighbors(gc, 0, 1, nbr), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Graph_get(gc, size - 1, 4 * MAXRANK, idx, edges), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Cart_coords(gc, 0, 2, nbr), MPI_ERR_TOPOLOGY);
    cur_nbrs = graph_nbrs;
    neighbor_all(gc, "graph");
    MPI_CHECK(MPI_Comm_free(&gc));
    idx[0] = 0; /* one node, no edge */
    MPI_CHECK(MPI_Graph_map(MPI_COMM_WORLD, 1, idx, edges, &r));
    CHECK(r == (rank == 0 ? 0 : MPI_UNDEFINED));
    MPI_CHECK(MPI_Graph_map(MPI_COMM_WORLD, size, graph_index, graph_edges, &r));
    CHECK(r == rank);
    /* Bad graphs: an edge to no node, a decreasing index, too many nodes. */
    memcpy(bad_edges, graph_edges, sizeof(bad_edges));
    bad_edges[0] = size;
    CHECK_STRICT(MPI_Graph_create(MPI_COMM_WORLD, size, graph_index, bad_edges, 0, &gc),
                 MPI_ERR_ARG);
    idx[0] = 3, idx[1] = 1;
    CHECK_STRICT(MPI_Graph_create(MPI_COMM_WORLD, 2, idx, graph_edges, 0, &gc), MPI_ERR_ARG);
    CHECK_STRICT(MPI_Graph_create(MPI_COMM_WORLD, size + 1, graph_index, graph_edges, 0, &gc),
                 MPI_ERR_ARG);
    CHECK_STRICT(MPI_Graph_create(MPI_COMM_WORLD, -1, graph_index, graph_edges, 0, &gc),
                 MPI_ERR_ARG);
}

/* Sorts n (rank, weight) pairs by rank, then weight. */
static void sort_pairs(int *r, int *w, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && (r[j - 1] > r[j] || (r[j - 1] == r[j] && w[j - 1] > w[j])); j--) {
            int t = r[j], u = w[j];
            r[j] = r[j - 1], w[j] = w[j - 1];
            r[j - 1] = t, w[j - 1] = u;
        }
}

/* The adjacency of dc against want. The order of a general
 * Dist_graph_create's adjacency is the implementation's (MPI-3.1 7.5.4):
 * ours is exact (topo_dist_graph.c), on MPICH (any_order) only the sets of
 * (rank, weight) pairs are compared. */
static void check_dist(MPI_Comm dc, struct nbrs *want, int *inw, int *outw, int weighted,
                       int any_order)
{
    int in, out, w, t, src[MAXN], dst[MAXN], sw[MAXN], dw[MAXN];

    MPI_CHECK(MPI_Topo_test(dc, &t));
    CHECK(t == MPI_DIST_GRAPH);
    MPI_CHECK(MPI_Dist_graph_neighbors_count(dc, &in, &out, &w));
    CHECKF(in == want->nin && out == want->nout && w == weighted, "counts %d %d %d", in, out, w);
    MPI_CHECK(MPI_Dist_graph_neighbors(dc, MAXN, src, sw, MAXN, dst, dw));
    if (any_order && mpich) {
        sort_pairs(src, sw, in), sort_pairs(want->in, inw, in);
        sort_pairs(dst, dw, out), sort_pairs(want->out, outw, out);
    }
    for (int k = 0; k < in; k++)
        CHECKF(src[k] == want->in[k] && (!weighted || sw[k] == inw[k]), "in %d: %d w %d", k, src[k],
               sw[k]);
    for (int k = 0; k < out; k++)
        CHECKF(dst[k] == want->out[k] && (!weighted || dw[k] == outw[k]), "out %d: %d w %d", k,
               dst[k], dw[k]);
    if (in > 0)
        CHECK_CLASS(MPI_Dist_graph_neighbors(dc, in - 1, src, sw, MAXN, dst, dw), MPI_ERR_ARG);
}

/* Adjacent form: ring with in = {left, right}, out = {right, left}. */
static void ring_nbrs(int r, struct nbrs *n)
{
    n->nin = n->nout = 2;
    n->in[0] = n->out[1] = (r - 1 + size) % size;
    n->in[1] = n->out[0] = (r + 1) % size;
}

static void test_dist_graph(void)
{
    struct nbrs want;
    int inw[MAXN], outw[MAXN], src[2], srcs[1], degs[1], dsts[2], ws[2], badw[2] = {1, -1};
    MPI_Comm dc;
    struct edge e[2];

    ring_nbrs(rank, &want);
    inw[0] = 1000 + want.in[0], inw[1] = 2000 + want.in[1];
    outw[0] = 2000 + rank, outw[1] = 1000 + rank;
    MPI_CHECK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, want.in, inw, 2, want.out, outw,
                                             MPI_INFO_NULL, 0, &dc));
    check_dist(dc, &want, inw, outw, 1, 0);
    cur_nbrs = ring_nbrs;
    neighbor_all(dc, "dist adjacent");
    MPI_CHECK(MPI_Comm_free(&dc));
    MPI_CHECK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, want.in, MPI_UNWEIGHTED, 2,
                                             want.out, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &dc));
    check_dist(dc, &want, inw, outw, 0, 0);
    MPI_CHECK(MPI_Comm_free(&dc));
    /* The general form: edges declared by other ranks. */
    declared(rank, e);
    srcs[0] = e[0].src, degs[0] = 2, dsts[0] = e[0].dst, dsts[1] = e[1].dst;
    ws[0] = e[0].w, ws[1] = e[1].w;
    MPI_CHECK(
        MPI_Dist_graph_create(MPI_COMM_WORLD, 1, srcs, degs, dsts, ws, MPI_INFO_NULL, 0, &dc));
    dist_nbrs(rank, &want, inw, outw);
    check_dist(dc, &want, inw, outw, 1, 1);
    MPI_CHECK(MPI_Comm_free(&dc));
    /* An empty adjacency is allowed (MPI_WEIGHTS_EMPTY). */
    MPI_CHECK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 0, src, MPI_WEIGHTS_EMPTY, 0, src,
                                             MPI_WEIGHTS_EMPTY, MPI_INFO_NULL, 0, &dc));
    want.nin = want.nout = 0;
    if (!mpich) /* MPICH 4.0.2's Dist_graph_neighbors dies (SIGSEGV) here */
        check_dist(dc, &want, inw, outw, 1, 0);
    MPI_CHECK(MPI_Comm_free(&dc));
    /* Bad adjacencies. */
    src[0] = size, src[1] = 0;
    CHECK_STRICT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, src, MPI_UNWEIGHTED, 0, src,
                                                MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &dc),
                 MPI_ERR_RANK);
    CHECK_STRICT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, -1, src, MPI_UNWEIGHTED, 0, src,
                                                MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &dc),
                 MPI_ERR_ARG);
    src[0] = 0, src[1] = 0;
    CHECK_STRICT(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src, badw, 0, src,
                                                MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &dc),
                 MPI_ERR_ARG);
    dsts[0] = -3;
    CHECK_STRICT(
        MPI_Dist_graph_create(MPI_COMM_WORLD, 1, srcs, degs, dsts, ws, MPI_INFO_NULL, 0, &dc),
        MPI_ERR_RANK);
    degs[0] = -1;
    CHECK_STRICT(
        MPI_Dist_graph_create(MPI_COMM_WORLD, 1, srcs, degs, dsts, ws, MPI_INFO_NULL, 0, &dc),
        MPI_ERR_ARG);
}

static void dist_nbrs_plain(int r, struct nbrs *n)
{
    int w1[MAXN], w2[MAXN];
    dist_nbrs(r, n, w1, w2);
}

/* Neighbourhood collectives on the general distributed graph. */
static void test_dist_collectives(void)
{
    struct edge e[2];
    int srcs[1], degs[1] = {2}, dsts[2];
    MPI_Comm dc;

    declared(rank, e);
    srcs[0] = e[0].src, dsts[0] = e[0].dst, dsts[1] = e[1].dst;
    MPI_CHECK(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, srcs, degs, dsts, MPI_UNWEIGHTED,
                                    MPI_INFO_NULL, 0, &dc));
    cur_nbrs = dist_nbrs_plain;
    neighbor_all(dc, "dist graph");
    MPI_CHECK(MPI_Comm_free(&dc));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2 && size <= MAXRANK, "needs 2..%d ranks", MAXRANK);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    mpich = th_library_is_mpich();
    test_dims();
    test_cart();
    test_graph();
    test_dist_graph();
    if (!mpich) /* the expected blocks follow our adjacency order */
        test_dist_collectives();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("topo: OK %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
