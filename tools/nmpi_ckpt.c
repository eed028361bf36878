/* nmpi_ckpt.c: nmpi-ckpt, the checker of checkpoint directories.
 *
 * `nmpi-ckpt check DIR` reads a checkpoint the way a restart would and
 * refuses it at the first thing wrong, with a message naming the file: the
 * manifest (format, version, its own checksum), then every rank's image
 * (present, its header and length as the manifest says, its table, every
 * range's checksum). On success it prints `ranks N` and `canary HEX`, which
 * `mpiexec --restart` reads, and exits 0; otherwise it exits 1. What only a
 * cluster of the new job can check (the layout fingerprint of the
 * executable, the ranges against the container layout) is checked there
 * (rank-migrate/rmig_ckpt_restart.c). The decoders are rank-migrate's own
 * (rmig_ckpt_image.c, rmig_table.c).
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

#include "rmig_ckpt_image.h"

static const char *dir;

static int refuse(const char *file, const char *why)
{
    fprintf(stderr, "nmpi-ckpt: %s is not a usable checkpoint: %s: %s\n", dir, file, why);
    return 1;
}

/* Reads exactly len bytes at off: 0, or -1 (error or end of file). */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* The tool cannot know the new job's layout: every range may be anywhere;
 * the restarting cluster checks them against its container. */
static int any_range(const void *addr, size_t len)
{
    (void)addr;
    (void)len;
    return 0;
}

/* Reads each range of the image and checks its checksum. */
static int check_ranges(int fd, const struct rmig_wire_range *t, int n, off_t off)
{
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    int ret = buf == NULL ? -1 : 0;

    for (int i = 0; ret == 0 && i < n; i++) {
        if (t[i].len > cap) {
            char *p = realloc(buf, t[i].len);

            if (p == NULL) {
                ret = -1;
                break;
            }
            buf = p;
            cap = t[i].len;
        }
        ret = read_at(fd, buf, t[i].len, off);
        if (ret == 0 && !rmig_ckpt_range_matches(&t[i], buf))
            ret = -1;
        off += (off_t)t[i].len;
    }
    free(buf);
    return ret;
}

static int check_image(int r, const struct rmig_ckpt_manifest *m)
{
    char name[32], path[PATH_MAX];
    struct rmig_ckpt_hdr raw, h;
    struct rmig_wire_range *t;
    struct stat st;
    size_t tlen;
    int fd, bad;

    rmig_ckpt_image_name(r, name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return refuse(name, fd < 0 && errno == ENOENT ? "missing" : strerror(errno));
    if ((uint64_t)st.st_size != m->rank[r].file_bytes)
        bad = refuse(name, "not the length the manifest says (truncated or replaced)");
    else if (read_at(fd, &raw, sizeof(raw), 0) < 0 ||
             rmig_ckpt_hdr_check(&raw, sizeof(raw), (uint64_t)st.st_size, &h) < 0)
        bad = refuse(name, "damaged header");
    else if (h.rank != r || h.nranks != m->nranks || h.hdr_checksum != m->rank[r].hdr_checksum ||
             h.fingerprint != m->fingerprint)
        bad = refuse(name, "not the image the manifest names");
    else
        bad = 0;
    if (bad) {
        close(fd);
        return bad;
    }
    tlen = (size_t)h.nranges * sizeof(*t);
    t = malloc(tlen);
    if (t == NULL || read_at(fd, t, tlen, sizeof(h)) < 0 ||
        rmig_ckpt_table_check(&h, t, tlen, any_range) < 0)
        bad = refuse(name, "damaged range table");
    else if (check_ranges(fd, t, h.nranges, (off_t)(sizeof(h) + tlen)) < 0)
        bad = refuse(name, "damaged contents (a range does not match its checksum)");
    free(t);
    close(fd);
    return bad;
}

static int check_manifest(struct rmig_ckpt_manifest *m)
{
    char path[PATH_MAX], *text = malloc(RMIG_CKPT_MANIFEST_MAX);
    struct stat st;
    int fd, bad = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, RMIG_CKPT_MANIFEST);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (text == NULL || fd < 0 || fstat(fd, &st) < 0)
        bad = refuse(RMIG_CKPT_MANIFEST, fd < 0 && errno == ENOENT
                                             ? "missing (the checkpoint is incomplete)"
                                             : strerror(errno));
    else if (st.st_size <= 0 || st.st_size > RMIG_CKPT_MANIFEST_MAX ||
             read_at(fd, text, (size_t)st.st_size, 0) < 0 ||
             rmig_ckpt_manifest_parse(text, (size_t)st.st_size, m) < 0)
        bad = refuse(RMIG_CKPT_MANIFEST, "damaged");
    if (fd >= 0)
        close(fd);
    free(text);
    return bad;
}

int main(int argc, char **argv)
{
    struct rmig_ckpt_manifest *m = malloc(sizeof(*m));
    int bad;

    if (argc != 3 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "usage: nmpi-ckpt check DIR\n");
        free(m);
        return 2;
    }
    dir = argv[2];
    if (m == NULL)
        return refuse(RMIG_CKPT_MANIFEST, "out of memory");
    bad = check_manifest(m);
    for (int r = 0; !bad && r < m->nranks; r++)
        bad = check_image(r, m);
    if (!bad)
        printf("ranks %d\ncanary %016" PRIx64 "\n", m->nranks, m->canary);
    free(m);
    return bad;
}
