/* rmig_xreq.c: encoding and strict validation of requests from outside the job.
 *
 * These bytes come from a socket any process of the user may write to, and
 * the requester reads answers the same way; nothing is trusted until the
 * length, magic, version and type match and every field is in range for its
 * type. Shared by the daemon, the mpimigrate command and the fuzz target.
 */
#include <errno.h>
#include <string.h>

#include "rmig_xreq.h"

/* Fields of a MOVE that carry nothing must be zero. */
static int rmig_xreq_move_ok(const struct rmig_xreq *m, int nclusters)
{
    return (m->cluster == -1 || (m->cluster >= 0 && m->cluster < nclusters)) && m->from == 0 &&
           m->status == 0 && m->downtime_ns == 0;
}

static int rmig_xreq_answer_ok(const struct rmig_xreq *m, int nclusters)
{
    if (m->cluster < 0 || m->cluster >= nclusters)
        return 0;
    if (m->type == RMIG_XREQ_QUEUED)
        return m->from == 0 && m->status == 0 && m->downtime_ns == 0;
    if (m->status > 0 || m->status < -RMIG_XREQ_ERR_MAX || m->from < 0 || m->from >= nclusters)
        return 0;
    return m->status == 0 ? m->from != m->cluster : m->from == m->cluster && m->downtime_ns == 0;
}

int rmig_xreq_check(const void *msg, long len, int nranks, int nclusters, struct rmig_xreq *out)
{
    struct rmig_xreq m;

    if (msg == NULL || len != (long)sizeof(m) || nranks < 1 || nclusters < nranks)
        return -EPROTO;
    memcpy(&m, msg, sizeof(m));
    if (m.magic != RMIG_XREQ_MAGIC || m.version != RMIG_XREQ_VERSION || m.requester == 0)
        return -EPROTO;
    if (m.type < RMIG_XREQ_MOVE || m.type > RMIG_XREQ_TYPE_MAX)
        return -EPROTO;
    if (m.rank < 0 || m.rank >= nranks)
        return -EPROTO;
    if (m.type == RMIG_XREQ_MOVE ? !rmig_xreq_move_ok(&m, nclusters)
                                 : !rmig_xreq_answer_ok(&m, nclusters))
        return -EPROTO;
    if (out != NULL)
        *out = m;
    return m.type;
}

void rmig_xreq_fill(struct rmig_xreq *m, int type, uint32_t requester, uint32_t nonce, int rank,
                    int cluster)
{
    memset(m, 0, sizeof(*m));
    m->magic = RMIG_XREQ_MAGIC;
    m->version = RMIG_XREQ_VERSION;
    m->type = (uint16_t)type;
    m->requester = requester;
    m->nonce = nonce;
    m->rank = rank;
    m->cluster = cluster;
}
