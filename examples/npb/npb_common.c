/* npb_common.c: random numbers, command line and report of the NPB kernels.
 *
 * The generator is x_{k+1} = a * x_k mod 2^46, computed exactly in 64-bit
 * integers (the specification's double-precision splitting gives the same
 * bits). Jumping ahead n steps multiplies by a^n mod 2^46, found by binary
 * powering; the kernels use it so that each rank starts its share of one
 * continuous stream where a serial run would be.
 *
 * The report follows NPB's: one "Name = value" line each, printed by rank 0,
 * with the slowest rank's time, then the migration lines (npb_migrate.c).
 */
#include "npb_common.h"
#include "npb_migrate.h"

#include <ctype.h>
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPB_R46 (1.0 / 70368744177664.0) /* 2^-46 */

static int npb_rank;

double npb_randlc(uint64_t *x, uint64_t a)
{
    *x = npb_mulmod(a, *x);
    return (double)*x * NPB_R46;
}

void npb_vranlc(long n, uint64_t *x, uint64_t a, double *y)
{
    uint64_t s = *x;

    for (long i = 0; i < n; i++) {
        s = npb_mulmod(a, s);
        y[i] = (double)s * NPB_R46;
    }
    *x = s;
}

uint64_t npb_power(uint64_t a, uint64_t n)
{
    uint64_t r = 1;

    while (n > 0) {
        if (n & 1)
            r = npb_mulmod(r, a);
        a = npb_mulmod(a, a);
        n >>= 1;
    }
    return r;
}

uint64_t npb_skip(uint64_t seed, uint64_t a, uint64_t n)
{
    return npb_mulmod(npb_power(a, n), seed);
}

int npb_close(double value, double ref, double eps)
{
    double err = fabs(value - ref) / fabs(ref);

    return err <= eps; /* false for a NaN */
}

void npb_say(const char *fmt, ...)
{
    va_list ap;

    if (npb_rank != 0)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

void npb_refuse(const char *why)
{
    npb_say("%s\n", why);
    MPI_Finalize();
    exit(2);
}

static void npb_usage(const char *kernel, const char *classes)
{
    char why[256];

    snprintf(why, sizeof why,
             "usage: %s CLASS [--migrate RANK@ITER[,RANK@ITER...]] [--checkpoint ITER:DIR[:kill]] "
             "[--pace MS]   "
             "(CLASS one of %s)",
             kernel, classes);
    npb_refuse(why);
}

int npb_start(int *argc, char ***argv, const char *kernel, const char *classes,
              struct npb_args *args_p)
{
    const char *cls = NULL, *sched = NULL, *ckpt = NULL, *pace = NULL;
    char **av;

    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &args_p->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &args_p->size);
    npb_rank = args_p->rank;
    av = *argv;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(av[i], "--migrate") == 0 && i + 1 < *argc)
            sched = av[++i];
        else if (strncmp(av[i], "--migrate=", 10) == 0)
            sched = av[i] + 10;
        else if (strcmp(av[i], "--checkpoint") == 0 && i + 1 < *argc)
            ckpt = av[++i];
        else if (strcmp(av[i], "--pace") == 0 && i + 1 < *argc)
            pace = av[++i];
        else if (cls == NULL && strlen(av[i]) == 1)
            cls = av[i];
        else
            npb_usage(kernel, classes);
    }
    if (cls == NULL || !isalpha((unsigned char)cls[0]) ||
        strchr(classes, toupper((unsigned char)cls[0])) == NULL)
        npb_usage(kernel, classes);
    args_p->cls = (char)toupper((unsigned char)cls[0]);
    /* The decompositions halve the data along powers of two, as NPB's do. */
    if (args_p->size & (args_p->size - 1))
        npb_refuse("the NPB kernels need a power-of-two number of processes (1, 2, 4, ...)");
    if (npb_migrate_parse(sched, args_p->size) < 0 || npb_checkpoint_parse(ckpt) < 0 ||
        npb_pace_parse(pace) < 0)
        npb_usage(kernel, classes);
    return 0;
}

int npb_finish(const struct npb_result *res)
{
    double tmax;
    int ok, size;

    MPI_Reduce(&res->time, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Allreduce(&res->verified, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    npb_say("\n %s Benchmark Completed.\n", res->kernel);
    npb_say(" Class = %c\n Size = %s\n Iterations = %d\n", res->cls, res->size, res->iterations);
    npb_say(" Time in seconds = %.2f\n Total processes = %d\n", tmax, size);
    npb_say(" Mop/s total = %.2f\n Mop/s/process = %.2f\n", res->mops / tmax,
            res->mops / tmax / size);
    npb_say(" Operation type = %s\n", res->optype);
    npb_say(" Verification = %s\n", ok ? "SUCCESSFUL" : "UNSUCCESSFUL");
    npb_migrate_report(tmax);
    MPI_Finalize();
    return ok ? 0 : 1;
}
