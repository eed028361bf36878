/* np_fabric.c: the cluster's libfabric endpoints, their CQs and AVs, and progress.
 *
 * Up to two endpoints (NP_FAB_MAX), each one FI_EP_RDM endpoint with
 * FI_TAGGED, send-after-send ordering, an FI_AV_TABLE address vector and one
 * CQ in FI_CQ_FORMAT_TAGGED:
 *  - NP_FAB_HOST reaches the clusters of this host (np_host.c): provider
 *    `shm`, or what FI_PROVIDER names;
 *  - NP_FAB_NET reaches the clusters of other hosts: "tcp;ofi_rxm", opened
 *    only when the job spans hosts and FI_PROVIDER is not set (with
 *    FI_PROVIDER set, its provider reaches every cluster through the one
 *    endpoint, as the user asked).
 * Every cluster of the job opens the same set (the decision is made from the
 * job's host identities, which all clusters read alike), so both ends of a
 * pair use the same endpoint kind: np_fabric_of(cluster). Each AV holds only
 * the clusters its endpoint reaches; addrs[] maps cluster -> fi_addr.
 *
 * Every posted operation carries a struct np_op whose done hook the progress
 * function calls with the completion, so completions reach their object
 * whichever thread polls; progress drains every endpoint's CQ. Receives
 * always match exactly one 64-bit tag from any source (the tag says who may
 * send, see np_internal.h): a receive from any cluster is posted on every
 * endpoint (mailbox slots, sync slots), one from a given cluster on the
 * endpoint that reaches it (portals). Callers hold np_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rdma/fi_cm.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#include "np_internal.h"

#define NP_CQ_BATCH      16
#define NP_CHUNK_DEFAULT ((size_t)1 << 30)

struct np_fabric np_fabs[NP_FAB_MAX];
int np_fab_count;
static unsigned char *np_fab_of; /* by cluster: the endpoint that reaches it */

/* The provider between hosts when FI_PROVIDER names none. */
#define NP_PROVIDER_NET "tcp;ofi_rxm"

/* The provider of endpoint `which`: FI_PROVIDER if set (then there is one
 * endpoint), else shm within the host and the inter-host provider between
 * hosts. */
static const char *np_provider_name(int which)
{
    const char *prov = base_setting("FI_PROVIDER");
    if (*prov != '\0')
        return prov;
    return which == NP_FAB_NET ? NP_PROVIDER_NET : "shm";
}

int np_fabric_of(int cluster)
{
    return np_fab_of != NULL && cluster >= 0 && cluster < np_node.count ? np_fab_of[cluster]
                                                                        : NP_FAB_HOST;
}

static struct fi_info *np_hints(const char *prov)
{
    struct fi_info *hints = fi_allocinfo();
    if (hints == NULL)
        return NULL;
    hints->caps = FI_TAGGED;
    hints->mode = FI_CONTEXT | FI_CONTEXT2;
    hints->ep_attr->type = FI_EP_RDM;
    hints->tx_attr->msg_order = FI_ORDER_SAS;
    hints->rx_attr->msg_order = FI_ORDER_SAS;
    hints->domain_attr->threading = FI_THREAD_DOMAIN;
    hints->domain_attr->av_type = FI_AV_TABLE;
    hints->domain_attr->mr_mode = FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY;
    hints->fabric_attr->prov_name = strdup(prov);
    return hints;
}

static size_t np_chunk_size(const struct fi_info *info)
{
    size_t chunk = info->ep_attr->max_msg_size;
    const char *env = base_setting("NP_PORTAL_CHUNK"); /* for tests of chunking */
    if (chunk == 0 || chunk > NP_CHUNK_DEFAULT)
        chunk = NP_CHUNK_DEFAULT;
    if (strtoull(env, NULL, 10) > 0 && strtoull(env, NULL, 10) < chunk)
        chunk = strtoull(env, NULL, 10);
    return chunk;
}

/* What the shm provider needs in /dev/shm for one cluster's region. */
#define NP_SHM_REGION_BYTES ((unsigned long long)16 << 20)

/* Bytes free in /dev/shm, or -1 when that cannot be told. */
static long long np_dev_shm_free(void)
{
    struct statvfs vfs;

    if (statvfs("/dev/shm", &vfs) != 0)
        return -1;
    return (long long)vfs.f_bavail * (long long)vfs.f_frsize;
}

/* The shm provider offers nothing when it cannot make its region: say so
 * when that is why, rather than suspect the installation. */
