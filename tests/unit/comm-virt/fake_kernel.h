/* fake_kernel.h: the in-process stand-in for the layers below comm-virt.
 *
 * fake_kernel.c implements the calls comm-virt makes into nanvix-port
 * (knode_*, kmailbox_*, kportal_*, kjob_abort), rank-migrate (rmig_*) and
 * uarea (ua_*), so comm-virt's real code runs in one test process. The job
 * has FAKE_NRANKS ranks on FAKE_NCLUSTERS clusters; the test runs as cluster
 * FAKE_SELF. Mailbox messages written by comm-virt are recorded in
 * fake_sent[] (with the cluster they were addressed to); messages a test
 * pushes with fake_inbox_push() are what kmailbox_tryread() returns, oldest
 * first. Portals are recorded in fake_portal[] and complete when a test sets
 * their `done` (and, for kportal_wait(), their `result`). fake_write_error
 * and fake_portal_error make the next calls fail. fake_reset() forgets
 * everything.
 */
#ifndef FAKE_KERNEL_H
#define FAKE_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nanvix.h"

#define FAKE_SELF      1 /* this cluster's number (rank 1 starts here) */
#define FAKE_NRANKS    4 /* ranks 0..3 on clusters 0..3 */
#define FAKE_NCLUSTERS 6 /* clusters 4 and 5 are spares */
#define FAKE_JOB       0x5eedf00dcafe0001ULL

#define FAKE_INBOX       7   /* id kmailbox_create() returns */
#define FAKE_OUTBOX_BASE 100 /* kmailbox_open(c, ...) returns FAKE_OUTBOX_BASE + c */
#define FAKE_SENT_MAX    64  /* messages recorded */
#define FAKE_INBOX_MAX   64  /* messages queued for kmailbox_tryread() */
#define FAKE_PORTAL_MAX  16

struct fake_msg {
    int cluster; /* where it was addressed (sent) */
    size_t len;
    unsigned char bytes[KMAILBOX_MESSAGE_SIZE];
};

enum fake_portal_op { FAKE_PORTAL_NONE, FAKE_PORTAL_READ, FAKE_PORTAL_WRITE };

struct fake_portal {
    int input;               /* 1: kportal_create, 0: kportal_open */
    int local, port;         /* own cluster and port */
    int remote, remote_port; /* open: destination; create: allowed sender */
    int op;                  /* enum fake_portal_op: transfer started */
    void *buf;
    size_t size;
    int done;       /* set by the test: kportal_test() returns it */
    ssize_t result; /* set by the test: kportal_wait() returns it (0: size) */
    int retired;    /* kportal_close() or kportal_unlink() called */
};

extern struct fake_msg fake_sent[FAKE_SENT_MAX];
extern int fake_nsent;
extern struct fake_portal fake_portal[FAKE_PORTAL_MAX];
extern int fake_nportals;
extern int fake_write_error;  /* non-zero: kmailbox_write() returns it */
extern int fake_portal_error; /* non-zero: kportal_aread/awrite() return it */

/* What comm-virt registered with rmig_set_messaging() (rmig.h). */
#include "rmig.h"
extern struct rmig_messaging_ops fake_messaging;

/* Forgets sent and queued messages, portals, the rank and its cv root. */
void fake_reset(void);

/* Queues n bytes as one message for kmailbox_tryread() on the inbox. */
void fake_inbox_push(const void *msg, size_t n);

/* Messages still queued in the inbox. */
int fake_inbox_left(void);

#endif /* FAKE_KERNEL_H */
