/* comm_new.c: communicators made with info, nonblocking, and by group.
 *
 * Mode "basic" checks, by exact values:
 *  - hints: MPI_Comm_dup_with_info keeps the recognised MPI-4 assertion
 *    and drops an unknown key, MPI_Comm_dup passes hints on,
 *    MPI_Comm_set_info replaces them, MPI_INFO_NULL gives none;
 *  - MPI_Comm_idup on overlapping pairs (rank i's communicator with i + 1
 *    and with i - 1, both pending at once: a blocking dup would deadlock),
 *    with an attribute copied and a nonblocking collective pending on the
 *    parent; each result is checked by an allreduce and by its group;
 *  - MPI_Comm_create_group: even and odd ranks each make a communicator
 *    of their own (reversed order) at the same time with the same tag, and
 *    a group that leaves out rank 0 is made while rank 0 is blocked in a
 *    receive that a member sends only after the creation;
 *  - the error classes of bad arguments.
 * Mode "migrate" (needs 2 spares): every round, MPI_Comm_idup is started on
 * MPI_COMM_WORLD and on a split, two ranks move at the same moment while
 * both are pending, then the new communicators are checked; a group of
 * ranks that includes the movers then makes a communicator with
 * MPI_Comm_create_group, and the hints of a communicator made before the
 * moves are read back.
 *
 * argv[1]: basic | migrate; argv[2]: rounds (default 3).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

static int rank, size;

static int class_of(int err)
{
    int cls = -1;

    MPI_CHECK(MPI_Error_class(err, &cls));
    return cls;
}

/* Checks the hints of comm: n keys, and mpi_assert_no_any_tag set to want
 * ("" for unset). Which hints are kept is the library's choice (MPI lets
 * any be ignored); MPICH 4.0 keeps none of these, so there only the calls
 * are made and their results not compared. */
static void check_hints(MPI_Comm comm, int n, const char *want)
{
    char value[MPI_MAX_INFO_VAL + 1] = "";
    MPI_Info got;
    int nkeys, flag;

    MPI_CHECK(MPI_Comm_get_info(comm, &got));
    MPI_CHECK(MPI_Info_get_nkeys(got, &nkeys));
    MPI_CHECK(MPI_Info_get(got, "mpi_assert_no_any_tag", MPI_MAX_INFO_VAL, value, &flag));
    MPI_CHECK(MPI_Info_free(&got));
    if (!th_library_is_mpich())
        CHECKF(nkeys == n && strcmp(flag ? value : "", want) == 0, "%d keys, '%s'", nkeys,
               flag ? value : "");
}

/* A communicator whose hints are mpi_assert_no_any_tag=true. */
static MPI_Comm hinted_dup(void)
{
    MPI_Info info;
    MPI_Comm c;

    MPI_CHECK(MPI_Info_create(&info));
    MPI_CHECK(MPI_Info_set(info, "mpi_assert_no_any_tag", "true"));
    MPI_CHECK(MPI_Info_set(info, "comm_new_unknown_key", "x"));
    MPI_CHECK(MPI_Comm_dup_with_info(MPI_COMM_WORLD, info, &c));
    MPI_CHECK(MPI_Info_free(&info));
    check_hints(c, 1, "true");
    return c;
}

static void hints(void)
{
    MPI_Comm a = hinted_dup(), b, c;
    MPI_Info info;
    int r;

    MPI_CHECK(MPI_Comm_dup(a, &b)); /* dup passes hints on */
    check_hints(b, 1, "true");
    MPI_CHECK(MPI_Comm_compare(a, b, &r));
    CHECK(r == MPI_CONGRUENT);
    MPI_CHECK(MPI_Info_create(&info));
    MPI_CHECK(MPI_Info_set(info, "mpi_assert_no_any_tag", "false"));
    MPI_CHECK(MPI_Info_set(info, "mpi_assert_exact_length", "maybe")); /* not a boolean */
    MPI_CHECK(MPI_Comm_set_info(b, info));
    check_hints(b, 1, "false");
    check_hints(a, 1, "true");
    MPI_CHECK(MPI_Comm_dup_with_info(a, MPI_INFO_NULL, &c));
    check_hints(c, 0, "");
    MPI_CHECK(MPI_Info_free(&info));
    MPI_CHECK(MPI_Comm_free(&a));
    MPI_CHECK(MPI_Comm_free(&b));
    MPI_CHECK(MPI_Comm_free(&c));
}

/* Checks that comm has the members list[0..n) in that order: its size,
 * this rank's place, an allreduce of world ranks and a ring exchange. */
