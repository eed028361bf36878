/* fuzz_rmig_xreq.c: libFuzzer target for requests from outside the job.
 *
 * rmig_xreq_check() decodes datagrams any process of the user can write to
 * a cluster's request socket (and answers the mpimigrate command reads);
 * rmig_xreq_table_check() decodes the placement TABLE mpimigrate reads;
 * rmig_xreq_via_check() a MOVE_VIA and its directory; rmig_xreq_ckpt_check()
 * a CHECKPOINT and its RESULT. Every input goes to all four. Any byte
 * string must be refused or give a
 * message whose every field is in range for its type; the target aborts
 * otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_xreq.h"

#define FUZZ_NRANKS   3
#define FUZZ_CLUSTERS 5

static int fuzz_in(int v, int lo, int hi)
{
    return v >= lo && v < hi;
}

/* A MOVE's mode is one of three (version 5); a MOVE_VIA has none. */
static int fuzz_move_ok(const struct rmig_xreq *m, int modes)
{
    return (m->cluster == -1 || fuzz_in(m->cluster, 0, FUZZ_CLUSTERS)) &&
           fuzz_in(m->mode, 0, modes) && m->status == 0 && m->downtime_ns == 0;
}

static int fuzz_answer_ok(const struct rmig_xreq *m)
{
    if (!fuzz_in(m->cluster, 0, FUZZ_CLUSTERS) || !fuzz_in(m->status, -RMIG_XREQ_ERR_MAX, 1))
        return 0;
    if (m->type == RMIG_XREQ_QUEUED)
        return m->status == 0 && m->from == 0 && m->downtime_ns == 0;
    return fuzz_in(m->from, 0, FUZZ_CLUSTERS) && (m->status != 0 || m->from != m->cluster);
}

/* A decoded TABLE: counts that fit the job, each place and name sane,
 * exactly as many bytes as they take. */
static void fuzz_table(const uint8_t *data, size_t size)
{
    static struct rmig_xreq_placement pl;
    int i, type = rmig_xreq_table_check(data, (long)size, FUZZ_NRANKS, FUZZ_CLUSTERS, &pl);
    size_t want;

    if (type < 0)
        return;
    if (type != RMIG_XREQ_TABLE || pl.head.type != RMIG_XREQ_TABLE || pl.head.requester == 0 ||
        pl.head.magic != RMIG_XREQ_MAGIC || pl.head.version != RMIG_XREQ_VERSION ||
        !fuzz_in(pl.head.cluster, 0, FUZZ_CLUSTERS))
        abort();
    if (pl.head.status != 0 && (pl.nclusters != 0 || pl.nhosts != 0))
        abort();
    if (pl.head.status == 0 && (pl.nclusters != FUZZ_CLUSTERS || !fuzz_in(pl.nhosts, 1, 6)))
        abort();
    want = sizeof(struct rmig_xreq_table_head) +
           (size_t)pl.nclusters * sizeof(struct rmig_xreq_place) +
           (size_t)pl.nhosts * RMIG_XREQ_NAME_MAX;
    if (size != want)
        abort();
    for (i = 0; i < pl.nclusters; i++) {
        const struct rmig_xreq_place *p = &pl.place[i];

        if (!fuzz_in(p->host, 0, pl.nhosts) || !fuzz_in(p->state, 1, RMIG_PLACE_STATE_MAX + 1) ||
            (p->state == RMIG_PLACE_RANK ? !fuzz_in(p->rank, 0, FUZZ_NRANKS)
                                         : p->rank != -1 || p->kib != 0))
            abort();
    }
    for (i = 0; i < pl.nhosts; i++)
        if (pl.host[i][0] == '\0' || memchr(pl.host[i], '\0', RMIG_XREQ_NAME_MAX) == NULL ||
            strchr(pl.host[i], ' ') != NULL)
            abort();
}

/* A decoded CHECKPOINT carries an absolute printable directory and
 * nothing else; its RESULT a status, and a number, the job's ranks and
 * bytes only when complete. */
