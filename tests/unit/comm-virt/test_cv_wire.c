/* test_cv_wire.c: unit tests of the comm-virt wire-header decoder.
 *
 * The decoder is the only code that reads bytes another process sent to the
 * MPI mailbox; each test builds one well-formed header and breaks one field.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "cv.h"
#include "cv_wire.h"
#include "testhelp_check.h"

#define JOB    0x1234567890abcdefULL
#define NRANKS 4

static unsigned char buf[sizeof(struct cv_wire_hdr) + CV_EAGER_LIMIT + 16];

/* Builds a valid EAGER message with plen payload bytes; returns its length. */
static size_t make_eager(size_t plen)
{
    struct cv_wire_hdr h;

    memset(&h, 0, sizeof(h));
    h.version = CV_WIRE_VERSION;
    h.type = CV_MSG_EAGER;
    h.src = 1;
    h.dst = 2;
    h.tag = 7;
    h.ctx = 0;
    h.seq = 42;
    h.len = plen;
    h.job = JOB;
    memcpy(buf, &h, sizeof(h));
    memset(buf + sizeof(h), 0xab, plen);
    return sizeof(h) + plen;
}

static struct cv_wire_hdr *hdr_in_buf(void)
{
    return (struct cv_wire_hdr *)buf;
}

START_TEST(accepts_valid_eager)
{
    struct cv_wire_hdr out;
    size_t n = make_eager(100);

    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), 0);
    ck_assert_int_eq(out.src, 1);
    ck_assert_int_eq(out.dst, 2);
    ck_assert_int_eq(out.tag, 7);
    ck_assert_uint_eq(out.seq, 42);
    ck_assert_uint_eq(out.len, 100);
}
END_TEST

START_TEST(accepts_eager_limits)
{
    struct cv_wire_hdr out;

    ck_assert_int_eq(cv_wire_decode(buf, make_eager(0), JOB, NRANKS, &out), 0);
    ck_assert_int_eq(cv_wire_decode(buf, make_eager(CV_EAGER_LIMIT), JOB, NRANKS, &out), 0);
}
END_TEST

/* Version 1 peers took at most 8128 eager bytes and no short RTS: refused. */
START_TEST(refuses_version_1)
{
    struct cv_wire_hdr out;
    size_t n = make_eager(100);

    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), 0);
    hdr_in_buf()->version = 1;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
}
END_TEST

START_TEST(rejects_short_and_null)
{
    struct cv_wire_hdr out;

    make_eager(0);
    ck_assert_int_eq(cv_wire_decode(buf, sizeof(out) - 1, JOB, NRANKS, &out), -EPROTO);
    ck_assert_int_eq(cv_wire_decode(NULL, 100, JOB, NRANKS, &out), -EPROTO);
}
END_TEST

START_TEST(rejects_length_mismatch)
{
    struct cv_wire_hdr out;
    size_t n = make_eager(100);

    ck_assert_int_eq(cv_wire_decode(buf, n - 1, JOB, NRANKS, &out), -EPROTO);
    hdr_in_buf()->len = CV_EAGER_LIMIT + 1;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
}
END_TEST

START_TEST(rejects_other_job_and_version)
{
    struct cv_wire_hdr out;
    size_t n = make_eager(8);

    hdr_in_buf()->job = JOB + 1;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
    n = make_eager(8);
    hdr_in_buf()->version = CV_WIRE_VERSION + 1;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
}
END_TEST

START_TEST(rejects_bad_ranks_tag_type)
{
    struct cv_wire_hdr out;
    size_t n = make_eager(8);

    hdr_in_buf()->src = NRANKS;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
    n = make_eager(8);
    hdr_in_buf()->dst = -1;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
    n = make_eager(8);
    hdr_in_buf()->tag = -5;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
    n = make_eager(8);
    hdr_in_buf()->type = 99;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), -EPROTO);
}
END_TEST

/* An RTS announces any length (a sender with a lower NMPI_EAGER_LIMIT sends
 * short messages by rendezvous) but carries no payload. */
START_TEST(rts_takes_any_len_and_no_body)
{
    struct cv_wire_hdr out;
    size_t n = make_eager(0);

    hdr_in_buf()->type = CV_MSG_RTS;
    hdr_in_buf()->len = CV_EAGER_LIMIT + 1;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), 0);
    ck_assert_uint_eq(out.len, CV_EAGER_LIMIT + 1);
    hdr_in_buf()->len = 10;
    ck_assert_int_eq(cv_wire_decode(buf, n, JOB, NRANKS, &out), 0);
    ck_assert_uint_eq(out.len, 10);
    ck_assert_int_eq(cv_wire_decode(buf, n + 10, JOB, NRANKS, &out), -EPROTO);
    hdr_in_buf()->len = CV_EAGER_LIMIT + 1;
    ck_assert_int_eq(cv_wire_decode(buf, n + 1, JOB, NRANKS, &out), -EPROTO);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cv_wire");
    TCase *tc = tcase_create("decode");

    tcase_add_test(tc, accepts_valid_eager);
    tcase_add_test(tc, refuses_version_1);
    tcase_add_test(tc, accepts_eager_limits);
    tcase_add_test(tc, rejects_short_and_null);
    tcase_add_test(tc, rejects_length_mismatch);
    tcase_add_test(tc, rejects_other_job_and_version);
    tcase_add_test(tc, rejects_bad_ranks_tag_type);
    tcase_add_test(tc, rts_takes_any_len_and_no_body);
    suite_add_tcase(s, tc);
    return th_check_run(s);
}
