/* test_cv_request.c: unit tests of comm-virt's requests and the sending side.
 *
 * The active list (cv_request.c) is checked with three requests in known
 * states: lookups by (id, state) from a table, and removals from a table of
 * what to remove and what must remain, in order. Then the life of a send
 * through the real cv_isend() and cv_progress(): the message a standard,
 * synchronous or rendezvous send puts in the fake kernel's outbox, the
 * per-destination sequence numbers, the ACK and CTS that complete or
 * advance it (and those that must be ignored), cv_test() and bad arguments.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cv_unit.h"
#include "testhelp_check.h"

/* ---- request objects and the active list ------------------------------- */

START_TEST(new_requests_get_fresh_ids)
{
    struct cv_request *q[3];
    int i;

    for (i = 0; i < 3; i++) {
        q[i] = cv_request_new(cv_self(), i == 1 ? CV_REQ_SEND : CV_REQ_RECV);
        ck_assert_ptr_nonnull(q[i]);
        ck_assert_uint_eq(q[i]->id, (uint64_t)i + 1);
        ck_assert_int_eq(q[i]->state, CV_REQ_POSTED);
        ck_assert_int_eq(q[i]->portal, -1);
        ck_assert_int_eq(q[i]->released, 0);
        ck_assert_ptr_null(q[i]->next);
        ck_assert(!cv_request_done(q[i]));
    }
    ck_assert_int_eq(q[1]->kind, CV_REQ_SEND);
    ck_assert_int_eq(q[2]->kind, CV_REQ_RECV);
}
END_TEST

/* A freed request is kept as the rank's spare and comes back as new: fresh
 * id, state and fields, whatever the old one held; a second freed one while
 * the spare is taken is really freed (valgrind/ASan would see a leak or a
 * double use otherwise). */
START_TEST(freed_request_comes_back_fresh)
{
    struct cv_request *a = cv_request_new(cv_self(), CV_REQ_SEND);
    struct cv_request *b = cv_request_new(cv_self(), CV_REQ_RECV);
    struct cv_request *c;

    a->state = CV_REQ_DONE;
    a->tag = 77;
    a->sync = 1;
    a->status.error = -5;
    cv_request_free(a);
    b->state = CV_REQ_DONE;
    cv_request_free(b); /* the spare is taken by a: b is freed */
    c = cv_request_new(cv_self(), CV_REQ_RECV);
    ck_assert_ptr_eq(c, a);
    ck_assert_uint_eq(c->id, 3);
    ck_assert_int_eq(c->kind, CV_REQ_RECV);
    ck_assert_int_eq(c->state, CV_REQ_POSTED);
    ck_assert_int_eq(c->portal, -1);
    ck_assert_int_eq(c->tag, 0);
    ck_assert_int_eq(c->sync, 0);
    ck_assert_int_eq(c->status.error, 0);
    ck_assert_ptr_null(cv_self()->spare);
    c->state = CV_REQ_DONE;
    cv_request_free(c);
}
END_TEST

/* Requests A (id 1, WAIT_ACK), B (id 2, WAIT_CTS), C (id 3, WAIT_CTS), added
 * in that order, and D (id 4) never added. */
static struct cv_request *reqs[4];

static void active_setup(void)
{
    static const int states[4] = {CV_REQ_WAIT_ACK, CV_REQ_WAIT_CTS, CV_REQ_WAIT_CTS,
                                  CV_REQ_WAIT_GO};
    int i;

    cvu_setup();
    for (i = 0; i < 4; i++) {
        reqs[i] = cv_request_new(cv_self(), CV_REQ_SEND);
        reqs[i]->state = (uint8_t)states[i];
    }
    for (i = 0; i < 3; i++)
        cv_active_add(cv_self(), reqs[i]);
}

/* clang-format off */
static const struct find_case {
    uint64_t id;
    int state;
    int want; /* index into reqs, or -1 for NULL */
} find_cases[] = {
    {1, CV_REQ_WAIT_ACK, 0},  {2, CV_REQ_WAIT_CTS, 1}, {3, CV_REQ_WAIT_CTS, 2},
    {1, CV_REQ_WAIT_CTS, -1}, {2, CV_REQ_WAIT_ACK, -1}, {3, CV_REQ_DONE, -1},
    {4, CV_REQ_WAIT_GO, -1},  {0, CV_REQ_WAIT_ACK, -1}, {99, CV_REQ_WAIT_CTS, -1},
};
/* clang-format on */