static void np_getinfo_failed(const char *prov, int ret)
{
    long long avail = np_dev_shm_free();

    if (strncmp(prov, "shm", 3) == 0 && avail >= 0 &&
        (unsigned long long)avail < NP_SHM_REGION_BYTES) {
        np_error("fabric: /dev/shm is full (%lld KiB free; libfabric's shm provider needs "
                 "16 MiB per cluster). Free space there (what killed jobs of this user left "
                 "goes at the next mpiexec), or run with FI_PROVIDER=\"tcp;ofi_rxm\" "
                 "(NMPI_SHM=0 does not help: it turns off only nanvix-mpi's own rings).",
                 avail / 1024);
        return;
    }
    np_error("fabric: no libfabric provider \"%s\" with FI_EP_RDM + FI_TAGGED (%s). "
             "Check that the Debian package libfabric1 is installed and run "
             "`fi_info -p '%s' -t FI_EP_RDM` (package libfabric-bin) to diagnose; "
             "set FI_PROVIDER to choose another provider.",
             prov, fi_strerror(-ret), prov);
}

static int np_getinfo(struct np_fabric *f, const char *prov)
{
    struct fi_info *hints = np_hints(prov);
    if (hints == NULL)
        return -ENOMEM;
    int ret = fi_getinfo(FI_VERSION(1, 11), NULL, NULL, 0, hints, &f->info);
    fi_freeinfo(hints);
    if (ret != 0) {
        np_getinfo_failed(prov, ret);
        f->info = NULL;
        return -EIO;
    }
    if ((f->info->ep_attr->mem_tag_format >> 63) == 0) {
        np_error("fabric: provider \"%s\" offers tags of fewer than 64 bits (mem_tag_format "
                 "%#llx)",
                 f->info->fabric_attr->prov_name,
                 (unsigned long long)f->info->ep_attr->mem_tag_format);
        return -EIO;
    }
    f->inject_size = f->info->tx_attr->inject_size;
    f->chunk_size = np_chunk_size(f->info);
    return 0;
}

static int np_check(int ret, const char *what)
{
    if (ret != 0)
        np_error("fabric: %s failed: %s", what, fi_strerror(-ret));
    return ret;
}

/* The shm provider names its /dev/shm region "<pid>:<ep>:<domain>" unless
 * told otherwise; a region left by a killed process then makes fi_enable
 * fail (EBUSY) in any later process that gets the same pid. A name made of
 * the job token, the cluster and the pid cannot meet a leftover. Returns 0
 * or a negative fabric error. */
static void np_fabric_shm_name(char *name, size_t len)
{
    snprintf(name, len, "nmpi-%u-%016llx-%d-%ld", (unsigned)getuid(),
             (unsigned long long)np_node.token, np_node.num, (long)getpid());
}

static int np_fabric_name_shm(struct np_fabric *f)
{
    char name[96];
    if (strcmp(f->info->fabric_attr->prov_name, "shm") != 0)
        return 0;
    np_fabric_shm_name(name, sizeof(name));
    return fi_setname(&f->ep->fid, name, strlen(name) + 1);
}

/* Removes the name of this cluster's shm region (the mapping lives on
 * until exit, peers that mapped it keep it): for kjob_abort, whose _exit
 * closes no endpoint, on a host where no later mpiexec may sweep it (one
 * cut off from the launching host). */
void np_fabric_unlink_shm(void)
{
    char name[96];
    const struct np_fabric *f = &np_fabs[NP_FAB_HOST];
    if (f->info == NULL || strcmp(f->info->fabric_attr->prov_name, "shm") != 0)
        return;
    np_fabric_shm_name(name, sizeof(name));
    shm_unlink(name);
}

/* Opens endpoint f with provider prov for up to `count` peers. Returns 0 or
 * -EIO (with a message naming the provider). */
static int np_fabric_open_one(struct np_fabric *f, const char *prov, int count)
{
    struct fi_cq_attr cq_attr = {.format = FI_CQ_FORMAT_TAGGED, .size = 4096};
    struct fi_av_attr av_attr = {.type = FI_AV_TABLE, .count = (size_t)count};
    if (np_getinfo(f, prov) != 0)
        return -EIO;
    f->addrs = calloc((size_t)np_node.count, sizeof(fi_addr_t));
    if (f->addrs == NULL)
        return -EIO;
    if (np_check(fi_fabric(f->info->fabric_attr, &f->fabric, NULL), "fi_fabric") ||
        np_check(fi_domain(f->fabric, f->info, &f->domain, NULL), "fi_domain") ||
        np_check(fi_endpoint(f->domain, f->info, &f->ep, NULL), "fi_endpoint") ||
        np_check(fi_cq_open(f->domain, &cq_attr, &f->cq, NULL), "fi_cq_open") ||
        np_check(fi_av_open(f->domain, &av_attr, &f->av, NULL), "fi_av_open") ||
        np_check(fi_ep_bind(f->ep, &f->cq->fid, FI_TRANSMIT | FI_RECV), "bind cq") ||
        np_check(fi_ep_bind(f->ep, &f->av->fid, 0), "bind av") ||
        np_check(np_fabric_name_shm(f), "fi_setname") || np_check(fi_enable(f->ep), "fi_enable"))
        return -EIO;
    base_log(BASE_LOG_INFO, "port", "fabric: cluster %d uses provider %s for %s", np_node.num,
             f->info->fabric_attr->prov_name,
             np_fab_count == 1           ? "every cluster"
             : f == &np_fabs[NP_FAB_NET] ? "other hosts"
                                         : "this host");
    return 0;
}

