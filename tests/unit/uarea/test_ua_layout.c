/* test_ua_layout.c: unit tests of what makes a container movable: globals
 * ranges, touched pages, restore checks, layout fingerprint, job canary and
 * the transfer checksum.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_ua.h"
#include "ua_internal.h"

int g_data = 42;           /* .data of the executable */
static char g_bss[100000]; /* .bss of the executable */

static int in_ranges(const struct ua_range *r, int n, const void *p, size_t len)
{
    for (int i = 0; i < n; i++)
        if ((uintptr_t)p >= (uintptr_t)r[i].addr &&
            (uintptr_t)p + len <= (uintptr_t)r[i].addr + r[i].len)
            return 1;
    return 0;
}

START_TEST(test_globals_exclude_copy_relocations)
{
    struct ua_range r[64];
    int n = ua_globals_ranges(r, 64);
    ck_assert_int_gt(n, 0);
    ck_assert_int_le(n, 64);
    g_bss[99999] = 1;
    ck_assert(in_ranges(r, n, &g_data, sizeof(g_data)));
    ck_assert(in_ranges(r, n, g_bss, sizeof(g_bss)));
    /* copy-relocated objects belong to the cluster */
    ck_assert(!in_ranges(r, n, &stdout, 1));
    ck_assert(!in_ranges(r, n, &stderr, 1));
    ck_assert(!in_ranges(r, n, &environ, 1));
    ck_assert(!in_ranges(r, n, &optarg, 1));
    for (int i = 1; i < n; i++) /* sorted and disjoint */
        ck_assert_uint_le((uintptr_t)r[i - 1].addr + r[i - 1].len, (uintptr_t)r[i].addr);
    ck_assert_int_eq(ua_globals_ranges(r, 1), n); /* count even when truncated */
}
END_TEST

START_TEST(test_restore_checks_bounds)
{
    int v = 7;
    ck_assert_int_eq(ua_restore_range(&g_data, &v, sizeof(v)), 0);
    ck_assert_int_eq(g_data, 7);
    FILE *fake = NULL;
    ck_assert_int_eq(ua_restore_range(&stdout, &fake, sizeof(fake)), -EINVAL);
    ck_assert_ptr_nonnull(stdout);
    ck_assert_int_eq(ua_restore_range(&v, &v, sizeof(v)), 0); /* rank stack */
    ck_assert_int_eq(ua_restore_range((void *)(UA_REGION_BASE + UA_HEADER_SIZE), &v, 4),
                     -EINVAL); /* guard gap */
    ck_assert_int_eq(ua_restore_range((void *)(UA_REGION_END - 2), &v, 4), -EINVAL);
    ck_assert_int_eq(ua_restore_range((void *)0x1000, &v, 4), -EINVAL);
    ck_assert_int_eq(ua_range_check((void *)UA_REGION_BASE, UA_HEADER_SIZE), 0);
    ck_assert_int_eq(ua_range_check((void *)UA_REGION_BASE, UA_HEADER_SIZE + 1), -EINVAL);
    ck_assert_int_eq(ua_range_check((void *)UA_STACK_LO, UA_REGION_END - UA_STACK_LO), 0);
    ck_assert_int_eq(ua_range_check((void *)UA_STACK_LO, SIZE_MAX), -EINVAL); /* wraps */
    ck_assert_int_eq(ua_range_check(&stderr, sizeof(stderr)), -EINVAL);
}
END_TEST

struct collect {
    struct ua_range r[4096];
    int n;
};

static int collect_cb(void *addr, size_t len, void *arg)
{
    struct collect *c = arg;
    if (c->n < 4096)
        c->r[c->n++] = (struct ua_range){addr, len};
    return 0;
}

static int stop_cb(void *addr, size_t len, void *arg)
{
    return 99;
}

