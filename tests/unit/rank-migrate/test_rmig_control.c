/* test_rmig_control.c: Check tests of the daemon's control protocol (rmig_control.c, rmig_wire.c).
 *
 * The real control code reads the fake inbox and writes to the fake's
 * record (rmig_fake.h). The tests queue messages as other clusters would
 * send them and check exactly what this cluster answered (destination,
 * type, rank, arg, stream) and what it kept: offers against a table of
 * cluster states, the reply picking of rmig_control_check() while a move
 * waits (early replies kept, replies of a stream given up dropped, offers
 * refused, asks noted), the timeout of rmig_control_wait() on the fake
 * clock, and rmig_wire_check() against a table of malformed headers.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

/* ---- rmig_wire_check ----------------------------------------------------- */

#define HDR_LEN ((long)sizeof(struct rmig_wire_hdr))

static const struct {
    const char *what;
    uint32_t magic;
    uint16_t version;
    uint64_t job;
    long len;
    int type, src, arg, stream; /* stream is hops for ASK */
    uint64_t a;
    int want;
} wire_cases[] = {
    {"offer", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_OFFER, 2, 0, 0, 7,
     RMIG_MSG_OFFER},
    {"job end", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_JOB_END, 0, 0, 0, 0,
     RMIG_MSG_JOB_END},
    {"one byte short", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN - 1, RMIG_MSG_OFFER, 2,
     0, 0, 0, -EPROTO},
    {"one byte long", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN + 1, RMIG_MSG_OFFER, 2,
     0, 0, 0, -EPROTO},
    {"bad magic", RMIG_WIRE_MAGIC ^ 1, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_OFFER, 2, 0,
     0, 0, -EPROTO},
    {"older version", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION - 1, FAKE_JOB, HDR_LEN, RMIG_MSG_OFFER, 2,
     0, 0, 0, -EPROTO},
    {"newer version", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION + 1, FAKE_JOB, HDR_LEN, RMIG_MSG_OFFER, 2,
     0, 0, 0, -EPROTO},
    {"other job", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB ^ 1, HDR_LEN, RMIG_MSG_OFFER, 2, 0,
     0, 0, -EPROTO},
    {"negative sender", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_OFFER, -1,
     0, 0, 0, -EPROTO},
    {"type 0", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, 0, 2, 0, 0, 0, -EPROTO},
    {"type past the last", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_TYPE_MAX + 1, 2, 0, 0, 0, -EPROTO},
    {"offer with a stream", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_OFFER,
     2, 0, 1, 0, -EPROTO},
    {"begin", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_BEGIN, 2,
     RMIG_MAX_RANGES, RMIG_STREAMS - 1, 0, RMIG_MSG_BEGIN},
    {"begin without a range", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_BEGIN,
     2, 0, 0, 0, -EPROTO},
    {"begin, too many ranges", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_BEGIN, 2, RMIG_MAX_RANGES + 1, 0, 0, -EPROTO},
    {"begin, stream -1", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_BEGIN, 2,
     1, -1, 0, -EPROTO},
    {"begin, stream past the last", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_BEGIN, 2, 1, RMIG_STREAMS, 0, -EPROTO},
    {"table ok, last stream", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_TABLE_OK, 2, 0, RMIG_STREAMS - 1, 0, RMIG_MSG_TABLE_OK},
    {"done, stream past the last", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_DONE, 2, 0, RMIG_STREAMS, 0, -EPROTO},
    {"fail, stream -1", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_FAIL, 2, 0,
     -1, 0, -EPROTO},
    {"ask, most hops", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_ASK, 2, 3,
     RMIG_MAX_HOPS, UINT32_MAX, RMIG_MSG_ASK},
    {"ask, hops -1", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_ASK, 2, 3, -1,
     0, -EPROTO},
    {"ask, too many hops", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_ASK, 2,
     3, RMIG_MAX_HOPS + 1, 0, -EPROTO},
    {"ask, requester entered at the last cluster", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB,
     HDR_LEN, RMIG_MSG_ASK, 2, 3, 0, RMIG_REQUESTER(RMIG_WIRE_CLUSTERS_MAX - 1, 7), RMIG_MSG_ASK},
    {"ask, requester's entry past the clusters", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB,
     HDR_LEN, RMIG_MSG_ASK, 2, 3, 0, RMIG_REQUESTER(RMIG_WIRE_CLUSTERS_MAX, 7), -EPROTO},
    {"result", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_RESULT, 2, -4095, 3,
     RMIG_REQUESTER(1, 77), RMIG_MSG_RESULT},
    {"result, positive status", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_RESULT, 2, 1, 3, RMIG_REQUESTER(1, 77), -EPROTO},
    {"result, status past -4095", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_RESULT, 2, -4096, 3, RMIG_REQUESTER(1, 77), -EPROTO},
    {"result, from -1", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN, RMIG_MSG_RESULT, 2,
     0, -1, RMIG_REQUESTER(1, 77), -EPROTO},
    {"result without an entry", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_RESULT, 2, 0, 3, 77, -EPROTO},
    {"result without a requester", RMIG_WIRE_MAGIC, RMIG_WIRE_VERSION, FAKE_JOB, HDR_LEN,
     RMIG_MSG_RESULT, 2, 0, 3, RMIG_REQUESTER(1, 0), -EPROTO},
};

