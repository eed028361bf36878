/* np_sweep.c: what dead jobs left in this host's /dev/shm.
 *
 * A job killed before its bootstrap ended can leave its same-host regions
 * behind (mailbox rings, np_shm.c; libfabric's shm regions, np_fabric.c):
 * every cluster unlinks its own only once all peers mapped them. tools/mpiexec
 * removes such leftovers on the launching host (sweep_dead_jobs), but on the
 * other hosts of a job only Hydra's proxy and the clusters run, so the first
 * cluster of every later job of the user sweeps its host here. A file is
 * removed when its name is ours (nmpi-<uid>-...-<pid>), it belongs to this
 * user, the process named by the pid after its last '-' is gone, and it has
 * not been written for NP_SWEEP_AGE seconds: a live job's regions exist only
 * during its bootstrap, and the age keeps a job whose processes this pid
 * namespace cannot see (a container sharing /dev/shm) out of reach while it
 * boots. By hand because no package removes another program's POSIX
 * shared-memory files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "np_internal.h"

#define NP_SWEEP_AGE 60 /* seconds since a leftover was last written */

/* The pid that ends name, or -1 when it does not end in "-<digits>". */
static long np_sweep_pid(const char *name)
{
    const char *dash = strrchr(name, '-');
    char *end;
    long pid;

    if (!dash || !dash[1])
        return -1;
    errno = 0;
    pid = strtol(dash + 1, &end, 10);
    return *end || errno || pid <= 0 ? -1 : pid;
}

int np_shm_remove(long only_pid)
{
    char prefix[32];
    struct dirent *e;
    struct stat st;
    int removed = 0;
    DIR *d = opendir("/dev/shm");

    if (!d)
        return 0;
    snprintf(prefix, sizeof(prefix), "nmpi-%u-", (unsigned)getuid());
    while ((e = readdir(d)) != NULL) {
        long pid = np_sweep_pid(e->d_name);

        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || pid < 0 ||
            (only_pid > 0 && pid != only_pid) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != getuid() || (only_pid <= 0 && time(NULL) - st.st_mtime < NP_SWEEP_AGE))
            continue;
        /* only_pid is known to have ended (it may be a zombie nobody reaps). */
        if (only_pid <= 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

int np_shm_sweep(void)
{
    int removed = np_shm_remove(0);

    if (removed)
        base_log(BASE_LOG_INFO, "port", "shm: removed %d file(s) that dead jobs left in /dev/shm",
                 removed);
    return removed;
}
