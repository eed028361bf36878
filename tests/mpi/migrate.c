/* migrate.c: rank migration under traffic, checked bit for bit.
 *
 * Modes (argv[1]):
 *  ring N     token ring of N laps; every lap one rank (in turn) moves to any
 *             spare; after every move the mover checks a checksum of its
 *             globals, heap and stack data, and the token is checked.
 *  tour       rank 0 visits every spare cluster in turn and comes back to a
 *             spare it left; checksums checked after each move.
 *  burst K    K ranks move at the same moment (needs K spares).
 *  pairs N [K] N rounds of all-pairs traffic of mixed sizes (below and above
 *             the eager limit) with MPI_ANY_SOURCE receives while a rank moves
 *             every round with messages in flight to and from it; every payload
 *             and per-sender order checked. With K >= 2, K ranks that talk
 *             to each other (r, r+1, ... in round r) move at the same moment
 *             every round, each to a planned idle cluster (pairs_plan: the
 *             same plan on every rank, so each rank checks where it landed).
 *  path C...  rank 0 moves through the clusters C... in turn (e.g. between
 *             hosts and back to where it started), checksums of its globals,
 *             heap and stack checked after each move, a token passed round
 *             every rank after each move and checked.
 *  layout     3 ranks, 1 spare; clusters 2 and 3 (rank 2 and the spare) run
 *             another build of this program at the same path (tests/hosts/
 *             moves.sh arranges it): rank 0's moves to them are refused
 *             (MPI_ERR_UNSUPPORTED_OPERATION, the text names the layout
 *             fingerprint) and it stays intact; rank 2 moves to cluster 3
 *             (same build); rank 0 is refused cluster 2 then; the job goes on.
 *  cut C MIB [S]  rank 0 grows its heap by MIB MiB of patterned data, prints
 *             "migrate cut: moving", and tries to move to cluster C while
 *             the test cuts a link: the move may fail (MPI_ERRORS_RETURN;
 *             the class and text are printed) but the rank's memory must be
 *             intact wherever it runs; then tokens go round the job for S
 *             seconds more (default 0: one lap), each checked, and with S
 *             > 0 a move that failed is tried again (the link is back by
 *             then) and must work, the heap's extra MiB freed.
 *  pending    Isend/Irecv posted before MPI_Migrateto, completed after it, on
 *             both sides (the sender moves, then the receiver moves).
 *  refuse     refused moves: bad cluster, own cluster, busy cluster, no spare
 *             left (job without spares) -> error classes, the job carries on.
 *  third N    rank 0 asks with MPIX_Migrate for rank 1 to move, N times;
 *             rank 1 moves inside a blocking receive.
 *  stale N    a rank returns N times to a cluster it left: memory it freed
 *             in between reads as zeros there.
 *  reject     the stream is damaged on purpose (NMPI_TEST_STREAM_FAULT): the
 *             move fails, the rank continues at the source intact; with a
 *             "-first" fault, the next moves (there and back) succeed.
 *  dual N     N rounds; ranks 2k and 2k+1 talk, and both move at the same
 *             moment (every rank moves every round, to a different spare
 *             each round) with traffic in flight both ways: receives posted
 *             before the move, eager messages up to the eager limit and
 *             rendezvous ones left unexpected at the receiver (sizes around
 *             the limit and every medium size from 8127 B to 64 KiB),
 *             synchronous sends, large Isends waited after the move, and more messages
 *             sent right after the move while the peer may still be moving;
 *             some are probed, some received with MPI_ANY_SOURCE; plus a
 *             flood of 256 eager messages each way on another tag. With 4
 *             ranks or more, pairs also talk across (r and r ^ 2) while all
 *             move. Needs an even number of ranks and as many spares as ranks.
 *  together N N rounds in which every rank asks to move to any spare at the
 *             same moment, with a rendezvous message in flight to and from
 *             it (posted before, waited after); with fewer spares than ranks
 *             some are refused (MPI_ERR_NO_SPACE). Every move must complete
 *             or be refused promptly: prints the slowest round's time, which
 *             the script bounds far below NMPI_MIGRATE_TIMEOUT.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

static int rank, size, nclusters, nspares;
#ifdef MIGRATE_VARIANT
/* tests/hosts/moves.sh's other build of this program: 1 MiB more of .data
 * moves every later segment, as a different build would. */
volatile char migrate_variant_pad[1 << 20] = {1};
#endif
static uint64_t global_table[4096] = {1, 2, 3};
static char global_bss[65536];
static unsigned char *heap_block;
#define HEAP_BYTES (1 << 20)

/* Fills the rank's globals and heap with data that depends on its rank. */
static void state_fill(void)
{
    int i;

    for (i = 0; i < 4096; i++)
        global_table[i] = (uint64_t)i * 2654435761u + (uint64_t)rank;
    memset(global_bss, 'a' + rank % 26, sizeof(global_bss));
    heap_block = malloc(HEAP_BYTES);
    CHECK(heap_block != NULL);
    th_pattern_fill(heap_block, HEAP_BYTES, rank, rank, 99);
}

