/* reqmisc.c: the smaller MPI-3/4 request calls and the error-code calls.
 *
 * Mode "basic" (any number of ranks >= 2) checks, each bit for bit or by
 * exact value:
 *  - MPI_Isendrecv around a ring (a vector type on the receive side) and
 *    MPI_Isendrecv_replace (the buffer is both sent and overwritten);
 *  - MPI_Request_get_status: flag 0 while the message is not sent, then 1
 *    with the right status, the request still live (Wait again gives it);
 *  - generalized requests: query_fn and free_fn run exactly once, at Wait,
 *    in that order, cancel_fn gets `complete`; Request_free before
 *    MPI_Grequest_complete; Status_set_elements/_cancelled in query_fn read
 *    back by Get_elements/Get_count/Test_cancelled;
 *  - MPI_Ibsend with an attached buffer (complete at once, data arrives);
 *  - MPI_Alloc_mem/Free_mem, MPI_Comm_get_parent, MPI_Pcontrol, the MPI-1
 *    MPI_Errhandler_create/set/get;
 *  - MPI_Add_error_class/code/string: classes, strings, a user handler
 *    called with the added code, MPIX_Delete_error_* and reuse;
 *  - the error classes of bad arguments.
 * Mode "migrate" (needs spares): an Isendrecv ring whose both ends move
 * while it is in flight (two ranks at the same moment), a generalized
 * request completed after its rank moved, and added error codes that
 * still work after the move.
 *
 * argv[1]: basic | migrate; argv[2]: rounds (default 3).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

#define N 3000 /* ints per ring message: 12000 bytes, past the eager limit */

static int rank, size;

/* Class of an error code (MPI_Error_class must accept it). */
static int class_of(int err)
{
    int cls = -1;

    MPI_CHECK(MPI_Error_class(err, &cls));
    return cls;
}

/* Ring exchange with Isendrecv (receive through a vector type: every other
 * int of a 2N array) and then Isendrecv_replace; moving (if set) moves
 * between the start and the Wait. */
static void ring(int round, int moving)
{
    static int out[N], in2[2 * N], packed[N], rep[N];
    int right = (rank + 1) % size, left = (rank - 1 + size) % size, i, n;
    MPI_Datatype every_other;
    MPI_Request r[2];
    MPI_Status st[2];

    th_pattern_fill(out, sizeof(out), rank, right, round);
    th_pattern_fill(rep, sizeof(rep), rank, right, round + 100);
    for (i = 0; i < 2 * N; i++)
        in2[i] = -7;
    MPI_CHECK(MPI_Type_vector(N, 1, 2, MPI_INT, &every_other));
    MPI_CHECK(MPI_Type_commit(&every_other));
    MPI_CHECK(MPI_Isendrecv(out, N, MPI_INT, right, 40 + round, in2, 1, every_other, left,
                            40 + round, MPI_COMM_WORLD, &r[0]));
    MPI_CHECK(MPI_Isendrecv_replace(rep, N, MPI_INT, right, 41, left, 41, MPI_COMM_WORLD, &r[1]));
    if (moving)
        th_move();
    MPI_CHECK(MPI_Waitall(2, r, st));
    CHECK(r[0] == MPI_REQUEST_NULL && r[1] == MPI_REQUEST_NULL);
    for (i = 0; i < N; i++) {
        packed[i] = in2[2 * i];
        CHECKF(in2[2 * i + 1] == -7, "gap %d written", i);
    }
    CHECK_PATTERN(packed, sizeof(packed), left, rank, round);
    CHECK_PATTERN(rep, sizeof(rep), left, rank, round + 100);
    /* MPI 4.0 3.10: the status is the receive's; MPICH 4.0 leaves it empty */
    if (!th_library_is_mpich()) {
        CHECK(st[0].MPI_SOURCE == left && st[0].MPI_TAG == 40 + round);
        MPI_CHECK(MPI_Get_count(&st[1], MPI_INT, &n));
        CHECK(st[1].MPI_SOURCE == left && st[1].MPI_TAG == 41 && n == N);
    }
    MPI_CHECK(MPI_Type_free(&every_other));
}

