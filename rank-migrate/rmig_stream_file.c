/* rmig_stream_file.c: the checkpoint stream, a move through an image file.
 *
 * The classic checkpoint/restart migration, in the same move as a live
 * one: rmig_migrate_via() reserves the destination, quiesces, departs and
 * suspends the rank exactly as for a live move (rmig_move.c), so every
 * invariant of a move holds the same way; only the transport differs. The
 * source's kernel context writes the container as a checkpoint image
 * (rmig_ckpt_image.h: header, range table, ranges, one chain of checksums)
 * to DIR/move-<job>-r<rank>-c<cluster>-<n>.img through rmig_ckpt_publish
 * (temporary name, fsync, rename, directory fsync), then sends BEGIN_FILE
 * with the file's path to the destination. The destination reads the image
 * the way a restarted job does: header (its checksum must be the one
 * BEGIN_FILE names, the layout fingerprint ours), table (checked against
 * the container layout before a byte lands), each range into place and
 * checked. It answers DONE or FAIL and the source decides (COMMIT or ABORT)
 * as for the portal stream; a damaged file is refused and the rank resumes
 * at the source. The file is removed once the move is decided (kept with
 * NMPI_MIGRATION_KEEP_IMAGE=1). DIR must be reachable under the same path
 * by both ends: the same host, or a file system both hosts mount. An image
 * that cannot be written (a full disk) fails the move at the source (-EIO,
 * the rank stays); the destination, still waiting for its BEGIN_FILE,
 * frees its reservation after the move's timeout, as for any source that
 * gave up before streaming. Every byte the destination reads goes through
 * the checkpoint decoders (rmig_ckpt_image.c, fuzzed).
 *
 * Which moves take this stream: NMPI_MIGRATION_MODE=checkpoint for every
 * move (directory NMPI_MIGRATION_DIR, by default the job directory, else
 * /tmp), or one move asked with a directory (MPIX_Migrateto_checkpoint,
 * mpimigrate --via-checkpoint). The directory is checked in rank context
 * before anything is reserved, and held here, per cluster, from the freeze
 * until the kernel context takes it (rmig_stream_to).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

/* Per-cluster: the directory of the move being frozen here, "" for none. */
static char rmig_file_dir[RMIG_WIRE_PATH_MAX - 64];

const char *rmig_migration_dir_default(void)
{
    const char *dir = base_setting("NMPI_MIGRATION_DIR");

    if (*dir == '\0')
        dir = base_setting("NMPI_JOB_DIR");
    return *dir != '\0' ? dir : "/tmp";
}

const char *rmig_migration_dir(void)
{
    return rmig_migration_mode() == RMIG_MODE_CHECKPOINT ? rmig_migration_dir_default() : NULL;
}

int rmig_stream_file_check(const char *dir)
{
    char probe[RMIG_WIRE_PATH_MAX];
    struct stat st;
    int fd;

    if (strlen(dir) >= sizeof(rmig_file_dir))
        return -ENAMETOOLONG;
    if (*dir == '\0' || stat(dir, &st) < 0)
        return *dir == '\0' ? -ENOENT : -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    /* A file made and removed, not access(): root passes access() on a
     * directory it still cannot create files in (sysfs, a read-only or
     * full-permission-denying mount). */
    snprintf(probe, sizeof(probe), "%s/.nmpi-probe-%d-%d", dir, knode_get_num(), (int)getpid());
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EROFS ? -EROFS : -EACCES;
    close(fd);
    unlink(probe);
    return 0;
}

void rmig_stream_file_use(const char *dir)
{
    snprintf(rmig_file_dir, sizeof(rmig_file_dir), "%s", dir != NULL ? dir : "");
}

int rmig_stream_file_chosen(void)
{
    return rmig_file_dir[0] != '\0';
}

/* Test hook NMPI_TEST_CORRUPT_IMAGE: 1 flips a byte of every image's
 * ranges after it is written, "first" of cluster 0's first image only.
 * Returns non-zero when the image numbered `count` here is to be damaged. */
static int rmig_file_fault(unsigned count)
{
    const char *f = base_setting("NMPI_TEST_CORRUPT_IMAGE");

    if (strcmp(f, "first") == 0)
        return count == 0 && knode_get_num() == 0;
    return strcmp(f, "1") == 0;
}

