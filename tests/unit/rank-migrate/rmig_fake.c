/* rmig_fake.c: portals, outside requests and uarea as rank-migrate's unit tests see them.
 *
 * Only the calls rank-migrate makes are here, each as small as it can be
 * while keeping the documented contract (nanvix.h, ua.h); rmig_fake.h
 * says what each one records or serves. The node, job and mailbox calls
 * are the shared fake's (tests/unit/fake/fake_nanvix.c). A portal transfer
 * is an entry of fake_xfer[]; writes put a copy of their bytes on the
 * wire, reads take the first matching wire entry when tested. The
 * container is slot 0 (header) plus the other slots of one static array.
 * Anything the contract says cannot happen (a wait that could never end, a
 * resume without a suspended rank, a full record) aborts the test with a
 * line on stderr (fake_die).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_fake.h"

struct fake_portal fake_portal[FAKE_PORTAL_MAX];
int fake_nportals;
struct fake_xfer fake_xfer[FAKE_XFER_MAX];
int fake_nxfers;
struct fake_wire fake_wire[FAKE_WIRE_MAX];
int fake_nwires;
int fake_hold_writes;

struct fake_reply fake_reply[FAKE_REPLY_MAX];
int fake_nreplies;

unsigned char fake_region[FAKE_SLOTS][FAKE_SLOT_SIZE] __attribute__((aligned(FAKE_SLOT_SIZE)));
size_t fake_range_len[FAKE_SLOTS];
unsigned char fake_outside[FAKE_SLOT_SIZE] __attribute__((aligned(FAKE_SLOT_SIZE)));
uint64_t fake_fingerprint;
int fake_migratable;
int fake_rank_threads;
int fake_suspends, fake_resumes, fake_releases, fake_trims, fake_trim_n;

static struct fake_reply xreq_in[FAKE_REPLY_MAX];
static int xreq_head, xreq_tail;
static struct ua_boot_hooks boot_hooks; /* set by rmig_boot.c's constructor */
static jmp_buf rank_context;
static int rank_context_set;

static void fake_wire_forget(void)
{
    for (int i = 0; i < fake_nwires; i++)
        free(fake_wire[i].bytes);
    memset(fake_wire, 0, sizeof(fake_wire));
    fake_nwires = 0;
}

void fake_reset(void)
{
    static const size_t lens[FAKE_SLOTS] = {256, 100, 200, 300, 400, 500};

    fake_nanvix_reset();
    fake_nportals = fake_nxfers = fake_hold_writes = 0;
    fake_wire_forget();
    fake_nreplies = 0;
    xreq_head = xreq_tail = 0;
    memcpy(fake_range_len, lens, sizeof(lens));
    fake_fingerprint = FAKE_FINGERPRINT;
    fake_migratable = 1;
    fake_rank_threads = 0;
    fake_hosts = NULL;
    fake_suspends = fake_resumes = fake_releases = fake_trims = fake_trim_n = 0;
    rank_context_set = 0;
    fake_region_clear();
}

void fake_xreq_push(const void *msg, size_t n)
{
    if (xreq_tail == FAKE_REPLY_MAX || n > sizeof(xreq_in[0].bytes))
        fake_die("request queue full");
    memcpy(xreq_in[xreq_tail].bytes, msg, n);
    xreq_in[xreq_tail++].len = n;
}

/* ---- requests from outside the job ------------------------------------- */

int kjob_request_open(void)
{
    return -ENOENT; /* no NMPI_JOB_DIR */
}

ssize_t kjob_request_tryread(void *buf, size_t size)
{
    struct fake_reply *d = &xreq_in[xreq_head];

    if (xreq_head == xreq_tail)
        return -EAGAIN;
    xreq_head++;
    if (d->len > size)
        return -EMSGSIZE;
    memcpy(buf, d->bytes, d->len);
    return (ssize_t)d->len;
}

