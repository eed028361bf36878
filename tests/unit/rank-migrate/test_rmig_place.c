/* test_rmig_place.c: Check tests of placement queries (rmig_place.c, rmig_external.c).
 *
 * The cluster under test is RMU_ME (rank RMU_ME runs there), the entry of
 * a PLACEMENT pushed on the fake request socket as mpimigrate sends it.
 * The tests check the WHERE sent to every other cluster (none to itself),
 * the TABLE the requester gets once every cluster answered HERE (decoded by
 * rmig_xreq_table_check as mpimigrate does: states, ranks, hosts and their
 * names from the fake's host table, clusters 2h and 2h+1 on "fakehost<h>"),
 * clusters that did not answer by the deadline listed NOANSWER (and none
 * before it), late and stray answers ignored, a second query answered
 * -EBUSY while one is gathered, and the HERE a cluster sends for a WHERE:
 * its rank, idle, or reserved for an arriving one.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

#define REQ   4242u /* the requester's id */
#define NONCE 77u

static void push_placement(uint32_t nonce, int wait_ms)
{
    struct rmig_xreq m;

    rmig_xreq_fill(&m, RMIG_XREQ_PLACEMENT, REQ, nonce, 0, 0);
    m.wait_ms = wait_ms;
    fake_xreq_push(&m, sizeof(m));
}

/* The HERE cluster c sends for the query (rank -1: idle). */
static void push_here(int c, int rank, uint32_t nonce)
{
    struct rmig_wire_hdr h = rmu_hdr(RMIG_MSG_HERE, c, rank, 0, 0);

    h.arg = rank >= 0 ? RMIG_PLACE_RANK : RMIG_PLACE_IDLE;
    h.c = rank >= 0 ? 1000000 + (uint64_t)c : 0; /* its container's bytes */
    h.a = RMIG_REQUESTER(RMU_ME, REQ);
    h.b = nonce;
    rmu_push_hdr(&h);
}

/* The i-th answer as a TABLE, checked as mpimigrate checks it. */
static const struct rmig_xreq_placement *table(int i)
{
    static struct rmig_xreq_placement pl;

    ck_assert_int_lt(i, fake_nreplies);
    ck_assert_uint_eq(fake_reply[i].requester, REQ);
    ck_assert_int_eq(rmig_xreq_table_check(fake_reply[i].bytes, (long)fake_reply[i].len, RMU_NRANKS,
                                           FAKE_NCLUSTERS, &pl),
                     RMIG_XREQ_TABLE);
    ck_assert_uint_eq(pl.head.nonce, NONCE);
    ck_assert_int_eq(pl.head.cluster, RMU_ME);
    return &pl;
}

static void assert_place(const struct rmig_xreq_placement *pl, int c, int state, int rank)
{
    ck_assert_msg(pl->place[c].state == state && pl->place[c].rank == rank,
                  "cluster %d: state %d rank %d, want %d %d", c, pl->place[c].state,
                  pl->place[c].rank, state, rank);
    ck_assert_int_eq(pl->place[c].host, c / 2);
}

START_TEST(placement_asks_every_other_cluster)
{
    int c, i = 0;

    push_placement(NONCE, 500);
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nsent, FAKE_NCLUSTERS - 1);
    for (c = 0; c < FAKE_NCLUSTERS; c++) {
        struct rmig_wire_hdr h;

        if (c == RMU_ME)
            continue;
        h = rmu_sent(i);
        rmu_assert_sent(i++, c, RMIG_MSG_WHERE, -1, 0, 0);
        ck_assert_uint_eq(h.a, RMIG_REQUESTER(RMU_ME, REQ));
        ck_assert_uint_eq(h.b, NONCE);
    }
    ck_assert_int_eq(fake_nreplies, 0); /* nothing before the answers */
}
END_TEST