/* Flips one byte in the middle of an image's ranges, in the file. */
static void rmig_file_damage(const char *path, const struct rmig_ckpt_hdr *h)
{
    off_t at = (off_t)(h->file_bytes - h->bytes / 2 - 1);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    unsigned char b;

    if (fd < 0)
        return;
    if (pread(fd, &b, 1, at) == 1) {
        b ^= 0x10;
        if (pwrite(fd, &b, 1, at) != 1)
            base_log(BASE_LOG_WARN, "rmig", "test hook: %s not damaged", path);
    }
    close(fd);
}

/* Writes the table, then every range from its place in the container. */
static int rmig_file_body(int fd, void *arg)
{
    const struct rmig_table *t = arg;
    int ret = rmig_ckpt_write_all(fd, t->r, (size_t)t->n * sizeof(*t->r));

    for (int i = 0; ret == 0 && i < t->n; i++)
        ret = rmig_ckpt_write_all(fd, (const void *)(uintptr_t)t->r[i].addr, t->r[i].len);
    return ret;
}

/* Source, kernel context: writes the suspended container as dir/name, an
 * image whose header goes to *h. Returns 0 or -errno. */
static int rmig_file_write(const char *dir, const char *name, struct rmig_table *t,
                           struct rmig_ckpt_hdr *h)
{
    memset(h, 0, sizeof(*h));
    h->magic = RMIG_CKPT_MAGIC;
    h->version = RMIG_CKPT_VERSION;
    h->hdr_size = sizeof(*h);
    h->ua_version = UA_LAYOUT_VERSION;
    h->rank = ua_get_rank();
    h->nranks = rmig_cluster.nranks;
    h->cluster = knode_get_num();
    h->fingerprint = ua_layout_fingerprint();
    h->nranges = t->n;
    h->bytes = t->bytes;
    h->table_checksum = ua_checksum_range(t->r, (size_t)t->n * sizeof(*t->r));
    h->file_bytes = rmig_ckpt_file_bytes(t->n, t->bytes);
    rmig_ckpt_hdr_seal(h);
    return rmig_ckpt_publish(dir, name, h, sizeof(*h), rmig_file_body, t);
}

/* Source: the stream's image name, unique within the directory. */
static void rmig_file_name(char *name, size_t max, unsigned count)
{
    snprintf(name, max, "move-%016" PRIx64 "-r%d-c%d-%u.img", knode_job_token(), ua_get_rank(),
             knode_get_num(), count);
}

/* Source: announces the image at path and waits for the destination's
 * verdict. Returns RMIG_MSG_DONE, RMIG_MSG_FAIL (*why: the destination's
 * reason, -EBADMSG for a damaged image) or -errno. */
static int rmig_file_announce(int dest, int stream, const struct rmig_ckpt_hdr *h, const char *path,
                              int *why)
{
    struct rmig_wire_hdr b, reply = {0};
    int ret;

    memset(&b, 0, sizeof(b));
    b.type = RMIG_MSG_BEGIN_FILE;
    b.rank = h->rank;
    b.arg = h->nranges;
    b.a = h->bytes;
    b.b = h->hdr_checksum;
    b.stream = stream;
    ret = rmig_control_write_path(dest, &b, path);
    if (ret == 0)
        ret = rmig_control_wait(dest, RMIG_MSG_DONE, RMIG_MSG_FAIL, &reply, NULL);
    if (ret == RMIG_MSG_FAIL)
        *why = reply.arg;
    return ret;
}

