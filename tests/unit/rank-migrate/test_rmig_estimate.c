/* test_rmig_estimate.c: Check tests of estimates and decisions (rmig_estimate.c).
 *
 * Cluster RMU_ME runs rank 1 of the fake job (rmig_unit.h); its container
 * is the fake's slots, so the bytes of an estimate must be exactly the sum
 * of fake_range_len. Hosts come from host_of[] below, which the fake
 * knode_host_of reads (fake_hosts). Each test writes its model
 * file and names it with NMPI_MIGRATION_MODEL; Check forks per test, so
 * the once-per-cluster model cache starts empty each time. Checked: the
 * formula exactly, the path from the hosts (a named cluster, and the worst
 * path for RMIG_ANY_SPARE), the source text, refusals, the built-in
 * figures with a warning for a damaged or missing file, and
 * rmig_migrate_if staying or moving with its decision line word for word.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rmig_unit.h"
#include "testhelp_check.h"

static int host_of[FAKE_NCLUSTERS]; /* the fake's knode_host_of reads it (fake_hosts) */

#define LOCAL_D 0.5, 0.00048828125 /* a, b: binary fractions, exact sums */
#define LOCAL_T 1.0, 0.0009765625
#define HOSTS_D 0.25, 0.000244140625
#define HOSTS_T 2.0, 0.00048828125

static char model_path[64];

