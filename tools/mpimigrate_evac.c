/* mpimigrate_evac.c: --evacuate HOST: move every rank off a host (maintenance).
 *
 * Plan from one placement (mpimigrate_place.c): the ranks that run on HOST,
 * and the idle clusters of the other hosts. Each rank, in rank order, goes
 * to the host with the fewest ranks (counting the ones planned there) that
 * still has an idle cluster, ties to the lower host number, its
 * lowest-numbered idle cluster. With fewer idle clusters elsewhere than
 * ranks on HOST nothing is asked at all: the ranks that could not be placed
 * are listed and the exit status is MM_EXIT_NOSPARE.
 *
 * Then the moves are asked all at once (--serial: one after the other) as
 * ordinary MOVE requests with a nonce each, and every RESULT is reported
 * on its own line. A refused move is asked once more, to another idle
 * cluster of another host if one is left. At the end a second placement
 * decides: exit 0 only if no rank runs on HOST and every cluster of HOST
 * answered; else the ranks still there are listed (MM_EXIT_PARTIAL).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mpimigrate.h"
#include "rmig_xreq.h"

struct mm_evac_move {
    int rank, from, to; /* the rank, where it runs, where it is asked to go */
    uint32_t nonce;     /* of the MOVE in flight */
    int state;          /* MM_EVAC_* */
    int tries;          /* MOVEs asked */
};

enum { MM_EVAC_WAITING, MM_EVAC_ASKED, MM_EVAC_MOVED, MM_EVAC_FAILED };

struct mm_evac {
    const struct mm_job *job;
    struct rmig_xreq_placement *pl;
    int host;   /* the host to empty */
    int fd;     /* our socket */
    int nmoves; /* ranks on the host */
    struct mm_evac_move move[RMIG_XREQ_CLUSTERS_MAX];
    int ranks_on[RMIG_XREQ_HOSTS_MAX];           /* ranks per host, planned moves included */
    unsigned char taken[RMIG_XREQ_CLUSTERS_MAX]; /* idle cluster given to a move */
};

static const char *mm_host_of(const struct mm_evac *e, int c)
{
    return e->pl->host[e->pl->place[c].host];
}

/* The host named `name`, or -1 (usage message naming the known hosts). */
static int mm_evac_host(const struct mm_job *job, const struct rmig_xreq_placement *pl,
                        const char *name)
{
    int h;

    for (h = 0; h < pl->nhosts; h++)
        if (strcmp(pl->host[h], name) == 0)
            return h;
    fprintf(stderr, "mpimigrate: job %ld runs on no host named '%s'; its hosts:", job->id, name);
    for (h = 0; h < pl->nhosts; h++)
        fprintf(stderr, " %s", pl->host[h]);
    fprintf(stderr, "\n");
    return -1;
}

/* An idle cluster off the evacuated host for one more rank (see the
 * header), marked taken; -1 when none is left. */
static int mm_evac_pick(struct mm_evac *e)
{
    const struct rmig_xreq_placement *pl = e->pl;
    int best = -1, best_load = 0, c;

    for (c = 0; c < pl->nclusters; c++) {
        int h = pl->place[c].host, load;

        if (pl->place[c].state != RMIG_PLACE_IDLE || h == e->host || e->taken[c])
            continue;
        load = e->ranks_on[h];
        if (best < 0 || load < best_load || (load == best_load && h < pl->place[best].host))
            best = c, best_load = load;
    }
    if (best >= 0) {
        e->taken[best] = 1;
        e->ranks_on[pl->place[best].host]++;
    }
    return best;
}

/* The ranks on the host (each once), and the count of ranks per host. */
static void mm_evac_collect(struct mm_evac *e)
{
    const struct rmig_xreq_placement *pl = e->pl;
    unsigned char seen[RMIG_XREQ_CLUSTERS_MAX] = {0};
    int c;

    for (c = 0; c < pl->nclusters; c++) {
        int r = pl->place[c].rank;

        if (pl->place[c].state == RMIG_PLACE_NOANSWER && pl->place[c].host == e->host)
            fprintf(stderr, "cluster %d (%s): did not answer: a rank it may run is not moved\n", c,
                    mm_host_of(e, c));
        if (pl->place[c].state != RMIG_PLACE_RANK)
            continue;
        e->ranks_on[pl->place[c].host]++;
        if (pl->place[c].host != e->host || seen[r])
            continue;
        seen[r] = 1;
        e->move[e->nmoves++] = (struct mm_evac_move){.rank = r, .from = c, .to = -1};
    }
}

