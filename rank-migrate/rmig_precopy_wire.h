/* rmig_precopy_wire.h: the two blocks of a pre-copy move besides its
 * rounds (private to rank-migrate; issue 15 item 1).
 *
 * Both go through lane 0 of the move's stream ports, read by the
 * destination into runtime memory and checked here before anything in
 * them is used (fuzzed: tests/fuzz/fuzz_precopy_wire.c).
 *  - The layout, first, before round 0: what the source's tracker watches
 *    (the container's extents, page aligned) and which bytes of them may be
 *    sent (`allow`: the extents with the globals' pages cut to the globals
 *    themselves). The destination sums every page of the extents as it
 *    lands, over its allowed bytes, exactly as the source does as it sends.
 *    Its size is announced by the PRECOPY control message (arg = extents,
 *    a = allowed ranges).
 *  - The closing block, after the final round (the stop-and-copy, rank
 *    frozen): a checksum of each of the final round's runs, taken frozen,
 *    then the source's sum of every page of the extents. The destination
 *    compares both with what it holds before it answers DONE.
 */
#ifndef RMIG_PRECOPY_WIRE_H
#define RMIG_PRECOPY_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "rmig_dirty.h"

#define RMIG_PC_LAYOUT_MAGIC 0x52504c59u /* "RPLY" */
#define RMIG_PC_CLOSE_MAGIC  0x5250434cu /* "RPCL" */
#define RMIG_PC_EXTENTS_MAX  64          /* as many as a tracker watches */
#define RMIG_PC_ALLOW_MAX    256
#define RMIG_PC_PAGE         4096u

struct rmig_wire_pc_layout {
    uint32_t magic;   /* RMIG_PC_LAYOUT_MAGIC */
    uint16_t version; /* RMIG_WIRE_VERSION */
    uint16_t next;    /* extents that follow, 1..RMIG_PC_EXTENTS_MAX */
    uint64_t job;     /* knode_job_token() */
    int32_t rank;     /* the rank moving */
    uint32_t nallow;  /* allowed ranges after the extents, 1..RMIG_PC_ALLOW_MAX */
    uint64_t sum;     /* ua_checksum_range() of the ranges that follow */
    /* then next + nallow struct rmig_wire_run {addr, len} */
};

struct rmig_wire_pc_close {
    uint32_t magic;   /* RMIG_PC_CLOSE_MAGIC */
    uint16_t version; /* RMIG_WIRE_VERSION */
    uint16_t zero;    /* 0 */
    uint64_t job;
    int32_t rank;
    uint32_t nstop;  /* runs of the final round */
    uint64_t npages; /* pages of the extents */
    uint64_t sum;    /* ua_checksum_range() of the sums that follow */
    /* then nstop + npages uint64_t: the final runs' checksums, the pages' sums */
};

/* Bytes of a layout of next extents and nallow ranges; of a closing block. */
size_t rmig_pc_layout_size(int next, int nallow);
size_t rmig_pc_close_size(uint32_t nstop, uint64_t npages);

/* Checks a layout of len bytes for this job and rank: magic, version, the
 * counts announced (next, nallow), the checksum (hash); every extent page
 * aligned, non-empty, ascending and apart; every allowed range non-empty,
 * without wrap-around, ascending, apart, inside one extent and accepted by
 * range_ok (the container layout here); every extent accepted by range_ok
 * too, or exactly the allowed ranges inside it rounded out to pages (the
 * globals). Copies them to ext and allow (next and nallow entries).
 * Returns 0 or -EBADMSG. */
int rmig_pc_layout_check(const void *buf, size_t len, uint64_t job, int rank, int next, int nallow,
                         uint64_t (*hash)(const void *, size_t),
                         int (*range_ok)(const void *, size_t), struct rmig_dirty_range *ext,
                         struct rmig_dirty_range *allow);

/* Checks a closing block of len bytes: magic, version, job, rank, exactly
 * nstop runs and npages sums, the checksum. Returns a pointer to its
 * nstop + npages sums inside buf, or NULL. */
const uint64_t *rmig_pc_close_check(const void *buf, size_t len, uint64_t job, int rank,
                                    uint32_t nstop, uint64_t npages,
                                    uint64_t (*hash)(const void *, size_t));

#endif /* RMIG_PRECOPY_WIRE_H */
