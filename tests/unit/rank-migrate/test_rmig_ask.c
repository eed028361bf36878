/* test_rmig_ask.c: Check tests of third-party move requests (rmig_ask.c, rmig_external.c).
 *
 * The cluster under test is RMU_ME, hosting rank RMU_ME. ASKs are handed
 * to rmig_ask_deliver() as the control handler would, or come through the
 * fake request socket as mpimigrate would send them (rmig_xreq_poll). The
 * tests check what is noted for the rank here (the newer request wins, the
 * older one's outside requester hears -ECANCELED), what is sent on along a
 * tombstone (a table of ranks, tombstones and hop counts: hops + 1 until
 * they reach the cluster count, then -ESRCH to the requester), and what
 * the requester hears through the fake kjob_request_reply() when the rank
 * acts on the request at a safe point.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "rmig_unit.h"
#include "testhelp_check.h"

static struct rmig_wire_hdr ask(int rank, int cluster, int hops, uint64_t requester, uint32_t nonce)
{
    struct rmig_wire_hdr h = rmu_hdr(RMIG_MSG_ASK, 0, rank, cluster, 0);

    h.hops = hops;
    h.a = requester;
    h.b = nonce;
    return h;
}

/* An answer to a requester, decoded without checks (some name no rank). */
static struct rmig_xreq raw_reply(int i)
{
    struct rmig_xreq x;

    ck_assert_int_lt(i, fake_nreplies);
    ck_assert_uint_eq(fake_reply[i].len, sizeof(x));
    memcpy(&x, fake_reply[i].bytes, sizeof(x));
    ck_assert_uint_eq(x.magic, RMIG_XREQ_MAGIC);
    ck_assert_uint_eq(fake_reply[i].requester, x.requester);
    return x;
}

static void assert_result(struct rmig_xreq x, uint32_t requester, uint32_t nonce, int rank,
                          int cluster, int from, int status)
{
    ck_assert_uint_eq(x.type, RMIG_XREQ_RESULT);
    ck_assert_uint_eq(x.requester, requester);
    ck_assert_uint_eq(x.nonce, nonce);
    ck_assert_int_eq(x.rank, rank);
    ck_assert_int_eq(x.cluster, cluster);
    ck_assert_int_eq(x.from, from);
    ck_assert_int_eq(x.status, status);
}

static void assert_noted(int cluster, uint64_t requester, uint32_t nonce)
{
    ck_assert_int_eq(rmig_cluster.ask_cluster, cluster);
    ck_assert_uint_eq(rmig_cluster.ask_requester, requester);
    ck_assert_uint_eq(rmig_cluster.ask_nonce, nonce);
}

/* ---- delivered here ------------------------------------------------------- */

START_TEST(ask_for_local_rank_noted)
{
    struct rmig_wire_hdr h = ask(RMU_ME, 5, 2, 77, 9);

    rmig_ask_deliver(&h);
    assert_noted(5, 77, 9);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(fake_nreplies, 0);
}
END_TEST

static const uint32_t older_requester[] = {77, 0};

