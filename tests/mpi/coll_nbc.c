/* coll_nbc.c: the nonblocking collectives Igather(v), Iscatter(v),
 * Ialltoallv/w, Ireduce_scatter(_block), Iscan, Iexscan and the MPI-4
 * persistent collectives (every *_init), checked bit for bit while ranks
 * move.
 *
 * A "job" is one instance of all seventeen collectives on one communicator:
 * the ten new nonblocking ones plus Ibarrier, Ibcast, Ireduce, Iallreduce,
 * Iallgather(v), Ialltoall. All are posted at once and completed in a
 * shuffled order (Wait on one, Test loops, Waitall), so many schedules are
 * in flight together. Integer results are compared with serial references
 * computed here; floating-point ones (Ireduce_scatter_block and Iscan on
 * doubles, whose value depends on the order of the additions) with the
 * blocking call, which must give the same bits.
 *
 * Modes (argv[1]):
 *  all        jobs on WORLD and on a split with ranks reversed, counts 0 to
 *             20000 (above the pairwise thresholds), nonblocking then
 *             persistent (each persistent job started 3 times with new data
 *             in the same buffers), and the error classes.
 *  migrate N  N rounds; in each, while a nonblocking job and then a started
 *             persistent job are in flight, two ranks move to spares at the
 *             same moment (both ends of every operation), and a third rank
 *             is moved by another one (MPIX_Migrate) between two starts.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

#define NOPS 17

static MPI_Op op_matmul;
static MPI_Datatype t_pair; /* two ints, for Ialltoallw */

static int val(int r, int i, int salt)
{
    return (r + 1) * 1000 + (i % 997) * 3 + salt * 7 + 1;
}

static double dval(int r, int i, int salt)
{
    return 1.0 / (double)(r + 3) + (double)(i % 101) * 1e-7 + salt * 0.1;
}

/* 2x2 unsigned matrix product on groups of 4: inout = in * inout
 * (associative, not commutative). */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    unsigned *a = in, *b = inout;
    (void)dt;
    for (int k = 0; k + 3 < *len; k += 4) {
        unsigned o[4] = {a[k] * b[k] + a[k + 1] * b[k + 2], a[k] * b[k + 1] + a[k + 1] * b[k + 3],
                         a[k + 2] * b[k] + a[k + 3] * b[k + 2],
                         a[k + 2] * b[k + 1] + a[k + 3] * b[k + 3]};
        memcpy(b + k, o, sizeof(o));
    }
}

static void *zalloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    CHECK(p != NULL);
    return p;
}

static void fill(int *p, int n, int r, int salt)
{
    for (int i = 0; i < n; i++)
        p[i] = val(r, i, salt);
}

static void expect(const void *got, const void *want, size_t bytes, const char *what, int n,
                   int salt)
{
    CHECKF(memcmp(got, want, bytes) == 0, "%s: wrong data (n %d, salt %d)", what, n, salt);
}

/* Count of the block rank i sends rank j in the v/w exchanges. */
static int pair_count(int n, int i, int j)
{
    return n ? n / 4 + (i * 7 + j * 3) % 11 : 0;
}

/* One instance of every collective on comm; see the header comment. */
struct job {
    MPI_Comm comm;
    int rank, size, n, root;
    /* gather(v) / scatter(v) */
    int *g_s, *g_r, *gv_s, *gv_r, *gv_cnt, *gv_dsp, gv_total;
    int *sc_s, *sc_r, *scv_s, *scv_r;
    /* alltoallv/w */
    int *av_s, *av_r, *av_scnt, *av_sdsp, *av_rcnt, *av_rdsp, av_stot, av_rtot;
    int *aw_scnt, *aw_sdsp, *aw_rcnt, *aw_rdsp; /* w: counts in items, displs in bytes */
    MPI_Datatype *aw_st, *aw_rt;
    int *aw_s, *aw_r;
    /* reduce_scatter(_block), scan, exscan */
    int *rs_s, *rs_r, *rs_cnt, rs_total;
    double *rsb_s, *rsb_r;
    unsigned *scan_s, *scan_r;
    double *dscan_s, *dscan_r;
    int *ex_s, *ex_r;
    /* the seven of the first issue */
    int *bc, *rd_r, *ar_r, *ag_r, *agv_r, *aa_s, *aa_r;
    MPI_Request req[NOPS];
};

