/* test_rmig_stream.c: Check tests of the portal stream (rmig_stream_portal.c), both ends.
 *
 * The source end runs on cluster RMU_ME with its container in the fake
 * region and a scripted destination (rmu_peer) answering its BEGIN; its
 * writes land on the fake wire, where the tests read back ports, lanes and
 * bytes. The destination end runs on the spare RMU_SPARE: a test builds
 * the stream a source would send (the table from rmig_table_build() of a
 * container for rank 1, the ranges' bytes), damages it as a table of cases
 * says, puts it on the wire, empties the region and calls .receive; then it
 * checks the answers (TABLE_OK, DONE or FAIL with the error), what was
 * written in place, the container released or not, and the ports read.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

#define DEST   RMU_SPARE
#define NRANGE FAKE_SLOTS /* fake_reset() lists one range per slot */
#define STREAM 5          /* the destination tests' stream number */

static size_t total_bytes(void)
{
    size_t n = 0;

    for (int s = 0; s < FAKE_SLOTS; s++)
        n += fake_range_len[s];
    return n;
}

/* ---- source -------------------------------------------------------------- */

/* The table the source must send: every range of the fake container. */
static void expected_table(struct rmig_wire_range *r)
{
    for (int s = 0; s < NRANGE; s++) {
        r[s].addr = (uint64_t)(uintptr_t)fake_region[s];
        r[s].len = fake_range_len[s];
        r[s].checksum = ua_checksum_range(fake_region[s], fake_range_len[s]);
    }
}

/* Asserts that wire entry w went from `lane` of `stream` to DEST. */
static void assert_lane(int w, int stream, int lane)
{
    int port = RMIG_STREAM_PORT(RMU_ME, stream, lane);

    ck_assert_int_eq(fake_wire[w].src, RMU_ME);
    ck_assert_int_eq(fake_wire[w].dst, DEST);
    ck_assert_msg(fake_wire[w].src_port == port && fake_wire[w].dst_port == port,
                  "write %d on port %d, not lane %d's %d", w, fake_wire[w].src_port, lane, port);
}

static void assert_portals_closed(void)
{
    for (int i = 0; i < fake_nportals; i++)
        ck_assert_msg(fake_portal[i].retired, "portal %d left open", i);
}

START_TEST(source_sends_table_then_ranges_round_robin)
{
    struct rmig_wire_range table[NRANGE];
    struct rmig_stats st = {0};
    struct rmig_wire_hdr b;

    rmu_peer[DEST].stream = RMU_STREAM_OK;
    expected_table(table);
    ck_assert_int_eq(rmig_stream_portal.send(DEST, &st), 0);
    ck_assert_int_eq(st.ranges, NRANGE);
    ck_assert_uint_eq(st.bytes, total_bytes());
    ck_assert_int_eq(fake_nsent, 2); /* BEGIN, and COMMIT once DONE came */
    rmu_assert_sent(0, DEST, RMIG_MSG_BEGIN, RMU_ME, NRANGE, 0);
    rmu_assert_sent(1, DEST, RMIG_MSG_COMMIT, RMU_ME, 0, 0);
    b = rmu_sent(0);
    ck_assert_uint_eq(b.a, total_bytes());
    ck_assert_uint_eq(b.b, ua_checksum_range(table, sizeof(table)));
    ck_assert_int_eq(fake_nwires, 1 + NRANGE);
    assert_lane(0, 0, 0);
    ck_assert_uint_eq(fake_wire[0].len, sizeof(table));
    ck_assert_mem_eq(fake_wire[0].bytes, table, sizeof(table));
    for (int i = 0; i < NRANGE; i++) {
        assert_lane(1 + i, 0, i % RMIG_LANES);
        ck_assert_uint_eq(fake_wire[1 + i].len, fake_range_len[i]);
        ck_assert_mem_eq(fake_wire[1 + i].bytes, fake_region[i], fake_range_len[i]);
    }
    ck_assert_int_eq(fake_nportals, RMIG_LANES);
    assert_portals_closed();
    ck_assert_int_eq(rmig_cluster.stream_now, -1);
}
END_TEST

/* Streams of one source are numbered modulo RMIG_STREAMS, each with its ports. */
static const struct {
    unsigned started; /* streams started before */
    int want;         /* number of the next one */
} number_cases[] = {
    {0, 0}, {1, 1}, {RMIG_STREAMS - 1, RMIG_STREAMS - 1}, {RMIG_STREAMS, 0}, {RMIG_STREAMS + 1, 1}};

