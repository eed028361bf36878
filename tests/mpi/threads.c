/* threads.c: MPI_THREAD_MULTIPLE, and moves of a rank whose threads come and go.
 *
 * Usage: threads multiple ITERS
 *   Run with -n N --spares >= N. Every rank, in rounds:
 *   1. Four threads at once, each ITERS messages to the right neighbour and
 *      from the left one on MPI_COMM_WORLD with its own tag (eager and
 *      rendezvous sizes, every byte checked, sender order checked), an
 *      allreduce every 16 messages on its own duplicate of the world or on
 *      one it made itself at the same moment as its siblings, and a
 *      blocking receive from the rank itself that another thread answers
 *      (which only completes if a waiting thread lets the others into MPI).
 *   2. While one of its threads waits in MPI_Recv, MPI_Migrateto is refused
 *      with MPI_ERR_UNSUPPORTED_OPERATION and a message naming threads, and
 *      the rank stays on its cluster.
 *   3. Every thread posts an MPI_Irecv and ends; half of the matching
 *      messages are sent, then every rank moves to a spare at the same
 *      moment (messages in flight to moving ranks, requests made by threads
 *      that no longer exist), then the other half is sent; the main thread
 *      completes the threads' requests and checks every byte, and uses
 *      the communicators the threads made.
 *   Round 2 repeats 1 on the new clusters. Prints
 *   "threads multiple: rank R OK moves M refused 1" per rank.
 * Usage: threads hold DIR
 *   Rank 1 runs a thread blocked in MPI_Recv; prints "threads hold: running
 *   on cluster C" and waits in MPI until DIR/refused exists (an outside
 *   mpimigrate must be refused meanwhile; the script then makes the file),
 *   then ends the thread, prints "threads hold: joined", waits in MPI until
 *   it has moved (an outside mpimigrate now succeeds) and prints "threads
 *   hold: OK moved to C".
 */
#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS   4
#define TAG_RING   10
#define TAG_SELF   100
#define TAG_POSTED 200
#define TAG_HOLD   300
#define BIG        70000 /* above the eager limit: rendezvous */

static int me, nranks, iters, failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "threads: rank %d: FAIL: ", me);                                       \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);                                    \
        }                                                                                          \
    } while (0)

static unsigned char pattern(int from, int thread, int i, int j)
{
    return (unsigned char)(from * 131 + thread * 17 + i * 7 + j * 3 + (j >> 8));
}

static int msg_len(int i)
{
    return i % 8 == 7 ? BIG + i : 1 + (i * 37) % 500;
}

static void fill(unsigned char *b, int len, int from, int thread, int i)
{
    for (int j = 0; j < len; j++)
        b[j] = pattern(from, thread, i, j);
}

static int same(const unsigned char *b, int len, int from, int thread, int i)
{
    for (int j = 0; j < len; j++)
        if (b[j] != pattern(from, thread, i, j))
            return 0;
    return 1;
}

struct worker {
    int id;
    MPI_Comm comm;      /* its own duplicate of the world, for collectives */
    MPI_Comm made;      /* a duplicate the thread made itself (used after moves) */
    MPI_Request posted; /* step 3: its receive, completed by the main thread */
    unsigned char *buf; /* step 3: that receive's buffer */
};

/* Round step 1, one thread: the ring, the allreduces, the self receive. */
static void *ring_worker(void *arg)
{
    struct worker *w = arg;
    int right = (me + 1) % nranks, left = (me + nranks - 1) % nranks;
    unsigned char *out = malloc(BIG + iters), *in = malloc(BIG + iters);

    /* Communicators made by four threads at once: each must get ids of
     * its own (a shared id would mix the allreduces below). */
    if (w->made != MPI_COMM_NULL)
        MPI_Comm_free(&w->made);
    MPI_Comm_dup(w->comm, &w->made);
    for (int i = 0; i < iters; i++) {
        MPI_Request rq;
        MPI_Status st;
        int len = msg_len(i), got;

        fill(out, len, me, w->id, i);
        MPI_Isend(out, len, MPI_BYTE, right, TAG_RING + w->id, MPI_COMM_WORLD, &rq);
        MPI_Recv(in, BIG + iters, MPI_BYTE, left, TAG_RING + w->id, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_BYTE, &got);
        CHECK(got == len && st.MPI_SOURCE == left && st.MPI_TAG == TAG_RING + w->id,
              "thread %d message %d: %d bytes from %d tag %d", w->id, i, got, st.MPI_SOURCE,
              st.MPI_TAG);
        CHECK(got == len && same(in, len, left, w->id, i),
              "thread %d message %d: wrong bytes (out of order or corrupted)", w->id, i);
        MPI_Wait(&rq, MPI_STATUS_IGNORE);
        if (i % 16 == 15) {
            long v = (long)(me + 1) * (w->id + 1) * i, sum = 0;
            MPI_Allreduce(&v, &sum, 1, MPI_LONG, MPI_SUM, i % 32 == 15 ? w->comm : w->made);
            CHECK(sum == (long)nranks * (nranks + 1) / 2 * (w->id + 1) * i,
                  "thread %d allreduce %d: %ld", w->id, i, sum);
        }
    }
    /* Threads 0 and 1 pair up through the rank itself: 0 blocks first. */
    if (w->id == 0) {
        MPI_Recv(in, BIG, MPI_BYTE, me, TAG_SELF, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(same(in, BIG, me, 9, 0), "self receive: wrong bytes");
    } else if (w->id == 1) {
        usleep(20000);
        fill(out, BIG, me, 9, 0);
        MPI_Send(out, BIG, MPI_BYTE, me, TAG_SELF, MPI_COMM_WORLD);
    }
    free(out);
    free(in);
    return NULL;
}

static void run_threads(void *(*fn)(void *), struct worker *w)
{
    pthread_t t[NTHREADS];

    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, fn, &w[i]) != 0) {
            fprintf(stderr, "threads: pthread_create failed\n");
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
}

