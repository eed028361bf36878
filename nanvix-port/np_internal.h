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
 * mailbox rings), np_portal.c, np_push.c (same-host portal transfers by
 * the writer's kernel copy), np_push_wire.c (their notices), np_sync.c,
 * np_request.c (socket for requests from outside the job), np_lost.c
 * (clusters whose process died), np_cores.c (cores and binding), np_host.c
 * (which peers share this host: the per-peer choice of path).
 */
#ifndef NP_INTERNAL_H
#define NP_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <rdma/fabric.h>
#include <rdma/fi_domain.h>

#include "base.h"
#include "nanvix.h"

/* Errors of this layer go to the library's log ("nanvix-mpi: port: ..."),
 * the message naming the subsystem (fabric, mailbox, portal, PMI...). */
#define np_error(...) base_log(BASE_LOG_ERROR, "port", __VA_ARGS__)
#define np_warn(...)  base_log(BASE_LOG_WARN, "port", __VA_ARGS__)
#define np_debug(...) base_log(BASE_LOG_DEBUG, "port", __VA_ARGS__)

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
    fi_addr_t *addrs;   /* cluster number -> fi_addr (clusters this endpoint reaches) */
    size_t inject_size; /* largest fi_tinject payload */
    size_t chunk_size;  /* largest message of one portal chunk */
};

/* The endpoints (np_fabric.c): one for the clusters of this host, one for
 * those of other hosts when the job spans hosts (and FI_PROVIDER is unset). */
enum { NP_FAB_HOST = 0, NP_FAB_NET = 1, NP_FAB_MAX = 2 };
extern struct np_fabric np_fabs[NP_FAB_MAX];
extern int np_fab_count; /* endpoints open: 0 (none yet), 1 or 2 */

int np_fabric_open(void);
int np_fabric_of(int cluster); /* the endpoint that reaches cluster */
int np_fabric_getname(int which, void *addr, size_t *len);
int np_fabric_insert(int cluster, const void *addr);
void np_fabric_close(void);
/* Unlinks this cluster's shm region name from /dev/shm (kjob_abort). */
void np_fabric_unlink_shm(void);
int np_fabric_progress(void);
int np_fabric_send(struct np_op *op, const void *buf, size_t len, int dest, uint64_t tag);
int np_fabric_recv(int which, struct np_op *op, void *buf, size_t len, uint64_t tag);
int np_fabric_inject(const void *buf, size_t len, int dest, uint64_t tag);
int np_fabric_cancel(int which, struct np_op *op);
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

/* ---- lost clusters (np_lost.c) -------------------------------------------- */

int np_lost_setup(void);           /* SIGUSR1 handler; 0 or -errno */
int np_pid_publish(void);          /* before the first barrier: np-pid-<me>; 0 or -EIO */
int np_pid_fetch(void);            /* after it: every peer's pid; 0 or -ENOMEM */
pid_t np_peer_pid_of(int cluster); /* 0 when unknown */
void np_lost_scan(void);           /* lock held: marks peers whose process is gone */
/* A peer's memory is gone (process_vm_writev: ESRCH): scan as after a
 * signal. Hydra's SIGUSR1 may come while the dying process still tears
 * down its memory, not a zombie yet, and a scan ends NP_LOST_WATCH later:
 * a large process on a loaded node can take longer than that to die. */
void np_lost_suspect(void);
void np_lost_probe_all(void); /* knode_is_lost's probe of every peer (rate-limited) */
void np_lost_deliver(void);   /* lock dropped: hands new ones to the hook */
int np_lost_any(void);        /* 1 once some peer was marked lost */

/* ---- hosts (np_host.c) ----------------------------------------------------- */

int np_host_publish(void);      /* before the first barrier: np-host-<me>; 0 or -EIO */
int np_host_fetch(void);        /* after it: every cluster's host; 0, -ENOMEM or -EIO */
void np_host_check_pids(void);  /* after np_pid_fetch: peers whose pid is not visible */
int np_host_local(int cluster); /* 1 if cluster is on this host (itself included) */
int np_host_spans(void);        /* 1 if the job's clusters are on more than one host */
void np_host_teardown(void);