/* Opens the endpoints the job needs (np_host_fetch done). Returns 0 or -EIO. */
int np_fabric_open(void)
{
    int single = *base_setting("FI_PROVIDER") != '\0' || !np_host_spans();
    int here = 0;
    np_fab_of = calloc((size_t)np_node.count, 1);
    if (np_fab_of == NULL)
        goto err;
    for (int c = 0; c < np_node.count; c++) {
        np_fab_of[c] = single || np_host_local(c) ? NP_FAB_HOST : NP_FAB_NET;
        here += np_fab_of[c] == NP_FAB_HOST;
    }
    np_fab_count = single ? 1 : 2;
    for (int i = 0; i < np_fab_count; i++)
        if (np_fabric_open_one(&np_fabs[i], np_provider_name(i),
                               i == NP_FAB_HOST ? here : np_node.count - here) != 0)
            goto err;
    return 0;
err:
    np_fabric_close();
    return -EIO;
}

/* Copies the address of endpoint `which` into addr[*len]. Returns 0 or -EIO. */
int np_fabric_getname(int which, void *addr, size_t *len)
{
    return np_check(fi_getname(&np_fabs[which].ep->fid, addr, len), "fi_getname") ? -EIO : 0;
}

/* Inserts the address of cluster into the AV of the endpoint that reaches
 * it. Returns 0 or -EIO. */
int np_fabric_insert(int cluster, const void *addr)
{
    struct np_fabric *f = &np_fabs[np_fab_of[cluster]];
    fi_addr_t fa = FI_ADDR_NOTAVAIL;
    int ret = fi_av_insert(f->av, addr, 1, &fa, 0, NULL);
    if (ret != 1 || fa == FI_ADDR_NOTAVAIL) {
        np_error("fabric: cannot insert the address of cluster %d: %s", cluster,
                 ret < 0 ? fi_strerror(-ret) : "rejected");
        return -EIO;
    }
    f->addrs[cluster] = fa;
    return 0;
}

static void np_bounce_release_all(void);

static void np_fabric_close_one(struct np_fabric *f)
{
    if (f->ep != NULL)
        fi_close(&f->ep->fid);
    if (f->av != NULL)
        fi_close(&f->av->fid);
    if (f->cq != NULL)
        fi_close(&f->cq->fid);
    if (f->domain != NULL)
        fi_close(&f->domain->fid);
    if (f->fabric != NULL)
        fi_close(&f->fabric->fid);
    if (f->info != NULL)
        fi_freeinfo(f->info);
    free(f->addrs);
    memset(f, 0, sizeof(*f));
}

void np_fabric_close(void)
{
    for (int i = 0; i < NP_FAB_MAX; i++)
        np_fabric_close_one(&np_fabs[i]);
    np_fab_count = 0;
    free(np_fab_of);
    np_fab_of = NULL;
    np_bounce_release_all();
}

static int np_fabric_readerr(struct np_fabric *f)
{
    struct fi_cq_err_entry err = {0};
    int ret = (int)fi_cq_readerr(f->cq, &err, 0);
    if (ret == -FI_EAGAIN)
        return 0;
    if (ret < 0) {
        np_error("fabric: fi_cq_readerr failed: %s", fi_strerror(-ret));
        return -EIO;
    }
    struct np_op *op = err.op_context;
    if (op != NULL)
        op->done(op, err.err ? abs(err.err) : FI_EIO, err.len);
    return 1;
}

/* Reads f's CQ until it is empty, dispatching each completion to its op.
 * Returns the number of completions handled, or -EIO. */
static int np_fabric_progress_one(struct np_fabric *f)
{
    struct fi_cq_tagged_entry ent[NP_CQ_BATCH];
    int total = 0;
    for (;;) {
        ssize_t n = fi_cq_read(f->cq, ent, NP_CQ_BATCH);
        if (n == -FI_EAGAIN)
            return total;
        if (n == -FI_EAVAIL) {
            int r = np_fabric_readerr(f);
            if (r < 0)
                return r;
            total += r;
            continue;
        }
        if (n < 0) {
            np_error("fabric: fi_cq_read failed: %s", fi_strerror((int)-n));
            return -EIO;
        }
        for (ssize_t i = 0; i < n; i++) {
            struct np_op *op = ent[i].op_context;
            op->done(op, 0, ent[i].len);
        }
        total += (int)n;
        if (n < NP_CQ_BATCH)
            return total;
    }
}

