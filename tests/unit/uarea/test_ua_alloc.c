/* test_ua_alloc.c: unit tests of the container allocator and the interposed
 * malloc family.
 *
 * The runner's main is rank code, so plain malloc() here must return container
 * memory; a pthread is runtime code and must get libc memory. Each test checks
 * both the address routing and glibc-compatible edge cases.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_ua.h"
#include "ua_internal.h"

/* Sizes hidden from the compiler, which would warn about (or fold) them. */
static volatile size_t size_max = SIZE_MAX;

static int in_region(const void *p)
{
    return (uintptr_t)p - UA_REGION_BASE < UA_REGION_SIZE;
}

/* The heap top, read through volatile: GCC assumes malloc() changes no memory
 * the caller can see, and would reuse an older load. */
static uintptr_t heap_top(void)
{
    return *(volatile uintptr_t *)&((struct ua_header *)UA_REGION_BASE)->heap.top;
}

static int heap_locked(void)
{
    return *(volatile int *)&((struct ua_header *)UA_REGION_BASE)->heap.lock;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 31 + i * 7);
}

static int check(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed * 31 + i * 7))
            return 0;
    return 1;
}

START_TEST(test_rank_malloc_is_in_container)
{
    ck_assert(ua_rank_active());
    ck_assert(ua_container_present());
    size_t sizes[] = {0, 1, 16, 100, 4096, 40000, 1 << 20};
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = malloc(sizes[i]);
        ck_assert_ptr_nonnull(p);
        ck_assert(in_region(p));
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        ck_assert_uint_ge(malloc_usable_size(p), sizes[i]);
        fill(p, sizes[i], i);
        ck_assert(check(p, sizes[i], i));
        free(p);
    }
}
END_TEST

START_TEST(test_size_classes)
{
    for (size_t s = 1; s <= UA_SMALL_MAX; s++) {
        int c = ua_heap_class_of(s);
        ck_assert_int_lt(c, UA_NCLASSES);
        ck_assert_uint_ge(ua_heap_class_size(c), s);
        if (c > 0)
            ck_assert_uint_lt(ua_heap_class_size(c - 1), s);
    }
    ck_assert_uint_eq(ua_heap_class_size(UA_NCLASSES - 1), UA_SMALL_MAX);
}
END_TEST

