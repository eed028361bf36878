/* pingpong.c: point-to-point latency and bandwidth between ranks 0 and 1.
 *
 * For each size 0, 1, 2, 4, ... up to the maximum (default 16 MiB), rank 0
 * sends a message to rank 1, which sends it back; after a warm-up, the time
 * of many round trips gives the latency (half a round trip) and the
 * bandwidth (bytes moved one way per second, in MB/s = 10^6 B/s). The
 * number of iterations shrinks with the size to keep each step short. Each
 * size is measured TRIALS times and the best trial is kept, so that a burst
 * of other load on a small machine does not decide the figure (the same rule
 * applies to both libraries).
 * Rank 0 prints one line per size: "size latency_us bandwidth_MBps".
 * Uses only mpi.h, so one binary (built by MPICH's mpicc) runs on both MPICH
 * and nanvix-mpi.
 *
 * Usage: pingpong [max_bytes [max_iterations]]
 * PINGPONG_SIZES="a,b,..." in the environment measures those sizes (each at
 * most max_bytes) instead of the powers of two: bench/run-eager-crossover.sh
 * looks between them, around the eager limit.
 * max_iterations (default 20000) caps the round trips of each trial: a
 * smaller cap makes the run shorter on a machine so loaded that a small
 * message takes a hundred microseconds.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIALS 5

static size_t max_iters = 20000;

/* Iterations for a message of n bytes: max_iters small, at least 10 large. */
static int iterations(size_t n)
{
    size_t budget = (size_t)128 << 20; /* about 128 MiB moved per trial */
    size_t it = n ? budget / n : max_iters;

    return it > max_iters ? (int)max_iters : it < 10 ? 10 : (int)it;
}

#define MAX_SIZES 64

/* Fills sizes[] with 0, 1, 2, 4, ... max, or with the sizes listed in
 * PINGPONG_SIZES (those not above max); returns how many. */
static int sizes_to_measure(size_t max, size_t *sizes)
{
    const char *list = getenv("PINGPONG_SIZES");
    int count = 0;

    if (list == NULL) {
        for (size_t n = 0; n <= max && count < MAX_SIZES; n = n ? 2 * n : 1)
            sizes[count++] = n;
        return count;
    }
    for (char *end; *list != '\0' && count < MAX_SIZES; list = *end == ',' ? end + 1 : end) {
        size_t n = strtoul(list, &end, 10);
        if (end == list)
            break;
        if (n <= max)
            sizes[count++] = n;
    }
    return count;
}

/* Returns the average half round-trip time, in seconds, of iters trips. */
static double pingpong(int rank, char *buf, size_t n, int iters, int warmup)
{
    double t0 = 0.0;

    for (int i = -warmup; i < iters; i++) {
        if (i == 0) {
            MPI_Barrier(MPI_COMM_WORLD);
            t0 = MPI_Wtime();
        }
        if (rank == 0) {
            MPI_Send(buf, (int)n, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(buf, (int)n, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            MPI_Recv(buf, (int)n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, (int)n, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
        }
    }
    return (MPI_Wtime() - t0) / (2.0 * iters);
}

int main(int argc, char **argv)
{
    size_t max = argc > 1 ? (size_t)atol(argv[1]) : (size_t)16 << 20;
    if (argc > 2 && atol(argv[2]) >= 10)
        max_iters = (size_t)atol(argv[2]);
    int rank, size;
    char *buf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0)
            fprintf(stderr, "pingpong: needs 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    buf = malloc(max ? max : 1);
    if (!buf)
        MPI_Abort(MPI_COMM_WORLD, 1);
    memset(buf, 1, max);
    if (rank == 0) {
        char version[MPI_MAX_LIBRARY_VERSION_STRING];
        int len;

        MPI_Get_library_version(version, &len);
        version[strcspn(version, "\n")] = '\0';
        printf("# library: %s\n", version);
        printf("# size latency_us bandwidth_MBps\n");
    }
    size_t sizes[MAX_SIZES];
    int nsizes = sizes_to_measure(max, sizes);
    for (int i = 0; i < nsizes; i++) {
        size_t n = sizes[i];
        int iters = iterations(n);
        double t = 0.0;

        for (int trial = 0; trial < TRIALS; trial++) {
            double tt = pingpong(rank, buf, n, iters, iters / 10 + 2);
            if (trial == 0 || tt < t)
                t = tt;
        }
        if (rank == 0)
            printf("%zu %.3f %.1f\n", n, t * 1e6, t > 0 ? (double)n / t / 1e6 : 0.0);
        fflush(stdout);
    }
    free(buf);
    MPI_Finalize();
    return 0;
}
