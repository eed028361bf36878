/* test_rmig_precopy.c: Check tests of pre-copy's rounds (rmig_precopy.c).
 *
 * The convergence rule case by case (round limit, small set, a set that
 * does not shrink); the dirty-set arithmetic (runs merged, unsorted and
 * overlapping runs normalized, bytes counted once). Then the rounds on a
 * tracked mapping with the first usable write-protect backend, memcpy into
 * a shadow mapping as the transport, while a writer thread stores into
 * 1% of the pages per 10 ms (a fixed set, and a set that moves along the mapping)
 * or into every page as fast as it can: after the rounds the writer is
 * stopped (the freeze), one more collect is added to what the rounds left,
 * that is copied, and the shadow must equal the memory bit for bit; the
 * rounds must have stopped by the rule (the fast writer: by "not
 * shrinking" or the round limit, never by looping). A transport that fails
 * in round 1 ends the rounds with its error, is not called again, and the
 * source memory is what the program wrote; a tracked range unmapped during
 * a round makes the rounds fail instead of reporting it clean.
 *
 * TEST_PRECOPY_MIB (default 16) sets the mapping's size; each round test
 * prints its figures (rounds, MiB per round, stop round) to the log.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xxh_x86dispatch.h>

#include "rmig_precopy.h"
#include "rmig_precopy_sender.h"
#include "rmig_precopy_sums.h"

#define PG 4096UL
/* The cluster's bytes inside page 5 of the mapping (test_rounds_bit_for_bit). */
#define HOLE_AT  (5 * PG + 96)
#define HOLE_LEN 64UL

static size_t mib(void)
{
    const char *s = getenv("TEST_PRECOPY_MIB");
    long m = s != NULL ? atol(s) : 16;

    return m >= 1 && m <= 4096 ? (size_t)m : 16;
}

/* ---- the byte budget ---------------------------------------------------- */

static const struct {
    int factor, min_rounds, rounds;
    uint64_t bytes[3], dirty;
    int want;
} budget_cases[] = {
    /* make bench-precopy's 2.49x move: a round of 8.3 MB after round 0's
     * 16.9 MB no longer goes (16.9 + 3 x 8.3 > 2 x 16.9) */
    {2, 0, 0, {16896108}, 8319312, 0},
    {2, 0, 0, {16896108}, 5632036, 1},         /* sent + 3 x dirty = 2 x round 0: goes */
    {2, 0, 0, {16896108}, 5632037, 0},         /* one byte more: does not */
    {2, 0, 1, {1 << 20, 1 << 18}, 1 << 18, 1}, /* 1 + 0.25 + 0.75 = 2 MiB: goes */
    {2, 0, 1, {1 << 20, 1 << 18}, (1 << 18) + 1, 0},
    {0, 0, 0, {16896108}, 16896108, 1},        /* no budget */
    {2, 2, 1, {1 << 20, 1 << 20}, 1 << 20, 1}, /* below min_rounds (a test hook): goes */
    {3, 0, 0, {1 << 20}, 1 << 20, 0},          /* 1 + 3 > 3: the whole set again does not */
};

START_TEST(test_budget)
{
    struct rmig_precopy_policy p = {.max_rounds = 8,
                                    .min_rounds = budget_cases[_i].min_rounds,
                                    .budget_factor = budget_cases[_i].factor};
    struct rmig_precopy_stats st = {.rounds = budget_cases[_i].rounds};

    for (int i = 0; i <= st.rounds; i++)
        st.bytes[i] = budget_cases[_i].bytes[i];
    ck_assert_int_eq(rmig_precopy_budget_ok(&p, &st, budget_cases[_i].dirty),
                     budget_cases[_i].want);
}
END_TEST

/* ---- the convergence rule ------------------------------------------------ */

static const struct {
    int max_rounds;
    uint64_t small;
    int rounds;
    uint64_t dirty, before;
    int want;
} go_cases[] = {
    {8, 1024, 0, 4096, 1 << 20, 1},             /* shrinking, above small: go on */
    {8, 1024, 8, 4096, 1 << 20, 0},             /* round limit */
    {0, 1024, 0, 4096, 1 << 20, 0},             /* no rounds after round 0 */
    {8, 4096, 3, 4096, 1 << 20, 0},             /* small enough (inclusive) */
    {8, 4096, 3, 4097, 1 << 20, 1},             /* one byte above: go on */
    {8, 0, 3, 0, 4096, 0},                      /* nothing dirty */
    {8, 1024, 3, 1 << 20, 1 << 20, 0},          /* did not shrink */
    {8, 1024, 3, 2 << 20, 1 << 20, 0},          /* grew */
    {100, 0, RMIG_PRECOPY_MAX_ROUNDS, 2, 4, 0}, /* the hard limit beats a bigger policy */
};

