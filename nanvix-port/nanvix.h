/* nanvix.h: the Nanvix kernel interface (node, sync, mailbox, portal) on Linux.
 *
 * One Linux process is one cluster. Clusters are numbered 0..knode_count()-1
 * and find each other through the PMI wire protocol of the launcher (Hydra):
 * every cluster opens a libfabric RDM endpoint with provider `shm` for the
 * clusters of its host and, when the job spans hosts, a second one with
 * "tcp;ofi_rxm" for the others (FI_PROVIDER instead names the one provider
 * of every pair), publishes their addresses in the PMI key-value space and
 * reads everyone else's. Mailboxes and portals between clusters of one host
 * go through shared memory rings and kernel copies when they can.
 *
 * The three IPC abstractions keep the Nanvix semantics:
 *  - ksync: a barrier-like signal between a set of clusters (ONE_TO_ALL or
 *    ALL_TO_ONE, the first node of the list is the master);
 *  - kmailbox: N:1 small messages of at most KMAILBOX_MESSAGE_SIZE bytes,
 *    addressed to (cluster, port); message boundaries and per-sender order
 *    are kept; a read blocks until a message is there;
 *  - kportal: 1:1 bulk transfers of any size to (cluster, port); the receiver
 *    must allow a given remote (cluster, port) before data flows; a write
 *    completes when the receiver has the data.
 *
 * Asynchronous variants (`*_aread`, `*_awrite`, `*_wait`, `*_test`) exist for
 * the progress engine of the layers above; the blocking calls are built on
 * them. Blocking waits back off from spinning to yielding to sleeping, so an
 * oversubscribed job (more clusters than cores) still makes progress.
 *
 * Every function returns a non-negative value on success and a negative errno
 * value on failure (-EINVAL bad argument or cluster number, -EBADF closed or
 * unknown id, -EAGAIN nothing available yet in a non-blocking call, -ENOMEM,
 * -EIO a fabric or launcher failure).
 *
 * While a thread is inside one of these calls the malloc family is served by
 * libc, not by a container (the kernel owns that memory).
 */
#ifndef NANVIX_H
#define NANVIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits. */
/* Largest mailbox message, in bytes: one eager MPI message of up to 64 KiB
 * and its 64-byte comm-virt header (CV_EAGER_LIMIT). Each cluster's same-host
 * ring holds NP_SHM_CELLS cells of this size (np_shm.c). */
#define KMAILBOX_MESSAGE_SIZE (65536 + 64)
#define KMAILBOX_PORT_MAX     16        /* mailbox ports per cluster: 0..15 */
#define KPORTAL_PORT_MAX      (1 << 20) /* portal ports per cluster */
#define KNODE_MAX             4096      /* most clusters in one job */

/* Kernel depth of the calling thread: > 0 while the thread is inside one of
 * the functions below (the uarea layer sends malloc calls made there, e.g. by
 * libfabric, to libc instead of the rank's container). */
extern __thread int np_kernel_depth __attribute__((tls_model("initial-exec")));

/* Non-zero while the calling thread is inside this layer. */
static inline int knode_in_kernel(void)
{
    return np_kernel_depth;
}

/* ksync types. */
#define KSYNC_ONE_TO_ALL 0
#define KSYNC_ALL_TO_ONE 1

/* ---- node and job ---------------------------------------------------- */

/* Bootstraps this cluster: PMI init, fabric endpoint, address exchange.
 * Idempotent. Returns 0, or -EIO with a message on stderr that names what is
 * missing (no launcher, no provider). */
int knode_setup(void);

/* Tears down the endpoint and leaves PMI after a PMI barrier with every other
 * cluster. Returns 0 or -EIO. */
int knode_shutdown(void);

/* This cluster's number, or -EINVAL before knode_setup(). */
int knode_get_num(void);

/* Number of clusters in the job (ranks and spares), or -EINVAL before setup. */
int knode_count(void);

