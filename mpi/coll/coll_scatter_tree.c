/* coll_scatter_tree.c: binomial-tree MPI_Scatter, the mirror of
 * coll_gather_tree.c (see coll_tree.h).
 *
 * The root sends each child its subtree's run (largest first, all posted at
 * once); an inner rank receives its run packed, keeps its own block and
 * forwards the rest to its children; a leaf receives its block straight into
 * recvbuf. ceil(log2(size)) rounds instead of the root's size - 1 sends.
 */
#include "coll_sched.h"
#include "coll_tree.h"
#include "comm.h"

static void scatter_root(struct mpi_sched *sc, const char *sb, int scount, MPI_Datatype sdt,
                         void *recvbuf, int rcount, MPI_Datatype rdt)
{
    int size = sc->c->size, root = sc->c->rank, m = 1;
    size_t blk = sched_bytes(scount, sdt), bsz = coll_packed_bytes(scount, sdt);

    while (m * 2 < size)
        m <<= 1;
    for (; m > 0; m >>= 1) {
        int hi = 2 * m < size ? 2 * m : size, first = (m + root) % size, n = hi - m;
        if (first + n <= size) {
            sched_send(sc, sb + first * blk, n * scount, sdt, first);
            continue;
        }
        /* the run wraps past the last rank: pack its two pieces first */
        int k = size - first;
        char *tmp = sched_tmp(sc, (size_t)n * bsz);
        if (!tmp)
            return;
        sched_copy_as(sc, sb + first * blk, k * scount, sdt, tmp, (int)((size_t)k * bsz), MPI_BYTE);
        sched_copy_as(sc, sb, (n - k) * scount, sdt, tmp + (size_t)k * bsz,
                      (int)((size_t)(n - k) * bsz), MPI_BYTE);
        sched_send(sc, tmp, (int)((size_t)n * bsz), MPI_BYTE, first);
    }
    if (recvbuf != MPI_IN_PLACE)
        sched_copy_as(sc, sb + root * blk, scount, sdt, recvbuf, rcount, rdt);
    sched_round(sc);
}

void sched_scatter_tree(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                        void *recvbuf, int rcount, MPI_Datatype rdt, int root)
{
    int size = sc->c->size, rel = (sc->c->rank - root + size) % size, low = 1, m;
    size_t bsz = coll_packed_bytes(rcount, rdt);
    char *run;

    if (rel == 0) {
        scatter_root(sc, sendbuf, scount, sdt, recvbuf, rcount, rdt);
        return;
    }
    while (!(rel & low))
        low <<= 1;
    if (low == 1 || rel + 1 >= size) { /* a leaf */
        sched_recv(sc, recvbuf, rcount, rdt, (rel - low + root) % size);
        sched_round(sc);
        return;
    }
    int hi = rel + low < size ? rel + low : size;
    if (!(run = sched_tmp(sc, (size_t)(hi - rel) * bsz)))
        return;
    sched_recv(sc, run, (int)((size_t)(hi - rel) * bsz), MPI_BYTE, (rel - low + root) % size);
    sched_round(sc);
    for (m = low >> 1; m > 0; m >>= 1) {
        if (rel + m >= size)
            continue;
        int end = rel + 2 * m < hi ? rel + 2 * m : hi;
        sched_send(sc, run + (size_t)m * bsz, (int)((size_t)(end - rel - m) * bsz), MPI_BYTE,
                   (rel + m + root) % size);
    }
    sched_copy_as(sc, run, (int)bsz, MPI_BYTE, recvbuf, rcount, rdt);
    sched_round(sc);
}
