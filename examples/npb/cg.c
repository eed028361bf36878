/* cg.c: NPB CG: smallest eigenvalue estimate of a random sparse SPD matrix.
 *
 * The matrix is NPB's makea: na random sparse vectors v_i (nonzer random
 * positions plus position i set to 0.5), A = sum_i s_i v_i v_i^T +
 * (rcond - shift) I with s_i a geometric sequence from 1 down to rcond.
 * Every rank replays the whole random stream (cheap) but keeps only the
 * entries of its block of rows, then builds CSR rows with ascending columns.
 *
 * The inverse power method runs niter outer iterations of 25 conjugate
 * gradient steps each, on the row-block decomposition: vectors are split like
 * the rows, dot products are local sums added with Allreduce, and before each
 * product A p the blocks of p are gathered on every rank by recursive doubling
 * with Sendrecv (the number of ranks is a power of two). One outer iteration
 * is one "iteration" for the migration schedule.
 */
#include "npb_common.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CG_SEED  314159265ULL
#define CG_RCOND 0.1
#define CG_STEPS 25

struct cg_class {
    char cls;
    int na, nonzer, niter;
    double shift, zeta;
};

/* clang-format off: one class per row reads best */
static const struct cg_class cg_classes[] = {
    {'S', 1400, 7, 15, 10.0, 8.5971775078648},
    {'W', 7000, 8, 15, 12.0, 10.362595087124},
    {'A', 14000, 11, 15, 20.0, 17.130235054029},
};
/* clang-format on */

/* One entry of the matrix before assembly. */
struct cg_entry {
    int row, col;
    double val;
};

struct cg_state {
    const struct cg_class *c;
    int rank, size, lo, hi, n; /* my rows [lo, hi), n = hi - lo */
    int *rowptr, *col;         /* CSR of my rows, global column numbers */
    double *val;
    double *x, *z, *r, *p, *q, *full; /* local blocks; full: a gathered vector */
    long nnz;
};

static int cg_block(const struct cg_state *s, int r)
{
    return (int)((long)s->c->na * r / s->size);
}

/* Draws the positions and values of sparse vector `i` (1-based) into pos/v;
 * returns its length. Rejected draws still use up two numbers, as in NPB. */
static int cg_vector(const struct cg_class *c, int nn1, uint64_t *x, int i, int *pos, double *v)
{
    int n = 0;

    while (n < c->nonzer) {
        double val = npb_randlc(x, NPB_MULT), loc = npb_randlc(x, NPB_MULT);
        int p = (int)(nn1 * loc) + 1, dup = 0;
        if (p > c->na)
            continue;
        for (int k = 0; k < n; k++)
            dup |= pos[k] == p;
        if (dup)
            continue;
        pos[n] = p;
        v[n++] = val;
    }
    for (int k = 0; k < n; k++)
        if (pos[k] == i) {
            v[k] = 0.5;
            return n;
        }
    pos[n] = i;
    v[n++] = 0.5;
    return n;
}

/* Replays makea and returns the entries that fall in my rows (0-based indices). */
static struct cg_entry *cg_entries(const struct cg_state *s, long *count_p)
{
    const struct cg_class *c = s->c;
    int nn1 = 1, pos[64];
    double v[64], scale = 1.0, ratio = exp(log(CG_RCOND) / c->na);
    uint64_t x = CG_SEED;
    long n = 0, cap = 1024;
    struct cg_entry *e = malloc(sizeof *e * cap);

    while (nn1 < c->na)
        nn1 *= 2;
    npb_randlc(&x, NPB_MULT); /* NPB draws one number first and discards it */
    for (int i = 1; i <= c->na && e != NULL; i++) {
        int len = cg_vector(c, nn1, &x, i, pos, v);
        for (int j = 0; j < len && e != NULL; j++) {
            if (pos[j] - 1 < s->lo || pos[j] - 1 >= s->hi)
                continue;
            for (int k = 0; k < len; k++) {
                if (n == cap)
                    e = realloc(e, sizeof *e * (cap *= 2));
                if (e == NULL)
                    break;
                double a = v[j] * v[k] * scale;
                if (pos[j] == i && pos[k] == i)
                    a += CG_RCOND - c->shift;
                e[n++] = (struct cg_entry){pos[j] - 1, pos[k] - 1, a};
            }
        }
        scale *= ratio;
    }
    *count_p = n;
    return e;
}

