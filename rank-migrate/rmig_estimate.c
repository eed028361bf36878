/* rmig_estimate.c: where the library finds its cost model, and the
 * predictions and decisions it makes for the calling rank.
 *
 * The model is per-cluster configuration, not rank state: it is read once
 * per cluster (the first estimate made there), from NMPI_MIGRATION_MODEL or
 * its default path, and kept in a static of the runtime; a rank that moves
 * reads it again on its new cluster, from the same job's environment.
 * Without a valid file the built-in figures stand in, and the source text
 * that every estimate carries says so, and why (no file, or the file's
 * refusal with its line number). An estimate is made in rank context: the
 * bytes are what a move would send now (ua_touched_ranges, as the stream
 * lists them), the path follows knode_host_of of here and there.
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

/* The file to read: the setting, or the default under the config home.
 * Returns 1 when the setting named it (a missing file is then worth a
 * warning), 0 for the default; path[0] is NUL when the name does not fit. */
static int rmig_model_path(char *path, size_t len)
{
    const char *set = base_setting("NMPI_MIGRATION_MODEL");
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int named = set != NULL && set[0] != '\0', n;

    if (named)
        n = snprintf(path, len, "%s", set);
    else if (xdg != NULL && xdg[0] != '\0')
        n = snprintf(path, len, "%s/nanvix-mpi/migration-model", xdg);
    else
        n = snprintf(path, len, "%s/.config/nanvix-mpi/migration-model", home ? home : "");
    if (n < 0 || (size_t)n >= len)
        path[0] = '\0'; /* never read a file of a cut name */
    return named;
}

/* Reads at most RMIG_MODEL_SIZE_MAX + 1 bytes of file into buf. Returns
 * the count, or -errno. */
static long rmig_model_read(const char *file, char *buf)
{
    FILE *f = file[0] != '\0' ? fopen(file, "r") : NULL;
    size_t n;

    if (file[0] == '\0')
        return -ENAMETOOLONG;
    if (f == NULL)
        return -errno;
    n = fread(buf, 1, RMIG_MODEL_SIZE_MAX + 1, f);
    if (ferror(f)) {
        fclose(f);
        return -EIO;
    }
    fclose(f);
    return (long)n;
}

/* Fills the cache: the file's model, or the built-in one and why. */
static void rmig_model_load(void)
{
    static char buf[RMIG_MODEL_SIZE_MAX + 1];
    char file[256], why[160];
    int named = rmig_model_path(file, sizeof(file));
    struct rmig_model *m = &rmig_model_cache.model;
    char *src = rmig_model_cache.source;
    long n = rmig_model_read(file, buf);

    if (n >= 0 && rmig_model_parse(buf, (size_t)n, m, why, sizeof(why)) == 0) {
        snprintf(src, RMIG_ESTIMATE_SOURCE_MAX, "file %s (%s)", file,
                 m->measured[0] ? m->measured : "no measured line");
        return;
    }
    if (n < 0)
        snprintf(why, sizeof(why), "%s", strerror((int)-n));
    rmig_model_builtin(m);
    snprintf(src, RMIG_ESTIMATE_SOURCE_MAX, "%s; %s: %s", m->measured, file, why);
    if (n >= 0 || named)
        base_log(BASE_LOG_WARN, "rmig", "migration model %s refused: %s; estimates use the %s",
                 file, why, m->measured);
}

int rmig_model_current(struct rmig_model *m, char *source, size_t len)
{
    pthread_mutex_lock(&rmig_model_cache.lock);
    if (!rmig_model_cache.loaded) {
        rmig_model_load();
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
