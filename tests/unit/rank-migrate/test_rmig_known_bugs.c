/* test_rmig_known_bugs.c: Check tests of what rank-migrate should do and does not yet.
 *
 * Each test asserts the behaviour a user would expect and fails against
 * today's code, so the program is listed in XFAIL_TESTS: when `make check`
 * reports it as XPASS, a bug was fixed and its test belongs in the file of
 * its group. The bug left is about an offer's answer (rmig_control.c):
 * answers carry nothing that ties them to the offer they answer. (The
 * other one, a reservation kept for good when BEGIN never came, is fixed:
 * its test is in test_rmig_control.c.)
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

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
    TCase *rank = tcase_create("rank");

    tcase_add_checked_fixture(rank, rmu_setup, NULL);
    tcase_set_timeout(rank, 10);
    tcase_add_test(rank, late_answer_not_taken_for_next_offer);
    suite_add_tcase(s, rank);
    return s;
}

int main(void)
{
    return th_check_run(known_bugs_suite());
}
