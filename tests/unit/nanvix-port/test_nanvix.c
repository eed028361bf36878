/* test_nanvix.c: Check tests of nanvix-port/, run by every cluster of a job.
 *
 * Started as `mpiexec.hydra -n N test_nanvix` with CK_FORK=no: every cluster
 * runs the same tests in the same order and asserts on its own share; a
 * fence in each test's teardown keeps the clusters in step. test_nanvix.sh
 * runs it with several cluster counts and providers.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "nanvix.h"

static int me, n;

static int next_of(int c)
{
    return (c + 1) % n;
}

static int prev_of(int c)
{
    return (c + n - 1) % n;
}

static void fence(void)
{
    ck_assert_int_eq(kjob_fence(), 0);
}

static void teardown(void)
{
    kjob_fence();
}

static uint64_t checksum(const unsigned char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void fill(unsigned char *p, size_t len, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1664525u + 1013904223u;
        p[i] = (unsigned char)(x >> 24);
    }
}

/* ---- node ---------------------------------------------------------------- */

START_TEST(test_node_numbers)
{
    ck_assert_int_eq(n, atoi(getenv("PMI_SIZE")));
    ck_assert_int_eq(me, atoi(getenv("PMI_RANK")));
    ck_assert(knode_is_valid(0) && knode_is_valid(n - 1));
    ck_assert(!knode_is_valid(-1) && !knode_is_valid(n) && !knode_is_valid(KNODE_MAX));
    ck_assert_int_eq(knode_setup(), 0); /* idempotent */
    ck_assert_int_eq(knode_get_num(), me);
    ck_assert_int_eq(knode_in_kernel(), 0);
    char name[256];
    ck_assert_int_eq(knode_get_name(name, sizeof(name)), 0);
    ck_assert_int_gt((int)strlen(name), 0);
    ck_assert_int_eq(knode_get_name(name, 1), -EINVAL);
    ck_assert(knode_wtime() > 0.0);
    /* One host (Hydra on this machine): every cluster is on host 0, named
     * as this one. tests/hosts/span.sh covers several hosts. */
    char peer[256];
    for (int c = 0; c < n; c++) {
        ck_assert_int_eq(knode_host_of(c), 0);
        ck_assert_int_eq(knode_host_name(c, peer, sizeof(peer)), 0);
        ck_assert_str_eq(peer, name);
    }
    ck_assert_int_eq(knode_host_of(-1), -EINVAL);
    ck_assert_int_eq(knode_host_of(n), -EINVAL);
    ck_assert_int_eq(knode_host_name(n, peer, sizeof(peer)), -EINVAL);
    ck_assert_int_eq(knode_host_name(0, peer, 1), -EINVAL);
    ck_assert_int_eq(knode_host_name(0, NULL, 8), -EINVAL);
}
END_TEST

START_TEST(test_kjob)
{
    char val[1100], want[64];
    snprintf(val, sizeof(val), "%llx", (unsigned long long)knode_job_token());
    ck_assert_int_eq(kjob_put("token", val), 0);
    snprintf(val, sizeof(val), "value-of-%d", me);
    ck_assert_int_eq(kjob_put("v", val), 0);
    fence();
    for (int c = 0; c < n; c++) {
        snprintf(want, sizeof(want), "value-of-%d", c);
        ck_assert_int_eq(kjob_get(c, "v", val, sizeof(val)), (int)strlen(want));
        ck_assert_str_eq(val, want);
        snprintf(want, sizeof(want), "%llx", (unsigned long long)knode_job_token());
        ck_assert_int_ge(kjob_get(c, "token", val, sizeof(val)), 0);
        ck_assert_str_eq(val, want);
    }
    ck_assert_int_lt(kjob_get(0, "no-such-key", val, sizeof(val)), 0);
    ck_assert_int_eq(kjob_get(n, "v", val, sizeof(val)), -EINVAL);
    ck_assert_int_eq(kjob_put("bad key", "x"), -EINVAL);
    ck_assert_int_eq(kjob_put("k", "a=b"), -EINVAL);
    ck_assert_int_eq(kjob_put(NULL, "x"), -EINVAL);
}
END_TEST

/* ---- mailbox ------------------------------------------------------------- */

START_TEST(test_mailbox_order_and_sizes)
{
    static unsigned char out[KMAILBOX_MESSAGE_SIZE + 16], in[KMAILBOX_MESSAGE_SIZE + 16];
    /* Up to the cell size of the rings and beyond what the fabric injects
     * (libfabric's shm and tcp;ofi_rxm change protocol above 4 and 16 KiB). */
    const size_t sizes[] = {0,
                            1,
                            100,
                            4095,
                            4096,
                            4097,
                            8192,
                            8193,
                            16384,
                            16385,
                            32768,
                            KMAILBOX_MESSAGE_SIZE - 1,
                            KMAILBOX_MESSAGE_SIZE};
    const int nsizes = sizeof(sizes) / sizeof(sizes[0]), rounds = 20;
    int inbox = kmailbox_create(me, 1);
    ck_assert_int_ge(inbox, 0);
    fence();
    int outbox = kmailbox_open(next_of(me), 1);
    ck_assert_int_ge(outbox, 0);
    for (int r = 0; r < rounds; r++) {
        for (int s = 0; s < nsizes; s++) {
            fill(out, sizes[s], (unsigned)(me * 1000 + r * 10 + s));
            ck_assert_int_eq(kmailbox_write(outbox, out, sizes[s]), (ssize_t)sizes[s]);
        }
    }
    ck_assert_int_eq(kmailbox_write(outbox, out, KMAILBOX_MESSAGE_SIZE + 1), -EINVAL);
    int from = prev_of(me);
    for (int r = 0; r < rounds; r++) {
        for (int s = 0; s < nsizes; s++) {
            if (sizes[s] > 0)
                ck_assert_int_eq(kmailbox_read(inbox, in, sizes[s] - 1), -EMSGSIZE);
            ck_assert_int_eq(kmailbox_read(inbox, in, sizeof(in)), (ssize_t)sizes[s]);
            fill(out, sizes[s], (unsigned)(from * 1000 + r * 10 + s));
            ck_assert(memcmp(in, out, sizes[s]) == 0);
        }
    }
    ck_assert_int_eq(kmailbox_tryread(inbox, in, sizeof(in)), -EAGAIN);
    fence();
    ck_assert_int_eq(kmailbox_close(outbox), 0);
    ck_assert_int_eq(kmailbox_unlink(inbox), 0);
}
END_TEST

