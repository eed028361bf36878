/* rmig_precopy_sums.h: per-page checksums of a pre-copy move (private to
 * rank-migrate; issue 15 item 1). See rmig_precopy_sums.c.
 */
#ifndef RMIG_PRECOPY_SUMS_H
#define RMIG_PRECOPY_SUMS_H

#include <stddef.h>
#include <stdint.h>

#include "rmig_dirty.h"

#define RMIG_PRECOPY_SUMS_EXTENTS 64 /* as many as a tracker watches */

typedef uint64_t (*rmig_precopy_hash_fn)(const void *p, size_t len);

/* One checksum per page of the tracked extents, over the page's bytes that
 * may be sent (its parts inside `allow`); 0 for a page with none. */
struct rmig_precopy_sums {
    rmig_precopy_hash_fn hash;
    const struct rmig_dirty_range *allow; /* ascending, disjoint, any byte bounds */
    int nallow;
    int n;
    struct {
        uintptr_t base; /* page aligned */
        size_t pages;
        uint64_t *sum;
    } ext[RMIG_PRECOPY_SUMS_EXTENTS];
    void *block; /* the closing block's buffer (rmig_precopy_sums_reserve) */
    size_t block_cap;
};

/* Over the n extents (page aligned, disjoint, at most
 * RMIG_PRECOPY_SUMS_EXTENTS); allow is kept, not copied. Every sum starts
 * at 0. Returns 0, -EINVAL or -ENOMEM (nothing kept). */
int rmig_precopy_sums_init(struct rmig_precopy_sums *s, const struct rmig_dirty_range *ext, int n,
                           const struct rmig_dirty_range *allow, int nallow,
                           rmig_precopy_hash_fn hash);

/* Recomputes the sum of every page that [addr, addr + len) touches inside
 * the extents, reading the page's bytes at their address + delta (0 at the
 * source; the destination's copy, in a test). Returns the pages summed. */
long rmig_precopy_sums_note(struct rmig_precopy_sums *s, uintptr_t addr, size_t len,
                            ptrdiff_t delta);

/* The address of the first page whose sums differ between a and b (made
 * over the same extents), or 0 when all agree; UINTPTR_MAX if the extents
 * differ. */
uintptr_t rmig_precopy_sums_differ(const struct rmig_precopy_sums *a,
                                   const struct rmig_precopy_sums *b);

/* The pages the extents hold: the sums the closing block carries. */
uint64_t rmig_precopy_sums_pages(const struct rmig_precopy_sums *s);

/* The closing block (every page's sum, 8 bytes a page: 2 MiB for a 1 GiB
 * heap) is made by the source and read by the destination in the pause.
 * Reserve makes its buffer of `len` bytes, every page touched, while the
 * rank still runs; block gives it (grown if `len` is more), or NULL
 * (-ENOMEM). Why: on the 2-core VM the page faults of a fresh 2 MiB buffer
 * cost about 7 ms on each side (the destination's through the kernel copy
 * that writes into it), and a 1 GiB rank's pre-copy pause was 13-19 ms
 * instead of 4.5-5.3. Freed with the sums. */
int rmig_precopy_sums_reserve(struct rmig_precopy_sums *s, size_t len);
void *rmig_precopy_sums_block(struct rmig_precopy_sums *s, size_t len);

void rmig_precopy_sums_free(struct rmig_precopy_sums *s);

#endif /* RMIG_PRECOPY_SUMS_H */
