/* rma_migrate.c: one-sided operations in flight while their origin, their
 * target, or several ranks at once move, each applied exactly once.
 *
 * Every rank owns two windows: one made by MPI_Win_allocate (counters, in
 * its heap) and one by MPI_Win_create over a global array (sums). Each
 * round, inside MPI_Win_lock_all, every rank issues OPS MPI_Fetch_and_op
 * (+1) on the counter of target T = round % size and OPS MPI_Accumulate
 * (SUM) of (rank + 1) into slot round of every rank's sums, then moves
 * (modes below) with those operations still unflushed, then flushes and
 * unlocks. Then every rank increments a counter of T EXCL times under an
 * exclusive lock (Get, flush, Put), the movers moving while they hold it.
 * A round in fence mode does the same with MPI_Put of a pattern
 * and MPI_Win_fence. The checks:
 *  - the values MPI_Fetch_and_op returned for one target are exactly
 *    0 .. total-1 (a permutation: none lost, none applied twice);
 *  - every counter and every sum equals the serial reference (a lost
 *    exclusive-lock update means two ranks held the lock at once);
 *  - every Put pattern is there bit for bit;
 *  - a rank really moved when it asked (MPIX_Cluster_self changed).
 * Modes (argv[1]): origin (the round's mover is one origin), target (the
 * round's target moves while the others' operations to it are in flight),
 * many (half the ranks move at the same moment), third (rank 0 moves
 * another rank with MPIX_Migrate while that rank is inside MPI_Win_flush).
 * argv[2]: rounds. Needs spares (--spares >= size / 2 for many).
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

#define OPS    40
#define EXCL   5 /* exclusive-lock increments per rank and round */
#define ROUNDS 64

static int rank, size;
static long sums[ROUNDS]; /* window memory in the container's globals */
static long patterns[ROUNDS][8];

/* Moves the caller to any spare and checks that it left its cluster. */
static void move_self(int round)
{
    int before, after;

    MPI_CHECK(MPIX_Cluster_self(&before));
    MPI_CHECK(MPI_Migrateto(MPIX_ANY_SPARE));
    MPI_CHECK(MPIX_Cluster_self(&after));
    CHECKF(after != before, "round %d: still on cluster %d", round, before);
}

/* Whether rank r moves in round with mode. */
static int moves(const char *mode, int round, int r)
{
    if (!strcmp(mode, "origin"))
        return r == (round + 1) % size;
    if (!strcmp(mode, "target"))
        return r == round % size;
    if (!strcmp(mode, "many"))
        return r % 2 == round % 2;
    return 0;
}

/* One passive round: fetch-and-add on target T, accumulates into every
 * rank, a move in the middle. fetched[i] gets what op i returned. */
static void round_passive(const char *mode, int round, MPI_Win cw, MPI_Win sw, long *fetched)
{
    int t = round % size, i, r;
    long one = 1, add = rank + 1;

    MPI_CHECK(MPI_Win_lock_all(0, cw));
    MPI_CHECK(MPI_Win_lock_all(0, sw));
    for (i = 0; i < OPS; i++) {
        MPI_CHECK(MPI_Fetch_and_op(&one, &fetched[i], MPI_LONG, t, 0, MPI_SUM, cw));
        r = (rank + i) % size;
        MPI_CHECK(MPI_Accumulate(&add, 1, MPI_LONG, r, round, 1, MPI_LONG, MPI_SUM, sw));
        if (i == OPS / 2 && moves(mode, round, rank))
            move_self(round); /* operations of both windows still in flight */
        if (i == OPS / 2 && !strcmp(mode, "third") && rank == 0 && size > 1)
            MPI_CHECK(MPIX_Migrate(1 + round % (size - 1), MPIX_ANY_SPARE, MPI_COMM_WORLD));
    }
    MPI_CHECK(MPI_Win_flush_all(sw));
    MPI_CHECK(MPI_Win_unlock_all(sw));
    MPI_CHECK(MPI_Win_unlock_all(cw));
}

/* Exclusive locks that move: a read-modify-write of slot 1 of target T's
 * counters (Get, flush, Put) under MPI_LOCK_EXCLUSIVE; a mover moves while
 * it holds the lock, so the lock queue at the target and the holder both
 * move. A lost update means two ranks held the lock at once. */
static void round_exclusive(const char *mode, int round, MPI_Win cw)
{
    int t = round % size, i;
    long v;

    for (i = 0; i < EXCL; i++) {
        MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, t, 0, cw));
        MPI_CHECK(MPI_Get(&v, 1, MPI_LONG, t, 1, 1, MPI_LONG, cw));
        MPI_CHECK(MPI_Win_flush(t, cw));
        v++;
        if (i == 1 && moves(mode, round, rank))
            move_self(round);
        MPI_CHECK(MPI_Put(&v, 1, MPI_LONG, t, 1, 1, MPI_LONG, cw));
        MPI_CHECK(MPI_Win_unlock(t, cw));
    }
}