START_TEST(wire_check_table)
{
    unsigned char buf[sizeof(struct rmig_wire_hdr) + 1] = {0};
    struct rmig_wire_hdr h, out;

    memset(&out, 0xab, sizeof(out));
    h = rmu_hdr(wire_cases[_i].type, wire_cases[_i].src, 1, wire_cases[_i].arg,
                wire_cases[_i].stream);
    h.magic = wire_cases[_i].magic;
    h.version = wire_cases[_i].version;
    h.job = wire_cases[_i].job;
    h.a = wire_cases[_i].a;
    memcpy(buf, &h, sizeof(h));
    ck_assert_msg(rmig_wire_check(buf, wire_cases[_i].len, FAKE_JOB, &out) == wire_cases[_i].want,
                  "%s", wire_cases[_i].what);
    if (wire_cases[_i].want > 0)
        ck_assert_mem_eq(&out, &h, sizeof(h));
    /* c (a RESULT's downtime) must be zero in every other type */
    h.c = 1;
    memcpy(buf, &h, sizeof(h));
    if (wire_cases[_i].want > 0)
        ck_assert_msg(rmig_wire_check(buf, wire_cases[_i].len, FAKE_JOB, &out) ==
                          (wire_cases[_i].type == RMIG_MSG_RESULT ? RMIG_MSG_RESULT : -EPROTO),
                      "%s with c set", wire_cases[_i].what);
}
END_TEST

/* A path after the header (BEGIN_FILE; ASK through a checkpoint): c bytes
 * without a NUL, then the NUL, then nothing; and only for those types. */
static const struct {
    const char *what;
    int type, arg;
    uint64_t c;    /* the header's path length */
    const char *p; /* the bytes after the header (tail bytes, NUL included) */
    long tail;
    int want;
} path_cases[] = {
    {"begin file", RMIG_MSG_BEGIN_FILE, 3, 8, "/tmp/x/y", 9, RMIG_MSG_BEGIN_FILE},
    {"begin file without a path", RMIG_MSG_BEGIN_FILE, 3, 0, "", 0, -EPROTO},
    {"begin file, c 0 but a tail", RMIG_MSG_BEGIN_FILE, 3, 0, "", 1, -EPROTO},
    {"begin file without the NUL", RMIG_MSG_BEGIN_FILE, 3, 8, "/tmp/x/yz", 8, -EPROTO},
    {"begin file, NUL inside", RMIG_MSG_BEGIN_FILE, 3, 8, "/tmp\0x/y", 9, -EPROTO},
    {"begin file, a byte after the NUL", RMIG_MSG_BEGIN_FILE, 3, 8, "/tmp/x/y\0z", 10, -EPROTO},
    {"begin file, c past the path", RMIG_MSG_BEGIN_FILE, 3, 9, "/tmp/x/y", 9, -EPROTO},
    {"begin file, no range", RMIG_MSG_BEGIN_FILE, 0, 8, "/tmp/x/y", 9, -EPROTO},
    {"ask through a checkpoint", RMIG_MSG_ASK, 3, 4, "/img", 5, RMIG_MSG_ASK},
    {"ask, a tail without c", RMIG_MSG_ASK, 3, 0, "/img", 5, -EPROTO},
    {"offer with a path", RMIG_MSG_OFFER, 0, 4, "/img", 5, -EPROTO},
};