/* ---- waiting (np_wait.c) -------------------------------------------------- */

/* Set when a post met a full provider queue (-FI_EAGAIN) and was left for
 * later; np_progress() then retries the pending posts of every object. */
extern int np_retry_needed;

/* With np_lock held: drains the CQ and retries pending posts. Returns the
 * number of completions handled, or -EIO. */
int np_progress(void);
/* The same from a spinning loop: the ring every call, the fabric only every
 * few calls when this cluster has a ring (np_wait.c says why). */
int np_progress_light(void);

/* With np_lock held: progress once; if nothing happened, drop the lock and
 * back off according to *spins, then take it again. */
void np_wait_step(unsigned *spins);
void np_backoff(unsigned *spins);

/* np_touch.c: runs the buffer hook (knode_set_buffer_hook) on a caller's
 * buffer; call it before np_enter(). Returns 0 or the hook's -errno. */
int np_touch(const void *buf, size_t len);

/* np_boost.c: np_boost_spins is 1 while this thread runs a move at a
 * lowered nice (knode_boost_begin): its back-off then spins a while and
 * sleeps, never yields. Otherwise the back-off is the same in a move. */
extern __thread int np_boost_spins;

/* ---- same-host mailbox rings (np_shm.c) ------------------------------------ */

/* Hands one received cell to the mailbox of `port`. Returns 0, or -ENOMEM
 * (the cell stays in the ring for a later drain). */
typedef int (*np_shm_deliver_fn)(int port, const void *data, size_t len);

int np_shm_create(void); /* before the first bootstrap barrier; 0 or -errno */
/* np_sweep.c: removes what dead jobs of this user left in this host's
 * /dev/shm (see there); returns how many files. Called by np_shm_create. */
int np_shm_sweep(void);
/* The same for the files of process only_pid, which the caller knows has
 * ended (no age asked); only_pid 0: every dead process's old enough files. Returns
 * how many files it removed, silently (np_shm_guard.c). */
int np_shm_remove(long only_pid);
int np_shm_attach(void);  /* after it: maps the peers' rings; 0 or -ENOMEM */
void np_shm_unlink(void); /* after the second barrier */
void np_shm_teardown(void);
/* 1 if this cluster has a ring (its same-host peers write there), else 0. */
int np_shm_active(void);
/* 1 if mailbox messages to `cluster` go through its ring, else 0. */
int np_shm_reaches(int cluster);
/* Writes one message into cluster's ring: 0, or -EAGAIN when it is full. */
int np_shm_write(int cluster, int port, const void *buf, size_t len);
/* The same for the message head[hlen] + body[blen] (hlen + blen at most
 * KMAILBOX_MESSAGE_SIZE), copied into the cell piece by piece. */
int np_shm_write2(int cluster, int port, const void *head, size_t hlen, const void *body,
                  size_t blen);
/* 1 if a cell header read from another process is usable. */
int np_shm_cell_ok(uint32_t port, uint32_t len);
/* Delivers the messages waiting in this cluster's ring; returns how many. */
int np_shm_drain(np_shm_deliver_fn deliver);
/* Copies the ring's oldest message into buf[size] and frees its cell, if it
 * is for mailbox `port` and fits; returns its length, else -EAGAIN (the
 * cell stays for np_shm_drain). Only when that mailbox's FIFO is empty:
 * the ring's message is then the next one in order. */
ssize_t np_shm_take(int port, void *buf, size_t size);

/* 1 if portal transfers with `cluster` may go by np_push: both ends
 * mapped each other's ring and can copy into each other (CMA). */
int np_shm_cma(int cluster);
/* The pid of `cluster`'s process (np_shm_cma(cluster) must be 1). */
pid_t np_shm_pid(int cluster);

/* The ring port that carries np_push notices instead of a mailbox message. */
#define NP_SHM_PUSH_PORT KMAILBOX_PORT_MAX

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

/* ---- portals (np_portal.c) ---------------------------------------------- */