START_TEST(test_touched_ranges_list_only_touched_pages)
{
    unsigned char *p = malloc(64 * UA_PAGE_SIZE);
    /* volatile: the stores must happen although the block is only freed */
    volatile unsigned char *page0 = (unsigned char *)((uintptr_t)p & ~(UA_PAGE_SIZE - 1));
    /* the block may reuse pages touched by earlier tests: start untouched */
    madvise((unsigned char *)page0 + UA_PAGE_SIZE, 62 * UA_PAGE_SIZE, MADV_DONTNEED);
    page0[3 * UA_PAGE_SIZE] = 1;
    page0[10 * UA_PAGE_SIZE + 5] = 1;
    static struct collect c;
    c.n = 0;
    ck_assert_int_eq(ua_touched_ranges(collect_cb, &c), 0);
    ck_assert_ptr_eq(c.r[0].addr, (void *)UA_REGION_BASE);
    ck_assert(in_ranges(c.r, c.n, (unsigned char *)page0 + 3 * UA_PAGE_SIZE, UA_PAGE_SIZE));
    ck_assert(in_ranges(c.r, c.n, (unsigned char *)page0 + 10 * UA_PAGE_SIZE, UA_PAGE_SIZE));
    for (int i = 4; i < 10; i++)
        ck_assert_msg(!in_ranges(c.r, c.n, (unsigned char *)page0 + i * UA_PAGE_SIZE, 1),
                      "page %d listed", i);
    ck_assert(!in_ranges(c.r, c.n, (unsigned char *)page0 + 20 * UA_PAGE_SIZE, 1));
    int local = 1;
    ck_assert(in_ranges(c.r, c.n, &local, sizeof(local))); /* the live stack */
    ck_assert(in_ranges(c.r, c.n, &g_data, sizeof(g_data)));
    ck_assert(!in_ranges(c.r, c.n, (void *)(UA_STACK_LO + UA_PAGE_SIZE), 1));
    for (int i = 1; i < c.n; i++) /* runs are merged: never adjacent */
        if (ua_in_region(c.r[i].addr))
            ck_assert_uint_lt((uintptr_t)c.r[i - 1].addr + c.r[i - 1].len, (uintptr_t)c.r[i].addr);
    ck_assert_int_eq(ua_touched_ranges(stop_cb, NULL), 99);
    /* The same list from pagemap's entries as from PAGEMAP_SCAN's runs
     * (the fallback of kernels before 6.7). */
    static struct collect e;
    e.n = 0;
    ua_touched_use_entries(1);
    ck_assert_int_eq(ua_touched_ranges(collect_cb, &e), 0);
    ua_touched_use_entries(0);
    c.n = 0;
    ck_assert_int_eq(ua_touched_ranges(collect_cb, &c), 0);
    ck_assert_int_eq(e.n, c.n);
    for (int i = 0; i < c.n; i++) {
        ck_assert_ptr_eq(e.r[i].addr, c.r[i].addr);
        ck_assert_uint_eq(e.r[i].len, c.r[i].len);
    }
    free(p);
}
END_TEST

/* touched-range callback: every touched range must lie in one extent. */
static int inside_extents_cb(void *addr, size_t len, void *arg)
{
    const struct collect *e = arg;

    ck_assert_msg(in_ranges(e->r, e->n, addr, len), "touched %p+%zu outside every extent", addr,
                  len);
    return 0;
}

/* ua_extents: page aligned, disjoint, the whole stack, the heap to its top,
 * every touched range inside (a pre-copy tracker over them sees every page
 * a move would send), and the count even when truncated. */
START_TEST(test_extents_cover_touched)
{
    static struct collect e;
    struct ua_range one;
    const struct ua_header *h = ua_header_get();
    char *p = malloc(3 * UA_PAGE_SIZE);

    ck_assert_ptr_nonnull(p);
    p[0] = 1;
    e.n = ua_extents(e.r, (int)(sizeof(e.r) / sizeof(e.r[0])));
    ck_assert_int_ge(e.n, 3); /* header, stack and heap (they may touch), globals */
    ck_assert_int_le(e.n, (int)(sizeof(e.r) / sizeof(e.r[0])));
    for (int i = 0; i < e.n; i++) {
        ck_assert_uint_eq((uintptr_t)e.r[i].addr % UA_PAGE_SIZE, 0);
        ck_assert_uint_eq(e.r[i].len % UA_PAGE_SIZE, 0);
        ck_assert_uint_gt(e.r[i].len, 0);
        for (int j = 0; j < i; j++) /* disjoint, not even touching */
            ck_assert((uintptr_t)e.r[j].addr + e.r[j].len < (uintptr_t)e.r[i].addr ||
                      (uintptr_t)e.r[i].addr + e.r[i].len < (uintptr_t)e.r[j].addr);
    }
    ck_assert_ptr_eq(e.r[0].addr, (void *)UA_REGION_BASE);
    ck_assert(in_ranges(e.r, e.n, (void *)h->stack_lo, h->stack_hi - h->stack_lo));
    ck_assert(in_ranges(e.r, e.n, (void *)h->heap.base, h->heap.top - h->heap.base));
    ck_assert(in_ranges(e.r, e.n, p, 3 * UA_PAGE_SIZE));
    ck_assert(in_ranges(e.r, e.n, &g_data, sizeof(g_data)));
    ck_assert(!in_ranges(e.r, e.n, (void *)(UA_REGION_BASE + UA_HEADER_SIZE), 1)); /* guard */
    ck_assert(
        !in_ranges(e.r, e.n,
                   (void *)(((h->heap.top + UA_PAGE_SIZE - 1) & ~(uintptr_t)(UA_PAGE_SIZE - 1)) +
                            UA_PAGE_SIZE),
                   1));
    ck_assert_int_eq(ua_touched_ranges(inside_extents_cb, &e), 0);
    ck_assert_int_eq(ua_extents(&one, 1), e.n); /* count even when truncated */
    ck_assert_ptr_eq(one.addr, e.r[0].addr);
    ck_assert_uint_eq(one.len, e.r[0].len);
    free(p);
}
END_TEST

