/* coll_barrier.c: MPI_Barrier, by dissemination.
 *
 * In round k (k = 1, 2, 4, ... < size) rank r sends an empty message to
 * r + k and receives one from r - k (modulo size). After ceil(log2(size))
 * rounds every rank has heard, directly or not, from every other rank, so no
 * rank leaves before all have entered.
 */
#include "coll.h"
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Barrier = PMPI_Barrier

int mpi_coll_barrier(struct mpi_comm *c)
{
    int k, err = 0;

    for (k = 1; k < c->size && !err; k <<= 1)
        err = mpi_coll_sendrecv(c, NULL, 0, (c->rank + k) % c->size, NULL, 0,
                                (c->rank - k + c->size) % c->size, MPI_COLL_TAG_BARRIER);
    return err;
}

/* The same dissemination as a schedule, for MPI_Ibarrier. */
void sched_barrier(struct mpi_sched *sc)
{
    struct mpi_comm *c = sc->c;
    int k;

    for (k = 1; k < c->size; k <<= 1) {
        sched_send(sc, NULL, 0, MPI_BYTE, (c->rank + k) % c->size);
        sched_recv(sc, NULL, 0, MPI_BYTE, (c->rank - k + c->size) % c->size);
        sched_round(sc);
    }
}

int PMPI_Barrier(MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_barrier(c, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Barrier");
    }
    if (!err)
        err = mpi_coll_barrier(c);
    return mpi_error(comm, err, "MPI_Barrier");
}
