/* migration.c: migration downtime against container footprint.
 *
 * Rank 0 allocates a heap block of H bytes, fills it with a known pattern
 * (every page touched, so every page is sent), then moves itself to a spare
 * with MPI_Migrateto and back, several times per size. After every move it
 * recomputes the block's checksum and aborts the job if it changed. Each move
 * prints one line with the figures of MPIX_Migration_stats:
 *
 *   move <heap bytes> <bytes sent> <freeze> <transfer> <restore> <route> <downtime>
 *
 * (times in seconds). Before the moves it measures the machine's copy limits,
 * printed as "limit <name> <bytes> <bytes per second>": memcpy between two
 * warm buffers (best of several), memcpy into fresh pages (best of several;
 * what a restore into a released container pays), and a pipe written and read by this
 * process (a kernel-mediated copy). With a second rank it also measures an
 * MPI transfer of 64 MiB (the fabric path the container stream takes).
 * Those buffers are freed before the moves; the allocator returns big freed
 * runs to the kernel, so they are not part of any container sent.
 * bench/run-migration.sh turns the output into a table and a cost model.
 *
 * Usage: migration [-m moves] [-M moves_for_1GiB_and_up] [-l 0|1] [-w seconds] [heap sizes ...]
 * -l 0 skips the copy limits (to profile the moves alone). -w waits that
 * long before each move (a cold move): on a VM whose balloon driver reports
 * freed pages to the host (free page reporting, a 2 s delay in Linux),
 * memory freed seconds ago costs a host fault per page when touched again,
 * as it does for a spare that waited for a rank; back-to-back moves reuse
 * the pages the last move freed and never see that cost.
 * Sizes are bytes, or with a K, M or G suffix (binary). Default sizes:
 * 0 1M 16M 256M 1G; default 30 moves per size below 256 MiB (on a VM whose
 * speed drifts for seconds at a time, 10 moves gave medians 40% apart from
 * run to run at 1 MiB), at most 10 from 256 MiB, 6 for 1 GiB and more.
 * Run: tools/mpiexec -n 1 --spares 1 bench/migration  (or -n 2 --spares 1).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LIMIT_BYTES  (256UL << 20) /* memcpy buffers: far beyond the caches */
#define LIMIT_TRIES  5
#define PIPE_CHUNK   (1UL << 20)
#define MPI_BW_BYTES (64 << 20)

static int rank, size;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Aborts the job with a message; a wrong heap must never pass quietly. */
static void die(const char *what)
{
    fprintf(stderr, "migration: rank %d: FAILED: %s\n", rank, what);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
    exit(3);
}

