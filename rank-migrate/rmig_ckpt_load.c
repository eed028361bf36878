/* rmig_ckpt_load.c: loads one checkpoint image into the container.
 *
 * Two readers take an image: a destination that receives a rank through a
 * file (rmig_stream_file.c, BEGIN_FILE) and a cluster of a restarted job
 * (rmig_ckpt_restart.c). Both trust it the same way, so they share this one
 * loader: the header checked (rmig_ckpt_hdr_check) and compared with what
 * the caller was told to expect, the table checked against the container
 * layout before a byte is written, every range read into place and checked
 * against its checksum, and at the end the container present and holding
 * the expected rank, suspended. A refused image leaves nothing to resume.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "rmig_ckpt.h"
#include "rmig_stream.h"
#include "ua.h"

/* Non-zero when header h is the one e announces; a 0 in e's optional
 * fields means "not announced". */
static int rmig_ckpt_hdr_expected(const struct rmig_ckpt_hdr *h, const struct rmig_ckpt_expect *e)
{
    return h->rank == e->rank && h->nranks == e->nranks && h->hdr_checksum == e->hdr_checksum &&
           h->fingerprint == ua_layout_fingerprint() &&
           (e->nranges == 0 || h->nranges == e->nranges) &&
           (e->bytes == 0 || h->bytes == e->bytes) &&
           (e->file_bytes == 0 || h->file_bytes == e->file_bytes);
}

/* Reads the n ranges into place from offset off and checks each. */
static int rmig_ckpt_ranges_load(int fd, const struct rmig_wire_range *r, int n, uint64_t off)
{
    int ret = 0;

    rmig_trim_for(r, n);
    rmig_runs(r, n, ua_range_prepare);
    for (int i = 0; ret == 0 && i < n; off += r[i].len, i++) {
        ret = rmig_ckpt_read_at(fd, (void *)(uintptr_t)r[i].addr, r[i].len, off);
        if (ret == 0 && !rmig_ckpt_range_matches(&r[i], (const void *)(uintptr_t)r[i].addr))
            ret = -EBADMSG;
    }
    rmig_runs(r, n, ua_range_settle);
    return ret;
}

int rmig_ckpt_image_load(int fd, const struct rmig_ckpt_expect *e)
{
    struct rmig_wire_range *t = NULL;
    struct rmig_ckpt_hdr raw, h;
    struct stat st;
    size_t tlen = 0;
    int ret = fstat(fd, &st) < 0 ? -errno : 0;

    if (ret == 0)
        ret = rmig_ckpt_read_at(fd, &raw, sizeof(raw), 0);
    if (ret == 0)
        ret = rmig_ckpt_hdr_check(&raw, sizeof(raw), (uint64_t)st.st_size, &h);
    if (ret == 0 && !rmig_ckpt_hdr_expected(&h, e))
        ret = -EBADMSG;
    if (ret == 0) {
        tlen = (size_t)h.nranges * sizeof(*t);
        t = malloc(tlen); /* kernel context: runtime memory */
        ret = t == NULL ? -ENOMEM : rmig_ckpt_read_at(fd, t, tlen, sizeof(h));
    }
    if (ret == 0)
        ret = rmig_ckpt_table_check(&h, t, tlen, ua_range_check);
    if (ret == 0)
        ret = rmig_ckpt_ranges_load(fd, t, h.nranges, sizeof(h) + tlen);
    if (ret == 0 && !(ua_container_present() && ua_rank_suspended() && ua_get_rank() == e->rank))
        ret = -EBADMSG;
    if (ret < 0 && ua_container_present())
        ua_release_container(); /* whatever landed of it is never resumed */
    free(t);
    return ret;
}
