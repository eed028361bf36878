/* topo_migrate.c: a 2-D periodic halo exchange on a Cartesian communicator
 * while ranks move.
 *
 * Each rank owns K cells. An iteration has three exchanges with the four
 * grid neighbours: a blocking MPI_Neighbor_alltoall, then an
 * MPI_Ineighbor_alltoall and then a start of a persistent
 * MPI_Neighbor_alltoall_init request, each still in flight while ranks
 * move; after each, every cell is updated from the received halos. Moves
 * with the nonblocking exchange in flight, by iteration (mode "move"; mode
 * "still" moves nobody; the persistent one has those of iteration it + 2):
 *  - it % 4 == 0: one rank moves with the nonblocking exchange in flight;
 *  - it % 4 == 1: a rank and its neighbour at +1 along dimension 0 (both
 *    ends of two of the messages in flight) move at the same moment;
 *  - it % 4 == 2: two ranks that are not neighbours move at the same moment
 *    (several at once, across the grid);
 *  - it % 4 == 3: a rank is moved by the last rank (MPIX_Migrate) while it
 *    is blocked inside the blocking exchange, waiting for that rank's halo.
 * Every rank runs the whole grid serially beside the real run, so after
 * every exchange each element of every received halo and every cell is
 * compared bit for bit with the reference. Rank 0 prints a checksum of the
 * final grid, which the script compares between the runs with and without
 * moves.
 *
 * argv[1]: "move" or "still"; argv[2] (optional): iterations (default 12).
 * Needs at least two spares in mode move.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testhelp_mpi.h"

#define K       64   /* cells per rank */
#define B       3000 /* ints per halo block (12 kB: past the eager size) */
#define MAXRANK 16

static int rank, size, dims[2], moving, moves, refusals;
static uint32_t ref[MAXRANK][K]; /* the whole grid, run serially */

static int coord_rank(int x, int y)
{
    x = (x % dims[0] + dims[0]) % dims[0];
    y = (y % dims[1] + dims[1]) % dims[1];
    return x * dims[1] + y;
}

/* Neighbour k of r: 0 = -1 and 1 = +1 along dimension 0, 2 and 3 along 1. */
static int nbr(int r, int k)
{
    int x = r / dims[1], y = r % dims[1], step = k % 2 ? 1 : -1;
    return k < 2 ? coord_rank(x + step, y) : coord_rank(x, y + step);
}

/* Element e of the block a rank with cells c sends to its neighbour k. */
static uint32_t halo(const uint32_t *c, int k, int e, int it, int phase)
{
    uint32_t v = c[e % K] ^ (uint32_t)(k + 1) * 0x9e3779b9u;
    return v + (uint32_t)e * 2654435761u + (uint32_t)(it * 3 + phase);
}

/* New cells from the old ones and the four received blocks (recv[k] from
 * neighbour k). */
static void update(uint32_t *c, const uint32_t *recv)
{
    for (int i = 0; i < K; i++) {
        uint32_t v = c[i] * 1103515245u + 12345u;
        for (int k = 0; k < 4; k++)
            v += (uint32_t)(k + 1) * recv[k * B + (i * 37 + k) % B];
        c[i] = v;
    }
}

/* One exchange of the reference: every rank receives in block k what
 * neighbour k sent towards it, i.e. in its block k ^ 1. */
static void ref_step(int it, int phase)
{
    static uint32_t next[MAXRANK][K];
    uint32_t *recv = malloc(sizeof(uint32_t) * 4 * B);

    CHECK(recv);
    for (int r = 0; r < size; r++) {
        for (int k = 0; k < 4; k++)
            for (int e = 0; e < B; e++)
                recv[k * B + e] = halo(ref[nbr(r, k)], k ^ 1, e, it, phase);
        memcpy(next[r], ref[r], sizeof(next[r]));
        update(next[r], recv);
    }
    memcpy(ref, next, sizeof(ref));
    free(recv);
}

static void fill(uint32_t *send, const uint32_t *c, int it, int phase)
{
    for (int k = 0; k < 4; k++)
        for (int e = 0; e < B; e++)
            send[k * B + e] = halo(c, k, e, it, phase);
}

/* Checks every received element and then the updated cells. */
static void verify(const uint32_t *recv, uint32_t *c, int it, int phase)
{
    for (int k = 0; k < 4; k++)
        for (int e = 0; e < B; e++) {
            uint32_t want = halo(ref[nbr(rank, k)], k ^ 1, e, it, phase);
            CHECKF(recv[k * B + e] == want, "it %d phase %d: block %d elem %d: %u want %u", it,
                   phase, k, e, recv[k * B + e], want);
        }
    update(c, recv);
    ref_step(it, phase);
    CHECKF(memcmp(c, ref[rank], sizeof(uint32_t) * K) == 0, "it %d phase %d: cells differ", it,
           phase);
}

/* Moves this rank to any spare. When several ranks ask at the same
 * moment, one may be refused with MPI_ERR_NO_SPACE while the spare it
 * wanted is being taken or the cluster another rank left is not idle yet
 * (as tests/soak allows); it asks again, up to 100 times 10 ms apart, and
 * must have moved in the end. */
static void move_self(void)
{
    struct timespec pause = {0, 10000000L};
    int c0, c1, rc, cls = MPI_ERR_NO_SPACE;

    MPI_CHECK(MPIX_Cluster_self(&c0));
    for (int tries = 0; cls == MPI_ERR_NO_SPACE && tries < 100; tries++) {
        if (tries > 0) {
            refusals++;
            nanosleep(&pause, NULL);
        }
        rc = MPI_Migrateto(MPIX_ANY_SPARE);
        MPI_Error_class(rc, &cls);
    }
    CHECKF(cls == MPI_SUCCESS, "rank %d: move failed, class %d", rank, cls);
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF(c1 != c0, "rank %d did not move", rank);
    moves++;
}

