/* pi.c: computes pi by integrating 4 / (1 + x^2) over [0, 1] with the
 * midpoint rule; the intervals are dealt out round-robin to the ranks and
 * the partial sums are added with MPI_Reduce.
 * Usage: mpiexec -n 4 examples/pi [intervals]   (default 10000000) */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rank, size;
    long n = argc > 1 ? atol(argv[1]) : 10000000;
    double sum = 0.0, pi = 0.0, t0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Bcast(&n, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    double h = 1.0 / (double)n;
    for (long i = rank; i < n; i += size) {
        double x = h * ((double)i + 0.5);
        sum += 4.0 / (1.0 + x * x);
    }
    sum *= h;
    MPI_Reduce(&sum, &pi, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        printf("pi is approximately %.16f, error %.2e (%d ranks, %ld intervals, %.3f s)\n", pi,
               fabs(pi - 3.14159265358979323846), size, n, MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
