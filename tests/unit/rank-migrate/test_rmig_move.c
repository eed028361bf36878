/* test_rmig_move.c: Check tests of a whole move, rmig_migrate() (rmig_move.c), from the rank.
 *
 * The test's main thread is the rank on cluster RMU_ME. Other clusters are
 * scripted peers (rmig_unit.h) answering its OFFER and BEGIN. When the
 * move gets as far as the freeze, the fake ua_rank_suspend() runs the real
 * spare loop (kernel context), which streams the container to the peer and
 * resumes the rank on failure; on success rmu_arrive_at() lets the process
 * carry on as the destination, whose real spare loop takes the stream off
 * the fake wire and resumes the rank there. The tests check the result,
 * the offers made (cluster, order, fingerprint), the messaging operations
 * called (rmu_log: quiesce, depart(dest), then stay or arrive) and where
 * the rank ends up, with its bytes.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

static unsigned char image[FAKE_SLOTS][FAKE_SLOT_SIZE]; /* the container before the move */

static void keep_image(void)
{
    memcpy(image, fake_region, sizeof(image));
}

/* The rank runs here with every byte the container listed (the rest of
 * its pages is not sent). */
static void assert_container_intact(void)
{
    ck_assert_int_eq(ua_get_rank(), RMU_ME);
    ck_assert_int_eq(fake_header()->state, FAKE_RUNNING);
    for (int s = 1; s < FAKE_SLOTS; s++)
        ck_assert_mem_eq(fake_region[s], image[s], fake_range_len[s]);
}

/* Asserts that the first messages sent are OFFERs to offers[0..n-1], in
 * that order, each with this rank and this layout. */
static void assert_offers(const int *offers, int n)
{
    for (int i = 0; i < n; i++) {
        rmu_assert_sent(i, offers[i], RMIG_MSG_OFFER, RMU_ME, 0, 0);
        ck_assert_uint_eq(rmu_sent(i).a, FAKE_FINGERPRINT);
    }
}

static int moves_made(void)
{
    struct rmig_stats st;
    int moves = -1;

    ck_assert_int_eq(rmig_last_stats(&st, &moves), 0);
    return moves;
}

/* ---- refused before anything moves ------------------------------------- */

enum setup {
    PLAIN,
    NOT_MIGRATABLE,
    THREADS_RUN,
    NO_OPS,
    NOT_READY,
    NO_ARRIVE,
    NO_CONTAINER,
    ALL_REFUSE,
    ALL_REFUSE_LAYOUT,
    ALL_SILENT
};

static const struct {
    const char *what;
    int cluster, setup;
    int offer, refuse_arg; /* cluster 4's answer */
    int want;
    int offers[2 * FAKE_NCLUSTERS], noffers; /* busy ones asked twice */
} early_cases[] = {
    {"cluster past the last", FAKE_NCLUSTERS, PLAIN, RMU_ACCEPT, 0, -EINVAL, {0}, 0},
    {"cluster -1", -1, PLAIN, RMU_ACCEPT, 0, -EINVAL, {0}, 0},
    {"cluster -2", -2, PLAIN, RMU_ACCEPT, 0, -EINVAL, {0}, 0},
    {"own cluster", RMU_ME, PLAIN, RMU_ACCEPT, 0, -EALREADY, {0}, 0},
    {"not migratable", 4, NOT_MIGRATABLE, RMU_ACCEPT, 0, -EXDEV, {0}, 0},
    {"the rank runs threads", 4, THREADS_RUN, RMU_ACCEPT, 0, -EUSERS, {0}, 0},
    {"threads, any spare", RMIG_ANY_SPARE, THREADS_RUN, RMU_ACCEPT, 0, -EUSERS, {0}, 0},
    {"no messaging layer", 4, NO_OPS, RMU_ACCEPT, 0, -ENOTCONN, {0}, 0},
    {"messaging not ready", 4, NOT_READY, RMU_ACCEPT, 0, -ENOTCONN, {0}, 0},
    {"messaging without arrive", 4, NO_ARRIVE, RMU_ACCEPT, 0, -ENOTCONN, {0}, 0},
    {"no rank state", 4, NO_CONTAINER, RMU_ACCEPT, 0, -ENOMEM, {0}, 0},
    {"refused, busy", 4, PLAIN, RMU_REFUSE, -EBUSY, -EBUSY, {4}, 1},
    {"refused, other layout", 4, PLAIN, RMU_REFUSE, -EXDEV, -EXDEV, {4}, 1},
    {"refused without reason", 4, PLAIN, RMU_REFUSE, 0, -EBUSY, {4}, 1},
    {"no answer", 4, PLAIN, RMU_SILENT, 0, -ETIMEDOUT, {4}, 1},
    /* busy refusals: asked twice (a pass, then another within RMIG_BUSY_GRACE_S) */
    {"all refuse",
     RMIG_ANY_SPARE,
     ALL_REFUSE,
     RMU_REFUSE,
     -EBUSY,
     -ENOSPC,
     {4, 5, 0, 2, 3, 4, 5, 0, 2, 3},
     10},
    {"other layout",
     RMIG_ANY_SPARE,
     ALL_REFUSE_LAYOUT,
     RMU_REFUSE,
     -EXDEV,
     -EXDEV,
     {4, 5, 0, 2, 3},
     5},
    {"busy or other layout",
     RMIG_ANY_SPARE,
     ALL_REFUSE_LAYOUT,
     RMU_REFUSE,
     -EBUSY,
     -EXDEV,
     {4, 5, 0, 2, 3, 4, 5, 0, 2, 3},
     10},
    {"no cluster answers", RMIG_ANY_SPARE, ALL_SILENT, RMU_SILENT, 0, -ENOSPC, {4, 5, 0, 2, 3}, 5},
};