START_TEST(active_find_table)
{
    const struct find_case *c = &find_cases[_i];
    struct cv_request *got = cv_active_find(cv_self(), c->id, c->state);

    ck_assert_msg(got == (c->want < 0 ? NULL : reqs[c->want]),
                  "find(id %llu, state %d): wrong request", (unsigned long long)c->id, c->state);
}
END_TEST

static const struct remove_case {
    const char *name;
    int remove[4]; /* indexes into reqs, -1 ends */
    int remain[4]; /* the list afterwards, head first, -1 ends */
} remove_cases[] = {
    {"nothing removed: newest first", {-1}, {2, 1, 0, -1}},
    {"head", {2, -1}, {1, 0, -1}},
    {"middle", {1, -1}, {2, 0, -1}},
    {"tail", {0, -1}, {2, 1, -1}},
    {"not on the list", {3, -1}, {2, 1, 0, -1}},
    {"twice", {1, 1, -1}, {2, 0, -1}},
    {"all", {0, 2, 1, -1}, {-1}},
};

START_TEST(active_remove_table)
{
    const struct remove_case *c = &remove_cases[_i];
    struct cv_request *q = cv_self()->active;
    int i;

    for (i = 0; c->remove[i] >= 0; i++) {
        cv_active_remove(cv_self(), reqs[c->remove[i]]);
        ck_assert_ptr_null(reqs[c->remove[i]]->next);
    }
    q = cv_self()->active;
    for (i = 0; c->remain[i] >= 0; i++, q = q->next)
        ck_assert_msg(q == reqs[c->remain[i]], "%s: position %d", c->name, i);
    ck_assert_msg(q == NULL, "%s: list too long", c->name);
}
END_TEST

START_TEST(removed_request_is_not_found)
{
    cv_active_remove(cv_self(), reqs[1]);
    ck_assert_ptr_null(cv_active_find(cv_self(), 2, CV_REQ_WAIT_CTS));
    ck_assert_ptr_eq(cv_active_find(cv_self(), 3, CV_REQ_WAIT_CTS), reqs[2]);
}
END_TEST

START_TEST(free_before_completion_defers)
{
    cv_active_remove(cv_self(), reqs[0]);
    cv_request_free(reqs[0]);
    ck_assert_int_eq(reqs[0]->released, 1);
    ck_assert_int_eq(reqs[0]->state, CV_REQ_WAIT_ACK);
    cv_request_complete(reqs[1]);
    ck_assert(cv_request_done(reqs[1]));
}
END_TEST

/* ---- sends ------------------------------------------------------------ */

static unsigned char data[2 * CV_EAGER_LIMIT];

/* cv_isend() of len bytes of `data` that must succeed. */
static cv_request_t *start_send(size_t len, int dest, int tag, int mode)
{
    cv_request_t *q = NULL;

    cvu_payload(data, sizeof(data), 0x61);
    ck_assert_int_eq(cv_isend(data, len, dest, tag, 9, mode, &q), 0);
    ck_assert_ptr_nonnull(q);
    return q;
}

/* Sent message i is a matching message of `type` from this rank to dest. */
static struct cv_wire_hdr sent_to(int i, int type, int dest, int tag, uint32_t seq)
{
    struct cv_wire_hdr h = cvu_sent(i);

    ck_assert_int_eq(fake_sent[i].cluster, dest);
    ck_assert_uint_eq(h.type, type);
    ck_assert_int_eq(h.src, CVU_ME);
    ck_assert_int_eq(h.dst, dest);
    ck_assert_int_eq(h.tag, tag);
    ck_assert_int_eq(h.ctx, 9);
    ck_assert_uint_eq(h.seq, seq);
    ck_assert_int_eq(h.src_cluster, FAKE_SELF);
    ck_assert_uint_eq(h.job, FAKE_JOB);
    return h;
}

