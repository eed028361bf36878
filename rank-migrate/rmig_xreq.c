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

/* Fields of a MOVE that carry nothing must be zero; its mode is one. */
static int rmig_xreq_move_ok(const struct rmig_xreq *m, int nclusters)
{
    return (m->cluster == -1 || (m->cluster >= 0 && m->cluster < nclusters)) &&
           ((m->mode >= RMIG_XREQ_MODE_JOB && m->mode <= RMIG_XREQ_MODE_PRECOPY) ||
            m->mode == RMIG_XREQ_MODE_POSTCOPY || m->mode == RMIG_XREQ_MODE_AUTO) &&
           m->status == 0 && m->downtime_ns == 0;
}

/* A PLACEMENT carries only how long the entry may wait. */
static int rmig_xreq_placement_ok(const struct rmig_xreq *m)
{
    return m->rank == 0 && m->cluster == 0 && m->wait_ms >= 1 && m->wait_ms <= RMIG_XREQ_WAIT_MAX &&
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
    if (m.type == RMIG_XREQ_PLACEMENT ? !rmig_xreq_placement_ok(&m)
        : m.type == RMIG_XREQ_MOVE    ? !rmig_xreq_move_ok(&m, nclusters)
                                      : !rmig_xreq_answer_ok(&m, nclusters))
        return -EPROTO;
    if (out != NULL)
        *out = m;
    return m.type;
}

int rmig_xreq_via_check(const void *msg, long len, int nranks, int nclusters, struct rmig_xreq *out,
                        char *dir)
{
    long n = len - (long)sizeof(struct rmig_xreq); /* the directory and its NUL */
    const char *d;
    struct rmig_xreq m;

    if (msg == NULL)
        return -EPROTO;
    d = (const char *)msg + sizeof(struct rmig_xreq);
    if (n < 2 || n > RMIG_XREQ_DIR_MAX || d[0] != '/' || d[n - 1] != '\0' ||
        memchr(d, '\0', (size_t)n - 1) != NULL || nranks < 1 || nclusters < nranks)
        return -EPROTO;
    memcpy(&m, msg, sizeof(m));
    if (m.magic != RMIG_XREQ_MAGIC || m.version != RMIG_XREQ_VERSION || m.requester == 0 ||
        m.type != RMIG_XREQ_MOVE_VIA || m.rank < 0 || m.rank >= nranks ||
        !rmig_xreq_move_ok(&m, nclusters) || m.mode != RMIG_XREQ_MODE_JOB) /* a file: no mode */
        return -EPROTO;
    if (out != NULL)
        *out = m;
    if (dir != NULL)
        memcpy(dir, d, (size_t)n);
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

/* The head of a TABLE: the fields of a fixed message, and counts that fit
 * the job (both 0 with an error status). */
static int rmig_xreq_table_head_ok(const struct rmig_xreq_table_head *t, int nclusters)
{
    const struct rmig_xreq *m = &t->m;

    if (m->magic != RMIG_XREQ_MAGIC || m->version != RMIG_XREQ_VERSION ||
        m->type != RMIG_XREQ_TABLE || m->requester == 0 || m->rank != 0 || m->cluster < 0 ||
        m->cluster >= nclusters || m->from != 0 || m->downtime_ns != 0)
        return 0;
    if (m->status != 0)
        return (m->status == -EBUSY || m->status == -E2BIG) && t->nclusters == 0 && t->nhosts == 0;
    return t->nclusters == nclusters && t->nhosts >= 1 && t->nhosts <= nclusters &&
           t->nhosts <= RMIG_XREQ_HOSTS_MAX;
}

static int rmig_xreq_place_ok(const struct rmig_xreq_place *p, int nranks, int nhosts)
{
    if (p->host < 0 || p->host >= nhosts || p->state < RMIG_PLACE_RANK ||
        p->state > RMIG_PLACE_STATE_MAX)
        return 0;
    return p->state == RMIG_PLACE_RANK ? p->rank >= 0 && p->rank < nranks
                                       : p->rank == -1 && p->kib == 0;
}

/* A host name: printable, non-empty, NUL-terminated and NUL-padded. */
static int rmig_xreq_name_ok(const char *n)
{
    size_t len = strnlen(n, RMIG_XREQ_NAME_MAX), i;

    if (len == 0 || len == RMIG_XREQ_NAME_MAX)
        return 0;
    for (i = 0; i < RMIG_XREQ_NAME_MAX; i++)
        if (i < len ? n[i] <= ' ' || n[i] > '~' : n[i] != '\0')
            return 0;
    return 1;
}

int rmig_xreq_table_check(const void *msg, long len, int nranks, int nclusters,
                          struct rmig_xreq_placement *out)
{
    const unsigned char *b = msg;
    struct rmig_xreq_table_head t;
    struct rmig_xreq_place p;
    size_t want, at;
    int i;

    if (msg == NULL || len < (long)sizeof(t) || nranks < 1 || nclusters < nranks ||
        nclusters > RMIG_XREQ_CLUSTERS_MAX)
        return -EPROTO;
    memcpy(&t, b, sizeof(t));
    if (!rmig_xreq_table_head_ok(&t, nclusters))
        return -EPROTO;
    want = sizeof(t) + (size_t)t.nclusters * sizeof(p) + (size_t)t.nhosts * RMIG_XREQ_NAME_MAX;
    if ((size_t)len != want)
        return -EPROTO;
    for (i = 0, at = sizeof(t); i < t.nclusters; i++, at += sizeof(p)) {
        memcpy(&p, b + at, sizeof(p));
        if (!rmig_xreq_place_ok(&p, nranks, t.nhosts))
            return -EPROTO;
    }
    for (i = 0; i < t.nhosts; i++, at += RMIG_XREQ_NAME_MAX)
        if (!rmig_xreq_name_ok((const char *)b + at))
            return -EPROTO;
    if (out != NULL) { /* all checked: only now is *out written */
        out->head = t.m;
        out->nclusters = t.nclusters;
        out->nhosts = t.nhosts;
        at = sizeof(t);
        memcpy(out->place, b + at, (size_t)t.nclusters * sizeof(p));
        at += (size_t)t.nclusters * sizeof(p);
        memcpy(out->host, b + at, (size_t)t.nhosts * RMIG_XREQ_NAME_MAX);
    }
    return RMIG_XREQ_TABLE;
}