START_TEST(placement_table_once_all_answered)
{
    const struct rmig_xreq_placement *pl;
    int c;

    push_placement(NONCE, 500);
    rmig_xreq_poll();
    for (c = 0; c < FAKE_NCLUSTERS; c++)
        if (c != RMU_ME)
            push_here(c, c == 0 ? 3 : c == 2 ? 0 : c == 3 ? 2 : -1, NONCE);
    rmig_control_answer();
    ck_assert_int_eq(fake_nreplies, 1);
    pl = table(0);
    ck_assert_int_eq(pl->head.status, 0);
    ck_assert_int_eq(pl->nclusters, FAKE_NCLUSTERS);
    ck_assert_int_eq(pl->nhosts, FAKE_NCLUSTERS / 2);
    assert_place(pl, 0, RMIG_PLACE_RANK, 3);
    assert_place(pl, RMU_ME, RMIG_PLACE_RANK, RMU_ME);
    assert_place(pl, 2, RMIG_PLACE_RANK, 0);
    assert_place(pl, 3, RMIG_PLACE_RANK, 2);
    assert_place(pl, 4, RMIG_PLACE_IDLE, -1);
    assert_place(pl, 5, RMIG_PLACE_IDLE, -1);
    /* sizes in KiB, rounded up: the HEREs' bytes, and this cluster's own
     * container (the fake's slots: 1756 bytes) */
    ck_assert_uint_eq(pl->place[0].kib, (1000000 + 0 + 1023) / 1024);
    ck_assert_uint_eq(pl->place[3].kib, (1000000 + 3 + 1023) / 1024);
    ck_assert_uint_eq(pl->place[RMU_ME].kib, 2);
    ck_assert_uint_eq(pl->place[4].kib, 0);
    ck_assert_str_eq(pl->host[0], "fakehost0");
    ck_assert_str_eq(pl->host[2], "fakehost2");
}
END_TEST

/* Answers that are not for this query, or come twice, change nothing. */
START_TEST(placement_deadline_lists_no_answer)
{
    const struct rmig_xreq_placement *pl;
    struct rmig_wire_hdr h;

    push_placement(NONCE, 500);
    rmig_xreq_poll();
    push_here(0, 0, NONCE);
    push_here(0, 3, NONCE);                          /* a second answer of cluster 0 */
    push_here(2, 2, NONCE + 1);                      /* another query's */
    h = rmu_hdr(RMIG_MSG_HERE, 3, RMU_NRANKS, 0, 0); /* a rank the job does not have */
    h.arg = RMIG_PLACE_RANK;
    h.a = RMIG_REQUESTER(RMU_ME, REQ);
    h.b = NONCE;
    rmu_push_hdr(&h);
    rmig_control_answer();
    fake_now += 0.499;
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nreplies, 0); /* not before the deadline */
    fake_now += 0.002;
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nreplies, 1);
    pl = table(0);
    assert_place(pl, 0, RMIG_PLACE_RANK, 0);
    assert_place(pl, RMU_ME, RMIG_PLACE_RANK, RMU_ME);
    assert_place(pl, 2, RMIG_PLACE_NOANSWER, -1);
    assert_place(pl, 3, RMIG_PLACE_NOANSWER, -1);
    assert_place(pl, 5, RMIG_PLACE_NOANSWER, -1);
    push_here(4, -1, NONCE); /* late: the query is over */
    rmig_control_answer();
    ck_assert_int_eq(fake_nreplies, 1);
}
END_TEST

START_TEST(second_placement_busy)
{
    struct rmig_xreq_placement pl;

    push_placement(NONCE, 500);
    push_placement(NONCE + 1, 500);
    rmig_xreq_poll();
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nreplies, 1);
    ck_assert_int_eq(rmig_xreq_table_check(fake_reply[0].bytes, (long)fake_reply[0].len, RMU_NRANKS,
                                           FAKE_NCLUSTERS, &pl),
                     RMIG_XREQ_TABLE);
    ck_assert_int_eq(pl.head.status, -EBUSY);
    ck_assert_uint_eq(pl.head.nonce, NONCE + 1);
    ck_assert_int_eq(pl.nclusters, 0);
}
END_TEST