/* Non-zero when `cluster` is a valid cluster number of this job. */
int knode_is_valid(int cluster);

/* A 64-bit token that identifies this job (hash of the PMI KVS name); a
 * cluster never accepts messages carrying another job's token. */
uint64_t knode_job_token(void);

/* Processor (host) name of this cluster, NUL-terminated into name[len]. */
int knode_get_name(char *name, size_t len);

/* The host cluster runs on, as a number: hosts are numbered 0, 1... in the
 * order of their first cluster; clusters on one host share the same-host
 * paths (nanvix-port/np_host.c says what "one host" means). -EINVAL for a
 * bad cluster. */
int knode_host_of(int cluster);

/* The hostname of the host cluster runs on (for messages), NUL-terminated
 * into name[len]; -EINVAL for a bad cluster or too small a buffer. */
int knode_host_name(int cluster, char *name, size_t len);

/* Launcher key-value space, for small per-job facts (global scope, visible
 * to the others after kjob_fence()). Values up to 1024 bytes. */
int kjob_put(const char *key, const char *value);
/* kjob_put: keys and values must not hold blanks, '=' or control
 * characters (-EINVAL). kjob_get returns the value's length, -ENOENT for an
 * unknown key, -EINVAL for a bad cluster or a too small value buffer. */
int kjob_get(int cluster, const char *key, char *value, size_t len);
int kjob_fence(void);

/* Aborts the whole job through the launcher with `code` and `msg`. */
void kjob_abort(int code, const char *msg) __attribute__((noreturn));

/* At process start-up, before anything else of the port: with NMPI_KEEPER=1
 * (tools/mpiexec sets it) forks; returns in the child, which becomes the
 * cluster, while the parent waits for it and exits with its status, so that
 * Hydra does not end the job when a cluster is killed (np_keeper.c). */
void kjob_keeper_start(void);

/* Right after it, in the cluster's process of a launched job: starts the
 * process that removes this cluster's files in /dev/shm once it is gone,
 * however it ends (np_shm_guard.c). */
void kjob_shm_guard_start(void);

/* Requests from outside the job (e.g. the mpimigrate command): a unix
 * datagram socket $NMPI_JOB_DIR/c<cluster>.sock, set up by the launcher front
 * end's job directory. Bytes only: the caller validates what it reads.
 * kjob_request_open: binds this cluster's socket after knode_setup(); 0,
 *   -ENOENT when NMPI_JOB_DIR is not set, -EINVAL before setup, -errno.
 * kjob_request_tryread: one datagram into buf, never blocks; the socket is
 *   read at most once per millisecond, -EAGAIN otherwise or when nothing is
 *   queued (or no socket); -EMSGSIZE a longer datagram (dropped).
 * kjob_request_reply: sends len bytes to requester `requester`'s socket
 *   $NMPI_JOB_DIR/m<requester>.sock without waiting; 0 or -errno
 *   (-ECONNREFUSED/-ENOENT when it is gone).
 * kjob_request_close: closes and removes this cluster's socket. */
int kjob_request_open(void);
ssize_t kjob_request_tryread(void *buf, size_t size);
int kjob_request_reply(unsigned long requester, const void *buf, size_t len);
void kjob_request_close(void);

/* Makes progress on the fabric and backs off: call it from every wait loop.
 * `*spins` counts consecutive idle rounds (set to 0 when work was done);
 * after a short spin the call yields, later it sleeps up to ~1 ms. */
void knode_idle(unsigned *spins);

/* knode_idle for a caller that has just polled what it waits on (a tryread
 * that found nothing): while the wait still spins it skips its own progress
 * call, which would only repeat that poll, so a spinning turn costs half and
 * a message is seen sooner; once backing off it polls as knode_idle does. */
void knode_idle_polled(unsigned *spins);

