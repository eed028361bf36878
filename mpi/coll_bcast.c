/* coll_bcast.c: MPI_Bcast, along a binomial tree.
 *
 * Ranks are renumbered relative to the root (rel = rank - root mod size). A
 * rank receives from the rank that differs in its lowest set bit, then sends
 * to rel + mask for every smaller power of two mask that stays inside the
 * communicator: log2(size) steps, each rank receives once.
 */
#include "mpi_impl.h"

#pragma weak MPI_Bcast = PMPI_Bcast

int mpi_coll_bcast(struct mpi_comm *c, void *buf, size_t len, int root)
{
    int size = c->size, rel = (c->rank - root + size) % size;
    int mask = 1, err = 0;

    while (mask < size) {
        if (rel & mask) {
            err = mpi_coll_recv(c, buf, len, (rel - mask + root) % size, MPI_COLL_TAG_BCAST);
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; mask > 0 && !err; mask >>= 1)
        if (rel + mask < size)
            err = mpi_coll_send(c, buf, len, (rel + mask + root) % size, MPI_COLL_TAG_BCAST);
    return err;
}

int PMPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    size_t extent = 0;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err)
        err = mpi_check_count(count);
    if (!err)
        err = mpi_check_type(datatype, &extent);
    if (!err)
        err = mpi_check_root(c, root);
    if (!err)
        err = mpi_check_buf(buffer, count);
    if (!err)
        err = mpi_dtype_bcast(s, c, buffer, count, datatype, root); /* packs derived types */
    return mpi_error(comm, err, "MPI_Bcast");
}
