/* mg.c: NPB MG: V-cycle multigrid on a periodic 3-D grid.
 *
 * Solves A u = v on an n^3 periodic grid (v is +1 at the 10 largest and -1
 * at the 10 smallest values of a random field) with nit V-cycles, and
 * verifies the L2 norm of the final residual. The operators (residual A,
 * smoother C, restriction P, prolongation Q) are NPB's 27-point stencils.
 *
 * Decomposition: each level is cut in z into equal slabs, one per rank, with
 * one ghost plane on each side refreshed after every operator (Sendrecv with
 * the neighbours; x and y wrap around in place). Levels with fewer planes
 * than ranks are replicated: every rank holds and computes them whole. The
 * restriction onto the first replicated level adds up each rank's share with
 * an Allreduce. One V-cycle is one "iteration" for the migration schedule.
 */
#include "npb_common.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MG_SEED  314159265ULL
#define MG_MAXLV 12
#define MG_NX    10 /* +1 and -1 points of the right-hand side each */

struct mg_class {
    char cls;
    int lt, nit; /* grid 2^lt per dimension */
    double rnm2;
};

/* clang-format off: one class per row reads best */
static const struct mg_class mg_classes[] = {
    {'S', 5, 4, 0.5307707005734e-04},
    {'W', 7, 4, 0.6467329375339e-05},
    {'A', 8, 4, 0.2433365309069e-05},
};
/* clang-format on */

/* Coefficients by number of nonzero offsets (centre, face, edge, corner). */
static const double mg_a[4] = {-8.0 / 3.0, 0.0, 1.0 / 6.0, 1.0 / 12.0};
static const double mg_c[4] = {-3.0 / 8.0, 1.0 / 32.0, -1.0 / 64.0, 0.0};

/* One level's array: planes z0 .. z0+nz-1 of an n^3 grid, plus a ghost plane
 * on each side; x is fastest. dist is 0 for a replicated level (z0 = 0, nz = n). */
struct mg_grid {
    int n, z0, nz, dist;
    double *d;
};

static int mg_rank, mg_size;
static double *mg_row1, *mg_row2; /* scratch rows of the finest length */

/* The plane of global index z, which may be one below or above the slab. */
static double *mg_plane(const struct mg_grid *g, int z)
{
    return g->d + (size_t)(z - g->z0 + 1) * g->n * g->n;
}

static void mg_grid_init(struct mg_grid *g, int n)
{
    g->n = n;
    g->dist = n >= mg_size;
    g->z0 = g->dist ? n / mg_size * mg_rank : 0;
    g->nz = g->dist ? n / mg_size : n;
    g->d = calloc((size_t)(g->nz + 2) * n * n, sizeof(double));
    if (g->d == NULL)
        npb_refuse("mg: out of memory");
}

