/* ua_checksum.c: the 64-bit checksum that verifies container transfers.
 *
 * XXH3 (64-bit, seed 0) from libxxhash, through its runtime dispatcher:
 * Debian builds the plain XXH3_64bits for the x86-64 baseline (SSE2, about
 * 8.7 GB/s here on 1 MiB), while XXH3_64bits_dispatch picks the AVX2 or
 * AVX-512 kernel the CPU has (about 23 GB/s on 1 MiB, 2.7x). A move
 * checksums every byte twice, at the source and at the destination, so this
 * shows in the downtime. The value is the same whichever kernel runs, at any
 * address and alignment, in every process.
 */
#include <xxh_x86dispatch.h>

#include "ua_internal.h"

uint64_t ua_checksum_range(const void *p, size_t len)
{
    return XXH3_64bits_dispatch(p, len);
}
