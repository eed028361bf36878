/* rmig_precopy_sums.c: per-page checksums of a pre-copy move, so that the
 * destination can check the whole container before it runs without either
 * side checksumming the whole frozen container (that would put a pass over
 * every byte back into the downtime).
 *
 * The source sums each page it sends just BEFORE sending it, the rank
 * running. If the rank writes the page after that, in the round or later,
 * the tracker reports it at the next collect (rmig_dirty.h: a page is
 * always either protected or going to be reported), so the page is sent
 * again, summed again, in a later round or in the stop round, where the
 * rank is frozen. So at the freeze every page's sum is the sum of its
 * bytes now, and of the bytes the destination got for it last. The
 * destination sums each page as it lands; the final check is then one
 * comparison of the two arrays (a page torn by a write during its copy
 * differs in its intermediate sums, but was resent since). What this
 * cannot see is a tracker that missed a write: both sides would agree on a
 * stale page. The unit test checks that invariant against sums of the
 * frozen memory; a move could check it too, at the cost of the full pass.
 *
 * Sums are per 4 KiB page of the tracked extents, over the page's parts
 * inside `allow` (the sendable ranges: a globals page may hold the
 * cluster's own objects, which differ between the two sides), so both
 * sides sum exactly the bytes that travel. 8 bytes per page: 2 MiB for a
 * 1 GiB heap, in runtime memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_precopy_sums.h"

#define RMIG_PAGE ((uintptr_t)4096)

int rmig_precopy_sums_init(struct rmig_precopy_sums *s, const struct rmig_dirty_range *ext, int n,
                           const struct rmig_dirty_range *allow, int nallow,
                           rmig_precopy_hash_fn hash)
{
    memset(s, 0, sizeof(*s));
    if (n < 0 || n > RMIG_PRECOPY_SUMS_EXTENTS || hash == NULL || nallow < 0)
        return -EINVAL;
    s->hash = hash;
    s->allow = allow;
    s->nallow = nallow;
    for (int i = 0; i < n; i++) {
        if (ext[i].addr % RMIG_PAGE != 0 || ext[i].len % RMIG_PAGE != 0 || ext[i].len == 0) {
            rmig_precopy_sums_free(s);
            return -EINVAL;
        }
        s->ext[i].base = ext[i].addr;
        s->ext[i].pages = ext[i].len / RMIG_PAGE;
        s->ext[i].sum = calloc(s->ext[i].pages, sizeof(uint64_t));
        s->n = i + 1;
        if (s->ext[i].sum == NULL) {
            rmig_precopy_sums_free(s);
            return -ENOMEM;
        }
    }
    return 0;
}

/* The sum of the page at `page`: its parts inside allow, in address order,
 * each folded in with its offset (two pages whose allowed parts differ in
 * place never sum alike by construction). */
static uint64_t rmig_page_sum(const struct rmig_precopy_sums *s, uintptr_t page, ptrdiff_t delta)
{
    uintptr_t end = page + RMIG_PAGE;
    uint64_t h = 0;
    int lo = 0, hi = s->nallow;

    while (lo < hi) { /* the first allowed range ending above the page's start */
        int mid = lo + (hi - lo) / 2;

        if (s->allow[mid].addr + s->allow[mid].len <= page)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int k = lo; k < s->nallow && s->allow[k].addr < end; k++) {
        uintptr_t a = s->allow[k].addr > page ? s->allow[k].addr : page;
        uintptr_t b =
            s->allow[k].addr + s->allow[k].len < end ? s->allow[k].addr + s->allow[k].len : end;

        h = (h ^ s->hash((const void *)(a + (uintptr_t)delta), b - a)) * 0x100000001b3ULL;
        h ^= (a - page) << 32 | (b - a);
    }
    return h;
}

long rmig_precopy_sums_note(struct rmig_precopy_sums *s, uintptr_t addr, size_t len,
                            ptrdiff_t delta)
{
    long pages = 0;

    for (int i = 0; i < s->n; i++) {
        uintptr_t base = s->ext[i].base, top = base + s->ext[i].pages * RMIG_PAGE;
        uintptr_t lo = addr & ~(RMIG_PAGE - 1), hi = addr + len;

        lo = lo > base ? lo : base;
        hi = hi < top ? hi : top;
        for (uintptr_t p = lo; p < hi; p += RMIG_PAGE, pages++)
            s->ext[i].sum[(p - base) / RMIG_PAGE] = rmig_page_sum(s, p, delta);
    }
    return pages;
}

uintptr_t rmig_precopy_sums_differ(const struct rmig_precopy_sums *a,
                                   const struct rmig_precopy_sums *b)
{
    if (a->n != b->n)
        return UINTPTR_MAX;
    for (int i = 0; i < a->n; i++) {
        if (a->ext[i].base != b->ext[i].base || a->ext[i].pages != b->ext[i].pages)
            return UINTPTR_MAX;
        for (size_t p = 0; p < a->ext[i].pages; p++)
            if (a->ext[i].sum[p] != b->ext[i].sum[p])
                return a->ext[i].base + p * RMIG_PAGE;
    }
    return 0;
}

uint64_t rmig_precopy_sums_pages(const struct rmig_precopy_sums *s)
{
    uint64_t n = 0;

    for (int i = 0; i < s->n; i++)
        n += s->ext[i].pages;
    return n;
}

int rmig_precopy_sums_reserve(struct rmig_precopy_sums *s, size_t len)
{
    void *p = rmig_precopy_sums_block(s, len);

    if (p == NULL)
        return -ENOMEM;
    memset(p, 0, s->block_cap); /* the faults now, not in the pause */
    return 0;
}

void *rmig_precopy_sums_block(struct rmig_precopy_sums *s, size_t len)
{
    if (len > s->block_cap) {
        void *p = realloc(s->block, len);

        if (p == NULL)
            return NULL;
        s->block = p;
        s->block_cap = len;
    }
    return s->block;
}

void rmig_precopy_sums_free(struct rmig_precopy_sums *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->ext[i].sum);
    free(s->block);
    memset(s, 0, sizeof(*s));
}