START_TEST(test_go_on)
{
    struct rmig_precopy_policy p = {go_cases[_i].max_rounds, go_cases[_i].small};

    ck_assert_int_eq(
        rmig_precopy_go_on(&p, go_cases[_i].rounds, go_cases[_i].dirty, go_cases[_i].before),
        go_cases[_i].want);
}
END_TEST

/* ---- dirty sets ---------------------------------------------------------- */

START_TEST(test_set_note_merges)
{
    struct rmig_precopy_set s = {0};

    rmig_precopy_set_note(0x10000, PG, &s);
    rmig_precopy_set_note(0x11000, 2 * PG, &s); /* touches: merged */
    rmig_precopy_set_note(0x20000, PG, &s);     /* apart */
    rmig_precopy_set_note(0x30000, 0, &s);      /* empty: ignored */
    ck_assert_int_eq(s.n, 2);
    ck_assert_uint_eq(s.r[0].addr, 0x10000);
    ck_assert_uint_eq(s.r[0].len, 3 * PG);
    ck_assert_uint_eq(s.r[1].addr, 0x20000);
    ck_assert_uint_eq(s.bytes, 4 * PG);
    rmig_precopy_set_free(&s);
    ck_assert_int_eq(s.n, 0);
    ck_assert_ptr_null(s.r);
}
END_TEST

START_TEST(test_set_normalize)
{
    struct rmig_precopy_set s = {0};

    /* A collect's second pass and a second collect: out of order, overlapping. */
    rmig_precopy_set_note(0x50000, 2 * PG, &s);
    rmig_precopy_set_note(0x10000, PG, &s);
    rmig_precopy_set_note(0x51000, 2 * PG, &s); /* overlaps the first by a page */
    rmig_precopy_set_note(0x30000, PG, &s);
    rmig_precopy_set_note(0x0f000, PG, &s); /* touches 0x10000 from below */
    rmig_precopy_set_note(0x50000, PG, &s); /* inside */
    rmig_precopy_set_normalize(&s);
    ck_assert_int_eq(s.n, 3);
    ck_assert_uint_eq(s.r[0].addr, 0x0f000);
    ck_assert_uint_eq(s.r[0].len, 2 * PG);
    ck_assert_uint_eq(s.r[1].addr, 0x30000);
    ck_assert_uint_eq(s.r[1].len, PG);
    ck_assert_uint_eq(s.r[2].addr, 0x50000);
    ck_assert_uint_eq(s.r[2].len, 3 * PG);
    ck_assert_uint_eq(s.bytes, 6 * PG);
    rmig_precopy_set_clear(&s);
    ck_assert_int_eq(s.n, 0);
    ck_assert_uint_eq(s.bytes, 0);
    rmig_precopy_set_normalize(&s); /* empty: nothing to do */
    rmig_precopy_set_free(&s);
}
END_TEST

#define R(a, l) ((struct rmig_dirty_range){(a), (l)})

/* A set made of the given runs, normalized. */
static void set_of(struct rmig_precopy_set *s, const struct rmig_dirty_range *r, int n)
{
    *s = (struct rmig_precopy_set){0};
    for (int i = 0; i < n; i++)
        rmig_precopy_set_note(r[i].addr, r[i].len, s);
    rmig_precopy_set_normalize(s);
}

static void expect_set(const struct rmig_precopy_set *s, const struct rmig_dirty_range *want, int n)
{
    uint64_t bytes = 0;

    ck_assert_int_eq(s->n, n);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(s->r[i].addr == want[i].addr && s->r[i].len == want[i].len,
                      "run %d: %#lx+%#lx, want %#lx+%#lx", i, (unsigned long)s->r[i].addr,
                      (unsigned long)s->r[i].len, (unsigned long)want[i].addr,
                      (unsigned long)want[i].len);
        bytes += want[i].len;
    }
    ck_assert_uint_eq(s->bytes, bytes);
}

