/* topo_cart_sub.c: MPI_Cart_sub, the sub-grids of a Cartesian communicator.
 *
 * The ranks that share their coordinates in the dropped dimensions form one
 * sub-grid: a split whose color is those coordinates (row-major over the
 * dropped dimensions) and whose key is the old rank, which keeps the kept
 * coordinates in row-major order, so the new rank is the rank in the
 * sub-grid. When no dimension is kept the result is a zero-dimensional
 * grid of one process, which rank 0 gets, as MPI_Cart_create with ndims 0
 * (and as MPICH does); the others get MPI_COMM_NULL.
 */
#include <errno.h>
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "topo.h"

#pragma weak MPI_Cart_sub = PMPI_Cart_sub

/* The Cartesian topology of the kept dimensions of t, or NULL. */
static struct mpi_topo *sub_topo(const struct mpi_topo *t, const int *remain)
{
    struct mpi_topo *n = mpi_topo_new(MPI_CART);
    int d, k = 0;

    if (n) {
        n->dims = mpi_topo_ints(t->dims, t->ndims);
        n->periods = mpi_topo_ints(t->periods, t->ndims);
    }
    if (!n || !n->dims || !n->periods) {
        mpi_topo_free(n);
        return NULL;
    }
    for (d = 0; d < t->ndims; d++)
        if (remain[d]) {
            n->dims[k] = t->dims[d];
            n->periods[k++] = t->periods[d];
        }
    n->ndims = k;
    return n;
}

/* This rank's color: its coordinates in the dropped dimensions. */
static int sub_color(const struct mpi_topo *t, int rank, const int *remain)
{
    int coords[t->ndims > 0 ? t->ndims : 1], d, color = 0;

    mpi_topo_cart_coords(t, rank, coords);
    for (d = 0; d < t->ndims; d++)
        if (!remain[d])
            color = color * t->dims[d] + coords[d];
    return color;
}

int PMPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm *newcomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL, *n = NULL;
    struct mpi_topo *t = NULL, *sub = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err)
        err = mpi_topo_get(c, MPI_CART, &t);
    if (!err && (!newcomm || (t->ndims > 0 && !remain_dims)))
        err = MPI_ERR_ARG;
    if (!err && !(sub = sub_topo(t, remain_dims)))
        err = -ENOMEM;
    if (!err) {
        int color = sub->ndims > 0 ? sub_color(t, c->rank, remain_dims)
                                   : (c->rank == 0 ? 0 : MPI_UNDEFINED);
        err = mpi_comm_split_build(s, c, color, c->rank, &n);
    }
    if (!err && n) {
        n->topo = sub;
        sub = NULL;
    }
    mpi_topo_free(sub);
    if (err)
        return mpi_error(comm, err, "MPI_Cart_sub");
    *newcomm = n ? n->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}
