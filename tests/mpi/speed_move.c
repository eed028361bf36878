/* speed_move.c: a moved rank computes as fast as before its move.
 *
 * Usage: speed_move [REPS]. Every rank times a compute kernel in the style
 * of NPB EP (Gaussian pairs through log and sqrt: legacy SSE code in the
 * program mixed with libm's VEX-encoded FMA routines, the mix in which a
 * dirty AVX upper state or a changed MXCSR would show) REPS times and keeps
 * the fastest run. Then every rank moves to a spare (all at once, at
 * MPI_Migrateto) and times again; then the last rank is moved by rank 0
 * while it computes (the preemption path: it is frozen inside a signal
 * handler, as NPB EP is) and times again. Each phase's fastest run must be
 * within SPEED_MOVE_TOLERANCE (default 1.10) of the first phase's, and every
 * run's result must be bit for bit the first one's.
 *
 * With SPEED_MOVE_DISTINCT_CORES=1 (the script sets it when the host has
 * a core per rank and clusters are bound) it also checks, after each
 * phase, that no two ranks run bound to the same core: a move to any spare
 * must prefer a spare on a core no rank uses.
 *
 * What is timed is the rank's own CPU time (CLOCK_THREAD_CPUTIME_ID), not
 * the wall clock: the defect this guards against makes the same
 * instructions take more cycles, while other work on a busy machine
 * (make -j2 check, other jobs bound to the same cores) only takes turns
 * on the core. And the fastest of several runs is compared, not the mean:
 * a slowdown the move causes slows every run after it.
 */
#define _GNU_SOURCE
#include <math.h>
#include <sched.h>
#include <time.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

#define KERNEL_PAIRS (1 << 20)

/* NPB's linear congruential generator (a = 5^13, modulus 2^46), in doubles
 * as EP computes it, so the kernel does what EP does. */
static double lcg_next(double *x)
{
    const double r23 = 1.0 / 8388608.0, t23 = 8388608.0;
    const double r46 = r23 * r23, t46 = t23 * t23;
    const double a = 1220703125.0, a1 = floor(r23 * a), a2 = a - t23 * a1;
    double x1 = floor(r23 * *x), x2 = *x - t23 * x1;
    double t1 = a1 * x2 + a2 * x1, t2 = floor(r23 * t1), z = t1 - t23 * t2;
    double t3 = t23 * z + a2 * x2, t4 = floor(r46 * t3);

    *x = t3 - t46 * t4;
    return r46 * *x;
}

/* Sums of the Gaussian deviates accepted from KERNEL_PAIRS pairs. */
static void kernel(double seed, double sums[2])
{
    double x = seed;

    sums[0] = sums[1] = 0.0;
    for (int i = 0; i < KERNEL_PAIRS; i++) {
        double u = 2.0 * lcg_next(&x) - 1.0, v = 2.0 * lcg_next(&x) - 1.0;
        double t = u * u + v * v;

        if (t <= 1.0) {
            double f = sqrt(-2.0 * log(t) / t);

            sums[0] += u * f;
            sums[1] += v * f;
        }
    }
}

/* CPU seconds this thread has run (the rank's thread, in whichever process
 * hosts it now: a run never spans a move). */
