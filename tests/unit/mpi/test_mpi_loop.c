/* test_mpi_loop.c: mpi/ end to end over the in-process fake of comm-virt.
 *
 * Each test runs a function on several ranks (threads, see fake_cv.h) that
 * calls the PMPI_ entry points exactly as an application would: start-up,
 * point-to-point in every mode, completion calls, probes, cancel, the
 * collectives on many communicator sizes and roots, argument errors with
 * MPI_ERRORS_RETURN, and the default fatal handler (the test expects SIGABRT).
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "fake_cv.h"

static void init_return(void)
{
    ck_assert_int_eq(PMPI_Init(NULL, NULL), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN), MPI_SUCCESS);
}

/* ---- start-up --------------------------------------------------------- */

static void body_init(int rank, int size)
{
    int flag, r, n, provided, len;
    char name[MPI_MAX_PROCESSOR_NAME], ver[MPI_MAX_LIBRARY_VERSION_STRING];
    MPI_Errhandler eh;
    int *tag_ub;

    ck_assert_int_eq(PMPI_Initialized(&flag), MPI_SUCCESS);
    ck_assert_int_eq(flag, 0);
    ck_assert_int_eq(PMPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided), MPI_SUCCESS);
    ck_assert_int_eq(provided, MPI_THREAD_MULTIPLE);
    ck_assert_int_eq(PMPI_Query_thread(&provided), MPI_SUCCESS);
    ck_assert_int_eq(provided, MPI_THREAD_MULTIPLE);
    ck_assert_int_eq(PMPI_Initialized(&flag), MPI_SUCCESS);
    ck_assert_int_eq(flag, 1);
    ck_assert_int_eq(PMPI_Comm_rank(MPI_COMM_WORLD, &r), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_size(MPI_COMM_WORLD, &n), MPI_SUCCESS);
    ck_assert_int_eq(r, rank);
    ck_assert_int_eq(n, size);
    ck_assert_int_eq(PMPI_Comm_rank(MPI_COMM_SELF, &r), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_size(MPI_COMM_SELF, &n), MPI_SUCCESS);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(PMPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh), MPI_SUCCESS);
    ck_assert_int_eq(eh, MPI_ERRORS_ARE_FATAL);
    ck_assert_int_eq(PMPI_Errhandler_free(&eh), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag), MPI_SUCCESS);
    ck_assert_int_eq(flag, 1);
    ck_assert_int_ge(*tag_ub, 32767);
    ck_assert_int_eq(PMPI_Get_processor_name(name, &len), MPI_SUCCESS);
    ck_assert_int_eq(len, (int)strlen(name));
    ck_assert_int_eq(PMPI_Get_library_version(ver, &len), MPI_SUCCESS);
    ck_assert_int_eq(strncmp(ver, "nanvix-mpi ", 11), 0);
    ck_assert_ptr_nonnull(strstr(ver, "MPICH ABI"));
    ck_assert(PMPI_Wtime() > 0 && PMPI_Wtick() > 0);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Finalized(&flag), MPI_SUCCESS);
    ck_assert_int_eq(flag, 1);
    ck_assert_int_eq(PMPI_Initialized(&flag), MPI_SUCCESS);
    ck_assert_int_eq(flag, 1);
}

START_TEST(test_init_finalize)
{
    int v, sv;

    ck_assert_int_eq(PMPI_Get_version(&v, &sv), MPI_SUCCESS);
    ck_assert_int_eq(v, MPI_VERSION);
    fake_run(3, body_init);
}
END_TEST

/* ---- point-to-point --------------------------------------------------- */

