/* truncate.c: a receive into a too-small buffer fails with MPI_ERR_TRUNCATE
 * (under MPI_ERRORS_RETURN) and the next message still arrives intact.
 *
 * Rank 0 sends, for an eager and a rendezvous size, a message that rank 1
 * receives into half the space it needs (with MPI_Recv, then with
 * MPI_Irecv + MPI_Wait), then a second message of the same size that rank 1
 * receives with MPI_ANY_TAG into a big enough buffer: it must be the second
 * message (the truncated one was consumed), with the right pattern.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

#define TAG_BIG  1
#define TAG_NEXT 2

static void send_pair(size_t n, int iter, char *buf)
{
    th_pattern_fill(buf, n, 0, 1, iter);
    MPI_CHECK(MPI_Send(buf, (int)n, MPI_BYTE, 1, TAG_BIG, MPI_COMM_WORLD));
    th_pattern_fill(buf, n, 0, 1, iter + 1000);
    MPI_CHECK(MPI_Send(buf, (int)n, MPI_BYTE, 1, TAG_NEXT, MPI_COMM_WORLD));
}

/* Receives the truncated message (nonblocking if nb), then the next one. */
static void recv_pair(size_t n, int iter, int nb, char *buf)
{
    MPI_Status st;
    MPI_Request req;
    int err, count;

    if (nb) {
        MPI_CHECK(MPI_Irecv(buf, (int)(n / 2), MPI_BYTE, 0, TAG_BIG, MPI_COMM_WORLD, &req));
        err = MPI_Wait(&req, &st);
    } else {
        err = MPI_Recv(buf, (int)(n / 2), MPI_BYTE, 0, TAG_BIG, MPI_COMM_WORLD, &st);
    }
    CHECKF(err != MPI_SUCCESS, "%zu bytes into %zu: no error", n, n / 2);
    CHECK_CLASS(err, MPI_ERR_TRUNCATE);
    MPI_CHECK(MPI_Recv(buf, (int)n, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
    MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
    CHECKF(st.MPI_TAG == TAG_NEXT && (size_t)count == n, "next message: tag %d count %d",
           st.MPI_TAG, count);
    CHECK_PATTERN(buf, n, 0, 1, iter + 1000);
}

int main(int argc, char **argv)
{
    size_t e = th_eager_limit();
    size_t sizes[] = {e / 4, 4 * e + 12};
    int rank, size, iter = 0;
    char *buf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2, "needs at least 2 ranks, got %d", size);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    buf = malloc(sizes[1]);
    CHECK(buf != NULL);
    for (int s = 0; s < 2; s++) {
        for (int nb = 0; nb < 2; nb++, iter++) {
            if (rank == 0)
                send_pair(sizes[s], iter, buf);
            else if (rank == 1)
                recv_pair(sizes[s], iter, nb, buf);
            if (rank == 1)
                printf("truncate: %zu bytes (%s) OK\n", sizes[s], nb ? "Irecv+Wait" : "Recv");
        }
    }
    free(buf);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("truncate: OK\n");
    MPI_Finalize();
    return 0;
}
