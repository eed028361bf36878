/* migrate_precopy.c: ranks moved while they keep writing their heap, checked
 * bit for bit (the acceptance test of pre-copy moves, issue 15 item 1).
 *
 * migrate_precopy WRITER MIB MOVERS MOVES
 *   Ranks 1..MOVERS (the movers) each hold MIB MiB of heap in which every
 *   page is a pattern of (page, generation, rank), the generations in
 *   another heap block. Each of MOVES rounds: every mover tells rank 0 its
 *   cluster, posts a rendezvous-size receive from rank 0 and a send to it,
 *   and computes outside MPI, rewriting 1% of its pages per 10 ms (WRITER
 *   hot: always the same pages; moving: a set that slides one page along
 *   each time; all: every page, as fast as it can, so that pre-copy cannot
 *   converge and must end in a bounded stop-and-copy; grow: hot, and a
 *   second heap block freed and allocated again at every step with a size
 *   going 1..8 MiB and back, so that the heap grows and shrinks during the
 *   rounds; none: no writes), with a global counter and a stack array
 *   beside. Rank 0 asks every mover to move at once (MPIX_Migrate to any
 *   spare: all movers move at the same moment, at a preemption tick of
 *   their computing loop), then sends to and receives from each while they
 *   move. A mover that sees its cluster change writes a few more rounds,
 *   then checks every page of its heap against the generations, its
 *   globals and its stack, and completes its messages, checking their
 *   payloads. With MIGRATE_PRECOPY_EXPECT_STAY=1 the move must fail
 *   instead (a fault hook of the destination): the mover computes 3 s
 *   (MIGRATE_PRECOPY_STAY_S), must still be where it was, and checks the
 *   same.
 * With MIGRATE_PRECOPY_SELF=1 each mover asks its own move
 * (MPI_Migrateto(MPIX_ANY_SPARE)) after its first step instead, and waits
 * in that call, its messages in flight; with MIGRATE_PRECOPY_SELF=mode it
 * asks MPIX_Migrateto_mode(MPIX_ANY_SPARE, "precopy") (and first an
 * unknown mode, which must give MPI_ERR_ARG and leave it where it is).
 * With MIGRATE_PRECOPY_SELF=after-ask rank 0 asks the moves as without
 * it, then tells each mover it asked; the mover, once told, computes
 * 50 ms (its pre-copy rounds under way, a 256 MiB heap takes longer) and
 * then asks a move of its own, which must wait for the first and succeed
 * (it failed with "busy" before: the soak in pre-copy mode).
 * Rank 0 prints "migrate_precopy: OK WRITER MIB MiB MOVERS movers MOVES
 * moves".
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testhelp_mpi.h"

#define PAGE_WORDS 512       /* 4 KiB pages of 64-bit words */
#define MSG_INTS   (1 << 16) /* 256 KiB: past the eager limit */
#define GLOBALS    4096

static int rank, size;
static uint64_t *g_extra;         /* the "grow" writer's second block */
static size_t g_extra_words;      /* its size */
static uint64_t g_extra_seed;     /* and the pattern it holds */
static uint64_t g_counter;        /* globals: the writes made, also counted on the stack */
static uint64_t g_table[GLOBALS]; /* globals: a fixed pattern */

static uint64_t word(size_t page, uint32_t gen, size_t w)
{
    return (page * 0x9E3779B97F4A7C15ULL ^ (uint64_t)gen * 0xC2B2AE3D27D4EB4FULL) +
           w * 0x165667B19E3779F9ULL + (uint64_t)rank;
}

static void write_page(uint64_t *heap, uint32_t *gen, size_t p)
{
    gen[p]++;
    for (size_t w = 0; w < PAGE_WORDS; w++)
        heap[p * PAGE_WORDS + w] = word(p, gen[p], w);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* About 10 ms of computing in the program's own code (where a preemption
 * tick may take the rank away). */
static void compute_10ms(void)
{
    double end = now() + 0.01;
    volatile uint64_t x = 1;

    while (now() < end)
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ULL + 1;
}

/* One step of the writer: 1% of the pages rewritten. */
static void write_step(const char *writer, uint64_t *heap, uint32_t *gen, size_t pages,
                       unsigned step)
{
    size_t stride = strcmp(writer, "all") == 0 ? 1 : 100;

    if (strcmp(writer, "none") == 0)
        return;
    if (strcmp(writer, "grow") == 0) { /* 1..8 MiB and back down */
        unsigned k = step % 14;

        free(g_extra);
        g_extra_words = (size_t)(k < 8 ? k + 1 : 15 - k) << 17;
        g_extra = malloc(g_extra_words * sizeof(*g_extra));
        CHECK(g_extra != NULL);
        g_extra_seed = step * 0x9E3779B97F4A7C15ULL + (uint64_t)rank;
        for (size_t i = 0; i < g_extra_words; i++)
            g_extra[i] = g_extra_seed ^ i * 0xC2B2AE3D27D4EB4FULL;
    }
    for (size_t p = strcmp(writer, "moving") == 0 ? step % 100 : 0; p < pages; p += stride) {
        write_page(heap, gen, p);
        g_counter++;
    }
}

