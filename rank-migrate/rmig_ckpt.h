/* rmig_ckpt.h: checkpoints and restarts inside rank-migrate (private).
 *
 * rmig_ckpt.c writes images and manifests, rmig_ckpt_restart.c loads an
 * image into a cluster of a restarted job; the format is in
 * rmig_ckpt_image.h. The calls the MPI layer makes are in rmig.h.
 */
#ifndef RMIG_CKPT_H
#define RMIG_CKPT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "rmig_ckpt_image.h"

/* Per-cluster checkpoint state (never in a container). */
struct rmig_ckpt_cluster {
    int hold;           /* a checkpoint drains: no move is taken at safe points */
    int pending;        /* the suspended rank waits for its image to be written */
    int result;         /* outcome of the last image write (0 or -errno) */
    int loaded;         /* the rank here came from an image: its call returns "restarted" */
    int nranks;         /* ranks of the job, for the image header */
    char dir[PATH_MAX]; /* the checkpoint directory */
};

extern struct rmig_ckpt_cluster rmig_ckpt;

/* Kernel context, rank suspended with no move under way (rmig_move_out):
 * writes the image asked for by rmig_checkpoint_write(), if any. */
void rmig_ckpt_out(void);

/* Kernel context, in rmig_cluster_boot(): with NMPI_RESTART_DIR set,
 * checks the checkpoint's manifest against this job and, on a cluster that
 * is to run a rank, loads that rank's image, suspended, ready to resume.
 * Returns 0 (this cluster starts as a spare: the idle loop resumes a
 * loaded rank), 1 without a restart (run main as usual: `hosts_rank`), or
 * -EIO after logging why the checkpoint cannot be used. */
int rmig_ckpt_boot(int hosts_rank);

/* Writes len bytes; returns 0 or -errno. */
int rmig_ckpt_write_all(int fd, const void *buf, size_t len);

/* Reads exactly len bytes at offset off. Returns 0, -errno, or -EBADMSG
 * when the file ends first. */
int rmig_ckpt_read_at(int fd, void *buf, size_t len, uint64_t off);

/* What the reader of an image was told to expect (BEGIN_FILE, a
 * manifest line): the header must match exactly; nranges, bytes and
 * file_bytes are compared when not 0. */
struct rmig_ckpt_expect {
    int rank;              /* the rank the image must hold */
    int nranks;            /* ranks of this job */
    int nranges;           /* range count announced, or 0 */
    uint64_t bytes;        /* total range bytes announced, or 0 */
    uint64_t file_bytes;   /* file length announced, or 0 */
    uint64_t hdr_checksum; /* the image header's checksum as announced */
};

/* Kernel context: loads the image open on fd into the container, every
 * byte checked (rmig_ckpt_load.c), and leaves rank e->rank suspended here.
 * Returns 0, -errno, or -EBADMSG when the image is damaged or not the one
 * expected (then nothing of it is kept: the container is released). */
int rmig_ckpt_image_load(int fd, const struct rmig_ckpt_expect *e);

/* fsyncs a directory. Returns 0 or -errno. */
int rmig_ckpt_sync_dir(const char *dir);

/* Writes dir/name as a complete file or not at all: head, then body(fd)
 * if not NULL, into dir/.name.tmp, fsync, rename, fsync of dir. Returns 0
 * or -errno (the temporary file removed). */
int rmig_ckpt_publish(const char *dir, const char *name, const void *head, size_t head_len,
                      int (*body)(int fd, void *arg), void *arg);

#endif /* RMIG_CKPT_H */
