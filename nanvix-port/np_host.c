/* np_host.c: which clusters of the job share this cluster's host.
 *
 * The same-host paths (mailbox rings and np_push in np_shm.c / np_push.c,
 * libfabric's shm provider, pids for np_lost.c) need three things of a
 * peer: the same kernel, the same /dev/shm and the same pid namespace. A
 * hostname says none of them for sure (containers and the emulated hosts of
 * tests/hosts share hostnames or have their own; two machines can be named
 * alike), so a cluster's host identity is made of exactly those three:
 *
 *   b<boot_id>          /proc/sys/kernel/random/boot_id: one per kernel boot
 *   s<dev>:<ino>        stat("/dev/shm"): the tmpfs the rings live in; a
 *                       tmpfs's device number is unique among the mounted
 *                       file systems of one kernel, so with the boot_id it
 *                       names one /dev/shm (a container's, a test host's)
 *   p<dev>:<ino>        stat("/proc/self/ns/pid"): the pid namespace, in
 *                       which the peer's pid means its process
 *
 * The rule: peer c is on this host iff its identity string equals ours
 * (compared whole; the hostname published beside it is only for messages).
 * Both ends of a pair must decide alike, so nothing else enters it; for a
 * peer that passes, kill(pid, 0) is checked too and warns if it says ESRCH
 * (a pid namespace inode reused across boots cannot be, the boot_id is in
 * the identity; this catches what the rule missed). What cannot be read (no /proc, no
 * /dev/shm) is replaced by this process's pid, so such a cluster is a host
 * of its own: the slow path is always safe, the fast one only when proven.
 *
 * Each cluster publishes "np-host-<cluster>" = "<identity>/<hostname>" before
 * the first bootstrap barrier and reads everyone's after it (np_host_fetch);
 * since all read the same values, both ends of every pair decide alike. The
 * job spans hosts when some cluster's identity differs from cluster 0's;
 * np_fabric.c then opens the inter-host provider. Hosts are numbered in the
 * order of their first cluster (the host of cluster 0 is host 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "np_internal.h"

#define NP_HOST_ID_MAX   160
#define NP_HOST_NAME_MAX 64

struct np_host_entry {
    char id[NP_HOST_ID_MAX];
    char name[NP_HOST_NAME_MAX];
    int host;  /* host number */
    int local; /* on this cluster's host */
};

static struct np_host_entry *np_hosts; /* by cluster */
static int np_host_nclusters;
static int np_host_count; /* distinct hosts */

/* Appends the identity part for a readable boot_id, or the pid. */
static void np_host_boot(char *out, size_t len)
{
    char boot[64] = "";
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, boot, sizeof(boot) - 1) : -1;
    if (fd >= 0)
        close(fd);
    size_t k = 0;
    for (ssize_t i = 0; i < n; i++) /* keep the hex digits: no '-' or '\n' */
        if ((boot[i] >= '0' && boot[i] <= '9') || (boot[i] >= 'a' && boot[i] <= 'f'))
            boot[k++] = boot[i];
    boot[k] = '\0';
    if (k < 16)
        snprintf(out, len, "bpid%ld", (long)getpid());
    else
        snprintf(out, len, "b%s", boot);
}

/* Appends "<tag><dev>:<ino>" of path, or "<tag>pid<pid>" when it cannot be
 * read. */
