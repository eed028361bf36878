/* migrate_via.c: moves through a checkpoint file beside live moves, checked
 * bit for bit.
 *
 * Every round, every rank sends every other rank four messages on one tag
 * (1 MiB matched by a receive posted before the moves, 200 bytes and 1 MiB
 * left unexpected, then 1 KiB sent after the moves), so that messages are
 * in flight both ways while the movers move; each payload is checked
 * against its pattern and the order of the four is MPI's (each carries its
 * index in its pattern). Every rank also steps a 4 MiB heap array and its
 * globals by a fixed recurrence each round; a mover checks that a move
 * left its globals, heap and stack unchanged. At the end rank 0 prints the
 * digest of every rank's received payloads, heap and globals: the same
 * line whether and however ranks moved.
 *
 * Modes (argv[1]), rounds (argv[2]), directory of the images (argv[3],
 * "-": the default one):
 *  alternate  rank 0 moves every round, live (MPI_Migrateto) in even rounds
 *             and through a checkpoint (MPIX_Migrateto_checkpoint) in odd
 *             ones.
 *  pair       ranks 0 and 1 move through checkpoints at the same moment
 *             every round (needs 2 spares).
 *  env        rank 0 moves with MPI_Migrateto in even rounds and asks rank
 *             1 to move with MPIX_Migrate in odd ones: both go the way
 *             NMPI_MIGRATION_MODE says.
 *  none       the same traffic, no move: the reference digest.
 *  refuse     rank 0's moves through a missing directory, a file, an
 *             unwritable directory (argv[3]), an empty name and a bad
 *             cluster are refused with MPI_ERR_IO or MPI_ERR_ARG and leave
 *             it where it was, intact; then a round with a move works.
 *  refuse_env MPI_Migrateto with NMPI_MIGRATION_MODE=checkpoint and a
 *             missing NMPI_MIGRATION_DIR: MPI_ERR_IO, the rank stays.
 *  damaged    NMPI_TEST_CORRUPT_IMAGE set: rank 0's move through a
 *             checkpoint is refused (MPI_ERR_OTHER), it stays intact; with
 *             "first", the next one works; with "1", every one is refused.
 *  mixed      ranks 0 and 1 move at the same moment every round, one live
 *             and one through a checkpoint, in turn (needs 2 spares).
 *  tour       rank 0 moves to each spare cluster in turn and back to
 *             cluster 0, again and again, through a checkpoint and live in
 *             turn (tests/hosts/via_hosts.sh: between hosts).
 *  unreachable FAR DIR NEAR  rank 0's move through DIR to cluster FAR,
 *             which does not see DIR's files (another host without the
 *             shared file system), is refused (MPI_ERR_OTHER) and it stays
 *             intact; then it moves through DIR to cluster NEAR.
 *  estimate P D T  every rank's estimate of rank 0's and rank 1's moves to
 *             any spare says path P, downtime D and total T seconds
 *             exactly (the script's model has lines without a per-byte
 *             term); then a round in which rank 0 moves.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

#define VIA_TAG   5
#define VIA_NMSG  4
#define VIA_BIG   (1 << 20)
#define VIA_WORDS (1 << 19) /* 4 MiB of heap */

static int rank, size;
static const char *dir;           /* NULL: the default directory */
static int dest = MPIX_ANY_SPARE; /* where move_checked goes */
static uint64_t global_state[2048] = {42};
static char global_bss[32768];
static uint64_t *heap_words;
static uint64_t digest = 14695981039346656037ULL;

static size_t via_len(int k)
{
    const size_t len[VIA_NMSG] = {VIA_BIG, 200, VIA_BIG, 1024};

    return len[k];
}

static int via_iter(int round, int k)
{
    return round * VIA_NMSG + k;
}

/* The recurrence every rank applies to its globals and heap each round. */
static void state_step(int round)
{
    for (int i = 0; i < VIA_WORDS; i++)
        heap_words[i] = heap_words[i] * 6364136223846793005ULL + (uint64_t)(round ^ i);
    for (int i = 0; i < 2048; i++)
        global_state[i] += (uint64_t)(rank + 1) * (uint64_t)(round + i);
    memset(global_bss, 'a' + (rank + round) % 26, sizeof(global_bss));
}

