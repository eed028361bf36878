/* test_cv_match.c: unit tests of comm-virt's matching (cv_recv.c).
 *
 * Runs comm-virt's real receive side against the fake kernel. cv_match() is
 * checked on a table of (source, tag, context) pairs. Matching order is
 * checked on a table of scenarios: a list of receives posted with
 * cv_irecv() and messages handed to cv_deliver(), in a given interleaving,
 * with the message every receive must end up with and the messages that
 * must be left in the unexpected queue, oldest first; the queues' tail
 * pointers are checked after each scenario too. Then lengths (truncation,
 * zero bytes), the control messages a match sends (ACK for a synchronous
 * eager message, CTS for an RTS), the rendezvous read after GO (and its failure), probing,
 * cancelling and bad arguments.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "cv_unit.h"
#include "testhelp_check.h"

#define A CV_ANY_SOURCE
#define T CV_ANY_TAG

/* ---- cv_match --------------------------------------------------------- */

static const struct match_case {
    const char *name;
    int peer, tag, ctx;  /* the receive */
    int src, htag, hctx; /* the message */
    int want;
} match_cases[] = {
    {"exact", 2, 5, 0, 2, 5, 0, 1},
    {"other source", 2, 5, 0, 3, 5, 0, 0},
    {"other tag", 2, 5, 0, 2, 6, 0, 0},
    {"other context", 2, 5, 0, 2, 5, 1, 0},
    {"any source, rank 0", A, 5, 0, 0, 5, 0, 1},
    {"any source, rank 3", A, 5, 0, 3, 5, 0, 1},
    {"any source, other tag", A, 5, 0, 3, 6, 0, 0},
    {"any tag, tag 0", 2, T, 0, 2, 0, 0, 1},
    {"any tag, large tag", 2, T, 0, 2, 0x7fffffff, 0, 1},
    {"any tag, other source", 2, T, 0, 1, 5, 0, 0},
    {"any source and tag", A, T, 7, 3, 9, 7, 1},
    {"any source and tag, other context", A, T, 7, 3, 9, 8, 0},
    {"context -1 is not a wildcard", A, T, -1, 3, 9, 0, 0},
    {"context -2 is not a wildcard", A, T, -2, 3, 9, 0, 0},
    {"receive tag 0 is not a wildcard", 2, 0, 0, 2, 5, 0, 0},
    {"receive source 0 is not a wildcard", 0, 5, 0, 2, 5, 0, 0},
};

START_TEST(match_table)
{
    const struct match_case *c = &match_cases[_i];
    struct cv_request q = {.peer = c->peer, .tag = c->tag, .ctx = c->ctx};
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, c->src, c->htag, c->hctx, 0, 0);

    ck_assert_msg((cv_match(&q, &h) != 0) == c->want, "%s: cv_match gave %d, want %d", c->name,
                  cv_match(&q, &h), c->want);
}
END_TEST

/* ---- matching order: scenarios ----------------------------------------- */

enum { END = 0, POST, MSG };

struct op {
    int what; /* POST: cv_irecv(); MSG: cv_deliver() */
    int src, tag, ctx;
};

/* clang-format off */
#define P(s, t, c) {POST, s, t, c}
#define M(s, t, c) {MSG, s, t, c}
#define MAX_OPS 8

