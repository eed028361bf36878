/* rmig_ckpt_ask.c: a checkpoint of the whole job asked from outside it.
 *
 * `mpimigrate --checkpoint DIR` writes a CHECKPOINT (rmig_xreq.h) to the
 * request socket of any cluster of the job on its host, the entry, which
 * answers QUEUED and sends the request to cluster 0 (CKPT_ASK, rmig_wire.h).
 * Cluster 0 coordinates because it never moves, unlike rank 0: it numbers
 * the job's checkpoints, one at a time (a request while one is under way
 * is refused with -EBUSY, so two never mix), and tells every cluster
 * "checkpoint N, into DIR" (CKPT_GO); each cluster notes the latest. A rank
 * takes part at its next safe point, on whatever cluster it is by then
 * (every cluster has the note, and moves are held only while a rank takes
 * part): rmig_ckpt_ask_join runs the handler the MPI layer registered (the
 * drain, the images, the manifest: mpi/core/mpi_checkpoint_ext.c) once per
 * number. The last number taken part in is kept in the rank's state with
 * the job's token, so it moves with the rank, and a job restarted from the
 * checkpoint (a new token, numbers from 1 again) takes its own ones. Rank
 * 0 then sends the outcome to cluster 0 (CKPT_DONE), which takes the next
 * request from then on and passes the outcome to the entry, which answers
 * the requester with a RESULT (the bytes of the images, or -errno).
 *
 * Safe points are MPI waits and the preemption handler, so a rank
 * computing outside MPI takes part within a tick; with preemption off
 * (NMPI_PREEMPT_MS=0) it joins at its next MPI call, and the others wait
 * for it inside their MPI waits, which back off to sleeping. A safe point
 * holding moves (a rank inside MPIX_Checkpoint) still joins: otherwise a
 * rank nested in this checkpoint and one draining MPIX_Checkpoint would
 * wait for each other for ever; the protocol of either is only messages
 * to the other. A checkpoint that never completes (a rank that never calls
 * MPI with preemption off) keeps cluster 0 refusing new ones.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_ckpt.h"
#include "rmig_internal.h"
#include "rmig_xreq.h"
#include "ua.h"

/* Per-cluster state (never in a container). */
struct rmig_ckpt_ask_cluster {
    rmig_checkpoint_handler handler; /* the MPI layer's (rmig_set_checkpoint_handler) */
    char carried[RMIG_WIRE_DIR_MAX]; /* directory of the CKPT message being handled */
    int32_t issued;                  /* cluster 0: numbers given out so far */
    int busy;                        /* cluster 0: number `issued` has not ended */
    int32_t asked;                   /* the latest checkpoint noted here (0: none) */
    uint64_t requester;              /* its requester (RMIG_REQUESTER) and nonce */
    uint32_t nonce;
    char dir[RMIG_WIRE_DIR_MAX]; /* its directory */
};

static struct rmig_ckpt_ask_cluster rmig_cka;

void rmig_set_checkpoint_handler(rmig_checkpoint_handler fn)
{
    rmig_cka.handler = fn;
}

void rmig_ckpt_ask_carry(const char *dir)
{
    memcpy(rmig_cka.carried, dir, sizeof(rmig_cka.carried));
}

/* Entry: the RESULT to the requester, whose socket is on this host. */
static void rmig_ckpt_reply(uint64_t requester, uint32_t nonce, int number, int status,
                            uint64_t bytes)
{
    struct rmig_xreq_ckpt r;

    memset(&r, 0, sizeof(r));
    rmig_xreq_fill(&r.m, RMIG_XREQ_RESULT, RMIG_REQUESTER_ID(requester), nonce, 0, knode_get_num());
    r.m.status = status < -RMIG_XREQ_ERR_MAX ? -EIO : status;
    r.number = status == 0 || number > 0 ? number : 0;
    r.nranks = status == 0 ? rmig_cluster.nranks : 0;
    r.bytes = status == 0 ? bytes : 0;
    kjob_request_reply(RMIG_REQUESTER_ID(requester), &r, sizeof(r));
}

