/* rmig_dirty.c: tracking sessions of written pages, whatever the backend.
 *
 * Checks the ranges once (page aligned, nonzero, disjoint, at most
 * RMIG_DIRTY_MAX_RANGES), allocates the session in runtime memory, and
 * hands every call to the backend's ops table; the backends
 * (rmig_dirty_uffd_async.c, rmig_dirty_uffd_sync.c, rmig_dirty_soft.c)
 * trust what they get. Backends are tried in the order of the kinds: the
 * async one costs the rank nothing per fault, the sync one a handler round
 * trip per first write, soft-dirty is exact only with the rank stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rmig.h"
#include "rmig_dirty_impl.h"

static const struct rmig_dirty_ops *const rmig_dirty_backends[RMIG_DIRTY_KINDS] = {
    [RMIG_DIRTY_UFFD_ASYNC] = &rmig_dirty_uffd_async,
    [RMIG_DIRTY_UFFD_SYNC] = &rmig_dirty_uffd_sync,
    [RMIG_DIRTY_SOFT] = &rmig_dirty_soft,
};

/* Sessions running in this process (rmig_transfer_landed's cheap test). */
static int rmig_dirty_sessions;

static const struct rmig_dirty_ops *rmig_dirty_ops_of(enum rmig_dirty_kind kind)
{
    return (unsigned)kind < RMIG_DIRTY_KINDS ? rmig_dirty_backends[kind] : NULL;
}

const char *rmig_dirty_name(enum rmig_dirty_kind kind)
{
    const struct rmig_dirty_ops *ops = rmig_dirty_ops_of(kind);

    return ops ? ops->name : NULL;
}

int rmig_dirty_probe(enum rmig_dirty_kind kind, char *why, size_t why_len)
{
    const struct rmig_dirty_ops *ops = rmig_dirty_ops_of(kind);

    if (why && why_len)
        why[0] = '\0';
    if (ops == NULL) {
        if (why && why_len)
            snprintf(why, why_len, "no dirty-page backend %d", (int)kind);
        return -EINVAL;
    }
    return ops->probe(why, why_len);
}

int rmig_dirty_pick(char *why, size_t why_len)
{
    size_t used = 0;

    if (why && why_len)
        why[0] = '\0';
    for (int k = 0; k < RMIG_DIRTY_KINDS; k++) {
        char one[256];

        if (rmig_dirty_probe(k, one, sizeof(one)) == 0)
            return k;
        if (why && used < why_len)
            used += (size_t)snprintf(why + used, why_len - used, "%s%s: %s", used ? "; " : "",
                                     rmig_dirty_name(k), one);
    }
    return -ENOTSUP;
}

/* 0 when r is page aligned, nonempty, and overlaps none of t's n ranges. */
static int rmig_dirty_range_ok(const struct rmig_dirty_range *r, const struct rmig_dirty *t, int n)
{
    if (r->len == 0 || r->addr % RMIG_DIRTY_PAGE || r->len % RMIG_DIRTY_PAGE ||
        r->addr + r->len < r->addr)
        return -EINVAL;
    for (int i = 0; i < n; i++)
        if (r->addr < t->r[i].addr + t->r[i].len && t->r[i].addr < r->addr + r->len)
            return -EINVAL;
    return 0;
}

int rmig_dirty_start(enum rmig_dirty_kind kind, const struct rmig_dirty_range *r, int n,
                     struct rmig_dirty **tp)
{
    const struct rmig_dirty_ops *ops = rmig_dirty_ops_of(kind);
    struct rmig_dirty *t;
    int ret;

    char why[256];

    if (ops == NULL || r == NULL || n <= 0 || n > RMIG_DIRTY_MAX_RANGES || tp == NULL)
        return -EINVAL;
    ret = ops->probe(why, sizeof(why)); /* never a session that sees nothing */
    if (ret < 0)
        return ret;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->ops = ops;
    t->uffd = t->pagemap = t->wake[0] = t->wake[1] = -1;
    for (ret = 0; ret == 0 && t->n < n; t->n++) {
        ret = rmig_dirty_range_ok(&r[t->n], t, t->n);
        t->r[t->n] = r[t->n];
    }
    if (ret == 0)
        ret = ops->start(t);
    if (ret < 0) {
        free(t);
        return ret;
    }
    *tp = t;
    __atomic_add_fetch(&rmig_dirty_sessions, 1, __ATOMIC_SEQ_CST);
    return 0;
}