START_TEST(source_numbers_streams)
{
    struct rmig_stats st;

    rmu_peer[DEST].stream = RMU_STREAM_OK;
    rmig_cluster.streams = number_cases[_i].started;
    ck_assert_int_eq(rmig_stream_portal.send(DEST, &st), 0);
    rmu_assert_sent(0, DEST, RMIG_MSG_BEGIN, RMU_ME, NRANGE, number_cases[_i].want);
    for (int w = 0; w < fake_nwires; w++)
        assert_lane(w, number_cases[_i].want, w == 0 ? 0 : (w - 1) % RMIG_LANES);
    ck_assert_uint_eq(rmig_cluster.streams, number_cases[_i].started + 1);
}
END_TEST

/* A source that gave up without DONE tells the destination (ABORT), so
 * that a DONE it sends late cannot make the rank run there as well; after
 * a FAIL the destination has dropped its copy already. */
static const struct {
    const char *what;
    int script, fail_arg, hold_writes;
    int want, want_writes; /* result; writes made (table + ranges) */
    int abort_sent;
} source_cases[] = {
    {"FAIL for the table", RMU_STREAM_FAIL, -EBADMSG, 0, -EIO, 1, 0},
    {"FAIL after the ranges", RMU_STREAM_TABLE_THEN_FAIL, -EBADMSG, 0, -EIO, 1 + NRANGE, 0},
    {"FAIL while the table is in flight", RMU_STREAM_TABLE_THEN_FAIL, -EBADMSG, 1, -EIO, 1, 0},
    {"FAIL while writes stall", RMU_STREAM_FAIL, -EBADMSG, 1, -EIO, 1, 0},
    {"no answer", RMU_STREAM_SILENT, 0, 0, -ETIMEDOUT, 1, 1},
    {"no answer, writes stall", RMU_STREAM_SILENT, 0, 1, -ETIMEDOUT, 1, 1},
    {"no DONE", RMU_STREAM_TABLE_ONLY, 0, 0, -ETIMEDOUT, 1 + NRANGE, 1},
    {"answers of another stream", RMU_STREAM_OTHER_NUMBER, 0, 0, -ETIMEDOUT, 1, 1},
};

START_TEST(source_failures)
{
    struct rmig_stats st;

    rmu_peer[DEST].stream = source_cases[_i].script;
    rmu_peer[DEST].fail_arg = source_cases[_i].fail_arg;
    fake_hold_writes = source_cases[_i].hold_writes;
    ck_assert_msg(rmig_stream_portal.send(DEST, &st) == source_cases[_i].want, "%s",
                  source_cases[_i].what);
    ck_assert_msg(fake_nwires == source_cases[_i].want_writes, "%s: %d writes",
                  source_cases[_i].what, fake_nwires);
    ck_assert_int_eq(fake_nsent, 1 + source_cases[_i].abort_sent); /* BEGIN (, ABORT) */
    if (source_cases[_i].abort_sent)
        rmu_assert_sent(1, DEST, RMIG_MSG_ABORT, RMU_ME, 0, 0);
    assert_portals_closed();
    ck_assert_int_eq(rmig_cluster.stream_now, -1);
    if (source_cases[_i].want == -ETIMEDOUT)
        ck_assert_double_ge(fake_now, 1.0); /* NMPI_MIGRATE_TIMEOUT */
    /* A stalled stream's number (0) is not used again. */
    ck_assert_uint_eq(rmig_cluster.streams_stalled, source_cases[_i].want == -ETIMEDOUT);
}
END_TEST

/* Stream numbers that stalled are skipped while others are left. */
START_TEST(source_skips_stalled_numbers)
{
    struct rmig_stats st;

    rmu_peer[DEST].stream = RMU_STREAM_OK;
    rmig_cluster.streams = RMIG_STREAMS - 1;
    rmig_cluster.streams_stalled = 1u << (RMIG_STREAMS - 1) | 1u | 2u;
    ck_assert_int_eq(rmig_stream_portal.send(DEST, &st), 0);
    rmu_assert_sent(0, DEST, RMIG_MSG_BEGIN, RMU_ME, NRANGE, 2);
    ck_assert_uint_eq(rmig_cluster.streams, RMIG_STREAMS + 3);
}
END_TEST

START_TEST(source_without_container)
{
    struct rmig_stats st;

    fake_region_clear();
    ck_assert_int_eq(rmig_stream_portal.send(DEST, &st), -ENODEV);
    ck_assert_int_eq(fake_nsent, 0);
    ck_assert_int_eq(fake_nportals, 0);
    ck_assert_int_eq(rmig_cluster.stream_now, -1);
}
END_TEST

