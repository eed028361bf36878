/* rmig_postcopy_wire.c: encoding and strict decoding of post-copy pulls.
 *
 * Every decoder checks the size first, then each field against what the
 * receiver expects, before it trusts a byte (rmig_postcopy_wire.h); libc
 * only, so the fuzz target compiles this file alone.
 */
#include <errno.h>
#include <string.h>

#include "rmig_postcopy_wire.h"

void rmig_pull_fill(struct rmig_pull *p, uint64_t job, int rank, uint64_t addr, uint32_t len,
                    uint64_t seq)
{
    memset(p, 0, sizeof(*p));
    p->magic = RMIG_PULL_MAGIC;
    p->version = RMIG_PULL_VERSION;
    p->job = job;
    p->rank = rank;
    p->addr = addr;
    p->len = len;
    p->seq = seq;
}

/* The range fields of a pull: whole pages, bounded, no wrap. */
static int rmig_pull_range_ok(const struct rmig_pull *p)
{
    return p->len >= RMIG_PULL_PAGE && p->len <= RMIG_PULL_MAX &&
           (p->len & (RMIG_PULL_PAGE - 1)) == 0 && (p->addr & (RMIG_PULL_PAGE - 1)) == 0 &&
           p->addr + p->len > p->addr;
}

int rmig_pull_decode(const void *buf, size_t size, uint64_t job, int rank, struct rmig_pull *p)
{
    struct rmig_pull m;

    if (buf == NULL || size != sizeof(m))
        return -EBADMSG;
    memcpy(&m, buf, sizeof(m));
    if (m.magic != RMIG_PULL_MAGIC || m.version != RMIG_PULL_VERSION || m.status != 0 ||
        m.job != job || m.rank != rank || rank < 0 || !rmig_pull_range_ok(&m))
        return -EBADMSG;
    if (p != NULL)
        *p = m;
    return 0;
}

int rmig_pull_answer_decode(const void *buf, size_t size, const struct rmig_pull *asked,
                            const void **bytes_p)
{
    struct rmig_pull m;

    if (buf == NULL || size < sizeof(m))
        return -EBADMSG;
    memcpy(&m, buf, sizeof(m));
    if (m.magic != RMIG_ANSWER_MAGIC || m.version != RMIG_PULL_VERSION || m.job != asked->job ||
        m.rank != asked->rank || m.addr != asked->addr || m.len != asked->len ||
        m.seq != asked->seq)
        return -EBADMSG;
    if (m.status == RMIG_PULL_BYTES) {
        if (size != sizeof(m) + m.len)
            return -EBADMSG;
        if (bytes_p != NULL)
            *bytes_p = (const uint8_t *)buf + sizeof(m);
        return RMIG_PULL_BYTES;
    }
    if (size != sizeof(m) || (m.status != RMIG_PULL_EMPTY && (m.status >= 0 || m.status < -4095)))
        return -EBADMSG;
    return m.status;
}