/* Sends a checkpoint message (with the directory for ASK and GO). */
static int rmig_ckpt_send(int cluster, int type, int number, int status, uint64_t requester,
                          uint32_t nonce, uint64_t bytes, const char *dir)
{
    struct rmig_wire_ckpt m;

    memset(&m, 0, sizeof(m));
    m.h.type = (uint16_t)type;
    m.h.rank = -1;
    m.h.ckpt = number;
    m.h.arg = status;
    m.h.a = requester;
    m.h.b = nonce;
    m.h.c = bytes;
    if (dir == NULL)
        return rmig_control_write(cluster, &m.h);
    memcpy(m.dir, dir, sizeof(m.dir));
    return rmig_control_write_len(cluster, &m.h, sizeof(m));
}

/* The outcome of a request goes to its entry, which replies. */
static void rmig_ckpt_tell(uint64_t requester, uint32_t nonce, int number, int status,
                           uint64_t bytes)
{
    int entry = RMIG_REQUESTER_ENTRY(requester);

    if (entry == knode_get_num())
        rmig_ckpt_reply(requester, nonce, number, status, bytes);
    else if (rmig_ckpt_send(entry, RMIG_MSG_CKPT_DONE, number, status, requester, nonce, bytes,
                            NULL) < 0)
        base_log(BASE_LOG_WARN, "rmig", "checkpoint %d: its outcome could not reach cluster %d",
                 number, entry);
}

/* A GO: the latest checkpoint asked (numbers only grow). */
static void rmig_ckpt_note(int number, uint64_t requester, uint32_t nonce, const char *dir)
{
    if (number <= rmig_cka.asked)
        return;
    rmig_cka.asked = number;
    rmig_cka.requester = requester;
    rmig_cka.nonce = nonce;
    memcpy(rmig_cka.dir, dir, sizeof(rmig_cka.dir));
}

/* Cluster 0: numbers a request and tells every cluster, or refuses it. */
static void rmig_ckpt_coordinate(uint64_t requester, uint32_t nonce, const char *dir)
{
    int self = knode_get_num();

    if (rmig_cka.busy) {
        rmig_ckpt_tell(requester, nonce, 0, -EBUSY, 0);
        return;
    }
    rmig_cka.busy = 1;
    rmig_cka.issued++;
    base_log(BASE_LOG_INFO, "rmig", "checkpoint %d into %s asked", rmig_cka.issued, dir);
    for (int c = 0; c < knode_count(); c++)
        if (c == self)
            rmig_ckpt_note(rmig_cka.issued, requester, nonce, dir);
        else if (!knode_is_lost(c))
            rmig_ckpt_send(c, RMIG_MSG_CKPT_GO, rmig_cka.issued, 0, requester, nonce, 0, dir);
}

/* Cluster 0: checkpoint `number` ended; the outcome goes to the entry. */
static void rmig_ckpt_ended(int number, int status, uint64_t requester, uint32_t nonce,
                            uint64_t bytes)
{
    if (number == rmig_cka.issued)
        rmig_cka.busy = 0;
    rmig_ckpt_tell(requester, nonce, number, status, bytes);
}

void rmig_ckpt_ask_start(const struct rmig_xreq_ckpt *rq)
{
    uint64_t requester = RMIG_REQUESTER(knode_get_num(), rq->m.requester);
    struct rmig_xreq ack;

    rmig_xreq_fill(&ack, RMIG_XREQ_QUEUED, rq->m.requester, rq->m.nonce, 0, knode_get_num());
    kjob_request_reply(rq->m.requester, &ack, sizeof(ack));
    if (knode_get_num() == 0)
        rmig_ckpt_coordinate(requester, rq->m.nonce, rq->dir);
    else if (rmig_ckpt_send(0, RMIG_MSG_CKPT_ASK, 0, 0, requester, rq->m.nonce, 0, rq->dir) < 0)
        rmig_ckpt_reply(requester, rq->m.nonce, 0, -EHOSTDOWN, 0);
}

