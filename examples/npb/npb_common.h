/* npb_common.h: what the NPB kernels in examples/npb share.
 *
 * The kernels (ep, is, cg, mg, ft) are written from the NAS Parallel
 * Benchmarks specification, not from its sources. Each one calls
 * npb_start() to initialise MPI and parse its command line
 * (`<kernel> CLASS [--migrate RANK@ITER,...]`), npb_migrate_point() once per
 * iteration of its timed loop, and npb_finish() to print the NPB-style report
 * and finalise MPI. The NPB random number generator (a linear congruential
 * generator mod 2^46) lives here too, with its jump-ahead.
 *
 * Migration is a nanvix-mpi extension: MPI_Migrateto and MPIX_Migration_stats
 * are looked up at run time with dlsym, so the same binary built with MPICH's
 * mpicc also runs on MPICH, where a schedule is ignored with a message.
 */
#ifndef NPB_COMMON_H
#define NPB_COMMON_H

#include <stdint.h>

/* The multiplier every kernel uses: 5^13. */
#define NPB_MULT 1220703125ULL

/* a * x mod 2^46: one step of the generator with multiplier a. */
static inline uint64_t npb_mulmod(uint64_t a, uint64_t x)
{
    /* 2^46 divides 2^64, so the wrap-around of the 64-bit product is harmless. */
    return (a * x) & ((1ULL << 46) - 1);
}

/* Advances the state *x by one step; returns the new state times 2^-46, in (0, 1). */
double npb_randlc(uint64_t *x, uint64_t a);

/* Writes the next n values of the stream into y[0..n-1] (nothing for n <= 0). */
void npb_vranlc(long n, uint64_t *x, uint64_t a, double *y);

/* a^n mod 2^46: the multiplier that jumps the stream n steps ahead. */
uint64_t npb_power(uint64_t a, uint64_t n);

/* The state of a stream started at `seed` once it has made n steps. */
uint64_t npb_skip(uint64_t seed, uint64_t a, uint64_t n);

/* What npb_start() found out; rank and size are MPI_COMM_WORLD's. */
struct npb_args {
    char cls; /* 'S', 'W' or 'A' */
    int rank;
    int size;
};

/* Initialises MPI and parses `CLASS [--migrate RANK@ITER,...]`. Returns 0;
 * on a bad command line, a class outside `classes` or a process count that
 * is not a power of two, rank 0 prints why and the job exits with status 2. */
int npb_start(int *argc, char ***argv, const char *kernel, const char *classes,
              struct npb_args *args_p);

/* Stops the job with `why` (printed by rank 0) and exit status 2: for a
 * kernel-specific limit found after npb_start(), e.g. too many ranks. */
void npb_refuse(const char *why);

/* Called by every rank at iteration `iter` (1-based) of the timed loop; the
 * rank scheduled there moves to a spare. Returns 0 (also when nothing is
 * scheduled or migration is unsupported); a failed move is recorded and
 * reported by npb_finish(), and the run continues where the rank is. */
int npb_migrate_point(int iter);

/* The figures of one run, as printed in the report. */
struct npb_result {
    const char *kernel; /* "EP", ... */
    char cls;
    const char *size; /* e.g. "64x64x64" or "33554432" */
    int iterations;
    double time;        /* this rank's timed seconds; the report uses the maximum */
    double mops;        /* operations of the whole run, in millions (divided by time) */
    const char *optype; /* e.g. "Random numbers generated" */
    int verified;       /* 1 when this rank's verification passed */
};

/* Collective: rank 0 prints the report, including the migrations made and
 * their cost, then MPI is finalised. Returns the exit status for main: 0 when
 * verification succeeded on every rank, 1 otherwise. */
int npb_finish(const struct npb_result *res);

/* 1 when |value - ref| <= eps * |ref| (a NaN fails). */
int npb_close(double value, double ref, double eps);

/* Rank 0 prints the formatted text (other ranks print nothing). */
void npb_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
