/* np_wait.c: progress-and-back-off for blocking waits, and time.
 *
 * A wait loop polls the fabric; while nothing happens it counts idle rounds
 * in *spins and backs off: first it spins (NP_SPIN_POLLS polls with a pause),
 * then it yields the core (NP_YIELD_POLLS rounds), then it sleeps. Any
 * completion resets *spins to 0. So a ping-pong between two idle cores stays
 * in the spin phase, while clusters oversubscribing cores hand them over
 * quickly. A thread that runs a move at a lowered nice (np_boost.c) never
 * yields (under EEVDF each yield pushes its deadline a slice later): it
 * spins up to NP_BOOST_SPIN_S idle, then sleeps.
 *
 * A sleep is a fraction (1/NP_SLEEP_SHARE) of the time this wait has been
 * sleeping so far, from 1 us up to NP_SLEEP_MAX_NS: whatever arrives during
 * a sleep is seen at most that fraction late, so a long wait (a large
 * message over TCP, a container's range) ends at most about 12% after its
 * event, however long it took, while an idle spare still sleeps 1 ms at a
 * time. Linux rounds every sleep of a normal thread up by its timer slack
 * (50 us by default): the first sleeps of 1 us would last 50 and make every
 * short wait that reached this phase 50 us late. Each waiting thread sets
 * its slack to NP_SLEEP_SLACK_NS once, so sleeps last what they ask.
 */
#include <errno.h>
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>

#include "np_internal.h"

#define NP_SPIN_POLLS     128
#define NP_YIELD_POLLS    256
#define NP_SLEEP_MIN_NS   1000L
#define NP_SLEEP_MAX_NS   1000000L
#define NP_SLEEP_SHARE    8
#define NP_SLEEP_SLACK_NS 1000UL
#define NP_BOOST_SPIN_S   0.002 /* a move's thread spins this long idle before it sleeps */

/* Per thread: when the current wait began to sleep, and whether its timer
 * slack is set. A nested wait restarts the clock: the outer one then sleeps
 * shorter, never longer. */
static __thread double np_sleep_since;
static __thread int np_slack_set;