static void job_alloc(struct job *j, MPI_Comm comm, int n, int root)
{
    int size, rank;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    memset(j, 0, sizeof(*j));
    j->comm = comm, j->rank = rank, j->size = size, j->n = n, j->root = root;
    size_t N = (size_t)n, S = (size_t)size, I = sizeof(int);

    j->g_s = zalloc(N * I), j->g_r = zalloc(N * S * I);
    j->gv_cnt = zalloc(S * I), j->gv_dsp = zalloc(S * I);
    for (int r = size - 1, at = 0; r >= 0; r--) { /* reversed, with gaps */
        j->gv_cnt[r] = n / size + r;
        j->gv_dsp[r] = at;
        at += j->gv_cnt[r] + 2;
        j->gv_total = at;
    }
    j->gv_s = zalloc((size_t)j->gv_cnt[rank] * I + 1), j->gv_r = zalloc((size_t)j->gv_total * I);
    j->sc_s = zalloc(N * S * I), j->sc_r = zalloc(N * I);
    j->scv_s = zalloc((size_t)j->gv_total * I), j->scv_r = zalloc((size_t)j->gv_cnt[rank] * I + 1);

    j->av_scnt = zalloc(S * I), j->av_sdsp = zalloc(S * I);
    j->av_rcnt = zalloc(S * I), j->av_rdsp = zalloc(S * I);
    for (int p = 0; p < size; p++) {
        j->av_scnt[p] = pair_count(n, rank, p);
        j->av_sdsp[p] = j->av_stot;
        j->av_stot += j->av_scnt[p];
    }
    for (int p = size - 1; p >= 0; p--) {
        j->av_rcnt[p] = pair_count(n, p, rank);
        j->av_rdsp[p] = j->av_rtot + 1;
        j->av_rtot += j->av_rcnt[p] + 1;
    }
    j->av_s = zalloc((size_t)j->av_stot * I + 1), j->av_r = zalloc((size_t)j->av_rtot * I + 1);
    /* w: odd peers get pairs of ints (counts halved, rounded down to even
     * ints), even peers plain ints; the receiver always takes ints. */
    j->aw_scnt = zalloc(S * I), j->aw_sdsp = zalloc(S * I);
    j->aw_rcnt = zalloc(S * I), j->aw_rdsp = zalloc(S * I);
    j->aw_st = zalloc(S * sizeof(MPI_Datatype)), j->aw_rt = zalloc(S * sizeof(MPI_Datatype));
    for (int p = 0; p < size; p++) {
        int c = pair_count(n, rank, p) & ~1;
        j->aw_st[p] = p % 2 ? t_pair : MPI_INT;
        j->aw_scnt[p] = p % 2 ? c / 2 : c;
        j->aw_sdsp[p] = j->av_sdsp[p] * (int)I;
        j->aw_rt[p] = MPI_INT;
        j->aw_rcnt[p] = pair_count(n, p, rank) & ~1;
        j->aw_rdsp[p] = j->av_rdsp[p] * (int)I;
    }
    j->aw_s = zalloc((size_t)j->av_stot * I + 1), j->aw_r = zalloc((size_t)j->av_rtot * I + 1);

    j->rs_cnt = zalloc(S * I);
    for (int r = 0; r < size; r++)
        j->rs_total += j->rs_cnt[r] = n / size + (r % 3);
    j->rs_s = zalloc((size_t)j->rs_total * I), j->rs_r = zalloc((size_t)j->rs_cnt[rank] * I + 1);
    j->rsb_s = zalloc(N * S * sizeof(double)), j->rsb_r = zalloc(N * sizeof(double));
    j->scan_s = zalloc((N & ~(size_t)3) * I + 1), j->scan_r = zalloc((N & ~(size_t)3) * I + 1);
    j->dscan_s = zalloc(N * sizeof(double)), j->dscan_r = zalloc(N * sizeof(double));
    j->ex_s = zalloc(N * I), j->ex_r = zalloc(N * I);

    j->bc = zalloc(N * I), j->rd_r = zalloc(N * I), j->ar_r = zalloc(N * I);
    j->ag_r = zalloc(N * S * I), j->agv_r = zalloc((size_t)j->gv_total * I);
    j->aa_s = zalloc(N * S * I), j->aa_r = zalloc(N * S * I);
    for (int i = 0; i < NOPS; i++)
        j->req[i] = MPI_REQUEST_NULL;
}

