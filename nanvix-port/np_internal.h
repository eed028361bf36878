/* np_internal.h: private interface between the files of nanvix-port/.
 *
 * One Linux process is one cluster. All state of this layer is per cluster and
 * lives in statics of the files below, guarded by one mutex (np_lock): every
 * public function enters with np_enter() (kernel depth + lock) and leaves with
 * np_leave(). Blocking waits drop the lock while they back off, so another
 * thread of the cluster (a rank thread, the migration daemon) can progress.
 *
 * Every fabric operation carries a struct np_op as its context; the progress
 * function (np_fabric_progress) hands each completion to op->done, so each
 * completion is dispatched to the object it belongs to, whoever polls.
 *
 * Files: np_kernel.c (depth, lock), np_pmi.c (PMI-1 client), np_fabric.c
 * (endpoint, CQ, AV, progress), np_node.c (knode_*, kjob_*), np_wait.c
 * (back-off, time), np_table.c (id tables), np_mailbox.c, np_shm.c (same-host
 * mailbox rings), np_portal.c, np_sync.c, np_request.c (socket for requests
 * from outside the job).
 */
#ifndef NP_INTERNAL_H
#define NP_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <rdma/fabric.h>
#include <rdma/fi_domain.h>

#include "nanvix.h"

/* Log lines name the subsystem. */
#define np_error(...)                                                                              \
    do {                                                                                           \
        fprintf(stderr, "nanvix-port: " __VA_ARGS__);                                              \
        fputc('\n', stderr);                                                                       \
    } while (0)

/* ---- kernel entry (np_kernel.c) ------------------------------------------ */

extern pthread_mutex_t np_lock;

static inline void np_enter(void)
{
    np_kernel_depth++;
    pthread_mutex_lock(&np_lock);
}

static inline void np_leave(void)
{
    pthread_mutex_unlock(&np_lock);
    np_kernel_depth--;
}

/* ---- tag layout (wire format, version 1) ---------------------------------
 *
 *  63..60  kind   NP_KIND_* below
 *  59..52  token  low 8 bits of knode_job_token(): drops strays of other jobs
 *  51..0   kind-specific:
 *          mailbox: 3..0 destination port
 *          portal : 51..40 source cluster, 39..20 source port,
 *                   19..0 destination port
 *          sync   : 0 (the 24-byte payload is struct np_sync_msg)
 *
 * Tags are matched exactly (ignore = 0). Providers must offer 64-bit tags
 * (mem_tag_format 0xaaaaaaaaaaaaaaaa for shm and tcp;ofi_rxm).
 */
#define NP_TAG_VERSION 1
enum np_kind { NP_KIND_MAILBOX = 1, NP_KIND_PORTAL = 2, NP_KIND_SYNC = 3 };

static inline uint64_t np_tag_head(enum np_kind kind, uint64_t token)
{
    return ((uint64_t)kind << 60) | ((token & 0xff) << 52);
}

/* ---- operations and progress (np_fabric.c) ------------------------------ */

struct np_op;
/* Called from the progress function for each completion of op; err is 0 or a
 * positive FI_E* code; len is the received/sent length. */
typedef void (*np_op_done_fn)(struct np_op *op, int err, size_t len);

struct np_op {
    struct fi_context2 fictx; /* first: providers with FI_CONTEXT use it */
    np_op_done_fn done;
};

struct np_fabric {
    struct fi_info *info;
    struct fid_fabric *fabric;
    struct fid_domain *domain;
    struct fid_ep *ep;
    struct fid_cq *cq;
    struct fid_av *av;
    fi_addr_t *addrs;   /* cluster number -> fi_addr (== index for AV_TABLE) */
    size_t inject_size; /* largest fi_tinject payload */
    size_t chunk_size;  /* largest message of one portal chunk */
};

extern struct np_fabric np_fab;