/* What a blocking wait does around its back-off (a pause, a yield or a
 * sleep of knode_idle): an upper layer that serialises its callers with a
 * lock (the MPI layer under MPI_THREAD_MULTIPLE) releases it there, so that
 * its other threads can work while this one waits, and takes it back
 * before the wait looks at anything again. release returns what reacquire
 * needs (0: nothing was released). Set once, from a library constructor. */
struct knode_idle_hooks {
    long (*release)(void);
    void (*reacquire)(long token);
};
void knode_set_idle_hooks(const struct knode_idle_hooks *hooks);

/* Called on every caller's buffer (kmailbox_read/tryread/write,
 * kportal_read/write/aread/awrite) before the port takes its lock or
 * touches a byte of it; a negative return fails the call with that value
 * and nothing is done. What a post-copy destination needs: a page of the
 * container that is not here yet must be fetched before the port, a
 * kernel copy or a peer reaches it (rank-migrate's rmig_postcopy_touch).
 * The hook must return at once for buffers it does not own (the port calls
 * it from every thread, also from the hook's own fetches). Set and cleared
 * at any time (a thread that loaded it before a clear still calls it, so
 * what it reaches must outlive the clear); NULL: none. */
void knode_set_buffer_hook(int (*touch)(const void *addr, size_t len));

/* Around the part of a move that runs on this thread (np_boost.c): begin
 * lowers the thread's nice, and its autogroup's, to -20 (or as far as
 * RLIMIT_NICE allows; unchanged without CAP_SYS_NICE or an allowance) and
 * makes knode_idle's back-off spin up to 2 ms idle, then sleep, but never
 * sched_yield (under EEVDF a yield makes the thread the last picked); end
 * restores both.
 * Nests; per thread. For the short CPU-bound critical path of a move on an
 * oversubscribed node only: an idle wait must not run boosted. */
void knode_boost_begin(void);
void knode_boost_end(void);

/* Progresses the fabric once without waiting. Returns how many completions
 * it handled (>= 0) or -EIO. */
int knode_poll(void);

/* Monotonic time in seconds. */
double knode_wtime(void);

/* A cluster of the job whose process died (on this host: Hydra, run with
 * -disable-auto-cleanup, signals the others with SIGUSR1 and the port checks
 * which pid is gone). knode_is_lost: 1 once `cluster` is known lost, for
 * good. knode_set_lost_hook: `hook` is called once per lost cluster from
 * knode_idle()/knode_poll(), outside the port's lock; it may abort the job.
 * Waits of the port on a lost peer return -EHOSTDOWN. */
int knode_is_lost(int cluster);
void knode_set_lost_hook(void (*hook)(int cluster));

/* Cores this process may run on (hwloc: the inherited cpuset's cores, in a
 * stable order), 0 when unknown. */
int knode_core_count(void);

/* Binds this process (all its threads) to core `index` modulo the count.
 * Returns the core's number (0..count-1), -ENOSYS without hwloc topology,
 * -EINVAL for a negative index, or -errno of the binding. */
int knode_bind_core(int index);

/* Threads runnable on this host now per online CPU (the kernel's count of
 * running and runnable threads, /proc/loadavg), at least 1.0; 1.0 when it
 * cannot be read. On a node oversubscribed n-fold, CPU work takes about n
 * times as long as on an idle one. */
double knode_cpu_load(void);

/* ---- sync ------------------------------------------------------------ */

/* Creates (receive side) / opens (send side) a sync among nodes[0..nnodes-1].
 * For ONE_TO_ALL the master nodes[0] signals and the others wait; for
 * ALL_TO_ONE the others signal and the master waits for all of them.
 * Returns a sync id >= 0. */
int ksync_create(const int *nodes, int nnodes, int type);
int ksync_open(const int *nodes, int nnodes, int type);
int ksync_wait(int syncid);
int ksync_signal(int syncid);
int ksync_close(int syncid);
int ksync_unlink(int syncid);