/* Messages written before the receiver creates its mailbox are kept. */
START_TEST(test_mailbox_before_create)
{
    int outbox = kmailbox_open(next_of(me), 2);
    for (int i = 0; i < 100; i++) {
        int msg[2] = {me, i};
        ck_assert_int_eq(kmailbox_write(outbox, msg, sizeof(msg)), (ssize_t)sizeof(msg));
    }
    fence();
    int inbox = kmailbox_create(me, 2);
    ck_assert_int_ge(inbox, 0);
    for (int i = 0; i < 100; i++) {
        int msg[2];
        ck_assert_int_eq(kmailbox_read(inbox, msg, sizeof(msg)), (ssize_t)sizeof(msg));
        ck_assert_int_eq(msg[0], prev_of(me));
        ck_assert_int_eq(msg[1], i);
    }
    fence();
    ck_assert_int_eq(kmailbox_close(outbox), 0);
    ck_assert_int_eq(kmailbox_unlink(inbox), 0);
}
END_TEST

/* Every cluster (0 included: loopback) writes 1000 messages to cluster 0. */
START_TEST(test_mailbox_many_writers)
{
    const int count = 1000;
    int inbox = -1;
    if (me == 0)
        ck_assert_int_ge(inbox = kmailbox_create(0, 3), 0);
    fence();
    int outbox = kmailbox_open(0, 3);
    int half = me == 0 ? count / 2 : count; /* cluster 0 interleaves reads */
    for (int i = 0; i < half; i++) {
        int msg[2] = {me, i};
        ck_assert_int_eq(kmailbox_write(outbox, msg, sizeof(msg)), (ssize_t)sizeof(msg));
    }
    if (me == 0) {
        int *next = calloc((size_t)n, sizeof(int)), total = 0;
        while (total < n * count) {
            int msg[2];
            if (next[0] == half && half < count) {
                for (int i = half; i < count; i++) {
                    int m2[2] = {0, i};
                    ck_assert_int_eq(kmailbox_write(outbox, m2, sizeof(m2)), 8);
                }
                half = count;
            }
            ck_assert_int_eq(kmailbox_read(inbox, msg, sizeof(msg)), (ssize_t)sizeof(msg));
            ck_assert(msg[0] >= 0 && msg[0] < n);
            ck_assert_int_eq(msg[1], next[msg[0]]);
            next[msg[0]]++;
            total++;
        }
        for (int c = 0; c < n; c++)
            ck_assert_int_eq(next[c], count);
        free(next);
        ck_assert_int_eq(kmailbox_tryread(inbox, NULL, 0), -EAGAIN);
        ck_assert_int_eq(kmailbox_unlink(inbox), 0);
    }
    ck_assert_int_eq(kmailbox_close(outbox), 0);
}
END_TEST

/* kmailbox_write2 sends head + body as one message, bytes in order, with
 * any split (an empty body, an empty head); kmailbox_tryread_queued returns
 * what is already here, in order, and -EAGAIN (never blocking) when nothing
 * is: after a blocking read took the first message, the second is found by
 * queued reads alone (the ring) or once some progress (knode_poll) brought
 * it (the fabric). */
START_TEST(test_mailbox_write2_and_queued)
{
    static unsigned char out[KMAILBOX_MESSAGE_SIZE], in[KMAILBOX_MESSAGE_SIZE];
    const size_t split[][2] = {{48, 3000}, {7, 0}, {0, 5}, {48, KMAILBOX_MESSAGE_SIZE - 48}};
    const size_t nsplit = sizeof(split) / sizeof(split[0]);
    int inbox = kmailbox_create(me, 6), outbox = kmailbox_open(next_of(me), 6);
    ck_assert_int_ge(inbox, 0);
    ck_assert_int_ge(outbox, 0);
    fence();
    ck_assert_int_eq(kmailbox_write2(outbox, NULL, 3, out, 1), -EINVAL);
    ck_assert_int_eq(kmailbox_write2(outbox, out, 1, NULL, 3), -EINVAL);
    ck_assert_int_eq(kmailbox_write2(outbox, out, 8, out, KMAILBOX_MESSAGE_SIZE), -EINVAL);
    for (size_t i = 0; i < nsplit; i++) {
        size_t h = split[i][0], b = split[i][1];
        fill(out, h + b, (unsigned)(me * 100 + i));
        ck_assert_int_eq(kmailbox_write2(outbox, out, h, b ? out + h : NULL, b), (ssize_t)(h + b));
    }
    fence();
    for (size_t i = 0; i < nsplit; i++) {
        size_t len = split[i][0] + split[i][1];
        ssize_t got;
        if (i == 0) {
            got = kmailbox_read(inbox, in, sizeof(in));
        } else {
            while ((got = kmailbox_tryread_queued(inbox, in, sizeof(in))) == -EAGAIN)
                knode_poll();
        }
        ck_assert_int_eq(got, (ssize_t)len);
        fill(out, len, (unsigned)(prev_of(me) * 100 + i));
        ck_assert(memcmp(in, out, len) == 0);
    }
    ck_assert_int_eq(kmailbox_tryread_queued(inbox, in, sizeof(in)), -EAGAIN);
    fence();
    ck_assert_int_eq(kmailbox_close(outbox), 0);
    ck_assert_int_eq(kmailbox_unlink(inbox), 0);
}
END_TEST