static double cpu_now(void)
{
    struct timespec ts;

    CHECK(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs the kernel reps times; returns the fastest run's CPU seconds and
 * checks each run's result against want (set by the first call). */
static double timed_phase(int reps, double seed, double want[2], int *have_want)
{
    double best = 1e30;

    for (int r = 0; r < reps; r++) {
        double sums[2], t0 = cpu_now(), dt;

        kernel(seed, sums);
        dt = cpu_now() - t0;
        if (!*have_want) {
            memcpy(want, sums, sizeof(sums));
            *have_want = 1;
        }
        CHECKF(memcmp(sums, want, sizeof(sums)) == 0, "kernel result %.17g %.17g, want %.17g %.17g",
               sums[0], sums[1], want[0], want[1]);
        if (dt < best)
            best = dt;
    }
    return best;
}

/* The first CPU this rank may run on: with binding, its core's. */
static int first_cpu(void)
{
    cpu_set_t set;

    CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            return c;
    return -1;
}

/* With SPEED_MOVE_DISTINCT_CORES=1: fails unless every rank is bound to a
 * core of its own. */
static void check_distinct_cores(const char *when)
{
    const char *want = getenv("SPEED_MOVE_DISTINCT_CORES");
    int size, rank, mine = first_cpu(), *all;

    if (want == NULL || strcmp(want, "1") != 0)
        return;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    all = malloc(sizeof(int) * (size_t)size);
    CHECK(all != NULL);
    MPI_CHECK(MPI_Allgather(&mine, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD));
    for (int r = 0; r < size; r++)
        CHECKF(r == rank || all[r] != mine, "%s: ranks %d and %d both run on the core of cpu %d",
               when, r, rank, mine);
    free(all);
}

int main(int argc, char **argv)
{
    int rank, reps = argc > 1 ? atoi(argv[1]) : 7, have_want = 0;
    const char *tol_env = getenv("SPEED_MOVE_TOLERANCE");
    double tol = tol_env != NULL ? atof(tol_env) : 1.10, want[2], t[3];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double seed = 271828183.0 + rank;

    int size, moves_before = 0, moves_after = 0;
    double figures[5];
    long long bytes;

    MPI_Comm_size(MPI_COMM_WORLD, &size);
    check_distinct_cores("at start");
    t[0] = timed_phase(reps, seed, want, &have_want);

    /* Every rank moves at the same moment, to whichever spare is free; with
     * SPEED_MOVE_LAST_ONLY=1 only the last rank (a job with one spare, whose
     * core is rank 0's: the rank must keep its own core). */
    MPI_Barrier(MPI_COMM_WORLD);
    if (getenv("SPEED_MOVE_LAST_ONLY") == NULL || rank == size - 1)
        MPI_CHECK(MPI_Migrateto(MPIX_ANY_SPARE));
    MPI_Barrier(MPI_COMM_WORLD);
    check_distinct_cores("after all ranks moved at once");
    t[1] = timed_phase(reps, seed, want, &have_want);

    /* The last rank is moved by rank 0 while it computes: it makes no MPI
     * call until its warm-up runs are done, so the move happens in the
     * preemption handler. */
    MPI_Barrier(MPI_COMM_WORLD);
    MPIX_Migration_stats(figures, &bytes, &moves_before);
    if (rank == 0)
        MPI_CHECK(MPIX_Migrate(size - 1, MPIX_ANY_SPARE, MPI_COMM_WORLD));
    if (rank == size - 1) {
        double sums[2];

        for (int i = 0; i < 4 * reps; i++) {
            kernel(seed, sums);
            MPIX_Migration_stats(figures, &bytes, &moves_after);
            if (moves_after > moves_before)
                break;
        }
        printf("speed_move: rank %d %s while computing\n", rank,
               moves_after > moves_before ? "moved" : "did not move");
    }
    MPI_Barrier(MPI_COMM_WORLD); /* a safe point: the move happens by now */
    check_distinct_cores("after a rank was moved while computing");
    t[2] = timed_phase(reps, seed, want, &have_want);
    int cluster = -1;
    MPIX_Cluster_self(&cluster);
    printf("speed_move: rank %d on cluster %d: best %.1f ms before, %.1f ms after 1 move, "
           "%.1f ms after being moved while computing (%.3fx, %.3fx)\n",
           rank, cluster, 1e3 * t[0], 1e3 * t[1], 1e3 * t[2], t[1] / t[0], t[2] / t[0]);
    fflush(stdout);
    CHECKF(t[1] <= tol * t[0],
           "after one move the kernel takes %.3fx its time before (limit %.2fx)", t[1] / t[0], tol);
    CHECKF(t[2] <= tol * t[0],
           "after a move while computing the kernel takes %.3fx its time before (limit %.2fx)",
           t[2] / t[0], tol);
    int ok = 1, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("speed_move: OK %d ranks\n", all);
    MPI_Finalize();
    return 0;
}