static void early_setup(int setup)
{
    struct rmig_messaging_ops ops = rmu_ops;

    fake_migratable = setup != NOT_MIGRATABLE;
    fake_rank_threads = setup == THREADS_RUN ? 2 : 0;
    rmu_ready_value = setup != NOT_READY;
    if (setup == NO_OPS)
        memset(&ops, 0, sizeof(ops));
    if (setup == NO_ARRIVE)
        ops.arrive = NULL;
    rmig_set_messaging(&ops);
    if (setup == NO_CONTAINER)
        fake_region_clear();
    for (int c = 0; c < FAKE_NCLUSTERS; c++)
        rmu_peer[c].offer =
            setup == ALL_REFUSE || setup == ALL_REFUSE_LAYOUT ? RMU_REFUSE : RMU_SILENT;
    for (int c = 0; c < FAKE_NCLUSTERS; c++)
        rmu_peer[c].refuse_arg = setup == ALL_REFUSE_LAYOUT ? -EXDEV : -EBUSY;
}

START_TEST(refused_before_the_freeze)
{
    early_setup(early_cases[_i].setup);
    rmu_peer[4].offer = early_cases[_i].offer;
    rmu_peer[4].refuse_arg = early_cases[_i].refuse_arg;
    rmu_peer[4].stream = RMU_STREAM_OK;
    keep_image();
    ck_assert_msg(rmig_migrate(early_cases[_i].cluster) == early_cases[_i].want, "%s",
                  early_cases[_i].what);
    ck_assert_msg(fake_nsent == early_cases[_i].noffers, "%s: %d messages", early_cases[_i].what,
                  fake_nsent);
    assert_offers(early_cases[_i].offers, early_cases[_i].noffers);
    ck_assert_str_eq(rmu_log, "");
    ck_assert_int_eq(fake_suspends, 0);
    if (early_cases[_i].setup != NO_CONTAINER)
        assert_container_intact();
}
END_TEST

/* ---- the stream fails: the rank stays ------------------------------------ */

static const struct {
    const char *what;
    int cluster;
    int refused_by_4; /* with RMIG_ANY_SPARE: 4 refuses, 5 accepts */
    int script, fail_arg, want;
    const char *log;
} stream_fail_cases[] = {
    {"destination rejects the table", 4, 0, RMU_STREAM_FAIL, -EBADMSG, -EIO,
     "quiesce;depart 4;stay;"},
    {"destination rejects a range", 4, 0, RMU_STREAM_TABLE_THEN_FAIL, -EBADMSG, -EIO,
     "quiesce;depart 4;stay;"},
    {"destination goes silent", 4, 0, RMU_STREAM_SILENT, 0, -ETIMEDOUT, "quiesce;depart 4;stay;"},
    {"no DONE", 4, 0, RMU_STREAM_TABLE_ONLY, 0, -ETIMEDOUT, "quiesce;depart 4;stay;"},
    {"spare 5 after 4 refused, rejects", RMIG_ANY_SPARE, 1, RMU_STREAM_FAIL, -EBADMSG, -EIO,
     "quiesce;depart 5;stay;"},
};