static const struct scenario {
    const char *name;
    struct op ops[MAX_OPS];
    int got[MAX_OPS];  /* per receive, in posting order: message number (1-based) or 0 */
    int left[MAX_OPS]; /* messages left unexpected, oldest first; 0 ends */
} scenarios[] = {
    {"oldest of two equal receives", {P(0, 5, 0), P(0, 5, 0), M(0, 5, 0)}, {1, 0}, {0}},
    {"wildcard posted first wins",
     {P(A, T, 0), P(0, 5, 0), M(0, 5, 0), M(0, 5, 0)}, {1, 2}, {0}},
    {"specific posted first wins over later wildcard",
     {P(0, 5, 0), P(A, 5, 0), M(0, 5, 0)}, {1, 0}, {0}},
    {"older receive that does not match is passed",
     {P(2, 5, 0), P(0, T, 0), M(0, 5, 0)}, {0, 1}, {0}},
    {"one (source, tag, ctx) stream into mixed wildcards",
     {P(A, 7, 0), P(0, T, 0), P(0, 7, 0), P(A, T, 0), M(0, 7, 0), M(0, 7, 0), M(0, 7, 0),
      M(0, 7, 0)},
     {1, 2, 3, 4}, {0}},
    {"no receive: unexpected in arrival order",
     {P(1, 1, 0), M(0, 5, 0), M(2, 5, 0), M(1, 1, 0)}, {3}, {1, 2}},
    {"tags of one sender go to their own receives",
     {P(0, 2, 0), P(0, 1, 0), M(0, 1, 0), M(0, 2, 0)}, {2, 1}, {0}},
    {"context is never a wildcard", {P(A, T, 1), M(0, 5, 0)}, {0}, {1}},
    {"receive takes the oldest matching unexpected",
     {M(0, 5, 0), M(0, 6, 0), M(0, 5, 0), P(0, 5, 0), P(A, T, 0), P(0, 5, 0)}, {1, 2, 3}, {0}},
    {"any source takes the oldest of any sender",
     {M(2, 1, 0), M(0, 1, 0), P(A, 1, 0)}, {1}, {2}},
    {"specific source passes older messages of others",
     {M(2, 1, 0), M(0, 1, 0), P(0, T, 0)}, {2}, {1}},
    {"unexpected stream in order into mixed wildcards",
     {M(3, 9, 0), M(3, 9, 0), M(3, 9, 0), P(A, T, 0), P(3, T, 0), P(A, 9, 0)}, {1, 2, 3}, {0}},
    {"contexts keep equal messages apart",
     {M(0, 5, 1), M(0, 5, 0), P(0, 5, 0), P(A, T, 1)}, {2, 1}, {0}},
    {"posted tail taken, then a new receive",
     {P(0, 1, 0), P(0, 2, 0), M(0, 2, 0), P(0, 3, 0), M(0, 3, 0), M(0, 1, 0)}, {3, 1, 2}, {0}},
    {"posted head taken, then a new receive",
     {P(0, 1, 0), P(0, 2, 0), M(0, 1, 0), P(0, 3, 0), M(0, 3, 0)}, {1, 0, 2}, {0}},
    {"unexpected tail taken, then a new message",
     {M(0, 1, 0), M(0, 2, 0), P(0, 2, 0), M(0, 3, 0), P(0, 3, 0), P(0, 1, 0)}, {2, 3, 1}, {0}},
    {"unexpected middle taken",
     {M(0, 1, 0), M(0, 2, 0), M(0, 3, 0), P(0, 2, 0), M(0, 4, 0)}, {2}, {1, 3, 4}},
};
/* clang-format on */

#define MSG_LEN 4
static unsigned char bufs[MAX_OPS][MSG_LEN];

static int mark_of(int msgno)
{
    return msgno * 16;
}

/* Applies the operations; reqs[p] is the p-th receive, msgs[m] the m-th message. */
static int run_ops(const struct scenario *s, cv_request_t **reqs, const struct op **msgs)
{
    int i, np = 0, nm = 0;

    for (i = 0; i < MAX_OPS && s->ops[i].what != END; i++) {
        const struct op *o = &s->ops[i];

        if (o->what == POST) {
            reqs[np] = cvu_irecv(bufs[np], MSG_LEN, o->src, o->tag, o->ctx);
            np++;
        } else {
            msgs[nm++] = o;
            cvu_deliver(o->src, o->tag, o->ctx, mark_of(nm), MSG_LEN);
        }
    }
    return np;
}

