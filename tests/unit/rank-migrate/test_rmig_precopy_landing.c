/* test_rmig_precopy_landing.c: Check tests of the destination's end of
 * pre-copy rounds (rmig_precopy_landing.c), fed by the source's end
 * (rmig_precopy_link.c) over the fake wire.
 *
 * The process plays the source (cluster RMU_ME, rank RMU_ME's container),
 * sends a round, empties the region and plays the spare RMU_SPARE, which
 * takes the round: every run lands in place, byte for byte; round 0 trims
 * the region to its runs, later rounds do not; the pages' sums taken as
 * they land equal sums of the region. A round damaged on the wire (each
 * header field, the runs' checksum or total, a run outside the container,
 * a round out of order) is refused with -EBADMSG before a byte is written;
 * a run that came short is refused after every run was read; a round that
 * never comes times out.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_precopy_landing.h"
#include "rmig_unit.h"
#include "testhelp_check.h"

#define DEST   RMU_SPARE
#define STREAM 3

static unsigned char before[FAKE_SLOTS][FAKE_SLOT_SIZE]; /* the source's region */
static struct rmig_dirty_range runs[5];

/* Slots 1..5, of odd lengths (slot 2 whole). */
static int make_runs(void)
{
    static const size_t len[] = {100, FAKE_SLOT_SIZE, 10, 50, 7};

    for (int i = 0; i < 5; i++)
        runs[i] = (struct rmig_dirty_range){(uintptr_t)fake_region[1 + i], len[i]};
    return 5;
}

/* As the source: sends round `round` of the first n runs, then leaves the
 * region empty and plays the spare. */
static void send_round(int round, int n)
{
    struct rmig_precopy_link l;

    fake_self = RMU_ME;
    memcpy(before, fake_region, sizeof(before));
    ck_assert_int_eq(rmig_precopy_link_open(&l, DEST, STREAM, RMU_ME, NULL), 0);
    ck_assert_int_eq(rmig_precopy_link_send(round, runs, n, &l), 0);
    rmig_precopy_link_close(&l);
    memset(fake_region, 0, sizeof(fake_region));
    fake_self = DEST;
}

static void assert_landed(int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_mem_eq((const void *)runs[i].addr, before[1 + i], runs[i].len);
}

static int region_empty(void)
{
    for (size_t s = 0; s < FAKE_SLOTS; s++)
        for (size_t i = 0; i < FAKE_SLOT_SIZE; i++)
            if (fake_region[s][i] != 0)
                return 0;
    return 1;
}

START_TEST(rounds_land_in_place)
{
    struct rmig_dirty_range whole = {(uintptr_t)fake_region[0], sizeof(fake_region)};
    struct rmig_precopy_sums landed, now;
    struct rmig_precopy_landing l;
    int n = make_runs();

    ck_assert_int_eq(rmig_precopy_sums_init(&landed, &whole, 1, &whole, 1, ua_checksum_range), 0);
    ck_assert_int_eq(rmig_precopy_sums_init(&now, &whole, 1, &whole, 1, ua_checksum_range), 0);
    send_round(0, n);
    ck_assert_int_eq(rmig_precopy_landing_open(&l, RMU_ME, STREAM, RMU_ME, &landed), 0);
    ck_assert_int_eq(rmig_precopy_landing_round(&l), 0);
    assert_landed(n);
    ck_assert_int_eq(fake_trims, 1);
    ck_assert_int_eq(fake_trim_n, n);
    ck_assert_int_eq(l.next_round, 1);
    ck_assert_uint_eq(l.bytes, 100 + FAKE_SLOT_SIZE + 10 + 50 + 7);
    for (int i = 0; i < n; i++) /* the source's sums: the pages it sent */
        rmig_precopy_sums_note(&now, runs[i].addr, runs[i].len, 0);
    ck_assert_uint_eq(rmig_precopy_sums_differ(&landed, &now), 0);
    /* Round 1: the source rewrote slot 2; only that run comes, no trim. */
    fake_self = RMU_ME;
    memcpy(fake_region, before, sizeof(before));
    memset(fake_region[2], 0x5a, FAKE_SLOT_SIZE);
    runs[0] = runs[1];
    send_round(1, 1);
    ck_assert_int_eq(rmig_precopy_landing_round(&l), 0);
    ck_assert_mem_eq(fake_region[2], before[2], FAKE_SLOT_SIZE);
    ck_assert_int_eq(fake_trims, 1);
    ck_assert_int_eq(l.next_round, 2);
    ck_assert_int_eq(fake_nsent, 0); /* no control message either way */
    rmig_precopy_landing_close(&l);
    for (int i = 0; i < fake_nportals; i++)
        ck_assert_msg(fake_portal[i].retired, "portal %d left open", i);
    rmig_precopy_sums_free(&landed);
    rmig_precopy_sums_free(&now);
}
END_TEST

