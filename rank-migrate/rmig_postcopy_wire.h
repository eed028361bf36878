/* rmig_postcopy_wire.h: the page pulls of a post-copy move, as they go on
 * the wire (private to rank-migrate; issue 15 item 2). Written down once
 * here, version RMIG_PULL_VERSION; decoded by rmig_postcopy_wire.c, fuzzed
 * by tests/fuzz/fuzz_rmig_postcopy.c.
 *
 * The destination asks the source for whole pages of the container it
 * runs (a PULL); the source answers with the same numbers and, when it has
 * them, the bytes right after the answer (an ANSWER). Both carry the job
 * token and the rank, so a cluster of another job, or a late answer about
 * another rank, is refused before a byte is used. Host byte order: both
 * ends run the same installation (the layout fingerprint says so). */
#ifndef RMIG_POSTCOPY_WIRE_H
#define RMIG_POSTCOPY_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define RMIG_PULL_MAGIC   0x4c4c5550u /* "PULL" */
#define RMIG_ANSWER_MAGIC 0x52534e41u /* "ANSR" */
#define RMIG_PULL_VERSION 1
#define RMIG_PULL_PAGE    4096u
#define RMIG_PULL_MAX     (1u << 20) /* bytes one pull may ask */

/* status of an ANSWER */
#define RMIG_PULL_BYTES 0 /* len bytes follow */
#define RMIG_PULL_EMPTY 1 /* the source never had those pages: zeros */
/* < 0: refused (-EINVAL: not in the container's layout) */

struct rmig_pull {
    uint32_t magic;   /* RMIG_PULL_MAGIC or RMIG_ANSWER_MAGIC */
    uint16_t version; /* RMIG_PULL_VERSION */
    int16_t status;   /* a PULL: 0; an ANSWER: RMIG_PULL_BYTES, _EMPTY or -errno */
    uint64_t job;     /* the job token (knode_job_token) */
    int32_t rank;     /* the rank that moves */
    uint32_t len;     /* bytes: whole pages, 1 page .. RMIG_PULL_MAX */
    uint64_t addr;    /* page aligned, addr + len does not wrap */
    uint64_t seq;     /* the destination's number for the pull, echoed */
};

/* Fills a PULL. */
void rmig_pull_fill(struct rmig_pull *p, uint64_t job, int rank, uint64_t addr, uint32_t len,
                    uint64_t seq);

/* Decodes a PULL of size bytes at buf for this job and rank into *p.
 * Returns 0, or -EBADMSG (wrong size, magic, version, status, job, rank,
 * length or alignment: nothing to answer). */
int rmig_pull_decode(const void *buf, size_t size, uint64_t job, int rank, struct rmig_pull *p);

/* Decodes an ANSWER of size bytes at buf (the header, then the bytes when
 * status is RMIG_PULL_BYTES) to the pull `asked`. Returns its status
 * (RMIG_PULL_BYTES: *bytes_p points at asked->len bytes in buf;
 * RMIG_PULL_EMPTY; or the source's -errno), or -EBADMSG when it is not the
 * answer to that pull (any field or the size differ). */
int rmig_pull_answer_decode(const void *buf, size_t size, const struct rmig_pull *asked,
                            const void **bytes_p);

#endif /* RMIG_POSTCOPY_WIRE_H */
