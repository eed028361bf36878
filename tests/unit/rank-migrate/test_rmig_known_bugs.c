/* test_rmig_known_bugs.c: Check tests of what rank-migrate should do and does not yet.
 *
 * Each test asserts the behaviour a user would expect and fails against
 * today's code, so the program is listed in XFAIL_TESTS: when `make check`
 * reports it as XPASS, a bug was fixed and its test belongs in the file of
 * its group. Both bugs are about an offer's answer and the reservation it
 * makes (rmig_control.c): a reservation is dropped only when a stream from
 * that source ends (rmig_stream_portal.c), and answers carry nothing that
 * ties them to the offer they answer.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "rmig_unit.h"

/* A spare accepted cluster 2's offer, and no BEGIN ever came (the source
 * timed out before the ACCEPT reached it, or failed before its BEGIN). Long
 * after the move's timeout, the spare should take another offer; it
 * refuses every offer with -EBUSY for the rest of the job. */
START_TEST(reservation_without_begin_lapses)
{
    struct rmig_wire_hdr o2 = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0), o3 = o2;

    o2.a = o3.a = FAKE_FINGERPRINT;
    o3.src_cluster = 3;
    o3.rank = 3;
    ck_assert_int_eq(rmig_control_handle(&o2), 0);
    rmu_assert_sent(0, 2, RMIG_MSG_ACCEPT, 2, 0, 0);
    fake_now += 10 * rmig_timeout();
    ck_assert_int_eq(rmig_control_handle(&o3), 0);
    rmu_assert_sent(1, 3, RMIG_MSG_ACCEPT, 3, 0, 0);
}
END_TEST

/* The first offer to cluster 4 timed out; 4's REFUSE came later and still
 * waits in the mailbox when the rank offers itself to 4 again. The second
 * offer should be judged by 4's answer to it (ACCEPT: the move goes on);
 * the source takes the stale REFUSE instead, gives up with -EBUSY, and 4,
 * which accepted the second offer, stays reserved for a BEGIN that never
 * comes. */
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

static Suite *known_bugs_suite(void)
{
    Suite *s = suite_create("rank-migrate-known-bugs");
    TCase *spare = tcase_create("spare"), *rank = tcase_create("rank");

    tcase_add_checked_fixture(spare, rmu_setup_spare, NULL);
    tcase_set_timeout(spare, 10);
    tcase_add_test(spare, reservation_without_begin_lapses);
    suite_add_tcase(s, spare);
    tcase_add_checked_fixture(rank, rmu_setup, NULL);
    tcase_set_timeout(rank, 10);
    tcase_add_test(rank, late_answer_not_taken_for_next_offer);
    suite_add_tcase(s, rank);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(known_bugs_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