static void np_host_stat(char *out, size_t len, char tag, const char *path)
{
    struct stat st;
    size_t used = strlen(out);
    if (stat(path, &st) == 0)
        snprintf(out + used, len - used, ".%c%llx:%llx", tag, (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
    else
        snprintf(out + used, len - used, ".%cpid%ld", tag, (long)getpid());
}

/* This process's identity (see the header). */
static void np_host_identity(char *out, size_t len)
{
    np_host_boot(out, len);
    np_host_stat(out, len, 's', "/dev/shm");
    np_host_stat(out, len, 'p', "/proc/self/ns/pid");
}

/* The hostname, made fit for a PMI value (printable, no '/', '=' or space). */
static void np_host_name_here(char *out, size_t len)
{
    if (gethostname(out, len) != 0)
        snprintf(out, len, "?");
    out[len - 1] = '\0';
    for (char *p = out; *p != '\0'; p++)
        if (*p <= ' ' || *p == '=' || *p == '/' || *p == 127)
            *p = '_';
}

int np_host_publish(void)
{
    char id[NP_HOST_ID_MAX], name[NP_HOST_NAME_MAX], key[32],
        val[NP_HOST_ID_MAX + NP_HOST_NAME_MAX];
    np_host_identity(id, sizeof(id));
    np_host_name_here(name, sizeof(name));
    snprintf(key, sizeof(key), "np-host-%d", np_node.num);
    snprintf(val, sizeof(val), "%s/%s", id, name);
    return np_pmi_put(key, val) == 0 ? 0 : -EIO;
}

/* Reads cluster c's identity and name into e. Returns 0 or -EIO. */
static int np_host_read(int c, struct np_host_entry *e)
{
    char key[32], val[NP_HOST_ID_MAX + NP_HOST_NAME_MAX];
    snprintf(key, sizeof(key), "np-host-%d", c);
    if (np_pmi_get(key, val, sizeof(val)) != 0)
        goto bad;
    char *slash = strchr(val, '/');
    if (slash == NULL || slash == val || (size_t)(slash - val) >= sizeof(e->id))
        goto bad;
    *slash = '\0';
    memcpy(e->id, val, (size_t)(slash - val) + 1); /* fits: checked above */
    snprintf(e->name, sizeof(e->name), "%s", slash + 1);
    return 0;
bad:
    np_error("bootstrap: no valid host identity of cluster %d in the PMI key-value space", c);
    return -EIO;
}

int np_host_fetch(void)
{
    np_hosts = calloc((size_t)np_node.count, sizeof(*np_hosts));
    if (np_hosts == NULL)
        return -ENOMEM;
    np_host_nclusters = np_node.count;
    np_host_count = 0;
    for (int c = 0; c < np_node.count; c++) {
        struct np_host_entry *e = &np_hosts[c];
        if (np_host_read(c, e) != 0)
            return -EIO;
        e->host = -1;
        for (int d = 0; d < c && e->host < 0; d++)
            if (strcmp(np_hosts[d].id, e->id) == 0)
                e->host = np_hosts[d].host;
        if (e->host < 0)
            e->host = np_host_count++;
    }
    int here = 0;
    for (int c = 0; c < np_node.count; c++) {
        np_hosts[c].local = np_hosts[c].host == np_hosts[np_node.num].host;
        here += np_hosts[c].local;
    }
    base_log(BASE_LOG_INFO, "port",
             "host: cluster %d is on host %d (%s) of %d, with %d of %d clusters", np_node.num,
             np_hosts[np_node.num].host, np_hosts[np_node.num].name, np_host_count, here,
             np_node.count);
    return 0;
}

/* Checks the rule against the peers' pids (np_pid_fetch done): a peer of
 * this host whose process cannot be seen here is worth a warning (the
 * kernel copies to it will fail, and np_shm.c's cma test turns them off).
 * The rule is not changed: both ends of a pair must choose alike. */
void np_host_check_pids(void)
{
    for (int c = 0; c < np_host_nclusters; c++) {
        pid_t pid = np_peer_pid_of(c);
        if (c == np_node.num || !np_hosts[c].local || pid <= 0)
            continue;
        if (kill(pid, 0) < 0 && errno == ESRCH) {
            np_warn("bootstrap: cluster %d has this host's identity but its process %ld is not "
                    "visible here",
                    c, (long)pid);
        }
    }
}

int np_host_local(int cluster)
{
    return np_hosts != NULL && cluster >= 0 && cluster < np_host_nclusters &&
           np_hosts[cluster].local;
}

int np_host_spans(void)
{
    return np_host_count > 1;
}

void np_host_teardown(void)
{
    free(np_hosts);
    np_hosts = NULL;
    np_host_nclusters = 0;
    np_host_count = 0;
}

int knode_host_of(int cluster)
{
    np_enter();
    int ret = np_cluster_ok(cluster) && np_hosts != NULL ? np_hosts[cluster].host : -EINVAL;
    np_leave();
    return ret;
}

int knode_host_name(int cluster, char *name, size_t len)
{
    if (name == NULL || len == 0)
        return -EINVAL;
    np_enter();
    int ret = -EINVAL;
    if (np_cluster_ok(cluster) && np_hosts != NULL && strlen(np_hosts[cluster].name) < len) {
        strcpy(name, np_hosts[cluster].name);
        ret = 0;
    }
    np_leave();
    return ret;
}