START_TEST(standard_eager_completes_at_once)
{
    cv_request_t *q = start_send(100, 2, 5, CV_SEND_STANDARD);
    struct cv_wire_hdr h = sent_to(0, CV_MSG_EAGER, 2, 5, 0);

    ck_assert(cv_request_done(q));
    ck_assert_ptr_null(cv_self()->active);
    ck_assert_uint_eq(h.flags, 0);
    ck_assert_uint_eq(h.len, 100);
    ck_assert_uint_eq(h.cookie, q->id);
    ck_assert_uint_eq(fake_sent[0].len, sizeof(h) + 100);
    ck_assert(cvu_payload_is(fake_sent[0].bytes + sizeof(h), 100, 0x61));
}
END_TEST

/* A send without a request (blocking MPI_Send's eager path): the same
 * message as cv_isend's, the same sequence numbers shared with it, no
 * request left anywhere; a rendezvous size is declined with nothing sent
 * and no number used; a failed write uses no number either. */
START_TEST(send_now_sends_eager_without_request)
{
    cvu_payload(data, sizeof(data), 0x61);
    ck_assert_int_eq(cv_send_now(data, 100, 2, 5, 9), 1);
    struct cv_wire_hdr h = sent_to(0, CV_MSG_EAGER, 2, 5, 0);
    ck_assert_uint_eq(h.flags, 0);
    ck_assert_uint_eq(h.len, 100);
    ck_assert_uint_eq(fake_sent[0].len, sizeof(h) + 100);
    ck_assert(cvu_payload_is(fake_sent[0].bytes + sizeof(h), 100, 0x61));
    ck_assert_ptr_null(cv_self()->active);
    ck_assert_ptr_null(cv_self()->spare);
    start_send(8, 2, 6, CV_SEND_STANDARD); /* cv_isend continues the numbers */
    ck_assert_uint_eq(sent_to(1, CV_MSG_EAGER, 2, 6, 1).cookie, h.cookie + 1);
    ck_assert_int_eq(cv_send_now(data, 0, 2, 7, 9), 1);
    sent_to(2, CV_MSG_EAGER, 2, 7, 2);
    ck_assert_int_eq(cv_send_now(data, CV_EAGER_LIMIT + 1, 2, 8, 9), 0);
    ck_assert_int_eq(fake_nsent, 3);
    fake_write_error = -EIO;
    ck_assert_int_lt(cv_send_now(data, 8, 2, 9, 9), 0);
    fake_write_error = 0;
    ck_assert_int_eq(cv_send_now(data, 8, 2, 10, 9), 1);
    sent_to(3, CV_MSG_EAGER, 2, 10, 3);
    ck_assert_int_eq(cv_send_now(data, 8, FAKE_NRANKS, 1, 9), CV_ERR_RANK);
    ck_assert_int_eq(cv_send_now(data, 8, -1, 1, 9), CV_ERR_RANK);
    ck_assert_uint_eq(cv_self()->send_seq[2], 4);
}
END_TEST

START_TEST(zero_byte_send)
{
    cv_request_t *q = NULL;

    ck_assert_int_eq(cv_isend(NULL, 0, 0, 1, 9, CV_SEND_STANDARD, &q), 0);
    ck_assert(cv_request_done(q));
    ck_assert_uint_eq(sent_to(0, CV_MSG_EAGER, 0, 1, 0).len, 0);
    ck_assert_uint_eq(fake_sent[0].len, sizeof(struct cv_wire_hdr));
}
END_TEST

START_TEST(sequence_per_destination)
{
    static const struct {
        int dest, mode;
        size_t len;
        uint32_t seq;
    } sends[] = {
        {2, CV_SEND_STANDARD, 1, 0},
        {2, CV_SEND_SYNC, 1, 1},
        {3, CV_SEND_STANDARD, 1, 0},
        {2, CV_SEND_STANDARD, CV_EAGER_LIMIT + 1, 2}, /* RTS: same sequence */
        {CVU_ME, CV_SEND_STANDARD, 1, 0},             /* to itself */
        {3, CV_SEND_STANDARD, 0, 1},
    };
    int i;

    for (i = 0; i < (int)(sizeof(sends) / sizeof(sends[0])); i++) {
        start_send(sends[i].len, sends[i].dest, i, sends[i].mode);
        ck_assert_uint_eq(cvu_sent(i).seq, sends[i].seq);
        ck_assert_int_eq(fake_sent[i].cluster, sends[i].dest);
    }
}
END_TEST

