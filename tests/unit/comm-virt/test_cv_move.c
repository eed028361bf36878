/* test_cv_move.c: Check tests of comm-virt's part of a move (cv_migrate.c).
 *
 * rank-migrate runs a move and calls the operations comm-virt registered
 * (struct rmig_messaging_ops); the fake kernel keeps what was registered in
 * fake_messaging, and these tests call the operations as rank-migrate
 * would: ready, quiesce, depart, stay (the move failed) and arrive (on the
 * destination), checking the routes, the snapshot the container carries
 * and the ROUTE messages of the announcement.
 */
#include <check.h>
#include <stdlib.h>

#include "cv_unit.h"
#include "testhelp_check.h"

START_TEST(all_operations_registered)
{
    /* Naming cv_move_ops also links cv_migrate.o, whose constructor
     * registers it (in libmpi.so the whole layer is linked). */
    ck_assert(fake_messaging.ready == cv_move_ops.ready);
    ck_assert_ptr_nonnull(fake_messaging.ready);
    ck_assert_ptr_nonnull(fake_messaging.quiesce);
    ck_assert_ptr_nonnull(fake_messaging.progress);
    ck_assert_ptr_nonnull(fake_messaging.depart);
    ck_assert_ptr_nonnull(fake_messaging.stay);
    ck_assert_ptr_nonnull(fake_messaging.arrive);
    ck_assert(fake_messaging.forward == cv_idle_work);
}
END_TEST

START_TEST(ready_only_with_rank_state)
{
    ck_assert_int_eq(fake_messaging.ready(), 1);
    ck_assert_int_eq(cv_finalize(), 0);
    ck_assert_int_eq(fake_messaging.ready(), 0);
}
END_TEST

START_TEST(depart_routes_away_and_snapshots)
{
    struct cv_rank *r = cv_self();

    cv_route_learn(2, 5, 3);
    fake_messaging.depart(4);
    ck_assert_int_eq(cv_route(CVU_ME), 4); /* what still comes here is forwarded */
    ck_assert_int_eq(r->route_snap[CVU_ME], 4);
    ck_assert_int_eq(r->route_snap[2], 5);
    ck_assert_uint_eq(r->epoch_snap[2], 3);
    ck_assert_int_eq(r->route_snap[0], 0);
    ck_assert_int_eq(r->route_snap[3], 3);
    ck_assert_int_eq(fake_nsent, 0); /* nothing announced before the move */
}
END_TEST

START_TEST(stay_undoes_depart)
{
    fake_messaging.depart(4);
    fake_messaging.stay();
    ck_assert_int_eq(cv_route(CVU_ME), FAKE_SELF);
    ck_assert_int_eq(cv_self()->moves, 0);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

/* On arrival the rank merges the routes it brought and tells every other
 * cluster (spares too) where it is now, with its new epoch. */
START_TEST(arrive_merges_and_announces)
{
    int i, seen[FAKE_NCLUSTERS] = {0};

    cv_route_learn(2, 5, 3);
    fake_messaging.depart(4);
    cv_route_learn(2, 0, 1); /* this cluster's stale view: older epoch */
    fake_messaging.arrive();
    ck_assert_int_eq(cv_self()->moves, 1);
    ck_assert_int_eq(cv_route(2), 5);
    ck_assert_int_eq(cv_route(CVU_ME), FAKE_SELF);
    ck_assert_int_eq(fake_nsent, FAKE_NCLUSTERS - 1);
    for (i = 0; i < fake_nsent; i++) {
        struct cv_wire_hdr h = cvu_sent(i);

        ck_assert_uint_eq(h.type, CV_MSG_ROUTE);
        ck_assert_int_eq(h.src, CVU_ME);
        ck_assert_int_eq(h.src_cluster, FAKE_SELF);
        ck_assert_uint_eq(h.seq, 1);
        seen[fake_sent[i].cluster]++;
    }
    for (i = 0; i < FAKE_NCLUSTERS; i++)
        ck_assert_int_eq(seen[i], i == FAKE_SELF ? 0 : 1);
}
END_TEST

/* Quiesce waits only for transfers bound to this cluster: a send waiting
 * for its CTS is not one (it travels with the container). */
START_TEST(quiesce_ignores_unbound_requests)
{
    static unsigned char big[CV_EAGER_LIMIT + 1];
    cv_request_t *q;

    ck_assert_int_eq(cv_isend(big, sizeof(big), 2, 0, 0, CV_SEND_STANDARD, &q), 0);
    ck_assert_int_eq(cvu_req_count(cv_self()->active), 1);
    ck_assert_int_eq(fake_messaging.quiesce(), 0); /* nothing bound here */
    ck_assert_int_eq(cvu_req_count(cv_self()->active), 1);
}
END_TEST

/* A receive that answered an RTS with its CTS waits for the sender to write
 * here: bound to this cluster, so quiesce reports it (rank-migrate keeps
 * calling, answering control traffic in between) until the data is in. */
START_TEST(quiesce_reports_bound_receive)
{
    static unsigned char buf[CV_EAGER_LIMIT + 1];
    struct cv_wire_hdr rts = cvu_hdr(CV_MSG_RTS, 2, 5, 0, 0, sizeof(buf));

    cvu_irecv(buf, sizeof(buf), 2, 5, 0);
    cvu_push(&rts, 0);
    ck_assert_int_gt(cv_progress(), 0);
    ck_assert_uint_eq(cvu_sent(0).type, CV_MSG_CTS);
    ck_assert_int_eq(fake_messaging.quiesce(), 1);
    ck_assert_int_eq(fake_messaging.quiesce(), 1); /* no GO yet: still bound */
    ck_assert(fake_messaging.progress == cv_progress);
}
END_TEST

static Suite *cv_move_suite(void)
{
    Suite *s = suite_create("comm-virt-move");
    TCase *tc = tcase_create("move");

    tcase_add_checked_fixture(tc, cvu_setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, all_operations_registered);
    tcase_add_test(tc, ready_only_with_rank_state);
    tcase_add_test(tc, depart_routes_away_and_snapshots);
    tcase_add_test(tc, stay_undoes_depart);
    tcase_add_test(tc, arrive_merges_and_announces);
    tcase_add_test(tc, quiesce_ignores_unbound_requests);
    tcase_add_test(tc, quiesce_reports_bound_receive);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(cv_move_suite());
}