/* Ranks that move with the nonblocking exchange in flight at iteration it. */
static int moves_in_flight(int it, int r)
{
    int a = (it / 4) % size;

    if (!moving)
        return 0;
    switch (it % 4) {
    case 0:
        return r == a;
    case 1:
        return r == a || r == nbr(a, 1);
    case 2: /* a and the rank farthest from it on the grid */
        return r == a || r == coord_rank(a / dims[1] + dims[0] / 2, a % dims[1] + dims[1] / 2);
    default:
        return 0;
    }
}

/* The blocking exchange; at it % 4 == 3 the last rank first asks for its
 * neighbour at -1 along dimension 0 to move, while that one is blocked
 * waiting for the last rank's halo. A barrier comes first at those
 * iterations: a victim still busy with a move of its own from the iteration
 * before (a spare search retrying busy refusals can take 0.25 s) would take
 * the ask, which follows it, at its next wait there, before the exchange it
 * is checked inside (seen at 1 run in 6 with a faster message path). */
static void blocking_exchange(MPI_Comm cart, uint32_t *c, uint32_t *send, uint32_t *recv, int it)
{
    struct timespec pause = {0, 50000000L};
    int victim = nbr(size - 1, 0), c0, c1, inside = moving && it % 4 == 3 && victim != size - 1;

    fill(send, c, it, 0);
    if (inside)
        MPI_CHECK(MPI_Barrier(cart));
    MPI_CHECK(MPIX_Cluster_self(&c0));
    if (inside && rank == size - 1) {
        nanosleep(&pause, NULL); /* the victim is inside the call by now */
        MPI_CHECK(MPIX_Migrate(victim, MPIX_ANY_SPARE, cart));
        nanosleep(&pause, NULL);
    }
    MPI_CHECK(MPI_Neighbor_alltoall(send, B, MPI_UINT32_T, recv, B, MPI_UINT32_T, cart));
    MPI_CHECK(MPIX_Cluster_self(&c1));
    if (inside && rank == victim) {
        CHECKF(c0 != c1, "it %d: rank %d was not moved inside the exchange", it, rank);
        moves++;
    }
    verify(recv, c, it, 0);
}

static void iteration(MPI_Comm cart, uint32_t *c, uint32_t *send, uint32_t *recv, int it,
                      MPI_Request *persist)
{
    MPI_Request req;

    blocking_exchange(cart, c, send, recv, it);
    fill(send, c, it, 1);
    MPI_CHECK(MPI_Ineighbor_alltoall(send, B, MPI_UINT32_T, recv, B, MPI_UINT32_T, cart, &req));
    if (moves_in_flight(it, rank))
        move_self();
    MPI_CHECK(MPI_Wait(&req, MPI_STATUS_IGNORE));
    verify(recv, c, it, 1);
    /* The persistent exchange, on the same buffers, other ranks moving. */
    fill(send, c, it, 2);
    MPI_CHECK(MPI_Start(persist));
    if (moves_in_flight(it + 2, rank))
        move_self();
    MPI_CHECK(MPI_Wait(persist, MPI_STATUS_IGNORE));
    verify(recv, c, it, 2);
}

int main(int argc, char **argv)
{
    int iters = argc > 2 ? atoi(argv[2]) : 12, periods[2] = {1, 1}, spares, total = 0;
    uint32_t cells[K], *send, *recv, *all = NULL, sum = 0;
    int total_refusals = 0;
    MPI_Comm cart;
    MPI_Request persist;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    moving = argc > 1 && strcmp(argv[1], "move") == 0;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); /* see move_self */
    MPI_CHECK(MPIX_Spare_count(&spares));
    CHECKF(size <= MAXRANK && (!moving || spares >= 2), "needs <= %d ranks and 2 spares", MAXRANK);
    MPI_CHECK(MPI_Dims_create(size, 2, dims));
    MPI_CHECK(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart));
    for (int r = 0; r < size; r++)
        for (int i = 0; i < K; i++)
            ref[r][i] = (uint32_t)(r * 7919 + i * 104729 + 1);
    memcpy(cells, ref[rank], sizeof(cells));
    send = malloc(sizeof(uint32_t) * 4 * B);
    recv = malloc(sizeof(uint32_t) * 4 * B);
    CHECK(send && recv);
    MPI_CHECK(MPI_Neighbor_alltoall_init(send, B, MPI_UINT32_T, recv, B, MPI_UINT32_T, cart,
                                         MPI_INFO_NULL, &persist));
    for (int it = 0; it < iters; it++)
        iteration(cart, cells, send, recv, it, &persist);
    MPI_CHECK(MPI_Request_free(&persist));
    /* The checksum is of the real cells, gathered, not of the reference. */
    if (rank == 0)
        CHECK(all = malloc(sizeof(uint32_t) * K * (size_t)size));
    MPI_CHECK(MPI_Gather(cells, K, MPI_UINT32_T, all, K, MPI_UINT32_T, 0, MPI_COMM_WORLD));
    for (int i = 0; rank == 0 && i < K * size; i++)
        sum = sum * 31u + all[i];
    free(all);
    MPI_CHECK(MPI_Reduce(&moves, &total, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Reduce(&refusals, &total_refusals, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Comm_free(&cart));
    free(send);
    free(recv);
    if (rank == 0) {
        printf("topo_migrate: OK %d ranks %d iterations %d moves (%d refusals asked again)\n", size,
               iters, total, total_refusals);
        printf("topo_migrate: grid checksum %08x\n", sum);
    }
    MPI_Finalize();
    return 0;
}
