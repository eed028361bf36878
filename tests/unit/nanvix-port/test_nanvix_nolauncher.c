/* test_nanvix_nolauncher.c: nanvix-port started without a launcher.
 *
 * knode_setup() must fail cleanly with -EIO (and a message naming mpiexec)
 * when PMI_FD is absent, and every other call must then fail with an error
 * instead of crashing.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "nanvix.h"
#include "np_internal.h"

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

/* A ring cell comes from another process: its port and length are checked
 * against the cell's size (KMAILBOX_MESSAGE_SIZE: 64 KiB of eager payload
 * and its header) before the reader touches the data. */
START_TEST(test_shm_cell_checks)
{
    ck_assert_int_eq(np_shm_cell_ok(0, 0), 1);
    ck_assert_int_eq(np_shm_cell_ok(KMAILBOX_PORT_MAX - 1, 8192), 1);
    ck_assert_int_eq(np_shm_cell_ok(0, 65536 + 64), 1);
    ck_assert_int_eq(np_shm_cell_ok(0, KMAILBOX_MESSAGE_SIZE), 1);
    ck_assert_int_eq(np_shm_cell_ok(NP_SHM_PUSH_PORT, KMAILBOX_MESSAGE_SIZE), 1);
    ck_assert_int_eq(np_shm_cell_ok(0, KMAILBOX_MESSAGE_SIZE + 1), 0);
    ck_assert_int_eq(np_shm_cell_ok(0, UINT32_MAX), 0);
    ck_assert_int_eq(np_shm_cell_ok(NP_SHM_PUSH_PORT + 1, 0), 0);
    ck_assert_int_eq(np_shm_cell_ok(UINT32_MAX, 0), 0);
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

/* The buffer hook (knode_set_buffer_hook): every call that takes a
 * caller's buffer runs it first with exactly that buffer and length, and a
 * failure of the hook is the call's result (nothing else is done: before
 * setup the call would otherwise say -EBADF). */
static const void *touched_addr;
static size_t touched_len;
static int touched_calls, touch_result;

static int record_touch(const void *addr, size_t len)
{
    touched_addr = addr;
    touched_len = len;
    touched_calls++;
    return touch_result;
}

#define EXPECT_TOUCHED(call, buf, len, result)                                                     \
    do {                                                                                           \
        touched_calls = 0;                                                                         \
        touched_addr = NULL;                                                                       \
        touched_len = 0;                                                                           \
        ck_assert_int_eq((call), (result));                                                        \
        ck_assert_int_eq(touched_calls, 1);                                                        \
        ck_assert_ptr_eq(touched_addr, (buf));                                                     \
        ck_assert_uint_eq(touched_len, (len));                                                     \
    } while (0)

/* The host's load: the runnable count of /proc/loadavg per CPU, never
 * under 1; lines it cannot read count as an idle host. */
START_TEST(test_cpu_load)
{
    ck_assert_double_eq(np_cpu_load_parse("9.03 8.51 6.22 10/467 12345\n", 2), 5.0);
    ck_assert_double_eq(np_cpu_load_parse("0.52 0.58 0.59 3/467 12345\n", 2), 1.5);
    ck_assert_double_eq(np_cpu_load_parse("0.01 0.02 0.00 1/120 99\n", 4), 1.0);
    ck_assert_double_eq(np_cpu_load_parse("0.52 0.58 0.59 3/467 12345\n", 0), 1.0);
    ck_assert_double_eq(np_cpu_load_parse("0.52 0.58 0.59\n", 2), 1.0);
    ck_assert_double_eq(np_cpu_load_parse("", 2), 1.0);
    ck_assert_double_eq(np_cpu_load_parse("a b c 7/9 1", 2), 1.0);
    ck_assert_double_eq(np_cpu_load_parse("1 1 1 0/9 1", 2), 1.0);
    double now = knode_cpu_load();
    ck_assert(now >= 1.0 && now < 1e6);
}
END_TEST

START_TEST(test_buffer_hook)
{
    static char buf[3 * 4096];
    char *mid = buf + 4096 + 17;

    unsetenv("PMI_FD");
    knode_set_buffer_hook(record_touch);
    touch_result = 0;
    EXPECT_TOUCHED(kmailbox_write(0, mid, 5), mid, 5, -EBADF);
    EXPECT_TOUCHED(kmailbox_read(0, mid, 4096), mid, 4096, -EBADF);
    EXPECT_TOUCHED(kmailbox_tryread(0, buf, 7), buf, 7, -EBADF);
    EXPECT_TOUCHED(kportal_aread(0, mid, 8000), mid, 8000, -EBADF);
    EXPECT_TOUCHED(kportal_awrite(0, buf, 3), buf, 3, -EBADF);
    EXPECT_TOUCHED(kportal_read(0, mid, 1), mid, 1, -EBADF);
    EXPECT_TOUCHED(kportal_write(0, buf, sizeof(buf)), buf, sizeof(buf), -EBADF);

    /* the hook's failure is the call's, whatever the call would have said */
    touch_result = -EFAULT;
    EXPECT_TOUCHED(kmailbox_write(0, mid, 5), mid, 5, -EFAULT);
    EXPECT_TOUCHED(kmailbox_read(0, mid, 9), mid, 9, -EFAULT);
    EXPECT_TOUCHED(kportal_aread(0, mid, 8000), mid, 8000, -EFAULT);
    EXPECT_TOUCHED(kportal_write(0, buf, 2), buf, 2, -EFAULT);

    /* no bytes, no hook; bad arguments are refused before it */
    touched_calls = 0;
    ck_assert_int_eq(kmailbox_write(0, buf, 0), -EBADF);
    ck_assert_int_eq(kportal_awrite(0, buf, 0), -EBADF);
    ck_assert_int_eq(kportal_read(0, NULL, 5), -EINVAL);
    ck_assert_int_eq(kmailbox_write(0, buf, KMAILBOX_MESSAGE_SIZE + 1), -EINVAL);
    ck_assert_int_eq(touched_calls, 0);

    /* unset: the calls are as before */
    knode_set_buffer_hook(NULL);
    ck_assert_int_eq(kmailbox_write(0, mid, 5), -EBADF);
    ck_assert_int_eq(touched_calls, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nanvix-port-nolauncher");
    TCase *tc = tcase_create("nolauncher");
    tcase_add_test(tc, test_setup_without_launcher);
    tcase_add_test(tc, test_shm_cell_checks);
    tcase_add_test(tc, test_calls_before_setup);
    tcase_add_test(tc, test_buffer_hook);
    tcase_add_test(tc, test_cpu_load);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
