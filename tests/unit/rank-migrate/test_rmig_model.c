/* test_rmig_model.c: Check tests of the migration cost model's format (rmig_model.c).
 *
 * A well-formed file must give exactly its numbers back (the parser is
 * strtod underneath, so a decimal written with few digits comes back as
 * the same double the compiler makes of it); each kind of damage must be
 * refused with its line number and reason, word for word; predictions are
 * a + b * bytes, never negative, with the local figures standing in for a
 * path the model lacks, and said so. rmig_model.c uses libc only and is
 * compiled into this test alone.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmig.h"

#define HEAD "nanvix-mpi-migration-model 1\n"
#define GOOD                                                                                       \
    "# written by hand\n" HEAD "\n"                                                                \
    "measured by the unit test\n"                                                                  \
    "local downtime 0.000125 2.5e-10 0.9875 42\n"                                                  \
    "local total 0.5e-3 3e-10 1 42\n"                                                              \
    "hosts total 0.002 1.25e-9 0.75 7\n"                                                           \
    "\thosts   downtime\t0.001 1e-9 0.5 6  \n"                                                     \
    "checkpoint downtime -0.25 1e-8 0 2\n"                                                         \
    "checkpoint total 3600 1e-3 0.0 1000000\n"

static void parse_ok(const char *text, struct rmig_model *m)
{
    char why[160] = "";

    ck_assert_msg(rmig_model_parse(text, strlen(text), m, why, sizeof(why)) == 0, "refused: %s",
                  why);
}

START_TEST(good_file_exact_values)
{
    struct rmig_model m;

    parse_ok(GOOD, &m);
    ck_assert_str_eq(m.measured, "by the unit test");
    for (int p = 0; p < RMIG_PATHS; p++)
        ck_assert_uint_eq(m.given[p], 3);
    ck_assert_double_eq(m.downtime[RMIG_PATH_LOCAL].a, 0.000125);
    ck_assert_double_eq(m.downtime[RMIG_PATH_LOCAL].b, 2.5e-10);
    ck_assert_double_eq(m.downtime[RMIG_PATH_LOCAL].r2, 0.9875);
    ck_assert_int_eq(m.downtime[RMIG_PATH_LOCAL].points, 42);
    ck_assert_double_eq(m.total[RMIG_PATH_LOCAL].a, 0.5e-3);
    ck_assert_double_eq(m.total[RMIG_PATH_LOCAL].r2, 1.0);
    ck_assert_double_eq(m.downtime[RMIG_PATH_HOSTS].a, 0.001);
    ck_assert_int_eq(m.downtime[RMIG_PATH_HOSTS].points, 6);
    ck_assert_double_eq(m.total[RMIG_PATH_HOSTS].b, 1.25e-9);
    ck_assert_double_eq(m.downtime[RMIG_PATH_CHECKPOINT].a, -0.25);
    ck_assert_double_eq(m.total[RMIG_PATH_CHECKPOINT].a, 3600.0);
    ck_assert_double_eq(m.total[RMIG_PATH_CHECKPOINT].b, 1e-3);
    ck_assert_int_eq(m.total[RMIG_PATH_CHECKPOINT].points, 1000000);
}
END_TEST

/* One path only, no measured line, no final newline. */
START_TEST(minimal_file)
{
    struct rmig_model m;

    parse_ok(HEAD "local total 1 0 0 2\nlocal downtime 1 0 0 2", &m);
    ck_assert_uint_eq(m.given[RMIG_PATH_LOCAL], 3);
    ck_assert_uint_eq(m.given[RMIG_PATH_HOSTS], 0);
    ck_assert_str_eq(m.measured, "");
}
END_TEST