/* One fence round: each rank puts its pattern into its right neighbour,
 * moves, and the fence completes it. */
static void round_fence(const char *mode, int round, MPI_Win pw)
{
    long mine[8];
    int i;

    for (i = 0; i < 8; i++)
        mine[i] = ((long)rank << 32) ^ ((long)round << 8) ^ i;
    MPI_CHECK(MPI_Win_fence(0, pw));
    MPI_CHECK(MPI_Put(mine, 8, MPI_LONG, (rank + 1) % size, round * 8, 8, MPI_LONG, pw));
    if (moves(mode, round, rank))
        move_self(round);
    MPI_CHECK(MPI_Win_fence(0, pw));
    for (i = 0; i < 8; i++) {
        long want = ((long)((rank - 1 + size) % size) << 32) ^ ((long)round << 8) ^ i;
        CHECKF(patterns[round][i] == want, "round %d: put item %d = %lx want %lx", round, i,
               (unsigned long)patterns[round][i], (unsigned long)want);
    }
}

/* Values fetched from each target must be a permutation of 0..total-1. */
static void check_fetched(int rounds, const long *fetched)
{
    long *all = rank == 0 ? malloc(sizeof(long) * (size_t)(size * rounds * OPS)) : NULL;
    int t, r, i, k;

    MPI_CHECK(MPI_Gather(fetched, rounds * OPS, MPI_LONG, all, rounds * OPS, MPI_LONG, 0,
                         MPI_COMM_WORLD));
    if (rank != 0)
        return;
    for (t = 0; t < size; t++) {
        long total = 0;
        char *seen;
        for (r = t; r < rounds; r += size)
            total += (long)size * OPS;
        seen = calloc((size_t)total + 1, 1);
        CHECK(seen);
        for (k = 0; k < size; k++)
            for (r = t; r < rounds; r += size)
                for (i = 0; i < OPS; i++) {
                    long v = all[(k * rounds + r) * OPS + i];
                    CHECKF(v >= 0 && v < total && !seen[v],
                           "target %d: fetched %ld twice or out of range", t, v);
                    seen[v] = 1;
                }
        free(seen);
    }
    free(all);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "origin";
    int rounds = argc > 2 ? atoi(argv[2]) : 8, r, i, flavor, *fl;
    long *counter, *fetched, want;
    MPI_Win cw, sw, pw;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(rounds > 0 && rounds <= ROUNDS);
    fetched = calloc((size_t)rounds * OPS, sizeof(long));
    CHECK(fetched);
    MPI_CHECK(MPI_Win_allocate(2 * sizeof(long), sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD,
                               &counter, &cw));
    counter[0] = counter[1] = 0;
    MPI_CHECK(MPI_Win_create(sums, sizeof(sums), sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &sw));
    MPI_CHECK(MPI_Win_create(patterns, sizeof(patterns), sizeof(long), MPI_INFO_NULL,
                             MPI_COMM_WORLD, &pw));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    for (r = 0; r < rounds; r++) {
        round_passive(mode, r, cw, sw, fetched + r * OPS);
        round_exclusive(mode, r, cw);
        round_fence(mode, r, pw);
    }
    MPI_CHECK(MPI_Win_fence(MPI_MODE_NOSUCCEED, pw));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    /* counters: OPS per rank for every round that targeted this rank */
    for (want = 0, r = rank; r < rounds; r += size)
        want += (long)size * OPS;
    CHECKF(counter[0] == want, "counter %ld want %ld", counter[0], want);
    for (want = 0, r = rank; r < rounds; r += size)
        want += (long)size * EXCL;
    CHECKF(counter[1] == want, "exclusive counter %ld want %ld", counter[1], want);
    /* sums: in round r, rank k added (k + 1) once for every i with (k + i) % size == rank */
    for (r = 0; r < rounds; r++) {
        for (want = 0, i = 0; i < OPS; i++)
            want += (rank - i % size + size) % size + 1;
        CHECKF(sums[r] == want, "round %d: sum %ld want %ld", r, sums[r], want);
    }
    check_fetched(rounds, fetched);
    MPI_CHECK(MPI_Win_get_attr(cw, MPI_WIN_CREATE_FLAVOR, &fl, &flavor));
    CHECK(flavor && *fl == MPI_WIN_FLAVOR_ALLOCATE);
    MPI_CHECK(MPI_Win_free(&pw));
    MPI_CHECK(MPI_Win_free(&sw));
    MPI_CHECK(MPI_Win_free(&cw));
    if (rank == 0)
        printf("rma_migrate %s: OK %d ranks %d rounds\n", mode, size, rounds);
    free(fetched);
    MPI_Finalize();
    return 0;
}
