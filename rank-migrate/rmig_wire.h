/* rmig_wire.h: the wire format of migration-daemon control messages.
 *
 * One fixed header per control message, sent through the control mailbox
 * (RMIG_CONTROL_PORT). Decoders check the length, magic, version and job
 * token before trusting any other field.
 */
#ifndef RMIG_WIRE_H
#define RMIG_WIRE_H

#include <stdint.h>

#define RMIG_WIRE_MAGIC   0x524d4947u /* "RMIG" */
#define RMIG_WIRE_VERSION 1

enum rmig_msg_type {
    RMIG_MSG_JOB_END = 1, /* the job is over: leave */
};

struct rmig_wire_hdr {
    uint32_t magic;      /* RMIG_WIRE_MAGIC */
    uint16_t version;    /* RMIG_WIRE_VERSION */
    uint16_t type;       /* enum rmig_msg_type */
    uint64_t job;        /* knode_job_token() of the sender's job */
    int32_t src_cluster; /* sending cluster */
    int32_t reserved;    /* zero */
};

/* Checks a received message of len bytes; returns its type or -EPROTO. */
int rmig_wire_check(const void *msg, long len, uint64_t job);

#endif /* RMIG_WIRE_H */
