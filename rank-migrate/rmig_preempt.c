/* rmig_preempt.c: safe points inside the application's own code.
 *
 * A rank otherwise honours move requests (MPIX_Migrate, mpimigrate) only
 * when it waits in MPI; a rank that computes for minutes without calling MPI
 * could not be moved for that long. So every cluster runs a ticker thread:
 * every NMPI_PREEMPT_MS milliseconds (10 by default; 0 turns it off) it looks
 * at the CPU time of the cluster's main thread (where rank code runs), and
 * if that thread computed for at least half the tick it sends it
 * RMIG_PREEMPT_SIGNAL. The handler acts only when the interrupted program
 * counter lies in the executable's own code (ua_program_code) and the rank
 * is not inside a callback the MPI layer made into the application
 * (rmig_preempt_hold), and the rank runs no thread of its own (another
 * thread may be inside MPI right now, and such a rank cannot move anyway):
 * then neither the runtime nor libc is in the middle of anything on this
 * thread, and the handler is as good a safe point as an MPI
 * wait: once the messaging layer is set up (between MPI_Init and
 * MPI_Finalize) it is rmig_safe_point(). A move from here suspends the rank with
 * the signal frame on its container stack; on the destination the handler
 * returns and rt_sigreturn restores the interrupted registers and mask from
 * that frame, at the same addresses.
 *
 * Ticks go only to a thread that used the CPU during the last tick and is
 * running now (its state in /proc is R), so a rank blocked in a system call
 * (sleep, read) is not interrupted, and idle spares get none.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "base.h"
#include "rmig_internal.h"
#include "ua.h"

struct rmig_preempt {
    uintptr_t code_lo, code_hi;
    pthread_t main_thread;
    clockid_t main_clock;
    int main_stat; /* fd of /proc/self/task/<main tid>/stat, or -1 */
    long tick_ns;
    atomic_int on; /* signals may be sent */
    int started;
};

static struct rmig_preempt rmig_preempt;

static uintptr_t rmig_interrupted_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0; /* unknown machine: never in the program's code */
#endif
}

/* Non-zero while the rank runs an application callback for the MPI layer.
 * Read from the handler: the rank's state is in its container, at a fixed
 * address, and this only reads it. */
static int rmig_held(void)
{
    void **slot = ua_root(RMIG_ROOT_SLOT);
    const struct rmig_rank *rs = slot != NULL ? *slot : NULL;

    return rs != NULL && rs->preempt_hold > 0;
}

static void rmig_preempt_signal(int sig, siginfo_t *info, void *ucv)
{
    uintptr_t pc = rmig_interrupted_pc(ucv);
    int saved_errno = errno;

    (void)sig;
    (void)info;
    if (atomic_load(&rmig_preempt.on) && pc >= rmig_preempt.code_lo && pc < rmig_preempt.code_hi &&
        !rmig_held() && ua_rank_threads() == 0 && rmig_messaging_ready())
        rmig_safe_point(); /* may return on another cluster */
    errno = saved_errno;
}

static long rmig_cpu_ns(clockid_t clock)
{
    struct timespec ts;

    if (clock_gettime(clock, &ts) < 0)
        return -1;
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Non-zero when the main thread is running or runnable (state R), or when
 * its state cannot be read. */
static int rmig_main_running(void)
{
    char buf[512];
    ssize_t n =
        rmig_preempt.main_stat < 0 ? -1 : pread(rmig_preempt.main_stat, buf, sizeof(buf) - 1, 0);
    char *paren;

    if (n <= 0)
        return 1;
    buf[n] = '\0';
    paren = strrchr(buf, ')'); /* "tid (comm) S ...": comm may hold anything */
    return paren == NULL || paren[1] != ' ' || paren[2] == 'R';
}

static void *rmig_ticker(void *arg)
{
    long last = rmig_cpu_ns(rmig_preempt.main_clock);
    struct timespec tick = {rmig_preempt.tick_ns / 1000000000L, rmig_preempt.tick_ns % 1000000000L};

    (void)arg;
    for (;;) {
        long now;

        nanosleep(&tick, NULL);
        now = rmig_cpu_ns(rmig_preempt.main_clock);
        if (now < 0)
            return NULL; /* the main thread is gone */
        if (atomic_load(&rmig_preempt.on) && now - last >= rmig_preempt.tick_ns / 2 &&
            rmig_main_running())
            pthread_kill(rmig_preempt.main_thread, RMIG_PREEMPT_SIGNAL);
        last = now;
    }
    return NULL;
}

/* The calling thread's /proc stat file, kept open for the ticker. */
static int rmig_open_own_stat(void)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", (long)syscall(SYS_gettid));
    return open(path, O_RDONLY | O_CLOEXEC);
}

int rmig_preempt_boot(void)
{
    struct rmig_preempt *p = &rmig_preempt;
    long ms = base_setting_long("NMPI_PREEMPT_MS", 0, 3600000);
    struct sigaction sa;
    pthread_t ticker;

    if (ms <= 0 || p->started)
        return 0;
    if (ua_program_code(&p->code_lo, &p->code_hi) < 0)
        return -ENOENT;
    p->tick_ns = (ms > 60000 ? 60000 : ms) * 1000000L;
    p->main_thread = pthread_self();
    if (pthread_getcpuclockid(p->main_thread, &p->main_clock) != 0)
        return -ENOTSUP;
    p->main_stat = rmig_open_own_stat();
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = rmig_preempt_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(RMIG_PREEMPT_SIGNAL, &sa, NULL) < 0)
        return -errno;
    atomic_store(&p->on, 1);
    if (pthread_create(&ticker, NULL, rmig_ticker, NULL) != 0) {
        atomic_store(&p->on, 0);
        return -EAGAIN;
    }
    pthread_detach(ticker);
    p->started = 1;
    return 0;
}

void rmig_preempt_end(void)
{
    atomic_store(&rmig_preempt.on, 0);
}

void rmig_preempt_hold(void)
{
    struct rmig_rank *rs = rmig_rank_state();

    if (rs != NULL)
        rs->preempt_hold++;
}

void rmig_preempt_release(void)
{
    struct rmig_rank *rs = rmig_rank_state();

    if (rs != NULL && rs->preempt_hold > 0)
        rs->preempt_hold--;
}
