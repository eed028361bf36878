/* coll_alltoall.c: MPI_Alltoall, MPI_Alltoallv, MPI_Alltoallw.
 *
 * All three are one exchange pattern over per-peer blocks described by a
 * pointer, a count and a datatype (sched_xchg below). Small blocks are all
 * posted at once in one round (the network sees every message at once;
 * latency-bound). Large blocks go pairwise: in step k rank r sends to
 * r + k and receives from r - k (on power-of-two sizes the partner is
 * r xor k, so pairs exchange both ways), one peer at a time, which bounds the
 * memory in flight.
 *
 * MPI_IN_PLACE: block j of recvbuf is both what goes to rank j and what
 * comes from it. Step k pairs rank r with (k - r) mod size, a symmetric
 * pairing; each exchange first copies the outgoing block to a scratch buffer.
 */
#include "coll_inter.h"
#include "coll_sched.h"
#include "comm.h"
#include "dtype.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Alltoall = PMPI_Alltoall
#pragma weak MPI_Alltoallv = PMPI_Alltoallv
#pragma weak MPI_Alltoallw = PMPI_Alltoallw

/* Blocks at most this large are all posted in one round. */
#define ALLTOALL_SMALL 32768

/* Per-peer blocks of one side of an exchange. */
struct xside {
    char *buf;
    const int *counts;
    const int *displs;         /* in units of unit_of(i) bytes */
    const MPI_Datatype *types; /* NULL: `type` for everyone */
    MPI_Datatype type;
    int byte_displs; /* displs are in bytes (Alltoallw) */
};

static MPI_Datatype xtype(const struct xside *x, int i)
{
    return x->types ? x->types[i] : x->type;
}

static char *xblock(const struct xside *x, int i)
{
    size_t unit = x->byte_displs ? 1 : sched_extent(xtype(x, i));
    return x->buf + (size_t)x->displs[i] * unit;
}

static int xlarge(const struct xside *x, int size)
{
    for (int i = 0; i < size; i++)
        if (x->counts[i] > 0 && sched_bytes(x->counts[i], xtype(x, i)) > ALLTOALL_SMALL)
            return 1;
    return 0;
}

static void xchg_in_place(struct mpi_sched *sc, const struct xside *r)
{
    int rank = sc->c->rank, size = sc->c->size, k;
    size_t max = 0;
    void *tmp;

    for (k = 0; k < size; k++)
        if (r->counts[k] > 0 && sched_bytes(r->counts[k], xtype(r, k)) > max)
            max = sched_bytes(r->counts[k], xtype(r, k));
    for (k = 0; k < size; k++) /* tmp holds a block in its type's layout */
        if (r->counts[k] > 0 && !mpi_dtype_fits_extent(mpi_state(), xtype(r, k)))
            sc->err = MPI_ERR_TYPE;
    if (sc->err)
        return;
    if (!(tmp = sched_tmp(sc, max)))
        return;
    for (k = 0; k < size; k++) {
        int peer = (k - rank + size) % size;
        if (peer == rank)
            continue;
        sched_copy(sc, xblock(r, peer), tmp, r->counts[peer], xtype(r, peer));
        sched_send(sc, tmp, r->counts[peer], xtype(r, peer), peer);
        sched_recv(sc, xblock(r, peer), r->counts[peer], xtype(r, peer), peer);
        sched_round(sc);
    }
}

static void sched_xchg(struct mpi_sched *sc, const struct xside *s, const struct xside *r)
{
    int rank = sc->c->rank, size = sc->c->size, pof2 = (size & (size - 1)) == 0, k;

    if (!s->buf) {
        xchg_in_place(sc, r);
        return;
    }
    sched_copy_as(sc, xblock(s, rank), s->counts[rank], xtype(s, rank), xblock(r, rank),
                  r->counts[rank], xtype(r, rank));
    if (!xlarge(s, size) && !xlarge(r, size)) {
        for (k = 1; k < size; k++) {
            int dst = (rank + k) % size, src = (rank - k + size) % size;
            sched_recv(sc, xblock(r, src), r->counts[src], xtype(r, src), src);
            sched_send(sc, xblock(s, dst), s->counts[dst], xtype(s, dst), dst);
        }
        sched_round(sc);
        return;
    }
    for (k = 1; k < size; k++) {
        int dst = pof2 ? rank ^ k : (rank + k) % size;
        int src = pof2 ? rank ^ k : (rank - k + size) % size;
        sched_send(sc, xblock(s, dst), s->counts[dst], xtype(s, dst), dst);
        sched_recv(sc, xblock(r, src), r->counts[src], xtype(r, src), src);
        sched_round(sc);
    }
}

void sched_alltoall(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                    void *recvbuf, int rcount, MPI_Datatype rdt)
{
    int size = sc->c->size, i;
    int *counts = sched_tmp(sc, sizeof(int) * 2 * (size_t)size);
    int *rdispls = sched_tmp(sc, sizeof(int) * 2 * (size_t)size);

    if (!counts || !rdispls)
        return;
    for (i = 0; i < size; i++) { /* counts[size..] / rdispls[size..]: the send side */
        counts[i] = rcount;
        counts[size + i] = scount;
        rdispls[i] = i * rcount;
        rdispls[size + i] = i * scount;
    }
    struct xside s = {sendbuf == MPI_IN_PLACE ? NULL : (char *)sendbuf,
                      counts + size,
                      rdispls + size,
                      NULL,
                      sdt,
                      0};
    struct xside r = {recvbuf, counts, rdispls, NULL, rdt, 0};
    sched_xchg(sc, &s, &r);
}

