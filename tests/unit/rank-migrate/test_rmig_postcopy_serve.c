/* test_rmig_postcopy_serve.c: Check tests of a post-copy source's end
 * (rmig_postcopy_serve.c, rmig_postcopy_plan.c) and of the pull wire
 * (rmig_postcopy_wire.c).
 *
 * The wire: a pull and its answer decode back field for field; every field
 * changed alone, and every size but the right one, is refused. The server:
 * a pull inside the fake layout is answered with the source's bytes (or
 * EMPTY), one outside is refused with -EINVAL, a malformed one gets no
 * answer; served pages leave the push plan. The plan: ascending runs cut at
 * the chunk, every touched page exactly once, pulled ones skipped. Then the
 * whole path: a destination session whose fetch sends each pull over a
 * socketpair to a server thread (the source), touched in random order by
 * two threads while a third pushes; bit for bit. A source process
 * SIGKILLed while a thread touches missing pages makes the fetch fail and
 * lost() run, and the thread comes back: no hang.
 * Figures (stderr): pull latency per fault over the socketpair.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rmig_postcopy_fault.h"
#include "rmig_postcopy_serve.h"

#define PG     4096UL
#define NPAGES 2048 /* 8 MiB */
#define JOB    0x1234abcd5678ef00ULL
#define RANK   5

static uint8_t *src, *dst;

static uint8_t pattern(size_t page, size_t off)
{
    return (uint8_t)((page * 29u) ^ (off * 13u) ^ (off >> 9) ^ 0xa5);
}

static int empty(size_t page)
{
    return page % 13 == 4 || (page >= 1500 && page < 1600);
}

static uint8_t *map_pages(size_t n)
{
    uint8_t *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(p, MAP_FAILED);
    madvise(p, n * PG, MADV_NOHUGEPAGE);
    return p;
}

static void setup(void)
{
    src = map_pages(NPAGES);
    dst = map_pages(NPAGES);
    for (size_t i = 0; i < NPAGES; i++)
        for (size_t o = 0; !empty(i) && o < PG; o++)
            src[i * PG + o] = pattern(i, o);
}

static void teardown(void)
{
    munmap(src, NPAGES * PG);
    munmap(dst, NPAGES * PG);
}

/* ---- the wire ------------------------------------------------------------ */

START_TEST(test_pull_round_trip)
{
    struct rmig_pull p, q;

    rmig_pull_fill(&p, JOB, RANK, 0x100000200000ULL, 3 * PG, 77);
    ck_assert_int_eq(rmig_pull_decode(&p, sizeof(p), JOB, RANK, &q), 0);
    ck_assert_int_eq(memcmp(&p, &q, sizeof(p)), 0);
    ck_assert_uint_eq(q.addr, 0x100000200000ULL);
    ck_assert_uint_eq(q.len, 3 * PG);
    ck_assert_uint_eq(q.seq, 77);
}
END_TEST

/* Each field changed alone is refused; so is every other size. */
START_TEST(test_pull_refused)
{
    struct rmig_pull good, p;
    uint8_t big[sizeof(good) + 1] = {0};

    rmig_pull_fill(&good, JOB, RANK, 0x100000200000ULL, PG, 1);
    for (int k = 0; k < 12; k++) {
        p = good;
        switch (k) {
        case 0:
            p.magic ^= 1;
            break;
        case 1:
            p.version++;
            break;
        case 2:
            p.status = 1;
            break;
        case 3:
            p.job ^= 1;
            break;
        case 4:
            p.rank = RANK + 1;
            break;
        case 5:
            p.len = 0;
            break;
        case 6:
            p.len = PG + 1;
            break;
        case 7:
            p.len = RMIG_PULL_MAX + PG;
            break;
        case 8:
            p.addr += 8;
            break;
        case 9:
            p.addr = UINT64_MAX - PG + 1;
            break;
        case 10:
            p.magic = RMIG_ANSWER_MAGIC;
            break;
        default:
            p.len = RMIG_PULL_MAX;
            break; /* the largest: accepted */
        }
        ck_assert_int_eq(rmig_pull_decode(&p, sizeof(p), JOB, RANK, NULL), k == 11 ? 0 : -EBADMSG);
    }
    memcpy(big, &good, sizeof(good));
    for (size_t n = 0; n <= sizeof(big); n++)
        ck_assert_int_eq(rmig_pull_decode(big, n, JOB, RANK, NULL),
                         n == sizeof(good) ? 0 : -EBADMSG);
    ck_assert_int_eq(rmig_pull_decode(NULL, sizeof(good), JOB, RANK, NULL), -EBADMSG);
    ck_assert_int_eq(rmig_pull_decode(&good, sizeof(good), JOB, -1, NULL), -EBADMSG);
}
END_TEST