void rmig_ckpt_ask_handle(const struct rmig_wire_hdr *h)
{
    int self = knode_get_num();

    if (h->type == RMIG_MSG_CKPT_ASK && self == 0)
        rmig_ckpt_coordinate(h->a, (uint32_t)h->b, rmig_cka.carried);
    else if (h->type == RMIG_MSG_CKPT_GO && h->src_cluster == 0)
        rmig_ckpt_note(h->ckpt, h->a, (uint32_t)h->b, rmig_cka.carried);
    else if (h->type == RMIG_MSG_CKPT_DONE && self == 0)
        rmig_ckpt_ended(h->ckpt, h->arg, h->a, (uint32_t)h->b, h->c);
    else if (h->type == RMIG_MSG_CKPT_DONE && RMIG_REQUESTER_ENTRY(h->a) == self)
        rmig_ckpt_reply(h->a, (uint32_t)h->b, h->ckpt, h->arg, h->c);
}

/* Rank 0, the checkpoint over: the bytes of its images in dir. */
static uint64_t rmig_ckpt_bytes(const char *dir)
{
    char name[32], path[PATH_MAX];
    uint64_t sum = 0;
    struct stat st;

    for (int r = 0; r < rmig_cluster.nranks; r++) {
        rmig_ckpt_image_name(r, name, sizeof(name));
        if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
            stat(path, &st) == 0)
            sum += (uint64_t)st.st_size;
    }
    return sum;
}

/* Rank 0: tells cluster 0 the outcome of checkpoint `number`. */
static void rmig_ckpt_finished(int number, uint64_t requester, uint32_t nonce, int status,
                               const char *dir)
{
    uint64_t bytes = status == 0 ? rmig_ckpt_bytes(dir) : 0;

    if (knode_get_num() == 0)
        rmig_ckpt_ended(number, status, requester, nonce, bytes);
    else if (rmig_ckpt_send(0, RMIG_MSG_CKPT_DONE, number, status, requester, nonce, bytes, NULL) <
             0)
        base_log(BASE_LOG_WARN, "rmig", "checkpoint %d: its outcome could not reach cluster 0",
                 number);
}

/* Non-zero when this rank is to take part in the checkpoint noted here. */
static int rmig_ckpt_due(const struct rmig_rank *rs)
{
    if (rmig_cka.asked == 0 || rmig_cka.handler == NULL || rs->ckpt_running)
        return 0;
    return rs->ckpt_job != knode_job_token() || rs->ckpt_done < rmig_cka.asked;
}

void rmig_ckpt_ask_join(void)
{
    struct rmig_rank *rs;
    char dir[RMIG_WIRE_DIR_MAX];
    uint64_t requester;
    uint32_t nonce;
    int number, was, restarted = 0, ret;

    if (rmig_cka.asked == 0 || !rmig_messaging_ready() || (rs = rmig_rank_state()) == NULL ||
        !rmig_ckpt_due(rs))
        return;
    /* Copied to this stack: a later note must not change this one. */
    number = rmig_cka.asked;
    requester = rmig_cka.requester;
    nonce = rmig_cka.nonce;
    memcpy(dir, rmig_cka.dir, sizeof(dir));
    rs->ckpt_job = knode_job_token();
    rs->ckpt_done = number;
    rs->ckpt_running = 1;
    was = rmig_checkpoint_holding();
    rmig_checkpoint_hold(1); /* before its first message: no move in between */
    ret = rmig_cka.handler(dir, &restarted);
    rmig_checkpoint_hold(was); /* in a restarted job: the hold of the wait it is nested in */
    rs->ckpt_running = 0;
    if (!restarted && ua_get_rank() == 0) /* a restarted job asked nothing */
        rmig_ckpt_finished(number, requester, nonce, ret, dir);
}
