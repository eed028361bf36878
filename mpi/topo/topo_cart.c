/* topo_cart.c: Cartesian topologies (Cart_create, Cart_map, Cart_get,
 * Cartdim_get, Cart_rank, Cart_coords, Cart_shift).
 *
 * A grid of ndims dimensions numbers its ranks in row-major order (the last
 * coordinate varies fastest), as MPI-3.1 7.5.1 says, so the topology only
 * stores dims and periods: coordinates and shifts are computed from ranks.
 * Ranks are never reordered (see mpi_topo_attach), so Cart_map returns the
 * rank itself when it fits in the grid. Error classes (MPICH's where it has
 * one): an extent <= 0 is MPI_ERR_DIMS; a negative dimension count, a grid
 * larger than the group, a short output array, a coordinate off a
 * non-periodic edge or a direction that is no dimension are MPI_ERR_ARG; a rank out of range
 * MPI_ERR_RANK, a communicator that is not Cartesian MPI_ERR_TOPOLOGY.
 */
#include <errno.h>
#include <stdlib.h>
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "topo.h"

#pragma weak MPI_Cart_create = PMPI_Cart_create
#pragma weak MPI_Cart_map = PMPI_Cart_map
#pragma weak MPI_Cart_get = PMPI_Cart_get
#pragma weak MPI_Cartdim_get = PMPI_Cartdim_get
#pragma weak MPI_Cart_rank = PMPI_Cart_rank
#pragma weak MPI_Cart_coords = PMPI_Cart_coords
#pragma weak MPI_Cart_shift = PMPI_Cart_shift

void mpi_topo_cart_coords(const struct mpi_topo *t, int rank, int *coords)
{
    int d;

    for (d = t->ndims - 1; d >= 0; d--) {
        coords[d] = rank % t->dims[d];
        rank /= t->dims[d];
    }
}

int mpi_topo_cart_step(const struct mpi_topo *t, int rank, int dir, long disp)
{
    int stride = 1, d, c, n = t->dims[dir];

    for (d = t->ndims - 1; d > dir; d--)
        stride *= t->dims[d];
    c = rank / stride % n;
    if (t->periods[dir])
        c = (int)((c + disp % n + n) % n);
    else if (c + disp < 0 || c + disp >= n)
        return MPI_PROC_NULL;
    else
        c += (int)disp;
    return rank + (c - rank / stride % n) * stride;
}

/* Checks a grid description; *nnodes_p is its number of processes.
 * MPI_SUCCESS or the error class. */
static int cart_check(const struct mpi_comm *c, int ndims, const int *dims, const int *periods,
                      int *nnodes_p)
{
    long prod = 1;
    int i;

    if (ndims < 0 || (ndims > 0 && (!dims || !periods)))
        return MPI_ERR_ARG;
    for (i = 0; i < ndims; i++) {
        if (dims[i] <= 0)
            return MPI_ERR_DIMS;
        if ((prod *= dims[i]) > c->size)
            return MPI_ERR_ARG;
    }
    *nnodes_p = (int)prod;
    return MPI_SUCCESS;
}

/* A Cartesian topology of the given grid (periods made 0/1), or NULL. */
static struct mpi_topo *cart_new(int ndims, const int *dims, const int *periods)
{
    struct mpi_topo *t = mpi_topo_new(MPI_CART);
    int i;

    if (!t)
        return NULL;
    t->ndims = ndims;
    t->dims = mpi_topo_ints(dims, ndims);
    t->periods = mpi_topo_ints(periods, ndims);
    if (!t->dims || !t->periods) {
        mpi_topo_free(t);
        return NULL;
    }
    for (i = 0; i < ndims; i++)
        t->periods[i] = t->periods[i] != 0;
    return t;
}

int PMPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[],
                     int reorder, MPI_Comm *comm_cart)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int nnodes = 0, err = mpi_enter(&s);

    (void)reorder; /* see mpi_topo_attach */
    if (!err)
        err = mpi_check_comm(s, comm_old, &c);
    if (!err && !comm_cart)
        err = MPI_ERR_ARG;
    if (!err)
        err = cart_check(c, ndims, dims, periods, &nnodes);
    if (!err && !(t = cart_new(ndims, dims, periods)))
        err = -ENOMEM;
    if (!err)
        err = mpi_topo_attach(s, c, nnodes, t, comm_cart);
    return mpi_error(comm_old, err, "MPI_Cart_create");
}

int PMPI_Cart_map(MPI_Comm comm, int ndims, const int dims[], const int periods[], int *newrank)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    int nnodes = 0, err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !newrank)
        err = MPI_ERR_ARG;
    if (!err)
        err = cart_check(c, ndims, dims, periods, &nnodes);
    if (err)
        return mpi_error(comm, err, "MPI_Cart_map");
    *newrank = c->rank < nnodes ? c->rank : MPI_UNDEFINED;
    return MPI_SUCCESS;
}

/* Enter, find comm, and its Cartesian topology. */
static int cart_enter(MPI_Comm comm, struct mpi_comm **c_p, struct mpi_topo **t_p)
{
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, c_p);
    if (!err)
        err = mpi_topo_get(*c_p, MPI_CART, t_p);
    return err;
}

int PMPI_Cartdim_get(MPI_Comm comm, int *ndims)
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = cart_enter(comm, &c, &t);

    if (!err && !ndims)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Cartdim_get");
    *ndims = t->ndims;
    return MPI_SUCCESS;
}

int PMPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[], int coords[])
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int i, err = cart_enter(comm, &c, &t);

    if (!err && maxdims < t->ndims)
        err = MPI_ERR_ARG;
    if (!err && t->ndims > 0 && (!dims || !periods || !coords))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Cart_get");
    for (i = 0; i < t->ndims; i++) {
        dims[i] = t->dims[i];
        periods[i] = t->periods[i];
    }
    if (t->ndims > 0)
        mpi_topo_cart_coords(t, c->rank, coords);
    return MPI_SUCCESS;
}

int PMPI_Cart_rank(MPI_Comm comm, const int coords[], int *rank)
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int i, r = 0, err = cart_enter(comm, &c, &t);

    if (!err && (!rank || (t->ndims > 0 && !coords)))
        err = MPI_ERR_ARG;
    for (i = 0; !err && i < t->ndims; i++) {
        int n = t->dims[i], x = coords[i];
        if (t->periods[i])
            x = (x % n + n) % n;
        else if (x < 0 || x >= n)
            err = MPI_ERR_ARG;
        r = r * n + x;
    }
    if (err)
        return mpi_error(comm, err, "MPI_Cart_rank");
    *rank = r;
    return MPI_SUCCESS;
}

int PMPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[])
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = cart_enter(comm, &c, &t);

    if (!err && (rank < 0 || rank >= c->size))
        err = MPI_ERR_RANK;
    if (!err && (maxdims < t->ndims || (t->ndims > 0 && !coords)))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Cart_coords");
    if (t->ndims > 0)
        mpi_topo_cart_coords(t, rank, coords);
    return MPI_SUCCESS;
}

int PMPI_Cart_shift(MPI_Comm comm, int direction, int disp, int *rank_source, int *rank_dest)
{
    MPI_THREAD_GUARD();
    struct mpi_comm *c = NULL;
    struct mpi_topo *t = NULL;
    int err = cart_enter(comm, &c, &t);

    if (!err && (direction < 0 || direction >= t->ndims || !rank_source || !rank_dest))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Cart_shift");
    *rank_source = mpi_topo_cart_step(t, c->rank, direction, -(long)disp);
    *rank_dest = mpi_topo_cart_step(t, c->rank, direction, disp);
    return MPI_SUCCESS;
}