static uint64_t state_checksum(const uint64_t *stack_data, size_t n)
{
    uint64_t h = th_fnv1a(global_state, sizeof(global_state));

    h = th_fnv1a_update(h, global_bss, sizeof(global_bss));
    h = th_fnv1a_update(h, heap_words, VIA_WORDS * sizeof(*heap_words));
    return th_fnv1a_update(h, stack_data, n * sizeof(*stack_data));
}

/* Moves this rank live (how 0) or through a checkpoint (how 1), checking
 * that it landed elsewhere with its state unchanged. */
static void move_checked(int how)
{
    uint64_t stack_data[256], before;
    long long bytes;
    double times[5];
    int c0, c1, moves;

    for (int i = 0; i < 256; i++)
        stack_data[i] = (uint64_t)i * 977 + (uint64_t)rank;
    before = state_checksum(stack_data, 256);
    MPI_CHECK(MPIX_Cluster_self(&c0));
    if (how == 0)
        MPI_CHECK(MPI_Migrateto(dest));
    else
        MPI_CHECK(MPIX_Migrateto_checkpoint(dest, dir));
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF(c1 != c0 && (dest == MPIX_ANY_SPARE || c1 == dest), "rank %d on cluster %d, was on %d",
           rank, c1, c0);
    CHECKF(state_checksum(stack_data, 256) == before, "rank %d: state changed by the move", rank);
    MPI_CHECK(MPIX_Migration_stats(times, &bytes, &moves));
    CHECKF(bytes >= (long long)(VIA_WORDS * sizeof(uint64_t)) && times[4] > 0,
           "rank %d: move figures %lld bytes, downtime %g s", rank, bytes, times[4]);
}

/* Round `round`: the four messages each way between every pair of ranks,
 * `mover` moving (how: 0 live, 1 checkpoint, 2 as the environment says,
 * -1 none) once the first three are on their way; with `asked` >= 0, rank
 * 0 asks that rank to move (MPIX_Migrate) at the same moment. */
static void via_round(int round, int mover, int how, int asked)
{
    int npeer = size - 1, n = 0;
    MPI_Request *req = malloc(2 * VIA_NMSG * (size_t)npeer * sizeof(*req));
    char **sbuf = calloc((size_t)size * VIA_NMSG, sizeof(char *));
    char **rbuf = calloc((size_t)size * VIA_NMSG, sizeof(char *));

    CHECK(req != NULL && sbuf != NULL && rbuf != NULL);
    for (int p = 0; p < size; p++)
        for (int k = 0; p != rank && k < VIA_NMSG; k++) {
            sbuf[p * VIA_NMSG + k] = malloc(via_len(k));
            rbuf[p * VIA_NMSG + k] = malloc(via_len(k));
            CHECK(sbuf[p * VIA_NMSG + k] != NULL && rbuf[p * VIA_NMSG + k] != NULL);
            th_pattern_fill(sbuf[p * VIA_NMSG + k], via_len(k), rank, p, via_iter(round, k));
        }
    for (int p = 0; p < size; p++) /* message 0: its receive posted before the moves */
        if (p != rank)
            MPI_CHECK(MPI_Irecv(rbuf[p * VIA_NMSG], (int)via_len(0), MPI_BYTE, p, VIA_TAG,
                                MPI_COMM_WORLD, &req[n++]));
    for (int p = 0; p < size; p++)
        for (int k = 0; p != rank && k < VIA_NMSG - 1; k++)
            MPI_CHECK(MPI_Isend(sbuf[p * VIA_NMSG + k], (int)via_len(k), MPI_BYTE, p, VIA_TAG,
                                MPI_COMM_WORLD, &req[n++]));
    if (asked >= 0 && rank == 0)
        MPI_CHECK(MPIX_Migrate(asked, MPIX_ANY_SPARE, MPI_COMM_WORLD));
    if (rank == mover || (how == 1 && mover == -2 && rank <= 1)) /* -2: ranks 0 and 1 */
        move_checked(how == 2 ? 0 : how);
    else if (mover == -3 && rank <= 1) /* -3: ranks 0 and 1, one of each kind */
        move_checked((rank + round) % 2);
    for (int p = 0; p < size; p++)
        for (int k = 1; p != rank && k < VIA_NMSG; k++)
            MPI_CHECK(MPI_Irecv(rbuf[p * VIA_NMSG + k], (int)via_len(k), MPI_BYTE, p, VIA_TAG,
                                MPI_COMM_WORLD, &req[n++]));
    for (int p = 0; p < size; p++) /* message 3: sent after the moves */
        if (p != rank)
            MPI_CHECK(MPI_Isend(sbuf[p * VIA_NMSG + 3], (int)via_len(3), MPI_BYTE, p, VIA_TAG,
                                MPI_COMM_WORLD, &req[n++]));
    for (int i = 0; i < n; i++) /* Wait, not Waitall(MPI_STATUSES_IGNORE): GCC's false alarm */
        MPI_CHECK(MPI_Wait(&req[i], MPI_STATUS_IGNORE));
    for (int p = 0; p < size; p++)
        for (int k = 0; p != rank && k < VIA_NMSG; k++) {
            CHECK_PATTERN(rbuf[p * VIA_NMSG + k], via_len(k), p, rank, via_iter(round, k));
            digest = th_fnv1a_update(digest, rbuf[p * VIA_NMSG + k], via_len(k));
            free(sbuf[p * VIA_NMSG + k]);
            free(rbuf[p * VIA_NMSG + k]);
        }
    free(sbuf);
    free(rbuf);
    free(req);
    state_step(round);
}