/* Queues a control message (ACK or CTS) from rank src naming cookie. */
static void push_control(int type, int src, uint64_t cookie, uint64_t len, uint32_t port)
{
    struct cv_wire_hdr h = cvu_hdr(type, src, 0, 0, 0, len);

    h.cookie = cookie;
    h.port = port;
    h.src_cluster = 5; /* the receiver may have moved */
    cvu_push(&h, 0);
}

START_TEST(sync_send_waits_for_its_ack)
{
    cv_request_t *q = start_send(8, 2, 5, CV_SEND_SYNC);

    ck_assert_uint_eq(sent_to(0, CV_MSG_EAGER, 2, 5, 0).flags, CV_FLAG_SYNC);
    ck_assert_int_eq(q->state, CV_REQ_WAIT_ACK);
    ck_assert_ptr_eq(cv_self()->active, q);
    push_control(CV_MSG_ACK, 2, q->id + 1, 0, 0); /* someone else's */
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert(!cv_request_done(q));
    push_control(CV_MSG_ACK, 2, q->id, 0, 0);
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert(cv_request_done(q));
    ck_assert_ptr_null(cv_self()->active);
    ck_assert_uint_eq(cv_self()->recv_seq[2], 0); /* control messages are not sequenced */
}
END_TEST

START_TEST(rendezvous_send_sends_rts)
{
    cv_request_t *q = start_send(CV_EAGER_LIMIT + 1, 3, 6, CV_SEND_STANDARD);
    struct cv_wire_hdr h = sent_to(0, CV_MSG_RTS, 3, 6, 0);

    ck_assert_uint_eq(h.len, CV_EAGER_LIMIT + 1);
    ck_assert_uint_eq(h.cookie, q->id);
    ck_assert_uint_eq(fake_sent[0].len, sizeof(h)); /* no payload */
    ck_assert_int_eq(q->state, CV_REQ_WAIT_CTS);
    ck_assert_ptr_eq(cv_self()->active, q);
}
END_TEST

/* NMPI_EAGER_LIMIT moves the switch down at run time; its default is the
 * compiled-in CV_EAGER_LIMIT, and a value above that is refused. */
START_TEST(eager_limit_setting_moves_the_switch)
{
    cv_request_t *q;
    struct cv_wire_hdr h;

    ck_assert_str_eq(base_setting_find("NMPI_EAGER_LIMIT")->dflt, "65536");
    ck_assert_int_eq(CV_EAGER_LIMIT, 65536);
    setenv("NMPI_EAGER_LIMIT", "100", 1);
    cvu_setup();
    unsetenv("NMPI_EAGER_LIMIT");
    q = start_send(100, 2, 5, CV_SEND_STANDARD);
    ck_assert(cv_request_done(q));
    ck_assert_uint_eq(sent_to(0, CV_MSG_EAGER, 2, 5, 0).len, 100);
    q = start_send(101, 2, 5, CV_SEND_STANDARD);
    h = sent_to(1, CV_MSG_RTS, 2, 5, 1);
    ck_assert_uint_eq(h.len, 101);
    ck_assert_uint_eq(fake_sent[1].len, sizeof(h)); /* no payload */
    ck_assert_int_eq(q->state, CV_REQ_WAIT_CTS);
    q = start_send(8192, 3, 5, CV_SEND_STANDARD);
    ck_assert_uint_eq(sent_to(2, CV_MSG_RTS, 3, 5, 0).len, 8192);

    setenv("NMPI_EAGER_LIMIT", "65537", 1); /* above the cells: the default */
    cvu_setup();
    unsetenv("NMPI_EAGER_LIMIT");
    q = start_send(CV_EAGER_LIMIT, 2, 5, CV_SEND_STANDARD);
    ck_assert(cv_request_done(q));
    h = sent_to(0, CV_MSG_EAGER, 2, 5, 0);
    ck_assert_uint_eq(h.len, CV_EAGER_LIMIT);
    ck_assert_uint_eq(fake_sent[0].len, sizeof(h) + CV_EAGER_LIMIT);
    ck_assert(cvu_payload_is(fake_sent[0].bytes + sizeof(h), CV_EAGER_LIMIT, 0x61));
    start_send(CV_EAGER_LIMIT + 1, 2, 5, CV_SEND_STANDARD);
    ck_assert_uint_eq(sent_to(1, CV_MSG_RTS, 2, 5, 1).len, CV_EAGER_LIMIT + 1);
}
END_TEST

