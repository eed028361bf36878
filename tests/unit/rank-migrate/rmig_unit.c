/* rmig_unit.c: helpers shared by rank-migrate's unit tests (fixtures, messages, peers).
 *
 * The fixtures set the job shape and the timeouts through the settings
 * (base_setting), then boot with the real rmig_cluster_boot(); the spare
 * loop the fake runs when the rank suspends is the one rmig_boot.c's
 * constructor registered, as in a real process.
 * Scripted peers hang on the fake kernel's write hook: they read what was
 * sent with rmig_wire_check(), the way a real daemon would, and queue the
 * answers their script names. Messages are built as a peer's rank-migrate
 * would build them (magic, version, job token, sending cluster).
 */
#include <errno.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_unit.h"
#include "testhelp.h"

struct rmu_peer rmu_peer[FAKE_NCLUSTERS];
char rmu_log[256];
int rmu_ready_value, rmu_forwards;

/* ---- recorded messaging operations ------------------------------------- */

static void rmu_note(const char *what)
{
    strncat(rmu_log, what, sizeof(rmu_log) - strlen(rmu_log) - 1);
}

static int rmu_ready(void)
{
    return rmu_ready_value;
}

static int rmu_quiesce(void)
{
    rmu_note("quiesce;");
    fake_now += RMU_FREEZE_STEP;
    return 0; /* nothing bound here */
}

static void rmu_depart(int dest)
{
    char s[32];

    snprintf(s, sizeof(s), "depart %d;", dest);
    rmu_note(s);
}

static void rmu_stay(void)
{
    rmu_note("stay;");
}

static void rmu_arrive(void)
{
    rmu_note("arrive;");
    fake_now += RMU_ROUTE_STEP;
}

static int rmu_forward(void)
{
    rmu_forwards++;
    return 0;
}

struct rmig_messaging_ops rmu_ops = {
    .ready = rmu_ready,
    .quiesce = rmu_quiesce,
    .depart = rmu_depart,
    .stay = rmu_stay,
    .arrive = rmu_arrive,
    .forward = rmu_forward,
};

/* ---- messages ---------------------------------------------------------- */

struct rmig_wire_hdr rmu_hdr(int type, int src, int rank, int arg, int stream)
{
    struct rmig_wire_hdr h;

    memset(&h, 0, sizeof(h));
    h.magic = RMIG_WIRE_MAGIC;
    h.version = RMIG_WIRE_VERSION;
    h.type = (uint16_t)type;
    h.job = FAKE_JOB;
    h.src_cluster = src;
    h.rank = rank;
    h.arg = arg;
    h.stream = stream;
    return h;
}

void rmu_push_hdr(const struct rmig_wire_hdr *h)
{
    fake_inbox_push(h, sizeof(*h));
}

void rmu_push(int type, int src, int rank, int arg, int stream)
{
    struct rmig_wire_hdr h = rmu_hdr(type, src, rank, arg, stream);

    rmu_push_hdr(&h);
}

struct rmig_wire_hdr rmu_sent(int i)
{
    struct rmig_wire_hdr h;

    ck_assert_msg(i < fake_nsent, "message %d not sent (%d sent)", i, fake_nsent);
    ck_assert_msg(rmig_wire_check(fake_sent[i].bytes, (long)fake_sent[i].len, FAKE_JOB, &h) > 0,
                  "message %d does not check out", i);
    return h;
}

void rmu_assert_sent(int i, int cluster, int type, int rank, int arg, int stream)
{
    struct rmig_wire_hdr h = rmu_sent(i);

    ck_assert_msg(fake_sent[i].cluster == cluster, "message %d went to %d, not %d", i,
                  fake_sent[i].cluster, cluster);
    ck_assert_msg(h.type == type, "message %d: type %d, not %d", i, h.type, type);
    ck_assert_msg(h.rank == rank, "message %d: rank %d, not %d", i, h.rank, rank);
    ck_assert_msg(h.arg == arg, "message %d: arg %d, not %d", i, h.arg, arg);
    ck_assert_msg(h.stream == stream, "message %d: stream %d, not %d", i, h.stream, stream);
    ck_assert_msg(h.src_cluster == fake_sent[i].from, "message %d: stamped %d, written by %d", i,
                  h.src_cluster, fake_sent[i].from);
}

struct rmig_xreq rmu_reply(int i)
{
    struct rmig_xreq x;

    ck_assert_msg(i < fake_nreplies, "reply %d not sent (%d sent)", i, fake_nreplies);
    ck_assert_int_gt(rmig_xreq_check(fake_reply[i].bytes, (long)fake_reply[i].len, RMU_NRANKS,
                                     FAKE_NCLUSTERS, &x),
                     0);
    ck_assert_uint_eq(fake_reply[i].requester, x.requester);
    return x;
}

/* ---- scripted peers ---------------------------------------------------- */