START_TEST(source_begin_not_sent)
{
    struct rmig_stats st;

    fake_write_error = -ENOMEM;
    ck_assert_int_eq(rmig_stream_portal.send(DEST, &st), -ENOMEM);
    ck_assert_int_eq(fake_nwires, 0);
    assert_portals_closed();
}
END_TEST

/* ---- destination ----------------------------------------------------------- */

enum damage {
    GOOD,
    TABLE_SUM,    /* BEGIN's table checksum is off */
    TOTAL,        /* BEGIN's byte count is off */
    FEWER_RANGES, /* BEGIN announces one range less than the table has */
    OUTSIDE,      /* a range outside the container */
    OVERLAP,      /* two ranges share bytes */
    SHORT_RANGE,  /* a range written one byte short */
    RANGE_SUM,    /* a range that does not match its checksum */
    NO_HEADER,    /* every range fine, but not the container's header */
    NO_TABLE,     /* nothing written */
    NO_RANGES,    /* the table and nothing after */
};

static const struct {
    const char *what;
    int damage;
    int want, table_ok, fail; /* .receive result; TABLE_OK sent; FAIL's arg (0: DONE) */
} dest_cases[] = {
    {"good", GOOD, 1, 1, 0},
    {"table checksum", TABLE_SUM, 0, 0, -EBADMSG},
    {"byte count", TOTAL, 0, 0, -EBADMSG},
    {"range count", FEWER_RANGES, 0, 0, -EMSGSIZE},
    {"range outside the container", OUTSIDE, 0, 0, -EBADMSG},
    {"overlapping ranges", OVERLAP, 0, 0, -EBADMSG},
    {"short range", SHORT_RANGE, 0, 1, -EBADMSG},
    {"range checksum", RANGE_SUM, 0, 1, -EBADMSG},
    {"no header", NO_HEADER, 0, 1, -EBADMSG},
    {"no table", NO_TABLE, 0, 0, -ETIMEDOUT},
    {"no ranges", NO_RANGES, 0, 1, -ETIMEDOUT},
};

static struct rmig_table table;
static unsigned char image[FAKE_SLOTS][FAKE_SLOT_SIZE]; /* the source's container */

static int port(int lane)
{
    return RMIG_STREAM_PORT(RMU_ME, STREAM, lane);
}

/* Changes the table (before its checksum is taken) as `d` says. */
static void damage_table(int d)
{
    if (d == OUTSIDE)
        table.r[3].addr = (uint64_t)(uintptr_t)fake_outside;
    if (d == OVERLAP)
        table.r[2].addr = table.r[1].addr + 50;
    if (d == RANGE_SUM)
        table.r[4].checksum ^= 1;
}

static struct rmig_wire_hdr begin_for(int d)
{
    size_t len = (size_t)table.n * sizeof(*table.r);
    struct rmig_wire_hdr b = rmu_hdr(RMIG_MSG_BEGIN, RMU_ME, RMU_ME, table.n, STREAM);

    b.a = table.bytes + (d == TOTAL);
    b.b = ua_checksum_range(table.r, len) ^ (d == TABLE_SUM);
    b.arg -= d == FEWER_RANGES;
    return b;
}

/* Puts on the wire what the source writes: the table on lane 0, range i
 * on lane i % RMIG_LANES. */
static void source_writes(int d)
{
    if (d == NO_TABLE)
        return;
    fake_wire_push(RMU_ME, port(0), DEST, port(0), table.r, (size_t)table.n * sizeof(*table.r));
    for (int i = 0; d != NO_RANGES && i < table.n; i++)
        fake_wire_push(RMU_ME, port(i % RMIG_LANES), DEST, port(i % RMIG_LANES),
                       (void *)(uintptr_t)table.r[i].addr,
                       table.r[i].len - (d == SHORT_RANGE && i == 2));
}

/* The byte a short write of range i leaves out may be right already (a
 * page kept from an earlier container): then only the length gives the
 * short write away, not the checksum. */
static void stale_byte_right(int i)
{
    size_t last = table.r[i].addr + table.r[i].len - 1 - (uintptr_t)fake_region;

    ((unsigned char *)fake_region)[last] = ((unsigned char *)image)[last];
}

/* The source's side, up to the BEGIN the destination gets; the region is
 * then emptied, as on a spare. */
static struct rmig_wire_hdr stream_from_source(int d)
{
    struct rmig_wire_hdr b;