START_TEST(test_answer_refused)
{
    struct rmig_pull asked, a;
    uint8_t buf[sizeof(a) + 2 * PG];
    const void *bytes = NULL;

    rmig_pull_fill(&asked, JOB, RANK, 0x100000200000ULL, 2 * PG, 9);
    a = asked;
    a.magic = RMIG_ANSWER_MAGIC;
    memcpy(buf, &a, sizeof(a));
    memset(buf + sizeof(a), 0x3c, 2 * PG);
    ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(buf), &asked, &bytes), RMIG_PULL_BYTES);
    ck_assert_ptr_eq(bytes, buf + sizeof(a));
    ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(buf) - 1, &asked, NULL), -EBADMSG);
    ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(a), &asked, NULL), -EBADMSG);
    for (int k = 0; k < 7; k++) {
        struct rmig_pull b = a;

        switch (k) {
        case 0:
            b.magic = RMIG_PULL_MAGIC;
            break;
        case 1:
            b.version++;
            break;
        case 2:
            b.job++;
            break;
        case 3:
            b.rank++;
            break;
        case 4:
            b.addr += PG;
            break;
        case 5:
            b.len = PG;
            break;
        default:
            b.seq++;
            break;
        }
        memcpy(buf, &b, sizeof(b));
        ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(buf), &asked, NULL), -EBADMSG);
    }
    a.status = RMIG_PULL_EMPTY;
    memcpy(buf, &a, sizeof(a));
    ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(a), &asked, NULL), RMIG_PULL_EMPTY);
    ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(a) + 1, &asked, NULL), -EBADMSG);
    a.status = -EINVAL;
    memcpy(buf, &a, sizeof(a));
    ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(a), &asked, NULL), -EINVAL);
    a.status = 2;
    memcpy(buf, &a, sizeof(a));
    ck_assert_int_eq(rmig_pull_answer_decode(buf, sizeof(a), &asked, NULL), -EBADMSG);
}
END_TEST

/* ---- the server ---------------------------------------------------------- */

/* The fake layout: pages [0, NPAGES - 8) of the destination's addresses
 * are the container; the bytes are the source mapping's. */
static int fake_locate(uintptr_t addr, size_t len, const void **bytes_p, void *arg)
{
    size_t first = (addr - (uintptr_t)dst) / PG, all_empty = 1;

    (void)arg;
    if (addr < (uintptr_t)dst || addr + len > (uintptr_t)dst + (NPAGES - 8) * PG)
        return -EINVAL;
    for (size_t k = 0; k < len / PG; k++)
        all_empty &= empty(first + k);
    if (all_empty)
        return RMIG_PULL_EMPTY;
    *bytes_p = src + (addr - (uintptr_t)dst);
    return 0;
}

struct captured {
    struct rmig_pull a;
    const void *bytes;
    size_t len;
    int answers;
};

static int capture_send(const struct rmig_pull *a, const void *bytes, size_t len, void *arg)
{
    struct captured *c = arg;

    c->a = *a;
    c->bytes = bytes;
    c->len = len;
    c->answers++;
    return 0;
}

