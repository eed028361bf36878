/* ft.c: NPB FT: a 3-D diffusion equation solved with FFTs.
 *
 * A random complex field u (x fastest) is transformed forward once; each of
 * the niter steps multiplies the spectrum by exp(-4 alpha pi^2 |k|^2), takes
 * the inverse transform of a copy, and computes NPB's checksum (a sum over
 * 1024 scattered points, divided by the grid size), verified at every step.
 *
 * Decomposition: in real space each rank holds a slab of z planes [z][y][x];
 * in spectral space a slab of y rows [y][x][z] with z contiguous. The x and
 * y transforms run on the z slab, one MPI_Alltoall turns it into the y slab
 * for the z transform, and back for the inverse. The spectrum stays in the y
 * slab, so each step needs one all-to-all. FFTs are iterative radix-2. One
 * time step is one "iteration" for the migration schedule.
 */
#include "npb_common.h"

#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FT_SEED  314159265ULL
#define FT_ALPHA 1.0e-6
#define FT_STEPS 6
#define FT_PI    3.141592653589793238

typedef double complex ft_cplx;

struct ft_class {
    char cls;
    int nx, ny, nz;
    double ref[FT_STEPS][2];
};

/* clang-format off: one class per row reads best */
static const struct ft_class ft_classes[] = {
    {'S',
     64,
     64,
     64,
     {{5.546087004964e+02, 4.845363331978e+02},
      {5.546385409189e+02, 4.865304269511e+02},
      {5.546148406171e+02, 4.883910722336e+02},
      {5.545423607415e+02, 4.901273169046e+02},
      {5.544255039624e+02, 4.917475857993e+02},
      {5.542683411902e+02, 4.932597244941e+02}}},
    {'W',
     128,
     128,
     32,
     {{5.673612178944e+02, 5.293246849175e+02},
      {5.631436885271e+02, 5.282149986629e+02},
      {5.594024089970e+02, 5.270996558037e+02},
      {5.560698047020e+02, 5.260027904925e+02},
      {5.530898991250e+02, 5.249400845633e+02},
      {5.504159734538e+02, 5.239212247086e+02}}},
    {'A',
     256,
     256,
     128,
     {{5.046735008193e+02, 5.114047905510e+02},
      {5.059412319734e+02, 5.098809666433e+02},
      {5.069376896287e+02, 5.098144042213e+02},
      {5.077892868474e+02, 5.101336130759e+02},
      {5.085233095391e+02, 5.104914655194e+02},
      {5.091487099959e+02, 5.107917842803e+02}}},
};
/* clang-format on */

struct ft_state {
    const struct ft_class *c;
    int rank, size, nx, ny, nz, nzl, nyl; /* local slab thicknesses */
    ft_cplx *slab;                        /* real space, z slab: [nzl][ny][nx] */
    ft_cplx *spec;                        /* spectrum, y slab: [nyl][nx][nz] */
    ft_cplx *work;                        /* a copy of spec being transformed back */
    ft_cplx *sbuf, *rbuf, *line;
    double *decay;  /* exp(-4 alpha pi^2 |k|^2) per spectral point */
    ft_cplx *tw[3]; /* exp(2 pi i k / n) for n = nx, ny, nz, k < n/2 */
};

/* exp(2 pi i k / n) for k < n/2 (the inverse uses the conjugates). */
static ft_cplx *ft_twiddles(int n)
{
    ft_cplx *w = malloc(sizeof(ft_cplx) * (n / 2 + 1));

    if (w == NULL)
        npb_refuse("ft: out of memory");
    for (int k = 0; k < n / 2; k++)
        w[k] = cexp(2.0 * FT_PI * I * k / n);
    return w;
}