static void job_free(struct job *j)
{
    void *all[] = {j->g_s,     j->g_r,     j->gv_s,    j->gv_r,    j->gv_cnt,  j->gv_dsp,
                   j->sc_s,    j->scv_s,   j->sc_r,    j->scv_r,   j->av_s,    j->av_r,
                   j->av_scnt, j->av_sdsp, j->av_rcnt, j->av_rdsp, j->aw_scnt, j->aw_sdsp,
                   j->aw_rcnt, j->aw_rdsp, j->aw_st,   j->aw_rt,   j->aw_s,    j->aw_r,
                   j->rs_s,    j->rs_r,    j->rs_cnt,  j->rsb_s,   j->rsb_r,   j->scan_s,
                   j->scan_r,  j->dscan_s, j->dscan_r, j->ex_s,    j->ex_r,    j->bc,
                   j->rd_r,    j->ar_r,    j->ag_r,    j->agv_r,   j->aa_s,    j->aa_r};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
}

/* Inputs for this salt, outputs cleared (in place: persistent requests keep
 * pointing at the same buffers). */
static void job_fill(struct job *j, int salt)
{
    int n = j->n, size = j->size, rank = j->rank;
    size_t N = (size_t)n, S = (size_t)size, I = sizeof(int);

    fill(j->g_s, n, rank, salt);
    memset(j->g_r, 0xee, N * S * I);
    fill(j->gv_s, j->gv_cnt[rank], rank, salt + 1);
    memset(j->gv_r, 0xee, (size_t)j->gv_total * I);
    for (int r = 0; r < size; r++)
        fill(j->sc_s + (size_t)r * N, n, r + 50, salt + 2);
    memset(j->sc_r, 0xee, N * I);
    memset(j->scv_s, 0xee, (size_t)j->gv_total * I);
    for (int r = 0; r < size; r++)
        fill(j->scv_s + j->gv_dsp[r], j->gv_cnt[r], r + 60, salt + 12);
    memset(j->scv_r, 0xee, (size_t)j->gv_cnt[rank] * I + 1);
    for (int p = 0; p < size; p++) {
        fill(j->av_s + j->av_sdsp[p], j->av_scnt[p], rank * 100 + p, salt + 3);
        fill(j->aw_s + j->av_sdsp[p], j->av_scnt[p], rank * 100 + p, salt + 4);
    }
    memset(j->av_r, 0xee, (size_t)j->av_rtot * I + 1);
    memset(j->aw_r, 0xee, (size_t)j->av_rtot * I + 1);
    fill(j->rs_s, j->rs_total, rank, salt + 5);
    memset(j->rs_r, 0xee, (size_t)j->rs_cnt[rank] * I + 1);
    for (size_t i = 0; i < N * S; i++)
        j->rsb_s[i] = dval(rank, (int)i, salt);
    memset(j->rsb_r, 0xee, N * sizeof(double));
    fill((int *)j->scan_s, (int)(N & ~(size_t)3), rank, salt + 6);
    memset(j->scan_r, 0xee, (N & ~(size_t)3) * I + 1);
    for (size_t i = 0; i < N; i++)
        j->dscan_s[i] = dval(rank, (int)i, salt + 7);
    memset(j->dscan_r, 0xee, N * sizeof(double));
    fill(j->ex_s, n, rank, salt + 8);
    memset(j->ex_r, 0xee, N * I);
    if (rank == j->root)
        fill(j->bc, n, rank, salt + 9);
    else
        memset(j->bc, 0xee, N * I);
    memset(j->rd_r, 0xee, N * I);
    memset(j->ar_r, 0xee, N * I);
    memset(j->ag_r, 0xee, N * S * I);
    fill(j->ag_r + N * (size_t)rank, n, rank, salt + 10); /* MPI_IN_PLACE */
    memset(j->agv_r, 0xee, (size_t)j->gv_total * I);
    for (int r = 0; r < size; r++)
        fill(j->aa_s + N * (size_t)r, n, rank * 100 + r, salt + 11);
    memset(j->aa_r, 0xee, N * S * I);
}

/* Posts all seventeen, nonblocking (persistent 0) or as persistent
 * requests (persistent 1, not started). */