static void body_ring(int rank, int size)
{
    int out[100], in[100], i, n;
    MPI_Status st;

    init_return();
    for (i = 0; i < 100; i++)
        out[i] = rank * 1000 + i;
    if (rank == 0) {
        ck_assert_int_eq(PMPI_Send(out, 100, MPI_INT, 1, 7, MPI_COMM_WORLD), MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Recv(in, 100, MPI_INT, size - 1, 7, MPI_COMM_WORLD, &st),
                         MPI_SUCCESS);
    } else {
        ck_assert_int_eq(PMPI_Recv(in, 100, MPI_INT, rank - 1, 7, MPI_COMM_WORLD, &st),
                         MPI_SUCCESS);
        ck_assert_int_eq(PMPI_Send(out, 100, MPI_INT, (rank + 1) % size, 7, MPI_COMM_WORLD),
                         MPI_SUCCESS);
    }
    ck_assert_int_eq(st.MPI_SOURCE, (rank - 1 + size) % size);
    ck_assert_int_eq(st.MPI_TAG, 7);
    ck_assert_int_eq(PMPI_Get_count(&st, MPI_INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 100);
    ck_assert_int_eq(in[99], ((rank - 1 + size) % size) * 1000 + 99);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
}

START_TEST(test_ring)
{
    fake_run(4, body_ring);
}
END_TEST

static void body_wildcards(int rank, int size)
{
    int v = rank, got, i, seen = 0, n;
    MPI_Status st;

    init_return();
    if (rank != 0) {
        ck_assert_int_eq(PMPI_Ssend(&v, 1, MPI_INT, 0, 100 + rank, MPI_COMM_WORLD), MPI_SUCCESS);
    } else {
        for (i = 1; i < size; i++) {
            ck_assert_int_eq(PMPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st),
                             MPI_SUCCESS);
            ck_assert_int_eq(PMPI_Get_count(&st, MPI_INT, &n), MPI_SUCCESS);
            ck_assert_int_eq(n, 1);
            ck_assert_int_eq(
                PMPI_Recv(&got, 1, MPI_INT, st.MPI_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st),
                MPI_SUCCESS);
            ck_assert_int_eq(got, st.MPI_SOURCE);
            ck_assert_int_eq(st.MPI_TAG, 100 + got);
            seen |= 1 << got;
        }
        ck_assert_int_eq(seen, ((1 << size) - 1) & ~1);
    }
    /* MPI_PROC_NULL completes at once with the prescribed status. */
    ck_assert_int_eq(PMPI_Send(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Recv(&got, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st),
                     MPI_SUCCESS);
    ck_assert_int_eq(st.MPI_SOURCE, MPI_PROC_NULL);
    ck_assert_int_eq(st.MPI_TAG, MPI_ANY_TAG);
    ck_assert_int_eq(PMPI_Get_count(&st, MPI_INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
}

START_TEST(test_wildcards_proc_null)
{
    fake_run(5, body_wildcards);
}
END_TEST

static void body_nonblocking(int rank, int size)
{
    int peer = rank ^ 1, out[4], in[4][4], i, idx, n, flag, outcount, indices[4];
    MPI_Request rq[8];
    MPI_Status sts[8];

    init_return();
    for (i = 0; i < 4; i++) {
        out[i] = rank * 10 + i;
        ck_assert_int_eq(PMPI_Irecv(in[i], 4, MPI_INT, peer, i, MPI_COMM_WORLD, &rq[i]),
                         MPI_SUCCESS);
    }
    for (i = 3; i >= 0; i--)
        ck_assert_int_eq(PMPI_Isend(out, 4, MPI_INT, peer, i, MPI_COMM_WORLD, &rq[4 + i]),
                         MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Waitall(4, rq + 4, sts), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Waitany(4, rq, &idx, &sts[0]), MPI_SUCCESS);
    ck_assert_int_ge(idx, 0);
    ck_assert_int_eq(rq[idx], MPI_REQUEST_NULL);
    ck_assert_int_eq(sts[0].MPI_TAG, idx);
    /* The peer's sends may still be on their way: Waitsome may report them
     * over several calls, but each at most once and all three in the end. */
    for (n = 0; n < 3; n += outcount) {
        ck_assert_int_eq(PMPI_Waitsome(4, rq, &outcount, indices, sts), MPI_SUCCESS);
        ck_assert_int_ge(outcount, 1);
        ck_assert_int_le(n + outcount, 3);
        for (i = 0; i < outcount; i++) {
            ck_assert_int_eq(sts[i].MPI_TAG, indices[i]);
            ck_assert_int_eq(rq[indices[i]], MPI_REQUEST_NULL);
        }
    }
    ck_assert_int_eq(PMPI_Waitsome(4, rq, &outcount, indices, sts), MPI_SUCCESS);
    ck_assert_int_eq(outcount, MPI_UNDEFINED);
    ck_assert_int_eq(PMPI_Waitany(4, rq, &idx, &sts[0]), MPI_SUCCESS);
    ck_assert_int_eq(idx, MPI_UNDEFINED);
    ck_assert_int_eq(in[2][3], peer * 10 + 3);

    /* Test family. */
    ck_assert_int_eq(PMPI_Irecv(in[0], 4, MPI_INT, peer, 50, MPI_COMM_WORLD, &rq[0]), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Test(&rq[0], &flag, &sts[0]), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Testall(1, rq, &flag, sts), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Sendrecv(out, 0, MPI_INT, peer, 49, in[1], 0, MPI_INT, peer, 49,
                                   MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                     MPI_SUCCESS);
    /* the peer has not sent tag 50 yet: it sends after this barrier */
    ck_assert_int_eq(PMPI_Barrier(MPI_COMM_WORLD), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Send(out, 2, MPI_INT, peer, 50, MPI_COMM_WORLD), MPI_SUCCESS);
    do {
        ck_assert_int_eq(PMPI_Testany(1, rq, &idx, &flag, &sts[0]), MPI_SUCCESS);
    } while (!flag);
    ck_assert_int_eq(idx, 0);
    ck_assert_int_eq(PMPI_Get_count(&sts[0], MPI_INT, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(PMPI_Test(&rq[0], &flag, &sts[0]), MPI_SUCCESS); /* null: flag 1 */
    ck_assert_int_eq(flag, 1);
    ck_assert_int_eq(sts[0].MPI_SOURCE, MPI_ANY_SOURCE);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
    (void)size;
}

START_TEST(test_nonblocking)
{
    fake_run(2, body_nonblocking);
}
END_TEST

static void body_cancel_free(int rank, int size)
{
    int buf[2] = {1, 2}, flag;
    MPI_Request rq, copy;
    MPI_Status st;

    init_return();
    ck_assert_int_eq(PMPI_Irecv(buf, 2, MPI_INT, MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, &rq),
                     MPI_SUCCESS);
    copy = rq;
    ck_assert_int_eq(PMPI_Cancel(&rq), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Wait(&rq, &st), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Test_cancelled(&st, &flag), MPI_SUCCESS);
    ck_assert_int_eq(flag, 1);
    /* stale handle: MPI_ERR_REQUEST */
    ck_assert_int_eq(PMPI_Wait(&copy, &st), MPI_ERR_REQUEST);
    ck_assert_int_eq(PMPI_Request_free(&copy), MPI_ERR_REQUEST);
    /* a freed send still goes out */
    ck_assert_int_eq(PMPI_Isend(buf, 2, MPI_INT, rank, 5, MPI_COMM_WORLD, &rq), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Request_free(&rq), MPI_SUCCESS);
    ck_assert_int_eq(rq, MPI_REQUEST_NULL);
    buf[0] = buf[1] = 0;
    ck_assert_int_eq(PMPI_Recv(buf, 2, MPI_INT, rank, 5, MPI_COMM_WORLD, &st), MPI_SUCCESS);
    ck_assert_int_eq(buf[1], 2);
    /* Sendrecv_replace with oneself */
    buf[0] = 42;
    ck_assert_int_eq(PMPI_Sendrecv_replace(buf, 2, MPI_INT, 0, 1, 0, 1, MPI_COMM_SELF, &st),
                     MPI_SUCCESS);
    ck_assert_int_eq(buf[0], 42);
    ck_assert_int_eq(st.MPI_SOURCE, 0);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
    (void)size;
}

START_TEST(test_cancel_free)
{
    fake_run(2, body_cancel_free);
}
END_TEST

static void body_bsend(int rank, int size)
{
    static char bufs[FAKE_MAX_RANKS][1024];
    int v = rank, got, sz;
    void *b;

    init_return();
    ck_assert_int_eq(PMPI_Bsend(&v, 1, MPI_INT, 0, 3, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    ck_assert_int_eq(PMPI_Buffer_attach(bufs[rank], sizeof(bufs[rank])), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Bsend(&v, 1, MPI_INT, (rank + 1) % size, 3, MPI_COMM_WORLD), MPI_SUCCESS);
    ck_assert_int_eq(
        PMPI_Recv(&got, 1, MPI_INT, (rank - 1 + size) % size, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        MPI_SUCCESS);
    ck_assert_int_eq(got, (rank - 1 + size) % size);
    ck_assert_int_eq(PMPI_Buffer_detach(&b, &sz), MPI_SUCCESS);
    ck_assert_ptr_eq(b, bufs[rank]);
    ck_assert_int_eq(sz, 1024);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
}

START_TEST(test_bsend)
{
    fake_run(3, body_bsend);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

static void body_arg_errors(int rank, int size)
{
    int v[2] = {0, 0}, n, idx[1];
    MPI_Request rq;
    MPI_Status st;
    MPI_Comm w = MPI_COMM_WORLD;
    MPI_Group g;

    init_return();
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_INT, size, 0, w), MPI_ERR_RANK);
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_INT, -5, 0, w), MPI_ERR_RANK);
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_INT, MPI_ANY_SOURCE, 0, w), MPI_ERR_RANK);
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_INT, 0, -1, w), MPI_ERR_TAG);
    ck_assert_int_eq(PMPI_Recv(v, 1, MPI_INT, 0, -7, w, &st), MPI_ERR_TAG);
    ck_assert_int_eq(PMPI_Send(v, -1, MPI_INT, 0, 0, w), MPI_ERR_COUNT);
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_DATATYPE_NULL, 0, 0, w), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Send(v, 1, (MPI_Datatype)0x4c0004ee, 0, 0, w), MPI_ERR_TYPE);
    ck_assert_int_eq(PMPI_Send(NULL, 1, MPI_INT, 0, 0, w), MPI_ERR_BUFFER);
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_INT, 0, 0, MPI_COMM_NULL), MPI_ERR_COMM);
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_INT, 0, 0, (MPI_Comm)0x44000002), MPI_ERR_COMM);
    ck_assert_int_eq(PMPI_Send(v, 1, MPI_INT, 1, 0, MPI_COMM_SELF), MPI_ERR_RANK);
    ck_assert_int_eq(PMPI_Comm_size(MPI_COMM_NULL, &n), MPI_ERR_COMM);
    ck_assert_int_eq(PMPI_Isend(v, 1, MPI_INT, 0, 0, w, NULL), MPI_ERR_ARG);
    rq = (MPI_Request)0x12345;
    ck_assert_int_eq(PMPI_Wait(&rq, &st), MPI_ERR_REQUEST);
    /* Waitsome/Testsome: arguments first, then every handle, nothing completed */
    ck_assert_int_eq(PMPI_Testsome(1, &rq, NULL, idx, &st), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Waitsome(1, &rq, &n, NULL, &st), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Testsome(-1, &rq, &n, idx, &st), MPI_ERR_COUNT);
    ck_assert_int_eq(PMPI_Waitsome(1, &rq, &n, idx, &st), MPI_ERR_REQUEST);
    ck_assert_int_eq(rq, (MPI_Request)0x12345);
    ck_assert_int_eq(PMPI_Testsome(0, NULL, &n, idx, &st), MPI_SUCCESS);
    ck_assert_int_eq(n, MPI_UNDEFINED);
    ck_assert_int_eq(PMPI_Comm_group(MPI_COMM_NULL, &g), MPI_ERR_COMM);
    ck_assert_int_eq(PMPI_Comm_group(w, NULL), MPI_ERR_ARG);
    ck_assert_int_eq(PMPI_Comm_group(w, &g), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Group_size(g, &n), MPI_SUCCESS);
    ck_assert_int_eq(n, size);
    ck_assert_int_eq(PMPI_Group_free(&g), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Bcast(v, 1, MPI_INT, size, w), MPI_ERR_ROOT);
    ck_assert_int_eq(PMPI_Reduce(v, v + 1, 1, MPI_INT, MPI_OP_NULL, 0, w), MPI_ERR_OP);
    ck_assert_int_eq(PMPI_Reduce(v, v + 1, 1, MPI_FLOAT, MPI_BAND, 0, w), MPI_ERR_OP);
    ck_assert_int_eq(PMPI_Allreduce(v, v + 1, 1, MPI_INT, MPI_REPLACE, w), MPI_ERR_OP);
    ck_assert_int_eq(PMPI_Allreduce(v, v, 1, MPI_INT, MPI_SUM, w), MPI_ERR_BUFFER);
    ck_assert_int_eq(PMPI_Reduce(v, v + 1, 1, MPI_INT, MPI_SUM, -1, w), MPI_ERR_ROOT);
    if (rank != 0)
        ck_assert_int_eq(PMPI_Reduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_SUM, 0, w), MPI_ERR_BUFFER);
    ck_assert_int_eq(PMPI_Error_class(-3, &n), MPI_ERR_ARG);
    /* truncation: reported in the return value and in the status */
    if (rank == 0) {
        ck_assert_int_eq(PMPI_Send(v, 2, MPI_INT, 1, 8, w), MPI_SUCCESS);
    } else if (rank == 1) {
        ck_assert_int_eq(PMPI_Recv(v, 1, MPI_INT, 0, 8, w, &st), MPI_ERR_TRUNCATE);
        ck_assert_int_eq(st.MPI_ERROR, MPI_ERR_TRUNCATE);
    }
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
}

