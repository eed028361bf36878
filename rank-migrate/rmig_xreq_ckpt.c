/* rmig_xreq_ckpt.c: strict validation of checkpoint requests from outside the job.
 *
 * A CHECKPOINT carries a directory name into the job, where every cluster
 * will create files under it; a RESULT of one carries the outcome back to
 * mpimigrate. Both are struct rmig_xreq_ckpt (rmig_xreq.h), fixed-size;
 * nothing is trusted until the length, magic, version and type match and
 * every field is in range for its type. Shared by the daemon, the
 * mpimigrate command and the fuzz target.
 */
#include <errno.h>
#include <string.h>

#include "rmig_xreq.h"

int rmig_xreq_dir_ok(const char *dir)
{
    size_t len = strnlen(dir, RMIG_XREQ_CKPT_DIR_MAX), i;

    if (len < 1 || len == RMIG_XREQ_CKPT_DIR_MAX || dir[0] != '/')
        return 0;
    for (i = 0; i < RMIG_XREQ_CKPT_DIR_MAX; i++)
        if (i < len ? dir[i] < ' ' || dir[i] > '~' : dir[i] != '\0')
            return 0;
    return 1;
}

/* Every byte of dir is NUL. */
static int rmig_xreq_dir_empty(const char *dir)
{
    for (int i = 0; i < RMIG_XREQ_CKPT_DIR_MAX; i++)
        if (dir[i] != '\0')
            return 0;
    return 1;
}

/* The fields both types share: rank 0, no move's fields. */
static int rmig_xreq_ckpt_common_ok(const struct rmig_xreq *m, int nclusters)
{
    return m->magic == RMIG_XREQ_MAGIC && m->version == RMIG_XREQ_VERSION && m->requester != 0 &&
           m->rank == 0 && m->from == 0 && m->downtime_ns == 0 && m->cluster >= 0 &&
           m->cluster < nclusters;
}

static int rmig_xreq_ckpt_request_ok(const struct rmig_xreq_ckpt *c)
{
    return c->m.cluster == 0 && c->m.status == 0 && c->number == 0 && c->nranks == 0 &&
           c->bytes == 0 && rmig_xreq_dir_ok(c->dir);
}

static int rmig_xreq_ckpt_result_ok(const struct rmig_xreq_ckpt *c, int nranks)
{
    if (c->m.status > 0 || c->m.status < -RMIG_XREQ_ERR_MAX || c->number < 0 ||
        !rmig_xreq_dir_empty(c->dir))
        return 0;
    if (c->m.status == 0)
        return c->number >= 1 && c->nranks == nranks;
    return c->nranks == 0 && c->bytes == 0;
}

int rmig_xreq_ckpt_check(const void *msg, long len, int nranks, int nclusters,
                         struct rmig_xreq_ckpt *out)
{
    struct rmig_xreq_ckpt c;
    int ok;

    if (msg == NULL || len != (long)sizeof(c) || nranks < 1 || nclusters < nranks)
        return -EPROTO;
    memcpy(&c, msg, sizeof(c));
    if (!rmig_xreq_ckpt_common_ok(&c.m, nclusters))
        return -EPROTO;
    if (c.m.type == RMIG_XREQ_CHECKPOINT)
        ok = rmig_xreq_ckpt_request_ok(&c);
    else if (c.m.type == RMIG_XREQ_RESULT)
        ok = rmig_xreq_ckpt_result_ok(&c, nranks);
    else
        ok = 0;
    if (!ok)
        return -EPROTO;
    if (out != NULL)
        *out = c;
    return c.m.type;
}
