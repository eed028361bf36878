/* estimate.c: the migration cost model seen from MPI (MPIX_Migration_estimate,
 * MPIX_Migration_estimate_detail, MPIX_Migrate_if), while another rank moves.
 *
 * Usage: estimate file A B A2 B2 | estimate builtin
 * Two ranks, --spares 2. Rank 0 touches a 64 MiB heap block and checks:
 *  - file: the model file the script wrote (downtime = A + B * bytes,
 *    total = A2 + B2 * bytes, path local) is the one used: the estimate's
 *    source names it, bytes lie in [64 MiB, 64 MiB + 8 MiB], downtime and
 *    total are exactly the formula for those bytes, the short call's
 *    seconds lie between the formula at both ends of that range;
 *  - builtin: the source says the built-in figures are used, and why (the
 *    script checks the words);
 *  - both: bad arguments give their exact classes; rank 1, which moves
 *    all the while, is
 *    estimated from rank 0 (its cluster is asked over the job's channel):
 *    its bytes are those of a small rank, path local, and in mode file
 *    the figures are exactly the formula for its bytes; MPIX_Migrate_if
 *    with a gain below the predicted total stays (cluster unchanged), with
 *    a gain above it moves (cluster changed, heap checksum unchanged);
 *    MPIX_Migrate_if about rank 1 with no gain leaves it (*moved 0), with
 *    a huge gain asks its move (*moved 1).
 * Meanwhile rank 1 moves again and again with MPIX_Migrate_if (a huge
 * gain: it always moves) and sends rank 0 its move number after each
 * move; rank 0 checks they all arrive, in order. At the end rank 1 waits
 * until its move count (MPIX_Migration_stats) is above the moves it made
 * itself: the one rank 0 asked happened. Prints
 * "estimate: rank R OK ..." per rank.
 */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAP      (64UL << 20)
#define SLACK     (8UL << 20) /* stack, globals, MPI state, allocator */
#define MIN_MOVES 3
#define TAG_MOVE  7
#define TAG_DONE  8

static int rank;

static void die(const char *what)
{
    fprintf(stderr, "estimate: rank %d: FAILED: %s\n", rank, what);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
    exit(3);
}

static uint64_t heap_sum(const uint64_t *p, size_t words)
{
    uint64_t h = 0x6A09E667F3BCC908ULL;

    for (size_t i = 0; i < words; i++)
        h = (h ^ (p[i] + i)) * 0x100000001B3ULL;
    return h;
}

static int self_cluster(void)
{
    int c;

    if (MPIX_Cluster_self(&c) != MPI_SUCCESS)
        die("MPIX_Cluster_self");
    return c;
}

/* err must be of class cls and, when words is not NULL, say them. */
static void want_error(int err, int cls, const char *words, const char *what)
{
    char s[MPI_MAX_ERROR_STRING];
    int c, n;

    MPI_Error_class(err, &c);
    MPI_Error_string(err, s, &n);
    if (c != cls || (words != NULL && strstr(s, words) == NULL)) {
        fprintf(stderr, "estimate: %s: class %d (want %d), \"%s\"\n", what, c, cls, s);
        die(what);
    }
}

static void bad_arguments(void)
{
    double d, t;
    long long b;
    char path[MPIX_MIGRATION_PATH_MAX];
    int moved = -1;

    want_error(MPIX_Migration_estimate(2, MPIX_ANY_SPARE, &d), MPI_ERR_RANK, NULL, "rank 2");
    want_error(MPIX_Migration_estimate(-1, MPIX_ANY_SPARE, &d), MPI_ERR_RANK, NULL, "rank -1");
    want_error(MPIX_Migration_estimate(0, self_cluster(), &d), MPI_ERR_ARG, NULL, "own cluster");
    want_error(MPIX_Migration_estimate(0, 99, &d), MPI_ERR_ARG, NULL, "cluster 99");
    want_error(MPIX_Migration_estimate(0, MPIX_ANY_SPARE, NULL), MPI_ERR_ARG, NULL, "NULL");
    want_error(MPIX_Migration_estimate_detail(0, MPIX_ANY_SPARE, &d, &t, &b, NULL, NULL),
               MPI_ERR_ARG, NULL, "NULL path");
    want_error(MPIX_Migrate_if(0, MPIX_ANY_SPARE, NAN, MPI_COMM_WORLD, &moved), MPI_ERR_ARG, NULL,
               "NaN gain");
    want_error(MPIX_Migrate_if(0, MPIX_ANY_SPARE, -1.0, MPI_COMM_WORLD, &moved), MPI_ERR_ARG, NULL,
               "negative gain");
    want_error(MPIX_Migrate_if(0, MPIX_ANY_SPARE, 1.0, MPI_COMM_WORLD, NULL), MPI_ERR_ARG, NULL,
               "NULL moved");
    want_error(MPIX_Migrate_if(5, MPIX_ANY_SPARE, 1.0, MPI_COMM_WORLD, &moved), MPI_ERR_RANK, NULL,
               "Migrate_if rank 5");
}