int np_fabric_open(void);
int np_fabric_getname(void *addr, size_t *len);
int np_fabric_insert(int cluster, const void *addr);
void np_fabric_close(void);
int np_fabric_progress(void);
int np_fabric_send(struct np_op *op, const void *buf, size_t len, int dest, uint64_t tag);
int np_fabric_recv(struct np_op *op, void *buf, size_t len, uint64_t tag);
int np_fabric_inject(const void *buf, size_t len, int dest, uint64_t tag);
int np_fabric_cancel(struct np_op *op);
int np_fabric_send_now(const void *buf, size_t len, int dest, uint64_t tag);

/* ---- node state (np_node.c) ---------------------------------------------- */

struct np_node {
    int ready; /* knode_setup() done */
    int num;   /* this cluster's number (PMI rank) */
    int count; /* clusters in the job (PMI size) */
    uint64_t token;
};

extern struct np_node np_node;

static inline int np_cluster_ok(int cluster)
{
    return np_node.ready && cluster >= 0 && cluster < np_node.count;
}

/* ---- PMI-1 client (np_pmi.c) --------------------------------------------- */

#define NP_PMI_VALUE_MAX 1024

int np_pmi_init(int *rank_p, int *size_p);
const char *np_pmi_kvsname(void);
size_t np_pmi_vallen_max(void);
int np_pmi_put(const char *key, const char *value);
int np_pmi_get(const char *key, char *value, size_t len);
int np_pmi_barrier(void (*progress)(void));
int np_pmi_finalize(void);
void np_pmi_abort(int code);

/* ---- waiting (np_wait.c) -------------------------------------------------- */

/* Set when a post met a full provider queue (-FI_EAGAIN) and was left for
 * later; np_progress() then retries the pending posts of every object. */
extern int np_retry_needed;

/* With np_lock held: drains the CQ and retries pending posts. Returns the
 * number of completions handled, or -EIO. */
int np_progress(void);

/* With np_lock held: progress once; if nothing happened, drop the lock and
 * back off according to *spins, then take it again. */
void np_wait_step(unsigned *spins);
void np_backoff(unsigned *spins);

/* ---- same-host mailbox rings (np_shm.c) ------------------------------------ */

/* Hands one received cell to the mailbox of `port`. Returns 0, or -ENOMEM
 * (the cell stays in the ring for a later drain). */
typedef int (*np_shm_deliver_fn)(int port, const void *data, size_t len);

int np_shm_create(void);  /* before the first bootstrap barrier; 0 or -errno */
int np_shm_attach(void);  /* after it: maps the peers' rings; 0 or -ENOMEM */
void np_shm_unlink(void); /* after the second barrier */
void np_shm_teardown(void);
/* 1 if mailbox messages to `cluster` go through its ring, else 0. */
int np_shm_reaches(int cluster);
/* Writes one message into cluster's ring: 0, or -EAGAIN when it is full. */
int np_shm_write(int cluster, int port, const void *buf, size_t len);
/* 1 if a cell header read from another process is usable. */
int np_shm_cell_ok(uint32_t port, uint32_t len);
/* Delivers the messages waiting in this cluster's ring; returns how many. */
int np_shm_drain(np_shm_deliver_fn deliver);

/* np_mailbox.c's np_shm_deliver_fn. */
int np_mailbox_deliver(int port, const void *data, size_t len);

/* ---- id tables (np_table.c) ----------------------------------------------- */

struct np_table {
    void **slots;
    int nslots;
};

int np_table_add(struct np_table *t, void *obj);
void *np_table_get(struct np_table *t, int id);
void np_table_remove(struct np_table *t, int id);

/* ---- per-kind setup hooks -------------------------------------------------- */

int np_sync_setup(void);
void np_sync_retry(void);
void np_mailbox_retry(void);
void np_portal_retry(void);
void np_sync_teardown(void);
void np_mailbox_teardown(void);
void np_portal_teardown(void);

#endif /* NP_INTERNAL_H */
