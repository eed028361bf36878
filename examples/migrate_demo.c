/* migrate_demo.c: a computation during which a rank moves to another cluster.
 *
 * Every rank owns a slice of a vector of 64-bit integers and runs ITERS
 * rounds of an update that needs its neighbours' boundary values (halo
 * exchange) and a global reduction. Half-way through, rank 1 moves itself to
 * a spare cluster with MPI_Migrateto and later rank 0 asks rank 2 to move
 * with MPIX_Migrate; the computation goes on unchanged. At the end rank 0
 * recomputes the whole thing serially and compares the checksums bit for bit,
 * and every rank that moved prints the figures of its move.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_PER_RANK 65536
#define ITERS      40

/* One round of the update over a slice with its two halo values. */
static void update(uint64_t *v, int n, uint64_t left, uint64_t right, uint64_t global)
{
    uint64_t prev = left;
    int i;

    for (i = 0; i < n; i++) {
        uint64_t next = i + 1 < n ? v[i + 1] : right;
        uint64_t cur = v[i];

        v[i] = cur * 6364136223846793005ULL + (prev ^ next) + global;
        prev = cur;
    }
}

static uint64_t checksum(const uint64_t *v, int n)
{
    uint64_t h = 1469598103934665603ULL;
    int i;

    for (i = 0; i < n; i++)
        h = (h ^ v[i]) * 1099511628211ULL;
    return h;
}

/* The same computation on one process, for verification. */
static uint64_t serial_reference(int size)
{
    int n = N_PER_RANK * size, it, r;
    uint64_t *v = malloc((size_t)n * sizeof(*v)), *old = malloc((size_t)n * sizeof(*v));
    uint64_t sum, h;

    for (int i = 0; i < n; i++)
        v[i] = (uint64_t)i * 2654435761u;
    for (it = 0; it < ITERS; it++) {
        sum = 0;
        for (int i = 0; i < n; i++)
            sum += v[i];
        memcpy(old, v, (size_t)n * sizeof(*v));
        for (r = 0; r < size; r++) {
            uint64_t left = old[(r * N_PER_RANK + n - 1) % n];
            uint64_t right = old[((r + 1) * N_PER_RANK) % n];

            update(v + r * N_PER_RANK, N_PER_RANK, left, right, sum);
        }
    }
    h = checksum(v, n);
    free(v);
    free(old);
    return h;
}

static void report_move(int rank)
{
    double t[5];
    long long bytes;
    int moves, cluster;

    MPIX_Migration_stats(t, &bytes, &moves);
    MPIX_Cluster_self(&cluster);
    printf("rank %d now on cluster %d after %d move(s): %lld bytes; freeze %.3f ms, transfer "
           "%.3f ms, restore %.3f ms, route update %.3f ms; downtime %.3f ms\n",
           rank, cluster, moves, bytes, t[0] * 1e3, t[1] * 1e3, t[2] * 1e3, t[3] * 1e3, t[4] * 1e3);
}

int main(int argc, char **argv)
{
    int rank, size, it, spares;
    uint64_t *v, local, global, mine, all;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPIX_Spare_count(&spares);
    v = malloc(N_PER_RANK * sizeof(*v));
    for (int i = 0; i < N_PER_RANK; i++)
        v[i] = (uint64_t)(rank * N_PER_RANK + i) * 2654435761u;
    for (it = 0; it < ITERS; it++) {
        uint64_t left, right;

        if (it == ITERS / 2 && rank == 1 && spares > 0 &&
            MPI_Migrateto(MPIX_ANY_SPARE) == MPI_SUCCESS)
            report_move(rank);
        if (it == ITERS / 2 + 5 && rank == 0 && size > 2 && spares > 1)
            MPIX_Migrate(2, MPIX_ANY_SPARE, MPI_COMM_WORLD); /* rank 2 moves at its next wait */
        local = 0;
        for (int i = 0; i < N_PER_RANK; i++)
            local += v[i];
        MPI_Allreduce(&local, &global, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        MPI_Sendrecv(&v[N_PER_RANK - 1], 1, MPI_UINT64_T, (rank + 1) % size, 0, &left, 1,
                     MPI_UINT64_T, (rank + size - 1) % size, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Sendrecv(&v[0], 1, MPI_UINT64_T, (rank + size - 1) % size, 1, &right, 1, MPI_UINT64_T,
                     (rank + 1) % size, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        update(v, N_PER_RANK, left, right, global);
    }
    if (rank == 2 && spares > 1)
        report_move(rank);
    mine = checksum(v, N_PER_RANK);
    /* Gather the slices' data at rank 0 for the whole-vector checksum. */
    if (rank == 0) {
        uint64_t *whole = malloc((size_t)size * N_PER_RANK * sizeof(*whole));

        memcpy(whole, v, N_PER_RANK * sizeof(*v));
        for (int r = 1; r < size; r++)
            MPI_Recv(whole + r * N_PER_RANK, N_PER_RANK, MPI_UINT64_T, r, 9, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        all = checksum(whole, size * N_PER_RANK);
        {
            uint64_t ref = serial_reference(size);

            printf("checksum %016llx, serial reference %016llx: %s\n", (unsigned long long)all,
                   (unsigned long long)ref, all == ref ? "VERIFIED" : "MISMATCH");
            free(whole);
            MPI_Finalize();
            return all == ref ? 0 : 1;
        }
    }
    MPI_Send(v, N_PER_RANK, MPI_UINT64_T, 0, 9, MPI_COMM_WORLD);
    (void)mine;
    MPI_Finalize();
    return 0;
}
