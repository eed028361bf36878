/* soak.c: all-pairs checked traffic for a given time while ranks move.
 *
 * Usage: soak SECONDS. Every round each rank sends NMSG messages of mixed
 * sizes (eager and rendezvous) to every other rank and receives them with
 * MPI_ANY_SOURCE / MPI_ANY_TAG, checking every payload bit for bit and each
 * sender's order. Moves happen while those messages are in flight, in a
 * cycle of three kinds of rounds: one rank moves itself (MPI_Migrateto to
 * any spare), every rank asks to move at the same moment (some are refused
 * when spares run out: MPI_ERR_NO_SPACE), and a quiet round; meanwhile
 * tests/soak/soak.sh moves ranks from outside with mpimigrate. Any other
 * error class, a wrong byte or a message out of order aborts the job. At
 * the end rank 0 prints one line: rounds, seconds, moves made (and
 * refused), messages checked, failures (always 0: a failure aborts before)
 * and the slowest move's downtime, from MPIX_Migration_stats after each
 * round (so moves made by mpimigrate count too).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

#define NMSG 6

static const size_t sizes[NMSG] = {0, 1, 100, TEST_EAGER_LIMIT, TEST_EAGER_LIMIT + 1, 70000};

static int rank, size;

struct soak_totals {
    long long messages; /* received and checked */
    int refused;        /* moves this rank asked for and was refused */
    int moves;          /* moves this rank made, whoever asked */
    double slowest;     /* longest downtime of those, seconds */
};

/* Asks to move to any spare; a refusal for want of a spare is fine. */
static void soak_move(struct soak_totals *t)
{
    int err = MPI_Migrateto(MPIX_ANY_SPARE), cls;

    MPI_CHECK(MPI_Error_class(err, &cls));
    CHECKF(cls == MPI_SUCCESS || cls == MPI_ERR_NO_SPACE, "rank %d: move error class %d", rank,
           cls);
    t->refused += cls == MPI_ERR_NO_SPACE;
}

/* Posts this round's sends: NMSG to every other rank, tag = message index. */
static void soak_send(int round, char **bufs, MPI_Request *req)
{
    int i = 0, d, m;

    for (d = 0; d < size; d++) {
        for (m = 0; d != rank && m < NMSG; m++, i++) {
            bufs[i] = malloc(sizes[m] + 1);
            CHECK(bufs[i] != NULL);
            th_pattern_fill(bufs[i], sizes[m], rank, d, round * NMSG + m);
            MPI_CHECK(MPI_Isend(bufs[i], (int)sizes[m], MPI_BYTE, d, m, MPI_COMM_WORLD, &req[i]));
        }
    }
}

/* Receives this round's messages from anyone, in any order between
 * senders, each sender's in order; checks every byte. */
static void soak_receive(int round, char *rbuf, struct soak_totals *t)
{
    int *next = calloc((size_t)size, sizeof(int)), got;

    CHECK(next != NULL);
    for (got = 0; got < (size - 1) * NMSG; got++) {
        MPI_Status st;
        int count, src, m;

        MPI_CHECK(
            MPI_Recv(rbuf, 70000, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
        src = st.MPI_SOURCE;
        m = st.MPI_TAG;
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        CHECKF(m == next[src], "round %d: from %d tag %d, expected %d (order)", round, src, m,
               next[src]);
        CHECKF((size_t)count == sizes[m], "round %d: from %d size %d", round, src, count);
        CHECK_PATTERN(rbuf, sizes[m], src, rank, round * NMSG + m);
        next[src]++;
        t->messages++;
    }
    free(next);
}

/* Notes the downtime of a move made since the last look. */
static void soak_note_moves(struct soak_totals *t)
{
    double times[5];
    long long bytes;
    int moves;

    MPI_CHECK(MPIX_Migration_stats(times, &bytes, &moves));
    if (moves > t->moves && times[4] > t->slowest)
        t->slowest = times[4];
    t->moves = moves;
}

static void soak_round(int round, char *rbuf, struct soak_totals *t)
{
    int nsend = (size - 1) * NMSG, i;
    MPI_Request *req = malloc((size_t)nsend * sizeof(*req));
    char **bufs = malloc((size_t)nsend * sizeof(*bufs));

    CHECK(req != NULL && bufs != NULL);
    soak_send(round, bufs, req);
    if ((round % 3 == 0 && rank == (round / 3) % size) || round % 3 == 1)
        soak_move(t);
    soak_receive(round, rbuf, t);
    for (i = 0; i < nsend; i++) { /* not Waitall(MPI_STATUSES_IGNORE): GCC warns */
        MPI_CHECK(MPI_Wait(&req[i], MPI_STATUS_IGNORE));
        free(bufs[i]);
    }
    free(bufs);
    free(req);
    soak_note_moves(t);
    /* Nobody sends the next round's messages before everyone took this
     * round's: receives take any source and any tag. */
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 60, start;
    struct soak_totals t = {0}, sum;
    char *rbuf = malloc(70000);
    int round = 0, go = 1;

    MPI_CHECK(MPI_Init(&argc, &argv));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK(rbuf != NULL && size > 1);
    if (rank == 0)
        printf("soak: ready\n");
    fflush(stdout);
    start = MPI_Wtime();
    while (go) {
        soak_round(round++, rbuf, &t);
        go = MPI_Wtime() - start < seconds;
        MPI_CHECK(MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD));
    }
    MPI_CHECK(MPI_Reduce(&t.messages, &sum.messages, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Reduce(&t.refused, &sum.refused, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Reduce(&t.moves, &sum.moves, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Reduce(&t.slowest, &sum.slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD));
    if (rank == 0)
        printf("soak: OK %d rounds in %.0f s, %d moves (%d refused), %lld messages checked, "
               "0 failures, slowest move %.3f ms\n",
               round, MPI_Wtime() - start, sum.moves, sum.refused, sum.messages, sum.slowest * 1e3);
    free(rbuf);
    MPI_CHECK(MPI_Finalize());
    return 0;
}