START_TEST(test_set_clip)
{
    const struct rmig_dirty_range runs[] = {R(0x10000, 0x3000), R(0x20000, 0x1000),
                                            R(0x30000, 0x1000)};
    /* Byte bounds: globals with the cluster's objects between them. */
    const struct rmig_dirty_range allow[] = {R(0x0f000, 0x1010), R(0x10100, 0x100),
                                             R(0x11ff0, 0x20), R(0x20800, 0x10000)};
    const struct rmig_dirty_range want[] = {R(0x10000, 0x10), R(0x10100, 0x100), R(0x11ff0, 0x20),
                                            R(0x20800, 0x800), R(0x30000, 0x800)};
    struct rmig_precopy_set s;

    set_of(&s, runs, 3);
    rmig_precopy_set_clip(&s, allow, 4);
    expect_set(&s, want, 5);
    rmig_precopy_set_clip(&s, NULL, 0); /* nothing allowed: nothing left */
    expect_set(&s, NULL, 0);
    rmig_precopy_set_free(&s);
}
END_TEST

START_TEST(test_set_add_untracked)
{
    const struct rmig_dirty_range tracked[] = {R(0x10000, 0x4000), R(0x20000, 0x2000)};
    /* The heap grew above its tracked top; a range wholly before, one
     * straddling both tracked ones, one inside. */
    const struct rmig_dirty_range touched[] = {R(0x08000, 0x1000), R(0x0f000, 0x14000),
                                               R(0x30000, 0x1000)};
    const struct rmig_dirty_range dirty[] = {R(0x11000, 0x1000)};
    const struct rmig_dirty_range want[] = {R(0x08000, 0x1000), R(0x0f000, 0x1000),
                                            R(0x11000, 0x1000), R(0x14000, 0xc000),
                                            R(0x22000, 0x1000), R(0x30000, 0x1000)};
    struct rmig_precopy_set s;

    set_of(&s, dirty, 1);
    rmig_precopy_set_add_untracked(&s, touched, 3, tracked, 2);
    expect_set(&s, want, 6);
    rmig_precopy_set_clear(&s);
    rmig_precopy_set_add_untracked(&s, tracked, 2, tracked, 2); /* all tracked: nothing */
    expect_set(&s, NULL, 0);
    rmig_precopy_set_free(&s);
}
END_TEST

/* The tests' page hash: the one the library passes (ua_checksum_range),
 * XXH3, so that the figures printed have its cost. */
static uint64_t page_hash(const void *p, size_t len)
{
    return XXH3_64bits_dispatch(p, len);
}

/* ---- rounds on a tracked mapping ----------------------------------------- */

static char *map_populated(size_t len)
{
    char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(a, MAP_FAILED);
    ck_assert_int_eq(madvise(a, len, MADV_NOHUGEPAGE), 0); /* as the container region */
    for (size_t i = 0; i < len / PG; i++)
        memset(a + i * PG, (int)(i * 7 + 1), PG);
    return a;
}

/* The first usable backend that needs no pause, or -1 (the reason printed). */
static int backend(void)
{
    char why[512];

    for (int k = 0; k < RMIG_DIRTY_KINDS; k++)
        if (k != RMIG_DIRTY_SOFT && rmig_dirty_probe(k, why, sizeof(why)) == 0)
            return k;
    fprintf(stderr, "no write-protect tracker here: %s\n", why);
    return -1;
}

enum writer_kind { WRITER_NONE, WRITER_HOT, WRITER_MOVING, WRITER_ALL };

struct rig {
    char *mem, *shadow;
    size_t len;
    enum writer_kind writer;
    atomic_int stop;
    atomic_int passes; /* the writer's passes over its set */
    unsigned long writes;
    int fail_round;                      /* the transport fails this round with -EIO (0: never) */
    int calls;                           /* transport calls */
    size_t paced;                        /* bytes copied since the transport last slept */
    struct rmig_precopy_sums *src, *dst; /* sums at send, sums as landed (NULL: none) */
    int corrupt_round; /* round whose first run lands with a byte flipped (0: none) */
    int unmap_round;   /* round whose send unmaps the mapping's last page (0: none) */
};

/* The rank: 1% of the pages (hot: always the same ones; moving: a window
 * sliding along the mapping) every 10 ms, or every page round and
 * round without pause. Each store is a new value, so a lost one shows. */
static void *writer(void *arg)
{
    struct rig *g = arg;
    size_t pages = g->len / PG, step = 100, shift = HOLE_AT / PG; /* the hole's page too */
    unsigned long v = 0;

    while (!atomic_load(&g->stop)) {
        if (g->writer == WRITER_ALL) {
            for (size_t p = 0; p < pages && !atomic_load(&g->stop); p++, v++)
                *(volatile unsigned long *)(g->mem + p * PG + (v % 512) * 8) = v;
            atomic_fetch_add(&g->passes, 1);
            continue;
        }
        for (size_t p = shift; p < pages; p += step, v++)
            *(volatile unsigned long *)(g->mem + p * PG + (v % 512) * 8) = v;
        atomic_fetch_add(&g->passes, 1);
        if (g->writer == WRITER_MOVING)
            shift = (shift + 1) % step;
        usleep(10000); /* 1% of the pages per 10 ms: issue 15's benchmark rate */
    }
    g->writes = v;
    return NULL;
}