static void job_post(struct job *j, int persistent)
{
    int n = j->n, root = j->root, rank = j->rank;
    MPI_Comm c = j->comm;
    MPI_Info inf = MPI_INFO_NULL;
    MPI_Request *q = j->req;
    /* the root receives in place for Gather, sends in place for Scatter */

    if (!persistent) {
        MPI_CHECK(MPI_Igather(j->g_s, n, MPI_INT, j->g_r, n, MPI_INT, root, c, &q[0]));
        MPI_CHECK(MPI_Igatherv(j->gv_s, j->gv_cnt[rank], MPI_INT, j->gv_r, j->gv_cnt, j->gv_dsp,
                               MPI_INT, root, c, &q[1]));
        MPI_CHECK(MPI_Iscatter(j->sc_s, n, MPI_INT, j->sc_r, n, MPI_INT, root, c, &q[2]));
        MPI_CHECK(MPI_Iscatterv(j->scv_s, j->gv_cnt, j->gv_dsp, MPI_INT, j->scv_r, j->gv_cnt[rank],
                                MPI_INT, (root + 1) % j->size, c, &q[3]));
        MPI_CHECK(MPI_Ialltoallv(j->av_s, j->av_scnt, j->av_sdsp, MPI_INT, j->av_r, j->av_rcnt,
                                 j->av_rdsp, MPI_INT, c, &q[4]));
        MPI_CHECK(MPI_Ialltoallw(j->aw_s, j->aw_scnt, j->aw_sdsp, j->aw_st, j->aw_r, j->aw_rcnt,
                                 j->aw_rdsp, j->aw_rt, c, &q[5]));
        MPI_CHECK(MPI_Ireduce_scatter(j->rs_s, j->rs_r, j->rs_cnt, MPI_INT, MPI_SUM, c, &q[6]));
        MPI_CHECK(MPI_Ireduce_scatter_block(j->rsb_s, j->rsb_r, n, MPI_DOUBLE, MPI_SUM, c, &q[7]));
        MPI_CHECK(MPI_Iscan(j->scan_s, j->scan_r, n & ~3, MPI_UNSIGNED, op_matmul, c, &q[8]));
        MPI_CHECK(MPI_Iexscan(j->ex_s, j->ex_r, n, MPI_INT, MPI_SUM, c, &q[9]));
        MPI_CHECK(MPI_Ibarrier(c, &q[10]));
        MPI_CHECK(MPI_Ibcast(j->bc, n, MPI_INT, root, c, &q[11]));
        MPI_CHECK(MPI_Ireduce(j->g_s, j->rd_r, n, MPI_INT, MPI_SUM, root, c, &q[12]));
        MPI_CHECK(MPI_Iallreduce(j->ex_s, j->ar_r, n, MPI_INT, MPI_SUM, c, &q[13]));
        MPI_CHECK(MPI_Iallgather(MPI_IN_PLACE, 0, MPI_INT, j->ag_r, n, MPI_INT, c, &q[14]));
        MPI_CHECK(MPI_Iallgatherv(j->gv_s, j->gv_cnt[rank], MPI_INT, j->agv_r, j->gv_cnt, j->gv_dsp,
                                  MPI_INT, c, &q[15]));
        MPI_CHECK(MPI_Ialltoall(j->aa_s, n, MPI_INT, j->aa_r, n, MPI_INT, c, &q[16]));
        return;
    }
    MPI_CHECK(MPI_Gather_init(j->g_s, n, MPI_INT, j->g_r, n, MPI_INT, root, c, inf, &q[0]));
    MPI_CHECK(MPI_Gatherv_init(j->gv_s, j->gv_cnt[rank], MPI_INT, j->gv_r, j->gv_cnt, j->gv_dsp,
                               MPI_INT, root, c, inf, &q[1]));
    MPI_CHECK(MPI_Scatter_init(j->sc_s, n, MPI_INT, j->sc_r, n, MPI_INT, root, c, inf, &q[2]));
    MPI_CHECK(MPI_Scatterv_init(j->scv_s, j->gv_cnt, j->gv_dsp, MPI_INT, j->scv_r, j->gv_cnt[rank],
                                MPI_INT, (root + 1) % j->size, c, inf, &q[3]));
    MPI_CHECK(MPI_Alltoallv_init(j->av_s, j->av_scnt, j->av_sdsp, MPI_INT, j->av_r, j->av_rcnt,
                                 j->av_rdsp, MPI_INT, c, inf, &q[4]));
    MPI_CHECK(MPI_Alltoallw_init(j->aw_s, j->aw_scnt, j->aw_sdsp, j->aw_st, j->aw_r, j->aw_rcnt,
                                 j->aw_rdsp, j->aw_rt, c, inf, &q[5]));
    MPI_CHECK(
        MPI_Reduce_scatter_init(j->rs_s, j->rs_r, j->rs_cnt, MPI_INT, MPI_SUM, c, inf, &q[6]));
    MPI_CHECK(
        MPI_Reduce_scatter_block_init(j->rsb_s, j->rsb_r, n, MPI_DOUBLE, MPI_SUM, c, inf, &q[7]));
    MPI_CHECK(MPI_Scan_init(j->scan_s, j->scan_r, n & ~3, MPI_UNSIGNED, op_matmul, c, inf, &q[8]));
    MPI_CHECK(MPI_Exscan_init(j->ex_s, j->ex_r, n, MPI_INT, MPI_SUM, c, inf, &q[9]));
    MPI_CHECK(MPI_Barrier_init(c, inf, &q[10]));
    MPI_CHECK(MPI_Bcast_init(j->bc, n, MPI_INT, root, c, inf, &q[11]));
    MPI_CHECK(MPI_Reduce_init(j->g_s, j->rd_r, n, MPI_INT, MPI_SUM, root, c, inf, &q[12]));
    MPI_CHECK(MPI_Allreduce_init(j->ex_s, j->ar_r, n, MPI_INT, MPI_SUM, c, inf, &q[13]));
    MPI_CHECK(MPI_Allgather_init(MPI_IN_PLACE, 0, MPI_INT, j->ag_r, n, MPI_INT, c, inf, &q[14]));
    MPI_CHECK(MPI_Allgatherv_init(j->gv_s, j->gv_cnt[rank], MPI_INT, j->agv_r, j->gv_cnt, j->gv_dsp,
                                  MPI_INT, c, inf, &q[15]));
    MPI_CHECK(MPI_Alltoall_init(j->aa_s, n, MPI_INT, j->aa_r, n, MPI_INT, c, inf, &q[16]));
}

