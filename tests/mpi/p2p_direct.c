/* p2p_direct.c: blocking MPI_Send / MPI_Recv of built-in types (the direct
 * path without a request handle, mpi/core/mpi_p2p_direct.c) while ranks
 * move with their messages in flight.
 *
 * The ranks share a split communicator with reversed keys, so a
 * communicator rank is never its world rank and the status must be
 * translated. Every round each rank sends BURST eager messages of varied
 * lengths (zero included) to its right neighbour, all at once; then the ranks
 * of one parity move to spare clusters at the same moment, so both ends of
 * every pair have moved with the messages in flight (each rank is the
 * sender of one pair and the receiver of another); then each rank receives
 * them: the first half by named source and tag, the rest with
 * MPI_ANY_SOURCE and MPI_ANY_TAG, checking order (non-overtaking), the
 * status's source (a communicator rank), tag and count, and every byte; the
 * last one into a buffer one element short, which must fail with the class
 * MPI_ERR_TRUNCATE (errors return on this communicator) after filling it.
 *
 * argv[1] (optional): rounds (default 4). Needs size / 2 spares, rounded up.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

#define BURST  8
#define MAXLEN 24

static int rank, size;

static int msg_len(int round, int i)
{
    return i == 0 ? 0 : 2 + (i * 7 + round * 3) % (MAXLEN - 2);
}

static int msg_val(int sender, int round, int i, int k)
{
    return sender * 1000003 + round * 10007 + i * 101 + k;
}

static void round_once(MPI_Comm ring, int round)
{
    int n, cr, right, left, wleft, buf[MAXLEN], i, k, count, err, cls;
    MPI_Status st;

    MPI_CHECK(MPI_Comm_size(ring, &n));
    MPI_CHECK(MPI_Comm_rank(ring, &cr));
    right = (cr + 1) % n;
    left = (cr - 1 + n) % n;
    wleft = size - 1 - left; /* keys reversed: comm rank c is world rank size-1-c */
    for (i = 0; i < BURST; i++) {
        for (k = 0; k < msg_len(round, i); k++)
            buf[k] = msg_val(rank, round, i, k);
        MPI_CHECK(MPI_Send(buf, msg_len(round, i), MPI_INT, right, i, ring));
    }
    if (rank % 2 == round % 2)
        th_move(); /* several ranks at once; their peers move next round */
    for (i = 0; i < BURST; i++) {
        int len = msg_len(round, i), last = i == BURST - 1;
        int src = i < BURST / 2 || last ? left : MPI_ANY_SOURCE;
        int tag = i < BURST / 2 || last ? i : MPI_ANY_TAG;

        st.MPI_SOURCE = st.MPI_TAG = -7;
        err = MPI_Recv(buf, last ? len - 1 : MAXLEN, MPI_INT, src, tag, ring, &st);
        if (last) {
            MPI_CHECK(MPI_Error_class(err, &cls));
            CHECKF(cls == MPI_ERR_TRUNCATE, "round %d: truncated receive gave class %d", round,
                   cls);
            len--; /* what fitted */
        } else {
            MPI_CHECK(err);
        }
        CHECKF(st.MPI_SOURCE == left && st.MPI_TAG == i,
               "round %d message %d: status source %d tag %d, want %d %d", round, i, st.MPI_SOURCE,
               st.MPI_TAG, left, i);
        if (!last) {
            MPI_CHECK(MPI_Get_count(&st, MPI_INT, &count));
            CHECKF(count == len, "round %d message %d: count %d want %d", round, i, count, len);
        }
        for (k = 0; k < len; k++)
            CHECKF(buf[k] == msg_val(wleft, round, i, k), "round %d message %d item %d: %d", round,
                   i, k, buf[k]);
    }
    MPI_CHECK(MPI_Barrier(ring));
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 4, spares, i;
    MPI_Comm ring;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_CHECK(MPIX_Spare_count(&spares));
    CHECKF(spares >= (size + 1) / 2, "needs %d spares, has %d", (size + 1) / 2, spares);
    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, 0, -rank, &ring));
    MPI_CHECK(MPI_Comm_set_errhandler(ring, MPI_ERRORS_RETURN));
    for (i = 0; i < rounds; i++)
        round_once(ring, i);
    MPI_CHECK(MPI_Comm_free(&ring));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("p2p_direct: OK %d ranks %d rounds\n", size, rounds);
    MPI_Finalize();
    return 0;
}
