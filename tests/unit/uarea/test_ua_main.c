/* test_ua_main.c: the Check runner of the uarea unit tests.
 *
 * This program is linked with the uarea layer, so its main already runs as a
 * rank: on the container stack, with malloc served by the container. Check's
 * runner works there unchanged (its forks inherit the container).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "test_ua.h"

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* libc's own pthread_create: the runtime's threads start in kernel
 * context, which the interposed one (ua_threads.c) does not count as the
 * application's; this test's main runs as rank code. */
static create_fn libc_pthread_create(void)
{
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    create_fn f = libc ? (create_fn)dlsym(libc, "pthread_create") : NULL;

    ck_assert_ptr_nonnull(f);
    return f;
}

void *test_ua_on_runtime_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    void *ret = NULL;
    ck_assert_int_eq(libc_pthread_create()(&t, NULL, fn, arg), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    return ret;
}

int main(void)
{
    SRunner *sr = srunner_create(test_ua_alloc_suite());
    srunner_add_suite(sr, test_ua_layout_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
