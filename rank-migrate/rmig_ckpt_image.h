/* rmig_ckpt_image.h: the checkpoint image of one rank and the manifest of a
 * checkpoint directory, written down once (private to rank-migrate; the
 * decoders are also compiled into tools/nmpi-ckpt and tests/fuzz).
 *
 * A checkpoint directory holds one image per rank, `rank-<r>.img`, and a
 * manifest, `MANIFEST`, written last: a directory without a manifest that
 * checks out is incomplete and never read. Every file is written under a
 * temporary name, fsynced, renamed into place, and the directory fsynced.
 *
 * An image is the container stream a move sends (rmig_stream_portal.c),
 * put in a file:
 *
 *   struct rmig_ckpt_hdr            fixed size, checksum of itself
 *   struct rmig_wire_range[nranges] the range table, checksum in the header
 *   the bytes of each range         in table order, checksum in its entry
 *
 * so one chain of XXH3 checksums covers every byte: the manifest names each
 * image with its header checksum, the header holds the table's checksum and
 * the table each range's. Integers are in the writer's byte order (x86-64
 * only, like the container itself). A reader checks magic, version, sizes,
 * the header checksum, the file length and the table (rmig_table_check:
 * every range inside the container layout, no overlap, exact total) before
 * it trusts one byte of the ranges, and each range's checksum once read.
 *
 * The manifest is text, one record a line, in this order:
 *
 *   nanvix-mpi-checkpoint 1
 *   ranks <N>
 *   fingerprint <16 hex digits: ua_layout_fingerprint() of the writers>
 *   canary <16 hex digits: the stack-protector canary the ranks' frames carry>
 *   rank <r> <header checksum, 16 hex> <file length>     (N lines, r = 0..N-1)
 *   end <16 hex digits: XXH3 of every byte before this line>
 */
#ifndef RMIG_CKPT_IMAGE_H
#define RMIG_CKPT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "rmig_wire.h"

#define RMIG_CKPT_MAGIC            0x54504b4349504d4eULL /* "NMPICKPT" */
#define RMIG_CKPT_VERSION          1 /* bump when the header or the file changes */
#define RMIG_CKPT_MANIFEST         "MANIFEST"
#define RMIG_CKPT_MANIFEST_VERSION 1
#define RMIG_CKPT_MAX_RANKS        4096                             /* KNODE_MAX: no job has more */
#define RMIG_CKPT_MANIFEST_MAX     (128 + 64 * RMIG_CKPT_MAX_RANKS) /* longest valid manifest */

/* The header at offset 0 of an image. */
struct rmig_ckpt_hdr {
    uint64_t magic;          /* RMIG_CKPT_MAGIC */
    uint32_t version;        /* RMIG_CKPT_VERSION */
    uint32_t hdr_size;       /* sizeof(struct rmig_ckpt_hdr) */
    uint32_t ua_version;     /* UA_LAYOUT_VERSION of the writer */
    int32_t rank;            /* the rank the image holds */
    int32_t nranks;          /* ranks of the job that wrote it */
    int32_t cluster;         /* the cluster it ran on when written (for reports) */
    uint64_t fingerprint;    /* ua_layout_fingerprint() of the writer */
    int32_t nranges;         /* entries in the table, 1..RMIG_MAX_RANGES */
    uint32_t pad;            /* 0 */
    uint64_t bytes;          /* sum of the ranges' lengths */
    uint64_t table_checksum; /* ua_checksum_range() of the table */
    uint64_t file_bytes;     /* length of the whole file */
    uint64_t hdr_checksum;   /* ua_checksum_range() of this header with this field 0 */
};

/* Length of an image with n ranges of `bytes` bytes in all. */
uint64_t rmig_ckpt_file_bytes(int nranges, uint64_t bytes);

/* Fills h->hdr_checksum (every other field set). */
void rmig_ckpt_hdr_seal(struct rmig_ckpt_hdr *h);

/* Checks the `len` bytes at buf as an image header of a file of file_bytes
 * bytes: length, magic, version, header size, container layout version,
 * rank within nranks, range count, file length consistent with the counts,
 * checksum. Copies it to *out on success. Returns 0 or -EBADMSG. */
int rmig_ckpt_hdr_check(const void *buf, size_t len, uint64_t file_bytes,
                        struct rmig_ckpt_hdr *out);

/* Checks a table read from an image whose header passed: exact length,
 * checksum, every range accepted by range_ok, no overlap, the header's
 * total. Returns 0, -EBADMSG or -ENOMEM. */
int rmig_ckpt_table_check(const struct rmig_ckpt_hdr *h, const struct rmig_wire_range *r,
                          size_t received, int (*range_ok)(const void *, size_t));

/* Non-zero when the r->len bytes at `bytes` (range r as read from an
 * image) match r's checksum. */
int rmig_ckpt_range_matches(const struct rmig_wire_range *r, const void *bytes);

/* One rank's line of a manifest. */
struct rmig_ckpt_entry {
    uint64_t hdr_checksum;
    uint64_t file_bytes;
};

/* A parsed manifest. */
struct rmig_ckpt_manifest {
    int nranks;
    uint64_t fingerprint;
    uint64_t canary;
    struct rmig_ckpt_entry rank[RMIG_CKPT_MAX_RANKS];
};

/* Writes the manifest of m as text into buf (at most max bytes). Returns
 * its length, or -ENOSPC. */
int rmig_ckpt_manifest_format(const struct rmig_ckpt_manifest *m, char *buf, size_t max);

/* Parses `len` bytes of manifest text into *m: every line in order, the
 * version, the rank count, each rank exactly once in order, the final
 * checksum, nothing after it. Returns 0 or -EBADMSG. */
int rmig_ckpt_manifest_parse(const char *text, size_t len, struct rmig_ckpt_manifest *m);

/* The image file name of rank r ("rank-<r>.img") into buf. */
void rmig_ckpt_image_name(int r, char *buf, size_t max);

#endif /* RMIG_CKPT_IMAGE_H */