#define L "local downtime 1 1e-9 0.5 3\nlocal total 1 1e-9 0.5 3\n"
static const struct {
    const char *text;
    const char *why;
} refusals[] = {
    {"", "line 0: empty: no 'nanvix-mpi-migration-model 1' line"},
    {"# only a comment\n\n", "line 2: empty: no 'nanvix-mpi-migration-model 1' line"},
    {"nanvix-mpi-migration-model 2\n" L, "line 1: version '2' (this library reads 1)"},
    {"nanvix-mpi-migration-model\n" L,
     "line 1: not a migration model (want 'nanvix-mpi-migration-model 1' first)"},
    {"some other file 1\n" L,
     "line 1: not a migration model (want 'nanvix-mpi-migration-model 1' first)"},
    {HEAD, "line 1: no path in the model"},
    {HEAD "local downtime nan 1e-9 0.5 3\n",
     "line 2: a = 'nan': not a plain number of seconds in [-1, 3600]"},
    {HEAD "local downtime inf 1e-9 0.5 3\n",
     "line 2: a = 'inf': not a plain number of seconds in [-1, 3600]"},
    {HEAD "local downtime 0x1p3 1e-9 0.5 3\n",
     "line 2: a = '0x1p3': not a plain number of seconds in [-1, 3600]"},
    {HEAD "local downtime 3601 1e-9 0.5 3\n",
     "line 2: a = '3601': not a plain number of seconds in [-1, 3600]"},
    {HEAD "local downtime -1.5 1e-9 0.5 3\n",
     "line 2: a = '-1.5': not a plain number of seconds in [-1, 3600]"},
    {HEAD "local downtime 1e400 1e-9 0.5 3\n",
     "line 2: a = '1e400': not a plain number of seconds in [-1, 3600]"},
    {HEAD "local downtime 1. 1e-9 0.5 3\nlocal total 1 -1e-9 0.5 3\n",
     "line 3: b = '-1e-9': not a plain number of s/byte in [0, 0.001]"},
    {HEAD "local downtime 1 NaN 0.5 3\n",
     "line 2: b = 'NaN': not a plain number of s/byte in [0, 0.001]"},
    {HEAD "local downtime 1 1e-9 1.5 3\n", "line 2: R^2 = '1.5': not a plain number in [0, 1]"},
    {HEAD "local downtime 1 1e-9 0.5 1\n",
     "line 2: points = '1': not a whole number in [2, 1000000]"},
    {HEAD "local downtime 1 1e-9 0.5 2.5\n",
     "line 2: points = '2.5': not a whole number in [2, 1000000]"},
    {HEAD "local downtime 1 1e-9 0.5 1000001\n",
     "line 2: points = '1000001': not a whole number in [2, 1000000]"},
    {HEAD "local downtime 1 1e-9 0.5 3 extra\n",
     "line 2: want: local downtime <a> <b> <r2> <points>"},
    {HEAD "local downtime 1 1e-9 0.5\n", "line 2: want: local downtime <a> <b> <r2> <points>"},
    {HEAD "moon downtime 1 1e-9 0.5 3\n",
     "line 2: unknown path or keyword 'moon' (paths: local, hosts, checkpoint)"},
    {HEAD "local uptime 1 1e-9 0.5 3\n", "line 2: 'local' must be followed by downtime or total"},
    {HEAD "local\n", "line 2: 'local' must be followed by downtime or total"},
    {HEAD L "local total 1 1e-9 0.5 3\n", "line 4: second total line of path local"},
    {HEAD "local downtime 1 1e-9 0.5 3\n",
     "line 2: path local has a downtime line but no total line"},
    {HEAD "hosts total 1 1e-9 0.5 3\n\n",
     "line 3: path hosts has a total line but no downtime line"},
    {HEAD "measured once\nmeasured twice\n" L, "line 3: second measured line"},
    {HEAD "measured \n" L, "line 2: measured: want 1 to 199 characters"},
    {HEAD "local downtime 1 1e-9 0.5 3\r\n", "line 2: a NUL or control character"},
};

START_TEST(refused_with_line_and_reason)
{
    struct rmig_model m;
    char why[160] = "";

    ck_assert_int_eq(
        rmig_model_parse(refusals[_i].text, strlen(refusals[_i].text), &m, why, sizeof(why)),
        -EINVAL);
    ck_assert_str_eq(why, refusals[_i].why);
}
END_TEST

START_TEST(refused_nul_long_line_big_file)
{
    static char big[RMIG_MODEL_SIZE_MAX + 2];
    char text[400], why[160];
    struct rmig_model m;
    size_t n;

    n = (size_t)snprintf(text, sizeof(text), HEAD "local downtime 1 1e-9 0.5 3\n");
    text[n - 3] = '\0'; /* "0.5\0" inside the line */
    ck_assert_int_eq(rmig_model_parse(text, n, &m, why, sizeof(why)), -EINVAL);
    ck_assert_str_eq(why, "line 2: a NUL or control character");

    n = (size_t)snprintf(text, sizeof(text), HEAD "# %0*d\n", RMIG_MODEL_LINE_MAX - 1, 0);
    ck_assert_int_eq(rmig_model_parse(text, n, &m, why, sizeof(why)), -EINVAL);
    ck_assert_str_eq(why, "line 2: longer than 200 characters");
    n = (size_t)snprintf(text, sizeof(text), HEAD "%s# %0*d\n", L, RMIG_MODEL_LINE_MAX - 2, 0);
    ck_assert_int_eq(rmig_model_parse(text, n, &m, why, sizeof(why)), 0); /* 200 exactly */

    memset(big, '\n', sizeof(big));
    memcpy(big, HEAD L, strlen(HEAD L));
    ck_assert_int_eq(rmig_model_parse(big, sizeof(big), &m, why, sizeof(why)), -EINVAL);
    ck_assert_str_eq(why, "line 0: file longer than 8192 bytes");
    ck_assert_int_eq(rmig_model_parse(big, RMIG_MODEL_SIZE_MAX, &m, why, sizeof(why)), 0);
}
END_TEST