START_TEST(test_arg_errors)
{
    fake_run(2, body_arg_errors);
}
END_TEST

static int handler_calls;
static int handler_code;

static void count_handler(MPI_Comm *comm, int *code, ...)
{
    handler_calls++;
    handler_code = *code;
    (void)comm;
}

static void body_user_handler(int rank, int size)
{
    MPI_Errhandler eh;
    int v = 0;

    ck_assert_int_eq(PMPI_Init(NULL, NULL), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_create_errhandler(count_handler, &eh), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_set_errhandler(MPI_COMM_SELF, eh), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Errhandler_free(&eh), MPI_SUCCESS);
    ck_assert_int_eq(eh, MPI_ERRHANDLER_NULL);
    ck_assert_int_eq(PMPI_Send(&v, 1, MPI_INT, 3, 0, MPI_COMM_SELF), MPI_ERR_RANK);
    ck_assert_int_eq(handler_calls, 1);
    ck_assert_int_eq(handler_code, MPI_ERR_RANK);
    ck_assert_int_eq(PMPI_Comm_call_errhandler(MPI_COMM_SELF, MPI_ERR_OTHER), MPI_SUCCESS);
    ck_assert_int_eq(handler_calls, 2);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
    (void)rank;
    (void)size;
}

START_TEST(test_user_handler)
{
    fake_run(1, body_user_handler);
}
END_TEST

