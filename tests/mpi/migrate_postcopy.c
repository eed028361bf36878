/* migrate_postcopy.c: post-copy moves (issue 15 item 2), checked bit for bit.
 *
 * migrate_postcopy MIB MOVERS HOW
 *   Ranks 1..MOVERS (the movers) each fill MIB MiB of heap with a pattern of
 *   (page, word, rank), post a rendezvous receive into its heap, tell rank
 *   0 their cluster and move: HOW self: each calls
 *   MPIX_Migrateto_mode(MPIX_ANY_SPARE, "postcopy"); asked: rank 0 asks
 *   every mover at once (MPIX_Migrate to any spare, the job run with
 *   NMPI_MIGRATION_MODE=postcopy) while they compute outside MPI. Rank 0
 *   sends the rendezvous message meanwhile. Right after the move, before
 *   touching its heap, a mover counts the pages of its send buffers (the
 *   heap's last pages: pulled last) that are not here yet (mincore), sends
 *   from them an eager and a rendezvous message, receives an eager and a
 *   rendezvous message into other heap pages not touched since the move,
 *   then checks every other page of the heap, its globals and its stack.
 *   Rank 0 checks what it got against the pattern.
 * Prints per mover "migrate_postcopy: rank R sent from N of M pages not yet
 * here" and rank 0 "migrate_postcopy: OK MIB MiB MOVERS movers HOW".
 * For measurements: MIGRATE_POSTCOPY_MODE names another mode for HOW self
 * (stop, precopy: the same checks), MIGRATE_POSTCOPY_IDLE_MS computes that
 * long outside MPI before the heap is checked (the background pull alone).
 * MIGRATE_POSTCOPY_AGAIN=1 (HOW self): right after the move, while pages
 * are still pulled, another move must be refused (MPI_ERR_OTHER, the rank
 * where it is); after MIGRATE_POSTCOPY_IDLE_MS one must work (a second
 * post-copy move of a rank whose pages all arrived), then the checks.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "testhelp_mpi.h"

#define PAGE_WORDS 512 /* 4 KiB pages of 64-bit words */
#define PAGE_BYTES (PAGE_WORDS * 8)
#define EAGER_W    128       /* 1 KiB: eager */
#define RDV_W      (1 << 15) /* 256 KiB: rendezvous (64 pages) */
#define GLOBALS    4096

static int rank, size;
static uint64_t g_table[GLOBALS];

static uint64_t word(size_t page, size_t w, int r)
{
    return page * 0x9E3779B97F4A7C15ULL + w * 0x165667B19E3779F9ULL + (uint64_t)r * 0xC2B2AE3DULL;
}