/* Rank 0 prints every rank's digest of what it received and holds. */
static void digest_print(const char *mode)
{
    uint64_t mine, *all = malloc((size_t)size * sizeof(*all));

    CHECK(all != NULL);
    mine = th_fnv1a_update(digest, heap_words, VIA_WORDS * sizeof(*heap_words));
    mine = th_fnv1a_update(mine, global_state, sizeof(global_state));
    mine = th_fnv1a_update(mine, global_bss, sizeof(global_bss));
    MPI_CHECK(MPI_Gather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD));
    if (rank == 0) {
        printf("migrate_via digest:");
        for (int r = 0; r < size; r++)
            printf(" %016llx", (unsigned long long)all[r]);
        printf("\nmigrate_via %s: OK\n", mode);
    }
    free(all);
}

/* Expects rank 0's move through `where` to `cluster` to fail with class
 * cls, leaving it on its cluster with its state intact. */
static void expect_refused(int cluster, const char *where, int cls, const char *what)
{
    uint64_t stack_data[64], before;
    char msg[MPI_MAX_ERROR_STRING];
    int c0, c1, err, len;

    for (int i = 0; i < 64; i++)
        stack_data[i] = (uint64_t)i + 5;
    before = state_checksum(stack_data, 64);
    MPI_CHECK(MPIX_Cluster_self(&c0));
    err = where == NULL ? MPI_Migrateto(cluster) : MPIX_Migrateto_checkpoint(cluster, where);
    CHECKF(err != MPI_SUCCESS, "%s: the move was not refused", what);
    CHECK_CLASS(err, cls);
    MPI_CHECK(MPI_Error_string(err, msg, &len));
    printf("migrate_via refused (%s): %s\n", what, msg);
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF(c1 == c0, "%s: rank moved from %d to %d", what, c0, c1);
    CHECKF(state_checksum(stack_data, 64) == before, "%s: state changed", what);
}

static void mode_refuse(const char *unwritable)
{
    char file[64];

    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    if (rank == 0) {
        snprintf(file, sizeof(file), "/proc/self/status"); /* a file, not a directory */
        expect_refused(MPIX_ANY_SPARE, "/nonexistent/nmpi-via", MPI_ERR_IO, "missing directory");
        expect_refused(MPIX_ANY_SPARE, file, MPI_ERR_IO, "a file");
        expect_refused(MPIX_ANY_SPARE, unwritable, MPI_ERR_IO, "unwritable directory");
        expect_refused(MPIX_ANY_SPARE, "", MPI_ERR_ARG, "empty name");
        expect_refused(size + 99, "/tmp", MPI_ERR_ARG, "bad cluster");
    }
    dir = NULL;
    via_round(0, 0, 1, -1); /* and then a move through the default directory works */
    digest_print("refuse");
}

