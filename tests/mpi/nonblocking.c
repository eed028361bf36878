/* nonblocking.c: nonblocking point-to-point and its completion calls.
 *
 * One function per feature: Isend/Irecv + Waitall, Waitany, Waitsome,
 * Testall/Testany/Test, Probe/Iprobe + Get_count, Sendrecv and
 * Sendrecv_replace, Ssend and Issend (synchronous semantics checked with a
 * handshake, not timing), Request_free, MPI_PROC_NULL, and completion calls
 * on MPI_REQUEST_NULL. Every payload is pattern-checked. Needs 2+ ranks.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhelp_mpi.h"

static int rank, size;

/* Posts one receive from every other rank into bufs[i] (n bytes each). */
static int post_from_all(char **bufs, size_t n, int tag, MPI_Request *req)
{
    int k = 0;

    for (int r = 0; r < size; r++)
        if (r != rank)
            MPI_CHECK(MPI_Irecv(bufs[r], (int)n, MPI_BYTE, r, tag, MPI_COMM_WORLD, &req[k++]));
    return k;
}

static char **alloc_bufs(size_t n)
{
    char **bufs = calloc((size_t)size, sizeof(char *));

    CHECK(bufs != NULL);
    for (int r = 0; r < size; r++) {
        bufs[r] = malloc(n + 1);
        CHECK(bufs[r] != NULL);
    }
    return bufs;
}

static void free_bufs(char **bufs)
{
    for (int r = 0; r < size; r++)
        free(bufs[r]);
    free(bufs);
}

static void check_all(char **bufs, size_t n, int iter)
{
    for (int r = 0; r < size; r++)
        if (r != rank)
            CHECK_PATTERN(bufs[r], n, r, rank, iter);
}

static void test_waitall(void)
{
    size_t n = 3 * th_eager_limit();
    char **rb = alloc_bufs(n), **sb = alloc_bufs(n);
    MPI_Request *req = malloc(2 * (size_t)size * sizeof(*req));
    MPI_Status *st = malloc(2 * (size_t)size * sizeof(*st));
    int k;

    CHECK(req && st);
    k = post_from_all(rb, n, 1, req);
    for (int r = 0; r < size; r++) {
        if (r == rank)
            continue;
        th_pattern_fill(sb[r], n, rank, r, 1);
        MPI_CHECK(MPI_Isend(sb[r], (int)n, MPI_BYTE, r, 1, MPI_COMM_WORLD, &req[k++]));
    }
    MPI_CHECK(MPI_Waitall(k, req, st));
    for (int i = 0; i < k; i++)
        CHECK(req[i] == MPI_REQUEST_NULL);
    for (int i = 0; i < size - 1; i++) {
        int count;
        MPI_CHECK(MPI_Get_count(&st[i], MPI_BYTE, &count));
        CHECKF((size_t)count == n && st[i].MPI_TAG == 1, "count %d tag %d", count, st[i].MPI_TAG);
    }
    check_all(rb, n, 1);
    free_bufs(rb);
    free_bufs(sb);
    free(req);
    free(st);
}

/* Rank 0 completes one receive per peer with Waitany (or Waitsome). */
static void test_waitany_some(int some)
{
    size_t n = 100;
    char **rb = alloc_bufs(n), *sb = malloc(n);
    MPI_Request *req = malloc((size_t)size * sizeof(*req));
    int *idx = malloc((size_t)size * sizeof(int)), *seen = calloc((size_t)size, sizeof(int));
    MPI_Status *st = malloc((size_t)size * sizeof(*st));
    int done = 0, k, cnt, i;

    CHECK(sb && req && idx && seen && st);
    if (rank != 0) {
        usleep(1000 * (unsigned)(size - rank)); /* complete in reverse order */
        th_pattern_fill(sb, n, rank, 0, 2 + some);
        MPI_CHECK(MPI_Send(sb, (int)n, MPI_BYTE, 0, 2, MPI_COMM_WORLD));
    } else {
        k = post_from_all(rb, n, 2, req);
        while (done < k) {
            if (some) {
                MPI_CHECK(MPI_Waitsome(k, req, &cnt, idx, st));
                CHECK(cnt >= 1 && cnt <= k - done);
            } else {
                MPI_CHECK(MPI_Waitany(k, req, &idx[0], &st[0]));
                cnt = 1;
            }
            for (i = 0; i < cnt; i++) {
                CHECKF(idx[i] >= 0 && idx[i] < k && !seen[idx[i]], "index %d", idx[i]);
                CHECK(req[idx[i]] == MPI_REQUEST_NULL);
                seen[idx[i]] = 1;
                CHECK(st[i].MPI_SOURCE == idx[i] + 1);
            }
            done += cnt;
        }
        MPI_CHECK(MPI_Waitany(k, req, &i, &st[0]));
        CHECK(i == MPI_UNDEFINED);
        MPI_CHECK(MPI_Waitsome(k, req, &cnt, idx, st));
        CHECK(cnt == MPI_UNDEFINED);
        for (int r = 1; r < size; r++)
            CHECK_PATTERN(rb[r], n, r, 0, 2 + some);
    }
    free_bufs(rb);
    free(sb);
    free(req);
    free(idx);
    free(seen);
    free(st);
}

