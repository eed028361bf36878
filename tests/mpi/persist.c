/* persist.c: persistent requests restarted many times (every send mode, eager
 * and rendezvous sizes, MPI_ANY_SOURCE, MPI_PROC_NULL), inactive requests,
 * Cancel of receives, Rsend/Irsend and Sendrecv_replace.
 *
 * Traffic goes round a ring (send to the right, receive from the left) on a
 * duplicate of MPI_COMM_WORLD; every payload is the pattern of (sender,
 * receiver, iteration) and is verified bit for bit.
 *
 * argv[1] (optional): number of restarts (default 300).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

static int rank, size, right, left;
static MPI_Comm comm;

/* The status of a completed empty (inactive or null) request. */
static void expect_empty(const MPI_Status *st)
{
    int count = -1;

    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG);
    MPI_CHECK(MPI_Get_count(st, MPI_BYTE, &count));
    CHECK(count == 0);
}

/* n restarts of one send/receive pair of len bytes, send in mode (0 std,
 * 1 sync, 2 ready, 3 buffered); receive from src (left or MPI_ANY_SOURCE). */
static void restart_loop(int n, int len, int mode, int src)
{
    char *sbuf = malloc((size_t)len + 1), *rbuf = malloc((size_t)len + 1);
    MPI_Request rq[2];
    MPI_Status st[2];
    int i, count, tag = 100 + mode;

    CHECK(sbuf && rbuf);
    MPI_CHECK(MPI_Recv_init(rbuf, len, MPI_BYTE, src, tag, comm, &rq[0]));
    if (mode == 0)
        MPI_CHECK(MPI_Send_init(sbuf, len, MPI_BYTE, right, tag, comm, &rq[1]));
    else if (mode == 1)
        MPI_CHECK(MPI_Ssend_init(sbuf, len, MPI_BYTE, right, tag, comm, &rq[1]));
    else if (mode == 2)
        MPI_CHECK(MPI_Rsend_init(sbuf, len, MPI_BYTE, right, tag, comm, &rq[1]));
    else
        MPI_CHECK(MPI_Bsend_init(sbuf, len, MPI_BYTE, right, tag, comm, &rq[1]));
    for (i = 0; i < n; i++) {
        th_pattern_fill(sbuf, (size_t)len, rank, right, i * 4 + mode);
        MPI_CHECK(MPI_Start(&rq[0]));
        if (mode == 2) /* ready mode: every receive is posted before any send */
            MPI_CHECK(MPI_Barrier(comm));
        if (i % 2)
            MPI_CHECK(MPI_Start(&rq[1]));
        else
            MPI_CHECK(MPI_Startall(1, &rq[1]));
        MPI_CHECK(MPI_Waitall(2, rq, st));
        CHECK(rq[0] != MPI_REQUEST_NULL && rq[1] != MPI_REQUEST_NULL);
        CHECKF(st[0].MPI_SOURCE == left && st[0].MPI_TAG == tag, "source %d tag %d",
               st[0].MPI_SOURCE, st[0].MPI_TAG);
        MPI_CHECK(MPI_Get_count(&st[0], MPI_BYTE, &count));
        CHECK(count == len);
        CHECK_PATTERN(rbuf, (size_t)len, left, rank, i * 4 + mode);
    }
    /* Inactive now: Wait returns at once with an empty status. */
    MPI_CHECK(MPI_Wait(&rq[0], &st[0]));
    expect_empty(&st[0]);
    CHECK(rq[0] != MPI_REQUEST_NULL);
    MPI_CHECK(MPI_Request_free(&rq[0]));
    MPI_CHECK(MPI_Request_free(&rq[1]));
    CHECK(rq[0] == MPI_REQUEST_NULL && rq[1] == MPI_REQUEST_NULL);
    free(sbuf);
    free(rbuf);
}

