/* rmig_postcopy_serve.c: the source answering a post-copy destination's
 * pulls.
 *
 * The source keeps its container, frozen, until the destination holds every
 * page (the move's invariant for post-copy: the rank's only copy of a page
 * not yet pulled or pushed is here). A pull is decoded strictly
 * (rmig_postcopy_wire.c: this job, this rank, whole pages, bounded); its
 * range must lie in the container's layout (the caller's locate function,
 * ua_range_check in the real source), else it is refused with -EINVAL,
 * which the destination treats as a lost source (the job ends). Served
 * pages are marked in the push plan, so the background push does not send
 * them again.
 */
#include <errno.h>
#include <string.h>

#include "rmig_postcopy_serve.h"

static int rmig_serve_answer(struct rmig_postcopy_server *s, const struct rmig_pull *q, int status,
                             const void *bytes)
{
    struct rmig_pull a = *q;

    a.magic = RMIG_ANSWER_MAGIC;
    a.status = (int16_t)status;
    return s->send(&a, status == RMIG_PULL_BYTES ? bytes : NULL,
                   status == RMIG_PULL_BYTES ? q->len : 0, s->arg);
}

int rmig_postcopy_serve(struct rmig_postcopy_server *s, const void *msg, size_t size)
{
    struct rmig_pull q;
    const void *bytes = NULL;
    int found;

    if (rmig_pull_decode(msg, size, s->job, s->rank, &q) < 0) {
        s->malformed++;
        return -EBADMSG;
    }
    found = s->locate((uintptr_t)q.addr, q.len, &bytes, s->arg);
    if (found == RMIG_PULL_BYTES && bytes == NULL)
        found = -EINVAL;
    if (found != RMIG_PULL_BYTES && found != RMIG_PULL_EMPTY)
        found = -EINVAL;
    if (found == -EINVAL)
        s->refused++;
    else if (found == RMIG_PULL_EMPTY)
        s->empty++;
    else {
        s->served++;
        s->bytes += q.len;
    }
    if (found >= 0 && s->plan != NULL)
        rmig_postcopy_plan_sent(s->plan, (uintptr_t)q.addr, q.len);
    return rmig_serve_answer(s, &q, found, bytes);
}
