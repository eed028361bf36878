/* fuzz_rmig_xreq.c: libFuzzer target for requests from outside the job.
 *
 * rmig_xreq_check() decodes datagrams any process of the user can write to
 * a cluster's request socket (and answers the mpimigrate command reads).
 * Any byte string must be refused or give a message whose every field is in
 * range for its type; the target aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_xreq.h"

#define FUZZ_NRANKS   3
#define FUZZ_CLUSTERS 5

static int fuzz_in(int v, int lo, int hi)
{
    return v >= lo && v < hi;
}

static int fuzz_move_ok(const struct rmig_xreq *m)
{
    return (m->cluster == -1 || fuzz_in(m->cluster, 0, FUZZ_CLUSTERS)) && m->from == 0 &&
           m->status == 0 && m->downtime_ns == 0;
}

static int fuzz_answer_ok(const struct rmig_xreq *m)
{
    if (!fuzz_in(m->cluster, 0, FUZZ_CLUSTERS) || !fuzz_in(m->status, -RMIG_XREQ_ERR_MAX, 1))
        return 0;
    if (m->type == RMIG_XREQ_QUEUED)
        return m->status == 0 && m->from == 0 && m->downtime_ns == 0;
    return fuzz_in(m->from, 0, FUZZ_CLUSTERS) && (m->status != 0 || m->from != m->cluster);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_xreq m;
    int type = rmig_xreq_check(data, (long)size, FUZZ_NRANKS, FUZZ_CLUSTERS, &m);

    if (type < 0)
        return 0;
    if (size != sizeof(m) || m.type != type || m.magic != RMIG_XREQ_MAGIC ||
        m.version != RMIG_XREQ_VERSION || m.requester == 0 || !fuzz_in(m.rank, 0, FUZZ_NRANKS))
        abort();
    if (type == RMIG_XREQ_MOVE ? !fuzz_move_ok(&m) : !fuzz_answer_ok(&m))
        abort();
    return 0;
}

/* Well-formed messages of each type: a MOVE, a QUEUED, a moved and a
 * refused RESULT. */
size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_xreq m;

    if (max < sizeof(m))
        return 0;
    rmig_xreq_fill(&m, 1 + (int)(k % 3), 1000 + k, 0xabc0u + k, (int)(k % FUZZ_NRANKS),
                   (int)(k % FUZZ_CLUSTERS));
    if (m.type == RMIG_XREQ_RESULT && (k & 4)) {
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
