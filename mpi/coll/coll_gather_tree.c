/* coll_gather_tree.c: binomial-tree MPI_Gather (see coll_tree.h).
 *
 * Linear gather (coll_gather.c) makes the root take size - 1 messages, one
 * after the other in latency; the tree takes ceil(log2(size)) rounds: each
 * rank first receives its children's runs (subtree [rel + m, rel + 2m) for
 * m = 1, 2, ... below lowbit(rel)), all posted at once, then sends its whole
 * run to its parent rel - lowbit(rel). The price is that inner ranks forward
 * the blocks of their subtree, so large blocks stay linear (coll_tree_fits).
 */
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"
#include "dtype.h"
#include "mpi_state.h"

/* Blocks above this many packed bytes are gathered and scattered linearly:
 * forwarding them through inner ranks costs more than the rounds saved. */
#define TREE_BLOCK_MAX (32 * 1024)

size_t coll_packed_bytes(int count, MPI_Datatype dt)
{
    const struct mpi_type_info *t = mpi_type_get(dt);
    struct mpi_dtype tmp;
    const struct mpi_dtype *d;

    if (t)
        return (size_t)count * t->size;
    d = mpi_dtype_held(mpi_state(), dt, &tmp);
    return d ? (size_t)count * (size_t)d->size : 0;
}

int coll_tree_fits(size_t bsz, int size)
{
    return size > 2 && bsz <= TREE_BLOCK_MAX && bsz * (size_t)size <= 0x7fffffff;
}

/* The root's part: its own block, and each child's run straight into
 * recvbuf, or through scratch and two copies when the run wraps past the
 * last rank. */
static void gather_root(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                        char *rb, int rcount, MPI_Datatype rdt, size_t bsz)
{
    int size = sc->c->size, root = sc->c->rank, m;
    size_t blk = sched_bytes(rcount, rdt); /* one block's span in recvbuf */
    struct {
        char *tmp;
        int first, n; /* real rank of the run's first block; blocks before the wrap */
        int total;
    } wrap = {NULL, 0, 0, 0};

    if (sendbuf != MPI_IN_PLACE)
        sched_copy_as(sc, sendbuf, scount, sdt, rb + root * blk, rcount, rdt);
    for (m = 1; m < size; m <<= 1) {
        int hi = 2 * m < size ? 2 * m : size, first = (m + root) % size, n = hi - m;
        if (first + n <= size) {
            sched_recv(sc, rb + first * blk, n * rcount, rdt, first);
        } else if ((wrap.tmp = sched_tmp(sc, (size_t)n * bsz))) {
            wrap.first = first;
            wrap.n = size - first;
            wrap.total = n;
            sched_recv(sc, wrap.tmp, (int)((size_t)n * bsz), MPI_BYTE, first);
        }
    }
    sched_round(sc);
    if (wrap.tmp) { /* at most one child's run wraps */
        sched_copy_as(sc, wrap.tmp, (int)((size_t)wrap.n * bsz), MPI_BYTE, rb + wrap.first * blk,
                      wrap.n * rcount, rdt);
        sched_copy_as(sc, wrap.tmp + (size_t)wrap.n * bsz,
                      (int)((size_t)(wrap.total - wrap.n) * bsz), MPI_BYTE, rb,
                      (wrap.total - wrap.n) * rcount, rdt);
    }
}

void sched_gather_tree(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                       void *recvbuf, int rcount, MPI_Datatype rdt, int root)
{
    int size = sc->c->size, rel = (sc->c->rank - root + size) % size, low = 1, m;
    size_t bsz = coll_packed_bytes(scount, sdt);
    char *run;

    if (rel == 0) {
        gather_root(sc, sendbuf, scount, sdt, recvbuf, rcount, rdt, coll_packed_bytes(rcount, rdt));
        return;
    }
    while (!(rel & low))
        low <<= 1;
    if (low == 1 || rel + 1 >= size) { /* a leaf: its block alone, as the user laid it out */
        sched_send(sc, sendbuf, scount, sdt, (rel - low + root) % size);
        sched_round(sc);
        return;
    }
    int hi = rel + low < size ? rel + low : size;
    if (!(run = sched_tmp(sc, (size_t)(hi - rel) * bsz)))
        return;
    sched_copy_as(sc, sendbuf, scount, sdt, run, (int)bsz, MPI_BYTE);
    for (m = 1; m < low && rel + m < size; m <<= 1) {
        int end = rel + 2 * m < hi ? rel + 2 * m : hi;
        sched_recv(sc, run + (size_t)m * bsz, (int)((size_t)(end - rel - m) * bsz), MPI_BYTE,
                   (rel + m + root) % size);
    }
    sched_round(sc);
    sched_send(sc, run, (int)((size_t)(hi - rel) * bsz), MPI_BYTE, (rel - low + root) % size);
    sched_round(sc);
}