START_TEST(stream_fails_rank_stays)
{
    int dest = stream_fail_cases[_i].refused_by_4 ? 5 : 4;

    rmu_peer[4].offer = stream_fail_cases[_i].refused_by_4 ? RMU_REFUSE : RMU_ACCEPT;
    rmu_peer[4].refuse_arg = -EBUSY;
    rmu_peer[dest].offer = RMU_ACCEPT;
    rmu_peer[dest].stream = stream_fail_cases[_i].script;
    rmu_peer[dest].fail_arg = stream_fail_cases[_i].fail_arg;
    keep_image();
    ck_assert_msg(rmig_migrate(stream_fail_cases[_i].cluster) == stream_fail_cases[_i].want, "%s",
                  stream_fail_cases[_i].what);
    ck_assert_str_eq(rmu_log, stream_fail_cases[_i].log);
    ck_assert_int_eq(fake_self, RMU_ME);
    ck_assert_int_eq(fake_suspends, 1);
    ck_assert_int_eq(fake_resumes, 1);
    ck_assert_int_eq(fake_releases, 0);
    assert_container_intact();
    ck_assert_int_eq(rmig_cluster.move_dest, -1);
    ck_assert_int_eq(moves_made(), 0);
}
END_TEST

/* ---- the whole move ------------------------------------------------------- */

START_TEST(move_arrives_at_destination)
{
    struct rmig_stats st;
    int moves;

    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    keep_image();
    fake_now = 100.0;
    rmu_arrive_at(4, 200.0);
    ck_assert_int_eq(rmig_migrate(4), 0);
    ck_assert_int_eq(fake_self, 4);
    ck_assert_str_eq(rmu_log, "quiesce;depart 4;arrive;");
    ck_assert_int_eq(fake_releases, 1); /* the source dropped its copy */
    assert_container_intact();          /* and the destination has it */
    ck_assert_int_eq(rmig_last_stats(&st, &moves), 0);
    ck_assert_int_eq(moves, 1);
    ck_assert_int_eq(st.from, RMU_ME);
    ck_assert_int_eq(st.to, 4);
    ck_assert_int_eq(st.ranges, FAKE_SLOTS);
    ck_assert_uint_eq(st.bytes, 256 + 100 + 200 + 300 + 400 + 500);
}
END_TEST

/* Source: OFFER, BEGIN, COMMIT; destination: ACCEPT, TABLE_OK, DONE. */
START_TEST(move_messages_of_both_ends)
{
    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    rmu_arrive_at(4, 1.0);
    ck_assert_int_eq(rmig_migrate(4), 0);
    ck_assert_int_eq(fake_nsent, 6);
    rmu_assert_sent(0, 4, RMIG_MSG_OFFER, RMU_ME, 0, 0);
    rmu_assert_sent(1, 4, RMIG_MSG_BEGIN, RMU_ME, FAKE_SLOTS, 0);
    rmu_assert_sent(2, 4, RMIG_MSG_COMMIT, RMU_ME, 0, 0);
    rmu_assert_sent(3, RMU_ME, RMIG_MSG_ACCEPT, RMU_ME, 0, 0);
    rmu_assert_sent(4, RMU_ME, RMIG_MSG_TABLE_OK, RMU_ME, 0, 0);
    rmu_assert_sent(5, RMU_ME, RMIG_MSG_DONE, RMU_ME, 0, 0);
    ck_assert_int_eq(fake_sent[3].from, 4);
    ck_assert_int_eq(rmig_cluster.reserved_for, -1);
}
END_TEST

START_TEST(move_to_any_spare_skips_refusals)
{
    static const int offers[] = {4, 5};

    rmu_peer[4].offer = RMU_REFUSE;
    rmu_peer[4].refuse_arg = -EBUSY;
    rmu_peer[5].offer = RMU_ACCEPT;
    rmu_peer[5].stream = RMU_STREAM_OK;
    rmu_arrive_at(5, 1.0);
    ck_assert_int_eq(rmig_migrate(RMIG_ANY_SPARE), 0);
    ck_assert_int_eq(fake_self, 5);
    assert_offers(offers, 2);
    ck_assert_str_eq(rmu_log, "quiesce;depart 5;arrive;");
}
END_TEST

/* Cluster 4's own rank is still on its way out (REFUSE -EAGAIN) for two
 * offers: the third, a few milliseconds later, is accepted. */
START_TEST(move_waits_for_a_leaving_cluster)
{
    static const int offers[] = {4, 4, 4};

    rmu_peer[4].again = 2;
    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    rmu_arrive_at(4, 100.0);
    ck_assert_int_eq(rmig_migrate(4), 0);
    ck_assert_int_eq(fake_self, 4);
    assert_offers(offers, 3);
}
END_TEST

