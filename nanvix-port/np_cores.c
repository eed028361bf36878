/* np_cores.c: the host's cores, binding this cluster to one of them, and
 * how loaded they are.
 *
 * hwloc gives the cores this process may run on (the cpuset it inherited
 * from the launcher, so a job started under taskset or a batch system's
 * cgroup counts only what it was given) in a stable order. Binding is per
 * process (every thread of the cluster, libfabric's included) to all the
 * hardware threads of one core. Nothing here decides which cluster gets
 * which core: that is the caller's policy (rank-migrate's boot).
 */
#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "np_internal.h"

/* The topology, loaded once per process on first use; NULL if hwloc
 * failed (then nothing is bound and the count is 0). */
static hwloc_topology_t np_topology;
static int np_topology_loaded;

static hwloc_topology_t np_topology_get(void)
{
    if (!np_topology_loaded) {
        np_topology_loaded = 1;
        if (hwloc_topology_init(&np_topology) < 0)
            return np_topology = NULL;
        if (hwloc_topology_load(np_topology) < 0) {
            hwloc_topology_destroy(np_topology);
            np_topology = NULL;
        }
    }
    return np_topology;
}

int knode_core_count(void)
{
    hwloc_topology_t t = np_topology_get();

    if (t == NULL)
        return 0;
    int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
    return n > 0 ? n : 0;
}

int knode_bind_core(int index)
{
    hwloc_topology_t t = np_topology_get();
    int n = knode_core_count();

    if (t == NULL || n == 0)
        return -ENOSYS;
    if (index < 0)
        return -EINVAL;
    hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, (unsigned)(index % n));
    if (core == NULL || core->cpuset == NULL)
        return -ENOENT;
    if (hwloc_set_cpubind(t, core->cpuset, HWLOC_CPUBIND_PROCESS) < 0) {
        int err = errno;
        base_log(BASE_LOG_WARN, "port", "cannot bind to core %d: %s", index % n, strerror(err));
        return -err;
    }
    return index % n;
}

double np_cpu_load_parse(const char *line, long cpus)
{
    double avg1, avg5, avg15;
    long running, threads;

    if (cpus < 1 ||
        sscanf(line, "%lf %lf %lf %ld/%ld", &avg1, &avg5, &avg15, &running, &threads) != 5 ||
        running < 1)
        return 1.0;
    double load = (double)running / (double)cpus;
    return load > 1.0 ? load : 1.0;
}

/* The instantaneous count, not the load averages: they lag a minute
 * behind, and a move is decided on the node as it is when it is asked. */
double knode_cpu_load(void)
{
    FILE *f = fopen("/proc/loadavg", "re");
    char line[128];
    int ok = f != NULL && fgets(line, sizeof(line), f) != NULL;

    if (f != NULL)
        fclose(f);
    return ok ? np_cpu_load_parse(line, sysconf(_SC_NPROCESSORS_ONLN)) : 1.0;
}