static const struct cts_case {
    const char *name;
    int src;          /* rank the CTS comes from */
    int cookie_delta; /* added to the request's id */
    uint64_t len;     /* bytes the receiver asks for */
    int accepted;
} cts_cases[] = {
    {"whole message", 3, 0, CV_EAGER_LIMIT + 100, 1},
    {"receiver truncates", 3, 0, CV_EAGER_LIMIT + 1, 1},
    {"other cookie", 3, 1, CV_EAGER_LIMIT + 100, 0},
    {"other rank", 2, 0, CV_EAGER_LIMIT + 100, 0},
    {"more than the message", 3, 0, CV_EAGER_LIMIT + 101, 0},
};

/* The CTS went through: portal opened to the receiver, GO sent, write started. */
static void check_go(cv_request_t *q, uint64_t len)
{
    struct fake_portal *p = &fake_portal[0];
    struct cv_wire_hdr go = cvu_sent(1);

    ck_assert_int_eq(q->state, CV_REQ_TRANSFER);
    ck_assert_int_eq(fake_nportals, 1);
    ck_assert_int_eq(p->input, 0);
    ck_assert_int_eq(p->local, FAKE_SELF);
    ck_assert_int_eq(p->remote, 5);
    ck_assert_int_eq(p->remote_port, 321);
    ck_assert_int_eq(p->op, FAKE_PORTAL_WRITE);
    ck_assert_ptr_eq(p->buf, data);
    ck_assert_uint_eq(p->size, len);
    ck_assert_int_eq(fake_sent[1].cluster, 3);
    ck_assert_uint_eq(go.type, CV_MSG_GO);
    ck_assert_int_eq(go.dst, 3);
    ck_assert_uint_eq(go.cookie, q->id);
    ck_assert_uint_eq(go.port, (uint32_t)p->port);
}

START_TEST(cts_table)
{
    const struct cts_case *c = &cts_cases[_i];
    cv_request_t *q = start_send(CV_EAGER_LIMIT + 100, 3, 6, CV_SEND_STANDARD);

    push_control(CV_MSG_CTS, c->src, q->id + (uint64_t)c->cookie_delta, c->len, 321);
    ck_assert_int_eq(cv_progress(), 1);
    if (!c->accepted) {
        ck_assert_msg(q->state == CV_REQ_WAIT_CTS, "%s: state %d", c->name, q->state);
        ck_assert_msg(fake_nsent == 1 && fake_nportals == 0, "%s: answered", c->name);
        return;
    }
    check_go(q, c->len);
    ck_assert_int_eq(cv_progress(), 0);
    fake_portal[0].done = 1;
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert(cv_request_done(q));
    ck_assert_int_eq(fake_portal[0].retired, 1);
    ck_assert_ptr_null(cv_self()->active);
    ck_assert_int_eq(fake_landed_calls, 0); /* a send wrote nothing here */
}
END_TEST

START_TEST(cts_write_failure_completes_with_error)
{
    cv_request_t *q = start_send(CV_EAGER_LIMIT + 100, 3, 6, CV_SEND_STANDARD);

    fake_portal_error = -EIO;
    push_control(CV_MSG_CTS, 3, q->id, CV_EAGER_LIMIT + 100, 321);
    ck_assert_int_eq(cv_progress(), 1);
    ck_assert(cv_request_done(q));
    ck_assert_int_eq(q->status.error, CV_ERR_INTERN);
    ck_assert_ptr_null(cv_self()->active);
}
END_TEST

START_TEST(test_reports_only_when_done)
{
    cv_request_t *q = start_send(8, 2, 5, CV_SEND_SYNC);
    struct cv_status st = {.source = -9, .tag = -9};
    int done = -1;

    ck_assert_int_eq(cv_test(q, &done, &st), 0);
    ck_assert_int_eq(done, 0);
    ck_assert_int_eq(st.source, -9);
    push_control(CV_MSG_ACK, 2, q->id, 0, 0);
    ck_assert_int_eq(cv_test(q, &done, &st), 0); /* progresses: takes the ACK */
    ck_assert_int_eq(done, 1);
    ck_assert_int_eq(st.source, q->status.source);
    ck_assert_int_eq(st.tag, q->status.tag);
    ck_assert_uint_eq(st.count, q->status.count);
    ck_assert_int_eq(cv_wait(q, &st), 0); /* done: returns at once */
}
END_TEST