/* Ring exchange completed by polling with Testall, Testany and Test. */
static void test_tests(void)
{
    size_t n = 2 * th_eager_limit();
    int right = (rank + 1) % size, left = (rank + size - 1) % size, flag = 0, idx;
    char *sb = malloc(n), *rb = malloc(n);
    MPI_Request req[2];
    MPI_Status st[2];

    CHECK(sb && rb);
    for (int variant = 0; variant < 3; variant++) {
        th_pattern_fill(sb, n, rank, right, 10 + variant);
        MPI_CHECK(MPI_Irecv(rb, (int)n, MPI_BYTE, left, 3, MPI_COMM_WORLD, &req[0]));
        MPI_CHECK(MPI_Isend(sb, (int)n, MPI_BYTE, right, 3, MPI_COMM_WORLD, &req[1]));
        if (variant == 0) {
            do
                MPI_CHECK(MPI_Testall(2, req, &flag, st));
            while (!flag);
        } else if (variant == 1) {
            for (int got = 0; got < 2;) {
                MPI_CHECK(MPI_Testany(2, req, &idx, &flag, st));
                if (flag && idx != MPI_UNDEFINED)
                    got++;
            }
        } else {
            for (int i = 0; i < 2; i++) {
                do
                    MPI_CHECK(MPI_Test(&req[i], &flag, &st[i]));
                while (!flag);
            }
        }
        CHECK(req[0] == MPI_REQUEST_NULL && req[1] == MPI_REQUEST_NULL);
        CHECK_PATTERN(rb, n, left, rank, 10 + variant);
    }
    free(sb);
    free(rb);
}

/* Each peer sends rank 0 a message of a size rank 0 does not know. */
static void test_probe(void)
{
    int count, flag;
    MPI_Status st;

    if (rank != 0) {
        size_t n = (size_t)rank * 1000 + (rank % 2 ? th_eager_limit() : 0) + 3;
        char *b = malloc(n);
        CHECK(b != NULL);
        th_pattern_fill(b, n, rank, 0, 20);
        MPI_CHECK(MPI_Send(b, (int)n, MPI_BYTE, 0, 4, MPI_COMM_WORLD));
        if (rank == 1) /* 7 bytes: not a whole number of ints */
            MPI_CHECK(MPI_Send(b, 7, MPI_BYTE, 0, 14, MPI_COMM_WORLD));
        free(b);
        return;
    }
    for (int i = 1; i < size; i++) {
        if (i % 2) {
            MPI_CHECK(MPI_Probe(MPI_ANY_SOURCE, 4, MPI_COMM_WORLD, &st));
        } else {
            do
                MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, 4, MPI_COMM_WORLD, &flag, &st));
            while (!flag);
        }
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        char *b = malloc((size_t)count + 1);
        CHECK(b != NULL && st.MPI_TAG == 4);
        int src = st.MPI_SOURCE;
        MPI_CHECK(MPI_Recv(b, count, MPI_BYTE, src, 4, MPI_COMM_WORLD, &st));
        CHECK_PATTERN(b, (size_t)count, src, 0, 20);
        free(b);
    }
    /* Get_count in a type that does not divide the byte count. */
    char seven[8];
    MPI_CHECK(MPI_Recv(seven, 8, MPI_BYTE, 1, 14, MPI_COMM_WORLD, &st));
    MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
    CHECK(count == 7);
    MPI_CHECK(MPI_Get_count(&st, MPI_INT, &count));
    CHECK(count == MPI_UNDEFINED);
}

static void test_sendrecv(void)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    size_t n = th_eager_limit() + 1;
    char *sb = malloc(n), *rb = malloc(n);
    MPI_Status st;

    CHECK(sb && rb);
    th_pattern_fill(sb, n, rank, right, 30);
    MPI_CHECK(MPI_Sendrecv(sb, (int)n, MPI_BYTE, right, 5, rb, (int)n, MPI_BYTE, left, 5,
                           MPI_COMM_WORLD, &st));
    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == 5);
    CHECK_PATTERN(rb, n, left, rank, 30);
    th_pattern_fill(sb, n, rank, right, 31);
    MPI_CHECK(MPI_Sendrecv_replace(sb, (int)n, MPI_BYTE, right, 6, left, 6, MPI_COMM_WORLD, &st));
    CHECK_PATTERN(sb, n, left, rank, 31);
    free(sb);
    free(rb);
}

/* Ssend/Issend between ranks 0 and 1: the send cannot complete before rank
 * 1 posts its receive, which it does only after rank 0 says "go". */
