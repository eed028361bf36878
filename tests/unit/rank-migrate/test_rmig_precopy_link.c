/* test_rmig_precopy_link.c: Check tests of the source's end of pre-copy
 * rounds through portals (rmig_precopy_link.c), on the fake wire.
 *
 * A round goes out as its header (magic, version, round, job, rank, run
 * count, bytes, the runs' checksum), then its runs, through lane 0 of
 * the move's stream ports, then each run's bytes straight from its
 * address, run i through lane i % RMIG_LANES; no control message is sent
 * or read (the sender thread must not touch the daemon's state). An empty
 * round is its header alone. A write that never completes ends with
 * -ETIMEDOUT after NMPI_MIGRATE_TIMEOUT, or -ECANCELED as soon as the
 * sender's flag is set; a round with too many runs is refused before
 * anything is written; the portals are closed at the end.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_precopy_link.h"
#include "rmig_unit.h"
#include "testhelp_check.h"

#define DEST   RMU_SPARE
#define STREAM 3

static void assert_lane(int w, int lane)
{
    int port = RMIG_STREAM_PORT(RMU_ME, STREAM, lane);

    ck_assert_int_eq(fake_wire[w].src, RMU_ME);
    ck_assert_int_eq(fake_wire[w].dst, DEST);
    ck_assert_msg(fake_wire[w].src_port == port && fake_wire[w].dst_port == port,
                  "write %d on port %d, not lane %d's %d", w, fake_wire[w].src_port, lane, port);
}

static void assert_closed(void)
{
    for (int i = 0; i < fake_nportals; i++)
        ck_assert_msg(fake_portal[i].retired, "portal %d left open", i);
}

/* Runs over the fake container's slots 1..5, of odd lengths. */
static int runs(struct rmig_dirty_range *r)
{
    static const size_t len[] = {100, FAKE_SLOT_SIZE, 10, 50, 7};

    for (int i = 0; i < 5; i++)
        r[i] = (struct rmig_dirty_range){(uintptr_t)fake_region[1 + i], len[i]};
    return 5;
}

START_TEST(round_sends_table_then_runs)
{
    struct rmig_dirty_range r[5];
    struct rmig_wire_run want[5];
    struct rmig_precopy_link l;
    struct rmig_wire_round h;
    int n = runs(r);
    uint64_t bytes = 0;

    ck_assert_int_eq(rmig_precopy_link_open(&l, DEST, STREAM, RMU_ME, NULL), 0);
    ck_assert_int_eq(rmig_precopy_link_send(2, r, n, &l), 0);
    ck_assert_int_eq(fake_nwires, 2 + n);
    assert_lane(0, 0);
    assert_lane(1, 0);
    ck_assert_uint_eq(fake_wire[0].len, sizeof(h));
    ck_assert_uint_eq(fake_wire[1].len, sizeof(want));
    for (int i = 0; i < n; i++) {
        want[i] = (struct rmig_wire_run){r[i].addr, r[i].len};
        bytes += r[i].len;
    }
    memcpy(&h, fake_wire[0].bytes, sizeof(h));
    ck_assert_uint_eq(h.magic, RMIG_ROUND_MAGIC);
    ck_assert_uint_eq(h.version, RMIG_WIRE_VERSION);
    ck_assert_uint_eq(h.round, 2);
    ck_assert_uint_eq(h.job, FAKE_JOB);
    ck_assert_int_eq(h.rank, RMU_ME);
    ck_assert_uint_eq(h.n, (uint32_t)n);
    ck_assert_uint_eq(h.bytes, bytes);
    ck_assert_uint_eq(h.sum, ua_checksum_range(want, sizeof(want)));
    ck_assert_mem_eq(fake_wire[1].bytes, want, sizeof(want));
    for (int i = 0; i < n; i++) {
        assert_lane(2 + i, i % RMIG_LANES);
        ck_assert_uint_eq(fake_wire[2 + i].len, r[i].len);
        ck_assert_mem_eq(fake_wire[2 + i].bytes, (const void *)r[i].addr, r[i].len);
    }
    /* A second round on the same link: the same lanes, in order. */
    ck_assert_int_eq(rmig_precopy_link_send(3, r + 1, 1, &l), 0);
    ck_assert_int_eq(fake_nwires, 2 + n + 3);
    for (int w = 2 + n; w < 2 + n + 3; w++)
        assert_lane(w, 0);
    ck_assert_int_eq(fake_nsent, 0); /* no control message */
    ck_assert_int_eq(fake_nportals, RMIG_LANES);
    rmig_precopy_link_close(&l);
    assert_closed();
}
END_TEST

