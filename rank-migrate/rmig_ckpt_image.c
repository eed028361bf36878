/* rmig_ckpt_image.c: encoding and strict decoding of checkpoint images and
 * manifests (format in rmig_ckpt_image.h).
 *
 * Nothing here touches a file or the container: the callers read bytes and
 * hand them over, so the fuzz target and the checking tool run the very
 * decoders the restarting clusters run. A header is trusted only after its
 * own checksum and every count in it agree with the file's length; the
 * table is checked by the container stream's own check (rmig_table_check),
 * so a file can put no byte where a move could not; the manifest parser
 * accepts exactly the text rmig_ckpt_manifest_format() writes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rmig_ckpt_image.h"
#include "ua.h"

uint64_t rmig_ckpt_file_bytes(int nranges, uint64_t bytes)
{
    return sizeof(struct rmig_ckpt_hdr) + (uint64_t)nranges * sizeof(struct rmig_wire_range) +
           bytes;
}

static uint64_t rmig_ckpt_hdr_sum(const struct rmig_ckpt_hdr *h)
{
    struct rmig_ckpt_hdr c = *h;

    c.hdr_checksum = 0;
    return ua_checksum_range(&c, sizeof(c));
}

void rmig_ckpt_hdr_seal(struct rmig_ckpt_hdr *h)
{
    h->hdr_checksum = rmig_ckpt_hdr_sum(h);
}

int rmig_ckpt_hdr_check(const void *buf, size_t len, uint64_t file_bytes, struct rmig_ckpt_hdr *out)
{
    struct rmig_ckpt_hdr h;

    if (len != sizeof(h))
        return -EBADMSG;
    memcpy(&h, buf, sizeof(h));
    if (h.magic != RMIG_CKPT_MAGIC || h.version != RMIG_CKPT_VERSION || h.hdr_size != sizeof(h) ||
        h.ua_version != UA_LAYOUT_VERSION || h.pad != 0)
        return -EBADMSG;
    if (h.nranks < 1 || h.nranks > RMIG_CKPT_MAX_RANKS || h.rank < 0 || h.rank >= h.nranks)
        return -EBADMSG;
    if (h.nranges < 1 || h.nranges > RMIG_MAX_RANGES || h.bytes == 0 ||
        h.bytes > UA_REGION_SIZE + (1ULL << 40)) /* the container plus any globals */
        return -EBADMSG;
    if (h.file_bytes != file_bytes || h.file_bytes != rmig_ckpt_file_bytes(h.nranges, h.bytes))
        return -EBADMSG;
    if (h.hdr_checksum != rmig_ckpt_hdr_sum(&h))
        return -EBADMSG;
    *out = h;
    return 0;
}

int rmig_ckpt_table_check(const struct rmig_ckpt_hdr *h, const struct rmig_wire_range *r,
                          size_t received, int (*range_ok)(const void *, size_t))
{
    struct rmig_wire_hdr begin = {0};

    begin.arg = h->nranges;
    begin.a = h->bytes;
    begin.b = h->table_checksum;
    return rmig_table_check(r, received, &begin, range_ok);
}

int rmig_ckpt_range_matches(const struct rmig_wire_range *r, const void *bytes)
{
    return ua_checksum_range(bytes, r->len) == r->checksum;
}

void rmig_ckpt_image_name(int r, char *buf, size_t max)
{
    snprintf(buf, max, "rank-%d.img", r);
}

/* Appends printf-style text to buf at *pos; -ENOSPC when it does not fit. */
__attribute__((format(printf, 4, 5))) static int rmig_put(char *buf, size_t max, size_t *pos,
                                                          const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf + *pos, max - *pos, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= max - *pos)
        return -ENOSPC;
    *pos += (size_t)n;
    return 0;
}

int rmig_ckpt_manifest_format(const struct rmig_ckpt_manifest *m, char *buf, size_t max)
{
    size_t pos = 0;
    int ret = max > 0 ? 0 : -ENOSPC;

    if (ret == 0)
        ret = rmig_put(buf, max, &pos,
                       "nanvix-mpi-checkpoint %d\nranks %d\nfingerprint %016" PRIx64
                       "\ncanary %016" PRIx64 "\n",
                       RMIG_CKPT_MANIFEST_VERSION, m->nranks, m->fingerprint, m->canary);
    for (int r = 0; ret == 0 && r < m->nranks; r++)
        ret = rmig_put(buf, max, &pos, "rank %d %016" PRIx64 " %" PRIu64 "\n", r,
                       m->rank[r].hdr_checksum, m->rank[r].file_bytes);
    if (ret == 0)
        ret = rmig_put(buf, max, &pos, "end %016" PRIx64 "\n", ua_checksum_range(buf, pos));
    return ret < 0 ? ret : (int)pos;
}