/* The pattern's 64-bit word i for a given seed (splitmix64 finaliser). */
static uint64_t pattern_word(uint64_t i, uint64_t seed)
{
    uint64_t z = i * 0x9E3779B97F4A7C15ULL + seed;

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void pattern_fill(uint64_t *p, size_t words, uint64_t seed)
{
    for (size_t i = 0; i < words; i++)
        p[i] = pattern_word(i, seed);
}

/* Position-dependent checksum: a swapped, lost or zeroed page changes it. */
static uint64_t checksum(const uint64_t *p, size_t words)
{
    uint64_t h = 0x6A09E667F3BCC908ULL;

    for (size_t i = 0; i < words; i++)
        h = (h ^ (p[i] + i)) * 0x100000001B3ULL;
    return h;
}

/* After a bad checksum: the first word that differs from the pattern. */
static void report_damage(const uint64_t *p, size_t words, uint64_t seed)
{
    for (size_t i = 0; i < words; i++)
        if (p[i] != pattern_word(i, seed)) {
            fprintf(stderr, "migration: heap word %zu (byte %zu) is %#llx, want %#llx\n", i, i * 8,
                    (unsigned long long)p[i], (unsigned long long)pattern_word(i, seed));
            return;
        }
}

/* Best bandwidth (bytes/s) of copying LIMIT_BYTES between warm buffers. */
static double limit_memcpy_warm(char *a, char *b)
{
    double best = 0.0;

    memset(a, 1, LIMIT_BYTES);
    memset(b, 2, LIMIT_BYTES); /* both faulted in before timing */
    for (int t = 0; t < LIMIT_TRIES; t++) {
        double t0 = now();

        memcpy(b, a, LIMIT_BYTES);
        __asm__ volatile("" : : "r"(b) : "memory");
        double bw = LIMIT_BYTES / (now() - t0);
        best = bw > best ? bw : best;
    }
    return best;
}

/* Best of several copies into pages not mapped yet: what a restore into a
 * released container pays (one page fault per 4 KiB page). free() gives the
 * run back to the kernel, so every try starts from unmapped pages. */
static double limit_memcpy_fresh(const char *a)
{
    double best = 0.0;

    for (int t = 0; t < LIMIT_TRIES; t++) {
        char *c = malloc(LIMIT_BYTES);
        double t0;

        if (c == NULL)
            die("malloc for the fresh-page copy");
        t0 = now();
        memcpy(c, a, LIMIT_BYTES);
        __asm__ volatile("" : : "r"(c) : "memory"); /* keep the copy: c is freed unread */
        t0 = LIMIT_BYTES / (now() - t0);
        best = t0 > best ? t0 : best;
        free(c);
    }
    return best;
}

/* One process writes 1 MiB into a pipe and reads it back, repeatedly: two
 * copies through the kernel per chunk. Returns 0 if pipes fail here. */
static double limit_pipe(char *a, char *b)
{
    int fd[2];
    double t0, bw = 0.0;
    size_t done = 0;

    if (pipe(fd) < 0)
        return 0.0;
    if (fcntl(fd[1], F_SETPIPE_SZ, (int)PIPE_CHUNK) < (int)PIPE_CHUNK)
        goto out; /* pipe-max-size too small for this measure */
    t0 = now();
    while (done < LIMIT_BYTES) {
        if (write(fd[1], a + done, PIPE_CHUNK) != (ssize_t)PIPE_CHUNK ||
            read(fd[0], b + done, PIPE_CHUNK) != (ssize_t)PIPE_CHUNK)
            goto out;
        done += PIPE_CHUNK;
    }
    bw = LIMIT_BYTES / (now() - t0);
out:
    close(fd[0]);
    close(fd[1]);
    return bw;
}

/* Ranks 0 and 1: best one-way time of MPI_BW_BYTES over the fabric. */
static double limit_mpi(char *a)
{
    double best = 1e30;

    for (int t = 0; t < LIMIT_TRIES; t++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();

        if (rank == 0) {
            MPI_Send(a, MPI_BW_BYTES, MPI_BYTE, 1, t, MPI_COMM_WORLD);
            MPI_Recv(a, 0, MPI_BYTE, 1, t, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            MPI_Recv(a, MPI_BW_BYTES, MPI_BYTE, 0, t, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(a, 0, MPI_BYTE, 0, t, MPI_COMM_WORLD);
        }
        t0 = MPI_Wtime() - t0;
        best = t0 < best ? t0 : best;
    }
    return MPI_BW_BYTES / best;
}

static void measure_limits(void)
{
    char *a = malloc(LIMIT_BYTES), *b = malloc(LIMIT_BYTES);

    if (a == NULL || b == NULL)
        die("malloc for the copy limits");
    if (rank == 0) {
        printf("limit memcpy %lu %.0f\n", LIMIT_BYTES, limit_memcpy_warm(a, b));
        printf("limit memcpy-fresh %lu %.0f\n", LIMIT_BYTES, limit_memcpy_fresh(a));
        printf("limit pipe %lu %.0f\n", LIMIT_BYTES, limit_pipe(a, b));
    }
    if (size > 1) {
        double bw = limit_mpi(a);

        if (rank == 0)
            printf("limit mpi %d %.0f\n", MPI_BW_BYTES, bw);
    }
    free(a);
    free(b);
    fflush(stdout);
}

/* Moves away and back `moves` times with `heap` bytes allocated. */
static void bench_size(size_t heap, int moves, uint64_t seed, double wait)
{
    size_t words = heap / 8;
    uint64_t *p = heap ? malloc(heap) : NULL, sum;

    if (heap && p == NULL)
        die("malloc of the heap block");
    pattern_fill(p, words, seed);
    sum = checksum(p, words);
    for (int m = 0; m < moves; m++) {
        double t[5];
        long long bytes;
        int n;

        if (wait > 0.0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};

            nanosleep(&ts, NULL);
        }
        if (MPI_Migrateto(MPIX_ANY_SPARE) != MPI_SUCCESS)
            die("MPI_Migrateto");
        if (MPIX_Migration_stats(t, &bytes, &n) != MPI_SUCCESS)
            die("MPIX_Migration_stats");
        if (checksum(p, words) != sum) {
            report_damage(p, words, seed);
            die("heap checksum changed by the move");
        }
        printf("move %zu %lld %.9f %.9f %.9f %.9f %.9f\n", heap, bytes, t[0], t[1], t[2], t[3],
               t[4]);
        fflush(stdout);
    }
    free(p);
}

static size_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);

    switch (*end) {
    case 'K':
    case 'k':
        v *= 1024;
        break;
    case 'M':
    case 'm':
        v *= 1024 * 1024;
        break;
    case 'G':
    case 'g':
        v *= 1024.0 * 1024 * 1024;
        break;
    case '\0':
        break;
    default:
        die("bad size argument");
    }
    return (size_t)v & ~(size_t)7; /* whole words */
}

int main(int argc, char **argv)
{
    static const char *dflt[] = {"0", "1M", "16M", "256M", "1G"};
    const char **sizes = dflt;
    int nsizes = 5, moves = 30, big_moves = 6, limits = 1, i = 1;
    double wait = 0.0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-m") == 0)
            moves = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-M") == 0)
            big_moves = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-l") == 0)
            limits = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-w") == 0)
            wait = atof(argv[i + 1]);
        else
            die("usage: migration [-m moves] [-M moves_1G] [-l 0|1] [-w seconds] [sizes...]");
    }
    if (i < argc) {
        sizes = (const char **)argv + i;
        nsizes = argc - i;
    }
    if (limits)
        measure_limits();
    for (int s = 0; rank == 0 && s < nsizes; s++) {
        size_t heap = parse_size(sizes[s]);
        int n = heap >= (1UL << 30) ? big_moves : heap >= (256UL << 20) && moves > 10 ? 10 : moves;

        bench_size(heap, n, 0x5eed + (uint64_t)s, wait);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