int kjob_request_reply(unsigned long requester, const void *buf, size_t len)
{
    struct fake_reply *r = &fake_reply[fake_nreplies];

    if (fake_nreplies == FAKE_REPLY_MAX || len > sizeof(r->bytes))
        fake_die("reply record full");
    r->requester = requester;
    r->len = len;
    memcpy(r->bytes, buf, len);
    fake_nreplies++;
    return 0;
}

void kjob_request_close(void) {}

/* ---- hosts: clusters 2h and 2h+1 on host h, named "fakehost<h>", unless
 * a test sets fake_hosts (host of each cluster) ------------------------- */

int *fake_hosts;

int knode_host_of(int cluster)
{
    if (cluster < 0 || cluster >= FAKE_NCLUSTERS)
        return -EINVAL;
    return fake_hosts ? fake_hosts[cluster] : cluster / 2;
}

int knode_host_name(int cluster, char *name, size_t len)
{
    int n;

    if (cluster < 0 || cluster >= FAKE_NCLUSTERS || name == NULL)
        return -EINVAL;
    n = snprintf(name, len, "fakehost%d", cluster / 2);
    return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

/* ---- portal ---------------------------------------------------------- */

static int portal_new(int input, int port, int remote, int remote_port)
{
    struct fake_portal *p = &fake_portal[fake_nportals];

    if (fake_nportals == FAKE_PORTAL_MAX)
        fake_die("portal record full");
    memset(p, 0, sizeof(*p));
    p->input = input;
    p->local = fake_self;
    p->port = port;
    p->remote = remote;
    p->remote_port = remote_port;
    return fake_nportals++;
}

static struct fake_portal *portal_get(int id)
{
    return id >= 0 && id < fake_nportals && !fake_portal[id].retired ? &fake_portal[id] : NULL;
}

int kportal_create(int local, int port)
{
    if (local != fake_self || port < 0 || port >= KPORTAL_PORT_MAX)
        return -EINVAL;
    return portal_new(1, port, -1, -1);
}

int kportal_allow(int portalid, int remote, int remote_port)
{
    struct fake_portal *p = portal_get(portalid);

    if (p == NULL || !p->input)
        return -EBADF;
    p->remote = remote;
    p->remote_port = remote_port;
    return 0;
}

int kportal_open(int local, int local_port, int remote, int remote_port)
{
    if (local != fake_self || !knode_is_valid(remote) || local_port < 0 ||
        local_port >= KPORTAL_PORT_MAX || remote_port < 0 || remote_port >= KPORTAL_PORT_MAX)
        return -EINVAL;
    return portal_new(0, local_port, remote, remote_port);
}

/* Records a transfer on portal id; returns its index, or -errno. */
static int xfer_start(int id, int op, const void *buf, size_t size)
{
    struct fake_portal *p = portal_get(id);
    struct fake_xfer *x = &fake_xfer[fake_nxfers];

    if (p == NULL)
        return -EBADF;
    if (p->busy)
        return -EBUSY; /* one transfer per id at a time */
    if (fake_nxfers == FAKE_XFER_MAX)
        fake_die("transfer record full");
    *x = (struct fake_xfer){id, op, (void *)buf, size, -1, 0, 0};
    p->busy = 1;
    p->xfer = fake_nxfers;
    return fake_nxfers++;
}

static int wire_add(int src, int src_port, int dst, int dst_port, const void *bytes, size_t len)
{
    struct fake_wire *w = &fake_wire[fake_nwires];

    if (fake_nwires == FAKE_WIRE_MAX)
        fake_die("wire full");
    *w = (struct fake_wire){src, src_port, dst, dst_port, len, malloc(len ? len : 1), 0};
    if (w->bytes == NULL)
        fake_die("out of memory");
    memcpy(w->bytes, bytes, len);
    return fake_nwires++;
}

void fake_wire_push(int src, int src_port, int dst, int dst_port, const void *bytes, size_t len)
{
    wire_add(src, src_port, dst, dst_port, bytes, len);
}

int kportal_awrite(int portalid, const void *buf, size_t size)
{
    struct fake_portal *p = portal_get(portalid);
    int x;

    if (p == NULL || p->input)
        return -EBADF;
    x = xfer_start(portalid, FAKE_WRITE, buf, size);
    if (x < 0)
        return x;
    fake_xfer[x].wire = wire_add(p->local, p->port, p->remote, p->remote_port, buf, size);
    fake_xfer[x].done = !fake_hold_writes;
    fake_xfer[x].result = (ssize_t)size;
    return 0;
}

int kportal_aread(int portalid, void *buf, size_t size)
{
    struct fake_portal *p = portal_get(portalid);
    int x;

    if (p == NULL || !p->input)
        return -EBADF;
    if (p->remote < 0)
        return -EINVAL; /* a read needs kportal_allow() first */
    x = xfer_start(portalid, FAKE_READ, buf, size);
    return x < 0 ? x : 0;
}

/* A read takes the first wire entry from its allowed writer to its port. */
static void read_try(struct fake_portal *p, struct fake_xfer *x)
{
    for (int i = 0; i < fake_nwires && !x->done; i++) {
        struct fake_wire *w = &fake_wire[i];

        if (w->taken || w->src != p->remote || w->src_port != p->remote_port ||
            w->dst != p->local || w->dst_port != p->port)
            continue;
        w->taken = 1;
        x->wire = i;
        x->done = 1;
        x->result = w->len > x->size ? -EMSGSIZE : (ssize_t)w->len;
        if (w->len <= x->size)
            memcpy(x->buf, w->bytes, w->len);
    }
}

int kportal_test(int portalid)
{
    struct fake_portal *p = portal_get(portalid);
    struct fake_xfer *x;

    if (p == NULL)
        return -EBADF;
    if (!p->busy)
        return -EINVAL;
    x = &fake_xfer[p->xfer];
    if (x->op == FAKE_READ)
        read_try(p, x);
    return x->done;
}

ssize_t kportal_wait(int portalid)
{
    int done = kportal_test(portalid);
    struct fake_portal *p;

    if (done < 0)
        return done;
    if (done != 1)
        fake_die("kportal_wait on a transfer that never completes");
    p = &fake_portal[portalid];
    p->busy = 0;
    if (p->input)
        p->remote = p->remote_port = -1; /* the allowance is used up */
    return fake_xfer[p->xfer].result;
}

static int portal_retire(int portalid, int input)
{
    struct fake_portal *p = portal_get(portalid);

    if (p == NULL || p->input != input)
        return -EBADF;
    p->retired = 1;
    return 0;
}

int kportal_close(int portalid)
{
    return portal_retire(portalid, 0);
}

int fake_portal_orphans; /* what kportal_orphans() says */

int kportal_orphans(void)
{
    return fake_portal_orphans;
}

int kportal_unlink(int portalid)
{
    return portal_retire(portalid, 1);
}

/* ---- uarea: the container ---------------------------------------------- */

struct fake_header *fake_header(void)
{
    return (struct fake_header *)(void *)fake_region[0];
}

unsigned char fake_slot_byte(int slot, size_t i)
{
    return (unsigned char)(slot * 37 + i * 7 + 1);
}

void fake_region_clear(void)
{
    memset(fake_region, 0, sizeof(fake_region));
}

void fake_container_start(int rank)
{
    struct fake_header *h = fake_header();

    for (int s = 1; s < FAKE_SLOTS; s++)
        for (size_t i = 0; i < FAKE_SLOT_SIZE; i++)
            fake_region[s][i] = fake_slot_byte(s, i);
    memset(fake_region[0], 0, FAKE_SLOT_SIZE);
    h->magic = FAKE_MAGIC;
    h->rank = rank;
    h->state = FAKE_RUNNING;
}

void ua_set_boot_hooks(const struct ua_boot_hooks *hooks)
{
    boot_hooks = *hooks;
}

int ua_container_present(void)
{
    return fake_header()->magic == FAKE_MAGIC;
}

int ua_rank_suspended(void)
{
    return ua_container_present() && fake_header()->state == FAKE_SUSPENDED;
}

/* Kernel context runs on top of the rank's frames: the spare loop sends the
 * container away and either resumes the rank (ua_rank_resume jumps back
 * here) or, once a container arrived, resumes that one. */
void ua_rank_suspend(void)
{
    if (!ua_container_present() || fake_header()->state != FAKE_RUNNING)
        fake_die("ua_rank_suspend without a running rank");
    fake_header()->state = FAKE_SUSPENDED;
    fake_suspends++;
    if (setjmp(rank_context) != 0)
        return; /* resumed */
    rank_context_set = 1;
    if (boot_hooks.spare_loop == NULL)
        ua_rank_resume();
    boot_hooks.spare_loop();
    fake_die("the spare loop ended while the rank was suspended");
}

void ua_rank_resume(void)
{
    if (!ua_rank_suspended() || !rank_context_set)
        fake_die("ua_rank_resume without a suspended rank");
    fake_header()->state = FAKE_RUNNING;
    fake_resumes++;
    rank_context_set = 0;
    longjmp(rank_context, 1);
}

int ua_get_rank(void)
{
    return ua_container_present() ? fake_header()->rank : -1;
}

void **ua_root(int slot)
{
    if (!ua_container_present() || slot < 0 || slot >= UA_ROOT_SLOTS)
        return NULL;
    return &fake_header()->root[slot];
}

uint64_t ua_layout_fingerprint(void)
{
    return fake_fingerprint;
}

uint64_t ua_stack_canary(void)
{
    return 0x5a5a5a5a5a5a5a00ULL; /* any value: the fake container has no frames */
}

int ua_layout_migratable(void)
{
    return fake_migratable;
}

int ua_rank_threads(void)
{
    return fake_rank_threads;
}

int ua_program_code(uintptr_t *lo, uintptr_t *hi)
{
    (void)lo;
    (void)hi;
    return -ENOENT;
}

int ua_touched_ranges(int (*cb)(void *addr, size_t len, void *arg), void *arg)
{
    if (!ua_container_present())
        return -ENODEV;
    for (int s = 0; s < FAKE_SLOTS; s++) {
        int ret = fake_range_len[s] ? cb(fake_region[s], fake_range_len[s], arg) : 0;

        if (ret != 0)
            return ret;
    }
    return 0;
}

int ua_range_check(const void *addr, size_t len)
{
    const unsigned char *a = addr;

    for (int s = 0; s < FAKE_SLOTS; s++)
        if (len > 0 && a >= fake_region[s] && a + len <= fake_region[s] + FAKE_SLOT_SIZE)
            return 0;
    return -EINVAL;
}

void ua_range_prepare(void *addr, size_t len)
{
    (void)addr;
    (void)len;
}

void ua_range_settle(void *addr, size_t len)
{
    (void)addr;
    (void)len;
}

void ua_release_container(void)
{
    fake_releases++;
    fake_region_clear();
}

void ua_release_hold(void) {}

void ua_release_unhold(void) {}

int ua_arrival_trim(const struct ua_range *r, int n)
{
    (void)r;
    fake_trims++;
    fake_trim_n = n;
    return 0;
}

/* FNV-1a: any checksum does, both ends of a stream use this one. */
uint64_t ua_checksum_range(const void *p, size_t len)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* The container's extents (pre-copy moves): each fake slot, whole. */
int ua_extents(struct ua_range *out, int max)
{
    int n = 0;

    if (!ua_container_present())
        return -ENODEV;
    for (int s = 0; s < FAKE_SLOTS; s++) {
        if (n < max)
            out[n] = (struct ua_range){fake_region[s], FAKE_SLOT_SIZE};
        n++;
    }
    return n;
}

/* No globals in the fake container. */
int ua_globals_ranges(struct ua_range *out, int max)
{
    (void)out;
    (void)max;
    return 0;
}
