/* rmig_stream.c: the container stream, sent and received in kernel context.
 *
 * The source lists the touched container ranges (uarea), checksums each one,
 * announces the stream with BEGIN (range count, total bytes, checksum of the
 * table) and writes through one portal: the table, then, once the destination
 * answers TABLE_OK, every range straight from its address. The destination
 * reads the table into runtime memory, checks its checksum and that every
 * range lies in the container layout and adds up to the announced total,
 * reads each range straight into place and verifies its checksum (on a
 * second thread, one range behind the reading, for streams of 8 MiB and
 * more; ranges are cut at 4 MiB boundaries for that). Only then does it
 * answer DONE; anything wrong gives
 * FAIL, the destination drops what it received, and the rank resumes at the
 * source, which stops writing as soon as it sees the FAIL. Both sides give up
 * after rmig_timeout() seconds. Each stream of a source has its own port
 * (RMIG_STREAM_PORT), so leftovers of a rejected stream cannot be read as
 * part of the next one.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

struct rmig_table {
    struct rmig_wire_range *r;
    int n, cap;
    uint64_t bytes;
};

/* Ranges are cut at every RMIG_CHUNK boundary of the address space (a
 * multiple of the 2 MiB huge page): the destination verifies piece i on a
 * second thread while it reads piece i + 1, instead of checksumming a whole
 * heap after reading it. */
#define RMIG_CHUNK ((size_t)4 << 20)

/* Below this many bytes a stream is verified on the reading thread: a
 * thread costs more than it saves. */
#define RMIG_VERIFY_THREAD_MIN ((uint64_t)8 << 20)

static int rmig_table_add_one(struct rmig_table *t, void *addr, size_t len);

/* ua_touched_ranges() callback: appends one range (runtime memory), cut at
 * RMIG_CHUNK boundaries. */
static int rmig_table_add(void *addr, size_t len, void *arg)
{
    uintptr_t a = (uintptr_t)addr, end = a + len;
    int ret = 0;

    while (ret == 0 && a < end) {
        uintptr_t cut = (a & ~(uintptr_t)(RMIG_CHUNK - 1)) + RMIG_CHUNK;

        cut = cut < end ? cut : end;
        ret = rmig_table_add_one(arg, (void *)a, cut - a);
        a = cut;
    }
    return ret;
}

static int rmig_table_add_one(struct rmig_table *t, void *addr, size_t len)
{

    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        void *p = realloc(t->r, (size_t)cap * sizeof(*t->r));

        if (p == NULL || cap > RMIG_MAX_RANGES)
            return -ENOMEM;
        t->r = p;
        t->cap = cap;
    }
    t->r[t->n].addr = (uint64_t)(uintptr_t)addr;
    t->r[t->n].len = len;
    t->r[t->n].checksum = ua_checksum_range(addr, len);
    t->bytes += len;
    t->n++;
    return 0;
}

/* Test hook: NMPI_TEST_STREAM_FAULT=corrupt|range|short damages every
 * stream (a table that does not match its checksum; a range that does not
 * match its own, in a table that checks out; half the ranges missing),
 * corrupt-first, range-first, short-first only the first one cluster 0
 * sends. Returns "corrupt", "range", "short" or "" for the stream numbered
 * `count` here. */
static const char *rmig_fault(unsigned count)
{
    const char *f = getenv("NMPI_TEST_STREAM_FAULT");

    if (f == NULL || (strstr(f, "-first") != NULL && (count > 0 || knode_get_num() != 0)))
        return "";
    if (strncmp(f, "corrupt", 7) == 0)
        return "corrupt";
    if (strncmp(f, "range", 5) == 0)
        return "range";
    return strncmp(f, "short", 5) == 0 ? "short" : "";
}

/* Writes buf through the portal to dest, giving up on timeout or as soon as
 * dest rejects the stream (it then reads no more, and the write would only
 * wait out the timeout). Returns 0, -ETIMEDOUT, -ECONNABORTED (rejected) or
 * a kportal error. */
static int rmig_portal_send(int portal, int dest, const void *buf, size_t len)
{
    double deadline = knode_wtime() + rmig_timeout();
    struct rmig_wire_hdr reply;
    unsigned spins = 0;
    int ret = kportal_awrite(portal, buf, len);

    while (ret == 0 && (ret = kportal_test(portal)) == 0) {
        if (knode_wtime() > deadline)
            return -ETIMEDOUT;
        if (rmig_control_check(dest, RMIG_MSG_FAIL, RMIG_MSG_FAIL, &reply) > 0)
            return -ECONNABORTED;
        knode_idle(&spins);
    }
    return ret < 0 ? ret : 0;
}