/* Places every rank of the host, or says which cannot be. Returns the
 * number of ranks left without a destination. */
static int mm_evac_plan(struct mm_evac *e)
{
    int i, idle = 0, unplaced = 0, c;

    for (c = 0; c < e->pl->nclusters; c++)
        idle += e->pl->place[c].state == RMIG_PLACE_IDLE && e->pl->place[c].host != e->host;
    if (idle < e->nmoves)
        fprintf(stderr,
                "mpimigrate: cannot evacuate %s: %d ranks run there but the other hosts have "
                "only %d idle clusters; nothing was moved\n",
                e->pl->host[e->host], e->nmoves, idle);
    for (i = 0; i < e->nmoves; i++) {
        e->move[i].to = i < idle ? mm_evac_pick(e) : -1;
        if (e->move[i].to < 0) {
            fprintf(stderr,
                    "rank %d: cluster %d (%s): not placed: no idle cluster left on "
                    "another host\n",
                    e->move[i].rank, e->move[i].from, mm_host_of(e, e->move[i].from));
            unplaced++;
        }
    }
    return unplaced;
}

/* Asks move m. Returns 0, or -1 when the request could not be sent. */
static int mm_evac_ask(struct mm_evac *e, struct mm_evac_move *m)
{
    struct rmig_xreq rq;

    m->nonce = mm_nonce();
    m->tries++;
    rmig_xreq_fill(&rq, RMIG_XREQ_MOVE, (uint32_t)getpid(), m->nonce, m->rank, m->to);
    rq.mode = mm_move_mode;
    if (mm_send(e->fd, e->job, &rq) != MM_EXIT_MOVED) {
        m->state = MM_EVAC_FAILED;
        return -1;
    }
    m->state = MM_EVAC_ASKED;
    return 0;
}

/* Reports a RESULT for m; a refused move is asked once more elsewhere. */
static void mm_evac_result(struct mm_evac *e, struct mm_evac_move *m, const struct rmig_xreq *r)
{
    const char *src = mm_host_of(e, r->from);

    if (r->status == 0) {
        printf("rank %d: cluster %d (%s) -> cluster %d (%s): moved, downtime %.3f ms\n", m->rank,
               r->from, src, r->cluster, mm_host_of(e, r->cluster), (double)r->downtime_ns / 1e6);
        m->state = MM_EVAC_MOVED;
        return;
    }
    printf("rank %d: cluster %d (%s) -> cluster %d (%s): refused: %s\n", m->rank, r->from, src,
           m->to, mm_host_of(e, m->to), mm_reason(r->status));
    m->from = r->cluster;
    m->state = MM_EVAC_FAILED;
    if (m->tries < 2 && r->status != -ESRCH && (m->to = mm_evac_pick(e)) >= 0) {
        printf("rank %d: asked again, to cluster %d (%s)\n", m->rank, m->to, mm_host_of(e, m->to));
        mm_evac_ask(e, m);
    }
}

/* Takes one datagram: the RESULT of a move in flight, if it is one. */
static void mm_evac_take(struct mm_evac *e)
{
    unsigned char buf[sizeof(struct rmig_xreq) + 8];
    struct rmig_xreq r;
    ssize_t n = recv(e->fd, buf, sizeof(buf), MSG_DONTWAIT);
    int i;

    if (rmig_xreq_check(buf, (long)n, e->job->nranks, e->job->nranks + e->job->spares, &r) !=
        RMIG_XREQ_RESULT)
        return; /* QUEUED (the job took it), or not ours */
    for (i = 0; i < e->nmoves; i++)
        if (e->move[i].state == MM_EVAC_ASKED && e->move[i].nonce == r.nonce &&
            e->move[i].rank == r.rank) {
            mm_evac_result(e, &e->move[i], &r);
            return;
        }
}