START_TEST(newer_ask_replaces_older)
{
    struct rmig_wire_hdr first = ask(RMU_ME, 5, 0, older_requester[_i], 9);
    struct rmig_wire_hdr second = ask(RMU_ME, 2, 0, 88, 10);

    rmig_ask_deliver(&first);
    rmig_ask_deliver(&second);
    assert_noted(2, 88, 10);
    ck_assert_int_eq(fake_nreplies, older_requester[_i] ? 1 : 0);
    if (older_requester[_i])
        assert_result(rmu_reply(0), 77, 9, RMU_ME, RMU_ME, RMU_ME, -ECANCELED);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

/* ---- along tombstones ------------------------------------------------------ */

static const struct {
    const char *what;
    int rank, tomb, released; /* tomb: where rank left for (-1: none); released: no rank here */
    int hops, want_to;        /* want_to: forwarded there, -1: -ESRCH to the requester */
} tomb_cases[] = {
    {"rank 2 left for 3", 2, 3, 0, 0, 3},
    {"after 5 hops", 2, 3, 0, 5, 3},
    {"hops reach the cluster count", 2, 3, 0, FAKE_NCLUSTERS, -1},
    {"hops far past it", 2, 3, 0, RMIG_MAX_HOPS, -1},
    {"no tombstone: to where it started", 2, -1, 0, 0, 2},
    {"tombstone to here", 2, RMU_ME, 0, 0, -1},
    {"rank past the job", RMU_NRANKS, 3, 0, 0, -1},
    {"negative rank", -1, -1, 0, 0, -1},
    {"own rank after it left", RMU_ME, 4, 1, 0, 4},
    {"own rank left, no tombstone", RMU_ME, -1, 1, 0, -1},
};

START_TEST(ask_along_tombstones)
{
    struct rmig_wire_hdr h = ask(tomb_cases[_i].rank, 5, tomb_cases[_i].hops, 4242, 3), f;

    if (tomb_cases[_i].tomb >= 0)
        rmig_tomb_set(tomb_cases[_i].rank, tomb_cases[_i].tomb);
    if (tomb_cases[_i].released)
        ua_release_container();
    rmig_ask_deliver(&h);
    if (tomb_cases[_i].want_to < 0) {
        ck_assert_msg(fake_nsent == 0, "%s: forwarded", tomb_cases[_i].what);
        ck_assert_int_eq(fake_nreplies, 1);
        assert_result(raw_reply(0), 4242, 3, tomb_cases[_i].rank, RMU_ME, RMU_ME, -ESRCH);
        return;
    }
    ck_assert_msg(fake_nsent == 1, "%s: not forwarded", tomb_cases[_i].what);
    rmu_assert_sent(0, tomb_cases[_i].want_to, RMIG_MSG_ASK, tomb_cases[_i].rank, 5,
                    tomb_cases[_i].hops + 1);
    f = rmu_sent(0);
    ck_assert_uint_eq(f.a, 4242);
    ck_assert_uint_eq(f.b, 3);
    ck_assert_int_eq(fake_nreplies, 0);
    ck_assert_int_eq(rmig_cluster.ask_cluster, -1);
}
END_TEST

START_TEST(forward_fails_requester_told)
{
    struct rmig_wire_hdr h = ask(2, 5, 0, 4242, 3);

    rmig_tomb_set(2, 3);
    fake_write_error = -EIO;
    rmig_ask_deliver(&h);
    ck_assert_int_eq(fake_nreplies, 1);
    assert_result(rmu_reply(0), 4242, 3, 2, RMU_ME, RMU_ME, -ESRCH);
}
END_TEST

/* The rank left with a request still noted: it follows the rank. */
START_TEST(noted_ask_follows_rank)
{
    struct rmig_wire_hdr h = ask(RMU_ME, 5, 0, 77, 9), f;

    rmig_ask_follow(RMU_ME, 4); /* nothing noted: nothing sent */
    ck_assert_int_eq(fake_nsent, 0);
    rmig_ask_deliver(&h);
    rmig_ask_follow(RMU_ME, 4);
    ck_assert_int_eq(fake_nsent, 1);
    rmu_assert_sent(0, 4, RMIG_MSG_ASK, RMU_ME, 5, 1);
    f = rmu_sent(0);
    ck_assert_uint_eq(f.a, 77);
    ck_assert_uint_eq(f.b, 9);
    ck_assert_int_eq(rmig_cluster.ask_cluster, -1);
}
END_TEST

/* ---- acted on by the rank ---------------------------------------------------- */

START_TEST(take_moves_requester_into_rank)
{
    struct rmig_wire_hdr h = ask(RMU_ME, 5, 0, 77, 9);
    struct rmig_rank *rs;

    ck_assert_int_eq(rmig_ask_take(), -1);
    rmig_ask_deliver(&h);
    ck_assert_int_eq(rmig_ask_take(), 5);
    rs = rmig_rank_state();
    ck_assert_uint_eq(rs->xreq_requester, 77);
    ck_assert_uint_eq(rs->xreq_nonce, 9);
    ck_assert_int_eq(rmig_ask_take(), -1);
}
END_TEST

static const struct {
    int result, from, status;
    uint64_t downtime_ns;
} done_cases[] = {
    {0, 3, 0, 500000000},        /* moved here from cluster 3 in 0.5 s */
    {-EBUSY, RMU_ME, -EBUSY, 0}, /* stayed */
    {-ENOSPC, RMU_ME, -ENOSPC, 0},
};

START_TEST(done_tells_requester_once)
{
    struct rmig_rank *rs = rmig_rank_state();
    struct rmig_xreq x;

    rs->xreq_requester = 77;
    rs->xreq_nonce = 9;
    rs->last.from = 3;
    rs->last.downtime = 0.5;
    rmig_ask_done(done_cases[_i].result);
    rmig_ask_done(done_cases[_i].result);
    ck_assert_int_eq(fake_nreplies, 1);
    x = rmu_reply(0);
    assert_result(x, 77, 9, RMU_ME, RMU_ME, done_cases[_i].from, done_cases[_i].status);
    ck_assert_uint_eq(x.downtime_ns, done_cases[_i].downtime_ns);
}
END_TEST

START_TEST(done_without_requester_silent)
{
    rmig_ask_done(-EBUSY);
    ck_assert_int_eq(fake_nreplies, 0);
}
END_TEST

START_TEST(safe_point_without_request)
{
    ck_assert_int_eq(rmig_safe_point(), 0);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_str_eq(rmu_log, "");
}
END_TEST

/* A request the move refuses: the rank stays and the requester hears why. */
static const struct {
    int cluster, want;
} refused_cases[] = {{RMU_ME, -EALREADY}, {4, -EBUSY}, {FAKE_NCLUSTERS, -EINVAL}};

START_TEST(safe_point_refused_request)
{
    struct rmig_wire_hdr h = ask(RMU_ME, refused_cases[_i].cluster, 0, 77, 9);

    rmu_peer[4].offer = RMU_REFUSE;
    rmu_peer[4].refuse_arg = -EBUSY;
    rmu_push_hdr(&h);
    ck_assert_int_eq(rmig_safe_point(), refused_cases[_i].want);
    ck_assert_int_eq(fake_nreplies, 1);
    assert_result(rmu_reply(0), 77, 9, RMU_ME, RMU_ME, RMU_ME, refused_cases[_i].want);
    ck_assert_int_eq(fake_self, RMU_ME);
}
END_TEST

/* A request that moves the rank: the destination answers, with the downtime. */
START_TEST(safe_point_move_reported_from_destination)
{
    struct rmig_wire_hdr h = ask(RMU_ME, 4, 0, 77, 9);
    struct rmig_xreq x;

    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    rmu_push_hdr(&h);
    fake_now = 100.0;
    rmu_arrive_at(4, 200.0);
    ck_assert_int_eq(rmig_safe_point(), 0);
    ck_assert_int_eq(fake_self, 4);
    ck_assert_int_eq(fake_nreplies, 1);
    x = rmu_reply(0);
    assert_result(x, 77, 9, RMU_ME, 4, RMU_ME, 0);
    ck_assert_uint_eq(x.downtime_ns, 99937500000ULL);
}
END_TEST

START_TEST(ask_sends_request)
{
    struct rmig_wire_hdr h;

    ck_assert_int_eq(rmig_ask(FAKE_NCLUSTERS, 2, 5), -EINVAL);
    ck_assert_int_eq(rmig_ask(-1, 2, 5), -EINVAL);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(rmig_ask(2, 2, 5), 0);
    rmu_assert_sent(0, 2, RMIG_MSG_ASK, 2, 5, 0);
    h = rmu_sent(0);
    ck_assert_uint_eq(h.a, 0);
    ck_assert_uint_eq(h.b, 0);
}
END_TEST

/* ---- from outside the job (rmig_external.c) --------------------------------- */

static void push_move(uint32_t requester, uint32_t nonce, int rank, int cluster)
{
    struct rmig_xreq m;

    rmig_xreq_fill(&m, RMIG_XREQ_MOVE, requester, nonce, rank, cluster);
    fake_xreq_push(&m, sizeof(m));
}

static const struct {
    int cluster, want_noted;
} outside_cases[] = {{4, 4}, {-1, RMIG_ANY_SPARE}, {0, 0}};

START_TEST(outside_request_queued_and_noted)
{
    struct rmig_xreq x;

    push_move(99, 4, RMU_ME, outside_cases[_i].cluster);
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nreplies, 1);
    x = rmu_reply(0);
    ck_assert_uint_eq(x.type, RMIG_XREQ_QUEUED);
    ck_assert_uint_eq(x.requester, 99);
    ck_assert_uint_eq(x.nonce, 4);
    ck_assert_int_eq(x.rank, RMU_ME);
    ck_assert_int_eq(x.cluster, RMU_ME);
    assert_noted(outside_cases[_i].want_noted, RMIG_REQUESTER(RMU_ME, 99), 4);
}
END_TEST

