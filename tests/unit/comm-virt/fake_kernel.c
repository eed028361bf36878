/* fake_kernel.c: portals, rank-migrate and uarea as comm-virt's unit tests see them.
 *
 * Only the calls comm-virt makes are here, each as small as it can be while
 * keeping the documented contract (nanvix.h, rmig.h, ua.h); the node, job
 * and mailbox calls are the shared fake's (tests/unit/fake/fake_nanvix.c).
 * Portals are slots of an array, their transfers only recorded.
 * Rank-migrate says there is nothing to do (no pending request, every move
 * refused), so no test moves a rank. The uarea is one root slot and one
 * rank number. State is plain statics: Check runs each test in a fresh
 * child process, and fake_reset() clears it too.
 */
#include <errno.h>
#include <string.h>

#include "cv.h"
#include "fake_kernel.h"
#include "nanvix.h"
#include "rmig.h"
#include "ua.h"

struct fake_portal fake_portal[FAKE_PORTAL_MAX];
int fake_nportals;
int fake_portal_error;

static void *cv_root;
static int ua_rank = -1;

void fake_reset(void)
{
    fake_nanvix_reset();
    fake_nportals = 0;
    fake_portal_error = 0;
    memset(fake_portal, 0, sizeof(fake_portal));
    fake_landed_calls = fake_landed_retired = 0;
    fake_landed_buf = NULL;
    fake_landed_len = 0;
    cv_root = NULL;
    ua_rank = -1;
}

/* ---- portal ---------------------------------------------------------- */

/* Takes the next portal slot; returns its id. */
static int portal_new(int input, int local, int port)
{
    struct fake_portal *p = &fake_portal[fake_nportals];

    if (fake_nportals == FAKE_PORTAL_MAX)
        fake_die("portal record full");
    p->input = input;
    p->local = local;
    p->port = port;
    p->remote = p->remote_port = -1;
    return fake_nportals++;
}

static struct fake_portal *portal_get(int id)
{
    return id >= 0 && id < fake_nportals ? &fake_portal[id] : NULL;
}

int kportal_create(int local, int port)
{
    return local == fake_self ? portal_new(1, local, port) : -EINVAL;
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
    int id;

    if (local != fake_self || !knode_is_valid(remote))
        return -EINVAL;
    id = portal_new(0, local, local_port);
    fake_portal[id].remote = remote;
    fake_portal[id].remote_port = remote_port;
    return id;
}

/* Records a transfer started on portal id. */
static int portal_start(int id, int op, const void *buf, size_t size)
{
    struct fake_portal *p = portal_get(id);

    if (p == NULL)
        return -EBADF;
    if (fake_portal_error != 0)
        return fake_portal_error;
    if (p->op != FAKE_PORTAL_NONE)
        return -EBUSY;
    p->op = op;
    p->buf = (void *)buf;
    p->size = size;
    return 0;
}

int kportal_aread(int portalid, void *buf, size_t size)
{
    struct fake_portal *p = portal_get(portalid);

    if (p == NULL || !p->input || p->remote < 0)
        return p == NULL ? -EBADF : -EINVAL; /* a read needs kportal_allow() */
    return portal_start(portalid, FAKE_PORTAL_READ, buf, size);
}

int kportal_awrite(int portalid, const void *buf, size_t size)
{
    struct fake_portal *p = portal_get(portalid);

    if (p == NULL || p->input)
        return -EBADF;
    return portal_start(portalid, FAKE_PORTAL_WRITE, buf, size);
}

int kportal_test(int portalid)
{
    struct fake_portal *p = portal_get(portalid);

    return p == NULL ? -EBADF : p->done;
}

ssize_t kportal_wait(int portalid)
{
    struct fake_portal *p = portal_get(portalid);

    if (p == NULL)
        return -EBADF;
    if (p->op == FAKE_PORTAL_NONE)
        return -EINVAL;
    return p->result != 0 ? p->result : (ssize_t)p->size;
}

/* Retires portal id; returns 0 or -EBADF. */
static int portal_retire(int portalid, int input)
{
    struct fake_portal *p = portal_get(portalid);

    if (p == NULL || p->input != input || p->retired)
        return -EBADF;
    p->retired = 1;
    return 0;
}

int kportal_close(int portalid)
{
    return portal_retire(portalid, 0);
}

/* No transfer is ever left under way here. */
int kportal_orphans(void)
{
    return 0;
}

int kportal_unlink(int portalid)
{
    return portal_retire(portalid, 1);
}

/* ---- rank-migrate: nothing pending, nothing moves ---------------------- */

int rmig_rank_count(void)
{
    return FAKE_NRANKS;
}

/* The operations comm-virt registers for its part of a move (its
 * constructor runs before main): kept for the tests to call. */
struct rmig_messaging_ops fake_messaging;

void rmig_set_messaging(const struct rmig_messaging_ops *ops)
{
    fake_messaging = *ops;
}

int fake_landed_calls, fake_landed_retired;
void *fake_landed_buf;
size_t fake_landed_len;

void rmig_transfer_landed(void *buf, size_t len)
{
    fake_landed_calls++;
    fake_landed_buf = buf;
    fake_landed_len = len;
    fake_landed_retired = 0;
    for (int i = 0; i < fake_nportals; i++)
        fake_landed_retired += fake_portal[i].retired;
}

int rmig_safe_point(void)
{
    return 0; /* nothing asked: no move */
}

int rmig_end_idle_clusters(const int *host_of_rank, int nranks)
{
    (void)host_of_rank;
    (void)nranks;
    return 0;
}

void rmig_rank_finalizing(void) {}

int rmig_cluster_leave(void)
{
    return 0;
}

/* ---- uarea: one root slot, one rank number ----------------------------- */

void **ua_root(int slot)
{
    return slot == CV_ROOT_SLOT ? &cv_root : NULL;
}

int ua_set_rank(int rank)
{
    ua_rank = rank;
    return 0;
}

int ua_get_rank(void)
{
    return ua_rank;
}

/* The test process hosts rank ua_rank once a test set it. */
int ua_container_present(void)
{
    return ua_rank >= 0;
}
