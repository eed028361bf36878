/* test_rmig_ckpt_ask.c: Check tests of checkpoints asked from outside (rmig_ckpt_ask.c).
 *
 * Cluster RMU_ME (rank RMU_ME) of the fake job is the entry of a
 * CHECKPOINT pushed on its request socket as mpimigrate sends it; the
 * process then plays cluster 0 (the coordinator) by switching fake_self.
 * The tests check: QUEUED and the CKPT_ASK (with the directory) sent to
 * cluster 0; cluster 0's CKPT_GO to every other cluster, numbered, and its
 * -EBUSY while one is under way, until rank 0's CKPT_DONE frees it and
 * goes on to the entry; the entry's RESULT as mpimigrate decodes it; a
 * malformed CHECKPOINT ignored; and a rank's part: the registered handler
 * runs once per number, with moves held, never again for a number it
 * did, again for a newer one, and only rank 0 tells cluster 0 the outcome.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

#define REQ   5151u /* the requester's id */
#define NONCE 99u
#define DIR   "/scratch/ck"

static void push_checkpoint(const char *dir)
{
    struct rmig_xreq_ckpt c;

    memset(&c, 0, sizeof(c));
    rmig_xreq_fill(&c.m, RMIG_XREQ_CHECKPOINT, REQ, NONCE, 0, 0);
    strncpy(c.dir, dir, sizeof(c.dir) - 1);
    fake_xreq_push(&c, sizeof(c));
}

/* The checkpoint message i as received: header, and its directory. */
static struct rmig_wire_hdr sent_ckpt(int i, int cluster, int type, char *dir)
{
    struct rmig_wire_hdr h = rmu_sent(i);

    ck_assert_int_eq(fake_sent[i].cluster, cluster);
    ck_assert_int_eq(h.type, type);
    ck_assert_uint_eq(h.a, RMIG_REQUESTER(RMU_ME, REQ));
    ck_assert_uint_eq(h.b, NONCE);
    if (dir != NULL) {
        ck_assert_uint_eq(fake_sent[i].len, sizeof(struct rmig_wire_ckpt));
        memcpy(dir, fake_sent[i].bytes + sizeof(h), RMIG_WIRE_DIR_MAX);
    }
    return h;
}

/* Delivers a checkpoint message to the cluster the process plays now. */
static void deliver(int type, int src, int number, int status, uint64_t bytes, const char *dir)
{
    struct rmig_wire_hdr h = rmu_hdr(type, src, -1, status, 0);

    h.ckpt = number;
    h.a = RMIG_REQUESTER(RMU_ME, REQ);
    h.b = NONCE;
    h.c = bytes;
    if (dir != NULL) {
        char d[RMIG_WIRE_DIR_MAX] = {0};

        strncpy(d, dir, sizeof(d) - 1);
        rmig_ckpt_ask_carry(d);
    }
    rmig_control_handle(&h);
}

START_TEST(entry_queues_and_asks_cluster_0)
{
    char dir[RMIG_WIRE_DIR_MAX];
    struct rmig_xreq q;

    push_checkpoint(DIR);
    rmig_xreq_poll();
    q = rmu_reply(0);
    ck_assert_int_eq(q.type, RMIG_XREQ_QUEUED);
    ck_assert_uint_eq(q.nonce, NONCE);
    ck_assert_int_eq(q.cluster, RMU_ME);
    ck_assert_int_eq(fake_nsent, 1);
    sent_ckpt(0, 0, RMIG_MSG_CKPT_ASK, dir);
    ck_assert_str_eq(dir, DIR);
}
END_TEST