static void body_fatal(int rank, int size)
{
    int v = 0;

    ck_assert_int_eq(PMPI_Init(NULL, NULL), MPI_SUCCESS);
    PMPI_Send(&v, 1, MPI_INT, size + 3, 0, MPI_COMM_WORLD); /* aborts */
    (void)rank;
}

START_TEST(test_fatal_default)
{
    fake_run(1, body_fatal);
}
END_TEST

static void body_after_finalize(int rank, int size)
{
    int v = 0;

    ck_assert_int_eq(PMPI_Init(NULL, NULL), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), MPI_SUCCESS);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
    PMPI_Send(&v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD); /* no handler left: aborts */
    (void)rank;
    (void)size;
}

START_TEST(test_after_finalize_is_fatal)
{
    fake_run(1, body_after_finalize);
}
END_TEST

START_TEST(test_before_init_is_fatal)
{
    int v = 0;

    PMPI_Send(&v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
}
END_TEST

/* ---- collectives ------------------------------------------------------ */

static void body_collectives(int rank, int size)
{
    int root, i, v[3], r[3];
    long long big = 0, bigsum;
    double d, dmax;
    struct {
        double v;
        int i;
    } dl, dlr;
    struct {
        int v;
        int i;
    } il, ilr;
    unsigned char bits, bor;
    char payload[20000];

    init_return();
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(PMPI_Barrier(MPI_COMM_WORLD), MPI_SUCCESS);
    for (root = 0; root < size; root++) {
        memset(payload, rank == root ? 'a' + root : 0, sizeof(payload));
        ck_assert_int_eq(PMPI_Bcast(payload, sizeof(payload), MPI_CHAR, root, MPI_COMM_WORLD),
                         MPI_SUCCESS);
        ck_assert_int_eq(payload[sizeof(payload) - 1], 'a' + root);
        for (i = 0; i < 3; i++)
            v[i] = rank + i;
        r[0] = -1;
        ck_assert_int_eq(PMPI_Reduce(v, r, 3, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD), MPI_SUCCESS);
        if (rank == root)
            for (i = 0; i < 3; i++)
                ck_assert_int_eq(r[i], size * (size - 1) / 2 + size * i);
        /* in place at the root */
        for (i = 0; i < 3; i++)
            r[i] = rank * 2;
        ck_assert_int_eq(PMPI_Reduce(rank == root ? MPI_IN_PLACE : r, rank == root ? r : NULL, 3,
                                     MPI_INT, MPI_MAX, root, MPI_COMM_WORLD),
                         MPI_SUCCESS);
        if (rank == root)
            ck_assert_int_eq(r[2], 2 * (size - 1));
        il.v = rank % 2;
        il.i = rank;
        ck_assert_int_eq(PMPI_Reduce(&il, &ilr, 1, MPI_2INT, MPI_MAXLOC, root, MPI_COMM_WORLD),
                         MPI_SUCCESS);
        if (rank == root)
            ck_assert(ilr.v == (size > 1) && ilr.i == (size > 1 ? 1 : 0));
    }
    /* allreduce: integer results exact, floats identical on all ranks */
    big = (long long)rank << 40;
    ck_assert_int_eq(PMPI_Allreduce(&big, &bigsum, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD),
                     MPI_SUCCESS);
    ck_assert(bigsum == ((long long)size * (size - 1) / 2) << 40);
    d = 1.0 / (rank + 1);
    ck_assert_int_eq(PMPI_Allreduce(&d, &dmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
                     MPI_SUCCESS);
    ck_assert(dmax == 1.0);
    dl.v = rank == size - 1 && rank > 0 ? 5.0 : (double)rank;
    dl.i = rank;
    ck_assert_int_eq(PMPI_Allreduce(&dl, &dlr, 1, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD),
                     MPI_SUCCESS);
    ck_assert(dlr.v == 0.0 && dlr.i == 0);
    bits = (unsigned char)(1u << (rank % 8));
    ck_assert_int_eq(PMPI_Allreduce(&bits, &bor, 1, MPI_BYTE, MPI_BOR, MPI_COMM_WORLD),
                     MPI_SUCCESS);
    ck_assert_uint_eq(bor, size >= 8 ? 0xff : (1u << size) - 1);
    for (i = 0; i < 3; i++)
        r[i] = rank + 1;
    ck_assert_int_eq(PMPI_Allreduce(MPI_IN_PLACE, r, 3, MPI_INT, MPI_PROD, MPI_COMM_WORLD),
                     MPI_SUCCESS);
    {
        int f = 1;
        for (i = 1; i <= size; i++)
            f *= i;
        ck_assert_int_eq(r[1], f);
    }
    ck_assert_int_eq(PMPI_Allreduce(&rank, &i, 1, MPI_INT, MPI_SUM, MPI_COMM_SELF), MPI_SUCCESS);
    ck_assert_int_eq(i, rank);
    ck_assert_int_eq(PMPI_Finalize(), MPI_SUCCESS);
}

START_TEST(test_collectives)
{
    fake_run(_i, body_collectives);
}
END_TEST

static Suite *loop_suite(void)
{
    Suite *s = suite_create("mpi-loop");
    TCase *start = tcase_create("start-up");
    TCase *p2p = tcase_create("pt2pt");
    TCase *errs = tcase_create("errors");
    TCase *coll = tcase_create("collectives");

    tcase_add_test(start, test_init_finalize);
    tcase_add_test(p2p, test_ring);
    tcase_add_test(p2p, test_wildcards_proc_null);
    tcase_add_test(p2p, test_nonblocking);
    tcase_add_test(p2p, test_cancel_free);
    tcase_add_test(p2p, test_bsend);
    tcase_add_test(errs, test_arg_errors);
    tcase_add_test(errs, test_user_handler);
    tcase_add_test_raise_signal(errs, test_fatal_default, SIGABRT);
    tcase_add_test_raise_signal(errs, test_before_init_is_fatal, SIGABRT);
    tcase_add_test_raise_signal(errs, test_after_finalize_is_fatal, SIGABRT);
    tcase_add_loop_test(coll, test_collectives, 1, 10);
    tcase_set_timeout(coll, 60);
    suite_add_tcase(s, start);
    suite_add_tcase(s, p2p);
    suite_add_tcase(s, errs);
    suite_add_tcase(s, coll);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loop_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