/* What rank 0 sends: tagged so that each message differs. */
static uint64_t sent_word(int tag, int r, size_t w)
{
    return ((uint64_t)tag << 48) ^ ((uint64_t)r << 32) ^ (w * 0x27D4EB2F165667C5ULL);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void compute_10ms(void)
{
    double end = now() + 0.01;
    volatile uint64_t x = 1;

    while (now() < end)
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ULL + 1;
}

/* Pages of [p, p + bytes) not resident here (mincore: no fault taken);
 * *spanned: how many pages it spans. */
static size_t missing_pages(const void *p, size_t bytes, size_t *spanned)
{
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(PAGE_BYTES - 1);
    size_t n = ((uintptr_t)p + bytes - lo + PAGE_BYTES - 1) / PAGE_BYTES, missing = 0;
    unsigned char *v = malloc(n);

    CHECK(v != NULL);
    CHECK(mincore((void *)lo, n * PAGE_BYTES, v) == 0);
    *spanned = n;
    for (size_t i = 0; i < n; i++)
        missing += !(v[i] & 1);
    free(v);
    return missing;
}

/* The heap's pages: [0, pages); the messages use the last ones:
 *   rdv_in   pages - 200 .. -137 (posted before the move)
 *   rdv_in2  pages - 130 .. -67, eager_in pages - 66
 *   rdv_out  pages - 65 .. -2,   eager_out pages - 1 */
static void mover(size_t mib, int self, int again)
{
    size_t pages = (mib << 20) / PAGE_BYTES;
    uint64_t *heap = malloc(mib << 20), stack[256];
    size_t p_rdv_in = pages - 200, p_rdv_in2 = pages - 130, p_eager_in = pages - 66;
    size_t p_rdv_out = pages - 65, p_eager_out = pages - 1, missing, spanned;
    MPI_Request pre;
    int c0, c1;
    double t0 = now();

    CHECK(heap != NULL && pages >= 256);
    for (size_t p = 0; p < pages; p++)
        for (size_t w = 0; w < PAGE_WORDS; w++)
            heap[p * PAGE_WORDS + w] = word(p, w, rank);
    for (size_t i = 0; i < 256; i++)
        stack[i] = i * 7 + (uint64_t)rank;
    MPI_CHECK(MPIX_Cluster_self(&c0));
    MPI_CHECK(
        MPI_Irecv(heap + p_rdv_in * PAGE_WORDS, RDV_W, MPI_UINT64_T, 0, 40, MPI_COMM_WORLD, &pre));
    MPI_CHECK(MPI_Send(&c0, 1, MPI_INT, 0, 30, MPI_COMM_WORLD));
    if (self) {
        const char *mode = getenv("MIGRATE_POSTCOPY_MODE");
        int cls, err = MPIX_Migrateto_mode(MPIX_ANY_SPARE, mode != NULL ? mode : "postcopy");

        MPI_CHECK(MPI_Error_class(err, &cls));
        CHECKF(err == MPI_SUCCESS, "rank %d: MPIX_Migrateto_mode(postcopy): class %d", rank, cls);
        MPI_CHECK(MPIX_Cluster_self(&c1));
    } else {
        do { /* computing outside MPI until a preemption tick moves it */
            compute_10ms();
            MPI_CHECK(MPIX_Cluster_self(&c1));
            CHECKF(now() - t0 < 30, "rank %d never moved", rank);
        } while (c1 == c0);
    }
    CHECKF(c1 != c0, "rank %d on cluster %d, was on %d", rank, c1, c0);
    if (again) { /* its pages still come: the move waits for them, then goes */
        double t = now();
        int c, cls, err = MPIX_Migrateto_mode(MPIX_ANY_SPARE, "postcopy");

        MPI_CHECK(MPI_Error_class(err, &cls));
        MPI_CHECK(MPIX_Cluster_self(&c));
        CHECKF(err == MPI_SUCCESS && c != c1,
               "rank %d: a move while pulling: class %d, on cluster %d (was %d)", rank, cls, c, c1);
        printf("migrate_postcopy: rank %d moved %d -> %d while its pages were pulled (%.0f ms)\n",
               rank, c1, c, (now() - t) * 1e3);
        c1 = c;
    }
    /* At once: the send buffers are the heap's last pages, pulled last. */
    missing = missing_pages(heap + p_rdv_out * PAGE_WORDS, (RDV_W / PAGE_WORDS + 1) * PAGE_BYTES,
                            &spanned);
    MPI_CHECK(
        MPI_Send(heap + p_eager_out * PAGE_WORDS, EAGER_W, MPI_UINT64_T, 0, 41, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Send(heap + p_rdv_out * PAGE_WORDS, RDV_W, MPI_UINT64_T, 0, 42, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Recv(heap + p_eager_in * PAGE_WORDS, EAGER_W, MPI_UINT64_T, 0, 43, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE));
    MPI_CHECK(MPI_Recv(heap + p_rdv_in2 * PAGE_WORDS, RDV_W, MPI_UINT64_T, 0, 44, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE));
    MPI_CHECK(MPI_Wait(&pre, MPI_STATUS_IGNORE));
    printf("migrate_postcopy: rank %d sent from %zu of %zu pages not yet here\n", rank, missing,
           spanned);
    if (getenv("MIGRATE_POSTCOPY_IDLE_MS") != NULL) {
        double end = now() + 1e-3 * atof(getenv("MIGRATE_POSTCOPY_IDLE_MS"));

        while (now() < end)
            compute_10ms();
    }
    if (again) { /* every page here by now: it may move again */
        int c, cls, err = MPIX_Migrateto_mode(MPIX_ANY_SPARE, "postcopy");

        MPI_CHECK(MPI_Error_class(err, &cls));
        MPI_CHECK(MPIX_Cluster_self(&c));
        CHECKF(err == MPI_SUCCESS && c != c1, "rank %d: second move: class %d, on cluster %d", rank,
               cls, c);
        printf("migrate_postcopy: rank %d, every page here, moved again %d -> %d\n", rank, c1, c);
        c1 = c;
    }
    /* Bit for bit: what came in, then every other page. */
    for (size_t w = 0; w < RDV_W; w++) {
        CHECKF(heap[p_rdv_in * PAGE_WORDS + w] == sent_word(40, rank, w),
               "rank %d: message 40 word %zu", rank, w);
        CHECKF(heap[p_rdv_in2 * PAGE_WORDS + w] == sent_word(44, rank, w),
               "rank %d: message 44 word %zu", rank, w);
    }
    for (size_t w = 0; w < EAGER_W; w++)
        CHECKF(heap[p_eager_in * PAGE_WORDS + w] == sent_word(43, rank, w),
               "rank %d: message 43 word %zu", rank, w);
    for (size_t p = 0; p < pages; p++) {
        size_t from = 0;

        if ((p >= p_rdv_in && p < p_rdv_in + RDV_W / PAGE_WORDS) ||
            (p >= p_rdv_in2 && p < p_rdv_in2 + RDV_W / PAGE_WORDS))
            continue;
        if (p == p_eager_in)
            from = EAGER_W;
        for (size_t w = from; w < PAGE_WORDS; w++)
            CHECKF(heap[p * PAGE_WORDS + w] == word(p, w, rank), "rank %d: heap page %zu word %zu",
                   rank, p, w);
    }
    for (size_t i = 0; i < GLOBALS; i++)
        CHECKF(g_table[i] == i * 3 + (uint64_t)rank, "rank %d: global %zu", rank, i);
    for (size_t i = 0; i < 256; i++)
        CHECKF(stack[i] == i * 7 + (uint64_t)rank, "rank %d: stack word %zu", rank, i);
    MPI_CHECK(MPI_Send(&c1, 1, MPI_INT, 0, 31, MPI_COMM_WORLD));
    free(heap);
}

static void peer(size_t mib, int movers, int self)
{
    size_t pages = (mib << 20) / PAGE_BYTES;
    uint64_t *buf = malloc((size_t)movers * (2 * RDV_W + EAGER_W) * 8);
    uint64_t *in = malloc((RDV_W + EAGER_W) * 8);
    MPI_Request *req = malloc((size_t)movers * 3 * sizeof(*req));
    MPI_Status *st = malloc((size_t)movers * 3 * sizeof(*st));

    CHECK(buf != NULL && in != NULL && req != NULL && st != NULL);
    for (int m = 1; m <= movers; m++) {
        int c;

        MPI_CHECK(MPI_Recv(&c, 1, MPI_INT, m, 30, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    }
    for (int m = 1; m <= movers && !self; m++) /* all at once */
        MPI_CHECK(MPIX_Migrate(m, MPIX_ANY_SPARE, MPI_COMM_WORLD));
    for (int m = 1; m <= movers; m++) { /* in flight while they move */
        uint64_t *b = buf + (size_t)(m - 1) * (2 * RDV_W + EAGER_W);

        for (size_t w = 0; w < RDV_W; w++) {
            b[w] = sent_word(40, m, w);
            b[RDV_W + w] = sent_word(44, m, w);
        }
        for (size_t w = 0; w < EAGER_W; w++)
            b[2 * RDV_W + w] = sent_word(43, m, w);
        MPI_CHECK(MPI_Isend(b, RDV_W, MPI_UINT64_T, m, 40, MPI_COMM_WORLD, &req[3 * (m - 1)]));
        MPI_CHECK(MPI_Isend(b + 2 * RDV_W, EAGER_W, MPI_UINT64_T, m, 43, MPI_COMM_WORLD,
                            &req[3 * (m - 1) + 1]));
        MPI_CHECK(MPI_Isend(b + RDV_W, RDV_W, MPI_UINT64_T, m, 44, MPI_COMM_WORLD,
                            &req[3 * (m - 1) + 2]));
    }
    for (int m = 1; m <= movers; m++) {
        MPI_CHECK(MPI_Recv(in, EAGER_W, MPI_UINT64_T, m, 41, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        for (size_t w = 0; w < EAGER_W; w++)
            CHECKF(in[w] == word(pages - 1, w, m), "from rank %d: eager word %zu", m, w);
        MPI_CHECK(MPI_Recv(in, RDV_W, MPI_UINT64_T, m, 42, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        for (size_t w = 0; w < RDV_W; w++)
            CHECKF(in[w] == word(pages - 65 + w / PAGE_WORDS, w % PAGE_WORDS, m),
                   "from rank %d: rendezvous word %zu", m, w);
    }
    MPI_CHECK(MPI_Waitall(3 * movers, req, st));
    for (int m = 1; m <= movers; m++) {
        int c;

        MPI_CHECK(MPI_Recv(&c, 1, MPI_INT, m, 31, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    }
    free(buf);
    free(in);
    free(req);
    free(st);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 64;
    int movers = argc > 2 ? atoi(argv[2]) : 1;
    const char *how = argc > 3 ? argv[3] : "self";
    int self = strcmp(how, "self") == 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(mib >= 2 && movers >= 1 && movers < size && (self || strcmp(how, "asked") == 0),
           "usage: migrate_postcopy MIB MOVERS self|asked");
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    for (size_t i = 0; i < GLOBALS; i++)
        g_table[i] = i * 3 + (uint64_t)rank;
    if (rank == 0)
        peer(mib, movers, self);
    else if (rank <= movers)
        mover(mib, self, self && getenv("MIGRATE_POSTCOPY_AGAIN") != NULL);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate_postcopy: OK %zu MiB %d movers %s\n", mib, movers, how);
    MPI_Finalize();
    return 0;
}
