/* rmig_postcopy_serve.h: the source's end of a post-copy move: pulls
 * answered from the container it keeps, and the order of the background
 * push (private to rank-migrate; issue 15 item 2). See rmig_postcopy_serve.c
 * and rmig_postcopy_plan.c. libc only: the lookups and the sending are the
 * caller's functions, so the unit test fakes them. */
#ifndef RMIG_POSTCOPY_SERVE_H
#define RMIG_POSTCOPY_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "rmig_postcopy_fault.h"
#include "rmig_postcopy_wire.h"

/* The order the source pushes the pages in: ascending runs of the touched
 * ranges, each cut at `chunk` bytes, skipping pages already served by a
 * pull. Runtime memory. */
struct rmig_postcopy_plan {
    struct rmig_postcopy_range *r; /* the touched ranges, sorted */
    uint64_t *first;               /* r[i]'s first page's index */
    int n;
    uint8_t *sent; /* per page: pulled or pushed already */
    uint64_t pages, skipped;
    int i;        /* the range the push is in */
    uintptr_t at; /* the next address to look at in it */
    size_t chunk;
};

/* Copies and sorts the n touched ranges (page aligned, disjoint). Returns
 * 0, -EINVAL (bad ranges, chunk not whole pages), -ENOMEM. */
int rmig_postcopy_plan_init(struct rmig_postcopy_plan *p, const struct rmig_postcopy_range *r,
                            int n, size_t chunk);

/* The pages of [addr, addr + len) that touch the plan's were sent (by a
 * pull): the push skips them. Any thread (one writer of a page at a time). */
void rmig_postcopy_plan_sent(struct rmig_postcopy_plan *p, uintptr_t addr, size_t len);

/* The next run to push: returns 1 with *addr_p, *len_p (at most chunk
 * bytes of pages not sent yet, now marked sent), or 0 when every page was
 * sent. */
int rmig_postcopy_plan_next(struct rmig_postcopy_plan *p, uintptr_t *addr_p, size_t *len_p);

void rmig_postcopy_plan_free(struct rmig_postcopy_plan *p);

/* Finds the bytes of [addr, addr + len) in the kept container: returns 0
 * and *bytes_p, RMIG_PULL_EMPTY (no page of it was ever touched), or
 * -EINVAL (not inside the container's layout: ua_range_check). */
typedef int (*rmig_postcopy_locate_fn)(uintptr_t addr, size_t len, const void **bytes_p, void *arg);

/* Sends one answer to the destination: the header, then len bytes (none
 * when bytes is NULL). Returns 0 or -errno. */
typedef int (*rmig_postcopy_send_fn)(const struct rmig_pull *answer, const void *bytes, size_t len,
                                     void *arg);

struct rmig_postcopy_server {
    uint64_t job;
    int rank;
    rmig_postcopy_locate_fn locate;
    rmig_postcopy_send_fn send;
    void *arg;
    struct rmig_postcopy_plan *plan; /* pages served are marked sent, or NULL */
    uint64_t served, empty, refused, malformed, bytes;
};

/* Answers one pull of size bytes at msg: decoded strictly (anything else
 * is counted in malformed and gets no answer: it may not even come from
 * this job), located, answered with the bytes, EMPTY, or refused with
 * -EINVAL. Returns 0 once answered, -EBADMSG when nothing was answered, or
 * the send's -errno. */
int rmig_postcopy_serve(struct rmig_postcopy_server *s, const void *msg, size_t size);

#endif /* RMIG_POSTCOPY_SERVE_H */