START_TEST(test_serve)
{
    struct captured c = {0};
    struct rmig_postcopy_plan plan;
    struct rmig_postcopy_range touched = {(uintptr_t)dst, 64 * PG};
    struct rmig_postcopy_server s = {JOB, RANK, fake_locate, capture_send, &c, &plan, 0, 0, 0,
                                     0,   0};
    struct rmig_pull q;
    uintptr_t a;
    size_t len;

    ck_assert_int_eq(rmig_postcopy_plan_init(&plan, &touched, 1, 64 * PG), 0);
    rmig_pull_fill(&q, JOB, RANK, (uintptr_t)dst + 10 * PG, 2 * PG, 1);
    ck_assert_int_eq(rmig_postcopy_serve(&s, &q, sizeof(q)), 0);
    ck_assert_int_eq(c.a.status, RMIG_PULL_BYTES);
    ck_assert_uint_eq(c.a.magic, RMIG_ANSWER_MAGIC);
    ck_assert_uint_eq(c.a.seq, 1);
    ck_assert_uint_eq(c.len, 2 * PG);
    ck_assert_int_eq(memcmp(c.bytes, src + 10 * PG, 2 * PG), 0);
    rmig_pull_fill(&q, JOB, RANK, (uintptr_t)dst + 4 * PG, PG, 2); /* empty */
    ck_assert_int_eq(rmig_postcopy_serve(&s, &q, sizeof(q)), 0);
    ck_assert_int_eq(c.a.status, RMIG_PULL_EMPTY);
    ck_assert_uint_eq(c.len, 0);
    rmig_pull_fill(&q, JOB, RANK, (uintptr_t)dst + (NPAGES - 9) * PG, 2 * PG, 3); /* outside */
    ck_assert_int_eq(rmig_postcopy_serve(&s, &q, sizeof(q)), 0);
    ck_assert_int_eq(c.a.status, -EINVAL);
    ck_assert_ptr_null(c.bytes);
    rmig_pull_fill(&q, JOB + 1, RANK, (uintptr_t)dst, PG, 4); /* another job: no answer */
    ck_assert_int_eq(rmig_postcopy_serve(&s, &q, sizeof(q)), -EBADMSG);
    ck_assert_int_eq(rmig_postcopy_serve(&s, &q, sizeof(q) - 1), -EBADMSG);
    ck_assert_int_eq(c.answers, 3);
    ck_assert_uint_eq(s.served, 1);
    ck_assert_uint_eq(s.empty, 1);
    ck_assert_uint_eq(s.refused, 1);
    ck_assert_uint_eq(s.malformed, 2);
    ck_assert_uint_eq(s.bytes, 2 * PG);
    /* the push skips the pages served (10, 11) and the empty one pulled (4) */
    ck_assert_int_eq(rmig_postcopy_plan_next(&plan, &a, &len), 1);
    ck_assert_uint_eq(a, (uintptr_t)dst);
    ck_assert_uint_eq(len, 4 * PG);
    ck_assert_int_eq(rmig_postcopy_plan_next(&plan, &a, &len), 1);
    ck_assert_uint_eq(a, (uintptr_t)dst + 5 * PG);
    ck_assert_uint_eq(len, 5 * PG);
    ck_assert_int_eq(rmig_postcopy_plan_next(&plan, &a, &len), 1);
    ck_assert_uint_eq(a, (uintptr_t)dst + 12 * PG);
    ck_assert_uint_eq(len, 52 * PG);
    ck_assert_int_eq(rmig_postcopy_plan_next(&plan, &a, &len), 0);
    rmig_postcopy_plan_free(&plan);
}
END_TEST

/* Every touched page exactly once, ascending, runs at most the chunk, none
 * of the pulled ones. */
START_TEST(test_plan_covers_once)
{
    static uint8_t seen[NPAGES], pulled[NPAGES];
    struct rmig_postcopy_range r[3] = {{(uintptr_t)dst + 900 * PG, 300 * PG},
                                       {(uintptr_t)dst, 37 * PG},
                                       {(uintptr_t)dst + 100 * PG, 700 * PG}};
    struct rmig_postcopy_plan plan;
    uintptr_t a, last = 0;
    size_t len, total = 0;
    unsigned seed = 3;

    ck_assert_int_eq(rmig_postcopy_plan_init(&plan, r, 3, 0), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_plan_init(&plan, r, 3, 100), -EINVAL);
    ck_assert_int_eq(rmig_postcopy_plan_init(&plan, r, 3, 16 * PG), 0);
    ck_assert_uint_eq(plan.pages, 1037);
    memset(seen, 0, sizeof(seen));
    memset(pulled, 0, sizeof(pulled));
    while (rmig_postcopy_plan_next(&plan, &a, &len)) {
        size_t first = (a - (uintptr_t)dst) / PG;

        ck_assert_uint_gt(a + 1, last);
        ck_assert_uint_le(len, 16 * PG);
        for (size_t k = 0; k < len / PG; k++) {
            ck_assert_int_eq(seen[first + k]++, 0);
            ck_assert_int_eq(pulled[first + k], 0);
        }
        total += len / PG;
        last = a + len;
        for (int k = 0; k < 3; k++) { /* pulls meanwhile, anywhere */
            size_t p = (size_t)rand_r(&seed) % NPAGES;

            if (!seen[p]) {
                pulled[p] = 1;
                rmig_postcopy_plan_sent(&plan, (uintptr_t)dst + p * PG, PG);
            }
        }
    }
    for (size_t p = 0; p < NPAGES; p++) {
        int in = p < 37 || (p >= 100 && p < 800) || (p >= 900 && p < 1200);

        ck_assert_int_eq(seen[p] || (pulled[p] && in), in);
    }
    ck_assert_uint_eq(total + plan.skipped, 1037);
    rmig_postcopy_plan_free(&plan);
}
END_TEST

