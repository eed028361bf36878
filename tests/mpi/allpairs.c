/* allpairs.c: every rank exchanges a payload with every rank (itself
 * included) for sizes around the eager limit and up to 16 MiB; each payload
 * is checked by length, by checksum (sent separately by its sender) and
 * byte for byte against its pattern.
 *
 * Usage: allpairs [max_bytes]   (default 16 MiB; smaller sizes are kept).
 * Round k pairs rank r with r + k (send) and r - k (receive), mod size.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

#define MIB (1024 * 1024)

/* Exchanges one payload of n bytes in round k; verifies what arrives. */
static void exchange(int rank, int size, int k, size_t n, char *sbuf, char *rbuf)
{
    int to = (rank + k) % size, from = (rank + size - k) % size, count;
    uint64_t sum_out, sum_in = 0;
    MPI_Request req[4];
    MPI_Status st[4];

    th_pattern_fill(sbuf, n, rank, to, k);
    sum_out = th_fnv1a(sbuf, n);
    memset(rbuf, 0xa5, n);
    MPI_CHECK(MPI_Irecv(rbuf, (int)n, MPI_BYTE, from, 10, MPI_COMM_WORLD, &req[0]));
    MPI_CHECK(MPI_Irecv(&sum_in, 1, MPI_UINT64_T, from, 11, MPI_COMM_WORLD, &req[1]));
    MPI_CHECK(MPI_Isend(sbuf, (int)n, MPI_BYTE, to, 10, MPI_COMM_WORLD, &req[2]));
    MPI_CHECK(MPI_Isend(&sum_out, 1, MPI_UINT64_T, to, 11, MPI_COMM_WORLD, &req[3]));
    MPI_CHECK(MPI_Waitall(4, req, st));
    MPI_CHECK(MPI_Get_count(&st[0], MPI_BYTE, &count));
    CHECKF((size_t)count == n, "%zu bytes from %d: got count %d", n, from, count);
    CHECKF(st[0].MPI_SOURCE == from && st[0].MPI_TAG == 10, "status source %d tag %d",
           st[0].MPI_SOURCE, st[0].MPI_TAG);
    CHECKF(th_fnv1a(rbuf, n) == sum_in, "%zu bytes from %d: checksum %016llx, sender says %016llx",
           n, from, (unsigned long long)th_fnv1a(rbuf, n), (unsigned long long)sum_in);
    CHECKF(sum_in == th_pattern_checksum(n, from, rank, k), "%zu bytes from %d: wrong pattern", n,
           from);
    CHECK_PATTERN(rbuf, n, from, rank, k);
}

int main(int argc, char **argv)
{
    size_t e = th_eager_limit();
    size_t sizes[] = {0, 1, 100, e - 1, e, e + 1, 1 * MIB, 16 * MIB};
    size_t max = argc > 1 ? (size_t)atol(argv[1]) : 16 * MIB;
    int rank, size, nsizes = (int)(sizeof(sizes) / sizeof(sizes[0]));
    char *sbuf, *rbuf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sbuf = malloc(max > 0 ? max : 1);
    rbuf = malloc(max > 0 ? max : 1);
    CHECK(sbuf && rbuf);
    for (int s = 0; s < nsizes && sizes[s] <= max; s++) {
        for (int k = 0; k < size; k++)
            exchange(rank, size, k, sizes[s], sbuf, rbuf);
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0)
            printf("allpairs: %zu bytes OK\n", sizes[s]);
    }
    free(sbuf);
    free(rbuf);
    if (rank == 0)
        printf("allpairs: OK %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
