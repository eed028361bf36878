/* rmig_table_build.c: the range table of a suspended container, at the source.
 *
 * The table lists every touched range of the container (uarea's
 * ua_touched_ranges) with its checksum; whatever stream carries the
 * container sends it first, so the other end can check where each byte goes
 * before it writes one. It lives in runtime memory (kernel context), never
 * in the container it describes. Ranges are cut at RMIG_CHUNK boundaries so
 * that a receiver can check one piece while the next is copied.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "rmig_internal.h"
#include "ua.h"

/* Ranges are cut at every RMIG_CHUNK boundary of the address space: the
 * destination checks piece i while piece i + 1 is copied (on a same-host
 * pair, by the source's kernel copy on the other core), instead of
 * checksumming a whole heap after reading it. Smaller pieces cost a notice
 * round trip each; bigger ones leave more to check after the last copy. */
#define RMIG_CHUNK ((size_t)256 << 10)

/* Appends one piece with its checksum. Returns 0 or -ENOMEM (table full). */
static int rmig_table_add_one(struct rmig_table *t, void *addr, size_t len)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        void *p = realloc(t->r, (size_t)cap * sizeof(*t->r));

        if (p == NULL || cap > RMIG_MAX_RANGES)
            return -ENOMEM;
        t->r = p;
        t->cap = cap;
    }
    t->r[t->n].addr = (uint64_t)(uintptr_t)addr;
    t->r[t->n].len = len;
    t->r[t->n].checksum = 0;
    if (t->unsummed == NULL || !t->unsummed(&t->r[t->n]))
        t->r[t->n].checksum = ua_checksum_range(addr, len);
    t->bytes += len;
    t->n++;
    return 0;
}

/* ua_touched_ranges() callback: appends one range, cut at RMIG_CHUNK
 * boundaries. */
static int rmig_table_add(void *addr, size_t len, void *arg)
{
    uintptr_t a = (uintptr_t)addr, end = a + len;
    int ret = 0;

    while (ret == 0 && a < end) {
        uintptr_t cut = (a & ~(uintptr_t)(RMIG_CHUNK - 1)) + RMIG_CHUNK;

        cut = cut < end ? cut : end;
        ret = rmig_table_add_one(arg, (void *)a, cut - a);
        a = cut;
    }
    return ret;
}

int rmig_table_build(struct rmig_table *t)
{
    *t = (struct rmig_table){0};
    return rmig_table_build_with(t);
}

int rmig_table_build_with(struct rmig_table *t)
{
    int ret = ua_touched_ranges(rmig_table_add, t);

    if (ret < 0 || t->n == 0) {
        rmig_table_free(t);
        return ret < 0 ? ret : -ENODEV;
    }
    return 0;
}

void rmig_table_free(struct rmig_table *t)
{
    free(t->r);
    *t = (struct rmig_table){0};
}
