/* coll_check.c: argument checks shared by the collectives.
 *
 * The collective entry points call these at the MPI boundary, before any
 * message moves; the schedule builders behind them trust their arguments.
 */
#include <errno.h>
#include <limits.h>
#include "coll_sched.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_state.h"

int coll_enter(MPI_Comm comm, struct mpi_rank_state **s_p, struct mpi_comm **c_p)
{
    int err = mpi_enter(s_p);

    return err ? err : mpi_check_comm(*s_p, comm, c_p);
}

int coll_nb_enter(MPI_Comm comm, const MPI_Request *request, struct mpi_rank_state **s_p,
                  struct mpi_comm **c_p)
{
    int err = coll_enter(comm, s_p, c_p);

    return !err && !request ? MPI_ERR_ARG : err;
}

struct mpi_sched *coll_nb_new(struct mpi_comm *c, int *err_p)
{
    struct mpi_sched *sc = mpi_sched_new(c);

    if (!sc)
        *err_p = -ENOMEM;
    return sc;
}

int coll_check_data(const void *buf, int count, MPI_Datatype dt)
{
    size_t extent;
    int err = mpi_check_count(count);

    if (!err)
        err = mpi_check_type(dt, &extent);
    if (!err)
        err = mpi_check_buf_dt(buf, count, dt);
    return err;
}

int coll_check_counts(const struct mpi_comm *c, const int *counts, const int *displs,
                      int need_displs)
{
    int i;

    if (!counts || (need_displs && !displs))
        return MPI_ERR_ARG;
    for (i = 0; i < c->size; i++)
        if (counts[i] < 0)
            return MPI_ERR_COUNT;
    return MPI_SUCCESS;
}

int coll_check_types(const struct mpi_comm *c, const int *counts, const MPI_Datatype *types)
{
    size_t extent;
    int i;

    if (!types)
        return MPI_ERR_ARG;
    for (i = 0; i < c->size; i++)
        if (counts[i] > 0 && mpi_check_type(types[i], &extent))
            return MPI_ERR_TYPE;
    return MPI_SUCCESS;
}

int coll_sum_counts(const struct mpi_comm *c, const int *counts, int *err_p)
{
    long long sum = 0;
    int i;

    for (i = 0; i < c->size; i++)
        sum += counts[i];
    if (sum > INT_MAX) {
        *err_p = MPI_ERR_COUNT;
        return 0;
    }
    return (int)sum;
}

int coll_check_rooted(const struct mpi_comm *c, int root, const void *local, int lcount,
                      MPI_Datatype ldt, const void *rootbuf, int v, const int *counts,
                      const int *displs, int count, MPI_Datatype rdt)
{
    int total = count, err = mpi_check_root(c, root);

    if (!err && local == MPI_IN_PLACE)
        err = c->rank == root ? MPI_SUCCESS : MPI_ERR_BUFFER;
    else if (!err)
        err = coll_check_data(local, lcount, ldt);
    if (err || c->rank != root)
        return err;
    if (v) {
        err = coll_check_counts(c, counts, displs, 1);
        total = err ? 0 : coll_sum_counts(c, counts, &err);
    }
    if (!err)
        err = coll_check_data(rootbuf, total, rdt);
    if (!err && !v && (long long)count * c->size > INT_MAX)
        err = MPI_ERR_COUNT;
    if (!err && rootbuf == local && total > 0)
        err = MPI_ERR_BUFFER;
    return err;
}
