/* anysource.c: MPI_ANY_SOURCE receives keep each sender's order.
 *
 * Every rank but 0 sends K numbered messages to rank 0, mixing eager and
 * rendezvous sizes and three tags. Rank 0 receives them all with
 * MPI_ANY_SOURCE (half with MPI_ANY_TAG, half with the expected tag via
 * Irecv/Wait on any source) and checks that each sender's sequence goes up
 * by exactly 1, and that size, tag and payload match that sequence number.
 *
 * Usage: anysource [K]   (default 200).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testhelp_mpi.h"

/* Size of message seq: mostly small, some at the limit, some rendezvous. */
static size_t msg_size(int seq)
{
    size_t e = th_eager_limit();

    if (seq % 7 == 3)
        return e + 1000;
    if (seq % 5 == 0)
        return e;
    return 8 + (size_t)(seq % 64);
}

static void sender(int rank, int k, char *buf)
{
    for (int seq = 0; seq < k; seq++) {
        size_t n = msg_size(seq);

        th_pattern_fill(buf, n, rank, 0, seq);
        MPI_CHECK(MPI_Send(buf, (int)n, MPI_BYTE, 0, seq % 3, MPI_COMM_WORLD));
        if (seq % 50 == rank % 50)
            usleep(1000); /* let other senders overtake this one */
    }
}

/* Receives message i of the total with MPI_ANY_SOURCE; returns its status. */
static MPI_Status receive_one(int i, char *buf, int cap)
{
    MPI_Request req;
    MPI_Status st;

    if (i % 2 == 0) {
        MPI_CHECK(MPI_Recv(buf, cap, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
    } else {
        MPI_CHECK(MPI_Irecv(buf, cap, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &req));
        MPI_CHECK(MPI_Wait(&req, &st));
    }
    return st;
}

static void receiver(int size, int k, char *buf, int cap)
{
    int *next = calloc((size_t)size, sizeof(int));

    CHECK(next != NULL);
    for (int i = 0; i < (size - 1) * k; i++) {
        MPI_Status st = receive_one(i, buf, cap);
        int src = st.MPI_SOURCE, count;

        CHECKF(src > 0 && src < size, "bad source %d", src);
        int seq = next[src]++;
        CHECKF(seq < k, "more than %d messages from %d", k, src);
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        CHECKF((size_t)count == msg_size(seq) && st.MPI_TAG == seq % 3,
               "from %d message %d: %d bytes tag %d, want %zu bytes tag %d (out of order?)", src,
               seq, count, st.MPI_TAG, msg_size(seq), seq % 3);
        CHECK_PATTERN(buf, (size_t)count, src, 0, seq);
    }
    for (int r = 1; r < size; r++)
        CHECKF(next[r] == k, "got %d messages from %d, want %d", next[r], r, k);
    free(next);
}

int main(int argc, char **argv)
{
    int rank, size, k = argc > 1 ? atoi(argv[1]) : 200;
    int cap = (int)th_eager_limit() + 1000;
    char *buf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2, "needs at least 2 ranks, got %d", size);
    buf = malloc((size_t)cap);
    CHECK(buf != NULL);
    if (rank == 0)
        receiver(size, k, buf, cap);
    else
        sender(rank, k, buf);
    free(buf);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("anysource: OK %d senders x %d messages\n", size - 1, k);
    MPI_Finalize();
    return 0;
}
