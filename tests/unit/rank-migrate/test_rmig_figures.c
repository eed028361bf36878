/* test_rmig_figures.c: Check tests of a move's figures and report (rmig_figures.c).
 *
 * The phase clock's marks are set by hand (binary fractions of a second,
 * so every difference is exact) and the five figures must come out
 * exactly; rmig_last_stats() must hand them back with the move count. The
 * report goes through base_report() to stderr, caught by rmu_caught()
 * (th_stderr_capture() of tests/lib, as tests/unit/base does): with
 * NMPI_MIGRATION_REPORT on, each move or failure prints exactly one line;
 * with it unset or 0, nothing. The last tests take the figures and the
 * line from whole moves run by rmig_migrate() against scripted peers
 * (rmig_unit.h).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

static const struct {
    double t[RMIG_MARKS]; /* asked, suspended, begun, received, resumed, announced */
    double freeze, transfer, restore, route_update, downtime;
} mark_cases[] = {
    {{100.0, 100.0625, 100.125, 100.5, 100.75, 101.0}, 0.0625, 0.375, 0.25, 0.25, 0.6875},
    {{0.0, 1.0, 2.0, 4.0, 8.0, 16.0}, 1.0, 2.0, 4.0, 8.0, 7.0},
    {{3.0, 3.0, 3.0, 3.0, 3.0, 3.0}, 0.0, 0.0, 0.0, 0.0, 0.0},
};

static struct rmig_rank *rank_with_marks(const double *t)
{
    struct rmig_rank *rs = rmig_rank_state();

    ck_assert_ptr_nonnull(rs);
    memcpy(rs->clock.t, t, sizeof(rs->clock.t));
    return rs;
}

START_TEST(figures_from_marks)
{
    struct rmig_rank *rs = rank_with_marks(mark_cases[_i].t);

    rmig_figures_done(rs);
    ck_assert_double_eq(rs->last.freeze, mark_cases[_i].freeze);
    ck_assert_double_eq(rs->last.transfer, mark_cases[_i].transfer);
    ck_assert_double_eq(rs->last.restore, mark_cases[_i].restore);
    ck_assert_double_eq(rs->last.route_update, mark_cases[_i].route_update);
    ck_assert_double_eq(rs->last.downtime, mark_cases[_i].downtime);
}
END_TEST

START_TEST(last_stats_returns_figures_and_moves)
{
    struct rmig_rank *rs = rank_with_marks(mark_cases[0].t);
    struct rmig_stats st;
    int moves = -1;

    rs->moves = 3;
    rs->last.from = 1;
    rs->last.to = 5;
    rmig_figures_done(rs);
    ck_assert_int_eq(rmig_last_stats(&st, &moves), 0);
    ck_assert_int_eq(moves, 3);
    ck_assert_mem_eq(&st, &rs->last, sizeof(st));
}
END_TEST

START_TEST(last_stats_without_container)
{
    struct rmig_stats st;
    int moves = -1;

    fake_region_clear();
    ck_assert_int_eq(rmig_last_stats(&st, &moves), -ENOMEM);
    ck_assert_int_eq(moves, -1);
}
END_TEST

/* The destination's marks and the BEGIN's size join the rank's clock. */
START_TEST(arrived_takes_stream_marks)
{
    struct rmig_rank *rs = rmig_rank_state();
    struct rmig_wire_hdr b = rmu_hdr(RMIG_MSG_BEGIN, 2, RMU_ME, 12, 0);

    b.a = 4096;
    rmig_cluster.arrival.t[RMIG_MARK_BEGUN] = 5.0;
    rmig_cluster.arrival.t[RMIG_MARK_RECEIVED] = 6.5;
    fake_now = 7.25;
    rmig_figures_arrived(&b);
    ck_assert_int_eq(rs->last.ranges, 12);
    ck_assert_uint_eq(rs->last.bytes, 4096);
    ck_assert_double_eq(rs->clock.t[RMIG_MARK_BEGUN], 5.0);
    ck_assert_double_eq(rs->clock.t[RMIG_MARK_RECEIVED], 6.5);
    ck_assert_double_eq(rs->clock.t[RMIG_MARK_RESUMED], 7.25);
}
END_TEST

/* Kernel context must not allocate in the container: no state, no clock. */
START_TEST(arrived_without_rank_state)
{
    struct rmig_wire_hdr b = rmu_hdr(RMIG_MSG_BEGIN, 2, RMU_ME, 12, 0);

    rmig_figures_arrived(&b);
    ck_assert_ptr_null(*ua_root(RMIG_ROOT_SLOT));
}
END_TEST

/* ---- the report -------------------------------------------------------- */

#define DONE_LINE                                                                                  \
    "nanvix-mpi: rmig: rank 1 moved cluster 1 -> 4: 6 ranges, 1756 bytes; freeze 62.500 ms, "      \
    "transfer 375.000 ms, restore 250.000 ms, route update 250.000 ms, downtime 687.500 ms\n"

static const struct {
    const char *report; /* NMPI_MIGRATION_REPORT, NULL: unset */
    const char *want;
} report_cases[] = {{"1", DONE_LINE}, {"yes", DONE_LINE}, {NULL, ""}, {"0", ""}};

static void set_report(const char *value)
{
    if (value == NULL)
        unsetenv("NMPI_MIGRATION_REPORT");
    else
        setenv("NMPI_MIGRATION_REPORT", value, 1);
}

