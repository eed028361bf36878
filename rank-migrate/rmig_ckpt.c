/* rmig_ckpt.c: writing a rank's checkpoint image and a checkpoint's manifest.
 *
 * A checkpoint image is what a move would send, put in a file: the rank is
 * suspended at a safe point exactly as for a move (rmig_checkpoint_write,
 * rank context), and this cluster's kernel context, which sees a suspended
 * rank with no destination (rmig_move_out), writes the range table and the
 * ranges under a temporary name (rmig_ckpt_out), fsyncs, renames and
 * resumes the rank. A job restarted from the image resumes the rank at
 * that same point, on another process (rmig_ckpt_restart.c), so
 * rmig_checkpoint_write() returns twice: once here, once in every restart.
 * Per-cluster state only (the directory asked for, the outcome): the rank's
 * state is what the image holds. While a checkpoint drains its messages the
 * rank takes no move (rmig_checkpoint_hold): a move in the middle of the
 * cut would put messages on the way to another cluster.
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
#include "rmig_postcopy_move.h"
#include "ua.h"

struct rmig_ckpt_cluster rmig_ckpt = {0};

void rmig_checkpoint_hold(int on)
{
    rmig_ckpt.hold = on;
}

int rmig_checkpoint_holding(void)
{
    return rmig_ckpt.hold;
}

int rmig_checkpoint_quiesce(void)
{
    const struct rmig_messaging_ops *m = &rmig_cluster.messaging;
    unsigned spins = 0;

    if (!rmig_messaging_ready())
        return -ENOTCONN;
    while (m->quiesce()) {
        if (rmig_control_answer() > 0)
            spins = 0;
        else
            knode_idle(&spins);
    }
    return 0;
}

int rmig_ckpt_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int rmig_ckpt_read_at(int fd, void *buf, size_t len, uint64_t off)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EBADMSG;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int rmig_ckpt_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        ret = -errno;
    close(fd);
    return ret;
}

int rmig_ckpt_publish(const char *dir, const char *name, const void *head, size_t head_len,
                      int (*body)(int fd, void *arg), void *arg)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    int fd, ret;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    ret = rmig_ckpt_write_all(fd, head, head_len);
    if (ret == 0 && body != NULL)
        ret = body(fd, arg);
    if (ret == 0 && fsync(fd) < 0)
        ret = -errno;
    if (close(fd) < 0 && ret == 0)
        ret = -errno;
    if (ret == 0 && rename(tmp, path) < 0)
        ret = -errno;
    if (ret < 0)
        unlink(tmp);
    return ret == 0 ? rmig_ckpt_sync_dir(dir) : ret;
}

/* Writes the table, then every range from its place in the container. */
static int rmig_ckpt_image_body(int fd, void *arg)
{
    const struct rmig_table *t = arg;
    int ret = rmig_ckpt_write_all(fd, t->r, (size_t)t->n * sizeof(*t->r));

    for (int i = 0; ret == 0 && i < t->n; i++)
        ret = rmig_ckpt_write_all(fd, (const void *)(uintptr_t)t->r[i].addr, t->r[i].len);
    return ret;
}

/* Kernel context, the rank suspended for a checkpoint: writes its image. */
static int rmig_ckpt_image_write(void)
{
    struct rmig_table t;
    struct rmig_ckpt_hdr h = {0};
    char name[32];
    int ret = rmig_table_build(&t);

    if (ret < 0)
        return ret;
    h.magic = RMIG_CKPT_MAGIC;
    h.version = RMIG_CKPT_VERSION;
    h.hdr_size = sizeof(h);
    h.ua_version = UA_LAYOUT_VERSION;
    h.rank = ua_get_rank();
    h.nranks = rmig_ckpt.nranks;
    h.cluster = knode_get_num();
    h.fingerprint = ua_layout_fingerprint();
    h.nranges = t.n;
    h.bytes = t.bytes;
    h.table_checksum = ua_checksum_range(t.r, (size_t)t.n * sizeof(*t.r));
    h.file_bytes = rmig_ckpt_file_bytes(t.n, t.bytes);
    rmig_ckpt_hdr_seal(&h);
    rmig_ckpt_image_name(h.rank, name, sizeof(name));
    ret = rmig_ckpt_publish(rmig_ckpt.dir, name, &h, sizeof(h), rmig_ckpt_image_body, &t);
    rmig_table_free(&t);
    return ret;
}