/* Request_get_status: rank 0 receives from rank 1, which sends only after
 * rank 0 said it saw the receive incomplete. */
static void get_status(void)
{
    int v = -1, go = 1, flag = 1, n;
    MPI_Request r;
    MPI_Status st;

    if (rank == 0) {
        MPI_CHECK(MPI_Irecv(&v, 1, MPI_INT, 1, 50, MPI_COMM_WORLD, &r));
        MPI_CHECK(MPI_Request_get_status(r, &flag, &st));
        CHECK(flag == 0 && r != MPI_REQUEST_NULL);
        MPI_CHECK(MPI_Send(&go, 1, MPI_INT, 1, 51, MPI_COMM_WORLD));
        do
            MPI_CHECK(MPI_Request_get_status(r, &flag, &st));
        while (!flag);
        MPI_CHECK(MPI_Get_count(&st, MPI_INT, &n));
        CHECK(st.MPI_SOURCE == 1 && st.MPI_TAG == 50 && n == 1 && v == 4711);
        CHECK(r != MPI_REQUEST_NULL); /* still live: Wait completes it */
        MPI_CHECK(MPI_Wait(&r, &st));
        CHECK(r == MPI_REQUEST_NULL && st.MPI_SOURCE == 1);
        MPI_CHECK(MPI_Request_get_status(MPI_REQUEST_NULL, &flag, &st));
        CHECK(flag == 1 && st.MPI_SOURCE == MPI_ANY_SOURCE);
    } else if (rank == 1) {
        v = 4711;
        MPI_CHECK(MPI_Recv(&go, 1, MPI_INT, 0, 51, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        MPI_CHECK(MPI_Send(&v, 1, MPI_INT, 0, 50, MPI_COMM_WORLD));
    }
}

/* Generalized request callbacks: a log of calls in extra_state. */
struct greq_log {
    char calls[16]; /* 'q', 'f', 'c' or 'C' (cancel with complete = 1) */
    int n;
};

static int greq_query(void *extra, MPI_Status *st)
{
    struct greq_log *l = extra;

    l->calls[l->n++] = 'q';
    st->MPI_SOURCE = 12;
    st->MPI_TAG = 34;
    st->MPI_ERROR = MPI_SUCCESS;
    MPI_Status_set_elements(st, MPI_INT, 5);
    MPI_Status_set_cancelled(st, 0);
    return MPI_SUCCESS;
}

static int greq_free(void *extra)
{
    struct greq_log *l = extra;

    l->calls[l->n++] = 'f';
    return MPI_SUCCESS;
}

static int greq_cancel(void *extra, int complete)
{
    struct greq_log *l = extra;

    l->calls[l->n++] = complete ? 'C' : 'c';
    return MPI_SUCCESS;
}

/* Request_free of an incomplete generalized request must not run free_fn:
 * a second one is freed and checked before its completion. */
static int free_before_complete(struct greq_log *log)
{
    MPI_Request r, copy;
    int ok;

    log->n = 0;
    MPI_CHECK(MPI_Grequest_start(greq_query, greq_free, greq_cancel, log, &r));
    copy = r;
    MPI_CHECK(MPI_Request_free(&r));
    ok = r == MPI_REQUEST_NULL && log->n == 0;
    MPI_CHECK(MPI_Grequest_complete(copy));
    return ok && log->n == 1 && log->calls[0] == 'f';
}

/* A generalized request, completed after a move when moving is set. */
static void greq(int moving)
{
    struct greq_log log = {{0}, 0};
    MPI_Request r, copy;
    MPI_Status st;
    int flag = 1, n;
    MPI_Count nx;

    MPI_CHECK(MPI_Grequest_start(greq_query, greq_free, greq_cancel, &log, &r));
    MPI_CHECK(MPI_Test(&r, &flag, &st));
    CHECK(!flag && log.n == 0);
    MPI_CHECK(MPI_Cancel(&r));
    CHECK(log.n == 1 && log.calls[0] == 'c');
    if (moving)
        th_move();
    MPI_CHECK(MPI_Grequest_complete(r));
    MPI_CHECK(MPI_Request_get_status(r, &flag, &st));
    CHECK(flag && log.n == 2 && log.calls[1] == 'q');
    MPI_CHECK(MPI_Wait(&r, &st));
    CHECKF(log.n == 4 && memcmp(log.calls, "cqqf", 4) == 0, "calls %.*s", log.n, log.calls);
    CHECK(r == MPI_REQUEST_NULL && st.MPI_SOURCE == 12 && st.MPI_TAG == 34);
    MPI_CHECK(MPI_Get_count(&st, MPI_INT, &n));
    MPI_CHECK(MPI_Get_elements_x(&st, MPI_INT, &nx));
    CHECK(n == 5 && nx == 5);
    MPI_CHECK(MPI_Test_cancelled(&st, &flag));
    CHECK(!flag);

    /* Request_free first: free_fn runs at MPI_Grequest_complete */
    log.n = 0;
    MPI_CHECK(MPI_Grequest_start(greq_query, greq_free, greq_cancel, &log, &r));
    copy = r;
    MPI_CHECK(MPI_Request_free(&r));
    MPI_CHECK(MPI_Grequest_complete(copy));
    CHECK(r == MPI_REQUEST_NULL && log.n == 1 && log.calls[0] == 'f');
    /* MPI 4.0 13.2: free_fn runs in Request_free or Grequest_complete,
     * whichever comes last; MPICH 4.0 runs it in Request_free. */
    if (!th_library_is_mpich())
        CHECK(free_before_complete(&log));
}

/* Status setters on derived and partial counts. */
static void status_setters(void)
{
    MPI_Datatype pair;
    MPI_Status st;
    MPI_Count nx;
    int n;

    MPI_CHECK(MPI_Type_contiguous(2, MPI_DOUBLE, &pair));
    MPI_CHECK(MPI_Type_commit(&pair));
    /* MPI 4.0 13.3: Get_elements on the same type gives count back; MPICH
     * 4.0 stores count whole items (14 doubles here), so it is skipped there */
    MPI_CHECK(MPI_Status_set_elements(&st, pair, 7)); /* 3 pairs and a half */
    MPI_CHECK(MPI_Get_elements(&st, pair, &n));
    if (!th_library_is_mpich()) {
        CHECK(n == 7);
        MPI_CHECK(MPI_Get_count(&st, pair, &n));
        CHECK(n == MPI_UNDEFINED);
        MPI_CHECK(MPI_Get_count(&st, MPI_DOUBLE, &n));
        CHECK(n == 7);
    }
    MPI_CHECK(MPI_Status_set_elements_x(&st, MPI_DOUBLE, (MPI_Count)1 << 33));
    MPI_CHECK(MPI_Get_elements_x(&st, MPI_DOUBLE, &nx));
    CHECK(nx == (MPI_Count)1 << 33);
    MPI_CHECK(MPI_Status_set_cancelled(&st, 1));
    MPI_CHECK(MPI_Test_cancelled(&st, &n));
    CHECK(n == 1);
    MPI_CHECK(MPI_Get_elements_x(&st, MPI_DOUBLE, &nx));
    CHECK(nx == (MPI_Count)1 << 33);
    MPI_CHECK(MPI_Type_free(&pair));
}

/* Ibsend around the ring with an attached buffer. */
static void ibsend(void)
{
    int size_b = 2 * (N * (int)sizeof(int) + MPI_BSEND_OVERHEAD), sz, i;
    static int out[N], in[N];
    void *b = malloc((size_t)size_b), *back;
    MPI_Request r;
    int flag = 0;

    CHECK(b);
    MPI_CHECK(MPI_Buffer_attach(b, size_b));
    th_pattern_fill(out, sizeof(out), rank, -1, 77);
    MPI_CHECK(MPI_Ibsend(out, N, MPI_INT, (rank + 1) % size, 60, MPI_COMM_WORLD, &r));
    MPI_CHECK(MPI_Test(&r, &flag, MPI_STATUS_IGNORE));
    CHECK(flag); /* buffered: complete at once */
    for (i = 0; i < N; i++)
        out[i] = 0; /* the buffered copy went out, not this */
    MPI_CHECK(
        MPI_Recv(in, N, MPI_INT, (rank - 1 + size) % size, 60, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK_PATTERN(in, sizeof(in), (rank - 1 + size) % size, -1, 77);
    MPI_CHECK(MPI_Buffer_detach(&back, &sz));
    CHECK(back == b && sz == size_b);
    free(b);
}

static int handler_calls, handler_code;

static void record_handler(MPI_Comm *comm, int *code, ...)
{
    (void)comm;
    handler_calls++;
    handler_code = *code;
}

/* Added classes and codes, the MPI-1 handler names, memory, parent. */
static void codes_and_misc(void)
{
    int cls, code, code2, len, cls2;
    char text[MPI_MAX_ERROR_STRING];
    MPI_Errhandler eh, got;
    MPI_Comm parent = MPI_COMM_WORLD, dup;
    double *mem = NULL;

    MPI_CHECK(MPI_Add_error_class(&cls));
    MPI_CHECK(MPI_Add_error_code(cls, &code));
    MPI_CHECK(MPI_Add_error_code(MPI_ERR_ARG, &code2));
    CHECK(cls > MPI_ERR_LASTCODE || cls > MPIX_ERR_NOREQ);
    CHECK(class_of(cls) == cls && class_of(code) == cls && class_of(code2) == MPI_ERR_ARG);
    CHECK(code != cls && code2 != code);
    MPI_CHECK(MPI_Add_error_string(code, "reqmisc: my code"));
    MPI_CHECK(MPI_Error_string(code, text, &len));
    CHECK(strcmp(text, "reqmisc: my code") == 0 && len == 16);
    MPI_CHECK(MPI_Error_string(cls, text, &len));
    CHECK(len == 0); /* no string set: empty */

    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    MPI_CHECK(MPI_Errhandler_create(record_handler, &eh));
    MPI_CHECK(MPI_Errhandler_set(dup, eh));
    MPI_CHECK(MPI_Errhandler_get(dup, &got));
    CHECK(got == eh);
    MPI_CHECK(MPI_Errhandler_free(&got));
    MPI_CHECK(MPI_Comm_call_errhandler(dup, code));
    CHECK(handler_calls == 1 && handler_code == code);
    MPI_CHECK(MPI_Errhandler_free(&eh));
    MPI_CHECK(MPI_Comm_free(&dup));

    /* deleting: a class with codes stays, then goes; numbers are reused.
     * MPICH 4.0 differs in every refusal (it deletes a class that has
     * codes, answers MPI_ERR_OTHER, keeps deleted codes valid), so only
     * the deletions themselves run there. */
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    if (!th_library_is_mpich()) {
        CHECK(class_of(MPIX_Delete_error_class(cls)) == MPI_ERR_ARG);
        CHECK(class_of(MPIX_Delete_error_code(cls)) == MPI_ERR_ARG);
        CHECK(class_of(MPIX_Delete_error_class(MPI_ERR_ARG)) == MPI_ERR_ARG);
    }
    MPI_CHECK(MPIX_Delete_error_string(code));
    MPI_CHECK(MPI_Error_string(code, text, &len));
    CHECK(len == 0);
    MPI_CHECK(MPIX_Delete_error_code(code));
    MPI_CHECK(MPIX_Delete_error_code(code2));
    MPI_CHECK(MPIX_Delete_error_class(cls));
    if (!th_library_is_mpich()) {
        CHECK(class_of(MPI_Error_class(code, &cls2)) == MPI_ERR_ARG);
        MPI_CHECK(MPI_Add_error_class(&cls2));
        CHECK(cls2 == cls); /* the lowest free number again */
        MPI_CHECK(MPIX_Delete_error_class(cls2));
        CHECK(class_of(MPI_Add_error_code(cls, &code)) == MPI_ERR_ARG); /* deleted class */
        CHECK(class_of(MPI_Add_error_string(MPI_ERR_ARG, "no")) == MPI_ERR_ARG);
    }

    MPI_CHECK(MPI_Alloc_mem(1000 * sizeof(double), MPI_INFO_NULL, &mem));
    CHECK(mem);
    mem[0] = 1.5;
    mem[999] = 2.5;
    CHECK(mem[0] + mem[999] == 4.0);
    MPI_CHECK(MPI_Free_mem(mem));
    CHECK(class_of(MPI_Alloc_mem(-1, MPI_INFO_NULL, &mem)) == MPI_ERR_ARG);
    if (!th_library_is_mpich()) /* MPICH 4.0 crashes on a bad info handle */
        CHECK(class_of(MPI_Alloc_mem(8, (MPI_Info)0x9c00ffff, &mem)) == MPI_ERR_INFO);
    MPI_CHECK(MPI_Comm_get_parent(&parent));
    CHECK(parent == MPI_COMM_NULL);
    MPI_CHECK(MPI_Pcontrol(2));
    MPI_CHECK(MPI_Pcontrol(0, "any", 3));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

/* The error classes of bad arguments of the new calls. */
static void bad_args(void)
{
    MPI_Request r;
    MPI_Status st;
    int v = 0, flag;

    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK(class_of(MPI_Isendrecv(&v, 1, MPI_INT, size, 0, &v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD,
                                 &r)) == MPI_ERR_RANK);
    CHECK(class_of(MPI_Isendrecv(&v, 1, MPI_INT, 0, -3, &v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD,
                                 &r)) == MPI_ERR_TAG);
    CHECK(class_of(MPI_Isendrecv_replace(&v, -1, MPI_INT, 0, 0, 0, 0, MPI_COMM_WORLD, &r)) ==
          MPI_ERR_COUNT);
    CHECK(class_of(MPI_Isendrecv_replace(&v, 1, MPI_DATATYPE_NULL, 0, 0, 0, 0, MPI_COMM_WORLD,
                                         &r)) == MPI_ERR_TYPE);
    CHECK(class_of(MPI_Request_get_status((MPI_Request)0x12345, &flag, &st)) == MPI_ERR_REQUEST);
    CHECK(class_of(MPI_Grequest_complete(MPI_REQUEST_NULL)) == MPI_ERR_REQUEST);
    CHECK(class_of(MPI_Grequest_start(NULL, greq_free, greq_cancel, NULL, &r)) == MPI_ERR_ARG);
    CHECK(class_of(MPI_Ibsend(&v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, &r)) == MPI_ERR_BUFFER);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

/* Added codes still work after the rank moved (the table is in the container). */
static void codes_after_move(void)
{
    int cls, code, len;
    char text[MPI_MAX_ERROR_STRING];

    MPI_CHECK(MPI_Add_error_class(&cls));
    MPI_CHECK(MPI_Add_error_code(cls, &code));
    MPI_CHECK(MPI_Add_error_string(code, "still here"));
    th_move();
    CHECK(class_of(code) == cls);
    MPI_CHECK(MPI_Error_string(code, text, &len));
    CHECK(strcmp(text, "still here") == 0);
    MPI_CHECK(MPIX_Delete_error_code(code));
    MPI_CHECK(MPIX_Delete_error_class(cls));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "basic";
    int migrate = strcmp(mode, "migrate") == 0;
    int rounds = argc > 2 ? atoi(argv[2]) : 3, i, spares;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2, "needs 2 ranks, has %d", size);
    if (!migrate) {
        get_status();
        greq(0);
        status_setters();
        ibsend();
        codes_and_misc();
        bad_args();
        for (i = 0; i < rounds; i++)
            ring(i, 0);
    } else {
        MPI_CHECK(MPIX_Spare_count(&spares));
        CHECKF(spares >= 2, "needs 2 spares (--spares 2), has %d", spares);
        for (i = 0; i < rounds; i++) {
            /* ranks i and i + 1 move at the same moment, both ends of two
             * Isendrecv exchanges in flight */
            ring(i, rank == i % size || rank == (i + 1) % size);
            MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
            if (rank == (i + 2) % size) {
                greq(1);
                codes_after_move();
            }
            MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        }
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("reqmisc %s: OK %d ranks %d rounds\n", mode, size, rounds);
    MPI_Finalize();
    return 0;
}