static void figures_done_case_0(void *arg)
{
    struct rmig_rank *rs = rank_with_marks(mark_cases[0].t);

    (void)arg;
    rs->last.from = 1;
    rs->last.to = 4;
    rs->last.ranges = 6;
    rs->last.bytes = 1756;
    rmig_figures_done(rs);
}

START_TEST(report_of_a_move)
{
    set_report(report_cases[_i].report);
    ck_assert_str_eq(rmu_caught(figures_done_case_0), report_cases[_i].want);
}
END_TEST

static const struct {
    int cluster, err;
    const char *want;
} failed_cases[] = {
    {3, -EBUSY, "nanvix-mpi: rmig: rank 1: move to cluster 3 failed: Device or resource busy\n"},
    {6, -EINVAL, "nanvix-mpi: rmig: rank 1: move to cluster 6 failed: Invalid argument\n"},
    {RMIG_ANY_SPARE, -ENOSPC,
     "nanvix-mpi: rmig: rank 1: move to a spare failed: no idle cluster left\n"},
};

static int failed_i;

static void figures_failed_case(void *arg)
{
    (void)arg;
    rmig_figures_failed(failed_cases[failed_i].cluster, failed_cases[failed_i].err);
}

START_TEST(report_of_a_failure)
{
    failed_i = _i;
    set_report("1");
    ck_assert_str_eq(rmu_caught(figures_failed_case), failed_cases[_i].want);
    set_report(NULL);
    ck_assert_str_eq(rmu_caught(figures_failed_case), "");
}
END_TEST

/* ---- from whole moves --------------------------------------------------- */

static int move_to, move_result;

static void run_move(void *arg)
{
    (void)arg;
    move_result = rmig_migrate(move_to);
}

/* Freeze: the quiesce's RMU_FREEZE_STEP; transfer and restore: nothing
 * between the marks on the fake; route update: the arrive's
 * RMU_ROUTE_STEP; downtime: suspended at 100.0625, resumed at 200. */
START_TEST(whole_move_figures_and_line)
{
    struct rmig_stats st;
    int moves;

    set_report("1");
    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    fake_now = 100.0;
    rmu_arrive_at(4, 200.0);
    move_to = 4;
    ck_assert_str_eq(rmu_caught(run_move),
                     "nanvix-mpi: rmig: rank 1 moved cluster 1 -> 4: 6 ranges, 1756 bytes; "
                     "freeze 62.500 ms, transfer 0.000 ms, restore 0.000 ms, route update "
                     "31.250 ms, downtime 99937.500 ms\n");
    ck_assert_int_eq(move_result, 0);
    ck_assert_int_eq(rmig_last_stats(&st, &moves), 0);
    ck_assert_double_eq(st.freeze, RMU_FREEZE_STEP);
    ck_assert_double_eq(st.transfer, 0.0);
    ck_assert_double_eq(st.restore, 0.0);
    ck_assert_double_eq(st.route_update, RMU_ROUTE_STEP);
    ck_assert_double_eq(st.downtime, 200.0 - (100.0 + RMU_FREEZE_STEP));
}
END_TEST

static const struct {
    int cluster, want;
    const char *line;
} failed_move_cases[] = {
    {4, -EBUSY, "nanvix-mpi: rmig: rank 1: move to cluster 4 failed: Device or resource busy\n"},
    {RMIG_ANY_SPARE, -ENOSPC,
     "nanvix-mpi: rmig: rank 1: move to a spare failed: no idle cluster left\n"},
    {RMU_ME, -EALREADY,
     "nanvix-mpi: rmig: rank 1: move to cluster 1 failed: Operation already in progress\n"},
};

START_TEST(failed_move_line)
{
    set_report("1");
    for (int c = 0; c < FAKE_NCLUSTERS; c++) {
        rmu_peer[c].offer = RMU_REFUSE;
        rmu_peer[c].refuse_arg = -EBUSY;
    }
    move_to = failed_move_cases[_i].cluster;
    ck_assert_str_eq(rmu_caught(run_move), failed_move_cases[_i].line);
    ck_assert_int_eq(move_result, failed_move_cases[_i].want);
}
END_TEST

START_TEST(failed_move_silent_without_report)
{
    rmu_peer[4].offer = RMU_REFUSE;
    rmu_peer[4].refuse_arg = -EBUSY;
    move_to = 4;
    ck_assert_str_eq(rmu_caught(run_move), "");
    ck_assert_int_eq(move_result, -EBUSY);
}
END_TEST

static Suite *figures_suite(void)
{
    Suite *s = suite_create("rank-migrate-figures");
    TCase *tc = tcase_create("figures");

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, figures_from_marks, 0, sizeof(mark_cases) / sizeof(mark_cases[0]));
    tcase_add_test(tc, last_stats_returns_figures_and_moves);
    tcase_add_test(tc, last_stats_without_container);
    tcase_add_test(tc, arrived_takes_stream_marks);
    tcase_add_test(tc, arrived_without_rank_state);
    tcase_add_loop_test(tc, report_of_a_move, 0, sizeof(report_cases) / sizeof(report_cases[0]));
    tcase_add_loop_test(tc, report_of_a_failure, 0, sizeof(failed_cases) / sizeof(failed_cases[0]));
    tcase_add_test(tc, whole_move_figures_and_line);
    tcase_add_loop_test(tc, failed_move_line, 0,
                        sizeof(failed_move_cases) / sizeof(failed_move_cases[0]));
    tcase_add_test(tc, failed_move_silent_without_report);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(figures_suite());
}