/* ---- the whole path over a socketpair ------------------------------------ */

struct wire {
    int sock[2]; /* [0] the destination's end, [1] the source's */
    struct rmig_postcopy_server server;
    struct rmig_postcopy_plan plan;
    pthread_t thread;
    uint64_t seq;
    uint8_t *answer; /* the destination's receive buffer */
    int lost;
    int lost_err;
};

static int wire_send(const struct rmig_pull *a, const void *bytes, size_t len, void *arg)
{
    struct wire *w = arg;
    struct iovec iov[2] = {{(void *)a, sizeof(*a)}, {(void *)bytes, len}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = bytes ? 2 : 1};

    return sendmsg(w->sock[1], &m, 0) < 0 ? -errno : 0;
}

/* The source: answers pulls until its end is closed. */
static void *source_loop(void *arg)
{
    struct wire *w = arg;
    struct rmig_pull q;
    ssize_t n;

    while ((n = recv(w->sock[1], &q, sizeof(q) + 1, 0)) > 0)
        rmig_postcopy_serve(&w->server, &q, (size_t)n);
    return NULL;
}

/* The destination's fetch: one pull, one answer, with a timeout. */
static int wire_fetch(uintptr_t addr, size_t len, void *buf, void *arg)
{
    struct wire *w = arg;
    struct rmig_pull q;
    struct pollfd p = {.fd = w->sock[0], .events = POLLIN};
    const void *bytes;
    ssize_t n;
    int st;

    rmig_pull_fill(&q, JOB, RANK, addr, (uint32_t)len, ++w->seq);
    if (send(w->sock[0], &q, sizeof(q), MSG_NOSIGNAL) < 0)
        return -EHOSTDOWN;
    if (poll(&p, 1, 5000) <= 0)
        return -ETIMEDOUT;
    n = recv(w->sock[0], w->answer, sizeof(q) + RMIG_PULL_MAX, 0);
    if (n <= 0)
        return -EHOSTDOWN;
    st = rmig_pull_answer_decode(w->answer, (size_t)n, &q, &bytes);
    if (st == RMIG_PULL_BYTES)
        memcpy(buf, bytes, len);
    return st == RMIG_PULL_EMPTY ? RMIG_POSTCOPY_EMPTY : st == RMIG_PULL_BYTES ? 0 : st;
}

static void wire_lost(uintptr_t addr, int err, void *arg)
{
    struct wire *w = arg;

    (void)addr;
    /* read by the faulting thread, woken by the kernel: atomics */
    __atomic_store_n(&w->lost_err, err, __ATOMIC_RELEASE);
    __atomic_add_fetch(&w->lost, 1, __ATOMIC_RELEASE);
}

static void wire_open(struct wire *w)
{
    struct rmig_postcopy_range touched[2] = {{(uintptr_t)dst, 1500 * PG},
                                             {(uintptr_t)dst + 1600 * PG, 400 * PG}};

    memset(w, 0, sizeof(*w));
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, w->sock), 0);
    ck_assert_int_eq(rmig_postcopy_plan_init(&w->plan, touched, 2, 16 * PG), 0);
    w->server = (struct rmig_postcopy_server){JOB, RANK, fake_locate, wire_send, w, &w->plan,
                                              0,   0,    0,           0,         0};
    w->answer = malloc(sizeof(struct rmig_pull) + RMIG_PULL_MAX);
    ck_assert_ptr_nonnull(w->answer);
    ck_assert_int_eq(pthread_create(&w->thread, NULL, source_loop, w), 0);
}

