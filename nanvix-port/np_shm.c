/* np_shm.c: same-host mailbox rings, the fast path of kmailbox.
 *
 * libfabric's shm provider costs about 0.5 us per message on top of what MPI
 * needs, and more from 4 KiB up where it switches protocol; a message between
 * two processes of one host needs only one copy into memory both map. So each
 * cluster owns one ring of NP_SHM_CELLS mailbox cells in a POSIX shared memory
 * segment, and every cluster of the same host writes its mailbox messages (for
 * any port) into the destination's ring instead of sending them through the
 * fabric. Syncs still use the fabric; portals between two clusters whose
 * rings both carry cma_ok go by np_push, whose notices travel in the rings
 * on port NP_SHM_PUSH_PORT.
 *
 * The ring is a bounded multi-producer, single-consumer queue in the style of
 * D. Vyukov's: each cell carries a sequence number; a writer claims position
 * p by a compare-and-swap on the tail when cell p % N has sequence p, fills
 * it, then publishes it by storing p + 1; the owner reads cell head % N once
 * its sequence is head + 1 and frees it by storing head + N. A writer that
 * finds the ring full gets -EAGAIN and keeps progressing its own cluster (so
 * two clusters writing to each other never deadlock), exactly like a full
 * fabric queue.
 *
 * Lifetime, so that nothing is left in /dev/shm once a job is up: a cluster
 * creates its segment before the first bootstrap barrier, maps the segment
 * of every peer of its host (np_host_local: same kernel, /dev/shm and pid
 * namespace; the fabric is used for the others) after the second, and
 * unlinks its own after the third. Whether a writer uses the ring is decided once, at
 * bootstrap, per destination, so the messages of one sender never mix paths
 * and keep their order. NMPI_SHM=0 turns the rings off (fabric only).
 *
 * cma_ok: after mapping its peers, each cluster tries to read every mapped
 * peer's ring header through process_vm_readv (what np_push's
 * process_vm_writev needs: same ptrace access) and publishes the outcome in
 * its own header before the second barrier. Portals with a peer go by
 * np_push only when both headers say yes, so both ends decide alike.
 * NMPI_CMA=0 says no.
 *
 * A cell holds one mailbox message of up to KMAILBOX_MESSAGE_SIZE bytes (64
 * KiB of eager MPI payload and its header) so that messages up to 64 KiB
 * cross with one copy in and one out instead of a rendezvous: the ring costs
 * NP_SHM_CELLS x (64 KiB + 128 B) = 4.0 MiB of /dev/shm per cluster
 * (version 3; the 8 KiB cells of version 2 took 516 KiB).
 *
 * Cells come from another process: the reader checks each cell's port and
 * length before using it (np_shm_cell_ok) and drops a bad cell with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "np_internal.h"

#define NP_SHM_CELLS   64                    /* a power of two */
#define NP_SHM_MAGIC   0x6e6d70692d726e67ULL /* "nmpi-rng" */
#define NP_SHM_VERSION 3

/* One message slot. The header fills one cache line so the payload is
 * 64-byte aligned. */
struct np_shm_cell {
    _Atomic uint64_t seq; /* position + 1 when full, position when free */
    uint32_t len;         /* payload bytes, <= KMAILBOX_MESSAGE_SIZE */
    uint32_t port;        /* destination mailbox port, < KMAILBOX_PORT_MAX */
    /* cppcheck-suppress unusedStructMember ; never read: it places data at byte 64 */
    char pad[48];
    char data[KMAILBOX_MESSAGE_SIZE];
};
_Static_assert(offsetof(struct np_shm_cell, data) == 64, "a cell's header fills one cache line");

/* Segment layout (version NP_SHM_VERSION). Writers and the reader live on
 * different cache lines. */
struct np_shm_ring {
    uint64_t magic;   /* NP_SHM_MAGIC */
    uint64_t token;   /* the job token: a segment of another job is refused */
    uint32_t version; /* NP_SHM_VERSION */
    uint32_t ncells;  /* NP_SHM_CELLS */
    uint32_t cluster; /* owner */
    int32_t pid;      /* owner's process */
    uint64_t self;    /* where the owner maps this segment */
    uint32_t cma_ok;  /* 1: the owner can copy into every peer it mapped */
    char pad0[20];
    _Atomic uint64_t tail; /* next position a writer claims */
    char pad1[56];
    uint64_t head; /* next position the owner reads (owner only) */
    char pad2[56];
    struct np_shm_cell cells[NP_SHM_CELLS];
};

static struct np_shm_ring *np_shm_own;
static struct np_shm_ring **np_shm_peer; /* by cluster; NULL: use the fabric */
static int np_shm_npeers;
static char np_shm_own_name[64];