static const struct {
    const char *what;
    int spare, reserved, want_state, want_rank;
} where_cases[] = {
    {"a rank runs here", 0, 0, RMIG_PLACE_RANK, RMU_ME},
    {"an idle spare", 1, 0, RMIG_PLACE_IDLE, -1},
    {"a spare reserved for a rank on its way", 1, 1, RMIG_PLACE_BUSY, -1},
};

START_TEST(where_answered_here)
{
    struct rmig_wire_hdr h = rmu_hdr(RMIG_MSG_WHERE, 3, -1, 0, 0), r;

    if (where_cases[_i].spare)
        rmu_setup_spare(); /* boots again, as the idle cluster RMU_SPARE */
    if (where_cases[_i].reserved)
        rmig_cluster.reserved_for = 0;
    h.a = RMIG_REQUESTER(3, REQ);
    h.b = NONCE;
    rmig_control_handle(&h);
    ck_assert_int_eq(fake_nsent, 1);
    r = rmu_sent(0);
    rmu_assert_sent(0, 3, RMIG_MSG_HERE, where_cases[_i].want_rank, where_cases[_i].want_state, 0);
    ck_assert_uint_eq(r.a, h.a);
    ck_assert_uint_eq(r.b, NONCE);
    /* a rank's HERE says what a move of it would send: the fake's slots */
    ck_assert_uint_eq(r.c, where_cases[_i].want_rank >= 0 ? 1756 : 0);
}
END_TEST

/* A question about one rank (an estimate from another rank, entry 4):
 * the cluster that runs it answers the entry, not the forwarder; a
 * cluster it left sends the question on along its tombstone, one hop
 * more; a cluster with neither answers what it runs (here another rank:
 * the asker takes that as "not found" and asks again along its routes). */
START_TEST(where_about_a_rank_follows_tombstones)
{
    struct rmig_wire_hdr h = rmu_hdr(RMIG_MSG_WHERE, 3, RMU_ME, 0, 0), r;

    h.a = RMIG_REQUESTER(4, 0xffffffffu);
    h.b = NONCE;
    h.hops = 2; /* forwarded twice already, by cluster 3 last */
    rmig_control_handle(&h);
    ck_assert_int_eq(fake_nsent, 1);
    rmu_assert_sent(0, 4, RMIG_MSG_HERE, RMU_ME, RMIG_PLACE_RANK, 0);
    r = rmu_sent(0);
    ck_assert_uint_eq(r.c, 1756);

    h.rank = 0; /* not here; it left for cluster 5 */
    rmig_tomb_set(0, 5);
    rmig_control_handle(&h);
    ck_assert_int_eq(fake_nsent, 2);
    r = rmu_sent(1);
    ck_assert_int_eq(r.type, RMIG_MSG_WHERE);
    ck_assert_int_eq(r.rank, 0);
    ck_assert_int_eq(r.hops, 3);
    ck_assert_uint_eq(r.a, h.a);
    ck_assert_uint_eq(r.b, NONCE);

    h.rank = 2; /* never here */
    rmig_control_handle(&h);
    ck_assert_int_eq(fake_nsent, 3);
    rmu_assert_sent(2, 4, RMIG_MSG_HERE, RMU_ME, RMIG_PLACE_RANK, 0);
}
END_TEST

static Suite *place_suite(void)
{
    Suite *s = suite_create("rank-migrate-place");
    TCase *tc = tcase_create("place");

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, placement_asks_every_other_cluster);
    tcase_add_test(tc, placement_table_once_all_answered);
    tcase_add_test(tc, placement_deadline_lists_no_answer);
    tcase_add_test(tc, second_placement_busy);
    tcase_add_loop_test(tc, where_answered_here, 0, sizeof(where_cases) / sizeof(where_cases[0]));
    tcase_add_test(tc, where_about_a_rank_follows_tombstones);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(place_suite());
}