void sched_alltoallv(struct mpi_sched *sc, const void *sendbuf, const int *scounts,
                     const int *sdispls, MPI_Datatype sdt, void *recvbuf, const int *rcounts,
                     const int *rdispls, MPI_Datatype rdt)
{
    struct xside xs = {
        sendbuf == MPI_IN_PLACE ? NULL : (char *)sendbuf, scounts, sdispls, NULL, sdt, 0};
    struct xside xr = {recvbuf, rcounts, rdispls, NULL, rdt, 0};

    sched_xchg(sc, &xs, &xr);
}

void sched_alltoallw(struct mpi_sched *sc, const void *sendbuf, const int *scounts,
                     const int *sdispls, const MPI_Datatype *sdts, void *recvbuf,
                     const int *rcounts, const int *rdispls, const MPI_Datatype *rdts)
{
    struct xside xs = {sendbuf == MPI_IN_PLACE ? NULL : (char *)sendbuf,
                       scounts,
                       sdispls,
                       sdts,
                       MPI_DATATYPE_NULL,
                       1};
    struct xside xr = {recvbuf, rcounts, rdispls, rdts, MPI_DATATYPE_NULL, 1};

    sched_xchg(sc, &xs, &xr);
}

int PMPI_Alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, sendcount, sendtype, NULL, NULL, NULL};
        struct coll_inter_blocks rb = {recvbuf, recvcount, recvtype, NULL, NULL, NULL};
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 0, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Alltoall");
    }
    if (!err && sendbuf != MPI_IN_PLACE)
        err = coll_check_data(sendbuf, sendcount, sendtype);
    if (!err)
        err = coll_check_data(recvbuf, recvcount, recvtype);
    if (!err && (long long)recvcount * c->size > 0x7fffffff)
        err = MPI_ERR_COUNT;
    if (!err && sendbuf == recvbuf && recvcount > 0)
        err = MPI_ERR_BUFFER;
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_alltoall(sc, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Alltoall");
}

int alltoall_check_side(const struct mpi_comm *c, const void *buf, const int *counts,
                        const int *displs, const MPI_Datatype *types, MPI_Datatype type, int w)
{
    size_t extent;
    int err = coll_check_counts(c, counts, displs, 1), i;

    if (!err && w)
        err = coll_check_types(c, counts, types);
    if (!err && !w)
        err = mpi_check_type(type, &extent);
    for (i = 0; !err && i < c->size; i++)
        if (counts[i] > 0 && !buf)
            err = MPI_ERR_BUFFER;
    return err;
}

int PMPI_Alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                   MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                   const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int in_place = sendbuf == MPI_IN_PLACE, err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, 0, sendtype, sendcounts, sdispls, NULL};
        struct coll_inter_blocks rb = {recvbuf, 0, recvtype, recvcounts, rdispls, NULL};
        if (!sendcounts || !recvcounts)
            return mpi_error(comm, MPI_ERR_ARG, "MPI_Alltoallv");
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 0, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Alltoallv");
    }
    if (!err && !in_place)
        err = alltoall_check_side(c, sendbuf, sendcounts, sdispls, NULL, sendtype, 0);
    if (!err)
        err = alltoall_check_side(c, recvbuf, recvcounts, rdispls, NULL, recvtype, 0);
    if (!err && sendbuf == recvbuf && recvbuf)
        err = MPI_ERR_BUFFER;
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_alltoallv(sc, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                            rdispls, recvtype);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Alltoallv");
}

int PMPI_Alltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[],
                   const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                   const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int in_place = sendbuf == MPI_IN_PLACE, err = coll_enter(comm, &s, &c);

    if (!err && c->remote) {
        struct coll_inter_blocks sb = {(void *)sendbuf, 0,       MPI_BYTE,
                                       sendcounts,      sdispls, sendtypes};
        struct coll_inter_blocks rb = {recvbuf, 0, MPI_BYTE, recvcounts, rdispls, recvtypes};
        if (!sendcounts || !recvcounts || !sendtypes || !recvtypes)
            return mpi_error(comm, MPI_ERR_ARG, "MPI_Alltoallw");
        struct mpi_sched *isc = NULL;
        err = coll_inter_exchange(c, &sb, 0, &rb, &isc);
        return mpi_error(comm, coll_inter_go(err, isc, NULL), "MPI_Alltoallw");
    }
    if (!err && !in_place)
        err = alltoall_check_side(c, sendbuf, sendcounts, sdispls, sendtypes, MPI_DATATYPE_NULL, 1);
    if (!err)
        err = alltoall_check_side(c, recvbuf, recvcounts, rdispls, recvtypes, MPI_DATATYPE_NULL, 1);
    if (!err && sendbuf == recvbuf && recvbuf)
        err = MPI_ERR_BUFFER;
    if (!err) {
        struct mpi_sched *sc = mpi_sched_new(c);
        if (sc)
            sched_alltoallw(sc, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts,
                            rdispls, recvtypes);
        err = coll_run(sc);
    }
    return mpi_error(comm, err, "MPI_Alltoallw");
}