/* The estimate's numbers against the file's lines (mode file). */
static void check_formula(char **argv, long long bytes, double d, double t, const char *source,
                          double seconds)
{
    double a = atof(argv[2]), b = atof(argv[3]), a2 = atof(argv[4]), b2 = atof(argv[5]);
    double want_d = a + b * (double)bytes, want_t = a2 + b2 * (double)bytes;
    double lo = a + b * (double)HEAP, hi = a + b * (double)(HEAP + SLACK);

    if (bytes < (long long)HEAP || bytes > (long long)(HEAP + SLACK))
        die("bytes outside [64 MiB, 64 MiB + 8 MiB]");
    if (d != want_d || t != (want_t > want_d ? want_t : want_d)) {
        fprintf(stderr, "estimate: downtime %.17g want %.17g, total %.17g want %.17g\n", d, want_d,
                t, want_t);
        die("estimate is not a + b * bytes");
    }
    if (seconds < lo || seconds > hi)
        die("MPIX_Migration_estimate outside the formula's range");
    if (strncmp(source, "file ", 5) != 0)
        die("source does not name the model file");
}

/* Rank 1, moving all the while, estimated from here, three times (each
 * time its cluster is asked; a cluster it just left says so and the
 * question follows the routes). */
static void other_rank(int argc, char **argv)
{
    char path[MPIX_MIGRATION_PATH_MAX], source[MPIX_MIGRATION_SOURCE_MAX];
    double d, t, seconds;
    long long bytes;

    for (int i = 0; i < 3; i++) {
        if (MPIX_Migration_estimate_detail(1, MPIX_ANY_SPARE, &d, &t, &bytes, path, source) !=
                MPI_SUCCESS ||
            MPIX_Migration_estimate(1, MPIX_ANY_SPARE, &seconds) != MPI_SUCCESS)
            die("estimate of rank 1");
        printf("estimate: rank 1 bytes %lld downtime %.6f total %.6f path %s\n", bytes, d, t, path);
        if (bytes < 4096 || bytes >= (long long)HEAP || strcmp(path, "local") != 0)
            die("rank 1's estimate: not a small rank's bytes, or not path local");
        if (argc == 6) {
            double a = atof(argv[2]), b = atof(argv[3]);
            if (d != a + b * (double)bytes || strncmp(source, "file ", 5) != 0)
                die("rank 1's estimate is not a + b * bytes of the model file");
        }
    }
}

/* Decisions about rank 1 taken here: no gain leaves it, a huge gain asks
 * its move (rank 1 checks the move happened, see mover()). */
static void decide_other_rank(void)
{
    int moved = -1;

    if (MPIX_Migrate_if(1, MPIX_ANY_SPARE, 0.0, MPI_COMM_WORLD, &moved) != MPI_SUCCESS ||
        moved != 0)
        die("Migrate_if about rank 1 with no gain asked a move, or failed");
    if (MPIX_Migrate_if(1, MPIX_ANY_SPARE, 1e9, MPI_COMM_WORLD, &moved) != MPI_SUCCESS ||
        moved != 1)
        die("Migrate_if about rank 1 with a huge gain did not ask the move");
}