START_TEST(outside_request_for_rank_that_left)
{
    rmig_tomb_set(2, 3);
    push_move(99, 4, 2, 5);
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nreplies, 1);
    ck_assert_uint_eq(rmu_reply(0).type, RMIG_XREQ_QUEUED);
    rmu_assert_sent(0, 3, RMIG_MSG_ASK, 2, 5, 1);
    ck_assert_uint_eq(rmu_sent(0).a, RMIG_REQUESTER(RMU_ME, 99));
}
END_TEST

/* A rank this cluster never hosted: the request goes where the routes say
 * it is, else to the cluster it started on. */
static int route_answer;

static int route_of(int rank)
{
    (void)rank;
    return route_answer;
}

static const struct {
    const char *what;
    int route, want_to;
} guess_cases[] = {
    {"routes say cluster 4", 4, 4},
    {"routes say here: where it started", RMU_ME, 0},
    {"no route: where it started", -1, 0},
    {"route past the clusters: where it started", FAKE_NCLUSTERS + 3, 0},
};

START_TEST(outside_request_off_the_path)
{
    struct rmig_messaging_ops ops = rmu_ops;

    ops.route = route_of;
    route_answer = guess_cases[_i].route;
    rmig_set_messaging(&ops);
    push_move(99, 4, 0, 5);
    rmig_xreq_poll();
    ck_assert_uint_eq(rmu_reply(0).type, RMIG_XREQ_QUEUED);
    ck_assert_msg(fake_nsent == 1, "%s: not forwarded", guess_cases[_i].what);
    rmu_assert_sent(0, guess_cases[_i].want_to, RMIG_MSG_ASK, 0, 5, 1);
    ck_assert_uint_eq(rmu_sent(0).a, RMIG_REQUESTER(RMU_ME, 99));
}
END_TEST