/* /nmpi-<uid>-<token>-r<cluster>-<pid>: the owner's pid ends the name, as
 * in libfabric's regions (np_fabric.c), so that the next mpiexec of the user
 * removes the ring of a job killed before it was unlinked (sweep_dead_jobs
 * takes the pid after the last '-'); "r" keeps the two kinds of names
 * apart. Peers learn the pid from the key np-pid-<cluster> (np_lost.c). */
static void np_shm_name(int cluster, long pid, char *buf, size_t len)
{
    snprintf(buf, len, "/nmpi-%u-%016llx-r%d-%ld", (unsigned)getuid(),
             (unsigned long long)np_node.token, cluster, pid);
}

static int np_shm_enabled(void)
{
    return base_setting_on("NMPI_SHM");
}

static int np_shm_cma_test(void);

static void np_shm_init_ring(struct np_shm_ring *r)
{
    r->magic = NP_SHM_MAGIC;
    r->token = np_node.token;
    r->version = NP_SHM_VERSION;
    r->ncells = NP_SHM_CELLS;
    r->cluster = (uint32_t)np_node.num;
    r->pid = (int32_t)getpid();
    r->self = (uint64_t)(uintptr_t)r;
    r->cma_ok = 0;
    atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
    r->head = 0;
    for (uint64_t i = 0; i < NP_SHM_CELLS; i++)
        atomic_store_explicit(&r->cells[i].seq, i, memory_order_relaxed);
}