/* Startall over both requests, completed with Test and Waitany. */
static void startall_loop(int n)
{
    int sv = 0, rv = -1, i, flag, idx, done;
    MPI_Request rq[3];
    MPI_Status st;

    MPI_CHECK(MPI_Send_init(&sv, 1, MPI_INT, right, 7, comm, &rq[0]));
    MPI_CHECK(MPI_Recv_init(&rv, 1, MPI_INT, left, 7, comm, &rq[1]));
    MPI_CHECK(MPI_Send_init(&sv, 1, MPI_INT, MPI_PROC_NULL, 7, comm, &rq[2]));
    for (i = 0; i < n; i++) {
        sv = rank * 100000 + i;
        MPI_CHECK(MPI_Startall(3, rq));
        for (done = 0; done < 3; done++) {
            MPI_CHECK(MPI_Waitany(3, rq, &idx, &st));
            /* MPICH 4.0.2 reports a started persistent request to
             * MPI_PROC_NULL as inactive (Waitany gives MPI_UNDEFINED);
             * MPI says it is active until completed. */
            CHECKF((idx >= 0 && idx < 3) || (th_library_is_mpich() && idx == MPI_UNDEFINED),
                   "Waitany index %d", idx);
        }
        /* All inactive: Waitany reports none, Test says done. */
        MPI_CHECK(MPI_Waitany(3, rq, &idx, &st));
        CHECK(idx == MPI_UNDEFINED);
        MPI_CHECK(MPI_Test(&rq[1], &flag, &st));
        CHECK(flag);
        CHECKF(rv == left * 100000 + i, "got %d", rv);
    }
    for (i = 0; i < 3; i++)
        MPI_CHECK(MPI_Request_free(&rq[i]));
}

static void check_misuse(void)
{
    int v = 0, err;
    MPI_Request r, p;

    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Irecv(&v, 1, MPI_INT, left, 999, comm, &r));
    err = MPI_Start(&r); /* not persistent */
    CHECK_CLASS(err, MPI_ERR_REQUEST);
    MPI_CHECK(MPI_Cancel(&r));
    MPI_CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE));
    MPI_CHECK(MPI_Recv_init(&v, 1, MPI_INT, left, 999, comm, &p));
    MPI_CHECK(MPI_Start(&p));
    err = MPI_Start(&p); /* already active */
    CHECK_CLASS(err, MPI_ERR_REQUEST);
    err = MPI_Startall(-1, &p);
    CHECK_CLASS(err, MPI_ERR_COUNT);
    MPI_CHECK(MPI_Cancel(&p));
    MPI_CHECK(MPI_Wait(&p, MPI_STATUS_IGNORE));
    r = p;
    MPI_CHECK(MPI_Request_free(&p));
    err = MPI_Start(&r); /* freed */
    CHECK_CLASS(err, MPI_ERR_REQUEST);
    err = MPI_Send_init(&v, 1, MPI_INT, size, 0, comm, &p);
    CHECK_CLASS(err, MPI_ERR_RANK);
    err = MPI_Recv_init(&v, -1, MPI_INT, 0, 0, comm, &p);
    CHECK_CLASS(err, MPI_ERR_COUNT);
    err = MPI_Send_init(&v, 1, MPI_INT, 0, -3, comm, &p);
    CHECK_CLASS(err, MPI_ERR_TAG);
    err = MPI_Send_init(&v, 1, MPI_INT, 0, 0, MPI_COMM_NULL, &p);
    CHECK_CLASS(err, MPI_ERR_COMM);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    MPI_CHECK(MPI_Comm_set_errhandler(comm, MPI_ERRORS_ARE_FATAL));
}

/* A receive nobody matches is cancelled; one that matched is not; a
 * cancelled persistent receive can be started again and receive. */