static uint64_t state_checksum(const uint64_t *stack_data, size_t n)
{
    uint64_t h = th_fnv1a(global_table, sizeof(global_table));

    h = th_fnv1a_update(h, global_bss, sizeof(global_bss));
    h = th_fnv1a_update(h, heap_block, HEAP_BYTES);
    return th_fnv1a_update(h, stack_data, n * sizeof(*stack_data));
}

/* Moves this rank to `cluster`, checking that its state is unchanged. */
static void move_checked(int cluster)
{
    uint64_t stack_data[512], before, after;
    int c0, c1, i;

    for (i = 0; i < 512; i++)
        stack_data[i] = (uint64_t)i * 31 + (uint64_t)rank;
    before = state_checksum(stack_data, 512);
    MPI_CHECK(MPIX_Cluster_self(&c0));
    MPI_CHECK(MPI_Migrateto(cluster));
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF(c1 != c0, "rank %d still on cluster %d", rank, c0);
    CHECKF(cluster == MPIX_ANY_SPARE || c1 == cluster, "on %d, wanted %d", c1, cluster);
    after = state_checksum(stack_data, 512);
    CHECKF(before == after, "rank %d state changed by the move", rank);
    CHECK_PATTERN(heap_block, HEAP_BYTES, rank, rank, 99);
}

