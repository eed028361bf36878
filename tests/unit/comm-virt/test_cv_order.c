/* test_cv_order.c: unit tests of comm-virt's per-sender ordering (cv_progress.c).
 *
 * Messages are queued in the fake kernel's inbox with chosen per-pair
 * sequence numbers and drained by the real cv_progress(). With no receive
 * posted, every message comm-virt lets through lands in the unexpected
 * queue, so the queue's order is the delivery order. A table of arrival
 * orders gives, for each, the delivery order (arrival numbers), the next
 * sequence number expected from every sender and how many messages stay
 * held. Other tests follow messages released from hold into posted
 * receives, an RTS sharing the eager sequence, the drain bound and a
 * malformed message.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "cv_unit.h"
#include "testhelp_check.h"

#define MAX_IN 8
#define LEN    4

struct arrival {
    int src;
    uint32_t seq;
};

/* clang-format off */
static const struct order_case {
    const char *name;
    uint32_t start[FAKE_NRANKS]; /* recv_seq before the first arrival */
    struct arrival in[MAX_IN];
    int nin;
    int out[MAX_IN];            /* delivery order, arrival numbers (1-based); 0 ends */
    uint32_t next[FAKE_NRANKS]; /* recv_seq afterwards */
    int held[FAKE_NRANKS];      /* messages still held, per sender */
} order_cases[] = {
    {"in order", {0}, {{0, 0}, {0, 1}, {0, 2}}, 3, {1, 2, 3}, {3}, {0}},
    {"reversed", {0}, {{0, 2}, {0, 1}, {0, 0}}, 3, {3, 2, 1}, {3}, {0}},
    {"a gap holds the later ones", {0}, {{0, 1}, {0, 2}}, 2, {0}, {0}, {2}},
    {"gap filled, a later gap holds",
     {0}, {{0, 0}, {0, 2}, {0, 1}, {0, 4}}, 4, {1, 3, 2}, {3}, {1}},
    {"late duplicate dropped", {0}, {{0, 0}, {0, 1}, {0, 0}}, 3, {1, 2}, {2}, {0}},
    {"late duplicate while others are held",
     {0}, {{0, 0}, {0, 2}, {0, 0}, {0, 1}}, 4, {1, 4, 2}, {3}, {0}},
    {"a held sender does not block others",
     {0}, {{0, 1}, {2, 0}, {3, 0}, {2, 1}}, 4, {2, 3, 4}, {0, 0, 2, 1}, {1}},
    {"two senders, each reordered",
     {0}, {{0, 1}, {2, 1}, {2, 0}, {0, 0}}, 4, {3, 2, 4, 1}, {2, 0, 2}, {0}},
    {"sequence numbers wrap",
     {0xfffffffe}, {{0, 0}, {0, 0xffffffff}, {0, 0xfffffffe}}, 3, {3, 2, 1}, {1}, {0}},
    {"just below the start after a wrap is old", {1}, {{0, 0xffffffff}}, 1, {0}, {1}, {0}},
    {"up to 2^31-1 ahead is held", {0}, {{0, 0x7fffffff}}, 1, {0}, {0}, {1}},
    {"2^31 ahead counts as old and is dropped", {0}, {{0, 0x80000000}}, 1, {0}, {0}, {0}},
};
/* clang-format on */

static int mark_of(int arrival)
{
    return arrival * 16;
}

/* Queues an eager message from src with seq; its tag and mark name it. */
static void push_eager(int src, uint32_t seq, int arrival)
{
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, src, arrival, 0, seq, LEN);

    cvu_push(&h, mark_of(arrival));
}

/* The held list of src is in increasing sequence order; returns its length. */
static int held_sorted(const struct cv_rank *r, int src)
{
    const struct cv_msg *m;
    int n = 0;

    for (m = r->held[src]; m != NULL; m = m->next, n++)
        if (m->next != NULL)
            ck_assert_int_gt((int32_t)(m->next->hdr.seq - m->hdr.seq), 0);
    return n;
}

static void check_delivered(const struct order_case *c)
{
    const struct cv_msg *m = cv_self()->unexpected.head;
    int i;

    for (i = 0; i < MAX_IN && c->out[i] != 0; i++, m = m->next) {
        ck_assert_msg(m != NULL, "%s: only %d delivered", c->name, i);
        ck_assert_msg(m->hdr.tag == c->out[i], "%s: delivery %d is arrival %d, want %d", c->name, i,
                      m->hdr.tag, c->out[i]);
        ck_assert(cvu_payload_is(m->payload, LEN, mark_of(c->out[i])));
    }
    ck_assert_msg(m == NULL, "%s: arrival %d delivered too", c->name, m ? m->hdr.tag : 0);
}

START_TEST(order_table)
{
    const struct order_case *c = &order_cases[_i];
    struct cv_rank *r = cv_self();
    int i;

    memcpy(r->recv_seq, c->start, sizeof(c->start));
    for (i = 0; i < c->nin; i++)
        push_eager(c->in[i].src, c->in[i].seq, i + 1);
    ck_assert_int_eq(cv_progress(), c->nin);
    ck_assert_int_eq(fake_inbox_left(), 0);
    check_delivered(c);
    for (i = 0; i < FAKE_NRANKS; i++) {
        ck_assert_msg(r->recv_seq[i] == c->next[i], "%s: next seq from %d is %u, want %u", c->name,
                      i, r->recv_seq[i], c->next[i]);
        ck_assert_msg(held_sorted(r, i) == c->held[i], "%s: %d held from %d, want %d", c->name,
                      held_sorted(r, i), i, c->held[i]);
    }
}
END_TEST