static void check_memory(const uint64_t *heap, const uint32_t *gen, size_t pages,
                         const uint64_t *stack, uint64_t counted, int round)
{
    for (size_t p = 0; p < pages; p++)
        for (size_t w = 0; w < PAGE_WORDS; w++)
            CHECKF(heap[p * PAGE_WORDS + w] == word(p, gen[p], w),
                   "round %d: rank %d heap page %zu word %zu differs", round, rank, p, w);
    for (size_t i = 0; i < GLOBALS; i++)
        CHECKF(g_table[i] == i * 3 + (uint64_t)rank, "round %d: rank %d global %zu differs", round,
               rank, i);
    CHECKF(g_counter == counted, "round %d: rank %d global counter %llu, stack says %llu", round,
           rank, (unsigned long long)g_counter, (unsigned long long)counted);
    for (size_t i = 0; i < 256; i++)
        CHECKF(stack[i] == i * 7 + (uint64_t)rank, "round %d: rank %d stack word %zu differs",
               round, rank, i);
    for (size_t i = 0; g_extra != NULL && i < g_extra_words; i++)
        CHECKF(g_extra[i] == (g_extra_seed ^ i * 0xC2B2AE3D27D4EB4FULL),
               "round %d: rank %d grown block word %zu of %zu differs", round, rank, i,
               g_extra_words);
}

