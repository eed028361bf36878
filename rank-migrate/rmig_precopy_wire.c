/* rmig_precopy_wire.c: checks of a pre-copy move's layout and closing
 * blocks (rmig_precopy_wire.h). Pure functions over bytes another process
 * wrote: nothing is trusted before its checksum and every bound are. */
#include <errno.h>
#include <string.h>

#include "rmig_precopy_wire.h"
#include "rmig_wire.h"

size_t rmig_pc_layout_size(int next, int nallow)
{
    return sizeof(struct rmig_wire_pc_layout) +
           (size_t)(next + nallow) * sizeof(struct rmig_wire_run);
}

size_t rmig_pc_close_size(uint32_t nstop, uint64_t npages)
{
    return sizeof(struct rmig_wire_pc_close) + ((size_t)nstop + (size_t)npages) * sizeof(uint64_t);
}

/* One range: non-empty, no wrap-around, after `floor`, accepted by range_ok. */
static int rmig_pc_range_ok(const struct rmig_wire_run *r, uint64_t floor,
                            int (*range_ok)(const void *, size_t))
{
    return r->len > 0 && r->addr + r->len > r->addr && r->addr >= floor &&
           range_ok((const void *)(uintptr_t)r->addr, (size_t)r->len) == 0;
}

/* Each extent lies in the container layout, or is exactly the globals
 * ranges inside it rounded out to whole pages (a globals page may hold
 * bytes of the cluster's own: those are never read, only allowed ones). */
static int rmig_pc_extents_ok(const struct rmig_dirty_range *ext, int next,
                              const struct rmig_dirty_range *allow, int nallow,
                              int (*range_ok)(const void *, size_t))
{
    for (int i = 0, k = 0; i < next; i++) {
        uintptr_t lo = ext[i].addr, hi = lo + ext[i].len, first = 0, last = 0;

        for (; k < nallow && allow[k].addr < hi; k++) {
            if (first == 0)
                first = allow[k].addr;
            last = allow[k].addr + allow[k].len;
        }
        if (range_ok((const void *)lo, ext[i].len) == 0)
            continue;
        if (first == 0 || lo != (first & ~(uintptr_t)(RMIG_PC_PAGE - 1)) ||
            hi != ((last + RMIG_PC_PAGE - 1) & ~(uintptr_t)(RMIG_PC_PAGE - 1)))
            return 0;
    }
    return 1;
}

int rmig_pc_layout_check(const void *buf, size_t len, uint64_t job, int rank, int next, int nallow,
                         uint64_t (*hash)(const void *, size_t),
                         int (*range_ok)(const void *, size_t), struct rmig_dirty_range *ext,
                         struct rmig_dirty_range *allow)
{
    struct rmig_wire_pc_layout h;
    struct rmig_wire_run r;
    const unsigned char *p = (const unsigned char *)buf + sizeof(h);
    uint64_t floor = 0;
    int e = 0;

    if (next < 1 || next > RMIG_PC_EXTENTS_MAX || nallow < 1 || nallow > RMIG_PC_ALLOW_MAX ||
        len != rmig_pc_layout_size(next, nallow))
        return -EBADMSG;
    memcpy(&h, buf, sizeof(h));
    if (h.magic != RMIG_PC_LAYOUT_MAGIC || h.version != RMIG_WIRE_VERSION || h.job != job ||
        h.rank != rank || h.next != next || h.nallow != (uint32_t)nallow ||
        hash(p, len - sizeof(h)) != h.sum)
        return -EBADMSG;
    for (int i = 0; i < next; i++, p += sizeof(r)) {
        memcpy(&r, p, sizeof(r));
        if (r.addr % RMIG_PC_PAGE != 0 || r.len % RMIG_PC_PAGE != 0 || r.len == 0 ||
            r.addr + r.len <= r.addr || r.addr < floor)
            return -EBADMSG;
        floor = r.addr + r.len;
        ext[i] = (struct rmig_dirty_range){(uintptr_t)r.addr, (size_t)r.len};
    }
    floor = 0;
    for (int i = 0; i < nallow; i++, p += sizeof(r)) {
        memcpy(&r, p, sizeof(r));
        if (!rmig_pc_range_ok(&r, floor, range_ok))
            return -EBADMSG;
        while (e < next && ext[e].addr + ext[e].len <= r.addr)
            e++;
        if (e == next || r.addr < ext[e].addr || r.addr + r.len > ext[e].addr + ext[e].len)
            return -EBADMSG; /* outside every extent */
        floor = r.addr + r.len;
        allow[i] = (struct rmig_dirty_range){(uintptr_t)r.addr, (size_t)r.len};
    }
    return rmig_pc_extents_ok(ext, next, allow, nallow, range_ok) ? 0 : -EBADMSG;
}

const uint64_t *rmig_pc_close_check(const void *buf, size_t len, uint64_t job, int rank,
                                    uint32_t nstop, uint64_t npages,
                                    uint64_t (*hash)(const void *, size_t))
{
    struct rmig_wire_pc_close h;
    const unsigned char *p = (const unsigned char *)buf + sizeof(h);

    if (npages > (SIZE_MAX / sizeof(uint64_t)) / 2 || len != rmig_pc_close_size(nstop, npages))
        return NULL;
    memcpy(&h, buf, sizeof(h));
    if (h.magic != RMIG_PC_CLOSE_MAGIC || h.version != RMIG_WIRE_VERSION || h.zero != 0 ||
        h.job != job || h.rank != rank || h.nstop != nstop || h.npages != npages ||
        hash(p, len - sizeof(h)) != h.sum)
        return NULL;
    return (const uint64_t *)(const void *)p;
}