START_TEST(wire_check_path)
{
    unsigned char buf[sizeof(struct rmig_wire_hdr) + 16] = {0};
    struct rmig_wire_hdr h = rmu_hdr(path_cases[_i].type, 2, 1, path_cases[_i].arg, 0), out;

    h.c = path_cases[_i].c;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), path_cases[_i].p, (size_t)path_cases[_i].tail);
    ck_assert_msg(rmig_wire_check(buf, HDR_LEN + path_cases[_i].tail, FAKE_JOB, &out) ==
                      path_cases[_i].want,
                  "%s", path_cases[_i].what);
    if (path_cases[_i].want > 0)
        ck_assert_str_eq(rmig_wire_path_of(buf, &out), path_cases[_i].p);
}
END_TEST

START_TEST(wire_check_null)
{
    ck_assert_int_eq(rmig_wire_check(NULL, HDR_LEN, FAKE_JOB, NULL), -EPROTO);
}
END_TEST

/* ---- offers -------------------------------------------------------------- */

static const struct {
    const char *what;
    int hosts_rank, reserved_for, left, migratable, same_layout;
    int want_type, want_arg, want_reserved;
} offer_cases[] = {
    {"idle", 0, -1, 0, 1, 1, RMIG_MSG_ACCEPT, 0, 2},
    {"hosting a rank", 1, -1, 0, 1, 1, RMIG_MSG_REFUSE, -EBUSY, -1},
    {"reserved for another", 0, 3, 0, 1, 1, RMIG_MSG_REFUSE, -EBUSY, 3},
    {"reserved for the same source", 0, 2, 0, 1, 1, RMIG_MSG_REFUSE, -EBUSY, 2},
    {"leaving the job", 0, -1, 1, 1, 1, RMIG_MSG_REFUSE, -EBUSY, -1},
    {"not migratable", 0, -1, 0, 0, 1, RMIG_MSG_REFUSE, -EXDEV, -1},
    {"other layout", 0, -1, 0, 1, 0, RMIG_MSG_REFUSE, -EXDEV, -1},
    {"busy and other layout", 1, -1, 0, 1, 0, RMIG_MSG_REFUSE, -EBUSY, -1},
};

START_TEST(offer_table)
{
    struct rmig_wire_hdr offer = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0);

    offer.a = offer_cases[_i].same_layout ? FAKE_FINGERPRINT : FAKE_FINGERPRINT + 1;
    if (offer_cases[_i].hosts_rank)
        fake_container_start(0);
    rmig_cluster.reserved_for = offer_cases[_i].reserved_for;
    rmig_cluster.left = offer_cases[_i].left;
    fake_migratable = offer_cases[_i].migratable;
    ck_assert_int_eq(rmig_control_handle(&offer), 0);
    ck_assert_msg(fake_nsent == 1, "%s: %d answers", offer_cases[_i].what, fake_nsent);
    rmu_assert_sent(0, 2, offer_cases[_i].want_type, 2, offer_cases[_i].want_arg, 0);
    ck_assert_msg(rmig_cluster.reserved_for == offer_cases[_i].want_reserved, "%s: reserved for %d",
                  offer_cases[_i].what, rmig_cluster.reserved_for);
}
END_TEST

