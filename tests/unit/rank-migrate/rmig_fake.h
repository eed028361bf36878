/* rmig_fake.h: the in-process stand-in for the layers below rank-migrate.
 *
 * rmig_fake.c implements every call rank-migrate makes into nanvix-port
 * (knode_*, kmailbox_*, kportal_*, kjob_request_*) and uarea (ua_*), so the
 * real rank-migrate library runs in one test process. The job has
 * FAKE_NCLUSTERS clusters; the process plays cluster fake_self (a test may
 * switch it, to play the destination of a move after the source).
 *
 * Mailbox: messages rank-migrate writes are recorded in fake_sent[] with
 *   the cluster they were addressed to, then shown to fake_on_write (a
 *   test's scripted peers answer there); kmailbox_tryread() serves the
 *   messages a test queued with fake_inbox_push(), oldest first.
 * Portals: a write copies its bytes onto the "wire" (fake_wire[], one entry
 *   per write, with both ends' cluster and port) and completes at once,
 *   unless fake_hold_writes (then never). A read completes as soon as the
 *   wire holds an entry from the allowed (cluster, port) to its own: its
 *   bytes are copied into the read buffer (-EMSGSIZE when they do not fit).
 *   A test plays a remote writer with fake_wire_push(). Every portal and
 *   every transfer started is recorded (fake_portal[], fake_xfer[]).
 * Clock: knode_wtime() returns fake_now; knode_idle() adds fake_idle_step
 *   to it (so timeouts pass without sleeping) and then calls fake_on_idle.
 * Container: FAKE_SLOTS page-aligned slots of fake_region; slot 0 is the
 *   header (struct fake_header: present when its magic is set, the rank's
 *   number, state and root slots), so it travels in a stream like the real
 *   uarea header. ua_touched_ranges() lists fake_range_len[i] bytes of
 *   each slot i (0: none); ua_range_check() accepts a range inside one slot.
 *   ua_release_container() zeroes the region. ua_rank_suspend() switches to
 *   "kernel context" as uarea does: it runs the registered spare_loop boot
 *   hook (rmig_spare_loop) on top of the rank's frames, and
 *   ua_rank_resume() jumps back into ua_rank_suspend() (longjmp).
 * Requests from outside: kjob_request_tryread() serves fake_xreq_push()ed
 *   datagrams; kjob_request_reply() is recorded in fake_reply[].
 *
 * State is plain statics: Check runs each test in a child process of its
 * own, and fake_reset() clears it too.
 */
#ifndef RMIG_FAKE_H
#define RMIG_FAKE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nanvix.h"
#include "ua.h"

#define FAKE_SELF        1 /* the cluster a test starts as (rank 1 lives here) */
#define FAKE_NCLUSTERS   6 /* clusters 0..3 host ranks 0..3, 4 and 5 are spares */
#define FAKE_JOB         0x5eedf00dcafe0002ULL
#define FAKE_FINGERPRINT 0x1a7047e5f00dULL

#define FAKE_INBOX       7   /* id kmailbox_create() returns */
#define FAKE_OUTBOX_BASE 100 /* kmailbox_open(c, ...) returns FAKE_OUTBOX_BASE + c */
#define FAKE_SENT_MAX    64
#define FAKE_INBOX_MAX   64
#define FAKE_PORTAL_MAX  64
#define FAKE_XFER_MAX    64
#define FAKE_WIRE_MAX    64
#define FAKE_REPLY_MAX   16
#define FAKE_IDLE_MAX    100000 /* a loop idling longer aborts the test */

#define FAKE_SLOTS     6
#define FAKE_SLOT_SIZE 4096
#define FAKE_MAGIC     0x6661636b65686472ULL /* fake_header.magic of a present container */

struct fake_msg {
    int cluster; /* where it was addressed (sent) */
    int from;    /* fake_self when it was written */
    size_t len;
    unsigned char bytes[KMAILBOX_MESSAGE_SIZE];
};

struct fake_portal {
    int input;               /* 1: kportal_create, 0: kportal_open */
    int local, port;         /* own cluster and port */
    int remote, remote_port; /* open: destination; create: allowed sender (-1: none) */
    int busy;                /* a transfer is started and not yet waited for */
    int xfer;                /* its index in fake_xfer[] */
    int retired;             /* kportal_close() or kportal_unlink() called */
};

enum fake_op { FAKE_READ = 1, FAKE_WRITE };

struct fake_xfer {
    int portal;     /* id */
    int op;         /* enum fake_op */
    void *buf;      /* the caller's buffer */
    size_t size;    /* asked for */
    int wire;       /* write: its fake_wire[] entry; read: the one it took, or -1 */
    int done;       /* kportal_test() answer */
    ssize_t result; /* kportal_wait() answer */
};

struct fake_wire {
    int src, src_port; /* writer */
    int dst, dst_port; /* reader */
    size_t len;
    unsigned char *bytes; /* a copy, taken when written */
    int taken;            /* a read got it */
};

struct fake_reply {
    unsigned long requester;
    size_t len;
    unsigned char bytes[128];
};

/* The container header as the fake keeps it in slot 0. */
enum fake_state { FAKE_RUNNING = 1, FAKE_SUSPENDED };

struct fake_header {
    uint64_t magic; /* FAKE_MAGIC: a container is present */
    int rank;
    int state; /* enum fake_state */
    void *root[UA_ROOT_SLOTS];
};

extern int fake_self;
extern double fake_now, fake_idle_step;
extern unsigned long fake_idles;
extern void (*fake_on_idle)(void);

extern struct fake_msg fake_sent[FAKE_SENT_MAX];
extern int fake_nsent;
extern int fake_write_error; /* non-zero: kmailbox_write() returns it */
extern void (*fake_on_write)(const struct fake_msg *m);

extern struct fake_portal fake_portal[FAKE_PORTAL_MAX];
extern int fake_nportals;
extern struct fake_xfer fake_xfer[FAKE_XFER_MAX];
extern int fake_nxfers;
extern struct fake_wire fake_wire[FAKE_WIRE_MAX];
extern int fake_nwires;
extern int fake_hold_writes; /* non-zero: portal writes never complete */

extern struct fake_reply fake_reply[FAKE_REPLY_MAX];
extern int fake_nreplies;

extern unsigned char fake_region[FAKE_SLOTS][FAKE_SLOT_SIZE];
extern size_t fake_range_len[FAKE_SLOTS];
extern unsigned char fake_outside[FAKE_SLOT_SIZE]; /* memory not in the container */
extern uint64_t fake_fingerprint;
extern int fake_migratable;
extern int fake_suspends, fake_resumes, fake_releases, fake_trims, fake_trim_n;

/* Forgets everything: no message, no portal, no container, clock at 0. */
void fake_reset(void);

/* Queues n bytes as one message for kmailbox_tryread(). */
void fake_inbox_push(const void *msg, size_t n);
int fake_inbox_left(void);

/* Puts len bytes on the wire as if cluster src wrote them from src_port to
 * (dst, dst_port). */
void fake_wire_push(int src, int src_port, int dst, int dst_port, const void *bytes, size_t len);

/* Queues one datagram for kjob_request_tryread(). */
void fake_xreq_push(const void *msg, size_t n);

/* A container for `rank`, running, every slot filled with its pattern
 * (fake_slot_byte). fake_region_clear() empties the region. */
void fake_container_start(int rank);
void fake_region_clear(void);
struct fake_header *fake_header(void);
unsigned char fake_slot_byte(int slot, size_t i);

#endif /* RMIG_FAKE_H */
