/* test_cv_mprobe.c: unit tests of comm-virt's matched probe (cv_improbe,
 * cv_imrecv in cv_recv.c).
 *
 * Runs the real receive side against the fake kernel. A matched probe must
 * take the oldest matching message out of the unexpected queue (a later
 * probe or receive sees the next one, the queue's tail stays right), fill
 * the envelope with the whole length, and leave everything untouched when
 * nothing matches; cv_imrecv must then complete an eager message with its
 * payload (truncating like a receive), answer a synchronous sender only
 * then, and answer an RTS with a CTS only then, waiting for the GO.
 */
#include <check.h>
#include <string.h>

#include "cv_unit.h"
#include "testhelp_check.h"

#define A CV_ANY_SOURCE
#define T CV_ANY_TAG

static unsigned char big[3 * CV_EAGER_LIMIT];

START_TEST(improbe_nothing_leaves_all)
{
    struct cv_status st = {.source = -9};
    cv_message_t *m = (cv_message_t *)&st; /* must stay as it is */
    int flag = -1;

    cvu_deliver(1, 8, 1, 0x11, 3); /* other context */
    ck_assert_int_eq(cv_improbe(A, 8, 0, &flag, &m, &st), 0);
    ck_assert_int_eq(flag, 0);
    ck_assert_ptr_eq(m, (cv_message_t *)&st);
    ck_assert_int_eq(st.source, -9);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 1);
}
END_TEST

START_TEST(improbe_takes_oldest_out_of_matching)
{
    unsigned char buf[16];
    struct cv_status st;
    cv_message_t *m;
    cv_request_t *q, *r;
    int flag;

    cvu_deliver(0, 8, 0, 0x11, 3);
    cvu_deliver(2, 8, 0, 0x12, 5);
    cvu_deliver(2, 9, 0, 0x13, 4);
    ck_assert_int_eq(cv_improbe(A, 8, 0, &flag, &m, &st), 0);
    ck_assert_int_eq(flag, 1);
    ck_assert_int_eq(st.source, 0);
    ck_assert_int_eq(st.tag, 8);
    ck_assert_uint_eq(st.count, 3);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 2);
    cv_iprobe(A, 8, 0, &flag, &st); /* the next one now */
    ck_assert_int_eq(flag, 1);
    ck_assert_int_eq(st.source, 2);
    r = cvu_irecv(buf, sizeof(buf), A, 8, 0);
    ck_assert(cv_request_done(r));
    ck_assert(cvu_payload_is(buf, 5, 0x12));
    ck_assert_int_eq(cv_imrecv(m, buf, sizeof(buf), &q), 0);
    ck_assert(cv_request_done(q));
    ck_assert_int_eq(q->status.source, 0);
    ck_assert_uint_eq(q->status.count, 3);
    ck_assert(cvu_payload_is(buf, 3, 0x11));
    /* the queue's tail is still right: a new message goes after 0x13 */
    cvu_deliver(3, 9, 0, 0x14, 2);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 2);
    ck_assert_int_eq(cv_improbe(A, 9, 0, &flag, &m, &st), 0);
    ck_assert_int_eq(st.source, 2);
    ck_assert_int_eq(cv_improbe(A, 9, 0, &flag, &m, &st), 0);
    ck_assert_int_eq(st.source, 3);
    ck_assert_ptr_null(cv_self()->unexpected.head);
    ck_assert_ptr_null(cv_self()->unexpected.tail);
    cv_imrecv(m, buf, 1, &q); /* truncated like a receive */
    ck_assert_int_eq(q->status.error, CV_ERR_TRUNCATE);
    ck_assert_uint_eq(q->status.count, 1);
}
END_TEST

START_TEST(imrecv_of_rts_sends_cts_only_then)
{
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_RTS, 3, 4, 0, 2, 2 * CV_EAGER_LIMIT), c;
    struct cv_status st;
    cv_message_t *m;
    cv_request_t *q;
    int flag;

    cv_deliver(cv_self(), &h, NULL);
    ck_assert_int_eq(cv_improbe(3, 4, 0, &flag, &m, &st), 0);
    ck_assert_int_eq(flag, 1);
    ck_assert_uint_eq(st.count, 2 * CV_EAGER_LIMIT);
    ck_assert_int_eq(fake_nsent, 0); /* probing does not answer the RTS */
    ck_assert_int_eq(cv_imrecv(m, big, sizeof(big), &q), 0);
    ck_assert_int_eq(fake_nsent, 1);
    c = cvu_sent(0);
    ck_assert_int_eq(c.type, CV_MSG_CTS);
    ck_assert_int_eq(c.dst, 3);
    ck_assert_uint_eq(c.cookie, 1002);
    ck_assert_int_eq(q->state, CV_REQ_WAIT_GO);
    ck_assert_ptr_eq(cv_self()->active, q);
}
END_TEST

START_TEST(imrecv_acks_sync_sender_only_then)
{
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, 2, 4, 0, 6, 4), a;
    unsigned char buf[8], payload[4];
    struct cv_status st;
    cv_message_t *m;
    cv_request_t *q;
    int flag;

    h.flags = CV_FLAG_SYNC;
    cvu_payload(payload, sizeof(payload), 0x21);
    cv_deliver(cv_self(), &h, payload);
    ck_assert_int_eq(cv_improbe(A, T, 0, &flag, &m, &st), 0);
    ck_assert_int_eq(flag, 1);
    ck_assert_int_eq(fake_nsent, 0);
    cv_imrecv(m, buf, sizeof(buf), &q);
    ck_assert(cv_request_done(q));
    ck_assert_int_eq(fake_nsent, 1);
    a = cvu_sent(0);
    ck_assert_int_eq(a.type, CV_MSG_ACK);
    ck_assert_uint_eq(a.cookie, 1006);
    ck_assert(cvu_payload_is(buf, 4, 0x21));
}
END_TEST

static Suite *mprobe_suite(void)
{
    Suite *s = suite_create("cv_mprobe");
    TCase *t = tcase_create("mprobe");

    tcase_add_checked_fixture(t, cvu_setup, NULL);
    tcase_add_test(t, improbe_nothing_leaves_all);
    tcase_add_test(t, improbe_takes_oldest_out_of_matching);
    tcase_add_test(t, imrecv_of_rts_sends_cts_only_then);
    tcase_add_test(t, imrecv_acks_sync_sender_only_then);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_check_run(mprobe_suite());
}