/* With any spare: the others are busy (-EBUSY, asked once a pass), 4 is
 * leaving; the second pass finds 4 idle. */
START_TEST(move_to_any_spare_waits_for_a_leaving_cluster)
{
    static const int offers[] = {4, 5, 0, 2, 3, 4};

    for (int c = 0; c < FAKE_NCLUSTERS; c++) {
        rmu_peer[c].offer = RMU_REFUSE;
        rmu_peer[c].refuse_arg = -EBUSY;
    }
    rmu_peer[4].again = 1;
    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    rmu_arrive_at(4, 100.0);
    ck_assert_int_eq(rmig_migrate(RMIG_ANY_SPARE), 0);
    ck_assert_int_eq(fake_self, 4);
    assert_offers(offers, 6);
}
END_TEST

/* A cluster that is still leaving when the move's timeout ends is busy:
 * -EBUSY for it, -ENOSPC for any spare; the rank stays, intact. */
START_TEST(leaving_cluster_past_the_timeout)
{
    for (int c = 0; c < FAKE_NCLUSTERS; c++) {
        rmu_peer[c].offer = RMU_REFUSE;
        rmu_peer[c].refuse_arg = -EBUSY;
    }
    rmu_peer[4].again = 1000;
    keep_image();
    ck_assert_int_eq(rmig_migrate(4), -EBUSY);
    ck_assert_int_gt(fake_nsent, 2);
    ck_assert_int_lt(fake_nsent, 10); /* a pause between asks, not a storm */
    ck_assert_int_eq(rmig_migrate(RMIG_ANY_SPARE), -ENOSPC);
    ck_assert_int_eq(fake_suspends, 0);
    assert_container_intact();
}
END_TEST

/* A move request that came while the rank was moving follows it (hops 1). */
START_TEST(ask_during_move_follows_rank)
{
    struct rmig_wire_hdr ask = rmu_hdr(RMIG_MSG_ASK, 0, RMU_ME, 3, 0), fwd;
    int i;

    ask.a = 4242;
    ask.b = 7;
    rmu_push_hdr(&ask);
    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    rmu_arrive_at(4, 1.0);
    ck_assert_int_eq(rmig_migrate(4), 0);
    for (i = 0; i < fake_nsent && rmu_sent(i).type != RMIG_MSG_ASK; i++)
        ;
    rmu_assert_sent(i, 4, RMIG_MSG_ASK, RMU_ME, 3, 1);
    fwd = rmu_sent(i);
    ck_assert_uint_eq(fwd.a, 4242);
    ck_assert_uint_eq(fwd.b, 7);
    ck_assert_int_eq(fake_sent[i].from, RMU_ME);
    ck_assert_int_eq(fake_inbox_left(), 1); /* at the destination, for the next safe point */
}
END_TEST

/* The first offer to cluster 4 timed out; 4's REFUSE came later and still
 * waits in the mailbox when the rank offers itself to 4 again. The second
 * offer is judged by 4's answer to it (ACCEPT: the move goes on), not by
 * the stale REFUSE, which names the first offer's number (before answers
 * were numbered the source gave up with -EBUSY and 4 stayed reserved). */
START_TEST(late_answer_not_taken_for_next_offer)
{
    ck_assert_int_eq(rmig_migrate(4), -ETIMEDOUT);
    rmu_push(RMIG_MSG_REFUSE, 4, RMU_ME, -EBUSY, 0);
    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    rmu_arrive_at(4, 100.0);
    ck_assert_int_eq(rmig_migrate(4), 0);
}
END_TEST

static Suite *move_suite(void)
{
    Suite *s = suite_create("rank-migrate-move");
    TCase *tc = tcase_create("move");

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, refused_before_the_freeze, 0,
                        sizeof(early_cases) / sizeof(early_cases[0]));
    tcase_add_loop_test(tc, stream_fails_rank_stays, 0,
                        sizeof(stream_fail_cases) / sizeof(stream_fail_cases[0]));
    tcase_add_test(tc, move_arrives_at_destination);
    tcase_add_test(tc, move_messages_of_both_ends);
    tcase_add_test(tc, move_to_any_spare_skips_refusals);
    tcase_add_test(tc, move_waits_for_a_leaving_cluster);
    tcase_add_test(tc, move_to_any_spare_waits_for_a_leaving_cluster);
    tcase_add_test(tc, leaving_cluster_past_the_timeout);
    tcase_add_test(tc, ask_during_move_follows_rank);
    tcase_add_test(tc, late_answer_not_taken_for_next_offer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(move_suite());
}