/* Receive p completed with message number `want`, or is still posted. */
static void check_receive(const char *name, int p, cv_request_t *q, int want,
                          const struct op **msgs)
{
    if (want == 0) {
        ck_assert_msg(!cv_request_done(q), "%s: receive %d completed", name, p);
        return;
    }
    ck_assert_msg(cv_request_done(q), "%s: receive %d not completed", name, p);
    ck_assert_msg(cvu_payload_is(bufs[p], MSG_LEN, mark_of(want)),
                  "%s: receive %d got message %d, want %d", name, p, bufs[p][0] / 16, want);
    ck_assert_int_eq(q->status.source, msgs[want - 1]->src);
    ck_assert_int_eq(q->status.tag, msgs[want - 1]->tag);
    ck_assert_uint_eq(q->status.count, MSG_LEN);
    ck_assert_int_eq(q->status.error, 0);
}

/* The posted queue holds exactly the receives that got nothing, in order. */
static void check_posted(const struct scenario *s, int np, cv_request_t **reqs)
{
    struct cv_rank *r = cv_self();
    struct cv_request *q = r->posted.head, *last = NULL;
    int p;

    for (p = 0; p < np; p++) {
        if (s->got[p] != 0)
            continue;
        ck_assert_msg(q == reqs[p], "%s: posted queue out of order at receive %d", s->name, p);
        last = q;
        q = q->next;
    }
    ck_assert_msg(q == NULL, "%s: extra receive in the posted queue", s->name);
    ck_assert_msg(r->posted.tail == last, "%s: posted tail is wrong", s->name);
}

/* The unexpected queue holds exactly s->left, oldest first. */
static void check_unexpected(const struct scenario *s)
{
    struct cv_rank *r = cv_self();
    struct cv_msg *m = r->unexpected.head, *last = NULL;
    int i;

    for (i = 0; i < MAX_OPS && s->left[i] != 0; i++) {
        ck_assert_msg(m != NULL, "%s: unexpected queue too short", s->name);
        ck_assert_msg(m->payload[0] == mark_of(s->left[i]),
                      "%s: unexpected[%d] is message %d, want %d", s->name, i, m->payload[0] / 16,
                      s->left[i]);
        last = m;
        m = m->next;
    }
    ck_assert_msg(m == NULL, "%s: extra unexpected message", s->name);
    ck_assert_msg(r->unexpected.tail == last, "%s: unexpected tail is wrong", s->name);
}

START_TEST(scenario_table)
{
    const struct scenario *s = &scenarios[_i];
    cv_request_t *reqs[MAX_OPS];
    const struct op *msgs[MAX_OPS];
    int p, np = run_ops(s, reqs, msgs);

    for (p = 0; p < np; p++)
        check_receive(s->name, p, reqs[p], s->got[p], msgs);
    check_posted(s, np, reqs);
    check_unexpected(s);
    ck_assert_int_eq(fake_nsent, 0); /* plain eager messages need no answer */
}
END_TEST

/* ---- lengths: truncation and zero bytes --------------------------------- */

/* clang-format off */
static const struct len_case {
    const char *name;
    size_t msg, buf;
    int unexpected; /* message before the receive */
    size_t count;
    int error;
} len_cases[] = {
    {"exact fit, posted", 16, 16, 0, 16, 0},
    {"exact fit, unexpected", 16, 16, 1, 16, 0},
    {"shorter than the buffer", 5, 16, 0, 5, 0},
    {"truncated, posted", 16, 5, 0, 5, CV_ERR_TRUNCATE},
    {"truncated, unexpected", 16, 5, 1, 5, CV_ERR_TRUNCATE},
    {"zero bytes, posted", 0, 16, 0, 0, 0},
    {"zero bytes, unexpected", 0, 16, 1, 0, 0},
    {"zero bytes into no buffer, posted", 0, 0, 0, 0, 0},
    {"zero bytes into no buffer, unexpected", 0, 0, 1, 0, 0},
    {"one byte into no buffer", 1, 0, 0, 0, CV_ERR_TRUNCATE},
    {"eager limit, one byte short", CV_EAGER_LIMIT, CV_EAGER_LIMIT - 1, 1, CV_EAGER_LIMIT - 1,
     CV_ERR_TRUNCATE},
    {"eager limit, fits", CV_EAGER_LIMIT, CV_EAGER_LIMIT, 0, CV_EAGER_LIMIT, 0},
};
/* clang-format on */