void rmig_ckpt_out(void)
{
    if (!rmig_ckpt.pending)
        return;
    rmig_ckpt.pending = 0;
    rmig_ckpt.result = rmig_ckpt_image_write();
}

int rmig_checkpoint_write(const char *dir, int nranks, int *restarted_p)
{
    int ret;

    if (strlen(dir) >= sizeof(rmig_ckpt.dir))
        return -ENAMETOOLONG;
    if (ua_rank_threads() > 0)
        return -EUSERS;             /* their stacks are not in the container */
    ret = rmig_postcopy_complete(); /* pages not pulled yet would be missing from the image */
    if (ret < 0)
        return ret;
    ret = rmig_checkpoint_quiesce();
    if (ret < 0)
        return ret;
    strcpy(rmig_ckpt.dir, dir);
    rmig_ckpt.nranks = nranks;
    rmig_ckpt.result = -EIO;
    rmig_ckpt.pending = 1;
    fflush(NULL);
    ua_rank_suspend(); /* here again once written, or in a job restarted from the image */
    *restarted_p = rmig_ckpt.loaded;
    if (rmig_ckpt.loaded) {
        rmig_ckpt.loaded = 0;
        if (rmig_cluster.messaging.restart != NULL)
            rmig_cluster.messaging.restart();
        return 0;
    }
    return rmig_ckpt.result;
}

/* Reads rank r's image header from dir and checks it. */
static int rmig_ckpt_entry_of(const char *dir, int r, int nranks, struct rmig_ckpt_entry *e)
{
    char name[32], path[PATH_MAX];
    struct rmig_ckpt_hdr raw, h;
    struct stat st;
    ssize_t got;
    int fd, ret;

    rmig_ckpt_image_name(r, name, sizeof(name));
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    got = fstat(fd, &st) < 0 ? -1 : pread(fd, &raw, sizeof(raw), 0);
    ret = got < 0 ? -errno : rmig_ckpt_hdr_check(&raw, (size_t)got, (uint64_t)st.st_size, &h);
    close(fd);
    if (ret == 0 && (h.rank != r || h.nranks != nranks))
        ret = -EBADMSG;
    if (ret == 0)
        *e = (struct rmig_ckpt_entry){h.hdr_checksum, h.file_bytes};
    return ret;
}

int rmig_checkpoint_manifest(const char *dir, int nranks)
{
    struct rmig_ckpt_manifest *m = calloc(1, sizeof(*m));
    char *text = malloc(RMIG_CKPT_MANIFEST_MAX);
    int ret = m == NULL || text == NULL ? -ENOMEM : 0;

    if (ret == 0 && (nranks < 1 || nranks > RMIG_CKPT_MAX_RANKS))
        ret = -EINVAL;
    if (ret == 0) {
        m->nranks = nranks;
        m->fingerprint = ua_layout_fingerprint();
        m->canary = ua_stack_canary();
    }
    for (int r = 0; ret == 0 && r < nranks; r++)
        ret = rmig_ckpt_entry_of(dir, r, nranks, &m->rank[r]);
    if (ret == 0)
        ret = rmig_ckpt_manifest_format(m, text, RMIG_CKPT_MANIFEST_MAX);
    if (ret > 0)
        ret = rmig_ckpt_publish(dir, RMIG_CKPT_MANIFEST, text, (size_t)ret, NULL, NULL);
    free(text);
    free(m);
    return ret;
}

int rmig_checkpoint_open(const char *dir)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof(path), "%s/%s", dir, RMIG_CKPT_MANIFEST) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    /* Whatever was there is no longer a complete checkpoint from now on. */
    if (unlink(path) < 0 && errno != ENOENT)
        return -errno;
    return rmig_ckpt_sync_dir(dir);
}