int rmig_dirty_add(struct rmig_dirty *t, const struct rmig_dirty_range *r)
{
    int ret;

    if (t == NULL || r == NULL)
        return -EINVAL;
    if (t->n == RMIG_DIRTY_MAX_RANGES)
        return -ENOSPC;
    ret = rmig_dirty_range_ok(r, t, t->n);
    if (ret == 0) {
        t->r[t->n++] = *r;
        ret = t->ops->add(t, r);
        if (ret < 0)
            t->n--;
    }
    return ret;
}

/* Whether every tracked range is still mapped: an unmapped one reads as
 * nothing written to the scans, which must not pass for clean. Returns 0
 * or -ENOMEM (msync's answer for a range with unmapped pages). */
static int rmig_dirty_mapped(const struct rmig_dirty *t)
{
    for (int i = 0; i < t->n; i++)
        if (msync((void *)t->r[i].addr, t->r[i].len, MS_ASYNC) < 0)
            return -errno;
    return 0;
}

long rmig_dirty_collect(struct rmig_dirty *t, rmig_dirty_cb cb, void *arg)
{
    long pages = 0;
    int ret;

    if (t == NULL || cb == NULL)
        return -EINVAL;
    ret = rmig_dirty_mapped(t);
    for (int i = 0; ret == 0 && i < t->n; i++) {
        long one = t->ops->collect(t, &t->r[i], cb, arg);

        if (one < 0)
            return one;
        pages += one;
    }
    if (ret == 0 && t->ops->rearm)
        ret = t->ops->rearm(t);
    if (ret < 0)
        return ret;
    t->st.collects++;
    t->st.pages_reported += (uint64_t)pages;
    return pages;
}

int rmig_dirty_needs_pause(const struct rmig_dirty *t)
{
    return t->ops->needs_pause;
}

void rmig_dirty_stats(const struct rmig_dirty *t, struct rmig_dirty_stats *s)
{
    *s = t->st;
    s->faults = __atomic_load_n(&t->st.faults, __ATOMIC_RELAXED);
}

void rmig_dirty_stop(struct rmig_dirty *t)
{
    if (t == NULL)
        return;
    t->ops->stop(t);
    free(t);
    __atomic_sub_fetch(&rmig_dirty_sessions, 1, __ATOMIC_SEQ_CST);
}

/* Why a store per page: a kernel copy from another process pins the pages
 * first (the write fault that unprotects them happens then) and writes
 * them afterwards through the kernel's own mapping. A collect between the
 * two reports the pages, re-protects them and the caller copies the old
 * bytes; the copy's data then lands without a fault, so no later collect
 * sees it (a pre-copy move lost rendezvous data this way: the 1 MiB
 * receives of `migrate dual` under NMPI_MIGRATION_MODE=precopy). The
 * rank's own store, after the copy has ended, goes through its page table:
 * a protected page faults and is reported by the next collect (every
 * backend: soft-dirty sets its bit on that fault too). One byte of the
 * range per page, written back as it is: nothing else writes the range
 * while its transfer's owner holds it. */
void rmig_transfer_landed(void *buf, size_t len)
{
    if (__atomic_load_n(&rmig_dirty_sessions, __ATOMIC_SEQ_CST) == 0 || buf == NULL || len == 0)
        return;
    volatile unsigned char *p = buf, *end = p + len;
    while (p < end) {
        /* cppcheck-suppress selfAssignment ; the store through the page table is the point */
        *p = *p;
        p = (volatile unsigned char *)(((uintptr_t)p | (RMIG_DIRTY_PAGE - 1)) + 1);
    }
}
