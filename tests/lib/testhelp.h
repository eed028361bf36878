/* testhelp.h: small helpers shared by the unit tests and the MPI tests.
 *
 * Everything here is plain C with no MPI dependency, so Check unit tests can
 * link it too: a 64-bit FNV-1a checksum; a deterministic byte pattern keyed
 * by (src, dst, size, iteration) that a sender writes and a receiver
 * regenerates to verify a payload bit for bit; and a catcher of what a
 * function prints on stderr. The pattern is a splitmix64 stream seeded from
 * the key, so two different keys give different bytes (a message delivered
 * to the wrong receiver or in the wrong iteration is caught, not only a
 * corrupted one). The MPI-aware CHECK macros live in testhelp_mpi.h.
 */
#ifndef TESTHELP_H
#define TESTHELP_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64-bit offset basis: the checksum of zero bytes. */
#define TH_FNV_OFFSET 0xcbf29ce484222325ULL

/* Eager/rendezvous switch of the library under test, in bytes. Tests probe
 * sizes around it; override at run time with NMPI_TEST_EAGER_LIMIT. */
#ifndef TEST_EAGER_LIMIT
#define TEST_EAGER_LIMIT 65536
#endif

/* Returns the FNV-1a 64-bit checksum of buf[0..len). Never fails. */
uint64_t th_fnv1a(const void *buf, size_t len);

/* Continues a checksum: returns the FNV-1a of (previous data, buf[0..len))
 * given `hash`, the checksum of the previous data. */
uint64_t th_fnv1a_update(uint64_t hash, const void *buf, size_t len);

/* Fills buf[0..len) with the pattern for (src, dst, len, iter). */
void th_pattern_fill(void *buf, size_t len, int src, int dst, int iter);

/* Returns -1 if buf[0..len) holds exactly the pattern for (src, dst, len,
 * iter), else the offset of the first byte that differs. */
long th_pattern_verify(const void *buf, size_t len, int src, int dst, int iter);

/* Returns the checksum of the pattern for (src, dst, len, iter), computed
 * without a buffer. */
uint64_t th_pattern_checksum(size_t len, int src, int dst, int iter);

/* Returns the eager limit to test around: NMPI_TEST_EAGER_LIMIT from the
 * environment if set to a positive number, else TEST_EAGER_LIMIT. */
size_t th_eager_limit(void);

/* Runs fn(arg) with file descriptor 2 (stderr) pointed at a temporary file,
 * then stores what was printed in buf, NUL-terminated and cut to len - 1
 * bytes. Returns the number of bytes stored; -EINVAL when len is 0, or
 * -errno when the file cannot be made or stderr cannot be pointed at it
 * (fn is then not run). */
long th_stderr_capture(void (*fn)(void *arg), void *arg, char *buf, size_t len);

#endif /* TESTHELP_H */