/* Drains every endpoint's CQ. Returns the number of completions handled, or
 * -EIO. */
int np_fabric_progress(void)
{
    int total = 0;
    for (int i = 0; i < np_fab_count; i++) {
        int n = np_fabric_progress_one(&np_fabs[i]);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

/* The posting functions return 0, -EAGAIN (queue full: progress, retry) or
 * another negative errno value. */
int np_fabric_send(struct np_op *op, const void *buf, size_t len, int dest, uint64_t tag)
{
    struct np_fabric *f = &np_fabs[np_fab_of[dest]];
    return (int)fi_tsend(f->ep, buf, len, NULL, f->addrs[dest], tag, op);
}

/* Posts a receive on endpoint `which`, from any cluster it reaches. */
int np_fabric_recv(int which, struct np_op *op, void *buf, size_t len, uint64_t tag)
{
    return (int)fi_trecv(np_fabs[which].ep, buf, len, NULL, FI_ADDR_UNSPEC, tag, 0, op);
}

int np_fabric_inject(const void *buf, size_t len, int dest, uint64_t tag)
{
    struct np_fabric *f = &np_fabs[np_fab_of[dest]];
    return (int)fi_tinject(f->ep, buf, len, f->addrs[dest], tag);
}

/* Asks endpoint `which` to cancel a receive posted there; a cancelled op
 * completes with FI_ECANCELED through its done hook. */
int np_fabric_cancel(int which, struct np_op *op)
{
    return (int)fi_cancel(&np_fabs[which].ep->fid, op);
}

/* Bounce buffers for sends larger than the inject size. With shm such a send
 * completes only once the receiver has matched it, so waiting for it could
 * deadlock two clusters that write to each other; the data is copied into a
 * bounce buffer and the send completes in the background. Buffers are
 * recycled through a free list (no malloc per message in steady state); at
 * most NP_BOUNCE_MAX are in flight, beyond that writers progress and wait. */
#define NP_BOUNCE_MAX 1024

struct np_bounce {
    struct np_op op; /* first */
    struct np_bounce *next_free;
    struct np_bounce *next_all;
    char data[KMAILBOX_MESSAGE_SIZE] __attribute__((aligned(64)));
};

static struct np_bounce *np_bounce_free, *np_bounce_all;
static int np_bounce_count;

static void np_bounce_done(struct np_op *op, int err, size_t len)
{
    struct np_bounce *b = (struct np_bounce *)op;
    if (err != 0)
        np_error("fabric: a buffered send failed: %s", fi_strerror(err));
    b->next_free = np_bounce_free;
    np_bounce_free = b;
}

/* Returns a free bounce buffer, allocating or waiting as needed; NULL when
 * out of memory. */
static struct np_bounce *np_bounce_get(void)
{
    unsigned spins = 0;
    while (np_bounce_free == NULL && np_bounce_count >= NP_BOUNCE_MAX)
        np_wait_step(&spins);
    struct np_bounce *b = np_bounce_free;
    if (b != NULL) {
        np_bounce_free = b->next_free;
        return b;
    }
    b = aligned_alloc(64, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->op.done = np_bounce_done;
    b->next_all = np_bounce_all;
    np_bounce_all = b;
    np_bounce_count++;
    return b;
}

static void np_bounce_release_all(void)
{
    while (np_bounce_all != NULL) {
        struct np_bounce *b = np_bounce_all;
        np_bounce_all = b->next_all;
        free(b);
    }
    np_bounce_free = NULL;
    np_bounce_count = 0;
}

/* Sends len (<= KMAILBOX_MESSAGE_SIZE) bytes and returns at once: buf may be
 * reused. Injects when len fits the inject size, else sends a copy. A full
 * queue is answered by progressing and retrying. Returns 0, -ENOMEM or -EIO. */
int np_fabric_send_now(const void *buf, size_t len, int dest, uint64_t tag)
{
    unsigned spins = 0;
    int ret;
    if (len <= np_fabs[np_fab_of[dest]].inject_size) {
        while ((ret = np_fabric_inject(buf, len, dest, tag)) == -EAGAIN)
            np_wait_step(&spins);
        return ret == 0 ? 0 : -EIO;
    }
    struct np_bounce *b = np_bounce_get();
    if (b == NULL)
        return -ENOMEM;
    memcpy(b->data, buf, len);
    while ((ret = np_fabric_send(&b->op, b->data, len, dest, tag)) == -EAGAIN)
        np_wait_step(&spins);
    if (ret != 0) {
        np_bounce_done(&b->op, 0, 0);
        return -EIO;
    }
    return 0;
}