static void fuzz_ckpt(const uint8_t *data, size_t size)
{
    static struct rmig_xreq_ckpt c;
    int type = rmig_xreq_ckpt_check(data, (long)size, FUZZ_NRANKS, FUZZ_CLUSTERS, &c);

    if (type < 0)
        return;
    if (size != sizeof(c) || c.m.type != type || c.m.requester == 0 || c.m.rank != 0 ||
        c.m.from != 0 || c.m.downtime_ns != 0 || !fuzz_in(c.m.cluster, 0, FUZZ_CLUSTERS))
        abort();
    if (type == RMIG_XREQ_CHECKPOINT) {
        if (c.dir[0] != '/' || memchr(c.dir, '\0', sizeof(c.dir)) == NULL || c.m.status != 0 ||
            c.number != 0 || c.nranks != 0 || c.bytes != 0)
            abort();
        return;
    }
    if (type != RMIG_XREQ_RESULT || c.dir[0] != '\0' || !fuzz_in(c.m.status, -RMIG_XREQ_ERR_MAX, 1))
        abort();
    if (c.m.status == 0 ? c.number < 1 || c.nranks != FUZZ_NRANKS : c.nranks != 0 || c.bytes != 0)
        abort();
}

/* A decoded MOVE_VIA: a MOVE's fields, then an absolute directory that
 * ends the message with its NUL. */
