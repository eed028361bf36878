/* rmig_fake.h: the in-process stand-in for the layers below rank-migrate.
 *
 * rmig_fake.c implements the calls rank-migrate makes into uarea (ua_*) and
 * the rest of nanvix-port (portals, kportal_*; requests from outside,
 * kjob_request_*); the node, job and mailbox calls come from the fake
 * shared with comm-virt's tests (fake_nanvix.h). Together they let the real
 * rank-migrate library run in one test process. The job has FAKE_NCLUSTERS
 * clusters; the process plays cluster fake_self (a test may switch it, to
 * play the destination of a move after the source).
 *
 * Mailbox and clock: as fake_nanvix.h says; fake_sent[] records with each
 *   message the cluster that wrote it (`from`), and the scripted peers of
 *   a test answer in fake_on_write.
 * Portals: a write copies its bytes onto the "wire" (fake_wire[], one entry
 *   per write, with both ends' cluster and port) and completes at once,
 *   unless fake_hold_writes (then never). A read completes as soon as the
 *   wire holds an entry from the allowed (cluster, port) to its own: its
 *   bytes are copied into the read buffer (-EMSGSIZE when they do not fit).
 *   A test plays a remote writer with fake_wire_push(). Every portal and
 *   every transfer started is recorded (fake_portal[], fake_xfer[]).
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
 * Hosts: clusters 2h and 2h+1 are on host h, named "fakehost<h>".
 *
 * State is plain statics: Check runs each test in a child process of its
 * own, and fake_reset() clears it too.
 */
#ifndef RMIG_FAKE_H
#define RMIG_FAKE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fake_nanvix.h"
#include "ua.h"

#define FAKE_FINGERPRINT 0x1a7047e5f00dULL

#define FAKE_PORTAL_MAX 64
#define FAKE_XFER_MAX   64
#define FAKE_WIRE_MAX   64
#define FAKE_REPLY_MAX  16

#define FAKE_SLOTS     6
#define FAKE_SLOT_SIZE 4096
#define FAKE_MAGIC     0x6661636b65686472ULL /* fake_header.magic of a present container */

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
    unsigned char bytes[1024]; /* a placement TABLE of the fake job fits */
};

/* The container header as the fake keeps it in slot 0. */
enum fake_state { FAKE_RUNNING = 1, FAKE_SUSPENDED };

struct fake_header {
    uint64_t magic; /* FAKE_MAGIC: a container is present */
    int rank;
    int state; /* enum fake_state */
    void *root[UA_ROOT_SLOTS];
};

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
extern int fake_rank_threads; /* ua_rank_threads() */
extern int fake_suspends, fake_resumes, fake_releases, fake_trims, fake_trim_n;

/* Forgets everything: no message (fake_nanvix_reset), no portal, no
 * container, clock at 0. */
void fake_reset(void);

/* The host of each of the FAKE_NCLUSTERS clusters for knode_host_of, or
 * NULL (the default, reset by fake_reset): clusters 2h and 2h+1 on host h. */
extern int *fake_hosts;

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

/* Reads left under way by an unlink (kportal_orphans()); tests set it. */
extern int fake_portal_orphans;

#endif /* RMIG_FAKE_H */
