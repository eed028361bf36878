/* migrate_busy.c: ranks moved again and again on a busy node, checked bit
 * for bit, and leaving no boost behind (issue 15 item 4).
 *
 * migrate_busy MIB MOVES
 *   Every rank holds MIB MiB of heap filled with a pattern of (rank, word)
 *   and remembers the nice of its thread and of its autogroup where it
 *   starts. Each of MOVES rounds, every rank posts a receive from its left
 *   neighbour and a rendezvous-size send to its right one, then moves to
 *   any spare (all ranks at the same moment, their messages in flight),
 *   and once arrived completes both and checks the payload, its whole heap
 *   and its global counter. The threads that ran the move's stream were
 *   boosted (nanvix-port/np_boost.c: nice -20 where permitted) only while it
 *   ran: the rank must find its new thread and autogroup at the nice it
 *   started with, so a boost left behind fails here (and every cluster of
 *   the job starts at the same nice, so this holds on a spare too).
 * migrate_busy.sh runs it with busy loops on every core. Rank 0 prints
 * "migrate_busy: OK MIB MiB MOVES moves".
 */
#define _GNU_SOURCE
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testhelp_mpi.h"

#define MSG_INTS (1 << 16) /* 256 KiB: past the eager limit */

static uint64_t g_moves; /* a global: moved with the rank */

static uint64_t word_of(int rank, size_t i)
{
    uint64_t x = ((uint64_t)rank << 48) ^ (i * 0x9e3779b97f4a7c15ULL);

    x ^= x >> 29;
    return x * 0xbf58476d1ce4e5b9ULL;
}

static int thread_nice(void)
{
    return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
}

/* The autogroup's nice, or 0 without autogroups. */
static int group_nice(void)
{
    FILE *f = fopen("/proc/self/autogroup", "r");
    int nice = 0;

    if (f != NULL) {
        if (fscanf(f, "%*s nice %d", &nice) != 1)
            nice = 0;
        fclose(f);
    }
    return nice;
}

int main(int argc, char **argv)
{
    int rank, size, nice0, group0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(argc == 3, "usage: migrate_busy MIB MOVES");
    size_t words = (size_t)atoi(argv[1]) << 17, moves = (size_t)atoi(argv[2]);
    uint64_t *heap = malloc(words * sizeof(*heap));
    int *out = malloc(MSG_INTS * sizeof(int)), *in = malloc(MSG_INTS * sizeof(int));
    CHECK(heap != NULL && out != NULL && in != NULL);
    for (size_t i = 0; i < words; i++)
        heap[i] = word_of(rank, i);
    nice0 = thread_nice();
    group0 = group_nice();
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    for (size_t m = 0; m < moves; m++) {
        MPI_Request req[2];

        for (int i = 0; i < MSG_INTS; i++)
            out[i] = (int)(m * 1000003u) ^ (rank << 20) ^ i;
        MPI_CHECK(MPI_Irecv(in, MSG_INTS, MPI_INT, left, (int)m, MPI_COMM_WORLD, &req[0]));
        MPI_CHECK(MPI_Isend(out, MSG_INTS, MPI_INT, right, (int)m, MPI_COMM_WORLD, &req[1]));
        th_move();
        g_moves++;
        MPI_CHECK(MPI_Waitall(2, req, MPI_STATUSES_IGNORE));
        for (int i = 0; i < MSG_INTS; i++)
            CHECKF(in[i] == ((int)(m * 1000003u) ^ (left << 20) ^ i),
                   "move %zu: message word %d from rank %d", m, i, left);
        for (size_t i = 0; i < words; i++)
            CHECKF(heap[i] == word_of(rank, i), "move %zu: heap word %zu", m, i);
        CHECKF(g_moves == m + 1, "move %zu: global counter %llu", m, (unsigned long long)g_moves);
        CHECKF(thread_nice() == nice0, "move %zu: thread nice %d, started at %d", m, thread_nice(),
               nice0);
        CHECKF(group_nice() == group0, "move %zu: autogroup nice %d, started at %d", m,
               group_nice(), group0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("migrate_busy: OK %s MiB %zu moves\n", argv[1], moves);
    free(heap);
    free(out);
    free(in);
    MPI_Finalize();
    return 0;
}
