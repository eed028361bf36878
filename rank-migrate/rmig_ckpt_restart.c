/* rmig_ckpt_restart.c: a cluster of a restarted job loads its rank's image.
 *
 * `mpiexec --restart DIR` starts a job of the checkpoint's shape with
 * NMPI_RESTART_DIR=DIR (after tools/nmpi-ckpt checked every file) and the
 * checkpoint's stack canary (the rank's saved frames carry it). At boot
 * every cluster reads the manifest and checks it against itself: the same
 * number of ranks, the same layout fingerprint (same executable, same
 * libraries at the same addresses), or the job ends with a message. Cluster
 * r < N then loads rank r's image the way a destination takes a container
 * stream: header checked against the manifest, table checked against the
 * container layout before a byte is written, every range read into place
 * and checked against its checksum. The rank is left suspended, as in the
 * image; the idle loop resumes it (rmig_move_out with no move under way),
 * inside its rmig_checkpoint_write(), which tells it it was restarted.
 * What belongs to the new job is the new job's: the routes (every rank on
 * its start cluster again), the job token, cluster numbers, sockets.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_ckpt.h"
#include "rmig_internal.h"
#include "ua.h"

/* Reads and parses dir's manifest into *m. Returns 0, -errno or -EBADMSG. */
static int rmig_manifest_read(const char *dir, struct rmig_ckpt_manifest *m)
{
    char path[PATH_MAX], *text = malloc(RMIG_CKPT_MANIFEST_MAX + 1);
    struct stat st;
    int fd, ret;

    if (text == NULL)
        return -ENOMEM;
    snprintf(path, sizeof(path), "%s/%s", dir, RMIG_CKPT_MANIFEST);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    ret = fd < 0 || fstat(fd, &st) < 0 ? -errno : 0;
    if (ret == 0 && (st.st_size <= 0 || st.st_size > RMIG_CKPT_MANIFEST_MAX))
        ret = -EBADMSG;
    if (ret == 0)
        ret = rmig_ckpt_read_at(fd, text, (size_t)st.st_size, 0);
    if (ret == 0)
        ret = rmig_ckpt_manifest_parse(text, (size_t)st.st_size, m);
    if (fd >= 0)
        close(fd);
    free(text);
    return ret;
}

/* Loads rank r's image from dir; e is its manifest line. */
static int rmig_image_load(const char *dir, int r, int nranks, const struct rmig_ckpt_entry *e)
{
    const struct rmig_ckpt_expect x = {
        .rank = r,
        .nranks = nranks,
        .file_bytes = e->file_bytes,
        .hdr_checksum = e->hdr_checksum,
    };
    char name[32], path[PATH_MAX];
    int fd, ret;

    rmig_ckpt_image_name(r, name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ret = e->file_bytes > 0 ? rmig_ckpt_image_load(fd, &x) : -EBADMSG;
    close(fd);
    return ret;
}

/* Says once (cluster 0) why the checkpoint cannot be used. */
static int rmig_restart_refused(const char *dir, const char *why)
{
    if (knode_get_num() == 0)
        base_log(BASE_LOG_ERROR, "rmig", "cannot restart from checkpoint %s: %s", dir, why);
    return -EIO;
}

int rmig_ckpt_boot(int hosts_rank)
{
    const char *dir = base_setting("NMPI_RESTART_DIR");
    struct rmig_ckpt_manifest *m;
    int me = knode_get_num(), ret;

    if (*dir == '\0')
        return hosts_rank;
    m = malloc(sizeof(*m));
    if (m == NULL)
        return -ENOMEM;
    ret = rmig_manifest_read(dir, m);
    if (ret < 0)
        ret = rmig_restart_refused(dir, "no complete manifest (missing, damaged or incomplete)");
    else if (m->nranks != rmig_cluster.nranks)
        ret = rmig_restart_refused(dir, "the job has another number of ranks");
    else if (m->fingerprint != ua_layout_fingerprint())
        ret = rmig_restart_refused(dir, "it was written by another executable or installation "
                                        "(layout fingerprint differs)");
    else if (hosts_rank) {
        ret = rmig_image_load(dir, me, m->nranks, &m->rank[me]);
        if (ret < 0)
            base_log(BASE_LOG_ERROR, "rmig", "cannot restart rank %d from checkpoint %s: %s", me,
                     dir, ret == -EBADMSG ? "its image is damaged" : strerror(-ret));
        ret = ret < 0 ? -EIO : 0;
        rmig_ckpt.loaded = ret == 0;
    }
    free(m);
    return ret < 0 ? ret : 0;
}