static void fuzz_via(const uint8_t *data, size_t size)
{
    static char dir[RMIG_XREQ_DIR_MAX];
    struct rmig_xreq m;
    int type = rmig_xreq_via_check(data, (long)size, FUZZ_NRANKS, FUZZ_CLUSTERS, &m, dir);

    if (type < 0)
        return;
    if (type != RMIG_XREQ_MOVE_VIA || m.type != type || m.magic != RMIG_XREQ_MAGIC ||
        m.version != RMIG_XREQ_VERSION || m.requester == 0 || !fuzz_in(m.rank, 0, FUZZ_NRANKS) ||
        !fuzz_move_ok(&m, 1) || dir[0] != '/' || size != sizeof(m) + strlen(dir) + 1 ||
        memcmp(dir, data + sizeof(m), strlen(dir) + 1) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_xreq m;
    int type = rmig_xreq_check(data, (long)size, FUZZ_NRANKS, FUZZ_CLUSTERS, &m);

    fuzz_table(data, size);
    fuzz_ckpt(data, size);
    fuzz_via(data, size);
    if (type < 0)
        return 0;
    if (type == RMIG_XREQ_PLACEMENT) {
        if (m.rank != 0 || m.cluster != 0 || !fuzz_in(m.wait_ms, 1, RMIG_XREQ_WAIT_MAX + 1) ||
            m.status != 0 || m.downtime_ns != 0)
            abort();
        return 0;
    }
    if (size != sizeof(m) || m.type != type || m.magic != RMIG_XREQ_MAGIC ||
        m.version != RMIG_XREQ_VERSION || m.requester == 0 || !fuzz_in(m.rank, 0, FUZZ_NRANKS))
        abort();
    if (type == RMIG_XREQ_MOVE ? !fuzz_move_ok(&m, RMIG_XREQ_MODE_AUTO + 1) ||
                                     m.mode == RMIG_XREQ_MODE_POSTCOPY - 1 /* a MOVE_VIA's */
                               : !fuzz_answer_ok(&m))
        abort();
    return 0;
}

/* A TABLE of the fuzz job: cluster c runs rank c (0..2), the others idle,
 * busy, no answer or lost; host c % nhosts. */
static size_t fuzz_make_table(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_xreq_table_head t;
    struct rmig_xreq_place p;
    int nhosts = 1 + (int)(k % 3), c;
    size_t at = sizeof(t);
    char name[RMIG_XREQ_NAME_MAX];

    if (max < sizeof(t) + FUZZ_CLUSTERS * sizeof(p) + (size_t)nhosts * RMIG_XREQ_NAME_MAX)
        return 0;
    memset(&t, 0, sizeof(t));
    rmig_xreq_fill(&t.m, RMIG_XREQ_TABLE, 2000 + k, 0x7ab1eu + k, 0, (int)(k % FUZZ_CLUSTERS));
    t.nclusters = FUZZ_CLUSTERS;
    t.nhosts = nhosts;
    memcpy(buf, &t, sizeof(t));
    for (c = 0; c < FUZZ_CLUSTERS; c++, at += sizeof(p)) {
        p.host = (int16_t)(c % nhosts);
        p.state = (int16_t)(c < FUZZ_NRANKS ? RMIG_PLACE_RANK : 2 + (int)((k + (unsigned)c) % 4));
        p.rank = c < FUZZ_NRANKS ? c : -1;
        p.kib = c < FUZZ_NRANKS ? 4096u * (k + (unsigned)c + 1) : 0;
        memcpy(buf + at, &p, sizeof(p));
    }
    for (c = 0; c < nhosts; c++, at += RMIG_XREQ_NAME_MAX) {
        memset(name, 0, sizeof(name));
        snprintf(name, sizeof(name), "node-%u.example", k + (unsigned)c);
        memcpy(buf + at, name, sizeof(name));
    }
    if (rmig_xreq_table_check(buf, (long)at, FUZZ_NRANKS, FUZZ_CLUSTERS, NULL) != RMIG_XREQ_TABLE)
        abort();
    return at;
}

/* Well-formed messages of each type: a MOVE, a QUEUED, a moved and a
 * refused RESULT, a PLACEMENT, and TABLEs. */
/* A CHECKPOINT, a complete and a failed RESULT of one. */
static size_t fuzz_make_ckpt(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_xreq_ckpt c;

    if (max < sizeof(c))
        return 0;
    memset(&c, 0, sizeof(c));
    if (k % 3 == 0) {
        rmig_xreq_fill(&c.m, RMIG_XREQ_CHECKPOINT, 3000 + k, 0xc4u + k, 0, 0);
        snprintf(c.dir, sizeof(c.dir), "/var/tmp/ckpt.%u", k);
    } else {
        rmig_xreq_fill(&c.m, RMIG_XREQ_RESULT, 3000 + k, 0xc4u + k, 0, (int)(k % FUZZ_CLUSTERS));
        c.m.status = k % 3 == 1 ? 0 : -13;
        c.number = (int32_t)(k + 1);
        c.nranks = c.m.status == 0 ? FUZZ_NRANKS : 0;
        c.bytes = c.m.status == 0 ? 65536u * (k + 1) : 0;
    }
    if (rmig_xreq_ckpt_check(&c, sizeof(c), FUZZ_NRANKS, FUZZ_CLUSTERS, NULL) != c.m.type)
        abort(); /* a well-formed seed must pass, or the target would test nothing */
    memcpy(buf, &c, sizeof(c));
    return sizeof(c);
}

size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_xreq m;

    if (k % 8 == 7)
        return fuzz_make_ckpt(buf, max, k / 8 + k);
    if (max < sizeof(m))
        return 0;
    if (k % 5 == 4)
        return fuzz_make_table(buf, max, k / 5);
    if (k % 7 == 6 && max >= sizeof(m) + 32) { /* a MOVE_VIA */
        size_t n;

        rmig_xreq_fill(&m, RMIG_XREQ_MOVE_VIA, 3000 + k, 0x5e1au + k, (int)(k % FUZZ_NRANKS), -1);
        memcpy(buf, &m, sizeof(m));
        n = (size_t)snprintf((char *)buf + sizeof(m), 32, "/tmp/via-%u", k) + 1;
        if (rmig_xreq_via_check(buf, (long)(sizeof(m) + n), FUZZ_NRANKS, FUZZ_CLUSTERS, NULL,
                                NULL) != RMIG_XREQ_MOVE_VIA)
            abort();
        return sizeof(m) + n;
    }
    rmig_xreq_fill(&m, 1 + (int)(k % 4), 1000 + k, 0xabc0u + k, (int)(k % FUZZ_NRANKS),
                   (int)(k % FUZZ_CLUSTERS));
    if (m.type == RMIG_XREQ_PLACEMENT) {
        m.rank = m.cluster = 0;
        m.wait_ms = 1 + (int32_t)(k % RMIG_XREQ_WAIT_MAX);
    } else if (m.type == RMIG_XREQ_RESULT && (k & 4)) {
        m.status = -16; /* refused: -EBUSY, from == cluster */
        m.from = m.cluster;
    } else if (m.type == RMIG_XREQ_RESULT) {
        m.from = (m.cluster + 1) % FUZZ_CLUSTERS;
        m.downtime_ns = 1000000u + k;
    }
    /* A well-formed seed must pass, or the target would test nothing. */
    if (rmig_xreq_check(&m, sizeof(m), FUZZ_NRANKS, FUZZ_CLUSTERS, NULL) != m.type)
        abort();
    memcpy(buf, &m, sizeof(m));
    return sizeof(m);
}