START_TEST(relative_directory_ignored)
{
    push_checkpoint("relative/ck");
    rmig_xreq_poll();
    ck_assert_int_eq(fake_nreplies, 0);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

START_TEST(cluster_0_numbers_one_at_a_time)
{
    char dir[RMIG_WIRE_DIR_MAX];
    int c, i = 0;

    fake_self = 0;
    deliver(RMIG_MSG_CKPT_ASK, RMU_ME, 0, 0, 0, DIR);
    ck_assert_int_eq(fake_nsent, FAKE_NCLUSTERS - 1);
    for (c = 1; c < FAKE_NCLUSTERS; c++, i++) {
        ck_assert_int_eq(sent_ckpt(i, c, RMIG_MSG_CKPT_GO, dir).ckpt, 1);
        ck_assert_str_eq(dir, DIR);
    }
    /* A second request while number 1 runs: refused, through its entry. */
    deliver(RMIG_MSG_CKPT_ASK, RMU_ME, 0, 0, 0, "/other");
    ck_assert_int_eq(fake_nsent, FAKE_NCLUSTERS);
    ck_assert_int_eq(sent_ckpt(i, RMU_ME, RMIG_MSG_CKPT_DONE, NULL).arg, -EBUSY);
    i++;
    /* Rank 0's outcome frees cluster 0 and goes on to the entry. */
    deliver(RMIG_MSG_CKPT_DONE, 3, 1, 0, 123456, NULL);
    ck_assert_int_eq(sent_ckpt(i, RMU_ME, RMIG_MSG_CKPT_DONE, NULL).c, 123456);
    i++;
    deliver(RMIG_MSG_CKPT_ASK, RMU_ME, 0, 0, 0, DIR);
    ck_assert_int_eq(sent_ckpt(i, 1, RMIG_MSG_CKPT_GO, NULL).ckpt, 2);
}
END_TEST

START_TEST(entry_answers_the_requester)
{
    struct rmig_xreq_ckpt r;

    deliver(RMIG_MSG_CKPT_DONE, 0, 4, 0, 777, NULL);
    deliver(RMIG_MSG_CKPT_DONE, 0, 5, -EACCES, 0, NULL);
    ck_assert_int_eq(fake_nreplies, 2);
    ck_assert_int_eq(rmig_xreq_ckpt_check(fake_reply[0].bytes, (long)fake_reply[0].len, RMU_NRANKS,
                                          FAKE_NCLUSTERS, &r),
                     RMIG_XREQ_RESULT);
    ck_assert_uint_eq(fake_reply[0].requester, REQ);
    ck_assert_int_eq(r.m.status, 0);
    ck_assert_int_eq(r.number, 4);
    ck_assert_int_eq(r.nranks, RMU_NRANKS);
    ck_assert_uint_eq(r.bytes, 777);
    ck_assert_int_eq(rmig_xreq_ckpt_check(fake_reply[1].bytes, (long)fake_reply[1].len, RMU_NRANKS,
                                          FAKE_NCLUSTERS, &r),
                     RMIG_XREQ_RESULT);
    ck_assert_int_eq(r.m.status, -EACCES);
    ck_assert_uint_eq(r.bytes, 0);
}
END_TEST

/* The MPI layer's part, recorded. */
static int handler_runs, handler_held;
static char handler_dir[RMIG_WIRE_DIR_MAX];

static int record_handler(const char *dir, int *restarted_p)
{
    handler_runs++;
    handler_held = rmig_checkpoint_holding();
    strcpy(handler_dir, dir);
    *restarted_p = 0;
    rmig_safe_point(); /* nested in its own waits: must not run it again */
    return 0;
}

START_TEST(rank_takes_part_once_per_number)
{
    rmig_set_checkpoint_handler(record_handler);
    rmig_ckpt_ask_join();
    ck_assert_int_eq(handler_runs, 0); /* nothing asked yet */
    deliver(RMIG_MSG_CKPT_GO, 0, 1, 0, 0, DIR);
    rmig_safe_point();
    ck_assert_int_eq(handler_runs, 1);
    ck_assert_int_eq(handler_held, 1);
    ck_assert_int_eq(rmig_checkpoint_holding(), 0); /* released after */
    ck_assert_str_eq(handler_dir, DIR);
    ck_assert_int_eq(fake_nsent, 0); /* rank 1 does not answer: rank 0 does */
    rmig_safe_point();
    deliver(RMIG_MSG_CKPT_GO, 0, 1, 0, 0, DIR); /* the same number again */
    rmig_safe_point();
    ck_assert_int_eq(handler_runs, 1);
    deliver(RMIG_MSG_CKPT_GO, 3, 2, 0, 0, "/not/from/cluster0");
    rmig_safe_point();
    ck_assert_int_eq(handler_runs, 1); /* only cluster 0 numbers them */
    deliver(RMIG_MSG_CKPT_GO, 0, 2, 0, 0, "/next");
    rmig_safe_point();
    ck_assert_int_eq(handler_runs, 2);
    ck_assert_str_eq(handler_dir, "/next");
    rmig_set_checkpoint_handler(NULL);
}
END_TEST

static Suite *ckpt_ask_suite(void)
{
    Suite *s = suite_create("rank-migrate-ckpt-ask");
    TCase *tc = tcase_create("ckpt-ask");

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, entry_queues_and_asks_cluster_0);
    tcase_add_test(tc, relative_directory_ignored);
    tcase_add_test(tc, cluster_0_numbers_one_at_a_time);
    tcase_add_test(tc, entry_answers_the_requester);
    tcase_add_test(tc, rank_takes_part_once_per_number);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(ckpt_ask_suite());
}