/* Completes every request of j in a shuffled order: one Wait from the
 * middle, a Test loop on another, then Waitall. */
static void job_complete(struct job *j, int salt)
{
    int flag = 0, a = (salt * 5 + 3) % NOPS, b = (salt * 7 + 11) % NOPS;

    MPI_CHECK(MPI_Wait(&j->req[a], MPI_STATUS_IGNORE));
    while (!flag)
        MPI_CHECK(MPI_Test(&j->req[b], &flag, MPI_STATUS_IGNORE));
    MPI_Status st[NOPS];

    MPI_CHECK(MPI_Waitall(NOPS, j->req, st));
}

static void sum_ref(int *out, int n, int lo, int hi, int salt)
{
    for (int i = 0; i < n; i++) {
        int s = 0;
        for (int r = lo; r < hi; r++)
            s += val(r, i, salt);
        out[i] = s;
    }
}

/* Checks every result of j against its reference. */
static void job_check(struct job *j, int salt)
{
    int n = j->n, size = j->size, rank = j->rank, root = j->root;
    size_t N = (size_t)n, S = (size_t)size, I = sizeof(int);
    int *w =
        zalloc((N * S + (size_t)j->gv_total + (size_t)j->av_rtot + (size_t)j->rs_total) * I + 64);
    double *dw = zalloc(N * S * sizeof(double) + 8);

    if (rank == root) {
        for (int r = 0; r < size; r++)
            fill(w + N * (size_t)r, n, r, salt);
        expect(j->g_r, w, N * S * I, "Igather", n, salt);
        memset(w, 0xee, (size_t)j->gv_total * I);
        for (int r = 0; r < size; r++)
            fill(w + j->gv_dsp[r], j->gv_cnt[r], r, salt + 1);
        expect(j->gv_r, w, (size_t)j->gv_total * I, "Igatherv", n, salt);
    }
    fill(w, n, rank + 50, salt + 2);
    expect(j->sc_r, w, N * I, "Iscatter", n, salt);
    fill(w, j->gv_cnt[rank], rank + 60, salt + 12);
    expect(j->scv_r, w, (size_t)j->gv_cnt[rank] * I, "Iscatterv", n, salt);
    memset(w, 0xee, (size_t)j->av_rtot * I);
    for (int p = 0; p < size; p++)
        fill(w + j->av_rdsp[p], j->av_rcnt[p], p * 100 + rank, salt + 3);
    expect(j->av_r, w, (size_t)j->av_rtot * I, "Ialltoallv", n, salt);
    memset(w, 0xee, (size_t)j->av_rtot * I);
    for (int p = 0; p < size; p++)
        fill(w + j->av_rdsp[p], j->aw_rcnt[p], p * 100 + rank, salt + 4);
    expect(j->aw_r, w, (size_t)j->av_rtot * I, "Ialltoallw", n, salt);
    {
        int off = 0;
        for (int r = 0; r < rank; r++)
            off += j->rs_cnt[r];
        int *all = w + N * S;
        sum_ref(all, j->rs_total, 0, size, salt + 5);
        expect(j->rs_r, all + off, (size_t)j->rs_cnt[rank] * I, "Ireduce_scatter", n, salt);
    }
    /* Same bits as the blocking call: one schedule serves both here (MPICH's
     * nonblocking algorithms differ from its blocking ones: not checked). */
    MPI_CHECK(MPI_Reduce_scatter_block(j->rsb_s, dw, n, MPI_DOUBLE, MPI_SUM, j->comm));
    if (!th_library_is_mpich())
        expect(j->rsb_r, dw, N * sizeof(double), "Ireduce_scatter_block (bits)", n, salt);
    {
        int m = n & ~3;
        unsigned *acc = (unsigned *)w, *tmp = (unsigned *)(w + N);
        fill((int *)acc, m, 0, salt + 6);
        for (int r = 1; r <= rank; r++) { /* acc = acc op val(r): rank order */
            fill((int *)tmp, m, r, salt + 6);
            matmul(acc, tmp, &m, NULL);
            memcpy(acc, tmp, (size_t)m * I);
        }
        expect(j->scan_r, acc, (size_t)m * I, "Iscan(matmul)", n, salt);
    }
    if (rank > 0) {
        sum_ref(w, n, 0, rank, salt + 8);
        expect(j->ex_r, w, N * I, "Iexscan", n, salt);
    }
    fill(w, n, root, salt + 9);
    expect(j->bc, w, N * I, "Ibcast", n, salt);
    if (rank == root) {
        sum_ref(w, n, 0, size, salt);
        expect(j->rd_r, w, N * I, "Ireduce", n, salt);
    }
    sum_ref(w, n, 0, size, salt + 8);
    expect(j->ar_r, w, N * I, "Iallreduce", n, salt);
    for (int r = 0; r < size; r++)
        fill(w + N * (size_t)r, n, r, salt + 10);
    expect(j->ag_r, w, N * S * I, "Iallgather(in place)", n, salt);
    memset(w, 0xee, (size_t)j->gv_total * I);
    for (int r = 0; r < size; r++)
        fill(w + j->gv_dsp[r], j->gv_cnt[r], r, salt + 1);
    expect(j->agv_r, w, (size_t)j->gv_total * I, "Iallgatherv", n, salt);
    for (int r = 0; r < size; r++)
        fill(w + N * (size_t)r, n, r * 100 + rank, salt + 11);
    expect(j->aa_r, w, N * S * I, "Ialltoall", n, salt);
    free(w);
    free(dw);
}