START_TEST(test_calloc_zeroes_and_overflows)
{
    for (size_t n = 8; n <= (1 << 20); n *= 8) {
        unsigned char *p = malloc(n);
        memset(p, 0xff, n);
        free(p);
        unsigned char *q = calloc(1, n);
        ck_assert(in_region(q));
        for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(q[i], 0);
        free(q);
    }
    errno = 0;
    ck_assert_ptr_null(calloc(size_max / 2, 3));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(test_realloc_keeps_content)
{
    size_t steps[] = {1, 24, 200, 3000, 33000, 100000, 5 << 20, 70000, 500, 10};
    unsigned char *p = realloc(NULL, 1);
    fill(p, 1, 9);
    size_t have = 1;
    for (unsigned i = 1; i < sizeof(steps) / sizeof(steps[0]); i++) {
        size_t keep = have < steps[i] ? have : steps[i];
        p = realloc(p, steps[i]);
        ck_assert_ptr_nonnull(p);
        ck_assert(in_region(p));
        ck_assert_msg(check(p, keep, 9), "content lost at step %u", i);
        fill(p, steps[i], 9);
        have = steps[i];
    }
    errno = 0;
    ck_assert_ptr_null(realloc(p, size_max - 100));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(check(p, have, 9));      /* failed realloc leaves the block alone */
    ck_assert_ptr_null(realloc(p, 0)); /* frees, like glibc */
    errno = 0;
    ck_assert_ptr_null(reallocarray(NULL, size_max / 2, 3));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(test_aligned_family)
{
    for (size_t a = 32; a <= 65536; a *= 2) {
        void *p = NULL;
        ck_assert_int_eq(posix_memalign(&p, a, 100), 0);
        void *q = aligned_alloc(a, 3 * a);
        void *r = memalign(a, 1);
        void *ps[] = {p, q, r};
        for (int i = 0; i < 3; i++) {
            ck_assert(in_region(ps[i]));
            ck_assert_uint_eq((uintptr_t)ps[i] % a, 0);
            memset(ps[i], 0x5a, i == 1 ? 3 * a : i == 0 ? 100 : 1);
        }
        ck_assert_uint_ge(malloc_usable_size(q), 3 * a);
        q = realloc(q, 10 * a); /* realloc of an aligned block keeps content */
        ck_assert_uint_eq(((unsigned char *)q)[3 * a - 1], 0x5a);
        free(p);
        free(q);
        free(r);
    }
    void *v = valloc(10), *pv = pvalloc(10);
    ck_assert_uint_eq((uintptr_t)v % UA_PAGE_SIZE, 0);
    ck_assert_uint_eq((uintptr_t)pv % UA_PAGE_SIZE, 0);
    ck_assert_uint_ge(malloc_usable_size(pv), UA_PAGE_SIZE);
    free(v);
    free(pv);
    void *p = (void *)1;
    ck_assert_int_eq(posix_memalign(&p, 24, 10), EINVAL);
    ck_assert_int_eq(posix_memalign(&p, 4, 10), EINVAL);
    ck_assert_ptr_eq(p, (void *)1);
    errno = 0;
    ck_assert_ptr_null(aligned_alloc(48, 96));
    ck_assert_int_eq(errno, EINVAL);
    void *m = memalign(48, 10); /* glibc rounds the alignment up */
    ck_assert_uint_eq((uintptr_t)m % 64, 0);
    free(m);
}
END_TEST

START_TEST(test_huge_sizes)
{
    errno = 0;
    ck_assert_ptr_null(malloc(size_max));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(malloc(UA_REGION_SIZE)); /* more than the heap */
    ck_assert_int_eq(errno, ENOMEM);
    void *p = NULL;
    ck_assert_int_eq(posix_memalign(&p, 4096, size_max - 4096), ENOMEM);
    errno = 0;
    ck_assert_ptr_null(pvalloc(size_max));
    ck_assert_int_eq(errno, ENOMEM);
    void *volatile big = malloc(1UL << 30); /* NORESERVE: free until touched */
    ck_assert(in_region(big));
    free(big);
}
END_TEST

START_TEST(test_heap_top_shrinks)
{
    uintptr_t before = heap_top();
    void *volatile p = malloc(8 << 20); /* volatile: keep the malloc/free pair */
    ck_assert_uint_ge(heap_top(), before + (8 << 20));
    free(p);
    ck_assert_uint_le(heap_top(), before + (64 << 10));
}
END_TEST

START_TEST(test_random_stress)
{
    enum { SLOTS = 1000, OPS = 30000 };
    static unsigned char *slot[SLOTS];
    static size_t len[SLOTS];
    unsigned seed = 12345;
    for (int op = 0; op < OPS; op++) {
        seed = seed * 1103515245 + 12345;
        int i = (seed >> 8) % SLOTS;
        size_t n = 1 + ((seed >> 4) % 16 == 0 ? (seed >> 12) % 300000 : (seed >> 12) % 700);
        if (slot[i]) {
            ck_assert_msg(check(slot[i], len[i], i), "slot %d corrupted", i);
            if (op % 3 == 0) {
                slot[i] = realloc(slot[i], n);
                ck_assert(check(slot[i], len[i] < n ? len[i] : n, i));
            } else {
                free(slot[i]);
                slot[i] = malloc(n);
            }
        } else {
            slot[i] = op % 5 ? malloc(n) : calloc(1, n);
        }
        ck_assert(in_region(slot[i]));
        len[i] = n;
        fill(slot[i], n, i);
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slot[i])
            ck_assert(check(slot[i], len[i], i));
        free(slot[i]);
        slot[i] = NULL;
    }
}
END_TEST

static void *alloc_on_thread(void *arg)
{
    (void)arg;
    return malloc(64);
}

static void *free_on_thread(void *arg)
{
    free(arg); /* container pointer freed from runtime context */
    return NULL;
}

START_TEST(test_runtime_context_uses_libc)
{
    void *p = test_ua_on_runtime_thread(alloc_on_thread, NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert(!in_region(p));
    ck_assert_uint_ge(malloc_usable_size(p), 64);
    p = realloc(p, 200); /* a libc block stays in libc */
    ck_assert(!in_region(p));
    free(p); /* libc pointer freed from rank context */
    void *c = malloc(64);
    ck_assert(in_region(c));
    test_ua_on_runtime_thread(free_on_thread, c);
    void *again = malloc(64); /* the freed block is reused */
    ck_assert_ptr_eq(again, c);
    free(again);
}
END_TEST

static void *free_many(void *arg)
{
    void **v = arg;
    for (int i = 0; i < 5000; i++)
        free(v[i]);
    return NULL;
}

START_TEST(test_concurrent_runtime_frees)
{
    enum { N = 4 };
    static void *blocks[N][5000];
    for (int t = 0; t < N; t++)
        for (int i = 0; i < 5000; i++)
            blocks[t][i] = malloc(16 + (i % 50) * 8);
    pthread_t th[N];
    for (int t = 0; t < N; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, free_many, blocks[t]), 0);
    for (int i = 0; i < 20000; i++) /* the rank keeps allocating meanwhile */
        free(malloc(16 + (i % 50) * 8));
    for (int t = 0; t < N; t++)
        pthread_join(th[t], NULL);
    ck_assert_int_eq(heap_locked(), 0);
}
END_TEST

/* A thread the rank starts: counted while it runs, its memory is the
 * container's. */
static void *app_thread(void *arg)
{
    int *seen = arg;

    seen[0] = ua_rank_threads();
    seen[1] = 0;
    void *p = malloc(100);
    seen[1] = in_region(p);
    free(p);
    return p;
}

static void *app_thread_exits(void *arg)
{
    (void)arg;
    pthread_exit(malloc(8)); /* counted down by its cleanup handler too */
}

START_TEST(test_application_threads_counted)
{
    int seen[2] = {-1, -1};
    pthread_t t;
    void *ret = NULL;

    ck_assert_int_eq(ua_rank_threads(), 0);
    ck_assert_int_eq(pthread_create(&t, NULL, app_thread, seen), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_int_eq(seen[0], 1);
    ck_assert_int_eq(seen[1], 1); /* allocated in the container */
    ck_assert_int_eq(ua_rank_threads(), 0);
    ck_assert_int_eq(pthread_create(&t, NULL, app_thread_exits, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert(in_region(ret));
    free(ret);
    ck_assert_int_eq(ua_rank_threads(), 0);
    /* The runtime's threads are not the application's. */
    ret = test_ua_on_runtime_thread(app_thread, seen);
    ck_assert_int_eq(seen[0], 0);
    ck_assert_int_eq(seen[1], 0);
}
END_TEST

static void *serve_thread(void *arg)
{
    (void)arg;
    int was = ua_thread_serve(1); /* as the MPI layer does for a call */
    void *p = malloc(32);
    int inside = in_region(p);

    ua_thread_serve(was);
    free(p);
    p = malloc(32);
    inside = inside && !in_region(p);
    free(p);
    return inside ? (void *)1 : NULL;
}

START_TEST(test_serving_thread_allocates_in_container)
{
    ck_assert_ptr_eq(test_ua_on_runtime_thread(serve_thread, NULL), (void *)1);
}
END_TEST

Suite *test_ua_alloc_suite(void)
{
    Suite *s = suite_create("uarea-alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rank_malloc_is_in_container);
    tcase_add_test(tc, test_size_classes);
    tcase_add_test(tc, test_calloc_zeroes_and_overflows);
    tcase_add_test(tc, test_realloc_keeps_content);
    tcase_add_test(tc, test_aligned_family);
    tcase_add_test(tc, test_huge_sizes);
    tcase_add_test(tc, test_heap_top_shrinks);
    tcase_add_test(tc, test_random_stress);
    tcase_add_test(tc, test_runtime_context_uses_libc);
    tcase_add_test(tc, test_concurrent_runtime_frees);
    tcase_add_test(tc, test_application_threads_counted);
    tcase_add_test(tc, test_serving_thread_allocates_in_container);
    suite_add_tcase(s, tc);
    return s;
}
