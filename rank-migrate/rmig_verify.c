/* rmig_verify.c: checksums of a container stream, checked while it is read.
 *
 * The reader hands over each range as soon as it is in place
 * (rmig_verify_received); a helper thread of this cluster checks ranges in
 * the order they arrive, so checking overlaps reading. When the reading is
 * over, the reader claims the ranges left too (rmig_verify_finish), so the
 * tail is checked by two threads. Ranges are claimed one at a time with an
 * atomic counter, so each is checked exactly once, by whichever is free.
 *
 * The thread is made once per cluster and sleeps on a condition variable
 * between streams: creating one per stream cost more than checking a 1 MiB
 * stream inline (about 50 us here), and streams come one at a time (a
 * cluster receives one container at a time). While a stream is read it
 * polls, yielding the core between polls, for at most the length of the
 * stream.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "rmig_internal.h"
#include "ua.h"

struct rmig_verify {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int started;      /* the thread exists */
    int active;       /* a stream is being received (under lock) */
    int taken;        /* the thread took the current stream (under lock) */
    atomic_int inside; /* the thread is checking the current stream */
    const struct rmig_wire_range *r;
    int n;
    atomic_int received; /* ranges in place */
    atomic_int claimed;  /* ranges taken by a checker */
    atomic_int bad;      /* a range did not match its checksum */
    atomic_int over;     /* the reader gave up or finished reading */
};

static struct rmig_verify rmig_verify = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};

/* Checks the next range already received, if any; returns 1 if it checked
 * one, 0 if none is ready, -1 if every range is claimed. */
static int rmig_verify_claim(struct rmig_verify *v)
{
    int i = atomic_load(&v->claimed);

    for (;;) {
        if (i >= v->n)
            return -1;
        if (i >= atomic_load_explicit(&v->received, memory_order_acquire))
            return 0;
        if (atomic_compare_exchange_weak(&v->claimed, &i, i + 1))
            break;
    }
    if (ua_checksum_range((const void *)(uintptr_t)v->r[i].addr, v->r[i].len) != v->r[i].checksum)
        atomic_store(&v->bad, 1);
    return 1;
}

/* Checks ranges as they come until all are claimed or the reader stops. */
static void rmig_verify_stream(struct rmig_verify *v)
{
    unsigned idle = 0;
    int got;

    while ((got = rmig_verify_claim(v)) >= 0) {
        if (got > 0) {
            idle = 0;
        } else if (atomic_load(&v->over) &&
                   atomic_load(&v->received) <= atomic_load(&v->claimed)) {
            break; /* the reader gave up: nothing more will come */
        } else if (++idle > 64) {
            sched_yield();
        } else {
            __asm__ __volatile__("" ::: "memory");
        }
    }
}

static void *rmig_verify_main(void *arg)
{
    struct rmig_verify *v = arg;

    pthread_mutex_lock(&v->lock);
    for (;;) {
        while (!v->active || v->taken)
            pthread_cond_wait(&v->wake, &v->lock);
        v->taken = 1;
        atomic_store(&v->inside, 1);
        pthread_mutex_unlock(&v->lock);
        rmig_verify_stream(v);
        atomic_store(&v->inside, 0);
        pthread_mutex_lock(&v->lock);
    }
    return NULL;
}

int rmig_verify_begin(const struct rmig_wire_range *r, int n, int threaded)
{
    struct rmig_verify *v = &rmig_verify;
    int ret = 0;

    v->r = r;
    v->n = n;
    atomic_store(&v->received, 0);
    atomic_store(&v->claimed, 0);
    atomic_store(&v->bad, 0);
    atomic_store(&v->over, 0);
    if (!threaded)
        return 0;
    pthread_mutex_lock(&v->lock);
    if (!v->started) {
        pthread_t t;
        pthread_attr_t attr;

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ret = pthread_create(&t, &attr, rmig_verify_main, v);
        pthread_attr_destroy(&attr);
        v->started = ret == 0;
    }
    if (v->started) {
        v->active = 1;
        v->taken = 0;
        pthread_cond_signal(&v->wake);
    }
    pthread_mutex_unlock(&v->lock);
    return 0; /* without the thread, the reader checks everything at the end */
}

void rmig_verify_received(int count)
{
    atomic_store_explicit(&rmig_verify.received, count, memory_order_release);
}

int rmig_verify_finish(void)
{
    struct rmig_verify *v = &rmig_verify;
    int received = atomic_load(&v->received);

    atomic_store(&v->over, 1);
    while (rmig_verify_claim(v) > 0)
        ; /* the tail, alongside the thread */
    /* The thread may still be checking the range it claimed last, and the
     * table it reads is freed after this. If it has not taken the stream
     * yet, it never will. A condition variable here cost a futex wake-up
     * (tens of us on a VM); the thread's last range is shorter than that. */
    pthread_mutex_lock(&v->lock);
    v->active = 0;
    pthread_mutex_unlock(&v->lock);
    while (atomic_load(&v->inside))
        sched_yield();
    if (received < v->n)
        return -EIO; /* not everything was read */
    return atomic_load(&v->bad) ? -EBADMSG : 0;
}