static void wire_close(struct wire *w)
{
    shutdown(w->sock[1], SHUT_RDWR);
    pthread_join(w->thread, NULL);
    close(w->sock[0]);
    close(w->sock[1]);
    rmig_postcopy_plan_free(&w->plan);
    free(w->answer);
}

struct toucher {
    unsigned seed;
    int bad;
};

static void *touch_random(void *arg)
{
    struct toucher *t = arg;

    for (int k = 0; k < 2 * NPAGES; k++) {
        size_t i = (size_t)rand_r(&t->seed) % (NPAGES - 8), o = (size_t)rand_r(&t->seed) % PG;
        uint8_t v = *(volatile uint8_t *)&dst[i * PG + o];

        t->bad += v != (empty(i) ? 0 : pattern(i, o));
    }
    return NULL;
}

/* The source's push, through the plan, while pulls are served: the
 * pusher places what the plan gives (the transport of the push is the
 * portal stream's, tested with it). */
struct pusher {
    struct wire *w;
    struct rmig_postcopy_fault *f;
    long placed, runs;
    int err;
};

static void *push_plan(void *arg)
{
    struct pusher *p = arg;
    uintptr_t a;
    size_t len;

    while (rmig_postcopy_plan_next(&p->w->plan, &a, &len)) {
        struct timespec d = {0, 100000};
        long ret = rmig_postcopy_fault_push(p->f, a, src + (a - (uintptr_t)dst), len);

        if (ret < 0)
            p->err = (int)ret;
        else
            p->placed += ret;
        p->runs++;
        nanosleep(&d, NULL);
    }
    return NULL;
}

START_TEST(test_over_socketpair)
{
    struct wire w;
    struct rmig_postcopy_range watched = {(uintptr_t)dst, (NPAGES - 8) * PG};
    struct rmig_postcopy_ops ops = {wire_fetch, wire_lost, &w, 0};
    struct rmig_postcopy_fault *f;
    struct rmig_postcopy_stats st;
    struct toucher t[2] = {{.seed = 11}, {.seed = 12}};
    struct pusher p = {.w = &w};
    pthread_t th[3];

    wire_open(&w);
    ck_assert_int_eq(rmig_postcopy_fault_start(&watched, 1, &ops, &f), 0);
    p.f = f;
    for (int k = 0; k < 2; k++)
        pthread_create(&th[k], NULL, touch_random, &t[k]);
    pthread_create(&th[2], NULL, push_plan, &p);
    for (int k = 0; k < 2; k++)
        pthread_join(th[k], NULL);
    ck_assert_int_eq(t[0].bad + t[1].bad, 0);
    ck_assert_int_eq(__atomic_load_n(&w.lost, __ATOMIC_ACQUIRE), 0);
    rmig_postcopy_fault_stats(f, &st);
    ck_assert_uint_eq(w.server.refused + w.server.malformed, 0);
    /* at most one pull per fault: a page pushed meanwhile needs none */
    ck_assert_uint_le(w.server.served + w.server.empty, st.faults);
    ck_assert_uint_gt(w.server.served, 0);
    fprintf(stderr,
            "postcopy over a socketpair: %llu faults (%llu pages pulled, %llu zero), %.1f us per "
            "fault (max %.1f), %.1f us per page pulled\n",
            (unsigned long long)st.faults, (unsigned long long)st.pulled,
            (unsigned long long)st.zeroed, st.blocked_ns / 1e3 / (double)st.faults,
            st.max_blocked_ns / 1e3, st.blocked_ns / 1e3 / (double)(st.pulled + st.zeroed));
    pthread_join(th[2], NULL); /* the push ends: then zeros for what the source never had */
    ck_assert_int_eq(p.err, 0);
    ck_assert_int_gt(p.placed, 0);
    ck_assert_int_ge(rmig_postcopy_fault_finish(f), 0);
    ck_assert(rmig_postcopy_fault_all_present(f));
    rmig_postcopy_fault_stats(f, &st);
    ck_assert_uint_eq(st.pulled + st.zeroed + st.pushed, st.pages);
    fprintf(stderr,
            "postcopy over a socketpair: push %ld runs placed %ld pages, %llu pages "
            "skipped as pulled\n",
            p.runs, p.placed, (unsigned long long)w.plan.skipped);
    for (size_t i = 0; i < NPAGES - 8; i++)
        for (size_t o = 0; o < PG; o += 97)
            ck_assert_int_eq(dst[i * PG + o], empty(i) ? 0 : pattern(i, o));
    rmig_postcopy_fault_stop(f);
    wire_close(&w);
}
END_TEST