/* Asks the moves (at most `window` in flight) and takes their results
 * until none is in flight or the deadline. Returns how many are left
 * without an outcome. */
static int mm_evac_run(struct mm_evac *e, int window, double deadline)
{
    int i, inflight, waiting;

    for (;;) {
        inflight = waiting = 0;
        for (i = 0; i < e->nmoves; i++) {
            if (e->move[i].state == MM_EVAC_WAITING && inflight < window)
                mm_evac_ask(e, &e->move[i]);
            inflight += e->move[i].state == MM_EVAC_ASKED;
            waiting += e->move[i].state == MM_EVAC_WAITING;
        }
        if (inflight + waiting == 0 || mm_now() >= deadline ||
            (kill((pid_t)e->job->id, 0) < 0 && errno == ESRCH))
            break;
        struct pollfd p = {.fd = e->fd, .events = POLLIN};
        if (poll(&p, 1, 200) > 0)
            mm_evac_take(e);
    }
    for (i = 0; i < e->nmoves; i++)
        if (e->move[i].state == MM_EVAC_ASKED || e->move[i].state == MM_EVAC_WAITING)
            printf("rank %d: cluster %d (%s) -> cluster %d (%s): no outcome in time\n",
                   e->move[i].rank, e->move[i].from, mm_host_of(e, e->move[i].from), e->move[i].to,
                   mm_host_of(e, e->move[i].to));
    return inflight + waiting;
}

/* The second placement: 0 when the host runs no rank and all its clusters
 * answered; else lists what is left there and returns MM_EXIT_PARTIAL. */
static int mm_evac_verify(struct mm_evac *e, const char *name, double timeout)
{
    int ret = mm_placement(e->job, e->fd, timeout, e->pl), c, left = 0;
    char what[32];

    fflush(stdout); /* the report lines first, then what is left */
    if (ret != MM_EXIT_MOVED)
        return MM_EXIT_PARTIAL;
    for (c = 0; c < e->pl->nclusters; c++) {
        int st = e->pl->place[c].state;

        if (strcmp(mm_host_of(e, c), name) != 0 ||
            (st != RMIG_PLACE_RANK && st != RMIG_PLACE_NOANSWER))
            continue;
        if (left++ == 0)
            fprintf(stderr, "mpimigrate: %s is not empty:\n", name);
        fprintf(stderr, "  cluster %d: %s\n", c, mm_place_what(e->pl, c, what, sizeof(what)));
    }
    return left ? MM_EXIT_PARTIAL : MM_EXIT_MOVED;
}

int mm_evacuate(const struct mm_job *job, const char *name, double timeout, int serial)
{
    static struct rmig_xreq_placement pl;
    static struct mm_evac e;
    double t0 = mm_now(), t1;
    int ret, i, moved = 0;

    e.job = job;
    e.pl = &pl;
    e.fd = mm_open(job);
    if (e.fd < 0)
        return MM_EXIT_NOJOB;
    ret = mm_placement(job, e.fd, timeout, &pl);
    if (ret != MM_EXIT_MOVED)
        return ret;
    e.host = mm_evac_host(job, &pl, name);
    if (e.host < 0)
        return MM_EXIT_USAGE;
    mm_evac_collect(&e);
    if (mm_evac_plan(&e) > 0)
        return MM_EXIT_NOSPARE;
    t1 = mm_now();
    mm_evac_run(&e, serial ? 1 : e.nmoves, t0 + timeout);
    for (i = 0; i < e.nmoves; i++)
        moved += e.move[i].state == MM_EVAC_MOVED;
    printf("evacuate %s: %d of %d ranks moved in %.1f ms (%s)\n", name, moved, e.nmoves,
           (mm_now() - t1) * 1e3, serial ? "one after the other" : "all at once");
    ret = mm_evac_verify(&e, name, timeout);
    if (ret == MM_EXIT_MOVED)
        printf("%s runs no rank of job %ld now\n", name, job->id);
    return ret;
}