/* The outcome of a request that came in at another cluster goes back there
 * as a RESULT control message, which that cluster writes to the requester's
 * socket; one that came in here is written here. */
START_TEST(result_through_entry_cluster)
{
    struct rmig_wire_hdr r;

    rmig_xreq_result(RMIG_REQUESTER(3, 99), 4, RMU_ME, RMU_ME, 0, 0, 12345);
    ck_assert_int_eq(fake_nreplies, 0);
    ck_assert_int_eq(fake_nsent, 1);
    r = rmu_sent(0);
    rmu_assert_sent(0, 3, RMIG_MSG_RESULT, RMU_ME, 0, 0);
    ck_assert_int_eq(r.from, 0);
    ck_assert_uint_eq(r.a, RMIG_REQUESTER(3, 99));
    ck_assert_uint_eq(r.b, 4);
    ck_assert_uint_eq(r.c, 12345);
    ck_assert_int_eq(rmig_wire_check(&r, sizeof(r), FAKE_JOB, NULL), RMIG_MSG_RESULT);
    rmig_xreq_result(RMIG_REQUESTER(RMU_ME, 98), 5, RMU_ME, RMU_ME, RMU_ME, -EBUSY, 0);
    ck_assert_int_eq(fake_nsent, 1);
    ck_assert_int_eq(fake_nreplies, 1);
    assert_result(rmu_reply(0), 98, 5, RMU_ME, RMU_ME, RMU_ME, -EBUSY);
}
END_TEST

START_TEST(result_relayed_at_entry)
{
    struct rmig_wire_hdr h = rmu_hdr(RMIG_MSG_RESULT, 4, 2, 0, 0);
    struct rmig_xreq x;

    h.from = 2;
    h.a = RMIG_REQUESTER(RMU_ME, 99);
    h.b = 4;
    h.c = 777;
    rmig_control_handle(&h);
    ck_assert_int_eq(fake_nreplies, 1);
    x = rmu_reply(0);
    assert_result(x, 99, 4, 2, 4, 2, 0);
    ck_assert_uint_eq(x.downtime_ns, 777);
    h.a = RMIG_REQUESTER(3, 99); /* came in elsewhere: not ours to answer */
    rmig_control_handle(&h);
    ck_assert_int_eq(fake_nreplies, 1);
}
END_TEST

