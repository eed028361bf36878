/* test_cv_route.c: unit tests of comm-virt's routes (cv_route.c).
 *
 * cv_route_learn() is checked on a table: a known (cluster, epoch) for a
 * rank, one piece of news, and the route and epoch that must result (the
 * other ranks' routes must not change). Then the same through ROUTE
 * messages in the inbox, the ROUTE messages cv_announce() writes, the
 * forwarding of a message that reaches this cluster for a rank that is not
 * here (a table of where its sender sits, which decides whether the sender's
 * cluster is told the new route), the idle cluster's loop, and that sends
 * follow a learnt route.
 */
#include <check.h>
#include <string.h>

#include "cv_unit.h"
#include "testhelp_check.h"

/* clang-format off */
static const struct learn_case {
    const char *name;
    int known_cluster;   /* what this cluster knows of rank 2 ... */
    uint32_t known_epoch; /* ... and since which of its moves */
    int rank, cluster;   /* the news */
    uint32_t epoch;
    int want_cluster;    /* rank 2's route and epoch afterwards */
    uint32_t want_epoch;
} learn_cases[] = {
    {"newer epoch replaces", 4, 3, 2, 5, 4, 5, 4},
    {"much newer epoch replaces", 4, 3, 2, 5, 1000, 5, 1000},
    {"older epoch is ignored", 4, 3, 2, 5, 2, 4, 3},
    {"epoch 0 after epoch 3 is ignored", 4, 3, 2, 5, 0, 4, 3},
    {"equal epoch replaces", 4, 3, 2, 5, 3, 5, 3},
    {"epoch wraps: 0 is newer than 2^32-1", 4, 0xffffffff, 2, 5, 0, 5, 0},
    {"2^31 ahead counts as older", 4, 0, 2, 5, 0x80000000, 4, 0},
    {"spare cluster is a valid place", 4, 3, 2, 5, 9, 5, 9},
    {"back to its first cluster", 4, 3, 2, 2, 4, 2, 4},
    {"cluster -1 is ignored", 4, 3, 2, -1, 9, 4, 3},
    {"cluster past the job is ignored", 4, 3, 2, FAKE_NCLUSTERS, 9, 4, 3},
    {"rank -1 is ignored", 4, 3, -1, 5, 9, 4, 3},
    {"rank past the job is ignored", 4, 3, FAKE_NRANKS, 5, 9, 4, 3},
    {"other rank's news leaves rank 2 alone", 4, 3, 0, 5, 9, 4, 3},
    /* A route that says "here" for a rank this cluster does not host is
     * stale (say, another rank's snapshot from before rank 2 left): taking
     * it would drop rank 2's messages here instead of forwarding them. */
    {"news that rank 2 is here, when it is not, is ignored", 4, 3, 2, FAKE_SELF, 9, 4, 3},
};
/* clang-format on */

/* Every route but rank 2's is where it started (or `except` learnt it). */
static void check_other_routes(const char *name, int except, int cluster)
{
    int i;

    for (i = 0; i < FAKE_NRANKS; i++) {
        if (i == 2)
            continue;
        ck_assert_msg(cv_route(i) == (i == except ? cluster : i), "%s: route of rank %d is %d",
                      name, i, cv_route(i));
    }
}

START_TEST(learn_table)
{
    const struct learn_case *c = &learn_cases[_i];

    cv_cluster.route[2] = c->known_cluster;
    cv_cluster.epoch[2] = c->known_epoch;
    cv_route_learn(c->rank, c->cluster, c->epoch);
    ck_assert_msg(cv_route(2) == c->want_cluster, "%s: route %d, want %d", c->name, cv_route(2),
                  c->want_cluster);
    ck_assert_msg(cv_cluster.epoch[2] == c->want_epoch, "%s: epoch %u, want %u", c->name,
                  cv_cluster.epoch[2], c->want_epoch);
    check_other_routes(c->name, c->rank == 0 ? 0 : -1, c->cluster);
}
END_TEST

/* clang-format off */
static const struct {
    int rank, want;
} route_cases[] = {
    {0, 0}, {1, 1}, {FAKE_NRANKS - 1, FAKE_NRANKS - 1}, {-1, CV_ERR_RANK}, {FAKE_NRANKS, CV_ERR_RANK},
};
/* clang-format on */

START_TEST(route_at_start)
{
    ck_assert_int_eq(cv_route(route_cases[_i].rank), route_cases[_i].want);
}
END_TEST

/* Queues a ROUTE message: rank lives on cluster, move count epoch. */
static void push_route(int rank, int cluster, uint32_t epoch)
{
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_ROUTE, rank, 0, 0, epoch, 0);

    h.dst = rank;
    h.src_cluster = cluster;
    cvu_push(&h, 0);
}