#define GUARD     0xee
#define GUARD_LEN 8
static unsigned char lbuf[CV_EAGER_LIMIT + GUARD_LEN];

START_TEST(length_table)
{
    const struct len_case *c = &len_cases[_i];
    void *buf = c->buf > 0 ? lbuf : NULL;
    cv_request_t *q;
    size_t i;

    memset(lbuf, GUARD, sizeof(lbuf));
    if (c->unexpected)
        cvu_deliver(2, 3, 0, 0x21, c->msg);
    q = cvu_irecv(buf, c->buf, 2, 3, 0);
    if (!c->unexpected)
        cvu_deliver(2, 3, 0, 0x21, c->msg);
    ck_assert_msg(cv_request_done(q), "%s: not done", c->name);
    ck_assert_msg(q->status.count == c->count, "%s: count %zu, want %zu", c->name, q->status.count,
                  c->count);
    ck_assert_msg(q->status.error == c->error, "%s: error %d, want %d", c->name, q->status.error,
                  c->error);
    ck_assert_int_eq(q->status.source, 2);
    ck_assert_int_eq(q->status.tag, 3);
    ck_assert_msg(cvu_payload_is(lbuf, c->count, 0x21), "%s: payload", c->name);
    for (i = c->count; i < c->buf + GUARD_LEN; i++)
        ck_assert_msg(lbuf[i] == GUARD, "%s: byte %zu written", c->name, i);
}
END_TEST

/* ---- answers a match sends: ACK and CTS -------------------------------- */

/* The single message sent is an `type` to rank dst (on cluster dst). */
static struct cv_wire_hdr sent_one(int type, int dst)
{
    struct cv_wire_hdr h;

    ck_assert_int_eq(fake_nsent, 1);
    h = cvu_sent(0);
    ck_assert_uint_eq(fake_sent[0].len, sizeof(h));
    ck_assert_int_eq(fake_sent[0].cluster, dst);
    ck_assert_uint_eq(h.version, CV_WIRE_VERSION);
    ck_assert_uint_eq(h.type, type);
    ck_assert_int_eq(h.src, CVU_ME);
    ck_assert_int_eq(h.dst, dst);
    ck_assert_int_eq(h.src_cluster, FAKE_SELF);
    ck_assert_uint_eq(h.job, FAKE_JOB);
    return h;
}

/* Delivers a synchronous eager message (cookie 1000 + seq) from rank 2. */
static void deliver_sync(uint32_t seq)
{
    unsigned char payload[8];
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, 2, 4, 0, seq, sizeof(payload));

    h.flags = CV_FLAG_SYNC;
    cvu_payload(payload, sizeof(payload), 0x30);
    cv_deliver(cv_self(), &h, payload);
}

START_TEST(sync_posted_sends_ack)
{
    unsigned char buf[8];
    cv_request_t *q = cvu_irecv(buf, sizeof(buf), 2, 4, 0);
    struct cv_wire_hdr a;

    deliver_sync(5);
    ck_assert(cv_request_done(q));
    a = sent_one(CV_MSG_ACK, 2);
    ck_assert_uint_eq(a.cookie, 1005);
}
END_TEST

START_TEST(sync_unexpected_acks_only_when_received)
{
    unsigned char buf[8];
    struct cv_wire_hdr a;

    deliver_sync(6);
    ck_assert_int_eq(fake_nsent, 0); /* queued, not matched: no ACK yet */
    cvu_irecv(buf, sizeof(buf), A, T, 0);
    a = sent_one(CV_MSG_ACK, 2);
    ck_assert_uint_eq(a.cookie, 1006);
}
END_TEST

START_TEST(sync_truncated_still_acks)
{
    unsigned char buf[3];
    cv_request_t *q = cvu_irecv(buf, sizeof(buf), 2, 4, 0);

    deliver_sync(7);
    ck_assert_int_eq(q->status.error, CV_ERR_TRUNCATE);
    ck_assert_uint_eq(sent_one(CV_MSG_ACK, 2).cookie, 1007);
}
END_TEST

