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
#include "rmig_internal.h"
#include "rmig_wire.h"
#include "rmig_xreq.h"
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

/* The path of a move from cluster `from` to `to`; RMIG_ANY_SPARE: the
 * worst the job has (another host than from's if any cluster is on one).
 * Moves go through a file with NMPI_MIGRATION_MODE=checkpoint. */
static int rmig_path_from(int from, int to)
{
    int here = knode_host_of(from);

    if (rmig_migration_dir() != NULL)
        return RMIG_PATH_CHECKPOINT;
    if (to != RMIG_ANY_SPARE)
        return knode_host_of(to) == here ? RMIG_PATH_LOCAL : RMIG_PATH_HOSTS;
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
    return rmig_model_predict(&m, rmig_path_from(knode_get_num(), cluster), bytes, e);
}

/* Requester id of this cluster's own size questions (a placement's WHERE
 * carries the requester's id; an entry's queries have the mpimigrate pid,
 * never this value, so the two kinds of answer are told apart). */
#define RMIG_SIZE_ID 0xffffffffu

/* Rank context: asks about `rank`, first at cluster c (where the routes
 * say it is): the question goes on along the tombstones of the clusters
 * it left, and the cluster that runs it answers with what a move of it
 * would send now (WHERE/HERE, rmig_wire.h). Waits for the answer up to
 * the move timeout while this rank's messaging progresses and control
 * traffic is served. Returns 0 with *bytes and *at (the cluster that runs
 * it), -ESRCH when the question ended at a cluster without it (no
 * tombstone there: the routes lag), -ETIMEDOUT. */
static int rmig_size_at(int c, int rank, uint64_t *bytes, int *at)
{
    struct rmig_wire_hdr h, r;
    uint32_t nonce = ++rmig_cluster.size_nonce;
    double deadline = knode_wtime() + rmig_timeout();
    unsigned spins = 0;

    memset(&h, 0, sizeof(h));
    h.type = RMIG_MSG_WHERE;
    h.rank = rank;
    h.a = RMIG_REQUESTER(knode_get_num(), RMIG_SIZE_ID);
    h.b = nonce;
    if (rmig_control_write(c, &h) < 0)
        return -ESRCH;
    while (knode_wtime() < deadline) {
        int t = rmig_control_poll_once(&r);

        if (t == RMIG_MSG_HERE && r.a == h.a && r.b == nonce) {
            if (r.arg != RMIG_PLACE_RANK || r.rank != rank)
                return -ESRCH;
            *bytes = r.c;
            *at = r.src_cluster;
            return 0;
        }
        if (t > 0) {
            rmig_control_handle(&r); /* anything else: served as usual */
            spins = 0;
        } else if (rmig_cluster.messaging.progress != NULL &&
                   rmig_cluster.messaging.progress() > 0) {
            spins = 0;
        } else {
            knode_idle(&spins);
        }
    }
    return -ETIMEDOUT;
}

int rmig_estimate_rank(int rank, int cluster, struct rmig_estimate *e)
{
    struct rmig_model m;
    uint64_t bytes = 0;
    int tries, err = -ESRCH, at = -1;

    if (cluster != RMIG_ANY_SPARE && !knode_is_valid(cluster))
        return -EINVAL;
    if (rank < 0 || rank >= rmig_cluster.nranks)
        return -EINVAL;
    if (ua_container_present() && rank == ua_get_rank())
        return rmig_estimate(cluster, e);
    /* Where the routes say (else its start cluster); the question follows
     * the rank's tombstones from there. A cluster without one (routes that
     * lag behind a move) ends it: asked again once this rank's messaging
     * has read more announcements. */
    for (tries = 0; tries < 10 && err == -ESRCH; tries++) {
        unsigned spins = 0;
        int c = rmig_cluster.messaging.route != NULL ? rmig_cluster.messaging.route(rank) : -1;

        if (!knode_is_valid(c))
            c = rank;
        if (c == knode_get_num() && rmig_tomb_of(rank) >= 0)
            c = rmig_tomb_of(rank); /* its start cluster is where this rank runs now */
        err = rmig_size_at(c, rank, &bytes, &at);
        for (int i = 0; err == -ESRCH && i < 100; i++) /* about 10 ms of progress */
            if (rmig_cluster.messaging.progress == NULL || rmig_cluster.messaging.progress() <= 0)
                knode_idle(&spins);
    }
    if (err < 0)
        return err;
    if (at == cluster)
        return -EALREADY;
    rmig_model_current(&m, e->source, sizeof(e->source));
    return rmig_model_predict(&m, rmig_path_from(at, cluster), bytes, e);
}

/* The decision's line: info level, and a report line when asked for.
 * `rank` is the rank decided about: the caller itself, or another one
 * (then the move is only asked). */
static void rmig_decision_log(int rank, int cluster, double gain, const struct rmig_estimate *e,
                              int go)
{
    char who[64], to[32], line[1024];
    const char *verb;

    if (rank == ua_get_rank()) {
        snprintf(who, sizeof(who), "rank %d", rank);
        verb = go ? "moves to" : "stays, not moving to";
    } else {
        snprintf(who, sizeof(who), "rank %d, deciding for rank %d,", ua_get_rank(), rank);
        verb = go ? "asks it to move to" : "leaves it where it is, not moving it to";
    }
    if (cluster == RMIG_ANY_SPARE)
        snprintf(to, sizeof(to), "a spare");
    else
        snprintf(to, sizeof(to), "cluster %d", cluster);
    snprintf(line, sizeof(line),
             "%s %s %s: predicted total %.3f ms %s gain %.3f ms (downtime %.3f ms, %llu "
             "bytes, path %s%s%s; model: %s)",
             who, verb, to, e->total * 1e3, go ? "<" : ">=", gain * 1e3, e->downtime * 1e3,
             (unsigned long long)e->bytes, rmig_path_name(e->path),
             e->figures_of != e->path ? ", figures of " : "",
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
    rmig_decision_log(ua_get_rank(), cluster, gain, e, go);
    if (!go)
        return 0;
    err = rmig_migrate(cluster);
    if (err < 0)
        return err;
    *moved_p = 1;
    return 0;
}

int rmig_ask_if(int host_cluster, int rank, int cluster, double gain, struct rmig_estimate *e,
                int *asked_p)
{
    int err = rmig_estimate_rank(rank, cluster, e), go;

    *asked_p = 0;
    if (err < 0)
        return err;
    go = e->total < gain;
    rmig_decision_log(rank, cluster, gain, e, go);
    if (!go)
        return 0;
    err = rmig_ask(host_cluster, rank, cluster);
    if (err < 0)
        return err;
    *asked_p = 1;
    return 0;
}