/* Builds CSR rows from the entries: stable sort by column, duplicates summed. */
static void cg_assemble(struct cg_state *s, const struct cg_entry *e, long ne)
{
    int *fill = calloc((size_t)s->n + 1, sizeof(int));

    s->rowptr = calloc((size_t)s->n + 1, sizeof(int));
    s->col = malloc(sizeof(int) * (ne + 1));
    s->val = malloc(sizeof(double) * (ne + 1));
    if (fill == NULL || s->rowptr == NULL || s->col == NULL || s->val == NULL)
        npb_refuse("cg: out of memory");
    for (long k = 0; k < ne; k++)
        s->rowptr[e[k].row - s->lo + 1]++;
    for (int i = 0; i < s->n; i++)
        s->rowptr[i + 1] += s->rowptr[i];
    for (long k = 0; k < ne; k++) {
        int i = e[k].row - s->lo, at = s->rowptr[i] + fill[i]++;
        /* insertion keeps the row sorted and equal columns in generation order */
        while (at > s->rowptr[i] && s->col[at - 1] > e[k].col) {
            s->col[at] = s->col[at - 1];
            s->val[at] = s->val[at - 1];
            at--;
        }
        s->col[at] = e[k].col;
        s->val[at] = e[k].val;
    }
    long out = 0; /* merge equal columns in place */
    for (int i = 0; i < s->n; i++) {
        int start = s->rowptr[i], end = s->rowptr[i + 1];
        s->rowptr[i] = (int)out;
        for (int k = start; k < end; k++) {
            if (k > start && s->col[k] == s->col[out - 1]) {
                s->val[out - 1] += s->val[k];
                continue;
            }
            s->col[out] = s->col[k];
            s->val[out++] = s->val[k];
        }
    }
    s->rowptr[s->n] = (int)out;
    s->nnz = out;
    free(fill);
}

