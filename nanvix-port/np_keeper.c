/* np_keeper.c: a small parent process that keeps Hydra from ending the job
 * when one cluster's process is killed.
 *
 * Hydra 4.0's proxy kills every process of the job as soon as one of its
 * children ends by a signal, -disable-auto-cleanup or not (pmip.c: a
 * WIFSIGNALED status sends SIGKILL to all); the option only changes what
 * happens when a process closes its PMI socket without finalizing (the
 * others then get SIGUSR1, np_lost.c). So when tools/mpiexec asks for it
 * (NMPI_KEEPER=1, with -disable-auto-cleanup), each process forks at
 * start-up: the child goes on to be the cluster; the parent - Hydra's child
 * - closes its copy of the PMI socket (so the socket closes when the
 * cluster dies and Hydra tells the others), waits for the cluster and
 * exits with its status, 128 + the signal when it was killed: an exit, not
 * a signal, so the proxy lets the other clusters run. Whether the job can
 * go on without that cluster is for the clusters to decide (rank-migrate's
 * rmig_lost.c): a spare, yes; a rank, no, and they end the job.
 *
 * The keeper forwards the termination signals sent to its pid alone to the
 * cluster, and ignores SIGUSR1 (Hydra's notice, which reaches the cluster
 * through the process group anyway). Written by hand: no library does
 * "survive Hydra's cleanup rule".
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "np_internal.h"

static volatile pid_t np_keeper_child;

static void np_keeper_forward(int sig)
{
    if (np_keeper_child > 0)
        kill(np_keeper_child, sig);
}

static void np_keeper_signals(void)
{
    static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = np_keeper_forward;
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        sigaction(forwarded[i], &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGUSR1, &sa, NULL);
}

/* The parent: waits for the cluster and ends with its status. */
static void np_keeper_run(pid_t child)
{
    const char *fd_text = getenv("PMI_FD");
    int status;

    np_keeper_child = child;
    if (fd_text != NULL)
        close(atoi(fd_text));
    np_keeper_signals();
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            _exit(127);
    if (WIFSIGNALED(status)) {
        const char *rank = getenv("PMI_RANK");

        base_log(BASE_LOG_WARN, "port", "cluster %s (pid %ld) was killed by signal %d (%s)",
                 rank != NULL ? rank : "?", (long)child, WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        _exit(128 + WTERMSIG(status));
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

void kjob_keeper_start(void)
{
    if (strcmp(base_setting("NMPI_KEEPER"), "1") != 0 || getenv("PMI_FD") == NULL)
        return;
    /* The cluster re-executes itself without address randomisation at most
     * once, before this; nothing after may start a second keeper. */
    unsetenv("NMPI_KEEPER");
    pid_t child = fork();

    if (child < 0) {
        np_warn("cannot fork the keeper (%s): a killed cluster will end the job", strerror(errno));
        return;
    }
    if (child > 0)
        np_keeper_run(child);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* nothing outlives a killed keeper */
}
