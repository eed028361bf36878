/* np_push_wire.c: the check of an np_push notice read from another process.
 *
 * Kept apart from np_push.c so that the fuzz target links it alone. The
 * layout is struct np_push_notice in np_internal.h.
 */
#include <errno.h>

#include "np_internal.h"

int np_push_notice_check(const struct np_push_notice *n, size_t len, int nclusters)
{
    if (len != sizeof(*n) || n->version != NP_PUSH_VERSION)
        return -EBADMSG;
    if (n->kind < NP_PUSH_READY || n->kind > NP_PUSH_CANCEL)
        return -EBADMSG;
    if (nclusters <= 0 || n->from >= (uint32_t)nclusters)
        return -EBADMSG;
    if (n->sport >= KPORTAL_PORT_MAX || n->dport >= KPORTAL_PORT_MAX)
        return -EBADMSG;
    if (n->kind == NP_PUSH_READY && n->addr + n->size < n->addr)
        return -EBADMSG; /* the buffer wraps around the address space */
    if (n->kind == NP_PUSH_DONE && (n->status > 0 || n->status < -4095))
        return -EBADMSG; /* not 0 nor an errno value */
    return 0;
}