START_TEST(predict_exact)
{
    struct rmig_model m;
    struct rmig_estimate e;

    parse_ok(GOOD, &m);
    ck_assert_int_eq(rmig_model_predict(&m, RMIG_PATH_LOCAL, 1ULL << 30, &e), 0);
    ck_assert_uint_eq(e.bytes, 1ULL << 30);
    ck_assert_int_eq(e.path, RMIG_PATH_LOCAL);
    ck_assert_int_eq(e.figures_of, RMIG_PATH_LOCAL);
    ck_assert_double_eq(e.downtime, 0.000125 + 2.5e-10 * 1073741824.0);
    ck_assert_double_eq(e.total, 0.5e-3 + 3e-10 * 1073741824.0);
    ck_assert_int_eq(rmig_model_predict(&m, RMIG_PATH_HOSTS, 1000, &e), 0);
    ck_assert_double_eq(e.downtime, 0.001 + 1e-9 * 1000.0);
    ck_assert_int_eq(e.figures_of, RMIG_PATH_HOSTS);
    /* a negative intercept: never a negative prediction */
    ck_assert_int_eq(rmig_model_predict(&m, RMIG_PATH_CHECKPOINT, 0, &e), 0);
    ck_assert_double_eq(e.downtime, 0.0);
    ck_assert_double_eq(e.total, 3600.0);
    ck_assert_int_eq(rmig_model_predict(&m, RMIG_PATHS, 0, &e), -EINVAL);
    ck_assert_int_eq(rmig_model_predict(&m, -1, 0, &e), -EINVAL);
}
END_TEST

START_TEST(predict_missing_path)
{
    struct rmig_model m;
    struct rmig_estimate e;

    parse_ok(HEAD L, &m);
    ck_assert_int_eq(rmig_model_predict(&m, RMIG_PATH_HOSTS, 1000, &e), 0);
    ck_assert_int_eq(e.path, RMIG_PATH_HOSTS);
    ck_assert_int_eq(e.figures_of, RMIG_PATH_LOCAL); /* said, not hidden */
    ck_assert_double_eq(e.downtime, 1.0 + 1e-9 * 1000.0);
    parse_ok(HEAD "hosts downtime 1 0 0 2\nhosts total 1 0 0 2\n", &m);
    ck_assert_int_eq(rmig_model_predict(&m, RMIG_PATH_CHECKPOINT, 1000, &e), -ENODATA);
}
END_TEST

START_TEST(builtin_figures)
{
    struct rmig_model m;
    struct rmig_estimate e;

    rmig_model_builtin(&m);
    ck_assert_uint_eq(m.given[RMIG_PATH_LOCAL], 3);
    ck_assert_uint_eq(m.given[RMIG_PATH_HOSTS], 0);
    ck_assert_uint_eq(m.given[RMIG_PATH_CHECKPOINT], 0);
    ck_assert_int_ge(m.downtime[RMIG_PATH_LOCAL].points, 2);
    ck_assert_ptr_nonnull(strstr(m.measured, "built-in figures of make bench-migration"));
    ck_assert_int_eq(rmig_model_predict(&m, RMIG_PATH_LOCAL, 64 << 20, &e), 0);
    ck_assert(e.downtime > 0.0 && e.total >= e.downtime);
}
END_TEST

START_TEST(path_names)
{
    ck_assert_str_eq(rmig_path_name(RMIG_PATH_LOCAL), "local");
    ck_assert_str_eq(rmig_path_name(RMIG_PATH_HOSTS), "hosts");
    ck_assert_str_eq(rmig_path_name(RMIG_PATH_CHECKPOINT), "checkpoint");
    ck_assert_str_eq(rmig_path_name(RMIG_PATHS), "?");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rmig_model");
    TCase *tc = tcase_create("model");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, good_file_exact_values);
    tcase_add_test(tc, minimal_file);
    tcase_add_loop_test(tc, refused_with_line_and_reason, 0,
                        (int)(sizeof(refusals) / sizeof(refusals[0])));
    tcase_add_test(tc, refused_nul_long_line_big_file);
    tcase_add_test(tc, predict_exact);
    tcase_add_test(tc, predict_missing_path);
    tcase_add_test(tc, builtin_figures);
    tcase_add_test(tc, path_names);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