/* The spare loop answers offers in turn and leaves at JOB_END; the first
 * accepted offer holds the cluster for its source. */
START_TEST(spare_loop_answers_then_leaves)
{
    struct rmig_wire_hdr o2 = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0), o3 = o2;

    o2.a = o3.a = FAKE_FINGERPRINT;
    o3.src_cluster = 3;
    o3.rank = 3;
    rmu_push_hdr(&o2);
    rmu_push_hdr(&o3);
    rmu_push(RMIG_MSG_JOB_END, 0, -1, 0, 0);
    ck_assert_int_eq(rmig_spare_loop(), 0);
    ck_assert_int_eq(fake_nsent, 2);
    rmu_assert_sent(0, 2, RMIG_MSG_ACCEPT, 2, 0, 0);
    rmu_assert_sent(1, 3, RMIG_MSG_REFUSE, 3, -EBUSY, 0);
    ck_assert_int_eq(rmig_cluster.left, 1);
    ck_assert_int_eq(rmig_cluster.reserved_for, 2);
}
END_TEST

/* An idle spare whose reads of a stream given up on may still land in its
 * container region refuses offers until they are over, with -EAGAIN: they
 * end once their link is back, so the offerer asks again (rmig_move.c). */
START_TEST(offer_refused_while_reads_may_land)
{
    struct rmig_wire_hdr o = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0);

    o.a = FAKE_FINGERPRINT;
    fake_portal_orphans = 1;
    ck_assert_int_eq(rmig_control_handle(&o), 0);
    rmu_assert_sent(0, 2, RMIG_MSG_REFUSE, 2, -EAGAIN, 0);
    ck_assert_int_eq(rmig_cluster.reserved_for, -1);
    fake_portal_orphans = 0;
    ck_assert_int_eq(rmig_control_handle(&o), 0);
    rmu_assert_sent(1, 2, RMIG_MSG_ACCEPT, 2, 0, 0);
}
END_TEST

/* ---- rmig_control_handle: what a cluster ignores --------------------------- */

START_TEST(begin_from_unreserved_source_ignored)
{
    struct rmig_wire_hdr b = rmu_hdr(RMIG_MSG_BEGIN, 2, 2, 3, 0);

    ck_assert_int_eq(rmig_control_handle(&b), 0);
    rmig_cluster.reserved_for = 3;
    ck_assert_int_eq(rmig_control_handle(&b), 0);
    ck_assert_int_eq(fake_nportals, 0); /* no stream was started */
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(rmig_cluster.reserved_for, 3);
}
END_TEST

START_TEST(job_end_only_without_container)
{
    struct rmig_wire_hdr e = rmu_hdr(RMIG_MSG_JOB_END, 0, -1, 0, 0);

    ck_assert_int_eq(rmig_control_handle(&e), 1);
    fake_container_start(2);
    ck_assert_int_eq(rmig_control_handle(&e), 0);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

static const int late_types[] = {RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, RMIG_MSG_DONE, RMIG_MSG_FAIL,
                                 RMIG_MSG_TABLE_OK};

START_TEST(late_reply_ignored)
{
    struct rmig_wire_hdr r = rmu_hdr(late_types[_i], 2, 2, -EBUSY, 0);

    ck_assert_int_eq(rmig_control_handle(&r), 0);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(rmig_cluster.reserved_for, -1);
}
END_TEST

/* ---- rmig_control_check / wait while a move waits -------------------------- */

/* TABLE_OK may come while the source still only looks for FAIL: kept for
 * the next check, and given once. */
START_TEST(check_keeps_early_reply)
{
    struct rmig_wire_hdr out;

    rmig_cluster.stream_now = 0;
    rmu_push(RMIG_MSG_TABLE_OK, 4, RMU_ME, 0, 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_FAIL, RMIG_MSG_FAIL, &out), 0);
    ck_assert_int_eq(fake_inbox_left(), 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_TABLE_OK, RMIG_MSG_FAIL, &out),
                     RMIG_MSG_TABLE_OK);
    ck_assert_int_eq(out.src_cluster, 4);
    ck_assert_int_eq(out.stream, 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_TABLE_OK, RMIG_MSG_FAIL, &out), 0);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