/* In-place radix-2 FFT of a[0..n-1]: sum_j a_j exp(sign 2 pi i jk/n), unnormalised. */
static void ft_fft(ft_cplx *a, int n, int sign, const ft_cplx *tw)
{
    for (int i = 1, j = 0; i < n; i++) { /* bit-reversal permutation */
        int bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j |= bit;
        if (i < j) {
            ft_cplx t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        int half = len / 2, step = n / len;
        for (int s = 0; s < n; s += len)
            for (int k = 0; k < half; k++) {
                ft_cplx w = sign > 0 ? tw[k * step] : conj(tw[k * step]);
                ft_cplx t = w * a[s + k + half];
                a[s + k + half] = a[s + k] - t;
                a[s + k] += t;
            }
    }
}

/* Transforms `count` lines of length n, `stride` apart element to element
 * and `dist` apart line to line, through the contiguous scratch line. */
static void ft_lines(struct ft_state *s, ft_cplx *base, int count, long dist, int n, long stride,
                     int sign, const ft_cplx *tw)
{
    for (int l = 0; l < count; l++) {
        ft_cplx *p = base + l * dist;
        if (stride == 1) {
            ft_fft(p, n, sign, tw);
            continue;
        }
        for (int i = 0; i < n; i++)
            s->line[i] = p[i * stride];
        ft_fft(s->line, n, sign, tw);
        for (int i = 0; i < n; i++)
            p[i * stride] = s->line[i];
    }
}

/* x and y transforms of every plane of the z slab. */
static void ft_xy(struct ft_state *s, int sign)
{
    for (int z = 0; z < s->nzl; z++) {
        ft_cplx *plane = s->slab + (size_t)z * s->ny * s->nx;
        ft_lines(s, plane, s->ny, s->nx, s->nx, 1, sign, s->tw[0]);
        ft_lines(s, plane, s->nx, 1, s->ny, s->nx, sign, s->tw[1]);
    }
}

/* z slab -> y slab ([nyl][nx][nz]) with one all-to-all. */
static void ft_to_spec(struct ft_state *s, ft_cplx *out)
{
    size_t blk = (size_t)s->nyl * s->nx * s->nzl, at = 0;

    for (int q = 0; q < s->size; q++)
        for (int y = q * s->nyl; y < (q + 1) * s->nyl; y++)
            for (int x = 0; x < s->nx; x++)
                for (int z = 0; z < s->nzl; z++)
                    s->sbuf[at++] = s->slab[((size_t)z * s->ny + y) * s->nx + x];
    MPI_Alltoall(s->sbuf, (int)(2 * blk), MPI_DOUBLE, s->rbuf, (int)(2 * blk), MPI_DOUBLE,
                 MPI_COMM_WORLD);
    at = 0;
    for (int p = 0; p < s->size; p++)
        for (int y = 0; y < s->nyl; y++)
            for (int x = 0; x < s->nx; x++)
                for (int z = p * s->nzl; z < (p + 1) * s->nzl; z++)
                    out[((size_t)y * s->nx + x) * s->nz + z] = s->rbuf[at++];
}

/* y slab -> z slab, the inverse of ft_to_spec. */
static void ft_to_slab(struct ft_state *s, const ft_cplx *in)
{
    size_t blk = (size_t)s->nyl * s->nx * s->nzl, at = 0;

    for (int p = 0; p < s->size; p++)
        for (int y = 0; y < s->nyl; y++)
            for (int x = 0; x < s->nx; x++)
                for (int z = p * s->nzl; z < (p + 1) * s->nzl; z++)
                    s->sbuf[at++] = in[((size_t)y * s->nx + x) * s->nz + z];
    MPI_Alltoall(s->sbuf, (int)(2 * blk), MPI_DOUBLE, s->rbuf, (int)(2 * blk), MPI_DOUBLE,
                 MPI_COMM_WORLD);
    at = 0;
    for (int q = 0; q < s->size; q++)
        for (int y = q * s->nyl; y < (q + 1) * s->nyl; y++)
            for (int x = 0; x < s->nx; x++)
                for (int z = 0; z < s->nzl; z++)
                    s->slab[((size_t)z * s->ny + y) * s->nx + x] = s->rbuf[at++];
}

/* The signed wavenumber of index i on n points, squared. */
static double ft_k2(int i, int n)
{
    double k = i < n / 2 ? i : i - n;
    return k * k;
}

/* Random field, decay factors and the forward transform into s->spec. */
static void ft_setup(struct ft_state *s)
{
    size_t local = (size_t)s->nx * s->ny * s->nzl;
    uint64_t x = npb_skip(FT_SEED, NPB_MULT, 2 * (uint64_t)s->nx * s->ny * s->nzl * s->rank);

    npb_vranlc(2 * (long)local, &x, NPB_MULT, (double *)s->slab);
    for (int y = 0; y < s->nyl; y++)
        for (int xx = 0; xx < s->nx; xx++)
            for (int z = 0; z < s->nz; z++) {
                double k2 = ft_k2(xx, s->nx) + ft_k2(s->rank * s->nyl + y, s->ny) + ft_k2(z, s->nz);
                s->decay[((size_t)y * s->nx + xx) * s->nz + z] =
                    exp(-4.0 * FT_ALPHA * FT_PI * FT_PI * k2);
            }
    ft_xy(s, 1);
    ft_to_spec(s, s->spec);
    ft_lines(s, s->spec, s->nyl * s->nx, s->nz, s->nz, 1, 1, s->tw[2]);
}

/* NPB's checksum of the real-space field: sum of 1024 points / N (all ranks). */
static ft_cplx ft_checksum(const struct ft_state *s)
{
    double local[2] = {0.0, 0.0}, sum[2];

    for (int j = 1; j <= 1024; j++) {
        int x = j % s->nx, y = (3 * j) % s->ny, z = (5 * j) % s->nz - s->rank * s->nzl;
        if (z < 0 || z >= s->nzl)
            continue;
        ft_cplx v = s->slab[((size_t)z * s->ny + y) * s->nx + x];
        local[0] += creal(v);
        local[1] += cimag(v);
    }
    MPI_Allreduce(local, sum, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double n = (double)s->nx * s->ny * s->nz;
    return sum[0] / n + I * (sum[1] / n);
}

/* One time step: decay the spectrum, transform a copy back, checksum it. */
static ft_cplx ft_step(struct ft_state *s)
{
    size_t local = (size_t)s->nyl * s->nx * s->nz;

    for (size_t i = 0; i < local; i++) {
        s->spec[i] *= s->decay[i];
        s->work[i] = s->spec[i];
    }
    ft_lines(s, s->work, s->nyl * s->nx, s->nz, s->nz, 1, -1, s->tw[2]);
    ft_to_slab(s, s->work);
    ft_xy(s, -1);
    return ft_checksum(s);
}

static void ft_alloc(struct ft_state *s)
{
    size_t local = (size_t)s->nx * s->ny * s->nzl;
    int longest = s->nx > s->ny ? s->nx : s->ny;

    s->slab = malloc(sizeof(ft_cplx) * local);
    s->spec = malloc(sizeof(ft_cplx) * local);
    s->work = malloc(sizeof(ft_cplx) * local);
    s->sbuf = malloc(sizeof(ft_cplx) * local);
    s->rbuf = malloc(sizeof(ft_cplx) * local);
    s->decay = malloc(sizeof(double) * local);
    s->line = malloc(sizeof(ft_cplx) * (longest > s->nz ? longest : s->nz));
    if (!s->slab || !s->spec || !s->work || !s->sbuf || !s->rbuf || !s->decay || !s->line)
        npb_refuse("ft: out of memory");
    s->tw[0] = ft_twiddles(s->nx);
    s->tw[1] = ft_twiddles(s->ny);
    s->tw[2] = ft_twiddles(s->nz);
}

int main(int argc, char **argv)
{
    struct npb_args a;
    struct ft_state s = {0};
    char size[48];
    int ok = 1;

    npb_start(&argc, &argv, "ft", "SWA", &a);
    for (size_t i = 0; i < sizeof ft_classes / sizeof ft_classes[0]; i++)
        if (ft_classes[i].cls == a.cls)
            s.c = &ft_classes[i];
    s.rank = a.rank, s.size = a.size;
    s.nx = s.c->nx, s.ny = s.c->ny, s.nz = s.c->nz;
    if (s.nz % a.size || s.ny % a.size)
        npb_refuse("ft: the number of processes must divide ny and nz");
    s.nzl = s.nz / a.size, s.nyl = s.ny / a.size;
    ft_alloc(&s);
    npb_say(" NAS Parallel Benchmarks (nanvix-mpi examples) - FT Benchmark\n"
            " Size: %dx%dx%d\n Iterations: %d\n Number of processes: %d\n",
            s.nx, s.ny, s.nz, FT_STEPS, a.size);

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    ft_setup(&s);
    for (int t = 1; t <= FT_STEPS; t++) {
        npb_migrate_point(t);
        ft_cplx chk = ft_step(&s), ref = s.c->ref[t - 1][0] + I * s.c->ref[t - 1][1];
        int good = cabs(chk - ref) / cabs(ref) <= 1e-12;
        ok &= good;
        npb_say(" T = %d Checksum = %.12e %.12e %s\n", t, creal(chk), cimag(chk),
                good ? "" : "(wrong)");
    }
    double t = MPI_Wtime() - t0;

    double n = (double)s.nx * s.ny * s.nz, ln = log(n);
    snprintf(size, sizeof size, "%dx%dx%d", s.nx, s.ny, s.nz);
    double ops = n * (14.8157 + 7.19641 * ln + (5.23518 + 7.21113 * ln) * FT_STEPS);
    struct npb_result r = {.kernel = "FT",
                           .cls = a.cls,
                           .size = size,
                           .iterations = FT_STEPS,
                           .time = t,
                           .mops = 1e-6 * ops,
                           .optype = "floating point",
                           .verified = ok};
    return npb_finish(&r);
}
