/* rmig_precopy_landing.c: the destination's end of a pre-copy move's rounds.
 *
 * Kernel context of the reserved spare (it runs no rank): each round's
 * header and run table come through lane 0 of the move's stream ports
 * (rmig_precopy_link.c), and are checked before a byte is written: magic,
 * version, this job, the rank reserved for, the round expected next, the
 * table's checksum and total, every run inside the container layout
 * (ua_range_check). Round 0 lists the touched ranges: what a container
 * that left here kept outside them is dropped first (ua_arrival_trim).
 * Then every run is read in place, run i through lane i % RMIG_LANES with
 * a read posted ahead on each lane, and summed as it lands when the move
 * keeps sums (rmig_precopy_sums.c). A round's bytes are not checked: the
 * rank was writing them; the final stream checks the sums of every page.
 * Nothing here runs the rank or marks the container present.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_precopy_landing.h"
#include "ua.h"

int rmig_precopy_landing_open(struct rmig_precopy_landing *l, int src, int stream, int rank,
                              struct rmig_precopy_sums *sums)
{
    int ret = 0;

    memset(l, 0, sizeof(*l));
    l->src = src;
    l->stream = stream;
    l->rank = rank;
    l->sums = sums;
    for (int lane = 0; lane < RMIG_LANES; lane++) {
        l->portal[lane] =
            ret < 0 ? -1 : kportal_create(knode_get_num(), RMIG_STREAM_PORT(src, stream, lane));
        if (ret == 0 && l->portal[lane] < 0)
            ret = l->portal[lane];
    }
    if (ret < 0)
        rmig_precopy_landing_close(l);
    return ret;
}

void rmig_precopy_landing_close(struct rmig_precopy_landing *l)
{
    for (int lane = 0; lane < RMIG_LANES; lane++)
        if (l->portal[lane] >= 0)
            kportal_unlink(l->portal[lane]);
    for (int lane = 0; lane < RMIG_LANES; lane++)
        l->portal[lane] = -1;
    free(l->runs);
    l->runs = NULL;
    l->cap = 0;
}

static int rmig_landing_post(const struct rmig_precopy_landing *l, int lane, void *buf, size_t len)
{
    int ret = kportal_allow(l->portal[lane], l->src, RMIG_STREAM_PORT(l->src, l->stream, lane));

    return ret < 0 ? ret : kportal_aread(l->portal[lane], buf, len);
}

/* Waits for the read on `lane`: the bytes read, or -ETIMEDOUT, -EHOSTDOWN,
 * a kportal error (-EMSGSIZE: more was written than the read takes). */
static ssize_t rmig_landing_finish(const struct rmig_precopy_landing *l, int lane)
{
    double deadline = knode_wtime() + rmig_timeout();
    unsigned spins = 0;
    int ret;

    while ((ret = kportal_test(l->portal[lane])) == 0) {
        int why = l->idle != NULL ? l->idle(l->idle_arg) : 0;

        if (why < 0)
            return why;
        if (knode_is_lost(l->src))
            return -EHOSTDOWN;
        if (knode_wtime() > deadline)
            return -ETIMEDOUT;
        knode_idle(&spins);
    }
    return ret < 0 ? ret : kportal_wait(l->portal[lane]);
}

int rmig_precopy_landing_read0(const struct rmig_precopy_landing *l, void *buf, size_t len)
{
    int ret = rmig_landing_post(l, 0, buf, len);
    ssize_t got = ret < 0 ? ret : rmig_landing_finish(l, 0);

    if (got == -EMSGSIZE)
        return -EBADMSG;
    return got < 0 ? (int)got : (size_t)got == len ? 0 : -EBADMSG;
}

static int rmig_landing_header_ok(const struct rmig_precopy_landing *l,
                                  const struct rmig_wire_round *h)
{
    return h->magic == RMIG_ROUND_MAGIC && h->version == RMIG_WIRE_VERSION &&
           h->job == knode_job_token() && h->rank == l->rank && h->round == l->next_round &&
           h->n <= RMIG_ROUND_RUNS_MAX && (h->flags & ~RMIG_ROUND_FINAL) == 0 && h->zero == 0;
}