static void *hold_worker(void *arg)
{
    int v = 0;

    (void)arg;
    MPI_Recv(&v, 1, MPI_INT, me, TAG_HOLD, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(v == 4242, "hold: got %d", v);
    return NULL;
}

/* Round step 2: a move is refused while a thread of the rank runs. */
static void refused_while_threads(void)
{
    pthread_t t;
    int c0, c1, err, cls, len, v = 4242, flag;
    char msg[MPI_MAX_ERROR_STRING];

    MPIX_Cluster_self(&c0);
    pthread_create(&t, NULL, hold_worker, NULL);
    usleep(10000); /* let it block in MPI_Recv (either way it is alive) */
    err = MPI_Migrateto(MPIX_ANY_SPARE);
    MPI_Error_class(err, &cls);
    MPI_Error_string(err, msg, &len);
    MPIX_Cluster_self(&c1);
    CHECK(cls == MPI_ERR_UNSUPPORTED_OPERATION, "move with a thread: class %d, want %d (%s)", cls,
          MPI_ERR_UNSUPPORTED_OPERATION, msg);
    CHECK(strstr(msg, "threads") != NULL, "move with a thread: message '%s'", msg);
    CHECK(c0 == c1, "move with a thread: the rank left cluster %d for %d", c0, c1);
    MPI_Is_thread_main(&flag);
    CHECK(flag, "MPI_Is_thread_main is false on the main thread");
    MPI_Send(&v, 1, MPI_INT, me, TAG_HOLD, MPI_COMM_WORLD);
    pthread_join(t, NULL);
}

static void *post_worker(void *arg)
{
    struct worker *w = arg;
    int left = (me + nranks - 1) % nranks;
    unsigned char *buf = malloc(BIG); /* read by the main thread, freed there */
    int flag = 1;

    MPI_Is_thread_main(&flag);
    CHECK(!flag, "MPI_Is_thread_main is true on thread %d", w->id);
    w->buf = buf;
    MPI_Irecv(buf, BIG, MPI_BYTE, left, TAG_POSTED + w->id, MPI_COMM_WORLD, &w->posted);
    return NULL;
}

/* Round step 3: requests of threads that ended complete after every rank
 * moved, with half of their messages in flight during the moves. */
static int posted_across_moves(struct worker *w)
{
    MPI_Request sends[NTHREADS];
    unsigned char *out[NTHREADS];
    int right = (me + 1) % nranks, left = (me + nranks - 1) % nranks, err;

    run_threads(post_worker, w);
    for (int i = 0; i < NTHREADS; i++) {
        out[i] = malloc(BIG);
        fill(out[i], i % 2 ? BIG : 100, me, 50 + i, 0);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* every receive posted */
    for (int i = 0; i < NTHREADS / 2; i++)
        MPI_Isend(out[i], i % 2 ? BIG : 100, MPI_BYTE, right, TAG_POSTED + i, MPI_COMM_WORLD,
                  &sends[i]);
    err = MPI_Migrateto(MPIX_ANY_SPARE);
    CHECK(err == MPI_SUCCESS, "move after the threads ended: error %d", err);
    for (int i = NTHREADS / 2; i < NTHREADS; i++)
        MPI_Isend(out[i], i % 2 ? BIG : 100, MPI_BYTE, right, TAG_POSTED + i, MPI_COMM_WORLD,
                  &sends[i]);
    for (int i = 0; i < NTHREADS; i++) {
        MPI_Status st;
        unsigned char *buf = w[i].buf;
        int got;

        MPI_Wait(&w[i].posted, &st);
        MPI_Get_count(&st, MPI_BYTE, &got);
        CHECK(got == (i % 2 ? BIG : 100) && same(buf, got, left, 50 + i, 0),
              "request posted by thread %d: %d bytes, wrong or missing", i, got);
        free(buf);
    }
    MPI_Waitall(NTHREADS, sends, MPI_STATUSES_IGNORE);
    for (int i = 0; i < NTHREADS; i++) { /* communicators threads made, after the move */
        int v = me + i, sum = 0;

        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, w[i].made);
        CHECK(sum == nranks * (nranks - 1) / 2 + nranks * i,
              "allreduce after the move on thread %d's communicator: %d", i, sum);
    }
    for (int i = 0; i < NTHREADS; i++)
        free(out[i]);
    return err == MPI_SUCCESS;
}

static int multiple(void)
{
    struct worker w[NTHREADS];
    int moves = 0;

    for (int i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        MPI_Comm_dup(MPI_COMM_WORLD, &w[i].comm);
        w[i].made = MPI_COMM_NULL;
    }
    for (int round = 0; round < 2; round++) {
        run_threads(ring_worker, w);
        MPI_Barrier(MPI_COMM_WORLD);
        if (round == 0)
            refused_while_threads();
        MPI_Barrier(MPI_COMM_WORLD);
        if (round == 0)
            moves += posted_across_moves(w);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    for (int i = 0; i < NTHREADS; i++) {
        MPI_Comm_free(&w[i].comm);
        MPI_Comm_free(&w[i].made);
    }
    return moves;
}

/* Rank 1 waits inside MPI (a rank blocked in MPI is at a safe point), in
 * blocking receives that rank 0 answers after a few milliseconds, until
 * `file` exists (file != NULL) or the rank has left cluster `from`, for at
 * most 60 s. Returns the cluster it is on then. */
static int wait_in_mpi(const char *file, int from)
{
    double end = MPI_Wtime() + 60;
    int c = from, go = 1;

    while (MPI_Wtime() < end && c == from && !(file && access(file, F_OK) == 0)) {
        MPI_Send(&go, 1, MPI_INT, 0, TAG_HOLD + 1, MPI_COMM_WORLD);
        MPI_Recv(&go, 1, MPI_INT, 0, TAG_HOLD + 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPIX_Cluster_self(&c);
    }
    return c;
}

/* Rank 0's side of wait_in_mpi: answers each ping after 5 ms, until a
 * ping says stop. */
static void answer_pings(void)
{
    int go = 1;

    while (go) {
        MPI_Recv(&go, 1, MPI_INT, 1, TAG_HOLD + 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        usleep(5000);
        if (go)
            MPI_Send(&go, 1, MPI_INT, 1, TAG_HOLD + 2, MPI_COMM_WORLD);
    }
}

/* threads hold DIR: see the head comment; DIR/refused is made by the
 * script once its first request was refused. */
static void hold(const char *dir)
{
    char refused[4096];
    pthread_t t;
    int c0, c1, v = 4242, stop = 0;

    snprintf(refused, sizeof(refused), "%s/refused", dir);
    if (me == 0)
        answer_pings();
    if (me == 1) {
        MPIX_Cluster_self(&c0);
        pthread_create(&t, NULL, hold_worker, NULL);
        printf("threads hold: running on cluster %d\n", c0);
        fflush(stdout);
        c1 = wait_in_mpi(refused, c0);
        CHECK(c1 == c0, "hold: moved from %d to %d while a thread ran", c0, c1);
        MPI_Send(&v, 1, MPI_INT, me, TAG_HOLD, MPI_COMM_WORLD);
        pthread_join(t, NULL);
        printf("threads hold: joined\n");
        fflush(stdout);
        c1 = wait_in_mpi(NULL, c0);
        CHECK(c1 != c0, "hold: still on cluster %d after the thread ended", c0);
        MPI_Send(&stop, 1, MPI_INT, 0, TAG_HOLD + 1, MPI_COMM_WORLD);
        if (c1 != c0)
            printf("threads hold: OK moved to %d\n", c1);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv)
{
    int provided, q, moves = 0, all;

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Query_thread(&q);
    CHECK(provided == MPI_THREAD_MULTIPLE && q == MPI_THREAD_MULTIPLE,
          "MPI_THREAD_MULTIPLE not granted: provided %d, query %d", provided, q);
    if (argc == 3 && strcmp(argv[1], "multiple") == 0) {
        iters = atoi(argv[2]);
        moves = multiple();
    } else if (argc == 3 && strcmp(argv[1], "hold") == 0 && nranks >= 2) {
        hold(argv[2]);
    } else {
        if (me == 0)
            fprintf(stderr, "usage: threads multiple ITERS | hold DIR (2 ranks or more)\n");
        MPI_Finalize();
        return 2;
    }
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (argc == 3 && strcmp(argv[1], "multiple") == 0 && failures == 0)
        printf("threads multiple: rank %d OK moves %d refused 1\n", me, moves);
    MPI_Finalize();
    return all ? 1 : 0;
}
