/* np_lost.c: noticing that a cluster of the job died.
 *
 * Hydra started with -disable-auto-cleanup (tools/mpiexec does it) does not
 * kill the job when one process dies: its proxy reaps the dead process and
 * sends SIGUSR1 to every other one (its proxy code calls this a stand-in
 * for a PMI notification), whose default action would kill them all. This
 * file turns that signal into knowledge: the handler only sets a flag; the
 * next progress (np_lost_scan, lock held) asks the kernel, with kill(pid, 0),
 * which peers no longer exist, and marks them lost for good; the next
 * knode_idle() or knode_poll() (np_lost_deliver, lock dropped) hands each
 * newly lost cluster to the hook the layer above registered, which decides
 * whether the job can go on.
 *
 * Peers' pids come from the PMI key np-pid-<cluster> (np_pid_publish,
 * before the first bootstrap barrier; np_pid_fetch after it); the mailbox
 * rings name themselves with it too (np_shm.c). kill(pid, 0) is only
 * meaningful for a peer on this host (pid namespace): clusters on other
 * hosts (np_host_local, np_host.c) are never marked lost here.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "np_internal.h"

/* After a signal, peers are scanned at every progress for this long (s):
 * the process that died may still be a zombie for a moment, or a second
 * death may come with the same signal. */
#define NP_LOST_WATCH 2.0

static volatile sig_atomic_t np_lost_signalled;
#define NP_LOST_EVERY 0.01 /* s between two scans */
/* A peer someone waits on (knode_is_lost) is looked at this often (s) even
 * without Hydra's signal: the signal depends on the proxy noticing the
 * closed PMI socket, and a wait should not depend on that alone
 * (NMPI_TEST_LOST_SIGNAL=0 tests the probe by itself). */
#define NP_LOST_PROBE_EVERY 0.1
static double *np_probe_next;     /* by cluster: no probe before then */
static double np_lost_until;      /* scan until then; 0: no signal pending */
static double np_lost_next;       /* not before then */
static pid_t *np_peer_pid;        /* by cluster; 0: unknown */
static unsigned char *np_lost;    /* by cluster: 1 lost, 2 lost and handed to the hook */
static int np_nlost;              /* clusters marked lost */
static void (*np_lost_hook)(int); /* knode_set_lost_hook */

static void np_lost_on_signal(int sig)
{
    (void)sig;
    np_lost_signalled = 1;
}

/* NMPI_TEST_LOST_SIGNAL=0: the notice is taken and dropped (its default
 * action would kill), to test that the probe alone finds a loss. */
static void np_lost_drop_signal(int sig)
{
    (void)sig;
}

int np_lost_setup(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = strcmp(base_setting("NMPI_TEST_LOST_SIGNAL"), "0") == 0 ? np_lost_drop_signal
                                                                            : np_lost_on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) < 0)
        return -errno;
    return 0;
}

int np_pid_publish(void)
{
    char key[32], val[24];

    snprintf(key, sizeof(key), "np-pid-%d", np_node.num);
    snprintf(val, sizeof(val), "%ld", (long)getpid());
    return np_pmi_put(key, val) == 0 ? 0 : -EIO;
}

int np_pid_fetch(void)
{
    np_peer_pid = calloc((size_t)np_node.count, sizeof(*np_peer_pid));
    np_lost = calloc((size_t)np_node.count, sizeof(*np_lost));
    np_probe_next = calloc((size_t)np_node.count, sizeof(*np_probe_next));
    if (np_peer_pid == NULL || np_lost == NULL || np_probe_next == NULL)
        return -ENOMEM;
    for (int c = 0; c < np_node.count; c++) {
        char key[32], val[24], *end;
        long pid;

        snprintf(key, sizeof(key), "np-pid-%d", c);
        if (np_pmi_get(key, val, sizeof(val)) != 0)
            continue;
        pid = strtol(val, &end, 10);
        if (*end == '\0' && pid > 0)
            np_peer_pid[c] = (pid_t)pid;
    }
    return 0;
}

pid_t np_peer_pid_of(int cluster)
{
    if (np_peer_pid == NULL || cluster < 0 || cluster >= np_node.count)
        return 0;
    return np_peer_pid[cluster];
}

/* 1 if the process of a peer on this host no longer exists, or is a zombie
 * its keeper has not reaped yet (its sockets are closed already: that is
 * how Hydra noticed, and it may signal before the keeper's waitpid). */
static int np_peer_gone(pid_t pid)
{
    char path[40], stat[256];
    ssize_t n;
    int fd;

    if (pid <= 0)
        return 0;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return 1;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    n = read(fd, stat, sizeof(stat) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    stat[n] = '\0';
    const char *state = strrchr(stat, ')'); /* the name may hold anything */
    return state != NULL && state[1] == ' ' && (state[2] == 'Z' || state[2] == 'X');
}

void np_lost_scan(void)
{
    /* Progress is hot: without a signal to follow up, not even the clock. */
    if (np_lost == NULL || (!np_lost_signalled && np_lost_until == 0.0))
        return;
    double now = knode_wtime();

    if (np_lost_signalled) {
        np_lost_signalled = 0;
        np_lost_until = now + NP_LOST_WATCH;
        np_lost_next = 0.0;
    }
    if (now > np_lost_until)
        np_lost_until = 0.0; /* the watch is over */
    if (np_lost_until == 0.0 || now < np_lost_next)
        return;
    np_lost_next = now + NP_LOST_EVERY; /* progress is hot: a scan costs a syscall a peer */
    for (int c = 0; c < np_node.count; c++) {
        if (c == np_node.num || np_lost[c] || !np_host_local(c) || !np_peer_gone(np_peer_pid[c]))
            continue;
        np_lost[c] = 1;
        np_nlost++;
        np_lost_until = 0.0; /* found: the signal's cause */
    }
}

void np_lost_suspect(void)
{
    np_lost_signalled = 1; /* scanned as after Hydra's signal */
}

void np_lost_probe_all(void)
{
    for (int c = 0; np_lost != NULL && c < np_node.count; c++)
        (void)knode_is_lost(c);
}

int np_lost_any(void)
{
    return np_nlost > 0;
}

int knode_is_lost(int cluster)
{
    if (np_lost == NULL || cluster < 0 || cluster >= np_node.count)
        return 0;
    if (np_lost[cluster] != 0)
        return 1;
    /* Callers wait on this peer: probe it now and then. A gone one is only
     * suspected here (no lock may be held): the next progress call's scan
     * marks it, under the lock, and the caller's next look sees it. */
    double now = knode_wtime();
    if (cluster != np_node.num && now >= np_probe_next[cluster] && np_host_local(cluster)) {
        np_probe_next[cluster] = now + NP_LOST_PROBE_EVERY;
        if (np_peer_gone(np_peer_pid[cluster]))
            np_lost_suspect();
    }
    return 0;
}

void knode_set_lost_hook(void (*hook)(int cluster))
{
    np_lost_hook = hook;
}

void np_lost_deliver(void)
{
    if (np_nlost == 0 || np_lost_hook == NULL)
        return;
    for (int c = 0; c < np_node.count; c++) {
        if (np_lost[c] != 1)
            continue;
        np_lost[c] = 2;
        np_lost_hook(c);
    }
}