static int rmig_portal_recv(int portal, int src, int port, void *buf, size_t len)
{
    double deadline = knode_wtime() + rmig_timeout();
    unsigned spins = 0;
    int ret = kportal_allow(portal, src, port);

    if (ret == 0)
        ret = kportal_aread(portal, buf, len);
    while (ret == 0 && (ret = kportal_test(portal)) == 0) {
        if (knode_wtime() > deadline)
            return -ETIMEDOUT;
        knode_idle(&spins);
    }
    return ret < 0 ? ret : 0;
}

int rmig_stream_send(int dest, struct rmig_stats *st)
{
    struct rmig_table t = {0};
    struct rmig_wire_hdr reply;
    int self = knode_get_num(), portal, i, ret, nsend;
    const char *fault = rmig_fault(rmig_cluster.streams);
    int stream = (int)(rmig_cluster.streams++ % RMIG_STREAMS);

    rmig_cluster.stream_now = stream; /* replies to older streams are dropped */

    ret = ua_touched_ranges(rmig_table_add, &t);
    if (ret < 0 || t.n == 0) {
        free(t.r);
        rmig_cluster.stream_now = -1;
        return ret < 0 ? ret : -ENODEV;
    }
    st->ranges = t.n;
    st->bytes = t.bytes;
    if (strcmp(fault, "range") == 0)
        t.r[t.n / 2].checksum ^= 1; /* before the table's own checksum */
    ret = rmig_control_begin(dest, ua_get_rank(), t.n, t.bytes,
                             ua_checksum_range(t.r, (size_t)t.n * sizeof(*t.r)), stream);
    if (strcmp(fault, "corrupt") == 0)
        t.r[t.n - 1].checksum ^= 1; /* table no longer matches its checksum */
    nsend = strcmp(fault, "short") == 0 ? t.n / 2 : t.n;
    portal = kportal_open(self, RMIG_STREAM_PORT(self, stream), dest,
                          RMIG_STREAM_PORT(self, stream));
    if (ret == 0 && portal >= 0)
        ret = rmig_portal_send(portal, dest, t.r, (size_t)t.n * sizeof(*t.r));
    if (ret == 0 && portal >= 0) {
        ret = rmig_control_wait(dest, RMIG_MSG_TABLE_OK, RMIG_MSG_FAIL, &reply);
        ret = ret == RMIG_MSG_TABLE_OK ? 0 : ret == RMIG_MSG_FAIL ? -ECONNABORTED : ret;
    }
    for (i = 0; ret == 0 && portal >= 0 && i < nsend; i++)
        ret = rmig_portal_send(portal, dest, (void *)(uintptr_t)t.r[i].addr, t.r[i].len);
    if (portal < 0)
        ret = portal;
    if (ret == 0)
        ret = rmig_control_wait(dest, RMIG_MSG_DONE, RMIG_MSG_FAIL, &reply);
    if (portal >= 0)
        kportal_close(portal);
    free(t.r);
    rmig_cluster.stream_now = -1;
    if (ret == RMIG_MSG_DONE)
        return 0;
    return ret == RMIG_MSG_FAIL || ret == -ECONNABORTED ? -EIO : (ret < 0 ? ret : -EIO);
}

/* Checks the table against the announcement and the container layout. */
static int rmig_table_check(const struct rmig_wire_range *r, int n, const struct rmig_wire_hdr *b)
{
    uint64_t total = 0;
    int i;

    if (ua_checksum_range(r, (size_t)n * sizeof(*r)) != b->b)
        return -EBADMSG;
    for (i = 0; i < n; i++) {
        if (ua_range_check((void *)(uintptr_t)r[i].addr, r[i].len) < 0)
            return -EBADMSG;
        total += r[i].len;
    }
    return total == b->a ? 0 : -EBADMSG;
}

/* Zeroes what a container that left here may have left outside the
 * arriving ranges (ua_arrival_trim); the ranges are overwritten anyway. */
static void rmig_trim_for(const struct rmig_wire_range *r, int n)
{
    struct ua_range *pages = malloc((size_t)n * sizeof(*pages));
    int i;

    for (i = 0; pages != NULL && i < n; i++)
        pages[i] = (struct ua_range){(void *)(uintptr_t)r[i].addr, r[i].len};
    ua_arrival_trim(pages, pages != NULL ? n : 0);
    free(pages);
}

