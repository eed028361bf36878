/* comm_migrate.c: communicators, groups, attributes and persistent requests
 * keep working while ranks migrate between calls.
 *
 * Every round one rank (in turn) moves to any spare cluster; before and
 * after the move all ranks use a split communicator (two colors, reversed
 * keys), a duplicate of MPI_COMM_WORLD carrying an attribute and a name, a
 * persistent send/receive pair on it, a receive posted before the move and
 * completed after it, and a communicator created afterwards (its context
 * ids are agreed with ranks that moved). Every payload and every collective
 * result is compared with a serial reference. Since all of this state lives
 * in the rank's container, a move must not change any of it.
 *
 * argv[1] (optional): rounds (default 6). Needs at least one spare.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

static int rank, size;
static MPI_Comm split, dup;
static int keyval, *attr_value;
static int sv, rv;
static MPI_Request persist[2];

/* World ranks of the split communicator of color c (reversed order). */
static int split_members(int c, int *out)
{
    int n = 0, w;

    for (w = size - 1; w >= 0; w--)
        if (w % 2 == c)
            out[n++] = w;
    return n;
}

static void setup(void)
{
    char name[MPI_MAX_OBJECT_NAME];
    int len;

    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &split));
    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    MPI_CHECK(MPI_Comm_set_name(dup, "migrating dup"));
    MPI_CHECK(MPI_Comm_get_name(dup, name, &len));
    CHECK(strcmp(name, "migrating dup") == 0);
    MPI_CHECK(MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL));
    attr_value = malloc(sizeof(int));
    CHECK(attr_value);
    *attr_value = 4242 + rank;
    MPI_CHECK(MPI_Comm_set_attr(dup, keyval, attr_value));
    MPI_CHECK(MPI_Send_init(&sv, 1, MPI_INT, (rank + 1) % size, 3, dup, &persist[0]));
    MPI_CHECK(MPI_Recv_init(&rv, 1, MPI_INT, (rank - 1 + size) % size, 3, dup, &persist[1]));
}

/* Everything about split, checked against the reference. */
static void check_split(int round)
{
    int list[256], n = split_members(rank % 2, list), cr, sum, want = 0, i, v, in[256], out[256];
    MPI_Group g, wg;

    MPI_CHECK(MPI_Comm_rank(split, &cr));
    CHECKF(list[cr] == rank, "round %d: comm rank %d", round, cr);
    MPI_CHECK(MPI_Comm_group(split, &g));
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    for (i = 0; i < n; i++)
        in[i] = i;
    MPI_CHECK(MPI_Group_translate_ranks(g, n, in, wg, out));
    for (i = 0; i < n; i++)
        CHECK(out[i] == list[i]);
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Group_free(&wg));
    v = rank * 10 + round;
    MPI_CHECK(MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, split));
    for (i = 0; i < n; i++)
        want += list[i] * 10 + round;
    CHECKF(sum == want, "round %d: sum %d want %d", round, sum, want);
    MPI_CHECK(MPI_Sendrecv(&v, 1, MPI_INT, (cr + 1) % n, 8, &sum, 1, MPI_INT, (cr - 1 + n) % n, 8,
                           split, MPI_STATUS_IGNORE));
    CHECK(sum == list[(cr - 1 + n) % n] * 10 + round);
}

/* The dup: attribute, name, compare, Bcast, and one persistent round. */
static void check_dup(int round)
{
    char name[MPI_MAX_OBJECT_NAME], buf[20000];
    int *val, flag, len, result, root = round % size;
    MPI_Status st[2];

    MPI_CHECK(MPI_Comm_get_attr(dup, keyval, &val, &flag));
    CHECK(flag && val == attr_value && *val == 4242 + rank);
    MPI_CHECK(MPI_Comm_get_name(dup, name, &len));
    CHECK(strcmp(name, "migrating dup") == 0);
    MPI_CHECK(MPI_Comm_compare(dup, MPI_COMM_WORLD, &result));
    CHECK(result == MPI_CONGRUENT);
    if (rank == root)
        th_pattern_fill(buf, sizeof(buf), root, -1, round);
    MPI_CHECK(MPI_Bcast(buf, sizeof(buf), MPI_BYTE, root, dup));
    CHECK_PATTERN(buf, sizeof(buf), root, -1, round);
    sv = rank * 1000 + round;
    MPI_CHECK(MPI_Startall(2, persist));
    MPI_CHECK(MPI_Waitall(2, persist, st));
    CHECKF(rv == ((rank - 1 + size) % size) * 1000 + round, "round %d: persistent got %d", round,
           rv);
}

/* One round: a receive on split is posted before the move and completed
 * after; the mover moves between its MPI calls. */
static void round_once(int round)
{
    int list[256], n = split_members(rank % 2, list), cr, got = -1, v = rank + 77 * round;
    MPI_Request r;
    MPI_Comm fresh;
    int sum;

    MPI_CHECK(MPI_Comm_rank(split, &cr));
    MPI_CHECK(MPI_Irecv(&got, 1, MPI_INT, (cr + 1) % n, 21, split, &r));
    check_split(round);
    if (rank == round % size)
        th_move();
    MPI_CHECK(MPI_Send(&v, 1, MPI_INT, (cr - 1 + n) % n, 21, split));
    MPI_CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE));
    CHECK(got == list[(cr + 1) % n] + 77 * round);
    check_dup(round);
    /* A communicator made after the move: contexts agreed with the mover. */
    MPI_CHECK(MPI_Comm_split(dup, round % 3 == rank % 3, rank, &fresh));
    MPI_CHECK(MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_MAX, fresh));
    {
        int w, want = -1;
        for (w = 0; w < size; w++)
            if ((round % 3 == w % 3) == (round % 3 == rank % 3) && w + 77 * round > want)
                want = w + 77 * round;
        CHECKF(sum == want, "round %d: max %d want %d", round, sum, want);
    }
    MPI_CHECK(MPI_Comm_free(&fresh));
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 6, spares, i;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_CHECK(MPIX_Spare_count(&spares));
    CHECKF(spares >= 1 && size <= 256, "needs a spare (--spares 1), has %d", spares);
    setup();
    for (i = 0; i < rounds; i++)
        round_once(i);
    MPI_CHECK(MPI_Request_free(&persist[0]));
    MPI_CHECK(MPI_Request_free(&persist[1]));
    MPI_CHECK(MPI_Comm_free(&dup));
    MPI_CHECK(MPI_Comm_free(&split));
    MPI_CHECK(MPI_Comm_free_keyval(&keyval));
    free(attr_value);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("comm_migrate: OK %d ranks %d rounds\n", size, rounds);
    MPI_Finalize();
    return 0;
}