/* Runs the helper with an optional environment assignment; parses its line. */
static void run_helper(const char *env, uint64_t *fp, uint64_t *canary, int *migratable)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "%s %s", env ? env : "", UA_HELPER_PATH);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    unsigned long a = 0, b = 0;
    ck_assert_int_eq(fscanf(f, "%lx %lx %d", &a, &b, migratable), 3);
    ck_assert_int_eq(pclose(f), 0);
    *fp = a;
    *canary = b;
}

START_TEST(test_fingerprint_same_binary_agrees)
{
    uint64_t fp1, fp2, c;
    int m1, m2;
    run_helper(NULL, &fp1, &c, &m1);
    run_helper(NULL, &fp2, &c, &m2);
    ck_assert(m1 && m2);
    ck_assert_uint_eq(fp1, fp2);
    ck_assert_uint_ne(fp1, ua_layout_fingerprint()); /* another binary */
    ck_assert_uint_eq(ua_layout_fingerprint(), ua_layout_fingerprint());
    ck_assert(ua_layout_migratable());
}
END_TEST

static uint64_t read_canary(void)
{
    uint64_t v;
    __asm__ volatile("movq %%fs:0x28, %0" : "=r"(v));
    return v;
}

START_TEST(test_job_canary)
{
    uint64_t fp, canary;
    int m;
    run_helper("NMPI_JOB_CANARY=0x1122334455667788", &fp, &canary, &m);
    ck_assert_uint_eq(canary, 0x1122334455667700ULL);
    run_helper("NMPI_JOB_CANARY=", &fp, &canary, &m);
    ck_assert_uint_eq(canary, 0x6e4d5049636e7200ULL); /* the default */
    const char *env = getenv("NMPI_JOB_CANARY");
    if (!env || !*env)
        ck_assert_uint_eq(read_canary(), 0x6e4d5049636e7200ULL);
    else
        ck_assert_uint_eq(read_canary(), strtoull(env, NULL, 16) & ~0xffULL);
}
END_TEST

START_TEST(test_checksum)
{
    ck_assert_uint_eq(ua_checksum_range("", 0), 0x2D06800538D394C2ULL); /* XXH3 test vectors */
    ck_assert_uint_eq(ua_checksum_range("abc", 3), 0x78AF5F94892F3950ULL);
    static unsigned char buf[4096 + 8];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 13);
    memmove(buf + 3, buf, 4096); /* same bytes, other alignment */
    static unsigned char ref[4096];
    for (unsigned i = 0; i < 4096; i++)
        ref[i] = (unsigned char)(i * 13);
    ck_assert_uint_eq(ua_checksum_range(buf + 3, 4096), ua_checksum_range(ref, 4096));
    for (size_t n = 1; n < 100; n++) {
        uint64_t h = ua_checksum_range(ref, n);
        ref[n - 1] ^= 1;
        ck_assert_uint_ne(h, ua_checksum_range(ref, n));
        ref[n - 1] ^= 1;
    }
}
END_TEST

START_TEST(test_header_slots)
{
    ck_assert_int_eq(ua_get_rank(), -1);
    ck_assert_int_eq(ua_set_rank(5), 0);
    ck_assert_int_eq(ua_get_rank(), 5);
    for (int i = 0; i < UA_ROOT_SLOTS; i++) {
        void **slot = ua_root(i);

        ck_assert(ua_in_region(slot) && *slot == NULL);
        for (int j = 0; j < i; j++)
            ck_assert_ptr_ne(slot, ua_root(j));
    }
    ck_assert_ptr_null(ua_root(-1));
    ck_assert_ptr_null(ua_root(UA_ROOT_SLOTS));
    int local;
    ck_assert(ua_in_region(&local));
    ck_assert(!ua_rank_suspended());
    ck_assert_uint_eq(((struct ua_header *)UA_REGION_BASE)->fingerprint, ua_layout_fingerprint());
}
END_TEST

Suite *test_ua_layout_suite(void)
{
    Suite *s = suite_create("uarea-layout");
    TCase *tc = tcase_create("layout");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_globals_exclude_copy_relocations);
    tcase_add_test(tc, test_restore_checks_bounds);
    tcase_add_test(tc, test_touched_ranges_list_only_touched_pages);
    tcase_add_test(tc, test_extents_cover_touched);
    tcase_add_test(tc, test_fingerprint_same_binary_agrees);
    tcase_add_test(tc, test_job_canary);
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_header_slots);
    suite_add_tcase(s, tc);
    return s;
}