/* Rank 0's part. */
static void subject(int argc, char **argv)
{
    size_t words = HEAP / 8;
    uint64_t *p = malloc(HEAP), sum;
    char path[MPIX_MIGRATION_PATH_MAX], source[MPIX_MIGRATION_SOURCE_MAX];
    double d, t, seconds;
    long long bytes;
    int moved = -1, before, got = 0, n;

    if (p == NULL)
        die("malloc");
    for (size_t i = 0; i < words; i++)
        p[i] = i * 0x9E3779B97F4A7C15ULL;
    sum = heap_sum(p, words);
    if (MPIX_Migration_estimate(0, MPIX_ANY_SPARE, &seconds) != MPI_SUCCESS ||
        MPIX_Migration_estimate_detail(0, MPIX_ANY_SPARE, &d, &t, &bytes, path, source) !=
            MPI_SUCCESS)
        die("estimate");
    printf("estimate: bytes %lld downtime %.6f total %.6f path %s source %s\n", bytes, d, t, path,
           source);
    if (strcmp(path, "local") != 0)
        die("path is not local on one host");
    if (argc == 6)
        check_formula(argv, bytes, d, t, source, seconds);
    else if (strncmp(source, "built-in figures of make bench-migration", 40) != 0)
        die("source does not say built-in");
    bad_arguments();
    other_rank(argc, argv);
    before = self_cluster();
    if (MPIX_Migrate_if(0, MPIX_ANY_SPARE, t / 2, MPI_COMM_WORLD, &moved) != MPI_SUCCESS ||
        moved != 0 || self_cluster() != before)
        die("Migrate_if with a gain below the prediction moved, or failed");
    if (MPIX_Migrate_if(0, MPIX_ANY_SPARE, t * 2 + 1.0, MPI_COMM_WORLD, &moved) != MPI_SUCCESS ||
        moved != 1 || self_cluster() == before)
        die("Migrate_if with a gain above the prediction did not move");
    if (heap_sum(p, words) != sum)
        die("heap checksum changed by the move");
    MPI_Send(&got, 1, MPI_INT, 1, TAG_DONE, MPI_COMM_WORLD);
    decide_other_rank(); /* rank 1 stops moving itself: the asked move is the only one */
    for (;;) {           /* rank 1's move numbers, in order, until its last one */
        MPI_Recv(&n, 1, MPI_INT, 1, TAG_MOVE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (n < 0)
            break;
        if (n != ++got)
            die("rank 1's move numbers out of order");
    }
    if (got < MIN_MOVES || -n != got)
        die("rank 1's last move number differs from its count");
    printf("estimate: rank 0 OK stayed %d moved to %d, rank 1 moved %d times\n", before,
           self_cluster(), got);
    free(p);
}

/* Rank 1, at the end: the move rank 0 asks (after its TAG_DONE) comes at a
 * safe point; MPI_Iprobe is one. Up to 120 s. */
static void wait_asked_move(int own_moves)
{
    double times[5], t0 = MPI_Wtime();
    long long bytes;
    int moves = 0, flag;

    for (;;) {
        if (MPIX_Migration_stats(times, &bytes, &moves) != MPI_SUCCESS)
            die("MPIX_Migration_stats");
        if (moves > own_moves)
            break;
        if (MPI_Wtime() - t0 > 120.0)
            die("the move rank 0 asked with MPIX_Migrate_if never happened");
        MPI_Iprobe(0, TAG_MOVE, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    }
    printf("estimate: rank 1 moved %d times, %d asked by rank 0\n", moves, moves - own_moves);
}

/* Rank 1: moves until rank 0 is done (at least MIN_MOVES times). */
static void mover(void)
{
    int moves = 0, done = 0, moved, dummy, end;

    while (!done || moves < MIN_MOVES) {
        if (MPIX_Migrate_if(1, MPIX_ANY_SPARE, 1e9, MPI_COMM_WORLD, &moved) != MPI_SUCCESS ||
            moved != 1)
            die("rank 1: Migrate_if with a huge gain did not move");
        moves++;
        MPI_Send(&moves, 1, MPI_INT, 0, TAG_MOVE, MPI_COMM_WORLD);
        if (!done)
            MPI_Iprobe(0, TAG_DONE, MPI_COMM_WORLD, &done, MPI_STATUS_IGNORE);
    }
    MPI_Recv(&dummy, 1, MPI_INT, 0, TAG_DONE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    wait_asked_move(moves);
    end = -moves;
    MPI_Send(&end, 1, MPI_INT, 0, TAG_MOVE, MPI_COMM_WORLD);
    printf("estimate: rank 1 OK moves %d\n", moves);
}

int main(int argc, char **argv)
{
    int size;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (size != 2 || argc < 2 || (strcmp(argv[1], "file") == 0 && argc != 6) ||
        (strcmp(argv[1], "builtin") == 0 && argc != 2))
        die("usage: estimate file A B A2 B2 | estimate builtin, on 2 ranks");
    if (rank == 0)
        subject(argc, argv);
    else
        mover();
    fflush(stdout);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
