/* test_ua.h: the Check suites of the uarea unit tests. */
#ifndef TEST_UA_H
#define TEST_UA_H

#include <check.h>

Suite *test_ua_alloc_suite(void);
Suite *test_ua_layout_suite(void);

/* Runs fn(arg) on a new thread (kernel context: not rank code) and returns
 * what fn returned. */
void *test_ua_on_runtime_thread(void *(*fn)(void *), void *arg);

#endif /* TEST_UA_H */