START_TEST(forget_replies_drops_early_reply)
{
    struct rmig_wire_hdr out;

    rmig_cluster.stream_now = 0;
    rmu_push(RMIG_MSG_DONE, 4, RMU_ME, 0, 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_FAIL, RMIG_MSG_FAIL, &out), 0);
    rmig_control_forget_replies();
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_DONE, RMIG_MSG_FAIL, &out), 0);
}
END_TEST

/* Answers of a stream given up on (number != stream_now) are dropped, not
 * kept: the stream in progress gets only its own. */
START_TEST(check_drops_replies_of_stream_given_up)
{
    struct rmig_wire_hdr out;

    rmig_cluster.stream_now = 3;
    rmu_push(RMIG_MSG_DONE, 4, RMU_ME, 0, 2);
    rmu_push(RMIG_MSG_FAIL, 4, RMU_ME, -EBADMSG, 2);
    rmu_push(RMIG_MSG_TABLE_OK, 4, RMU_ME, 0, 4);
    rmu_push(RMIG_MSG_DONE, 4, RMU_ME, 0, 3);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_DONE, RMIG_MSG_FAIL, &out), RMIG_MSG_DONE);
    ck_assert_int_eq(out.stream, 3);
    ck_assert_int_eq(fake_inbox_left(), 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_TABLE_OK, RMIG_MSG_FAIL, &out), 0);
}
END_TEST

/* Between offers no stream is in progress: a stream's answer is always late. */
START_TEST(check_drops_stream_replies_without_stream)
{
    struct rmig_wire_hdr out;

    rmu_push(RMIG_MSG_DONE, 4, RMU_ME, 0, 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_DONE, RMIG_MSG_FAIL, &out), 0);
}
END_TEST

START_TEST(check_drops_reply_of_other_cluster)
{
    struct rmig_wire_hdr out;

    rmu_push(RMIG_MSG_ACCEPT, 5, RMU_ME, 0, 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out), 0);
    ck_assert_int_eq(rmig_control_check(5, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out), 0);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

/* A cluster in the middle of a move refuses every offer, even an idle
 * looking one, and goes on waiting for its own reply. */
START_TEST(check_refuses_offers_while_busy)
{
    struct rmig_wire_hdr out, o = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0);

    o.a = FAKE_FINGERPRINT;
    rmu_push_hdr(&o);
    rmu_push(RMIG_MSG_ACCEPT, 4, RMU_ME, 0, 0);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out),
                     RMIG_MSG_ACCEPT);
    ck_assert_int_eq(fake_nsent, 1);
    rmu_assert_sent(0, 2, RMIG_MSG_REFUSE, 2, -EBUSY, 0);
    ck_assert_int_eq(rmig_cluster.reserved_for, -1);
}
END_TEST

/* The rank of this cluster frozen and on its way out (departing_to set):
 * offers are refused "again" (-EAGAIN), since the cluster is idle once the
 * stream ends; the offering rank asks again (test_rmig_move.c). Departing
 * but not frozen yet (quiescing): busy. */
START_TEST(check_says_again_while_leaving)
{
    struct rmig_wire_hdr out, o = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0);

    o.a = FAKE_FINGERPRINT;
    fake_container_start(0);
    rmig_cluster.departing_to = 4;
    rmu_push_hdr(&o);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_DONE, RMIG_MSG_FAIL, &out), 0);
    rmu_assert_sent(0, 2, RMIG_MSG_REFUSE, 2, -EBUSY, 0);
    fake_header()->state = FAKE_SUSPENDED;
    rmu_push_hdr(&o);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_DONE, RMIG_MSG_FAIL, &out), 0);
    rmu_assert_sent(1, 2, RMIG_MSG_REFUSE, 2, -EAGAIN, 0);
    ck_assert_int_eq(rmig_cluster.reserved_for, -1);
    rmig_cluster.departing_to = -1;
}
END_TEST