static void mode_refuse_env(void)
{
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    if (rank == 0)
        expect_refused(MPIX_ANY_SPARE, NULL, MPI_ERR_IO, "NMPI_MIGRATION_DIR missing");
    via_round(0, -1, -1, -1);
    digest_print("refuse_env");
}

static void mode_damaged(int rounds)
{
    const char *hook = getenv("NMPI_TEST_CORRUPT_IMAGE");
    int every = hook != NULL && strcmp(hook, "1") == 0;

    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    for (int round = 0; round < rounds; round++) {
        if (rank == 0 && (every || round == 0))
            expect_refused(MPIX_ANY_SPARE, dir, MPI_ERR_OTHER, "damaged image");
        via_round(round, every || round == 0 ? -1 : 0, 1, -1);
    }
    digest_print("damaged");
}

static void mode_tour(int rounds)
{
    int ncl;

    MPI_CHECK(MPIX_Cluster_count(&ncl));
    for (int round = 0; round < rounds; round++) {
        int stop = round % (ncl - size + 1); /* the spares in turn, then cluster 0 */

        dest = stop == ncl - size ? 0 : size + stop;
        via_round(round, 0, round % 2 == 0, -1);
    }
    digest_print("tour");
}

static void mode_unreachable(int far, int near)
{
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    if (rank == 0)
        expect_refused(far, dir, MPI_ERR_OTHER, "image out of the destination's reach");
    dest = near;
    via_round(0, 0, 1, -1);
    digest_print("unreachable");
}

static void mode_estimate(const char *path, double downtime, double total)
{
    char got[MPIX_MIGRATION_PATH_MAX];
    double d, t;
    long long bytes;

    for (int r = 0; r <= 1; r++) {
        MPI_CHECK(MPIX_Migration_estimate_detail(r, MPIX_ANY_SPARE, &d, &t, &bytes, got, NULL));
        CHECKF(strcmp(got, path) == 0 && d == downtime && t == total && bytes > 0,
               "estimate of rank %d: path %s, downtime %.9g s, total %.9g s, %lld bytes; want "
               "%s, %.9g, %.9g",
               r, got, d, t, bytes, path, downtime, total);
    }
    via_round(0, 0, 2, -1);
    digest_print("estimate");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "alternate";
    int rounds = argc > 2 ? atoi(argv[2]) : 4;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2, "needs 2 ranks or more");
    dir = argc > 3 && strcmp(argv[3], "-") != 0 && strcmp(mode, "estimate") != 0 ? argv[3] : NULL;
    heap_words = malloc(VIA_WORDS * sizeof(*heap_words));
    CHECK(heap_words != NULL);
    for (int i = 0; i < VIA_WORDS; i++)
        heap_words[i] = (uint64_t)i * 2654435761u + (uint64_t)rank;
    if (strcmp(mode, "refuse") == 0) {
        mode_refuse(argc > 3 ? argv[3] : "/sys");
    } else if (strcmp(mode, "refuse_env") == 0) {
        mode_refuse_env();
    } else if (strcmp(mode, "damaged") == 0) {
        mode_damaged(rounds);
    } else if (strcmp(mode, "tour") == 0) {
        mode_tour(rounds);
    } else if (strcmp(mode, "unreachable") == 0 && argc > 4) {
        mode_unreachable(rounds, atoi(argv[4]));
    } else if (strcmp(mode, "estimate") == 0 && argc > 4) {
        mode_estimate(argv[2], atof(argv[3]), atof(argv[4]));
    } else {
        for (int round = 0; round < rounds; round++) {
            if (strcmp(mode, "alternate") == 0)
                via_round(round, 0, round % 2, -1);
            else if (strcmp(mode, "pair") == 0)
                via_round(round, -2, 1, -1);
            else if (strcmp(mode, "mixed") == 0)
                via_round(round, -3, 1, -1);
            else if (strcmp(mode, "env") == 0)
                via_round(round, round % 2 == 0 ? 0 : -1, 2, round % 2 == 1 ? 1 : -1);
            else
                via_round(round, -1, -1, -1);
        }
        /* The same digest in every mode: "none" prints it too. */
        digest_print(strcmp(mode, "none") == 0 ? "none" : mode);
    }
    free(heap_words);
    MPI_Finalize();
    return 0;
}