static const struct {
    int dest, write_error, ret;
    size_t len;
} bad_sends[] = {
    {-1, 0, CV_ERR_RANK, 4},
    {FAKE_NRANKS, 0, CV_ERR_RANK, 4},
    {2, -EIO, CV_ERR_INTERN, 4},
    {2, -EIO, CV_ERR_INTERN, CV_EAGER_LIMIT + 1},
};

START_TEST(bad_send_table)
{
    cv_request_t *q = (cv_request_t *)&q;

    fake_write_error = bad_sends[_i].write_error;
    ck_assert_int_eq(
        cv_isend(data, bad_sends[_i].len, bad_sends[_i].dest, 0, 0, CV_SEND_STANDARD, &q),
        bad_sends[_i].ret);
    ck_assert_ptr_eq(q, (cv_request_t *)&q); /* *req_p untouched */
    ck_assert_ptr_null(cv_self()->active);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

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

/* cv_progress.c, cv_progress_transfers(): a transfer that failed fails its
 * request (kportal_wait gives the result; it used to be closed without it,
 * and the request completed with no error). */
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

/* Same function: a negative kportal_test() (an error) fails the request
 * (it used to count as done). */
START_TEST(portal_test_error_is_not_success)
{
    cv_request_t *q = receive_rendezvous();

    fake_portal[0].done = -EBADF;
    cv_progress();
    ck_assert(!cv_request_done(q) || q->status.error != 0);
}
END_TEST

/* cv_recv.c, cv_handle_go(): when kportal_allow() or kportal_aread() fails
 * the portal kportal_create() gave is unlinked (it used to leak; cv_send.c,
 * cv_handle_cts(), now closes its kportal_open() portal likewise). */
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

/* cv_recv.c, cv_send_cts(): when posting the CTS fails the receive ends
 * with an error (it used to wait for a GO that would never come). */
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

static Suite *request_suite(void)
{
    Suite *s = suite_create("cv_request");
    TCase *tr = tcase_create("objects"), *ta = tcase_create("active"), *ts = tcase_create("send");

    tcase_add_checked_fixture(tr, cvu_setup, NULL);
    tcase_add_test(tr, new_requests_get_fresh_ids);
    tcase_add_test(tr, freed_request_comes_back_fresh);
    tcase_add_checked_fixture(ta, active_setup, NULL);
    tcase_add_loop_test(ta, active_find_table, 0, N(find_cases));
    tcase_add_loop_test(ta, active_remove_table, 0, N(remove_cases));
    tcase_add_test(ta, removed_request_is_not_found);
    tcase_add_test(ta, free_before_completion_defers);
    tcase_add_checked_fixture(ts, cvu_setup, NULL);
    tcase_add_test(ts, standard_eager_completes_at_once);
    tcase_add_test(ts, send_now_sends_eager_without_request);
    tcase_add_test(ts, zero_byte_send);
    tcase_add_test(ts, sequence_per_destination);
    tcase_add_test(ts, sync_send_waits_for_its_ack);
    tcase_add_test(ts, rendezvous_send_sends_rts);
    tcase_add_test(ts, eager_limit_setting_moves_the_switch);
    tcase_add_loop_test(ts, cts_table, 0, N(cts_cases));
    tcase_add_test(ts, cts_write_failure_completes_with_error);
    tcase_add_test(ts, failed_transfer_is_reported);
    tcase_add_test(ts, portal_test_error_is_not_success);
    tcase_add_test(ts, failed_read_releases_its_portal);
    tcase_add_test(ts, lost_cts_does_not_hang_the_receive);
    tcase_add_test(ts, test_reports_only_when_done);
    tcase_add_loop_test(ts, bad_send_table, 0, N(bad_sends));
    suite_add_tcase(s, tr);
    suite_add_tcase(s, ta);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    return th_check_run(request_suite());
}