static void rmu_answer_offer(int peer, const struct rmig_wire_hdr *h)
{
    struct rmu_peer *p = &rmu_peer[peer];
    int again = p->again > 0; /* its own rank still on its way out */
    int accept = !again && p->offer == RMU_ACCEPT;

    p->again -= again;
    if (!again && p->offer == RMU_SILENT)
        return;
    struct rmig_wire_hdr a = rmu_hdr(accept ? RMIG_MSG_ACCEPT : RMIG_MSG_REFUSE, peer, h->rank,
                                     accept  ? 0
                                     : again ? -EAGAIN
                                             : p->refuse_arg,
                                     0);

    a.b = h->b; /* the answer names the offer it answers */
    rmu_push_hdr(&a);
}

static void rmu_answer_begin(int peer, const struct rmig_wire_hdr *h)
{
    const struct rmu_peer *p = &rmu_peer[peer];
    int s = h->stream;

    switch (p->stream) {
    case RMU_STREAM_OK:
        rmu_push(RMIG_MSG_TABLE_OK, peer, h->rank, 0, s);
        rmu_push(RMIG_MSG_DONE, peer, h->rank, 0, s);
        break;
    case RMU_STREAM_FAIL:
        rmu_push(RMIG_MSG_FAIL, peer, h->rank, p->fail_arg, s);
        break;
    case RMU_STREAM_TABLE_THEN_FAIL:
        rmu_push(RMIG_MSG_TABLE_OK, peer, h->rank, 0, s);
        rmu_push(RMIG_MSG_FAIL, peer, h->rank, p->fail_arg, s);
        break;
    case RMU_STREAM_TABLE_ONLY:
        rmu_push(RMIG_MSG_TABLE_OK, peer, h->rank, 0, s);
        break;
    case RMU_STREAM_OTHER_NUMBER:
        rmu_push(RMIG_MSG_TABLE_OK, peer, h->rank, 0, (s + 1) % RMIG_STREAMS);
        rmu_push(RMIG_MSG_DONE, peer, h->rank, 0, (s + 1) % RMIG_STREAMS);
        break;
    }
}

/* fake_on_write: a peer reads what it was sent and answers by script. */
static void rmu_peer_read(const struct fake_msg *m)
{
    struct rmig_wire_hdr h;
    int t = rmig_wire_check(m->bytes, (long)m->len, FAKE_JOB, &h);

    if (m->cluster == fake_self)
        return;
    if (t == RMIG_MSG_OFFER)
        rmu_answer_offer(m->cluster, &h);
    else if (t == RMIG_MSG_BEGIN)
        rmu_answer_begin(m->cluster, &h);
}

/* ---- fixtures ---------------------------------------------------------- */

static void rmu_settings(void)
{
    /* The scripted peers answer stop-and-copy streams only; the default
     * mode (auto) would go pre-copy under a model predicting long pauses. */
    setenv("NMPI_MIGRATION_MODE", "stop", 1);
    setenv("NMPI_SPARES", "2", 1);
    unsetenv("NMPI_NRANKS");
    setenv("NMPI_PREEMPT_MS", "0", 1);
    setenv("NMPI_MIGRATE_TIMEOUT", "1", 1);
    unsetenv("NMPI_MIGRATION_REPORT");
    unsetenv("NMPI_TEST_STREAM_FAULT");
    setenv("NMPI_LOG", "error", 1); /* rejected streams warn: keep the log quiet */
}

static void rmu_boot(int cluster, int hosts_rank)
{
    rmu_settings();
    fake_reset();
    fake_self = cluster;
    fake_on_write = rmu_peer_read;
    memset(rmu_peer, 0, sizeof(rmu_peer));
    rmu_log[0] = '\0';
    rmu_ready_value = 1;
    rmu_forwards = 0;
    ck_assert_int_eq(rmig_cluster_boot(), hosts_rank);
    ck_assert_int_eq(rmig_rank_count(), RMU_NRANKS);
    ck_assert_int_eq(rmig_spare_count(), FAKE_NCLUSTERS - RMU_NRANKS);
    ck_assert_int_eq(rmig_cluster.control_mbx, FAKE_INBOX);
    rmig_set_messaging(&rmu_ops);
}

void rmu_setup(void)
{
    rmu_boot(RMU_ME, 1);
    fake_container_start(RMU_ME);
}

void rmu_setup_spare(void)
{
    rmu_boot(RMU_SPARE, 0);
}

/* ---- a move's two ends in one process ------------------------------------ */

static struct {
    int from, dest;
    double when;
} rmu_arrival;

static void rmu_arrival_idle(void)
{
    if (fake_self != rmu_arrival.from || ua_container_present())
        return;
    fake_on_idle = NULL;
    fake_self = rmu_arrival.dest;
    fake_now = rmu_arrival.when;
    for (int i = 0; i < fake_nsent; i++)
        if (fake_sent[i].cluster == rmu_arrival.dest)
            fake_inbox_push(fake_sent[i].bytes, fake_sent[i].len);
}

void rmu_arrive_at(int dest, double when)
{
    rmu_arrival.from = fake_self;
    rmu_arrival.dest = dest;
    rmu_arrival.when = when;
    fake_on_idle = rmu_arrival_idle;
}

const char *rmu_caught(void (*fn)(void *arg))
{
    static char out[4096];

    ck_assert_int_ge(th_stderr_capture(fn, NULL, out, sizeof(out)), 0);
    return out;
}