static void check_comm(MPI_Comm comm, const int *list, int n, int tag)
{
    int cr, cs, sum, want = 0, i, got = -1;

    MPI_CHECK(MPI_Comm_size(comm, &cs));
    MPI_CHECK(MPI_Comm_rank(comm, &cr));
    CHECKF(cs == n && list[cr] == rank, "size %d rank %d", cs, cr);
    MPI_CHECK(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, comm));
    for (i = 0; i < n; i++)
        want += list[i];
    CHECKF(sum == want, "sum %d want %d", sum, want);
    MPI_CHECK(MPI_Sendrecv(&rank, 1, MPI_INT, (cr + 1) % n, tag, &got, 1, MPI_INT, (cr - 1 + n) % n,
                           tag, comm, MPI_STATUS_IGNORE));
    CHECK(got == list[(cr - 1 + n) % n]);
}

static int copies;

static int count_copy(MPI_Comm c, int key, void *extra, void *in, void *out, int *flag)
{
    (void)c, (void)key, (void)extra;
    copies++;
    *(void **)out = in;
    *flag = 1;
    return MPI_SUCCESS;
}

/* Overlapping idups: pair[0] = {i-1, i}, pair[1] = {i, i+1} (size >= 3),
 * both idup'ed before either is waited for. */
static void idup_overlap(void)
{
    int lo[2] = {(rank - 1 + size) % size, rank}, hi[2] = {rank, (rank + 1) % size};
    MPI_Comm pair[2], dup[2], tmp;
    MPI_Group wg, g;
    MPI_Request r[3];
    MPI_Status st[3];
    int i, key, sum = 0, one = 1;

    copies = 0;
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    for (i = 0; i < size; i++) { /* pair {i, i+1}, made by its members only */
        int m[2] = {i, (i + 1) % size};
        if (rank != m[0] && rank != m[1])
            continue;
        MPI_CHECK(MPI_Group_incl(wg, 2, m, &g));
        MPI_CHECK(MPI_Comm_create_group(MPI_COMM_WORLD, g, i, &tmp));
        MPI_CHECK(MPI_Group_free(&g));
        pair[rank == m[0] ? 1 : 0] = tmp;
    }
    MPI_CHECK(MPI_Group_free(&wg));
    MPI_CHECK(MPI_Comm_create_keyval(count_copy, MPI_COMM_NULL_DELETE_FN, &key, NULL));
    MPI_CHECK(MPI_Comm_set_attr(pair[0], key, &copies));
    MPI_CHECK(MPI_Iallreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &r[2]));
    MPI_CHECK(MPI_Comm_idup(pair[0], &dup[0], &r[0]));
    MPI_CHECK(MPI_Comm_idup(pair[1], &dup[1], &r[1]));
    MPI_CHECK(MPI_Waitall(3, r, st));
    CHECK(sum == size && copies == 1);
    /* pairs in the order of their lower member, as they were made */
    if (rank == 0)
        check_comm(dup[1], hi, 2, 7);
    check_comm(dup[0], lo, 2, 7);
    if (rank != 0)
        check_comm(dup[1], hi, 2, 7);
    {
        int *v, flag;
        MPI_CHECK(MPI_Comm_get_attr(dup[0], key, &v, &flag));
        CHECK(flag && v == &copies);
    }
    for (i = 0; i < 2; i++) {
        MPI_CHECK(MPI_Comm_free(&dup[i]));
        MPI_CHECK(MPI_Comm_free(&pair[i]));
    }
    MPI_CHECK(MPI_Comm_free_keyval(&key));
}

/* Communicator of the world ranks with parity p, in reversed order. */
static int parity_list(int p, int *list)
{
    int n = 0, w;

    for (w = size - 1; w >= 0; w--)
        if (w % 2 == p)
            list[n++] = w;
    return n;
}

static MPI_Comm group_comm(const int *list, int n, int tag)
{
    MPI_Group wg, g;
    MPI_Comm c;

    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    MPI_CHECK(MPI_Group_incl(wg, n, list, &g));
    MPI_CHECK(MPI_Comm_create_group(MPI_COMM_WORLD, g, tag, &c));
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Group_free(&wg));
    return c;
}

