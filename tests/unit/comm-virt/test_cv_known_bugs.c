/* test_cv_known_bugs.c: comm-virt behaviour that is wrong today, as failing tests.
 *
 * Each test asserts what comm-virt should do and fails against the code as
 * it is, so the program is listed in XFAIL_TESTS: `make check` counts it as
 * an expected failure. Whoever fixes one of these moves its test to the
 * file of its concern (test_cv_order.c, test_cv_request.c, ...); once all
 * are fixed the program passes, automake reports XPASS (a failure), and it
 * leaves XFAIL_TESTS. Run it directly to see which ones still fail.
 */
#include <check.h>
#include <errno.h>

#include "cv_unit.h"
#include "testhelp_check.h"

/* cv_progress.c, cv_hold(): a second copy of a held message is kept next
 * to the first; once the first is delivered the copy sits at the head of
 * the held list with an old sequence number, and cv_release_held() never
 * looks past it, so every later message from that sender stays held. */
START_TEST(held_duplicate_does_not_wedge_the_sender)
{
    static const uint32_t seqs[] = {1, 1, 0, 3, 2};
    struct cv_rank *r = cv_self();
    int i;

    for (i = 0; i < 5; i++) {
        struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, 0, i + 1, 0, seqs[i], 4);

        cvu_push(&h, 16 * (i + 1));
    }
    cv_progress();
    ck_assert_uint_eq(r->recv_seq[0], 4);
    ck_assert_int_eq(cvu_msg_count(r->unexpected.head), 4);
    ck_assert_ptr_null(r->held[0]);
}
END_TEST

/* cv_send.c, cv_isend(): the sequence number is taken before the message
 * is written; when kmailbox_write() fails the number is gone, and the
 * receiver holds every later message from this rank forever. */
START_TEST(failed_send_does_not_use_up_a_sequence_number)
{
    unsigned char b[4] = {0};
    cv_request_t *q;

    fake_write_error = -EIO;
    ck_assert_int_eq(cv_isend(b, sizeof(b), 2, 0, 0, CV_SEND_STANDARD, &q), CV_ERR_INTERN);
    fake_write_error = 0;
    ck_assert_int_eq(cv_isend(b, sizeof(b), 2, 0, 0, CV_SEND_STANDARD, &q), 0);
    ck_assert_uint_eq(cvu_sent(0).seq, 0);
}
END_TEST

/* Matches an RTS of 2 * CV_EAGER_LIMIT bytes from rank 3 with a receive
 * and delivers its GO; returns the receive, reading through fake_portal[0]. */
static cv_request_t *receive_rendezvous(void)
{
    static unsigned char big[2 * CV_EAGER_LIMIT];
    cv_request_t *q = cvu_irecv(big, sizeof(big), 3, CV_ANY_TAG, 0);
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_RTS, 3, 1, 0, 0, sizeof(big));

    cv_deliver(cv_self(), &h, NULL);
    h = cvu_hdr(CV_MSG_GO, 3, 0, 0, 0, 0);
    h.cookie = 1000;
    h.port = 9;
    cv_handle_go(cv_self(), &h);
    return q;
}

/* cv_progress.c, cv_progress_transfers(): a finished transfer is closed
 * without kportal_wait(), the only call that returns its result (nanvix.h),
 * so a transfer that failed completes the request with no error. */
START_TEST(failed_transfer_is_reported)
{
    cv_request_t *q = receive_rendezvous();

    ck_assert_int_eq(q->state, CV_REQ_TRANSFER);
    fake_portal[0].done = 1;
    fake_portal[0].result = -EIO;
    cv_progress();
    ck_assert(cv_request_done(q));
    ck_assert_int_ne(q->status.error, 0);
}
END_TEST

/* Same function: a negative kportal_test() (an error) counts as "done". */
START_TEST(portal_test_error_is_not_success)
{
    cv_request_t *q = receive_rendezvous();

    fake_portal[0].done = -EBADF;
    cv_progress();
    ck_assert(!cv_request_done(q) || q->status.error != 0);
}
END_TEST

/* cv_recv.c, cv_handle_go(): when kportal_allow() or kportal_aread() fails
 * the portal kportal_create() gave is never unlinked (cv_send.c,
 * cv_handle_cts(), does the same with kportal_open()). */
START_TEST(failed_read_releases_its_portal)
{
    cv_request_t *q;

    fake_portal_error = -EIO;
    q = receive_rendezvous();
    ck_assert(cv_request_done(q));
    ck_assert_int_eq(q->status.error, CV_ERR_INTERN);
    ck_assert_int_eq(fake_nportals, 1);
    ck_assert_int_eq(fake_portal[0].retired, 1);
}
END_TEST

/* cv_recv.c, cv_send_cts(): the result of posting the CTS is ignored; when
 * it fails the receive waits for a GO that will never come. It should end
 * with an error, or send the CTS again later. */
START_TEST(lost_cts_does_not_hang_the_receive)
{
    static unsigned char big[2 * CV_EAGER_LIMIT];
    cv_request_t *q = cvu_irecv(big, sizeof(big), 3, CV_ANY_TAG, 0);
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_RTS, 3, 1, 0, 0, sizeof(big));
    int i;

    fake_write_error = -EIO;
    cv_deliver(cv_self(), &h, NULL);
    fake_write_error = 0;
    for (i = 0; i < 4; i++)
        cv_progress();
    ck_assert((cv_request_done(q) && q->status.error != 0) ||
              (fake_nsent == 1 && cvu_sent(0).type == CV_MSG_CTS));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cv_known_bugs");
    TCase *tc = tcase_create("bugs");

    tcase_add_checked_fixture(tc, cvu_setup, NULL);
    tcase_add_test(tc, held_duplicate_does_not_wedge_the_sender);
    tcase_add_test(tc, failed_send_does_not_use_up_a_sequence_number);
    tcase_add_test(tc, failed_transfer_is_reported);
    tcase_add_test(tc, portal_test_error_is_not_success);
    tcase_add_test(tc, failed_read_releases_its_portal);
    tcase_add_test(tc, lost_cts_does_not_hang_the_receive);
    suite_add_tcase(s, tc);
    return th_check_run(s);
}
