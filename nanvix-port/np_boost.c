/* np_boost.c: a thread that moves a rank hurries while it does.
 *
 * On a node whose cores are oversubscribed, the threads of a move get the
 * share of a core the scheduler gives any other: with 8 busy processes on
 * 2 cores, each in a session of its own (autogroup scheduling gives every
 * session one share, and every cluster is a session), about a tenth of a
 * core. The move is CPU work on its critical path (the source copies every
 * range with process_vm_writev inside its progress calls, the destination
 * checks every range's checksum), so 22 ms of CPU took 220 ms of downtime
 * (bench/run-busy-move.sh; perf sched: the source runnable but not running
 * 197 of 219 ms). Between the begin and the end of a move, this thread:
 *
 *  - runs at nice NP_BOOST_NICE, and its autogroup (its session: the
 *    cluster) at the same nice, so that the move's bytes get most of a core
 *    while it lasts. Lowering a nice needs CAP_SYS_NICE or an RLIMIT_NICE
 *    allowance (limits.conf `nice`, tried as far as it allows); without
 *    either the nice stays as it was (said once in the log at debug level)
 *    and nothing else changes: a move then gets a fair share and no more.
 *  - with its nice lowered, does not sched_yield in its back-off
 *    (np_backoff): under EEVDF (Linux 6.6 and later) a yield moves the
 *    thread's deadline a slice later, so a waiter that yielded hundreds of
 *    times is picked last when its work comes (64 ms of the source's 197
 *    ms runnable came after yields). It spins instead, up to
 *    NP_BOOST_SPIN_S (2 ms) idle, because a thread that sleeps waits on a
 *    loaded core for the running busy loop's slice to end when it wakes
 *    (at nice -20 with yields gone, the source still waited 21 ms in 15
 *    such wake-ups of a 49 ms transfer); then it sleeps as usual, so a
 *    move that stalls does not burn a core. Without the nice, neither
 *    skipping the yields nor spinning shortened a move (CG class A under 8
 *    busy loops as an unprivileged user: 226-356 ms against 41-423 ms), so
 *    the back-off is left as it is.
 *
 *  - asks the scheduler for a short slice (sched_setattr's sched_runtime
 *    of a SCHED_OTHER thread, NP_BOOST_SLICE_NS: 0.1 ms; Linux 6.12 and
 *    later): EEVDF gives a thread with a shorter slice an earlier
 *    deadline, and a waking one preempts the running task (PREEMPT_SHORT)
 *    instead of waiting for its slice to end. That is the latency a move
 *    of a small rank is made of (a dozen wake-ups on each side), and,
 *    unlike a lower nice, any user may ask it. The share of the core stays
 *    what it was. An older kernel refuses or ignores it: nothing changes.
 *
 * All are undone at the end; begins nest. Only the calling thread is
 * touched, and the autogroup only while a move runs in it.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "np_internal.h"

#define NP_BOOST_NICE      (-20)
#define NP_BOOST_AUTOGROUP "/proc/self/autogroup"
#define NP_BOOST_SLICE_NS  100000ULL /* the shortest slice the kernel allows */

/* sched_setattr(2)'s argument (glibc has no wrapper, and linux/sched/types.h
 * clashes with glibc's sched.h; the kernel takes the size it is given:
 * this is the first version, SCHED_ATTR_SIZE_VER0). */
struct np_sched_attr {
    uint32_t size, policy;
    uint64_t flags;
    /* cppcheck-suppress unusedStructMember ; read by sched_getattr, given back whole */
    int32_t nice;
    /* cppcheck-suppress unusedStructMember ; read by sched_getattr, given back whole */
    uint32_t priority;
    uint64_t runtime;
    /* cppcheck-suppress unusedStructMember ; read by sched_getattr, given back whole */
    uint64_t deadline;
    /* cppcheck-suppress unusedStructMember ; read by sched_getattr, given back whole */
    uint64_t period;
};