/* Iscan on doubles against MPI_Scan: same bits (same order of additions). */
static void check_dscan(struct job *j, int salt)
{
    double *ref = zalloc((size_t)j->n * sizeof(double));
    MPI_Request rq;

    MPI_CHECK(MPI_Iscan(j->dscan_s, j->dscan_r, j->n, MPI_DOUBLE, MPI_SUM, j->comm, &rq));
    MPI_CHECK(MPI_Scan(j->dscan_s, ref, j->n, MPI_DOUBLE, MPI_SUM, j->comm));
    MPI_CHECK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    if (!th_library_is_mpich()) /* as for Ireduce_scatter_block */
        expect(j->dscan_r, ref, (size_t)j->n * sizeof(double), "Iscan(double, bits)", j->n, salt);
    free(ref);
}

static void move(void)
{
#ifdef MPIX_ANY_SPARE
    th_move();
#else
    CHECKF(0, "migration needs nanvix-mpi");
#endif
}

/* One nonblocking job; movers (or -1) move while it is in flight. */
static void run_nonblocking(MPI_Comm comm, int n, int salt, int ma, int mb)
{
    struct job j;
    int rank, size;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    job_alloc(&j, comm, n, salt % size);
    job_fill(&j, salt);
    job_post(&j, 0);
    if (rank == ma || rank == mb)
        move(); /* two ranks at the same moment, every operation pending */
    job_complete(&j, salt);
    job_check(&j, salt);
    check_dscan(&j, salt);
    job_free(&j);
}

