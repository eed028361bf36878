/* fake_nanvix.c: the node, job and mailbox calls of nanvix.h as the unit tests see them.
 *
 * Each call is as small as it can be while keeping the contract nanvix.h
 * documents; fake_nanvix.h says what each one records or serves. The inbox
 * is a FIFO array the test fills, the sent record an array comm-virt or
 * rank-migrate fills; a write also calls the test's hook, so scripted peers
 * can answer at once. Time only passes when a loop idles.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_nanvix.h"

int fake_self = FAKE_SELF;
double fake_now, fake_idle_step = 0.25;
unsigned long fake_idles;
void (*fake_on_idle)(void);

struct fake_msg fake_sent[FAKE_SENT_MAX];
int fake_nsent;
int fake_write_error;
void (*fake_on_write)(const struct fake_msg *m);

static struct fake_msg inbox[FAKE_INBOX_MAX];
static int inbox_head, inbox_tail;

void fake_die(const char *why)
{
    fprintf(stderr, "fake kernel: %s\n", why);
    abort();
}

void fake_nanvix_reset(void)
{
    fake_self = FAKE_SELF;
    fake_now = 0.0;
    fake_idle_step = 0.25;
    fake_idles = 0;
    fake_on_idle = NULL;
    fake_nsent = fake_write_error = 0;
    fake_on_write = NULL;
    inbox_head = inbox_tail = 0;
}

void fake_inbox_push(const void *msg, size_t n)
{
    if (inbox_tail == FAKE_INBOX_MAX || n > KMAILBOX_MESSAGE_SIZE)
        fake_die("inbox full");
    memcpy(inbox[inbox_tail].bytes, msg, n);
    inbox[inbox_tail].len = n;
    inbox[inbox_tail].cluster = fake_self;
    inbox[inbox_tail].from = -1;
    inbox_tail++;
}

int fake_inbox_left(void)
{
    return inbox_tail - inbox_head;
}

void fake_inbox_clear(void)
{
    inbox_head = inbox_tail = 0;
}

/* ---- node and job ---------------------------------------------------- */

int knode_setup(void)
{
    return 0;
}

int knode_shutdown(void)
{
    return 0;
}

int knode_get_num(void)
{
    return fake_self;
}

int knode_count(void)
{
    return FAKE_NCLUSTERS;
}

int knode_is_valid(int cluster)
{
    return cluster >= 0 && cluster < FAKE_NCLUSTERS;
}

uint64_t knode_job_token(void)
{
    return FAKE_JOB;
}

void knode_idle(unsigned *spins)
{
    (*spins)++;
    if (++fake_idles > FAKE_IDLE_MAX)
        fake_die("a wait loop never ends");
    fake_now += fake_idle_step;
    if (fake_on_idle != NULL)
        fake_on_idle();
}

/* The fake has no progress to skip: the same idle turn. */
void knode_idle_polled(unsigned *spins)
{
    knode_idle(spins);
}

/* A move's priority (np_boost.c): nothing to raise in a fake node. */
void knode_boost_begin(void) {}

void knode_boost_end(void) {}

double knode_wtime(void)
{
    return fake_now;
}

/* No cluster's process ever dies here. */
int knode_is_lost(int cluster)
{
    (void)cluster;
    return 0;
}

void knode_set_lost_hook(void (*hook)(int cluster))
{
    (void)hook;
}

void knode_set_buffer_hook(int (*touch)(const void *addr, size_t len))
{
    (void)touch;
}

/* A host whose cores hwloc does not know: nothing is bound. */
int knode_core_count(void)
{
    return 0;
}

int knode_bind_core(int index)
{
    (void)index;
    return -ENOSYS;
}

/* An idle host. */
double knode_cpu_load(void)
{
    return 1.0;
}

void kjob_abort(int code, const char *msg)
{
    fprintf(stderr, "fake kjob_abort(%d): %s\n", code, msg);
    abort();
}

/* ---- mailbox --------------------------------------------------------- */

int kmailbox_create(int local, int port)
{
    return local == fake_self && port >= 0 && port < KMAILBOX_PORT_MAX ? FAKE_INBOX : -EINVAL;
}

int kmailbox_open(int remote, int remote_port)
{
    if (!knode_is_valid(remote) || remote_port < 0 || remote_port >= KMAILBOX_PORT_MAX)
        return -EINVAL;
    return FAKE_OUTBOX_BASE + remote;
}

ssize_t kmailbox_tryread(int mbxid, void *buf, size_t size)
{
    struct fake_msg *m = &inbox[inbox_head];

    if (mbxid != FAKE_INBOX)
        return -EBADF;
    if (inbox_head == inbox_tail)
        return -EAGAIN;
    if (size < m->len)
        return -EMSGSIZE;
    memcpy(buf, m->bytes, m->len);
    inbox_head++;
    return (ssize_t)m->len;
}

/* The fake has no progress to skip: the same queue. */
ssize_t kmailbox_tryread_queued(int mbxid, void *buf, size_t size)
{
    return kmailbox_tryread(mbxid, buf, size);
}

ssize_t kmailbox_write(int mbxid, const void *buf, size_t size)
{
    struct fake_msg *m = &fake_sent[fake_nsent];

    if (fake_write_error != 0)
        return fake_write_error;
    if (!knode_is_valid(mbxid - FAKE_OUTBOX_BASE))
        return -EBADF;
    if (size > KMAILBOX_MESSAGE_SIZE)
        return -EINVAL;
    if (fake_nsent == FAKE_SENT_MAX)
        fake_die("sent record full");
    m->cluster = mbxid - FAKE_OUTBOX_BASE;
    m->from = fake_self;
    m->len = size;
    memcpy(m->bytes, buf, size);
    fake_nsent++;
    if (fake_on_write != NULL)
        fake_on_write(m);
    return (ssize_t)size;
}

/* Joined, then recorded as one message like kmailbox_write's. */
ssize_t kmailbox_write2(int mbxid, const void *head, size_t hlen, const void *body, size_t blen)
{
    unsigned char joined[KMAILBOX_MESSAGE_SIZE];

    if (hlen + blen > KMAILBOX_MESSAGE_SIZE)
        return -EINVAL;
    memcpy(joined, head, hlen);
    if (blen > 0)
        memcpy(joined + hlen, body, blen);
    return kmailbox_write(mbxid, joined, hlen + blen);
}

int kmailbox_close(int mbxid)
{
    return mbxid >= FAKE_OUTBOX_BASE ? 0 : -EBADF;
}

int kmailbox_unlink(int mbxid)
{
    return mbxid == FAKE_INBOX ? 0 : -EBADF;
}
