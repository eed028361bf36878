/* fake_nanvix.h: nanvix-port's node, job and mailbox calls, faked alike for the layers above.
 *
 * fake_nanvix.c is the part of nanvix.h that comm-virt's and rank-migrate's
 * unit tests fake the same way; each layer's own fake adds the rest of what
 * it stands in for (tests/unit/comm-virt/fake_kernel.h,
 * tests/unit/rank-migrate/rmig_fake.h), portals included, since the two
 * test portals differently (comm-virt's tests complete a transfer by hand,
 * rank-migrate's run both ends of a stream over a recorded wire).
 *
 * Job: FAKE_NCLUSTERS clusters; ranks 0..FAKE_NRANKS-1 start on the
 *   cluster of their own number, the others are spares. The process plays
 *   cluster fake_self: FAKE_SELF, unless a test switches it (rank-migrate's
 *   play the destination of a move after its source). knode_job_token() is
 *   FAKE_JOB; kjob_abort() aborts the test with a line on stderr.
 * Clock: knode_wtime() returns fake_now; knode_idle() adds fake_idle_step
 *   to it (so timeouts pass without sleeping) and then calls fake_on_idle.
 *   A wait loop that idles more than FAKE_IDLE_MAX times aborts the test.
 * Mailbox: a mailbox id is FAKE_INBOX for the cluster's own input mailbox
 *   and FAKE_OUTBOX_BASE + c towards cluster c, so a write knows where it
 *   goes. Writes are recorded in fake_sent[] with the cluster they were
 *   addressed to and the cluster that wrote them (fake_self then), and
 *   shown to fake_on_write (where a test's scripted peers answer);
 *   fake_write_error makes them fail. kmailbox_tryread() serves the
 *   messages a test queued with fake_inbox_push(), oldest first.
 *
 * State is plain statics: Check runs each test in a child process of its
 * own, and fake_nanvix_reset() clears it too. A full record, or anything
 * the contract says cannot happen, aborts the test through fake_die().
 */
#ifndef FAKE_NANVIX_H
#define FAKE_NANVIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nanvix.h"

#define FAKE_SELF      1 /* the cluster a test starts as (rank 1 lives here) */
#define FAKE_NRANKS    4 /* ranks 0..3 start on clusters 0..3 */
#define FAKE_NCLUSTERS 6 /* clusters 4 and 5 are spares */
#define FAKE_JOB       0x5eedf00dcafe0001ULL
#define FAKE_IDLE_MAX  100000 /* a loop idling longer aborts the test */

#define FAKE_INBOX       7   /* id kmailbox_create() returns */
#define FAKE_OUTBOX_BASE 100 /* kmailbox_open(c, ...) returns FAKE_OUTBOX_BASE + c */
#define FAKE_SENT_MAX    64  /* messages recorded */
#define FAKE_INBOX_MAX   64  /* messages queued for kmailbox_tryread() */

struct fake_msg {
    int cluster; /* where it was addressed (sent); fake_self (queued) */
    int from;    /* fake_self when it was written; -1 (queued) */
    size_t len;
    unsigned char bytes[KMAILBOX_MESSAGE_SIZE];
};

extern int fake_self;
extern double fake_now, fake_idle_step;
extern unsigned long fake_idles;
extern void (*fake_on_idle)(void);

extern struct fake_msg fake_sent[FAKE_SENT_MAX];
extern int fake_nsent;
extern int fake_write_error; /* non-zero: kmailbox_write() returns it */
extern void (*fake_on_write)(const struct fake_msg *m);

/* Forgets sent and queued messages and the hooks; cluster FAKE_SELF, clock
 * at 0, stepping 0.25 s an idle. */
void fake_nanvix_reset(void);

/* Queues n bytes as one message for kmailbox_tryread() on the inbox. */
void fake_inbox_push(const void *msg, size_t n);

/* Messages still queued in the inbox. */
int fake_inbox_left(void);
/* Drops every message not read yet. */
void fake_inbox_clear(void);

/* Prints "fake kernel: why" on stderr and aborts the test. */
void fake_die(const char *why) __attribute__((noreturn));

#endif /* FAKE_NANVIX_H */