/* One persistent job started `starts` times with new data; movers move
 * while a start is in flight, `pushed` is moved by rank 0 between starts.
 * Not on MPICH 4.0.2 (the reference run, run-on-mpich.sh): its persistent
 * Gather reads the send buffer at init, not at each start, and its root
 * never copies its own block (Gather_init of one int on 2 ranks, started
 * three times with new values, returns the init-time values). */
static void run_persistent(MPI_Comm comm, int n, int salt, int starts, int ma, int mb, int pushed)
{
    struct job j;
    int rank, size;

    if (th_library_is_mpich())
        return;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    job_alloc(&j, comm, n, salt % size);
    job_post(&j, 1);
    for (int k = 0; k < starts; k++) {
        job_fill(&j, salt + k);
        MPI_CHECK(MPI_Startall(NOPS, j.req));
        if (k == 1 && (rank == ma || rank == mb))
            move();
        job_complete(&j, salt + k);
        for (int i = 0; i < NOPS; i++) /* persistent: the handles stay */
            CHECKF(j.req[i] != MPI_REQUEST_NULL, "persistent request %d released", i);
        job_check(&j, salt + k);
#ifdef MPIX_ANY_SPARE
        if (pushed >= 0 && k == 0) {
            if (rank == 0 && pushed != 0)
                MPI_CHECK(MPIX_Migrate(pushed, MPIX_ANY_SPARE, comm));
            MPI_CHECK(MPI_Barrier(comm));
        }
#endif
    }
    for (int i = 0; i < NOPS; i++)
        MPI_CHECK(MPI_Request_free(&j.req[i]));
    job_free(&j);
}