/* The source is a process of its own (forked: its container is the
 * source mapping it inherited), SIGKILLed while a thread of the
 * destination keeps touching pages not yet pulled: the fetch in flight or
 * the next one fails, lost() is told, and the touching thread comes back
 * (zeros, since the test's lost() returns) well within a second: no hang. */
struct killed_toucher {
    int touches;
    int stop;
};

static void *touch_until_stopped(void *arg)
{
    struct killed_toucher *t = arg;
    unsigned seed = 5;

    while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
        size_t i = (size_t)rand_r(&seed) % (NPAGES - 8);

        (void)*(volatile uint8_t *)&dst[i * PG];
        __atomic_add_fetch(&t->touches, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

START_TEST(test_source_killed)
{
    struct wire w;
    struct rmig_postcopy_range watched = {(uintptr_t)dst, (NPAGES - 8) * PG};
    struct rmig_postcopy_ops ops = {wire_fetch, wire_lost, &w, 1};
    struct rmig_postcopy_fault *f;
    struct killed_toucher t = {0, 0};
    struct timespec d = {0, 5000000};
    pthread_t th;
    pid_t source;
    int status, before;

    memset(&w, 0, sizeof(w));
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, w.sock), 0);
    w.server =
        (struct rmig_postcopy_server){JOB, RANK, fake_locate, wire_send, &w, NULL, 0, 0, 0, 0, 0};
    source = fork();
    ck_assert_int_ge(source, 0);
    if (source == 0) {
        close(w.sock[0]);
        source_loop(&w);
        _exit(0);
    }
    close(w.sock[1]);
    w.answer = malloc(sizeof(struct rmig_pull) + RMIG_PULL_MAX);
    ck_assert_int_eq(rmig_postcopy_fault_start(&watched, 1, &ops, &f), 0);
    ck_assert_int_eq(dst[PG + 5], pattern(1, 5)); /* the source answers */
    pthread_create(&th, NULL, touch_until_stopped, &t);
    nanosleep(&d, NULL);
    before = __atomic_load_n(&t.touches, __ATOMIC_RELAXED);
    ck_assert_int_eq(kill(source, SIGKILL), 0);
    ck_assert_int_eq(waitpid(source, &status, 0), source);
    nanosleep(&d, NULL);
    for (int k = 0; k < 200 && __atomic_load_n(&w.lost, __ATOMIC_ACQUIRE) == 0; k++)
        nanosleep(&d, NULL); /* at most a second */
    ck_assert_int_ge(__atomic_load_n(&w.lost, __ATOMIC_ACQUIRE), 1);
    ck_assert_int_eq(__atomic_load_n(&w.lost_err, __ATOMIC_ACQUIRE), -EHOSTDOWN);
    __atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL); /* the toucher came back */
    ck_assert_int_gt(before, 0);
    fprintf(stderr,
            "postcopy source killed: %d touches before the kill, %d after; lost() told "
            "%d times\n",
            before, t.touches - before, w.lost);
    rmig_postcopy_fault_stop(f);
    close(w.sock[0]);
    free(w.answer);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rmig_postcopy_serve");
    TCase *tc = tcase_create("serve");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pull_round_trip);
    tcase_add_test(tc, test_pull_refused);
    tcase_add_test(tc, test_answer_refused);
    tcase_add_test(tc, test_serve);
    tcase_add_test(tc, test_plan_covers_once);
    tcase_add_test(tc, test_over_socketpair);
    tcase_add_test(tc, test_source_killed);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
