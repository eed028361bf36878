/* rmig_dirty_probe.c: does a backend really see writes here? One probe page.
 *
 * A backend can be compiled in, open its descriptors and still report
 * nothing: a kernel without CONFIG_MEM_SOFT_DIRTY takes "4" in clear_refs
 * and never sets bit 55. Trusting it would make every page look clean and
 * pre-copy send stale memory. So each probe tracks two fresh pages (4 KiB
 * pages: MADV_NOHUGEPAGE), and requires: nothing reported before a write,
 * exactly the written page after one, and the other page after a second
 * write (re-arming works). Any other answer makes the backend unavailable,
 * with what was seen in the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rmig_dirty_impl.h"

struct rmig_probe_seen {
    uintptr_t addr;
    long pages;
};

static void rmig_probe_note(uintptr_t addr, size_t len, void *arg)
{
    struct rmig_probe_seen *s = arg;

    s->addr = addr;
    s->pages += (long)(len / RMIG_DIRTY_PAGE);
}

/* Collects t and checks that exactly the page at `want` (or nothing, when
 * want is 0) was reported. Returns 0 or -ENOTSUP with why filled. */
static int rmig_probe_expect(struct rmig_dirty *t, uintptr_t want, const char *step, char *why,
                             size_t why_len)
{
    struct rmig_probe_seen s = {0, 0};
    long ret = 0;

    for (int i = 0; ret >= 0 && i < t->n; i++)
        ret = t->ops->collect(t, &t->r[i], rmig_probe_note, &s);
    if (ret >= 0 && t->ops->rearm)
        ret = t->ops->rearm(t);
    if (ret < 0) {
        snprintf(why, why_len, "collect failed %s: %s", step, strerror((int)-ret));
        return -ENOTSUP;
    }
    if (s.pages != (want ? 1 : 0) || (want && s.addr != want)) {
        snprintf(why, why_len, "%ld pages reported %s, %d expected%s", s.pages, step, want ? 1 : 0,
                 t->ops == &rmig_dirty_soft ? " (kernel without CONFIG_MEM_SOFT_DIRTY?)" : "");
        return -ENOTSUP;
    }
    return 0;
}

/* Starts ops on the two pages at p, writes them in turn and checks the
 * reports. Returns 0 or -errno with why filled. */
static int rmig_probe_run(const struct rmig_dirty_ops *ops, volatile char *p, char *why,
                          size_t why_len)
{
    struct rmig_dirty *t = calloc(1, sizeof(*t));
    int ret;

    if (t == NULL)
        return -ENOMEM;
    *t = (struct rmig_dirty){.ops = ops, .n = 1, .uffd = -1, .pagemap = -1, .wake = {-1, -1}};
    t->r[0] = (struct rmig_dirty_range){(uintptr_t)p, 2 * RMIG_DIRTY_PAGE};
    ret = ops->start(t);
    if (ret < 0) {
        snprintf(why, why_len, "start failed: %s", strerror(-ret));
        free(t);
        return ret;
    }
    ret = rmig_probe_expect(t, 0, "before any write", why, why_len);
    p[0] = 1;
    if (ret == 0)
        ret = rmig_probe_expect(t, (uintptr_t)p, "after a write", why, why_len);
    p[RMIG_DIRTY_PAGE] = 1;
    if (ret == 0)
        ret = rmig_probe_expect(t, (uintptr_t)p + RMIG_DIRTY_PAGE, "after a second write", why,
                                why_len);
    ops->stop(t);
    free(t);
    return ret;
}

int rmig_dirty_probe_page(const struct rmig_dirty_ops *ops, char *why, size_t why_len)
{
    size_t len = 2 * RMIG_DIRTY_PAGE;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ret;

    if (p == MAP_FAILED)
        return -ENOMEM;
    madvise(p, len, MADV_NOHUGEPAGE);
    p[0] = p[RMIG_DIRTY_PAGE] = 1; /* populated before start: not written since */
    ret = rmig_probe_run(ops, p, why, why_len);
    munmap(p, len);
    return ret;
}