/* Passes a token round every rank (from rank 0) on tag `lap` and checks it. */
static void ring_lap(int lap)
{
    int token = lap * 1000;

    if (rank == 0) {
        MPI_CHECK(MPI_Send(&token, 1, MPI_INT, 1 % size, lap, MPI_COMM_WORLD));
        MPI_CHECK(MPI_Recv(&token, 1, MPI_INT, size - 1, lap, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECKF(token == lap * 1000 + size - 1, "lap %d token %d", lap, token);
    } else {
        MPI_CHECK(MPI_Recv(&token, 1, MPI_INT, rank - 1, lap, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        token++;
        MPI_CHECK(MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, lap, MPI_COMM_WORLD));
    }
}

static void mode_ring(int laps)
{
    int lap;

    for (lap = 0; lap < laps; lap++) {
        if (rank == lap % size)
            move_checked(MPIX_ANY_SPARE);
        ring_lap(lap);
    }
    if (rank == 0)
        printf("migrate ring: OK %d laps %d ranks\n", laps, size);
}

static void mode_tour(void)
{
    int c, start;

    MPI_CHECK(MPIX_Cluster_self(&start));
    if (rank == 0) {
        for (c = size; c < nclusters; c++)
            move_checked(c);
        move_checked(size); /* back to the first spare it visited */
        printf("migrate tour: OK visited %d spares\n", nclusters - size);
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

static void mode_burst(int k)
{
    int i, sum = 0, total;

    CHECK(k <= nspares && k <= size);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank < k)
        move_checked(size + rank);
    for (i = 0; i < 3; i++) {
        MPI_CHECK(MPI_Allreduce(&rank, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
        sum += total;
    }
    CHECK(sum == 3 * size * (size - 1) / 2);
    if (rank == 0)
        printf("migrate burst: OK %d at once\n", k);
}

/* One round: everyone sends `nmsg` messages of mixed sizes to everyone; the
 * mover leaves while they are in flight. */
static void pairs_round(int round, int mover, int dest)
{
    static const size_t sizes[] = {0, 1, 100, TEST_EAGER_LIMIT, TEST_EAGER_LIMIT + 1, 70000};
    const int nmsg = 6;
    int nsend = (size - 1) * nmsg, i, d, got = 0;
    MPI_Request *req = malloc((size_t)nsend * sizeof(*req));
    char **bufs = malloc((size_t)nsend * sizeof(char *));
    int *next = calloc((size_t)size, sizeof(int));
    char *rbuf = malloc(70000);

    CHECK(req && bufs && next && rbuf);
    for (i = 0, d = 0; d < size; d++) {
        for (int m = 0; d != rank && m < nmsg; m++, i++) {
            size_t len = sizes[m];

            bufs[i] = malloc(len + 1);
            th_pattern_fill(bufs[i], len, rank, d, round * 16 + m);
            MPI_CHECK(MPI_Isend(bufs[i], (int)len, MPI_BYTE, d, m, MPI_COMM_WORLD, &req[i]));
        }
    }
    if (rank == mover)
        move_checked(dest);
    while (got < nsend) {
        MPI_Status st;
        int count, src, m;

        MPI_CHECK(
            MPI_Recv(rbuf, 70000, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
        src = st.MPI_SOURCE;
        m = st.MPI_TAG;
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        CHECKF(m == next[src], "from %d tag %d, expected %d (order)", src, m, next[src]);
        CHECKF((size_t)count == sizes[m], "from %d size %d", src, count);
        CHECK_PATTERN(rbuf, sizes[m], src, rank, round * 16 + m);
        next[src]++;
        got++;
    }
    for (i = 0; i < nsend; i++) /* Wait, not Waitall(MPI_STATUSES_IGNORE): */
        MPI_CHECK(MPI_Wait(&req[i], MPI_STATUS_IGNORE)); /* GCC warns on that constant */
    for (i = 0; i < nsend; i++)
        free(bufs[i]);
    free(bufs);
    free(req);
    free(next);
    free(rbuf);
}

/* Round `round` of pairs with k movers: ranks round, round+1, ... (they all
 * talk to each other) move to the idle clusters (those not in where[])
 * numbered 2 * round + j, modulo their count: the same plan on every rank,
 * varied enough that on round-robin hosts both moves inside a host and
 * between hosts happen. Sets dest[] (-1: does not move) and updates where[]. */
static void pairs_plan(int *where, int round, int k, int *dest)
{
    int idle[64], n = 0, c, i, j;

    for (c = 0; c < nclusters && n < 64; c++) {
        for (i = 0; i < size && where[i] != c; i++)
            ;
        if (i == size)
            idle[n++] = c;
    }
    CHECKF(n >= k, "pairs: %d movers, %d idle clusters", k, n);
    for (i = 0; i < size; i++)
        dest[i] = -1;
    for (j = 0; j < k; j++)
        dest[(round + j) % size] = idle[(j + 2 * round) % n];
    for (i = 0; i < size; i++)
        where[i] = dest[i] >= 0 ? dest[i] : where[i];
}

static void mode_pairs(int rounds, int k)
{
    int where[64], dest[64], r, c;

    CHECKF(size <= 64 && k <= size, "pairs: %d ranks, %d movers", size, k);
    for (r = 0; r < size; r++)
        where[r] = r;
    for (r = 0; r < rounds; r++) {
        if (k < 2) {
            pairs_round(r, r % size, MPIX_ANY_SPARE);
        } else {
            pairs_plan(where, r, k, dest);
            pairs_round(r, dest[rank] >= 0 ? rank : -1, dest[rank]);
            MPI_CHECK(MPIX_Cluster_self(&c));
            CHECKF(c == where[rank], "round %d: on cluster %d, planned %d", r, c, where[rank]);
        }
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    }
    if (rank == 0 && k < 2)
        printf("migrate pairs: OK %d rounds\n", rounds);
    else if (rank == 0)
        printf("migrate pairs: OK %d rounds, %d moving at once\n", rounds, k);
}

static void mode_pending(void)
{
    size_t lens[2] = {64, 200000};
    int k;

    CHECK(size >= 2);
    for (k = 0; k < 2; k++) {
        size_t len = lens[k];
        char *buf = malloc(len);
        MPI_Request req;

        CHECK(buf != NULL);
        if (rank == 0) {
            th_pattern_fill(buf, len, 0, 1, k);
            MPI_CHECK(MPI_Isend(buf, (int)len, MPI_BYTE, 1, 5, MPI_COMM_WORLD, &req));
            move_checked(MPIX_ANY_SPARE); /* sender moves with its send posted */
            MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
            MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
        } else if (rank == 1) {
            MPI_CHECK(MPI_Irecv(buf, (int)len, MPI_BYTE, 0, 5, MPI_COMM_WORLD, &req));
            MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
            move_checked(MPIX_ANY_SPARE); /* receiver moves with its recv posted */
            MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
            CHECK_PATTERN(buf, len, 0, 1, k);
        } else {
            MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        }
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        free(buf);
    }
    if (rank == 0)
        printf("migrate pending: OK\n");
}

static void expect_refused(int cluster, int cls, const char *what)
{
    int err, ecls, c0, c1;

    MPI_CHECK(MPIX_Cluster_self(&c0));
    err = MPI_Migrateto(cluster);
    MPI_CHECK(MPIX_Cluster_self(&c1));
    MPI_CHECK(MPI_Error_class(err, &ecls));
    CHECKF(err != MPI_SUCCESS && ecls == cls, "%s: error class %d, want %d", what, ecls, cls);
    CHECKF(c0 == c1, "%s: moved from %d to %d", what, c0, c1);
}

static void mode_refuse(void)
{
    int self;

    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPIX_Cluster_self(&self));
    if (rank == 0) {
        expect_refused(-7, MPI_ERR_ARG, "negative cluster");
        expect_refused(nclusters, MPI_ERR_ARG, "cluster past the end");
        expect_refused(self, MPI_ERR_ARG, "own cluster");
        if (size > 1)
            expect_refused(1, MPI_ERR_OTHER, "busy cluster");
        if (nspares == 0)
            expect_refused(MPIX_ANY_SPARE, MPI_ERR_NO_SPACE, "no spare left");
    }
    mode_ring(2 * size * (nspares > 0)); /* the job carries on */
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate refuse: OK\n");
}

/* A refused move to a cluster of another build: the class, the text, and
 * nothing of the rank changed. */
static void expect_layout_refused(int cluster)
{
    char text[MPI_MAX_ERROR_STRING];
    int len, err;

    expect_refused(cluster, MPI_ERR_UNSUPPORTED_OPERATION, "other build");
    err = MPI_Migrateto(cluster);
    MPI_CHECK(MPI_Error_string(err, text, &len));
    CHECKF(strstr(text, "layout fingerprint differs") != NULL, "error text: %s", text);
    CHECK_PATTERN(heap_block, HEAP_BYTES, rank, rank, 99);
    printf("migrate layout: to %d refused: %s\n", cluster, text);
    fflush(stdout);
}

static void mode_layout(void)
{
    CHECKF(size == 3 && nclusters == 4, "layout: %d ranks, %d clusters", size, nclusters);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    if (rank == 0) {
        expect_layout_refused(3);
        expect_refused(MPIX_ANY_SPARE, MPI_ERR_UNSUPPORTED_OPERATION, "any spare, other build");
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 2)
        move_checked(3);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        expect_layout_refused(2);
    for (int lap = 0; lap < 3; lap++)
        ring_lap(lap);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate layout: OK\n");
}

static void mode_reject(void)
{
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    if (rank == 0) {
        uint64_t stack_data[64] = {7};
        uint64_t before = state_checksum(stack_data, 64);

        const char *fault = getenv("NMPI_TEST_STREAM_FAULT");
        /* A big stream is verified on a second thread: damage that path. */
        size_t big = fault != NULL && strncmp(fault, "range", 5) == 0 ? (size_t)32 << 20 : 0;
        unsigned char *extra = big ? malloc(big) : NULL;

        if (big) {
            CHECK(extra != NULL);
            th_pattern_fill(extra, big, rank, rank, 7);
        }
        expect_refused(size, MPI_ERR_OTHER, "damaged stream");
        CHECK(before == state_checksum(stack_data, 64));
        CHECK_PATTERN(heap_block, HEAP_BYTES, rank, rank, 99);
        /* Only the first stream was damaged: the next move to the same
         * cluster must succeed, untouched by what is left of the first. */
        if (fault != NULL && strstr(fault, "-first") != NULL) {
            move_checked(size);
            move_checked(0);
        }
        if (big) {
            CHECK_PATTERN(extra, big, rank, rank, 7);
            free(extra);
        }
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate reject: OK\n");
}

/* Dual mode: the messages each rank sends its partner per round, all on one
 * tag so that MPI's order decides which receive matches which message.
 * DUAL_PREPOSTED of them match receives posted before the move; the next
 * ones wait unexpected at the receiver; the last DUAL_AFTER are sent after
 * the sender's move. DUAL_SYNC (64 B) and DUAL_SYNC_MEDIUM (16 KiB) are
 * sent with MPI_Issend. */
#define DUAL_TAG         7
#define DUAL_BIG         (1 << 20)
#define DUAL_NMSG        18
#define DUAL_PREPOSTED   2
#define DUAL_AFTER       2
#define DUAL_SYNC        8
#define DUAL_SYNC_MEDIUM 13
#define DUAL_XTAG        8 /* cross traffic between pairs */
#define DUAL_NCROSS      2
#define DUAL_FTAG        9 /* flood of eager messages */
#define DUAL_NFLOOD      256

static size_t dual_len(int k)
{
    size_t e = th_eager_limit();
    /* e - 1, e, e + 1 around the library's switch; then the sizes between
     * the old 8 KiB switch (8128 + 64-byte header = one 8 KiB mailbox
     * message) and 64 KiB, eager or rendezvous as the switch says. */
    const size_t lens[DUAL_NMSG] = {DUAL_BIG, 100,   0,     1,     e - 1, e,
                                    DUAL_BIG, e + 1, 64,    8127,  8128,  8129,
                                    8192,     16384, 32768, 65536, 200,   DUAL_BIG};

    return lens[k];
}

/* Payload k of `round` from src to dst: an 8-byte sequence number
 * (round << 32 | k) when it fits, then the pattern keyed by the same. */
static void dual_fill(char *buf, size_t len, int src, int dst, int round, int k)
{
    uint64_t seq = (uint64_t)round << 32 | (uint64_t)k;
    size_t off = len >= 8 ? 8 : 0;

    if (off)
        memcpy(buf, &seq, 8);
    th_pattern_fill(buf + off, len - off, src, dst, round * DUAL_NMSG + k);
}

static void dual_check(const char *buf, int count, int src, int dst, int round, int k)
{
    uint64_t seq = (uint64_t)round << 32 | (uint64_t)k, got;
    size_t len = dual_len(k), off = len >= 8 ? 8 : 0;

    CHECKF((size_t)count == len, "round %d msg %d from %d: %d bytes, want %zu", round, k, src,
           count, len);
    if (off) {
        memcpy(&got, buf, 8);
        CHECKF(got == seq, "round %d from %d: got seq %d:%d, want msg %d (order or loss)", round,
               src, (int)(got >> 32), (int)(got & 0xffffffff), k);
    }
    CHECK_PATTERN(buf + off, len - off, src, dst, round * DUAL_NMSG + k);
}

/* Cluster each rank moves to in `round`, the same on every rank: the idle
 * clusters (those not in where[]) in order, rotated by the round number. */
static void dual_plan(int *where, int round, int *dest)
{
    int idle[64], n = 0, c, i;

    for (c = 0; c < nclusters && n < 64; c++) {
        for (i = 0; i < size && where[i] != c; i++)
            ;
        if (i == size)
            idle[n++] = c;
    }
    CHECK(n >= size);
    for (i = 0; i < size; i++)
        dest[i] = idle[(i + round) % n];
}

static void dual_isend(char **bufs, MPI_Request *req, int peer, int round, int k)
{
    size_t len = dual_len(k);

    bufs[k] = malloc(len + 1);
    CHECK(bufs[k] != NULL);
    dual_fill(bufs[k], len, rank, peer, round, k);
    if (k == DUAL_SYNC || k == DUAL_SYNC_MEDIUM)
        MPI_CHECK(MPI_Issend(bufs[k], (int)len, MPI_BYTE, peer, DUAL_TAG, MPI_COMM_WORLD, &req[k]));
    else
        MPI_CHECK(MPI_Isend(bufs[k], (int)len, MPI_BYTE, peer, DUAL_TAG, MPI_COMM_WORLD, &req[k]));
}

/* Flood: DUAL_NFLOOD eager messages of sizes spread over 1..limit, one
 * buffer cut in slices; many sit unexpected at (or are forwarded from) the
 * partner's old cluster during the move. */
static size_t flood_len(int f)
{
    return 1 + (size_t)f * 997 % th_eager_limit();
}

static char *flood_send(MPI_Request *req, int peer, int round)
{
    size_t off = 0, total = 0;
    char *buf;
    int f;

    for (f = 0; f < DUAL_NFLOOD; f++)
        total += flood_len(f);
    buf = malloc(total);
    CHECK(buf != NULL);
    for (f = 0; f < DUAL_NFLOOD; off += flood_len(f), f++) {
        th_pattern_fill(buf + off, flood_len(f), rank, peer, 5000 + round * DUAL_NFLOOD + f);
        MPI_CHECK(MPI_Isend(buf + off, (int)flood_len(f), MPI_BYTE, peer, DUAL_FTAG, MPI_COMM_WORLD,
                            &req[f]));
    }
    return buf;
}

/* Receives the partner's flood in order, then completes our own. */
static void flood_finish(MPI_Request *req, char *sbuf, char *rbuf, int peer, int round)
{
    MPI_Status st;
    int f, count;

    for (f = 0; f < DUAL_NFLOOD; f++) {
        MPI_CHECK(MPI_Recv(rbuf, DUAL_BIG, MPI_BYTE, peer, DUAL_FTAG, MPI_COMM_WORLD, &st));
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        CHECKF((size_t)count == flood_len(f), "round %d flood %d: %d bytes", round, f, count);
        CHECK_PATTERN(rbuf, flood_len(f), peer, rank, 5000 + round * DUAL_NFLOOD + f);
    }
    for (f = 0; f < DUAL_NFLOOD; f++)
        MPI_CHECK(MPI_Wait(&req[f], &st));
    free(sbuf);
}

/* Receives message k from the partner, checked. Every third one is probed
 * first (the probe must see its size); every third one is received with
 * MPI_ANY_SOURCE (only the partner uses DUAL_TAG). */
static void dual_recv(char *rbuf, int peer, int round, int k)
{
    int src = k % 3 == 1 ? MPI_ANY_SOURCE : peer, count;
    MPI_Status st;

    if (k % 3 == 0) {
        MPI_CHECK(MPI_Probe(peer, DUAL_TAG, MPI_COMM_WORLD, &st));
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        CHECKF((size_t)count == dual_len(k), "round %d: probed %d bytes for msg %d", round, count,
               k);
    }
    MPI_CHECK(MPI_Recv(rbuf, DUAL_BIG + 1, MPI_BYTE, src, DUAL_TAG, MPI_COMM_WORLD, &st));
    CHECKF(st.MPI_SOURCE == peer, "round %d msg %d: source %d", round, k, st.MPI_SOURCE);
    MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
    dual_check(rbuf, count, peer, rank, round, k);
}

/* Cross traffic between pairs (4 ranks or more): rank r and r ^ 2, both
 * moving too, exchange an eager and a rendezvous message per round. Phase 0
 * sends them (before the move), phase 1 receives and checks them in order
 * and completes the sends. */
static void dual_cross(MPI_Request *req, char **bufs, int round, int phase)
{
    static const size_t lens[DUAL_NCROSS] = {100, 70000};
    int x = rank ^ 2, j, count;
    MPI_Status st;

    if (x >= size)
        return;
    for (j = 0; j < DUAL_NCROSS; j++) {
        int key = 1000 + round * DUAL_NCROSS + j;

        if (phase == 0) {
            bufs[j] = malloc(lens[j]);
            CHECK(bufs[j] != NULL);
            th_pattern_fill(bufs[j], lens[j], rank, x, key);
            MPI_CHECK(
                MPI_Isend(bufs[j], (int)lens[j], MPI_BYTE, x, DUAL_XTAG, MPI_COMM_WORLD, &req[j]));
            continue;
        }
        char *buf = malloc(lens[j]);

        CHECK(buf != NULL);
        MPI_CHECK(MPI_Recv(buf, (int)lens[j], MPI_BYTE, x, DUAL_XTAG, MPI_COMM_WORLD, &st));
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        CHECKF((size_t)count == lens[j], "cross round %d msg %d: %d bytes", round, j, count);
        CHECK_PATTERN(buf, lens[j], x, rank, key);
        free(buf);
        MPI_CHECK(MPI_Wait(&req[j], &st));
        free(bufs[j]);
    }
}

static void dual_round(int round, int *where, char *rbuf)
{
    int peer = rank ^ 1, dest[64], k, count;
    char *sbufs[DUAL_NMSG], *pre[DUAL_PREPOSTED], *xbufs[DUAL_NCROSS];
    MPI_Request sreq[DUAL_NMSG], rreq[DUAL_PREPOSTED], xreq[DUAL_NCROSS];
    MPI_Request freq[DUAL_NFLOOD];
    char *fbuf;
    MPI_Status st, sst[DUAL_NMSG];

    dual_plan(where, round, dest);
    dual_cross(xreq, xbufs, round, 0);
    for (k = 0; k < DUAL_PREPOSTED; k++) {
        pre[k] = malloc(dual_len(k) + 1);
        CHECK(pre[k] != NULL);
        MPI_CHECK(MPI_Irecv(pre[k], (int)dual_len(k) + 1, MPI_BYTE, peer, DUAL_TAG, MPI_COMM_WORLD,
                            &rreq[k]));
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD)); /* every receive above is posted */
    for (k = 0; k < DUAL_NMSG - DUAL_AFTER; k++)
        dual_isend(sbufs, sreq, peer, round, k);
    fbuf = flood_send(freq, peer, round);
    move_checked(dest[rank]); /* the partner is moving at the same time */
    for (; k < DUAL_NMSG; k++)
        dual_isend(sbufs, sreq, peer, round, k);
    for (k = DUAL_PREPOSTED; k < DUAL_NMSG; k++)
        dual_recv(rbuf, peer, round, k);
    dual_cross(xreq, xbufs, round, 1);
    flood_finish(freq, fbuf, rbuf, peer, round);
    for (k = 0; k < DUAL_PREPOSTED; k++) {
        MPI_CHECK(MPI_Wait(&rreq[k], &st));
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        dual_check(pre[k], count, peer, rank, round, k);
        free(pre[k]);
    }
    MPI_CHECK(MPI_Waitall(DUAL_NMSG, sreq, sst));
    for (k = 0; k < DUAL_NMSG; k++)
        free(sbufs[k]);
    memcpy(where, dest, (size_t)size * sizeof(int));
}

static void mode_dual(int rounds)
{
    int where[64], r, c;
    char *rbuf = malloc(DUAL_BIG + 1);

    CHECKF(size % 2 == 0 && size <= 64 && nspares >= size, "dual: %d ranks, %d spares", size,
           nspares);
    CHECK(rbuf != NULL);
    for (r = 0; r < size; r++)
        where[r] = r;
    for (r = 0; r < rounds; r++) {
        dual_round(r, where, rbuf);
        MPI_CHECK(MPIX_Cluster_self(&c));
        CHECKF(c == where[rank], "round %d: on cluster %d, planned %d", r, c, where[rank]);
    }
    free(rbuf);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate dual: OK %d rounds %d ranks\n", rounds, size);
}

/* Whatever an arriving rank did not send must read as zeros, even on a
 * cluster that hosted it before. Rank 0 fills a big block, leaves for a
 * spare, frees the block there (its pages are given back, so the next move
 * does not send them), comes back, and checks that the block's memory, got
 * again with calloc (fresh from the heap top: not cleared by calloc), is
 * zero and not the old fill. */
static void mode_stale(int rounds)
{
    const size_t big = (size_t)8 << 20;
    int c0, round;

    MPI_CHECK(MPIX_Cluster_self(&c0));
    for (round = 0; rank == 0 && round < rounds; round++) {
        unsigned char *a = malloc(big), *b;
        size_t i, nonzero = 0;

        CHECK(a != NULL);
        memset(a, 0xab, big);
        move_checked(MPIX_ANY_SPARE);
        free(a);
        move_checked(c0);
        b = calloc(1, big);
        CHECK(b != NULL);
        for (i = 0; i < big; i++)
            nonzero += b[i] != 0;
        CHECKF(nonzero == 0, "round %d: calloc after the return has %zu non-zero bytes", round,
               nonzero);
        free(b);
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate stale: OK %d rounds\n", rounds);
}

/* Third-party moves: rank 0 asks (MPIX_Migrate) for rank 1 to move while
 * rank 1 waits in a blocking receive; rank 1 must move at that safe point,
 * before the message it waits for is even sent, and then receive it. */
static void mode_third(int rounds)
{
    int round, c0, c1, token;

    for (round = 0; round < rounds; round++) {
        if (rank == 0) {
            MPI_CHECK(MPIX_Migrate(1, MPIX_ANY_SPARE, MPI_COMM_WORLD));
            MPI_CHECK(MPI_Recv(&c1, 1, MPI_INT, 1, 30, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            /* A safe point is a wait inside MPI: make rank 1 wait (a receive
             * satisfied at once would leave the ask for its next wait). */
            usleep(100000);
            token = round * 7 + 1;
            MPI_CHECK(MPI_Send(&token, 1, MPI_INT, 1, 31, MPI_COMM_WORLD));
            MPI_CHECK(MPI_Recv(&c1, 1, MPI_INT, 1, 32, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        } else if (rank == 1) {
            MPI_CHECK(MPIX_Cluster_self(&c0));
            MPI_CHECK(MPI_Send(&c0, 1, MPI_INT, 0, 30, MPI_COMM_WORLD));
            /* The ask is honoured while this receive waits for rank 0. */
            MPI_CHECK(MPI_Recv(&token, 1, MPI_INT, 0, 31, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            CHECKF(token == round * 7 + 1, "round %d: token %d", round, token);
            MPI_CHECK(MPIX_Cluster_self(&c1));
            CHECKF(c1 != c0, "round %d: rank 1 still on cluster %d after MPIX_Migrate", round, c0);
            CHECK_PATTERN(heap_block, HEAP_BYTES, rank, rank, 99);
            MPI_CHECK(MPI_Send(&c1, 1, MPI_INT, 0, 32, MPI_COMM_WORLD));
        }
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate third: OK %d rounds\n", rounds);
}

/* Rank 0 moves through clusters path[0..n-1]; after each move a token goes
 * round every rank (from rank 0 at its new place) and is checked. */
static void mode_path(const int *path, int n)
{
    int i, c;

    for (i = 0; i < n; i++) {
        if (rank == 0) {
            move_checked(path[i]);
            MPI_CHECK(MPIX_Cluster_self(&c));
            printf("migrate path: rank 0 on cluster %d\n", c);
            fflush(stdout);
        }
        ring_lap(i);
    }
    if (rank == 0)
        printf("migrate path: OK %d moves\n", n);
}

/* Rank 0, with `mib` MiB more of heap, tries to move to `cluster` while the
 * test cuts a link. Whether the move worked or failed, everything it had
 * must be intact where it runs now; then the job carries on (a token ring). */
static void mode_cut(int cluster, int mib, double secs)
{
    size_t big = (size_t)mib << 20;
    unsigned char *extra = malloc(big);
    uint64_t stack_data[256], before;
    int err, cls, c0, c1 = -1, len;
    char text[MPI_MAX_ERROR_STRING];

    CHECK(extra != NULL);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    for (int i = 0; i < 256; i++)
        stack_data[i] = (uint64_t)i * 977 + (uint64_t)rank;
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        th_pattern_fill(extra, big, rank, rank, 11);
        before = state_checksum(stack_data, 256);
        MPI_CHECK(MPIX_Cluster_self(&c0));
        printf("migrate cut: moving %d MiB from cluster %d to %d\n", mib, c0, cluster);
        fflush(stdout);
        double t = MPI_Wtime();
        err = MPI_Migrateto(cluster);
        t = MPI_Wtime() - t;
        MPI_CHECK(MPIX_Cluster_self(&c1));
        MPI_CHECK(MPI_Error_class(err, &cls));
        MPI_CHECK(MPI_Error_string(err, text, &len));
        printf("migrate cut: %s after %.1f s, on cluster %d (class %d: %s)\n",
               err == MPI_SUCCESS ? "moved" : "failed", t, c1, cls, text);
        fflush(stdout);
        CHECKF((err == MPI_SUCCESS) == (c1 == cluster) && (err != MPI_SUCCESS) == (c1 == c0),
               "error %d, on cluster %d after %d (asked %d)", err, c1, c0, cluster);
        CHECKF(before == state_checksum(stack_data, 256), "rank 0's state changed");
        CHECK_PATTERN(extra, big, rank, rank, 11);
        CHECK_PATTERN(heap_block, HEAP_BYTES, rank, rank, 99);
    }
    free(extra);
    double end = MPI_Wtime() + secs;
    int laps = 0, more = 1;

    while (more) { /* rank 0's clock decides, everyone follows */
        ring_lap(1 + laps++);
        more = rank == 0 && MPI_Wtime() < end;
        MPI_CHECK(MPI_Bcast(&more, 1, MPI_INT, 0, MPI_COMM_WORLD));
        if (more)
            usleep(100000);
    }
    if (rank == 0 && secs > 0 && c1 != cluster) {
        move_checked(cluster);
        printf("migrate cut: moved to %d on the second try\n", cluster);
    }
    ring_lap(2 + laps);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("migrate cut: OK %d laps after the move\n", laps);
}

/* One round of mode together: returns 1 if this rank moved. */
static int together_round(int round, char *sbuf, char *rbuf, size_t len)
{
    int left = (rank + size - 1) % size, right = (rank + 1) % size, err, cls, c0, c1;
    MPI_Request req[2];
    MPI_Status st[2];

    th_pattern_fill(sbuf, len, rank, right, round);
    MPI_CHECK(MPI_Irecv(rbuf, (int)len, MPI_BYTE, left, 7, MPI_COMM_WORLD, &req[0]));
    MPI_CHECK(MPI_Isend(sbuf, (int)len, MPI_BYTE, right, 7, MPI_COMM_WORLD, &req[1]));
    MPI_CHECK(MPIX_Cluster_self(&c0));
    err = MPI_Migrateto(MPIX_ANY_SPARE);
    MPI_CHECK(MPI_Error_class(err, &cls));
    CHECKF(cls == MPI_SUCCESS || cls == MPI_ERR_NO_SPACE, "rank %d round %d: move error class %d",
           rank, round, cls);
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF((cls == MPI_SUCCESS) == (c1 != c0), "rank %d: on %d after %d, class %d", rank, c1, c0,
           cls);
    MPI_CHECK(MPI_Waitall(2, req, st));
    CHECK_PATTERN(rbuf, len, left, rank, round);
    CHECK_PATTERN(heap_block, HEAP_BYTES, rank, rank, 99);
    return cls == MPI_SUCCESS;
}

static void mode_together(int rounds)
{
    size_t len = 256 << 10; /* rendezvous */
    char *sbuf = malloc(len), *rbuf = malloc(len);
    double slowest = 0, t, dt;
    int round, moved = 0, total;

    CHECK(sbuf != NULL && rbuf != NULL);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    for (round = 0; round < rounds; round++) {
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        t = MPI_Wtime();
        moved += together_round(round, sbuf, rbuf, len);
        dt = MPI_Wtime() - t;
        MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
        slowest = dt > slowest ? dt : slowest;
    }
    MPI_CHECK(MPI_Allreduce(&moved, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    CHECKF(total > 0, "no rank moved in %d rounds", rounds);
    free(sbuf);
    free(rbuf);
    if (rank == 0)
        printf("migrate together: OK %d rounds, %d moves, slowest round %.3f s\n", rounds, total,
               slowest);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ring";
    int n = argc > 2 ? atoi(argv[2]) : 4;

    MPI_CHECK(MPI_Init(&argc, &argv));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    MPI_CHECK(MPIX_Cluster_count(&nclusters));
    MPI_CHECK(MPIX_Spare_count(&nspares));
    state_fill();
    if (strcmp(mode, "ring") == 0)
        mode_ring(n);
    else if (strcmp(mode, "tour") == 0)
        mode_tour();
    else if (strcmp(mode, "burst") == 0)
        mode_burst(n);
    else if (strcmp(mode, "pairs") == 0)
        mode_pairs(n, argc > 3 ? atoi(argv[3]) : 1);
    else if (strcmp(mode, "path") == 0) {
        int path[64], k;

        for (k = 0; k < argc - 2 && k < 64; k++)
            path[k] = atoi(argv[2 + k]);
        mode_path(path, k);
    } else if (strcmp(mode, "cut") == 0)
        mode_cut(n, argc > 3 ? atoi(argv[3]) : 64, argc > 4 ? atof(argv[4]) : 0);
    else if (strcmp(mode, "pending") == 0)
        mode_pending();
    else if (strcmp(mode, "refuse") == 0)
        mode_refuse();
    else if (strcmp(mode, "layout") == 0)
        mode_layout();
    else if (strcmp(mode, "reject") == 0)
        mode_reject();
    else if (strcmp(mode, "dual") == 0)
        mode_dual(n);
    else if (strcmp(mode, "stale") == 0)
        mode_stale(n);
    else if (strcmp(mode, "third") == 0)
        mode_third(n);
    else if (strcmp(mode, "together") == 0)
        mode_together(n);
    else
        CHECKF(0, "unknown mode %s", mode);
    MPI_CHECK(MPI_Finalize());
    return 0;
}
