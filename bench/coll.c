/* coll.c: time of the collectives at a few message sizes.
 *
 * For each collective (allreduce, bcast, alltoall, allgather, reduce,
 * barrier, gather, scatter, reduce_scatter_block) and each size of the
 * command line (default 8 B, 1 KiB, 64 KiB, 1 MiB), every rank calls the
 * collective many times after a warm-up; the time of one call is the
 * slowest rank's average (MPI_MAX over the ranks). A short first run sets
 * the number of calls so that one trial lasts about TRIAL_SECONDS (ranks
 * busy-polling on an oversubscribed machine can take milliseconds per
 * call). Each point is measured TRIALS times and the best trial kept, so a
 * burst of other load on a small machine does not decide the figure (same
 * rule for both libraries).
 * The size is the bytes of one rank's contribution: the vector of
 * allreduce, reduce and bcast, one block of alltoall, allgather, gather,
 * scatter and reduce_scatter_block (MPI_INT sums for the reductions,
 * MPI_BYTE otherwise). Barrier is measured once, at size 0.
 * An argument --ops=NAME,NAME,... keeps only the named collectives, in
 * the order above (bench/run-messaging.sh measures the six of issue 16).
 * Rank 0 prints "# library: ..." and one line per point:
 * "name bytes usec".
 * Uses only mpi.h, so one binary (built by MPICH's mpicc) runs on both MPICH
 * and nanvix-mpi.
 *
 * Usage: coll [--ops=NAME,...] [sizes...]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIALS        3
#define TRIAL_SECONDS 0.25

enum { ALLREDUCE, BCAST, ALLTOALL, ALLGATHER, REDUCE, BARRIER, GATHER, SCATTER, RSBLOCK, NCOLL };
static const char *const names[NCOLL] = {"allreduce", "bcast",   "alltoall",
                                         "allgather", "reduce",  "barrier",
                                         "gather",    "scatter", "reduce_scatter_block"};

static char *sbuf, *rbuf;
static int wanted[NCOLL];

/* Marks the collectives named in the comma-separated list; 0 if a name is
 * unknown (a typo must not silently shrink the table). */
static int select_ops(const char *list)
{
    char copy[256], *save = NULL;

    snprintf(copy, sizeof copy, "%s", list);
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int which = 0;
        while (which < NCOLL && strcmp(names[which], tok) != 0)
            which++;
        if (which == NCOLL) {
            fprintf(stderr, "coll: unknown collective '%s'\n", tok);
            return 0;
        }
        wanted[which] = 1;
    }
    return 1;
}
static int nranks;

static void call(int which, size_t n)
{
    int ints = (int)(n / sizeof(int)) ? (int)(n / sizeof(int)) : 1;

    switch (which) {
    case ALLREDUCE:
        MPI_Allreduce(sbuf, rbuf, ints, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        break;
    case BCAST:
        MPI_Bcast(sbuf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
        break;
    case ALLTOALL:
        MPI_Alltoall(sbuf, (int)n, MPI_BYTE, rbuf, (int)n, MPI_BYTE, MPI_COMM_WORLD);
        break;
    case ALLGATHER:
        MPI_Allgather(sbuf, (int)n, MPI_BYTE, rbuf, (int)n, MPI_BYTE, MPI_COMM_WORLD);
        break;
    case REDUCE:
        MPI_Reduce(sbuf, rbuf, ints, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
        break;
    case BARRIER:
        MPI_Barrier(MPI_COMM_WORLD);
        break;
    case GATHER:
        MPI_Gather(sbuf, (int)n, MPI_BYTE, rbuf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
        break;
    case SCATTER:
        MPI_Scatter(sbuf, (int)n, MPI_BYTE, rbuf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
        break;
    case RSBLOCK:
        MPI_Reduce_scatter_block(sbuf, rbuf, ints, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        break;
    }
}

/* The slowest rank's average time of one call, in seconds. */
static double measure(int which, size_t n, int iters)
{
    double t0 = 0.0, t, tmax;

    for (int i = -1; i < iters; i++) {
        if (i == 0) {
            MPI_Barrier(MPI_COMM_WORLD);
            t0 = MPI_Wtime();
        }
        call(which, n);
    }
    t = (MPI_Wtime() - t0) / iters;
    MPI_Allreduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return tmax;
}

int main(int argc, char **argv)
{
    static const size_t defaults[] = {8, 1024, 65536, 1048576};
    size_t sizes[16], max = 0;
    int nsizes = 0, rank;

    for (int i = 0; i < NCOLL; i++)
        wanted[i] = 1;
    for (int i = 1; i < argc && nsizes < 16; i++) {
        if (strncmp(argv[i], "--ops=", 6) == 0) {
            memset(wanted, 0, sizeof wanted);
            if (!select_ops(argv[i] + 6))
                return 1;
            continue;
        }
        sizes[nsizes++] = (size_t)atol(argv[i]);
    }
    if (!nsizes)
        for (nsizes = 0; nsizes < 4; nsizes++)
            sizes[nsizes] = defaults[nsizes];
    for (int i = 0; i < nsizes; i++)
        max = sizes[i] > max ? sizes[i] : max;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    sbuf = malloc(max * (size_t)nranks + sizeof(int));
    rbuf = malloc(max * (size_t)nranks + sizeof(int));
    if (!sbuf || !rbuf)
        MPI_Abort(MPI_COMM_WORLD, 1);
    memset(sbuf, 1, max * (size_t)nranks + sizeof(int));
    memset(rbuf, 0, max * (size_t)nranks + sizeof(int));
    if (rank == 0) {
        char version[MPI_MAX_LIBRARY_VERSION_STRING];
        int len;
        MPI_Get_library_version(version, &len);
        printf("# library: %.*s\n", (int)strcspn(version, "\n"), version);
        printf("# ranks: %d\n", nranks);
    }
    for (int which = 0; which < NCOLL; which++)
        for (int s = 0; s < nsizes && wanted[which]; s++) {
            size_t n = which == BARRIER ? 0 : sizes[s];
            /* every rank gets the same estimate (a MAX over the ranks) */
            double est = measure(which, n, 3), best = 1e30;
            int iters = est > 0 ? (int)(TRIAL_SECONDS / est) : 1000;
            iters = iters < 3 ? 3 : iters > 1000 ? 1000 : iters;
            for (int t = 0; t < TRIALS; t++) {
                double x = measure(which, n, iters);
                best = x < best ? x : best;
            }
            if (rank == 0) {
                printf("%s %zu %.2f\n", names[which], n, best * 1e6);
                fflush(stdout);
            }
            if (which == BARRIER)
                break;
        }
    free(sbuf);
    free(rbuf);
    MPI_Finalize();
    return 0;
}
