/* cv_state.c: set-up and tear-down of a rank's and a cluster's messaging state.
 *
 * The per-rank state is allocated with malloc in rank context, which the
 * uarea layer serves from the container, and is hung from the uarea so that
 * it is found again wherever the container lands. The per-cluster part (the
 * route cache, the inbox and the open outboxes) is set up lazily the first
 * time this cluster runs a rank's messaging.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cv_internal.h"
#include "rmig.h"
#include "ua.h"

struct cv_cluster cv_cluster = {.inbox = -1};

struct cv_rank *cv_self(void)
{
    return *(struct cv_rank **)ua_root(CV_ROOT_SLOT);
}

/* Rank i starts on cluster i; no outbox is open yet. */
static void cv_cluster_tables_init(void)
{
    int c;

    for (c = 0; c < KNODE_MAX; c++) {
        cv_cluster.route[c] = c;
        cv_cluster.outbox[c] = -1;
    }
}

int cv_cluster_ready(void)
{
    if (cv_cluster.ready)
        return 0;
    cv_cluster.self = knode_get_num();
    cv_cluster.nclusters = knode_count();
    cv_cluster.nranks = rmig_rank_count();
    cv_cluster.job = knode_job_token();
    if (cv_cluster.self < 0 || cv_cluster.nranks <= 0 || cv_cluster.nclusters > KNODE_MAX)
        return CV_ERR_INTERN;
    cv_cluster_tables_init();
    /* Read once per cluster: every send compares with it. */
    long eager = base_setting_long("NMPI_EAGER_LIMIT", 0, CV_EAGER_LIMIT);
    cv_cluster.eager_limit = eager >= 0 && eager <= CV_EAGER_LIMIT ? (size_t)eager : CV_EAGER_LIMIT;
    cv_cluster.inbox = kmailbox_create(cv_cluster.self, CV_MAILBOX_PORT);
    if (cv_cluster.inbox < 0)
        return cv_cluster.inbox;
    cv_cluster.ready = 1;
    return 0;
}

/* comm-virt owns the lower half of the portal ports; the migration daemon
 * uses the upper half, so the two never collide. */
uint32_t cv_port_alloc(void)
{
    cv_cluster.next_port = (cv_cluster.next_port + 1) % (KPORTAL_PORT_MAX / 2);
    if (cv_cluster.next_port == 0)
        cv_cluster.next_port = 1;
    return cv_cluster.next_port;
}

/* Allocates the per-rank tables (in the container). */
static struct cv_rank *cv_rank_alloc(int rank, int size)
{
    struct cv_rank *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->rank = rank;
    r->size = size;
    r->send_seq = calloc((size_t)size, sizeof(uint32_t));
    r->recv_seq = calloc((size_t)size, sizeof(uint32_t));
    r->held = calloc((size_t)size, sizeof(struct cv_msg *));
    r->route_snap = calloc((size_t)size, sizeof(int));
    r->epoch_snap = calloc((size_t)size, sizeof(uint32_t));
    if (r->send_seq == NULL || r->recv_seq == NULL || r->held == NULL || r->route_snap == NULL ||
        r->epoch_snap == NULL) {
        free(r->route_snap);
        free(r->epoch_snap);
        free(r->send_seq);
        free(r->recv_seq);
        free(r->held);
        free(r);
        return NULL;
    }
    return r;
}

int cv_init(void)
{
    struct cv_rank *r;
    int ret = cv_cluster_ready();

    if (ret < 0)
        return ret;
    if (cv_self() != NULL)
        return 0;
    /* At start rank i runs on cluster i; the rank number then stays in the
     * container wherever it goes. */
    if (ua_get_rank() < 0 && ua_set_rank(cv_cluster.self) < 0)
        return CV_ERR_INTERN;
    r = cv_rank_alloc(ua_get_rank(), cv_cluster.nranks);
    if (r == NULL)
        return -ENOMEM;
    *(struct cv_rank **)ua_root(CV_ROOT_SLOT) = r;
    return 0;
}

uint64_t cv_sent_count(void)
{
    const struct cv_rank *r = cv_self();
    uint64_t n = 0;

    for (int i = 0; r != NULL && i < r->size; i++)
        n += r->send_seq[i];
    return n;
}

int cv_initialized(void)
{
    return cv_self() != NULL;
}

int cv_rank(void)
{
    struct cv_rank *r = cv_self();

    return r ? r->rank : -1;
}

int cv_size(void)
{
    struct cv_rank *r = cv_self();

    return r ? r->size : -1;
}

int cv_route(int rank)
{
    if (!cv_cluster.ready || rank < 0 || rank >= cv_cluster.nranks)
        return CV_ERR_RANK;
    return cv_cluster.route[rank];
}

/* Drops queued messages and frees the per-rank tables. */
static void cv_rank_release(struct cv_rank *r)
{
    struct cv_msg *m, *next;
    int i;

    for (m = r->unexpected.head; m != NULL; m = next) {
        next = m->next;
        free(m);
    }
    for (i = 0; i < r->size; i++) {
        for (m = r->held[i]; m != NULL; m = next) {
            next = m->next;
            free(m);
        }
    }
    free(r->spare);
    free(r->send_seq);
    free(r->recv_seq);
    free(r->held);
    free(r->route_snap);
    free(r->epoch_snap);
    free(r);
}

int cv_finalize(void)
{
    struct cv_rank *r = cv_self();
    unsigned spins = 0;
    int ret = 0;

    if (r == NULL)
        return 0;
    rmig_rank_finalizing(); /* the MPI layer's ranks have all met */
    /* Sends the application released early must still be delivered. */
    while (r->active != NULL) {
        if (cv_progress() == 0)
            cv_idle(&spins);
        else
            spins = 0;
    }
    if (r->rank == 0)
        ret = rmig_end_idle_clusters(cv_cluster.route, cv_cluster.nranks);
    cv_rank_release(r);
    *(struct cv_rank **)ua_root(CV_ROOT_SLOT) = NULL;
    if (rmig_cluster_leave() < 0 && ret == 0)
        ret = CV_ERR_INTERN;
    return ret;
}
