/* rmig_table.c: the check of a container stream's table, as received.
 *
 * The table comes from another process and says where the destination will
 * write: nothing in it is used before every entry passed. Kept apart from
 * the stream code so the fuzz target can drive it without a fabric.
 */
#include <errno.h>
#include <stdlib.h>

#include "rmig_wire.h"
#include "ua.h"

struct rmig_span {
    uint64_t lo, hi;
};

static int rmig_span_cmp(const void *a, const void *b)
{
    const struct rmig_span *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Non-zero when two of the n ranges share a byte (sorted copy: O(n log n)
 * for tables of up to RMIG_MAX_RANGES). -ENOMEM when no copy can be made. */
static int rmig_ranges_overlap(const struct rmig_wire_range *r, int n)
{
    struct rmig_span *s = malloc((size_t)n * sizeof(*s));
    int i, overlap = 0;

    if (s == NULL)
        return -ENOMEM;
    for (i = 0; i < n; i++)
        s[i] = (struct rmig_span){r[i].addr, r[i].addr + r[i].len};
    qsort(s, (size_t)n, sizeof(*s), rmig_span_cmp);
    for (i = 1; i < n && !overlap; i++)
        overlap = s[i].lo < s[i - 1].hi;
    free(s);
    return overlap;
}

int rmig_table_check(const struct rmig_wire_range *r, size_t received,
                     const struct rmig_wire_hdr *begin, int (*range_ok)(const void *, size_t))
{
    int n = begin->arg, i, overlap;
    uint64_t total = 0;

    if (n < 1 || n > RMIG_MAX_RANGES || received != (size_t)n * sizeof(*r))
        return -EBADMSG;
    if (ua_checksum_range(r, received) != begin->b)
        return -EBADMSG;
    for (i = 0; i < n; i++) {
        uint64_t a = r[i].addr, len = r[i].len;

        if (len == 0 || a + len < a || total + len < total ||
            range_ok((const void *)(uintptr_t)a, (size_t)len) < 0)
            return -EBADMSG;
        total += len;
    }
    if (total != begin->a)
        return -EBADMSG;
    overlap = rmig_ranges_overlap(r, n);
    return overlap < 0 ? overlap : overlap ? -EBADMSG : 0;
}