static inline void np_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Sleeps a share of the time this wait has slept so far (see above). */
static void np_sleep(unsigned s)
{
    double now = knode_wtime();

    if (!np_slack_set) {
        prctl(PR_SET_TIMERSLACK, NP_SLEEP_SLACK_NS, 0, 0, 0);
        np_slack_set = 1;
    }
    if (s == NP_YIELD_POLLS)
        np_sleep_since = now;
    long ns = (long)((now - np_sleep_since) * 1e9) / NP_SLEEP_SHARE;
    ns = ns < NP_SLEEP_MIN_NS ? NP_SLEEP_MIN_NS : ns > NP_SLEEP_MAX_NS ? NP_SLEEP_MAX_NS : ns;
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

/* A move's thread whose nice was lowered (np_boost.c) never yields: it
 * spins on until it has
 * been idle NP_BOOST_SPIN_S (a sleeping thread waits for the slice of a
 * busy loop to end when it wakes, up to several ms on a loaded core), then
 * sleeps as any waiter. *spins stays below NP_YIELD_POLLS while it spins;
 * the sleep phase starts at NP_YIELD_POLLS, as np_sleep expects. */
static void np_boost_backoff(unsigned *spins, unsigned s)
{
    static __thread double idle_since;
    double now = knode_wtime();

    if (s == NP_SPIN_POLLS)
        idle_since = now;
    if (s < NP_YIELD_POLLS && now - idle_since < NP_BOOST_SPIN_S) {
        *spins = NP_SPIN_POLLS + 1;
        np_cpu_relax();
        return;
    }
    if (s < NP_YIELD_POLLS) {
        s = NP_YIELD_POLLS;
        *spins = s + 1;
    }
    np_sleep(s);
}

/* Backs off one idle round according to *spins, which it increments. */
void np_backoff(unsigned *spins)
{
    unsigned s = (*spins)++;
    if (s < NP_SPIN_POLLS) {
        np_cpu_relax();
        return;
    }
    if (np_boost_spins) {
        np_boost_backoff(spins, s);
        return;
    }
    if (s < NP_YIELD_POLLS) {
        sched_yield();
        return;
    }
    np_sleep(s);
}

int np_retry_needed;

static const struct knode_idle_hooks *np_idle_hooks; /* knode_set_idle_hooks */

/* How often a light progress call polls the fabric when this cluster has a
 * ring: every NP_FABRIC_IDLE_EVERY-th call when the ring was empty, every
 * NP_FABRIC_BUSY_EVERY-th when it brought messages (the caller has work).
 * Why: the fabric's poll (two endpoints) costs ten times the ring's, and a
 * spinning rank polls in a loop, so a same-host message was seen up to one
 * fabric poll late. Light calls are those of spinning loops (a mailbox
 * tryread, the first NP_SPIN_POLLS turns of an idle wait), a few hundred
 * nanoseconds apart, so the fabric's traffic (other hosts: tens of
 * microseconds a message) waits at most a few ring polls more; once a wait
 * backs off with yields and sleeps, every call polls everything. Messages of
 * one sender never mix the two paths (np_shm.c), so no order changes.
 * Without a ring (NMPI_SHM=0) every call polls the fabric. */
#define NP_FABRIC_IDLE_EVERY 4
#define NP_FABRIC_BUSY_EVERY 8
static unsigned np_fabric_turn;

static int np_progress_poll(int light)
{
    np_lost_scan();
    int n = np_shm_drain(np_mailbox_deliver);
    unsigned every = !light || !np_shm_active() ? 1
                     : n > 0                    ? NP_FABRIC_BUSY_EVERY
                                                : NP_FABRIC_IDLE_EVERY;
    if (++np_fabric_turn >= every) {
        np_fabric_turn = 0;
        int f = np_fabric_progress();
        n = f < 0 ? f : n + f;
    }
    if (np_retry_needed) {
        np_retry_needed = 0;
        np_mailbox_retry();
        np_portal_retry();
        np_sync_retry();
    }
    return n;
}

int np_progress(void)
{
    return np_progress_poll(0);
}

int np_progress_light(void)
{
    return np_progress_poll(1);
}

void np_wait_step(unsigned *spins)
{
    int n = *spins < NP_SPIN_POLLS ? np_progress_light() : np_progress();
    if (n > 0) {
        *spins = 0;
        return;
    }
    pthread_mutex_unlock(&np_lock);
    np_backoff(spins);
    pthread_mutex_lock(&np_lock);
}

/* knode_idle's body; polled: the caller has just polled (a tryread that
 * found nothing), so while it still spins the progress call is skipped. */
static void np_idle(unsigned *spins, int polled)
{
    int n = 0;
    if (!polled || *spins >= NP_SPIN_POLLS) {
        np_enter();
        n = !np_node.ready ? 0 : *spins < NP_SPIN_POLLS ? np_progress_light() : np_progress();
        np_leave();
    }
    np_lost_deliver();
    if (n > 0) {
        *spins = 0;
        return;
    }
    long held = np_idle_hooks ? np_idle_hooks->release() : 0;
    np_kernel_depth++;
    np_backoff(spins);
    np_kernel_depth--;
    if (held)
        np_idle_hooks->reacquire(held);
}

void knode_idle(unsigned *spins)
{
    np_idle(spins, 0);
}

void knode_idle_polled(unsigned *spins)
{
    np_idle(spins, 1);
}

void knode_set_idle_hooks(const struct knode_idle_hooks *hooks)
{
    np_idle_hooks = hooks;
}

int knode_poll(void)
{
    np_enter();
    int n = np_node.ready ? np_progress() : -EINVAL;
    np_leave();
    np_lost_deliver();
    return n;
}

double knode_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