static void check_cancel(void)
{
    int v = -1, flag = -1, sv = rank + 500;
    MPI_Request r, s;
    MPI_Status st;

    MPI_CHECK(MPI_Irecv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 12345, comm, &r));
    MPI_CHECK(MPI_Cancel(&r));
    MPI_CHECK(MPI_Wait(&r, &st));
    MPI_CHECK(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 1 && v == -1);

    MPI_CHECK(MPI_Recv_init(&v, 1, MPI_INT, left, 55, comm, &r));
    MPI_CHECK(MPI_Start(&r));
    MPI_CHECK(MPI_Cancel(&r));
    MPI_CHECK(MPI_Wait(&r, &st));
    MPI_CHECK(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 1);
    MPI_CHECK(MPI_Barrier(comm)); /* no rank sends tag 55 before all cancelled */
    MPI_CHECK(MPI_Start(&r));
    MPI_CHECK(MPI_Send(&sv, 1, MPI_INT, right, 55, comm));
    MPI_CHECK(MPI_Wait(&r, &st));
    MPI_CHECK(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 0 && v == left + 500);
    MPI_CHECK(MPI_Request_free(&r));

    /* Matched before the cancel (the message was already here): completes.
     * Isend: a blocking send to oneself (one rank) may wait for the receive. */
    MPI_CHECK(MPI_Isend(&sv, 1, MPI_INT, right, 56, comm, &s));
    MPI_CHECK(MPI_Probe(left, 56, comm, &st));
    MPI_CHECK(MPI_Irecv(&v, 1, MPI_INT, left, 56, comm, &r));
    MPI_CHECK(MPI_Cancel(&r));
    MPI_CHECK(MPI_Wait(&r, &st));
    MPI_CHECK(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 0 && v == left + 500);
    MPI_CHECK(MPI_Wait(&s, MPI_STATUS_IGNORE));
}

/* Rsend and Irsend to posted receives, then Sendrecv_replace both ways. */
static void check_ready_replace(void)
{
    int len = 20000, i;
    char *buf = malloc((size_t)len), *rbuf = malloc((size_t)len);
    MPI_Request r, s;
    MPI_Status st;

    CHECK(buf && rbuf);
    for (i = 0; i < 2; i++) {
        MPI_CHECK(MPI_Irecv(rbuf, len, MPI_BYTE, left, 60, comm, &r));
        MPI_CHECK(MPI_Barrier(comm));
        th_pattern_fill(buf, (size_t)len, rank, right, 600 + i);
        if (i == 0) {
            MPI_CHECK(MPI_Rsend(buf, len, MPI_BYTE, right, 60, comm));
        } else {
            MPI_CHECK(MPI_Irsend(buf, len, MPI_BYTE, right, 60, comm, &s));
            MPI_CHECK(MPI_Wait(&s, MPI_STATUS_IGNORE));
        }
        MPI_CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE));
        CHECK_PATTERN(rbuf, (size_t)len, left, rank, 600 + i);
    }
    th_pattern_fill(buf, (size_t)len, rank, right, 700);
    MPI_CHECK(MPI_Sendrecv_replace(buf, len, MPI_BYTE, right, 61, left, 61, comm, &st));
    CHECK(st.MPI_SOURCE == left);
    CHECK_PATTERN(buf, (size_t)len, left, rank, 700);
    free(buf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 300, bsize;
    void *bbuf, *det;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
    right = (rank + 1) % size;
    left = (rank - 1 + size) % size;
    /* Sends start before the rank waits for its own receive, so a rank can
     * be up to size - 1 rounds ahead of its right neighbour: that many
     * buffered rendezvous copies may wait for it. */
    bsize = (size + 2) * (30000 + MPI_BSEND_OVERHEAD);
    bbuf = malloc((size_t)bsize);
    CHECK(bbuf);
    MPI_CHECK(MPI_Buffer_attach(bbuf, bsize));
    restart_loop(n, 100, 0, left);
    restart_loop(n / 4, 30000, 0, MPI_ANY_SOURCE);
    restart_loop(n / 4, 100, 1, left);
    restart_loop(n / 10, 30000, 1, left);
    restart_loop(n / 10, 5000, 2, left);
    restart_loop(n / 4, 3000, 3, left);
    restart_loop(n / 10, 30000, 3, MPI_ANY_SOURCE);
    startall_loop(n);
    check_misuse();
    check_cancel();
    check_ready_replace();
    MPI_CHECK(MPI_Buffer_detach(&det, &bsize));
    free(bbuf);
    MPI_CHECK(MPI_Comm_free(&comm));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("persist: OK %d ranks %d restarts\n", size, n);
    MPI_Finalize();
    return 0;
}
