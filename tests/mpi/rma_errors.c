/* rma_errors.c: bad RMA calls return the exact MPI error class, through the
 * window's error handler, and leave the window usable.
 *
 * With MPI_ERRORS_RETURN on the window (and on MPI_COMM_WORLD for the calls
 * that have no window yet), each bad call below must return its class; a
 * user window error handler must be called with the window and the class;
 * after all of them a fence epoch still moves data bit for bit.
 * Prints "rma_errors: OK <n> ranks".
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

static int rank, size;

#define EXPECT(call, cls)                                                                          \
    do {                                                                                           \
        int e_ = (call), c_ = -1;                                                                  \
        MPI_Error_class(e_, &c_);                                                                  \
        CHECKF(c_ == (cls), "%s gave class %d, want %d (%s)", #call, c_, (cls), #cls);             \
    } while (0)

/* EXPECT, except that MPICH 4.0 (the reference run) returns mpich_cls where
 * the standard names cls. */
#define EXPECT_STD(call, cls, mpich_cls) EXPECT(call, th_library_is_mpich() ? (mpich_cls) : (cls))

/* A check MPICH 4.0 does not make (the call would write outside the window
 * there): run on our library only. */
#define EXPECT_OURS(call, cls)                                                                     \
    do {                                                                                           \
        if (!th_library_is_mpich())                                                                \
            EXPECT(call, cls);                                                                     \
    } while (0)

static MPI_Win handler_win;
static int handler_class;
static void on_error(MPI_Win *w, int *cls, ...)
{
    handler_win = *w;
    MPI_Error_class(*cls, &handler_class); /* MPICH passes a code, not a class */
}

static void user_op(void *in, void *inout, int *n, MPI_Datatype *dt)
{
    (void)in;
    (void)inout;
    (void)n;
    (void)dt;
}

int main(int argc, char **argv)
{
    int mem[16], v = 1, r = 0, kv = 12345, flag;
    int right;
    void *p;
    MPI_Aint sz;
    MPI_Win w, bad = MPI_WIN_NULL;
    MPI_Errhandler eh;
    MPI_Op op;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    right = (rank + 1) % size;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    /* creation */
    EXPECT(MPI_Win_create(mem, -1, 4, MPI_INFO_NULL, MPI_COMM_WORLD, &w), MPI_ERR_SIZE);
    EXPECT(MPI_Win_create(mem, sizeof(mem), 0, MPI_INFO_NULL, MPI_COMM_WORLD, &w), MPI_ERR_DISP);
    EXPECT(MPI_Win_create(mem, 64, 4, MPI_INFO_NULL, MPI_COMM_NULL, &w), MPI_ERR_COMM);
    EXPECT(MPI_Win_fence(0, bad), MPI_ERR_WIN);
    EXPECT(MPI_Put(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, bad), MPI_ERR_WIN);
    MPI_CHECK(MPI_Win_create(mem, sizeof(mem), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &w));
    MPI_CHECK(MPI_Win_set_errhandler(w, MPI_ERRORS_RETURN));
    /* synchronization out of place */
    EXPECT(MPI_Put(&v, 1, MPI_INT, right, 0, 1, MPI_INT, w), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_unlock(right, w), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_complete(w), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_wait(w), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_unlock_all(w), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_flush(right, w), MPI_ERR_RMA_SYNC);
    EXPECT_STD(MPI_Win_lock(3, right, 0, w), MPI_ERR_LOCKTYPE, MPI_ERR_ARG);
    EXPECT(MPI_Win_lock(MPI_LOCK_SHARED, size, 0, w), MPI_ERR_RANK);
    EXPECT_STD(MPI_Win_fence(0x7, w), MPI_ERR_ASSERT, MPI_ERR_ARG);
    MPI_CHECK(MPI_Win_fence(0, w));
    /* operation arguments inside an epoch */
    EXPECT_OURS(MPI_Put(&v, 1, MPI_INT, right, 16, 1, MPI_INT, w), MPI_ERR_RMA_RANGE);
    EXPECT_OURS(MPI_Put(&v, 2, MPI_INT, right, 15, 2, MPI_INT, w), MPI_ERR_RMA_RANGE);
    EXPECT(MPI_Get(&v, 1, MPI_INT, right, -1, 1, MPI_INT, w), MPI_ERR_DISP);
    EXPECT(MPI_Put(&v, 1, MPI_INT, size, 0, 1, MPI_INT, w), MPI_ERR_RANK);
    EXPECT(MPI_Put(&v, -1, MPI_INT, right, 0, 1, MPI_INT, w), MPI_ERR_COUNT);
    EXPECT(MPI_Put(&v, 1, MPI_DATATYPE_NULL, right, 0, 1, MPI_INT, w), MPI_ERR_TYPE);
    EXPECT_OURS(MPI_Accumulate(&v, 1, MPI_INT, right, 0, 1, MPI_FLOAT, MPI_SUM, w), MPI_ERR_TYPE);
    MPI_CHECK(MPI_Op_create(user_op, 1, &op));
    EXPECT(MPI_Accumulate(&v, 1, MPI_INT, right, 0, 1, MPI_INT, op, w), MPI_ERR_OP);
    MPI_CHECK(MPI_Op_free(&op));
    EXPECT(MPI_Win_shared_query(w, rank, &sz, &r, &p), MPI_ERR_RMA_FLAVOR);
    EXPECT(MPI_Win_detach(w, mem), MPI_ERR_RMA_FLAVOR);
    EXPECT(MPI_Win_get_attr(w, kv, &p, &flag), MPI_ERR_KEYVAL);
    /* a user handler sees the window and the class */
    MPI_CHECK(MPI_Win_create_errhandler(on_error, &eh));
    MPI_CHECK(MPI_Win_set_errhandler(w, eh));
    MPI_CHECK(MPI_Errhandler_free(&eh));
    EXPECT(MPI_Put(&v, 1, MPI_INT, size, 0, 1, MPI_INT, w), MPI_ERR_RANK);
    CHECK(handler_win == w && handler_class == MPI_ERR_RANK);
    MPI_CHECK(MPI_Win_call_errhandler(w, MPI_ERR_OTHER));
    CHECK(handler_class == MPI_ERR_OTHER);
    MPI_CHECK(MPI_Win_set_errhandler(w, MPI_ERRORS_RETURN));
    /* still usable */
    v = 4000 + rank;
    MPI_CHECK(MPI_Put(&v, 1, MPI_INT, right, 3, 1, MPI_INT, w));
    MPI_CHECK(MPI_Win_fence(0, w));
    CHECKF(mem[3] == 4000 + (rank - 1 + size) % size, "mem[3] %d", mem[3]);
    /* freeing a window inside an epoch */
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, right, 0, w));
    EXPECT(MPI_Win_lock(MPI_LOCK_SHARED, right, 0, w), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_free(&w), MPI_ERR_RMA_SYNC);
    MPI_CHECK(MPI_Win_unlock(right, w));
    MPI_CHECK(MPI_Win_free(&w));
    CHECK(w == MPI_WIN_NULL);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("rma_errors: OK %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