    if (d == NO_HEADER)
        fake_range_len[0] = 0;
    fake_container_start(RMU_ME);
    memcpy(image, fake_region, sizeof(image));
    ck_assert_int_eq(rmig_table_build(&table), 0);
    damage_table(d);
    b = begin_for(d);
    source_writes(d);
    fake_region_clear();
    if (d == SHORT_RANGE)
        stale_byte_right(2);
    rmig_cluster.reserved_for = RMU_ME;
    /* The source's answer to DONE, already in the mailbox: the rank runs. */
    rmu_push(RMIG_MSG_COMMIT, RMU_ME, RMU_ME, 0, STREAM);
    return b;
}

/* The destination's answers: TABLE_OK (if table_ok), then DONE or FAIL;
 * and, when the stream stalled (`watched`), a PING to each cluster of the
 * source's host (another host than DEST's in the fake job: rmig_reach.c),
 * wherever they come among the answers. */
static void assert_answers(int table_ok, int fail, int watched)
{
    int last = table_ok ? 1 : 0, n = 0, pings = 0, host = knode_host_of(RMU_ME);

    for (int i = 0; i < fake_nsent; i++) {
        if (rmu_sent(i).type == RMIG_MSG_PING) {
            ck_assert_int_eq(knode_host_of(fake_sent[i].cluster), host);
            pings++;
            continue;
        }
        if (n == 0 && table_ok)
            rmu_assert_sent(i, RMU_ME, RMIG_MSG_TABLE_OK, RMU_ME, 0, STREAM);
        else
            rmu_assert_sent(i, RMU_ME, fail ? RMIG_MSG_FAIL : RMIG_MSG_DONE, RMU_ME, fail, STREAM);
        n++;
    }
    ck_assert_int_eq(n, last + 1);
    ck_assert_int_eq(pings, watched ? 2 : 0); /* clusters 2h and 2h+1 of host h */
}

static void assert_ports_and_unlinked(void)
{
    ck_assert_int_eq(fake_nportals, RMIG_LANES);
    for (int lane = 0; lane < RMIG_LANES; lane++) {
        ck_assert(fake_portal[lane].input);
        ck_assert_int_eq(fake_portal[lane].local, DEST);
        ck_assert_int_eq(fake_portal[lane].port, port(lane));
        ck_assert_msg(fake_portal[lane].retired, "lane %d not unlinked", lane);
    }
}

START_TEST(destination_cases)
{
    struct rmig_wire_hdr b = stream_from_source(dest_cases[_i].damage);

    fake_now = 10.0;
    ck_assert_msg(rmig_stream_portal.receive(&b) == dest_cases[_i].want, "%s", dest_cases[_i].what);
    assert_answers(dest_cases[_i].table_ok, dest_cases[_i].fail, dest_cases[_i].fail == -ETIMEDOUT);
    assert_ports_and_unlinked();
    ck_assert_int_eq(rmig_cluster.reserved_for, -1);
    ck_assert_int_eq(fake_releases, dest_cases[_i].want ? 0 : 1);
    ck_assert_int_eq(ua_container_present(), dest_cases[_i].want);
    ck_assert_double_eq(rmig_cluster.arrival.t[RMIG_MARK_BEGUN], 10.0);
    ck_assert_double_ge(rmig_cluster.arrival.t[RMIG_MARK_RECEIVED], 10.0);
}
END_TEST

START_TEST(destination_writes_in_place)
{
    struct rmig_wire_hdr b = stream_from_source(GOOD);

    ck_assert_int_eq(rmig_stream_portal.receive(&b), 1);
    for (int s = 0; s < FAKE_SLOTS; s++)
        ck_assert_mem_eq(fake_region[s], image[s], fake_range_len[s]);
    ck_assert_int_eq(ua_get_rank(), RMU_ME);
    ck_assert_int_eq(fake_trims, 1);
    ck_assert_int_eq(fake_trim_n, NRANGE);
}
END_TEST

/* The table through lane 0, range i through lane i % RMIG_LANES, each read
 * allowed from the same port of the source. */
START_TEST(destination_reads_round_robin)
{
    struct rmig_wire_hdr b = stream_from_source(GOOD);

    ck_assert_int_eq(rmig_stream_portal.receive(&b), 1);
    ck_assert_int_eq(fake_nxfers, 1 + NRANGE);
    ck_assert_int_eq(fake_xfer[0].portal, 0);
    ck_assert_uint_eq(fake_xfer[0].size, NRANGE * sizeof(struct rmig_wire_range));
    for (int i = 0; i < NRANGE; i++) {
        const struct fake_xfer *x = &fake_xfer[1 + i];

        ck_assert_int_eq(x->op, FAKE_READ);
        ck_assert_int_eq(x->portal, i % RMIG_LANES);
        ck_assert_ptr_eq(x->buf, fake_region[i]);
        ck_assert_uint_eq(x->size, fake_range_len[i]);
        ck_assert_int_eq(fake_wire[x->wire].src_port, port(i % RMIG_LANES));
    }
}
END_TEST