/* Damage to the header (wire entry 0) or the runs (entry 1). */
enum damage {
    D_MAGIC,
    D_VERSION,
    D_JOB,
    D_RANK,
    D_ROUND,
    D_SUM,
    D_TOTAL,
    D_OUTSIDE,
    D_SHORT_HEADER,
    D_SHORT_RUN
};

static const struct {
    enum damage d;
    const char *what;
    int writes; /* whether the round's runs were read in place */
} damage_cases[] = {
    {D_MAGIC, "magic", 0},
    {D_VERSION, "version", 0},
    {D_JOB, "another job", 0},
    {D_RANK, "another rank", 0},
    {D_ROUND, "out of order", 0},
    {D_SUM, "runs checksum", 0},
    {D_TOTAL, "total bytes", 0},
    {D_OUTSIDE, "run outside the container", 0},
    {D_SHORT_HEADER, "header a byte short", 0},
    {D_SHORT_RUN, "a run a byte short", 1},
};

START_TEST(damaged_round_refused)
{
    struct rmig_precopy_landing l;
    struct rmig_wire_round *h;
    struct rmig_wire_run *r;
    int n = make_runs();

    send_round(0, n);
    h = (struct rmig_wire_round *)fake_wire[0].bytes;
    r = (struct rmig_wire_run *)fake_wire[1].bytes;
    switch (damage_cases[_i].d) {
    case D_MAGIC:
        h->magic ^= 1;
        break;
    case D_VERSION:
        h->version++;
        break;
    case D_JOB:
        h->job ^= 1;
        break;
    case D_RANK:
        h->rank = 2;
        break;
    case D_ROUND:
        h->round = 1;
        break;
    case D_SUM:
        h->sum ^= 1;
        break;
    case D_TOTAL:
        h->bytes++;
        break;
    case D_OUTSIDE: /* a run moved out of the container, its checksum made to match */
        r[3].addr = (uintptr_t)fake_outside;
        h->sum = ua_checksum_range(r, (size_t)n * sizeof(*r));
        break;
    case D_SHORT_HEADER:
        fake_wire[0].len--;
        break;
    case D_SHORT_RUN:
        fake_wire[2 + 3].len--;
        break;
    }
    ck_assert_int_eq(rmig_precopy_landing_open(&l, RMU_ME, STREAM, RMU_ME, NULL), 0);
    ck_assert_msg(rmig_precopy_landing_round(&l) == -EBADMSG, "%s: not refused",
                  damage_cases[_i].what);
    ck_assert_int_eq(l.next_round, 0);
    if (!damage_cases[_i].writes) {
        ck_assert_msg(region_empty(), "%s: bytes written before the check", damage_cases[_i].what);
        ck_assert_int_eq(fake_trims, 0);
    } else {
        for (int w = 2; w < 2 + n; w++) /* every run read: nothing left queued */
            ck_assert_msg(fake_wire[w].taken, "run %d left on the wire", w - 2);
    }
    rmig_precopy_landing_close(&l);
}
END_TEST

START_TEST(missing_round_times_out)
{
    struct rmig_precopy_landing l;

    fake_self = DEST;
    ck_assert_int_eq(rmig_precopy_landing_open(&l, RMU_ME, STREAM, RMU_ME, NULL), 0);
    ck_assert_int_eq(rmig_precopy_landing_round(&l), -ETIMEDOUT);
    ck_assert_double_ge(fake_now, 1.0); /* NMPI_MIGRATE_TIMEOUT */
    rmig_precopy_landing_close(&l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rank-migrate-precopy-landing");
    TCase *tc = tcase_create("destination");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, rmu_setup, NULL);
    tcase_add_test(tc, rounds_land_in_place);
    tcase_add_loop_test(tc, damaged_round_refused, 0,
                        (int)(sizeof(damage_cases) / sizeof(damage_cases[0])));
    tcase_add_test(tc, missing_round_times_out);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