START_TEST(check_notes_asks_while_busy)
{
    struct rmig_wire_hdr out, ask = rmu_hdr(RMIG_MSG_ASK, 0, RMU_ME, 5, 0);

    ask.a = 77;
    ask.b = 9;
    rmu_push_hdr(&ask);
    ck_assert_int_eq(rmig_control_check(4, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out), 0);
    ck_assert_int_eq(rmig_cluster.ask_cluster, 5);
    ck_assert_uint_eq(rmig_cluster.ask_requester, 77);
    ck_assert_uint_eq(rmig_cluster.ask_nonce, 9);
    ck_assert_int_eq(fake_nsent, 0);
}
END_TEST

/* Offers that do not check out (another job, another version, garbage) get
 * no answer at all; the reply behind them is still found. (Each one ends a
 * round of rmig_control_check, so the wait idles once per bad message: the
 * fake clock steps finely here to stay far from the timeout.) */
START_TEST(wait_ignores_malformed)
{
    struct rmig_wire_hdr out, o = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0);
    static const char junk[10] = "junk";

    fake_idle_step = 0.001;
    o.a = FAKE_FINGERPRINT;
    o.job = FAKE_JOB + 1;
    rmu_push_hdr(&o);
    o.job = FAKE_JOB;
    o.version = RMIG_WIRE_VERSION - 1;
    rmu_push_hdr(&o);
    o.version = RMIG_WIRE_VERSION;
    o.magic = 0;
    rmu_push_hdr(&o);
    fake_inbox_push(junk, sizeof(junk));
    rmu_push(RMIG_MSG_ACCEPT, 4, RMU_ME, 0, 0);
    ck_assert_int_eq(rmig_control_wait(4, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out, NULL),
                     RMIG_MSG_ACCEPT);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(fake_inbox_left(), 0);
}
END_TEST

static const struct {
    const char *timeout; /* NMPI_MIGRATE_TIMEOUT, NULL: unset */
    double want;         /* seconds of fake clock waited */
} timeout_cases[] = {{"2", 2.0}, {NULL, 60.0}, {"0.5", 0.5}};

START_TEST(wait_times_out_on_fake_clock)
{
    struct rmig_wire_hdr out;

    if (timeout_cases[_i].timeout == NULL)
        unsetenv("NMPI_MIGRATE_TIMEOUT");
    else
        setenv("NMPI_MIGRATE_TIMEOUT", timeout_cases[_i].timeout, 1);
    fake_now = 100.0;
    ck_assert_int_eq(rmig_control_wait(4, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out, NULL),
                     -ETIMEDOUT);
    ck_assert_double_eq(fake_now, 100.0 + timeout_cases[_i].want);
    ck_assert_uint_eq(fake_idles, (unsigned long)(timeout_cases[_i].want / fake_idle_step));
}
END_TEST

static void refuse_on_third_idle(void)
{
    if (fake_idles == 3)
        rmu_push(RMIG_MSG_REFUSE, 4, RMU_ME, -EXDEV, 0);
}

START_TEST(wait_takes_reply_that_comes_later)
{
    struct rmig_wire_hdr out;

    fake_on_idle = refuse_on_third_idle;
    ck_assert_int_eq(rmig_control_wait(4, RMIG_MSG_ACCEPT, RMIG_MSG_REFUSE, &out, NULL),
                     RMIG_MSG_REFUSE);
    ck_assert_int_eq(out.arg, -EXDEV);
    ck_assert_double_eq(fake_now, 0.75);
}
END_TEST