struct np_portal {
    struct np_op op; /* first: the completion finds its portal */
    int input;       /* 1: created here (receives); 0: opened (sends) */
    int port;        /* local port */
    int remote;      /* input: allowed cluster; output: destination */
    int remote_port;
    int allowed; /* input: an allow is pending for the next read */
    uint64_t tag;
    /* The current transfer. */
    int active; /* started and not yet retired by kportal_wait */
    int posted; /* one chunk is posted in the provider */
    int complete;
    char *buf;
    size_t size;
    size_t off;     /* bytes done */
    size_t chunk;   /* length of the posted chunk */
    ssize_t result; /* bytes moved, or a negative errno value */
    /* Same-host transfers (np_push.c) instead of the fabric. */
    int push;
    int notice_owed;    /* input: READY, output: DONE not yet in the ring */
    int matched;        /* output: the reader's READY is taken */
    int closing;        /* input: unlinked, waiting for the answer to CANCEL */
    int status;         /* output: 0 or the copy's error, for the DONE */
    uint64_t serial;    /* of the READY sent (input) or taken (output) */
    uint64_t peer_addr; /* output: the reader's buffer in its process */
    uint64_t peer_size;
    int orphan; /* closed with a chunk still posted: freed by its completion */
};

void np_portal_finish(struct np_portal *p, ssize_t result);
/* The portal (closing ones too) with these ends, or NULL. */
struct np_portal *np_portal_lookup(int input, int port, int remote, int remote_port);

/* ---- same-host portal transfers (np_push.c, np_push_wire.c) --------------- */

/* Notice kinds: the reader offers its buffer (READY), the writer says the
 * copy is over (DONE, also the answer to CANCEL), the reader withdraws its
 * buffer (CANCEL). */
enum np_push_kind { NP_PUSH_READY = 1, NP_PUSH_DONE = 2, NP_PUSH_CANCEL = 3 };

/* Wire format of a notice (one ring cell, version NP_PUSH_VERSION). */
#define NP_PUSH_VERSION 1
struct np_push_notice {
    uint16_t version; /* NP_PUSH_VERSION */
    uint16_t kind;    /* enum np_push_kind */
    uint32_t from;    /* the sending cluster */
    uint32_t sport;   /* the writer's port */
    uint32_t dport;   /* the reader's port */
    uint64_t serial;  /* the reader's number for this read */
    uint64_t addr;    /* READY: the reader's buffer, in the reader's process */
    uint64_t size;    /* READY: buffer bytes; DONE: bytes the writer wrote */
    int64_t status;   /* DONE: 0, or a negative errno value */
};

/* 0 if a notice of `len` bytes from another process is usable in a job of
 * `nclusters` clusters, else -EBADMSG. */
int np_push_notice_check(const struct np_push_notice *n, size_t len, int nclusters);

/* 1 if transfers with `cluster` go by np_push, else 0 (decided once). */
int np_push_reaches(int cluster);
/* Moves p's transfer on: sends the READY, copies, sends the DONE. */
void np_push_kick(struct np_portal *p);
/* kportal_unlink/close of a portal whose transfer is under way. */
void np_push_abandon(struct np_portal *p);
/* Handles one notice cell of this cluster's ring. */
void np_push_deliver(const void *data, size_t len);
/* Sends the notices a full ring left over. */
void np_push_retry(void);
void np_push_teardown(void);

/* ---- the host's load (np_cores.c) ------------------------------------------ */

/* knode_cpu_load's arithmetic on one /proc/loadavg line ("0.52 0.58 0.59
 * 3/467 12345": the fourth field's first number is the threads running or
 * runnable now, the reader included) and `cpus` online CPUs: at least 1.0;
 * 1.0 for a line it cannot read or cpus < 1. */
double np_cpu_load_parse(const char *line, long cpus);

/* ---- per-kind setup hooks -------------------------------------------------- */

int np_sync_setup(void);
void np_sync_retry(void);
void np_mailbox_retry(void);
void np_portal_retry(void);
void np_sync_teardown(void);
void np_mailbox_teardown(void);
void np_portal_teardown(void);

#endif /* NP_INTERNAL_H */
