/* test_rmig_reach.c: unit tests of the watch on a host after a stalled move
 * (rmig_reach.c) and of PING/PONG in the control handler.
 *
 * The fake kernel puts clusters 2h and 2h+1 on host h (rmig_fake.c): this
 * cluster (1) shares host 0 with cluster 0, the spares 4 and 5 are host 2.
 * The move's timeout is 1 s (rmu_setup), so a watch gives up after 2 s of
 * the fake clock. kjob_abort of the fake aborts the process: the test that wants the
 * job ended expects SIGABRT.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

/* Every PING sent so far went to a cluster of host 2 with one nonce;
 * returns it. */
static uint64_t pings_to_host2(int want)
{
    uint64_t nonce = 0;

    ck_assert_int_eq(fake_nsent, want);
    for (int i = 0; i < fake_nsent; i++) {
        struct rmig_wire_hdr h = rmu_sent(i);

        ck_assert_int_eq(h.type, RMIG_MSG_PING);
        ck_assert_int_eq(knode_host_of(fake_sent[i].cluster), 2);
        ck_assert(i == 0 || h.b == nonce);
        nonce = h.b;
    }
    return nonce;
}

START_TEST(ping_answered_with_pong)
{
    struct rmig_wire_hdr p = rmu_hdr(RMIG_MSG_PING, 4, 1, 0, 0);

    p.b = 0x1234567890ULL;
    ck_assert_int_eq(rmig_control_handle(&p), 0);
    rmu_assert_sent(0, 4, RMIG_MSG_PONG, 1, 0, 0);
    ck_assert_uint_eq(rmu_sent(0).b, 0x1234567890ULL);
}
END_TEST

/* A cluster in the middle of a move answers PINGs too. */
START_TEST(ping_answered_while_busy)
{
    struct rmig_wire_hdr out, p = rmu_hdr(RMIG_MSG_PING, 5, 1, 0, 0);

    p.b = 42;
    rmu_push_hdr(&p);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out), 0);
    rmu_assert_sent(0, 5, RMIG_MSG_PONG, 1, 0, 0);
    ck_assert_uint_eq(rmu_sent(0).b, 42);
}
END_TEST

/* A peer of this host: nothing to watch (np_lost.c sees its death). */
START_TEST(same_host_not_watched)
{
    rmig_reach_watch(0, 1, 1);
    ck_assert_int_eq(fake_nsent, 0);
    fake_now = 100.0;
    rmig_reach_tick(); /* would abort if a watch were on */
}
END_TEST

/* The PINGs go again every second, with the same nonce (one sent while
 * the link was down may be lost); a PONG from the watched host, within the
 * time, ends the watch and the PINGs. */
START_TEST(pong_ends_the_watch)
{
    struct rmig_wire_hdr pong = rmu_hdr(RMIG_MSG_PONG, 5, 1, 0, 0);

    rmig_reach_watch(4, 1, 0);
    pong.b = pings_to_host2(2);
    fake_now = 0.5;
    rmig_reach_tick();
    ck_assert_int_eq(fake_nsent, 2); /* not again within the second */
    fake_now = 1.5;
    rmig_reach_tick();
    ck_assert_uint_eq(pings_to_host2(4), pong.b);
    ck_assert_int_eq(rmig_control_handle(&pong), 0);
    fake_now = 100.0;
    rmig_reach_tick(); /* no abort: the host answered */
    ck_assert_int_eq(fake_nsent, 4);
}
END_TEST

/* Answers to another watch, or from another host, do not count; with no
 * right PONG within twice the timeout the job is ended (SIGABRT here). */
START_TEST(silent_host_ends_the_job)
{
    struct rmig_wire_hdr other = rmu_hdr(RMIG_MSG_PONG, 5, 1, 0, 0);
    struct rmig_wire_hdr wrong_host = rmu_hdr(RMIG_MSG_PONG, 2, 1, 0, 0);

    rmig_reach_watch(5, 1, 1);
    other.b = pings_to_host2(2) + 1;
    wrong_host.b = other.b - 1;
    rmig_control_handle(&other);
    rmig_control_handle(&wrong_host);
    fake_now = 1.9;
    rmig_reach_tick(); /* not yet */
    fake_now = 2.1;
    rmig_reach_tick();
}
END_TEST

static Suite *reach_suite(void)
{
    Suite *s = suite_create("rank-migrate-reach");
    TCase *tc = tcase_create("reach");

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, ping_answered_with_pong);
    tcase_add_test(tc, ping_answered_while_busy);
    tcase_add_test(tc, same_host_not_watched);
    tcase_add_test(tc, pong_ends_the_watch);
    tcase_add_test_raise_signal(tc, silent_host_ends_the_job, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(reach_suite());
}
