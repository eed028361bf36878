/* latency-profile.c: a ping-pong whose receives never wait, for callgrind.
 *
 * Why not bench/pingpong under callgrind: there one rank always waits for the
 * other, and the instructions of its polling loop grow with the time the
 * other takes, so they depend on the machine's load and on valgrind's speed,
 * not on the library (MPICH busy-polls: 80% of its count was empty polls).
 * Here the ranks take turns through a counter in a shared file, outside MPI:
 * a rank calls MPI_Recv only once the sender's MPI_Send has returned, so the
 * message already sits in the receiver's incoming queue (both libraries put
 * a small message there before the send returns) and no MPI call ran since
 * it landed. What callgrind counts inside MPI_Send and MPI_Recv is then the
 * work of one send and one receive with one successful poll, whatever the
 * load; two runs with different ITERS, subtracted, give the instructions of
 * one round trip (bench/run-latency-profile.sh).
 *
 * Uses only mpi.h, so one binary (built by MPICH's mpicc) runs on both MPICH
 * and nanvix-mpi. Usage: latency-profile SIZE ITERS TURN_FILE (2 ranks on one
 * host; TURN_FILE: a path both can create and map).
 * Rank 0 prints "size iters" when done.
 */
#include <fcntl.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Waits, outside MPI, until *turn reaches want. */
static void wait_turn(volatile unsigned *turn, unsigned want)
{
    while (__atomic_load_n(turn, __ATOMIC_ACQUIRE) != want)
        sched_yield();
}

int main(int argc, char **argv)
{
    int rank, size;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 4 || size < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: latency-profile SIZE ITERS TURN_FILE (2 ranks)\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int n = atoi(argv[1]), iters = atoi(argv[2]);
    char *buf = calloc(1, n > 0 ? (size_t)n : 1);
    int fd = open(argv[3], O_RDWR | O_CREAT, 0600);
    volatile unsigned *turn = MAP_FAILED;

    if (fd >= 0 && ftruncate(fd, 4096) == 0)
        turn = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (buf == NULL || turn == MAP_FAILED) {
        perror(argv[3]);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    for (unsigned i = 0; i < (unsigned)iters; i++) {
        if (rank == 0) {
            MPI_Send(buf, n, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
            __atomic_store_n(turn, 2 * i + 1, __ATOMIC_RELEASE);
            wait_turn(turn, 2 * i + 2);
            MPI_Recv(buf, n, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            wait_turn(turn, 2 * i + 1);
            MPI_Recv(buf, n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, n, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
            __atomic_store_n(turn, 2 * i + 2, __ATOMIC_RELEASE);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("%d %d\n", n, iters);
    free(buf);
    close(fd);
    MPI_Finalize();
    return 0;
}