START_TEST(empty_round_is_a_header)
{
    struct rmig_precopy_link l;
    struct rmig_wire_round h;

    ck_assert_int_eq(rmig_precopy_link_open(&l, DEST, STREAM, RMU_ME, NULL), 0);
    ck_assert_int_eq(rmig_precopy_link_send(1, NULL, 0, &l), 0);
    ck_assert_int_eq(fake_nwires, 1);
    ck_assert_uint_eq(fake_wire[0].len, sizeof(h));
    memcpy(&h, fake_wire[0].bytes, sizeof(h));
    ck_assert_uint_eq(h.n, 0);
    ck_assert_uint_eq(h.bytes, 0);
    rmig_precopy_link_close(&l);
    assert_closed();
}
END_TEST

START_TEST(stalled_round_times_out)
{
    struct rmig_dirty_range r[5];
    struct rmig_precopy_link l;

    fake_hold_writes = 1;
    ck_assert_int_eq(rmig_precopy_link_open(&l, DEST, STREAM, RMU_ME, NULL), 0);
    ck_assert_int_eq(rmig_precopy_link_send(0, r, runs(r), &l), -ETIMEDOUT);
    ck_assert_double_ge(fake_now, 1.0); /* NMPI_MIGRATE_TIMEOUT */
    ck_assert_int_eq(fake_nwires, 1);   /* the header, never read */
    rmig_precopy_link_close(&l);
    assert_closed();
}
END_TEST

static atomic_int cancel_flag;

static void cancel_after_a_while(void)
{
    if (fake_idles >= 3)
        atomic_store(&cancel_flag, 1);
}

START_TEST(cancelled_round_stops)
{
    struct rmig_dirty_range r[5];
    struct rmig_precopy_link l;

    fake_hold_writes = 1;
    fake_on_idle = cancel_after_a_while;
    atomic_store(&cancel_flag, 0);
    ck_assert_int_eq(rmig_precopy_link_open(&l, DEST, STREAM, RMU_ME, &cancel_flag), 0);
    ck_assert_int_eq(rmig_precopy_link_send(0, r, runs(r), &l), -ECANCELED);
    ck_assert_double_lt(fake_now, 1.0); /* well before the timeout */
    rmig_precopy_link_close(&l);
    assert_closed();
}
END_TEST

START_TEST(too_many_runs_refused)
{
    struct rmig_precopy_link l;
    struct rmig_dirty_range r[1] = {{(uintptr_t)fake_region[1], 8}};

    ck_assert_int_eq(rmig_precopy_link_open(&l, DEST, STREAM, RMU_ME, NULL), 0);
    ck_assert_int_eq(rmig_precopy_link_send(0, r, RMIG_ROUND_RUNS_MAX + 1, &l), -E2BIG);
    ck_assert_int_eq(rmig_precopy_link_send(0, r, -1, &l), -E2BIG);
    ck_assert_int_eq(fake_nwires, 0);
    rmig_precopy_link_close(&l);
    assert_closed();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rank-migrate-precopy-link");
    TCase *tc = tcase_create("source");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_add_test(tc, round_sends_table_then_runs);
    tcase_add_test(tc, empty_round_is_a_header);
    tcase_add_test(tc, stalled_round_times_out);
    tcase_add_test(tc, cancelled_round_stops);
    tcase_add_test(tc, too_many_runs_refused);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