/* The checksum side of a stream being read: range i may be verified once
 * `received` exceeds i. */
struct rmig_verifier {
    const struct rmig_wire_range *r;
    int n;
    atomic_int received; /* ranges read so far */
    atomic_int stop;     /* the reader is done (all read, or gave up) */
    int bad;             /* a range did not match its checksum */
    pthread_t thread;
};

static void rmig_verify_one(struct rmig_verifier *v, int i)
{
    if (ua_checksum_range((void *)(uintptr_t)v->r[i].addr, v->r[i].len) != v->r[i].checksum)
        v->bad = 1;
}

/* Verifies the ranges in order as the reader hands them over. */
static void *rmig_verify_main(void *arg)
{
    struct rmig_verifier *v = arg;
    unsigned spins = 0;
    int i = 0;

    while (i < v->n) {
        if (i < atomic_load_explicit(&v->received, memory_order_acquire)) {
            rmig_verify_one(v, i++);
            spins = 0;
        } else if (atomic_load(&v->stop) &&
                   i >= atomic_load_explicit(&v->received, memory_order_acquire)) {
            break; /* the reader gave up */
        } else if (++spins > 64) {
            sched_yield();
        }
    }
    return NULL;
}

/* Reads the ranges into place and verifies each checksum. A range with a
 * bad checksum does not stop the reading: every write the source makes is
 * read, so none stays queued in the fabric (an unread large message can stall
 * later transfers between the two clusters). Returns 0, -EBADMSG or the
 * error of a read (after which the source is told to stop). */
static int rmig_ranges_receive(int portal, int src, int port, const struct rmig_wire_range *r,
                               int n, uint64_t bytes)
{
    struct rmig_verifier v = {.r = r, .n = n};
    int i, ret = 0, threaded;

    threaded = bytes >= RMIG_VERIFY_THREAD_MIN &&
               pthread_create(&v.thread, NULL, rmig_verify_main, &v) == 0;
    for (i = 0; i < n; i++) {
        void *addr = (void *)(uintptr_t)r[i].addr;

        ua_range_prepare(addr, r[i].len); /* big ranges land in huge pages */
        ret = rmig_portal_recv(portal, src, port, addr, r[i].len);
        ua_range_settle(addr, r[i].len);
        if (ret < 0)
            break;
        if (threaded)
            atomic_store_explicit(&v.received, i + 1, memory_order_release);
        else
            rmig_verify_one(&v, i);
    }
    if (threaded) {
        atomic_store(&v.stop, 1);
        pthread_join(v.thread, NULL);
    }
    if (ret < 0)
        return ret;
    return v.bad ? -EBADMSG : 0;
}

int rmig_stream_receive(const struct rmig_wire_hdr *b)
{
    int src = b->src_cluster, n = b->arg, portal, ret;
    int port = RMIG_STREAM_PORT(src, b->stream);
    struct rmig_wire_range *r = calloc((size_t)n, sizeof(*r));

    rmig_cluster.t_begin = knode_wtime();
    portal = kportal_create(knode_get_num(), port);
    ret = r == NULL ? -ENOMEM : portal;
    if (ret >= 0)
        ret = rmig_portal_recv(portal, src, port, r, (size_t)n * sizeof(*r));
    if (ret >= 0)
        ret = rmig_table_check(r, n, b);
    if (ret >= 0)
        rmig_trim_for(r, n);
    if (ret >= 0)
        ret = rmig_control_stream_reply(src, RMIG_MSG_TABLE_OK, b->rank, 0, b->stream);
    if (ret >= 0)
        ret = rmig_ranges_receive(portal, src, port, r, n, b->a);
    if (ret >= 0 && !ua_container_present())
        ret = -EBADMSG;
    if (portal >= 0)
        kportal_unlink(portal);
    free(r);
    rmig_cluster.reserved_for = -1;
    rmig_cluster.t_received = knode_wtime();
    if (ret < 0) {
        fprintf(stderr, "nanvix-mpi: cluster %d: container stream from cluster %d rejected (%d)\n",
                knode_get_num(), src, ret);
        ua_release_container();
        rmig_control_stream_reply(src, RMIG_MSG_FAIL, b->rank, ret, b->stream);
        return 0;
    }
    rmig_control_stream_reply(src, RMIG_MSG_DONE, b->rank, 0, b->stream);
    return 2; /* a rank to resume */
}