/* Writes text as the model file NMPI_MIGRATION_MODEL names. */
static void write_model(const char *text)
{
    FILE *f;

    snprintf(model_path, sizeof(model_path), "/tmp/rmig-model-test.%d", (int)getpid());
    f = fopen(model_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    setenv("NMPI_MIGRATION_MODEL", model_path, 1);
}

static void setup(void)
{
    memset(host_of, 0, sizeof(host_of));
    unsetenv("NMPI_MIGRATION_REPORT");
    rmu_setup();
    fake_hosts = host_of;
    setenv("NMPI_LOG", "warn", 1); /* the fixture's "error" would hide the model's warnings */
    write_model("nanvix-mpi-migration-model 1\nmeasured by hand\n"
                "local downtime 0.5 0.00048828125 0.9 4\nlocal total 1 0.0009765625 0.9 4\n"
                "hosts downtime 0.25 0.000244140625 0.8 3\nhosts total 2 0.00048828125 0.8 3\n");
}

static void teardown(void)
{
    unlink(model_path);
}

static uint64_t container_bytes(void)
{
    uint64_t n = 0;

    for (int s = 0; s < FAKE_SLOTS; s++)
        n += fake_range_len[s];
    return n;
}

static void want(const struct rmig_estimate *e, int path, double a, double b, double a2, double b2)
{
    uint64_t bytes = container_bytes();

    ck_assert_uint_gt(bytes, 0);
    ck_assert_uint_eq(e->bytes, bytes);
    ck_assert_int_eq(e->path, path);
    ck_assert_int_eq(e->figures_of, path);
    ck_assert_double_eq(e->downtime, a + b * (double)bytes);
    ck_assert_double_eq(e->total, a2 + b2 * (double)bytes);
}

START_TEST(local_move_exact)
{
    struct rmig_estimate e;
    char src[RMIG_ESTIMATE_SOURCE_MAX];

    ck_assert_int_eq(rmig_estimate(4, &e), 0);
    want(&e, RMIG_PATH_LOCAL, LOCAL_D, LOCAL_T);
    snprintf(src, sizeof(src), "file %s (by hand)", model_path);
    ck_assert_str_eq(e.source, src);
    ck_assert_int_eq(rmig_estimate(RMIG_ANY_SPARE, &e), 0); /* every cluster on host 0 */
    want(&e, RMIG_PATH_LOCAL, LOCAL_D, LOCAL_T);
}
END_TEST

START_TEST(hosts_move_and_worst_path)
{
    struct rmig_estimate e;

    host_of[5] = 1;
    ck_assert_int_eq(rmig_estimate(5, &e), 0);
    want(&e, RMIG_PATH_HOSTS, HOSTS_D, HOSTS_T);
    ck_assert_int_eq(rmig_estimate(4, &e), 0);
    want(&e, RMIG_PATH_LOCAL, LOCAL_D, LOCAL_T);
    ck_assert_int_eq(rmig_estimate(RMIG_ANY_SPARE, &e), 0);
    want(&e, RMIG_PATH_HOSTS, HOSTS_D, HOSTS_T);
}
END_TEST

START_TEST(refusals)
{
    struct rmig_estimate e;

    ck_assert_int_eq(rmig_estimate(RMU_ME, &e), -EALREADY);
    ck_assert_int_eq(rmig_estimate(FAKE_NCLUSTERS, &e), -EINVAL);
    ck_assert_int_eq(rmig_estimate(-1, &e), -EINVAL);
    fake_region_clear();
    ck_assert_int_eq(rmig_estimate(4, &e), -ENODEV);
}
END_TEST

static struct rmig_estimate caught_e;
static int caught_err;

static void estimate_to_4(void *arg)
{
    (void)arg;
    caught_err = rmig_estimate(4, &caught_e);
}

START_TEST(damaged_file_builtin_and_warning)
{
    struct rmig_model builtin;
    char line[1024];

    write_model("nanvix-mpi-migration-model 1\nlocal downtime nan 0 0.9 4\n");
    rmig_model_builtin(&builtin);
    snprintf(line, sizeof(line),
             "nanvix-mpi: rmig: migration model %s refused: line 2: a = 'nan': not a plain "
             "number of seconds in [-1, 3600]; estimates use the %s\n",
             model_path, builtin.measured);
    ck_assert_str_eq(rmu_caught(estimate_to_4), line);
    ck_assert_int_eq(caught_err, 0);
    want(&caught_e, RMIG_PATH_LOCAL, builtin.downtime[0].a, builtin.downtime[0].b,
         builtin.total[0].a, builtin.total[0].b);
    ck_assert_ptr_eq(strstr(caught_e.source, builtin.measured), caught_e.source);
    ck_assert_ptr_nonnull(strstr(caught_e.source, "line 2: a = 'nan'"));
    /* once per cluster: the second estimate says nothing */
    ck_assert_str_eq(rmu_caught(estimate_to_4), "");
}
END_TEST

START_TEST(named_file_missing_warns)
{
    unlink(model_path);
    ck_assert_ptr_nonnull(strstr(rmu_caught(estimate_to_4), "No such file or directory"));
    ck_assert_int_eq(caught_err, 0);
}
END_TEST

START_TEST(default_path_missing_is_quiet)
{
    char dir[64], want_src[128];

    unsetenv("NMPI_MIGRATION_MODEL");
    snprintf(dir, sizeof(dir), "/tmp/rmig-model-none.%d", (int)getpid());
    setenv("XDG_CONFIG_HOME", dir, 1);
    ck_assert_str_eq(rmu_caught(estimate_to_4), "");
    ck_assert_int_eq(caught_err, 0);
    snprintf(want_src, sizeof(want_src), "; %s/nanvix-mpi/migration-model: No such file", dir);
    ck_assert_ptr_nonnull(strstr(caught_e.source, want_src));
}
END_TEST

static int decide_to, decide_moved, decide_err;
static double decide_gain;

static void decide(void *arg)
{
    (void)arg;
    decide_err = rmig_migrate_if(decide_to, decide_gain, &caught_e, &decide_moved);
}

/* The decision line, from the same formula the library uses. */
static void decision_line(char *buf, size_t len, const char *what, const char *cmp)
{
    uint64_t bytes = container_bytes();

    snprintf(buf, len,
             "nanvix-mpi: rmig: rank 1 %s cluster 4: predicted total %.3f ms %s gain %.3f ms "
             "(downtime %.3f ms, %llu bytes, path local; model: file %s (by hand))\n",
             what, (1.0 + 0.0009765625 * (double)bytes) * 1e3, cmp, decide_gain * 1e3,
             (0.5 + 0.00048828125 * (double)bytes) * 1e3, (unsigned long long)bytes, model_path);
}

START_TEST(migrate_if_stays_below)
{
    char line[1024];

    setenv("NMPI_MIGRATION_REPORT", "1", 1);
    decide_to = 4;
    decide_gain = 1.0 + 0.0009765625 * (double)container_bytes(); /* equal: not below */
    decision_line(line, sizeof(line), "stays, not moving to", ">=");
    ck_assert_str_eq(rmu_caught(decide), line);
    ck_assert_int_eq(decide_err, 0);
    ck_assert_int_eq(decide_moved, 0);
    ck_assert_int_eq(fake_self, RMU_ME);
    ck_assert_str_eq(rmu_log, ""); /* nothing of a move began */
}
END_TEST

START_TEST(migrate_if_moves_above)
{
    char line[1024];
    const char *out;

    setenv("NMPI_MIGRATION_REPORT", "1", 1);
    rmu_peer[4].offer = RMU_ACCEPT;
    rmu_peer[4].stream = RMU_STREAM_OK;
    rmu_arrive_at(4, 200.0);
    decide_to = 4;
    decide_gain = 1.0 + 0.0009765625 * (double)container_bytes() + 0.125;
    decision_line(line, sizeof(line), "moves to", "<");
    out = rmu_caught(decide);
    ck_assert_int_eq(decide_err, 0);
    ck_assert_int_eq(decide_moved, 1);
    ck_assert_int_eq(fake_self, 4);
    ck_assert_int_eq(strncmp(out, line, strlen(line)), 0); /* then the move's own line */
    ck_assert_ptr_nonnull(strstr(out + strlen(line), "rank 1 moved cluster 1 -> 4"));
}
END_TEST

START_TEST(migrate_if_move_fails)
{
    rmu_peer[4].offer = RMU_REFUSE;
    rmu_peer[4].refuse_arg = -EBUSY;
    decide_to = 4;
    decide_gain = 1e9;
    decide_moved = -1;
    rmu_caught(decide);
    ck_assert_int_eq(decide_err, -EBUSY);
    ck_assert_int_eq(decide_moved, 0);
    ck_assert_int_eq(fake_self, RMU_ME);
}
END_TEST

START_TEST(migrate_if_quiet_at_warn)
{
    decide_to = 4;
    decide_gain = 0.0;
    ck_assert_str_eq(rmu_caught(decide), ""); /* NMPI_LOG=warn, no report */
    ck_assert_int_eq(decide_moved, 0);
}
END_TEST

static Suite *estimate_suite(void)
{
    Suite *s = suite_create("rank-migrate-estimate");
    TCase *tc = tcase_create("estimate");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, local_move_exact);
    tcase_add_test(tc, hosts_move_and_worst_path);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, damaged_file_builtin_and_warning);
    tcase_add_test(tc, named_file_missing_warns);
    tcase_add_test(tc, default_path_missing_is_quiet);
    tcase_add_test(tc, migrate_if_stays_below);
    tcase_add_test(tc, migrate_if_moves_above);
    tcase_add_test(tc, migrate_if_move_fails);
    tcase_add_test(tc, migrate_if_quiet_at_warn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(estimate_suite());
}