/* The transport: memcpy into the shadow at the same offset, paced at
 * about 1 GiB/s (a same-host portal's order), so the writer runs during
 * the rounds as it would during a real move. */
static int copy_round(int round, const struct rmig_dirty_range *r, int n, void *arg)
{
    struct rig *g = arg;

    g->calls++;
    if (round == g->fail_round && round > 0)
        return -EIO;
    for (int i = 0; i < n; i++) {
        size_t off = r[i].addr - (uintptr_t)g->mem;

        ck_assert_uint_le(off + r[i].len, g->len);
        if (g->src != NULL) /* summed before it is sent: the rank may write it meanwhile */
            rmig_precopy_sums_note(g->src, r[i].addr, r[i].len, 0);
        memcpy(g->shadow + off, (const void *)r[i].addr, r[i].len);
        if (round == g->corrupt_round && round > 0 && i == 0)
            g->shadow[off + r[i].len / 2] ^= 1; /* the transport damaged it */
        if (g->dst != NULL)                     /* the destination sums what landed */
            rmig_precopy_sums_note(g->dst, r[i].addr, r[i].len, g->shadow - g->mem);
        g->paced += r[i].len;
        if (g->paced >= (1 << 20)) {
            usleep((useconds_t)(g->paced >> 20) * 1000);
            g->paced &= (1 << 20) - 1;
        }
    }
    /* Round 0 lasts at least one more pass of the writer, so that it
     * surely wrote while the rounds ran, whatever the load. */
    while (round == 0 && g->writer != WRITER_NONE && atomic_load(&g->passes) < 2)
        usleep(100);
    if (round == 0 && g->writer == WRITER_NONE) /* a few pages written during round 0 */
        for (size_t p = 0; p < g->len / PG; p += 997)
            g->mem[p * PG + 5] ^= 0x5a;
    if (round == 0 && g->writer == WRITER_NONE && g->len > HOLE_AT + PG)
        g->mem[HOLE_AT + 1] ^= 0x5a; /* the cluster's object, and so its page, written */
    if (round == g->unmap_round && round > 0)
        ck_assert_int_eq(munmap(g->mem + g->len - PG, PG), 0);
    return 0;
}