static void mover(const char *writer, size_t mib, int moves, int stay, int self)
{
    const char *stay_text = getenv("MIGRATE_PRECOPY_STAY_S");
    double stay_s = stay_text != NULL ? atof(stay_text) : 3;
    size_t pages = (mib << 20) / (PAGE_WORDS * 8);
    uint64_t *heap = malloc(mib << 20), stack[256], counted = 0;
    uint32_t *gen = calloc(pages, sizeof(*gen));
    int *in = malloc(MSG_INTS * sizeof(int)), *out = malloc(MSG_INTS * sizeof(int));

    CHECK(heap != NULL && gen != NULL && in != NULL && out != NULL);
    for (size_t p = 0; p < pages; p++)
        for (size_t w = 0; w < PAGE_WORDS; w++)
            heap[p * PAGE_WORDS + w] = word(p, 0, w);
    for (size_t i = 0; i < 256; i++)
        stack[i] = i * 7 + (uint64_t)rank;
    for (int round = 0; round < moves; round++) {
        MPI_Request req[2];
        MPI_Status st[2];
        int c0, c1;
        unsigned step = 0;
        int own_moved = 0; /* after-ask: its own move returned (it may be back on c0) */
        double t0 = now();

        for (int i = 0; i < MSG_INTS; i++)
            out[i] = rank * 1000003 + round * 31 + i;
        MPI_CHECK(MPIX_Cluster_self(&c0));
        MPI_CHECK(MPI_Irecv(in, MSG_INTS, MPI_INT, 0, 40 + round, MPI_COMM_WORLD, &req[0]));
        MPI_CHECK(MPI_Isend(out, MSG_INTS, MPI_INT, 0, 50 + round, MPI_COMM_WORLD, &req[1]));
        MPI_CHECK(MPI_Send(&c0, 1, MPI_INT, 0, 30, MPI_COMM_WORLD));
        do { /* computing, writing, until moved (or for 3 s when it must stay) */
            uint64_t before = g_counter;

            write_step(writer, heap, gen, pages, step++);
            counted += g_counter - before;
            if (self == 3 && step == 1) { /* a move of its own while the asked one runs */
                int asked, err;

                MPI_CHECK(MPI_Recv(&asked, 1, MPI_INT, 0, 32, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
                for (int i = 0; i < 5; i++)
                    compute_10ms();
                err = MPI_Migrateto(MPIX_ANY_SPARE);
                CHECKF(err == MPI_SUCCESS,
                       "round %d: rank %d: its own move during an asked one: %d", round, rank, err);
                own_moved = 1;
            } else if (self && step == 1) { /* waits in the call, its messages in flight */
                int err = MPI_SUCCESS, cls, c;

                if (self == 2) {
                    err = MPIX_Migrateto_mode(MPIX_ANY_SPARE, "sideways");
                    MPI_CHECK(MPI_Error_class(err, &cls));
                    MPI_CHECK(MPIX_Cluster_self(&c));
                    CHECKF(cls == MPI_ERR_ARG && c == c0, "rank %d: unknown mode: class %d", rank,
                           cls);
                }
                err = self == 2 ? MPIX_Migrateto_mode(MPIX_ANY_SPARE, "precopy")
                                : MPI_Migrateto(MPIX_ANY_SPARE);

                CHECKF(stay ? err != MPI_SUCCESS : err == MPI_SUCCESS,
                       "round %d: rank %d: MPI_Migrateto returned %d", round, rank, err);
            }
            compute_10ms();
            MPI_CHECK(MPIX_Cluster_self(&c1));
            CHECKF(now() - t0 < 30, "round %d: rank %d never moved", round, rank);
        } while (stay ? now() - t0 < stay_s : c1 == c0 && !own_moved);
        CHECKF(stay ? c1 == c0 : c1 != c0 || own_moved,
               "round %d: rank %d on cluster %d, was on %d", round, rank, c1, c0);
        for (int i = 0; i < 3; i++) { /* writes where it is now */
            uint64_t before = g_counter;

            write_step(writer, heap, gen, pages, step++);
            counted += g_counter - before;
        }
        check_memory(heap, gen, pages, stack, counted, round);
        MPI_CHECK(MPI_Waitall(2, req, st));
        for (int i = 0; i < MSG_INTS; i++)
            CHECKF(in[i] == round * 1000033 + rank * 17 + i, "round %d: rank %d message word %d",
                   round, rank, i);
        MPI_CHECK(MPI_Send(&c1, 1, MPI_INT, 0, 31, MPI_COMM_WORLD));
    }
    free(heap);
    free(gen);
    free(in);
    free(out);
}

static void asker(int movers, int moves, int self)
{
    int *in = malloc((size_t)movers * MSG_INTS * sizeof(int));
    int *out = malloc((size_t)movers * MSG_INTS * sizeof(int));
    MPI_Request *req = malloc(2 * (size_t)movers * sizeof(MPI_Request));
    MPI_Status *st = malloc(2 * (size_t)movers * sizeof(MPI_Status));

    CHECK(in != NULL && out != NULL && req != NULL && st != NULL);
    for (int round = 0; round < moves; round++) {
        int c;

        for (int m = 1; m <= movers; m++)
            MPI_CHECK(MPI_Recv(&c, 1, MPI_INT, m, 30, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        for (int m = 1; m <= movers && (!self || self == 3); m++) /* all at once */
            MPI_CHECK(MPIX_Migrate(m, MPIX_ANY_SPARE, MPI_COMM_WORLD));
        for (int m = 1; m <= movers && self == 3; m++) /* "asked" */
            MPI_CHECK(MPI_Send(&m, 1, MPI_INT, m, 32, MPI_COMM_WORLD));
        for (int m = 1; m <= movers; m++) { /* in flight while they move */
            int *o = out + (size_t)(m - 1) * MSG_INTS;

            for (int i = 0; i < MSG_INTS; i++)
                o[i] = round * 1000033 + m * 17 + i;
            MPI_CHECK(
                MPI_Isend(o, MSG_INTS, MPI_INT, m, 40 + round, MPI_COMM_WORLD, &req[2 * (m - 1)]));
            MPI_CHECK(MPI_Irecv(in + (size_t)(m - 1) * MSG_INTS, MSG_INTS, MPI_INT, m, 50 + round,
                                MPI_COMM_WORLD, &req[2 * (m - 1) + 1]));
        }
        MPI_CHECK(MPI_Waitall(2 * movers, req, st));
        for (int m = 1; m <= movers; m++)
            for (int i = 0; i < MSG_INTS; i++)
                CHECKF(in[(size_t)(m - 1) * MSG_INTS + i] == m * 1000003 + round * 31 + i,
                       "round %d: from rank %d word %d", round, m, i);
        for (int m = 1; m <= movers; m++)
            MPI_CHECK(MPI_Recv(&c, 1, MPI_INT, m, 31, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    }
    free(in);
    free(out);
    free(req);
    free(st);
}

int main(int argc, char **argv)
{
    const char *writer = argc > 1 ? argv[1] : "hot";
    size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 16;
    int movers = argc > 3 ? atoi(argv[3]) : 1, moves = argc > 4 ? atoi(argv[4]) : 1;
    const char *stay = getenv("MIGRATE_PRECOPY_EXPECT_STAY");
    const char *self = getenv("MIGRATE_PRECOPY_SELF");
    int is_self = self == NULL                     ? 0
                  : strcmp(self, "1") == 0         ? 1
                  : strcmp(self, "mode") == 0      ? 2
                  : strcmp(self, "after-ask") == 0 ? 3
                                                   : 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(mib >= 1 && movers >= 1 && movers < size && moves >= 1, "bad arguments");
    CHECKF(strcmp(writer, "hot") == 0 || strcmp(writer, "moving") == 0 ||
               strcmp(writer, "all") == 0 || strcmp(writer, "grow") == 0 ||
               strcmp(writer, "none") == 0,
           "writer %s: hot, moving, all, grow or none", writer);
    if (is_self) /* a refused move is an error code to check, not the end */
        MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    for (size_t i = 0; i < GLOBALS; i++)
        g_table[i] = i * 3 + (uint64_t)rank;
    if (rank == 0)
        asker(movers, moves, is_self);
    else if (rank <= movers)
        mover(writer, mib, moves, stay != NULL && strcmp(stay, "1") == 0, is_self);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate_precopy: OK %s %zu MiB %d movers %d moves\n", writer, mib, movers, moves);
    MPI_Finalize();
    return 0;
}