int np_shm_create(void)
{
    /* Every cluster sweeps (a directory read, under a millisecond): on a
     * host without the launcher nothing else would, and the sweep takes
     * only files of dead processes, so clusters that race lose nothing. */
    np_shm_sweep();
    if (!np_shm_enabled())
        return 0;
    np_shm_name(np_node.num, (long)getpid(), np_shm_own_name, sizeof(np_shm_own_name));
    /* The name holds the job token: an existing one is a dead job's leftover. */
    shm_unlink(np_shm_own_name);
    int fd = shm_open(np_shm_own_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        goto fail;
    /* fallocate, not ftruncate: a full /dev/shm must fail here, not raise
     * SIGBUS at the first message. */
    int err = posix_fallocate(fd, 0, sizeof(struct np_shm_ring));
    void *p =
        err == 0 ? mmap(NULL, sizeof(struct np_shm_ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                 : MAP_FAILED;
    close(fd);
    if (p == MAP_FAILED) {
        shm_unlink(np_shm_own_name);
        goto fail;
    }
    np_shm_own = p;
    np_shm_init_ring(np_shm_own);
    return 0;
fail:
    np_error("shm: cannot create the mailbox ring %s (%s); using the fabric only", np_shm_own_name,
             strerror(errno));
    np_shm_own_name[0] = '\0';
    return 0;
}

/* Maps cluster c's ring if it is reachable; leaves NULL otherwise. */
static void np_shm_attach_one(int c)
{
    char name[64];
    long pid = (long)np_peer_pid_of(c);
    if (pid <= 0 || !np_host_local(c))
        return;
    np_shm_name(c, pid, name, sizeof(name));
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0)
        return; /* another host or namespace, or rings off there */
    void *p = mmap(NULL, sizeof(struct np_shm_ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return;
    struct np_shm_ring *r = p;
    if (r->magic != NP_SHM_MAGIC || r->token != np_node.token || r->version != NP_SHM_VERSION ||
        r->ncells != NP_SHM_CELLS || r->cluster != (uint32_t)c) {
        munmap(p, sizeof(struct np_shm_ring));
        return;
    }
    np_shm_peer[c] = r;
}

int np_shm_attach(void)
{
    if (np_shm_own == NULL)
        return 0; /* rings off here: write through the fabric */
    np_shm_peer = calloc((size_t)np_node.count, sizeof(*np_shm_peer));
    if (np_shm_peer == NULL)
        return -ENOMEM;
    np_shm_npeers = np_node.count;
    for (int c = 0; c < np_node.count; c++)
        np_shm_attach_one(c);
    np_shm_own->cma_ok = np_shm_cma_test();
    return 0;
}

/* 1 if this process can read every mapped peer's header by a kernel copy
 * (and NMPI_CMA is not 0). */
static int np_shm_cma_test(void)
{
    if (!base_setting_on("NMPI_CMA"))
        return 0;
    for (int c = 0; c < np_shm_npeers; c++) {
        struct np_shm_ring *r = np_shm_peer[c];
        if (r == NULL)
            continue;
        uint64_t magic = 0;
        struct iovec local = {&magic, sizeof(magic)};
        struct iovec remote = {(void *)(uintptr_t)r->self, sizeof(magic)};
        if (process_vm_readv(r->pid, &local, 1, &remote, 1, 0) != sizeof(magic) ||
            magic != NP_SHM_MAGIC)
            return 0;
    }
    return 1;
}

int np_shm_cma(int cluster)
{
    return np_shm_reaches(cluster) && np_shm_own->cma_ok && np_shm_peer[cluster]->cma_ok;
}

pid_t np_shm_pid(int cluster)
{
    return (pid_t)np_shm_peer[cluster]->pid;
}

void np_shm_unlink(void)
{
    if (np_shm_own_name[0] != '\0')
        shm_unlink(np_shm_own_name);
    np_shm_own_name[0] = '\0';
}

int np_shm_active(void)
{
    return np_shm_own != NULL;
}

int np_shm_reaches(int cluster)
{
    return cluster >= 0 && cluster < np_shm_npeers && np_shm_peer[cluster] != NULL;
}

int np_shm_write(int cluster, int port, const void *buf, size_t len)
{
    return np_shm_write2(cluster, port, buf, len, NULL, 0);
}

int np_shm_write2(int cluster, int port, const void *head, size_t hlen, const void *body,
                  size_t blen)
{
    struct np_shm_ring *r = np_shm_peer[cluster];
    struct np_shm_cell *cell;
    uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (;;) {
        cell = &r->cells[pos % NP_SHM_CELLS];
        uint64_t seq = atomic_load_explicit(&cell->seq, memory_order_acquire);
        int64_t dif = (int64_t)(seq - pos);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&r->tail, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (dif < 0) {
            return -EAGAIN; /* full */
        } else {
            pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
        }
    }
    cell->len = (uint32_t)(hlen + blen);
    cell->port = (uint32_t)port;
    memcpy(cell->data, head, hlen);
    if (blen > 0)
        memcpy(cell->data + hlen, body, blen);
    atomic_store_explicit(&cell->seq, pos + 1, memory_order_release);
    return 0;
}

int np_shm_cell_ok(uint32_t port, uint32_t len)
{
    return port <= NP_SHM_PUSH_PORT && len <= KMAILBOX_MESSAGE_SIZE;
}

/* Rate limit of the warning below: cells come from another process, as often as it likes. */
static struct base_log_limit np_shm_bad_cell;

int np_shm_drain(np_shm_deliver_fn deliver)
{
    struct np_shm_ring *r = np_shm_own;
    int n = 0;
    if (r == NULL)
        return 0;
    for (;;) {
        struct np_shm_cell *cell = &r->cells[r->head % NP_SHM_CELLS];
        if (atomic_load_explicit(&cell->seq, memory_order_acquire) != r->head + 1)
            return n;
        uint32_t port = cell->port, len = cell->len;
        if (np_shm_cell_ok(port, len) && port == NP_SHM_PUSH_PORT) {
            np_push_deliver(cell->data, len);
        } else if (np_shm_cell_ok(port, len)) {
            if (deliver((int)port, cell->data, len) != 0)
                return n; /* out of memory: leave it for later */
        } else {
            base_log_limited(&np_shm_bad_cell, BASE_LOG_WARN, "port",
                             "shm: dropped a mailbox cell with port %u, length %u", port, len);
        }
        atomic_store_explicit(&cell->seq, r->head + NP_SHM_CELLS, memory_order_release);
        r->head++;
        n++;
    }
}

ssize_t np_shm_take(int port, void *buf, size_t size)
{
    struct np_shm_ring *r = np_shm_own;
    if (r == NULL)
        return -EAGAIN;
    struct np_shm_cell *cell = &r->cells[r->head % NP_SHM_CELLS];
    if (atomic_load_explicit(&cell->seq, memory_order_acquire) != r->head + 1)
        return -EAGAIN;
    uint32_t cport = cell->port, len = cell->len;
    /* Anything else (another port, a bad cell, too long) is np_shm_drain's. */
    if (cport != (uint32_t)port || !np_shm_cell_ok(cport, len) || len > size)
        return -EAGAIN;
    memcpy(buf, cell->data, len);
    atomic_store_explicit(&cell->seq, r->head + NP_SHM_CELLS, memory_order_release);
    r->head++;
    return (ssize_t)len;
}

void np_shm_teardown(void)
{
    np_shm_unlink();
    for (int c = 0; c < np_shm_npeers; c++)
        if (np_shm_peer[c] != NULL)
            munmap(np_shm_peer[c], sizeof(struct np_shm_ring));
    free(np_shm_peer);
    np_shm_peer = NULL;
    np_shm_npeers = 0;
    if (np_shm_own != NULL)
        munmap(np_shm_own, sizeof(struct np_shm_ring));
    np_shm_own = NULL;
}