static void print_figures(const char *what, const struct rig *g,
                          const struct rmig_precopy_stats *st, uint64_t stop_bytes, double stop_ms)
{
    printf("precopy %4zu MiB %-7s rounds %2d MiB/round", g->len >> 20, what, st->rounds);
    for (int i = 0; i <= st->rounds; i++)
        printf(" %.2f", (double)st->bytes[i] / (1 << 20));
    printf(" | stop %.3f MiB %.3f ms | writes %lu\n", (double)stop_bytes / (1 << 20), stop_ms,
           g->writes);
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

static const struct {
    const char *name;
    enum writer_kind writer;
} round_cases[] = {
    {"none", WRITER_NONE},
    {"hot", WRITER_HOT},
    {"moving", WRITER_MOVING},
    {"all", WRITER_ALL},
};

/* Rounds while the writer runs, the freeze, the stop-and-copy: the shadow
 * equals the memory bit for bit. */
START_TEST(test_rounds_bit_for_bit)
{
    struct rig g = {.len = mib() << 20, .writer = round_cases[_i].writer};
    struct rmig_precopy_policy p = {8, 64 * PG};
    struct rmig_precopy_set left = {0};
    struct rmig_precopy_stats st;
    struct rmig_dirty_range whole, allow[2];
    struct rmig_precopy_sums src, dst, now;
    struct rmig_precopy_job j;
    struct rmig_dirty *t;
    pthread_t w;
    double t0;
    int kind = backend();

    if (kind < 0)
        return;
    g.mem = map_populated(g.len);
    g.shadow = map_populated(g.len);
    memset(g.shadow, 0, g.len);
    whole = (struct rmig_dirty_range){(uintptr_t)g.mem, g.len};
    /* Bytes HOLE_AT..+HOLE_LEN are the cluster's (as stdout among the
     * globals): tracked with their page, never to be sent. */
    allow[0] = (struct rmig_dirty_range){(uintptr_t)g.mem, HOLE_AT};
    allow[1] = (struct rmig_dirty_range){(uintptr_t)g.mem + HOLE_AT + HOLE_LEN,
                                         g.len - HOLE_AT - HOLE_LEN};
    j = (struct rmig_precopy_job){.first = allow, .nfirst = 2, .allow = allow, .nallow = 2};
    ck_assert_int_eq(rmig_precopy_sums_init(&src, &whole, 1, allow, 2, page_hash), 0);
    ck_assert_int_eq(rmig_precopy_sums_init(&dst, &whole, 1, allow, 2, page_hash), 0);
    ck_assert_int_eq(rmig_precopy_sums_init(&now, &whole, 1, allow, 2, page_hash), 0);
    g.src = &src;
    g.dst = &dst;
    ck_assert_int_eq(rmig_dirty_start(kind, &whole, 1, &t), 0);
    j.t = t;
    if (g.writer != WRITER_NONE)
        ck_assert_int_eq(pthread_create(&w, NULL, writer, &g), 0);
    while (g.writer != WRITER_NONE && atomic_load(&g.passes) == 0)
        usleep(100); /* the rank is running when the move starts */
    ck_assert_int_eq(rmig_precopy_rounds(&j, &p, copy_round, &g, &left, &st), 0);
    ck_assert_int_eq(g.calls, st.rounds + 1);
    ck_assert_uint_eq(st.bytes[0], g.len - HOLE_LEN);
    ck_assert_uint_eq(st.left, left.bytes);
    /* Why the rounds stopped: the rule, checked on the last figures. */
    ck_assert_int_eq(rmig_precopy_go_on(&p, st.rounds, st.left,
                                        st.rounds > 0 ? st.bytes[st.rounds] : st.bytes[0]),
                     0);
    if (g.writer == WRITER_NONE) {
        /* Round 0 wrote a page every 997: round 1 resends them (above the
         * small threshold only when there are more than 64). */
        size_t written = (g.len / PG + 996) / 997 * PG + PG - HOLE_LEN; /* + the hole's page */

        ck_assert_uint_eq(st.rounds > 0 ? st.bytes[1] : st.left, written);
    }
    atomic_store(&g.stop, 1); /* the freeze */
    if (g.writer != WRITER_NONE)
        pthread_join(w, NULL);
    t0 = now_ms();
    ck_assert_int_ge(rmig_dirty_collect(t, rmig_precopy_set_note, &left), 0);
    rmig_precopy_set_normalize(&left);
    rmig_precopy_set_clip(&left, allow, 2);
    ck_assert_int_eq(copy_round(st.rounds + 1, left.r, left.n, &g), 0);
    print_figures(round_cases[_i].name, &g, &st, left.bytes, now_ms() - t0);
    if (g.writer != WRITER_NONE)
        ck_assert_msg(atomic_load(&g.passes) >= 2, "only %d passes of the writer",
                      atomic_load(&g.passes));
    for (size_t q = 0; q < g.len / PG; q++)
        if (q != HOLE_AT / PG)
            ck_assert_msg(memcmp(g.shadow + q * PG, g.mem + q * PG, PG) == 0,
                          "page %zu differs after %d rounds", q, st.rounds);
    ck_assert_int_eq(memcmp(g.shadow + HOLE_AT / PG * PG, g.mem + HOLE_AT / PG * PG, HOLE_AT % PG),
                     0);
    ck_assert_int_eq(memcmp(g.shadow + HOLE_AT + HOLE_LEN, g.mem + HOLE_AT + HOLE_LEN,
                            PG - HOLE_AT % PG - HOLE_LEN),
                     0);
    for (size_t b = HOLE_AT; b < HOLE_AT + HOLE_LEN; b++)
        ck_assert_msg(g.shadow[b] == 0, "byte %zu of the cluster's object was sent", b);
    /* The final check passes (the sums at send equal those as landed), and
     * it is sound: the sums at send are those of the frozen memory, though
     * most were taken while the writer ran. */
    ck_assert_uint_eq(rmig_precopy_sums_differ(&src, &dst), 0);
    ck_assert_int_eq(rmig_precopy_sums_note(&now, whole.addr, whole.len, 0), (long)(g.len / PG));
    ck_assert_uint_eq(rmig_precopy_sums_differ(&src, &now), 0);
    rmig_precopy_sums_free(&src);
    rmig_precopy_sums_free(&dst);
    rmig_precopy_sums_free(&now);
    rmig_precopy_set_free(&left);
    rmig_dirty_stop(t);
    munmap(g.mem, g.len);
    munmap(g.shadow, g.len);
}
END_TEST

/* The closing block's buffer: reserved (zeroed) with the sums' page count,
 * the same buffer given while it is big enough, grown when asked for more,
 * freed with the sums. */
START_TEST(test_sums_block)
{
    struct rmig_dirty_range ext[2] = {{0x100000, 3 * 4096}, {0x200000, 5 * 4096}};
    struct rmig_precopy_sums s;
    unsigned char *b, *g;

    ck_assert_int_eq(rmig_precopy_sums_init(&s, ext, 2, ext, 2, page_hash), 0);
    ck_assert_uint_eq(rmig_precopy_sums_pages(&s), 8);
    ck_assert_ptr_null(s.block);
    ck_assert_int_eq(rmig_precopy_sums_reserve(&s, 100), 0);
    b = rmig_precopy_sums_block(&s, 64);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(s.block_cap, 100);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(b[i], 0);
    ck_assert_ptr_eq(rmig_precopy_sums_block(&s, 100), b);
    b[99] = 7;
    g = rmig_precopy_sums_block(&s, 1 << 20);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(s.block_cap, 1 << 20);
    ck_assert_uint_eq(g[99], 7); /* grown, not replaced: what was written stays */
    rmig_precopy_sums_free(&s);
    ck_assert_ptr_null(s.block);
    ck_assert_uint_eq(s.block_cap, 0);
}
END_TEST

/* A page damaged in the stop round: the final check names it. */
START_TEST(test_sums_catch_corruption)
{
    struct rig g = {.len = 4 << 20, .writer = WRITER_NONE, .corrupt_round = 2};
    struct rmig_precopy_policy p = {0, 0}; /* round 0 only: the stop round is round 1 */
    struct rmig_precopy_set left = {0};
    struct rmig_precopy_sums src, dst;
    struct rmig_dirty_range whole;
    struct rmig_precopy_job j;
    struct rmig_dirty *t;
    int kind = backend();

    if (kind < 0)
        return;
    g.mem = map_populated(g.len);
    g.shadow = map_populated(g.len);
    whole = (struct rmig_dirty_range){(uintptr_t)g.mem, g.len};
    ck_assert_int_eq(rmig_precopy_sums_init(&src, &whole, 1, &whole, 1, page_hash), 0);
    ck_assert_int_eq(rmig_precopy_sums_init(&dst, &whole, 1, &whole, 1, page_hash), 0);
    g.src = &src;
    g.dst = &dst;
    ck_assert_int_eq(rmig_dirty_start(kind, &whole, 1, &t), 0);
    j = (struct rmig_precopy_job){t, &whole, 1, &whole, 1, NULL};
    ck_assert_int_eq(rmig_precopy_rounds(&j, &p, copy_round, &g, &left, NULL), 0);
    ck_assert_int_eq(left.n, 3); /* pages 0, 5 and 997, written during round 0 */
    ck_assert_uint_eq(rmig_precopy_sums_differ(&src, &dst), 0);
    ck_assert_int_eq(copy_round(2, left.r, left.n, &g), 0); /* stop round, first run damaged */
    ck_assert_uint_eq(rmig_precopy_sums_differ(&src, &dst), left.r[0].addr);
    rmig_precopy_set_free(&left);
    rmig_precopy_sums_free(&src);
    rmig_precopy_sums_free(&dst);
    rmig_dirty_stop(t);
    munmap(g.mem, g.len);
    munmap(g.shadow, g.len);
}
END_TEST

/* The transport fails in round 1: the rounds end with its error, it is not
 * called again, and the source memory is the program's own. */
START_TEST(test_round_fails)
{
    struct rig g = {.len = 4 << 20, .writer = WRITER_NONE, .fail_round = 1};
    struct rmig_precopy_policy p = {8, 0};
    struct rmig_precopy_set left = {0};
    struct rmig_precopy_stats st;
    struct rmig_dirty_range whole;
    struct rmig_precopy_job j;
    struct rmig_dirty *t;
    char *want;
    int kind = backend();

    if (kind < 0)
        return;
    g.mem = map_populated(g.len);
    g.shadow = map_populated(g.len);
    want = map_populated(g.len);
    for (size_t q = 0; q < g.len / PG; q += 997)
        want[q * PG + 5] ^= 0x5a; /* what round 0's writes leave */
    want[HOLE_AT + 1] ^= 0x5a;
    whole = (struct rmig_dirty_range){(uintptr_t)g.mem, g.len};
    ck_assert_int_eq(rmig_dirty_start(kind, &whole, 1, &t), 0);
    j = (struct rmig_precopy_job){t, &whole, 1, NULL, 0, NULL};
    ck_assert_int_eq(rmig_precopy_rounds(&j, &p, copy_round, &g, &left, &st), -EIO);
    ck_assert_int_eq(g.calls, 2);
    ck_assert_int_eq(st.rounds, 1);
    ck_assert_int_eq(memcmp(g.mem, want, g.len), 0);
    rmig_precopy_set_free(&left);
    rmig_dirty_stop(t);
    munmap(g.mem, g.len);
    munmap(g.shadow, g.len);
    munmap(want, g.len);
}
END_TEST

/* A tracked page unmapped during round 1: the collect after it fails, and
 * so do the rounds (never "nothing written"). */
START_TEST(test_tracking_broken)
{
    struct rig g = {.len = 4 << 20, .writer = WRITER_NONE, .unmap_round = 1};
    struct rmig_precopy_policy p = {8, 0};
    struct rmig_precopy_set left = {0};
    struct rmig_dirty_range whole;
    struct rmig_precopy_job j;
    struct rmig_dirty *t;
    int kind = backend(), ret;

    if (kind < 0)
        return;
    g.mem = map_populated(g.len);
    g.shadow = map_populated(g.len);
    whole = (struct rmig_dirty_range){(uintptr_t)g.mem, g.len};
    ck_assert_int_eq(rmig_dirty_start(kind, &whole, 1, &t), 0);
    j = (struct rmig_precopy_job){t, &whole, 1, NULL, 0, NULL};
    ret = rmig_precopy_rounds(&j, &p, copy_round, &g, &left, NULL);
    ck_assert_msg(ret < 0, "rounds returned %d over an unmapped page", ret);
    ck_assert_int_eq(g.calls, 2);
    rmig_precopy_set_free(&left);
    rmig_dirty_stop(t);
    munmap(g.mem, g.len - PG);
    munmap(g.shadow, g.len);
}
END_TEST

/* ---- the sender thread -------------------------------------------------- */

struct sender_job {
    struct rmig_precopy_job j;
    struct rmig_precopy_policy p;
    struct rig *g;
    struct rmig_precopy_set left;
    struct rmig_precopy_stats st;
};

static int run_rounds(void *arg, const atomic_int *cancel)
{
    struct sender_job *sj = arg;

    sj->j.cancel = cancel;
    return rmig_precopy_rounds(&sj->j, &sj->p, copy_round, sj->g, &sj->left, &sj->st);
}

/* The roles of a move: the sender thread runs the rounds while this
 * thread, the rank, keeps writing 1% of the pages per 10 ms and polls at
 * its "safe points"; when the rounds end, it freezes (stops writing) and
 * makes the stop round: the copy equals the memory bit for bit. */
START_TEST(test_sender_rounds)
{
    struct rig g = {.len = mib() << 20, .writer = WRITER_NONE};
    struct sender_job sj = {.p = {8, 64 * PG}, .g = &g};
    struct rmig_dirty_range whole;
    struct rmig_dirty *t;
    int kind = backend(), result = 1, polls = 0;
    unsigned v = 0;
    double t0;

    if (kind < 0)
        return;
    g.mem = map_populated(g.len);
    g.shadow = map_populated(g.len);
    whole = (struct rmig_dirty_range){(uintptr_t)g.mem, g.len};
    ck_assert_int_eq(rmig_dirty_start(kind, &whole, 1, &t), 0);
    sj.j = (struct rmig_precopy_job){t, &whole, 1, &whole, 1, NULL};
    ck_assert_int_eq(rmig_precopy_sender_start(), 0);
    ck_assert_int_eq(rmig_precopy_sender_start(), 0); /* already running: fine */
    ck_assert_int_eq(rmig_precopy_sender_submit(run_rounds, &sj), 0);
    while (rmig_precopy_sender_poll(&result) == 1) { /* the rank runs meanwhile */
        for (size_t p = polls % 100; p < g.len / PG; p += 100, v++)
            *(volatile unsigned *)(g.mem + p * PG + (v % 1024) * 4) = v;
        polls++;
        usleep(10000);
    }
    ck_assert_int_eq(result, 0);
    ck_assert_int_eq(rmig_precopy_sender_poll(&result), -ENOENT);                /* taken */
    ck_assert_int_ge(rmig_dirty_collect(t, rmig_precopy_set_note, &sj.left), 0); /* frozen */
    rmig_precopy_set_normalize(&sj.left);
    t0 = now_ms();
    ck_assert_int_eq(copy_round(sj.st.rounds + 1, sj.left.r, sj.left.n, &g), 0);
    g.writes = v;
    print_figures("sender", &g, &sj.st, sj.left.bytes, now_ms() - t0);
    ck_assert_msg(polls >= 1, "the rank never ran during the rounds");
    for (size_t q = 0; q < g.len / PG; q++)
        ck_assert_msg(memcmp(g.shadow + q * PG, g.mem + q * PG, PG) == 0,
                      "page %zu differs after %d rounds, %d polls", q, sj.st.rounds, polls);
    rmig_precopy_sender_stop();
    rmig_precopy_set_free(&sj.left);
    rmig_dirty_stop(t);
    munmap(g.mem, g.len);
    munmap(g.shadow, g.len);
}
END_TEST

static int until_cancelled(void *arg, const atomic_int *cancel)
{
    atomic_int *running = arg;

    atomic_store(running, 1);
    while (!atomic_load(cancel))
        usleep(1000);
    return -ECANCELED;
}

/* One job at a time; cancel, wait, poll, stop, and a stopped sender. */
START_TEST(test_sender_cancel)
{
    atomic_int running = 0;
    int result = 0;

    ck_assert_int_eq(rmig_precopy_sender_submit(until_cancelled, &running), -ENOTCONN);
    ck_assert_int_eq(rmig_precopy_sender_start(), 0);
    ck_assert_int_eq(rmig_precopy_sender_poll(&result), -ENOENT);
    ck_assert_int_eq(rmig_precopy_sender_wait(), -ENOENT);
    ck_assert_int_eq(rmig_precopy_sender_submit(until_cancelled, &running), 0);
    ck_assert_int_eq(rmig_precopy_sender_submit(until_cancelled, &running), -EBUSY);
    while (!atomic_load(&running))
        usleep(100);
    ck_assert_int_eq(rmig_precopy_sender_poll(&result), 1);
    rmig_precopy_sender_cancel();
    ck_assert_int_eq(rmig_precopy_sender_wait(), -ECANCELED);
    ck_assert_int_eq(rmig_precopy_sender_poll(&result), -ENOENT);
    atomic_store(&running, 0);
    ck_assert_int_eq(rmig_precopy_sender_submit(until_cancelled, &running), 0); /* free again */
    while (!atomic_load(&running))
        usleep(100);
    rmig_precopy_sender_stop(); /* cancels the job, ends the thread */
    ck_assert_int_eq(rmig_precopy_sender_submit(until_cancelled, &running), -ENOTCONN);
}
END_TEST

/* Cancelled rounds stop before their next send. */
START_TEST(test_rounds_cancelled)
{
    struct rig g = {.len = 1 << 20, .writer = WRITER_NONE};
    struct rmig_precopy_policy p = {8, 0};
    struct rmig_precopy_set left = {0};
    struct rmig_dirty_range whole;
    struct rmig_precopy_job j;
    atomic_int cancel = 1;

    g.mem = map_populated(g.len);
    g.shadow = map_populated(g.len);
    whole = (struct rmig_dirty_range){(uintptr_t)g.mem, g.len};
    j = (struct rmig_precopy_job){NULL, &whole, 1, NULL, 0, &cancel};
    ck_assert_int_eq(rmig_precopy_rounds(&j, &p, copy_round, &g, &left, NULL), -ECANCELED);
    ck_assert_int_eq(g.calls, 0);
    rmig_precopy_set_free(&left);
    munmap(g.mem, g.len);
    munmap(g.shadow, g.len);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rmig_precopy");
    TCase *tc = tcase_create("rounds");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_go_on, 0, (int)(sizeof(go_cases) / sizeof(go_cases[0])));
    tcase_add_loop_test(tc, test_budget, 0, (int)(sizeof(budget_cases) / sizeof(budget_cases[0])));
    tcase_add_test(tc, test_set_note_merges);
    tcase_add_test(tc, test_set_normalize);
    tcase_add_test(tc, test_set_clip);
    tcase_add_test(tc, test_set_add_untracked);
    tcase_add_loop_test(tc, test_rounds_bit_for_bit, 0,
                        (int)(sizeof(round_cases) / sizeof(round_cases[0])));
    tcase_add_test(tc, test_sums_catch_corruption);
    tcase_add_test(tc, test_sums_block);
    tcase_add_test(tc, test_round_fails);
    tcase_add_test(tc, test_tracking_broken);
    tcase_add_test(tc, test_rounds_cancelled);
    tcase_add_test(tc, test_sender_rounds);
    tcase_add_test(tc, test_sender_cancel);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
