/* rmig_estimate.c: where the library finds its cost model, and the
 * predictions and decisions it makes for the calling rank.
 *
 * The model is per-cluster configuration, not rank state: it is read once
 * per cluster (the first estimate made there; rmig_model_file.c says from
 * where) and kept in a static of the runtime; a rank that moves reads it
 * again on its new cluster, from the same job's environment. An estimate is made in rank context:
 * the bytes are what a move would send now (ua_touched_ranges, as the stream lists them), the path
 * follows knode_host_of of here and there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig.h"
#include "ua.h"

static struct {
    pthread_mutex_t lock;
    int loaded;
    struct rmig_model model;
    char source[RMIG_ESTIMATE_SOURCE_MAX];
} rmig_model_cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

int rmig_model_current(struct rmig_model *m, char *source, size_t len)
{
    pthread_mutex_lock(&rmig_model_cache.lock);
    if (!rmig_model_cache.loaded) {
        rmig_model_load(&rmig_model_cache.model, rmig_model_cache.source,
                        sizeof(rmig_model_cache.source));
        rmig_model_cache.loaded = 1;
    }
    *m = rmig_model_cache.model;
    snprintf(source, len, "%s", rmig_model_cache.source);
    pthread_mutex_unlock(&rmig_model_cache.lock);
    return 0;
}

static int rmig_add_range(void *addr, size_t len, void *arg)
{
    (void)addr;
    *(uint64_t *)arg += len;
    return 0;
}

/* The path of a move from here to cluster; RMIG_ANY_SPARE: the worst the
 * job has (another host if any cluster is on one). */
static int rmig_path_to(int cluster)
{
    int here = knode_host_of(knode_get_num());

    if (cluster != RMIG_ANY_SPARE)
        return knode_host_of(cluster) == here ? RMIG_PATH_LOCAL : RMIG_PATH_HOSTS;
    for (int c = 0; c < knode_count(); c++)
        if (knode_host_of(c) != here)
            return RMIG_PATH_HOSTS;
    return RMIG_PATH_LOCAL;
}

int rmig_estimate(int cluster, struct rmig_estimate *e)
{
    struct rmig_model m;
    uint64_t bytes = 0;
    int err;

    if (cluster != RMIG_ANY_SPARE && !knode_is_valid(cluster))
        return -EINVAL;
    if (cluster == knode_get_num())
        return -EALREADY;
    err = ua_touched_ranges(rmig_add_range, &bytes);
    if (err < 0)
        return err;
    rmig_model_current(&m, e->source, sizeof(e->source));
    return rmig_model_predict(&m, rmig_path_to(cluster), bytes, e);
}

/* The decision's line: info level, and a report line when asked for. */
static void rmig_decision_log(int cluster, double gain, const struct rmig_estimate *e, int go)
{
    char to[32], line[1024];

    if (cluster == RMIG_ANY_SPARE)
        snprintf(to, sizeof(to), "a spare");
    else
        snprintf(to, sizeof(to), "cluster %d", cluster);
    snprintf(line, sizeof(line),
             "rank %d %s %s: predicted total %.3f ms %s gain %.3f ms (downtime %.3f ms, %llu "
             "bytes, path %s%s%s; model: %s)",
             ua_get_rank(), go ? "moves to" : "stays, not moving to", to, e->total * 1e3,
             go ? "<" : ">=", gain * 1e3, e->downtime * 1e3, (unsigned long long)e->bytes,
             rmig_path_name(e->path), e->figures_of != e->path ? ", figures of " : "",
             e->figures_of != e->path ? rmig_path_name(e->figures_of) : "", e->source);
    if (base_setting_on("NMPI_MIGRATION_REPORT"))
        base_report("rmig", "%s", line);
    else
        base_log(BASE_LOG_INFO, "rmig", "%s", line);
}

int rmig_migrate_if(int cluster, double gain, struct rmig_estimate *e, int *moved_p)
{
    int err = rmig_estimate(cluster, e), go;

    *moved_p = 0;
    if (err < 0)
        return err;
    go = e->total < gain;
    rmig_decision_log(cluster, gain, e, go);
    if (!go)
        return 0;
    err = rmig_migrate(cluster);
    if (err < 0)
        return err;
    *moved_p = 1;
    return 0;
}
