/* test_base.c: Check tests of base/: the table of settings and the log.
 *
 * Check runs every test in a child process of its own, so a test may set
 * NMPI_LOG or another setting and the log's level (read once per process)
 * starts fresh each time. The log's lines are caught with
 * th_stderr_capture() (tests/lib), which points stderr at a temporary file
 * and reads it back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "testhelp.h"
#include "testhelp_check.h"

START_TEST(test_table_sorted_unique_documented)
{
    int n, i;
    const struct base_setting *s = base_settings(&n);

    ck_assert_int_gt(n, 10);
    for (i = 0; i < n; i++) {
        ck_assert_msg(*s[i].meaning != '\0', "%s has no meaning", s[i].name);
        ck_assert_msg(*s[i].used_by != '\0', "%s has no reader", s[i].name);
        ck_assert_ptr_eq(base_setting_find(s[i].name), &s[i]);
        if (i > 0)
            ck_assert_msg(strcmp(s[i - 1].name, s[i].name) < 0, "%s and %s out of order",
                          s[i - 1].name, s[i].name);
    }
    ck_assert_ptr_null(base_setting_find("NMPI_NO_SUCH_SETTING"));
}
END_TEST

START_TEST(test_setting_value_default_and_env)
{
    unsetenv("NMPI_PREEMPT_MS");
    ck_assert_str_eq(base_setting("NMPI_PREEMPT_MS"), "10");
    setenv("NMPI_PREEMPT_MS", "", 1);
    ck_assert_str_eq(base_setting("NMPI_PREEMPT_MS"), "10"); /* empty: the default */
    setenv("NMPI_PREEMPT_MS", "25", 1);
    ck_assert_str_eq(base_setting("NMPI_PREEMPT_MS"), "25");
    ck_assert_ptr_null(base_setting("NMPI_NO_SUCH_SETTING"));
}
END_TEST

static const struct {
    const char *value; /* NULL: unset */
    long min, max, want;
} long_cases[] = {
    {NULL, 0, 100, 10},  {"0", 0, 100, 0},   {"100", 0, 100, 100},
    {"101", 0, 100, 10}, {"-1", 0, 100, 10}, {"7x", 0, 100, 10},
    {"x", 0, 100, 10},   {" 5", 0, 100, 5},  {"99999999999999999999", 0, 100, 10},
};

START_TEST(test_setting_long)
{
    if (long_cases[_i].value == NULL)
        unsetenv("NMPI_PREEMPT_MS");
    else
        setenv("NMPI_PREEMPT_MS", long_cases[_i].value, 1);
    ck_assert_int_eq(base_setting_long("NMPI_PREEMPT_MS", long_cases[_i].min, long_cases[_i].max),
                     long_cases[_i].want);
}
END_TEST

START_TEST(test_setting_double_and_on)
{
    setenv("NMPI_MIGRATE_TIMEOUT", "2.5", 1);
    ck_assert(base_setting_double("NMPI_MIGRATE_TIMEOUT", 1e-3, 1e9) == 2.5);
    setenv("NMPI_MIGRATE_TIMEOUT", "0", 1);
    ck_assert(base_setting_double("NMPI_MIGRATE_TIMEOUT", 1e-3, 1e9) == 60.0);
    setenv("NMPI_MIGRATE_TIMEOUT", "nan", 1);
    ck_assert(base_setting_double("NMPI_MIGRATE_TIMEOUT", 1e-3, 1e9) == 60.0);
    unsetenv("NMPI_SHM");
    ck_assert_int_eq(base_setting_on("NMPI_SHM"), 1);
    setenv("NMPI_SHM", "0", 1);
    ck_assert_int_eq(base_setting_on("NMPI_SHM"), 0);
    setenv("NMPI_SHM", "1", 1);
    ck_assert_int_eq(base_setting_on("NMPI_SHM"), 1);
}
END_TEST

/* What fn printed on stderr (a static buffer). */
static const char *caught(void (*fn)(void *arg))
{
    static char out[4096];

    ck_assert_int_ge(th_stderr_capture(fn, NULL, out, sizeof(out)), 0);
    return out;
}

static void log_each_level(void *arg)
{
    (void)arg;
    base_log(BASE_LOG_ERROR, "cv", "e %d", 1);
    base_log(BASE_LOG_WARN, "rmig", "w %d", 2);
    base_log(BASE_LOG_INFO, "port", "i %d", 3);
    base_log(BASE_LOG_DEBUG, "mpi", "d %d", 4);
    base_report("rmig", "r %s", "x");
}

