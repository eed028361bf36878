/* np_fabric.c: the cluster's libfabric endpoint, its CQ and AV, and progress.
 *
 * One FI_EP_RDM endpoint with FI_TAGGED, send-after-send ordering, an
 * FI_AV_TABLE address vector (cluster number == AV index) and one CQ in
 * FI_CQ_FORMAT_TAGGED. The provider is `shm` for a job on one host and
 * "tcp;ofi_rxm" for a job that spans hosts, unless FI_PROVIDER names one. Every posted operation
 * carries a struct np_op whose done hook the progress function calls with the completion, so
 * completions reach their object whichever thread polls. Receives always match exactly one 64-bit
 * tag from any source (the tag says who may send, see np_internal.h). Callers hold np_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rdma/fi_cm.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#include "np_internal.h"

#define NP_CQ_BATCH      16
#define NP_CHUNK_DEFAULT ((size_t)1 << 30)

struct np_fabric np_fab;

/* The provider between hosts when FI_PROVIDER names none. */
#define NP_PROVIDER_NET "tcp;ofi_rxm"

/* FI_PROVIDER if set; else shm for a job on one host, and the inter-host
 * provider for a job that spans hosts (np_host.c; every cluster of the job
 * decides alike). In a job that spans hosts, clusters of one host still
 * reach each other by rings and kernel copies (np_shm.c, np_push.c) for
 * mailboxes and portals; only syncs, and what NMPI_SHM=0 / NMPI_CMA=0 send
 * back to the fabric, go through the inter-host provider (over loopback). */