static void create_group(void)
{
    int list[256], n = parity_list(rank % 2, list), v = -1, i;
    MPI_Comm c;

    c = group_comm(list, n, 5); /* both parities at once, same tag */
    check_comm(c, list, n, 9);
    MPI_CHECK(MPI_Comm_free(&c));
    /* without rank 0: it waits for a message that comes after */
    if (rank == 0) {
        MPI_CHECK(MPI_Recv(&v, 1, MPI_INT, 1, 33, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(v == size - 1);
        return;
    }
    for (i = 1; i < size; i++)
        list[i - 1] = i;
    c = group_comm(list, size - 1, 6);
    check_comm(c, list, size - 1, 10);
    MPI_CHECK(MPI_Allreduce(&rank, &v, 1, MPI_INT, MPI_MAX, c));
    MPI_CHECK(MPI_Comm_free(&c));
    if (rank == 1)
        MPI_CHECK(MPI_Send(&v, 1, MPI_INT, 0, 33, MPI_COMM_WORLD));
}

static void bad_args(void)
{
    MPI_Comm half, c = MPI_COMM_NULL;
    MPI_Group wg;
    MPI_Request r;
    MPI_Info info, stale;

    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half));
    MPI_CHECK(MPI_Comm_set_errhandler(half, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    if (!th_library_is_mpich()) /* MPICH 4.0 crashes (signal 11) on this one */
        CHECK(class_of(MPI_Comm_create_group(half, wg, 0, &c)) == MPI_ERR_GROUP);
    CHECK(class_of(MPI_Comm_create_group(MPI_COMM_WORLD, wg, -1, &c)) == MPI_ERR_TAG);
    CHECK(class_of(MPI_Comm_create_group(MPI_COMM_WORLD, MPI_GROUP_NULL, 0, &c)) == MPI_ERR_GROUP);
    CHECK(class_of(MPI_Comm_create_group(MPI_COMM_NULL, wg, 0, &c)) == MPI_ERR_COMM);
    CHECK(class_of(MPI_Comm_idup(MPI_COMM_NULL, &c, &r)) == MPI_ERR_COMM);
    if (!th_library_is_mpich()) { /* MPICH 4.0 crashes on a bad info handle here */
        CHECK(class_of(MPI_Comm_idup_with_info(MPI_COMM_WORLD, (MPI_Info)0x9c00fff0, &c, &r)) ==
              MPI_ERR_INFO);
        CHECK(class_of(MPI_Comm_dup_with_info(MPI_COMM_WORLD, (MPI_Info)0x9c00fff0, &c)) ==
              MPI_ERR_INFO);
    }
    /* MPI_ERR_INFO ("invalid info argument"); MPICH 4.0 says MPI_ERR_ARG */
    CHECK(class_of(MPI_Comm_set_info(MPI_COMM_WORLD, MPI_INFO_NULL)) ==
          (th_library_is_mpich() ? MPI_ERR_ARG : MPI_ERR_INFO));
    CHECK(class_of(MPI_Comm_get_info(MPI_COMM_WORLD, NULL)) == MPI_ERR_ARG);
    MPI_CHECK(MPI_Info_create(&info));
    stale = info;
    MPI_CHECK(MPI_Info_free(&info));
    if (!th_library_is_mpich()) /* MPICH 4.0 takes a freed info handle */
        CHECK(class_of(MPI_Comm_set_info(MPI_COMM_WORLD, stale)) == MPI_ERR_INFO);
    CHECK(c == MPI_COMM_NULL);
    MPI_CHECK(MPI_Group_free(&wg));
    MPI_CHECK(MPI_Comm_free(&half));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

/* One migrating round: idups pending while ranks a and b move. */
static void migrate_round(int round, MPI_Comm hinted)
{
    int a = round % size, b = (round + 1) % size, world[256], list[256], n, i;
    MPI_Comm split, d[2], g;
    MPI_Request r[2];
    MPI_Status st[2];

    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &split));
    MPI_CHECK(MPI_Comm_idup(MPI_COMM_WORLD, &d[0], &r[0]));
    MPI_CHECK(MPI_Comm_idup(split, &d[1], &r[1]));
    if (rank == a || rank == b)
        th_move();
    MPI_CHECK(MPI_Waitall(2, r, st));
    for (i = 0; i < size; i++)
        world[i] = i;
    check_comm(d[0], world, size, 11);
    n = parity_list(rank % 2, list);
    check_comm(d[1], list, n, 12);
    /* a group holding both movers (and every other rank but one) */
    n = 0;
    for (i = 0; i < size; i++)
        if (i == a || i == b || i != (round + 2) % size)
            list[n++] = i;
    if (rank != (round + 2) % size || n == size) {
        g = group_comm(list, n, 100 + round);
        check_comm(g, list, n, 13);
        MPI_CHECK(MPI_Comm_free(&g));
    }
    check_hints(hinted, 1, "true");
    MPI_CHECK(MPI_Comm_free(&d[0]));
    MPI_CHECK(MPI_Comm_free(&d[1]));
    MPI_CHECK(MPI_Comm_free(&split));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "basic";
    int migrate = strcmp(mode, "migrate") == 0;
    int rounds = argc > 2 ? atoi(argv[2]) : 3, i, spares;
    MPI_Comm hinted;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 3 && size <= 256, "needs 3 to 256 ranks, has %d", size);
    if (!migrate) {
        hints();
        for (i = 0; i < rounds; i++) {
            idup_overlap();
            create_group();
        }
        bad_args();
    } else {
        MPI_CHECK(MPIX_Spare_count(&spares));
        CHECKF(spares >= 2, "needs 2 spares (--spares 2), has %d", spares);
        hinted = hinted_dup();
        for (i = 0; i < rounds; i++)
            migrate_round(i, hinted);
        MPI_CHECK(MPI_Comm_free(&hinted));
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("comm_new %s: OK %d ranks %d rounds\n", mode, size, rounds);
    MPI_Finalize();
    return 0;
}
