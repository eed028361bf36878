/* rmig_precopy_wire.h: a pre-copy move's wire formats: its rounds, and
 * the two blocks besides them (private to rank-migrate; issue 15 item 1).
 *
 * The blocks go through lane 0 of the move's stream ports, read by the
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
#include "rmig_wire.h"

/* A round on the wire: this header, then (n > 0) its n struct
 * rmig_wire_run in one write, both through lane 0 of the move's stream
 * ports; then the runs' bytes, run i through lane i % RMIG_LANES. */
#define RMIG_ROUND_MAGIC    0x52505245u           /* "RPRE" */
#define RMIG_ROUND_RUNS_MAX (RMIG_MAX_RANGES * 4) /* a longer round is refused */

struct rmig_wire_round {
    uint32_t magic;   /* RMIG_ROUND_MAGIC */
    uint16_t version; /* RMIG_WIRE_VERSION */
    uint16_t round;   /* 0 for the first */
    uint64_t job;     /* knode_job_token() */
    int32_t rank;     /* the rank moving */
    uint32_t n;       /* runs that follow */
    uint64_t bytes;   /* their total length */
    uint64_t sum;     /* ua_checksum_range() of the n runs */
    uint32_t flags;   /* RMIG_ROUND_FINAL: the stop round, sent with the rank frozen */
    uint32_t zero;    /* 0 */
};

#define RMIG_ROUND_FINAL 1u

struct rmig_wire_run {
    uint64_t addr, len;
};

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