START_TEST(route_messages_are_learnt)
{
    push_route(3, 4, 2);
    push_route(3, 5, 1); /* older news, arriving late */
    push_route(0, 5, 1);
    ck_assert_int_eq(cv_progress(), 3);
    ck_assert_int_eq(cv_route(3), 4);
    ck_assert_uint_eq(cv_cluster.epoch[3], 2);
    ck_assert_int_eq(cv_route(0), 5);
    ck_assert_uint_eq(cv_self()->recv_seq[3], 0);
    ck_assert_ptr_null(cv_self()->unexpected.head);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

START_TEST(announce_tells_every_other_cluster)
{
    int i, c = 0;

    ck_assert_int_eq(cv_announce(CVU_ME, 7), 0);
    ck_assert_int_eq(cv_route(CVU_ME), FAKE_SELF);
    ck_assert_uint_eq(cv_cluster.epoch[CVU_ME], 7);
    ck_assert_int_eq(fake_nsent, FAKE_NCLUSTERS - 1);
    for (i = 0; i < fake_nsent; i++, c++) {
        struct cv_wire_hdr h = cvu_sent(i);

        if (c == FAKE_SELF)
            c++;
        ck_assert_int_eq(fake_sent[i].cluster, c);
        ck_assert_uint_eq(fake_sent[i].len, sizeof(h));
        ck_assert_uint_eq(h.type, CV_MSG_ROUTE);
        ck_assert_int_eq(h.src, CVU_ME);
        ck_assert_int_eq(h.dst, CVU_ME);
        ck_assert_uint_eq(h.seq, 7);
        ck_assert_int_eq(h.src_cluster, FAKE_SELF);
        ck_assert_uint_eq(h.job, FAKE_JOB);
    }
}
END_TEST

/* ---- forwarding --------------------------------------------------------- */

static const struct forward_case {
    const char *name;
    int sender_cluster; /* src_cluster of the message */
    int told;           /* the sender's cluster is told rank 2's new route */
} forward_cases[] = {
    {"sender elsewhere is told", 0, 1},
    {"sender on a spare is told", 5, 1},
    {"sender on the target is not told", 4, 0},
    {"sender on this cluster is not told", FAKE_SELF, 0},
};

/* Queues an eager message from rank 0 to rank 2; copies it into out. */
static size_t push_for_rank2(int sender_cluster, unsigned char *out)
{
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, 0, 3, 0, 0, 6);

    h.dst = 2;
    h.src_cluster = sender_cluster;
    memcpy(out, &h, sizeof(h));
    cvu_payload(out + sizeof(h), 6, 0x70);
    fake_inbox_push(out, sizeof(h) + 6);
    return sizeof(h) + 6;
}

START_TEST(forward_table)
{
    const struct forward_case *c = &forward_cases[_i];
    unsigned char msg[sizeof(struct cv_wire_hdr) + 6];
    size_t n;
    struct cv_wire_hdr r;

    cv_route_learn(2, 4, 1); /* rank 2 moved to cluster 4 */
    n = push_for_rank2(c->sender_cluster, msg);
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert_int_eq(fake_nsent, 1 + c->told);
    ck_assert_int_eq(fake_sent[0].cluster, 4);
    ck_assert_uint_eq(fake_sent[0].len, n);
    ck_assert_mem_eq(fake_sent[0].bytes, msg, n); /* sent on unchanged */
    ck_assert_ptr_null(cv_self()->unexpected.head);
    ck_assert_uint_eq(cv_self()->recv_seq[0], 0);
    if (!c->told)
        return;
    r = cvu_sent(1);
    ck_assert_int_eq(fake_sent[1].cluster, c->sender_cluster);
    ck_assert_uint_eq(r.type, CV_MSG_ROUTE);
    ck_assert_int_eq(r.src, 2);
    ck_assert_int_eq(r.src_cluster, 4);
    ck_assert_uint_eq(r.seq, 1);
}
END_TEST

START_TEST(forward_without_new_place_drops)
{
    unsigned char msg[sizeof(struct cv_wire_hdr) + 6];

    cv_cluster.route[2] = FAKE_SELF; /* "rank 2 is here", but it is not */
    push_for_rank2(0, msg);
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_ptr_null(cv_self()->unexpected.head);
}
END_TEST

START_TEST(idle_cluster_learns_and_forwards)
{
    unsigned char msg[sizeof(struct cv_wire_hdr) + 6];

    push_route(2, 5, 3);
    push_for_rank2(0, msg);
    push_route(2, 4, 2); /* older: must not undo the first */
    ck_assert_int_eq(cv_idle_work(), 3);
    ck_assert_int_eq(cv_route(2), 5);
    ck_assert_int_eq(fake_nsent, 2);
    ck_assert_int_eq(fake_sent[0].cluster, 5);
    ck_assert_int_eq(fake_sent[1].cluster, 0);
    ck_assert_uint_eq(cvu_sent(1).type, CV_MSG_ROUTE);
    ck_assert_int_eq(cv_idle_work(), 0);
}
END_TEST

START_TEST(sends_follow_learnt_routes)
{
    unsigned char b[4] = {0};
    cv_request_t *q;

    cv_route_learn(2, 5, 1);
    ck_assert_int_eq(cv_isend(b, sizeof(b), 2, 0, 0, CV_SEND_STANDARD, &q), 0);
    ck_assert_int_eq(cv_isend(b, sizeof(b), 3, 0, 0, CV_SEND_STANDARD, &q), 0);
    ck_assert_int_eq(fake_sent[0].cluster, 5);
    ck_assert_int_eq(fake_sent[1].cluster, 3);
    ck_assert_int_eq(cvu_sent(0).dst, 2);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *route_suite(void)
{
    Suite *s = suite_create("cv_route");
    TCase *tl = tcase_create("learn"), *tf = tcase_create("forward");

    tcase_add_checked_fixture(tl, cvu_setup, NULL);
    tcase_add_loop_test(tl, learn_table, 0, N(learn_cases));
    tcase_add_loop_test(tl, route_at_start, 0, N(route_cases));
    tcase_add_test(tl, route_messages_are_learnt);
    tcase_add_test(tl, announce_tells_every_other_cluster);
    tcase_add_checked_fixture(tf, cvu_setup, NULL);
    tcase_add_loop_test(tf, forward_table, 0, N(forward_cases));
    tcase_add_test(tf, forward_without_new_place_drops);
    tcase_add_test(tf, idle_cluster_learns_and_forwards);
    tcase_add_test(tf, sends_follow_learnt_routes);
    suite_add_tcase(s, tl);
    suite_add_tcase(s, tf);
    return s;
}

int main(void)
{
    return th_check_run(route_suite());
}