static const struct {
    const char *level; /* NMPI_LOG, NULL: unset */
    const char *want;
} log_cases[] = {
    {NULL, "nanvix-mpi: cv: e 1\nnanvix-mpi: rmig: w 2\nnanvix-mpi: rmig: r x\n"},
    {"error", "nanvix-mpi: cv: e 1\nnanvix-mpi: rmig: r x\n"},
    {"WARN", "nanvix-mpi: cv: e 1\nnanvix-mpi: rmig: w 2\nnanvix-mpi: rmig: r x\n"},
    {"info", "nanvix-mpi: cv: e 1\nnanvix-mpi: rmig: w 2\nnanvix-mpi: port: i 3\n"
             "nanvix-mpi: rmig: r x\n"},
    {"debug", "nanvix-mpi: cv: e 1\nnanvix-mpi: rmig: w 2\nnanvix-mpi: port: i 3\n"
              "nanvix-mpi: mpi: d 4\nnanvix-mpi: rmig: r x\n"},
    {"loud", "nanvix-mpi: base: NMPI_LOG=loud is none of error, warn, info, debug: warn\n"
             "nanvix-mpi: cv: e 1\nnanvix-mpi: rmig: w 2\nnanvix-mpi: rmig: r x\n"},
};

START_TEST(test_log_levels)
{
    if (log_cases[_i].level == NULL)
        unsetenv("NMPI_LOG");
    else
        setenv("NMPI_LOG", log_cases[_i].level, 1);
    ck_assert_str_eq(caught(log_each_level), log_cases[_i].want);
}
END_TEST

static void log_long_line(void *arg)
{
    char big[3000];

    (void)arg;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    base_log(BASE_LOG_ERROR, "cv", "%s", big);
}

START_TEST(test_log_long_line_cut_with_newline)
{
    const char *out = caught(log_long_line);
    size_t n = strlen(out);

    ck_assert_uint_eq(n, 1023);
    ck_assert_int_eq(strncmp(out, "nanvix-mpi: cv: aaa", 19), 0);
    ck_assert_int_eq(out[n - 1], '\n');
}
END_TEST

static int count_lines(const char *s, const char *with)
{
    int n = 0;

    for (; (s = strstr(s, with)) != NULL; s++)
        n++;
    return n;
}

/* Another process can make a place log as often as it likes: a burst of
 * 1000 gives BASE_LOG_BURST lines; after a quiet second the next line comes
 * with the count of those held back. */
static struct base_log_limit flood_limit;

static void log_flood(void *arg)
{
    int i, n = *(int *)arg;

    for (i = 0; i < n; i++)
        base_log_limited(&flood_limit, BASE_LOG_WARN, "cv", "bad message %d", i);
}

START_TEST(test_log_limited_burst_then_count)
{
    static char out[8192];
    struct timespec second = {1, 50000000};
    int n = 1000, one = 1;

    unsetenv("NMPI_LOG");
    ck_assert_int_ge(th_stderr_capture(log_flood, &n, out, sizeof(out)), 0);
    ck_assert_int_eq(count_lines(out, "nanvix-mpi: cv: bad message "), BASE_LOG_BURST);
    ck_assert_ptr_nonnull(strstr(out, "nanvix-mpi: cv: bad message 9\n"));
    ck_assert_ptr_null(strstr(out, "bad message 10\n"));
    nanosleep(&second, NULL);
    ck_assert_int_ge(th_stderr_capture(log_flood, &one, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "nanvix-mpi: cv: (990 more like the next held back)\n"
                          "nanvix-mpi: cv: bad message 0\n");
}
END_TEST

START_TEST(test_log_limited_obeys_level)
{
    static char out[256];
    int n = 5;

    setenv("NMPI_LOG", "error", 1);
    ck_assert_int_ge(th_stderr_capture(log_flood, &n, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

static Suite *base_suite(void)
{
    Suite *s = suite_create("base");
    TCase *tc = tcase_create("base");

    tcase_add_test(tc, test_table_sorted_unique_documented);
    tcase_add_test(tc, test_setting_value_default_and_env);
    tcase_add_loop_test(tc, test_setting_long, 0, sizeof(long_cases) / sizeof(long_cases[0]));
    tcase_add_test(tc, test_setting_double_and_on);
    tcase_add_loop_test(tc, test_log_levels, 0, sizeof(log_cases) / sizeof(log_cases[0]));
    tcase_add_test(tc, test_log_long_line_cut_with_newline);
    tcase_add_test(tc, test_log_limited_burst_then_count);
    tcase_add_test(tc, test_log_limited_obeys_level);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(base_suite());
}