/* The next line of text (without its '\n') into line; -EBADMSG when there
 * is none, it is too long or holds a NUL. Advances *pos past the '\n'. */
static int rmig_line(const char *text, size_t len, size_t *pos, char *line, size_t max)
{
    const char *nl = *pos < len ? memchr(text + *pos, '\n', len - *pos) : NULL;
    size_t n;

    if (nl == NULL)
        return -EBADMSG;
    n = (size_t)(nl - (text + *pos));
    if (n >= max || memchr(text + *pos, '\0', n) != NULL)
        return -EBADMSG;
    memcpy(line, text + *pos, n);
    line[n] = '\0';
    *pos += n + 1;
    return 0;
}

/* Parses "<key> <16 hex digits>" exactly. */
static int rmig_hex_line(const char *line, const char *key, uint64_t *v)
{
    char tail;
    int k = (int)strlen(key);

    if (strncmp(line, key, (size_t)k) != 0 || line[k] != ' ' || strlen(line + k + 1) != 16 ||
        sscanf(line + k + 1, "%16" SCNx64 "%c", v, &tail) != 1 ||
        strspn(line + k + 1, "0123456789abcdef") != 16)
        return -EBADMSG;
    return 0;
}

/* Parses "rank <r> <16 hex> <decimal>" for rank r, as formatted. */
static int rmig_rank_line(const char *line, int r, struct rmig_ckpt_entry *e)
{
    char expect[160];

    if (sscanf(line, "rank %*d %16" SCNx64 " %20" SCNu64, &e->hdr_checksum, &e->file_bytes) != 2)
        return -EBADMSG;
    snprintf(expect, sizeof(expect), "rank %d %016" PRIx64 " %" PRIu64, r, e->hdr_checksum,
             e->file_bytes);
    return strcmp(line, expect) == 0 ? 0 : -EBADMSG; /* the one spelling the writer uses */
}

/* Parses the version and rank count lines. */
static int rmig_manifest_head(const char *text, size_t len, size_t *pos, int *nranks)
{
    char line[96], expect[96];
    char tail;

    snprintf(expect, sizeof(expect), "nanvix-mpi-checkpoint %d", RMIG_CKPT_MANIFEST_VERSION);
    if (rmig_line(text, len, pos, line, sizeof(line)) < 0 || strcmp(line, expect) != 0)
        return -EBADMSG;
    if (rmig_line(text, len, pos, line, sizeof(line)) < 0 ||
        sscanf(line, "ranks %d%c", nranks, &tail) != 1 || *nranks < 1 ||
        *nranks > RMIG_CKPT_MAX_RANKS)
        return -EBADMSG;
    snprintf(expect, sizeof(expect), "ranks %d", *nranks);
    return strcmp(line, expect) == 0 ? 0 : -EBADMSG;
}

int rmig_ckpt_manifest_parse(const char *text, size_t len, struct rmig_ckpt_manifest *m)
{
    char line[160];
    size_t pos = 0, body;
    uint64_t sum;
    int ret;

    if (len > RMIG_CKPT_MANIFEST_MAX)
        return -EBADMSG;
    ret = rmig_manifest_head(text, len, &pos, &m->nranks);
    if (ret == 0)
        ret = rmig_line(text, len, &pos, line, sizeof(line));
    if (ret == 0)
        ret = rmig_hex_line(line, "fingerprint", &m->fingerprint);
    if (ret == 0)
        ret = rmig_line(text, len, &pos, line, sizeof(line));
    if (ret == 0)
        ret = rmig_hex_line(line, "canary", &m->canary);
    for (int r = 0; ret == 0 && r < m->nranks; r++) {
        ret = rmig_line(text, len, &pos, line, sizeof(line));
        if (ret == 0)
            ret = rmig_rank_line(line, r, &m->rank[r]);
    }
    body = pos;
    if (ret == 0)
        ret = rmig_line(text, len, &pos, line, sizeof(line));
    if (ret == 0)
        ret = rmig_hex_line(line, "end", &sum);
    if (ret == 0 && (pos != len || sum != ua_checksum_range(text, body)))
        ret = -EBADMSG;
    return ret;
}