/* The runs against the header: checksum, total, each in the layout. */
static int rmig_landing_runs_ok(const struct rmig_precopy_landing *l,
                                const struct rmig_wire_round *h)
{
    uint64_t total = 0;

    if (ua_checksum_range(l->runs, (size_t)h->n * sizeof(*l->runs)) != h->sum)
        return 0;
    for (uint32_t i = 0; i < h->n; i++) {
        const struct rmig_wire_run *r = &l->runs[i];

        if (r->len == 0 || r->addr + r->len < r->addr ||
            ua_range_check((const void *)(uintptr_t)r->addr, r->len) != 0)
            return 0;
        total += r->len;
    }
    return total == h->bytes;
}

/* Round 0: drops what a container that left here kept outside its runs. */
static void rmig_landing_trim(const struct rmig_precopy_landing *l, uint32_t n)
{
    struct ua_range *pages = malloc((size_t)(n ? n : 1) * sizeof(*pages));

    for (uint32_t i = 0; pages != NULL && i < n; i++)
        pages[i] = (struct ua_range){(void *)(uintptr_t)l->runs[i].addr, l->runs[i].len};
    ua_arrival_trim(pages, pages != NULL ? (int)n : 0);
    free(pages);
}

/* Reads the n runs in place, a read posted ahead on every lane; every run
 * is read even after a short one (nothing stays queued on the ports). */
static int rmig_landing_runs(struct rmig_precopy_landing *l, uint32_t n)
{
    uint32_t posted = 0, done = 0;
    int ret = 0, short_run = 0;

    while (ret == 0 && done < n) {
        for (; ret == 0 && posted < n && posted - done < RMIG_LANES; posted++)
            ret = rmig_landing_post(l, (int)(posted % RMIG_LANES),
                                    (void *)(uintptr_t)l->runs[posted].addr, l->runs[posted].len);
        if (ret == 0) {
            ssize_t got = rmig_landing_finish(l, (int)(done % RMIG_LANES));

            if (got < 0)
                ret = (int)got;
            else
                short_run |= (uint64_t)got != l->runs[done].len;
            if (got >= 0 && l->sums != NULL)
                rmig_precopy_sums_note(l->sums, l->runs[done].addr, l->runs[done].len, 0);
            done++;
        }
    }
    return ret < 0 ? ret : short_run ? -EBADMSG : 0;
}

int rmig_precopy_landing_round(struct rmig_precopy_landing *l)
{
    struct rmig_wire_round h;
    int ret = rmig_precopy_landing_read0(l, &h, sizeof(h));

    l->header_at = knode_wtime();
    if (ret == 0 && !rmig_landing_header_ok(l, &h))
        ret = -EBADMSG;
    if (ret == 0 && l->refuse_round > 0 &&
        (h.round >= l->refuse_round || (h.flags & RMIG_ROUND_FINAL)))
        ret = -ECONNREFUSED; /* test hook (NMPI_TEST_STREAM_FAULT=precopy-round2) */
    if (ret == 0 && h.n > l->cap) {
        void *runs = realloc(l->runs, (size_t)h.n * sizeof(*l->runs));

        ret = runs == NULL ? -ENOMEM : 0;
        if (runs != NULL) {
            l->runs = runs;
            l->cap = h.n;
        }
    }
    if (ret == 0 && h.n > 0)
        ret = rmig_precopy_landing_read0(l, l->runs, (size_t)h.n * sizeof(*l->runs));
    if (ret == 0 && !rmig_landing_runs_ok(l, &h))
        ret = -EBADMSG;
    if (ret == 0 && h.round == 0)
        rmig_landing_trim(l, h.n);
    if (ret == 0)
        ret = rmig_landing_runs(l, h.n);
    if (ret == 0) {
        l->next_round++;
        l->bytes += h.bytes;
        l->last = h;
    }
    return ret;
}