static void check_errors(MPI_Comm comm)
{
    int rank, size, a[64] = {0}, b[64] = {0}, cnt[64], dsp[64];
    MPI_Datatype types[64];
    MPI_Request rq = MPI_REQUEST_NULL;
    MPI_Status st;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int i = 0; i < 64; i++)
        cnt[i] = 1, dsp[i] = i, types[i] = MPI_INT;
    MPI_CHECK(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
    CHECK_CLASS(MPI_Igather(a, 1, MPI_INT, b, 1, MPI_INT, 0, comm, NULL), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Igather(a, 1, MPI_INT, b, 1, MPI_INT, size, comm, &rq), MPI_ERR_ROOT);
    CHECK_CLASS(MPI_Igatherv(a, -1, MPI_INT, b, cnt, dsp, MPI_INT, 0, comm, &rq), MPI_ERR_COUNT);
    if (rank == 0)
        CHECK_CLASS(MPI_Iscatterv(a, NULL, dsp, MPI_INT, b, 1, MPI_INT, 0, comm, &rq), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Iscatter(a, 1, MPI_INT, b, 1, MPI_DATATYPE_NULL, 0, comm, &rq), MPI_ERR_TYPE);
    cnt[0] = -1;
    CHECK_CLASS(MPI_Ialltoallv(a, cnt, dsp, MPI_INT, b, cnt, dsp, MPI_INT, comm, &rq),
                MPI_ERR_COUNT);
    cnt[0] = 1;
    CHECK_CLASS(MPI_Ialltoallw(a, cnt, dsp, NULL, b, cnt, dsp, types, comm, &rq), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Ireduce_scatter(a, b, cnt, MPI_INT, MPI_OP_NULL, comm, &rq), MPI_ERR_OP);
    CHECK_CLASS(MPI_Ireduce_scatter(a, b, NULL, MPI_INT, MPI_SUM, comm, &rq), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Ireduce_scatter_block(a, b, -1, MPI_INT, MPI_SUM, comm, &rq), MPI_ERR_COUNT);
    CHECK_CLASS(MPI_Iscan(a, a, 1, MPI_INT, MPI_SUM, comm, &rq), MPI_ERR_BUFFER);
    CHECK_CLASS(MPI_Iexscan(a, b, 1, MPI_DATATYPE_NULL, MPI_SUM, comm, &rq), MPI_ERR_TYPE);
    CHECK_CLASS(MPI_Iexscan(a, b, 1, MPI_DOUBLE, MPI_BAND, comm, &rq), MPI_ERR_OP);
    CHECK_CLASS(MPI_Scan_init(a, b, 1, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL, NULL), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Bcast_init(a, 1, MPI_INT, -1, comm, MPI_INFO_NULL, &rq), MPI_ERR_ROOT);
    CHECK(rq == MPI_REQUEST_NULL);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_CLASS(MPI_Barrier_init(MPI_COMM_NULL, MPI_INFO_NULL, &rq), MPI_ERR_COMM);

    /* A persistent collective: Wait while inactive returns at once with an
     * empty status; Start while active and Request_free while active are
     * refused; once complete it can be started again, then freed. */
    a[0] = rank + 1;
    MPI_CHECK(MPI_Allreduce_init(a, b, 1, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL, &rq));
    MPI_CHECK(MPI_Wait(&rq, &st));
    CHECK(rq != MPI_REQUEST_NULL);
    MPI_CHECK(MPI_Start(&rq));
    CHECK_CLASS(MPI_Start(&rq), MPI_ERR_REQUEST);
    CHECK_CLASS(MPI_Request_free(&rq), MPI_ERR_REQUEST);
    MPI_CHECK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    CHECKF(b[0] == size * (size + 1) / 2, "Allreduce_init: %d", b[0]);
    a[0] = 2 * (rank + 1);
    MPI_CHECK(MPI_Start(&rq));
    MPI_CHECK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    CHECKF(b[0] == size * (size + 1), "Allreduce_init restarted: %d", b[0]);
    MPI_CHECK(MPI_Request_free(&rq));
    CHECK(rq == MPI_REQUEST_NULL);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    MPI_CHECK(MPI_Comm_set_errhandler(comm, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";
    static const int counts[] = {0, 1, 7, 3000, 20000};
    int rank, size;

    MPI_CHECK(MPI_Init(&argc, &argv));
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_CHECK(MPI_Op_create(matmul, 0, &op_matmul));
    MPI_CHECK(MPI_Type_contiguous(2, MPI_INT, &t_pair));
    MPI_CHECK(MPI_Type_commit(&t_pair));
    if (strcmp(mode, "migrate") == 0) {
        int rounds = argc > 2 ? atoi(argv[2]) : 2;
        for (int r = 0; r < rounds; r++) {
            int ma = r % size, mb = (r + 1) % size, pushed = (r + 2) % size;
            run_nonblocking(MPI_COMM_WORLD, r % 2 ? 3000 : 20000, r, ma, mb);
            run_persistent(MPI_COMM_WORLD, r % 2 ? 20000 : 3000, r + 100, 3, ma, mb, pushed);
        }
        if (rank == 0)
            printf("coll_nbc migrate: OK %d rounds %d ranks\n", rounds, size);
    } else {
        MPI_Comm rev;
        MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, 0, size - rank, &rev));
        for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
            run_nonblocking(MPI_COMM_WORLD, counts[c], (int)c, -1, -1);
            run_nonblocking(rev, counts[c], (int)c + 1, -1, -1);
            run_persistent(MPI_COMM_WORLD, counts[c], (int)c + 2, 3, -1, -1, -1);
            run_persistent(rev, counts[c], (int)c + 3, 2, -1, -1, -1);
        }
        if (!th_library_is_mpich())
            check_errors(rev);
        MPI_CHECK(MPI_Comm_free(&rev));
        if (rank == 0)
            printf("coll_nbc: OK %d ranks\n", size);
    }
    MPI_CHECK(MPI_Type_free(&t_pair));
    MPI_CHECK(MPI_Op_free(&op_matmul));
    MPI_CHECK(MPI_Finalize());
    return 0;
}
