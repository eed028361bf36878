/* test_nanvix_nolauncher.c: nanvix-port started without a launcher.
 *
 * knode_setup() must fail cleanly with -EIO (and a message naming mpiexec)
 * when PMI_FD is absent, and every other call must then fail with an error
 * instead of crashing.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "nanvix.h"

START_TEST(test_setup_without_launcher)
{
    unsetenv("PMI_FD");
    ck_assert_int_eq(knode_setup(), -EIO);
    ck_assert_int_eq(knode_setup(), -EIO);
    ck_assert_int_eq(knode_get_num(), -EINVAL);
    ck_assert_int_eq(knode_count(), -EINVAL);
    ck_assert(!knode_is_valid(0));
    ck_assert_int_eq(knode_in_kernel(), 0);
}
END_TEST

START_TEST(test_calls_before_setup)
{
    char buf[8];
    int nodes[2] = {0, 1};
    unsigned spins = 0;
    ck_assert_int_eq(kmailbox_create(0, 0), -EINVAL);
    ck_assert_int_eq(kmailbox_open(0, 0), -EINVAL);
    ck_assert_int_eq(kmailbox_read(0, buf, sizeof(buf)), -EBADF);
    ck_assert_int_eq(kmailbox_write(0, buf, 1), -EBADF);
    ck_assert_int_eq(kportal_create(0, 0), -EINVAL);
    ck_assert_int_eq(kportal_open(0, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(kportal_wait(0), -EBADF);
    ck_assert_int_eq(ksync_create(nodes, 2, KSYNC_ONE_TO_ALL), -EINVAL);
    ck_assert_int_eq(kjob_put("k", "v"), -EINVAL);
    ck_assert_int_eq(kjob_fence(), -EINVAL);
    ck_assert_int_eq(knode_poll(), -EINVAL);
    knode_idle(&spins);
    ck_assert_int_eq(knode_shutdown(), 0);
    ck_assert_int_eq(knode_in_kernel(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nanvix-port-nolauncher");
    TCase *tc = tcase_create("nolauncher");
    tcase_add_test(tc, test_setup_without_launcher);
    tcase_add_test(tc, test_calls_before_setup);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