/* ---- mailbox --------------------------------------------------------- */

/* Creates the input mailbox (local, port); local must be this cluster.
 * Returns a mailbox id >= 0, -EBUSY if it exists already. */
int kmailbox_create(int local, int port);

/* Opens an output mailbox towards (remote, port). Returns an id >= 0. */
int kmailbox_open(int remote, int remote_port);

/* Reads one message into buf (size >= the message, at most
 * KMAILBOX_MESSAGE_SIZE); blocks until one arrives. Returns the message
 * length, -EMSGSIZE if buf is too small (the message stays queued). */
ssize_t kmailbox_read(int mbxid, void *buf, size_t size);

/* Like kmailbox_read but returns -EAGAIN at once when nothing is queued. */
ssize_t kmailbox_tryread(int mbxid, void *buf, size_t size);

/* Like kmailbox_tryread but without making progress: only a message already
 * received (queued, or waiting in the same-host ring) is returned. For the
 * reads that follow a successful one in a drain loop, which would otherwise
 * poll the network once more per message to learn there is nothing. */
ssize_t kmailbox_tryread_queued(int mbxid, void *buf, size_t size);

/* Sends size bytes (0..KMAILBOX_MESSAGE_SIZE) as one message; returns size
 * once the data has left buf (the message is then in flight or delivered),
 * -EINVAL if size > KMAILBOX_MESSAGE_SIZE. Never waits for the receiver:
 * unread messages are queued at the receiver (memory is the only limit). */
ssize_t kmailbox_write(int mbxid, const void *buf, size_t size);

/* kmailbox_write of the message head[hlen] followed by body[blen], without
 * joining them first: to a same-host ring both pieces are copied straight
 * into the cell (one copy of the payload less for a header + payload
 * message). Returns hlen + blen, or what kmailbox_write returns. */
ssize_t kmailbox_write2(int mbxid, const void *head, size_t hlen, const void *body, size_t blen);

int kmailbox_close(int mbxid);  /* output side */
int kmailbox_unlink(int mbxid); /* input side */

/* ---- portal ---------------------------------------------------------- */

/* Creates the input portal (local, port); local must be this cluster. */
int kportal_create(int local, int port);

/* Allows one transfer from (remote, remote_port) into the next read. */
int kportal_allow(int portalid, int remote, int remote_port);

/* Opens an output portal from (local, local_port) to (remote, remote_port).
 * The receiver allows (local, local_port). Returns an id >= 0. */
int kportal_open(int local, int local_port, int remote, int remote_port);

/* Blocking transfers of size bytes (any size). Return size or < 0. A read
 * needs a kportal_allow() first (else -EINVAL) and returns the length the
 * writer sent, which may be less than size; a write larger than the read
 * buffer fails the read with -EMSGSIZE (with tcp;ofi_rxm such a truncation
 * also breaks the connection between the two clusters: avoid it). */
ssize_t kportal_read(int portalid, void *buf, size_t size);
ssize_t kportal_write(int portalid, const void *buf, size_t size);

/* Asynchronous transfers: start, then kportal_wait (blocks) or kportal_test
 * (returns 1 when done, 0 when not yet). One transfer per id at a time
 * (-EBUSY); kportal_wait retires it and returns its length or error, -EINVAL
 * if no transfer was started. The buffer must stay valid until completion. */
int kportal_aread(int portalid, void *buf, size_t size);
int kportal_awrite(int portalid, const void *buf, size_t size);
ssize_t kportal_wait(int portalid);
int kportal_test(int portalid);

int kportal_close(int portalid);  /* output side */
int kportal_unlink(int portalid); /* input side */

/* Reads that were unlinked while their transfer was under way and could
 * not be cancelled (between hosts, a link that went down): their data may
 * still land in their buffers until the provider completes them. Returns
 * how many there are now (0: none). */
int kportal_orphans(void);

#endif /* NANVIX_H */
