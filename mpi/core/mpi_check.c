/* mpi_check.c: argument checks done once, at the MPI boundary.
 *
 * Every MPI_ entry point validates its arguments with these functions before
 * calling into the layer; the code behind them trusts what it receives. Each
 * check returns MPI_SUCCESS or the error class that names the fault.
 */
#include "comm.h"
#include "dtype.h"
#include "mpi_check.h"
#include "mpi_state.h"

int mpi_check_comm(struct mpi_rank_state *s, MPI_Comm comm, struct mpi_comm **c_p)
{
    struct mpi_comm *c = mpi_comm_get(s, comm);

    if (!c)
        return MPI_ERR_COMM;
    *c_p = c;
    return MPI_SUCCESS;
}

/* Predefined, or derived, live and committed (what communication needs). */
int mpi_check_type(MPI_Datatype dt, size_t *extent_p)
{
    MPI_Aint size, extent;

    if (mpi_dtype_check_size(mpi_state(), dt, &size, &extent))
        return MPI_ERR_TYPE;
    *extent_p = (size_t)extent;
    return MPI_SUCCESS;
}

int mpi_check_count(int count)
{
    return count < 0 ? MPI_ERR_COUNT : MPI_SUCCESS;
}

int mpi_check_buf(const void *buf, int count)
{
    return count > 0 && !buf ? MPI_ERR_BUFFER : MPI_SUCCESS;
}

int mpi_check_buf_dt(const void *buf, int count, MPI_Datatype dt)
{
    struct mpi_dtype tmp;
    const struct mpi_dtype *t;

    if (buf || count <= 0 || mpi_type_get(dt))
        return mpi_check_buf(buf, count);
    t = mpi_dtype_resolve(mpi_state(), dt, &tmp);
    return t && t->size > 0 && t->true_lb == 0 ? MPI_ERR_BUFFER : MPI_SUCCESS;
}

int mpi_check_dest(const struct mpi_comm *c, int dest)
{
    int size = c->remote ? c->remote_size : c->size; /* intercomms: a remote rank */

    if (dest == MPI_PROC_NULL)
        return MPI_SUCCESS;
    return dest < 0 || dest >= size ? MPI_ERR_RANK : MPI_SUCCESS;
}

int mpi_check_source(const struct mpi_comm *c, int source)
{
    if (source == MPI_ANY_SOURCE)
        return MPI_SUCCESS;
    return mpi_check_dest(c, source);
}

int mpi_check_root(const struct mpi_comm *c, int root)
{
    if (c->remote) /* intercomms: MPI_ROOT, MPI_PROC_NULL or a remote rank */
        return root == MPI_ROOT || root == MPI_PROC_NULL || (root >= 0 && root < c->remote_size)
                   ? MPI_SUCCESS
                   : MPI_ERR_ROOT;
    return root < 0 || root >= c->size ? MPI_ERR_ROOT : MPI_SUCCESS;
}

int mpi_check_send_tag(int tag)
{
    return tag < 0 || tag > MPI_IMPL_TAG_UB ? MPI_ERR_TAG : MPI_SUCCESS;
}

int mpi_check_recv_tag(int tag)
{
    return tag == MPI_ANY_TAG ? MPI_SUCCESS : mpi_check_send_tag(tag);
}

int mpi_check_p2p(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt, int peer,
                  int tag, MPI_Comm comm, int recv, struct mpi_comm **c_p, size_t *bytes_p)
{
    MPI_Aint size = 0, extent;
    int err = mpi_check_comm(s, comm, c_p);

    if (!err)
        err = mpi_check_count(count);
    if (!err)
        err = mpi_dtype_check_size(s, dt, &size, &extent);
    if (!err)
        err = recv ? mpi_check_source(*c_p, peer) : mpi_check_dest(*c_p, peer);
    if (!err)
        err = recv ? mpi_check_recv_tag(tag) : mpi_check_send_tag(tag);
    if (!err)
        err = mpi_check_buf_dt(buf, count, dt);
    if (!err) /* messages carry the packed form */
        *bytes_p = (size_t)count * (size_t)size;
    return err;
}