/* Delivers an RTS of len bytes (cookie 1000 + seq) from rank src. */
static void deliver_rts(int src, uint32_t seq, uint64_t len)
{
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_RTS, src, 4, 0, seq, len);

    cv_deliver(cv_self(), &h, NULL);
}

static unsigned char big[3 * CV_EAGER_LIMIT];

/* A receive that matched an RTS: CTS sent, waiting for GO on the active list. */
static void check_cts(cv_request_t *q, int src, uint64_t cookie, size_t want_len, int error)
{
    struct cv_wire_hdr c = sent_one(CV_MSG_CTS, src);

    ck_assert_uint_eq(c.cookie, cookie);
    ck_assert_uint_eq(c.len, want_len);
    ck_assert_uint_ne(c.port, 0);
    ck_assert_uint_eq(c.port, q->port);
    ck_assert_uint_eq(q->remote_id, cookie);
    ck_assert_int_eq(q->state, CV_REQ_WAIT_GO);
    ck_assert_ptr_eq(cv_self()->active, q);
    ck_assert_ptr_null(cv_self()->posted.head);
    ck_assert(!cv_request_done(q));
    ck_assert_uint_eq(q->status.count, want_len);
    ck_assert_int_eq(q->status.error, error);
}

START_TEST(rts_posted_sends_cts)
{
    cv_request_t *q = cvu_irecv(big, sizeof(big), 3, 4, 0);

    deliver_rts(3, 2, 2 * CV_EAGER_LIMIT);
    check_cts(q, 3, 1002, 2 * CV_EAGER_LIMIT, 0);
}
END_TEST

START_TEST(rts_unexpected_sends_cts_when_received)
{
    cv_request_t *q;

    deliver_rts(3, 2, 2 * CV_EAGER_LIMIT);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 1);
    q = cvu_irecv(big, sizeof(big), A, T, 0);
    check_cts(q, 3, 1002, 2 * CV_EAGER_LIMIT, 0);
    ck_assert_ptr_null(cv_self()->unexpected.head);
}
END_TEST

START_TEST(rts_truncated_asks_for_buffer_size)
{
    cv_request_t *q = cvu_irecv(big, CV_EAGER_LIMIT + 10, 3, 4, 0);

    deliver_rts(3, 0, 2 * CV_EAGER_LIMIT);
    check_cts(q, 3, 1000, CV_EAGER_LIMIT + 10, CV_ERR_TRUNCATE);
}
END_TEST

/* A GO from rank src for the transfer named by cookie; sender port 77. */
static void deliver_go(int src, uint64_t cookie)
{
    struct cv_wire_hdr g = cvu_hdr(CV_MSG_GO, src, 0, 0, 0, 0);

    g.cookie = cookie;
    g.port = 77;
    g.src_cluster = 4; /* the sender may have moved since its RTS */
    cv_handle_go(cv_self(), &g);
}

START_TEST(go_starts_read_then_completes)
{
    cv_request_t *q = cvu_irecv(big, sizeof(big), 3, 4, 0);
    struct fake_portal *p = &fake_portal[0];

    deliver_rts(3, 2, 2 * CV_EAGER_LIMIT);
    deliver_go(3, 1002);
    ck_assert_int_eq(q->state, CV_REQ_TRANSFER);
    ck_assert_int_eq(fake_nportals, 1);
    ck_assert_int_eq(p->input, 1);
    ck_assert_int_eq(p->local, FAKE_SELF);
    ck_assert_int_eq(p->port, (int)q->port);
    ck_assert_int_eq(p->remote, 4);
    ck_assert_int_eq(p->remote_port, 77);
    ck_assert_int_eq(p->op, FAKE_PORTAL_READ);
    ck_assert_ptr_eq(p->buf, big);
    ck_assert_uint_eq(p->size, 2 * CV_EAGER_LIMIT);
    ck_assert_int_eq(cv_progress_transfers(cv_self()), 0); /* not done yet */
    ck_assert_int_eq(fake_landed_calls, 0);
    p->done = 1;
    ck_assert_int_eq(cv_progress_transfers(cv_self()), 1);
    ck_assert(cv_request_done(q));
    ck_assert_int_eq(p->retired, 1);
    ck_assert_ptr_null(cv_self()->active);
    /* rank-migrate was told where the peer's copy landed (a pre-copy
     * tracker misses it otherwise), once the portal could write no more */
    ck_assert_int_eq(fake_landed_calls, 1);
    ck_assert_ptr_eq(fake_landed_buf, big);
    ck_assert_uint_eq(fake_landed_len, 2 * CV_EAGER_LIMIT);
    ck_assert_int_eq(fake_landed_retired, 1);
}
END_TEST