/* A spare accepted cluster 2's offer, and no BEGIN ever came (the source
 * timed out before the ACCEPT reached it, or failed before its BEGIN). Until
 * the move's timeout it refuses other offers; after it, the reservation has
 * lapsed and it takes the next one (it used to refuse every offer with
 * -EBUSY for the rest of the job); a late BEGIN of the first source is then
 * ignored. */
START_TEST(reservation_without_begin_lapses)
{
    struct rmig_wire_hdr o2 = rmu_hdr(RMIG_MSG_OFFER, 2, 2, 0, 0), o3 = o2;

    o2.a = o3.a = FAKE_FINGERPRINT;
    o3.src_cluster = 3;
    o3.rank = 3;
    ck_assert_int_eq(rmig_control_handle(&o2), 0);
    rmu_assert_sent(0, 2, RMIG_MSG_ACCEPT, 2, 0, 0);
    fake_now += 0.5 * rmig_timeout();
    ck_assert_int_eq(rmig_control_handle(&o3), 0);
    rmu_assert_sent(1, 3, RMIG_MSG_REFUSE, 3, -EBUSY, 0);
    fake_now += rmig_timeout();
    ck_assert_int_eq(rmig_control_handle(&o3), 0);
    rmu_assert_sent(2, 3, RMIG_MSG_ACCEPT, 3, 0, 0);
    ck_assert_int_eq(rmig_cluster.reserved_for, 3);
}
END_TEST

static Suite *control_suite(void)
{
    Suite *s = suite_create("rank-migrate-control");
    TCase *wire = tcase_create("wire"), *spare = tcase_create("spare"),
          *busy = tcase_create("busy");

    tcase_add_checked_fixture(wire, rmu_setup_spare, NULL);
    tcase_add_loop_test(wire, wire_check_table, 0, sizeof(wire_cases) / sizeof(wire_cases[0]));
    tcase_add_test(wire, wire_check_null);
    tcase_add_loop_test(wire, wire_check_path, 0, sizeof(path_cases) / sizeof(path_cases[0]));
    suite_add_tcase(s, wire);

    tcase_add_checked_fixture(spare, rmu_setup_spare, NULL);
    tcase_set_timeout(spare, 10);
    tcase_add_loop_test(spare, offer_table, 0, sizeof(offer_cases) / sizeof(offer_cases[0]));
    tcase_add_test(spare, spare_loop_answers_then_leaves);
    tcase_add_test(spare, offer_refused_while_reads_may_land);
    tcase_add_test(spare, begin_from_unreserved_source_ignored);
    tcase_add_test(spare, job_end_only_without_container);
    tcase_add_test(spare, reservation_without_begin_lapses);
    tcase_add_loop_test(spare, late_reply_ignored, 0, sizeof(late_types) / sizeof(late_types[0]));
    suite_add_tcase(s, spare);

    tcase_add_checked_fixture(busy, rmu_setup, NULL);
    tcase_set_timeout(busy, 10);
    tcase_add_test(busy, check_keeps_early_reply);
    tcase_add_test(busy, forget_replies_drops_early_reply);
    tcase_add_test(busy, check_drops_replies_of_stream_given_up);
    tcase_add_test(busy, check_drops_stream_replies_without_stream);
    tcase_add_test(busy, check_drops_reply_of_other_cluster);
    tcase_add_test(busy, check_refuses_offers_while_busy);
    tcase_add_test(busy, check_says_again_while_leaving);
    tcase_add_test(busy, check_notes_asks_while_busy);
    tcase_add_test(busy, wait_ignores_malformed);
    tcase_add_loop_test(busy, wait_times_out_on_fake_clock, 0,
                        sizeof(timeout_cases) / sizeof(timeout_cases[0]));
    tcase_add_test(busy, wait_takes_reply_that_comes_later);
    suite_add_tcase(s, busy);
    return s;
}

int main(void)
{
    return th_check_run(control_suite());
}