static int rmig_file_send(int dest, struct rmig_stats *st)
{
    char dir[sizeof(rmig_file_dir)], name[96], path[RMIG_WIRE_PATH_MAX];
    unsigned count = rmig_cluster.streams;
    int stream = rmig_stream_number(), ret, why = -EIO;
    struct rmig_ckpt_hdr h;
    struct rmig_table t;

    memcpy(dir, rmig_file_dir, sizeof(dir));
    rmig_file_dir[0] = '\0'; /* this move's: the next one chooses again */
    rmig_cluster.stream_now = stream;
    rmig_file_name(name, sizeof(name), count);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    ret = rmig_table_build(&t);
    if (ret < 0) {
        rmig_cluster.stream_now = -1;
        return ret;
    }
    st->ranges = t.n;
    st->bytes = t.bytes;
    ret = rmig_file_write(dir, name, &t, &h);
    if (ret < 0)
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: the image of rank %d could not be written "
                 "to %s (%s); the rank stays",
                 knode_get_num(), h.rank, path, strerror(-ret));
    else if (rmig_file_fault(count))
        rmig_file_damage(path, &h);
    ret = ret < 0 ? -EIO : rmig_file_announce(dest, stream, &h, path, &why);
    /* The source's decision, as in the portal stream: COMMIT once DONE came
     * in time, ABORT when it gave up without a verdict. */
    if (ret == RMIG_MSG_DONE &&
        rmig_control_stream_reply(dest, RMIG_MSG_COMMIT, h.rank, 0, stream) < 0)
        ret = -EIO;
    else if (ret != RMIG_MSG_DONE && ret != RMIG_MSG_FAIL)
        rmig_control_stream_reply(dest, RMIG_MSG_ABORT, h.rank, 0, stream);
    if (!base_setting_on("NMPI_MIGRATION_KEEP_IMAGE"))
        unlink(path); /* decided: the rank runs from memory on one side only */
    rmig_table_free(&t);
    rmig_cluster.stream_now = -1;
    if (ret == RMIG_MSG_DONE)
        return 0;
    /* Refused as damaged: -EBADMSG; unreadable there (a directory the
     * destination does not reach): -EIO, its log says why. */
    if (ret == RMIG_MSG_FAIL)
        return why == -EBADMSG ? -EBADMSG : -EIO;
    return ret < 0 ? ret : -EIO;
}

/* Destination, kernel context: loads the image at path that BEGIN_FILE b
 * announced. Returns 0 with the rank suspended here, or -errno/-EBADMSG
 * (nothing of it kept). */
static int rmig_file_load(const char *path, const struct rmig_wire_hdr *b)
{
    const struct rmig_ckpt_expect e = {
        .rank = b->rank,
        .nranks = rmig_cluster.nranks,
        .nranges = b->arg,
        .bytes = b->a,
        .hdr_checksum = b->b,
    };
    int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

    if (fd < 0)
        return -errno;
    ret = b->arg > 0 && b->a > 0 ? rmig_ckpt_image_load(fd, &e) : -EBADMSG;
    close(fd);
    return ret;
}

static int rmig_file_receive(const struct rmig_wire_hdr *b)
{
    char path[RMIG_WIRE_PATH_MAX];
    int src = b->src_cluster, ret;

    snprintf(path, sizeof(path), "%s", rmig_control_path()); /* BEGIN_FILE's, read just now */
    rmig_clock_mark(&rmig_cluster.arrival, RMIG_MARK_BEGUN);
    ret = rmig_file_load(path, b);
    rmig_cluster.reserved_for = -1;
    rmig_clock_mark(&rmig_cluster.arrival, RMIG_MARK_RECEIVED);
    if (ret < 0) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: checkpoint image %s of rank %d from cluster %d rejected (%s)",
                 knode_get_num(), path, b->rank, src,
                 ret == -EBADMSG ? "damaged or not this job's" : strerror(-ret));
        ua_release_container(); /* whatever landed of it, as the portal stream */
        rmig_control_stream_reply(src, RMIG_MSG_FAIL, b->rank, ret, b->stream);
        return 0;
    }
    rmig_control_stream_reply(src, RMIG_MSG_DONE, b->rank, 0, b->stream);
    ret = rmig_decision_wait(src, b->stream);
    if (ret != RMIG_MSG_COMMIT) {
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: the move of rank %d from cluster %d through %s was not confirmed; "
                 "the copy here is dropped",
                 knode_get_num(), b->rank, src, path);
        ua_release_container();
        return 0;
    }
    return 1;
}

const struct rmig_stream_ops rmig_stream_file = {
    .name = "checkpoint",
    .send = rmig_file_send,
    .receive = rmig_file_receive,
};