/* Refreshes the ghost planes from the neighbouring slabs (periodic in z). */
static void mg_ghosts(struct mg_grid *g)
{
    size_t plane = (size_t)g->n * g->n;
    double *lo = mg_plane(g, g->z0), *hi = mg_plane(g, g->z0 + g->nz - 1);

    if (!g->dist || mg_size == 1) {
        memcpy(lo - plane, hi, plane * sizeof(double));
        memcpy(hi + plane, lo, plane * sizeof(double));
        return;
    }
    int up = (mg_rank + 1) % mg_size, down = (mg_rank + mg_size - 1) % mg_size;
    MPI_Sendrecv(hi, (int)plane, MPI_DOUBLE, up, 1, lo - plane, (int)plane, MPI_DOUBLE, down, 1,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(lo, (int)plane, MPI_DOUBLE, down, 2, hi + plane, (int)plane, MPI_DOUBLE, up, 2,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

static int mg_wrap(int i, int n)
{
    return i < 0 ? i + n : i >= n ? i - n : i;
}

/* out = base + sign * S in on the owned planes, S the 27-point stencil with
 * coefficients coef by class; base may be out itself. Refreshes out's ghosts. */
static void mg_stencil(const struct mg_grid *in, const double coef[4], double sign,
                       const struct mg_grid *base, struct mg_grid *out)
{
    int n = in->n;
    double *f1 = mg_row1, *f2 = mg_row2;

    for (int k = in->z0; k < in->z0 + in->nz; k++) {
        const double *km = mg_plane(in, k - 1), *k0 = mg_plane(in, k), *kp = mg_plane(in, k + 1);
        for (int j = 0; j < n; j++) {
            int jm = mg_wrap(j - 1, n) * n, jp = mg_wrap(j + 1, n) * n, jj = j * n;
            const double *c = k0 + jj;
            for (int i = 0; i < n; i++) {
                f1[i] = k0[jm + i] + k0[jp + i] + km[jj + i] + kp[jj + i];
                f2[i] = km[jm + i] + km[jp + i] + kp[jm + i] + kp[jp + i];
            }
            const double *b = mg_plane(base, k) + jj;
            double *o = mg_plane(out, k) + jj;
            for (int i = 0; i < n; i++) {
                int im = mg_wrap(i - 1, n), ip = mg_wrap(i + 1, n);
                double faces = c[im] + c[ip] + f1[i];
                double edges = f1[im] + f1[ip] + f2[i];
                double corners = f2[im] + f2[ip];
                o[i] = b[i] + sign * (coef[0] * c[i] + coef[1] * faces + coef[2] * edges +
                                      coef[3] * corners);
            }
        }
    }
    mg_ghosts(out);
}

/* Adds w * (restriction in x and y of fine plane fp) to the coarse plane cp. */
static void mg_restrict_plane(const double *fp, int nf, double w, double *cp)
{
    int nc = nf / 2;

    for (int jc = 0; jc < nc; jc++)
        for (int oy = -1; oy <= 1; oy++) {
            const double *row = fp + (size_t)mg_wrap(2 * jc + 1 + oy, nf) * nf;
            double wy = w * (oy ? 0.5 : 1.0);
            double *c = cp + (size_t)jc * nc;
            for (int ic = 0; ic < nc; ic++) {
                int f = 2 * ic + 1;
                c[ic] += wy * (0.5 * row[f - 1] + row[f] + 0.5 * row[mg_wrap(f + 1, nf)]);
            }
        }
}

/* coarse = P fine: weight 1/2 * (1/2 per nonzero offset). Onto a replicated
 * level from a distributed one, each rank adds what its own planes give and
 * an Allreduce sums the shares. */
static void mg_restrict(const struct mg_grid *fine, struct mg_grid *coarse)
{
    int nf = fine->n, shared = fine->dist && !coarse->dist && mg_size > 1;
    size_t plane = (size_t)coarse->n * coarse->n;

    memset(mg_plane(coarse, coarse->z0), 0, plane * coarse->nz * sizeof(double));
    for (int k = coarse->z0; k < coarse->z0 + coarse->nz; k++)
        for (int oz = -1; oz <= 1; oz++) {
            int fz = 2 * k + 1 + oz;
            if (shared) {
                fz = mg_wrap(fz, nf); /* owned planes only: no share counted twice */
                if (fz < fine->z0 || fz >= fine->z0 + fine->nz)
                    continue;
            }
            mg_restrict_plane(mg_plane(fine, fz), nf, oz ? 0.25 : 0.5, mg_plane(coarse, k));
        }
    if (shared)
        MPI_Allreduce(MPI_IN_PLACE, mg_plane(coarse, 0), (int)(plane * coarse->n), MPI_DOUBLE,
                      MPI_SUM, MPI_COMM_WORLD);
    mg_ghosts(coarse);
}

/* The one or two coarse indices (and weights) a fine index F draws from:
 * F = 2C+1 takes C; F = 2C+2 takes C and C+1 by halves. Returns how many. */
static int mg_parents(int f, int c[2], double w[2])
{
    if (f & 1) {
        c[0] = (f - 1) / 2, w[0] = 1.0;
        return 1;
    }
    c[0] = f / 2 - 1, c[1] = f / 2, w[0] = w[1] = 0.5;
    return 2;
}

/* fine += Q coarse on the owned planes of fine, then its ghosts are refreshed. */
static void mg_interp(const struct mg_grid *coarse, struct mg_grid *fine)
{
    int nf = fine->n, nc = coarse->n, cz[2], cy[2], cx[2];
    double wz[2], wy[2], wx[2], *t = mg_row1;

    for (int k = fine->z0; k < fine->z0 + fine->nz; k++) {
        int lz = mg_parents(k, cz, wz);
        for (int j = 0; j < nf; j++) {
            int ly = mg_parents(j, cy, wy);
            memset(t, 0, sizeof(double) * nc);
            for (int a = 0; a < lz; a++)
                for (int b = 0; b < ly; b++) {
                    const double *row = mg_plane(coarse, cz[a]) + (size_t)mg_wrap(cy[b], nc) * nc;
                    for (int ic = 0; ic < nc; ic++)
                        t[ic] += wz[a] * wy[b] * row[ic];
                }
            double *o = mg_plane(fine, k) + (size_t)j * nf;
            for (int i = 0; i < nf; i++) {
                int lx = mg_parents(i, cx, wx);
                for (int a = 0; a < lx; a++)
                    o[i] += wx[a] * t[mg_wrap(cx[a], nc)];
            }
        }
    }
    mg_ghosts(fine);
}

static void mg_zero(struct mg_grid *g)
{
    memset(g->d, 0, sizeof(double) * (size_t)(g->nz + 2) * g->n * g->n);
}

/* One V-cycle (NPB's mg3P) on levels 1..lt. */
static void mg_vcycle(struct mg_grid *u, struct mg_grid *r, const struct mg_grid *v, int lt)
{
    for (int k = lt; k >= 2; k--)
        mg_restrict(&r[k], &r[k - 1]);
    mg_zero(&u[1]);
    mg_stencil(&r[1], mg_c, 1.0, &u[1], &u[1]);
    for (int k = 2; k < lt; k++) {
        mg_zero(&u[k]);
        mg_interp(&u[k - 1], &u[k]);
        mg_stencil(&u[k], mg_a, -1.0, &r[k], &r[k]);
        mg_stencil(&r[k], mg_c, 1.0, &u[k], &u[k]);
    }
    mg_interp(&u[lt - 1], &u[lt]);
    mg_stencil(&u[lt], mg_a, -1.0, v, &r[lt]);
    mg_stencil(&r[lt], mg_c, 1.0, &u[lt], &u[lt]);
}

/* Keeps the MG_NX largest (sign +1) or smallest (sign -1) values in best[]
 * (with their global point numbers in at[]); best is sorted, worst first. */
static void mg_keep(double val, long pos, int sign, double *best, long *at)
{
    if (sign * val <= sign * best[0])
        return;
    int i = 0;
    for (; i + 1 < MG_NX && sign * val > sign * best[i + 1]; i++) {
        best[i] = best[i + 1];
        at[i] = at[i + 1];
    }
    best[i] = val;
    at[i] = pos;
}

/* v = +1 at the MG_NX largest and -1 at the MG_NX smallest points of the random field. */
static void mg_rhs(struct mg_grid *v)
{
    int n = v->n;
    size_t plane = (size_t)n * n;
    uint64_t x = npb_skip(MG_SEED, NPB_MULT, plane * v->z0);
    double big[MG_NX], small[MG_NX];
    long bat[MG_NX] = {0}, sat[MG_NX] = {0};

    for (int i = 0; i < MG_NX; i++)
        big[i] = -1.0, small[i] = 2.0;
    for (int k = v->z0; k < v->z0 + v->nz; k++) {
        double *p = mg_plane(v, k);
        npb_vranlc((long)plane, &x, NPB_MULT, p);
        for (size_t i = 0; i < plane; i++) {
            mg_keep(p[i], (long)(k * plane + i), 1, big, bat);
            mg_keep(p[i], (long)(k * plane + i), -1, small, sat);
        }
        memset(p, 0, plane * sizeof(double));
    }
    /* Every rank's candidates at its own offset; the sum collects them all. */
    double *cand = calloc(4 * (size_t)MG_NX * mg_size, sizeof(double));
    double *all = malloc(4 * sizeof(double) * MG_NX * mg_size);
    if (cand == NULL || all == NULL)
        npb_refuse("mg: out of memory");
    for (int i = 0; i < MG_NX; i++) {
        double *c = cand + 4 * (MG_NX * mg_rank + i);
        c[0] = big[i], c[1] = (double)bat[i], c[2] = small[i], c[3] = (double)sat[i];
    }
    MPI_Allreduce(cand, all, 4 * MG_NX * mg_size, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < MG_NX; i++)
        big[i] = -1.0, small[i] = 2.0;
    for (int c = 0; c < MG_NX * mg_size; c++) {
        mg_keep(all[4 * c], (long)all[4 * c + 1], 1, big, bat);
        mg_keep(all[4 * c + 2], (long)all[4 * c + 3], -1, small, sat);
    }
    for (int i = 0; i < MG_NX; i++) {
        int kb = (int)(bat[i] / (long)plane), ks = (int)(sat[i] / (long)plane);
        if (kb >= v->z0 && kb < v->z0 + v->nz)
            mg_plane(v, kb)[bat[i] % (long)plane] = 1.0;
        if (ks >= v->z0 && ks < v->z0 + v->nz)
            mg_plane(v, ks)[sat[i] % (long)plane] = -1.0;
    }
    mg_ghosts(v);
    free(cand);
    free(all);
}

/* sqrt(sum r^2 / n^3) over the whole finest grid. */
static double mg_norm(const struct mg_grid *r)
{
    double local = 0.0, sum;
    size_t cnt = (size_t)r->nz * r->n * r->n;
    const double *p = mg_plane(r, r->z0);

    for (size_t i = 0; i < cnt; i++)
        local += p[i] * p[i];
    MPI_Allreduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return sqrt(sum / ((double)r->n * r->n * r->n));
}

int main(int argc, char **argv)
{
    struct npb_args a;
    const struct mg_class *c = NULL;
    struct mg_grid u[MG_MAXLV + 1], r[MG_MAXLV + 1], v;
    char size[32];

    npb_start(&argc, &argv, "mg", "SWA", &a);
    for (size_t i = 0; i < sizeof mg_classes / sizeof mg_classes[0]; i++)
        if (mg_classes[i].cls == a.cls)
            c = &mg_classes[i];
    mg_rank = a.rank, mg_size = a.size;
    int n = 1 << c->lt;
    if (a.size > n)
        npb_refuse("mg: more processes than grid planes");
    mg_row1 = malloc(sizeof(double) * n);
    mg_row2 = malloc(sizeof(double) * n);
    for (int k = 1; k <= c->lt; k++) {
        mg_grid_init(&u[k], 1 << k);
        mg_grid_init(&r[k], 1 << k);
    }
    mg_grid_init(&v, n);
    npb_say(" NAS Parallel Benchmarks (nanvix-mpi examples) - MG Benchmark\n"
            " Size: %dx%dx%d\n Iterations: %d\n Number of processes: %d\n",
            n, n, n, c->nit, a.size);
    mg_rhs(&v);

    /* One untimed V-cycle warms up, as in NPB; u = 0 again afterwards. */
    mg_stencil(&u[c->lt], mg_a, -1.0, &v, &r[c->lt]);
    mg_vcycle(u, r, &v, c->lt);
    for (int k = 1; k <= c->lt; k++)
        mg_zero(&u[k]);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    mg_stencil(&u[c->lt], mg_a, -1.0, &v, &r[c->lt]); /* r = v - A u, u = 0 */
    for (int it = 1; it <= c->nit; it++) {
        npb_migrate_point(it);
        mg_vcycle(u, r, &v, c->lt);
        mg_stencil(&u[c->lt], mg_a, -1.0, &v, &r[c->lt]);
    }
    double rnm2 = mg_norm(&r[c->lt]);
    double t = MPI_Wtime() - t0;

    npb_say(" L2 norm of the residual = %.13e, reference %.13e\n", rnm2, c->rnm2);
    snprintf(size, sizeof size, "%dx%dx%d", n, n, n);
    struct npb_result res = {.kernel = "MG",
                             .cls = a.cls,
                             .size = size,
                             .iterations = c->nit,
                             .time = t,
                             .mops = 58.0 * c->nit * (double)n * n * n * 1e-6,
                             .optype = "floating point",
                             .verified = npb_close(rnm2, c->rnm2, 1e-8)};
    return npb_finish(&res);
}