__thread int np_boost_spins;
static __thread int np_boost_depth;
static __thread int np_boost_nice_was, np_boost_nice_set;
static __thread int np_boost_group_was, np_boost_group_set;
static __thread int np_boost_slice_set;

/* The lowest nice this thread may set: -20 with CAP_SYS_NICE, else what
 * RLIMIT_NICE allows (20 - limit). The kernel says which by refusing. */
static int np_boost_floor(void)
{
    struct rlimit r;

    if (getrlimit(RLIMIT_NICE, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur <= 40)
        return 20 - (int)r.rlim_cur;
    return NP_BOOST_NICE;
}

/* Sets nice `want` with set(); falls back to the floor RLIMIT_NICE allows.
 * Returns 1 when the nice changed. */
static int np_boost_lower(int was, int (*set)(int), int *got)
{
    int want = NP_BOOST_NICE;

    if (was <= want)
        return 0;
    if (set(want) == 0) {
        *got = want;
        return 1;
    }
    want = np_boost_floor();
    if (want < was && set(want) == 0) {
        *got = want;
        return 1;
    }
    return 0;
}

static int np_boost_set_thread(int nice)
{
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

/* The autogroup's nice, from "/autogroup-<n> nice <v>"; -1 when unknown. */
static int np_boost_group_read(int *nice)
{
    FILE *f = fopen(NP_BOOST_AUTOGROUP, "re");
    int ok = f != NULL && fscanf(f, "%*s nice %d", nice) == 1;

    if (f != NULL)
        fclose(f);
    return ok ? 0 : -1;
}

static int np_boost_set_group(int nice)
{
    FILE *f = fopen(NP_BOOST_AUTOGROUP, "we");
    int ok = f != NULL && fprintf(f, "%d", nice) > 0;

    if (f != NULL)
        ok = fclose(f) == 0 && ok;
    return ok ? 0 : -1;
}

/* Sets this thread's slice to `ns` (0: the kernel's default again),
 * keeping its policy and nice (read back first: sched_setattr sets both).
 * Returns 0, or -1 (not SCHED_OTHER, or a kernel without custom slices). */
static int np_boost_slice(uint64_t ns)
{
    struct np_sched_attr a;

    memset(&a, 0, sizeof(a));
    if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) != 0 || a.policy != SCHED_OTHER)
        return -1;
    a.size = sizeof(a);
    a.flags = 0;
    a.runtime = ns;
    return syscall(SYS_sched_setattr, 0, &a, 0) == 0 ? 0 : -1;
}

void knode_boost_begin(void)
{
    static int told; /* once per process: the log is not per thread */
    int got = 0;

    if (np_boost_depth++ > 0)
        return;
    errno = 0;
    np_boost_nice_was = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    np_boost_nice_set = errno == 0 && np_boost_lower(np_boost_nice_was, np_boost_set_thread, &got);
    np_boost_group_set = np_boost_group_read(&np_boost_group_was) == 0 &&
                         np_boost_lower(np_boost_group_was, np_boost_set_group, &got);
    np_boost_spins = np_boost_nice_set || np_boost_group_set;
    np_boost_slice_set = np_boost_slice(NP_BOOST_SLICE_NS) == 0;
    if (!np_boost_nice_set && !told) {
        told = 1;
        base_log(BASE_LOG_DEBUG, "port",
                 "a move runs at the nice it had: lowering it needs CAP_SYS_NICE or RLIMIT_NICE");
    }
}

void knode_boost_end(void)
{
    if (np_boost_depth == 0 || --np_boost_depth > 0)
        return;
    if (np_boost_nice_set)
        np_boost_set_thread(np_boost_nice_was);
    if (np_boost_group_set)
        np_boost_set_group(np_boost_group_was);
    if (np_boost_slice_set)
        np_boost_slice(0);
    np_boost_nice_set = np_boost_group_set = np_boost_spins = np_boost_slice_set = 0;
}
