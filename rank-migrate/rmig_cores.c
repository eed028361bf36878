/* rmig_cores.c: which core each cluster runs on, and which spare a move
 * to "any spare" tries first.
 *
 * Policy (NMPI_BIND): with "auto" (the default) every cluster binds to core
 * (cluster number mod cores) when the ranks at start fit on the cores, so
 * ranks 0..n-1 get a core each and spares share cores round-robin; when the
 * ranks oversubscribe the cores nothing is bound and the scheduler
 * balances, as MPICH and Open MPI do. "core" binds whatever the shape,
 * "none" never. The rule is a function of the cluster number, so every
 * cluster knows every other's core without asking.
 *
 * A move to any spare then prefers a spare whose core runs no rank (the
 * mover's own core counts as free: it leaves it), so a rank that moves
 * does not land on a busy core while another core stays idle.
 *
 * And a rank keeps its core when it moves within a host: the cluster that
 * takes it binds itself to the rank's core (rank r starts on cluster r, so
 * on core r mod cores) before running it. Without this, 2 ranks and 1
 * spare on 2 cores put the moved rank on the spare's core 0, beside rank 0,
 * while core 1 idled: make bench-precopy's NPB runs lost 72-122% of their
 * time after one move on a quiet machine. A post-copy rank takes its core
 * only once every page is here: until then the source, bound to that core,
 * serves its pulls. The cluster a rank left leaves that core in turn
 * (rmig_cores_vacate: back to its own core of the start, or the next one):
 * without it, a rank moved to a spare and back found both clusters on its
 * core, and every handshake of the copy waited for the scheduler (make
 * bench-migration's moves back and forth: 16 MiB 78 ms instead of 3.5, 256
 * MiB 1050 ms instead of 48). The spare order above still
 * reads the cores of the start (cluster c on core c mod cores): a guess for
 * moves between hosts, where the rank's core means nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

void rmig_cores_bind(void)
{
    const char *mode = base_setting("NMPI_BIND");
    int cores = knode_core_count(), me = knode_get_num(), core;

    rmig_cluster.ncores = 0;
    if (strcmp(mode, "none") == 0 || cores <= 0)
        return;
    if (strcmp(mode, "core") != 0) {
        if (strcmp(mode, "auto") != 0)
            base_log(BASE_LOG_WARN, "rmig", "NMPI_BIND=%s: want auto, core or none; using auto",
                     mode);
        if (rmig_cluster.nranks > cores)
            return; /* oversubscribed: leave placement to the scheduler */
    }
    core = knode_bind_core(me);
    if (core < 0)
        return;
    rmig_cluster.ncores = cores;
    rmig_cluster.bound_core = core;
    base_log(BASE_LOG_DEBUG, "rmig", "cluster %d bound to core %d of %d", me, core, cores);
}

void rmig_cores_follow(int rank, int from)
{
    int me = knode_get_num();

    if (rmig_cluster.ncores <= 0 || rank < 0 || knode_host_of(from) != knode_host_of(me))
        return;
    int core = rank % rmig_cluster.ncores;
    if (core == rmig_cluster.bound_core)
        return;
    if (knode_bind_core(core) == core) {
        rmig_cluster.bound_core = core;
        base_log(BASE_LOG_DEBUG, "rmig", "cluster %d bound to core %d, rank %d's", me, core, rank);
    }
}

void rmig_cores_vacate(int rank, int dest)
{
    int me = knode_get_num(), n = rmig_cluster.ncores;

    if (n <= 1 || rank < 0 || knode_host_of(dest) != knode_host_of(me))
        return;
    int left = rank % n, core = me % n;

    if (rmig_cluster.bound_core != left)
        return;
    if (core == left)
        core = (left + 1) % n;
    if (knode_bind_core(core) == core) {
        rmig_cluster.bound_core = core;
        base_log(BASE_LOG_DEBUG, "rmig", "cluster %d bound to core %d, rank %d's left", me, core,
                 rank);
    }
}

int rmig_core_of(int cluster)
{
    return rmig_cluster.ncores > 0 ? cluster % rmig_cluster.ncores : -1;
}

/* Ranks (other than the caller's) running on each core, from the caller's
 * routes; load must hold rmig_cluster.ncores counters. */
static void rmig_core_load(int *load)
{
    int (*route)(int) = rmig_cluster.messaging.route;
    int me = ua_get_rank();

    memset(load, 0, sizeof(int) * (size_t)rmig_cluster.ncores);
    for (int r = 0; r < rmig_cluster.nranks; r++) {
        int c = r == me ? -1 : route(r);

        if (c >= 0)
            load[rmig_core_of(c)]++;
    }
}

int rmig_spare_order(int *order)
{
    int count = knode_count(), self = knode_get_num(), n = 0;

    /* The spares of the start first (most likely idle), then the others;
     * never a cluster whose process is gone. */
    for (int i = 0; i < count; i++) {
        int c = (rmig_cluster.nranks + i) % count;

        if (c != self && !knode_is_lost(c))
            order[n++] = c;
    }
    if (rmig_cluster.ncores <= 0 || rmig_cluster.messaging.route == NULL || n < 2)
        return n;
    int *load = calloc((size_t)rmig_cluster.ncores, sizeof(int));
    if (load == NULL)
        return n;
    rmig_core_load(load);
    /* Stable insertion sort by the load of each candidate's core: n is the
     * cluster count (at most KNODE_MAX), and the order within a load is the
     * one above. */
    for (int i = 1; i < n; i++) {
        int c = order[i], k = load[rmig_core_of(c)], j = i - 1;

        while (j >= 0 && load[rmig_core_of(order[j])] > k) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = c;
    }
    free(load);
    return n;
}