static void test_synchronous(void)
{
    int v = 42, flag = 1, go = 1;
    MPI_Request req;

    if (rank == 0) {
        MPI_CHECK(MPI_Issend(&v, 1, MPI_INT, 1, 7, MPI_COMM_WORLD, &req));
        for (int i = 0; i < 20; i++) {
            MPI_CHECK(MPI_Test(&req, &flag, MPI_STATUS_IGNORE));
            CHECKF(!flag, "Issend completed before the receive was posted");
            usleep(1000);
        }
        MPI_CHECK(MPI_Send(&go, 1, MPI_INT, 1, 8, MPI_COMM_WORLD));
        MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
        MPI_CHECK(MPI_Ssend(&v, 1, MPI_INT, 1, 9, MPI_COMM_WORLD));
    } else if (rank == 1) {
        MPI_CHECK(MPI_Recv(&go, 1, MPI_INT, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        MPI_CHECK(MPI_Recv(&v, 1, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(v == 42);
        v = 0;
        MPI_CHECK(MPI_Recv(&v, 1, MPI_INT, 0, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(v == 42);
    }
}

static void test_request_free(void)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    size_t n = 2 * th_eager_limit();
    char *sb = malloc(n), *rb = malloc(n);
    MPI_Request req;

    CHECK(sb && rb);
    th_pattern_fill(sb, n, rank, right, 40);
    MPI_CHECK(MPI_Isend(sb, (int)n, MPI_BYTE, right, 10, MPI_COMM_WORLD, &req));
    MPI_CHECK(MPI_Request_free(&req));
    CHECK(req == MPI_REQUEST_NULL);
    MPI_CHECK(MPI_Recv(rb, (int)n, MPI_BYTE, left, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK_PATTERN(rb, n, left, rank, 40);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD)); /* our send was received, so it is done */
    free(sb);
    free(rb);
}

static void test_proc_null(void)
{
    int v = 5, count = -1;
    MPI_Status st;
    MPI_Request req[2];
    MPI_Status sts[2];

    MPI_CHECK(MPI_Send(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Recv(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st));
    MPI_CHECK(MPI_Get_count(&st, MPI_INT, &count));
    CHECKF(st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG && count == 0 && v == 5,
           "source %d tag %d count %d", st.MPI_SOURCE, st.MPI_TAG, count);
    MPI_CHECK(MPI_Irecv(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &req[0]));
    MPI_CHECK(MPI_Wait(&req[0], &st));
    /* MPICH before 4.2 leaves this status at 0/0: pmodels/mpich#6805 */
    CHECKF(th_library_is_mpich() || (st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG),
           "Irecv from MPI_PROC_NULL: source %d tag %d", st.MPI_SOURCE, st.MPI_TAG);
    MPI_CHECK(MPI_Isend(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &req[0]));
    MPI_CHECK(MPI_Irecv(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &req[1]));
    MPI_CHECK(MPI_Waitall(2, req, sts));
    CHECK(req[0] == MPI_REQUEST_NULL && req[1] == MPI_REQUEST_NULL);
    MPI_CHECK(MPI_Sendrecv(&v, 1, MPI_INT, MPI_PROC_NULL, 0, &count, 1, MPI_INT, MPI_PROC_NULL, 0,
                           MPI_COMM_WORLD, &st));
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL);
}

static void test_request_null(void)
{
    MPI_Request req[3] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    MPI_Status st, sts[3];
    int flag = 0, idx = 0, count = -1;

    MPI_CHECK(MPI_Wait(&req[0], &st));
    MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
    CHECKF(st.MPI_SOURCE == MPI_ANY_SOURCE && st.MPI_TAG == MPI_ANY_TAG && count == 0,
           "empty status: source %d tag %d count %d", st.MPI_SOURCE, st.MPI_TAG, count);
    MPI_CHECK(MPI_Waitall(3, req, sts));
    MPI_CHECK(MPI_Test(&req[0], &flag, MPI_STATUS_IGNORE));
    CHECK(flag);
    MPI_CHECK(MPI_Testany(3, req, &idx, &flag, MPI_STATUS_IGNORE));
    CHECK(flag && idx == MPI_UNDEFINED);
    MPI_CHECK(MPI_Testall(3, req, &flag, sts));
    CHECK(flag);
}

struct nb_case {
    void (*run)(void);
    const char *name;
};

static void test_waitany(void)
{
    test_waitany_some(0);
}
static void test_waitsome(void)
{
    test_waitany_some(1);
}

static const struct nb_case cases[] = {
    {test_waitall, "Isend/Irecv/Waitall"},
    {test_waitany, "Waitany"},
    {test_waitsome, "Waitsome"},
    {test_tests, "Testall/Testany/Test"},
    {test_probe, "Probe/Iprobe/Get_count"},
    {test_sendrecv, "Sendrecv/Sendrecv_replace"},
    {test_synchronous, "Ssend/Issend"},
    {test_request_free, "Request_free"},
    {test_proc_null, "MPI_PROC_NULL"},
    {test_request_null, "MPI_REQUEST_NULL"},
};

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2, "needs at least 2 ranks, got %d", size);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cases[i].run();
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0)
            printf("nonblocking: %s OK\n", cases[i].name);
    }
    if (rank == 0)
        printf("nonblocking: OK\n");
    MPI_Finalize();
    return 0;
}