START_TEST(go_needs_cookie_and_source)
{
    cv_request_t *q0 = cvu_irecv(big, sizeof(big), 0, 4, 0);
    cv_request_t *q3 = cvu_irecv(big, sizeof(big), 3, 4, 0);

    deliver_rts(0, 2, 2 * CV_EAGER_LIMIT); /* both cookies are 1002 */
    deliver_rts(3, 2, 2 * CV_EAGER_LIMIT);
    deliver_go(3, 1001); /* no such cookie */
    deliver_go(2, 1002); /* no such sender */
    ck_assert_int_eq(fake_nportals, 0);
    deliver_go(3, 1002);
    ck_assert_int_eq(q3->state, CV_REQ_TRANSFER);
    ck_assert_int_eq(q0->state, CV_REQ_WAIT_GO);
    ck_assert_int_eq(fake_nportals, 1);
}
END_TEST

START_TEST(go_read_failure_completes_with_error)
{
    cv_request_t *q = cvu_irecv(big, sizeof(big), 3, 4, 0);

    deliver_rts(3, 2, 2 * CV_EAGER_LIMIT);
    fake_portal_error = -EIO;
    deliver_go(3, 1002);
    ck_assert(cv_request_done(q));
    ck_assert_int_eq(q->status.error, CV_ERR_INTERN);
    ck_assert_ptr_null(cv_self()->active);
}
END_TEST

/* ---- probe, cancel, arguments ------------------------------------------- */

START_TEST(iprobe_sees_oldest_and_keeps_it)
{
    struct cv_status st = {.source = -9};
    int flag = -1;

    cv_iprobe(A, T, 0, &flag, &st);
    ck_assert_int_eq(flag, 0);
    ck_assert_int_eq(st.source, -9); /* untouched without a message */
    cvu_deliver(0, 8, 1, 0x11, 3);
    cvu_deliver(2, 8, 0, 0x12, 5);
    deliver_rts(3, 0, 2 * CV_EAGER_LIMIT);
    ck_assert_int_eq(cv_iprobe(A, 8, 0, &flag, &st), 0);
    ck_assert_int_eq(flag, 1);
    ck_assert_int_eq(st.source, 2);
    ck_assert_int_eq(st.tag, 8);
    ck_assert_uint_eq(st.count, 5);
    cv_iprobe(3, T, 0, &flag, &st); /* an RTS: count is the whole message */
    ck_assert_int_eq(flag, 1);
    ck_assert_uint_eq(st.count, 2 * CV_EAGER_LIMIT);
    cv_iprobe(0, 8, 2, &flag, &st);
    ck_assert_int_eq(flag, 0);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 3);
    ck_assert_int_eq(fake_nsent, 0); /* probing an RTS does not answer it */
}
END_TEST

START_TEST(cancel_posted_receive)
{
    unsigned char buf[4];
    cv_request_t *q1 = cvu_irecv(buf, sizeof(buf), 0, 1, 0);
    cv_request_t *q2 = cvu_irecv(buf, sizeof(buf), 0, 1, 0);

    ck_assert_int_eq(cv_cancel(q2), 0);
    ck_assert(cv_request_done(q2));
    ck_assert_int_eq(q2->status.cancelled, 1);
    ck_assert_uint_eq(q2->status.count, 0);
    ck_assert_ptr_eq(cv_self()->posted.head, q1);
    ck_assert_ptr_eq(cv_self()->posted.tail, q1);
    cvu_deliver(0, 1, 0, 0x40, 4);
    cvu_deliver(0, 1, 0, 0x50, 4);
    ck_assert(cv_request_done(q1));
    ck_assert_int_eq(q1->status.cancelled, 0);
    ck_assert_int_eq(cvu_msg_count(cv_self()->unexpected.head), 1);
    ck_assert_int_eq(cv_cancel(q1), 1); /* matched: too late */
    ck_assert_int_eq(q1->status.cancelled, 0);
}
END_TEST