/* A range that fails its check does not stop the reading: every write of
 * the source is read, none stays queued. */
static const int read_on_damage[] = {SHORT_RANGE, RANGE_SUM};

START_TEST(destination_reads_every_range_after_a_bad_one)
{
    struct rmig_wire_hdr b = stream_from_source(read_on_damage[_i]);

    ck_assert_int_eq(rmig_stream_portal.receive(&b), 0);
    for (int w = 0; w < fake_nwires; w++)
        ck_assert_msg(fake_wire[w].taken, "write %d left unread", w);
}
END_TEST

/* After DONE the destination runs the rank only on the source's COMMIT for
 * this stream: an ABORT, or no answer within twice the move's timeout (the
 * source gives up after one), drops the verified copy; a decision about
 * another stream is no decision. */
static const struct {
    const char *what;
    int type, stream; /* what the source answered, 0: nothing */
} decision_cases[] = {
    {"ABORT", RMIG_MSG_ABORT, STREAM},
    {"no answer", 0, 0},
    {"COMMIT of another stream", RMIG_MSG_COMMIT, STREAM + 1},
};

START_TEST(destination_runs_only_on_commit)
{
    struct rmig_wire_hdr b = stream_from_source(GOOD);

    fake_inbox_clear();
    if (decision_cases[_i].type != 0)
        rmu_push(decision_cases[_i].type, RMU_ME, RMU_ME, 0, decision_cases[_i].stream);
    fake_now = 10.0;
    ck_assert_msg(rmig_stream_portal.receive(&b) == 0, "%s", decision_cases[_i].what);
    /* TABLE_OK, DONE: the container checked out; no decision in time: the
     * source's host is watched. */
    assert_answers(1, 0, decision_cases[_i].type != RMIG_MSG_ABORT);
    ck_assert_int_eq(fake_releases, 1);
    ck_assert_int_eq(ua_container_present(), 0);
    if (decision_cases[_i].type != RMIG_MSG_ABORT)
        ck_assert_double_ge(fake_now, 10.0 + 2.0); /* 2 x NMPI_MIGRATE_TIMEOUT (1 s here) */
}
END_TEST

/* Through the control handler: a BEGIN of the reserved source runs the
 * stream and says a rank is to resume (2), a rejected one says nothing (0). */
START_TEST(handle_begin_of_reserved_source)
{
    struct rmig_wire_hdr b = stream_from_source(_i == 0 ? GOOD : RANGE_SUM);

    ck_assert_int_eq(rmig_control_handle(&b), _i == 0 ? 2 : 0);
    ck_assert_int_eq(rmig_cluster.reserved_for, -1);
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("rank-migrate-stream");
    TCase *src = tcase_create("source"), *dst = tcase_create("destination");

    tcase_add_checked_fixture(src, rmu_setup, NULL);
    tcase_set_timeout(src, 10);
    tcase_add_test(src, source_sends_table_then_ranges_round_robin);
    tcase_add_test(src, source_skips_stalled_numbers);
    tcase_add_loop_test(src, source_numbers_streams, 0,
                        sizeof(number_cases) / sizeof(number_cases[0]));
    tcase_add_loop_test(src, source_failures, 0, sizeof(source_cases) / sizeof(source_cases[0]));
    tcase_add_test(src, source_without_container);
    tcase_add_test(src, source_begin_not_sent);
    suite_add_tcase(s, src);

    tcase_add_checked_fixture(dst, rmu_setup_spare, NULL);
    tcase_set_timeout(dst, 10);
    tcase_add_loop_test(dst, destination_cases, 0, sizeof(dest_cases) / sizeof(dest_cases[0]));
    tcase_add_test(dst, destination_writes_in_place);
    tcase_add_test(dst, destination_reads_round_robin);
    tcase_add_loop_test(dst, destination_reads_every_range_after_a_bad_one, 0,
                        sizeof(read_on_damage) / sizeof(read_on_damage[0]));
    tcase_add_loop_test(dst, handle_begin_of_reserved_source, 0, 2);
    tcase_add_loop_test(dst, destination_runs_only_on_commit, 0,
                        sizeof(decision_cases) / sizeof(decision_cases[0]));
    suite_add_tcase(s, dst);
    return s;
}

int main(void)
{
    return th_check_run(stream_suite());
}
