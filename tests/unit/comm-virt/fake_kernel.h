/* fake_kernel.h: the in-process stand-in for the layers below comm-virt.
 *
 * fake_kernel.c implements the calls comm-virt makes into nanvix-port's
 * portals (kportal_*), rank-migrate (rmig_*) and uarea (ua_*); the node,
 * job and mailbox calls come from the fake shared with rank-migrate's tests
 * (fake_nanvix.h: the job shape, FAKE_SELF, the sent record fake_sent[],
 * fake_inbox_push(), fake_write_error). Together they let comm-virt's real
 * code run in one test process, as rank 1 on cluster FAKE_SELF; no test
 * switches fake_self. Portals are recorded in fake_portal[] and complete
 * when a test sets their `done` (and, for kportal_wait(), their `result`).
 * fake_portal_error makes the next transfers fail. fake_reset() forgets
 * everything.
 */
#ifndef FAKE_KERNEL_H
#define FAKE_KERNEL_H

#include <stddef.h>
#include <sys/types.h>

#include "fake_nanvix.h"
#include "rmig.h"

#define FAKE_PORTAL_MAX 16

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

extern struct fake_portal fake_portal[FAKE_PORTAL_MAX];
extern int fake_nportals;
extern int fake_portal_error; /* non-zero: kportal_aread/awrite() return it */

/* What comm-virt registered with rmig_set_messaging() (rmig.h). */
extern struct rmig_messaging_ops fake_messaging;

/* rmig_transfer_landed() calls: the last one's range, and how many of the
 * portals were retired when it came (comm-virt must unlink first). */
extern int fake_landed_calls, fake_landed_retired;
extern void *fake_landed_buf;
extern size_t fake_landed_len;

/* Forgets sent and queued messages (fake_nanvix_reset), portals, the rank
 * and its cv root. */
void fake_reset(void);

#endif /* FAKE_KERNEL_H */