START_TEST(test_mailbox_errors)
{
    char buf[16];
    ck_assert_int_eq(kmailbox_create(next_of(me) == me ? -1 : next_of(me), 4), -EINVAL);
    ck_assert_int_eq(kmailbox_create(me, -1), -EINVAL);
    ck_assert_int_eq(kmailbox_create(me, KMAILBOX_PORT_MAX), -EINVAL);
    ck_assert_int_eq(kmailbox_open(-1, 0), -EINVAL);
    ck_assert_int_eq(kmailbox_open(n, 0), -EINVAL);
    ck_assert_int_eq(kmailbox_open(0, KMAILBOX_PORT_MAX), -EINVAL);
    int in = kmailbox_create(me, 4);
    ck_assert_int_ge(in, 0);
    ck_assert_int_eq(kmailbox_create(me, 4), -EBUSY);
    ck_assert_int_eq(kmailbox_tryread(in, buf, sizeof(buf)), -EAGAIN);
    ck_assert_int_eq(kmailbox_tryread(in, NULL, 5), -EINVAL);
    ck_assert_int_eq(kmailbox_write(in, buf, 1), -EBADF);
    ck_assert_int_eq(kmailbox_close(in), -EBADF);
    int out = kmailbox_open(me, 4);
    ck_assert_int_ge(out, 0);
    ck_assert_int_eq(kmailbox_read(out, buf, sizeof(buf)), -EBADF);
    ck_assert_int_eq(kmailbox_unlink(out), -EBADF);
    ck_assert_int_eq(kmailbox_write(out, NULL, 3), -EINVAL);
    ck_assert_int_eq(kmailbox_write(out, buf, 5), 5); /* loopback */
    ck_assert_int_eq(kmailbox_read(in, buf, sizeof(buf)), 5);
    ck_assert_int_eq(kmailbox_close(out), 0);
    ck_assert_int_eq(kmailbox_close(out), -EBADF);
    ck_assert_int_eq(kmailbox_write(out, buf, 1), -EBADF);
    ck_assert_int_eq(kmailbox_unlink(in), 0);
    ck_assert_int_eq(kmailbox_unlink(in), -EBADF);
    ck_assert_int_eq(kmailbox_read(in, buf, sizeof(buf)), -EBADF);
    ck_assert_int_eq(kmailbox_read(12345, buf, sizeof(buf)), -EBADF);
    ck_assert_int_eq(kmailbox_write(-7, buf, 1), -EBADF);
    /* The port is free again and works after re-creation. */
    in = kmailbox_create(me, 4);
    ck_assert_int_ge(in, 0);
    out = kmailbox_open(me, 4);
    ck_assert_int_eq(kmailbox_write(out, "abc", 3), 3);
    ck_assert_int_eq(kmailbox_read(in, buf, sizeof(buf)), 3);
    ck_assert_int_eq(kmailbox_close(out), 0);
    ck_assert_int_eq(kmailbox_unlink(in), 0);
}
END_TEST

