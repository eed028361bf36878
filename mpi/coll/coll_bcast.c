/* coll_bcast.c: MPI_Bcast: binomial tree (small), scatter + ring allgather
 * (large).
 *
 * Ranks are renumbered relative to the root (rel = rank - root mod size). In
 * the binomial tree a rank receives from the rank that differs in its lowest
 * set bit, then sends to rel + mask for every smaller power of two mask that
 * stays inside the communicator: log2(size) steps, each rank receives once.
 *
 * A large message would cross every tree edge whole; instead the payload is
 * cut into size chunks (chunk rel belongs to rank rel), scattered down the
 * same tree (each rank receives the chunks of its subtree), then gathered
 * around a ring, so each rank sends and receives about 2x the payload
 * whatever the process count. The large path moves bytes (MPI_BYTE chunks of
 * a contiguous buffer).
 */
#include <errno.h>
#include <limits.h>
#include "coll.h"
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "dtype.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPI_Bcast = PMPI_Bcast

/* Payloads at least this large, on at least BCAST_LARGE_PROCS ranks, take
 * scatter+allgather (the usual long-message rule). Below that the tree's
 * log2(size) whole-message steps cost less than the ring's size - 1 rounds:
 * measured on 4 ranks (2 cores), 1 MiB: binomial 0.4 ms, scatter+ring
 * 1.3 ms. */
#define BCAST_LARGE       (512 * 1024)
#define BCAST_LARGE_PROCS 8

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

static void bcast_binomial(struct mpi_sched *sc, void *buf, int count, MPI_Datatype dt, int root)
{
    int size = sc->c->size, rel = (sc->c->rank - root + size) % size, mask = 1;

    while (mask < size) {
        if (rel & mask) {
            sched_recv(sc, buf, count, dt, (rel - mask + root) % size);
            sched_round(sc);
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; mask > 0; mask >>= 1)
        if (rel + mask < size)
            sched_send(sc, buf, count, dt, (rel + mask + root) % size);
    sched_round(sc);
}

/* Chunks [first, last) of an nbytes payload cut in chunk-byte pieces: the
 * byte offset in *off_p, the length as the return value (0 past the end). */
static int chunk_span(int first, int last, int chunk, int nbytes, int *off_p)
{
    long long lo = (long long)first * chunk, hi = (long long)last * chunk;

    if (lo > nbytes)
        lo = nbytes;
    if (hi > nbytes)
        hi = nbytes;
    *off_p = (int)lo;
    return (int)(hi - lo);
}

static void bcast_scatter_ring(struct mpi_sched *sc, char *buf, int nbytes, int root)
{
    int size = sc->c->size, rel = (sc->c->rank - root + size) % size;
    int chunk = (nbytes + size - 1) / size, mask = 1, off, n, k;

    /* scatter: the subtree of rel is [rel, rel + lowest set bit of rel) */
    while (mask < size && !(rel & mask))
        mask <<= 1;
    if (rel) {
        n = chunk_span(rel, rel + mask < size ? rel + mask : size, chunk, nbytes, &off);
        sched_recv(sc, buf + off, n, MPI_BYTE, (rel - mask + root) % size);
        sched_round(sc);
    }
    for (mask >>= 1; mask > 0; mask >>= 1) {
        if (rel + mask >= size)
            continue;
        int end = rel + 2 * mask < size ? rel + 2 * mask : size;
        n = chunk_span(rel + mask, end, chunk, nbytes, &off);
        sched_send(sc, buf + off, n, MPI_BYTE, (rel + mask + root) % size);
    }
    sched_round(sc);
    /* ring allgather of the chunks, indexed by relative rank */
    for (k = 0; k < size - 1; k++) {
        int sb = (rel - k + size) % size, rb = (rel - k - 1 + size) % size;
        n = chunk_span(sb, sb + 1, chunk, nbytes, &off);
        sched_send(sc, buf + off, n, MPI_BYTE, (sc->c->rank + 1) % size);
        n = chunk_span(rb, rb + 1, chunk, nbytes, &off);
        sched_recv(sc, buf + off, n, MPI_BYTE, (sc->c->rank - 1 + size) % size);
        sched_round(sc);
    }
}

void sched_bcast(struct mpi_sched *sc, void *buf, int count, MPI_Datatype dt, int root)
{
    size_t bytes = sched_bytes(count, dt);

    /* the scatter+ring path cuts the buffer into bytes: predefined types only */
    if (sc->c->size >= BCAST_LARGE_PROCS && bytes >= BCAST_LARGE && bytes <= INT_MAX &&
        mpi_type_get(dt))
        bcast_scatter_ring(sc, buf, (int)bytes, root);
    else
        bcast_binomial(sc, buf, count, dt, root);
}

int PMPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct mpi_sched *isc = NULL;
        err = coll_inter_bcast(c, buffer, count, datatype, root, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Bcast");
    }
    if (!err)
        err = coll_check_data(buffer, count, datatype);
    if (!err)
        err = mpi_check_root(c, root);
    if (!err && c->size > 1) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (!sc)
            err = -ENOMEM;
        else
            sched_bcast(sc, buffer, count, datatype, root);
        if (sc)
            err = mpi_sched_run(sc);
    }
    return mpi_error(comm, err, "MPI_Bcast");
}