START_TEST(released_messages_fill_receives_in_order)
{
    unsigned char buf[3][LEN];
    cv_request_t *q[3];
    int i;

    q[0] = cvu_irecv(buf[0], LEN, CV_ANY_SOURCE, CV_ANY_TAG, 0);
    q[1] = cvu_irecv(buf[1], LEN, 2, CV_ANY_TAG, 0);
    q[2] = cvu_irecv(buf[2], LEN, CV_ANY_SOURCE, CV_ANY_TAG, 0);
    push_eager(2, 2, 1);
    push_eager(2, 1, 2);
    cv_progress();
    for (i = 0; i < 3; i++)
        ck_assert(!cv_request_done(q[i]));
    push_eager(2, 0, 3);
    cv_progress();
    for (i = 0; i < 3; i++) {
        ck_assert_msg(cv_request_done(q[i]), "receive %d", i);
        ck_assert_int_eq(q[i]->status.tag, 3 - i); /* seq 0, 1, 2 */
        ck_assert(cvu_payload_is(buf[i], LEN, mark_of(3 - i)));
    }
    ck_assert_ptr_null(cv_self()->posted.head);
}
END_TEST

START_TEST(rts_and_eager_share_the_sequence)
{
    static unsigned char big[2 * CV_EAGER_LIMIT];
    unsigned char small[LEN];
    struct cv_wire_hdr rts = cvu_hdr(CV_MSG_RTS, 3, 9, 0, 1, sizeof(big));
    cv_request_t *q0 = cvu_irecv(small, LEN, 3, CV_ANY_TAG, 0);
    cv_request_t *q1 = cvu_irecv(big, sizeof(big), 3, CV_ANY_TAG, 0);
    struct cv_wire_hdr cts;

    cvu_push(&rts, 0);
    cv_progress();
    ck_assert_int_eq(fake_nsent, 0); /* the RTS is held: no CTS yet */
    push_eager(3, 0, 5);
    cv_progress();
    ck_assert(cv_request_done(q0));
    ck_assert_int_eq(q0->status.tag, 5);
    ck_assert_int_eq(q1->state, CV_REQ_WAIT_GO);
    ck_assert_int_eq(fake_nsent, 1);
    cts = cvu_sent(0);
    ck_assert_uint_eq(cts.type, CV_MSG_CTS);
    ck_assert_uint_eq(cts.cookie, 1001);
    ck_assert_uint_eq(cv_self()->recv_seq[3], 2);
}
END_TEST

START_TEST(drain_is_bounded)
{
    int i;

    for (i = 0; i < 40; i++)
        push_eager(0, (uint32_t)i, i + 1);
    ck_assert_int_eq(cv_progress(), 32);
    ck_assert_int_eq(fake_inbox_left(), 8);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 32);
    ck_assert_int_eq(cv_progress(), 8);
    ck_assert_int_eq(cv_progress(), 0);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 40);
    ck_assert_uint_eq(cv_self()->recv_seq[0], 40);
}
END_TEST

START_TEST(malformed_message_is_dropped)
{
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, 0, 1, 0, 0, LEN);

    h.job = FAKE_JOB + 1;
    cvu_push(&h, 0x10);
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert_ptr_null(cv_self()->unexpected.head);
    ck_assert_uint_eq(cv_self()->recv_seq[0], 0);
    push_eager(0, 0, 2);
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 1);
}
END_TEST

/* cv_progress.c, cv_hold(): a second copy of a held message is dropped (it
 * used to be kept next to the first and, once the first was delivered,
 * stayed at the head of the held list with an old number: every later
 * message from that sender was held for good). */
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

/* cv_send.c, cv_isend(): a send whose message could not be written gives
 * its sequence number back (it used to be spent, and the receiver then
 * held every later message from this rank forever). */
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

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *order_suite(void)
{
    Suite *s = suite_create("cv_order");
    TCase *tt = tcase_create("table"), *tm = tcase_create("more");

    tcase_add_checked_fixture(tt, cvu_setup, NULL);
    tcase_add_loop_test(tt, order_table, 0, N(order_cases));
    tcase_add_checked_fixture(tm, cvu_setup, NULL);
    tcase_add_test(tm, released_messages_fill_receives_in_order);
    tcase_add_test(tm, rts_and_eager_share_the_sequence);
    tcase_add_test(tm, drain_is_bounded);
    tcase_add_test(tm, malformed_message_is_dropped);
    tcase_add_test(tm, held_duplicate_does_not_wedge_the_sender);
    tcase_add_test(tm, failed_send_does_not_use_up_a_sequence_number);
    suite_add_tcase(s, tt);
    suite_add_tcase(s, tm);
    return s;
}

int main(void)
{
    return th_check_run(order_suite());
}