enum bad_request { BAD_MAGIC, BAD_RANK, BAD_CLUSTER, NO_REQUESTER, SHORT, ANSWER_TYPE };

START_TEST(outside_request_malformed_ignored)
{
    struct rmig_xreq m;
    size_t len = sizeof(m);

    rmig_xreq_fill(&m, _i == ANSWER_TYPE ? RMIG_XREQ_QUEUED : RMIG_XREQ_MOVE, 99, 4, RMU_ME, 4);
    m.magic ^= _i == BAD_MAGIC;
    m.rank = _i == BAD_RANK ? RMU_NRANKS : m.rank;
    m.cluster = _i == BAD_CLUSTER ? FAKE_NCLUSTERS : m.cluster;
    m.requester = _i == NO_REQUESTER ? 0 : m.requester;
    len -= _i == SHORT;
    fake_xreq_push(&m, len);
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nreplies, 0);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(rmig_cluster.ask_cluster, -1);
}
END_TEST

/* Anyone of this user can write to the request socket as often as it likes:
 * a flood of malformed requests is ignored with at most BASE_LOG_BURST
 * warnings, not one line each. */
static void flood_malformed(void *arg)
{
    struct rmig_xreq m;
    int i;

    (void)arg;
    rmig_xreq_fill(&m, RMIG_XREQ_MOVE, 99, 4, RMU_ME, 4);
    m.magic ^= 1;
    for (i = 0; i < FAKE_REPLY_MAX; i++)
        fake_xreq_push(&m, sizeof(m));
    for (i = 0; i < FAKE_REPLY_MAX; i++)
        rmig_xreq_poll();
}

START_TEST(outside_request_flood_rate_limited)
{
    const char *out, *p;
    int lines = 0;

    setenv("NMPI_LOG", "warn",
           1); /* the fixture quiets warnings; the level is read at the first line */
    ck_assert_int_eq(base_log_on(BASE_LOG_WARN), 1);
    out = p = rmu_caught(flood_malformed);

    while ((p = strstr(p, "malformed request from outside the job ignored")) != NULL) {
        lines++;
        p++;
    }
    ck_assert_int_gt(FAKE_REPLY_MAX, BASE_LOG_BURST);
    ck_assert_int_eq(lines, BASE_LOG_BURST);
    ck_assert_int_eq(fake_nreplies, 0);
    ck_assert_int_eq(rmig_cluster.ask_cluster, -1);
}
END_TEST

static Suite *ask_suite(void)
{
    Suite *s = suite_create("rank-migrate-ask");
    TCase *tc = tcase_create("ask");

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, ask_for_local_rank_noted);
    tcase_add_loop_test(tc, newer_ask_replaces_older, 0, 2);
    tcase_add_loop_test(tc, ask_along_tombstones, 0, sizeof(tomb_cases) / sizeof(tomb_cases[0]));
    tcase_add_test(tc, forward_fails_requester_told);
    tcase_add_test(tc, noted_ask_follows_rank);
    tcase_add_test(tc, take_moves_requester_into_rank);
    tcase_add_loop_test(tc, done_tells_requester_once, 0,
                        sizeof(done_cases) / sizeof(done_cases[0]));
    tcase_add_test(tc, done_without_requester_silent);
    tcase_add_test(tc, safe_point_without_request);
    tcase_add_loop_test(tc, safe_point_refused_request, 0,
                        sizeof(refused_cases) / sizeof(refused_cases[0]));
    tcase_add_test(tc, safe_point_move_reported_from_destination);
    tcase_add_test(tc, ask_sends_request);
    tcase_add_loop_test(tc, outside_request_queued_and_noted, 0,
                        sizeof(outside_cases) / sizeof(outside_cases[0]));
    tcase_add_test(tc, outside_request_for_rank_that_left);
    tcase_add_loop_test(tc, outside_request_off_the_path, 0,
                        sizeof(guess_cases) / sizeof(guess_cases[0]));
    tcase_add_test(tc, result_through_entry_cluster);
    tcase_add_test(tc, result_relayed_at_entry);
    tcase_add_loop_test(tc, outside_request_malformed_ignored, BAD_MAGIC, ANSWER_TYPE + 1);
    tcase_add_test(tc, outside_request_flood_rate_limited);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(ask_suite());
}