/* Gathers the blocks `local` of all ranks into s->full by recursive doubling. */
static void cg_gather(struct cg_state *s, const double *local)
{
    memcpy(s->full + s->lo, local, sizeof(double) * s->n);
    for (int bit = 1; bit < s->size; bit <<= 1) {
        int mine = s->rank & ~(bit - 1), theirs = mine ^ bit;
        int mlo = cg_block(s, mine), mhi = cg_block(s, mine + bit);
        int tlo = cg_block(s, theirs), thi = cg_block(s, theirs + bit);
        MPI_Sendrecv(s->full + mlo, mhi - mlo, MPI_DOUBLE, s->rank ^ bit, bit, s->full + tlo,
                     thi - tlo, MPI_DOUBLE, s->rank ^ bit, bit, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
}

/* out = A v for my rows; v is gathered first. */
static void cg_matvec(struct cg_state *s, const double *v, double *out)
{
    cg_gather(s, v);
    for (int i = 0; i < s->n; i++) {
        double sum = 0.0;
        for (int k = s->rowptr[i]; k < s->rowptr[i + 1]; k++)
            sum += s->val[k] * s->full[s->col[k]];
        out[i] = sum;
    }
}

static double cg_dot(const struct cg_state *s, const double *a, const double *b)
{
    double local = 0.0, sum;

    for (int i = 0; i < s->n; i++)
        local += a[i] * b[i];
    MPI_Allreduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return sum;
}

/* 25 CG steps on A z = x from z = 0; returns ||x - A z||. */
static double cg_solve(struct cg_state *s)
{
    double rho, rnorm;

    for (int i = 0; i < s->n; i++) {
        s->z[i] = 0.0;
        s->r[i] = s->p[i] = s->x[i];
    }
    rho = cg_dot(s, s->r, s->r);
    for (int step = 0; step < CG_STEPS; step++) {
        cg_matvec(s, s->p, s->q);
        double alpha = rho / cg_dot(s, s->p, s->q), rho0 = rho;
        for (int i = 0; i < s->n; i++) {
            s->z[i] += alpha * s->p[i];
            s->r[i] -= alpha * s->q[i];
        }
        rho = cg_dot(s, s->r, s->r);
        double beta = rho / rho0;
        for (int i = 0; i < s->n; i++)
            s->p[i] = s->r[i] + beta * s->p[i];
    }
    cg_matvec(s, s->z, s->r);
    for (int i = 0; i < s->n; i++)
        s->r[i] = s->x[i] - s->r[i];
    rnorm = sqrt(cg_dot(s, s->r, s->r));
    return rnorm;
}

/* One outer iteration of the inverse power method: z = A^-1 x (25 CG steps),
 * x = z / ||z||. Returns zeta = shift + 1 / (x.z); *rnorm_p = ||x - A z||. */
static double cg_outer(struct cg_state *s, double *rnorm_p)
{
    *rnorm_p = cg_solve(s);
    double xz = cg_dot(s, s->x, s->z), zz = cg_dot(s, s->z, s->z);
    for (int i = 0; i < s->n; i++)
        s->x[i] = s->z[i] / sqrt(zz);
    return s->c->shift + 1.0 / xz;
}

static void cg_ones(struct cg_state *s)
{
    for (int i = 0; i < s->n; i++)
        s->x[i] = 1.0;
}

static void cg_setup(struct cg_state *s)
{
    long ne, nnz;
    struct cg_entry *e;

    s->lo = cg_block(s, s->rank);
    s->hi = cg_block(s, s->rank + 1);
    s->n = s->hi - s->lo;
    e = cg_entries(s, &ne);
    if (e == NULL)
        npb_refuse("cg: out of memory");
    cg_assemble(s, e, ne);
    free(e);
    double *v = malloc(sizeof(double) * (5 * (size_t)s->n + s->c->na));
    if (v == NULL)
        npb_refuse("cg: out of memory");
    s->x = v, s->z = v + s->n, s->r = v + 2 * s->n, s->p = v + 3 * s->n, s->q = v + 4 * s->n;
    s->full = v + 5 * s->n;
    MPI_Allreduce(&s->nnz, &nnz, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    npb_say(" Nonzeros after assembly: %ld\n", nnz);
}

int main(int argc, char **argv)
{
    struct npb_args a;
    struct cg_state s = {0};
    double zeta = 0.0, rnorm;
    char size[32];

    npb_start(&argc, &argv, "cg", "SWA", &a);
    for (size_t i = 0; i < sizeof cg_classes / sizeof cg_classes[0]; i++)
        if (cg_classes[i].cls == a.cls)
            s.c = &cg_classes[i];
    s.rank = a.rank;
    s.size = a.size;
    npb_say(" NAS Parallel Benchmarks (nanvix-mpi examples) - CG Benchmark\n"
            " Size: %d\n Iterations: %d\n Number of processes: %d\n",
            s.c->na, s.c->niter, a.size);
    cg_setup(&s);

    cg_ones(&s); /* one untimed outer iteration warms up, as in NPB */
    cg_outer(&s, &rnorm);
    cg_ones(&s);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int it = 1; it <= s.c->niter; it++) {
        npb_migrate_point(it);
        zeta = cg_outer(&s, &rnorm);
        npb_say("   iteration %2d: ||r|| = %.14e zeta = %.14e\n", it, rnorm, zeta);
    }
    double t = MPI_Wtime() - t0;

    npb_say(" zeta = %.13f, reference %.13f\n", zeta, s.c->zeta);
    const struct cg_class *c = s.c;
    double nz1 = (double)c->nonzer * (c->nonzer + 1);
    double ops = 2.0 * c->niter * c->na * (3.0 + nz1 + 25.0 * (5.0 + nz1) + 3.0);
    snprintf(size, sizeof size, "%d", c->na);
    struct npb_result r = {.kernel = "CG",
                           .cls = a.cls,
                           .size = size,
                           .iterations = c->niter,
                           .time = t,
                           .mops = ops * 1e-6,
                           .optype = "floating point",
                           .verified = npb_close(zeta, c->zeta, 1e-10)};
    return npb_finish(&r);
}