static void *writer_thread(void *arg)
{
    int outbox = kmailbox_open(next_of(me), 7);
    for (int i = 0; i < 2000; i++) {
        int msg[2] = {me, i};
        if (kmailbox_write(outbox, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
            return (void *)1;
    }
    kmailbox_close(outbox);
    return arg;
}

/* A second thread writes while the main thread reads: the layer serialises
 * them and neither starves. */
START_TEST(test_mailbox_threads)
{
    pthread_t t;
    int inbox = kmailbox_create(me, 7);
    ck_assert_int_ge(inbox, 0);
    fence();
    ck_assert_int_eq(pthread_create(&t, NULL, writer_thread, NULL), 0);
    for (int i = 0; i < 2000; i++) {
        int msg[2];
        ck_assert_int_eq(kmailbox_read(inbox, msg, sizeof(msg)), (ssize_t)sizeof(msg));
        ck_assert_int_eq(msg[0], prev_of(me));
        ck_assert_int_eq(msg[1], i);
    }
    void *ret;
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_ptr_null(ret);
    ck_assert_int_eq(knode_in_kernel(), 0);
    fence();
    ck_assert_int_eq(kmailbox_unlink(inbox), 0);
}
END_TEST

/* ---- portal -------------------------------------------------------------- */

static const size_t portal_sizes[] = {0, 1, 4095, 4096, 4097, 1 << 20, 16 << 20};
#define NSIZES (int)(sizeof(portal_sizes) / sizeof(portal_sizes[0]))

/* Each cluster writes to its next and reads from its previous. When
 * allow_first, the receiver posts its read before the sender writes. */
static void portal_ring(int allow_first)
{
    size_t max = 16 << 20;
    unsigned char *out = malloc(max), *in = malloc(max + 64);
    int port = 10 + allow_first;
    int pin = kportal_create(me, port);
    ck_assert_int_ge(pin, 0);
    int pout = kportal_open(me, 20, next_of(me), port);
    ck_assert_int_ge(pout, 0);
    for (int s = 0; s < NSIZES; s++) {
        size_t size = portal_sizes[s];
        fill(out, size, (unsigned)(me * 77 + s));
        memset(in, 0xee, size);
        if (allow_first) {
            ck_assert_int_eq(kportal_allow(pin, prev_of(me), 20), 0);
            ck_assert_int_eq(kportal_aread(pin, in, size), 0);
            fence();
            ck_assert_int_eq(kportal_write(pout, out, size), (ssize_t)size);
            ck_assert_int_eq(kportal_wait(pin), (ssize_t)size);
        } else {
            ck_assert_int_eq(kportal_awrite(pout, out, size), 0);
            fence();
            ck_assert_int_eq(kportal_allow(pin, prev_of(me), 20), 0);
            ck_assert_int_eq(kportal_read(pin, in, size), (ssize_t)size);
            while (kportal_test(pout) == 0)
                ;
            ck_assert_int_eq(kportal_wait(pout), (ssize_t)size);
        }
        fill(out, size, (unsigned)(prev_of(me) * 77 + s));
        ck_assert(checksum(in, size) == checksum(out, size));
    }
    fence();
    ck_assert_int_eq(kportal_close(pout), 0);
    ck_assert_int_eq(kportal_unlink(pin), 0);
    free(out);
    free(in);
}

START_TEST(test_portal_allow_first)
{
    portal_ring(1);
}
END_TEST

START_TEST(test_portal_write_first)
{
    portal_ring(0);
}
END_TEST

/* A read into a larger buffer returns the length written. */
START_TEST(test_portal_larger_buffer)
{
    char out[300], in[1000];
    memset(out, me, sizeof(out));
    int pin = kportal_create(me, 30);
    int pout = kportal_open(me, 31, next_of(me), 30);
    ck_assert_int_eq(kportal_allow(pin, prev_of(me), 31), 0);
    ck_assert_int_eq(kportal_aread(pin, in, sizeof(in)), 0);
    ck_assert_int_eq(kportal_write(pout, out, sizeof(out)), (ssize_t)sizeof(out));
    ck_assert_int_eq(kportal_wait(pin), (ssize_t)sizeof(out));
    ck_assert_int_eq(in[299], (char)prev_of(me));
    fence();
    ck_assert_int_eq(kportal_close(pout), 0);
    ck_assert_int_eq(kportal_unlink(pin), 0);
}
END_TEST

/* A read withdrawn by kportal_unlink gets nothing: the next write lands in
 * the read posted after it, and the withdrawn buffer keeps its bytes. */
START_TEST(test_portal_abandoned_read)
{
    static char out[5000], old[5000], in[5000];
    memset(out, me + 1, sizeof(out));
    memset(old, 0x5a, sizeof(old));
    memset(in, 0, sizeof(in));
    int pin = kportal_create(me, 50);
    ck_assert_int_ge(pin, 0);
    ck_assert_int_eq(kportal_allow(pin, prev_of(me), 51), 0);
    ck_assert_int_eq(kportal_aread(pin, old, sizeof(old)), 0);
    ck_assert_int_eq(kportal_unlink(pin), 0);
    pin = kportal_create(me, 50);
    ck_assert_int_ge(pin, 0);
    ck_assert_int_eq(kportal_allow(pin, prev_of(me), 51), 0);
    ck_assert_int_eq(kportal_aread(pin, in, sizeof(in)), 0);
    fence(); /* every read is withdrawn and posted again before any write */
    int pout = kportal_open(me, 51, next_of(me), 50);
    ck_assert_int_ge(pout, 0);
    ck_assert_int_eq(kportal_write(pout, out, sizeof(out)), (ssize_t)sizeof(out));
    ck_assert_int_eq(kportal_wait(pin), (ssize_t)sizeof(in));
    for (size_t i = 0; i < sizeof(in); i++) {
        ck_assert_int_eq(in[i], (char)(prev_of(me) + 1));
        ck_assert_int_eq(old[i], 0x5a);
    }
    fence();
    ck_assert_int_eq(kportal_close(pout), 0);
    ck_assert_int_eq(kportal_unlink(pin), 0);
}
END_TEST

START_TEST(test_portal_errors)
{
    char buf[8];
    ck_assert_int_eq(kportal_create(-1, 0), -EINVAL);
    ck_assert_int_eq(kportal_create(n, 0), -EINVAL);
    ck_assert_int_eq(kportal_create(me, -1), -EINVAL);
    ck_assert_int_eq(kportal_create(me, KPORTAL_PORT_MAX), -EINVAL);
    ck_assert_int_eq(kportal_open(me, 0, n, 0), -EINVAL);
    ck_assert_int_eq(kportal_open(me, 0, -1, 0), -EINVAL);
    ck_assert_int_eq(kportal_open(me, KPORTAL_PORT_MAX, 0, 0), -EINVAL);
    ck_assert_int_eq(kportal_open(me, 0, 0, -3), -EINVAL);
    if (n > 1)
        ck_assert_int_eq(kportal_open(next_of(me), 0, 0, 0), -EINVAL);
    int pin = kportal_create(me, 40);
    ck_assert_int_ge(pin, 0);
    ck_assert_int_eq(kportal_create(me, 40), -EBUSY);
    ck_assert_int_eq(kportal_aread(pin, buf, sizeof(buf)), -EINVAL); /* not allowed */
    ck_assert_int_eq(kportal_wait(pin), -EINVAL);                    /* nothing started */
    ck_assert_int_eq(kportal_test(pin), -EINVAL);
    ck_assert_int_eq(kportal_allow(pin, n, 0), -EINVAL);
    ck_assert_int_eq(kportal_allow(pin, 0, -1), -EINVAL);
    ck_assert_int_eq(kportal_awrite(pin, buf, 1), -EBADF);
    int pout = kportal_open(me, 41, me, 40);
    ck_assert_int_ge(pout, 0);
    ck_assert_int_eq(kportal_allow(pout, me, 41), -EBADF);
    ck_assert_int_eq(kportal_read(pout, buf, 1), -EBADF);
    ck_assert_int_eq(kportal_unlink(pout), -EBADF);
    ck_assert_int_eq(kportal_close(pin), -EBADF);
    /* Loopback, and a read into a too small buffer (on tcp;ofi_rxm a
     * truncated receive breaks the connection: shm only). */
    const char *prov = getenv("FI_PROVIDER");
    ck_assert_int_eq(kportal_allow(pin, me, 41), 0);
    ck_assert_int_eq(kportal_aread(pin, buf, 4), 0);
    ck_assert_int_eq(kportal_aread(pin, buf, 4), -EBUSY);
    if (prov == NULL || strcmp(prov, "shm") == 0) {
        ck_assert_int_eq(kportal_write(pout, "12345678", 8), 8);
        ck_assert_int_eq(kportal_wait(pin), -EMSGSIZE);
    } else {
        ck_assert_int_eq(kportal_write(pout, "1234", 4), 4);
        ck_assert_int_eq(kportal_wait(pin), 4);
    }
    ck_assert_int_eq(kportal_allow(pin, me, 41), 0);
    ck_assert_int_eq(kportal_awrite(pout, "abcdefgh", 8), 0);
    ck_assert_int_eq(kportal_read(pin, buf, 8), 8);
    ck_assert_int_eq(kportal_wait(pout), 8);
    ck_assert(memcmp(buf, "abcdefgh", 8) == 0);
    ck_assert_int_eq(kportal_close(pout), 0);
    ck_assert_int_eq(kportal_close(pout), -EBADF);
    ck_assert_int_eq(kportal_unlink(pin), 0);
    ck_assert_int_eq(kportal_unlink(pin), -EBADF);
    ck_assert_int_eq(kportal_wait(pin), -EBADF);
    ck_assert_int_eq(kportal_test(9999), -EBADF);
}
END_TEST

/* ---- sync ---------------------------------------------------------------- */

START_TEST(test_sync_one_to_all)
{
    if (n < 2)
        return; /* a sync needs two clusters */
    int *nodes = malloc((size_t)n * sizeof(int));
    for (int round = 0; round < 10; round++) {
        int master = round % n;
        for (int i = 0; i < n; i++)
            nodes[i] = (master + i) % n;
        if (me == master) {
            int id = ksync_open(nodes, n, KSYNC_ONE_TO_ALL);
            ck_assert_int_ge(id, 0);
            ck_assert_int_eq(ksync_wait(id), -EBADF);
            ck_assert_int_eq(ksync_signal(id), 0);
            ck_assert_int_eq(ksync_close(id), 0);
            ck_assert_int_eq(ksync_close(id), -EBADF);
        } else {
            int id = ksync_create(nodes, n, KSYNC_ONE_TO_ALL);
            ck_assert_int_ge(id, 0);
            ck_assert_int_eq(ksync_signal(id), -EBADF);
            ck_assert_int_eq(ksync_wait(id), 0);
            ck_assert_int_eq(ksync_unlink(id), 0);
        }
    }
    free(nodes);
}
END_TEST

START_TEST(test_sync_all_to_one)
{
    if (n < 2)
        return; /* a sync needs two clusters */
    int *nodes = malloc((size_t)n * sizeof(int));
    for (int round = 0; round < 10; round++) {
        int master = round % n;
        for (int i = 0; i < n; i++)
            nodes[i] = (master + i) % n;
        if (me == master) {
            int id = ksync_create(nodes, n, KSYNC_ALL_TO_ONE);
            ck_assert_int_ge(id, 0);
            ck_assert_int_eq(ksync_wait(id), 0);
            ck_assert_int_eq(ksync_unlink(id), 0);
        } else {
            int id = ksync_open(nodes, n, KSYNC_ALL_TO_ONE);
            ck_assert_int_ge(id, 0);
            ck_assert_int_eq(ksync_signal(id), 0);
            ck_assert_int_eq(ksync_close(id), 0);
        }
    }
    free(nodes);
}
END_TEST

/* A full barrier out of the two kinds, many times, with no fence between. */
START_TEST(test_sync_barrier_loop)
{
    if (n < 2)
        return; /* a sync needs two clusters */
    int *nodes = malloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        nodes[i] = i;
    int a2o =
        me == 0 ? ksync_create(nodes, n, KSYNC_ALL_TO_ONE) : ksync_open(nodes, n, KSYNC_ALL_TO_ONE);
    int o2a =
        me == 0 ? ksync_open(nodes, n, KSYNC_ONE_TO_ALL) : ksync_create(nodes, n, KSYNC_ONE_TO_ALL);
    ck_assert(a2o >= 0 && o2a >= 0);
    for (int r = 0; r < 200; r++) {
        if (me == 0) {
            ck_assert_int_eq(ksync_wait(a2o), 0);
            ck_assert_int_eq(ksync_signal(o2a), 0);
        } else {
            ck_assert_int_eq(ksync_signal(a2o), 0);
            ck_assert_int_eq(ksync_wait(o2a), 0);
        }
    }
    if (me == 0) {
        ck_assert_int_eq(ksync_unlink(a2o), 0);
        ck_assert_int_eq(ksync_close(o2a), 0);
    } else {
        ck_assert_int_eq(ksync_close(a2o), 0);
        ck_assert_int_eq(ksync_unlink(o2a), 0);
    }
    free(nodes);
}
END_TEST

START_TEST(test_sync_errors)
{
    int nodes[3] = {0, 1 % n, 0};
    ck_assert_int_eq(ksync_create(nodes, 3, KSYNC_ONE_TO_ALL), -EINVAL); /* duplicate */
    ck_assert_int_eq(ksync_create(NULL, 2, KSYNC_ONE_TO_ALL), -EINVAL);
    ck_assert_int_eq(ksync_create(nodes, 1, KSYNC_ONE_TO_ALL), -EINVAL);
    ck_assert_int_eq(ksync_create(nodes, 2, 7), -EINVAL);
    int bad[2] = {0, n};
    ck_assert_int_eq(ksync_open(bad, 2, KSYNC_ONE_TO_ALL), -EINVAL);
    if (n > 1) {
        int pair[2] = {me, next_of(me)}; /* I am the master */
        ck_assert_int_eq(ksync_create(pair, 2, KSYNC_ONE_TO_ALL), -EINVAL);
        ck_assert_int_eq(ksync_open(pair, 2, KSYNC_ALL_TO_ONE), -EINVAL);
        if (n > 2) {
            int others[2] = {next_of(me), next_of(next_of(me))}; /* not in it */
            ck_assert_int_eq(ksync_open(others, 2, KSYNC_ONE_TO_ALL), -EINVAL);
        }
    }
    ck_assert_int_eq(ksync_wait(4242), -EBADF);
    ck_assert_int_eq(ksync_signal(-1), -EBADF);
    ck_assert_int_eq(ksync_unlink(4242), -EBADF);
}
END_TEST

/* ---- load ---------------------------------------------------------------- */

/* A token goes around the ring of all clusters; with more clusters than cores
 * this only finishes quickly if blocked clusters give their core away. */
START_TEST(test_ring_oversubscribed)
{
    const int laps = 200;
    int inbox = kmailbox_create(me, 5);
    fence();
    int outbox = kmailbox_open(next_of(me), 5);
    double t0 = knode_wtime();
    uint64_t token = 0;
    if (me == 0)
        ck_assert_int_eq(kmailbox_write(outbox, &token, sizeof(token)), 8);
    for (int lap = 0; lap < laps; lap++) {
        ck_assert_int_eq(kmailbox_read(inbox, &token, sizeof(token)), 8);
        ck_assert_int_eq(token, (uint64_t)lap * (uint64_t)n + (uint64_t)prev_of(me));
        token++;
        if (!(me == 0 && lap == laps - 1))
            ck_assert_int_eq(kmailbox_write(outbox, &token, sizeof(token)), 8);
    }
    double dt = knode_wtime() - t0;
    if (me == 0)
        fprintf(stderr, "ring: %d clusters, %d laps, %.3f s (%.1f us per hop)\n", n, laps, dt,
                1e6 * dt / (laps * n));
    ck_assert_msg(dt < 10.0, "ring of %d clusters took %.1f s", n, dt);
    fence();
    kmailbox_close(outbox);
    kmailbox_unlink(inbox);
}
END_TEST

/* Ping-pong of 8-byte mailbox messages between clusters 0 and 1. */
START_TEST(test_mailbox_latency)
{
    const char *env = getenv("NP_LAT_ITERS");
    int iters = env != NULL ? atoi(env) : 20000;
    int inbox = kmailbox_create(me, 6);
    fence();
    if (n >= 2 && me < 2) {
        int outbox = kmailbox_open(1 - me, 6);
        uint64_t v = 0;
        double t0 = 0;
        for (int i = -100; i < iters; i++) {
            if (i == 0)
                t0 = knode_wtime();
            if (me == 0) {
                ck_assert_int_eq(kmailbox_write(outbox, &v, 8), 8);
                ck_assert_int_eq(kmailbox_read(inbox, &v, 8), 8);
            } else {
                ck_assert_int_eq(kmailbox_read(inbox, &v, 8), 8);
                ck_assert_int_eq(kmailbox_write(outbox, &v, 8), 8);
            }
        }
        double dt = knode_wtime() - t0;
        if (me == 0 && iters > 0) {
            const char *prov = getenv("FI_PROVIDER");
            fprintf(stderr, "mailbox ping-pong (%s, %d clusters): %.2f us one-way\n",
                    prov ? prov : "shm", n, 1e6 * dt / (2.0 * iters));
        }
        kmailbox_close(outbox);
    }
    fence();
    kmailbox_unlink(inbox);
}
END_TEST

/* ---- requests from outside the job ---------------------------------------- */

/* A plain datagram socket bound to dir/name, as a requester makes one. */
static int bound_socket(const char *dir, const char *name, struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, name);
    ck_assert_int_ge(fd, 0);
    if (name[0] != '\0')
        ck_assert_int_eq(bind(fd, (struct sockaddr *)sa, sizeof(*sa)), 0);
    return fd;
}

/* The cluster's socket: found at $NMPI_JOB_DIR/c<N>.sock, read at most once
 * per millisecond after an empty read, answers reach m<id>.sock, oversized
 * datagrams are refused, and close removes the file. */
START_TEST(test_request_socket)
{
    char dir[] = "/tmp/np-req-XXXXXX", sock[64], big[300], buf[256];
    struct sockaddr_un me_sa, req_sa;
    double t0;
    ssize_t r;
    int tx, rx;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    unsetenv("NMPI_JOB_DIR");
    ck_assert_int_eq(kjob_request_open(), -ENOENT);
    ck_assert_int_eq((int)kjob_request_tryread(buf, sizeof(buf)), -EAGAIN);
    setenv("NMPI_JOB_DIR", dir, 1);
    ck_assert_int_eq(kjob_request_open(), 0);
    snprintf(sock, sizeof(sock), "c%d.sock", me);
    tx = bound_socket(dir, "", &me_sa);
    snprintf(me_sa.sun_path, sizeof(me_sa.sun_path), "%s/%s", dir, sock);
    /* t0 is taken before the empty read, so "less than 0.9 ms since t0"
     * implies "less than 0.9 ms since the empty read" even if this thread
     * is preempted between the two (a CI run failed that way). */
    t0 = knode_wtime();
    ck_assert_int_eq((int)kjob_request_tryread(buf, sizeof(buf)), -EAGAIN); /* empty */
    ck_assert_int_eq((int)sendto(tx, "hello", 5, 0, (struct sockaddr *)&me_sa, sizeof(me_sa)), 5);
    r = kjob_request_tryread(buf, sizeof(buf));
    if (knode_wtime() - t0 < 0.9e-3)
        ck_assert_int_eq((int)r, -EAGAIN); /* too soon after the empty read */
    while (r == -EAGAIN)
        r = kjob_request_tryread(buf, sizeof(buf));
    ck_assert_int_eq((int)r, 5);
    ck_assert_mem_eq(buf, "hello", 5);
    memset(big, 'x', sizeof(big));
    sendto(tx, big, sizeof(big), 0, (struct sockaddr *)&me_sa, sizeof(me_sa));
    while ((r = kjob_request_tryread(buf, sizeof(buf))) == -EAGAIN)
        ;
    ck_assert_int_eq((int)r, -EMSGSIZE);
    rx = bound_socket(dir, "m4242.sock", &req_sa);
    ck_assert_int_eq(kjob_request_reply(4242, "ok", 2), 0);
    ck_assert_int_eq((int)recv(rx, buf, sizeof(buf), 0), 2);
    ck_assert_int_eq(kjob_request_reply(0, "ok", 2), -EINVAL);
    ck_assert_int_eq(kjob_request_reply(4243, "ok", 2), -ENOENT); /* nobody there */
    kjob_request_close();
    ck_assert_int_ne(access(me_sa.sun_path, F_OK), 0);
    close(tx);
    close(rx);
    unlink(req_sa.sun_path);
    rmdir(dir);
    unsetenv("NMPI_JOB_DIR");
}
END_TEST

/* ---- the buffer hook ----------------------------------------------------- */

/* What a post-copy destination looks like to the port: buffers in pages
 * that are not there yet (a userfaultfd MISSING region with no handler, in
 * UFFD_USER_MODE_ONLY: a kernel copy into or out of such a page fails with
 * EFAULT, a load or store would wait forever). The hook places each missing
 * page of a buffer it is given from an "image" (what the source would
 * send), so every transfer below works only if the port runs the hook on
 * its buffer, with the right bounds, before any byte moves. */
#define HOOK_PAGES 16
#define HOOK_PG    4096
static int hook_uffd = -1;
static unsigned char *hook_region, *hook_image;
static unsigned char hook_present[HOOK_PAGES];
static int hook_placed;

static int place_missing(const void *addr, size_t len)
{
    uintptr_t a = (uintptr_t)addr, base = (uintptr_t)hook_region;

    if (a + len <= base || a >= base + HOOK_PAGES * HOOK_PG)
        return 0; /* not ours: at once */
    for (uintptr_t p = a & ~(uintptr_t)(HOOK_PG - 1); p < a + len; p += HOOK_PG) {
        size_t i = (p - base) / HOOK_PG;
        if (p < base || i >= HOOK_PAGES || hook_present[i])
            continue;
        struct uffdio_copy c = {
            .dst = p, .src = (uintptr_t)(hook_image + i * HOOK_PG), .len = HOOK_PG};
        if (ioctl(hook_uffd, UFFDIO_COPY, &c) < 0)
            return -errno;
        hook_present[i] = 1;
        hook_placed++;
    }
    return 0;
}

static int page_resident(size_t i)
{
    unsigned char v = 0;
    ck_assert_int_eq(mincore(hook_region + i * HOOK_PG, HOOK_PG, &v), 0);
    return v & 1;
}

START_TEST(test_buffer_hook_missing_pages)
{
    hook_region = mmap(NULL, HOOK_PAGES * HOOK_PG, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(hook_region != MAP_FAILED);
    hook_image = malloc(HOOK_PAGES * HOOK_PG);
    fill(hook_image, HOOK_PAGES * HOOK_PG, (unsigned)(me + 500));
    memset(hook_present, 0, sizeof(hook_present));
    hook_placed = 0;
    hook_uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    ck_assert_int_ge(hook_uffd, 0);
    struct uffdio_api api = {.api = UFFD_API};
    ck_assert_int_eq(ioctl(hook_uffd, UFFDIO_API, &api), 0);
    struct uffdio_register reg = {
        .range = {.start = (uintptr_t)hook_region, .len = HOOK_PAGES * HOOK_PG},
        .mode = UFFDIO_REGISTER_MODE_MISSING};
    ck_assert_int_eq(ioctl(hook_uffd, UFFDIO_REGISTER, &reg), 0);
    knode_set_buffer_hook(place_missing);

    /* a portal: sent from pages 1..4 (not whole: 100 bytes in), received
     * into pages 8..11 of the next cluster's region (300 bytes in) */
    const size_t plen = 3 * HOOK_PG + 500;
    unsigned char *src = hook_region + HOOK_PG + 100, *dst = hook_region + 8 * HOOK_PG + 300;
    int pin = kportal_create(me, 60);
    ck_assert_int_ge(pin, 0);
    ck_assert_int_eq(kportal_allow(pin, prev_of(me), 61), 0);
    ck_assert_int_eq(kportal_aread(pin, dst, plen), 0);
    fence();
    int pout = kportal_open(me, 61, next_of(me), 60);
    ck_assert_int_ge(pout, 0);
    ck_assert_int_eq(kportal_write(pout, src, plen), (ssize_t)plen);
    ck_assert_int_eq(kportal_wait(pin), (ssize_t)plen);

    /* a mailbox message from page 5 into page 13 */
    const size_t mlen = 1000;
    int inbox = kmailbox_create(me, 9);
    ck_assert_int_ge(inbox, 0);
    fence();
    int outbox = kmailbox_open(next_of(me), 9);
    ck_assert_int_ge(outbox, 0);
    ck_assert_int_eq(kmailbox_write(outbox, hook_region + 5 * HOOK_PG + 8, mlen), (ssize_t)mlen);
    ck_assert_int_eq(kmailbox_read(inbox, hook_region + 13 * HOOK_PG, mlen), (ssize_t)mlen);

    /* exactly the pages of the buffers were placed: 1-4, 8-11, 5, 13 */
    ck_assert_int_eq(hook_placed, 10);
    for (size_t i = 0; i < HOOK_PAGES; i++)
        ck_assert_int_eq(page_resident(i), (i >= 1 && i <= 5) || (i >= 8 && i <= 11) || i == 13);

    /* bit for bit: what the previous cluster's image held there */
    unsigned char *theirs = malloc(HOOK_PAGES * HOOK_PG);
    fill(theirs, HOOK_PAGES * HOOK_PG, (unsigned)(prev_of(me) + 500));
    ck_assert(memcmp(dst, theirs + HOOK_PG + 100, plen) == 0);
    ck_assert(memcmp(hook_region + 13 * HOOK_PG, theirs + 5 * HOOK_PG + 8, mlen) == 0);
    /* the rest of the receiving pages is this cluster's image */
    ck_assert(memcmp(hook_region + 8 * HOOK_PG, hook_image + 8 * HOOK_PG, 300) == 0);

    fence();
    knode_set_buffer_hook(NULL);
    fence();
    ck_assert_int_eq(kmailbox_close(outbox), 0);
    ck_assert_int_eq(kmailbox_unlink(inbox), 0);
    ck_assert_int_eq(kportal_close(pout), 0);
    ck_assert_int_eq(kportal_unlink(pin), 0);
    close(hook_uffd);
    hook_uffd = -1;
    munmap(hook_region, HOOK_PAGES * HOOK_PG);
    free(hook_image);
    free(theirs);
}
END_TEST

static Suite *nanvix_suite(void)
{
    const struct {
        const TTest *test;
    } tests[] = {
        {test_node_numbers},
        {test_kjob},
        {test_mailbox_order_and_sizes},
        {test_mailbox_write2_and_queued},
        {test_mailbox_before_create},
        {test_mailbox_many_writers},
        {test_mailbox_errors},
        {test_mailbox_threads},
        {test_portal_allow_first},
        {test_portal_write_first},
        {test_portal_larger_buffer},
        {test_portal_abandoned_read},
        {test_portal_errors},
        {test_sync_one_to_all},
        {test_sync_all_to_one},
        {test_sync_barrier_loop},
        {test_sync_errors},
        {test_ring_oversubscribed},
        {test_request_socket},
        {test_mailbox_latency},
        {test_buffer_hook_missing_pages},
    };
    Suite *s = suite_create("nanvix-port");
    TCase *tc = tcase_create("cluster");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, teardown);
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
        tcase_add_test(tc, tests[i].test);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int ret = knode_setup();
    if (ret != 0) {
        fprintf(stderr, "test_nanvix: knode_setup failed (%d)\n", ret);
        return 1;
    }
    me = knode_get_num();
    n = knode_count();
    SRunner *sr = srunner_create(nanvix_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, me == 0 ? CK_NORMAL : CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    if (failed != 0 && me != 0)
        srunner_print(sr, CK_NORMAL);
    srunner_free(sr);
    ret = knode_shutdown();
    if (ret != 0)
        fprintf(stderr, "test_nanvix: knode_shutdown failed (%d)\n", ret);
    return failed == 0 && ret == 0 ? 0 : 1;
}
