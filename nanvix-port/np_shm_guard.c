/* np_shm_guard.c: a process per cluster that removes the cluster's files in
 * /dev/shm as soon as the cluster is gone, however it ended.
 *
 * A cluster unlinks its same-host regions itself when it ends well or
 * aborts (np_shm.c, np_fabric.c), but one killed with SIGKILL cannot, and
 * when a job dies Hydra's proxies kill every process of it, keepers
 * (np_keeper.c) and clusters alike. tools/mpiexec's watcher sweeps the
 * launching host afterwards; on the job's other hosts only the next job of
 * the user would (np_sweep.c), 16 MiB a cluster meanwhile. So each cluster
 * of a launched job starts, first thing, a guard out of Hydra's reach (a
 * new session, not Hydra's child: a grandchild whose parent has exited)
 * that waits on a pidfd for the cluster to end and then removes the files
 * named after the cluster's pid (nmpi-<uid>-...-<pid>), and exits. It holds
 * no descriptor of the job but the pidfd (so it keeps no pipe of Hydra's
 * open), ignores the signals a terminal or Hydra sends a job, and lives
 * exactly as long as its cluster. Forked before the container exists, it
 * shares next to nothing. By hand: no package watches another process's
 * POSIX shared-memory files.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "np_internal.h"

/* The guard: nothing of the cluster's but the pidfd, then the wait. */
static void np_shm_guard_run(int pidfd, pid_t cluster) __attribute__((noreturn));
static void np_shm_guard_run(int pidfd, pid_t cluster)
{
    static const int ignored[] = {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE};
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        signal(ignored[i], SIG_IGN);
    for (int fd = 0; fd < 3; fd++)
        if (null >= 0 && fd != pidfd)
            dup2(null, fd);
    for (int fd = 3; fd < 1024; fd++) /* close_range is newer than some libcs */
        if (fd != pidfd)
            close(fd);
    prctl(PR_SET_NAME, "nmpi-shm-guard");
    while (poll(&p, 1, -1) < 0 && errno == EINTR)
        ;
    np_shm_remove(cluster);
    _exit(0);
}

void kjob_shm_guard_start(void)
{
    pid_t cluster = getpid(), mid;
    int pidfd;

    if (getenv("PMI_FD") == NULL) /* a singleton: nothing launched it */
        return;
    pidfd = (int)syscall(SYS_pidfd_open, cluster, 0);
    if (pidfd < 0) {
        np_warn("cannot watch this cluster's end (pidfd_open: %s): its /dev/shm files stay "
                "if it is killed",
                strerror(errno));
        return;
    }
    mid = fork();
    if (mid == 0) {
        setsid(); /* out of the job's process group and session */
        if (fork() == 0)
            np_shm_guard_run(pidfd, cluster);
        _exit(0);
    }
    close(pidfd);
    if (mid < 0) {
        np_warn("cannot start the /dev/shm guard (%s)", strerror(errno));
        return;
    }
    while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
        ;
}