static const char *np_provider_name(void)
{
    const char *prov = base_setting("FI_PROVIDER");
    if (*prov != '\0')
        return prov;
    return np_host_spans() ? NP_PROVIDER_NET : "shm";
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

static int np_getinfo(void)
{
    const char *prov = np_provider_name();
    struct fi_info *hints = np_hints(prov);
    if (hints == NULL)
        return -ENOMEM;
    int ret = fi_getinfo(FI_VERSION(1, 11), NULL, NULL, 0, hints, &np_fab.info);
    fi_freeinfo(hints);
    if (ret != 0) {
        np_getinfo_failed(prov, ret);
        np_fab.info = NULL;
        return -EIO;
    }
    if ((np_fab.info->ep_attr->mem_tag_format >> 63) == 0) {
        np_error("fabric: provider \"%s\" offers tags of fewer than 64 bits (mem_tag_format "
                 "%#llx)",
                 np_fab.info->fabric_attr->prov_name,
                 (unsigned long long)np_fab.info->ep_attr->mem_tag_format);
        return -EIO;
    }
    np_fab.inject_size = np_fab.info->tx_attr->inject_size;
    np_fab.chunk_size = np_chunk_size(np_fab.info);
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
static int np_fabric_name_shm(void)
{
    char name[96];
    if (strcmp(np_fab.info->fabric_attr->prov_name, "shm") != 0)
        return 0;
    snprintf(name, sizeof(name), "nmpi-%u-%016llx-%d-%ld", (unsigned)getuid(),
             (unsigned long long)np_node.token, np_node.num, (long)getpid());
    return fi_setname(&np_fab.ep->fid, name, strlen(name) + 1);
}

/* Opens the endpoint for a job of np_node.count clusters. Returns 0 or -EIO
 * (with a message naming the provider). */
int np_fabric_open(void)
{
    struct fi_cq_attr cq_attr = {.format = FI_CQ_FORMAT_TAGGED, .size = 4096};
    struct fi_av_attr av_attr = {.type = FI_AV_TABLE, .count = (size_t)np_node.count};
    int ret = np_getinfo();
    if (ret != 0)
        goto err;
    np_fab.addrs = calloc((size_t)np_node.count, sizeof(fi_addr_t));
    if (np_fab.addrs == NULL)
        goto err;
    if (np_check(fi_fabric(np_fab.info->fabric_attr, &np_fab.fabric, NULL), "fi_fabric") ||
        np_check(fi_domain(np_fab.fabric, np_fab.info, &np_fab.domain, NULL), "fi_domain") ||
        np_check(fi_endpoint(np_fab.domain, np_fab.info, &np_fab.ep, NULL), "fi_endpoint") ||
        np_check(fi_cq_open(np_fab.domain, &cq_attr, &np_fab.cq, NULL), "fi_cq_open") ||
        np_check(fi_av_open(np_fab.domain, &av_attr, &np_fab.av, NULL), "fi_av_open") ||
        np_check(fi_ep_bind(np_fab.ep, &np_fab.cq->fid, FI_TRANSMIT | FI_RECV), "bind cq") ||
        np_check(fi_ep_bind(np_fab.ep, &np_fab.av->fid, 0), "bind av") ||
        np_check(np_fabric_name_shm(), "fi_setname") || np_check(fi_enable(np_fab.ep), "fi_enable"))
        goto err;
    base_log(BASE_LOG_INFO, "port", "fabric: cluster %d uses provider %s", np_node.num,
             np_fab.info->fabric_attr->prov_name);
    return 0;
err:
    np_fabric_close();
    return -EIO;
}

/* Copies this endpoint's address into addr[*len]. Returns 0 or -EIO. */
int np_fabric_getname(void *addr, size_t *len)
{
    return np_check(fi_getname(&np_fab.ep->fid, addr, len), "fi_getname") ? -EIO : 0;
}

/* Inserts the address of cluster (clusters go in order 0..count-1, so the
 * AV index is the cluster number). Returns 0 or -EIO. */
int np_fabric_insert(int cluster, const void *addr)
{
    fi_addr_t fa = FI_ADDR_NOTAVAIL;
    int ret = fi_av_insert(np_fab.av, addr, 1, &fa, 0, NULL);
    if (ret != 1 || fa == FI_ADDR_NOTAVAIL) {
        np_error("fabric: cannot insert the address of cluster %d: %s", cluster,
                 ret < 0 ? fi_strerror(-ret) : "rejected");
        return -EIO;
    }
    np_fab.addrs[cluster] = fa;
    return 0;
}

static void np_bounce_release_all(void);

void np_fabric_close(void)
{
    if (np_fab.ep != NULL)
        fi_close(&np_fab.ep->fid);
    if (np_fab.av != NULL)
        fi_close(&np_fab.av->fid);
    if (np_fab.cq != NULL)
        fi_close(&np_fab.cq->fid);
    if (np_fab.domain != NULL)
        fi_close(&np_fab.domain->fid);
    if (np_fab.fabric != NULL)
        fi_close(&np_fab.fabric->fid);
    if (np_fab.info != NULL)
        fi_freeinfo(np_fab.info);
    free(np_fab.addrs);
    memset(&np_fab, 0, sizeof(np_fab));
    np_bounce_release_all();
}

static int np_fabric_readerr(void)
{
    struct fi_cq_err_entry err = {0};
    int ret = (int)fi_cq_readerr(np_fab.cq, &err, 0);
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

/* Reads the CQ until it is empty, dispatching each completion to its op.
 * Returns the number of completions handled, or -EIO. */
int np_fabric_progress(void)
{
    struct fi_cq_tagged_entry ent[NP_CQ_BATCH];
    int total = 0;
    for (;;) {
        ssize_t n = fi_cq_read(np_fab.cq, ent, NP_CQ_BATCH);
        if (n == -FI_EAGAIN)
            return total;
        if (n == -FI_EAVAIL) {
            int r = np_fabric_readerr();
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

/* The posting functions return 0, -EAGAIN (queue full: progress, retry) or
 * another negative errno value. */
int np_fabric_send(struct np_op *op, const void *buf, size_t len, int dest, uint64_t tag)
{
    return (int)fi_tsend(np_fab.ep, buf, len, NULL, np_fab.addrs[dest], tag, op);
}

int np_fabric_recv(struct np_op *op, void *buf, size_t len, uint64_t tag)
{
    return (int)fi_trecv(np_fab.ep, buf, len, NULL, FI_ADDR_UNSPEC, tag, 0, op);
}

int np_fabric_inject(const void *buf, size_t len, int dest, uint64_t tag)
{
    return (int)fi_tinject(np_fab.ep, buf, len, np_fab.addrs[dest], tag);
}

/* Asks the provider to cancel a posted receive; a cancelled op completes with
 * FI_ECANCELED through its done hook. */
int np_fabric_cancel(struct np_op *op)
{
    return (int)fi_cancel(&np_fab.ep->fid, op);
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
    if (len <= np_fab.inject_size) {
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