START_TEST(cancel_after_rts_match_is_too_late)
{
    cv_request_t *q = cvu_irecv(big, sizeof(big), 3, 4, 0);

    deliver_rts(3, 0, 2 * CV_EAGER_LIMIT);
    ck_assert_int_eq(cv_cancel(q), 1);
    ck_assert_int_eq(q->state, CV_REQ_WAIT_GO);
}
END_TEST

START_TEST(cancel_send_not_supported)
{
    unsigned char buf[4] = {0};
    cv_request_t *q = NULL;

    ck_assert_int_eq(cv_isend(buf, sizeof(buf), 2, 0, 0, CV_SEND_STANDARD, &q), 0);
    ck_assert_int_eq(cv_cancel(q), -ENOTSUP);
}
END_TEST

/* clang-format off */
static const struct {
    int source, ret;
} irecv_sources[] = {
    {-1, CV_ERR_RANK}, {-3, CV_ERR_RANK}, {FAKE_NRANKS, CV_ERR_RANK},
    {A, 0},            {0, 0},            {FAKE_NRANKS - 1, 0},
};
/* clang-format on */

START_TEST(irecv_checks_source)
{
    unsigned char buf[4];
    cv_request_t *q = NULL;

    ck_assert_int_eq(cv_irecv(buf, sizeof(buf), irecv_sources[_i].source, 0, 0, &q),
                     irecv_sources[_i].ret);
    ck_assert_int_eq(cvu_req_count(cv_self()->posted.head), irecv_sources[_i].ret == 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *match_suite(void)
{
    Suite *s = suite_create("cv_match");
    TCase *tm = tcase_create("match"), *to = tcase_create("order"), *tl = tcase_create("length");
    TCase *ta = tcase_create("answers"), *tp = tcase_create("probe_cancel");

    tcase_add_loop_test(tm, match_table, 0, N(match_cases));
    tcase_add_checked_fixture(to, cvu_setup, NULL);
    tcase_add_loop_test(to, scenario_table, 0, N(scenarios));
    tcase_add_checked_fixture(tl, cvu_setup, NULL);
    tcase_add_loop_test(tl, length_table, 0, N(len_cases));
    tcase_add_checked_fixture(ta, cvu_setup, NULL);
    tcase_add_test(ta, sync_posted_sends_ack);
    tcase_add_test(ta, sync_unexpected_acks_only_when_received);
    tcase_add_test(ta, sync_truncated_still_acks);
    tcase_add_test(ta, rts_posted_sends_cts);
    tcase_add_test(ta, rts_unexpected_sends_cts_when_received);
    tcase_add_test(ta, rts_truncated_asks_for_buffer_size);
    tcase_add_test(ta, go_starts_read_then_completes);
    tcase_add_test(ta, go_needs_cookie_and_source);
    tcase_add_test(ta, go_read_failure_completes_with_error);
    tcase_add_checked_fixture(tp, cvu_setup, NULL);
    tcase_add_test(tp, iprobe_sees_oldest_and_keeps_it);
    tcase_add_test(tp, cancel_posted_receive);
    tcase_add_test(tp, cancel_after_rts_match_is_too_late);
    tcase_add_test(tp, cancel_send_not_supported);
    tcase_add_loop_test(tp, irecv_checks_source, 0, N(irecv_sources));
    suite_add_tcase(s, tm);
    suite_add_tcase(s, to);
    suite_add_tcase(s, tl);
    suite_add_tcase(s, ta);
    suite_add_tcase(s, tp);
    return s;
}

int main(void)
{
    return th_check_run(match_suite());
}
