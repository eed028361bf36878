/* testhelp_check.h: the main of a Check unit-test program (header only).
 *
 * Every unit-test program runs one suite and exits 0 when no test failed,
 * 1 otherwise (what automake's test driver reads); th_check_run() is that
 * main's body, so each program's main is one line. Check's fork mode and
 * output level are left to CK_FORK / CK_VERBOSITY in the environment.
 */
#ifndef TESTHELP_CHECK_H
#define TESTHELP_CHECK_H

#include <check.h>

static inline int th_check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif /* TESTHELP_CHECK_H */
