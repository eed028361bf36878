/* ep.c: NPB EP (embarrassingly parallel): Gaussian pairs by the polar method.
 *
 * 2^(M+1) uniforms of one stream (seed 271828183) are taken as 2^M pairs
 * (u, v); x = 2u-1, y = 2v-1 is accepted when t = x^2+y^2 <= 1 and turned
 * into the Gaussian pair (x, y) * sqrt(-2 ln t / t). The sums of X and Y are
 * verified; the counts per square annulus max(|X|,|Y|) in [l, l+1) are
 * printed. The stream is cut into batches of 2^16 pairs; each rank takes a
 * contiguous range of batches and jumps the generator to its first one, so
 * the result does not depend on the number of ranks (up to rounding of the
 * final sums). One batch is one "iteration" for the migration schedule.
 */
#include "npb_common.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define EP_SEED 271828183ULL
#define EP_MK   16 /* log2 of the pairs per batch */
#define EP_NQ   10 /* annuli counted */

struct ep_class {
    char cls;
    int m;
    double sx, sy;
};

/* clang-format off: one class per row reads best */
static const struct ep_class ep_classes[] = {
    {'S', 24, -3.247834652034740e+3, -6.958407078382297e+3},
    {'W', 25, -2.863319731645753e+3, -6.320053679109499e+3},
    {'A', 28, -4.295875165629892e+3, -1.580732573678431e+4},
};
/* clang-format on */

/* Adds the Gaussian pairs of batch k to sums[0..1] and counts q[]. */
static void ep_batch(long k, double *buf, double sums[2], double q[EP_NQ])
{
    long np = 1L << EP_MK;
    uint64_t s = npb_skip(EP_SEED, NPB_MULT, 2 * (uint64_t)np * (uint64_t)k);

    npb_vranlc(2 * np, &s, NPB_MULT, buf);
    for (long i = 0; i < np; i++) {
        double x = 2.0 * buf[2 * i] - 1.0, y = 2.0 * buf[2 * i + 1] - 1.0;
        double t = x * x + y * y;
        if (t > 1.0)
            continue;
        double f = sqrt(-2.0 * log(t) / t), gx = x * f, gy = y * f;
        int l = (int)fmax(fabs(gx), fabs(gy));
        q[l] += 1.0;
        sums[0] += gx;
        sums[1] += gy;
    }
}

int main(int argc, char **argv)
{
    struct npb_args a;
    const struct ep_class *c = NULL;
    double local[2 + EP_NQ] = {0}, total[2 + EP_NQ], t0, *buf;
    char size[32];

    npb_start(&argc, &argv, "ep", "SWA", &a);
    for (size_t i = 0; i < sizeof ep_classes / sizeof ep_classes[0]; i++)
        if (ep_classes[i].cls == a.cls)
            c = &ep_classes[i];
    long nbatch = 1L << (c->m - EP_MK);
    long first = nbatch * a.rank / a.size, last = nbatch * (a.rank + 1) / a.size;
    buf = malloc(sizeof(double) << (EP_MK + 1));
    if (buf == NULL)
        npb_refuse("ep: out of memory");
    npb_say(" NAS Parallel Benchmarks (nanvix-mpi examples) - EP Benchmark\n"
            " Number of random numbers generated: %.0f\n Number of processes: %d\n",
            ldexp(1.0, c->m + 1), a.size);

    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    for (long k = first; k < last; k++) {
        npb_migrate_point((int)(k - first + 1));
        ep_batch(k, buf, local, local + 2);
    }
    MPI_Allreduce(local, total, 2 + EP_NQ, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double t = MPI_Wtime() - t0;
    free(buf);

    double gc = 0.0;
    for (int l = 0; l < EP_NQ; l++)
        gc += total[2 + l];
    npb_say(" Sums: sx = %.15e sy = %.15e\n Gaussian pairs: %.0f\n", total[0], total[1], gc);
    for (int l = 0; l < EP_NQ; l++)
        npb_say("   annulus %d: %.0f\n", l, total[2 + l]);
    int ok = npb_close(total[0], c->sx, 1e-8) && npb_close(total[1], c->sy, 1e-8);
    snprintf(size, sizeof size, "%.0f", ldexp(1.0, c->m + 1));
    struct npb_result r = {.kernel = "EP",
                           .cls = a.cls,
                           .size = size,
                           .iterations = (int)nbatch,
                           .time = t,
                           .mops = ldexp(1.0, c->m + 1) * 1e-6,
                           .optype = "Random numbers generated",
                           .verified = ok};
    return npb_finish(&r);
}
